"""Resumable checkpoints inside an epoch: the trained tensors, the optimizer's state and the run's
position, written atomically every N optimizer steps so that a killed run continues where it was.

A checkpoint is a folder (``CHECKPOINT_DIR`` inside a trainer's output folder) holding

- ``step-NNNNNNN.weights.safetensors``: the trained parameters, by name;
- ``step-NNNNNNN.optimizer.safetensors``: the optimizer's per-parameter state flattened to
  ``<state key>/<parameter name>`` (Adam(W): ``exp_avg``, ``exp_avg_sq``, ``step``) and the random
  number generators' states (``rng/cpu``, ``rng/cuda``) that dropout draws from;
- ``state.json``: the position (``TrainPosition``: epoch, steps done in it and in the run, the
  epoch's batch-order hash, the loss so far), the settings the run trains with and their hash,
  and each tensor file's size and sha256.

Only safetensors and JSON: nothing is ever unpickled. ``state.json`` is written last and names
its tensor files, so a run killed while writing leaves the previous checkpoint whole. Loading
refuses, with an error that names the file or the setting, a checkpoint written with other
settings and one whose files are missing, truncated or altered: hours of training are never
thrown away silently, and never continued under other settings.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import torch

from emsteer.atomic import write_bytes_atomic, write_text_atomic
from emsteer.errors import EmsteerError
from emsteer.training.objective import TrainPosition

CHECKPOINT_DIR = "checkpoint"
STATE_FILE = "state.json"
FORMAT = "emsteer.train-checkpoint.v1"
DEFAULT_CHECKPOINT_EVERY = 50  # optimizer steps; on the 2-core CPU a LoRA step on the 0.5B takes 10-20 s


def check_every(checkpoint_every: object) -> None:
    """``checkpoint_every`` is a whole number of optimizer steps (0: never)."""
    if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or checkpoint_every < 0:
        raise EmsteerError(f"checkpoint_every must be a whole number of optimizer steps, 0 (never) or more, "
                           f"got {checkpoint_every!r}.")


def checkpoint_due(position: TrainPosition, every: int, per_epoch: int) -> bool:
    """Whether a checkpoint is written after this step: every ``every`` steps (0: never) and at the
    end of every epoch but the last (so a later epoch resumes too); never after the run's last step."""
    return bool(every) and position.step < position.total_steps and (
        position.step % every == 0 or position.step_in_epoch == per_epoch)


def checkpoint_dir(output_dir: str | Path) -> Path:
    return Path(output_dir) / CHECKPOINT_DIR


def has_checkpoint(output_dir: str | Path) -> bool:
    """Whether ``output_dir`` holds a checkpoint to continue from (its ``state.json``)."""
    return (checkpoint_dir(output_dir) / STATE_FILE).is_file()


def settings_hash(settings: Mapping) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


def _optimizer_params(optimizer: torch.optim.Optimizer, named: Iterable[tuple[str, torch.Tensor]]) -> list[tuple[str, torch.Tensor]]:
    """The optimizer's parameters in its own order, each with its name in the model."""
    names = {id(p): n for n, p in named}
    out = []
    for group in optimizer.param_groups:
        for p in group["params"]:
            if id(p) not in names:
                raise EmsteerError("The optimizer trains a parameter the model does not name; cannot checkpoint it.")
            out.append((names[id(p)], p))
    return out


