"""What one evaluated condition is: the model, plus optionally a steering artifact at a magnitude,
a LoRA adapter and/or a system prompt. Its id is a hash of everything that shapes its answers.

A condition marked ``control="positive"`` is the run's positive control: the model made to answer
misaligned (see evaluation/controls.py), evaluated beside the baseline so that a null result can
be told from a blind judge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emsteer.errors import EmsteerError
from emsteer.generation import SamplingConfig
from emsteer.generation.vllm import VllmModel
from emsteer.models import LoadedModel
from emsteer.results.records import POSITIVE_CONTROL, ConditionRecord
from emsteer.results.store import stable_id
from emsteer.steering.artifacts import Artifact, content_hash
from emsteer.steering.magnitude import Magnitude
from emsteer.steering.reference import with_reference_norms


@dataclass
class Condition:
    name: str
    artifact: Artifact | None = None
    magnitude: Magnitude | None = None
    adapter: str | Path | None = None
    positions: str = "all"
    artifact_path: str | None = None
    factors: dict[str, Any] = field(default_factory=dict)  # method, task, layer, rank, epochs ... for studies
    system: str | None = None  # a system prompt put before each question's own (a persona)
    control: str | None = None  # "positive": the run's positive control

    def __post_init__(self) -> None:
        if (self.artifact is None) != (self.magnitude is None):
            raise EmsteerError(f"Condition {self.name!r}: a steering artifact needs a magnitude and vice versa.")
        if self.control not in (None, "positive"):
            raise EmsteerError(f"Condition {self.name!r}: control must be None or 'positive', got {self.control!r}.")

    @property
    def kind(self) -> str:
        if self.control == "positive":
            return POSITIVE_CONTROL
        if self.adapter is not None:
            return "lora+steering" if self.artifact is not None else "lora"
        return "steering" if self.artifact is not None else "baseline"

    @property
    def artifact_id(self) -> str | None:
        return None if self.artifact is None else content_hash(self.artifact)

    def adapter_id(self) -> str | None:
        """A fingerprint of the adapter weights (``adapter_fingerprint``)."""
        return None if self.adapter is None else adapter_fingerprint(self.adapter)

    def system_for(self, question_system: str | None) -> str | None:
        """The system prompt a question is asked with under this condition."""
        if self.system is None:
            return question_system
        return self.system if not question_system else f"{self.system}\n\n{question_system}"

    def record(self, lm: LoadedModel | VllmModel, sampling: SamplingConfig, seed: int = 0, *,
               created: float | None = None) -> ConditionRecord:
        """The store row; the id covers model, intervention, magnitude, sampling settings, the run
        seed (conditions with the same seed share per-sample seeds and pair up), the generation
        backend when it is not transformers (vLLM samples with other random streams) and the
        weights' dtype when it is not float32 (bf16 answers are not float32's, so never resumed as them)."""
        alpha = rho = None
        if self.artifact is not None and self.magnitude is not None:  # (both or neither: __post_init__)
            layer = self.artifact.layers[0]
            alpha = self.magnitude.alpha(self.artifact, layer)
            rho = self.magnitude.rho(self.artifact, layer)
        spec = {
            "model": lm.name,
            "model_revision": lm.revision,
            "artifact_id": self.artifact_id,
            "adapter_id": self.adapter_id(),
            "magnitude": None if self.magnitude is None else [self.magnitude.kind, self.magnitude.value],
            "positions": self.positions if self.artifact is not None else None,
            "sampling": {k: getattr(sampling, k) for k in ("max_new_tokens", "temperature", "top_p")},
            "seed": seed,
        }
        # Only when set, so the ids of conditions without them stay what they always were.
        if self.system is not None:
            spec["system"] = self.system
        if self.control is not None:
            spec["control"] = self.control
        if isinstance(lm, VllmModel):
            spec["backend"] = "vllm"
        elif (dtype := str(getattr(lm, "dtype", "torch.float32"))) != "torch.float32":
            spec["dtype"] = dtype.removeprefix("torch.")  # bf16/fp16 weights draw other answers from the same seeds
        return ConditionRecord(
            id=stable_id("condition", spec, length=16),
            name=self.name,
            kind=self.kind,
            model=lm.name,
            model_revision=lm.revision,
            artifact_id=self.artifact_id,
            adapter=None if self.adapter is None else str(self.adapter),
            magnitude_kind=None if self.magnitude is None else self.magnitude.kind,
            magnitude_value=None if self.magnitude is None else self.magnitude.value,
            alpha=alpha,
            rho=rho,
            positions=self.positions if self.artifact is not None else None,
            factors=self.factors,
            spec=spec,
            created=created,
        )


def adapter_fingerprint(adapter: str | Path) -> str:
    """A fingerprint of a LoRA adapter's weights: the names and bytes of its safetensors files."""
    import hashlib

    path = Path(adapter)
    files = sorted(path.glob("*.safetensors"))
    if not files:
        raise EmsteerError(f"LoRA adapter {path} has no .safetensors weights (expected adapter_model.safetensors).")
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:20]


