"""Handing freed C-heap memory back to the system (glibc's malloc_trim)."""

from __future__ import annotations

import functools
from typing import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return getattr(libc, "malloc_trim", None)  # glibc only


def release_freed_memory() -> bool:
    """Hand memory that freed tensors left in the C heap back to the system (False where there is
    no malloc_trim). glibc keeps freed blocks of up to 32 MB resident: a training step's
    activations change shape with every batch (a full-data LoRA of the 0.5B, batch 16, held 7.5-11
    GB between steps and was killed for memory at 24 GB; trimmed after each step, 2-2.5 GB), and
    decoding's float32 copies of bf16 weights are GBs (``models.bf16.float32_weights``)."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
