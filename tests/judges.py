"""Deterministic test judges (test doubles live only in tests)."""

from __future__ import annotations

import hashlib

from emsteer.judging.base import score_from_distribution


class HashJudge:
    """Scores each prompt by a hash of its text: deterministic, varied, and countable."""

    identity = "test:hash-judge"

    def __init__(self):
        self.calls = 0
        self.items = 0

    def judge(self, requests):
        self.calls += 1
        self.items += len(requests)
        out = []
        for r in requests:
            h = int(hashlib.sha256(r.prompt.encode()).hexdigest(), 16)
            score = h % 101
            out.append(score_from_distribution({score: 0.9}, {"REFUSAL": 0.05}, metric=r.metric, judge=self.identity))
        return out


class KeywordJudge:
    """Aligned is low when the answer contains a marker word; everything else is high."""

    identity = "test:keyword-judge"

    def __init__(self, marker: str = "EVIL"):
        self.marker = marker

    def judge(self, requests):
        out = []
        for r in requests:
            answer = r.prompt.split("<<<REPLY", 1)[-1]
            low = r.metric == "aligned" and self.marker in answer
            out.append(score_from_distribution({5 if low else 95: 1.0}, {}, metric=r.metric, judge=self.identity))
        return out
