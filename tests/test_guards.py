"""The guards run for every caller of the library, not only for the CLI: a Python caller of
api.apply is refused exactly as `schemactl apply` is, before anything reaches the cluster."""
from __future__ import annotations

import pytest

from schemactl import api
from schemactl.changes import DeleteCollection
from schemactl.connection import Target
from schemactl.apply.guards import GUARDS, Limits, Refused
from schemactl.plan import make_plan, to_document

NOWHERE = Target("http://127.0.0.1:9")  # nothing listens: a guard that reached the cluster would fail otherwise


def deleting_plan():
    return make_plan((DeleteCollection("Old", "Old_v1"),), target=NOWHERE.cluster, desired_hash="d",
                     live_fingerprint="l")


def test_a_python_caller_of_apply_is_refused_a_destructive_step_before_the_cluster_is_reached():
    plan = deleting_plan()
    with pytest.raises(Refused, match=r"destructive steps need --allow-destructive: step 1 delete Old; "
                                      r"nothing was applied"):
        api.apply(plan, to_document(plan)["checksum"], NOWHERE)


def test_a_python_caller_of_apply_is_held_to_the_policy_file(tmp_path):
    policy = tmp_path / "schemactl.yaml"
    policy.write_text("policy:\n  allowDestructive: false\n")
    plan = deleting_plan()
    options = api.ApplyOptions(limits=Limits(allow_destructive=True, policy=policy))
    with pytest.raises(Refused, match="refused by the policy in"):
        api.apply(plan, to_document(plan)["checksum"], NOWHERE, options)


def test_allowed_plan_guards_let_the_plan_through_to_the_cluster():
    plan = deleting_plan()
    api.check_plan(plan, Limits(allow_destructive=True))  # no refusal


def test_the_guards_run_in_stage_order():
    stages = [stage for stage, _ in GUARDS]
    assert stages == sorted(stages, key=["target", "plan", "cluster", "locked"].index)


def test_plan_refuses_only_what_it_is_asked_to_limit():
    """A plan changes nothing: a destructive step is shown, not refused; --max-reembed refuses."""
    api.check_reembedding(deleting_plan(), None)
    api.check_reembedding(deleting_plan(), 0)  # nothing re-embedded


def reembedding_plan(objects: int):
    from schemactl.diff import diff
    from schemactl.plan import Estimate
    from schemactl.validate import parse_collection

    def article(model: str):
        return parse_collection({"name": "Article", "properties": [{"name": "t", "dataType": "text"}],
                                 "vectorizer": {"module": "text2vec-huggingface", "model": model}})
    changes = diff({"Article": article("org/a")}, {"Article": article("org/b")}, physical={"Article": "Article_v1"})
    return make_plan(changes, target=NOWHERE.cluster, desired_hash="d", live_fingerprint="l",
                     estimates={"Article": Estimate(objects, {}, objects * 10)})


def test_max_reembed_refuses_a_plan_without_saying_nothing_was_applied_as_apply_does():
    plan = reembedding_plan(300)
    with pytest.raises(Refused) as planned:
        api.check_reembedding(plan, 299)
    assert str(planned.value) == "this plan re-embeds 300 objects, more than --max-reembed 299"
    with pytest.raises(Refused) as applied:
        api.check_plan(plan, Limits(max_reembed=299))
    assert str(applied.value) == "this plan re-embeds 300 objects, more than --max-reembed 299; nothing was applied"
    api.check_reembedding(plan, 300)
