"""Construction methods: narrow-task data → steering artifact. One file per method, one line here.

Every builder takes ``(lm, examples, *, layer, ...)`` and returns an artifact whose metadata
records the model and revision, layer, method, all hyper-parameters, seed, data hash, number of
examples and the reference norm r_ℓ.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

from emsteer.data.chat import ChatExample
from emsteer.errors import EmsteerError
from emsteer.models import LoadedModel
from emsteer.steering.artifacts import Artifact
from emsteer.steering.methods.low_rank import per_example_vectors, svd_subspace, train_subspace, truncate
from emsteer.steering.methods.mean_diff import assistant_activation_means, mean_diff_vector
from emsteer.steering.methods.optimized import train_vector
from emsteer.steering.methods.pca import pca_vector

METHODS: dict[str, Callable[..., Artifact]] = {
    "optimized": train_vector,  # trained vector (optimized objective)
    "mean-diff": mean_diff_vector,  # CAA; safe= paired data, or the model's own answers
    "pca": pca_vector,  # first principal direction of paired differences
    "subspace": train_subspace,  # trained rank-k subspace (rank=)
    "svd": svd_subspace,  # rank-k SVD truncation of the per-example mean differences (rank=)
}


def method_names() -> list[str]:
    return list(METHODS)


def get_method(name: str) -> Callable[..., Artifact]:
    key = name.strip().lower().replace("_", "-")
    if key not in METHODS:
        raise EmsteerError(f"Unknown construction method {name!r}; choose one of {', '.join(METHODS)}.")
    return METHODS[key]


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
    "assistant_activation_means",
    "build_artifact",
    "get_method",
    "mean_diff_vector",
    "method_names",
    "pca_vector",
    "per_example_vectors",
    "svd_subspace",
    "train_subspace",
    "train_vector",
    "truncate",
]
