"""Servers that choose for collections created without a choice (DEFAULT_QUANTIZATION, as Weaviate
Cloud can be set up; DEFAULT_VECTOR_INDEX, DEFAULT_VECTOR_DISTANCE_METRIC, DEFAULT_SHARDING_COUNT,
REPLICATION_MINIMUM_FACTOR): a file that leaves the choice to the server is in sync
with what the server made of it, through a recreate too, instead of planning a copy that the
server undoes again and again. A vectorizer is never left to the server (DEFAULT_VECTORIZER_MODULE):
the plan says none, and none is what is created."""
from __future__ import annotations

import httpx
import pytest
import weaviate
from click.testing import CliRunner
from weaviate.classes.data import DataObject

from schemactl.cli import cli
from tests.integration.conftest import edit

DOC = "name: Doc\nproperties:\n  - name: title\n    dataType: text\nvectorizer:\n  module: none\n" \
      "vectorIndexConfig:\n  distance: cosine\n"
PLAIN = "name: Plain\nproperties:\n  - name: title\n    dataType: text\nvectorizer:\n  module: none\n" \
        "vectorIndexConfig:\n  skipDefaultQuantization: true\n"


@pytest.fixture(scope="module")
def quantizing(tmp_path_factory):
    from schemactl.dev import weaviate as testbed

    server = testbed.start(tmp_path_factory.mktemp("default-rq"), env={"DEFAULT_QUANTIZATION": "rq-8"})
    yield server
    server.stop()


def run(server, *args: str):
    return CliRunner().invoke(cli, [*args, "--url", server.url, "--grpc-port", str(server.ports.grpc)],
                              catch_exceptions=False)


def index_config(server, physical: str) -> dict:
    return httpx.get(f"{server.url}/v1/schema/{physical}").json()["vectorIndexConfig"]


def test_a_file_that_leaves_quantization_to_the_server_stays_in_sync_through_a_recreate(quantizing, tmp_path):
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "doc.yaml").write_text(DOC)
    (schemas / "plain.yaml").write_text(PLAIN)
    assert run(quantizing, "apply", str(schemas), "--auto-approve").exit_code == 0
    made = index_config(quantizing, "Doc_v1")  # the server's own doing, pinned
    assert made["rq"]["enabled"] and made["rq"]["bits"] == 8 and made["trackDefaultQuantization"]
    assert not index_config(quantizing, "Plain_v1")["rq"]["enabled"]  # skipDefaultQuantization kept it off
    in_sync = run(quantizing, "plan", str(schemas), "--detailed-exitcode")
    assert in_sync.exit_code == 0 and "No changes" in in_sync.output

    client = weaviate.connect_to_local(host="127.0.0.1", port=quantizing.ports.http, grpc_port=quantizing.ports.grpc)
    try:
        objects = [DataObject(properties={"title": f"t{i}"}, vector=[float(i % 7), 1.0, float(i % 3)])
                   for i in range(60)]
        assert not client.collections.use("Doc").data.insert_many(objects).has_errors
        edit(schemas / "doc.yaml", "distance: cosine", "distance: dot")
        plan = run(quantizing, "plan", str(schemas))
        assert "vectorIndexConfig.distance" in plan.output and "rq" not in plan.output  # the copy is for distance alone
        assert run(quantizing, "apply", str(schemas), "--auto-approve").exit_code == 0
        assert client.alias.get(alias_name="Doc").collection == "Doc_v2"
        assert len(client.collections.use("Doc").query.fetch_objects(limit=100).objects) == 60
    finally:
        client.close()
    assert index_config(quantizing, "Doc_v2")["rq"]["enabled"]
    again = run(quantizing, "plan", str(schemas), "--detailed-exitcode")
    assert again.exit_code == 0 and "No changes" in again.output


def test_quantizer_settings_without_a_quantizer_turned_on_are_named_as_not_applied(quantizing, tmp_path):
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "tuned.yaml").write_text(DOC.replace("Doc", "TunedRq") + "  rq:\n    rescoreLimit: 50\n")
    assert run(quantizing, "apply", str(schemas), "--auto-approve").exit_code == 0
    made = index_config(quantizing, "TunedRq_v1")["rq"]
    assert made["enabled"] and made["rescoreLimit"] != 50  # the server's default quantizer, its own settings
    plan = run(quantizing, "plan", str(schemas), "--detailed-exitcode")
    assert plan.exit_code == 0 and "No changes" in plan.output
    assert "warning: TunedRq: vectorIndexConfig.rq not applied" in plan.output


@pytest.fixture(scope="module")
def flat_by_default(tmp_path_factory):
    from schemactl.dev import weaviate as testbed

    server = testbed.start(tmp_path_factory.mktemp("default-flat"), env={"DEFAULT_VECTOR_INDEX": "flat"})
    yield server
    server.stop()


