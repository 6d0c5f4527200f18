"""The mutability table on whichever Weaviate the test bed runs (SCHEMACTL_WEAVIATE; CI runs this
module on 1.37, 1.38 and 1.39): each single-setting change is applied, the step kind is the one the
capability table (versions.py) predicts for this server's version, the server holds the value, no
object is lost, and the next plan is empty."""
from __future__ import annotations

import json

import httpx
import pytest
from weaviate.classes.data import DataObject

from schemactl import versions
from tests.integration.conftest import edit

BASE = """\
name: Doc
properties:
  - name: title
    dataType: text
  - name: views
    dataType: int
vectorizer:
  module: text2vec-huggingface
  endpointURL: http://127.0.0.1:9/models/none
  vectorizeClassName: false
vectorIndexConfig:
  distance: cosine
  ef: -1
"""
OBJECTS = 200


# (name, old text, new text, the step kind: a kind, or a capability deciding between it and a copy,
# the setting as the server must then hold it: (path in GET /v1/schema/Doc_vN, value))
CHANGES = [
    ("ef", "  ef: -1\n", "  ef: 200\n", "update", (("vectorIndexConfig", "ef"), 200)),
    ("distance", "  distance: cosine\n", "  distance: dot\n", "recreate", (("vectorIndexConfig", "distance"), "dot")),
    ("vectorizer options", "  vectorizeClassName: false\n",
     "  vectorizeClassName: false\n  options:\n    waitForModel: true\n", "single_vectorizer_settings_in_place",
     (("moduleConfig", "text2vec-huggingface", "options", "waitForModel"), True)),
    ("index drop", "    dataType: int\n", "    dataType: int\n    indexFilterable: false\n", "property_index_drop",
     (("properties", 1, "indexFilterable"), False)),
    ("index build", "    dataType: int\n", "    dataType: int\n    indexRangeFilters: true\n", "property_index_tasks",
     (("properties", 1, "indexRangeFilters"), True)),
    ("tokenization", "    dataType: text\n", "    dataType: text\n    tokenization: field\n", "property_index_tasks",
     (("properties", 0, "tokenization"), "field")),
    ("async replication", "vectorIndexConfig:\n", "replicationConfig:\n  asyncEnabled: true\nvectorIndexConfig:\n",
     "async_replication_from_factor", (("replicationConfig", "asyncEnabled"), True)),
]
IN_PLACE = {"single_vectorizer_settings_in_place": "update", "property_index_drop": "reindex",
            "property_index_tasks": "reindex"}
# a capability that makes the setting the server's own: no step (the server holds what it decides)
SERVERS_OWN = {"async_replication_from_factor": (("replicationConfig", "asyncEnabled"), False)}


def expected_kind(decided_by: str, version: str) -> str:
    if decided_by in SERVERS_OWN:
        return "none" if versions.has(decided_by, version) else "update"
    if decided_by not in IN_PLACE:
        return decided_by
    return IN_PLACE[decided_by] if versions.has(decided_by, version) else "recreate"


def held(weaviate_server, client, path) -> object:
    physical = client.alias.get(alias_name="Doc").collection
    body = httpx.get(f"{weaviate_server.url}/v1/schema/{physical}").json()
    for part in path:
        body = body[part]
    return body


