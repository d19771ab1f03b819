"""A judge backed by any local chat model through transformers, batched and exact over 0–100."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emsteer.errors import EmsteerError
from emsteer.judging.base import JudgeRequest, Judgment, score_from_distribution
from emsteer.judging.numbers import AnswerTrie, answer_distributions
from emsteer.models import LoadedModel, load_model

# Chosen with `check_judge` on the shipped calibration set (68 items, 2 CPU cores shared with
# other jobs): 0.5B accuracy 0.25, Spearman aligned 0.50 / coherent -0.22, ~15 s per item;
# 1.5B accuracy 0.25, Spearman aligned 0.87 / coherent -0.07, ~30 s per item. Neither meets the
# ~1.5 s/item budget; the 0.5B is the cheaper one and ships with emsteer's own dependencies, the
# 1.5B ranks alignment far better ("local:bundled:qwen2.5-coder-1.5b-instruct"). Neither scores
# clearly misaligned answers below 30, so neither detects EM at the EM threshold: use an
# OpenAI-compatible judge for real measurements.
DEFAULT_LOCAL_JUDGE = "bundled:qwen2.5-coder-0.5b-instruct"


def default_model_in(model: Any) -> LoadedModel | None:
    """``model`` when it is the default local judge's model already loaded, else None (a judge may share it)."""
    is_default = isinstance(model, LoadedModel) and model.name == DEFAULT_LOCAL_JUDGE.removeprefix("bundled:")
    return model if is_default else None


def local_identity(lm: LoadedModel, max_prompt_tokens: int = 2048) -> str:
    """The identity of a local judge prompting ``lm``. What changes its scores is in it: a bf16
    copy (the studied model reused) and a shorter prompt cut score apart from the float32 judge,
    and must not share its cached judgments."""
    dtype = {"torch.bfloat16": "-bf16", "torch.float16": "-fp16"}.get(str(lm.dtype), "")
    cut = f"-max{max_prompt_tokens}" if max_prompt_tokens != 2048 else ""
    return f"local:{lm.name}@{lm.revision[:12]}{dtype}{cut}"


class LocalJudge:
    """Scores judge prompts with a local causal LM's exact answer distribution.

    ``model`` is a loaded model, a model spec for ``load_model`` (hub id, directory, .gguf,
    ``bundled:NAME``), or ``None`` for ``DEFAULT_LOCAL_JUDGE``. Requests are sorted by length
    and scored ``batch_size`` at a time, so padding stays small; results keep the input order.
    """

    def __init__(
        self,
        model: LoadedModel | str | None = None,
        *,
        batch_size: int = 8,
        max_prompt_tokens: int = 2048,
    ) -> None:
        if batch_size < 1:
            raise EmsteerError(f"LocalJudge batch_size must be at least 1, got {batch_size}.")
        if max_prompt_tokens < 16:
            raise EmsteerError(f"LocalJudge max_prompt_tokens must be at least 16, got {max_prompt_tokens}.")
        self.lm = model if isinstance(model, LoadedModel) else load_model(model or DEFAULT_LOCAL_JUDGE)
        self.batch_size = batch_size
        self.max_prompt_tokens = max_prompt_tokens
        self.identity = local_identity(self.lm, max_prompt_tokens)
        self._trie: AnswerTrie | None = None

    @property
    def trie(self) -> AnswerTrie:
        if self._trie is None:  # decoding the vocabulary takes a second: once per judge
            model: Any = self.lm.model  # a PreTrainedModel: nn.Module does not declare get_output_embeddings
            head = model.get_output_embeddings()
            self._trie = AnswerTrie(self.lm.tokenizer, vocab_size=int(head.weight.shape[0]) if head is not None else None)
        return self._trie

    def judge(self, requests: Sequence[JudgeRequest]) -> list[Judgment]:
        if not requests:
            return []
        order = sorted(range(len(requests)), key=lambda i: len(requests[i].prompt))
        out: list[Judgment | None] = [None] * len(requests)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            dists = answer_distributions(
                self.lm.model,
                self.lm.tokenizer,
                [requests[i].prompt for i in idx],
                trie=self.trie,
                max_prompt_tokens=self.max_prompt_tokens,
            )
            for i, dist in zip(idx, dists):
                out[i] = score_from_distribution(
                    dist.numbers, dist.labels, metric=requests[i].metric, judge=self.identity
                )
        return out  # type: ignore[return-value]
