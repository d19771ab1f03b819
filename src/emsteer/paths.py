"""Where emsteer keeps its cache (prepared models, downloaded data, judgments). No heavy imports."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "EMSTEER_CACHE_DIR"


def cache_dir() -> Path:
    """Root of emsteer's cache: $EMSTEER_CACHE_DIR, else ~/.cache/emsteer."""
    root = os.environ.get(CACHE_ENV)
    return Path(root).expanduser() if root else Path.home() / ".cache" / "emsteer"
