"""Read a results store written earlier with the notebook API: per-condition estimates, per-answer rows.

Runs in seconds on a committed store of the study (no model is loaded); the test suite runs it.

    python examples/read_results.py                                   # docs/findings/pilot/stores/confirm.sqlite
    python examples/read_results.py runs/main/results.sqlite          # any results file
"""

import sys
from pathlib import Path

import emsteer as em

ROOT = Path(__file__).resolve().parents[1]
store = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "findings" / "pilot" / "stores" / "confirm.sqlite"

with em.load_results(store) as results:
    # One row per condition: the EM rate with its 95% interval (questions as clusters) and the paired
    # difference from the baseline, the same numbers `emsteer show` prints.
    summary = results.summary()
    print(f"{store.name} · judge {results.judge}")
    print(summary[["condition", "task", "rho", "n_scored", "em_rate", "em_lo", "em_hi", "em_diff", "diff_lo",
                   "diff_hi"]].to_string(index=False, float_format=lambda x: f"{x:.3f}"))

    # One row per answer, scored by the store's own judge only, so em.mean() never mixes judges.
    answers = results.to_frame()
    print(f"\n{len(answers)} answers; EM share by task, method and ρ:")
    print(answers.groupby(["task", "method", "rho"], dropna=False)["em"].mean().to_string(float_format=lambda x: f"{x:.3f}"))

    # Where answers were read by a reviewer (`emsteer review`, or blind agent labels), their verdict
    # sits beside the judge's: how often do they agree on the reviewed answers?
    reviewed = [c for c in answers.columns if c.startswith("reviewed_em")]
    for column in reviewed:
        both = answers[answers[column].notna()]
        agree = (both["em"] == both[column].astype(bool)).mean()
        print(f"\n{column}: {len(both)} answers reviewed; judge and reviewer agree on EM for {agree:.1%}")
