"""Exact probabilities of the answers 0–100 and of the labels from a local causal LM.

A judge answer "n" has probability P(canonical tokens of str(n), then a token that does not
continue it): the next token must not start with a digit (numbers) or a letter (labels).
Tokenizers that split numbers into digits (Qwen) need several tokens for "42", so the first
next-token distribution is not enough: we need the distribution after every prefix in the trie
of the tokenizations of 0..100 and of the labels (109 prefixes for Qwen).

The prompt runs once and fills a KV cache. Then either
- ``tree`` (default for full-attention models): all trie prefixes go in ONE extra forward, each
  trie token attending to the prompt and to its own ancestors only (a 4D attention mask, "tree
  attention"), so the prompt's KV cache is never copied; or
- ``levels`` (any model, e.g. recurrent/linear-attention layers where a token tree in one
  sequence is meaningless): one batched forward per trie depth, every live prefix a row on a
  copy of its prompt's cache, in memory-bounded chunks. Only prefixes of probability exactly 0
  are pruned.
Different trie terminals are disjoint events, so numbers + labels + leftover = 1.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from emsteer.errors import EmsteerError
from emsteer.generation.transformers import cache_field
from emsteer.judging.base import LABELS

NUMBERS = range(101)
METHODS = ("auto", "tree", "levels")
DEFAULT_MAX_BRANCH_TOKENS = 32_768  # levels: rows × cached length per forward (bounds KV copies)
DEFAULT_MAX_TREE_LOGITS = 1 << 28  # tree: prompts × trie nodes × vocabulary per forward (1 GiB fp32)


@dataclass
class AnswerDistribution:
    """Probabilities of each number 0–100, of each label, and of everything else."""

    numbers: dict[int, float]
    labels: dict[str, float]
    leftover: float

    @property
    def numeric_mass(self) -> float:
        return float(sum(self.numbers.values()))


@dataclass
class _Node:
    token: int
    depth: int  # 1 for a first token
    path: tuple[int, ...]
    children: dict[int, _Node] = field(default_factory=dict)
    terminal: tuple[str, int | str] | None = None  # ("number", n) or ("label", "CODE")
    # Children that the continuation rule would not exclude (only for odd tokenizers): excluded
    # from this terminal's stop mass, so that its event stays disjoint from its descendants'.
    excluded: list[int] = field(default_factory=list)


def _starts(texts: list[str], raw: list[str | None], test) -> torch.Tensor:
    """Boolean mask over the vocabulary: the token's text starts with a character passing ``test``."""
    out = torch.zeros(len(texts), dtype=torch.bool)
    for i, (text, r) in enumerate(zip(texts, raw)):
        # SentencePiece marks a leading space with "▁", which decode() of a lone token may drop.
        if r is not None and r.startswith("▁"):
            continue
        if text and test(text[0]):
            out[i] = True
    return out


