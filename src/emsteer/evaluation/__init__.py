"""EM evaluation: from a model and a condition to judged answers in a results store.

- conditions.py what is evaluated (baseline, a steering artifact at a magnitude, a LoRA adapter)
- run.py        generate answers for a question set, judge them, write both through results/
- controls.py   the positive control (the same model made to answer misaligned)
- efficacy.py   narrow-task efficacy (held-out NLL, judged in-domain rate)
- audit.py      the fail-closed verdict of `emsteer audit`
- summary.py    per-condition summaries, paired against each model's baseline

Layering: evaluation sits above results/ (store, metrics), judging/, generation and steering;
studies/ drives it. Metrics live in emsteer.results.metrics.

The names below are what the outside (the CLI) uses; they load on first use, so importing the
package costs nothing (no torch until a name is used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emsteer.lazy import lazy_attributes

if TYPE_CHECKING:
    from emsteer.evaluation.audit import audit_vector
    from emsteer.evaluation.conditions import evaluation_conditions
    from emsteer.evaluation.controls import CONTROL_KINDS, positive_control
    from emsteer.evaluation.run import (
        EvalSettings,
        answering_engine,
        check_fits,
        evaluate,
        judge_samples,
        record_judge,
    )

__all__ = [
    "CONTROL_KINDS",
    "EvalSettings",
    "answering_engine",
    "audit_vector",
    "check_fits",
    "evaluate",
    "evaluation_conditions",
    "judge_samples",
    "positive_control",
    "record_judge",
]

_LAZY = {
    "audit_vector": "emsteer.evaluation.audit",
    "evaluation_conditions": "emsteer.evaluation.conditions",
    **{name: "emsteer.evaluation.controls" for name in ("CONTROL_KINDS", "positive_control")},
    **{name: "emsteer.evaluation.run" for name in ("EvalSettings", "answering_engine", "check_fits", "evaluate",
                                                   "judge_samples", "record_judge")},
}


__getattr__ = lazy_attributes(__name__, _LAZY)
