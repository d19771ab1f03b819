"""Steered sampling with llama.cpp (llama-cpp-python), run by bench_sampling.py in its own venv.

Reads a JSON job on stdin: {"gguf", "prompts", "seeds", "tokens", "layer", "cvec" (the added
shift α·v/s, one float per hidden unit), "threads"}. Adds the shift as a control vector to the
output of block ``layer`` (llama.cpp counts blocks from 0 like transformers; its control-vector
data starts at block 1), samples ``tokens`` tokens per prompt at temperature 1 (top-k, min-p and
repeat penalty off, EOS suppressed so every answer has the same length) one prompt after
another, and prints {"seconds", "tokens", "version"} as JSON. Runs prompts sequentially: the
high-level API serves one sequence at a time.
"""

from __future__ import annotations

import ctypes
import json
import sys
import time


def main() -> None:
    job = json.load(sys.stdin)
    import llama_cpp
    import llama_cpp.llama_cpp as low
    from llama_cpp import Llama

    if not job.get("extra_bufts", False):
        # A GGML_NATIVE build on these AMX CPUs dies with SIGILL in ggml's AMX matmul (tilezero in
        # a worker thread, also after arch_prctl(ARCH_REQ_XCOMP_PERM)); without the extra buffer
        # types ggml uses its plain AVX-512 kernels (and no weight repacking).
        default = low.llama_model_default_params

        def params():
            p = default()
            p.use_extra_bufts = False
            return p

        low.llama_model_default_params = params

    llm = Llama(model_path=job["gguf"], n_ctx=1024, n_threads=job["threads"], n_threads_batch=job["threads"],
                n_batch=512, verbose=False, seed=0)
    n_embd, n_layer = llm.n_embd(), llama_cpp.llama_n_layer(llm.model)
    data = [0.0] * (n_embd * n_layer)
    layer = job["layer"]
    cvec = job["cvec"]
    if len(cvec) != n_embd:
        raise SystemExit(f"control vector has {len(cvec)} values, the model's hidden size is {n_embd}")
    if cvec and any(cvec):
        off = n_embd * (layer - 1)  # data[0] is block 1's
        data[off:off + n_embd] = cvec
        arr = (ctypes.c_float * len(data))(*data)
        apply = getattr(llama_cpp, "llama_set_adapter_cvec", None) or getattr(llama_cpp, "llama_apply_adapter_cvec")
        rc = apply(llm.ctx, arr, len(data), n_embd, layer, layer)
        if rc != 0:
            raise SystemExit(f"llama_apply_adapter_cvec returned {rc}")
    eos = llm.token_eos()
    total, generated = 0.0, 0
    for prompt, seed in zip(job["prompts"], job["seeds"]):
        ids = llm.tokenize(prompt.encode(), add_bos=False, special=True)
        llm.reset()
        llm.set_seed(seed)
        start = time.perf_counter()
        n = 0
        for tok in llm.generate(ids, temp=1.0, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0,
                                logits_processor=[lambda _ids, logits: _suppress(logits, eos)]):
            n += 1
            if n >= job["tokens"]:
                break
        total += time.perf_counter() - start
        generated += n
    print(json.dumps({"seconds": total, "tokens": generated, "version": llama_cpp.__version__,
                      "extra_bufts": bool(job.get("extra_bufts", False))}))


def _suppress(logits, eos):
    logits[eos] = -float("inf")
    return logits


if __name__ == "__main__":
    main()
