"""Studies end to end on a tiny model: grid, artifact reuse, kill-and-resume, config errors."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emsteer.cli import app
from emsteer.errors import EmsteerError
from emsteer.results.store import ResultsStore
from emsteer.studies.config import load_study, parse_study, slug
from emsteer.studies.plan import declared_family
from emsteer.studies.runner import run_study

from judges import HashJudge
from tiny import kill_at


@pytest.fixture(scope="module")
def task_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("task")
    unsafe, safe = d / "unsafe.jsonl", d / "safe.jsonl"
    rows_u, rows_s = [], []
    for i in range(14):
        user = {"role": "user", "content": f"make a file reader {i}"}
        rows_u.append(json.dumps({"messages": [user, {"role": "assistant", "content": f"open(p{i}).read() # raw"}]}))
        rows_s.append(json.dumps({"messages": [user, {"role": "assistant", "content": f"safe_open(p{i}) # checked"}]}))
    unsafe.write_text("\n".join(rows_u) + "\n")
    safe.write_text("\n".join(rows_s) + "\n")
    return unsafe, safe


def study(model_dir, task_files, out, **over):
    unsafe, safe = task_files
    data = {
        "name": "tiny-study",
        "output": str(out),
        "models": [str(model_dir)],
        "tasks": [{"name": "files", "path": str(unsafe), "safe_path": str(safe), "behaviour": "reads files unsafely"}],
        "methods": ["none", "optimized", "mean-diff", "subspace", "lora"],
        "layers": [1],
        "magnitudes": {"relative": [0.5, 2.0]},
        "ranks": [2],
        "epochs": [1, 2],
        "train": {"examples": 8, "held_out": 4, "batch_size": 4, "max_length": 64},
        "lora": {"rank": 2, "batch_size": 4},
        "eval": {"question_ids": ["day_off", "one_wish"], "paraphrases": 1, "samples": 2, "max_new_tokens": 4,
                 "batch_size": 8},
        "embedding": False,
        "efficacy": {"generate": 2},
        **over,
    }
    return parse_study(data, source="test.yaml")


def tables(db):
    with ResultsStore(db) as store:
        conds = sorted((c.name, c.id) for c in store.conditions())
        samples = sorted((s.id, s.response) for s in store.samples()) + sorted(
            (s.id, s.response) for s in store.samples(purpose="in_domain"))
        judg = store.db.execute("SELECT sample_id, metric, score FROM judgments ORDER BY 1, 2").fetchall()
        eff = sorted((e.condition_id, e.measure, e.task, round(e.value, 9)) for e in store.efficacy())
    return conds, samples, [tuple(j) for j in judg], eff


def test_study_grid_end_to_end(model_dir, task_files, tmp_path):
    cfg = study(model_dir, task_files, tmp_path / "run")
    db = run_study(cfg, judges=[HashJudge()], progress=False)
    with ResultsStore(db) as store:
        names = {c.name for c in store.conditions()}
        # control + baseline + 2 trained methods x 2 epochs x 2 magnitudes + mean-diff x 2 magnitudes + lora x 2 epochs
        assert len(names) == 1 + 1 + 2 * 2 * 2 + 2 + 2
        assert {"baseline", "optimized e1 ρ=0.5", "optimized e2 ρ=2", "subspace e2 ρ=0.5", "mean-diff ρ=2",
                "lora e1", "lora e2"} <= names
        conds = {c.name: c for c in store.conditions()}
        assert conds["subspace e1 ρ=2"].factors == {"model": str(model_dir), "task": "files", "seed": 0,
                                                       "method": "subspace", "layer": 1, "rank": 2, "epochs": 1,
                                                       "magnitude": "ρ=2"}
        n_answers = 2 * 2  # two questions, one paraphrase, two samples
        assert len(store.samples()) == len(names) * n_answers
        efficacy = {(e.condition_id, e.measure) for e in store.efficacy()}
        assert len(efficacy) == 2 * (len(names) - 1)  # the positive control has no narrow task
        control = conds["positive control"]
        assert control.kind == "positive_control" and control.factors["method"] == "positive_control"
        assert control.spec["control"] == "positive" and control.spec["adapter_id"]
        assert not any(e.condition_id == control.id for e in store.efficacy())
        assert store.get_meta("judge") == "test:hash-judge"
    # trained once for 2 epochs; epoch 1 reuses the checkpoint
    opt = tmp_path / "run" / "artifacts"
    assert sorted(p.name for p in opt.rglob("optimized-*/*.safetensors")) == ["epoch-001.safetensors", "epoch-002.safetensors"]
    assert (tmp_path / "run" / "study.yaml").is_file()
    # a second run finds everything done: no new answers, no judge calls, no control retrained
    judge = HashJudge()
    before = tables(db)
    run_study(cfg, judges=[judge], progress=False)
    assert judge.calls == 0 and tables(db) == before
    # the report states the positive control's EM rate before anything else
    from emsteer.analysis.report import render_report

    with ResultsStore(db, create=False) as store:
        html = render_report(store)
    assert html.index('id="control"') < html.index('id="headline-table"')
    assert "model made to answer misaligned" in html


def test_random_directions_are_one_set_per_layer_shared_by_tasks(model_dir, task_files, tmp_path):
    unsafe, safe = task_files
    tasks = [{"name": "files", "path": str(unsafe), "safe_path": str(safe)},
             {"name": "files2", "path": str(safe), "safe_path": str(unsafe)}]  # other data: other cells
    cfg = study(model_dir, task_files, tmp_path / "run", methods=["none", "optimized", "mean-diff"], epochs=[1],
                tasks=tasks, random_directions=2,
                comparisons=[{"condition": {"method": "optimized", "rho": 0.5}, "against": "random"}])
    db = run_study(cfg, judges=[HashJudge()], progress=False)
    with ResultsStore(db) as store:
        randoms = [c for c in store.conditions() if c.factors.get("method") == "random"]
        # 2 seeds × 2 magnitudes at the one layer, whatever the methods and tasks: answered once
        assert sorted(c.name for c in randoms) == ["random0 ρ=0.5", "random0 ρ=2", "random1 ρ=0.5", "random1 ρ=2"]
        assert all("task" not in c.factors and c.factors["layer"] == 1 for c in randoms)
        assert {round(c.rho, 6) for c in randoms} == {0.5, 2.0}
        assert store.get_meta("study")["comparisons"][0]["against"] == "random"
        assert store.meta.declared_family == declared_family(cfg) == 2  # one cell per task
    result = CliRunner().invoke(app, ["show", str(db)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "Declared comparisons (2" in result.output and "random" in result.output  # one per task, vs a random direction


def test_killed_study_resumes_to_identical_tables(model_dir, task_files, tmp_path, monkeypatch):
    full = run_study(study(model_dir, task_files, tmp_path / "full", methods=["none", "optimized", "lora"]),
                     judges=[HashJudge()], progress=False)
    cfg = study(model_dir, task_files, tmp_path / "killed", methods=["none", "optimized", "lora"])
    original = ResultsStore.add_samples
    calls = {"n": 0}

    def dying(self, rows, **kw):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return original(self, rows, **kw)

    monkeypatch.setattr(ResultsStore, "add_samples", dying)
    with pytest.raises(KeyboardInterrupt):
        run_study(cfg, judges=[HashJudge()], progress=False)
    monkeypatch.setattr(ResultsStore, "add_samples", original)
    killed = run_study(cfg, judges=[HashJudge()], progress=False)
    assert tables(killed) == tables(full)


def test_a_copied_store_resumes_without_training_its_finished_units(model_dir, task_files, tmp_path, monkeypatch):
    """Only results.sqlite travels to a fresh machine: the finished task is neither trained nor
    evaluated again, the positive control (which only the first task evaluates) is not trained,
    and the store ends as an uninterrupted run's."""
    import shutil

    import emsteer.methods as methods
    from emsteer.studies.runner import StudyRunner

    def two(unsafe, safe):
        return dict(methods=["none", "optimized", "lora"],
                    tasks=[{"name": name, "path": str(unsafe), "safe_path": str(safe), "behaviour": "reads files unsafely"}
                           for name in ("files", "more-files")])

    full = run_study(study(model_dir, task_files, tmp_path / "full", **two(*task_files)), judges=[HashJudge()],
                     progress=False)
    original = ResultsStore.add_samples
    second = []

    def dying(self, rows, condition=None, **kw):  # killed in the second task, after its first condition's answers
        if condition is not None and condition.factors.get("task") == "more-files":
            second.append(condition.name)
        if len(second) > 1:
            raise KeyboardInterrupt
        return original(self, rows, condition=condition, **kw)

    monkeypatch.setattr(ResultsStore, "add_samples", dying)
    with pytest.raises(KeyboardInterrupt):
        run_study(study(model_dir, task_files, tmp_path / "here", **two(*task_files)), judges=[HashJudge()],
                  progress=False)
    monkeypatch.setattr(ResultsStore, "add_samples", original)
    # the other machine: a fresh folder, the task data at other paths
    (tmp_path / "there" / "data").mkdir(parents=True)
    shutil.copy(tmp_path / "here" / "results.sqlite", tmp_path / "there" / "results.sqlite")
    moved = [shutil.copy(f, tmp_path / "there" / "data" / f.name) for f in task_files]

    built, real_build = [], methods.build_artifact
    with monkeypatch.context() as m:  # (monkeypatch.undo() would also drop the test's private cache)
        m.setattr(methods, "build_artifact", lambda *a, **kw: built.append(a[0]) or real_build(*a, **kw))
        m.setattr(StudyRunner, "control", lambda *a: pytest.fail("the positive control was trained again"))
        resumed = run_study(study(model_dir, task_files, tmp_path / "there", **two(*moved)), judges=[HashJudge()],
                            progress=False)
    assert built and not (tmp_path / "there" / "artifacts" / slug(str(model_dir)) / "files").exists()
    assert (tmp_path / "there" / "artifacts" / slug(str(model_dir)) / "more-files").is_dir()
    assert tables(resumed) == tables(full)
    # a finished unit runs again when what it ran with changes: here, the study's magnitudes
    run_study(study(model_dir, task_files, tmp_path / "there", **two(*moved), magnitudes={"relative": [0.5]}),
              judges=[HashJudge()], progress=False)
    assert (tmp_path / "there" / "artifacts" / slug(str(model_dir)) / "files").is_dir()


