"""Renamed, retyped and dropped properties and named vectors, planned without a server: what the
diff says moves and how, which vectors are reused, what is destructive, what a plan refuses, and
how the copy reshapes one object."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from uuid import UUID

import pytest

from schemactl import api
from schemactl.apply import guards
from schemactl.apply.guards import Limits, Refused, Situation, destructive_allowed
from schemactl.changes import RecreateCollection
from schemactl.diff import diff
from schemactl.plan import Estimate, ValueCheck, make_plan
from schemactl.reshape import Reshape, Unconvertible
from schemactl.validate import parse_collection

HF = {"module": "text2vec-huggingface", "endpointURL": "http://127.0.0.1:1/models/a", "vectorizeClassName": False}
PRODUCT = [{"name": "sku", "dataType": "text"}, {"name": "price", "dataType": "int"},
           {"name": "legacy", "dataType": "text"}, {"name": "title", "dataType": "text"}]


def product(properties=PRODUCT, vectorizer=None, **extra):
    return parse_collection({"name": "Product", "properties": properties,
                             "vectorizer": vectorizer or {"module": "none"}, **extra})


def recreate(live, desired) -> RecreateCollection:
    [change] = diff({"Product": live}, {"Product": desired}, physical={"Product": "Product_v1"})
    assert isinstance(change, RecreateCollection)
    return change


def moves(change):
    return {(m.source, m.name): (m.old_type, m.new_type, m.conversion) for m in change.property_moves}


def test_rename_retype_and_drop_are_one_recreate_that_moves_the_values():
    desired = product([{"name": "sku", "dataType": "int"}, {"name": "price", "dataType": "number"},
                       {"name": "name", "renamedFrom": "title", "dataType": "text"}])
    change = recreate(product(), desired)
    assert moves(change) == {("legacy", None): ("text", None, None), ("sku", "sku"): ("text", "int", "parsing"),
                             ("price", "price"): ("int", "number", "parsing"),
                             ("title", "name"): ("text", "text", None)}
    assert change.is_destructive() and change.drops == ["property legacy"]
    assert [v.action for v in change.vectors] == ["reuse"]
    # tokenization and indexSearchable go with the text type: said by the dataType, not listed
    assert not [f for f in change.fields if f.path.startswith("properties.sku.") and f.path != "properties.sku.dataType"]


def test_once_renamed_the_file_keeping_renamed_from_is_in_sync():
    renamed = product([*PRODUCT[:3], {"name": "name", "renamedFrom": "title", "dataType": "text"}])
    live = product([*PRODUCT[:3], {"name": "name", "dataType": "text"}])
    assert diff({"Product": live}, {"Product": renamed}) == ()


def test_a_rename_alone_is_not_destructive_and_a_lossless_retype_neither():
    desired = product([{"name": "sku", "dataType": "text[]"}, *PRODUCT[1:3],
                       {"name": "name", "renamedFrom": "title", "dataType": "text"}])
    assert not recreate(product(), desired).is_destructive()


def test_on_convert_error_makes_a_parsing_conversion_destructive():
    desired = product([{"name": "sku", "dataType": "int", "onConvertError": "skipObject"}, *PRODUCT[1:]])
    change = recreate(product(), desired)
    assert change.drops == ["values of sku that do not convert to int (skipObject)"]


@pytest.mark.parametrize("old, new, why", [
    ("date", "int", "schemactl has no conversion from date to int"),
    ("text", "geoCoordinates", "geoCoordinates"),
])
def test_a_conversion_schemactl_does_not_have_refuses_the_plan(old, new, why):
    live = product([{"name": "sku", "dataType": old}])
    change = recreate(live, product([{"name": "sku", "dataType": new}]))
    assert moves(change)[("sku", "sku")][2] == "unsupported"
    with pytest.raises(Refused, match=f"Product.sku: {old} -> {new}: .*{why}"):
        api.check_convertible(make_plan((change,), target="t", desired_hash="d", live_fingerprint="l"))


def test_a_reference_cannot_be_retyped_into_values():
    live = product([{"name": "by", "dataType": "Author"}])
    change = recreate(live, product([{"name": "by", "dataType": "text"}]))
    assert "a cross-reference holds links" in change.property_moves[0].reason


def _text_vector(properties, renamed_name="name", **settings):
    live = product(properties, vectorizer=HF)
    wanted = [dict(p) for p in properties]
    wanted[0] = {**wanted[0], "name": renamed_name, "renamedFrom": wanted[0]["name"], **settings}
    return recreate(live, product(wanted, vectorizer=HF))


def test_a_renamed_vectorized_property_reuses_the_vectors_when_the_text_stays_the_same():
    change = _text_vector([{"name": "title", "dataType": "text"}, {"name": "body", "dataType": "text"}])
    assert [(v.action, v.reason) for v in change.vectors] == [("reuse", "vectorization unchanged")]


def test_a_rename_that_reorders_the_text_re_embeds():
    """Weaviate joins the vectorized properties sorted by name: title+zeta -> zeta+zzz changes the text."""
    change = _text_vector([{"name": "title", "dataType": "text"}, {"name": "zeta", "dataType": "text"}], "zzz")
    [vector] = change.vectors
    assert vector.action == "re-embed" and "another order" in vector.reason


def test_a_rename_with_the_name_in_the_text_re_embeds():
    change = _text_vector([{"name": "title", "dataType": "text", "vectorizer": {"vectorizePropertyName": True}},
                           {"name": "body", "dataType": "text"}])
    [vector] = change.vectors
    assert vector.action == "re-embed" and "title no longer read" in vector.reason


def test_dropping_a_vectorized_property_re_embeds():
    live = product([{"name": "title", "dataType": "text"}, {"name": "body", "dataType": "text"}], vectorizer=HF)
    change = recreate(live, product([{"name": "body", "dataType": "text"}], vectorizer=HF))
    assert change.vectors[0].action == "re-embed" and "title no longer read" in change.vectors[0].reason


def _vectors(**named):
    return parse_collection({"name": "Product", "properties": PRODUCT, "vectors": named})


def test_named_vectors_renamed_keep_their_vectors_and_dropped_ones_are_destructive():
    own = {"vectorizer": {"module": "none"}}
    change = recreate(_vectors(a=own, b=own), _vectors(c={**own, "renamedFrom": "a"}))
    assert {(v.name, v.action, v.source) for v in change.vectors} == {("c", "reuse", "a"), ("b", "drop", None)}
    assert change.drops == ["vector b"]


def test_a_destructive_recreate_is_refused_naming_what_it_drops():
    change = recreate(product(), product(PRODUCT[:3]))
    plan = make_plan((change,), target="t", desired_hash="d", live_fingerprint="l")
    [problem] = destructive_allowed(Situation(plan, Limits()))
    assert "step 1 recreate Product (drops property title)" in problem
    assert destructive_allowed(Situation(plan, Limits(allow_destructive=True))) == []


def test_values_that_do_not_convert_refuse_the_plan_with_the_first_ones_named():
    change = recreate(product(), product([{"name": "sku", "dataType": "int"}, *PRODUCT[1:]]))
    check = ValueCheck("sku", 500, 2, (("u-1", "'12a'", "'12a' is not an integer"),
                                       ("u-2", "'x'", "'x' is not an integer")))
    plan = make_plan((change,), target="t", desired_hash="d", live_fingerprint="l",
                     estimates={"Product": Estimate(500, values=(check,))})
    with pytest.raises(Refused, match=r"2 of 500 value\(s\) do not convert from text to int \(u-1: '12a' is not an "
                                      r"integer, u-2: 'x' is not an integer\); fix the data, or .*onConvertError"):
        api.check_convertible(plan)


def _object(properties, vector=None):
    return SimpleNamespace(uuid=UUID(int=1), properties=properties, vector=vector or {}, references=None)


def test_the_copy_reshapes_an_object_as_the_plan_says():
    own = {"vectorizer": {"module": "none"}}
    live = parse_collection({"name": "Product", "properties": PRODUCT + [{"name": "at", "dataType": "text"}],
                             "vectors": {"a": own}})
    desired = parse_collection({"name": "Product", "vectors": {"c": {**own, "renamedFrom": "a"}}, "properties": [
        {"name": "sku", "dataType": "int"}, {"name": "price", "dataType": "number"},
        {"name": "name", "renamedFrom": "title", "dataType": "text"}, {"name": "at", "dataType": "date"}]})
    reshape = Reshape.of(recreate(live, desired))
    shaped = reshape.apply(_object({"sku": "1195", "price": 3, "title": "t", "at": "2024-01-02T03:04:05+02:00"},
                                   {"a": [0.5]}))
    assert shaped.properties == {"sku": 1195, "price": 3.0, "name": "t",
                                 "at": datetime(2024, 1, 2, 1, 4, 5, tzinfo=timezone.utc)}
    assert shaped.vector == {"c": [0.5]}
    assert reshape.source_property("name") == "title" and reshape.source_vector("c") == "a"
    with pytest.raises(Unconvertible, match="value does not convert: sku = '12a'"):
        reshape.apply(_object({"sku": "12a"}))


@pytest.mark.parametrize("on_error, expected", [("null", {"name": "t"}), ("skipObject", None)])
def test_on_convert_error_keeps_the_object_without_the_value_or_skips_it(on_error, expected):
    desired = product([{"name": "sku", "dataType": "int", "onConvertError": on_error}, PRODUCT[3]])
    shaped = Reshape.of(recreate(product([PRODUCT[0], PRODUCT[3]]), desired)).apply(_object({"sku": "12a",
                                                                                              "name": "t"}))
    assert (shaped.properties if shaped else None) == expected


@pytest.mark.parametrize("file, message", [
    ([{"name": "a", "dataType": "text"}, {"name": "b", "renamedFrom": "a", "dataType": "text"}],
     "renamedFrom a, but the file still has a property a"),
    ([{"name": "b", "renamedFrom": "x", "dataType": "text"}, {"name": "c", "renamedFrom": "x", "dataType": "text"}],
     "b is renamed from x already"),
    ([{"name": "b", "renamedFrom": "b", "dataType": "text"}], "cannot be renamed from its own name"),
])
def test_a_rename_the_file_contradicts_is_invalid(tmp_path, file, message):
    import yaml

    from schemactl.validate import validate_paths

    (tmp_path / "p.yaml").write_text(yaml.safe_dump({"name": "P", "properties": file}))
    result = validate_paths([tmp_path])
    assert not result.ok and any(message in f.message for f in result.findings)


def test_a_nested_property_left_out_of_the_file_is_dropped_from_every_value():
    """Weaviate's auto-schema would add it back to the new version: the copy leaves it out."""
    nested = [{"name": "a", "dataType": "text"},
              {"name": "c", "dataType": "object", "nestedProperties": [{"name": "d", "dataType": "int"},
                                                                      {"name": "e", "dataType": "int"}]}]
    live = product([{"name": "meta", "dataType": "object[]",
                     "nestedProperties": [*nested, {"name": "b", "dataType": "int"}]}])
    kept = [nested[0], {**nested[1], "nestedProperties": nested[1]["nestedProperties"][:1]}]
    change = recreate(live, product([{"name": "meta", "dataType": "object[]", "nestedProperties": kept}]))
    assert change.drops == ["nested property meta.c.e", "nested property meta.b"]
    shaped = Reshape.of(change).apply(_object({"meta": [{"a": "x", "b": 1, "c": {"d": 2, "e": 3}}, {"a": "y"}]}))
    assert shaped.properties == {"meta": [{"a": "x", "c": {"d": 2}}, {"a": "y"}]}


