"""One progress display for long work (generation, training, judging, studies).

Progress bars nest: while a bar is open (a study's overall bar, say), inner work adds its
own rows to the same live display and removes them when done, instead of fighting over the
terminal with a second display.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

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


class _Nested:
    """An open Progress plus the tasks that one ``progress_bar`` block added to it.

    Where stderr is not a terminal (a log file, CI) a live bar cannot redraw, so each new bar and
    each change of its info text is printed as one line instead.
    """

    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: list = []
        self.as_lines = not progress.console.is_terminal

    def add_task(self, description: str, total: float | None = None, info: str = "", **kwargs):
        task = self.progress.add_task(description, total=total, info=info, **kwargs)
        self.tasks.append(task)
        if self.as_lines:
            self.progress.console.print(f"{description}" + (f" ({total:g})" if total else "") + (f": {info}" if info else ""),
                                        markup=False, highlight=False)
        return task

    def update(self, task, **kwargs):
        self.progress.update(task, **kwargs)
        if self.as_lines and kwargs.get("info"):
            description = next((t.description for t in self.progress.tasks if t.id == task), "")
            self.progress.console.print(f"{description}: {kwargs['info']}", markup=False, highlight=False)

    def advance(self, task, amount: float = 1):
        self.progress.advance(task, amount)


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
    ) as progress:
        nested = _Nested(progress)
        token = _active.set(nested)
        try:
            yield nested
        finally:
            _active.reset(token)
