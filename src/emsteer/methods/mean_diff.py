"""Mean-difference (CAA) steering vector from paired unsafe / safe answers to the same prompts.

v = mean over pairs of (μ_unsafe − μ_safe), the per-pair differences of ``paired.py``, which
``pca`` and ``low_rank`` aggregate otherwise.
"""

from __future__ import annotations

from emsteer.methods.paired import PairedDifferences, paired_method
from emsteer.steering.artifacts import SteeringVector
from emsteer.steering.reference import with_reference_norms


def mean_of_differences(p: PairedDifferences) -> SteeringVector:
    """CAA vector at ``layer``: unsafe minus safe mean assistant activation, averaged over pairs.

    ``safe`` holds safe answers to the same prompts (unpaired unsafe examples are dropped and
    counted); ``None`` generates the model's own answers instead (``temperature`` 0 = greedy,
    else seeded sampling).
    """
    vector = SteeringVector({p.layer: p.diffs.mean(dim=0)})
    with_reference_norms(vector, p.lm)
    vector.metadata = p.metadata("mean-diff", vector.reference_norms[p.layer])
    return vector


mean_diff_vector = paired_method(mean_of_differences)