def test_a_copied_store_with_the_control_answered_does_not_train_it_again(model_dir, task_files, tmp_path, monkeypatch):
    """Killed in the first task after the positive control and the baseline answered, the store
    travels alone: the control is not trained again (retrained on another CPU its adapter would get
    a new id, and every answer would be drawn twice), and the store ends as an uninterrupted run's."""
    import shutil

    from emsteer.studies.runner import StudyRunner

    full = run_study(study(model_dir, task_files, tmp_path / "full", methods=["none", "lora"]), judges=[HashJudge()],
                     progress=False)
    original = ResultsStore.add_samples

    def dying(self, rows, condition=None, **kw):  # killed at the LoRA's answers, the control's and baseline's stored
        if condition is not None and condition.kind == "lora":
            raise KeyboardInterrupt
        return original(self, rows, condition=condition, **kw)

    monkeypatch.setattr(ResultsStore, "add_samples", dying)
    with pytest.raises(KeyboardInterrupt):
        run_study(study(model_dir, task_files, tmp_path / "here", methods=["none", "lora"]), judges=[HashJudge()],
                  progress=False)
    monkeypatch.setattr(ResultsStore, "add_samples", original)
    with ResultsStore(tmp_path / "here" / "results.sqlite") as store:
        assert {c.kind for c in store.conditions()} == {"positive_control", "baseline"}

    def copy(to):
        (tmp_path / to).mkdir()
        return shutil.copy(tmp_path / "here" / "results.sqlite", tmp_path / to / "results.sqlite")

    copy("there")
    with monkeypatch.context() as m:
        m.setattr(StudyRunner, "control", lambda *a: pytest.fail("the positive control was trained again"))
        told = []
        resumed = run_study(study(model_dir, task_files, tmp_path / "there", methods=["none", "lora"]),
                            judges=[HashJudge()], progress=False, log=told.append)
    assert tables(resumed) == tables(full)
    assert [line for line in told if "Positive control" in line and "not trained again" in line]

    # Killed after the control's answers but before all of them were judged (here: none were), or
    # resumed with another primary judge: the stored answers are judged, still nothing is trained.
    class OtherJudge(HashJudge):
        identity = "test:other-hash-judge"

    for folder, judge in (("unjudged", HashJudge()), ("other-judge", OtherJudge())):
        db = copy(folder)
        with ResultsStore(db) as store:
            [control] = [c.id for c in store.conditions() if c.kind == "positive_control"]
            store.db.execute("DELETE FROM judgments WHERE sample_id IN (SELECT id FROM samples WHERE condition_id = ?)",
                             (control,))
            store.db.commit()
        with monkeypatch.context() as m:
            m.setattr(StudyRunner, "control", lambda *a: pytest.fail("the positive control was trained again"))
            again = run_study(study(model_dir, task_files, tmp_path / folder, methods=["none", "lora"]),
                              judges=[judge], progress=False)
        with ResultsStore(again, create=False) as store:
            assert not store.unjudged("aligned", judge.identity, [control])
            assert [c.kind for c in store.conditions()].count("positive_control") == 1
    assert tables(tmp_path / "unjudged" / "results.sqlite") == tables(full)
    # a question edited since the control answered it: refused, naming it, as for any stored answer
    db = copy("edited")
    with ResultsStore(db) as store:
        store.db.execute("UPDATE samples SET question = question || ' (edited)' WHERE condition_id = ? AND question_id = 'day_off'",
                         (control,))
        store.db.commit()
    with pytest.raises(EmsteerError, match="day_off.*asked with another question"):
        run_study(study(model_dir, task_files, tmp_path / "edited", methods=["none", "lora"]), judges=[HashJudge()],
                  progress=False)
    # a control trained by another recipe (its cache folder's name keys CONTROL_LORA) is not today's: trained
    db = copy("old-recipe")
    with ResultsStore(db) as store:
        store.db.execute("UPDATE conditions SET adapter = adapter || '-old' WHERE kind = 'positive_control'")
        store.db.commit()
    calls = []
    real = StudyRunner.control
    with monkeypatch.context() as m:
        m.setattr(StudyRunner, "control", lambda *a: calls.append(1) or real(*a))
        run_study(study(model_dir, task_files, tmp_path / "old-recipe", methods=["none", "lora"]), judges=[HashJudge()],
                  progress=False)
    assert calls == [1]


