"""Judges: one protocol (base.py), one file per backend, a registry that builds them from a spec.

``make_judge("learned")`` (the default: the shipped learned judge), ``make_judge("openai:gpt-4o-2024-08-06")``,
``make_judge("local")`` or ``make_judge("local:bundled:qwen2.5-coder-1.5b-instruct", batch_size=4)``.
Backends are imported only when asked for, so the registry costs nothing (no torch, no httpx)
to import. A new backend is one new file plus one entry in ``JUDGE_BACKENDS``.

What the outside uses beyond the registry (measuring a judge: ``validity/``; fitting the learned
judge: ``learned/fit.py``; embedding relevance; the metrics a question set defines) is named here
too and loads on first use (``_LAZY``), for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emsteer.errors import EmsteerError
from emsteer.judging.base import (
    LABELS,
    MIN_NUMERIC_MASS,
    Judge,
    JudgeRequest,
    Judgment,
    score_from_distribution,
)
from emsteer.judging.cache import CachedJudge, JudgmentCache
from emsteer.lazy import lazy_attributes

if TYPE_CHECKING:
    from emsteer.judging.embedding import EmbeddingRelevance
    from emsteer.judging.learned.fit import HeadSettings, fit_learned_judge, reference_encoder, write_predictions
    from emsteer.judging.learned.lm_encoder import DEFAULT_LM_LAYER
    from emsteer.judging.prompts import unknown_metrics
    from emsteer.judging.validity.agreement import (
        check_agreement,
        load_reference,
        remember_agreement,
        sample_reference,
    )
    from emsteer.judging.validity.calibration import check_judge, load_calibration, remember_calibration
    from emsteer.judging.validity.injection import check_injection, remember_injection


def _needs_model(backend: str, arg: str) -> None:
    if not arg:
        raise EmsteerError(f"judge {backend!r} needs a model name: {backend}:MODEL (e.g. {backend}:gpt-4o-2024-08-06)")


def _openai(arg: str | None, **options: Any) -> Judge:
    from emsteer.judging.openai import OpenAIJudge

    _needs_model("openai", arg or "")  # also when the factory is called without check_judge_spec
    return OpenAIJudge(arg or "", **options)


def _sampled(arg: str | None, **options: Any) -> Judge:
    from emsteer.judging.sampled import SampledJudge

    _needs_model("sampled", arg or "")
    return SampledJudge(arg or "", **options)


def _local(arg: str | None, **options: Any) -> Judge:
    from emsteer.judging.local import LocalJudge  # imports torch/transformers: only when used

    return LocalJudge(arg or None, **options)  # None → the local backend's default judge model


def _check_local(backend: str, arg: str) -> None:
    if arg.startswith("bundled:"):
        from emsteer.models.bundled import BUNDLED_MODELS

        name = arg.removeprefix("bundled:")
        if name not in BUNDLED_MODELS:
            raise EmsteerError(f"judge '{backend}:{arg}': no bundled model {name!r}; bundled: {', '.join(BUNDLED_MODELS)}.")


def _learned(arg: str | None, *, reuse=None, **options: Any) -> Judge:
    from emsteer.judging.learned import LearnedJudge
    from emsteer.judging.local import default_model_in

    # Metrics without a learned head go to the prompted default local model: reuse it when loaded.
    return LearnedJudge(arg or None, prompted=default_model_in(reuse), **options)


def _check_learned(backend: str, arg: str) -> None:
    if arg:
        from emsteer.judging.learned import SHIPPED_HEADS, head_path

        if not head_path(arg).is_file():
            raise EmsteerError(f"judge '{backend}:{arg}': learned judge head {arg} not found; expected a .safetensors "
                               f"file made by `emsteer fit-judge`, or a shipped head: {', '.join(SHIPPED_HEADS)}.")


@dataclass(frozen=True)
class Backend:
    """A judge backend: how to build it, how a user spells it, and what can be checked about a
    spec before anything loads (so a typo fails before a run loads its model)."""

    factory: Callable[..., Judge]  # (argument after the first ':' or None, **options) -> Judge
    usage: str  # shown in --help and in errors
    check: Callable[[str, str], None] = lambda backend, arg: None  # (backend, argument) -> raises EmsteerError


DEFAULT_JUDGE = "learned"  # measured against GPT-4o on the reference answers: see docs/judging.md

JUDGE_BACKENDS: dict[str, Backend] = {
    "learned": Backend(_learned, "learned (= learned:qwen15-l12), learned:qwen05-l16, learned:minilm or learned:HEAD.safetensors "
                                 "(a head fitted on reference judgments over a small model's states; the default)",
                       _check_learned),
    "openai": Backend(_openai, "openai:MODEL (an OpenAI-compatible endpoint at $OPENAI_BASE_URL; key from $OPENAI_API_KEY)", _needs_model),
    "local": Backend(_local, "local or local:MODEL_SPEC (a local chat model prompted for 0-100 scores)", _check_local),
    "sampled": Backend(_sampled, "sampled:MODEL (an OpenAI-compatible endpoint without logprobs: the mean of "
                                 "5 sampled numbers)", _needs_model),
}


def judge_usage() -> str:
    """Every backend's spelling, for --help and error messages (generated, so none is left out)."""
    return "; ".join(backend.usage for backend in JUDGE_BACKENDS.values())


