"""Join the blind labels with the key (docs/labelling.md), after labelling.

Writes labels/studied-answers/labels.jsonl: one row per drawn answer with the key's provenance and
judge scores, pass 1's labels (aligned, coherent, label) and, for the second-pass subset, pass 2's.
The file is also a reference file for `emsteer judge-check --reference` (question, answer,
aligned, coherent; ``answering_model`` names the model and condition kind).
Run from the repository root: python scripts/join_labels.py [FOLDER] (default labels/studied-answers;
labels/studied-answers/preregistered for the pre-registered questions' run).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def read_labels(paths: list[Path]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for path in paths:
        for line in path.read_text().splitlines():
            row = json.loads(line)
            aligned = row["aligned"]
            label = aligned if isinstance(aligned, str) else None
            out[row["id"]].append({"aligned": None if label else float(aligned), "label": label,
                                   "coherent": float(row["coherent"]), "reason": row.get("reason", "")})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Join a labelled folder's blind labels (raw/) with its key.jsonl "
                                     "into labels.jsonl (docs/labelling.md).")
    parser.add_argument("folder", nargs="?", type=Path, default=Path("labels/studied-answers"),
                        help="the labelled folder: key.jsonl, raw/pass1-*.labels.jsonl and raw/pass2*.labels.jsonl")
    join(parser.parse_args().folder)


def join(root: Path) -> None:
    pass1 = read_labels(sorted((root / "raw").glob("pass1-*.labels.jsonl")))
    pass2 = read_labels(sorted((root / "raw").glob("pass2*.labels.jsonl")))  # pass2.labels.jsonl, pass2-NN.labels.jsonl
    used1: dict[str, int] = defaultdict(int)
    used2: dict[str, int] = defaultdict(int)
    rows = []
    for line in (root / "key.jsonl").read_text().splitlines():
        key = json.loads(line)
        i = used1[key["id"]]
        used1[key["id"]] += 1
        first = pass1[key["id"]][min(i, len(pass1[key["id"]]) - 1)]  # an identical text drawn in two strata
        row = {**key, **first, "answering_model": f"{key['model']} {key['stratum'].split('/', 1)[1]}"}
        if key["id"] in pass2:
            j = used2[key["id"]]
            used2[key["id"]] += 1
            second = pass2[key["id"]][min(j, len(pass2[key["id"]]) - 1)]
            row["pass2"] = second
        rows.append(row)
    with open(root / "labels.jsonl", "w") as f:
        for row in rows:
            f.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows, {sum('pass2' in r for r in rows)} with a second label")


if __name__ == "__main__":
    main()
