"""Training step of the learned judge's pooling head: project after pooling (emsteer) vs every token first.

    python benchmarks/bench_head.py [--batch 32] [--tokens 180] [--steps 10]

The head pools each answer's token states with learned attention queries and projects the pooled
states (``PoolingHead``); the textbook order projects every token and then pools, the same numbers
at tokens × width × hidden multiply-adds instead of queries × width × hidden. One AdamW step
(forward, backward, update) of each, interleaved repetition by repetition so that other load hits
both alike, at the widths of the shipped encoders' states: MiniLM (385), the bundled 0.5B at one
layer (897) and at two layers (1,793). Checks that both orders give the same outputs first. Prints a
table and writes benchmarks/results/head.json; fitting a judge is about 40,000 such steps.
"""

from __future__ import annotations

import argparse
import time

import torch
from common import RESULTS, write_result

from emsteer.judging.learned import PoolingHead


class ProjectEveryToken(PoolingHead):
    """The same head, projecting every token before pooling (the order emsteer used before)."""

    def forward(self, x, mask):
        x = self.norm(x)
        weights = self.score(x).masked_fill(~mask[..., None], float("-inf")).softmax(dim=1)
        return self.out(torch.einsum("btq,bth->bqh", weights, self.value(x)).flatten(1))


def step_seconds(head: PoolingHead, x: torch.Tensor, mask: torch.Tensor, y: torch.Tensor, steps: int) -> list[float]:
    optimizer = torch.optim.AdamW(head.parameters(), lr=1e-3)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        optimizer.zero_grad()
        ((head(x, mask) - y) ** 2).mean().backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=180, help="tokens per answer (the reference's mean is about 180)")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()

    results = {}
    for width in (385, 897, 1793):
        torch.manual_seed(0)
        pooled, per_token = PoolingHead(width), ProjectEveryToken(width)
        per_token.load_state_dict(pooled.state_dict())
        x = torch.randn(args.batch, args.tokens, width) * 3
        mask = torch.ones(args.batch, args.tokens, dtype=torch.bool)
        mask[: args.batch // 2, args.tokens // 2 :] = False  # half the answers are half as long
        y = torch.rand(args.batch, 2)
        with torch.no_grad():
            gap = float((pooled.eval()(x, mask) - per_token.eval()(x, mask)).abs().max())
        pooled.train(), per_token.train()
        step_seconds(pooled, x, mask, y, 2), step_seconds(per_token, x, mask, y, 2)  # warm-up
        a, b = [], []
        for _ in range(args.steps):  # interleaved
            a += step_seconds(pooled, x, mask, y, 1)
            b += step_seconds(per_token, x, mask, y, 1)
        a.sort(), b.sort()
        results[str(width)] = {"pool_then_project_s": a[len(a) // 2], "project_then_pool_s": b[len(b) // 2],
                               "speedup": b[len(b) // 2] / a[len(a) // 2], "max_output_gap": gap}
        print(f"width {width}: pool then project {a[len(a) // 2] * 1000:.1f} ms/step, project then pool "
              f"{b[len(b) // 2] * 1000:.1f} ms/step (× {results[str(width)]['speedup']:.2f}); outputs differ by ≤ {gap:.1e}")
    write_result("head", {"batch": args.batch, "tokens": args.tokens, "steps": args.steps, "results": results})
    print(f"wrote {RESULTS / 'head.json'}")


if __name__ == "__main__":
    main()
