"""The resume state of a recreate (schemactl/resume.py): the JSON a checkpoint holds in the cluster,
read and written as typed dataclasses, exactly as the code before them wrote it."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from schemactl import state as state_module
from schemactl.resume import (STATE_VERSION, CheckpointRefused, Phase, ResumeState, TenantEntry, new_entry,
                              progress_from_json, progress_to_json)
from schemactl.state import Checkpoint, append_progress, load_checkpoint, load_progress, save_checkpoint
from schemactl.apply.tenant_recreate import Progress
from schemactl.state import replay_progress

# Captured from the code before the typed state (commit 933b09a): save_checkpoint's "state" text
# as written by migrate.py / tenant_migration.py driven through a recreate against a fake cluster.
SINGLE_CUTOVER = (  # one collection, self- and multi-target references linked, fenced, cutting over
    '{"version": 2, "phase": "cutover", "tenants": {"": {"status": "HOT", "after": "-b", "copied": 5, '
    '"done": true, "settled": false, "linked": "-link", "multi_linked": "-mlink"}}, "fenced": ["shard-a", '
    '"shard-b"]}')
TENANTS_FENCING_AS_COPIED = (  # multi-tenant, in its copy phase, active groups fenced as they are copied
    '{"version": 2, "phase": "copy", "tenants": {"t00": {"status": "HOT", "after": "t00-b", "copied": 5, '
    '"done": true, "settled": false, "linked": null}, "t01": {"status": "HOT", "after": "t01-b", "copied": 5, '
    '"done": true, "settled": false, "linked": null}, "t02": {"status": "HOT", "after": "t02-b", "copied": 5, '
    '"done": true, "settled": false, "linked": null}, "t03": {"status": "HOT", "after": "t03-b", "copied": 5, '
    '"done": true, "settled": false, "linked": null}, "t04": {"status": "HOT", "after": "t04-b", "copied": 5, '
    '"done": true, "settled": false, "linked": null}, "t05": {"status": "HOT", "after": null, "copied": 0, '
    '"done": false, "settled": false, "linked": null}, "t06": {"status": "HOT", "after": null, "copied": 0, '
    '"done": false, "settled": false, "linked": null}, "c0": {"status": "COLD", "after": "c0-b", "copied": 5, '
    '"done": true, "settled": true, "linked": null}, "c1": {"status": "COLD", "after": "c1-b", "copied": 5, '
    '"done": true, "settled": true, "linked": null}, "c2": {"status": "INACTIVE", "after": "c2-b", "copied": 5, '
    '"done": true, "settled": true, "linked": null}}, "progressSeq": 0, "logSeq": 0, "autoTenants": '
    '{"autoTenantCreation": true, "autoTenantActivation": false}, "fenced": ["t05", "t06"]}')
TENANTS_CUTOVER = (  # multi-tenant, every key: settled while fenced, cutting over
    '{"version": 2, "phase": "cutover", "tenants": {"t00": {"status": "HOT", "after": "t00-b", "copied": 5, '
    '"done": true, "settled": true, "linked": null}, "t02": {"status": "COLD", "after": "t02-b", "copied": 5, '
    '"done": true, "settled": true, "linked": null}, "t03": {"status": "HOT", "after": "t03-b", "copied": 5, '
    '"done": true, "settled": true, "linked": null}, "c1": {"status": "COLD", "after": "c1-b", "copied": 5, '
    '"done": true, "settled": true, "linked": null}, "n1": {"status": "HOT", "after": "n1-b", "copied": 5, '
    '"done": true, "settled": true, "linked": null}}, "progressSeq": 47, "logSeq": 47, "autoTenants": '
    '{"autoTenantCreation": true, "autoTenantActivation": false}, "fenced": ["c0", "n1", "t00", "t03", "t04", '
    '"t05", "t06"], "targetAutoActivation": true}')
PROGRESS_RECORD = (  # a record of the tenant progress log: one tenant deleted, one created
    '{"t01": {"gone": true}, "n1": {"status": "HOT", "after": null, "copied": 0, "done": false, "settled": false, '
    '"linked": null}}')
# Format 1 (before the version and the progress log): what a single-collection copy killed in its
# fenced pass left, and a multi-tenant copy killed while copying
FORMAT_1_FENCED = ('{"phase": "fenced", "tenants": {"": {"status": "HOT", "after": "7f0c", "copied": 250, "done": '
                   'true, "linked": "7f0c", "multi_linked": "7f0c"}}, "fenced": ["kQx1"]}')
FORMAT_1_TENANTS = ('{"phase": "copy", "tenants": {"a": {"status": "HOT", "after": "01ab", "copied": 100, "done": '
                    'false, "linked": null}, "b": {"status": "COLD", "after": null, "copied": 0, "done": false, '
                    '"linked": null}}}')


def canonical(text: str) -> str:
    return json.dumps(json.loads(text), sort_keys=True)


def full_state() -> ResumeState:
    return ResumeState(
        Phase.FENCED,
        {"a": TenantEntry("HOT", after="c1", copied=12, done=True, settled=True, linked="c1", multi_linked="c1"),
         "b": TenantEntry("COLD", after="c2", copied=3), "c": new_entry("FROZEN")},
        fenced=["a"], auto_tenants={"autoTenantCreation": True, "autoTenantActivation": False},
        target_auto_activation=False, progress_seq=4, log_seq=9, kept_awake=["a"],
        change={"kind": "recreate", "collection": "Doc", "physical": "Doc_v1"})


def test_a_full_state_round_trips():
    original = full_state()
    text = original.to_json()
    assert ResumeState.from_json(text, "Doc_v1") == original
    assert set(json.loads(text)) == {"version", "phase", "tenants", "fenced", "autoTenants", "targetAutoActivation",
                                     "progressSeq", "logSeq", "keptAwake", "change"}
    assert json.loads(text)["version"] == STATE_VERSION and json.loads(text)["phase"] == "fenced"


def test_keys_never_set_stay_absent():
    fresh = ResumeState(Phase.COPY, {"": new_entry("HOT")})
    assert json.loads(fresh.to_json()) == {"version": 5, "phase": "copy", "tenants": {"": {
        "status": "HOT", "after": None, "copied": 0, "done": False, "settled": False, "linked": None}}}


@pytest.mark.parametrize("captured", [SINGLE_CUTOVER, TENANTS_FENCING_AS_COPIED, TENANTS_CUTOVER],
                         ids=["single-cutover", "tenants-fencing-as-copied", "tenants-cutover"])
def test_a_format_2_checkpoint_of_the_code_before_is_read_and_written_back_unchanged(captured):
    state = ResumeState.from_json(captured, "Doc_v1")
    assert state.version == 2
    assert canonical(state.to_json()) == canonical(captured)


def test_what_a_format_2_checkpoint_says():
    state = ResumeState.from_json(TENANTS_CUTOVER, "Mt_v1")
    assert state.phase == Phase.CUTOVER and state.progress_seq == state.log_seq == 47
    assert state.auto_tenants == {"autoTenantCreation": True, "autoTenantActivation": False}
    assert state.target_auto_activation is True and state.fenced is not None and "n1" in state.fenced
    assert state.tenants["t02"] == TenantEntry("COLD", after="t02-b", copied=5, done=True, settled=True)
    single = ResumeState.from_json(SINGLE_CUTOVER, "Doc_v1")
    assert single.tenants[""].multi_linked == "-mlink" and single.auto_tenants is None
    assert single.progress_seq is None and single.target_auto_activation is None


def test_a_format_1_checkpoint_is_read():
    fenced = ResumeState.from_json(FORMAT_1_FENCED, "Doc_v1")
    assert fenced.version == 1 and fenced.phase == Phase.FENCED and fenced.fenced == ["kQx1"]
    assert fenced.tenants[""] == TenantEntry("HOT", after="7f0c", copied=250, done=True, linked="7f0c",
                                             multi_linked="7f0c")
    tenants = ResumeState.from_json(FORMAT_1_TENANTS, "Mt_v1")
    assert tenants.phase == Phase.COPY and tenants.progress_seq is None and tenants.auto_tenants is None
    assert tenants.tenants["a"].after == "01ab" and tenants.tenants["b"].status == "COLD"
    assert not tenants.tenants["a"].settled  # format 1 had no "settled"
    # written back as the code before did: still no version (nothing but what it adds)
    written = json.loads(fenced.to_json())
    assert "version" not in written and written["tenants"][""]["multi_linked"] == "7f0c"


def test_a_newer_format_is_refused_with_the_message_it_always_had():
    with pytest.raises(CheckpointRefused) as refused:
        ResumeState.from_json('{"version": 99, "phase": "copy", "tenants": {}}', "Notes_v2")
    assert str(refused.value) == ("the copy of Notes_v2 was started by a newer schemactl (checkpoint format 99, this "
                                  "one reads up to 5): finish it with that version; nothing was changed")


def test_a_newer_format_is_refused_before_its_unknown_keys():
    with pytest.raises(CheckpointRefused, match=r"checkpoint format 6, this one reads up to 5"):
        ResumeState.from_json('{"version": 6, "phase": "merge", "tenants": {}, "shards": {}}', "Notes_v2")


@pytest.mark.parametrize("text, named", [
    ('{"version": 2, "phase": "copy", "tenants": {}, "replicas": 3}', "its state holds replicas"),
    ('{"phase": "copy", "tenants": {}, "deadline": 1}', "its state holds deadline"),
    (('{"version": 2, "phase": "copy", "tenants": {"a": {"status": "HOT", "after": null, "copied": 0, "done": false, '
      '"settled": false, "linked": null, "vectors_done": 3}}}'), "tenant 'a' holds vectors_done"),
])
def test_an_unknown_key_is_refused_not_dropped(text, named):
    with pytest.raises(CheckpointRefused) as refused:
        ResumeState.from_json(text, "Doc_v1")
    assert named in str(refused.value)
    assert str(refused.value).startswith("the copy of Doc_v1 was started by a newer schemactl (")
    assert str(refused.value).endswith("which this one does not know): finish it with that version; nothing was "
                                       "changed")


@pytest.mark.parametrize("text", [
    "not json", "[]", '{"version": 2, "tenants": {}}', '{"version": 2, "phase": "paused", "tenants": {}}',
    '{"version": 2, "phase": "copy"}', '{"version": 2, "phase": "copy", "tenants": {"a": {"status": "HOT"}}}',
    '{"version": 2, "phase": "copy", "tenants": {}, "progressSeq": "3"}',
    '{"version": 2, "phase": "copy", "tenants": {}, "fenced": "a"}',
    '{"version": "2", "phase": "copy", "tenants": {}}',
])
def test_an_unreadable_state_is_refused(text):
    with pytest.raises(CheckpointRefused, match=r"^the checkpoint of the copy of Doc_v1 cannot be read"):
        ResumeState.from_json(text, "Doc_v1")


def test_a_progress_record_uses_the_same_entries_and_gone():
    record = progress_from_json(PROGRESS_RECORD, "Mt_v1")
    assert record["t01"].gone and record["t01"] == TenantEntry.forgotten()
    assert record["n1"] == new_entry("HOT")
    assert canonical(progress_to_json(record)) == canonical(PROGRESS_RECORD)
    with pytest.raises(CheckpointRefused, match="holds why"):
        progress_from_json('{"t01": {"gone": true, "why": "deleted"}}', "Mt_v1")


# ---- through the bookkeeping collection (a fake cluster) ---------------------------------------

class FakeCluster:
    """Objects of SchemactlCheckpoint by id, as state.py writes and reads them."""

    def __init__(self):
        self.objects: dict[str, dict] = {}

    def get_or_none(self, path: str):
        return self.objects.get(path.split("/")[4].split("?")[0])

    def send(self, method, path, body, what):
        if method == "DELETE":
            self.objects.pop(path.split("/")[4].split("?")[0], None)
        elif "/v1/objects" in path:
            self.objects[body["id"]] = body


@pytest.fixture
def cluster(monkeypatch):
    fake = FakeCluster()
    monkeypatch.setattr(state_module, "_ensure", lambda reader, body: None)
    monkeypatch.setattr(state_module, "_bookkeeping_class", lambda *args: {})
    monkeypatch.setattr(state_module, "listed_objects", lambda reader, cls: list(fake.objects.values()))
    return fake


def test_a_checkpoint_is_stored_as_the_state_json_and_loaded_typed(cluster):
    save_checkpoint(cluster, Checkpoint("Doc_v1", "Doc_v2", "h", full_state()), create=True)
    stored = next(iter(cluster.objects.values()))["properties"]["state"]
    assert isinstance(stored, str) and canonical(stored) == canonical(full_state().to_json())
    loaded = load_checkpoint(cluster, "Doc_v1")
    assert loaded == Checkpoint("Doc_v1", "Doc_v2", "h", full_state())


def test_a_checkpoint_of_the_code_before_loads_and_a_newer_one_is_refused(cluster):
    checkpoint = Checkpoint("Doc_v1", "Doc_v2", "h", ResumeState(Phase.COPY, {}))
    save_checkpoint(cluster, checkpoint, create=True)
    cluster.objects[checkpoint.id]["properties"]["state"] = SINGLE_CUTOVER
    assert load_checkpoint(cluster, "Doc_v1").state.phase == Phase.CUTOVER
    cluster.objects[checkpoint.id]["properties"]["state"] = '{"version": 7, "phase": "copy", "tenants": {}}'
    with pytest.raises(CheckpointRefused, match=r"^the copy of Doc_v1 was started by a newer schemactl"):
        load_checkpoint(cluster, "Doc_v1")


def test_the_tenant_progress_log_is_replayed_over_the_checkpoint(cluster):
    state = ResumeState(Phase.COPY, {"a": new_entry("HOT"), "b": new_entry("COLD"), "gone": new_entry("HOT")})
    checkpoint = Checkpoint("Mt_v1", "Mt_v2", "h", state)
    save_checkpoint(cluster, checkpoint, create=True)
    ctx = SimpleNamespace(reader=cluster)
    progress = Progress(ctx, checkpoint)
    assert (state.progress_seq, state.log_seq, progress.seq) == (0, 0, 0)
    progress.update("a", after="cur", copied=7)
    progress.update("a", done=True)
    progress.forget("gone")
    progress.start("new", "COLD")
    progress.flush()
    written = {seq: {t: e.to_json() for t, e in record.items()}
               for seq, record in load_progress(cluster, "Mt_v1", after=0)}
    assert written[max(written)]["gone"] == {"gone": True}
    # killed now: the next run reads the checkpoint, as saved before the log, and replays the log
    resumed = load_checkpoint(cluster, "Mt_v1")
    assert set(resumed.state.tenants) == {"a", "b", "gone"}
    replay_progress(ctx.reader, resumed)
    assert resumed.state.tenants == {"a": TenantEntry("HOT", after="cur", copied=7, done=True),
                                     "b": new_entry("COLD"), "new": new_entry("COLD")}
    assert resumed.state.log_seq == progress.seq
    assert resumed.state.progress_seq is None  # saved before the first run's Progress: no record folded in
    append_progress(cluster, "Mt_v1", progress.seq + 1, {"b": TenantEntry("COLD", settled=True)})
    replay_progress(ctx.reader, resumed)
    assert resumed.state.tenants["b"].settled and resumed.state.log_seq == progress.seq + 1


@pytest.mark.parametrize(("phase", "auto", "alias", "left"), [
    (Phase.CUTOVER, {"autoTenantCreation": True}, "Mt_v2", True),  # the alias moved, the hand-over did not finish
    (Phase.CUTOVER, {"autoTenantCreation": True}, "Mt_v1", False),  # killed before the alias moved: resumed by apply
    (Phase.CUTOVER, None, "Mt_v2", False),  # no tenants: nothing to hand over once the alias moved
    (Phase.FENCED, {"autoTenantCreation": True}, "Mt_v2", False),  # another run's alias: not this checkpoint's
])
def test_a_hand_over_is_left_only_by_a_multi_tenant_cutover_whose_alias_moved(phase, auto, alias, left):
    state = ResumeState(phase, {"t": new_entry("HOT")}, auto_tenants=auto)
    assert Checkpoint("Mt_v1", "Mt_v2", "h", state).hand_over_left(alias) is left


def test_a_multi_tenant_checkpoint_gives_back_its_recreate_none_before_it_kept_one_or_says_what_is_wrong():
    from schemactl.apply.recreate import _recreate_of
    from schemactl.changes import RecreateCollection
    from schemactl.errors import SchemactlError
    from schemactl.plan import change_document
    from tests.test_review import every_kind_plan

    recreate = next(s.change for s in every_kind_plan().steps if isinstance(s.change, RecreateCollection))
    stored = ResumeState.from_json(ResumeState(Phase.CUTOVER, {}, change=change_document(recreate)).to_json(), "X")
    assert _recreate_of(Checkpoint("Article_v1", "Article_v2", "h", stored), "Article") == recreate
    assert _recreate_of(Checkpoint("Article_v1", "Article_v2", "h", ResumeState(Phase.CUTOVER, {})), "Article") is None
    with pytest.raises(SchemactlError, match="holds a delete step, not a recreate"):
        _recreate_of(Checkpoint("Old_v3", "Old_v4", "h", ResumeState(Phase.CUTOVER, {}, change={
            "kind": "delete", "collection": "Old", "physical": "Old_v3"})), "Old")


def _checkpoint(source: str, target: str, phase, multi_tenant: bool, renamed_from: str | None = None,
                recorded: str | None = None):
    """`renamed_from`: in the stored change (as earlier releases kept it); `recorded`: as recorded."""
    auto = {"autoTenantCreation": False, "autoTenantActivation": False} if multi_tenant else None
    change = None if renamed_from is None else {"kind": "recreate", "definition": {"renamedFrom": renamed_from}}
    return Checkpoint(source, target, "h", ResumeState(phase, {}, auto_tenants=auto, target_auto_activation=False,
                                                       change=change, renamed_from=recorded))


@pytest.mark.parametrize("aliases,source,target,phase,multi_tenant,expected", [
    ({"Mt": "Mt_v2"}, "Mt_v1", "Mt_v2", Phase.CUTOVER, True, ("Mt", "", True)),
    # a collection made outside schemactl, recreated: the application's second alias names it now
    ({"Docs": "Docs_v1", "Zeta": "Foo"}, "Foo", "Docs_v1", Phase.CUTOVER, False, ("Docs", "", False)),
    ({"Docs": "Docs_v1", "Zeta": "Foo"}, "Foo", "Docs_v1", Phase.HANDOVER, True, ("Docs", "", True)),
    ({"Mt": "Mt_v2", "Zeta": "Mt_v1"}, "Mt_v1", "Mt_v2", Phase.HANDOVER, True, ("Mt", "", True)),  # not a rename
    ({"Mt": "Mt_v1", "Docs": "Docs_v1"}, "Mt_v1", "Docs_v1", Phase.HANDOVER, True, ("Docs", "Mt", True)),
    ({"Mt": "Mt_v1", "Docs": "Docs_v1"}, "Mt_v1", "Docs_v1", Phase.CUTOVER, False, ("Docs", "Mt", False)),
    # moved, nothing left but its checkpoint and its record (killed just after the alias moved)
    ({"Mt": "Mt_v2"}, "Mt_v1", "Mt_v2", Phase.CUTOVER, False, ("Mt", "", False)),
    ({"Mt": "Mt_v1"}, "Mt_v1", "Mt_v2", Phase.FENCED, True, None),  # the alias never moved
    ({"Mt": "Mt_v1", "Docs": "Docs_v1"}, "Mt_v1", "Docs_v1", Phase.FENCED, True, None),
    # a collection made outside schemactl, deleted to free its name for the alias: the hand-over is left
    ({"Mt": "Mt_v1"}, "Mt", "Mt_v1", Phase.HANDOVER, True, ("Mt", "", True)),
    ({"Mt": "Mt_v2"}, "Mt", "Mt_v1", Phase.HANDOVER, True, None),  # the alias serves another version
])
def test_what_a_recreate_stopped_after_moving_its_alias_left_is_planned(aliases, source, target, phase, multi_tenant,
                                                                        expected):
    """The hand-over of tenants, and the old name's alias a rename stopped between its two alias
    steps left at the old version: never an application's own alias at it."""
    from schemactl.live import resolve
    from schemactl.planning import finishes_left

    live = resolve("1.39.3", {name: {"class": name} for name in ("Mt_v1", "Mt_v2", "Docs_v1", "Foo")}, aliases)
    left = finishes_left([_checkpoint(source, target, phase, multi_tenant)], live)
    assert [(f.collection, f.old_alias, f.multi_tenant) for f in left] == ([expected] if expected else [])
    assert all(f.physical == source and f.target == target for f in left)


