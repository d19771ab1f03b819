"""A durable judgment cache, so no (judge, metric, prompt) is ever judged twice.

Keys are sha256 over the judge identity, the metric and the exact filled-in prompt; values are
the Judgment as JSON. SQLite in WAL mode: readers never block, several processes can share the
file, and a killed run loses at most the batch in flight (judges that stream their results, like
the OpenAI one, lose nothing already answered). The default file is
``emsteer.paths.cache_dir() / "judgments.sqlite"``; a study may pass its own path.

Only well-formed judgments are kept (a score, or a CODE/REFUSAL label; see failures.py): a reply
in words or a failed request is returned to the caller but asked again by the next run. Entries
that older versions stored for such replies are ignored on read and replaced on write.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Self

from emsteer.errors import EmsteerError
from emsteer.judging.base import Judge, JudgeRequest, Judgment
from emsteer.judging.failures import JudgeError, is_well_formed

CACHE_FILENAME = "judgments.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS judgments (
    key TEXT PRIMARY KEY,       -- sha256 of [identity, metric, prompt]
    judge TEXT NOT NULL,        -- identity, for inspection and pruning
    metric TEXT NOT NULL,
    judgment TEXT NOT NULL,     -- Judgment as JSON
    created REAL NOT NULL
)
"""
_CHUNK = 500  # SQLite limits the number of bound parameters per statement
# An existing row is replaced only when it holds neither a score nor a label (older versions cached those).
_PUT = """
INSERT INTO judgments (key, judge, metric, judgment, created) VALUES (?, ?, ?, ?, ?)
ON CONFLICT(key) DO UPDATE SET judgment = excluded.judgment, created = excluded.created
WHERE json_extract(judgments.judgment, '$.score') IS NULL AND json_extract(judgments.judgment, '$.label') IS NULL
"""


