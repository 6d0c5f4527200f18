"""Module knowledge as data: the tables decide defaults, what changes the vectors and what the
server changes in place; the reader names every setting it cannot hold. No server needed."""
from __future__ import annotations

import pytest

from schemactl import modules
from schemactl.changes import RecreateCollection, UpdateInPlace
from schemactl.diff import diff
from schemactl.rest_json import Unrepresentable, from_rest
from schemactl.validate import parse_collection

TEXT = [{"name": "title", "dataType": "text"}, {"name": "year", "dataType": "int"}]


def collection(vectorizer: dict, **extra):
    return parse_collection({"name": "Doc", "properties": TEXT, "vectorizer": vectorizer, **extra})


def only_change(live, desired):
    changes = diff({"Doc": live}, {"Doc": desired})
    assert len(changes) == 1, changes
    return changes[0]


def test_server_defaults_written_out_are_not_drift():
    implicit = collection({"module": "text2vec-openai"})
    explicit = collection({"module": "text2vec-openai", "model": "text-embedding-3-small",
                           "baseURL": "https://api.openai.com", "vectorizeClassName": False})
    assert diff({"Doc": implicit}, {"Doc": explicit}) == ()
    # schemactl's own default: the class name is not embedded (the server's default is on)
    assert diff({"Doc": implicit}, {"Doc": collection({"module": "text2vec-openai", "vectorizeClassName": True})})


@pytest.mark.parametrize("module, setting, before, after", [
    ("text2vec-openai", "dimensions", 512, 1024),
    ("text2vec-cohere", "truncate", "END", "START"),
    ("text2vec-voyageai", "model", "voyage-3", "voyage-3-large"),
    ("text2vec-jinaai", "dimensions", 256, 512),
])
def test_a_typed_setting_that_changes_vectors_re_embeds(module, setting, before, after):
    change = only_change(collection({"module": module, setting: before}), collection({"module": module, setting: after}))
    assert isinstance(change, RecreateCollection)
    assert [(v.action, v.reason) for v in change.vectors] == [("re-embed", "model changed")]


def named(vectorizer: dict):
    return parse_collection({"name": "Doc", "properties": TEXT, "vectors": {"main": {"vectorizer": vectorizer}}})


def test_hugging_face_options_change_in_place_on_a_named_vector_and_keep_the_vectors():
    live = named({"module": "text2vec-huggingface", "model": "org/m"})
    desired = named({"module": "text2vec-huggingface", "model": "org/m", "options": {"waitForModel": True}})
    change = only_change(live, desired)
    assert isinstance(change, UpdateInPlace)
    assert [f.path for f in change.fields] == ["vectors.main.vectorizer.options.waitForModel"]
    # a single (legacy) vectorizer's: in place too where the server takes it (1.37+, measured), else a
    # recreate that reuses the vectors
    before = collection({"module": "text2vec-huggingface", "model": "org/m"})
    after = collection({"module": "text2vec-huggingface", "model": "org/m", "options": {"waitForModel": True}})
    assert isinstance(only_change(before, after), UpdateInPlace)
    [older] = diff({"A": before}, {"A": after}, single_vectorizer_in_place=False)
    assert isinstance(older, RecreateCollection) and [v.action for v in older.vectors] == ["reuse"]


def test_a_generic_module_change_re_embeds_and_says_why():
    live = collection({"module": "text2vec-transformers", "inferenceUrl": "http://t2v:8080"})
    desired = collection({"module": "text2vec-transformers", "inferenceUrl": "http://t2v-large:8080"})
    change = only_change(live, desired)
    assert isinstance(change, RecreateCollection)
    (move,) = change.vectors
    assert move.action == "re-embed" and "no table of which text2vec-transformers settings" in move.reason


def test_vectors_are_reused_when_only_the_index_changes_for_any_module():
    live = collection({"module": "text2vec-cohere"}, vectorIndexConfig={"distance": "cosine"})
    desired = collection({"module": "text2vec-cohere"}, vectorIndexConfig={"distance": "dot"})
    assert [v.action for v in only_change(live, desired).vectors] == ["reuse"]


def test_an_int_source_property_is_part_of_what_is_vectorized():
    def with_sources(sources):
        return parse_collection({"name": "Doc", "properties": TEXT, "vectors": {"main": {
            "vectorizer": {"module": "text2vec-huggingface", "model": "org/m", "vectorizeClassName": False},
            "sourceProperties": sources}}})
    change = only_change(with_sources(["title"]), with_sources(["title", "year"]))
    assert [v.action for v in change.vectors] == ["re-embed"]


def test_mistral_properties_are_skipped_unless_told_otherwise():
    body = {"class": "Doc", "vectorizer": "text2vec-mistral",
            "moduleConfig": {"text2vec-mistral": {"model": "mistral-embed", "vectorizeClassName": True,
                                                  "baseURL": "https://api.mistral.ai/v1/embeddings"}},
            "properties": [
                {"name": "title", "dataType": ["text"],
                 "moduleConfig": {"text2vec-mistral": {"skip": True, "vectorizePropertyName": False}}},
                {"name": "body", "dataType": ["text"],
                 "moduleConfig": {"text2vec-mistral": {"skip": False, "vectorizePropertyName": False}}}]}
    read = from_rest(body)
    assert read.properties[0].vectorizer is None  # skip: true is mistral's default
    assert read.properties[1].vectorizer.skip is False


