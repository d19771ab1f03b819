"""bf16 matrix products through float32 kernels (models/bf16.py): the same numbers as bf16 kernels
up to the order of float32 sums, installed on bf16 models only, around forward and backward passes."""

from __future__ import annotations

import copy
from contextlib import nullcontext

import pytest
import torch
from torch.utils._python_dispatch import _get_current_dispatch_mode

import emsteer.generation.transformers as hf_generation
import emsteer.models.bf16 as bf16_module
from emsteer.data.encode import pad_token_id
from emsteer.generation import GenerationRequest, SamplingConfig, generate
from emsteer.models import LoadedModel
from emsteer.models.bf16 import (
    Float32Matmuls,
    _Float32Weights,
    bf16_kernels,
    bf16_matmuls,
    emulate_bf16_matmuls,
    emulates_bf16,
    float32_weights,
)
from emsteer.steering import Magnitude, SteeringVector
from emsteer.training.objective import batch_nll, encode_examples, group_backward, make_batches

from tiny import as_bf16, fruit_examples


def native_bf16(lm: LoadedModel, monkeypatch) -> LoadedModel:
    """A bf16 copy on torch's bf16 kernels, whatever this CPU has (the mode is installed on load
    where bf16 is slow)."""
    with monkeypatch.context() as m:
        m.setattr(bf16_module, "fast_bf16_cpu", lambda: True)
        return as_bf16(lm)


def count_copy_reads(monkeypatch) -> tuple[list[bool], list[int]]:
    """From now on, each lookup of a float32 copy records whether a copy served it and how many
    copies were held then."""
    hits: list[bool] = []
    copies: list[int] = []
    original_get = _Float32Weights.get

    def counting(self, t):
        found = original_get(self, t)
        hits.append(found is not None)
        copies.append(len(self.copies))
        return found

    monkeypatch.setattr(_Float32Weights, "get", counting)
    return hits, copies


@pytest.mark.parametrize("op", ["mm", "addmm", "bmm", "baddbmm", "linear", "matmul"])
def test_products_are_float32_products_rounded_once(op):
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(3, 64, 1024, generator=g), torch.randn(3, 1024, 256, generator=g)
    bias = torch.randn(256, generator=g)
    run = {"mm": lambda a, b, c: a[0] @ b[0], "addmm": lambda a, b, c: torch.addmm(c, a[0], b[0]),
           "bmm": lambda a, b, c: torch.bmm(a, b), "baddbmm": lambda a, b, c: torch.baddbmm(c.expand(3, 64, 256), a, b),
           "linear": lambda a, b, c: torch.nn.functional.linear(a, b[0].T, c), "matmul": lambda a, b, c: a @ b}[op]
    half = [t.bfloat16() for t in (a, b, bias)]
    expected = run(*[t.float() for t in half]).bfloat16()  # exact bf16 inputs, float32 sums, one rounding
    native = run(*half)
    with Float32Matmuls():
        assert torch.equal(run(*half), expected)
    with torch.inference_mode(), Float32Matmuls():  # where linear reaches the mode whole
        assert torch.equal(run(*half), expected)
    # and bf16 kernels give the same numbers up to the order of the sums: each result is within one
    # bf16 rounding (2^-8 relative) of the exact sum, so two differ by at most 2^-7 of the sum of |terms|
    terms = run(*[t.float().abs() for t in half])
    assert torch.all((native.float() - expected.float()).abs() <= terms * 2.0**-7)
    with Float32Matmuls():  # float32 products pass through untouched
        assert torch.equal(run(a, b, bias), run(a, b, bias)) and run(a, b, bias).dtype == torch.float32


def test_installed_only_on_bf16_weights_unless_forced(tiny, monkeypatch):
    assert not emulate_bf16_matmuls(tiny.model)  # float32
    fast = native_bf16(tiny, monkeypatch)
    assert not fast.model._forward_pre_hooks
    assert emulate_bf16_matmuls(fast.model, force=True)
    assert emulate_bf16_matmuls(fast.model, force=True)  # once: a second call installs nothing more
    assert len(fast.model._forward_pre_hooks) == 1


