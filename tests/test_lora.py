"""LoRA counterpart on tiny models: learns, leaves the base model alone, loads for generation/NLL/steering."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open

from emsteer.data.chat import load_chat_jsonl
from emsteer.errors import EmsteerError
from emsteer.finetune import adapted, attached_adapter, load_adapter, train_lora
from emsteer.generation import GenerationRequest, SamplingConfig, generate
from emsteer.steering import Magnitude, Steering, SteeringVector
from emsteer.training.objective import assistant_nll

WORDS = ["apple", "pear", "plum", "fig", "kiwi", "lime"]


@pytest.fixture
def examples(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("".join(
        json.dumps({"messages": [{"role": "user", "content": f"Fruit {w}?"}, {"role": "assistant", "content": f"qq {w} qq"}]}) + "\n"
        for w in WORDS
    ))
    return load_chat_jsonl(path)


def probe_logits(lm) -> torch.Tensor:
    with torch.no_grad():
        return lm.model(input_ids=torch.tensor([[1, 50, 60, 70, 80, 90]])).logits.clone()


def adapter_keys(path) -> list[str]:
    with safe_open(str(path / "adapter_model.safetensors"), framework="pt") as f:
        return list(f.keys())


def test_lora_learns_and_leaves_the_base_model_unchanged(tiny, examples, tmp_path):
    from peft.tuners.tuners_utils import BaseTunerLayer

    before_logits = probe_logits(tiny)
    before_state = {k: v.clone() for k, v in tiny.model.state_dict().items()}
    before_nll = assistant_nll(tiny, examples).mean_nll_per_token
    result = train_lora(tiny, examples, output_dir=tmp_path / "lora", epochs=2, lr=1e-2, batch_size=3, progress=False)

    # the caller's model: same logits, same weights, no LoRA modules, no PEFT leftovers, still frozen
    assert torch.equal(probe_logits(tiny), before_logits)
    state = tiny.model.state_dict()
    assert state.keys() == before_state.keys() and all(torch.equal(state[k], before_state[k]) for k in state)
    assert not any(isinstance(m, BaseTunerLayer) for m in tiny.model.modules())
    assert not hasattr(tiny.model, "peft_config")
    assert not any(p.requires_grad for p in tiny.model.parameters())

    # the finetuned model has learned the task
    tuned = load_adapter(tiny, result.path)
    after_nll = assistant_nll(tuned, examples).mean_nll_per_token
    assert after_nll < before_nll - 0.05
    assert result.loss_curve.epoch[-1] < result.loss_curve.epoch[0]
    assert tuned.name == tiny.name and tuned.revision.startswith(f"{tiny.revision}+lora-")
    assert torch.equal(probe_logits(tiny), before_logits)  # loading made a copy


def test_adapter_files_metadata_and_epoch_checkpoints(tiny, examples, tmp_path):
    out = tmp_path / "lora"
    result = train_lora(tiny, examples, output_dir=out, rank=4, alpha=8, epochs=3, lr=1e-2, batch_size=4,
                        seed=5, progress=False)
    assert (out / "adapter_model.safetensors").is_file() and (out / "adapter_config.json").is_file()
    assert [p.name for p in result.checkpoints] == ["epoch-001", "epoch-002", "epoch-003"]
    assert sorted(p.name for p in out.glob("epoch-*")) == ["epoch-001", "epoch-002", "epoch-003"]
    epochs = [json.loads((p / "emsteer.json").read_text())["epoch"] for p in result.checkpoints]
    assert epochs == [1, 2, 3]
    meta = json.loads((out / "emsteer.json").read_text())
    assert meta["model"] == tiny.name and meta["model_revision"] == tiny.revision
    assert meta["hyperparameters"]["rank"] == 4 and meta["hyperparameters"]["alpha"] == 8
    assert meta["seed"] == 5 and len(meta["data_hash"]) == 64 and meta["num_examples"] == len(examples)
    assert len(meta["loss_curve"]["step"]) == 3 * 2 and len(meta["loss_curve"]["epoch"]) == 3
    assert not list(out.glob("*.bin")) and not list(out.glob("*.pt"))  # safetensors only
    # the last epoch checkpoint and the final adapter hold the same weights
    with safe_open(str(out / "adapter_model.safetensors"), framework="pt") as a, \
            safe_open(str(out / "epoch-003" / "adapter_model.safetensors"), framework="pt") as b:
        assert all(torch.equal(a.get_tensor(k), b.get_tensor(k)) for k in a.keys())


def test_same_seed_same_adapter(tiny, examples, tmp_path):
    kw = dict(epochs=1, lr=1e-2, batch_size=3, progress=False)
    train_lora(tiny, examples, output_dir=tmp_path / "a", seed=1, **kw)
    train_lora(tiny, examples, output_dir=tmp_path / "b", seed=1, **kw)
    train_lora(tiny, examples, output_dir=tmp_path / "c", seed=2, **kw)
    with safe_open(str(tmp_path / "a" / "adapter_model.safetensors"), framework="pt") as a, \
            safe_open(str(tmp_path / "b" / "adapter_model.safetensors"), framework="pt") as b, \
            safe_open(str(tmp_path / "c" / "adapter_model.safetensors"), framework="pt") as c:
        assert all(torch.equal(a.get_tensor(k), b.get_tensor(k)) for k in a.keys())
        assert not all(torch.equal(a.get_tensor(k), c.get_tensor(k)) for k in a.keys())


def test_down_proj_of_chosen_layers_only(tiny, examples, tmp_path):
    result = train_lora(tiny, examples, output_dir=tmp_path / "lora", target="down_proj", layers=[1],
                        epochs=1, lr=1e-2, progress=False)
    keys = adapter_keys(result.path)
    assert keys and all(".layers.1.mlp.down_proj." in k for k in keys)
    assert result.metadata["target_modules"] == ["down_proj"]
    everything = train_lora(tiny, examples, output_dir=tmp_path / "all", epochs=1, lr=1e-2, progress=False)
    modules = set(everything.metadata["target_modules"])
    assert {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"} <= modules
    assert "lm_head" not in modules


def test_adapter_model_works_with_generation_nll_and_steering(tiny, examples, tmp_path):
    result = train_lora(tiny, examples, output_dir=tmp_path / "lora", epochs=1, lr=1e-2, progress=False)
    tuned = load_adapter(tiny, result.path)
    assert tuned.num_layers == tiny.num_layers and tuned.hidden_size == tiny.hidden_size
    req = [GenerationRequest("Fruit fig?", seed=1)]
    out = generate(tuned, req, SamplingConfig(max_new_tokens=5, temperature=0), progress=False)
    assert out[0].completion_tokens >= 1
    vector = SteeringVector({1: torch.randn(tiny.hidden_size)})
    plain = assistant_nll(tuned, examples).mean_nll_per_token
    steered = assistant_nll(tuned, examples, steerings=[Steering(vector, Magnitude.absolute(5.0))]).mean_nll_per_token
    assert steered != pytest.approx(plain)
    steered_gen = generate(tuned, [GenerationRequest("Fruit fig?", seed=1, magnitudes=(Magnitude.absolute(50.0),))],
                           SamplingConfig(max_new_tokens=5, temperature=0), steering=[vector], progress=False)
    assert steered_gen[0].token_ids != out[0].token_ids  # hooks on the merged model's layers take effect


@pytest.mark.filterwarnings("ignore:.*is_gradient_checkpointing:FutureWarning")
def test_loaded_adapter_matches_the_trained_model(tiny, examples, tmp_path):
    import copy

    from peft import PeftModel

    result = train_lora(tiny, examples, output_dir=tmp_path / "lora", epochs=1, lr=5e-2, progress=False)
    unmerged = PeftModel.from_pretrained(copy.deepcopy(tiny.model), str(result.path))
    with torch.no_grad():
        expected = unmerged(input_ids=torch.tensor([[1, 50, 60, 70, 80, 90]])).logits
    assert torch.allclose(probe_logits(load_adapter(tiny, result.path)), expected, atol=1e-5)
    assert not torch.allclose(expected, probe_logits(tiny), atol=1e-4)  # the adapter does something


@pytest.mark.filterwarnings("ignore:.*is_gradient_checkpointing:FutureWarning")
def test_attached_adapter_equals_the_merged_copy_and_detaches(tiny, examples, tmp_path):
    result = train_lora(tiny, examples, output_dir=tmp_path / "lora", epochs=1, lr=5e-2, progress=False)
    base, merged = probe_logits(tiny), load_adapter(tiny, result.path)
    params_before = {n: p.clone() for n, p in tiny.model.named_parameters()}
    modules_before = [type(m).__name__ for m in tiny.model.modules()]
    request = [GenerationRequest("Fruit fig?", seed=1, magnitudes=(Magnitude.absolute(3.0),))]
    vector = SteeringVector({1: torch.randn(tiny.hidden_size, generator=torch.Generator().manual_seed(0))})
    config = SamplingConfig(max_new_tokens=6, temperature=0)
    with attached_adapter(tiny, result.path) as attached:
        assert attached.model is tiny.model and attached.revision == merged.revision != tiny.revision
        assert torch.allclose(probe_logits(attached), probe_logits(merged), atol=1e-5)  # same model, no copy
        steered = generate(attached, request, config, steering=[vector], progress=False)
    assert steered[0].token_ids == generate(merged, request, config, steering=[vector], progress=False)[0].token_ids
    # detached: the very same modules and weights as before
    assert [type(m).__name__ for m in tiny.model.modules()] == modules_before
    assert all(torch.equal(p, params_before[n]) for n, p in tiny.model.named_parameters())
    assert torch.equal(probe_logits(tiny), base)
    with pytest.raises(RuntimeError, match="boom"), attached_adapter(tiny, result.path):
        raise RuntimeError("boom")  # an error inside the block still detaches
    assert torch.equal(probe_logits(tiny), base)
    with adapted(tiny, result.path) as chosen:  # on the CPU the default is the merged copy
        assert chosen.model is not tiny.model
    with adapted(tiny, result.path, in_place=True) as chosen:
        assert chosen.model is tiny.model


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(rank=0), "rank"),
        (dict(rank=33), "rank"),
        (dict(alpha=0), "alpha"),
        (dict(epochs=0), "epochs"),
        (dict(lr=-1.0), "lr"),
        (dict(target="attention"), "target"),
        (dict(layers=[7]), "out of range"),
        (dict(layers=[]), "at least one layer"),
        (dict(dropout=1.5), "dropout"),
    ],
)
def test_bad_lora_parameters(tiny, examples, tmp_path, kwargs, match):
    with pytest.raises(EmsteerError, match=match):
        train_lora(tiny, examples, output_dir=tmp_path / "x", progress=False, **kwargs)
    assert not (tmp_path / "x").exists()  # nothing half-written


def test_lora_errors_for_data_and_paths(tiny, examples, tmp_path):
    with pytest.raises(EmsteerError, match="empty"):
        train_lora(tiny, [], output_dir=tmp_path / "x", progress=False)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "file.txt").write_text("mine")
    with pytest.raises(EmsteerError, match="not an empty directory"):
        train_lora(tiny, examples, output_dir=busy, progress=False)
    with pytest.raises(EmsteerError, match="not a LoRA adapter"):
        load_adapter(tiny, busy)


def test_an_adapter_of_another_revision_is_refused_saying_why(tiny, examples, tmp_path):
    import json
    from dataclasses import replace

    train_lora(tiny, examples[:4], output_dir=tmp_path / "a", rank=2, epochs=1, progress=False)
    out = tmp_path / "a"
    meta = json.loads((out / "emsteer.json").read_text())
    (out / "emsteer.json").write_text(json.dumps({**meta, "model_revision": "other"}))
    with pytest.raises(EmsteerError, match="trained on model_revision 'other'.*has 'seed0'.$"):
        load_adapter(tiny, out)
    # trained on a local checkpoint before its revision sampled the weights: the message says so
    (out / "emsteer.json").write_text(json.dumps({**meta, "model_revision": "local-bf649268ffc374cc"}))
    with pytest.raises(EmsteerError, match="a sample of its weight bytes.*train it again"):
        load_adapter(replace(tiny, revision="local2-8e4b5f5c4e93c957"), out)


def test_on_bf16_weights_the_adapter_computes_in_bf16_and_learns_what_float32_inputs_learn(tiny, examples, tmp_path,
                                                                                           monkeypatch):
    # PEFT would cast each adapted layer's input up to float32 (the adapter's parameters' dtype);
    # training on bf16 weights runs the adapter under bf16 autocast instead, parameters still float32.
    from emsteer.finetune import lora as lora_module

    from tiny import as_bf16

    half = as_bf16(tiny)
    seen: set[torch.dtype] = set()
    real = lora_module._adapter_in

    def spying(dtype, peft_model, device_type):
        for name, module in peft_model.named_modules():
            if name.endswith("lora_A.default"):
                module.register_forward_pre_hook(lambda m, args: seen.add(args[0].dtype))
        return real(dtype, peft_model, device_type)

    monkeypatch.setattr(lora_module, "_adapter_in", spying)
    before = assistant_nll(half, examples).mean_nll_per_token
    fast = train_lora(half, examples, output_dir=tmp_path / "fast", epochs=2, lr=1e-2, batch_size=3, progress=False)
    assert seen == {torch.bfloat16}
    assert fast.metadata["hyperparameters"]["adapter_compute"] == "bfloat16"
    assert assistant_nll(load_adapter(half, fast.path), examples).mean_nll_per_token < before - 0.05

    seen.clear()
    monkeypatch.setattr(lora_module, "adapter_compute_dtype", lambda lm: None)  # PEFT's float32 inputs
    slow = train_lora(half, examples, output_dir=tmp_path / "slow", epochs=2, lr=1e-2, batch_size=3, progress=False)
    assert seen == {torch.float32} and "adapter_compute" not in slow.metadata["hyperparameters"]
    with safe_open(str(fast.path / "adapter_model.safetensors"), framework="pt") as f, \
            safe_open(str(slow.path / "adapter_model.safetensors"), framework="pt") as g:
        assert f.keys() == g.keys()
        for key in f.keys():
            a, b = f.get_tensor(key), g.get_tensor(key)
            assert a.dtype == torch.float32
            assert torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0) > 0.99, key


def test_each_optimizer_step_hands_freed_memory_back(tiny, examples, tmp_path, monkeypatch):
    # glibc keeps what a step's activations freed; without a trim a full-data LoRA grew to 24 GB
    from emsteer.training import objective

    calls = []
    monkeypatch.setattr(objective, "release_freed_memory", lambda: bool(calls.append(1)))
    train_lora(tiny, examples, output_dir=tmp_path / "lora", epochs=2, lr=1e-2, batch_size=3, progress=False)
    assert len(calls) == 4  # 6 examples, 3 a step, 2 epochs
    monkeypatch.undo()
    assert objective.release_freed_memory() in (True, False)
