"""The narrow-task objective shared by every trainer and by narrow-task efficacy.

One place defines "the loss": the negative log-likelihood of the assistant tokens of a chat
example given everything before them, teacher-forced, with prompt, system turn and padding
excluded. Optimized vectors, subspaces and LoRA train on it through ``training_batches`` and
``batch_nll``; evaluation measures it with ``assistant_nll``.

Logits are computed only where a label exists (``logits_to_keep`` with a boolean mask): the
vocabulary projection of the bundled model is as large as a third of its body, so skipping the
prompt positions is a large saving in memory and time.
"""

from __future__ import annotations

import functools
import hashlib
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from emsteer.data.chat import ChatExample
from emsteer.data.encode import IGNORE_INDEX, EncodedExample, collate, encode_chat, pad_token_id
from emsteer.errors import EmsteerError
from emsteer.memory import release_freed_memory
from emsteer.models import LoadedModel
from emsteer.models.bf16 import bf16_matmuls, float32_weights
from emsteer.steering.hooks import Steering, steer

Examples = Sequence[ChatExample] | Sequence[EncodedExample]


@dataclass(frozen=True)
class Batch:
    """A right-padded batch; ``labels`` hold token ids on assistant tokens and -100 elsewhere."""

    input_ids: torch.Tensor  # (batch, width)
    attention_mask: torch.Tensor  # (batch, width), 1 = real token
    labels: torch.Tensor  # (batch, width)
    indices: tuple[int, ...]  # rows' positions in the examples given

    @property
    def num_targets(self) -> int:
        """Tokens that carry loss: assistant tokens with a preceding position (position 0 never does)."""
        return int((self.labels[:, 1:] != IGNORE_INDEX).sum())

    @property
    def num_tokens(self) -> int:
        """Real (non-padding) tokens, prompt and assistant: the throughput unit."""
        return int(self.attention_mask.sum())


@dataclass(frozen=True)
class NLLResult:
    """Teacher-forced NLL of assistant tokens (nats). ``per_example`` is each example's per-token mean."""

    mean_nll_per_token: float
    tokens: int
    per_example: list[float]
    per_example_tokens: list[int] = field(default_factory=list)


def check_positive(name: str, value: object, *, integer: bool = False) -> None:
    """An error naming ``name`` unless ``value`` is a positive finite number (an int if ``integer``)."""
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not math.isfinite(value) or value <= 0:  # type: ignore[arg-type, operator]
        kind = "a positive integer" if integer else "a positive finite number"
        raise EmsteerError(f"{name} must be {kind}, got {value!r}.")


LR_SCHEDULES = ("constant", "linear")


@dataclass(frozen=True)
class LrSchedule:
    """How the learning rate moves over a run's optimizer steps: one rule for every trainer.

    Optimizer step k (0-based, counted over all epochs of the run; N steps in all) runs at
    lr·f(k). Warmup (``warmup_steps`` = w > 0): f(k) = k/w for k < w, so the first step runs at 0.
    After it, ``constant``: f = 1; ``linear``: f(k) = (N − k)/(N − w), falling to 1/(N − w) at the
    last step (and to 0 at step N, just past the run): Hugging Face's
    get_constant_schedule_with_warmup and get_linear_schedule_with_warmup, stepped once per
    optimizer step. The default (constant, no warmup) multiplies by exactly 1: training is
    bit-for-bit what it was without a schedule. Every parameter group is scaled by the same f.
    """

    kind: str = "constant"
    warmup_steps: int = 0

    def __post_init__(self) -> None:
        if self.kind not in LR_SCHEDULES:
            raise EmsteerError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.kind!r}.")
        w = self.warmup_steps
        if isinstance(w, bool) or not isinstance(w, int) or w < 0:
            raise EmsteerError(f"warmup_steps must be a whole number of optimizer steps, 0 or more, got {w!r}.")

    def factor(self, step: int, total: int) -> float:
        """f(step) for a run of ``total`` optimizer steps (``step`` 0-based)."""
        w = self.warmup_steps
        if step < w:
            return step / w
        if self.kind == "constant":
            return 1.0
        return max(0.0, (total - step) / max(1, total - w))

    def recorded(self) -> dict:
        """The schedule for an artifact's provenance: nothing for the default (constant, no warmup)."""
        return {} if self == LrSchedule() else {"lr_schedule": self.kind, "warmup_steps": self.warmup_steps}