def judgment_key(identity: str, metric: str, prompt: str) -> str:
    """sha256 (hex) of the JSON list [identity, metric, prompt]; JSON keeps the parts unambiguous."""
    raw = json.dumps([identity, metric, prompt], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def judgment_to_json(j: Judgment) -> str:
    return json.dumps(
        {
            "metric": j.metric,
            "score": j.score,
            "numeric_mass": j.numeric_mass,
            "label": j.label,
            "judge": j.judge,
            "label_mass": dict(j.label_mass),
        },
        sort_keys=True,
    )


def judgment_from_json(text: str) -> Judgment:
    d = json.loads(text)
    return Judgment(
        metric=d["metric"],
        score=d["score"],
        numeric_mass=d["numeric_mass"],
        label=d["label"],
        judge=d["judge"],
        label_mass=d.get("label_mass", {}),
    )


def default_cache_path() -> Path:
    from emsteer.paths import cache_dir

    return cache_dir() / CACHE_FILENAME


class JudgmentCache:
    """SQLite store of judgments; one connection guarded by a lock, so threads may share it."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_cache_path()
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(_SCHEMA)
        except (sqlite3.DatabaseError, OSError) as e:
            raise EmsteerError(f"{self.path}: cannot open the judgment cache ({e}); expected an SQLite file") from None

    def __repr__(self) -> str:
        return f"JudgmentCache({str(self.path)!r})"

    def get_many(self, keys: Iterable[str]) -> dict[str, Judgment]:
        """The cached well-formed judgments among ``keys`` (missing keys are simply absent)."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, Judgment] = {}
        with self._lock:
            for i in range(0, len(keys), _CHUNK):
                chunk = keys[i : i + _CHUNK]
                rows = self._conn.execute(
                    f"SELECT key, judgment FROM judgments WHERE key IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
                found.update((k, judgment_from_json(v)) for k, v in rows)
        return {k: j for k, j in found.items() if is_well_formed(j)}

    def put_many(self, items: Mapping[str, Judgment]) -> None:
        """Store the well-formed judgments in one transaction; an existing key keeps its first value."""
        now = time.time()
        rows = [(k, j.judge, j.metric, judgment_to_json(j), now) for k, j in items.items() if is_well_formed(j)]
        if not rows:
            return
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(_PUT, rows)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM judgments").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CachedJudge:
    """Wraps a judge: cached judgments are returned as stored, only misses reach the inner judge.

    Misses (deduplicated, in first-appearance order) go to the inner judge in one batch, or in
    batches of ``chunk_size`` so that a long run keeps what it has paid for if it is killed. A
    judge with ``iter_judgments`` (results as they arrive) has each judgment cached at once, so a
    batch that stops half-way keeps its finished half. ``hits`` and ``misses`` count requests
    answered from the cache and sent to the judge.
    """

    def __init__(self, judge: Judge, cache: JudgmentCache | str | Path | None = None, *, chunk_size: int | None = None):
        if chunk_size is not None and chunk_size < 1:
            raise EmsteerError(f"CachedJudge chunk_size must be a positive integer or None, got {chunk_size!r}")
        self.inner = judge
        self.cache = cache if isinstance(cache, JudgmentCache) else JudgmentCache(cache)
        self.chunk_size = chunk_size
        self.identity = judge.identity  # the cache is transparent: same judge, same identity
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"CachedJudge({self.inner!r}, {self.cache!r})"

    @property
    def agreement(self):
        """The inner judge's shipped agreement with a reference judge, if it has one."""
        return getattr(self.inner, "agreement", None)

    def judge(self, requests: Sequence[JudgeRequest], *, refresh: bool = False) -> list[Judgment]:
        """Judgments of ``requests``; ``refresh`` sends every one to the judge, whatever the cache holds
        (``--rejudge-missing``: the stored answer was unscored, so ask again)."""
        # a judge that scores some metrics with another judge keys those by that judge too
        whose = getattr(self.inner, "cache_identity", lambda metric: self.identity)
        keys = [judgment_key(whose(r.metric), r.metric, r.prompt) for r in requests]
        known = {} if refresh else self.cache.get_many(keys)
        todo: dict[str, JudgeRequest] = {}
        for k, r in zip(keys, requests):
            if k not in known and k not in todo:
                todo[k] = r
        pending = list(todo.items())
        step = self.chunk_size or max(len(pending), 1)
        self.misses += len(pending)
        self.hits += len(requests) - len(pending)
        try:
            for i in range(0, len(pending), step):
                chunk = pending[i : i + step]
                known.update(self._judge_chunk(chunk))
        except (KeyboardInterrupt, JudgeError) as e:  # what did arrive, in request order, for the caller to keep
            partial = getattr(e, "partial", None) or []
            known.update({k: j for (k, _), j in zip(chunk, partial) if j is not None})
            e.partial = [known.get(k) for k in keys]  # type: ignore[union-attr]
            raise
        return [known[k] for k in keys]

    def _judge_chunk(self, chunk: Sequence[tuple[str, JudgeRequest]]) -> dict[str, Judgment]:
        stream = getattr(self.inner, "iter_judgments", None)
        if stream is None:
            results = self.inner.judge([r for _, r in chunk])
            if len(results) != len(chunk):
                raise EmsteerError(f"judge {self.identity} returned {len(results)} judgments for {len(chunk)} requests")
            fresh = {k: j for (k, _), j in zip(chunk, results)}
            self.cache.put_many(fresh)
            return fresh
        fresh = {}
        it = stream([r for _, r in chunk])
        try:
            try:
                for i, j in it:
                    fresh[chunk[i][0]] = j
                    self.cache.put_many({chunk[i][0]: j})  # saved as it arrives: a stop later loses nothing
            except KeyboardInterrupt as e:
                # Interrupted here rather than inside the judge: let it collect the replies in flight.
                arrived = getattr(e, "arrived", None)
                if arrived is None and hasattr(it, "throw"):
                    try:
                        it.throw(e)
                    except KeyboardInterrupt as inner:
                        e, arrived = inner, getattr(inner, "arrived", None)
                late = {chunk[i][0]: j for i, j in arrived or []}
                fresh.update(late)
                self.cache.put_many(late)  # paid for: saved before the interrupt goes on
                e.partial = [fresh.get(k) for k, _ in chunk]  # type: ignore[attr-defined]
                raise e from None
        except JudgeError as e:
            e.partial = [fresh.get(k) for k, _ in chunk]
            raise
        if len(fresh) != len(chunk):
            raise EmsteerError(f"judge {self.identity} returned {len(fresh)} judgments for {len(chunk)} requests")
        return fresh
