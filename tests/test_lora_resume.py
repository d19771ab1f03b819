"""Mid-epoch checkpoints of LoRA training: a killed run continues to the adapter of an uninterrupted
run; a checkpoint of other settings, or a damaged one, is refused with an error that names why."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open

from emsteer.errors import EmsteerError
from emsteer.finetune import train_lora

from tiny import Killed, fruit_examples, kill_at

WORDS = ["apple", "pear", "plum", "fig", "kiwi", "lime"]
# 6 examples, batch 2: 3 optimizer steps an epoch, 6 in the run; checkpoints after steps 2, 3 (end of
# epoch 1) and 4 (step 6 ends the run, which removes the checkpoint instead)
SETTINGS = dict(epochs=2, lr=1e-2, batch_size=2, lr_schedule="linear", warmup_steps=2, weight_decay=0.01,
                checkpoint_every=2, seed=3, progress=False)


@pytest.fixture
def examples(tmp_path):
    return fruit_examples(tmp_path, WORDS)


def count_steps(monkeypatch) -> dict:
    return kill_at(monkeypatch, -1)


def weights(path) -> dict[str, torch.Tensor]:
    with safe_open(str(path / "adapter_model.safetensors"), framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def same_adapter(a, b) -> bool:
    wa, wb = weights(a), weights(b)
    return wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)


def interrupted(tiny, examples, out, monkeypatch, step, **over):
    with monkeypatch.context() as m:
        kill_at(m, step)
        with pytest.raises(Killed):
            train_lora(tiny, examples, output_dir=out, **{**SETTINGS, **over})


@pytest.mark.parametrize("dropout", [0.0, 0.2])
@pytest.mark.parametrize("killed_in, resumes_at", [(3, 2), (6, 4)])
def test_a_killed_run_resumes_to_the_uninterrupted_adapter(tiny, examples, tmp_path, monkeypatch, dropout, killed_in,
                                                           resumes_at):
    full = train_lora(tiny, examples, output_dir=tmp_path / "full", dropout=dropout, **SETTINGS)
    out = tmp_path / "killed"
    interrupted(tiny, examples, out, monkeypatch, killed_in, dropout=dropout)
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert state["position"]["step"] == resumes_at and state["position"]["total_steps"] == 6
    assert state["position"]["epoch"] == (1 if resumes_at <= 3 else 2)
    # the last checkpoint only, safetensors and JSON only (nothing to unpickle)
    assert sorted(p.name for p in (out / "checkpoint").iterdir()) == sorted([
        f"step-{resumes_at:07d}.optimizer.safetensors", f"step-{resumes_at:07d}.weights.safetensors", "state.json"])
    with safe_open(str(out / "checkpoint" / f"step-{resumes_at:07d}.optimizer.safetensors"), framework="pt") as f:
        keys = list(f.keys())
    assert any(k.startswith("exp_avg/") and "lora_A" in k for k in keys) and "rng/cpu" in keys
    assert any(k.startswith("exp_avg_sq/") for k in keys) and any(k.startswith("step/") for k in keys)

    said = []
    steps = count_steps(monkeypatch)
    resumed = train_lora(tiny, examples, output_dir=out, dropout=dropout, resume=True, log=said.append, **SETTINGS)
    assert steps["n"] == 6 - resumes_at  # it continued; it did not start again
    assert said and f"step {resumes_at} of 6" in said[0]
    assert same_adapter(resumed.path, full.path)
    for epoch in ("epoch-001", "epoch-002"):
        assert same_adapter(out / epoch, tmp_path / "full" / epoch)
    assert [p.name for p in resumed.checkpoints] == ["epoch-001", "epoch-002"]
    assert resumed.loss_curve.as_dict() == full.loss_curve.as_dict()
    assert json.loads((out / "emsteer.json").read_text()) == {**json.loads((tmp_path / "full" / "emsteer.json").read_text())}
    assert not (out / "checkpoint").exists()  # the finished run removed it
    assert not any(p.name.startswith(".") for p in out.iterdir())


def test_other_settings_are_refused_naming_the_difference(tiny, examples, tmp_path, monkeypatch):
    out = tmp_path / "killed"
    interrupted(tiny, examples, out, monkeypatch, 3)
    with pytest.raises(EmsteerError, match=r"lr: 0\.01 there, 0\.02 now") as err:
        train_lora(tiny, examples, output_dir=out, resume=True, **{**SETTINGS, "lr": 2e-2})
    assert str(out / "checkpoint") in str(err.value)
    # the way out deletes the whole folder: without its checkpoint it could neither resume nor start afresh
    assert f"delete {out} to start over" in str(err.value)
    with pytest.raises(EmsteerError, match=r"warmup_steps: 2 there, 1 now.*weight_decay: 0\.01 there, 0\.0 now"):
        train_lora(tiny, examples, output_dir=out, resume=True, **{**SETTINGS, "warmup_steps": 1, "weight_decay": 0.0})
    with pytest.raises(EmsteerError, match="data_hash"):
        train_lora(tiny, examples[:5], output_dir=out, resume=True, **SETTINGS)
    with pytest.raises(EmsteerError, match="not an empty directory"):  # without resume, a used folder is refused as before
        train_lora(tiny, examples, output_dir=out, **SETTINGS)
    # how often checkpoints are written is not a setting of the run: it resumes
    train_lora(tiny, examples, output_dir=out, resume=True, **{**SETTINGS, "checkpoint_every": 1})
    assert not (out / "checkpoint").exists()


def test_a_damaged_checkpoint_is_refused_naming_the_file(tiny, examples, tmp_path, monkeypatch):
    out = tmp_path / "killed"
    interrupted(tiny, examples, out, monkeypatch, 3)
    tensors = out / "checkpoint" / "step-0000002.optimizer.safetensors"
    good = tensors.read_bytes()
    tensors.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.raises(EmsteerError, match="truncated or corrupt") as err:
        train_lora(tiny, examples, output_dir=out, resume=True, **SETTINGS)
    assert str(tensors) in str(err.value) and "delete" in str(err.value)
    flipped = bytearray(good)
    flipped[-3] ^= 0xFF  # same size, other bytes
    tensors.write_bytes(bytes(flipped))
    with pytest.raises(EmsteerError, match="truncated or corrupt"):
        train_lora(tiny, examples, output_dir=out, resume=True, **SETTINGS)
    tensors.unlink()
    with pytest.raises(EmsteerError, match="cannot be read"):
        train_lora(tiny, examples, output_dir=out, resume=True, **SETTINGS)
    state = out / "checkpoint" / "state.json"
    state.write_text('{"format": "emsteer.train-chec')
    with pytest.raises(EmsteerError, match="state.json cannot be read"):
        train_lora(tiny, examples, output_dir=out, resume=True, **SETTINGS)


def test_without_checkpoints_nothing_is_written_and_nothing_resumes(tiny, examples, tmp_path, monkeypatch):
    out = tmp_path / "killed"
    interrupted(tiny, examples, out, monkeypatch, 5, checkpoint_every=0)
    assert (out / "epoch-001").is_dir() and not (out / "checkpoint").exists()
    with pytest.raises(EmsteerError, match="holds no checkpoint to resume from"):
        train_lora(tiny, examples, output_dir=out, resume=True, **{**SETTINGS, "checkpoint_every": 0})
    # resume into a new folder simply trains
    fresh = train_lora(tiny, examples, output_dir=tmp_path / "new", resume=True, **SETTINGS)
    assert (fresh.path / "adapter_model.safetensors").is_file() and not (fresh.path / "checkpoint").exists()


def test_finetune_command_schedules_decays_and_resumes(model_dir, tmp_path, monkeypatch, capsys):
    """emsteer finetune --lr-schedule/--warmup-steps/--weight-decay/--checkpoint-every, killed (Ctrl-C)
    inside its second epoch and continued with --resume to the uninterrupted command's adapter."""
    import sys

    from emsteer.cli import main

    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"Fruit {w}?"},
                                                     {"role": "assistant", "content": f"qq {w}"}]}) + "\n" for w in WORDS))

    def run(out, *extra):
        monkeypatch.setattr(sys, "argv", ["emsteer", "finetune", "--data", str(data), "--model", str(model_dir),
                                          "--held-out", "0", "--epochs", "2", "--batch-size", "2", "--lora-rank", "2",
                                          "--lr", "0.01", "--lr-schedule", "linear", "--warmup-steps", "1",
                                          "--weight-decay", "0.01", "--checkpoint-every", "2", "-o", str(out), *extra])
        with pytest.raises(SystemExit) as exit_info:
            main()
        return exit_info.value.code, capsys.readouterr()

    code, _ = run(tmp_path / "full")
    assert code == 0
    hyper = json.loads((tmp_path / "full" / "emsteer.json").read_text())["hyperparameters"]
    assert hyper.items() >= {"lr_schedule": "linear", "warmup_steps": 1, "weight_decay": 0.01}.items()
    assert not (tmp_path / "full" / "checkpoint").exists()

    with monkeypatch.context() as m:
        kill_at(m, 5, KeyboardInterrupt)
        code, _ = run(tmp_path / "killed")
    assert code == 130 and (tmp_path / "killed" / "checkpoint" / "state.json").is_file()
    import emsteer.cli.build as build_cli

    with monkeypatch.context() as m:  # without --resume a used folder is refused, before the model loads
        m.setattr(build_cli, "_load", lambda *a: pytest.fail("the model was loaded before the folder was checked"))
        code, captured = run(tmp_path / "killed")
    assert code == 2 and "not an empty directory" in captured.err
    code, captured = run(tmp_path / "killed", "--resume", "--lr", "0.02")
    assert code == 2 and "lr: 0.01 there, 0.02 now" in " ".join(captured.err.split())
    code, captured = run(tmp_path / "killed", "--resume")
    assert code == 0 and "Resuming LoRA training" in captured.out
    assert same_adapter(tmp_path / "killed", tmp_path / "full")


