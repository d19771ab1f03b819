"""The HTML report: one self-contained file (inline CSS, JS and SVG; nothing fetched) from a results store.

Everything shown is derived from the store when the report is written (``condition_results``
and ``answers_table``), so the report cannot disagree with ``emsteer show``. Answers are
untrusted model output: the template autoescapes everything and only our own SVG is marked safe.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from emsteer import __version__
from emsteer.analysis import geometry, plots
from emsteer.atomic import write_text_atomic
from emsteer.em import EM_ALIGNED_BELOW, EM_COHERENT_ABOVE
from emsteer.errors import EmsteerError
from emsteer.evaluation.comparisons import store_comparisons
from emsteer.evaluation.summary import ConditionResult, condition_results, control_status, one_question_em
from emsteer.judging.learned import DEFAULT_HEAD_NAME, shipped_agreement, shipped_head
from emsteer.judging.validity.injection import injection_sentence
from emsteer.results.aggregates import AGGREGATES, aggregates
from emsteer.results.inference import DIFF_INTERVAL, RATE_INTERVAL, format_p
from emsteer.results.metrics import GroupSummary
from emsteer.results.records import ConditionRecord
from emsteer.results.store import ResultsStore
from emsteer.results.verified import near_threshold_counts, near_threshold_sentence, verified_em

DEFAULT_MAX_ANSWERS = 3000  # keeps the file at a few MB; EM answers always come first
MAX_RESPONSE_CHARS = 4000  # longer answers are cut in the table (the store keeps them whole)
SIGNIFICANCE = ("its comparison was declared before the run and its Holm-adjusted sign-flip p over the declared "
                "family is at most 0.05")


# -- formatting (one place, so tests can compare the headline with condition_results) ------------

def fmt_pct(x: float | None) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def fmt_ci(ci: Sequence[float | None] | None) -> str:
    if ci is None or ci[0] is None or ci[1] is None:
        return "–"
    return f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def fmt_num(x: float | None, digits: int = 1) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def fmt_pp(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:+.1f} pp"


# -- view models --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    text: str
    value: float | str | None = None  # raw value for sorting (data-v) and for tests


@dataclass(frozen=True)
class HeadlineRow:
    condition_id: str
    name: str
    kind: str
    method: str
    magnitude: str
    significant: bool
    cells: dict[str, Cell]


DIFF_COLUMNS = [("diff", "Δ EM"), ("diff_ci", "Δ 95% CI"), ("newcombe", "Newcombe 95%"), ("p", "p")]
EFFICACY_COLUMNS = [("heldout_nll", "task NLL"), ("in_domain_rate", "in-domain")]


def _figure_columns(em: bool) -> list[tuple[str, str]]:
    """(key, header) of the report's aggregates (results/aggregates.py), an interval after its figure."""
    return [c for n, a in aggregates(em=em, report=True).items()
            for c in [(n, a.label), *([(_ci_key(n), "95% CI")] if a.interval else [])]]


def _ci_key(name: str) -> str:
    return name.removesuffix("_rate") + "_ci"  # em_rate → em_ci


def headline_columns(results: Sequence[ConditionResult]) -> list[tuple[str, str]]:
    """The headline's columns: EM figures, difference from the baseline, scores; narrow-task
    efficacy only when the run measured it."""
    measured = {m for r in results for m, v in r.efficacy.items() if v is not None}
    return (_figure_columns(True) + DIFF_COLUMNS + _figure_columns(False)
            + [(k, label) for k, label in EFFICACY_COLUMNS if k in measured])


def _magnitude_text(c: ConditionRecord) -> str:
    if c.alpha is None:
        return "–"
    parts = []
    if c.rho is not None:
        parts.append(f"ρ={c.rho:.3g}")
    parts.append(f"α={c.alpha:.3g}")
    return " ".join(parts)


