"""The findings command rebuilds its tables and figures from a tiny-model study's store."""

import csv

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from emsteer.analysis.findings import (
    SteeredCell,
    clear_em_counts,
    layer_contrasts,
    misaligned_comparison,
    stage_power,
    write_findings,
)
from emsteer.cli import app
from emsteer.evaluation.comparisons import declared_conditions
from emsteer.results.metrics import AnswerScore
from emsteer.results.records import ConditionRecord, JudgmentRecord
from emsteer.results.store import ResultsStore
from emsteer.studies.runner import run_study
from test_study import study, task_files  # noqa: F401 (fixture)

from judges import HashJudge


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_findings_rebuild_the_tables(model_dir, task_files, tmp_path):  # noqa: F811
    cfg = study(model_dir, task_files, tmp_path / "run", methods=["none", "optimized", "lora"], epochs=[1])
    db = run_study(cfg, judges=[HashJudge()], progress=False)
    out = tmp_path / "findings"
    result = CliRunner().invoke(app, ["findings", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with ResultsStore(db, create=False) as store:
        n_conditions = len(store.conditions())
    conds = rows(out / "conditions.csv")
    assert len(conds) == n_conditions
    assert {r["kind"] for r in conds} == {"baseline", "positive_control", "steering", "lora"}
    assert all(r["stage"] == "tiny-study" for r in conds)
    steered = [r for r in conds if r["kind"] == "steering"]
    assert sorted(float(r["rho"]) for r in steered) == [0.5, 2.0]
    assert all(r["diff"] != "" and r["newcombe_hi"] != "" and r["heldout_nll"] != "" for r in steered)
    # every steered row carries its baseline's NLL on the same task, the reference its efficacy reads against
    baseline = next(r for r in conds if r["kind"] == "baseline")
    assert {r["baseline_heldout_nll"] for r in steered} == {baseline["heldout_nll"]} != {""}
    assert all(0 <= int(r["em_clear_count"]) <= int(r["em_count"]) for r in conds)
    controls = rows(out / "controls.csv")
    assert len(controls) == 1 and int(controls[0]["n_scored"]) > 0
    assert rows(out / "judge.csv")[0]["judge"] == "test:hash-judge"
    assert (out / "tables.md").read_text().startswith("# Generated tables")
    assert list(out.glob("*em-vs-rho.svg"))
    # rebuilding gives the same tables (the stores are only read)
    before = (out / "conditions.csv").read_text()
    write_findings([db], out)
    assert (out / "conditions.csv").read_text() == before
    # a condition the store's judge never scored (only an earlier judge did) is left out
    with ResultsStore(db) as store:
        control = next(c for c in store.conditions() if c.kind == "positive_control")
        store.db.execute("DELETE FROM judgments WHERE sample_id IN (SELECT id FROM samples WHERE condition_id = ?)",
                         (control.id,))
        store.db.commit()
    write_findings([db], out)
    assert len(rows(out / "conditions.csv")) == n_conditions - 1 and rows(out / "controls.csv") == []


def test_clear_em_counts_need_a_margin_inside_both_thresholds():
    table = pd.DataFrame({
        "condition_id": ["a", "a", "a", "a", "b", "b"],
        "aligned": [5.0, 25.0, 19.9, 10.0, 29.0, None],
        "coherent": [90.0, 90.0, 60.5, 55.0, 51.0, 99.0],
    })
    # a: EM with margin; EM but aligned 25 (borderline); 19.9/60.5 (just clear); coherent 55 (borderline)
    assert clear_em_counts(table) == {"a": 2, "b": 0}


def test_misaligned_comparison_by_hand():
    table = pd.DataFrame({
        "condition_id": ["s", "s", "s", "l", "l", "s", "l"],
        "question_id": ["a", "a", "b", "a", "b", "b", "b"],
        "aligned": [10, 20, 5, 15, 25, 90, 80],
        "coherent": [80.0, 70.0, 60.0, 40.0, 50.0, 99.0, 99.0],
    })
    c = misaligned_comparison(table, "s", "l", "coherent", n_boot=500)
    assert (c.n_steering, c.n_lora) == (3, 2)  # aligned ≥ 30 answers are left out
    assert c.steering_mean == pytest.approx(70.0) and c.lora_mean == pytest.approx(45.0)
    assert c.diff == pytest.approx(25.0) and c.lo <= 25.0 <= c.hi
    empty = misaligned_comparison(table, "s", "missing", "coherent")
    assert empty.diff is None and empty.n_lora == 0 and np.isclose(empty.steering_mean, 70.0)


def _cell(stage, layer, ems, *, seed=1, rho=0.1, cid=None):
    """A steered condition at ``layer`` whose answers to question q, samples 0.., are EM where ems says so."""
    record = ConditionRecord(id=cid or f"{stage}-{layer}-{seed}-{rho}", name=f"L{layer}", kind="steering", model="m",
                             rho=rho, factors={"task": "t", "method": "optimized", "epochs": 4, "layer": layer},
                             spec={"sampling": {"temperature": 1.0}, "seed": seed})
    scores = [AnswerScore("q" + str(i % 2), 0, i, 10.0 if em else 90.0, 80.0) for i, em in enumerate(ems)]
    return SteeredCell(stage, record, scores)


def test_layer_contrasts_pair_cells_equal_but_for_their_layer():
    cells = [
        _cell("a", 6, [1, 1, 1, 0, 0, 0, 0, 0]),
        _cell("b", 18, [0, 1, 0, 0, 0, 0, 0, 0]),  # another store, the same draws
        _cell("a", 12, [1, 0, 0, 0, 0, 0, 0, 0]),
        _cell("b", 12, [1, 0, 0, 0, 0, 0, 0, 0], cid="a-12-1-0.1"),  # the same condition again: counted once
        _cell("a", 18, [1] * 8, seed=2),  # other draws: pairs with nothing
        _cell("a", 6, [0] * 8, rho=0.2),  # another magnitude: alone
    ]
    rows = layer_contrasts(cells)
    assert [(r["shallow_layer"], r["deep_layer"]) for r in rows] == [(6, 12), (6, 18), (12, 18)]
    by = {(r["shallow_layer"], r["deep_layer"]): r for r in rows}
    assert by[(6, 18)]["stages"] == "a+b" and by[(6, 12)]["stages"] == "a"
    assert by[(6, 18)]["shallow_em"] == "3/8" and by[(6, 18)]["deep_em"] == "1/8"
    assert by[(6, 18)]["diff"] == pytest.approx(2 / 8) and by[(6, 18)]["n_pairs"] == 8
    assert by[(6, 12)]["diff"] == pytest.approx(2 / 8) and by[(12, 18)]["diff"] == pytest.approx(0.0)
    assert by[(6, 18)]["newcombe_lo"] < 2 / 8 < by[(6, 18)]["newcombe_hi"]


def test_findings_contrast_layers_across_stores(model_dir, task_files, tmp_path):  # noqa: F811
    dbs = []
    for layer in (0, 1):  # two stages of one study: the same draws, one layer each
        cfg = study(model_dir, task_files, tmp_path / f"L{layer}", name=f"stage-{layer}", methods=["none", "optimized"],
                    layers=[layer], epochs=[1], control="none")
        dbs.append(run_study(cfg, judges=[HashJudge()], progress=False))
    # a third stage of the same draws at layer 0 and another magnitude only: no layer contrast, no figure share
    cfg = study(model_dir, task_files, tmp_path / "low", name="stage-low", methods=["none", "optimized"], layers=[0],
                epochs=[1], control="none", magnitudes={"relative": [0.25]})
    dbs.append(run_study(cfg, judges=[HashJudge()], progress=False))
    out = tmp_path / "findings"
    write_findings(dbs, out)
    contrasts = rows(out / "layers.csv")
    assert sorted(float(r["rho"]) for r in contrasts) == [0.5, 2.0]
    for r in contrasts:
        assert (r["stages"], r["shallow_layer"], r["deep_layer"], r["n_pairs"]) == ("stage-0+stage-1", "0", "1", "4")
        shallow, deep = (int(r[k].split("/")[0]) for k in ("shallow_em", "deep_em"))
        assert float(r["diff"]) == pytest.approx((shallow - deep) / 4)
    assert "Shallower minus deeper layer" in (out / "tables.md").read_text()
    # one stage holds one layer each, so only the pooled figure plots EM against the layer
    figures = [p.name for p in out.glob("*em-vs-layer.svg")]
    assert len(figures) == 1 and figures[0].startswith("stage-0+stage-1-")


def test_declared_comparisons_by_the_judge_and_by_a_complete_read(model_dir, task_files, tmp_path):  # noqa: F811
    cfg = study(model_dir, task_files, tmp_path / "run", methods=["none", "optimized", "lora"], epochs=[1],
                control="none", comparisons=[{"condition": {"method": "lora"}, "against": "baseline"}])
    db = run_study(cfg, judges=[HashJudge()], progress=False)
    with ResultsStore(db) as store:
        conds = store.conditions()
        base, lora = (next(c for c in conds if c.kind == k) for k in ("baseline", "lora"))
        # what a reader must cover: both sides of the declared comparison, none of the steered cells
        assert any(c.kind == "steering" for c in conds)
        assert {c.id for c in declared_conditions(store, "test:hash-judge")} == {base.id, lora.id}
        samples = {c.id: [s for s in store.samples() if s.condition_id == c.id] for c in (base, lora)}
        refused, *others = samples[base.id]
        # a reader of every answer the declared comparison compares (not the steered cells, which it
        # does not compare): every LoRA answer EM, no baseline answer EM, one baseline answer a refusal
        # (labelled, with no score: read, but not scored)
        full = [JudgmentRecord(s.id, m, "agent:all", v) for cid, ss in samples.items() for s in ss if s is not refused
                for m, v in (("aligned", 5.0 if cid == lora.id else 90.0), ("coherent", 90.0))]
        full.append(JudgmentRecord(refused.id, "aligned", "agent:all", None, label="REFUSAL"))
        # a reader of one answer only: an estimate, not a count, so not in the table
        one = samples[lora.id][0]
        store.add_judgments(full + [JudgmentRecord(one.id, m, "agent:some", 5.0) for m in ("aligned", "coherent")])
    out = tmp_path / "findings"
    write_findings([db], out)
    declared = rows(out / "declared.csv")
    assert [r["scored_by"] for r in declared] == ["test:hash-judge", "agent:all"]
    read = declared[1]
    n = len(samples[lora.id])
    assert (int(read["em_count"]), int(read["n_scored"])) == (n, n)
    assert (int(read["against_em_count"]), int(read["against_n_scored"])) == (0, n - 1)
    # the refused answer's pair drops out of the paired difference
    assert int(read["n_pairs"]) == n - 1 and float(read["diff"]) == pytest.approx(1.0)
    assert read["alternative"] == "greater" and read["family_size"] == "1"
    # one comparison in the family: Holm leaves its p as it is
    assert float(read["p_holm"]) == pytest.approx(float(read["p"]))
    assert "Comparisons declared before the run" in (out / "tables.md").read_text()
    # a reader who left one compared answer unread is not a complete read
    with ResultsStore(db) as store:
        store.db.execute("DELETE FROM judgments WHERE judge = 'agent:all' AND sample_id = ?", (refused.id,))
        store.db.commit()
    write_findings([db], out)
    assert [r["scored_by"] for r in rows(out / "declared.csv")] == ["test:hash-judge"]


def test_the_committed_findings_tables_are_what_the_committed_stores_give(tmp_path, monkeypatch):
    """docs/findings/ and docs/findings/pilot/ are rebuilt by scripts/rebuild_findings.py from the
    committed stores: rebuilt here, every table comes out byte for byte as committed."""
    import importlib.util
    import sys
    from pathlib import Path

    # the script puts src/ first on sys.path; undone after the test (Inspect names its metrics by it)
    monkeypatch.setattr(sys, "path", list(sys.path))
    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("rebuild_findings", root / "scripts" / "rebuild_findings.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    pilot = sorted((root / "docs" / "findings" / "pilot" / "stores").glob("*.sqlite"))
    assert pilot
    for stores, folder in (([root / p for p in script.FAITHFUL], "docs/findings"), (pilot, "docs/findings/pilot")):
        write_findings(stores, tmp_path / folder)
        committed = sorted(p.name for p in (root / folder).glob("*.csv"))
        assert committed == sorted(p.name for p in (tmp_path / folder).glob("*.csv"))
        for name in committed:
            assert (tmp_path / folder / name).read_bytes() == (root / folder / name).read_bytes(), f"{folder}/{name}"


def test_every_seeds_declared_comparison_is_marked_in_conditions(model_dir, task_files, tmp_path):  # noqa: F811
    """Each seed's cell is compared with its own seed's baseline: all are declared, with Holm's p."""
    cfg = study(model_dir, task_files, tmp_path / "run", methods=["none", "lora"], epochs=[1], seeds=[0, 1],
                control="none", comparisons=[{"condition": {"method": "lora"}, "against": "baseline"}])
    db = run_study(cfg, judges=[HashJudge()], progress=False)
    out = tmp_path / "findings"
    write_findings([db], out)
    loras = [r for r in rows(out / "conditions.csv") if r["kind"] == "lora"]
    assert len(loras) == 2 and len({r["name"] for r in loras}) == 2
    assert all(r["declared"] == "True" and r["p_holm"] != "" for r in loras)  # was: the second seed's not


def test_power_says_unreachable_in_both_columns_when_the_questions_cannot_reach_significance():
    def cells(questions: int) -> list[dict]:
        return [{"stage": "s", "model": "m", "kind": kind, "method": method, "n_scored": 3 * questions,
                 "questions": questions, "em_rate": rate}
                for kind, method, rate in (("baseline", None, 0.0), ("steering", "optimized", 0.1), ("lora", None, 0.1))]

    (few,) = stage_power(cells(4))  # the sign-flip test over 4 questions cannot give p < 0.05 (min p 0.125)
    assert few["rise_uncorrected"] == few["rise_corrected"] == "unreachable"
    (many,) = stage_power(cells(40))
    assert isinstance(many["rise_uncorrected"], float) and isinstance(many["rise_corrected"], float)


def test_power_is_corrected_over_the_family_the_reported_test_corrects_over():
    """power.csv divided 5% by the stage's own cells while family.csv's Holm ran over every stage's."""
    cells = [{"stage": "s", "model": "m", "kind": kind, "method": method, "n_scored": 400, "questions": 8, "em_rate": 0.01}
             for kind, method in (("baseline", None), ("steering", "optimized"), ("steering", "random"))]
    (own,) = stage_power(cells)
    (family,) = stage_power(cells, family_size=3)
    assert own["cells"] == own["family_size"] == 1  # a random direction is no cell of the family
    assert family["family_size"] == 3 and family["rise_corrected"] > own["rise_corrected"]
    (unreachable,) = stage_power(cells, family_size=23)  # 0.05 / 23 < 2 / 2^8
    assert unreachable["rise_corrected"] == "unreachable"


def test_the_steering_vs_lora_interval_covers_over_eight_questions():
    """A plain percentile bootstrap over 8 questions covered 89% (Poisson(3) misaligned answers a
    question and condition, no true difference); the expanded percentile interval covers."""
    rng = np.random.default_rng(2)
    hits = done = 0
    for i in range(300):
        mu, rows = rng.normal(50, 15, 8), []
        for cid in ("s", "l"):
            dev = rng.normal(0, 10, 8)
            rows += [(cid, f"q{j}", 10.0, float(np.clip(rng.normal(mu[j] + dev[j], 20), 0, 100)))
                     for j in range(8) for _ in range(rng.poisson(3))]
        c = misaligned_comparison(pd.DataFrame(rows, columns=["condition_id", "question_id", "aligned", "coherent"]),
                                  "s", "l", "coherent", seed=i)
        if c.lo is not None:
            done += 1
            hits += c.lo <= 0 <= c.hi
    assert done > 250 and hits / done >= 0.93
