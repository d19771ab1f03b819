"""Construction methods: narrow-task data → steering artifact. One file per method, one line here.

Every builder takes ``(lm, examples, *, layer, ...)`` and returns an artifact whose metadata
records the model and revision, layer, method, all hyper-parameters, seed, data hash, number of
examples and the reference norm r_ℓ.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from emsteer.data.chat import ChatExample
from emsteer.data.tasks import TASKS, load_examples
from emsteer.errors import EmsteerError
from emsteer.methods.low_rank import per_example_vectors, svd_subspace, train_subspace, truncate
from emsteer.methods.mean_diff import mean_diff_vector
from emsteer.methods.optimized import train_vector
from emsteer.methods.paired import assistant_activation_means, paired_method
from emsteer.methods.pca import pca_vector
from emsteer.models import LoadedModel
from emsteer.steering.artifacts import Artifact


@dataclass(frozen=True)
class Method:
    """A construction method and what it can do, read by ``emsteer build``, the API and studies."""

    build: Callable[..., Artifact]
    trained: bool = False  # trained for E epochs with per-epoch checkpoints (the epochs factor)
    ranked: bool = False  # builds a rank-k subspace: takes rank=
    paired: bool = False  # compares unsafe with safe answers to the same prompts: takes safe=


METHODS: dict[str, Method] = {
    "optimized": Method(train_vector, trained=True),  # trained vector (optimized objective)
    "mean-diff": Method(mean_diff_vector, paired=True),  # CAA; safe= paired data, or the model's own answers
    "pca": Method(pca_vector, paired=True),  # first principal direction of paired differences
    "subspace": Method(train_subspace, trained=True, ranked=True),  # trained rank-k subspace (rank=)
    "svd": Method(svd_subspace, ranked=True, paired=True),  # rank-k SVD truncation of per-example differences
}


def method_names(*, trained: bool | None = None, ranked: bool | None = None) -> list[str]:
    """Method names, optionally only those that are (or are not) trained / ranked."""
    return [n for n, m in METHODS.items()
            if (trained is None or m.trained == trained) and (ranked is None or m.ranked == ranked)]


def method_params(name: str, *, seed: int = 0, max_length: int = 256, epochs: int = 1, batch_size: int = 4,
                  grad_accum: int = 1, lr: float | None = None, max_norm: float | None = None, memory=None,
                  checkpoint_dir=None, safe: Sequence[ChatExample] | None = None, rank: int | None = None,
                  progress: bool | None = None, lr_schedule: str | None = None,
                  warmup_steps: int | None = None, checkpoint_every: int | None = None,
                  resume: bool | None = None) -> dict:
    """The builder arguments of method ``name`` from the options every front end offers (``emsteer
    build``, studies): training options go to trained methods, ``safe`` to paired ones, ``rank`` to
    ranked ones; ``lr``, ``lr_schedule``, ``warmup_steps``, ``max_norm``, ``memory``, ``progress``,
    ``checkpoint_every`` and ``resume`` only where given and the builder takes them (paired methods keep their own batch size: they
    batch activations, not steps)."""
    info = method_info(name)
    params: dict = {"seed": seed, "max_length": max_length}
    if info.trained:
        params.update(epochs=epochs, batch_size=batch_size, grad_accum=grad_accum, checkpoint_dir=checkpoint_dir)
    if info.paired:
        params["safe"] = safe
    if info.ranked and rank is not None:  # a ranked builder without one says it needs rank=
        params["rank"] = rank
    takes = inspect.signature(info.build).parameters
    optional = {"lr": lr, "lr_schedule": lr_schedule, "warmup_steps": warmup_steps, "max_norm": max_norm,
                "memory": memory, "progress": progress, "checkpoint_every": checkpoint_every, "resume": resume}
    params.update({k: v for k, v in optional.items() if v is not None and k in takes})
    return params


def method_info(name: str) -> Method:
    key = name.strip().lower().replace("_", "-")
    if key not in METHODS:
        raise EmsteerError(f"Unknown construction method {name!r}; choose one of {', '.join(METHODS)}.")
    return METHODS[key]


def get_method(name: str) -> Callable[..., Artifact]:
    return method_info(name).build


def build_artifact(method: str, lm: LoadedModel, examples: Sequence[ChatExample], *, layer: int, **params) -> Artifact:
    """Build an artifact with ``method``; ``params`` are that method's keyword arguments (checked by name)."""
    builder = get_method(method)
    accepted = [
        p.name for p in list(inspect.signature(builder).parameters.values())[2:]
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name != "layer"
    ]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise EmsteerError(
            f"Method {method!r} has no parameter(s) {', '.join(unknown)}; it accepts: {', '.join(accepted)}."
        )
    required = [
        p.name for p in inspect.signature(builder).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty and p.name != "layer"
    ]
    missing = [name for name in required if name not in params]
    if missing:
        raise EmsteerError(f"Method {method!r} needs {', '.join(missing)} (e.g. rank= for subspace methods).")
    return builder(lm, examples, layer=layer, **params)


__all__ = [
    "METHODS",
    "Method",
    "assistant_activation_means",
    "build_artifact",
    "get_method",
    "mean_diff_vector",
    "method_info",
    "method_names",
    "method_params",
    "paired_method",
    "pca_vector",
    "per_example_vectors",
    "safe_examples",
    "svd_subspace",
    "train_subspace",
    "train_vector",
    "truncate",
]


def safe_examples(task: str | None, safe: str | Path | Sequence[ChatExample] | None) -> list[ChatExample] | None:
    """The safe answers a paired method (mean-diff, pca, svd) compares the narrow-task answers
    with: ``safe`` when given (a task name, a chat JSONL file or examples), else the paired safe
    set of the built-in task named ``task`` (its ``pair``), else None: the method then uses the
    model's own answers. ``emsteer build``, ``em.build_vector`` and studies all resolve it here."""
    pair = TASKS[task].pair if task is not None and task in TASKS else None
    chosen = safe if safe is not None else (pair or None)
    return load_examples(chosen) if chosen is not None else None
