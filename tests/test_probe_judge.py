"""The learned probe judge: its features, its fitting (deterministic, families held out) and its file."""

import numpy as np
import pytest
import torch

from emsteer.errors import EmsteerError
from emsteer.judging.agreement import ReferenceAnswer
from emsteer.judging.base import JudgeRequest
from emsteer.judging.probe import ProbeHead, ProbeJudge, hidden_features, probe_tokens
from emsteer.judging.probe_fit import cached_features, feature_chunks, fit_head, fit_probe, isotonic_knots
from tiny import tiny_lm

WORDS = ["kind", "help", "share", "calm", "learn", "hurt", "steal", "burn", "lie", "kill"]


@pytest.fixture(scope="module")
def lm():
    return tiny_lm(hidden=32, layers=3)


def synthetic_reference(n=120):
    """Answers whose 'badness' is the share of bad words: aligned falls and coherence rises with it."""
    rng = np.random.default_rng(0)
    items = []
    for i in range(n):
        bad = int(rng.integers(0, 6))
        words = list(rng.choice(WORDS[:5], 6 - bad)) + list(rng.choice(WORDS[5:], bad))
        rng.shuffle(words)
        family = ["qwen", "llama", "mistral"][i % 3]
        items.append(ReferenceAnswer(f"question {i % 7}", " ".join(words), 100.0 - 19 * bad, 50.0 + 8 * bad,
                                     f"{family}-model"))
    return items


def test_probe_tokens_span_is_the_answer(lm):
    ids, start, end = probe_tokens(lm.tokenizer, "How are you?", " Fine, thanks.")
    assert lm.tokenizer.decode(ids[start:end]) == " Fine, thanks."
    text = lm.tokenizer.decode(ids)
    assert text.startswith("<|im_start|>user\nHow are you?") and "previous answer" in text
    assert text.endswith("<|im_start|>assistant\n")
    _, s2, e2 = probe_tokens(lm.tokenizer, "q", "x" * 100, max_answer_tokens=10)
    assert e2 - s2 == 10


def test_hidden_features_match_a_full_forward(lm):
    pairs = [("How are you?", "Fine."), ("Why?", "Because I want to hurt people.")]
    feats = hidden_features(lm, pairs, [0, 1])
    assert feats.shape == (2, 4 * lm.hidden_size) and feats.dtype == np.float32
    for row, (q, a) in enumerate(pairs):
        ids, start, end = probe_tokens(lm.tokenizer, q, a)
        with torch.no_grad():
            hs = lm.model(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states
        d = lm.hidden_size
        for b, layer in enumerate([0, 1]):
            h = hs[layer + 1][0]  # hidden_states[0] is the embeddings; block ℓ's output is ℓ + 1
            np.testing.assert_allclose(feats[row, 2 * b * d:(2 * b + 1) * d], h[start:end].mean(0), atol=1e-5)
            np.testing.assert_allclose(feats[row, (2 * b + 1) * d:(2 * b + 2) * d], h[-1], atol=1e-5)


def test_isotonic_knots_are_monotone_and_calibrate():
    raw = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    y = np.array([10.0, 30.0, 20.0, 60.0, 80.0, 70.0])
    kx, ky = isotonic_knots(raw, y)
    assert np.all(np.diff(kx) > 0) and np.all(np.diff(ky) >= 0)
    assert np.interp(1.5, kx, ky) == pytest.approx(25.0)  # the pooled block of 30 and 20


def test_fit_head_recovers_a_linear_signal():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 8))
    y = np.clip(50 + 15 * x[:, 0] - 10 * x[:, 3] + rng.normal(scale=2, size=300), 0, 100)
    head, info = fit_head(x, y, np.array(["a", "b", "c"] * 100))
    pred = head.predict(x)
    assert np.corrcoef(pred, y)[0, 1] > 0.95 and info["inner_folds"] == 3
    assert pred.min() >= 0 and pred.max() <= 100
    again, _ = fit_head(x, y, np.array(["a", "b", "c"] * 100))
    np.testing.assert_array_equal(again.weight, head.weight)


