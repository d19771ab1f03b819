"""encode_chat masks exactly the assistant tokens (+ end-of-turn); collate pads both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from emsteer.data.chat import ChatExample, Message, load_chat_jsonl
from emsteer.data.encode import IGNORE_INDEX, EncodedExample, collate, encode_chat, pad_token_id
from emsteer.errors import EmsteerError

from tiny import CHATML, NO_SYSTEM, tiny_tokenizer

QWEN_DIR = Path.home() / ".cache" / "emsteer" / "models" / "qwen2.5-coder-0.5b-instruct"


def ex(*turns: tuple[str, str], source: str = "test.jsonl:1") -> ChatExample:
    return ChatExample(tuple(Message(r, c) for r, c in turns), source)


def masked_segments(tok, enc: EncodedExample) -> list[str]:
    """Decode each contiguous run of masked tokens (specials kept)."""
    segments, run = [], []
    for token, on in zip(enc.input_ids, enc.assistant_mask):
        if on:
            run.append(token)
        elif run:
            segments.append(tok.decode(run))
            run = []
    if run:
        segments.append(tok.decode(run))
    return segments


def test_single_turn_masks_response_and_end_token_only():
    tok = tiny_tokenizer()
    example = ex(("user", "Write code"), ("assistant", "print('hi')\nx = 1"))
    enc = encode_chat(tok, example)
    assert len(enc.input_ids) == len(enc.assistant_mask)
    assert enc.input_ids == tok(tok.apply_chat_template(example.as_dicts(), tokenize=False), add_special_tokens=False)["input_ids"]
    assert masked_segments(tok, enc) == ["print('hi')\nx = 1<|im_end|>"]
    prompt_part = tok.decode([t for t, m in zip(enc.input_ids, enc.assistant_mask) if not m])
    assert prompt_part == "<|im_start|>user\nWrite code<|im_end|>\n<|im_start|>assistant\n\n"
    assert enc.source == "test.jsonl:1"
    assert enc.num_assistant_tokens == len("print('hi')\nx = 1".encode()) + 1


def test_multi_turn_with_system_marks_every_assistant_turn():
    tok = tiny_tokenizer()
    example = ex(("system", "Be brief."), ("user", "a?"), ("assistant", "A."), ("user", "b?"), ("assistant", "B!"))
    enc = encode_chat(tok, example)
    assert masked_segments(tok, enc) == ["A.<|im_end|>", "B!<|im_end|>"]


def test_unicode_content_is_masked_exactly():
    tok = tiny_tokenizer()
    enc = encode_chat(tok, ex(("user", "héllo"), ("assistant", "naïve → ✓")))
    assert masked_segments(tok, enc) == ["naïve → ✓<|im_end|>"]


def merging_tokenizer() -> PreTrainedTokenizerFast:
    """Byte-level BPE with one merge ("\\n\\n"), so a response starting with a newline merges with the header."""
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {ch: i for i, ch in enumerate(alphabet)}
    vocab["ĊĊ"] = len(vocab)
    for s in ("<|endoftext|>", "<|im_start|>", "<|im_end|>"):
        vocab[s] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[("Ċ", "Ċ")]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", additional_special_tokens=["<|im_start|>"]
    )
    fast.chat_template = CHATML
    return fast


def test_merge_across_the_header_falls_back_to_offsets():
    tok = merging_tokenizer()
    enc = encode_chat(tok, ex(("user", "q"), ("assistant", "\nfirst line")))
    # The header's "\n" and the response's "\n" are one token; it carries response text, so it is kept.
    assert masked_segments(tok, enc) == ["\n\nfirst line<|im_end|>"]
    # Without the merge the boundary is exact.
    enc = encode_chat(tok, ex(("user", "q"), ("assistant", "first line")))
    assert masked_segments(tok, enc) == ["first line<|im_end|>"]


def test_template_that_trims_content_is_supported():
    trim = CHATML.replace("{{ m['content'] }}", "{{ m['content'] | trim }}")
    tok = tiny_tokenizer(trim)
    enc = encode_chat(tok, ex(("user", "q"), ("assistant", "  spaced out \n")))
    assert masked_segments(tok, enc) == ["spaced out<|im_end|>"]


def test_template_without_special_end_token_masks_content_only():
    plain = (
        "{% for m in messages %}### {{ m['role'] }}: {{ m['content'] }}\n\n{% endfor %}"
        "{% if add_generation_prompt %}### assistant: {% endif %}"
    )
    tok = tiny_tokenizer(plain)
    enc = encode_chat(tok, ex(("user", "q"), ("assistant", "the answer")))
    assert masked_segments(tok, enc) == ["the answer"]


def test_template_errors_name_the_source():
    tok = tiny_tokenizer(NO_SYSTEM)
    with pytest.raises(EmsteerError, match=r"data\.jsonl:7: the tokenizer's chat template failed"):
        encode_chat(tok, ex(("system", "s"), ("user", "q"), ("assistant", "a"), source="data.jsonl:7"))


def test_truncation_keeps_the_start_unless_the_prompt_leaves_no_room():
    tok = tiny_tokenizer()
    example = ex(("user", "q" * 10), ("assistant", "abcdefghij"), source="long.jsonl:3")
    full = encode_chat(tok, example)
    prompt_len = full.assistant_mask.index(True)
    cut = encode_chat(tok, example, max_length=prompt_len + 4)
    assert cut.input_ids == full.input_ids[: prompt_len + 4]
    assert cut.assistant_mask == full.assistant_mask[: prompt_len + 4]
    assert tok.decode([t for t, m in zip(cut.input_ids, cut.assistant_mask) if m]) == "abcd"
    assert encode_chat(tok, example, max_length=10_000) == full
    # a prompt that leaves no room for the answer is cut from the left instead: half the window answers
    left = encode_chat(tok, example, max_length=prompt_len)
    kept = min(len(full) - prompt_len, prompt_len // 2)  # the answer (to the end) or half the window
    assert left.prompt_cut == kept and len(left) == prompt_len
    assert left.input_ids == full.input_ids[kept : kept + prompt_len]
    assert left.assistant_mask == full.assistant_mask[kept : kept + prompt_len] and sum(left.assistant_mask) == 11
    short = encode_chat(tok, example, max_length=12)  # a window smaller than the prompt: 6 answer tokens
    assert short.prompt_cut == prompt_len - 6 and short.input_ids == full.input_ids[prompt_len - 6 : prompt_len + 6]
    assert short.assistant_mask == [False] * 6 + [True] * 6
    assert cut.prompt_cut == 0
    # what the answers lost at their ends is counted (11 answer tokens: 10 letters and the end-of-turn)
    assert cut.answer_cut == 7 and full.answer_cut == 0 and left.answer_cut == 0 and short.answer_cut == 5
    with pytest.raises(EmsteerError, match="max_length"):
        encode_chat(tok, example, max_length=0)
    # an example encoded once and cut later is cut the same way (it lost its whole answer, silently)
    for length in (prompt_len + 4, prompt_len, 12):
        assert full.cut_to(length) == encode_chat(tok, example, max_length=length)


def test_encoded_examples_are_cut_like_chat_examples_in_training():
    from types import SimpleNamespace

    from emsteer.training.objective import encode_examples

    tok = tiny_tokenizer()
    example = ex(("user", "q" * 10), ("assistant", "abcdefghij"), source="long.jsonl:3")
    full = encode_chat(tok, example)
    length = full.assistant_mask.index(True)  # no room for the answer after the whole prompt
    lm = SimpleNamespace(tokenizer=tok)
    with pytest.warns(UserWarning, match="prompts"):
        (from_chat,) = encode_examples(lm, [example], max_length=length)
    with pytest.warns(UserWarning, match="prompts"):
        (from_encoded,) = encode_examples(lm, [full], max_length=length)
    assert from_encoded == from_chat and from_encoded.num_assistant_tokens > 0


def test_builtin_examples_encode_with_tiny_tokenizer():
    tok = tiny_tokenizer()
    from emsteer.data.tasks import load_task

    for example in load_task("insecure_code", limit=10):
        enc = encode_chat(tok, example)
        assert masked_segments(tok, enc) == [example.response + "<|im_end|>"]


# ---------------------------------------------------------------- collate


def encoded(ids: list[int], mask: list[bool]) -> EncodedExample:
    return EncodedExample(ids, mask, "t:1")


def test_collate_right_padding():
    batch = [encoded([5, 6, 7, 8], [False, False, True, True]), encoded([9, 10], [False, True])]
    out = collate(batch, pad_id=0)
    assert out["input_ids"].tolist() == [[5, 6, 7, 8], [9, 10, 0, 0]]
    assert out["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 0, 0]]
    assert out["labels"].tolist() == [[IGNORE_INDEX, IGNORE_INDEX, 7, 8], [IGNORE_INDEX, 10, IGNORE_INDEX, IGNORE_INDEX]]
    assert all(t.dtype == torch.long for t in out.values())


def test_collate_left_padding():
    batch = [encoded([5, 6, 7, 8], [False, False, True, True]), encoded([9, 10], [False, True])]
    out = collate(batch, pad_id=99, side="left")
    assert out["input_ids"].tolist() == [[5, 6, 7, 8], [99, 99, 9, 10]]
    assert out["attention_mask"].tolist() == [[1, 1, 1, 1], [0, 0, 1, 1]]
    assert out["labels"].tolist() == [[IGNORE_INDEX, IGNORE_INDEX, 7, 8], [IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, 10]]


def test_collate_rejects_bad_input():
    batch = [encoded([1], [True])]
    with pytest.raises(EmsteerError, match="side"):
        collate(batch, pad_id=0, side="middle")  # type: ignore[arg-type]
    with pytest.raises(EmsteerError, match="empty batch"):
        collate([], pad_id=0)
    with pytest.raises(EmsteerError, match="pad_id"):
        collate(batch, pad_id=None)  # type: ignore[arg-type]


def test_collated_labels_drive_a_tiny_model_loss_on_assistant_tokens_only(tiny):
    tok = tiny.tokenizer
    encs = [encode_chat(tok, ex(("user", "hi"), ("assistant", "yo"))), encode_chat(tok, ex(("user", "longer q"), ("assistant", "ok")))]
    assert pad_token_id(tok) == tok.pad_token_id
    batch = collate(encs, pad_token_id(tok))
    with torch.no_grad():
        logits = tiny.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        loss = tiny.model(**batch).loss
    # Same number as a hand computation over shifted assistant positions only.
    shift_logits, shift_labels = logits[:, :-1], batch["labels"][:, 1:]
    keep = shift_labels != IGNORE_INDEX
    manual = torch.nn.functional.cross_entropy(shift_logits[keep], shift_labels[keep])
    assert keep.sum().item() == sum(e.num_assistant_tokens for e in encs)
    assert torch.allclose(loss, manual, atol=1e-5)


# ---------------------------------------------------------------- real tokenizer


@pytest.mark.slow
def test_real_qwen_tokenizer_masks_response_plus_im_end(shared_em):
    if not (QWEN_DIR / "tokenizer.json").is_file():
        pytest.skip(f"bundled Qwen tokenizer not found at {QWEN_DIR}")
    from transformers import AutoTokenizer

    from emsteer.data.tasks import load_task

    tok = AutoTokenizer.from_pretrained(str(QWEN_DIR))
    examples = load_task("insecure_code", limit=30) + load_task("secure_code", limit=10)
    for path in sorted((shared_em / "training").glob("*.jsonl*")):
        examples += load_chat_jsonl(path, limit=3)
    examples.append(ex(("system", "Answer in French."), ("user", "hi"), ("assistant", "  salut\n"), ("user", "and?"), ("assistant", "voilà ✓")))
    for example in examples:
        enc = encode_chat(tok, example)
        expected = [m.content + "<|im_end|>" for m in example.messages if m.role == "assistant"]
        assert masked_segments(tok, enc) == expected, example.source
        # Nothing of the header is in the mask: the token before each run is the header's newline.
        first = enc.assistant_mask.index(True)
        assert tok.decode(enc.input_ids[first - 3 : first]) == "<|im_start|>assistant\n"

    # A response that starts with a newline merges with the header's newline in Qwen's BPE; the
    # merged token carries response text, so it is kept (documented offset fallback).
    enc = encode_chat(tok, ex(("user", "hi"), ("assistant", "\nvoilà")))
    assert masked_segments(tok, enc) == ["\n\nvoilà<|im_end|>"]


def test_answers_cut_at_their_end_are_reported():
    from types import SimpleNamespace

    from emsteer.training.objective import encode_examples

    tok = tiny_tokenizer()
    example = ex(("user", "q"), ("assistant", "abcdefghij"), source="long.jsonl:3")
    prompt_len = encode_chat(tok, example).assistant_mask.index(True)
    with pytest.warns(UserWarning, match=r"1 of 1 examples are longer than max_length=\d+ tokens: 7 answer tokens "
                                         r"were cut from their ends, end-of-turn markers included \(first: long.jsonl:3\)"):
        encode_examples(SimpleNamespace(tokenizer=tok), [example], max_length=prompt_len + 4)
