"""plan and pull against the real server: drift rules, change kinds, exit codes, saved plans."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from weaviate.classes.config import DataType, Property, Reconfigure

from schemactl.cli import cli
from schemactl.rest_json import to_rest
from schemactl.validate import validate_paths
from tests.conftest import REPO
from tests.integration.conftest import edit

EXAMPLES = validate_paths([REPO / "schemas"])
ORDER = ["Author", "Article", "Note", "Product", "DemoCollection"]


@pytest.fixture
def applied(client):
    """The example collections created exactly as apply creates them."""
    for name in ORDER:
        client.collections.create_from_dict(to_rest(EXAMPLES.collections[name]))
    return client


def plan_json(cli_run, files, *extra) -> dict:
    result = cli_run("plan", str(files), "--json", *extra)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("}\n")  # a line of its own, as shells and `jq` expect
    return json.loads(result.stdout)


def test_everything_to_create_on_an_empty_cluster(client, cli_run, files):
    result = cli_run("plan", str(files), "--detailed-exitcode")
    assert result.exit_code == 2
    assert "Plan: 5 collections in 5 steps: 5 to create, 0 to change in place, 0 to recreate, 0 to delete." in result.stdout
    steps = plan_json(cli_run, files)["steps"]
    # Author before Article: Article references it.
    assert [s["collection"] for s in steps].index("Author") < [s["collection"] for s in steps].index("Article")


def test_no_false_drift_after_apply(applied, cli_run, files):
    result = cli_run("plan", str(files), "--detailed-exitcode")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.strip() == "No changes. The cluster matches the files."


def test_hand_change_to_a_declared_field_is_drift(applied, cli_run, files):
    applied.collections.get("Article").config.update(vector_index_config=Reconfigure.VectorIndex.hnsw(ef=64))
    result = cli_run("plan", str(files), "--detailed-exitcode")
    assert result.exit_code == 2
    assert "vectorIndexConfig.ef: 64 -> 128" in result.stdout
    [step] = plan_json(cli_run, files)["steps"]
    assert step["kind"] == "update" and step["fields"] == [{"path": "vectorIndexConfig.ef", "old": 64, "new": 128}]


@pytest.fixture
def managed(client, cli_run, files):
    """The example collections applied by schemactl (each behind its alias): a plan can recreate
    Author, which Article references (one made outside schemactl cannot be: the plan refuses)."""
    assert cli_run("apply", str(files), "--auto-approve").exit_code == 0
    return client


def test_property_added_by_hand_is_planned_as_a_destructive_drop(managed, cli_run, files):
    managed.collections.get("Author_v1").config.add_property(Property(name="nickname", data_type=DataType.TEXT))
    result = cli_run("plan", str(files), "--detailed-exitcode")
    assert result.exit_code == 2
    assert "property nickname (text): dropped, its values are not copied (0 object(s) hold a value)" in result.stdout
    assert "(destructive)" in result.stdout
    refused = cli_run("apply", str(files), "--auto-approve")
    assert refused.exit_code == 1 and "drops property nickname" in refused.stderr


def test_unmanaged_collections_are_listed_and_pruned_only_on_request(applied, cli_run, files):
    (files / "note.yaml").unlink()
    result = cli_run("plan", str(files), "--detailed-exitcode")
    assert result.exit_code == 0
    assert "Unmanaged collections (no file; left alone unless planned with --prune): Note" in result.stdout
    pruned = plan_json(cli_run, files, "--prune")["steps"]
    assert [(s["kind"], s["collection"], s["destructive"]) for s in pruned] == [("delete", "Note", True)]


def test_in_place_changes_and_additions(applied, cli_run, files):
    edit(files / "article.yaml", "  ef: 128", "  ef: 200")
    edit(files / "article.yaml", "description: News articles", "description: All the news")
    edit(files / "author.yaml", "  - name: tags", "  - name: email\n    dataType: text\n  - name: tags")
    kinds = {(s["kind"], s["collection"]) for s in plan_json(cli_run, files)["steps"]}
    assert kinds == {("update", "Article"), ("add-property", "Author")}


def test_a_plan_apply_could_not_carry_out_is_refused_by_plan_too(applied, cli_run, files):
    """Author and Article made outside schemactl, Article referencing Author: Author's first cutover
    deletes it. apply refused this; plan showed it as a plan it could carry out."""
    edit(files / "author.yaml", "distance: dot", "distance: cosine")
    result = cli_run("plan", str(files), "--detailed-exitcode")
    assert result.exit_code == 1 and "recreate" in result.stdout
    why = ("Article has references to Author, a collection made outside schemactl: its first cutover deletes "
           "Author")
    assert f"error: this plan cannot be applied: {why}" in result.stderr, result.stderr


def test_a_plan_apply_could_not_carry_out_says_so_in_json_and_in_the_review_comment(applied, cli_run, files,
                                                                                     tmp_path):
    """Before: plan --json printed the plan with no word of the refusal (only stderr had it), the
    pull-request comment showed it as a plan to approve, and the printed JSON, once saved, was applied
    until its checksum failed."""
    edit(files / "author.yaml", "distance: dot", "distance: cosine")
    why = "this plan cannot be applied: Article has references to Author, a collection made outside schemactl"
    as_json = cli_run("plan", str(files), "--json")
    assert as_json.exit_code == 1
    document = json.loads(as_json.stdout)
    assert document["error"].startswith(why) and document["steps"][0]["kind"] == "recreate"
    comment = cli_run("plan", str(files), "--format", "markdown")
    assert comment.exit_code == 1
    assert "> **Cannot be applied:** Article has references to Author" in comment.stdout
    (tmp_path / "printed.json").write_text(as_json.stdout)
    applied_printed = cli_run("apply", str(tmp_path / "printed.json"), "--auto-approve")
    assert applied_printed.exit_code == 1 and "is a plan that plan refused (" + why in applied_printed.stderr


def test_recreate_reuses_or_reembeds_with_estimates(managed, cli_run, files):
    articles = managed.collections.get("Article")
    authors = managed.collections.get("Author")
    authors.data.insert_many([{"name": f"author {i}"} for i in range(30)])
    assert articles.batch  # Article's vectorizer points at a port nobody serves: insert with vectors
    articles.data.insert_many([
        __import__("weaviate").classes.data.DataObject(properties={"title": f"title {i}", "body": "x" * 50},
                                                       vector=[0.1] * 384) for i in range(120)])
    edit(files / "author.yaml", "distance: dot", "distance: cosine")
    edit(files / "article.yaml", "models/sentence-transformers/all-MiniLM-L6-v2", "models/words-256")
    steps = {s["collection"]: s for s in plan_json(cli_run, files)["steps"]}
    author, article = steps["Author"], steps["Article"]
    assert author["kind"] == article["kind"] == "recreate"
    assert author["forced_by"] == ["vectorIndexConfig.distance"]
    assert author["vectors"][0]["action"] == "reuse"
    assert author["estimate"]["objects"] == 30 and author["estimate"]["embedding_requests"] == 0
    assert article["forced_by"] == ["vectorizer.endpointURL"]
    assert article["vectors"][0]["action"] == "re-embed"
    assert article["estimate"]["objects"] == 120
    assert article["estimate"]["embedding_requests"] == 2
    assert article["estimate"]["text_chars"] == 120 * (len("title 1") + 50) or \
        abs(article["estimate"]["text_chars"] - 120 * 57) < 120 * 2
    text = cli_run("plan", str(files)).stdout
    assert "Plan: 2 collections in 2 steps: 0 to create, 0 to change in place, 2 to recreate (re-embed 120 objects; " \
           "reuse vectors for 30), 0 to delete." in text


def test_collection_behind_an_alias_is_known_by_its_logical_name(client, cli_run, files):
    body = to_rest(EXAMPLES.collections["Author"])
    client.collections.create_from_dict({**body, "class": "Author_v2"})
    client.alias.create(alias_name="Author", target_collection="Author_v2")
    article = to_rest(EXAMPLES.collections["Article"])
    with pytest.raises(Exception, match="reference property to nonexistent class"):
        client.collections.create_from_dict(article)  # pinned: references cannot name an alias
    for prop in article["properties"]:
        if prop["dataType"] == ["Author"]:
            prop["dataType"] = ["Author_v2"]
    client.collections.create_from_dict(article)
    for name in ("Note", "Product", "DemoCollection"):
        client.collections.create_from_dict(to_rest(EXAMPLES.collections[name]))
    result = cli_run("plan", str(files), "--detailed-exitcode")
    assert result.exit_code == 0, result.stdout


def test_saved_plan_contents_and_no_secrets(client, cli_run, files, tmp_path):
    secret = "hf_SECRET_never_in_files_1234"
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    result = cli_run("plan", str(files), "--out", str(migrations) + "/", "--header", "X-Extra=wv-SECRET-key",
                     env={"HUGGINGFACE_APIKEY": secret})
    assert result.exit_code == 0, result.output
    [saved] = list(migrations.iterdir())
    assert saved.name == "0001_create-author-create-democollection-and-more.json"
    text = saved.read_text()
    assert secret not in text and "wv-SECRET-key" not in text
    document = json.loads(text)
    assert document["format"] == "schemactl-plan/1"
    assert len(document["desired_hash"]) == len(document["live_fingerprint"]) == 64
    assert document["summary"]["create"] == 5
    assert document["schemactl_version"] and document["checksum"]
    assert document["steps"][0]["definition"]["name"] == "Author"


def test_invalid_files_stop_the_plan(client, cli_run, files):
    edit(files / "author.yaml", "dataType: text[]", "dataType: txt")
    result = cli_run("plan", str(files), "--detailed-exitcode")
    assert result.exit_code == 1
    assert "author.yaml:" in result.stderr and "unknown data type 'txt'" in result.stderr


def test_refused_api_key_is_one_line(cli_run, files):
    result = cli_run("plan", str(files), "--api-key", "wrong-key")
    assert result.exit_code == 1
    assert "refused the request (401) with an API key (--api-key / WEAVIATE_API_KEY) (" in result.stderr
    assert result.stderr.strip().endswith("remove the header for anonymous access); it has no OIDC configured: check "
                                          "--api-key / WEAVIATE_API_KEY")  # the server's reason, then ours
    assert "wrong-key" not in result.output


def test_unreachable_is_one_line(weaviate_server, files):
    result = CliRunner().invoke(cli, ["plan", str(files), "--url", "http://127.0.0.1:9",
                                      "--detailed-exitcode"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot reach Weaviate at http://127.0.0.1:9")


def test_pull_round_trip(applied, cli_run, tmp_path):
    out = tmp_path / "pulled"
    result = cli_run("pull", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["article.yaml", "author.yaml", "democollection.yaml", "note.yaml",
                                                       "product.yaml"]
    assert validate_paths([out]).ok
    check = cli_run("plan", str(out), "--detailed-exitcode")
    assert check.exit_code == 0, check.stdout


def test_pull_round_trip_with_non_default_settings(client, cli_run, tmp_path):
    client.collections.create_from_dict({
        "class": "Tuned", "description": "non-default everything",
        "properties": [{"name": "code", "dataType": ["text"], "tokenization": "field", "indexSearchable": False},
                       {"name": "n", "dataType": ["int"], "indexRangeFilters": True, "indexFilterable": False}],
        "vectorizer": "none", "vectorIndexType": "hnsw",
        "vectorIndexConfig": {"distance": "l2-squared", "ef": 77, "efConstruction": 64, "maxConnections": 16,
                              "bq": {"enabled": True}},
        "invertedIndexConfig": {"bm25": {"b": 0.5, "k1": 1.1}, "indexTimestamps": True, "indexNullState": True,
                                "stopwords": {"preset": "none", "additions": ["foo"]}},
        "replicationConfig": {"asyncEnabled": True},
    })
    out = tmp_path / "pulled"
    assert cli_run("pull", "--out", str(out)).exit_code == 0
    text = (out / "tuned.yaml").read_text()
    assert "efConstruction: 64" in text and "l2-squared" in text and "indexTimestamps: true" in text
    assert "cleanupIntervalSeconds" not in text  # defaults are left out
    assert cli_run("plan", str(out), "--detailed-exitcode").exit_code == 0


def test_pull_refuses_to_overwrite(applied, cli_run, tmp_path):
    out = tmp_path / "pulled"
    assert cli_run("pull", "Note", "--out", str(out)).exit_code == 0
    again = cli_run("pull", "Note", "--out", str(out))
    assert again.exit_code == 1 and "--force" in again.stderr


def test_pulling_a_version_by_its_physical_name_points_at_the_logical_one(client, cli_run, tmp_path):
    """Before: "no collection named Memo_v1 in the cluster", the collection behind the alias Memo."""
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "memo.yaml").write_text("name: Memo\nvectorizer:\n  module: none\n")
    assert cli_run("apply", str(tmp_path / "schemas"), "--auto-approve").exit_code == 0
    refused = cli_run("pull", "Memo_v1", "--out", str(tmp_path / "pulled"))
    assert refused.exit_code == 1
    assert refused.stderr == "error: Memo_v1 is the version of Memo its alias serves: pull Memo\n"
    assert cli_run("pull", "Nothing_v1", "--out", str(tmp_path / "pulled")).stderr == \
        "error: no collection named Nothing_v1 in the cluster (it has: Memo)\n"


@pytest.mark.parametrize("class_name_vectorized, action", [(False, "reuse"), (True, "re-embed")])
def test_rename_plan(client, cli_run, tmp_path, class_name_vectorized, action):
    flag = str(class_name_vectorized).lower()
    (tmp_path / "old.yaml").write_text(
        "name: Draft\nproperties:\n  - name: text\n    dataType: text\nvectorizer:\n"
        f"  module: text2vec-huggingface\n  endpointURL: http://127.0.0.1:9/models/a\n  vectorizeClassName: {flag}\n")
    client.collections.create_from_dict(to_rest(validate_paths([tmp_path]).collections["Draft"]))
    client.collections.get("Draft").data.insert({"text": "hello"}, vector=[0.5] * 64)
    (tmp_path / "old.yaml").write_text((tmp_path / "old.yaml").read_text().replace(
        "name: Draft\n", "name: Memo\nrenamedFrom: Draft\n"))
    document = plan_json(cli_run, tmp_path)
    [step] = document["steps"]
    assert (step["kind"], step["collection"], step["physical"]) == ("recreate", "Memo", "Draft")
    assert step["forced_by"] == ["name"] and step["vectors"][0]["action"] == action
    assert step["estimate"]["objects"] == 1
    assert document["unmanaged"] == []


def test_a_rename_whose_referrer_has_no_file_is_refused_naming_it(cli_run, tmp_path):
    """Before: every rename of a referenced collection was refused, even with the referrers'
    files following it (now planned: test_a_renamed_collections_referrers_follow_it_with_every_link)."""
    (tmp_path / "writer.yaml").write_text("name: Writer\nproperties: []\nvectorizer:\n  module: none\n")
    (tmp_path / "book.yaml").write_text("name: Book\nproperties:\n  - name: writtenBy\n    dataType: [Writer]\n"
                                        "vectorizer:\n  module: none\n")
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    (tmp_path / "writer.yaml").write_text("name: Author\nrenamedFrom: Writer\nproperties: []\nvectorizer:\n  module: none\n")
    (tmp_path / "book.yaml").unlink()
    refused = cli_run("plan", str(tmp_path))
    assert refused.exit_code == 1, refused.output
    assert refused.stderr == ("error: Writer -> Author: Book.writtenBy references Writer, and Book has no file: add one "
                              "so it follows the rename; nothing was planned\n")
    pruned = plan_json(cli_run, tmp_path, "--prune")  # --prune deletes Book: nothing left to follow
    assert sorted((s["kind"], s["collection"]) for s in pruned["steps"]) == [("delete", "Book"), ("recreate", "Author")]


def test_add_named_vector_is_planned_in_place(client, cli_run, tmp_path):
    spec = ("name: Multi\nproperties:\n  - name: text\n    dataType: text\nvectors:\n"
            "  first:\n    vectorizer:\n      module: none\n")
    (tmp_path / "multi.yaml").write_text(spec)
    client.collections.create_from_dict(to_rest(validate_paths([tmp_path]).collections["Multi"]))
    (tmp_path / "multi.yaml").write_text(spec + "  second:\n    vectorizer:\n      module: none\n"
                                         "    vectorIndexType: flat\n")
    [step] = plan_json(cli_run, tmp_path)["steps"]
    assert (step["kind"], step["vector_name"]) == ("add-named-vector", "second")


def test_multi_tenant_estimate_counts_per_tenant(client, cli_run, tmp_path):
    from weaviate.classes.tenants import Tenant

    spec = ("name: Notes\nproperties:\n  - name: text\n    dataType: text\nvectorizer:\n  module: none\n"
            "multiTenancyConfig:\n  enabled: true\n")
    (tmp_path / "notes.yaml").write_text(spec)
    client.collections.create_from_dict(to_rest(validate_paths([tmp_path]).collections["Notes"]))
    notes = client.collections.get("Notes")
    notes.tenants.create([Tenant(name="acme"), Tenant(name="globex")])
    notes.with_tenant("acme").data.insert_many([{"text": f"a{i}"} for i in range(3)])
    notes.with_tenant("globex").data.insert_many([{"text": f"g{i}"} for i in range(5)])
    (tmp_path / "notes.yaml").write_text(spec + "vectorIndexConfig:\n  distance: dot\n")
    [step] = plan_json(cli_run, tmp_path)["steps"]
    assert step["estimate"]["per_tenant"] == {"acme": 3, "globex": 5}
    assert step["estimate"]["objects"] == 8


def test_a_collection_whose_name_starts_like_schemactls_records_is_never_hidden(client, cli_run, tmp_path):
    """Only schemactl's own records are left out of a plan: before, every collection whose name
    began with "Schemactl" was, so one made by the application was never named, and a file for
    one was created again by every apply. A file that declares one of the records is refused."""
    client.collections.create_from_dict({"class": "SchemactlDemo", "vectorizer": "none"})
    spec = "name: SchemactlNotes\nproperties:\n  - name: text\n    dataType: text\nvectorizer:\n  module: none\n"
    (tmp_path / "notes.yaml").write_text(spec)
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    planned = cli_run("plan", str(tmp_path), "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    assert "Unmanaged collections (no file; left alone unless planned with --prune): SchemactlDemo" in planned.output
    (tmp_path / "ledger.yaml").write_text(spec.replace("SchemactlNotes", "SchemactlLedger"))
    refused = cli_run("plan", str(tmp_path))  # validated first, offline
    assert refused.exit_code == 1
    assert "SchemactlLedger is a collection schemactl keeps its own records in: choose another name" in refused.output


@pytest.mark.parametrize("before, after, turned", [(True, False, "off"), (False, True, "on")])
def test_turning_multi_tenancy_on_or_off_is_refused_before_anything_is_made(client, cli_run, tmp_path, before, after,
                                                                            turned):
    """Before: off was planned as an ordinary recreate, and apply failed after making the new
    version ("class Mt_v1 has multi-tenancy enabled, but request was without tenant"), on every
    retry; on failed with the server's raw 422 for a tenant listing."""
    spec = "name: Mt\nproperties: []\nvectorizer:\n  module: none\nmultiTenancyConfig:\n  enabled: {}\n"
    (tmp_path / "mt.yaml").write_text(spec.format(str(before).lower()))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    (tmp_path / "mt.yaml").write_text(spec.format(str(after).lower()))
    for command in ("plan", "apply"):
        refused = cli_run(command, str(tmp_path), "--auto-approve") if command == "apply" else cli_run(command, str(tmp_path))
        assert refused.exit_code == 1, refused.output
        assert refused.stderr.startswith(f"error: Mt: multi-tenancy turned {turned} (multiTenancyConfig.enabled): "
                                         "Weaviate cannot change it in place"), refused.stderr
    assert sorted(c for c in client.collections.list_all() if c.startswith("Mt")) == ["Mt_v1"]
