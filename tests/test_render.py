"""Rendering: every change type has a renderer; colours only when asked."""
from __future__ import annotations


from schemactl.changes import CreateCollection
from schemactl.diff import diff
from schemactl.plan import make_plan
from schemactl.render import IN_SYNC, render_json, render_text
from schemactl.validate import parse_collection

ARTICLE = parse_collection({"name": "Article", "properties": [{"name": "t", "dataType": "text"}],
                            "vectorizer": {"module": "none"}})


def plan_of(changes):
    return make_plan(changes, target="http://x", desired_hash="d", live_fingerprint="l")


def test_colour_only_when_asked():
    plan = plan_of(diff({}, {"Article": ARTICLE}))
    assert "\x1b[" in render_text(plan, color=True)
    assert "\x1b[" not in render_text(plan, color=False)
    assert render_text(plan).splitlines()[-1] == \
        "Plan: 1 collection in 1 step: 1 to create, 0 to change in place, 0 to recreate, 0 to delete."


def test_the_summary_counts_each_collection_once_and_says_how_many_steps_change_them():
    """Before: "Plan: 1 to create, 3 to change in place, ..." for one collection changed in place by
    three steps (and one created): the counts were of steps, read as collections."""
    from schemactl.changes import AddProperty, FieldChange, ReindexProperty, UpdateInPlace
    from schemactl.plan import BUCKETS, summary

    note = ARTICLE.model_copy(update={"name": "Note"})
    plan = plan_of((CreateCollection("Author", ARTICLE.model_copy(update={"name": "Author"})),
                    AddProperty("Note", parse_collection({"name": "X", "properties": [{"name": "u", "dataType": "int"}]})
                                .properties[0]),
                    UpdateInPlace("Note", fields=(FieldChange("vectorIndexConfig.ef", -1, 77),), definition=note),
                    ReindexProperty("Note", property_name="t", fields=(), definition=note)))
    assert render_text(plan).splitlines()[-1] == \
        "Plan: 2 collections in 4 steps: 1 to create, 1 to change in place, 0 to recreate, 0 to delete."
    assert [summary(plan)[b] for b in BUCKETS] == [1, 3, 0, 0]  # the saved plan's counts stay those of steps


def test_in_sync_message_and_json():
    plan = plan_of(diff({"Article": ARTICLE}, {"Article": ARTICLE}))
    assert render_text(plan) == IN_SYNC + "\n"
    assert '"steps": []' in render_json(plan)


def test_a_recreate_forced_by_references_says_which_collection_it_follows():
    author = parse_collection({"name": "Author", "vectorizer": {"module": "none"}})
    article = parse_collection({"name": "Article", "properties": [{"name": "by", "dataType": "Author"}],
                                "vectorizer": {"module": "none"}})
    moved = parse_collection({"name": "Author", "vectorizer": {"module": "none"},
                              "vectorIndexConfig": {"distance": "dot"}})
    text = render_text(plan_of(diff({"Author": author, "Article": article}, {"Author": moved, "Article": article},
                                    physical={"Author": "Author_v1", "Article": "Article_v1"})))
    assert "recreate: its references must follow Author to the new version;" in text
    assert 'references.Author: "Author_v1" -> "the new version of Author"   # forces recreation' in text


def test_a_long_list_of_unmanaged_collections_is_cut_short_in_text_but_whole_in_json():
    import json

    names = tuple(f"C{i:03}" for i in range(25))
    plan = make_plan((), target="http://x", desired_hash="d", live_fingerprint="l", unmanaged=names)
    assert "left alone unless planned with --prune): C000, C001," in render_text(plan)
    assert "C019 and 5 more (--json lists them all)" in render_text(plan)
    assert "C020" not in render_text(plan)
    assert json.loads(render_json(plan))["unmanaged"] == list(names)


def test_collections_it_cannot_represent_survive_a_saved_plan_and_are_never_called_in_sync():
    import json

    from schemactl.plan import from_document, to_document

    hidden = {"OpenAiDocs": "vectorizer: module text2vec-openai is not supported yet"}
    plan = make_plan((), target="http://x", desired_hash="d", live_fingerprint="l", unmanageable=hidden)
    text = render_text(plan)
    assert IN_SYNC not in text
    assert "  ! OpenAiDocs: vectorizer: module text2vec-openai is not supported yet" in text
    again = from_document(json.loads(json.dumps(to_document(plan))))
    assert again.unmanageable == (("OpenAiDocs", hidden["OpenAiDocs"]),)


