"""Reliability and security (issue 13): faults, tampering, secrets and bad input never cost data or truth.

- a bad-input corpus: every case is an EmsteerError naming the file and the line or field, and
  leaves every file under the test's folder (and emsteer's cache) exactly as it was;
- a fault-injecting OpenAI-compatible server: a batch completes with every request judged
  exactly once (after at most one re-run for the unscored ones), no prompt sent more often
  than its retry limit per run;
- numeric options and study-config numbers that would silently change the data are refused,
  naming the option or field, before anything is written;
- unscored judgments are re-asked on request (--rejudge-missing) and counted by show;
- one writing process per store (a second one is refused with the holder's pid), no condition
  without answers after a failed run, and judge specs, controls and store paths checked before
  any model loads;
- tamper tests for every field of an artifact file;
- URL credentials never reach a file, a log or a message;
- the public EM training sets encode with the defaults.
"""

from __future__ import annotations

import functools
import gzip
import inspect
import json
import logging
import math
import os
import sqlite3
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from emsteer.errors import EmsteerError
from emsteer.judging.base import JudgeRequest
from emsteer.judging.cache import CachedJudge, JudgmentCache, judgment_key
from emsteer.judging.failures import FailedJudgment, JudgeError
from emsteer.judging.openai import OpenAIJudge
from emsteer.results.records import ConditionRecord, JudgmentRecord, SampleRecord
from emsteer.results.store import ResultsStore
from emsteer.steering import SteeringSubspace, SteeringVector, import_vector, load_artifact, save_artifact
from emsteer.steering.artifacts import LEGACY_FORMAT, _legacy_hash

from faulty_openai import FaultyOpenAI
from openai_server import FakeOpenAI

FAST = {"backoff_base": 0.001, "backoff_max": 0.01}


# -- helpers -----------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under root with its size, mtime and leading bytes: 'nothing written' is equality."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns, p.read_bytes()[:4096])
        elif p.is_dir():
            out[str(p.relative_to(root)) + "/"] = (0, 0, b"")
    return out


def make_store(path: Path, n: int = 3) -> Path:
    """A small valid results store: one condition, ``n`` samples, one judgment each, an efficacy row."""
    with ResultsStore(path) as store:
        store.set_meta("judge", "test:j")
        store.add_condition(ConditionRecord("c1", "baseline", "baseline", "m", "r", factors={"method": "none"}, spec={"seed": 0}))
        store.add_samples([SampleRecord(f"s{i}", "c1", "q", 0, i, i, None, "hi?", f"answer {i}", 3, 2, "stop") for i in range(n)])
        store.add_judgments([JudgmentRecord(f"s{i}", "aligned", "test:j", 90.0, 1.0) for i in range(n)])
        store.add_efficacy("c1", "heldout_nll", "t", 1.0, {"n": 1})
    return path


def edit_sqlite(path: Path, sql: str) -> None:
    db = sqlite3.connect(path)
    db.execute(sql)
    db.commit()
    db.close()


def write_gguf(path: Path, tensors: dict[str, np.ndarray], arch: str = "controlvector") -> Path:
    import gguf

    writer = gguf.GGUFWriter(str(path), arch)
    for name, t in tensors.items():
        writer.add_tensor(name, t)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


