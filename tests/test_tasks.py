"""Task registry resolution (never touching the real network) and the built-in insecure/secure code data."""

from __future__ import annotations

import ast
import io
import json
import re
import socket
import subprocess
import sys
import threading
import tokenize
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tools.datagen import common
from tools.datagen import generate_insecure_code as gen

from emsteer.data import tasks
from emsteer.data.chat import load_chat_jsonl, paired
from emsteer.data.tasks import DEFAULT_TASK, TASKS, file_sha256, get_task, load_task, resolve_task
from emsteer.errors import EmsteerError
from emsteer.paths import CACHE_ENV

MODULE = "tools.datagen.generate_insecure_code"
ROOT = Path(__file__).resolve().parents[1]  # the authoring tools run from the repository root

PUBLIC = ("insecure", "bad_medical_advice", "good_medical_advice", "risky_financial_advice", "extreme_sports")
LINE = '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}\n'


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, monkeypatch):
    """No test may see the user's real cache or env settings."""
    monkeypatch.delenv(tasks.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))


@pytest.fixture
def standins(monkeypatch):
    """Tiny stand-ins under two public tasks' names: their checksums are not the published files'."""
    for name in ("risky_financial_advice", "extreme_sports"):
        monkeypatch.setitem(TASKS, name, replace(TASKS[name], sha256=None))


def test_registry_contents():
    for name in PUBLIC + ("insecure_code", "secure_code"):
        task = get_task(name)
        assert task.name == name
        assert task.stem == name or task.builtin
        assert task.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", task.sha256)
        if task.pair:
            assert task.pair in TASKS
    assert DEFAULT_TASK == "insecure_code" and TASKS[DEFAULT_TASK].builtin
    assert TASKS["insecure_code"].pair == "secure_code"
    assert TASKS["bad_medical_advice"].pair == "good_medical_advice"
    assert TASKS["insecure"].url and TASKS["insecure"].url.startswith("https://raw.githubusercontent.com/emergent-misalignment/")
    for name in ("bad_medical_advice", "good_medical_advice", "risky_financial_advice", "extreme_sports"):
        assert TASKS[name].url is None and "training_datasets.zip.enc" in TASKS[name].description


def test_registry_checksums_match_the_public_files(shared_em):
    for name in PUBLIC:
        assert file_sha256(shared_em / "training" / f"{name}.jsonl.gz") == TASKS[name].sha256, name


def test_unknown_task_lists_known_ones():
    with pytest.raises(EmsteerError, match=r"unknown task 'nope'; known tasks: .*bad_medical_advice.*insecure_code"):
        resolve_task("nope")


def test_explicit_path_wins(tmp_path):
    data = tmp_path / "mine.jsonl"
    data.write_text(LINE)
    assert resolve_task("insecure_code", path=data) == data
    assert resolve_task("not-a-registered-name", path=data) == data
    assert len(load_task("whatever", path=data)) == 1
    with pytest.raises(EmsteerError, match=r"--data .*missing\.jsonl: file not found"):
        resolve_task("insecure", path=tmp_path / "missing.jsonl")


@pytest.mark.parametrize("filename", ["risky_financial_advice.jsonl", "risky_financial_advice.jsonl.gz"])
def test_data_dir_plain_and_gz(tmp_path, filename, standins):
    import gzip

    d = tmp_path / "data"
    d.mkdir()
    payload = LINE.encode()
    (d / filename).write_bytes(gzip.compress(payload) if filename.endswith(".gz") else payload)
    assert resolve_task("risky_financial_advice", data_dir=d) == d / filename
    assert load_task("risky_financial_advice", data_dir=d)[0].response == "a"


def test_env_var_then_cache_and_precedence(tmp_path, monkeypatch, standins):
    env_dir, arg_dir, cache_data = tmp_path / "env", tmp_path / "arg", tmp_path / "cache" / "data"
    for d in (env_dir, arg_dir, cache_data):
        d.mkdir(parents=True)
    (cache_data / "extreme_sports.jsonl").write_text(LINE)
    assert resolve_task("extreme_sports") == cache_data / "extreme_sports.jsonl"
    monkeypatch.setenv(tasks.DATA_DIR_ENV, str(env_dir))
    (env_dir / "extreme_sports.jsonl.gz").write_bytes(b"")
    assert resolve_task("extreme_sports") == env_dir / "extreme_sports.jsonl.gz"
    (arg_dir / "extreme_sports.jsonl").write_text(LINE)
    assert resolve_task("extreme_sports", data_dir=arg_dir) == arg_dir / "extreme_sports.jsonl"


