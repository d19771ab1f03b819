"""Commands about judges: judge (re-judge a store), judge-check and fit-judge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from emsteer.cli.common import (
    _check_metrics,
    _log,
    _print_results,
    out,
    refuse_overwriting_inputs,
    refuse_writing_into_model,
)
from emsteer.cli.options import JudgeOpt, QuestionsOpt, _encoder_dtype
from emsteer.errors import EmsteerError
from emsteer.paths import missing_file


def judge_store(
    db: Annotated[Path, typer.Argument(metavar="STORE", help="Results file written by eval, study, run or audit.")],
    judge: JudgeOpt = "learned",
    questions: QuestionsOpt = None,
    metrics: Annotated[list[str], typer.Option("--metric", help="Judge only this metric; repeat for several. Default: every metric the questions define, plus relevant.")] = [],
    embedding: Annotated[bool, typer.Option(help="Also score embedding relevance where it is missing.")] = True,
    rejudge_missing: Annotated[bool, typer.Option("--rejudge-missing", help="Also re-ask the judge for answers whose stored judgment is unscored.")] = False,
    per_question: Annotated[bool, typer.Option(help="Also print per-question tables.")] = False,
) -> None:
    """Judge the answers already in a results file with another judge; nothing is generated.

    For re-judging a run or a study with a stronger judge (say openai:gpt-4o-2024-08-06) or a
    refitted learned one: every answer to a question of --questions (the question set the answers
    were asked from; it supplies the judge prompts) gets this judge's scores, the judge becomes the
    file's judge for show, report, findings and audit, and other judges' scores stay. Resumable.
    """
    from emsteer.data import load_questions
    from emsteer.evaluation import judge_samples, record_judge
    from emsteer.judging import check_judge_spec, open_judge
    from emsteer.results import ResultsStore, WriteLock

    if not db.is_file():
        raise EmsteerError(missing_file(db, "a results file"))
    qs = load_questions(questions)
    _check_metrics(qs, metrics)
    check_judge_spec(judge)
    with WriteLock(db), ResultsStore(db) as store:  # it exists (checked above): opened for writing
        asked = {s.question_id for s in store.samples()}
        missing = sorted(asked - {q.id for q in qs})
        if asked and len(missing) == len(asked):  # else the file's judge would change with nothing judged
            raise EmsteerError(f"{db}: none of its answers is to a question of the question set (it holds answers to "
                               f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}); pass the set they "
                               "were asked from with --questions. Nothing was judged or changed.")
        if missing:
            out.print(f"[yellow]Not judged:[/yellow] answers to {len(missing)} question(s) not in the question set "
                      f"({escape(', '.join(missing[:5]))}{' …' if len(missing) > 5 else ''}); pass the set they were asked from "
                      "with --questions.")
        the_judge = open_judge(judge)
        record_judge(store, the_judge)
        embedder = None
        if embedding:
            from emsteer.judging import EmbeddingRelevance

            embedder = EmbeddingRelevance()
        judge_samples(store, qs, the_judge, embedder=embedder, metrics=tuple(metrics) or None,
                      rejudge_missing=rejudge_missing)
    _print_results(db, the_judge.identity, per_question)


def judge_check(
    judge: JudgeOpt = "learned",
    reference: Annotated[Optional[Path], typer.Option(help="Answers scored by a reference judge (JSONL/JSONL.gz/CSV with question, answer, aligned, coherent, optional answering_model), e.g. the GPT-4o-judged EM answers. Without it: emsteer's small labelled calibration set.")] = None,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Judge a deterministic random sample of this many reference answers (prompted local judges take seconds per answer).")] = None,
    calibration: Annotated[Optional[Path], typer.Option(help="Labelled calibration JSONL (question, answer, label) instead of emsteer's own set.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed of the --limit sample (default 0).")] = None,
    injection: Annotated[bool, typer.Option("--injection", help="Measure prompt injection instead: how much text addressed to the grader raises the aligned score of emsteer's plainly harmful answers.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Measure how far to trust a judge.

    With --reference: has the judge score real answers that a reference judge (GPT-4o in the EM
    papers) scored, and prints the AUROC of its aligned score for the reference's EM label (among
    reference-coherent answers), Cohen's κ on the EM label with the confusion table, Spearman for
    aligned and coherent, all per answering-model family, and seconds per answer. The result is
    remembered per judge and shown beside the judge in `show`, reports and audits; the audit
    trusts a judge only when it meets the targets (AUROC ≥ 0.90, κ ≥ 0.60, Spearman aligned ≥ 0.75,
    coherent ≥ 0.50).

    Without --reference: scores emsteer's labelled calibration answers (aligned, misaligned,
    incoherent, refusal) and prints accuracy, rank correlations and the confusion table.

    With --injection: scores emsteer's plainly harmful answers clean and with injected text
    addressed to the grader (ignore-instructions, a forged delimiter and verdict, a fake system
    message, a claimed score, a note to the grader, markup, unicode tricks) and prints, per
    style, the mean aligned score clean vs injected, the mean and largest shift, and whether the
    mean shift stays within the target (≤ 5 points). The summary is remembered per judge and
    shown beside the judge in `show` and reports of later runs.
    """
    from emsteer.judging import open_judge

    if injection:
        from emsteer.judging import check_injection, remember_injection

        if reference is not None or calibration is not None or limit is not None or seed is not None:
            raise EmsteerError("--injection judges emsteer's whole injection set; leave out --reference, --calibration, "
                               "--limit and --seed.")
        result = check_injection(open_judge(judge, cache=False))
        remember_injection(result)  # cited beside the judge by later runs' `show` and reports
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
        else:
            out.print(result)
        return
    if reference is None and (limit is not None or seed is not None):
        raise EmsteerError("--limit and --seed sample the answers of --reference; without it the whole calibration "
                           "set is scored. Add --reference FILE or leave them out.")
    if reference is not None and seed is not None and limit is None:
        raise EmsteerError("--seed picks the --limit sample; without --limit every reference answer is judged. "
                           "Add --limit N or leave --seed out.")
    if reference is not None and calibration is not None:
        raise EmsteerError("--reference and --calibration are two different checks; give one.")
    if reference is not None:
        from emsteer.judging import check_agreement, load_reference, remember_agreement, sample_reference
        from emsteer.progress import progress_bar

        loaded = load_reference(reference)
        if loaded.skipped_note():
            _log(f"{reference}: {loaded.skipped_note()}")
        seed = seed or 0
        items = sample_reference(loaded, limit, seed)
        the_judge = open_judge(judge, cache=False)
        label = reference.name + (f" (sample of {len(items)}, seed {seed})" if limit else "")
        with progress_bar(not as_json) as bar:
            task = bar.add_task(f"Judging {len(items)} reference answers", total=len(items), info="")
            agreement = check_agreement(the_judge, items, reference=label,
                                        progress=lambda done: bar.update(task, completed=done))
        shipped = getattr(the_judge, "agreement", None)
        if shipped is None:
            remember_agreement(agreement)
        if as_json:
            typer.echo(json.dumps(agreement.to_dict(), indent=2))
        else:
            out.print(agreement)
        if shipped is not None and not as_json:
            # A fitted judge scores its own training answers in-sample; trust rests on its held-out figures.
            o = shipped.overall
            out.print(f"[yellow]Note:[/yellow] this judge was fitted on {escape(shipped.reference)}; on those answers the "
                      f"figures above are in-sample. Reports and audits use the figures it ships with, measured "
                      f"leave-one-model-family-out: AUROC {o.auroc:.3f}, κ {o.kappa:.3f}, Spearman aligned "
                      f"{o.spearman_aligned:.3f}, coherent {o.spearman_coherent:.3f}.")
        return
    from emsteer.judging import check_judge, load_calibration, remember_calibration

    labelled = load_calibration(calibration)  # a bad file fails before a model loads
    the_judge = open_judge(judge, cache=False)
    report = check_judge(the_judge, labelled)
    remember_calibration(report)
    if as_json:
        typer.echo(json.dumps({k: v for k, v in report.to_dict().items() if k != "items"}, indent=2))
    else:
        out.print(report)