class AnswerTrie:
    """The trie of canonical tokenizations of 0..100 and of the labels, for one tokenizer.

    Each string contributes ``encode(s)`` and, when the tokenizer merges a leading space into
    the first token (" 5" as one token), ``encode(" " + s)`` as a second path whose probability
    is added. Building it decodes the whole vocabulary (about a second for Qwen): build once
    per judge model and reuse.
    """

    def __init__(self, tokenizer, vocab_size: int | None = None, labels: Sequence[str] = LABELS) -> None:
        self.labels = tuple(labels)
        n_vocab = vocab_size or len(tokenizer)  # the model's logit rows, which may exceed the tokenizer's
        seen: set[tuple[int, ...]] = set()
        entries: list[tuple[tuple[int, ...], tuple[str, int | str]]] = []
        for kind, keys in (("number", list(NUMBERS)), ("label", list(self.labels))):
            for key in keys:
                for text in (str(key), " " + str(key)):
                    ids = tuple(tokenizer.encode(text, add_special_tokens=False))
                    if text.startswith(" ") and not _space_merged(tokenizer, ids):
                        continue  # no token like " 5": the variant would start with a bare space
                    if ids and ids not in seen:
                        seen.add(ids)
                        entries.append((ids, (kind, key)))
        if max(max(ids) for ids, _ in entries) >= n_vocab:
            raise EmsteerError(f"The judge tokenizer produces ids beyond the model's {n_vocab} logits.")
        self.roots: dict[int, _Node] = {}
        for ids, terminal in entries:
            level, node = self.roots, None
            for depth, tok in enumerate(ids, start=1):
                if tok not in level:
                    level[tok] = _Node(token=tok, depth=depth, path=ids[:depth])
                node = level[tok]
                level = node.children
            assert node is not None  # entries hold non-empty token paths only
            node.terminal = terminal

        vocab_ids = list(range(min(len(tokenizer), n_vocab)))
        texts = tokenizer.batch_decode([[i] for i in vocab_ids])
        raw = tokenizer.convert_ids_to_tokens(vocab_ids)
        pad = torch.zeros(n_vocab - len(vocab_ids), dtype=torch.bool)  # rows beyond the tokenizer: never continue
        self.continues_number = torch.cat([_starts(texts, raw, lambda c: c in "0123456789"), pad])
        self.continues_label = torch.cat([_starts(texts, raw, str.isalpha), pad])

        # Breadth-first order: parents before children (the tree forward and the walk rely on it).
        self.order: list[_Node] = []
        frontier = sorted(self.roots.values(), key=lambda n: n.token)
        while frontier:
            self.order.extend(frontier)
            frontier = [c for n in frontier for c in sorted(n.children.values(), key=lambda c: c.token)]
        for node in self.order:
            if node.terminal is not None:
                cont = self.continues_number if node.terminal[0] == "number" else self.continues_label
                node.excluded = [t for t in node.children if not cont[t]]
        self.max_depth = max(n.depth for n in self.order)
        self.stop_number = (~self.continues_number).double()
        self.stop_label = (~self.continues_label).double()
        self._index = {n.path: k for k, n in enumerate(self.order)}
        self.tokens = torch.tensor([n.token for n in self.order], dtype=torch.long)
        self.depths = torch.tensor([n.depth for n in self.order], dtype=torch.long)
        self.ancestors = torch.zeros((len(self.order), len(self.order)), dtype=torch.bool)  # ancestor or self
        for k, n in enumerate(self.order):
            for d in range(1, n.depth + 1):
                self.ancestors[k, self._index[n.path[:d]]] = True

    def stop_mass(self, node: _Node, probs: torch.Tensor) -> float:
        """P(the answer ends at this terminal | its prefix), from the next-token probabilities."""
        assert node.terminal is not None  # asked only of terminals (_Walk.visit)
        stop = self.stop_number if node.terminal[0] == "number" else self.stop_label
        mass = float(probs @ stop)
        if node.excluded:
            mass -= float(probs[node.excluded].sum())
        return max(mass, 0.0)


def _space_merged(tokenizer, ids: tuple[int, ...]) -> bool:
    """Whether the first token of `` s`` carries the space and more (a token like " 5")."""
    if not ids:
        return False
    raw = tokenizer.convert_ids_to_tokens(ids[0]) or ""
    text = tokenizer.decode([ids[0]])
    return bool(raw.lstrip("Ġ▁ ")) and (text.startswith(" ") or raw.startswith(("Ġ", "▁")))


def render_prompts(tokenizer, prompts: Sequence[str], *, max_prompt_tokens: int | None = None) -> list[list[int]]:
    """Token ids of each judge prompt as a user turn followed by the generation prompt.

    Prompts longer than ``max_prompt_tokens`` lose tokens from their middle (the answer), which
    keeps the instructions at both ends; a warning says so.
    """
    if not getattr(tokenizer, "chat_template", None):
        raise EmsteerError(
            "The local judge model's tokenizer has no chat template: use an instruction-tuned chat model as judge."
        )
    out = []
    for i, prompt in enumerate(prompts):
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
        ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])
        if max_prompt_tokens is not None and len(ids) > max_prompt_tokens:
            warnings.warn(
                f"Judge prompt {i} has {len(ids)} tokens; cutting {len(ids) - max_prompt_tokens} from its middle "
                f"to fit max_prompt_tokens={max_prompt_tokens}.",
                stacklevel=2,
            )
            head = max_prompt_tokens // 2
            ids = ids[:head] + ids[len(ids) - (max_prompt_tokens - head) :]
        out.append(ids)
    return out


MIN_SHARED_PREFIX = 16  # tokens; below this, sharing saves less than it costs


def _left_pad(seqs: list[list[int]], pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, width - len(s) :] = torch.tensor(s, dtype=torch.long)
        mask[i, width - len(s) :] = 1
    return ids.to(device), mask.to(device)


def _positions(mask: torch.Tensor) -> torch.Tensor:
    return (mask.cumsum(-1) - 1).clamp(min=0)


def _shared_prefix(seqs: list[list[int]]) -> int:
    """Length of the token prefix all prompts share, leaving every prompt at least one own token."""
    n = min(len(s) for s in seqs) - 1
    first = seqs[0]
    for i in range(max(n, 0)):
        if any(s[i] != first[i] for s in seqs[1:]):
            return i
    return max(n, 0)


def _plain_cache(cache) -> bool:
    from transformers.cache_utils import DynamicLayer

    return all(type(layer) is DynamicLayer for layer in getattr(cache, "layers", [None]))


