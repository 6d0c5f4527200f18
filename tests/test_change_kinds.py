"""Every change kind is complete: declared once in its class (rank, summary bucket, mechanism),
with an executor, a renderer and a permission rule, and a saved plan gives it back unchanged.
A new kind that misses one fails here, not in a user's apply."""
from __future__ import annotations

import dataclasses
import re
import typing

import pytest

from schemactl.apply.executor import execute
from schemactl.changes import CHANGE_TYPES
from schemactl.permissions import NEEDS
from schemactl.plan import BUCKETS, CODECS, from_document, to_document, _StepDoc
from schemactl.render import describe
from tests.test_review import every_kind_plan

KINDS = pytest.mark.parametrize("kind", CHANGE_TYPES, ids=lambda k: k.__name__)


@KINDS
def test_every_kind_declares_where_it_goes_and_what_it_asks_of_the_server(kind):
    assert kind.kind and kind.symbol and kind.how
    assert kind.bucket in BUCKETS
    assert isinstance(kind.rank, (int, float))


@KINDS
def test_every_kind_has_an_executor_a_renderer_and_a_permission_rule(kind):
    assert kind in execute.registry or not kind.executable
    assert kind in describe.registry
    assert kind in NEEDS


@KINDS
def test_every_field_of_every_kind_is_saved(kind):
    saved = {codec.attribute for codec in CODECS}
    assert {f.name for f in dataclasses.fields(kind)} - {"collection"} <= saved


def test_a_saved_plan_reads_back_the_same_changes():
    plan = every_kind_plan()
    assert {type(s.change) for s in plan.steps} == set(CHANGE_TYPES)  # the fixture holds every kind
    again = from_document(to_document(plan))
    assert [s.change for s in again.steps] == [s.change for s in plan.steps]
    assert to_document(again)["steps"] == to_document(plan)["steps"]


def test_the_saved_plan_format_names_every_kind():
    literal = typing.get_type_hints(_StepDoc)["kind"]
    assert set(typing.get_args(literal)) == {k.kind for k in CHANGE_TYPES}


def test_a_saved_plan_another_release_wrote_differently_names_that_release():
    from schemactl import __version__
    from schemactl.plan import PlanFileInvalid, checksum

    document = to_document(every_kind_plan())
    assert from_document(document).made_by == __version__
    earlier = {**document, "schemactl_version": "0.0.1"}
    assert from_document({**earlier, "checksum": checksum(earlier)}).made_by == "0.0.1"
    document["steps"][0]["kind"] = "a-kind-of-a-later-release"
    document["schemactl_version"] = "9.9.9"
    document["checksum"] = checksum(document)
    with pytest.raises(PlanFileInvalid, match=rf"\(it was made by schemactl 9\.9\.9, this is {re.escape(__version__)}: "
                                              "plan again with this one\\)"):
        from_document(document)
