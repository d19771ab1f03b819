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
from emsteer.models.bf16 import emulate_bf16_matmuls, fast_bf16_cpu
from emsteer.models.gguf import cached_gguf

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def _contiguous_input(module, args):
    return (args[0].contiguous(), *args[1:]) if args and isinstance(args[0], torch.Tensor) else None


def contiguous_head_input(model: nn.Module) -> None:
    """Hand the output head a contiguous input (once per model).

    ``logits_to_keep=1`` slices the last position out of (batch, length, hidden): a strided 3-D
    input that torch's CPU ``linear`` sends through ``bmm`` with the weight expanded per row, a
    copy of the whole vocabulary matrix per row in bfloat16 (measured 22 s instead of 0.04 s for
    16 rows of the 0.5B; 6× slower in float32). Contiguous, it is one matrix product.
    """
    get = getattr(model, "get_output_embeddings", None)
    head = get() if callable(get) else None
    if isinstance(head, nn.Module) and not getattr(head, "_emsteer_contiguous", False):
        head.register_forward_pre_hook(_contiguous_input)
        setattr(head, "_emsteer_contiguous", True)  # noqa: B010 (nn.Module.__setattr__ is typed for tensors and modules)


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
        contiguous_head_input(self.model)
        emulate_bf16_matmuls(self.model)
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

    @property
    def context_length(self) -> int | None:
        """Tokens the model attends to (max_position_embeddings); None when its config does not say."""
        n = getattr(text_config(self.model.config), "max_position_embeddings", None)
        return n if isinstance(n, int) and n > 0 else None

    def check_prompts(self, prompts: list[tuple[str, str]]) -> None:
        """Refuse, up front, any prompt (where, text) longer than the model's context: such a prompt
        would otherwise be OOM-killed, or (in training) ask for hundreds of GB, with no message."""
        context = self.context_length
        if context is None or not prompts:
            return
        # A tokenizer never packs this many characters into one token: longer text is refused
        # without tokenizing megabytes.
        chars_cap = 64 * context
        short = [(where, text) for where, text in prompts if len(text) <= chars_cap]
        for where, text in prompts:
            if len(text) > chars_cap:
                self._too_long(where, f"{len(text):,} characters", context)
        ids = self.tokenizer([t for _, t in short], add_special_tokens=False)["input_ids"] if short else []
        for (where, _), tokens in zip(short, ids):
            if len(tokens) > context:
                self._too_long(where, f"{len(tokens):,} tokens", context)

    def _too_long(self, where: str, size: str, context: int) -> None:
        raise EmsteerError(f"{where} is {size} long, more than {self.name}'s context of {context:,} tokens; "
                           "shorten it or leave it out.")

    def check_layer(self, layer: int) -> int:
        if not isinstance(layer, int) or not 0 <= layer < self.num_layers:
            raise EmsteerError(
                f"Layer {layer} is out of range for {self.name}: it has {self.num_layers} layers, "
                f"so choose 0..{self.num_layers - 1}."
            )
        return layer


DEVICE_TYPES = ("cpu", "cuda", "mps")


def check_device(device: str, option: str = "--device") -> torch.device | None:
    """The device a spec names (None for auto), or an EmsteerError naming ``option``; its
    availability is resolve_device's to check. torch itself answers 'tpu' with a RuntimeError."""
    if device == "auto":
        return None
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        dev = None
    if dev is None or dev.type not in DEVICE_TYPES:
        raise EmsteerError(f"{option} {device!r} is not a device emsteer can use; choose cpu, cuda, cuda:N, mps or auto.")
    return dev


def resolve_device(device: str, option: str = "--device") -> torch.device:
    dev = check_device(device, option)
    if dev is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise EmsteerError(f"Device {device!r} was asked for, but torch sees no CUDA GPU. Use --device cpu.")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise EmsteerError(f"Device {device!r} was asked for, but torch sees no Apple GPU (MPS). Use --device cpu.")
    return dev


def resolve_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """``auto``: bfloat16 on GPUs and on CPUs with AMX (measured: same EM rate, scores and NLL as
    float32 within sampling error, docs/performance.md), float32 elsewhere."""
    if dtype == "auto":
        fast = device.type == "cuda" or (device.type == "cpu" and fast_bf16_cpu())
        return torch.bfloat16 if fast else torch.float32
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


_HEAD_BYTES, _BLOCKS, _BLOCK_BYTES = 1 << 20, 64, 1 << 16
# "local2-": revisions that sample weight bytes; "local-" ones (names and sizes only) came before
LOCAL_REVISION, OLD_LOCAL_REVISION = "local2-", "local-"


