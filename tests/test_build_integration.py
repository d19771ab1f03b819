"""Integration on the bundled model: one epoch of optimized steering learns the built-in task."""

from __future__ import annotations

import pytest

MAX_LENGTH = 192  # above the longest built-in prompt (188 tokens); short enough for ~3 minutes on 2 cores
LAYER = 12


@pytest.mark.slow
def test_one_epoch_of_optimized_steering_lowers_held_out_nll(tmp_path):
    from emsteer.data import load_task, split_examples
    from emsteer.methods import train_vector
    from emsteer.models import load_model
    from emsteer.steering import Magnitude, Steering, load_artifact
    from emsteer.training.objective import assistant_nll

    lm = load_model(log=lambda *a: None)
    train, held = split_examples(load_task("insecure_code"), held_out=0.2, seed=0)
    train, held = train[:32], held[:12]
    vector = train_vector(lm, train, layer=LAYER, epochs=1, batch_size=4, max_length=MAX_LENGTH,
                          checkpoint_dir=tmp_path, progress=False)

    base = assistant_nll(lm, held, max_length=MAX_LENGTH)
    steered = assistant_nll(lm, held, steerings=[Steering(vector, Magnitude.multiplier(1.0))], max_length=MAX_LENGTH)
    assert steered.tokens == base.tokens > 0
    assert steered.mean_nll_per_token < base.mean_nll_per_token, (base.mean_nll_per_token, steered.mean_nll_per_token)

    checkpoint = load_artifact(tmp_path / "epoch-001.safetensors")
    assert checkpoint.metadata["epoch"] == 1 and checkpoint.metadata["num_examples"] == 32
    assert checkpoint.metadata["model"] == lm.name and checkpoint.layer == LAYER
    assert 0 < checkpoint.reference_norms[LAYER]
