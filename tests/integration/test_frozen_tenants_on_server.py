"""A real FROZEN tenant: Weaviate's offload-s3 module offloads it into an S3 store on loopback
(SeaweedFS, a development aid). A recreate of its collection is refused at plan time, and at apply
time for a plan saved before the tenant was frozen, with nothing created; once thawed, it migrates."""
from __future__ import annotations

import time

import httpx
import pytest
from click.testing import CliRunner
from weaviate.classes.data import DataObject

from schemactl.cli import cli

SCHEMA = """name: Docs
properties:
  - name: text
    dataType: text
vectorizer:
  module: none
vectorIndexConfig:
  distance: %s
multiTenancyConfig:
  enabled: true
  autoTenantCreation: false
"""
TENANTS, PER_TENANT, FROZEN = ("acme", "globex", "initech"), 5, "globex"


@pytest.fixture(scope="module")
def offloading(tmp_path_factory):
    """A Weaviate of its own with offload-s3, freezing tenants into a SeaweedFS S3 store."""
    from schemactl.dev import s3_store
    from schemactl.dev import weaviate as testbed

    store = s3_store.start(tmp_path_factory.mktemp("s3"))
    try:
        server = testbed.start(tmp_path_factory.mktemp("offload-data"), env=store.weaviate_env())
    except BaseException:
        store.stop()
        raise
    yield server
    server.stop()
    store.stop()


def run(server, *args: str):
    connection = ["--url", server.url, "--grpc-port", str(server.ports.grpc)]
    return CliRunner().invoke(cli, [*args, *connection], catch_exceptions=False)


def freeze(rest: httpx.Client, tenant: str) -> None:
    """PUT FROZEN on the physical collection (tenant changes do not resolve aliases)."""
    reply = rest.put("/v1/schema/Docs_v1/tenants", json=[{"name": tenant, "activityStatus": "FROZEN"}])
    assert reply.status_code == 200, reply.text


def wait_for(rest: httpx.Client, physical: str, tenant: str, status: str, timeout: float = 60) -> None:
    """Until GET says `status`, past FREEZING / UNFREEZING (a PUT meanwhile would be refused)."""
    deadline = time.monotonic() + timeout
    while (now := rest.get(f"/v1/schema/{physical}/tenants/{tenant}").json()["activityStatus"]) != status:
        assert time.monotonic() < deadline, f"{tenant} of {physical} is still {now}, not {status}"
        time.sleep(0.2)


def contents(client, collection: str, tenants=TENANTS) -> dict[str, set[str]]:
    """Each (HOT) tenant's texts in `collection`."""
    docs = client.collections.use(collection)
    return {t: {o.properties["text"] for o in docs.with_tenant(t).iterator()} for t in tenants}


def test_a_frozen_tenant_stops_plan_and_a_saved_plan_until_it_is_thawed(offloading, tmp_path):
    import weaviate

    (tmp_path / "docs.yaml").write_text(SCHEMA % "cosine")
    created = run(offloading, "apply", str(tmp_path), "--auto-approve")
    assert created.exit_code == 0, created.output
    assert run(offloading, "tenants", "Docs", "--create", ",".join(TENANTS)).exit_code == 0
    written = {t: {f"{t} {i}" for i in range(PER_TENANT)} for t in TENANTS}
    rest = httpx.Client(base_url=offloading.url, timeout=30)
    client = weaviate.connect_to_local(host="127.0.0.1", port=offloading.ports.http,
                                       grpc_port=offloading.ports.grpc)
    try:
        for tenant, texts in written.items():
            objects = [DataObject(properties={"text": text}, vector=[i / 10, 1.0, 0.5])
                       for i, text in enumerate(sorted(texts))]
            result = client.collections.use("Docs").with_tenant(tenant).data.insert_many(objects)  # the alias
            assert not result.errors

        (tmp_path / "docs.yaml").write_text(SCHEMA % "dot")  # a recreate: the distance cannot change in place
        saved = tmp_path / "plan.json"
        before = run(offloading, "plan", str(tmp_path), "--out", str(saved))
        assert before.exit_code == 0, before.output
        freeze(rest, FROZEN)
        wait_for(rest, "Docs_v1", FROZEN, "FROZEN")
        shards = offloading.data_dir / "docs_v1"
        deadline = time.monotonic() + 60  # its shard is in the S3 store: the local copy goes soon after FROZEN
        while (shards / FROZEN).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not (shards / FROZEN).exists() and (shards / "acme").is_dir()

        planned = run(offloading, "plan", str(tmp_path))
        assert planned.exit_code == 1, planned.output
        assert "recreate Docs: Docs_v1 has 1 offloaded tenant(s): globex (FROZEN)." in planned.stderr
        assert planned.stderr.rstrip().endswith("nothing was planned")

        applied = run(offloading, "apply", str(saved), "--auto-approve")
        assert applied.exit_code == 1, applied.output
        assert "recreate Docs: Docs_v1 has 1 offloaded tenant(s): globex (FROZEN)." in applied.stderr
        assert applied.stderr.rstrip().endswith("nothing was applied")
        assert {c["class"] for c in rest.get("/v1/schema").json()["classes"]} == {"Docs_v1", "SchemactlLedger"}  # no Docs_v2
        assert client.alias.get(alias_name="Docs").collection == "Docs_v1"
        hot = [t for t in TENANTS if t != FROZEN]
        assert contents(client, "Docs_v1", hot) == {t: written[t] for t in hot}

        # the refusal's own advice thaws it (to COLD); then nothing stands in the way
        thawed = run(offloading, "tenants", "Docs", "--update", FROZEN, "--status", "COLD")
        assert thawed.exit_code == 0, thawed.output
        wait_for(rest, "Docs_v1", FROZEN, "COLD")
        migrated = run(offloading, "apply", str(saved), "--auto-approve")
        assert migrated.exit_code == 0, migrated.output
        assert client.alias.get(alias_name="Docs").collection == "Docs_v2"
        assert run(offloading, "plan", str(tmp_path), "--detailed-exitcode").exit_code == 0
        woken = run(offloading, "tenants", "Docs", "--update", FROZEN, "--status", "HOT")
        assert woken.exit_code == 0, woken.output
        assert contents(client, "Docs_v2") == written  # the thawed tenant's objects too
    finally:
        client.close()
        rest.close()


