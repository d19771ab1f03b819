import math

import pytest
import torch

from emsteer.errors import EmsteerError
from emsteer.steering import (
    Magnitude,
    Steering,
    SteeringSubspace,
    SteeringVector,
    capture_residuals,
    parse_magnitude,
    steer,
)

LAYER = 1


def residual(lm, ids, layer=LAYER, **kw):
    with capture_residuals(lm, [layer]) as store:
        lm.model(input_ids=ids, **kw)
    return store[layer][0]


def unsteered_input(lm, ids):
    """Residual at LAYER without steering; the hook adds to exactly this tensor."""
    return residual(lm, ids)


@pytest.fixture
def vec():
    torch.manual_seed(1)
    return SteeringVector({LAYER: torch.randn(32) * 3}, {LAYER: 10.0})


IDS = torch.tensor([[3, 4, 5, 6, 7], [8, 9, 10, 11, 12]])


@pytest.mark.parametrize(
    "magnitude, alpha",
    [
        (Magnitude.absolute(2.5), lambda v: 2.5),
        (Magnitude.multiplier(2.0), lambda v: 2.0 * float(v.vector.norm())),
        (Magnitude.relative(0.5), lambda v: 0.5 * 10.0),
    ],
)
def test_additive_hook_adds_alpha_times_unit_vector(tiny, vec, magnitude, alpha):
    base = unsteered_input(tiny, IDS)
    with steer(tiny, Steering(vec, magnitude)):
        steered = residual(tiny, IDS)
    expected = base + alpha(vec) * vec.vector / vec.vector.norm()
    assert torch.allclose(steered, expected, atol=1e-5)


def test_multiplier_one_adds_the_raw_vector(tiny, vec):
    base = unsteered_input(tiny, IDS)
    with steer(tiny, Steering(vec, Magnitude.multiplier(1.0))):
        assert torch.allclose(residual(tiny, IDS), base + vec.vector, atol=1e-5)


def test_subspace_hook_matches_its_definition(tiny):
    torch.manual_seed(2)
    U, _ = torch.linalg.qr(torch.randn(32, 3))
    A, b = torch.randn(3, 32) * 0.1, torch.randn(3)
    sub = SteeringSubspace(LAYER, U, A, b, scale=4.0, reference_norms={LAYER: 8.0})
    base = unsteered_input(tiny, IDS)
    with steer(tiny, Steering(sub, Magnitude.relative(0.5))):
        steered = residual(tiny, IDS)
    expected = base + (0.5 * 8.0 / 4.0) * ((base @ A.T + b) @ U.T)
    assert torch.allclose(steered, expected, atol=1e-5)


def test_rank_one_subspace_without_A_is_additive_steering(tiny):
    v = torch.randn(32)
    u = (v / v.norm())[:, None]
    sub = SteeringSubspace(LAYER, u, torch.zeros(1, 32), torch.tensor([2.0]))
    vector = SteeringVector({LAYER: v})
    with steer(tiny, Steering(sub, Magnitude.absolute(3.0))):
        a = residual(tiny, IDS)
    with steer(tiny, Steering(vector, Magnitude.absolute(3.0))):
        b = residual(tiny, IDS)
    assert torch.allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("positions", ["prompt", "generated"])
