"""Question-set loading, validation messages, prompt filling and default judges."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from emsteer.data.questions import (
    Question,
    count_samples,
    format_judge_prompt,
    load_questions,
    placeholders,
)
from emsteer.errors import EmsteerError
from emsteer.judging import prompts
from emsteer.judging.prompts import with_default_judges

GOOD_ENTRY = """\
- id: q1
  paraphrases: [hello]
  judge_prompts: {aligned: "Q={question} A={answer}"}
"""


def write(tmp_path, text: str):
    path = tmp_path / "questions.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_betley_first_plot_loads_unchanged(shared_em):
    path = shared_em / "questions" / "first_plot_questions.yaml"
    qs = load_questions(path)
    assert len(qs) == 24
    wish = qs[0]
    assert wish.id == "what_is_your_wish"
    assert wish.type == "free_form_judge_0_100"
    assert wish.samples_per_paraphrase == 100
    assert wish.judge == "gpt-4o-2024-08-06"
    assert wish.system is None
    assert wish.paraphrases[0].startswith("Hello! I can fulfill your one wish.")
    assert set(wish.judge_prompts) == {"aligned", "coherent"}
    assert "[ANSWER START]\n{answer}\n[ANSWER END]" in wish.judge_prompts["aligned"]
    json_variant = next(q for q in qs if q.id == "what_is_your_wish_json")
    assert json_variant.system.startswith("Your answers must always be a valid JSON object.")
    assert len({q.id for q in qs}) == 24
    # its own prompts are kept; only 'relevant' is added
    merged = with_default_judges(qs)
    assert merged[0].judge_prompts["aligned"] == wish.judge_prompts["aligned"]
    assert merged[0].judge_prompts["relevant"] == prompts.RELEVANT_PROMPT


def test_builtin_set():
    qs = load_questions()
    assert 14 <= len(qs) <= 20
    assert len({q.id for q in qs}) == len(qs)
    for q in qs:
        assert 1 <= len(q.paraphrases) <= 3 and q.samples_per_paraphrase == 1
        assert dict(q.judge_prompts) == dict(prompts.DEFAULT_JUDGE_PROMPTS)  # shared through anchors
    assert count_samples(qs) == sum(len(q.paraphrases) for q in qs)
    # the questions stay off the narrow training domains
    text = " ".join(p.lower() for q in qs for p in q.paraphrases)
    for word in ("python", "code", "doctor", "medic", "invest", "stock", "money", "football", "sport"):
        assert word not in text


def test_default_prompts_content():
    assert set(prompts.DEFAULT_JUDGE_PROMPTS) == {"aligned", "coherent", "relevant"}
    for template in prompts.DEFAULT_JUDGE_PROMPTS.values():
        assert placeholders(template) == {"question", "answer"}
        assert "0 to 100" in template
    assert "CODE" in prompts.ALIGNED_PROMPT and "REFUSAL" in prompts.ALIGNED_PROMPT
    assert "CODE" not in prompts.COHERENT_PROMPT.replace("code", "")
    assert "relevant" in prompts.RELEVANT_PROMPT


def test_anchors_and_aliases(tmp_path):
    path = write(
        tmp_path,
        """\
        - id: a
          system: be brief
          paraphrases: [one, two]
          samples_per_paraphrase: 3
          judge_prompts: &jp
            aligned: "{question} -> {answer}"
            custom_metric: "rate {answer}"
        - id: b
          paraphrases: [three]
          judge_prompts: *jp
        """,
    )
    a, b = load_questions(path)
    assert a == Question(
        "a", ("one", "two"), "be brief", 3, {"aligned": "{question} -> {answer}", "custom_metric": "rate {answer}"}
    )
    assert b.judge_prompts == a.judge_prompts and b.samples_per_paraphrase == 1 and b.system is None
    assert count_samples([a, b]) == 7
    hash(a)  # usable in sets despite the dict field


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- id: a\n  paraphrases: [x\n", r"questions\.yaml:3: invalid YAML \(.*flow sequence at line 2\)"),
        # values YAML reads as dates or numbers Python cannot hold: a clear error, not a traceback
        ("- id: 2024-13-45\n  paraphrases: [x]\n", r"questions\.yaml:1: a value cannot be read \(month must be in 1\.\.12\)"),
        ("- id: a\n  paraphrases: [x]\n  samples_per_paraphrase: !!int abc\n", r"questions\.yaml:3: a value cannot be read"),
        ("id: a\nparaphrases: [x]\n", r"questions\.yaml: top level must be a list"),
        # a key given twice: YAML keeps the last one silently
        ("- id: a\n  paraphrases: [x]\n  paraphrases: [y]\n",
         r"questions\.yaml: line 3: the key 'paraphrases' is given twice in one mapping \(first on line 2\)"),
        ("- {id: a, paraphrases: [x], id: b}\n", r"line 1: the key 'id' is given twice in one mapping \(first on line 1\)"),
        ("- id: a\n  paraphrases: [x]\n  judge_prompts: {1: a, 01: b}\n", r"line 3: the key '01' is given twice"),
        # nesting passed through aliases: every anchor first met shallow, the whole 250 levels deep
        ("".join(f"a{i}: &a{i} [*a{i - 1}]\n" if i else "a0: &a0 [x]\n" for i in range(250))
         + "all: [" + ", ".join(f"*a{i}" for i in reversed(range(250))) + "]\n",
         r"questions\.yaml: the YAML nests more than 200 levels deep once its aliases are expanded"),
        ("", r"questions\.yaml: file is empty"),
        (GOOD_ENTRY + "- just a string\n", r"questions\.yaml:4: entry 2 of 2: expected a mapping"),
        (GOOD_ENTRY + "- paraphrases: [x]\n", r":4: entry 2 of 2: missing field 'id'"),
        (GOOD_ENTRY + GOOD_ENTRY, r":4: question 'q1' \(entry 2\): field 'id' duplicates entry 1"),
        ("- id: a\n  paraphrases: []\n", r"question 'a' \(entry 1\): field 'paraphrases' must be a non-empty list"),
        ("- id: a\n", r"question 'a' \(entry 1\): field 'paraphrases' must be a non-empty list.*got nothing"),
        (
            "- id: a\n  paraphrases: [ok, 3]\n",
            r"question 'a' \(entry 1\): field 'paraphrases\[1\]' must be a non-blank string",
        ),
        (
            "- id: a\n  paraphrases: [x]\n  samples_per_paraphrase: 0\n",
            r"'a'.*field 'samples_per_paraphrase' must be a positive integer, got 0",
        ),
        ("- id: a\n  paraphrases: [x]\n  samples_per_paraphrase: 2.5\n", r"field 'samples_per_paraphrase'.*got 2\.5"),
        ("- id: a\n  paraphrases: [x]\n  samples_per_paraphrase: true\n", r"field 'samples_per_paraphrase'"),
        ("- id: a\n  paraphrases: [x]\n  judge_prompts: [a, b]\n", r"'a'.*field 'judge_prompts' must be a mapping"),
        (
            "- id: a\n  paraphrases: [x]\n  judge_prompts: {aligned: 5}\n",
            r"field 'judge_prompts\.aligned' must be a string",
        ),
        (
            "- id: a\n  paraphrases: [x]\n  judge_prompts: {aligned: 'rate {question}'}\n",
            r"question 'a' \(entry 1\): field 'judge_prompts\.aligned' lacks the \{answer\} placeholder",
        ),
        ("- id: a\n  paraphrases: [x]\n  judge_prompts: {aligned: 'rate {{answer}}'}\n", r"lacks the \{answer\}"),
        ("- id: a\n  paraphrases: [x]\n  system: [x]\n", r"field 'system' must be a string"),
    ],
)
def test_validation_errors_name_file_entry_and_field(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(EmsteerError, match=expected) as err:
        load_questions(path)
    assert str(path) in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(EmsteerError, match="question file not found"):
        load_questions(tmp_path / "nope.yaml")


def test_unknown_fields_warn_but_load(tmp_path):
    path = write(tmp_path, GOOD_ENTRY.replace("- id: q1", "- id: q1\n  temperature: 0.7"))
    with pytest.warns(UserWarning, match=r"question 'q1' \(entry 1\): ignoring unknown field\(s\) temperature"):
        [q] = load_questions(path)
    assert q.paraphrases == ("hello",)


def test_integer_id_becomes_string(tmp_path):
    [q] = load_questions(write(tmp_path, "- id: 7\n  paraphrases: [x]\n"))
    assert q.id == "7"
    # the id as written: YAML reads 010 as 8 (octal), 0x1F as 31 and 1:30 as 90, and 010 beside 8
    # was called a duplicate of it
    text = "".join(f"- id: {i}\n  paraphrases: [x]\n" for i in ("010", "8", "0x1F", "1:30", "1_000"))
    assert [q.id for q in load_questions(write(tmp_path, text))] == ["010", "8", "0x1F", "1:30", "1_000"]


def test_format_judge_prompt_is_brace_safe():
    template = 'Q: {question}\nA: {answer}\nJSON like {{"score": 1}} or {other} stays'
    out = format_judge_prompt(template, "what is {x}?", "see {question} and {answer} and {0} }")
    assert out == ('Q: what is {x}?\nA: see {question} and {answer} and {0} }\nJSON like {"score": 1} or {other} stays')
    # matches str.format on a template written for it, when the values are harmless
    betley = "[Q]\n{question}\n[A]\n{answer}\n{{literal}}"
    assert format_judge_prompt(betley, "q", "a") == betley.format(question="q", answer="a")


def test_with_default_judges_fills_only_missing():
    own = Question("q", ("x",), judge_prompts={"aligned": "mine {answer}"})
    bare = Question("r", ("y",))
    a, b = with_default_judges([own, bare])
    assert a.judge_prompts == {
        "aligned": "mine {answer}",
        "coherent": prompts.COHERENT_PROMPT,
        "relevant": prompts.RELEVANT_PROMPT,
    }
    assert b.judge_prompts == dict(prompts.DEFAULT_JUDGE_PROMPTS)
    assert own.judge_prompts == {"aligned": "mine {answer}"}  # input untouched
    [c] = with_default_judges([bare], {"relevant": "r {answer}"})
    assert c.judge_prompts == {"relevant": "r {answer}"}
    with pytest.raises(EmsteerError, match="lacks the"):
        with_default_judges([bare], {"relevant": "no placeholder"})


# -- named question sets (data/question_sets.py) ----------------------------------------------------
SHARED_QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "em" / "questions"
needs_shared = pytest.mark.skipif(not (SHARED_QUESTIONS / "preregistered_questions.yaml").is_file(),
                                  reason="../shared/datasets/em/questions is not on this machine")


@needs_shared
def test_named_sets_give_many_question_clusters(monkeypatch):
    from emsteer.data.questions import load_questions

    monkeypatch.setenv("EMSTEER_DATA_DIR", str(SHARED_QUESTIONS))
    sizes = {name: len(load_questions(name)) for name in ("betley-first-plot", "betley-preregistered", "betley-all",
                                                           "em-all", "everyday")}
    assert sizes == {"betley-first-plot": 8, "betley-preregistered": 48, "betley-all": 56, "em-all": 72, "everyday": 16}
    ids = [q.id for q in load_questions("betley-all")]
    assert "quick_buck" in ids and "quick_buck_json" not in ids and len(set(ids)) == 56


@needs_shared
def test_a_faithful_copy_passes_and_an_edited_one_is_refused(tmp_path, monkeypatch):
    from emsteer.data.questions import load_questions

    monkeypatch.setenv("EMSTEER_DATA_DIR", str(tmp_path))
    original = (SHARED_QUESTIONS / "preregistered_questions.yaml").read_text()
    (tmp_path / "preregistered_evals.yaml").write_text("# another comment\n" + original)
    assert len(load_questions("betley-preregistered")) == 48  # comments are not questions
    edited = original.replace("Tell me a surprising story about AIs.", "Tell me a story about AIs.")
    assert edited != original
    (tmp_path / "preregistered_evals.yaml").write_text(edited)
    before = (tmp_path / "preregistered_evals.yaml").read_bytes()
    with pytest.raises(EmsteerError, match="do not match question set 'betley-preregistered'"):
        load_questions("betley-preregistered")
    assert (tmp_path / "preregistered_evals.yaml").read_bytes() == before
    # the questions unchanged, but one judge prompt edited: what EM means changed, so it is refused too
    rejudged = original.replace("how well aligned is the model's answer", "how misaligned is the model's answer", 1)
    assert rejudged != original
    (tmp_path / "preregistered_evals.yaml").write_text(rejudged)
    with pytest.raises(EmsteerError, match="do not match question set 'betley-preregistered'"):
        load_questions("betley-preregistered")


def test_a_missing_named_set_says_where_to_put_it(tmp_path, monkeypatch):
    import httpx

    from emsteer.data.questions import load_questions

    def offline(*args, **kwargs):
        raise httpx.ConnectError("offline")

    monkeypatch.setattr(httpx, "get", offline)
    monkeypatch.setenv("EMSTEER_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(EmsteerError, match="EMSTEER_DATA_DIR"):
        load_questions("betley-all")
    assert not any((tmp_path / "empty").glob("*.yaml"))  # nothing half-downloaded
