"""What schemactl reads back from its ledger."""
from __future__ import annotations

import json

import pytest

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


def _recreate(collection: str, version: str, source: str, renamed_from: str | None = ""):
    """A finished recreate of `collection` into `version` from `source`; renamed_from None: a record
    from before steps said whether they renamed."""
    from schemactl.state import Record

    entry = {"step": 1, "kind": "recreate", "collection": collection, "version": version, "from": source}
    entry |= {} if renamed_from is None else {"renamedFrom": renamed_from}
    return Record("id", "sum", "t", "applied", "0", "h", "{}", json.dumps([entry]), [1])


def _cluster(classes: tuple[str, ...], aliases: dict[str, str]):
    from schemactl.live import resolve

    return resolve("1.39.3", {n: {"class": n, "vectorizer": "none"} for n in classes}, aliases)


def test_a_collection_named_like_a_version_schemactl_never_made_is_a_collection_of_its_own():
    """Baz and Baz_v1, both made by hand: Baz_v1 is not a version of Baz to drop (it held the only
    copy of its objects), unless the ledger or a copy under way says schemactl made it."""
    from schemactl.planning import as_the_ledger_says

    live = _cluster(("Baz", "Baz_v1"), {})
    assert live.retained == {"Baz": ("Baz_v1",)}  # what the names alone say
    mine = as_the_ledger_says(live, [], set())
    assert set(mine.live.collections) == {"Baz", "Baz_v1"} and mine.live.retained == {}
    assert mine.live.physical["Baz_v1"] == "Baz_v1"
    served = as_the_ledger_says(_cluster(("Baz_v1", "Baz_v2"), {"Baz": "Baz_v2"}),
                                [_record(("create", "Baz", "Baz_v1")), _recreate("Baz", "Baz_v2", "Baz_v1")], set())
    assert served.live.retained == {"Baz": ("Baz_v1",)} and "Baz_v1" in served.served
    copying = as_the_ledger_says(_cluster(("Baz_v1", "Baz_v2"), {"Baz": "Baz_v1"}),
                                 [_record(("create", "Baz", "Baz_v1"))], {("Baz_v1", "Baz_v2")})
    assert copying.live.retained == {"Baz": ("Baz_v2",)} and "Baz_v2" not in copying.served  # a partial copy
    # a copy of the hand-made Baz_v1 itself (into Baz_v1_v1) does not make it a version of Baz
    own = as_the_ledger_says(_cluster(("Baz", "Baz_v1", "Baz_v1_v1"), {}), [_record(("create", "Other", "Other_v1"))],
                             {("Baz_v1", "Baz_v1_v1")})
    assert "Baz_v1" in own.live.collections and "Baz" not in own.live.retained


def test_without_any_ledger_record_the_names_decide_for_a_name_its_own_alias_serves():
    """The ledger deleted, or not restored with a backup: Article_v1 beside Article -> Article_v2
    stays a version (never pruned as an unmanaged collection); beside a hand-made Baz it does not."""
    from schemactl.planning import as_the_ledger_says

    mine = as_the_ledger_says(_cluster(("Article_v1", "Article_v2"), {"Article": "Article_v2"}), [], set())
    assert mine.live.retained == {"Article": ("Article_v1",)} and set(mine.live.collections) == {"Article"}
    hand = as_the_ledger_says(_cluster(("Baz", "Baz_v1"), {}), [], set())
    assert hand.live.retained == {} and set(hand.live.collections) == {"Baz", "Baz_v1"}


def test_a_first_cutover_killed_after_freeing_the_name_keeps_its_copy_as_that_names_version():
    """Doc deleted to free its name, killed before the alias Doc -> Doc_v1 was made: Doc_v1, the
    only copy, is Doc's (a plan with --prune would have deleted it as an unmanaged collection)."""
    from schemactl.planning import as_the_ledger_says

    killed = as_the_ledger_says(_cluster(("Doc_v1",), {}), [], {("Doc", "Doc_v1")})
    assert killed.live.retained == {"Doc": ("Doc_v1",)} and killed.live.collections == {}


