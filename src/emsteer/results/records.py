"""Typed rows of the results store: what ResultsStore reads and writes.

One frozen dataclass per table row (conditions, samples, judgments, efficacy, artifacts), with the
table's column names as fields, so a record maps onto its row one to one and the on-disk schema
stays the SQL in store.py. ``created`` is None on a record not yet written: the store stamps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

POSITIVE_CONTROL = "positive_control"  # the kind of a run's positive control condition


@dataclass(frozen=True)
class ConditionRecord:
    """One evaluated condition (a ``conditions`` row); built by evaluation.Condition.record()."""

    id: str
    name: str
    kind: str  # baseline | steering | lora | lora+steering | positive_control
    model: str = ""
    model_revision: str = ""
    artifact_id: str | None = None  # content hash of the steering artifact
    adapter: str | None = None  # LoRA adapter folder
    magnitude_kind: str | None = None  # absolute | multiplier | relative
    magnitude_value: float | None = None
    alpha: float | None = None  # the absolute coefficient applied (first layer)
    rho: float | None = None  # alpha / r_layer
    positions: str | None = None
    factors: dict[str, Any] = field(default_factory=dict)  # method, task, layer, rank, epochs ... (study grid)
    spec: dict[str, Any] = field(default_factory=dict)  # everything the id was computed from
    created: float | None = None

    @property
    def is_baseline(self) -> bool:
        return self.kind == "baseline"

    @property
    def is_control(self) -> bool:
        """The run's positive control (meant to be misaligned: never a finding, never a failure)."""
        return self.kind == POSITIVE_CONTROL


@dataclass(frozen=True)
class SampleRecord:
    """One generated answer (a ``samples`` row); its id is results.store.sample_id(...)."""

    id: str
    condition_id: str
    question_id: str
    paraphrase_index: int
    sample_index: int
    seed: int
    system: str | None
    question: str
    response: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    purpose: str = "em"  # em (evaluation questions) | in_domain (narrow-task prompts)
    created: float | None = None


@dataclass(frozen=True)
class JudgmentRecord:
    """One score of one answer for one metric by one judge (a ``judgments`` row).

    Neither score, numeric mass nor label: the judge never answered, and the store keeps no row.
    Score and label both None with a numeric mass: the judge answered in words (unscored)."""

    sample_id: str
    metric: str
    judge: str  # the judge's identity
    score: float | None
    numeric_mass: float | None = None
    label: str | None = None
    created: float | None = None

    @property
    def answered(self) -> bool:
        return not (self.score is None and self.numeric_mass is None and self.label is None)


@dataclass(frozen=True)
class EfficacyRecord:
    """One narrow-task measure of one condition (an ``efficacy`` row)."""

    condition_id: str
    measure: str  # heldout_nll | in_domain_rate
    task: str
    judge: str  # '' for measures that need no judge
    value: float | None
    detail: dict[str, Any]
    created: float | None = None


def columns(record_type: type) -> list[str]:
    """The table columns of a record type, in field order."""
    return [f.name for f in fields(record_type)]


@dataclass(frozen=True)
class ArtifactRecord:
    """One steering artifact a condition used (an ``artifacts`` row), as geometry and reports read it."""

    id: str  # content hash
    kind: str  # vector | subspace
    layers: list[int]
    method: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    tensors: Any = None  # numpy (len(layers), hidden) float32 for vectors; None for subspaces
