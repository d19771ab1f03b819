"""One progress display for long work (generation, training, judging, studies).

Progress bars nest: while a bar is open (a study's overall bar, say), inner work adds its
own rows to the same live display and removes them when done, instead of fighting over the
terminal with a second display.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console(stderr=True)
_active: ContextVar["_Nested | None"] = ContextVar("emsteer_progress", default=None)


class _Silent:
    def add_task(self, *args, **kwargs):
        return 0

    def update(self, *args, **kwargs):
        pass

    def advance(self, *args, **kwargs):
        pass


LINE_EVERY_SECONDS = 30.0  # where bars cannot redraw: a line at least this often while a stage runs ...
LINE_EVERY_FRACTION = 0.1  # ... and at every tenth of the way


def _clock() -> float:
    return time.monotonic()


@dataclass
class _LineState:
    last: float  # when the last line for this task was printed
    tenth: int = 0  # the last tenth of the way a line was printed for
    done: bool = False


class _Nested:
    """An open Progress plus the tasks that one ``progress_bar`` block added to it.

    Where stderr is not a terminal (a log file, CI) a live bar cannot redraw, so each stage is a
    few lines instead: one when it starts, one at every tenth of the way or after 30 s without
    one (whichever comes first), and one when it is done, each with the count, the latest info
    (loss, tokens per second ...), the time taken and the time left.
    """

    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: list = []
        self.as_lines = not progress.console.is_terminal
        self._lines: dict = {}

    def add_task(self, description: str, total: float | None = None, info: str = "", **kwargs):
        task = self.progress.add_task(description, total=total, info=info, **kwargs)
        self.tasks.append(task)
        if self.as_lines:
            self._lines[task] = _LineState(_clock())
            self._print(task, "started")
        return task

    def update(self, task, **kwargs):
        self.progress.update(task, **kwargs)
        self._maybe_line(task)

    def advance(self, task, amount: float = 1):
        self.progress.advance(task, amount)
        self._maybe_line(task)

    def finish(self) -> None:
        """The closing line of every stage this block started that has not said it is done."""
        for task in self.tasks:
            state = self._lines.get(task)
            if state is not None and not state.done:
                state.done = True
                self._print(task, "done" if self._fraction(task) in (None, 1.0) else "stopped")

    def _task(self, task):
        return next((t for t in self.progress.tasks if t.id == task), None)

    def _fraction(self, task) -> float | None:
        t = self._task(task)
        if t is None or not t.total:
            return None
        return min(1.0, t.completed / t.total)

    def _maybe_line(self, task) -> None:
        state = self._lines.get(task)
        if not self.as_lines or state is None or state.done:
            return
        fraction = self._fraction(task)
        if fraction is not None and fraction >= 1.0:
            state.done = True
            self._print(task, "done")
            return
        now = _clock()
        tenth = int(fraction / LINE_EVERY_FRACTION) if fraction is not None else state.tenth
        if tenth > state.tenth or now - state.last >= LINE_EVERY_SECONDS:
            state.tenth, state.last = tenth, now
            self._print(task, None)

    def _print(self, task, status: str | None) -> None:
        t = self._task(task)
        if t is None:
            return
        parts = [t.description]
        if t.total:
            parts.append(f"{t.completed:g}/{t.total:g} ({100 * min(1.0, t.completed / t.total):.0f}%)")
        info = t.fields.get("info")
        if info:
            parts.append(str(info))
        if status in ("done", "stopped") and t.elapsed is not None:
            parts.append(f"{status} in {_duration(t.elapsed)}")
        elif status:
            parts.append(status)
        elif t.elapsed is not None:
            remaining = t.time_remaining
            parts.append(f"{_duration(t.elapsed)} elapsed" + (f", eta {_duration(remaining)}" if remaining else ""))
        self.progress.console.print(" · ".join(parts), markup=False, highlight=False, soft_wrap=True)


def _duration(seconds: float) -> str:
    minutes, s = divmod(int(seconds), 60)
    return f"{minutes}m{s:02d}s" if minutes else f"{s}s"


def quiet_third_party_bars() -> None:
    """Where stderr is not a terminal, turn off the progress bars of Hugging Face libraries and
    tqdm (carriage-return bars fill a log with hundreds of lines); emsteer prints its own lines."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@contextmanager
def progress_bar(enabled: bool = True):
    """A progress display on stderr (or a silent stand-in with the same methods)."""
    if not enabled:
        yield _Silent()
        return
    outer = _active.get()
    if outer is not None:  # nest inside the open display; drop our rows when done
        inner = _Nested(outer.progress)
        try:
            yield inner
        finally:
            inner.finish()
            for task in inner.tasks:
                outer.progress.remove_task(task)
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,  # no live display where it cannot redraw: _Nested prints lines
    ) as progress:
        nested = _Nested(progress)
        token = _active.set(nested)
        try:
            yield nested
        finally:
            nested.finish()
            _active.reset(token)
