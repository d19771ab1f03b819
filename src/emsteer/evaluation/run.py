"""The EM evaluation run: generate answers for every condition, judge them, store everything.

Resumable by construction: every answer and every judgment is written to the results store as
soon as its batch finishes, keyed deterministically, and a new run asks the store what is
missing before doing any work. Conditions that differ only by steering share batches (each row
carries its own magnitude), and every condition uses the same per-sample seeds, so differences
between conditions are paired.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from emsteer.data.questions import Question, format_judge_prompt
from emsteer.errors import EmsteerError
from emsteer.evaluation.conditions import Condition
from emsteer.generation import Completion, GenerationRequest, SamplingConfig, as_generator, derive_seed
from emsteer.generation.vllm import VllmModel
from emsteer.judging.base import Judge, JudgeRequest
from emsteer.judging.cache import CachedJudge
from emsteer.judging.failures import JudgeError
from emsteer.judging.prompts import with_default_judges
from emsteer.judging.validity.agreement import judge_agreement
from emsteer.judging.validity.calibration import remembered_calibration
from emsteer.judging.validity.injection import remembered_injection
from emsteer.models import LoadedModel
from emsteer.progress import progress_bar
from emsteer.results.metrics import Summary, summarize
from emsteer.results.records import JudgmentRecord, SampleRecord
from emsteer.results.store import EMBEDDING_METRIC, ResultsStore, sample_id
from emsteer.steering.hooks import Positions

# What answers the questions: a transformers model, or a vLLM engine (``emsteer.generation.vllm``).
Generator = LoadedModel | VllmModel


@dataclass(frozen=True)
class EvalSettings:
    sampling: SamplingConfig = field(default_factory=lambda: SamplingConfig(max_new_tokens=200))
    samples_per_paraphrase: int | None = None  # None: each question's own samples_per_paraphrase
    seed: int = 0
    judge_chunk: int = 32  # judgments written per transaction
    metrics: tuple[str, ...] | None = None  # judge only these metrics (None: every metric the questions define)
    rejudge_missing: bool = False  # also re-ask the judge where its stored judgment is unscored

    def __post_init__(self) -> None:
        n = self.samples_per_paraphrase
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise EmsteerError(f"samples per paraphrase must be a whole number of at least 1 (or None: each "
                               f"question's own), got {n!r}.")


@dataclass(frozen=True)
class PlannedSample:
    question: Question
    paraphrase_index: int
    sample_index: int
    seed: int

    @property
    def text(self) -> str:
        return self.question.paraphrases[self.paraphrase_index]


def plan_samples(questions: Sequence[Question], settings: EvalSettings) -> list[PlannedSample]:
    """Every (question, paraphrase, sample) to ask, with a seed that is the same in every condition."""
    plan = []
    for q in questions:
        n = q.samples_per_paraphrase if settings.samples_per_paraphrase is None else settings.samples_per_paraphrase
        for p in range(len(q.paraphrases)):
            for s in range(n):
                plan.append(PlannedSample(q, p, s, derive_seed(settings.seed, q.id, p, s)))
    return plan


def _rows(condition_id: str, completions: Sequence[Completion], planned: dict[str, PlannedSample],
          purpose: str) -> list[SampleRecord]:
    rows = []
    for c in completions:
        ps = planned[c.request.key]
        rows.append(SampleRecord(
            id=c.request.key, condition_id=condition_id, question_id=ps.question.id,
            paraphrase_index=ps.paraphrase_index, sample_index=ps.sample_index, seed=ps.seed,
            system=c.request.system, question=ps.text, response=c.response, prompt_tokens=c.prompt_tokens,
            completion_tokens=c.completion_tokens, finish_reason=c.finish_reason, purpose=purpose,
        ))
    return rows


def check_asked(store: ResultsStore, ps: PlannedSample, stored: tuple[str, str | None], now: tuple[str, str | None]) -> None:
    """An answer's id holds its question's id, not its text: a question (or system prompt) edited
    since the answer was stored would have the old answer counted as an answer to the new text."""
    if stored == now:
        return
    what, old, new = ("question", stored[0], now[0]) if stored[0] != now[0] else ("system prompt", stored[1], now[1])
    raise EmsteerError(
        f"{store.path}: the stored answers to question {ps.question.id!r} (paraphrase {ps.paraphrase_index}) were "
        f"asked with another {what}: {_short(old)} then, {_short(new)} now. Restore it, or write to another results "
        "file: answers to two texts would be counted as one.")


def _short(text: str | None) -> str:
    return "none" if text is None else repr(text if len(text) <= 60 else text[:57] + "...")


def _generate(model: Generator, adapter: str | None, requests: list[GenerationRequest], sampling: SamplingConfig, *,
              steering: list, positions: Positions, progress: bool, description: str, on_batch) -> None:
    """Answer ``requests`` through the generator protocol (transformers or vLLM), the adapter attached
    for the call, handing each finished batch to ``on_batch``."""
    from emsteer.finetune import adapted

    as_generator(model, attach_adapter=adapted).answer(
        requests, sampling, steering=steering, positions=positions, adapter=adapter, progress=progress,
        description=description, on_batch=on_batch)


def generate_samples(
    lm: Generator,
    conditions: Sequence[Condition],
    questions: Sequence[Question],
    store: ResultsStore,
    settings: EvalSettings,
    *,
    purpose: str = "em",
    progress: bool = True,
) -> int:
    """Generate every missing answer of every condition into ``store``; returns how many were new.

    ``purpose`` tags the samples: "em" for evaluation questions, "in_domain" for narrow-task prompts.
    """
    plan = plan_samples(questions, settings)
    # A condition (and its artifact) is written with its first samples, in one transaction, so a
    # run that fails leaves no condition without answers. ``created`` keeps the listing in the
    # order given, whichever condition's answers come first.
    start = time.time()
    records = [c.record(lm, settings.sampling, settings.seed, created=start + i * 1e-6) for i, c in enumerate(conditions)]
    by_id = {rec.id: (cond, rec) for cond, rec in zip(conditions, records)}
    written: set[str] = set()  # conditions written by this run
    new = 0
    # Conditions without an adapter share the base model: one generation call, mixed batches.
    groups: dict[str | None, list[int]] = {}
    for i, cond in enumerate(conditions):
        groups.setdefault(None if cond.adapter is None else str(cond.adapter), []).append(i)
    for adapter, members in groups.items():
        artifacts: list = []
        index: dict[str, int] = {}
        for i in members:
            aid = records[i].artifact_id
            if aid is not None and aid not in index:
                index[aid] = len(artifacts)
                artifacts.append(conditions[i].artifact)
        positions = {conditions[i].positions for i in members if conditions[i].artifact is not None}
        if len(positions) > 1:  # one hook set per call: split by position mode
            raise ValueError("conditions generated together must share one positions mode")
        planned: dict[str, PlannedSample] = {}
        owner: dict[str, str] = {}
        requests = []
        for i in members:
            cid = records[i].id
            mags: list = [None] * len(artifacts)
            aid = records[i].artifact_id
            if aid is not None:  # the condition steers
                mags[index[aid]] = conditions[i].magnitude
            keys = {sample_id(cid, ps.question.id, ps.paraphrase_index, ps.sample_index, ps.seed): ps for ps in plan}
            done = store.asked(keys)
            for key, ps in keys.items():
                system = conditions[i].system_for(ps.question.system)
                if key in done:
                    check_asked(store, ps, done[key], (ps.text, system))
                    continue
                planned[key], owner[key] = ps, cid
                requests.append(GenerationRequest(ps.text, system, ps.seed, tuple(mags) if artifacts else (), key))
        if not requests:
            continue
        def save(batch: list[Completion]) -> None:
            by_condition: dict[str, list[Completion]] = {}
            for c in batch:
                by_condition.setdefault(owner[c.request.key], []).append(c)
            for cid, items in by_condition.items():
                cond, rec = by_id[cid]
                first = cid not in written
                artifact = (rec.artifact_id, cond.artifact, cond.artifact_path) if first and cond.artifact is not None else None
                store.add_samples(_rows(cid, items, planned, purpose), condition=rec if first else None, artifact=artifact)
                written.add(cid)

        label = "Generating" + (f" (adapter {adapter})" if adapter else "")
        # A condition's positions is a plain string: steer() checks it before any steering.
        _generate(lm, adapter, requests, settings.sampling, steering=artifacts,
                  positions=cast(Positions, next(iter(positions), "all")), progress=progress, description=label,
                  on_batch=save)
        new += len(requests)
    return new


def record_judge(store: ResultsStore, judge: Judge) -> None:
    """Make ``judge`` the store's judge, with what is known of how far to trust it (show/report/audit read it)."""
    store.meta.record_judge(judge.identity, agreement=judge_agreement(judge),
                            calibration=remembered_calibration(judge.identity),
                            injection=remembered_injection(judge.identity))


