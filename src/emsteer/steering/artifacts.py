"""Steering artifacts: vectors and subspaces with their provenance, saved as safetensors.

Both kinds expose the same interface to the hooks: for a layer ℓ and a residual state h they
give a direction δ(h) and a *natural scale* s, and steering adds α·δ(h)/s (DESIGN.md):

- vector v:            δ(h) = v,            s = ‖v‖           → h' = h + α·v̂
- subspace (U, A, b):  δ(h) = U(Ah + b),    s = the mean ‖δ(h)‖ on the reference prompts

so the three magnitude forms mean the same for both: absolute α, multiplier m (α = m·s, m = 1 is
the artifact as built or trained), relative ρ (α = ρ·r_ℓ).

A file holds the tensors and, in the safetensors header, the JSON metadata: model id and
revision, layer(s), method, hyper-parameters, reference norms r_ℓ, data hash and a content hash
that is checked on load. Nothing is pickled.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from emsteer.errors import EmsteerError

FORMAT = "emsteer.v1"


def _check_finite(name: str, t: torch.Tensor) -> None:
    if not torch.isfinite(t).all():
        bad = int((~torch.isfinite(t)).sum())
        raise EmsteerError(f"{name} contains {bad} NaN or infinite value(s); the artifact is unusable.")


def _content_hash(kind: str, tensors: Mapping[str, torch.Tensor]) -> str:
    h = hashlib.sha256(kind.encode())
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu", torch.float32).contiguous()
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


@dataclass
class SteeringVector:
    """One direction per layer (usually one layer). ``vectors[ℓ]`` has shape (hidden,)."""

    vectors: dict[int, torch.Tensor]
    reference_norms: dict[int, float] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    kind = "vector"

    def __post_init__(self) -> None:
        if not self.vectors:
            raise EmsteerError("A steering vector needs at least one layer.")
        self.vectors = {int(k): v.reshape(-1) for k, v in self.vectors.items()}
        self.reference_norms = {int(k): float(v) for k, v in self.reference_norms.items()}
        for layer, v in self.vectors.items():
            _check_finite(f"Steering vector at layer {layer}", v)

    @property
    def layers(self) -> list[int]:
        return sorted(self.vectors)

    @property
    def layer(self) -> int:
        if len(self.vectors) != 1:
            raise EmsteerError(f"This vector spans layers {self.layers}; ask for one of them explicitly.")
        return next(iter(self.vectors))

    @property
    def hidden_size(self) -> int:
        return int(next(iter(self.vectors.values())).numel())

    @property
    def vector(self) -> torch.Tensor:
        return self.vectors[self.layer]

    def direction(self, layer: int, h: torch.Tensor) -> torch.Tensor:
        return self.vectors[layer].to(h.dtype)

    def natural_scale(self, layer: int) -> float:
        return float(self.vectors[layer].detach().float().norm())

    def tensors(self) -> dict[str, torch.Tensor]:
        return {f"layer.{layer}.vector": v for layer, v in self.vectors.items()}

    def to_single_layer(self, layer: int) -> "SteeringVector":
        if layer not in self.vectors:
            raise EmsteerError(f"The vector has no direction for layer {layer}; it has layers {self.layers}.")
        norms = {layer: self.reference_norms[layer]} if layer in self.reference_norms else {}
        return SteeringVector({layer: self.vectors[layer]}, norms, dict(self.metadata))


@dataclass
class SteeringSubspace:
    """A rank-k steering subspace at one layer: h' = h + α·U(Ah + b)/s (DESIGN.md)."""

    layer: int
    basis: torch.Tensor  # U, (hidden, k), orthonormal columns
    A: torch.Tensor  # (k, hidden)
    b: torch.Tensor  # (k,)
    scale: float | None = None  # s: mean ‖U(Ah+b)‖ on the reference prompts
    reference_norms: dict[int, float] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    kind = "subspace"

    def __post_init__(self) -> None:
        self.layer = int(self.layer)
        d, k = self.basis.shape
        if self.A.shape != (k, d) or self.b.shape != (k,):
            raise EmsteerError(
                f"Subspace shapes disagree: U {tuple(self.basis.shape)}, A {tuple(self.A.shape)}, "
                f"b {tuple(self.b.shape)}; expected U (d, k), A (k, d), b (k,)."
            )
        for name, t in (("U", self.basis), ("A", self.A), ("b", self.b)):
            _check_finite(f"Subspace {name} at layer {self.layer}", t)
        self.reference_norms = {int(k): float(v) for k, v in self.reference_norms.items()}
        if self.scale is None:
            # Without activations to measure on, the scale of the input-independent part.
            self.scale = float(self.b.detach().float().norm())
        if not math.isfinite(self.scale) or self.scale <= 0:
            raise EmsteerError(f"Subspace scale must be a positive finite number, got {self.scale}.")

    @property
    def layers(self) -> list[int]:
        return [self.layer]

    @property
    def rank(self) -> int:
        return int(self.basis.shape[1])

    @property
    def hidden_size(self) -> int:
        return int(self.basis.shape[0])

    def direction(self, layer: int, h: torch.Tensor) -> torch.Tensor:
        U, A, b = (t.to(h.dtype) for t in (self.basis, self.A, self.b))
        return (h @ A.T + b) @ U.T

    def natural_scale(self, layer: int) -> float:
        return float(self.scale)

    def tensors(self) -> dict[str, torch.Tensor]:
        p = f"layer.{self.layer}"
        return {f"{p}.U": self.basis, f"{p}.A": self.A, f"{p}.b": self.b}


