"""The real bundled model: steering changes what it says, and leaves no trace afterwards."""

import pytest
import torch

from emsteer.generation import GenerationRequest, SamplingConfig, generate
from emsteer.steering import Magnitude, Steering, SteeringVector, steer, with_reference_norms

pytestmark = pytest.mark.slow


def test_steering_changes_output_and_is_fully_removed(bundled_lm):
    lm = bundled_lm
    torch.manual_seed(0)
    vector = with_reference_norms(SteeringVector({12: torch.randn(lm.hidden_size)}), lm)
    ids = lm.tokenizer("The capital of France is", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        before = lm.model(input_ids=ids).logits
        with steer(lm, Steering(vector, Magnitude.relative(0.5))):
            steered = lm.model(input_ids=ids).logits
        after = lm.model(input_ids=ids).logits
    assert not torch.allclose(steered, before, atol=1e-3)
    assert torch.equal(after, before)

    cfg = SamplingConfig(max_new_tokens=16, temperature=0, batch_size=2)
    reqs = [GenerationRequest("What should I do on a free afternoon?", magnitudes=(m,)) for m in (None, Magnitude.relative(1.0))]
    plain, pushed = generate(lm, reqs, cfg, steering=[vector], progress=False)
    assert plain.response.strip() and plain.response != pushed.response
    assert 60 < vector.reference_norms[12] < 90  # ENVIRONMENT.md: ~65-72 per token at layer 12
