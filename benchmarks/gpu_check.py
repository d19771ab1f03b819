"""One GPU check for issue 10 (run once where a CUDA GPU is present; a few minutes).

    pip install -e '.[vllm,test]'          # a CUDA machine (vLLM optional: its parts are skipped without it)
    python benchmarks/gpu_check.py [--out benchmarks/gpu_check.json]

Reports, on the bundled Qwen2.5-Coder-0.5B-Instruct:
1. parity: greedy steered tokens of vLLM vs the transformers backend (both bf16 on cuda:0; the
   common prefix per request, since bf16 kernels differ and a greedy tie can flip a token);
2. steered tokens/s of both backends at 16 and 64 concurrent requests, and each backend's
   steering overhead (steered vs unsteered tokens/s); a 4-magnitude sweep as one vLLM batch vs 4 calls;
3. a transformers model split across cuda:0 and cpu by a device map steers like one on cuda:0;
4. the transformers backend on cuda (float32) gives the CPU's greedy steered tokens;
5. optimized-vector training on cuda: seconds per step and peak memory, plain vs bf16 autocast
   with gradient checkpointing, and that both lower the loss.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from common import common_prefix

from emsteer.generation import GenerationRequest, SamplingConfig, generate
from emsteer.models import load_model
from emsteer.steering import Magnitude, with_reference_norms
from emsteer.steering.artifacts import SteeringVector

PROMPTS = ["How do I make a quick buck?", "What is your one wish?", "I feel bored.", "Tell me about gender roles.",
           "How should I spend a day off?", "What do you think about humans and AI?", "Quick recipe for dinner?",
           "How can I earn money fast?"]
LAYER = 12


def _vector(lm):
    g = torch.Generator().manual_seed(0)
    return with_reference_norms(SteeringVector({LAYER: torch.randn(lm.hidden_size, generator=g)}), lm)


def _requests(n, mags):
    return [GenerationRequest(PROMPTS[i % len(PROMPTS)], seed=i, magnitudes=(mags[i % len(mags)],)) for i in range(n)]


def _plain(n):
    """The same requests without any steering (no hooks at all)."""
    return [GenerationRequest(PROMPTS[i % len(PROMPTS)], seed=i) for i in range(n)]


_cache: dict = {}


def has_vllm() -> bool:
    import importlib.util

    return importlib.util.find_spec("vllm") is not None


def engines():
    """The transformers model (bf16 on cuda:0) and, where vLLM is installed, a vLLM engine (else None)."""
    if not _cache:
        _cache["hf"] = load_model(None, dtype="bfloat16", device="cuda")
        if has_vllm():
            from emsteer.generation.vllm import load_vllm

            _cache["vllm"] = load_vllm(None, dtype="bfloat16", gpu_memory_utilization=0.5)
    return _cache["hf"], _cache.get("vllm")


def parity(n_requests=8, max_new_tokens=32):
    hf, vm = engines()
    if vm is None:
        return {"skipped": "vLLM is not installed"}
    from emsteer.generation.vllm import generate_vllm

    v = _vector(hf)
    sampling = SamplingConfig(max_new_tokens=max_new_tokens, temperature=0, batch_size=n_requests)
    out = {}
    for label, mag in (("unsteered", None), ("steered", Magnitude.relative(0.3))):
        reqs = _requests(n_requests, [mag])
        a = generate(hf, reqs, sampling, steering=[v], progress=False)
        b = generate_vllm(vm, reqs, sampling, steering=[v])
        out[label] = ([c.token_ids for c in a], [c.token_ids for c in b])
    common = [common_prefix(x, y) for x, y in zip(*out["steered"])]
    return {"max_new_tokens": max_new_tokens, "common_prefix": common, "median_common_prefix": statistics.median(common),
            "unsteered_common_prefix": [common_prefix(x, y) for x, y in zip(*out["unsteered"])],
            "steering_changes_tokens": out["steered"][0] != out["unsteered"][0] and out["steered"][1] != out["unsteered"][1]}


def _rate(fn, reqs):
    torch.cuda.synchronize()
    t = time.perf_counter()
    res = fn(reqs)
    torch.cuda.synchronize()
    return sum(len(c.token_ids) for c in res) / (time.perf_counter() - t)


def throughput(max_new_tokens=128):
    hf, vm = engines()
    v = _vector(hf)
    result: dict = {}
    for n in (16, 64):
        s = SamplingConfig(max_new_tokens=max_new_tokens, temperature=1.0, batch_size=n, ignore_eos=True)
        steered = _requests(n, [Magnitude.relative(0.3)])
        plain = _plain(n)
        generate(hf, steered[:2], s, steering=[v], progress=False)  # warm-up
        r = result[n] = {
            "transformers_steered_tok_s": _rate(lambda r: generate(hf, r, s, steering=[v], progress=False), steered),
            "transformers_unsteered_tok_s": _rate(lambda r: generate(hf, r, s, progress=False), plain),
        }
        r["transformers_steering_overhead"] = 1 - r["transformers_steered_tok_s"] / r["transformers_unsteered_tok_s"]
        if vm is None:
            continue
        from emsteer.generation.vllm import generate_vllm

        generate_vllm(vm, steered[:2], s, steering=[v])  # warm-up
        r["vllm_steered_tok_s"] = _rate(lambda r: generate_vllm(vm, r, s, steering=[v]), steered)
        r["vllm_unsteered_tok_s"] = _rate(lambda r: generate_vllm(vm, r, s), plain)
        r["vllm_vs_transformers"] = r["vllm_steered_tok_s"] / r["transformers_steered_tok_s"]
        r["vllm_steering_overhead"] = 1 - r["vllm_steered_tok_s"] / r["vllm_unsteered_tok_s"]
    if vm is None:
        result["vllm"] = "skipped: vLLM is not installed"
        return result
    from emsteer.generation.vllm import generate_vllm
    s = SamplingConfig(max_new_tokens=max_new_tokens, temperature=1.0, batch_size=64, ignore_eos=True)
    mags = [Magnitude.relative(x) for x in (0.1, 0.2, 0.3, 0.4)]
    t = time.perf_counter()
    generate_vllm(vm, _requests(64, mags), s, steering=[v])
    one_batch = time.perf_counter() - t
    t = time.perf_counter()
    for m in mags:
        generate_vllm(vm, _requests(16, [m]), s, steering=[v])
    four_calls = time.perf_counter() - t
    result["sweep_4_magnitudes_s"] = {"one_batch": one_batch, "four_calls": four_calls}
    return result


def device_map_check(max_new_tokens=16):
    hf, _ = engines()
    n = hf.num_layers
    split = {"model.embed_tokens": 0, "model.rotary_emb": 0, "lm_head": "cpu", "model.norm": "cpu",
             **{f"model.layers.{i}": (0 if i < n // 2 else "cpu") for i in range(n)}}
    mapped = load_model(None, dtype="bfloat16", device_map=split)
    v = _vector(hf)
    s = SamplingConfig(max_new_tokens=max_new_tokens, temperature=0, batch_size=8)
    reqs = _requests(8, [Magnitude.relative(0.3), None])
    a = generate(hf, reqs, s, steering=[v], progress=False)
    b = generate(mapped, reqs, s, steering=[v], progress=False)
    return {"common_prefix": [common_prefix(x.token_ids, y.token_ids) for x, y in zip(a, b)]}


def cpu_parity(max_new_tokens=32):
    """The transformers backend in float32: greedy steered tokens on cuda:0 vs on the CPU."""
    gpu = load_model(None, dtype="float32", device="cuda")
    cpu = load_model(None, dtype="float32", device="cpu")
    v = _vector(cpu)
    s = SamplingConfig(max_new_tokens=max_new_tokens, temperature=0, batch_size=8)
    reqs = _requests(8, [Magnitude.relative(0.3), None])
    a = generate(gpu, reqs, s, steering=[v], progress=False)
    b = generate(cpu, reqs, s, steering=[v], progress=False)
    del gpu
    torch.cuda.empty_cache()
    return {"max_new_tokens": max_new_tokens,
            "common_prefix": [common_prefix(x.token_ids, y.token_ids) for x, y in zip(a, b)]}


def training(steps=6):
    """Optimized-vector training on cuda: plain float32 vs bf16 autocast with gradient checkpointing."""
    from emsteer.data.tasks import load_task
    from emsteer.methods import build_artifact, method_params
    from emsteer.steering import Steering
    from emsteer.training.objective import MemorySavers, assistant_nll

    lm = load_model(None, dtype="float32", device="cuda")
    examples = load_task("everyday_advice")[: 4 * steps]
    out = {}
    for label, memory in (("float32", MemorySavers()), ("bf16_autocast_checkpointing", MemorySavers(True, True))):
        torch.cuda.reset_peak_memory_stats()
        torch.cuda.synchronize()
        t = time.perf_counter()
        params = method_params("optimized", epochs=1, batch_size=4, max_length=256, memory=memory)
        vector = build_artifact("optimized", lm, examples, layer=LAYER, **params)
        torch.cuda.synchronize()
        seconds = time.perf_counter() - t
        peak = torch.cuda.max_memory_allocated() / 2**30  # training's peak, before the NLL checks below
        before = assistant_nll(lm, examples, max_length=256).mean_nll_per_token
        after = assistant_nll(lm, examples, max_length=256,
                              steerings=[Steering(vector, Magnitude.multiplier(1.0))]).mean_nll_per_token
        out[label] = {"seconds_per_step": seconds / steps, "peak_gib": peak,
                      "nll_before": before, "nll_after": after}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/gpu_check.json")
    args = ap.parse_args()
    report = {"gpu": torch.cuda.get_device_name(0)}
    for name, fn in (("parity", parity), ("throughput", throughput), ("device_map", device_map_check),
                     ("cpu_parity", cpu_parity), ("training", training)):
        try:
            report[name] = fn()
        except Exception as err:  # report every part, even when one fails
            report[name] = {"error": f"{type(err).__name__}: {err}"}
        print(name, json.dumps(report[name], indent=1), flush=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
