"""Waiting for the server: done when it says so, patient while it moves, a clear error when it
stops moving."""
from __future__ import annotations

import pytest

from schemactl.waiting import Poll, poll_until


def answers(*sequence: Poll):
    left = list(sequence)
    return lambda: left.pop(0)


def test_a_server_that_keeps_moving_is_waited_for_past_the_patience():
    step = answers(*[Poll.MOVED] * 30, Poll.DONE)  # 30 answers x 10 ms: longer than 50 ms in all
    poll_until(step, every=0.01, patience=0.05, give_up=lambda: AssertionError("gave up while it moved"))


def test_a_server_that_stops_moving_is_given_up_on_with_the_callers_error():
    step = answers(Poll.MOVED, *[Poll.WAITING] * 100)
    with pytest.raises(RuntimeError, match="stuck"):
        poll_until(step, every=0.01, patience=0.05, give_up=lambda: RuntimeError("stuck"))