def judge_samples(
    store: ResultsStore,
    questions: Sequence[Question],
    judge: Judge,
    *,
    condition_ids: Sequence[str] | None = None,
    embedder=None,
    chunk: int = 32,
    default_judges: bool = True,
    metrics: Sequence[str] | None = None,
    rejudge_missing: bool = False,
    progress: bool = True,
) -> int:
    """Judge every stored answer that lacks a judgment from ``judge`` for a metric its question defines.

    ``default_judges`` adds the project's aligned/coherent/relevant prompts where a question lacks them.
    ``rejudge_missing`` also re-asks where the stored judgment is unscored (the judge answered in
    words), past the judgment cache; a new answer replaces the unscored one.
    """
    by_id = {q.id: q for q in (with_default_judges(questions) if default_judges else questions)}
    defined = sorted({m for q in by_id.values() for m in q.judge_prompts})
    todo: list[tuple[str, SampleRecord, str]] = []  # (metric, sample, judge prompt)
    redo: list[tuple[str, SampleRecord, str]] = []
    for metric in defined if metrics is None else [m for m in defined if m in metrics]:
        pending = [(todo, s) for s in store.unjudged(metric, judge.identity, condition_ids)]
        if rejudge_missing:
            pending += [(redo, s) for s in store.unscored(metric, judge.identity, condition_ids)]
        for into, s in pending:
            q = by_id.get(s.question_id)
            if q is not None and metric in q.judge_prompts:
                into.append((metric, s, format_judge_prompt(q.judge_prompts[metric], s.question, s.response)))
    emb_todo = store.unjudged(EMBEDDING_METRIC, embedder.identity, condition_ids, purpose="em") if embedder is not None else []
    with progress_bar(progress) as bar:
        for items, refresh in ((todo, False), (redo, True)):
            if not items:
                continue
            label = "Re-judging unscored" if refresh else "Judging"
            task = bar.add_task(f"{label} ({judge.identity})", total=len(items), info="")
            for start in range(0, len(items), chunk):
                part = items[start : start + chunk]
                reqs = [JudgeRequest(metric, prompt, s.question, s.response) for metric, s, prompt in part]
                try:
                    # Only the cache wrapper takes refresh: any other judge is asked afresh anyway.
                    results = judge.judge(reqs, refresh=True) if refresh and isinstance(judge, CachedJudge) else judge.judge(reqs)
                except (KeyboardInterrupt, JudgeError) as e:  # keep every judgment that arrived, then stop
                    _keep(store, judge, part, getattr(e, "partial", None) or [])
                    raise
                _keep(store, judge, part, results)
                bar.advance(task, len(part))
        if emb_todo:
            task = bar.add_task("Embedding relevance", total=len(emb_todo), info="")
            for start in range(0, len(emb_todo), 256):
                emb_part = emb_todo[start : start + 256]
                scores = embedder.score([(s.question, s.response) for s in emb_part])
                store.add_judgments([JudgmentRecord(s.id, EMBEDDING_METRIC, embedder.identity, float(v))
                                     for s, v in zip(emb_part, scores)])
                bar.advance(task, len(emb_part))
    return len(todo) + len(redo) + len(emb_todo)


