"""Migrations while the application writes through the alias: no acknowledged write lost,
reverted or resurrected, every vector the right one for the object's final text."""
from __future__ import annotations

import threading
import time

import pytest
from weaviate.classes.data import DataObject
from weaviate.exceptions import WeaviateBaseError

from schemactl.dev.workload import Workload, audit, deleted_last, seed_objects
from tests.integration.test_migrate_on_server import aliases, doc_schema

OBJECTS = 1500
RATE = 40.0  # writes/s through the alias, from three threads
AFTER = 20  # writes acknowledged after the apply, each through the alias to the new version


@pytest.fixture
def connect(weaviate_server):
    import weaviate

    return lambda: weaviate.connect_to_local(host="127.0.0.1", port=weaviate_server.ports.http,
                                             grpc_port=weaviate_server.ports.grpc)


def _seeded_doc(client, cli_run, embedder, tmp_path, seed: int) -> dict[str, dict]:
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    objects = seed_objects(OBJECTS, seed)
    result = client.collections.use("Doc").data.insert_many([DataObject(properties=p, uuid=u)
                                                              for u, p in objects.items()])
    assert not result.errors
    return objects


def _apply_under_writes(cli_run, connect, objects, tmp_path, seed: int, monkeypatch):
    from schemactl.apply import data_copy

    monkeypatch.setattr(data_copy, "PAGE", 100)  # many pages: the writers touch objects already copied
    workload = Workload(connect, "Doc", objects, rate=RATE, seed=seed).start()
    try:
        time.sleep(1.0)
        started = time.monotonic()
        result = cli_run("apply", str(tmp_path), "--auto-approve")
        finished = time.monotonic()
        deadline = time.monotonic() + 60  # writes after the cutover land in the new version: 20 of them
        while len([a for a in workload.acks() if a.at > finished]) < AFTER and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        workload.stop()
    return result, workload, (started, finished)


@pytest.mark.parametrize("mode,seed", [("reuse", 1), ("reuse", 2), ("re-embed", 3), ("re-embed", 4)])
def test_no_acknowledged_write_is_lost_reverted_or_resurrected(client, cli_run, embedder, connect, tmp_path,
                                                               monkeypatch, mode, seed):
    objects = _seeded_doc(client, cli_run, embedder, tmp_path, seed)
    model = "words-96" if mode == "re-embed" else "words-64"
    changed = doc_schema(embedder, model=model) if mode == "re-embed" else doc_schema(embedder, distance="dot")
    (tmp_path / "doc.yaml").write_text(changed)
    result, workload, (started, finished) = _apply_under_writes(cli_run, connect, objects, tmp_path, seed,
                                                                monkeypatch)
    assert result.exit_code == 0, result.output
    assert aliases(client) == {"Doc": "Doc_v2"}
    assert "writes to Doc_v1 were paused for" in result.stderr
    acks = workload.acks()
    during = [a for a in acks if started <= a.at <= finished]
    after = [a for a in acks if a.at > finished]
    assert len(during) >= 20 and len(after) >= AFTER, (len(during), len(after), finished - started, workload.refused,
                                                    [w.last_refusal for w in workload.writers], result.stderr)
    assert {a.op for a in during} == {"insert", "update", "delete"}
    assert workload.unresolved == []
    report = audit(client, "Doc", workload.expected(), model, deleted=deleted_last(workload))
    assert report.clean, report.describe()
    assert report.objects == len(workload.expected())
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0


def test_the_old_version_is_fenced_after_the_cutover_and_writable_again_after_rollback(client, cli_run, embedder,
                                                                                      tmp_path):
    _seeded_doc(client, cli_run, embedder, tmp_path, seed=5)
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    old = client.collections.use("Doc_v1")
    with pytest.raises(WeaviateBaseError, match="read-only"):
        old.data.insert({"title": "late"})
    assert cli_run("rollback", "Doc").exit_code == 0
    assert aliases(client) == {"Doc": "Doc_v1"}
    assert not client.collections.use("Doc").data.insert_many([DataObject(properties={"title": "back"})]).errors
    assert cli_run("drop-old-versions", "Doc", "--allow-destructive").exit_code == 0


def test_writes_faster_than_the_copy_can_follow_are_refused_with_both_rates(client, cli_run, embedder, tmp_path,
                                                                           monkeypatch):
    """A pause budget the final pass cannot meet: apply refuses, names the rates, and leaves the
    source writable and the alias where it was."""
    from schemactl.apply import data_copy

    objects = _seeded_doc(client, cli_run, embedder, tmp_path, seed=6)
    monkeypatch.setattr(data_copy, "FOLLOW_PASSES", 3)
    stop = threading.Event()

    def flood():
        doc = client.collections.use("Doc")
        ids = sorted(objects)
        i = 0
        while not stop.is_set():
            chunk = [DataObject(properties={"title": f"flood {i}", "body": "x", "rank": i}, uuid=u)
                     for u in ids[(i * 200) % OBJECTS:(i * 200) % OBJECTS + 200]]
            doc.data.insert_many(chunk)
            i += 1

    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    writer = threading.Thread(target=flood)
    writer.start()
    try:
        result = cli_run("apply", str(tmp_path), "--auto-approve", "--max-write-pause", "0.1")
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 1, result.output
    assert "Doc_v1" in result.stderr and "not cutting over; the source is untouched" in result.stderr.lower()
    assert "object(s)/s written" in result.stderr and "object(s)/s copied" in result.stderr, result.stderr
    assert aliases(client) == {"Doc": "Doc_v1"}
    assert not client.collections.use("Doc").data.insert_many([DataObject(properties={"title": "ok"})]).errors


