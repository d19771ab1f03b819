"""Training on bf16 weights vs float32: time and the held-out NLL of what was trained (measured).

The bundled 0.5B trains, on the same examples, seed and settings, once on float32 weights and
once on bfloat16 weights (the trained vector / LoRA weights and Adam stay float32):
- an optimized steering vector at layer 12 (batch 8, one epoch);
- a LoRA adapter (rank 8, all linear modules, batch 8, one epoch); on bf16 weights twice: as
  emsteer trains it (the adapter's matmuls under bf16 autocast, finetune/lora.py) and as PEFT
  alone would (each adapted layer's input cast up to float32, "bfloat16_peft_casts").
Each trained artifact is then scored on the *float32* model by its held-out NLL per assistant
token on examples it never saw, so the difference is the training precision's alone. Everything
runs in one process, side by side: float32, then bf16, then the bf16 LoRA with PEFT's casts, once.

    python benchmarks/bench_train_precision.py [--task risky_financial_advice] [--examples 64] [--held-out 48] [--threads 1]

Public tasks are read from $EMSTEER_DATA_DIR. Writes benchmarks/results/train_precision.json.
"""

from __future__ import annotations

import argparse
import tempfile
from contextlib import contextmanager

import torch
from common import timed, write_result

from emsteer.data.tasks import load_task
from emsteer.finetune import adapted, train_lora
from emsteer.finetune import lora as lora_module
from emsteer.methods.optimized import train_vector
from emsteer.models import load_model
from emsteer.steering import Magnitude, Steering
from emsteer.training.objective import assistant_nll, encode_examples

LAYER = 12


@contextmanager
def patched_compute():
    saved = lora_module.adapter_compute_dtype
    lora_module.adapter_compute_dtype = lambda lm: None
    try:
        yield
    finally:
        lora_module.adapter_compute_dtype = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="risky_financial_advice")
    parser.add_argument("--examples", type=int, default=64, help="training examples (one epoch)")
    parser.add_argument("--held-out", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load_task(args.task, limit=args.examples + args.held_out)
    train, held = data[: args.examples], data[args.examples :]
    lms = {d: load_model(dtype=d, log=lambda m: None) for d in ("float32", "bfloat16")}
    reference = lms["float32"]
    tokens = sum(len(e) for e in encode_examples(reference, train, max_length=256))
    rows: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for d, lm in lms.items():
            vector, t_vec = timed(train_vector, lm, train, layer=LAYER, epochs=1, batch_size=args.batch_size,
                                  seed=0, progress=False)
            vector_nll = assistant_nll(reference, held, steerings=[Steering(vector, Magnitude.multiplier(1.0))])
            lora, t_lora = timed(train_lora, lm, train, output_dir=f"{tmp}/{d}", rank=8, alpha=16, epochs=1,
                                 lr=2e-4, batch_size=args.batch_size, seed=0, checkpoint_every=0, progress=False)
            with adapted(reference, lora.path) as tuned:
                lora_nll = assistant_nll(tuned, held)
            rows[d] = {"vector_seconds": t_vec, "vector_heldout_nll": vector_nll.mean_nll_per_token,
                       "vector_norm": float(vector.vectors[LAYER].norm()),
                       "lora_seconds": t_lora, "lora_heldout_nll": lora_nll.mean_nll_per_token}
            print(d, rows[d], flush=True)
        with patched_compute():  # the LoRA path on bf16 weights as it was: PEFT's float32 inputs
            lora, t_lora = timed(train_lora, lms["bfloat16"], train, output_dir=f"{tmp}/casts", rank=8, alpha=16,
                                 epochs=1, lr=2e-4, batch_size=args.batch_size, seed=0, checkpoint_every=0,
                                 progress=False)
        with adapted(reference, lora.path) as tuned:
            rows["bfloat16_peft_casts"] = {"lora_seconds": t_lora,
                                           "lora_heldout_nll": assistant_nll(tuned, held).mean_nll_per_token}
        print("bfloat16_peft_casts", rows["bfloat16_peft_casts"], flush=True)
    base = assistant_nll(reference, held).mean_nll_per_token
    f, b = rows["float32"], rows["bfloat16"]
    payload = {"model": reference.name, "task": args.task, "examples": len(train), "held_out": len(held),
               "tokens": tokens, "batch_size": args.batch_size, "threads": args.threads, "layer": LAYER,
               "unsteered_heldout_nll": base, "rows": rows,
               "vector_speedup": f["vector_seconds"] / b["vector_seconds"],
               "lora_speedup": f["lora_seconds"] / b["lora_seconds"],
               "lora_speedup_peft_casts": f["lora_seconds"] / rows["bfloat16_peft_casts"]["lora_seconds"],
               "vector_nll_relative_difference": b["vector_heldout_nll"] / f["vector_heldout_nll"] - 1,
               "lora_nll_relative_difference": b["lora_heldout_nll"] / f["lora_heldout_nll"] - 1}
    print(write_result("train_precision", payload))
    print(f"vector: {f['vector_seconds']:.0f} s fp32, {b['vector_seconds']:.0f} s bf16 ({payload['vector_speedup']:.2f}x); "
          f"held-out NLL {f['vector_heldout_nll']:.4f} vs {b['vector_heldout_nll']:.4f} "
          f"({payload['vector_nll_relative_difference']:+.2%}); unsteered {base:.4f}")
    print(f"LoRA: {f['lora_seconds']:.0f} s fp32, {b['lora_seconds']:.0f} s bf16 ({payload['lora_speedup']:.2f}x); "
          f"held-out NLL {f['lora_heldout_nll']:.4f} vs {b['lora_heldout_nll']:.4f} "
          f"({payload['lora_nll_relative_difference']:+.2%}); with PEFT's float32 casts "
          f"{rows['bfloat16_peft_casts']['lora_seconds']:.0f} s ({payload['lora_speedup_peft_casts']:.2f}x)")


if __name__ == "__main__":
    main()
