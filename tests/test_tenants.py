"""Tenants behind aliases without a server: the capability table, what validate and plan say,
tenant names, and the tenants command's refusals of bad input."""
from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

from schemactl import versions
from schemactl.changes import CreateCollection, DeleteCollection, FieldChange, RecreateCollection, UpdateInPlace
from schemactl.cli import cli
from schemactl.errors import SchemactlError
from schemactl.spec import Collection
from schemactl.tenants import parse_names, parse_status, plan_warnings
from schemactl.validate import validate_paths

NOWHERE = ["--url", "http://127.0.0.1:9"]  # nothing listens: a command that reached the server would fail there


def collection(name: str = "Docs", **multi_tenancy) -> Collection:
    config = {"multiTenancyConfig": multi_tenancy} if multi_tenancy else {}
    return Collection.model_validate({"name": name, "vectorizer": {"module": "none"}, **config})


# ---- the capability table ---------------------------------------------------------------------

@pytest.mark.parametrize("name, server, expected", [
    ("aliases", "1.31.9", False), ("aliases", "1.32.0", True), ("aliases", "v1.39.0-rc.1", True),
    ("replication_scale", "1.34.2", False), ("replication_scale", "1.35.0", True),
    ("property_index_tasks", "1.38.8", False), ("property_index_tasks", "1.39.0", True),
    ("alias_tenant_endpoints", "1.39.0", False), ("alias_tenant_endpoints", "99.0.0", False),
])
def test_what_a_server_version_can_do(name, server, expected):
    assert versions.has(name, server) is expected


def test_no_released_server_changes_tenants_through_an_alias():
    assert versions.first_version("alias_tenant_endpoints") is None
    assert "11561" in versions.capability("alias_tenant_endpoints").source


def test_an_unknown_capability_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown server capability 'tenant_teleport'.*alias_tenant_endpoints"):
        versions.has("tenant_teleport", "1.39.0")


def test_a_capability_row_with_a_version_turns_the_answer(monkeypatch):
    row = dataclasses.replace(versions.capability("alias_tenant_endpoints"), first=(1, 41, 0))
    monkeypatch.setitem(versions.CAPABILITIES, "alias_tenant_endpoints", row)
    assert not versions.has("alias_tenant_endpoints", "1.40.3")
    assert versions.has("alias_tenant_endpoints", "1.41.0")


# ---- validate ---------------------------------------------------------------------------------

def _validated(tmp_path, text: str):
    path = tmp_path / "docs.yaml"
    path.write_text(text)
    return validate_paths([path])


MT_FILE = "name: Docs\nvectorizer:\n  module: none\nmultiTenancyConfig:\n  enabled: true\n"


@pytest.mark.parametrize("extra, line", [("", 4), ("  autoTenantCreation: false\n", 6)])
def test_validate_warns_when_tenants_are_not_created_on_insert(tmp_path, extra, line):
    result = _validated(tmp_path, MT_FILE + extra)
    assert result.ok
    [finding] = result.findings
    assert finding.severity == "warning" and finding.line == line
    assert "autoTenantCreation is off" in finding.message
    assert 'client.alias.get(alias_name="Docs").collection' in finding.message
    assert "schemactl tenants Docs --create" in finding.message


@pytest.mark.parametrize("text", [MT_FILE + "  autoTenantCreation: true\n",
                                  "name: Docs\nvectorizer:\n  module: none\n"])
def test_validate_is_quiet_when_inserts_create_tenants_or_there_are_none(tmp_path, text):
    assert _validated(tmp_path, text).findings == []


def test_validate_stops_warning_once_a_release_changes_tenants_through_aliases(tmp_path, monkeypatch):
    row = dataclasses.replace(versions.capability("alias_tenant_endpoints"), first=(1, 41, 0))
    monkeypatch.setitem(versions.CAPABILITIES, "alias_tenant_endpoints", row)
    assert _validated(tmp_path, MT_FILE).findings == []


# ---- plan -------------------------------------------------------------------------------------

def _warnings(*changes, aliases=None, server="1.39.0", desired=None):
    desired = desired or {"Docs": collection(enabled=True), "Notes": collection("Notes", enabled=True,
                                                                                 autoTenantCreation=True),
                          "Plain": collection("Plain")}
    return plan_warnings(changes, desired, aliases or {}, server)


