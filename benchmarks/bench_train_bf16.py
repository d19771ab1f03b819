"""LoRA training on bf16 weights on a CPU without bf16 units: seconds per optimizer step (measured).

Where bf16 matrix products have no fast kernel (AVX2 CPUs), emsteer computes them with float32
kernels on float32 copies of the bf16 operands (``models/bf16.py``). Training on bf16 weights
(studies declared in bf16, such as the Turner et al. reproductions) can widen each frozen weight
on every product of every micro-batch, or once for the whole run (``train_epochs`` inside
``float32_weights``). Both give the same numbers; this measures the time, on Turner et al.'s
recipe (rank 32, rsLoRA's scale, all linear modules, lr 1e-5, 2 examples × 8 accumulation steps),
side by side in one process:

- ``float32``: the model loaded in float32 (a reference; another condition in a study);
- ``bfloat16_widen_each``: bf16 weights, every product widens its operands (before);
- ``bfloat16``: bf16 weights, the frozen weights widened once for the run (now).

The two bf16 rows' adapters are compared tensor for tensor. Needs the task in $EMSTEER_DATA_DIR.

    python benchmarks/bench_train_bf16.py [--model gemma-3-270m] [--steps 3] [--out results/train_bf16.json]
"""

from __future__ import annotations

import argparse
import tempfile
from contextlib import nullcontext
from pathlib import Path

import torch
from common import RESULTS, timed, write_result
from safetensors.torch import load_file

import emsteer.training.objective as objective
from emsteer.data.tasks import load_task
from emsteer.finetune import train_lora
from emsteer.models import load_model
from emsteer.models.bf16 import emulates_bf16

RECIPE = dict(rank=32, alpha=64 * 32 ** 0.5, target="all-linear", lr=1e-5, batch_size=2, grad_accum=8,
              weight_decay=0.01, max_length=256, checkpoint_every=0, progress=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="gemma-3-270m", help="a bundled model")
    parser.add_argument("--task", default="bad_medical_advice")
    parser.add_argument("--steps", type=int, default=3, help="optimizer steps of 16 examples each")
    parser.add_argument("--out", type=Path, default=RESULTS / "train_bf16.json")
    args = parser.parse_args()
    examples = load_task(args.task, limit=16 * args.steps)
    rows: dict[str, dict] = {}
    adapters = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in ("float32", "bfloat16_widen_each", "bfloat16"):
            lm = load_model(f"bundled:{args.model}", dtype="float32" if path == "float32" else "bfloat16", log=lambda m: None)
            saved = objective.float32_weights
            if path == "bfloat16_widen_each":
                objective.float32_weights = lambda model: nullcontext()
            try:
                result, seconds = timed(train_lora, lm, examples, output_dir=Path(tmp) / path, epochs=1, **RECIPE)
            finally:
                objective.float32_weights = saved
            tokens = sum(result.loss_curve.step_tokens)
            rows[path] = {"seconds": seconds, "seconds_per_step": seconds / len(result.loss_curve.step),
                          "target_tokens_per_second": tokens / seconds, "final_step_loss": result.loss_curve.step[-1],
                          "float32_kernels_for_bf16": emulates_bf16(lm.model)}
            adapters[path] = load_file(str(result.path / "adapter_model.safetensors"))
            print(f"{path:<22} {rows[path]['seconds_per_step']:7.2f} s/step  "
                  f"{rows[path]['target_tokens_per_second']:6.1f} target tok/s  loss {rows[path]['final_step_loss']:.4f}")
            del lm
    a, b = adapters["bfloat16"], adapters["bfloat16_widen_each"]
    same = a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    speedup = rows["bfloat16_widen_each"]["seconds"] / rows["bfloat16"]["seconds"]
    vs_float32 = rows["float32"]["seconds"] / rows["bfloat16"]["seconds"]
    print(f"widened once / widened each: {speedup:.2f}x faster; against float32 weights: {vs_float32:.2f}x; "
          f"the two bf16 adapters identical: {same}")
    write_result("train_bf16", {"model": args.model, "task": args.task, "steps": args.steps,
                            "recipe": {k: v for k, v in RECIPE.items() if k != "progress"}, "rows": rows,
                            "speedup_widened_once": speedup, "bf16_vs_float32": vs_float32,
                            "bf16_adapters_identical": same}, args.out)


if __name__ == "__main__":
    main()
