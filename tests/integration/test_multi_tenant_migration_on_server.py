"""A multi-tenant application through a migration: every tenant it created (by the physical name or
by auto-creation), every acknowledged write, every tenant it deleted and every status it set is
what the alias serves afterwards; a killed apply of 1,000 tenants resumes."""
from __future__ import annotations

import random
import re
import signal
import threading
import time

import pytest
from weaviate.exceptions import WeaviateBaseError
from weaviate.classes.data import DataObject
from weaviate.classes.tenants import Tenant, TenantActivityStatus

from schemactl.dev.tenant_workload import Expected, TenantWorkload, audit, load, seed_tenants, tenant_statuses
from tests.integration.conftest import apply_killed_once_it_deletes, apply_stopped_after
from tests.integration.test_apply_safety_on_server import spawn_apply
from tests.integration.test_migrate_on_server import aliases, doc_schema

TENANTS, PER_TENANT, COLD = 40, 20, 6
RATE = 30.0  # operations/s of the application, from three threads
GIVE_UP = 30.0  # seconds the application retries one operation
# each tenant is its own embedding request, and the module's budget (100 requests a minute per API key)
# is kept by the server across tests: each test embeds with a key of its own (the development endpoint
# ignores keys)
def own_budget(seed: int) -> str:
    return f"X-HuggingFace-Api-Key=hf_test_budget_{seed}_{time.monotonic_ns()}"
APPLY_LIMIT = 180.0  # seconds of apply under the application's load; then it stops and the test fails (a guard
# against an apply that never converges, not a measure of speed: room for a busy machine)


def mt_schema(embedder, *, model: str = "words-64", distance: str = "cosine", auto_creation: bool = False,
              auto_activation: bool = False) -> str:
    """Doc's properties and vectorizer as the multi-tenant collection Mt."""
    return (doc_schema(embedder, model=model, distance=distance).replace("name: Doc\n", "name: Mt\n")
            + f"multiTenancyConfig:\n  enabled: true\n  autoTenantCreation: {str(auto_creation).lower()}\n"
            f"  autoTenantActivation: {str(auto_activation).lower()}\n")


@pytest.fixture
def connect(weaviate_server):
    import weaviate

    return lambda: weaviate.connect_to_local(host="127.0.0.1", port=weaviate_server.ports.http,
                                             grpc_port=weaviate_server.ports.grpc)


def _applied_and_loaded(client, cli_run, tmp_path, schema: str, tenants: int, per_tenant: int, seed: int,
                        cold: int) -> tuple[dict[str, dict[str, dict]], dict[str, str]]:
    """Mt applied by schemactl (Mt_v1 behind the alias Mt) and filled with seeded tenants."""
    (tmp_path / "mt.yaml").write_text(schema)
    created = cli_run("apply", str(tmp_path), "--auto-approve")
    assert created.exit_code == 0, created.output
    objects, statuses = seed_tenants(tenants, per_tenant, seed, cold=cold)
    load(client, "Mt", objects, statuses)
    return objects, statuses


EARLY_TENANTS = 300  # three groups of active tenants: the first copied unfenced, then fenced as copied
EARLY_PAUSE = "300"  # --max-write-pause of those: seconds, far more than their copy takes
KILLED_TENANTS = 400  # killed as it fences the second or a later group of active tenants: room to catch it


@pytest.mark.parametrize("mode,seed,auto_creation,auto_activation,tenants,awake_budget", [
    ("reuse", 1, True, True, TENANTS, None), ("reuse", 2, False, False, TENANTS, None),
    ("re-embed", 3, True, False, TENANTS, None), ("re-embed", 4, False, True, TENANTS, None),
    ("reuse", 6, True, True, EARLY_TENANTS, None), ("reuse", 7, False, True, EARLY_TENANTS, 120)])
def test_no_tenant_and_no_acknowledged_write_is_lost_through_a_recreate(client, cli_run, embedder, connect, tmp_path,
                                                                        monkeypatch, mode, seed, auto_creation,
                                                                        auto_activation, tenants, awake_budget):
    """With 300 tenants and a long write pause, the active tenants are fenced as they are copied;
    with SCHEMACTL_AWAKE_BUDGET, more of the new version stay awake into the hand-over (the audit
    checks every tenant's status as well)."""
    if awake_budget:
        monkeypatch.setattr("schemactl.apply.tenant_recreate.AWAKE_BUDGET", awake_budget)
    flags = {"auto_creation": auto_creation, "auto_activation": auto_activation}
    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder, **flags), tenants,
                                            PER_TENANT, seed, COLD)
    model = "words-96" if mode == "re-embed" else "words-64"
    changed = mt_schema(embedder, model=model, **flags) if mode == "re-embed" else \
        mt_schema(embedder, distance="dot", **flags)
    (tmp_path / "mt.yaml").write_text(changed)
    workload = TenantWorkload(connect, "Mt", objects, statuses, rate=RATE, seed=seed, give_up=GIVE_UP,
                              **flags).start()
    watchdog = threading.Timer(APPLY_LIMIT, workload.stop)  # an apply that never converges ends, and fails
    try:
        time.sleep(1.0)
        started = time.monotonic()
        watchdog.start()
        # a write pause far longer than the copy: the first group fits in it however busy the machine
        pause = ["--max-write-pause", EARLY_PAUSE] if tenants == EARLY_TENANTS else []
        result = cli_run("apply", str(tmp_path), "--auto-approve", "--header", own_budget(seed), *pause)
        finished = time.monotonic()
        watchdog.cancel()
        time.sleep(1.5)  # operations after the cutover reach the new version
    finally:
        watchdog.cancel()
        workload.stop()
    during = [a for a in workload.acks() if started <= a.at <= finished]
    created = [a for a in during if a.op in ("create", "auto-create")]
    expected = workload.expected()
    report = audit(client, "Mt", expected, model)
    outcome = (f"apply exit {result.exit_code} after {finished - started:.1f} s, alias {aliases(client)}; "
               f"audit: {report.describe()} ({report.examples()}); "
               f"{len(during)} operations acknowledged during the apply "
               f"({len(created)} tenants created), "
               f"{len(workload.unresolved)} never acknowledged; last refusals: "
               f"{[o.last_refusal[:200] for o in workload.owners]}")
    assert result.exit_code == 0, outcome + "\n" + result.output
    assert ("fenced, copied and verified in one go" in result.output) == (tenants == EARLY_TENANTS), result.output
    assert finished - started < APPLY_LIMIT, outcome
    assert aliases(client) == {"Mt": "Mt_v2"}, outcome
    assert created and {"insert", "update", "delete"} <= {a.op for a in during}, outcome
    kinds = {a.op for a in workload.acks()}
    assert kinds >= {"create", "drop", "cold"} and ("auto-create" in kinds) == auto_creation, outcome
    assert workload.unresolved == [], outcome
    assert report.clean, outcome
    assert report.tenants == len(expected.objects) and report.objects == expected.object_count, outcome
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