def test_on_convert_error_null_written_bare_in_yaml_means_the_choice_null(tmp_path):
    from schemactl.validate import validate_paths

    (tmp_path / "p.yaml").write_text("name: P\nproperties:\n  - name: sku\n    dataType: int\n"
                                     "    onConvertError: null\n")
    assert validate_paths([tmp_path]).collections["P"].properties[0].onConvertError == "null"


def test_a_reference_gaining_a_target_moves_nothing_and_a_nested_retype_is_refused():
    live = product([{"name": "by", "dataType": "Author"},
                    {"name": "meta", "dataType": "object", "nestedProperties": [{"name": "b", "dataType": "int"}]}])
    desired = product([{"name": "by", "dataType": ["Author", "Editor"]},
                       {"name": "meta", "dataType": "object", "nestedProperties": [{"name": "b", "dataType": "text"}]}])
    change = recreate(live, desired)
    [move] = change.property_moves
    assert move.source == "meta" and move.conversion == "unsupported"
    assert move.reason == "schemactl does not convert nested properties (meta.b: int -> text)"


def test_a_saved_plan_keeps_dropped_nested_properties():
    from schemactl.plan import from_document, to_document

    live = product([{"name": "meta", "dataType": "object", "nestedProperties": [
        {"name": "a", "dataType": "text"}, {"name": "b", "dataType": "int"}]}])
    change = recreate(live, product([{"name": "meta", "dataType": "object",
                                      "nestedProperties": [{"name": "a", "dataType": "text"}]}]))
    plan = make_plan((change,), target="t", desired_hash="d", live_fingerprint="l")
    [step] = from_document(to_document(plan)).steps
    assert step.change == change and step.change.is_destructive()


