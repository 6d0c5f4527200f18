"""The differ as a table: (live, desired) -> change kinds, with no server."""
from __future__ import annotations

import pytest

from schemactl.changes import (AddNamedVector, CreateCollection, DeleteCollection,
                               RecreateCollection)
from schemactl.diff import diff
from schemactl.validate import parse_collection

BASE = {
    "name": "Article",
    "properties": [{"name": "title", "dataType": "text"}, {"name": "views", "dataType": "int"}],
    "vectorizer": {"module": "text2vec-huggingface", "endpointURL": "http://127.0.0.1:1/models/a",
                   "vectorizeClassName": False},
}


def col(**changes) -> dict:
    data = {**BASE, **changes}
    return parse_collection({k: v for k, v in data.items() if v is not None})


def kinds(live, desired, **kw):
    return [(type(c).__name__, getattr(c, "fields", None) and [f.path for f in c.fields])
            for c in diff({"Article": live} if live else {}, {"Article": desired} if desired else {}, **kw)]


def test_no_changes_when_only_defaults_differ():
    explicit = col(vectorIndexType="hnsw", vectorIndexConfig={"distance": "cosine", "ef": -1},
                   invertedIndexConfig={"bm25": {"b": 0.75}},
                   properties=[{"name": "title", "dataType": ["text"], "tokenization": "word",
                                "indexFilterable": True}, {"name": "views", "dataType": "int"}])
    assert diff({"Article": col()}, {"Article": explicit}) == ()


def test_property_order_is_not_drift():
    swapped = col(properties=list(reversed(BASE["properties"])))
    assert diff({"Article": col()}, {"Article": swapped}) == ()


@pytest.mark.parametrize("desired, expected", [
    (col(description="new"), [("UpdateInPlace", ["description"])]),
    (col(vectorIndexConfig={"ef": 256}), [("UpdateInPlace", ["vectorIndexConfig.ef"])]),
    (col(vectorIndexConfig={"pq": {"enabled": True}}), [("UpdateInPlace", ["vectorIndexConfig.pq.enabled"])]),
    (col(invertedIndexConfig={"bm25": {"k1": 1.5}}), [("UpdateInPlace", ["invertedIndexConfig.bm25.k1"])]),
    (col(replicationConfig={"asyncEnabled": True}), []),  # derived from the factor by v1.39
    (col(replicationConfig={"deletionStrategy": "DeleteOnConflict"}),
     [("UpdateInPlace", ["replicationConfig.deletionStrategy"])]),
    (col(properties=BASE["properties"] + [{"name": "body", "dataType": "text"}]), [("AddProperty", None)]),
    (col(vectorIndexConfig={"efConstruction": 64}), [("RecreateCollection", ["vectorIndexConfig.efConstruction"])]),
    (col(vectorIndexConfig={"distance": "dot"}), [("RecreateCollection", ["vectorIndexConfig.distance"])]),
    (col(vectorIndexType="flat"), [("RecreateCollection", ["vectorIndexConfig", "vectorIndexType"])]),
    (col(invertedIndexConfig={"indexTimestamps": True}),
     [("RecreateCollection", ["invertedIndexConfig.indexTimestamps"])]),
    (col(properties=[{"name": "title", "dataType": "text", "tokenization": "field"},
                     {"name": "views", "dataType": "int"}]),
     [("ReindexProperty", ["properties.title.tokenization"])]),
    (col(properties=[{"name": "title", "dataType": "text", "indexFilterable": False},
                     {"name": "views", "dataType": "int", "indexRangeFilters": True}]),
     [("ReindexProperty", ["properties.title.indexFilterable"]),
      ("ReindexProperty", ["properties.views.indexRangeFilters"])]),
    (col(properties=[{"name": "title", "dataType": "text", "tokenization": "field"},
                     {"name": "views", "dataType": "int"}], vectorIndexConfig={"distance": "dot"}),
     [("RecreateCollection", ["properties.title.tokenization", "vectorIndexConfig.distance"])]),
    (col(vectorIndexType="flat", vectorIndexConfig={"bq": {"enabled": True}}),
     [("RecreateCollection", ["vectorIndexConfig", "vectorIndexType"])]),
    (col(properties=[{"name": "title", "dataType": "text"}, {"name": "views", "dataType": "number"}]),
     [("RecreateCollection", ["properties.views.dataType"])]),
])
def test_change_kinds(desired, expected):
    assert kinds(col(), desired) == expected


def test_property_indexes_are_recreated_on_servers_without_index_tasks():
    retokenized = col(properties=[{"name": "title", "dataType": "text", "tokenization": "field"},
                                  {"name": "views", "dataType": "int"}])
    assert kinds(col(), retokenized, index_actions=frozenset()) == [("RecreateCollection",
                                                                     ["properties.title.tokenization"])]


@pytest.mark.parametrize("before, after, expected", [
    ({}, {"tokenization": "field"}, [("searchable", "retokenize", "field")]),
    ({"indexSearchable": False}, {"indexSearchable": False, "tokenization": "field"},
     [("filterable", "retokenize", "field")]),
    ({}, {"indexSearchable": False, "tokenization": "lowercase"},
     [("searchable", "disable", None), ("filterable", "retokenize", "lowercase")]),
    ({"indexFilterable": False, "indexSearchable": False}, {"tokenization": "field"},
     [("filterable", "enable", "field"), ("searchable", "enable", "field")]),
    ({"indexFilterable": False, "indexSearchable": False}, {"indexFilterable": False, "indexSearchable": False,
                                                            "tokenization": "field"}, None),
])
def test_index_operations(before, after, expected):
    from schemactl import index_changes
    from schemactl.normalize import canonical

    def prop(settings):
        return canonical(col(properties=[{"name": "title", "dataType": "text", **settings}]))["properties"]["title"]
    ops = index_changes.operations(prop(before), prop(after))
    assert (None if ops is None else [(o.index, o.action, o.tokenization) for o in ops]) == expected