def test_the_audit_finds_what_the_application_did_and_what_went_missing(client, cli_run, embedder, connect,
                                                                         tmp_path):
    """The test aid itself: with no migration the acknowledged operations are exactly what the alias
    serves; a lost tenant, a lost object, a resurrected tenant and a wrong status are each seen."""
    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    flags = {"auto_creation": True, "auto_activation": True}
    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder, **flags), TENANTS,
                                            PER_TENANT, 5, COLD)
    kinds = {"create", "auto-create", "insert", "update", "delete", "drop", "cold"}
    workload = TenantWorkload(connect, "Mt", objects, statuses, rate=60.0, seed=5, **flags).start()
    deadline = time.monotonic() + 60  # until the application has done each kind of operation
    while not kinds <= {a.op for a in workload.acks()} and time.monotonic() < deadline:
        time.sleep(0.1)
    workload.stop()
    expected = workload.expected()
    assert kinds <= {a.op for a in workload.acks()}
    assert workload.unresolved == [] and workload.refused == 0, [o.last_refusal for o in workload.owners]
    report = audit(client, "Mt", expected, "words-64")
    assert report.clean, report.describe()
    assert (report.tenants, report.objects) == (len(expected.objects), expected.object_count)
    assert report.woken == sorted(t for t, s in expected.statuses.items() if s == "COLD")

    physical = client.collections.use("Mt_v1")
    hot = sorted(t for t, s in expected.statuses.items() if s == "HOT" and expected.objects[t])
    gone, emptied, slept = hot[:3]
    physical.tenants.remove([gone])
    lost = min(expected.objects[emptied])
    client.collections.use("Mt").with_tenant(emptied).data.delete_by_id(lost)
    physical.tenants.update([Tenant(name=slept, activity_status=TenantActivityStatus.INACTIVE)])
    back = min(expected.dropped)
    physical.tenants.create([Tenant(name=back)])
    report = audit(client, "Mt", expected, "words-64")
    assert report.tenants_missing == [gone] and report.tenants_resurrected == [back]
    assert report.statuses_wrong == [(slept, "HOT", "COLD")]
    assert report.inserts_lost == sorted([(gone, u) for u in expected.objects[gone]] + [(emptied, lost)])
    assert not (report.updates_reverted or report.deletes_resurrected or report.vectors_wrong)
    assert tenant_statuses(client, "Mt_v1")[slept] == "COLD"  # read, and put back to sleep


RESUME_TENANTS, RESUME_OBJECTS, RESUME_COLD = 1000, 2, 50


def _copied_share(client, source: str, sample: list[str]) -> float:
    """Share of the `sample` tenants the copy has recorded as copied (its progress log beside the
    checkpoint: the new version's tenants sleep while they are not being copied)."""
    import json

    from schemactl.state import CHECKPOINTS

    if not client.collections.exists(CHECKPOINTS):
        return 0.0
    done: set[str] = set()
    try:
        for record in client.collections.use(CHECKPOINTS).iterator():
            if record.properties.get("source") == source and str(record.properties.get("definitionHash", "")
                                                                  ).startswith("progress:"):
                state = json.loads(str(record.properties["state"]))
                done |= {t for t, entry in state.items() if entry.get("done")}
    except WeaviateBaseError:  # written to at this moment
        return 0.0
    return len(done & set(sample)) / len(sample)


def test_an_apply_killed_halfway_through_1000_tenants_resumes_and_ends_with_every_tenant_and_object(
        client, cli_run, embedder, weaviate_server, tmp_path):
    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder), RESUME_TENANTS,
                                            RESUME_OBJECTS, 11, RESUME_COLD)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    sample = random.Random(11).sample(sorted(t for t, s in statuses.items() if s == "HOT"), 40)
    process = spawn_apply(weaviate_server, tmp_path)
    try:
        share, deadline = 0.0, time.monotonic() + 300
        while share < 0.5 and time.monotonic() < deadline:
            assert process.poll() is None, ("apply ended before half the tenants were copied", process.communicate())
            time.sleep(0.1)
            share = _copied_share(client, "Mt_v1", sample)
        process.send_signal(signal.SIGKILL)  # no handler runs
        process.wait(10)
    finally:
        process.kill()
    assert 0.5 <= share < 1.0, share
    assert aliases(client) == {"Mt": "Mt_v1"}
    assert cli_run("force-unlock").exit_code == 0
    # the resumed run compares the stopped run's tenants again: a write pause that fits it on a busy machine
    result = cli_run("apply", str(tmp_path), "--auto-approve", "--max-write-pause", "120")
    assert result.exit_code == 0, result.output
    assert re.search(r"resum(e|ed|ing)\b", result.stderr), result.stderr
    assert aliases(client) == {"Mt": "Mt_v2"}
    report = audit(client, "Mt", Expected(objects, statuses, frozenset(), {}), "words-64")
    assert report.clean, report.describe()
    assert (report.tenants, report.objects) == (RESUME_TENANTS, RESUME_TENANTS * RESUME_OBJECTS), report.describe()
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


def _fenced_as_copied(weaviate_server, source: str) -> list[str]:
    """The tenants a copy still in its copy phase has fenced (it records them before fencing)."""
    from schemactl.connection import Target
    from schemactl.live import RestClient
    from schemactl.resume import Phase
    from schemactl.state import load_checkpoint

    reader = RestClient(Target(weaviate_server.url))
    try:
        checkpoint = load_checkpoint(reader, source)
    except Exception:  # noqa: BLE001 - the checkpoint class is being written to at this moment
        return []
    finally:
        reader.close()
    if checkpoint is None or checkpoint.state.phase != Phase.COPY:
        return []
    return list(checkpoint.state.fenced or [])


