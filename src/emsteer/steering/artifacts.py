"""Steering artifacts: vectors and subspaces with their provenance, saved as safetensors.

Both kinds expose the same interface to the hooks: for a layer ℓ and a residual state h they
give a direction δ(h) and a *natural scale* s, and steering adds α·δ(h)/s (docs/ARCHITECTURE.md, Definitions):

- vector v:            δ(h) = v,            s = ‖v‖           → h' = h + α·v̂
- subspace (U, A, b):  δ(h) = U(Ah + b),    s = the mean ‖δ(h)‖ on the reference prompts

so the three magnitude forms mean the same for both: absolute α, multiplier m (α = m·s, m = 1 is
the artifact as built or trained), relative ρ (α = ρ·r_ℓ).

A file holds the tensors and, in the safetensors header, the JSON metadata: model id and
revision, layer(s), method, hyper-parameters, reference norms r_ℓ, data hash and a content hash
that is checked on load. Nothing is pickled.

The content hash (the artifact's id in results) covers everything that changes steering: kind,
layers, every tensor, the reference norms and a subspace's scale; a second hash covers the
metadata, and the header's layers, hidden size and rank must match the tensors. An edit to any
field is refused on load (a hash detects edits and corruption; it is not a signature). Norms
are checked (finite, > 0) when set and on load, and a zero or non-finite direction is refused.
Files written before the hash covered the norms (format emsteer.v1) still load when their
tensor hash verifies; saving them again protects the rest.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from emsteer.atomic import atomic_path
from emsteer.errors import EmsteerError

FORMAT = "emsteer.v2"
LEGACY_FORMAT = "emsteer.v1"  # tensor-only content hash; still loads
NORM_DIGITS = 6  # significant digits of r_ℓ and s in the hash: re-measuring on another machine keeps the id


def _check_finite(name: str, t: torch.Tensor) -> None:
    if not torch.isfinite(t).all():
        bad = int((~torch.isfinite(t)).sum())
        raise EmsteerError(f"{name} contains {bad} NaN or infinite value(s); the artifact is unusable.")


def _check_nonzero(name: str, t: torch.Tensor) -> None:
    norm = float(t.detach().float().norm())
    if not math.isfinite(norm):
        raise EmsteerError(f"{name} has an infinite norm (its values overflow float32); the artifact is unusable.")
    if norm == 0.0:
        raise EmsteerError(f"{name} is zero: it has no direction and would not steer. Rebuild or re-import it.")


def _positive_norm(layer: Any, value: Any) -> tuple[int, float]:
    """A (layer, r_ℓ) pair, validated: an integer layer ≥ 0 and a finite r_ℓ > 0."""
    try:
        if isinstance(layer, bool) or isinstance(layer, float):
            raise ValueError
        key = int(layer)
        if key < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise EmsteerError(f"reference_norms: {layer!r} is not a layer index (expected an integer ≥ 0).") from None
    try:
        if isinstance(value, bool):
            raise TypeError
        norm = float(value)
    except (TypeError, ValueError):
        norm = math.nan
    if not (math.isfinite(norm) and norm > 0):
        raise EmsteerError(
            f"reference norm r_{key} must be a positive finite number (the mean residual norm at layer {key}), "
            f"got {value!r}; measure it with with_reference_norms(artifact, model)."
        )
    return key, norm


class ReferenceNorms(dict):
    """layer → r_ℓ; every value is checked (integer layer, finite r_ℓ > 0) as it is set."""

    def __init__(self, items: Mapping[Any, Any] | None = None) -> None:
        super().__init__()
        self.update(items or {})

    def __setitem__(self, layer: Any, value: Any) -> None:
        super().__setitem__(*_positive_norm(layer, value))

    def update(self, *args: Any, **kwargs: Any) -> None:
        for layer, value in dict(*args, **kwargs).items():
            self[layer] = value

    def setdefault(self, layer: Any, value: Any = None) -> float:
        if layer not in self:
            self[layer] = value
        return self[layer]

    # dict's |= bypasses __setitem__. (mypy cannot compare a plain __ior__ with dict's overloaded __or__.)
    def __ior__(self, other: Any) -> "ReferenceNorms":  # type: ignore[misc]
        self.update(other)
        return self


def _legacy_hash(kind: str, tensors: Mapping[str, torch.Tensor]) -> str:
    """The emsteer.v1 content hash: kind and tensors only."""
    h = hashlib.sha256(kind.encode())
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu", torch.float32).contiguous()
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def _rounded(x: float) -> str:
    return f"{x:.{NORM_DIGITS}g}"


def _content_hash(kind: str, tensors: Mapping[str, torch.Tensor], layers: list[int],
                  norms: Mapping[int, float], scale: float | None) -> str:
    """sha256 over every field that changes steering: kind, layers, tensors, r_ℓ and scale."""
    fields = {
        "kind": kind,
        "layers": sorted(layers),
        "reference_norms": {str(k): _rounded(v) for k, v in sorted(norms.items())},
        "scale": None if scale is None else _rounded(scale),
    }
    h = hashlib.sha256(b"emsteer-artifact-v2\0")
    h.update(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode())
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu", torch.float32).contiguous()
        h.update(b"\0" + name.encode() + b"\0")
        h.update(str(tuple(t.shape)).encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def _canonical_json(value: Any) -> str:
    """The JSON text a value has after a save/load round trip (so its hash survives one)."""
    return json.dumps(json.loads(json.dumps(value, default=str)), sort_keys=True, separators=(",", ":"))


def metadata_hash(metadata: Mapping[str, Any]) -> str:
    return hashlib.sha256(_canonical_json(metadata).encode()).hexdigest()


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
        sizes = sorted({int(v.numel()) for v in self.vectors.values()})
        if len(sizes) > 1:
            raise EmsteerError(f"The steering vector's layers differ in size ({' and '.join(map(str, sizes))}); "
                               "every layer of one model has the same hidden size.")
        for layer, v in self.vectors.items():
            _check_finite(f"Steering vector at layer {layer}", v)
            _check_nonzero(f"Steering vector at layer {layer}", v)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "reference_norms":  # validated however it is set
            value = ReferenceNorms(value)
        super().__setattr__(name, value)

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
        return self.vectors[layer].to(h.device, h.dtype)  # the layer's device: models may span GPUs

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
    """A rank-k steering subspace at one layer: h' = h + α·U(Ah + b)/s (docs/ARCHITECTURE.md, Definitions)."""

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
        _check_nonzero(f"Subspace basis U at layer {self.layer}", self.basis)
        if self.scale is None:
            # Without activations to measure on, the scale of the input-independent part.
            self.scale = float(self.b.detach().float().norm())
        if isinstance(self.scale, bool) or not isinstance(self.scale, (int, float)) or not (
                math.isfinite(self.scale) and self.scale > 0):
            raise EmsteerError(f"Subspace scale must be a positive finite number, got {self.scale!r}.")
        self.scale = float(self.scale)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "reference_norms":  # validated however it is set
            value = ReferenceNorms(value)
        super().__setattr__(name, value)

    def check_steers(self) -> None:
        """Refuse a subspace whose U(Ah + b) is 0 for every h (checked on save and load; training
        starts the input-dependent part at zero)."""
        if not bool(self.A.detach().any()) and not bool(self.b.detach().any()):
            raise EmsteerError(f"Subspace at layer {self.layer} has A = 0 and b = 0: it would not steer.")

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
        U, A, b = (t.to(h.device, h.dtype) for t in (self.basis, self.A, self.b))
        return (h @ A.T + b) @ U.T

    def natural_scale(self, layer: int) -> float:
        assert self.scale is not None  # __post_init__ fills it in
        return float(self.scale)

    def tensors(self) -> dict[str, torch.Tensor]:
        p = f"layer.{self.layer}"
        return {f"{p}.U": self.basis, f"{p}.A": self.A, f"{p}.b": self.b}


