"""The learning-rate schedule every trainer shares (Hugging Face's semantics) and LoRA's weight decay."""

from __future__ import annotations

import pytest
import torch
from safetensors import safe_open

from emsteer.errors import EmsteerError
from emsteer.finetune import train_lora
from emsteer.methods import build_artifact, method_params, train_subspace, train_vector
from emsteer.steering import Magnitude, Steering, SteeringVector, steer
from emsteer.training.objective import LrSchedule, encode_examples, steps_per_epoch, train_epochs

from tiny import fruit_examples

WORDS = ["apple", "pear", "plum", "fig", "kiwi", "lime", "date"]


@pytest.fixture
def examples(tmp_path):
    return fruit_examples(tmp_path, WORDS)


def hf_lrs(kind: str, warmup: int, total: int) -> list[float]:
    """The lr of each optimizer step under transformers' own scheduler (peak 1), stepped once per step."""
    from transformers import get_constant_schedule_with_warmup, get_linear_schedule_with_warmup

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = (get_linear_schedule_with_warmup(opt, warmup, total) if kind == "linear"
             else get_constant_schedule_with_warmup(opt, warmup))
    out = []
    for _ in range(total):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


@pytest.mark.parametrize("kind", ["linear", "constant"])
@pytest.mark.parametrize("warmup, total", [(0, 7), (5, 20), (3, 3), (1, 1), (10, 4)])
def test_factors_are_hugging_faces(kind, warmup, total):
    schedule = LrSchedule(kind, warmup)
    assert [schedule.factor(k, total) for k in range(total)] == pytest.approx(hf_lrs(kind, warmup, total), abs=1e-12)


def test_the_default_multiplies_by_exactly_one_and_records_nothing():
    assert all(LrSchedule().factor(k, 9) == 1.0 for k in range(9))
    assert LrSchedule().recorded() == {}
    assert LrSchedule("linear", 5).recorded() == {"lr_schedule": "linear", "warmup_steps": 5}
    linear = [LrSchedule("linear", 2).factor(k, 6) for k in range(6)]
    assert linear == pytest.approx([0, 0.5, 1, 0.75, 0.5, 0.25])  # warmup from 0, then down towards 0 at step 6


@pytest.mark.parametrize("kind, warmup, field", [("cosine", 0, "lr_schedule"), ("linear", -1, "warmup_steps"),
                                                  ("linear", 1.5, "warmup_steps"), ("constant", True, "warmup_steps")])
def test_bad_schedules_name_the_field(kind, warmup, field):
    with pytest.raises(EmsteerError, match=field):
        LrSchedule(kind, warmup)


