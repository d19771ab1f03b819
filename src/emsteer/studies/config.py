"""Study configuration: a YAML file describing a grid of factors, validated before any work.

Errors name the file and the field (``methods[2]``, ``magnitudes.relative``) and what was
expected. Every field has a sensible default, so a study file lists only what it varies.

A study file is validated whole before anything is written: the YAML is bounded (size,
nesting, alias expansion), ``name`` is a name (letters, digits, ``._-``), ``output`` must lie
inside the config's folder (a shared study file cannot write elsewhere; ``emsteer run --output``
can), and the files, tasks, questions and judges it names must exist.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from emsteer.errors import EmsteerError
from emsteer.paths import missing_file
from emsteer.yamlio import check_file_size, compose_bounded, construct

BASELINE_METHOD, LORA_METHOD = "none", "lora"  # the grid's other two "methods"; steering ones: emsteer.methods


def steering_methods() -> list[str]:
    """The registry's construction methods (imported when a config is checked, not at import)."""
    from emsteer.methods import method_names

    return method_names()


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
MAX_STUDY_FILE_BYTES = 1024 * 1024


def _not_a_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a number, not true/false")
    return value


# Numbers in a study file are taken as written or refused, never quietly changed: a count is a
# whole number (YAML `true` or 2.5 is not 1 or 2), a float is finite (.nan or .inf is not a
# learning rate or a magnitude).
Int = Annotated[int, Strict()]
Finite = Annotated[float, BeforeValidator(_not_a_bool), Field(allow_inf_nan=False)]


