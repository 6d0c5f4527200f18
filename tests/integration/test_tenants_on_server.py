"""Tenants behind aliases on the real server: the docs page's snippet, what the page says the alias
does and does not do, `schemactl tenants` by alias and by physical name, and the plan's warning."""
from __future__ import annotations

import contextlib
import io
import json
import re

import httpx
import pytest

from schemactl import versions
from schemactl.render import IN_SYNC
from tests.conftest import REPO

DOCS = REPO / "docs/multi-tenant.md"
WARNING = "Docs is multi-tenant and to be served, once this plan is applied, through the alias Docs"  # a new one


def docs_block(language: str) -> str:
    """The page's one code block in `language`."""
    [block] = re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(), re.DOTALL)
    return block


@pytest.fixture
def schema(tmp_path):
    """The page's collection file."""
    path = tmp_path / "docs.yaml"
    path.write_text(docs_block("yaml"))
    return path


@pytest.fixture
def docs(client, cli_run, schema):
    """The page's collection applied by schemactl: Docs_v1 behind the alias Docs."""
    result = cli_run("apply", str(schema), "--auto-approve")
    assert result.exit_code == 0, result.output
    return client


def listed(cli_run, name: str) -> dict[str, str]:
    result = cli_run("tenants", name, "--json")
    assert result.exit_code == 0, result.output
    return {t["name"]: t["status"] for t in json.loads(result.stdout)["tenants"]}


def failed_in_one_line(result, message: str) -> bool:
    return (result.exit_code == 1 and result.stderr.startswith(f"error: {message}")
            and len(result.stderr.strip().splitlines()) == 1)


# ---- the docs page --------------------------------------------------------------------------------

def test_the_docs_snippet_works_after_apply(client, cli_run, schema):
    applied = cli_run("apply", str(schema), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.count(WARNING) == 1  # said once, before applying
    assert client.alias.get(alias_name="Docs").collection == "Docs_v1"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(docs_block("python"), str(DOCS), "exec"), {"client": client})  # noqa: S102 - the page's own code
    assert printed.getvalue().split() == ["1", "INACTIVE"]
    assert listed(cli_run, "Docs") == {"acme": "COLD"}


def test_what_the_docs_say_the_alias_does_holds_on_this_server(docs, weaviate_server, cli_run, schema):
    rest = httpx.Client(base_url=weaviate_server.url)
    version = rest.get("/v1/meta").json()["version"]
    assert not versions.has("alias_tenant_endpoints", version)  # else: the table, the page and the warnings change
    for method, body in (("POST", [{"name": "acme"}]), ("PUT", [{"name": "acme", "activityStatus": "COLD"}]),
                         ("DELETE", ["acme"])):
        reply = rest.request(method, "/v1/schema/Docs/tenants", json=body)
        assert reply.status_code == 422 and "class not found" in reply.text, (method, reply.text)
    rest.post("/v1/schema/Docs_v1/tenants", json=[{"name": "acme"}, {"name": "sleepy", "activityStatus": "COLD"}])
    assert {t["name"] for t in rest.get("/v1/schema/Docs/tenants").json()} == {"acme", "sleepy"}  # reads resolve it
    schema.write_text(schema.read_text().replace("autoTenantCreation: false",
                                                 "autoTenantCreation: true\n  autoTenantActivation: true"))
    assert cli_run("apply", str(schema), "--auto-approve").exit_code == 0
    through_alias = docs.collections.use("Docs")
    through_alias.with_tenant("newcomer").data.insert({"text": "creates its tenant"})
    through_alias.with_tenant("sleepy").data.insert({"text": "wakes its tenant"})
    assert listed(cli_run, "Docs") == {"acme": "HOT", "newcomer": "HOT", "sleepy": "HOT"}


# ---- schemactl tenants ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Docs", "Docs_v1"])
def test_create_list_change_and_delete_by_alias_or_physical_name(docs, cli_run, name):
    created = cli_run("tenants", name, "--create", "acme,globex")
    assert created.exit_code == 0, created.output
    assert created.stdout == "Created 2 tenant(s) in Docs_v1 (behind alias Docs) as HOT: acme, globex.\n"
    again = cli_run("tenants", name, "--create", "acme,initech", "--status", "cold")
    assert "Created 1 tenant(s) in Docs_v1 (behind alias Docs) as COLD: initech." in again.stdout
    assert "already there, status left as it was: acme" in again.stderr
    docs.collections.use("Docs").with_tenant("acme").data.insert({"text": "the application can use it"})

    shown = cli_run("tenants", name)
    assert shown.stdout.splitlines() == ["acme     HOT", "globex   HOT", "initech  COLD"]
    assert shown.stderr == "3 tenant(s) in Docs_v1 (behind alias Docs)\n"

    changed = cli_run("tenants", name, "--update", "acme,initech", "--status", "COLD")
    assert "Changed 1 tenant(s) in Docs_v1 (behind alias Docs) to COLD: acme." in changed.stdout
    assert "already COLD: initech" in changed.stderr
    unchanged = cli_run("tenants", name, "--update", "initech", "--status", "COLD")
    assert unchanged.stdout == "Nothing changed in Docs_v1 (behind alias Docs): already COLD: initech.\n"
    deleted = cli_run("tenants", name, "--delete", "globex", "--allow-destructive")
    assert deleted.stdout == "Deleted 1 tenant(s) from Docs_v1 (behind alias Docs): globex.\n"
    assert listed(cli_run, "Docs") == listed(cli_run, "Docs_v1") == {"acme": "COLD", "initech": "COLD"}