def test_plan_says_once_what_an_application_must_do_for_a_new_multi_tenant_collection():
    docs = collection(enabled=True)
    [line] = _warnings(CreateCollection("Docs", definition=docs), UpdateInPlace("Docs", definition=docs))
    assert line.startswith("Docs is multi-tenant and to be served, once this plan is applied, through the alias "
                           "Docs, but Weaviate 1.39.0")  # not served yet: before, it said it was
    assert "autoTenantCreation off" in line and 'client.alias.get(alias_name="Docs").collection' in line
    assert "`schemactl tenants Docs`" in line and "\n" not in line


def test_plan_says_a_collection_an_alias_serves_already_is_served_through_it():
    docs = collection(enabled=True)
    [line] = _warnings(UpdateInPlace("Docs", definition=docs), aliases={"Docs": "Docs_v1"})
    assert line.startswith("Docs is multi-tenant and served through the alias Docs, but Weaviate 1.39.0")


def test_plan_with_auto_creation_says_inserts_still_create_tenants():
    [line] = _warnings(RecreateCollection("Notes", physical="Notes_v1"))
    assert "inserts through Notes still create tenants" in line


def test_plan_warns_for_changes_to_collections_already_behind_an_alias_only():
    update = UpdateInPlace("Docs", fields=(FieldChange("description", None, "x"),))
    assert len(_warnings(update, aliases={"Docs": "Docs_v1"})) == 1
    assert _warnings(update) == ()  # made outside schemactl, no alias: tenant endpoints work on it


@pytest.mark.parametrize("change", [DeleteCollection("Docs", physical="Docs_v1"), CreateCollection("Plain")])
def test_plan_is_quiet_for_deletes_and_collections_without_tenants(change):
    assert _warnings(change, aliases={"Docs": "Docs_v1"}) == ()


def test_plan_is_quiet_on_a_server_that_changes_tenants_through_aliases(monkeypatch):
    row = dataclasses.replace(versions.capability("alias_tenant_endpoints"), first=(1, 41, 0))
    monkeypatch.setitem(versions.CAPABILITIES, "alias_tenant_endpoints", row)
    assert _warnings(CreateCollection("Docs"), server="1.41.2") == ()
    assert len(_warnings(CreateCollection("Docs"), server="1.40.0")) == 1


# ---- tenant names and the command's input ------------------------------------------------------

def test_tenant_names_are_split_trimmed_and_kept_once_in_order():
    assert parse_names(["acme, globex", "acme,initech,"]) == ("acme", "globex", "initech")


@pytest.mark.parametrize("values, message", [([","], "no tenant names given"),
                                             (["ok,not ok"], "invalid tenant name(s) 'not ok'"),
                                             (["x" * 65], "1 to 64 characters"),
                                             (["a,,b"], "a tenant name missing in 'a,,b'"),  # before: b and a only
                                             (["ok", ",a"], "a tenant name missing in ',a'")])
