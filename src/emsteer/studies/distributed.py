"""Run a study on Ray: the grid's units (model × task × seed) as Ray tasks, one writer for the store.

Each unit runs on a worker with exactly the serial runner's code (``StudyRunner.run_unit``),
so names, keys, seeds and tables are the serial run's. A worker writes only its own part store,
``<output>/parts/<unit>.sqlite``; the driver alone writes ``results.sqlite``, merging each part
in grid order as it finishes (results/merge.py: a set union over deterministic keys). So:

- a worker killed mid-unit is retried by Ray (``max_retries``) and resumes from its part store
  and the artifact checkpoints; a unit run twice merges to the same rows, never duplicates;
- an interrupted study resumes like a serial one: run it again (serial or on Ray) and every
  unit finds what its part (and the artifacts folder) already holds, and a unit the study's
  store marks finished is skipped (its worker only loads the model);
- positive controls are Ray tasks too, one per model, before the units that evaluate them; a
  model whose every such unit the store marks finished gets none (should its mark prove stale,
  the unit's worker trains the control itself). Unlike the serial runner, a worker cannot see the
  study's store, so where the cache lost a control whose answers the store holds it is trained
  again, and on another CPU answered again beside them: resume such a study serially.

Workers read and write the study's output folder (parts, artifacts, adapters) and the emsteer
cache (positive-control adapters): on a multi-machine cluster both must be on a shared
filesystem. A unit asks Ray for one CPU, and for ``gpus_per_unit`` GPUs (default: one when the
study's device is not cpu and the cluster has GPUs).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from emsteer.atomic import write_text_atomic
from emsteer.errors import EmsteerError
from emsteer.progress import progress_bar
from emsteer.results.merge import merge_store
from emsteer.results.store import ResultsStore, WriteLock
from emsteer.studies.config import StudyConfig, check_outputs, slug
from emsteer.studies.runner import StudyRunner, load_study_questions, load_task_data, record_study

RAY_MISSING = "Distributed studies need Ray: pip install 'emsteer[ray]' (or pip install ray)."


def _ray():
    try:
        import ray
    except ImportError:
        raise EmsteerError(RAY_MISSING) from None
    return ray


def _worker_log(message: str) -> None:
    print(message, flush=True)  # Ray forwards a worker's stdout to the driver


def _control(runner: StudyRunner, model: str):
    lm, _ = runner.load(model)
    return runner.control(lm, model)


def _unit(runner: StudyRunner, questions, tasks, model: str, t: int, s: int, control, part: str, mark,
          matched: dict | None = None) -> str:
    """Run one unit into the store ``part``; "" when the study's store marks it finished (``mark``).
    ``matched``: the study's recorded matched-efficacy searches, which the unit steers at."""
    lm, judges = runner.load(model)
    embedder = runner.embedder()
    if runner.finished(mark, questions, tasks[t], judges, embedder):
        return ""
    if t == 0 and control is None and runner.config.control != "none":  # skipped up front, but the mark is stale
        control = runner.control(lm, model)
    with ResultsStore(part) as store, progress_bar(False) as bar:
        store.meta.adopt_matched(matched or {})
        runner.run_unit(store, lm, judges, questions, model, t, tasks[t], s, bar=bar,
                        control=control, embedder=embedder)
        store.meta.record_judge(judges[0].identity)
    return part


def _env() -> dict[str, str]:
    """What workers need of the driver's environment (cache folder, offline flags). Never a
    secret (HF_TOKEN and the like): a runtime env is stored with the job and shown in Ray's
    dashboard and logs; a cluster's nodes read tokens from their own environment."""
    keep = ("EMSTEER_", "HF_", "TRANSFORMERS_")
    return {k: v for k, v in os.environ.items() if k.startswith(keep) and not _SECRET_NAME.search(k)}


_SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSW|AUTH|CREDENTIAL", re.IGNORECASE)


def _unwrap(err: Exception) -> Exception:
    """A worker's EmsteerError reaches the user as itself, not wrapped in a RayTaskError."""
    cause = getattr(err, "cause", None)
    return cause if isinstance(cause, EmsteerError) else err


