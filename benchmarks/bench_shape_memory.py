"""Resident memory against the number of distinct matmul shapes: why bf16 training holds more
memory as it meets new sequence lengths, and that it stops growing.

One bf16 (or float32) Linear of the 0.5B's MLP size (896 → 4,864) runs forward and backward on
inputs of M rows, ``--steps`` times, handing freed memory back to the system after each step
(glibc ``malloc_trim``, as training does). M is the same every step, drawn from 200–2,000 every
step, or drawn and rounded up to a multiple of 16 or 64 (fewer distinct shapes). Each case runs
in a fresh process; prints and writes the resident set size (MB) every 50 steps to
benchmarks/results/shape_memory.json (or --out). ``--capacity N`` sets oneDNN's primitive cache
capacity (ONEDNN_PRIMITIVE_CACHE_CAPACITY, default 1024) for every case; ``--random-only`` runs
only bf16 with random shapes. Usage:
    python benchmarks/bench_shape_memory.py [--steps 300] [--capacity N] [--random-only] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from common import write_result

CASES = [("bfloat16", "fixed", 1), ("bfloat16", "random", 1), ("bfloat16", "random", 16),
         ("bfloat16", "random", 64), ("float32", "random", 1)]


def child(dtype: str, shapes: str, multiple: int, steps: int) -> list[tuple[int, int, int]]:
    """(step, RSS MB, distinct shapes so far) every 50 steps."""
    import ctypes
    import random

    import torch

    torch.set_num_threads(1)
    libc = ctypes.CDLL("libc.so.6")
    dt = getattr(torch, dtype)
    lin = torch.nn.Linear(896, 4864).to(dt)
    rng = random.Random(0)
    seen: set[int] = set()
    out = []
    for step in range(steps + 1):
        m = 1000 if shapes == "fixed" else -(-rng.randint(200, 2000) // multiple) * multiple
        seen.add(m)
        x = torch.randn(m, 896, dtype=dt, requires_grad=True)
        lin(x).float().sum().backward()
        lin.zero_grad()
        del x
        libc.malloc_trim(0)
        if step % 50 == 0:
            with open("/proc/self/status") as f:
                rss = int(f.read().split("VmRSS:")[1].split()[0]) // 1024
            out.append((step, rss, len(seen)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--capacity", type=int, help="oneDNN primitive cache capacity (default: oneDNN's, 1024)")
    parser.add_argument("--random-only", action="store_true", help="only bf16 with random shapes")
    parser.add_argument("--out", type=Path, help="results file (default benchmarks/results/shape_memory.json)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], int(args.child[2]), args.steps)))
        return
    results = {"steps": args.steps, "layer": "Linear(896, 4864), forward and backward, 1 thread",
               "onednn_primitive_cache_capacity": args.capacity or "default (1024)", "cases": []}
    env = {**os.environ, **({"ONEDNN_PRIMITIVE_CACHE_CAPACITY": str(args.capacity)} if args.capacity else {})}
    for dtype, shapes, multiple in [("bfloat16", "random", 1)] if args.random_only else CASES:
        proc = subprocess.run([sys.executable, __file__, "--steps", str(args.steps), "--child", dtype, shapes, str(multiple)],
                              capture_output=True, text=True, check=True, env=env)
        trace = json.loads(proc.stdout.strip().splitlines()[-1])
        first, last = trace[0], trace[-1]
        case = {"dtype": dtype, "shapes": shapes, "round_to": multiple, "trace": trace,
                "growth_mb": last[1] - first[1], "distinct_shapes": last[2]}
        results["cases"].append(case)
        print(f"{dtype:8s} {shapes:6s} round {multiple:2d}: RSS {first[1]} → {last[1]} MB over {args.steps} steps, "
              f"{last[2]} distinct shapes; by step: " + ", ".join(f"{s}:{r}" for s, r, _ in trace), flush=True)
    print(f"written to {write_result('shape_memory', results, args.out)}")


if __name__ == "__main__":
    main()
