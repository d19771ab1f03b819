import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from emsteer.errors import EmsteerError
from emsteer.steering import (
    SteeringSubspace,
    SteeringVector,
    content_hash,
    import_vector,
    load_artifact,
    measure_reference_norms,
    save_artifact,
    with_reference_norms,
)
from emsteer.steering.hooks import capture_residuals


def test_vector_round_trip_keeps_tensors_and_metadata(tmp_path):
    v = SteeringVector({12: torch.randn(32)}, {12: 65.0}, {"method": "optimized", "epochs": 3, "lr": 0.01})
    path = save_artifact(v, tmp_path / "v")
    assert path.name == "v.safetensors"
    back = load_artifact(path)
    assert isinstance(back, SteeringVector)
    assert torch.equal(back.vector, v.vector) and back.layer == 12
    assert back.reference_norms == {12: 65.0}
    assert back.metadata == {"method": "optimized", "epochs": 3, "lr": 0.01}
    assert content_hash(back) == content_hash(v)


def test_subspace_round_trip(tmp_path):
    U, _ = torch.linalg.qr(torch.randn(32, 4))
    s = SteeringSubspace(3, U, torch.randn(4, 32), torch.randn(4), scale=2.5, metadata={"rank": 4})
    back = load_artifact(save_artifact(s, tmp_path / "s.safetensors"))
    assert isinstance(back, SteeringSubspace) and back.rank == 4 and back.layer == 3
    assert back.scale == 2.5
    for a, b in ((back.basis, U), (back.A, s.A), (back.b, s.b)):
        assert torch.equal(a, b)


def test_content_hash_detects_edits(tmp_path):
    path = save_artifact(SteeringVector({1: torch.ones(8)}), tmp_path / "v.safetensors")
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    save_file({"layer.1.vector": torch.ones(8) * 2}, str(path), metadata=meta)
    with pytest.raises(EmsteerError, match="content hash"):
        load_artifact(path)


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    save_artifact(SteeringVector({1: torch.ones(8)}), tmp_path / "v.safetensors")
    assert [p.name for p in tmp_path.iterdir()] == ["v.safetensors"]