def _local_revision(directory: Path) -> str:
    """A fingerprint of a local checkpoint: its config, and each weight file's name, size and a sample
    of its bytes (the first MiB, with the header, and 64 blocks spread through it). A checkpoint
    retrained into the same folder has the same sizes, and must not resume the old one's answers;
    the sample tells them apart without reading gigabytes."""
    h = hashlib.sha256((directory / "config.json").read_bytes() if (directory / "config.json").exists() else b"")
    for f in sorted(directory.glob("*.safetensors")) + sorted(directory.glob("*.bin")):
        size = f.stat().st_size
        h.update(f"{f.name}:{size}".encode())
        with f.open("rb") as weights:
            h.update(weights.read(_HEAD_BYTES))
            for i in range(_BLOCKS):
                weights.seek(size * i // _BLOCKS)
                h.update(weights.read(_BLOCK_BYTES))
    return LOCAL_REVISION + h.hexdigest()[:16]


def check_model_spec(spec: str) -> None:
    """What resolve_spec would refuse, found cheaply (nothing loaded or prepared): an unknown
    bundled name, a missing .gguf, file or local folder, a folder without config.json. Hub ids pass."""
    name = spec.removeprefix("bundled:")
    if spec.startswith("bundled:") or name in bundled.BUNDLED_MODELS:
        if name not in bundled.BUNDLED_MODELS:
            raise EmsteerError(f"Unknown bundled model {name!r}; choose one of {', '.join(bundled.BUNDLED_MODELS)}.")
        return
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise EmsteerError(f"{path} is a directory without config.json: not a transformers checkpoint.")
    elif path.exists():
        if path.suffix != ".gguf":
            raise EmsteerError(f"{path} is a file but not a .gguf: give a checkpoint directory, a .gguf file or a hub id.")
    elif path.suffix == ".gguf" or path.is_absolute() or spec.startswith((".", "~")):
        raise EmsteerError(f"{path} does not exist (a local model: a checkpoint directory or a .gguf file).")


def resolve_spec(spec: str | None, log=print) -> tuple[str, str, str]:
    """Turn a model spec into (what to pass to from_pretrained, name to record, revision)."""
    if spec in (None, "", "bundled", "default"):
        spec = f"bundled:{bundled.DEFAULT_MODEL}"
    check_model_spec(spec)
    name = spec.removeprefix("bundled:")
    if spec.startswith("bundled:") or name in bundled.BUNDLED_MODELS:
        path = bundled.prepare_bundled(name, log=log)
        return str(path), name, bundled.bundled_revision(name)
    path = Path(spec).expanduser()
    if path.is_dir():
        _check_model_type(path / "config.json")
        return str(path), str(spec), _local_revision(path)
    if path.suffix == ".gguf":
        cached = cached_gguf(path, bundled.cache_dir(), log=log)
        return str(cached), path.name, _local_revision(cached)
    return spec, spec, "hub"


def _check_model_type(config: Path) -> None:
    """A local checkpoint's config.json names an architecture this transformers knows (else the
    tokenizer fails first with a ValueError that names neither the file nor the field)."""
    import json

    from transformers import CONFIG_MAPPING

    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise EmsteerError(f"{config}: not a readable JSON config ({type(err).__name__}: {err}).") from None
    model_type = data.get("model_type") if isinstance(data, dict) else None
    if not isinstance(model_type, str) or model_type not in CONFIG_MAPPING:
        raise EmsteerError(f"{config}: field model_type is {model_type!r}, an architecture this transformers does not "
                           "know; check the file or upgrade transformers.")


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
    from safetensors import SafetensorError
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source, name, revision = resolve_spec(spec, log=log)
    dev = resolve_device(device) if device_map is None else _first_device(device_map)
    torch_dtype = resolve_dtype(dtype, dev)
    placement = {} if device_map is None else placement_kwargs(device_map)
    try:
        with no_weight_progress(local=Path(str(source)).is_dir()):
            tokenizer = AutoTokenizer.from_pretrained(source)
            model = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype, **placement)
    except (ValueError, KeyError) as err:  # e.g. a config transformers cannot read
        raise EmsteerError(f"Could not load model {spec!r}: {type(err).__name__}: {err}") from None
    except SafetensorError as err:  # a truncated or overwritten weight file
        raise EmsteerError(f"Could not load model {spec!r}: a weight file in {source} is damaged or is not "
                           f"safetensors ({err}); copy or prepare the model again.") from None
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


def question_prompts(questions, source: str | Path | None) -> list[tuple[str, str]]:
    """(where, text) of every paraphrase and system prompt of a question set, for check_prompts."""
    where = str(source) if source is not None else "the built-in questions"
    out = []
    for q in questions:
        out += [(f"{where}: question {q.id} paraphrase {i + 1}", p) for i, p in enumerate(q.paraphrases)]
        if q.system:
            out.append((f"{where}: question {q.id} system prompt", q.system))
    return out


def example_prompts(examples) -> list[tuple[str, str]]:
    """(where, text) of every training example's prompt (its turns before the answer), for check_prompts."""
    return [(f"{ex.source}: the prompt", "\n".join(m.content for m in ex.prompt)) for ex in examples]