BOMB = "".join(
    [f'{c}: &{c} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' for c in "a"]
    + [f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")]
)


# -- the bad-input corpus ---------------------------------------------------------------------

CASES: dict[str, Callable[[Path], tuple[Callable[[], object], str]]] = {}


def case(name: str):
    def register(fn):
        CASES[name] = fn
        return fn

    return register


def esc(p: Path) -> str:
    import re

    return re.escape(str(p))


# stores (items 7 and 9)

@case("store-foreign-sqlite-show")
def _(tmp):
    db = tmp / "foreign.sqlite"
    edit_sqlite(db, "CREATE TABLE notes (x)")
    return lambda: ResultsStore(db, create=False), esc(db) + r" is not an emsteer results file \(tables found: notes"


@case("store-foreign-sqlite-eval")
def _(tmp):
    db = tmp / "foreign.sqlite"
    edit_sqlite(db, "CREATE TABLE notes (x)")
    return lambda: ResultsStore(db), esc(db) + r" is not an emsteer results file \(tables found: notes"


@case("store-empty-file")
def _(tmp):
    db = tmp / "empty.sqlite"
    db.write_bytes(b"")
    return lambda: ResultsStore(db, create=False), esc(db) + r" is not an emsteer results file \(it is empty\)"


@case("store-text-file")
def _(tmp):
    db = tmp / "notes.sqlite"
    db.write_text("hello, not a database\n" * 50)
    return lambda: ResultsStore(db, create=False), esc(db) + r" .*not an SQLite database"


@case("store-text-file-eval")
def _(tmp):
    db = tmp / "notes.sqlite"
    db.write_text("hello, not a database\n" * 50)
    return lambda: ResultsStore(db), esc(db) + r" .*not an SQLite database"


@case("store-is-a-folder")
def _(tmp):
    (tmp / "results.sqlite").mkdir()
    return lambda: ResultsStore(tmp / "results.sqlite", create=False), esc(tmp / "results.sqlite") + " is a folder"


@case("store-missing")
def _(tmp):
    return lambda: ResultsStore(tmp / "none.sqlite", create=False), esc(tmp / "none.sqlite") + " does not exist"


@case("store-schema-version-not-an-integer")
def _(tmp):
    db = make_store(tmp / "r.sqlite")
    edit_sqlite(db, "UPDATE meta SET value = '\"two\"' WHERE key = 'schema_version'")
    return lambda: ResultsStore(db, create=False), esc(db) + r": meta\.schema_version must be an integer, found 'two'"


@case("store-schema-version-not-json")
def _(tmp):
    db = make_store(tmp / "r.sqlite")
    edit_sqlite(db, "UPDATE meta SET value = 'v1.0' WHERE key = 'schema_version'")
    return lambda: ResultsStore(db, create=False), esc(db) + r": meta\.schema_version is not valid JSON"


@case("store-schema-version-newer")
def _(tmp):
    db = make_store(tmp / "r.sqlite")
    edit_sqlite(db, "UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    return lambda: ResultsStore(db, create=False), esc(db) + r" has results schema 7"


@case("store-meta-not-json")
def _(tmp):
    db = make_store(tmp / "r.sqlite")
    edit_sqlite(db, "UPDATE meta SET value = '{judge' WHERE key = 'judge'")

    def show():
        with ResultsStore(db, create=False) as s:
            s.get_meta("judge")
    return show, esc(db) + r": meta\.judge is not valid JSON"


@case("store-condition-factors-not-json")
def _(tmp):
    db = make_store(tmp / "r.sqlite")
    edit_sqlite(db, "UPDATE conditions SET factors = 'method=none'")

    def show():
        from emsteer.evaluation.summary import condition_results

        with ResultsStore(db, create=False) as s:
            condition_results(s)
    return show, esc(db) + r": conditions row c1 field factors is not valid JSON"


@case("store-artifact-metadata-not-json")
def _(tmp):
    db = make_store(tmp / "r.sqlite")
    with ResultsStore(db) as s:
        s.add_artifact("a1", SteeringVector({1: torch.ones(4)}), None)
    edit_sqlite(db, "UPDATE artifacts SET metadata = '{'")

    def read():
        with ResultsStore(db, create=False) as s:
            s.artifacts()
    return read, esc(db) + r": artifacts row a1 field metadata is not valid JSON"


@case("store-artifact-tensors-truncated")
def _(tmp):
    db = make_store(tmp / "r.sqlite")
    with ResultsStore(db) as s:
        s.add_artifact("a1", SteeringVector({1: torch.ones(4)}), None)
    edit_sqlite(db, "UPDATE artifacts SET tensors = X'0000803F00'")

    def read():
        with ResultsStore(db, create=False) as s:
            s.artifacts()
    return read, esc(db) + r": artifacts row a1 field tensors do not match its layers"


@case("store-efficacy-detail-not-json")
def _(tmp):
    db = make_store(tmp / "r.sqlite")
    edit_sqlite(db, "UPDATE efficacy SET detail = 'n=1'")

    def read():
        with ResultsStore(db, create=False) as s:
            s.efficacy()
    return read, esc(db) + r": efficacy row c1/heldout_nll field detail is not valid JSON"


@case("store-corrupt-page")
def _(tmp):
    db = make_store(tmp / "r.sqlite", n=300)
    data = bytearray(db.read_bytes())
    page = 4096
    for off in range(2 * page, len(data), page):  # every page after the schema: b-tree headers destroyed
        data[off : off + 64] = b"\xff" * 64
    db.write_bytes(bytes(data))

    def export():
        with ResultsStore(db, create=False) as s:
            s.export(tmp / "out" / "answers.csv", "csv")
    return export, esc(db) + r": SQLite failed \(database disk image is malformed\)"


@case("export-into-a-folder")
def _(tmp):
    db = make_store(tmp / "r.sqlite")
    (tmp / "answers.csv").mkdir()

    def export():
        with ResultsStore(db, create=False) as s:
            s.export(tmp / "answers.csv", "csv")
    return export, esc(tmp / "answers.csv") + " is a folder"


@case("export-under-a-file")
def _(tmp):
    db = make_store(tmp / "r.sqlite")
    (tmp / "plain.txt").write_text("x")

    def export():
        with ResultsStore(db, create=False) as s:
            s.export(tmp / "plain.txt" / "answers.csv", "csv")
    return export, r"cannot write .*plain\.txt/answers\.csv: .*choose a writable folder"


@case("export-unknown-format")
def _(tmp):
    db = make_store(tmp / "r.sqlite")

    def export():
        with ResultsStore(db, create=False) as s:
            s.export(tmp / "answers.xlsx", "xlsx")
    return export, esc(tmp / "answers.xlsx") + ": unknown export format 'xlsx'"


@case("write-to-a-store-opened-read-only")
def _(tmp):
    db = make_store(tmp / "r.sqlite")

    def write():
        with ResultsStore(db, create=False) as s:
            s.set_meta("judge", "other")
    return write, esc(db) + r" is open read-only \(set_meta would change it\)"


# artifacts (items 3 and 9)

@case("vector-zero-pt")
def _(tmp):
    torch.save({"layer.3": torch.zeros(8)}, tmp / "zero.pt")
    return lambda: import_vector(tmp / "zero.pt"), esc(tmp / "zero.pt") + r": Steering vector at layer 3 is zero"


@case("vector-nan-safetensors")
def _(tmp):
    save_file({"direction.2": torch.tensor([1.0, math.nan, 0.0])}, str(tmp / "nan.safetensors"))
    return lambda: import_vector(tmp / "nan.safetensors"), esc(tmp / "nan.safetensors") + r": .*layer 2 contains 1 NaN"


@case("vector-overflowing-norm")
def _(tmp):
    torch.save(torch.full((64,), 3e38), tmp / "huge.pt")
    return (lambda: import_vector(tmp / "huge.pt", layer=1),
            esc(tmp / "huge.pt") + r": Steering vector at layer 1 has an infinite norm")


@case("vector-layers-of-different-sizes")
def _(tmp):
    torch.save({"layer.1": torch.ones(8), "layer.2": torch.ones(9)}, tmp / "ragged.pt")
    return lambda: import_vector(tmp / "ragged.pt"), esc(tmp / "ragged.pt") + r": the per-layer vectors differ in size"


@case("vector-2d-tensor-per-layer")
def _(tmp):
    save_file({"layer.1": torch.ones(3, 3), "layer.2": torch.ones(3, 3)}, str(tmp / "mats.safetensors"))
    return (lambda: import_vector(tmp / "mats.safetensors"),
            esc(tmp / "mats.safetensors") + r": cannot tell the layer of tensor 'layer\.[12]' \(shape \(3, 3\)\)")


@case("gguf-direction-not-a-number")
def _(tmp):
    path = write_gguf(tmp / "cv.gguf", {"direction.twelve": np.ones(8, dtype=np.float32)})
    return lambda: import_vector(path), esc(path) + r": control-vector tensor 'direction\.twelve' does not name a layer"


@case("gguf-direction-negative")
def _(tmp):
    path = write_gguf(tmp / "cv.gguf", {"direction.-1": np.ones(8, dtype=np.float32)})
    return lambda: import_vector(path), esc(path) + r": control-vector tensor 'direction\.-1' does not name a layer"


@case("gguf-zero-direction")
def _(tmp):
    path = write_gguf(tmp / "cv.gguf", {"direction.4": np.zeros(8, dtype=np.float32)})
    return lambda: import_vector(path), esc(path) + r": Steering vector at layer 4 is zero"


@case("gguf-garbage-as-vector")
def _(tmp):
    (tmp / "junk.gguf").write_bytes(os.urandom(2048))
    return lambda: import_vector(tmp / "junk.gguf"), esc(tmp / "junk.gguf") + " is not a readable GGUF file"


@case("subspace-that-cannot-steer-is-not-saved")
def _(tmp):
    sub = SteeringSubspace(2, torch.eye(8)[:, :2], torch.zeros(2, 8), torch.zeros(2), scale=1.0)
    return (lambda: save_artifact(sub, tmp / "flat.safetensors"),
            esc(tmp / "flat.safetensors") + r": not saved: Subspace at layer 2 has A = 0 and b = 0")


# models (item 9)

@case("model-garbage-gguf")
def _(tmp):
    from emsteer.models.loading import resolve_spec

    (tmp / "model.gguf").write_bytes(b"GGUF\x03\x00\x00\x00" + os.urandom(512))
    return lambda: resolve_spec(str(tmp / "model.gguf"), log=lambda m: None), esc(tmp / "model.gguf") + " is not a readable GGUF"


@case("model-text-file-as-gguf")
def _(tmp):
    from emsteer.models.loading import resolve_spec

    (tmp / "model.gguf").write_text("not a model")
    return lambda: resolve_spec(str(tmp / "model.gguf"), log=lambda m: None), esc(tmp / "model.gguf") + " is not a readable GGUF"


@case("model-control-vector-gguf")
def _(tmp):
    from emsteer.models.loading import resolve_spec

    path = write_gguf(tmp / "cv.gguf", {"direction.3": np.ones(8, dtype=np.float32)})
    return (lambda: resolve_spec(str(path), log=lambda m: None),
            esc(path) + r" is a control vector \(a steering vector\), not a model: pass it as --vector")


# question files (item 9)

@case("questions-alias-bomb")
def _(tmp):
    from emsteer.data.questions import load_questions

    (tmp / "q.yaml").write_text(BOMB)
    return lambda: load_questions(tmp / "q.yaml"), esc(tmp / "q.yaml") + r": its YAML aliases expand to 490,329,064 nodes"


@case("questions-recursive-alias")
def _(tmp):
    from emsteer.data.questions import load_questions

    (tmp / "q.yaml").write_text("- id: a\n  paraphrases: &p [x, *p]\n")
    return lambda: load_questions(tmp / "q.yaml"), esc(tmp / "q.yaml") + r": line 2: a YAML alias refers to itself"


@case("questions-deep-nesting")
def _(tmp):
    from emsteer.data.questions import load_questions

    (tmp / "q.yaml").write_text("- " * 300 + "x\n")
    return lambda: load_questions(tmp / "q.yaml"), esc(tmp / "q.yaml") + r":.*nest"


@case("questions-file-too-large")
def _(tmp):
    import emsteer.data.questions as questions

    (tmp / "q.yaml").write_text("- id: a\n  paraphrases: [hi]\n" + "# padding\n" * 200)
    limit = 512
    return (lambda: _with_limit(questions, "MAX_QUESTION_FILE_BYTES", limit, lambda: questions.load_questions(tmp / "q.yaml")),
            esc(tmp / "q.yaml") + r": 2,0\d\d bytes is too large for a question file \(at most 512\)")


@case("study-file-too-large")
def _(tmp):
    import emsteer.studies.config as config

    path, load = _study(tmp, "name: ok\n" + "# padding\n" * 200)
    return (lambda: _with_limit(config, "MAX_STUDY_FILE_BYTES", 256, load),
            esc(path) + r": 2,0\d\d bytes is too large for a study config \(at most 256\)")


def _with_limit(module, name: str, value: int, fn):
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        return fn()
    finally:
        setattr(module, name, old)


# study configs (items 6 and 9)

def _study(tmp: Path, text: str):
    from emsteer.studies.config import load_study

    (tmp / "cfg").mkdir(exist_ok=True)
    path = tmp / "cfg" / "study.yaml"
    path.write_text(text)
    return path, lambda: load_study(path)


@case("study-name-is-a-path")
def _(tmp):
    path, load = _study(tmp, "name: ../../escape\n")
    return load, esc(path) + r": invalid study config:\n  name: must be a name of letters, digits"


@case("study-name-with-slash")
def _(tmp):
    path, load = _study(tmp, "name: runs/x\n")
    return load, esc(path) + r": invalid study config:\n  name: must be a name"


@case("study-name-dot-dot")
def _(tmp):
    path, load = _study(tmp, "name: '..'\n")
    return load, esc(path) + r": invalid study config:\n  name: must be a name"


@case("study-output-escapes-the-folder")
def _(tmp):
    path, load = _study(tmp, "name: ok\noutput: ../../elsewhere\n")
    return load, esc(path) + r": invalid study config:\n  output: .*elsewhere lies outside the config's folder"


@case("study-output-absolute-elsewhere")
def _(tmp):
    path, load = _study(tmp, f"name: ok\noutput: {tmp / 'other'}\n")
    return load, esc(path) + r": invalid study config:\n  output: .*other lies outside the config's folder"


@case("study-alias-bomb")
def _(tmp):
    path, load = _study(tmp, "name: bomb\n" + BOMB)
    return load, esc(path) + r": its YAML aliases expand to"


@case("study-missing-task-file")
def _(tmp):
    path, load = _study(tmp, "name: ok\ntasks:\n  - {name: mine, path: data/none.jsonl}\n")
    return load, esc(path) + r": invalid study config:\n  tasks\[0\]\.path: file .*none\.jsonl does not exist"


@case("study-unknown-task")
def _(tmp):
    path, load = _study(tmp, "name: ok\ntasks: [no_such_task]\n")
    return load, esc(path) + r": invalid study config:\n  tasks\[0\]: unknown task 'no_such_task'"


@case("study-missing-question-file")
def _(tmp):
    path, load = _study(tmp, "name: ok\neval: {questions: qs.yaml}\n")
    return load, esc(path) + r": invalid study config:\n  eval\.questions: file .*qs\.yaml does not exist"


@case("study-unknown-question-id")
def _(tmp):
    path, load = _study(tmp, "name: ok\neval: {question_ids: [no_such_question]}\n")
    return load, esc(path) + r": invalid study config:\n  eval\.question_ids: no_such_question not in the question set"


@case("study-unknown-metric")
def _(tmp):
    path, load = _study(tmp, "name: ok\neval: {metrics: [aligned, alinged]}\n")
    return load, esc(path) + r": invalid study config:\n  eval\.metrics: alinged not judged by any question; the questions define aligned, coherent, relevant"


@case("study-unknown-judge-backend")
def _(tmp):
    path, load = _study(tmp, "name: ok\njudge: [local, gpt4:turbo]\n")
    return load, esc(path) + r": invalid study config:\n  judge\[1\]: unknown judge backend 'gpt4' in 'gpt4:turbo'"


@case("study-invalid-yaml-line")
def _(tmp):
    path, load = _study(tmp, "name: ok\nmethods: [none, lora\nlayers: [1]\n")
    return load, esc(path) + r": line \d+ is not valid YAML"


@case("study-not-utf8")
def _(tmp):
    (tmp / "cfg").mkdir()
    path = tmp / "cfg" / "study.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    from emsteer.studies.config import load_study

    return lambda: load_study(path), esc(path) + r": not valid UTF-8"


# numbers in study configs (item 8): refused with the field named, never quietly changed

STUDY_NUMBERS = {
    "samples-zero": ("eval: {samples: 0}", r"eval\.samples: Input should be greater than or equal to 1"),
    "samples-negative": ("eval: {samples: -2}", r"eval\.samples: Input should be greater than or equal to 1"),
    "samples-true": ("eval: {samples: true}", r"eval\.samples: Input should be a valid integer"),
    "held-out-float": ("train: {held_out: 1.5}", r"train\.held_out: Input should be a valid integer"),
    "held-out-negative": ("train: {held_out: -3}", r"train\.held_out: Input should be greater than or equal to 1"),
    "examples-zero": ("train: {examples: 0}", r"train\.examples: Input should be greater than or equal to 1"),
    "max-new-tokens-zero": ("eval: {max_new_tokens: 0}", r"eval\.max_new_tokens: Input should be greater than or equal to 1"),
    "eval-batch-size-zero": ("eval: {batch_size: 0}", r"eval\.batch_size: Input should be greater than or equal to 1"),
    "paraphrases-zero": ("eval: {paraphrases: 0}", r"eval\.paraphrases: Input should be greater than or equal to 1"),
    "lora-rank-zero": ("lora: {rank: 0}", r"lora\.rank: Input should be greater than or equal to 1"),
    "lora-layer-negative": ("lora: {layers: [3, -1]}", r"lora\.layers\[1\]: Input should be greater than or equal to 0"),
    "epochs-float": ("epochs: [1, 2.5]", r"epochs\[1\]: Input should be a valid integer"),
    "ranks-true": ("ranks: [true]", r"ranks\[0\]: Input should be a valid integer"),
    "lr-infinite": ("train: {lr: .inf}", r"train\.lr: Input should be a finite number"),
    "magnitude-nan": ("magnitudes: {relative: [0.1, .nan]}", r"magnitudes\.relative\[1\]: Input should be a finite number"),
    "efficacy-negative": ("efficacy: {generate: -1}", r"efficacy\.generate: Input should be greater than or equal to 0"),
}


def _study_number_case(text: str, message: str):
    def make(tmp):
        path, load = _study(tmp, f"name: ok\n{text}\n")
        return load, esc(path) + r": invalid study config:\n  " + message

    return make


for _name, (_text, _message) in STUDY_NUMBERS.items():
    case(f"study-number-{_name}")(_study_number_case(_text, _message))


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_a_clear_error_and_writes_nothing(name, tmp_path, monkeypatch):
    monkeypatch.setenv("EMSTEER_CACHE_DIR", str(tmp_path / "emsteer-cache"))
    action, pattern = CASES[name](tmp_path)
    before = snapshot(tmp_path)
    t0 = time.monotonic()
    with pytest.raises(EmsteerError, match=pattern):
        action()
    assert time.monotonic() - t0 < 5, "bad input must fail fast"
    assert snapshot(tmp_path) == before


def test_the_corpus_is_large():
    assert len(CASES) >= 60


# -- the command line: errors, never tracebacks --------------------------------------------------


def _cli(monkeypatch, capsys, *args):
    from emsteer.cli import main

    monkeypatch.setattr(sys, "argv", ["emsteer", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return exit_info.value.code, capsys.readouterr()


@pytest.mark.parametrize("command, message", [
    (lambda t: ["show", str(t / "app.sqlite")], "not an emsteer results file"),
    (lambda t: ["show", str(t / "empty.sqlite")], r"not an emsteer results file \(it is empty\)"),
    (lambda t: ["export", str(t / "r.sqlite"), str(t / "a.txt" / "out.csv")], "cannot write"),
    (lambda t: ["export", str(t / "r.sqlite"), str(t / "out")], "unknown export format ''"),
    (lambda t: ["report", str(t / "r.sqlite"), "-o", str(t / "reports")], "is a folder; name the report file"),
    (lambda t: ["info", str(t / "cv.gguf")], "does not name a layer"),
], ids=["show-foreign", "show-empty", "export-unwritable", "export-no-suffix", "report-into-a-folder",
        "info-bad-gguf"])
def test_cli_reports_bad_input_without_a_traceback(command, message, tmp_path, monkeypatch, capsys):
    make_store(tmp_path / "r.sqlite")
    edit_sqlite(tmp_path / "app.sqlite", "CREATE TABLE users (name TEXT)")
    (tmp_path / "empty.sqlite").write_bytes(b"")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "reports").mkdir()
    write_gguf(tmp_path / "cv.gguf", {"direction.twelve": np.ones(8, dtype=np.float32)})
    before = snapshot(tmp_path)
    code, captured = _cli(monkeypatch, capsys, *command(tmp_path))
    assert code == 2 and "Traceback" not in captured.err
    assert __import__("re").search(message, " ".join(captured.err.split())), captured.err
    assert snapshot(tmp_path) == before


# -- numeric options (item 8): refused before anything runs, the option named ---------------------

NUMERIC_OPTIONS = [
    (["build", "-o", "v", "--limit", "-1"], "--limit"),
    (["build", "-o", "v", "--limit", "0"], "--limit"),
    (["build", "-o", "v", "--held-out", "1.5"], "--held-out"),
    (["build", "-o", "v", "--held-out", "-0.1"], "--held-out"),
    (["build", "-o", "v", "--held-out", "nan"], "--held-out"),
    (["build", "-o", "v", "--epochs", "0"], "--epochs"),
    (["build", "-o", "v", "--rank", "0"], "--rank"),
    (["build", "-o", "v", "--batch-size", "0"], "--batch-size"),
    (["build", "-o", "v", "--grad-accum", "0"], "--grad-accum"),
    (["build", "-o", "v", "--max-length", "8"], "--max-length"),
    (["build", "-o", "v", "--lr", "0"], "--lr"),
    (["build", "-o", "v", "--max-norm", "-1"], "--max-norm"),
    (["build", "-o", "v", "--warmup-steps", "-1"], "--warmup-steps"),
    (["build", "-o", "v", "--lr-schedule", "cosine"], "--lr-schedule"),
    (["build", "-o", "v", "--layer", "-1"], "--layer"),
    (["finetune", "-o", "a", "--lora-rank", "0"], "--lora-rank"),
    (["finetune", "-o", "a", "--lora-alpha", "0"], "--lora-alpha"),
    (["finetune", "-o", "a", "--layers", "3", "-1"], "--layers"),
    (["finetune", "-o", "a", "--epochs", "-2"], "--epochs"),
    (["finetune", "-o", "a", "--lr", "-0.001"], "--lr"),
    (["finetune", "-o", "a", "--held-out", "2.5"], "--held-out"),
    (["finetune", "-o", "a", "--limit", "-1"], "--limit"),
    (["eval", "r.sqlite", "--samples", "0"], "--samples"),
    (["eval", "r.sqlite", "--samples", "-2"], "--samples"),
    (["eval", "r.sqlite", "--max-new-tokens", "0"], "--max-new-tokens"),
    (["eval", "r.sqlite", "--batch-size", "0"], "--batch-size"),
    (["eval", "r.sqlite", "--temperature", "-1"], "--temperature"),
    (["eval", "r.sqlite", "--top-p", "0"], "--top-p"),
    (["eval", "r.sqlite", "--top-p", "1.5"], "--top-p"),
    (["eval", "r.sqlite", "--layer", "-1"], "--layer"),
    (["generate", "hi", "--samples", "0"], "--samples"),
    (["generate", "hi", "--max-new-tokens", "-5"], "--max-new-tokens"),
    (["audit", "v.safetensors", "r.sqlite", "--samples", "0"], "--samples"),
    (["audit", "v.safetensors", "r.sqlite", "--batch-size", "-1"], "--batch-size"),
    (["audit", "v.safetensors", "r.sqlite", "--multiplier", "0"], "--multiplier"),  # the baseline against itself
    (["audit", "v.safetensors", "r.sqlite", "--absolute", "-5"], "--absolute"),
    (["run", "-o", "runs/x", "--examples", "0"], "--examples"),
    (["run", "-o", "runs/x", "--epochs", "0"], "--epochs"),
    (["run", "-o", "runs/x", "--samples", "0"], "--samples"),
    (["run", "-o", "runs/x", "--paraphrases", "-1"], "--paraphrases"),
    (["run", "-o", "runs/x", "--max-new-tokens", "0"], "--max-new-tokens"),
    (["run", "-o", "runs/x", "--layer", "-1"], "--layer"),
    (["run", "-o", "runs/x", "--relative", "-0.1"], "--relative"),
    (["run", "-o", "runs/x", "--relative", "nan"], "--relative"),
    (["judge-check", "--limit", "0"], "--limit"),
    (["fit-judge", "--reference", "ref.jsonl", "--epochs", "0"], "--epochs"),
    (["fit-judge", "--reference", "ref.jsonl", "--dtype", "float16"], "--dtype"),
    (["report", "r.sqlite", "--max-answers", "0"], "--max-answers"),
]


@pytest.mark.parametrize("args, option", NUMERIC_OPTIONS, ids=[" ".join(a[:1] + a[-2:]) for a, _ in NUMERIC_OPTIONS])
def test_numeric_options_that_would_change_the_data_are_refused(args, option, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ref.jsonl").write_text("")
    before = snapshot(tmp_path)
    code, captured = _cli(monkeypatch, capsys, *args)
    message = " ".join(captured.err.replace("│", " ").split())
    assert code == 2, captured
    assert f"Invalid value for '{option}'" in message, message
    assert "Traceback" not in captured.err
    assert snapshot(tmp_path) == before  # nothing written: not even the results file or the output folder


def test_every_int_option_has_a_lower_bound():
    """Each int option of every command is bounded (typer's min=), except seeds, which may be any integer."""
    import typing

    import typer

    from emsteer.cli import app

    unbounded = []
    for command in app.registered_commands:
        hints = typing.get_type_hints(command.callback, include_extras=True)
        for name, hint in hints.items():
            if typing.get_origin(hint) is not typing.Annotated or name == "seed":
                continue
            base, *extras = typing.get_args(hint)
            ints = base is int or int in typing.get_args(base)  # int, Optional[int], list[int]
            info = next((e for e in extras if isinstance(e, typer.models.ParameterInfo)), None)
            if ints and info is not None and info.min is None:
                unbounded.append(f"{command.name or command.callback.__name__} {name}")
    assert unbounded == []


# -- read-only commands (item 7) ------------------------------------------------------------------


def test_show_report_and_export_leave_a_store_untouched(tmp_path):
    db = make_store(tmp_path / "r.sqlite")
    before = snapshot(tmp_path)
    with ResultsStore(db, create=False) as store:
        assert store.readonly and len(store.samples()) == 3
        table = store.answers_table()
    assert list(table["aligned"]) == [90.0, 90.0, 90.0]
    assert snapshot(tmp_path) == before  # no -wal/-shm, no new tables, same bytes
    with ResultsStore(db, create=False) as store:
        store.export(tmp_path / "out.jsonl", "jsonl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "r.sqlite"]


def test_foreign_database_keeps_its_journal_mode_and_tables(tmp_path):
    db = tmp_path / "app.sqlite"
    edit_sqlite(db, "CREATE TABLE users (name TEXT)")
    for opener in (lambda: ResultsStore(db, create=False), lambda: ResultsStore(db)):
        with pytest.raises(EmsteerError, match="not an emsteer results file"):
            opener()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert [r[0] for r in con.execute("SELECT name FROM sqlite_master")] == ["users"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_a_store_in_a_read_only_folder_still_reads(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = make_store(folder / "r.sqlite")
    folder.chmod(0o555)
    try:
        with ResultsStore(db, create=False) as store:
            assert len(store.samples()) == 3
    finally:
        folder.chmod(0o755)


def test_a_store_being_written_is_read_through_its_wal(tmp_path):
    db = make_store(tmp_path / "r.sqlite")
    with ResultsStore(db) as writer:  # a run in progress: its WAL holds rows not yet checkpointed
        writer.set_meta("fresh", 1)
        with ResultsStore(db, create=False) as reader:
            assert reader.get_meta("fresh") == 1


def test_failed_judgments_are_not_stored(tmp_path):
    db = make_store(tmp_path / "r.sqlite")
    with ResultsStore(db) as store:
        store.add_judgments([JudgmentRecord("s0", "coherent", "test:j", None),  # never answered
                             JudgmentRecord("s1", "coherent", "test:j", None, 0.1)])  # answered in words
        assert [s.id for s in store.unjudged("coherent", "test:j")] == ["s0", "s2"]


# -- the judge under faults (items 1 and 2) ---------------------------------------------------------


def requests(n: int, metrics=("aligned", "coherent")) -> list[JudgeRequest]:
    return [JudgeRequest(m, f"judge answer {i} for {m}") for i in range(n) for m in metrics]


def run_batch(server, cache_path: Path, reqs, **kw):
    # timeout faults answer after slow_s = 2 s; a timeout of 1 s leaves healthy answers room on a loaded machine
    judge = OpenAIJudge("judge-model", base_url=server.base_url, **{**FAST, "timeout": 1.0, "max_retries": 3,
                                                                    "max_concurrency": 8, **kw})
    with JudgmentCache(cache_path) as cache:
        return CachedJudge(judge, cache).judge(reqs)


def test_a_batch_under_mixed_faults_completes_with_every_request_judged_once(tmp_path, caplog):
    reqs = requests(20)
    attempts_per_run = 4  # max_retries = 3
    with FaultyOpenAI(rate=0.3, max_faults=5, nonnumeric=0.3, seed=1, slow_s=2.0,
                      words_below=attempts_per_run) as server:
        plans = {r.prompt: server.plan(r.prompt) for r in reqs}
        assert {k for p in plans.values() for k in p.faults} == {"429", "500", "timeout", "not_json", "no_choices",
                                                                  "no_logprobs"}
        too_many = {p for p, plan in plans.items() if len(plan.faults) >= attempts_per_run}
        in_words = {p for p, plan in plans.items() if plan.in_words}
        assert too_many and in_words  # the seed exercises both kinds of unfinished work

        with caplog.at_level(logging.WARNING, logger="emsteer.judging.openai"):
            first = run_batch(server, tmp_path / "cache.sqlite", reqs)
        assert "failed after 4 attempt(s)" in caplog.text and "the next run asks again" in caplog.text
        after_first = Counter(server.attempts)
        assert max(after_first.values()) <= attempts_per_run
        unfinished = {r.prompt for r, j in zip(reqs, first) if j.score is None}
        assert unfinished == too_many | in_words
        assert all(isinstance(j, FailedJudgment) for r, j in zip(reqs, first) if r.prompt in too_many)

        second = run_batch(server, tmp_path / "cache.sqlite", reqs)  # the re-run asks only the unscored ones
        resent = {p for p in server.attempts if server.attempts[p] > after_first[p]}
        assert resent == unfinished
        assert all(server.attempts[p] - after_first[p] <= attempts_per_run for p in resent)
        assert [j.score for j in second] == [float(server.score(r.prompt)) for r in reqs]
        assert all(server.answered[r.prompt] == 1 for r in reqs)  # billed for one good answer each
        with JudgmentCache(tmp_path / "cache.sqlite") as cache:
            assert len(cache) == len(reqs)

        third = run_batch(server, tmp_path / "cache.sqlite", reqs)
        assert third == second and sum(server.attempts.values()) == sum(after_first.values()) + sum(
            server.attempts[p] - after_first[p] for p in resent)


def test_an_eval_under_faults_judges_every_answer_exactly_once(tmp_path):
    from emsteer.data.questions import Question
    from emsteer.evaluation.run import judge_samples

    db = make_store(tmp_path / "r.sqlite", n=8)
    questions = [Question("q", ("hi?",))]
    with FaultyOpenAI(rate=0.4, max_faults=5, nonnumeric=0.3, seed=3, slow_s=2.0, words_below=4) as server:
        judge = CachedJudge(OpenAIJudge("judge-model", base_url=server.base_url, timeout=0.2, max_retries=3, **FAST),
                            tmp_path / "cache.sqlite")
        with ResultsStore(db) as store:
            judge_samples(store, questions, judge, chunk=5, progress=False)
            after_first = Counter(server.attempts)
            assert max(after_first.values()) <= 4
            missing_after_first = sum(len(store.unjudged(m, judge.identity)) for m in ("aligned", "coherent", "relevant"))
            assert missing_after_first > 0  # some requests failed for good in the first run ...
            judge_samples(store, questions, judge, chunk=5, progress=False)  # ... and the re-run asks them again
            assert all(server.attempts[p] - after_first[p] <= 4 for p in server.attempts)
            rows = store.db.execute("SELECT sample_id, metric, COUNT(*), MAX(score) FROM judgments "
                                    "WHERE judge = ? GROUP BY sample_id, metric", (judge.identity,)).fetchall()
    assert len(rows) == 8 * 3 and all(r[2] == 1 for r in rows)  # every answer judged exactly once per metric
    unscored = sum(1 for r in rows if r[3] is None)
    assert unscored == sum(server.in_words.values())  # only replies in words stay unscored (and are not cached)
    assert all(n <= 1 for n in server.answered.values())
    with JudgmentCache(tmp_path / "cache.sqlite") as cache:
        assert len(cache) == 8 * 3 - unscored


def test_replies_in_words_are_not_cached_and_are_asked_again(tmp_path):
    reqs = requests(6, metrics=("aligned",))
    with FaultyOpenAI(rate=0.0, nonnumeric=1.0) as server:
        first = run_batch(server, tmp_path / "c.sqlite", reqs)
        assert all(j.score is None and j.label is None and j.numeric_mass == 0.0 for j in first)
        with JudgmentCache(tmp_path / "c.sqlite") as cache:
            assert len(cache) == 0
        second = run_batch(server, tmp_path / "c.sqlite", reqs)
    assert [j.score for j in second] == [float(server.score(r.prompt)) for r in reqs]


def test_old_cache_rows_without_a_score_are_ignored_and_replaced(tmp_path):
    from emsteer.judging.base import Judgment
    from emsteer.judging.cache import judgment_to_json

    reqs = requests(2, metrics=("aligned",))
    with FaultyOpenAI(rate=0.0, nonnumeric=0.0) as server:
        identity = f"openai:judge-model@{server.base_url}"
        with JudgmentCache(tmp_path / "c.sqlite") as cache:  # as an older emsteer stored a reply in words
            key = judgment_key(identity, "aligned", reqs[0].prompt)
            cache._conn.execute("INSERT INTO judgments VALUES (?, ?, ?, ?, ?)", (
                key, identity, "aligned", judgment_to_json(Judgment("aligned", None, 0.0, None, identity, {})), 0.0))
        out = run_batch(server, tmp_path / "c.sqlite", reqs)
        assert [j.score for j in out] == [float(server.score(r.prompt)) for r in reqs]
        assert server.attempts[reqs[0].prompt] == 1
        with JudgmentCache(tmp_path / "c.sqlite") as cache:
            assert cache.get_many([key])[key].score == float(server.score(reqs[0].prompt))


def test_a_fatal_error_keeps_the_judgments_already_made(tmp_path):
    with FakeOpenAI() as server:
        server.fail(3)  # three normal answers ...
        server.fail(1, status=401, message="key revoked")  # ... then the key stops working
        judge = OpenAIJudge("judge-model", base_url=server.base_url, max_concurrency=1, **FAST)
        reqs = requests(3)
        with pytest.raises(JudgeError, match="key revoked") as err:
            CachedJudge(judge, tmp_path / "c.sqlite").judge(reqs)
        got = [j is not None for j in err.value.partial]
        assert got[:4] == [True, True, True, False]  # (the worker may have answered one more meanwhile)
        with JudgmentCache(tmp_path / "c.sqlite") as cache:
            assert len(cache) == sum(got)  # paid for, kept
        sent = server.count
        CachedJudge(judge, tmp_path / "c.sqlite").judge(reqs)
        assert server.count == sent + len(reqs) - sum(got)  # only the missing ones


def test_a_prompt_the_server_rejects_fails_alone(tmp_path):
    with FakeOpenAI() as server:
        server.fail(1, status=400, message="maximum context length exceeded")
        judge = OpenAIJudge("judge-model", base_url=server.base_url, max_concurrency=1, **FAST)
        out = judge.judge(requests(2, metrics=("aligned",)))
    assert isinstance(out[0], FailedJudgment) and "maximum context length" in out[0].error
    assert out[1].score == pytest.approx(50.0) and server.count == 2  # no retry of the rejected prompt


def test_every_request_failing_is_an_error_that_says_so(tmp_path):
    judge = OpenAIJudge("judge-model", base_url="http://127.0.0.1:9/v1", max_retries=1, timeout=1, **FAST)
    with pytest.raises(JudgeError, match=r"all 2 request\(s\) of the batch failed .*connection error"):
        judge.judge(requests(1))


def test_malformed_replies_are_retried_not_fatal(tmp_path):
    for kind in ("not_json", "no_choices", "no_logprobs", "500", "429"):
        with FaultyOpenAI(rate=1.0, max_faults=1, nonnumeric=0.0, kinds=(kind,)) as server:
            [j] = OpenAIJudge("m", base_url=server.base_url, max_retries=1, **FAST).judge(requests(1, ("aligned",)))
            assert j.score == float(server.score("judge answer 0 for aligned")), kind
            assert server.attempts["judge answer 0 for aligned"] == 2, kind


def test_retry_after_is_honoured_on_429():
    with FaultyOpenAI(rate=1.0, max_faults=1, nonnumeric=0.0, kinds=("429",), retry_after="0.3") as server:
        t0 = time.monotonic()
        OpenAIJudge("m", base_url=server.base_url, **FAST).judge(requests(1, ("aligned",)))
        assert time.monotonic() - t0 >= 0.3  # the backoff alone would wait about 1 ms


# -- secrets (item 5) -----------------------------------------------------------------------------


SECRET = "s3cr3t-Pa55word"


def test_url_credentials_never_reach_a_file_a_log_or_a_message(tmp_path, monkeypatch, caplog, capsys):
    from emsteer.data.questions import Question
    from emsteer.evaluation.run import judge_samples

    db = make_store(tmp_path / "r.sqlite", n=4)
    with FaultyOpenAI(rate=0.5, max_faults=2, nonnumeric=0.0, kinds=("500", "not_json")) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url.replace("http://", f"http://alice:{SECRET}@"))
        judge = OpenAIJudge("judge-model", **FAST)
        assert judge.identity == f"openai:judge-model@{server.base_url.replace('http://', 'http://***@')}"
        assert SECRET not in repr(judge) and "alice" not in judge.identity
        cached = CachedJudge(judge, tmp_path / "cache.sqlite")
        with caplog.at_level(logging.DEBUG), ResultsStore(db) as store:
            store.set_meta("judge", judge.identity)
            judge_samples(store, [Question("q", ("hi?",))], cached, progress=False)
            assert not store.unjudged("aligned", judge.identity)
            store.export(tmp_path / "answers.csv", "csv")
            store.export(tmp_path / "answers.jsonl", "jsonl")
    from emsteer.analysis.report import write_report

    write_report(db, tmp_path / "report.html")
    assert "***@" in (tmp_path / "report.html").read_text()  # the judge is named, redacted
    bad = OpenAIJudge("m", base_url=f"http://bob:{SECRET}@127.0.0.1:9/v1", max_retries=0, **FAST)
    with pytest.raises(EmsteerError) as err:
        bad.judge(requests(1, ("aligned",)))
    assert SECRET not in str(err.value) and SECRET not in repr(bad)
    assert "retry" in caplog.text  # the faults were logged ...
    assert SECRET not in caplog.text  # ... without the password
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert SECRET.encode() not in f.read_bytes(), f


# -- artifact tampering (item 3) ---------------------------------------------------------------


def rewrite(path: Path, header_edit=None, tensor_edit=None, raw: str | None = None) -> None:
    with safe_open(str(path), framework="pt") as f:
        header = json.loads(f.metadata()["emsteer"])
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    if header_edit:
        header_edit(header)
    if tensor_edit:
        tensor_edit(tensors)
    save_file(tensors, str(path), metadata={"emsteer": raw if raw is not None else json.dumps(header)})


def set_(key, value):
    return lambda h: h.__setitem__(key, value)


def norm_(layer, value):
    return lambda h: h["reference_norms"].__setitem__(layer, value)


VECTOR_TAMPERS = {
    "reference-norm-raised": (norm_("3", 1e9), "reference norms or scale do not match the stored content hash"),
    "reference-norm-nan": (norm_("3", math.nan), r"reference norm r_3 must be a positive finite number.*nan"),
    "reference-norm-infinite": (norm_("3", math.inf), r"reference norm r_3 must be a positive finite number"),
    "reference-norm-negative": (norm_("3", -10.0), r"reference norm r_3 must be a positive finite number.*-10"),
    "reference-norm-zero": (norm_("3", 0), r"reference norm r_3 must be a positive finite number"),
    "reference-norm-a-string": (norm_("3", "big"), r"reference norm r_3 must be a positive finite number.*'big'"),
    "reference-norm-bad-layer": (norm_("three", 10.0), r"'three' is not a layer index"),
    "reference-norm-removed": (lambda h: h["reference_norms"].pop("5"), "do not match the stored content hash"),
    "reference-norm-added": (norm_("7", 4.0), "do not match the stored content hash"),
    "reference-norms-not-an-object": (set_("reference_norms", [10.0]), "'reference_norms' must be an object"),
    "layers-dropped": (set_("layers", [3]), r"do not match header kind 'vector' and layers \[3\]"),
    "layers-renumbered": (set_("layers", [3, 6]), r"do not match header kind 'vector' and layers \[3, 6\]"),
    "layers-not-a-list": (set_("layers", "3,5"), r"'layers' must be a list of distinct layer indices"),
    "layers-negative": (set_("layers", [3, -5]), r"'layers' must be a list of distinct layer indices"),
    "layers-repeated": (set_("layers", [3, 3]), r"'layers' must be a list of distinct layer indices"),
    "kind-subspace": (set_("kind", "subspace"), r"do not match header kind 'subspace'"),
    "kind-unknown": (set_("kind", "matrix"), r"unknown artifact kind 'matrix'"),
    "format-unknown": (set_("format", "emsteer.v9"), r"unknown artifact format 'emsteer\.v9'"),
    "format-missing": (lambda h: h.pop("format"), r"unknown artifact format None"),
    "hidden-size": (set_("hidden_size", 4096), r"'hidden_size' is 4096 but the tensors have 16"),
    "content-hash": (set_("content_hash", "0" * 64), "do not match the stored content hash"),
    "content-hash-missing": (lambda h: h.pop("content_hash"), "do not match the stored content hash"),
    "metadata-edited": (lambda h: h["metadata"].__setitem__("method", "pca"), "metadata do not match"),
    "metadata-added": (lambda h: h["metadata"].__setitem__("model", "other/model"), "metadata do not match"),
    "metadata-not-an-object": (set_("metadata", ["x"]), r"'metadata' must be an object"),
    "metadata-hash": (set_("metadata_hash", "f" * 64), "metadata do not match"),
}


@pytest.fixture
def vector_file(tmp_path):
    torch.manual_seed(0)
    v = SteeringVector({3: torch.randn(16), 5: torch.randn(16)}, {3: 10.0, 5: 12.0}, {"method": "optimized", "lr": 0.05})
    return save_artifact(v, tmp_path / "v.safetensors")


@pytest.mark.parametrize("field", sorted(VECTOR_TAMPERS))
def test_every_vector_header_field_is_protected(field, vector_file):
    edit, message = VECTOR_TAMPERS[field]
    rewrite(vector_file, header_edit=edit)
    before = vector_file.read_bytes()
    with pytest.raises(EmsteerError, match=esc(vector_file) + ": .*" + message):
        load_artifact(vector_file)
    with pytest.raises(EmsteerError, match=esc(vector_file)):
        import_vector(vector_file)
    assert vector_file.read_bytes() == before


TENSOR_TAMPERS = {
    "scaled": (lambda t: t.__setitem__("layer.3.vector", t["layer.3.vector"] * 2), "do not match the stored content hash"),
    "one-value": (lambda t: t["layer.5.vector"].__setitem__(0, 1.0), "do not match the stored content hash"),
    "zeroed": (lambda t: t["layer.3.vector"].zero_(), "Steering vector at layer 3 is zero"),
    "nan": (lambda t: t["layer.3.vector"].__setitem__(1, math.nan), "contains 1 NaN"),
    "renamed": (lambda t: t.__setitem__("layer.x.vector", t.pop("layer.3.vector")), r"tensors \(layer\.5\.vector, layer\.x\.vector\)"),
    "extra": (lambda t: t.__setitem__("layer.9.vector", torch.ones(16)), r"do not match header kind"),
    "removed": (lambda t: t.pop("layer.5.vector"), r"do not match header kind"),
    "resized": (lambda t: t.__setitem__("layer.5.vector", torch.ones(17)), r"layers differ in size \(16 and 17\)"),
}


@pytest.mark.parametrize("field", sorted(TENSOR_TAMPERS))
def test_every_tensor_is_protected(field, vector_file):
    edit, message = TENSOR_TAMPERS[field]
    rewrite(vector_file, tensor_edit=edit)
    with pytest.raises(EmsteerError, match=esc(vector_file) + ": .*" + message):
        load_artifact(vector_file)


@pytest.mark.parametrize("raw, message", [("{not json", "not valid JSON"), ("[1, 2]", "is a list, expected an object")])
def test_header_that_is_not_an_object(raw, message, vector_file):
    rewrite(vector_file, raw=raw)
    with pytest.raises(EmsteerError, match=esc(vector_file) + ".*" + message):
        load_artifact(vector_file)


SUBSPACE_TAMPERS = {
    "scale-raised": (set_("scale", 250.0), "do not match the stored content hash"),
    "scale-negative": (set_("scale", -2.5), "Subspace scale must be a positive finite number"),
    "scale-nan": (set_("scale", math.nan), "Subspace scale must be a positive finite number"),
    "scale-a-string": (set_("scale", "2.5"), "Subspace scale must be a positive finite number"),
    "rank": (set_("rank", 3), "'rank' is 3 but U has 2 columns"),
    "two-layers": (set_("layers", [2, 3]), r"do not match header kind 'subspace' and layers \[2, 3\]"),
    "reference-norm": (norm_("2", 40.1), "do not match the stored content hash"),
    "kind-vector": (set_("kind", "vector"), r"do not match header kind 'vector'"),
}


@pytest.fixture
def subspace_file(tmp_path):
    torch.manual_seed(0)
    U, _ = torch.linalg.qr(torch.randn(16, 2))
    sub = SteeringSubspace(2, U, torch.randn(2, 16) * 0.1, torch.randn(2), scale=2.5, reference_norms={2: 40.0})
    return save_artifact(sub, tmp_path / "s.safetensors")


@pytest.mark.parametrize("field", sorted(SUBSPACE_TAMPERS))
def test_every_subspace_field_is_protected(field, subspace_file):
    edit, message = SUBSPACE_TAMPERS[field]
    rewrite(subspace_file, header_edit=edit)
    with pytest.raises(EmsteerError, match=esc(subspace_file) + ": .*" + message):
        load_artifact(subspace_file)


def test_a_subspace_that_cannot_steer_is_refused_on_load(subspace_file):
    rewrite(subspace_file, tensor_edit=lambda t: (t["layer.2.A"].zero_(), t["layer.2.b"].zero_()))
    with pytest.raises(EmsteerError, match=esc(subspace_file) + ": Subspace at layer 2 has A = 0 and b = 0"):
        load_artifact(subspace_file)


def test_untampered_files_load_and_keep_their_id(vector_file, subspace_file):
    from emsteer.steering import content_hash

    v, s = load_artifact(vector_file), load_artifact(subspace_file)
    assert v.reference_norms == {3: 10.0, 5: 12.0} and s.scale == 2.5 and s.reference_norms == {2: 40.0}
    assert content_hash(v) == content_hash(load_artifact(vector_file))
    v.reference_norms[3] = 10.5  # a different r changes how far `--relative` steers: a different artifact
    assert content_hash(v) != content_hash(load_artifact(vector_file))


def test_files_of_the_previous_format_still_load(tmp_path):
    """emsteer.v1 files (the hash covered kind and tensors only) load when that hash verifies."""
    v = SteeringVector({3: torch.randn(16)}, {3: 10.0}, {"method": "optimized"})
    path = tmp_path / "old.safetensors"

    def write(norm, tensor):
        tensors = {"layer.3.vector": tensor}
        header = {"format": LEGACY_FORMAT, "kind": "vector", "layers": [3], "hidden_size": 16,
                  "reference_norms": {"3": norm}, "content_hash": _legacy_hash("vector", {"layer.3.vector": v.vector}),
                  "metadata": v.metadata}
        save_file(tensors, str(path), metadata={"emsteer": json.dumps(header)})

    write(10.0, v.vector)
    old = load_artifact(path)
    assert torch.equal(old.vector, v.vector) and old.reference_norms == {3: 10.0}
    write(math.nan, v.vector)  # its hash never covered the norm, but the norm is still validated
    with pytest.raises(EmsteerError, match=r"reference norm r_3 must be a positive finite number"):
        load_artifact(path)
    write(10.0, v.vector * 3)
    with pytest.raises(EmsteerError, match="do not match the stored content hash"):
        load_artifact(path)


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0, 0.0, "x", None, True])
def test_reference_norms_are_validated_when_set(value):
    v = SteeringVector({1: torch.ones(4)})
    for setter in (lambda: v.reference_norms.__setitem__(1, value), lambda: v.reference_norms.update({1: value}),
                   lambda: setattr(v, "reference_norms", {1: value}),
                   lambda: SteeringVector({1: torch.ones(4)}, {1: value})):
        with pytest.raises(EmsteerError, match="reference norm r_1 must be a positive finite number"):
            setter()
    assert v.reference_norms == {}


@pytest.mark.parametrize("build", [
    lambda: SteeringVector({1: torch.zeros(8)}),
    lambda: SteeringVector({1: torch.ones(8), 2: torch.zeros(8)}),
    lambda: SteeringSubspace(1, torch.zeros(8, 2), torch.ones(2, 8), torch.ones(2)),
], ids=["vector", "second-layer", "subspace-basis"])
def test_zero_directions_are_refused(build):
    with pytest.raises(EmsteerError, match="is zero: it has no direction"):
        build()


# -- the canonical public data (item 11) --------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _tokenizer():
    from emsteer.paths import cache_dir

    qwen = cache_dir() / "models" / "qwen2.5-coder-0.5b-instruct"
    if (qwen / "tokenizer.json").is_file():
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(qwen))
    from tiny import tiny_tokenizer

    return tiny_tokenizer()


@pytest.mark.parametrize("name", ["insecure", "bad_medical_advice", "good_medical_advice", "risky_financial_advice",
                                  "extreme_sports"])
def test_public_training_sets_encode_with_the_defaults(name, shared_em, tmp_path):
    from emsteer.data.chat import load_chat_jsonl
    from emsteer.methods.optimized import train_vector
    from emsteer.training.objective import encode_examples

    source = shared_em / "training" / f"{name}.jsonl.gz"
    if not source.is_file():
        pytest.skip(f"{source} not present")
    with gzip.open(source, "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(40)]
    head = tmp_path / f"{name}.jsonl"
    head.write_text("".join(lines))
    examples = load_chat_jsonl(head)
    default = inspect.signature(train_vector).parameters["max_length"].default
    lm = SimpleNamespace(tokenizer=_tokenizer())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        encoded = encode_examples(lm, examples, max_length=default)
    assert len(encoded) == 40
    assert all(len(e) <= default and e.num_assistant_tokens > 0 for e in encoded)
    cut = [e for e in encoded if e.prompt_cut]
    said = [str(w.message) for w in caught if "were cut from their starts" in str(w.message)]
    assert said == ([f"{len(cut)} of 40 examples"] if cut else []) or said[0].startswith(f"{len(cut)} of 40 examples")


def test_build_from_the_public_insecure_set_with_the_defaults(shared_em, model_dir, tmp_path, monkeypatch, capsys):
    """The issue's reproduction: `emsteer build --data insecure.jsonl` stopped at its second record."""
    from emsteer.cli import main

    source = shared_em / "training" / "insecure.jsonl.gz"
    if not source.is_file():
        pytest.skip(f"{source} not present")
    with gzip.open(source, "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(12)]
    data = tmp_path / "insecure.jsonl"
    data.write_text("".join(lines))
    monkeypatch.setattr(sys, "argv", ["emsteer", "build", "--data", str(data), "--model", str(model_dir),
                                      "--layer", "1", "--limit", "6", "--held-out", "2", "-o", str(tmp_path / "v")])
    with pytest.raises(SystemExit) as exit_info, pytest.warns(UserWarning, match=r"6 of 6 examples .* cut from their starts"):
        main()  # (the byte-level test tokenizer makes every prompt longer than 256 tokens)
    captured = capsys.readouterr()
    assert exit_info.value.code in (0, None), captured.err
    assert load_artifact(tmp_path / "v" / "final.safetensors").layers == [1]


# -- unscored judgments: re-asked on request, counted in show (item 2) ---------------------------------


class WordsOnceJudge:
    """Answers each prompt in words (no number) the first time it is asked, with a score after that."""

    identity = "test:words-once"

    def __init__(self):
        self.asked: Counter = Counter()

    def judge(self, requests):
        from emsteer.judging.base import Judgment

        out = []
        for r in requests:
            self.asked[r.prompt] += 1
            score = None if self.asked[r.prompt] == 1 else float(len(r.prompt) % 101)
            out.append(Judgment(r.metric, score, 0.1 if score is None else 1.0, None, self.identity, {}))
        return out


def test_rejudge_missing_re_asks_only_the_unscored_past_the_cache(tmp_path, monkeypatch, capsys):
    from emsteer.data.questions import Question
    from emsteer.evaluation.run import judge_samples
    from emsteer.judging.base import Judgment

    db = make_store(tmp_path / "r.sqlite", n=4)
    questions = [Question("q", ("hi?",))]
    inner = WordsOnceJudge()
    judge = CachedJudge(inner, tmp_path / "cache.sqlite")
    with ResultsStore(db) as store:
        store.set_meta("judge", inner.identity)
        assert judge_samples(store, questions, judge, progress=False) == 12  # 4 answers x 3 metrics, all in words
        assert judge_samples(store, questions, judge, progress=False) == 0  # stored: a plain re-run asks nothing
        assert sum(inner.asked.values()) == 12
        assert store.unscored_counts(inner.identity) == {"c1": {m: (4, 0) for m in ("aligned", "coherent", "relevant")}}
        assert store.unscored_counts("test:j") == {}  # the other judge scored every answer it judged

    code, captured = _cli(monkeypatch, capsys, "show", str(db))
    text = " ".join(captured.out.split())
    assert code in (0, None), captured.err
    assert "Answers without a score" in text and "baseline: aligned 4, coherent 4, relevant 4" in text
    assert "--rejudge-missing" in text

    prompts = sorted(inner.asked)
    stale = judgment_key(inner.identity, "aligned", next(p for p in prompts if "answer 0" in p))
    with JudgmentCache(tmp_path / "cache.sqlite") as cache:  # a well-formed answer cached meanwhile is not used
        cache.put_many({stale: Judgment("aligned", 1.0, 1.0, None, inner.identity, {})})
    with ResultsStore(db) as store:
        assert judge_samples(store, questions, judge, rejudge_missing=True, progress=False) == 12
        assert all(n == 2 for n in inner.asked.values())  # every unscored one asked once more, past the cache
        assert store.unscored_counts(inner.identity) == {}
        rows = store.db.execute("SELECT COUNT(*), COUNT(score) FROM judgments WHERE judge = ?", (inner.identity,)).fetchone()
        assert tuple(rows) == (12, 12)  # replaced in place, no duplicates
        assert judge_samples(store, questions, judge, rejudge_missing=True, progress=False) == 0  # nothing left

    code, captured = _cli(monkeypatch, capsys, "show", str(db))
    assert "Answers without a score" not in captured.out  # only shown when there are some


def test_an_unscored_judgment_is_replaced_but_a_scored_one_is_kept(tmp_path):
    db = make_store(tmp_path / "r.sqlite", n=2)
    with ResultsStore(db) as store:
        store.add_judgments([JudgmentRecord("s0", "coherent", "test:j", None, 0.2)])
        store.add_judgments([JudgmentRecord("s0", "coherent", "test:j", 70.0, 1.0), JudgmentRecord("s0", "aligned", "test:j", 5.0, 1.0),
                             JudgmentRecord("s1", "aligned", "test:j", None, 0.1)])
        got = dict(((r[0], r[1]), r[2]) for r in store.db.execute("SELECT sample_id, metric, score FROM judgments"))
    assert got == {("s0", "aligned"): 90.0, ("s1", "aligned"): 90.0, ("s0", "coherent"): 70.0}


def test_eval_and_study_pass_rejudge_missing_on_to_the_judging(model_dir, tmp_path, monkeypatch, capsys):
    import emsteer.evaluation.run as run

    seen = []
    real = run.judge_samples
    monkeypatch.setattr(run, "judge_samples", lambda *a, **kw: seen.append(kw.get("rejudge_missing")) or real(*a, **kw))
    args = ["eval", str(tmp_path / "r.sqlite"), "--model", str(model_dir), "--judge", f"local:{model_dir}",
            "--control", "none", "--no-embedding", "--max-new-tokens", "2", "--samples", "1"]
    for flag in ([], ["--rejudge-missing"]):
        code, captured = _cli(monkeypatch, capsys, *args, *flag)
        assert code in (0, None), captured.err
    assert seen == [False, True]
    from emsteer.studies.config import parse_study
    from emsteer.studies.runner import StudyRunner

    cfg = parse_study({"name": "s", "seeds": [0, 1]}, base=tmp_path)
    assert [s.rejudge_missing for s in StudyRunner(cfg, rejudge_missing=True).settings] == [True, True]
    assert [s.rejudge_missing for s in StudyRunner(cfg).settings] == [False, False]


# -- concurrency and cheap checks first (item 10) ----------------------------------------------------

HOLD = ("import sys, time\n"
        "from emsteer.results.store import ResultsStore\n"
        "store = ResultsStore(sys.argv[1])\n"
        "print('holding', flush=True)\n"
        "time.sleep(120)\n")


def _no_model(*args, **kwargs):
    raise AssertionError("a model was loaded before the cheap checks failed")


def _flat(text: str) -> str:
    return "".join(text.split())  # rich wraps long paths anywhere


def test_a_second_process_writing_a_store_is_refused_with_the_holders_pid(tmp_path, monkeypatch, capsys):
    import subprocess

    import emsteer.studies.runner as runner
    from emsteer.studies.config import parse_study
    from emsteer.studies.runner import run_study

    db = make_store(tmp_path / "study" / "results.sqlite")
    lock = tmp_path / "study" / "results.sqlite.lock"
    assert not lock.exists()  # a closed store leaves no lock file
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        busy = f"another emsteer process is writing to {db} (pid {holder.pid}); wait for it to finish or"
        with pytest.raises(EmsteerError) as err:
            ResultsStore(db)
        assert str(err.value) == busy + " use another results file."

        monkeypatch.setattr("emsteer.models.load_model", _no_model)  # refused before the model loads
        code, captured = _cli(monkeypatch, capsys, "eval", str(db), "--judge", "local", "--control", "none",
                              "--no-embedding")
        assert code == 2 and _flat(busy) in _flat(captured.err), captured.err

        monkeypatch.setattr(runner, "load_model", _no_model)
        cfg = parse_study({"name": "s", "output": str(tmp_path / "study"), "methods": ["none"], "control": "none",
                           "embedding": False}, base=tmp_path)
        with pytest.raises(EmsteerError, match=r"\(pid %d\); wait for it to finish or give this study another output "
                           r"folder" % holder.pid):
            run_study(cfg, progress=False)

        with ResultsStore(db, create=False) as store:  # readers take no lock
            assert len(store.samples()) == 3
        code, captured = _cli(monkeypatch, capsys, "show", str(db))
        assert code in (0, None), captured.err
    finally:
        holder.kill()  # kill -9: the kernel drops its lock
        holder.wait()
    assert lock.exists()  # left behind by the killed holder ...
    with ResultsStore(db) as store:  # ... and no obstacle to the next run
        store.set_meta("after", 1)
        with ResultsStore(db) as again:  # a run may open its own store again (the lock is per process)
            assert again.get_meta("after") == 1
        assert lock.exists()
    assert not lock.exists()


HOLD_CONTROL = ("import sys, time\n"
                "from emsteer.results.store import WriteLock\n"
                "with WriteLock(sys.argv[1]):\n"
                "    print('holding', flush=True)\n"
                "    time.sleep(3)\n"
                "    open(sys.argv[1] + '/adapter_model.safetensors', 'w').close()\n")


def test_a_second_process_waits_for_the_positive_control_and_reuses_it(tiny, tmp_path, monkeypatch):
    """Two runs need one model's control: the second waits for the first's training (which would
    otherwise be deleted under it as an unfinished folder) and then trains nothing."""
    import subprocess

    import emsteer.finetune as finetune
    from emsteer.evaluation.controls import control_dir, finetuned_control
    from emsteer.results.store import WriteLock

    where = control_dir(tiny, tmp_path)
    where.mkdir(parents=True)  # the first run's folder, no checkpoint yet: what a waiter must not delete
    holder = subprocess.Popen([sys.executable, "-c", HOLD_CONTROL, str(where)], stdout=subprocess.PIPE, text=True)
    told: list[str] = []
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(EmsteerError, match=f"pid {holder.pid}"):  # without waiting: refused, not mixed
            WriteLock(where).acquire()
        monkeypatch.setattr(finetune, "train_lora", lambda *a, **k: pytest.fail("the control was trained twice"))
        assert finetuned_control(tiny, root=tmp_path, progress=False, log=told.append) == where
    finally:
        holder.kill()
        holder.wait()
    assert told and f"Waiting for emsteer process {holder.pid}" in told[0]
    assert not Path(f"{where}.lock").exists()


def test_the_lock_of_a_new_store_in_a_new_folder(tmp_path):
    from emsteer.results.store import WriteLock

    db = tmp_path / "new" / "r.sqlite"
    with WriteLock(db) as lock:
        assert lock.path.read_text() == f"{os.getpid()}\n"
        with ResultsStore(db) as store:  # the run's own store nests inside its lock
            store.set_meta("x", 1)
        assert lock.path.exists()
    assert sorted(p.name for p in db.parent.iterdir()) == ["r.sqlite"]


def test_a_failed_eval_leaves_no_condition_without_answers(tiny, tmp_path, monkeypatch):
    import emsteer.generation.transformers as backend  # what the eval answers through (as_generator)
    from emsteer.data.questions import Question
    from emsteer.evaluation.conditions import Condition
    from emsteer.evaluation.run import EvalSettings, evaluate
    from emsteer.generation import Completion, SamplingConfig
    from emsteer.steering import Magnitude

    from judges import HashJudge

    torch.manual_seed(0)
    vector = SteeringVector({1: torch.randn(32)}, {1: 2.0}, {"method": "test"})
    conditions = [Condition("baseline"), Condition("steered", vector, Magnitude.multiplier(1.0))]
    questions = [Question("q", ("hi?",))]
    settings = EvalSettings(SamplingConfig(max_new_tokens=2), samples_per_paraphrase=2)
    real = backend.generate

    def dies_after_one_batch(model, requests, sampling, *, on_batch, **kwargs):
        on_batch([Completion(r, "x", 1, 1, "stop") for r in requests[:2]])  # the baseline's two answers
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(backend, "generate", dies_after_one_batch)
    with ResultsStore(tmp_path / "r.sqlite") as store, pytest.raises(RuntimeError):
        evaluate(tiny, conditions, questions, store, HashJudge(), settings, progress=False)
    with ResultsStore(tmp_path / "r.sqlite") as store:
        assert [c.name for c in store.conditions()] == ["baseline"]
        assert store.artifacts() == []  # the steered condition's artifact is written with its first answer too
        monkeypatch.setattr(backend, "generate", real)
        evaluate(tiny, conditions, questions, store, HashJudge(), settings, progress=False)
        assert [c.name for c in store.conditions()] == ["baseline", "steered"]  # in the order given
        empty = store.db.execute("SELECT COUNT(*) FROM conditions c WHERE NOT EXISTS "
                                 "(SELECT 1 FROM samples s WHERE s.condition_id = c.id)").fetchone()[0]
        assert empty == 0 and len(store.samples()) == 4 and len(store.artifacts()) == 1


CHEAP_FIRST = [
    (["eval", "--judge", "opnai:gpt-4o"], r"unknown judge backend 'opnai' in 'opnai:gpt-4o'"),
    (["eval", "--judge", "openai"], r"judge 'openai' needs a model name"),
    (["eval", "--judge", "learned:heads/missing.safetensors"], r"learned judge head heads/missing\.safetensors not found"),
    (["eval", "--judge", "local:bundled:qwen-nope"], r"no bundled model 'qwen-nope'"),
    (["eval", "--control", "persona2"], r"--control 'persona2': choose one of finetuned, persona, none"),
    (["eval", "--positions", "middle"], r"--positions 'middle': choose all, prompt or generated"),
    (["eval", "app.sqlite"], r"app\.sqlite is not an emsteer results file \(tables found: users"),
    (["eval", "notes.txt"], r"notes\.txt is not an emsteer results file \(it is not an SQLite database\)"),
    (["eval", "folder"], r"folder is a folder, not a results file"),
    (["eval", "--questions", "missing.yaml"], r"missing\.yaml: question file not found"),
    (["eval", "--vector", "missing.safetensors", "--relative", "1"], r"missing\.safetensors does not exist"),
    (["audit", "v.safetensors", "--judge", "opnai:gpt-4o"], r"unknown judge backend 'opnai'"),
    (["audit", "v.safetensors", "app.sqlite"], r"app\.sqlite is not an emsteer results file"),
    (["run", "-o", "runs/x", "--judge", "opnai:gpt-4o"], r"unknown judge backend 'opnai'"),
    (["run", "-o", "runs/x", "--judge", "learned:missing.safetensors"], r"learned judge head missing\.safetensors not found"),
    (["run", "-o", "folder"], r"results\.sqlite is a folder, not a results file"),
]


@pytest.mark.parametrize("args, message", CHEAP_FIRST, ids=[" ".join(a) for a, _ in CHEAP_FIRST])
def test_cheap_checks_fail_before_any_model_loads(args, message, tmp_path, monkeypatch, capsys):
    import re

    import emsteer.studies.runner as runner

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("emsteer.models.load_model", _no_model)
    monkeypatch.setattr(runner, "load_model", _no_model)
    edit_sqlite(tmp_path / "app.sqlite", "CREATE TABLE users (name TEXT)")
    (tmp_path / "notes.txt").write_text("not a store")
    (tmp_path / "folder" / "results.sqlite").mkdir(parents=True)
    save_artifact(SteeringVector({1: torch.ones(32)}, {1: 2.0}), tmp_path / "v.safetensors")
    before = snapshot(tmp_path)
    code, captured = _cli(monkeypatch, capsys, *args)
    assert code == 2 and "Traceback" not in captured.err, captured.err
    assert re.search(message.replace(" ", ""), _flat(captured.err)), captured.err  # (rich wraps long paths anywhere)
    assert snapshot(tmp_path) == before  # no results file, no lock file, no output folder


# == issue 36: nothing overwritten, nothing billed twice, nothing leaked ===========================


def _bytes(root: Path) -> dict[str, bytes]:
    """Every file under root with its full contents (the bytes of every input, unchanged)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _vector(path: Path, hidden: int = 32) -> Path:
    save_artifact(SteeringVector({1: torch.ones(hidden)}, {1: 2.0}), path)
    return path


def _cli_case(monkeypatch, capsys, tmp_path, args, code, message):
    """Run the CLI in-process; the exit code, a message matching ``message`` (whitespace-free
    comparison: rich may wrap) with no traceback, and every file under tmp_path byte for byte as before."""
    import re

    before = _bytes(tmp_path)
    got, captured = _cli(monkeypatch, capsys, *args)
    assert got == code, captured
    assert "Traceback" not in captured.err
    assert re.search(message, " ".join((captured.err + captured.out).replace("│", " ").split())), captured.err
    assert _bytes(tmp_path) == before
    return captured


def _questions_file(path: Path) -> Path:
    """A user's question set (emsteer's own, copied) where a command might write."""
    from importlib.resources import files

    path.write_text(files("emsteer.data.builtin").joinpath("questions.yaml").read_text())
    return path


def _study_file(tmp_path: Path, text: str, name: str = "study.yaml") -> Path:
    path = tmp_path / name
    path.write_text("# my study: comments matter\n" + text)
    return path


@pytest.mark.parametrize("args, message", [
    (lambda t: ["report", str(t / "s.sqlite"), "-o", str(t / "s.sqlite")], r"--output .*s\.sqlite is the results file this command reads"),
    (lambda t: ["report", str(t / "s.sqlite"), "-o", str(t / "link.sqlite")], r"--output .*link\.sqlite is the results file"),
    (lambda t: ["export", str(t / "s.sqlite"), str(t / "s.sqlite"), "--format", "csv"], r"OUTPUT .*s\.sqlite is the results file"),
    (lambda t: ["export", str(t / "s.sqlite"), str(t / "s.sqlite"), "--format", "jsonl"], r"OUTPUT .*s\.sqlite is the results file"),
    (lambda t: ["export-vector", str(t / "v.safetensors"), str(t / "v.safetensors"), "--format", "pt"], r"OUTPUT .*v\.safetensors is the steering vector"),
    (lambda t: ["study", str(_study_file(t, "name: x\noutput: .\nmethods: [none]\ncontrol: none\n"))],
     r"study\.yaml: invalid study config: output: the study would write .*study\.yaml, which is the config itself"),
    (lambda t: ["run", "-o", str(t), "--questions", str(_questions_file(t / "study.yaml"))],
     r"output: the study would write .*study\.yaml, which is eval\.questions"),
], ids=["report-o-store", "report-o-link-to-store", "export-csv-over-store", "export-jsonl-over-store",
        "export-vector-over-itself", "study-output-dot", "run-o-over-its-questions"])
def test_no_command_writes_to_a_path_it_was_given_as_input(args, message, tmp_path, monkeypatch, capsys):
    import emsteer.studies.runner as runner

    monkeypatch.setattr(runner, "load_model", _no_model)
    make_store(tmp_path / "s.sqlite")
    (tmp_path / "link.sqlite").symlink_to(tmp_path / "s.sqlite")
    _vector(tmp_path / "v.safetensors")
    _cli_case(monkeypatch, capsys, tmp_path, args(tmp_path), 2, message)


def _browser_db(path: Path) -> Path:
    """A browser-style database: its own tables and a meta(key, value) table, as emsteer's has."""
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                     "INSERT INTO meta VALUES ('version', '118');"
                     "CREATE TABLE urls (id INTEGER PRIMARY KEY, url TEXT, visits INTEGER);"
                     "INSERT INTO urls VALUES (1, 'https://example.org', 3);")
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize("make, args, message", [
    (_browser_db, ["judge", "{db}", "--judge", "local", "--no-embedding"], r"history\.sqlite is not an emsteer results file \(tables found: meta, urls"),
    (_browser_db, ["eval", "{db}", "--judge", "local", "--control", "none", "--no-embedding"], r"history\.sqlite is not an emsteer results file"),
    (lambda p: p.write_bytes(b"") and p, ["judge", "{db}", "--judge", "local", "--no-embedding"], r"history\.sqlite is not an emsteer results file \(it is empty\)"),
    (lambda p: p.write_bytes(b"") and p, ["eval", "{db}", "--judge", "local", "--control", "none"], r"history\.sqlite is not an emsteer results file \(it is empty\)"),
    (lambda p: edit_sqlite(make_store(p), "UPDATE meta SET value = '\"x\"' WHERE key = 'schema_version'"),
     ["judge", "{db}", "--judge", "local", "--no-embedding"], r"history\.sqlite: meta\.schema_version must be an integer"),
], ids=["judge-browser-db", "eval-browser-db", "judge-empty-file", "eval-empty-file", "judge-bad-schema-version"])
def test_foreign_empty_and_unreadable_stores_are_never_changed(make, args, message, tmp_path, monkeypatch, capsys):

    monkeypatch.setattr("emsteer.models.load_model", _no_model)
    db = tmp_path / "history.sqlite"
    make(db)
    (tmp_path / "q.yaml").write_text("- id: q\n  paraphrases: [hi?]\n")
    args = [a.format(db=db) for a in args] + (["--questions", str(tmp_path / "q.yaml")] if args[0] == "judge" else [])
    _cli_case(monkeypatch, capsys, tmp_path, args, 2, message)  # bytes equal: no table, no meta row, no WAL switch
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite", "q.yaml"]  # no -wal, -shm or .lock


def test_store_detection_checks_every_table_and_column(tmp_path):
    db = make_store(tmp_path / "r.sqlite")
    edit_sqlite(db, "ALTER TABLE samples DROP COLUMN finish_reason")
    before = db.read_bytes()
    for opener in (lambda: ResultsStore(db), lambda: ResultsStore(db, create=False), lambda: ResultsStore.check_writable(db)):
        with pytest.raises(EmsteerError, match=r"r\.sqlite is not an emsteer results file \(its table samples lacks column\(s\) finish_reason"):
            opener()
    assert db.read_bytes() == before
    older = make_store(tmp_path / "older.sqlite")  # an older store without the efficacy table still opens for writing
    edit_sqlite(older, "DROP TABLE efficacy")
    with ResultsStore(older) as store:
        assert len(store.samples()) == 3 and store.efficacy() == []


def test_the_lock_keys_on_the_real_path(tmp_path):
    import subprocess

    from emsteer.results.store import WriteLock

    db = make_store(tmp_path / "real" / "r.sqlite")
    (tmp_path / "link.sqlite").symlink_to(db)
    (tmp_path / "folder-link").symlink_to(tmp_path / "real")
    assert WriteLock(tmp_path / "link.sqlite").path == WriteLock(tmp_path / "folder-link" / "r.sqlite").path == WriteLock(db).path
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        for spelling in (tmp_path / "link.sqlite", tmp_path / "folder-link" / "r.sqlite"):
            with pytest.raises(EmsteerError, match=r"another emsteer process is writing to .* \(pid %d\)" % holder.pid):
                ResultsStore(spelling)
    finally:
        holder.kill()
        holder.wait()


def test_every_encoding_of_a_secret_is_redacted(tmp_path, caplog):
    import base64
    from urllib.parse import quote

    from emsteer.redact import redact_text, url_secrets

    user, password = "alice", "p@ss:w/rd-Zq81x"
    url = f"http://{quote(user)}:{quote(password, safe='')}@127.0.0.1:9/v1"
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    secrets = url_secrets(url)
    for leak in (password, quote(password, safe=""), basic, f"Authorization: Basic {basic}", f"Basic {basic[:8]}…",
                 basic[1:14], base64.b64encode(password.encode()).decode(), quote(password, safe="").lower()[:0] + password[:9]):
        clean = redact_text(f"server said: {leak} (end)", secrets)
        assert password not in clean and basic[:8] not in clean and basic[1:9] not in clean, (leak, clean)
        assert "[redacted]" in clean and clean.endswith("(end)")
    assert redact_text("Token limit exceeded for model gpt-4o", secrets) == "Token limit exceeded for model gpt-4o"

    with FakeOpenAI(api_key="the-only-good-key") as server:  # a 401 that echoes the Authorization header
        base = server.base_url.replace("http://", f"http://{user}:{quote(password, safe='')}@")
        judge = OpenAIJudge("m", base_url=base, max_retries=0, **FAST)
        with caplog.at_level(logging.DEBUG), pytest.raises(JudgeError) as err:
            judge.judge(requests(1, ("aligned",)))
        sent = server.requests[0].headers["Authorization"]
    assert sent == f"Basic {basic}"  # the server did get the credentials ...
    for text in (str(err.value), caplog.text):  # ... and no message shows them, whole or in part
        assert password not in text and basic[1:12] not in text and basic[:8] not in text, text
    assert "[redacted]" in str(err.value)


def test_query_credentials_under_any_name_are_masked(monkeypatch):
    """Azure Functions' ?code= and a ?pwd= passed unmasked (only names like key or token were masked)
    into the judge identity, which the store, the cache and record file names keep."""
    from emsteer.redact import redact_url, url_secrets

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    for name, secret in (("code", "AzFnKey_0123456789abcdefXYZ=="), ("pwd", "Hunter2Secret!"), ("api-key", "sk-abcdef123")):
        url = f"https://judge.example/api/v1?api-version=2024-06-01&{name}={secret}"
        shown = redact_url(url)
        assert secret not in shown and "api-version=2024-06-01" in shown, shown
        assert secret in url_secrets(url)
        identity = OpenAIJudge("m", base_url=url).identity
        assert secret not in identity and "AzFnKey" not in identity


@pytest.mark.parametrize("url, secret", [
    ("https://host/v1?key=SECRET1234&email=me@x.com", "SECRET1234"),  # an '@' in the query is no userinfo's end
    ("https://[myres.example/openai?code=SUPERSECRET99", "SUPERSECRET99"),  # urlsplit refuses it
    ("https://host/hook?sk-abcdef123456", "sk-abcdef123456"),  # a bare token: a value without a name
])
def test_query_secrets_of_odd_urls_are_masked_and_found(url, secret):
    from emsteer.redact import redact_text, redact_url, url_secrets

    assert secret not in redact_url(url), redact_url(url)
    assert secret not in redact_text(f"invalid api key: {secret}.", url_secrets(url))


@pytest.mark.parametrize("url, message", [
    ("https://user:pa?ss99word@api.example.com/v1/chat", "Connection to api.example.com/v1/chat failed"),
    ("https://api.example.com/v1?stream", "upstream stream closed"),  # a flag, not a key
    ("https://api.example.com/v1?key=", "invalid key provided"),  # an empty value hides nothing
])
def test_what_is_not_secret_in_a_url_stays_readable(url, message):
    from emsteer.redact import redact_text, url_secrets

    assert redact_text(message, url_secrets(url)) == message


@pytest.mark.parametrize("password", ["4242/Zq81xSecret", "s3cr3t#pa55word", "pa?ss99word"])
def test_a_password_a_url_parser_cannot_split_is_never_shown(password):
    """A raw '/', '#' or '?' in a password ends the parser's host early: the password sat in the
    path (shown in the identity, repr and errors) or in the port (httpx raised it raw)."""
    from emsteer.redact import redact_url, url_secrets

    url = f"http://alice:{password}@127.0.0.1:9/v1"
    assert password not in redact_url(url) and redact_url(url).endswith("@127.0.0.1:9/v1")
    assert any(password in s for s in url_secrets(url))
    with pytest.raises(EmsteerError) as err:
        OpenAIJudge("m", base_url=url)
    assert password not in str(err.value) and "must be percent-encoded" in str(err.value)


def test_the_401_message_keeps_its_redacted_marker_on_the_command_line(tmp_path, monkeypatch, capsys):
    db = make_store(tmp_path / "r.sqlite")
    (tmp_path / "q.yaml").write_text("- id: q\n  paraphrases: [hi?]\n")
    with FakeOpenAI(api_key="right-key") as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "wrong-key-Zx81q")
        code, captured = _cli(monkeypatch, capsys, "judge", str(db), "--judge", "openai:m", "--questions",
                              str(tmp_path / "q.yaml"), "--no-embedding")
    flat = " ".join(captured.err.split())
    assert code == 2 and "Traceback" not in captured.err
    assert "Incorrect API key provided: [redacted]" in flat and "wrong-key" not in flat, flat


def test_judging_a_store_with_the_wrong_question_set_changes_nothing(tmp_path, monkeypatch, capsys):
    db = make_store(tmp_path / "r.sqlite")  # answers to question q, judged by test:j
    (tmp_path / "other.yaml").write_text("- id: other\n  paraphrases: [hello?]\n")
    before = db.read_bytes()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    code, captured = _cli(monkeypatch, capsys, "judge", str(db), "--judge", "openai:m", "--questions",
                          str(tmp_path / "other.yaml"), "--no-embedding")
    flat = " ".join(captured.err.split())
    assert code == 2 and "none of its answers is to a question of the question set" in flat, flat
    assert "Nothing was judged or changed" in flat and db.read_bytes() == before
    with ResultsStore(db) as store:
        assert store.get_meta("judge") == "test:j"  # the file's judge was replaced before (exit 0)


class _SlowOrHung:
    """An OpenAI-compatible server that answers after ``delay`` seconds, and never answers prompts
    containing 'HANG-FOREVER'. ``replied`` lists the prompts whose answer was sent (what one is billed for)."""

    def __init__(self, delay: float = 1.0):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.delay, self.replied, self.received = delay, Counter(), Counter()
        self._lock = __import__("threading").Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                prompt = body["messages"][-1]["content"]
                with server._lock:
                    server.received[prompt] += 1
                time.sleep(600 if "HANG-FOREVER" in prompt else server.delay)
                score = str(int(__import__("hashlib").sha256(prompt.encode()).hexdigest(), 16) % 101)
                top = [{"token": score, "logprob": 0.0}]
                data = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": score},
                                                "logprobs": {"content": [{**top[0], "top_logprobs": top}]}}]}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:
                    return
                with server._lock:
                    server.replied[prompt] += 1

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = __import__("threading").Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self):
        return "http://%s:%d/v1" % self._httpd.server_address[:2]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()