@pytest.mark.parametrize("name, old, new, decided_by, holds", CHANGES, ids=[c[0] for c in CHANGES])
def test_each_change_takes_the_step_the_capability_table_predicts(client, cli_run, weaviate_server, tmp_path,
                                                                  name, old, new, decided_by, holds):
    version = httpx.get(f"{weaviate_server.url}/v1/meta").json()["version"]
    (tmp_path / "doc.yaml").write_text(BASE)
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    result = client.collections.use("Doc").data.insert_many(
        [DataObject(properties={"title": f"t {i}", "views": i}, vector=[i / OBJECTS, 1.0, 0.5])
         for i in range(OBJECTS)])
    assert not result.errors
    edit(tmp_path / "doc.yaml", old, new)
    planned = cli_run("plan", str(tmp_path), "--json")
    assert planned.exit_code == 0, planned.output
    kind = expected_kind(decided_by, version)
    if kind == "none":
        assert json.loads(planned.stdout)["steps"] == [], f"{name} on {version}: the server decides it"
        warnings = json.loads(planned.stdout)["warnings"]  # not in silence: before, only validate said it
        assert any("decides it from the replication factor (1)" in w for w in warnings), warnings
        path, value = SERVERS_OWN[decided_by]
        assert held(weaviate_server, client, path) == value
        return
    [step] = json.loads(planned.stdout)["steps"]
    assert step["kind"] == kind, f"{name} on {version}: {step['kind']}, the capability table says {kind}"
    if kind == "recreate":
        assert [v["action"] for v in step["vectors"]] == ["reuse"]
        if decided_by == "property_index_tasks":  # a copy only because of the version: the plan says so
            assert "a copy only because this server does not build" in step.get("version_note", "")
    applied = cli_run("apply", str(tmp_path), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    path, value = holds
    found = held(weaviate_server, client, path)
    assert found == value, f"{name} on {version}: the server holds {found!r}"
    assert len(client.collections.use("Doc").query.fetch_objects(limit=OBJECTS + 1).objects) == OBJECTS
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


def test_where_runtime_reindexing_is_off_a_tokenization_change_is_a_copy_that_says_why(modules_server, tmp_path):
    """1.39.3 builds indexes at runtime only with RUNTIME_REINDEX_ENABLED (modules_server runs as the
    server does by default); an older 1.39 always does; 1.37 and 1.38 never."""
    from click.testing import CliRunner

    from schemactl.cli import cli

    def run(*args: str):
        return CliRunner().invoke(cli, [*args, "--url", modules_server.url, "--grpc-port",
                                        str(modules_server.ports.grpc)], catch_exceptions=False)

    version = httpx.get(f"{modules_server.url}/v1/meta").json()["version"]
    (tmp_path / "doc.yaml").write_text(BASE.replace("name: Doc", "name: Reindexed"))
    assert run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    edit(tmp_path / "doc.yaml", "    dataType: text\n", "    dataType: text\n    tokenization: field\n")
    [step] = json.loads(run("plan", str(tmp_path), "--json").stdout)["steps"]
    runs_tasks = versions.has("property_index_tasks", version) and versions.parse(version) < (1, 39, 3)
    assert step["kind"] == ("reindex" if runs_tasks else "recreate"), version
    if step["kind"] == "recreate":
        assert "RUNTIME_REINDEX_ENABLED" in step["version_note"]
    assert run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    assert run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


RQ = """\
name: Quantized
vectorizer:
  module: none
vectorIndexConfig:
  distance: cosine
  rq:
    enabled: true
%s"""
RQ_SETTINGS = [("bits 4", "    bits: 4\n", "rq_bits_4", ("bits", 4)),
               ("centering", "    bits: 4\n    centering: true\n    trainingLimit: 5000\n", "rq_training_options",
                ("centering", True))]


@pytest.mark.parametrize("name, settings, capability, holds", RQ_SETTINGS, ids=[s[0] for s in RQ_SETTINGS])
def test_an_rq_setting_this_version_lacks_is_refused_at_plan_time_else_held(client, cli_run, weaviate_server,
                                                                             tmp_path, name, settings, capability,
                                                                             holds):
    """Measured: 1.37/1.38 refuse bits 4 (422 at create); up to 1.39.0 centering and trainingLimit are
    dropped without a word (every plan would show them again). The plan refuses what the capability
    table says this server lacks, and a server that has it keeps the value and converges."""
    version = httpx.get(f"{weaviate_server.url}/v1/meta").json()["version"]
    (tmp_path / "q.yaml").write_text(RQ % settings)
    planned = cli_run("plan", str(tmp_path))
    if not versions.has(capability, version):
        assert planned.exit_code == 1
        assert f"needs Weaviate {versions.first_version(capability)} or later; this server ({version})" \
            in planned.output
        assert "Quantized" not in {c.name for c in client.collections.list_all().values()}
        return
    assert planned.exit_code == 0, planned.output
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    physical = client.alias.get(alias_name="Quantized").collection
    rq = httpx.get(f"{weaviate_server.url}/v1/schema/{physical}").json()["vectorIndexConfig"]["rq"]
    assert rq[holds[0]] == holds[1], f"{name} on {version}: the server holds {rq}"
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0