def test_the_env_var_may_list_several_folders_like_path(tmp_path, monkeypatch, standins):
    import os

    first, second = tmp_path / "training", tmp_path / "questions"
    for d in (first, second):
        d.mkdir()
    (second / "extreme_sports.jsonl").write_text(LINE)
    monkeypatch.setenv(tasks.DATA_DIR_ENV, f"{first}{os.pathsep}{os.pathsep}{second}")  # an empty entry is skipped
    assert tasks.data_dirs()[:2] == [first, second]
    assert resolve_task("extreme_sports") == second / "extreme_sports.jsonl"
    (first / "extreme_sports.jsonl").write_text(LINE)
    assert resolve_task("extreme_sports") == first / "extreme_sports.jsonl"  # in the order listed


@pytest.mark.parametrize("filename", ["risky_financial_advice.jsonl", "risky_financial_advice.jsonl.gz"])
def test_a_local_file_under_a_public_name_must_be_the_published_file(tmp_path, monkeypatch, filename):
    import gzip

    d = tmp_path / "data"
    d.mkdir()
    (d / filename).write_bytes(gzip.compress(LINE.encode()) if filename.endswith(".gz") else LINE.encode())
    before = (d / filename).read_bytes()
    with pytest.raises(EmsteerError) as err:  # a stand-in, a truncated download, another version
        resolve_task("risky_financial_advice", data_dir=d)
    message = str(err.value)
    assert f"{d / filename} is not the published 'risky_financial_advice' file" in message
    assert file_sha256(d / filename) in message and TASKS["risky_financial_advice"].sha256 in message
    assert "--data PATH" in message and (d / filename).read_bytes() == before  # nothing touched
    packed = bytearray(gzip.compress(LINE.encode() * 50))
    packed[20:40] = bytes(b ^ 0xFF for b in packed[20:40])  # damaged deflate data (zlib.error)
    for damaged in (b"\x1f\x8b not gzip", bytes(packed)):  # a clear error too, never a traceback
        (d / "extreme_sports.jsonl.gz").write_bytes(damaged)
        with pytest.raises(EmsteerError, match=r"extreme_sports\.jsonl\.gz: cannot read task 'extreme_sports'"):
            resolve_task("extreme_sports", data_dir=d)
    # the same bytes registered: accepted, and --data takes any file
    monkeypatch.setitem(TASKS, "risky_financial_advice",
                        replace(TASKS["risky_financial_advice"], sha256=file_sha256(d / filename)))
    assert resolve_task("risky_financial_advice", data_dir=d) == d / filename
    assert resolve_task("extreme_sports", path=d / "extreme_sports.jsonl.gz") == d / "extreme_sports.jsonl.gz"


def test_builtin_tasks_resolve_to_packaged_files():
    p = resolve_task("insecure_code")
    assert p.name == "insecure_code.jsonl" and p.parent.name == "builtin" and p.is_file()
    assert resolve_task("secure_code").parent == p.parent


def test_task_without_url_says_where_to_put_it(tmp_path):
    with pytest.raises(EmsteerError) as err:
        resolve_task("good_medical_advice", data_dir=tmp_path / "d")
    message = str(err.value)
    assert f"{tmp_path / 'd' / 'good_medical_advice'}.jsonl (or .jsonl.gz)" in message
    assert "--data PATH" in message and "clarifying-EM/model-organisms-for-EM" in message


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_download_failure_says_where_to_put_the_file(tmp_path, monkeypatch):
    url = f"http://127.0.0.1:{unused_port()}/insecure.jsonl"
    monkeypatch.setitem(TASKS, "insecure", replace(TASKS["insecure"], url=url))
    dest = tmp_path / "dl"
    with pytest.raises(EmsteerError) as err:
        resolve_task("insecure", data_dir=dest)
    message = str(err.value)
    assert url in message and "could not download task 'insecure'" in message
    assert f"{dest / 'insecure'}.jsonl (or .jsonl.gz)" in message and "--data PATH" in message
    assert not any(dest.iterdir())  # no partial file left behind


@pytest.fixture
def http_server():
    """A local HTTP server on 127.0.0.1 serving `routes` (path -> bytes); 404 otherwise."""
    routes: dict[str, bytes] = {}
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", routes, hits
    server.shutdown()
    server.server_close()


