"""schemactl on a real 3-node Weaviate v1.39 cluster on loopback: plans from every node, replicated
and sharded recreates, a node killed in the middle of a copy, schemactl's own collections.

Every replica is checked on its own node (GET /v1/objects/{class}/{id}?node_name=...), never
through a read that would repair it."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from click.testing import CliRunner

from schemactl.connection import quiet_client_warnings

quiet_client_warnings()
import weaviate
from weaviate.classes.config import ConsistencyLevel
from weaviate.classes.data import DataObject
from weaviate.exceptions import WeaviateInsertManyAllFailedError

from tests.conftest import REPO
from tests.integration.conftest import wipe

NODES = ("node1", "node2", "node3")
DIMS = 32


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from schemactl.dev import weaviate as testbed

    # replica movement (the replication scale API) is off unless the server is told otherwise; the
    # replica repair compares every 5 s instead of 30 and repairs objects once 5 s old instead of 30
    # (settings an operator may choose too): the tests that wait for it wait less
    running = testbed.start_cluster(tmp_path_factory.mktemp("cluster"), len(NODES),
                                    env={"REPLICA_MOVEMENT_ENABLED": "true", "ASYNC_REPLICATION_FREQUENCY": "5s",
                                         "ASYNC_REPLICATION_PROPAGATION_DELAY": "5s"})
    yield running
    running.stop()


@pytest.fixture
def node1(cluster):
    client = weaviate.connect_to_local(host="127.0.0.1", port=cluster.nodes[0].ports.http,
                                       grpc_port=cluster.nodes[0].ports.grpc)
    wipe(client)
    yield client
    client.close()


def run(cluster, *args: str, node: int = 0):
    from schemactl.cli import cli

    server = cluster.nodes[node]
    return CliRunner().invoke(cli, [*args, "--url", server.url, "--grpc-port", str(server.ports.grpc)],
                              catch_exceptions=False)


def collection_yaml(distance: str = "cosine", factor: int = 3, shards: int = 3) -> str:
    return (f"name: Doc\nproperties:\n  - name: body\n    dataType: text\nvectorizer:\n  module: none\n"
            f"vectorIndexConfig:\n  distance: {distance}\n"
            f"replicationConfig:\n  factor: {factor}\nshardingConfig:\n  desiredCount: {shards}\n")


def applied_and_seeded(cluster, client, tmp_path, yaml: str, count: int):
    """Doc applied from `yaml` (as Doc_v1 behind the alias Doc) with `count` objects in it:
    (its schemas directory, id -> vector)."""
    directory = tmp_path / "schemas"
    directory.mkdir()
    (directory / "doc.yaml").write_text(yaml)
    assert run(cluster, "apply", str(directory), "--auto-approve").exit_code == 0
    return directory, seeded(client, count)


def seeded(client, count: int) -> dict[str, list[float]]:
    """`count` objects with their own vectors, written at ALL; id -> vector."""
    rng = random.Random(7)
    objects = [DataObject(properties={"body": f"document {i}"}, vector=[rng.uniform(-1, 1) for _ in range(DIMS)])
               for i in range(count)]
    docs = client.collections.use("Doc").with_consistency_level(ConsistencyLevel.ALL)
    for start in range(0, count, 500):
        _insert_acknowledged(docs, objects[start:start + 500])
    return _ids_and_vectors(docs)


def _insert_acknowledged(collection, objects: list, patience: float = 30.0) -> None:
    """As an application writes: retried until acknowledged. Pinned on v1.39: for about 0.3 s
    after a collection and its alias are created on a 3-node cluster — every node has applied the
    change by then (equal Raft applied index) — a batch through the alias can fail with "auto-schema:
    create collection: ... alias name Doc already exists"; the same batch a moment later succeeds."""
    deadline = time.monotonic() + patience  # the window is short; a busy machine stretches it
    while time.monotonic() < deadline:
        try:
            result = collection.data.insert_many(objects)
        except WeaviateInsertManyAllFailedError as error:
            assert "already exists" in str(error), error
            time.sleep(0.1)
            continue
        assert not result.errors, list(result.errors.values())[:1]
        return
    raise AssertionError(f"not acknowledged within {patience:.0f} s")


def _ids_and_vectors(collection) -> dict[str, list[float]]:
    return {str(o.uuid): o.vector["default"] for o in collection.iterator(include_vector=True)}


