"""Data migrations on the real server: reuse, re-embed, verification, cutover, rollback."""
from __future__ import annotations

import json

import pytest
from weaviate.classes.data import DataObject
from weaviate.classes.query import MetadataQuery

from schemactl.dev.embedder import model_dimensions
from tests.integration.conftest import edit

WORDS = ["river", "mountain", "violin", "harbor", "comet", "lantern", "orchid", "glacier", "falcon", "quartz"]


def doc_schema(embedder, model: str = "words-64", distance: str = "cosine") -> str:
    return (f"name: Doc\nproperties:\n  - name: title\n    dataType: text\n  - name: body\n    dataType: text\n"
            f"  - name: rank\n    dataType: int\nvectorizer:\n  module: text2vec-huggingface\n"
            f"  endpointURL: {embedder.url(model)}\n  vectorizeClassName: false\n"
            f"vectorIndexConfig:\n  distance: {distance}\n")


@pytest.fixture
def docs(client, cli_run, embedder, tmp_path):
    """Doc applied by schemactl (Doc_v1 behind alias Doc) with 300 objects embedded by words-64."""
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    collection = client.collections.use("Doc")
    result = collection.data.insert_many([
        {"title": f"{WORDS[i % 10]} number {i}", "body": f"about the {WORDS[(i * 3) % 10]} item{i}", "rank": i}
        for i in range(300)])
    assert not result.errors
    embedder.reset()
    return tmp_path


def snapshot(client, name: str) -> dict[str, tuple]:
    """uuid -> (properties, vector) of every object."""
    out = {}
    for obj in client.collections.use(name).iterator(include_vector=True):
        out[str(obj.uuid)] = (obj.properties, obj.vector.get("default"))
    return out


def aliases(client) -> dict[str, str]:
    return {a: t.collection for a, t in client.alias.list_all().items()}


def test_reuse_copies_every_object_and_vector_without_embedding(client, cli_run, embedder, docs):
    before = snapshot(client, "Doc_v1")
    (docs / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    result = cli_run("apply", str(docs), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert aliases(client) == {"Doc": "Doc_v2"}
    assert snapshot(client, "Doc_v2") == before
    assert embedder.stats.texts == 0  # reuse: the embedding endpoint saw nothing
    assert snapshot(client, "Doc_v1") == before  # kept, untouched, for rollback
    assert client.collections.use("Doc").config.get().vector_index_config.distance_metric.value == "dot"
    assert "verified 300 object(s) in Doc_v2, the same ids as Doc_v1" in result.stderr
    assert cli_run("plan", str(docs), "--detailed-exitcode").exit_code == 0


def test_reembed_uses_the_new_model_and_search_works_through_the_alias(client, cli_run, embedder, docs):
    (docs / "doc.yaml").write_text(doc_schema(embedder, model="words-96"))
    plan = json.loads(cli_run("plan", str(docs), "--json").stdout)
    assert plan["steps"][0]["vectors"][0]["action"] == "re-embed"
    result = cli_run("apply", str(docs), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert aliases(client) == {"Doc": "Doc_v2"}
    assert embedder.stats.per_model == {"words-96": 300}
    after = snapshot(client, "Doc_v2")
    assert len(after) == 300 and {len(v) for _, v in after.values()} == {model_dimensions("words-96")}
    doc = client.collections.use("Doc")
    top = doc.query.near_text("harbor number 123 about the quartz item123", limit=1).objects[0]
    assert top.properties["rank"] == 123
    hybrid = doc.query.hybrid("item42", limit=1).objects[0]
    assert hybrid.properties["rank"] == 42
    assert cli_run("plan", str(docs), "--detailed-exitcode").exit_code == 0
