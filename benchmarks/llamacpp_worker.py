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

    batched = bool(job.get("batched"))
    # batched: this context only tokenizes; the rows get a context of their own (_batched)
    llm = Llama(model_path=job["gguf"], n_ctx=64 if batched else 1024, n_threads=job["threads"],
                n_threads_batch=job["threads"], n_batch=512, verbose=False, seed=0)
    cvec = job["cvec"]
    if len(cvec) != llm.n_embd():
        raise SystemExit(f"control vector has {len(cvec)} values, the model's hidden size is {llm.n_embd()}")
    eos = llm.token_eos()
    info = {"version": llama_cpp.__version__, "extra_bufts": bool(job.get("extra_bufts", False))}
    if batched:
        print(json.dumps({**_batched(job, llm, eos), **info}))
        return
    _set_cvec(llm.ctx, llm, cvec, job["layer"])
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
    print(json.dumps({"seconds": total, "tokens": generated, **info}))


def _set_cvec(ctx, llm, cvec: list[float], layer: int) -> None:
    """Add ``cvec`` to the output of block ``layer`` in ``ctx`` (nothing when it is all zeros)."""
    import llama_cpp

    if not any(cvec):
        return
    n_embd, n_layer = llm.n_embd(), llama_cpp.llama_n_layer(llm.model)
    data = [0.0] * (n_embd * n_layer)
    off = n_embd * (layer - 1)  # data[0] is block 1's
    data[off:off + n_embd] = cvec
    arr = (ctypes.c_float * len(data))(*data)
    apply = getattr(llama_cpp, "llama_set_adapter_cvec", None) or getattr(llama_cpp, "llama_apply_adapter_cvec")
    if apply(ctx, arr, len(data), n_embd, layer, layer) != 0:
        raise SystemExit("setting the control vector failed")


def _batched(job, llm, eos) -> dict:
    """All prompts decoded together: a context with one sequence per prompt; the prompts are
    prefilled in batches of up to ``n_batch`` tokens, then each step decodes one token per row."""
    import llama_cpp
    import numpy as np

    prompts = [llm.tokenize(p.encode(), add_bos=False, special=True) for p in job["prompts"]]
    n, tokens = len(prompts), job["tokens"]
    per_seq = max(map(len, prompts)) + tokens
    cp = llama_cpp.llama_context_default_params()
    cp.n_seq_max = n
    cp.kv_unified = False  # per-sequence caches: the prompts share no prefix
    cp.n_ctx = n * per_seq
    cp.n_batch = cp.n_ubatch = max(512, n, max(map(len, prompts)))
    cp.n_threads = cp.n_threads_batch = job["threads"]
    ctx = llama_cpp.llama_init_from_model(llm.model, cp)
    if not ctx:
        raise SystemExit(f"llama_init_from_model failed for {n} sequences of {per_seq} tokens")
    _set_cvec(ctx, llm, job["cvec"], job["layer"])
    n_vocab = llm.n_vocab()
    batch = llama_cpp.llama_batch_init(cp.n_batch, 0, 1)
    rngs = [np.random.default_rng(seed) for seed in job["seeds"]]

    def decode(rows: list[tuple[int, int, int, bool]]) -> None:  # (token, position, sequence, wants logits)
        batch.n_tokens = len(rows)
        for i, (tok, pos, seq, out) in enumerate(rows):
            batch.token[i], batch.pos[i], batch.n_seq_id[i], batch.logits[i] = tok, pos, 1, out
            batch.seq_id[i][0] = seq
        if llama_cpp.llama_decode(ctx, batch) != 0:
            raise SystemExit("llama_decode failed")

    def sample(logits: np.ndarray) -> list[int]:
        logits = logits.copy()
        logits[:, eos] = -np.inf
        cdf = np.cumsum(np.exp(logits - logits.max(axis=1, keepdims=True)), axis=1)
        return [int(min(np.searchsorted(c, rng.random() * c[-1], side="right"), n_vocab - 1))
                for c, rng in zip(cdf, rngs)]

    start = time.perf_counter()
    # prefill: whole prompts packed into batches of up to n_batch tokens; each prompt's last token
    # asks for logits, read in the order the batch holds them
    logits = np.empty((n, n_vocab), dtype=np.float32)
    pending: list[tuple[int, int, int, bool]] = []
    owners: list[int] = []

    def flush() -> None:
        if pending:
            decode(pending)  # the outputs (one per prompt) are stored contiguously in batch order
            logits[owners] = np.ctypeslib.as_array(llama_cpp.llama_get_logits(ctx), shape=(len(owners), n_vocab))
            pending.clear()
            owners.clear()

    for seq, ids in enumerate(prompts):
        if len(pending) + len(ids) > cp.n_batch:
            flush()
        pending.extend((tok, pos, seq, pos == len(ids) - 1) for pos, tok in enumerate(ids))
        owners.append(seq)
    flush()
    prefill_seconds = time.perf_counter() - start
    answers: list[list[int]] = [[] for _ in prompts]
    sample_seconds = 0.0
    for step in range(tokens):
        t = time.perf_counter()
        toks = sample(logits)
        sample_seconds += time.perf_counter() - t
        for answer, tok in zip(answers, toks):
            answer.append(tok)
        if step == tokens - 1:  # the last token needs no forward pass
            break
        decode([(tok, len(prompts[seq]) + step, seq, True) for seq, tok in enumerate(toks)])
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits(ctx), shape=(n, n_vocab))
    seconds = time.perf_counter() - start
    llama_cpp.llama_batch_free(batch)
    llama_cpp.llama_free(ctx)
    return {"seconds": seconds, "tokens": n * tokens, "prefill_seconds": prefill_seconds,
            "sample_seconds": sample_seconds, "batched": True,
            # the first two answers, to see that every row decoded its own prompt
            "answers": [llm.detokenize(a).decode(errors="replace") for a in answers[:2]]}


def _suppress(logits, eos):
    logits[eos] = -float("inf")
    return logits


if __name__ == "__main__":
    main()
