"""Rank-k steering subspaces: trained with the optimized objective, or SVD truncations of vector sets.

(a) ``train_subspace``: h' = h + U(Ah + b) with U ∈ R^{d×k} orthonormal, trained like an
    optimized vector. U is the Q factor of a free matrix W = [w₀ w₁ … w_{k-1}] (re-orthonormalised
    every step, so UᵀU = I always holds exactly) and the input-independent part is w₀ itself:
    U b = w₀ with b = Uᵀw₀ (w₀ lies in span U). So training starts as additive steering (A = 0)
    with w₀ initialised and updated exactly like ``train_vector``'s v: a rank-k subspace and a
    vector trained for the same epochs have made the same progress, and rank is the only
    difference (with A frozen, rank 1 *is* the optimized vector). A multiplies h, whose entries
    are ~r_ℓ/√d in size, so by default A learns at lr/(r_ℓ·√k): one Adam step then changes
    U·A·h by about as much as it changes w₀ (≈ lr·√d). The natural scale s = mean ‖U(Ah+b)‖
    over the reference prompts is measured and stored, so multiplier 1 applies the subspace
    exactly as trained.
(b) ``truncate``: the top-k right singular vectors of a set of vectors (per example, per epoch
    or per task), steering with the projection of the set's mean onto them (A = 0,
    b = Uᵀ·mean). Singular values, explained variance and effective rank are recorded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import torch

from emsteer.data.chat import ChatExample
from emsteer.errors import EmsteerError
from emsteer.methods.optimized import DEFAULT_INIT_NORM, DEFAULT_LR, random_init
from emsteer.methods.paired import PairedDifferences, paired_method
from emsteer.models import LoadedModel
from emsteer.steering.artifacts import SteeringSubspace, SteeringVector, content_hash, save_artifact
from emsteer.steering.hooks import Steering, capture_residuals, steer
from emsteer.steering.magnitude import Magnitude
from emsteer.steering.reference import REFERENCE_PROMPTS, measure_reference_norms, render_user_prompt
from emsteer.training.checkpoints import checkpoint_path, prepare_checkpoint_dir
from emsteer.training.objective import (
    LossCurve,
    LrSchedule,
    MemorySavers,
    check_examples,
    check_positive,
    check_training_args,
    encode_examples,
    provenance,
    steps_per_epoch,
    train_epochs,
)
from emsteer.training.resume import Resumable, artifact_run_settings, check_every


def check_rank(rank: object, hidden: int, *, limit: int | None = None, what: str = "") -> int:
    if isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= hidden:
        raise EmsteerError(f"rank must be an integer between 1 and the hidden size {hidden}, got {rank!r}.")
    if limit is not None and rank > limit:
        raise EmsteerError(f"rank {rank} exceeds {what} ({limit}): the set spans at most {limit} dimensions.")
    return rank


@torch.no_grad()
def reference_residuals(lm: LoadedModel, layer: int, *, batch_size: int = 8) -> torch.Tensor:
    """(tokens, hidden) float32 residuals at ``layer`` on the reference prompts, position 0 and padding excluded
    (the same tokens that define r_ℓ)."""
    texts = [render_user_prompt(lm.tokenizer, p) for p in REFERENCE_PROMPTS]
    rows = []
    for start in range(0, len(texts), batch_size):
        enc = lm.tokenizer(texts[start : start + batch_size], return_tensors="pt", padding=True,
                           padding_side="right", add_special_tokens=False)
        keep = enc["attention_mask"].bool()
        keep[:, 0] = False
        with capture_residuals(lm, [layer]) as store:
            lm.model(input_ids=enc["input_ids"].to(lm.device), attention_mask=enc["attention_mask"].to(lm.device),
                     use_cache=False, logits_to_keep=1)
        rows.append(store[layer][0].float().cpu()[keep])
    return torch.cat(rows)


def subspace_scale(U: torch.Tensor, A: torch.Tensor, b: torch.Tensor, residuals: torch.Tensor) -> float:
    """s = mean ‖U(Ah + b)‖ over the given residuals (U orthonormal, so ‖U x‖ = ‖x‖)."""
    return float((residuals @ A.T.float() + b.float()).norm(dim=-1).mean())


def orthonormal(W: torch.Tensor) -> torch.Tensor:
    """Q factor of W (d, k): orthonormal columns spanning W's columns, differentiable."""
    return torch.linalg.qr(W, mode="reduced").Q


