"""Data migrations on the real server: reuse, re-embed, verification, cutover, rollback."""
from __future__ import annotations

import json

import pytest
from weaviate.classes.data import DataObject

from schemactl.dev.embedder import model_dimensions
from schemactl.plan import checksum
from tests.integration.conftest import apply_killed_once_it_deletes

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


def collections(client) -> set[str]:
    """The collections users see (schemactl's own bookkeeping left out)."""
    return {n for n in client.collections.list_all() if not n.startswith("Schemactl")}


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
    assert "verified 300 object(s) in Doc_v2, the same ids and content as Doc_v1" in result.stderr
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


def test_max_reembed_refuses_a_plan_that_re_embeds_more(client, cli_run, embedder, docs):
    (docs / "doc.yaml").write_text(doc_schema(embedder, model="words-96"))
    for command, ending in ((("plan",), ""), (("apply", "--auto-approve"), "; nothing was applied")):
        result = cli_run(*command, str(docs), "--max-reembed", "299")
        assert result.exit_code == 1
        assert result.stderr.strip() == f"error: this plan re-embeds 300 objects, more than --max-reembed 299{ending}"
    assert aliases(client) == {"Doc": "Doc_v1"} and embedder.stats.per_model == {}
    assert cli_run("plan", str(docs), "--max-reembed", "300").exit_code == 0
    saved = docs.parent / f"{docs.name}-plan.json"  # its numbers edited by hand, the checksum made again
    assert cli_run("plan", str(docs), "--out", str(saved)).exit_code == 0
    document = json.loads(saved.read_text())
    document["steps"][0]["estimate"]["objects"], document["summary"]["reembed_objects"] = 5, 5
    document["checksum"] = checksum(document)
    saved.write_text(json.dumps(document))
    refused = cli_run("apply", str(saved), "--auto-approve", "--max-reembed", "299")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == ("error: counted again before applying: this plan re-embeds 300 objects, more "
                                      "than --max-reembed 299; nothing was applied")
    assert aliases(client) == {"Doc": "Doc_v1"} and embedder.stats.per_model == {}


