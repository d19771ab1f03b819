"""emsteer generate: ask questions to a steered model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.panel import Panel
from rich.text import Text

from emsteer.cli.common import _deprecated, _load, out
from emsteer.cli.options import BackendOpt, DeviceOpt, DtypeOpt, ModelOpt, _non_negative, _probability
from emsteer.errors import EmsteerError


def generate(
    questions: Annotated[list[str], typer.Argument(help="One or more questions to ask.")],
    model: ModelOpt = None,
    vector: Annotated[Optional[Path], typer.Option("--vector", "-v", help="Steering artifact: emsteer .safetensors, "
                      "plain .safetensors/.pt/.pth, or a llama.cpp/repeng control-vector .gguf.")] = None,
    layer: Annotated[Optional[int], typer.Option(min=0, help="Layer to steer (0-based block output). Needed for vectors "
                     "whose file does not name it; picks one layer of a multi-layer file.")] = None,
    relative: Annotated[list[float], typer.Option("--relative", "-r", help="Relative magnitude ρ: α = ρ·r_ℓ (the "
                        "layer's reference norm). Several (--relative 0.1 0.3) sweep in one batch.")] = [],
    absolute: Annotated[list[float], typer.Option("--absolute", "-a", help="Absolute magnitude α (h' = h + α·v̂); several allowed.")] = [],
    multiplier: Annotated[list[float], typer.Option("--multiplier", help="Multiplier m: α = m·‖v‖ (1 = the vector as built); several allowed.")] = [],
    positions: Annotated[str, typer.Option(help="Where to steer: all, prompt or generated tokens.")] = "all",
    compare: Annotated[bool, typer.Option(help="Also sample the unsteered model with the same seeds.")] = False,
    samples: Annotated[int, typer.Option("--samples", "-s", min=1, help="Samples per question and magnitude.")] = 1,
    n: Annotated[Optional[int], typer.Option("--n", "-n", min=1, hidden=True, help="Deprecated: --samples.")] = None,
    seed: Annotated[int, typer.Option(help="Run seed; every sample's own seed derives from it.")] = 0,
    system: Annotated[Optional[str], typer.Option(help="System prompt (merged into the user turn for models without a system role).")] = None,
    temperature: Annotated[float, typer.Option(callback=_non_negative, help="Sampling temperature; 0 = greedy.")] = 1.0,
    top_p: Annotated[float, typer.Option(callback=_probability, help="Nucleus sampling mass.")] = 1.0,
    max_new_tokens: Annotated[int, typer.Option(min=1, help="Maximum tokens per answer.")] = 200,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per forward pass (more is faster, up to memory; answers do not depend on it).")] = 64,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of panels.")] = False,
    dtype: DtypeOpt = "float32",
    device: DeviceOpt = "cpu",
    backend: BackendOpt = "transformers",
) -> None:
    """Ask questions to a model steered by a vector at one or more magnitudes.

    All magnitudes (and the baseline with --compare) run in one batch with shared seeds.

    Example: emsteer generate "hey I feel bored" --vector v.safetensors --relative 0.05 0.1 --samples 4 --compare
    """
    from emsteer.generation import GenerationRequest, SamplingConfig, check_backend, derive_seed
    from emsteer.generation import generate as run_generation
    from emsteer.steering import import_vector, magnitudes, with_reference_norms

    if n is not None:
        _deprecated("--n", "--samples (-s)")
        samples = n
    check_backend(backend)
    mags = magnitudes(relative, absolute, multiplier)
    if vector is None and mags:
        raise EmsteerError("A magnitude was given without --vector.")
    if vector is not None and not mags:
        raise EmsteerError("--vector needs a magnitude: --relative, --absolute or --multiplier.")
    sampling = SamplingConfig(max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, batch_size=batch_size)
    artifact = import_vector(vector, layer=layer) if vector is not None else None
    needs_norms = artifact is not None and any(m.kind == "relative" for m in mags) and any(
        layer not in artifact.reference_norms for layer in artifact.layers)
    # vLLM cannot read the residual stream: the transformers model measures missing reference norms
    lm = _load(model, dtype, device) if backend == "transformers" or needs_norms else None
    steering = []
    if artifact is not None:
        if needs_norms:
            assert lm is not None  # loaded above whenever norms are missing
            with_reference_norms(artifact, lm)
        steering = [artifact]
    conditions: list = ([None] if compare or artifact is None else []) + mags
    requests = [
        GenerationRequest(q, system, derive_seed(seed, q, i), (m,) if steering else (), key=str(m or "baseline"))
        for q in questions for m in conditions for i in range(samples)
    ]
    if backend == "vllm":
        from emsteer.generation import generate_vllm, load_vllm

        del lm  # free the measuring model before vLLM loads its own copy
        vm = load_vllm(model, dtype=dtype)
        results = generate_vllm(vm, requests, sampling, steering=steering, positions=positions)
    else:
        results = run_generation(lm, requests, sampling, steering=steering, positions=positions)  # type: ignore[arg-type]
    for c in results:
        m = c.request.magnitudes[0] if c.request.magnitudes else None
        alpha: float | None = None
        rho: float | None = None
        if m is not None:
            assert artifact is not None  # requests carry a magnitude only with the artifact
            alpha, rho = m.alpha(artifact, artifact.layers[0]), m.rho(artifact, artifact.layers[0])
        record = {
            "question": c.request.user,
            "condition": c.request.key,
            "alpha": alpha,
            "rho": rho,
            "seed": c.request.seed,
            "response": c.response,
            "prompt_tokens": c.prompt_tokens,
            "completion_tokens": c.completion_tokens,
            "finish_reason": c.finish_reason,
        }
        if as_json:
            typer.echo(json.dumps(record, ensure_ascii=False))
            continue
        label = "baseline" if m is None else f"{m} · α={record['alpha']:.3g}" + (
            f" · ρ={record['rho']:.3g}" if m.kind != "relative" and record["rho"] is not None else "")
        out.print(Panel(Text(c.response) if c.response else Text("(empty)", style="dim"),
                        title=Text(c.request.user, style="bold"),
                        subtitle=Text(f"{label} · {c.completion_tokens} tokens · {c.finish_reason}"), title_align="left"))
