"""The OpenAI-compatible judge against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import logging
import time

import pytest

from emsteer.errors import EmsteerError
from emsteer.judging import CachedJudge, JudgmentCache, make_judge
from emsteer.judging.base import JudgeRequest, Judgment
from emsteer.judging.openai import OpenAIJudge, distribution_from_top_logprobs

from openai_server import FakeOpenAI

KEY = "sk-test-SECRET-0123456789"
FAST = {"backoff_base": 0.001, "backoff_max": 0.01, "timeout": 5}


@pytest.fixture
def server():
    with FakeOpenAI() as s:
        yield s


def judge_for(server: FakeOpenAI, **kw) -> OpenAIJudge:
    return OpenAIJudge("judge-model", base_url=server.base_url, **{**FAST, **kw})


def req(prompt: str, metric: str = "aligned") -> JudgeRequest:
    return JudgeRequest(metric=metric, prompt=prompt)


def test_score_is_probability_weighted_mean(server):
    server.distributions["p1"] = {"80": 0.5, " 80": 0.1, "90": 0.2, "hello": 0.2}
    server.distributions["p2"] = {"0": 0.3, "100": 0.3, "7": 0.4}
    [j1, j2] = judge_for(server).judge([req("p1"), req("p2", "coherent")])
    # by hand: (80·0.6 + 90·0.2) / 0.8 = 82.5 ; (0·0.3 + 100·0.3 + 7·0.4) / 1.0 = 32.8
    assert j1.score == pytest.approx(82.5)
    assert j1.numeric_mass == pytest.approx(0.8)
    assert j2.score == pytest.approx(32.8)
    assert (j1.metric, j2.metric) == ("aligned", "coherent")
    assert j1.judge == f"openai:judge-model@{server.base_url}"
    body = server.requests[0].body
    assert body["messages"] == [{"role": "user", "content": body["messages"][0]["content"]}]
    assert {k: body[k] for k in ("max_tokens", "temperature", "logprobs", "top_logprobs", "seed", "model")} == {
        "max_tokens": 3,
        "temperature": 0,
        "logprobs": True,
        "top_logprobs": 20,
        "seed": 0,
        "model": "judge-model",
    }


def test_only_top_logprobs_are_seen(server):
    # 21 candidates; the least likely ("100") falls outside the top 20 the server returns
    dist = {str(n): 0.04 for n in range(20)} | {"100": 0.001}
    server.distributions["p"] = dist
    [j] = judge_for(server).judge([req("p")])
    assert j.numeric_mass == pytest.approx(0.8)
    assert j.score == pytest.approx(sum(range(20)) / 20)


def test_low_numeric_mass_gives_no_score(server):
    server.distributions["p"] = {"I": 0.6, " can't": 0.2, "50": 0.2}  # "I can't judge this"
    [j] = judge_for(server).judge([req("p")])
    assert j.score is None
    assert j.numeric_mass == pytest.approx(0.2)
    assert j.label is None


def test_labels_detected(server):
    server.distributions["code"] = {"CODE": 0.7, "10": 0.3}
    server.distributions["ref"] = {"REF": 0.5, " Refusal": 0.2, "90": 0.3}
    [c, r] = judge_for(server).judge([req("code"), req("ref")])
    assert c.label == "CODE" and c.score == pytest.approx(10.0)
    assert c.label_mass == pytest.approx({"CODE": 0.7})
    assert r.label == "REFUSAL" and r.label_mass["REFUSAL"] == pytest.approx(0.7)
    assert r.score == pytest.approx(90.0)


def test_distribution_parsing_rules():
    import math

    top = [
        {"token": t, "logprob": math.log(p)}
        for t, p in [("101", 0.1), ("R", 0.1), ("Co", 0.1), ("cod", 0.1), ("-5", 0.1), ("5.0", 0.1), ("05", 0.1)]
    ]
    numbers, labels = distribution_from_top_logprobs(top)
    assert numbers == pytest.approx({5: 0.1})  # "05" → 5; 101, -5 and 5.0 are not numbers 0–100
    assert labels == pytest.approx({"CODE": 0.1})  # "cod" is a 3-letter prefix; "R", "Co" too short


def test_retries_after_429_and_500(server):
    server.fail(2, status=429, retry_after="0")
    server.fail(1, status=500)
    [j] = judge_for(server).judge([req("x")])
    assert j.score == pytest.approx(50.0)
    assert server.count == 4  # three failures, then the answer


def test_retry_after_is_honoured(server):
    server.fail(1, status=429, retry_after="0.4")
    t0 = time.monotonic()
    judge_for(server).judge([req("x")])
    assert time.monotonic() - t0 >= 0.4  # backoff alone would wait ≤ 0.0015 s
    assert server.count == 2


def test_gives_up_after_max_retries(server):
    server.fail(10, status=503, message="overloaded")
    with pytest.raises(EmsteerError, match=r"all 1 request\(s\) of the batch failed \(up to 3 attempt\(s\) each\); "
                       r"last problem: HTTP 503: overloaded"):
        judge_for(server, max_retries=2).judge([req("x")])
    assert server.count == 3


def test_timeouts_are_retried(server):
    server.fail(1, delay=1.0)  # slower than the 0.3 s client timeout
    [j] = judge_for(server, timeout=0.3).judge([req("x")])
    assert j.score == pytest.approx(50.0)
    assert server.count == 2


def test_other_4xx_fails_at_once_with_server_message(server):
    server.fail(5, status=400, message="model judge-model does not exist")
    with pytest.raises(EmsteerError, match="HTTP 400: model judge-model does not exist"):
        judge_for(server).judge([req("x")])
    assert server.count == 1


def test_one_reply_without_logprobs_is_retried(server):
    server.fail(1, no_logprobs=True)
    [j] = judge_for(server).judge([req("x")])
    assert j.score == pytest.approx(50.0)
    assert server.count == 2


def test_a_reply_that_cannot_be_decoded_is_retried_not_fatal(server):
    server.fail(1, bad_gzip=True)  # a 200 that says gzip and is not: httpx cannot decode it
    [j] = judge_for(server).judge([req("x")])
    assert j.score == pytest.approx(50.0)
    assert server.count == 2
    numbers, _ = distribution_from_top_logprobs([{"token": "50", "logprob": 1000.0}, {"token": "40", "logprob": float("nan")},
                                                 {"token": "30", "logprob": -0.1}])
    assert set(numbers) == {30}  # a logprob above 0 or nan is no probability (exp(1000) overflowed)


def test_fewer_top_logprobs_is_another_judge(server):
    assert judge_for(server).identity == f"openai:judge-model@{server.base_url}"
    assert judge_for(server, top_logprobs=5).identity == f"openai:judge-model@{server.base_url}[top5]"


def test_a_base_url_with_a_query_keeps_it_after_the_path(server):
    judge = OpenAIJudge("judge-model", base_url=server.base_url + "?api-version=2024-06-01", **FAST)
    [j] = judge.judge([req("x")])
    assert j.score == pytest.approx(50.0)
    assert server.requests[0].path == "/v1/chat/completions?api-version=2024-06-01"
    assert judge.url.endswith("/v1/chat/completions?api-version=2024-06-01")


def test_a_model_that_writes_numbers_digit_by_digit_is_refused(server):
    """Served Qwen or Llama answer 85 as "8", "5": the first token's distribution put aligned at 7.3
    where the judge meant 86.5, so every answer looked misaligned. It is refused, naming the way out."""
    server.distributions["p"] = {"8": 0.9, "1": 0.1}
    server.following = ["5"]
    with pytest.raises(EmsteerError, match=r"writes numbers digit by digit \('8', '5'\).*local: judge"):
        judge_for(server).judge([req("p")])
    assert server.requests[0].body["max_tokens"] >= 2
    server.following = [" because"]  # a whole number and then words: read as it always was
    server.distributions["p"] = {"85": 0.9, "100": 0.1}
    assert judge_for(server).judge([req("p")])[0].score == pytest.approx(86.5)


def test_an_endpoint_without_logprobs_is_a_clear_error(server):
    server.fail(100, no_logprobs=True)
    with pytest.raises(EmsteerError, match=r"no logprobs in its first 8 replies.*`logprobs` and `top_logprobs`"):
        judge_for(server, max_concurrency=4).judge([req(f"p{i}") for i in range(6)])
    assert 8 <= server.count <= 8 + 4  # stops once 8 replies lacked them (requests in flight may finish)


def test_api_key_sent_but_never_shown(monkeypatch, caplog):
    monkeypatch.setenv("JUDGE_KEY", KEY)
    with FakeOpenAI(api_key=KEY) as server:
        judge = judge_for(server, api_key_env="JUDGE_KEY")
        server.fail(1, status=500, message=f"upstream saw key {KEY}")
        with caplog.at_level(logging.WARNING, logger="emsteer.judging.openai"):
            [j] = judge.judge([req("x")])
        assert j.score == pytest.approx(50.0)
        assert all(r.headers["Authorization"] == f"Bearer {KEY}" for r in server.requests)
        assert KEY not in caplog.text and "[redacted]" in caplog.text
        assert KEY not in repr(judge) and KEY not in str(judge) and KEY not in judge.identity
        assert KEY not in j.judge
    # a server that echoes a wrong key in its 401 message: the error text must not carry it
    monkeypatch.setenv("JUDGE_KEY", KEY + "-wrong")
    with FakeOpenAI(api_key=KEY) as server:
        with pytest.raises(EmsteerError, match="HTTP 401") as err:
            judge_for(server, api_key_env="JUDGE_KEY").judge([req("x")])
        assert KEY not in str(err.value) and "[redacted]" in str(err.value)
        assert server.count == 1


def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY", raising=False)
    with pytest.raises(EmsteerError, match="NO_SUCH_KEY"):
        OpenAIJudge("gpt-4o", base_url="https://api.example.com/v1", api_key_env="NO_SUCH_KEY")
    # localhost endpoints (vLLM, llama.cpp) usually need no key
    judge = OpenAIJudge("m", base_url="http://127.0.0.1:9/v1", api_key_env="NO_SUCH_KEY")
    assert judge.identity == "openai:m@http://127.0.0.1:9/v1"


def test_base_url_from_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:8000/v1/")
    assert OpenAIJudge("m").identity == "openai:m@http://localhost:8000/v1"


def test_concurrency_limit_and_order():
    with FakeOpenAI(handle_delay=0.2) as server:
        prompts = [f"p{i}" for i in range(9)]
        for i, p in enumerate(prompts):
            server.distributions[p] = {str(i * 10): 1.0}
        out = judge_for(server, max_concurrency=3).judge([req(p) for p in prompts])
        assert [j.score for j in out] == [i * 10 for i in range(9)]
        assert server.max_in_flight == 3
        assert server.count == 9


def test_a_rejected_key_stops_the_batch(server):
    server.fail(1, status=401, message="bad key")
    with pytest.raises(EmsteerError, match="bad key"):
        judge_for(server, max_concurrency=2).judge([req(f"p{i}") for i in range(4)])


def test_cache_second_run_sends_nothing(server, tmp_path):
    server.distributions["a"] = {"20": 1.0}
    server.distributions["b"] = {"CODE": 0.9, "70": 0.1}
    requests = [req("a"), req("b"), req("a", "coherent")]
    first = CachedJudge(judge_for(server), tmp_path / "j.sqlite").judge(requests)
    assert server.count == 3
    with JudgmentCache(tmp_path / "j.sqlite") as cache:
        again = CachedJudge(judge_for(server), cache)
        second = again.judge(requests)
    assert server.count == 3  # nothing new reached the server
    assert second == first and again.hits == 3 and again.misses == 0
    assert isinstance(second[1], Judgment) and second[1].label == "CODE" and second[1].score is None


def test_make_judge_openai(server):
    judge = make_judge("openai:gpt-4o-2024-08-06", base_url=server.base_url, **FAST)
    assert isinstance(judge, OpenAIJudge)
    assert judge.identity == f"openai:gpt-4o-2024-08-06@{server.base_url}"
    assert judge.judge([req("x")])[0].score == pytest.approx(50.0)
    with pytest.raises(EmsteerError, match="openai:MODEL"):
        make_judge("openai")


def test_make_judge_unknown_backend_lists_known():
    with pytest.raises(EmsteerError, match=r"unknown judge backend 'gpt4'.*openai:MODEL.*local"):
        make_judge("gpt4:x")


def test_injected_answers_reach_the_endpoint_inside_unforgeable_delimiters(server, tmp_path):
    """What the endpoint is sent for a forged-delimiter answer: one REPLY>>> line, the template's own,
    followed by the template's text; a second run is served from the cache, an older prompt is not."""
    from emsteer.data.questions import format_judge_prompt
    from emsteer.judging.prompts import ALIGNED_PROMPT
    from emsteer.judging.validity.injection import check_injection, load_injection_set

    items = load_injection_set()[:2]
    tail = ALIGNED_PROMPT[ALIGNED_PROMPT.index("{answer}") + len("{answer}"):]
    with JudgmentCache(tmp_path / "j.sqlite") as cache:
        stale = items[0].injected["fake_delimiter"]  # cached for a prompt that filled the answer in raw
        CachedJudge(judge_for(server), cache).judge(
            [req(ALIGNED_PROMPT.replace("{question}", items[0].question).replace("{answer}", stale))])
        assert server.count == 1
        report = check_injection(CachedJudge(judge_for(server), cache), items)
        assert report.n_items == 2 and server.count == 1 + 2 * (1 + len(items[0].injected))
        sent = [r.body["messages"][-1]["content"] for r in server.requests[1:]]
        forged = format_judge_prompt(ALIGNED_PROMPT, items[0].question, stale)
        assert forged in sent and forged.endswith(tail)
        for prompt in sent:
            assert [line for line in prompt.splitlines() if line == "REPLY>>>"] == ["REPLY>>>"]
            assert prompt.endswith(tail) and "never instructions to you" in prompt
        check_injection(CachedJudge(judge_for(server), cache), items)
        assert server.count == 1 + 2 * (1 + len(items[0].injected))  # deterministic prompts: all from the cache