def _read_only(weaviate_server, collection: str, tenant: str) -> bool:
    """Whether `tenant`'s shard of `collection` is fenced (READONLY)."""
    from schemactl.apply.fence import READONLY, shard_statuses
    from schemactl.connection import Target
    from schemactl.live import RestClient

    with RestClient(Target(weaviate_server.url)) as reader:
        return shard_statuses(reader, collection).get(tenant) == READONLY


FENCE_EARLY_PAUSE = "600"  # --max-write-pause: seconds, fencing as it copies from the second group on


def test_an_apply_killed_while_it_fences_tenants_as_it_copies_lets_writes_in_again_and_resumes(
        client, cli_run, embedder, weaviate_server, tmp_path):
    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder), KILLED_TENANTS, 5, 12,
                                            0)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    # a write pause far longer than the copy: the first group fits in it however busy the machine
    process = spawn_apply(weaviate_server, tmp_path, "--max-write-pause", FENCE_EARLY_PAUSE)
    try:
        fenced, deadline = [], time.monotonic() + 120
        while not fenced and time.monotonic() < deadline:
            assert process.poll() is None, ("apply ended before it fenced a tenant", process.communicate())
            fenced = _fenced_as_copied(weaviate_server, "Mt_v1")
            time.sleep(0.05)
        while fenced and not _read_only(weaviate_server, "Mt_v1", fenced[0]) and time.monotonic() < deadline:
            assert process.poll() is None, ("apply ended before it fenced a tenant", process.communicate())
            time.sleep(0.02)  # the fence itself follows its record
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        process.kill()
    assert fenced
    tenant = client.collections.use("Mt").with_tenant(fenced[0])
    with pytest.raises(WeaviateBaseError):  # fenced: the write fails, and is not acknowledged
        tenant.data.insert({"title": "while fenced"})
    assert cli_run("force-unlock").exit_code == 0
    planned = cli_run("plan", str(tmp_path))  # says why writes fail, and shows the recreate still to do
    assert "warning: writes to Mt fail: an apply fenced them for its cutover and has not finished" in planned.output
    assert "update in place" not in planned.output, planned.output  # not the tenant settings the fence paused
    result = cli_run("apply", str(tmp_path), "--auto-approve", "--max-write-pause", FENCE_EARLY_PAUSE)
    assert result.exit_code == 0, result.output
    assert "Mt_v1 is writable again" in result.stderr, result.stderr
    assert aliases(client) == {"Mt": "Mt_v2"}
    report = audit(client, "Mt", Expected(objects, statuses, frozenset(), {}), "words-64")
    assert report.clean, report.describe()
    assert (report.tenants, report.objects) == (KILLED_TENANTS, KILLED_TENANTS * 5), report.describe()


def _hand_over_checkpoint(weaviate_server, source: str, alias_target: str, *, forget_change: bool = False) -> bool:
    """Whether the checkpoint of the copy from `source` says its hand-over is still to be done;
    `forget_change`: then make it one an earlier schemactl wrote (without the recreate's change)."""
    from schemactl.connection import Target
    from schemactl.live import RestClient
    from schemactl.state import load_checkpoint, save_checkpoint

    with RestClient(Target(weaviate_server.url)) as reader:
        checkpoint = load_checkpoint(reader, source)
        left = checkpoint is not None and checkpoint.hand_over_left(alias_target)
        if left and forget_change:
            checkpoint.state.change = None
            save_checkpoint(reader, checkpoint)
    return left


def _stopped_after_the_switch(alias: str, target: str, *, waking: int = 0):
    """A `sent` for apply_stopped_after: true for the request that moved `alias` to `target`
    (re-pointed, or made anew for a rename) or, with `waking`, for the `waking`th request after it
    that wakes tenants of `target` (the hand-over's second half: the old version's tenants are
    asleep by then, the new version's woken 100 per request, each request's recorded after it)."""
    moved, woken = [], []

    def sent(method: str, path: str, body) -> bool:
        if not moved:
            moved.extend([path] if (method, path) == ("PUT", f"/v1/aliases/{alias}") or (
                (method, path) == ("POST", "/v1/aliases") and body.get("alias") == alias) else [])
            return bool(moved) and not waking
        woken.extend([path] if (method, path) == ("PUT", f"/v1/schema/{target}/tenants")
                     and any(t.get("activityStatus") == "HOT" for t in body) else [])
        return len(woken) == waking
    return sent


def _recorded_handed(weaviate_server, source: str) -> set[str]:
    """The tenants the copy's record (checkpoint and progress log) says its hand-over gave their
    status already."""
    from schemactl.connection import Target
    from schemactl.live import RestClient
    from schemactl.state import load_checkpoint, replay_progress

    with RestClient(Target(weaviate_server.url)) as reader:
        checkpoint = load_checkpoint(reader, source)
        replay_progress(reader, checkpoint)
    return {t for t, entry in checkpoint.state.tenants.items() if entry.handed}