def on_each_node(cluster, physical: str, ids, tenant: str | None = None) -> dict[str, dict[str, list[float] | None]]:
    """node -> id -> the vector that node's own replica holds (None: the node lacks the object)."""
    def fetch(http: httpx.Client, node: str, oid: str):
        params = {"node_name": node, "include": "vector", **({"tenant": tenant} if tenant else {})}
        reply = http.get(f"/v1/objects/{physical}/{oid}", params=params)
        assert reply.status_code in (200, 404), reply.text
        return oid, reply.json()["vector"] if reply.status_code == 200 else None

    found: dict[str, dict] = {}
    with httpx.Client(base_url=cluster.url, timeout=30) as http, ThreadPoolExecutor(8) as pool:
        for node in NODES:
            found[node] = dict(pool.map(lambda oid, node=node: fetch(http, node, oid), ids))
    return found


def assert_every_replica_complete(cluster, physical: str, expected: dict[str, list[float]],
                                  tenant: str | None = None) -> None:
    for node, held in on_each_node(cluster, physical, list(expected), tenant).items():
        missing = [oid for oid, vector in held.items() if vector is None]
        assert not missing, f"{node}'s replica of {physical} lacks {len(missing)} of {len(expected)} objects"
        wrong = [oid for oid, vector in held.items() if vector != pytest.approx(expected[oid], abs=1e-6)]
        assert not wrong, f"{node}'s replica of {physical} has {len(wrong)} vectors that differ"


def plan_document(cluster, directory, node: int) -> dict:
    result = run(cluster, "plan", str(directory), "--json", node=node)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    for key in ("target", "created_at", "checksum"):
        document.pop(key)
    return document


@pytest.mark.parametrize("factor", [2, 3])
def test_a_fenced_version_refuses_writes_through_every_node_at_every_level(cluster, node1, tmp_path, factor):
    """Pinned on v1.39: the fence (every shard READONLY, set through one node) holds on every
    replica once schemactl's fence returns (it waits until every node has applied it): writes through
    any node, at ONE or at QUORUM, are refused, none acknowledged. Without that wait, writes at ONE
    through a node that had not applied the fence yet were acknowledged (4 or 5 of 12 per run)."""
    from schemactl.connection import Target
    from schemactl.apply.fence import fence, unfence
    from schemactl.live import RestClient

    applied_and_seeded(cluster, node1, tmp_path, collection_yaml(factor=factor), 30)
    rng = random.Random(factor)
    with RestClient(Target(cluster.nodes[0].url)) as reader:
        assert fence(reader, "Doc_v1")
        try:
            acknowledged = []
            for server in cluster.nodes:
                client = weaviate.connect_to_local(host="127.0.0.1", port=server.ports.http,
                                                   grpc_port=server.ports.grpc)
                try:
                    for level in (ConsistencyLevel.ONE, ConsistencyLevel.QUORUM):
                        docs = client.collections.use("Doc_v1").with_consistency_level(level)
                        batch = [DataObject(properties={"body": "while fenced"},
                                            vector=[rng.uniform(-1, 1) for _ in range(DIMS)]) for _ in range(12)]
                        try:  # 12 random ids: every shard is written, through every node
                            result = docs.data.insert_many(batch)
                            acknowledged += [o.uuid for i, o in enumerate(batch) if i not in result.errors]
                        except WeaviateInsertManyAllFailedError as error:
                            assert "read" in str(error).lower() and "only" in str(error).lower(), error
                finally:
                    client.close()
            assert acknowledged == []
        finally:
            unfence(reader, "Doc_v1")
    assert len(_ids_and_vectors(node1.collections.use("Doc"))) == 30


def test_plans_agree_from_every_node_and_apply_creates_a_replicated_sharded_collection(cluster, node1, tmp_path):
    directory = tmp_path / "schemas"
    directory.mkdir()
    (directory / "doc.yaml").write_text(collection_yaml())
    first, *others = [plan_document(cluster, directory, n) for n in range(len(NODES))]
    assert first["summary"]["create"] == 1 and all(o == first for o in others)
    applied = run(cluster, "apply", str(directory), "--auto-approve", node=1)
    assert applied.exit_code == 0, applied.output
    for node in range(len(NODES)):  # every node sees the same schema at once
        check = run(cluster, "plan", str(directory), "--detailed-exitcode", node=node)
        assert check.exit_code == 0, check.output
    nodes = httpx.get(f"{cluster.url}/v1/nodes/Doc_v1", params={"output": "verbose"}).json()["nodes"]
    held = {n["name"]: sorted(s["name"] for s in n.get("shards") or []) for n in nodes}
    assert sorted(held) == list(NODES) and len({tuple(s) for s in held.values()}) == 1
    assert len(held["node1"]) == 3  # three shards, each on every node
    # schemactl's own records survive one node lost: replicated to three nodes
    ledger = httpx.get(f"{cluster.url}/v1/schema/SchemactlLedger").json()
    assert ledger["replicationConfig"]["factor"] == 3


