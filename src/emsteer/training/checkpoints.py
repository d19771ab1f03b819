"""Per-epoch checkpoint names, one rule for every trainer and the study runner that reads them.

A trained vector or subspace writes ``DIR/epoch-001.safetensors``, ``DIR/epoch-002.safetensors``,
...; a LoRA run writes one adapter folder per epoch, ``DIR/epoch-001/``, ... (the *epochs* factor).
"""

from __future__ import annotations

from pathlib import Path

from emsteer.errors import EmsteerError

ARTIFACT_SUFFIX = ".safetensors"


def epoch_name(epoch: int) -> str:
    """``epoch-003`` for epoch 3: zero-padded so that names sort in epoch order."""
    return f"epoch-{epoch:03d}"


def checkpoint_path(checkpoint_dir: Path, epoch: int) -> Path:
    """Where a trained artifact's checkpoint after ``epoch`` lives."""
    return checkpoint_dir / f"{epoch_name(epoch)}{ARTIFACT_SUFFIX}"


def adapter_dir(output_dir: Path, epoch: int) -> Path:
    """Where a LoRA adapter after ``epoch`` lives."""
    return output_dir / epoch_name(epoch)


def prepare_checkpoint_dir(checkpoint_dir: str | Path | None, *, resume: bool = False) -> Path | None:
    """Create the directory; refuse one that already holds checkpoints (they would mix two runs),
    unless ``resume`` continues the mid-epoch checkpoint it also holds (``training.resume``): then
    its earlier epochs are that run's."""
    from emsteer.training.resume import has_checkpoint

    if checkpoint_dir is None:
        return None
    path = Path(checkpoint_dir)
    if path.exists() and not path.is_dir():
        raise EmsteerError(f"checkpoint_dir {path} exists and is not a directory.")
    old = sorted(path.glob(f"epoch-*{ARTIFACT_SUFFIX}")) if path.is_dir() else []
    if has_checkpoint(path) and not resume:
        raise EmsteerError(f"{path} holds the checkpoint of a run that did not finish: continue it (resume; "
                           f"emsteer build --resume), or delete {path} to start over.")
    if old and not has_checkpoint(path):
        finished = (f" If a run killed as it ended left them (no checkpoint to continue), its last epoch, {old[-1]}, is "
                    "its result." if resume else "")
        raise EmsteerError(
            f"checkpoint_dir {path} already holds checkpoints ({old[0].name} ...); "
            f"give an empty directory so that epochs of different runs are never mixed.{finished}"
        )
    path.mkdir(parents=True, exist_ok=True)
    return path
