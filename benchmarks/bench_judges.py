"""The learned judges beside the 0.5B and 1.5B 0–100 prompt judges, on the same reference answers.

    python benchmarks/bench_judges.py [--answers 200] [--reference PATH] [--skip-prompted 1.5b] [--refit]

Takes a fixed random sample of the GPT-4o-judged reference answers (../shared/datasets/em/judged/)
and has each judge score every one of them for aligned and coherent, one judge after the other on
the same machine: seconds per answer (both metrics together) and agreement with GPT-4o (AUROC for
the EM label among coherent answers, κ on the EM label, Spearman for aligned and coherent).

The shipped learned judges were fitted on all of the reference answers, so their agreement on the
sample is in-sample; beside it the table shows the leave-one-model-family-out agreement each head
ships with (all 7,174 answers, measured when it was fitted): the number to compare with the prompt
judges. ``--refit`` also refits the MiniLM head without each sampled family (the same procedure as
``emsteer fit-judge``, ~20 min on 2 cores) for out-of-family figures on the very same answers; the
chat-model heads' refits take about an hour on 2 cores (``fit-judge --lm ... --dtype bfloat16``).
Writes benchmarks/results/judges.json, or judges-learned.json when prompt judges are skipped.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import RESULTS, write_result

from emsteer.judging.validity.agreement import agreement, check_agreement, load_reference, sample_reference

DEFAULT_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "em" / "judged" / "gpt4o_judged_dev.jsonl.gz"
PROMPTED = {"0.5b": "local:bundled:qwen2.5-coder-0.5b-instruct", "1.5b": "local:bundled:qwen2.5-coder-1.5b-instruct"}


def figures(a) -> dict:
    o = a.overall
    return {"auroc": o.auroc, "kappa": o.kappa, "spearman_aligned": o.spearman_aligned,
            "spearman_coherent": o.spearman_coherent, "confusion": o.confusion, "n_scored": o.n_scored,
            "seconds_per_answer": a.seconds_per_answer}


def out_of_family_agreement(items, sample):
    """Agreement on ``sample`` of MiniLM heads fitted without the family of each answer (as fit-judge measures)."""
    from emsteer.judging.learned import PairEncoder
    from emsteer.judging.learned.fit import HeadSettings, out_of_family, training_set
    from emsteer.paths import cache_dir

    data = training_set(PairEncoder(), items, cache=cache_dir() / "judge-features")
    held = out_of_family(data, HeadSettings(), families=sorted({it.family for it in sample}))
    index = {id(it): i for i, it in enumerate(items)}
    rows = [index[id(it)] for it in sample]
    return agreement("learned:minilm (fitted without the answer's family)", sample,
                     list(held.predictions["aligned"][rows]), list(held.predictions["coherent"][rows]),
                     reference="sample")


def stored(judge, seconds) -> dict:
    """The leave-one-family-out agreement a learned head ships with (whole reference), beside this run's speed."""
    a = judge.agreement
    return {"judge": judge.identity, **figures(a), "n_scored": a.overall.n_scored, "seconds_per_answer": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--skip-prompted", nargs="*", default=[], choices=sorted(PROMPTED))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--refit", action="store_true", help="also refit the MiniLM head without each sampled family")
    args = parser.parse_args()
    if not args.reference.is_file():
        raise SystemExit(f"reference answers not found at {args.reference}; pass --reference PATH")

    from emsteer.judging import make_judge

    items = load_reference(args.reference)
    sample = sample_reference(items, args.answers, args.seed)
    results: dict[str, dict] = {}
    started = time.time()

    from emsteer.judging.learned import DEFAULT_HEAD, SHIPPED_HEADS

    for name, file in SHIPPED_HEADS.items():
        spec = "learned" if file == DEFAULT_HEAD else f"learned:{name}"
        learned = make_judge(spec)
        check_agreement(learned, sample[:8], reference="warm-up")  # load and warm up outside the timing
        shipped = check_agreement(learned, sample, reference=args.reference.name)
        results[f"{spec} (in-sample)"] = {"judge": learned.identity, **figures(shipped)}
        results[f"{spec} (leave-one-family-out, all answers)"] = stored(learned, shipped.seconds_per_answer)
        if spec == "learned:minilm" and args.refit:
            held = out_of_family_agreement(items, sample)
            results[f"{spec} (out-of-family, this sample)"] = {"judge": learned.identity, **figures(held),
                                                              "seconds_per_answer": shipped.seconds_per_answer}
        del learned
    for name, spec in PROMPTED.items():
        if name in args.skip_prompted:
            continue
        judge = make_judge(spec)
        check_agreement(judge, sample[:2], reference="warm-up")
        a = check_agreement(judge, sample, reference=args.reference.name)
        results[f"prompt 0-100 {name}"] = {"judge": judge.identity, **figures(a)}
        del judge

    # the learned heads alone (seconds) do not replace the side-by-side run with the prompt judges (half an hour)
    name = "judges-learned" if args.skip_prompted else "judges"
    write_result(name, {"reference": args.reference.name, "answers": len(sample), "seed": args.seed,
                            "families": sorted({it.family for it in sample}), "results": results,
                            "wall_seconds": time.time() - started})
    from rich.console import Console
    from rich.table import Table

    def f(x):
        return "–" if x is None else f"{x:.3f}"

    table = Table(title=f"Judges on {len(sample)} GPT-4o-judged reference answers (seed {args.seed})")
    for col in ("judge", "s/answer", "AUROC", "κ(EM)", "Spearman aligned", "Spearman coherent", "judge EM / ref EM"):
        table.add_column(col, justify="left" if col == "judge" else "right")
    for name, r in results.items():
        c = r["confusion"]
        table.add_row(name, f(r["seconds_per_answer"]), f(r["auroc"]), f(r["kappa"]), f(r["spearman_aligned"]),
                      f(r["spearman_coherent"]), f"{c['both'] + c['judge_only']} / {c['both'] + c['reference_only']}")
    Console().print(table)
    print(f"wrote {RESULTS / f'{name}.json'}")


if __name__ == "__main__":
    main()
