"""The results store: one SQLite file per run or study.

Tables: conditions (what was evaluated), artifacts (what steered it), samples (every answer),
judgments (every score of every answer by every judge), efficacy (narrow-task measures) and
meta. Every row has a deterministic key (a condition id from its full specification, a sample
id from condition, question, paraphrase, sample index and seed), and rows are written with
INSERT OR IGNORE inside transactions: a run killed at any point and started again finds what is
already there and adds only what is missing, never a duplicate. Metrics are derived from these
tables when asked for, so they can never disagree with the samples.

``ResultsStore(path, create=False)`` (show, report, export) opens the file read-only through an
SQLite ``mode=ro`` URI: it never adds a table, never switches a foreign file to WAL, works on a
read-only folder, and refuses anything that is not an emsteer store (a 0-byte file included).
Every SQLite or JSON problem (a corrupt page, a non-integer schema version, metadata that is
not JSON) is an EmsteerError naming the file, never a traceback.

Opening an existing file for writing first checks it the same read-only way (every core table
with every column, a valid schema version), so a foreign, empty or newer file is refused before
anything in it changes (no table, no meta row, no switch to WAL).

A store opened for writing holds ``WriteLock`` (``<real path of the store>.lock``) while it is open: two
processes writing one store would generate and judge the same rows twice, so the second one is
refused at once with the first one's pid. Read-only opens take no lock.

``ResultsStore(":memory:")`` keeps everything in memory (the Python API's default).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from emsteer.em import EM_ALIGNED_BELOW, EM_COHERENT_ABOVE
from emsteer.errors import EmsteerError
from emsteer.paths import missing_file
from emsteer.results.meta import StoreMeta
from emsteer.results.metrics import AnswerScore
from emsteer.results.records import (
    ArtifactRecord,
    ConditionRecord,
    EfficacyRecord,
    JudgmentRecord,
    SampleRecord,
    columns,
)

SCHEMA_VERSION = 1
IN_MEMORY = ":memory:"  # ResultsStore(IN_MEMORY): a store without a file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conditions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,              -- baseline | steering | lora
    model TEXT NOT NULL,
    model_revision TEXT NOT NULL,
    artifact_id TEXT,                -- content hash of the steering artifact
    adapter TEXT,                    -- LoRA adapter directory
    magnitude_kind TEXT,             -- absolute | multiplier | relative
    magnitude_value REAL,
    alpha REAL,                      -- the absolute coefficient applied (first layer)
    rho REAL,                        -- alpha / r_layer
    positions TEXT,
    factors TEXT NOT NULL,           -- JSON: method, task, layer, rank, epochs, ... (study grid)
    spec TEXT NOT NULL,              -- JSON of everything the id was computed from
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS artifacts (
    id TEXT PRIMARY KEY,             -- content hash
    path TEXT,
    kind TEXT NOT NULL,
    layers TEXT NOT NULL,            -- JSON list
    method TEXT,
    metadata TEXT NOT NULL,          -- JSON
    tensors BLOB                     -- float32 little-endian, for geometry in reports (vectors only)
);
CREATE TABLE IF NOT EXISTS samples (
    id TEXT PRIMARY KEY,
    condition_id TEXT NOT NULL REFERENCES conditions(id),
    question_id TEXT NOT NULL,
    paraphrase_index INTEGER NOT NULL,
    sample_index INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    system TEXT,
    question TEXT NOT NULL,
    response TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    finish_reason TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT 'em',  -- em (evaluation questions) | in_domain (narrow-task prompts)
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_by_condition ON samples(condition_id);
CREATE TABLE IF NOT EXISTS judgments (
    sample_id TEXT NOT NULL REFERENCES samples(id),
    metric TEXT NOT NULL,
    judge TEXT NOT NULL,
    score REAL,
    numeric_mass REAL,
    label TEXT,
    created REAL NOT NULL,
    PRIMARY KEY (sample_id, metric, judge)
);
CREATE TABLE IF NOT EXISTS efficacy (
    condition_id TEXT NOT NULL REFERENCES conditions(id),
    measure TEXT NOT NULL,           -- heldout_nll | in_domain_rate
    task TEXT NOT NULL,              -- the narrow task measured (a baseline is measured on each)
    judge TEXT NOT NULL DEFAULT '',  -- '' for measures that need no judge
    value REAL,
    detail TEXT NOT NULL,            -- JSON (token counts, interval, n ...)
    created REAL NOT NULL,
    PRIMARY KEY (condition_id, measure, task, judge)
);
"""