def test_a_reference_still_naming_an_old_version_of_its_target_is_not_a_retype():
    """Killed between two cutovers: the live reference names Author_v1; the file says Author."""
    live = product([{"name": "by", "dataType": "Author_v1"}, PRODUCT[0]])
    desired = product([{"name": "by", "dataType": "Author"}, PRODUCT[0]])
    [change] = diff({"Product": live}, {"Product": desired})
    assert isinstance(change, RecreateCollection) and change.property_moves == ()


def test_a_renamed_object_property_losing_nested_properties_names_them_in_the_plan():
    from schemactl.render import render_text

    live = product([{"name": "meta", "dataType": "object", "nestedProperties": [
        {"name": "a", "dataType": "text"}, {"name": "b", "dataType": "int"}]}])
    change = recreate(live, product([{"name": "info", "renamedFrom": "meta", "dataType": "object",
                                      "nestedProperties": [{"name": "a", "dataType": "text"}]}]))
    assert change.drops == ["nested property info.b"]
    plan = make_plan((change,), target="t", desired_hash="d", live_fingerprint="l")
    [line] = [line for line in render_text(plan).splitlines() if "property meta" in line]
    assert "meta -> info: renamed, values move to the new name" in line
    assert line.endswith("; nested info.b dropped, its values are not copied (destructive)")


