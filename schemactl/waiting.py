"""One way to wait for the server: ask again every so often until the work is done, and give up
once it has made no progress for a while."""
from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum


class Poll(Enum):
    DONE = "done"  # stop asking
    MOVED = "moved"  # not done, but progress since the last answer
    WAITING = "waiting"  # not done, nothing moved


def poll_until(step: Callable[[], Poll], *, every: float, patience: float,
               give_up: Callable[[], Exception]) -> None:
    """Call `step` every `every` seconds until it answers DONE; raise `give_up()` once it has
    answered WAITING for more than `patience` seconds since it last answered MOVED (or since
    the start: a fixed deadline is a step that never moves)."""
    moved = time.monotonic()
    while True:
        answer = step()
        if answer is Poll.DONE:
            return
        if answer is Poll.MOVED:
            moved = time.monotonic()
        elif time.monotonic() - moved > patience:
            raise give_up()
        time.sleep(every)
