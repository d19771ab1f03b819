"""Analysis of a results store: artifact geometry, plots, and the self-contained HTML report."""

from emsteer.analysis.geometry import (
    CosineMatrix,
    Spectrum,
    SubspaceInfo,
    cosine_matrix,
    cosine_similarities,
    effective_rank,
    layer_spectra,
    recorded_subspaces,
    singular_spectrum,
)
from emsteer.analysis.report import render_report, write_report

__all__ = [
    "CosineMatrix",
    "Spectrum",
    "SubspaceInfo",
    "cosine_matrix",
    "cosine_similarities",
    "effective_rank",
    "layer_spectra",
    "recorded_subspaces",
    "render_report",
    "singular_spectrum",
    "write_report",
]
