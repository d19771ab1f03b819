"""What the command modules share: the consoles, messages, the model loader and small checks."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.text import Text

from emsteer.errors import EmsteerError

out = Console()
err = Console(stderr=True)


def refuse_overwriting_inputs(output: Path, inputs: dict[str, Path | None], *, option: str) -> None:
    """No command writes to a path it was given as input: ``output`` (named ``option`` in the
    message) must not be any of ``inputs`` (what each is called -> its path), links resolved."""
    from emsteer.paths import same_file

    for what, path in inputs.items():
        if path is not None and same_file(output, path):
            raise EmsteerError(f"{option} {output} is the {what} this command reads ({path}); writing there would "
                               "overwrite it. Choose another output file.")


def refuse_writing_into_model(model: str | None, files: list[Path], *, option: str, given: Path) -> None:
    """No file written directly into a local --model folder (``files``: what the command writes
    there, ``given``: the output option's value): it would change the model it reads (a vector
    written as model.safetensors loads as its weights). A subfolder is fine."""
    if not model:
        return
    folder = Path(model).expanduser()
    if not folder.is_dir():
        return  # a hub id, a bundled name or a .gguf file: nothing of ours is written beside it
    home = os.path.realpath(folder)
    if any(home in (os.path.realpath(f), os.path.dirname(os.path.realpath(f))) for f in files):
        raise EmsteerError(f"{option} {given} writes into the model folder {folder} this command reads; that would "
                           "change the model. Choose an output outside it (a subfolder is fine).")


def _log(message: str) -> None:
    err.print(Text(message, style="dim"))


def _deprecated(old: str, new: str) -> None:
    """An old spelling still works for one release; it says so on stderr (stdout stays the result)."""
    err.print(Text(f"warning: {old} is deprecated and goes in the next release; use {new}.", style="yellow"),
              soft_wrap=True)


def _store_argument(store: Path | None, db: Path | None, default: Path, command: str) -> Path:
    """The results store of a command that writes one: the positional STORE, or the deprecated --db."""
    if db is not None:
        _deprecated("--db STORE", f"the store as an argument: emsteer {command} STORE")
        if store is not None and store != db:
            raise EmsteerError(f"two results stores given: {store} (argument) and --db {db}; give one.")
        return db
    return store if store is not None else default


def _load(model: str | None, dtype: str, device: str, device_map: str | None = None):
    from transformers.utils import logging as hf_logging

    from emsteer.models import load_model

    hf_logging.disable_progress_bar()  # emsteer shows its own progress; a per-tensor bar is noise

    return load_model(model, dtype=dtype, device=device, device_map=device_map, log=_log)






def _track(track: str | None, uri: str | None, command: str, config: dict, *, db: Path | None = None,
           artifact=None, artifact_path: Path | None = None, metrics: dict | None = None) -> None:
    """Log a finished command to the tracker (see emsteer.tracking); nothing without --track."""
    if track is None:
        return
    from emsteer.tracking import log_artifact, log_config, log_results, open_tracker

    with open_tracker(track, uri, run_name=command) as tracker:
        log_config(tracker, {"command": command, **{k: v for k, v in config.items() if k not in ("track", "track_uri")}})
        if artifact is not None:
            log_artifact(tracker, artifact, artifact_path)
        if metrics:
            tracker.log_metrics(metrics)
        if db is not None:
            log_results(tracker, db)
    out.print(Text(f"Tracked in {track}: {tracker.shown} (run {tracker.run_id})", style="dim"))


def _settings(samples, seed, max_new_tokens, temperature, top_p, batch_size):
    from emsteer.evaluation import EvalSettings
    from emsteer.generation import SamplingConfig

    return EvalSettings(SamplingConfig(max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p,
                                       batch_size=batch_size), samples, seed)


def _check_cheap(judge: str, control: str, positions: str, db: Path) -> None:
    """What a run can check before it loads a model (seconds to minutes): the judge spec, the
    positive control, the steering positions and the results file."""
    from emsteer.evaluation import CONTROL_KINDS
    from emsteer.judging import check_judge_spec
    from emsteer.results import ResultsStore

    check_judge_spec(judge)
    if control not in CONTROL_KINDS:
        raise EmsteerError(f"--control {control!r}: choose one of {', '.join(CONTROL_KINDS)}.")
    if positions not in ("all", "prompt", "generated"):
        raise EmsteerError(f"--positions {positions!r}: choose all, prompt or generated.")
    ResultsStore.check_writable(db)


def _print_results(db: Path, judge: str | None = None, per_question: bool = False, title: str | None = None) -> None:
    from emsteer.display import stored_results

    for part in stored_results(db, judge, per_question=per_question, title=title):
        out.print(part)




def _check_metrics(questions, metrics: list[str]) -> None:
    """--metric names only metrics the questions define (with the default judge prompts added)."""
    from emsteer.judging import unknown_metrics

    unknown, defined = unknown_metrics(questions, metrics)
    if unknown:
        raise EmsteerError(f"--metric {', '.join(unknown)}: the questions define {', '.join(defined)}.")
