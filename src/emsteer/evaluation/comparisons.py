"""Comparisons declared before a run, and the correction of their p-values for multiplicity.

A study file may declare its confirmatory comparisons (``comparisons:``), each a set of cells
picked by their factors, the comparator (the same model's baseline, or a random direction of the
same ρ) and the alternative (``greater``: EM rises; ``two-sided``). The declared comparisons form
one family: their sign-flip p-values are adjusted by Holm (family-wise error) and by
Benjamini–Hochberg (false discovery rate). Every other comparison a table shows is
*exploratory*: a two-sided p, uncorrected, never called significant.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from emsteer.evaluation.summary import ConditionResult, pairing
from emsteer.results.inference import benjamini_hochberg, holm
from emsteer.results.metrics import PairedDifference, paired_difference

FILTER_KEYS = ("method", "task", "layer", "rank", "epochs", "rho", "matched", "kind", "name")
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Declared:
    """One declared comparison: which cells (factor values), against what, in which direction."""

    condition: Mapping[str, Any]
    against: str = "baseline"
    alternative: str = "greater"

    def picks(self, r: ConditionResult) -> bool:
        c = r.condition
        if c.is_baseline or c.is_control or c.factors.get("method") == "random":
            return False
        return self.matches({**c.factors, "rho": c.rho, "kind": c.kind, "name": c.name})

    def matches(self, values: Mapping[str, Any], *, unknown: Collection[str] = ()) -> bool:
        """Whether a cell with these factor values is one this comparison declared; a factor in
        ``unknown`` that the cell has no value for yet (planning, before the run names its cells
        and resolves its default layer) counts as a match."""
        for key, want in self.condition.items():
            got = values.get(key)
            if got is None and key in unknown:
                continue
            if key in ("rho", "matched"):
                if got is None or not math.isclose(float(got), float(want), rel_tol=1e-6, abs_tol=1e-9):
                    return False
            elif str(got) != str(want):
                return False
        return True


def declared_from(raw: Any) -> list[Declared]:
    """The declared comparisons of a stored study config (``meta['study']['comparisons']``)."""
    if not isinstance(raw, list):
        return []
    out = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("condition"), dict):
            out.append(Declared(item["condition"], item.get("against", "baseline"), item.get("alternative", "greater")))
    return out


@dataclass(frozen=True)
class Comparison:
    """A condition against its comparator; ``declared``: part of the corrected family."""

    result: ConditionResult
    comparator: str  # the comparator condition's name
    difference: PairedDifference
    alternative: str
    declared: bool
    p_holm: float | None = None
    q_bh: float | None = None
    family: int | None = None  # how many comparisons Holm and BH corrected over

    @property
    def p(self) -> float | None:
        d = self.difference
        return d.p_greater if self.alternative == "greater" else d.p_value

    @property
    def significant(self) -> bool:
        """Only a declared comparison can be: its Holm-adjusted p at most 0.05."""
        return self.declared and self.p_holm is not None and self.p_holm <= SIGNIFICANCE


def random_for(r: ConditionResult, results: Sequence[ConditionResult], scores: Mapping[str, Sequence],
               alternative: str = "two-sided") -> tuple[ConditionResult, PairedDifference] | None:
    """The random direction at this cell's ρ (and layer) that answers the same draws, and the
    paired difference against it. With several seeds, the one least favourable to the test: the
    largest p under ``alternative`` (no p counts as 1), then the difference least in its favour.
    Picking the seed with the most EM would favour differences below zero, so a two-sided test
    would reject too often."""
    candidates = [x for x in results if x.condition.factors.get("method") == "random"
                  and pairing(x.condition) == pairing(r.condition) and x.condition.rho is not None
                  and r.condition.rho is not None and math.isclose(x.condition.rho, r.condition.rho, rel_tol=1e-6)
                  and x.condition.factors.get("layer", r.condition.factors.get("layer")) == r.condition.factors.get("layer")]
    if not candidates:
        return None

    def unfavourable(d: PairedDifference) -> tuple[float, float]:
        got = d.p_greater if alternative == "greater" else d.p_value
        diff = d.diff or 0.0
        return 1.0 if got is None else got, -diff if alternative == "greater" else -abs(diff)

    made = [(x, paired_difference(scores[x.condition.id], scores[r.condition.id])) for x in candidates]
    return max(made, key=lambda m: (*unfavourable(m[1]), m[0].name))


def store_comparisons(store, results: Sequence[ConditionResult], judge: str | None) -> list[Comparison]:
    """``comparisons`` with the declarations the store's study recorded (the answers' scores are
    read only when a declaration compares with a random direction)."""
    study = store.meta.study
    declared = declared_from(study.get("comparisons") if isinstance(study, dict) else None)
    scores = ({r.condition.id: store.answer_scores(r.condition.id, judge) for r in results}
              if any(d.against == "random" for d in declared) else None)
    return comparisons(results, declared, scores, family=store.meta.declared_family or 0)


def declared_conditions(store, judge: str | None, results: Sequence[ConditionResult] | None = None) -> list:
    """The store's conditions that its declared comparisons compare (both sides), as the judge's
    scores pair them: what a reviewer must read in full for the labels to count a declared test.
    ``results``: the judge's condition results, where the caller has them already."""
    from emsteer.evaluation.summary import condition_results

    if results is None:
        results = [r for r in condition_results(store, judge) if r.summary.overall.n_scored]
    made = [c for c in store_comparisons(store, results, judge) if c.declared]
    ids = {r.name: r.condition.id for r in results}  # the comparator among the compared results, by name
    compared = {c.result.condition.id for c in made} | {ids[c.comparator] for c in made if c.comparator in ids}
    return [c for c in store.conditions() if c.id in compared]