def test_create_and_prune():
    assert kinds(None, col()) == [("CreateCollection", None)]
    assert kinds(col(), None) == []
    assert kinds(col(), None, prune=True) == [("DeleteCollection", None)]
    assert DeleteCollection.destructive and not CreateCollection.destructive


def test_a_property_only_in_the_cluster_is_dropped_by_a_destructive_recreate():
    live = col(properties=BASE["properties"] + [{"name": "extra", "dataType": "text"}])
    [change] = diff({"Article": live}, {"Article": col()})
    assert isinstance(change, RecreateCollection) and change.is_destructive()
    assert [(m.source, m.name) for m in change.property_moves] == [("extra", None)]
    assert change.drops == ["property extra"]


def vectors_of(change: RecreateCollection) -> dict:
    return {v.name: v.action for v in change.vectors}


def test_recreate_reuses_vectors_when_vectorization_is_unchanged():
    [change] = diff({"Article": col()}, {"Article": col(vectorIndexConfig={"distance": "dot"})})
    assert vectors_of(change) == {"default": "reuse"}


@pytest.mark.parametrize("desired, why", [
    (col(vectorizer={**BASE["vectorizer"], "endpointURL": "http://127.0.0.1:1/models/b"}), "model"),
    (col(vectorizer={**BASE["vectorizer"], "vectorizeClassName": True}), "embeds the physical name"),
    (col(properties=[{"name": "title", "dataType": "text", "vectorizer": {"vectorizePropertyName": True}},
                     {"name": "views", "dataType": "int"}]), "properties"),
])
def test_recreate_reembeds_when_vectorization_changes(desired, why):
    [change] = diff({"Article": col()}, {"Article": desired})
    assert isinstance(change, RecreateCollection)
    assert vectors_of(change) == {"default": "re-embed"}
    assert why in change.vectors[0].reason


def named(a_url: str, b_url: str, **extra) -> dict:
    vectors = {
        "a": {"vectorizer": {"module": "text2vec-huggingface", "endpointURL": a_url,
                             "vectorizeClassName": False}, "sourceProperties": ["title"], **extra},
        "b": {"vectorizer": {"module": "text2vec-huggingface", "endpointURL": b_url,
                             "vectorizeClassName": False}, "sourceProperties": ["title"]},
    }
    return col(vectorizer=None, vectors=vectors)


def test_one_named_vector_reused_another_reembedded():
    live = named("http://h/models/a", "http://h/models/b")
    desired = named("http://h/models/a", "http://h/models/b2", vectorIndexConfig={"distance": "dot"})
    [change] = diff({"Article": live}, {"Article": desired})
    assert vectors_of(change) == {"a": "reuse", "b": "re-embed"}


def test_adding_a_named_vector_is_in_place():
    live = named("http://h/models/a", "http://h/models/b")
    data = live.model_dump(exclude_none=True)
    data["vectors"]["c"] = {"vectorizer": {"module": "none"}}
    [change] = diff({"Article": live}, {"Article": parse_collection(data)})
    assert isinstance(change, AddNamedVector) and change.vector_name == "c"


def test_diff_is_deterministic():
    desired = {"B": col(name="B"), "A": col(name="A")}
    assert [c.collection for c in diff({}, desired)] == ["A", "B"]
    assert diff({}, desired) == diff({}, dict(reversed(desired.items())))


@pytest.mark.parametrize("class_name_vectorized, action", [(False, "reuse"), (True, "re-embed")])
def test_rename_recreates_and_reuses_vectors_unless_the_class_name_is_vectorized(class_name_vectorized, action):
    vectorizer = {**BASE["vectorizer"], "vectorizeClassName": class_name_vectorized}
    live = {"Article": col(vectorizer=vectorizer)}
    desired = {"Story": col(name="Story", renamedFrom="Article", vectorizer=vectorizer)}
    [change] = diff(live, desired, physical={"Article": "Article"}, prune=True)
    assert isinstance(change, RecreateCollection)
    assert (change.collection, change.physical) == ("Story", "Article")
    assert [f.path for f in change.reasons] == ["name"]
    assert vectors_of(change) == {"default": action}



def test_a_rename_keeps_the_collections_references_to_itself():
    """`parent: [Article]` and `see: [Article, Author]` become `[Story]` and `[Story, Author]`:
    the same links, renamed with the collection, nothing to convert."""
    refs = [{"name": "parent", "dataType": ["Article"]}, {"name": "see", "dataType": ["Article", "Author"]}]
    live = {"Article": col(properties=[*BASE["properties"], *refs]), "Author": author()}
    renamed = [{"name": "parent", "dataType": ["Story"]}, {"name": "see", "dataType": ["Story", "Author"]}]
    desired = {"Story": col(name="Story", renamedFrom="Article", properties=[*BASE["properties"], *renamed]),
               "Author": author()}
    [change] = diff(live, desired, physical={"Article": "Article_v1", "Author": "Author_v1"})
    assert isinstance(change, RecreateCollection) and change.property_moves == ()


