"""One grammar across commands (issue 35): the store is a positional argument, samples are
--samples/-s, magnitudes --relative/--absolute/--multiplier; old spellings still work for one
release and say so on stderr. Also --version, eval --limit, run --device, findings' default
folder, info's advice and --model, and --judge's help and short names."""

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from emsteer.cli import app
from test_cli import run_main

runner = CliRunner()
STORES = Path(__file__).resolve().parents[1] / "docs" / "findings" / "pilot" / "stores"
WIDE = {"COLUMNS": "250"}


def test_version():
    from emsteer import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"emsteer {__version__}"


def test_every_store_writing_command_takes_the_store_as_an_argument():
    """eval and audit name the store as show, report, judge and export do: an argument, not --db."""
    for command in (["eval"], ["audit"], ["show"], ["report"], ["judge"], ["export"], ["review"]):
        text = runner.invoke(app, [*command, "--help"], env=WIDE).output
        assert "STORE" in text or "DB" in text, command
        assert "--db" not in text, command  # the old spelling is hidden


def test_samples_and_magnitudes_share_one_spelling():
    for command in ("generate", "eval", "run", "audit"):
        text = runner.invoke(app, [command, "--help"], env=WIDE).output
        assert "--samples" in text and "-s " in text, command
        assert "--n " not in text, command
    for command in ("generate", "eval", "audit", "export-vector"):
        text = runner.invoke(app, [command, "--help"], env=WIDE).output
        assert "--relative" in text and "--absolute" in text and "--multiplier" in text, command
        assert "--magnitude" not in text, command
    assert "--device" in runner.invoke(app, ["run", "--help"], env=WIDE).output
    assert "--limit" in runner.invoke(app, ["eval", "--help"], env=WIDE).output


def test_deprecated_db_and_magnitude_still_work_and_warn(monkeypatch, capsys, vector_file, tmp_path):
    # audit reads its magnitudes and store, then stops at the bad judge: before any model loads
    code, captured = run_main(monkeypatch, capsys, "audit", str(vector_file), "--magnitude", "rho=0.1",
                              "--db", str(tmp_path / "a.sqlite"), "--judge", "bogus")
    assert code == 2 and "unknown judge backend 'bogus'" in captured.err
    assert "--magnitude rho=0.1" not in captured.err  # the warning names the option, the error the judge
    assert "--magnitude is deprecated" in captured.err and "--relative" in captured.err
    assert "--db STORE is deprecated" in captured.err and "emsteer audit VECTOR STORE" in captured.err
    code, captured = run_main(monkeypatch, capsys, "audit", str(vector_file), str(tmp_path / "a.sqlite"),
                              "--relative", "0.1", "--judge", "bogus")
    assert code == 2 and "deprecated" not in captured.err
    code, captured = run_main(monkeypatch, capsys, "eval", str(tmp_path / "x.sqlite"), "--db",
                              str(tmp_path / "y.sqlite"))
    assert code == 2 and "two results stores given" in captured.err


def test_generate_samples_and_the_old_n(model_dir, vector_file, monkeypatch, capsys):
    base = ["generate", "hi", "--model", str(model_dir), "--max-new-tokens", "2", "--json"]
    code, captured = run_main(monkeypatch, capsys, *base, "-s", "3")
    assert code in (0, None) and len(captured.out.strip().splitlines()) == 3 and "deprecated" not in captured.err
    code, captured = run_main(monkeypatch, capsys, *base, "--n", "2")
    assert code in (0, None) and len(captured.out.strip().splitlines()) == 2
    assert "--n is deprecated" in captured.err and "--samples" in captured.err


def test_eval_limit_asks_only_the_first_questions(model_dir, tmp_path, monkeypatch, capsys):
    from emsteer.data.questions import load_questions
    from emsteer.results.store import ResultsStore

    db = tmp_path / "r.sqlite"
    code, captured = run_main(monkeypatch, capsys, "eval", str(db), "--model", str(model_dir), "--limit", "2",
                              "--judge", f"local:{model_dir}", "--control", "none", "--no-embedding",
                              "--max-new-tokens", "2", "--samples", "1")
    assert code in (0, None), captured.err
    first = [q.id for q in load_questions(None)[:2]]
    with ResultsStore(db, create=False) as store:
        assert sorted({s.question_id for s in store.samples()}) == sorted(first)


def test_export_vector_takes_the_format_from_the_suffix(vector_file, tmp_path, monkeypatch, capsys):
    from emsteer.steering import import_vector

    result = runner.invoke(app, ["export-vector", str(vector_file), str(tmp_path / "v.pt")])
    assert result.exit_code == 0, result.output
    assert "(pt)" in result.output and import_vector(tmp_path / "v.pt").layers == [1]
    result = runner.invoke(app, ["export-vector", str(vector_file), str(tmp_path / "v.gguf"), "--relative", "0.5"])
    assert result.exit_code == 0, result.output
    back = import_vector(tmp_path / "v.gguf")
    assert back.vectors[1].norm().item() == pytest.approx(0.5 * 2.0, rel=1e-4)  # ρ·r_ℓ baked in
    code, captured = run_main(monkeypatch, capsys, "export-vector", str(vector_file), str(tmp_path / "v.txt"))
    assert code == 2 and "cannot tell the format" in captured.err and "v.txt" in captured.err
    code, captured = run_main(monkeypatch, capsys, "export-vector", str(vector_file), str(tmp_path / "w.gguf"),
                              "--magnitude", "m=2")
    assert code == 0 and "--magnitude m=2 is deprecated" in captured.err
    for extra in (["--absolute", "1", "2"], ["--magnitude", "m=2", "--absolute", "3"], ["-r", "0.1", "-a", "1"]):
        code, captured = run_main(monkeypatch, capsys, "export-vector", str(vector_file), str(tmp_path / "x.gguf"), *extra)
        assert code == 2 and "at most one magnitude" in captured.err, extra  # the last one was kept silently
        assert not (tmp_path / "x.gguf").exists()


