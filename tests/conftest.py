import os
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))

# Tiny test models run fastest single-threaded: thread hand-offs cost more than their matmuls,
# and far more when other processes compete for the cores. Real-model fixtures ask for all cores.
torch.set_num_threads(1)
ALL_CORES = os.cpu_count() or 1

SHARED_EM = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "em"


@pytest.fixture(autouse=True)
def _private_cache(request, tmp_path_factory, monkeypatch):
    """Tests never write to the user's emsteer cache (judgments, controls, agreements); slow tests
    keep it, because the prepared bundled models live there."""
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setenv("EMSTEER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "emsteer-cache"))


@pytest.fixture
def tiny():
    from tiny import tiny_lm

    return tiny_lm()


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """A tiny random model saved as a checkpoint directory, for commands that take --model PATH."""
    from tiny import tiny_lm

    path = tmp_path_factory.mktemp("tiny-model")
    lm = tiny_lm()
    lm.model.save_pretrained(path)
    lm.tokenizer.save_pretrained(path)
    return path


@pytest.fixture
def shared_em() -> Path:
    """The public EM datasets beside the checkout; tests that need them skip when absent."""
    if not SHARED_EM.is_dir():
        pytest.skip(f"public EM datasets not found at {SHARED_EM}")
    return SHARED_EM


@pytest.fixture(scope="session")
def bundled_lm():
    """The real bundled Qwen2.5-Coder-0.5B-Instruct (slow tests only), on all cores."""
    from emsteer.models import load_model

    torch.set_num_threads(ALL_CORES)
    return load_model(log=lambda m: None)


@pytest.fixture(scope="module")
def vector_file(tmp_path_factory):
    """A saved one-layer steering vector (hidden size 32, layer 1) for the CLI tests."""
    from emsteer.steering import SteeringVector, save_artifact

    torch.manual_seed(0)
    return save_artifact(SteeringVector({1: torch.randn(32)}, {1: 2.0}, {"method": "test"}),
                         tmp_path_factory.mktemp("v") / "v.safetensors")