def test_a_renamed_from_left_in_the_file_after_the_rename_reads_no_reference_as_the_collection_itself():
    """Story, renamed from Article long ago, links to a new, unrelated Article: a later recreate
    keeps those links to Article."""
    refs = [{"name": "see", "dataType": ["Article"]}]
    live = {"Story": col(name="Story", properties=[*BASE["properties"], *refs]), "Article": col()}
    desired = {"Story": col(name="Story", renamedFrom="Article", properties=[*BASE["properties"], *refs],
                            vectorIndexConfig={"distance": "dot"}),
               "Article": col()}
    [change] = diff(live, desired, physical={"Story": "Story_v1", "Article": "Article_v1"})
    assert isinstance(change, RecreateCollection) and change.property_moves == ()

# ---- references to a recreated collection ---------------------------------------------------

def author(**changes):
    data = {"name": "Author", "properties": [{"name": "name", "dataType": "text"}],
            "vectorizer": {"module": "none"}, **changes}
    return parse_collection(data)


def with_author_reference(**changes):
    return col(properties=[*BASE["properties"], {"name": "writtenBy", "dataType": "Author"}], **changes)


def test_collections_referencing_a_recreated_one_are_recreated_after_it_with_their_vectors_reused():
    from schemactl.plan import make_plan, references_of

    live = {"Article": with_author_reference(), "Author": author()}
    desired = {"Article": with_author_reference(description="changed in place"),
               "Author": author(vectorIndexConfig={"distance": "dot"})}
    changes = diff(live, desired, physical={"Article": "Article_v1", "Author": "Author_v1"})
    plan = make_plan(changes, target="http://x", desired_hash="d", live_fingerprint="l",
                     references=references_of(desired))
    assert [(s.change.kind, s.change.collection) for s in plan.steps] == [("recreate", "Author"), ("recreate", "Article")]
    article = plan.steps[1].change
    assert [(f.path, f.old) for f in article.reasons] == [("references.Author", "Author_v1")]
    assert [f.path for f in article.fields] == ["description", "references.Author"]  # the update is folded in
    assert [(v.name, v.action) for v in article.vectors] == [("default", "reuse")]


def test_the_cascade_follows_a_chain_of_references():
    review = parse_collection({"name": "Review", "properties": [{"name": "of", "dataType": "Article"}],
                               "vectorizer": {"module": "none"}})
    live = {"Article": with_author_reference(), "Author": author(), "Review": review}
    desired = {**live, "Author": author(vectorIndexConfig={"distance": "dot"})}
    assert sorted(c.collection for c in diff(live, desired) if isinstance(c, RecreateCollection)) == \
        ["Article", "Author", "Review"]


def test_a_create_that_references_a_recreated_collection_waits_for_its_new_version():
    from schemactl.plan import make_plan, references_of

    live = {"Author": author()}
    desired = {"Article": with_author_reference(), "Author": author(vectorIndexConfig={"distance": "dot"})}
    plan = make_plan(diff(live, desired), target="http://x", desired_hash="d", live_fingerprint="l",
                     references=references_of(desired))
    assert [(s.change.kind, s.change.collection) for s in plan.steps] == [("recreate", "Author"), ("create", "Article")]


def test_two_recreated_collections_that_reference_each_other_are_refused_before_anything_runs():
    from schemactl.apply.guards import blocking_problems
    from schemactl.plan import make_plan, references_of

    mutual = author(properties=[{"name": "name", "dataType": "text"}, {"name": "wrote", "dataType": "Article"}])
    live = {"Article": with_author_reference(), "Author": mutual}
    desired = {**live, "Author": mutual.model_copy(update={"vectorIndexConfig": parse_collection(
        {"name": "X", "vectorIndexConfig": {"distance": "dot"}}).vectorIndexConfig})}
    changes = diff(live, desired, physical={"Article": "Article_v1", "Author": "Author_v1"})
    plan = make_plan(changes, target="http://x", desired_hash="d", live_fingerprint="l",
                     references=references_of(desired))
    problems = blocking_problems(plan, live)
    said = ("Article and Author reference each other: recreating both at once would leave one pointing at the other's "
            "old version")
    assert [p for p in problems if "reference each other" in p] == [said]  # once, not once for each


def test_a_multi_tenant_recreate_with_multi_target_links_to_a_collection_without_tenants_is_refused():
    """Weaviate fails every read of such links (weaviate/weaviate#7281). Before: planned, and the
    apply failed reading them with the new version made."""
    from schemactl.apply.guards import blocking_problems
    from schemactl.plan import make_plan

    tenants = {"multiTenancyConfig": {"enabled": True}}
    note = parse_collection({"name": "Note", "vectorizer": {"module": "none"}, **tenants,
                             "properties": [{"name": "about", "dataType": ["Person", "Note"]}]})
    person = parse_collection({"name": "Person", "vectorizer": {"module": "none"}})
    live = {"Note": note, "Person": person}
    moved = note.model_copy(update={"vectorIndexConfig": parse_collection(
        {"name": "X", "vectorIndexConfig": {"distance": "dot"}}).vectorIndexConfig})
    changes = diff(live, {"Note": moved, "Person": person}, physical={"Note": "Note_v1", "Person": "Person_v1"})
    plan = make_plan(changes, target="http://x", desired_hash="d", live_fingerprint="l")
    assert [p for p in blocking_problems(plan, live) if "#7281" in p] == [
        ("Note.about links Person, which has no tenants, from a multi-tenant collection in a multi-target reference: "
        "Weaviate fails every gRPC read of such links (weaviate/weaviate#7281), so no copy can carry them; keep the "
        "collection as it is, or make the reference single-target")]


