"""apply (in-place part) on the real server, ending in the convergence check."""
from __future__ import annotations

import json

from tests.integration.conftest import edit


def converged(cli_run, files) -> bool:
    result = cli_run("plan", str(files), "--detailed-exitcode")
    return result.exit_code == 0


def test_apply_creates_physical_collections_behind_aliases(client, cli_run, files):
    result = cli_run("apply", str(files), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Apply complete: 5 step(s) applied." in result.stdout
    aliases = {a: t.collection for a, t in client.alias.list_all().items()}
    assert aliases == {"Article": "Article_v1", "Author": "Author_v1", "Note": "Note_v1", "Product": "Product_v1",
                       "DemoCollection": "DemoCollection_v1"}
    assert set(client.collections.list_all()) == {*aliases.values(), "SchemactlLedger"}
    article = client.collections.get("Article_v1").config.get()
    assert [r.target_collections for r in article.references] == [["Author_v1"]]
    assert converged(cli_run, files)


def test_apply_in_place_changes_then_converges(client, cli_run, files):
    assert cli_run("apply", str(files), "--auto-approve").exit_code == 0
    edit(files / "article.yaml", "  ef: 128", "  ef: 300")
    edit(files / "article.yaml", "description: News articles", "description: Every article")
    edit(files / "article.yaml", "    b: 0.75", "    b: 0.6")
    edit(files / "author.yaml", "  - name: tags", "  - name: email\n    dataType: text\n  - name: tags")
    edit(files / "product.yaml", "vectors:\n", "vectors:\n  sku_vector:\n    vectorizer:\n      module: none\n")
    plan = json.loads(cli_run("plan", str(files), "--json").stdout)
    assert {s["kind"] for s in plan["steps"]} == {"update", "add-property", "add-named-vector"}
    result = cli_run("apply", str(files), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert converged(cli_run, files)
    config = client.collections.get("Article").config.get()
    assert config.vector_index_config.ef == 300 and config.description == "Every article"
    assert config.inverted_index_config.bm25.b == 0.6


def test_apply_refuses_without_a_terminal_or_approval(client, cli_run, files):
    result = cli_run("apply", str(files))
    assert result.exit_code == 1
    assert "pass --auto-approve" in result.stderr
    assert client.collections.list_all() == {}


def test_recreating_a_referenced_collection_moves_the_referencing_one_too(client, cli_run, files):
    """Author's distance cannot change in place; Article's references name Author's physical
    collection, so Article moves too (its vectors reused), pointing at Author's new version."""
    from weaviate.classes.query import QueryReference

    assert cli_run("apply", str(files), "--auto-approve").exit_code == 0
    authors = [str(client.collections.use("Author").data.insert({"name": f"writer {i}"}, vector=[float(i), 1.0]))
               for i in range(3)]
    articles = client.collections.use("Article")
    for i in range(9):
        articles.data.insert({"title": f"story {i}"}, references={"author": authors[i % 3]},
                             vector=[i / 10] + [0.5] * 383)
    before = {o.properties["title"]: o.vector["default"] for o in articles.iterator(include_vector=True)}
    edit(files / "author.yaml", "distance: dot", "distance: cosine")
    edit(files / "article.yaml", "  ef: 128", "  ef: 300")
    plan = json.loads(cli_run("plan", str(files), "--json").stdout)
    assert [(s["kind"], s["collection"]) for s in plan["steps"]] == [("recreate", "Author"), ("recreate", "Article")]
    result = cli_run("apply", str(files), "--auto-approve")
    assert result.exit_code == 0, result.output
    aliases = {a: t.collection for a, t in client.alias.list_all().items()}
    assert aliases["Author"] == "Author_v2" and aliases["Article"] == "Article_v2"
    config = client.collections.get("Article").config.get()
    assert [r.target_collections for r in config.references] == [["Author_v2"]]
    assert config.vector_index_config.ef == 300
    moved = list(client.collections.use("Article").iterator(
        include_vector=True, return_references=QueryReference(link_on="author", return_properties=["name"])))
    assert {o.properties["title"]: o.vector["default"] for o in moved} == before
    assert {o.properties["title"]: o.references["author"].objects[0].properties["name"] for o in moved} == \
        {f"story {i}": f"writer {i % 3}" for i in range(9)}
    assert converged(cli_run, files)


def test_stopped_after_the_referenced_collection_moved_the_next_apply_moves_the_rest(client, cli_run, files,
                                                                                     weaviate_server, monkeypatch):
    """As if killed between Author's cutover and Article's recreate: the next plan sees Article's
    references still naming Author's old version and moves Article, links intact."""
    from dataclasses import replace

    from weaviate.classes.query import QueryReference

    from schemactl import api
    from schemactl.apply import guards
    from schemactl.connection import Target
    from schemactl.plan import to_document

    assert cli_run("apply", str(files), "--auto-approve").exit_code == 0
    author = str(client.collections.use("Author").data.insert({"name": "Ada"}, vector=[1.0, 0.0]))
    client.collections.use("Article").data.insert({"title": "t"}, references={"author": author},
                                                  vector=[0.1] * 384)
    edit(files / "author.yaml", "distance: dot", "distance: cosine")
    target = Target(weaviate_server.url, weaviate_server.ports.grpc)
    plan, _ = api.compute_plan([files], target)
    only_author = replace(plan, steps=plan.steps[:1])
    with monkeypatch.context() as patched:  # the half a killed apply would have done
        patched.setattr("schemactl.apply.guards.GUARDS", tuple(g for g in guards.GUARDS if g[1] is not guards.carried_out_whole))
        assert api.apply(only_author, to_document(only_author)["checksum"], target).ok
    listed = cli_run("plan", str(files))
    assert "properties.author.dataType" in listed.stdout and "Author_v1" in listed.stdout
    result = cli_run("apply", str(files), "--auto-approve")
    assert result.exit_code == 0, result.output
    article = client.collections.use("Article")
    assert [r.target_collections for r in article.config.get().references] == [["Author_v2"]]
    [moved] = article.query.fetch_objects(return_references=QueryReference(link_on="author",
                                                                           return_properties=["name"])).objects
    assert moved.references["author"].objects[0].properties["name"] == "Ada"
    assert converged(cli_run, files)


def test_a_reference_from_a_collection_without_a_file_blocks_the_recreate(client, cli_run, files):
    assert cli_run("apply", str(files), "--auto-approve").exit_code == 0
    client.collections.create_from_dict({"class": "Review", "vectorizer": "none",
                                         "properties": [{"name": "of", "dataType": ["Author_v1"]}]})
    edit(files / "author.yaml", "distance: dot", "distance: cosine")
    edit(files / "article.yaml", "  ef: 128", "  ef: 300")
    result = cli_run("apply", str(files), "--auto-approve")
    assert result.exit_code == 1
    assert "Review has references to Author and no file: recreating Author would leave them pointing at " \
           "the old version; add a file for Review so that it moves too" in result.stderr
    assert client.collections.get("Article").config.get().vector_index_config.ef == 128
    assert {a: t.collection for a, t in client.alias.list_all().items()}["Author"] == "Author_v1"


def test_apply_stops_at_a_refused_step_and_reports_the_rest(client, cli_run, files):
    """Pinned: a dynamic index needs ASYNC_INDEXING, which the dev server does not enable."""
    with open(files / "zzz.yaml", "w") as extra:
        extra.write("name: Zeta\nvectorizer:\n  module: none\nvectorIndexType: dynamic\n")
    result = cli_run("apply", str(files), "--auto-approve")
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: step 5 failed: create collection Zeta_v1 failed (422): the dynamic index")
    assert "(applied 4; not attempted: create Article)" in last
    assert {n for n in client.collections.list_all() if not n.startswith("Schemactl")} == {
        "Author_v1", "DemoCollection_v1", "Note_v1", "Product_v1"}
    history = json.loads(cli_run("history", "--json").stdout)
    assert [r["result"] for r in history] == ["failed"] and history[0]["stepsDone"] == [1, 2, 3, 4]
    assert history[0]["error"].startswith("create collection Zeta_v1 failed (422)")


def test_a_replication_factor_above_the_node_count_is_refused_at_plan_time(client, cli_run, files):
    """Pinned: v1.39 refuses a factor above the node count once a collection holds data ("not
    enough replicas in shard") and at create; schemactl refuses it before any change."""
    assert cli_run("apply", str(files), "--auto-approve").exit_code == 0
    with open(files / "note.yaml", "a") as note:
        note.write("replicationConfig:\n  factor: 2\n")
    for command in (("plan",), ("apply", "--auto-approve")):
        result = cli_run(*command, str(files))
        assert result.exit_code == 1
        assert result.stderr.strip() == ("error: replication factor above the cluster's 1 node(s): Note asks for 2; "
                                         "Weaviate keeps each replica on its own node: lower the factor or add nodes; "
                                         "nothing was planned")
    assert client.collections.get("Note").config.get().replication_config.factor == 1


def test_new_collections_that_reference_each_other_are_created(client, cli_run, tmp_path):
    """Weaviate refuses a reference to a collection that does not exist yet: the first one gets
    its reference once the second exists."""
    (tmp_path / "alpha.yaml").write_text("name: Alpha\nproperties:\n  - name: beta\n    dataType: Beta\n"
                                         "vectorizer:\n  module: none\n")
    (tmp_path / "beta.yaml").write_text("name: Beta\nproperties:\n  - name: alpha\n    dataType: Alpha\n"
                                        "vectorizer:\n  module: none\n")
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert [r.target_collections for r in client.collections.get("Alpha_v1").config.get().references] == [["Beta_v1"]]
    assert [r.target_collections for r in client.collections.get("Beta_v1").config.get().references] == [["Alpha_v1"]]
    assert converged(cli_run, tmp_path)


def multi_links(client, name, link: str = "by", targets: tuple[str, ...] = ("Person_v1", "Company_v1"),
                key: str = "title"):
    """`key` -> labels of every object `link` links to, one target collection per query (as the server wants)."""
    from weaviate.classes.query import QueryReference

    found: dict[str, set[str]] = {}
    for target in targets:
        for o in client.collections.use(name).iterator(return_references=QueryReference.MultiTarget(
                link_on=link, target_collection=target, return_properties=["label"])):
            linked = (o.references or {}).get(link)
            found.setdefault(o.properties[key], set()).update(
                p.properties["label"] for p in (linked.objects if linked else []))
    return found


def multi_target_posts(client, cli_run, tmp_path) -> str:
    """Person, Company and Post (`by` links to both); 7 posts, the odd ones linked to both. Returns post.yaml."""
    from weaviate.classes.data import ReferenceToMulti

    for name in ("Person", "Company"):
        (tmp_path / f"{name}.yaml").write_text(f"name: {name}\nproperties:\n  - name: label\n    dataType: text\n"
                                               "vectorizer:\n  module: none\n")
    post = ("name: Post\nproperties:\n  - name: title\n    dataType: text\n  - name: by\n"
            "    dataType: [Person, Company]\nvectorizer:\n  module: none\n")
    (tmp_path / "post.yaml").write_text(post)
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    people = [client.collections.use("Person").data.insert({"label": f"p{i}"}, vector=[1.0, i]) for i in range(3)]
    firms = [client.collections.use("Company").data.insert({"label": f"c{i}"}, vector=[i, 1.0]) for i in range(2)]
    posts = client.collections.use("Post")
    for i in range(7):
        uuid = posts.data.insert({"title": f"post {i}"}, vector=[0.5, i],
                                 references={"by": ReferenceToMulti(target_collection="Person_v1", uuids=people[i % 3])})
        if i % 2:
            posts.data.reference_add(from_uuid=uuid, from_property="by",
                                     to=ReferenceToMulti(target_collection="Company_v1", uuids=firms[i % 2]))
    return post


def test_multi_target_references_move_to_the_new_version(client, cli_run, tmp_path):
    """One property linking to two collections: every link survives, to the same objects."""
    post = multi_target_posts(client, cli_run, tmp_path)
    before = multi_links(client, "Post_v1")
    assert before["post 1"] == {"p1", "c1"} and before["post 2"] == {"p2"}
    (tmp_path / "post.yaml").write_text(post + "vectorIndexConfig:\n  distance: dot\n")
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert {a: t.collection for a, t in client.alias.list_all().items()}["Post"] == "Post_v2"
    assert multi_links(client, "Post_v2") == before
    assert converged(cli_run, tmp_path)



def test_a_renamed_collections_multi_target_links_to_itself_follow_it(client, cli_run, tmp_path):
    """Note (`see` links to Note and Person, `parent` to Note) renamed to Memo: the links to
    notes now point at Memo's new version, to the same objects. Before, the plan refused the
    rename (`see` could not convert), and with that fixed alone the copy dropped every link to a note."""
    from weaviate.classes.data import ReferenceToMulti
    from weaviate.classes.query import QueryReference

    (tmp_path / "person.yaml").write_text("name: Person\nproperties:\n  - name: label\n    dataType: text\n"
                                          "vectorizer:\n  module: none\n")
    note = ("name: Note\nproperties:\n  - name: label\n    dataType: text\n  - name: see\n"
            "    dataType: [Note, Person]\n  - name: parent\n    dataType: [Note]\nvectorizer:\n  module: none\n")
    (tmp_path / "note.yaml").write_text(note)
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    person = client.collections.use("Person").data.insert({"label": "ada"}, vector=[1.0, 0.0])
    notes = client.collections.use("Note")
    first = notes.data.insert({"label": "n0"}, vector=[0.0, 1.0],
                              references={"see": ReferenceToMulti(target_collection="Person_v1", uuids=person)})
    for i in range(1, 4):
        notes.data.insert({"label": f"n{i}"}, vector=[0.5, i],
                          references={"see": ReferenceToMulti(target_collection="Note_v1", uuids=first),
                                      "parent": first})

    def links(physical: str) -> dict[str, set[str]]:
        return multi_links(client, physical, "see", (physical, "Person_v1"), "label")

    def parents(physical: str) -> dict[str, set[str]]:
        return {o.properties["label"]: {p.properties["label"] for p in (o.references or {})["parent"].objects}
                for o in client.collections.use(physical).iterator(
                    return_references=QueryReference(link_on="parent", return_properties=["label"]))
                if (o.references or {}).get("parent")}

    before, parented = links("Note_v1"), parents("Note_v1")
    assert parented == {"n1": {"n0"}, "n2": {"n0"}, "n3": {"n0"}}
    assert before == {"n0": {"ada"}, "n1": {"n0"}, "n2": {"n0"}, "n3": {"n0"}}
    (tmp_path / "note.yaml").write_text(note.replace("name: Note\n", "name: Memo\nrenamedFrom: Note\n")
                                        .replace("[Note, Person]", "[Memo, Person]").replace("[Note]", "[Memo]"))
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert links("Memo_v1") == before and parents("Memo_v1") == parented
    assert converged(cli_run, tmp_path)

def copied_posts(client, cli_run, tmp_path):
    """Post_v1 (multi-target references) copied and linked into Post_v2; the job that did it."""
    from schemactl.apply.data_copy import CopyJob, copy_objects, link_multi_target_references

    multi_target_posts(client, cli_run, tmp_path)
    client.collections.create_from_dict({"class": "Post_v2", "vectorizer": "none", "properties": [
        {"name": "title", "dataType": ["text"]}, {"name": "by", "dataType": ["Person_v1", "Company_v1"]}]})
    both = (("Person_v1", "Person_v1"), ("Company_v1", "Company_v1"))
    job = CopyJob("Post_v1", "Post_v2", None, ("title",), (), reuse=("default",), multi_references=(("by", both),))
    copy_objects(client, job, after=None, on_flushed=lambda cursor, n: None)
    link_multi_target_references(client, job, after=None, on_flushed=lambda cursor, n: None)
    return job


def test_multi_target_references_of_objects_changed_during_the_copy_are_linked_again(client, cli_run, tmp_path):
    from weaviate.classes.data import ReferenceToMulti

    from schemactl.apply.data_copy import settle

    job = copied_posts(client, cli_run, tmp_path)
    assert multi_links(client, "Post_v2") == multi_links(client, "Post_v1")
    source = client.collections.use("Post_v1")
    firm = next(iter(client.collections.use("Company").iterator())).uuid
    [first] = source.query.fetch_objects(limit=1).objects
    source.data.update(first.uuid, properties={"title": "renamed"})
    source.data.reference_add(from_uuid=first.uuid, from_property="by",
                              to=ReferenceToMulti(target_collection="Company_v1", uuids=firm))
    source.data.insert({"title": "late"}, vector=[0.0, 1.0],
                       references={"by": ReferenceToMulti(target_collection="Company_v1", uuids=firm)})
    settle(client, job, {})
    assert multi_links(client, "Post_v2") == multi_links(client, "Post_v1")
    assert "renamed" in multi_links(client, "Post_v2") and multi_links(client, "Post_v2")["late"]


def test_a_multi_target_link_changed_alone_during_the_copy_is_carried_over(client, cli_run, tmp_path):
    """Only a link changes (no property): the comparison still sees it, so it is not reverted."""
    from weaviate.classes.data import ReferenceToMulti

    from schemactl.apply.data_copy import compare, settle

    job = copied_posts(client, cli_run, tmp_path)
    assert compare(client, job).clean
    firm = next(iter(client.collections.use("Company").iterator())).uuid
    [first] = client.collections.use("Post_v1").query.fetch_objects(limit=1).objects
    client.collections.use("Post_v1").data.reference_add(
        from_uuid=first.uuid, from_property="by", to=ReferenceToMulti(target_collection="Company_v1", uuids=firm))
    assert compare(client, job).stale == [str(first.uuid)]
    settle(client, job, {})
    assert multi_links(client, "Post_v2") == multi_links(client, "Post_v1")