def test_bad_tenant_names_are_refused(values, message):
    with pytest.raises(SchemactlError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_names(values)


def test_statuses_are_hot_or_cold_in_any_case():
    assert parse_status("cold") == "COLD"
    with pytest.raises(SchemactlError, match="expected one of: HOT, COLD"):
        parse_status("FROZEN")


@pytest.mark.parametrize("args, message", [
    (["--status", "HOT"], "--status goes with --create or --update"),
    (["--update", "acme"], "--update needs --status HOT or --status COLD"),
    (["--create", "a", "--delete", "b"], "one of --create, --update, --delete at a time"),
    (["--delete", "acme"], "deleting tenant(s) acme of Docs deletes their objects: pass --allow-destructive"),
    (["--create", "a b"], "invalid tenant name(s) 'a b'"),
    (["--create", "acme", "--status", "warm"], "invalid tenant status 'warm'"),
])
def test_bad_input_is_one_line_and_exit_1_before_any_request(args, message):
    result = CliRunner().invoke(cli, ["tenants", "Docs", *args, *NOWHERE])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {message}")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_tenant_statuses_in_older_servers_words_read_as_todays():
    from schemactl.live import is_active, tenant_status

    assert [tenant_status(s) for s in ("ACTIVE", "INACTIVE", "OFFLOADED", None, "FREEZING")] == \
        ["HOT", "COLD", "FROZEN", "HOT", "FREEZING"]
    assert [is_active(s) for s in ("HOT", "ACTIVE", "COLD", "INACTIVE", "FROZEN", "")] == \
        [True, True, False, False, False, False]


def test_tenant_statuses_are_asked_again_before_each_read_and_at_most_once_a_second_for_many():
    """The plan's reads of tenants re-list their statuses first (a read of one put to sleep since
    would wake it); a listing lists every tenant, so beyond 2,000 at most once a second (once per
    100-tenant read would grow as the square of the tenants)."""
    from schemactl import live

    class Listing:
        def __init__(self, tenants: int):
            self.tenants, self.calls = tenants, 0

        def get(self, path: str) -> list[dict]:
            self.calls += 1
            return [{"name": f"t{i}", "activityStatus": "COLD" if i == 0 else "HOT"} for i in range(self.tenants)]

    few = Listing(50)
    statuses = live.Statuses(few, "Mt_v1")  # type: ignore[arg-type]
    assert statuses.active(["t0", "t1", "gone"]) == ["t1"] and statuses.active(["t2"]) == ["t2"]
    assert few.calls == 2  # every read asks again
    many = Listing(3_000)
    statuses = live.Statuses(many, "Mt_v1")  # type: ignore[arg-type]
    for start in range(0, 3_000, 100):
        statuses.active([f"t{i}" for i in range(start, start + 100)])
    assert many.calls == 1
    statuses._at -= live.RELISTED_EVERY
    assert statuses.active(["t0", "t5"]) == ["t5"] and many.calls == 2
    assert statuses.active([None]) == [None] and many.calls == 2  # a collection without tenants: nothing asked


def test_the_notice_of_tenants_an_earlier_apply_woke_says_none_are_awake_without_calling_them_left_awake():
    """Before: "1 tenant(s) ... are writable again (0 awake now, left awake as schemactl cannot
    tell its wake from the application's)"."""
    from schemactl.apply.tenant_recreate import Woken, woken_notice

    assert woken_notice("Docs_v14", Woken([], ["t1"], [])) == \
        "Docs_v14: 1 tenant(s) an earlier apply had woken to copy are writable again (none awake now)"
    assert woken_notice("Docs_v14", Woken(["t2"], ["t1"], [])).endswith(
        "(1 awake now, left awake as schemactl cannot tell its wake from the application's: t2)")
    assert woken_notice("Docs_v14", Woken([], ["t1"], ["t3"], ["t4"])) == (  # before: all four "writable again"
        "Docs_v14: 1 tenant(s) an earlier apply had woken to copy are writable again (none awake now); 1 deleted "
        "since; 1 frozen since, left as they are (t4)")


def test_a_status_change_refused_while_a_tenant_is_in_use_is_asked_again(monkeypatch):
    """Weaviate refuses a status change while a request works on the tenant ("shard still in
    use"). Before: the apply failed on it (seen under live writes in the multi-tenant suite)."""
    from schemactl import tenant_ops
    from schemactl.errors import RequestRefused

    monkeypatch.setattr(tenant_ops, "IN_USE_WAITS", (0.0, 0.0))
    sent = []

    class Reader:
        def send(self, verb, where, body, what):
            sent.append(body)
            if len(sent) < 3:
                raise RequestRefused(f'{what} failed (422): updating db: TYPE_UPDATE_TENANT: shard "t1": shard still '
                                     "in use", 422)

    tenant_ops.set_status(Reader(), "Mt_v1", {"t1": "COLD"})  # type: ignore[arg-type]
    assert sent == [[{"name": "t1", "activityStatus": "COLD"}]] * 3
    sent.clear()
    monkeypatch.setattr(tenant_ops, "IN_USE_WAITS", ())
    with pytest.raises(RequestRefused, match="shard still in use"):  # past the retries: refused as it was
        tenant_ops.set_status(Reader(), "Mt_v1", {"t1": "COLD"})  # type: ignore[arg-type]