def test_a_referrer_renamed_in_the_same_plan_as_the_collection_it_references_is_not_taken_for_one_without_a_file():
    """Author recreated (distance), Article renamed to Story in the same files: Story's recreate
    follows Author. Before: "Article has references to Author and no file", as the check looked
    the referrer up by its new name only."""
    from schemactl.apply.guards import blocking_problems
    from schemactl.plan import make_plan, references_of

    live = {"Article": with_author_reference(), "Author": author()}
    story = with_author_reference().model_copy(update={"name": "Story", "renamedFrom": "Article"})
    desired = {"Story": story, "Author": author(vectorIndexConfig={"distance": "dot"})}
    changes = diff(live, desired, physical={"Article": "Article_v1", "Author": "Author_v1"})
    plan = make_plan(changes, target="http://x", desired_hash="d", live_fingerprint="l",
                     references=references_of(desired))
    assert [(s.change.kind, s.change.collection) for s in plan.steps] == [("recreate", "Author"), ("recreate", "Story")]
    assert blocking_problems(plan, live) == []


def test_a_referrer_the_plan_deletes_does_not_stop_the_recreate_of_what_it_references():
    """Author recreated, Article (no file) pruned in the same plan. Before: "Article has references
    to Author and no file", which --prune had answered."""
    from schemactl.apply.guards import blocking_problems
    from schemactl.plan import make_plan, references_of

    live = {"Article": with_author_reference(), "Author": author()}
    desired = {"Author": author(vectorIndexConfig={"distance": "dot"})}
    changes = diff(live, desired, physical={"Article": "Article_v1", "Author": "Author_v1"}, prune=True)
    plan = make_plan(changes, target="http://x", desired_hash="d", live_fingerprint="l",
                     references=references_of(desired))
    assert sorted(s.change.kind for s in plan.steps) == ["delete", "recreate"]
    assert blocking_problems(plan, live) == []


def test_flat_quantizer_needs_a_new_collection_but_hnsw_rq_tuning_does_not():
    flat = col(vectorIndexType="flat")
    flat_bq = col(vectorIndexType="flat", vectorIndexConfig={"bq": {"enabled": True}})
    assert kinds(flat, flat_bq) == [("RecreateCollection", ["vectorIndexConfig.bq.enabled"])]
    rq = col(vectorIndexConfig={"rq": {"enabled": True}})
    tuned = col(vectorIndexConfig={"rq": {"enabled": True, "rescoreLimit": 50}})
    assert kinds(rq, tuned) == [("UpdateInPlace", ["vectorIndexConfig.rq.rescoreLimit"])]
    sq = col(vectorIndexConfig={"sq": {"enabled": True}})
    sq_tuned = col(vectorIndexConfig={"sq": {"enabled": True, "rescoreLimit": 50}})
    assert kinds(sq, sq_tuned) == [("RecreateCollection", ["vectorIndexConfig.sq.rescoreLimit"])]
    # rq turned on with its rescoreLimit: one PUT, measured on v1.37.5 and v1.38.8 (it was copied)
    assert kinds(col(), tuned) == [("UpdateInPlace", ["vectorIndexConfig.rq.enabled",
                                                      "vectorIndexConfig.rq.rescoreLimit"])]


def test_a_list_setting_changed_beside_an_index_drop_is_planned():
    """stopwords additions (a list) in place and an index dropped in one plan: the plan failed with
    "unhashable type: 'list'"."""
    unfiltered = col(properties=[{"name": "title", "dataType": "text", "indexFilterable": False},
                                 {"name": "views", "dataType": "int"}],
                     invertedIndexConfig={"stopwords": {"additions": ["foo"]}})
    assert [kind for kind, _ in kinds(col(), unfiltered)] == ["UpdateInPlace", "ReindexProperty"]


def test_async_replication_set_against_the_factor_is_warned_about_and_never_drift(tmp_path):
    from schemactl.validate import validate_paths

    (tmp_path / "a.yaml").write_text("name: Article\nreplicationConfig:\n  asyncEnabled: true\n")
    result = validate_paths([tmp_path])
    assert result.ok
    (warning,) = [f for f in result.findings if f.severity == "warning"]
    assert "decide asyncEnabled from the replication factor" in warning.message and warning.line == 3
    assert kinds(col(), col(replicationConfig={"asyncEnabled": True})) == []
    # 1.37 keeps what it is sent: there it is a setting of its own, changed in place
    assert kinds(col(), col(replicationConfig={"asyncEnabled": True}), async_from_factor=False) == [
        ("UpdateInPlace", ["replicationConfig.asyncEnabled"])]


def test_with_the_class_name_embedded_every_new_version_re_embeds_so_old_and_new_objects_agree():
    on = col(vectorizer={**BASE["vectorizer"], "vectorizeClassName": True})
    [change] = diff({"Article": on}, {"Article": col(vectorizer={**BASE["vectorizer"], "vectorizeClassName": True},
                                                     vectorIndexConfig={"distance": "dot"})})
    assert vectors_of(change) == {"default": "re-embed"}


def test_schemactl_sends_vectorize_class_name_off_unless_a_file_turns_it_on():
    from schemactl.rest_json import to_rest

    silent = col(vectorizer={"module": "text2vec-openai"})
    assert to_rest(silent)["moduleConfig"]["text2vec-openai"] == {"vectorizeClassName": False}
    on = col(vectorizer={"module": "text2vec-openai", "vectorizeClassName": True})
    assert to_rest(on)["moduleConfig"]["text2vec-openai"] == {"vectorizeClassName": True}