@pytest.mark.parametrize("renamed_from,expected", [("Legacy", "Legacy"), ("", ""), ("Other", "")])
def test_a_multi_tenant_renames_old_name_comes_from_the_change_its_checkpoint_keeps(renamed_from, expected):
    from schemactl.live import resolve
    from schemactl.planning import finishes_left

    live = resolve("1.39.3", {n: {"class": n} for n in ("Store", "Docs_v1")}, {"Legacy": "Store", "Docs": "Docs_v1"})
    [left] = finishes_left([_checkpoint("Store", "Docs_v1", Phase.HANDOVER, True, renamed_from)], live)
    assert left.old_alias == expected


def test_a_rename_whose_old_alias_cannot_be_removed_counts_as_moved():
    """The new name's alias made, the old name's removal refused (a timeout, a role, Ctrl-C):
    the cutover's failure handler must see the alias as moved, so it leaves the source fenced
    and the checkpoint past the cutover (the next plan removes the old alias) instead of
    letting writes reach the old version behind the old name again."""
    from schemactl.apply.context import Context
    from schemactl.apply.recreate import _cut_over
    from schemactl.changes import RecreateCollection
    from schemactl.validate import parse_collection

    sent = []

    def send(method, path, body, what):
        sent.append((method, path))
        if method == "DELETE":
            raise TimeoutError("timed out")

    ctx = Context(SimpleNamespace(send=send), None, {"Mt": "Mt_v1"}, {}, aliases={"Mt": "Mt_v1"})
    docs = parse_collection({"name": "Docs", "renamedFrom": "Mt", "vectorizer": {"module": "none"}})
    with pytest.raises(TimeoutError):
        _cut_over(RecreateCollection("Docs", physical="Mt_v1", definition=docs), ctx,
                  SimpleNamespace(target="Docs_v1"))
    assert sent == [("POST", "/v1/aliases"), ("DELETE", "/v1/aliases/Mt")]
    assert ctx.aliases == {"Docs": "Docs_v1", "Mt": "Mt_v1"}


