"""Several aliases at one collection: schemactl's own names it, the others are named as the
application's and never taken for collections."""
import pytest

from schemactl.changes import DeleteCollection, RecreateCollection
from schemactl.errors import SchemactlError
from schemactl.extra_aliases import plan_warnings, refuse_files_naming, what_it_is
from schemactl.live import naming_aliases, resolve
from schemactl.rest_json import to_rest
from schemactl.validate import parse_collection


def _classes(*names: str) -> dict[str, dict]:
    return {n: to_rest(parse_collection({"name": n, "vectorizer": {"module": "none"}})) for n in names}


@pytest.mark.parametrize("aliases", [
    {"Alpha": "Docs_v1", "Docs": "Docs_v1", "Zeta": "Docs_v1"},
    {"Zeta": "Docs_v1", "Docs": "Docs_v1", "Alpha": "Docs_v1"},  # whatever order the server lists them in
])
def test_schemactls_own_alias_names_the_collection_whichever_others_point_at_it(aliases):
    live = resolve("1.39.3", _classes("Docs_v1"), aliases)
    assert live.physical == {"Docs": "Docs_v1"} and set(live.collections) == {"Docs"}
    assert live.aliases == {"Docs": "Docs_v1"}
    assert live.extra_aliases == {"Alpha": "Docs_v1", "Zeta": "Docs_v1"}
    assert live.every_alias == aliases


def test_an_alias_at_an_earlier_version_leaves_it_an_earlier_version():
    live = resolve("1.39.3", _classes("Docs_v1", "Docs_v2"), {"Docs": "Docs_v2", "Zeta": "Docs_v1"})
    assert live.physical == {"Docs": "Docs_v2"} and live.retained == {"Docs": ("Docs_v1",)}
    assert live.extra_aliases == {"Zeta": "Docs_v1"}


def test_an_applications_own_aliases_at_its_own_collection_name_it_by_the_first():
    assert naming_aliases({"News": "Articles", "Feed": "Articles", "Mine": "Other", "Gone": "Nothing"},
                          {"Articles", "Other"}) == ({"Feed": "Articles", "Mine": "Other"},
                                                     {"News": "Articles", "Gone": "Nothing"})


def _docs():
    return parse_collection({"name": "Docs", "vectorizer": {"module": "none"}})


def test_each_extra_alias_is_named_with_what_the_plan_does_to_its_collection():
    live = resolve("1.39.3", _classes("Docs_v1", "Docs_v2", "Other_v1"),
                   {"Docs": "Docs_v2", "Zeta": "Docs_v2", "Old": "Docs_v1", "Gone": "Nothing_v1", "Other": "Other_v1",
                    "Also": "Other_v1"})
    recreate = RecreateCollection("Docs", physical="Docs_v2", definition=_docs())
    said = plan_warnings(live, [recreate, DeleteCollection("Other", physical="Other_v1")])
    assert said == (
        ("alias Also also points at Other_v1, the collection Other; schemactl leaves it as it is: deleting Other "
        "leaves Also pointing at nothing"),
        "alias Gone points at Nothing_v1, which does not exist",
        ("alias Old points at Docs_v1, an earlier version of Docs kept for rollback: drop-old-versions keeps it while "
        "the alias does"),
        ("alias Zeta also points at Docs_v2, the collection Docs; schemactl leaves it as it is: this plan's recreate "
        "moves only the alias Docs, so Zeta keeps serving Docs_v2, read-only from the cutover (point it at the new "
        "version yourself)"))
    assert plan_warnings(resolve("1.39.3", _classes("Docs_v1"), {"Docs": "Docs_v1"}), [recreate]) == ()


def test_a_file_named_as_an_applications_alias_is_refused_before_anything_is_planned():
    live = resolve("1.39.3", _classes("Docs_v1"), {"Docs": "Docs_v1", "Zeta": "Docs_v1", "Gone": "Gone_v1"})
    refuse_files_naming(live, ["Docs", "Other"])
    with pytest.raises(SchemactlError, match="zeta: the alias Zeta points at Docs_v1; a collection cannot take an "
                                             "alias's name"):
        refuse_files_naming(live, ["Docs", "zeta"])
    with pytest.raises(SchemactlError, match="Gone: the alias Gone points at Gone_v1, which does not exist;"):
        refuse_files_naming(live, ["Gone"])


def test_a_file_named_as_a_collection_an_alias_of_another_name_serves_is_refused():
    live = resolve("1.39.3", _classes("Docs"), {"Zeta": "Docs"})  # made outside schemactl, the application's alias
    assert set(live.collections) == {"Zeta"}
    refuse_files_naming(live, ["Zeta"])
    with pytest.raises(SchemactlError, match="Docs: the cluster's collection Docs is served by the alias Zeta, which "
                                             "names it here: declare it as Zeta, or delete the alias"):
        refuse_files_naming(live, ["Docs"])


def test_an_alias_left_at_a_multi_tenant_collection_is_told_its_tenants_go_to_sleep():
    live = resolve("1.39.3", _classes("Mt_v1"), {"Mt": "Mt_v1", "Zeta": "Mt_v1"})
    definition = parse_collection({"name": "Mt", "vectorizer": {"module": "none"}, "multiTenancyConfig": {"enabled": True}})
    [said] = plan_warnings(live, [RecreateCollection("Mt", physical="Mt_v1", definition=definition)])
    assert "so Zeta keeps serving Mt_v1, read-only, its tenants asleep from the cutover" in said


def test_an_applications_alias_asked_for_by_name_says_what_it_points_at():
    live = resolve("1.39.3", _classes("Docs_v1"), {"Docs": "Docs_v1", "Zeta": "Docs_v1"})
    assert what_it_is(live, "Zeta") == ("alias Zeta also points at Docs_v1, the collection Docs; schemactl leaves it "
                                        "as it is")
    assert what_it_is(live, "Docs") == "" and what_it_is(live, "Other") == ""
