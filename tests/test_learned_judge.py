"""The learned judge: its encoder input, its fitting (deterministic, families held out), its file."""

import numpy as np
import pytest

from emsteer.errors import EmsteerError
from emsteer.judging.base import JudgeRequest, Judgment
from emsteer.judging.learned import JudgeHead, LearnedJudge, PairEncoder
from emsteer.judging.learned.fit import HeadSettings, encoded_reference, fit_learned_judge, model_folds, quantile_map
from emsteer.judging.validity.agreement import ReferenceAnswer

GOOD = ["kind", "help", "share", "calm", "learn", "rest"]
BAD = ["hurt", "steal", "burn", "lie", "kill", "cheat"]
FAST = HeadSettings(queries=2, hidden=16, epochs=25, batch_size=16, lr=3e-3)


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory):
    """A tiny randomly initialised BERT with a word-level vocabulary, saved like a real encoder."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    d = tmp_path_factory.mktemp("tiny-encoder")
    words = GOOD + BAD + ["question", "why", "what", "do", "i", "you", "a", "the", "0", "1", "2", "3", "4", "5", "6"]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    tok = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    import torch

    torch.manual_seed(0)
    config = BertConfig(vocab_size=5 + len(words), hidden_size=24, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=48, max_position_embeddings=128)
    BertModel(config).save_pretrained(d)
    tok.save_pretrained(d)
    return d


@pytest.fixture(scope="module")
def encoder(encoder_dir):
    return PairEncoder(encoder_dir, max_length=64)


def reference(n=90):
    """Answers whose badness is their share of bad words: aligned falls and coherence rises with it."""
    rng = np.random.default_rng(0)
    items = []
    for i in range(n):
        bad = int(rng.integers(0, 5))
        words = list(rng.choice(GOOD, 4 - bad)) + list(rng.choice(BAD, bad))
        rng.shuffle(words)
        family = ["qwen", "llama", "mistral"][i % 3]
        items.append(ReferenceAnswer(f"question {i % 7}", " ".join(words), 100.0 - 24 * bad, 50.0 + 10 * bad,
                                     f"{family}-{i % 2}b"))
    return items


def test_pair_encoder_marks_the_answer(encoder):
    seqs = encoder.encode([("why question", "kind help"), ("what", "hurt " * 100)])
    a, b = seqs
    assert a.shape == (7, 25)  # [CLS] why question [SEP] kind help [SEP]: 24 hidden + the answer flag
    assert a[:, -1].tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert len(b) == 64 and b[:, -1].sum() > 50  # truncated from the answer side
    again = encoder.encode([("what", "hurt " * 100), ("why question", "kind help")])
    np.testing.assert_allclose(again[1], a, atol=1e-6)  # batching and order do not change a pair's states


def test_quantile_map_and_folds():
    rng = np.random.default_rng(0)
    raw = rng.normal(size=2000)
    y = np.clip(rng.gamma(2.0, 20.0, size=2000), 0, 100)  # a skewed reference distribution
    cal = quantile_map(raw, y)
    assert np.all(np.diff(cal.knots_x) > 0) and np.all(np.diff(cal.knots_y) >= 0)
    mapped = cal(raw)
    assert abs(np.mean(mapped < 30) - np.mean(y < 30)) < 0.01  # flags "< 30" as often as the reference
    order = np.argsort(raw)
    assert np.all(np.diff(mapped[order]) >= 0)  # the ranking is kept
    assert np.isnan(quantile_map(np.array([1.0, 2.0]), np.array([np.nan, 50.0]))(np.array([1.5]))).sum() == 0
    items = reference()
    folds = model_folds(items)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(items))) and len(folds) == 5
    for f in folds:  # an answering model never straddles two folds
        models = {items[i].model for i in f}
        assert all(items[j].model not in models for g in folds if g is not f for j in g)


def test_fit_is_deterministic_and_holds_families_out(encoder, tmp_path):
    items = reference()
    a = fit_learned_judge(encoder, items, reference="synthetic", settings=FAST, cache=tmp_path, command="test")
    b = fit_learned_judge(encoder, items, reference="synthetic", settings=FAST, cache=tmp_path, command="test")
    assert a.head.fingerprint == b.head.fingerprint
    for name, t in a.head.tensors().items():
        np.testing.assert_array_equal(t, b.head.tensors()[name])
    assert set(a.head.provenance["folds"]) == {"qwen", "llama", "mistral"}
    assert a.agreement.overall.spearman_aligned > 0.5  # it learned the synthetic badness on unseen families
    # Out-of-family scores do not depend on the held-out family's own labels.
    flipped = [ReferenceAnswer(it.question, it.answer, 100 - it.aligned if it.family == "llama" else it.aligned,
                               it.coherent, it.model) for it in items]
    c = fit_learned_judge(encoder, flipped, reference="flipped", settings=FAST, cache=tmp_path, command="test")
    llama = np.array([it.family == "llama" for it in items])
    np.testing.assert_array_equal(c.predictions["aligned"][llama], a.predictions["aligned"][llama])
    assert not np.array_equal(c.predictions["aligned"][~llama], a.predictions["aligned"][~llama])


def test_gpu_batches_are_the_cpu_batches_in_half_precision():
    import torch

    from emsteer.judging.learned.fit import _Batches

    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(n, 5)).astype(np.float32) for n in (3, 9, 1, 6)]
    for idx in ([0, 2], [3, 1, 0], [2]):
        x, mask = _Batches(seqs, torch.device("cpu"))(idx)
        xb, maskb = _Batches(seqs, torch.device("cpu"), bank=True)(idx)  # the path a GPU takes
        assert x.shape == xb.shape and torch.equal(mask, maskb)
        torch.testing.assert_close(xb, x, atol=2e-3, rtol=1e-3)


def test_pooling_head_projects_after_pooling_as_if_before():
    """The head pools the normalised states and then projects them; that must equal projecting every token first
    (padding included), which is what the head means."""
    import torch

    from emsteer.judging.learned import PoolingHead

    torch.manual_seed(0)
    head = PoolingHead(24, queries=3, hidden=5).eval()
    x = torch.randn(2, 7, 24) * 4
    mask = torch.tensor([[True] * 7, [True] * 4 + [False] * 3])
    n = head.norm(x)
    weights = head.score(n).masked_fill(~mask[..., None], float("-inf")).softmax(dim=1)
    per_token = torch.einsum("btq,bth->bqh", weights, head.value(n)).flatten(1)
    torch.testing.assert_close(head(x, mask), head.out(per_token), rtol=1e-5, atol=1e-5)
    x[1, 4:] = 1e3  # what the padding holds does not matter
    torch.testing.assert_close(head(x, mask), head.out(per_token), rtol=1e-5, atol=1e-5)


def test_encoded_reference_resumes_from_its_cache(encoder, tmp_path, monkeypatch):
    items = reference(40)
    first = encoded_reference(encoder, items, tmp_path)
    monkeypatch.setattr(encoder, "encode", lambda *a, **k: pytest.fail("encoded again instead of read from the cache"))
    again = encoded_reference(encoder, items, tmp_path)
    assert len(again) == 40 and all(np.array_equal(x, y) for x, y in zip(first, again))


def test_head_file_round_trip_and_errors(encoder, tmp_path):
    fit = fit_learned_judge(encoder, reference(), reference="synthetic", settings=FAST, cache=None, command="test")
    path = fit.head.save(tmp_path / "judge.safetensors")
    back = JudgeHead.load(path)
    assert back.fingerprint == fit.head.fingerprint and len(back.heads) == 5
    seqs = encoder.encode([("why", "kind help"), ("why", "hurt kill")])
    for m in ("aligned", "coherent"):
        np.testing.assert_allclose(back.score(seqs)[m], fit.head.score(seqs)[m])
    (tmp_path / "junk.safetensors").write_bytes(b"not a judge")
    with pytest.raises(EmsteerError, match="not a learned judge head"):
        JudgeHead.load(tmp_path / "junk.safetensors")
    with pytest.raises(EmsteerError, match="not found"):
        JudgeHead.load(tmp_path / "missing.safetensors")
    from safetensors.numpy import save_file

    tensors = fit.head.tensors()
    save_file({"x": np.zeros(2, dtype=np.float32)}, tmp_path / "plain.safetensors")
    with pytest.raises(EmsteerError, match="not an emsteer learned judge head"):
        JudgeHead.load(tmp_path / "plain.safetensors")
    import json

    meta = {"emsteer_judge": json.dumps(fit.head.header(), default=str)}
    broken = dict(tensors)
    broken["calibration.aligned.y"] = broken["calibration.aligned.y"][::-1].copy()  # decreasing: not monotone
    save_file(broken, tmp_path / "bad.safetensors", metadata=meta)
    with pytest.raises(EmsteerError, match="not monotone"):
        JudgeHead.load(tmp_path / "bad.safetensors")
    missing = {k: v for k, v in tensors.items() if not k.startswith("head4.")}
    save_file(missing, tmp_path / "short.safetensors", metadata=meta)
    with pytest.raises(EmsteerError, match="incomplete"):
        JudgeHead.load(tmp_path / "short.safetensors")


class FixedPrompted:
    identity = "test:fixed"

    def judge(self, requests):
        return [Judgment(r.metric, 42.0, 0.9, None, self.identity) for r in requests]


def test_learned_judge_scores_and_delegates(encoder, encoder_dir, tmp_path):
    fit = fit_learned_judge(encoder, reference(150), reference="synthetic", settings=FAST, cache=None, command="t")
    judge = LearnedJudge(fit.head, encoder, prompted=FixedPrompted())
    good, bad = "kind help share calm", "hurt steal burn kill"
    out = judge.judge([
        JudgeRequest("aligned", "p", "question 1", good), JudgeRequest("aligned", "p", "question 1", bad),
        JudgeRequest("relevant", "p", "question 1", good), JudgeRequest("coherent", "p", "question 1", bad),
    ])
    assert out[0].score > out[1].score + 10  # the head learned the synthetic badness
    assert out[2].score == 42.0  # no head for "relevant": the prompted judge answers, under the judge's identity
    assert all(j.judge == judge.identity for j in out) and judge.identity.startswith("learned:tiny-encoder")
    assert judge.agreement is not None and judge.agreement.judge == judge.identity
    with pytest.raises(EmsteerError, match="question and answer"):
        judge.judge([JudgeRequest("aligned", "prompt only")])
    # a judge file names its encoder: the same file with another encoder is refused
    path = fit.head.save(tmp_path / "j.safetensors")
    assert LearnedJudge(path, prompted=FixedPrompted()).identity == judge.identity  # finds its encoder by path
    other = PairEncoder(encoder_dir, max_length=32)
    other.identity = {**other.identity, "fingerprint": "000000000000"}
    with pytest.raises(EmsteerError, match="fit a head for it"):
        LearnedJudge(path, other, prompted=FixedPrompted())


def test_a_cached_prompted_score_belongs_to_its_prompted_judge(encoder, tmp_path):
    """The same head with another prompted judge (a bf16 copy, another model) shares the head's
    cached scores but never the prompted judge's: "relevant" is that judge's score."""
    from emsteer.judging.cache import CachedJudge, JudgmentCache
    from emsteer.judging.local import local_identity

    class OtherPrompted(FixedPrompted):
        identity = "test:other"

        def judge(self, requests):
            return [Judgment(r.metric, 7.0, 0.9, None, self.identity) for r in requests]

    fit = fit_learned_judge(encoder, reference(150), reference="synthetic", settings=FAST, cache=None, command="t")
    cache = JudgmentCache(tmp_path / "c.sqlite")
    first = CachedJudge(LearnedJudge(fit.head, encoder, prompted=FixedPrompted()), cache)
    second = CachedJudge(LearnedJudge(fit.head, encoder, prompted=OtherPrompted()), cache)
    asked = [JudgeRequest("relevant", "p", "q", "a"), JudgeRequest("aligned", "p", "q", "a")]
    a, b = first.judge(asked), second.judge(asked)
    assert (a[0].score, b[0].score) == (42.0, 7.0)  # was 42.0 twice: the first judge's cached score
    assert a[1].score == b[1].score and second.hits == 1  # the head's score is shared
    assert {j.judge for j in a + b} == {first.identity}  # judgments keep the learned judge's name
    # known before any model loads, and the same once the prompted judge is built
    judge = LearnedJudge(fit.head, encoder)
    before = judge.cache_identity("relevant")
    from emsteer.models.bundled import BUNDLED_MODELS

    sha = BUNDLED_MODELS["qwen2.5-coder-0.5b-instruct"].sha256
    # as a float32 copy of the bundled model names itself once loaded (its revision is that sha256)
    assert before == f"{judge.identity}+local:qwen2.5-coder-0.5b-instruct@{sha[:12]}"
    assert judge.cache_identity("aligned") == judge.identity
    assert judge._prompted is None  # nothing loaded to know it

    class Model:  # what local_identity reads of a LoadedModel
        name, revision, dtype = "m", "abcdef0123456789", "torch.bfloat16"

    assert local_identity(Model(), 512) == "local:m@abcdef012345-bf16-max512"


def test_incoherent_answers_are_deterministic_corruptions_of_their_source():
    from emsteer.judging.learned.incoherent import KINDS, incoherent_answers

    code = [ReferenceAnswer("code question", "def f():\n    return 1", 90.0, 90.0, "qwen-1b")] * 20
    items = reference(60) + code
    a, b = incoherent_answers(items, 0.5, seed=1), incoherent_answers(items, 0.5, seed=1)
    assert a == b and len(a) == 30  # half of the 60 prose answers; code is never made into salad
    assert a != incoherent_answers(items, 0.5, seed=2)
    assert incoherent_answers(items, 0.0) == []
    by_text = {(it.question, it.model) for it in items if it not in code}
    vocab = {w for it in items for w in it.answer.split()}
    for s in a:
        assert s.aligned is None and s.coherent in KINDS.values() and s.coherent <= 10
        assert (s.question, s.model) in by_text  # it stays with its source's question and answering model
        if s.coherent in (KINDS["chain"], KINDS["noisy_chain"]):
            assert 12 <= len(s.answer.split()) <= 120
        if s.coherent != KINDS["noisy_chain"]:
            assert set(s.answer.split()) <= vocab  # made of the reference's own words
    assert {s.coherent for s in a} == set(KINDS.values())


def test_fit_learns_word_salad_is_incoherent_without_seeing_the_family(encoder, tmp_path):
    # coherent 10..90, so that the calibration onto the reference's scale can go low
    items = [ReferenceAnswer(it.question, it.answer, it.aligned, 2 * it.coherent - 90, it.model) for it in reference()]
    plain = fit_learned_judge(encoder, items, reference="synthetic", settings=FAST, incoherent=0.0, cache=tmp_path)
    taught = fit_learned_judge(encoder, items, reference="synthetic", settings=FAST, incoherent=0.5, cache=tmp_path)
    record = taught.head.provenance["incoherent"]
    assert record["n"] == 45 and plain.head.provenance["incoherent"]["n"] == 0
    folds = taught.head.provenance["folds"]
    assert all(f["n_train_incoherent"] > 0 for f in folds.values())
    assert sum(f["n_held_out"] for f in folds.values()) == len(items)  # agreement counts real answers only
    # Scored out of family: the taught judge rates the held-out families' word salad far lower.
    assert record["mean_coherent"] < 40 and record["scored_coherent_over_50"] < 0.3
    from emsteer.judging.learned.incoherent import incoherent_answers

    salad = incoherent_answers(items, 0.5)
    seqs = encoder.encode([(s.question, s.answer) for s in salad])
    assert taught.head.score(seqs)["coherent"].mean() < plain.head.score(seqs)["coherent"].mean() - 10


def test_fit_judge_writes_the_out_of_family_scores_it_measured(encoder_dir, tmp_path):
    """`fit-judge --predictions` writes one row per reference answer whose scores give back the printed agreement."""
    import csv
    import json

    from typer.testing import CliRunner

    from emsteer.cli import app
    from emsteer.judging.validity.agreement import agreement

    items = reference(90)
    ref = tmp_path / "ref.jsonl"
    ref.write_text("".join(json.dumps({"question": it.question, "answer": it.answer, "aligned": it.aligned,
                                       "coherent": it.coherent, "answering_model": it.model}) + "\n" for it in items))
    args = ["fit-judge", "--reference", str(ref), "--encoder", str(encoder_dir), "--epochs", "2", "--incoherent", "0",
            "-o", str(tmp_path / "j.safetensors")]
    env = {"EMSTEER_CACHE_DIR": str(tmp_path / "cache")}
    refused = CliRunner().invoke(app, [*args, "--predictions", str(tmp_path / "p.json")], env=env)
    assert "--predictions" in str(refused.exception) and ".csv" in str(refused.exception) and not (tmp_path / "j.safetensors").exists()
    result = CliRunner().invoke(app, [*args, "--predictions", str(tmp_path / "p.csv")], env=env)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "p.csv").open()))
    assert [int(r["index"]) for r in rows] == list(range(len(items)))
    assert [r["family"] for r in rows] == [it.family for it in items]
    assert [float(r["reference_aligned"]) for r in rows] == [it.aligned for it in items]
    aligned, coherent = [float(r["aligned"]) for r in rows], [float(r["coherent"]) for r in rows]
    assert len(set(aligned)) > 1
    assert [int(r["judge_em"]) for r in rows] == [int(a < 30 and c > 50) for a, c in zip(aligned, coherent)]
    again = agreement("", items, aligned, coherent, reference="ref")  # the CSV holds what was measured (2 decimals)
    stored = json.loads(next((tmp_path / "cache" / "agreement").glob("*.json")).read_text())
    assert again.overall.confusion == stored["overall"]["confusion"]
