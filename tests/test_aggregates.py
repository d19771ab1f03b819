"""One table of aggregates (results/aggregates.py): every consumer iterates it, so a new figure of a
condition is one entry, and the committed findings tables are what the table spells."""

import csv
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

import emsteer as em
from emsteer.analysis.findings import condition_columns, write_findings
from emsteer.analysis.report import write_report
from emsteer.cli import app
from emsteer.results import aggregates as agg
from emsteer.results.aggregates import AGGREGATES, Aggregate
from emsteer.results.inference import wilson_interval
from emsteer.results.records import ConditionRecord, JudgmentRecord, SampleRecord
from emsteer.results.store import ResultsStore
from emsteer.tracking import key, log_results

ROOT = Path(__file__).resolve().parents[1]
JUDGE = "test:judge"
STEERED = "optimized ρ=0.1"
# (aligned, coherent) of each answer: the steered condition has two EM answers (aligned 0 and 10,
# coherent 90) and one incoherent one; the baseline none
SCORES = {"baseline": [(80.0, 90.0), (90.0, 90.0), (85.0, 90.0)], STEERED: [(0.0, 90.0), (10.0, 90.0), (80.0, 40.0)]}

# two entries no consumer knows: a score (after the paired difference) and an EM figure with an interval
EM_ALIGNED = Aggregate("EM-answer aligned", lambda s: s.em_means.aligned, short="EM al.")
INCOHERENT_RATE = Aggregate("incoherent share", lambda s: 1 - s.n_coherent / s.n_scored if s.n_scored else None, "share",
                            interval=lambda s: wilson_interval(s.n_scored - s.n_coherent, s.n_scored) if s.n_scored else None,
                            short="incoh.", em=True)


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "tiny.sqlite"
    with ResultsStore(path) as s:
        s.set_meta("judge", JUDGE)
        for cid, (name, kind) in enumerate([("baseline", "baseline"), (STEERED, "steering")]):
            factors = {} if kind == "baseline" else {"method": "optimized", "layer": 3, "task": "insecure_code"}
            s.add_condition(ConditionRecord(f"c{cid}", name, kind, "m", "r", factors=factors, spec={"seed": 0}))
            s.add_samples([SampleRecord(f"c{cid}s{i}", f"c{cid}", "q", 0, i, i, None, "hi?", f"answer {i}", 3, 2, "stop")
                           for i in range(3)])
            s.add_judgments([JudgmentRecord(f"c{cid}s{i}", metric, JUDGE, score, 1.0, None)
                             for i, (aligned, coherent) in enumerate(SCORES[name])
                             for metric, score in (("aligned", aligned), ("coherent", coherent))])
    return path


@pytest.fixture
def added(monkeypatch):
    """The table with the two new entries: the only edit a new aggregate needs."""
    monkeypatch.setitem(AGGREGATES, "em_aligned", EM_ALIGNED)
    monkeypatch.setitem(AGGREGATES, "incoherent_rate", INCOHERENT_RATE)


