"""Experiment tracking: send a run's config, loss curves, per-condition metrics and report to a
tracker (MLflow; optional extra ``emsteer[mlflow]``).

A tracker is one file with a class that has ``log_params``, ``log_metrics``, ``log_file``,
``log_text`` and ``close`` (``Tracker`` below), registered in ``TRACKERS``. What is logged is
decided here, once, from the results store and the artifacts, after the work is done: tracking
never changes a run, and a run that fails logs nothing half-way.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from emsteer.errors import EmsteerError

__all__ = [
    "DEFAULT_URI",
    "TRACKERS",
    "Tracker",
    "condition_metrics",
    "key",
    "log_artifact",
    "log_config",
    "log_loss_curve",
    "log_results",
    "open_tracker",
    "tracker_class",
]

TRACKERS = {"mlflow": "emsteer.tracking.mlflow:MlflowTracker"}
DEFAULT_URI = "mlruns"  # a local folder, next to where the command runs


class Tracker(Protocol):
    shown: str  # where it tracks, as messages show it (credentials masked)
    run_id: str

    def log_params(self, params: Mapping[str, Any]) -> None: ...
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None: ...
    def log_file(self, path: Path) -> None: ...
    def log_text(self, text: str, name: str) -> None: ...
    def close(self, failed: bool = False) -> None: ...
    def __enter__(self) -> "Tracker": ...
    def __exit__(self, *exc) -> None: ...


def tracker_class(kind: str):
    """The tracker class for ``kind``; imports its package, so a missing extra fails before any work."""
    if kind not in TRACKERS:
        raise EmsteerError(f"--track {kind!r}: choose one of {', '.join(TRACKERS)}.")
    import importlib

    module, name = TRACKERS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def open_tracker(kind: str, uri: str | None = None, *, experiment: str = "emsteer", run_name: str | None = None):
    return tracker_class(kind)(uri or DEFAULT_URI, experiment=experiment, run_name=run_name)


_KEY = re.compile(r"[^\w.\- /]")


def key(*parts: Any) -> str:
    """A metric/param name trackers accept (letters, digits, _ - . / and spaces)."""
    return "/".join(_KEY.sub("_", str(p)) for p in parts)


def _flat(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat = {}
    for k, v in config.items():
        name = f"{prefix}{k}"
        if isinstance(v, Mapping):
            flat.update(_flat(v, f"{name}."))
        else:
            flat[key(name)] = json.dumps(v, default=str) if not isinstance(v, str) else v
    return flat


def log_config(tracker: Tracker, config: Mapping[str, Any]) -> None:
    """The command's options as params (flattened) and as config.json."""
    tracker.log_params({k: v[:500] for k, v in _flat(config).items()})  # trackers cap param values
    tracker.log_text(json.dumps(config, indent=2, default=str), "config.json")


def log_loss_curve(tracker: Tracker, metadata: Mapping[str, Any], name: str = "train") -> None:
    """A trained artifact's loss per optimizer step and per epoch (from its metadata)."""
    curve = metadata.get("loss_curve") or {}
    for what in ("step", "epoch"):
        for i, value in enumerate(curve.get(what) or [], start=1):
            if isinstance(value, (int, float)) and math.isfinite(value):
                tracker.log_metrics({key(name, f"loss_per_{what}"): float(value)}, step=i)


def _finite(metrics: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}


def condition_metrics(store, judge: str | None = None) -> dict[str, float]:
    """Per condition: the figures of results/aggregates.py (EM rate and its interval, mean scores,
    label rates ...), the mean of every other judged metric (a question set's own), paired Δ vs
    baseline, efficacy, ρ and α; keyed ``<condition>/<metric>``."""
    from emsteer.evaluation.summary import condition_results
    from emsteer.results.aggregates import AGGREGATES, figures

    judge = store.primary_judge(judge)
    means = store.metric_means(judge) if judge else {}
    metrics: dict[str, Any] = {}
    for r in condition_results(store, judge):
        o, d, c = r.summary.overall, r.vs_baseline, r.condition
        values = {**figures(o), "rho": c.rho, "alpha": c.alpha, **r.efficacy}
        values.update({m: mean for m, (mean, _) in means.get(c.id, {}).items() if m not in AGGREGATES})
        if d is not None:
            values.update(em_diff_vs_baseline=d.diff, em_diff_lo=d.lo, em_diff_hi=d.hi, em_diff_p=d.p_value)
        metrics.update({key(r.name, m): v for m, v in values.items()})
    return _finite(metrics)


def log_results(tracker: Tracker, db: Path, *, report: bool = True) -> None:
    """Everything a results store holds worth tracking: per-condition metrics, the loss curves of
    its trained artifacts, the HTML report and the judge."""
    from emsteer.results.store import ResultsStore

    with ResultsStore(db, create=False) as store:
        judge = store.primary_judge()
        tracker.log_params({"judge_identity": str(judge), "results_store": str(Path(db).resolve())})
        tracker.log_metrics(condition_metrics(store, judge))
        for a in store.artifacts():
            log_loss_curve(tracker, a.metadata, key("train", a.id[:12]))
    if report:
        from emsteer.analysis.report import write_report

        with tempfile.TemporaryDirectory() as tmp:
            tracker.log_file(write_report(db, Path(tmp) / "report.html"))


def log_artifact(tracker: Tracker, artifact, path: Path | None = None) -> None:
    """A built artifact: its provenance as params, its loss curve, the file itself."""
    meta = dict(artifact.metadata)
    curve = meta.pop("loss_curve", None)
    tracker.log_params({k: v[:500] for k, v in _flat(meta, "artifact.").items()})
    log_loss_curve(tracker, {"loss_curve": curve})
    if path is not None:
        tracker.log_file(Path(path))
