"""Progress where stderr is not a terminal (a log file, CI): a few lines per stage, not one per update."""

import io

import pytest
from rich.console import Console

import emsteer.progress as progress


@pytest.fixture
def log(monkeypatch):
    """A non-terminal console for the progress display and a clock the test moves by hand."""
    stream = io.StringIO()
    monkeypatch.setattr(progress, "console", Console(file=stream, force_terminal=False, width=200))
    now = [0.0]
    monkeypatch.setattr(progress, "_clock", lambda: now[0])
    return stream, now


def test_a_stage_is_a_start_line_a_line_per_tenth_and_a_done_line(log):
    stream, _ = log
    with progress.progress_bar(True) as bar:
        task = bar.add_task("Generating", total=200, info="")
        for _ in range(200):
            bar.update(task, info="123.4 tok/s")  # a rate every batch: no line of its own
            bar.advance(task, 1)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 + 9 + 1, lines
    assert lines[0].startswith("Generating · 0/200 (0%)") and lines[0].endswith("started")
    assert lines[1].startswith("Generating · 20/200 (10%) · 123.4 tok/s")
    assert "done in" in lines[-1] and "200/200 (100%)" in lines[-1]
    assert "\r" not in stream.getvalue()


def test_a_slow_stage_says_something_every_30_seconds(log):
    stream, now = log
    with progress.progress_bar(True) as bar:
        task = bar.add_task("Training", total=1000, info="")
        for step in range(1, 6):
            now[0] += progress.LINE_EVERY_SECONDS  # 30 s per step, far less than a tenth of the way
            bar.update(task, advance=1, info=f"epoch 1/1 loss {1 / step:.4f}")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 + 5 + 1, lines
    assert "5/1000" in lines[5] and "loss 0.2000" in lines[5] and "eta" in lines[5]
    assert "stopped in" in lines[-1]  # the block ended short of its total: it does not say done


def test_nested_stages_print_their_own_lines(log):
    stream, _ = log
    with progress.progress_bar(True) as outer:
        overall = outer.add_task("Study", total=2, info="")
        for unit in range(2):
            with progress.progress_bar(True) as inner:
                step = inner.add_task(f"Judging {unit}", total=4, info="")
                inner.advance(step, 4)
            outer.advance(overall, 1)
    text = stream.getvalue()
    assert text.count("Judging 0") == 2 and text.count("Judging 1") == 2  # started, done
    assert text.splitlines()[-1].startswith("Study · 2/2 (100%)")


def test_third_party_bars_are_off_where_stderr_is_not_a_terminal(monkeypatch):
    for name in ("HF_HUB_DISABLE_PROGRESS_BARS", "TQDM_DISABLE"):
        monkeypatch.delenv(name, raising=False)
    progress.quiet_third_party_bars()
    import os

    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1" and os.environ["TQDM_DISABLE"] == "1"


def test_cli_tables_are_wide_in_a_log(monkeypatch):
    import emsteer.cli as cli

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(cli.out, "_width", None)
    for name in ("HF_HUB_DISABLE_PROGRESS_BARS", "TQDM_DISABLE", "TRANSFORMERS_VERBOSITY"):
        monkeypatch.setenv(name, "")  # restored after the test
    cli._quiet_logs()  # pytest's stdout is not a terminal
    assert cli.out.width == cli.LOG_WIDTH
