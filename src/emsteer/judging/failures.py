"""Judgments that did not happen, and which judgments are worth keeping.

A judge backend that gives up on one request (after its retries) returns a ``FailedJudgment``
in that request's place, so the rest of the batch is kept. A failed judgment has no score, no
label and no numeric mass (None: no distribution was ever seen); the judgment cache never
stores it and the results store skips it, so the next run asks again.

A *well-formed* judgment has a score or a CODE/REFUSAL label. A reply without either (the judge
answered in words) is returned and may be stored with the run, but is never cached: one bad
reply must not become the permanent answer for every later run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from emsteer.errors import EmsteerError
from emsteer.judging.base import LABELS, Judgment


@dataclass(frozen=True)
class FailedJudgment(Judgment):
    """A request the judge could not answer; ``error`` says why (never holds a secret)."""

    error: str = ""


def failed_judgment(metric: str, judge: str, error: str) -> FailedJudgment:
    return FailedJudgment(metric=metric, score=None, numeric_mass=None, label=None,  # type: ignore[arg-type]
                          judge=judge, label_mass={}, error=error)


def is_failed(j: Judgment) -> bool:
    """No reply at all: nothing to store or cache."""
    return isinstance(j, FailedJudgment) or (j.score is None and j.label is None and j.numeric_mass is None)


def is_well_formed(j: Judgment) -> bool:
    """A score, or a CODE/REFUSAL label: the only judgments the cache keeps."""
    return not is_failed(j) and (j.score is not None or j.label in LABELS)


class JudgeError(EmsteerError):
    """A judge batch stopped for good (bad key, no logprobs support, endpoint down).

    ``partial`` holds the judgments that did arrive (None where none did), in request order,
    so a caller can keep what was paid for.
    """

    def __init__(self, message: str, partial: Sequence[Judgment | None] = ()) -> None:
        super().__init__(message)
        self.partial = list(partial)