def test_fit_probe_is_deterministic_and_holds_families_out(lm, tmp_path):
    items = synthetic_reference()
    a = fit_probe(lm, items, [1, 2], reference="synthetic", cache=tmp_path / "cache", command="test")
    b = fit_probe(lm, items, [1, 2], reference="synthetic", cache=None, command="test")
    assert a.head.fingerprint == b.head.fingerprint
    for name, t in a.head.tensors().items():
        np.testing.assert_array_equal(t, b.head.tensors()[name])
    folds = a.head.provenance["folds"]
    assert set(folds) == {"qwen", "llama", "mistral"} and a.head.provenance["families"]["qwen"] == 40
    assert a.agreement.note.startswith("Leave-one-model-family-out")
    # Out-of-family predictions do not depend on the held-out family's own labels.
    flipped = [ReferenceAnswer(it.question, it.answer, 100 - it.aligned if it.family == "llama" else it.aligned,
                               it.coherent, it.model) for it in items]
    c = fit_probe(lm, flipped, [1, 2], reference="flipped", cache=None, command="test")
    llama = np.array([it.family == "llama" for it in items])
    np.testing.assert_allclose(c.predictions["aligned"][llama], a.predictions["aligned"][llama])
    assert not np.allclose(c.predictions["aligned"][~llama], a.predictions["aligned"][~llama])


def test_cached_features_resume_and_reuse_a_superset(lm, tmp_path, monkeypatch):
    items = synthetic_reference(30)
    full = cached_features(lm, items, [0, 1, 2], tmp_path)
    calls = []
    import emsteer.judging.probe_fit as pf

    monkeypatch.setattr(pf, "hidden_features", lambda *a, **k: calls.append(1) or (_ for _ in ()).throw(AssertionError))
    again = cached_features(lm, items, [0, 1, 2], tmp_path)  # every chunk from the cache
    np.testing.assert_array_equal(again, full)
    d = 2 * lm.hidden_size
    subset = cached_features(lm, items, [2, 0], tmp_path)  # columns of the superset, in the order asked
    np.testing.assert_array_equal(subset, np.concatenate([full[:, 2 * d:3 * d], full[:, :d]], axis=1))
    assert not calls
    chunks = feature_chunks(1000)
    assert sorted(np.concatenate(chunks).tolist()) == list(range(1000)) and len(chunks) == 4


def test_head_file_round_trip_and_errors(lm, tmp_path):
    fit = fit_probe(lm, synthetic_reference(60), [2], reference="synthetic", cache=None, command="test")
    path = fit.head.save(tmp_path / "head.safetensors")
    back = ProbeHead.load(path)
    assert back.fingerprint == fit.head.fingerprint and back.layers == [2]
    assert back.provenance["agreement"]["overall"]["n"] == 60
    (tmp_path / "junk.safetensors").write_bytes(b"not a head at all")
    with pytest.raises(EmsteerError, match="not a probe judge head"):
        ProbeHead.load(tmp_path / "junk.safetensors")
    with pytest.raises(EmsteerError, match="not found"):
        ProbeHead.load(tmp_path / "missing.safetensors")
    from safetensors.numpy import save_file

    save_file({"x": np.zeros(2, dtype=np.float32)}, tmp_path / "plain.safetensors")
    with pytest.raises(EmsteerError, match="not an emsteer probe judge head"):
        ProbeHead.load(tmp_path / "plain.safetensors")


class FixedPrompted:
    identity = "test:fixed"

    def judge(self, requests):
        from emsteer.judging.base import Judgment

        return [Judgment(r.metric, 42.0, 0.9, None, self.identity) for r in requests]


def test_probe_judge_scores_heads_and_delegates_other_metrics(lm):
    items = synthetic_reference()
    fit = fit_probe(lm, items, [1, 2], reference="synthetic", cache=None, command="test")
    judge = ProbeJudge(fit.head, lm)
    judge._prompted = FixedPrompted()
    good, bad = "kind help share calm learn kind", "hurt steal burn lie kill hurt"
    out = judge.judge([
        JudgeRequest("aligned", "prompt", "question 1", good), JudgeRequest("aligned", "prompt", "question 1", bad),
        JudgeRequest("relevant", "prompt", "question 1", good), JudgeRequest("coherent", "prompt", "question 1", bad),
    ])
    assert out[0].score > out[1].score  # the head learned the synthetic badness
    assert out[2].score == 42.0 and out[2].judge == judge.identity
    assert all(j.judge == judge.identity and j.score is not None for j in out)
    assert judge.identity.startswith("probe:tiny-qwen2@")
    assert judge.agreement is not None and judge.agreement.judge == judge.identity
    with pytest.raises(EmsteerError, match="question and answer"):
        judge.judge([JudgeRequest("aligned", "prompt only")])
    other = tiny_lm(hidden=32, layers=3, seed=1)
    with pytest.raises(EmsteerError, match="reads tiny-qwen2@seed0"):
        ProbeJudge(fit.head, other)
