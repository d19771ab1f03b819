"""Run a study: build each artifact once, load each model once, evaluate every cell into one store.

The grid, per model × task × seed: the baseline ("none"), every steering method × layer ×
(rank) × (epochs) × magnitude, and LoRA × epochs. Trained methods run once for the largest
epoch count and every other epoch count reuses that run's per-epoch checkpoint. Everything
lands in ``<output>/``: results.sqlite, artifacts/, adapters/, study.yaml. Interrupt at any
point and run the same study again: finished artifacts are loaded, finished answers and
judgments are kept, and only the rest is done. A finished model × task × seed is marked in the
store, so the store alone (copied to a fresh machine without artifacts/ or adapters/) resumes
without training again what it already evaluated.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from emsteer.atomic import write_text_atomic
from emsteer.data.chat import ChatExample, load_chat_jsonl, split_examples
from emsteer.data.questions import Question, load_questions
from emsteer.data.tasks import GENERIC_BEHAVIOUR, TASKS, load_task
from emsteer.errors import EmsteerError
from emsteer.evaluation.conditions import Condition, random_directions
from emsteer.evaluation.controls import CONTROL_LORA, positive_control, stored_control
from emsteer.evaluation.efficacy import measure_efficacy
from emsteer.evaluation.matching import MatchedMagnitude, match_efficacy
from emsteer.evaluation.run import EvalSettings, evaluate, judge_samples
from emsteer.generation import SamplingConfig
from emsteer.generation.vllm import VllmModel
from emsteer.methods import METHODS, safe_examples
from emsteer.models import LoadedModel, load_model
from emsteer.progress import progress_bar
from emsteer.results.store import ResultsStore, WriteLock, stable_id
from emsteer.steering.artifacts import content_hash, load_artifact, save_artifact
from emsteer.steering.magnitude import Magnitude
from emsteer.studies.config import StudyConfig, TaskSpec, check_outputs, slug
from emsteer.studies.plan import declared_family
from emsteer.training.checkpoints import adapter_dir, checkpoint_path
from emsteer.training.objective import NLLResult, assistant_nll
from emsteer.training.resume import has_checkpoint, remove_checkpoint

# Sampling batch sizes units were marked with by default before the batch size left the mark: a
# study's eval block (8) and the main job (16).
EARLIER_BATCH_DEFAULTS = (8, 16)
MADE_WITH = "made-with.json"  # in an artifact or adapter folder: the settings that made its files
# (block, field, default) of study fields added after units were first marked finished (unit_mark)
NEWER_FIELDS: tuple[tuple[str, str, object], ...] = (
    ("train", "lr_schedule", "constant"), ("train", "warmup_steps", 0), ("lora", "lr_schedule", "constant"),
    ("lora", "warmup_steps", 0), ("lora", "weight_decay", 0.0), ("magnitudes", "matched", []), ("lora", "grad_accum", 1))


@dataclass
class TaskData:
    name: str
    train: list[ChatExample]
    held_out: list[ChatExample]
    safe: list[ChatExample] | None  # paired safe answers (mean-diff, pca, svd), if any
    behaviour: str


@dataclass
class Cell:
    """A unit of work for the study's progress bar."""

    label: str
    weight: float = 1.0
    extra: dict = field(default_factory=dict)