Artifact = SteeringVector | SteeringSubspace


def content_hash(artifact: Artifact) -> str:
    """The artifact's id: sha256 over kind, layers, tensors, reference norms and (subspaces) scale."""
    scale = artifact.scale if isinstance(artifact, SteeringSubspace) else None
    return _content_hash(artifact.kind, artifact.tensors(), artifact.layers, artifact.reference_norms, scale)


def save_artifact(artifact: Artifact, path: str | Path) -> Path:
    """Write the artifact atomically to ``path`` (.safetensors) with its metadata in the header."""
    path = Path(path)
    if path.suffix != ".safetensors":
        path = path.with_suffix(path.suffix + ".safetensors") if path.suffix else path.with_suffix(".safetensors")
    try:
        if isinstance(artifact, SteeringSubspace):
            artifact.check_steers()
        if not isinstance(artifact.metadata, Mapping):
            raise EmsteerError(f"artifact metadata must be a mapping, got {type(artifact.metadata).__name__}.")
    except EmsteerError as err:
        raise EmsteerError(f"{path}: not saved: {err}") from None
    header = {
        "format": FORMAT,
        "kind": artifact.kind,
        "layers": artifact.layers,
        "hidden_size": artifact.hidden_size,
        "reference_norms": {str(k): v for k, v in artifact.reference_norms.items()},
        "content_hash": content_hash(artifact),
        "metadata": artifact.metadata,
        "metadata_hash": metadata_hash(artifact.metadata),
    }
    if isinstance(artifact, SteeringSubspace):
        header["scale"] = artifact.scale
        header["rank"] = artifact.rank
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in artifact.tensors().items()}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={"emsteer": json.dumps(header, default=str)})
    return path


