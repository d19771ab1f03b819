"""The vLLM backend. Its token bookkeeping is tested here without vLLM (a stand-in runner with a
flattened two-request batch); parity with the transformers backend needs vLLM and a CUDA GPU and
skips without them (benchmarks/gpu_check.py runs it with throughput figures)."""

from types import SimpleNamespace

import pytest
import torch

from emsteer.generation_vllm import _coefficient, _Steerer, _term_spec
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