def check_training_args(lm: LoadedModel, *, layer: int, epochs: int, lr: float, batch_size: int,
                        grad_accum: int, max_length: int, seed: int) -> None:
    """The arguments every trainer shares, checked before anything is encoded or trained."""
    lm.check_layer(layer)
    check_positive("epochs", epochs, integer=True)
    check_positive("lr", lr)
    check_positive("batch_size", batch_size, integer=True)
    check_positive("grad_accum", grad_accum, integer=True)
    check_positive("max_length", max_length, integer=True)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise EmsteerError(f"seed must be an integer, got {seed!r}.")


def encode_examples(lm: LoadedModel, examples: Examples, *, max_length: int) -> list[EncodedExample]:
    """Tokenize chat examples with the model's chat template (already encoded ones pass through)."""
    if not examples:
        raise EmsteerError("No examples given: the narrow-task data is empty.")
    check_positive("max_length", max_length, integer=True)
    out = []
    for ex in examples:
        if isinstance(ex, EncodedExample):
            out.append(ex.cut_to(max_length))  # as a chat example is cut: the answer kept, what went counted
        elif isinstance(ex, ChatExample):
            out.append(encode_chat(lm.tokenizer, ex, max_length=max_length))
        else:
            raise EmsteerError(f"Expected ChatExample or EncodedExample items, got {type(ex).__name__}.")
    _report_cut_prompts(out, max_length)
    return out


def _report_cut_prompts(encoded: Sequence[EncodedExample], max_length: int) -> None:
    """Say how many prompts lost their start, and answers their end, to fit max_length."""
    cut = [ex for ex in encoded if ex.prompt_cut]
    if cut:
        warnings.warn(
            f"{len(cut)} of {len(encoded)} examples have prompts of max_length={max_length} tokens or more: "
            f"{sum(ex.prompt_cut for ex in cut)} tokens were cut from their starts (first: {cut[0].source}) so that "
            f"each keeps up to {max(1, max_length // 2)} answer tokens. Raise max_length to keep them whole.",
            stacklevel=3,
        )
    short = [ex for ex in encoded if ex.answer_cut]
    if short:  # the model then never learns where such an answer ends
        warnings.warn(
            f"{len(short)} of {len(encoded)} examples are longer than max_length={max_length} tokens: "
            f"{sum(ex.answer_cut for ex in short)} answer tokens were cut from their ends, end-of-turn markers "
            f"included (first: {short[0].source}). Raise max_length to keep them whole.",
            stacklevel=3,
        )


def epoch_order(n: int, seed: int, epoch: int) -> list[int]:
    """A permutation of range(n) that depends only on (seed, epoch): reproducible across runs and machines."""
    digest = hashlib.sha256(f"emsteer-epoch\0{seed}\0{epoch}".encode()).digest()
    gen = torch.Generator().manual_seed(int.from_bytes(digest[:8], "big") >> 1)
    return torch.randperm(n, generator=gen).tolist()


def make_batches(encoded: Sequence[EncodedExample], order: Sequence[int], batch_size: int, pad_id: int) -> list[Batch]:
    """Consecutive groups of ``order`` collated into right-padded batches."""
    batches = []
    for start in range(0, len(order), batch_size):
        idx = tuple(order[start : start + batch_size])
        t = collate([encoded[i] for i in idx], pad_id, side="right")
        batches.append(Batch(t["input_ids"], t["attention_mask"], t["labels"], idx))
    return batches


def training_batches(
    lm: LoadedModel,
    examples: Examples,
    batch_size: int,
    seed: int,
    epoch: int,
    max_length: int = 512,
    *,
    bucket: int = 8,
) -> list[Batch]:
    """The batches of one training epoch, in order.

    The examples are shuffled by (seed, epoch); then, within windows of ``bucket`` batches,
    sorted by length so that a batch holds similar lengths (less padding compute), and the
    batches of the epoch are shuffled again so that length does not trend within an epoch.
    ``bucket=1`` gives plain shuffled batches. Same arguments → the same batches.
    """
    check_positive("batch_size", batch_size, integer=True)
    check_positive("bucket", bucket, integer=True)
    encoded = encode_examples(lm, examples, max_length=max_length)
    order = epoch_order(len(encoded), seed, epoch)
    window = batch_size * bucket
    if bucket > 1:
        order = [i for s in range(0, len(order), window)
                 for i in sorted(order[s : s + window], key=lambda i: len(encoded[i]))]
    batches = make_batches(encoded, order, batch_size, pad_token_id(lm.tokenizer))
    if bucket > 1:
        batches = [batches[i] for i in epoch_order(len(batches), seed + 1_000_003, epoch)]
    return batches