def test_a_file_that_leaves_the_index_type_to_the_server_stays_in_sync_and_one_that_names_it_gets_it(
        flat_by_default, tmp_path):
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "doc.yaml").write_text(DOC)
    (schemas / "tuned.yaml").write_text(DOC.replace("Doc", "Tuned") + "  ef: 100\n")  # ef: hnsw only
    assert run(flat_by_default, "apply", str(schemas), "--auto-approve").exit_code == 0
    types = {name: httpx.get(f"{flat_by_default.url}/v1/schema/{name}_v1").json()["vectorIndexType"]
             for name in ("Doc", "Tuned")}
    assert types == {"Doc": "flat", "Tuned": "hnsw"}  # the server's default; what the file states
    in_sync = run(flat_by_default, "plan", str(schemas), "--detailed-exitcode")
    assert in_sync.exit_code == 0 and "No changes" in in_sync.output
    edit(schemas / "doc.yaml", "distance: cosine", "distance: dot")
    assert run(flat_by_default, "apply", str(schemas), "--auto-approve").exit_code == 0
    assert httpx.get(f"{flat_by_default.url}/v1/schema/Doc_v2").json()["vectorIndexType"] == "flat"
    again = run(flat_by_default, "plan", str(schemas), "--detailed-exitcode")
    assert again.exit_code == 0 and "No changes" in again.output


def test_a_file_without_a_vectorizer_gets_none_not_the_servers_default_module(tmp_path_factory, tmp_path):
    """DEFAULT_VECTORIZER_MODULE (docker-compose files often set one): the plan says "bring your own
    vectors", so the collection is created with none, not with the module's default model."""
    from schemactl.dev import weaviate as testbed

    server = testbed.start(tmp_path_factory.mktemp("default-vectorizer"),
                           env={"DEFAULT_VECTORIZER_MODULE": "text2vec-huggingface"})
    try:
        schemas = tmp_path / "schemas"
        schemas.mkdir()
        (schemas / "doc.yaml").write_text("name: Doc\nproperties:\n  - name: title\n    dataType: text\n")
        applied = run(server, "apply", str(schemas), "--auto-approve")
        assert applied.exit_code == 0 and "vectors: none (bring your own vectors)" in applied.output
        made = httpx.get(f"{server.url}/v1/schema/Doc_v1").json()
        assert made["vectorizer"] == "none" and "text2vec-huggingface" not in (made.get("moduleConfig") or {})
        in_sync = run(server, "plan", str(schemas), "--detailed-exitcode")
        assert in_sync.exit_code == 0 and "No changes" in in_sync.output
    finally:
        server.stop()


def test_a_distance_and_a_shard_count_the_file_leaves_to_the_server_are_the_servers(tmp_path_factory, tmp_path):
    from schemactl.dev import weaviate as testbed

    server = testbed.start(tmp_path_factory.mktemp("default-distance"),
                           env={"DEFAULT_VECTOR_DISTANCE_METRIC": "dot", "DEFAULT_SHARDING_COUNT": "2"})
    try:
        schemas = tmp_path / "schemas"
        schemas.mkdir()
        (schemas / "doc.yaml").write_text("name: Doc\nproperties:\n  - name: title\n    dataType: text\n"
                                          "vectorizer:\n  module: none\n")
        (schemas / "stated.yaml").write_text(DOC.replace("Doc", "Stated") + "shardingConfig:\n  desiredCount: 1\n")
        assert run(server, "apply", str(schemas), "--auto-approve").exit_code == 0
        made = {name: httpx.get(f"{server.url}/v1/schema/{name}_v1").json() for name in ("Doc", "Stated")}
        assert (made["Doc"]["vectorIndexConfig"]["distance"], made["Doc"]["shardingConfig"]["desiredCount"]) == \
            ("dot", 2)  # the server's choices
        assert (made["Stated"]["vectorIndexConfig"]["distance"], made["Stated"]["shardingConfig"]["desiredCount"]) \
            == ("cosine", 1)  # what the file states
        in_sync = run(server, "plan", str(schemas), "--detailed-exitcode")
        assert in_sync.exit_code == 0 and "No changes" in in_sync.output
    finally:
        server.stop()


def test_a_replication_factor_the_file_leaves_to_the_cluster_is_its_minimum(tmp_path_factory, tmp_path):
    """REPLICATION_MINIMUM_FACTOR: a collection created without replicationConfig gets that many
    replicas. Compared with one replica, the plan scaled it down, which the cluster refuses."""
    from schemactl.dev import weaviate as testbed

    cluster = testbed.start_cluster(tmp_path_factory.mktemp("minimum-factor"), 2,
                                    env={"REPLICATION_MINIMUM_FACTOR": "2"})
    try:
        node = cluster.nodes[0]
        schemas = tmp_path / "schemas"
        schemas.mkdir()
        (schemas / "doc.yaml").write_text(DOC)
        assert run(node, "apply", str(schemas), "--auto-approve").exit_code == 0
        assert httpx.get(f"{node.url}/v1/schema/Doc_v1").json()["replicationConfig"]["factor"] == 2
        in_sync = run(node, "plan", str(schemas), "--detailed-exitcode")
        assert in_sync.exit_code == 0 and "No changes" in in_sync.output
    finally:
        cluster.stop()
