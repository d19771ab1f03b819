"""Benchmark: optimized steering-vector training throughput, batched vs one example at a time.

Runs on the bundled model (Qwen2.5-Coder-0.5B-Instruct) and the built-in ``insecure_code``
task, at one layer, on the same fixed subset of examples, side by side in one process:

- ``naive loop``: the textbook implementation: one example per step, a forward hook adding v,
  ``model(input_ids, labels=...)`` (logits and loss at every position), Adam step per example;
- ``train_vector b=1``: emsteer's trainer, one example per step;
- ``train_vector b=4`` / ``b=8``: emsteer's trainer with batches (right padding, masked loss,
  length bucketing, logits only at assistant positions).

Throughput counts real tokens (prompt + assistant, no padding) per second. The modes run in
interleaved rounds (order rotated) and the fastest round of each counts, because the 2 cores
are shared and the load changes by the minute. "train tok/s" subtracts train_vector's fixed cost
(encoding and measuring r_ℓ), which the naive loop does not pay. The time per epoch of the full
task is extrapolated from the best batched throughput unless ``--full-epoch`` is given.

    python benchmarks/bench_build.py [--examples 8] [--rounds 3] [--layer 12] [--max-length 256] [--full-epoch]

Prints a table and writes benchmarks/results/build.json.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch
from common import RESULTS as RESULTS_DIR
from common import timed, write_result

from emsteer.data import load_task
from emsteer.data.encode import IGNORE_INDEX
from emsteer.models import load_model
from emsteer.objective import encode_examples
from emsteer.methods.optimized import DEFAULT_INIT_NORM, DEFAULT_LR, random_init, train_vector
from emsteer.steering.reference import measure_reference_norms

RESULTS = RESULTS_DIR / "build.json"


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
            losses.append(float(out.loss.detach()))
    finally:
        handle.remove()
    return losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=8, help="size of the fixed subset (first N of the task)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved repetitions; the fastest round counts")
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

    def trainer(b: int):
        return lambda: train_vector(lm, subset, layer=args.layer, epochs=1, batch_size=b,
                                    max_length=args.max_length, progress=False)

    modes = {"naive loop (b=1)": lambda: naive_loop(lm, encoded, layer=args.layer, lr=DEFAULT_LR, seed=0)}
    for b in [1, *[int(x) for x in args.batch_sizes.split(",")]]:
        modes[f"train_vector b={b}"] = trainer(b)
    times: dict[str, list[float]] = {m: [] for m in modes}
    overheads = []
    print(f"{len(subset)} examples, {tokens} tokens ({assistant} assistant), layer {args.layer}, "
          f"max_length {args.max_length}, torch threads {torch.get_num_threads()}, {args.rounds} rounds", flush=True)
    names = list(modes)
    for r in range(args.rounds):
        # train_vector's fixed cost (encoding, r_ℓ on 16 reference prompts), subtracted for its training throughput
        _, s = timed(lambda: (encode_examples(lm, subset, max_length=args.max_length),
                              measure_reference_norms(lm, [args.layer])))
        overheads.append(s)
        for name in names[r % len(names):] + names[: r % len(names)]:  # rotate the order: spread the noise
            _, s = timed(modes[name])
            times[name].append(s)
            print(f"  round {r + 1} {name:<20} {s:7.1f} s  {tokens / s:6.1f} tok/s", flush=True)

    overhead = min(overheads)
    rows = []
    for name in names:
        best = min(times[name])
        train_only = best - (overhead if name.startswith("train_vector") else 0.0)
        rows.append({"mode": name, "seconds_best": best, "seconds_all": times[name], "tokens": tokens,
                     "assistant_tokens": assistant, "tokens_per_s": tokens / best,
                     "training_tokens_per_s": tokens / train_only})
    naive = rows[0]["training_tokens_per_s"]
    ours_b1 = rows[1]["training_tokens_per_s"]
    for r in rows:
        r["speedup_vs_naive"] = r["training_tokens_per_s"] / naive
        r["speedup_vs_train_vector_b1"] = r["training_tokens_per_s"] / ours_b1

    full = encode_examples(lm, task, max_length=args.max_length)
    full_tokens = sum(len(e) for e in full)
    best_row = max(rows[1:], key=lambda r: r["training_tokens_per_s"])
    epoch = {
        "task": "insecure_code",
        "examples": len(task),
        "tokens": full_tokens,
        "batch_size": int(best_row["mode"].split("=")[1]),
        "seconds": full_tokens / best_row["training_tokens_per_s"] + overhead,
        "measured": False,
        "how": f"extrapolated: {full_tokens} tokens / {best_row['training_tokens_per_s']:.1f} tok/s "
               f"(best round on the {len(subset)}-example subset) + {overhead:.1f} s fixed cost",
    }
    if args.full_epoch:
        b = epoch["batch_size"]
        _, s = timed(lambda: train_vector(lm, task, layer=args.layer, epochs=1, batch_size=b,
                                          max_length=args.max_length, progress=True))
        epoch.update(seconds=s, measured=True, how="one real epoch over the whole task")

    print()
    print(f"{'mode':<20} {'best s':>7} {'tok/s':>7} {'train tok/s':>11} {'vs naive':>9} {'vs b=1':>7}   all rounds (s)")
    for r in rows:
        print(f"{r['mode']:<20} {r['seconds_best']:>7.1f} {r['tokens_per_s']:>7.1f} {r['training_tokens_per_s']:>11.1f} "
              f"{r['speedup_vs_naive']:>8.2f}x {r['speedup_vs_train_vector_b1']:>6.2f}x   "
              + " ".join(f"{t:.1f}" for t in r["seconds_all"]))
    print(f"(train tok/s: train_vector's fixed cost of {overhead:.1f} s for encoding and r_ℓ subtracted)")
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
        "rounds": args.rounds,
        "fixed_cost_seconds": overhead,
        "rows": rows,
        "epoch": epoch,
        "load_average_before": load_before,
        "load_average_after": load_after,
    }
    write_result("build", result, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
