"""Reliability suite: kills, restarts and failing embeddings during real migrations lose nothing.

Runs in the default test run against real Weaviate v1.39.0 servers on loopback; bounded in time.
"""
from __future__ import annotations

import json
import random
import signal
import subprocess

import pytest
import weaviate

from schemactl.dev import weaviate as testbed
from tests.integration.conftest import wipe
from tests.integration.test_apply_safety_on_server import count, ids, seed, spawn_apply, wait_for_copied
from tests.integration.test_migrate_on_server import aliases, doc_schema, snapshot

pytestmark = pytest.mark.integration

OBJECTS = 10_000
KILLS = 10


def run_to_completion(weaviate_server, directory, **env) -> subprocess.CompletedProcess:
    process = spawn_apply(weaviate_server, directory, **env)
    out, err = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_sigkill_at_ten_seeded_points_of_a_10k_reembed(client, cli_run, embedder, weaviate_server, tmp_path):
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    seed(client, OBJECTS)
    source_ids = ids(client, "Doc_v1")
    source_before = snapshot(client, "Doc_v1")
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, model="words-96"))
    points = sorted(random.Random(20_000).sample(range(200, OBJECTS - 1000, 800), KILLS))  # a run apart each
    copied_at_kill = []
    for point in points:
        before = _copied(weaviate_server, "Doc_v1")  # the killed run may have gone past its point
        process = spawn_apply(weaviate_server, tmp_path, SCHEMACTL_COPY_PAGE="200")
        try:  # killed once this run has copied (so it has its ledger record), at the point or beyond
            copied_at_kill.append(wait_for_copied(weaviate_server, "Doc_v1", max(point, before + 1), process,
                                                  timeout=300))
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        finally:
            process.kill()
        assert aliases(client) == {"Doc": "Doc_v1"}  # never a cutover from a killed run
        assert cli_run("force-unlock").exit_code == 0
    assert copied_at_kill == sorted(set(copied_at_kill)) and copied_at_kill[-1] < OBJECTS  # each run resumed

    done = run_to_completion(weaviate_server, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "resuming the copy into Doc_v2" in done.stderr
    assert aliases(client) == {"Doc": "Doc_v2"}
    assert count(client, "Doc_v2") == OBJECTS and ids(client, "Doc_v2") == source_ids
    assert snapshot(client, "Doc_v1") == source_before  # the source is untouched
    new_vectors = snapshot(client, "Doc_v2")
    assert {len(v) for _, v in new_vectors.values()} == {96}
    assert embedder.stats.per_model["words-96"] < OBJECTS + KILLS * 2 * 4 * 200  # never restarted from zero
    history = [r["result"] for r in json.loads(cli_run("history", "--json").stdout)]
    assert history == ["applied"] + ["interrupted"] * KILLS + ["applied"]


def _copied(weaviate_server, source: str) -> int:
    """Objects the checkpoint of the copy from `source` records as copied (0: none yet)."""
    from schemactl.connection import Target
    from schemactl.live import RestClient
    from schemactl.state import load_checkpoint

    with RestClient(Target(weaviate_server.url)) as reader:
        checkpoint = load_checkpoint(reader, source)
    return sum(t.copied for t in checkpoint.state.tenants.values()) if checkpoint else 0


@pytest.fixture
def own_server(tmp_path_factory):
    """A server of this test's own, so restarting it disturbs nothing else."""
    server = testbed.start(tmp_path_factory.mktemp("restarted"))
    yield server
    server.stop()


def test_weaviate_restarted_mid_migration_fails_clearly_or_resumes_and_loses_nothing(
        own_server, embedder, tmp_path):
    from click.testing import CliRunner

    from schemactl.cli import cli

    def run(*args):
        connection = ["--url", own_server.url, "--grpc-port", str(own_server.ports.grpc)]
        return CliRunner().invoke(cli, [*args, *connection], catch_exceptions=False)

    client = weaviate.connect_to_local(host="127.0.0.1", port=own_server.ports.http,
                                       grpc_port=own_server.ports.grpc)
    try:
        (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
        assert run("apply", str(tmp_path), "--auto-approve").exit_code == 0
        seed(client, 5000)
        source_ids = ids(client, "Doc_v1")
    finally:
        client.close()
    (tmp_path / "doc.yaml").write_text(doc_schema(embedder, distance="dot"))
    process = spawn_apply(own_server, tmp_path, SCHEMACTL_COPY_PAGE="100", SCHEMACTL_COPY_WRITERS="1")
    wait_for_copied(own_server, "Doc_v1", 500, process)
    server = testbed.restart(own_server)
    own_server.process = server.process  # the fixture stops the restarted process
    _, err = process.communicate(timeout=300)
    if process.returncode != 0:  # it failed: with one clear line, and no traceback
        assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("error: ")
        run("force-unlock")  # the lock stays held when the server vanished before it could be released
        rerun = run("apply", str(tmp_path), "--auto-approve")
        assert rerun.exit_code == 0, rerun.output
    client = weaviate.connect_to_local(host="127.0.0.1", port=server.ports.http, grpc_port=server.ports.grpc)
    try:
        assert aliases(client) == {"Doc": "Doc_v2"}
        assert ids(client, "Doc_v2") == source_ids and ids(client, "Doc_v1") == source_ids
        wipe(client)
    finally:
        client.close()