def test_forward_and_backward_under_the_mode_match_bf16_kernels(tiny, tmp_path, monkeypatch):
    native, wide = native_bf16(tiny, monkeypatch), native_bf16(tiny, monkeypatch)
    assert not native.model._forward_pre_hooks
    assert emulate_bf16_matmuls(wide.model, force=True)
    seen = []
    original = Float32Matmuls.__torch_dispatch__

    def counting(self, func, types, args=(), kwargs=None):
        seen.append(func)
        return original(self, func, types, args, kwargs)

    batch = make_batches(encode_examples(native, fruit_examples(tmp_path, ['apple', 'pear plum', 'fig', 'kiwi melon lime']), max_length=64), range(4), 4, pad_token_id(native.tokenizer))[0]
    for lm in (native, wide):
        lm.model.get_input_embeddings().weight.requires_grad_(True)
    a, _ = batch_nll(native, batch)
    try:
        Float32Matmuls.__torch_dispatch__ = counting
        b, _ = batch_nll(wide, batch)
        assert any(f.name().startswith("aten::mm") or "addmm" in f.name() for f in seen)  # forward ran under it
        seen.clear()
        group_backward(wide, [batch])
        assert seen  # and the backward pass too
    finally:
        Float32Matmuls.__torch_dispatch__ = original
    assert torch.allclose(a.float(), b.float(), rtol=2e-2)
    group_backward(native, [batch])
    ga = native.model.get_input_embeddings().weight.grad.float()
    gb = wide.model.get_input_embeddings().weight.grad.float()
    assert float((ga - gb).norm() / ga.norm()) < 0.05
    # outside a forward or backward pass no mode is left behind; float32 models get none
    assert _get_current_dispatch_mode() is None
    assert not isinstance(bf16_matmuls(tiny.model), Float32Matmuls)
    assert isinstance(bf16_matmuls(wide.model), Float32Matmuls)


def test_bf16_kernels_set_the_mode_aside_for_a_block(tiny, monkeypatch):
    native, wide = native_bf16(tiny, monkeypatch), native_bf16(tiny, monkeypatch)
    assert not emulates_bf16(native.model) and not emulates_bf16(tiny.model)
    emulate_bf16_matmuls(wide.model, force=True)
    assert emulates_bf16(wide.model)
    ids = torch.tensor([[5, 9, 2, 7, 3, 11, 4, 8]])
    calls = []
    original = Float32Matmuls.__torch_dispatch__

    def counting(self, func, types, args=(), kwargs=None):
        calls.append(func)
        return original(self, func, types, args, kwargs)

    monkeypatch.setattr(Float32Matmuls, "__torch_dispatch__", counting)
    with bf16_kernels(wide.model):
        with bf16_kernels(wide.model):  # blocks nest
            assert not emulates_bf16(wide.model)
        assert not emulates_bf16(wide.model)
        assert not isinstance(bf16_matmuls(wide.model), Float32Matmuls)
        aside = wide.model(input_ids=ids).logits
    assert not calls  # the block's forward pass ran no product through the mode ...
    assert torch.equal(aside, native.model(input_ids=ids).logits)  # ... but on torch's bf16 kernels
    assert emulates_bf16(wide.model) and "_emsteer_bf16_kernels" not in wide.model.__dict__
    wide.model(input_ids=ids)
    assert calls  # and after it, through the mode again
    with bf16_kernels(tiny.model):  # a model without the mode: nothing to set aside
        assert not emulates_bf16(tiny.model)


def test_a_forward_pass_that_raises_leaves_no_mode_behind(tiny, monkeypatch):
    wide = native_bf16(tiny, monkeypatch)
    emulate_bf16_matmuls(wide.model, force=True)

    def stop(module, args, output):
        raise RuntimeError("stop here")

    handle = wide.layers[0].register_forward_hook(stop)
    with pytest.raises(RuntimeError, match="stop here"):
        wide.model(input_ids=torch.tensor([[1, 2, 3]]))
    handle.remove()
    assert _get_current_dispatch_mode() is None
    # a deep copy (a merged LoRA model) keeps the mode and still runs
    twin = copy.deepcopy(wide.model)
    assert twin(input_ids=torch.tensor([[1, 2, 3]])).logits.dtype == torch.bfloat16
    assert _get_current_dispatch_mode() is None


def test_decoding_on_float32_copies_of_the_weights_gives_the_same_tokens(tiny, monkeypatch):
    wide = native_bf16(tiny, monkeypatch)
    emulate_bf16_matmuls(wide.model, force=True)
    hits, copies = count_copy_reads(monkeypatch)
    vector = SteeringVector({1: torch.randn(wide.hidden_size, generator=torch.Generator().manual_seed(0))})
    asks = [GenerationRequest(f"question {i}", seed=i, magnitudes=(Magnitude.absolute(2.0) if i % 2 else None,))
            for i in range(6)]
    cfg = SamplingConfig(max_new_tokens=12, batch_size=4, temperature=1.0, ignore_eos=True)
    cached = generate(wide, asks, cfg, steering=[vector], progress=False)
    assert any(hits) and 0 < max(copies) <= sum(p.dtype == torch.bfloat16 for p in wide.model.parameters())  # one copy a weight
    assert not wide.model.__dict__["_emsteer_float32_weights"].copies  # and freed when generate ended
    hits.clear()
    monkeypatch.setattr(hf_generation, "float32_weights", lambda model: nullcontext())
    widened = generate(wide, asks, cfg, steering=[vector], progress=False)
    assert not any(hits)  # outside the block every product widens its operands
    assert [c.token_ids for c in cached] == [c.token_ids for c in widened]  # the same numbers: the same tokens


