"""bfloat16 matrix products through float32 kernels, on CPUs that have no bf16 units.

A bf16 model is bf16 because its numbers are: the judge's head was fitted on bf16 states, and a
study declared in bf16 must keep sampling and training in bf16 on every machine. But on CPUs
without AMX or AVX512-BF16 (an AVX2-only AMD EPYC, for instance), torch runs bf16 matrix products
on a slow generic kernel: the default judge's encoder (the bundled 1.5B to layer 12) read answers
at 10.2 s each in bf16 against 1.6 s in float32 (benchmarks/bench_encoder.py --native-bf16,
results/encoder_avx2.json); through this module, 1.8 s.

``Float32Matmuls`` is a dispatch mode that hands each bf16 ``mm``, ``addmm``, ``bmm``, ``baddbmm``,
``linear`` and ``matmul`` float32 copies of its operands and rounds the result back to bf16. A bf16
kernel multiplies bf16 numbers exactly and accumulates in float32 too, so the results are the same
numbers up to the order of the float32 sums (the encoder's states: cosine 0.99995 on average to
those of bf16 kernels, whose cosine to float32's is 0.9999); everything else (norms, activations,
attention) still runs in bf16.
``emulate_bf16_matmuls`` installs the mode around every forward pass of a bf16 model on such a CPU
(``LoadedModel`` does it on load); ``bf16_matmuls(model)`` is the same mode for a backward pass.

Widening a weight costs about what a product of a few rows does: decoding 64 rows of the 0.5B ran
at 41.4 tok/s that way, against 53.6 in float32. Inside ``float32_weights(model)`` (``generate``
enters it) the mode widens each bf16 weight once and reuses the copy: the same numbers (a bf16
number is exact in float32), 47.8 tok/s (1.5B: 13.3 → 16.5, float32 16.0;
benchmarks/results/sampling_avx2*.json), for 4 bytes a weight until the block ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from emsteer.memory import release_freed_memory

_aten = torch.ops.aten
# linear and matmul reach the mode whole under inference_mode (the judge's encoder), not as mm/addmm
_MATMULS = {_aten.mm.default, _aten.addmm.default, _aten.bmm.default, _aten.baddbmm.default,
            _aten.linear.default, _aten.matmul.default}
_WEIGHTS = "_emsteer_float32_weights"  # in a model's __dict__ where the mode is installed
_SET_ASIDE = "_emsteer_bf16_kernels"  # in its __dict__: how many ``bf16_kernels`` blocks set the mode aside


def fast_bf16_cpu() -> bool:
    """Whether this CPU runs bfloat16 matmuls on AMX tiles (faster than float32 there; much
    slower than float32 on CPUs without AMX or AVX512-BF16, which emulate it)."""
    return bool(torch.cpu._is_amx_tile_supported())


class _Float32Weights:
    """float32 copies of a model's bf16 weights, made on first use while open (``float32_weights``).
    A weight is recognised by its data pointer: a parameter itself, or a view of it that starts where
    it does (the transposed weight of an ``mm``). A weight edited in place is copied again; one
    whose storage was replaced is not served (its old address may hold another tensor now). Blocks
    nest (the outermost one drops the copies); one model is not generated from in two threads."""

    def __init__(self) -> None:
        self.depth = 0  # open blocks
        self.params: dict[int, torch.Tensor] = {}  # data pointer → bf16 parameter, while open
        self.copies: dict[int, tuple[int, torch.Tensor]] = {}  # data pointer → (its version when copied, the copy)

    def open(self, model: nn.Module) -> None:
        self.depth += 1
        if self.depth == 1:
            self.params = {p.data_ptr(): p for p in model.parameters() if p.dtype == torch.bfloat16 and p.is_contiguous()}
            self.copies = {}

    def close(self) -> bool:
        """Leave a block; True when it was the outermost one and the copies were dropped."""
        self.depth = max(self.depth - 1, 0)
        if self.depth:
            return False
        self.params, self.copies = {}, {}
        return True

    def get(self, t: torch.Tensor) -> torch.Tensor | None:
        """``t`` in float32 from the copy of the parameter it views, or None if it views none."""
        at = t.data_ptr()
        p = self.params.get(at)
        if p is None or p.data_ptr() != at or 1 + sum((n - 1) * s for n, s in zip(t.shape, t.stride())) > p.numel():
            return None
        version, wide = self.copies.get(at, (-1, None))
        if wide is None or version != p._version:
            wide = p.detach().float()
            self.copies[at] = (p._version, wide)
        return wide.as_strided(t.shape, t.stride())

    def __deepcopy__(self, memo) -> _Float32Weights:  # a copied model has other parameters
        return _Float32Weights()


class Float32Matmuls(TorchDispatchMode):
    """bf16 matrix products computed by float32 kernels, rounded back to bf16."""

    def __init__(self, weights: _Float32Weights | None = None) -> None:
        super().__init__()
        self.weights = weights

    def _wide(self, a):
        if not (isinstance(a, torch.Tensor) and a.dtype == torch.bfloat16):
            return a
        cached = self.weights.get(a) if self.weights is not None else None
        return a.float() if cached is None else cached

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _MATMULS and any(isinstance(a, torch.Tensor) and a.dtype == torch.bfloat16 for a in args):
            return func(*[self._wide(a) for a in args], **kwargs).to(torch.bfloat16)
        return func(*args, **kwargs)


def _is_slow_bf16(model: nn.Module) -> bool:
    first = next(model.parameters(), None)
    return first is not None and first.dtype == torch.bfloat16 and first.device.type == "cpu" and not fast_bf16_cpu()


def _enter(module: nn.Module, args) -> None:
    mode = Float32Matmuls(module.__dict__.get(_WEIGHTS)) if _active(module) else nullcontext()
    mode.__enter__()
    module.__dict__.setdefault("_emsteer_modes", []).append(mode)


def _exit(module: nn.Module, args, output) -> None:
    modes = module.__dict__.get("_emsteer_modes")
    if modes:
        modes.pop().__exit__(None, None, None)


def emulate_bf16_matmuls(model: nn.Module, *, force: bool = False) -> bool:
    """Run every forward pass of ``model`` under ``Float32Matmuls`` when its weights are bf16 on a
    CPU without bf16 units (``force``: whatever the CPU; for tests). Once per model; returns
    whether the mode is installed. The exit hook runs even when the forward pass raises (the
    judge's encoder stops its pass early that way)."""
    if _WEIGHTS in model.__dict__:
        return True
    if not (force or _is_slow_bf16(model)):
        return False
    model.register_forward_pre_hook(_enter)
    model.register_forward_hook(_exit, always_call=True)
    model.__dict__[_WEIGHTS] = _Float32Weights()
    return True


def _active(module: nn.Module) -> bool:
    """Whether the mode is installed on this very module and not set aside."""
    return _WEIGHTS in module.__dict__ and not module.__dict__.get(_SET_ASIDE)


def emulates_bf16(model: nn.Module) -> bool:
    """Whether ``model`` (or the base model under its attached adapter) runs its bf16 products
    through float32 kernels now: the mode is installed and no ``bf16_kernels`` block sets it aside."""
    return any(_active(m) for m in model.modules())


@contextmanager
def bf16_kernels(model: nn.Module) -> Iterator[None]:
    """Within this block ``model`` (an attached adapter's base model too) runs its bf16 products on
    torch's own bf16 kernels, the mode set aside (benchmarks measure those kernels this way).
    Blocks nest; nothing changes for a model without the mode."""
    owners = [m for m in model.modules() if _WEIGHTS in m.__dict__]
    for m in owners:
        m.__dict__[_SET_ASIDE] = m.__dict__.get(_SET_ASIDE, 0) + 1
    try:
        yield
    finally:
        for m in owners:
            m.__dict__[_SET_ASIDE] -= 1
            if not m.__dict__[_SET_ASIDE]:
                del m.__dict__[_SET_ASIDE]


def bf16_matmuls(model: nn.Module) -> AbstractContextManager:
    """The mode for work outside a forward pass (a backward pass) of a model that has it installed."""
    return Float32Matmuls(model.__dict__[_WEIGHTS]) if _active(model) else nullcontext()


@contextmanager
def float32_weights(model: nn.Module) -> Iterator[None]:
    """Within this block, products take float32 copies of ``model``'s bf16 weights made once, not
    widened on every product (decoding: a step's 64 rows cost about what widening does). The copies
    (4 bytes a weight) are handed back to the system when the outermost block ends. Does nothing
    for a model without the mode."""
    owner = next((m for m in model.modules() if _active(m)), None)  # under an attached adapter too
    if owner is None:
        yield
        return
    weights = owner.__dict__[_WEIGHTS]
    weights.open(owner)
    try:
        yield
    finally:
        if weights.close():
            release_freed_memory()  # else glibc keeps the copies resident (GBs for the 1.5B)