def test_a_rename_stopped_between_its_two_alias_steps_is_finished_by_the_next_apply(
        client, cli_run, embedder, weaviate_server, monkeypatch, tmp_path):
    """A rename of Mt to Docs stopped as SIGKILL stops it in its hand-over (once it woke the
    first 100 tenants of Docs_v1), with the old name's alias made again at
    Mt_v1 (as a run stopped between creating Docs and removing Mt leaves it; that moment is too
    short to kill the apply in): the next plan names both what is left, apply removes Mt and
    finishes the hand-over, and the audit through Docs is clean."""
    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder), EARLY_TENANTS, 5, 17, 20)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder).replace("name: Mt\n", "name: Docs\nrenamedFrom: Mt\n"))
    apply_stopped_after(cli_run, monkeypatch, tmp_path, _stopped_after_the_switch("Docs", "Docs_v1", waking=1),
                        "--max-write-pause", "120")
    client.alias.create(alias_name="Mt", target_collection="Mt_v1")
    assert aliases(client) == {"Docs": "Docs_v1", "Mt": "Mt_v1"}
    assert cli_run("force-unlock").exit_code == 0

    planned = cli_run("plan", str(tmp_path), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "the alias Mt, still at Mt_v1, is removed" in planned.output
    assert "finish the recreate an earlier apply left after moving the alias to Docs_v1" in planned.output
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "removed the alias Mt, which an earlier apply renaming it to Docs had left at Mt_v1" in result.stderr
    assert aliases(client) == {"Docs": "Docs_v1"}
    report = audit(client, "Docs", Expected(objects, statuses, frozenset(), {}), "words-64")
    assert report.clean, report.describe()
    assert not [t for t, s in tenant_statuses(client, "Mt_v1").items() if s == "HOT"]
    assert not _hand_over_checkpoint(weaviate_server, "Mt_v1", "Docs_v1")
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0

@pytest.mark.parametrize("case", ["late-tenant", "earlier-checkpoint", "saved-plan", "rollback"])
def test_an_apply_killed_after_its_alias_moved_leaves_a_hand_over_the_next_apply_finishes(
        client, cli_run, embedder, weaviate_server, monkeypatch, tmp_path, case):
    """The checkpoint keeps what the hand-over needs: a plan made afterwards finishes it first
    (with a tenant the application created in the old version as the alias moved, also once the
    stopped run's hand-over had started putting the old version's tenants to sleep), and what the
    application did in the new version until then stays done (a tenant it deleted there is not
    brought back, one it created is kept); one written before checkpoints kept the recreate's
    change still lets it finish when no tenant needs copying; the same saved plan applied again
    finishes it, once stopped with the old version's tenants asleep and the new version's half
    awake, without copying anything again and without undoing an operator's status change of a
    tenant it had handed over; `rollback --force` abandons it instead. Each run is stopped as
    SIGKILL stops it (no request after): right after the alias moved, or (saved-plan) right
    after the hand-over's second request waking the new version's tenants (the first's
    recorded as handed over)."""
    from weaviate.classes.tenants import Tenant

    many = case == "saved-plan"  # stopped in the hand-over's second half: more than 200 tenants to wake
    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder),
                                            EARLY_TENANTS if many else EARLY_TENANTS // 2, 5, 13, 40 if many else 15)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    saved = tmp_path.parent / f"{tmp_path.name}-plan.json"
    if case == "saved-plan":
        assert cli_run("plan", str(tmp_path), "--out", str(saved)).exit_code == 0
    requests = apply_stopped_after(cli_run, monkeypatch, saved if case == "saved-plan" else tmp_path,
                                   _stopped_after_the_switch("Mt", "Mt_v2", waking=2 if many else 0),
                                   "--max-write-pause", "120")
    assert requests[-1] == ("/v1/schema/Mt_v2/tenants" if many else "/v1/aliases/Mt"), requests[-3:]
    assert aliases(client) == {"Mt": "Mt_v2"}
    assert _hand_over_checkpoint(weaviate_server, "Mt_v1", "Mt_v2", forget_change=case == "earlier-checkpoint")
    late: dict[str, dict[str, dict]] = {}
    if case in ("late-tenant", "saved-plan"):  # the application, holding the old physical name, creates a
        # tenant there and writes (saved-plan: once the stopped run had started putting Mt_v1's tenants to sleep)
        late = {"late00001": next(iter(seed_tenants(1, 3, 14)[0].values()))}
        old = client.collections.use("Mt_v1")
        old.tenants.create([Tenant(name="late00001")])
        written = old.with_tenant("late00001").data.insert_many(
            [DataObject(properties=props, uuid=uuid) for uuid, props in late["late00001"].items()])
        assert not written.errors
    added, dropped = dict(late), frozenset[str]()
    if case == "late-tenant":  # and works on in the new version, the live one: deletes a tenant, creates one
        dropped = frozenset({min(t for t, s in statuses.items() if s == "HOT")})
        client.collections.use("Mt_v2").tenants.remove(sorted(dropped))
        added["signup00001"] = next(iter(seed_tenants(1, 3, 15)[0].values()))
        client.collections.use("Mt_v2").tenants.create([Tenant(name="signup00001")])
        written = client.collections.use("Mt").with_tenant("signup00001").data.insert_many(
            [DataObject(properties=props, uuid=uuid) for uuid, props in added["signup00001"].items()])
        assert not written.errors
    operated = None
    if case == "saved-plan":  # a tenant the stopped run had woken (and recorded so); an operator puts it to sleep
        handed = _recorded_handed(weaviate_server, "Mt_v1")
        assert len(handed) == 100, len(handed)  # the first request's, recorded; not the second's
        operated = min(t for t in handed if statuses[t] == "HOT")
        assert tenant_statuses(client, "Mt_v2")[operated] == "HOT"
        changed = cli_run("tenants", "Mt", "--update", operated, "--status", "COLD")
        assert changed.exit_code == 0 and "Changed 1 tenant(s) in Mt_v2" in changed.output, changed.output
    assert cli_run("force-unlock").exit_code == 0

    if case == "rollback":
        refused = cli_run("rollback", "Mt")
        assert refused.exit_code == 1 and "roll back with --force to abandon it" in refused.output, refused.output
        rolled = cli_run("rollback", "Mt", "--force")
        assert rolled.exit_code == 0, rolled.output
        assert aliases(client) == {"Mt": "Mt_v1"} and not _hand_over_checkpoint(weaviate_server, "Mt_v1", "Mt_v2")
        report = audit(client, "Mt", Expected(objects, statuses, frozenset(), {}), "words-64")
        assert report.clean, report.describe()
        planned = cli_run("plan", str(tmp_path), "--detailed-exitcode")  # the files still ask for the change
        assert planned.exit_code == 2 and "finish the recreate" not in planned.output, planned.output
        return
    if case == "saved-plan":
        result = cli_run("apply", str(saved), "--auto-approve")
    else:
        planned = cli_run("plan", str(tmp_path), "--detailed-exitcode")
        assert planned.exit_code == 2, planned.output
        assert "finish the recreate an earlier apply left after moving the alias to Mt_v2" in planned.output
        assert "its autoTenantActivation goes back to false" in planned.output  # the stopped run had turned it on
        assert "update in place" not in planned.output, planned.output  # nothing else: the files did not change
        for refused in (["drop-old-versions", "Mt", "--allow-destructive"], ["rollback", "Mt"]):
            outcome = cli_run(*refused)
            assert outcome.exit_code == 1 and "run `schemactl apply` to finish it" in outcome.output, outcome.output
        assert client.collections.exists("Mt_v1") and aliases(client) == {"Mt": "Mt_v2"}
        result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "finished the hand-over to Mt_v2" in result.stderr, result.stderr
    assert "Mt_v3" not in result.output + result.stderr and not client.collections.exists("Mt_v3")
    if case in ("late-tenant", "saved-plan"):
        assert "1 tenant(s) created in Mt_v1 as the alias moved (late00001) carried over" in result.stderr

    kept = {t: owned for t, owned in (objects | added).items() if t not in dropped}
    wanted = statuses | {t: "HOT" for t in added} | ({operated: "COLD"} if operated else {})  # the operator's stays
    expected = Expected(kept, {t: s for t, s in wanted.items() if t in kept}, dropped, {})
    report = audit(client, "Mt", expected, "words-64")  # every object, and every status as it was in Mt_v1
    assert report.clean, report.describe()
    assert report.tenants == len(statuses) + len(added) - len(dropped), report.describe()
    assert not [t for t, s in tenant_statuses(client, "Mt_v1").items() if s == "HOT"]  # kept for rollback, asleep
    assert not _hand_over_checkpoint(weaviate_server, "Mt_v1", "Mt_v2")
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