def test_delete_is_refused_without_allow_destructive(docs, cli_run):
    cli_run("tenants", "Docs", "--create", "acme")
    docs.collections.use("Docs").with_tenant("acme").data.insert({"text": "kept"})
    refused = cli_run("tenants", "Docs", "--delete", "acme")
    assert failed_in_one_line(refused, "deleting tenant(s) acme of Docs deletes their objects: pass --allow-destructive")
    assert docs.collections.use("Docs").with_tenant("acme").aggregate.over_all(total_count=True).total_count == 1


def test_many_tenants_at_once(docs, cli_run):
    """More tenants than the server changes in one request (100 on v1.39)."""
    names = ",".join(f"customer-{i:03}" for i in range(250))
    assert cli_run("tenants", "Docs", "--create", names).exit_code == 0
    changed = cli_run("tenants", "Docs", "--update", names, "--status", "COLD")
    assert changed.exit_code == 0, changed.output
    assert set(listed(cli_run, "Docs").values()) == {"COLD"} and len(listed(cli_run, "Docs")) == 250
    assert cli_run("tenants", "Docs", "--delete", names, "--allow-destructive").exit_code == 0
    assert listed(cli_run, "Docs") == {}


def test_bad_names_are_one_line_and_change_nothing(docs, cli_run):
    docs.collections.create_from_dict({"class": "Plain", "vectorizer": "none"})
    cli_run("tenants", "Docs", "--create", "acme")
    assert failed_in_one_line(cli_run("tenants", "Nope"), "no collection or alias named Nope in the cluster")
    assert failed_in_one_line(cli_run("tenants", "Plain"), "Plain is not multi-tenant")
    assert failed_in_one_line(cli_run("tenants", "Docs", "--update", "acme,ghost", "--status", "COLD"),
                              "no tenant named ghost in Docs_v1 (behind alias Docs); nothing was changed")
    assert failed_in_one_line(cli_run("tenants", "Docs", "--delete", "ghost", "--allow-destructive"),
                              "no tenant named ghost")
    assert listed(cli_run, "Docs") == {"acme": "HOT"}


def test_an_old_version_kept_for_rollback_says_so(docs, cli_run):
    docs.collections.create_from_dict({"class": "Docs_v2", "vectorizer": "none",
                                       "properties": [{"name": "text", "dataType": ["text"]}],
                                       "multiTenancyConfig": {"enabled": True}})
    docs.alias.update(alias_name="Docs", new_target_collection="Docs_v2")
    old = cli_run("tenants", "Docs_v1")
    assert old.exit_code == 0
    assert ("note: Docs_v1 is a version no alias serves; the application reads Docs_v2 through the "
            "alias Docs") in old.stderr
    assert "in Docs_v2 (behind alias Docs)" in cli_run("tenants", "Docs", "--create", "acme").stdout
    assert listed(cli_run, "Docs_v2") == {"acme": "HOT"} and listed(cli_run, "Docs_v1") == {}


# ---- what plan and apply say ---------------------------------------------------------------------

def test_plan_says_once_what_the_application_must_do(client, cli_run, schema):
    text = cli_run("plan", str(schema)).stdout
    assert text.startswith(f"warning: {WARNING}") and text.count(WARNING) == 1
    assert "with autoTenantCreation off, the application must create tenants" in text
    assert f"> **Warning:** {WARNING}" in cli_run("plan", str(schema), "--format", "markdown").stdout
    [line] = json.loads(cli_run("plan", str(schema), "--json").stdout)["warnings"]
    assert line.startswith(WARNING)

    assert cli_run("apply", str(schema), "--auto-approve").exit_code == 0
    assert cli_run("plan", str(schema)).stdout.strip() == IN_SYNC  # nothing to change: nothing to say
    schema.write_text(schema.read_text().replace("autoTenantCreation: false", "autoTenantCreation: true"))
    changed = cli_run("plan", str(schema)).stdout
    assert "inserts through Docs still create tenants (autoTenantCreation)" in changed
