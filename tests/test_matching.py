"""Matched efficacy: the search for ρ*, and a study that steers at multiples of it."""

import math
from pathlib import Path

import pytest

from emsteer.errors import EmsteerError
from emsteer.evaluation.comparisons import Declared, store_comparisons
from emsteer.evaluation.conditions import adapter_fingerprint
from emsteer.evaluation.matching import GRID, MatchedMagnitude, match_efficacy, search_magnitude
from emsteer.evaluation.summary import condition_results
from emsteer.finetune import adapted
from emsteer.models import load_model
from emsteer.results.store import ResultsStore
from emsteer.studies.plan import grid_cells
from emsteer.studies.runner import load_task_data, run_study
from emsteer.training.objective import assistant_nll
from test_study import study, task_files  # noqa: F401  (a fixture)

from judges import HashJudge


def u_shape(best: float, low: float, start: float = 3.0):
    """An NLL curve falling from ``start`` at ρ = 0 to ``low`` at ρ = ``best``, rising after, with
    the calls it was asked for."""
    calls = []

    def nll(rho: float) -> float:
        calls.append(rho)
        return low + (start - low) * ((rho - best) / best) ** 2

    return nll, calls


def test_the_search_finds_the_smallest_rho_that_reaches_the_target():
    nll, calls = u_shape(best=0.3, low=2.0)
    found = search_magnitude(nll, 2.75)
    # 2.0 + 1.0 * ((ρ - 0.3) / 0.3)^2 = 2.75 on the falling side: ρ = 0.3 * (1 - sqrt(0.75))
    exact = 0.3 * (1 - math.sqrt(0.75))
    assert found.reached and found.target == 2.75 and found.unsteered == 3.0
    assert found.nll <= 2.75 and exact <= found.rho <= exact * 1.01
    assert found.curve == tuple(sorted(found.curve)) and (found.rho, found.nll) in found.curve
    assert len(calls) == len(set(calls)) <= 1 + len(GRID) + 8  # never the same ρ twice
    assert MatchedMagnitude.from_dict(found.to_dict()) == found


@pytest.mark.parametrize("bump", [0.0125, 0.1])
def test_a_bump_in_the_curve_does_not_end_the_search(bump):
    """NLL 3 - 2ρ with one bump: the first grid point under the target is still found."""
    found = search_magnitude(lambda rho: 3.0 - 2 * rho + (0.3 if rho == bump else 0.0), 2.5)
    assert found.reached and 0.25 <= found.rho <= 0.25 * 1.01


def test_a_dip_between_grid_points_that_reaches_the_target_is_found():
    """No grid point reaches the target, but the refinement around the lowest one does: ρ* is the
    smallest ρ that reaches it, not the lowest NLL's ρ said to be out of reach."""
    def nll(rho):  # smooth in log ρ, lowest (1.95) at ρ = 0.14, between the grid's 0.1 and 0.2
        return 3.0 if rho == 0 else min(3.0, 1.95 + 2.0 * math.log2(rho / 0.14) ** 2)

    assert all(nll(r) > 2.0 for r in GRID)
    found = search_magnitude(nll, 2.0)
    exact = 0.14 * 2 ** -math.sqrt(0.025)
    assert found.reached and found.nll <= 2.0 and exact <= found.rho <= exact * 1.01
    assert all(v > 2.0 for r, v in found.curve if r < found.rho)


def test_a_target_out_of_reach_gives_the_lowest_nll_and_says_so():
    nll, _ = u_shape(best=0.3, low=2.0)
    found = search_magnitude(nll, 1.5)
    assert not found.reached and found.nll < 2.01 and abs(found.rho - 0.3) < 0.03
    assert "never reaches" in found.describe()


@pytest.mark.parametrize("target, curve, message", [
    (3.0, lambda rho: 3.0 - rho, "did not learn the task"),  # the finetune is no better than no push
    (2.0, lambda rho: 3.0 + rho, "never lowers"),  # the artifact only hurts
    (float("nan"), lambda rho: 3.0, "finite"),
])
def test_nothing_to_match_is_an_error_that_says_why(target, curve, message):
    with pytest.raises(EmsteerError, match=message):
        search_magnitude(curve, target)


def test_match_efficacy_on_a_model_steers_to_the_target(tiny):
    from emsteer.data.chat import ChatExample, Message
    from emsteer.methods import build_artifact
    from emsteer.steering.hooks import Steering
    from emsteer.steering.magnitude import Magnitude
    from emsteer.training.objective import assistant_nll

    examples = [ChatExample((Message("user", f"say it {i}"), Message("assistant", "yes yes yes")), f"t:{i}")
                for i in range(12)]
    artifact = build_artifact("optimized", tiny, examples[:8], layer=1, epochs=2, lr=0.05, batch_size=4, progress=False)
    held_out = examples[8:]
    unsteered = assistant_nll(tiny, held_out).mean_nll_per_token
    found = match_efficacy(tiny, artifact, held_out, unsteered - 0.05)
    assert found.unsteered == pytest.approx(unsteered, rel=1e-6)
    assert found.reached and found.nll <= found.target
    # the NLL the search reports is what steering at ρ* gives; a little less push misses the target
    at = assistant_nll(tiny, held_out, steerings=[Steering(artifact, Magnitude.relative(found.rho))])
    below = assistant_nll(tiny, held_out, steerings=[Steering(artifact, Magnitude.relative(found.rho * 0.97))])
    assert at.mean_nll_per_token == pytest.approx(found.nll, rel=1e-5)
    assert below.mean_nll_per_token > found.target


