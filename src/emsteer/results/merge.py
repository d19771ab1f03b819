"""Merge one results store into another (a distributed study's per-unit stores into its one store).

Every row has a deterministic key, so a merge is a set union: rows already there are kept, a
row merged twice (a retried or duplicated unit) lands once. Judgments follow the store's own
rule: an existing unscored judgment is replaced by a scored one, a scored one is never
overwritten. Conditions get a fresh ``created`` stamp in the part's own order, so merging parts
in grid order lists conditions in the order a serial run would, whenever the parts finished.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from emsteer.errors import EmsteerError
from emsteer.results.store import ResultsStore

# Parents before children: samples reference conditions, judgments reference samples.
_ORDER = ("meta", "artifacts", "conditions", "samples", "judgments", "efficacy")


def _columns(db: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA {schema}.table_info({table})")]


def merge_store(store: ResultsStore, part: str | Path) -> dict[str, int]:
    """Add every row of the store file ``part`` that ``store`` lacks; returns rows added per table."""
    part = Path(part)
    if not part.is_file():
        raise EmsteerError(f"cannot merge {part}: no such results file.")
    judge_before = store.meta.judge
    db = store.db
    db.commit()  # ATTACH is refused inside an open transaction
    db.execute("ATTACH DATABASE ? AS part", (str(part),))
    added: dict[str, int] = {}
    try:
        with db:  # one transaction: a part is merged entirely or not at all
            for table in _ORDER:
                mine = _columns(db, "main", table)
                theirs = set(_columns(db, "part", table))
                if not theirs:
                    continue  # an older part without this table
                cols = [c for c in mine if c in theirs]
                names = ", ".join(cols)
                select = f"SELECT {names} FROM part.{table}"
                before = db.total_changes
                if table == "meta":
                    db.execute(f"INSERT OR REPLACE INTO main.meta ({names}) {select}")
                elif table == "conditions":
                    stamped = ", ".join("? + ROW_NUMBER() OVER (ORDER BY created, name) * 1e-6" if c == "created" else c
                                        for c in cols)
                    db.execute(f"INSERT OR IGNORE INTO main.conditions ({names}) "
                               f"SELECT {stamped} FROM part.conditions ORDER BY created, name", (time.time(),))
                elif table == "judgments":
                    update = ", ".join(f"{c} = excluded.{c}" for c in ("score", "numeric_mass", "label", "created") if c in cols)
                    db.execute(f"INSERT INTO main.judgments ({names}) {select} WHERE true "
                               f"ON CONFLICT(sample_id, metric, judge) DO UPDATE SET {update} "
                               "WHERE judgments.score IS NULL AND judgments.label IS NULL "
                               "AND (excluded.score IS NOT NULL OR excluded.label IS NOT NULL)")
                elif table == "efficacy":  # a newer measurement replaces an older one, as add_efficacy does
                    update = ", ".join(f"{c} = excluded.{c}" for c in ("value", "detail", "created") if c in cols)
                    db.execute(f"INSERT INTO main.efficacy ({names}) {select} WHERE true "
                               f"ON CONFLICT(condition_id, measure, task, judge) DO UPDATE SET {update} "
                               "WHERE excluded.created > efficacy.created")
                else:
                    db.execute(f"INSERT OR IGNORE INTO main.{table} ({names}) {select}")
                added[table] = db.total_changes - before
    except sqlite3.DatabaseError as err:
        raise EmsteerError(f"cannot merge {part} into {store.path}: {err}") from err
    finally:
        db.execute("DETACH DATABASE part")
    if judge_before is not None and store.meta.judge != judge_before:  # the part's judge is the run's now
        store.meta.pin_review_samples(judge_before)
    return added
