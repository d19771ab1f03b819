"""How strongly to steer: absolute α, multiplier m (α = m·s) or relative ρ (α = ρ·r_ℓ)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from emsteer.errors import EmsteerError

MagnitudeKind = Literal["absolute", "multiplier", "relative"]


@dataclass(frozen=True)
class Magnitude:
    kind: MagnitudeKind
    value: float

    def __post_init__(self) -> None:
        if self.kind not in ("absolute", "multiplier", "relative"):
            raise EmsteerError(f"Unknown magnitude kind {self.kind!r}: use absolute, multiplier or relative.")
        if not isinstance(self.value, (int, float)) or not math.isfinite(self.value):
            raise EmsteerError(f"Steering magnitude must be a finite number, got {self.value!r} ({self.kind}).")

    @classmethod
    def absolute(cls, alpha: float) -> "Magnitude":
        return cls("absolute", float(alpha))

    @classmethod
    def multiplier(cls, m: float) -> "Magnitude":
        return cls("multiplier", float(m))

    @classmethod
    def relative(cls, rho: float) -> "Magnitude":
        return cls("relative", float(rho))

    def alpha(self, artifact, layer: int) -> float:
        """The absolute coefficient α at ``layer`` for ``artifact``."""
        if self.kind == "absolute":
            return self.value
        if self.kind == "multiplier":
            return self.value * artifact.natural_scale(layer)
        norm = artifact.reference_norms.get(layer)
        if norm is None:
            raise EmsteerError(
                f"A relative magnitude needs the reference norm r_{layer}, which this artifact lacks. "
                "Measure it with emsteer.steering.with_reference_norms(artifact, model), "
                "or give an absolute magnitude or a multiplier instead."
            )
        return self.value * norm

    def rho(self, artifact, layer: int) -> float | None:
        """ρ = α / r_ℓ, recorded with every result so runs compare across models."""
        norm = artifact.reference_norms.get(layer)
        return None if not norm else self.alpha(artifact, layer) / norm

    def __str__(self) -> str:
        symbol = {"absolute": "α", "multiplier": "m", "relative": "ρ"}[self.kind]
        return f"{symbol}={self.value:g}"


def magnitudes(relative: Iterable[float] = (), absolute: Iterable[float] = (),
               multiplier: Iterable[float] = ()) -> list[Magnitude]:
    """The magnitudes a front end was given by kind (``--relative``/``relative=`` ...), relative
    ones first, then absolute, then multipliers, each kind in the order given."""
    return ([Magnitude.relative(x) for x in relative] + [Magnitude.absolute(x) for x in absolute]
            + [Magnitude.multiplier(x) for x in multiplier])


def parse_magnitude(text: str) -> Magnitude:
    """Parse 'rho=4', 'relative:4', 'alpha=12', 'abs:12', 'm=2', 'x2' or a bare number (relative)."""
    t = text.strip().lower().replace("ρ", "rho").replace("α", "alpha")
    for prefixes, kind in (
        (("rho=", "relative=", "relative:", "rel:", "rho:"), "relative"),
        (("alpha=", "absolute=", "absolute:", "abs:", "alpha:"), "absolute"),
        (("m=", "multiplier=", "multiplier:", "mult:", "x"), "multiplier"),
    ):
        for p in prefixes:
            if t.startswith(p):
                t, chosen = t[len(p):], kind
                break
        else:
            continue
        break
    else:
        chosen = "relative"
    try:
        value = float(t)
    except ValueError:
        raise EmsteerError(
            f"Cannot read magnitude {text!r}: write e.g. 'rho=0.25' (relative), 'alpha=12' (absolute) "
            "or 'm=2' (multiplier); a bare number is relative."
        ) from None
    return Magnitude(chosen, value)  # type: ignore[arg-type]
