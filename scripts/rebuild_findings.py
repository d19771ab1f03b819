"""Rebuild every generated file docs/findings.md quotes, from the committed stores and labels.

Run from the repository root:

    python scripts/rebuild_findings.py

- ``docs/findings/``: the faithful re-run (Turner et al.'s recipe on the full training sets,
  answers of hundreds of tokens), from the stores in ``FAITHFUL``, every answer of which was
  labelled blind (docs/labelling.md), so their declared comparisons are also counted by the labels;
- ``docs/findings/pilot/``: the 32-example pilot, from ``docs/findings/pilot/stores/``;
- ``agreement.csv`` and ``agreement.txt`` in each labelled folder: the judge against the blind
  labels, and the two labelling passes against each other (``scripts/label_agreement.py``'s table
  and printout).

The stores are only read. A store listed here that a checkout lacks is an error: every number in
docs/findings.md must be rebuildable.
"""

from __future__ import annotations

import glob
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from emsteer.analysis.findings import write_findings  # noqa: E402
from emsteer.atomic import write_text_atomic  # noqa: E402

FAITHFUL = [
    "labels/studied-answers/stores/reproduce-turner-0.5b.sqlite",
    "labels/studied-answers/stores/reproduce-turner-1.5b.sqlite",
    "labels/studied-answers/stores/reproduce-turner-gemma-270m.sqlite",
]
PILOT = sorted(glob.glob("docs/findings/pilot/stores/*.sqlite"))
LABELLED = ["labels/studied-answers", "labels/studied-answers/preregistered",
            "labels/studied-answers/reproduction-0.5b", "labels/studied-answers/reproduction-0.5b-financial",
            "labels/studied-answers/reproduction-1.5b", "labels/studied-answers/reproduction-1.5b-medical",
            "labels/studied-answers/reproduction-gemma"]


def main() -> None:
    missing = [p for p in [*FAITHFUL, *LABELLED] if not Path(p).exists()]
    if missing or not PILOT:
        sys.exit(f"run from the repository root of a full checkout; missing: {', '.join(missing) or 'the pilot stores'}")
    for stores, out in ((FAITHFUL, "docs/findings"), (PILOT, "docs/findings/pilot")):
        written = write_findings(stores, out)
        print(f"{out}: {len(written)} files from {len(stores)} stores")
    for folder in LABELLED:
        # the script writes agreement.csv; what it prints (the inter-rater figures too) is kept beside it
        done = subprocess.run([sys.executable, "scripts/label_agreement.py", folder], check=True,
                              capture_output=True, text=True)
        write_text_atomic(Path(folder) / "agreement.txt", done.stdout)
        print(f"{folder}/agreement.csv, agreement.txt")


if __name__ == "__main__":
    main()
