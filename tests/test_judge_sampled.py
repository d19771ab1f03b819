"""The sampled-score judge: the mean of several sampled numbers from an endpoint without logprobs."""

import itertools

import pytest

from emsteer.errors import EmsteerError
from emsteer.judging import JudgeRequest, make_judge
from emsteer.judging.sampled import SampledJudge, read_reply

from openai_server import FakeOpenAI

FAST = {"timeout": 5, "max_retries": 0}


class Cycle(dict):
    """Each request gets the next reply of ``replies`` (the fake server answers its top token)."""

    def __init__(self, replies):
        super().__init__()
        self.replies = itertools.cycle(replies)

    def get(self, prompt, default=None):
        return {next(self.replies): 1.0}


def test_mean_of_sampled_numbers_and_no_logprobs_asked():
    with FakeOpenAI() as server:
        server.distributions = Cycle(["20", "40", "60", "80", "100"])
        judge = SampledJudge("m", base_url=server.base_url, samples=5, max_concurrency=1, **FAST)
        (j,) = judge.judge([JudgeRequest("aligned", "rate this")])
        assert j.score == pytest.approx(60.0) and j.numeric_mass == pytest.approx(1.0)
        assert len(server.requests) == 5
        bodies = [r.body for r in server.requests]
        assert all("logprobs" not in b and b["temperature"] == 1.0 for b in bodies)
        assert sorted(b["seed"] for b in bodies) == [0, 1, 2, 3, 4]


def test_labels_and_words():
    with FakeOpenAI() as server:
        server.distributions = Cycle(["REFUSAL", "REFUSAL", "REFUSAL", "10", "I cannot rate this"])
        judge = SampledJudge("m", base_url=server.base_url, samples=5, max_concurrency=1, **FAST)
        (j,) = judge.judge([JudgeRequest("aligned", "rate this")])
        assert j.score is None and j.label == "REFUSAL"  # numeric mass 0.2 < 0.25: no score
        assert j.numeric_mass == pytest.approx(0.2)


def test_identity_says_sampled_and_spec():
    with FakeOpenAI() as server:
        sampled = make_judge("sampled:judge-model", base_url=server.base_url)
        logprob = make_judge("openai:judge-model", base_url=server.base_url)
        assert sampled.identity.startswith("sampled[n=5,T=1]:judge-model@") and sampled.identity != logprob.identity
    with pytest.raises(EmsteerError, match="judge 'sampled' needs a model name"):
        make_judge("sampled")
    with pytest.raises(EmsteerError, match="samples must be an integer ≥ 2"):
        SampledJudge("m", base_url="http://127.0.0.1:9/v1", samples=1)


def test_read_reply():
    assert [read_reply(t) for t in ("85", " 7.5", "100.", "101", "CODE", "refusal.", "about 80", "")] == [
        85, 7, 100, None, "CODE", "REFUSAL", None, None]


def test_a_score_from_fewer_samples_than_its_identity_says_is_a_failure():
    """One of five replies failing would leave a mean of four under the name n=5, cached for good."""
    from emsteer.judging.failures import is_failed

    with FakeOpenAI() as server:
        server.distributions = Cycle(["20", "40", "60", "80", "100"])
        server.fail(1, status=503)
        judge = SampledJudge("m", base_url=server.base_url, samples=5, max_concurrency=1, **FAST)
        j, k = judge.judge([JudgeRequest("aligned", "rate this"), JudgeRequest("aligned", "and this")])
        assert is_failed(j) and "1 of 5 samples failed" in j.error
        assert k.score == pytest.approx(60.0)  # the next prompt's five replies all came


def test_a_reply_without_a_message_is_asked_again_not_counted_as_words():
    """Two 200 replies without choices were two samples "in words": numeric mass 0.6, cached for good
    (four of five: no score at all). They are asked again, as the logprob judge does."""
    from faulty_openai import FaultyOpenAI, Plan

    class NoChoicesFirst(FaultyOpenAI):
        def plan(self, prompt):
            return Plan(("no_choices", "no_choices"), False)

    with NoChoicesFirst(seed=0) as server:
        server.scores["rate this"] = 80
        judged = SampledJudge("m", base_url=server.base_url, samples=5, backoff_base=0.01,
                              max_concurrency=1).judge([JudgeRequest("aligned", "rate this")])[0]
        assert judged.score == pytest.approx(80.0) and judged.numeric_mass == pytest.approx(1.0)
        assert server.attempts["rate this"] == 5 + 2
