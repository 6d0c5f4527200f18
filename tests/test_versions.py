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