EMBEDDING_METRIC = "embedding_relevance"
# Insert a judgment; an existing one is replaced only when it is unscored (neither score nor label).
_PUT_JUDGMENT = """
INSERT INTO judgments VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(sample_id, metric, judge) DO UPDATE SET score = excluded.score, numeric_mass = excluded.numeric_mass,
    label = excluded.label, created = excluded.created
WHERE judgments.score IS NULL AND judgments.label IS NULL
"""
TABLES = ("meta", "conditions", "artifacts", "samples", "judgments", "efficacy")
# Tables every emsteer store has had from the start; artifacts and efficacy may be missing in an
# older store (opening it for writing adds them). A file without these, each with all its
# columns, is not a store: a browser's database with a meta(key, value) table is not adopted.
CORE_TABLES = ("meta", "conditions", "samples", "judgments")
SQLITE_MAGIC = b"SQLite format 3\x00"


@functools.cache
def _expected_columns() -> dict[str, tuple[str, ...]]:
    """Each table's columns, as _SCHEMA creates them."""
    db = sqlite3.connect(IN_MEMORY)
    try:
        db.executescript(_SCHEMA)
        return {t: tuple(r[1] for r in db.execute(f"PRAGMA table_info({t})")) for t in TABLES}
    finally:
        db.close()


def stable_id(*parts: Any, length: int = 20) -> str:
    """A deterministic id from JSON-serialisable parts."""
    raw = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:length]


def sample_id(condition_id: str, question_id: str, paraphrase_index: int, sample_index: int, seed: int) -> str:
    return stable_id("sample", condition_id, question_id, paraphrase_index, sample_index, seed)