def _prefill(model, seqs: list[list[int]], pad_id: int, device):
    """Run the prompts with a KV cache, left-padded; returns (output, attention mask, positions).

    Judge prompts of one metric start with the same instructions: that shared prefix runs once
    and its cache is repeated for every prompt, so only each prompt's own tail is computed. The
    padding then sits between the prefix and the tails, masked like any left padding.
    """
    shared = _shared_prefix(seqs) if len(seqs) > 1 else 0
    if shared >= MIN_SHARED_PREFIX:
        prefix = torch.tensor([seqs[0][:shared]], dtype=torch.long, device=device)
        head = model(input_ids=prefix, use_cache=True, logits_to_keep=1)
        key = cache_field(head)
        cache = getattr(head, key)
        if _plain_cache(cache):  # recurrent / sliding-window caches: no repeat, run whole prompts
            cache.batch_repeat_interleave(len(seqs))
            tail_ids, tail_mask = _left_pad([s[shared:] for s in seqs], pad_id, device)
            mask = torch.cat([torch.ones(len(seqs), shared, dtype=tail_mask.dtype, device=device), tail_mask], dim=1)
            positions = _positions(mask)
            out = model(input_ids=tail_ids, attention_mask=mask, position_ids=positions[:, shared:],
                        use_cache=True, logits_to_keep=1, **{key: cache})
            return out, mask, positions
    ids, mask = _left_pad(seqs, pad_id, device)
    positions = _positions(mask)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, logits_to_keep=1)
    return out, mask, positions


def tree_supported(model, cache, prompt_len: int, tree_len: int) -> bool:
    """Tree attention needs per-token attention over a plain KV cache with a custom 4D mask."""
    from transformers.cache_utils import DynamicLayer, DynamicSlidingWindowLayer

    if getattr(model.config, "_attn_implementation", None) not in ("eager", "sdpa"):
        return False  # flash-attention kernels take no arbitrary masks
    for layer in getattr(cache, "layers", [None]):
        if type(layer) is DynamicLayer:
            continue
        # A 4D mask bypasses the sliding window: fine only while everything fits in the window.
        if type(layer) is DynamicSlidingWindowLayer and layer.sliding_window > prompt_len + tree_len:
            continue
        return False  # recurrent / linear-attention / quantized layers
    return True


@torch.inference_mode()
def answer_distributions(
    model,
    tokenizer,
    prompts: Sequence[str],
    *,
    trie: AnswerTrie | None = None,
    max_prompt_tokens: int | None = None,
    method: str = "auto",
    max_branch_tokens: int = DEFAULT_MAX_BRANCH_TOKENS,
    max_tree_logits: int = DEFAULT_MAX_TREE_LOGITS,
) -> list[AnswerDistribution]:
    """The exact answer distribution of ``model`` for every judge prompt, computed as one batch.

    ``method`` is ``tree`` (one forward over all trie prefixes, tree attention), ``levels`` (one
    forward per trie depth) or ``auto`` (tree where the model's cache and attention allow it).
    """
    if method not in METHODS:
        raise EmsteerError(f"answer_distributions: method must be one of {', '.join(METHODS)}, got {method!r}.")
    if not prompts:
        return []
    device = next(model.parameters()).device
    if trie is None:
        head = model.get_output_embeddings()
        trie = AnswerTrie(tokenizer, vocab_size=int(head.weight.shape[0]) if head is not None else None)
    seqs = render_prompts(tokenizer, prompts, max_prompt_tokens=max_prompt_tokens)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    out, mask, positions = _prefill(model, seqs, pad_id, device)
    key = cache_field(out)
    cache = getattr(out, key)
    root_probs = out.logits[:, -1].double().softmax(-1).cpu()
    walk = _Walk(trie, len(prompts))
    if method == "auto":
        method = "tree" if tree_supported(model, cache, mask.shape[1], len(trie.order)) else "levels"
    if method == "tree":
        _walk_tree(model, (key, cache), mask, positions[:, -1], trie, root_probs, walk, max_tree_logits)
    else:
        _walk_levels(model, (key, cache), mask, positions[:, -1], trie, root_probs, walk, max_branch_tokens)
    return walk.result()


class _Walk:
    """Accumulates terminal masses per prompt."""

    def __init__(self, trie: AnswerTrie, n: int) -> None:
        self.trie = trie
        self.numbers = [{k: 0.0 for k in NUMBERS} for _ in range(n)]
        self.labels = [{k: 0.0 for k in trie.labels} for _ in range(n)]

    def visit(self, i: int, node: _Node, prefix: float, probs: torch.Tensor) -> None:
        """Prompt i's answer starts with node's path (probability ``prefix``); ``probs`` come next."""
        if node.terminal is not None:
            kind, key = node.terminal
            mass = prefix * self.trie.stop_mass(node, probs)
            if kind == "number":
                self.numbers[i][int(key)] += mass  # numbers have int keys, labels str ones
            else:
                self.labels[i][str(key)] += mass

    def result(self) -> list[AnswerDistribution]:
        out = []
        for numbers, labels in zip(self.numbers, self.labels):
            total = sum(numbers.values()) + sum(labels.values())
            out.append(AnswerDistribution(numbers=numbers, labels=labels, leftover=max(0.0, 1.0 - total)))
        return out


