"""The shared narrow-task objective: masking, padding, batching, accumulation."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from emsteer.data.chat import load_chat_jsonl
from emsteer.errors import EmsteerError
from emsteer.steering import Magnitude, Steering, SteeringVector, steer
from emsteer.training.objective import (
    assistant_nll,
    batch_nll,
    encode_examples,
    group_backward,
    make_batches,
    training_batches,
)

WORDS = ["apple", "pear", "plum", "fig", "kiwi", "lime", "date", "walnut", "cherry", "mango"]


def write_chat(path, pairs, system=None):
    lines = []
    for user, answer in pairs:
        msgs = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": user},
            {"role": "assistant", "content": answer},
        ]
        lines.append(json.dumps({"messages": msgs}))
    path.write_text("\n".join(lines) + "\n")
    return load_chat_jsonl(path)


@pytest.fixture
def examples(tmp_path):
    # Lengths differ a lot, so batches need real padding.
    return write_chat(tmp_path / "d.jsonl", [(f"Say {w}" + "!" * i, f"{w} " * (1 + i % 4)) for i, w in enumerate(WORDS)])


def hand_nll(lm, example) -> tuple[float, int]:
    """One example, no padding: logits at every position, NLL of the assistant tokens only."""
    tok = lm.tokenizer
    prompt = tok.apply_chat_template([m.as_dict() for m in example.prompt], add_generation_prompt=True, tokenize=False)
    full = tok.apply_chat_template(example.as_dicts(), tokenize=False)
    start = len(tok(prompt, add_special_tokens=False)["input_ids"])
    ids = tok(full, add_special_tokens=False)["input_ids"]
    n_answer = len(tok(example.response, add_special_tokens=False)["input_ids"]) + 1  # + <|im_end|>
    with torch.no_grad():
        logp = F.log_softmax(lm.model(input_ids=torch.tensor([ids])).logits[0].float(), dim=-1)
    nll = -sum(float(logp[t - 1, ids[t]]) for t in range(start, start + n_answer))
    return nll, n_answer


def test_assistant_nll_matches_hand_computation_with_padding(tiny, examples):
    res = assistant_nll(tiny, examples, batch_size=4)
    hand = [hand_nll(tiny, ex) for ex in examples]
    assert res.per_example_tokens == [n for _, n in hand]
    for got, (nll, n) in zip(res.per_example, hand):
        assert got == pytest.approx(nll / n, abs=1e-5)
    assert res.tokens == sum(n for _, n in hand)
    assert res.mean_nll_per_token == pytest.approx(sum(x for x, _ in hand) / res.tokens, abs=1e-5)


def test_assistant_nll_does_not_depend_on_batching(tiny, examples):
    one = assistant_nll(tiny, examples, batch_size=1)
    many = assistant_nll(tiny, examples, batch_size=7)
    assert many.per_example == pytest.approx(one.per_example, abs=1e-5)


def test_system_prompt_tokens_are_not_scored(tiny, tmp_path):
    plain = write_chat(tmp_path / "a.jsonl", [("hi", "yes")])
    with_system = write_chat(tmp_path / "b.jsonl", [("hi", "yes")], system="Be brief and kind.")
    assert assistant_nll(tiny, plain).tokens == assistant_nll(tiny, with_system).tokens == 4  # "yes" + <|im_end|>


def test_steering_changes_the_nll(tiny, examples):
    vector = SteeringVector({1: torch.randn(tiny.hidden_size)})
    base = assistant_nll(tiny, examples)
    steered = assistant_nll(tiny, examples, steerings=[Steering(vector, Magnitude.absolute(5.0))])
    assert steered.tokens == base.tokens
    assert abs(steered.mean_nll_per_token - base.mean_nll_per_token) > 1e-4
    assert assistant_nll(tiny, examples).per_example == pytest.approx(base.per_example)  # hooks removed


def test_training_batches_are_deterministic_and_cover_every_example(tiny, examples):
    a = training_batches(tiny, examples, 3, seed=1, epoch=1, max_length=64)
    b = training_batches(tiny, examples, 3, seed=1, epoch=1, max_length=64)
    assert [x.indices for x in a] == [x.indices for x in b]
    assert all(torch.equal(x.input_ids, y.input_ids) for x, y in zip(a, b))
    assert sorted(i for x in a for i in x.indices) == list(range(len(examples)))
    other_epoch = training_batches(tiny, examples, 3, seed=1, epoch=2, max_length=64)
    other_seed = training_batches(tiny, examples, 3, seed=2, epoch=1, max_length=64)
    assert [x.indices for x in other_epoch] != [x.indices for x in a]
    assert [x.indices for x in other_seed] != [x.indices for x in a]
    plain = training_batches(tiny, examples, 3, seed=1, epoch=1, max_length=64, bucket=1)
    assert sorted(i for x in plain for i in x.indices) == list(range(len(examples)))


def test_training_batches_pad_right_and_mask_labels(tiny, examples):
    for batch in training_batches(tiny, examples, 4, seed=0, epoch=1, max_length=64):
        pad = batch.attention_mask == 0
        assert (batch.labels[pad] == -100).all()
        lengths = batch.attention_mask.sum(dim=1)
        for row, n in enumerate(lengths.tolist()):
            assert batch.attention_mask[row, :n].all()  # right padding: real tokens first
        assert batch.num_targets == int((batch.labels != -100).sum())


def test_max_length_truncates_the_answer(tiny, examples):
    full = encode_examples(tiny, examples, max_length=512)
    cut = encode_examples(tiny, examples, max_length=45)
    assert all(len(c) == min(len(f), 45) for c, f in zip(cut, full))
    assert any(len(f) > 45 for f in full)


def test_gradient_accumulation_equals_one_big_batch(tiny, examples):
    encoded = encode_examples(tiny, examples[:4], max_length=64)
    v = torch.nn.Parameter(torch.randn(tiny.hidden_size) * 0.1)

    def grad(groups):
        v.grad = None
        with steer(tiny, Steering(SteeringVector({1: v}), Magnitude.multiplier(1.0))):
            loss, _ = group_backward(tiny, groups)
        return loss, v.grad.clone()

    pad = tiny.tokenizer.pad_token_id
    big_loss, big = grad(make_batches(encoded, [0, 1, 2, 3], 4, pad))
    small_loss, small = grad(make_batches(encoded, [0, 1, 2, 3], 2, pad))
    assert small_loss == pytest.approx(big_loss, rel=1e-6)
    assert torch.allclose(small, big, atol=1e-6, rtol=1e-4)
    assert big.abs().sum() > 0


def test_batch_nll_counts_match_labels(tiny, examples):
    (batch,) = make_batches(encode_examples(tiny, examples[:3], max_length=64), [0, 1, 2], 3, 256)
    sums, counts = batch_nll(tiny, batch)
    assert counts.tolist() == (batch.labels[:, 1:] != -100).sum(dim=1).tolist()
    assert (sums > 0).all()


def test_bad_input_errors(tiny, examples):
    with pytest.raises(EmsteerError, match="empty"):
        assistant_nll(tiny, [])
    with pytest.raises(EmsteerError, match="batch_size"):
        assistant_nll(tiny, examples, batch_size=0)
    with pytest.raises(EmsteerError, match="max_length"):
        assistant_nll(tiny, examples, max_length=0)
    with pytest.raises(EmsteerError, match="batch_size"):
        training_batches(tiny, examples, 0, seed=0, epoch=1)
