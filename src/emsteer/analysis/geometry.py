"""Geometry of steering artifacts: cosine similarities, singular spectra, effective rank.

Pure numpy over the artifact records the results store keeps (``ResultsStore.artifacts()``): vectors carry
their tensors (layers × hidden), subspaces carry what was recorded when they were built
(singular values, explained variance, effective rank) in their metadata.

Effective rank (docs/ARCHITECTURE.md, Definitions) = exp(H(p)) with p = σ / Σσ over the non-zero singular values: 1 for
a set of parallel vectors, k for k orthogonal vectors of equal norm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from emsteer.errors import EmsteerError
from emsteer.results.records import ArtifactRecord


@dataclass(frozen=True)
class CosineMatrix:
    """Pairwise cosine similarities of the vectors that steer one layer."""

    layer: int
    ids: list[str]  # artifact ids, in matrix order
    labels: list[str]  # human-readable names, in matrix order
    matrix: np.ndarray  # (n, n), symmetric, 1 on the diagonal (NaN for a zero vector)


@dataclass(frozen=True)
class Spectrum:
    """Singular spectrum of a set of vectors (rows), or one recorded by an SVD subspace."""

    singular_values: np.ndarray  # descending, ≥ 0
    effective_rank: float
    explained_variance: np.ndarray  # cumulative σ² share of the top 1, 2, ... directions

    @property
    def normalized(self) -> np.ndarray:
        """σ / Σσ: the distribution whose entropy defines the effective rank."""
        total = float(self.singular_values.sum())
        return self.singular_values / total if total > 0 else np.zeros_like(self.singular_values)


@dataclass(frozen=True)
class SubspaceInfo:
    """What an SVD subspace artifact recorded about itself when it was built."""

    id: str
    label: str
    layer: int | None
    rank: int | None
    method: str | None
    spectrum: Spectrum | None  # None when no singular values were recorded (e.g. a trained subspace)
    recorded_effective_rank: float | None  # as stored; equals spectrum.effective_rank up to rounding
    recorded_explained_variance: float | None  # share of σ² kept by the top-``rank`` directions


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity between the rows of ``vectors`` (n, d). A zero row gives NaN, not 0,
    because its direction is undefined."""
    m = np.asarray(vectors, dtype=np.float64)
    if m.ndim != 2:
        raise EmsteerError(f"cosine_matrix needs an (n, d) array of vectors, got shape {m.shape}.")
    norms = np.linalg.norm(m, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = m / norms[:, None]
        out = unit @ unit.T
    out[norms == 0, :] = np.nan
    out[:, norms == 0] = np.nan
    return np.clip(out, -1.0, 1.0)


def effective_rank(singular_values: Sequence[float] | np.ndarray) -> float:
    """exp(entropy of σ/Σσ); 0 for an all-zero spectrum."""
    s = np.asarray(singular_values, dtype=np.float64)
    if s.ndim != 1 or (s < 0).any():
        raise EmsteerError("effective_rank needs a 1-D array of non-negative singular values.")
    total = s.sum()
    if total <= 0:
        return 0.0
    p = s[s > 0] / total
    return float(np.exp(-(p * np.log(p)).sum()))


def spectrum_from_singular_values(singular_values: Sequence[float] | np.ndarray) -> Spectrum:
    s = np.sort(np.asarray(singular_values, dtype=np.float64))[::-1]
    sq = s**2
    total = sq.sum()
    explained = np.cumsum(sq) / total if total > 0 else np.zeros_like(s)
    return Spectrum(s, effective_rank(s), explained)


def singular_spectrum(vectors: np.ndarray) -> Spectrum:
    """Singular spectrum of the rows of ``vectors`` (n, d), uncentred like ``low_rank.truncate``:
    the question is how many directions the set spans, including its mean direction."""
    m = np.asarray(vectors, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] < 1:
        raise EmsteerError(f"singular_spectrum needs an (n, d) array with n ≥ 1, got shape {m.shape}.")
    return spectrum_from_singular_values(np.linalg.svd(m, compute_uv=False))


def _method(artifact: ArtifactRecord) -> str | None:
    return artifact.method or artifact.metadata.get("method")


def artifact_label(artifact: ArtifactRecord) -> str:
    """A short name for a stored artifact: method, layer(s), then what distinguishes checkpoints."""
    meta = artifact.metadata
    method = _method(artifact) or artifact.kind
    layers = artifact.layers
    parts = [str(method), "L" + ",".join(str(l) for l in layers)] if layers else [str(method)]
    for key, short in (("task", ""), ("rank", "k="), ("epoch", "ep ")):
        value = meta.get(key)
        if value is not None:
            parts.append(f"{short}{value}")
    return " ".join(parts)


def _order(artifact: ArtifactRecord) -> tuple:
    """Method, then checkpoints in epoch order, then content hash: a stable, readable matrix order."""
    epoch = artifact.metadata.get("epoch")
    return (str(_method(artifact) or ""), isinstance(epoch, (int, float)),
            epoch if isinstance(epoch, (int, float)) else 0, artifact.id)


def _unique_labels(rows: Sequence[ArtifactRecord]) -> list[str]:
    labels = [artifact_label(r) for r in rows]
    seen: dict[str, int] = {}
    for l in labels:
        seen[l] = seen.get(l, 0) + 1
    # Same label twice (e.g. two seeds): add the start of the content hash so they stay distinct.
    return [f"{l} #{r.id[:6]}" if seen[l] > 1 else l for l, r in zip(labels, rows)]


def vector_sets(artifacts: Sequence[ArtifactRecord]) -> dict[int, tuple[list[str], list[str], np.ndarray]]:
    """Vectors grouped by the layer they steer: layer → (ids, labels, (n, hidden) array).

    A multi-layer vector contributes its row for each of its layers. Rows without tensors
    (subspaces) are skipped. Layers whose vectors disagree in hidden size (different models)
    keep only the size most vectors share.
    """
    rows = sorted((a for a in artifacts if a.tensors is not None), key=_order)
    labels = dict(zip((r.id for r in rows), _unique_labels(rows)))
    by_layer: dict[int, list[tuple[str, np.ndarray]]] = {}
    for r in rows:
        t = np.asarray(r.tensors)
        for i, layer in enumerate(r.layers):
            by_layer.setdefault(int(layer), []).append((r.id, t[i]))
    out = {}
    for layer in sorted(by_layer):
        items = by_layer[layer]
        sizes = [v.shape[0] for _, v in items]
        common = max(set(sizes), key=sizes.count)
        items = [(i, v) for i, v in items if v.shape[0] == common]
        out[layer] = ([i for i, _ in items], [labels[i] for i, _ in items], np.stack([v for _, v in items]))
    return out


def cosine_similarities(artifacts: Sequence[ArtifactRecord], *, min_vectors: int = 2) -> list[CosineMatrix]:
    """One cosine matrix per layer that at least ``min_vectors`` vector artifacts steer."""
    return [
        CosineMatrix(layer, ids, labels, cosine_matrix(m))
        for layer, (ids, labels, m) in vector_sets(artifacts).items()
        if len(ids) >= min_vectors
    ]


def layer_spectra(artifacts: Sequence[ArtifactRecord], *, min_vectors: int = 2) -> dict[int, Spectrum]:
    """Singular spectrum of the set of vectors at each layer with at least ``min_vectors`` of them."""
    return {layer: singular_spectrum(m) for layer, (ids, _, m) in vector_sets(artifacts).items() if len(ids) >= min_vectors}


def _float_or_none(x: Any) -> float | None:
    try:
        return None if x is None else float(x)
    except (TypeError, ValueError):
        return None


def recorded_subspaces(artifacts: Sequence[ArtifactRecord]) -> list[SubspaceInfo]:
    """What each subspace artifact recorded: rank, and for SVD truncations the singular values,
    effective rank and explained variance of the set it was cut from."""
    rows = sorted((a for a in artifacts if a.kind == "subspace"), key=_order)
    out = []
    for r, label in zip(rows, _unique_labels(rows)):
        meta = r.metadata
        sv = meta.get("singular_values")
        spectrum = None
        if isinstance(sv, list) and sv and all(_float_or_none(x) is not None and float(x) >= 0 for x in sv):
            spectrum = spectrum_from_singular_values([float(x) for x in sv])
        layers = r.layers
        rank = meta.get("rank")
        out.append(SubspaceInfo(
            id=r.id, label=label, layer=int(layers[0]) if layers else meta.get("layer"),
            rank=int(rank) if isinstance(rank, (int, float)) else None, method=_method(r),
            spectrum=spectrum, recorded_effective_rank=_float_or_none(meta.get("effective_rank")),
            recorded_explained_variance=_float_or_none(meta.get("explained_variance")),
        ))
    return out


@dataclass(frozen=True)
class ArtifactSummary:
    """One line of the report's artifact table."""

    id: str
    label: str
    kind: str
    layers: list[int]
    method: str | None
    norm: float | None  # ‖v‖ at the first layer (vectors)
    rank: int | None  # subspaces
    effective_rank: float | None  # recorded by an SVD subspace (of the set it was cut from)
    explained_variance: float | None  # σ² share kept by an SVD subspace's top-k directions


def summarize_artifacts(artifacts: Sequence[ArtifactRecord]) -> list[ArtifactSummary]:
    """Every stored artifact with its norm (vectors) or what it recorded (subspaces)."""
    subs = {s.id: s for s in recorded_subspaces(artifacts)}
    rows = sorted(artifacts, key=_order)
    out = []
    for r, label in zip(rows, _unique_labels(rows)):
        sub = subs.get(r.id)
        t = r.tensors
        out.append(ArtifactSummary(
            id=r.id, label=label, kind=r.kind, layers=[int(l) for l in r.layers],
            method=_method(r),
            norm=None if t is None or len(t) == 0 else float(np.linalg.norm(np.asarray(t, dtype=np.float64)[0])),
            rank=sub.rank if sub else None,
            effective_rank=None if sub is None else (sub.recorded_effective_rank if sub.recorded_effective_rank is not None
                                                     else (sub.spectrum.effective_rank if sub.spectrum else None)),
            explained_variance=sub.recorded_explained_variance if sub else None,
        ))
    return out