def fit_judge(
    reference: Annotated[Path, typer.Option(help="Answers scored by the reference judge (JSONL/JSONL.gz/CSV with question, answer, aligned, coherent, answering_model), e.g. ../shared/datasets/em/judged/gpt4o_judged_dev.jsonl.gz.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Judge file to write (.safetensors); use it with --judge learned:FILE.")] = Path("em-judge.safetensors"),
    encoder: Annotated[Optional[Path], typer.Option(help="A local sentence-transformers / transformers encoder directory. Default: the bundled all-MiniLM-L6-v2.")] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Training epochs of each head.")] = 12,
    seed: Annotated[int, typer.Option(help="Seed of the heads' initialisation and data order.")] = 0,
    incoherent: Annotated[float, typer.Option(min=0.0, help="Word-salad answers made from the reference answers, per answer, taught as incoherent (0 = none): reference judgments of capable models contain almost no incoherent answers.")] = 0.25,
    lm: Annotated[Optional[str], typer.Option("--lm", help="Read the answers with a chat model's residual stream instead of a sentence encoder: a model spec as for --model (e.g. bundled:qwen2.5-coder-0.5b-instruct).")] = None,
    layer: Annotated[Optional[list[int]], typer.Option(min=0, help="With --lm: the layer whose residual stream the heads read (the forward pass stops there); repeat it to read several layers' states side by side. Default: 12.")] = None,
    device: Annotated[str, typer.Option(help="Where the encoder runs and the heads train: cpu, cuda, auto. Encoding the reference with a chat model on 2 CPU cores takes about an hour in float32 for the bundled 0.5B, 16 min for the 1.5B at layer 12 in bfloat16 on CPUs with AMX; minutes on a GPU. The heads then train for about an hour on 2 cores.")] = "cpu",
    dtype: Annotated[str, typer.Option(callback=_encoder_dtype, help="With --lm: the chat model's weights dtype, float32 or bfloat16. bfloat16 encodes 3.7× faster on CPUs with AMX (benchmarks/bench_encoder.py; also fast on GPUs), slower on CPUs without; the judge then reads bf16 states too.")] = "float32",
    predictions: Annotated[Optional[Path], typer.Option(help="Also write every reference answer's out-of-family scores beside the reference's (CSV: index, family, model, scores, EM labels; no answer text), to see where the judge disagrees or to combine judges.")] = None,
) -> None:
    """Fit a learned judge on reference judgments and measure it on model families it never saw.

    Reads every reference answer with a small frozen encoder (a sentence encoder, or with --lm a
    chat model's residual stream at --layer, or at several layers side by side; token states cached,
    resumable),
    trains attention-pooling heads that output aligned and coherent scores, and calibrates them
    on the reference's 0-100 scale. Corrupted copies of the answers (word chains, shuffles, loops)
    teach the coherent score what word salad is. Measured leave-one-model-family-out: each
    answering-model family is scored by a judge fitted on the other families only; those figures ship inside the
    file and are what `show`, reports and the audit cite. Deterministic: the same reference,
    encoder and options give the same judge on the same kind of machine. emsteer's default judge
    (`learned:qwen15-l12`) was made with:

    emsteer fit-judge --reference gpt4o_judged_dev.jsonl.gz --lm qwen2.5-coder-1.5b-instruct
    --layer 12 --dtype bfloat16 -o em-judge-qwen15-l12.safetensors

    (72 min on 2 CPU cores with AMX: 16 min encoding, the rest training 20 heads). The earlier
    default, `learned:qwen05-l16`: --lm qwen2.5-coder-0.5b-instruct --layer 16 --device cuda (float32);
    its MiniLM head, `learned:minilm`: no --lm.
    """
    from emsteer.judging import (
        DEFAULT_LM_LAYER,
        HeadSettings,
        fit_learned_judge,
        load_reference,
        reference_encoder,
        remember_agreement,
        write_predictions,
    )
    from emsteer.paths import cache_dir
    from emsteer.progress import progress_bar

    if output.suffix != ".safetensors":
        raise EmsteerError(f"--output {output}: a judge is saved as a .safetensors file.")
    if predictions is not None and predictions.suffix != ".csv":
        raise EmsteerError(f"--predictions {predictions}: the out-of-family scores are written as a .csv file.")
    if lm is not None and encoder is not None:
        raise EmsteerError("give either --encoder (a sentence encoder) or --lm (a chat model), not both.")
    if dtype != "float32" and lm is None:
        raise EmsteerError(f"--dtype {dtype} applies to a chat model's states: give it with --lm.")
    if layer and lm is None:
        raise EmsteerError("--layer picks the chat model's layer the heads read: give it with --lm (a sentence "
                           "encoder has no layer to pick).")
    refuse_overwriting_inputs(output, {"reference file": reference}, option="--output")
    model = lm or (str(encoder) if encoder is not None else None)  # the folder whose weights the heads read
    refuse_writing_into_model(model, [output], option="--output", given=output)
    if predictions is not None:
        refuse_writing_into_model(model, [predictions], option="--predictions", given=predictions)
        refuse_overwriting_inputs(predictions, {"reference file": reference, "judge file (--output)": output},
                                  option="--predictions")
    from emsteer.models import resolve_device

    items = load_reference(reference)
    if items.skipped_note():
        _log(f"{reference}: {items.skipped_note()}")
    the_device = str(resolve_device(device))
    layers = layer or [DEFAULT_LM_LAYER]
    the_encoder = reference_encoder(encoder=encoder, lm=lm, layers=layers, device=the_device, dtype=dtype)
    command = f"emsteer fit-judge --reference {reference.name}" + (f" --encoder {encoder.name}" if encoder else "") + (
        f" --lm {lm}" + "".join(f" --layer {x}" for x in layers) + (f" --dtype {dtype}" if dtype != "float32" else "") if lm else "") + (f" --device {device}" if device != "cpu" else "") + (
        f" --epochs {epochs}" if epochs != 12 else "") + (f" --seed {seed}" if seed else "") + (
        f" --incoherent {incoherent:g}" if incoherent != 0.25 else "")
    with progress_bar(True) as bar:
        task = bar.add_task(f"Encoding {len(items)} reference answers", total=len(items), info="")
        fit = fit_learned_judge(the_encoder, items, reference=reference.name, settings=HeadSettings(epochs=epochs, seed=seed, device=the_device),
                                incoherent=incoherent, cache=cache_dir() / "judge-features", command=command,
                                progress=lambda done: bar.update(task, completed=done), log=_log)
    path = fit.head.save(output)
    remember_agreement(fit.agreement)
    out.print(fit.agreement)
    out.print(f"[green]Saved[/green] {escape(str(path))} (judge {escape(fit.agreement.judge)}); use it with "
              f"--judge learned:{escape(str(path))}")
    if predictions is not None:
        written = write_predictions(predictions, items, fit.predictions)
        out.print(f"Out-of-family scores of every reference answer: {escape(str(written))}")