def train_subspace(
    lm: LoadedModel,
    examples: Sequence[ChatExample],
    *,
    layer: int,
    rank: int,
    epochs: int = 1,
    lr: float = DEFAULT_LR,
    lr_A: float | None = None,
    batch_size: int = 4,
    grad_accum: int = 1,
    init_norm: float = DEFAULT_INIT_NORM,
    max_length: int = 256,
    seed: int = 0,
    checkpoint_dir: str | Path | None = None,
    progress: bool = True,
    memory: MemorySavers = MemorySavers(),
    lr_schedule: str = "constant",
    warmup_steps: int = 0,
    checkpoint_every: int = 0,
    resume: bool = False,
) -> SteeringSubspace:
    """Train a rank-``rank`` steering subspace at ``layer`` on the assistant tokens of ``examples``.

    ``lr`` drives W (U and w₀ = U b), ``lr_A`` the input-dependent map A (default lr/(r_ℓ·√k)); both
    follow ``lr_schedule`` after ``warmup_steps`` (as in ``train_vector``). Per-epoch and resumable
    mid-epoch checkpoints (``checkpoint_every``) as in ``train_vector``; same arguments and seed → the
    identical subspace, interrupted and continued or not.
    """
    examples = check_examples(examples)
    check_training_args(lm, layer=layer, epochs=epochs, lr=lr, batch_size=batch_size,
                        grad_accum=grad_accum, max_length=max_length, seed=seed)
    d = lm.hidden_size
    check_rank(rank, d)
    check_positive("init_norm", init_norm)
    schedule = LrSchedule(lr_schedule, warmup_steps)
    if lr_A is not None:
        check_positive("lr_A", lr_A)
    check_every(checkpoint_every)
    ckpt_dir = prepare_checkpoint_dir(checkpoint_dir, resume=resume)
    encoded = encode_examples(lm, examples, max_length=max_length)
    reference_norm = measure_reference_norms(lm, [layer])[layer]
    residuals = reference_residuals(lm, layer)
    asked_lr_A = lr_A  # None: the default rule, whose value depends on the measured r_ℓ
    lr_A = lr / (reference_norm * math.sqrt(rank)) if lr_A is None else lr_A
    hyper = dict(rank=rank, epochs=epochs, lr=lr, lr_A=lr_A, batch_size=batch_size, grad_accum=grad_accum,
                 init_norm=init_norm, max_length=max_length, optimizer="adam",
                 parametrization="U = QR(W).Q, U b = W[:, 0]")
    hyper.update(schedule.recorded())
    hyper.update(memory.recorded())
    meta = provenance(lm, method="subspace", layer=layer, examples=examples, hyperparameters=hyper,
                      seed=seed, reference_norm=reference_norm)

    # w₀ starts exactly like train_vector's v (same seed); the other columns only span room for A
    W0 = torch.cat([random_init(d, init_norm, seed)[:, None],
                    torch.randn(d, rank - 1, generator=torch.Generator().manual_seed(seed + 1))], dim=1)
    W = torch.nn.Parameter(W0.to(lm.device))
    A = torch.nn.Parameter(torch.zeros(rank, d, device=lm.device))
    optimizer = torch.optim.Adam([{"params": [W], "lr": lr}, {"params": [A], "lr": lr_A}])
    zeros = torch.zeros(rank, device=lm.device)

    def intervention():
        # h + w₀ (multiplier 1 adds the vector exactly) + U·A·h (scale 1, absolute 1: exactly U A h)
        additive = SteeringVector({layer: W[:, 0]})
        linear = SteeringSubspace(layer, orthonormal(W), A, zeros, scale=1.0)
        return steer(lm, Steering(additive, Magnitude.multiplier(1.0)), Steering(linear, Magnitude.absolute(1.0)))

    def snapshot(epoch: int, curve: LossCurve) -> SteeringSubspace:
        with torch.no_grad():
            U = orthonormal(W).detach().to("cpu", torch.float32).clone()
            A_ = A.detach().to("cpu", torch.float32).clone()
            b_ = U.T @ W[:, 0].detach().to("cpu", torch.float32)  # U b = w₀ (w₀ is in span U)
        s = subspace_scale(U, A_, b_, residuals)
        return SteeringSubspace(
            layer, U, A_, b_, scale=s, reference_norms={layer: reference_norm},
            metadata={**meta, "rank": rank, "epoch": epoch, "scale": s, "loss_curve": curve.as_dict()},
        )

    def on_epoch(epoch: int, curve: LossCurve) -> None:
        if ckpt_dir is not None:
            save_artifact(snapshot(epoch, curve), checkpoint_path(ckpt_dir, epoch))

    per_epoch = steps_per_epoch(len(encoded), batch_size, grad_accum)
    resumable = Resumable(ckpt_dir, artifact_run_settings(meta, lm.dtype, lr_A=asked_lr_A),
                          named=[("W", W), ("A", A)], optimizer=optimizer, device=lm.device, every=checkpoint_every,
                          per_epoch=per_epoch, resume=resume)
    curve = train_epochs(lm, encoded, optimizer, epochs=epochs, batch_size=batch_size, grad_accum=grad_accum,
                         seed=seed, intervention=intervention, on_epoch=on_epoch, progress=progress, memory=memory,
                         description=f"Optimizing rank-{rank} subspace @ layer {layer}", schedule=schedule,
                         start=resumable.start, on_step=resumable.on_step)
    resumable.finish()
    return snapshot(epochs, curve)