def test_a_failed_cutover_lifts_the_fence_and_the_next_apply_finishes(client, cli_run, embedder, tmp_path,
                                                                      monkeypatch):
    from schemactl.apply import recreate
    from schemactl.errors import SchemactlError

    _seeded_doc(client, cli_run, embedder, tmp_path, seed=7)
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))

    def refused(*args):
        raise SchemactlError("re-point alias Doc -> Doc_v2 failed (500): injected")

    with monkeypatch.context() as patch:
        patch.setattr(recreate, "_cut_over", refused)
        failed = cli_run("apply", str(tmp_path), "--auto-approve")
    assert failed.exit_code == 1 and "injected" in failed.stderr
    assert aliases(client) == {"Doc": "Doc_v1"}
    planned = cli_run("plan", str(tmp_path)).stdout  # the copy no alias ever served is no way back
    assert "Unfinished copies" in planned and "Doc_v2" in planned.split("Unfinished copies")[1]
    assert "Kept for rollback" not in planned
    assert not client.collections.use("Doc").data.insert_many([DataObject(properties={"title": "still"})]).errors
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert aliases(client) == {"Doc": "Doc_v2"} and len(client.collections.use("Doc")) == OBJECTS + 1


def test_an_apply_killed_while_fenced_is_finished_by_the_next_one(client, cli_run, embedder, tmp_path, monkeypatch):
    """A kill between fencing and moving the alias leaves the source read-only (writes fail, none
    is lost); the next apply resumes from the checkpoint and cuts over."""
    from schemactl.apply import recreate

    _seeded_doc(client, cli_run, embedder, tmp_path, seed=8)
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))

    def killed(*args):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:  # what SIGKILL leaves: no handler runs
        patch.setattr(recreate, "_cut_over", killed)
        patch.setattr(recreate, "_lift_fence", lambda ctx, checkpoint: None)
        assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code != 0
    with pytest.raises(WeaviateBaseError, match="read-only"):
        client.collections.use("Doc").data.insert({"title": "refused while fenced"})
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "resuming the copy into Doc_v2" in result.stderr
    assert aliases(client) == {"Doc": "Doc_v2"} and len(client.collections.use("Doc")) == OBJECTS


def test_files_changed_after_an_apply_killed_while_fenced_lift_the_fence_and_start_over(
        client, cli_run, embedder, tmp_path, monkeypatch):
    from schemactl.apply import recreate
    from schemactl.errors import SchemactlError

    _seeded_doc(client, cli_run, embedder, tmp_path, seed=9)
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    with monkeypatch.context() as patch:  # what SIGKILL leaves: no handler runs
        patch.setattr(recreate, "_cut_over", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt))
        patch.setattr(recreate, "_lift_fence", lambda ctx, checkpoint: None)
        assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code != 0
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="l2-squared"))

    def stop(*args):
        raise SchemactlError("stopped before copying")

    with monkeypatch.context() as patch:  # the new start lifts the fence first
        patch.setattr(recreate, "_copy_every_tenant", stop)
        result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 1 and "discarded the partial copy Doc_v2: it was made for another change" in result.stderr
    assert not client.collections.use("Doc").data.insert_many([DataObject(properties={"title": "v1"})]).errors
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert aliases(client) == {"Doc": "Doc_v2"} and len(client.collections.use("Doc")) == OBJECTS + 1
    assert client.collections.use("Doc").config.get().vector_index_config.distance_metric.value == "l2-squared"


def test_files_that_no_longer_ask_for_the_change_after_an_apply_killed_while_fenced_discard_its_copy(
        client, cli_run, embedder, tmp_path, monkeypatch):
    """The files go back to what the cluster has: the plan's step discards the stopped copy and
    lifts the fence (before, no command lifted it: writes failed until a hand-made request)."""
    from schemactl.apply import recreate

    _seeded_doc(client, cli_run, embedder, tmp_path, seed=10)
    original = (tmp_path / "doc.yaml").read_text()
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    with monkeypatch.context() as patch:  # what SIGKILL leaves: no handler runs
        patch.setattr(recreate, "_cut_over", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt))
        patch.setattr(recreate, "_lift_fence", lambda ctx, checkpoint: None)
        assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code != 0
    (tmp_path / "doc.yaml").write_text(original)
    planned = cli_run("plan", str(tmp_path), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "writes to Doc fail" in planned.output and "discard the copy into Doc_v2" in planned.output
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "discarded the copy an earlier apply stopped in (Doc_v2 deleted)" in result.stderr
    assert aliases(client) == {"Doc": "Doc_v1"} and not client.collections.exists("Doc_v2")
    assert not client.collections.use("Doc").data.insert_many([DataObject(properties={"title": "after"})]).errors
    assert len(client.collections.use("Doc")) == OBJECTS + 1
    assert cli_run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0
