"""Import steering vectors made by other tools: .pt/.pth, plain safetensors, GGUF control vectors.

Layer numbering: emsteer's layer ℓ is the output of decoder block ℓ. llama.cpp / repeng control
vectors name their tensors ``direction.N`` and apply them to the output of block N, so N maps
to ℓ = N unchanged. Files without layer names need ``layer=``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch

from emsteer.errors import EmsteerError
from emsteer.models.gguf import gguf_string
from emsteer.paths import missing_file
from emsteer.steering.artifacts import Artifact, SteeringVector, load_artifact

_LAYER_KEY = re.compile(r"(?:^|[._])(\d+)(?:$|[._])")


def _layer_of(key: str) -> int | None:
    if key.isdigit():
        return int(key)
    m = _LAYER_KEY.search(key)
    return int(m.group(1)) if m else None


_NAMED_LAYER = re.compile(r"(?:^|[._])(?:layers?|direction|blocks?)[._](\d+)$")


def _named_layer(key: str) -> int | None:
    """The layer a tensor's name states (``12``, ``layer.12``, ``direction.12``), not one guessed
    from a number in another name (``qwen2.5_refusal`` is no layer-5 vector)."""
    if key.isdigit():
        return int(key)
    m = _NAMED_LAYER.search(key)
    return int(m.group(1)) if m else None


def _from_tensors(tensors: Mapping[str, torch.Tensor], path: Path, layer: int | None, source: str) -> SteeringVector:
    """Interpret a name→tensor mapping as per-layer vectors."""
    tensors = {k: v for k, v in tensors.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise EmsteerError(f"{path} holds no tensors.")
    if len(tensors) == 1:
        (name, t), = tensors.items()
        if t.ndim == 2 and t.shape[0] > 1:  # (layers, hidden): one row per layer from 0
            vectors = {i: t[i] for i in range(t.shape[0])}
            return _select(vectors, path, layer, source)
        t = t.reshape(-1) if t.ndim == 2 and t.shape[0] == 1 else t
        if t.ndim != 1:
            raise EmsteerError(f"{path}: tensor {name!r} has shape {tuple(t.shape)}; expected (hidden,) or (layers, hidden).")
        named = _named_layer(name)
        if named is not None and layer is not None and named != layer:  # never move a vector to another layer
            raise EmsteerError(f"{path} has no vector for layer {layer}; its one vector {name!r} is for layer {named}.")
        key = layer if layer is not None else _layer_of(name)  # a number in another name is only a guess
        if key is None:
            raise EmsteerError(f"{path} holds one vector without a layer in its name; pass the layer (--layer).")
        return _vector({key: t}, source, path)
    vectors = {}
    for name, t in tensors.items():
        found = _layer_of(name)
        if found is None or not (t.ndim == 1 or (t.ndim == 2 and t.shape[0] == 1)):
            raise EmsteerError(
                f"{path}: cannot tell the layer of tensor {name!r} (shape {tuple(t.shape)}); "
                "expected names like 'layer.12' or 'direction.12'."
            )
        if found in vectors:
            raise EmsteerError(f"{path}: two tensors for layer {found}.")
        vectors[found] = t.reshape(-1)
    return _select(vectors, path, layer, source)


def _select(vectors: dict[int, torch.Tensor], path: Path, layer: int | None, source: str) -> SteeringVector:
    if layer is not None:
        if layer not in vectors:
            raise EmsteerError(f"{path} has no vector for layer {layer}; it has layers {sorted(vectors)}.")
        vectors = {layer: vectors[layer]}
    return _vector(vectors, source, path)


def _vector(vectors: dict[int, torch.Tensor], source: str, path: Path, **meta) -> SteeringVector:
    vectors = {k: v.detach().to(torch.float32) for k, v in vectors.items()}
    sizes = {int(v.numel()) for v in vectors.values()}
    if len(sizes) > 1:
        raise EmsteerError(f"{path}: the per-layer vectors differ in size ({sorted(sizes)}); expected one hidden size.")
    try:
        return SteeringVector(vectors, {}, {"method": "imported", "imported_from": source, "source_file": path.name,
                                            **meta})
    except EmsteerError as err:  # a zero or non-finite vector: say which file
        raise EmsteerError(f"{path}: {err}") from None


def _import_gguf(path: Path, layer: int | None) -> SteeringVector:
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(path))
    except Exception as err:
        raise EmsteerError(f"{path} is not a readable GGUF file: {err}") from err
    vectors = {}
    for t in reader.tensors:
        if not t.name.startswith("direction."):
            continue
        n = _gguf_layer(path, t.name)
        if n in vectors:
            raise EmsteerError(f"{path}: two tensors for layer {n} ({t.name!r} repeats it).")
        vectors[n] = _gguf_float_tensor(path, t)
    if not vectors:
        names = ", ".join(t.name for t in reader.tensors[:5]) or "none"
        raise EmsteerError(
            f"{path} is a GGUF file without control-vector tensors 'direction.N' (found: {names}); "
            "a model GGUF is not a steering vector."
        )
    hint = None
    field = reader.fields.get("controlvector.model_hint")
    if field is not None:
        try:
            hint = bytes(field.parts[field.data[0]]).decode(errors="replace")
        except (IndexError, TypeError, ValueError):
            hint = None  # a malformed hint is only informational
    if layer is not None:
        if layer not in vectors:
            raise EmsteerError(f"{path} has no direction for layer {layer}; it has layers {sorted(vectors)}.")
        vectors = {layer: vectors[layer]}
    # What emsteer's own export adds (other tools ignore these keys): the magnitude baked in, the
    # source artifact's content hash and each layer's reference norm r_ℓ.
    extra: dict[str, str] = {}
    for key, name in (("emsteer.magnitude", "baked_magnitude"), ("emsteer.content_hash", "source_content_hash")):
        text = gguf_string(reader, key)
        if text:
            extra[name] = text
    artifact = _vector(vectors, "gguf-control-vector", path, model_hint=hint, **extra)
    for n in vectors:
        field = reader.fields.get(f"emsteer.reference_norm.{n}")
        if field is not None:
            try:
                r = float(field.parts[field.data[0]][0])
            except (IndexError, TypeError, ValueError):
                continue
            if r > 0 and r < float("inf"):
                artifact.reference_norms[n] = r
    return artifact


def _gguf_layer(path: Path, name: str) -> int:
    suffix = name.split(".", 1)[1]
    if not re.fullmatch(r"[0-9]{1,6}", suffix):  # "direction.twelve", "direction.-1", "direction.1.5"
        raise EmsteerError(f"{path}: control-vector tensor {name!r} does not name a layer; expected 'direction.N' "
                           "with N a block index (0, 1, 2, ...).")
    return int(suffix)


def _gguf_float_tensor(path: Path, t) -> torch.Tensor:
    """A float32 copy of a GGUF tensor; quantized control vectors are not supported."""
    from gguf import GGMLQuantizationType

    floats = (GGMLQuantizationType.F32, GGMLQuantizationType.F16)
    if t.tensor_type not in floats:
        raise EmsteerError(f"{path}: tensor {t.name!r} is stored as {t.tensor_type.name}; control vectors must be "
                           "F32 or F16 (re-export without quantization).")
    data = np.asarray(t.data, dtype=np.float32).reshape(-1)
    if int(np.prod(t.shape)) != data.size:
        raise EmsteerError(f"{path}: tensor {t.name!r} holds {data.size} values, not the {tuple(t.shape)} its header says.")
    return torch.from_numpy(data.copy())


def import_vector(path: str | Path, *, layer: int | None = None) -> Artifact:
    """Load a steering artifact from any supported format.

    - ``.safetensors`` written by emsteer: loaded as is (its own layers).
    - plain ``.safetensors`` / ``.pt`` / ``.pth``: a tensor (hidden,), a (layers, hidden) stack or
      a dict of per-layer tensors; ``.pt`` files load with ``weights_only=True`` (never unpickled).
    - ``.gguf`` control vectors from llama.cpp or repeng.

    ``layer`` picks one layer from a multi-layer file, or names the layer of a bare vector.
    Imported vectors have no reference norms until measured (``with_reference_norms``).
    """
    path = Path(path)
    if not path.is_file():
        raise EmsteerError(missing_file(path, "a steering vector file"))
    suffix = path.suffix.lower()
    if suffix == ".gguf":
        return _import_gguf(path, layer)
    if suffix == ".safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="pt") as f:
                is_emsteer = "emsteer" in (f.metadata() or {})
                tensors = {} if is_emsteer else {k: f.get_tensor(k) for k in f.keys()}
        except Exception as err:
            raise EmsteerError(f"{path} is not a readable safetensors file: {err}") from err
        if is_emsteer:
            artifact = load_artifact(path)
            if layer is not None and isinstance(artifact, SteeringVector):
                return artifact.to_single_layer(layer)
            if layer is not None and layer not in artifact.layers:
                raise EmsteerError(f"{path} steers layer {artifact.layers}, not {layer}.")
            return artifact
        return _from_tensors(tensors, path, layer, "safetensors")
    if suffix in (".pt", ".pth"):
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:
            raise EmsteerError(
                f"{path} could not be loaded safely (weights_only=True: tensors and plain containers only; "
                f"pickled objects are refused): {err}"
            ) from err
        if isinstance(obj, torch.Tensor):
            obj = {"vector": obj}
        if not isinstance(obj, Mapping):
            raise EmsteerError(f"{path} holds a {type(obj).__name__}; expected a tensor or a dict of tensors.")
        # steering-vectors saves {"layer_activations": {layer: tensor}, ...} when exported as a dict
        inner = obj.get("layer_activations")
        if isinstance(inner, Mapping):
            # only its decoder-block vectors are residual-stream ones; others were read elsewhere in a block
            if obj.get("layer_type", "decoder_block") != "decoder_block":
                raise EmsteerError(f"{path}: a steering-vectors vector for layer_type {obj['layer_type']!r}; emsteer "
                                   "steers the residual stream (decoder_block) only.")
            obj = inner
        return _from_tensors({str(k): v for k, v in obj.items()}, path, layer, "torch")
    raise EmsteerError(
        f"{path}: unsupported steering vector format {suffix!r}; use .safetensors, .pt/.pth or a .gguf control vector."
    )
