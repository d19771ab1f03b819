"""Studies on a local Ray cluster (2 CPUs, started by the tests): the same tables as a serial run,
a worker killed mid-unit and retried, resumption, and the per-unit stores' merge."""

import json
import os
import sqlite3
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from emsteer.results.merge import merge_store  # noqa: E402
from emsteer.results.store import ResultsStore  # noqa: E402
from emsteer.studies.config import parse_study  # noqa: E402
from emsteer.studies.distributed import run_study_ray  # noqa: E402
from emsteer.studies.runner import run_study  # noqa: E402

from judges import HashJudge  # noqa: E402

TESTS = Path(__file__).parent


class DiesOnceJudge(HashJudge):
    """The hash judge, but the first call in the whole test kills its worker process (like an OOM
    kill or a lost node): Ray must retry the unit, which resumes from its part store."""

    def __init__(self, marker: Path):
        super().__init__()
        self.marker = str(marker)

    def judge(self, requests):
        if not os.path.exists(self.marker):
            Path(self.marker).write_text(str(os.getpid()))
            os._exit(1)
        return super().judge(requests)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    # Workers import the test helpers (judges.py, this module) and share the test's private cache.
    env = {"PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
           "EMSTEER_CACHE_DIR": str(tmp_path_factory.getbasetemp() / "emsteer-cache"), "OMP_NUM_THREADS": "1"}
    ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": env}, logging_level="error")
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def task_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("task") / "unsafe.jsonl"
    rows = [json.dumps({"messages": [{"role": "user", "content": f"read file {i}"},
                                     {"role": "assistant", "content": f"open(p{i}).read()"}]}) for i in range(10)]
    path.write_text("\n".join(rows) + "\n")
    return path


def small_study(model_dir, task_file, out):
    # 2 seeds = 2 units; a persona control (its own Ray task); a trained and a built artifact.
    return parse_study({
        "name": "ray-study", "output": str(out), "models": [str(model_dir)],
        "tasks": [{"name": "files", "path": str(task_file), "behaviour": "reads files unsafely"}],
        "methods": ["none", "optimized", "pca"], "layers": [1], "magnitudes": {"relative": [0.5, 2.0]},
        "epochs": [1], "seeds": [0, 1], "control": "persona",
        "train": {"examples": 6, "held_out": 3, "batch_size": 3, "max_length": 48},
        "eval": {"question_ids": ["day_off", "one_wish"], "paraphrases": 1, "samples": 2, "max_new_tokens": 4},
        "embedding": False, "efficacy": {"generate": 1},
    }, source="test.yaml")


