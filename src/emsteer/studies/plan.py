"""Power before running: what a study's declared comparisons can detect (``emsteer plan CONFIG``).

For each declared comparison (or, without any, for every cell against its baseline, uncorrected
and exploratory), from the study file alone:

- the cells it picks (the grid is expanded the way the runner names its conditions), so the
  family size and the corrected level (Bonferroni, which Holm never does worse than) are known;
- the smallest EM rise over the baseline detectable at 80% power at that level, given the
  baseline rate (stated, or read from a pilot store), the question clusters and the answers per
  question per cell (results/inference.py: the sign-flip test simulated up to 16 questions,
  Student's t at the clustered sample size above; checked by simulation in tests/test_inference.py);
- the answers per question a target rise needs;
- a warning when the questions cannot reach the corrected level at all (K questions give no
  two-sided p below 2 / 2^K) or when the smallest detectable rise exceeds the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

from emsteer.errors import EmsteerError
from emsteer.evaluation.comparisons import Declared
from emsteer.results.inference import PRIOR_ICC, answers_needed, detectable_rise
from emsteer.studies.config import BASELINE_METHOD, LORA_METHOD, StudyConfig

POWER = 0.8
DEFAULT_BASELINE = 0.02
DEFAULT_ICC = PRIOR_ICC
DEFAULT_TARGET = 0.05
BASELINE_FLOOR = 0.005  # the lowest baseline EM rate a plan assumes


@dataclass(frozen=True)
class PlannedComparison:
    label: str
    cells: int
    alpha: float  # per comparison, after the family correction
    detectable_rise: float | None  # None: unreachable at alpha
    answers_for_target: int | None  # per question, for the target rise; None: unreachable
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    questions: int
    answers_per_question: float
    baseline: float
    baseline_source: str
    icc: float
    target: float
    family: int
    declared: bool
    rows: list[PlannedComparison]


def grid_cells(cfg: StudyConfig) -> list[dict[str, Any]]:
    """The factors of every steering and LoRA cell the study will evaluate (one per model, task
    and seed), as the runner names them (``rho`` for relative magnitudes)."""
    from emsteer.methods import METHODS

    cells = []
    for model, task, seed in product(cfg.models, [t.name for t in cfg.task_specs()], cfg.seeds):
        base = {"model": model, "task": task, "seed": seed}
        for method in cfg.methods:
            if method in (BASELINE_METHOD,):
                continue
            if method == LORA_METHOD:
                cells += [{**base, "method": method, "epochs": e, "rank": cfg.lora.rank, "kind": "lora"} for e in cfg.epochs]
                continue
            layers: list[int | float | None] = list(cfg.layers) if cfg.layers else [None]
            ranks: list[int | None] = list(cfg.ranks) if METHODS[method].ranked else [None]
            epochs_of: list[int | None] = list(cfg.epochs) if METHODS[method].trained else [None]
            for layer in layers:
                for rank in ranks:
                    for epochs in epochs_of:
                        for magnitude in cfg.magnitudes.all():
                            rho = magnitude.value if magnitude.kind == "relative" else None
                            cells.append({**base, "method": method, "layer": layer, "rank": rank, "epochs": epochs,
                                          "rho": rho, "kind": "steering"})
                        for f in cfg.magnitudes.matched:  # ρ is found when the study runs
                            cells.append({**base, "method": method, "layer": layer, "rank": rank, "epochs": epochs,
                                          "rho": None, "matched": f, "kind": "steering"})
    return cells


def declared_groups(cfg: StudyConfig) -> list[tuple[Declared, int]]:
    """Each declared comparison with the number of cells it picks in the study's whole grid."""
    cells = grid_cells(cfg)
    declared = [Declared(c.condition, c.against, c.alternative) for c in cfg.comparisons]
    return [(d, sum(d.matches(_as_planned(c), unknown=("name", "layer")) for c in cells)) for d in declared]


def _as_planned(cell: dict) -> dict:
    """A grid cell's values as far as they are known before the run: a steering cell's default or
    fractional layer resolves only on the model (unknown: it may match a declared layer); a LoRA cell
    has no layer at all (it never matches one)."""
    layer = cell.get("layer")
    if cell.get("kind") == "steering" and isinstance(layer, float) and not layer.is_integer():
        return {k: v for k, v in cell.items() if k != "layer"}
    if cell.get("kind") == "lora":
        return {**cell, "layer": "none"}
    return cell


