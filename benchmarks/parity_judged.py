"""Same science in bfloat16? EM rate, mean aligned and coherent, held-out NLL: bf16 vs float32 (measured).

The bundled 0.5B answers Betley et al.'s 48 pre-registered questions at temperature 1, once per
dtype, with the same per-answer seeds: unsteered and steered by a mean-diff vector of a built-in
narrow task at ρ (default 0.2, the main job's middle magnitude). The default learned judge scores
every answer. bf16 rounding changes which answer a seed gives, so answers are not compared token
for token; the distributions are, paired by (question, sample) so each seed's two draws face
each other, with questions as the unit of inference:
- EM rate difference bf16 − fp32 with emsteer's sign-flip ∪ Newcombe interval;
- mean aligned / coherent difference with a t interval over question means;
- held-out NLL per assistant token on examples of another task, unsteered and steered.
Stores go to --out (resumable: rerun the same command to continue). Writes
benchmarks/results/parity_judged.json. Usage (about an hour on 2 quiet cores):
    python benchmarks/parity_judged.py [--samples 5] [--tokens 64] [--rho 0.2] [--out /tmp/parity]
"""

from __future__ import annotations

import argparse
import math
import statistics
from pathlib import Path

import numpy as np
import torch
from common import write_result
from scipy import stats

import emsteer as em
from emsteer.data.tasks import TASKS, load_task
from emsteer.judging import open_judge
from emsteer.results.inference import clustered_difference
from emsteer.steering import Magnitude, Steering
from emsteer.steering.artifacts import save_artifact
from emsteer.training.objective import assistant_nll

LAYER = 12
KEY = ["question_id", "paraphrase_index", "sample_index"]


def mean_difference(a: dict[str, list[float]], b: dict[str, list[float]]) -> dict:
    """Mean of b − a over questions (each question's mean difference once), with a 95% t interval."""
    d = [statistics.mean(b[q]) - statistics.mean(a[q]) for q in a if a[q] and b.get(q)]
    m, se = float(np.mean(d)), float(np.std(d, ddof=1) / math.sqrt(len(d)))
    t = float(stats.t.ppf(0.975, len(d) - 1))
    return {"fp32": statistics.mean(x for q in a for x in a[q]), "bf16": statistics.mean(x for q in b for x in b[q]),
            "diff": m, "lo": m - t * se, "hi": m + t * se, "questions": len(d)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=5, help="samples per question and condition")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--rho", type=float, default=0.2)
    parser.add_argument("--task", default="everyday_advice", help="the vector's narrow task (built-in, paired)")
    parser.add_argument("--pairs", type=int, default=64, help="narrow/safe pairs the mean-diff vector is built from")
    parser.add_argument("--nll-task", default="insecure_code", help="held-out NLL on this task's examples")
    parser.add_argument("--nll-examples", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--out", type=Path, default=Path("/tmp/parity-judged"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    lms = {d: em.load_model(dtype=d) for d in ("float32", "bfloat16")}
    saved = args.out / "vector.safetensors"  # built once: a rerun resumes with the same vector
    if saved.is_file():
        vector = em.load_vector(saved, lm=lms["float32"])
    else:
        narrow = load_task(args.task, limit=args.pairs)  # its safe twins are matched by prompt
        vector = em.build_vector(lms["float32"], narrow, safe=TASKS[args.task].pair, method="mean-diff", layer=LAYER)
        save_artifact(vector, saved)
    judge = open_judge("learned")
    tables = {}
    for d, lm in lms.items():
        results = em.evaluate(lm, vector, relative=[args.rho], questions="betley-preregistered", judge=judge,
                              samples=args.samples, max_new_tokens=args.tokens, seed=0, batch_size=args.batch_size,
                              metrics=["aligned", "coherent"],
                              store=args.out / f"{d}.sqlite", progress=True)
        tables[d] = results.answers()
        results.store.close()
    examples = load_task(args.nll_task, limit=args.nll_examples)
    payload: dict = {"model": lms["float32"].name, "layer": LAYER, "rho": args.rho, "vector_task": args.task,
                     "method": "mean-diff", "questions": "betley-preregistered", "samples": args.samples,
                     "tokens": args.tokens, "temperature": 1.0, "judge": judge.identity, "conditions": {}}
    for kind in ("baseline", "steering"):
        pick = {d: t[t["kind"] == kind].set_index(KEY) for d, t in tables.items()}
        a, b = pick["float32"], pick["bfloat16"].reindex(pick["float32"].index)
        both = a["em"].notna() & b["em"].notna()
        pairs: dict[str, list[tuple[bool, bool]]] = {}
        for (q, *_), x, y in zip(a.index[both], a["em"][both], b["em"][both]):
            pairs.setdefault(q, []).append((bool(x), bool(y)))
        diff = clustered_difference(pairs)
        scores = {}
        for metric in ("aligned", "coherent"):
            per = {name: {q: list(g[metric].dropna()) for q, g in frame.groupby(level=0)} for name, frame in (("a", a), ("b", b))}
            scores[metric] = mean_difference(per["a"], per["b"])
        mags = [Steering(vector, Magnitude.relative(args.rho))] if kind == "steering" else []
        nll = {d: assistant_nll(lm, examples, steerings=mags).mean_nll_per_token for d, lm in lms.items()}
        payload["conditions"][kind] = {
            "answers_per_dtype": int(len(a)), "paired_scored": int(both.sum()),
            "em_rate_fp32": float(a["em"][both].mean()), "em_rate_bf16": float(b["em"][both].mean()),
            "em_diff": diff.diff if diff else None, "em_diff_interval": [diff.lo, diff.hi] if diff else None,
            "em_diff_p": diff.p_two_sided if diff else None,
            **{f"{m}_{k}": v for m, s in scores.items() for k, v in s.items() if k != "questions"},
            "questions": scores["aligned"]["questions"],
            "heldout_nll_fp32": nll["float32"], "heldout_nll_bf16": nll["bfloat16"],
            "heldout_nll_relative_difference": nll["bfloat16"] / nll["float32"] - 1,
        }
    print(write_result("parity_judged", payload))
    for kind, c in payload["conditions"].items():
        print(f"{kind}: EM fp32 {c['em_rate_fp32']:.3f} bf16 {c['em_rate_bf16']:.3f} diff {c['em_diff']:+.3f} "
              f"[{c['em_diff_interval'][0]:+.3f}, {c['em_diff_interval'][1]:+.3f}]; aligned diff {c['aligned_diff']:+.1f} "
              f"[{c['aligned_lo']:+.1f}, {c['aligned_hi']:+.1f}]; coherent diff {c['coherent_diff']:+.1f} "
              f"[{c['coherent_lo']:+.1f}, {c['coherent_hi']:+.1f}]; NLL {c['heldout_nll_relative_difference']:+.2%}")


if __name__ == "__main__":
    main()
