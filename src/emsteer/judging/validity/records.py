"""What the three validity checks share: reading their JSONL inputs, and remembering a summary per judge.

A summary is remembered in emsteer's cache under the judge's identity (`judge_record_path`), written
atomically, and read back only when it names the same judge, so a refitted head never inherits its
predecessor's figures.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from emsteer.errors import EmsteerError


def jsonl_objects(path: Path, fields: Sequence[str], what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line of a JSONL file whose ``fields`` are all
    non-empty strings; anything else is an error naming the file, the line and the field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise EmsteerError(f"{path}: cannot read the {what} ({err.strerror}).") from None
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise EmsteerError(f"{path}:{lineno}: not valid JSON ({err.msg}); expected an object with {fields}.") from None
        except RecursionError:
            raise EmsteerError(f"{path}:{lineno}: the JSON nests too deeply to read; expected an object with {fields}.") from None
        if not isinstance(row, dict):
            raise EmsteerError(f"{path}:{lineno}: expected a JSON object with {fields}, got {type(row).__name__}.")
        for key in fields:
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise EmsteerError(f"{path}:{lineno}: field {key!r} must be a non-empty string.")
        yield lineno, row


def record_path(kind: str, identity: str) -> Path:
    """Where the last ``kind`` measurement (agreement, calibration, injection) of a judge is kept."""
    from emsteer.paths import judge_record_path

    return judge_record_path(kind, identity)


def remember(kind: str, summary: dict[str, Any], path: str | Path | None = None) -> Path:
    """Write a summary (it names its judge under "judge") atomically, stamped with its creation time."""
    from emsteer.atomic import write_text_atomic

    target = Path(path) if path is not None else record_path(kind, summary["judge"])
    return write_text_atomic(target, json.dumps({**summary, "created": time.time()}, indent=2))


def remembered(kind: str, identity: str, rerun: str) -> dict[str, Any] | None:
    """The summary last remembered for this judge, or None (none yet, or one for another judge).
    ``rerun`` is the command that measures it again, for the message about an unreadable file."""
    path = record_path(kind, identity)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as err:
        raise EmsteerError(f"{path}: unreadable judge {kind} ({err}); delete it and run {rerun} again.") from None
    return data if isinstance(data, dict) and data.get("judge") == identity else None