def singular_spectrum_stats(singular_values: torch.Tensor, rank: int) -> dict:
    """Explained variance of the top ``rank`` directions and effective rank exp(H(σ/Σσ))."""
    s = singular_values.double()
    total_sq = float((s**2).sum())
    p = s / s.sum()
    p = p[p > 0]
    entropy = float(-(p * p.log()).sum())
    return {
        "singular_values": [float(x) for x in s],
        "explained_variance": float((s[:rank] ** 2).sum()) / total_sq,
        "effective_rank": math.exp(entropy),
    }


def _common(values: list) -> object | None:
    return values[0] if values and all(v == values[0] for v in values) else None


def truncate(
    vectors: Sequence[SteeringVector] | torch.Tensor,
    rank: int,
    *,
    layer: int | None = None,
    lm: LoadedModel | None = None,
    metadata: dict | None = None,
) -> SteeringSubspace:
    """Rank-``rank`` SVD truncation of a set of vectors, steering with the projection of their mean.

    ``vectors`` is a sequence of SteeringVectors (all must have ``layer``; it may be omitted when
    they share one layer) or an (n, hidden) tensor (``layer`` required). The result has U = top
    right singular vectors, A = 0, b = Uᵀ·mean, scale ‖b‖ (multiplier 1 adds exactly U Uᵀ·mean;
    at full rank, the mean itself). Reference norms come from ``lm`` when given, else from the
    input vectors.
    """
    sources: list[SteeringVector] = []
    if isinstance(vectors, torch.Tensor):
        if vectors.ndim != 2 or vectors.shape[0] < 1:
            raise EmsteerError(f"vectors must be an (n, hidden) tensor, got shape {tuple(vectors.shape)}.")
        if layer is None:
            raise EmsteerError("truncate() of a plain tensor needs layer= (the layer the vectors steer).")
        M = vectors.detach().to("cpu", torch.float64)
    else:
        sources = list(vectors)
        if not sources:
            raise EmsteerError("truncate() needs at least one vector.")
        for v in sources:
            if not isinstance(v, SteeringVector):
                raise EmsteerError(f"truncate() takes SteeringVectors or a tensor, got {type(v).__name__}.")
        if layer is None:
            layers = {tuple(v.layers) for v in sources}
            if len(layers) != 1 or len(next(iter(layers))) != 1:
                raise EmsteerError(f"The vectors steer layers {sorted(layers)}; pass layer= to choose one.")
            layer = sources[0].layers[0]
        missing = [i for i, v in enumerate(sources) if layer not in v.vectors]
        if missing:
            raise EmsteerError(f"Vector(s) {missing} have no direction for layer {layer}.")
        sizes = {v.hidden_size for v in sources}
        if len(sizes) != 1:
            raise EmsteerError(f"The vectors have different hidden sizes {sorted(sizes)}: they come from different models.")
        M = torch.stack([v.vectors[layer].detach().to("cpu", torch.float64) for v in sources])
    if isinstance(layer, bool) or not isinstance(layer, int) or layer < 0:
        raise EmsteerError(f"layer must be a non-negative integer, got {layer!r}.")
    n, d = M.shape
    if lm is not None:
        lm.check_layer(layer)
        if lm.hidden_size != d:
            raise EmsteerError(f"The vectors have hidden size {d}, but {lm.name} has {lm.hidden_size}.")
    check_rank(rank, d, limit=n, what="the number of vectors")
    if not torch.isfinite(M).all():
        raise EmsteerError("The vectors contain NaN or infinite values.")
    _, S, Vh = torch.linalg.svd(M, full_matrices=False)
    if float(S[0]) == 0:
        raise EmsteerError("All vectors are zero: there is no subspace to keep.")
    U = Vh[:rank].T  # (d, k)
    mean = M.mean(dim=0)
    b = U.T @ mean
    if float(b.norm()) <= 1e-12 * float(S[0]):
        raise EmsteerError(
            f"The mean of the vectors has no component in their top-{rank} subspace, so steering with its "
            "projection would do nothing; use a higher rank."
        )
    stats = singular_spectrum_stats(S, rank)
    norms: dict[int, float] = {}
    if lm is None:
        known = [x for v in sources if (x := v.reference_norms.get(layer)) is not None]
        if known and len(known) == len(sources):  # every source knows r_ℓ
            norms = {layer: float(known[0])}
    meta_of = [v.metadata for v in sources]
    meta = {
        "method": "svd-truncation",
        "model": lm.name if lm is not None else _common([m.get("model") for m in meta_of]),
        "model_revision": lm.revision if lm is not None else _common([m.get("model_revision") for m in meta_of]),
        "layer": layer,
        "rank": rank,
        "hyperparameters": {"rank": rank, "centred": False, "steer_with": "projection of the mean"},
        "num_vectors": n,
        "data_hash": _common([m.get("data_hash") for m in meta_of]),
        "source_methods": sorted({str(m.get("method")) for m in meta_of}) if sources else [],
        "source_content_hashes": [content_hash(v) for v in sources],
        "mean_norm": float(mean.norm()),
        "projected_mean_norm": float(b.norm()),
        **stats,
        **(metadata or {}),
    }
    subspace = SteeringSubspace(layer, U.float(), torch.zeros(rank, d), b.float(), None, norms, meta)
    if lm is not None:
        subspace.reference_norms.update(measure_reference_norms(lm, [layer]))
    subspace.metadata["reference_norm"] = subspace.reference_norms.get(layer)
    return subspace