def _keep(store: ResultsStore, judge: Judge, part, results) -> None:
    """Store the judgments of ``part`` that arrived (None where none did; failed ones are skipped)."""
    store.add_judgments([JudgmentRecord(s.id, metric, judge.identity, j.score, j.numeric_mass, j.label)
                         for (metric, s, _), j in zip(part, results) if j is not None])


def evaluate(
    lm: Generator,
    conditions: Sequence[Condition],
    questions: Sequence[Question],
    store: ResultsStore,
    judge: Judge,
    settings: EvalSettings = EvalSettings(),
    *,
    embedder=None,
    progress: bool = True,
) -> dict[str, Summary]:
    """Generate, judge and summarise every condition; returns summaries keyed by condition name."""
    record_judge(store, judge)
    generate_samples(lm, conditions, questions, store, settings, progress=progress)
    ids = [c.record(lm, settings.sampling, settings.seed).id for c in conditions]
    judge_samples(store, questions, judge, condition_ids=ids, embedder=embedder, chunk=settings.judge_chunk,
                  metrics=settings.metrics, rejudge_missing=settings.rejudge_missing, progress=progress)
    return {c.name: summarize(store.answer_scores(cid, judge.identity)) for c, cid in zip(conditions, ids)}


def answering_engine(lm: LoadedModel, conditions: Sequence[Condition], *, backend: str = "transformers",
                     model: str | None = None, dtype: str = "float32", log=print) -> LoadedModel | VllmModel:
    """What answers the conditions' questions: ``lm`` itself, or with ``backend="vllm"`` a vLLM
    engine on the same model (the spec ``model``, as given to load_model), its LoRA slots sized
    for the largest adapter among the conditions."""
    if backend != "vllm":
        return lm
    from emsteer.generation.vllm import adapter_rank, load_vllm

    ranks = [adapter_rank(c.adapter) for c in conditions if c.adapter is not None]
    return load_vllm(model, dtype=dtype, lora_rank=max(ranks, default=0), log=log)


def check_fits(lm: LoadedModel, questions: Sequence[Question], source=None, artifact=None, vector=None) -> None:
    """What needs the model but must fail before a results file is created: the vector's hidden
    size and layers (``vector``: its path, for the message), and questions that do not fit the
    model's context (``source``: where they came from)."""
    from emsteer.models.loading import question_prompts
    from emsteer.steering.hooks import check_fits as check_artifact_fits

    if artifact is not None:
        check_artifact_fits(lm, artifact, str(vector))
    lm.check_prompts(question_prompts(questions, source))