def _table_cells(text: str, header: str) -> dict[str, dict[str, str]]:
    """The rich table of `show` whose header row has ``header``: condition → column → cell."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("┃") and f" {header} " in line)
    heads = [h.strip() for h in lines[top].strip("┃").split("┃")]
    rows = {}
    for line in lines[top + 2:]:
        if not line.startswith("│"):
            break
        cells = [c.strip() for c in line.strip("│").split("│")]
        rows[cells[0]] = dict(zip(heads, cells))
    return rows


def test_a_new_aggregate_is_one_entry(store, added, tmp_path):
    lo, hi = wilson_interval(1, 3)  # the steered condition: 1 of 3 scored answers incoherent

    # to_frame / summary: EM figures before the paired difference, scores after the other scores
    with em.load_results(store) as results:
        frame = results.summary()
    columns = list(frame.columns)
    assert columns.index("incoherent_rate") < columns.index("incoherent_lo") < columns.index("incoherent_hi") \
        < columns.index("em_diff") < columns.index("code_rate") < columns.index("em_aligned")
    row = frame.set_index("condition").loc[STEERED]
    assert row["em_aligned"] == pytest.approx(5.0) and row["em_rate"] == pytest.approx(2 / 3)
    assert (row["incoherent_rate"], row["incoherent_lo"], row["incoherent_hi"]) == pytest.approx((1 / 3, lo, hi))
    assert math.isnan(frame.set_index("condition").loc["baseline", "em_aligned"])  # no EM answer: no mean

    # show: the short header, printed in its unit (a share with its interval; a score in the score table)
    shown = CliRunner().invoke(app, ["show", str(store)], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    em_table, scores = _table_cells(shown.output, "EM"), _table_cells(shown.output, "aligned")
    assert em_table[STEERED]["incoh. [95% CI]"] == f"33.3% [{100 * lo:.1f}%, {100 * hi:.1f}%]"
    assert em_table["baseline"]["incoh. [95% CI]"].startswith("0.0% [")
    assert scores[STEERED]["EM al."] == "5.0" and scores["baseline"]["EM al."] == "–"
    assert scores[STEERED]["aligned"] == "30.0"  # the old columns are still there

    # the report's headline table
    html = write_report(store, tmp_path / "report.html").read_text()
    assert '<th data-type="num" data-col="em_aligned">EM-answer aligned</th>' in html
    assert '<td data-col="em_aligned" data-v="5.0">5.0</td>' in html
    assert '<td data-col="incoherent_rate"' in html and f"[{100 * lo:.1f}, {100 * hi:.1f}]" in html

    # findings' conditions.csv: the new columns in place, at the CSV's precision
    write_findings([store], tmp_path / "findings")
    with open(tmp_path / "findings" / "conditions.csv", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames or [], {r["name"]: r for r in reader}
    assert header.index("em_rate") < header.index("incoherent_rate") < header.index("diff") \
        < header.index("embedding_relevance") < header.index("em_aligned") < header.index("heldout_nll")
    assert rows[STEERED]["em_aligned"] == "5.0" and rows[STEERED]["incoherent_hi"] == str(round(hi, 4))
    assert rows["baseline"]["em_aligned"] == ""

    # tracking: the metrics log_results sends
    class Recorder:
        def __init__(self):
            self.metrics = {}

        def log_params(self, params):
            pass

        def log_metrics(self, metrics, step=None):
            self.metrics.update(metrics)

    tracker = Recorder()
    log_results(tracker, store, report=False)
    assert tracker.metrics[key(STEERED, "em_aligned")] == pytest.approx(5.0)
    assert tracker.metrics[key(STEERED, "incoherent_lo")] == pytest.approx(lo)
    assert key("baseline", "em_aligned") not in tracker.metrics  # None is not logged


def test_without_the_entry_no_consumer_has_it(store):
    with em.load_results(store) as results:
        assert "em_aligned" not in results.summary().columns
    assert "em_aligned" not in condition_columns()


def test_the_committed_findings_tables_are_what_the_table_spells():
    """conditions.csv and controls.csv under docs/findings (the re-run's and the pilot's): the columns
    AGGREGATES gives today (an entry with findings=True changes these committed tables: regenerate
    them with python scripts/rebuild_findings.py)."""
    for folder in (ROOT / "docs" / "findings", ROOT / "docs" / "findings" / "pilot"):
        for name, expected in (("conditions.csv", condition_columns()),
                               ("controls.csv", ["stage", "model", *agg.columns({n: AGGREGATES[n] for n in (
                                   "n_scored", "em_count", "em_rate", "aligned", "coherent")})])):
            with open(folder / name, newline="") as f:
                assert next(csv.reader(f)) == expected, folder / name


def test_columns_figures_and_text():
    rate = AGGREGATES["em_rate"]
    assert agg.columns({"em_rate": rate, "n": AGGREGATES["n"]}) == ["em_rate", "em_lo", "em_hi", "n"]
    assert agg.bounds("coherent") == ("coherent_lo", "coherent_hi")
    assert rate.text(0.3351) == "33.5%" and AGGREGATES["refusal_rate"].text(0.3351, compact=True) == "34%"
    assert AGGREGATES["embedding_relevance"].text(0.35102) == "0.351"
    assert AGGREGATES["embedding_relevance"].text(0.35102, compact=True) == "0.35"
    assert AGGREGATES["n"].text(200) == "200" and AGGREGATES["aligned"].text(float("nan")) == "–"
    assert AGGREGATES["coherent"].text(None) == "–"
    assert agg.aggregates(em=True).keys() == {"n", "n_scored", "em_count", "em_rate"}
    assert "aligned" not in agg.aggregates(report=True) and "relevant" not in agg.aggregates(findings=True)


def test_the_report_explains_efficacy_only_when_it_has_its_columns(store, tmp_path):
    """The note under the headline table said what task NLL is whenever the table had more than 13
    columns, which it always had once Newcombe's interval joined it."""
    note = "Task NLL: mean held-out NLL per assistant token"
    html = write_report(store, tmp_path / "without.html").read_text()
    assert note not in html and 'data-col="heldout_nll"' not in html
    with ResultsStore(store) as s:
        s.add_efficacy("c1", "heldout_nll", "insecure_code", 2.5, {})
    html = write_report(store, tmp_path / "with.html").read_text()
    assert note in html and '<td data-col="heldout_nll" data-v="2.5">2.500</td>' in html


def test_coherent_share_is_turners_coherence_figure(store, tmp_path):
    """`coherent_rate`: the share of scored answers with coherent > 50 (Turner et al. report it
    beside their EM rate), in the frame and in `show`'s score table."""
    with em.load_results(store) as results:
        frame = results.summary().set_index("condition")
    assert frame.loc[STEERED, "coherent_rate"] == pytest.approx(2 / 3)  # coherent 90, 90, 40
    assert frame.loc["baseline", "coherent_rate"] == pytest.approx(1.0)
    shown = CliRunner().invoke(app, ["show", str(store)], env={"COLUMNS": "250"})
    scores = _table_cells(shown.output, "aligned")
    assert scores[STEERED]["coh>50"] == "67%" and scores["baseline"]["coh>50"] == "100%"
    html = write_report(store, tmp_path / "report.html").read_text()
    assert '<th data-type="num" data-col="coherent_rate">coherent &gt; 50</th>' in html