def test_objects_left_out_of_a_collection_that_links_to_itself_refuse_the_plan():
    """Before: the plan was clean, and linking the copies to each other failed halfway (a link to
    an object left out), leaving the new version behind; a resumed apply failed the same way."""
    properties = [*PRODUCT[1:], {"name": "parent", "dataType": "Product"}]
    change = recreate(product([*PRODUCT, {"name": "parent", "dataType": "Product"}]),
                      product([{"name": "sku", "dataType": "int", "onConvertError": "skipObject"}, *properties]))
    plan = make_plan((change,), target="http://x", desired_hash="d", live_fingerprint="l",
                     estimates={"Product": Estimate(10, {}, 0, values=(ValueCheck("sku", 10, 2),))})
    [problem] = guards.convertible(Situation(plan, Limits()))
    assert problem.startswith("Product: onConvertError skipObject leaves out 2 object(s), and references of its "
                              "own objects may point at them")


@pytest.mark.parametrize("on_error, failing, refused", [("skipObject", 3, True), ("skipObject", 0, False),
                                                        ("null", 3, False)])
def test_objects_left_out_of_a_collection_its_referrers_follow_refuse_the_plan(on_error, failing, refused):
    """Before: the plan was clean, the referrer's copy failed halfway (the server refuses a link
    to an object the new version does not hold), and the referenced collection had cut over."""
    change = recreate(product(), product([{"name": "sku", "dataType": "int", "onConvertError": on_error},
                                          *PRODUCT[1:]]))
    order = parse_collection({"name": "Order", "properties": [{"name": "item", "dataType": "Product"}],
                              "vectorizer": {"module": "none"}})
    follows = RecreateCollection("Order", physical="Order_v1", definition=order)
    plan = make_plan((change, follows), target="http://x", desired_hash="d", live_fingerprint="l",
                     estimates={"Product": Estimate(10, {}, 0, values=(ValueCheck("sku", 10, failing),)),
                                "Order": Estimate(5, {}, 0)})
    problems = guards.convertible(Situation(plan, Limits()))
    assert bool(problems) == refused
    if refused:
        assert problems[0].startswith("Product: onConvertError skipObject leaves out 3 object(s), and references of "
                                      "Order may point at them")