def test_a_large_re_embed_shows_the_time_the_modules_request_budget_needs_at_least():
    import json

    from schemactl.plan import Estimate

    def hf(model: str):
        return parse_collection({"name": "Article", "properties": [{"name": "t", "dataType": "text"}],
                                 "vectorizer": {"module": "text2vec-huggingface", "model": model}})
    changes = diff({"Article": hf("org/a")}, {"Article": hf("org/b")}, physical={"Article": "Article_v1"})
    plan = make_plan(changes, target="http://x", desired_hash="d", live_fingerprint="l",
                     estimates={"Article": Estimate(1_000_000, {}, 50_000_000)})
    # 1,000,000 texts, 100 a request, 100 requests a minute per key: 100 minutes at the very least
    assert "in 10,000 requests (at least 100 min: the module allows 100 requests a minute" in render_text(plan)
    assert json.loads(render_json(plan))["steps"][0]["estimate"]["minimum_embedding_seconds"] == 6000


def _hf_model_change():
    def hf(model: str):
        return parse_collection({"name": "Article", "properties": [{"name": "t", "dataType": "text"}],
                                 "vectorizer": {"module": "text2vec-huggingface", "model": model}})
    return diff({"Article": hf("org/a")}, {"Article": hf("org/b")}, physical={"Article": "Article_v1"})


def test_a_measured_rate_and_a_price_give_time_and_cost_and_survive_a_saved_plan():
    import json

    from schemactl.plan import Estimate, from_document, to_document

    plan = make_plan(_hf_model_change(), target="http://x", desired_hash="d", live_fingerprint="l",
                     estimates={"Article": Estimate(90_000, {}, 4_000_000, texts_per_second=50.0)},
                     price_per_1k_texts=0.02)
    text = render_text(plan)
    # 90,000 texts at 50/s = 30 min, above the 15 min the request budget allows at least
    assert "embedding: 90,000 texts, ~30 min (measured 50 texts/s on the probe's sample), ~$1.80 at $0.02" in text
    assert "(re-embed 90,000 objects, ~30 min, ~$1.80; reuse vectors for 0)" in text
    document = to_document(plan)
    assert document["summary"]["estimated_embedding_seconds"] == 1800
    assert document["summary"]["estimated_cost"] == 1.8
    again = from_document(json.loads(json.dumps(document)))
    assert to_document(again)["steps"] == document["steps"]


def test_the_request_budget_is_the_floor_when_the_endpoint_is_faster_than_it_allows():
    from schemactl.plan import Estimate

    plan = make_plan(_hf_model_change(), target="http://x", desired_hash="d", live_fingerprint="l",
                     estimates={"Article": Estimate(600_000, {}, 1, texts_per_second=10_000.0)})
    # 600,000 texts = 6,000 requests at 100 a minute: 60 min, though the endpoint does them in 1 min
    assert plan.steps[0].estimated_seconds == 3600


def test_without_a_measured_rate_the_plan_says_the_time_is_unknown_and_how_to_measure_it():
    from schemactl.plan import Estimate, summary

    plan = make_plan(_hf_model_change(), target="http://x", desired_hash="d", live_fingerprint="l",
                     estimates={"Article": Estimate(500, {}, 1)}, price_per_1k_texts=0.1)
    assert "embedding: 500 texts; time unknown (plan --probe measures the rate), ~$0.05 at $0.1" in render_text(plan)
    assert summary(plan)["estimated_embedding_seconds"] is None


def test_a_version_no_alias_ever_served_is_not_offered_for_rollback():
    plan = make_plan((), target="http://x", desired_hash="d", live_fingerprint="l", retained=("Doc_v1",),
                     unfinished=("Doc_v3",))
    text = render_text(plan)
    assert "Kept for rollback: Doc_v1\n" in text
    assert "not a rollback target" in text and text.rstrip().endswith("Doc_v3")


