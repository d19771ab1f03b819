"""Analysis of a results store: artifact geometry, plots, the self-contained HTML report, and
findings across stores (``write_findings``, loaded on first use)."""

from typing import TYPE_CHECKING

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
from emsteer.lazy import lazy_attributes

if TYPE_CHECKING:
    from emsteer.analysis.findings import write_findings

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
    "write_findings",
    "write_report",
]

_LAZY = {"write_findings": "emsteer.analysis.findings"}


__getattr__ = lazy_attributes(__name__, _LAZY)
