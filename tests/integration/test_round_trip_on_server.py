"""The whole v1.39 schema surface, round-tripped on a real server with every API module enabled:
collections made with weaviate-client -> pull -> validate -> plan (nothing to do) -> the pulled
files applied under other names -> the server holds the same definitions (names aside)."""
from __future__ import annotations

import json
import re

import httpx
import pytest
import weaviate
from click.testing import CliRunner

from schemactl.cli import cli
from tests.integration.round_trip_corpus import CORPUS

COPY = "Copy"


def run(server, *args: str):
    connection = ["--url", server.url, "--grpc-port", str(server.ports.grpc)]
    return CliRunner().invoke(cli, [*args, *connection], catch_exceptions=False)


def raw(server, name: str) -> dict:
    return httpx.get(f"{server.url}/v1/schema/{name}").json()


@pytest.fixture(scope="module")
def corpus(modules_server, tmp_path_factory):
    """The corpus created with weaviate-client, then pulled into files."""
    with weaviate.connect_to_local(host="127.0.0.1", port=modules_server.ports.http,
                                   grpc_port=modules_server.ports.grpc) as client:
        for alias in client.alias.list_all():
            client.alias.delete(alias_name=alias)
        client.collections.delete_all()
        for body in CORPUS:
            client.collections.create_from_dict(json.loads(json.dumps(body)))
    pulled = tmp_path_factory.mktemp("pulled")
    result = run(modules_server, "pull", "--out", str(pulled))
    assert result.exit_code == 0, result.output
    yield modules_server, pulled
    with weaviate.connect_to_local(host="127.0.0.1", port=modules_server.ports.http,
                                   grpc_port=modules_server.ports.grpc) as client:
        for alias in client.alias.list_all():
            client.alias.delete(alias_name=alias)
        client.collections.delete_all()


def test_the_corpus_covers_the_surface():
    assert len(CORPUS) >= 40
    modules = {m for body in CORPUS for m in [body.get("vectorizer")] + [
        next(iter(v["vectorizer"])) for v in (body.get("vectorConfig") or {}).values()]}
    assert {"text2vec-openai", "text2vec-cohere", "text2vec-voyageai", "text2vec-jinaai", "text2vec-google",
            "text2vec-aws", "text2vec-mistral", "text2vec-nvidia", "text2vec-weaviate", "text2vec-huggingface",
            "text2multivec-jinaai", "multi2vec-jinaai", "multi2multivec-jinaai"} <= modules


def test_pull_writes_every_collection_and_leaves_none_out(corpus):
    _, pulled = corpus
    names = {re.search(r"^name: (\w+)", p.read_text(), re.MULTILINE)[1] for p in pulled.glob("*.yaml")}
    assert names == {body["class"] for body in CORPUS}


@pytest.mark.parametrize("name, block", [
    ("OpenAiDefault", "vectorizer:\n  module: text2vec-openai\n"),
    ("Morph", "vectorizer:\n  module: text2vec-morph\n"),  # a generic module's defaults too
    ("CohereTuned", ("vectorizer:\n  module: text2vec-cohere\n  model: embed-english-v3.0\n  truncate: START\n"
                    "  baseURL: https://cohere.example.com\n")),
    ("ColBert", "    vectorizer:\n      module: text2multivec-jinaai\n"),  # multivector on: its default
])
def test_pull_writes_what_the_user_chose_not_the_server_defaults(corpus, name, block):
    _, pulled = corpus
    text = (pulled / f"{name.lower()}.yaml").read_text()
    assert block in text
    assert "vectorIndexConfig" not in text


def test_pulled_files_validate_and_plan_nothing(corpus):
    server, pulled = corpus
    validated = CliRunner().invoke(cli, ["validate", str(pulled)])
    assert validated.exit_code == 0, validated.output
    planned = run(server, "plan", str(pulled), "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output


def test_pulled_files_applied_under_other_names_give_the_same_definitions(corpus, tmp_path):
    server, pulled = corpus
    copies = tmp_path / "copies"
    copies.mkdir()
    names = {body["class"] for body in CORPUS}
    for path in pulled.glob("*.yaml"):
        text = path.read_text()
        for name in names:  # the collection's own name and the collections its references name
            text = re.sub(rf"\b{name}\b", COPY + name, text)
        (copies / path.name).write_text(text)
    applied = run(server, "apply", str(copies), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    differences = {}
    for body in CORPUS:
        original = comparable(raw(server, body["class"]), names)
        copy = comparable(raw(server, f"{COPY}{body['class']}_v1"), names)
        if original != copy:
            differences[body["class"]] = sorted(
                k for k in set(original) | set(copy) if original.get(k) != copy.get(k))
    assert not differences


def comparable(body: dict, names: set[str]) -> dict:
    """A class's JSON with its own name left out, references named logically, lists of named
    things keyed by name (the server's ordering aside)."""
    text = json.dumps({k: v for k, v in body.items() if k != "class"})
    text = re.sub(rf'"{COPY}(\w+)_v1"', r'"\1"', text)
    data = json.loads(text)
    data["properties"] = {p["name"]: p for p in data.get("properties") or []}
    return data
