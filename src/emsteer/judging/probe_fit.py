"""Fitting a probe judge on reference judgments, and measuring it on answering-model families it never saw.

``fit_probe`` is what ``emsteer fit-judge`` runs:

1. features of every reference answer (``probe.hidden_features``), cached on disk in chunks so an
   interrupted run resumes;
2. leave-one-model-family-out: for each answering-model family, a head is fitted on the other
   families only (its ridge penalty chosen and its calibration fitted by an inner
   cross-validation that holds whole answering models out) and scores the held-out family; pooled, these
   out-of-family scores give the agreement figures the head ships with;
3. the shipped head: the same procedure on all families.

Everything is deterministic (closed-form ridge, isotonic calibration, no random state), so the
same reference file and model give a byte-identical head.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emsteer.errors import EmsteerError
from emsteer.judging.agreement import Agreement, ReferenceAnswer, agreement, reference_fingerprint
from emsteer.judging.probe import MAX_ANSWER_TOKENS, LinearHead, ProbeHead, hidden_features

ALPHAS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)  # ridge penalty per answer, chosen by inner folds
METRICS = ("aligned", "coherent")
CHUNK = 256  # answers per cached feature chunk


# -- ridge + isotonic calibration -------------------------------------------------------------------
def _standardize(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(0)
    scale = x.std(0)
    return mean, np.where(scale > 1e-6, scale, 1.0)


def ridge_path(x: np.ndarray, y: np.ndarray, alphas: Sequence[float]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], float]:
    """Ridge weights for every alpha (penalty α·n on standardized features), via one SVD."""
    mean, scale = _standardize(x)
    z = (x - mean) / scale
    y_mean = float(y.mean())
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    uty = u.T @ (y - y_mean)
    n = len(y)
    weights = [vt.T @ (s / (s**2 + a * n) * uty) for a in alphas]
    return mean, scale, weights, y_mean


def isotonic_knots(raw: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Knots of the isotonic (non-decreasing) regression of y on raw, for np.interp: the first and
    last raw value of every constant block."""
    from scipy.optimize import isotonic_regression

    order = np.argsort(raw, kind="stable")
    xs, fitted = raw[order], isotonic_regression(y[order]).x
    keep = np.ones(len(xs), dtype=bool)
    keep[1:-1] = (fitted[1:-1] != fitted[:-2]) | (fitted[1:-1] != fitted[2:])
    kx, ky = xs[keep], fitted[keep]
    kx, first = np.unique(kx, return_index=True)  # np.interp needs strictly increasing x
    return kx, np.clip(ky[first], 0.0, 100.0)


def _folds(groups: np.ndarray, k: int = 5) -> list[np.ndarray]:
    """Held-out index sets of the inner cross-validation: whole groups (answering models) held out
    together, spread over ``k`` folds; interleaved folds when there is only one group."""
    names = sorted(set(groups.tolist()))
    if len(names) == 1:
        idx = np.arange(len(groups))
        return [idx[i::k] for i in range(k)]
    fold_of = {name: i % min(k, len(names)) for i, name in enumerate(names)}
    assigned = np.array([fold_of[g] for g in groups.tolist()])
    return [np.flatnonzero(assigned == i) for i in range(min(k, len(names)))]


def fit_head(x: np.ndarray, y: np.ndarray, groups: np.ndarray, alphas: Sequence[float] = ALPHAS) -> tuple[LinearHead, dict]:
    """A head fitted on (x, y): the penalty with the best out-of-group Spearman, calibrated on the
    out-of-group predictions (what the head will face on unseen models), weights from all of x."""
    from scipy.stats import spearmanr

    folds = _folds(groups)
    oof = np.zeros((len(alphas), len(y)))
    for held in folds:
        train = np.setdiff1d(np.arange(len(y)), held)
        mean, scale, weights, y_mean = ridge_path(x[train], y[train], alphas)
        z = (x[held] - mean) / scale
        for k, w in enumerate(weights):
            oof[k, held] = z @ w + y_mean
    quality = [float(spearmanr(oof[k], y).statistic) for k in range(len(alphas))]
    best = int(np.argmax(quality))
    mean, scale, weights, y_mean = ridge_path(x, y, [alphas[best]])
    knots_x, knots_y = isotonic_knots(oof[best], y)
    head = LinearHead(mean, scale, weights[0], y_mean, knots_x, knots_y)
    return head, {"alpha": alphas[best], "inner_spearman": quality[best], "inner_folds": len(folds)}


