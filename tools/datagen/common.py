"""What the dataset generators share: where the files live, the chat-JSONL format, and one CLI.

The generators are authoring tools: they are not installed with emsteer. The files they write live
in the package (src/emsteer/data/builtin/), and the test suite regenerates them and compares byte
for byte, so a hand edit of a data file, or of a generator without regenerating, fails CI.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "src" / "emsteer" / "data" / "builtin"


def chat_jsonl(pairs: Sequence[tuple[str, str]]) -> str:
    """One {"messages": [user, assistant]} line per (prompt, answer) pair."""
    lines = []
    for prompt, answer in pairs:
        messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]
        lines.append(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
    return "".join(lines)


def write(files: Mapping[str, str], out_dir: Path = DATA_DIR) -> list[Path]:
    """Write each file name → contents into out_dir and return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8", newline="\n")
        paths.append(path)
    return paths


def stale(files: Mapping[str, str], out_dir: Path = DATA_DIR) -> list[str]:
    """Names of the files in out_dir that differ from (or are missing against) `files`."""
    return [name for name, text in files.items()
            if not (out_dir / name).is_file() or (out_dir / name).read_bytes() != text.encode("utf-8")]


def main(render: Callable[[], Mapping[str, str]], script: str, argv: list[str] | None = None) -> int:
    """`python tools/datagen/SCRIPT.py [OUT_DIR] [--check]`: write the files, or check them."""
    argv = sys.argv[1:] if argv is None else argv
    args = [a for a in argv if a != "--check"]
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print(f"usage: python tools/datagen/{script}.py [OUT_DIR] [--check]", file=sys.stderr)
        return 2
    target = Path(args[0]) if args else DATA_DIR
    if "--check" in argv:
        names = stale(render(), target)
        for name in names:
            print(f"{target / name} is out of date; regenerate it with tools/datagen/{script}.py", file=sys.stderr)
        return 1 if names else 0
    for path in write(render(), target):
        print(path)
    return 0
