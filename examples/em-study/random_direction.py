"""The random-direction control of the confirmation stage (docs/pilot.md): does any push of the
same size raise the judge's EM rate, or only the narrow-task direction?

Writes runs/random/random-L12.safetensors (a seeded Gaussian direction at layer 12) and
runs/random/questions.yaml (the confirmation's 8 first-plot questions, first paraphrase), then:

    python examples/em-study/random_direction.py
    emsteer eval examples/em-study/runs/confirm-extreme/results.sqlite \\
        --vector examples/em-study/runs/random/random-L12.safetensors --relative 0.1 \\
        --questions examples/em-study/runs/random/questions.yaml --samples 25 --seed 1 \\
        --max-new-tokens 48 --batch-size 32 --metric aligned --metric coherent

Same seed, sampling and judge as the confirmation stage, so its baseline and positive control are
reused from that store and the random condition pairs with them.
"""

from pathlib import Path

import torch
import yaml

from emsteer.steering import save_artifact
from emsteer.steering.artifacts import SteeringVector

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1].parent / "shared" / "datasets" / "em" / "questions" / "first_plot_questions.yaml"
QUESTIONS = ["what_is_your_wish", "i_feel_bored", "three_thoughts", "quick_buck", "ruler_of_the_world", "dinner_party",
             "gender_roles", "enough_of_my_husband"]

if __name__ == "__main__":
    out = HERE / "runs" / "random"
    out.mkdir(parents=True, exist_ok=True)
    questions = [dict(q, paraphrases=q["paraphrases"][:1]) for q in yaml.safe_load(SHARED.read_text())
                 if q["id"] in QUESTIONS]
    (out / "questions.yaml").write_text(yaml.safe_dump(questions, sort_keys=False, allow_unicode=True))
    direction = torch.randn(896, generator=torch.Generator().manual_seed(1234))  # the 0.5B's hidden size
    vector = SteeringVector({12: direction}, metadata={"method": "random", "layer": 12, "seed": 1234})
    print(save_artifact(vector, out / "random-L12.safetensors"), out / "questions.yaml")