def test_on_a_server_that_only_drops_indexes_a_drop_is_in_place_and_a_build_is_a_copy_that_says_why():
    """1.36-1.38 have DELETE .../index/{i} but not PUT (measured on 1.37.5 and 1.38.8)."""
    drops_only = frozenset({"disable"})
    unfiltered = col(properties=[{"name": "title", "dataType": "text", "indexFilterable": False},
                                 {"name": "views", "dataType": "int"}])
    assert kinds(col(), unfiltered, index_actions=drops_only) == [("ReindexProperty",
                                                                    ["properties.title.indexFilterable"])]
    ranged = col(properties=[BASE["properties"][0], {"name": "views", "dataType": "int", "indexRangeFilters": True}])
    [change] = diff({"Article": col()}, {"Article": ranged}, index_actions=drops_only)
    assert isinstance(change, RecreateCollection)
    assert change.version_note.startswith("a copy only because this server does not build or re-tokenize")
    [change] = diff({"Article": col()}, {"Article": col(vectorIndexConfig={"distance": "dot"})},
                    index_actions=drops_only)
    assert change.version_note == ""  # a copy on any version


SERVER_DEFAULT_RQ = {"rq": {"enabled": True, "bits": 8}, "trackDefaultQuantization": True}


def test_a_quantizer_the_server_turned_on_by_default_is_no_drift_when_the_file_leaves_it_to_the_server():
    """DEFAULT_QUANTIZATION (Weaviate Cloud sets it): a collection created without a quantizer
    gets one, marked trackDefaultQuantization. A new version made from the file would get it too,
    so planning a copy to turn it off would repeat forever."""
    live = col(vectorIndexConfig=SERVER_DEFAULT_RQ)
    assert diff({"Article": live}, {"Article": col()}) == ()
    assert diff({"Article": live}, {"Article": col(vectorIndexConfig={"rq": {"enabled": True}})}) == ()
    named = {"vectors": {"main": {"vectorizer": {"module": "none"}, "vectorIndexType": "dynamic",
                                  "vectorIndexConfig": {"hnsw": SERVER_DEFAULT_RQ}}}, "vectorizer": None}
    assert diff({"Article": col(**named)}, {"Article": col(**{**named, "vectors": {"main": {
        "vectorizer": {"module": "none"}, "vectorIndexType": "dynamic"}}})}) == ()


def test_a_file_that_asks_for_another_quantizer_or_none_still_differs_from_the_servers_default():
    live = col(vectorIndexConfig=SERVER_DEFAULT_RQ)
    assert kinds(live, col(vectorIndexConfig={"bq": {"enabled": True}}))[0][0] == "RecreateCollection"
    assert kinds(live, col(vectorIndexConfig={"skipDefaultQuantization": True}))[0][0] == "RecreateCollection"
    assert kinds(live, col(vectorIndexConfig={"rq": {"enabled": True, "rescoreLimit": 50}})) == [
        ("UpdateInPlace", ["vectorIndexConfig.rq.rescoreLimit"])]


def test_quantizer_settings_a_file_gives_without_turning_a_quantizer_on_are_named_where_the_server_chose():
    """Such settings never reach a collection the server quantized by default, and are not
    compared: the plan says so instead of keeping quiet."""
    from schemactl.plan_warnings import default_quantizer_warnings

    live = col(vectorIndexConfig=SERVER_DEFAULT_RQ)
    settings_only = col(vectorIndexConfig={"rq": {"rescoreLimit": 50}, "pq": {"segments": 8}})
    assert diff({"Article": live}, {"Article": settings_only}) == ()  # the quiet part the warning covers
    [warning] = default_quantizer_warnings({"Article": live}, {"Article": settings_only})
    assert warning.startswith("Article: vectorIndexConfig.pq, vectorIndexConfig.rq not applied")
    named = {"vectors": {"main": {"vectorizer": {"module": "none"}, "vectorIndexType": "dynamic",
                                  "vectorIndexConfig": {"hnsw": SERVER_DEFAULT_RQ}}}, "vectorizer": None}
    mine = {**named, "vectors": {"main": {"vectorizer": {"module": "none"}, "vectorIndexType": "dynamic",
                                          "vectorIndexConfig": {"hnsw": {"rq": {"bits": 8}}}}}}
    assert "vectors.main.vectorIndexConfig.hnsw.rq" in default_quantizer_warnings(
        {"Article": col(**named)}, {"Article": col(**mine)})[0]
    quiet = [col(), col(vectorIndexConfig={"rq": {"enabled": True, "rescoreLimit": 50}}),
             col(vectorIndexConfig={"skipDefaultQuantization": True, "rq": {"bits": 8}})]
    assert all(default_quantizer_warnings({"Article": live}, {"Article": c}) == () for c in quiet)
    assert default_quantizer_warnings({"Article": col()}, {"Article": settings_only}) == ()  # not the server's


def test_an_index_type_the_file_leaves_to_the_server_is_the_one_the_server_chose():
    """DEFAULT_VECTOR_INDEX=flat: a file without vectorIndexType gets a flat index. Comparing it
    with hnsw would plan a copy that the server makes flat again, on every apply."""
    from schemactl.rest_json import to_rest

    flat = col(vectorIndexType="flat")
    assert diff({"Article": flat}, {"Article": col()}) == ()
    assert diff({"Article": flat}, {"Article": col(vectorIndexConfig={"distance": "cosine"})}) == ()
    assert kinds(flat, col(vectorIndexConfig={"distance": "dot"}))[0][0] == "RecreateCollection"
    # a setting only hnsw takes states hnsw: compared as hnsw, and sent as hnsw
    assert kinds(flat, col(vectorIndexConfig={"ef": 100}))[0][0] == "RecreateCollection"
    assert to_rest(col(vectorIndexConfig={"ef": 100}))["vectorIndexType"] == "hnsw"
    assert "vectorIndexType" not in to_rest(col(vectorIndexConfig={"distance": "dot"}))
    assert kinds(flat, col(vectorIndexType="hnsw"))[0][0] == "RecreateCollection"


