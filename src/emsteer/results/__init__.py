"""Results: what a run produced and what it means.

- records.py typed rows (ConditionRecord, SampleRecord, JudgmentRecord, EfficacyRecord): what
             the store reads and writes, and what summaries, plots and reports take
- store.py   the SQLite results store (conditions, artifacts, samples, judgments, efficacy),
             resumable by deterministic ids; the one rule for the primary judge
- metrics.py EM rates with cluster Wilson intervals, means, paired differences with sign-flip
             intervals over questions (inference.py; the EM definition itself is emsteer.em)
- aggregates.py the one table of a condition's figures (name, header, value, format) that
             to_frame, show, the report, findings and tracking iterate
- export.py  one row per answer and judge, to parquet / csv / jsonl / a datasets folder

Layering: results sits below evaluation (which writes through it), studies (which drive
evaluation into it) and analysis (which reads it); it imports none of them.

The names below are what the outside (the CLI) uses; they load on first use, so importing the
package (or one of its modules) does not open the store's dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emsteer.lazy import lazy_attributes

if TYPE_CHECKING:
    from emsteer.results.store import ResultsStore, WriteLock
    from emsteer.results.verified import human_judge

__all__ = ["ResultsStore", "WriteLock", "human_judge"]

_LAZY = {
    **{name: "emsteer.results.store" for name in ("ResultsStore", "WriteLock")},
    "human_judge": "emsteer.results.verified",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
