"""Where a bf16 decode step's time goes, part by part, on the shapes of the bundled 0.5B.

1. The sampler: the two-level inverse CDF (generation/transformers.py, ``_inverse_cdf``) against
   the full-vocabulary softmax + cumsum it replaced, on (rows, 151,936) bf16 logits.
2. One MLP projection (896 → 4,864) at 1, 16, 64 and 256 rows, in float32, bf16 and with torch's CPU 8-bit
   and 4-bit weight-only kernels (``_weight_int8pack_mm``, ``_weight_int4pack_mm_for_cpu``, group
   32). Each timing cycles through 24 different weight matrices, as a forward pass does, so the
   weights come from memory rather than cache: this is what tells whether more rows per step are
   nearly free (the step is bound by reading weights) and whether fewer weight bytes would help.

Writes benchmarks/results/decode_parts.json. Usage: python benchmarks/bench_decode_parts.py [--threads N] [--out PATH]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from common import full_cdf, write_result

from emsteer.generation.transformers import _inverse_cdf

VOCAB, HIDDEN, FFN, LAYERS = 151_936, 896, 4_864, 24


def per_call(fn, calls: int, repeats: int = 5) -> float:
    """Best of ``repeats`` averages, in milliseconds per call."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--out", type=Path, help="results file (default benchmarks/results/decode_parts.json)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    results: dict = {"threads": args.threads, "sampler_ms": [], "projection_ms": []}
    for rows in (64, 256):
        logits = (torch.randn(rows, VOCAB, generator=gen) * 3).bfloat16()
        u = torch.rand(rows, generator=gen)
        full = per_call(lambda: full_cdf(logits, u, 1.0), 1)
        two = per_call(lambda: _inverse_cdf(logits, u, 1.0), 1)
        results["sampler_ms"].append({"rows": rows, "full_cdf": full, "two_level": two, "speedup": full / two})
        print(f"sampler, {rows} rows: full CDF {full:.1f} ms, two-level {two:.1f} ms ({full / two:.2f}x)")
    weights = [torch.randn(FFN, HIDDEN, generator=gen) for _ in range(LAYERS)]
    bf16 = [w.bfloat16() for w in weights]
    scale = [w.abs().amax(dim=1) / 127 for w in weights]
    int8 = [(w / s[:, None]).round().to(torch.int8) for w, s in zip(weights, scale)]
    scale = [s.bfloat16() for s in scale]
    int4 = [torch.ops.aten._convert_weight_to_int4pack_for_cpu(torch.randint(0, 16, (FFN, HIDDEN), dtype=torch.int32,
                                                                             generator=gen), 8) for _ in weights]
    zeros = torch.randn(HIDDEN // 32, FFN, 2, generator=gen).bfloat16()
    for rows in (1, 16, 64, 256):
        x = torch.randn(rows, HIDDEN, generator=gen).bfloat16()
        x32 = x.float()
        row = {"rows": rows,
               "float32": per_call(lambda: [torch.nn.functional.linear(x32, w) for w in weights], LAYERS),
               "bf16": per_call(lambda: [torch.nn.functional.linear(x, w) for w in bf16], LAYERS),
               "int8": per_call(lambda: [torch.ops.aten._weight_int8pack_mm(x, q, s) for q, s in zip(int8, scale)], LAYERS),
               "int4": per_call(lambda: [torch.ops.aten._weight_int4pack_mm_for_cpu(x, q, 32, zeros) for q in int4], LAYERS)}
        results["projection_ms"].append(row)
        print(f"projection {HIDDEN}->{FFN}, {rows} rows: float32 {row['float32']:.2f} ms, bf16 {row['bf16']:.2f} ms, int8 {row['int8']:.2f} ms, "
              f"int4 {row['int4']:.2f} ms")
    print(f"written to {write_result('decode_parts', results, args.out)}")


if __name__ == "__main__":
    main()
