"""Plans for review: the markdown PR comment (golden file) and policies with expiring overrides."""
from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from schemactl.changes import (CHANGE_TYPES, AddNamedVector, AddProperty, CreateCollection, DeleteCollection,
                               DiscardCopy, FieldChange, FinishHandOver, IndexOperation, PropertyMove, RecreateCollection,
                               ReindexProperty, ScaleReplication, UpdateInPlace, VectorMove)
from schemactl.markdown import mechanism, render_markdown
from schemactl.plan import Estimate, ValueCheck, make_plan
from schemactl.policy import PolicyInvalid, blocking, change_name, check, load
from schemactl.validate import parse_collection

GOLDEN = Path(__file__).parent / "cases" / "plan-every-kind.md"
TODAY = date(2026, 11, 27)


def _collection(name: str, **extra):
    return parse_collection({"name": name, "properties": [{"name": "t", "dataType": "text"}],
                             "vectorizer": {"module": "text2vec-huggingface", "model": "org/m"}, **extra})


def every_kind_plan(price: float | None = 0.02):
    article, note = _collection("Article"), _collection("Note")
    vector = parse_collection({"name": "X", "vectors": {"v": {"vectorizer": {"module": "none"}}}}).vectors["v"]
    prop = article.properties[0]
    changes = (
        CreateCollection("Author", _collection("Author")),
        AddProperty("Note", prop),
        AddNamedVector("Product", "sku", vector),
        UpdateInPlace("Note", fields=(FieldChange("vectorIndexConfig.ef", -1, 77),), definition=note),
        ReindexProperty("Note", property_name="t", operations=(IndexOperation("searchable", "retokenize", "word"),),
                        fields=(FieldChange("properties.t.tokenization", "field", "word"),), definition=note),
        ScaleReplication("Doc", physical="Doc_v1", fields=(FieldChange("replicationConfig.factor", 1, 3),),
                         definition=_collection("Doc", replicationConfig={"factor": 3})),
        RecreateCollection("Article", physical="Article_v1",
                           reasons=(FieldChange("vectorizer.model", "org/a", "org/m"),),
                           fields=(FieldChange("vectorizer.model", "org/a", "org/m"),),
                           vectors=(VectorMove("default", "re-embed", "model changed"),), definition=article),
        RecreateCollection("Review", physical="Review_v2",
                           reasons=(FieldChange("vectorIndexConfig.distance", "cosine", "dot"),),
                           fields=(FieldChange("vectorIndexConfig.distance", "cosine", "dot"),),
                           vectors=(VectorMove("default", "reuse", "unchanged"),), definition=_collection("Review")),
        DeleteCollection("Old", physical="Old_v3"),
        FinishHandOver("Tenanted", physical="Tenanted_v1", target="Tenanted_v2", auto_activation=True),
        FinishHandOver("Renamed", physical="Legacy_v2", target="Renamed_v1", old_alias="Legacy", multi_tenant=False),
        DiscardCopy("Stopped", physical="Stopped_v1", target="Stopped_v2"),
        RecreateCollection("Item", physical="Item_v1",
                           reasons=(FieldChange("properties.sku.dataType", ["text"], ["int"]),
                                    FieldChange("properties.legacy", ["text"], None)),
                           fields=(FieldChange("properties.sku.dataType", ["text"], ["int"]),
                                   FieldChange("properties.legacy", ["text"], None)),
                           vectors=(VectorMove("default", "reuse", "vectorization unchanged"),),
                           definition=_collection("Item"),
                           property_moves=(PropertyMove("legacy", None, "text", None),
                                           PropertyMove("sku", "sku", "text", "int", "parsing"))),
    )
    estimates = {"Article": Estimate(90_000, {}, 4_000_000, texts_per_second=50.0),
                 "Review": Estimate(1_200, {}, 0),
                 "Item": Estimate(500, {}, 0, values=(ValueCheck("legacy", 312), ValueCheck("sku", 500)))}
    return make_plan(changes, target="http://weaviate:8080", desired_hash="d", live_fingerprint="l",
                     estimates=estimates, price_per_1k_texts=price, unmanaged=("Scratch",),
                     warnings=(("node node3 is UNAVAILABLE: apply refuses to move the data of Article until every "
                               "node is back"),))


