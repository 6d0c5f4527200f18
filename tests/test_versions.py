"""The capability table: every row says which tested server versions check it."""
from __future__ import annotations

from schemactl import versions


def test_every_capability_row_was_measured_on_a_tested_version():
    for capability in versions.CAPABILITIES.values():
        assert capability.measured_on, f"{capability.name} names no version it was measured on"
        assert set(capability.measured_on) <= set(versions.TESTED), capability.name


def test_the_test_bed_runs_the_first_tested_version_by_default():
    from schemactl.dev import weaviate as testbed

    assert testbed.DEFAULT_VERSION == "v" + versions.TESTED[0]


def test_a_server_newer_than_the_tables_gets_the_safe_path_and_a_note_naming_each_copy():
    from schemactl import versions

    newest = versions.newest_tested()
    next_minor = f"{newest[0]}.{newest[1] + 1}.0"
    note = versions.untested_note(next_minor, ["recreate Doc", "recreate Article"])
    assert note is not None and note.startswith(f"Weaviate {next_minor} is newer than any release")
    assert "recreate Doc, recreate Article are planned as a copy, the safe path" in note
    assert versions.untested_note(next_minor, []) is None  # nothing copied, nothing to say
    newest_patch_later = f"{newest[0]}.{newest[1]}.{newest[2] + 5}"
    assert versions.untested_note(newest_patch_later, ["recreate Doc"]) is None  # a patch of a tested minor
