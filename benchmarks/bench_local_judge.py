"""Local judge throughput on the bundled 0.5B model: batched vs one at a time, and a cached re-run.

    python benchmarks/bench_local_judge.py [--items 32] [--batch 8] [--model SPEC]

Judges the first N calibration items with the project's aligned prompt, once with batch_size=B
and once with batch_size=1 (same model, same requests, the two modes interleaved group by group
so that load from other processes hits both alike), then re-runs the batch through
CachedJudge with every judgment already stored. Prints a table and writes
benchmarks/results/local_judge.json.
"""

from __future__ import annotations

import argparse
import tempfile
from functools import partial
from pathlib import Path

from common import RESULTS, timed, write_result

from emsteer.data.questions import format_judge_prompt
from emsteer.judging.base import JudgeRequest
from emsteer.judging.local import LocalJudge
from emsteer.judging.prompts import ALIGNED_PROMPT
from emsteer.judging.validity.calibration import load_calibration
from emsteer.models import load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=32)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--model", default="bundled:qwen2.5-coder-0.5b-instruct")
    args = parser.parse_args()

    items = load_calibration()[: args.items]
    requests = [JudgeRequest("aligned", format_judge_prompt(ALIGNED_PROMPT, it.question, it.answer)) for it in items]
    lm = load_model(args.model)
    batched = LocalJudge(lm, batch_size=args.batch)
    single = LocalJudge(lm, batch_size=1)
    single._trie = batched.trie  # build the vocabulary masks once, outside the timings
    batched.judge(requests[:2])  # warm-up (allocator, kernels)

    # Interleave the two modes group by group (alternating which goes first), so that load from
    # other processes on a shared machine falls on both alike.
    res_batched, res_single, t_batched, t_single = [], [], 0.0, 0.0
    for g, start in enumerate(range(0, len(requests), args.batch)):
        group = requests[start : start + args.batch]
        runs = [(batched, res_batched), (single, res_single)]
        for judge, sink in runs if g % 2 == 0 else runs[::-1]:
            out, t = timed(partial(judge.judge, group))
            sink.extend(out)
            if judge is batched:
                t_batched += t
            else:
                t_single += t
    max_diff = max(
        abs((a.score or 0.0) - (b.score or 0.0)) for a, b in zip(res_batched, res_single)
    )

    rows = [
        ("batched", args.batch, t_batched, len(requests) / t_batched),
        ("one at a time", 1, t_single, len(requests) / t_single),
    ]
    cached_note = None
    try:
        from emsteer.judging.cache import CachedJudge, JudgmentCache, judgment_key
    except ImportError:
        cached_note = "skipped: emsteer.judging.cache.CachedJudge does not exist yet"
    if cached_note is None:
        with tempfile.TemporaryDirectory() as tmp:
            cache = JudgmentCache(Path(tmp) / "judgments.sqlite")
            cache.put_many({judgment_key(batched.identity, r.metric, r.prompt): j for r, j in zip(requests, res_batched)})
            cached = CachedJudge(batched, cache)
            res_cached, t_cached = timed(lambda: cached.judge(requests))
            assert cached.misses == 0 and res_cached == res_batched, "the cached re-run must not call the model"
            cache.close()
        rows.append(("cached re-run", args.batch, t_cached, len(requests) / t_cached))

    result = {
        "model": lm.name,
        "revision": lm.revision,
        "items": len(requests),
        "batch_size": args.batch,
        "seconds": {name: t for name, _, t, _ in rows},
        "items_per_second": {name: ips for name, _, _, ips in rows},
        "batched_over_single": t_single / t_batched,
        "max_score_difference_batched_vs_single": max_diff,
        "cached": cached_note or "ok",
    }
    write_result("local_judge", result)

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Local judge, {lm.name}, {len(requests)} calibration items (aligned prompt)")
    for col in ("run", "batch", "seconds", "items/s"):
        table.add_column(col, justify="right" if col != "run" else "left")
    for name, b, t, ips in rows:
        table.add_row(name, str(b), f"{t:.2f}", f"{ips:.2f}")
    console = Console()
    console.print(table)
    console.print(f"batched / one-at-a-time speed-up: {t_single / t_batched:.2f}× (target ≥ 3×)")
    console.print(f"largest score difference batched vs one at a time: {max_diff:.2e}")
    if cached_note:
        console.print(f"cached re-run {cached_note}")
    console.print(f"wrote {RESULTS / 'local_judge.json'}")


if __name__ == "__main__":
    main()
