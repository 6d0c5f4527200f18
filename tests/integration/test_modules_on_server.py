"""Module settings on a real v1.39 server with every API module enabled: the tables decide what
changes in place, what is recreated with vectors reused, what is re-embedded; a module the
server lacks is refused at plan time."""
from __future__ import annotations

import json

import httpx
import pytest
from click.testing import CliRunner

from schemactl.cli import cli

CATALOG = """\
name: Catalog
properties:
  - name: title
    dataType: text
  - name: added
    dataType: date
vectorizer:
  module: text2vec-openai
  model: text-embedding-3-small
generative:
  module: generative-openai
  model: gpt-4o
reranker:
  module: reranker-cohere
invertedIndexConfig:
  stopwordPresets:
    short: [a, an]
objectTtlConfig:
  enabled: true
  deleteOn: added
  defaultTtl: 3600
"""
NOTES = """\
name: Notes
properties:
  - name: text
    dataType: text
vectors:
  hf:
    vectorizer:
      module: text2vec-huggingface
      endpointURL: http://127.0.0.1:9/embed
  dbx:
    vectorizer:
      module: text2vec-databricks
      endpoint: https://dbc.example.com/a
"""


def run(server, *args: str):
    connection = ["--url", server.url, "--grpc-port", str(server.ports.grpc)]
    return CliRunner().invoke(cli, [*args, *connection], catch_exceptions=False)