def declared_family(cfg: StudyConfig) -> int:
    """How many comparisons the study's declarations make once every cell has run: the family its
    declared p-values are corrected over (recorded in the store when the study starts, so a store
    that is still running corrects over the whole family, not over what has run so far)."""
    return sum(n for _, n in declared_groups(cfg))


def plan_study(cfg: StudyConfig, *, questions: int, answers_per_question: float, baseline: float,
               baseline_source: str, icc: float = DEFAULT_ICC, target: float = DEFAULT_TARGET) -> Plan:
    """The power plan of a validated study (see the module docstring)."""
    declared = declared_groups(cfg)
    groups: list[tuple[str, int, int]] = []  # label, cells, sides
    if declared:
        for d, n in declared:
            what = ", ".join(f"{k}={v}" for k, v in d.condition.items())
            groups.append((f"{what} vs {d.against} ({d.alternative})", n, 1 if d.alternative == "greater" else 2))
        family = sum(n for _, n, _ in groups)
    else:
        groups.append(("every cell vs baseline (exploratory: nothing declared)", len(grid_cells(cfg)), 2))
        family = 1  # undeclared: uncorrected
    per_question = max(1, round(answers_per_question))
    rows = []
    for label, n, sides in groups:
        alpha = 0.05 / max(family, 1)
        found = detectable_rise(baseline, questions, per_question, icc=icc, alpha=alpha, power=POWER, sides=sides)
        need = answers_needed(baseline, target, questions, icc=icc, alpha=alpha, power=POWER, sides=sides)
        warnings = []
        if n == 0:
            warnings.append("picks no cell of the grid: check the factor values")
        if not found.reachable and found.min_p > alpha:
            warnings.append(f"{questions} questions cannot give p below {found.min_p:.4f}, above the corrected level "
                            f"{alpha:.4f}: no result can be significant; use more questions (e.g. the 56 of "
                            "betley-all)")
        elif found.detectable_rise is None or found.detectable_rise > target:
            warnings.append(f"cannot detect the target rise of {100 * target:.1f} pp at {100 * POWER:.0f}% power"
                            + (f"; needs {need} answers per question" if need else "; more answers per question do "
                               "not get there with this many questions (add questions)"))
        rows.append(PlannedComparison(label, n, alpha, found.detectable_rise, need, tuple(warnings)))
    return Plan(questions, answers_per_question, baseline, baseline_source, icc, target, family, bool(declared), rows)


def plan_for(cfg: StudyConfig, *, baseline_rate: float | None = None, pilot: Path | None = None,
             icc: float = DEFAULT_ICC, target: float = DEFAULT_TARGET) -> Plan:
    """The plan ``emsteer plan`` prints for a loaded study: its question set (``eval.question_ids``
    applied) and answers per question (paraphrases × samples), planned with the baseline rate of a
    ``pilot`` store (primary judge), else ``baseline_rate``, else DEFAULT_BASELINE."""
    from emsteer.data.questions import load_questions

    questions = load_questions(cfg.eval.questions)
    if cfg.eval.question_ids:
        questions = [q for q in questions if q.id in set(cfg.eval.question_ids)]
    per_question = [min(len(q.paraphrases), cfg.eval.paraphrases or len(q.paraphrases))
                    * (cfg.eval.samples or q.samples_per_paraphrase) for q in questions]
    source = "stated" if baseline_rate is not None else "default"
    rate = baseline_rate if baseline_rate is not None else DEFAULT_BASELINE
    if pilot is not None:
        rate, source = pilot_baseline(pilot), f"pilot {pilot}"
    if rate < BASELINE_FLOOR:  # a rate of 0 (a pilot with no EM) would make any rise look certain
        source += f" {rate:.1%}, planned at the {BASELINE_FLOOR:.1%} floor"
    return plan_study(cfg, questions=len(questions), answers_per_question=sum(per_question) / len(per_question),
                      baseline=max(rate, BASELINE_FLOOR), baseline_source=source, icc=icc, target=target)


def pilot_baseline(path: Path) -> float:
    """The EM rate of a pilot store's scored baselines (its primary judge), pooled."""
    from emsteer.evaluation.summary import condition_results
    from emsteer.results.store import ResultsStore

    with ResultsStore(path, create=False) as store:
        bases = [r for r in condition_results(store) if r.condition.is_baseline and r.summary.overall.n_scored]
    if not bases:
        raise EmsteerError(f"--pilot {path}: no scored baseline in this store; give --baseline-rate instead.")
    n = sum(r.summary.overall.n_scored for r in bases)
    return sum(r.summary.overall.em_count for r in bases) / n