def comparisons(results: Sequence[ConditionResult], declared: Sequence[Declared],
                scores: Mapping[str, Sequence] | None = None, *, family: int = 0) -> list[Comparison]:
    """Every condition against its baseline (exploratory), and each declared comparison; the
    declared ones adjusted as a family. ``scores`` (condition id → AnswerScores) is needed only
    for comparisons against a random direction. ``family``: the size of the declared family once
    the whole study has run; comparisons not made yet count as p = 1, so a study still running
    is corrected over everything it declared, never over fewer (conservative, never anti-)."""
    baselines = {pairing(r.condition): r for r in results if r.condition.is_baseline}
    out: list[Comparison] = []
    made: list[int] = []  # indices of the declared comparisons made
    for r in results:
        if r.condition.is_baseline:
            continue
        wanted = [d for d in declared if d.picks(r)]
        for d in wanted:
            if d.against == "random":
                against = random_for(r, results, scores, d.alternative) if scores is not None else None
                if against is None:
                    continue
                diff, name = against[1], against[0].name
            else:
                if r.vs_baseline is None:
                    continue
                diff, name = r.vs_baseline, baselines[pairing(r.condition)].name
            made.append(len(out))
            out.append(Comparison(r, name, diff, d.alternative, True))
        if not any(d.against == "baseline" for d in wanted) and r.vs_baseline is not None \
                and pairing(r.condition) in baselines:
            out.append(Comparison(r, baselines[pairing(r.condition)].name, r.vs_baseline, "two-sided", False))
    # a comparison made without a p (no pair scored in both conditions) counts as p = 1 too, and
    # gets no adjusted p itself; the others are still corrected over the whole family
    ps = [out[i].p for i in made]
    if made:
        padded = [1.0 if p is None else p for p in ps] + [1.0] * max(0, family - len(ps))
        adjusted, q = holm(padded), benjamini_hochberg(padded)
        for i, p, a, b in zip(made, ps, adjusted, q):
            if p is not None:
                c = out[i]
                out[i] = Comparison(c.result, c.comparator, c.difference, c.alternative, True, a, b, len(padded))
    return out
