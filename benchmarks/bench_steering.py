"""Steering overhead and batching, measured side by side on the bundled model.

1. steered vs unsteered generation throughput at batch 1, 8 and 16 (target overhead ≤ 2%);
2. one batch mixing 4 magnitudes vs 4 separate runs (target ≥ 1.5× faster);
3. emsteer vs the steering-vectors package applying the same vector to the same model and batch
   with transformers' generate (target ≥ 1.0×), plus a check that both produce the same tokens.

Runs are interleaved and repeated so background load hits both sides alike. Fixed-length
generation (EOS ignored) keeps the token counts equal. Usage:
    python benchmarks/bench_steering.py [--tokens 32] [--repeats 2] [--quick]
"""

from __future__ import annotations

import argparse
import statistics

import torch
from common import QUESTIONS, timed, write_result
from rich.console import Console
from rich.table import Table

from emsteer.generation import GenerationRequest, SamplingConfig, generate
from emsteer.models import load_model
from emsteer.steering import Magnitude, SteeringVector, with_reference_norms

LAYER = 12


def tok_per_s(completions, seconds):
    return sum(len(c.token_ids) for c in completions) / seconds


def run(lm, vector, prompts, magnitudes, tokens, batch_size, temperature=1.0):
    reqs = [GenerationRequest(p, seed=i, magnitudes=(m,)) for i, (p, m) in enumerate(zip(prompts, magnitudes))]
    cfg = SamplingConfig(max_new_tokens=tokens, batch_size=batch_size, ignore_eos=True, temperature=temperature)
    return timed(generate, lm, reqs, cfg, steering=[vector], progress=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="batch sizes 1 and 8 only, 1 repeat")
    args = parser.parse_args()
    console = Console()
    torch.manual_seed(0)
    lm = load_model(log=lambda m: None)
    vector = with_reference_norms(SteeringVector({LAYER: torch.randn(lm.hidden_size)}, metadata={"method": "random"}), lm)
    rho = Magnitude.relative(0.2)
    repeats = 1 if args.quick else args.repeats
    results: dict = {"tokens": args.tokens, "layer": LAYER, "repeats": repeats}

    # 1. overhead of the hook
    overhead = []
    for batch in (1, 8) if args.quick else (1, 8, 16):
        prompts = (QUESTIONS * 2)[:batch]
        run(lm, vector, prompts[:1], [None], 2, 1)  # warm-up
        plain, steered = [], []
        for _ in range(repeats):
            c, t = run(lm, vector, prompts, [None] * batch, args.tokens, batch)
            plain.append(tok_per_s(c, t))
            c, t = run(lm, vector, prompts, [rho] * batch, args.tokens, batch)
            steered.append(tok_per_s(c, t))
        p, s = statistics.median(plain), statistics.median(steered)
        overhead.append({"batch": batch, "unsteered_tok_s": p, "steered_tok_s": s, "overhead_pct": 100 * (p / s - 1)})
    results["overhead"] = overhead

    # 2. one mixed-magnitude batch vs one run per magnitude
    mags = [Magnitude.relative(r) for r in (0.05, 0.1, 0.2, 0.4)]
    prompts = QUESTIONS[:2]
    mixed_t, separate_t = [], []
    for _ in range(repeats):
        _, t = run(lm, vector, [p for m in mags for p in prompts], [m for m in mags for _ in prompts], args.tokens, 8)
        mixed_t.append(t)
        total = 0.0
        for m in mags:
            _, t = run(lm, vector, prompts, [m] * len(prompts), args.tokens, 8)
            total += t
        separate_t.append(total)
    results["mixed_magnitudes"] = {
        "magnitudes": [m.value for m in mags],
        "prompts": len(prompts),
        "one_batch_s": statistics.median(mixed_t),
        "separate_runs_s": statistics.median(separate_t),
        "speedup": statistics.median(separate_t) / statistics.median(mixed_t),
    }

    # 3. emsteer vs steering-vectors (+ transformers generate), same vector, batch, greedy decoding
    try:
        import steering_vectors
    except ImportError:
        results["peer"] = {"skipped": "pip install --no-deps steering-vectors==0.12.2"}
    else:
        batch = 8
        prompts = QUESTIONS[:batch]
        m = 1.0
        peer_vector = steering_vectors.SteeringVector({LAYER: vector.vector.clone()}, "decoder_block")
        from emsteer.generation import render_chat

        tok = lm.tokenizer
        enc = tok([render_chat(tok, p) for p in prompts], return_tensors="pt", padding=True, padding_side="left",
                  add_special_tokens=False)

        def peer():
            with peer_vector.apply(lm.model, multiplier=m):
                return lm.model.generate(**enc, max_new_tokens=args.tokens, min_new_tokens=args.tokens,
                                         do_sample=False, pad_token_id=tok.pad_token_id)

        ours_t, peer_t = [], []
        for _ in range(repeats):
            ours, t = run(lm, vector, prompts, [Magnitude.multiplier(m)] * batch, args.tokens, batch, temperature=0)
            ours_t.append(t)
            theirs, t = timed(peer)
            peer_t.append(t)
        width = enc["input_ids"].shape[1]
        same = sum(list(o.token_ids) == theirs[i, width:].tolist() for i, o in enumerate(ours))
        results["peer"] = {
            "package": f"steering-vectors {steering_vectors.__version__ if hasattr(steering_vectors, '__version__') else '0.12.2'}",
            "batch": batch,
            "emsteer_s": statistics.median(ours_t),
            "steering_vectors_s": statistics.median(peer_t),
            "speedup": statistics.median(peer_t) / statistics.median(ours_t),
            "identical_greedy_outputs": f"{same}/{batch}",
        }

    path = write_result("steering", results)
    table = Table(title=f"Steering benchmark (bundled 0.5B, layer {LAYER}, {args.tokens} new tokens)")
    table.add_column("measurement")
    table.add_column("result", justify="right")
    for o in overhead:
        table.add_row(f"batch {o['batch']}: unsteered / steered tok/s",
                      f"{o['unsteered_tok_s']:.1f} / {o['steered_tok_s']:.1f}  (overhead {o['overhead_pct']:+.1f}%)")
    mm = results["mixed_magnitudes"]
    table.add_row("4 magnitudes: one batch vs 4 runs", f"{mm['one_batch_s']:.1f}s vs {mm['separate_runs_s']:.1f}s  ({mm['speedup']:.2f}×)")
    peer_r = results["peer"]
    if "speedup" in peer_r:
        table.add_row(f"emsteer vs steering-vectors (batch {peer_r['batch']}, greedy)",
                      f"{peer_r['emsteer_s']:.1f}s vs {peer_r['steering_vectors_s']:.1f}s  ({peer_r['speedup']:.2f}×), "
                      f"same tokens {peer_r['identical_greedy_outputs']}")
    console.print(table)
    console.print(f"written to {path}")


if __name__ == "__main__":
    main()
