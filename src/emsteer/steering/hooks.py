"""Context managers that apply steering artifacts to a model's residual stream, or read it.

``steer`` adds α·δ(h)/s (artifacts.py) to the output of decoder block ℓ for every artifact
and layer, optionally with a different magnitude per batch row, at all positions, only the
prompt, or only generated tokens. Everything is validated before a hook is registered, and the
hooks are removed when the block exits, also on exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import torch

from emsteer.errors import EmsteerError
from emsteer.models import LoadedModel
from emsteer.steering.artifacts import Artifact
from emsteer.steering.magnitude import Magnitude

Positions = Literal["all", "prompt", "generated"]
POSITIONS = ("all", "prompt", "generated")
RowMagnitudes = Magnitude | Sequence[Magnitude | None]


@dataclass
class Steering:
    """One artifact and its magnitude: one for the whole batch, or one per row (None = off)."""

    artifact: Artifact
    magnitude: RowMagnitudes


def _hidden(output):
    return output[0] if isinstance(output, tuple) else output


def _replace_hidden(output, h):
    return (h, *output[1:]) if isinstance(output, tuple) else h


def check_fits(lm: LoadedModel, a, source: str | None = None) -> None:
    """The artifact's hidden size and layers fit the model (checked before any results file is created)."""
    where = f"{source}: " if source else ""
    if a.hidden_size != lm.hidden_size:
        raise EmsteerError(
            f"{where}The {a.kind} has hidden size {a.hidden_size}, but {lm.name} has hidden size "
            f"{lm.hidden_size}: it was built for another model."
        )
    for layer in a.layers:
        lm.check_layer(layer)


def validate(lm: LoadedModel, steerings: Sequence[Steering], positions: str = "all") -> None:
    """Raise EmsteerError for anything that would make steering fail or silently misbehave."""
    if positions not in POSITIONS:
        raise EmsteerError(f"positions must be one of {', '.join(POSITIONS)}, got {positions!r}.")
    for s in steerings:
        a = s.artifact
        check_fits(lm, a)
        mags = [s.magnitude] if isinstance(s.magnitude, Magnitude) else list(s.magnitude)
        for m in mags:
            if m is not None and not isinstance(m, Magnitude):
                raise EmsteerError(f"Expected a Magnitude (or None for an unsteered row), got {m!r}.")
            for layer in a.layers:
                if m is not None:
                    m.alpha(a, layer)  # raises for a relative magnitude without a reference norm


class _LayerHook:
    """Adds every artifact's contribution at one layer; tracks positions for prompt/generated."""

    def __init__(self, layer: int, positions: str):
        self.layer = layer
        self.positions = positions
        # (artifact, α of absolute/relative rows, m of multiplier rows); scalars or one per row
        self.terms: list[tuple[Artifact, torch.Tensor, torch.Tensor]] = []
        self.offset = 0
        self.prompt_end: torch.Tensor | int | None = None

    def __call__(self, module, args, output):
        h = _hidden(output)
        batch, seq = h.shape[0], h.shape[1]
        # Steering is computed in float32 at least: a bfloat16 / float16 model gets the same
        # shift as a float32 one, rounded once when it is added (not once per factor).
        work = h.float() if h.dtype in (torch.bfloat16, torch.float16) else h
        delta = torch.zeros((), dtype=work.dtype, device=h.device)
        for artifact, alpha, mult in self.terms:
            # coefficient α/s: multipliers give it directly (so a zero vector in training still
            # gets gradients); absolute and relative α are divided by the artifact's live scale.
            scale = artifact.natural_scale(self.layer)
            coef = mult + (alpha / scale if scale > 0 else torch.zeros_like(alpha))
            coef = coef.to(h.device, work.dtype)
            if coef.ndim == 1:
                if coef.shape[0] != batch:
                    raise EmsteerError(
                        f"{coef.shape[0]} per-row magnitudes were given, but the batch has {batch} rows."
                    )
                coef = coef[:, None, None]
            delta = delta + coef * artifact.direction(self.layer, work)
        if self.positions != "all":
            if self.prompt_end is None:
                self.prompt_end = seq  # the first forward pass is the prompt
            pos = self.offset + torch.arange(seq, device=h.device)
            end = torch.as_tensor(self.prompt_end, device=h.device).reshape(-1, 1)
            in_prompt = pos[None, :] < end  # (batch or 1, seq)
            mask = in_prompt if self.positions == "prompt" else ~in_prompt
            delta = delta * mask[..., None].to(work.dtype)
        self.offset += seq
        return _replace_hidden(output, h + delta if work is h else (work + delta).to(h.dtype))