def resolve_layers(config: StudyConfig, lm: LoadedModel) -> list[int]:
    """Block indices: ints as given, fractions of depth rounded, default the middle block."""
    if not config.layers:
        return [lm.num_layers // 2]
    layers = []
    for x in config.layers:
        layer = int(round(x * lm.num_layers)) if isinstance(x, float) else x
        layers.append(lm.check_layer(layer))
    return sorted(set(layers))


def load_task_data(spec: TaskSpec, config: StudyConfig) -> TaskData:
    examples = load_chat_jsonl(spec.path) if spec.path else load_task(spec.name)
    registry = TASKS.get(spec.name)
    n_held = config.train.held_out
    if len(examples) <= n_held:
        raise EmsteerError(f"task {spec.name}: {len(examples)} examples, but train.held_out asks for {n_held}.")
    train, held = split_examples(examples, held_out=n_held, seed=0)
    if config.train.examples is not None:
        train = train[: config.train.examples]
    safe = safe_examples(spec.name, spec.safe_path or None)
    behaviour = spec.behaviour or (registry.behaviour if registry else GENERIC_BEHAVIOUR)
    return TaskData(spec.name, train, held, safe, behaviour)


def load_study_questions(config: StudyConfig) -> list[Question]:
    questions = load_questions(config.eval.questions)
    if config.eval.question_ids:
        known = {q.id for q in questions}
        missing = [q for q in config.eval.question_ids if q not in known]
        if missing:
            raise EmsteerError(f"eval.question_ids: {', '.join(missing)} not in the question set.")
        questions = [q for q in questions if q.id in set(config.eval.question_ids)]
    if config.eval.paraphrases:
        questions = [Question(q.id, q.paraphrases[: config.eval.paraphrases], q.system, q.samples_per_paraphrase,
                              q.judge_prompts, q.type, q.judge) for q in questions]
    return questions


def record_study(store: ResultsStore, cfg: StudyConfig) -> None:
    """What a store keeps of the study writing it: its configuration and the size of its declared
    family (so that a store still running is corrected over everything it declared)."""
    store.meta.record_study(cfg.model_dump(mode="json"))
    store.meta.record_declared_family(declared_family(cfg))


def _model_id(lm: LoadedModel) -> list[str]:
    """The model a folder was made with, as its made-with record names it."""
    return [lm.name, lm.revision, str(lm.dtype)]


def _data_id(data: TaskData) -> str:
    """The task's training examples (and their safe pairs), as a made-with record names them."""
    return stable_id([e.messages for e in data.train], [e.messages for e in data.safe or []])


class StudyRunner:
    def __init__(self, config: StudyConfig, *, judges=None, progress: bool = True, log=print,
                 rejudge_missing: bool = False):
        self.config = config
        self.judges = judges  # Judge objects to use instead of config.judge (tests, custom backends)
        self.progress = progress
        self.log = log
        if config.output is None:  # parse_study and load_study fill it in; a StudyConfig built by hand may not
            raise EmsteerError(f"Study {config.name!r} has no output folder: set output, or build the config with "
                               "parse_study / load_study (they default it to runs/<name>).")
        self.out = Path(config.output)
        self.adapter_nll: dict[str, NLLResult] = {}  # held-out NLL by adapter path, measured for matching
        c = config.eval
        # Per study seed (which trains the artifacts), the evaluation settings (whose seed samples the answers).
        self.settings = [
            EvalSettings(SamplingConfig(max_new_tokens=c.max_new_tokens, temperature=c.temperature, top_p=c.top_p,
                                        batch_size=c.batch_size), c.samples, seed if c.seed is None else c.seed,
                         metrics=tuple(c.metrics) if c.metrics is not None else None, rejudge_missing=rejudge_missing)
            for seed in config.seeds
        ]

    # -- artifacts -------------------------------------------------------------------------------
    def _made_with(self, lm: LoadedModel, data: TaskData, block: str, **what) -> dict:
        """What made a folder of artifacts or adapters: the study's ``block`` of training settings (not
        how often it checkpoints or whether it saves memory that way; a field added later only where
        set), the task's training data, the model and what the folder name holds."""
        settings = getattr(self.config, block).model_dump(mode="json")
        for b, key, default in NEWER_FIELDS:
            if b == block and settings.get(key) == default:
                del settings[key]
        for key in ("checkpoint_every", "gradient_checkpointing", "held_out"):
            settings.pop(key, None)
        if block == "lora":  # LoRA trains with train's max_length and bf16 autocast too
            settings["max_length"] = self.config.train.max_length
            if self.config.train.mixed_precision:  # only where set: folders from before stay valid
                settings["mixed_precision"] = True
        return {**what, block: settings, "model": _model_id(lm), "data": _data_id(data)}

    def _check_made_with(self, where: Path, made_with: dict) -> None:
        """Refuse finished files made with other settings than the study file's now (they would be
        reused silently under the new settings); folders from before this record are accepted."""
        record = where / MADE_WITH
        if not record.is_file():
            return
        try:
            old = json.loads(record.read_text())
        except ValueError:
            return
        changed = sorted(k for k in set(old) | set(made_with) if old.get(k) != made_with.get(k))
        if changed:
            raise EmsteerError(f"{where} was trained with other settings than the study file's now ({', '.join(changed)} "
                               f"changed): delete {where} to train it again with the new ones, or restore them.")

    def _record_made_with(self, where: Path, made_with: dict) -> None:
        write_text_atomic(where / MADE_WITH, json.dumps(made_with, indent=1, sort_keys=True))

    def _trained(self, method: str, lm: LoadedModel, data: TaskData, layer: int, rank: int | None, seed: int, where: Path):
        """Per-epoch artifacts of a trained method; trains only when its checkpoints are missing."""
        from emsteer.methods import build_artifact, method_params

        top = max(self.config.epochs)
        made_with = self._made_with(lm, data, "train", method=method, layer=layer, rank=rank, seed=seed, epochs=top)
        self._check_made_with(where, made_with)
        paths = {e: checkpoint_path(where, e) for e in range(1, top + 1)}
        if all(paths[e].is_file() for e in self.config.epochs):
            remove_checkpoint(where)  # left by a run killed after its last epoch was written
        else:
            if has_checkpoint(where):  # killed mid-training: continue from its last checkpoint
                self.log(f"Resuming {method} training in {where} from its checkpoint.")
            elif where.exists():
                shutil.rmtree(where)  # killed before its first checkpoint: retrain (deterministic given the seed)
            train = self.config.train
            params = method_params(method, seed=seed, max_length=train.max_length, epochs=top, batch_size=train.batch_size,
                                   lr=train.lr, lr_schedule=train.lr_schedule, warmup_steps=train.warmup_steps,
                                   checkpoint_dir=where, progress=self.progress, memory=train.memory(), rank=rank,
                                   checkpoint_every=train.checkpoint_every, resume=True)
            build_artifact(method, lm, data.train, layer=layer, **params)
            self._record_made_with(where, made_with)
        return {e: (load_artifact(paths[e]), paths[e]) for e in self.config.epochs}

    def _built(self, method: str, lm: LoadedModel, data: TaskData, layer: int, rank: int | None, seed: int, where: Path):
        from emsteer.methods import build_artifact, method_params

        path = where / "artifact.safetensors"
        made_with = {"method": method, "layer": layer, "rank": rank, "seed": seed,
                     "max_length": self.config.train.max_length, "model": _model_id(lm), "data": _data_id(data)}
        self._check_made_with(where, made_with)
        if not path.is_file():
            params = method_params(method, seed=seed, max_length=self.config.train.max_length, safe=data.safe,
                                   progress=self.progress, rank=rank)
            artifact = build_artifact(method, lm, data.train, layer=layer, **params)
            save_artifact(artifact, path)
            self._record_made_with(where, made_with)
        return {None: (load_artifact(path), path)}

    def _lora(self, lm: LoadedModel, data: TaskData, seed: int, where: Path) -> dict[int, Path]:
        """Per-epoch adapters; trains only when one is missing, continuing a killed run from its
        mid-epoch checkpoint (an error names what differs if the study's LoRA settings changed since)."""
        from emsteer.finetune import ADAPTER_WEIGHTS, train_lora

        top = max(self.config.epochs)
        made_with = self._made_with(lm, data, "lora", seed=seed, epochs=top)
        self._check_made_with(where, made_with)
        wanted = {e: adapter_dir(where, e) for e in self.config.epochs}
        if not all((p / ADAPTER_WEIGHTS).is_file() for p in wanted.values()):
            if where.exists() and not has_checkpoint(where):
                shutil.rmtree(where)  # killed before its first checkpoint: start again
            lc = self.config.lora
            train_lora(lm, data.train, output_dir=where, rank=lc.rank, alpha=lc.alpha, target=lc.target,
                       layers=lc.layers, epochs=top, lr=lc.lr, lr_schedule=lc.lr_schedule,
                       warmup_steps=lc.warmup_steps, weight_decay=lc.weight_decay, batch_size=lc.batch_size,
                       grad_accum=lc.grad_accum,
                       max_length=self.config.train.max_length, seed=seed, checkpoint_every=lc.checkpoint_every,
                       resume=True, progress=self.progress, memory=self.config.train.memory(), log=self.log)
            self._record_made_with(where, made_with)
        return wanted

    def _matched(self, store: ResultsStore | None, lm: LoadedModel, data: TaskData, artifact, lora: Path,
                 target: dict[str, float]) -> list[Magnitude]:
        """The study's matched magnitudes of ``artifact`` (f·ρ* for each f). ρ* is searched once per
        artifact, LoRA adapter and held-out set and kept in the store, so a resumed study steers at
        the same ρ; ``target`` caches the LoRA's held-out NLL for the unit."""
        from emsteer.evaluation.conditions import adapter_fingerprint

        ids = (content_hash(artifact), adapter_fingerprint(lora), stable_id([e.messages for e in data.held_out]))
        stored = store.meta.matched(*ids) if store is not None else None
        found = MatchedMagnitude.from_dict(stored) if stored is not None else None
        what = f"{artifact.metadata.get('method', 'artifact')} at layer {artifact.layers[0]} on {data.name}"
        if found is None:
            if "nll" not in target:
                target["nll"] = self._lora_nll(lm, data, lora)
            try:
                found = match_efficacy(lm, artifact, data.held_out, target["nll"], max_length=self.config.train.max_length)
            except EmsteerError as err:
                raise EmsteerError(f"magnitudes.matched: {what}: {err} Leave that method out of this study, or steer "
                                   "it at fixed magnitudes (magnitudes.relative).") from None
            if store is not None:
                store.meta.record_matched(*ids, found.to_dict())
        self.log(f"matched efficacy, {what}: {found.describe()}")
        return [Magnitude.relative(f * found.rho) for f in self.config.magnitudes.matched]

    def _lora_nll(self, lm: LoadedModel, data: TaskData, path: Path) -> float:
        """The held-out NLL of the study's LoRA: the efficacy that matched magnitudes match; kept for
        the unit's efficacy step, which stores the same measurement."""
        from emsteer.finetune import adapted

        with adapted(lm, path) as model:
            nll = assistant_nll(model, data.held_out, max_length=self.config.train.max_length)
        self.adapter_nll[str(path)] = nll
        return nll.mean_nll_per_token

    # -- the grid ------------------------------------------------------------------------------
    def _suffix(self, model: str, data: TaskData | None, seed: int) -> str:
        """What tells a condition's name apart from its twins of other tasks, models and seeds
        (``data`` None: the model's positive control, which belongs to no task)."""
        cfg = self.config
        return "".join([f" [{data.name}]" if data is not None and len(cfg.tasks) > 1 else "",
                        f" [{model}]" if len(cfg.models) > 1 else "", f" seed {seed}" if len(cfg.seeds) > 1 else ""])

    def baselines(self, model: str, data: TaskData, seed: int) -> list[Condition]:
        """The unit's baseline condition (none when the study has no ``none`` method): nothing to build."""
        cfg = self.config
        if "none" not in cfg.methods:
            return []
        named = len(cfg.models) > 1 or len(cfg.seeds) > 1  # one model and seed: one baseline, called "baseline"
        return [Condition(f"baseline{self._suffix(model, data, seed) if named else ''}",
                          factors={"model": model, "task": data.name, "seed": seed, "method": "none"})]

    def conditions_for(self, lm: LoadedModel, model: str, data: TaskData, seed: int, bar, task_id,
                       store: ResultsStore | None = None) -> list[Condition]:
        cfg = self.config
        many = {k: len(v) > 1 for k, v in (("epochs", cfg.epochs), ("ranks", cfg.ranks))}
        layers = resolve_layers(cfg, lm)
        many["layers"] = len(layers) > 1
        suffix = self._suffix(model, data, seed)
        base = {"model": model, "task": data.name, "seed": seed}
        conditions = self.baselines(model, data, seed)
        loras: dict[int, Path] = {}
        if "lora" in cfg.methods:
            bar.update(task_id, info="finetuning LoRA")
            where = self.out / "adapters" / slug(model) / slug(data.name) / f"lora-r{cfg.lora.rank}-s{seed}"
            loras = self._lora(lm, data, seed, where)
        # Matched magnitudes steer as far as it takes to learn the task as well as the longest-trained LoRA.
        target: dict[str, float] = {}
        root = self.out / "artifacts" / slug(model) / slug(data.name)
        for method in [m for m in cfg.methods if m in METHODS]:
            for layer in layers:
                for rank in cfg.ranks if METHODS[method].ranked else [None]:
                    where = root / slug(f"{method}-L{layer}" + (f"-r{rank}" if rank else "") + f"-s{seed}")
                    build = self._trained if METHODS[method].trained else self._built
                    bar.update(task_id, info=f"building {method} L{layer}" + (f" r{rank}" if rank else ""))
                    for epochs, (artifact, path) in build(method, lm, data, layer, rank, seed, where).items():
                        matched = (list(zip(cfg.magnitudes.matched,
                                            self._matched(store, lm, data, artifact, loras[max(loras)], target)))
                                   if cfg.magnitudes.matched else [])
                        for f, magnitude in [(None, m) for m in cfg.magnitudes.all()] + matched:
                            name = method + (f" L{layer}" if many["layers"] else "") + (f" r{rank}" if rank and many["ranks"] else "")
                            name += f" e{epochs}" if epochs and many["epochs"] else ""
                            name += f" {magnitude}" if f is None else f" matched×{f:g} (ρ={magnitude.value:.4g})"
                            factors = {**base, "method": method, "layer": layer, "rank": rank, "epochs": epochs,
                                       "magnitude": str(magnitude), **({} if f is None else {"matched": f})}
                            conditions.append(Condition(f"{name}{suffix}", artifact, magnitude,
                                                        positions=cfg.eval.positions, artifact_path=str(path),
                                                        factors=factors))
                    bar.advance(task_id)
        if cfg.random_directions:
            # one set per steered layer, shared by every method there (norm r_ℓ: same ρ, same push)
            built = {c.artifact.layers[0]: c.artifact for c in conditions if c.artifact is not None}
            for layer, artifact in sorted(built.items()):
                # no task: the same directions serve every task, answered once (equal ids); at every
                # magnitude steered at this layer, matched ones included
                shared = {k: v for k, v in base.items() if k != "task"}
                pushed = list(dict.fromkeys(c.magnitude for c in conditions
                                            if c.artifact is not None and c.artifact.layers[0] == layer))
                for c in random_directions(artifact, pushed, cfg.random_directions,
                                           positions=cfg.eval.positions, factors=shared, norm="reference"):
                    c.name = (f"random{c.factors['random_seed']}" + (f" L{layer}" if many["layers"] else "")
                              + f" {c.magnitude}" + self._suffix(model, None, seed))
                    conditions.append(c)
        for epochs, path in loras.items():
            name = "lora" + (f" e{epochs}" if many["epochs"] else "")
            conditions.append(Condition(f"{name}{suffix}", adapter=path,
                                        factors={**base, "method": "lora", "epochs": epochs, "rank": cfg.lora.rank}))
        if loras:
            bar.advance(task_id)
        return conditions

    def unit_steps(self) -> int:
        """Progress units of one model × task × seed: one per artifact family built, LoRA, eval, efficacy."""
        cfg = self.config
        n_layers = len(cfg.layers) if cfg.layers else 1
        builds = sum(n_layers * (len(cfg.ranks) if METHODS[m].ranked else 1) for m in cfg.methods if m in METHODS)
        return builds + ("lora" in cfg.methods) + 2

    def steps(self) -> int:
        cfg = self.config
        return len(cfg.models) * (len(cfg.tasks) * len(cfg.seeds) * self.unit_steps() + (cfg.control != "none"))

    # -- finished units ----------------------------------------------------------------------------
    def unit_key(self, model: str, data: TaskData, s: int) -> str:
        """The store's meta key that marks a model × task × seed finished."""
        return f"finished/{model}/{data.name}/seed {self.config.seeds[s]}"

    def unit_mark(self, questions: list[Question], data: TaskData, judges, embedder, *,
                  batch_size: int | None = None) -> str:
        """What a finished unit ran with: the study's settings (not its name, folder or device), the
        content of its questions and task data (not their paths, which differ between machines) and
        the identities of its judges. Any change to them makes the unit run again. The sampling
        batch size is left out (per-row seeds make answers independent of it); ``batch_size`` gives
        the mark as units were marked before that, with this batch size in it."""
        settings = self.config.model_dump(mode="json", exclude={"name", "output", "device", "device_map", "comparisons"})
        # Fields added after stores were marked count only where set (a finished unit stays finished
        # under a newer emsteer); how often checkpoints are written never changes a result.
        for block, key, default in NEWER_FIELDS:
            if settings[block][key] == default:
                del settings[block][key]
        del settings["lora"]["checkpoint_every"]
        del settings["train"]["checkpoint_every"]
        if batch_size is None:
            del settings["eval"]["batch_size"]
        else:
            settings["eval"]["batch_size"] = batch_size
        settings["tasks"] = [t.name for t in self.config.task_specs()]
        settings["eval"]["questions"] = questions
        task = [[e.messages for e in part or []] for part in (data.train, data.held_out, data.safe)] + [data.behaviour]
        return stable_id(settings, task, [j.identity for j in judges], embedder.identity if embedder else None)

    def finished(self, mark, questions: list[Question], data: TaskData, judges, embedder) -> bool:
        """Whether a unit whose stored mark is ``mark`` can be skipped, artifacts and all (never when
        re-asking the judges where they answered in words). A mark made before the batch size left
        the mark still counts, with the study's batch size or an earlier default in it."""
        if mark is None or self.settings[0].rejudge_missing:
            return False
        if mark == self.unit_mark(questions, data, judges, embedder):
            return True
        return any(mark == self.unit_mark(questions, data, judges, embedder, batch_size=b)
                   for b in {self.config.eval.batch_size, *EARLIER_BATCH_DEFAULTS})

    def run(self) -> Path:
        from emsteer.judging import check_judge_spec

        cfg = self.config
        # Everything cheap is checked before anything is written or loaded big.
        check_outputs(cfg)  # load_study checked the config file; a config built in code has none
        questions = load_study_questions(cfg)
        tasks = [load_task_data(t, cfg) for t in cfg.task_specs()]
        if self.judges is None:
            for spec in cfg.judges:
                check_judge_spec(spec)
        if cfg.backend == "vllm":
            from emsteer.generation.vllm import require_vllm

            require_vllm()
        db = self.out / "results.sqlite"
        ResultsStore.check_writable(db)
        # One writing process per study: a second one would build, generate and judge it all again.
        with WriteLock(db, hint="give this study another output folder"):
            # What needs the model is checked before the output folder, study.yaml or the store
            # exist: a bad dtype, a missing model, layers: [999] or a prompt longer than the
            # context leave nothing behind.
            first = self.load(cfg.models[0])
            self.check_model(first[0], questions, tasks)
            self.out.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.out / "study.yaml", yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False))
            return self._run(questions, tasks, db, first)

    def check_model(self, lm: LoadedModel, questions: list[Question], tasks: list[TaskData]) -> None:
        """The study's layers and prompts fit this model."""
        from emsteer.models.loading import example_prompts, question_prompts

        resolve_layers(self.config, lm)
        lm.check_prompts(question_prompts(questions, self.config.eval.questions))
        for data in tasks:
            lm.check_prompts(example_prompts([*data.train, *data.held_out, *(data.safe or [])]))

    def _run(self, questions: list[Question], tasks: list[TaskData], db: Path, first=None) -> Path:
        cfg = self.config
        embedder = self.embedder()
        with ResultsStore(db) as store, progress_bar(self.progress) as bar:
            record_study(store, cfg)
            overall = bar.add_task(f"Study {cfg.name}", total=self.steps(), info="")
            for i, model in enumerate(cfg.models):
                bar.update(overall, info=f"loading {model}")
                if i == 0 and first is not None:
                    lm, judges = first
                    first = None  # dropped with the model when the next one loads
                else:
                    lm, judges = self.load(model)
                    self.check_model(lm, questions, tasks)
                engine = self.engine(model)
                control, pending = None, cfg.control != "none"
                for t, data in enumerate(tasks):
                    for s in range(len(cfg.seeds)):
                        if self.finished(store.meta.unit_mark(self.unit_key(model, data, s)), questions, data, judges, embedder):
                            bar.advance(overall, self.unit_steps())
                            continue
                        if t == 0 and pending:  # trained only when a unit that evaluates it runs
                            bar.update(overall, info="positive control")
                            control, pending = self.control_for(store, lm, model, questions, engine), False
                            bar.advance(overall)
                        self.run_unit(store, lm, judges, questions, model, t, data, s, control=control, embedder=embedder,
                                      bar=bar, task_id=overall, engine=engine)
                if pending:  # every unit that evaluates it had finished
                    bar.advance(overall)
                store.meta.record_judge(judges[0].identity)
                del lm, judges, engine
            bar.update(overall, info="done")
        return db

    # -- pieces a distributed executor (studies/distributed.py) runs on its workers ---------------
    def embedder(self):
        if not self.config.embedding:
            return None
        from emsteer.judging.embedding import EmbeddingRelevance

        return EmbeddingRelevance()

    def load(self, model: str):
        """The model and its judges (the first is the primary judge)."""
        from emsteer.judging import open_judge

        cfg = self.config
        lm = load_model(model, dtype=cfg.dtype, device=cfg.device, device_map=cfg.device_map, log=self.log)
        return lm, self.judges or [open_judge(spec, reuse=lm) for spec in cfg.judges]

    def engine(self, model: str) -> VllmModel | None:
        """The vLLM engine that answers the questions when ``backend: vllm`` (None: the transformers model)."""
        if self.config.backend != "vllm":
            return None
        from emsteer.generation.vllm import load_vllm

        rank = max(self.config.lora.rank, CONTROL_LORA["rank"])  # the study's LoRA and the positive control
        return load_vllm(model, dtype=self.config.dtype, lora_rank=rank, log=self.log)

    def control(self, lm: LoadedModel, model: str) -> Condition | None:
        """The model's positive control condition (trained once per model and cached)."""
        control = positive_control(lm, self.config.control, progress=self.progress, log=self.log)
        return None if control is None else replace(control, factors={**control.factors, "model": model})

    def control_for(self, store: ResultsStore, lm: LoadedModel, model: str, questions: list[Question],
                    engine: VllmModel | None = None) -> Condition | None:
        """The positive control the model's first task evaluates: None when the study has none, or
        when ``store`` already holds its answers for every seed (``stored_control``: a resumed study
        on a machine that lost the cache judges them and trains nothing)."""
        if self.config.control == "none":
            return None
        if self.config.control == "finetuned" and all(
                stored_control(store, lm, questions, settings, engine) for settings in self.settings):
            self.log(f"Positive control of {lm.name}: its answers are in the store; not trained again.")
            return None
        return self.control(lm, model)

    def run_unit(self, store: ResultsStore, lm: LoadedModel, judges, questions: list[Question], model: str, t: int,
                 data: TaskData, s: int, *, bar, task_id=None, control: Condition | None = None,
                 embedder=None, engine: VllmModel | None = None) -> None:
        """One model × task × seed (task ``t``, seed ``s`` of the study): build its artifacts, evaluate
        its conditions (answered by ``engine`` when given), measure efficacy. Every name and key is
        the serial run's, whoever runs it."""
        cfg = self.config
        seed, settings = cfg.seeds[s], self.settings[s]
        self.adapter_nll.clear()  # measured on this unit's held-out set, for this unit only
        # The control belongs to the model, not to a task: evaluated once per seed, or where the store
        # holds its answers (drawn with an adapter this machine may not have), only judged.
        controls = []
        stored = stored_control(store, lm, questions, settings, engine) if t == 0 and cfg.control == "finetuned" else None
        if stored is not None:
            judge_samples(store, questions, judges[0], condition_ids=[stored.id], embedder=embedder,
                          chunk=settings.judge_chunk, metrics=settings.metrics,
                          rejudge_missing=settings.rejudge_missing, progress=self.progress)
        elif control is not None and t == 0:
            controls = [replace(control, name=control.name + self._suffix(model, None, seed),
                                factors={**control.factors, "seed": seed})]
        # What needs nothing built is answered first: a run stopped while training (hours of it for
        # a full-data LoRA) keeps these answers in the store.
        ready = [*controls, *self.baselines(model, data, seed)]
        if ready:
            bar.update(task_id, info=f"evaluating {len(ready)} conditions that need no training")
            evaluate(engine or lm, ready, questions, store, judges[0], settings, embedder=embedder, progress=self.progress)
        conditions = self.conditions_for(lm, model, data, seed, bar, task_id, store)
        done = {r.name for r in ready}
        rest = [c for c in conditions if c.name not in done]  # each condition evaluated once
        if rest:
            bar.update(task_id, info=f"evaluating {len(rest)} conditions")
            evaluate(engine or lm, rest, questions, store, judges[0], settings, embedder=embedder, progress=self.progress)
        for extra in judges[1:]:
            judge_samples(store, questions, extra, metrics=settings.metrics,
                          rejudge_missing=settings.rejudge_missing, progress=self.progress)
        bar.advance(task_id)
        bar.update(task_id, info="narrow-task efficacy")
        if cfg.efficacy.heldout_nll or cfg.efficacy.generate:
            measure_efficacy(lm, conditions, data.held_out, store, task=data.name,
                             behaviour=data.behaviour, judge=judges[0] if cfg.efficacy.generate else None,
                             settings=settings, n_generate=cfg.efficacy.generate,
                             max_length=cfg.train.max_length, heldout_nll=cfg.efficacy.heldout_nll,
                             known_nll=self.adapter_nll, answered_by=engine, progress=self.progress)
        bar.advance(task_id)
        store.meta.mark_unit(self.unit_key(model, data, s), self.unit_mark(questions, data, judges, embedder))


def run_study(config: StudyConfig, *, judges=None, progress: bool = True, log=print, rejudge_missing: bool = False) -> Path:
    """Run (or resume) a study; returns the path of its results file. ``judges`` overrides the
    config's judge specs with ready Judge objects (the first is the primary judge);
    ``rejudge_missing`` re-asks the judges where a stored judgment is unscored."""
    return StudyRunner(config, judges=judges, progress=progress, log=log, rejudge_missing=rejudge_missing).run()
