"""text2vec-huggingface in its hosted modes (`model`, `passageModel` + `queryModel`) on the real
v1.39 module, through the impersonation of HF's hosted API (a development aid), with the real
all-MiniLM-L6-v2: the guide's example, wait_for_model, keys."""
from __future__ import annotations

import pytest
from weaviate.classes.query import MetadataQuery
from weaviate.exceptions import WeaviateInsertManyAllFailedError

from schemactl.dev import model as real_model
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not real_model.available(), reason="the real model is not installed: scripts/install")

FILMS = [
    {"title": "The Shawshank Redemption", "description": "Two imprisoned men bond over a number of years."},
    {"title": "The Godfather", "description": "The aging patriarch of an organized crime dynasty transfers control."},
    {"title": "The Dark Knight", "description": "Batman faces the Joker, who wreaks havoc on Gotham."},
    {"title": "Jingle All the Way", "description": "A father races to buy a toy for his son on Christmas Eve."},
    {"title": "A Christmas Carol", "description": "A miserly old man is visited by ghosts on Christmas Eve."},
]
DEMO = (REPO / "schemas" / "democollection.yaml").read_text()


@pytest.fixture
def demo(client, cli_run, hosted, tmp_path):
    hosted.reset()
    directory = tmp_path / "schemas"
    directory.mkdir()
    (directory / "demo.yaml").write_text(DEMO)
    applied = cli_run("apply", str(directory), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    with client.collections.get("DemoCollection").batch.fixed_size(batch_size=10) as batch:
        for film in FILMS:
            batch.add_object(properties=film)
    assert not client.collections.get("DemoCollection").batch.failed_objects
    return directory


def test_the_guides_example_embeds_through_the_hosted_api_with_the_real_model(client, hosted, demo):
    requests = [r for r in hosted.log if r["model"] == real_model.NAME]
    assert requests and all(r["had_key"] for r in requests)
    assert sum(r["texts"] for r in requests) == len(FILMS)
    films = client.collections.get("DemoCollection")
    found = films.query.near_text("A holiday film", target_vector="title_vector", limit=2,
                                  return_metadata=MetadataQuery(distance=True))
    ranked = [o.properties["title"] for o in found.objects]
    assert ranked[0] == "A Christmas Carol"  # what the model gives on titles alone
    hybrid = films.query.hybrid("A holiday film", target_vector="title_vector", limit=2)
    assert "A Christmas Carol" in [o.properties["title"] for o in hybrid.objects]


def test_a_stored_vector_is_the_real_models_embedding_of_what_the_module_sent(client, hosted, demo):
    carol = next(o for o in client.collections.get("DemoCollection").iterator(include_vector=True)
                 if o.properties["title"] == "A Christmas Carol")
    sent = next(t for t in hosted.endpoint.stats.seen_texts if "Christmas Carol" in t)
    assert carol.vector["title_vector"] == pytest.approx(real_model.embed_texts([sent])[0], abs=1e-5)


def test_passage_and_query_models_embed_with_the_passage_model(client, cli_run, hosted, tmp_path):
    hosted.reset()
    (tmp_path / "reviews.yaml").write_text(
        "name: Reviews\nproperties:\n  - name: text\n    dataType: text\nvectorizer:\n"
        "  module: text2vec-huggingface\n  passageModel: sentence-transformers/all-MiniLM-L6-v2\n"
        "  queryModel: sentence-transformers/multi-qa-MiniLM-L6-cos-v1\n  vectorizeClassName: false\n")
    applied = cli_run("apply", str(tmp_path), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    reviews = client.collections.get("Reviews")
    reviews.data.insert_many([{"text": "a warm and funny family comedy"}, {"text": "a tense crime thriller"}])
    found = reviews.query.near_text("something to laugh at with the kids", limit=1)
    assert found.objects[0].properties["text"] == "a warm and funny family comedy"
    assert {r["model"] for r in hosted.log} == {real_model.NAME}  # queries too: queryModel is never used


def test_a_loading_model_fails_without_wait_for_model_and_waits_with_it(client, cli_run, hosted, tmp_path):
    hosted.reset()
    spec = ("name: Waits\nproperties:\n  - name: text\n    dataType: text\nvectors:\n  main:\n    vectorizer:\n"
            "      module: text2vec-huggingface\n      model: org/slow-3\n      vectorizeClassName: false\n")
    (tmp_path / "waits.yaml").write_text(spec)
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    hosted.load_slowly("org/slow-3", 3600.0)  # loading until cleared below, however slow the insert
    waits = client.collections.get("Waits")
    with pytest.raises(WeaviateInsertManyAllFailedError, match="Model org/slow-3 is currently loading"):
        waits.data.insert_many([{"text": "first"}])  # no retries (a client batch would retry)
    hosted.load_slowly("org/slow-3", 0.0)  # loaded
    (tmp_path / "waits.yaml").write_text(spec + "      options:\n        waitForModel: true\n")
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0  # in place
    hosted.load_slowly("org/slow-3", 1.0)
    assert not waits.data.insert_many([{"text": "second"}]).has_errors
    assert hosted.log[-1]["options"].get("wait_for_model") is True


def test_vectors_do_not_depend_on_schemactls_version_names(client, cli_run, hosted, demo):
    """Weaviate's default would embed the physical name ("Demo Collection _ v 1 ..."); schemactl
    turns vectorizeClassName off unless a file turns it on, so a recreate that reuses vectors
    leaves old and new objects in one space."""
    assert not [t for t in hosted.endpoint.stats.seen_texts if "Demo" in t or "_ v" in t]
    old = next(o for o in client.collections.get("DemoCollection").iterator(include_vector=True)
               if o.properties["title"] == "A Christmas Carol").vector["title_vector"]
    (demo / "demo.yaml").write_text(DEMO + "    vectorIndexConfig:\n      distance: dot\n")
    applied = cli_run("apply", str(demo), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "vector title_vector: reuse stored vectors" in applied.output
    films = client.collections.get("DemoCollection")
    films.data.insert({"title": "A Christmas Carol", "description": "inserted after the new version"})
    vectors = [o.vector["title_vector"] for o in films.iterator(include_vector=True)
               if o.properties["title"] == "A Christmas Carol"]
    assert len(vectors) == 2 and vectors[0] == pytest.approx(old, abs=1e-6)
    assert vectors[1] == pytest.approx(vectors[0], abs=1e-5)  # the same space before and after


def test_the_probe_reuses_vectors_when_an_endpoint_serves_the_same_model(client, cli_run, hosted, embedder, demo):
    """Hosted `model: X` moved to an endpoint serving X: the same vectors, so no re-embedding."""
    import json

    moved = DEMO.replace("      model: sentence-transformers/all-MiniLM-L6-v2",
                         f"      endpointURL: {embedder.url(real_model.NAME)}")
    (demo / "demo.yaml").write_text(moved)
    plain = json.loads(cli_run("plan", str(demo), "--json").stdout)["steps"][0]["vectors"][0]
    assert plain["action"] == "re-embed"
    probed = json.loads(cli_run("plan", str(demo), "--json", "--probe").stdout)["steps"][0]["vectors"][0]
    assert probed["action"] == "reuse"
    assert probed["reason"].startswith("probe: the new settings give the stored vectors (cosine >= ")
    assert float(probed["reason"].split(">= ")[1].split()[0]) >= 0.999
    assert not [c for c in client.collections.list_all() if c.startswith("SchemactlProbe")]
    saved = demo.parent / "probed.json"
    assert cli_run("plan", str(demo), "--probe", "--out", str(saved)).exit_code == 0
    embedder.reset()
    applied = cli_run("apply", str(saved), "--auto-approve")  # probed again before it is trusted
    assert applied.exit_code == 0, applied.output
    assert embedder.stats_json()["texts"] == len(FILMS)  # the probe's sample only: the copy embedded nothing
    other = moved.replace(real_model.NAME, "words-384")
    (demo / "demo.yaml").write_text(other)
    different = json.loads(cli_run("plan", str(demo), "--json", "--probe", "--embedding-price", "0.5").stdout)
    vector, estimate = different["steps"][0]["vectors"][0], different["steps"][0]["estimate"]
    assert vector["action"] == "re-embed" and "probe: lowest cosine" in vector["reason"]
    # the probe's sample was embedded at a measured rate: the plan turns it into time and cost
    assert estimate["texts_to_embed"] == len(FILMS) and estimate["texts_per_second"] > 0
    at_rate = max(len(FILMS) / estimate["texts_per_second"], estimate["minimum_embedding_seconds"])
    assert estimate["estimated_embedding_seconds"] == pytest.approx(at_rate, abs=0.1)
    assert estimate["estimated_cost"] == pytest.approx(len(FILMS) / 1000 * 0.5, abs=0.01)
    shown = cli_run("plan", str(demo), "--probe").output
    assert f"embedding: {len(FILMS)} texts, ~" in shown and "texts/s on the probe's sample" in shown


def test_the_probe_samples_a_multi_tenant_collection_from_an_active_tenant(client, cli_run, hosted, embedder,
                                                                          tmp_path):
    """Multi-tenant: the sample comes from a tenant that holds objects; cold tenants stay cold."""
    import json

    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    directory = tmp_path / "schemas"
    directory.mkdir()
    tenanted = DEMO + "multiTenancyConfig:\n  enabled: true\n"
    (directory / "demo.yaml").write_text(tenanted)
    assert cli_run("apply", str(directory), "--auto-approve").exit_code == 0
    demo = client.collections.get("DemoCollection_v1")  # tenants are managed on the collection, not its alias
    demo.tenants.create([Tenant(name="empty"), Tenant(name="films"), Tenant(name="cold")])
    demo.with_tenant("films").data.insert_many(FILMS)
    demo.with_tenant("cold").data.insert_many(FILMS[:2])
    demo.tenants.update([Tenant(name="cold", activity_status=TenantActivityStatus.INACTIVE)])
    moved = tenanted.replace("      model: sentence-transformers/all-MiniLM-L6-v2",
                             f"      endpointURL: {embedder.url(real_model.NAME)}")
    (directory / "demo.yaml").write_text(moved)
    probed = json.loads(cli_run("plan", str(directory), "--json", "--probe").stdout)["steps"][0]["vectors"][0]
    assert probed["action"] == "reuse"
    assert f"on {len(FILMS)} objects" in probed["reason"]  # all from "films": "empty" has none, "cold" sleeps
    statuses = {t.name: t.activity_status for t in demo.tenants.get().values()}
    assert statuses["cold"] == TenantActivityStatus.INACTIVE
