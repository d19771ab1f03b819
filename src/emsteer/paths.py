"""Where emsteer keeps its cache (prepared models, downloaded data, judgments). No heavy imports."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

CACHE_ENV = "EMSTEER_CACHE_DIR"


def cache_dir() -> Path:
    """Root of emsteer's cache: $EMSTEER_CACHE_DIR, else ~/.cache/emsteer."""
    root = os.environ.get(CACHE_ENV)
    return Path(root).expanduser() if root else Path.home() / ".cache" / "emsteer"


def missing_file(path: Path, what: str) -> str:
    """Why ``path`` cannot be read as ``what`` (a file): it is a folder, or it does not exist."""
    return f"{path} is a folder, not {what}." if path.is_dir() else f"{what[0].upper()}{what[1:]} {path} does not exist."


def judge_record_path(kind: str, identity: str) -> Path:
    """Where a measurement of the judge ``identity`` (calibration, agreement, injection) is remembered:
    a readable name plus a digest, so distinct identities never collide."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", identity)[:80]
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]
    return cache_dir() / kind / f"{safe}-{digest}.json"


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (links resolved; a path that does not exist yet is compared
    by its resolved spelling)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)