def slug(text: str) -> str:
    """A name as one path component (a model id, a task name): what the study's folders are called."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:80]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskSpec(_Strict):
    name: str
    path: Path | None = None  # JSONL(.gz) of the narrow task; default: the task registry
    safe_path: Path | None = None  # paired safe answers for mean-diff / pca / svd
    behaviour: str | None = None  # what the in-domain judge looks for; default: the registry's


class Magnitudes(_Strict):
    relative: list[Finite] = Field(default_factory=list)  # ρ: α = ρ·r_ℓ
    absolute: list[Finite] = Field(default_factory=list)  # α
    multiplier: list[Finite] = Field(default_factory=list)  # m: α = m·‖v‖ (1 = as built)
    # f: ρ = f·ρ*, where ρ* matches the study's LoRA on held-out NLL (evaluation/matching.py)
    matched: list[Annotated[Finite, Field(gt=0)]] = Field(default_factory=list)

    def all(self):
        from emsteer.steering.magnitude import magnitudes

        return magnitudes(self.relative, self.absolute, self.multiplier)


LrScheduleName = Literal["constant", "linear"]  # training.objective.LrSchedule


class TrainSettings(_Strict):
    examples: Int | None = Field(64, ge=1)  # training examples (None: all)
    held_out: Int = Field(16, ge=1)  # held-out examples for narrow-task efficacy
    lr: Finite | None = Field(None, gt=0)  # None: each method's default
    # trained vectors and subspaces: lr is the peak of this schedule, after warmup_steps of linear warmup from 0
    lr_schedule: LrScheduleName = "constant"
    warmup_steps: Int = Field(0, ge=0)
    batch_size: Int = Field(4, ge=1)
    max_length: Int = Field(256, ge=16)
    # A resumable checkpoint of a trained vector or subspace every N optimizer steps (0: never).
    checkpoint_every: Int = Field(50, ge=0)
    # GPU memory savers for trained vectors, subspaces and LoRA (training.objective.MemorySavers)
    mixed_precision: bool = False
    gradient_checkpointing: bool = False

    def memory(self):
        from emsteer.training.objective import MemorySavers

        return MemorySavers(self.mixed_precision, self.gradient_checkpointing)


class LoraSettings(_Strict):
    rank: Int = Field(8, ge=1)
    alpha: Finite = Field(16, gt=0)
    target: Literal["all-linear", "down_proj"] = "all-linear"
    layers: list[Annotated[Int, Field(ge=0)]] | None = None
    lr: Finite = Field(2e-4, gt=0)  # the peak of lr_schedule
    lr_schedule: LrScheduleName = "constant"  # linear: decays to 0 over the run, as Hugging Face's
    warmup_steps: Int = Field(0, ge=0)  # optimizer steps of linear warmup from 0 to lr
    weight_decay: Finite = Field(0.0, ge=0)  # AdamW's
    batch_size: Int = Field(4, ge=1)
    # Micro-batches per optimizer step. Not only memory: batches are sorted by length within windows
    # of batch_size × 8 examples, so batch 16 makes steps of similar lengths (short answers' tokens
    # then weigh about 1.5× as much in bad_medical_advice) where batch 2 × 8 steps over a random 16.
    grad_accum: Int = Field(1, ge=1)
    # A resumable checkpoint every N optimizer steps (0: never): a killed study continues mid-epoch.
    checkpoint_every: Int = Field(50, ge=0)


class EvalSettingsSpec(_Strict):
    questions: Path | None = None  # YAML question file or a named set (betley-all, em-all, ...); default: everyday
    question_ids: list[str] | None = None  # a subset of the question set
    paraphrases: Int | None = Field(None, ge=1)  # use at most this many paraphrases per question
    samples: Int | None = Field(None, ge=1)  # per paraphrase; default: each question's own
    # The answers' sampling seed (default: the study seed). A confirmation stage sets its own, so
    # its answers are fresh draws, independent of the screening answers that selected its cells.
    seed: Int | None = None
    max_new_tokens: Int = Field(200, ge=1)
    temperature: Finite = Field(1.0, ge=0)
    top_p: Finite = Field(1.0, gt=0, le=1)
    batch_size: Int = Field(64, ge=1)  # rows per generation batch; answers do not depend on it
    positions: Literal["all", "prompt", "generated"] = "all"
    # judge only these metrics (default: every metric the questions define: aligned, coherent, relevant)
    metrics: list[str] | None = Field(None, min_length=1)


class EfficacySettings(_Strict):
    heldout_nll: bool = True
    generate: Int = Field(8, ge=0)  # held-out prompts answered and judged in-domain (0: skip)


class ComparisonSpec(_Strict):
    """A comparison declared before the run (evaluation/comparisons.py): the cells it picks by
    their factors, against what, in which direction."""

    condition: dict[str, str | Int | Finite] = Field(min_length=1)  # e.g. {method: optimized, rho: 0.1}
    against: Literal["baseline", "random"] = "baseline"
    alternative: Literal["greater", "two-sided"] = "greater"

    @field_validator("condition")
    @classmethod
    def _known_keys(cls, condition: dict) -> dict:
        from emsteer.evaluation.comparisons import FILTER_KEYS

        unknown = sorted(set(condition) - set(FILTER_KEYS))
        if unknown:
            raise ValueError(f"unknown factor(s) {', '.join(unknown)}; pick cells by {', '.join(FILTER_KEYS)}")
        return condition


def _default_tasks() -> list[str | TaskSpec]:  # a function, not a lambda: mypy would infer list[str]
    return ["insecure_code"]


class StudyConfig(_Strict):
    name: str = Field(min_length=1)
    output: Path | None = None  # default: runs/<name> next to the config file
    models: list[str] = Field(default_factory=lambda: ["bundled:qwen2.5-coder-0.5b-instruct"], min_length=1)
    dtype: Literal["float32", "bfloat16", "float16", "auto"] = "float32"
    device: str = "cpu"
    device_map: str | None = None  # auto | balanced | sequential | "cuda:0,cuda:1": one model over several GPUs
    # What answers the questions: transformers, or a vLLM engine (steering and LoRA per request; the
    # transformers model still trains the artifacts and measures efficacy). Serial runs only.
    backend: Literal["transformers", "vllm"] = "transformers"
    tasks: list[str | TaskSpec] = Field(default_factory=_default_tasks, min_length=1)
    methods: list[str] = Field(default_factory=lambda: ["none", "optimized", "lora"], min_length=1)
    layers: list[int | float] | None = None  # ints: block index; floats in (0,1): fraction of depth
    magnitudes: Magnitudes = Field(default_factory=lambda: Magnitudes(relative=[0.1, 0.2, 0.4]))
    ranks: list[Int] = Field(default_factory=lambda: [4], min_length=1)
    epochs: list[Int] = Field(default_factory=lambda: [1], min_length=1)
    seeds: list[Int] = Field(default_factory=lambda: [0], min_length=1)
    train: TrainSettings = Field(default_factory=TrainSettings)
    lora: LoraSettings = Field(default_factory=LoraSettings)
    eval: EvalSettingsSpec = Field(default_factory=EvalSettingsSpec)
    judge: str | list[str] = "learned"  # the first judge is the study's primary judge
    # The positive control evaluated beside the baseline of every model: finetuned (LoRA on the
    # built-in misaligned_persona task), persona (a system prompt) or none.
    control: Literal["finetuned", "persona", "none"] = "finetuned"
    embedding: bool = True
    efficacy: EfficacySettings = Field(default_factory=EfficacySettings)
    # Confirmatory comparisons, declared before the run: one family, Holm/BH-adjusted. Without
    # any, every comparison the study prints is exploratory (a screening stage declares none).
    comparisons: list[ComparisonSpec] = Field(default_factory=list)
    # Seeded random directions evaluated at every steered layer and magnitude (norm r_ℓ): the
    # comparator of `against: random` (relative or absolute magnitudes, which do not depend on it).
    random_directions: Int = Field(0, ge=0)

    @field_validator("name")
    @classmethod
    def _a_name(cls, name: str) -> str:
        if not NAME.fullmatch(name):
            raise ValueError(f"must be a name of letters, digits, '.', '_' and '-' (starting with a letter or digit, "
                             f"at most 100 characters), not a path; got {name!r}")
        return name

    @field_validator("device")
    @classmethod
    def _a_device(cls, device: str) -> str:
        from emsteer.models.loading import check_device

        try:  # the form only: whether this machine has the device is checked when the study runs
            check_device(device, option="device")
        except EmsteerError:
            raise ValueError(f"{device!r} is not a device emsteer can use; choose cpu, cuda, cuda:N, mps or auto") from None
        return device

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, methods: list[str]) -> list[str]:
        out = []
        for m in methods:
            key = m.strip().lower().replace("_", "-")
            known = [BASELINE_METHOD, *steering_methods(), LORA_METHOD]
            if key not in known:
                raise ValueError(f"unknown method {m!r}; choose from {', '.join(known)}")
            out.append(key)
        if len(set(out)) != len(out):
            raise ValueError("a method is listed twice")
        return out

    @field_validator("judge")
    @classmethod
    def _a_judge(cls, judge: str | list[str]) -> str | list[str]:
        if isinstance(judge, list) and not judge:
            raise ValueError("name at least one judge (the first is the study's primary judge)")
        return judge

    @field_validator("tasks")
    @classmethod
    def _tasks_apart(cls, tasks: list) -> list:
        folders: dict[str, str] = {}  # each task's adapters, artifacts and efficacy live under its name
        for i, task in enumerate(tasks):
            name = task if isinstance(task, str) else task.name
            if slug(name) in folders:
                raise ValueError(f"tasks[{i}] {name!r} has the name (or folder name) of {folders[slug(name)]!r}; "
                                 "give each task its own name")
            folders[slug(name)] = name
        return tasks

    @field_validator("ranks", "epochs")
    @classmethod
    def _positive(cls, values: list[int]) -> list[int]:
        if any(v < 1 for v in values):
            raise ValueError("every value must be at least 1")
        return sorted(set(values))

    @field_validator("layers", mode="before")
    @classmethod
    def _no_bool_layers(cls, layers):
        if isinstance(layers, list) and any(isinstance(x, bool) for x in layers):
            raise ValueError("a layer is a block index (0, 1, ...) or a fraction of depth in (0, 1), not true/false")
        return layers

    @field_validator("layers")
    @classmethod
    def _layers(cls, layers):
        for x in layers or []:
            if isinstance(x, float) and not 0 < x < 1:
                raise ValueError(f"a fractional layer must lie in (0, 1), got {x}")
            if isinstance(x, int) and x < 0:
                raise ValueError(f"layer indices start at 0, got {x}")
        return layers

    @model_validator(mode="after")
    def _consistent(self):
        steering = [m for m in self.methods if m not in (BASELINE_METHOD, LORA_METHOD)]
        if steering and not (self.magnitudes.all() or self.magnitudes.matched):
            raise ValueError(f"magnitudes: methods {', '.join(steering)} need at least one magnitude")
        if self.magnitudes.matched and not (steering and LORA_METHOD in self.methods):
            raise ValueError("magnitudes.matched: scales the magnitude that matches the study's LoRA on held-out NLL, "
                             "so methods must list lora and a steering method")
        if self.random_directions and self.magnitudes.multiplier:
            raise ValueError("random_directions: a random direction has no norm of its own to multiply; give "
                             "relative (or absolute) magnitudes")
        if self.random_directions and not steering:
            raise ValueError("random_directions: no steering method to compare them with")
        if any(c.against == "random" for c in self.comparisons) and not self.random_directions:
            raise ValueError("comparisons: 'against: random' needs random_directions: N (N ≥ 1)")
        return self

    @property
    def judges(self) -> list[str]:
        return [self.judge] if isinstance(self.judge, str) else list(self.judge)

    def task_specs(self) -> list[TaskSpec]:
        return [TaskSpec(name=t) if isinstance(t, str) else t for t in self.tasks]


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("str", "TaskSpec", "int", "float"):  # union branch names pydantic adds
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def parse_study(data: object, *, source: str = "<study>", base: Path | None = None, confine: bool = False) -> StudyConfig:
    """Validate a study mapping; paths in it are relative to ``base`` (the config's directory).

    ``confine``: the output must lie inside ``base`` (for study files, which may come from anyone).
    """
    if not isinstance(data, dict):
        raise EmsteerError(f"{source}: a study config is a mapping of fields (name, models, methods, ...).")
    try:
        config = StudyConfig.model_validate(data)
    except ValidationError as err:
        lines = []
        seen = set()
        for e in err.errors():
            where = _where(e["loc"])
            if where in seen:
                continue
            seen.add(where)
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = "unknown field (check the spelling; see `emsteer study --help`)"
            lines.append(f"  {where}: {msg}")
        raise EmsteerError(f"{source}: invalid study config:\n" + "\n".join(lines)) from None
    base = base or Path.cwd()

    def resolve(p: Path | None) -> Path | None:
        return None if p is None else p if p.is_absolute() else base / p

    config.output = resolve(config.output) or base / "runs" / config.name
    if confine:
        _check_inside(config.output, base, source)
    config.eval.questions = resolve(config.eval.questions)
    for t in config.tasks:
        if isinstance(t, TaskSpec):
            t.path, t.safe_path = resolve(t.path), resolve(t.safe_path)
    return config


def _check_inside(output: Path, base: Path, source: str) -> None:
    """Lexically (so a symlinked runs/ folder still works): no '..' or absolute path out of ``base``."""
    folder = os.path.normpath(os.path.abspath(base))
    target = os.path.normpath(os.path.abspath(output))
    if os.path.commonpath([folder, target]) != folder:
        raise EmsteerError(
            f"{source}: invalid study config:\n  output: {output} lies outside the config's folder {folder}; "
            "a study file may only write inside its own folder (use a relative path like runs/NAME)"
        )


def check_inputs(config: StudyConfig, source: str) -> None:
    """The files, tasks, questions and judges a config names exist (cheap checks, nothing loaded big)."""
    from emsteer.data.questions import load_questions
    from emsteer.data.tasks import get_task
    from emsteer.judging import check_judge_spec
    from emsteer.judging.prompts import unknown_metrics
    from emsteer.models.loading import check_model_spec

    def fail(where: str, message: str) -> None:
        raise EmsteerError(f"{source}: invalid study config:\n  {where}: {message}")

    for i, model in enumerate(config.models):  # all of them, not only the first one run
        try:
            check_model_spec(model)
        except EmsteerError as err:
            fail(f"models[{i}]", str(err))
    for i, spec in enumerate(config.task_specs()):
        for field, p in (("path", spec.path), ("safe_path", spec.safe_path)):
            if p is not None and not p.is_file():
                fail(f"tasks[{i}].{field}", f"file {p} does not exist")
        if spec.path is None:
            try:
                get_task(spec.name)
            except EmsteerError as err:
                fail(f"tasks[{i}]", str(err))
    from emsteer.data.question_sets import is_question_set

    named = config.eval.questions is not None and is_question_set(config.eval.questions.name)
    if config.eval.questions is not None and not config.eval.questions.is_file() and not named:
        fail("eval.questions", f"file {config.eval.questions} does not exist (or name a question set: betley-all, ...)")
    try:
        questions = load_questions(config.eval.questions)
    except EmsteerError as err:
        fail("eval.questions", str(err))
    known = {q.id for q in questions}
    missing = [q for q in config.eval.question_ids or [] if q not in known]
    if missing:
        fail("eval.question_ids", f"{', '.join(missing)} not in the question set")
    unknown, defined = unknown_metrics(questions, config.eval.metrics or ())
    if unknown:
        fail("eval.metrics", f"{', '.join(unknown)} not judged by any question; the questions define {', '.join(defined)}")
    for i, judge_spec in enumerate(config.judges):
        try:
            check_judge_spec(judge_spec)
        except EmsteerError as err:
            fail(f"judge[{i}]" if isinstance(config.judge, list) else "judge", str(err))


def load_study(path: str | Path) -> StudyConfig:
    """Read and validate a study YAML file, whole, before anything is written."""
    path = Path(path)
    if not path.is_file():
        raise EmsteerError(missing_file(path, "a study config"))
    check_file_size(path, MAX_STUDY_FILE_BYTES, "a study config")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise EmsteerError(f"{path}: not valid UTF-8 ({err.reason} at byte {err.start})") from None
    loader = yaml.SafeLoader(text)
    try:
        node = compose_bounded(loader, str(path))
        data = construct(loader, node, str(path))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise EmsteerError(f"{path}:{where} is not valid YAML: {getattr(err, 'problem', err)}") from None
    finally:
        loader.dispose()
    config = parse_study(data, source=str(path), base=path.parent, confine=True)
    check_inputs(config, str(path))
    check_outputs(config, path)
    return config


STUDY_OUTPUTS = ("study.yaml", "results.sqlite", "report.html")  # what a study writes into its output folder


def check_outputs(config: StudyConfig, path: Path | None = None) -> None:
    """A study never writes over one of its inputs: with ``output: .`` beside a config named
    study.yaml, the copy emsteer keeps would replace the user's file, comments and all; nor may
    ``emsteer run -o D --questions D/study.yaml`` replace the questions. ``path``: the config
    file, where there is one."""
    from emsteer.paths import same_file

    assert config.output is not None  # parse_study fills it in
    inputs = {"the config itself": path, "eval.questions": config.eval.questions}
    for i, spec in enumerate(config.task_specs()):
        inputs[f"tasks[{i}].path"], inputs[f"tasks[{i}].safe_path"] = spec.path, spec.safe_path
    for name in STUDY_OUTPUTS:
        target = config.output / name
        for what, source in inputs.items():
            if source is not None and same_file(target, source):
                raise EmsteerError(f"{path or f'study {config.name}'}: invalid study config:\n  output: the study would "
                                   f"write {target}, which is {what} ({source}); choose another output folder, e.g. "
                                   f"runs/{config.name}")