def test_a_collection_without_a_vectorizer_is_sent_with_none_never_left_to_the_servers_default():
    from schemactl.rest_json import to_rest

    bare = parse_collection({"name": "Bare", "properties": [{"name": "t", "dataType": "text"}]})
    assert to_rest(bare)["vectorizer"] == "none" and "moduleConfig" not in to_rest(bare)
    named = parse_collection({"name": "Named", "vectors": {"main": {"vectorizer": {"module": "none"}}}})
    assert "vectorizer" not in to_rest(named)  # each named vector carries its own


def test_shards_and_distance_the_file_leaves_to_the_server_are_the_ones_the_server_chose():
    """Weaviate gives a collection created without shardingConfig one shard per node (or
    DEFAULT_SHARDING_COUNT), and one without a distance DEFAULT_VECTOR_DISTANCE_METRIC: on a
    three-node cluster every plan recreated every collection, and the copy got three shards again."""
    live = col(shardingConfig={"desiredCount": 3}, vectorIndexConfig={"distance": "dot"})
    assert diff({"Article": live}, {"Article": col()}) == ()
    assert kinds(live, col(shardingConfig={"desiredCount": 1}))[0] == ("RecreateCollection", [
        "shardingConfig.desiredCount"])
    assert kinds(live, col(vectorIndexConfig={"distance": "cosine"}))[0] == ("RecreateCollection", [
        "vectorIndexConfig.distance"])
    named = {"vectorizer": None, "vectors": {"main": {"vectorizer": {"module": "none"},
                                                      "vectorIndexConfig": {"distance": "dot"}}}}
    bare = {"vectorizer": None, "vectors": {"main": {"vectorizer": {"module": "none"}}}}
    assert diff({"Article": col(**named)}, {"Article": col(**bare)}) == ()


def test_a_replication_factor_the_file_leaves_to_the_server_is_its_minimum():
    """REPLICATION_MINIMUM_FACTOR (high-availability clusters set one): a collection created without
    replicationConfig gets that many replicas; scaling it down to one would be refused."""
    live = col(replicationConfig={"factor": 3})
    assert diff({"Article": live}, {"Article": col()}) == ()
    assert diff({"Article": live}, {"Article": col(replicationConfig={"asyncEnabled": True})}) == ()
    assert kinds(live, col(replicationConfig={"factor": 1})) == [("RecreateCollection", [
        "replicationConfig.asyncEnabled", "replicationConfig.factor"])]
    # a copy made for another reason states the factor the collection has: its replica checks go by it
    recreate, = diff({"Article": live}, {"Article": col(vectorIndexConfig={"distance": "dot"})})
    assert recreate.definition.replication_factor == 3


def test_a_setting_removed_from_the_file_keeps_the_value_the_collection_has():
    """As Terraform does for settings a provider computes: the file no longer states it, so what
    the server holds stands (docs/reference/collection-file.md); stating the default changes it."""
    live = col(vectorIndexConfig={"distance": "dot"}, shardingConfig={"desiredCount": 4})
    assert diff({"Article": live}, {"Article": col()}) == ()
    assert kinds(live, col(vectorIndexConfig={"distance": "cosine"}, shardingConfig={"desiredCount": 4})) == [
        ("RecreateCollection", ["vectorIndexConfig.distance"])]


def test_a_renamed_vector_keeps_the_index_type_the_server_gave_it():
    live = col(vectorizer=None, vectors={"old": {"vectorizer": {"module": "none"}, "vectorIndexType": "flat"}})
    renamed = col(vectorizer=None, vectors={"new": {"vectorizer": {"module": "none"}, "renamedFrom": "old"}})
    paths = [path for _, fields in kinds(live, renamed) for path in fields or []]
    assert not [p for p in paths if "vectorIndex" in p]



def test_a_hand_over_left_to_finish_is_planned_without_the_activation_the_stopped_run_turned_on():
    from schemactl.changes import FinishHandOver
    from schemactl.live import LiveState
    from schemactl.planning import after_hand_overs

    def mt(activation: bool):
        return parse_collection({"name": "Mt", "vectorizer": {"module": "none"},
                                 "multiTenancyConfig": {"enabled": True, "autoTenantActivation": activation}})
    live = LiveState("1.39.3", {"Mt": mt(True)}, {"Mt": "Mt_v2"}, {}, {"Mt": "Mt_v2"})
    assert diff(live.collections, {"Mt": mt(False)}, physical=live.physical)  # as read: turned on
    after = after_hand_overs(live, (FinishHandOver("Mt", physical="Mt_v1", target="Mt_v2", auto_activation=False),))
    assert diff(after.collections, {"Mt": mt(False)}, physical=live.physical) == ()
    assert diff(after.collections, {"Mt": mt(True)}, physical=live.physical)  # a file that wants it on still says so


def test_an_update_states_each_setting_the_file_leaves_at_its_default():
    """What apply sends for an in-place change: a setting removed from the file is sent as its
    default, or the server keeps its value (measured on v1.39: ef 128 stayed)."""
    from schemactl.changes import UpdateInPlace
    from schemactl.normalize import stated
    from schemactl.rest_json import to_rest

    live = col(vectorIndexConfig={"ef": 128}, invertedIndexConfig={"bm25": {"k1": 1.5}},
               properties=[{"name": "title", "dataType": "text", "description": "old"},
                           {"name": "meta", "dataType": "object",
                            "nestedProperties": [{"name": "a", "dataType": "text", "description": "x"}]}])
    desired = col(properties=[{"name": "title", "dataType": "text"},
                              {"name": "meta", "dataType": "object", "nestedProperties": [{"name": "a", "dataType": "text"}]}])
    [change] = diff({"Article": live}, {"Article": desired})
    assert isinstance(change, UpdateInPlace)
    body = to_rest(stated(change.definition, ((f.path, f.new) for f in change.fields)))
    assert body["vectorIndexConfig"]["ef"] == -1
    assert body["invertedIndexConfig"]["bm25"] == {"b": 0.75, "k1": 1.2}
    title, meta = body["properties"]
    assert title["description"] == "" and meta["nestedProperties"][0]["description"] == ""