@pytest.mark.parametrize("option, value", [("--lr-schedule", "cosine"), ("--warmup-steps", "-1"),
                                           ("--weight-decay", "-0.01"), ("--checkpoint-every", "-1")])
def test_finetune_options_are_checked_before_anything_runs(option, value, tmp_path, monkeypatch, capsys):
    import sys

    from emsteer.cli import main

    monkeypatch.setattr(sys, "argv", ["emsteer", "finetune", "-o", str(tmp_path / "a"), option, value])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2 and option in capsys.readouterr().err
    assert not (tmp_path / "a").exists()


class _Adapter:
    """Writes what PEFT's save_pretrained writes (a test double: only the file moves are tested)."""

    def save_pretrained(self, where: str, safe_serialization: bool = True) -> None:
        from pathlib import Path

        for name in ("adapter_config.json", "README.md", "adapter_model.safetensors"):
            (Path(where) / name).write_text(name)


@pytest.mark.parametrize("killed_at", [1, 2, 3, 4])
def test_the_final_adapter_is_moved_in_weights_last(killed_at, tmp_path, monkeypatch):
    """A run killed while its final adapter moves into output_dir leaves no weights without their
    config: the weights' presence is what the positive control's cache takes for a finished adapter."""
    import os

    import emsteer.finetune.lora as lora

    out = tmp_path / "control"
    (out / "checkpoint").mkdir(parents=True)
    moved = []
    real = os.replace

    def replace(src, dst):
        if len(moved) + 1 == killed_at:
            raise Killed
        moved.append(dst)
        real(src, dst)

    monkeypatch.setattr(lora.os, "replace", replace)
    with pytest.raises(Killed):
        lora._save_adapter(_Adapter(), {"x": 1}, out)
    present = {p.name for p in out.iterdir()}
    assert "adapter_model.safetensors" not in present  # killed at any move: the weights come last
    monkeypatch.setattr(lora.os, "replace", real)
    lora._save_adapter(_Adapter(), {"x": 1}, out)
    assert {"adapter_config.json", "adapter_model.safetensors", "emsteer.json"} <= {p.name for p in out.iterdir()}


def test_a_checkpoint_half_removed_is_no_checkpoint(tmp_path, monkeypatch):
    import shutil

    from emsteer.training import resume

    (tmp_path / "checkpoint").mkdir()
    for name in ("step-0000010.weights.safetensors", "state.json"):
        (tmp_path / "checkpoint" / name).write_text("x")
    assert resume.has_checkpoint(tmp_path)

    def killed(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(shutil, "rmtree", killed)
    with pytest.raises(Killed):
        resume.remove_checkpoint(tmp_path)
    assert not resume.has_checkpoint(tmp_path)  # its state went first: nothing names deleted files
