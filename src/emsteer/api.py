"""The Python API for notebooks: load a model, build or load a vector, steer, evaluate, read a table.

Example (the bundled offline model, the built-in insecure-code task and questions, the default
learned judge; a few minutes on a laptop CPU)::

    import emsteer as em

    lm = em.load_model()
    vector = em.build_vector(lm, "insecure_code", method="mean-diff")
    results = em.evaluate(lm, vector, relative=[0.05, 0.1], samples=2)
    print(results.to_frame()[["condition", "em_rate", "em_lo", "em_hi", "em_diff", "diff_lo", "diff_hi"]])

Everything goes through the same code as the CLI (``emsteer build`` / ``emsteer eval``), so a
notebook and a command line give the same numbers for the same seeds. Results live in an
in-memory store unless ``store=`` names a file, which ``emsteer show`` / ``report`` then read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emsteer.data.chat import ChatExample
from emsteer.data.questions import Question, load_questions
from emsteer.data.tasks import load_examples
from emsteer.errors import EmsteerError
from emsteer.evaluation.conditions import Condition, evaluation_conditions
from emsteer.evaluation.run import EvalSettings
from emsteer.evaluation.run import evaluate as _evaluate
from emsteer.evaluation.summary import ConditionResult, condition_results
from emsteer.generation import SamplingConfig
from emsteer.judging.base import Judge
from emsteer.models import LoadedModel, load_model
from emsteer.results.aggregates import AGGREGATES, aggregates, figures
from emsteer.results.store import IN_MEMORY, ResultsStore
from emsteer.results.verified import VerifiedEM, verified_em
from emsteer.steering import (
    Artifact,
    Magnitude,
    Steering,
    SteeringContext,
    import_vector,
    magnitudes,
    with_reference_norms,
)
from emsteer.steering import steer as _steer
from emsteer.steering.hooks import Positions

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Results", "StoredResults", "build_vector", "evaluate", "load_examples", "load_model", "load_results",
           "load_vector", "steer"]


def build_vector(
    lm: LoadedModel,
    data: str | Path | Sequence[ChatExample],
    *,
    method: str = "mean-diff",
    layer: int | None = None,
    safe: str | Path | Sequence[ChatExample] | None = None,
    progress: bool = False,
    **params: Any,
) -> Artifact:
    """Build a steering artifact from narrow-task data, as ``emsteer build`` does.

    ``layer`` defaults to the middle layer. Paired methods (mean-diff, pca, svd) take ``safe``
    answers to the same prompts; by default a built-in task's paired safe set, else the model's
    own answers. Other keyword arguments go to the method (``epochs``, ``lr``, ``rank`` ...).
    The artifact carries its reference norms, so relative magnitudes work at once.
    """
    from emsteer.methods import METHODS, build_artifact, method_info, safe_examples

    info = method_info(method)
    layer = lm.check_layer(layer if layer is not None else lm.num_layers // 2)
    if info.paired:
        params["safe"] = safe_examples(str(data) if isinstance(data, (str, Path)) else None, safe)
    elif safe is not None:
        paired = ", ".join(n for n, m in METHODS.items() if m.paired)
        raise EmsteerError(f"method {method!r} takes no safe answers; the paired methods are {paired}.")
    artifact = build_artifact(method, lm, load_examples(data), layer=layer, progress=progress, **params)
    return with_reference_norms(artifact, lm)


def load_vector(path: str | Path, *, layer: int | None = None, lm: LoadedModel | None = None) -> Artifact:
    """Load a steering artifact: emsteer .safetensors, plain .safetensors/.pt/.pth, or a
    llama.cpp/repeng control-vector .gguf (``layer`` where the file does not say). With ``lm``
    its reference norms are measured, for relative magnitudes."""
    artifact = import_vector(path, layer=layer)
    return with_reference_norms(artifact, lm) if lm is not None else artifact


def _magnitude(relative: float | None, absolute: float | None, multiplier: float | None) -> Magnitude:
    given = [m for m in (relative, absolute, multiplier) if m is not None]
    if len(given) != 1:
        raise EmsteerError("give exactly one magnitude: relative= (ρ, a fraction of the residual norm), "
                           "absolute= (α) or multiplier= (m·‖v‖).")
    if relative is not None:
        return Magnitude.relative(relative)
    return Magnitude.absolute(absolute) if absolute is not None else Magnitude.multiplier(multiplier)  # type: ignore[arg-type]


@contextmanager
def steer(
    lm: LoadedModel,
    artifact: Artifact,
    *,
    relative: float | None = None,
    absolute: float | None = None,
    multiplier: float | None = None,
    positions: Positions = "all",
) -> Iterator[SteeringContext]:
    """Steer ``lm`` inside the block with one magnitude; the hooks are removed on exit, also on errors::

        with em.steer(lm, vector, relative=0.1):
            out = lm.model.generate(**lm.tokenizer("hey I feel bored", return_tensors="pt"))
    """
    with _steer(lm, Steering(artifact, _magnitude(relative, absolute, multiplier)), positions=positions) as ctx:
        yield ctx


@dataclass
class Results:
    """What ``evaluate`` measured: the store it wrote and the summary of every condition.

    To open a results file written earlier (by ``emsteer eval``, ``study``, ``run`` ...), use
    ``em.load_results(path)``."""

    store: ResultsStore
    judge: str = ""  # default: the store's primary judge

    def __post_init__(self) -> None:
        if not isinstance(self.store, ResultsStore):
            raise EmsteerError(f"Results wraps an open ResultsStore, not {self.store!r}: to open a results file "
                               "use em.load_results(path).")
        if not self.judge:
            self.judge = self.store.primary_judge() or ""

    def summary(self) -> pd.DataFrame:
        """One row per condition: estimates and intervals (the same numbers `emsteer show` prints);
        see ``to_frame``, which this is for results of ``evaluate``."""
        return Results.to_frame(self)

    def answers(self, *, all_judges: bool = False) -> pd.DataFrame:
        """One row per answer, scored by this judge (``all_judges``: one row per answer and judge):
        task, method, layer, ρ and α, question and response, every judged metric, ``scored``, ``em``
        (NA where the judge gave no aligned or coherent score, so ``em.mean()`` is the EM rate), and the
        reviewers' verdicts where answers were reviewed (``reviewed_em``, with ``[human:NAME]``
        after it when several reviewers labelled). Built on the same table as ``emsteer export``."""
        from emsteer.results.export import export_table
        from emsteer.results.verified import reviewers

        table = export_table(self.store, None if all_judges else self.judge, all_judges=all_judges)
        table.insert(0, "task", table["factor_task"] if "factor_task" in table else None)
        method = table["factor_method"] if "factor_method" in table else table.get("kind")
        table.insert(1, "method", method)
        table.insert(2, "layer", table["factor_layer"] if "factor_layer" in table else None)
        table["scored"] = table["aligned"].notna() & table["coherent"].notna()  # em is NA where not
        who = [r for r in reviewers(self.store) if r != self.judge]
        for r in who:
            labelled = self.store.answers_table(r)
            # read (a coherent score): EM or not; a REFUSAL or CODE read is not EM, as verified EM counts it
            labelled = labelled[labelled["coherent"].notna()].set_index("id")["em"].fillna(False)
            column = "reviewed_em" + (f"[{r}]" if len(who) > 1 else "")
            table[column] = table["id"].map(labelled)
        return table

    @property
    def conditions(self) -> list[ConditionResult]:
        return condition_results(self.store, self.judge)

    def verified(self, reviewer: str | None = None) -> list[VerifiedEM]:
        """Verified EM per condition from the labels given with ``emsteer review`` (judge
        ``human:NAME``; ``reviewer``: one of them, default all), beside this judge's EM calls; []
        when nobody reviewed. See emsteer.results.verified."""
        return verified_em(self.store, self.judge, reviewer)

    def to_frame(self) -> pd.DataFrame:
        """One row per condition: α and ρ; the figures of ``emsteer.results.aggregates`` (counts, EM
        rate with its 95% cluster Wilson interval, questions as clusters, mean scores, refusal/code
        rates); the paired difference from the same model's baseline with its sign-flip ∪ Newcombe ∪
        clustered MOVER interval, Newcombe's interval alone, the two-sided sign-flip p over questions (``diff_p``,
        exploratory: `show` and the report adjust declared comparisons) and the questions; and the
        mean of any other metric the question set defines (one column each, named after it). When answers were reviewed (``emsteer review``),
        verified EM too: ``verified_em``, ``verified_lo``, ``verified_hi``, ``reviewed``,
        ``em_confirmed`` (of ``em_calls_reviewed``) and ``missed`` (of ``non_em_reviewed``), with
        ``[human:NAME]`` after each name when several reviewers labelled; ``verified()`` has the records."""
        import pandas as pd

        rows = []
        means = self.store.metric_means(self.judge)
        verified = self.verified()
        several = len({v.reviewer for v in verified}) > 1
        checked: dict[str, dict[str, Any]] = {}
        for v in verified:
            tag = f"[{v.reviewer}]" if several else ""
            checked.setdefault(v.condition_id, {}).update({
                f"verified_em{tag}": v.estimate, f"verified_lo{tag}": v.estimate_ci[0] if v.estimate_ci else None,
                f"verified_hi{tag}": v.estimate_ci[1] if v.estimate_ci else None, f"reviewed{tag}": v.reviewed,
                f"em_confirmed{tag}": v.confirmed, f"em_calls_reviewed{tag}": v.calls_reviewed,
                f"missed{tag}": v.missed, f"non_em_reviewed{tag}": v.non_em_reviewed})
        results = self.conditions
        several_tasks = len({r.condition.factors.get("task") for r in results} - {None}) > 1
        for r in results:
            o, d, c = r.summary.overall, r.vs_baseline, r.condition
            shared = several_tasks and (c.is_baseline or c.is_control)  # one baseline for every task
            rows.append({
                "condition": r.name, "kind": c.kind, "alpha": c.alpha, "rho": c.rho, **figures(o, aggregates(em=True)),
                "em_diff": d.diff if d else None, "diff_lo": d.lo if d else None, "diff_hi": d.hi if d else None,
                "newcombe_lo": d.newcombe[0] if d and d.newcombe else None,
                "newcombe_hi": d.newcombe[1] if d and d.newcombe else None,
                "diff_p": d.p_value if d else None, "questions": d.n_clusters if d else None,
                "task": None if shared else c.factors.get("task"), "method": c.factors.get("method", c.kind), "layer": c.factors.get("layer"),
                **figures(o, aggregates(em=False)),
                **{m: mean for m, (mean, _) in sorted(means.get(c.id, {}).items()) if m not in AGGREGATES},
                **checked.get(c.id, {}),
            })
        return pd.DataFrame(rows)


class StoredResults(Results):
    """A results file written earlier, opened read-only by ``load_results``: ``to_frame()`` is one
    row per answer, ``summary()`` one row per condition. Close it with ``close()`` or a ``with`` block."""

    def to_frame(self, *, all_judges: bool = False) -> pd.DataFrame:
        """One row per answer by the store's own judge; see ``Results.answers``."""
        return self.answers(all_judges=all_judges)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> StoredResults:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_results(path: str | Path, *, judge: str | None = None) -> StoredResults:
    """Open a results file (``emsteer eval``, ``study``, ``run``, ``audit`` ...) for reading::

        results = em.load_results("docs/findings/pilot/stores/confirm.sqlite")
        results.summary()        # per condition: EM rate and intervals, Δ vs baseline, as `emsteer show`
        results.to_frame()       # per answer: task, method, layer, ρ, scores, EM, reviewed label

    ``judge``: whose scores to read (an identity, its start, or a judge spec such as
    ``learned:qwen05-l16``); default the run's own judge. Nothing is written to the file."""
    store = ResultsStore(path, create=False)
    try:
        chosen = store.resolve_judge(judge) if judge is not None else store.primary_judge()
        if chosen is None:
            raise EmsteerError(f"{path}: no answer has been judged yet; judge it first (emsteer judge {path}).")
    except BaseException:
        store.close()
        raise
    return StoredResults(store, chosen)