def test_a_bm25_block_given_in_part_is_sent_whole():
    from schemactl.rest_json import to_rest

    assert to_rest(col(invertedIndexConfig={"bm25": {"k1": 1.5}}))["invertedIndexConfig"]["bm25"] == \
        {"b": 0.75, "k1": 1.5}


NONE = {"vectorizer": {"module": "none"}}


@pytest.mark.parametrize("live_vectors, file_vectors, dropped, empty", [
    ({"a": NONE, "b": NONE}, None, ["a", "b"], ["default"]),  # the whole vectors block taken out of the file
    (None, {"a": NONE}, ["default"], ["a"]),  # the single vector given up for a named one
    ({"a": NONE, "b": NONE}, {"a": NONE}, ["b"], []),
])
def test_stored_vectors_the_file_no_longer_has_are_dropped_and_new_ones_without_a_vectorizer_start_empty(
        live_vectors, file_vectors, dropped, empty):
    """Before, taking the whole `vectors` block out of a file planned the named vectors' loss as
    a reuse of stored vectors, not destructive."""
    def collection(vectors):
        data = {"name": "P", "properties": [{"name": "t", "dataType": ["text"]}]}
        return parse_collection(data | ({"vectors": vectors} if vectors else {}))

    [change] = diff({"P": collection(live_vectors)}, {"P": collection(file_vectors)}, physical={"P": "P_v1"})
    assert sorted(v.name for v in change.vectors if v.action == "drop") == dropped
    assert sorted(v.name for v in change.vectors if v.action == "empty") == empty
    both = set(live_vectors or {"default": NONE}) & set(file_vectors or {"default": NONE})
    assert sorted(v.name for v in change.vectors if v.action == "reuse") == sorted(both)
    assert change.is_destructive() and all(f"vector {n}" in change.drops for n in dropped)


def test_a_backfilled_collection_takes_its_referrers_along():
    """Before: the backfill's recreate was planned alone, then refused ("Review has references to
    Article and no file") although Review's file was there."""
    from schemactl.diff import backfill_candidates, with_backfill

    live = named("http://h/models/a", "http://h/models/b")
    data = live.model_dump(exclude_none=True)
    data["vectors"]["c"] = {"vectorizer": {"module": "text2vec-huggingface", "endpointURL": "http://h/models/c",
                                           "vectorizeClassName": False}, "sourceProperties": ["title"]}
    article = parse_collection(data)
    review = parse_collection({"name": "Review", "properties": [{"name": "of", "dataType": "Article"}],
                               "vectorizer": {"module": "none"}})
    live_state, desired = {"Article": live, "Review": review}, {"Article": article, "Review": review}
    physical = {"Article": "Article_v1", "Review": "Review_v1"}
    changes = diff(live_state, desired, physical=physical)
    filled = with_backfill(changes, live_state, desired, physical, backfill_candidates(changes))
    assert [(type(c).__name__, c.collection) for c in filled] == [("RecreateCollection", "Article"),
                                                                  ("RecreateCollection", "Review")]


def test_replica_movement_is_asked_of_the_collection_to_scale_a_renamed_one_by_its_old_name():
    """Planning asks the server whether it moves replicas of one collection to scale (a role scoped
    to it may ask), and the plan's warning for a key that may not ask names the same one. Before:
    a renamed collection was not found by its new name, so planning asked another collection than
    the warning did."""
    from schemactl.capabilities import rescaled
    from schemactl.live import LiveState

    def doc(name: str, factor: int, renamed_from: str | None = None):
        return parse_collection({"name": name, "vectorizer": {"module": "none"}, "replicationConfig": {"factor": factor},
                                 **({"renamedFrom": renamed_from} if renamed_from else {})})
    live = LiveState("1.39.3", {"Articles": doc("Articles", 1), "Zeta": doc("Zeta", 1)},
                     {"Articles": "Articles_v1", "Zeta": "Zeta_v1"}, {}, {})
    assert rescaled(live, {"Posts": doc("Posts", 3, "Articles"), "Zeta": doc("Zeta", 3)}) == "Articles_v1"
    assert rescaled(live, {"Posts": doc("Posts", 1, "Articles"), "Zeta": doc("Zeta", 1)}) is None


def test_a_renamed_collections_referrer_following_it_is_recreated_after_it_with_its_links():
    """Writer renamed to Author, Article's file following it (`by: [Author]`): Article is
    recreated for the new version, its links kept (nothing to convert). Before, the plan refused
    any rename of a collection other collections reference."""
    writer = author(name="Writer")
    live = {"Writer": writer, "Article": col(properties=[*BASE["properties"], {"name": "by", "dataType": ["Writer"]}])}
    desired = {"Author": author(renamedFrom="Writer"),
               "Article": col(properties=[*BASE["properties"], {"name": "by", "dataType": ["Author"]}])}
    renamed, article = diff(live, desired, physical={"Writer": "Writer_v1", "Article": "Article_v1"})
    assert (type(renamed), renamed.collection, renamed.physical) == (RecreateCollection, "Author", "Writer_v1")
    assert isinstance(article, RecreateCollection) and article.property_moves == ()
    assert [(f.path, f.old) for f in article.reasons] == [("references.Author", "Writer_v1")]