def load_artifact(path: str | Path) -> Artifact:
    """Load an emsteer artifact, verifying every header field and hash. For other formats see ``import_vector``."""
    path = Path(path)
    if not path.is_file():
        raise EmsteerError(f"Steering artifact {path} does not exist.")
    raw, tensors = _read_safetensors(path)
    if raw is None:
        raise EmsteerError(f"{path} has no emsteer metadata; import foreign vectors with import_vector().")
    try:
        header = json.loads(raw)
    except json.JSONDecodeError as err:
        raise EmsteerError(f"{path}: the emsteer metadata header is not valid JSON ({err}).") from err
    except RecursionError:
        raise EmsteerError(f"{path}: the emsteer metadata header nests too deeply to read.") from None
    if not isinstance(header, dict):
        raise EmsteerError(f"{path}: the emsteer metadata header is a {type(header).__name__}, expected an object.")
    try:
        return _from_header(header, tensors)
    except EmsteerError as err:
        raise EmsteerError(f"{path}: {err}") from None


def _read_safetensors(path: Path) -> tuple[str | None, dict[str, torch.Tensor]]:
    try:
        with safe_open(str(path), framework="pt") as f:
            raw = (f.metadata() or {}).get("emsteer")
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as err:  # safetensors raises its own error types for corrupt files
        raise EmsteerError(f"{path} is not a readable safetensors file: {err}") from err
    return raw, tensors


_EDITED = "the file is corrupt or was edited"


def _from_header(header: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Artifact:
    """Build the artifact a header describes, checking each field against the tensors and the hashes."""
    fmt = header.get("format")
    if fmt not in (FORMAT, LEGACY_FORMAT):
        raise EmsteerError(f"unknown artifact format {fmt!r} (this emsteer reads {FORMAT} and {LEGACY_FORMAT}); "
                           "it was written by another version or edited.")
    kind, layers = header.get("kind"), header.get("layers")
    if kind not in ("vector", "subspace"):
        raise EmsteerError(f"unknown artifact kind {kind!r} (expected vector or subspace); {_EDITED}.")
    if (not isinstance(layers, list) or not layers or len(set(map(str, layers))) != len(layers)
            or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in layers)):
        raise EmsteerError(f"header field 'layers' must be a list of distinct layer indices, got {layers!r}; {_EDITED}.")
    expected = _tensor_names(kind, layers)
    if set(tensors) != set(expected):
        raise EmsteerError(f"the tensors ({', '.join(sorted(tensors)) or 'none'}) do not match header kind {kind!r} "
                           f"and layers {layers} (expected {', '.join(expected)}); {_EDITED}.")
    norms = header.get("reference_norms", {})
    if not isinstance(norms, dict):
        raise EmsteerError(f"header field 'reference_norms' must be an object of layer → r_ℓ, got {norms!r}.")
    norms = ReferenceNorms(norms)
    meta = header.get("metadata", {})
    if not isinstance(meta, dict):
        raise EmsteerError(f"header field 'metadata' must be an object, got {type(meta).__name__}; {_EDITED}.")
    if kind == "vector":
        artifact: Artifact = SteeringVector({layer: tensors[f"layer.{layer}.vector"] for layer in layers}, norms, meta)
    else:
        if len(layers) != 1:
            raise EmsteerError(f"a subspace steers one layer; header field 'layers' is {layers}; {_EDITED}.")
        p = f"layer.{layers[0]}"
        artifact = SteeringSubspace(layers[0], tensors[f"{p}.U"], tensors[f"{p}.A"], tensors[f"{p}.b"],
                                    header.get("scale"), norms, meta)
        artifact.check_steers()
        if header.get("rank") != artifact.rank:
            raise EmsteerError(f"header field 'rank' is {header.get('rank')!r} but U has {artifact.rank} columns; {_EDITED}.")
    if header.get("hidden_size") != artifact.hidden_size:
        raise EmsteerError(f"header field 'hidden_size' is {header.get('hidden_size')!r} but the tensors have "
                           f"{artifact.hidden_size}; {_EDITED}.")
    _verify_hashes(header, artifact, tensors, fmt)
    return artifact


def _tensor_names(kind: str, layers: list[int]) -> list[str]:
    if kind == "vector":
        return [f"layer.{layer}.vector" for layer in layers]
    return [f"layer.{layer}.{part}" for layer in layers for part in ("U", "A", "b")]


def _verify_hashes(header: dict[str, Any], artifact: Artifact, tensors: dict[str, torch.Tensor], fmt: str) -> None:
    stored = header.get("content_hash")
    if fmt == LEGACY_FORMAT:  # its hash covers kind and tensors only
        if stored != _legacy_hash(artifact.kind, tensors):
            raise EmsteerError(f"the tensors do not match the stored content hash; {_EDITED}.")
        return
    if stored != content_hash(artifact):
        raise EmsteerError("the tensors, layers, reference norms or scale do not match the stored content hash; "
                           f"{_EDITED}.")
    if header.get("metadata_hash") != metadata_hash(artifact.metadata):
        raise EmsteerError(f"the metadata do not match the stored metadata hash; {_EDITED}.")
