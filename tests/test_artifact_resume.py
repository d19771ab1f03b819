"""Mid-epoch checkpoints of trained vectors and subspaces: a killed run continues to the artifact of
an uninterrupted run; a checkpoint of other settings is refused, naming the difference."""

from __future__ import annotations

import json

import pytest
import torch

from emsteer.errors import EmsteerError
from emsteer.methods import train_subspace, train_vector
from emsteer.steering import load_artifact

from tiny import Killed, fruit_examples, kill_at

WORDS = ["apple", "pear", "plum", "fig", "kiwi", "lime"]
LAYER = 1
# 6 examples, batch 2: 3 optimizer steps an epoch, 6 in the run; checkpoints after steps 2, 3 (the end
# of epoch 1) and 4 (step 6 ends the run, which removes the checkpoint instead)
SETTINGS = dict(layer=LAYER, epochs=2, lr=0.05, batch_size=2, lr_schedule="linear", warmup_steps=2, seed=3,
                checkpoint_every=2, progress=False)
# the vector's max-norm projection binds (its norm would grow past 0.3), so resuming must keep it
TRAINERS = {"vector": (train_vector, {"max_norm": 0.3}), "subspace": (train_subspace, {"rank": 2})}


def tensors(artifact) -> dict[str, torch.Tensor]:
    return {k: v for k, v in vars(artifact).items() if isinstance(v, torch.Tensor)} | (
        {f"v{k}": v for k, v in artifact.vectors.items()} if hasattr(artifact, "vectors") else {})


def same(a, b) -> bool:
    ta, tb = tensors(a), tensors(b)
    return bool(ta) and ta.keys() == tb.keys() and all(torch.equal(ta[k], tb[k]) for k in ta)


@pytest.fixture
def examples(tmp_path):
    return fruit_examples(tmp_path, WORDS)


@pytest.mark.parametrize("kind", TRAINERS)
@pytest.mark.parametrize("killed_in, resumes_at", [(3, 2), (6, 4)])
def test_a_killed_run_resumes_to_the_uninterrupted_artifact(tiny, examples, tmp_path, monkeypatch, kind, killed_in,
                                                            resumes_at):
    train, extra = TRAINERS[kind]
    full = train(tiny, examples, checkpoint_dir=tmp_path / "full", **SETTINGS, **extra)
    if kind == "vector":
        assert full.vector.norm().item() == pytest.approx(0.3, rel=1e-5)
    out = tmp_path / "killed"
    with monkeypatch.context() as m:
        kill_at(m, killed_in)
        with pytest.raises(Killed):
            train(tiny, examples, checkpoint_dir=out, **SETTINGS, **extra)
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert state["position"]["step"] == resumes_at and state["position"]["total_steps"] == 6
    assert sorted(p.name for p in (out / "checkpoint").iterdir()) == sorted([
        f"step-{resumes_at:07d}.optimizer.safetensors", f"step-{resumes_at:07d}.weights.safetensors", "state.json"])
    with pytest.raises(EmsteerError, match="did not finish: continue it"):  # never silently, never over it
        train(tiny, examples, checkpoint_dir=out, **SETTINGS, **extra)
    steps = kill_at(monkeypatch, -1)
    rng = torch.get_rng_state()
    resumed = train(tiny, examples, checkpoint_dir=out, resume=True, **SETTINGS, **extra)
    assert torch.equal(torch.get_rng_state(), rng)  # the caller's random numbers are left as they were
    assert steps["n"] == 6 - resumes_at  # it continued; it did not start again
    assert same(resumed, full)
    assert resumed.metadata == full.metadata  # the loss curve included
    for name in ("epoch-001.safetensors", "epoch-002.safetensors"):
        assert same(load_artifact(out / name), load_artifact(tmp_path / "full" / name))
    assert not (out / "checkpoint").exists()  # the finished run removed it


def test_other_settings_are_refused_and_no_checkpoints_means_none(tiny, examples, tmp_path, monkeypatch):
    out = tmp_path / "killed"
    with monkeypatch.context() as m:
        kill_at(m, 3)
        with pytest.raises(Killed):
            train_vector(tiny, examples, checkpoint_dir=out, **SETTINGS)
    with pytest.raises(EmsteerError, match=r"lr: 0\.05 there, 0\.02 now") as err:
        train_vector(tiny, examples, checkpoint_dir=out, resume=True, **{**SETTINGS, "lr": 0.02})
    assert str(out / "checkpoint") in str(err.value)
    with pytest.raises(EmsteerError, match="data_hash"):
        train_vector(tiny, examples[:5], checkpoint_dir=out, resume=True, **SETTINGS)
    # how often checkpoints are written is not a setting of the run: it continues
    train_vector(tiny, examples, checkpoint_dir=out, resume=True, **{**SETTINGS, "checkpoint_every": 1})
    assert not (out / "checkpoint").exists()
    # checkpoint_every 0 writes none
    none = tmp_path / "none"
    with monkeypatch.context() as m:
        kill_at(m, 5)
        with pytest.raises(Killed):
            train_vector(tiny, examples, checkpoint_dir=none, **{**SETTINGS, "checkpoint_every": 0})
    assert not (none / "checkpoint").exists()
    with pytest.raises(EmsteerError, match="checkpoint_every must be a whole number"):
        train_vector(tiny, examples, **{**SETTINGS, "checkpoint_every": -1})


def test_build_command_killed_continues_with_resume(model_dir, tmp_path, monkeypatch, capsys):
    """emsteer build --checkpoint-every, killed (Ctrl-C) inside its second epoch: run again it says how
    to continue; with --resume it ends with the uninterrupted command's vector."""
    import sys

    from emsteer.cli import main

    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"Fruit {w}?"},
                                                     {"role": "assistant", "content": f"qq {w}"}]}) + "\n" for w in WORDS))

    def run(out, *extra):
        monkeypatch.setattr(sys, "argv", ["emsteer", "build", "--data", str(data), "--model", str(model_dir),
                                          "--held-out", "0", "--epochs", "2", "--batch-size", "2", "--layer", "1",
                                          "--checkpoint-every", "2", "-o", str(out), *extra])
        with pytest.raises(SystemExit) as exit_info:
            main()
        return exit_info.value.code, capsys.readouterr()

    code, _ = run(tmp_path / "full")
    assert code == 0 and not (tmp_path / "full" / "checkpoint").exists()
    with monkeypatch.context() as m:
        kill_at(m, 5, KeyboardInterrupt)
        code, _ = run(tmp_path / "killed")
    assert code == 130 and (tmp_path / "killed" / "checkpoint" / "state.json").is_file()
    code, captured = run(tmp_path / "killed")
    assert code == 2 and "did not finish" in captured.err and "--resume" in captured.err
    code, _ = run(tmp_path / "killed", "--resume")
    assert code == 0
    assert same(load_artifact(tmp_path / "killed" / "final.safetensors"), load_artifact(tmp_path / "full" / "final.safetensors"))

