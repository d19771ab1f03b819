"""Commands about studies: study (run a grid) and plan (power before running)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from emsteer.cli.common import _log, _print_results, _track, out
from emsteer.cli.options import TrackOpt, TrackUriOpt
from emsteer.errors import EmsteerError


def study(
    config: Annotated[Path, typer.Argument(help="Study YAML: models, tasks, methods, layers, magnitudes, ranks, epochs, seeds, eval, judge. See examples/study.yaml.")],
    report_too: Annotated[bool, typer.Option("--report/--no-report", help="Write <output>/report.html at the end.")] = True,
    rejudge_missing: Annotated[bool, typer.Option("--rejudge-missing", help="Also re-ask the judge for answers whose stored judgment is unscored (it answered in words), past the judgment cache.")] = False,
    track: TrackOpt = None,
    track_uri: TrackUriOpt = None,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Run the grid's model × task × seed units on a local Ray cluster with N CPUs (pip install 'emsteer\\[ray]').")] = None,
    ray_address: Annotated[Optional[str], typer.Option("--ray", help="Run the units on the Ray cluster at ADDRESS (auto, HOST:PORT, ray://HOST:10001); workers must see the output folder.")] = None,
    gpus_per_unit: Annotated[Optional[float], typer.Option("--gpus-per-unit", min=0, help="GPUs each Ray unit asks for (default: 1 when the study's device is not cpu and the cluster has GPUs).")] = None,
) -> None:
    """Run a study grid into one results store (resumable: run it again after an interruption).

    Builds each artifact once (epochs reuse per-epoch checkpoints), loads each model once,
    evaluates every cell with shared seeds, measures narrow-task efficacy, writes the report.
    Each finished model × task × seed is marked in the store: copied alone into a fresh output
    folder (another machine), it resumes without training those again.
    """
    options = dict(locals())  # the options, for the tracker
    from emsteer.studies import load_study, run_study

    cfg = load_study(config)
    if track is not None:  # a missing tracker package fails before the grid runs
        from emsteer.tracking import tracker_class

        tracker_class(track)
    if workers is not None or ray_address is not None:
        from emsteer.studies import run_study_ray

        db = run_study_ray(cfg, workers=workers, address=ray_address, gpus_per_unit=gpus_per_unit, log=_log,
                           rejudge_missing=rejudge_missing)
    else:
        db = run_study(cfg, log=_log, rejudge_missing=rejudge_missing)
    _print_results(db, title=f"Study {cfg.name}")
    if report_too:
        from emsteer.analysis import write_report

        assert cfg.output is not None  # load_study fills it in
        path = write_report(db, cfg.output / "report.html", title=f"emsteer study: {cfg.name}")
        out.print(f"[green]Report:[/green] {escape(str(path.resolve()))}")
    _track(track, track_uri, f"study {cfg.name}", {**options, "study": cfg.model_dump(mode="json")}, db=db)


def plan(
    config: Annotated[Path, typer.Argument(help="Study YAML whose declared comparisons (comparisons:) to plan for.")],
    baseline_rate: Annotated[Optional[float], typer.Option("--baseline-rate", min=0.0, max=0.99, help="The baseline's EM rate to plan with (default 0.02, or the pilot store's; below 0.005 it is planned at 0.005).")] = None,
    pilot: Annotated[Optional[Path], typer.Option("--pilot", help="A results store of a pilot run: its baseline's EM rate (primary judge) is the one planned with.")] = None,
    icc: Annotated[float, typer.Option("--icc", min=0.0, max=1.0, help="Correlation of EM between answers to one question (0: independent answers; 0.05 default).")] = 0.05,
    target: Annotated[float, typer.Option("--target", min=0.001, max=0.99, help="The EM rise the study means to detect (default 0.05 = 5 pp).")] = 0.05,
) -> None:
    """Power before running: what each declared comparison of a study can detect.

    Prints, per comparison declared in the study file (or for every cell against its baseline when
    none is declared), the cells it picks, the corrected level (Bonferroni over the family), the
    smallest EM rise over the baseline detectable at 80% power given the baseline rate, the
    question clusters and the answers per question, and the answers per question the --target
    rise needs. Warns when the questions cannot reach the corrected level at all (K questions give
    no p below 2/2^K) or the target is out of reach, and then exits with status 1 (a study that
    cannot see what it claims to look for; a script can stop on it). Reads only the study file (and
    --pilot).
    """
    from emsteer.display import plan_table
    from emsteer.studies import load_study, plan_for

    if pilot is not None and baseline_rate is not None:
        raise EmsteerError("--pilot and --baseline-rate both set the baseline's EM rate; give one.")
    cfg = load_study(config)
    result = plan_for(cfg, baseline_rate=baseline_rate, pilot=pilot, icc=icc, target=target)
    out.print(plan_table(result, cfg.name))
    if any(r.warnings for r in result.rows):
        raise typer.Exit(1)