def per_example(p: PairedDifferences) -> list[SteeringVector]:
    """One mean-difference vector per pair (μ_unsafe − μ_safe), the per-example set for ``truncate``.

    Pairs come from ``safe`` or the model's own answers, as in ``mean_diff_vector``.
    """
    r = measure_reference_norms(p.lm, [p.layer])[p.layer]
    base = p.metadata("mean-diff-per-example", r)
    return [
        SteeringVector({p.layer: p.diffs[i]}, {p.layer: r}, {**base, "example": ex.source, "example_index": i})
        for i, ex in enumerate(p.data.unsafe)
    ]


def svd_of_differences(p: PairedDifferences, *, rank: int) -> SteeringSubspace:
    """``truncate`` of the per-example mean-difference vectors: a rank-k CAA subspace from data."""
    vectors = per_example(p)
    sub = truncate(vectors, rank, layer=p.layer, metadata={"set": "per-example mean differences"})
    sub.metadata.update(
        method="svd-per-example",
        num_examples=vectors[0].metadata["num_examples"],
        seed=vectors[0].metadata["seed"],
        hyperparameters={**sub.metadata["hyperparameters"], **vectors[0].metadata["hyperparameters"]},
        safe_source=vectors[0].metadata["safe_source"],
    )
    return sub


def _check_svd_rank(lm: LoadedModel, *, rank: int) -> None:
    check_rank(rank, lm.hidden_size)


per_example_vectors = paired_method(per_example)
svd_subspace = paired_method(svd_of_differences, check=_check_svd_rank)
