"""Progress bars: shown on a terminal with a rate, silent otherwise."""
from __future__ import annotations

import io
import time

import pytest
from rich.console import Console

from schemactl.progress import bars


def test_silent_when_disabled(capsys):
    with bars(False)("copy A_v1 -> A_v2", 10, 0) as advance:
        advance(10)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_on_a_terminal_it_shows_label_count_and_rate():
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=140, no_color=True)
    with bars(True, console)("copy A_v1 -> A_v2", 1000, 400) as advance:
        for _ in range(6):
            time.sleep(0.05)
            advance(100)
    text = screen.getvalue()
    assert "copy A_v1 -> A_v2" in text and "1000/1000" in text and "objects/s" in text


class Terminal:
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("value, colour", [(None, True), ("", True), ("1", False), ("0", False)])
def test_only_a_no_color_with_a_value_turns_colour_off(value, colour, monkeypatch):
    """no-color.org: NO_COLOR set to an empty string is as if it were not set."""
    from schemactl.cli import use_color

    monkeypatch.delenv("NO_COLOR", raising=False)
    if value is not None:
        monkeypatch.setenv("NO_COLOR", value)
    monkeypatch.setattr("sys.stdout", Terminal())
    assert use_color() is colour  # plans
    made = []
    monkeypatch.setattr("schemactl.progress.Console",
                        lambda **options: made.append(options) or Console(file=io.StringIO(), **options))
    with bars(True)("copy A_v1 -> A_v2", 1, 0) as advance:  # progress bars
        advance(1)
    assert made[0]["no_color"] is not colour
