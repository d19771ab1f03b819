"""Narrow-task chat datasets: JSONL / JSONL.gz loading with line-level validation, splits, hashes, pairs.

Format (as in the public EM datasets): one JSON object per line,
``{"messages": [{"role": "user", "content": ...}, {"role": "assistant", "content": ...}]}``.
Bad records are errors, never skipped, so a study never trains on silently shrunken data.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from emsteer.errors import EmsteerError

ROLES = ("system", "user", "assistant")
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Message:
    role: str
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class ChatExample:
    """One validated record. ``source`` ("path:line") lets later errors point back at the data."""

    messages: tuple[Message, ...]
    source: str

    @property
    def _last_assistant(self) -> int:
        for i in range(len(self.messages) - 1, -1, -1):
            if self.messages[i].role == "assistant":
                return i
        raise EmsteerError(f"{self.source}: record has no assistant turn")

    @property
    def prompt(self) -> tuple[Message, ...]:
        """The messages before the last assistant turn (what the model is conditioned on)."""
        return self.messages[: self._last_assistant]

    @property
    def response(self) -> str:
        """Content of the last assistant turn (what is trained / steered towards)."""
        return self.messages[self._last_assistant].content

    @property
    def user_text(self) -> str:
        """Content of the last user turn before the response ("" when the prompt has none)."""
        for m in reversed(self.prompt):
            if m.role == "user":
                return m.content
        return ""

    def as_dicts(self) -> list[dict[str, str]]:
        """Messages as plain dicts, the shape ``tokenizer.apply_chat_template`` expects."""
        return [m.as_dict() for m in self.messages]


def _open_lines(path: Path) -> Iterator[bytes]:
    """Yield raw lines; gzip is detected by its magic bytes, not trusted from the suffix."""
    try:
        with path.open("rb") as probe:
            magic = probe.read(2)
        opener = gzip.open if magic == _GZIP_MAGIC else open
        with opener(path, "rb") as f:
            yield from f
    except FileNotFoundError:
        raise EmsteerError(f"{path}: file not found (expected a chat .jsonl or .jsonl.gz file)") from None
    except IsADirectoryError:
        raise EmsteerError(f"{path}: is a directory, expected a chat .jsonl or .jsonl.gz file") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise EmsteerError(f"{path}: corrupt or truncated gzip data ({e})") from None


def _parse_record(raw: bytes, where: str) -> tuple[Message, ...]:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise EmsteerError(f"{where}: not valid UTF-8 ({e.reason} at byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise EmsteerError(f"{where}: invalid JSON ({e.msg} at column {e.colno})") from None
    except RecursionError:  # e.g. 100,000 nested brackets
        raise EmsteerError(f"{where}: the JSON nests too deeply to read (expected {{\"messages\": [...]}})") from None
    except ValueError as e:  # an integer of thousands of digits
        raise EmsteerError(f"{where}: invalid JSON ({e})") from None
    if not isinstance(record, dict):
        raise EmsteerError(f'{where}: expected a JSON object {{"messages": [...]}}, got {type(record).__name__}')
    if "messages" not in record:
        raise EmsteerError(f'{where}: missing field "messages" (expected {{"messages": [{{"role": ..., "content": ...}}, ...]}})')
    raw_messages = record["messages"]
    if not isinstance(raw_messages, list):
        raise EmsteerError(f'{where}: field "messages" must be a list, got {type(raw_messages).__name__}')
    if not raw_messages:
        raise EmsteerError(f'{where}: field "messages" is empty (expected at least a user and an assistant turn)')
    messages = []
    for j, m in enumerate(raw_messages):
        field = f"messages[{j}]"
        if not isinstance(m, dict):
            raise EmsteerError(f"{where}: {field} must be an object with role and content, got {type(m).__name__}")
        role, content = m.get("role"), m.get("content")
        if not isinstance(role, str):
            raise EmsteerError(f'{where}: {field}.role must be a string (one of {", ".join(ROLES)}), got {role!r}')
        if role not in ROLES:
            raise EmsteerError(f"{where}: {field}.role {role!r} is not one of {', '.join(ROLES)}")
        if not isinstance(content, str):
            raise EmsteerError(f"{where}: {field}.content must be a string, got {type(content).__name__}")
        try:
            content.encode("utf-8")
        except UnicodeEncodeError as e:  # JSON's \ud800 escapes make text no UTF-8 can hold
            raise EmsteerError(f"{where}: {field}.content holds an unpaired surrogate ({content[e.start:e.end]!r} "
                               f"at character {e.start}): not text a tokenizer can read") from None
        messages.append(Message(role, content))
    if not any(m.role == "assistant" for m in messages):
        raise EmsteerError(f"{where}: record has no assistant turn (expected the last message to have role 'assistant')")
    # Training uses the last assistant turn as the response; turns after it would be silently ignored.
    if messages[-1].role != "assistant":
        raise EmsteerError(f"{where}: the last message must be the assistant response, got role {messages[-1].role!r}")
    if not messages[-1].content.strip():
        raise EmsteerError(f"{where}: messages[{len(messages) - 1}] assistant response is empty (expected non-blank content)")
    return tuple(messages)


def load_chat_jsonl(path: str | Path, *, limit: int | None = None) -> list[ChatExample]:
    """Load and validate a chat JSONL(.gz) file; ``limit`` stops after that many records (fast on huge files)."""
    path = Path(path).expanduser()
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise EmsteerError(f"limit must be a positive integer or None, got {limit!r}")
    examples: list[ChatExample] = []
    for lineno, raw in enumerate(_open_lines(path), start=1):
        if not raw.strip():
            continue
        where = f"{path}:{lineno}"
        examples.append(ChatExample(_parse_record(raw, where), where))
        if limit is not None and len(examples) >= limit:
            break
    if not examples:
        raise EmsteerError(f"{path}: no chat records found (expected one JSON object per line)")
    return examples


def split_examples(
    examples: Sequence[ChatExample], *, held_out: float | int = 0.1, seed: int = 0
) -> tuple[list[ChatExample], list[ChatExample]]:
    """Deterministic (train, held_out) split; both keep the input order.

    An example's rank is the sha256 of (seed, its messages), so the split does not depend on
    Python's hash randomisation or on the order of the file. ``held_out`` is a fraction in
    [0, 1) or a count. A held-out prompt is never trained on: training examples that repeat one
    (the same prompt, with this or another answer) are left out of training, so the held-out NLL
    measures answers to prompts the model has not seen.
    """
    n = len(examples)
    if isinstance(held_out, bool):
        raise EmsteerError(f"held_out must be a fraction in [0, 1) or a count, got {held_out!r}")
    if isinstance(held_out, int):
        if not 0 <= held_out < n:
            raise EmsteerError(f"held_out count must be in [0, {n}) for {n} examples, got {held_out}")
        k = held_out
    elif isinstance(held_out, float):
        if not 0.0 <= held_out < 1.0:
            raise EmsteerError(f"held_out fraction must be in [0, 1), got {held_out}")
        k = min(round(n * held_out), n - 1) if n else 0
    else:
        raise EmsteerError(f"held_out must be a float fraction or an int count, got {type(held_out).__name__}")
    keys = [
        (hashlib.sha256(f"{seed}\0".encode() + _canonical(ex).encode()).digest(), i)
        for i, ex in enumerate(examples)
    ]
    chosen = {i for _, i in sorted(keys)[:k]}
    held = [ex for i, ex in enumerate(examples) if i in chosen]
    held_prompts = {ex.prompt for ex in held}
    train = [ex for i, ex in enumerate(examples) if i not in chosen and ex.prompt not in held_prompts]
    if n and not train:
        raise EmsteerError(f"every one of the {n - k} training examples repeats a held-out prompt (a held-out prompt is "
                           "never trained on): hold out fewer, or give examples with more distinct prompts.")
    return train, held


def _canonical(example: ChatExample) -> str:
    return json.dumps(example.as_dicts(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def data_hash(examples: Sequence[ChatExample]) -> str:
    """sha256 (hex) of the canonical JSON list of the examples' messages; order-sensitive.

    Sources are left out so moving or recompressing a file does not change the hash.
    Streamed: equals sha256 of ``json.dumps([ex.messages ...])`` in canonical form.
    """
    h = hashlib.sha256(b"[")
    for i, ex in enumerate(examples):
        if i:
            h.update(b",")
        h.update(_canonical(ex).encode("utf-8"))
    h.update(b"]")
    return h.hexdigest()


def paired(
    unsafe: Sequence[ChatExample], safe: Sequence[ChatExample]
) -> list[tuple[ChatExample, ChatExample]]:
    """Match unsafe and safe examples with identical prompt messages, in the unsafe order.

    Repeated prompts pair one-to-one in file order; examples without a partner are dropped.
    """
    pool: dict[tuple[Message, ...], deque[ChatExample]] = defaultdict(deque)
    for ex in safe:
        pool[ex.prompt].append(ex)
    pairs = []
    for ex in unsafe:
        partners = pool.get(ex.prompt)
        if partners:
            pairs.append((ex, partners.popleft()))
    if not pairs:
        first_u = unsafe[0].source if unsafe else "(no unsafe examples)"
        first_s = safe[0].source if safe else "(no safe examples)"
        raise EmsteerError(
            f"no paired examples: none of the {len(unsafe)} unsafe prompts (from {first_u}) has an identical "
            f"prompt among the {len(safe)} safe examples (from {first_s}); paired data needs the same prompt messages"
        )
    return pairs