def headline_rows(results: Sequence[ConditionResult], significant: Sequence[str] = ()) -> list[HeadlineRow]:
    """The headline table's rows; ``significant``: ids of conditions whose declared comparison
    survives the family's correction (evaluation/comparisons.py)."""
    rows = []
    for r in results:
        s, d = r.summary.overall, r.vs_baseline
        cells: dict[str, Cell] = {}
        for name, a in aggregates(report=True).items():
            cells[name] = Cell(a.text(a.value(s)), a.value(s))
            if a.interval:
                ci = a.interval(s)
                cells[_ci_key(name)] = Cell(fmt_ci(ci), None if ci is None else ci[0])
        cells |= {
            "diff": Cell(fmt_pp(None if d is None else d.diff), None if d is None else d.diff),
            "diff_ci": Cell(fmt_ci(None if d is None or d.lo is None else (d.lo, d.hi)), None if d is None else d.lo),
            "newcombe": Cell(fmt_ci(d.newcombe if d is not None and d.diff is not None else None),
                             None if d is None or d.newcombe is None else d.newcombe[0]),
            "p": Cell(format_p(None if d is None else d.p_value), None if d is None else d.p_value),
            "heldout_nll": Cell(fmt_num(r.efficacy.get("heldout_nll"), 3), r.efficacy.get("heldout_nll")),
            "in_domain_rate": Cell(fmt_pct(r.efficacy.get("in_domain_rate")), r.efficacy.get("in_domain_rate")),
        }
        rows.append(HeadlineRow(r.condition.id, r.name, r.condition.kind, plots.method_of(r.condition),
                                _magnitude_text(r.condition), r.condition.id in significant, cells))
    return rows


@dataclass(frozen=True)
class QuestionRow:
    question_id: str
    question: str
    cells: list[Cell]  # one per condition; value = EM rate


def question_rows(results: Sequence[ConditionResult], texts: Mapping[str, str]) -> list[QuestionRow]:
    qids: list[str] = []
    for r in results:
        for q in r.summary.per_question:
            if q not in qids:
                qids.append(q)
    rows = []
    for q in qids:
        cells = []
        for r in results:
            g: GroupSummary | None = r.summary.per_question.get(q)
            if g is None or g.em_rate is None:
                cells.append(Cell("–", None))
            else:
                cells.append(Cell(f"{fmt_pct(g.em_rate)} ({g.em_count}/{g.n_scored})", g.em_rate))
        rows.append(QuestionRow(q, texts.get(q, ""), cells))
    return rows


@dataclass(frozen=True)
class OtherMetricRow:
    condition_id: str
    name: str
    cells: list[Cell]  # one per metric; value = mean score


def other_metric_rows(results: Sequence[ConditionResult], means: Mapping[str, Mapping[str, tuple[float | None, int]]]
                      ) -> tuple[list[str], list[OtherMetricRow]]:
    """The judged metrics the aggregates leave out (a question set's own judge prompts, e.g.
    deception) and, per condition, each one's mean score and scored answers; ([], []) when there are none."""
    metrics = sorted({m for per in means.values() for m in per} - set(AGGREGATES))
    if not metrics:
        return [], []
    rows = []
    for r in results:
        per = means.get(r.condition.id, {})
        cells = [Cell(f"{fmt_num(per[m][0])} (n={per[m][1]})", per[m][0]) if m in per else Cell("–", None)
                 for m in metrics]
        rows.append(OtherMetricRow(r.condition.id, r.name, cells))
    return metrics, rows


@dataclass(frozen=True)
class AnswerRow:
    em: bool
    condition: str
    question_id: str
    question: str
    response: str
    truncated: int  # characters cut from the response (0: shown whole)
    aligned: float | None
    coherent: float | None
    relevant: float | None
    embedding_relevance: float | None
    label: str
    reviewed: str = ""  # reviewers' verdicts (emsteer review, agent labels): "EM" / "not EM" per reviewer


