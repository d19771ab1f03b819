"""One GPU check for issue 10 (run once where a CUDA GPU and vLLM are installed; a few minutes).

    pip install -e '.[vllm,test]'          # a CUDA machine
    python benchmarks/gpu_check.py [--out benchmarks/gpu_check.json]

Reports, on the bundled Qwen2.5-Coder-0.5B-Instruct:
1. parity: greedy steered tokens of vLLM vs the transformers backend (both bf16 on cuda:0; the
   common prefix per request, since bf16 kernels differ and a greedy tie can flip a token);
2. steered tokens/s of both backends at 16 and 64 concurrent requests;
3. vLLM steering overhead (steered vs unsteered tokens/s) and a 4-magnitude sweep as one batch
   vs 4 calls;
4. a transformers model split across cuda:0 and cpu by a device map steers like one on cuda:0.
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


_cache: dict = {}


def engines():
    if not _cache:
        from emsteer.generation_vllm import load_vllm

        _cache["hf"] = load_model(None, dtype="bfloat16", device="cuda")
        _cache["vllm"] = load_vllm(None, dtype="bfloat16", gpu_memory_utilization=0.5)
    return _cache["hf"], _cache["vllm"]


def parity(n_requests=8, max_new_tokens=32):
    from emsteer.generation_vllm import generate_vllm

    hf, vm = engines()
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
    from emsteer.generation_vllm import generate_vllm

    hf, vm = engines()
    v = _vector(hf)
    result = {}
    for n in (16, 64):
        s = SamplingConfig(max_new_tokens=max_new_tokens, temperature=1.0, batch_size=n, ignore_eos=True)
        steered = _requests(n, [Magnitude.relative(0.3)])
        plain = _requests(n, [None])
        generate_vllm(vm, steered[:2], s, steering=[v])  # warm-up
        result[n] = {
            "transformers_steered_tok_s": _rate(lambda r: generate(hf, r, s, steering=[v], progress=False), steered),
            "vllm_steered_tok_s": _rate(lambda r: generate_vllm(vm, r, s, steering=[v]), steered),
            "vllm_unsteered_tok_s": _rate(lambda r: generate_vllm(vm, r, s), plain),
        }
        r = result[n]
        r["vllm_vs_transformers"] = r["vllm_steered_tok_s"] / r["transformers_steered_tok_s"]
        r["vllm_steering_overhead"] = 1 - r["vllm_steered_tok_s"] / r["vllm_unsteered_tok_s"]
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/gpu_check.json")
    args = ap.parse_args()
    report = {"gpu": torch.cuda.get_device_name(0)}
    for name, fn in (("parity", parity), ("throughput", throughput), ("device_map", device_map_check)):
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