def test_a_plan_never_wakes_a_tenant_the_application_puts_to_sleep_after_the_listing(client, cli_run, embedder,
                                                                                      monkeypatch, tmp_path):
    """With autoTenantActivation on, any read of a sleeping tenant wakes it. Before: a tenant put
    to sleep between the plan's listing and its counts (or its integer check) was woken by them,
    and a recreate then handed the new version the status schemactl had given it. Now the
    statuses are asked again just before each read."""
    import schemactl.live
    import schemactl.planning

    _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder, auto_activation=True), 6, 3, 17, 0)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot", auto_activation=True))
    tenants = sorted(tenant_statuses(client, "Mt_v1"))
    counted, checked = schemactl.live.count_per_tenant, schemactl.planning.wrapped_integers
    old = client.collections.use("Mt_v1").tenants

    def count_per_tenant(reader, physical, names):
        old.update([Tenant(name=tenants[0], activity_status=TenantActivityStatus.INACTIVE)])
        return counted(reader, physical, names)

    def wrapped_integers(reader, change, live, names):
        old.update([Tenant(name=tenants[1], activity_status=TenantActivityStatus.INACTIVE)])
        return checked(reader, change, live, names)

    with monkeypatch.context() as patch:
        patch.setattr(schemactl.live, "count_per_tenant", count_per_tenant)
        patch.setattr(schemactl.planning, "wrapped_integers", wrapped_integers)
        planned = cli_run("plan", str(tmp_path), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "15 objects in 5 tenants awake, and 1 tenant(s) asleep not counted" in planned.output, planned.output
    now = tenant_statuses(client, "Mt_v1")
    assert now[tenants[0]] == now[tenants[1]] == "COLD", now  # as the application left them


@pytest.mark.parametrize("when", ["copy", "delta pass"])
def test_a_tenant_the_application_puts_to_sleep_after_the_copy_listed_it_is_handed_over_asleep(
        client, cli_run, embedder, monkeypatch, tmp_path, when):
    """With autoTenantActivation on, a read of a sleeping tenant wakes it. Before: two tenants put
    to sleep by the application after the copy (or a delta pass) listed them awake, before it read
    them, were woken by that read and handed over HOT. Now each group of active tenants is listed
    again just before it is read; those asleep are copied (or compared) as sleeping tenants,
    activation paused."""
    from schemactl.apply import recreate
    from schemactl.apply.tenant_recreate import TenantRecreate

    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder, auto_activation=True),
                                            8, 3, 18, 0)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot", auto_activation=True))
    slept = sorted(statuses)[-2:]
    hooked = "copy_all" if when == "copy" else "relist"  # the delta passes list the tenants first
    original, done = getattr(TenantRecreate, hooked), []

    def put_to_sleep_after(self, **options):
        found = original(self, **options) if hooked == "relist" else None
        if not done:
            done.append(client.collections.use("Mt_v1").tenants.update(
                [Tenant(name=t, activity_status=TenantActivityStatus.INACTIVE) for t in slept]))
        return found if hooked == "relist" else original(self, **options)

    with monkeypatch.context() as patch:
        patch.setattr(TenantRecreate, hooked, put_to_sleep_after)
        patch.setattr(recreate, "QUICK_COPY", 0.0)  # a delta pass follows the copy, however quick
        applied = cli_run("apply", str(tmp_path), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert done and aliases(client) == {"Mt": "Mt_v2"}
    asleep = statuses | {t: "COLD" for t in slept}
    report = audit(client, "Mt", Expected(objects, asleep, frozenset(), {}), "words-64")
    assert report.clean, report.describe()  # as the application left them, every object there


@pytest.mark.parametrize("was", ["fenced", "asleep"])
def test_a_tenant_the_application_wakes_and_writes_as_the_alias_is_about_to_move_is_settled_again(
        client, cli_run, embedder, monkeypatch, tmp_path, was):
    """A tenant the application wakes after the last fenced round (fenced: put to sleep and woken,
    its shard back writable; asleep: COLD at the last listing, woken), then an object of it
    updated and another deleted there. Before: after the switch only its missing objects were
    carried over, so the update was reverted and the deleted object came back in the new version
    (for a sleeping tenant, until this release, as only fenced tenants were checked). Now it is
    fenced and settled again first, and a woken sleeping one handed over awake."""
    from schemactl.apply.tenant_recreate import TenantRecreate

    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder), 4, 3, 19,
                                            2 if was == "asleep" else 0)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    tenant = min(statuses)  # COLD when some are: the first by name are
    assert (statuses[tenant] == "COLD") == (was == "asleep")
    changed, dropped, _ = sorted(objects[tenant])
    settle_fenced = TenantRecreate.settle_fenced
    woken = ([TenantActivityStatus.INACTIVE] if was == "fenced" else []) + [TenantActivityStatus.ACTIVE]

    def woken_and_written_after(self):
        found = settle_fenced(self)
        old = client.collections.use("Mt_v1")
        for status in woken:
            old.tenants.update([Tenant(name=tenant, activity_status=status)])
        old.with_tenant(tenant).data.update(uuid=changed, properties={"title": "changed after the last read"})
        old.with_tenant(tenant).data.delete_by_id(dropped)
        return found

    with monkeypatch.context() as patch:
        patch.setattr(TenantRecreate, "settle_fenced", woken_and_written_after)
        applied = cli_run("apply", str(tmp_path), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert f"1 tenant(s) writable again as the alias was about to move ({tenant})" in applied.stderr
    objects[tenant][changed] = {**objects[tenant][changed], "title": "changed after the last read"}
    del objects[tenant][dropped]
    expected = Expected(objects, statuses | {tenant: "HOT"}, frozenset(), {tenant: frozenset({dropped})})
    report = audit(client, "Mt", expected, "words-64")
    assert report.clean, report.describe()


def test_a_tenant_created_in_the_fenced_pass_of_a_copy_fenced_as_it_went_keeps_every_other_tenant_fenced(
        client, cli_run, embedder, monkeypatch, tmp_path):
    """A copy fenced as it went (it fitted in the write pause), then, in the fenced pass, a tenant
    the application created by the physical name, copied as the listing found it. Before: the
    copy of that one tenant judged the fence held too long (the copy had slowed down), lifted it
    from every tenant, and the fenced pass went on as if the tenants it had settled were still
    fenced: an update acknowledged then was not in the new version (apply exit 0, "verified ...
    the same ids and content"). Now a fence held in the fenced pass stays until the alias moves."""
    from schemactl.apply.tenant_recreate import TenantRecreate

    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder), EARLY_TENANTS, 3, 21, 0)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    settled_tenant, late = min(statuses), "customer-late"
    updated = min(objects[settled_tenant])
    settle_fenced, relist, fits = TenantRecreate.settle_fenced, TenantRecreate.relist, TenantRecreate.fenced_copy_fits
    fenced_pass: list[bool] = []

    def marked(self):
        fenced_pass.append(True)
        return settle_fenced(self)

    def with_a_tenant_created_first(self):
        if fenced_pass and late not in objects:
            client.collections.use("Mt_v1").tenants.create([Tenant(name=late)])
            made = {"title": "made in the fenced pass", "body": "late"}
            uuid = client.collections.use("Mt").with_tenant(late).data.insert(made)
            objects[late], statuses[late] = {str(uuid): made}, "HOT"
            found = relist(self)
            try:  # acknowledged only if the tenant is writable again
                client.collections.use("Mt").with_tenant(settled_tenant).data.update(
                    uuid=updated, properties={"title": "updated in the fenced pass"})
                objects[settled_tenant][updated] = {**objects[settled_tenant][updated],
                                                    "title": "updated in the fenced pass"}
            except WeaviateBaseError:
                pass
            return found
        return relist(self)

    with monkeypatch.context() as patch:
        patch.setattr(TenantRecreate, "settle_fenced", marked)
        patch.setattr(TenantRecreate, "relist", with_a_tenant_created_first)
        # the copy slowed down, as far as any check in the fenced pass can tell
        patch.setattr(TenantRecreate, "fenced_copy_fits", lambda self, *a, **k: not fenced_pass and fits(self, *a, **k))
        applied = cli_run("apply", str(tmp_path), "--auto-approve", "--max-write-pause", EARLY_PAUSE)
    assert applied.exit_code == 0, applied.output
    assert "fenced, copied and verified in one go" in applied.stderr, applied.stderr
    assert late in objects and "Mt_v1 is writable again" not in applied.stderr, applied.stderr
    report = audit(client, "Mt", Expected(objects, statuses, frozenset(), {}), "words-64")
    assert report.clean, report.describe()
    assert report.tenants == EARLY_TENANTS + 1, report.describe()


