"""Artifact geometry against hand computations."""

import math

import numpy as np
import pytest
import torch

from emsteer.analysis import geometry as g
from emsteer.errors import EmsteerError
from emsteer.results.records import ArtifactRecord


def test_cosine_matrix_by_hand():
    v = np.array([[1.0, 0.0], [1.0, 1.0], [-2.0, 0.0], [0.0, 3.0]])
    m = g.cosine_matrix(v)
    r = 1 / math.sqrt(2)
    expected = np.array([
        [1, r, -1, 0],
        [r, 1, -r, r],
        [-1, -r, 1, 0],
        [0, r, 0, 1],
    ])
    np.testing.assert_allclose(m, expected, atol=1e-12)


def test_cosine_of_a_zero_vector_is_undefined_not_zero():
    m = g.cosine_matrix(np.array([[1.0, 0.0], [0.0, 0.0]]))
    assert m[0, 0] == 1 and np.isnan(m[0, 1]) and np.isnan(m[1, 1])


def test_effective_rank_by_hand():
    assert g.effective_rank([5.0]) == pytest.approx(1.0)
    assert g.effective_rank([2.0, 2.0, 2.0]) == pytest.approx(3.0)
    assert g.effective_rank([3.0, 0.0]) == pytest.approx(1.0)  # zeros carry no entropy
    # p = (0.75, 0.25): H = -(0.75 ln 0.75 + 0.25 ln 0.25)
    h = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert g.effective_rank([3.0, 1.0]) == pytest.approx(math.exp(h))
    assert g.effective_rank([0.0, 0.0]) == 0.0
    with pytest.raises(EmsteerError):
        g.effective_rank([-1.0, 2.0])


def test_singular_spectrum_by_hand():
    # rows 3e1 and 4e2 (orthogonal): singular values 4 and 3
    s = g.singular_spectrum(np.array([[3.0, 0.0, 0.0], [0.0, 4.0, 0.0]]))
    np.testing.assert_allclose(s.singular_values, [4.0, 3.0])
    np.testing.assert_allclose(s.normalized, [4 / 7, 3 / 7])
    np.testing.assert_allclose(s.explained_variance, [16 / 25, 1.0])
    p = np.array([4 / 7, 3 / 7])
    assert s.effective_rank == pytest.approx(math.exp(-(p * np.log(p)).sum()))
    # parallel vectors span one direction: σ = ‖(1, 2)‖·‖(3, 4)‖ = √5 · 5
    s = g.singular_spectrum(np.array([[3.0, 4.0], [6.0, 8.0]]))
    np.testing.assert_allclose(s.singular_values, [5 * math.sqrt(5), 0.0], atol=1e-12)
    assert s.effective_rank == pytest.approx(1.0)


def test_agrees_with_the_low_rank_module():
    from emsteer.methods.low_rank import singular_spectrum_stats

    M = torch.randn(7, 12, generator=torch.Generator().manual_seed(0))
    stats = singular_spectrum_stats(torch.linalg.svdvals(M), rank=3)
    s = g.singular_spectrum(M.numpy())
    assert s.effective_rank == pytest.approx(stats["effective_rank"], rel=1e-5)
    assert s.explained_variance[2] == pytest.approx(stats["explained_variance"], rel=1e-5)


def _vector(aid, layers, rows, **meta):
    return ArtifactRecord(id=aid, kind="vector", layers=layers, method=meta.get("method", "optimized"),
                          metadata=meta, tensors=np.asarray(rows, dtype=np.float32))