def test_the_markdown_comment_matches_the_golden_file():
    """Regenerate with SCHEMACTL_UPDATE_GOLDEN=1 after a deliberate change, and review the diff."""
    text = render_markdown(every_kind_plan(), (("recreate Article (re-embed) re-embeds 90,000 objects, more "
                                               "than the policy's maxReembedObjects 10,000"),))
    if os.environ.get("SCHEMACTL_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_the_markdown_comment_says_what_a_reviewer_decides_from():
    text = render_markdown(every_kind_plan())
    first_heading = text.index("#### ")
    assert text.index("> **Warning:** node node3") < first_heading  # warnings before any change
    assert ("| 10 | recreate, re-embed | 90,000 | 90,000 | ~30 min | ~$1.80 |" in text)
    assert "| 12 | recreate, reuse vectors | 1,200 | 0 | — | — |" in text
    assert "| 11 | recreate, reuse vectors (destructive) | 500 | 0 | — | — |" in text
    assert text.count("<details>") == len({s.change.collection for s in every_kind_plan().steps})
    assert "created_at" not in text and text == render_markdown(every_kind_plan())  # stable


@pytest.mark.parametrize("kind", CHANGE_TYPES, ids=lambda k: k.__name__)
def test_every_change_kind_has_a_mechanism_and_is_in_the_golden_plan(kind):
    plan = every_kind_plan()
    [change] = [s.change for s in plan.steps if type(s.change) is kind][:1]
    assert mechanism(change)


def _policy(tmp_path, text: str):
    path = tmp_path / "schemactl.yaml"
    path.write_text(text)
    return load(path, TODAY)


def test_a_plan_within_the_limits_passes(tmp_path):
    policy = _policy(tmp_path, "policy:\n  maxReembedObjects: 100000\n  maxReembedCost: 5\n")
    assert check(every_kind_plan(), policy, TODAY) == []


def test_limits_broken_are_named_with_the_override_that_would_allow_them(tmp_path):
    policy = _policy(tmp_path, "policy:\n  allowDestructive: false\n  maxReembedObjects: 10000\n"
                               "  maxReembedCost: 1\n")
    found = {f.change: f.describe() for f in check(every_kind_plan(), policy, TODAY)}
    assert set(found) == {"delete Old", "recreate Article (re-embed)", "recreate Item (reuse)"}
    assert "delete Old is destructive" in found["delete Old"]
    assert "recreate Item (reuse) is destructive" in found["recreate Item (reuse)"]  # it drops a property
    reembed = [f.describe() for f in check(every_kind_plan(), policy, TODAY)
               if f.change.startswith("recreate Article")]
    assert any("more than the policy's maxReembedObjects 10,000" in r for r in reembed)
    assert any("costs ~$1.80 to re-embed (at --embedding-price), more than the policy's maxReembedCost $1.00" in r
               for r in reembed)
    assert all(r.endswith("(override: `recreate Article (re-embed)`)") for r in reembed)


def test_a_collection_limit_overrides_the_global_one(tmp_path):
    policy = _policy(tmp_path, "policy:\n  maxReembedObjects: 10\n  collections:\n    Article:\n"
                               "      maxReembedObjects: 100000\n")
    assert check(every_kind_plan(), policy, TODAY) == []


def test_an_override_allows_one_change_until_its_date_and_not_after(tmp_path):
    text = ("policy:\n  maxReembedObjects: 10000\noverrides:\n  - change: recreate Article (re-embed)\n"
            "    until: 2026-12-01\n    reason: new model, approved in review\n")
    policy = _policy(tmp_path, text)
    [allowed] = check(every_kind_plan(), policy, TODAY)
    assert not blocking([allowed])
    assert "allowed until 2026-12-01 by the override for `recreate Article (re-embed)`" in allowed.describe()
    later = TODAY + timedelta(days=5)
    [expired] = check(every_kind_plan(), load(tmp_path / "schemactl.yaml", later), later)
    assert blocking([expired])
    assert "the override for `recreate Article (re-embed)` expired on 2026-12-01" in expired.describe()


def test_an_override_may_not_be_dated_more_than_30_days_ahead(tmp_path):
    text = "overrides:\n  - change: delete Old\n    until: 2027-01-15\n    reason: cleanup\n"
    with pytest.raises(PolicyInvalid, match=r"schemactl.yaml:3:5: overrides.0 \(delete Old\) is dated 2027-01-15, "
                                            r"more than 30 days ahead \(latest 2026-12-27\)"):
        _policy(tmp_path, text)


def test_a_policy_with_an_unknown_key_or_no_reason_is_refused_with_its_place(tmp_path):
    with pytest.raises(PolicyInvalid, match="schemactl.yaml:2:3: policy.maxReembed: Extra inputs are not permitted"):
        _policy(tmp_path, "policy:\n  maxReembed: 3\n")
    with pytest.raises(PolicyInvalid, match="schemactl.yaml:2:5: overrides.0.reason: Field required"):
        _policy(tmp_path, "overrides:\n  - change: delete Old\n    until: 2026-12-01\n")
    with pytest.raises(PolicyInvalid, match="schemactl.yaml:2:1: cannot read the policy: YAML syntax error"):
        _policy(tmp_path, "policy: [\n")


def test_without_a_price_a_cost_limit_asks_for_one(tmp_path):
    policy = _policy(tmp_path, "policy:\n  maxReembedCost: 100\n")
    [finding] = check(every_kind_plan(price=None), policy, TODAY)
    assert "give --embedding-price, or embeddingPrice in the policy, so it can be checked" in finding.describe()


def test_the_policys_embedding_price_is_the_one_its_cost_limit_uses(tmp_path):
    policy = _policy(tmp_path, "policy:\n  maxReembedCost: 1\n  embeddingPrice: 0.02\n")
    for price in (None, 0.0, 0.001):  # none given, or a plan's price edited down: the policy's still counts
        [finding] = check(every_kind_plan(price=price), policy, TODAY)
        assert "costs ~$1.80 to re-embed (at the policy's embeddingPrice), more than the policy's maxReembedCost" \
            in finding.describe()
    assert check(every_kind_plan(price=0.02), _policy(tmp_path, "policy:\n  maxReembedCost: 1\n  "
                                                                 "embeddingPrice: 0.001\n"), TODAY) == []


def test_change_names_are_what_overrides_use():
    names = [change_name(s.change) for s in every_kind_plan().steps]
    assert "recreate Article (re-embed)" in names and "recreate Review (reuse)" in names
    assert "delete Old" in names and "scale-replication Doc" in names


def test_every_plan_document_matches_the_published_plan_schema():
    import json

    import jsonschema

    from schemactl.jsonschema_export import PLAN_SHIPPED, render
    from schemactl.render import render_json

    assert PLAN_SHIPPED.read_text() == render(plan=True)  # the shipped copy is current
    schema = json.loads(PLAN_SHIPPED.read_text())
    document = json.loads(render_json(every_kind_plan()))
    jsonschema.Draft202012Validator(schema).validate(document)
    document["steps"][0]["kind"] = "drop-everything"
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(document))