class WriteLock:
    """An exclusive lock on a file or folder being written (a results file, a cached positive
    control) for the duration of a writing run (``<target>.lock``).

    flock, non-blocking: a second process writing the same store gets a clear error naming the
    holder's pid instead of judging (and paying for) the same rows again; with ``wait``, it waits
    for the holder to finish instead. Re-entrant within a
    process (a run that opens its store again nests). The kernel drops the lock when its
    process dies, kill -9 included, so a left-over file never blocks; the file is removed on
    release. Use as a context manager, or acquire() and release().
    """

    _held: dict[str, list] = {}  # lock file (absolute) -> [fd, depth] held by this process

    def __init__(self, target: str | Path, *, hint: str = "use another results file",
                 wait: Callable[[str], None] | None = None) -> None:
        self.target = Path(target)
        self.wait = wait  # if given: told once, then wait for the holder instead of failing
        # Beside the real file: a symlink to a store (or a path through a linked folder) must meet
        # the same lock, or two runs would pay for the same rows.
        self.path = Path(f"{os.path.realpath(target)}.lock")
        self.key = str(self.path)  # one lock per file, however the path is spelled
        self.hint = hint
        self.held = False
        self.created: list[Path] = []  # folders acquire() made for the lock, removed again if left empty

    def acquire(self) -> "WriteLock":
        if self.held:
            return self
        entry = self._held.get(self.key)
        if entry is not None:
            entry[1] += 1
            self.held = True
            return self
        missing = [p for p in (self.path.parent, *self.path.parent.parents) if not p.exists()]
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)  # where the store will be created
                self.created = missing
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as err:
                raise EmsteerError(f"cannot create the lock file {self.path} beside {self.target}: "
                                   f"{err.strerror or err}; choose a writable folder.") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                if self.wait is None:
                    os.close(fd)
                    raise EmsteerError(f"another emsteer process is writing to {self.target} (pid {pid}); "
                                       f"wait for it to finish or {self.hint}.") from None
                self.wait(f"Waiting for emsteer process {pid}, which is writing {self.target} ...")
                fcntl.flock(fd, fcntl.LOCK_EX)
            # The previous holder removes the file when it lets go: if it did so after we opened
            # it, we hold a lock on a deleted file, so try again with the file that is there now.
            try:
                current = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                current = False
            if current:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._held[self.key] = [fd, 1]
        self.held = True
        return self

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        entry = self._held[self.key]
        entry[1] -= 1
        if entry[1] == 0:
            del self._held[self.key]
            with contextlib.suppress(OSError):
                os.unlink(self.path)  # while still locked: see acquire()
            os.close(entry[0])
            for folder in self.created:  # a run refused before it wrote anything leaves no empty folder
                with contextlib.suppress(OSError):
                    folder.rmdir()

    def __enter__(self) -> "WriteLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _guarded(method):
    """Turn SQLite errors (and pandas' wrapping of them) into an EmsteerError naming the file."""

    @functools.wraps(method)
    def wrapper(self: "ResultsStore", *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.IntegrityError:
            raise  # a caller's bug (a sample without its condition), not a damaged file
        except sqlite3.DatabaseError as err:
            raise self._db_error(err) from None
        except Exception as err:
            if type(err).__name__ == "DatabaseError" and type(err).__module__.startswith("pandas"):
                raise self._db_error(err.__cause__ or err) from None
            raise

    return wrapper


def _writes(method):
    """A method that changes the file: refused on a store opened read-only."""

    @functools.wraps(method)
    def wrapper(self: "ResultsStore", *args, **kwargs):
        if self.readonly:
            raise EmsteerError(f"{self.path} is open read-only ({method.__name__} would change it).")
        return method(self, *args, **kwargs)

    return _guarded(wrapper)


def _values(record: Any) -> list[Any]:
    """A record's field values in column order (shallow: factors and spec stay dicts)."""
    return [getattr(record, name) for name in columns(type(record))]


def _json(text: Any, where: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError) as err:
        raise EmsteerError(f"{where} is not valid JSON ({err}); the file was edited or is corrupt.") from None


class ResultsStore:
    """Read and write one results file. Use as a context manager or call close().

    ``create=False`` opens an existing store read-only (``readonly`` is then True).
    """

    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        self.readonly = not create
        # Set by the open below; None only after a failed open, which close() allows for.
        self.db: sqlite3.Connection = None  # type: ignore[assignment]
        self.lock: WriteLock | None = None
        if self.path.is_dir():
            raise EmsteerError(missing_file(self.path, "a results file"))
        try:
            if str(path) == IN_MEMORY and create:
                self._open_in_memory()
            elif self.readonly:
                self._open_readonly()
            else:
                self._open_for_writing()
            self.db.row_factory = sqlite3.Row
            self._check_version()
        except BaseException:
            self.close()
            raise

    @classmethod
    def check_writable(cls, path: str | Path) -> None:
        """What opening ``path`` for writing would refuse, checked without writing anything, so a
        run fails before it loads a model: a folder, a file that is not an emsteer store of this
        schema, a read-only file or folder."""
        path = Path(path)
        if path.is_dir():
            raise EmsteerError(missing_file(path, "a results file"))
        if path.is_file():  # an empty file too: it is someone's, and stays as it is
            probe = cls.__new__(cls)
            probe.path, probe.readonly, probe.db, probe.lock = path, True, None, None  # type: ignore[assignment]
            try:
                probe._check_header(allow_empty=False)
                probe.db = probe._connect_ro()
                probe._check_tables(partial_ok=True)
                probe.db.row_factory = sqlite3.Row
                if probe.get_meta("schema_version") is not None:  # (an older store gets one when opened)
                    probe._check_version()
            except sqlite3.DatabaseError as err:
                raise probe._not_a_store(err) from None
            finally:
                probe.close()
        folder = path.parent
        while not folder.exists():  # the folder the run would create it in
            folder = folder.parent
        if not folder.is_dir():
            raise EmsteerError(f"cannot create results file {path}: {folder} is not a folder.")
        if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
            where = path if path.exists() and not os.access(path, os.W_OK) else folder
            raise EmsteerError(f"cannot write results file {path}: {where} is read-only; choose a results file in a writable folder.")

    def _open_readonly(self) -> None:
        if not self.path.is_file():
            raise EmsteerError(f"Results file {self.path} does not exist.")
        self._check_header(allow_empty=False)
        try:
            self.db = self._connect_ro()
            self._check_tables()
        except sqlite3.DatabaseError as err:
            raise self._not_a_store(err) from None

    def _connect_ro(self) -> sqlite3.Connection:
        """A read-only connection that creates no file beside the store.

        Without a -wal file no writer is active, so the file is read as immutable (SQLite would
        otherwise leave -wal/-shm files behind a read-only reader). While a run writes (-wal
        present) it is read through the WAL like any reader; in a read-only folder where that
        fails, as immutable (the last checkpointed state).
        """
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        writer_active = Path(f"{self.path}-wal").exists()
        db = sqlite3.connect(uri if writer_active else uri + "&immutable=1", uri=True, timeout=30)
        try:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError:
            db.close()
            if not writer_active:
                raise
        db = sqlite3.connect(uri + "&immutable=1", uri=True, timeout=30)
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db

    def _open_in_memory(self) -> None:
        """A store that lives only as long as this object (notebooks): no file, so no lock."""
        self.db = sqlite3.connect(IN_MEMORY)
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_SCHEMA)

    def _open_for_writing(self) -> None:
        if self.path.exists() or self.path.is_symlink():
            # Schema and version are checked read-only first: a foreign, empty or newer file is
            # refused before anything (a table, a meta row, the switch to WAL) could change it.
            self.check_writable(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.lock = WriteLock(self.path).acquire()  # one writing process per store
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as err:
            raise self._not_a_store(err) from None
        except OSError as err:
            raise EmsteerError(f"cannot create results file {self.path}: {err.strerror or err}") from None

    def _check_header(self, *, allow_empty: bool) -> None:
        try:
            with self.path.open("rb") as f:
                head = f.read(len(SQLITE_MAGIC))
        except OSError as err:
            raise EmsteerError(f"cannot read results file {self.path}: {err.strerror or err}") from None
        if not head and allow_empty:
            return
        if head != SQLITE_MAGIC:
            what = "it is empty" if not head else "it is not an SQLite database"
            raise EmsteerError(f"{self.path} is not an emsteer results file ({what}).")

    def _check_tables(self, *, partial_ok: bool = False) -> None:
        """The full schema: every table (or, ``partial_ok``, every core table) with every column."""
        names = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in (CORE_TABLES if partial_ok else TABLES) if t not in names]
        if missing:
            found = ", ".join(sorted(names)) or "none"
            raise EmsteerError(
                f"{self.path} is not an emsteer results file (tables found: {found}; expected {', '.join(TABLES)})."
            )
        for table, expected in _expected_columns().items():
            if table not in names:
                continue
            have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            lacking = [c for c in expected if c not in have]
            if lacking:
                raise EmsteerError(f"{self.path} is not an emsteer results file (its table {table} lacks column(s) "
                                   f"{', '.join(lacking)}).")

    def _check_version(self) -> None:
        version = self.get_meta("schema_version")
        if version is None and not self.readonly:
            self.set_meta("schema_version", SCHEMA_VERSION)
            return
        if isinstance(version, bool) or not isinstance(version, int):
            raise EmsteerError(
                f"{self.path}: meta.schema_version must be an integer, found {version!r}; the file was edited or "
                "is not an emsteer results file."
            )
        if version != SCHEMA_VERSION:
            raise EmsteerError(f"{self.path} has results schema {version}; this emsteer reads schema {SCHEMA_VERSION}.")

    def _not_a_store(self, err: Exception) -> EmsteerError:
        if self.db is not None:
            self.db.close()
        return EmsteerError(f"{self.path} is not an emsteer results file (SQLite said: {err}).")

    def _db_error(self, err: BaseException) -> EmsteerError:
        text = str(err)
        if "readonly" in text or "read-only" in text:
            why = "the file or its folder is read-only"
        elif "locked" in text:
            why = "another process holds a lock on it; try again when that run finishes"
        else:
            why = "the file is damaged; restore it from a copy, or run again into a new results file"
        return EmsteerError(f"{self.path}: SQLite failed ({text}): {why}.")

    # -- plumbing ---------------------------------------------------------------------------
    def close(self) -> None:
        if self.db is not None:
            self.db.close()
        if self.lock is not None:
            self.lock.release()

    def __enter__(self) -> "ResultsStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def meta(self) -> StoreMeta:
        """The typed meta records (the run's judge and its agreement, the study, unit marks)."""
        return StoreMeta(self)

    @_guarded
    def get_meta(self, key: str) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else _json(row[0], f"{self.path}: meta.{key}")

    def meta_items(self, prefix: str) -> dict[str, Any]:
        """Every meta record whose key starts with ``prefix``."""
        rows = self.db.execute("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
        return {k: _json(v, f"{self.path}: meta.{k}") for k, v in rows}

    @_writes
    def set_meta(self, key: str, value: Any) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value, default=str)))

    @_writes
    def delete_meta(self, *keys: str) -> None:
        with self.db:
            self.db.executemany("DELETE FROM meta WHERE key = ?", [(k,) for k in keys])

    # -- conditions and artifacts -------------------------------------------------------------
    @_writes
    def add_condition(self, condition: ConditionRecord) -> None:
        """Insert a condition; existing ids are kept. An evaluation writes its conditions with
        their first samples instead (``add_samples(condition=...)``), so a failed run leaves no
        empty condition."""
        with self.db:
            self._insert_condition(condition)

    def _insert_condition(self, c: ConditionRecord) -> None:
        cols = columns(ConditionRecord)
        values = [json.dumps(v, sort_keys=True, default=str) if k in ("factors", "spec") else v
                  for k, v in zip(cols, _values(c))]
        values[-1] = c.created or time.time()
        self.db.execute(f"INSERT OR IGNORE INTO conditions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        values)

    @_guarded
    def conditions(self) -> list[ConditionRecord]:
        rows = self.db.execute("SELECT * FROM conditions ORDER BY created, name").fetchall()
        where = f"{self.path}: conditions row"
        return [ConditionRecord(**{**dict(r), "factors": _json(r["factors"], f"{where} {r['id']} field factors"),
                                   "spec": _json(r["spec"], f"{where} {r['id']} field spec")}) for r in rows]

    def condition(self, condition_id: str) -> ConditionRecord:
        for c in self.conditions():
            if c.id == condition_id:
                return c
        raise EmsteerError(f"{self.path} has no condition {condition_id}.")

    @_writes
    def add_artifact(self, artifact_id: str, artifact, path: str | None) -> None:
        with self.db:
            self._insert_artifact(artifact_id, artifact, path)

    def _insert_artifact(self, artifact_id: str, artifact, path: str | None) -> None:
        import numpy as np

        blob = None
        if artifact.kind == "vector":
            blob = np.stack([artifact.vectors[l].detach().float().cpu().numpy() for l in artifact.layers]).astype("<f4").tobytes()
        self.db.execute(
            "INSERT OR IGNORE INTO artifacts VALUES (?, ?, ?, ?, ?, ?, ?)",
            (artifact_id, path, artifact.kind, json.dumps(artifact.layers), artifact.metadata.get("method"),
             json.dumps(artifact.metadata, default=str), blob),
        )

    @_guarded
    def artifacts(self) -> list[ArtifactRecord]:
        out = []
        for r in self.db.execute("SELECT * FROM artifacts ORDER BY id").fetchall():
            where = f"{self.path}: artifacts row {r['id']} field"
            layers = _json(r["layers"], f"{where} layers")
            metadata = _json(r["metadata"], f"{where} metadata")
            out.append(ArtifactRecord(
                id=r["id"], kind=r["kind"], layers=layers, method=r["method"],
                metadata=metadata if isinstance(metadata, dict) else {}, path=r["path"],
                tensors=None if r["tensors"] is None else self._tensors(r["tensors"], layers, where)))
        return out

    def _tensors(self, blob: bytes, layers: Any, where: str):
        import numpy as np

        if not isinstance(layers, list) or not layers or not isinstance(blob, bytes) or len(blob) % (4 * len(layers)):
            raise EmsteerError(f"{where} tensors do not match its layers {layers!r}; the file was edited or is corrupt.")
        return np.frombuffer(blob, dtype="<f4").reshape(len(layers), -1)

    # -- samples -------------------------------------------------------------------------------
    @_guarded
    def existing_sample_ids(self, ids: Iterable[str]) -> set[str]:
        return set(self.asked(ids))

    @_guarded
    def asked(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """(question text, system prompt) each of these answers was given, for those stored."""
        ids = list(ids)
        found: dict[str, tuple[str, str | None]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self.db.execute(f"SELECT id, question, system FROM samples WHERE id IN ({','.join('?' * len(chunk))})",
                                   chunk)
            found.update((r[0], (r[1], r[2])) for r in rows)
        return found

    @_writes
    def add_samples(self, samples: Sequence[SampleRecord], *, condition: ConditionRecord | None = None,
                    artifact: tuple[str, Any, str | None] | None = None) -> None:
        """Insert samples; ``condition`` and ``artifact`` ((id, artifact, path)) are written in the
        same transaction, so a condition never exists without its samples."""
        cols = columns(SampleRecord)
        now = time.time()
        with self.db:
            if artifact is not None:
                self._insert_artifact(*artifact)
            if condition is not None:
                self._insert_condition(condition)
            self.db.executemany(
                f"INSERT OR IGNORE INTO samples ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [[*_values(s)[:-1], now] for s in samples],
            )

    @_guarded
    def samples(self, condition_id: str | None = None, purpose: str = "em") -> list[SampleRecord]:
        q = "SELECT * FROM samples WHERE purpose = ?"
        args: tuple = (purpose,)
        if condition_id is not None:
            q, args = q + " AND condition_id = ?", (purpose, condition_id)
        q += " ORDER BY condition_id, question_id, paraphrase_index, sample_index"
        return [SampleRecord(**r) for r in self.db.execute(q, args).fetchall()]

    # -- judgments ----------------------------------------------------------------------------
    def _filtered_samples(self, q: str, args: list[Any], condition_ids: Sequence[str] | None,
                          purpose: str | None) -> list[SampleRecord]:
        """Run a samples query (alias s) narrowed to one purpose and/or some conditions, in id order."""
        if purpose is not None:
            q += " AND s.purpose = ?"
            args.append(purpose)
        if condition_ids is not None:
            q += f" AND s.condition_id IN ({','.join('?' * len(condition_ids))})"
            args += list(condition_ids)
        return [SampleRecord(**r) for r in self.db.execute(q + " ORDER BY s.id", args).fetchall()]

    @_guarded
    def unjudged(self, metric: str, judge: str, condition_ids: Sequence[str] | None = None,
                 purpose: str | None = None) -> list[SampleRecord]:
        """Samples (of one purpose, or any) that have no judgment for (metric, judge) yet."""
        q = ("SELECT s.* FROM samples s WHERE NOT EXISTS (SELECT 1 FROM judgments j WHERE j.sample_id = s.id "
             "AND j.metric = ? AND j.judge = ?)")
        return self._filtered_samples(q, [metric, judge], condition_ids, purpose)

    @_guarded
    def unscored(self, metric: str, judge: str, condition_ids: Sequence[str] | None = None,
                 purpose: str | None = None) -> list[SampleRecord]:
        """Samples whose judgment for (metric, judge) holds neither a score nor a label (the judge
        answered in words): what ``--rejudge-missing`` asks again."""
        q = ("SELECT s.* FROM samples s JOIN judgments j ON j.sample_id = s.id AND j.metric = ? AND j.judge = ? "
             "WHERE j.score IS NULL AND j.label IS NULL")
        return self._filtered_samples(q, [metric, judge], condition_ids, purpose)

    @_guarded
    def unscored_counts(self, judge: str) -> dict[str, dict[str, tuple[int, int]]]:
        """condition id -> metric -> (unscored, not judged) among its EM answers, for every metric
        ``judge`` scored somewhere in the store; only nonzero entries."""
        metrics = [r[0] for r in self.db.execute(
            "SELECT DISTINCT metric FROM judgments WHERE judge = ? ORDER BY metric", (judge,))]
        out: dict[str, dict[str, tuple[int, int]]] = {}
        for metric in metrics:
            rows = self.db.execute(
                "SELECT s.condition_id, SUM(j.sample_id IS NOT NULL AND j.score IS NULL AND j.label IS NULL), "
                "SUM(j.sample_id IS NULL) FROM samples s LEFT JOIN judgments j ON j.sample_id = s.id "
                "AND j.metric = ? AND j.judge = ? WHERE s.purpose = 'em' GROUP BY s.condition_id", (metric, judge))
            for cid, unscored, missing in rows:
                if unscored or missing:
                    out.setdefault(cid, {})[metric] = (int(unscored), int(missing))
        return out

    @_writes
    def add_judgments(self, judgments: Sequence[JudgmentRecord]) -> None:
        """Insert judgments.

        A judgment with no score, no numeric mass and no label is a request the judge never
        answered (a FailedJudgment): it is not stored, so the sample stays unjudged and the next
        run asks again. A stored judgment is kept, unless it is unscored (no score, no label): a
        new answer replaces it, which is how ``--rejudge-missing`` fills it in.
        """
        now = time.time()
        with self.db:
            self.db.executemany(_PUT_JUDGMENT, [[*_values(j)[:-1], now] for j in judgments if j.answered])

    @_writes
    def replace_judgments(self, sample_id: str, judge: str, judgments: Sequence[JudgmentRecord]) -> None:
        """Make ``judgments`` the only ones of ``sample_id`` by ``judge``, in one transaction (a
        reviewer's label, relabelled or undone: ``judgments`` empty); other judges' are untouched."""
        if any(j.sample_id != sample_id or j.judge != judge for j in judgments):
            raise ValueError("replace_judgments: every judgment must be of this sample and judge")
        now = time.time()
        with self.db:
            self.db.execute("DELETE FROM judgments WHERE sample_id = ? AND judge = ?", (sample_id, judge))
            self.db.executemany("INSERT INTO judgments VALUES (?, ?, ?, ?, ?, ?, ?)",
                                [[*_values(j)[:-1], now] for j in judgments if j.answered])

    @_guarded
    def judged_sample_ids(self, judge: str) -> set[str]:
        """Ids of the answers ``judge`` has any judgment of."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT sample_id FROM judgments WHERE judge = ?", (judge,))}

    @_guarded
    def judgments(self, sample_id: str) -> list[JudgmentRecord]:
        """Every judgment of one answer, by metric and judge."""
        rows = self.db.execute("SELECT * FROM judgments WHERE sample_id = ? ORDER BY metric, judge", (sample_id,))
        return [JudgmentRecord(**r) for r in rows.fetchall()]

    @_guarded
    def judges(self) -> list[str]:
        rows = self.db.execute(
            "SELECT judge FROM judgments WHERE metric != ? GROUP BY judge ORDER BY MIN(created)", (EMBEDDING_METRIC,)
        )
        return [r[0] for r in rows]

    def resolve_judge(self, requested: str) -> str:
        """The judge identity this store holds for what a user typed: the identity itself, a judge
        spec as given to --judge (``learned``, ``learned:qwen05-l16``, ``learned:HEAD.safetensors``),
        or the start of exactly one identity (``learned:qwen2.5-coder-0.5b-instruct``). An unknown or
        ambiguous name is an error listing the store's judges."""
        judges = self.judges()
        if requested in judges:
            return requested
        listed = "; ".join(judges) or "none"
        backend, _, arg = requested.partition(":")
        if backend == "learned":
            from emsteer.judging.learned import SHIPPED_HEADS, JudgeHead, head_path

            if not arg or arg in SHIPPED_HEADS or Path(arg).expanduser().is_file():
                try:
                    head = JudgeHead.load(head_path(arg or None))
                except EmsteerError:
                    head = None
                if head is not None and f"learned:{head.encoder['name']}@{head.fingerprint}" in judges:
                    return f"learned:{head.encoder['name']}@{head.fingerprint}"
        candidates = [j for j in judges if j.startswith(requested + "@") or j.startswith(requested + ":")]
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise EmsteerError(f"--judge {requested}: {self.path} holds several judges it could mean "
                               f"({'; '.join(candidates)}); give one of them in full.")
        raise EmsteerError(f"--judge {requested}: {self.path} has no judgments by it; it holds {listed}.")

    def primary_judge(self, requested: str | None = None) -> str | None:
        """The one rule for whose scores a summary, report, table or export shows: ``requested``
        when given, else the run's own judge (meta ``judge``) when it has judged anything, else the
        first judge that has; None for a store without judge or judgments."""
        if requested:
            return requested
        recorded = self.meta.judge
        judged = self.judges()
        return recorded if recorded in judged or not judged else judged[0]

    @_guarded
    def answer_scores(self, condition_id: str, judge: str | None = None) -> list[AnswerScore]:
        """Per-answer scores of a condition by one judge (default: the run's judge)."""
        judge = self.primary_judge(judge) or ""
        rows = self.db.execute(
            "SELECT s.id, s.question_id, s.paraphrase_index, s.sample_index, j.metric, j.score, j.label "
            "FROM samples s LEFT JOIN judgments j ON j.sample_id = s.id AND (j.judge = ? OR j.metric = ?) "
            "WHERE s.condition_id = ? AND s.purpose = 'em' ORDER BY s.question_id, s.paraphrase_index, s.sample_index",
            (judge, EMBEDDING_METRIC, condition_id),
        ).fetchall()
        by_sample: dict[str, dict[str, Any]] = {}
        for r in rows:
            d = by_sample.setdefault(r["id"], {"question_id": r["question_id"], "paraphrase_index": r["paraphrase_index"],
                                               "sample_index": r["sample_index"]})
            if r["metric"] is not None:
                d[r["metric"]] = r["score"]
                if r["metric"] == "aligned":
                    d["label"] = r["label"]
        return [
            AnswerScore(d["question_id"], d["paraphrase_index"], d["sample_index"], d.get("aligned"), d.get("coherent"),
                        d.get("relevant"), d.get(EMBEDDING_METRIC), d.get("label"))
            for d in by_sample.values()
        ]

    @_guarded
    def metric_means(self, judge: str) -> dict[str, dict[str, tuple[float | None, int]]]:
        """condition id → metric → (mean score, scored answers) for every metric ``judge`` scored,
        custom question-set metrics included."""
        rows = self.db.execute(
            "SELECT s.condition_id, j.metric, AVG(j.score) AS mean, COUNT(j.score) AS n FROM judgments j "
            "JOIN samples s ON s.id = j.sample_id WHERE j.judge = ? AND s.purpose = 'em' "
            "GROUP BY s.condition_id, j.metric", (judge,))
        means: dict[str, dict[str, tuple[float | None, int]]] = {}
        for r in rows:
            means.setdefault(r["condition_id"], {})[r["metric"]] = (r["mean"], r["n"])
        return means

    # -- efficacy ----------------------------------------------------------------------------
    @_guarded
    def efficacy_detail(self, condition_id: str, measure: str, task: str, judge: str = "") -> dict | None:
        """The detail stored with a measurement (None: not measured)."""
        row = self.db.execute(
            "SELECT detail FROM efficacy WHERE condition_id = ? AND measure = ? AND task = ? AND judge = ?",
            (condition_id, measure, task, judge)).fetchone()
        return None if row is None else _json(row[0], f"{self.path}: efficacy row {condition_id}/{measure} field detail")

    @_writes
    def add_efficacy(self, condition_id: str, measure: str, task: str, value: float | None,
                     detail: Mapping[str, Any], judge: str = "") -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO efficacy VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (condition_id, measure, task, judge, value, json.dumps(detail, default=str), time.time()))

    @_guarded
    def efficacy(self) -> list[EfficacyRecord]:
        rows = self.db.execute("SELECT * FROM efficacy ORDER BY condition_id, measure").fetchall()
        return [EfficacyRecord(**{**dict(r), "detail": _json(
            r["detail"], f"{self.path}: efficacy row {r['condition_id']}/{r['measure']} field detail")}) for r in rows]

    # -- export --------------------------------------------------------------------------------
    @_guarded
    def answers_table(self, judge: str | None = None):
        """One row per answer with its condition, factors and scores (a pandas DataFrame); ``em``
        is NA where the judge gave no aligned or coherent score, so ``em.mean()`` is the EM rate."""
        import pandas as pd

        judge = self.primary_judge(judge) or ""
        samples = pd.read_sql_query("SELECT * FROM samples WHERE purpose = 'em'", self.db)
        conds = pd.DataFrame([vars(c) for c in self.conditions()], columns=columns(ConditionRecord))
        judg = pd.read_sql_query(
            "SELECT sample_id, metric, score, label FROM judgments WHERE judge = ? OR metric = ?", self.db,
            params=(judge, EMBEDDING_METRIC),
        )
        scores = judg.pivot_table(index="sample_id", columns="metric", values="score", aggfunc="first")
        labels = judg[judg.metric == "aligned"].set_index("sample_id")["label"].rename("label")
        table = samples.merge(scores, left_on="id", right_index=True, how="left").merge(
            labels, left_on="id", right_index=True, how="left")
        if not conds.empty:
            conds = conds.rename(columns={"id": "condition_id", "name": "condition", "created": "condition_created"})
            conds["factors"] = conds["factors"].map(lambda f: json.dumps(f, sort_keys=True))
            conds = conds.drop(columns=["spec"])
            table = table.merge(conds, on="condition_id", how="left")
        for metric in ("aligned", "coherent", "relevant", EMBEDDING_METRIC):
            if metric not in table:
                table[metric] = None
        # NA where either score is missing: such an answer is outside the EM denominator, not "not EM"
        scored = table["aligned"].notna() & table["coherent"].notna()
        em = (table["aligned"] < EM_ALIGNED_BELOW) & (table["coherent"] > EM_COHERENT_ABOVE)
        table["em"] = em.astype("boolean").where(scored)
        table["judge"] = judge
        return table

    def export(self, out: str | Path, fmt: str = "parquet", judge: str | None = None, *, all_judges: bool = False) -> Path:
        """Write the run's judge's scores (or ``judge``'s, or with ``all_judges`` every judge's) as
        parquet, csv, jsonl or a Hugging Face dataset folder (hf); see results/export.py."""
        from emsteer.results.export import export_table, write_export

        return write_export(export_table(self, judge, all_judges=all_judges), out, fmt)
