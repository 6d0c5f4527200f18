"""Every tuning knob is documented, and docs name no knob that does not exist."""
from __future__ import annotations

import re

from schemactl import settings
from tests.conftest import REPO


def _in_code() -> set[str]:
    source = (REPO / "schemactl" / "settings.py").read_text()
    knobs = set(re.findall(r'_number\("(SCHEMACTL_[A-Z_]+)"', source))
    return knobs | {f"SCHEMACTL_{name}" for name in settings.SWITCHES}


def _in_docs() -> set[str]:
    table = (REPO / "docs" / "settings.md").read_text().split("Other variables")[0]
    return set(re.findall(r"`(SCHEMACTL_[A-Z_]+)`", table))


def test_every_setting_is_documented_and_every_documented_one_exists():
    assert _in_code() == _in_docs()


def test_no_other_module_reads_a_schemactl_variable():
    readers = [path.name for path in (REPO / "schemactl").rglob("*.py")
               if path.name != "settings.py" and "dev" not in path.parts
               and re.search(r'environ\.get\("SCHEMACTL_(?!DEBUG)', path.read_text())]
    assert readers == []


def test_a_switch_is_read_each_time(monkeypatch):
    monkeypatch.setenv("SCHEMACTL_INDEX_TASKS", "off")
    assert settings.switched_off("INDEX_TASKS")
    monkeypatch.setenv("SCHEMACTL_INDEX_TASKS", "on")
    assert not settings.switched_off("INDEX_TASKS")
