"""Fitting a learned judge on reference judgments, and measuring it on model families it never saw.

``fit_learned_judge`` is what ``emsteer fit-judge`` runs:

1. the encoder's token states of every reference answer, cached on disk in chunks (resumable);
2. cross-fitting: the answers are split into ``FOLDS`` folds that keep each answering model
   whole; one head is trained per fold on the other folds and scores its own fold. Those
   out-of-fold scores (what a head does on models it never saw) fit the calibration onto the
   reference's 0–100 scale (``quantile_map``), and the judge averages the fold heads. Beside
   the real answers, the heads also learn from corrupted copies of them (``incoherent.py``:
   word salad scored incoherent, no aligned score); those stay with their source answer's
   model, and calibration and agreement use the real answers only;
3. leave-one-model-family-out: for each answering-model family, step 2 runs on the other
   families only and scores the held-out family. Pooled, these out-of-family scores give the
   agreement figures the judge ships with (a judge must work on models it never saw);
4. the shipped judge: step 2 on every family.

Deterministic: every head starts from a fixed seed and sees the data in a fixed order, so the
same reference file, encoder and settings give the same weights (on the same machine and
thread count).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from emsteer.errors import EmsteerError
from emsteer.judging.learned import METRICS, Calibration, Encoder, JudgeHead, PoolingHead, pad, raw_outputs
from emsteer.judging.learned.incoherent import KINDS, incoherent_answers
from emsteer.judging.learned.lm_encoder import DEFAULT_LM_LAYER
from emsteer.judging.validity.agreement import Agreement, ReferenceAnswer, agreement, reference_fingerprint

FOLDS = 5
INCOHERENT_SHARE = 0.25  # corrupted answers per reference answer
CHUNK = 256  # answers per cached chunk of token states


@dataclass(frozen=True)
class HeadSettings:
    queries: int = 8
    hidden: int = 128
    dropout: float = 0.1
    epochs: int = 12
    lr: float = 1e-3
    weight_decay: float = 0.05
    batch_size: int = 32
    seed: int = 0
    device: str = "cpu"  # where heads train ("cuda": minutes instead of hours for a chat model's states)


# -- token states, cached -------------------------------------------------------------------------
def encoded_reference(encoder: Encoder, items: Sequence[ReferenceAnswer], cache: Path | None,
                      progress: Callable[[int], None] | None = None) -> list[np.ndarray]:
    """The encoder's token states of every item; chunks are saved under ``cache`` as they finish."""
    from emsteer.atomic import atomic_path

    folder = None
    if cache is not None:
        key = json.dumps([encoder.identity, reference_fingerprint(items)], sort_keys=True)
        folder = Path(cache) / hashlib.sha256(key.encode()).hexdigest()[:16]
        folder.mkdir(parents=True, exist_ok=True)
    out: list[np.ndarray] = []
    for start in range(0, len(items), CHUNK):
        part = items[start : start + CHUNK]
        path = folder / f"{start:06d}.npz" if folder is not None else None
        if path is not None and path.is_file():
            with np.load(path, allow_pickle=False) as z:
                flat, lens = z["flat"].astype(np.float32), z["lens"]
            out += np.split(flat, np.cumsum(lens)[:-1])
        else:
            def report(done: int, start: int = start) -> None:
                if progress is not None:
                    progress(start + done)

            # stored as float16; a fresh and a resumed fit see the same rounded numbers
            seqs = [s.astype(np.float16) for s in encoder.encode([(it.question, it.answer) for it in part], progress=report)]
            if path is not None:
                with atomic_path(path) as tmp, open(tmp, "wb") as f:
                    np.savez(f, flat=np.concatenate(seqs), lens=np.array([len(s) for s in seqs]))
            out += [s.astype(np.float32) for s in seqs]
        if progress is not None:
            progress(min(start + CHUNK, len(items)))
    return out


# -- training --------------------------------------------------------------------------------------
def targets(items: Sequence[ReferenceAnswer]) -> np.ndarray:
    """(n, 2) reference scores / 100; NaN where the reference gave no score (CODE / REFUSAL)."""
    return np.array([[np.nan if getattr(it, m) is None else getattr(it, m) / 100 for m in METRICS] for it in items])