def _val(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def answer_rows(table, condition_order: Sequence[str], max_answers: int,
                reviewed: dict[str, str] | None = None) -> tuple[list[AnswerRow], int]:
    """Answers for the browsable table, EM answers first; above ``max_answers`` keep every condition
    represented by taking answers round-robin across conditions. ``reviewed``: answer id → the
    reviewers' verdicts, shown beside the judge's. Returns (rows, total)."""
    total = len(table)
    rank = {cid: i for i, cid in enumerate(condition_order)}
    t = table.assign(_c=table["condition_id"].map(rank).fillna(len(rank)), _em=table["em"].fillna(False).astype(bool))
    t = t.sort_values(["_c", "question_id", "paraphrase_index", "sample_index"], kind="stable")
    chosen: list[Any] = []  # DataFrames: the EM answers kept, then the others
    kept = 0
    for em in (True, False):
        part = t[t["_em"] == em]
        budget = max_answers - kept
        if budget <= 0:
            break
        if len(part) > budget:  # round-robin over conditions: n-th answer of each, then the (n+1)-th
            part = part.assign(_k=part.groupby("_c").cumcount()).sort_values(["_k", "_c"], kind="stable").head(budget)
            part = part.sort_values(["_c", "question_id", "paraphrase_index", "sample_index"], kind="stable")
        chosen.append(part)
        kept += len(part)
    rows = []
    for part in chosen:
        for rec in part.to_dict("records"):
            text = str(rec["response"])
            cut = max(0, len(text) - MAX_RESPONSE_CHARS)
            label = rec.get("label")
            rows.append(AnswerRow(
                em=bool(rec["_em"]), condition=str(rec["condition"]), question_id=str(rec["question_id"]),
                question=str(rec["question"]), response=text[:MAX_RESPONSE_CHARS] if cut else text, truncated=cut,
                aligned=_val(rec.get("aligned")), coherent=_val(rec.get("coherent")), relevant=_val(rec.get("relevant")),
                embedding_relevance=_val(rec.get("embedding_relevance")),
                label="" if label is None or (isinstance(label, float) and math.isnan(label)) else str(label),
                reviewed=(reviewed or {}).get(str(rec["id"]), ""),
            ))
    return rows, total


# -- the judge ------------------------------------------------------------------------------------

@dataclass
class JudgeInfo:
    identity: str
    others: list[str]
    local: bool
    calibrated: bool
    check_command: str
    calibration_note: str = ""
    accuracy: float | None = None
    n_items: int | None = None
    spearman_aligned: float | None = None
    spearman_coherent: float | None = None
    recall: dict[str, float | None] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def predicted_labels(self) -> list[str]:
        labels: list[str] = []
        for row in self.confusion.values():
            labels += [k for k in row if k not in labels]
        return labels


def _judge_spec(identity: str) -> str | None:
    """The --judge argument that rebuilds a judge from its recorded identity (best effort); None
    for a reviewer's labels (human:, agent:) or a head that is not shipped."""
    backend, _, rest = identity.partition(":")
    backend = backend.split("[", 1)[0]  # sampled[n=5,T=1]
    name = rest.split("@", 1)[0]
    if backend in ("openai", "sampled") and name:
        return f"{backend}:{name}"
    if backend == "local" and name:
        from emsteer.models.bundled import BUNDLED_MODELS

        return f"local:bundled:{name}" if name in BUNDLED_MODELS else f"local:{name}"
    if backend == "learned":
        found = shipped_head(identity)
        return None if found is None else ("learned" if found[0] == DEFAULT_HEAD_NAME else f"learned:{found[0]}")
    return None


def judge_info(store: ResultsStore, identity: str) -> JudgeInfo:
    cal = store.meta.calibration
    info = JudgeInfo(identity=identity, others=[j for j in store.judges() if j != identity],
                     local=identity.startswith("local:"), calibrated=False,
                     check_command=f"emsteer judge-check --judge {spec}" if (spec := _judge_spec(identity)) else "")
    if cal is not None and cal.judge != identity:
        info.calibration_note = f"The calibration stored with this run is for another judge ({cal.judge})."
    elif cal is not None:
        info.calibrated = True
        info.accuracy, info.n_items = cal.accuracy, cal.n
        info.spearman_aligned, info.spearman_coherent = cal.aligned_spearman, cal.coherent_spearman
        info.recall, info.confusion = cal.recall, cal.confusion
    return info


def _injection(store: ResultsStore, identity: str) -> str | None:
    """The run's judge's remembered prompt-injection summary as one sentence, if measured."""
    summary = store.meta.injection
    said = injection_sentence(summary) if isinstance(summary, dict) and summary.get("judge") == identity else None
    return f"{said[0].upper()}{said[1:]}." if said else None


# -- metadata -------------------------------------------------------------------------------------

def run_metadata(store: ResultsStore, results: Sequence[ConditionResult]) -> list[tuple[str, str]]:
    conds = [r.condition for r in results]
    models = list(dict.fromkeys(f"{c.model} (revision {c.model_revision})" for c in conds))
    ns = sorted({r.summary.overall.n for r in results})
    sampling = list(dict.fromkeys(
        ", ".join(f"{k}={v}" for k, v in sorted(c.spec.get("sampling", {}).items())) or "not recorded"
        for c in conds))
    created = [c.created for c in conds if c.created]
    when = (dt.datetime.fromtimestamp(min(created), dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if created else "unknown")
    n_questions = len({q for r in results for q in r.summary.per_question})
    return [
        ("results file", str(store.path)),
        ("model" + ("s" if len(models) > 1 else ""), "; ".join(models)),
        ("conditions", str(len(conds))),
        ("questions", str(n_questions)),
        ("answers per condition", str(ns[0]) if len(ns) == 1 else f"{ns[0]}–{ns[-1]}"),
        ("sampling", " | ".join(sampling)),
        ("run started", when),
        ("report written", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("emsteer version", __version__),
    ]


# -- assembling ------------------------------------------------------------------------------------

def build_plots(store: ResultsStore, results: Sequence[ConditionResult], table) -> tuple[list[plots.Plot], list[str]]:
    """Every plot that the store's contents allow, and notes for those that it does not."""
    out: list[plots.Plot] = []
    notes: list[str] = []
    for plot in (plots.em_vs_magnitude(results), plots.alignment_coherence(table)):
        if plot is not None:
            out.append(plot)
    vs = plots.steering_vs_finetuning(results, table)
    if vs is not None:
        out.append(vs)
    else:
        notes.append("Steering vs finetuning is drawn when the store holds both a LoRA and a steering condition.")
    for factor in plots.varied_factors(results):
        plot = plots.em_vs_factor(results, factor)
        if plot is not None:
            out.append(plot)
    artifacts = store.artifacts()
    out += [plots.cosine_heatmap(cm) for cm in geometry.cosine_similarities(artifacts)]
    spectrum = plots.spectrum_plot(geometry.layer_spectra(artifacts), geometry.recorded_subspaces(artifacts))
    if spectrum is not None:
        out.append(spectrum)
    if not any(p.key.startswith(("cosine-", "singular-")) for p in out):
        notes.append("Vector geometry needs at least two stored vectors at one layer, or an SVD subspace.")
    return out, notes


def reviewed_verdicts(store: ResultsStore, judge: str) -> dict[str, str]:
    """answer id → what each reviewer (``human:NAME``, ``agent:NAME``) said of it: "EM" or "not EM"
    (with the reviewer's name when several labelled); answers nobody reviewed are absent."""
    import pandas as pd

    from emsteer.results.verified import reviewers

    who = [r for r in reviewers(store) if r != judge]
    verdicts: dict[str, list[str]] = {}
    for r in who:
        labelled = store.answers_table(r)
        labelled = labelled[labelled["coherent"].notna()]
        for sid, em in zip(labelled["id"], labelled["em"]):
            called = "EM" if not pd.isna(em) and bool(em) else "not EM"  # NA: read as a REFUSAL or CODE
            verdicts.setdefault(str(sid), []).append(called + (f" ({r})" if len(who) > 1 else ""))
    return {sid: "; ".join(v) for sid, v in verdicts.items()}


def soft_breaks(text: Any):
    """``text`` escaped, with a line-break opportunity (<wbr>) after each _ and /: long
    task names (risky_financial_advice) wrap at their parts in a narrow column, not mid-word."""
    import re

    from markupsafe import Markup, escape

    return Markup(re.sub(r"(_|/)", r"\1<wbr>", str(escape(text))))


def _resolve_judge(store: ResultsStore, judge: str | None) -> str:
    judges = store.judges()
    if not judges:
        raise EmsteerError(f"{store.path}: no answer has been judged yet, so there is no EM rate to report; "
                           "run the evaluation (emsteer eval / emsteer study) to judge the answers first.")
    if judge is not None:
        judge = store.resolve_judge(judge)
    return store.primary_judge(judge) or judges[0]


def render_report(store: ResultsStore, *, judge: str | None = None, title: str | None = None,
                  max_answers: int | None = None) -> str:
    """The report's HTML as a string (``write_report`` writes it to a file atomically)."""
    conds = store.conditions()
    if not conds:
        raise EmsteerError(f"{store.path}: the results store has no conditions; nothing to report. "
                           "Run `emsteer run`, `emsteer eval` or `emsteer study` into it first.")
    if not store.samples():
        raise EmsteerError(f"{store.path}: the results store has conditions but no answers; nothing to report.")
    if max_answers is not None and (isinstance(max_answers, bool) or not isinstance(max_answers, int) or max_answers < 1):
        raise EmsteerError(f"max_answers must be a positive integer, got {max_answers!r}.")
    judge = _resolve_judge(store, judge)
    results = condition_results(store, judge)
    table = store.answers_table(judge)
    texts = table.drop_duplicates("question_id").set_index("question_id")["question"].astype(str).to_dict()
    answers, n_answers = answer_rows(table, [r.condition.id for r in results], max_answers or DEFAULT_MAX_ANSWERS,
                                     reviewed_verdicts(store, judge))
    figures, plot_notes = build_plots(store, results, table)
    other_metrics, other_rows = other_metric_rows(results, store.metric_means(judge))
    comps = [c for c in store_comparisons(store, results, judge) if c.declared]
    # "over the baseline": a declared comparison against a random direction is named elsewhere
    baseline_names = {r.name for r in results if r.condition.is_baseline}
    # an increase: a two-sided comparison is also significant when EM fell
    significant_ids = [c.result.condition.id for c in comps
                       if c.significant and (c.difference.diff or 0) > 0 and c.comparator in baseline_names]
    significant = [r.name for r in results if r.condition.id in significant_ids]
    # the positive control is meant to rise: its bound says the judge sees EM, not how far steering could raise it
    paired = [(r, r.vs_baseline.hi) for r in results if r.vs_baseline is not None and r.vs_baseline.hi is not None]
    highs = [hi for r, hi in paired if not r.condition.is_control]
    near = near_threshold_counts(store, judge)
    near_k, near_n = (sum(near.get(r.condition.id, (0, 0))[i] for r in results) for i in (0, 1))
    upper = max(highs, default=0.0)
    columns = headline_columns(results)
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=fmt_pct, num=fmt_num, ci=fmt_ci, soft=soft_breaks)
    source = (resources.files("emsteer.analysis") / "templates" / "report.html.j2").read_text(encoding="utf-8")
    css = (resources.files("emsteer.analysis") / "templates" / "report.css").read_text(encoding="utf-8")
    js = (resources.files("emsteer.analysis") / "templates" / "report.js").read_text(encoding="utf-8")
    return env.from_string(source).render(
        title=title or f"emsteer report: {store.path.name}",
        css=css, js=js, version=__version__,
        meta=run_metadata(store, results),
        columns=columns, efficacy=any(k in dict(columns) for k, _ in EFFICACY_COLUMNS),
        headline=headline_rows(results, significant_ids), declared=len(comps),
        answer_conditions=list(dict.fromkeys(a.condition for a in answers)),
        answer_questions=sorted({a.question_id for a in answers}),
        comparisons=[{"name": c.result.name, "task": c.result.condition.factors.get("task", ""),
                      "against": c.comparator, "diff": fmt_pp(c.difference.diff),
                      "ci": fmt_ci(None if c.difference.diff is None else (c.difference.lo, c.difference.hi)),
                      "alternative": c.alternative, "p": format_p(c.p), "holm": format_p(c.p_holm),
                      "bh": format_p(c.q_bh), "significant": c.significant} for c in comps],
        other_metrics=other_metrics, other_rows=other_rows,
        conditions=[r.name for r in results],
        questions=question_rows(results, texts),
        plots=figures, plot_notes=plot_notes, artifacts=geometry.summarize_artifacts(store.artifacts()),
        answers=answers, n_answers=n_answers,
        judge=judge_info(store, judge),
        control=control_status(list(results)),
        agreement=store.meta.agreement_of(judge) or shipped_agreement(judge),
        injection=_injection(store, judge),
        significant=significant, any_baseline=bool(highs),  # the control's pairs bound nothing steering did
        only_baselines=all(r.condition.is_baseline or r.condition.is_control for r in results), upper=upper,
        significance=SIGNIFICANCE,
        rate_interval=RATE_INTERVAL, diff_interval=DIFF_INTERVAL,
        em_aligned=EM_ALIGNED_BELOW, em_coherent=EM_COHERENT_ABOVE,
        near_threshold=near_threshold_sentence(near_k, near_n), verified=verified_em(store, judge),
        one_question=one_question_em(results),
    )


def write_report(store_or_path: ResultsStore | str | os.PathLike, out_path: str | os.PathLike, *,
                 judge: str | None = None, title: str | None = None, max_answers: int | None = None) -> Path:
    """Write the HTML report of a results store to ``out_path`` atomically; returns the path.

    ``judge``: whose scores to report (default: the run's judge). ``max_answers``: rows in the
    answers table (default 3000, EM answers first). Raises EmsteerError for an empty store or an
    unknown judge; nothing is written then, and an existing report is left untouched.
    """
    out = Path(out_path)
    if isinstance(store_or_path, ResultsStore):
        html = render_report(store_or_path, judge=judge, title=title, max_answers=max_answers)
    else:
        with ResultsStore(Path(store_or_path), create=False) as store:
            html = render_report(store, judge=judge, title=title, max_answers=max_answers)
    return write_text_atomic(out, html)