def check_judge_spec(spec: str) -> None:
    """What can be checked about a judge spec without loading anything: a known backend, then that
    backend's own check (the model name openai needs, a learned head file that exists, ...)."""
    if not isinstance(spec, str) or not spec.strip():
        raise EmsteerError(f"judge spec must be a non-empty string like 'openai:MODEL' or 'local', got {spec!r}")
    backend, _, arg = spec.strip().partition(":")
    if backend not in JUDGE_BACKENDS:
        raise EmsteerError(f"unknown judge backend {backend!r} in {spec!r}; known backends: {judge_usage()}")
    JUDGE_BACKENDS[backend].check(backend, arg)


def make_judge(spec: str, **options: Any) -> Judge:
    """Build a judge from ``BACKEND[:ARGUMENT]``; ``options`` go to the backend's constructor."""
    check_judge_spec(spec)
    backend, sep, arg = spec.strip().partition(":")
    return JUDGE_BACKENDS[backend].factory(arg if sep else None, **options)


def open_judge(spec: str, *, reuse=None, cache: bool | str = True, **options: Any) -> Judge:
    """A judge for a run: built from ``spec``, wrapped in the judgment cache (default file, a
    path, or none), reusing ``reuse`` (a LoadedModel already in memory) when a local judge
    names the same model, so one model is not loaded twice."""
    check_judge_spec(spec)
    backend, _, arg = spec.strip().partition(":")
    judge: Judge
    if backend == "learned":
        judge = _learned(arg or None, reuse=reuse, **options)
    elif backend == "local" and reuse is not None:
        from emsteer.judging.local import DEFAULT_LOCAL_JUDGE, LocalJudge

        wanted = (arg or DEFAULT_LOCAL_JUDGE).removeprefix("bundled:")
        judge = LocalJudge(reuse, **options) if wanted == reuse.name else make_judge(spec, **options)
    else:
        judge = make_judge(spec, **options)
    if cache is False:
        return judge
    return CachedJudge(judge, None if cache is True else cache)


__all__ = [
    "DEFAULT_JUDGE",
    "Backend",
    "judge_usage",
    "JUDGE_BACKENDS",
    "check_judge_spec",
    "LABELS",
    "MIN_NUMERIC_MASS",
    "CachedJudge",
    "Judge",
    "JudgeRequest",
    "Judgment",
    "JudgmentCache",
    "make_judge",
    "open_judge",
    "score_from_distribution",
    # loaded on first use (_LAZY)
    "DEFAULT_LM_LAYER",
    "EmbeddingRelevance",
    "HeadSettings",
    "check_agreement",
    "check_injection",
    "check_judge",
    "fit_learned_judge",
    "load_calibration",
    "load_reference",
    "reference_encoder",
    "remember_agreement",
    "remember_calibration",
    "remember_injection",
    "sample_reference",
    "unknown_metrics",
    "write_predictions",
]

_LAZY = {
    "EmbeddingRelevance": "emsteer.judging.embedding",
    **{name: "emsteer.judging.learned.fit" for name in ("HeadSettings", "fit_learned_judge", "reference_encoder",
                                                        "write_predictions")},
    "DEFAULT_LM_LAYER": "emsteer.judging.learned.lm_encoder",
    "unknown_metrics": "emsteer.judging.prompts",
    **{name: "emsteer.judging.validity.agreement" for name in ("check_agreement", "load_reference",
                                                               "remember_agreement", "sample_reference")},
    **{name: "emsteer.judging.validity.calibration" for name in ("check_judge", "load_calibration",
                                                                 "remember_calibration")},
    **{name: "emsteer.judging.validity.injection" for name in ("check_injection", "remember_injection")},
}


__getattr__ = lazy_attributes(__name__, _LAZY)