def test_a_plan_says_how_many_tenants_asleep_its_object_count_leaves_out():
    from schemactl.changes import FieldChange, RecreateCollection
    from schemactl.plan import Estimate, from_document, make_plan, to_document
    from schemactl.validate import parse_collection

    docs = parse_collection({"name": "Docs", "vectorizer": {"module": "none"}, "multiTenancyConfig": {"enabled": True}})
    change = RecreateCollection("Docs", physical="Docs_v1", definition=docs,
                                reasons=(FieldChange("vectorIndexConfig.distance", "cosine", "dot"),))
    estimate = Estimate(200, {f"t{i}": 200 // 43 for i in range(43)}, asleep_tenants=22)
    plan = make_plan((change,), target="t", desired_hash="d", live_fingerprint="l", estimates={"Docs": estimate})
    assert "data: 200 objects in 43 tenants awake, and 22 tenant(s) asleep not counted (reading them would wake " \
           "them; the copy moves them too)" in render_text(plan)
    assert from_document(to_document(plan)).steps[0].estimate.asleep_tenants == 22


def test_a_recreate_says_whether_its_name_becomes_an_alias_or_the_alias_moves():
    from schemactl.changes import FieldChange, RecreateCollection
    from schemactl.plan import make_plan
    from schemactl.validate import parse_collection

    doc = parse_collection({"name": "Doc", "vectorizer": {"module": "none"}})
    reasons = (FieldChange("vectorIndexConfig.distance", "cosine", "dot"),)
    left = doc.model_copy(update={"renamedFrom": "Memo"})  # a rename done long ago, still in the file
    for physical, definition, said in (("Doc_v1", doc, "the alias 'Doc' moves to it"),
                                       ("Doc_v2", left, "the alias 'Doc' moves to it"),
                                       ("Doc", doc, "'Doc' becomes an alias to it"),
                                       ("Memo_v1", left, "'Doc' becomes an alias to it"),
                                       ("Doc2024", doc, "the alias 'Doc' moves to it")):  # a hand-made alias
        plan = make_plan((RecreateCollection("Doc", physical=physical, definition=definition, reasons=reasons),),
                         target="t", desired_hash="d", live_fingerprint="l")
        assert f"the data moves to a new collection and {said}" in render_text(plan)


def test_a_recreate_says_the_write_times_it_resets_when_something_reads_them():
    def recreated(**extra) -> str:
        before = parse_collection({"name": "Doc", "vectorizer": {"module": "none"}, **extra})
        after = parse_collection({"name": "Doc", "vectorizer": {"module": "none"},
                                  "vectorIndexConfig": {"distance": "dot"}, **extra})
        return render_text(plan_of(diff({"Doc": before}, {"Doc": after}, physical={"Doc": "Doc_v1"})))

    assert "creation and update times" not in recreated()
    filtered = recreated(invertedIndexConfig={"indexTimestamps": True})
    assert "note: every object's creation and update times become those of its copy" in filtered
    assert "objectTtlConfig" not in filtered
    expiring = recreated(objectTtlConfig={"enabled": True, "deleteOn": "_creationTimeUnix", "defaultTtl": 3600})
    assert "objectTtlConfig counts each object's time to expire from its copy" in expiring
    assert "creation and update times" not in recreated(
        objectTtlConfig={"enabled": True, "deleteOn": "due", "defaultTtl": 3600},
        properties=[{"name": "due", "dataType": "date"}])


def test_the_summary_says_how_many_re_embedded_objects_keep_some_of_their_vectors():
    """A recreate that re-embeds one named vector and reuses the other (a backfill is one) counted
    its objects as re-embedded, alone: read as every vector embedded again."""
    from schemactl.plan import Estimate, to_document
    from tests.test_diff import named

    live = named("http://h/models/a", "http://h/models/b")
    desired = named("http://h/models/a", "http://h/models/b2", vectorIndexConfig={"distance": "dot"})
    changes = diff({"Article": live}, {"Article": desired}, physical={"Article": "Article_v1"})
    plan = make_plan(changes, target="http://x", desired_hash="d", live_fingerprint="l",
                     estimates={"Article": Estimate(400, {}, 4_000)})
    # before: "…; reuse vectors for 0", read as no vector reused
    assert ("(re-embed 400 objects, 400 of them in some vectors only (the others reused); reuse every vector for 0)"
            in render_text(plan))
    assert to_document(plan)["summary"]["partly_reembed_objects"] == 400
    whole = make_plan(_hf_model_change(), target="http://x", desired_hash="d", live_fingerprint="l",
                      estimates={"Article": Estimate(400, {}, 4_000)})
    assert "(re-embed 400 objects; reuse vectors for 0)" in render_text(whole)


def test_a_version_kept_for_rollback_that_a_hand_over_leaves_says_when_it_becomes_one():
    """Before: listed as kept for rollback while rollback refused it."""
    from schemactl.changes import FinishHandOver

    finish = FinishHandOver("Docs", physical="Docs_v3", target="Docs_v4")
    plan = make_plan((finish,), target="http://x", desired_hash="d", live_fingerprint="l",
                     retained=("Docs_v2", "Docs_v3"))
    assert "Kept for rollback: Docs_v2, Docs_v3 (Docs_v3 once step 1 has run: rollback refuses it until then)" \
        in render_text(plan)
    assert "Kept for rollback: Docs_v2, Docs_v3\n" in render_text(make_plan(
        (), target="http://x", desired_hash="d", live_fingerprint="l", retained=("Docs_v2", "Docs_v3")))


def test_a_recreate_an_unfinished_copy_resumes_says_how_much_is_left():
    """Before: "data: 120 objects; ~6,840 characters to embed in 2 requests" after an apply stopped
    with 45 of them copied, as if nothing had been; only "Unfinished copies: Doc_v2" hinted otherwise."""
    import json

    from schemactl.changes import FieldChange, RecreateCollection, VectorMove
    from schemactl.plan import Estimate, from_document, to_document

    def data_line(reembeds: bool, copied: int) -> str:
        vector = VectorMove("default", "re-embed", "model changed") if reembeds else \
            VectorMove("default", "reuse", "unchanged")
        change = RecreateCollection("Article", physical="Article_v1", definition=ARTICLE, vectors=(vector,),
                                    reasons=(FieldChange("vectorIndexConfig.distance", "cosine", "dot"),))
        plan = make_plan((change,), target="http://x", desired_hash="d", live_fingerprint="l",
                         estimates={"Article": Estimate(120, {}, 6840, copied=copied)})
        again = from_document(json.loads(json.dumps(to_document(plan))))
        assert again.steps[0].estimate.copied == copied
        [line] = [line for line in render_text(again).splitlines() if line.strip().startswith("data:")]
        return line.strip()

    assert data_line(True, 45) == (
        "data: 120 objects; ~6,840 characters to embed in 2 requests; about 75 objects left to re-embed of 120: an "
        "unfinished copy of this change holds 45, and apply resumes it where it stopped (the estimates are for all 120)")
    assert data_line(False, 45) == ("data: 120 objects; nothing to embed; about 75 objects left to copy of 120: an "
                                    "unfinished copy of this change holds 45, and apply resumes it where it stopped")
    assert data_line(True, 0) == "data: 120 objects; ~6,840 characters to embed in 2 requests"
    assert data_line(True, 120) == ("data: 120 objects; ~6,840 characters to embed in 2 requests; an unfinished copy of "
                                    "this change holds all of them already, and apply resumes it where it stopped "
                                    "(the estimates are for all 120)")


def test_a_named_vector_changing_its_model_selection_is_not_called_an_added_vector():
    """Before: a named vector moved from `model` to `endpointURL` was said to be "the added named
    vector(s) title.vectorizer.endpointURL … filled for the existing objects (… --no-backfill adds
    them empty)": no vector was added, and --no-backfill changed nothing."""
    def with_title(**selection):
        return parse_collection({"name": "Article", "properties": [{"name": "t", "dataType": "text"}],
                                 "vectors": {"title": {"vectorizer": {"module": "text2vec-huggingface", **selection},
                                                       "sourceProperties": ["t"]}}})
    by_model = with_title(model="sentence-transformers/all-MiniLM-L6-v2")
    by_endpoint = with_title(endpointURL="http://127.0.0.1:5555/models/m")
    text = render_text(plan_of(diff({"Article": by_model}, {"Article": by_endpoint},
                                    physical={"Article": "Article_v1"})))
    assert "recreate: " in text
    assert "added named vector" not in text and "--no-backfill" not in text
    assert "vectors.title.vectorizer.endpointURL" in text


def test_a_cost_below_a_cent_reads_the_same_in_the_step_and_the_summary():
    """Before: "~$0.0001" on the embedding line and "~$0.00" in the summary (and 0.0 in the saved
    plan's numbers), the total rounded to cents."""
    from schemactl.plan import Estimate, to_document

    plan = make_plan(_hf_model_change(), target="http://x", desired_hash="d", live_fingerprint="l",
                     estimates={"Article": Estimate(120, {}, 6_840, texts_per_second=50.0)},
                     price_per_1k_texts=0.001)
    text = render_text(plan)
    assert "~$0.00012 at $0.001 per 1,000 texts" in text
    assert "~$0.00012;" in text.splitlines()[-1] and "$0.00;" not in text
    document = to_document(plan)
    assert document["summary"]["estimated_cost"] == document["steps"][0]["estimate"]["estimated_cost"] == 0.00012
    tiny = make_plan(_hf_model_change(), target="http://x", desired_hash="d", live_fingerprint="l",
                     estimates={"Article": Estimate(3, {}, 60, texts_per_second=50.0)}, price_per_1k_texts=0.0001)
    assert "~$0.0000003;" in render_text(tiny).splitlines()[-1]  # four significant digits, never $0.00
