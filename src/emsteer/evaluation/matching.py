"""Matched efficacy: the steering magnitude at which a vector has learned the narrow task as well
as a finetune did.

Steering and finetuning can only be compared on EM where both learned the task about equally: a
weak push that never learned it would show no EM for a trivial reason. Efficacy here is the
held-out NLL per assistant token of the task's responses (evaluation/efficacy.py). For one steering
artifact, NLL(ρ) starts at the unsteered model's value at ρ = 0, falls while the push teaches the
task, and rises again once it overshoots. The matched magnitude ρ* is the smallest ρ whose NLL
reaches the finetune's: the whole doubling grid of ρ is evaluated, and the first grid point at or
below the target is bisected against the one before it. Where no grid point reaches the target, the lowest NLL
is refined between its grid neighbours: if a ρ tried there reaches the target, the smallest one is
bisected against the ρ tried below it; otherwise ρ* is the ρ of the lowest NLL and the match says
it was not reached. The NLL is deterministic (teacher forcing, no sampling), so the search needs no repeats.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from emsteer.data.chat import ChatExample
from emsteer.errors import EmsteerError
from emsteer.models import LoadedModel
from emsteer.steering.hooks import Steering
from emsteer.steering.magnitude import Magnitude
from emsteer.training.objective import assistant_nll

GRID = (0.0125, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6)  # ρ, doubling: the studied range and beyond
BISECTIONS = 8  # bracket narrowed to 1/256 of a doubling
GOLDEN_STEPS = 6  # refining the lowest NLL when the target is out of reach


@dataclass(frozen=True)
class MatchedMagnitude:
    rho: float  # ρ*: the smallest ρ whose held-out NLL reaches the target (or the lowest NLL's ρ)
    nll: float  # the held-out NLL at ρ*
    target: float  # the finetune's held-out NLL
    unsteered: float  # the held-out NLL at ρ = 0
    reached: bool  # False: the vector never gets as low as the finetune; ρ* is its best
    curve: tuple[tuple[float, float], ...]  # every (ρ, NLL) evaluated, by ρ

    def to_dict(self) -> dict:
        return {**asdict(self), "curve": [list(p) for p in self.curve]}

    @classmethod
    def from_dict(cls, d: dict) -> "MatchedMagnitude":
        return cls(float(d["rho"]), float(d["nll"]), float(d["target"]), float(d["unsteered"]), bool(d["reached"]),
                   tuple((float(r), float(v)) for r, v in d["curve"]))

    def describe(self) -> str:
        how = "reaches" if self.reached else f"never reaches, up to ρ={GRID[-1]:g} (its lowest is used),"
        return (f"ρ*={self.rho:.4g}: held-out NLL {self.nll:.3f} {how} the target {self.target:.3f} "
                f"(unsteered {self.unsteered:.3f}; {len(self.curve)} magnitudes tried)")


def search_magnitude(nll: Callable[[float], float], target: float) -> MatchedMagnitude:
    """ρ* for a held-out NLL function of ρ (see the module docstring)."""
    if not math.isfinite(target):
        raise EmsteerError(f"Cannot match a held-out NLL of {target}: the finetune's NLL must be a finite number.")
    curve: dict[float, float] = {}

    def at(rho: float) -> float:
        if rho not in curve:
            curve[rho] = float(nll(rho))
        return curve[rho]

    unsteered = at(0.0)
    if target >= unsteered:
        raise EmsteerError(
            f"The finetune's held-out NLL ({target:.3f}) is not below the unsteered model's ({unsteered:.3f}): it "
            "did not learn the task, so there is no efficacy to match. Train it longer or check its data.")

    def done(rho: float, reached: bool) -> MatchedMagnitude:
        return MatchedMagnitude(rho, curve[rho], target, unsteered, reached, tuple(sorted(curve.items())))

    # The whole grid, so a bump in the curve cannot end the search early; then the first grid point
    # that reaches the target is bracketed with the one below it.
    for rho in GRID:
        at(rho)
    points = [0.0, *GRID]
    def bisected(lo: float, hi: float) -> MatchedMagnitude:  # NLL above the target at lo, at or below it at hi
        for _ in range(BISECTIONS):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if at(mid) <= target else (mid, hi)
        return done(hi, True)

    for lo, hi in zip(points, GRID):
        if curve[hi] <= target:
            return bisected(lo, hi)
    # Out of reach: refine the lowest NLL between its neighbours on the grid (golden section).
    k = points.index(min(points, key=lambda r: curve[r]))
    a, b = points[max(k - 1, 0)], points[min(k + 1, len(points) - 1)]
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(GOLDEN_STEPS):
        c, d = b - ratio * (b - a), a + ratio * (b - a)
        a, b = (a, d) if at(c) <= at(d) else (c, b)
    reaching = [r for r in curve if curve[r] <= target]
    if reaching:  # the dip between grid points reaches the target: the smallest ρ that does, bracketed
        hi = min(reaching)
        return bisected(max(r for r in curve if r < hi), hi)
    best = min(curve, key=lambda r: curve[r])
    if best == 0.0:
        raise EmsteerError(
            f"Steering never lowers the held-out NLL below the unsteered model's ({unsteered:.3f}) at any ρ up to "
            f"{GRID[-1]:g}: the artifact does not teach the task, so there is no magnitude to match.")
    return done(best, False)


def match_efficacy(lm: LoadedModel, artifact, held_out: Sequence[ChatExample], target: float, *,
                   max_length: int = 512) -> MatchedMagnitude:
    """ρ* for ``artifact`` on ``lm``: where its held-out NLL of ``held_out`` reaches ``target``."""
    if not held_out:
        raise EmsteerError("Matching efficacy needs held-out examples of the task (train.held_out ≥ 1).")

    def nll(rho: float) -> float:
        steerings = [Steering(artifact, Magnitude.relative(rho))] if rho > 0 else []
        return assistant_nll(lm, held_out, steerings=steerings, max_length=max_length).mean_nll_per_token

    return search_magnitude(nll, target)
