"""Collections schemactl cannot represent yet are named everywhere, never skipped in silence, and
a file for one is refused before anything is created. (Every module is representable now; what
is not yet is a setting it does not model, such as shardingConfig.virtualPerPhysical.)"""
from __future__ import annotations

import json

import httpx
import pytest
from click.testing import CliRunner

from schemactl.cli import cli

DOC = "name: Doc\nproperties:\n  - name: title\n    dataType: text\nvectorizer:\n  module: none\n"
SHARDED_DOCS = {"class": "ShardedDocs", "vectorizer": "text2vec-openai", "shardingConfig": {"virtualPerPhysical": 64},
                "properties": [{"name": "body", "dataType": ["text"]}]}
WHY = "settings schemactl does not model yet: shardingConfig.virtualPerPhysical"


@pytest.fixture
def cluster(modules_server, tmp_path):
    """Doc managed by schemactl; ShardedDocs made by hand with a setting schemactl does not model."""
    for name in classes(modules_server):
        httpx.delete(f"{modules_server.url}/v1/schema/{name}")
    run(modules_server, "apply", str(_files(tmp_path, DOC)), "--auto-approve")
    httpx.post(f"{modules_server.url}/v1/schema", json=SHARDED_DOCS).raise_for_status()
    yield modules_server
    for alias in httpx.get(f"{modules_server.url}/v1/aliases").json().get("aliases") or []:
        httpx.delete(f"{modules_server.url}/v1/aliases/{alias['alias']}")
    for name in classes(modules_server):
        httpx.delete(f"{modules_server.url}/v1/schema/{name}")


def run(server, *args: str):
    connection = ["--url", server.url, "--grpc-port", str(server.ports.grpc)]
    return CliRunner().invoke(cli, [*args, *connection], catch_exceptions=False)


def classes(server) -> set[str]:
    return {c["class"] for c in httpx.get(f"{server.url}/v1/schema").json()["classes"] or []}


def _files(tmp_path, *texts: str):
    directory = tmp_path / "schemas"
    directory.mkdir(exist_ok=True)
    for i, text in enumerate(texts):
        (directory / f"c{i}.yaml").write_text(text)
    return directory


def test_plan_names_what_it_cannot_represent_and_never_reports_in_sync(cluster, tmp_path):
    files = _files(tmp_path, DOC)
    result = run(cluster, "plan", str(files), "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "No changes to what schemactl can see, but the cluster holds collections it cannot represent." \
        in result.stdout
    assert f"! ShardedDocs: {WHY}" in result.stdout
    document = json.loads(run(cluster, "plan", str(files), "--json").stdout)
    assert [u["name"] for u in document["unmanageable"]] == ["ShardedDocs"]
    assert document["steps"] == [] and "ShardedDocs" not in document["unmanaged"]


def test_prune_never_deletes_what_it_cannot_represent(cluster, tmp_path):
    document = json.loads(run(cluster, "plan", str(_files(tmp_path, DOC)), "--prune", "--json").stdout)
    assert document["steps"] == []


def test_pull_says_why_it_cannot_pull_one_and_names_those_it_leaves_out(cluster, tmp_path):
    refused = run(cluster, "pull", "ShardedDocs", "--out", str(tmp_path / "pulled"))
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"error: cannot pull ShardedDocs: schemactl cannot represent it yet ({WHY}")
    everything = run(cluster, "pull", "--out", str(tmp_path / "all"))
    assert everything.exit_code == 0, everything.output
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == ["doc.yaml"]
    assert "not pulled: ShardedDocs: schemactl cannot represent it yet" in everything.stderr


def test_a_file_for_a_collection_it_cannot_represent_is_refused_before_anything_is_created(cluster, tmp_path):
    before = classes(cluster)
    moved = ("name: ShardedDocs\nproperties:\n  - name: body\n    dataType: text\n"
             "vectorizer:\n  module: text2vec-huggingface\n  endpointURL: http://127.0.0.1:9/x\n")
    for command in (("plan",), ("apply", "--auto-approve")):
        result = run(cluster, *command, str(_files(tmp_path, DOC, moved)))
        assert result.exit_code == 1
        assert f"the cluster already holds ShardedDocs ({WHY}" in result.stderr
        assert "nothing was planned" in result.stderr
    assert classes(cluster) == before  # no ShardedDocs_v1 left behind
