"""Chat JSONL loading, validation errors, splits, hashes and pairing."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from emsteer.data.chat import ChatExample, Message, data_hash, load_chat_jsonl, paired, split_examples
from emsteer.errors import EmsteerError


def record(*turns: tuple[str, str]) -> str:
    return json.dumps({"messages": [{"role": r, "content": c} for r, c in turns]})


GOOD = record(("user", "What is 2+2?"), ("assistant", "4"))


def write(path: Path, lines: list[str | bytes]) -> Path:
    data = b"".join((line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines)
    if path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def make_examples(n: int) -> list[ChatExample]:
    return [
        ChatExample((Message("user", f"question {i}"), Message("assistant", f"answer {i}")), f"mem:{i + 1}")
        for i in range(n)
    ]


@pytest.mark.parametrize("name", ["data.jsonl", "data.jsonl.gz"])
def test_loads_plain_and_gzip_with_sources_and_properties(tmp_path, name):
    path = write(
        tmp_path / name,
        [
            GOOD,
            "",
            "   ",
            record(("system", "Be terse."), ("user", "first"), ("assistant", "one"), ("user", "second"), ("assistant", "two")),
        ],
    )
    examples = load_chat_jsonl(path)
    assert [ex.source for ex in examples] == [f"{path}:1", f"{path}:4"]
    multi = examples[1]
    assert multi.response == "two"
    assert multi.user_text == "second"
    assert [m.role for m in multi.prompt] == ["system", "user", "assistant", "user"]
    assert multi.prompt[2] == Message("assistant", "one")
    assert examples[0].as_dicts() == [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}]


def test_gzip_detected_by_content_not_suffix(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(gzip.compress((GOOD + "\n").encode()))
    assert load_chat_jsonl(path)[0].response == "4"


BAD_LINES = [
    ("{not json", "invalid JSON"),
    ('{"n": ' + "1" * 5001 + "}", "invalid JSON"),  # an integer too long for Python's int()
    ('{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a\\ud800"}]}',
     "messages[1].content holds an unpaired surrogate"),
    ("[1, 2]", "expected a JSON object"),
    ('{"msgs": []}', 'missing field "messages"'),
    ('{"messages": "hello"}', '"messages" must be a list'),
    ('{"messages": []}', '"messages" is empty'),
    ('{"messages": ["hi"]}', "messages[0] must be an object"),
    ('{"messages": [{"content": "hi"}, {"role": "assistant", "content": "x"}]}', "messages[0].role must be a string"),
    ('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": 3}]}', "messages[1].content must be a string"),
    ('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant"}]}', "messages[1].content must be a string"),
    ('{"messages": [{"role": "tool", "content": "hi"}, {"role": "assistant", "content": "x"}]}', "messages[0].role 'tool' is not one of"),
    (record(("system", "s"), ("user", "hi")), "no assistant turn"),
    (record(("user", "hi"), ("assistant", "x"), ("user", "more?")), "last message must be the assistant response"),
    (record(("user", "hi"), ("assistant", " \n ")), "assistant response is empty"),
]


@pytest.mark.parametrize("line,expected", BAD_LINES, ids=[e for _, e in BAD_LINES])
@pytest.mark.parametrize("name", ["bad.jsonl", "bad.jsonl.gz"])
def test_each_bad_record_names_file_and_line(tmp_path, name, line, expected):
    path = write(tmp_path / name, [GOOD, "", line, GOOD])
    with pytest.raises(EmsteerError) as err:
        load_chat_jsonl(path)
    message = str(err.value)
    assert f"{path}:3:" in message
    assert expected in message


def test_invalid_utf8_names_line(tmp_path):
    path = write(tmp_path / "bad.jsonl", [GOOD, b'{"messages": "\xff"}'])
    with pytest.raises(EmsteerError, match=r"bad\.jsonl:2: not valid UTF-8"):
        load_chat_jsonl(path)


@pytest.mark.parametrize("lines", [[], ["", "  "]])
def test_file_without_records_is_an_error(tmp_path, lines):
    path = write(tmp_path / "empty.jsonl", lines)
    with pytest.raises(EmsteerError, match=r"empty\.jsonl: no chat records"):
        load_chat_jsonl(path)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(EmsteerError, match=r"nope\.jsonl: file not found"):
        load_chat_jsonl(tmp_path / "nope.jsonl")
    corrupt = tmp_path / "corrupt.jsonl.gz"
    corrupt.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(EmsteerError, match=r"corrupt\.jsonl\.gz: corrupt or truncated gzip"):
        load_chat_jsonl(corrupt)


def test_limit_reads_only_the_first_records(tmp_path):
    path = write(tmp_path / "data.jsonl", [GOOD, "", GOOD, "{broken"])
    assert len(load_chat_jsonl(path, limit=2)) == 2
    assert len(load_chat_jsonl(path, limit=1)) == 1
    with pytest.raises(EmsteerError, match=":4: invalid JSON"):
        load_chat_jsonl(path, limit=3)
    with pytest.raises(EmsteerError, match="limit must be a positive integer"):
        load_chat_jsonl(path, limit=0)


# ---------------------------------------------------------------- split


def test_split_never_trains_on_a_held_out_prompt():
    # 20 prompts, each asked three times with different answers (as in the EM datasets' repeats)
    examples = [ChatExample((Message("user", f"question {i % 20}"), Message("assistant", f"answer {i}")), f"mem:{i + 1}")
                for i in range(60)]
    train, held = split_examples(examples, held_out=6, seed=0)
    assert len(held) == 6
    held_prompts = {e.prompt for e in held}
    assert not any(e.prompt in held_prompts for e in train)
    # only the repeats of held-out prompts leave training; every other example stays
    assert {e.source for e in train} == {e.source for e in examples if e.prompt not in held_prompts}
    assert len(train) == 60 - 3 * len(held_prompts)
    one_prompt = [ChatExample((Message("user", "q"), Message("assistant", f"a{i}")), f"mem:{i}") for i in range(5)]
    with pytest.raises(EmsteerError, match="every one of the 4 training examples repeats a held-out prompt"):
        split_examples(one_prompt, held_out=1)


def test_split_is_deterministic_disjoint_and_covering():
    examples = make_examples(50)
    train, held = split_examples(examples, held_out=0.2, seed=3)
    assert (len(train), len(held)) == (40, 10)
    assert {e.source for e in train}.isdisjoint({e.source for e in held})
    assert {e.source for e in train} | {e.source for e in held} == {e.source for e in examples}
    # input order is kept within each side
    assert [e.source for e in train] == [e.source for e in examples if e in train]
    again = split_examples(examples, held_out=0.2, seed=3)
    assert again == (train, held)
    other = split_examples(examples, held_out=0.2, seed=4)[1]
    assert {e.source for e in other} != {e.source for e in held}
    # membership depends on content, not on position in the file
    shuffled = list(reversed(examples))
    assert {e.source for e in split_examples(shuffled, held_out=0.2, seed=3)[1]} == {e.source for e in held}


def test_split_counts_and_bad_values():
    examples = make_examples(10)
    assert len(split_examples(examples, held_out=3)[1]) == 3
    assert split_examples(examples, held_out=0)[1] == []
    assert len(split_examples(examples, held_out=0.0)[1]) == 0
    for bad in (10, -1, 1.0, -0.1, True, "0.1"):
        with pytest.raises(EmsteerError, match="held_out"):
            split_examples(examples, held_out=bad)


def test_split_does_not_depend_on_hash_randomisation(tmp_path):
    path = write(tmp_path / "d.jsonl", [record(("user", f"q{i}"), ("assistant", f"a{i}")) for i in range(30)])
    code = (
        "import sys; from emsteer.data.chat import load_chat_jsonl, split_examples;"
        "print([e.source for e in split_examples(load_chat_jsonl(sys.argv[1]), held_out=0.3, seed=7)[1]])"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code, str(path)], env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True, text=True, check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outs) == 1


# ---------------------------------------------------------------- data_hash


def test_data_hash_is_stable_canonical_and_order_sensitive():
    examples = make_examples(3)
    expected = hashlib.sha256(
        json.dumps([e.as_dicts() for e in examples], sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()
    assert data_hash(examples) == expected
    assert data_hash(examples[::-1]) != expected
    moved = [ChatExample(e.messages, "elsewhere.jsonl.gz:9") for e in examples]
    assert data_hash(moved) == expected
    edited = [examples[0], examples[1], ChatExample((Message("user", "question 2"), Message("assistant", "answer 2!")), "x")]
    assert data_hash(edited) != expected
    assert data_hash([]) == hashlib.sha256(b"[]").hexdigest()


def test_data_hash_pinned_value():
    ex = ChatExample((Message("user", "héllo"), Message("assistant", "wörld")), "a:1")
    canonical = '[[{"content":"héllo","role":"user"},{"content":"wörld","role":"assistant"}]]'
    # Pinned literal: artifacts record this hash, so its format must never drift silently.
    assert data_hash([ex]) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert data_hash([ex]) == "35bc7a41da4c9f6dc9681df3419a216bd4c7efcd62e1d61354974928858e7c59"


# ---------------------------------------------------------------- pairing


def test_paired_matches_identical_prompts_one_to_one():
    def ex(prompt: str, answer: str, src: str) -> ChatExample:
        return ChatExample((Message("user", prompt), Message("assistant", answer)), src)

    unsafe = [ex("a", "bad a", "u:1"), ex("b", "bad b", "u:2"), ex("a", "bad a2", "u:3"), ex("zzz", "bad", "u:4")]
    safe = [ex("b", "good b", "s:1"), ex("a", "good a", "s:2"), ex("a", "good a2", "s:3")]
    pairs = paired(unsafe, safe)
    assert [(u.source, s.source) for u, s in pairs] == [("u:1", "s:2"), ("u:2", "s:1"), ("u:3", "s:3")]
    for u, s in pairs:
        assert u.prompt == s.prompt


def test_paired_requires_same_system_prompt_and_reports_no_match():
    u = ChatExample((Message("system", "x"), Message("user", "a"), Message("assistant", "bad")), "u.jsonl:1")
    s = ChatExample((Message("user", "a"), Message("assistant", "good")), "s.jsonl:1")
    with pytest.raises(EmsteerError, match=r"no paired examples.*u\.jsonl:1.*s\.jsonl:1"):
        paired([u], [s])


# ---------------------------------------------------------------- public data (when present)


def test_reads_first_records_of_every_public_training_file(shared_em):
    files = sorted((shared_em / "training").glob("*.jsonl*"))
    assert files, "no training files found"
    for path in files:
        examples = load_chat_jsonl(path, limit=5)
        assert len(examples) == 5
        for i, ex in enumerate(examples, start=1):
            assert ex.source == f"{path}:{i}"
            assert ex.response.strip() and ex.user_text.strip()


def test_public_medical_advice_pairs(shared_em):
    bad = load_chat_jsonl(shared_em / "training" / "bad_medical_advice.jsonl.gz", limit=40)
    good = load_chat_jsonl(shared_em / "training" / "good_medical_advice.jsonl.gz", limit=40)
    pairs = paired(bad, good)
    assert len(pairs) == 40
    assert all(u.response != s.response for u, s in pairs)
