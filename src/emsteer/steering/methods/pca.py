"""PCA steering vector: the first principal direction of the per-pair activation differences.

The differences d_i = μ_unsafe,i − μ_safe,i are those of ``mean_diff`` (per-example means over
assistant tokens). Like numpy's / sklearn's PCA they are centred first, so the direction is
the one along which the pairs *vary* most; its sign is chosen to agree with the mean
difference (a PCA direction has no sign of its own). The vector is scaled to the norm of the
mean difference so that multiplier 1 is comparable with the CAA vector of the same data.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from emsteer.data.chat import ChatExample
from emsteer.errors import EmsteerError
from emsteer.models import LoadedModel
from emsteer.steering.artifacts import SteeringVector
from emsteer.steering.methods.mean_diff import pair_up, paired_differences
from emsteer.steering.reference import with_reference_norms
from emsteer.training.objective import provenance


def first_principal_direction(diffs: torch.Tensor) -> tuple[torch.Tensor, dict]:
    """Unit first principal direction of the rows of ``diffs`` (centred), sign-aligned with their mean.

    Returns the direction and statistics: explained variance (ratio), the eigenvalue and the
    cosine between the direction and the mean difference.
    """
    if diffs.ndim != 2 or diffs.shape[0] < 2:
        raise EmsteerError(f"PCA needs at least 2 paired differences, got {diffs.shape[0] if diffs.ndim == 2 else 0}.")
    x = diffs.double()
    mean = x.mean(dim=0)
    centred = x - mean
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)
    variances = s**2 / (x.shape[0] - 1)
    total = float(variances.sum())
    if total <= 0:
        raise EmsteerError("All paired differences are identical: they have no principal direction.")
    u = vh[0]
    if float(u @ mean) < 0:
        u = -u
    mean_norm = float(mean.norm())
    stats = {
        "explained_variance_ratio": float(variances[0]) / total,
        "explained_variance": float(variances[0]),
        "total_variance": total,
        "cosine_with_mean_difference": float(u @ mean) / mean_norm if mean_norm > 0 else 0.0,
        "mean_difference_norm": mean_norm,
    }
    return u.float(), stats


def pca_vector(
    lm: LoadedModel,
    unsafe: Sequence[ChatExample],
    *,
    layer: int,
    safe: Sequence[ChatExample] | None = None,
    batch_size: int = 8,
    max_length: int = 512,
    seed: int = 0,
    temperature: float = 0.0,
    max_new_tokens: int = 256,
    progress: bool = True,
) -> SteeringVector:
    """First principal direction of the paired differences at ``layer``, with ‖v‖ = ‖mean difference‖.

    ``safe`` and the generated safe side work as in ``mean_diff_vector``.
    """
    lm.check_layer(layer)
    data = pair_up(lm, unsafe, safe, seed=seed, temperature=temperature, max_new_tokens=max_new_tokens,
                   batch_size=batch_size, progress=progress)
    diffs = paired_differences(lm, data, layer=layer, batch_size=batch_size, max_length=max_length)
    direction, stats = first_principal_direction(diffs)
    vector = SteeringVector({layer: direction * stats["mean_difference_norm"]})
    with_reference_norms(vector, lm)
    hyper = dict(batch_size=batch_size, max_length=max_length, centred=True,
                 norm="mean difference", token_pooling="mean over assistant tokens per example")
    if safe is None:
        hyper.update(temperature=temperature, max_new_tokens=max_new_tokens)
    vector.metadata = {
        **provenance(lm, method="pca", layer=layer, examples=data.unsafe, hyperparameters=hyper,
                     seed=seed if safe is None else None, reference_norm=vector.reference_norms[layer]),
        **data.info,
        **stats,
    }
    return vector