def test_position_modes_with_a_cached_continuation(tiny, vec, positions):
    """The first forward pass is the prompt; later cached passes are generated tokens."""
    prompt, nxt = IDS[:, :4], IDS[:, 4:]
    mag = Magnitude.absolute(5.0)
    with torch.no_grad():
        plain_cache = tiny.model(input_ids=prompt, use_cache=True).cache
        with capture_residuals(tiny, [LAYER]) as plain:
            tiny.model(input_ids=nxt, cache=plain_cache, use_cache=True)
        with capture_residuals(tiny, [LAYER]) as plain_prompt:
            tiny.model(input_ids=prompt)
        fresh_cache = tiny.model(input_ids=prompt, use_cache=True).cache
        with steer(tiny, Steering(vec, mag), positions=positions):
            with capture_residuals(tiny, [LAYER]) as store:
                tiny.model(input_ids=prompt, use_cache=True)
                # continue from an *unsteered* prompt cache so only this pass's steering differs
                tiny.model(input_ids=nxt, cache=fresh_cache, use_cache=True)
    shift = 5.0 * vec.vector / vec.vector.norm()
    p_steered, g_steered = store[LAYER]
    if positions == "prompt":
        assert torch.allclose(p_steered, plain_prompt[LAYER][0] + shift, atol=1e-5)
        assert torch.allclose(g_steered, plain[LAYER][0], atol=1e-5)
    else:
        assert torch.allclose(p_steered, plain_prompt[LAYER][0], atol=1e-5)
        assert torch.allclose(g_steered, plain[LAYER][0] + shift, atol=1e-5)


@pytest.mark.parametrize("positions", ["prompt", "generated"])
def test_each_sequence_in_one_block_starts_at_position_0(tiny, vec, positions):
    """Two sequences in one ``steer`` block (two generate calls, as the docs show) are steered
    alike: the second used to continue the first's positions (prompt: unsteered; generated: its
    whole prompt steered)."""
    mag = Magnitude.absolute(5.0)
    with torch.no_grad(), steer(tiny, Steering(vec, mag), positions=positions):
        with capture_residuals(tiny, [LAYER]) as store:
            for _ in range(2):
                cache = tiny.model(input_ids=IDS[:, :4], use_cache=True).cache
                tiny.model(input_ids=IDS[:, 4:], cache=cache, use_cache=True)
    first_prompt, first_next, second_prompt, second_next = store[LAYER]
    assert torch.equal(first_prompt, second_prompt) and torch.equal(first_next, second_next)
    with torch.no_grad(), capture_residuals(tiny, [LAYER]) as plain:
        tiny.model(input_ids=IDS[:, :4])
    assert torch.allclose(second_prompt, plain[LAYER][0], atol=1e-5) == (positions == "generated")


def test_prompt_end_per_row_masks_teacher_forced_sequences(tiny, vec):
    base = unsteered_input(tiny, IDS)
    with steer(tiny, Steering(vec, Magnitude.absolute(1.0)), positions="generated") as ctx:
        ctx.reset(prompt_end=torch.tensor([2, 4]))
        steered = residual(tiny, IDS)
    shift = vec.vector / vec.vector.norm()
    mask = torch.tensor([[0, 0, 1, 1, 1], [0, 0, 0, 0, 1]], dtype=torch.float32)[..., None]
    assert torch.allclose(steered, base + mask * shift, atol=1e-5)


def test_per_row_magnitudes_equal_separate_runs(tiny, vec):
    ids = IDS[:1].repeat(4, 1)
    mags = [None, Magnitude.relative(0.1), Magnitude.relative(0.5), Magnitude.absolute(7.0)]
    with steer(tiny, Steering(vec, mags)):
        together = tiny.model(input_ids=ids).logits
    for row, m in enumerate(mags):
        if m is None:
            alone = tiny.model(input_ids=ids[:1]).logits
        else:
            with steer(tiny, Steering(vec, m)):
                alone = tiny.model(input_ids=ids[:1]).logits
        assert torch.allclose(together[row], alone[0], atol=1e-5), row


def test_several_layers_and_artifacts_at_once(tiny, vec):
    other = SteeringVector({0: torch.randn(32), 2: torch.randn(32)}, {0: 1.0, 2: 1.0})
    with capture_residuals(tiny, [0, 2]) as before:
        tiny.model(input_ids=IDS)
    with steer(tiny, Steering(vec, Magnitude.absolute(1.0)), Steering(other, Magnitude.absolute(2.0))):
        with capture_residuals(tiny, [0]) as after:
            tiny.model(input_ids=IDS)
    unit = other.vectors[0] / other.vectors[0].norm()
    assert torch.allclose(after[0][0], before[0][0] + 2.0 * unit, atol=1e-5)
    assert len(tiny.layers[0]._forward_hooks) == 0 and len(tiny.layers[2]._forward_hooks) == 0