class SteeringContext:
    """What ``steer`` yields: lets a generation loop change per-row magnitudes between batches."""

    def __init__(self, lm: LoadedModel, steerings: Sequence[Steering], positions: str):
        self.lm = lm
        self.steerings = list(steerings)
        self.hooks = {layer: _LayerHook(layer, positions) for s in steerings for layer in s.artifact.layers}
        self.set_magnitudes([s.magnitude for s in steerings])

    def set_magnitudes(self, magnitudes: Sequence[RowMagnitudes]) -> None:
        """One entry per steering: a Magnitude for all rows, or a per-row list (None = off)."""
        if len(magnitudes) != len(self.steerings):
            raise EmsteerError(f"Expected {len(self.steerings)} magnitude entries, got {len(magnitudes)}.")
        for hook in self.hooks.values():
            hook.terms = []
        for s, mag in zip(self.steerings, magnitudes):
            rows = [mag] if isinstance(mag, Magnitude) else list(mag)
            for layer in s.artifact.layers:
                alpha = [0.0 if m is None or m.kind == "multiplier" else m.alpha(s.artifact, layer) for m in rows]
                mult = [m.value if m is not None and m.kind == "multiplier" else 0.0 for m in rows]
                alpha_t, mult_t = torch.tensor(alpha), torch.tensor(mult)
                if isinstance(mag, Magnitude):
                    alpha_t, mult_t = alpha_t[0], mult_t[0]
                self.hooks[layer].terms.append((s.artifact, alpha_t, mult_t))

    def reset(self, prompt_end: int | torch.Tensor | None = None) -> None:
        """Start a new sequence: position 0 again; the prompt ends at ``prompt_end`` (per row or all)."""
        for hook in self.hooks.values():
            hook.offset = 0
            hook.prompt_end = prompt_end

    def restart(self) -> None:
        """A forward pass without a filled KV cache begins a new sequence: count positions from 0
        again (after an earlier sequence only: a ``reset`` made for this one is kept)."""
        if any(hook.offset for hook in self.hooks.values()):
            self.reset()

    def select_rows(self, keep: torch.Tensor) -> None:
        """Keep only these batch rows (a generation loop dropping finished sequences)."""
        for hook in self.hooks.values():
            hook.terms = [(a, al[keep] if al.ndim else al, mu[keep] if mu.ndim else mu) for a, al, mu in hook.terms]
            if isinstance(hook.prompt_end, torch.Tensor) and hook.prompt_end.ndim == 1:
                hook.prompt_end = hook.prompt_end[keep]


def _starts_a_sequence(kwargs: dict) -> bool:
    """Whether a forward pass with these keyword arguments begins a sequence: no KV cache passed
    in (``cache`` in transformers ≥ 5.2x, ``past_key_values`` before), or an empty one."""
    cache = kwargs.get("cache", kwargs.get("past_key_values"))
    if cache is None:
        return True
    length = getattr(cache, "get_seq_length", None)
    return callable(length) and length() == 0


@contextmanager
def steer(lm: LoadedModel, *steerings: Steering, positions: Positions = "all") -> Iterator[SteeringContext]:
    """Apply ``steerings`` to ``lm`` inside the block; the hooks are always removed afterwards.

    >>> with steer(lm, Steering(vector, Magnitude.relative(0.25))):
    ...     out = lm.model.generate(...)
    """
    validate(lm, steerings, positions)
    ctx = SteeringContext(lm, steerings, positions)
    handles = []
    try:
        if positions != "all":  # two sequences in one block (two generate calls) each start at position 0
            handles.append(lm.model.register_forward_pre_hook(
                lambda module, args, kwargs: ctx.restart() if _starts_a_sequence(kwargs) else None, with_kwargs=True))
        for layer, hook in ctx.hooks.items():
            handles.append(lm.layers[layer].register_forward_hook(hook))
        yield ctx
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def capture_residuals(lm: LoadedModel, layers: Sequence[int]) -> Iterator[dict[int, list[torch.Tensor]]]:
    """Record the output of decoder blocks ``layers`` (detached) for every forward pass in the block."""
    for layer in layers:
        lm.check_layer(layer)
    store: dict[int, list[torch.Tensor]] = {layer: [] for layer in layers}
    handles = []
    try:
        for layer in layers:
            def hook(module, args, output, _layer=layer):
                store[_layer].append(_hidden(output).detach())
            handles.append(lm.layers[layer].register_forward_hook(hook))
        yield store
    finally:
        for handle in handles:
            handle.remove()
