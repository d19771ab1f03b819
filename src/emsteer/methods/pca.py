"""PCA steering vector: the first principal direction of the per-pair activation differences.

The differences d_i = μ_unsafe,i − μ_safe,i are those of ``paired`` (per-example means over
assistant tokens). Like numpy's / sklearn's PCA they are centred first, so the direction is
the one along which the pairs *vary* most; its sign is chosen to agree with the mean
difference (a PCA direction has no sign of its own). The vector is scaled to the norm of the
mean difference so that multiplier 1 is comparable with the CAA vector of the same data.
"""

from __future__ import annotations

import torch

from emsteer.errors import EmsteerError
from emsteer.methods.paired import PairedDifferences, paired_method
from emsteer.steering.artifacts import SteeringVector
from emsteer.steering.reference import with_reference_norms


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


def pca_of_differences(p: PairedDifferences) -> SteeringVector:
    """First principal direction of the paired differences at ``layer``, with ‖v‖ = ‖mean difference‖.

    ``safe`` and the generated safe side work as in ``mean_diff_vector``.
    """
    direction, stats = first_principal_direction(p.diffs)
    vector = SteeringVector({p.layer: direction * stats["mean_difference_norm"]})
    with_reference_norms(vector, p.lm)
    meta = p.metadata("pca", vector.reference_norms[p.layer], centred=True, norm="mean difference")
    vector.metadata = {**meta, **stats}
    return vector


pca_vector = paired_method(pca_of_differences)