Artifact = SteeringVector | SteeringSubspace


def content_hash(artifact: Artifact) -> str:
    return _content_hash(artifact.kind, artifact.tensors())


def save_artifact(artifact: Artifact, path: str | Path) -> Path:
    """Write the artifact atomically to ``path`` (.safetensors) with its metadata in the header."""
    path = Path(path)
    if path.suffix != ".safetensors":
        path = path.with_suffix(path.suffix + ".safetensors") if path.suffix else path.with_suffix(".safetensors")
    header = {
        "format": FORMAT,
        "kind": artifact.kind,
        "layers": artifact.layers,
        "hidden_size": artifact.hidden_size,
        "reference_norms": {str(k): v for k, v in artifact.reference_norms.items()},
        "content_hash": content_hash(artifact),
        "metadata": artifact.metadata,
    }
    if isinstance(artifact, SteeringSubspace):
        header["scale"] = artifact.scale
        header["rank"] = artifact.rank
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in artifact.tensors().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={"emsteer": json.dumps(header, default=str)})
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def load_artifact(path: str | Path) -> Artifact:
    """Load an emsteer artifact; verifies the content hash. For other formats see ``import_vector``."""
    path = Path(path)
    if not path.is_file():
        raise EmsteerError(f"Steering artifact {path} does not exist.")
    try:
        with safe_open(str(path), framework="pt") as f:
            raw = (f.metadata() or {}).get("emsteer")
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except EmsteerError:
        raise
    except Exception as err:  # safetensors raises its own error types for corrupt files
        raise EmsteerError(f"{path} is not a readable safetensors file: {err}") from err
    if raw is None:
        raise EmsteerError(f"{path} has no emsteer metadata; import foreign vectors with import_vector().")
    try:
        header = json.loads(raw)
    except json.JSONDecodeError as err:
        raise EmsteerError(f"{path}: the emsteer metadata header is not valid JSON ({err}).") from err
    norms = {int(k): float(v) for k, v in header.get("reference_norms", {}).items()}
    meta = header.get("metadata", {})
    if header.get("kind") == "vector":
        vectors = {int(name.split(".")[1]): t for name, t in tensors.items()}
        artifact: Artifact = SteeringVector(vectors, norms, meta)
    elif header.get("kind") == "subspace":
        (layer,) = header["layers"]
        p = f"layer.{layer}"
        artifact = SteeringSubspace(
            layer, tensors[f"{p}.U"], tensors[f"{p}.A"], tensors[f"{p}.b"], header.get("scale"), norms, meta
        )
    else:
        raise EmsteerError(f"{path}: unknown artifact kind {header.get('kind')!r} (expected vector or subspace).")
    if header.get("content_hash") != content_hash(artifact):
        raise EmsteerError(f"{path}: the tensors do not match the stored content hash; the file is corrupt or was edited.")
    return artifact