def test_a_recreate_killed_before_it_made_the_new_versions_tenants_resumes_with_every_tenant(
        client, cli_run, embedder, monkeypatch, tmp_path):
    """Killed after Mt_v2 was made, before its tenants were. Before: Mt_v2 was named by no
    checkpoint (an unmanaged collection); a resume would have found no tenants to write into."""
    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder), 6, 3, 22, 2)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    apply_stopped_after(cli_run, monkeypatch, tmp_path,
                        lambda method, path, body: (method, path) == ("POST", "/v1/schema") and body["class"] == "Mt_v2")
    assert client.collections.use("Mt_v2").tenants.get() == {}
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "resuming the copy into Mt_v2" in result.stderr, result.stderr
    report = audit(client, "Mt", Expected(objects, statuses, frozenset(), {}), "words-64")
    assert report.clean and report.tenants == 6, report.describe()


def test_a_rollback_abandoning_a_hand_over_stopped_as_it_put_the_old_version_to_sleep_wakes_its_tenants(
        client, cli_run, embedder, monkeypatch, tmp_path):
    """Before: an apply stopped once its hand-over had put 100 of the old version's active tenants
    to sleep, before it woke their copies, then `rollback --force`: the old version's tenants woke
    only where their copies were awake, so those 100 stayed COLD and every request to them failed.
    Now a tenant the hand-over had not given its status takes the one recorded at the switch,
    unless it was asleep then and the application has woken it in the new version since (before
    this too, it stayed asleep)."""
    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder), 150, 3, 16, 15)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    moved: list[str] = []

    def put_to_sleep_after_the_switch(method: str, path: str, body) -> bool:
        moved.extend([path] if (method, path) == ("PUT", "/v1/aliases/Mt") else [])
        return bool(moved) and path == "/v1/schema/Mt_v1/tenants" and method == "PUT" \
            and all(t["activityStatus"] == "COLD" for t in body)

    apply_stopped_after(cli_run, monkeypatch, tmp_path, put_to_sleep_after_the_switch, "--max-write-pause", "120")
    asleep = [t for t, s in tenant_statuses(client, "Mt_v1").items() if s == "COLD" and statuses[t] == "HOT"]
    assert len(asleep) == 100, len(asleep)  # the first request of the hand-over's, as the test means it
    assert aliases(client) == {"Mt": "Mt_v2"}
    woken = min(t for t, s in tenant_statuses(client, "Mt_v2").items() if s == "COLD" and statuses[t] == "COLD")
    client.collections.use("Mt").with_tenant(woken).query.fetch_objects(limit=1)  # wakes it (autoTenantActivation)
    assert tenant_statuses(client, "Mt_v2")[woken] == "HOT"
    rolled = cli_run("rollback", "Mt", "--force")
    assert rolled.exit_code == 0, rolled.output
    assert aliases(client) == {"Mt": "Mt_v1"}
    report = audit(client, "Mt", Expected(objects, statuses | {woken: "HOT"}, frozenset(), {}), "words-64")
    assert report.clean, report.describe()  # every object, and every tenant as it was or as woken since


