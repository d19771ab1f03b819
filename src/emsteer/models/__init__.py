"""Models: loading (hub id, local directory, GGUF, bundled offline default) and layer discovery."""

from emsteer.models.architectures import ARCHITECTURES, decoder_layers
from emsteer.models.bundled import BUNDLED_MODELS, DEFAULT_MODEL, prepare_bundled
from emsteer.models.loading import LoadedModel, check_device, example_prompts, load_model, resolve_device
from emsteer.paths import cache_dir

__all__ = [
    "ARCHITECTURES",
    "BUNDLED_MODELS",
    "DEFAULT_MODEL",
    "LoadedModel",
    "cache_dir",
    "check_device",
    "decoder_layers",
    "example_prompts",
    "load_model",
    "prepare_bundled",
    "resolve_device",
]