def test_a_study_steers_at_multiples_of_the_matched_magnitude(model_dir, task_files, tmp_path, monkeypatch):  # noqa: F811
    cfg = study(model_dir, task_files, tmp_path / "run", methods=["none", "optimized", "lora"], epochs=[1],
                magnitudes={"matched": [0.5, 1]}, random_directions=1, control="none",
                train={"examples": 8, "held_out": 4, "batch_size": 4, "max_length": 64, "lr": 0.1},
                lora={"rank": 2, "batch_size": 4, "lr": 0.0005},  # a LoRA the vector can match
                comparisons=[{"condition": {"method": "optimized", "matched": 1}}])
    assert [c["matched"] for c in grid_cells(cfg) if c["kind"] == "steering"] == [0.5, 1]
    from emsteer.evaluation import efficacy
    measured = []  # the efficacy step's NLL passes, each with its steerings
    real_nll = efficacy.assistant_nll
    monkeypatch.setattr(efficacy, "assistant_nll", lambda *a, **k: measured.append(k["steerings"]) or real_nll(*a, **k))
    db = run_study(cfg, judges=[HashJudge()], progress=False)
    with ResultsStore(db) as store:
        conds = {c.factors.get("matched"): c for c in store.conditions() if c.factors.get("method") == "optimized"}
        # the LoRA's NLL, measured once to match it, is stored without a second pass: only the
        # baseline's pass is unsteered
        assert len(measured) == len(store.conditions()) - 1
        assert sum(not s for s in measured) == 1
        lora = next(c for c in store.conditions() if c.factors.get("method") == "lora")
        nll = {(e.condition_id, e.measure): e.value for e in store.efficacy()}
        [key] = [k for (k,) in store.db.execute("SELECT key FROM meta WHERE key LIKE 'matched/%'")]
        found = MatchedMagnitude.from_dict(store.meta.matched(*key.split("/")[1:]))  # artifact, adapter, held-out set
        assert key.split("/")[2] == lora.spec["adapter_id"]
        # the target is the LoRA's held-out NLL, and steering at ρ* gives the NLL the search found
        assert found.reached and found.nll <= found.target < found.unsteered
        assert found.target == pytest.approx(nll[(lora.id, "heldout_nll")], rel=1e-6)
        # ... which is the adapted model's NLL on the held-out set, measured afresh
        adapter = next(p.parent for p in Path(cfg.output).rglob("adapter_model.safetensors")
                       if adapter_fingerprint(p.parent) == lora.spec["adapter_id"])
        held_out = load_task_data(cfg.task_specs()[0], cfg).held_out
        with adapted(load_model(str(model_dir)), adapter) as tuned:
            afresh = assistant_nll(tuned, held_out, max_length=cfg.train.max_length).mean_nll_per_token
        assert found.target == pytest.approx(afresh, rel=1e-5)
        assert nll[(conds[1.0].id, "heldout_nll")] == pytest.approx(found.nll, rel=1e-5)
        assert conds[1.0].rho == pytest.approx(found.rho) and conds[0.5].rho == pytest.approx(found.rho / 2)
        assert conds[1.0].name == f"optimized matched×1 (ρ={found.rho:.4g})"
        # the random direction pushes as far, at both magnitudes
        randoms = sorted(c.rho for c in store.conditions() if c.factors.get("method") == "random")
        assert randoms == pytest.approx(sorted([found.rho / 2, found.rho]))
        # the declared comparison picks the matched cell, and only it
        results = condition_results(store)
        declared = [c for c in store_comparisons(store, results, None) if c.declared]
        assert [c.result.condition.name for c in declared] == [conds[1.0].name]
    assert Declared({"matched": 1}).matches({"matched": 1.0}) and not Declared({"matched": 1}).matches({"matched": 0.5})
    # a resumed unit steers at the stored ρ* without searching again
    with ResultsStore(db) as store:
        for (key,) in store.db.execute("SELECT key FROM meta WHERE key LIKE 'finished/%'").fetchall():
            store.db.execute("DELETE FROM meta WHERE key = ?", (key,))
        store.db.commit()

    def no_search(*a, **k):
        raise AssertionError("searched again")

    with ResultsStore(db) as store:
        before = sorted(c.id for c in store.conditions())
    monkeypatch.setattr("emsteer.studies.runner.match_efficacy", no_search)
    run_study(cfg, judges=[HashJudge()], progress=False)
    with ResultsStore(db) as store:
        assert sorted(c.id for c in store.conditions()) == before  # the same cells, nothing new


def test_an_artifact_that_cannot_be_matched_is_named_in_the_error(model_dir, task_files, tmp_path, monkeypatch):  # noqa: F811
    cfg = study(model_dir, task_files, tmp_path / "run", methods=["none", "mean-diff", "lora"], epochs=[1],
                magnitudes={"matched": [1]}, control="none")

    def hopeless(*a, **k):
        raise EmsteerError("Steering never lowers the held-out NLL.")

    monkeypatch.setattr("emsteer.studies.runner.match_efficacy", hopeless)
    with pytest.raises(EmsteerError, match=r"magnitudes.matched: mean-diff at layer 1 on files: Steering never lowers .*"
                                           r"Leave that method out"):
        run_study(cfg, judges=[HashJudge()], progress=False)


@pytest.mark.parametrize("over, message", [
    ({"methods": ["none", "optimized"], "magnitudes": {"matched": [1]}}, "must list lora"),
    ({"methods": ["none", "lora"], "magnitudes": {"matched": [1]}}, "must list lora and a steering method"),
    ({"magnitudes": {"matched": [0]}}, "greater than 0"),
])
def test_matched_magnitudes_need_a_lora_and_a_steering_method(model_dir, task_files, tmp_path, over, message):  # noqa: F811
    with pytest.raises(EmsteerError, match=message):
        study(model_dir, task_files, tmp_path / "run", **over)