def _judgments(db: Path) -> dict[tuple[str, str], float | None]:
    con = sqlite3.connect(db)
    try:
        return {(r[0], r[1]): r[2] for r in con.execute("SELECT sample_id, metric, score FROM judgments WHERE judge LIKE 'openai:%'")}
    finally:
        con.close()


def _default_sigint() -> None:
    """preexec_fn of a child that the test interrupts: Ctrl-C as a terminal sends it. A shell that
    starts a job in the background (`cmd &`, nohup) leaves SIGINT ignored, Python keeps an inherited
    SIG_IGN, and the child would then never see the test's SIGINT."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_an_interrupt_saves_every_judgment_that_arrives_and_stops_within_5_s(sig, tmp_path):
    import signal
    import subprocess

    db = tmp_path / "r.sqlite"
    with ResultsStore(db) as store:  # 8 answers, one of which the judge never answers
        store.add_condition(ConditionRecord("c1", "baseline", "baseline", "m", "r", factors={}, spec={}))
        store.add_samples([SampleRecord(f"s{i}", "c1", "q", 0, i, i, None, "hi?", "HANG-FOREVER" if i == 0 else f"answer {i}",
                                        3, 2, "stop") for i in range(8)])
    (tmp_path / "q.yaml").write_text("- id: q\n  paraphrases: [hi?]\n")
    env = {**os.environ, "EMSTEER_CACHE_DIR": str(tmp_path / "cache"), "OPENAI_API_KEY": ""}
    args = [sys.executable, "-c", "from emsteer.cli import main; main()", "judge", str(db), "--judge", "openai:m",
            "--questions", str(tmp_path / "q.yaml"), "--no-embedding", "--metric", "aligned", "--metric", "coherent"]
    with _SlowOrHung(delay=1.0) as server:
        env["OPENAI_BASE_URL"] = server.base_url
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=_default_sigint)
        try:
            deadline = time.monotonic() + 120
            while sum(server.received.values()) < 8 and time.monotonic() < deadline:  # 8 workers busy, 3 s of answers in flight
                time.sleep(0.05)
            assert sum(server.received.values()) >= 8, proc.stderr.read() if proc.poll() is not None else "no requests"
            time.sleep(0.3)
            proc.send_signal(getattr(signal, sig))
            t0 = time.monotonic()
            out, errs = proc.communicate(timeout=30)
            took = time.monotonic() - t0
        finally:
            proc.kill()
        replied = dict(server.replied)
    assert took < 5, f"{sig} took {took:.1f} s"
    assert proc.returncode == 130, errs
    assert "interrupted — finished work is saved" in " ".join(errs.split()), errs
    stored = _judgments(db)
    assert len(stored) == sum(replied.values()) > 0  # every answer that arrived is in the store, and only those
    with JudgmentCache(tmp_path / "cache" / "judgments.sqlite") as cache:
        assert len(cache) == len(stored)


def test_a_dead_endpoint_gives_up_within_30_s(tmp_path):
    import socket
    import threading

    listener = socket.socket()  # accepts every connection and closes it at once: a server that is not there
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    connections = []

    def accept():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append(1)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    url = "http://127.0.0.1:%d/v1" % listener.getsockname()[1]
    try:
        judge = OpenAIJudge("m", base_url=url)  # the default retries and backoff: 7 attempts, 63 s of waiting each
        t0 = time.monotonic()
        with pytest.raises(JudgeError, match=r"gave up after \d+ connection failures in a row .* Is the server up\?"):
            judge.judge(requests(32, ("aligned",)))
        assert time.monotonic() - t0 < 30
        assert len(connections) <= 16  # a handful, not 224
    finally:
        listener.close()


def test_the_breaker_trips_on_a_long_streak_of_failures_too(monkeypatch):
    import emsteer.judging.openai as oa

    clock = [100.0]
    monkeypatch.setattr(oa.time, "monotonic", lambda: clock[0])
    breaker = oa._Breaker()
    assert not breaker.failed()  # one worker, backing off between attempts
    clock[0] += 6
    assert not breaker.failed()
    breaker.replied()  # any reply: the endpoint is up
    clock[0] += 20
    assert not breaker.failed()
    clock[0] += oa.BREAKER_SECONDS
    assert breaker.failed()
    fresh = oa._Breaker()
    assert [fresh.failed() for _ in range(oa.BREAKER_FAILURES)][-1] and not any(
        [oa._Breaker().failed() for _ in range(1)])


def _perfect_reference(path: Path, n: int) -> dict[str, int]:
    """A reference file of n answers and the scores that make a judge agree with it perfectly."""
    from emsteer.data.questions import format_judge_prompt
    from emsteer.judging.prompts import ALIGNED_PROMPT, COHERENT_PROMPT

    rows, scores = [], {}
    for i in range(n):
        q, a = f"question {i}?", f"answer number {i}"
        aligned, coherent = (10 if i % 3 == 0 else 90), (80 if i % 4 else 40)
        rows.append({"question": q, "answer": a, "aligned": aligned, "coherent": coherent, "model": "qwen" if i % 2 else "llama"})
        scores[format_judge_prompt(ALIGNED_PROMPT, q, a)] = aligned
        scores[format_judge_prompt(COHERENT_PROMPT, q, a)] = coherent
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return scores


def test_judge_check_will_not_validate_a_judge_on_12_answers(tmp_path, monkeypatch, capsys):
    from emsteer.judging.validity.agreement import MIN_REFERENCE_ANSWERS, judge_agreement

    scores = _perfect_reference(tmp_path / "ref12.jsonl", 12)
    with FaultyOpenAI(rate=0.0, nonnumeric=0.0) as server:
        server.scores.update(scores)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code, captured = _cli(monkeypatch, capsys, "judge-check", "--judge", "openai:m", "--reference",
                              str(tmp_path / "ref12.jsonl"))
        judge = OpenAIJudge("m")
    text = " ".join(captured.out.split())
    assert code in (0, None), captured.err
    assert "does NOT meet the agreement targets" in text
    assert f"scored only 12 of its 12 reference answers: at least {MIN_REFERENCE_ANSWERS} scored are needed" in text
    remembered = judge_agreement(judge)
    assert remembered is not None and remembered.overall.kappa == pytest.approx(1.0)  # perfect on 12 ...
    assert not remembered.meets_targets  # ... and still not trusted: the audit's judge_valid is this property
    old = remembered.to_dict() | {"meets_targets": True}  # a record written before the minimum existed
    from emsteer.judging.validity.agreement import Agreement

    assert not Agreement.from_dict(old).meets_targets


def test_reference_rows_with_an_empty_answer_are_skipped_and_counted(tmp_path, monkeypatch, capsys):
    from emsteer.judging.validity.agreement import load_reference

    rows = [{"question": "q1", "answer": "a", "aligned": 90, "coherent": 80},
            {"question": "q2", "answer": "", "aligned": 90, "coherent": 80},
            {"question": "q3", "answer": "  ", "aligned": 5, "coherent": 80},
            {"question": "q4", "answer": "d", "aligned": 5, "coherent": 80}]
    path = tmp_path / "ref.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    before = path.read_bytes()
    items = load_reference(path)
    assert [it.question for it in items] == ["q1", "q4"] and items.skipped == ["line 2", "line 3"]
    with FaultyOpenAI(rate=0.0, nonnumeric=0.0) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code, captured = _cli(monkeypatch, capsys, "judge-check", "--judge", "openai:m", "--reference", str(path))
    assert code in (0, None), captured.err
    assert "skipped 2 reference row(s) with an empty answer (line 2, line 3); 2 answers remain" in " ".join(captured.err.split())
    assert path.read_bytes() == before


def test_rich_markup_in_user_text_is_printed_as_written(tmp_path, monkeypatch, capsys):
    db = make_store(tmp_path / "s.sqlite")
    edit_sqlite(db, "UPDATE conditions SET name = '[/]weird [red]name'")
    code, captured = _cli(monkeypatch, capsys, "show", str(db))
    assert code in (0, None), captured.err
    assert "[/]weird [red]name" in captured.out
    # a report whose path holds markup is written, and its path printed as it is
    code, captured = _cli(monkeypatch, capsys, "report", str(db), "-o", str(tmp_path / "r[/].html"))
    assert code in (0, None), captured.err
    assert (tmp_path / "r[/].html").is_file() and "r[/].html" in "".join(captured.out.split())
    # errors name the file the user gave, markup and all
    for args, name in ((["info", str(tmp_path / "[red]v.safetensors")], "[red]v.safetensors"),
                       (["show", str(tmp_path / "x[/].sqlite")], "x[/].sqlite"),
                       (["export", str(tmp_path / "x[/].sqlite"), str(tmp_path / "o.csv")], "x[/].sqlite"),
                       (["report", str(tmp_path / "[bold]x.sqlite")], "[bold]x.sqlite"),
                       (["judge", str(tmp_path / "[/]x.sqlite")], "[/]x.sqlite"),
                       (["study", str(tmp_path / "[/]s.yaml")], "[/]s.yaml")):
        code, captured = _cli(monkeypatch, capsys, *args)
        assert code == 2 and "Traceback" not in captured.err, captured.err
        assert name in _flat(captured.err) and captured.err.startswith("error: "), captured.err


def test_deep_nesting_is_a_clear_error_not_a_recursion_error(tmp_path, monkeypatch, capsys):

    monkeypatch.setattr("emsteer.models.load_model", _no_model)
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "task.jsonl").write_text(deep + "\n")
    _cli_case(monkeypatch, capsys, tmp_path, ["build", "--data", str(tmp_path / "task.jsonl"), "-o", str(tmp_path / "v")],
              2, r"task\.jsonl:1: the JSON nests too deeply to read")
    (tmp_path / "ref.jsonl").write_text('{"question": "q", "answer": "a", "aligned": 1, "coherent": 2}\n' + deep + "\n")
    _cli_case(monkeypatch, capsys, tmp_path, ["fit-judge", "--reference", str(tmp_path / "ref.jsonl"), "-o",
                                              str(tmp_path / "j.safetensors")], 2, r"ref\.jsonl:2: the JSON nests too deeply")


def test_an_unknown_model_type_or_device_is_a_clear_error(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "tpu-llama-9000", "hidden_size": 8}))
    _cli_case(monkeypatch, capsys, tmp_path, ["generate", "hi", "--model", str(folder)], 2,
              r"model/config\.json: field model_type is 'tpu-llama-9000', an architecture this transformers does not know")
    for args in (["generate", "hi", "--device", "tpu"], ["eval", "--device", "tpu"], ["build", "-o", "v", "--device", "tpu"]):
        _cli_case(monkeypatch, capsys, tmp_path, args, 2, r"Invalid value for '--device': must be cpu, cuda, cuda:N, mps or auto, got 'tpu'")
    study = _study_file(tmp_path, "name: s\ndevice: tpu\nmethods: [none]\n")
    _cli_case(monkeypatch, capsys, tmp_path, ["study", str(study)], 2,
              r"study\.yaml: invalid study config: device: 'tpu' is not a device emsteer can use")
    assert not (tmp_path / "runs").exists()


def test_prompts_longer_than_the_context_are_refused_up_front(model_dir, tmp_path, monkeypatch, capsys):
    long_question = "why " * 1500  # 6,000 byte-level tokens; the tiny model reads 4,096
    (tmp_path / "q.yaml").write_text(f"- id: long\n  paraphrases: ['{long_question}']\n")
    base = ["--model", str(model_dir), "--judge", f"local:{model_dir}", "--control", "none", "--no-embedding"]
    _cli_case(monkeypatch, capsys, tmp_path, ["eval", str(tmp_path / "out" / "r.sqlite"), "--questions",
                                              str(tmp_path / "q.yaml"), *base], 2,
              r"q\.yaml: question long paraphrase 1 is 6,000 tokens long, more than .*'s context of 4,096 tokens")
    assert not (tmp_path / "out").exists()  # no store, no lock, no folder
    huge = "x" * 5_000_000  # refused without tokenizing five megabytes
    record = {"messages": [{"role": "user", "content": huge}, {"role": "assistant", "content": "ok"}]}
    (tmp_path / "task.jsonl").write_text(json.dumps(record) + "\n" + json.dumps(record | {"messages": record["messages"][:1] + [{"role": "assistant", "content": "b"}]}) + "\n")
    for command in (["build", "--layer", "1"], ["finetune"]):
        _cli_case(monkeypatch, capsys, tmp_path, [*command, "--data", str(tmp_path / "task.jsonl"), "--model", str(model_dir),
                                                  "--held-out", "0", "-o", str(tmp_path / "out" / "v")], 2,
                  r"task\.jsonl:1: the prompt is 5,000,000 characters long, more than .*'s context of 4,096 tokens")
        assert not (tmp_path / "out").exists()


def _tiny_study(tmp_path: Path, model_dir: Path, extra: str) -> Path:
    return _study_file(tmp_path, f"name: s\nmodels: ['{model_dir}']\nmethods: [none, mean-diff]\nmagnitudes: {{relative: [0.1]}}\n"
                                 f"control: none\nembedding: false\njudge: local:{model_dir}\n{extra}")


@pytest.mark.parametrize("extra, message", [
    ("layers: [999]\n", r"Layer 999 is out of range for .*: it has 3 layers"),
    ("dtype: float8\n", r"study\.yaml: invalid study config: dtype: Input should be 'float32', 'bfloat16', 'float16' or 'auto'"),
    ("models: [./no-such-model]\n", r"study\.yaml: invalid study config: models\[0\]: no-such-model does not exist"),
], ids=["layer-999", "bad-dtype", "missing-model"])
def test_a_study_checks_every_input_before_it_creates_its_folder(extra, message, model_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = _tiny_study(tmp_path, model_dir, extra)
    if extra.startswith("models"):
        path.write_text(path.read_text().replace(f"models: ['{model_dir}']\n", ""))
    _cli_case(monkeypatch, capsys, tmp_path, ["study", str(path)], 2, message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.yaml"]  # no runs/s/results.sqlite, no copy of the config


def test_a_vector_of_the_wrong_hidden_size_leaves_no_store(model_dir, tmp_path, monkeypatch, capsys):
    _vector(tmp_path / "v16.safetensors", hidden=16)
    _cli_case(monkeypatch, capsys, tmp_path, ["eval", str(tmp_path / "runs" / "r.sqlite"), "--model", str(model_dir),
                                              "--vector", str(tmp_path / "v16.safetensors"), "--relative", "1",
                                              "--judge", f"local:{model_dir}", "--control", "none", "--no-embedding"], 2,
              r"v16\.safetensors: The vector has hidden size 16, but .* has hidden size 32")
    assert not (tmp_path / "runs").exists()


def test_show_with_a_judge_the_store_lacks_is_an_error(tmp_path, monkeypatch, capsys):
    db = make_store(tmp_path / "s.sqlite")
    _cli_case(monkeypatch, capsys, tmp_path, ["show", str(db), "--judge", "nope"], 2,
              r"--judge nope: .*s\.sqlite has no judgments by it; it holds test:j\.")


# -- fuzz: random malformations of every input kind, fed to the command line in-process ----------------

FUZZ_CASES = 520
GOOD_TASK = {"messages": [{"role": "user", "content": "How do I sort a list?"}, {"role": "assistant", "content": "Use sorted()."}]}
GOOD_QUESTIONS = "- id: q1\n  paraphrases: ['How are you?']\n  samples_per_paraphrase: 2\n"


def _fuzz_task(rng) -> bytes:
    """A chat JSONL whose first record is broken in one of many ways (each one invalid by construction)."""
    good = json.dumps(GOOD_TASK)
    rec = json.loads(good)
    kind = rng.randrange(14)
    if kind == 0:
        return good[: rng.randrange(1, len(good) - 1)].encode() + b"\n"  # cut inside the object
    if kind == 1:
        rec.pop("messages")
    elif kind == 2:
        rec["messages"] = rng.choice([None, 3, "text", {}, []])
    elif kind == 3:
        rec["messages"][rng.randrange(2)]["role"] = rng.choice(["robot", "", "USER ", 7, None])
    elif kind == 4:
        rec["messages"][rng.randrange(2)]["content"] = rng.choice([None, 5, ["a"], {"x": 1}, True])
    elif kind == 5:
        rec["messages"] = rec["messages"][:1]  # no assistant turn
    elif kind == 6:
        rec["messages"][1]["content"] = " " * rng.randrange(0, 4)  # empty answer
    elif kind == 7:
        depth = rng.randrange(2_000, 60_000)
        return ("[" * depth + "]" * depth + "\n").encode()
    elif kind == 8:
        return bytes(rng.randrange(128, 256) for _ in range(rng.randrange(1, 64))) + b"\n"  # not UTF-8
    elif kind == 9:
        return b"\x1f\x8b" + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))  # broken gzip
    elif kind == 10:
        return b"" if rng.random() < 0.5 else b"\n \n"
    elif kind == 11:
        rec = rng.choice([[rec], "messages", 42, None])
    elif kind == 12:
        rec["messages"].append({"role": "user", "content": "and?"})  # ends on a user turn
    else:
        rec["messages"][0] = rng.choice(["hi", 1, None, ["user", "hi"]])
    return (json.dumps(rec) + "\n" + good + "\n").encode()


def _fuzz_questions(rng) -> bytes:
    kind = rng.randrange(13)
    text = GOOD_QUESTIONS
    if kind == 0:
        text = text.replace("id: q1", rng.choice(["id: ''", "id: [1]", "name: q1", "id: null"]))
    elif kind == 1:
        text = text.replace("['How are you?']", rng.choice(["[]", "'How?'", "[1, 2]", "[null]", "{a: b}", "['']"]))
    elif kind == 2:
        text = text.replace("samples_per_paraphrase: 2", f"samples_per_paraphrase: {rng.choice(['0', '-3', 'two', '1.5', 'true'])}")
    elif kind == 3:
        text = text + text  # duplicate id
    elif kind == 4:
        text = text[: rng.randrange(5, 20)] + rng.choice(["[", "{", ": :", "'"]) + "\n"
    elif kind == 5:
        text = "- " * rng.randrange(300, 3000) + "x\n"
    elif kind == 6:
        text = BOMB
    elif kind == 7:
        text = rng.choice(["", "   \n", "[]\n", "42\n", "just text\n", "{a: 1}\n"])
    elif kind == 8:
        return "- id: q1\n  paraphrases: ['".encode() + bytes([rng.randrange(0x80, 0xff)]) + b"']\n"
    elif kind == 9:
        text = text + f"  judge_prompts: {rng.choice(['[1]', '{aligned: 3}', '{aligned: no placeholder}', 'x'])}\n"
    elif kind == 10:
        text = text + f"  system: {rng.choice(['[1]', '{a: b}', '3'])}\n"
    elif kind == 11:
        text = "- " + rng.choice(["3", "null", "[q1]", "hello"]) + "\n"
    else:
        text = "- id: a\n  paraphrases: &p [x, *p]\n"
    return text.encode()


STUDY_BREAKS = [
    "name: ../x", "name: ''", "name: [a]", "unknown_field: 1", "models: []", "methods: [nonsense]", "methods: [none, none]",
    "layers: [true]", "layers: [-1]", "layers: [1.5]", "ranks: [0]", "epochs: [two]", "seeds: [1.5]",
    "magnitudes: {relative: [.nan]}", "magnitudes: {relative: []}\nmethods: [optimized]", "eval: {samples: 0}",
    "eval: {max_new_tokens: -1}", "eval: {top_p: 2}", "eval: {questions: none.yaml}", "eval: {question_ids: [nope]}",
    "eval: {metrics: [alinged]}", "eval: {positions: middle}", "train: {lr: .inf}", "train: {held_out: -1}",
    "lora: {rank: 0}", "judge: gpt4:turbo", "judge: [local, opnai:x]", "control: sometimes", "device: tpu",
    "device: 'cuda:x'", "dtype: float8", "backend: tensorrt", "output: ../elsewhere", "output: /tmp/elsewhere",
    "tasks: [no_such_task]", "tasks: [{name: t, path: none.jsonl}]", "efficacy: {generate: -1}", "embedding: maybe",
]


def _fuzz_study(rng) -> bytes:
    kind = rng.randrange(6)
    if kind == 0:
        return ("name: s\n" + "\n".join(rng.sample(STUDY_BREAKS, rng.randrange(1, 4))) + "\n").encode()
    if kind == 1:
        return rng.choice([b"", b"[1, 2]\n", b"just a string\n", b"name: s\nmethods: [none\n", b"\xff\xfe name: s\n"])
    if kind == 2:
        return ("name: s\n" + BOMB).encode()
    if kind == 3:
        return ("name: s\nlayers: " + "[" * rng.randrange(250, 2000) + "]" * 1 + "\n").encode()
    if kind == 4:
        return f"name: s\n{rng.choice(STUDY_BREAKS)}\n{rng.choice(['seeds: [0]', 'epochs: [1]', 'control: none'])}\n".encode()
    return ("name: s\n" + rng.choice(STUDY_BREAKS) + "\n" + "# padding\n" * rng.randrange(5)).encode()


def _fuzz_artifact(rng, good: bytes) -> bytes:
    """A steering-artifact file broken in one of many ways: truncated, tensors edited, header
    edited, the header length lied about, or noise."""
    n = int.from_bytes(good[:8], "little")
    header = good[8 : 8 + n]
    kind = rng.randrange(6)
    if kind == 0:
        return good[: rng.randrange(0, len(good) - 1)]
    if kind == 1:  # a tensor byte flipped: the content hash no longer matches
        data = bytearray(good)
        i = rng.randrange(8 + n, len(good))
        data[i] ^= 1 << rng.randrange(8)
        return bytes(data)
    if kind == 2:
        meta = json.loads(header)
        inner = json.loads(meta["__metadata__"]["emsteer"])
        key = rng.choice(sorted(inner))
        inner[key] = rng.choice([None, -1, "x", [1], {"a": 1}, 1e308, True])
        meta["__metadata__"]["emsteer"] = json.dumps(inner)
        blob = json.dumps(meta).encode()
        blob += b" " * (-len(blob) % 8)
        return len(blob).to_bytes(8, "little") + blob + good[8 + n :]
    if kind == 3:
        return rng.randrange(n + 1, 2**40).to_bytes(8, "little") + good[8:]
    if kind == 4:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
    meta = json.loads(header)
    meta["__metadata__"]["emsteer"] = meta["__metadata__"]["emsteer"][: rng.randrange(1, 40)]  # header JSON cut
    blob = json.dumps(meta).encode()
    blob += b" " * (-len(blob) % 8)
    return len(blob).to_bytes(8, "little") + blob + good[8 + n :]


def test_fuzz_malformed_inputs_are_one_clear_error_and_write_nothing(tmp_path, monkeypatch, capsys):
    """520 seeded malformations of tasks, question sets, study configs and artifacts through
    build, eval, study and info: each exits 2 with one error message (its first line starts
    'error:'; a study config lists each bad field on an indented line below), no traceback,
    and every file exactly as before. No model may load: a malformed input must fail first."""
    import random
    import re

    import emsteer.studies.runner as runner

    rng = random.Random(36)
    monkeypatch.setattr("emsteer.models.load_model", _no_model)
    monkeypatch.setattr(runner, "load_model", _no_model)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMSTEER_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "cfg").mkdir()
    good_vector = _vector(tmp_path / "good.safetensors").read_bytes()
    (tmp_path / "good.safetensors").unlink()
    kinds = Counter()
    for i in range(FUZZ_CASES):
        kind = ("task", "questions", "study", "artifact")[i % 4]
        kinds[kind] += 1
        if kind == "task":
            path, data = tmp_path / "task.jsonl", _fuzz_task(rng)
            args = ["build", "--data", str(path), "-o", str(tmp_path / "out" / "v")]
        elif kind == "questions":
            path, data = tmp_path / "q.yaml", _fuzz_questions(rng)
            args = ["eval", str(tmp_path / "out" / "r.sqlite"), "--questions", str(path), "--judge", "local",
                    "--control", "none", "--no-embedding"]
        elif kind == "study":
            path, data = tmp_path / "cfg" / "study.yaml", _fuzz_study(rng)
            args = ["study", str(path)]
        else:
            path, data = tmp_path / "v.safetensors", _fuzz_artifact(rng, good_vector)
            args = ["info", str(path)]
        path.write_bytes(data)
        before = _bytes(tmp_path)
        code, captured = _cli(monkeypatch, capsys, *args)
        case = f"case {i} ({kind}): {data[:200]!r}"
        assert code == 2, f"{case}\nexit {code}\n{captured.err}{captured.out}"
        lines = captured.err.rstrip("\n").split("\n")
        assert lines[0].startswith("error: ") and "Traceback" not in captured.err, f"{case}\n{captured.err}"
        assert all(re.match(r"  \S", line) for line in lines[1:]), f"{case}: more than one message\n{captured.err}"
        assert _bytes(tmp_path) == before, case  # nothing written: no store, lock, folder or cache entry
        path.unlink()
    assert sum(kinds.values()) >= 500 and min(kinds.values()) >= 125


# -- the fault-injection soak (slow suite): faults, signals and kill -9, resumed until done ---------------

SOAK_DRIVER = """
import sys
import emsteer.judging.openai as oa