def test_the_plan_schema_command_prints_the_shipped_copy():
    from click.testing import CliRunner

    from schemactl.cli import cli
    from schemactl.jsonschema_export import PLAN_SHIPPED

    result = CliRunner().invoke(cli, ["jsonschema", "--plan"])
    assert result.exit_code == 0 and result.stdout == PLAN_SHIPPED.read_text()


def test_require_fresh_plan_takes_only_a_recent_saved_plan(tmp_path):
    from datetime import datetime, timezone

    from schemactl.policy import unreviewed

    now = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)
    strict = _policy(tmp_path, "policy:\n  requireFreshPlan: true\n  maxPlanAgeDays: 3\n")
    assert "requires a reviewed plan" in unreviewed(strict, False, now.isoformat(), now)
    assert unreviewed(strict, True, "2026-11-25T09:00:00+00:00", now) is None
    stale = unreviewed(strict, True, "2026-11-20T09:00:00+00:00", now)
    assert "made 2026-11-20, more than maxPlanAgeDays (3) ago" in stale
    assert unreviewed(_policy(tmp_path, "policy: {}\n"), False, "", now) is None


def test_a_cost_below_a_cent_is_not_shown_as_nothing():
    from schemactl.plan import dollars

    assert [dollars(x) for x in (0, 0.0024, 0.001, 0.0000123, 0.00999, 1.5, 1234.567)] == [
        "$0.00", "$0.0024", "$0.001", "$0.000012", "$0.01", "$1.50", "$1,234.57"]


def test_the_policys_embedding_price_is_the_price_a_plan_is_shown_at_unless_one_is_given(tmp_path):
    """Before: the policy's embeddingPrice decided maxReembedCost, but the plan showed no cost."""
    from types import SimpleNamespace

    from schemactl.cli import price_of_embedding
    from schemactl.environments import Chosen, Environment

    policy = tmp_path / "schemactl.yaml"
    policy.write_text("policy:\n  embeddingPrice: 0.02\nenvironments:\n  prod:\n    policy:\n"
                      "      embeddingPrice: 0.05\n")
    plain, prod = SimpleNamespace(environment=None), SimpleNamespace(environment=Chosen("prod", Environment()))
    assert price_of_embedding(None, policy, plain) == 0.02
    assert price_of_embedding(None, policy, prod) == 0.05
    assert price_of_embedding(0.1, policy, plain) == 0.1
