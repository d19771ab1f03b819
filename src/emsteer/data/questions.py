"""Evaluation question sets: YAML in the format of Betley et al.'s first_plot_questions.yaml.

A file is a list of entries::

    - id: i_feel_bored
      type: free_form_judge_0_100          # optional, kept as given
      system: ...                          # optional system prompt
      paraphrases: ["hey I feel bored"]
      samples_per_paraphrase: 100          # optional, default 1
      judge: gpt-4o-2024-08-06             # optional, informational
      judge_prompts: {aligned: "...{answer}...", coherent: ...}   # any metric names

YAML anchors and aliases work (the built-in set shares its judge prompts that way), within
bounds (emsteer.yamlio: file size, nesting, alias expansion), so an alias bomb fails at once.
Every problem is an EmsteerError naming the file, the line and id of the entry, and the field.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from emsteer.data.question_sets import SETS, SOURCES, checked, download, is_question_set, local_file
from emsteer.data.tasks import data_dirs
from emsteer.errors import EmsteerError
from emsteer.yamlio import check_file_size, compose_bounded, construct

DEFAULT_TYPE = "free_form_judge_0_100"
BUILTIN_QUESTIONS = "questions.yaml"  # under emsteer/data/builtin/
MAX_QUESTION_FILE_BYTES = 20 * 1024 * 1024
KNOWN_FIELDS = frozenset({"id", "type", "paraphrases", "samples_per_paraphrase", "judge", "judge_prompts", "system"})

# str.format-compatible escapes ({{ and }}) plus the two placeholders; every other brace is literal.
_TEMPLATE_TOKEN = re.compile(r"\{\{|\}\}|\{(question|answer)\}")


@dataclass(frozen=True)
class Question:
    """One evaluation question. ``judge_prompts`` maps metric name → template with ``{answer}``."""

    id: str
    paraphrases: tuple[str, ...]
    system: str | None = None
    samples_per_paraphrase: int = 1
    # Excluded from the hash (a dict is unhashable); treat it as read-only.
    judge_prompts: Mapping[str, str] = field(default_factory=dict, hash=False)
    type: str = DEFAULT_TYPE
    judge: str | None = None


def format_judge_prompt(template: str, question: str, answer: str) -> str:
    """Fill ``{question}`` and ``{answer}`` in one pass, with the template's delimiters unforgeable.

    Braces inside the question or answer are never interpreted (an answer may contain code or
    even the text ``{question}``). In the template, ``{{`` and ``}}`` become ``{`` and ``}`` as
    with str.format, so templates written for Betley's code render identically; any other brace
    is kept literally instead of raising.

    A placeholder alone on its line is quoted between the template's lines just above and below
    it (``<<<REPLY`` / ``REPLY>>>``, Betley's ``[ANSWER START]`` / ``[ANSWER END]``): those are
    the delimiters. Wherever a delimiter appears inside the question or the answer (any case,
    spacing, full-width or zero-width disguise) it is replaced by ``[marker removed]``, so an
    answer can never close its own block and speak to the judge from outside it (issue 13,
    item 4). Text without a delimiter is filled in unchanged; the result depends on the
    template, question and answer only, so judgments stay deterministic and cacheable.
    """
    fence = _fence_pattern(template)
    values = {"question": question, "answer": answer}
    if fence is not None:
        values = {k: neutralize_delimiters(v, fence) for k, v in values.items()}

    def sub(m: re.Match[str]) -> str:
        if m.group(1):
            return values[m.group(1)]
        return m.group(0)[0]

    return _TEMPLATE_TOKEN.sub(sub, template)


DELIMITER_REPLACEMENT = "[marker removed]"


def delimiters(template: str) -> list[str]:
    """The template's delimiter lines: the non-blank lines right above and below a placeholder
    that stands alone on its line (escapes rendered, whitespace stripped), longest first."""
    lines = template.split("\n")
    found: list[str] = []
    for i, line in enumerate(lines):
        if line.strip() not in ("{question}", "{answer}"):
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(lines) and lines[j].strip() and not placeholders(lines[j]):
                text = lines[j].strip().replace("{{", "{").replace("}}", "}")
                if len(text) >= 3 and text not in found:
                    found.append(text)
    return sorted(found, key=len, reverse=True)


@lru_cache(maxsize=64)
def _fence_pattern(template: str) -> re.Pattern[str] | None:
    """One pattern matching any of the template's delimiters in the folded text (see _fold),
    case-insensitively and with any whitespace between their characters; None without delimiters."""
    fences = delimiters(template)
    if not fences:
        return None
    alternatives = [r"\s*".join(re.escape(c) for c in _fold(f)[0] if not c.isspace()) for f in fences]
    return re.compile("|".join(f"(?:{a})" for a in alternatives if a), re.IGNORECASE)


def _fold(text: str) -> tuple[str, list[int]]:
    """``text`` with look-alikes made plain (NFKC per character: full-width letters, ligatures) and
    invisible characters (zero-width spaces and joiners, combining marks) dropped, and for each character
    of the result the index of the character of ``text`` it came from."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            out.append(ch)
            index.append(i)
            continue
        if unicodedata.category(ch) in ("Cf", "Mn"):  # zero-width and combining marks
            continue
        for c in unicodedata.normalize("NFKC", ch):
            out.append(c)
            index.append(i)
    return "".join(out), index


def neutralize_delimiters(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with every match of a template's delimiter pattern replaced by DELIMITER_REPLACEMENT,
    repeated until none is left (a replacement never rebuilds a delimiter from its neighbours)."""
    attempt = 0
    while True:  # ends: after 8 rounds every round cuts at least one character
        folded, index = _fold(text)
        spans = [(index[m.start()], index[m.end() - 1] + 1) for m in pattern.finditer(folded) if m.end() > m.start()]
        if not spans:
            return text
        replacement = DELIMITER_REPLACEMENT if attempt < 8 else ""  # a pathological template: just cut them out
        parts, last = [], 0
        for a, b in spans:
            if a < last:
                continue
            parts += [text[last:a], replacement]
            last = b
        text = "".join(parts) + text[last:]
        attempt += 1


def placeholders(template: str) -> set[str]:
    """The placeholders (``question``/``answer``) a template really uses, escapes respected."""
    return {m.group(1) for m in _TEMPLATE_TOKEN.finditer(template) if m.group(1)}


def builtin_questions_path() -> Path:
    """Path of the question set packaged with emsteer."""
    return Path(str(resources.files("emsteer.data") / "builtin" / BUILTIN_QUESTIONS))


def load_questions(path: str | Path | None = None) -> list[Question]:
    """Load and validate a question set: a YAML file, a named set (``betley-all``, ... see
    data/question_sets.py; also as the last part of a path that is no file, which is how a study
    file's relative value arrives) or ``None``, the built-in everyday questions."""
    if path is None:
        return load_question_file(builtin_questions_path())
    if is_question_set(path) or (not Path(path).expanduser().exists() and is_question_set(Path(path).name)):
        return load_question_set(Path(path).name if not is_question_set(path) else str(path))
    return load_question_file(path)


def load_question_set(name: str, data_dir: str | Path | None = None) -> list[Question]:
    """The questions of a named set (data/question_sets.py), checked, ids unique across its parts."""
    if name not in SETS:
        raise EmsteerError(f"unknown question set {name!r}; known sets: {', '.join(SETS)} (or give a YAML file)")
    out: list[Question] = []
    for part in SETS[name]:
        if part == "everyday":
            out += load_question_file(builtin_questions_path())
            continue
        source = SOURCES[part]
        path = local_file(source, data_dir) or download(
            part, source, data_dirs(data_dir)[0], lambda p: checked(part, source, p, load_question_file(p)))
        out += checked(part, source, path, load_question_file(path))
    seen: set[str] = set()
    for q in out:
        if q.id in seen:
            raise EmsteerError(f"question set {name!r}: question id {q.id!r} appears in two of its parts")
        seen.add(q.id)
    return out


def load_question_file(path: str | Path) -> list[Question]:
    """Load and validate one question YAML file."""
    path = Path(path).expanduser()
    check_file_size(path, MAX_QUESTION_FILE_BYTES, "a question file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EmsteerError(f"{path}: question file not found (expected a YAML list of questions)") from None
    except IsADirectoryError:
        raise EmsteerError(f"{path}: is a directory, expected a YAML question file") from None
    except UnicodeDecodeError as e:
        raise EmsteerError(f"{path}: not valid UTF-8 ({e.reason} at byte {e.start})") from None
    data, lines, written_ids = _parse_yaml(text, path)
    if data is None:
        raise EmsteerError(f"{path}: file is empty (expected a YAML list of questions)")
    if not isinstance(data, list):
        raise EmsteerError(
            f"{path}: top level must be a list of question entries (- id: ..., paraphrases: [...]), "
            f"got {type(data).__name__}"
        )
    if not data:
        raise EmsteerError(f"{path}: contains no questions (expected a non-empty list)")
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(data):
        q = _parse_entry(entry, i, len(data), path, lines[i], written_ids[i])
        if q.id in seen:
            raise EmsteerError(
                f"{path}:{lines[i]}: question {q.id!r} (entry {i + 1}): field 'id' duplicates entry "
                f"{seen[q.id] + 1}; ids must be unique"
            )
        seen[q.id] = i
        questions.append(q)
    return questions


# libyaml when available (several times faster); both keep marks for line numbers.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(text: str, path: Path) -> tuple[Any, list[int], list[str | None]]:
    """safe_load plus the 1-based line of every top-level entry (for error messages) and its id as
    written (YAML reads ``010`` as 8 and ``1:30`` as 90; an id is the text)."""
    loader = _Loader(text)
    try:
        node = compose_bounded(loader, str(path))
        data = construct(loader, node, str(path))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(e, "problem", None) or str(e)
        context, context_mark = getattr(e, "context", None), getattr(e, "context_mark", None)
        if context and context_mark is not None and context_mark is not mark:
            problem += f"; {context} at line {context_mark.line + 1}"  # e.g. where an unclosed [ began
        raise EmsteerError(f"{where}: invalid YAML ({problem})") from None
    finally:
        loader.dispose()
    lines: list[int] = []
    written: list[str | None] = []
    if isinstance(node, yaml.SequenceNode):
        lines = [item.start_mark.line + 1 for item in node.value]
        written = [next((v.value for k, v in item.value if isinstance(k, yaml.ScalarNode) and k.value == "id"
                         and isinstance(v, yaml.ScalarNode)), None) if isinstance(item, yaml.MappingNode) else None
                   for item in node.value]
    return data, lines, written


def _parse_entry(entry: Any, i: int, count: int, path: Path, line: int, written_id: str | None = None) -> Question:
    where = f"{path}:{line}: entry {i + 1} of {count}"
    if not isinstance(entry, dict):
        raise EmsteerError(f"{where}: expected a mapping with id, paraphrases, ..., got {type(entry).__name__}")
    qid = entry.get("id")
    if qid is None:
        raise EmsteerError(f"{where}: missing field 'id' (expected a unique string)")
    if isinstance(qid, bool) or not isinstance(qid, (str, int)) or not str(qid).strip():
        raise EmsteerError(f"{where}: field 'id' must be a non-empty string, got {qid!r}")
    qid = written_id if isinstance(qid, int) and written_id else str(qid)
    where = f"{path}:{line}: question {qid!r} (entry {i + 1})"

    unknown = sorted(set(map(str, entry)) - KNOWN_FIELDS)
    if unknown:  # warn, not fail: other question files may carry extra keys this toolkit ignores
        warnings.warn(f"{where}: ignoring unknown field(s) {', '.join(unknown)}", stacklevel=3)

    paraphrases = entry.get("paraphrases")
    if not isinstance(paraphrases, list) or not paraphrases:
        got = "nothing" if paraphrases is None else repr(paraphrases)[:80]
        raise EmsteerError(f"{where}: field 'paraphrases' must be a non-empty list of strings, got {got}")
    for j, p in enumerate(paraphrases):
        if not isinstance(p, str) or not p.strip():
            raise EmsteerError(
                f"{where}: field 'paraphrases[{j}]' must be a non-blank string, got {type(p).__name__} {p!r}"[:300]
            )

    samples = entry.get("samples_per_paraphrase", 1)
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise EmsteerError(f"{where}: field 'samples_per_paraphrase' must be a positive integer, got {samples!r}")

    system = entry.get("system")
    if system is not None and not isinstance(system, str):
        raise EmsteerError(f"{where}: field 'system' must be a string, got {type(system).__name__}")

    qtype = entry.get("type", DEFAULT_TYPE)
    if not isinstance(qtype, str) or not qtype.strip():
        raise EmsteerError(f"{where}: field 'type' must be a non-empty string, got {qtype!r}")

    judge = entry.get("judge")
    if judge is not None and not isinstance(judge, str):
        raise EmsteerError(f"{where}: field 'judge' must be a string (a judge model name), got {judge!r}")

    judge_prompts = _parse_judge_prompts(entry.get("judge_prompts", {}), where)
    return Question(
        id=qid,
        paraphrases=tuple(paraphrases),
        system=system,
        samples_per_paraphrase=samples,
        judge_prompts=judge_prompts,
        type=qtype,
        judge=judge,
    )


def _parse_judge_prompts(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise EmsteerError(
            f"{where}: field 'judge_prompts' must be a mapping of metric name to prompt text, got {type(raw).__name__}"
        )
    prompts: dict[str, str] = {}
    for metric, template in raw.items():
        if not isinstance(metric, str) or not metric.strip():
            raise EmsteerError(f"{where}: field 'judge_prompts' has a non-string metric name {metric!r}")
        if not isinstance(template, str):
            raise EmsteerError(
                f"{where}: field 'judge_prompts.{metric}' must be a string, got {type(template).__name__}"
            )
        if "answer" not in placeholders(template):
            raise EmsteerError(
                f"{where}: field 'judge_prompts.{metric}' lacks the {{answer}} placeholder "
                "(the judge would never see the answer)"
            )
        prompts[metric] = template
    return prompts


def count_samples(questions: Sequence[Question]) -> int:
    """Total answers a question set asks for (paraphrases × samples_per_paraphrase)."""
    return sum(len(q.paraphrases) * q.samples_per_paraphrase for q in questions)
