"""LoRA counterpart: finetune on the same assistant tokens, with the same objective and batches.

Training injects PEFT LoRA layers into the caller's model, trains only them on
``objective.train_epochs`` (so the loss, masking, batching and shuffling are exactly those of
the optimized steering vector), saves the adapter (safetensors) plus ``emsteer.json``, and then
*unloads* the LoRA layers in a ``finally`` block: the caller's base model comes back with its
original modules and weights (LoRA never touches the base weights; B starts at zero and nothing
is merged).

``load_adapter`` returns a new LoadedModel: a deep copy of the base model with the adapter
merged in (``merge_and_unload``); ``attached_adapter`` attaches it to the base model itself for a
block instead (no copy, for large models on GPUs); ``adapted`` picks one of the two. Why a
merged copy by default rather than ``model.load_adapter()`` on the
base model: the copy leaves the caller's base model untouched, so a study can steer the base
model and sample the finetuned one in one process; the merged model has the plain module tree,
so layer discovery, steering hooks, ``generate`` and ``assistant_nll`` work unchanged; and it
runs at base-model speed. The cost is one more copy of the weights in memory.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

from emsteer.atomic import fsync_path
from emsteer.data.chat import ChatExample
from emsteer.errors import EmsteerError
from emsteer.models import LoadedModel
from emsteer.models.loading import LOCAL_REVISION, OLD_LOCAL_REVISION
from emsteer.training.checkpoints import adapter_dir
from emsteer.training.objective import (
    LossCurve,
    LrSchedule,
    MemorySavers,
    TrainPosition,
    check_examples,
    check_positive,
    check_training_args,
    encode_examples,
    provenance,
    steps_per_epoch,
    train_epochs,
)
from emsteer.training.resume import (
    CHECKPOINT_DIR,
    DEFAULT_CHECKPOINT_EVERY,
    check_every,
    checkpoint_due,
    has_checkpoint,
    load_checkpoint,
    read_state,
    remove_checkpoint,
    save_checkpoint,
)

TARGETS = ("all-linear", "down_proj")
METADATA_FILE = "emsteer.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"  # PEFT's name; written last, so it marks a complete adapter
_PEFT_DEPRECATION = ".*is_gradient_checkpointing.*"  # PEFT 0.21 calls a transformers 5 deprecated property


@dataclass
class LoraResult:
    path: Path  # final adapter directory (load with load_adapter)
    checkpoints: list[Path]  # one adapter directory per epoch: epoch-001, epoch-002, ...
    loss_curve: LossCurve
    metadata: dict
    trainable_parameters: int


def _check_lora_args(lm: LoadedModel, rank, alpha, target, layers, dropout) -> list[int] | None:
    check_positive("rank", rank, integer=True)
    if rank > lm.hidden_size:
        raise EmsteerError(f"rank must be between 1 and the hidden size {lm.hidden_size}, got {rank}.")
    check_positive("alpha", alpha)
    if target not in TARGETS:
        raise EmsteerError(f"target must be one of {', '.join(TARGETS)}, got {target!r}.")
    if not (isinstance(dropout, (int, float)) and 0 <= dropout < 1):
        raise EmsteerError(f"dropout must be in [0, 1), got {dropout!r}.")
    if layers is None:
        return None
    layers = list(layers)
    if not layers:
        raise EmsteerError("layers must list at least one layer (or be None for all layers).")
    for layer in layers:
        lm.check_layer(layer)
    if len(set(layers)) != len(layers):
        raise EmsteerError(f"layers lists a layer twice: {layers}.")
    return sorted(layers)


def check_output_dir(output_dir: str | Path, resume: bool) -> Path:
    """The adapter folder, if training may write there: new, empty, or (``resume``) a killed run's."""
    path = Path(output_dir)
    if resume and path.is_dir() and has_checkpoint(path):
        return path
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        if resume:
            raise EmsteerError(f"output_dir {path} holds no checkpoint to resume from ({CHECKPOINT_DIR}/state.json); "
                               "give a new or empty directory, or the one of the killed run.")
        raise EmsteerError(f"output_dir {path} exists and is not an empty directory; give a new or empty one.")
    return path


def _check_weight_decay(weight_decay: object) -> None:
    if (isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float)) or not math.isfinite(weight_decay)
            or weight_decay < 0):
        raise EmsteerError(f"weight_decay must be a finite number of at least 0, got {weight_decay!r}.")


def _dropout_seed(seed: int) -> int:
    """The seed of the random numbers LoRA dropout draws while training (not the initialisation's)."""
    return int.from_bytes(hashlib.sha256(f"emsteer-lora-dropout\0{seed}".encode()).digest()[:8], "big") >> 1


