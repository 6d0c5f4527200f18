"""A named vector added to a collection that holds objects is filled for them. Measured on
v1.39: the server never fills it in place (an upsert or PATCH of an unchanged object keeps its
vectors, the new one stays empty), so the fill goes through a new version with the other vectors
reused: only the new vector is embedded, under the write-safe copy protocol."""
from __future__ import annotations

import json

import httpx
import pytest
from weaviate.classes.query import MetadataQuery

from schemactl.dev.embedder import embed

OBJECTS = 300


def notes_yaml(embedder, *, second: bool) -> str:
    text = ("name: Notes\nproperties:\n  - name: text\n    dataType: text\nvectors:\n"
            f"  first:\n    vectorizer:\n      module: text2vec-huggingface\n      endpointURL: {embedder.url('words-8')}\n"
            "      vectorizeClassName: false\n")
    if second:
        text += (f"  second:\n    vectorizer:\n      module: text2vec-huggingface\n"
                 f"      endpointURL: {embedder.url('words-16')}\n      vectorizeClassName: false\n")
    return text


@pytest.fixture
def notes(client, cli_run, embedder, tmp_path):
    directory = tmp_path / "schemas"
    directory.mkdir()
    (directory / "notes.yaml").write_text(notes_yaml(embedder, second=False))
    assert cli_run("apply", str(directory), "--auto-approve").exit_code == 0
    client.collections.get("Notes").data.insert_many([{"text": f"note number {i}"} for i in range(OBJECTS)])
    (directory / "notes.yaml").write_text(notes_yaml(embedder, second=True))
    embedder.reset()
    return directory


def test_an_added_vector_is_filled_embedding_only_it(client, cli_run, embedder, notes):
    result = cli_run("plan", str(notes), "--json")
    [step] = json.loads(result.stdout)["steps"]
    assert (step["kind"], step["forced_by"]) == ("recreate", ["vectors.second"])
    assert [(v["name"], v["action"]) for v in step["vectors"]] == [("first", "reuse"), ("second", "re-embed")]
    assert "the added named vector(s) second are filled for the existing objects" in cli_run("plan", str(notes)).stdout
    before = {str(o.uuid): o.vector["first"] for o in client.collections.get("Notes").iterator(include_vector=True)}
    applied = cli_run("apply", str(notes), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    stats = embedder.stats_json()["per_model"]
    assert stats == {"words-16": OBJECTS}  # nothing but the new vector was embedded
    after = {str(o.uuid): o.vector for o in client.collections.get("Notes").iterator(include_vector=True)}
    assert {k: v["first"] for k, v in after.items()} == before
    assert all(len(v["second"]) == 16 for v in after.values())
    by_text = {o.properties["text"]: o.vector["second"]
               for o in client.collections.get("Notes").iterator(include_vector=True)}
    assert by_text["note number 7"] == pytest.approx(embed("note number 7", "words-16"), abs=1e-6)
    found = client.collections.get("Notes").query.near_text("note number 7", target_vector="second", limit=OBJECTS,
                                                            return_metadata=MetadataQuery(distance=True))
    exact = [o.properties["text"] for o in found.objects if o.metadata.distance < 1e-5]
    assert "note number 7" in exact  # (16 hashed dimensions: other texts may land on the same vector)
    assert cli_run("plan", str(notes), "--detailed-exitcode").exit_code == 0


def test_no_backfill_adds_it_empty_in_place_and_saved_plans_keep_the_choice(client, cli_run, embedder, notes,
                                                                           weaviate_server):
    saved = notes.parent / "plan.json"
    planned = cli_run("plan", str(notes), "--no-backfill", "--out", str(saved))
    assert planned.exit_code == 0, planned.output
    assert [s["kind"] for s in json.loads(saved.read_text())["steps"]] == ["add-named-vector"]
    applied = cli_run("apply", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert embedder.stats_json()["per_model"] == {}
    assert not client.collections.exists("Notes_v2")
    sample = httpx.get(f"{weaviate_server.url}/v1/objects?class=Notes_v1&limit=1&include=vector").json()["objects"][0]
    assert set(sample["vectors"]) == {"first"}  # what --no-backfill means


def test_an_empty_collection_gets_the_vector_in_place(client, cli_run, embedder, tmp_path):
    directory = tmp_path / "schemas"
    directory.mkdir()
    (directory / "notes.yaml").write_text(notes_yaml(embedder, second=False))
    assert cli_run("apply", str(directory), "--auto-approve").exit_code == 0
    (directory / "notes.yaml").write_text(notes_yaml(embedder, second=True))
    [step] = json.loads(cli_run("plan", str(directory), "--json").stdout)["steps"]
    assert step["kind"] == "add-named-vector"