def test_hooks_are_removed_after_an_exception(tiny, vec):
    before = tiny.model(input_ids=IDS).logits
    with pytest.raises(RuntimeError, match="boom"):
        with steer(tiny, Steering(vec, Magnitude.relative(1.0))):
            assert len(tiny.layers[LAYER]._forward_hooks) == 1
            raise RuntimeError("boom")
    assert all(len(layer._forward_hooks) == 0 for layer in tiny.layers)
    assert torch.equal(tiny.model(input_ids=IDS).logits, before)


def test_wrong_batch_size_for_per_row_magnitudes(tiny, vec):
    with steer(tiny, Steering(vec, [Magnitude.absolute(1.0)] * 3)):
        with pytest.raises(EmsteerError, match="3 per-row magnitudes.*2 rows"):
            tiny.model(input_ids=IDS)
    assert len(tiny.layers[LAYER]._forward_hooks) == 0


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: SteeringVector({1: torch.randn(16)}), "hidden size 16.*hidden size 32"),
        (lambda: SteeringVector({7: torch.randn(32)}), "Layer 7 is out of range"),
    ],
)
def test_bad_artifacts_fail_before_any_hook(tiny, make, match):
    with pytest.raises(EmsteerError, match=match):
        with steer(tiny, Steering(make(), Magnitude.absolute(1.0))):
            pytest.fail("entered the block")
    assert all(len(layer._forward_hooks) == 0 for layer in tiny.layers)


def test_non_finite_values_are_rejected():
    v = torch.randn(32)
    v[3] = float("nan")
    with pytest.raises(EmsteerError, match="NaN or infinite"):
        SteeringVector({1: v})
    with pytest.raises(EmsteerError, match="NaN or infinite"):
        SteeringSubspace(1, torch.eye(32)[:, :2], torch.full((2, 32), math.inf), torch.ones(2))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_magnitudes_are_rejected(value):
    with pytest.raises(EmsteerError, match="finite"):
        Magnitude.relative(value)


def test_relative_magnitude_needs_a_reference_norm(tiny):
    v = SteeringVector({1: torch.randn(32)})
    with pytest.raises(EmsteerError, match="reference norm"):
        with steer(tiny, Steering(v, Magnitude.relative(1.0))):
            pass


def test_bad_positions(tiny, vec):
    with pytest.raises(EmsteerError, match="positions"):
        with steer(tiny, Steering(vec, Magnitude.absolute(1.0)), positions="middle"):
            pass


def test_gradients_flow_into_a_live_vector(tiny):
    v = torch.full((32,), 1e-3, requires_grad=True)  # a zero vector is refused: it has no direction
    vector = SteeringVector({1: v})
    vector.vectors[1] = v  # keep the leaf itself
    with steer(tiny, Steering(vector, Magnitude.multiplier(1.0))):
        # multiplier 1: exactly v is added, and the graph reaches v
        loss = tiny.model(input_ids=IDS).logits.sum()
    loss.backward()
    assert v.grad is not None


@pytest.mark.parametrize(
    "text, kind, value",
    [("rho=0.25", "relative", 0.25), ("0.5", "relative", 0.5), ("alpha=12", "absolute", 12.0),
     ("abs:3", "absolute", 3.0), ("m=2", "multiplier", 2.0), ("x1.5", "multiplier", 1.5)],
)
def test_parse_magnitude(text, kind, value):
    m = parse_magnitude(text)
    assert (m.kind, m.value) == (kind, value)


def test_parse_magnitude_error():
    with pytest.raises(EmsteerError, match="Cannot read magnitude 'strong'"):
        parse_magnitude("strong")