def tables(db):
    """Every table's content, without creation times (those say when, not what)."""
    con = sqlite3.connect(db)
    try:
        return {
            "conditions": con.execute("SELECT id, name, kind, factors, spec, alpha, rho FROM conditions ORDER BY created, name").fetchall(),
            "artifacts": con.execute("SELECT id, kind, layers, method FROM artifacts ORDER BY id").fetchall(),
            "samples": con.execute("SELECT id, condition_id, response, seed, purpose FROM samples ORDER BY id").fetchall(),
            "judgments": con.execute("SELECT sample_id, metric, judge, score, label FROM judgments ORDER BY 1, 2, 3").fetchall(),
            "efficacy": con.execute("SELECT condition_id, measure, task, judge, round(value, 9) FROM efficacy ORDER BY 1, 2, 3").fetchall(),
            "meta": con.execute("SELECT key, value FROM meta WHERE key != 'study' ORDER BY key").fetchall(),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def serial(model_dir, task_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    return tables(run_study(small_study(model_dir, task_file, out), judges=[HashJudge()], progress=False))


def test_ray_study_gives_the_serial_tables(cluster, serial, model_dir, task_file, tmp_path):
    cfg = small_study(model_dir, task_file, tmp_path / "ray")
    db = run_study_ray(cfg, judges=[HashJudge()], progress=False)
    got = tables(db)
    assert got == serial
    assert len(got["conditions"]) == 2 * (1 + 1 + 2 + 2)  # per seed: control, baseline, 2 methods × 2 magnitudes
    assert len(list((tmp_path / "ray" / "parts").glob("*.sqlite"))) == 2  # one store per unit
    # Run again: everything is found in the parts and the store; nothing is added or duplicated.
    run_study_ray(cfg, judges=[HashJudge()], progress=False)
    assert tables(db) == serial


def test_a_killed_worker_is_retried_with_identical_tables(cluster, serial, model_dir, task_file, tmp_path):
    marker = tmp_path / "killed-once"
    db = run_study_ray(small_study(model_dir, task_file, tmp_path / "ray"), judges=[DiesOnceJudge(marker)],
                       progress=False)
    assert marker.is_file() and int(marker.read_text()) != os.getpid()  # a worker died, not the driver
    assert tables(db) == serial


def test_a_finished_store_copied_to_a_fresh_folder_runs_no_unit(cluster, serial, model_dir, task_file, tmp_path):
    """The serial run's store alone, in a folder without artifacts or parts: every unit is marked
    finished, so no worker trains, answers or writes a part, and the tables stay the serial run's."""
    import shutil

    first = run_study(small_study(model_dir, task_file, tmp_path / "here"), judges=[HashJudge()], progress=False)
    (tmp_path / "there").mkdir()
    shutil.copy(first, tmp_path / "there" / "results.sqlite")
    logged = []
    db = run_study_ray(small_study(model_dir, task_file, tmp_path / "there"), judges=[HashJudge()], progress=False,
                       log=logged.append)
    assert tables(db) == serial
    assert not list((tmp_path / "there" / "parts").glob("*.sqlite"))
    assert not (tmp_path / "there" / "artifacts").exists()
    assert not [line for line in logged if "positive control" in line]  # no control task either
    # Stale marks (other magnitudes): the units run again, and the first task's workers, given no
    # control by the driver this time, prepare it themselves: one control condition per seed.
    logged.clear()
    changed = small_study(model_dir, task_file, tmp_path / "there")
    changed = changed.model_copy(update={"magnitudes": changed.magnitudes.model_copy(update={"relative": [1.0]})})
    run_study_ray(changed, judges=[HashJudge()], progress=False, log=logged.append)
    assert not [line for line in logged if "positive control" in line]
    parts = sorted((tmp_path / "there" / "parts").glob("*.sqlite"))
    assert len(parts) == 2
    for part in parts:  # each unit's own part holds the control's answers, so its worker evaluated it
        assert [c for c in tables(part)["conditions"] if '"control": "persona"' in c[3]]


def test_merging_a_part_twice_adds_nothing(tmp_path):
    part, main = tmp_path / "part.sqlite", tmp_path / "main.sqlite"
    with ResultsStore(part) as store:
        row = {"id": "c1", "name": "baseline", "kind": "baseline", "model": "m", "model_revision": "r",
               "factors": {}, "spec": {}}
        store.db.execute("INSERT INTO conditions (id, name, kind, model, model_revision, factors, spec, created) "
                         "VALUES (?, ?, ?, ?, ?, '{}', '{}', 1.0)", tuple(row[k] for k in ("id", "name", "kind", "model", "model_revision")))
        store.db.execute("INSERT INTO samples (id, condition_id, question_id, paraphrase_index, sample_index, seed, question, "
                         "response, prompt_tokens, completion_tokens, finish_reason, created) "
                         "VALUES ('s1', 'c1', 'q', 0, 0, 7, 'Q?', 'A.', 3, 2, 'stop', 1.0)")
        store.db.execute("INSERT INTO judgments VALUES ('s1', 'aligned', 'j', NULL, NULL, NULL, 1.0)")  # unscored
        store.db.commit()
    with ResultsStore(main) as store:
        assert merge_store(store, part) == {"meta": 1, "artifacts": 0, "conditions": 1, "samples": 1, "judgments": 1,
                                            "efficacy": 0}
        assert merge_store(store, part)["samples"] == 0
        # A scored judgment replaces an unscored one; an unscored one never replaces a score.
        with sqlite3.connect(part) as con:
            con.execute("UPDATE judgments SET score = 80")
        merge_store(store, part)
        assert store.db.execute("SELECT score FROM judgments").fetchall()[0][0] == 80
        with sqlite3.connect(part) as con:
            con.execute("UPDATE judgments SET score = NULL")
        merge_store(store, part)
        assert store.db.execute("SELECT score FROM judgments").fetchall()[0][0] == 80
        assert store.db.execute("SELECT count(*) FROM samples").fetchone()[0] == 1
        # efficacy measured again in a part (its settings changed) replaces the old value, as a
        # serial run's add_efficacy does; an older measurement never replaces a newer one
        store.add_efficacy("c1", "in_domain_rate", "t", 0.5, {"n": 2}, judge="j")
        with ResultsStore(part) as p:
            p.add_efficacy("c1", "in_domain_rate", "t", 0.25, {"n": 4}, judge="j")
        merge_store(store, part)
        assert [(e.value, e.detail) for e in store.efficacy()] == [(0.25, {"n": 4})]
        store.add_efficacy("c1", "in_domain_rate", "t", 0.75, {"n": 8}, judge="j")
        merge_store(store, part)
        assert [e.value for e in store.efficacy()] == [0.75]


def test_workers_get_the_cache_and_offline_settings_but_never_a_secret(monkeypatch):
    from emsteer.studies.distributed import _env

    for name, value in {"HF_HOME": "/cache/hf", "HF_HUB_OFFLINE": "1", "EMSTEER_CACHE_DIR": "/cache/e",
                        "HF_TOKEN": "hf_s3cret", "EMSTEER_JUDGE_API_KEY": "sk-s3cret", "HF_HUB_AUTH": "x",
                        "TRANSFORMERS_OFFLINE": "1"}.items():
        monkeypatch.setenv(name, value)
    env = _env()
    assert {"HF_HOME", "HF_HUB_OFFLINE", "EMSTEER_CACHE_DIR", "TRANSFORMERS_OFFLINE"} <= set(env)
    assert not {"HF_TOKEN", "EMSTEER_JUDGE_API_KEY", "HF_HUB_AUTH"} & set(env)
    assert "s3cret" not in repr(env)


def test_a_unit_steers_at_the_rho_the_study_already_matched(tmp_path):
    """A unit's part store starts with the study's matched-efficacy searches: the runner finds the
    study's ρ* there instead of searching again (on another device the search may end elsewhere)."""
    from emsteer.studies.distributed import _unit

    with ResultsStore(tmp_path / "study.sqlite") as study_store:
        study_store.meta.record_matched("art", "lora", "held", {"rho": 0.37})
        study_store.set_meta("matched_elsewhere", {"rho": 9.0})  # not a search record: never copied
        matched = study_store.meta.all_matched()
    assert list(matched) == ["matched/art/lora/held"]

    seen = {}

    class Runner:  # the StudyRunner calls _unit makes, recording what the unit's store holds
        config = type("Config", (), {"control": "none"})()

        def load(self, model):
            return None, [HashJudge()]

        def embedder(self):
            return None

        def finished(self, *args):
            return False

        def run_unit(self, store, *args, **kwargs):
            seen["rho"] = store.meta.matched("art", "lora", "held")

    part = tmp_path / "part.sqlite"
    with ResultsStore(part) as store:  # a resumed unit's own record is kept
        store.meta.record_matched("mine", "lora", "held", {"rho": 0.5})
    assert _unit(Runner(), [], [None], "m", 0, 0, None, str(part), None, matched) == str(part)
    assert seen["rho"] == {"rho": 0.37}
    with ResultsStore(part, create=False) as store:
        assert store.meta.matched("mine", "lora", "held") == {"rho": 0.5}
        assert store.get_meta("matched_elsewhere") is None
