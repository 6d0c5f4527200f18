"""What makes apply safe to trust: resume after SIGKILL, the lock, stale plans, failing embeddings."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from weaviate.classes.config import DataType, Property
from weaviate.classes.data import DataObject

import schemactl.apply.data_copy
from schemactl.connection import Target
from schemactl.live import RestClient
from schemactl.state import load_checkpoint
from tests.conftest import REPO
from tests.integration.test_migrate_on_server import aliases, doc_schema, snapshot


def seed(client, count: int, dims: int = 64) -> None:
    """Objects with their vectors given (no embedding needed to fill the source)."""
    doc = client.collections.use("Doc")
    for start in range(0, count, 1000):
        result = doc.data.insert_many([
            DataObject({"title": f"title {i}", "body": f"body of item{i}", "rank": i},
                       vector=[((i * 7 + d) % 13) / 13 for d in range(dims)])
            for i in range(start, min(count, start + 1000))])
        assert not result.errors


@pytest.fixture
def doc_dir(client, cli_run, embedder, tmp_path):
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    return tmp_path


def ids(client, name: str) -> list[str]:
    return [str(o.uuid) for o in client.collections.use(name).iterator()]


def count(client, name: str) -> int:
    return client.collections.use(name).aggregate.over_all(total_count=True).total_count


def spawn_apply(weaviate_server, directory, *args: str, **env) -> subprocess.Popen:
    command = [sys.executable, "-m", "schemactl", "apply", str(directory), "--auto-approve",
               "--url", weaviate_server.url, "--grpc-port", str(weaviate_server.ports.grpc), *args]
    return subprocess.Popen(command, cwd=REPO, env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_copied(weaviate_server, source: str, at_least: int, process, timeout: float = 90) -> int:
    reader = RestClient(Target(weaviate_server.url))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            checkpoint = load_checkpoint(reader, source)
            if checkpoint:
                copied = sum(t.copied for t in checkpoint.state.tenants.values())
                if copied >= at_least:
                    return copied
            time.sleep(0.05)
    finally:
        reader.close()
    raise AssertionError("the copy did not get going")


def test_sigkill_mid_copy_then_rerun_resumes_without_loss_or_duplicates(
        client, cli_run, embedder, weaviate_server, doc_dir):
    seed(client, 3000)
    source_ids = ids(client, "Doc_v1")
    before = snapshot(client, "Doc_v1")
    (doc_dir / "doc.yaml").write_text(doc_schema(embedder, model="words-96"))  # re-embed everything
    process = spawn_apply(weaviate_server, doc_dir, SCHEMACTL_COPY_PAGE="100", SCHEMACTL_COPY_WRITERS="2")
    try:
        copied = wait_for_copied(weaviate_server, "Doc_v1", 600, process)
        process.send_signal(signal.SIGSTOP)  # mid-copy, still running (and holding the lock) until killed
        concurrent = cli_run("apply", str(doc_dir), "--auto-approve")
        assert concurrent.exit_code == 1
        assert "another apply holds the lock on this cluster" in concurrent.stderr
        assert f"(pid {process.pid})" in concurrent.stderr
        assert process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        process.kill()
    assert copied < 3000 and aliases(client) == {"Doc": "Doc_v1"}
    planned = cli_run("plan", str(doc_dir))  # where a team looks first: before, nothing named the lock
    assert "warning: an apply holds the lock on this cluster" in planned.output, planned.output
    assert f"(pid {process.pid})" in planned.output and "That process is no longer running" in planned.output
    resumed = re.search(r"about ([\d,]+) objects left to re-embed of 3,000: an unfinished copy of this change holds "
                        r"([\d,]+), and apply resumes it where it stopped", planned.stdout)  # before: not a word of it
    assert resumed, planned.output
    held = int(resumed[2].replace(",", ""))
    assert copied <= held < 3000 and int(resumed[1].replace(",", "")) == 3000 - held
    status = cli_run("status")
    assert status.exit_code == 1 and "FAIL apply lock   held by" in status.stdout, status.output
    assert status.stdout.rstrip().endswith("— fix: schemactl force-unlock")

    stuck = cli_run("apply", str(doc_dir), "--auto-approve")
    assert stuck.exit_code == 1 and "That process is no longer running" in stuck.stderr
    assert "schemactl force-unlock" in stuck.stderr
    released = cli_run("force-unlock")
    assert released.exit_code == 0 and f"(pid {process.pid})" in released.stdout

    texts_before_resume = embedder.stats.per_model.get("words-96", 0)
    result = cli_run("apply", str(doc_dir), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "resuming the copy into Doc_v2" in result.stderr
    assert aliases(client) == {"Doc": "Doc_v2"}
    assert ids(client, "Doc_v2") == source_ids and count(client, "Doc_v2") == 3000
    assert snapshot(client, "Doc_v1") == before  # the source is untouched
    resumed_texts = embedder.stats.per_model["words-96"] - texts_before_resume
    assert resumed_texts < 3000 - copied + 2 * 2 * 100  # resumed, not restarted: at most the unflushed pages again
    results = [r["result"] for r in json.loads(cli_run("history", "--json").stdout)]
    assert results == ["applied", "interrupted", "applied"]


def test_stale_or_edited_saved_plans_are_refused_and_applied_plans_are_not_reapplied(
        client, cli_run, embedder, doc_dir, tmp_path):
    from weaviate.classes.config import Reconfigure

    seed(client, 50)
    (doc_dir / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    saved = tmp_path / "stale.json"
    assert cli_run("plan", str(doc_dir), "--out", str(saved)).exit_code == 0
    client.collections.use("Doc_v1").config.update(vector_index_config=Reconfigure.VectorIndex.hnsw(ef=77))
    stale = cli_run("apply", str(saved), "--auto-approve")
    assert stale.exit_code == 1
    assert ("the cluster changed since this plan was made (step 1 recreate Doc would now differ): plan again; "
            "nothing was applied") in stale.stderr, stale.output  # before, it did not say what it changes
    assert aliases(client) == {"Doc": "Doc_v1"}

    edited = tmp_path / "edited.json"
    assert cli_run("plan", str(doc_dir), "--out", str(edited)).exit_code == 0
    edited.write_text(edited.read_text().replace('"dot"', '"l2-squared"'))
    refused = cli_run("apply", str(edited), "--auto-approve")
    assert refused.exit_code == 1 and "was modified after it was saved (checksum mismatch)" in refused.stderr

    fresh = tmp_path / "fresh.json"
    assert cli_run("plan", str(doc_dir), "--out", str(fresh)).exit_code == 0
    assert cli_run("apply", str(fresh), "--auto-approve").exit_code == 0
    assert aliases(client) == {"Doc": "Doc_v2"} and count(client, "Doc_v2") == 50
    again = cli_run("apply", str(fresh), "--auto-approve")
    assert again.exit_code == 0 and "This plan was already applied" in again.stdout
    assert "will make these changes" not in again.output  # not shown as changes still to make
    assert aliases(client) == {"Doc": "Doc_v2"}


def test_failing_embedding_endpoint_never_leads_to_a_bad_cutover(client, cli_run, embedder, doc_dir, monkeypatch):
    monkeypatch.setattr(schemactl.apply.data_copy, "BACKOFF", 0.01)
    seed(client, 400)
    (doc_dir / "doc.yaml").write_text(doc_schema(embedder, model="words-96"))
    embedder.fail(0.1, (500, 429), seed=7)
    result = cli_run("apply", str(doc_dir), "--auto-approve")
    assert embedder.stats.failed > 0  # the faults really happened
    if result.exit_code == 0:
        assert aliases(client) == {"Doc": "Doc_v2"} and count(client, "Doc_v2") == 400
        vectors = snapshot(client, "Doc_v2")
        assert {len(v) for _, v in vectors.values()} == {96}
    else:
        assert "not cutting over" in result.stderr and aliases(client) == {"Doc": "Doc_v1"}


def test_endpoint_down_refuses_cutover_and_leaves_the_source_untouched(client, cli_run, embedder, doc_dir, monkeypatch):
    monkeypatch.setattr(schemactl.apply.data_copy, "BACKOFF", 0.01)
    seed(client, 120)
    before = snapshot(client, "Doc_v1")
    (doc_dir / "doc.yaml").write_text(doc_schema(embedder, model="words-96"))
    embedder.fail(1.0, (500,))
    result = cli_run("apply", str(doc_dir), "--auto-approve")
    assert result.exit_code == 1
    assert "120 object(s) of Doc_v1 could not be copied after 3 retries" in result.stderr
    assert "not cutting over, the source is untouched" in result.stderr
    assert aliases(client) == {"Doc": "Doc_v1"} and snapshot(client, "Doc_v1") == before
    embedder.reset()
    result = cli_run("apply", str(doc_dir), "--auto-approve")  # the endpoint is back: the same apply completes
    assert result.exit_code == 0, result.output
    assert aliases(client) == {"Doc": "Doc_v2"} and count(client, "Doc_v2") == 120


def test_api_keys_never_land_in_plans_ledger_logs_or_the_cluster(client, cli_run, embedder, doc_dir, tmp_path):
    secret = "hf_SECRET_key_never_stored_5678"
    env = {"HUGGINGFACE_APIKEY": secret}
    seed(client, 30)
    (doc_dir / "doc.yaml").write_text(doc_schema(embedder, model="words-96"))
    saved = tmp_path / "plan.json"
    planned = cli_run("plan", str(doc_dir), "--out", str(saved), env=env)
    applied = cli_run("apply", str(saved), "--auto-approve", "--header", f"X-Extra-Key={secret}x", env=env)
    assert applied.exit_code == 0, applied.output
    history = cli_run("history", "--json", env=env)
    schema = RestClient(Target(client._connection.url)).get("/v1/schema")
    records = [o for name in ("SchemactlLedger",)
               for o in client.collections.use(name).iterator(return_properties=None)]
    for text in (planned.output, saved.read_text(), applied.output, history.output, json.dumps(schema),
                 json.dumps([r.properties for r in records], default=str)):
        assert secret not in text


def test_wrong_grpc_port_refuses_the_migration_in_one_line_before_anything_is_created(
        client, cli_run, embedder, weaviate_server, doc_dir):
    from click.testing import CliRunner

    from schemactl.cli import cli

    seed(client, 20)
    (doc_dir / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    result = CliRunner().invoke(cli, ["apply", str(doc_dir), "--auto-approve", "--url", weaviate_server.url,
                                      "--grpc-port", "9"])
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: step 1 recreate Doc copies data over gRPC, which cannot be used: cannot use "
                           "Weaviate at")
    assert "(gRPC at http://127.0.0.1:9, from the REST host with --grpc-port)" in last
    assert "Traceback" not in result.output and last.endswith("nothing was applied")
    assert aliases(client) == {"Doc": "Doc_v1"}
    assert {c for c in client.collections.list_all(simple=True) if c.startswith("Doc")} == {"Doc_v1"}
    assert cli_run("apply", str(doc_dir), "--auto-approve").exit_code == 0  # lock released; resumes
    assert aliases(client) == {"Doc": "Doc_v2"} and count(client, "Doc_v2") == 20


def test_a_failing_endpoint_is_summarised_without_object_contents(client, embedder, doc_dir, weaviate_server):
    """weaviate-client logs every failed object with its properties; the CLI shows counts and uuids."""
    seed(client, 400)
    (doc_dir / "doc.yaml").write_text(doc_schema(embedder, model="words-96"))
    embedder.fail(0.5, (500,), seed=3)  # some objects of each batch fail: the client logs those
    try:
        process = spawn_apply(weaviate_server, doc_dir, SCHEMACTL_COPY_PAGE="400")
        _, stderr = process.communicate(timeout=120)
        failed = embedder.stats.failed
    finally:
        embedder.reset()
    assert failed > 0  # the faults really happened
    assert "ErrorObject" not in stderr and "body of item" not in stderr and "Traceback" not in stderr
    assert len(stderr) < 4000


def _failing(monkeypatch, doing: str):
    """Our own client gets a refusal for one kind of request (by what it does), as the server
    could answer (e.g. the name was just taken, or a node went away)."""
    from schemactl.errors import RequestRefused
    from schemactl.live import RestClient

    send = RestClient.send

    def refusing(self, verb, where, body, what):
        if what.startswith(doing):
            raise RequestRefused(f"{what} failed (500): injected", 500)
        return send(self, verb, where, body, what)

    monkeypatch.setattr(RestClient, "send", refusing)


def test_a_create_whose_alias_fails_leaves_no_collection_behind(client, cli_run, tmp_path, monkeypatch):
    (tmp_path / "doc.yaml").write_text("name: Fresh\nproperties: []\nvectorizer: {module: none}\n")
    with monkeypatch.context() as patch:
        _failing(patch, "create alias Fresh")
        result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 1 and "create alias Fresh -> Fresh_v1 failed (500): injected" in result.stderr
    assert not client.collections.exists("Fresh_v1")
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    assert aliases(client) == {"Fresh": "Fresh_v1"}  # not Fresh_v2 next to an orphan


def test_a_recreate_that_fails_before_its_checkpoint_leaves_no_version_behind(client, cli_run, embedder, tmp_path,
                                                                               monkeypatch):
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    seed(client, 20)
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    with monkeypatch.context() as patch:
        _failing(patch, "record in SchemactlCheckpoint")
        result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 1 and "injected" in result.stderr
    assert not client.collections.exists("Doc_v2")
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    assert aliases(client) == {"Doc": "Doc_v2"} and len(client.collections.use("Doc")) == 20


@pytest.mark.parametrize("stop", ["killed after", "interrupted during"])
def test_a_recreate_killed_as_it_makes_the_new_version_leaves_a_copy_the_next_apply_resumes(
        client, cli_run, embedder, tmp_path, monkeypatch, stop):
    """Killed right after Doc_v2 was made, or interrupted (Ctrl-C) as the request making it was
    answered. Before: Doc_v2 was named by no checkpoint, so the next plan listed it as an unmanaged
    collection, the next apply made Doc_v3 beside it, and only `plan --prune` offered to delete it."""
    from tests.integration.conftest import apply_stopped_after

    (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    seed(client, 20)
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))

    def making(method, path, body) -> bool:
        return (method, path) == ("POST", "/v1/schema") and body["class"] == "Doc_v2"
    if stop == "killed after":
        apply_stopped_after(cli_run, monkeypatch, tmp_path, making)
    else:
        send = RestClient.send

        def interrupted(self, method, path, body, what):
            answer = send(self, method, path, body, what)
            if making(method, path, body):
                raise KeyboardInterrupt
            return answer
        with monkeypatch.context() as patch:
            patch.setattr(RestClient, "send", interrupted)
            assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code != 0
    assert client.collections.exists("Doc_v2")
    planned = cli_run("plan", str(tmp_path))
    assert "Unfinished copies" in planned.stdout and "Unmanaged" not in planned.stdout, planned.stdout
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "resuming the copy into Doc_v2 (0 object(s) already copied)" in result.stderr, result.stderr
    assert aliases(client) == {"Doc": "Doc_v2"} and len(client.collections.use("Doc")) == 20
    assert not client.collections.exists("Doc_v3")


def test_a_copy_left_by_a_failed_apply_is_discarded_after_a_rollback_moved_away_from_its_source(
        client, cli_run, embedder, tmp_path, monkeypatch):
    """A recreate from Doc_v2 fails as it fences (its copy Doc_v3 kept to resume), then Doc is
    rolled back to Doc_v1 and the files to its definition. Before: no plan discarded Doc_v3 (its
    source served no alias any more), and drop-old-versions refused every version because of it."""
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    seed(client, 20)
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="l2-squared"))
    with monkeypatch.context() as patch:
        _failing(patch, "set shard")
        failed = cli_run("apply", str(tmp_path), "--auto-approve")
    assert failed.exit_code == 1 and client.collections.exists("Doc_v3"), failed.output
    assert cli_run("rollback", "Doc").exit_code == 0 and aliases(client) == {"Doc": "Doc_v1"}
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
    planned = cli_run("plan", str(tmp_path), "--json")
    assert [s["kind"] for s in json.loads(planned.stdout)["steps"]] == ["discard-copy"], planned.output
    discarded = cli_run("apply", str(tmp_path), "--auto-approve")
    assert discarded.exit_code == 0, discarded.output
    assert "discarded the copy an earlier apply stopped in (Doc_v3 deleted); Doc_v2 is as it was" in discarded.stderr
    assert not client.collections.exists("Doc_v3")
    assert cli_run("drop-old-versions", "Doc", "--allow-destructive").exit_code == 0
    assert aliases(client) == {"Doc": "Doc_v1"} and len(client.collections.use("Doc")) == 20


def _unanswered(monkeypatch, *requests: tuple[str, str]):
    """Our own client gets no answer to the requests named (verb, what it does), as when the server
    stops answering in the middle of an apply."""
    from schemactl.errors import ConnectionFailed

    send = RestClient.send

    def stalling(self, verb, where, body, what):
        if any(verb == v and what.startswith(w) for v, w in requests):
            raise ConnectionFailed(f"Weaviate at {self.target.display} did not answer {verb} {where.split('?')[0]} "
                                   "within 3 s")
        return send(self, verb, where, body, what)

    monkeypatch.setattr(RestClient, "send", stalling)


LOCK_NOT_RELEASED = ("the apply lock could not be released either (Weaviate at {url} did not answer DELETE "
                     "/v1/schema/SchemactlLock within 3 s): run `schemactl force-unlock` once the cluster answers")


def test_a_failed_step_stays_the_error_shown_when_the_ledger_and_the_lock_fail_after_it(
        client, cli_run, weaviate_server, tmp_path, monkeypatch):
    """Before: only `did not answer DELETE /v1/schema/SchemactlLock within 3 s`; the step's own
    error was shown nowhere. A saved plan, applied twice: the second run takes over the first's
    record (two plans made within one second are the same plan too)."""
    (tmp_path / "doc.yaml").write_text("name: Fresh\nproperties: []\nvectorizer: {module: none}\n")
    saved = tmp_path / "plan.json"
    assert cli_run("plan", str(tmp_path), "--out", str(saved)).exit_code == 0
    with monkeypatch.context() as patch:
        _failing(patch, "create alias Fresh")
        _unanswered(patch, ("PUT", "record in SchemactlLedger"), ("DELETE", "release the apply lock"))
        result = cli_run("apply", str(saved), "--auto-approve")
    assert result.exit_code == 1
    error = result.stderr.splitlines()[-1]
    assert error.startswith("error: step 1 failed: create alias Fresh -> Fresh_v1 failed (500): injected; the ledger "
                            f"could not record the failure either (Weaviate at {weaviate_server.url} did not answer "
                            "PUT /v1/objects/SchemactlLedger/")
    assert error.endswith(f"; {LOCK_NOT_RELEASED.format(url=weaviate_server.url)} (applied 0; not attempted: none)")
    assert cli_run("force-unlock").exit_code == 0
    assert cli_run("apply", str(saved), "--auto-approve").exit_code == 0
    assert aliases(client) == {"Fresh": "Fresh_v1"}
    [record] = json.loads(cli_run("history", "--json").stdout)
    assert record["result"] == "applied"
    assert record["error"].startswith("an earlier run interrupted: the apply stopped before finishing"), record


def test_a_lock_left_held_after_an_apply_that_did_everything_is_the_error(client, cli_run, weaviate_server, tmp_path,
                                                                           monkeypatch):
    (tmp_path / "doc.yaml").write_text("name: Fresh\nproperties: []\nvectorizer: {module: none}\n")
    with monkeypatch.context() as patch:
        _unanswered(patch, ("DELETE", "release the apply lock"))
        result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 1 and aliases(client) == {"Fresh": "Fresh_v1"}
    assert result.stderr.splitlines()[-1] == (
        f"error: schemactl apply finished, but the apply lock could not be released (Weaviate at {weaviate_server.url} "
        "did not answer DELETE /v1/schema/SchemactlLock within 3 s): run `schemactl force-unlock` once the cluster "
        "answers")
    assert cli_run("force-unlock").exit_code == 0


def test_a_failed_rollback_stays_the_error_shown_when_the_lock_fails_after_it(client, cli_run, weaviate_server,
                                                                               embedder, doc_dir, monkeypatch):
    (doc_dir / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    assert cli_run("apply", str(doc_dir), "--auto-approve").exit_code == 0
    with monkeypatch.context() as patch:
        _failing(patch, "re-point alias Doc")
        _unanswered(patch, ("DELETE", "release the apply lock"))
        result = cli_run("rollback", "Doc")
    assert result.exit_code == 1 and aliases(client) == {"Doc": "Doc_v2"}
    assert result.stderr == (f"error: re-point alias Doc -> Doc_v1 failed (500): injected; "
                             f"{LOCK_NOT_RELEASED.format(url=weaviate_server.url)}\n")
    assert cli_run("force-unlock").exit_code == 0
    last = json.loads(cli_run("history", "--json").stdout)[-1]  # recorded as failed, not left running
    assert last["result"] == "failed" and "re-point alias Doc -> Doc_v1 failed (500): injected" in last["error"]


def test_a_saved_plan_whose_run_was_killed_is_refused_once_the_cluster_was_changed_by_hand(
        client, cli_run, embedder, weaviate_server, doc_dir, tmp_path):
    """Killed mid-copy; someone adds a property to the source and writes values to it: applying the
    saved plan again resumed and cut over to a copy without them (the freshness check was skipped
    for a resumed run). The steps it has left are checked again; a new plan then discards the
    partial copy and keeps the values."""
    seed(client, 3000)
    (doc_dir / "doc.yaml").write_text(doc_schema(embedder, model="words-96"))
    saved = tmp_path.parent / f"{tmp_path.name}-plan.json"
    assert cli_run("plan", str(doc_dir), "--out", str(saved)).exit_code == 0
    process = spawn_apply(weaviate_server, saved, SCHEMACTL_COPY_PAGE="100", SCHEMACTL_COPY_WRITERS="2")
    try:
        wait_for_copied(weaviate_server, "Doc_v1", 300, process)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        process.kill()
    assert cli_run("force-unlock").exit_code == 0
    client.collections.use("Doc_v1").config.add_property(Property(name="extra", data_type=DataType.TEXT))
    changed = [str(o.uuid) for o in client.collections.use("Doc").query.fetch_objects(limit=50).objects]
    for uuid in changed:
        client.collections.use("Doc").data.update(uuid=uuid, properties={"extra": "precious"})

    refused = cli_run("apply", str(saved), "--auto-approve")
    assert refused.exit_code == 1, refused.output
    assert ("the cluster changed since this plan's interrupted run stopped: recreate Doc would no longer move what "
            "the live cluster") in refused.stderr
    assert aliases(client) == {"Doc": "Doc_v1"}
    (doc_dir / "doc.yaml").write_text(doc_schema(embedder, model="words-96").replace(
        "  - name: rank\n", "  - name: extra\n    dataType: text\n  - name: rank\n"))
    result = cli_run("apply", str(doc_dir), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "discarded the partial copy Doc_v2" in result.output
    held = {str(o.uuid): o.properties.get("extra") for o in client.collections.use("Doc").iterator()}
    assert {u: held[u] for u in changed} == {u: "precious" for u in changed}