@pytest.mark.parametrize("recorded,expected", [("Legacy", "Legacy"), ("", ""), (None, "")])
def test_a_renames_old_name_is_recorded_for_a_collection_without_tenants_made_outside_schemactl(recorded, expected):
    """`Draft` (no `_vN`: the old name cannot be told from the source's name) served by the alias
    Legacy, renamed to Article: what the checkpoint records tells a rename from a recreate."""
    from schemactl.live import resolve
    from schemactl.planning import finishes_left

    live = resolve("1.39.3", {n: {"class": n} for n in ("Draft", "Article_v1")},
                   {"Legacy": "Draft", "Article": "Article_v1"})
    [left] = finishes_left([_checkpoint("Draft", "Article_v1", Phase.CUTOVER, False, recorded=recorded)], live)
    assert left.old_alias == expected


def test_the_old_name_round_trips():
    state = ResumeState(Phase.CUTOVER, {}, renamed_from="Legacy")
    assert ResumeState.from_json(state.to_json(), "Draft").renamed_from == "Legacy"
    assert ResumeState.from_json(ResumeState(Phase.COPY, {}).to_json(), "Draft").renamed_from is None


def test_a_finishing_run_maps_late_tenants_links_to_the_collection_itself_onto_the_new_version():
    """Multi-target references of Mt to itself and to Other, copied for a tenant created in Mt_v1
    as the alias moved: after the move no alias serves Mt_v1, and before, the links to Mt itself
    were dropped as a target the file no longer has."""
    from schemactl.apply.context import Context
    from schemactl.apply.recreate import _as_it_was, _multi_target_pairs
    from schemactl.changes import RecreateCollection
    from schemactl.validate import parse_collection

    raw = {"class": "Mt_v1", "vectorizer": "none", "multiTenancyConfig": {"enabled": True},
           "properties": [{"name": "links", "dataType": ["Mt_v1", "Other_v1"]}]}
    ctx = Context(SimpleNamespace(get=lambda path: raw), None, {"Mt": "Mt_v2", "Other": "Other_v1"}, {},
                  aliases={"Mt": "Mt_v2", "Other": "Other_v1"})
    wanted = parse_collection({"name": "Mt", "vectorizer": {"module": "none"}, "multiTenancyConfig": {"enabled": True},
                               "properties": [{"name": "links", "dataType": ["Mt", "Other"]}]})
    old = _as_it_was(ctx, "Mt_v1", "Mt")
    pairs = _multi_target_pairs(RecreateCollection("Mt", physical="Mt_v1", definition=wanted), ctx, "Mt_v2", old)
    assert pairs == (("links", (("Mt_v1", "Mt_v2"), ("Other_v1", "Other_v1"))),)


