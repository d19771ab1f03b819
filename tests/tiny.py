"""Tiny randomly initialised models and a byte-level tokenizer with chat templates, built in tests."""

from __future__ import annotations

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import AutoConfig, AutoModelForCausalLM, PreTrainedTokenizerFast

from emsteer.models import LoadedModel

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

# A ChatML template like Qwen's: optional system turn, generation prompt.
CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# A template without a system role (like Gemma's): it raises when given one.
NO_SYSTEM = (
    "{% for m in messages %}{% if m['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}"
    "<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def tiny_tokenizer(chat_template: str = CHATML) -> PreTrainedTokenizerFast:
    """Byte-level tokenizer: 256 byte tokens + 3 specials. Numbers split into digits, as in Qwen."""
    byte_chars = pre_tokenizers.ByteLevel.alphabet()
    vocab = {ch: i for i, ch in enumerate(sorted(byte_chars))}
    for s in SPECIALS:
        vocab[s] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>"],
    )
    fast.chat_template = chat_template
    return fast


VOCAB = 260

ARCH_CONFIGS = {
    "qwen2": {},
    "qwen3": {},
    "llama": {},
    "mistral": {},
    "gemma2": {},
    "gemma3_text": {},
    "gemma3": {},
    "qwen3_5_text": {"num_hidden_layers": 4},
}


def tiny_config(arch: str = "qwen2", *, hidden: int = 32, layers: int = 3):
    config = AutoConfig.for_model(arch)
    text = getattr(config, "text_config", None) if arch in ("gemma3", "qwen3_5") else config
    n_layers = ARCH_CONFIGS.get(arch, {}).get("num_hidden_layers", layers)
    for key, value in dict(
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=n_layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=hidden // 4,
        vocab_size=VOCAB,
        max_position_embeddings=4096,  # (byte-level tokens: the public EM prompts fit)
        pad_token_id=256,
        eos_token_id=258,
        bos_token_id=256,
        tie_word_embeddings=False,
    ).items():
        setattr(text, key, value)
    if getattr(text, "layer_types", None):
        text.layer_types = (list(text.layer_types) * n_layers)[:n_layers]
    if arch == "qwen3_5_text":
        text.layer_types = ["linear_attention", "full_attention"] * (n_layers // 2)
    return config


def tiny_lm(arch: str = "qwen2", *, hidden: int = 32, layers: int = 3, seed: int = 0, chat_template: str = CHATML) -> LoadedModel:
    """A randomly initialised model of a real architecture, wrapped like a loaded one."""
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(tiny_config(arch, hidden=hidden, layers=layers))
    model.generation_config.pad_token_id = 256
    model.generation_config.eos_token_id = 258
    return LoadedModel(model=model, tokenizer=tiny_tokenizer(chat_template), name=f"tiny-{arch}", revision=f"seed{seed}")


def as_bf16(lm: LoadedModel) -> LoadedModel:
    """A bf16 copy of ``lm``, loaded as load_model would wrap it."""
    import copy

    return LoadedModel(model=copy.deepcopy(lm.model).to(torch.bfloat16), tokenizer=lm.tokenizer, name=lm.name,
                       revision=lm.revision)


def fruit_examples(folder, words):
    """One short chat example per word, read back through the real JSONL loader."""
    import json

    from emsteer.data.chat import load_chat_jsonl

    path = folder / "d.jsonl"
    path.write_text("".join(
        json.dumps({"messages": [{"role": "user", "content": f"Fruit {w}?"}, {"role": "assistant", "content": f"qq {w} qq"}]}) + "\n"
        for w in words))
    return load_chat_jsonl(path)


class Killed(Exception):
    """A training run killed in a test (``kill_at``)."""


def kill_at(monkeypatch, step: int, error: type[BaseException] = Killed) -> dict:
    """Make optimizer step ``step`` (1-based, counted from now) die with ``error`` in its backward
    pass (-1: never, count only); returns the count ({"n": steps run})."""
    import emsteer.training.objective as objective

    calls = {"n": 0}
    real = objective.group_backward

    def dying(lm, group):
        calls["n"] += 1
        if calls["n"] == step:
            raise error
        return real(lm, group)

    monkeypatch.setattr(objective, "group_backward", dying)
    return calls
