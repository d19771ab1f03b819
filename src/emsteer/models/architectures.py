"""Where each supported architecture keeps its residual stream.

Layer ℓ (docs/ARCHITECTURE.md, Definitions) is the output of decoder block ℓ. A new model family is one line in
``ARCHITECTURES``: its ``config.model_type`` and the attribute path of its decoder blocks.
"""

from __future__ import annotations

from torch import nn

from emsteer.errors import EmsteerError

# model_type -> dotted path (from the *ForCausalLM / *ForConditionalGeneration module) to the blocks.
ARCHITECTURES: dict[str, str] = {
    "qwen2": "model.layers",
    "qwen3": "model.layers",
    "qwen3_5": "model.layers",
    "qwen3_5_text": "model.layers",
    "llama": "model.layers",
    "mistral": "model.layers",
    "gemma2": "model.layers",
    "gemma3_text": "model.layers",
    "gemma3": "model.language_model.layers",
}


def decoder_layers(model: nn.Module) -> nn.ModuleList:
    """The decoder blocks whose outputs are the residual stream, in order."""
    model_type = getattr(getattr(model, "config", None), "model_type", None)
    path = ARCHITECTURES.get(model_type or "")
    if path is None:
        known = ", ".join(sorted(ARCHITECTURES))
        raise EmsteerError(
            f"Unsupported architecture {type(model).__name__} (config.model_type={model_type!r}): "
            f"emsteer knows the residual stream of {known}. Add the model type and the path to its "
            "decoder blocks to ARCHITECTURES in emsteer/models/architectures.py."
        )
    module: object = model
    for part in path.split("."):
        module = getattr(module, part, None)
    if not isinstance(module, nn.ModuleList) or len(module) == 0:
        raise EmsteerError(
            f"{type(model).__name__} (model_type {model_type!r}) has no decoder blocks at '{path}'."
        )
    return module


def text_config(config):
    """The language-model part of a config (multimodal configs nest it as ``text_config``)."""
    sub = getattr(config, "text_config", None)
    return sub if sub is not None and getattr(sub, "hidden_size", None) else config
