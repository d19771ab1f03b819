"""Token states of (question, answer) pairs from a chat model's residual stream: an encoder for the learned judge.

A sentence encoder (MiniLM) reads an answer as text; a chat model reads it as the reply to the
question, in its own chat format, and its middle layers carry what it makes of that reply
(harmful, confused, off topic). ``LMPairEncoder`` gives the learned judge's head the residual
stream at one layer (output of decoder block ``layer``, as everywhere in emsteer) of every token
of the chat-formatted question and answer, plus a column that is 1 on the answer's tokens; given
several layers, their states side by side. The forward pass stops at the deepest layer: the
blocks above it and the LM head are never run, so judging with layer 12 of the 24-layer bundled
0.5B costs about half a forward pass. With ``dtype="bfloat16"`` the model runs in bf16: on CPUs
with AMX tiles (Sapphire Rapids and later) these prefill-only passes run several times faster than
in float32 (benchmarks/bench_encoder.py); the states differ slightly, so a head reads the dtype it
was fitted on (the dtype is part of the encoder's identity).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from emsteer.errors import EmsteerError
from emsteer.steering.hooks import capture_residuals

DEFAULT_LM_LAYER = 12
DTYPE_LABELS = {torch.bfloat16: "bf16", torch.float16: "fp16"}


class _Reached(Exception):
    """Raised by the hook once the wanted layer has run: the rest of the forward pass is skipped."""


class LMPairEncoder:
    """Residual-stream states of (question, answer) pairs at one layer (or several) of a chat model.

    ``model``: a model spec for ``load_model`` (default: the bundled 0.5B chat model), or
    ``loaded``: a LoadedModel already in memory (it is only read: no hooks stay behind).
    ``layer``: a layer, or a list of layers whose states are concatenated (shallow to deep).
    ``max_length``: tokens of the chat-formatted pair; longer answers are read from their beginning.
    ``dtype``: the weights' dtype when the model is loaded here (float32 or bfloat16).
    """

    kind = "lm"

    def __init__(self, model: str | None = None, *, layer: int | Sequence[int] = DEFAULT_LM_LAYER,
                 max_length: int = 256, batch_size: int = 8, device: str = "cpu", loaded: Any = None,
                 dtype: str = "float32") -> None:
        from emsteer.models import load_model

        self.lm = loaded if loaded is not None else load_model(model, dtype=dtype, device=device, log=lambda _m: None)
        wanted = [layer] if isinstance(layer, int) else list(layer)
        if not wanted or len(set(wanted)) != len(wanted):
            raise EmsteerError(f"layers {wanted}: give one or more distinct layers.")
        self.layers = sorted(self.lm.check_layer(int(x)) for x in wanted)
        self.max_length = max_length
        self.batch_size = batch_size
        # one layer (given alone or as a list of one) keeps the identity heads were shipped with
        # ("layer": 16); several are a list
        single = len(self.layers) == 1
        named = self.layers[0] if single else self.layers
        label = f"layer{self.layers[0]}" if single else "layers" + "+".join(map(str, self.layers))
        self.identity = {"kind": self.kind, "name": f"{self.lm.name}@{label}", "model": model or self.lm.name,
                         "fingerprint": self.lm.revision, "layer": named, "max_length": max_length}
        # float32 states are the default and stay unnamed (the identity heads were shipped with)
        if self.lm.dtype != torch.float32:
            self.identity |= {"name": f"{self.lm.name}@{label}-{DTYPE_LABELS[self.lm.dtype]}",
                              "dtype": str(self.lm.dtype).removeprefix("torch.")}

    @property
    def width(self) -> int:
        return self.lm.hidden_size * len(self.layers) + 1

    def tokens(self, question: str, answer: str) -> tuple[list[int], int]:
        """Token ids of the chat-formatted pair and where the answer starts (answer cut to fit)."""
        from emsteer.generation import render_chat

        tok = self.lm.tokenizer
        prompt = tok(render_chat(tok, question), add_special_tokens=False)["input_ids"]
        if len(prompt) >= self.max_length:  # a very long question: keep its end, leave room for the answer
            prompt = prompt[-(self.max_length // 2):]
        reply = tok(answer, add_special_tokens=False)["input_ids"][: self.max_length - len(prompt)]
        return list(prompt) + list(reply), len(prompt)

    def _states(self, batch: list[list[int]]) -> torch.Tensor:
        longest = max(len(ids) for ids in batch)
        pad = int(self.lm.tokenizer.pad_token_id)
        ids = torch.tensor([row + [pad] * (longest - len(row)) for row in batch], device=self.lm.device)
        mask = torch.tensor([[1] * len(row) + [0] * (longest - len(row)) for row in batch], device=self.lm.device)

        def stop(_module, _args, _output):
            raise _Reached

        deepest = self.layers[-1]
        with capture_residuals(self.lm, self.layers) as caught:
            handle = self.lm.layers[deepest].register_forward_hook(stop)  # after the capture's hook
            try:
                self.lm.model(input_ids=ids, attention_mask=mask, use_cache=False)
            except _Reached:
                pass
            finally:
                handle.remove()
        missing = [layer for layer in self.layers if not caught[layer]]
        if missing:
            raise EmsteerError(f"{self.lm.name}: layer {missing[0]} did not run in the forward pass.")
        return torch.cat([caught[layer][0].float() for layer in self.layers], dim=-1).cpu()

    def encode(self, pairs: Sequence[tuple[str, str]], progress=None) -> list[np.ndarray]:
        """float32 token states (tokens × (hidden × layers + 1)) of every pair, in the input order (batched by length)."""
        encoded = [self.tokens(q, a) for q, a in pairs]
        out: list[np.ndarray | None] = [None] * len(pairs)
        order = sorted(range(len(pairs)), key=lambda i: len(encoded[i][0]))
        done = 0
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                states = self._states([encoded[i][0] for i in idx])
                for j, i in enumerate(idx):
                    ids, answer_start = encoded[i]
                    marker = torch.zeros(len(ids), 1)
                    marker[answer_start:] = 1.0
                    out[i] = torch.cat([states[j, : len(ids)], marker], dim=1).numpy()
                done += len(idx)
                if progress is not None:
                    progress(done)
        return out  # type: ignore[return-value]
