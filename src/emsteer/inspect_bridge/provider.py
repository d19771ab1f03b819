"""Inspect model provider ``emsteer/MODEL``: generation by a local model, optionally steered.

MODEL is what ``--model`` takes elsewhere in emsteer (``bundled``, a local checkpoint folder, a
.gguf file, a hub id). Model args (``-M``): ``vector`` (any file ``--vector`` reads), one of
``relative`` / ``absolute`` / ``multiplier``, ``layer``, ``positions``, ``seed``, ``dtype``,
``device``. Without ``vector`` the model answers unsteered, so the same eval gives the baseline.
Sampling takes ``max_tokens``, ``temperature``, ``top_p`` and ``seed`` from Inspect's settings;
the others that change what is sampled (``stop_seqs``, ``num_choices``, ``top_k``, penalties,
``logit_bias``, ``logprobs``) are refused rather than ignored.

Single-turn chats only (an optional system message and one user message): emsteer's sampler
renders one user turn. Calls are serialised: the steering hooks and the model are shared, and
two generations at once would add the vector twice.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from emsteer.errors import EmsteerError
from emsteer.generation import GenerationRequest, SamplingConfig, derive_seed, generate
from emsteer.steering.hooks import POSITIONS, Positions
from emsteer.steering.magnitude import Magnitude, MagnitudeKind

MAGNITUDE_ARGS: tuple[MagnitudeKind, ...] = ("relative", "absolute", "multiplier")
# GenerateConfig fields that change what is sampled, and the values that change nothing
_NOT_IMPLEMENTED: dict[str, tuple] = {
    "stop_seqs": ([],), "num_choices": (1,), "best_of": (1,), "top_k": (), "frequency_penalty": (0, 0.0),
    "presence_penalty": (0, 0.0), "logit_bias": ({},), "logprobs": (False,), "top_logprobs": (0,),
}


def single_turn(messages: list[ChatMessage]) -> tuple[str | None, str]:
    """(system, user) of a chat with at most one system and exactly one user message."""
    system = [m.text for m in messages if m.role == "system"]
    user = [m.text for m in messages if m.role == "user"]
    others = sorted({m.role for m in messages} - {"system", "user"})
    if others or len(user) != 1 or len(system) > 1:
        raise EmsteerError(f"the emsteer provider answers single-turn chats (one system message at most, one user "
                           f"message); got roles {[m.role for m in messages]}.")
    return (system[0] if system else None), user[0]


class EmsteerAPI(ModelAPI):
    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig = GenerateConfig(), *, vector: str | None = None, layer: int | None = None,
                 relative: float | None = None, absolute: float | None = None, multiplier: float | None = None,
                 positions: Positions = "all", seed: int = 0, dtype: str = "float32", device: str = "cpu",
                 **model_args: Any) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        if model_args:
            raise EmsteerError(f"emsteer provider: unknown model args {sorted(model_args)}; it takes vector, layer, "
                               "relative | absolute | multiplier, positions, seed, dtype, device.")
        given = {k: v for k, v in zip(MAGNITUDE_ARGS, (relative, absolute, multiplier)) if v is not None}
        if positions not in POSITIONS:  # checked here: the unsteered model would never look at it
            raise EmsteerError(f"emsteer provider: -M positions must be one of {', '.join(POSITIONS)}, got {positions!r}.")
        if (vector is None) != (not given) or len(given) > 1:
            raise EmsteerError("emsteer provider: give -M vector=FILE with exactly one of -M relative=ρ, -M absolute=α "
                               "or -M multiplier=m (or neither, for the unsteered model).")
        from emsteer.models import load_model

        self.lm = load_model(None if model_name in ("", "bundled", "default") else model_name, dtype=dtype,
                             device=device, log=lambda _: None)
        self.artifact, self.magnitude = None, None
        if vector is not None:
            from emsteer.steering import import_vector, with_reference_norms

            self.artifact = import_vector(vector, layer=None if layer is None else int(layer))
            with_reference_norms(self.artifact, self.lm)
            (kind, value), = given.items()
            self.magnitude = Magnitude(kind, float(value))
            self.magnitude.alpha(self.artifact, self.artifact.layers[0])  # a missing r_ℓ fails here, not mid-eval
        self.positions, self.seed = positions, int(seed)
        self._asked: Counter = Counter()  # the n-th time a prompt is asked gets the n-th seed
        self._lock = threading.Lock()

    def max_connections(self) -> int:
        return 1  # one local model: requests queue here rather than pile up in threads

    def _check_config(self, config: GenerateConfig) -> None:
        """Settings emsteer's sampler does not implement are refused, not ignored: an eval run with
        ``--stop-seqs`` or ``--num-choices`` must not report answers made without them."""
        given = [f"{name}={getattr(config, name)!r}" for name, neutral in _NOT_IMPLEMENTED.items()
                 if getattr(config, name, None) not in (None, *neutral)]
        if given:
            raise EmsteerError(f"the emsteer provider does not implement {', '.join(given)}; it samples with "
                               "max_tokens, temperature, top_p and seed only. Run the eval without them.")

    def _generate(self, system: str | None, user: str, config: GenerateConfig):
        with self._lock:
            n = self._asked[(system, user)]
            self._asked[(system, user)] += 1
            # a global --seed seeds the run, never one draw: the n-th ask of a prompt draws anew
            seed = derive_seed(self.seed if config.seed is None else config.seed, system, user, n)
            sampling = SamplingConfig(max_new_tokens=config.max_tokens or 200,
                                      temperature=1.0 if config.temperature is None else config.temperature,
                                      top_p=1.0 if config.top_p is None else config.top_p, batch_size=1)
            request = GenerationRequest(user, system, seed=seed, magnitudes=(self.magnitude,) if self.artifact else ())
            (done,) = generate(self.lm, [request], sampling, steering=[self.artifact] if self.artifact else [],
                               positions=self.positions, progress=False)
            return done

    async def generate(self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice,
                       config: GenerateConfig) -> ModelOutput:
        if tools:
            raise EmsteerError("the emsteer provider does not call tools; use a task without tools.")
        self._check_config(config)
        system, user = single_turn(input)
        done = await asyncio.to_thread(self._generate, system, user, config)
        output = ModelOutput.from_content(self.model_name, done.response,
                                          stop_reason="stop" if done.finish_reason == "stop" else "max_tokens")
        output.usage = ModelUsage(input_tokens=done.prompt_tokens, output_tokens=done.completion_tokens,
                                  total_tokens=done.prompt_tokens + done.completion_tokens)
        return output


@modelapi(name="emsteer")
def emsteer_provider() -> type[ModelAPI]:
    return EmsteerAPI