def test_a_collection_a_hand_made_alias_served_is_kept_for_rollback_once_migrated():
    """Customers -> Customers2024 made by hand; schemactl's recreate moved the alias to Customers_v1:
    Customers2024 is the version it was made from, never an unmanaged collection to prune."""
    from schemactl.planning import as_the_ledger_says

    live = _cluster(("Customers2024", "Customers_v1"), {"Customers": "Customers_v1"})
    ledger = [_recreate("Customers", "Customers_v1", "Customers2024")]
    mine = as_the_ledger_says(live, ledger, set())
    assert set(mine.live.collections) == {"Customers"} and mine.live.retained == {"Customers": ("Customers2024",)}
    assert "Customers2024" in mine.served and made_from(ledger, "Customers", "Customers_v1") == "Customers2024"
    renamed = as_the_ledger_says(live, [_recreate("Customers", "Customers_v1", "Customers2024", "Customers2024")], set())
    assert set(renamed.live.collections) == {"Customers", "Customers2024"}  # a rename's source is another's
    older = as_the_ledger_says(live, [_recreate("Customers", "Customers_v1", "Customers2024", None)], set())
    assert set(older.live.collections) == {"Customers", "Customers2024"}  # nothing said: as before


def test_a_collection_made_under_a_renamed_away_name_is_its_own_and_the_old_versions_are_retired():
    """Product renamed to Item; auto-schema then made a plain Product from a write that still named
    it. Before: Product was hidden from the plan (claimed by the rename) and its versions were
    "kept for rollback" of it, which drop-old-versions Product refused to drop."""
    from schemactl.diff import unmanaged
    from schemactl.planning import as_the_ledger_says
    from schemactl.validate import parse_collection

    live = _cluster(("Product", "Product_v1", "Product_v2", "Item_v1"), {"Item": "Item_v1"})
    ledger = [_record(("create", "Product", "Product_v1")), _recreate("Product", "Product_v2", "Product_v1"),
              _recreate("Item", "Item_v1", "Product_v2", "Product")]
    mine = as_the_ledger_says(live, ledger, set())
    assert mine.retired == {"Product": ["Product_v1", "Product_v2"]} and mine.live.retained == {}
    assert set(mine.live.collections) == {"Item", "Product"}
    item = parse_collection({"name": "Item", "renamedFrom": "Product", "vectorizer": {"module": "none"}})
    assert unmanaged(mine.live.collections, {"Item": item}) == ["Product"]
    assert unmanaged({"Product": item}, {"Item": item}) == []  # before the rename: it is what Item comes from
    stopped = {"Product": item, "Item": item}  # a rename stopped before removing the old name's alias
    assert unmanaged(stopped, {"Item": item}, {"Product": "Product_v2", "Item": "Item_v1"}) == []


def test_a_stopped_copy_no_step_resumes_is_discarded_and_one_that_served_never_is():
    from schemactl.changes import DiscardCopy, RecreateCollection
    from dataclasses import replace

    from schemactl.planning import as_the_ledger_says, stopped_copies
    from schemactl.resume import Phase, ResumeState, new_entry
    from schemactl.state import Checkpoint

    stopped = Checkpoint("Doc_v1", "Doc_v2", "h", ResumeState(Phase.FENCED, {"": new_entry("HOT")}, fenced=["s"]))
    stored = ({"source": "Doc_v1", "target": "Doc_v2", "definitionHash": "h", "state": stopped.state.to_json()},)

    def known(aliases: dict[str, str], served: set[str]):
        live = _cluster(("Doc_v1", "Doc_v2"), aliases)
        return replace(as_the_ledger_says(live, [], set()), served=served, checkpoints=stored), live

    mine, live = known({"Doc": "Doc_v1"}, set())
    assert stopped_copies(mine, live, (), {"Doc"}) == (DiscardCopy("Doc", physical="Doc_v1", target="Doc_v2"),)
    assert stopped_copies(mine, live, (), {"Other"}) == ()  # no file names Doc: its copy is left for its own apply
    resumed = (RecreateCollection("Doc", physical="Doc_v1"),)
    assert stopped_copies(mine, live, resumed, {"Doc"}) == ()  # the recreate (or backfill) resumes or discards it
    assert stopped_copies(*known({"Doc": "Doc_v1"}, {"Doc_v2"}), (), {"Doc"}) == ()  # it served once: holds writes
    assert stopped_copies(*known({"Doc": "Doc_v2"}, set()), (), {"Doc"}) == ()  # the alias moved to it


