"""The cluster's apply lock around a piece of work: taken before the first change, released
however the work ends (a killed process leaves it: `schemactl force-unlock`)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..live import RestClient
from ..state import Holder, acquire_lock, me, release_lock


@contextmanager
def locked(reader: RestClient, command: str) -> Iterator[Holder]:
    """Hold the apply lock as `command`; LockHeld names whoever holds it already."""
    holder = me(command)
    acquire_lock(reader, holder)
    try:
        yield holder
    finally:
        release_lock(reader)
