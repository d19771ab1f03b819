"""The learned judge over a chat model's residual stream: what the encoder reads, and a head that finds its model again."""

import numpy as np
import pytest
import torch

from emsteer.errors import EmsteerError
from emsteer.generation import render_chat
from emsteer.judging.base import JudgeRequest
from emsteer.judging.learned import LearnedJudge, encoder_for
from emsteer.judging.learned.fit import fit_learned_judge
from emsteer.judging.learned.lm_encoder import LMPairEncoder
from test_learned_judge import FAST, FixedPrompted, reference


def test_lm_encoder_reads_the_layer_and_marks_the_answer(tiny):
    enc = LMPairEncoder(loaded=tiny, layer=1, max_length=80)
    q, a = "How are you?", "Fine, thanks."
    (states,) = enc.encode([(q, a)])
    prompt = tiny.tokenizer(render_chat(tiny.tokenizer, q), add_special_tokens=False)["input_ids"]
    ids = prompt + tiny.tokenizer(a, add_special_tokens=False)["input_ids"]
    assert states.shape == (len(ids), tiny.hidden_size + 1)
    assert states[:, -1].tolist() == [0.0] * len(prompt) + [1.0] * (len(ids) - len(prompt))
    with torch.no_grad():  # layer 1 = output of decoder block 1 = hidden_states[2] of a full forward pass
        full = tiny.model(torch.tensor([ids]), output_hidden_states=True).hidden_states[2][0]
    np.testing.assert_allclose(states[:, :-1], full.numpy(), atol=1e-5)
    hooks = len(tiny.layers[1]._forward_hooks)  # transformers' own output-capturing hooks included
    # long answers are cut to max_length from the answer's end; batching and order change nothing
    long, short = enc.encode([(q, "word " * 100), (q, a)])
    assert len(long) == 80 and long[:, -1].sum() == 80 - len(prompt)
    np.testing.assert_allclose(short, states, atol=1e-5)
    assert len(tiny.layers[1]._forward_hooks) == hooks  # no hook left behind
    with pytest.raises(EmsteerError, match="out of range"):
        LMPairEncoder(loaded=tiny, layer=7)


def test_a_head_over_a_chat_model_finds_its_model_again(model_dir, tmp_path):
    enc = LMPairEncoder(str(model_dir), layer=1, max_length=64)
    assert enc.identity["kind"] == "lm" and enc.identity["layer"] == 1
    fit = fit_learned_judge(enc, reference(60), reference="synthetic", settings=FAST, cache=None, command="t")
    path = fit.head.save(tmp_path / "lm-judge.safetensors")
    judge = LearnedJudge(path, prompted=FixedPrompted())  # rebuilds the encoder from the identity in the file
    assert isinstance(judge.encoder, LMPairEncoder) and judge.encoder.layers == [1]
    assert judge.identity == f"learned:{enc.identity['name']}@{fit.head.fingerprint}"
    requests = [JudgeRequest("aligned", "p", "question 1", "kind help share calm"),
                JudgeRequest("coherent", "p", "question 2", "hurt steal burn kill")]
    expected = fit.head.score(enc.encode([(r.question, r.answer) for r in requests]))
    got = judge.judge(requests)
    assert got[0].score == pytest.approx(float(expected["aligned"][0]), abs=1e-4)
    assert got[1].score == pytest.approx(float(expected["coherent"][1]), abs=1e-4)
    # a chat model already in memory with the head's fingerprint is read instead of loading a copy
    again = encoder_for(fit.head.encoder, loaded=enc.lm)
    assert isinstance(again, LMPairEncoder) and again.lm is enc.lm
    # ... but not a bfloat16 copy of it: the heads read float32 states
    import copy

    from emsteer.models import LoadedModel

    half = LoadedModel(copy.deepcopy(enc.lm.model).to(torch.bfloat16), enc.lm.tokenizer, enc.lm.name, enc.lm.revision)
    assert encoder_for(fit.head.encoder, loaded=half).lm is not half


