"""What every generation backend shares: the requests, the sampling settings, the completions,
the seeds that pair draws across conditions, and the protocol a backend implements."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from emsteer.errors import EmsteerError
from emsteer.steering.artifacts import Artifact
from emsteer.steering.hooks import Positions
from emsteer.steering.magnitude import Magnitude


@dataclass(frozen=True)
class SamplingConfig:
    max_new_tokens: int = 200
    temperature: float = 1.0
    top_p: float = 1.0
    batch_size: int = 64  # rows per forward pass: they share each read of the weights (docs/performance.md)
    ignore_eos: bool = False  # always generate max_new_tokens (fixed-length benchmarks)

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise EmsteerError(f"max_new_tokens must be at least 1, got {self.max_new_tokens}.")
        if not self.temperature >= 0:
            raise EmsteerError(f"temperature must be ≥ 0 (0 = greedy), got {self.temperature}.")
        if not 0 < self.top_p <= 1:
            raise EmsteerError(f"top_p must be in (0, 1], got {self.top_p}.")
        if self.batch_size < 1:
            raise EmsteerError(f"batch_size must be at least 1, got {self.batch_size}.")


@dataclass(frozen=True)
class GenerationRequest:
    user: str
    system: str | None = None
    seed: int = 0
    magnitudes: tuple[Magnitude | None, ...] = ()  # one per steering artifact; None or () = unsteered
    key: str = ""  # the caller's id for this row, echoed in the Completion


@dataclass(frozen=True)
class Completion:
    request: GenerationRequest
    response: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" (end of turn) or "length" (max_new_tokens reached)
    token_ids: tuple[int, ...] = field(repr=False, default=())


def derive_seed(*parts: object) -> int:
    """A stable 63-bit seed from any parts (run seed, question id, sample index ...)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1



class Generator(Protocol):
    """Something that answers requests: the transformers backend (``TransformersGenerator``) or a
    vLLM engine (``VllmModel``). A new fast backend is one class with this method."""

    def answer(self, requests: Sequence[GenerationRequest], sampling: SamplingConfig, *,
               steering: Sequence[Artifact] = (), positions: Positions = "all", adapter: str | None = None,
               progress: bool = True, description: str = "Generating",
               on_batch: Callable[[list[Completion]], None] | None = None) -> list[Completion]: ...
