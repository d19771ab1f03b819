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


def refuse_overwriting_inputs(output: str | Path, inputs: dict[str, str | Path | None], *, option: str) -> None:
    """No command writes to a path it was given as input: ``output`` (named ``option`` in the
    message) must not be any of ``inputs`` (what each is called -> its path)."""
    from emsteer.errors import EmsteerError

    for what, path in inputs.items():
        if path is not None and same_file(output, path):
            raise EmsteerError(f"{option} {output} is the {what} this command reads ({path}); writing there would "
                               "overwrite it. Choose another output file.")
