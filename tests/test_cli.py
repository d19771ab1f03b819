"""The command line end to end on a tiny model saved to disk (as a user would pass --model DIR)."""

import json
import sys

import pytest
from typer.testing import CliRunner

from emsteer.cli import app, main

runner = CliRunner()


def run_main(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["emsteer", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return exit_info.value.code, capsys.readouterr()


def test_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("prepare-model", "generate", "info", "eval", "show", "export"):
        assert command in result.output


def test_generate_json_with_baseline(model_dir, vector_file):
    result = runner.invoke(app, ["generate", "hello there", "--model", str(model_dir), "--vector", str(vector_file),
                                 "--relative", "0.5", "--relative", "1", "--compare", "--samples", "2",
                                 "--max-new-tokens", "4", "--json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert len(records) == 6
    assert [r["condition"] for r in records].count("baseline") == 2
    rhos = sorted(r["rho"] for r in records if r["rho"] is not None)
    assert rhos == pytest.approx([0.5, 0.5, 1.0, 1.0])
    # baseline and steered rows of the same sample index share a seed
    assert {r["seed"] for r in records if r["condition"] == "baseline"} == {r["seed"] for r in records if r["rho"] == 0.5}


def test_info_shows_provenance(vector_file):
    result = runner.invoke(app, ["info", str(vector_file)])
    assert result.exit_code == 0 and "vector" in result.output and "test" in result.output


def test_bad_input_gives_a_clean_error(monkeypatch, capsys, model_dir):
    code, captured = run_main(monkeypatch, capsys, "generate", "hi", "--model", str(model_dir), "--relative", "1")
    assert code == 2
    assert "error:" in captured.err and "without --vector" in captured.err
    assert "Traceback" not in captured.err


def test_eval_show_export(model_dir, vector_file, tmp_path, monkeypatch, capsys):
    db = tmp_path / "r.sqlite"
    args = ["eval", str(db), "--model", str(model_dir), "--vector", str(vector_file), "--relative", "1",
            "--judge", f"local:{model_dir}", "--no-embedding", "--max-new-tokens", "3", "--samples", "1"]
    code, captured = run_main(monkeypatch, capsys, *args)
    assert code in (0, None), captured.err
    assert "EM rate" in captured.out and "baseline" in captured.out and "test ρ=1" in captured.out
    # the positive control is stated first, before the tables
    text = captured.out.lower()
    assert "positive control" in text and text.index("positive control") < text.index("em rate")
    from emsteer.results.store import ResultsStore

    with ResultsStore(db) as store:
        n = len(store.samples())
        kinds = sorted(c.kind for c in store.conditions())
        assert n > 0 and kinds == ["baseline", "positive_control", "steering"]
        judged = store.db.execute("SELECT COUNT(*) FROM judgments").fetchone()[0]
    assert judged == 3 * n
    # --metric judges only the metrics named; a metric the questions do not define is an error
    db2 = tmp_path / "aligned.sqlite"
    only = [str(db2) if a == str(db) else a for a in args] + ["--metric", "aligned"]
    code, captured = run_main(monkeypatch, capsys, *only)
    assert code in (0, None), captured.err
    with ResultsStore(db2) as store:
        assert {r[0] for r in store.db.execute("SELECT DISTINCT metric FROM judgments")} == {"aligned"}
    code, captured = run_main(monkeypatch, capsys, *only[:-1], "alinged")
    assert code not in (0, None) and "--metric alinged: the questions define aligned, coherent" in captured.err
    # resuming does nothing new
    run_main(monkeypatch, capsys, *args)
    with ResultsStore(db) as store:
        assert len(store.samples()) == n
    result = runner.invoke(app, ["show", str(db), "--per-question"])
    assert result.exit_code == 0 and "per question" in result.output
    result = runner.invoke(app, ["export", str(db), str(tmp_path / "a.csv")])
    assert result.exit_code == 0 and (tmp_path / "a.csv").read_text().count("\n") > n


def test_several_values_after_one_magnitude_option():
    from emsteer.cli import spread_values

    assert spread_values(["eval", "--relative", "2", "4", "8", "--db", "x"]) == [
        "eval", "--relative", "2", "--relative", "4", "--relative", "8", "--db", "x"]
    assert spread_values(["generate", "q", "-a", "-3", "5", "--n", "4", "7"]) == [
        "generate", "q", "-a", "-3", "-a", "5", "--n", "4", "7"]
    assert spread_values(["audit", "v", "--magnitude", "m=1", "rho=0.2", "x.gguf"]) == [
        "audit", "v", "--magnitude", "m=1", "--magnitude", "rho=0.2", "x.gguf"]
    assert spread_values(["generate", "--", "--relative", "1", "2"]) == ["generate", "--", "--relative", "1", "2"]
    assert spread_values(["generate", "--relative", "2", "what", "42"]) == ["generate", "--relative", "2", "what", "42"]
    # the first value attached: the next ones are magnitudes too, never a question or a store
    assert spread_values(["generate", "hi", "--relative=0.1", "0.2"]) == [
        "generate", "hi", "--relative=0.1", "--relative", "0.2"]
    assert spread_values(["eval", "-r0.1", "0.2", "s.sqlite"]) == ["eval", "-r0.1", "-r", "0.2", "s.sqlite"]
    assert spread_values(["eval", "--rx", "0.2"]) == ["eval", "--rx", "0.2"]  # not a spreading option


def test_generate_takes_magnitudes_in_a_row(monkeypatch, capsys, model_dir, vector_file):
    code, captured = run_main(monkeypatch, capsys, "generate", "hello", "--model", str(model_dir), "--vector",
                              str(vector_file), "--layer", "1", "--absolute", "1", "2", "--max-new-tokens", "2", "--json")
    assert code == 0, captured.err
    rows = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    assert sorted({r["alpha"] for r in rows}) == [1.0, 2.0]


def test_help_keeps_install_extras_and_sane_magnitudes():
    """Rich markup would swallow "[ray]" and "[mlflow]"; the 0.5B collapses past ρ ≈ 0.3."""
    study = runner.invoke(app, ["study", "--help"], env={"COLUMNS": "250"})
    assert "pip install 'emsteer[ray]'" in study.output
    evaluate = runner.invoke(app, ["eval", "--help"], env={"COLUMNS": "250"})
    assert "emsteer[mlflow]" in evaluate.output and "--relative 2 4 8" not in evaluate.output


def test_help_gives_flags_no_type():
    """A flag takes no value, so --help shows no "<bool>" beside it; options that take one keep their type."""
    audit = runner.invoke(app, ["audit", "--help"], env={"COLUMNS": "250"})
    json_line = next(line for line in audit.output.splitlines() if "--json" in line and "verdict" in line)
    assert "<" not in json_line
    assert "<bool>" not in audit.output and "<path>" in audit.output


def test_judge_help_is_generated_from_the_registry(monkeypatch):
    """--help lists every backend, because it is built from JUDGE_BACKENDS rather than written by hand."""
    from emsteer.judging import JUDGE_BACKENDS

    evaluate = runner.invoke(app, ["eval", "--help"], env={"COLUMNS": "400"})
    text = " ".join(evaluate.output.replace("│", " ").split())
    for name in JUDGE_BACKENDS:
        assert f"{name}:" in text or f"{name}," in text, name
    assert "sampled:MODEL" in text


def test_judge_usage_names_every_shipped_head():
    from emsteer.judging import judge_usage
    from emsteer.judging.learned import SHIPPED_HEADS

    assert all(f"learned:{name}" in judge_usage() for name in SHIPPED_HEADS)


def test_an_interrupt_while_options_are_parsed_still_says_so(monkeypatch, capsys):
    """Typer turns Ctrl-C during option parsing (outside the command's body) into a silent exit
    130; main says the documented line whenever the interrupt came."""
    from emsteer.cli import _click_command

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(_click_command()), "make_context", interrupted)
    code, captured = run_main(monkeypatch, capsys, "eval", "x.sqlite")
    assert code == 130 and "interrupted — finished work is saved" in " ".join(captured.err.split())
    # a command that keeps nothing it did (generate prints its answers at the end) promises no resume
    code, captured = run_main(monkeypatch, capsys, "generate", "hi")
    assert code == 130 and captured.err.strip() == "interrupted." and "saved" not in captured.err