def test_settings_that_differ_between_modules_of_one_property_cannot_be_represented():
    body = {"class": "Doc", "properties": [{"name": "title", "dataType": ["text"], "moduleConfig": {
        "text2vec-openai": {"skip": True}, "text2vec-cohere": {"skip": False}}}],
        "vectorConfig": {"a": {"vectorizer": {"text2vec-openai": {}}, "vectorIndexType": "hnsw"},
                         "b": {"vectorizer": {"text2vec-cohere": {}}, "vectorIndexType": "hnsw"}}}
    with pytest.raises(Unrepresentable, match="skip differs between its modules"):
        from_rest(body)


@pytest.mark.parametrize("extra, named", [
    ({"shardingConfig": {"desiredCount": 1, "virtualPerPhysical": 64}}, "shardingConfig.virtualPerPhysical"),
    ({"invertedIndexConfig": {"tokenizerUserDict": [{"tokenizer": "kagome_ja"}]}}, "invertedIndexConfig.tokenizerUserDict"),
    ({"vectorIndexType": "flat", "vectorIndexConfig": {"pq": {"enabled": True}}}, "vectorIndexConfig.pq"),
    ({"moduleConfig": {"qna-openai": {}, "qna-transformers": {}}}, "moduleConfig.qna-transformers"),  # two of a kind
    ({"vectorizer": "text2vec-openai", "moduleConfig": {"text2vec-openai": {"futureSetting": 1}}},
     "moduleConfig.text2vec-openai.futureSetting"),
    ({"newTopLevelThing": {"on": True}}, "newTopLevelThing"),
])
def test_a_setting_schemactl_does_not_model_is_named_never_dropped(extra, named):
    body = {"class": "Doc", "properties": [{"name": "title", "dataType": ["text"]}], **extra}
    with pytest.raises(Unrepresentable, match=f"does not model yet: {named}"):
        from_rest(body)


def test_every_typed_module_has_a_model_and_defaults_that_parse():
    for module in modules.TYPED_VECTORIZERS:
        needs = {group[0]: "x" for group in module.needs_one_of}
        if module.name == modules.HUGGINGFACE:
            needs["model"] = "org/m"
        parsed = collection({"module": module.name, **needs, **{
            k: v for k, v in module.server_defaults().items() if k != "options"}})
        assert parsed.vectorizer.module == module.name


def test_settings_a_generic_module_fills_in_by_itself_are_not_drift():
    live = collection({"module": "text2vec-transformers", "poolingStrategy": "masked_mean"})
    desired = collection({"module": "text2vec-transformers"})
    assert diff({"Doc": live}, {"Doc": desired}) == ()
    changed = collection({"module": "text2vec-transformers", "poolingStrategy": "cls"})
    assert isinstance(only_change(live, changed), RecreateCollection)


def test_a_generative_module_setting_the_server_added_is_not_drift_but_one_the_file_changes_is():
    live = collection({"module": "none"}, generative={"module": "generative-openai", "model": "gpt-4o"})
    assert diff({"Doc": live}, {"Doc": collection({"module": "none"},
                                                  generative={"module": "generative-openai"})}) == ()
    change = only_change(live, collection({"module": "none"},
                                          generative={"module": "generative-openai", "model": "gpt-4.1"}))
    assert isinstance(change, UpdateInPlace)


def test_an_index_change_keeps_a_generic_modules_vectors_despite_server_filled_settings():
    live = collection({"module": "text2vec-transformers", "poolingStrategy": "masked_mean"},
                      vectorIndexConfig={"distance": "cosine"})
    desired = collection({"module": "text2vec-transformers"}, vectorIndexConfig={"distance": "dot"})
    assert [v.action for v in only_change(live, desired).vectors] == ["reuse"]


def test_hugging_face_model_and_passage_model_are_the_same_model_on_v1_39():
    by_model = named({"module": "text2vec-huggingface", "model": "org/m"})
    by_pair = named({"module": "text2vec-huggingface", "passageModel": "org/m", "queryModel": "org/q"})
    respelled = only_change(by_model, by_pair)  # v1.39 refuses any model setting change in place...
    assert isinstance(respelled, RecreateCollection)
    assert [v.action for v in respelled.vectors] == ["reuse"]  # ...but it is the same model: vectors kept
    other = named({"module": "text2vec-huggingface", "passageModel": "org/other", "queryModel": "org/q"})
    recreate = only_change(by_model, other)
    assert isinstance(recreate, RecreateCollection) and [v.action for v in recreate.vectors] == ["re-embed"]
    endpoint = named({"module": "text2vec-huggingface", "endpointURL": "http://127.0.0.1:1/m"})
    assert isinstance(only_change(by_model, endpoint), RecreateCollection)


def test_the_pair_is_sent_with_an_empty_model():
    from schemactl.rest_json import to_rest

    body = to_rest(collection({"module": "text2vec-huggingface", "passageModel": "org/p", "queryModel": "org/q"}))
    assert body["moduleConfig"]["text2vec-huggingface"] == {"model": "", "passageModel": "org/p", "queryModel": "org/q",
                                                            "vectorizeClassName": False}
