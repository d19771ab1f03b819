"""`emsteer run`: the main job on embedded defaults, sized to finish within 20 minutes on 2 CPU cores (17.5 measured).

The bundled Qwen2.5-Coder-0.5B-Instruct; the project's own narrow task (insecure code); the
project's own everyday questions; the default local judge. Conditions: the baseline, an
optimized steering vector at several multipliers (m = 1 is the vector as trained), and the
LoRA counterpart trained on the same examples. Every knob can be scaled up from the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emsteer.studies.config import StudyConfig

DEFAULTS = {
    "layer": 12,
    "multipliers": [1.0, 2.0, 4.0],
    "examples": 32,
    "held_out": 8,
    "epochs": 2,
    "samples": 1,
    "paraphrases": 1,
    "max_new_tokens": 64,
    "efficacy_prompts": 4,
}


def main_job_config(
    output: Path,
    *,
    model: str = "bundled:qwen2.5-coder-0.5b-instruct",
    judge: str = "learned",
    questions: Path | None = None,
    samples: int = DEFAULTS["samples"],
    paraphrases: int | None = DEFAULTS["paraphrases"],
    max_new_tokens: int = DEFAULTS["max_new_tokens"],
    examples: int = DEFAULTS["examples"],
    epochs: int = DEFAULTS["epochs"],
    layer: int = DEFAULTS["layer"],
    multipliers: list[float] | None = None,
    efficacy_prompts: int = DEFAULTS["efficacy_prompts"],
    embedding: bool = True,
) -> StudyConfig:
    data = {
        "name": "main",
        "output": str(output),
        "models": [model],
        "tasks": ["insecure_code"],
        "methods": ["none", "optimized", "lora"],
        "layers": [layer],
        "magnitudes": {"multiplier": multipliers or DEFAULTS["multipliers"]},
        "epochs": [epochs],
        "train": {"examples": examples, "held_out": DEFAULTS["held_out"], "batch_size": 4, "max_length": 256},
        "lora": {"rank": 8, "alpha": 16, "batch_size": 4},
        "eval": {"questions": str(questions) if questions else None, "paraphrases": paraphrases, "samples": samples,
                 "max_new_tokens": max_new_tokens, "batch_size": 16},
        "judge": judge,
        "embedding": embedding,
        "efficacy": {"generate": efficacy_prompts},
    }
    from emsteer.studies.config import parse_study  # lazy: `emsteer --help` reads DEFAULTS only

    return parse_study(data, source="emsteer run")
