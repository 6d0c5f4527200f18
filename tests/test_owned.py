"""schemactl's own records are the only collections a plan leaves out, and no file may take their names."""
from schemactl.live import resolve
from schemactl.owned import is_owned
from schemactl.rules import check_collection
from schemactl.validate import parse_collection


def test_only_schemactls_own_records_are_left_out_of_the_live_state():
    names = ("SchemactlLock", "SchemactlLedger", "SchemactlCheckpoint", "SchemactlProbe0123456789ab",
             "SchemactlDemo", "SchemactlNotes_v1", "SchemactlProbe")
    live = resolve("1.39.3", {n: {"class": n} for n in names}, {"SchemactlNotes": "SchemactlNotes_v1"})
    assert set(live.raw) == {"SchemactlDemo", "SchemactlNotes_v1", "SchemactlProbe"}
    assert live.aliases == {"SchemactlNotes": "SchemactlNotes_v1"} and not live.extra_aliases


def test_a_file_cannot_declare_one_of_schemactls_records():
    assert [message for _, message in check_collection(parse_collection({"name": "SchemactlLedger"}))] == [
        "SchemactlLedger is a collection schemactl keeps its own records in: choose another name"]
    assert not list(check_collection(parse_collection({"name": "SchemactlNotes"})))
    assert is_owned("SchemactlProbe0123456789ab") and not is_owned("SchemactlProbe")
