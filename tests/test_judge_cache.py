"""The SQLite judgment cache and CachedJudge."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence

import pytest

from emsteer.errors import EmsteerError
from emsteer.judging.base import Judge, JudgeRequest, Judgment
from emsteer.judging.cache import CachedJudge, JudgmentCache, default_cache_path, judgment_key


class CountingJudge:
    """Scores a prompt as its length; records every batch it receives."""

    def __init__(self, identity: str = "count:v1", fail_on: str | None = None) -> None:
        self.identity = identity
        self.batches: list[list[JudgeRequest]] = []
        self.fail_on = fail_on

    def judge(self, requests: Sequence[JudgeRequest]) -> list[Judgment]:
        self.batches.append(list(requests))
        if any(r.prompt == self.fail_on for r in requests):
            raise RuntimeError("judge exploded")
        return [Judgment(r.metric, float(len(r.prompt)), 1.0, None, self.identity, {"CODE": 0.01}) for r in requests]


def reqs(*prompts: str, metric: str = "aligned") -> list[JudgeRequest]:
    return [JudgeRequest(metric, p) for p in prompts]


def test_key_depends_on_identity_metric_and_exact_prompt():
    base = judgment_key("j", "aligned", "prompt")
    assert base == judgment_key("j", "aligned", "prompt")
    assert len(base) == 64
    others = {
        judgment_key("j2", "aligned", "prompt"),
        judgment_key("j", "coherent", "prompt"),
        judgment_key("j", "aligned", "prompt "),
        judgment_key("ja", "ligned", "prompt"),
    }
    assert base not in others and len(others) == 4


def test_roundtrip_and_reopen(tmp_path):
    path = tmp_path / "sub" / "judgments.sqlite"
    stored = {
        "k1": Judgment("aligned", 12.5, 0.9, None, "j", {}),
        "k2": Judgment("aligned", None, 0.1, "REFUSAL", "j", {"REFUSAL": 0.8, "CODE": 0.05}),
        "k3": Judgment("coherent", 0.1 + 0.2, 0.30000000000000004, None, "j", {}),
    }
    with JudgmentCache(path) as cache:
        cache.put_many(stored)
        assert len(cache) == 3
        cache.put_many({"k1": Judgment("aligned", 99.0, 1.0, None, "j", {})})  # first value wins
    with JudgmentCache(path) as cache:
        got = cache.get_many(["k1", "k2", "k3", "missing"])
        assert got == stored  # exact floats, labels and label masses survive
        assert cache._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_cached_judge_sends_only_misses_in_one_batch(tmp_path):
    inner = CountingJudge()
    judge = CachedJudge(inner, tmp_path / "c.sqlite")
    assert isinstance(judge, Judge) and judge.identity == "count:v1"
    first = judge.judge(reqs("a", "bbb"))
    assert [j.score for j in first] == [1.0, 3.0]
    out = judge.judge(reqs("cc", "a", "dddd", "cc", "bbb") + reqs("a", metric="coherent"))
    assert [j.score for j in out] == [2.0, 1.0, 4.0, 2.0, 3.0, 1.0]
    assert [j.metric for j in out] == ["aligned"] * 5 + ["coherent"]
    # one batch of the three distinct misses, in first-appearance order
    assert [[(r.metric, r.prompt) for r in b] for b in inner.batches[1:]] == [
        [("aligned", "cc"), ("aligned", "dddd"), ("coherent", "a")]
    ]
    assert (judge.hits, judge.misses) == (3, 5)
    judge.judge(reqs("a", "cc"))
    assert len(inner.batches) == 2  # all hits: inner not called
    assert judge.judge([]) == []


def test_identity_separates_judges(tmp_path):
    cache = JudgmentCache(tmp_path / "c.sqlite")
    a, b = CountingJudge("judge-a"), CountingJudge("judge-b")
    CachedJudge(a, cache).judge(reqs("x"))
    [j] = CachedJudge(b, cache).judge(reqs("x"))
    assert len(b.batches) == 1 and j.judge == "judge-b"
    cache.close()


def test_chunks_keep_finished_work_when_a_later_chunk_fails(tmp_path):
    inner = CountingJudge(fail_on="boom")
    judge = CachedJudge(inner, tmp_path / "c.sqlite", chunk_size=2)
    with pytest.raises(RuntimeError, match="exploded"):
        judge.judge(reqs("a", "b", "c", "boom"))
    inner.fail_on = None
    judge.judge(reqs("a", "b", "c", "boom"))
    assert [[r.prompt for r in b] for b in inner.batches] == [["a", "b"], ["c", "boom"], ["c", "boom"]]


def test_wrong_result_count_is_an_error(tmp_path):
    class Short(CountingJudge):
        def judge(self, requests):
            return super().judge(requests)[:-1]

    with pytest.raises(EmsteerError, match="returned 1 judgments for 2 requests"):
        CachedJudge(Short(), tmp_path / "c.sqlite").judge(reqs("a", "b"))


def test_threads_share_one_cache(tmp_path):
    cache = JudgmentCache(tmp_path / "c.sqlite")
    judge = CachedJudge(CountingJudge(), cache)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(20):
                out = judge.judge(reqs(f"{t}-{i}", "shared" * (i % 3 + 1)))
                assert out[0].score == len(f"{t}-{i}")
        except BaseException as e:  # noqa: BLE001 - surfaced below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert len(cache) == 4 * 20 + 3


def test_corrupt_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.sqlite"
    path.write_bytes(b"this is not an sqlite database, just text" * 100)
    with pytest.raises(EmsteerError, match=r"bad\.sqlite: cannot open the judgment cache"):
        JudgmentCache(path)


def test_default_location_follows_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMSTEER_CACHE_DIR", str(tmp_path / "root"))
    assert default_cache_path() == tmp_path / "root" / "judgments.sqlite"
    with JudgmentCache() as cache:
        assert cache.path == tmp_path / "root" / "judgments.sqlite"
    assert sqlite3.connect(tmp_path / "root" / "judgments.sqlite").execute(
        "SELECT name FROM sqlite_master WHERE type='table'"
    ).fetchall() == [("judgments",)]