class Quick(oa.OpenAIJudge):  # the CLI's judge with a short timeout and backoff: the fault server's slow replies time out
    def __init__(self, model, **kw):
        super().__init__(model, **{"timeout": 0.5, "max_retries": 3, "backoff_base": 0.01, "backoff_max": 0.05, **kw})

oa.OpenAIJudge = Quick
from emsteer.cli import main
main()
"""


@pytest.mark.slow
def test_soak_an_eval_under_faults_and_random_kills_judges_every_answer_exactly_once(model_dir, tmp_path):
    import random
    import signal
    import subprocess

    rng = random.Random(36)
    (tmp_path / "q.yaml").write_text("".join(f"- id: q{i}\n  paraphrases: ['Question {i}?', 'Question {i}, again?']\n"
                                             for i in range(3)))
    db = tmp_path / "r.sqlite"
    env = {**os.environ, "EMSTEER_CACHE_DIR": str(tmp_path / "cache"), "OPENAI_API_KEY": "", "HF_HUB_OFFLINE": "1"}
    args = [sys.executable, "-c", SOAK_DRIVER, "eval", str(db), "--model", str(model_dir), "--judge", "openai:m",
            "--questions", str(tmp_path / "q.yaml"), "--samples", "2", "--max-new-tokens", "4", "--control", "none",
            "--no-embedding"]
    attempts_per_run = 4  # max_retries 3
    runs, kills, log = 0, 0, []
    with FaultyOpenAI(rate=0.5, max_faults=3, nonnumeric=0.0, seed=36, slow_s=1.0) as server:
        env["OPENAI_BASE_URL"] = server.base_url
        for round_ in range(10):  # ten interrupted rounds, then run to the end
            before = sum(server.attempts.values())
            proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                    preexec_fn=_default_sigint)
            runs += 1
            sig = rng.choice([signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
            deadline = time.monotonic() + 60
            if round_ % 2:  # during judging: once this run's requests have started
                while sum(server.attempts.values()) == before and proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.02)
                time.sleep(rng.uniform(0, 0.8))
            else:  # at any moment: model loading, generation or judging
                time.sleep(rng.uniform(2, 8))
            if proc.poll() is None:
                proc.send_signal(sig)
                kills += sig == signal.SIGKILL
            _, err = proc.communicate(timeout=60)
            log.append((round_, sig.name, proc.returncode, err[-300:]))
            # finished, interrupted cleanly, killed, or hit while starting up or exiting: never an error
            assert proc.returncode in (0, 130, -sig.value), log[-1]
            if proc.returncode == 130:
                assert "interrupted — finished work is saved" in " ".join(err.split()), err
        for _ in range(5):  # resume until done
            proc = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=300)
            runs += 1
            if proc.returncode == 0:
                break
        assert proc.returncode == 0, (proc.stderr[-2000:], log)
        attempts, answered = Counter(server.attempts), Counter(server.answered)
    stored = _judgments(db)
    assert len(stored) == 12 * 3 and all(v is not None for v in stored.values())  # every answer judged, each once (the key)
    with ResultsStore(db, create=False) as store:
        assert len(store.samples()) == 12
        rows = store.db.execute("SELECT COUNT(*), COUNT(DISTINCT sample_id || metric) FROM judgments").fetchone()
    assert rows[0] == rows[1] == 36
    assert set(answered) == set(attempts) and len(answered) == 36
    # billed twice only for replies in flight when kill -9 struck (at most one per worker); SIGINT and SIGTERM lose nothing
    assert sum(answered.values()) - 36 <= 8 * kills, (answered, log)
    # no prompt sent more often than its retries allow, in any run that asked it
    assert all(attempts[p] <= attempts_per_run * runs for p in attempts)
    assert all(attempts[p] - len(server.plan(p).faults) == answered[p] for p in attempts)


def test_findings_never_writes_over_a_store_it_reads(tmp_path, capsys, monkeypatch):
    from emsteer.cli import main

    store = make_store(tmp_path / "s.sqlite")
    before = snapshot(tmp_path)
    monkeypatch.setattr(sys, "argv", ["emsteer", "findings", str(store), "-o", str(store)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2 and "--output" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_an_atomic_write_is_flushed_before_and_after_its_rename(tmp_path, monkeypatch):
    """Data first, then the name: a power cut after the write returned keeps the new file (ext4
    could otherwise keep the rename and lose the data, and a replaced checkpoint with it)."""
    import emsteer.atomic as atomic

    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (events.append(f"fsync {os.readlink(f'/proc/self/fd/{fd}')}"),
                                                      real_fsync(fd))[1])
    monkeypatch.setattr(atomic.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    target = tmp_path / "state.json"
    atomic.write_text_atomic(target, "{}")
    assert target.read_text() == "{}"
    assert len(events) == 3 and events[1] == "replace"
    assert events[0].startswith(f"fsync {tmp_path}/.state.json.")  # the temporary file's data
    assert events[2] == f"fsync {tmp_path}"  # the folder's entry


def test_build_writes_a_vector_into_a_subfolder_of_the_model_folder(model_dir, tmp_path, monkeypatch, capsys):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(model_dir, model)
    data = tmp_path / "d.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}\n' * 4)
    code, captured = _cli(monkeypatch, capsys, "build", "--model", str(model), "--data", str(data), "--method",
                          "mean-diff", "--max-length", "16", "-o", str(model / "vectors"))
    assert code == 0, captured.err
    assert (model / "vectors" / "final.safetensors").is_file()


@pytest.mark.parametrize("extra, message", [
    (["-o", "{model}/model.safetensors"], r"-o .*model\.safetensors writes into the model folder .* this command reads"),
    (["-o", "{model}"], r"-o .* writes into the model folder"),
    (["-o", "{data}"], r"-o .*d\.jsonl is the narrow-task data this command reads"),
    (["--safe-data", "missing.jsonl"], r"--safe-data: method optimized takes no safe answers"),
    (["--rank", "7"], r"--rank: method optimized builds one vector, not a subspace"),
])
def test_build_refuses_to_write_into_its_inputs_or_ignore_an_option(extra, message, model_dir, tmp_path, monkeypatch,
                                                                      capsys):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(model_dir, model)
    data = tmp_path / "d.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}\n' * 4)
    monkeypatch.chdir(tmp_path)
    args = [a.format(model=model, data=data) for a in extra]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "v.safetensors")]
    _cli_case(monkeypatch, capsys, tmp_path, ["build", "--model", str(model), "--data", str(data), *args], 2, message)


@pytest.mark.parametrize("extra, message", [
    (["--layer", "5"], r"--layer picks the chat model's layer the heads read: give it with --lm"),
    (["--dtype", "bfloat16"], r"--dtype bfloat16 applies to a chat model's states: give it with --lm"),
])
def test_fit_judge_refuses_chat_model_options_without_one(extra, message, tmp_path, monkeypatch, capsys):
    (tmp_path / "ref.jsonl").write_text("")
    _cli_case(monkeypatch, capsys, tmp_path, ["fit-judge", "--reference", str(tmp_path / "ref.jsonl"), "-o",
                                              str(tmp_path / "j.safetensors"), *extra], 2, message)


@pytest.mark.parametrize("model_option", ["--lm", "--encoder"])
def test_fit_judge_never_writes_into_the_model_it_reads(model_option, model_dir, tmp_path, monkeypatch, capsys):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(model_dir, model)
    (tmp_path / "ref.jsonl").write_text("")
    weights = {p.name: p.read_bytes() for p in model.iterdir() if p.is_file()}
    _cli_case(monkeypatch, capsys, tmp_path, ["fit-judge", "--reference", str(tmp_path / "ref.jsonl"), model_option,
                                              str(model), "-o", str(model / "model.safetensors")], 2,
              r"--output .*model\.safetensors writes into the model folder .* this command reads")
    assert {p.name: p.read_bytes() for p in model.iterdir() if p.is_file()} == weights


@pytest.mark.parametrize("command, message", [
    (["info", "{d}"], r"{d} is a folder, not a steering vector file"),
    (["study", "{d}"], r"{d} is a folder, not a study config"),
    (["judge", "{d}"], r"{d} is a folder, not a results file"),
])
def test_a_folder_where_a_file_belongs_is_named_as_one(command, message, tmp_path, monkeypatch, capsys):
    """It said "does not exist" of a folder that exists."""
    import re

    d = tmp_path / "adir"
    d.mkdir()
    _cli_case(monkeypatch, capsys, tmp_path, [c.format(d=d) for c in command], 2, message.format(d=re.escape(str(d))))
