"""GGUF checkpoints: dequantize once with transformers and keep a float safetensors copy.

A file is checked before transformers sees it: one that is not GGUF, or a llama.cpp / repeng
control vector (a steering vector, not a model), is an EmsteerError that says what to do.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from emsteer.errors import EmsteerError


def check_model_gguf(gguf: Path) -> None:
    """Raise EmsteerError unless ``gguf`` is a readable GGUF file holding a model."""
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(gguf))
    except Exception as err:  # gguf raises ValueError, struct errors, OSError ... for garbage
        raise EmsteerError(f"{gguf} is not a readable GGUF file ({type(err).__name__}: {err}).") from None
    arch = gguf_string(reader, "general.architecture")
    if arch == "controlvector" or any(t.name.startswith("direction.") for t in reader.tensors):
        raise EmsteerError(
            f"{gguf} is a control vector (a steering vector), not a model: pass it as --vector, "
            "and give the model it steers with --model."
        )
    if not reader.tensors:
        raise EmsteerError(f"{gguf} is a GGUF file without tensors: not a model checkpoint.")


def gguf_string(reader, key: str) -> str | None:
    """A string field of a GGUF file (a gguf.GGUFReader), or None when absent or unreadable."""
    field = reader.fields.get(key)
    if field is None:
        return None
    try:
        return bytes(field.parts[field.data[0]]).decode(errors="replace")
    except (IndexError, TypeError, ValueError):
        return None


def dequantize_gguf(gguf: Path, out_dir: Path, *, name: str) -> Path:
    """Load a GGUF file through transformers (which dequantizes it) and save a plain float copy."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The weights are now plain floats: drop the GGUF quantizer so the copy saves and reloads as such.
    model.hf_quantizer = None  # type: ignore[assignment]  # torch types Module.__setattr__ values as Tensor | Module
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config._name_or_path = name
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


def gguf_cache_key(gguf: Path) -> str:
    """Identify a user's GGUF file cheaply (path, size, mtime) to find its cached copy."""
    st = gguf.stat()
    raw = f"{gguf.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def cached_gguf(gguf: Path, cache_root: Path, log=print) -> Path:
    """Directory holding the dequantized copy of ``gguf``; built atomically on first use."""
    target = cache_root / "gguf" / f"{gguf.stem}-{gguf_cache_key(gguf)}"
    if (target / "config.json").is_file():
        return target
    check_model_gguf(gguf)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".gguf-", dir=target.parent))
    try:
        log(f"Dequantizing {gguf.name} once into {target} ...")
        try:
            dequantize_gguf(gguf, work / "model", name=gguf.stem)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
            raise EmsteerError(
                f"transformers could not load {gguf} as a model ({type(err).__name__}: {err}); it needs a GGUF "
                "of a supported architecture (Qwen2/3, Llama, Mistral, Gemma 2/3)."
            ) from None
        (work / "model").rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