@pytest.fixture
def schemas(modules_server, tmp_path):
    for alias in httpx.get(f"{modules_server.url}/v1/aliases").json().get("aliases") or []:
        httpx.delete(f"{modules_server.url}/v1/aliases/{alias['alias']}")
    for c in httpx.get(f"{modules_server.url}/v1/schema").json()["classes"] or []:
        httpx.delete(f"{modules_server.url}/v1/schema/{c['class']}")
    directory = tmp_path / "schemas"
    directory.mkdir()
    (directory / "catalog.yaml").write_text(CATALOG)
    (directory / "notes.yaml").write_text(NOTES)
    applied = run(modules_server, "apply", str(directory), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    return directory


def steps(server, directory) -> dict:
    result = run(server, "plan", str(directory), "--json")
    assert result.exit_code == 0, result.output
    return {s["collection"]: s for s in json.loads(result.stdout)["steps"]}


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def converges(server, directory) -> None:
    applied = run(server, "apply", str(directory), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert run(server, "plan", str(directory), "--detailed-exitcode").exit_code == 0


def test_generative_reranker_expiry_and_stopword_presets_change_in_place(modules_server, schemas):
    catalog = schemas / "catalog.yaml"
    edit(catalog, "module: generative-openai\n  model: gpt-4o", "module: generative-anthropic\n  maxTokens: 512")
    edit(catalog, "module: reranker-cohere", "module: reranker-voyageai\n  model: rerank-2")
    edit(catalog, "defaultTtl: 3600", "defaultTtl: 7200")
    edit(catalog, "short: [a, an]", "short: [a, an, the]")
    step = steps(modules_server, schemas)["Catalog"]
    assert step["kind"] == "update"
    assert {f["path"].split(".")[0] for f in step["fields"]} == {
        "generative", "reranker", "objectTtlConfig", "invertedIndexConfig"}
    converges(modules_server, schemas)
    live = httpx.get(f"{modules_server.url}/v1/schema/Catalog_v1").json()
    assert set(live["moduleConfig"]) == {"text2vec-openai", "generative-anthropic", "reranker-voyageai"}
    assert live["objectTtlConfig"]["defaultTtl"] == 7200


def test_a_reranker_removed_from_the_file_needs_a_new_collection(modules_server, schemas):
    # v1.39 answers 200 to a PUT without it and keeps it: only a new collection drops it
    edit(schemas / "catalog.yaml", "reranker:\n  module: reranker-cohere\n", "")
    step = steps(modules_server, schemas)["Catalog"]
    assert step["kind"] == "recreate" and step["forced_by"] == ["reranker.module"]
    assert [v["action"] for v in step["vectors"]] == ["reuse"]
    converges(modules_server, schemas)
    assert "reranker-cohere" not in httpx.get(f"{modules_server.url}/v1/schema/Catalog_v2").json()["moduleConfig"]


def test_expiry_removed_from_the_file_is_turned_off(modules_server, schemas):
    edit(schemas / "catalog.yaml", "objectTtlConfig:\n  enabled: true\n  deleteOn: added\n  defaultTtl: 3600\n", "")
    assert steps(modules_server, schemas)["Catalog"]["kind"] == "update"
    converges(modules_server, schemas)


def test_hugging_face_options_change_in_place(modules_server, schemas):
    edit(schemas / "notes.yaml", "endpointURL: http://127.0.0.1:9/embed",
         "endpointURL: http://127.0.0.1:9/embed\n      options:\n        waitForModel: true")
    step = steps(modules_server, schemas)["Notes"]
    assert step["kind"] == "update"
    assert [f["path"] for f in step["fields"]] == ["vectors.hf.vectorizer.options.waitForModel"]
    converges(modules_server, schemas)


def test_a_typed_model_change_re_embeds_only_that_vector(modules_server, schemas):
    edit(schemas / "catalog.yaml", "model: text-embedding-3-small", "model: text-embedding-3-large")
    step = steps(modules_server, schemas)["Catalog"]
    assert step["kind"] == "recreate" and step["forced_by"] == ["vectorizer.model"]
    assert [(v["name"], v["action"]) for v in step["vectors"]] == [("default", "re-embed")]


def test_a_generic_module_change_re_embeds_and_says_it_was_not_sure(modules_server, schemas):
    edit(schemas / "notes.yaml", "endpoint: https://dbc.example.com/a", "endpoint: https://dbc.example.com/b")
    step = steps(modules_server, schemas)["Notes"]
    assert step["kind"] == "recreate"
    moves = {v["name"]: v for v in step["vectors"]}
    assert moves["hf"]["action"] == "reuse"
    assert moves["dbx"]["action"] == "re-embed"
    assert "no table of which text2vec-databricks settings change its vectors" in moves["dbx"]["reason"]


def test_a_module_the_server_has_not_enabled_is_refused_at_plan_time(modules_server, schemas):
    edit(schemas / "notes.yaml", "module: text2vec-databricks\n      endpoint: https://dbc.example.com/a",
         "module: text2vec-transformers")
    before = schema_of(modules_server)
    for command in (("plan",), ("apply", "--auto-approve")):
        result = run(modules_server, *command, str(schemas))
        assert result.exit_code == 1
        assert "modules not enabled on this server: Notes uses text2vec-transformers" in result.stderr
        assert "text2vec-huggingface" in result.stderr and "nothing was planned" in result.stderr
    assert schema_of(modules_server) == before


def schema_of(server) -> dict:
    return {c["class"]: c for c in httpx.get(f"{server.url}/v1/schema").json()["classes"]}


def test_hugging_face_passage_and_query_models_are_created_and_respelled_keeping_vectors(modules_server, schemas):
    pair = ("name: Reviews\nproperties:\n  - name: text\n    dataType: text\nvectors:\n  main:\n    vectorizer:\n"
            "      module: text2vec-huggingface\n      passageModel: org/passage\n      queryModel: org/query\n")
    (schemas / "reviews.yaml").write_text(pair)
    converges(modules_server, schemas)  # v1.39 takes the pair with "model": "" next to it
    pulled = run(modules_server, "pull", "Reviews", "--out", str(schemas.parent / "pulled"))
    assert pulled.exit_code == 0, pulled.output
    assert "passageModel: org/passage" in (schemas.parent / "pulled" / "reviews.yaml").read_text()
    (schemas / "reviews.yaml").write_text(pair.replace("passageModel: org/passage\n      queryModel: org/query\n",
                                                       "model: org/passage\n"))
    step = steps(modules_server, schemas)["Reviews"]
    # v1.39 refuses the change in place ("vectorizer config of vector is immutable"), but it is the
    # same model spelled otherwise: a new version with the vectors reused
    assert step["kind"] == "recreate" and [v["action"] for v in step["vectors"]] == ["reuse"]
    converges(modules_server, schemas)


def test_a_single_vectorizers_settings_never_change_in_place(modules_server, schemas):
    # v1.39: "can only update generative and reranker module configs" for a class-level vectorizer
    edit(schemas / "catalog.yaml", "model: text-embedding-3-small", "model: text-embedding-3-small\n  dimensions: 512")
    step = steps(modules_server, schemas)["Catalog"]
    assert step["kind"] == "recreate" and step["forced_by"] == ["vectorizer.dimensions"]
