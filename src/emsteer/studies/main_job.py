"""`emsteer run`: the main job on embedded defaults, sized to finish within 20 minutes on 2 CPU cores.

The bundled Qwen2.5-Coder-0.5B-Instruct; a narrow task of the project's own; the project's own
everyday questions; the default learned judge (aligned and coherent; relevance from embeddings).
Conditions: the baseline, the positive control (the model LoRA-finetuned on openly malicious
answers, so a null result can be told from a blind judge), an optimized steering vector at several
relative magnitudes ρ (α = ρ · mean residual norm at the layer, comparable across models), and the
LoRA counterpart trained on the same examples. Every knob can be scaled up from the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from emsteer.studies.config import StudyConfig


class Defaults(TypedDict):  # one type per knob, for the parameters below and `emsteer run`'s options
    task: str
    layer: int
    relative: list[float]
    examples: int
    held_out: int
    epochs: int
    samples: int
    paraphrases: int
    max_new_tokens: int


MAIN_JOB_DEFAULTS: Defaults = {
    "task": "everyday_advice",
    "layer": 12,
    "relative": [0.1, 0.2, 0.3],
    "examples": 32,
    "held_out": 8,
    "epochs": 2,
    "samples": 1,
    "paraphrases": 1,
    "max_new_tokens": 64,
}


def main_job_config(
    output: Path,
    *,
    model: str = "bundled:qwen2.5-coder-0.5b-instruct",
    task: str = MAIN_JOB_DEFAULTS["task"],
    judge: str = "learned",
    questions: Path | None = None,
    samples: int = MAIN_JOB_DEFAULTS["samples"],
    paraphrases: int | None = MAIN_JOB_DEFAULTS["paraphrases"],
    max_new_tokens: int = MAIN_JOB_DEFAULTS["max_new_tokens"],
    examples: int = MAIN_JOB_DEFAULTS["examples"],
    epochs: int = MAIN_JOB_DEFAULTS["epochs"],
    layer: int = MAIN_JOB_DEFAULTS["layer"],
    relative: list[float] | None = None,
    control: str = "finetuned",
    embedding: bool = True,
    random_directions: int = 0,
    device: str = "cpu",
    dtype: str = "auto",
) -> StudyConfig:
    data = {
        "name": "main",
        "output": str(output),
        "models": [model],
        "tasks": [task],
        "methods": ["none", "optimized", "lora"],
        "layers": [layer],
        "magnitudes": {"relative": relative or MAIN_JOB_DEFAULTS["relative"]},
        "epochs": [epochs],
        "train": {"examples": examples, "held_out": MAIN_JOB_DEFAULTS["held_out"], "batch_size": 4, "max_length": 256},
        "lora": {"rank": 8, "alpha": 16, "batch_size": 4},
        "eval": {"questions": str(questions) if questions else None, "paraphrases": paraphrases, "samples": samples,
                 "max_new_tokens": max_new_tokens, "batch_size": 64,
                 # the learned judge scores these; a prompted relevance judgment would cost 2 s an answer
                 "metrics": ["aligned", "coherent"]},
        "judge": judge,
        "control": control,
        "embedding": embedding,
        "random_directions": random_directions,
        "device": device,
        "dtype": dtype,
        "efficacy": {"heldout_nll": True, "generate": 0},
    }
    from emsteer.studies.config import parse_study  # lazy: `emsteer --help` reads MAIN_JOB_DEFAULTS only

    return parse_study(data, source="emsteer run")
