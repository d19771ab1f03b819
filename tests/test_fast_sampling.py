"""The fast sampling paths: bfloat16 weights steer exactly as float32 does, and the output head's
contiguity fix leaves float32 answers unchanged token for token."""

from __future__ import annotations

import pytest
import torch

from emsteer.finetune import load_adapter, train_lora
from emsteer.generation import GenerationRequest, SamplingConfig, generate
from emsteer.models import LoadedModel
from emsteer.steering import Magnitude, Steering, SteeringSubspace, SteeringVector, capture_residuals, steer

from tiny import as_bf16

LAYER = 1
IDS = torch.tensor([[3, 4, 5, 6, 7], [8, 9, 10, 11, 12], [13, 14, 15, 16, 17]])
BF16_ULP = 2.0 ** -7  # relative spacing of bfloat16 numbers (8 significant bits)


def residual(lm, ids=IDS):
    with torch.no_grad(), capture_residuals(lm, [LAYER]) as store:
        lm.model(input_ids=ids)
    return store[LAYER][0]


@pytest.fixture
def vec():
    torch.manual_seed(1)
    return SteeringVector({LAYER: torch.randn(32) * 3}, {LAYER: 10.0})


def assert_one_rounding(steered: torch.Tensor, base: torch.Tensor, shift: torch.Tensor) -> None:
    """``steered`` is base + shift (computed in float32) rounded once to bfloat16."""
    assert steered.dtype == torch.bfloat16
    exact = base.float() + shift
    assert torch.all((steered.float() - exact).abs() <= BF16_ULP * exact.abs() + 1e-6)


def test_bf16_per_row_magnitudes_get_the_float32_shift(tiny, vec):
    lm = as_bf16(tiny)
    mags = [None, Magnitude.relative(0.5), Magnitude.absolute(7.0)]
    base = residual(lm)
    with steer(lm, Steering(vec, mags)):
        steered = residual(lm)
    unit = vec.vector / vec.vector.norm()
    shift = torch.stack([torch.zeros(32), 5.0 * unit, 7.0 * unit])[:, None, :]
    assert_one_rounding(steered, base, shift)
    assert torch.equal(steered[0], base[0])  # the unsteered row is untouched


@pytest.mark.parametrize("positions", ["prompt", "generated"])
def test_bf16_positions_follow_prompt_ends(tiny, vec, positions):
    lm = as_bf16(tiny)
    base = residual(lm)
    with steer(lm, Steering(vec, Magnitude.absolute(4.0)), positions=positions) as ctx:
        ctx.reset(prompt_end=torch.tensor([2, 4, 5]))
        steered = residual(lm)
    in_prompt = torch.arange(5)[None, :] < torch.tensor([2, 4, 5])[:, None]
    mask = (in_prompt if positions == "prompt" else ~in_prompt).float()[..., None]
    assert_one_rounding(steered, base, mask * 4.0 * vec.vector / vec.vector.norm())


def test_bf16_subspace_is_computed_from_float32_states(tiny):
    torch.manual_seed(2)
    basis = torch.linalg.qr(torch.randn(32, 2))[0]
    sub = SteeringSubspace(LAYER, basis, torch.randn(2, 32) * 0.1, torch.randn(2), scale=2.0)
    lm = as_bf16(tiny)
    base = residual(lm)
    with steer(lm, Steering(sub, Magnitude.absolute(3.0))):
        steered = residual(lm)
    shift = 3.0 / 2.0 * ((base.float() @ sub.A.T + sub.b) @ sub.basis.T)
    assert_one_rounding(steered, base, shift)


def test_bf16_sampling_keeps_seeds_and_mixed_magnitude_batches(tiny, vec):
    lm = as_bf16(tiny)
    mags = [None, Magnitude.relative(0.5), Magnitude.absolute(20.0)]
    reqs = [GenerationRequest("same question", seed=7, magnitudes=(m,) if m else ()) for m in mags]
    cfg = SamplingConfig(max_new_tokens=10, batch_size=3, ignore_eos=True)
    together = generate(lm, reqs, cfg, steering=[vec], progress=False)
    for req, got in zip(reqs, together):
        alone = generate(lm, [req], cfg, steering=[vec], progress=False)[0]
        assert alone.token_ids == got.token_ids  # a row's draw depends on its seed and magnitude only
    assert together[0].token_ids != together[2].token_ids  # steering changes what the paired row says