def test_a_plan_that_must_read_moved_values_without_grpc_says_what_it_reads_and_how_to_reach_it():
    """Before: the connection error alone, with no hint, from a plan that drops a property on a
    cluster whose gRPC is elsewhere (the docs said only retypes read values)."""
    from schemactl.connection import Target
    from schemactl.errors import SchemactlError
    from schemactl.value_check import value_checks

    change = recreate(product(), product(PRODUCT[:3]))  # drops title
    with pytest.raises(SchemactlError, match=r"^Product: reading the values of title \(renamed, retyped or dropped\) "
                                             r"needs gRPC, which cannot be used: .* \(--grpc-url / WEAVIATE_GRPC_URL"):
        value_checks(None, Target("http://127.0.0.1:9", 10), change, multi_tenant=False)  # type: ignore[arg-type]


def test_a_plan_whose_credentials_the_client_refuses_says_so_not_that_grpc_is_missing(monkeypatch):
    """Before: "needs gRPC, which cannot be used" and the hint to set WEAVIATE_GRPC_URL, for a
    connection the cluster refused for its credentials (an expired token)."""
    from schemactl import value_check
    from schemactl.connection import Target
    from schemactl.errors import ConnectionFailed, SchemactlError

    def refused(target):
        raise ConnectionFailed("cannot use Weaviate at http://x (gRPC at x:50051, from the URL): the token expired",
                               credentials=True)

    monkeypatch.setattr(value_check, "connect", refused)
    change = recreate(product(), product(PRODUCT[:3]))
    with pytest.raises(SchemactlError, match=r"^Product: reading the values of title \(renamed, retyped or dropped\) "
                                             r"was refused: cannot use Weaviate at .*: the token expired$"):
        value_check.value_checks(None, Target("http://x", 10), change, multi_tenant=False)  # type: ignore[arg-type]


def test_only_the_text_a_re_embedded_vector_reads_is_counted_as_text_to_embed():
    """Before: every text property counted, whichever vector re-embedded (12,074 characters
    estimated where 2,847 were sent)."""
    from schemactl.planning import embedded_text

    def vectors(title_url: str, title_source: str = "title"):
        hf = {"vectorizer": {**HF, "endpointURL": title_url}, "sourceProperties": [title_source]}
        return {"title_vector": hf, "all_vector": {"vectorizer": HF}}

    live = _vectors(**vectors("http://127.0.0.1:1/models/a"))
    change = recreate(live, _vectors(**vectors("http://127.0.0.1:1/models/b")))
    assert [(v.name, v.action) for v in change.vectors] == [("all_vector", "reuse"), ("title_vector", "re-embed")]
    assert embedded_text(change, live) == ["title"]
    renamed = parse_collection({"name": "Product", "vectors": vectors("http://127.0.0.1:1/models/b", "name"),
                                "properties": [*PRODUCT[:3], {"name": "name", "renamedFrom": "title",
                                                              "dataType": "text"}]})
    # the rename re-embeds all_vector too (its text joins the properties in another order); title by its live name
    assert embedded_text(recreate(live, renamed), live) == ["sku", "legacy", "title", "title"]
    whole = recreate(product(vectorizer=HF), product(vectorizer={**HF, "endpointURL": "http://127.0.0.1:1/models/b"}))
    assert embedded_text(whole, product(vectorizer=HF)) == ["sku", "legacy", "title"]


def test_a_rename_from_a_name_the_cluster_never_had_is_warned_of():
    """Before: `{name: summary, renamedFrom: sumary}` planned `summary` as an added property with
    no word of the rename that did nothing."""
    from schemactl.live import LiveState
    from schemactl.plan_warnings import _renamed_from_nowhere

    live = LiveState("1.39.3", {"Product": product()}, {"Product": "Product_v1"}, {}, {})
    misspelt = product(properties=[*PRODUCT, {"name": "summary", "dataType": "text", "renamedFrom": "sumary"}])
    assert _renamed_from_nowhere(live, {"Product": misspelt}) == (
        ("Product.summary: renamedFrom sumary names no property Product has, nor has it summary: it is added empty "
        "(a misspelt old name?)"),)
    done = product(properties=[{**p, "renamedFrom": "old"} if p["name"] == "sku" else p for p in PRODUCT])
    assert _renamed_from_nowhere(live, {"Product": done}) == ()  # applied: the new name is there