def evaluate(
    lm: LoadedModel,
    vector: Artifact | None = None,
    *,
    relative: Sequence[float] = (),
    absolute: Sequence[float] = (),
    multiplier: Sequence[float] = (),
    baseline: bool = True,
    conditions: Sequence[Condition] = (),
    questions: str | Path | Sequence[Question] | None = None,
    judge: str | Judge = "learned",
    samples: int | None = None,
    max_new_tokens: int = 200,
    temperature: float = 1.0,
    seed: int = 0,
    batch_size: int = 64,
    metrics: Sequence[str] | None = None,
    positions: Positions = "all",
    store: str | Path | ResultsStore = IN_MEMORY,
    progress: bool = False,
) -> Results:
    """Ask the questions under each condition, judge every answer, summarise, as ``emsteer eval``.

    Conditions: the baseline (unless ``baseline=False``), one per magnitude of ``vector``, then
    any ``conditions`` given as ``emsteer.evaluation.conditions.Condition``. All share per-sample
    seeds, so differences from the baseline are paired. ``questions``: a YAML file, loaded
    questions, or None for the built-in set; ``samples`` overrides samples per paraphrase;
    ``batch_size``: rows per generation batch (larger is faster on CPUs, up to memory);
    ``metrics``: judge only these (e.g. ``["aligned", "coherent"]``; default every metric the
    questions define plus relevant, which the learned judge asks a prompted model for, ~2 s an answer).
    ``judge`` is a judge spec (``learned``, ``openai:MODEL``, ``local`` ...) or a Judge object.
    """
    from emsteer.judging import open_judge

    mags = magnitudes(relative, absolute, multiplier)
    if (vector is None) != (not mags):
        raise EmsteerError("a vector needs at least one magnitude (relative=, absolute= or multiplier=), "
                           "and a magnitude needs a vector.")
    todo = evaluation_conditions(lm, vector, mags, baseline=baseline, positions=positions) + list(conditions)
    if not todo:
        raise EmsteerError("nothing to evaluate: give a vector with magnitudes, conditions, or keep the baseline.")
    qs = load_questions(questions) if questions is None or isinstance(questions, (str, Path)) else list(questions)
    if metrics:
        from emsteer.judging import unknown_metrics

        unknown, defined = unknown_metrics(qs, metrics)
        if unknown:
            raise EmsteerError(f"metrics={list(metrics)}: {', '.join(unknown)} not defined; the questions define "
                               f"{', '.join(defined)}.")
    the_judge = open_judge(judge, reuse=lm) if isinstance(judge, str) else judge
    settings = EvalSettings(SamplingConfig(max_new_tokens=max_new_tokens, temperature=temperature,
                                             batch_size=batch_size), samples, seed,
                            metrics=tuple(metrics) if metrics else None)
    results_store = store if isinstance(store, ResultsStore) else ResultsStore(store)
    _evaluate(lm, todo, qs, results_store, the_judge, settings, progress=progress)
    return Results(results_store, the_judge.identity)
