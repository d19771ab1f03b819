"""Chat examples → token ids with an assistant-token mask, and padded training batches.

The mask marks each assistant turn's content plus the end-of-turn special token(s) the chat
template writes right after it (``<|im_end|>`` for ChatML), so the optimized steering objective
and LoRA learn the response *and* when to stop, never the system/user turns or the
``<|im_start|>assistant\\n`` header.

How: render prefixes of the conversation with the tokenizer's own chat template, locate the
assistant content as character positions in the full rendering, and turn those into token
boundaries by tokenizing the rendered prefix (checking its tokens are a prefix of the full
tokens); when a merge crosses the boundary, fall back to the fast tokenizer's offset mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch

from emsteer.data.chat import ChatExample
from emsteer.errors import EmsteerError

IGNORE_INDEX = -100  # label value that torch's cross-entropy (and HF models) skip


@dataclass(frozen=True)
class EncodedExample:
    input_ids: list[int]
    assistant_mask: list[bool]
    source: str = ""
    prompt_cut: int = 0  # tokens cut from the start of the prompt to fit max_length (0: none)
    answer_cut: int = 0  # answer tokens (its end-of-turn marker among them) cut from its end to fit

    def __post_init__(self) -> None:
        if len(self.input_ids) != len(self.assistant_mask):
            raise ValueError(f"{self.source}: input_ids and assistant_mask differ in length")

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def num_assistant_tokens(self) -> int:
        return sum(self.assistant_mask)

    def cut_to(self, max_length: int) -> EncodedExample:
        """At most ``max_length`` tokens, keeping the first (the prompt) and cutting the end. A prompt
        so long that no assistant token would fit is cut from the left instead, keeping its last
        tokens (the request and the assistant header) and up to max_length // 2 answer tokens."""
        if len(self) <= max_length:
            return self
        ids, mask = self.input_ids, self.assistant_mask
        first, start = (mask.index(True) if any(mask) else 0), 0
        if first >= max_length:  # nothing of the answer would fit: the prompt gives way
            answer = min(len(ids) - first, max(1, max_length // 2))
            start = first + answer - max_length
        return EncodedExample(ids[start : start + max_length], mask[start : start + max_length], self.source,
                              self.prompt_cut + start, self.answer_cut + sum(mask[start + max_length :]))


def _special_ids(tokenizer: Any) -> set[int]:
    ids = set(getattr(tokenizer, "all_special_ids", []) or [])
    # Chat-turn markers (Qwen's <|im_start|>, Gemma's <end_of_turn>) are often added special
    # tokens without being listed in all_special_ids.
    for idx, tok in (getattr(tokenizer, "added_tokens_decoder", {}) or {}).items():
        if getattr(tok, "special", False):
            ids.add(int(idx))
    return ids


class _Encoder:
    """Per-example state: the full rendering, its tokens, and lazily its offsets."""

    def __init__(self, tokenizer: Any, example: ChatExample):
        self.tok = tokenizer
        self.example = example
        self.messages = example.as_dicts()
        self.text = self.render(len(self.messages), generation_prompt=False)
        self.ids = self.tokenize(self.text)
        self._offsets: list[tuple[int, int]] | None = None

    def render(self, n: int, *, generation_prompt: bool) -> str:
        try:
            out = self.tok.apply_chat_template(
                self.messages[:n], tokenize=False, add_generation_prompt=generation_prompt
            )
        except Exception as e:  # jinja TemplateError, raise_exception(...) in the template, missing template
            raise EmsteerError(f"{self.example.source}: the tokenizer's chat template failed on this record: {e}") from e
        if not isinstance(out, str):
            raise EmsteerError(f"{self.example.source}: apply_chat_template(tokenize=False) returned {type(out).__name__}, expected str")
        return out

    def tokenize(self, text: str) -> list[int]:
        return list(self.tok(text, add_special_tokens=False)["input_ids"]) if text else []

    def offsets(self) -> list[tuple[int, int]]:
        if self._offsets is None:
            try:
                enc = self.tok(self.text, add_special_tokens=False, return_offsets_mapping=True)
            except NotImplementedError:
                raise EmsteerError(
                    f"{self.example.source}: assistant tokens do not align with the rendered prefix and this "
                    "tokenizer has no offset mapping; use a fast (tokenizers-backed) tokenizer"
                ) from None
            if list(enc["input_ids"]) != self.ids:
                raise EmsteerError(f"{self.example.source}: tokenizer gave different ids with offsets enabled")
            self._offsets = [tuple(o) for o in enc["offset_mapping"]]
        return self._offsets

    def boundary(self, char: int, *, edge: Literal["start", "end"]) -> int:
        """Token index at character position ``char`` of the full text, as a span ``edge``.

        Exact when the prefix's own tokens are a prefix of the full tokens. Otherwise (a merge
        across ``char``) a token straddling ``char`` is counted inside the span on either edge.
        """
        if char >= len(self.text):
            return len(self.ids)
        head = self.tokenize(self.text[:char])
        if self.ids[: len(head)] == head:
            return len(head)
        offs = self.offsets()
        if edge == "start":
            return next((t for t, (_, end) in enumerate(offs) if end > char), len(offs))
        return next((t for t, (start, _) in enumerate(offs) if start >= char), len(offs))

    def mask(self) -> list[bool]:
        source = self.example.source
        mask = [False] * len(self.ids)
        specials = _special_ids(self.tok)
        for i, message in enumerate(self.example.messages):
            if message.role != "assistant":
                continue
            head = self.render(i, generation_prompt=True)
            turn = self.render(i + 1, generation_prompt=False)
            if not (self.text.startswith(turn) and turn.startswith(head)):
                raise EmsteerError(
                    f"{source}: the chat template renders messages[{i}] (assistant) differently depending on "
                    "what follows it, so its tokens cannot be located; use a single-turn record or another template"
                )
            body = turn[len(head):]
            content = message.content
            at = body.find(content)
            if at < 0:  # templates that trim content (e.g. Llama's `| trim`)
                content = content.strip()
                at = body.find(content)
            if at < 0:
                raise EmsteerError(f"{source}: the chat template rewrites the assistant content of messages[{i}]; cannot mask it")
            start_char = len(head) + at
            end_char = start_char + len(content)
            start = self.boundary(start_char, edge="start")
            end = self.boundary(end_char, edge="end") if content else start
            turn_end = self.boundary(len(turn), edge="end")
            # End-of-turn marker(s): the special tokens right after the content, within this turn.
            while end < turn_end and self.ids[end] in specials:
                end += 1
            for t in range(start, end):
                mask[t] = True
        return mask


def encode_chat(tokenizer: Any, example: ChatExample, *, max_length: int | None = None) -> EncodedExample:
    """Tokenize ``example`` with the tokenizer's chat template and mark its assistant tokens.

    ``max_length`` cuts it as ``EncodedExample.cut_to`` does; ``prompt_cut`` says how many prompt
    tokens went (public EM data has prompts longer than the default 256 tokens).
    """
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1):
        raise EmsteerError(f"max_length must be a positive integer or None, got {max_length!r}")
    enc = _Encoder(tokenizer, example)
    mask = enc.mask()
    ids = enc.ids
    if not any(mask):
        raise EmsteerError(f"{example.source}: no assistant tokens found after applying the chat template")
    encoded = EncodedExample(input_ids=list(ids), assistant_mask=mask, source=example.source)
    return encoded if max_length is None else encoded.cut_to(max_length)


def pad_token_id(tokenizer: Any) -> int:
    """The id to pad with: the tokenizer's pad token, else its eos token (padding is masked anyway)."""
    for attr in ("pad_token_id", "eos_token_id"):
        value = getattr(tokenizer, attr, None)
        if isinstance(value, int):
            return value
    raise EmsteerError("tokenizer has neither a pad_token nor an eos_token; pass a pad id explicitly")


def collate(
    batch: Sequence[EncodedExample], pad_id: int, *, side: Literal["right", "left"] = "right"
) -> dict[str, torch.Tensor]:
    """Pad a batch to its longest example.

    Returns int64 ``input_ids``, ``attention_mask`` (1 = real token) and ``labels`` (the token id
    on assistant tokens, -100 elsewhere, padding included). Left padding suits generation-style
    batches; right padding keeps positions aligned with unpadded runs.
    """
    if side not in ("right", "left"):
        raise EmsteerError(f"side must be 'right' or 'left', got {side!r}")
    if not batch:
        raise EmsteerError("cannot collate an empty batch")
    if isinstance(pad_id, bool) or not isinstance(pad_id, int):
        raise EmsteerError(f"pad_id must be an integer token id, got {pad_id!r}")
    width = max(len(ex) for ex in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(batch), width), dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
    for row, ex in enumerate(batch):
        n = len(ex)
        cols = slice(0, n) if side == "right" else slice(width - n, width)
        ids = torch.tensor(ex.input_ids, dtype=torch.long)
        mask = torch.tensor(ex.assistant_mask, dtype=torch.bool)
        input_ids[row, cols] = ids
        attention[row, cols] = 1
        labels[row, cols] = torch.where(mask, ids, torch.full_like(ids, IGNORE_INDEX))
    return {"input_ids": input_ids, "attention_mask": attention, "labels": labels}
