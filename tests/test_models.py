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
    assert again.revision.startswith("local-")
    assert again.name == str(tmp_path / "m")


def test_unknown_bundled_model_is_an_error():
    from emsteer.models import prepare_bundled

    with pytest.raises(EmsteerError, match="Unknown bundled model"):
        prepare_bundled("no-such-model")
