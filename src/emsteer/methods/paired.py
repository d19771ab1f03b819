"""The paired-difference pipeline shared by mean-diff, pca and svd: pair unsafe with safe answers
to the same prompts, take each pair's difference of mean assistant activations at ``layer``, and
hand the differences to an aggregator that makes the artifact.

μ is the mean residual at ``layer`` over an example's assistant tokens (the positions holding the
answer, end-of-turn marker included). Averaging per example first gives every pair the same
weight, so long answers do not dominate. Without a safe side, the model's own answers to the same
prompts serve as the safe side (greedy by default, or seeded sampling), generated through
``emsteer.generation``.

``paired_method(aggregate)`` is the one builder: its keyword options are the pipeline's (safe,
batch_size, max_length, seed, temperature, max_new_tokens, progress) plus the aggregator's own
(svd's rank), so ``build_artifact`` and ``emsteer build`` see one ordinary signature.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch

from emsteer.data.chat import ChatExample, Message, data_hash, paired
from emsteer.data.encode import IGNORE_INDEX, pad_token_id
from emsteer.errors import EmsteerError
from emsteer.models import LoadedModel
from emsteer.steering.hooks import capture_residuals
from emsteer.training.objective import check_examples, check_positive, encode_examples, make_batches, provenance


@torch.no_grad()
def assistant_activation_means(
    lm: LoadedModel,
    examples: Sequence[ChatExample],
    *,
    layer: int,
    batch_size: int = 8,
    max_length: int = 512,
) -> torch.Tensor:
    """(n, hidden) float32: each example's mean residual at ``layer`` over its assistant tokens."""
    lm.check_layer(layer)
    check_positive("batch_size", batch_size, integer=True)
    encoded = encode_examples(lm, examples, max_length=max_length)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))  # less padding
    means = torch.empty(len(encoded), lm.hidden_size, dtype=torch.float32)
    for batch in make_batches(encoded, order, batch_size, pad_token_id(lm.tokenizer)):
        with capture_residuals(lm, [layer]) as store:
            lm.model(input_ids=batch.input_ids.to(lm.device), attention_mask=batch.attention_mask.to(lm.device),
                     use_cache=False, logits_to_keep=1)
        h = store[layer][0].float().cpu()  # (batch, width, hidden)
        mask = (batch.labels != IGNORE_INDEX).float()  # assistant positions (padding is -100 too)
        sums = torch.einsum("bt,btd->bd", mask, h)
        means[list(batch.indices)] = sums / mask.sum(dim=1, keepdim=True)
    return means


@dataclass
class PairedData:
    """Unsafe examples with their safe partners, and how the safe side came about."""

    unsafe: list[ChatExample]
    safe: list[ChatExample]
    info: dict


def own_answers(
    lm: LoadedModel,
    examples: Sequence[ChatExample],
    *,
    seed: int = 0,
    temperature: float = 0.0,
    max_new_tokens: int = 256,
    batch_size: int = 8,
    progress: bool = True,
) -> list[ChatExample]:
    """The model's own answers to the prompts of ``examples`` (same prompt messages, new response)."""
    from emsteer.generation import GenerationRequest, SamplingConfig, derive_seed, generate

    requests = []
    for i, ex in enumerate(examples):
        roles = [m.role for m in ex.prompt]
        if roles not in (["user"], ["system", "user"]):
            raise EmsteerError(
                f"{ex.source}: generating the safe side needs a single-turn prompt (optional system + user), "
                f"got roles {roles}; give paired safe data instead."
            )
        system = ex.prompt[0].content if roles[0] == "system" else None
        requests.append(GenerationRequest(user=ex.user_text, system=system, seed=derive_seed(seed, i), key=str(i)))
    sampling = SamplingConfig(max_new_tokens=max_new_tokens, temperature=temperature, batch_size=batch_size)
    completions = generate(lm, requests, sampling, progress=progress, description="Generating safe side")
    return [
        ChatExample((*ex.prompt, Message("assistant", c.response)), f"{ex.source} (model's own answer)")
        for ex, c in zip(examples, completions)
    ]