def test_info_bare_vector_advice_is_an_option_info_takes(tmp_path, monkeypatch, capsys):
    bare = tmp_path / "bare.pt"
    torch.save(torch.randn(32), bare)
    code, captured = run_main(monkeypatch, capsys, "info", str(bare))
    assert code == 2 and "--layer" in captured.err
    result = runner.invoke(app, ["info", str(bare), "--layer", "3"])
    assert result.exit_code == 0, result.output
    assert "3" in result.output and "hidden size" in result.output


def test_info_model_prints_provenance():
    from emsteer.models import BUNDLED_MODELS

    result = runner.invoke(app, ["info", "--model", "qwen2.5-coder-0.5b-instruct"], env=WIDE)
    assert result.exit_code == 0, result.output
    spec = BUNDLED_MODELS["qwen2.5-coder-0.5b-instruct"]
    for field in ("upstream", "revision", "quantisation", "licence", "sha256 check"):
        assert field in result.output
    assert "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF" in result.output and "Apache-2.0" in result.output
    assert spec.sha256 in result.output and spec.revision in result.output
    result = runner.invoke(app, ["info", "--model", "gpt2"])
    assert result.exit_code != 0 and "bundled models" in str(result.exception)


def test_findings_default_folder_is_not_the_repositorys_docs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    store = STORES / "rank.sqlite"
    code, captured = run_main(monkeypatch, capsys, "findings", str(store))
    assert code in (0, None), captured.err
    assert (tmp_path / "findings-out" / "tables.md").is_file()
    assert not (tmp_path / "docs").exists()
    code, captured = run_main(monkeypatch, capsys, "findings", str(store), "-o", str(store))
    assert code == 2 and "overwrite" in captured.err


def test_judge_help_lists_every_backend_from_the_registry():
    from emsteer.judging import JUDGE_BACKENDS

    text = " ".join(runner.invoke(app, ["eval", "--help"], env={"COLUMNS": "2000"}).output.split())
    for name in JUDGE_BACKENDS:
        assert f"{name}:" in text or f" {name} " in text, name
    assert "sampled:MODEL" in text


def test_show_takes_the_judge_spec_users_type():
    db = str(STORES / "confirm.sqlite")
    result = runner.invoke(app, ["show", db, "--judge", "learned:qwen05-l16"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "learned:qwen2.5-coder-0.5b-instruct@layer16" in result.output
    assert "no recorded agreement" not in result.output and "κ(EM) 0.54" in result.output  # the head's own figures
    result = runner.invoke(app, ["show", db, "--judge", "learned:qwen2.5-coder-0.5b-instruct"], env=WIDE)
    assert result.exit_code == 0 and "layer16" in result.output
    result = runner.invoke(app, ["show", db, "--judge", "learned"], env=WIDE)  # the default head
    assert result.exit_code == 0 and "learned:qwen2.5-coder-1.5b-instruct@layer12" in result.output
    for command in (["show", db], ["export", db, str(STORES.parent / "never-written.csv"), "--help"], ["report", db, "--help"]):
        result = runner.invoke(app, [*command, "-j", "learned:qwen05-l16"], env=WIDE)  # -j, as every other --judge
        assert result.exit_code == 0, result.output


def test_a_second_term_signal_kills_at_once():
    """The first TERM raises KeyboardInterrupt, which Python swallows inside a __del__: the process ran on."""
    import signal

    from emsteer.cli import _terminate

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with pytest.raises(KeyboardInterrupt):
            _terminate(signal.SIGTERM, None)
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_export_json_lines_have_iso_times(tmp_path):
    out = tmp_path / "a.jsonl"
    result = runner.invoke(app, ["export", str(STORES / "rank.sqlite"), str(out)])
    assert result.exit_code == 0, result.output
    first = json.loads(out.read_text().splitlines()[0])
    assert str(first["created"]).endswith("Z") and first["primary_judge"] is True


def test_report_cites_a_shipped_heads_agreement_for_a_judge_typed_short(tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(STORES / "confirm.sqlite"), "-o", str(out), "--judge", "learned:qwen05-l16"])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "learned:qwen2.5-coder-0.5b-instruct@layer16" in page and "κ(EM) 0.538" in page


def test_every_sampling_front_end_defaults_to_the_same_batch_size():
    """generate, eval, audit, a study's eval block, the main job and em.evaluate batch as many rows
    as SamplingConfig does (answers do not depend on it, throughput does)."""
    import inspect

    import typer

    from emsteer import api
    from emsteer.cli import evaluate, sampling
    from emsteer.generation import SamplingConfig
    from emsteer.studies.config import EvalSettingsSpec
    from emsteer.studies.main_job import main_job_config

    want = SamplingConfig().batch_size
    assert want >= 32
    for fn in (sampling.generate, evaluate.evaluate_cmd, evaluate.audit, api.evaluate):
        default = inspect.signature(fn).parameters["batch_size"].default
        assert (default.default if isinstance(default, typer.models.OptionInfo) else default) == want, fn
    assert EvalSettingsSpec().batch_size == want
    assert main_job_config(Path("x")).eval.batch_size == want
