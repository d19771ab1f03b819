"""The findings command rebuilds its tables and figures from a tiny-model study's store."""

import csv

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from emsteer.analysis.findings import clear_em_counts, misaligned_comparison, write_findings
from emsteer.cli import app
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