def test_a_copy_under_way_shows_its_source_with_the_tenant_settings_it_paused():
    from schemactl.live import resolve
    from schemactl.planning import as_before_the_copies
    from schemactl.resume import Phase, ResumeState
    from schemactl.state import Checkpoint

    raw = {"Mt_v1": {"class": "Mt_v1", "vectorizer": "none",
                     "multiTenancyConfig": {"enabled": True, "autoTenantCreation": False,
                                            "autoTenantActivation": False}}}
    live = resolve("1.39.3", raw, {"Mt": "Mt_v1"})
    paused = Checkpoint("Mt_v1", "Mt_v2", "h", ResumeState(Phase.COPY, {}, auto_tenants={
        "autoTenantCreation": True, "autoTenantActivation": True}))
    config = as_before_the_copies(live, [paused]).collections["Mt"].multiTenancyConfig
    assert (config.autoTenantCreation, config.autoTenantActivation) == (True, True)


def test_a_first_cutover_stopped_after_freeing_the_name_is_finished_even_over_what_holds_the_name_since():
    """Killed between deleting Doc (made by hand) and making its alias; a write through the name
    made Doc again (auto-schema). Before, that Doc was taken for the original: resumed as the copy's
    source, the verified copy's objects were deleted as not in it."""
    from schemactl.planning import after_hand_overs, finishes_left
    from schemactl.resume import Phase, ResumeState
    from schemactl.state import Checkpoint

    freed = Checkpoint("Doc", "Doc_v1", "h", ResumeState(Phase.CUTOVER, {}, freed=True))
    again = _cluster(("Doc", "Doc_v1"), {})  # Doc: the one auto-schema made
    [finish] = finishes_left([freed], again)
    assert (finish.collection, finish.target, finish.alias_left) == ("Doc", "Doc_v1", True)
    live = after_hand_overs(again, (finish,))
    assert live.physical["Doc"] == "Doc_v1" and "Doc_v1" not in live.collections  # no recreate of that Doc
    from dataclasses import replace

    from schemactl.planning import as_the_ledger_says, stopped_copies

    stored = ({"source": "Doc", "target": "Doc_v1", "definitionHash": "h", "state": freed.state.to_json()},)
    known = replace(as_the_ledger_says(again, [], set()), checkpoints=stored)
    assert stopped_copies(known, again, (), {"Doc"}) == ()  # not also discarded: the plan said both
    not_freed = Checkpoint("Doc", "Doc_v1", "h", ResumeState(Phase.CUTOVER, {}))
    assert finishes_left([not_freed], again) == ()  # the original, not deleted yet: its recreate resumes
    pruned = Checkpoint("B_v1", "B_v2", "h", ResumeState(Phase.CUTOVER, {}))
    assert finishes_left([pruned], _cluster(("B_v2",), {})) == ()  # a version deleted (--prune): no alias "B_v1"


@pytest.mark.parametrize("description", ['{"user": "a", "host": "h", "pid": "123", "since": "s", "command": "c"}',
                                         '{"user": "a", "host": "h", "pid": 99999999999999, "since": "s", "command": "c"}',
                                         '[1]', 'not json', ''])