def test_a_tenant_frozen_during_the_copy_stops_the_apply_and_stays_frozen(offloading, tmp_path, monkeypatch):
    """An operator freezes a sleeping tenant while the copy runs: the apply stops before the alias
    moves, the tenant stays FROZEN, and once thawed the next apply carries every object. Before:
    apply exited 0, the frozen tenant was empty in the version the alias served, and its freeze
    was set back to COLD."""
    import weaviate
    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    from schemactl.apply.tenant_recreate import TenantRecreate

    schema = SCHEMA.replace("name: Docs", "name: Frz")
    (tmp_path / "frz.yaml").write_text(schema % "cosine")
    assert run(offloading, "apply", str(tmp_path), "--auto-approve").exit_code == 0
    names = [f"f{i}" for i in range(6)]
    assert run(offloading, "tenants", "Frz", "--create", ",".join(names)).exit_code == 0
    rest = httpx.Client(base_url=offloading.url, timeout=30)
    client = weaviate.connect_to_local(host="127.0.0.1", port=offloading.ports.http, grpc_port=offloading.ports.grpc)
    try:
        for tenant in names:
            objects = [DataObject(properties={"text": f"{tenant} {i}"}, vector=[i / 10, 1.0, 0.5]) for i in range(4)]
            assert not client.collections.use("Frz").with_tenant(tenant).data.insert_many(objects).errors
        client.collections.use("Frz_v1").tenants.update(
            [Tenant(name=t, activity_status=TenantActivityStatus.INACTIVE) for t in names[3:]])
        (tmp_path / "frz.yaml").write_text(schema % "dot")
        groups_awake = TenantRecreate._groups_awake

        def frozen_first(self, tenants, work, *args):
            if tenants and self.source == "Frz_v1" and "f4" in tenants:
                reply = rest.put("/v1/schema/Frz_v1/tenants", json=[{"name": "f4", "activityStatus": "FROZEN"}])
                assert reply.status_code == 200, reply.text
            return groups_awake(self, tenants, work, *args)
        with monkeypatch.context() as patch:
            patch.setattr(TenantRecreate, "_groups_awake", frozen_first)
            stopped = run(offloading, "apply", str(tmp_path), "--auto-approve")
        assert stopped.exit_code == 1, stopped.output
        assert "Frz_v1 has 1 offloaded tenant(s): f4 (" in stopped.stderr, stopped.output
        assert client.alias.get(alias_name="Frz").collection == "Frz_v1"
        wait_for(rest, "Frz_v1", "f4", "FROZEN")  # the operator's freeze kept

        assert run(offloading, "tenants", "Frz", "--update", "f4", "--status", "COLD").exit_code == 0
        wait_for(rest, "Frz_v1", "f4", "COLD")
        migrated = run(offloading, "apply", str(tmp_path), "--auto-approve")
        assert migrated.exit_code == 0, migrated.output
        assert client.alias.get(alias_name="Frz").collection == "Frz_v2"
        client.collections.use("Frz_v2").tenants.update(
            [Tenant(name=t, activity_status=TenantActivityStatus.ACTIVE) for t in names])
        assert contents(client, "Frz_v2", names) == {t: {f"{t} {i}" for i in range(4)} for t in names}
    finally:
        client.close()
        rest.close()
