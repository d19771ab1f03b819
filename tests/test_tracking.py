"""MLflow tracking: what a run holds after eval/build/study logs to a local folder (needs emsteer[mlflow])."""


import pytest
import torch

from emsteer.errors import EmsteerError
from emsteer.results.store import ResultsStore
from emsteer.steering import SteeringVector
from emsteer.tracking import key, log_config, log_results, open_tracker, tracker_class

mlflow = pytest.importorskip("mlflow")


def _run(uri):
    """The one run in the local MLflow folder ``uri``: its params, latest metrics, histories and files."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri.resolve().as_uri())
    exp = client.get_experiment_by_name("emsteer")
    (run,) = client.search_runs([exp.experiment_id])
    history = {k: [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, k)] for k in run.data.metrics}
    files = [a.path for a in client.list_artifacts(run.info.run_id)]
    return run, history, files, client


def test_results_store_contents(tmp_path):
    from test_export_results import PRIMARY, make_store

    db = make_store(tmp_path / "r.sqlite")
    curve = {"step": [3.0, 2.5, 2.0, 1.8], "epoch": [2.6, 1.9], "step_tokens": [9, 9, 9, 9]}
    vec = SteeringVector({1: torch.ones(8)}, {}, {"method": "optimized", "loss_curve": curve})
    with ResultsStore(db) as store:
        store.add_artifact("abcdef0123456789", vec, None)
    with open_tracker("mlflow", str(tmp_path / "mlruns"), run_name="eval") as tracker:
        log_config(tracker, {"command": "eval", "relative": [0.2], "questions": None})
        log_results(tracker, db)
    run, history, files, _ = _run(tmp_path / "mlruns")
    assert run.info.status == "FINISHED" and run.info.run_name == "eval"
    assert run.data.params["relative"] == "[0.2]" and run.data.params["judge_identity"] == PRIMARY
    steered = key("optimized ρ=0.2")
    assert run.data.metrics[f"{steered}/em_rate"] == pytest.approx(1.0)  # all 3 answers EM (aligned < 30)
    assert run.data.metrics[f"{steered}/deception"] == pytest.approx(43.0)  # custom metric means
    assert run.data.metrics["baseline/n_scored"] == 3
    assert history["train/abcdef012345/loss_per_step"] == [(1, 3.0), (2, 2.5), (3, 2.0), (4, 1.8)]
    assert history["train/abcdef012345/loss_per_epoch"] == [(1, 2.6), (2, 1.9)]
    assert {"config.json", "report.html"} <= set(files)


def test_a_failed_block_marks_the_run_failed(tmp_path):
    with pytest.raises(RuntimeError):
        with open_tracker("mlflow", str(tmp_path / "mlruns")) as tracker:
            tracker.log_metrics({"x": 1.0})
            raise RuntimeError("boom")
    run, *_ = _run(tmp_path / "mlruns")
    assert run.info.status == "FAILED"


def test_bad_tracker_and_uri(tmp_path):
    with pytest.raises(EmsteerError, match="--track 'tensorboard': choose one of mlflow"):
        tracker_class("tensorboard")
    (tmp_path / "file").write_text("x")
    with pytest.raises(EmsteerError, match="is a file; give a folder"):
        open_tracker("mlflow", str(tmp_path / "file"))


def test_a_tracking_uri_with_a_password_never_shows_it(monkeypatch):
    """MLflow's own messages repeat the URL: the error used to carry the password, as did the
    'Tracked in' line."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    with pytest.raises(EmsteerError) as err:
        open_tracker("mlflow", "http://alice:s3cr3tPass99@127.0.0.1:1")
    assert "s3cr3tPass99" not in str(err.value) and "MLflow at http://***@127.0.0.1:1" in str(err.value)


def test_cli_build_logs_config_loss_curve_and_artifact(tmp_path, model_dir, monkeypatch):
    from typer.testing import CliRunner

    from emsteer.cli import app

    monkeypatch.chdir(tmp_path)  # the default ./mlruns lands here
    result = CliRunner().invoke(app, [
        "build", "-o", str(tmp_path / "vec"), "--method", "optimized", "--task", "everyday_advice", "--model",
        str(model_dir), "--layer", "1", "--epochs", "2", "--limit", "4", "--batch-size", "2", "--max-length", "32",
        "--held-out", "2", "--track", "mlflow"])
    assert result.exit_code == 0, (result.output, result.exception)
    run, history, files, _ = _run(tmp_path / "mlruns")
    assert run.data.params["method"] == "optimized" and run.data.params["epochs"] == "2"
    assert run.data.params["artifact.layer"] == "1"
    assert [s for s, _ in history["train/loss_per_epoch"]] == [1, 2]
    assert len(history["train/loss_per_step"]) == 4  # 4 examples, batch 2, 2 epochs
    assert "heldout_nll_steered" in run.data.metrics
    assert {"config.json", "final.safetensors"} <= set(files)