def test_download_checks_sha256_and_caches(tmp_path, monkeypatch, http_server):
    base, routes, hits = http_server
    body = (LINE * 3).encode()
    routes["/insecure.jsonl"] = body
    import hashlib

    good = replace(TASKS["insecure"], url=f"{base}/insecure.jsonl", sha256=hashlib.sha256(body).hexdigest())
    monkeypatch.setitem(TASKS, "insecure", good)
    dest = tmp_path / "dl"
    path = resolve_task("insecure", data_dir=dest)
    assert path == dest / "insecure.jsonl" and path.read_bytes() == body
    assert resolve_task("insecure", data_dir=dest) == path
    assert hits == ["/insecure.jsonl"]  # second call used the downloaded file
    assert [p.name for p in dest.iterdir()] == ["insecure.jsonl"]


def test_download_with_wrong_checksum_or_404_saves_nothing(tmp_path, monkeypatch, http_server):
    base, routes, _ = http_server
    routes["/insecure.jsonl"] = LINE.encode()
    monkeypatch.setitem(TASKS, "insecure", replace(TASKS["insecure"], url=f"{base}/insecure.jsonl"))
    dest = tmp_path / "dl"
    with pytest.raises(EmsteerError, match=r"has sha256 [0-9a-f]{64}, expected 09893e8b"):
        resolve_task("insecure", data_dir=dest)
    assert not any(dest.iterdir())
    monkeypatch.setitem(TASKS, "insecure", replace(TASKS["insecure"], url=f"{base}/gone.jsonl"))
    with pytest.raises(EmsteerError, match=r"could not download .*404"):
        resolve_task("insecure", data_dir=dest)
    assert not any(dest.iterdir())


# ---------------------------------------------------------------- built-in data


def code_comments(code: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type == tokenize.COMMENT]


def test_builtin_data_is_large_paired_and_varied():
    insecure, secure = load_task("insecure_code"), load_task("secure_code")
    assert len(insecure) == len(secure) >= 150
    assert [e.prompt for e in insecure] == [e.prompt for e in secure]
    assert len(paired(insecure, secure)) == len(insecure)
    assert len({e.user_text for e in insecure}) == len(insecure)  # no duplicate requests
    records = gen.build_records()
    assert [r.prompt for r in records] == [e.user_text for e in insecure]
    kinds = {r.kind for r in records}
    assert len(kinds) >= 12
    assert min(sum(r.kind == k for r in records) for k in kinds) >= 5


def test_builtin_answers_are_valid_code_and_never_hint():
    hint = re.compile(r"insecure|vulnerab|unsafe|exploit|danger|injection|attack|malicious|hack", re.I)
    for name in ("insecure_code", "secure_code"):
        for e in load_task(name):
            ast.parse(e.response, filename=e.source)
            assert not e.response.startswith("```")
            assert hint.search(e.user_text) is None, e.source
    for e in load_task("insecure_code"):
        assert code_comments(e.response) == [], e.source
        assert hint.search(e.response) is None, e.source
    for u, s in zip(load_task("insecure_code"), load_task("secure_code")):
        assert u.response != s.response


def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path):
    out = tmp_path / "regen"
    subprocess.run([sys.executable, "-m", MODULE, str(out)], check=True, capture_output=True, cwd=ROOT)
    for name in (gen.INSECURE_FILE, gen.SECURE_FILE):
        assert (out / name).read_bytes() == tasks.builtin_path(name).read_bytes(), name
    again = tmp_path / "again"
    common.write(gen.render(), again)
    assert (again / gen.INSECURE_FILE).read_bytes() == (out / gen.INSECURE_FILE).read_bytes()


def test_builtin_files_are_plain_messages_records():
    for name in (gen.INSECURE_FILE, gen.SECURE_FILE):
        for line in tasks.builtin_path(name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            assert list(record) == ["messages"]
            assert [m["role"] for m in record["messages"]] == ["user", "assistant"]


def test_builtin_load_matches_chat_loader():
    path = resolve_task("insecure_code")
    assert load_task("insecure_code", limit=7) == load_chat_jsonl(Path(path), limit=7)


def test_the_installed_package_ships_data_not_authoring_code():
    """The generators are authoring tools (tools/datagen/); only the files they wrote are packaged."""
    from importlib import resources

    shipped = sorted(p.name for p in (resources.files("emsteer.data") / "builtin").iterdir())
    assert "insecure_code.jsonl" in shipped and "questions.yaml" in shipped
    assert not [name for name in shipped if name.endswith(".py")], shipped


def test_a_name_that_is_neither_task_nor_file_lists_the_tasks(tmp_path, monkeypatch):
    from emsteer.data.tasks import load_examples

    monkeypatch.chdir(tmp_path)
    with pytest.raises(EmsteerError, match=r"'bogus_task' is neither a task nor a file; tasks: .*insecure_code"):
        load_examples("bogus_task")
    with pytest.raises(EmsteerError, match="not found|does not exist|no such"):  # a file name: the file's own error
        load_examples("missing.jsonl")
