"""The store's meta records, typed: one accessor per record, so no caller spells a key or a JSON shape.

A results store keeps, beside its rows, what a reader needs to trust them: the run's judge and how
far that judge was measured to agree (with a reference judge, the calibration answers, prompt
injection), the study configuration that declared its comparisons, one mark per finished unit
of a study (so a rerun skips it), and the magnitudes a study matched to its LoRA's efficacy.
``store.meta`` reads and writes them; the raw key-value table is ``ResultsStore.get_meta``/
``set_meta`` and nothing outside this module and the store uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emsteer.judging.validity.agreement import Agreement
    from emsteer.judging.validity.calibration import CalibrationReport
    from emsteer.results.store import ResultsStore

JUDGE, AGREEMENT, CALIBRATION, INJECTION, STUDY = "judge", "judge_agreement", "judge_calibration", "judge_injection", "study"
DECLARED_FAMILY = "declared_family"  # the study's declared comparisons over its whole grid (studies/plan.py)


class StoreMeta:
    """Typed view of one store's meta table."""

    def __init__(self, store: ResultsStore) -> None:
        self._store = store

    # -- the run's judge and how far to trust it -----------------------------------------------
    @property
    def judge(self) -> str | None:
        """The identity of the judge the run was evaluated with."""
        value = self._store.get_meta(JUDGE)
        return value if isinstance(value, str) else None

    @property
    def agreement(self) -> Agreement | None:
        """The run's judge's agreement with a reference judge, as recorded with the run."""
        from emsteer.judging.validity.agreement import Agreement

        record = self._store.get_meta(AGREEMENT)
        return Agreement.from_dict(record) if isinstance(record, dict) else None

    def agreement_of(self, judge: str | None) -> Agreement | None:
        """The recorded agreement when it was measured for ``judge`` and ``judge`` is the run's
        judge; None for any other judge's scores (a merged Ray part may have changed the run's
        judge without clearing the figures)."""
        found = self.agreement
        return found if judge is not None and judge == self.judge and found is not None and found.judge == judge else None

    @property
    def calibration(self) -> CalibrationReport | None:
        """The run's judge's calibration summary (judge-check), as recorded with the run."""
        from emsteer.judging.validity.calibration import CalibrationReport

        return CalibrationReport.from_dict(self._store.get_meta(CALIBRATION))

    @property
    def injection(self) -> dict[str, Any] | None:
        """The run's judge's prompt-injection summary (judge-check --injection), as recorded with the run."""
        value = self._store.get_meta(INJECTION)
        return value if isinstance(value, dict) else None

    def record_judge(self, identity: str, *, agreement: Agreement | None = None,
                     calibration: dict[str, Any] | None = None, injection: dict[str, Any] | None = None) -> None:
        """Make ``identity`` the run's judge, with what is known of how far to trust it. What was
        recorded of another judge goes: it was measured for that judge alone."""
        if self.judge != identity:
            self._store.delete_meta(AGREEMENT, CALIBRATION, INJECTION)
            self.pin_review_samples()
        self._store.set_meta(JUDGE, identity)
        if calibration is not None:
            self._store.set_meta(CALIBRATION, calibration)
        if agreement is not None:
            self._store.set_meta(AGREEMENT, agreement.to_dict())
        if injection is not None:
            self._store.set_meta(INJECTION, injection)

    # -- studies ---------------------------------------------------------------------------------
    @property
    def study(self) -> dict[str, Any] | None:
        """The study configuration (its JSON dump) the store was run with, or None for a single run."""
        value = self._store.get_meta(STUDY)
        return value if isinstance(value, dict) else None

    def record_study(self, config: dict[str, Any]) -> None:
        self._store.set_meta(STUDY, config)

    @property
    def declared_family(self) -> int | None:
        """How many comparisons the study declared over its whole grid (None: not recorded)."""
        value = self._store.get_meta(DECLARED_FAMILY)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def record_declared_family(self, n: int) -> None:
        self._store.set_meta(DECLARED_FAMILY, int(n))

    def unit_mark(self, key: str) -> Any:
        """What a study recorded when the unit ``key`` finished (None: not finished)."""
        return self._store.get_meta(key)

    def mark_unit(self, key: str, mark: Any) -> None:
        self._store.set_meta(key, mark)

    def matched(self, artifact_id: str, adapter_id: str, held_out_id: str) -> dict[str, Any] | None:
        """The matched-efficacy search (``evaluation.matching.MatchedMagnitude.to_dict``) of this
        steering artifact against this LoRA adapter on these held-out examples (ids: content
        fingerprints), or None where none was recorded."""
        value = self._store.get_meta(_matched_key(artifact_id, adapter_id, held_out_id))
        return value if isinstance(value, dict) else None

    def record_matched(self, artifact_id: str, adapter_id: str, held_out_id: str, found: dict[str, Any]) -> None:
        self._store.set_meta(_matched_key(artifact_id, adapter_id, held_out_id), found)

    def labels_drawn_for(self, reviewer: str) -> str | None:
        """The judge whose EM calls and non-EM answers ``reviewer``'s review sample was drawn from
        (recorded by ``emsteer review``); None where nothing was recorded (labels stored before the
        record existed were drawn from the run's judge)."""
        value = self._store.get_meta(DRAWN_PREFIX + reviewer)
        return value if isinstance(value, str) else None

    def record_labels_drawn_for(self, reviewer: str, judge: str) -> None:
        self._store.set_meta(DRAWN_PREFIX + reviewer, judge)

    def pin_review_samples(self, judge: str | None = None) -> None:
        """Before the run's judge changes: reviewers whose sample has no record of its judge (labels
        stored before the record, or by scripts) drew it from the run's judge until now
        (``judge``, default the recorded one); say so, so it is never taken for the next judge's."""
        old = judge or self.judge
        if old is None:
            return
        for reviewer in self._store.judges():
            if reviewer.startswith(REVIEWER_PREFIXES) and self.labels_drawn_for(reviewer) is None:
                self.record_labels_drawn_for(reviewer, old)

    def all_matched(self) -> dict[str, dict[str, Any]]:
        """Every matched-efficacy search recorded, by its meta key (for ``adopt_matched``)."""
        return {k: v for k, v in self._store.meta_items(MATCHED_PREFIX).items() if isinstance(v, dict)}

    def adopt_matched(self, records: dict[str, dict[str, Any]]) -> None:
        """Take searches another store recorded (a study's, for one of its Ray units), so the unit
        steers at the ρ the study found, never a second search's (devices differ in the last bits)."""
        for key, found in records.items():
            if key.startswith(MATCHED_PREFIX) and self._store.get_meta(key) is None:
                self._store.set_meta(key, found)


MATCHED_PREFIX = "matched/"
DRAWN_PREFIX = "labels_drawn_for/"
HUMAN_PREFIX = "human:"  # a person's labels (emsteer review)
AGENT_PREFIX = "agent:"  # blind labels by an LLM agent (docs/labelling.md), not by a person
REVIEWER_PREFIXES = (HUMAN_PREFIX, AGENT_PREFIX)  # a reviewer's labels (results.verified), not a machine judge


def _matched_key(artifact_id: str, adapter_id: str, held_out_id: str) -> str:
    # Keyed by content, not by the target NLL (a float that differs between devices): a resumed
    # study steers at the ρ it searched once, wherever it resumes.
    return f"{MATCHED_PREFIX}{artifact_id}/{adapter_id}/{held_out_id}"