def test_float32_copies_serve_only_views_that_start_at_a_weight(tiny, monkeypatch):
    wide = native_bf16(tiny, monkeypatch)
    emulate_bf16_matmuls(wide.model, force=True)
    weight = wide.layers[0].mlp.down_proj.weight
    weights = wide.model.__dict__["_emsteer_float32_weights"]
    parent = torch.nn.ModuleDict({"inner": wide.model})  # as a PEFT wrapper holds the model
    with float32_weights(parent):
        assert torch.equal(weights.get(weight.t()), weight.t().float())
        assert weights.get(weight[1:]) is None  # a view starting elsewhere is widened as it is
        assert weights.get(weight.detach().clone()) is None  # so is any other tensor
        assert copy.deepcopy(wide.model).__dict__["_emsteer_float32_weights"].copies == {}  # a copy has its own weights
    assert weights.get(weight) is None and not weights.copies


def test_products_use_the_copies_and_follow_edits_of_the_weights(tiny, monkeypatch):
    wide = native_bf16(tiny, monkeypatch)
    emulate_bf16_matmuls(wide.model, force=True)
    lin = wide.layers[0].mlp.down_proj
    weights = wide.model.__dict__["_emsteer_float32_weights"]
    x = torch.randn(4, lin.in_features, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    with float32_weights(wide.model), Float32Matmuls(weights), torch.no_grad():
        before = lin(x)
        (at,) = weights.copies  # one copy, and the product reads it: spoil the copy, the product changes
        weights.copies[at][1].zero_()
        assert not lin(x).any()
        lin.weight.mul_(2)  # an in-place edit: copied again
        assert torch.equal(lin(x), (before.float() * 2).to(torch.bfloat16))
        old = lin.weight.data
        lin.weight.data = old.clone()  # the storage replaced: the old address is not served any more
        assert weights.get(old) is None and weights.get(lin.weight) is None
        assert torch.equal(lin(x), (before.float() * 2).to(torch.bfloat16))


def test_nested_blocks_keep_the_copies_until_the_outermost_ends(tiny, monkeypatch):
    wide = native_bf16(tiny, monkeypatch)
    emulate_bf16_matmuls(wide.model, force=True)
    weight = wide.layers[0].mlp.down_proj.weight
    weights = wide.model.__dict__["_emsteer_float32_weights"]
    trims = []
    monkeypatch.setattr(bf16_module, "release_freed_memory", lambda: bool(trims.append(1)))
    with float32_weights(wide.model):
        first = weights.get(weight)
        with float32_weights(wide.model):
            assert weights.get(weight).data_ptr() == first.data_ptr()
        assert weights.copies and not trims  # the inner block left them
    assert not weights.copies and trims == [1]  # the outer one dropped them and trimmed the heap


def test_training_widens_the_frozen_weights_once_and_trains_the_same_adapter(tiny, tmp_path, monkeypatch):
    from safetensors.torch import load_file

    import emsteer.training.objective as objective
    from emsteer.finetune import train_lora

    wide = native_bf16(tiny, monkeypatch)
    emulate_bf16_matmuls(wide.model, force=True)
    examples = fruit_examples(tmp_path, ["apple", "pear plum", "fig", "kiwi melon lime", "date", "lemon"])
    hits, copies = count_copy_reads(monkeypatch)
    kw = dict(rank=4, alpha=8, epochs=1, lr=1e-2, batch_size=2, grad_accum=2, checkpoint_every=0, progress=False)
    cached = train_lora(wide, examples, output_dir=tmp_path / "cached", **kw)
    frozen = sum(p.dtype == torch.bfloat16 for p in wide.model.parameters())
    assert any(hits) and 0 < max(copies) <= frozen  # the weights' products read copies, one a weight
    assert not wide.model.__dict__["_emsteer_float32_weights"].copies  # dropped when training ended
    hits.clear()
    monkeypatch.setattr(objective, "float32_weights", lambda model: nullcontext())
    widened = train_lora(wide, examples, output_dir=tmp_path / "widened", **kw)
    assert not any(hits)  # every product widened its operands
    a = load_file(str(cached.path / "adapter_model.safetensors"))
    b = load_file(str(widened.path / "adapter_model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)  # the same numbers: the same adapter
    assert cached.loss_curve.step == widened.loss_curve.step
