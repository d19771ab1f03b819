"""Models placed by a device map (accelerate), and steering that follows each layer's device and
dtype. CPU-only here: an explicit map puts every module on cpu, and a tensor on the "meta"
device stands in for a layer on another device."""

import pytest
import torch

from emsteer.errors import EmsteerError
from emsteer.generation import GenerationRequest, SamplingConfig, generate
from emsteer.models import load_model
from emsteer.models.loading import placement_kwargs
from emsteer.steering import Magnitude
from emsteer.steering.artifacts import SteeringSubspace, SteeringVector
from emsteer.steering.hooks import Steering, steer


def explicit_cpu_map(n_layers: int) -> dict:
    return {"model.embed_tokens": "cpu", "model.rotary_emb": "cpu", "model.norm": "cpu", "lm_head": "cpu",
            **{f"model.layers.{i}": "cpu" for i in range(n_layers)}}


def vector(hidden: int, layer: int = 1, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return SteeringVector({layer: torch.randn(hidden, generator=g)}, reference_norms={layer: 4.0})


def test_a_device_mapped_model_steers_like_a_moved_one(model_dir, monkeypatch):
    from transformers import AutoModelForCausalLM

    plain = load_model(str(model_dir), log=lambda m: None)
    seen = {}
    original = AutoModelForCausalLM.from_pretrained

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", spy)
    device_map = explicit_cpu_map(plain.num_layers)
    mapped = load_model(str(model_dir), device_map=device_map, log=lambda m: None)
    assert seen["device_map"] == device_map  # placed by accelerate, not moved
    v = vector(plain.hidden_size)
    requests = [GenerationRequest("hello there", seed=1, magnitudes=(Magnitude.relative(m),)) for m in (0.0, 3.0)]
    sampling = SamplingConfig(max_new_tokens=6, temperature=0)
    a = generate(plain, requests, sampling, steering=[v], progress=False)
    b = generate(mapped, requests, sampling, steering=[v], progress=False)
    assert [c.token_ids for c in a] == [c.token_ids for c in b]
    assert a[0].token_ids != a[1].token_ids  # the steered row differs: steering took effect


@pytest.mark.parametrize("kind", ["vector", "subspace"])
def test_steering_follows_the_layers_device_and_dtype(tiny, kind):
    d = tiny.hidden_size
    if kind == "vector":
        artifact = vector(d)
    else:
        basis = torch.linalg.qr(torch.randn(d, 2))[0]
        artifact = SteeringSubspace(1, basis, torch.randn(2, d) * 0.1, torch.randn(2), reference_norms={1: 4.0})
    with steer(tiny, Steering(artifact, [Magnitude.relative(1.0), None])) as ctx:
        hook = ctx.hooks[1]
        on_meta = hook(None, (), torch.empty(2, 3, d, device="meta"))  # a layer on another device
        assert on_meta.device.type == "meta"
        ctx.reset()
        h = torch.randn(2, 3, d, dtype=torch.float64)
        out = hook(None, (), h)
        assert out.dtype == torch.float64 and torch.equal(out[1], h[1]) and not torch.equal(out[0], h[0])


def test_device_map_errors_say_what_is_expected():
    if not torch.cuda.is_available():
        with pytest.raises(EmsteerError, match="spreads a model over GPUs"):
            placement_kwargs("auto")
    with pytest.raises(EmsteerError, match="cuda:0,cuda:1"):
        placement_kwargs("gpu-zero")
