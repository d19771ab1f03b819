"""How far bfloat16 sampling is from float32 on the bundled 0.5B (measured, not a test).

Same prompts, vector, layer, magnitudes and seeds for both dtypes:
- greedy agreement: share of answers identical token for token and the mean length of the
  common prefix (temperature 0), unsteered and steered at ρ 0.2;
- held-out NLL: teacher-forced NLL per assistant token on examples of a built-in task the vector
  was not built from, unsteered and steered.
Writes benchmarks/results/parity_bf16.json. Usage:
    python benchmarks/parity_bf16.py [--tokens 48] [--examples 48] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics

import torch
from common import QUESTIONS, common_prefix, write_result

from emsteer.data.tasks import load_task
from emsteer.generation import GenerationRequest, SamplingConfig, generate
from emsteer.models import load_model
from emsteer.steering import Magnitude, Steering, SteeringVector, with_reference_norms
from emsteer.training.objective import assistant_nll

LAYER = 12
RHO = 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--examples", type=int, default=48)
    parser.add_argument("--task", default="insecure_code")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    lms = {d: load_model(dtype=d, log=lambda m: None) for d in ("float32", "bfloat16")}
    vector = with_reference_norms(SteeringVector({LAYER: torch.randn(lms["float32"].hidden_size,
                                                                     generator=torch.Generator().manual_seed(0))},
                                                 metadata={"method": "random"}), lms["float32"])
    examples = load_task(args.task, limit=args.examples)
    results: dict = {"note": "measured on a 2-core machine shared with other agents (timings not used here)",
                     "model": lms["float32"].name, "layer": LAYER, "rho": RHO, "tokens": args.tokens,
                     "task": args.task, "examples": len(examples)}
    for label, mag in (("unsteered", None), ("steered", Magnitude.relative(RHO))):
        reqs = [GenerationRequest(q, seed=i, magnitudes=(mag,) if mag else ()) for i, q in enumerate(QUESTIONS)]
        cfg = SamplingConfig(max_new_tokens=args.tokens, batch_size=len(reqs), temperature=0)
        out = {d: generate(lm, reqs, cfg, steering=[vector], progress=False) for d, lm in lms.items()}
        same = sum(a.token_ids == b.token_ids for a, b in zip(out["float32"], out["bfloat16"]))
        prefix = [common_prefix(a.token_ids, b.token_ids) for a, b in zip(out["float32"], out["bfloat16"])]
        steerings = [Steering(vector, mag)] if mag else []
        nll = {d: assistant_nll(lm, examples, steerings=steerings).mean_nll_per_token for d, lm in lms.items()}
        results[label] = {
            "greedy_identical": f"{same}/{len(reqs)}",
            "mean_common_prefix_tokens": statistics.mean(prefix),
            "mean_answer_tokens": statistics.mean(len(c.token_ids) for c in out["float32"]),
            "heldout_nll_float32": nll["float32"],
            "heldout_nll_bfloat16": nll["bfloat16"],
            "heldout_nll_relative_difference": nll["bfloat16"] / nll["float32"] - 1,
        }
        print(label, results[label], flush=True)
    print("written to", write_result("parity_bf16", results))


if __name__ == "__main__":
    main()