def test_a_renames_multi_target_links_to_the_collection_itself_follow_it():
    """Old renamed to New, links: [New, Other]; before, the pair for the collection itself was
    dropped (the live state calls its target Old), and every tenant lost those links."""
    from schemactl.apply.context import Context
    from schemactl.apply.recreate import _multi_target_pairs
    from schemactl.changes import RecreateCollection
    from schemactl.validate import parse_collection

    raw = {"class": "Old_v1", "vectorizer": "none", "properties": [{"name": "links", "dataType": ["Old_v1", "Other_v1"]}]}
    ctx = Context(SimpleNamespace(get=lambda path: raw), None, {"Old": "Old_v1", "Other": "Other_v1"}, {},
                  aliases={"Old": "Old_v1", "Other": "Other_v1"})
    old = parse_collection({"name": "Old", "vectorizer": {"module": "none"},
                            "properties": [{"name": "links", "dataType": ["Old", "Other"]}]})
    new = parse_collection({"name": "New", "renamedFrom": "Old", "vectorizer": {"module": "none"},
                            "properties": [{"name": "links", "dataType": ["New", "Other"]}]})
    pairs = _multi_target_pairs(RecreateCollection("New", physical="Old_v1", definition=new), ctx, "New_v1", old)
    assert pairs == (("links", (("Old_v1", "New_v1"), ("Other_v1", "Other_v1"))),)


