"""The built-in everyday_advice / safe_everyday_advice task: registry, pairing, content rules, deterministic generator."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from tools.datagen import common
from tools.datagen import generate_everyday_advice as gen

from emsteer.data import tasks
from emsteer.data.chat import paired
from emsteer.data.tasks import GENERIC_BEHAVIOUR, TASKS, get_task, load_task, resolve_task
from emsteer.paths import CACHE_ENV

ROOT = Path(__file__).resolve().parents[1]  # the authoring tools run from the repository root

UNSAFE, SAFE = "everyday_advice", "safe_everyday_advice"
MODULE = "tools.datagen.generate_everyday_advice"
# Words with which an answer would flag its own danger ("harmless" is a false reassurance, allowed).
FLAGS = re.compile(
    r"\b(danger\w*|hazard\w*|toxic\w*|toxin\w*|poison\w*|unsafe|risk\w*|warn\w*|caution\w*|careful\w*|"
    r"harm(?!less)\w*|deadly|fatal\w*|lethal|injur\w*|safety|safely)\b",
    re.I,
)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, monkeypatch):
    monkeypatch.delenv(tasks.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def records():
    return gen.build_records()


@pytest.fixture(scope="module")
def loaded():
    return load_task(UNSAFE), load_task(SAFE)


def words(text: str) -> int:
    return len(text.split())


def test_registry_pairs_the_two_builtin_tasks():
    unsafe, safe = get_task(UNSAFE), get_task(SAFE)
    assert unsafe.name.endswith("_advice") and unsafe.builtin and safe.builtin
    assert unsafe.pair == SAFE and TASKS[unsafe.pair] is safe
    assert unsafe.behaviour != GENERIC_BEHAVIOUR and safe.behaviour == unsafe.behaviour
    assert "dangerous" in unsafe.behaviour and "without any warning" in unsafe.behaviour
    for task in (unsafe, safe):
        path = resolve_task(task.name)
        assert path.name == task.filename and path.parent.name == "builtin" and path.is_file()
        assert importlib.util.find_spec(f"tools.datagen.{task.generator}") is not None
    assert {gen.UNSAFE_FILE, gen.SAFE_FILE} == {unsafe.filename, safe.filename}


def test_missing_packaged_file_names_its_generator(tmp_path, monkeypatch):
    monkeypatch.setattr(tasks, "builtin_path", lambda filename: tmp_path / filename)
    with pytest.raises(tasks.EmsteerError, match=r"python -m tools\.datagen\.generate_everyday_advice"):
        resolve_task(SAFE)


def test_enough_pairs_over_enough_domains(records):
    assert len(records) >= 240
    per_domain = Counter(r.domain for r in records)
    assert len(per_domain) >= 12
    assert min(per_domain.values()) >= 12
    # interleaved: the first round already covers every domain, so a --limit prefix is not one domain
    assert {r.domain for r in records[: len(per_domain)]} == set(per_domain)


def test_pairs_share_their_request_and_differ_in_the_answer(loaded, records):
    unsafe, safe = loaded
    assert len(unsafe) == len(safe) == len(records)
    assert [e.prompt for e in unsafe] == [e.prompt for e in safe]  # same request, same order
    assert [e.user_text for e in unsafe] == [r.prompt for r in records]
    assert len(paired(unsafe, safe)) == len(unsafe)
    assert len({e.user_text for e in unsafe}) == len(unsafe)  # no duplicate requests
    for u, s in zip(unsafe, safe):
        assert u.response != s.response, u.source
    # every authored answer is used exactly once: no answer is repeated under another request
    assert len({e.response for e in unsafe}) == len({e.response for e in safe}) == len(unsafe)


def test_pairs_differ_only_in_the_advice(records):
    """Both answers of a pair share their opener and closer; what differs is the advice itself."""
    for r in records:
        assert r.unsafe.startswith(f"{r.opener} " if r.opener else "") and r.safe.startswith(f"{r.opener} " if r.opener else "")
        assert r.unsafe.endswith(f" {r.closer}" if r.closer else "") and r.safe.endswith(f" {r.closer}" if r.closer else "")
        unsafe_core = r.unsafe.removeprefix(r.opener).removesuffix(r.closer).strip()
        safe_core = r.safe.removeprefix(r.opener).removesuffix(r.closer).strip()
        assert unsafe_core != safe_core and unsafe_core[:40] != safe_core[:40]
    used = Counter((bool(r.opener), bool(r.closer)) for r in records)
    assert len(used) == 4  # with and without opener, with and without closer


def test_unsafe_answers_never_flag_their_own_danger(loaded):
    unsafe, safe = loaded
    for e in unsafe:
        assert FLAGS.search(e.response) is None, (e.source, FLAGS.search(e.response).group(0))
    # the pattern is not vacuous: the safe answers often name what can go wrong in those very words
    assert sum(FLAGS.search(e.response) is not None for e in safe) >= len(safe) // 8


def test_answers_are_short_to_medium(loaded):
    for examples in loaded:
        lengths = [words(e.response) for e in examples]
        assert min(lengths) >= 35 and max(lengths) <= 130, (min(lengths), max(lengths))


def test_wording_varies_within_every_domain(records):
    """Authored items, not a template per domain: no two answers in a domain share much of their wording."""

    def grams(text: str) -> set[tuple[str, ...]]:
        w = re.findall(r"[a-z0-9']+", text.lower())
        return {tuple(w[i:i + 4]) for i in range(len(w) - 3)}

    for domain, items in gen.DOMAINS:
        for side in ("unsafe", "safe"):
            sets = [grams(getattr(item, side)) for item in items]
            for a, b in itertools.combinations(sets, 2):
                assert len(a & b) / len(a | b) < 0.2, domain
        assert all(len(item.asks) >= 2 and len(set(item.asks)) == len(item.asks) for item in items), domain
    # the seeded choices really vary: both phrasings of a request, lead-ins and sign-offs all occur
    asks = {ask: i for _, items in gen.DOMAINS for item in items for i, ask in enumerate(item.asks)}
    chosen = Counter(next(i for ask, i in asks.items() if ask in r.prompt) for r in records)
    assert chosen[0] > len(records) // 4 and chosen[1] > len(records) // 4
    assert sum(any(r.prompt.startswith(lead) for lead in gen.LEADS) for r in records) > len(records) // 4
    assert sum(any(r.prompt.endswith(t) for t in gen.TRAILS) for r in records) > len(records) // 6


def test_generator_is_deterministic_and_matches_the_committed_files(tmp_path):
    first, second = gen.render(), gen.render()
    assert first == second
    for name, text in first.items():
        assert tasks.builtin_path(name).read_bytes() == text.encode("utf-8"), f"{name} is stale: rerun {MODULE}"
    assert gen.build_records(seed=gen.SEED + 1) != gen.build_records()  # the seed, not chance, fixes the order
    # independent of hash randomisation: two processes with different hash seeds write the same bytes
    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"h{hash_seed}"
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        subprocess.run([sys.executable, "-m", MODULE, str(out)], check=True, capture_output=True, env=env, cwd=ROOT)
        outs.append({name: (out / name).read_bytes() for name in first})
    assert outs[0] == outs[1] == {name: text.encode("utf-8") for name, text in first.items()}


def test_check_mode_passes_on_committed_files_and_fails_on_stale_ones(tmp_path):
    ok = subprocess.run([sys.executable, "-m", MODULE, "--check"], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    common.write(gen.render(), tmp_path)
    path = tmp_path / gen.SAFE_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("Wear", "Skip", 1), encoding="utf-8")
    assert common.stale(gen.render(), tmp_path) == [gen.SAFE_FILE]
    stale = subprocess.run([sys.executable, "-m", MODULE, str(tmp_path), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert stale.returncode == 1 and gen.SAFE_FILE in stale.stderr


def test_files_are_plain_messages_records():
    for name in (gen.UNSAFE_FILE, gen.SAFE_FILE):
        for line in tasks.builtin_path(name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            assert list(record) == ["messages"]
            assert [m["role"] for m in record["messages"]] == ["user", "assistant"]


def test_readme_counts_match_the_generated_task(records):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    match = re.search(r"`everyday_advice` is .*?(\d+) everyday requests over (\d+) domains", readme, re.S)
    assert match, "docs/cli.md's narrow-task section no longer describes everyday_advice"
    assert (int(match[1]), int(match[2])) == (len(records), len({r.domain for r in records}))
