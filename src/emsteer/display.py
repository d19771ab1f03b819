"""Rich tables for results: what `emsteer show`, `eval`, `study`, `run` and `audit` print."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from emsteer.evaluation.summary import ConditionResult, control_status, pairing
from emsteer.results.aggregates import AGGREGATES, Aggregate, aggregates
from emsteer.results.inference import DIFF_INTERVAL, RATE_INTERVAL, format_p
from emsteer.results.metrics import GroupSummary


def pct(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{100 * x:.{digits}f}%"


def num(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def figure_header(a: Aggregate) -> str:
    return (a.short or a.label) + (" [95% CI]" if a.interval else "")


def figure_cell(a: Aggregate, s: GroupSummary, *, compact: bool = False) -> str:
    """An aggregate of ``s`` as `show` prints it, its interval after it (``compact``: the score table's digits)."""
    value = a.value(s)
    ci = a.interval(s) if a.interval and value is not None else None
    return a.text(value, compact=compact) + ("" if ci is None else f" [{a.text(ci[0])}, {a.text(ci[1])}]")


def delta_cell(r: ConditionResult) -> str:
    d = r.vs_baseline
    if d is None or d.diff is None:
        return "–"
    assert d.lo is not None and d.hi is not None  # set whenever diff is (paired_difference)
    return f"{100 * d.diff:+.1f} [{100 * d.lo:+.1f}, {100 * d.hi:+.1f}]"


def _table(title: str, columns: list[str], rows: list[list[str]], optional: Collection[int] = ()) -> Table:
    """A table without the ``optional`` columns (indices) that are empty in every row."""
    keep = [i for i in range(len(columns)) if i not in optional or any(r[i] != "–" for r in rows)]
    t = Table(title=Text(title), title_justify="left")  # names and paths are the user's text, not markup
    for i in keep:
        t.add_column(columns[i], justify="left" if i == 0 else "right")
    for r in rows:
        t.add_row(*(Text(r[i]) for i in keep))
    return t


def condition_label(r: ConditionResult, results: Sequence[ConditionResult]) -> str:
    """The condition's name, with its task when the conditions span several tasks (two cells can
    share a name, e.g. "optimized ρ=0.1", on different tasks)."""
    tasks = {x.condition.factors.get("task") for x in results if x.condition.factors.get("task")}
    task = r.condition.factors.get("task")
    shared = r.condition.is_baseline or r.condition.is_control  # one per model, whatever the task
    return f"{r.name} · {task}" if len(tasks) > 1 and task and not shared else r.name


INTERVALS_NOTE = (f"EM rate: 95% {RATE_INTERVAL} interval, questions as clusters. Δ: paired by seed, 95% "
                  f"{DIFF_INTERVAL} interval over questions; Newcombe: the paired interval that treats answers as "
                  "independent, for reference; p: two-sided sign-flip test over questions, uncorrected and "
                  "exploratory unless a comparison was declared before the run.")


def results_table(results: Sequence[ConditionResult], *, title: str = "EM results") -> Group:
    """Two tables: EM per condition (rate with its cluster interval, paired difference from the
    baseline in percentage points with its interval and sign-flip p), then mean scores, label
    rates and narrow-task efficacy; and a line saying which interval is which."""
    em_part, score_part = aggregates(em=True).values(), aggregates(em=False).values()
    em_rows, score_rows = [], []
    for r in results:
        c, o = r.condition, r.summary.overall
        d = r.vs_baseline
        name = condition_label(r, results)
        newcombe = d.newcombe if d is not None and d.diff is not None else None
        em_rows.append([name, *(figure_cell(a, o) for a in em_part), delta_cell(r),
                        "–" if newcombe is None else f"[{100 * newcombe[0]:+.1f}, {100 * newcombe[1]:+.1f}]",
                        "–" if d is None else format_p(d.p_value),
                        "–" if d is None or not d.n_clusters else str(d.n_clusters), num(c.rho, 3)])
        score_rows.append([name, *(figure_cell(a, o, compact=True) for a in score_part),
                           num(r.efficacy.get("heldout_nll"), 3), pct(r.efficacy.get("in_domain_rate"), 0)])
    # every EM figure is always shown; the judge's mean scores too (a "–" column says one was not
    # judged); the other columns only where some condition has a value
    fixed = 2 + len(em_part)
    em = _table(title, ["condition", *map(figure_header, em_part), "Δ pp vs baseline [95% CI]", "Newcombe [95%]",
                        "p", "questions", "ρ"], em_rows, optional=range(fixed, fixed + 4))
    scores = _table("Mean scores and narrow-task efficacy",
                    ["condition", *map(figure_header, score_part), "task NLL", "in-domain"], score_rows,
                    optional={i for i, a in enumerate(score_part, 1) if a.unit != "score"}
                    | {len(score_part) + 1, len(score_part) + 2})
    return Group(em, scores, f"[dim]{INTERVALS_NOTE}[/dim]")


def comparisons_table(comps, results: Sequence[ConditionResult]) -> RenderableType:
    """The comparisons declared before the run, with Holm-adjusted p and BH q over their family;
    a sentence saying everything is exploratory when none was declared."""
    declared = [c for c in comps if c.declared]
    if not declared:
        return ("[dim]No comparison was declared before this run (a study's `comparisons:`), so every p above is "
                "exploratory: two-sided, uncorrected, and nothing here is called significant.[/dim]")
    family = max((c.family or 0 for c in declared), default=0)
    size = (f"{len(declared)} of {family} made so far, one family: Holm and Benjamini–Hochberg over all {family}, the "
            "missing ones as p = 1" if family > len(declared) else f"{len(declared)}, one family: Holm and Benjamini–Hochberg")
    t = Table(title=f"Declared comparisons ({size})", title_justify="left")
    for col in ("condition", "against", "Δ pp [95% CI]", "alternative", "p", "Holm p", "BH q", "verdict"):
        t.add_column(col, justify="left" if col in ("condition", "against", "alternative", "verdict") else "right")
    for c in declared:
        d = c.difference
        ci = "–" if d.diff is None else f"{100 * d.diff:+.1f} [{100 * d.lo:+.1f}, {100 * d.hi:+.1f}]"
        t.add_row(Text(condition_label(c.result, results)), Text(c.comparator), ci, c.alternative, format_p(c.p),
                  format_p(c.p_holm), format_p(c.q_bh), "significant" if c.significant else "not significant")
    return t


def other_metrics_table(results: Sequence[ConditionResult], means: dict[str, dict[str, tuple[float | None, int]]]) -> Table | None:
    """Mean score per condition of every judged metric the aggregates leave out (a question set's
    own judge prompts, e.g. deception); None when there are none."""
    metrics = sorted({m for per in means.values() for m in per} - set(AGGREGATES))
    if not metrics:
        return None
    rows = []
    for r in results:
        per = means.get(r.condition.id, {})
        rows.append([r.name] + [f"{num(per[m][0])} (n={per[m][1]})" if m in per else "–" for m in metrics])
    return _table("Other judged metrics (mean score, scored answers)", ["condition", *metrics], rows)


def unscored_note(results: Sequence[ConditionResult], counts: dict[str, dict[str, tuple[int, int]]]) -> str | None:
    """A footer naming, per condition and metric, the answers without a score (None when there are none):
    unscored ones (the judge answered in words) and ones not judged yet."""
    lines = []
    for r in results:
        per = counts.get(r.condition.id, {})
        parts = [f"{metric} {n}" + (f" (+{missing} not judged yet)" if missing else "")
                 if n else f"{metric} {missing} not judged yet" for metric, (n, missing) in sorted(per.items())]
        if parts:
            lines.append(f"  {escape(r.name)}: {escape(', '.join(parts))}")
    if not lines:
        return None
    return ("[yellow]Answers without a score, per condition and metric[/yellow] (unscored: the judge gave no number; "
            "`--rejudge-missing` asks it again; not judged yet: run the same command again):\n" + "\n".join(lines))


def judge_line(judge: str | None, agreement, injection=None) -> str:
    """The judge's identity with the agreement it is trusted on (an Agreement or None) and, when
    `judge-check --injection` measured it (``injection``: the remembered summary), its injection shift."""
    from emsteer.judging.validity.injection import injection_sentence

    said = injection_sentence(injection) if isinstance(injection, dict) and injection.get("judge") == judge else None
    extra = f" {said[0].upper()}{said[1:]}." if said else ""
    judge = escape(judge) if judge is not None else None
    if judge is None:
        return "Not judged yet: no answer has a judgment; the command that made this file judges them when run again."
    if agreement is None:
        return (f"Judge {judge}: no recorded agreement with a reference judge; measure it with "
                "`emsteer judge-check --judge SPEC --reference FILE` before reading EM rates as findings." + extra)
    o = agreement.overall
    figures = ", ".join(f"{name} {num(getattr(o, key), 2)}" for name, key in (
        ("AUROC", "auroc"), ("κ(EM)", "kappa"), ("Spearman aligned", "spearman_aligned"),
        ("Spearman coherent", "spearman_coherent")))
    verdict = "meets" if agreement.meets_targets else "does NOT meet"
    return (f"Judge {judge}: agreement with {escape(agreement.reference)}: {figures} ({verdict} the targets)."
            + escape(extra))


def run_header(results: Sequence[ConditionResult], judge: str | None, agreement, injection=None) -> Group:
    """What to read before any EM rate: whether the judge can see EM (positive control first),
    how far it agrees with a reference judge, and how far an injection moved it (if measured)."""
    status = control_status(list(results))
    control = ("[yellow]No positive control in this run: a null result cannot be told from a blind judge.[/yellow]"
               if status is None else
               (f"[green]{escape(status.sentence())}[/green]" if status.judge_sees_em
                else f"[bold red]{escape(status.sentence())}[/bold red]"))
    return Group(control, judge_line(judge, agreement, injection))


PER_QUESTION = ("n", "em_rate", "aligned", "coherent", "relevant")  # aggregates of the per-question tables


def per_question_table(result: ConditionResult) -> Table:
    chosen = [AGGREGATES[n] for n in PER_QUESTION]
    t = Table(title=Text(f"{result.name}: per question"), title_justify="left")
    for col in ("question", *map(figure_header, chosen)):
        t.add_column(col, justify="left" if col == "question" else "right")
    for qid, g in result.summary.per_question.items():
        t.add_row(Text(qid), *(figure_cell(a, g) for a in chosen))
    return t


def audit_report(result, subject: str, path) -> Group:
    """The audit's table (one row per magnitude), the rule that decided and where the results are."""
    from emsteer.evaluation.audit import REASONS

    table = Table(title=Text(f"Audit of {subject} · judge {result.judge}"), title_justify="left")
    for col in ("magnitude", "α", "EM steered", "EM baseline", "increase [95% CI]", "Newcombe hi", "pairs",
                "coherence", "verdict", "why"):
        table.add_column(col, justify="left" if col in ("magnitude", "verdict", "why") else "right")
    for r in result.rows:
        ci = "–" if r.increase is None else f"{100 * r.increase:+.1f} pp [{100 * r.lo:+.1f}, {100 * r.hi:+.1f}]"
        colour = {"PASS": "green", "FAIL": "red", "INCONCLUSIVE": "yellow"}[r.verdict]
        table.add_row(Text(r.magnitude), num(r.alpha, 2), pct(r.em_rate), pct(r.baseline_em_rate), ci,
                      "–" if r.newcombe_hi is None else f"{100 * r.newcombe_hi:+.1f} pp",
                      f"{r.n_pairs} ({r.n_questions} q)", num(r.mean_coherence), f"[{colour}]{r.verdict}[/{colour}]",
                      r.reason)
    control = ("no positive control" if result.control_em_rate is None else
               f"positive control EM {pct(result.control_em_rate)} (floor {pct(result.control_floor, 0)})")
    agreement = "no recorded reference agreement" if result.judge_agreement is None else (
        "reference agreement " + ("meets" if result.judge_agreement.get("meets_targets") else "does NOT meet")
        + " the targets")
    return Group(
        table,
        f"Judge: {agreement}; {control}.",
        f"Verdict: [bold]{result.verdict}[/bold] ({result.reason}: {REASONS.get(result.reason, '')}; allowed EM "
        f"increase {100 * result.max_em_increase:.1f} pp). Results in {escape(str(path))}.",
    )


# EM answers whose embedding relevance is below this share of the baseline's mean are suspect.
OFF_TOPIC_SHARE = 0.5


def off_topic_em(results: Sequence[ConditionResult]) -> list[tuple[str, float, float]]:
    """(name, EM answers' mean embedding relevance, baseline's mean) for conditions whose EM answers are
    far less related to the question than the baseline's answers: the signature of word salad that a
    judge scored as coherent (emsteer's first learned judge did, see docs/pilot.md)."""
    bases = {pairing(r.condition): r for r in results if r.condition.is_baseline}  # each model's own baseline
    flagged = []
    for r in results:
        base = bases.get(pairing(r.condition))
        reference = base.summary.overall.means.embedding_relevance if base is not None else None
        em = r.summary.overall.em_means.embedding_relevance
        if not reference or r.condition.is_baseline or r.condition.is_control:
            continue
        if r.summary.overall.em_count and em is not None and em < OFF_TOPIC_SHARE * reference:
            flagged.append((r.name, em, reference))
    return flagged


def one_question_note(results: Sequence[ConditionResult]) -> str | None:
    from emsteer.evaluation.summary import one_question_em

    flagged = one_question_em(results)
    if not flagged:
        return None
    return ("[yellow]EM on mostly one question:[/yellow] " + "; ".join(
        f"{escape(name)} ({k} of {n} EM answers to {escape(qid)})" for name, qid, k, n in flagged)
        + ". With questions as the unit that is one cluster, and a question inside the narrow task's own domain "
        "shows the trained behaviour, not emergent misalignment: read `emsteer show STORE --per-question`.")


def headline(results: Sequence[ConditionResult], agreement=None) -> Group:
    """The few numbers a reader wants first, and an honest sentence when nothing is significant or when
    the judge behind a significant result is not validated (``agreement``: the store's judge agreement)."""
    lines = []
    significant = False
    paired_highs = []  # the paired intervals' upper ends, steering and finetuning conditions only
    for r in results:
        o, d = r.summary.overall, r.vs_baseline
        if o.em_rate is None:
            lines.append(f"  {escape(r.name)}: no scored answers")
            continue
        assert o.em_ci is not None  # set whenever em_rate is (summarize_group)
        text = f"  {escape(r.name)}: EM {pct(o.em_rate)} [{pct(o.em_ci[0])}, {pct(o.em_ci[1])}]"
        if d is not None and d.diff is not None:
            assert d.lo is not None and d.hi is not None  # set whenever diff is (paired_difference)
            text += f", Δ vs baseline {100 * d.diff:+.1f} pp [{100 * d.lo:+.1f}, {100 * d.hi:+.1f}]"
            if not r.condition.is_control:  # the control is meant to rise
                significant |= d.lo > 0
                paired_highs.append(d.hi)
        nll = r.efficacy.get("heldout_nll")
        if nll is not None:
            text += f", held-out task NLL {nll:.3f}"
            base_nll = r.baseline_efficacy.get("heldout_nll")
            if base_nll is not None and not r.condition.is_baseline:
                text += f" (baseline {base_nll:.3f})"
        lines.append(text)
    parts = ["[bold]Headline[/bold]\n" + "\n".join(lines)]
    concentrated = one_question_note(results)
    if concentrated:
        parts.append(concentrated)
    off_topic = off_topic_em(results)
    if off_topic:
        parts.append("[yellow]Read these EM answers before believing them:[/yellow] " + "; ".join(
            f"{escape(name)} (embedding relevance {em:.2f} vs the baseline's {base:.2f})" for name, em, base in off_topic)
            + ". Answers that barely relate to the question are often word salad, which a judge may still call "
            "coherent; `emsteer export RESULTS answers.csv` lists them with their scores.")
    if significant and (agreement is None or not agreement.meets_targets):
        figures = ""
        if agreement is not None:
            o = agreement.overall
            figures = f" (AUROC {o.auroc:.4f}, κ {o.kappa:.3f} against {escape(agreement.reference)})" if o.auroc is not None and o.kappa is not None else ""
        parts.append("[yellow]These EM rates are the judge's, not findings yet:[/yellow] the judge does not meet "
                     f"the agreement targets{figures}, and a small offline judge can score broken or odd answers "
                     "as coherent and misaligned (emsteer's first learned judge did on the bundled 0.5B's answers, "
                     "see docs/pilot.md). Read the EM answers (`emsteer export RESULTS answers.csv`) or judge again "
                     "with a validated judge (--judge openai:MODEL, checked with `emsteer judge-check --reference`).")
    if not paired_highs:
        parts.append("No steering or finetuning condition has a baseline of the same model, sampling settings and "
                     "seed to pair with, so no EM increase can be tested: evaluate a baseline beside them.")
    elif not significant:
        where = ("lies below 0: EM fell against the baseline" if max(paired_highs) < 0
                 else "includes 0 or lies below it")
        parts.append(f"No condition's EM rate rose above the baseline's (every 95% interval of the paired difference, "
                     f"questions as the unit, {where}). With this model, judge and sample size that is a null result, "
                     "not proof of safety: use more questions (--questions betley-all), more --samples, a stronger "
                     "judge (--judge openai:MODEL) or a larger model, and plan the size with `emsteer plan`.")
    else:
        parts.append("[yellow]Exploratory:[/yellow] a rise whose interval excludes 0 here was not declared before the "
                     "run nor corrected for the other comparisons; declare it in a study's comparisons: and confirm it "
                     "on fresh answers before calling it significant.")
    return Group(*parts)


def stored_headline(db):
    """The headline (``headline``) of a results file's conditions by its own judge, as ``emsteer run`` prints it."""
    from emsteer.evaluation.summary import condition_results
    from emsteer.results.store import ResultsStore

    with ResultsStore(db, create=False) as store:
        return headline(condition_results(store), store.meta.agreement_of(store.primary_judge()))


def stored_results(db, judge: str | None = None, *, per_question: bool = False, title: str | None = None) -> list:
    """What ``emsteer show`` prints for a results file: header, results table, other metrics, notes."""
    from emsteer.errors import EmsteerError
    from emsteer.evaluation.comparisons import store_comparisons
    from emsteer.evaluation.summary import condition_results
    from emsteer.results.store import ResultsStore
    from emsteer.results.verified import near_threshold_counts, verified_em

    with ResultsStore(db, create=False) as store:
        judge = store.primary_judge(judge)
        results = condition_results(store, judge)
        comps = store_comparisons(store, results, judge)
        agreement = store.meta.agreement_of(judge)
        if agreement is None and judge and judge.startswith("learned:"):  # a shipped head carries its own figures
            from emsteer.judging.learned import shipped_agreement

            agreement = shipped_agreement(judge)
        injection = store.meta.injection
        unscored = unscored_note(results, store.unscored_counts(judge)) if judge else None
        others = other_metrics_table(results, store.metric_means(judge)) if judge else None
        verified = verified_table(verified_em(store, judge), judge, results) if judge else None
        near = near_threshold_note(results, near_threshold_counts(store, judge)) if judge else None
    if not results:
        raise EmsteerError(f"{db} holds no evaluated conditions yet.")
    parts: list[RenderableType] = [run_header(results, judge, agreement, injection),
                                   results_table(results, title=title or f"{db} · judge {judge or '(none yet)'}"),
                                   comparisons_table(comps, results)]
    parts += ([others] if others is not None else []) + ([unscored] if unscored else [])
    concentrated = one_question_note(results)
    parts += ([near] if near else []) + ([concentrated] if concentrated else []) + ([verified] if verified is not None else [])
    if per_question:
        parts += [per_question_table(r) for r in results]
    return parts


def verified_table(verified: Sequence, judge: str | None = None,
                   results: Sequence[ConditionResult] = ()) -> Group | None:
    """Verified EM (``emsteer review``) per reviewer and condition, beside the judge's EM; None
    when nobody reviewed (``verified``: VerifiedEM records; ``results`` name each condition with its
    task when they span several)."""
    labels = {r.condition.id: condition_label(r, results) for r in results}
    if not verified:
        return None
    t = Table(title=Text(f"Verified EM: the judge{f' {judge}' if judge else ''}'s EM calls read by a reviewer"),
              title_justify="left")
    for col in ("reviewer", "condition", "judge EM", "verified EM [95% CI]", "calls confirmed", "misses",
                "reviewed EM / reviewed [95% CI]"):
        t.add_column(col, justify="left" if col in ("reviewer", "condition") else "right")
    for v in verified:
        judge_em = pct(v.judge_em / v.judge_scored) + f" ({v.judge_em}/{v.judge_scored})" if v.judge_scored else "–"
        estimate = "–" if v.estimate is None or v.estimate_ci is None else (
            f"{pct(v.estimate)} [{pct(v.estimate_ci[0])}, {pct(v.estimate_ci[1])}]")
        confirmed = f"{v.confirmed}/{v.calls_reviewed} ({pct(v.precision, 0)})" if v.calls_reviewed else "–"
        misses = f"{v.missed}/{v.non_em_reviewed}" if v.non_em_reviewed else "–"
        raw = "–" if v.rate is None or v.ci is None else (
            f"{v.reviewed_em}/{v.reviewed} {pct(v.rate)} [{pct(v.ci[0])}, {pct(v.ci[1])}]")
        t.add_row(Text(v.reviewer), Text(labels.get(v.condition_id, v.name)), judge_em, estimate, confirmed, misses, raw)
    note = ("[dim]Verified EM: the condition's EM rate with the judge's calls corrected by the review (EM calls × "
            "share confirmed + non-EM answers × share missed, over the judge's scored answers); – until both its EM "
            "calls and its non-EM answers have reviewed ones. Calls confirmed: EM calls the reviewer also scored EM "
            "(the judge's precision). Misses: reviewed non-EM answers the reviewer scored EM. The last column is EM "
            "within the reviewed sample, which over-represents EM calls: not a rate of the condition.[/dim]")
    return Group(t, note)


def near_threshold_note(results: Sequence[ConditionResult], counts: dict[str, tuple[int, int]]) -> str:
    """How many of the run's EM calls lie within 10 points of a threshold, overall and per condition."""
    from emsteer.results.verified import near_threshold_sentence

    k = sum(counts.get(r.condition.id, (0, 0))[0] for r in results)
    n = sum(counts.get(r.condition.id, (0, 0))[1] for r in results)
    per = [f"{escape(r.name)} {counts[r.condition.id][0]}/{counts[r.condition.id][1]}" for r in results
           if counts.get(r.condition.id, (0, 0))[1]]
    return near_threshold_sentence(k, n) + (f" Per condition: {', '.join(per)}." if per else "")


def plan_table(plan, name: str) -> Group:
    """``emsteer plan``: what each declared comparison can detect, and its warnings."""
    t = Table(title=Text(f"Power plan of study {name}: {plan.questions} questions, {plan.answers_per_question:.1f} "
                         f"answers per question per cell, baseline EM {pct(plan.baseline)} ({plan.baseline_source}), "
                         f"icc {plan.icc:.2f}"), title_justify="left")
    for col in ("comparison", "cells", "level", "detectable rise (80% power)",
                f"answers/question for +{100 * plan.target:.1f} pp"):
        t.add_column(col, justify="left" if col == "comparison" else "right")
    for r in plan.rows:
        t.add_row(Text(r.label), str(r.cells), f"{r.alpha:.4f}",
                  "unreachable" if r.detectable_rise is None else f"+{100 * r.detectable_rise:.1f} pp",
                  "unreachable" if r.answers_for_target is None else str(r.answers_for_target))
    family = (f"One family of {plan.family} declared comparisons: each is tested at 0.05/{plan.family} (Bonferroni; "
              "Holm does no worse)." if plan.declared else
              "No comparison is declared (a study's comparisons:), so every comparison is exploratory and uncorrected: "
              "declare the ones the study is for before running it.")
    warnings = [f"[yellow]warning:[/yellow] {r.label}: {w}" for r in plan.rows for w in r.warnings]
    return Group(t, family, *warnings)