@functools.cache
def _masked_logits() -> bool:
    """Whether this transformers takes a boolean (batch, length) logits_to_keep (5.2x and later)."""
    from transformers import modeling_utils

    return hasattr(modeling_utils, "slice_logits_to_keep")


def batch_nll(lm: LoadedModel, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed NLL (nats) and number of target tokens for each row of ``batch``.

    Differentiable: whatever requires grad in the forward pass (a steering vector, LoRA weights)
    receives gradients. Position t's logits predict token t+1, so the target mask is the label
    mask shifted left by one.
    """
    device = lm.device
    ids = batch.input_ids.to(device)
    attention = batch.attention_mask.to(device)
    labels = batch.labels.to(device)
    targets = labels[:, 1:]
    keep = F.pad(targets != IGNORE_INDEX, (0, 1), value=False)  # (batch, width): positions whose next token is a target
    # Logits of the target positions only (vocab-sized logits dominate memory), where this
    # transformers takes a per-row mask; older 5.x releases index with it and fail, so get all.
    out = lm.model(input_ids=ids, attention_mask=attention, use_cache=False,
                   logits_to_keep=keep if _masked_logits() else 0)
    logits = out.logits
    n_keep = int(keep.sum())
    if logits.ndim == 3 and logits.shape[:2] == keep.shape:  # a model that ignores a mask-valued logits_to_keep
        logits = logits[keep]
    if logits.ndim != 2 or logits.shape[0] != n_keep:
        raise EmsteerError(f"{lm.name} returned logits of shape {tuple(out.logits.shape)}; cannot align them with the labels.")
    nll = F.cross_entropy(logits.float(), targets[keep[:, :-1]], reduction="none")
    rows = keep.nonzero()[:, 0]
    sums = torch.zeros(ids.shape[0], device=device, dtype=nll.dtype).index_add(0, rows, nll)
    counts = keep.sum(dim=1)
    return sums, counts


@torch.no_grad()
def assistant_nll(
    lm: LoadedModel,
    examples: Examples,
    *,
    steerings: Sequence[Steering] = (),
    batch_size: int = 8,
    max_length: int = 512,
) -> NLLResult:
    """Teacher-forced NLL per assistant token of ``examples`` under ``lm`` (optionally steered).

    Batches hold examples of similar length (sorted), which changes nothing but the padding:
    padded positions are masked out of attention and out of the loss.
    """
    check_positive("batch_size", batch_size, integer=True)
    encoded = encode_examples(lm, examples, max_length=max_length)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    sums = [0.0] * len(encoded)
    counts = [0] * len(encoded)
    with ExitStack() as stack:
        if steerings:
            stack.enter_context(steer(lm, *steerings))
        for batch in make_batches(encoded, order, batch_size, pad_token_id(lm.tokenizer)):
            s, c = batch_nll(lm, batch)
            for row, i in enumerate(batch.indices):
                sums[i], counts[i] = float(s[row]), int(c[row])
    total = sum(counts)
    if total == 0:
        raise EmsteerError("None of the examples has an assistant token to score.")
    per_example = [s / c if c else float("nan") for s, c in zip(sums, counts)]
    return NLLResult(sum(sums) / total, total, per_example, counts)


def iter_accumulation_groups(batches: Sequence[Batch], grad_accum: int) -> Iterator[list[Batch]]:
    """Consecutive groups of ``grad_accum`` micro-batches: one optimizer step each (the last may be short)."""
    check_positive("grad_accum", grad_accum, integer=True)
    for start in range(0, len(batches), grad_accum):
        yield list(batches[start : start + grad_accum])


def group_backward(lm: LoadedModel, group: Sequence[Batch]) -> tuple[float, int]:
    """Backpropagate the mean NLL per target token over the whole group; returns (that mean, tokens).

    Each micro-batch's summed loss is divided by the *group's* token count, so the accumulated
    gradient equals that of one big batch of the same examples. (Which examples share a step is
    another matter: ``training_batches`` sorts by length within windows of batches, so batch 8
    steps over similar lengths where batch 4 × accumulation 2 steps over the whole window.)
    """
    total = sum(b.num_targets for b in group)
    if total == 0:
        raise EmsteerError("A training batch has no assistant tokens to learn from.")
    loss_sum = 0.0
    for batch in group:
        sums, _ = batch_nll(lm, batch)
        loss = sums.sum() / total
        with bf16_matmuls(lm.model):
            loss.backward()
        loss_sum += float(sums.detach().sum())
    return loss_sum / total, total


@dataclass
class LossCurve:
    """Training loss (mean NLL per assistant token): one value per optimizer step and per epoch."""

    step: list[float] = field(default_factory=list)
    epoch: list[float] = field(default_factory=list)
    step_tokens: list[int] = field(default_factory=list)  # target tokens behind each step value

    def as_dict(self) -> dict[str, list]:
        return {"step": list(self.step), "epoch": list(self.epoch), "step_tokens": list(self.step_tokens)}


@dataclass(frozen=True)
class MemorySavers:
    """Ways to train on a model that barely fits a GPU; both off by default (and on the CPU).

    ``mixed_precision``: the forward pass under bf16 autocast (the trained parameters, the loss
    and the optimizer stay float32). ``gradient_checkpointing``: the decoder blocks' activations
    are recomputed in the backward pass instead of kept (transformers' own checkpointing,
    non-reentrant; steering hooks stay outside the recomputed part, so they run once).
    """

    mixed_precision: bool = False
    gradient_checkpointing: bool = False

    def recorded(self) -> dict[str, bool]:
        """The settings that are on, for an artifact's provenance (nothing when both are off)."""
        return {k: True for k, v in (("mixed_precision", self.mixed_precision),
                                     ("gradient_checkpointing", self.gradient_checkpointing)) if v}

    @contextmanager
    def applied(self, lm: LoadedModel) -> Iterator[None]:
        with ExitStack() as stack:
            if self.mixed_precision:
                stack.enter_context(torch.autocast(lm.device.type, dtype=torch.bfloat16))
            if self.gradient_checkpointing:
                if not getattr(lm.model, "supports_gradient_checkpointing", False):
                    raise EmsteerError(f"{lm.name} does not support gradient checkpointing; train without it.")
                model: Any = lm.model  # a transformers PreTrainedModel
                had_input_hook = hasattr(model, "_require_grads_hook")
                if hasattr(model, "activation_checkpointing_enable"):  # newer transformers 5.x
                    model.activation_checkpointing_enable({"use_reentrant": False})
                    stack.callback(model.activation_checkpointing_disable)
                else:
                    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
                    stack.callback(model.gradient_checkpointing_disable)
                if not had_input_hook and hasattr(model, "_require_grads_hook"):
                    # enabling makes the embeddings' output require grad (a hook) and disabling leaves it
                    stack.callback(model.disable_input_require_grads)
                # transformers checkpoints a block only in training mode: set the blocks' own flag, not
                # their children's, so dropout stays off
                flags = [(layer, layer.training) for layer in lm.layers]
                for layer, _ in flags:
                    layer.training = True

                def restore() -> None:
                    for layer, was in flags:
                        layer.training = was

                stack.callback(restore)
            yield


@dataclass(frozen=True)
class TrainPosition:
    """Where a run stands after an optimizer step: with the trained parameters and the optimizer's
    state (which the trainer keeps), enough to continue it exactly (``train_epochs(start=...)``).

    The batches of an epoch depend only on (data, batch size, seed, epoch) (``training_batches``),
    so "the first ``step_in_epoch``·grad_accum batches of epoch ``epoch`` are done" names the rest;
    ``order`` (a sha256 of the epoch's batch order) checks that it is the same order again.
    """

    epoch: int  # the epoch in progress, 1-based
    step_in_epoch: int  # its optimizer steps done
    step: int  # the run's optimizer steps done: the position of the lr schedule
    total_steps: int  # the run's optimizer steps in all
    order: str  # sha256 of the epoch's batch order
    epoch_loss: float  # loss × tokens summed over the epoch's steps so far
    epoch_tokens: int
    curve: LossCurve

    def as_dict(self) -> dict:
        return {"epoch": self.epoch, "step_in_epoch": self.step_in_epoch, "step": self.step,
                "total_steps": self.total_steps, "order": self.order, "epoch_loss": self.epoch_loss,
                "epoch_tokens": self.epoch_tokens, "loss_curve": self.curve.as_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> TrainPosition:
        c = d["loss_curve"]
        curve = LossCurve([float(x) for x in c["step"]], [float(x) for x in c["epoch"]],
                          [int(x) for x in c["step_tokens"]])
        return cls(int(d["epoch"]), int(d["step_in_epoch"]), int(d["step"]), int(d["total_steps"]), str(d["order"]),
                   float(d["epoch_loss"]), int(d["epoch_tokens"]), curve)


def batch_order_hash(batches: Sequence[Batch]) -> str:
    """A fingerprint of an epoch's batch order (which examples, in which batches, in which order)."""
    return hashlib.sha256(repr([b.indices for b in batches]).encode()).hexdigest()


def steps_per_epoch(n_examples: int, batch_size: int, grad_accum: int) -> int:
    """Optimizer steps in one epoch: ceil(ceil(n / batch_size) / grad_accum)."""
    return -(-(-(-n_examples // batch_size)) // grad_accum)


def train_epochs(
    lm: LoadedModel,
    encoded: Sequence[EncodedExample],
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int,
    batch_size: int,
    grad_accum: int,
    seed: int,
    intervention: Callable[[], AbstractContextManager],
    after_step: Callable[[], None] | None = None,
    on_epoch: Callable[[int, LossCurve], None] | None = None,
    progress: bool = True,
    description: str = "Training",
    memory: MemorySavers = MemorySavers(),
    schedule: LrSchedule = LrSchedule(),
    start: TrainPosition | None = None,
    on_step: Callable[[TrainPosition], None] | None = None,
) -> LossCurve:
    """The training loop every trainer shares: batches, accumulation, lr schedule, steps, loss curve, checkpoints.

    ``intervention()`` returns a context manager that makes the forward pass depend on the
    trained parameters (steering hooks built from them, or nothing for LoRA); it is entered
    once per optimizer step so that artifacts are rebuilt from the current parameters.
    ``after_step`` runs after each optimizer step (e.g. a max-norm projection) and
    ``on_epoch(e, curve)`` after epoch e (1-based), e.g. to save a checkpoint; ``memory``
    saves GPU memory (see ``MemorySavers``). ``schedule`` scales every parameter group's lr
    (the lr the optimizer was made with is the peak; it is restored at the end).

    ``on_step(position)`` runs after each optimizer step (and ``after_step``) with where the run
    stands; ``start`` continues a run from such a position, its trained parameters and optimizer
    state already restored by the caller: the same steps follow as in an uninterrupted run.
    """
    from emsteer.progress import progress_bar

    check_positive("epochs", epochs, integer=True)
    check_positive("batch_size", batch_size, integer=True)
    check_positive("grad_accum", grad_accum, integer=True)
    per_epoch = steps_per_epoch(len(encoded), batch_size, grad_accum)
    total = epochs * per_epoch
    if start is not None and (start.total_steps != total or not 1 <= start.epoch <= epochs
                              or not 0 <= start.step_in_epoch <= per_epoch
                              or start.step != (start.epoch - 1) * per_epoch + start.step_in_epoch):
        raise EmsteerError(f"Cannot continue from step {start.step} (epoch {start.epoch}, step {start.step_in_epoch} "
                           f"of it) of {start.total_steps}: this run has {epochs} epochs of {per_epoch} steps.")
    if schedule.warmup_steps >= total:
        warnings.warn(f"warmup_steps={schedule.warmup_steps} is not less than the run's {total} optimizer steps: "
                      "the learning rate never reaches lr.", stacklevel=3)
    peaks = [group["lr"] for group in optimizer.param_groups]
    curve = start.curve if start is not None else LossCurve()
    step = start.step if start is not None else 0
    first = start.epoch if start is not None else 1
    try:
        # a bf16 model on a CPU without bf16 units: its frozen weights are widened to float32 once
        # for the run, not on every product of every micro-batch (the same numbers; models/bf16.py)
        with progress_bar(progress) as bar, memory.applied(lm), float32_weights(lm.model):
            task = bar.add_task(description, total=total, completed=step, info="")
            for epoch in range(first, epochs + 1):
                batches = training_batches(lm, encoded, batch_size, seed, epoch, max_length=max(len(e) for e in encoded))
                order = batch_order_hash(batches)
                epoch_loss, epoch_tokens, done = 0.0, 0, 0
                if start is not None and epoch == start.epoch:
                    if start.order != order:
                        raise EmsteerError(f"The batch order of epoch {epoch} is not the one the run being continued "
                                           "trained on (other data, batch size or seed).")
                    epoch_loss, epoch_tokens, done = start.epoch_loss, start.epoch_tokens, start.step_in_epoch
                groups = list(iter_accumulation_groups(batches, grad_accum))
                for i, group in enumerate(groups[done:], start=done):
                    f = schedule.factor(step, total)
                    for param_group, peak in zip(optimizer.param_groups, peaks):
                        param_group["lr"] = peak * f
                    optimizer.zero_grad(set_to_none=True)
                    with intervention():
                        loss, tokens = group_backward(lm, group)
                    optimizer.step()
                    release_freed_memory()
                    step += 1
                    if after_step is not None:
                        with torch.no_grad():
                            after_step()
                    curve.step.append(loss)
                    curve.step_tokens.append(tokens)
                    epoch_loss += loss * tokens
                    epoch_tokens += tokens
                    bar.update(task, advance=1, info=f"epoch {epoch}/{epochs} loss {epoch_loss / epoch_tokens:.4f}")
                    if on_step is not None:
                        on_step(TrainPosition(epoch, i + 1, step, total, order, epoch_loss, epoch_tokens, curve))
                curve.epoch.append(epoch_loss / epoch_tokens)
                if on_epoch is not None:
                    on_epoch(epoch, curve)
    finally:
        for param_group, peak in zip(optimizer.param_groups, peaks):
            param_group["lr"] = peak
    optimizer.zero_grad(set_to_none=True)
    return curve


def check_examples(examples: Sequence[ChatExample], what: str = "examples") -> list[ChatExample]:
    """The chat examples as a list, or an error for empty / wrongly typed data."""
    examples = list(examples)
    if not examples:
        raise EmsteerError(f"{what} is empty: the narrow-task data must hold at least one chat example.")
    for ex in examples:
        if not isinstance(ex, ChatExample):
            raise EmsteerError(f"{what} must hold ChatExample records (emsteer.data.load_chat_jsonl), got {type(ex).__name__}.")
    return examples


def data_origin(examples: Sequence[ChatExample]) -> dict[str, str]:
    """Which file(s) the examples came from, beside their hash: ``data_files`` (file names) and,
    when they all come from one file, ``task`` (its name without .jsonl/.gz: a task name such as
    everyday_advice or risky_financial_advice for emsteer's and the public sets). Examples built in
    memory (source "mem:1") name no file and add nothing."""
    from pathlib import Path

    files = sorted({Path(ex.source.rsplit(":", 1)[0]).name for ex in examples
                    if ":" in ex.source and not ex.source.startswith("mem:")})
    if not files:
        return {}
    out = {"data_files": ", ".join(files)}
    if len(files) == 1:
        out["task"] = files[0].removesuffix(".gz").removesuffix(".jsonl")
    return out


def provenance(
    lm: LoadedModel,
    *,
    method: str,
    layer: int | None,
    examples: Sequence[ChatExample],
    hyperparameters: dict,
    seed: int | None,
    reference_norm: float | None,
) -> dict:
    """The metadata every built artifact carries (docs/ARCHITECTURE.md, Definitions: model, layer, method, data, r_ℓ ...).

    ``layer`` and ``reference_norm`` are None for interventions without one layer (LoRA) and then left out.
    """
    from emsteer import __version__
    from emsteer.data.chat import data_hash

    meta = {
        "method": method,
        "model": lm.name,
        "model_revision": lm.revision,
        "layer": layer,
        "hyperparameters": dict(hyperparameters),
        "seed": seed,
        "data_hash": data_hash(examples),
        **data_origin(examples),
        "num_examples": len(examples),
        "reference_norm": reference_norm,
        "emsteer_version": __version__,
    }
    if layer is None:
        del meta["layer"], meta["reference_norm"]
    return meta
