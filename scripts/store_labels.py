"""Store the blind labels (docs/labelling.md) in the committed stores as a reviewer's judgments.

Each labelled answer's pass-1 label becomes judgments of the judge ``agent:blind-pass1`` (an LLM
agent's blind labels, not a person's: see docs/labelling.md) on every sample, in every store under
docs/findings/pilot/stores/, whose model, question and answer text are the labelled answer's and
whose condition falls in the stratum the text was drawn in (stores of one study share their
baseline draws, so a label often covers the same answer in several stores). Not beyond it: verified
EM takes a condition's labelled answers for a random sample of its stratum, and a stock refusal drawn
in another stratum is no draw of this one. A sample outside every drawn stratum loses a label it has.
`emsteer show`, `report` and `findings` then print verified EM beside the judge's EM.

Idempotent: labels already stored are replaced by the same values.
Run from the repository root: python scripts/store_labels.py [LABELS STORE...] (default: the
committed labels into the committed stores).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
from collections import defaultdict
from pathlib import Path

from draw_label_sample import model_size, stratum

from emsteer.results.records import JudgmentRecord
from emsteer.results.store import ResultsStore

REVIEWER = "agent:blind-pass1"
LABELS = Path("labels/studied-answers/labels.jsonl")


def text_id(model: str, question: str, response: str) -> str:
    return model_size(model), hashlib.sha256(f"{model}\0{question}\0{response}".encode()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description="Store a labels.jsonl's pass-1 labels in results stores as the "
                                     f"judge {REVIEWER} (docs/labelling.md).")
    parser.add_argument("labels", nargs="?", type=Path, default=LABELS, help=f"labels.jsonl (default {LABELS})")
    parser.add_argument("stores", nargs="*", help="stores to write them into (default: the pilot's, "
                        "docs/findings/pilot/stores/*.sqlite)")
    args = parser.parse_args()
    source = args.labels
    stores = args.stores or sorted(glob.glob("docs/findings/pilot/stores/*.sqlite"))
    labels, drawn = {}, defaultdict(set)  # (size, text id) -> its label, the strata it was drawn in
    for line in source.read_text().splitlines():
        row = json.loads(line)
        labels[(row["model"], row["id"])] = row
        drawn[(row["model"], row["id"])].add(row["stratum"])
    for path in stores:
        with ResultsStore(path) as store:  # an existing store: opened for writing, never created
            rows = store.db.execute(
                "SELECT s.id, c.model, s.question, s.response, c.kind, c.rho, c.factors FROM samples s "
                "JOIN conditions c ON c.id = s.condition_id WHERE s.purpose = 'em'").fetchall()
            labelled = store.judged_sample_ids(REVIEWER)
            written = 0
            for sample_id, model, question, response, kind, rho, factors in rows:
                key = text_id(model, question, response)
                size, what, r = stratum(kind, model, rho, json.loads(factors))
                name = f"{size}/{what}" + (f"/rho={r}" if r is not None else "")
                label = labels.get(key)
                if label is None or not any(d == name or d.startswith(name + "/") for d in drawn[key]):
                    if sample_id in labelled:
                        store.replace_judgments(sample_id, REVIEWER, [])  # spread there by an earlier rule
                    continue
                store.replace_judgments(sample_id, REVIEWER, [
                    JudgmentRecord(sample_id, "aligned", REVIEWER, label["aligned"], 1.0, label["label"]),
                    JudgmentRecord(sample_id, "coherent", REVIEWER, label["coherent"], 1.0),
                ])
                written += 1
        print(f"{path}: {written} of {len(rows)} answers labelled")


if __name__ == "__main__":
    main()