def test_a_lock_description_not_as_schemactl_writes_it_reads_as_an_unknown_holder(description):
    """Before, a pid of the wrong type or size crashed plan, status and apply."""
    import socket

    from schemactl.state import held_by, holder_of

    made = description.replace('"h"', f'"{socket.gethostname()}"')
    assert holder_of(made) is None
    assert held_by(holder_of(made)) == "an unknown holder."


def _doc_recreate(distance: str = "dot", **extra):
    from schemactl.changes import FieldChange, RecreateCollection, VectorMove
    from schemactl.validate import parse_collection

    doc = parse_collection({"name": "Doc", "vectorizer": {"module": "none"}, "vectorIndexConfig": {"distance": distance},
                            "properties": [{"name": "title", "dataType": "text"}]})
    return RecreateCollection("Doc", physical="Doc_v1", definition=doc,
                              reasons=(FieldChange("vectorIndexConfig.distance", "cosine", distance),),
                              **{"vectors": (VectorMove("default", "reuse", "unchanged"),), **extra})


def test_a_copy_is_known_by_the_change_it_was_made_for():
    """A checkpoint's definitionHash tells the change its copy was made for: another setting, or
    values moved from elsewhere into the same definition, is another copy."""
    from schemactl.changes import PropertyMove, VectorMove
    from schemactl.state import definition_hash

    moved = _doc_recreate(property_moves=(PropertyMove("name", "title", "text", "text"),),
                          vectors=(VectorMove("body", "reuse", "renamed", source="old"),))
    hashes = {definition_hash(c) for c in (_doc_recreate(), _doc_recreate("l2-squared"), moved)}
    assert len(hashes) == 3 and definition_hash(_doc_recreate()) == definition_hash(_doc_recreate())


def test_a_plan_counts_what_an_unfinished_copy_of_the_same_change_holds():
    """Before: the plan said nothing of the 45 objects a stopped apply had copied into Doc_v2 (and
    re-embedded): its estimate read as if the copy started over."""
    from dataclasses import replace

    from schemactl.planning import as_the_ledger_says, copied_already
    from schemactl.resume import Phase, ResumeState, TenantEntry
    from schemactl.state import definition_hash

    change = _doc_recreate()

    def copied(aliases: dict[str, str], *, made_for=change, served=frozenset(), classes=("Doc_v1", "Doc_v2")):
        state = ResumeState(Phase.COPY, {"": TenantEntry("HOT", after="uuid-45", copied=45)})
        stored = ({"source": "Doc_v1", "target": "Doc_v2", "definitionHash": definition_hash(made_for),
                   "state": state.to_json()},)
        live = _cluster(classes, aliases)
        known = replace(as_the_ledger_says(live, [], set()), served=set(served), checkpoints=stored)
        return copied_already(known, live, (change,))

    assert copied({"Doc": "Doc_v1"}) == {"Doc": {"": 45}}
    assert copied({"Doc": "Doc_v1"}, made_for=_doc_recreate("l2-squared")) == {}  # made for another change: discarded
    assert copied({"Doc": "Doc_v1"}, classes=("Doc_v1",)) == {}  # its copy deleted since: started anew
    assert copied({"Doc": "Doc_v1"}, served={"Doc_v2"}) == {}  # it served once: never resumed into


def test_what_a_multi_tenant_copy_holds_is_counted_only_in_the_tenants_the_estimate_counts():
    """Before: a stopped copy's 167 objects (COLD tenants' among them) against an estimate of 86
    objects in the awake tenants read "holds all of them already", when 9 of the 86 were copied."""
    from schemactl.plan import Estimate
    from schemactl.planning import _of_the_counted

    awake = Estimate(86, {"a": 40, "b": 46})
    assert _of_the_counted(awake, {"a": 9, "b": 0, "cold": 158}) == 9
    assert _of_the_counted(awake, {"a": 45, "b": 46}) == 86  # a log ahead of the count: never more than it
    assert _of_the_counted(Estimate(120), {"": 45}) == 45
