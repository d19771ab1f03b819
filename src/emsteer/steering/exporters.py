"""Export steering vectors for other tools: llama.cpp / repeng control-vector GGUF,
steering-vectors objects, plain torch files. The mirror of ``importers``: every file written
here imports back (``import_vector``) to the same per-layer tensors.

What is written is the per-layer vector v_ℓ scaled to the magnitude asked for: by default the
vector as built (multiplier 1); with ``magnitude`` each layer becomes α_ℓ·v̂_ℓ, so a tool that
adds the vector as is (llama.cpp ``--control-vector``, repeng strength 1, steering-vectors
multiplier 1) steers exactly as emsteer does at that magnitude.

Layer numbering is emsteer's (ℓ = output of decoder block ℓ, 0-based) in every format: it is
also what repeng and llama.cpp mean by ``direction.N`` (see ``importers``). Only additive
vectors export: a subspace's U(Ah + b) depends on h, which these formats cannot express.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from emsteer.atomic import atomic_path
from emsteer.errors import EmsteerError
from emsteer.steering.artifacts import Artifact, SteeringVector, content_hash
from emsteer.steering.magnitude import Magnitude

EXPORT_FORMATS = ("gguf", "steering-vectors", "pt")
EXPORT_SUFFIXES = {"gguf": ".gguf", "steering-vectors": ".pt", "pt": ".pt"}


def scaled_vectors(artifact: Artifact, magnitude: Magnitude | None = None) -> dict[int, torch.Tensor]:
    """layer → float32 vector to add, at ``magnitude`` (None: the vector as built)."""
    if not isinstance(artifact, SteeringVector):
        raise EmsteerError(f"only steering vectors export; this artifact is a rank-{artifact.rank} subspace, whose "
                           "shift U(Ah + b) depends on the hidden state and has no control-vector form.")
    out = {}
    for layer, v in sorted(artifact.vectors.items()):
        v = v.detach().to("cpu", torch.float32)
        if magnitude is not None:
            v = v / v.norm() * magnitude.alpha(artifact, layer)
        out[layer] = v.contiguous()
    return out


def _atomic(path: Path, write: Callable[[str], None]) -> Path:
    """Write through ``write(temporary path)``: a failure leaves nothing behind."""
    if path.is_dir():
        raise EmsteerError(f"{path} is a folder; give the exported vector a file name.")
    try:
        with atomic_path(path) as tmp:
            write(str(tmp))
    except OSError as err:
        raise EmsteerError(f"cannot write {path}: {err.strerror or err}.") from None
    return path


def model_hint(artifact: Artifact) -> str:
    """What a control vector says it was made for: an imported hint, else the model it was built on."""
    meta = artifact.metadata
    return str(meta.get("model_hint") or meta.get("model") or "unknown")


def export_gguf(artifact: Artifact, path: str | Path, *, magnitude: Magnitude | None = None,
                hint: str | None = None) -> Path:
    """A llama.cpp / repeng control vector: architecture ``controlvector``, ``controlvector.model_hint``,
    ``controlvector.layer_count`` and one F32 tensor ``direction.N`` per layer (repeng's own layout)."""
    import gguf

    vectors = scaled_vectors(artifact, magnitude)
    if 0 in vectors:  # llama.cpp refuses the whole file ("invalid (zero) direction tensor layer index")
        raise EmsteerError(f"{path}: a llama.cpp control vector cannot steer layer 0 (llama.cpp refuses direction.0); "
                           "export it as safetensors, pt or steering-vectors, or build it at a later layer.")

    def write(tmp: str) -> None:
        writer = gguf.GGUFWriter(tmp, "controlvector")
        writer.add_string("controlvector.model_hint", hint or model_hint(artifact))
        writer.add_uint32("controlvector.layer_count", len(vectors))
        # Provenance for emsteer; llama.cpp and repeng ignore keys they do not know.
        writer.add_string("emsteer.content_hash", content_hash(artifact))
        writer.add_string("emsteer.magnitude", str(magnitude) if magnitude is not None else "m=1")
        for layer, r in sorted(artifact.reference_norms.items()):  # r_ℓ: relative magnitudes work after import
            if layer in vectors:
                writer.add_float32(f"emsteer.reference_norm.{layer}", float(r))
        for layer, v in vectors.items():
            writer.add_tensor(f"direction.{layer}", v.numpy())
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()

    return _atomic(Path(path), write)


def steering_vectors_state(artifact: Artifact, magnitude: Magnitude | None = None) -> dict:
    """The fields of a ``steering_vectors.SteeringVector``: ``SteeringVector(**state)`` rebuilds it."""
    return {"layer_activations": scaled_vectors(artifact, magnitude), "layer_type": "decoder_block"}


def to_steering_vectors(artifact: Artifact, magnitude: Magnitude | None = None):
    """A ``steering_vectors.SteeringVector`` object (needs the steering-vectors package)."""
    try:
        from steering_vectors import SteeringVector as SVSteeringVector
    except ImportError as err:
        raise EmsteerError("to_steering_vectors needs the steering-vectors package: "
                           "pip install --no-deps steering-vectors") from err
    return SVSteeringVector(**steering_vectors_state(artifact, magnitude))


def export_torch(state: dict, path: str | Path) -> Path:
    return _atomic(Path(path), lambda tmp: torch.save(state, tmp))


def export_vector(artifact: Artifact, path: str | Path, fmt: str, *, magnitude: Magnitude | None = None,
                  hint: str | None = None) -> Path:
    """Write ``artifact`` as ``fmt``: gguf, steering-vectors (a .pt of SteeringVector fields, loaded with
    ``SteeringVector(**torch.load(path))``) or pt (a .pt dict layer → tensor)."""
    path = Path(path)
    if fmt not in EXPORT_FORMATS:
        raise EmsteerError(f"{path}: unknown vector format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}.")
    if path.suffix.lower() != EXPORT_SUFFIXES[fmt]:
        raise EmsteerError(f"{path}: a {fmt} vector is a {EXPORT_SUFFIXES[fmt]} file; name it {path.with_suffix(EXPORT_SUFFIXES[fmt])}.")
    if fmt == "gguf":
        return export_gguf(artifact, path, magnitude=magnitude, hint=hint)
    if fmt == "steering-vectors":
        return export_torch(steering_vectors_state(artifact, magnitude), path)
    return export_torch(scaled_vectors(artifact, magnitude), path)
