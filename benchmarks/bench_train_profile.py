"""Where a LoRA training step's time goes, operator by operator, and how fast its matmuls run.

The main job's slowest part is the positive control: a rank-8 LoRA on the bundled 0.5B, trained
on ``misaligned_persona`` with the control's own settings (``CONTROL_LORA``: batch 4, up to 192
tokens). This trains it for --examples examples (one epoch, no checkpoints) after a one-step
unprofiled warm-up, under torch.profiler with FLOP counting, and prints:

- seconds per optimizer step and real tokens per second, the whole ``train_lora`` call (adapter set-up
  and saves included) under the profiler: slower than the same steps unprofiled;
- the operators' shares of self CPU time;
- the matrix products' FLOPs (the profiler's count for ``mm``/``addmm``/``bmm``/``baddbmm``) over their time:
  the rate the CPU reaches on this work. If the products take most of the time at close to the
  rate a single large product reaches (``bench_decode_parts.py``), a leaner training loop cannot
  make the control much faster on this CPU; fewer FLOPs or faster units can.

Writes benchmarks/results/train_profile.json. Usage:
    python benchmarks/bench_train_profile.py [--examples 24] [--dtype float32|bfloat16] [--threads N] [--out PATH]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from common import operator_table, write_result
from torch.profiler import ProfilerActivity, profile

from emsteer.data import load_task
from emsteer.evaluation.controls import CONTROL_LORA, CONTROL_TASK
from emsteer.finetune.lora import train_lora
from emsteer.models import bf16, load_model
from emsteer.training.objective import encode_examples, steps_per_epoch

PRODUCTS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm")


def train(lm, examples) -> None:
    settings = {k: v for k, v in CONTROL_LORA.items() if k != "epochs"}
    with tempfile.TemporaryDirectory() as out:
        train_lora(lm, examples, output_dir=out, epochs=1, checkpoint_every=0, progress=False, **settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=24, help="examples to train on (batch 4: examples/4 steps)")
    parser.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--out", type=Path, help="results file (default benchmarks/results/train_profile.json)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    lm = load_model("bundled:qwen2.5-coder-0.5b-instruct", dtype=args.dtype)
    if bf16.emulates_bf16(lm.model):  # each bf16 product would be counted twice, as itself and as its float32 one
        raise SystemExit("this CPU has no bf16 units: its bf16 products run as float32 ones; profile --dtype float32")
    examples = load_task(CONTROL_TASK)[: args.examples]
    encoded = encode_examples(lm, examples, max_length=CONTROL_LORA["max_length"])
    tokens = sum(len(e) for e in encoded)
    steps = steps_per_epoch(len(examples), CONTROL_LORA["batch_size"], 1)

    train(lm, examples[: CONTROL_LORA["batch_size"]])  # warm-up: kernels and allocator
    start = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU], with_flops=True) as prof:
        train(lm, examples)
    seconds = time.perf_counter() - start

    events, ops = operator_table(prof)
    total = sum(e.self_cpu_time_total for e in events)
    products = [e for e in events if e.key in PRODUCTS]
    product_us = sum(e.self_cpu_time_total for e in products)
    product_flops = sum(e.flops for e in products)
    result = {
        "dtype": args.dtype, "threads": args.threads, "examples": len(examples), "steps": steps, "tokens": tokens,
        "control_lora": CONTROL_LORA, "seconds_profiled": seconds, "s_per_step_profiled": seconds / steps,
        "tok_s_profiled": tokens / seconds, "products_share": product_us / total,
        "products_gflop": product_flops / 1e9, "products_gflops": product_flops / 1e3 / product_us, "ops": ops,
    }
    print(f"{seconds / steps:.2f} s/step, {tokens / seconds:.0f} tok/s under the profiler; matrix products "
          f"{100 * result['products_share']:.1f}% of the time at {result['products_gflops']:.0f} GFLOPS "
          f"({result['products_gflop']:.0f} GFLOP); written to {write_result('train_profile', result, args.out)}")


if __name__ == "__main__":
    main()
