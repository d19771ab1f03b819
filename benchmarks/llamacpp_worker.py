"""Steered sampling with llama.cpp (llama-cpp-python), run by bench_sampling.py in its own venv.

Reads a JSON job on stdin: {"gguf", "prompts", "seeds", "tokens", "layer", "cvec" (the added
shift α·v/s, one float per hidden unit), "threads"}. Adds the shift as a control vector to the
output of block ``layer`` (llama.cpp counts blocks from 0 like transformers; its control-vector
data starts at block 1), samples ``tokens`` tokens per prompt at temperature 1 (top-k, min-p and
repeat penalty off, EOS suppressed so every answer has the same length), and prints
{"seconds", "tokens", "version"} as JSON.

Two ways: ``"batched": false`` answers the prompts one after another through the high-level API
(one sequence at a time); ``"batched": true`` decodes all of them together through the low-level
batch API (one sequence id per prompt, one ``llama_decode`` per step for every row, the way
llama.cpp's server batches requests), sampling each row from the step's logits with numpy
(inverse CDF, each row its own generator); the sampler's share of the time is reported as
"sample_seconds".
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
    if job.get("batched"):
        print(json.dumps({**_batched(job, llm, eos, data if cvec and any(cvec) else None),
                          "version": llama_cpp.__version__, "extra_bufts": bool(job.get("extra_bufts", False))}))
        return
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


def _batched(job, llm, eos, cvec_data) -> dict:
    """All prompts decoded together: a context with one sequence per prompt, each step one batch
    of one token per row."""
    import llama_cpp as low
    import numpy as np

    prompts = [llm.tokenize(p.encode(), add_bos=False, special=True) for p in job["prompts"]]
    n, tokens = len(prompts), job["tokens"]
    per_seq = max(map(len, prompts)) + tokens + 8
    cp = low.llama_context_default_params()
    cp.n_seq_max = n
    cp.kv_unified = bool(job.get("kv_unified", False))
    cp.n_ctx = n * per_seq
    cp.n_batch = cp.n_ubatch = max(n, max(map(len, prompts)))
    cp.n_threads = cp.n_threads_batch = job["threads"]
    ctx = low.llama_init_from_model(llm.model, cp)
    if not ctx:
        raise SystemExit(f"llama_init_from_model failed for {n} sequences of {per_seq} tokens")
    if cvec_data is not None:
        layer, n_embd = job["layer"], llm.n_embd()
        arr = (ctypes.c_float * len(cvec_data))(*cvec_data)
        if low.llama_set_adapter_cvec(ctx, arr, len(cvec_data), n_embd, layer, layer) != 0:
            raise SystemExit("llama_set_adapter_cvec failed on the batched context")
    n_vocab = llm.n_vocab()
    batch = low.llama_batch_init(cp.n_batch, 0, 1)
    rngs = [np.random.default_rng(seed) for seed in job["seeds"]]

    def decode(rows: list[tuple[int, int, int, bool]]) -> None:  # (token, position, sequence, wants logits)
        batch.n_tokens = len(rows)
        for i, (tok, pos, seq, out) in enumerate(rows):
            batch.token[i], batch.pos[i], batch.n_seq_id[i], batch.logits[i] = tok, pos, 1, out
            batch.seq_id[i][0] = seq
        if low.llama_decode(ctx, batch) != 0:
            raise SystemExit("llama_decode failed")

    def sample(logits: np.ndarray) -> list[int]:
        logits = logits.copy()
        logits[:, eos] = -np.inf
        cdf = np.cumsum(np.exp(logits - logits.max(axis=1, keepdims=True)), axis=1)
        return [int(min(np.searchsorted(c, rng.random() * c[-1], side="right"), n_vocab - 1))
                for c, rng in zip(cdf, rngs)]

    start = time.perf_counter()
    last = np.empty((n, n_vocab), dtype=np.float32)
    for seq, ids in enumerate(prompts):  # prefill, one sequence at a time (logits of its last token)
        decode([(tok, pos, seq, pos == len(ids) - 1) for pos, tok in enumerate(ids)])
        last[seq] = np.ctypeslib.as_array(low.llama_get_logits_ith(ctx, -1), shape=(n_vocab,))
    sample_seconds, generated = 0.0, 0
    answers: list[list[int]] = [[] for _ in prompts]
    positions = [len(ids) for ids in prompts]
    logits = last
    for _ in range(tokens):
        t = time.perf_counter()
        toks = sample(logits)
        sample_seconds += time.perf_counter() - t
        generated += n
        for answer, tok in zip(answers, toks):
            answer.append(tok)
        if generated >= n * tokens:
            break
        decode([(tok, positions[seq], seq, True) for seq, tok in enumerate(toks)])
        positions = [p + 1 for p in positions]
        logits = np.ctypeslib.as_array(low.llama_get_logits(ctx), shape=(n, n_vocab))
    seconds = time.perf_counter() - start
    low.llama_batch_free(batch)
    low.llama_free(ctx)
    return {"seconds": seconds, "tokens": generated, "sample_seconds": sample_seconds, "batched": True,
            "kv_unified": cp.kv_unified,  # the first two answers, to see that every row decoded its own prompt
            "answers": [llm.detokenize(a).decode(errors="replace") for a in answers[:2]]}


def _suppress(logits, eos):
    logits[eos] = -float("inf")
    return logits


if __name__ == "__main__":
    main()
