"""Benchmark: optimized steering-vector training throughput, batched vs one example at a time.

Runs on the bundled model (Qwen2.5-Coder-0.5B-Instruct) and the built-in ``insecure_code``
task, at one layer, on the same fixed subset of examples, side by side in one process:

- ``naive loop``: the textbook implementation: one example per step, a forward hook adding v,
  ``model(input_ids, labels=...)`` (logits and loss at every position), Adam step per example;
- ``train_vector b=1``: emsteer's trainer, one example per step;
- ``train_vector b=4`` / ``b=8``: emsteer's trainer with batches (right padding, masked loss,
  length bucketing, logits only at assistant positions).

Throughput counts real tokens (prompt + assistant, no padding) per second of wall time of the
whole call (encoding and the r_ℓ measurement included for train_vector). The time per epoch of
the full task is extrapolated from the batched throughput unless ``--full-epoch`` is given.

    python benchmarks/bench_build.py [--examples 24] [--layer 12] [--max-length 256] [--full-epoch]

Prints a table and writes benchmarks/results/build.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from emsteer.data import load_task
from emsteer.data.encode import IGNORE_INDEX
from emsteer.models import load_model
from emsteer.objective import encode_examples
from emsteer.steering.methods.optimized import DEFAULT_INIT_NORM, DEFAULT_LR, random_init, train_vector

RESULTS = Path(__file__).parent / "results" / "build.json"


def naive_loop(lm, encoded, *, layer: int, lr: float, seed: int) -> list[float]:
    """One example per optimizer step, full logits, the model's own loss: the baseline to beat."""
    v = torch.nn.Parameter(random_init(lm.hidden_size, DEFAULT_INIT_NORM, seed))
    opt = torch.optim.Adam([v], lr=lr)

    def add_v(module, args, output):
        return (output[0] + v, *output[1:]) if isinstance(output, tuple) else output + v

    handle = lm.layers[layer].register_forward_hook(add_v)
    losses = []
    try:
        for ex in encoded:
            ids = torch.tensor([ex.input_ids])
            labels = torch.where(torch.tensor([ex.assistant_mask]), ids, torch.full_like(ids, IGNORE_INDEX))
            out = lm.model(input_ids=ids, labels=labels, use_cache=False)
            opt.zero_grad()
            out.loss.backward()
            opt.step()
            losses.append(float(out.loss))
    finally:
        handle.remove()
    return losses


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=24, help="size of the fixed subset (first N of the task)")
    parser.add_argument("--layer", type=int, default=12)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--batch-sizes", default="4,8")
    parser.add_argument("--full-epoch", action="store_true", help="also time one real epoch over the whole task")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    load_before = os.getloadavg()
    lm = load_model(log=lambda *a: None)
    task = load_task("insecure_code")
    subset = task[: args.examples]
    encoded = encode_examples(lm, subset, max_length=args.max_length)
    tokens = sum(len(e) for e in encoded)
    assistant = sum(e.num_assistant_tokens for e in encoded)
    with torch.no_grad():  # warm-up: first-call allocations should not count against the first mode
        lm.model(input_ids=torch.tensor([encoded[0].input_ids]), use_cache=False, logits_to_keep=1)

    rows = []

    def record(name: str, seconds: float, steps: int, final_loss: float) -> None:
        rows.append({"mode": name, "seconds": seconds, "steps": steps, "tokens": tokens,
                     "assistant_tokens": assistant, "tokens_per_s": tokens / seconds, "last_loss": final_loss})
        print(f"  {name:<20} {seconds:7.1f} s  {tokens / seconds:7.1f} tok/s", flush=True)

    print(f"{len(subset)} examples, {tokens} tokens ({assistant} assistant), layer {args.layer}, "
          f"max_length {args.max_length}, torch threads {torch.get_num_threads()}", flush=True)
    losses, s = timed(lambda: naive_loop(lm, encoded, layer=args.layer, lr=DEFAULT_LR, seed=0))
    record("naive loop (b=1)", s, len(losses), losses[-1])
    for b in [1, *[int(x) for x in args.batch_sizes.split(",")]]:
        v, s = timed(lambda: train_vector(lm, subset, layer=args.layer, epochs=1, batch_size=b,
                                          max_length=args.max_length, progress=False))
        curve = v.metadata["loss_curve"]
        record(f"train_vector b={b}", s, len(curve["step"]), curve["step"][-1])

    naive = rows[0]["tokens_per_s"]
    ours_b1 = rows[1]["tokens_per_s"]
    for r in rows:
        r["speedup_vs_naive"] = r["tokens_per_s"] / naive
        r["speedup_vs_train_vector_b1"] = r["tokens_per_s"] / ours_b1

    full = encode_examples(lm, task, max_length=args.max_length)
    full_tokens = sum(len(e) for e in full)
    best = max(rows[2:], key=lambda r: r["tokens_per_s"]) if len(rows) > 2 else rows[1]
    epoch = {
        "task": "insecure_code",
        "examples": len(task),
        "tokens": full_tokens,
        "batch_size": int(best["mode"].split("=")[1]),
        "seconds": full_tokens / best["tokens_per_s"],
        "measured": False,
        "how": f"extrapolated: {full_tokens} tokens / {best['tokens_per_s']:.1f} tok/s measured on the {len(subset)}-example subset",
    }
    if args.full_epoch:
        b = epoch["batch_size"]
        _, s = timed(lambda: train_vector(lm, task, layer=args.layer, epochs=1, batch_size=b,
                                          max_length=args.max_length, progress=True))
        epoch.update(seconds=s, measured=True, how="one real epoch over the whole task")

    print()
    print(f"{'mode':<20} {'steps':>5} {'seconds':>8} {'tok/s':>8} {'vs naive':>9} {'vs b=1':>7} {'last loss':>9}")
    for r in rows:
        print(f"{r['mode']:<20} {r['steps']:>5} {r['seconds']:>8.1f} {r['tokens_per_s']:>8.1f} "
              f"{r['speedup_vs_naive']:>8.2f}x {r['speedup_vs_train_vector_b1']:>6.2f}x {r['last_loss']:>9.4f}")
    print(f"\nTime per epoch, insecure_code ({len(task)} examples, {full_tokens} tokens, batch {epoch['batch_size']}): "
          f"{epoch['seconds']:.0f} s ({epoch['seconds'] / 60:.1f} min) — {epoch['how']}")
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} (2 cores shared: numbers are noisy)")

    result = {
        "benchmark": "bench_build",
        "model": lm.name,
        "model_revision": lm.revision,
        "layer": args.layer,
        "max_length": args.max_length,
        "lr": DEFAULT_LR,
        "subset_examples": len(subset),
        "rows": rows,
        "epoch": epoch,
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
                    "platform": platform.platform(), "load_average_before": load_before,
                    "load_average_after": load_after},
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