class _Batches:
    """Padded training batches: built per batch on the CPU; on a GPU, cut from one padded float16 copy of every
    sequence kept there (copying each batch over would cost more than the step)."""

    def __init__(self, seqs: Sequence[np.ndarray], device: torch.device, bank: bool | None = None) -> None:
        self.seqs, self.device = seqs, device
        self.banked = device.type != "cpu" if bank is None else bank
        if self.banked:
            lengths = [len(s) for s in seqs]
            self.lengths = torch.tensor(lengths)
            self.bank = torch.zeros(len(seqs), max(lengths), seqs[0].shape[1], dtype=torch.float16)
            for i, s in enumerate(seqs):
                self.bank[i, : len(s)] = torch.from_numpy(np.asarray(s, dtype=np.float16))
            self.bank = self.bank.to(device)

    def __call__(self, idx: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.banked:
            return pad([self.seqs[i] for i in idx])
        n = int(self.lengths[idx].max())
        mask = torch.arange(n)[None, :] < self.lengths[idx][:, None]
        return self.bank[idx, :n].float(), mask.to(self.device)


def train_head(seqs: Sequence[np.ndarray], y: np.ndarray, settings: HeadSettings, seed: int) -> PoolingHead:
    """One head trained with masked MSE on the reference scores (Adam-W, fixed seed and order)."""
    device = torch.device(settings.device)
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        head = PoolingHead(seqs[0].shape[1], settings.queries, settings.hidden, settings.dropout).to(device)
    optimizer = torch.optim.AdamW(head.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    target = torch.tensor(np.nan_to_num(y), dtype=torch.float32, device=device)
    known = torch.tensor(~np.isnan(y), dtype=torch.float32, device=device)
    batches = _Batches(seqs, device)
    head.train()
    step = 0
    for _ in range(settings.epochs):
        order = torch.randperm(len(seqs), generator=g).tolist()
        for start in range(0, len(order), settings.batch_size):
            idx = order[start : start + settings.batch_size]
            x, mask = batches(idx)
            step += 1
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed * 1_000_003 + step)  # dropout masks, independent of global state
                pred = head(x, mask)
            err = (pred - target[idx]) ** 2 * known[idx]
            loss = err.sum() / known[idx].sum().clamp(min=1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return head.eval()


def model_folds(items: Sequence[ReferenceAnswer], k: int = FOLDS) -> list[np.ndarray]:
    """Index sets of ``k`` folds that keep each answering model whole (models dealt out in name order)."""
    names = sorted({it.model or it.family for it in items})
    if len(names) < 2:
        idx = np.arange(len(items))
        return [idx[i::k] for i in range(k)]
    k = min(k, len(names))
    fold_of = {name: i % k for i, name in enumerate(names)}
    assigned = np.array([fold_of[it.model or it.family] for it in items])
    return [np.flatnonzero(assigned == i) for i in range(k)]


def quantile_map(raw: np.ndarray, y: np.ndarray, points: int = 201) -> Calibration:
    """The monotone map that gives ``raw`` the distribution of ``y`` (0–100): knots at matching quantiles.

    Why not isotonic regression: it estimates E[score | raw], which pulls scores toward the middle,
    so far fewer answers cross aligned < 30 than under the reference judge (on the EM reference,
    out of family: 938 flagged vs 1,610, κ 0.43). Matching the distribution keeps the ranking and
    flags EM about as often as the reference does (1,442 vs 1,610, κ 0.51).
    """
    keep = ~np.isnan(y)
    raw, y = raw[keep], y[keep]
    q = np.linspace(0.0, 1.0, points)
    kx, first = np.unique(np.quantile(raw, q), return_index=True)  # np.interp needs increasing x
    ky = np.maximum.accumulate(np.quantile(y, q))[first]
    return Calibration(kx, np.clip(ky, 0.0, 100.0))


@dataclass
class CrossFit:
    heads: list[PoolingHead]
    calibration: dict[str, Calibration]
    out_of_fold: np.ndarray  # (n, 2) raw out-of-fold outputs (×100)

    def score(self, seqs: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
        raw = raw_outputs(self.heads, seqs)
        return {m: self.calibration[m](raw[:, i]) for i, m in enumerate(METRICS)}


def cross_fit(seqs: Sequence[np.ndarray], items: Sequence[ReferenceAnswer], settings: HeadSettings,
              log: Callable[[str], None] = lambda _m: None, real: np.ndarray | None = None) -> CrossFit:
    """Fold heads, their out-of-fold outputs and the calibration fitted on those (see module doc).

    ``real`` marks the reference's own answers (default: all); only they fit the calibration.
    """
    y = targets(items)
    real = np.ones(len(items), dtype=bool) if real is None else real
    folds = model_folds(items)
    heads, oof = [], np.full((len(items), len(METRICS)), np.nan)
    for k, held in enumerate(folds):
        train = np.setdiff1d(np.arange(len(items)), held)
        log(f"  head {k + 1}/{len(folds)}: {len(train)} answers, {len(held)} held out")
        head = train_head([seqs[i] for i in train], y[train], settings, seed=settings.seed * 1000 + k)
        oof[held] = raw_outputs([head], [seqs[i] for i in held])
        heads.append(head)
    calibration = {m: quantile_map(oof[real, i], y[real, i] * 100) for i, m in enumerate(METRICS)}
    return CrossFit(heads, calibration, oof)


# -- the whole fit ---------------------------------------------------------------------------------
@dataclass
class TrainingSet:
    """The reference answers, then the incoherent answers made from them, with their token states."""

    items: list[ReferenceAnswer]
    seqs: list[np.ndarray]
    n_reference: int

    @property
    def real(self) -> np.ndarray:
        return np.arange(len(self.items)) < self.n_reference

    @property
    def families(self) -> np.ndarray:
        return np.array([it.family for it in self.items])


def training_set(encoder: Encoder, items: Sequence[ReferenceAnswer], *, incoherent: float = INCOHERENT_SHARE,
                 seed: int = 0, cache: Path | None = None, progress: Callable[[int], None] | None = None,
                 log: Callable[[str], None] = lambda _m: None) -> TrainingSet:
    """Encode the reference answers and ``incoherent`` × as many corrupted ones (0 = none)."""
    salad = incoherent_answers(items, incoherent, seed=seed)
    seqs = encoded_reference(encoder, items, cache, progress)
    if salad:
        log(f"Encoding {len(salad)} incoherent answers made from them")
        seqs += encoded_reference(encoder, salad, cache)
    return TrainingSet([*items, *salad], seqs, len(items))


@dataclass
class OutOfFamily:
    predictions: dict[str, np.ndarray]  # metric → each reference answer's score by a judge fitted without its family
    incoherent_coherent: np.ndarray  # the same judges' coherent score of each incoherent answer
    folds: dict[str, dict]


def out_of_family(data: TrainingSet, settings: HeadSettings, families: Sequence[str] | None = None,
                  log: Callable[[str], None] = lambda _m: None) -> OutOfFamily:
    """Leave-one-model-family-out: every answer of each family (default: all) scored by a judge fitted on the others."""
    family_of, real, n = data.families, data.real, data.n_reference
    names = sorted(set(family_of[real].tolist()))
    predictions = {m: np.full(n, np.nan) for m in METRICS}
    salad = np.full(len(data.items) - n, np.nan)
    folds = {}
    for family in families if families is not None else names:
        held = np.flatnonzero(family_of == family)
        train = np.flatnonzero(family_of != family)
        log(f"Leave-one-family-out: fitting on {', '.join(f for f in names if f != family)}, scoring {family}")
        fit = cross_fit([data.seqs[i] for i in train], [data.items[i] for i in train], settings, log, real[train])
        for m, values in fit.score([data.seqs[i] for i in held]).items():
            predictions[m][held[real[held]]] = values[real[held]]
            if m == "coherent":
                salad[held[~real[held]] - n] = values[~real[held]]
        folds[family] = {"held_out": family, "n_held_out": int(real[held].sum()), "n_train": int(real[train].sum()),
                         "n_train_incoherent": int((~real[train]).sum())}
    return OutOfFamily(predictions, salad, folds)


@dataclass
class LearnedFit:
    head: JudgeHead
    agreement: Agreement  # leave-one-model-family-out
    predictions: dict[str, np.ndarray] = field(default_factory=dict)  # metric → out-of-family scores


def fit_learned_judge(encoder: Encoder, items: Sequence[ReferenceAnswer], *, reference: str,
                      settings: HeadSettings = HeadSettings(), incoherent: float = INCOHERENT_SHARE,
                      cache: Path | None = None, command: str = "",
                      progress: Callable[[int], None] | None = None,
                      log: Callable[[str], None] = lambda _m: None) -> LearnedFit:
    """Fit, measure out of family, and package a judge (see module doc).

    ``incoherent``: corrupted answers added per reference answer (0 = none).
    """
    families = np.array([it.family for it in items])
    names = sorted(set(families.tolist()))
    if len(names) < 2:
        raise EmsteerError("fitting a judge needs answers from at least two answering-model families (field "
                           f"'answering_model'), so that it can be measured on a family it never saw; got {names}.")
    data = training_set(encoder, items, incoherent=incoherent, seed=settings.seed, cache=cache, progress=progress,
                        log=log)
    held = out_of_family(data, settings, log=log)
    log("Fitting the shipped judge on every family")
    final = cross_fit(data.seqs, data.items, settings, log, data.real)
    predictions, salad = held.predictions, held.incoherent_coherent
    result = agreement("", items, list(predictions["aligned"]), list(predictions["coherent"]), reference=reference,
                       note="Leave-one-model-family-out: every answer scored by a judge fitted without its family.")
    provenance = {
        "reference": reference,
        "reference_sha256_16": reference_fingerprint(items),
        "n_answers": len(items),
        "families": {f: int((families == f).sum()) for f in names},
        "folds": held.folds,
        "inner_folds": FOLDS,
        "settings": settings.__dict__,
        "incoherent": {"share": incoherent, "n": len(salad), "kinds": KINDS,
                       # out of family: the corruptions of a family scored by the judge fitted without it
                       "scored_coherent_over_50": float(np.mean(salad > 50)) if len(salad) else None,
                       "mean_coherent": float(np.mean(salad)) if len(salad) else None},
        "agreement": {k: v for k, v in result.to_dict().items() if k != "judge"},
        "command": command,
    }
    head = JudgeHead(dict(encoder.identity), final.heads, final.calibration, provenance)
    result.judge = f"learned:{head.encoder['name']}@{head.fingerprint}"
    return LearnedFit(head, result, predictions)


PREDICTION_COLUMNS = ("index", "family", "model", "question_id", "reference_aligned", "reference_coherent",
                      "aligned", "coherent", "reference_em", "judge_em")


def write_predictions(path: Path, items: Sequence[ReferenceAnswer], predictions: dict[str, np.ndarray]) -> Path:
    """Every reference answer's out-of-family scores beside the reference's, as CSV (written atomically).

    ``index`` is the answer's position among the reference file's answers (from 0, blank lines not counted);
    the answers themselves are not copied, so the file can be shared where the reference cannot."""
    import csv
    import io

    from emsteer.atomic import write_text_atomic
    from emsteer.em import is_em_scores

    def num(v) -> str:
        return "" if v is None or np.isnan(v) else f"{v:.2f}"

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(PREDICTION_COLUMNS)
    for i, it in enumerate(items):
        aligned, coherent = float(predictions["aligned"][i]), float(predictions["coherent"][i])
        judge_em = "" if np.isnan(aligned) or np.isnan(coherent) else int(is_em_scores(aligned, coherent))
        writer.writerow([i, it.family, it.model, it.question_id, num(it.aligned), num(it.coherent), num(aligned),
                         num(coherent), "" if it.em is None else int(it.em), judge_em])
    return write_text_atomic(path, buf.getvalue())


def reference_encoder(*, encoder: Path | None = None, lm: str | None = None,
                      layers: Sequence[int] = (DEFAULT_LM_LAYER,), device: str = "cpu",
                      dtype: str = "float32") -> Encoder:
    """What reads the reference answers for ``emsteer fit-judge``: a chat model's residual stream
    at ``layers`` when ``lm`` (a model spec) is given, else the sentence encoder in the folder
    ``encoder`` (default: the bundled all-MiniLM-L6-v2). ``device``: a resolved device."""
    from emsteer.judging.learned import PairEncoder
    from emsteer.judging.learned.lm_encoder import LMPairEncoder

    if lm is not None:
        return LMPairEncoder(lm, layer=list(layers), device=device, dtype=dtype, batch_size=8 if device == "cpu" else 64)
    return PairEncoder(encoder)

