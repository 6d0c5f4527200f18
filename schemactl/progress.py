"""Progress bars for long work: rich on a terminal (stderr), nothing otherwise."""
from __future__ import annotations

import contextlib
import os
import sys

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.text import Text


class ObjectsPerSecond(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        unit = task.fields.get("unit", "objects")
        return Text("" if speed is None or unit != "objects" else f"{speed:,.0f} objects/s")


def bars(enabled: bool, console: Console | None = None):
    """A progress factory for apply: (label, total, done) -> context manager yielding advance(n)."""
    @contextlib.contextmanager
    def factory(label: str, total: int | None, done: int, unit: str = "objects"):
        if not enabled:
            yield lambda n: None
            return
        out = console or Console(stderr=True, no_color=no_color_asked())
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), ObjectsPerSecond(),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
        with Progress(*columns, console=out) as progress:
            task = progress.add_task(label, total=total, completed=done, unit=unit)
            yield lambda n: progress.advance(task, n)
    return factory


def on_terminal() -> bool:
    return sys.stderr.isatty()


def no_color_asked() -> bool:
    """NO_COLOR set to a value: no colours, in plans or bars. An empty one does not count (no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))
