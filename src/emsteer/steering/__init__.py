"""Steering artifacts, the hooks that apply them, and reference norms."""

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

__all__ = [
    "REFERENCE_PROMPTS",
    "Artifact",
    "Magnitude",
    "Steering",
    "SteeringContext",
    "SteeringSubspace",
    "SteeringVector",
    "capture_residuals",
    "content_hash",
    "import_vector",
    "load_artifact",
    "magnitudes",
    "measure_reference_norms",
    "parse_magnitude",
    "save_artifact",
    "steer",
    "with_reference_norms",
]