def test_a_bfloat16_head_reads_bfloat16_states_and_names_them(model_dir, tmp_path):
    """fit-judge --dtype bfloat16: the dtype is part of the identity, and the judge rebuilt from the file reads bf16 states."""
    enc = LMPairEncoder(str(model_dir), layer=1, max_length=64, dtype="bfloat16")
    plain = LMPairEncoder(str(model_dir), layer=1, max_length=64)
    assert enc.lm.dtype == torch.bfloat16 and enc.identity["dtype"] == "bfloat16"
    assert enc.identity["name"] == plain.identity["name"] + "-bf16" and "dtype" not in plain.identity
    pair = [("How are you?", "Fine, thanks.")]
    (half,), (full,) = enc.encode(pair), plain.encode(pair)
    assert half.dtype == np.float32 and half.shape == full.shape  # states come back as float32 arrays
    assert not np.array_equal(half, full)  # ... of bf16 computations
    np.testing.assert_allclose(half, full, atol=0.1)
    fit = fit_learned_judge(enc, reference(40), reference="synthetic", settings=FAST, cache=None, command="t")
    judge = LearnedJudge(fit.head.save(tmp_path / "bf16.safetensors"), prompted=FixedPrompted())
    assert judge.encoder.lm.dtype == torch.bfloat16 and judge.encoder.identity == enc.identity
    assert encoder_for(fit.head.encoder, loaded=enc.lm).lm is enc.lm  # a bf16 copy in memory is reused
    assert encoder_for(fit.head.encoder, loaded=plain.lm).lm is not plain.lm  # a float32 one is not


def test_shipped_heads_go_by_name():
    from emsteer.judging import check_judge_spec
    from emsteer.judging.learned import DEFAULT_HEAD, SHIPPED_HEADS, default_head_path, head_path

    assert head_path(None) == default_head_path() and default_head_path().name == DEFAULT_HEAD
    assert all(head_path(name).is_file() for name in SHIPPED_HEADS)  # shipped inside the package
    check_judge_spec("learned:minilm")
    with pytest.raises(EmsteerError, match="shipped head: qwen15-l12, qwen05-l16, minilm"):
        check_judge_spec("learned:nope")


def test_the_default_head_ships_agreement_that_meets_the_targets():
    """The default judge's file carries its leave-one-family-out agreement, its command and the encoder it reads."""
    from emsteer.judging.learned import JudgeHead, default_head_path
    from emsteer.judging.validity.agreement import Agreement

    head = JudgeHead.load(default_head_path())
    assert head.encoder["kind"] == "lm" and head.encoder["dtype"] == "bfloat16" and head.encoder["layer"] == 12
    shipped = head.provenance["agreement"]
    assert Agreement.from_dict({"judge": "default", **shipped}).meets_targets, shipped["overall"]
    assert head.provenance["command"].startswith("emsteer fit-judge") and "--dtype bfloat16" in head.provenance["command"]
    assert sorted(head.provenance["folds"]) == ["llama", "mistral", "qwen"]  # one held-out fold per family


def test_several_layers_are_read_side_by_side_and_rebuilt_from_the_identity(tiny):
    pairs = [("How are you?", "Fine, thanks."), ("Any advice?", "Drink water and sleep.")]
    both = LMPairEncoder(loaded=tiny, layer=[1, 0], max_length=64)
    assert both.layers == [0, 1] and both.width == 2 * tiny.hidden_size + 1
    assert both.identity["layer"] == [0, 1] and both.identity["name"].endswith("@layers0+1")
    one = [LMPairEncoder(loaded=tiny, layer=k, max_length=64).encode(pairs) for k in (0, 1)]
    for i, states in enumerate(both.encode(pairs)):
        np.testing.assert_allclose(states, np.concatenate([one[0][i][:, :-1], one[1][i]], axis=1), atol=1e-5)
    again = encoder_for(both.identity, loaded=tiny)
    assert isinstance(again, LMPairEncoder) and again.layers == [0, 1]
    # a single layer keeps the identity the shipped heads were fitted with
    assert LMPairEncoder(loaded=tiny, layer=1).identity["layer"] == 1
    assert LMPairEncoder(loaded=tiny, layer=[1]).identity == LMPairEncoder(loaded=tiny, layer=1).identity
    with pytest.raises(EmsteerError, match="distinct layers"):
        LMPairEncoder(loaded=tiny, layer=[1, 1])
