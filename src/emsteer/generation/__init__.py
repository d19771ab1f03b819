"""Answering requests with a (steered) model: one protocol (``base.Generator``), two backends.

- ``transformers``: batched sampling on a loaded model, steering through hooks, per-row seeds and
  magnitudes (``generate``; ``TransformersGenerator`` is its ``Generator``);
- ``vllm``: the same requests and completions on a vLLM engine (``load_vllm``; ``VllmModel`` is a
  ``Generator``), imported only when used (``load_vllm`` and ``generate_vllm`` load on first use).

A new fast backend is one module with a class that has ``answer(...)``, and one branch in
``as_generator`` if it wraps something that is not itself a generator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from emsteer.errors import EmsteerError
from emsteer.generation.base import Completion, GenerationRequest, Generator, SamplingConfig, derive_seed
from emsteer.generation.transformers import TransformersGenerator, eos_token_ids, generate, render_chat
from emsteer.lazy import lazy_attributes

if TYPE_CHECKING:
    from emsteer.generation.vllm import generate_vllm, load_vllm


def check_backend(backend: str) -> None:
    """A generation engine a front end accepts: transformers, or vllm when it is installed (checked
    before any model loads; the error names the 'vllm' extra)."""
    if backend not in ("transformers", "vllm"):
        raise EmsteerError(f"--backend must be transformers or vllm, got {backend!r}.")
    if backend == "vllm":
        from emsteer.generation.vllm import require_vllm

        require_vllm()


def as_generator(model: Any, *, attach_adapter: Callable | None = None) -> Generator:
    """The ``Generator`` for what a caller holds: a generator as it is, a LoadedModel wrapped
    (``attach_adapter``: how to attach a PEFT adapter to it, e.g. ``emsteer.finetune.adapted``)."""
    if hasattr(model, "answer"):
        return model
    return TransformersGenerator(model, attach_adapter)


__all__ = [
    "Completion",
    "GenerationRequest",
    "Generator",
    "SamplingConfig",
    "TransformersGenerator",
    "as_generator",
    "check_backend",
    "derive_seed",
    "eos_token_ids",
    "generate",
    "generate_vllm",
    "load_vllm",
    "render_chat",
]

_LAZY = {name: "emsteer.generation.vllm" for name in ("generate_vllm", "load_vllm")}


__getattr__ = lazy_attributes(__name__, _LAZY)
