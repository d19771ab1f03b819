"""EM evaluation: metrics with confidence intervals over judged answers."""

from emsteer.evaluation.metrics import (
    AnswerScore,
    GroupSummary,
    Means,
    PairedDifference,
    Summary,
    is_em,
    is_scored,
    paired_difference,
    summarize,
    summarize_group,
    wilson_interval,
)

__all__ = [
    "AnswerScore",
    "GroupSummary",
    "Means",
    "PairedDifference",
    "Summary",
    "is_em",
    "is_scored",
    "paired_difference",
    "summarize",
    "summarize_group",
    "wilson_interval",
]
