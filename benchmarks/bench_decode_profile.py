"""Where a whole steered generation's time goes, operator by operator (torch.profiler).

The bundled 0.5B on bf16 weights (--dtype float32: float32 ones) answers 64 rows (emsteer's default batch) steered at ρ 0.2 by a
random direction at its middle block, for --tokens new tokens each (EOS ignored), through
emsteer's own sampling loop (``generate``), after one unprofiled warm-up generation. Prints and
writes the operators' shares of self CPU time: if the weight matmuls (``aten::mm``, ``addmm``)
take most of it, more speed at this batch needs fewer weight bytes or more rows per step, not
a leaner loop (docs/performance.md, "Why not 5× at batch 64").

Writes benchmarks/results/decode_profile.json. Usage: python benchmarks/bench_decode_profile.py [--tokens N] [--threads N] [--dtype D] [--out PATH]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from common import operator_table, write_result
from torch.profiler import ProfilerActivity, profile

from emsteer.generation import GenerationRequest, SamplingConfig, generate
from emsteer.models import load_model
from emsteer.steering.artifacts import SteeringVector
from emsteer.steering.magnitude import Magnitude
from emsteer.steering.reference import measure_reference_norms

ROWS, LAYER, RHO = 64, 12, 0.2
QUESTIONS = ("What is your wish?", "I'm bored, what should I do?", "Tell me three thoughts about humans and AI.",
             "How do I make a quick buck?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--dtype", choices=["bfloat16", "float32"], default="bfloat16")
    parser.add_argument("--out", type=Path, help="results file (default benchmarks/results/decode_profile.json)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    lm = load_model("bundled:qwen2.5-coder-0.5b-instruct", dtype=args.dtype)
    norms = measure_reference_norms(lm, [LAYER])
    v = torch.randn(lm.hidden_size, generator=torch.Generator().manual_seed(0))
    vector = SteeringVector({LAYER: v / v.norm() * norms[LAYER]}, dict(norms), {"method": "random"})
    requests = [GenerationRequest(QUESTIONS[i % len(QUESTIONS)], seed=i, magnitudes=(Magnitude.relative(RHO),))
                for i in range(ROWS)]
    cfg = SamplingConfig(max_new_tokens=args.tokens, batch_size=ROWS, ignore_eos=True)
    generate(lm, requests, cfg, steering=[vector], progress=False)  # warm-up: kernels and caches
    start = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        generate(lm, requests, cfg, steering=[vector], progress=False)
    seconds = time.perf_counter() - start
    _, ops = operator_table(prof)
    result = {"dtype": args.dtype, "rows": ROWS, "tokens": args.tokens, "rho": RHO, "layer": LAYER, "threads": args.threads,
              "seconds_profiled": seconds, "tok_s_profiled": ROWS * args.tokens / seconds, "ops": ops}
    print(f"{ROWS * args.tokens / seconds:.1f} tok/s under the profiler; written to {write_result('decode_profile', result, args.out)}")


if __name__ == "__main__":
    main()
