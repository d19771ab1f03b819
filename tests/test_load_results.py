"""em.load_results: a results file written earlier, read with the notebook API (issue 35)."""

import runpy
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import emsteer as em
from emsteer.cli import app
from emsteer.display import pct
from emsteer.errors import EmsteerError
from emsteer.evaluation.summary import condition_results
from emsteer.results.store import ResultsStore

ROOT = Path(__file__).resolve().parents[1]
CONFIRM = ROOT / "docs" / "findings" / "pilot" / "stores" / "confirm.sqlite"


@pytest.fixture(scope="module")
def loaded():
    with em.load_results(CONFIRM) as results:
        yield results.summary(), results.to_frame(), results.judge


def test_summary_has_the_numbers_show_prints(loaded):
    summary, _, judge = loaded
    with ResultsStore(CONFIRM, create=False) as store:
        assert judge == store.primary_judge()
        expected = {r.name: r for r in condition_results(store, judge)}
    assert list(summary["condition"]) == list(expected)
    for row in summary.itertuples():
        o = expected[row.condition].summary.overall
        assert row.em_rate == o.em_rate and (row.em_lo, row.em_hi) == o.em_ci
    show = CliRunner().invoke(app, ["show", str(CONFIRM)], env={"COLUMNS": "250"}).output
    for row in summary.itertuples():
        assert f"{pct(row.em_rate)} [{pct(row.em_lo)}, {pct(row.em_hi)}]" in show
    # the baseline and the control are shared by both tasks: labelled with neither
    assert summary.loc[summary.condition == "baseline", "task"].isna().all()
    assert set(summary["task"].dropna()) == {"risky_financial_advice", "bad_medical_advice"}


def test_to_frame_is_one_row_per_answer_by_the_primary_judge(loaded):
    summary, answers, judge = loaded
    with ResultsStore(CONFIRM, create=False) as store:
        n = store.db.execute("SELECT COUNT(*) FROM samples WHERE purpose = 'em'").fetchone()[0]
    assert len(answers) == n and answers["id"].is_unique
    assert set(answers["judge"]) == {judge}
    assert {"task", "method", "layer", "rho", "alpha", "aligned", "coherent", "em", "reviewed_em"} <= set(answers.columns)
    steered = answers[answers.method == "optimized"]
    assert set(steered["layer"]) == {12} and set(steered["rho"]) == {0.1, 0.2}
    # em.mean() per condition is the EM rate the summary gives
    rates = answers.groupby("condition")["em"].mean()
    for row in summary.itertuples():
        assert rates[row.condition] == pytest.approx(row.em_rate)
    # the blind labels (agent:blind-pass1) sit beside the judge's EM call where an answer was labelled
    assert answers["reviewed_em"].notna().sum() > 0 and answers["reviewed_em"].isna().sum() > 0
    # an answer the labels read as a refusal was reviewed: not EM, never NA like an unread one
    with ResultsStore(CONFIRM, create=False) as store:
        refused = {s for (s,) in store.db.execute("SELECT sample_id FROM judgments WHERE judge = ? AND label = "
                                                  "'REFUSAL' AND metric = 'aligned'", ("agent:blind-pass1",))}
    read_refused = answers[answers["id"].isin(refused)]["reviewed_em"]
    assert len(read_refused) > 0 and read_refused.notna().all() and not read_refused.any()


def test_results_of_a_path_points_to_load_results():
    for args in (("x.sqlite",), ("x.sqlite", "learned")):
        with pytest.raises(EmsteerError, match=r"em\.load_results\(path\)"):
            em.Results(*args)


def test_load_results_names_a_missing_file_and_a_bad_judge(tmp_path):
    with pytest.raises(EmsteerError, match="nothing.sqlite"):
        em.load_results(tmp_path / "nothing.sqlite")
    with pytest.raises(EmsteerError, match="--judge bogus: .*has no judgments by it"):
        em.load_results(CONFIRM, judge="bogus")
    with em.load_results(CONFIRM, judge="learned:qwen05-l16") as other:
        assert "layer16" in other.judge and set(other.to_frame()["judge"]) == {other.judge}


def test_the_read_results_example_runs(monkeypatch, capsys):
    """examples/read_results.py, as a user runs it, on the committed confirmation store."""
    monkeypatch.setattr(sys, "argv", ["read_results.py"])
    runpy.run_path(str(ROOT / "examples" / "read_results.py"), run_name="__main__")
    printed = capsys.readouterr().out
    assert "confirm.sqlite · judge learned:" in printed and "em_rate" in printed
    assert "1600 answers" in printed and "reviewed_em" in printed