def test_a_referrer_a_stopped_rename_left_pointing_at_the_old_name_follows_it_with_its_links():
    """The rename done (Author serves, Writer gone), Article not recreated yet (the apply
    stopped between the two): its links to Writer_v1 are aimed at Author's version, kept. Before,
    such a reference read as retyped to another collection, refused; then the plan said it as one:
    `properties.by.dataType: ["Writer_v1"] -> ["Author"]`, "cannot change in place"."""
    live = {"Author": author(),
            "Article": col(properties=[*BASE["properties"], {"name": "by", "dataType": ["Writer_v1"]}])}
    desired = {"Author": author(renamedFrom="Writer"),
               "Article": col(properties=[*BASE["properties"], {"name": "by", "dataType": ["Author"]}])}
    [article] = diff(live, desired, physical={"Author": "Author_v1", "Article": "Article_v1"})
    assert isinstance(article, RecreateCollection) and article.property_moves == ()
    assert [(f.path, f.old, f.new) for f in article.reasons] == [
        ("references.Author", "Writer_v1", "the new version of Author")]  # as when not stopped


def test_a_rename_the_ledger_recorded_is_followed_once_the_file_no_longer_says_it_and_down_a_chain():
    """The file lost `renamedFrom: Writer` after a stopped apply, or the collection was renamed
    twice (Writer -> Author by the ledger, Author -> Person by the file): a reference to Writer_v1
    still follows to the name it goes by now. A name taken again is not followed."""
    article = col(properties=[*BASE["properties"], {"name": "by", "dataType": ["Writer_v1"]}])
    wanted = col(properties=[*BASE["properties"], {"name": "by", "dataType": ["Person"]}])
    live = {"Person": author(name="Person"), "Article": article}
    [change] = diff(live, {"Person": author(name="Person"), "Article": wanted},
                    physical={"Person": "Person_v1", "Article": "Article_v1"}, renamed={"Writer": "Person"})
    assert isinstance(change, RecreateCollection) and change.property_moves == ()
    chained = diff({"Author": author(), "Article": article},
                   {"Person": author(name="Person", renamedFrom="Author"), "Article": wanted},
                   physical={"Author": "Author_v1", "Article": "Article_v1"}, renamed={"Writer": "Author"})
    assert [c.property_moves for c in chained if c.collection == "Article"] == [()]
    taken = diff({"Writer": author(name="Writer"), **live}, {"Writer": author(name="Writer"), "Person": author(name="Person"),
                                                               "Article": wanted},
                 physical={"Writer": "Writer_v2", "Person": "Person_v1", "Article": "Article_v1"},
                 renamed={"Writer": "Person"})
    [moved] = [c for c in taken if c.collection == "Article"]
    assert [m.conversion for m in moved.property_moves] == ["unsupported"]


def test_a_referrer_following_its_target_is_recreated_as_the_files_and_server_define_it_whichever_way_it_is_found():
    """A referrer recreated to follow its target in the plan that moves the target, and the same
    referrer after an apply stopped once the target had moved (its reference then names the old
    version), are one change: the same definition, so a copy the first made is resumed by the
    second. Before: the first left out what the file leaves to the server (the index type), so the
    next apply discarded the copy as "made for another change"."""
    from schemactl.state import definition_hash

    def collection(name: str, **more):
        return parse_collection({"name": name, "vectorizer": {"module": "none"}, **more})

    as_read = {"vectorIndexType": "hnsw"}  # the live side: what the server chose
    book = {"properties": [{"name": "by", "dataType": ["Author"]}]}
    moved = {"vectorIndexConfig": {"distance": "dot"}}
    before = diff({"Author": collection("Author", **as_read), "Book": collection("Book", **book, **as_read)},
                  {"Author": collection("Author", **moved), "Book": collection("Book", **book)},
                  physical={"Author": "Author_v1", "Book": "Book_v1"})
    stopped = diff({"Author": collection("Author", **moved, **as_read),
                    "Book": collection("Book", properties=[{"name": "by", "dataType": ["Author_v1"]}], **as_read)},
                   {"Author": collection("Author", **moved), "Book": collection("Book", **book)},
                   physical={"Author": "Author_v2", "Book": "Book_v1"})
    [first] = [c for c in before if c.collection == "Book"]
    [second] = [c for c in stopped if c.collection == "Book"]
    assert isinstance(first, RecreateCollection) and isinstance(second, RecreateCollection)
    assert first.definition.vectorIndexType == "hnsw"
    assert definition_hash(first) == definition_hash(second)


def test_links_to_a_renamed_collection_do_not_follow_a_new_collection_given_its_old_name():
    """Author renamed to Person (Article's links still on Author_v1, its apply stopped), then the
    rename reverted in the files: Author is a new, empty collection. Before (briefly), the links
    were taken to follow Author and copied to uuids only Person holds; the plan refuses instead."""
    def collection(name: str, **more):
        return parse_collection({"name": name, "vectorizer": {"module": "none"}, **more})

    live = {"Person": collection("Person"),
            "Article": collection("Article", properties=[{"name": "by", "dataType": ["Author_v1"]}])}
    desired = {"Author": collection("Author"),
               "Article": collection("Article", properties=[{"name": "by", "dataType": ["Author"]}])}
    changes = diff(live, desired, physical={"Person": "Person_v1", "Article": "Article_v1"},
                   renamed={"Author": "Person"})
    [article] = [c for c in changes if c.collection == "Article"]
    assert [(m.source, m.conversion) for m in article.property_moves] == [("by", "unsupported")]