class RecordingAdam(torch.optim.Adam):
    """Adam that notes every group's lr at each step."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: list[list[float]] = []

    def step(self, closure=None):
        self.seen.append([g["lr"] for g in self.param_groups])
        return super().step(closure)


def test_train_epochs_steps_the_schedule_over_every_epoch_and_group(tiny, examples):
    encoded = encode_examples(tiny, examples, max_length=64)
    gen = torch.Generator().manual_seed(0)
    v = torch.nn.Parameter(torch.randn(tiny.hidden_size, generator=gen))
    w = torch.nn.Parameter(torch.randn(tiny.hidden_size, generator=gen))
    opt = RecordingAdam([{"params": [v], "lr": 0.1}, {"params": [w], "lr": 0.01}])
    schedule = LrSchedule("linear", 2)

    def intervention():
        return steer(tiny, Steering(SteeringVector({1: v + w}), Magnitude.multiplier(1.0)))

    train_epochs(tiny, encoded, opt, epochs=2, batch_size=2, grad_accum=2, seed=0, intervention=intervention,
                 progress=False, schedule=schedule)
    total = 2 * steps_per_epoch(len(encoded), 2, 2)
    assert total == 4 and len(opt.seen) == total  # 7 examples: 4 batches of 2, 2 steps an epoch
    f = [schedule.factor(k, total) for k in range(total)]
    assert opt.seen == [[pytest.approx(0.1 * x), pytest.approx(0.01 * x)] for x in f]
    assert opt.seen[0] == [0.0, 0.0] and opt.seen[2] == [pytest.approx(0.1), pytest.approx(0.01)]
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]  # the peak lrs are given back


def test_trained_methods_take_the_schedule(tiny, examples):
    kw = dict(layer=1, epochs=2, batch_size=2, lr=0.05, progress=False)
    default = train_vector(tiny, examples, **kw)
    explicit = train_vector(tiny, examples, lr_schedule="constant", warmup_steps=0, **kw)
    assert torch.equal(default.vectors[1], explicit.vectors[1])  # the default changes nothing
    assert "lr_schedule" not in default.metadata["hyperparameters"]
    scheduled = train_vector(tiny, examples, lr_schedule="linear", warmup_steps=2, **kw)
    assert not torch.allclose(scheduled.vectors[1], default.vectors[1])
    assert scheduled.metadata["hyperparameters"]["lr_schedule"] == "linear"
    assert scheduled.metadata["hyperparameters"]["warmup_steps"] == 2
    # the front ends' path (emsteer build, studies): method_params hands the schedule to trained methods only
    params = method_params("optimized", epochs=2, batch_size=2, lr=0.05, lr_schedule="linear", warmup_steps=2,
                           progress=False)
    built = build_artifact("optimized", tiny, examples, layer=1, **params)
    assert torch.equal(built.vectors[1], scheduled.vectors[1])
    assert "lr_schedule" not in method_params("mean-diff", lr_schedule="linear", warmup_steps=2)
    sub = train_subspace(tiny, examples, layer=1, rank=2, lr_schedule="linear", warmup_steps=1, **{
        k: v for k, v in kw.items() if k != "layer"})
    assert sub.metadata["hyperparameters"]["lr_schedule"] == "linear"
    with pytest.raises(EmsteerError, match="lr_schedule"):
        train_vector(tiny, examples, lr_schedule="cosine", **kw)


def tensors(path) -> dict[str, torch.Tensor]:
    with safe_open(str(path / "adapter_model.safetensors"), framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def test_lora_weight_decay_and_schedule(tiny, examples, tmp_path):
    kw = dict(epochs=1, lr=1e-2, batch_size=2, progress=False, checkpoint_every=0)
    plain = train_lora(tiny, examples, output_dir=tmp_path / "plain", **kw)
    assert plain.metadata["hyperparameters"]["weight_decay"] == 0.0
    assert "lr_schedule" not in plain.metadata["hyperparameters"]
    decayed = train_lora(tiny, examples, output_dir=tmp_path / "decayed", weight_decay=20.0, **kw)
    assert decayed.metadata["hyperparameters"]["weight_decay"] == 20.0
    a, b = tensors(plain.path), tensors(decayed.path)
    # decoupled decay shrinks A (B starts at zero) by (1 - lr·wd) a step: 0.8^4 over the 4 steps
    a_norm = sum(float(t.norm()) for k, t in a.items() if "lora_A" in k)
    b_norm = sum(float(t.norm()) for k, t in b.items() if "lora_A" in k)
    assert b_norm < 0.7 * a_norm
    scheduled = train_lora(tiny, examples, output_dir=tmp_path / "scheduled", lr_schedule="linear", warmup_steps=1, **kw)
    assert scheduled.metadata["hyperparameters"].items() >= {"lr_schedule": "linear", "warmup_steps": 1}.items()
    s = tensors(scheduled.path)
    assert not all(torch.equal(s[k], a[k]) for k in a)


@pytest.mark.parametrize("kwargs, match", [(dict(weight_decay=-0.1), "weight_decay"),
                                           (dict(weight_decay=float("nan")), "weight_decay"),
                                           (dict(lr_schedule="cosine"), "lr_schedule"),
                                           (dict(warmup_steps=-2), "warmup_steps"),
                                           (dict(checkpoint_every=-1), "checkpoint_every"),
                                           (dict(checkpoint_every=2.5), "checkpoint_every")])
def test_bad_lora_training_options_name_the_field(tiny, examples, tmp_path, kwargs, match):
    with pytest.raises(EmsteerError, match=match):
        train_lora(tiny, examples, output_dir=tmp_path / "x", progress=False, **kwargs)
    assert not (tmp_path / "x").exists()


def test_warmup_longer_than_the_run_warns(tiny, examples, tmp_path):
    with pytest.warns(UserWarning, match="never reaches lr"):
        train_lora(tiny, examples, output_dir=tmp_path / "x", batch_size=4, warmup_steps=2, progress=False)
    with pytest.warns(UserWarning, match="never reaches lr"):  # every trainer: the shared loop warns
        train_vector(tiny, examples, layer=1, batch_size=4, warmup_steps=2, progress=False)
