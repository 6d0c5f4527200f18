"""What schemactl reads back from its ledger."""
from __future__ import annotations

import json

from schemactl.state import CREATED, made_from


def _record(*steps: tuple[str, str, str], done: bool = True):
    """A ledger record of (kind, collection, version) steps, all finished unless `done` is False."""
    from schemactl.state import Record

    entries = [{"step": i, "kind": k, "collection": c, "version": v} for i, (k, c, v) in enumerate(steps, 1)]
    return Record("id", "sum", "t", "applied", "0", "h", "{}", json.dumps(entries),
                  list(range(1, len(steps) + 1)) if done else [])


def test_a_rollback_goes_back_to_the_version_the_current_one_was_made_from():
    """v1 -> v2, rolled back to v1, then v1 -> v3: v3 was made from v1, not from the v2 left behind."""
    ledger = [_record(("create", "Docs", "Docs_v1")), _record(("recreate", "Docs", "Docs_v2")),
              _record(("rollback", "Docs", "Docs_v1")),
              _record(("recreate", "Docs", "Docs_v3"), ("update", "Docs", "Docs_v3"))]
    assert made_from(ledger, "Docs", "Docs_v3") == "Docs_v1"
    assert made_from(ledger, "Docs", "Docs_v2") == "Docs_v1"
    assert made_from(ledger, "Docs", "Docs_v1") == CREATED  # nothing before it (the rollback does not count)
    assert made_from(ledger + [_record(("recreate", "Docs", "Docs_v4"), done=False)], "Docs", "Docs_v4") is None
    assert made_from(ledger, "Other", "Docs_v3") is None


def test_steps_made_in_place_never_count_as_the_alias_moving():
    """A rollback whose record never finished (it failed after moving the alias), then a property
    added to the version it served: that version was still made from the one before it."""
    from schemactl.state import lineage

    ledger = [_record(("create", "Docs", "Docs_v1")), _record(("recreate", "Docs", "Docs_v2")),
              _record(("recreate", "Docs", "Docs_v3")), _record(("rollback", "Docs", "Docs_v2"), done=False),
              _record(("add-property", "Docs", "Docs_v2"))]
    assert made_from(ledger, "Docs", "Docs_v2") == "Docs_v1"
    assert lineage(ledger, "Docs", "Docs_v3") == ["Docs_v2", "Docs_v1"]


def test_the_lineage_of_a_version_skips_what_a_rollback_left_behind():
    from schemactl.state import lineage

    ledger = [_record(("create", "Docs", "Docs_v1")), _record(("recreate", "Docs", "Docs_v2")),
              _record(("rollback", "Docs", "Docs_v1")), _record(("recreate", "Docs", "Docs_v3")),
              _record(("recreate", "Docs", "Docs_v4"))]
    assert lineage(ledger, "Docs", "Docs_v4") == ["Docs_v3", "Docs_v1"]
    assert lineage(ledger, "Docs", "Docs_v1") == []
    assert lineage(ledger, "Docs", "Docs_v9") is None  # the ledger does not know it


def test_a_name_made_again_after_a_rename_does_not_descend_from_the_old_versions():
    """Foo renamed to Bar, then a new Foo: Foo_v2 was created, not made from Foo_v1 (Bar's past)."""
    from schemactl.state import lineage

    ledger = [_record(("create", "Foo", "Foo_v1")), _record(("recreate", "Bar", "Bar_v1")),
              _record(("create", "Foo", "Foo_v2"))]
    assert made_from(ledger, "Foo", "Foo_v2") == CREATED and lineage(ledger, "Foo", "Foo_v2") == []


def test_a_name_deleted_and_made_again_under_the_same_version_name_starts_anew():
    """Foo v1 -> v2, Foo deleted (Foo_v2 with it), Foo created again: the new Foo_v2 is new."""
    ledger = [_record(("create", "Foo", "Foo_v1")), _record(("recreate", "Foo", "Foo_v2")),
              _record(("create", "Foo", "Foo_v2"))]
    assert made_from(ledger, "Foo", "Foo_v2") == CREATED


def test_the_source_a_step_recorded_wins_over_the_order_of_versions():
    """Bar renamed away, then Foo renamed into Bar: Bar_v3 was copied from Foo_v2, not Bar_v2."""
    ledger = [_record(("create", "Bar", "Bar_v1")), _record(("recreate", "Bar", "Bar_v2"))]
    moved = _record(("recreate", "Bar", "Bar_v3"))
    moved.steps = json.dumps([{**json.loads(moved.steps)[0], "from": "Foo_v2"}])
    assert made_from(ledger + [moved], "Bar", "Bar_v3") == "Foo_v2"
    assert made_from(ledger, "Bar", "Bar_v2") == "Bar_v1"  # records without it: inferred, as before
