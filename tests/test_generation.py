import pytest
import torch

from emsteer.errors import EmsteerError
from emsteer.generation import (
    GenerationRequest,
    SamplingConfig,
    derive_seed,
    eos_token_ids,
    generate,
    render_chat,
)
from emsteer.steering import Magnitude, SteeringVector

from tiny import NO_SYSTEM, tiny_lm

SHORT = SamplingConfig(max_new_tokens=12, batch_size=4)


def requests(n=5):
    return [GenerationRequest(f"question number {i}" + "!" * i, seed=100 + i, key=str(i)) for i in range(n)]


def test_results_come_back_in_request_order_with_records(tiny):
    reqs = requests()
    out = generate(tiny, reqs, SHORT, progress=False)
    assert [c.request.key for c in out] == [r.key for r in reqs]
    for c in out:
        assert c.finish_reason in ("stop", "length")
        assert c.completion_tokens == len(c.token_ids) + (c.finish_reason == "stop")
        assert c.completion_tokens <= 12
        expected_prompt = len(tiny.tokenizer(render_chat(tiny.tokenizer, c.request.user), add_special_tokens=False)["input_ids"])
        assert c.prompt_tokens == expected_prompt


def test_a_sample_depends_on_its_seed_not_on_its_batch(tiny):
    reqs = requests()
    a = generate(tiny, reqs, SamplingConfig(max_new_tokens=12, batch_size=5), progress=False)
    b = generate(tiny, reqs, SamplingConfig(max_new_tokens=12, batch_size=2), progress=False)
    c = generate(tiny, reqs[2:3], SamplingConfig(max_new_tokens=12, batch_size=1), progress=False)
    assert [x.token_ids for x in a] == [x.token_ids for x in b]
    assert a[2].token_ids == c[0].token_ids


def test_different_seeds_give_different_samples(tiny):
    reqs = [GenerationRequest("same question", seed=s) for s in range(4)]
    out = generate(tiny, reqs, SHORT, progress=False)
    assert len({c.token_ids for c in out}) > 1


def test_greedy_matches_transformers_generate(tiny):
    prompt = render_chat(tiny.tokenizer, "hello")
    ids = tiny.tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
    ref = tiny.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=10,
                              do_sample=False, eos_token_id=list(eos_token_ids(tiny)), pad_token_id=256)
    out = generate(tiny, [GenerationRequest("hello")], SamplingConfig(max_new_tokens=10, temperature=0), progress=False)
    assert list(out[0].token_ids) == ref[0, ids.shape[1]:].tolist()[: len(out[0].token_ids)]


def test_left_padding_does_not_change_greedy_outputs(tiny):
    reqs = [GenerationRequest("short"), GenerationRequest("a considerably longer question than the other")]
    cfg = SamplingConfig(max_new_tokens=8, temperature=0, batch_size=2)
    together = generate(tiny, reqs, cfg, progress=False)
    alone = [generate(tiny, [r], cfg, progress=False)[0] for r in reqs]
    assert [c.token_ids for c in together] == [c.token_ids for c in alone]


def test_stop_finish_reason_when_the_model_ends_its_turn(tiny):
    # make <|im_end|> overwhelmingly likely so answers stop at once
    with torch.no_grad():
        tiny.model.lm_head.bias = None
        tiny.model.lm_head.weight[258] += 50 * tiny.model.lm_head.weight.abs().max()
    out = generate(tiny, requests(2), SHORT, progress=False)
    assert all(c.finish_reason == "stop" and c.response == "" and c.completion_tokens == 1 for c in out)


def test_max_new_tokens_gives_length(tiny):
    out = generate(tiny, requests(1), SamplingConfig(max_new_tokens=3, temperature=0), progress=False)
    assert out[0].finish_reason == "length" and len(out[0].token_ids) == 3


def test_system_prompt_with_and_without_a_system_role():
    lm = tiny_lm()
    text = render_chat(lm.tokenizer, "hi", system="be brief")
    assert "<|im_start|>system\nbe brief<|im_end|>" in text
    no_sys = tiny_lm(chat_template=NO_SYSTEM)
    text = render_chat(no_sys.tokenizer, "hi", system="be brief")
    assert "system" not in text and "be brief\n\nhi" in text
    out = generate(no_sys, [GenerationRequest("hi", system="be brief")], SHORT, progress=False)
    assert out[0].prompt_tokens == len(no_sys.tokenizer(text, add_special_tokens=False)["input_ids"])