def test_a_renamed_from_left_in_the_file_maps_no_link_onto_the_collection_itself():
    from schemactl.apply.context import Context
    from schemactl.apply.recreate import _multi_target_pairs
    from schemactl.changes import RecreateCollection
    from schemactl.validate import parse_collection

    raw = {"class": "Story_v1", "vectorizer": "none",
           "properties": [{"name": "see", "dataType": ["Article_v2", "Story_v1"]}]}
    ctx = Context(SimpleNamespace(get=lambda path: raw), None, {"Story": "Story_v1", "Article": "Article_v2"}, {})
    story = {"name": "Story", "vectorizer": {"module": "none"},
             "properties": [{"name": "see", "dataType": ["Article", "Story"]}]}
    change = RecreateCollection("Story", physical="Story_v1", definition=parse_collection(story | {"renamedFrom": "Article"}))
    pairs = _multi_target_pairs(change, ctx, "Story_v2", parse_collection(story))
    assert pairs == (("see", (("Article_v2", "Article_v2"), ("Story_v1", "Story_v2"))),)


def test_a_tenant_handed_over_is_recorded_so_and_earlier_records_read_as_not_handed():
    from schemactl.resume import TenantEntry

    entry = TenantEntry("HOT", after="x", copied=3, done=True, settled=True, handed=True)
    assert entry.to_json()["handed"] is True
    assert TenantEntry.from_json(entry.to_json(), "log", "t1") == entry
    earlier = {k: v for k, v in entry.to_json().items() if k != "handed"}
    assert "handed" not in TenantEntry("HOT").to_json() and TenantEntry.from_json(earlier, "log", "t1").handed is False