def run_study_ray(config: StudyConfig, *, workers: int | None = None, address: str | None = None,
                  gpus_per_unit: float | None = None, max_retries: int = 3, judges=None, progress: bool = True,
                  log=print, rejudge_missing: bool = False) -> Path:
    """Run (or resume) ``config`` on Ray; returns the study's results file.

    ``address`` joins a running cluster (``ray start --head``; "auto" finds a local one);
    without it a local cluster with ``workers`` CPUs is started for the run and stopped after it.
    ``judges`` are Judge objects sent to the workers (they must pickle); default: the config's.
    """
    ray = _ray()
    if workers is not None and workers < 1:
        raise EmsteerError(f"--workers must be at least 1, got {workers}.")
    if config.backend != "transformers":  # one engine per unit would hold a GPU's memory per worker: not yet
        raise EmsteerError(f"study {config.name}: backend {config.backend} runs serially; drop --workers/--ray "
                           "(one vLLM engine already batches each unit's conditions together).")
    # The runner travels to the workers: it logs through a function that pickles.
    runner = StudyRunner(config, judges=judges, progress=False, log=_worker_log, rejudge_missing=rejudge_missing)
    cfg = config
    # The serial runner's cheap checks, before a cluster starts or anything is written.
    questions = load_study_questions(cfg)
    tasks = [load_task_data(t, cfg) for t in cfg.task_specs()]
    if judges is None:
        from emsteer.judging import check_judge_spec

        for spec in cfg.judges:
            check_judge_spec(spec)
    if cfg.output is None:  # parse_study/load_study always set it
        raise EmsteerError(f"study {cfg.name}: no output folder.")
    check_outputs(cfg)
    out = Path(cfg.output)
    db = out / "results.sqlite"
    ResultsStore.check_writable(db)
    out.mkdir(parents=True, exist_ok=True)
    parts = out / "parts"
    parts.mkdir(exist_ok=True)
    units = [(model, t, s) for model in cfg.models for t in range(len(tasks)) for s in range(len(cfg.seeds))]

    with WriteLock(db, hint="give this study another output folder"):
        write_text_atomic(out / "study.yaml", yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False))
        started = not ray.is_initialized()
        if started:
            log(f"Starting a local Ray cluster ({workers or os.cpu_count()} CPUs)" if address is None
                else f"Joining the Ray cluster at {address}")
            ray.init(address=address, num_cpus=workers if address is None else None, include_dashboard=False,
                     runtime_env={"env_vars": _env()}, logging_level="warning")
        try:
            if gpus_per_unit is None:
                has_gpu = ray.cluster_resources().get("GPU", 0) >= 1
                gpus_per_unit = 1.0 if has_gpu and cfg.device != "cpu" else 0.0
            options = dict(num_cpus=1, num_gpus=gpus_per_unit, max_retries=max_retries, retry_exceptions=False)
            control_task = ray.remote(_control).options(**options)
            unit_task = ray.remote(_unit).options(**options)
            runner_ref, questions_ref, tasks_ref = ray.put(runner), ray.put(questions), ray.put(tasks)
            with ResultsStore(db) as store, progress_bar(progress) as bar:
                record_study(store, cfg)
                overall = bar.add_task(f"Study {cfg.name} (Ray)", total=len(units) + len(cfg.models) * (cfg.control != "none"),
                                       info=f"{len(units)} units")
                controls = {model: None for model in cfg.models}
                # Only the first task evaluates a model's control: none to train when all its seeds are marked
                # finished (the driver cannot check a mark's match; that needs the judges, which workers load).
                wanted = [model for model in cfg.models if cfg.control != "none" and any(
                    store.meta.unit_mark(runner.unit_key(model, tasks[0], s)) is None for s in range(len(cfg.seeds)))]
                bar.advance(overall, len(cfg.models) * (cfg.control != "none") - len(wanted))
                if wanted:
                    bar.update(overall, info="positive controls")
                    log(f"Preparing the positive control of {', '.join(wanted)}")
                    refs = {model: control_task.remote(runner_ref, model) for model in wanted}
                    for model, ref in refs.items():
                        controls[model] = _get(ray, ref)
                        bar.advance(overall)
                pending = {}
                matched = store.meta.all_matched()  # a resumed study's units steer at the ρ it found
                for i, (model, t, s) in enumerate(units):
                    part = parts / f"{i:04d}-{slug(model)}-{slug(tasks[t].name)}-s{cfg.seeds[s]}.sqlite"
                    mark = store.meta.unit_mark(runner.unit_key(model, tasks[t], s))
                    ref = unit_task.remote(runner_ref, questions_ref, tasks_ref, model, t, s, controls[model], str(part),
                                           mark, matched)
                    pending[ref] = i
                _merge_in_order(ray, pending, store, bar, overall)  # parts carry the meta (judge) too
                bar.update(overall, info="done")
        finally:
            if started:
                ray.shutdown()
    return db


def _get(ray, ref):
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        raise _unwrap(err) from err


def _merge_in_order(ray, pending: dict, store: ResultsStore, bar, overall) -> None:
    """Merge parts in grid order as they finish; after a failure, the rest still finish and merge."""
    finished: dict[int, str] = {}
    failures: list[Exception] = []
    following = 0
    total = len(pending)
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            i = pending.pop(ref)
            try:
                finished[i] = ray.get(ref)
            except ray.exceptions.RayError as err:
                failures.append(_unwrap(err))
                finished[i] = ""
            bar.advance(overall)
        while following in finished:
            part = finished.pop(following)
            if part:
                merge_store(store, part)
            following += 1
        bar.update(overall, info=f"{total - len(pending)}/{total} units done, {len(pending)} running or queued")
    if failures:
        raise failures[0]