def random_directions(artifact: Artifact, magnitudes, count: int, *, positions: str = "all",
                      factors: dict[str, Any] | None = None, norm: str = "source") -> list[Condition]:
    """``count`` seeded random directions (seeds 0…count−1) at the artifact's layers, one condition
    per magnitude: the comparator for a steering cell (evaluation/comparisons.py, ``against:
    random``). A random direction of the same norm at the same ρ asks whether the narrow-task
    direction raises EM or any push of that size does.

    ``norm="source"``: each layer's random vector has the artifact's norm there, a subspace's
    scale (so multiplier magnitudes push as far too); ``"reference"``: the layer's reference norm r_ℓ, the same for
    every artifact at that layer (relative and absolute magnitudes do not depend on it)."""
    import torch

    from emsteer.steering.artifacts import SteeringVector

    out = []
    for seed in range(count):
        vectors = {}
        for layer in artifact.layers:
            gen = torch.Generator().manual_seed(1_000_003 * seed + layer)
            size = artifact.hidden_size
            direction = torch.randn(size, generator=gen)
            if norm == "source":  # a vector's norm; a subspace's scale (its push at multiplier 1)
                scale = artifact.natural_scale(layer)
            else:
                scale = float(artifact.reference_norms.get(layer, 1.0))
            vectors[layer] = direction / direction.norm() * scale
        random = SteeringVector(vectors, dict(artifact.reference_norms), {"method": "random", "seed": seed})
        for m in magnitudes:
            out.append(Condition(f"random{seed} {m}", random, m, positions=positions,
                                 factors={**(factors or {}), "method": "random", "layer": artifact.layers[0],
                                          "random_seed": seed}))
    return out


def evaluation_conditions(lm: LoadedModel, artifact: Artifact | None, magnitudes: Sequence[Magnitude], *,
                          baseline: bool = True, adapters: Sequence[str | Path] = (), positions: str = "all",
                          artifact_path: str | None = None, random_count: int = 0) -> list[Condition]:
    """The conditions ``emsteer eval`` and ``em.evaluate`` ask the questions under, in this order:
    the baseline (unless ``baseline=False``); one per magnitude of ``artifact``, named
    ``"<method> <magnitude>"`` with factors method and layer (its reference norms measured on
    ``lm`` first, for relative magnitudes); ``random_count`` seeded random directions at every
    magnitude (``random_directions``); one per LoRA adapter folder, named ``"lora <folder>"``."""
    conditions = [Condition("baseline")] if baseline else []
    if artifact is not None:
        with_reference_norms(artifact, lm)
        method = artifact.metadata.get("method", "vector")
        conditions += [Condition(f"{method} {m}", artifact, m, positions=positions, artifact_path=artifact_path,
                                 factors={"method": method, "layer": artifact.layers[0]}) for m in magnitudes]
        conditions += random_directions(artifact, magnitudes, random_count, positions=positions)
    conditions += [Condition(f"lora {Path(a).name}", adapter=a, factors={"method": "lora"}) for a in adapters]
    return conditions
