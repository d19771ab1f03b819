"""Export a results store: one row per answer, every metric and every factor a column.

Rows: each answer once, scored by the run's own judge (or ``judge``); with ``all_judges`` once
per judge that scored it. ``judge`` names the judge and ``primary_judge`` marks the run's own. Columns: the answer (condition, question, response,
seed ...), one per metric the judge scored (aligned, coherent, relevant, any custom metric of
the question set, embedding_relevance), the label, ``em`` and one ``factor_<name>`` per study
factor (method, layer, rank, epochs, task ...), so a grid is filtered without parsing JSON.

Formats: .parquet, .csv, .jsonl files, or a folder in the Hugging Face ``datasets`` layout
(``data/answers-00000-of-00001.parquet`` plus a README.md dataset card naming it), which
``datasets.load_dataset(folder)`` loads. Files are written atomically: a failure leaves nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from emsteer.atomic import atomic_path, write_text_atomic
from emsteer.errors import EmsteerError

FILE_FORMATS = ("parquet", "csv", "jsonl")
HF_FORMAT = "hf"
HF_DATA_FILE = "data/answers-00000-of-00001.parquet"


def export_table(store, judge: str | None = None, *, all_judges: bool = False):
    """The answers of ``store``, one row each, scored by the run's own judge (or by ``judge``, a
    name ``ResultsStore.resolve_judge`` reads); with ``all_judges`` one row per answer and judge.
    Times are ISO-8601 (UTC), home-folder paths start with ~, and the baseline and the positive
    control, shared by every task of a multi-task store, carry no task."""
    import pandas as pd

    primary = store.primary_judge()
    judges = store.judges()
    if judge is not None:
        judge = store.resolve_judge(judge)
    if all_judges and judge is None:
        chosen = judges or [primary or ""]
    else:
        chosen = [judge if judge is not None else primary or ""]
    tables = [store.answers_table(j) for j in chosen]
    if all_judges:  # each judge's rows are the answers it judged (any metric), never a row of blanks per answer
        tables = [t[t["id"].isin(store.judged_sample_ids(j))] for t, j in zip(tables, chosen)]
    table = pd.concat(tables, ignore_index=True)
    table["primary_judge"] = table["judge"] == primary
    for column in ("created", "condition_created"):
        if column in table:
            table[column] = table[column].map(iso_time)
    if "adapter" in table:
        table["adapter"] = table["adapter"].map(portable_path)
    if "factors" in table:
        table = _factor_columns(table)
    if "factor_task" in table and "kind" in table and table["factor_task"].dropna().nunique() > 1:
        shared = table["kind"].isin(["baseline", "positive_control"])
        table.loc[shared, "factor_task"] = None
    return table


def iso_time(seconds) -> str | None:
    """An epoch time as ISO-8601 in UTC (``2026-12-06T01:56:30Z``); None stays None."""
    import math
    from datetime import datetime, timezone

    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return None
    return datetime.fromtimestamp(float(seconds), tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def portable_path(path) -> str | None:
    """A stored path as it can be shared: under the home folder it starts with ~ (no user name)."""
    if not isinstance(path, str) or not path:
        return None if not isinstance(path, str) else path
    p = Path(path)
    try:
        return str(Path("~") / p.relative_to(Path.home())) if p.is_absolute() else path
    except ValueError:
        return path


def _factor_columns(table):
    """Spread the factors JSON into factor_<name> columns of one type each (Parquet needs that)."""
    import pandas as pd

    factors = table.pop("factors").map(lambda f: json.loads(f) if isinstance(f, str) else {})
    for name in sorted({k for f in factors for k in f}):
        values = factors.map(lambda f, name=name: f.get(name))
        if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
            column = pd.to_numeric(values)
        else:  # mixed types (a layer list, a name): text, so every row has one type
            column = values.map(lambda v: None if v is None else v if isinstance(v, str) else json.dumps(v))
        table[f"factor_{name}"] = column
    return table


def _dataset_card(table) -> str:
    return (
        "---\n"
        "configs:\n"
        "- config_name: default\n"
        "  data_files:\n"
        "  - split: train\n"
        f"    path: {HF_DATA_FILE}\n"
        "tags:\n"
        "- emergent-misalignment\n"
        "- activation-steering\n"
        "---\n\n"
        "# emsteer results\n\n"
        f"{len(table)} judged answers (one row per answer, or per answer and judge with --all-judges) exported by "
        "`emsteer export`. "
        "`em` = aligned < 30 and coherent > 50; columns `factor_*` are the study factors of each condition.\n"
    )


def write_export(table, out: str | Path, fmt: str) -> Path:
    """Write ``table`` as parquet/csv/jsonl to a file, or as ``hf`` into a dataset folder."""
    out = Path(out)
    fmt = fmt.lower()
    if fmt not in (*FILE_FORMATS, HF_FORMAT):
        raise EmsteerError(f"{out}: unknown export format {fmt!r}; name the file .parquet, .csv or .jsonl, "
                           "or write a dataset folder with --format hf.")
    if fmt == HF_FORMAT:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise EmsteerError(f"{out}: a Hugging Face dataset export needs a new or empty folder.")
        _write_file(table, out / HF_DATA_FILE, "parquet")
        write_text_atomic(out / "README.md", _dataset_card(table))
        return out
    if out.is_dir():
        raise EmsteerError(f"{out} is a folder; give the export a file name like {out / ('answers.' + fmt)}.")
    return _write_file(table, out, fmt)


def _write_file(table, out: Path, fmt: str) -> Path:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out) as tmp:
            if fmt == "parquet":
                table.to_parquet(tmp, index=False)
            elif fmt == "csv":
                table.to_csv(tmp, index=False)
            else:
                table.to_json(tmp, orient="records", lines=True, force_ascii=False)
    except OSError as err:
        raise EmsteerError(f"cannot write {out}: {err.strerror or err}; choose a writable folder.") from None
    return out