def adapter_compute_dtype(lm: LoadedModel) -> torch.dtype | None:
    """The dtype a LoRA adapter's matmuls run in while it trains on ``lm`` (None: its parameters'
    float32). bf16 on bf16 weights that sit on one kind of device (autocast covers one device type);
    fp16 weights keep PEFT's float32 casts, which need no loss scaling."""
    if lm.dtype != torch.bfloat16 or len({p.device.type for p in lm.model.parameters()}) != 1:
        return None
    return torch.bfloat16


@contextmanager
def _adapter_in(dtype: torch.dtype | None, peft_model, device_type: str) -> Iterator[None]:
    """Run the adapter in ``dtype`` for one forward/backward pass, as mixed-precision trainers do:
    autocast rounds the small float32 LoRA matrices to the weights' dtype for each pass, where PEFT
    would otherwise cast every adapted layer's (tokens × width) input up to float32 and back. The
    parameters, their gradients and Adam stay float32. LoRA on the 0.5B's bf16 weights trains
    1.29× faster this way, to the same held-out NLL (docs/performance.md)."""
    if dtype is None:
        yield
        return
    from peft.helpers import disable_input_dtype_casting

    with torch.autocast(device_type, dtype=dtype), disable_input_dtype_casting(peft_model):
        yield


def _save_adapter(peft_model, metadata: dict, dest: Path) -> Path:
    """Write adapter + emsteer.json into a temporary sibling, then move it into place (never half-written)."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        peft_model.save_pretrained(str(tmp), safe_serialization=True)
        (tmp / METADATA_FILE).write_text(json.dumps(metadata, indent=2, default=str))
        for f in tmp.iterdir():
            fsync_path(f)
        if dest.exists():
            # the final adapter lives in output_dir itself, beside the epoch dirs: moved file by file,
            # the weights last, since their presence is what says an adapter is complete
            for f in sorted(tmp.iterdir(), key=lambda f: f.name == ADAPTER_WEIGHTS):
                os.replace(f, dest / f.name)
            fsync_path(dest)
        else:
            os.replace(tmp, dest)
            fsync_path(dest.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return dest


def train_lora(
    lm: LoadedModel,
    examples: Sequence[ChatExample],
    *,
    output_dir: str | Path,
    rank: int = 8,
    alpha: float = 16,
    target: str = "all-linear",
    layers: Sequence[int] | None = None,
    epochs: int = 1,
    lr: float = 2e-4,
    batch_size: int = 4,
    grad_accum: int = 1,
    max_length: int = 256,
    dropout: float = 0.0,
    seed: int = 0,
    lr_schedule: str = "constant",
    warmup_steps: int = 0,
    weight_decay: float = 0.0,
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    resume: bool = False,
    progress: bool = True,
    memory: MemorySavers = MemorySavers(),
    log: Callable[[str], None] | None = None,
) -> LoraResult:
    """Train a LoRA adapter on the assistant tokens of ``examples``; ``lm`` is left as it was.

    ``target``: "all-linear" (every linear layer of the decoder blocks) or "down_proj" (the MLP
    down-projection); ``layers`` restricts either to those decoder blocks (None = all).
    Writes ``output_dir/epoch-{e:03d}/`` after every epoch and the final adapter into
    ``output_dir`` itself, each with ``emsteer.json`` (model, revision, data hash,
    hyper-parameters, loss curve). Same arguments and seed → identical adapter weights.

    The optimizer is AdamW with ``weight_decay``; ``lr`` is the peak of ``lr_schedule``
    (constant or linear, after ``warmup_steps`` of linear warmup: ``training.objective.LrSchedule``).
    Every ``checkpoint_every`` optimizer steps (0: never) and at the end of every epoch but the
    last, a resumable checkpoint goes to ``output_dir/checkpoint/`` (``training.resume``:
    safetensors and JSON); the finished run removes it. With ``resume``, a run killed in
    ``output_dir`` continues from its checkpoint (the same arguments required, else an error
    names what differs) and ends with the same adapter as an uninterrupted run; an empty or new
    ``output_dir`` simply starts. ``log`` is told when a run resumes.
    """
    from peft import LoraConfig, get_peft_model
    from peft.tuners.tuners_utils import BaseTunerLayer

    examples = check_examples(examples)
    check_training_args(lm, layer=0, epochs=epochs, lr=lr, batch_size=batch_size, grad_accum=grad_accum,
                        max_length=max_length, seed=seed)
    layers = _check_lora_args(lm, rank, alpha, target, layers, dropout)
    schedule = LrSchedule(lr_schedule, warmup_steps)
    _check_weight_decay(weight_decay)
    check_every(checkpoint_every)
    if any(isinstance(m, BaseTunerLayer) for m in lm.model.modules()):
        raise EmsteerError(f"{lm.name} already carries PEFT adapter layers; train LoRA on a plain base model.")
    out = check_output_dir(output_dir, resume)
    encoded = encode_examples(lm, examples, max_length=max_length)
    config = LoraConfig(
        r=rank,
        lora_alpha=alpha,  # type: ignore[arg-type]  # peft annotates int but only divides it by r
        lora_dropout=dropout,
        target_modules="all-linear" if target == "all-linear" else ["down_proj"],
        layers_to_transform=layers,
        bias="none",
    )
    hyper = dict(rank=rank, alpha=alpha, target=target, layers=layers, epochs=epochs, lr=lr, batch_size=batch_size,
                 grad_accum=grad_accum, max_length=max_length, dropout=dropout, optimizer="adamw",
                 weight_decay=weight_decay)
    hyper.update(schedule.recorded())
    hyper.update(memory.recorded())
    compute = adapter_compute_dtype(lm)
    if compute is not None:
        hyper["adapter_compute"] = str(compute).removeprefix("torch.")
    meta = {"format": "emsteer.lora.v1", **provenance(lm, method="lora", layer=None, examples=examples,
                                                       hyperparameters=hyper, seed=seed, reference_norm=None)}
    total_steps = epochs * steps_per_epoch(len(encoded), batch_size, grad_accum)
    # What a checkpoint must have been written with to be continued: everything that changes the
    # numbers (not where or how often checkpoints are written, nor gradient checkpointing, which
    # recomputes the same activations). Numbers as floats, so that alpha 16 and 16.0 agree.
    settings = {k: meta[k] for k in ("model", "model_revision", "seed", "data_hash", "num_examples")}
    settings.update({k: v for k, v in hyper.items() if k != "gradient_checkpointing"},
                    alpha=float(alpha), lr=float(lr), dropout=float(dropout), weight_decay=float(weight_decay),
                    lr_schedule=schedule.kind, warmup_steps=schedule.warmup_steps, dtype=str(lm.dtype))
    state = read_state(out, settings) if resume and has_checkpoint(out) else None

    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        # LoRA A is initialised from the global RNG: seed it, then restore the caller's RNG state.
        warnings.filterwarnings("ignore", message=_PEFT_DEPRECATION, category=FutureWarning)
        torch.manual_seed(seed)
        try:
            peft_model = get_peft_model(lm.model, config)
        except ValueError as err:  # e.g. no module called down_proj in this architecture
            raise EmsteerError(f"Cannot attach LoRA ({target}) to {lm.name}: {err}") from err
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, module in lm.model.named_modules():
            if name.endswith("lora_dropout.default"):
                module.train()  # the base model stays in eval mode; only LoRA dropout is active
        params = [p for p in lm.model.parameters() if p.requires_grad]
        n_params = sum(p.numel() for p in params)
        targets = sorted({n.rsplit(".", 1)[-1] for n, m in lm.model.named_modules() if isinstance(m, BaseTunerLayer)})
        meta.update(trainable_parameters=n_params, target_modules=targets)
        optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
        checkpoints: list[Path] = []
        named = [(n, p) for n, p in lm.model.named_parameters() if p.requires_grad]
        rng_devices = [lm.device] if lm.device.type == "cuda" else []
        per_epoch = total_steps // epochs

        def record(epoch: int, curve: LossCurve) -> dict:
            return {**meta, "epoch": epoch, "loss_curve": curve.as_dict()}

        def on_epoch(epoch: int, curve: LossCurve) -> None:
            path = _save_adapter(peft_model, record(epoch, curve), adapter_dir(out, epoch))
            if path not in checkpoints:
                checkpoints.append(path)

        def on_step(position: TrainPosition) -> None:
            if checkpoint_due(position, checkpoint_every, per_epoch):
                save_checkpoint(out, position, named=named, optimizer=optimizer, settings=settings, device=lm.device)

        with torch.random.fork_rng(devices=rng_devices):  # LoRA dropout draws from a seeded stream
            torch.manual_seed(_dropout_seed(seed))
            start = None
            if state is not None:
                start = load_checkpoint(out, state, named=named, optimizer=optimizer, device=lm.device)
                checkpoints.extend(p for e in range(1, start.epoch) if (p := adapter_dir(out, e)).is_dir())
                if log is not None:
                    log(f"Resuming LoRA training in {out} at optimizer step {start.step} of {start.total_steps} "
                        f"(epoch {start.epoch}, step {start.step_in_epoch} of {per_epoch}).")
            curve = train_epochs(lm, encoded, optimizer, epochs=epochs, batch_size=batch_size, grad_accum=grad_accum,
                                 seed=seed, intervention=lambda: _adapter_in(compute, peft_model, lm.device.type),
                                 on_epoch=on_epoch, progress=progress,
                                 memory=memory, description=f"LoRA r={rank} ({target})", schedule=schedule,
                                 start=start, on_step=on_step)
        final = record(epochs, curve)
        _save_adapter(peft_model, final, out)
        remove_checkpoint(out)
    finally:
        peft_model.unload()  # restore the caller's modules (LoRA was never merged into its weights)
        lm.model.eval()
        lm.model.requires_grad_(False)
    return LoraResult(out, checkpoints, curve, final, n_params)


def adapter_metadata(path: str | Path) -> dict:
    """The emsteer.json of an adapter directory ({} for adapters trained elsewhere)."""
    f = Path(path) / METADATA_FILE
    if not f.is_file():
        return {}
    try:
        return json.loads(f.read_text())
    except json.JSONDecodeError as err:
        raise EmsteerError(f"{f} is not valid JSON ({err}).") from err


def _checked_adapter(lm: LoadedModel, path: str | Path) -> tuple[Path, str]:
    """The adapter directory and the revision of ``lm`` with it: ``<base revision>+lora-<sha256 of weights, 12 hex>``."""
    path = Path(path)
    if not (path / "adapter_config.json").is_file():
        raise EmsteerError(f"{path} is not a LoRA adapter directory (no adapter_config.json).")
    weights = path / ADAPTER_WEIGHTS
    if not weights.is_file():
        raise EmsteerError(f"{path} has no adapter_model.safetensors (only safetensors adapters are loaded, never pickles).")
    meta = adapter_metadata(path)
    for key, have in (("model", lm.name), ("model_revision", lm.revision)):
        if meta.get(key) not in (None, have):
            why = (" (emsteer now fingerprints a local checkpoint by a sample of its weight bytes, not their sizes, "
                   "so an adapter trained before cannot be matched to it: train it again)"
                   if str(meta[key]).startswith(OLD_LOCAL_REVISION) and have.startswith(LOCAL_REVISION) else "")
            raise EmsteerError(f"The adapter at {path} was trained on {key} {meta[key]!r}, but this model has {have!r}{why}.")
    return path, f"{lm.revision}+lora-{hashlib.sha256(weights.read_bytes()).hexdigest()[:12]}"


def _peft_model(model, path: Path, lm: LoadedModel):
    from peft import PeftModel

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_PEFT_DEPRECATION, category=FutureWarning)
            return PeftModel.from_pretrained(model, str(path))
    except (ValueError, RuntimeError, KeyError) as err:
        raise EmsteerError(f"Cannot load the adapter at {path} into {lm.name}: {err}") from err


def load_adapter(lm: LoadedModel, path: str | Path) -> LoadedModel:
    """A new LoadedModel: ``lm``'s model with the LoRA adapter at ``path`` merged in (``lm`` is unchanged).

    The result keeps the base model's name (the model family results are grouped by) and gets
    the revision ``<base revision>+lora-<sha256 of the adapter weights, 12 hex>``, so results of
    the finetuned model never mix with the base model's.
    """
    path, revision = _checked_adapter(lm, path)
    merged = _peft_model(copy.deepcopy(lm.model), path, lm).merge_and_unload()
    return LoadedModel(model=merged, tokenizer=lm.tokenizer, name=lm.name, revision=revision)


@contextmanager
def attached_adapter(lm: LoadedModel, path: str | Path) -> Iterator[LoadedModel]:
    """``lm`` with the LoRA adapter at ``path`` attached to its own model for the block, detached after.

    No copy of the weights: PEFT wraps the base model's linear layers with the (unmerged) LoRA
    layers and ``unload()`` puts the original modules back, base weights never touched. For
    models a copy would not fit beside; a little slower per token than ``load_adapter``'s merged
    copy and equal to it up to float rounding. The base model must not be used inside the block.
    """
    path, revision = _checked_adapter(lm, path)
    peft_model = _peft_model(lm.model, path, lm)
    try:
        yield LoadedModel(model=lm.model, tokenizer=lm.tokenizer, name=lm.name, revision=revision)
    finally:
        peft_model.unload()
        lm.model.eval()
        lm.model.requires_grad_(False)


def copy_fits(lm: LoadedModel) -> bool:
    """Whether an adapter is best evaluated on a merged copy: the model sits on the CPU, on one device.

    On GPUs and device maps memory is what runs out, so adapters are attached in place there.
    """
    return lm.device.type == "cpu" and not getattr(lm.model, "hf_device_map", None)


@contextmanager
def adapted(lm: LoadedModel, path: str | Path, *, in_place: bool | None = None) -> Iterator[LoadedModel]:
    """``lm`` with the adapter: a merged copy or, with ``in_place`` (default: where a copy may not fit), attached."""
    if in_place is None:
        in_place = not copy_fits(lm)
    if in_place:
        with attached_adapter(lm, path) as model:
            yield model
    else:
        yield load_adapter(lm, path)