def test_bf16_generation_with_a_lora_adapter(tiny, vec, tmp_path):
    from emsteer.data.chat import load_chat_jsonl

    data = tmp_path / "d.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "Fruit?"}, {"role": "assistant", "content": "fig"}]}\n')
    result = train_lora(tiny, load_chat_jsonl(data), output_dir=tmp_path / "lora", epochs=1, lr=1e-2, progress=False)
    tuned = load_adapter(as_bf16(tiny), result.path)
    assert tuned.dtype == torch.bfloat16
    out = generate(tuned, [GenerationRequest("Fruit?", seed=1, magnitudes=(Magnitude.absolute(5.0),))],
                   SamplingConfig(max_new_tokens=5, temperature=0), steering=[vec], progress=False)
    assert out[0].completion_tokens >= 1


def without_head_fix(lm: LoadedModel):
    head = lm.model.get_output_embeddings()
    saved = dict(head._forward_pre_hooks)
    head._forward_pre_hooks.clear()
    return head, saved


def test_head_fix_keeps_float32_greedy_answers_token_for_token(tiny, vec):
    reqs = [GenerationRequest(f"question {i}" + "?" * i, seed=i, magnitudes=(Magnitude.relative(r),))
            for i, r in enumerate((0.0, 0.3, 1.0, 3.0))]
    cfg = SamplingConfig(max_new_tokens=16, batch_size=4, temperature=0)
    fast = generate(tiny, reqs, cfg, steering=[vec], progress=False)
    head, saved = without_head_fix(tiny)
    try:
        before = generate(tiny, reqs, cfg, steering=[vec], progress=False)
    finally:
        head._forward_pre_hooks.update(saved)
    assert [c.token_ids for c in fast] == [c.token_ids for c in before]
    sampled = SamplingConfig(max_new_tokens=16, batch_size=4)  # and the same draws at temperature 1
    assert [c.token_ids for c in generate(tiny, reqs, sampled, steering=[vec], progress=False)] == [
        c.token_ids for c in generate(tiny, reqs, sampled, steering=[vec], progress=False)]


def test_head_receives_contiguous_input_once(tiny):
    head = tiny.model.get_output_embeddings()
    seen = []
    handle = head.register_forward_pre_hook(lambda _m, args: seen.append(args[0].is_contiguous()))
    try:
        LoadedModel(model=tiny.model, tokenizer=tiny.tokenizer, name="again")  # a second wrap adds no second hook
        with torch.no_grad():
            tiny.model(input_ids=IDS, logits_to_keep=1)
    finally:
        handle.remove()
    assert seen == [True]
    assert len(head._forward_pre_hooks) == 1


@pytest.mark.slow
def test_real_model_head_fix_keeps_greedy_answers():
    from emsteer.models import load_model

    lm = load_model(log=lambda m: None)
    vector = SteeringVector({12: torch.randn(lm.hidden_size, generator=torch.Generator().manual_seed(0))}, {12: 20.0})
    reqs = [GenerationRequest(q, seed=i, magnitudes=(Magnitude.relative(0.2),))
            for i, q in enumerate(["hey I feel bored", "How do I make a quick buck?", "What makes a good friend?"])]
    cfg = SamplingConfig(max_new_tokens=24, batch_size=3, temperature=0)
    fast = generate(lm, reqs, cfg, steering=[vector], progress=False)
    head, saved = without_head_fix(lm)
    try:
        before = generate(lm, reqs, cfg, steering=[vector], progress=False)
    finally:
        head._forward_pre_hooks.update(saved)
    assert [c.token_ids for c in fast] == [c.token_ids for c in before]