def test_history_rollback_and_dropping_old_versions(client, cli_run, embedder, docs):
    (docs / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    assert cli_run("apply", str(docs), "--auto-approve").exit_code == 0
    client.collections.use("Doc").data.insert({"title": "after cutover", "body": "new", "rank": 1000})
    refused = cli_run("rollback", "Doc")
    assert refused.exit_code == 1
    assert refused.stderr == ("error: Doc_v1 has 300 object(s), Doc_v2 has 301: rolling back would hide 1 object(s) "
                              "from the application; Doc still points at Doc_v2. Pass --force to roll back anyway\n")
    assert aliases(client) == {"Doc": "Doc_v2"}
    result = cli_run("rollback", "Doc", "--force")
    assert result.exit_code == 0, result.output
    assert "Doc now points at Doc_v1 (was Doc_v2)." in result.stdout
    assert "Doc_v2 has 301 object(s), Doc_v1 has 300" in result.stderr
    assert aliases(client) == {"Doc": "Doc_v1"}
    assert cli_run("rollback", "Doc").stderr.startswith("error: no earlier version of Doc")
    history = json.loads(cli_run("history", "--json").stdout)
    assert [(r["result"], r["steps"][0]["kind"]) for r in history] == [
        ("applied", "create"), ("applied", "recreate"), ("applied", "rollback")]
    assert all(r["schemactlVersion"] and r["startedAt"] and r["finishedAt"] for r in history)
    planned = cli_run("plan", str(docs))
    assert "Doc_v2: Doc serves Doc_v1, which does not descend from it: left behind (by a rollback, or when the name " \
           "was freed and made again), it keeps what was written there; not a rollback target" \
        in " ".join(planned.output.split()), planned.output
    assert "Kept for rollback" not in planned.output
    (docs / "doc.yaml").write_text(doc_schema(embedder, distance="l2-squared"))
    assert cli_run("apply", str(docs), "--auto-approve").exit_code == 0
    assert aliases(client) == {"Doc": "Doc_v3"}
    planned = " ".join(cli_run("plan", str(docs)).output.split())
    assert "Kept for rollback: Doc_v1" in planned and "Doc_v2: Doc serves Doc_v3, which does not descend" in planned
    back = cli_run("rollback", "Doc")  # to what Doc_v3 was made from, never the Doc_v2 rolled back from
    assert back.exit_code == 0, back.output
    assert "Doc now points at Doc_v1 (was Doc_v3)." in back.stdout
    refused = cli_run("drop-old-versions", "Doc")
    assert refused.exit_code == 1 and "dropping Doc_v2, Doc_v3 deletes their objects (Doc_v2, Doc_v3: left behind " \
        "by a rollback or a name made again;" in " ".join(refused.stderr.split()), refused.output
    assert cli_run("drop-old-versions", "Doc", "--allow-destructive").exit_code == 0
    assert collections(client) == {"Doc_v1"}


def test_an_applications_own_aliases_are_named_and_never_taken_for_collections(client, cli_run, embedder, docs):
    """Aliases the application made at Doc's collection, listed before and after Doc: the plan
    still knows Doc (before, whichever alias the server listed last named it: a create of Doc
    was planned and Zeta was an unmanaged collection --prune deleted), names each, refuses a file
    that takes one's name, and a recreate moves Doc alone; the old version they serve is kept."""
    for alias in ("Alpha", "Zeta"):
        client.alias.create(alias_name=alias, target_collection="Doc_v1")
    planned = cli_run("plan", str(docs), "--prune", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    for alias in ("Alpha", "Zeta"):
        assert f"alias {alias} also points at Doc_v1, the collection Doc; schemactl leaves it as it is" in planned.output
    (docs / "zeta.yaml").write_text(doc_schema(embedder).replace("name: Doc", "name: Zeta"))
    refused = cli_run("plan", str(docs))
    assert refused.exit_code == 1 and "Zeta: the alias Zeta points at Doc_v1; a collection cannot take an alias's name" in \
        refused.stderr, refused.output
    (docs / "zeta.yaml").unlink()
    pulled = cli_run("pull", "Zeta")
    assert pulled.exit_code == 1 and "Zeta is not a collection: alias Zeta also points at Doc_v1, the collection Doc" \
        in pulled.stderr, pulled.output

    (docs / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    planned = cli_run("plan", str(docs))
    assert "the alias Doc, so Zeta keeps serving Doc_v1, read-only from the cutover" in planned.output
    applied = cli_run("apply", str(docs), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert aliases(client) == {"Doc": "Doc_v2", "Alpha": "Doc_v1", "Zeta": "Doc_v1"}
    planned = cli_run("plan", str(docs), "--prune", "--detailed-exitcode")
    assert planned.exit_code == 0 and "alias Zeta points at Doc_v1, an earlier version of Doc" in planned.output
    for flags in ((), ("--allow-destructive",)):  # said before the flag is asked for, not after
        refused = cli_run("drop-old-versions", "Doc", *flags)
        assert refused.exit_code == 1 and "Doc_v1 (alias Alpha, Zeta): served by an alias" in refused.stderr
    assert collections(client) == {"Doc_v1", "Doc_v2"}


def test_a_rename_stopped_between_its_two_alias_steps_leaves_a_step_that_removes_the_old_name(
        client, cli_run, embedder, weaviate_server, docs):
    """Doc renamed to Article, then the state a run stopped between creating the alias Article and
    removing Doc leaves (Doc at Doc_v1 again, the checkpoint in its cutover phase; that moment is
    too short to kill the apply in): the next plan says the old alias goes, and apply removes it.
    Before, the plan said "No changes" and Doc served the old version, read-only, for good."""
    from schemactl.connection import Target
    from schemactl.live import RestClient
    from schemactl.resume import Phase, ResumeState, new_entry
    from schemactl.state import Checkpoint, load_checkpoint, save_checkpoint

    (docs / "doc.yaml").write_text(doc_schema(embedder).replace("name: Doc\n", "name: Article\nrenamedFrom: Doc\n"))
    assert cli_run("apply", str(docs), "--auto-approve").exit_code == 0
    client.alias.create(alias_name="Doc", target_collection="Doc_v1")
    with RestClient(Target(weaviate_server.url)) as reader:
        save_checkpoint(reader, Checkpoint("Doc_v1", "Article_v1", "h", ResumeState(Phase.CUTOVER, {"": new_entry("")})),
                        create=True)
    planned = cli_run("plan", str(docs), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "the alias Doc, still at Doc_v1, is removed" in planned.output and "hand-over" not in planned.output
    applied = cli_run("apply", str(docs), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "removed the alias Doc, which an earlier apply renaming it to Article had left at Doc_v1" in applied.stderr
    assert aliases(client) == {"Article": "Article_v1"}
    with RestClient(Target(weaviate_server.url)) as reader:
        assert load_checkpoint(reader, "Doc_v1") is None
    assert cli_run("plan", str(docs), "--detailed-exitcode").exit_code == 0


def test_rollback_refuses_a_version_the_ledger_never_completed(client, cli_run, docs):
    """An empty version left behind by a failed apply (or made by hand) is never rolled back to
    silently: every object would disappear from the application's view. Doc_v1 was created, not
    made from it, and the ledger says so."""
    client.collections.create_from_dict({"class": "Doc_v0", "vectorizer": "none"})
    refused = cli_run("rollback", "Doc")
    assert refused.exit_code == 1
    assert refused.stderr == ("error: no earlier version of Doc to roll back to (it points at Doc_v1); Doc_v1 was "
                              "created new, not made from an earlier version (older ones belong to another "
                              "collection)\n")
    assert cli_run("rollback", "Doc", "--force").stderr == refused.stderr  # --force never picks another version
    assert aliases(client) == {"Doc": "Doc_v1"}


def test_delta_pass_catches_writes_made_during_the_copy(client, embedder, docs):
    """Objects added, changed and deleted in the source after the copy reach the target."""
    from schemactl.apply.data_copy import CopyJob, compare, copy_objects, settle

    client.collections.create_from_dict({"class": "Doc_v2", "vectorizer": "none"})
    job = CopyJob("Doc_v1", "Doc_v2", None, ("title", "body", "rank"), (), reuse=("default",))
    outcome = copy_objects(client, job, after=None, on_flushed=lambda cursor, n: None)
    assert outcome.copied == 300 and not outcome.failed
    source = client.collections.use("Doc_v1")
    ids = [str(o.uuid) for o in source.iterator()]
    source.data.delete_by_id(ids[0])
    source.data.update(ids[1], properties={"title": "changed"})
    added = str(source.data.insert({"title": "late", "body": "arrival", "rank": -1}))
    diff = compare(client, job)
    assert (diff.missing, diff.stale, diff.extra) == ([added], [ids[1]], [ids[0]])
    settle(client, job, {})
    assert snapshot(client, "Doc_v2") == snapshot(client, "Doc_v1")


def test_a_settle_given_the_copys_own_read_still_finds_what_the_new_version_lacks(client, embedder, docs):
    """A copy of a fenced source hands its read to the settle, which then reads only the new
    version: an object missing there, changed there, or there only is still put right."""
    from schemactl.apply.data_copy import CopyJob, copy_objects, settle

    client.collections.create_from_dict({"class": "Doc_v2", "vectorizer": "none"})
    job = CopyJob("Doc_v1", "Doc_v2", None, ("title", "body", "rank"), (), reuse=("default",))
    outcome = copy_objects(client, job, after=None, on_flushed=lambda cursor, n: None, keep=1000)
    assert outcome.read is not None and len(outcome.read) == 300
    target = client.collections.use("Doc_v2")
    ids = sorted(str(o.uuid) for o in target.iterator())
    target.data.delete_by_id(ids[0])
    target.data.update(ids[1], properties={"title": "damaged"})
    target.data.insert({"title": "stray", "body": "only here", "rank": -1}, vector=[0.5] * 64)
    settled = settle(client, job, {}, source_read=outcome.read)
    assert settled.target_count == 300
    assert snapshot(client, "Doc_v2") == snapshot(client, "Doc_v1")
    # more objects than it may keep, or a copy resumed past its start: nothing is handed over
    assert copy_objects(client, job, after=None, on_flushed=lambda cursor, n: None, keep=299).read is None
    assert copy_objects(client, job, after=ids[5], on_flushed=lambda cursor, n: None, keep=1000).read is None


def test_first_cutover_of_a_collection_made_elsewhere_needs_allow_destructive(client, cli_run, embedder, tmp_path):
    from schemactl.rest_json import to_rest
    from schemactl.validate import validate_paths

    (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
    client.collections.create_from_dict(to_rest(validate_paths([tmp_path]).collections["Doc"]))
    client.collections.use("Doc").data.insert_many([{"title": f"t{i}", "rank": i} for i in range(20)])
    before = snapshot(client, "Doc")
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    refused = cli_run("apply", str(tmp_path), "--auto-approve")
    assert refused.exit_code == 1
    assert ("destructive steps need --allow-destructive: step 1 recreate Doc (deletes Doc, with no version kept to "
            "roll back to)") in refused.stderr
    assert "so there will be no version to roll back to" in refused.stdout  # the plan says so before asking
    assert collections(client) == {"Doc"}
    result = cli_run("apply", str(tmp_path), "--auto-approve", "--allow-destructive")
    assert result.exit_code == 0, result.output
    assert aliases(client) == {"Doc": "Doc_v1"} and collections(client) == {"Doc_v1"}
    assert snapshot(client, "Doc_v1") == before
    assert "was deleted to free its name for the alias: there is no earlier version to roll back to" in result.output
    assert "stays read-only for rollback" not in result.output


def test_deleting_a_collection_needs_allow_destructive(client, cli_run, embedder, docs):
    (docs / "doc.yaml").unlink()
    (docs / "other.yaml").write_text("name: Other\nvectorizer:\n  module: none\n")
    refused = cli_run("apply", str(docs), "--auto-approve")  # without --prune: Doc is only listed
    assert refused.exit_code == 0 and collections(client) == {"Doc_v1", "Other_v1"}
    assert "Doc" in refused.stdout
    plan = cli_run("plan", str(docs), "--prune", "--out", str(docs / "prune.json"))
    assert plan.exit_code == 0
    refused = cli_run("apply", str(docs / "prune.json"), "--auto-approve")
    assert refused.exit_code == 1 and "step 1 delete Doc" in refused.stderr
    result = cli_run("apply", str(docs / "prune.json"), "--auto-approve", "--allow-destructive")
    assert result.exit_code == 0, result.output
    assert collections(client) == {"Other_v1"} and aliases(client) == {"Other": "Other_v1"}


def test_apply_prunes_as_plan_does(client, cli_run, embedder, docs):
    """Before: `apply --prune` was "No such option"; a delete was applied only from a saved plan."""
    (docs / "doc.yaml").unlink()
    (docs / "other.yaml").write_text("name: Other\nvectorizer:\n  module: none\n")
    refused = cli_run("apply", str(docs), "--auto-approve", "--prune")
    assert refused.exit_code == 1, refused.output
    assert "destructive steps need --allow-destructive: step 2 delete Doc; nothing was applied" in refused.stderr
    assert collections(client) == {"Doc_v1"}  # refused before the first change: Other not made either
    pruned = cli_run("apply", str(docs), "--auto-approve", "--prune", "--allow-destructive")
    assert pruned.exit_code == 0, pruned.output
    assert collections(client) == {"Other_v1"} and aliases(client) == {"Other": "Other_v1"}


def test_multi_tenant_copy_is_per_tenant_and_keeps_tenant_status(client, cli_run, tmp_path):
    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    spec = ("name: Notes\nproperties:\n  - name: text\n    dataType: text\nvectorizer:\n  module: none\n"
            "multiTenancyConfig:\n  enabled: true\n")
    (tmp_path / "notes.yaml").write_text(spec)
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    notes = client.collections.use("Notes_v1")
    notes.tenants.create([Tenant(name="acme"), Tenant(name="globex")])
    notes.with_tenant("acme").data.insert_many([DataObject({"text": f"a{i}"}, vector=[0.1, i]) for i in range(30)])
    notes.with_tenant("globex").data.insert_many([DataObject({"text": f"g{i}"}, vector=[i, 0.2]) for i in range(50)])
    notes.tenants.update([Tenant(name="globex", activity_status=TenantActivityStatus.INACTIVE)])
    (tmp_path / "notes.yaml").write_text(spec + "vectorIndexConfig:\n  distance: dot\n")
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    new = client.collections.use("Notes_v2")
    status = {n: t.activity_status.value for n, t in new.tenants.get().items()}
    assert status == {"acme": "ACTIVE", "globex": "INACTIVE"}
    # the old version is kept for rollback asleep: no tenant of it holds memory or open files
    assert {n: t.activity_status.value for n, t in notes.tenants.get().items()} == {"acme": "INACTIVE",
                                                                                   "globex": "INACTIVE"}
    assert len(list(new.with_tenant("acme").iterator())) == 30
    new.tenants.update([Tenant(name="globex", activity_status=TenantActivityStatus.ACTIVE)])
    copied = {o.properties["text"]: o.vector["default"] for o in new.with_tenant("globex").iterator(include_vector=True)}
    assert len(copied) == 50 and copied["g7"] == [7.0, pytest.approx(0.2)]


MT_NOTES = ("name: Notes\nproperties:\n  - name: text\n    dataType: text\nvectorizer:\n  module: none\n"
            "multiTenancyConfig:\n  enabled: true\n  autoTenantCreation: true\n")


def _migrated_notes(client, cli_run, tmp_path):
    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    (tmp_path / "notes.yaml").write_text(MT_NOTES)
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    notes = client.collections.use("Notes")
    for tenant, n in (("acme", 30), ("globex", 20)):
        notes.with_tenant(tenant).data.insert_many([DataObject({"text": f"{tenant}{i}"}, vector=[0.1, i])
                                                    for i in range(n)])
    client.collections.use("Notes_v1").tenants.update([Tenant(name="globex",
                                                              activity_status=TenantActivityStatus.INACTIVE)])
    (tmp_path / "notes.yaml").write_text(MT_NOTES + "vectorIndexConfig:\n  distance: dot\n")
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    old = client.collections.use("Notes_v1")
    assert {t.activity_status.value for t in old.tenants.get().values()} == {"INACTIVE"}
    assert old.config.get().multi_tenancy_config.auto_tenant_creation is False  # no tenant appears there
    return notes


def _statuses(collection) -> dict[str, str]:
    return {n: t.activity_status.value for n, t in collection.tenants.get().items()}


def test_a_multi_tenant_rollback_wakes_the_old_version_as_the_current_one_is(client, cli_run, tmp_path):
    notes = _migrated_notes(client, cli_run, tmp_path)
    result = cli_run("rollback", "Notes")
    assert result.exit_code == 0, result.output
    old = client.collections.use("Notes_v1")
    assert _statuses(old) == {"acme": "ACTIVE", "globex": "INACTIVE"}
    assert set(_statuses(client.collections.use("Notes_v2")).values()) == {"INACTIVE"}  # served no more
    assert old.config.get().multi_tenancy_config.auto_tenant_creation is True
    notes.with_tenant("acme").data.insert({"text": "after rollback"})
    notes.with_tenant("initech").data.insert({"text": "a new customer"})  # auto-created again
    assert len(list(notes.with_tenant("acme").iterator())) == 31
    assert "initech" in _statuses(old)


def test_a_multi_tenant_rollback_is_refused_when_tenants_were_created_since(client, cli_run, tmp_path):
    notes = _migrated_notes(client, cli_run, tmp_path)
    notes.with_tenant("initech").data.insert({"text": "signed up after the migration"})
    result = cli_run("rollback", "Notes")
    assert result.exit_code == 1
    assert "initech" in result.stderr and "Notes still points at Notes_v2" in result.stderr
    assert aliases(client) == {"Notes": "Notes_v2"}
    assert {t.activity_status.value for t in client.collections.use("Notes_v1").tenants.get().values()} == {
        "INACTIVE"}


def test_a_multi_tenant_rollback_says_which_tenants_deleted_since_come_back(client, cli_run, tmp_path):
    """Before: the rollback said nothing of a tenant deleted after the migration, which came back
    with all its objects (for a SaaS, a customer who left)."""
    _migrated_notes(client, cli_run, tmp_path)
    client.collections.use("Notes_v2").tenants.remove(["globex"])  # tenant operations name the version
    result = cli_run("rollback", "Notes")
    assert result.exit_code == 0, result.output
    assert ("note: 1 tenant(s) deleted from Notes_v2 since the cutover are in Notes_v1 with their objects, and the "
            "application sees them again (globex)") in result.stderr
    assert "globex" in _statuses(client.collections.use("Notes_v1"))


def test_a_source_written_faster_than_the_copy_follows_is_not_cut_over(client, embedder, docs):
    import threading

    from schemactl.apply.data_copy import CopyJob, NotVerified, copy_objects, follow_writes

    client.collections.create_from_dict({"class": "Doc_v2", "vectorizer": "none"})
    job = CopyJob("Doc_v1", "Doc_v2", None, ("title", "body", "rank"), (), reuse=("default",))
    copy_objects(client, job, after=None, on_flushed=lambda cursor, n: None)
    stop, busy = threading.Event(), threading.Event()

    def keep_writing():
        source = client.collections.use("Doc_v1")
        i = 0
        while not stop.is_set():
            source.data.insert_many([DataObject({"title": f"busy {i} {k}", "rank": -i}, vector=[0.5] * 64)
                                     for k in range(50)])
            i += 1
            if i == 5:
                busy.set()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert busy.wait(30)
        with pytest.raises(NotVerified, match=r"Doc_v1 changes (faster than the copy can follow|too fast for the "
                                              r"final pass to fit in the write pause): about [\d,]+ "
                                              r"object\(s\)/s written, [\d,]+ object\(s\)/s copied"):
            follow_writes(client, job, {}, max_pause=0.001)  # no pause is short enough: comparing takes longer
    finally:
        stop.set()
        writer.join()


def test_references_between_objects_of_the_collection_itself_are_moved(client, cli_run, tmp_path):
    from weaviate.classes.query import QueryReference

    spec = ("name: Node\nproperties:\n  - name: label\n    dataType: text\n  - name: parent\n    dataType: Node\n"
            "vectorizer:\n  module: none\n")
    (tmp_path / "node.yaml").write_text(spec)
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    nodes = client.collections.use("Node_v1")
    ids = [str(nodes.data.insert({"label": "root"}, vector=[1.0, 0.0]))]
    for i in range(1, 40):
        ids.append(str(nodes.data.insert({"label": f"n{i}"}, references={"parent": ids[i // 2]}, vector=[0.0, i])))
    (tmp_path / "node.yaml").write_text(spec + "vectorIndexConfig:\n  distance: dot\n")
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert client.collections.use("Node_v2").config.get().references[0].target_collections == ["Node_v2"]

    def parents(name):
        objects = client.collections.use(name).iterator(
            return_references=QueryReference(link_on="parent", return_properties=["label"]))
        return {o.properties["label"]: [p.properties["label"] for p in o.references["parent"].objects]
                if o.references and "parent" in o.references else [] for o in objects}

    assert parents("Node_v2") == parents("Node_v1") and parents("Node_v2")["n7"] == ["n3"]
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


def test_a_first_cutover_killed_after_freeing_the_name_is_finished_not_replaced(client, cli_run, embedder, tmp_path):
    """Killed between deleting the original collection and creating its alias: the next apply
    points the alias at the verified copy instead of creating an empty collection."""
    from schemactl.connection import Target
    from schemactl.live import RestClient
    from schemactl.rest_json import to_rest
    from schemactl.resume import Phase, ResumeState
    from schemactl.state import Checkpoint, save_checkpoint
    from schemactl.validate import validate_paths

    (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
    body = to_rest(validate_paths([tmp_path]).collections["Doc"])
    client.collections.create_from_dict({**body, "class": "Doc_v1"})
    client.collections.use("Doc_v1").data.insert_many([DataObject({"title": f"t{i}"}, vector=[0.5] * 64)
                                                        for i in range(25)])
    reader = RestClient(Target(client._connection.url))
    save_checkpoint(reader, Checkpoint("Doc", "Doc_v1", "h", ResumeState(Phase.CUTOVER, {})), create=True)
    reader.close()
    planned = cli_run("plan", str(tmp_path))  # before, it said "create" and apply did something else
    assert "finish the first cutover an earlier apply left after deleting Doc" in planned.stdout, planned.output
    assert "create collection" not in planned.stdout and "Unfinished copies" not in planned.stdout
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Doc: made the alias to Doc_v1 that an earlier apply, stopped after deleting Doc" in result.stderr
    assert aliases(client) == {"Doc": "Doc_v1"} and collections(client) == {"Doc_v1"}
    assert len(snapshot(client, "Doc")) == 25
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


def test_a_collection_auto_schema_makes_under_a_freed_name_is_taken_in_before_the_alias(
        client, cli_run, embedder, tmp_path, monkeypatch):
    """A write through the name between deleting a collection made outside schemactl and making
    its alias makes it again (auto-schema). Before, the alias failed ("already exists"), the plan
    stopped halfway and writes went to that new, empty collection (multi-tenant: every write failed)."""
    from schemactl.live import RestClient

    _doc_made_by_hand(client)
    (tmp_path / "doc.yaml").write_text("name: Doc\nproperties:\n  - {name: title, dataType: text}\n"
                                       "vectorizer: {module: none}\nvectorIndexConfig: {distance: dot}\n")
    real, made = RestClient.send, []

    def the_application_writes_in_between(self, method, path, body, what):
        if method == "POST" and path == "/v1/aliases" and not made:  # the name is free: a write makes it again
            made.append(client.collections.use("Doc").data.insert({"title": "written in between"},
                                                                  vector=[1.0, 0.0, 0.0, 0.0]))
        return real(self, method, path, body, what)

    monkeypatch.setattr(RestClient, "send", the_application_writes_in_between)
    result = cli_run("apply", str(tmp_path), "--auto-approve", "--allow-destructive")
    assert result.exit_code == 0, result.output
    assert "a write through the name made it again (auto-schema)" in result.stderr
    assert "1 object(s) written there carried over to Doc_v1" in result.stderr
    assert aliases(client) == {"Doc": "Doc_v1"} and collections(client) == {"Doc_v1"}
    held = snapshot(client, "Doc")
    assert len(held) == 21 and held[str(made[0])][0] == {"title": "written in between"}


def test_a_copy_started_by_a_newer_schemactl_is_left_alone(client, cli_run, weaviate_server, tmp_path):
    from schemactl.connection import make_target
    from schemactl.live import RestClient
    from schemactl.resume import Phase, ResumeState
    from schemactl.state import Checkpoint, save_checkpoint

    _migrated_notes(client, cli_run, tmp_path)
    reader = RestClient(make_target(weaviate_server.url, weaviate_server.ports.grpc, None, ()))
    later = ResumeState(Phase.COPY, {}, version=99)
    save_checkpoint(reader, Checkpoint("Notes_v2", "Notes_v3", "from-the-future", later), create=True)
    reader.close()
    (tmp_path / "notes.yaml").write_text(MT_NOTES + "vectorIndexConfig:\n  distance: l2-squared\n")
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 1
    assert "started by a newer schemactl (checkpoint format 99" in result.stderr
    assert collections(client) == {"Notes_v1", "Notes_v2"} and aliases(client) == {"Notes": "Notes_v2"}


def test_collections_made_by_hand_are_told_apart_from_versions_by_the_ledger(client, cli_run, embedder, tmp_path):
    """Baz_v1 made by hand beside Baz is a collection of its own, never dropped as Baz's old
    version (it held the only copy of its objects); a collection a hand-made alias served is,
    once migrated, the version rollback goes back to, never an unmanaged collection to prune."""
    from schemactl.rest_json import to_rest
    from schemactl.validate import validate_paths

    for name in ("Baz", "Baz_v1", "Customers2024"):
        (tmp_path / "doc.yaml").write_text(doc_schema(embedder).replace("name: Doc", f"name: {name}"))
        client.collections.create_from_dict(to_rest(validate_paths([tmp_path]).collections[name]))
        client.collections.use(name).data.insert_many([{"title": f"{name} {i}", "rank": i} for i in range(7)])
    client.alias.create(alias_name="Customers", target_collection="Customers2024")
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder).replace("name: Doc", "name: Other"))
    planned = cli_run("plan", str(tmp_path))
    assert "Unmanaged collections (no file; left alone unless planned with --prune): Baz, Baz_v1, Customers" in planned.output, \
        planned.output
    pulled = cli_run("pull", "Baz_v1", "--out", str(tmp_path / "pulled"))
    assert pulled.exit_code == 0, pulled.output
    assert cli_run("drop-old-versions", "Baz").exit_code == 1  # Baz is no collection schemactl manages

    (tmp_path / "customers.yaml").write_text(doc_schema(embedder, distance="dot").replace("name: Doc",
                                                                                         "name: Customers"))
    applied = cli_run("apply", str(tmp_path), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert aliases(client) == {"Customers": "Customers_v1", "Other": "Other_v1"}
    planned = cli_run("plan", str(tmp_path), "--prune")
    assert "Kept for rollback: Customers2024" in planned.output, planned.output
    assert "delete collection Customers2024" not in planned.output
    rolled = cli_run("rollback", "Customers")
    assert rolled.exit_code == 0, rolled.output
    assert aliases(client)["Customers"] == "Customers2024" and snapshot(client, "Customers") == \
        snapshot(client, "Customers2024")
    assert collections(client) >= {"Baz", "Baz_v1", "Customers2024", "Customers_v1"}


def test_a_collection_named_like_a_version_never_collides_with_one(client, cli_run, embedder, tmp_path):
    """A file named Zed_v2 (its alias Zed_v2) beside Zed: Zed's next version skips that name (the
    recreate failed: alias name Zed_v2 already exists); a file named like a version kept for
    rollback is refused before anything is planned (its create failed halfway)."""
    for name in ("Zed", "Zed_v2"):
        (tmp_path / f"{name}.yaml").write_text(doc_schema(embedder).replace("name: Doc", f"name: {name}"))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    assert aliases(client) == {"Zed": "Zed_v1", "Zed_v2": "Zed_v2_v1"}
    (tmp_path / "Zed.yaml").write_text(doc_schema(embedder, distance="dot").replace("name: Doc", "name: Zed"))
    applied = cli_run("apply", str(tmp_path), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert aliases(client) == {"Zed": "Zed_v3", "Zed_v2": "Zed_v2_v1"}
    (tmp_path / "Zed_v1.yaml").write_text(doc_schema(embedder).replace("name: Doc", "name: Zed_v1"))
    refused = cli_run("plan", str(tmp_path))
    assert refused.exit_code == 1 and "Zed_v1: Zed_v1 is a version of Zed schemactl keeps; a collection cannot take " \
        "its name" in refused.stderr, refused.output
    (tmp_path / "Zed_v1.yaml").rename(tmp_path / "Zed_v3.yaml")  # the version the alias serves
    (tmp_path / "Zed_v3.yaml").write_text(doc_schema(embedder).replace("name: Doc", "name: Zed_v3"))
    refused = cli_run("plan", str(tmp_path))
    assert refused.exit_code == 1 and "Zed_v3: Zed_v3 is a version of Zed schemactl keeps" in refused.stderr


def test_a_recreate_stopped_just_after_its_alias_moved_is_finished_and_what_it_served_never_discarded(
        client, cli_run, embedder, docs, monkeypatch):
    """An apply stopped right after the alias moved to Doc_v2 (before, the next plan said "No
    changes" and nothing recorded that Doc_v2 had served; rolled back from with --force, the next
    changed file's apply discarded Doc_v2 as a partial copy, with the writes made to it)."""
    from schemactl.errors import SchemactlError

    (docs / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))

    def stopped(reader, source):
        raise SchemactlError("stopped just after the alias moved")

    with monkeypatch.context() as patch:
        patch.setattr("schemactl.apply.recreate.drop_checkpoint", stopped)
        assert cli_run("apply", str(docs), "--auto-approve").exit_code == 1
    assert aliases(client) == {"Doc": "Doc_v2"}
    planned = cli_run("plan", str(docs), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "finish the recreate an earlier apply left just after moving the alias to Doc_v2" in planned.output
    written = client.collections.use("Doc").data.insert_many([{"title": f"late {i}", "rank": i} for i in range(20)])
    assert not written.errors
    refused = cli_run("rollback", "Doc")
    assert refused.exit_code == 1 and "run `schemactl apply` to finish it" in refused.output, refused.output
    assert cli_run("rollback", "Doc", "--force").exit_code == 0  # abandons the finish: Doc_v1 serves again
    assert aliases(client) == {"Doc": "Doc_v1"}

    (docs / "doc.yaml").write_text(doc_schema(embedder, distance="l2-squared"))
    applied = cli_run("apply", str(docs), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "discarded" not in applied.output
    assert aliases(client) == {"Doc": "Doc_v3"}
    kept = {o.properties["title"] for o in client.collections.use("Doc_v2").iterator()}
    assert {f"late {i}" for i in range(20)} <= kept and len(kept) == 320  # what it served stays, writes and all
    planned = cli_run("plan", str(docs))
    assert "Doc_v2: Doc serves Doc_v3, which does not descend from it: left behind" in planned.output, planned.output


def test_history_against_an_address_that_is_not_weaviates_api_fails(weaviate_server):
    """Before: a URL with a path (`.../v1`) answered "No applies recorded in this cluster." and exit 0."""
    from click.testing import CliRunner

    from schemactl.cli import cli

    result = CliRunner().invoke(cli, ["history", "--url", f"{weaviate_server.url}/v1"])
    assert result.exit_code == 1 and "/v1/v1/meta" in result.stderr, result.output
    assert "No applies recorded" not in result.output


KINDS = """name: Kinds
properties:
  - {name: text, dataType: text}
  - {name: texts, dataType: "text[]"}
  - {name: int, dataType: int}
  - {name: ints, dataType: "int[]"}
  - {name: number, dataType: number}
  - {name: numbers, dataType: "number[]"}
  - {name: flag, dataType: boolean}
  - {name: flags, dataType: "boolean[]"}
  - {name: date, dataType: date}
  - {name: dates, dataType: "date[]"}
  - {name: ref, dataType: uuid}
  - {name: ids, dataType: "uuid[]"}
  - {name: where, dataType: geoCoordinates}
  - {name: phone, dataType: phoneNumber}
  - {name: data, dataType: blob}
  - name: meta
    dataType: object
    nestedProperties:
      - {name: label, dataType: text}
      - {name: count, dataType: int}
      - name: inner
        dataType: "object[]"
        nestedProperties:
          - {name: at, dataType: date}
          - {name: score, dataType: number}
vectorizer: {module: none}
vectorIndexConfig: {distance: DISTANCE}
"""

EDGE_VALUES = [
    {"text": "🦜 שלום e\u0301 " + "long " * 2000, "texts": ["", "a", "🦜"], "int": -9223372036854775808,
     "ints": [0, -1, 9007199254740993], "number": -0.0, "numbers": [5e-324, 1e308, -2.5], "flag": False,
     "flags": [True, False], "date": "2101-06-15T12:00:00.123456789-08:00", "dates": ["0001-01-01T00:00:00Z",
     "9999-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.123456+05:30"], "ref": "00000000-0000-4000-8000-0000000000aa",
     "ids": ["00000000-0000-4000-8000-0000000000bb"], "where": {"latitude": 90.0, "longitude": -180.0},
     "phone": {"input": "020 1234567", "defaultCountry": "nl"}, "data": "aGVsbG8gd29ybGQ=",
     "meta": {"label": "", "count": 0, "inner": [{"at": "2262-04-11T23:47:16.854775807Z", "score": 0.1},
                                                 {"score": 2}]}},
    {"text": "", "texts": [], "phone": {"input": "+1 202 555 0143"}, "meta": {"inner": []}},
    {},
]


def _as_rest_reads(weaviate_server, name: str) -> dict[str, tuple]:
    """uuid -> (properties, vector) as the REST API gives them: every value as the server holds it."""
    import urllib.request

    url = f"{weaviate_server.url}/v1/objects?class={name}&include=vector&limit=100"
    objects = json.loads(urllib.request.urlopen(url).read())["objects"]
    return {o["id"]: (o.get("properties"), o.get("vector")) for o in objects}


def test_every_data_type_comes_through_a_recreate_exactly(client, cli_run, weaviate_server, tmp_path):
    """Before: a phoneNumber value stopped every recreate of its collection halfway (the client's
    read form of it was written back as it was, and refused), and dates lost their digits beyond
    the microsecond (the client reads a date into a datetime) while apply said the same content."""
    (tmp_path / "kinds.yaml").write_text(KINDS.replace("DISTANCE", "cosine"))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    for index, properties in enumerate(EDGE_VALUES):  # over REST, as an application may write
        client.collections.use("Kinds").data.insert(properties, uuid=f"00000000-0000-4000-8000-{index:012d}",
                                                    vector=[0.0, 0.0, 0.0] if index == 2 else [0.5, -1.0, 3.0e38])
    before = _as_rest_reads(weaviate_server, "Kinds_v1")
    (tmp_path / "kinds.yaml").write_text(KINDS.replace("DISTANCE", "dot"))
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert _as_rest_reads(weaviate_server, "Kinds_v2") == before


def test_a_reembed_finishes_when_an_objects_text_is_empty(client, cli_run, embedder, tmp_path):
    """Weaviate stores an object whose vectorized text is empty without a vector. Before, the copy
    waited for a vector that never came and refused the cutover after three passes."""
    schema = f"name: Note\nproperties:\n  - {{name: text, dataType: text}}\nvectorizer:\n" \
             f"  module: text2vec-huggingface\n  endpointURL: {embedder.url('words-64')}\n  vectorizeClassName: false\n"
    (tmp_path / "note.yaml").write_text(schema)
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    assert not client.collections.use("Note").data.insert_many([{"text": ""}, {"text": "river"}]).errors
    (tmp_path / "note.yaml").write_text(schema.replace("words-64", "words-32"))
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "1 without a re-embedded vector: the vectorizer had no text to embed" in result.stderr
    vectors = {o.properties["text"]: o.vector.get("default") for o in
               client.collections.use("Note").iterator(include_vector=True)}
    assert vectors[""] is None and len(vectors["river"]) == model_dimensions("words-32")


def test_integers_weaviate_keeps_as_2_to_the_63_are_refused_before_anything_is_made(client, cli_run, tmp_path):
    """9223372036854775807 written over REST is kept as 2^63 and read over gRPC as -2^63: before,
    a recreate turned it into -9223372036854775808 and said it verified the same content."""
    schema = "name: Counter\nproperties:\n  - {name: n, dataType: int}\n  - {name: ns, dataType: 'int[]'}\n" \
             "  - {name: quiet, dataType: int, indexFilterable: false}\n" \
             "vectorizer: {module: none}\nvectorIndexConfig: {distance: DISTANCE}\n"  # quiet: not filterable
    (tmp_path / "counter.yaml").write_text(schema.replace("DISTANCE", "cosine"))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    counters = client.collections.use("Counter")
    largest, smallest = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
    counters.data.insert({"n": 1, "ns": [2, 9223372036854775807]}, uuid=largest, vector=[1.0, 0.0])
    counters.data.insert({"n": -9223372036854775808, "ns": []}, uuid=smallest, vector=[0.0, 1.0])
    (tmp_path / "counter.yaml").write_text(schema.replace("DISTANCE", "dot"))
    refused = cli_run("plan", str(tmp_path))
    assert refused.exit_code == 1
    assert f"so no copy keeps them: Counter: ns in object {largest}. Write them as" in refused.stderr, refused.output
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 1
    assert aliases(client) == {"Counter": "Counter_v1"} and collections(client) == {"Counter_v1"}
    counters.data.update(uuid=largest, properties={"ns": [2, 9223372036854774784]})
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    held = {str(o.uuid): o.properties for o in client.collections.use("Counter").iterator()}
    assert held[smallest]["n"] == -9223372036854775808 and held[largest]["ns"] == [2, 9223372036854774784]


def test_an_alias_moved_back_by_hand_to_a_fenced_version_is_named_in_the_plan(client, cli_run, embedder, docs,
                                                                            weaviate_server):
    """Before: every write through the alias failed ("store is read-only"), and plan said nothing of it."""
    import urllib.request

    (docs / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    assert cli_run("apply", str(docs), "--auto-approve").exit_code == 0
    request = urllib.request.Request(f"{weaviate_server.url}/v1/aliases/Doc", method="PUT",
                                     data=json.dumps({"class": "Doc_v1"}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
    planned = cli_run("plan", str(docs))
    assert "warning: Doc serves Doc_v1, whose shards are read-only" in planned.output, planned.output


def test_a_first_cutover_killed_after_freeing_the_name_then_written_through_it_keeps_every_object(
        client, cli_run, tmp_path, monkeypatch):
    """Killed (no request after) once Doc, made by hand, was deleted; then a write through the name
    made Doc again (auto-schema). Before, the next apply took that Doc for the original, resumed
    the copy from it and deleted the verified copy's objects as not in it."""

    _doc_made_by_hand(client)
    (tmp_path / "doc.yaml").write_text("name: Doc\nproperties:\n  - {name: title, dataType: text}\n"
                                       "vectorizer: {module: none}\nvectorIndexConfig: {distance: dot}\n")
    apply_killed_once_it_deletes(cli_run, monkeypatch, tmp_path, "Doc")
    late = client.collections.use("Doc").data.insert({"title": "through the name"}, vector=[1.0, 0.0, 0.0, 0.0])
    planned = cli_run("plan", str(tmp_path))
    assert "finish the first cutover an earlier apply left after deleting Doc" in planned.stdout, planned.output
    assert "-/+ Doc" not in planned.stdout  # not a recreate from the Doc made since
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert aliases(client) == {"Doc": "Doc_v1"} and collections(client) == {"Doc_v1"}
    held = snapshot(client, "Doc")
    assert len(held) == 21 and held[str(late)][0] == {"title": "through the name"}
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


def test_a_first_cutover_killed_just_before_deleting_the_original_deletes_it_and_takes_nothing_in(
        client, cli_run, tmp_path, monkeypatch):
    """Killed (no request after) once the cutover recorded that it frees the name, before the
    delete: the original, fenced and verified, is still there. Before a review, the finish would
    have taken it in as a collection auto-schema made, writing its old shape over the copy."""

    _doc_made_by_hand(client)
    (tmp_path / "doc.yaml").write_text("name: Doc\nproperties:\n  - {name: name, dataType: text, renamedFrom: title}"
                                       "\nvectorizer: {module: none}\n")
    apply_killed_once_it_deletes(cli_run, monkeypatch, tmp_path, "Doc", after=False)
    assert "Doc" in collections(client)
    planned = cli_run("plan", str(tmp_path))
    assert "finish the first cutover an earlier apply left" in planned.stdout, planned.output
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "carried over" not in result.stderr  # the original is not taken for one auto-schema made
    assert aliases(client) == {"Doc": "Doc_v1"} and collections(client) == {"Doc_v1"}
    held = snapshot(client, "Doc")
    assert len(held) == 20 and all(set(properties) == {"name"} for properties, _ in held.values())
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


def _doc_made_by_hand(client) -> None:
    """Doc made outside schemactl (no alias), 20 objects with vectors given."""
    client.collections.create_from_dict({"class": "Doc", "vectorizer": "none",
                                         "properties": [{"name": "title", "dataType": ["text"]}]})
    client.collections.use("Doc").data.insert_many([DataObject({"title": f"t{i}"}, vector=[0.5] * 4)
                                                    for i in range(20)])
