"""Models: loading (hub id, local directory, GGUF, bundled offline default) and layer discovery."""

from emsteer.models.architectures import ARCHITECTURES, decoder_layers
from emsteer.models.bundled import BUNDLED_MODELS, DEFAULT_MODEL, prepare_bundled
from emsteer.models.loading import LoadedModel, load_model
from emsteer.paths import cache_dir

__all__ = [
    "ARCHITECTURES",
    "BUNDLED_MODELS",
    "DEFAULT_MODEL",
    "LoadedModel",
    "cache_dir",
    "decoder_layers",
    "load_model",
    "prepare_bundled",
]