def test_a_tenant_created_in_the_old_version_as_the_hand_over_starts_keeps_its_status_through_a_stop(
        client, cli_run, embedder, monkeypatch, tmp_path):
    """A tenant the application creates by the old physical name after the hand-over's last listing
    of it, then an apply stopped as it puts the old version to sleep. Before: it put that tenant
    to sleep too, so the apply finishing the hand-over carried it over COLD, a status schemactl had
    given it (requests to it failed). Now the hand-over puts to sleep only the tenants it knows."""
    import json

    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder), 150, 3, 18, 15)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    # named to sort first: the stopped run's first request of 100 puts it to sleep, if anything does
    late = {"alate00002": next(iter(seed_tenants(1, 3, 19)[0].values()))}
    moved: list[str] = []

    def created_then_put_to_sleep(method: str, path: str, body) -> bool:
        moved.extend([path] if (method, path) == ("PUT", "/v1/aliases/Mt") else [])
        if len(moved) == 1 and isinstance(body, dict) and body.get("class") == "SchemactlCheckpoint" \
                and "handover" in json.dumps(body):  # recorded: the hand-over starts, its listing is done
            moved.append("created")
            old = client.collections.use("Mt_v1")
            old.tenants.create([Tenant(name="alate00002")])
            assert not old.with_tenant("alate00002").data.insert_many(
                [DataObject(properties=p, uuid=u) for u, p in late["alate00002"].items()]).errors
        return len(moved) == 2 and (method, path) == ("PUT", "/v1/schema/Mt_v1/tenants")

    apply_stopped_after(cli_run, monkeypatch, tmp_path, created_then_put_to_sleep, "--max-write-pause", "120")
    assert moved == ["/v1/aliases/Mt", "created"], moved
    assert tenant_statuses(client, "Mt_v1")["alate00002"] == "HOT"  # the application's, left as it was
    finished = cli_run("apply", str(tmp_path), "--auto-approve")
    assert finished.exit_code == 0, finished.output
    assert "1 tenant(s) created in Mt_v1 as the alias moved (alate00002) carried over" in finished.stderr
    expected = Expected(objects | late, statuses | {"alate00002": "HOT"}, frozenset(), {})
    report = audit(client, "Mt", expected, "words-64")
    assert report.clean, report.describe()


def test_a_multi_tenant_collection_made_outside_schemactl_is_taken_over_with_every_tenant_as_it_was(
        client, cli_run, embedder, tmp_path):
    """The first cutover of a collection made by hand deletes it to free its name for the alias:
    its tenants are listed a last time before that, and the hand-over reads nothing of it after
    (before, apply failed after the cutover putting the deleted collection's tenants to sleep, and
    left the new version's COLD)."""
    import yaml

    from schemactl.rest_json import to_rest
    from schemactl.validate import parse_collection

    schema = mt_schema(embedder)
    client.collections.create_from_dict(to_rest(parse_collection(yaml.safe_load(schema))))  # by hand
    objects, statuses = seed_tenants(12, 5, 21, cold=4)
    load(client, "Mt", objects, statuses)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    result = cli_run("apply", str(tmp_path), "--auto-approve", "--allow-destructive")
    assert result.exit_code == 0, result.output
    assert aliases(client) == {"Mt": "Mt_v1"}
    assert tenant_statuses(client, "Mt_v1") == statuses
    report = audit(client, "Mt", Expected(objects, statuses, frozenset(), {}), "words-64")
    assert report.clean, report.describe()
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


def test_a_first_cutover_killed_between_freeing_the_name_and_the_alias_is_finished_with_every_status(
        client, cli_run, embedder, tmp_path, monkeypatch):
    """Killed (no request after) once the collection made by hand was deleted to free its name.
    Before, plan said "create" while apply made the alias, and the tenants stayed asleep with
    autoTenantActivation on."""
    import yaml

    from schemactl.rest_json import to_rest
    from schemactl.validate import parse_collection

    client.collections.create_from_dict(to_rest(parse_collection(yaml.safe_load(mt_schema(embedder)))))  # by hand
    objects, statuses = seed_tenants(12, 5, 22, cold=4)
    load(client, "Mt", objects, statuses)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    apply_killed_once_it_deletes(cli_run, monkeypatch, tmp_path, "Mt")
    assert aliases(client) == {}
    planned = cli_run("plan", str(tmp_path))
    assert "finish the first cutover an earlier apply left after deleting Mt" in planned.stdout, planned.output
    assert "take the statuses they had in Mt" in planned.stdout and "create collection" not in planned.stdout
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert aliases(client) == {"Mt": "Mt_v1"} and tenant_statuses(client, "Mt_v1") == statuses
    report = audit(client, "Mt", Expected(objects, statuses, frozenset(), {}), "words-64")
    assert report.clean, report.describe()
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0  # autoTenantActivation as it was


def _killed_once_the_copy_woke_sleeping_tenants(cli_run, tmp_path, monkeypatch, *, wake: int = 1) -> None:
    """An apply stopped as SIGKILL stops it (no request after) just after it woke the `wake`th
    group of the source's sleeping tenants (fenced) to copy them."""
    from schemactl.live import RestClient

    real, dead, woken = RestClient.send, [], []

    def send(self, method, path, body, what):
        if len(woken) >= wake:
            raise KeyboardInterrupt
        answer = real(self, method, path, body, what)
        if method == "PUT" and path == "/v1/schema/Mt_v1/tenants" and \
                any(b.get("activityStatus") == "HOT" for b in body or []):
            woken.append(what)
            dead.append(what)
        return answer

    with monkeypatch.context() as patch:
        patch.setattr(RestClient, "send", send)
        assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code != 0
    assert dead, "the apply never woke a sleeping tenant"
    assert cli_run("force-unlock").exit_code == 0