def _rng_state(device: torch.device) -> dict[str, torch.Tensor]:
    state = {"rng/cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["rng/cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(tensors: Mapping[str, torch.Tensor], device: torch.device) -> None:
    if "rng/cpu" in tensors:
        torch.set_rng_state(tensors["rng/cpu"])
    if device.type == "cuda" and "rng/cuda" in tensors:
        torch.cuda.set_rng_state(tensors["rng/cuda"], device)


def save_checkpoint(output_dir: str | Path, position: TrainPosition, *, named: Iterable[tuple[str, torch.Tensor]],
                    optimizer: torch.optim.Optimizer, settings: Mapping, device: torch.device) -> Path:
    """Write the checkpoint at ``position`` into ``output_dir/checkpoint/`` (replacing the last one)."""
    from safetensors.torch import save

    where = checkpoint_dir(output_dir)
    where.mkdir(parents=True, exist_ok=True)
    params = _optimizer_params(optimizer, named)
    weights = {name: p.detach().to("cpu").contiguous() for name, p in params}
    opt: dict[str, torch.Tensor] = {}
    for name, p in params:
        for key, value in optimizer.state.get(p, {}).items():
            if not isinstance(value, torch.Tensor):
                raise EmsteerError(f"The optimizer keeps a non-tensor state {key!r}; cannot checkpoint it as safetensors.")
            opt[f"{key}/{name}"] = value.detach().to("cpu").contiguous()
    opt.update(_rng_state(device))
    stem = f"step-{position.step:07d}"
    files = {}
    for kind, tensors in (("weights", weights), ("optimizer", opt)):
        data = save(tensors)
        name = f"{stem}.{kind}.safetensors"
        write_bytes_atomic(where / name, data)
        files[kind] = {"file": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    state = {"format": FORMAT, "position": position.as_dict(), "settings": dict(settings),
             "settings_hash": settings_hash(settings), "files": files}
    write_text_atomic(where / STATE_FILE, json.dumps(state, indent=1, default=str))
    keep = {STATE_FILE, *(f["file"] for f in files.values())}
    for old in where.iterdir():  # the previous checkpoint's files and temporaries of a killed write
        if old.name not in keep:
            old.unlink(missing_ok=True)
    return where


def _differences(saved: Mapping, now: Mapping) -> list[str]:
    out = []
    for key in sorted(set(saved) | set(now)):
        if key not in saved:
            out.append(f"{key}: not recorded there, {now[key]!r} now")
        elif key not in now:
            out.append(f"{key}: {saved[key]!r} there, not set now")
        elif json.dumps(saved[key], sort_keys=True, default=str) != json.dumps(now[key], sort_keys=True, default=str):
            out.append(f"{key}: {saved[key]!r} there, {now[key]!r} now")
    return out


def read_state(output_dir: str | Path, settings: Mapping) -> dict:
    """The checkpoint's ``state.json``, checked against this run's ``settings`` (cheap: no tensors read).
    Errors say to delete the output folder to start over: its earlier epochs are this run's, and
    deleting only the checkpoint leaves a folder that can neither resume nor start afresh."""
    path = checkpoint_dir(output_dir) / STATE_FILE
    hint = f"delete {output_dir} to start over"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state, dict):
            raise ValueError("not a JSON object")
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise EmsteerError(f"The training checkpoint {path} cannot be read ({err}); {hint}.") from None
    if state.get("format") != FORMAT or not all(k in state for k in ("position", "settings", "settings_hash", "files")):
        raise EmsteerError(f"{path} is not an emsteer training checkpoint ({FORMAT}); {hint}.")
    if state["settings_hash"] != settings_hash(settings):
        diffs = _differences(state["settings"], settings) or ["(the settings hash differs)"]
        raise EmsteerError(f"The training checkpoint in {path.parent} was written with other settings than this run's: "
                           + "; ".join(diffs) + f". Run with the settings it was written with to continue it, or {hint}.")
    return state


def _read_tensors(where: Path, entry: object, hint: str) -> dict[str, torch.Tensor]:
    from safetensors.torch import load

    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) or "/" in entry["file"]:
        raise EmsteerError(f"{where / STATE_FILE} names its tensor files wrongly; {hint}.")
    path = where / entry["file"]
    try:
        data = path.read_bytes()
    except OSError as err:
        raise EmsteerError(f"The training checkpoint file {path} cannot be read ({err.strerror or err}); {hint}.") from None
    if len(data) != entry.get("bytes") or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise EmsteerError(f"The training checkpoint file {path} is truncated or corrupt ({len(data)} bytes, "
                           f"{entry.get('bytes')} written; its sha256 does not match); {hint}.")
    try:
        return load(data)
    except Exception as err:  # safetensors raises its own error types
        raise EmsteerError(f"The training checkpoint file {path} is not valid safetensors ({err}); {hint}.") from None


