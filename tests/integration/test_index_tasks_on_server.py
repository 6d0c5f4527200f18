"""Property index changes done by the server in place (Weaviate 1.39 index tasks): no copy, no
new version, vectors untouched; a task submitted by an apply that died is finished by the next."""
from __future__ import annotations

import json

import httpx
import pytest
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter
from weaviate.classes.tenants import Tenant

from tests.integration.conftest import edit

DOCS = """\
name: Docs
properties:
  - name: title
    dataType: text
  - name: code
    dataType: text
  - name: views
    dataType: int
  - name: tag
    dataType: text
    indexSearchable: false
vectorizer:
  module: none
"""
OBJECTS = 2000


@pytest.fixture(autouse=True)
def _index_tasks_on_this_server(weaviate_server):
    """Index tasks exist from 1.39 (versions.py): on an older server (scripts/test --weaviate v1.38.8)
    these tests do not apply; test_versions_on_server.py checks that such changes are copies there."""
    from schemactl import versions

    version = httpx.get(f"{weaviate_server.url}/v1/meta").json()["version"]
    if not versions.has("property_index_tasks", version):
        pytest.skip(f"Weaviate {version} has no property index tasks (first in "
                    f"{versions.first_version('property_index_tasks')})")


@pytest.fixture
def docs(client, cli_run, tmp_path):
    directory = tmp_path / "schemas"
    directory.mkdir()
    (directory / "docs.yaml").write_text(DOCS)
    assert cli_run("apply", str(directory), "--auto-approve").exit_code == 0
    client.collections.get("Docs").data.insert_many([
        DataObject(properties={"title": f"Hello World {i}", "code": f"A-{i}", "views": i, "tag": f"t{i % 7} x"}, vector=[0.1, 0.2, float(i)])
        for i in range(OBJECTS)])
    return directory


def plan_steps(cli_run, directory) -> list[dict]:
    result = cli_run("plan", str(directory), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["steps"]


def test_tokenization_and_index_switches_change_in_place(client, cli_run, docs, weaviate_server):
    edit(docs / "docs.yaml", "  - name: code\n    dataType: text\n",
         "  - name: code\n    dataType: text\n    tokenization: field\n    indexSearchable: false\n")
    edit(docs / "docs.yaml", "    dataType: int\n", "    dataType: int\n    indexRangeFilters: true\n")
    edit(docs / "docs.yaml", "    indexSearchable: false\nvectorizer", "vectorizer")
    steps = plan_steps(cli_run, docs)
    assert [(s["kind"], s["property_name"], [o["action"] for o in s["operations"]]) for s in steps] == [
        ("reindex", "code", ["disable", "retokenize"]), ("reindex", "tag", ["enable"]),
        ("reindex", "views", ["enable"])]
    text = cli_run("plan", str(docs)).stdout
    assert "reindex property code in place (a server task; no data copied, vectors kept)" in text
    before = client.collections.get("Docs").query.fetch_objects(limit=1, include_vector=True).objects[0]
    saved = docs.parent / "plan.json"
    assert cli_run("plan", str(docs), "--out", str(saved)).exit_code == 0
    applied = cli_run("apply", str(saved), "--auto-approve")  # the saved plan, as CI applies it
    assert applied.exit_code == 0, applied.output
    assert cli_run("plan", str(docs), "--detailed-exitcode").exit_code == 0
    assert not client.collections.exists("Docs_v2")  # nothing was copied
    docs_now = client.collections.get("Docs")
    assert len(docs_now) == OBJECTS
    assert docs_now.query.fetch_object_by_id(before.uuid, include_vector=True).vector == before.vector
    # field tokenization: the whole value is one token, so a part of it no longer matches
    assert len(docs_now.query.fetch_objects(filters=Filter.by_property("code").equal("A-7"), limit=5).objects) == 1
    assert len(docs_now.query.fetch_objects(filters=Filter.by_property("code").equal("A"), limit=5).objects) == 0
    assert len(docs_now.query.fetch_objects(filters=Filter.by_property("views").greater_than(OBJECTS - 11),
                                            limit=50).objects) == 10
    assert len(docs_now.query.bm25("t3", query_properties=["tag"], limit=OBJECTS).objects) == \
        len([i for i in range(OBJECTS) if i % 7 == 3])  # the searchable index built in place
    history = json.loads(cli_run("history", "--json").stdout)
    assert history[0]["result"] == "applied"


def test_a_task_left_running_by_a_dead_apply_is_finished_by_the_next(client, cli_run, docs, weaviate_server):
    # what an apply killed right after submitting leaves: the task runs (or ran) in the server
    reply = httpx.put(f"{weaviate_server.url}/v1/schema/Docs_v1/properties/title/index/searchable",
                      json={"tokenization": "lowercase"})
    assert reply.status_code in (200, 202)
    edit(docs / "docs.yaml", "  - name: title\n    dataType: text\n",
         "  - name: title\n    dataType: text\n    tokenization: lowercase\n")
    applied = cli_run("apply", str(docs), "--auto-approve")
    if applied.exit_code != 0:  # the task ended between the plan and the lock (1.39.3 reports the new
        # tokenization only then): the schema changed under the plan, which is refused, never half-applied
        assert "the cluster changed since this plan was made (" in applied.stderr, applied.output
        applied = cli_run("apply", str(docs), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert cli_run("plan", str(docs), "--detailed-exitcode").exit_code == 0
    status = httpx.get(f"{weaviate_server.url}/v1/schema/Docs_v1/indexes").json()
    title = next(p for p in status["properties"] if p["name"] == "title")
    assert {(i["type"], i["status"], i.get("tokenization")) for i in title["indexes"]} == {
        ("filterable", "ready", "lowercase"), ("searchable", "ready", "lowercase")}


def test_multi_tenant_collections_are_reindexed_for_every_tenant(client, cli_run, tmp_path):
    directory = tmp_path / "schemas"
    directory.mkdir()
    (directory / "notes.yaml").write_text("name: Notes\nproperties:\n  - name: code\n    dataType: text\n"
                                          "vectorizer:\n  module: none\nmultiTenancyConfig:\n  enabled: true\n")
    assert cli_run("apply", str(directory), "--auto-approve").exit_code == 0
    notes = client.collections.get("Notes_v1")  # tenants are managed on the collection, not the alias
    notes.tenants.create([Tenant(name="a"), Tenant(name="b")])
    for tenant in ("a", "b"):
        notes.with_tenant(tenant).data.insert_many([{"code": f"{tenant}-{i} x"} for i in range(300)])
    edit(directory / "notes.yaml", "    dataType: text\n", "    dataType: text\n    tokenization: field\n")
    assert [s["kind"] for s in plan_steps(cli_run, directory)] == ["reindex"]
    applied = cli_run("apply", str(directory), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert cli_run("plan", str(directory), "--detailed-exitcode").exit_code == 0
    for tenant in ("a", "b"):
        found = notes.with_tenant(tenant).query.fetch_objects(filters=Filter.by_property("code").equal(f"{tenant}-7 x"))
        assert len(found.objects) == 1
        assert len(notes.with_tenant(tenant).query.fetch_objects(filters=Filter.by_property("code").equal("x"),
                                                                 limit=5).objects) == 0