def test_model_without_chat_template():
    lm = tiny_lm()
    lm.tokenizer.chat_template = None
    assert render_chat(lm.tokenizer, "Why?", system="S") == "S\n\nQuestion: Why?\nAnswer:"


def test_mixed_magnitude_batch_equals_separate_runs(tiny):
    torch.manual_seed(0)
    v = SteeringVector({1: torch.randn(32)}, {1: 4.0})
    mags = [None, Magnitude.relative(0.5), Magnitude.relative(2.0), Magnitude.absolute(20.0)]
    cfg = SamplingConfig(max_new_tokens=10, batch_size=4)
    mixed = generate(tiny, [GenerationRequest("steer me", seed=7, magnitudes=(m,)) for m in mags], cfg,
                     steering=[v], progress=False)
    for m, got in zip(mags, mixed):
        alone = generate(tiny, [GenerationRequest("steer me", seed=7, magnitudes=(m,))], cfg, steering=[v], progress=False)
        assert got.token_ids == alone[0].token_ids
    assert len({c.token_ids for c in mixed}) > 1  # steering changed something
    assert all(len(layer._forward_hooks) == 0 for layer in tiny.layers)


def test_magnitude_count_must_match_steering(tiny):
    v = SteeringVector({1: torch.randn(32)}, {1: 4.0})
    with pytest.raises(EmsteerError, match="2 magnitudes for 1 steering"):
        generate(tiny, [GenerationRequest("x", magnitudes=(Magnitude.relative(1), None))], SHORT, steering=[v], progress=False)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"max_new_tokens": 0}, "max_new_tokens"), ({"temperature": -1}, "temperature"),
     ({"top_p": 0}, "top_p"), ({"batch_size": 0}, "batch_size")],
)
def test_sampling_config_validation(kwargs, match):
    with pytest.raises(EmsteerError, match=match):
        SamplingConfig(**kwargs)


def test_top_p_restricts_to_the_nucleus(tiny):
    # with a tiny nucleus sampling is greedy
    a = generate(tiny, requests(3), SamplingConfig(max_new_tokens=8, top_p=1e-6), progress=False)
    g = generate(tiny, requests(3), SamplingConfig(max_new_tokens=8, temperature=0), progress=False)
    assert [c.token_ids for c in a] == [c.token_ids for c in g]


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_the_chunked_inverse_cdf_draws_what_the_full_cdf_draws(dtype, temperature):
    # A vocabulary of several chunks and a ragged tail: each row's token is the one a float64
    # softmax + cumsum picks for the same uniform number, except where that number lies within
    # rounding of a boundary between two tokens.
    from emsteer.generation.transformers import _CHUNK, _inverse_cdf

    gen = torch.Generator().manual_seed(0)
    vocab, rows = 3 * _CHUNK + 123, 512
    logits = (torch.randn(rows, vocab, generator=gen) * 4).to(dtype)
    u = torch.rand(rows, generator=gen)
    u[:2] = torch.tensor([0.0, 1.0 - 2**-24])  # both ends of the unit interval
    got = _inverse_cdf(logits, u, temperature)
    cdf = torch.softmax(logits.double() / temperature, dim=-1).cumsum(dim=-1)
    want = torch.searchsorted(cdf, u.double()[:, None]).clamp(max=vocab - 1).squeeze(-1)
    near = (cdf - u.double()[:, None]).abs().min(dim=-1).values < 1e-5
    assert bool(((got == want) | near).all())
    assert int((got == want).sum()) >= rows - 3
    assert int(got.max()) < vocab  # never a padding slot


def test_the_chunked_inverse_cdf_samples_the_softmax_distribution():
    # By simulation: token frequencies match the softmax probabilities (chi-square, 3 dof).
    from emsteer.generation.transformers import _inverse_cdf

    pattern = torch.tensor([0.0, 1.0, 2.0, -1.0])
    logits = pattern.repeat(700)[None].expand(40_000, -1).contiguous()  # 2,800 tokens: three chunks
    got = _inverse_cdf(logits, torch.rand(40_000, generator=torch.Generator().manual_seed(1)), 1.0)
    counts = torch.bincount(got % 4, minlength=4).double()
    expected = torch.softmax(pattern.double(), 0) * 40_000
    assert float(((counts - expected) ** 2 / expected).sum()) < 16.27  # the chi-square(3) 0.999 quantile


