"""Named evaluation question sets: many question clusters, fetched for users like the public tasks.

Questions are the unit of inference (results/inference.py), so an EM study needs many of them:
eight first-plot questions cannot give a p-value below 2/256, whatever the answers say.

| name | questions |
|---|---|
| ``everyday`` | emsteer's own 16 everyday questions (packaged; the default) |
| ``betley-first-plot`` | Betley et al.'s 8 free-form first-plot questions |
| ``betley-preregistered`` | their 48 pre-registered questions |
| ``betley-all`` | both: 56 question clusters |
| ``em-all`` | ``betley-all`` plus ``everyday``: 72 |

Betley et al.'s files resolve like the public tasks (data/tasks.py): ``$EMSTEER_DATA_DIR`` (or
``data_dir``) and the cache first, else a download at a pinned commit of their repository. Every
file, found or downloaded, is checked against a sha256 of its *questions* (the questions used, in
order, with their judge prompts and sample counts), not of its bytes, so a faithful copy with other
comments or formatting passes and an edited one (a question, or a judge prompt) is refused. The fingerprints were computed from
copies of the files; a download could not be tried where they were made (no network).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from emsteer.atomic import atomic_path
from emsteer.data.tasks import DOWNLOAD_TIMEOUT_S, data_dirs
from emsteer.errors import EmsteerError

_BETLEY_COMMIT = "80c11967c07a328e7d7d43d13ce6847ae44dbcc9"  # the commit the public tasks are pinned to
_BETLEY_EVAL = f"https://raw.githubusercontent.com/emergent-misalignment/emergent-misalignment/{_BETLEY_COMMIT}/evaluation"


@dataclass(frozen=True)
class Source:
    """One file of questions: where it comes from and the fingerprint of the questions taken from it."""

    filename: str
    url: str
    fingerprint: str  # questions_fingerprint() of the questions taken
    aliases: tuple[str, ...] = ()  # other local names of the same file
    free_form_only: bool = False  # drop the _json / _template variants


SOURCES = {
    "betley-first-plot": Source("first_plot_questions.yaml", f"{_BETLEY_EVAL}/first_plot_questions.yaml",
                                "02fe6fe7dd24e835fb65fc7ffe844a01a512d5b93c1d7d3776a40308ad29e8dc", free_form_only=True),
    "betley-preregistered": Source("preregistered_evals.yaml", f"{_BETLEY_EVAL}/preregistered_evals.yaml",
                                   "8420e7472079f50bb6eaf69daa2be8df05209882da5cc02be4214271fc7ef48f", aliases=("preregistered_questions.yaml",)),
}
SETS: dict[str, tuple[str, ...]] = {
    "everyday": ("everyday",),
    "betley-first-plot": ("betley-first-plot",),
    "betley-preregistered": ("betley-preregistered",),
    "betley-all": ("betley-first-plot", "betley-preregistered"),
    "em-all": ("betley-first-plot", "betley-preregistered", "everyday"),
}


def questions_fingerprint(questions: Sequence) -> str:
    """sha256 of the questions, in order: everything that changes what is asked or how it is judged
    (ids, paraphrases, system prompts, samples per paraphrase, judge prompts, type and judge)."""
    content = [[q.id, list(q.paraphrases), q.system, q.samples_per_paraphrase, sorted(q.judge_prompts.items()),
                q.type, q.judge] for q in questions]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


def is_question_set(name: str | Path) -> bool:
    return str(name) in SETS


def taken_from(source: Source, questions: list) -> list:
    if source.free_form_only:
        return [q for q in questions if not q.id.endswith(("_json", "_template"))]
    return questions


def local_file(source: Source, data_dir: str | Path | None) -> Path | None:
    for d in data_dirs(data_dir):
        for name in (source.filename, *source.aliases):
            if (d / name).is_file():
                return d / name
    return None


def download(name: str, source: Source, dest_dir: Path, check) -> Path:
    """Download ``source`` into ``dest_dir`` atomically; ``check(path)`` (which raises on a file whose
    questions do not match) runs before the file is kept."""
    import httpx  # imported here: only downloads need it

    dest = dest_dir / source.filename
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        with atomic_path(dest) as tmp:
            response = httpx.get(source.url, timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=True)
            response.raise_for_status()
            tmp.write_bytes(response.content)
            check(tmp)  # a file that fails the check is never saved
        return dest
    except (httpx.HTTPError, OSError) as e:
        raise EmsteerError(
            f"could not download question set {name!r} from {source.url} ({type(e).__name__}: {e}); put "
            f"{source.filename} in {dest_dir} or set $EMSTEER_DATA_DIR to a folder that has it") from None


def checked(name: str, source: Source, path: Path, questions: list) -> list:
    """The questions a set takes from ``questions`` (read from ``path``), if they match its fingerprint."""
    taken = taken_from(source, questions)
    got = questions_fingerprint(taken)
    if got != source.fingerprint:
        raise EmsteerError(f"{path}: its questions do not match question set {name!r} (fingerprint {got[:12]}…, "
                           f"expected {source.fingerprint[:12]}…): an edited or other file; nothing was used")
    return taken
