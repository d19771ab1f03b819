"""Load any transformers causal LM (hub id, local directory, GGUF file, bundled name)."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from emsteer.errors import EmsteerError
from emsteer.models import bundled
from emsteer.models.architectures import decoder_layers, text_config
from emsteer.models.gguf import cached_gguf

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass
class LoadedModel:
    """A causal LM with its tokenizer, its decoder blocks and the identity recorded in results."""

    model: nn.Module
    tokenizer: Any  # a transformers tokenizer (transformers is imported lazily, so untyped here)
    name: str
    revision: str = "unknown"
    layers: nn.ModuleList = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.layers = decoder_layers(self.model)
        self.model.eval()
        self.model.requires_grad_(False)
        tok = self.tokenizer
        if getattr(tok, "pad_token_id", None) is None:
            tok.pad_token = tok.eos_token

    @property
    def hidden_size(self) -> int:
        return int(text_config(self.model.config).hidden_size)

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    def check_layer(self, layer: int) -> int:
        if not isinstance(layer, int) or not 0 <= layer < self.num_layers:
            raise EmsteerError(
                f"Layer {layer} is out of range for {self.name}: it has {self.num_layers} layers, "
                f"so choose 0..{self.num_layers - 1}."
            )
        return layer


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise EmsteerError(f"Device {device!r} was asked for, but torch sees no CUDA GPU. Use --device cpu.")
    return torch.device(device)


def resolve_dtype(dtype: str, device: torch.device) -> torch.dtype:
    if dtype == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    if dtype not in DTYPES:
        raise EmsteerError(f"Unknown dtype {dtype!r}; choose one of auto, {', '.join(DTYPES)}.")
    return DTYPES[dtype]


def placement_kwargs(device_map: str | dict) -> dict:
    """from_pretrained arguments that spread a model over devices (accelerate)."""
    if isinstance(device_map, dict):
        return {"device_map": device_map}
    if device_map in ("auto", "balanced", "balanced_low_0", "sequential"):
        if not torch.cuda.is_available():
            raise EmsteerError(f"--device-map {device_map} spreads a model over GPUs, but torch sees none. "
                               "Use --device cpu (or a dict device map).")
        return {"device_map": device_map}
    names = [d.strip() for d in device_map.split(",") if d.strip()]
    if not names or not all(n.startswith("cuda:") and n[5:].isdigit() for n in names):
        raise EmsteerError(f"--device-map {device_map!r}: expected auto, balanced, sequential or a list of GPUs "
                           "such as cuda:0,cuda:1.")
    devices = [resolve_device(n) for n in names]
    # Only the listed GPUs get memory, so accelerate places every layer on one of them.
    memory = {d.index: torch.cuda.get_device_properties(d.index).total_memory * 9 // 10 for d in devices}
    return {"device_map": "auto", "max_memory": memory}


def _first_device(device_map: str | dict) -> torch.device:
    """The device that decides the default dtype (auto: bf16 when the model sits on GPUs)."""
    if isinstance(device_map, dict):
        first = next(iter(device_map.values()), "cpu")
        return torch.device(f"cuda:{first}" if isinstance(first, int) else first)
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def _local_revision(directory: Path) -> str:
    """A fingerprint of a local checkpoint: its config and the names and sizes of its weights."""
    h = hashlib.sha256((directory / "config.json").read_bytes() if (directory / "config.json").exists() else b"")
    for f in sorted(directory.glob("*.safetensors")) + sorted(directory.glob("*.bin")):
        h.update(f"{f.name}:{f.stat().st_size}".encode())
    return "local-" + h.hexdigest()[:16]


def resolve_spec(spec: str | None, log=print) -> tuple[str, str, str]:
    """Turn a model spec into (what to pass to from_pretrained, name to record, revision)."""
    if spec in (None, "", "bundled", "default"):
        spec = f"bundled:{bundled.DEFAULT_MODEL}"
    name = spec.removeprefix("bundled:")
    if spec.startswith("bundled:") or name in bundled.BUNDLED_MODELS:
        path = bundled.prepare_bundled(name, log=log)
        return str(path), name, bundled.bundled_revision(name)
    path = Path(spec).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise EmsteerError(f"GGUF file {path} does not exist.")
        cached = cached_gguf(path, bundled.cache_dir(), log=log)
        return str(cached), path.name, _local_revision(cached)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise EmsteerError(f"{path} is a directory without config.json: not a transformers checkpoint.")
        return str(path), str(spec), _local_revision(path)
    if path.exists():
        raise EmsteerError(f"{path} is a file but not a .gguf: give a checkpoint directory, a .gguf file or a hub id.")
    return spec, spec, "hub"


@contextmanager
def no_weight_progress(local: bool):
    """Hide transformers' per-tensor "Loading weights" bar for local checkpoints (it is noise there);
    hub downloads keep their progress bars."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    if local and was_enabled:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if local and was_enabled:
            hf_logging.enable_progress_bar()


def load_model(
    spec: str | None = None,
    *,
    dtype: str = "float32",
    device: str = "cpu",
    device_map: str | dict | None = None,
    log=print,
) -> LoadedModel:
    """Load a causal LM for steering.

    ``spec`` is a hub id, a local checkpoint directory, a ``.gguf`` file, or a bundled model
    (``bundled:NAME`` or just NAME; ``None`` means the offline default
    ``qwen2.5-coder-0.5b-instruct``). GGUF and bundled models are dequantized once and cached.
    ``device_map`` places the layers with accelerate instead of moving the model to ``device``:
    "auto" / "balanced" / "sequential" over the visible GPUs, "cuda:0,cuda:1" for those GPUs
    only, or a dict of module name -> device. Steering follows each layer's device.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source, name, revision = resolve_spec(spec, log=log)
    dev = resolve_device(device) if device_map is None else _first_device(device_map)
    torch_dtype = resolve_dtype(dtype, dev)
    placement = {} if device_map is None else placement_kwargs(device_map)
    try:
        with no_weight_progress(local=Path(str(source)).is_dir()):
            tokenizer = AutoTokenizer.from_pretrained(source)
            model = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype, **placement)
    except OSError as err:
        raise EmsteerError(
            f"Could not load model {spec!r}: it is not a local directory, a .gguf file or a bundled "
            f"model, and the Hugging Face hub did not provide it ({err.__class__.__name__}: {err}). "
            "Offline? Use the bundled default (omit --model) or a local path."
        ) from err
    if revision == "hub":
        revision = getattr(model.config, "_commit_hash", None) or "hub"
    if device_map is None:
        # typeshed's functools.wraps does not bind self, so PreTrainedModel.to looks unbound to mypy.
        model.to(dev)  # type: ignore[arg-type]
    return LoadedModel(model=model, tokenizer=tokenizer, name=name, revision=revision)