def test_a_recreate_reusing_vectors_fills_every_nodes_replica(cluster, node1, tmp_path):
    directory, expected = applied_and_seeded(cluster, node1, tmp_path, collection_yaml(), 1000)
    (directory / "doc.yaml").write_text(collection_yaml(distance="dot"))
    applied = run(cluster, "apply", str(directory), "--auto-approve", node=2)
    assert applied.exit_code == 0, applied.output
    assert "reuse stored vectors" in applied.output
    assert_every_replica_complete(cluster, "Doc_v2", expected)


def test_a_shard_count_change_is_a_recreate_that_spreads_the_new_version_over_the_nodes(cluster, node1, tmp_path):
    directory, expected = applied_and_seeded(cluster, node1, tmp_path, collection_yaml(factor=1, shards=1), 600)
    (directory / "doc.yaml").write_text(collection_yaml(factor=1, shards=3))
    [step] = plan_document(cluster, directory, 1)["steps"]
    assert step["kind"] == "recreate" and "shardingConfig.desiredCount" in step["forced_by"]
    assert run(cluster, "apply", str(directory), "--auto-approve").exit_code == 0
    nodes = httpx.get(f"{cluster.url}/v1/nodes/Doc_v2", params={"output": "verbose"}).json()["nodes"]
    holding = {n["name"] for n in nodes if n.get("shards")}
    assert holding == set(NODES)  # one shard on each node
    assert set(_ids_and_vectors(node1.collections.use("Doc"))) == set(expected)


def test_a_multi_tenant_replicated_collection_is_recreated_on_the_cluster(cluster, node1, tmp_path):
    from weaviate.classes.tenants import Tenant

    directory = tmp_path / "schemas"
    directory.mkdir()
    tenanted = _tenanted_yaml("Doc")
    (directory / "doc.yaml").write_text(tenanted)
    assert run(cluster, "apply", str(directory), "--auto-approve").exit_code == 0
    physical = node1.collections.use("Doc_v1")
    physical.tenants.create([Tenant(name="a"), Tenant(name="b")])
    for tenant in ("a", "b"):
        _insert_acknowledged(physical.with_tenant(tenant).with_consistency_level(ConsistencyLevel.ALL),
                             [DataObject(properties={"body": f"{tenant} {i}"}, vector=[0.1] * DIMS)
                              for i in range(200)])
    (directory / "doc.yaml").write_text(tenanted.replace("distance: cosine", "distance: dot"))
    applied = run(cluster, "apply", str(directory), "--auto-approve", node=2)
    assert applied.exit_code == 0, applied.output
    for tenant in ("a", "b"):
        copied = node1.collections.use("Doc_v2").with_tenant(tenant)
        assert len(list(copied.iterator())) == 200


