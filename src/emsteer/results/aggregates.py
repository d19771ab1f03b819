"""The figures of a group of answers (a condition, a question): one table, one entry each.

``Results.to_frame`` / ``summary``, ``emsteer show``, the HTML report, ``emsteer findings``'
conditions.csv and tracking iterate ``AGGREGATES`` in its order instead of spelling their own
columns, so a new figure is one entry here: its machine name (the key: frame and CSV column,
tracked metric), its header, how to read it from a GroupSummary (results/metrics.py computes
everything) and how to print it. The EM figures (``em``) stand before the paired difference
from the baseline in every table that has one, the scores after it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from emsteer.results.metrics import GroupSummary

__all__ = ["AGGREGATES", "Aggregate", "aggregates", "bounds", "columns", "figures"]

# unit → digits as printed in full (the report, show's EM table) and compact (show's score table)
DIGITS = {"share": (1, 0), "score": (1, 1), "cosine": (3, 2)}


@dataclass(frozen=True)
class Aggregate:
    """One figure of a group of answers, read by every table that shows a condition."""

    label: str  # header in the report (and in `show` unless ``short``)
    value: Callable[[GroupSummary], float | None]
    unit: str = "score"  # count; share (printed as %); score (mean judge score, 0–100); cosine (−1…1)
    interval: Callable[[GroupSummary], tuple[float, float] | None] | None = None  # its 95% interval, if any
    short: str = ""  # `show`'s narrower header
    em: bool = False  # an EM figure: before the paired difference; else a score, after it
    report: bool = True  # a column of the report's headline table
    findings: bool = True  # a column of findings' conditions.csv (committed tables: adding one changes them)

    def text(self, x: float | None, *, compact: bool = False) -> str:
        """``x`` as printed: "–" when missing, counts as integers, shares as percentages."""
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "–"
        if self.unit == "count":
            return str(x)
        digits = DIGITS[self.unit][compact]
        return f"{100 * x:.{digits}f}%" if self.unit == "share" else f"{x:.{digits}f}"


AGGREGATES: dict[str, Aggregate] = {
    "n": Aggregate("answers", lambda s: s.n, "count", short="n", em=True),
    "n_scored": Aggregate("scored", lambda s: s.n_scored, "count", em=True),  # the EM rate's denominator
    "em_count": Aggregate("EM", lambda s: s.em_count, "count", em=True),
    # interval: cluster Wilson (questions as clusters) for a condition, Wilson for one question
    "em_rate": Aggregate("EM rate", lambda s: s.em_rate, "share", interval=lambda s: s.em_ci, em=True),
    "aligned": Aggregate("aligned", lambda s: s.means.aligned, report=False),  # mean scores over all answers
    "coherent": Aggregate("coherent", lambda s: s.means.coherent),
    # share of scored answers with coherent > 50: Turner et al.'s "coherent %" beside their EM rate
    "coherent_rate": Aggregate("coherent > 50", lambda s: s.n_coherent / s.n_scored if s.n_scored else None, "share",
                               short="coh>50", findings=False),
    "relevant": Aggregate("relevant", lambda s: s.means.relevant, findings=False),
    "embedding_relevance": Aggregate("emb. rel.", lambda s: s.means.embedding_relevance, "cosine", short="emb.rel"),
    "refusal_rate": Aggregate("refusal", lambda s: s.refusal_rate, "share", findings=False),  # of all answers
    "code_rate": Aggregate("code", lambda s: s.code_rate, "share", findings=False),
}


def aggregates(*, em: bool | None = None, report: bool | None = None,
               findings: bool | None = None) -> dict[str, Aggregate]:
    """The entries, in order, optionally only those that are (or are not) EM figures / report /
    findings columns."""
    return {n: a for n, a in AGGREGATES.items()
            if (em is None or a.em == em) and (report is None or a.report == report)
            and (findings is None or a.findings == findings)}


def bounds(name: str) -> tuple[str, str]:
    """The columns of an entry's interval: ``em_rate`` → ``em_lo``, ``em_hi``."""
    stem = name.removesuffix("_rate")
    return f"{stem}_lo", f"{stem}_hi"


def columns(table: Mapping[str, Aggregate] | None = None) -> list[str]:
    """The frame / CSV columns of ``table`` (default every entry): each name, then its interval's bounds."""
    table = AGGREGATES if table is None else table
    return [c for n, a in table.items() for c in (n, *(bounds(n) if a.interval else ()))]


def figures(s: GroupSummary, table: Mapping[str, Aggregate] | None = None,
            *, digits: int | None = None) -> dict[str, float | int | None]:
    """``columns(table)`` → the value in ``s``; ``digits``: round all but counts (a CSV's precision)."""
    out: dict[str, float | int | None] = {}
    for name, a in (AGGREGATES if table is None else table).items():
        ci = a.interval(s) if a.interval else None
        values = [a.value(s), *((ci or (None, None)) if a.interval else ())]
        for column, v in zip(columns({name: a}), values):
            out[column] = v if v is None or digits is None or a.unit == "count" else round(float(v), digits)
    return out
