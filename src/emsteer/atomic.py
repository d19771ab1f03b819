"""Atomic file writes: a reader (or a run killed mid-write) never sees half a file, and a written
file survives a power cut once its write has returned (its data and its name are flushed to disk:
without that, ext4 can keep the renamed name and lose the new data, so a checkpoint replaced by
a newer one would be lost with it)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from emsteer.errors import EmsteerError


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success it replaces ``target`` in one step,
    on failure it is removed and ``target`` is left as it was."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise EmsteerError(f"cannot write {target}: {err.strerror or err} (is the folder writable?)") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a written file gets the usual permissions
    try:
        yield Path(tmp)
        fsync_path(tmp)
        os.replace(tmp, target)
        fsync_path(target.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fsync_path(path: str | Path) -> None:
    """Flush a file's data, or a folder's entries, to disk (where the system lets a folder be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except (IsADirectoryError, PermissionError):  # a folder on systems that cannot open one
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot fsync a folder; the file's own fsync still holds
        if not Path(path).is_dir():
            raise
    finally:
        os.close(fd)


def write_bytes_atomic(target: str | Path, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text_atomic(target: str | Path, text: str) -> Path:
    return write_bytes_atomic(target, text.encode("utf-8"))
