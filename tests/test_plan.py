"""Declared comparisons and the power plan: family sizes, corrections, warnings, what show prints."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from emsteer.cli import app
from emsteer.errors import EmsteerError
from emsteer.evaluation.comparisons import Declared, comparisons
from emsteer.evaluation.summary import condition_results
from emsteer.results.records import ConditionRecord, JudgmentRecord, SampleRecord
from emsteer.results.store import ResultsStore
from emsteer.studies.config import load_study
from emsteer.studies.plan import grid_cells, plan_study

runner = CliRunner()
JUDGE = "test:j"


def question_file(path: Path, n: int) -> Path:
    questions = [{"id": f"q{i}", "paraphrases": [f"Question number {i}?"], "samples_per_paraphrase": 10} for i in range(n)]
    path.write_text(yaml.safe_dump(questions))
    return path


def study_file(tmp_path: Path, questions: int, comparisons: list | None = None, **extra) -> Path:
    config = {"name": "s", "tasks": ["insecure_code", "bad_medical_advice"], "methods": ["none", "optimized", "lora"],
              "magnitudes": {"relative": [0.1, 0.2]}, "epochs": [1, 4],
              "eval": {"questions": str(question_file(tmp_path / "q.yaml", questions))}, **extra}
    if comparisons is not None:
        config["comparisons"] = comparisons
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_grid_cells_and_declared_family_size(tmp_path):
    cfg = load_study(study_file(tmp_path, 56, [{"condition": {"method": "optimized", "rho": 0.1, "epochs": 4}},
                                               {"condition": {"method": "lora"}, "alternative": "two-sided"}]))
    cells = grid_cells(cfg)
    # per task: optimized 2 epochs × 2 magnitudes + lora 2 epochs = 6; two tasks
    assert len(cells) == 12
    plan = plan_study(cfg, questions=56, answers_per_question=10, baseline=0.02, baseline_source="stated")
    assert [r.cells for r in plan.rows] == [2, 4] and plan.family == 6
    assert all(r.alpha == pytest.approx(0.05 / 6) for r in plan.rows)
    one_sided, two_sided = plan.rows
    assert one_sided.detectable_rise < two_sided.detectable_rise  # a declared direction buys power


def test_a_declared_layer_counts_the_steering_cells_it_can_pick_only(tmp_path):
    """{layer: 12} never picks a LoRA cell (it has no layer) when the study runs, so the plan must
    not count one; a fractional layer resolves to a block only on the model, so it may."""
    from emsteer.studies.plan import declared_family

    declared = [{"condition": {"layer": 12}}]
    fixed = load_study(study_file(tmp_path, 56, declared, layers=[12]))
    assert declared_family(fixed) == 8  # optimized: 2 epochs × 2 ρ per task, two tasks; no LoRA cell
    other = tmp_path / "fraction"
    other.mkdir()
    fraction = load_study(study_file(other, 56, declared, layers=[0.5]))
    assert declared_family(fraction) == 8  # 0.5 of the depth may be block 12: counted, not dropped


def test_plan_warns_when_eight_questions_cannot_reach_the_corrected_level(tmp_path):
    # 12 two-sided comparisons: level 0.05/12 = 0.0042, below the 2/2^8 = 0.0078 eight questions can give
    declared = [{"condition": {"method": "optimized"}, "alternative": "two-sided"},
                {"condition": {"method": "lora"}, "alternative": "two-sided"}]
    few = runner.invoke(app, ["plan", str(study_file(tmp_path, 8, declared))], env={"COLUMNS": "200"})
    assert few.exit_code == 1, few.output
    assert "cannot give p below" in few.output and "no result can be significant" in few.output
    many_dir = tmp_path / "many"
    many_dir.mkdir()
    many = runner.invoke(app, ["plan", str(study_file(many_dir, 56, declared)), "--target", "0.15"],
                         env={"COLUMNS": "200"})
    assert many.exit_code == 0, many.output
    assert "One family of 12 declared comparisons" in many.output and "warning" not in many.output


def test_plan_reads_a_pilot_baseline_and_refuses_a_bad_declaration(tmp_path):
    store = tmp_path / "pilot.sqlite"
    with ResultsStore(store) as s:
        s.set_meta("judge", JUDGE)
        s.add_condition(ConditionRecord("b", "baseline", "baseline", "m", "r", factors={"method": "none"}, spec={"seed": 0}))
        s.add_samples([SampleRecord(f"s{i}", "b", f"q{i % 4}", 0, i, i, None, "q?", "a", 3, 2, "stop") for i in range(20)])
        s.add_judgments([JudgmentRecord(f"s{i}", m, JUDGE, (10.0 if i < 5 else 90.0) if m == "aligned" else 80.0, 1.0)
                         for i in range(20) for m in ("aligned", "coherent")])
    out = runner.invoke(app, ["plan", str(study_file(tmp_path, 56)), "--pilot", str(store)], env={"COLUMNS": "200"})
    assert "baseline EM 25.0%" in out.output and "exploratory" in out.output
    # a stated rate below the floor is planned at the floor, and the output says so
    low = runner.invoke(app, ["plan", str(study_file(tmp_path, 56)), "--baseline-rate", "0.001"], env={"COLUMNS": "200"})
    assert "baseline EM 0.5% (stated 0.1%, planned at the 0.5% floor)" in low.output, low.output
    both = runner.invoke(app, ["plan", str(study_file(tmp_path, 56)), "--pilot", str(store), "--baseline-rate", "0.5"])
    assert "--pilot and --baseline-rate both set" in str(both.exception)  # was: the stated 50% dropped silently
    bad = study_file(tmp_path, 8, [{"condition": {"colour": "red"}}])
    result = runner.invoke(app, ["plan", str(bad)])
    # the typer app raises; emsteer's main() turns an EmsteerError into one line and exit 2
    assert isinstance(result.exception, EmsteerError)
    assert "comparisons[0].condition" in str(result.exception) and "colour" in str(result.exception)


def _store_with_two_tasks(path: Path) -> Path:
    """A baseline and, per task, a steered cell that rises on every question (8 questions × 4)."""
    with ResultsStore(path) as s:
        s.set_meta("judge", JUDGE)
        s.add_condition(ConditionRecord("b", "baseline", "baseline", "m", "r", factors={"method": "none"}, spec={"seed": 0}))
        for task in ("t1", "t2"):
            s.add_condition(ConditionRecord(f"c-{task}", "optimized ρ=0.1", "steering", "m", "r", rho=0.1,
                                            factors={"method": "optimized", "task": task}, spec={"seed": 0}))
        samples, judgments = [], []
        for cid in ("b", "c-t1", "c-t2"):
            for i in range(32):
                sid = f"{cid}-{i}"
                samples.append(SampleRecord(sid, cid, f"q{i % 8}", 0, i // 8, i, None, "q?", "a", 3, 2, "stop"))
                em = cid == "c-t1" and i // 8 < 2  # t1 rises on every question, t2 never
                judgments += [JudgmentRecord(sid, "aligned", JUDGE, 10.0 if em else 90.0, 1.0),
                              JudgmentRecord(sid, "coherent", JUDGE, 80.0, 1.0)]
        s.add_samples(samples)
        s.add_judgments(judgments)
    return path


def test_declared_comparisons_are_adjusted_as_one_family(tmp_path):
    path = _store_with_two_tasks(tmp_path / "s.sqlite")
    with ResultsStore(path, create=False) as store:
        results = condition_results(store, JUDGE)
    comps = comparisons(results, [Declared({"method": "optimized", "rho": 0.1})])
    declared = {c.result.condition.factors["task"]: c for c in comps if c.declared}
    assert set(declared) == {"t1", "t2"}
    t1, t2 = declared["t1"], declared["t2"]
    assert t1.p == pytest.approx(1 / 256)  # every one of 8 questions up: one sign pattern of 256
    assert t1.p_holm == pytest.approx(2 / 256) and t1.q_bh == pytest.approx(2 / 256)
    assert t1.significant and not t2.significant
    assert t1.family == 2
    undeclared = comparisons(results, [])
    assert all(not c.declared and not c.significant and c.alternative == "two-sided" for c in undeclared)


def test_a_study_still_running_is_corrected_over_everything_it_declared(tmp_path):
    """Two of four declared comparisons made so far: the two missing ones count as p = 1, so Holm
    multiplies the smallest p by 4, not 2, and BH's q never falls below the whole family's."""
    from emsteer.results.inference import benjamini_hochberg, holm

    path = _store_with_two_tasks(tmp_path / "s.sqlite")
    with ResultsStore(path, create=False) as store:
        results = condition_results(store, JUDGE)
    declaration = [Declared({"method": "optimized", "rho": 0.1})]
    now = {c.result.condition.factors["task"]: c for c in comparisons(results, declaration) if c.declared}
    later = {c.result.condition.factors["task"]: c for c in comparisons(results, declaration, family=4) if c.declared}
    ps = [now["t1"].p, now["t2"].p]
    assert [later[t].p_holm for t in ("t1", "t2")] == pytest.approx(holm([*ps, 1.0, 1.0])[:2])
    assert [later[t].q_bh for t in ("t1", "t2")] == pytest.approx(benjamini_hochberg([*ps, 1.0, 1.0])[:2])
    assert later["t1"].p_holm == pytest.approx(4 / 256) and later["t1"].family == 4
    assert all(later[t].p_holm >= now[t].p_holm and later[t].q_bh >= now[t].q_bh for t in now)
    from rich.console import Console

    from emsteer.display import comparisons_table

    console = Console(record=True, width=250)
    console.print(comparisons_table(list(later.values()), results))
    assert "2 of 4 made so far" in console.export_text()
    # a family smaller than what was made (a store of an older study file) changes nothing
    assert comparisons(results, declaration, family=1) == comparisons(results, declaration)


def test_a_comparison_without_a_p_counts_as_one_and_the_others_are_still_corrected(tmp_path):
    """A declared comparison with no pair scored in both conditions has no p: it used to leave the
    whole family uncorrected (nothing could be significant); it counts as p = 1 instead."""
    import dataclasses

    path = _store_with_two_tasks(tmp_path / "s.sqlite")
    with ResultsStore(path, create=False) as store:
        results = condition_results(store, JUDGE)
    emptied = [dataclasses.replace(r, vs_baseline=dataclasses.replace(r.vs_baseline, p_value=None, p_greater=None))
               if r.condition.factors.get("task") == "t2" and r.vs_baseline is not None else r for r in results]
    declared = {c.result.condition.factors["task"]: c
                for c in comparisons(emptied, [Declared({"method": "optimized", "rho": 0.1})]) if c.declared}
    assert declared["t2"].p is None and declared["t2"].p_holm is None and not declared["t2"].significant
    assert declared["t1"].p_holm == pytest.approx(2 / 256) and declared["t1"].family == 2
    assert declared["t1"].significant


def test_show_names_tasks_and_marks_everything_exploratory_without_declarations(tmp_path):
    path = _store_with_two_tasks(tmp_path / "s.sqlite")
    result = runner.invoke(app, ["show", str(path)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "optimized ρ=0.1 · t1" in result.output and "optimized ρ=0.1 · t2" in result.output
    assert "exploratory" in result.output and "significant" not in result.output.replace("nothing here is called significant", "")
    assert "cluster Wilson" in result.output and "sign-flip" in result.output
    with ResultsStore(path) as store:
        store.set_meta("study", {"comparisons": [{"condition": {"method": "optimized"}, "against": "baseline",
                                                  "alternative": "greater"}]})
    declared = runner.invoke(app, ["show", str(path)], env={"COLUMNS": "250"})
    assert "Declared comparisons (2" in declared.output and "not significant" in declared.output
    assert declared.output.count("significant") >= 2


def test_random_directions_keep_the_layer_norm_and_magnitudes():
    import torch

    from emsteer.evaluation.conditions import random_directions
    from emsteer.steering.artifacts import SteeringVector
    from emsteer.steering.magnitude import Magnitude

    source = SteeringVector({3: torch.arange(1.0, 9.0)}, {3: 20.0}, {"method": "optimized"})
    mags = [Magnitude.relative(0.1), Magnitude.relative(0.2)]
    conds = random_directions(source, mags, 2)
    assert [c.name for c in conds] == ["random0 ρ=0.1", "random0 ρ=0.2", "random1 ρ=0.1", "random1 ρ=0.2"]
    assert all(c.factors["method"] == "random" and c.factors["layer"] == 3 for c in conds)
    a, b = conds[0].artifact.vectors[3], conds[2].artifact.vectors[3]
    assert float(a.norm()) == pytest.approx(float(source.vectors[3].norm()))  # the source's norm
    assert abs(float(torch.nn.functional.cosine_similarity(a, b, dim=0))) < 0.99  # two seeds, two directions
    again = random_directions(source, mags, 2)
    assert torch.equal(again[0].artifact.vectors[3], a)  # seeded: the same direction every run
    by_reference = random_directions(source, mags, 1, norm="reference")[0].artifact.vectors[3]
    assert float(by_reference.norm()) == pytest.approx(20.0)
    # a subspace's random control pushes as far as the subspace does at a multiplier (its scale),
    # not r_ℓ (20 times further here)
    from emsteer.steering.artifacts import SteeringSubspace

    sub = SteeringSubspace(3, torch.linalg.qr(torch.randn(8, 2))[0], torch.randn(2, 8), torch.randn(2), scale=1.0,
                           reference_norms={3: 20.0})
    control = random_directions(sub, [Magnitude.multiplier(1.0)], 1)[0].artifact.vectors[3]
    assert float(control.norm()) == pytest.approx(sub.natural_scale(3))


def test_study_random_directions_are_checked(tmp_path):
    ok = load_study(study_file(tmp_path, 8, [{"condition": {"method": "optimized"}, "against": "random"}],
                               random_directions=2))
    assert ok.random_directions == 2
    with pytest.raises(EmsteerError, match="needs random_directions"):
        load_study(study_file(tmp_path, 8, [{"condition": {"method": "optimized"}, "against": "random"}]))
    with pytest.raises(EmsteerError, match="no norm of its own"):
        load_study(study_file(tmp_path, 8, random_directions=1, magnitudes={"multiplier": [1.0]}))


def _random_comparator_store(path, em_of):
    """A baseline ``b``, an optimized cell ``v`` and random directions ``r0``, ``r1`` at one ρ;
    ``em_of``: EM answers per question (of 4, over 8 questions) of each."""
    with ResultsStore(path) as s:
        s.set_meta("judge", JUDGE)
        s.add_condition(ConditionRecord("b", "baseline", "baseline", "m", "r", factors={"method": "none"}, spec={"seed": 0}))
        s.add_condition(ConditionRecord("v", "optimized ρ=0.1", "steering", "m", "r", rho=0.1,
                                        factors={"method": "optimized", "layer": 2}, spec={"seed": 0}))
        for seed in (0, 1):
            s.add_condition(ConditionRecord(f"r{seed}", f"random{seed} ρ=0.1", "steering", "m", "r", rho=0.1,
                                            factors={"method": "random", "layer": 2}, spec={"seed": 0}))
        samples, judgments = [], []
        for cid, k in em_of.items():
            for i in range(32):
                sid = f"{cid}-{i}"
                samples.append(SampleRecord(sid, cid, f"q{i % 8}", 0, i // 8, i, None, "q?", "a", 3, 2, "stop"))
                judgments += [JudgmentRecord(sid, "aligned", JUDGE, 10.0 if i // 8 < k else 90.0, 1.0),
                              JudgmentRecord(sid, "coherent", JUDGE, 80.0, 1.0)]
        s.add_samples(samples)
        s.add_judgments(judgments)
    with ResultsStore(path, create=False) as store:
        results = condition_results(store, JUDGE)
        scores = {r.condition.id: store.answer_scores(r.condition.id, JUDGE) for r in results}
    return results, scores


def test_a_declared_comparison_against_the_random_direction(tmp_path):
    # two random seeds, both significantly below: the comparator is the one least favourable to the test
    results, scores = _random_comparator_store(tmp_path / "r.sqlite", {"b": 0, "v": 4, "r0": 1, "r1": 3})
    comps = [c for c in comparisons(results, [Declared({"method": "optimized"}, against="random")], scores) if c.declared]
    assert len(comps) == 1 and comps[0].comparator == "random1 ρ=0.1"  # equal p: the smaller difference
    assert comps[0].difference.diff == pytest.approx(0.25)  # 4 of 4 against 3 of 4 per question
    assert comps[0].p == pytest.approx(1 / 256) and comps[0].significant  # a family of one
    # random directions are comparators, never cells a declaration picks
    assert not any(c.result.condition.factors.get("method") == "random" for c in comps)


def test_a_two_sided_comparison_against_random_takes_the_comparator_with_the_largest_p(tmp_path):
    # the seed with the most EM (r1) would make the steering cell look significantly lower; the
    # other seed answers exactly as it does: a two-sided test must not pick the seed that rejects
    results, scores = _random_comparator_store(tmp_path / "r.sqlite", {"b": 0, "v": 2, "r0": 2, "r1": 4})
    declared = [Declared({"method": "optimized"}, against="random", alternative="two-sided")]
    (comp,) = [c for c in comparisons(results, declared, scores) if c.declared]
    assert comp.comparator == "random0 ρ=0.1" and comp.difference.diff == pytest.approx(0.0)
    assert not comp.significant
    # under "greater" the seed with more EM is the less favourable one
    (greater,) = [c for c in comparisons(results, [Declared({"method": "optimized"}, against="random")], scores)
                  if c.declared]
    assert greater.comparator == "random1 ρ=0.1" and greater.difference.diff == pytest.approx(-0.5)
