"""Benchmark: optimized steering-vector training throughput, batched vs one example at a time.

Runs on the bundled model (Qwen2.5-Coder-0.5B-Instruct) and the built-in ``insecure_code``
task, at one layer, on the same fixed subset of examples, side by side in one process:

- ``naive loop``: the textbook implementation: one example per step, a forward hook adding v,
  ``model(input_ids, labels=...)`` (logits and loss at every position), Adam step per example;
- ``train_vector b=1``: emsteer's trainer, one example per step;
- ``train_vector b=4`` / ``b=8``: emsteer's trainer with batches (right padding, masked loss,
  length bucketing, logits only at assistant positions);
- with ``--precision``, the largest batch twice more: under bf16 autocast (``--mixed-precision``:
  float32 weights cast per matrix product) and on a copy of the model loaded in bfloat16 (the
  vector, its gradient and Adam stay float32). Each mode's final training loss is recorded, so a
  faster mode that learns less shows it.

Throughput counts real tokens (prompt + assistant, no padding) per second. The modes run in
interleaved rounds (order rotated) and the fastest round of each counts, because the 2 cores
are shared and the load changes by the minute. "train tok/s" subtracts train_vector's fixed cost
(encoding and measuring r_ℓ), which the naive loop does not pay. The time per epoch of the full
task is extrapolated from the best batched throughput unless ``--full-epoch`` is given.

    python benchmarks/bench_build.py [--examples 8] [--rounds 3] [--layer 12] [--max-length 256] [--precision] [--full-epoch]

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
from emsteer.methods.optimized import DEFAULT_INIT_NORM, DEFAULT_LR, random_init, train_vector
from emsteer.models import load_model
from emsteer.steering.reference import measure_reference_norms
from emsteer.training.objective import MemorySavers, encode_examples

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
    parser.add_argument("--precision", action="store_true", help="also the largest batch under bf16 autocast and on bf16 weights")
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

    losses: dict[str, float] = {}

    def trainer(b: int, name: str, model=lm, memory: MemorySavers = MemorySavers()):
        def run():
            vector = train_vector(model, subset, layer=args.layer, epochs=1, batch_size=b,
                                  max_length=args.max_length, progress=False, memory=memory)
            losses[name] = float(vector.metadata["loss_curve"]["epoch"][-1])
        return run

    bf16 = None
    modes = {"naive loop (b=1)": lambda: naive_loop(lm, encoded, layer=args.layer, lr=DEFAULT_LR, seed=0)}
    sizes = [1, *[int(x) for x in args.batch_sizes.split(",")]]
    for b in sizes:
        modes[f"train_vector b={b}"] = trainer(b, f"train_vector b={b}")
    if args.precision:
        big = max(sizes)
        modes[f"train_vector b={big} autocast"] = trainer(big, f"train_vector b={big} autocast", memory=MemorySavers(True))
        bf16 = load_model(dtype="bfloat16", log=lambda *a: None)
        modes[f"train_vector b={big} bf16"] = trainer(big, f"train_vector b={big} bf16", model=bf16)
    times: dict[str, list[float]] = {m: [] for m in modes}
    overheads: list[float] = []
    bf16_overheads: list[float] = []
    print(f"{len(subset)} examples, {tokens} tokens ({assistant} assistant), layer {args.layer}, "
          f"max_length {args.max_length}, torch threads {torch.get_num_threads()}, {args.rounds} rounds", flush=True)
    names = list(modes)
    for r in range(args.rounds):
        # train_vector's fixed cost (encoding, r_ℓ on 16 reference prompts), subtracted for its training throughput
        _, s = timed(lambda: (encode_examples(lm, subset, max_length=args.max_length),
                              measure_reference_norms(lm, [args.layer])))
        overheads.append(s)
        if bf16 is not None:  # the bf16 copy's own fixed cost (its r_ℓ pass is faster too)
            _, s = timed(lambda: (encode_examples(bf16, subset, max_length=args.max_length),
                                  measure_reference_norms(bf16, [args.layer])))
            bf16_overheads.append(s)
        for name in names[r % len(names):] + names[: r % len(names)]:  # rotate the order: spread the noise
            _, s = timed(modes[name])
            times[name].append(s)
            print(f"  round {r + 1} {name:<20} {s:7.1f} s  {tokens / s:6.1f} tok/s", flush=True)

    overhead = min(overheads)
    rows = []
    for name in names:
        best = min(times[name])
        fixed = (min(bf16_overheads) if name.endswith(" bf16") else overhead) if name.startswith("train_vector") else 0.0
        train_only = best - fixed
        rows.append({"mode": name, "seconds_best": best, "seconds_all": times[name], "tokens": tokens,
                     "assistant_tokens": assistant, "tokens_per_s": tokens / best,
                     "training_tokens_per_s": tokens / train_only, "final_loss": losses.get(name)})
    naive = rows[0]["training_tokens_per_s"]
    ours_b1 = rows[1]["training_tokens_per_s"]
    for r in rows:
        r["speedup_vs_naive"] = r["training_tokens_per_s"] / naive
        r["speedup_vs_train_vector_b1"] = r["training_tokens_per_s"] / ours_b1

    full = encode_examples(lm, task, max_length=args.max_length)
    full_tokens = sum(len(e) for e in full)
    best_row = max((r for r in rows[1:] if r["mode"].split("=")[1].isdigit()), key=lambda r: r["training_tokens_per_s"])
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
    print(f"{'mode':<26} {'best s':>7} {'tok/s':>7} {'train tok/s':>11} {'vs naive':>9} {'vs b=1':>7} {'loss':>7}   all rounds (s)")
    for r in rows:
        loss = f"{r['final_loss']:.4f}" if r["final_loss"] is not None else "-"
        print(f"{r['mode']:<26} {r['seconds_best']:>7.1f} {r['tokens_per_s']:>7.1f} {r['training_tokens_per_s']:>11.1f} "
              f"{r['speedup_vs_naive']:>8.2f}x {r['speedup_vs_train_vector_b1']:>6.2f}x {loss:>7}   "
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
