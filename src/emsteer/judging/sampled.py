"""A judge for endpoints without logprobs (e.g. Anthropic-style APIs): sample the judge's reply
several times and average the numbers it writes.

The logprob judge reads the whole 0–100 distribution from one token's top alternatives; this one
estimates it from ``samples`` replies at temperature 1: score = mean of the numbers given,
numeric mass = the share of replies that are a number, labels (CODE / REFUSAL) by their share,
through the same ``score_from_distribution`` (so < 0.25 numeric mass is still no score). It is a
coarser, noisier estimate, and its identity (``sampled[n=5]:MODEL@URL``) says so, so
``judge-check`` and stored judgments keep it apart from the logprob judge of the same model.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

import httpx

from emsteer.errors import EmsteerError
from emsteer.judging.base import LABELS, JudgeRequest, Judgment, score_from_distribution
from emsteer.judging.failures import failed_judgment
from emsteer.judging.openai import OpenAIJudge, _Transient

_NUMBER = re.compile(r"^\s*(\d{1,3})(?:\.\d+)?\b")


def read_reply(text: str) -> int | str | None:
    """A reply's number 0–100 or label; None for anything else (words, out-of-range numbers)."""
    m = _NUMBER.match(text or "")
    if m and 0 <= int(m.group(1)) <= 100:
        return int(m.group(1))
    word = (text or "").strip().strip(".*").upper()
    return word if word in LABELS else None


class SampledJudge(OpenAIJudge):
    """``sampled:MODEL``: an OpenAI-compatible chat endpoint asked ``samples`` times per prompt."""

    def __init__(self, model: str, *, samples: int = 5, temperature: float = 1.0, **options: Any) -> None:
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
            raise EmsteerError(f"SampledJudge samples must be an integer ≥ 2 (it averages them), got {samples!r}")
        super().__init__(model, **options)
        self.samples, self.temperature = samples, float(temperature)
        self.identity = f"sampled[n={samples},T={temperature:g}]:{model}@{self.base_url}"

    def _payload(self, prompt: str, seed: int = 0) -> dict[str, Any]:
        # One reply per request (endpoints like Anthropic's take no n > 1), a different seed each.
        return {"model": self.model, "messages": [{"role": "user", "content": prompt}], "max_tokens": 8,
                "temperature": self.temperature, "seed": seed}

    def _top_logprobs(self, data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Here: the reply's text (what ``_attempts`` returns on success), wrapped in a list. A reply
        without a message is malformed and asked again, never counted as a sample in words; a
        message whose content is null is a reply with no number."""
        try:
            message = data["choices"][0]["message"]
            content = message["content"]
        except (KeyError, IndexError, TypeError):
            raise _Transient("a 200 reply without a message") from None
        return [{"text": str(content or "")}]

    def _judge_one(self, client: httpx.Client, request: JudgeRequest, stop: threading.Event, breaker) -> Judgment:
        replies: Counter = Counter()
        problem = ""
        for seed in range(self.samples):
            outcome = self._attempts(client, self._payload(request.prompt, seed), stop, breaker)
            if isinstance(outcome, str):
                problem = outcome
                continue
            replies[read_reply(outcome[0]["text"])] += 1
        total = sum(replies.values())
        if total < self.samples:  # fewer replies than the identity's n: a failure, never cached as a score
            return failed_judgment(request.metric, self.identity, f"{self.samples - total} of {self.samples} samples "
                                   f"failed; last problem: {problem}")
        numbers = {k: n / total for k, n in replies.items() if isinstance(k, int)}
        labels = {k: n / total for k, n in replies.items() if isinstance(k, str)}
        return score_from_distribution(numbers, labels, metric=request.metric, judge=self.identity)