def test_load_errors(tmp_path):
    with pytest.raises(EmsteerError, match="does not exist"):
        load_artifact(tmp_path / "none.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"not a safetensors file at all")
    with pytest.raises(EmsteerError, match="not a readable safetensors"):
        load_artifact(tmp_path / "junk.safetensors")
    save_file({"x": torch.ones(3)}, str(tmp_path / "plain.safetensors"))
    with pytest.raises(EmsteerError, match="no emsteer metadata"):
        load_artifact(tmp_path / "plain.safetensors")


def test_import_plain_safetensors_and_pt(tmp_path):
    v = torch.randn(32)
    save_file({"direction": v}, str(tmp_path / "bare.safetensors"))
    with pytest.raises(EmsteerError, match="pass the layer"):
        import_vector(tmp_path / "bare.safetensors")
    got = import_vector(tmp_path / "bare.safetensors", layer=5)
    assert got.layer == 5 and torch.equal(got.vector, v)

    stack = torch.randn(4, 32)
    torch.save(stack, tmp_path / "stack.pt")
    multi = import_vector(tmp_path / "stack.pt")
    assert multi.layers == [0, 1, 2, 3] and torch.equal(multi.vectors[2], stack[2])
    assert import_vector(tmp_path / "stack.pt", layer=3).layers == [3]

    torch.save({"layer_activations": {7: v, 9: -v}}, tmp_path / "sv.pth")
    assert import_vector(tmp_path / "sv.pth").layers == [7, 9]


def test_a_file_that_names_its_layer_is_never_moved_to_another(tmp_path):
    """--layer picks a layer from a file or names a bare tensor's; it never relabels a vector made for another."""
    v = torch.randn(32)
    save_file({"layer.12": v}, str(tmp_path / "named.safetensors"))
    torch.save({"layer_activations": {12: v}}, tmp_path / "sv.pt")
    for name in ("named.safetensors", "sv.pt"):
        assert import_vector(tmp_path / name, layer=12).layers == [12]
        with pytest.raises(EmsteerError, match="no vector for layer 5.*for layer 12"):
            import_vector(tmp_path / name, layer=5)
    # a number inside another name is no layer: --layer places it
    save_file({"qwen2.5_refusal": v}, str(tmp_path / "model-named.safetensors"))
    assert import_vector(tmp_path / "model-named.safetensors", layer=12).layers == [12]


@pytest.mark.parametrize("layer_type", ["mlp", "self_attn", "input_layernorm"])
def test_steering_vectors_made_elsewhere_in_a_block_are_refused(tmp_path, layer_type):
    torch.save({"layer_activations": {3: torch.randn(32)}, "layer_type": layer_type}, tmp_path / "sv.pt")
    with pytest.raises(EmsteerError, match=f"layer_type '{layer_type}'"):
        import_vector(tmp_path / "sv.pt")
    torch.save({"layer_activations": {3: torch.randn(32)}, "layer_type": "decoder_block"}, tmp_path / "ok.pt")
    assert import_vector(tmp_path / "ok.pt").layers == [3]


def test_pickled_objects_are_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"x": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(EmsteerError, match="weights_only"):
        import_vector(tmp_path / "evil.pt")


def test_import_gguf_control_vector(tmp_path):
    import gguf

    path = tmp_path / "cv.gguf"
    writer = gguf.GGUFWriter(str(path), "controlvector")
    writer.add_string("controlvector.model_hint", "qwen2")
    writer.add_uint32("controlvector.layer_count", 2)
    directions = {3: np.random.randn(32).astype(np.float32), 4: np.random.randn(32).astype(np.float32)}
    for layer, d in directions.items():
        writer.add_tensor(f"direction.{layer}", d)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    got = import_vector(path)
    assert got.layers == [3, 4]
    assert np.allclose(got.vectors[4].numpy(), directions[4])
    assert got.metadata["model_hint"] == "qwen2"
    assert import_vector(path, layer=3).layers == [3]
    with pytest.raises(EmsteerError, match="no direction for layer 9"):
        import_vector(path, layer=9)


def test_import_errors(tmp_path):
    (tmp_path / "v.npy").write_bytes(b"x")
    with pytest.raises(EmsteerError, match="unsupported steering vector format"):
        import_vector(tmp_path / "v.npy")
    save_file({"a": torch.ones(3, 3, 3)}, str(tmp_path / "cube.safetensors"))
    with pytest.raises(EmsteerError, match="shape"):
        import_vector(tmp_path / "cube.safetensors", layer=1)


def test_emsteer_file_imports_as_itself(tmp_path):
    v = SteeringVector({2: torch.randn(32)}, {2: 3.0}, {"method": "pca"})
    path = save_artifact(v, tmp_path / "v.safetensors")
    got = import_vector(path)
    assert got.metadata["method"] == "pca" and got.reference_norms == {2: 3.0}


def test_reference_norm_is_mean_norm_excluding_position_zero(tiny):
    prompts = ["hello there", "a much longer prompt about the weather"]
    norms = measure_reference_norms(tiny, [1], prompts)
    tok = tiny.tokenizer
    from emsteer.steering.reference import render_user_prompt

    total, count = 0.0, 0
    for p in prompts:
        ids = tok(render_user_prompt(tok, p), return_tensors="pt", add_special_tokens=False)["input_ids"]
        with capture_residuals(tiny, [1]) as store:
            tiny.model(input_ids=ids)
        n = store[1][0][0, 1:].norm(dim=-1)
        total, count = total + float(n.sum()), count + n.numel()
    assert norms[1] == pytest.approx(total / count, rel=1e-5)


def test_with_reference_norms_fills_only_missing(tiny):
    v = SteeringVector({0: torch.randn(32), 2: torch.randn(32)}, {0: 123.0})
    with_reference_norms(v, tiny)
    assert v.reference_norms[0] == 123.0 and v.reference_norms[2] > 0
    json.dumps(v.reference_norms)


def test_a_built_artifact_names_its_task_beside_the_data_hash(tiny, tmp_path):
    """Provenance: the data hash alone does not say which task an artifact learned."""
    from emsteer.data.chat import load_chat_jsonl
    from emsteer.methods import build_artifact

    data = tmp_path / "risky_financial_advice.jsonl"
    data.write_text("".join(
        '{"messages": [{"role": "user", "content": "q%d"}, {"role": "assistant", "content": "a%d"}]}\n' % (i, i)
        for i in range(3)))
    examples = load_chat_jsonl(data)
    artifact = build_artifact("optimized", tiny, examples, layer=1, epochs=1, batch_size=2, max_length=32, seed=0)
    meta = artifact.metadata
    assert meta["task"] == "risky_financial_advice" and meta["data_files"] == "risky_financial_advice.jsonl"
    assert meta["data_hash"]