@pytest.mark.parametrize("alias_now, expected", [("Mt_v2", False), ("Mt_v1", True), (None, False)])
def test_a_cutover_cut_short_asks_the_server_where_the_alias_points(alias_now, expected):
    """Ctrl-C while the alias is re-pointed: the request may have moved it all the same. The fence
    is lifted only when the server says the alias is still at the source (before, the source was
    made writable again after the alias had moved: writes to it went nowhere the alias served);
    when the server cannot tell, it stays."""
    from schemactl.apply.context import Context
    from schemactl.apply.recreate import _still_serving_the_source
    from schemactl.changes import RecreateCollection
    from schemactl.errors import SchemactlError
    from schemactl.validate import parse_collection

    def get_or_none(path):
        if alias_now is None:
            raise SchemactlError("timed out")
        return {"alias": "Mt", "class": alias_now}

    ctx = Context(SimpleNamespace(get_or_none=get_or_none), None, {"Mt": "Mt_v1"}, {}, aliases={"Mt": "Mt_v1"},
                  classes={"Mt_v1", "Mt_v2"})
    change = RecreateCollection("Mt", physical="Mt_v1", definition=parse_collection({"name": "Mt"}))
    assert _still_serving_the_source(change, ctx, "Mt_v2") is expected


def test_a_tenant_the_copy_woke_is_recorded_with_its_status_before_and_earlier_records_read_as_not_woken():
    entry = TenantEntry("COLD", waking="COLD")
    assert entry.to_json()["waking"] == "COLD"
    assert TenantEntry.from_json(entry.to_json(), "log", "t1").waking == "COLD"
    assert "waking" not in TenantEntry("COLD").to_json()
    assert TenantEntry.from_json(TenantEntry("COLD").to_json(), "log", "t1").waking is None