def _walk_tree(model, kv, mask, last_pos, trie: AnswerTrie, root_probs, walk: _Walk, max_logits: int) -> None:
    """``kv``: (keyword, prompt cache), as everywhere below (see generation.cache_field)."""
    key, cache = kv
    n, width = mask.shape
    t = len(trie.order)
    vocab = root_probs.shape[1]
    per_chunk = max(1, max_logits // (t * vocab))
    dtype = next(model.parameters()).dtype
    device = mask.device
    for start in range(0, n, per_chunk):
        rows = torch.arange(start, min(n, start + per_chunk), device=device)
        c = cache
        if len(rows) < n:  # a private copy holding only these prompts
            c = copy.deepcopy(cache)
            c.reorder_cache(rows)
        b = len(rows)
        allowed = torch.cat(
            [
                mask[rows].bool()[:, None, :].expand(b, t, width),
                trie.ancestors.to(device)[None].expand(b, t, t),
            ],
            dim=-1,
        )
        mask4d = torch.zeros((b, 1, t, width + t), dtype=dtype, device=device)
        mask4d.masked_fill_(~allowed[:, None], torch.finfo(dtype).min)
        out = model(
            input_ids=trie.tokens.to(device)[None].expand(b, t),
            attention_mask=mask4d,
            position_ids=last_pos[rows, None] + trie.depths.to(device)[None],
            use_cache=True,
            **{key: c},
        )
        for r, i in enumerate(rows.tolist()):
            probs = out.logits[r].double().softmax(-1).cpu()  # [t, vocab]: after each trie prefix
            prefix = torch.zeros(t, dtype=torch.float64)
            for k, node in enumerate(trie.order):
                if node.depth == 1:
                    prefix[k] = root_probs[i, node.token]
                p = float(prefix[k])
                if p == 0.0:
                    continue
                walk.visit(i, node, p, probs[k])
                for tok, child in node.children.items():
                    prefix[trie._index[child.path]] = p * probs[k, tok]
        del out


def _walk_levels(model, kv, mask, last_pos, trie: AnswerTrie, root_probs, walk: _Walk, max_tokens: int) -> None:
    # live rows: (prompt i, trie node, P(prompt i's answer starts with the node's path))
    live: list[tuple[int, _Node, float]] = []
    for i in range(mask.shape[0]):
        for tok, node in trie.roots.items():
            p = float(root_probs[i, tok])
            if p > 0.0:
                live.append((i, node, p))
    rows_per_chunk = max(1, max_tokens // mask.shape[1])
    while live:
        nxt: list[tuple[int, _Node, float]] = []
        depth = live[0][1].depth
        for start in range(0, len(live), rows_per_chunk):
            chunk = live[start : start + rows_per_chunk]
            probs = _branch_probs(model, kv, mask, last_pos, chunk, depth)
            for (i, node, prefix), row in zip(chunk, probs):
                walk.visit(i, node, prefix, row)
                for tok, child in node.children.items():
                    p = prefix * float(row[tok])
                    if p > 0.0:
                        nxt.append((i, child, p))
        live = nxt


def _branch_probs(model, kv, mask, last_pos, chunk, depth: int) -> torch.Tensor:
    """Next-token probabilities after each (prompt, path) row of ``chunk``, all paths of length ``depth``."""
    key, cache = kv
    device = mask.device
    rows = torch.tensor([i for i, _, _ in chunk], dtype=torch.long, device=device)
    paths = torch.tensor([node.path for _, node, _ in chunk], dtype=torch.long, device=device)
    # A private copy: the prompt cache is reused by every chunk and every depth.
    branch_cache = copy.deepcopy(cache)
    branch_cache.reorder_cache(rows)
    attn = torch.cat([mask[rows], torch.ones((len(chunk), depth), dtype=mask.dtype, device=device)], dim=1)
    pos = last_pos[rows, None] + torch.arange(1, depth + 1, device=device)[None, :]
    out = model(
        input_ids=paths,
        attention_mask=attn,
        position_ids=pos,
        use_cache=True,
        logits_to_keep=1,
        **{key: branch_cache},
    )
    return out.logits[:, -1].double().softmax(-1).cpu()
