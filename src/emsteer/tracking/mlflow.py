"""MLflow tracker (``pip install 'emsteer[mlflow]'``: mlflow-skinny is enough).

The URI is any MLflow tracking URI (http://host:5000, databricks, sqlite:///mlflow.db with the
full mlflow package) or a local folder (default ``mlruns``), which uses MLflow's file store and
works offline; MLflow keeps that store in maintenance mode and asks for an explicit opt-in
(MLFLOW_ALLOW_FILE_STORE), which a folder given here is.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from emsteer.errors import EmsteerError
from emsteer.redact import redact_text, redact_url, url_secrets

try:
    import mlflow
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient
except ImportError as err:  # the optional extra is missing
    raise EmsteerError("--track mlflow needs MLflow: pip install 'emsteer[mlflow]' (or mlflow-skinny).") from err

_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.I)


def tracking_uri(uri: str) -> str:
    """A URI as given; a plain folder becomes a file: URI (and opts in to MLflow's file store)."""
    if _SCHEME.match(uri) and not uri.startswith("file:"):
        return uri
    folder = Path(uri[len("file:"):] if uri.startswith("file:") else uri).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise EmsteerError(f"--track-uri {uri}: {folder} is a file; give a folder for MLflow's runs or a tracking URI.")
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return folder.as_uri()


class MlflowTracker:
    """One MLflow run, written through the client API (no global active run is left behind).
    ``uri`` is what the client uses; ``shown`` is what messages show (credentials masked)."""

    def __init__(self, uri: str, *, experiment: str = "emsteer", run_name: str | None = None) -> None:
        self.uri = tracking_uri(uri)
        self.shown = redact_url(self.uri)
        self._secrets = url_secrets(self.uri)
        with self._errors():
            self.client = MlflowClient(tracking_uri=self.uri)
            found = self.client.get_experiment_by_name(experiment)
            exp_id = found.experiment_id if found else self.client.create_experiment(experiment)
            self.run_id = self.client.create_run(exp_id, run_name=run_name).info.run_id

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """MLflow's errors, as an EmsteerError without the URI's credentials (its messages repeat the URL)."""
        try:
            yield
        except mlflow.exceptions.MlflowException as err:
            raise EmsteerError(f"MLflow at {self.shown}: {redact_text(str(err.message), self._secrets)}") from None

    def log_params(self, params: Mapping[str, Any]) -> None:
        items = [Param(k, str(v)) for k, v in params.items()]
        with self._errors():
            for i in range(0, len(items), 100):  # MLflow takes at most 100 params per batch
                self.client.log_batch(self.run_id, params=items[i:i + 100])

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        now = int(time.time() * 1000)
        items = [Metric(k, float(v), now, step or 0) for k, v in metrics.items()]
        with self._errors():
            for i in range(0, len(items), 1000):  # and at most 1000 metrics
                self.client.log_batch(self.run_id, metrics=items[i:i + 1000])

    def log_file(self, path: Path) -> None:
        with self._errors():
            self.client.log_artifact(self.run_id, str(path))

    def log_text(self, text: str, name: str) -> None:
        with self._errors():
            self.client.log_text(self.run_id, text, name)

    def close(self, failed: bool = False) -> None:
        with self._errors():
            self.client.set_terminated(self.run_id, "FAILED" if failed else "FINISHED")

    def __enter__(self) -> "MlflowTracker":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(failed=exc_type is not None)
