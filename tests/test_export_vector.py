"""Vector export: every format imports back to the same tensors; repeng and steering-vectors load them."""

import numpy as np
import pytest
import torch

from emsteer.errors import EmsteerError
from emsteer.steering import Magnitude, Steering, SteeringSubspace, SteeringVector, import_vector, steer
from emsteer.steering.exporters import export_vector


def _vector(layers=(1, 2), hidden=32):
    torch.manual_seed(0)
    return SteeringVector({layer: torch.randn(hidden) for layer in layers}, {layer: 10.0 + layer for layer in layers},
                          {"method": "mean_diff", "model": "tiny-qwen2"})


@pytest.mark.parametrize("fmt,suffix", [("gguf", ".gguf"), ("steering-vectors", ".pt"), ("pt", ".pt")])
@pytest.mark.parametrize("layers", [(1,), (0, 1, 2)])
def test_round_trip_gives_the_same_tensors(tmp_path, fmt, suffix, layers):
    vec = _vector(layers)
    if fmt == "gguf" and 0 in layers:  # llama.cpp refuses a whole file that holds direction.0
        with pytest.raises(EmsteerError, match="cannot steer layer 0"):
            export_vector(vec, tmp_path / f"v{suffix}", fmt)
        assert list(tmp_path.iterdir()) == []
        vec = _vector(tuple(layer for layer in layers if layer))
        layers = vec.layers
    path = export_vector(vec, tmp_path / f"v{suffix}", fmt)
    back = import_vector(path)
    assert back.layers == vec.layers
    for layer in layers:
        assert torch.equal(back.vectors[layer], vec.vectors[layer])


def test_gguf_carries_the_model_hint(tmp_path):
    path = export_vector(_vector(), tmp_path / "v.gguf", "gguf")
    assert import_vector(path).metadata["model_hint"] == "tiny-qwen2"
    path = export_vector(_vector(), tmp_path / "w.gguf", "gguf", hint="qwen2")
    assert import_vector(path).metadata["model_hint"] == "qwen2"


def test_magnitude_is_baked_in_per_layer(tmp_path):
    vec = _vector((1, 2))
    path = export_vector(vec, tmp_path / "v.gguf", "gguf", magnitude=Magnitude.relative(0.5))
    back = import_vector(path)
    for layer in (1, 2):  # α_ℓ = ρ·r_ℓ along the same direction
        assert back.vectors[layer].norm().item() == pytest.approx(0.5 * (10.0 + layer), rel=1e-5)
        assert torch.nn.functional.cosine_similarity(back.vectors[layer], vec.vectors[layer], dim=0) > 0.99999


def test_refusals_name_the_file(tmp_path):
    sub = SteeringSubspace(1, torch.eye(32)[:, :2], torch.zeros(2, 32), torch.ones(2))
    with pytest.raises(EmsteerError, match="subspace"):
        export_vector(sub, tmp_path / "s.gguf", "gguf")
    with pytest.raises(EmsteerError, match=r"v\.gguf.*\.pt file"):
        export_vector(_vector(), tmp_path / "v.gguf", "pt")
    with pytest.raises(EmsteerError, match="unknown vector format 'onnx'"):
        export_vector(_vector(), tmp_path / "v.onnx", "onnx")
    with pytest.raises(EmsteerError, match="relative magnitude needs the reference norm"):
        export_vector(SteeringVector({1: torch.ones(32)}), tmp_path / "v.pt", "pt", magnitude=Magnitude.relative(1))
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_repeng_loads_the_gguf(tmp_path, monkeypatch):
    if not hasattr(np, "float_"):  # repeng 0.4 names np.float_, removed in NumPy 2
        monkeypatch.setattr(np, "float_", np.float64, raising=False)
    repeng = pytest.importorskip("repeng")
    vec = _vector((0, 1, 2))
    path = export_vector(vec, tmp_path / "v.gguf", "gguf", hint="qwen2")
    cv = repeng.ControlVector.import_gguf(str(path))
    assert cv.model_type == "qwen2"
    assert sorted(cv.directions) == [0, 1, 2]
    for layer in (0, 1, 2):
        assert np.array_equal(np.asarray(cv.directions[layer]), vec.vectors[layer].numpy())


def test_steering_vectors_object_steers_like_emsteer(tmp_path, tiny):
    sv = pytest.importorskip("steering_vectors")
    vec = _vector((1,))
    path = export_vector(vec, tmp_path / "v.pt", "steering-vectors", magnitude=Magnitude.absolute(3.0))
    obj = sv.SteeringVector(**torch.load(path, weights_only=True))
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.no_grad(), steer(tiny, Steering(vec, Magnitude.absolute(3.0))):
        ours = tiny.model(ids).logits
    with torch.no_grad(), obj.apply(tiny.model, multiplier=1.0):
        theirs = tiny.model(ids).logits
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_cli_export_vector_round_trip(tmp_path):
    from typer.testing import CliRunner

    from emsteer.cli import app
    from emsteer.steering import save_artifact

    src = save_artifact(_vector((1, 2)), tmp_path / "v.safetensors")
    result = CliRunner().invoke(app, ["export-vector", str(src), str(tmp_path / "cv.gguf"), "--multiplier", "2"])
    assert result.exit_code == 0, result.output
    back = import_vector(tmp_path / "cv.gguf")
    assert torch.allclose(back.vectors[2], 2 * _vector((1, 2)).vectors[2])
    result = CliRunner().invoke(app, ["export-vector", str(src), str(tmp_path / "cv.pt"), "-f", "pt", "--layer", "1"])
    assert result.exit_code == 0, result.output
    assert import_vector(tmp_path / "cv.pt").layers == [1]
    result = CliRunner().invoke(app, ["export-vector", str(src), str(tmp_path / "x.gguf"), "-f", "pt"])
    assert isinstance(result.exception, EmsteerError) and "x.gguf" in str(result.exception) and not (tmp_path / "x.gguf").exists()


def test_gguf_keeps_reference_norms_and_the_baked_magnitude(tmp_path):
    """A re-imported GGUF used to lose r_ℓ (so --relative failed on it) and the ρ baked into it."""
    vec = _vector((1, 2))
    vec.reference_norms.update({1: 3.0, 2: 5.0})
    path = export_vector(vec, tmp_path / "v.gguf", "gguf", magnitude=Magnitude.relative(0.2))
    back = import_vector(path)
    assert back.reference_norms == pytest.approx({1: 3.0, 2: 5.0})
    assert back.metadata["baked_magnitude"] == str(Magnitude.relative(0.2))
    assert back.metadata["source_content_hash"]
    assert back.vectors[2].norm().item() == pytest.approx(0.2 * 5.0, rel=1e-5)
    assert import_vector(path, layer=1).reference_norms == pytest.approx({1: 3.0})