def pair_up(
    lm: LoadedModel,
    unsafe: Sequence[ChatExample],
    safe: Sequence[ChatExample] | None,
    *,
    seed: int,
    temperature: float,
    max_new_tokens: int,
    batch_size: int,
    progress: bool,
) -> PairedData:
    """Pairs by identical prompt (``data.chat.paired``), or the model's own answers as the safe side."""
    unsafe = check_examples(unsafe, "unsafe examples")
    if safe is not None:
        safe = check_examples(safe, "safe examples")
        pairs = paired(unsafe, safe)
        return PairedData(
            [u for u, _ in pairs], [s for _, s in pairs],
            {"safe_source": "paired", "safe_data_hash": data_hash(safe), "num_pairs": len(pairs),
             "unpaired_dropped": len(unsafe) - len(pairs)},
        )
    check_positive("max_new_tokens", max_new_tokens, integer=True)
    if not temperature >= 0:
        raise EmsteerError(f"temperature must be ≥ 0 (0 = greedy), got {temperature}.")
    generated = own_answers(lm, unsafe, seed=seed, temperature=temperature, max_new_tokens=max_new_tokens,
                            batch_size=batch_size, progress=progress)
    return PairedData(
        unsafe, generated,
        {"safe_source": "generated", "safe_data_hash": data_hash(generated), "num_pairs": len(unsafe),
         "unpaired_dropped": 0, "generation": {"temperature": temperature, "max_new_tokens": max_new_tokens}},
    )


def paired_differences(
    lm: LoadedModel, data: PairedData, *, layer: int, batch_size: int, max_length: int
) -> torch.Tensor:
    """(pairs, hidden): μ_unsafe − μ_safe for every pair."""
    u = assistant_activation_means(lm, data.unsafe, layer=layer, batch_size=batch_size, max_length=max_length)
    s = assistant_activation_means(lm, data.safe, layer=layer, batch_size=batch_size, max_length=max_length)
    return u - s


@dataclass(frozen=True)
class PairedDifferences:
    """What an aggregator gets: the per-pair differences and what a built artifact records."""

    lm: LoadedModel
    layer: int
    diffs: torch.Tensor  # (pairs, hidden) float32: μ_unsafe − μ_safe
    data: PairedData
    hyperparameters: dict  # the pipeline's; an aggregator adds its own
    seed: int | None  # None when the safe side was given (nothing was sampled)

    def metadata(self, method: str, reference_norm: float | None, **hyperparameters) -> dict:
        """Provenance of an artifact built from these differences, with how the pairs came about."""
        return {
            **provenance(self.lm, method=method, layer=self.layer, examples=self.data.unsafe,
                         hyperparameters={**self.hyperparameters, **hyperparameters}, seed=self.seed,
                         reference_norm=reference_norm),
            **self.data.info,
        }


A = TypeVar("A")  # what the aggregator builds: an artifact, or per_example's list of vectors


def paired_method(aggregate: Callable[..., A], *, check: Callable[..., None] | None = None) -> Callable[..., A]:
    """A construction method from an aggregator ``(PairedDifferences, **options) -> artifact``.

    ``check(lm, **options)`` validates the aggregator's options before any activation is computed
    (or safe answer generated). The builder's docstring is the aggregator's.
    """
    options = [p for p in inspect.signature(aggregate).parameters.values() if p.kind is p.KEYWORD_ONLY]

    @functools.wraps(aggregate)
    def build(lm: LoadedModel, unsafe: Sequence[ChatExample], *, layer: int, safe: Sequence[ChatExample] | None = None,
              batch_size: int = 8, max_length: int = 512, seed: int = 0, temperature: float = 0.0,
              max_new_tokens: int = 256, progress: bool = True, **kwargs) -> A:
        if check is not None:
            check(lm, **kwargs)
        lm.check_layer(layer)
        data = pair_up(lm, unsafe, safe, seed=seed, temperature=temperature, max_new_tokens=max_new_tokens,
                       batch_size=batch_size, progress=progress)
        diffs = paired_differences(lm, data, layer=layer, batch_size=batch_size, max_length=max_length)
        hyper: dict = dict(batch_size=batch_size, max_length=max_length,
                           token_pooling="mean over assistant tokens per example")
        if safe is None:
            hyper.update(temperature=temperature, max_new_tokens=max_new_tokens)
        return aggregate(PairedDifferences(lm, layer, diffs, data, hyper, seed if safe is None else None), **kwargs)

    # The signature build_artifact reads: the pipeline's options, then the aggregator's, no **kwargs.
    own = [p for p in inspect.signature(build, follow_wrapped=False).parameters.values() if p.kind is not p.VAR_KEYWORD]
    build.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*own, *options], return_annotation=inspect.signature(aggregate).return_annotation)
    del build.__wrapped__  # inspect would follow it to the aggregator's signature
    return build
