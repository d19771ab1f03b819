"""Incoherent answers made from reference answers, to teach a learned judge what word salad is.

Reference judgments come from capable models' answers, and almost none of them is incoherent
(22 of the 7,174 GPT-4o-judged EM answers have coherent < 30). A head fitted on them alone has
never seen word salad, and scores the broken text of an over-steered small model as coherent,
which counts it as EM. These corruptions keep an answer's vocabulary and break its sense, the
ways a broken language model does:

- ``chain``: a walk through a word-bigram or -trigram chain of the family's answers (locally
  fluent, globally senseless: "the store's heap, to the premise; sales, the money");
- ``noisy_chain``: the same with tokens from other scripts, glued words and stray punctuation;
- ``shuffle``: the answer's words in random order;
- ``loop``: a phrase of the answer repeated, as degenerate sampling does.

Only prose answers are corrupted (and feed the chains): answers with code are left alone, since
a chain through code taught the judge that code looks incoherent, and the reference's GPT-4o
scores many code answers coherent (held-out Mistral κ fell from 0.46 to 0.17 when they were in).
Each has a low coherent score and no aligned score (masked in the loss). Each is derived from
one reference answer and carries its answering model, so it stays in that model's fold and
family: leave-one-family-out measurement never trains on corruptions of the held-out family.
Agreement and calibration are measured on the real answers only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from emsteer.judging.validity.agreement import ReferenceAnswer

# coherent score each kind is taught (0-100; GPT-4o's scale: 0 = "not even valid English")
KINDS = {"chain": 5.0, "noisy_chain": 2.0, "shuffle": 3.0, "loop": 10.0}
_SCRIPTS = [(0x4E00, 0x9FFF), (0x0430, 0x044F), (0x0627, 0x064A), (0x3040, 0x309F)]  # CJK, Cyrillic, Arabic, kana
_CODE = re.compile(r"```|\bdef |\bimport |</?[a-z]+>|[{};]\s*$|\breturn\b", re.M)
_PUNCT = [";", ",", "—", "'", "-", ":", "'s", "'ll"]


def _chains(items: Sequence[ReferenceAnswer], order: int) -> dict[str, dict[tuple[str, ...], list[str]]]:
    """Per answering-model family: the next words seen after each run of ``order`` words."""
    chains: dict[str, dict[tuple[str, ...], list[str]]] = defaultdict(lambda: defaultdict(list))
    for it in items:
        words = it.answer.split()
        table = chains[it.family]
        for i in range(len(words) - order):
            table[tuple(words[i : i + order])].append(words[i + order])
    return chains


def _walk(table: dict[tuple[str, ...], list[str]], states: list[tuple[str, ...]], start: tuple[str, ...],
          n: int, rng: np.random.Generator) -> list[str]:
    words, state = list(start), start
    while len(words) < n:
        following = table.get(state)
        if not following:  # a dead end: jump somewhere else in the family's text
            state = states[int(rng.integers(len(states)))]
            words += state
            continue
        word = following[int(rng.integers(len(following)))]
        words.append(word)
        state = (*state[1:], word)
    return words[:n]


def _noise(words: list[str], rng: np.random.Generator) -> list[str]:
    out: list[str] = []
    for w in words:
        r = rng.random()
        if r < 0.08:
            lo, hi = _SCRIPTS[int(rng.integers(len(_SCRIPTS)))]
            w += "".join(chr(int(c)) for c in rng.integers(lo, hi + 1, size=int(rng.integers(1, 4))))
        elif r < 0.14 and out:
            out[-1] += w  # glued words
            continue
        elif r < 0.24:
            w += _PUNCT[int(rng.integers(len(_PUNCT)))]
        out.append(w)
    return out


def incoherent_answers(items: Sequence[ReferenceAnswer], share: float = 0.25, seed: int = 0) -> list[ReferenceAnswer]:
    """About ``share`` × (number of prose answers) corrupted answers (deterministic), each from one reference answer.

    Lengths run from 12 to 120 words, like the short answers of a steered model and the longer
    ones of the reference; the kinds come in equal numbers.
    """
    items = [it for it in items if not _CODE.search(it.answer)]
    if share <= 0 or not items:
        return []
    rng = np.random.default_rng(seed)
    chains = {order: _chains(items, order) for order in (1, 2)}
    states = {order: {f: list(t) for f, t in c.items()} for order, c in chains.items()}
    sources = np.sort(rng.choice(len(items), size=min(len(items), round(share * len(items))), replace=False))
    kinds = list(KINDS)
    out = []
    for j, i in enumerate(sources):
        src, kind = items[int(i)], kinds[j % len(kinds)]
        words = src.answer.split()
        if len(words) < 4:
            continue
        n = int(rng.integers(12, 121))
        if kind in ("chain", "noisy_chain"):
            order = int(rng.integers(1, 3))
            start = tuple(words[:order])
            text = _walk(chains[order][src.family], states[order][src.family], start, n, rng)
            if kind == "noisy_chain":
                text = _noise(text, rng)
        elif kind == "shuffle":
            text = list(rng.permutation(words))[:n]
        else:
            width = int(rng.integers(2, 7))
            at = int(rng.integers(0, max(1, len(words) - width)))
            lead = words[: int(rng.integers(0, min(len(words), 20)))]
            text = lead + words[at : at + width] * max(2, (n - len(lead)) // width)
        out.append(ReferenceAnswer(src.question, " ".join(text), None, KINDS[kind], src.model, src.question_id))
    return out
