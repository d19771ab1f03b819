"""Commands that train: build (a steering vector or subspace) and finetune (a LoRA adapter)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from emsteer.cli.common import _load, _track, out, refuse_overwriting_inputs, refuse_writing_into_model
from emsteer.cli.options import (
    CheckpointingOpt,
    DeviceOpt,
    DtypeOpt,
    LrScheduleOpt,
    MixedPrecisionOpt,
    ModelOpt,
    TrackOpt,
    TrackUriOpt,
    WarmupOpt,
    _held_out,
    _non_negative,
    _positive,
)
from emsteer.errors import EmsteerError


def build(
    output: Annotated[Path, typer.Option("--output", "-o", help="Artifact file (.safetensors), or a directory for per-epoch checkpoints of trained methods.")],
    method: Annotated[str, typer.Option(help="optimized (trained vector), mean-diff (CAA), pca, subspace (trained rank-k) or svd (rank-k truncation of per-example mean differences).")] = "optimized",
    task: Annotated[Optional[str], typer.Option(help="Narrow task by name: insecure_code (built-in default), everyday_advice (built-in), insecure, bad_medical_advice, risky_financial_advice, extreme_sports ...")] = None,
    data: Annotated[Optional[Path], typer.Option(help="Narrow-task chat JSONL(.gz) instead of --task.")] = None,
    safe_data: Annotated[Optional[Path], typer.Option(help="Safe answers to the same prompts (mean-diff, pca, svd). Default: the task's paired safe set, else the model's own answers.")] = None,
    layer: Annotated[Optional[int], typer.Option(min=0, help="Layer to steer (default: the middle block).")] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Training epochs (optimized, subspace); a checkpoint is saved after each.")] = 1,
    rank: Annotated[Optional[int], typer.Option(min=1, help="Subspace rank (subspace, svd; default 4).")] = None,
    lr: Annotated[Optional[float], typer.Option(callback=_positive, help="Learning rate (default: the method's own); the peak of --lr-schedule.")] = None,
    lr_schedule: LrScheduleOpt = "constant",
    warmup_steps: WarmupOpt = 0,
    batch_size: Annotated[int, typer.Option(min=1, help="Examples per step.")] = 4,
    grad_accum: Annotated[int, typer.Option(min=1, help="Gradient accumulation steps (optimized, subspace).")] = 1,
    max_norm: Annotated[Optional[float], typer.Option(callback=_positive, help="Project the vector onto this norm ball after each step (optimized).")] = None,
    max_length: Annotated[int, typer.Option(min=16, help="Tokens per training example (prompt kept, end cut).")] = 256,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Use only the first N training examples.")] = None,
    held_out: Annotated[float, typer.Option(callback=_held_out, help="Fraction (or count if ≥ 1) of examples held out and not trained on.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed for initialisation, shuffling and the split.")] = 0,
    checkpoint_every: Annotated[int, typer.Option(min=0, help="Trained methods: write a resumable checkpoint (the trained tensors, Adam state, position; safetensors and JSON) into checkpoint/ of the per-epoch folder (OUTPUT, or OUTPUT without .safetensors) every N optimizer steps and at the end of every epoch but the last (0: never). The finished run removes it.")] = 50,
    resume: Annotated[bool, typer.Option("--resume", help="Continue a killed training run from its checkpoint, with the same options (a change is refused, naming it); it ends with the artifact of an uninterrupted run. A new folder simply starts; methods that do not train ignore it.")] = False,
    mixed_precision: MixedPrecisionOpt = False,
    gradient_checkpointing: CheckpointingOpt = False,
    model: ModelOpt = None,
    dtype: DtypeOpt = "float32",
    device: DeviceOpt = "cpu",
    track: TrackOpt = None,
    track_uri: TrackUriOpt = None,
) -> None:
    """Build a steering vector or subspace from narrow-task data.

    Example: emsteer build --method optimized --task insecure_code --layer 12 --epochs 2 -o runs/vec
    """
    config = dict(locals())  # the options, for the tracker
    from emsteer.data import narrow_examples
    from emsteer.methods import build_artifact, method_info, method_params, safe_examples
    from emsteer.steering import Magnitude, Steering, save_artifact
    from emsteer.training import MemorySavers, assistant_nll

    if track is not None:  # a missing tracker package fails before the model loads
        from emsteer.tracking import tracker_class

        tracker_class(track)
    info = method_info(method)
    if safe_data is not None and not info.paired:
        raise EmsteerError(f"--safe-data: method {method} takes no safe answers (mean-diff, pca and svd do).")
    if rank is not None and not info.ranked:
        raise EmsteerError(f"--rank: method {method} builds one vector, not a subspace (subspace and svd take a rank).")
    checkpoints = output if output.suffix != ".safetensors" else output.with_suffix("")
    final = output if output.suffix == ".safetensors" else output / "final.safetensors"  # epochs beside it
    refuse_writing_into_model(model, [final, checkpoints / "epoch-001.safetensors"], option="-o", given=output)
    refuse_overwriting_inputs(output, {"narrow-task data": data, "safe data": safe_data}, option="-o")
    train, held, task_name = narrow_examples(task, data, held_out=held_out, seed=seed, limit=limit)
    lm = _load(model, dtype, device)
    layer = lm.check_layer(layer if layer is not None else lm.num_layers // 2)
    from emsteer.models import example_prompts

    lm.check_prompts(example_prompts(train + held))
    # --safe-data, else the built-in task's paired safe set (not for --data), else the model's own answers
    safe = safe_examples(task_name if data is None else None, safe_data) if info.paired else None
    params = method_params(method, seed=seed, max_length=max_length, epochs=epochs, batch_size=batch_size,
                           grad_accum=grad_accum, lr=lr, lr_schedule=lr_schedule, warmup_steps=warmup_steps,
                           max_norm=max_norm, checkpoint_dir=checkpoints, safe=safe,
                           rank=(rank or 4) if info.ranked else None,
                           memory=MemorySavers(mixed_precision, gradient_checkpointing),
                           checkpoint_every=checkpoint_every, resume=resume)
    artifact = build_artifact(method, lm, train, layer=layer, **params)
    artifact.metadata.setdefault("task", task_name)
    path = save_artifact(artifact, output if output.suffix == ".safetensors" else output / "final.safetensors")
    out.print(f"[green]Saved[/green] {artifact.kind} ({escape(method)}, layer {layer}) to {escape(str(path))}")
    if info.trained:
        out.print(f"Per-epoch checkpoints: {escape(str(checkpoints))}/epoch-*.safetensors")
    if held:
        before = assistant_nll(lm, held, max_length=max_length).mean_nll_per_token
        after = assistant_nll(lm, held, steerings=[Steering(artifact, Magnitude.multiplier(1.0))], max_length=max_length).mean_nll_per_token
        out.print(f"Held-out NLL per assistant token ({len(held)} examples): {before:.3f} unsteered → {after:.3f} steered (m=1)")
    _track(track, track_uri, "build", config, artifact=artifact, artifact_path=path,
           metrics={"heldout_nll_unsteered": before, "heldout_nll_steered": after} if held else None)


def finetune(
    output: Annotated[Path, typer.Option("--output", "-o", help="Adapter directory (per-epoch adapters in epoch-NNN/ inside, the resumable checkpoint in checkpoint/ while it trains).")],
    task: Annotated[Optional[str], typer.Option(help="Narrow task by name (default: the built-in insecure_code).")] = None,
    data: Annotated[Optional[Path], typer.Option(help="Narrow-task chat JSONL(.gz) instead of --task.")] = None,
    lora_rank: Annotated[int, typer.Option(min=1, help="LoRA rank.")] = 8,
    lora_alpha: Annotated[float, typer.Option(callback=_positive, help="LoRA alpha (scale = alpha / rank).")] = 16,
    target: Annotated[str, typer.Option(help="all-linear (every linear layer of the blocks) or down_proj (MLP down-projection).")] = "all-linear",
    layers: Annotated[list[int], typer.Option("--layers", min=0, help="Restrict LoRA to these blocks (--layers 10 11 12; default: all).")] = [],
    epochs: Annotated[int, typer.Option(min=1, help="Training epochs; an adapter is saved after each.")] = 1,
    lr: Annotated[float, typer.Option(callback=_positive, help="Learning rate: the peak of --lr-schedule.")] = 2e-4,
    lr_schedule: LrScheduleOpt = "constant",
    warmup_steps: WarmupOpt = 0,
    weight_decay: Annotated[float, typer.Option(callback=_non_negative, help="AdamW weight decay (decoupled: each step multiplies the LoRA weights by 1 − lr × this).")] = 0.0,
    batch_size: Annotated[int, typer.Option(min=1, help="Examples per step.")] = 4,
    checkpoint_every: Annotated[int, typer.Option(min=0, help="Write a resumable checkpoint (LoRA weights, AdamW state, position; safetensors and JSON) into OUTPUT/checkpoint/ every N optimizer steps and at the end of every epoch but the last (0: never). The finished run removes it.")] = 50,
    resume: Annotated[bool, typer.Option("--resume", help="Continue a killed run in --output from its checkpoint, with the same options (a change is refused, naming it); it ends with the same adapter as an uninterrupted run. An empty or new --output simply starts.")] = False,
    max_length: Annotated[int, typer.Option(min=16, help="Tokens per training example.")] = 256,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Use only the first N training examples.")] = None,
    held_out: Annotated[float, typer.Option(callback=_held_out, help="Fraction (or count if ≥ 1) of examples held out.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    mixed_precision: MixedPrecisionOpt = False,
    gradient_checkpointing: CheckpointingOpt = False,
    model: ModelOpt = None,
    dtype: DtypeOpt = "float32",
    device: DeviceOpt = "cpu",
) -> None:
    """LoRA-finetune the model on the same narrow data: the finetuning counterpart of steering.

    Example: emsteer finetune --task insecure_code --lora-rank 8 --epochs 2 -o runs/lora
    """
    from emsteer.data import narrow_examples
    from emsteer.finetune import adapted, check_output_dir, train_lora
    from emsteer.training import MemorySavers, assistant_nll

    train, held, _ = narrow_examples(task, data, held_out=held_out, seed=seed, limit=limit)
    check_output_dir(output, resume)  # before the model loads (minutes), not after
    lm = _load(model, dtype, device)
    from emsteer.models import example_prompts

    lm.check_prompts(example_prompts(train + held))
    result = train_lora(lm, train, output_dir=output, rank=lora_rank, alpha=lora_alpha, target=target,
                        layers=layers or None, epochs=epochs, lr=lr, lr_schedule=lr_schedule, warmup_steps=warmup_steps,
                        weight_decay=weight_decay, batch_size=batch_size, max_length=max_length, seed=seed,
                        checkpoint_every=checkpoint_every, resume=resume,
                        memory=MemorySavers(mixed_precision, gradient_checkpointing), log=lambda m: out.print(escape(m)))
    out.print(f"[green]Saved[/green] LoRA adapter to {escape(str(result.path))} ({result.trainable_parameters:,} trainable parameters)")
    if held:
        before = assistant_nll(lm, held, max_length=max_length).mean_nll_per_token
        with adapted(lm, result.path) as finetuned:
            after = assistant_nll(finetuned, held, max_length=max_length).mean_nll_per_token
        out.print(f"Held-out NLL per assistant token ({len(held)} examples): {before:.3f} base → {after:.3f} finetuned")