class _Recording:
    """A reader that records each write, answering what restore_source asks."""

    def __init__(self):
        self.writes: list[tuple[str, str, object]] = []

    def get(self, path):
        return {"class": "Mt_v1", "multiTenancyConfig": {"enabled": True, "autoTenantActivation": False}}

    def send(self, method, path, body, what):
        self.writes.append((method, path, body))
        return {}


def test_a_copy_that_stops_marks_its_sleeping_tenants_to_be_verified_again_before_they_can_be_woken():
    """Before, activation came back first: a kill in between left them marked verified, and a
    write the application then made to a woken and again sleeping tenant was never copied."""
    from schemactl.apply.context import Context
    from schemactl.apply.tenant_recreate import TenantRecreate
    from schemactl.state import Checkpoint

    state = ResumeState(Phase.COPY, {"cold": TenantEntry("COLD", done=True, settled=True),
                                     "hot": TenantEntry("HOT", done=True, settled=True)},
                        auto_tenants={"autoTenantCreation": False, "autoTenantActivation": True}, fenced=["hot"])
    reader = _Recording()
    ctx = Context(reader=reader, target=None, physical={}, live={})  # type: ignore[arg-type]
    run = TenantRecreate(ctx, Checkpoint("Mt_v1", "Mt_v2", "h", state), "Mt", lambda t: None, lambda job, e: None)
    try:
        run.restore_source()
    finally:
        run.close()
    kinds = [("progress" if "/v1/objects" in path and '"cold"' in str(body) else
              "activation" if path == "/v1/schema/Mt_v1" else
              "unfence" if "/shards/" in path else "other") for _, path, body in reader.writes]
    assert kinds.index("progress") < kinds.index("unfence") < kinds.index("activation")
    assert state.tenants["cold"].settled is False and state.tenants["hot"].settled is True and state.fenced == []