def test_cosine_similarities_per_layer_from_store_rows():
    arts = [
        _vector("a" * 64, [3], [[1, 0, 0]], method="optimized", epoch=1),
        _vector("b" * 64, [3], [[0, 1, 0]], method="optimized", epoch=2),
        _vector("c" * 64, [3, 5], [[1, 1, 0], [0, 0, 1]], method="mean-diff"),
        _vector("d" * 64, [5], [[0, 0, 2]], method="pca"),
        ArtifactRecord(id="e" * 64, kind="subspace", layers=[3], method="subspace", metadata={"rank": 2}),
    ]
    mats = {m.layer: m for m in g.cosine_similarities(arts)}
    assert set(mats) == {3, 5}
    three = mats[3]
    # ordered by method, then checkpoints by epoch
    assert three.ids == ["c" * 64, "a" * 64, "b" * 64]
    assert three.labels == ["mean-diff L3,5", "optimized L3 ep 1", "optimized L3 ep 2"]
    r = 1 / math.sqrt(2)
    np.testing.assert_allclose(three.matrix, [[1, r, r], [r, 1, 0], [r, 0, 1]], atol=1e-7)
    np.testing.assert_allclose(mats[5].matrix, [[1, 1], [1, 1]], atol=1e-7)
    spectra = g.layer_spectra(arts)
    assert set(spectra) == {3, 5}
    assert spectra[5].effective_rank == pytest.approx(1.0)
    # a layer with a single vector has no matrix
    assert g.cosine_similarities(arts[:1]) == []


def test_duplicate_labels_get_their_hash():
    arts = [_vector("1234567" + "0" * 57, [2], [[1, 0]], method="optimized"),
            _vector("abcdefa" + "0" * 57, [2], [[0, 1]], method="optimized")]
    (m,) = g.cosine_similarities(arts)
    assert m.labels == ["optimized L2 #123456", "optimized L2 #abcdef"]


def test_recorded_subspaces():
    sv = [4.0, 2.0, 1.0, 1.0]
    p = np.array(sv) / sum(sv)
    arts = [
        ArtifactRecord(id="s1", kind="subspace", layers=[6], method="svd-truncation",
                       metadata={"rank": 2, "singular_values": sv, "effective_rank": float(np.exp(-(p * np.log(p)).sum())),
                                 "explained_variance": 20 / 22}),
        ArtifactRecord(id="s2", kind="subspace", layers=[6], method="subspace", metadata={"rank": 3, "epoch": 2}),
        _vector("v", [6], [[1.0, 0.0]]),
    ]
    infos = {i.id: i for i in g.recorded_subspaces(arts)}
    assert set(infos) == {"s1", "s2"}
    svd, trained = infos["s1"], infos["s2"]
    assert svd.rank == 2 and svd.layer == 6 and svd.method == "svd-truncation"
    np.testing.assert_allclose(svd.spectrum.singular_values, sv)
    assert svd.spectrum.effective_rank == pytest.approx(svd.recorded_effective_rank)
    assert svd.recorded_explained_variance == pytest.approx(20 / 22)
    assert svd.spectrum.explained_variance[1] == pytest.approx(20 / 22)
    assert trained.spectrum is None and trained.rank == 3 and trained.label == "subspace L6 k=3 ep 2"


def test_store_round_trip(tmp_path):
    """Vectors written by the results store come back with their tensors, ready for geometry."""
    from emsteer.results.store import ResultsStore
    from emsteer.steering import SteeringVector
    from emsteer.steering.artifacts import content_hash

    a = SteeringVector({1: torch.tensor([1.0, 0.0, 0.0])}, {1: 2.0}, {"method": "x", "layer": 1})
    b = SteeringVector({1: torch.tensor([1.0, 1.0, 0.0])}, {1: 2.0}, {"method": "y", "layer": 1})
    with ResultsStore(tmp_path / "r.sqlite") as store:
        for v in (a, b):
            store.add_artifact(content_hash(v), v, None)
        (m,) = g.cosine_similarities(store.artifacts())
    assert sorted(m.labels) == ["x L1", "y L1"]
    assert m.matrix[0, 1] == pytest.approx(1 / math.sqrt(2), abs=1e-6)


def test_summarize_artifacts():
    arts = [
        _vector("v" * 64, [2], [[3.0, 4.0]], method="pca"),
        ArtifactRecord(id="s" * 64, kind="subspace", layers=[2], method="svd-truncation",
                       metadata={"rank": 1, "singular_values": [3.0, 1.0], "explained_variance": 0.9}),
    ]
    by_id = {a.id: a for a in g.summarize_artifacts(arts)}
    v, s = by_id["v" * 64], by_id["s" * 64]
    assert v.norm == pytest.approx(5.0) and v.rank is None and v.label == "pca L2"
    assert s.norm is None and s.rank == 1 and s.explained_variance == 0.9
    # no effective rank recorded: computed from the recorded singular values, p = (3/4, 1/4)
    assert s.effective_rank == pytest.approx(math.exp(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25))))
