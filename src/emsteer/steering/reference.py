"""Reference norm r_ℓ: the typical size of the residual stream, so magnitudes compare across models.

r_ℓ = mean L2 norm of the output of block ℓ over a fixed set of neutral chat prompts, excluding
position 0 (the attention sink, whose norm is tens of times larger) and padding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from emsteer.errors import EmsteerError
from emsteer.models import LoadedModel
from emsteer.steering.hooks import capture_residuals

# Neutral, varied prompts; fixed so that r_ℓ is comparable between runs and artifacts.
REFERENCE_PROMPTS: tuple[str, ...] = (
    "What is a good way to start learning a new language?",
    "Describe the water cycle in a few sentences.",
    "Can you suggest a name for a small bakery?",
    "Why is the sky blue?",
    "Write a short poem about autumn leaves.",
    "How do I keep houseplants alive while travelling?",
    "Explain what a prime number is to a ten-year-old.",
    "What are some tips for a first job interview?",
    "Summarise the plot of a typical detective story.",
    "How does a refrigerator keep food cold?",
    "Give me three ideas for a rainy weekend.",
    "What should I pack for a two-day hiking trip?",
    "Translate 'good morning' into French and Spanish.",
    "How can I be a better listener?",
    "What is the difference between weather and climate?",
    "Recommend a strategy for organising a messy desk.",
)


def render_user_prompt(tokenizer, text: str) -> str:
    """A user turn in the model's chat format, or the raw text for models without a template."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(
            [{"role": "user", "content": text}], add_generation_prompt=True, tokenize=False
        )
    return text


@torch.no_grad()
def measure_reference_norms(
    lm: LoadedModel,
    layers: Sequence[int],
    prompts: Sequence[str] = REFERENCE_PROMPTS,
    *,
    batch_size: int = 8,
) -> dict[int, float]:
    """Mean residual-stream norm at each layer in ``layers`` over ``prompts`` (position 0 excluded)."""
    tok = lm.tokenizer
    totals = {layer: 0.0 for layer in layers}
    count = 0
    texts = [render_user_prompt(tok, p) for p in prompts]
    for start in range(0, len(texts), batch_size):
        enc = tok(texts[start : start + batch_size], return_tensors="pt", padding=True,
                  padding_side="right", add_special_tokens=False)
        mask = enc["attention_mask"].to(lm.device).bool()
        keep = mask.clone()
        keep[:, 0] = False  # the attention sink
        with capture_residuals(lm, layers) as store:
            lm.model(input_ids=enc["input_ids"].to(lm.device), attention_mask=mask.long(), use_cache=False,
                     logits_to_keep=1)
        for layer in layers:
            norms = store[layer][0].float().norm(dim=-1)
            totals[layer] += float(norms[keep].sum())
        count += int(keep.sum())
    if count == 0:
        raise EmsteerError("measure_reference_norms: the prompts have no token after position 0 to measure.")
    norms = {layer: totals[layer] / count for layer in layers}
    for layer, r in norms.items():
        if not (math.isfinite(r) and r > 0):
            raise EmsteerError(
                f"{lm.name} gave a mean residual norm of {r} at layer {layer}: its activations are not finite "
                "(try --dtype float32) or zero, so relative magnitudes cannot be measured."
            )
    return norms


def with_reference_norms(artifact, lm: LoadedModel):
    """Fill in missing reference norms of ``artifact`` by measuring them on ``lm`` (in place)."""
    missing = [layer for layer in artifact.layers if layer not in artifact.reference_norms]
    if missing:
        artifact.reference_norms.update(measure_reference_norms(lm, missing))
    return artifact