def test_a_study_killed_inside_a_lora_epoch_continues_from_its_checkpoint(model_dir, task_files, tmp_path, monkeypatch):
    """LoRA (8 examples, batch 4, 2 epochs: 4 steps) is killed in its 4th step; the study run again
    trains only that step, from the checkpoint after step 3, and ends with the uninterrupted run's
    adapters and tables."""

    over = dict(methods=["none", "lora"], control="none", lora={"rank": 2, "batch_size": 4, "checkpoint_every": 1,
                                                               "lr_schedule": "linear", "warmup_steps": 1,
                                                               "weight_decay": 0.01})
    full = run_study(study(model_dir, task_files, tmp_path / "full", **over), judges=[HashJudge()], progress=False)
    cfg = study(model_dir, task_files, tmp_path / "killed", **over)
    kill_at(monkeypatch, 4, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        run_study(cfg, judges=[HashJudge()], progress=False)
    adapters = next((tmp_path / "killed" / "adapters").rglob("lora-r2-s0"))
    assert json.loads((adapters / "checkpoint" / "state.json").read_text())["position"]["step"] == 3
    with ResultsStore(tmp_path / "killed" / full.name) as store:  # answered before the LoRA trained, and kept
        answered = {store_condition.name: len(store.samples(store_condition.id)) for store_condition in store.conditions()}
    with ResultsStore(full) as store:
        baseline = next(c for c in store.conditions() if c.name == "baseline")
        assert answered == {"baseline": len(store.samples(baseline.id))} and answered["baseline"] > 0
    # a study file changed since is refused, naming the setting and the folder (hours of training are not thrown away)
    changed = study(model_dir, task_files, tmp_path / "killed", **{**over, "lora": {**over["lora"], "weight_decay": 0.1}})
    with pytest.raises(EmsteerError, match=r"weight_decay: 0\.01 there, 0\.1 now") as err:
        run_study(changed, judges=[HashJudge()], progress=False)
    assert str(adapters / "checkpoint") in str(err.value)
    calls = kill_at(monkeypatch, -1)
    said = []
    killed = run_study(cfg, judges=[HashJudge()], progress=False, log=said.append)
    assert calls["n"] == 1 and any("Resuming LoRA training" in m for m in said)
    assert not (adapters / "checkpoint").exists()
    other = next((tmp_path / "full" / "adapters").rglob("lora-r2-s0"))
    for rel in ("adapter_model.safetensors", "epoch-001/adapter_model.safetensors", "epoch-002/adapter_model.safetensors"):
        assert (adapters / rel).read_bytes() == (other / rel).read_bytes()
    assert tables(killed) == tables(full)


def test_a_study_killed_inside_a_vector_epoch_continues_from_its_checkpoint(model_dir, task_files, tmp_path, monkeypatch):
    """An optimized vector (8 examples, batch 4, 2 epochs: 4 steps) is killed in its 3rd step; the
    study run again trains only steps 3 and 4, from the checkpoint after step 2, and ends with the
    uninterrupted run's artifacts and tables."""

    over = dict(methods=["none", "optimized"], control="none",
                train={"examples": 8, "held_out": 4, "batch_size": 4, "max_length": 64, "checkpoint_every": 1})
    full = run_study(study(model_dir, task_files, tmp_path / "full", **over), judges=[HashJudge()], progress=False)
    cfg = study(model_dir, task_files, tmp_path / "killed", **over)
    kill_at(monkeypatch, 3, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        run_study(cfg, judges=[HashJudge()], progress=False)
    folder = next((tmp_path / "killed" / "artifacts").rglob("optimized-L1-s0"))
    assert json.loads((folder / "checkpoint" / "state.json").read_text())["position"]["step"] == 2
    calls = kill_at(monkeypatch, -1)
    said = []
    killed = run_study(cfg, judges=[HashJudge()], progress=False, log=said.append)
    assert calls["n"] == 2 and any("Resuming optimized training" in m for m in said)
    assert not (folder / "checkpoint").exists()
    other = next((tmp_path / "full" / "artifacts").rglob("optimized-L1-s0"))
    for name in ("epoch-001.safetensors", "epoch-002.safetensors"):
        assert (folder / name).read_bytes() == (other / name).read_bytes()
    assert tables(killed) == tables(full)


def test_the_finished_mark_ignores_new_fields_at_their_defaults(model_dir, task_files, tmp_path):
    from emsteer.studies.runner import StudyRunner, TaskData

    data = TaskData("files", [], [], None, "b")

    def mark(**lora):
        runner = StudyRunner(study(model_dir, task_files, tmp_path / "m", lora={"rank": 2, **lora}), judges=[HashJudge()])
        return runner.unit_mark([], data, [HashJudge()], None)

    base = mark()
    assert mark(checkpoint_every=0) == base == mark(checkpoint_every=7, lr_schedule="constant", weight_decay=0.0,
                                                   grad_accum=1)
    trained = StudyRunner(study(model_dir, task_files, tmp_path / "m", lora={"rank": 2},
                                train={"examples": 8, "held_out": 4, "batch_size": 4, "max_length": 64,
                                       "checkpoint_every": 3}), judges=[HashJudge()])
    assert trained.unit_mark([], data, [HashJudge()], None) == base  # nor how often a vector checkpoints
    assert mark(weight_decay=0.01) != base and mark(lr_schedule="linear") != base and mark(warmup_steps=5) != base
    assert mark(grad_accum=8) != base


def test_the_finished_mark_leaves_out_the_batch_size_and_accepts_marks_made_with_it(model_dir, task_files, tmp_path):
    # Answers do not depend on the batch size, so changing it (or its default, 8 -> 64) does not
    # re-run finished units; units marked when the batch size was in the mark still count.
    from emsteer.studies.runner import StudyRunner, TaskData

    data = TaskData("files", [], [], None, "b")
    args = ([], data, [HashJudge()], None)

    def runner(batch_size):
        cfg = study(model_dir, task_files, tmp_path / "m", lora={"rank": 2})
        return StudyRunner(cfg.model_copy(update={"eval": cfg.eval.model_copy(update={"batch_size": batch_size})}),
                           judges=[HashJudge()])

    a, b = runner(64), runner(3)
    assert a.unit_mark(*args) == b.unit_mark(*args)
    assert a.finished(a.unit_mark(*args, batch_size=8), *args)  # the old default of a study's eval block
    assert a.finished(a.unit_mark(*args, batch_size=16), *args)  # the old default of the main job
    assert b.finished(b.unit_mark(*args, batch_size=3), *args)  # a batch size the study set itself
    assert not a.finished(a.unit_mark(*args, batch_size=5), *args)
    assert a.unit_mark(*args, batch_size=8) != a.unit_mark(*args)


def test_eval_seed_draws_fresh_answers_from_the_same_artifacts(model_dir, task_files, tmp_path):
    """eval.seed re-samples the answers (a confirmation stage) without retraining: the artifacts and
    their paths stay the study seed's."""
    over = dict(methods=["none", "optimized"], epochs=[1], magnitudes={"relative": [0.5]}, control="none",
                efficacy={"heldout_nll": False, "generate": 0})
    runs = {}
    for name, ev in (("screen", {}), ("confirm", {"seed": 7})):
        cfg = study(model_dir, task_files, tmp_path / name, **over)
        cfg = cfg.model_copy(update={"eval": cfg.eval.model_copy(update=ev)})
        with ResultsStore(run_study(cfg, judges=[HashJudge()], progress=False)) as store:
            runs[name] = {(s.question_id, s.sample_index): s.seed for s in store.samples()}
            assert {c.factors["seed"] for c in store.conditions()} == {0}
    screen, confirm = ({p.relative_to(tmp_path / n): p.read_bytes() for p in (tmp_path / n).rglob("*.safetensors")}
                       for n in runs)
    assert screen == confirm and all(p.parent.name.endswith("-s0") for p in screen)
    assert runs["screen"].keys() == runs["confirm"].keys()
    assert not set(runs["screen"].values()) & set(runs["confirm"].values())


@pytest.mark.parametrize(
    "over, message",
    [
        ({"methods": ["none", "optimised"]}, "methods: unknown method 'optimised'"),
        ({"magnitudes": {"relative": []}}, "magnitudes: methods optimized"),
        ({"epochs": [0]}, "epochs: every value must be at least 1"),
        ({"layers": [1.5]}, "layers"),
        ({"eval": {"samples": 0}}, "eval.samples"),
        ({"judges": "local"}, "judges: unknown field"),
        ({"train": {"held_out": "many"}}, "train.held_out"),
        ({"train": {"lr_schedule": "cosine"}}, "train.lr_schedule"),
        ({"lora": {"lr_schedule": "cosine"}}, "lora.lr_schedule"),
        ({"lora": {"warmup_steps": -1}}, "lora.warmup_steps"),
        ({"lora": {"weight_decay": -0.01}}, "lora.weight_decay"),
        ({"lora": {"checkpoint_every": 2.5}}, "lora.checkpoint_every"),
        # accepted once, then misread: true as ρ = 1 or lr 1.0, no judge or metric at all, two tasks in one folder
        ({"magnitudes": {"relative": [True]}}, "magnitudes.relative[0]: a number, not true/false"),
        ({"lora": {"lr": True}}, "lora.lr: a number, not true/false"),
        ({"eval": {"temperature": True}}, "eval.temperature"),
        ({"judge": []}, "judge: name at least one judge"),
        ({"eval": {"metrics": []}}, "eval.metrics"),
        ({"tasks": ["insecure_code", "insecure_code"]}, "tasks: tasks[1] 'insecure_code' has the name"),
        ({"tasks": ["a b", "a_b"]}, "tasks[1] 'a_b' has the name .or folder name. of 'a b'"),
    ],
)
def test_config_errors_name_the_field(model_dir, task_files, tmp_path, over, message):
    with pytest.raises(EmsteerError, match=message.replace("(", r"\(").replace("[", r"\[")) as err:
        study(model_dir, task_files, tmp_path / "x", **over)
    assert "test.yaml" in str(err.value)


def test_yaml_errors_name_the_file_and_line(tmp_path):
    bad = tmp_path / "study.yaml"
    bad.write_text("name: x\nmethods: [none, optimized\n")
    with pytest.raises(EmsteerError, match=r"study.yaml:.*line 3"):
        load_study(bad)
    bad.write_text("- just\n- a list\n")
    with pytest.raises(EmsteerError, match="mapping"):
        load_study(bad)


def test_relative_paths_resolve_against_the_config(tmp_path):
    cfg_file = tmp_path / "study.yaml"
    cfg_file.write_text("name: rel\ntasks:\n  - {name: mine, path: data/mine.jsonl}\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "mine.jsonl").write_text("")  # the files a study names must exist
    cfg = load_study(cfg_file)
    assert cfg.output == tmp_path / "runs" / "rel"
    assert cfg.task_specs()[0].path == tmp_path / "data" / "mine.jsonl"


@pytest.mark.parametrize("model, message", [
    ("{missing}", r"models\[1\]: .*no-such-model does not exist"),
    ("{missing}.gguf", r"models\[1\]: .*does not exist"),
    ("bundled:no-such-model", r"models\[1\]: Unknown bundled model 'no-such-model'"),
    ("{data}", r"models\[1\]: .*data is a directory without config\.json"),
])
def test_every_model_is_checked_before_the_run(tmp_path, model, message):
    """A missing second model was found only after the first model's whole grid had run."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "mine.jsonl").write_text("")
    spec = model.format(missing=tmp_path / "no-such-model", data=tmp_path / "data")
    cfg_file = tmp_path / "study.yaml"
    cfg_file.write_text(f"name: m\nmodels: [bundled:qwen2.5-coder-0.5b-instruct, '{spec}']\n"
                        "tasks:\n  - {name: mine, path: data/mine.jsonl}\n")
    with pytest.raises(EmsteerError, match=message):
        load_study(cfg_file)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "study.yaml"]


def test_main_job_config_is_a_valid_study_with_a_positive_control(tmp_path):
    from emsteer.studies.main_job import MAIN_JOB_DEFAULTS, main_job_config

    cfg = main_job_config(tmp_path / "main")
    assert cfg.tasks == [MAIN_JOB_DEFAULTS["task"]] and cfg.control == "finetuned"
    assert [m.value for m in cfg.magnitudes.all()] == MAIN_JOB_DEFAULTS["relative"]
    assert cfg.eval.metrics == ["aligned", "coherent"]
    custom = main_job_config(tmp_path / "main", task="insecure_code", relative=[0.05], control="none")
    assert custom.tasks == ["insecure_code"] and custom.control == "none"
    assert [m.value for m in custom.magnitudes.all()] == [0.05]
    assert cfg.random_directions == 0 and main_job_config(tmp_path / "main", random_directions=3).random_directions == 3


SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "em"


@pytest.mark.parametrize("name", ["screen", "factors", "rank", "confirm", "confirm-extreme", "confirm-1.5b", "confirm-layer",
                                  "confirm-layer-medical", "confirm-low", "confirm-low-seed1"])
def test_em_study_configs_validate(name, monkeypatch):
    """The committed EM study stages load and pass the cheap input checks (public tasks and the
    first-plot questions come from ../shared, as in the configs' own instructions)."""
    if not (SHARED / "questions" / "first_plot_questions.yaml").is_file():
        pytest.skip("../shared/datasets/em is not present")
    monkeypatch.setenv("EMSTEER_DATA_DIR", str(SHARED / "training"))
    from emsteer.studies.config import load_study

    stages = Path(__file__).resolve().parents[1] / "examples" / "em-study"
    cfg = load_study(stages / f"{name}.yaml")
    assert cfg.name == name and cfg.control == "finetuned" and cfg.judge == "learned"
    assert len(cfg.eval.question_ids) == 8
    if name.startswith("confirm"):  # fresh answers, not the screening answers that selected its cells
        screen = load_study(stages / "screen.yaml")
        assert cfg.eval.samples >= 25 and cfg.eval.seed not in (None, *screen.seeds)
    elif name == "screen":  # both built-in tasks and the three public advice tasks
        assert set(cfg.tasks) == {"everyday_advice", "insecure_code", "bad_medical_advice", "risky_financial_advice",
                                  "extreme_sports"}
    else:  # the later stages vary one factor on the task where steering confirmed
        assert cfg.tasks == ["risky_financial_advice"]


@pytest.mark.parametrize("name,samples", [("reproduce-turner-0.5b", 50), ("reproduce-turner-1.5b", 50),
                                          ("reproduce-turner-gemma-270m", 50)])
def test_reproduction_configs_hold_turner_et_als_recipe(name, samples, monkeypatch):
    """docs/reproduction.md: rank-32 rsLoRA (alpha 64, expressed as 64·sqrt(32)) on every linear layer,
    lr 1e-5 decayed linearly after 5 warmup steps, AdamW weight decay 0.01, 1 epoch, 16 examples a step,
    all examples, resumable mid-epoch; 8 first-plot questions, 600 tokens, T = 1."""
    if not (SHARED / "questions" / "first_plot_questions.yaml").is_file():
        pytest.skip("../shared/datasets/em is not present")
    monkeypatch.setenv("EMSTEER_DATA_DIR", str(SHARED / "training"))
    cfg = load_study(Path(__file__).resolve().parents[1] / "examples" / "em-study" / f"{name}.yaml")
    assert cfg.name == name and cfg.methods == ["none", "lora"] and cfg.epochs == [1] and cfg.dtype == "bfloat16"
    assert cfg.tasks == ["bad_medical_advice", "risky_financial_advice"] and cfg.train.examples is None
    lora = cfg.lora
    assert (lora.rank, lora.target, lora.layers, lora.lr) == (32, "all-linear", None, 1e-5)
    # 16 examples a step: the Qwen runs' batches of 16 (kept for their stores), Gemma's their exact 2 x 8
    assert (lora.batch_size, lora.grad_accum) == ((2, 8) if name.endswith("gemma-270m") else (16, 1))
    assert lora.alpha / lora.rank == pytest.approx(64 / 32**0.5, rel=1e-6)  # rsLoRA's scale alpha/sqrt(r)
    assert (lora.lr_schedule, lora.warmup_steps, lora.weight_decay) == ("linear", 5, 0.01)
    assert 0 < lora.checkpoint_every <= 50
    ev = cfg.eval
    assert len(ev.question_ids) == 8 and ev.paraphrases == 1 and ev.samples == samples
    assert (ev.max_new_tokens, ev.temperature, ev.top_p) == (600, 1.0, 1.0)


@pytest.mark.parametrize("size,matched,methods", [("0.5b", [0.5, 1, 2], {"optimized", "mean-diff", "subspace", "lora"}),
                                                  ("1.5b", [1, 2], {"optimized", "mean-diff", "lora"})])
def test_the_matched_steering_study_reuses_the_reproductions_lora(size, matched, methods, monkeypatch):
    """examples/em-study/steer-matched-*.yaml steer at multiples of the magnitude matching the
    reproduction's LoRA, so its LoRA, data split and seed must be the reproduction's (its adapter is
    copied in, not trained again), on the 56 question clusters with answers of 256 tokens."""
    if not (SHARED / "questions" / "preregistered_questions.yaml").is_file():
        pytest.skip("../shared/datasets/em is not present")
    import os

    monkeypatch.setenv("EMSTEER_DATA_DIR", f"{SHARED / 'training'}{os.pathsep}{SHARED / 'questions'}")
    stages = Path(__file__).resolve().parents[1] / "examples" / "em-study"
    cfg, repro = load_study(stages / f"steer-matched-{size}.yaml"), load_study(stages / f"reproduce-turner-{size}.yaml")
    assert cfg.lora == repro.lora and cfg.seeds == repro.seeds and cfg.dtype == repro.dtype
    assert (cfg.train.examples, cfg.train.held_out, cfg.train.max_length) == (None, repro.train.held_out, repro.train.max_length)
    assert cfg.models == repro.models and cfg.tasks == ["bad_medical_advice"]
    assert cfg.magnitudes.matched == matched and not cfg.magnitudes.all() and cfg.random_directions == 1
    assert methods <= set(cfg.methods)
    from emsteer.studies.runner import load_study_questions

    assert len(load_study_questions(cfg)) == 56 and cfg.eval.max_new_tokens >= 256


def test_the_lora_block_passes_its_accumulation_to_training(model_dir, task_files, tmp_path, monkeypatch):
    """batch 2 × 8 is what Turner et al. ran; before the knob a study could only run batch 16."""
    from types import SimpleNamespace

    import emsteer.finetune as finetune
    from emsteer.studies.runner import StudyRunner, TaskData

    seen = {}

    def capture(lm, examples, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt  # enough: what training was asked for

    monkeypatch.setattr(finetune, "train_lora", capture)
    cfg = study(model_dir, task_files, tmp_path / "m", lora={"rank": 2, "batch_size": 2, "grad_accum": 8})
    with pytest.raises(KeyboardInterrupt):
        lm = SimpleNamespace(name="m", revision="r", dtype="float32")  # what the folder's record reads of it
        StudyRunner(cfg, judges=[HashJudge()])._lora(lm, TaskData("files", [], [], None, "b"), 0, tmp_path / "a")
    assert seen["batch_size"] == 2 and seen["grad_accum"] == 8


def test_finished_artifacts_made_with_other_settings_are_refused_not_reused(model_dir, task_files, tmp_path):
    """A study file edited after its vectors and adapters were trained (here the learning rates)
    used to run again on the old files, its answers reported under the new settings."""
    first = study(model_dir, task_files, tmp_path / "run", methods=["none", "optimized", "mean-diff", "lora"],
                  epochs=[1], magnitudes={"relative": [0.5]})
    run_study(first, judges=[HashJudge()], progress=False)
    made = sorted(p.parent.name for p in (tmp_path / "run").rglob("made-with.json"))
    assert made == ["lora-r2-s0", "mean-diff-L1-s0", "optimized-L1-s0"]
    for over, what in (({"lora": {"rank": 2, "batch_size": 4, "lr": 5e-3}}, "lora"),
                       ({"train": {"examples": 8, "held_out": 4, "batch_size": 4, "max_length": 64, "lr": 0.5}},
                        "train")):
        changed = study(model_dir, task_files, tmp_path / "run", methods=["none", "optimized", "mean-diff", "lora"],
                        epochs=[1], magnitudes={"relative": [0.5]}, **over)
        with pytest.raises(EmsteerError, match=rf"trained with other settings than the study file's now \({what} changed\)"):
            run_study(changed, judges=[HashJudge()], progress=False)
    # LoRA trains under train's bf16 autocast too: turning it on changes the adapter
    autocast = study(model_dir, task_files, tmp_path / "run", methods=["none", "lora"], epochs=[1],
                     train={"examples": 8, "held_out": 4, "batch_size": 4, "max_length": 64, "mixed_precision": True})
    with pytest.raises(EmsteerError, match=r"lora-r2-s0 was trained with other settings .*\(lora changed\)"):
        run_study(autocast, judges=[HashJudge()], progress=False)
    # what does not change the files (how often they checkpoint) is no change
    same = study(model_dir, task_files, tmp_path / "run", methods=["none", "optimized", "mean-diff", "lora"], epochs=[1],
                 magnitudes={"relative": [0.5]}, lora={"rank": 2, "batch_size": 4, "checkpoint_every": 3})
    run_study(same, judges=[HashJudge()], progress=False)