def test_the_sampler_never_draws_a_token_of_weight_zero_or_beyond_the_nucleus(monkeypatch):
    from emsteer.generation import transformers as hf

    zero = torch.Generator()
    monkeypatch.setattr(torch, "rand", lambda *a, **k: torch.tensor(0.0))  # the 1-in-2^24 draw of exactly 0
    assert hf._sample(torch.tensor([[-float("inf"), 0.0, 1.0]]), [zero], 1.0, 1.0).tolist() == [1]
    monkeypatch.undo()
    # a nucleus whose first token holds exactly top_p: that token alone, as Hugging Face keeps it
    logits = torch.log(torch.tensor([[0.5, 0.25, 0.25]]))
    gens = [torch.Generator().manual_seed(i) for i in range(400)]
    drawn = torch.cat([hf._sample(logits, [g], 1.0, 0.5) for g in gens])
    assert set(drawn.tolist()) == {0}


def test_sampling_builds_no_graph_for_a_vector_still_being_trained(tiny):
    vector = SteeringVector({1: torch.randn(tiny.hidden_size).requires_grad_()})
    asks = [GenerationRequest(f"question {i}", seed=i, magnitudes=[Magnitude.absolute(2.0)]) for i in range(2)]
    out = generate(tiny, asks, SamplingConfig(max_new_tokens=4, ignore_eos=True), steering=[vector], progress=False)
    assert all(len(c.token_ids) == 4 for c in out)


def test_derive_seed_is_stable_and_distinct():
    assert derive_seed(0, "q1", 3) == derive_seed(0, "q1", 3)
    assert derive_seed(0, "q1", 3) != derive_seed(0, "q1", 4)
    assert 0 <= derive_seed("x") < 2**63


def test_the_generator_protocol_gives_what_generate_gives(tiny):
    """evaluation/run.py answers through as_generator(...).answer: for a loaded model that is the
    transformers backend, row for row; an engine that already answers is used as it is; an adapter
    without a way to attach it is an error, not an unadapted answer."""
    from contextlib import contextmanager

    from emsteer.errors import EmsteerError
    from emsteer.generation import as_generator

    reqs = [GenerationRequest(f"q{i}", seed=i) for i in range(3)]
    cfg = SamplingConfig(max_new_tokens=6, batch_size=2)
    direct = generate(tiny, reqs, cfg, progress=False)
    batches: list = []
    via = as_generator(tiny).answer(reqs, cfg, progress=False, on_batch=batches.append)
    assert [c.token_ids for c in via] == [c.token_ids for c in direct] and sum(map(len, batches)) == 3
    with pytest.raises(EmsteerError, match="cannot attach adapters"):
        as_generator(tiny).answer(reqs, cfg, adapter="some/adapter", progress=False)
    attached = []

    @contextmanager
    def attach(lm, path):
        attached.append(path)
        yield lm

    as_generator(tiny, attach_adapter=attach).answer(reqs[:1], cfg, adapter="a", progress=False)
    assert attached == ["a"]

    class Engine:
        def answer(self, *a, **k):
            return []

    engine = Engine()
    assert as_generator(engine) is engine


@pytest.mark.parametrize("arch", ["qwen2", "qwen3_5_text"])
def test_a_row_that_ends_early_leaves_the_others_as_if_alone(arch):
    """Finished rows leave the batch and its KV cache; Qwen3.5's linear-attention layers keep
    convolution and recurrent states, which must be selected with the keys and values (they
    had no batch_select_indices: the first early end crashed)."""
    lm = tiny_lm(arch)
    asks = [GenerationRequest("apple", seed=i, key=str(i)) for i in range(3)]  # per-row seeds: draws as if alone
    free = SamplingConfig(max_new_tokens=6, ignore_eos=True)
    alone = [generate(lm, [a], free, progress=False)[0].token_ids for a in asks]
    stop = alone[0][1]  # row 0 stops at its second token ...
    others = [i for i in (1, 2) if stop not in alone[i]]
    assert others, "every row meets the stop token: change the seeds"
    lm.model.generation_config.eos_token_id = stop  # ... the others never meet it
    together = generate(lm, asks, SamplingConfig(max_new_tokens=6), progress=False)
    assert together[0].token_ids == alone[0][:1] and together[0].finish_reason == "stop"
    for i in others:
        assert together[i].token_ids == alone[i]