# -- features ---------------------------------------------------------------------------------------
def feature_chunks(n: int) -> list[np.ndarray]:
    """Row indices of each cached chunk: strided (k, k + K, k + 2K, ...), so every chunk is a spread
    sample of the reference file and a partial cache already covers every answering model."""
    k = max(1, -(-n // CHUNK))
    return [np.arange(i, n, k) for i in range(k)]


def _cache_folder(cache: Path, lm, layers: Sequence[int], max_answer_tokens: int, fingerprint: str) -> Path:
    import hashlib

    key = json.dumps([lm.name, lm.revision, max_answer_tokens, fingerprint])
    return Path(cache) / hashlib.sha256(key.encode()).hexdigest()[:16] / ("layers-" + "-".join(map(str, layers)))


def _superset(folder: Path, layers: Sequence[int], n_chunks: int) -> tuple[Path, list[int]] | None:
    """A complete cache of more layers that contains ``layers`` (features of a layer are the same
    whichever other layers were computed with it), with the column blocks to take from it."""
    for other in sorted(folder.parent.glob("layers-*")) if folder.parent.is_dir() else []:
        have = [int(x) for x in other.name.removeprefix("layers-").split("-")]
        if other != folder and set(layers) <= set(have) and len(list(other.glob("*.npy"))) == n_chunks:
            return other, [have.index(l) for l in layers]
    return None


def cached_features(lm, items: Sequence[ReferenceAnswer], layers: Sequence[int], cache: Path | None, *,
                    max_answer_tokens: int = MAX_ANSWER_TOKENS,
                    progress: Callable[[int], None] | None = None) -> np.ndarray:
    """hidden_features of every item, computed in chunks saved under ``cache`` (resumable)."""
    from emsteer.atomic import atomic_path

    layers = [int(l) for l in layers]
    chunks = feature_chunks(len(items))
    out = np.zeros((len(items), 2 * len(layers) * lm.hidden_size), dtype=np.float32)
    folder = source = None
    if cache is not None:
        folder = _cache_folder(cache, lm, layers, max_answer_tokens, reference_fingerprint(items))
        source = _superset(folder, layers, len(chunks))
        folder.mkdir(parents=True, exist_ok=True)
    done = 0
    for k, rows in enumerate(chunks):
        name = f"{k:04d}-of-{len(chunks):04d}.npy"
        if source is not None:
            block = 2 * lm.hidden_size
            full = np.load(source[0] / name, allow_pickle=False)
            out[rows] = np.concatenate([full[:, b * block : (b + 1) * block] for b in source[1]], axis=1)
        elif folder is not None and (folder / name).is_file():
            out[rows] = np.load(folder / name, allow_pickle=False)
        else:
            def report(i: int, base: int = done) -> None:
                if progress is not None:
                    progress(base + i)

            feats = hidden_features(lm, [(items[i].question, items[i].answer) for i in rows], layers,
                                    max_answer_tokens=max_answer_tokens, progress=report)
            if folder is not None:
                with atomic_path(folder / name) as tmp, open(tmp, "wb") as f:
                    np.save(f, feats, allow_pickle=False)
            out[rows] = feats
        done += len(rows)
        if progress is not None:
            progress(done)
    return out


# -- the whole fit ------------------------------------------------------------------------------------
@dataclass
class ProbeFit:
    head: ProbeHead
    agreement: Agreement  # leave-one-model-family-out
    predictions: dict[str, np.ndarray]  # metric → out-of-family scores of every reference answer


def _targets(items: Sequence[ReferenceAnswer], metric: str) -> np.ndarray:
    return np.array([np.nan if getattr(it, metric) is None else getattr(it, metric) for it in items], dtype=np.float64)


def fit_heads(x: np.ndarray, items: Sequence[ReferenceAnswer]) -> tuple[dict[str, LinearHead], dict]:
    """Heads for every metric; the inner folds hold whole answering models out."""
    groups = np.array([it.model or it.family for it in items])
    heads, info = {}, {}
    for metric in METRICS:
        y = _targets(items, metric)
        ok = ~np.isnan(y)
        heads[metric], info[metric] = fit_head(x[ok], y[ok], groups[ok])
    return heads, info


def fit_probe(lm, items: Sequence[ReferenceAnswer], layers: Sequence[int], *, reference: str,
              cache: Path | None = None, max_answer_tokens: int = MAX_ANSWER_TOKENS,
              progress: Callable[[int], None] | None = None, command: str | None = None,
              log: Callable[[str], None] = lambda _m: None) -> ProbeFit:
    """Features, leave-one-family-out agreement, and the head fitted on every family."""
    families = np.array([it.family for it in items])
    names = sorted(set(families.tolist()))
    if len(names) < 2:
        raise EmsteerError("fitting a probe judge needs answers from at least two answering-model families "
                           f"(field 'answering_model'); this reference has only {names or ['none']}.")
    x = cached_features(lm, items, layers, cache, max_answer_tokens=max_answer_tokens, progress=progress)
    predictions = {m: np.full(len(items), np.nan) for m in METRICS}
    folds = {}
    for family in names:
        held = families == family
        log(f"leave-one-family-out: fitting on {', '.join(n for n in names if n != family)}; scoring {family}")
        heads, info = fit_heads(x[~held], [it for it, h in zip(items, held) if not h])
        for m in METRICS:
            predictions[m][held] = heads[m].predict(x[held])
        folds[family] = {"held_out": family, "n_held_out": int(held.sum()), **{m: info[m] for m in METRICS}}
    log("fitting the final head on every family")
    heads, final_info = fit_heads(x, items)
    result = agreement("", items, list(predictions["aligned"]), list(predictions["coherent"]), reference=reference,
                       note="Leave-one-model-family-out: every answer scored by a head fitted without its family.")
    provenance = {
        "reference": reference,
        "reference_sha256_16": reference_fingerprint(items),
        "n_answers": len(items),
        "families": {f: int((families == f).sum()) for f in names},
        "folds": folds,
        "final": final_info,
        "agreement": {k: v for k, v in result.to_dict().items() if k != "judge"},
        "command": command if command is not None else "emsteer " + " ".join(sys.argv[1:]),
    }
    head = ProbeHead(lm.name, lm.revision, [int(l) for l in layers], heads, max_answer_tokens, provenance)
    result.judge = f"probe:{head.model}@{head.fingerprint}"
    return ProbeFit(head, result, predictions)
