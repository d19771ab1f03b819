"""The store's typed meta records: what a run writes is what show, the report and findings read."""

from __future__ import annotations

import shutil
from pathlib import Path

from emsteer.judging.validity.agreement import Agreement
from emsteer.results.store import ResultsStore

STORES = Path(__file__).resolve().parents[1] / "docs" / "findings" / "pilot" / "stores"


def test_a_committed_store_reads_back_its_judge_agreement_and_study(tmp_path):
    src = STORES / "confirm.sqlite"
    assert src.is_file(), f"{src} is committed with the repository"
    shutil.copy(src, tmp_path / "s.sqlite")  # never open a committed file for writing
    with ResultsStore(tmp_path / "s.sqlite", create=False) as store:
        meta = store.meta
        assert meta.judge is not None and meta.judge.startswith("learned:")
        assert meta.agreement is not None and meta.agreement.judge == meta.judge
        assert meta.study is not None and meta.study["name"]


def test_record_judge_round_trips_and_wrong_shapes_read_as_absent(tmp_path):
    with ResultsStore(tmp_path / "new.sqlite") as store:
        meta = store.meta
        assert (meta.judge, meta.agreement, meta.calibration, meta.injection, meta.study) == (None,) * 5
        injection = {"judge": "test:j", "styles": []}
        meta.record_judge("test:j", injection=injection)
        assert meta.judge == "test:j" and meta.injection == injection and meta.agreement is None
        store.set_meta("judge_agreement", ["not", "a", "record"])  # a damaged record is not an agreement
        store.set_meta("judge_calibration", {"judge": "test:j"})  # nor half a calibration summary
        assert meta.agreement is None and meta.calibration is None
        meta.record_study({"name": "s", "comparisons": []})
        meta.mark_unit("finished/m/t/seed 0", "mark")
        assert meta.study == {"name": "s", "comparisons": []} and meta.unit_mark("finished/m/t/seed 0") == "mark"
        assert meta.unit_mark("finished/m/t/seed 1") is None


def test_a_new_judge_drops_what_was_measured_for_the_old_one(tmp_path):
    shutil.copy(STORES / "confirm.sqlite", tmp_path / "s.sqlite")
    with ResultsStore(tmp_path / "s.sqlite") as store:
        meta = store.meta
        old = meta.judge
        assert meta.agreement is not None and meta.agreement_of(old) is not None
        agreement = meta.agreement.to_dict()
        assert meta.agreement_of("test:other") is None  # another judge's scores never carry it
        meta.record_judge(old, injection={"judge": old, "styles": []})  # the same judge again keeps it
        assert meta.agreement is not None
        meta.record_judge("test:other")  # re-judged by another judge: the old figures are not its figures
        assert (meta.agreement, meta.calibration, meta.injection) == (None, None, None)
        assert meta.agreement_of("test:other") is None and meta.agreement_of(old) is None
        # a merged Ray part sets the run's judge without record_judge: figures of another judge stay
        # in the store but are never shown as the new judge's, nor matched keys by case
        meta.record_judge(old, agreement=Agreement.from_dict({**agreement, "judge": old}))
        store.set_meta("judge", "test:merged")
        assert meta.agreement is not None and meta.agreement_of("test:merged") is None
        store.set_meta("MATCHED/a/b/c", {"rho": 1.0})
        meta.record_matched("a", "b", "c", {"rho": 0.5})
        assert meta.all_matched() == {"matched/a/b/c": {"rho": 0.5}}