@pytest.mark.parametrize("files_changed", [False, True])
def test_after_an_apply_killed_with_sleeping_tenants_awake_every_write_and_status_since_is_kept(
        client, cli_run, embedder, tmp_path, monkeypatch, files_changed):
    """The apply killed with a group of sleeping tenants awake and fenced for their copy; then the
    operator wakes every sleeping tenant and writes to each. Before, the next run put the group
    back to sleep as the stopped run's record said: statuses set since were undone, the fence
    stayed on a discarded copy's source, and (once the record was written) writes to tenants
    copied before the kill were lost. One group woken at a time: the stopped run had woken the
    first only, and the other sleeping tenants take their writes."""
    monkeypatch.setattr("schemactl.apply.tenant_recreate.TENANT_WORKERS", 1)
    original = mt_schema(embedder)
    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, original, 16, 5, 21, 12)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    _killed_once_the_copy_woke_sleeping_tenants(cli_run, tmp_path, monkeypatch)
    cold = sorted(t for t, s in statuses.items() if s == "COLD")
    fenced = [t for t in cold if tenant_statuses(client, "Mt_v1")[t] == "HOT"]  # the stopped run's wake
    assert fenced
    physical = client.collections.use("Mt_v1")
    physical.tenants.update([Tenant(name=t, activity_status=TenantActivityStatus.ACTIVE) for t in cold])
    refused = []
    for tenant in cold:
        uuid = f"00000000-0000-4000-8000-{cold.index(tenant):012d}"
        try:
            client.collections.use("Mt").with_tenant(tenant).data.insert({"title": f"after {tenant}", "body": ""},
                                                                         uuid=uuid)
        except WeaviateBaseError as error:  # fenced by the stopped run (awake, or asleep and fenced to wake)
            assert "read-only" in str(error)
            refused.append(tenant)  # refused: never acknowledged
            continue
        objects[tenant][uuid] = {"title": f"after {tenant}", "body": ""}
    assert set(fenced) <= set(refused) and len(refused) < len(cold)  # the others took their writes
    if files_changed:
        (tmp_path / "mt.yaml").write_text(original)
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "an earlier apply had woken to copy" in result.stderr and "left awake" in result.stderr, result.stderr
    assert aliases(client) == {"Mt": "Mt_v1" if files_changed else "Mt_v2"}
    awake = {t: "HOT" for t in cold}  # as the operator set them
    report = audit(client, "Mt", Expected(objects, statuses | awake, frozenset(), {}), "words-64")
    assert report.clean, report.describe()
    for tenant in refused:  # writable again
        client.collections.use("Mt").with_tenant(tenant).data.insert({"title": "after the apply"})
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


def test_an_apply_interrupted_during_the_copy_gives_the_source_its_tenant_activation_back(
        client, cli_run, embedder, tmp_path, monkeypatch):
    """Before: Ctrl-C (or a failed copy) left autoTenantActivation off on the collection the alias
    serves, and every request to a sleeping tenant failed until an apply came back."""
    from schemactl.apply.tenant_recreate import TenantRecreate

    schema = mt_schema(embedder, auto_activation=True)
    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, schema, 24, 5, 22, 20)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot", auto_activation=True))
    copied, real = [], TenantRecreate._copy_and_settle

    def interrupted(self, tenant):
        if copied:
            raise KeyboardInterrupt
        copied.append(tenant)
        return real(self, tenant)

    with monkeypatch.context() as patch:
        patch.setattr(TenantRecreate, "_copy_and_settle", interrupted)
        stopped = cli_run("apply", str(tmp_path), "--auto-approve")
    assert stopped.exit_code == 1
    assert "interrupted during step 1 (recreate Mt)" in stopped.output, stopped.output  # it names the step
    assert copied
    config = client.collections.use("Mt_v1").config.get().multi_tenancy_config
    assert config.auto_tenant_activation, "the source's activation was left off"
    client.collections.use("Mt").with_tenant(copied[0]).data.insert({"title": "woken by a write", "body": ""},
                                                                     uuid="00000000-0000-4000-8000-000000000001")
    objects[copied[0]]["00000000-0000-4000-8000-000000000001"] = {"title": "woken by a write", "body": ""}
    planned = cli_run("plan", str(tmp_path))
    assert "autoTenantActivation" not in planned.stdout, planned.stdout  # not a change of its own
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    report = audit(client, "Mt", Expected(objects, statuses | {copied[0]: "HOT"}, frozenset(), {}, reads_wake=True),
                   "words-64")
    assert report.clean, report.describe()


def test_a_sleeping_tenant_woken_written_and_put_back_to_sleep_after_a_kill_is_copied_on_resume(
        client, cli_run, embedder, tmp_path, monkeypatch):
    """Between a kill and the apply that resumes it (any time), the application wakes tenants the
    stopped run had copied, writes to them and puts them back to sleep: no listing shows it (two
    status changes). Before, the resumed run trusted the stopped run's record of them, and the
    writes were missing behind the alias once it said every tenant held the same content."""
    monkeypatch.setattr("schemactl.apply.tenant_recreate.WAKE_GROUP", 2)
    monkeypatch.setattr("schemactl.apply.tenant_recreate.TENANT_WORKERS", 1)
    objects, statuses = _applied_and_loaded(client, cli_run, tmp_path, mt_schema(embedder), 12, 5, 23, 10)
    (tmp_path / "mt.yaml").write_text(mt_schema(embedder, distance="dot"))
    _killed_once_the_copy_woke_sleeping_tenants(cli_run, tmp_path, monkeypatch, wake=4)  # three groups copied
    physical = client.collections.use("Mt_v1")
    now = tenant_statuses(client, "Mt_v1")
    asleep = sorted(t for t, s in now.items() if s == "COLD")
    left_awake = {t: "HOT" for t, s in statuses.items() if s == "COLD" and now[t] == "HOT"}  # the killed run's wake
    assert len(asleep) >= 6 and left_awake
    physical.tenants.update([Tenant(name=t, activity_status=TenantActivityStatus.ACTIVE) for t in asleep])
    for index, tenant in enumerate(asleep):
        uuid = f"00000000-0000-4000-8000-{index:012d}"
        client.collections.use("Mt").with_tenant(tenant).data.insert({"title": f"between {tenant}", "body": ""},
                                                                     uuid=uuid)
        objects[tenant][uuid] = {"title": f"between {tenant}", "body": ""}
    physical.tenants.update([Tenant(name=t, activity_status=TenantActivityStatus.INACTIVE) for t in asleep])
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    report = audit(client, "Mt", Expected(objects, statuses | left_awake, frozenset(), {}), "words-64")
    assert report.clean, report.describe()