def test_a_replication_factor_change_goes_through_the_scale_api_without_a_copy(cluster, node1, tmp_path,
                                                                              monkeypatch):
    directory, expected = applied_and_seeded(cluster, node1, tmp_path, collection_yaml(factor=1), 1000)
    (directory / "doc.yaml").write_text(collection_yaml(factor=3))
    monkeypatch.setenv("SCHEMACTL_REPLICATION_SCALE", "off")  # what it costs without the API: a new version
    assert [s["kind"] for s in plan_document(cluster, directory, 0)["steps"]] == ["recreate"]
    monkeypatch.delenv("SCHEMACTL_REPLICATION_SCALE")
    [step] = plan_document(cluster, directory, 0)["steps"]
    assert step["kind"] == "scale-replication" and step["physical"] == "Doc_v1"
    assert {f["path"]: (f["old"], f["new"]) for f in step["fields"]}["replicationConfig.factor"] == (1, 3)
    applied = run(cluster, "apply", str(directory), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert run(cluster, "plan", str(directory), "--detailed-exitcode").exit_code == 0
    assert httpx.get(f"{cluster.url}/v1/aliases/Doc").json()["class"] == "Doc_v1"  # no new version
    assert_every_replica_complete(cluster, "Doc_v1", expected)
    (directory / "doc.yaml").write_text(collection_yaml(factor=1))  # and down again: before, the server refused it
    [down] = plan_document(cluster, directory, 0)["steps"]
    assert down["kind"] == "scale-replication"
    applied = run(cluster, "apply", str(directory), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert run(cluster, "plan", str(directory), "--detailed-exitcode").exit_code == 0
    nodes = httpx.get(f"{cluster.url}/v1/nodes", params={"output": "verbose"}).json()["nodes"]
    assert {s["numberOfReplicas"] for n in nodes for s in n["shards"] or [] if s["class"] == "Doc_v1"} == {1}
    read = {str(o.uuid): o.vector["default"] for o in node1.collections.use("Doc").with_consistency_level(
        ConsistencyLevel.ALL).iterator(include_vector=True)}
    assert read.keys() == expected.keys()  # every object kept, as it was
    assert all(read[oid] == pytest.approx(vector, abs=1e-6) for oid, vector in expected.items())


@pytest.mark.parametrize("consistency, kill_at", [("ALL", 300), ("QUORUM", 1300)])
def test_a_node_killed_mid_copy_never_leaves_the_new_version_short_of_a_replica(cluster, node1, tmp_path,
                                                                                consistency, kill_at):
    """Node 3 SIGKILLed during the copy and started again 13 s later. At ALL the copy cannot write
    while it is down; at QUORUM it can (so the kill comes late, where a cutover would follow at
    once): either way no cutover happens until every node holds every object."""
    directory, expected = applied_and_seeded(cluster, node1, tmp_path, collection_yaml(), 1500)
    (directory / "doc.yaml").write_text(collection_yaml(distance="dot"))
    first = cluster.nodes[0]
    command = [sys.executable, "-m", "schemactl", "apply", str(directory), "--auto-approve", "--consistency",
               consistency, "--url", first.url, "--grpc-port", str(first.ports.grpc)]
    env = {**os.environ, "SCHEMACTL_COPY_PAGE": "5", "SCHEMACTL_COPY_WRITERS": "1", "NO_COLOR": "1"}
    apply = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_objects(cluster, "Doc_v2", kill_at, apply)
    apply.send_signal(signal.SIGSTOP)  # the node dies mid-copy however fast the copy goes on
    try:
        assert apply.poll() is None, apply.communicate()
        cluster.kill("node3")
    finally:
        apply.send_signal(signal.SIGCONT)
    time.sleep(13)
    cluster.start_again("node3")
    _, err = apply.communicate(timeout=600)
    if apply.returncode != 0:  # it may stop, with one clear line; the next apply resumes
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, err
        again = subprocess.run(command, check=False, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr
    assert_every_replica_complete(cluster, "Doc_v2", expected)
    assert httpx.get(f"{cluster.url}/v1/aliases/Doc").json()["class"] == "Doc_v2"


def test_writes_a_replica_missed_while_its_node_was_down_reach_the_new_version(cluster, node1, tmp_path):
    """Node 3 down while the application wrote at ONE (to the tenants of Accounts and to Doc), back
    just before apply, which runs through node 3 (Weaviate lists each shard from the coordinator's
    own replica). Before: the copy and its check listed node 3's replicas, which lacked every write
    made while it was away, and the alias moved to a version without them (kept only in the old
    one). The first step waits for Weaviate's repair; by the second the replicas agree."""
    from weaviate.classes.tenants import Tenant

    directory, expected = applied_and_seeded(cluster, node1, tmp_path, collection_yaml(), 60)
    tenanted = _tenanted_yaml("Accounts")
    (directory / "accounts.yaml").write_text(tenanted)
    assert run(cluster, "apply", str(directory), "--auto-approve").exit_code == 0
    node1.collections.use("Accounts_v1").tenants.create([Tenant(name="a"), Tenant(name="b")])
    rng = random.Random(11)

    def written(collection, what: str, count: int) -> dict[str, list[float]]:
        return _written(collection, what, count, rng)

    tenants = {t: written(node1.collections.use("Accounts").with_tenant(t).with_consistency_level(ConsistencyLevel.ALL),
                          "before", 20) for t in ("a", "b")}
    cluster.kill("node3")
    try:
        _wait_until_seen_down(cluster, "node3")
        expected.update(written(node1.collections.use("Doc").with_consistency_level(ConsistencyLevel.ONE),
                                "while node3 was down", 30))
        for tenant, held in tenants.items():
            held.update(written(node1.collections.use("Accounts").with_tenant(tenant)
                                .with_consistency_level(ConsistencyLevel.ONE), "while node3 was down", 15))
    finally:
        cluster.start_again("node3")
    (directory / "doc.yaml").write_text(collection_yaml(distance="dot"))
    (directory / "accounts.yaml").write_text(tenanted.replace("distance: cosine", "distance: dot"))
    planned = run(cluster, "plan", str(directory), node=2)
    assert "warning: the replicas of Accounts_v1 disagree (shard " in planned.stdout, planned.output
    assert "apply waits up to 120 s for Weaviate's repair before it copies Accounts" in planned.stdout
    applied = run(cluster, "apply", str(directory), "--auto-approve", node=2)
    assert applied.exit_code == 0, applied.output
    assert "Accounts: waiting up to" in applied.output
    assert "for Weaviate to repair the replicas of Accounts_v1" in applied.output
    assert_every_replica_complete(cluster, "Doc_v2", expected)
    for tenant, held in tenants.items():
        assert_every_replica_complete(cluster, "Accounts_v2", held, tenant=tenant)


def test_replicas_that_never_agree_are_refused_before_the_new_version_is_made(cluster, node1, tmp_path,
                                                                              monkeypatch):
    """The repair never catching up is forced (this check's refusal, raised as it gives up). Before:
    the refusal came after the new version and its checkpoint were made, left for the next apply."""
    from schemactl.errors import SchemactlError
    from schemactl.replicas import ReplicaCheck
    from schemactl.state import load_checkpoint
    from schemactl.connection import make_target
    from schemactl.live import RestClient

    def never_agreeing(self, patience, waiting, refused, notice):
        raise SchemactlError(self._refusal(patience, [], refused))

    directory, _ = applied_and_seeded(cluster, node1, tmp_path, collection_yaml(), 20)
    (directory / "doc.yaml").write_text(collection_yaml(distance="dot"))
    with monkeypatch.context() as patch:
        patch.setattr(ReplicaCheck, "wait", never_agreeing)
        refused = run(cluster, "apply", str(directory), "--auto-approve")
    assert refused.exit_code == 1 and "Doc_v1 stays live" in refused.stderr, refused.output
    assert not node1.collections.exists("Doc_v2")
    reader = RestClient(make_target(cluster.url, cluster.nodes[0].ports.grpc, None, ()))
    try:
        assert load_checkpoint(reader, "Doc_v1") is None
    finally:
        reader.close()
    assert "discard" not in run(cluster, "plan", str(directory)).stdout  # no stopped copy to resume or discard


@pytest.mark.parametrize("tenanted", [False, True], ids=["collection", "tenant"])
def test_a_node_restarted_during_the_write_pause_never_leaves_its_writes_behind(cluster, node1, tmp_path,
                                                                                 monkeypatch, tenanted):
    """Node 3 killed and started again while apply held the fence (as its last read began), then
    written at ONE through it. Weaviate keeps a shard's status in memory: node 3's replicas came
    back writable and took the writes, which the fenced replicas refused. Before: the alias moved
    to a version without them (10 of 10 missing). Now apply sees the fence broken and refuses, the
    old version writable; the next apply, once Weaviate's repair has evened the replicas out,
    carries them."""
    from weaviate.classes.tenants import Tenant
    from schemactl.apply import recreate, tenant_recreate

    directory, expected = applied_and_seeded(cluster, node1, tmp_path, collection_yaml(), 0)
    name, tenant = ("Accounts", "a") if tenanted else ("Doc", None)
    if tenanted:
        (directory / "accounts.yaml").write_text(_tenanted_yaml(name))
        assert run(cluster, "apply", str(directory), "--auto-approve").exit_code == 0
        node1.collections.use("Accounts_v1").tenants.create([Tenant(name="a")])

    def through(client):
        collection = client.collections.use(name).with_consistency_level(ConsistencyLevel.ALL)
        return collection.with_tenant(tenant) if tenant else collection

    expected = _written(through(node1), "before", 60, random.Random(14))
    (directory / "accounts.yaml" if tenanted else directory / "doc.yaml").write_text(
        (_tenanted_yaml(name) if tenanted else collection_yaml()).replace("distance: cosine", "distance: dot"))
    module = tenant_recreate if tenanted else recreate
    settle, restarted = module.settle, []

    def restart_node3_and_write_through_it(*args, **kwargs):
        if not restarted:
            cluster.kill("node3")
            third = cluster.start_again("node3")
            with weaviate.connect_to_local(host="127.0.0.1", port=third.ports.http, grpc_port=third.ports.grpc) as c:
                restarted.append(_written(through(c).with_consistency_level(ConsistencyLevel.ONE), "while fenced", 10,
                                          random.Random(13)))
        return settle(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(module, "settle", restart_node3_and_write_through_it)
        refused = run(cluster, "apply", str(directory), "--auto-approve", "--max-write-pause", "300")
    assert refused.exit_code == 1, refused.output
    assert f"of {name}_v1 became writable again during the write pause (" in refused.stderr, refused.output
    assert httpx.get(f"{cluster.url}/v1/aliases/{name}").json()["class"] == f"{name}_v1"  # the alias never moved
    expected.update(restarted[0])
    applied = run(cluster, "apply", str(directory), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert_every_replica_complete(cluster, f"{name}_v2", expected, tenant=tenant)


def test_writes_a_paused_node_missed_reach_the_new_version(cluster, node1, tmp_path):
    """A node paused (SIGSTOP) while the application wrote at ONE, then resumed: it keeps the
    comparisons of its replicas it had made, and the other nodes compared theirs only with each
    other meanwhile, so every comparison Weaviate reports says "no difference". Before: apply
    through that node trusted them, and the writes made during the pause were not in the new
    version (143 of 560 in a trial with a 20 s pause)."""
    directory, expected = applied_and_seeded(cluster, node1, tmp_path, collection_yaml(), 60)
    statistics = httpx.get(f"{cluster.url}/v1/cluster/statistics").json()["statistics"]
    name = "node2" if statistics[0].get("leaderId") == "node3" else "node3"  # the schema leader paused stalls writes
    _wait_until_compared(cluster, "Doc_v1")
    paused = cluster.node(name).process
    paused.send_signal(signal.SIGSTOP)
    try:
        time.sleep(12)  # long enough for the others to stop sending it writes (a shorter pause: queued, then applied)
        expected.update(_written(node1.collections.use("Doc").with_consistency_level(ConsistencyLevel.ONE),
                                 f"while {name} was paused", 30, random.Random(12)))
    finally:
        paused.send_signal(signal.SIGCONT)
    _wait_until_healthy(cluster, name)
    (directory / "doc.yaml").write_text(collection_yaml(distance="dot"))
    applied = run(cluster, "apply", str(directory), "--auto-approve", node=NODES.index(name))
    assert applied.exit_code == 0, applied.output
    assert "for Weaviate to compare the replicas of Doc_v1 once more" in applied.output
    assert_every_replica_complete(cluster, "Doc_v2", expected)


def test_a_fence_holds_on_a_node_still_applying_a_backlog_of_schema_changes(cluster, node1, tmp_path):
    """A node paused while collections were made comes back with schema changes to apply; Raft
    counts an entry applied once the node has queued it. Before: the fence returned while that
    node still had its shards READY, and writes at ONE through it were acknowledged (4-7 per run,
    for 0.2-0.4 s), after the point from which the final pass reads."""
    from schemactl.apply.fence import fence, unfence, writable_shards
    from schemactl.connection import make_target
    from schemactl.live import RestClient

    applied_and_seeded(cluster, node1, tmp_path, collection_yaml(), 30)
    statistics = httpx.get(f"{cluster.url}/v1/cluster/statistics").json()["statistics"]
    name = "node2" if statistics[0].get("leaderId") == "node3" else "node3"  # the schema leader paused stalls writes
    paused = cluster.node(name)
    paused.process.send_signal(signal.SIGSTOP)
    try:
        time.sleep(5)
        for i in range(3):
            httpx.post(f"{cluster.url}/v1/schema", json={"class": f"Backlog{i}"}, timeout=30).raise_for_status()
    finally:
        paused.process.send_signal(signal.SIGCONT)
    reader = RestClient(make_target(paused.url, paused.ports.grpc, None, ()))
    try:
        fence(reader, "Doc_v1")
        assert writable_shards(reader, "Doc_v1") == set()
    finally:
        unfence(reader, "Doc_v1")
        reader.close()


def _wait_until_compared(cluster, physical: str, timeout: float = 60) -> None:
    """Until Weaviate has compared every replica of `physical` and found them alike."""
    from schemactl.replicas import comparisons

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = comparisons(httpx.get(f"{cluster.url}/v1/nodes/{physical}?output=verbose").json(), physical)
        if len(found) == 9 and all(c.agrees() for c in found):  # 3 shards x 3 replicas
            return
        time.sleep(0.5)
    raise AssertionError(f"Weaviate never reported the replicas of {physical} compared")


def _written(collection, what: str, count: int, rng: random.Random) -> dict[str, list[float]]:
    """`count` objects written (and acknowledged) through `collection`; id -> vector."""
    objects = [DataObject(properties={"body": f"{what} {i}"}, vector=[rng.uniform(-1, 1) for _ in range(DIMS)],
                          uuid=uuid.UUID(int=rng.getrandbits(128), version=4)) for i in range(count)]
    _insert_acknowledged(collection, objects)
    return {str(o.uuid): list(o.vector) for o in objects}


def _tenanted_yaml(name: str) -> str:
    return (collection_yaml(shards=1).replace("shardingConfig:\n  desiredCount: 1\n", "")
            .replace("name: Doc", f"name: {name}") + "multiTenancyConfig:\n  enabled: true\n")


def test_a_node_that_stays_down_is_named_by_plan_and_refused_by_apply_before_any_change(cluster, node1, tmp_path,
                                                                                          monkeypatch):
    directory, _ = applied_and_seeded(cluster, node1, tmp_path, collection_yaml(), 100)
    (directory / "doc.yaml").write_text(collection_yaml(distance="dot"))
    cluster.kill("node3")
    try:
        _wait_until_seen_down(cluster, "node3")
        planned = run(cluster, "plan", str(directory))
        assert planned.exit_code == 0, planned.output
        assert planned.stdout.startswith("warning: node node3 is ") and \
            ": apply refuses to move the data of Doc until every node is back" in planned.stdout
        applied = run(cluster, "apply", str(directory), "--auto-approve")
        assert applied.exit_code == 1
        assert applied.stderr.startswith("error: node node3 is ") and \
            ": moving the data of Doc needs every node" in applied.stderr
        assert "nothing was applied" in applied.stderr
        assert not node1.collections.exists("Doc_v2")
        # schemactl's own records are replicated: recording the refused apply needed no third node
        in_place = collection_yaml().replace("distance: cosine", "distance: cosine\n  ef: 77")
        (directory / "doc.yaml").write_text(in_place)
        changed = run(cluster, "apply", str(directory), "--auto-approve")
        assert changed.exit_code == 0, changed.output
        _the_cutover_gate_holds_while_node3_is_down(cluster, directory, monkeypatch)
    finally:
        cluster.start_again("node3")


def _the_cutover_gate_holds_while_node3_is_down(cluster, directory, monkeypatch) -> None:
    """The last check before a cutover fences the old version, asked directly: it waits for the
    node (here 1 s), then refuses naming it."""
    from schemactl.apply import recreate
    from schemactl.api import compute_plan
    from schemactl.connection import make_target
    from schemactl.apply.context import Context
    from schemactl.errors import SchemactlError
    from schemactl.live import RestClient

    (directory / "doc.yaml").write_text(collection_yaml(distance="dot"))
    target = make_target(cluster.url, cluster.nodes[0].ports.grpc, None, ())
    plan, live = compute_plan([directory], target)
    [change] = [s.change for s in plan.steps]
    reader = RestClient(target)
    monkeypatch.setattr(recreate, "REPLICA_WAIT", 1.0)
    try:
        context = Context(reader, target, dict(live.physical), dict(live.collections))
        with pytest.raises(SchemactlError, match=r"^node node3 is \S+.*: not cutting over Doc to Doc_v2 while a node "
                                                 r"is down"):
            recreate._wait_for_every_node(change, context, "Doc_v2")
    finally:
        reader.close()


def _wait_until_seen_down(cluster, name: str, timeout: float = 120) -> None:
    """A killed node is reported HEALTHY for a moment (until gossip notices), and requests that reach
    it as it dies (a schema read through it as Raft leader, an aggregate over its replicas) wait
    about a minute (v1.39): wait until the cluster answers without it, as an operator would."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # while a node dies the cluster may answer these with an error for a moment (seen on 1.38.8)
        nodes = httpx.get(f"{cluster.url}/v1/nodes").json().get("nodes")
        statistics = httpx.get(f"{cluster.url}/v1/cluster/statistics").json().get("statistics")
        if nodes is None or statistics is None:
            time.sleep(0.5)
            continue
        leaders = {n.get("leaderId") for n in statistics if n.get("status") == "HEALTHY"}
        others_up = all(n["status"] == "HEALTHY" for n in nodes if n["name"] != name)  # a leader change settles
        if all(n["name"] != name or n["status"] != "HEALTHY" for n in nodes) and others_up and leaders \
                and name not in leaders:
            try:
                httpx.get(f"{cluster.url}/v1/schema", timeout=5).raise_for_status()
                count = {"query": "{ Aggregate { Doc { meta { count } } } }"}
                httpx.post(f"{cluster.url}/v1/graphql", json=count, timeout=5).raise_for_status()
                return
            except httpx.TimeoutException:
                pass
        time.sleep(0.2)
    raise AssertionError(f"the cluster never went on without {name}")


def _wait_until_healthy(cluster, name: str, timeout: float = 60) -> None:
    """Until every node, asked through `name`, reports every node HEALTHY (as an operator checks)."""
    url = cluster.node(name).url
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            nodes = httpx.get(f"{url}/v1/nodes", timeout=5).json().get("nodes") or []
        except httpx.HTTPError:
            nodes = []
        if len(nodes) == len(NODES) and all(n.get("status") == "HEALTHY" for n in nodes):
            return
        time.sleep(0.2)
    raise AssertionError(f"the cluster never reported every node healthy through {name}")


def _wait_for_objects(cluster, physical: str, count: int, process: subprocess.Popen, timeout: float = 120) -> None:
    query = {"query": f"{{ Aggregate {{ {physical} {{ meta {{ count }} }} }} }}"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        reply = httpx.post(f"{cluster.url}/v1/graphql", json=query).json()
        counted = ((reply.get("data") or {}).get("Aggregate") or {}).get(physical)
        if counted and counted[0]["meta"]["count"] >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{physical} never reached {count} objects")



def test_one_set_of_files_converges_on_a_one_node_dev_and_a_three_node_prod(cluster, node1, client, weaviate_server,
                                                                           tmp_path, monkeypatch):
    """Environments: the same schemas/ with prod's override of the replication factor."""
    from schemactl.cli import cli

    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "doc.yaml").write_text(collection_yaml(factor=1, shards=1))
    prod = cluster.nodes[0]
    (tmp_path / "schemactl.yaml").write_text(
        f"environments:\n  dev:\n    url: {weaviate_server.url}\n    grpcPort: {weaviate_server.ports.grpc}\n"
        f"  prod:\n    url: {prod.url}\n    grpcPort: {prod.ports.grpc}\n    consistency: QUORUM\n"
        "    overrides:\n      \"*\": {replicationConfig: {factor: 3}}\n")
    monkeypatch.chdir(tmp_path)
    invoke = lambda *args: CliRunner().invoke(cli, list(args), catch_exceptions=False)
    for env, factor in (("dev", 1), ("prod", 3)):
        applied = invoke("apply", "schemas", "--env", env, "--auto-approve")
        assert applied.exit_code == 0, applied.output
        assert invoke("plan", "schemas", "--env", env, "--detailed-exitcode").exit_code == 0  # converged
        url = weaviate_server.url if env == "dev" else prod.url
        assert httpx.get(f"{url}/v1/schema/Doc_v1").json()["replicationConfig"]["factor"] == factor
    planned = invoke("plan", "schemas", "--env", "prod")
    assert "Environment prod (its overrides of the files: Doc: replicationConfig.factor)" in planned.stdout
    (tmp_path / "schemas" / "doc.yaml").write_text(collection_yaml(distance="dot", factor=1, shards=1))
    assert invoke("plan", "schemas", "--env", "prod", "--out", str(tmp_path / "prod.json")).exit_code == 0
    elsewhere = invoke("apply", str(tmp_path / "prod.json"), "--env", "dev", "--auto-approve")
    assert elsewhere.exit_code == 1 and "this plan was made for" in elsewhere.stderr


def test_a_file_without_a_shard_count_gets_one_shard_per_node_and_stays_in_sync(cluster, node1, tmp_path):
    """Weaviate gives such a collection one shard per node: compared with one shard, every plan
    recreated it, and the copy got a shard per node again."""
    directory = tmp_path / "schemas"
    directory.mkdir()
    unstated = collection_yaml(factor=1).replace("shardingConfig:\n  desiredCount: 3\n", "")
    assert "shardingConfig" not in unstated
    (directory / "doc.yaml").write_text(unstated)
    assert run(cluster, "apply", str(directory), "--auto-approve").exit_code == 0
    made = httpx.get(f"{cluster.nodes[0].url}/v1/schema/Doc_v1").json()["shardingConfig"]
    assert made["desiredCount"] == len(NODES)
    in_sync = run(cluster, "plan", str(directory), "--detailed-exitcode")
    assert in_sync.exit_code == 0, in_sync.output
