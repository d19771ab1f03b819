"""Steering artifacts, the hooks that apply them, reference norms, and import/export of vector
files (the export names load on first use)."""

from typing import TYPE_CHECKING

from emsteer.lazy import lazy_attributes
from emsteer.steering.artifacts import (
    Artifact,
    SteeringSubspace,
    SteeringVector,
    content_hash,
    load_artifact,
    save_artifact,
)
from emsteer.steering.hooks import Steering, SteeringContext, capture_residuals, steer
from emsteer.steering.importers import import_vector
from emsteer.steering.magnitude import Magnitude, magnitudes, parse_magnitude
from emsteer.steering.reference import REFERENCE_PROMPTS, measure_reference_norms, with_reference_norms

if TYPE_CHECKING:
    from emsteer.steering.exporters import EXPORT_FORMATS, EXPORT_SUFFIXES, export_vector

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_SUFFIXES",
    "REFERENCE_PROMPTS",
    "Artifact",
    "Magnitude",
    "Steering",
    "SteeringContext",
    "SteeringSubspace",
    "SteeringVector",
    "capture_residuals",
    "content_hash",
    "export_vector",
    "import_vector",
    "load_artifact",
    "magnitudes",
    "measure_reference_norms",
    "parse_magnitude",
    "save_artifact",
    "steer",
    "with_reference_norms",
]

_LAZY = {name: "emsteer.steering.exporters" for name in ("EXPORT_FORMATS", "EXPORT_SUFFIXES", "export_vector")}


__getattr__ = lazy_attributes(__name__, _LAZY)
