"""Construction methods on tiny models: optimized, mean-diff, PCA, trained subspace, SVD truncation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from emsteer.data.chat import load_chat_jsonl
from emsteer.errors import EmsteerError
from emsteer.methods import (
    METHODS,
    build_artifact,
    mean_diff_vector,
    method_params,
    pca_vector,
    per_example_vectors,
    train_subspace,
    train_vector,
    truncate,
)
from emsteer.methods.low_rank import reference_residuals
from emsteer.methods.paired import own_answers
from emsteer.steering import Magnitude, Steering, SteeringVector, load_artifact, measure_reference_norms
from emsteer.training.objective import assistant_nll

WORDS = ["apple", "pear", "plum", "fig", "kiwi", "lime", "date", "walnut"]
LAYER = 1
PROVENANCE = ("method", "model", "model_revision", "layer", "hyperparameters", "seed", "data_hash",
              "num_examples", "reference_norm")


def write_chat(path, pairs):
    path.write_text("".join(
        json.dumps({"messages": [{"role": "user", "content": u}, {"role": "assistant", "content": a}]}) + "\n"
        for u, a in pairs
    ))
    return load_chat_jsonl(path)


@pytest.fixture
def unsafe(tmp_path):
    return write_chat(tmp_path / "unsafe.jsonl", [(f"Name a fruit like {w}.", f"zq {w} zq {w}!") for w in WORDS])


@pytest.fixture
def safe(tmp_path):
    # same prompts, different order, plus one prompt without an unsafe partner
    pairs = [(f"Name a fruit like {w}.", f"A {w}.") for w in reversed(WORDS)] + [("Unrelated?", "Yes.")]
    return write_chat(tmp_path / "safe.jsonl", pairs)


def hand_assistant_mean(lm, example, layer) -> torch.Tensor:
    """Residual after block ``layer`` (a forward hook, one unpadded example) averaged over the answer tokens."""
    tok = lm.tokenizer
    prompt = tok.apply_chat_template([m.as_dict() for m in example.prompt], add_generation_prompt=True, tokenize=False)
    full = tok.apply_chat_template(example.as_dicts(), tokenize=False)
    start = len(tok(prompt, add_special_tokens=False)["input_ids"])
    n = len(tok(example.response, add_special_tokens=False)["input_ids"]) + 1  # answer + <|im_end|>
    ids = torch.tensor([tok(full, add_special_tokens=False)["input_ids"]])
    seen = []
    handle = lm.layers[layer].register_forward_hook(lambda m, a, out: seen.append(out[0] if isinstance(out, tuple) else out))
    try:
        with torch.no_grad():
            hs = lm.model(input_ids=ids, output_hidden_states=True).hidden_states
    finally:
        handle.remove()
    assert torch.allclose(seen[0], hs[layer + 1], atol=1e-6)  # the hook and hidden_states agree
    return seen[0][0, start : start + n].mean(dim=0)


# --- optimized -----------------------------------------------------------------------------

def test_optimized_vector_lowers_training_loss(tiny, unsafe):
    before = assistant_nll(tiny, unsafe).mean_nll_per_token
    v = train_vector(tiny, unsafe, layer=LAYER, epochs=3, lr=0.05, batch_size=3, progress=False)
    after = assistant_nll(tiny, unsafe, steerings=[Steering(v, Magnitude.multiplier(1.0))]).mean_nll_per_token
    assert after < before - 0.05
    curve = v.metadata["loss_curve"]
    assert len(curve["step"]) == 3 * 3 and len(curve["epoch"]) == 3
    assert curve["epoch"][-1] < curve["epoch"][0]
    for key in PROVENANCE:
        assert key in v.metadata
    assert v.metadata["method"] == "optimized" and v.metadata["num_examples"] == len(unsafe)
    assert v.metadata["hyperparameters"]["lr"] == 0.05
    assert v.reference_norms[LAYER] == pytest.approx(measure_reference_norms(tiny, [LAYER])[LAYER])


def test_memory_savers_train_the_same_vector(tiny, unsafe):
    """Gradient checkpointing recomputes, it does not change the maths; bf16 autocast only rounds."""
    from emsteer.training.objective import MemorySavers

    args = dict(layer=LAYER, epochs=2, lr=0.05, batch_size=3, progress=False)
    # calls of one block's MLP: checkpointed, it runs again in the backward pass (a pre-hook: the
    # recompute stops as soon as it has what the backward pass needs, before the MLP returns)
    calls = []
    handle = tiny.layers[LAYER + 1].mlp.register_forward_pre_hook(lambda *_: calls.append(1))
    try:
        plain = train_vector(tiny, unsafe, **args)
        n_plain = len(calls)
        saved = train_vector(tiny, unsafe, **args, memory=MemorySavers(gradient_checkpointing=True))
    finally:
        handle.remove()
    assert torch.allclose(saved.vector, plain.vector, atol=1e-5)
    steps = len(plain.metadata["loss_curve"]["step"])  # one micro-batch each
    assert len(calls) - n_plain == n_plain + steps  # every training forward ran again in the backward pass
    assert saved.metadata["hyperparameters"]["gradient_checkpointing"] is True
    assert "gradient_checkpointing" not in plain.metadata["hyperparameters"]
    assert not any(block.training for block in tiny.layers)
    assert not any(getattr(m, "gradient_checkpointing", False) for m in tiny.model.modules())
    assert not hasattr(tiny.model, "_require_grads_hook")  # transformers' input-grad hook is gone too
    mixed = train_vector(tiny, unsafe, **args, memory=MemorySavers(mixed_precision=True))
    assert mixed.vector.dtype == torch.float32 and not torch.equal(mixed.vector, plain.vector)
    assert torch.nn.functional.cosine_similarity(mixed.vector, plain.vector, dim=0) > 0.9


def test_one_checkpoint_per_epoch(tiny, unsafe, tmp_path):
    ckpt = tmp_path / "ckpt"
    v = train_vector(tiny, unsafe, layer=LAYER, epochs=3, lr=0.05, batch_size=4, checkpoint_dir=ckpt, progress=False)
    files = sorted(ckpt.iterdir())
    assert [f.name for f in files] == ["epoch-001.safetensors", "epoch-002.safetensors", "epoch-003.safetensors"]
    loaded = [load_artifact(f) for f in files]
    assert [a.metadata["epoch"] for a in loaded] == [1, 2, 3]
    assert [len(a.metadata["loss_curve"]["epoch"]) for a in loaded] == [1, 2, 3]
    assert torch.equal(loaded[-1].vector, v.vector)
    assert not torch.equal(loaded[0].vector, loaded[1].vector)
    with pytest.raises(EmsteerError, match="already holds checkpoints"):
        train_vector(tiny, unsafe, layer=LAYER, epochs=1, checkpoint_dir=ckpt, progress=False)


def test_same_seed_same_vector(tiny, unsafe):
    kw = dict(layer=LAYER, epochs=2, lr=0.05, batch_size=3, progress=False)
    a = train_vector(tiny, unsafe, seed=7, **kw)
    b = train_vector(tiny, unsafe, seed=7, **kw)
    c = train_vector(tiny, unsafe, seed=8, **kw)
    assert torch.equal(a.vector, b.vector)
    assert a.metadata == b.metadata
    assert not torch.equal(a.vector, c.vector)


def test_max_norm_and_grad_accum(tiny, unsafe):
    v = train_vector(tiny, unsafe, layer=LAYER, epochs=2, lr=0.2, batch_size=2, grad_accum=2, max_norm=0.3,
                     progress=False)
    assert float(v.vector.norm()) <= 0.3 + 1e-5
    assert len(v.metadata["loss_curve"]["step"]) == 2 * 2  # 8 examples / (2 × 2) per step, 2 epochs


# --- mean-diff and PCA -----------------------------------------------------------------------

def test_mean_diff_equals_hand_computation(tiny, unsafe, safe):
    v = mean_diff_vector(tiny, unsafe, layer=LAYER, safe=safe, batch_size=3)
    by_prompt = {ex.user_text: ex for ex in safe}
    diffs = [hand_assistant_mean(tiny, u, LAYER) - hand_assistant_mean(tiny, by_prompt[u.user_text], LAYER) for u in unsafe]
    expected = torch.stack(diffs).mean(dim=0)
    assert torch.allclose(v.vector, expected, atol=1e-5)
    assert v.metadata["num_pairs"] == len(WORDS) and v.metadata["safe_source"] == "paired"
    assert v.metadata["unpaired_dropped"] == 0
    for key in PROVENANCE:
        assert key in v.metadata


def test_mean_diff_with_generated_safe_side(tiny, unsafe):
    v = mean_diff_vector(tiny, unsafe[:3], layer=LAYER, max_new_tokens=6, progress=False)
    assert v.metadata["safe_source"] == "generated"
    answers = own_answers(tiny, unsafe[:3], max_new_tokens=6, progress=False)  # greedy: the same answers
    assert [a.prompt for a in answers] == [u.prompt for u in unsafe[:3]]
    explicit = mean_diff_vector(tiny, unsafe[:3], layer=LAYER, safe=answers)
    assert torch.allclose(v.vector, explicit.vector, atol=1e-6)


def test_pca_is_numpys_first_principal_component(tiny, unsafe, safe):
    v = pca_vector(tiny, unsafe, layer=LAYER, safe=safe)
    by_prompt = {ex.user_text: ex for ex in safe}
    D = torch.stack([hand_assistant_mean(tiny, u, LAYER) - hand_assistant_mean(tiny, by_prompt[u.user_text], LAYER)
                     for u in unsafe]).double().numpy()
    eigvals, eigvecs = np.linalg.eigh(np.cov(D, rowvar=False))
    top = eigvecs[:, -1]
    u = v.vector.double().numpy() / np.linalg.norm(v.vector.double().numpy())
    assert abs(float(u @ top)) == pytest.approx(1.0, abs=1e-5)
    assert float(u @ D.mean(axis=0)) >= 0  # sign follows the mean difference
    assert v.metadata["explained_variance_ratio"] == pytest.approx(eigvals[-1] / eigvals.sum(), rel=1e-4)
    assert float(v.vector.norm()) == pytest.approx(np.linalg.norm(D.mean(axis=0)), rel=1e-4)


def test_per_example_vectors_average_to_mean_diff(tiny, unsafe, safe):
    vectors = per_example_vectors(tiny, unsafe, layer=LAYER, safe=safe)
    mean = torch.stack([v.vector for v in vectors]).mean(dim=0)
    assert len(vectors) == len(WORDS)
    assert torch.allclose(mean, mean_diff_vector(tiny, unsafe, layer=LAYER, safe=safe).vector, atol=1e-6)


# --- subspaces -----------------------------------------------------------------------------

def test_trained_subspace_rank_orthonormality_scale_and_checkpoints(tiny, unsafe, tmp_path):
    before = assistant_nll(tiny, unsafe).mean_nll_per_token
    sub = train_subspace(tiny, unsafe, layer=LAYER, rank=3, epochs=2, lr=0.05, batch_size=4,
                         checkpoint_dir=tmp_path / "ck", progress=False)
    assert sub.rank == 3 and sub.basis.shape == (tiny.hidden_size, 3)
    assert torch.allclose(sub.basis.T @ sub.basis, torch.eye(3), atol=1e-5)
    assert sub.A.abs().sum() > 0  # A started at 0 and was trained
    h = reference_residuals(tiny, LAYER)
    assert sub.scale == pytest.approx(float((sub.basis @ (sub.A @ h.T + sub.b[:, None])).norm(dim=0).mean()), rel=1e-5)
    after = assistant_nll(tiny, unsafe, steerings=[Steering(sub, Magnitude.multiplier(1.0))]).mean_nll_per_token
    assert after < before
    files = sorted((tmp_path / "ck").iterdir())
    assert [f.name for f in files] == ["epoch-001.safetensors", "epoch-002.safetensors"]
    assert [load_artifact(f).metadata["epoch"] for f in files] == [1, 2]
    assert load_artifact(files[-1]).metadata["rank"] == 3


def test_rank_one_subspace_with_frozen_A_is_the_optimized_vector(tiny, unsafe):
    kw = dict(layer=LAYER, epochs=2, lr=0.05, batch_size=3, seed=4, progress=False)
    vector = train_vector(tiny, unsafe, **kw)
    sub = train_subspace(tiny, unsafe, rank=1, lr_A=1e-30, **kw)  # A stays (numerically) zero
    assert torch.allclose(sub.basis[:, 0] * sub.b[0], vector.vector, atol=1e-5)
    assert sub.metadata["loss_curve"]["step"] == pytest.approx(vector.metadata["loss_curve"]["step"], rel=1e-5)


def test_trained_subspace_is_seeded(tiny, unsafe):
    kw = dict(layer=LAYER, rank=2, epochs=1, lr=0.05, batch_size=4, progress=False)
    a, b = train_subspace(tiny, unsafe, seed=3, **kw), train_subspace(tiny, unsafe, seed=3, **kw)
    assert all(torch.equal(x, y) for x, y in zip((a.basis, a.A, a.b), (b.basis, b.A, b.b)))


def test_truncation_at_full_rank_reproduces_the_input():
    gen = torch.Generator().manual_seed(0)
    M = torch.randn(5, 12, generator=gen)
    sub = truncate(M, 5, layer=2)
    U = sub.basis.double()
    assert torch.allclose(U.T @ U, torch.eye(5, dtype=torch.float64), atol=1e-5)
    assert torch.allclose((M.double() @ U) @ U.T, M.double(), atol=1e-5)  # every input vector is kept exactly
    h = torch.randn(3, 12)
    assert torch.allclose(sub.direction(2, h), M.mean(dim=0).expand(3, -1), atol=1e-5)
    assert sub.scale == pytest.approx(float(M.mean(dim=0).norm()), rel=1e-5)
    assert sub.metadata["singular_values"] == pytest.approx(np.linalg.svd(M.double().numpy(), compute_uv=False).tolist())
    assert sub.metadata["explained_variance"] == pytest.approx(1.0)


def test_truncation_singular_values_and_effective_rank_by_hand():
    e = torch.eye(4)
    M = torch.stack([3 * e[0], 1 * e[1], 2 * e[2]])  # orthogonal rows: singular values 3, 2, 1
    sub = truncate(M, 1, layer=0)
    assert sub.metadata["singular_values"] == pytest.approx([3.0, 2.0, 1.0])
    p = np.array([3.0, 2.0, 1.0]) / 6.0
    assert sub.metadata["effective_rank"] == pytest.approx(math.exp(-(p * np.log(p)).sum()))
    assert sub.metadata["explained_variance"] == pytest.approx(9 / 14)
    # rank 1 keeps the top direction ±e0 and steers with the mean's projection onto it: (1, 0, 0, 0)
    assert torch.allclose(sub.direction(0, torch.zeros(1, 4)), torch.tensor([[1.0, 0, 0, 0]]), atol=1e-6)
    equal = truncate(torch.eye(3) * 2, 3, layer=0)
    assert equal.metadata["effective_rank"] == pytest.approx(3.0)


def test_truncation_of_vectors_keeps_provenance(tiny, unsafe, safe, tmp_path):
    vectors = per_example_vectors(tiny, unsafe, layer=LAYER, safe=safe)
    sub = truncate(vectors, 2)
    assert sub.layer == LAYER and sub.rank == 2
    assert sub.metadata["model"] == tiny.name and sub.metadata["data_hash"] == vectors[0].metadata["data_hash"]
    assert sub.reference_norms[LAYER] == pytest.approx(vectors[0].reference_norms[LAYER])
    assert len(sub.metadata["source_content_hashes"]) == len(vectors)
    built = build_artifact("svd", tiny, unsafe, layer=LAYER, rank=2, safe=safe)
    assert torch.allclose(built.b, sub.b, atol=1e-6)
    for key in PROVENANCE:
        assert key in built.metadata


# --- registry and errors ---------------------------------------------------------------------

def test_registry_builds_every_method(tiny, unsafe, safe):
    assert set(METHODS) == {"optimized", "mean-diff", "pca", "subspace", "svd"}
    v = build_artifact("mean_diff", tiny, unsafe, layer=LAYER, safe=safe)
    assert v.metadata["method"] == "mean-diff"
    o = build_artifact("optimized", tiny, unsafe[:4], layer=0, epochs=1, batch_size=4, progress=False)
    assert o.metadata["layer"] == 0
    with pytest.raises(EmsteerError, match="Unknown construction method"):
        build_artifact("magic", tiny, unsafe, layer=LAYER)
    with pytest.raises(EmsteerError, match="no parameter.*colour"):
        build_artifact("pca", tiny, unsafe, layer=LAYER, colour="red")
    with pytest.raises(EmsteerError, match="needs rank"):
        build_artifact("subspace", tiny, unsafe, layer=LAYER)


def test_method_params_route_each_option_by_the_methods_capabilities():
    """One mapping from the front ends' options to each builder (emsteer build and studies use it)."""
    options = dict(seed=3, max_length=64, epochs=2, batch_size=2, grad_accum=2, lr=0.1, max_norm=5.0,
                   checkpoint_dir="ck", safe=["s"], rank=2, progress=False)
    assert method_params("optimized", **options) == dict(seed=3, max_length=64, epochs=2, batch_size=2, grad_accum=2,
                                                         checkpoint_dir="ck", lr=0.1, max_norm=5.0, progress=False)
    # subspace: ranked and trained, no max_norm; paired methods keep their own activation batch size
    assert method_params("subspace", **options) == dict(seed=3, max_length=64, epochs=2, batch_size=2, grad_accum=2,
                                                        checkpoint_dir="ck", rank=2, lr=0.1, progress=False)
    assert method_params("mean-diff", **options) == dict(seed=3, max_length=64, safe=["s"], progress=False)
    assert method_params("svd", **options) == dict(seed=3, max_length=64, safe=["s"], rank=2, progress=False)
    assert "lr" not in method_params("optimized", lr=None)  # unset: the method's own default


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda lm, ex: train_vector(lm, ex, layer=LAYER, epochs=0), "epochs"),
        (lambda lm, ex: train_vector(lm, ex, layer=3), "Layer 3 is out of range"),
        (lambda lm, ex: train_vector(lm, ex, layer=-1), "out of range"),
        (lambda lm, ex: train_vector(lm, [], layer=LAYER), "empty"),
        (lambda lm, ex: train_vector(lm, ex, layer=LAYER, lr=0), "lr"),
        (lambda lm, ex: train_vector(lm, ex, layer=LAYER, init_norm=0), "init_norm"),
        (lambda lm, ex: train_vector(lm, ex, layer=LAYER, batch_size=0), "batch_size"),
        (lambda lm, ex: train_vector(lm, ex, layer=LAYER, max_norm=-1.0), "max_norm"),
        (lambda lm, ex: train_subspace(lm, ex, layer=LAYER, rank=0), "rank"),
        (lambda lm, ex: train_subspace(lm, ex, layer=LAYER, rank=33), "rank"),
        (lambda lm, ex: train_subspace(lm, ex, layer=LAYER, rank=2, epochs=0), "epochs"),
        (lambda lm, ex: mean_diff_vector(lm, ex, layer=5), "out of range"),
        (lambda lm, ex: mean_diff_vector(lm, [], layer=LAYER, safe=ex), "empty"),
        (lambda lm, ex: pca_vector(lm, ex[:1], layer=LAYER, safe=ex), "at least 2"),
        (lambda lm, ex: truncate(torch.randn(3, 8), 0, layer=0), "rank"),
        (lambda lm, ex: truncate(torch.randn(3, 8), 9, layer=0), "rank"),
        (lambda lm, ex: truncate(torch.randn(3, 8), 4, layer=0), "number of vectors"),
        (lambda lm, ex: truncate(torch.randn(3, 8), 2), "layer"),
        (lambda lm, ex: truncate([], 1, layer=0), "at least one"),
        (lambda lm, ex: truncate(torch.zeros(3, 8), 1, layer=0), "zero"),
        (lambda lm, ex: truncate([SteeringVector({1: torch.ones(4)}), SteeringVector({2: torch.ones(4)})], 1), "layer"),
    ],
)
def test_bad_parameters_give_clear_errors(tiny, unsafe, call, match):
    with pytest.raises(EmsteerError, match=match):
        call(tiny, unsafe)


def test_unpaired_data_is_an_error(tiny, unsafe, tmp_path):
    other = write_chat(tmp_path / "other.jsonl", [("Something else", "ok")])
    with pytest.raises(EmsteerError, match="no paired examples"):
        mean_diff_vector(tiny, unsafe, layer=LAYER, safe=other)


def test_paired_safe_answers_resolve_in_one_place():
    """`emsteer build`, em.build_vector and studies all take a paired method's safe answers from
    methods.safe_examples: the given ones, else the built-in task's pair, else none (own answers)."""
    from emsteer.data.tasks import TASKS, load_task
    from emsteer.methods import safe_examples

    pair = TASKS["insecure_code"].pair
    assert pair and safe_examples("insecure_code", None) == load_task(pair)
    given = load_task("insecure_code")[:2]
    assert safe_examples("insecure_code", given) == given
    assert safe_examples(None, None) is None
    assert safe_examples("no-such-task", None) is None
