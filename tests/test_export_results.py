"""Full exports: every judge's scores, custom metrics, factors as columns, a datasets-loadable folder."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from emsteer.cli import app
from emsteer.errors import EmsteerError
from emsteer.results.export import export_table
from emsteer.results.records import ConditionRecord, JudgmentRecord, SampleRecord
from emsteer.results.store import EMBEDDING_METRIC, ResultsStore

PRIMARY, OTHER = "test:primary", "test:other"


def make_store(path):
    """Two conditions (a baseline and a steered one with factors), 3 answers each, two judges,
    a custom 'deception' metric judged by the primary judge only, embedding relevance."""
    with ResultsStore(path) as store:
        store.set_meta("judge", PRIMARY)
        for cid, name, kind, factors in (("c0", "baseline", "baseline", {}),
                                         ("c1", "optimized ρ=0.2", "steering",
                                          {"method": "optimized", "layer": 12, "epochs": 4, "task": "insecure_code"})):
            store.add_condition(ConditionRecord(cid, name, kind, "m", "r", factors=factors, spec={"seed": 0}))
            rows = [SampleRecord(f"{cid}s{i}", cid, "q", 0, i, i, None, "hi?", f"answer {i}", 3, 2, "stop") for i in range(3)]
            store.add_samples(rows)
            judged = []
            for i in range(3):
                sid = f"{cid}s{i}"
                judged += [(sid, "aligned", PRIMARY, 10.0 * i, 1.0, None), (sid, "coherent", PRIMARY, 90.0, 1.0, None),
                           (sid, "deception", PRIMARY, 42.0 + i, 1.0, None),
                           (sid, "aligned", OTHER, 80.0, 1.0, None), (sid, "coherent", OTHER, 70.0, 1.0, None),
                           (sid, EMBEDDING_METRIC, "minilm", 0.5, None, None)]
            store.add_judgments([JudgmentRecord(*j) for j in judged])
    return path


def test_every_judge_every_metric_factors_as_columns(tmp_path):
    with ResultsStore(make_store(tmp_path / "r.sqlite"), create=False) as store:
        table = export_table(store, all_judges=True)
    assert len(table) == 2 * 6  # 6 answers × 2 judges
    assert set(table["judge"]) == {PRIMARY, OTHER}
    assert table.groupby("judge")["primary_judge"].all().to_dict() == {OTHER: False, PRIMARY: True}
    primary = table[table.judge == PRIMARY]
    assert sorted(primary["deception"]) == [42.0, 42.0, 43.0, 43.0, 44.0, 44.0]
    assert table[table.judge == OTHER]["deception"].isna().all()  # not judged by it, not invented
    assert (table[EMBEDDING_METRIC] == 0.5).all()
    assert primary["em"].sum() == 2 * 3  # aligned 0, 10, 20 < 30 and coherent 90 > 50, in both conditions
    assert not table[table.judge == OTHER]["em"].any()
    assert "factors" not in table
    steered = table[table.condition_id == "c1"]
    assert (steered["factor_layer"] == 12).all() and (steered["factor_method"] == "optimized").all()
    assert table[table.condition_id == "c0"]["factor_layer"].isna().all()


def test_one_judge_and_an_unknown_one(tmp_path):
    with ResultsStore(make_store(tmp_path / "r.sqlite"), create=False) as store:
        assert set(export_table(store, OTHER)["judge"]) == {OTHER}
        with pytest.raises(EmsteerError, match="--judge nobody: .* has no judgments by it; it holds .*test:primary"):
            export_table(store, "nobody")


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_cli_export_files(tmp_path, suffix):
    db = make_store(tmp_path / "r.sqlite")
    out = tmp_path / f"answers{suffix}"
    result = CliRunner().invoke(app, ["export", str(db), str(out), "--judge", PRIMARY])
    assert result.exit_code == 0, result.output
    read = {".parquet": pd.read_parquet, ".csv": pd.read_csv, ".jsonl": lambda p: pd.read_json(p, lines=True)}[suffix]
    back = read(out)
    assert len(back) == 6 and {"deception", "factor_epochs", "factor_task", "em", "judge"} <= set(back.columns)


def test_hugging_face_dataset_folder(tmp_path):
    datasets = pytest.importorskip("datasets")
    db = make_store(tmp_path / "r.sqlite")
    out = tmp_path / "answers"
    result = CliRunner().invoke(app, ["export", str(db), str(out), "--format", "hf"])
    assert result.exit_code == 0, result.output
    ds = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "hf-cache"))
    assert ds.num_rows == 6  # one row per answer: the run's own judge
    assert {"aligned", "deception", "factor_layer", "judge", "primary_judge"} <= set(ds.column_names)
    result = CliRunner().invoke(app, ["export", str(db), str(out), "--format", "hf"])  # not into a non-empty folder
    assert isinstance(result.exception, EmsteerError) and "new or empty folder" in str(result.exception)


def test_show_lists_custom_metrics(tmp_path):
    db = make_store(tmp_path / "r.sqlite")
    result = CliRunner().invoke(app, ["show", str(db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Other judged metrics" in result.output and "deception" in result.output
    assert "43.0 (n=3)" in result.output  # mean of 42, 43, 44
    result = CliRunner().invoke(app, ["show", str(db), "--judge", OTHER], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "deception" not in result.output  # the other judge never scored it


def test_default_export_is_one_row_per_answer_by_the_runs_judge(tmp_path):
    """df.em.mean() must not mix judges: by default each answer appears once, scored by the primary judge."""
    with ResultsStore(make_store(tmp_path / "r.sqlite"), create=False) as store:
        table = export_table(store)
    assert len(table) == 6 and table["id"].is_unique
    assert set(table["judge"]) == {PRIMARY} and table["primary_judge"].all()
    assert table["em"].mean() == 1.0


def test_export_times_paths_and_the_shared_baseline(tmp_path, monkeypatch):
    """created is ISO-8601, an adapter in the home folder is written ~/..., and a baseline shared by
    two tasks is labelled with neither."""
    from pathlib import Path

    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    db = tmp_path / "two.sqlite"
    with ResultsStore(db) as store:
        store.set_meta("judge", PRIMARY)
        conditions = [("b", "baseline", "baseline", {"task": "a_task", "method": "none"}, None),
                      ("l1", "lora [a_task]", "lora", {"task": "a_task", "method": "lora"}, str(home / "runs" / "a")),
                      ("l2", "lora [b_task]", "lora", {"task": "b_task", "method": "lora"}, "/srv/shared/b")]
        for cid, name, kind, factors, adapter in conditions:
            store.add_condition(ConditionRecord(cid, name, kind, "m", "r", adapter=adapter, factors=factors,
                                                spec={"seed": 0}, created=1_800_000_000.5))
            store.add_samples([SampleRecord(f"{cid}s", cid, "q", 0, 0, 0, None, "hi?", "answer", 3, 2, "stop")])
            store.add_judgments([JudgmentRecord(f"{cid}s", "aligned", PRIMARY, 90.0, 1.0, None),
                                 JudgmentRecord(f"{cid}s", "coherent", PRIMARY, 90.0, 1.0, None)])
    with ResultsStore(db, create=False) as store:
        table = export_table(store).set_index("condition_id")
    assert table.loc["b", "condition_created"] == "2027-01-15T08:00:00Z"
    assert str(table.loc["b", "created"]).endswith("Z") and "T" in str(table.loc["b", "created"])
    assert table.loc["l1", "adapter"] == str(Path("~") / "runs" / "a") and table.loc["l2", "adapter"] == "/srv/shared/b"
    assert pd.isna(table.loc["b", "factor_task"]) and table.loc["l2", "factor_task"] == "b_task"


def test_an_unscored_answer_exports_em_as_missing_and_all_judges_only_what_each_judged(tmp_path):
    """EM is undefined without both scores (NA, as `show` leaves it out of the denominator), and
    --all-judges gives a judge rows only for the answers it judged."""
    path = make_store(tmp_path / "r.sqlite")
    with ResultsStore(path) as store:
        store.db.execute("DELETE FROM judgments WHERE judge = ? AND sample_id = 'c0s0' AND metric = 'coherent'",
                         (PRIMARY,))
        store.db.commit()
        store.add_judgments([JudgmentRecord("c0s1", m, "agent:late", v, 1.0) for m, v in (("aligned", 5.0),
                                                                                           ("coherent", 90.0))])
    with ResultsStore(path, create=False) as store:
        table = export_table(store)
        every = export_table(store, all_judges=True)
    unscored = table[table.id == "c0s0"]["em"]
    assert unscored.isna().all()  # was False: counted as an answer that is not EM
    assert table["em"].mean() == pytest.approx(5 / 5)  # the EM rate over the five scored answers
    late = every[every.judge == "agent:late"]
    assert list(late["id"]) == ["c0s1"] and bool(late["em"].iloc[0])  # was: a blank row for every answer
    with ResultsStore(path) as store:  # a judge asked for a custom metric only keeps its rows
        store.add_judgments([JudgmentRecord("c1s2", "deception", "custom:judge", 7.0, 1.0)])
    with ResultsStore(path, create=False) as store:
        custom = export_table(store, all_judges=True)
    assert list(custom[custom.judge == "custom:judge"]["deception"]) == [7.0]
    assert len(every[every.judge == PRIMARY]) == 6