def load_checkpoint(output_dir: str | Path, state: dict, *, named: Iterable[tuple[str, torch.Tensor]],
                    optimizer: torch.optim.Optimizer, device: torch.device) -> TrainPosition:
    """Restore the trained parameters, the optimizer's state and the RNGs from the checkpoint whose
    ``state`` (``read_state``) was checked; returns the position to continue from."""
    where = checkpoint_dir(output_dir)
    hint = f"delete {output_dir} to start over"
    params = _optimizer_params(optimizer, named)
    weights = _read_tensors(where, state["files"].get("weights"), hint)
    opt = _read_tensors(where, state["files"].get("optimizer"), hint)
    names = [n for n, _ in params]
    if sorted(weights) != sorted(names):
        raise EmsteerError(f"The training checkpoint in {where} holds other parameters than this run trains; {hint}.")
    per_param: dict[str, dict[str, torch.Tensor]] = {n: {} for n in names}
    for key, value in opt.items():
        if key.startswith("rng/"):
            continue
        kind, _, name = key.partition("/")
        if name not in per_param:
            raise EmsteerError(f"The training checkpoint in {where} holds optimizer state for an unknown parameter "
                               f"{name!r}; {hint}.")
        per_param[name][kind] = value
    with torch.no_grad():
        for name, p in params:
            if weights[name].shape != p.shape:
                raise EmsteerError(f"The training checkpoint in {where} holds {name} with shape "
                                   f"{tuple(weights[name].shape)}, this run's is {tuple(p.shape)}; {hint}.")
            p.copy_(weights[name])
    current = optimizer.state_dict()
    current["state"] = {i: per_param[n] for i, n in enumerate(names) if per_param[n]}
    try:
        optimizer.load_state_dict(current)
    except (ValueError, KeyError, RuntimeError) as err:
        raise EmsteerError(f"The optimizer state in {where} does not fit this run's optimizer ({err}); {hint}.") from None
    _set_rng_state(opt, device)
    try:
        return TrainPosition.from_dict(state["position"])
    except (KeyError, TypeError, ValueError) as err:
        raise EmsteerError(f"{where / STATE_FILE} has no valid position ({err!r}); {hint}.") from None


def remove_checkpoint(output_dir: str | Path) -> None:
    """Drop the checkpoint once the run it belongs to has finished: its state.json first, so that a
    run killed halfway through leaves no checkpoint that names deleted files."""
    (checkpoint_dir(output_dir) / STATE_FILE).unlink(missing_ok=True)
    shutil.rmtree(checkpoint_dir(output_dir), ignore_errors=True)


def artifact_run_settings(meta: Mapping, dtype: torch.dtype, **given) -> dict:
    """What a trained vector's or subspace's checkpoint must have been written with to be continued:
    everything in its provenance that changes the numbers (not gradient checkpointing, which
    recomputes the same activations, nor where or how often checkpoints are written). ``given``
    replaces recorded values by what the caller asked for (a rate derived from a measured norm
    would otherwise refuse its own checkpoint over its last bits on another machine). Rates are
    floats, so that lr 1 and 1.0 agree."""
    hyper = {k: v for k, v in meta["hyperparameters"].items() if k != "gradient_checkpointing"}
    settings = {**{k: meta[k] for k in ("method", "model", "model_revision", "layer", "seed", "data_hash", "num_examples")},
                **hyper, **given, "dtype": str(dtype)}
    for key in ("lr", "lr_A", "max_norm", "init_norm"):
        if isinstance(settings.get(key), int):
            settings[key] = float(settings[key])
    return settings


class Resumable:
    """Mid-epoch checkpoints for a trainer whose parameters and optimizer are built.

    With ``resume``, ``start`` is where a checkpoint in ``output_dir`` left off (None: nothing to
    continue, the parameters as they are); without it, a checkpoint there is an error. ``on_step``
    writes one every ``every`` optimizer steps and at the end of every epoch but the last, and
    ``finish`` removes it once the run has ended. ``output_dir`` None or ``every`` 0: nothing is
    written."""

    def __init__(self, output_dir: str | Path | None, settings: Mapping, *, named: list[tuple[str, torch.Tensor]],
                 optimizer: torch.optim.Optimizer, device: torch.device, every: int, per_epoch: int,
                 resume: bool) -> None:
        self.output_dir, self.settings, self.named, self.optimizer, self.device = output_dir, settings, named, optimizer, device
        self.every, self.per_epoch = every, per_epoch
        self.start: TrainPosition | None = None
        if output_dir is not None and has_checkpoint(output_dir):
            if not resume:
                raise EmsteerError(f"{output_dir} holds the checkpoint of a run that did not finish: continue it "
                                   f"(resume; emsteer build --resume), or delete {output_dir} to start over.")
            state = read_state(output_dir, settings)
            with torch.random.fork_rng(devices=[]):  # no dropout here: the caller's RNG stays as it is
                self.start = load_checkpoint(output_dir, state, named=named, optimizer=optimizer, device=device)

    def on_step(self, position: TrainPosition) -> None:
        if self.output_dir is not None and checkpoint_due(position, self.every, self.per_epoch):
            save_checkpoint(self.output_dir, position, named=self.named, optimizer=self.optimizer,
                            settings=self.settings, device=self.device)

    def finish(self) -> None:
        if self.output_dir is not None:
            remove_checkpoint(self.output_dir)
