"""GGUF checkpoints: dequantize once with transformers and keep a float safetensors copy."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path


def dequantize_gguf(gguf: Path, out_dir: Path, *, name: str) -> Path:
    """Load a GGUF file through transformers (which dequantizes it) and save a plain float copy."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The weights are now plain floats: drop the GGUF quantizer so the copy saves and reloads as such.
    model.hf_quantizer = None
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
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".gguf-", dir=target.parent))
    try:
        log(f"Dequantizing {gguf.name} once into {target} ...")
        dequantize_gguf(gguf, work / "model", name=gguf.stem)
        (work / "model").rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
