"""The learned judge's chat-model encoder in float32 vs bfloat16, on the same reference answers.

    python benchmarks/bench_encoder.py [--model qwen2.5-coder-1.5b-instruct] [--layer 12] [--answers 64] [--batch 8]
                                       [--native-bf16] [--out encoder]

Reads a fixed random sample of the GPT-4o-judged reference answers (../shared/datasets/em/judged/)
with ``LMPairEncoder`` (the residual stream at one layer, the forward pass stopping there) once
with the model in float32 and once in bfloat16, batch by batch, alternating which goes first so
that load from other processes hits both alike. Prints seconds per answer of each, their ratio,
and how close the bf16 states are to the float32 ones (cosine per token). On CPUs with AMX
(``lscpu`` flag amx_bf16) bf16 matrix products run on the tile units; elsewhere bf16 can be
slower: there emsteer computes bf16 matrix products with float32 kernels (models/bf16.py), and
``--native-bf16`` adds torch's own bf16 kernels as a third path, with the cosine of emsteer's bf16
states to theirs (the states the default judge's heads were fitted on, on a CPU with AMX).
Writes benchmarks/results/encoder.json (``--out`` names another file).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from common import RESULTS, write_result

from emsteer.judging.learned.lm_encoder import LMPairEncoder
from emsteer.judging.validity.agreement import load_reference, sample_reference
from emsteer.models import bf16

DEFAULT_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "em" / "judged" / "gpt4o_judged_dev.jsonl.gz"


def cpu_flags() -> list[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return sorted(f for f in flags if f.startswith(("amx", "avx512_bf16")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--layer", type=int, default=12)
    parser.add_argument("--answers", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--native-bf16", action="store_true", help="also time torch's own bf16 kernels")
    parser.add_argument("--out", default="encoder", help="results file name (without .json)")
    args = parser.parse_args()
    if not args.reference.is_file():
        raise SystemExit(f"reference answers not found at {args.reference}; pass --reference PATH")

    pairs = [(it.question, it.answer) for it in sample_reference(load_reference(args.reference), args.answers, args.seed)]
    encoders = {dtype: LMPairEncoder(args.model, layer=args.layer, dtype=dtype, batch_size=args.batch)
                for dtype in ("float32", "bfloat16")}
    emulated = bf16.emulates_bf16(encoders["bfloat16"].lm.model)
    if args.native_bf16:
        detect, bf16.fast_bf16_cpu = bf16.fast_bf16_cpu, lambda: True  # as if the CPU had bf16 units
        try:
            encoders["bfloat16-native"] = LMPairEncoder(args.model, layer=args.layer, dtype="bfloat16", batch_size=args.batch)
        finally:
            bf16.fast_bf16_cpu = detect
    for enc in encoders.values():
        enc.encode(pairs[:2])  # warm-up (allocator, kernels) outside the timing
    seconds = {dtype: 0.0 for dtype in encoders}
    states: dict[str, list[np.ndarray]] = {dtype: [] for dtype in encoders}
    for g, start in enumerate(range(0, len(pairs), args.batch)):
        group = pairs[start : start + args.batch]
        for dtype in list(encoders) if g % 2 == 0 else list(encoders)[::-1]:
            began = time.perf_counter()
            states[dtype].extend(encoders[dtype].encode(group))
            seconds[dtype] += time.perf_counter() - began

    def cosine(a: str, b: str) -> np.ndarray:
        x, y = np.concatenate(states[a])[:, :-1], np.concatenate(states[b])[:, :-1]
        return (x * y).sum(1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))

    full = cosine("float32", "bfloat16")
    per_answer = {dtype: s / len(pairs) for dtype, s in seconds.items()}
    result = {"model": args.model, "layer": args.layer, "answers": len(pairs), "batch": args.batch,
              "tokens": int(sum(len(s) for s in states["float32"])), "cpu_flags": cpu_flags(),
              "bf16_products_in_float32": emulated,
              "seconds_per_answer": per_answer, "speedup_bf16": per_answer["float32"] / per_answer["bfloat16"],
              "cosine_mean": float(full.mean()), "cosine_min": float(full.min())}
    if args.native_bf16:
        native = cosine("bfloat16-native", "bfloat16")
        result.update(speedup_over_native_bf16=per_answer["bfloat16-native"] / per_answer["bfloat16"],
                      cosine_to_native_mean=float(native.mean()), cosine_to_native_min=float(native.min()),
                      cosine_native_to_float32_mean=float(cosine("bfloat16-native", "float32").mean()))
    write_result(args.out, result)
    print(f"{args.model} layer {args.layer}, {len(pairs)} reference answers ({len(full)} tokens), batch {args.batch}")
    for dtype, s in per_answer.items():
        print(f"  {dtype:9s} {s:.3f} s/answer")
    print(f"  bf16 speed-up ×{result['speedup_bf16']:.2f}; cosine of bf16 to float32 states: "
          f"mean {result['cosine_mean']:.5f}, min {result['cosine_min']:.5f}"
          + (" (bf16 products on float32 kernels)" if emulated else ""))
    if args.native_bf16:
        print(f"  over torch's bf16 kernels ×{result['speedup_over_native_bf16']:.2f}; cosine to their states: "
              f"mean {result['cosine_to_native_mean']:.6f}, min {result['cosine_to_native_min']:.6f} "
              f"(theirs to float32: {result['cosine_native_to_float32_mean']:.5f})")
    print(f"wrote {RESULTS / (args.out + '.json')}")


if __name__ == "__main__":
    main()
