"""Refusals that leave the cluster as it was, on real servers: permissions (RBAC), plans for
another cluster or edited by hand, names that clash by case, secrets in URLs, IPv6."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from click.testing import CliRunner

from schemactl import __version__
from schemactl.cli import cli
from schemactl.plan import checksum
from tests.integration.conftest import edit
from tests.integration.test_migrate_on_server import aliases, collections

ADMIN, BOB, CAROL, DAVE = "admin-key-0001", "bob-key-0002", "carol-key-0003", "dave-key-0004"
COLLECTIONS_AND_DATA = ([{"action": f"{verb}_collections", "collections": {"collection": "*"}}
                         for verb in ("create", "read", "update", "delete")]
                        + [{"action": f"{verb}_data", "data": {"collection": "*"}}
                           for verb in ("create", "read", "update", "delete")])
DOC = """name: Doc
properties:
  - {name: title, dataType: text}
vectorizer: {module: none}
vectorIndexConfig: {distance: %s}
"""


@pytest.fixture(scope="module")
def rbac_server(tmp_path_factory):
    """A second server with API keys and RBAC: admin (root), bob (collections and data, no
    aliases at all), carol (bob's rights plus reading aliases, but not changing them), dave (no
    role at all)."""
    from schemactl.dev import weaviate as testbed

    server = testbed.start(tmp_path_factory.mktemp("rbac-data"), env={
        "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false", "AUTHENTICATION_APIKEY_ENABLED": "true",
        "AUTHENTICATION_APIKEY_ALLOWED_KEYS": f"{ADMIN},{BOB},{CAROL},{DAVE}",
        "AUTHENTICATION_APIKEY_USERS": "admin,bob,carol,dave",
        "AUTHORIZATION_RBAC_ENABLED": "true", "AUTHORIZATION_RBAC_ROOT_USERS": "admin"})
    admin = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN}"})
    read_aliases = [{"action": "read_aliases", "aliases": {"alias": "*", "collection": "*"}}]
    for role, permissions, user in (("no-aliases", COLLECTIONS_AND_DATA, "bob"),
                                    ("read-aliases", COLLECTIONS_AND_DATA + read_aliases, "carol")):
        assert admin.post("/v1/authz/roles", json={"name": role, "permissions": permissions}).status_code == 201
        assert admin.post(f"/v1/authz/users/{user}/assign", json={"roles": [role], "userType": "db"}).status_code == 200
    yield server
    admin.close()
    server.stop()


def as_user(server, key: str, *args: str):
    connection = ["--url", server.url, "--grpc-port", str(server.ports.grpc), "--api-key", key]
    return CliRunner().invoke(cli, [*args, *connection], catch_exceptions=False)


def classes(server) -> set[str]:
    reply = httpx.get(f"{server.url}/v1/schema", headers={"Authorization": f"Bearer {ADMIN}"})
    return {c["class"] for c in reply.json()["classes"] or []}


@pytest.fixture
def rbac_doc(rbac_server, tmp_path):
    """Doc applied by the admin (Doc_v1 behind alias Doc), removed again afterwards."""
    (tmp_path / "doc.yaml").write_text(DOC % "cosine")
    assert as_user(rbac_server, ADMIN, "apply", str(tmp_path), "--auto-approve").exit_code == 0
    yield tmp_path
    admin = httpx.Client(base_url=rbac_server.url, headers={"Authorization": f"Bearer {ADMIN}"})
    for alias in aliases_of(rbac_server):  # Doc's, and any a test made (Fresh)
        admin.delete(f"/v1/aliases/{alias}")
    for name in classes(rbac_server):
        admin.delete(f"/v1/schema/{name}")
    admin.close()


def test_a_role_that_cannot_read_aliases_cannot_plan_blind(rbac_server, rbac_doc):
    """Before: GET /v1/aliases came back empty, so Doc_v1 looked unmanaged and apply made Doc_v2."""
    result = as_user(rbac_server, BOB, "plan", str(rbac_doc))
    assert result.exit_code == 1
    assert result.stderr == ("error: reading the cluster needs permissions your roles lack: read_aliases on alias "
                             "* -> * (see which collections schemactl manages). Nothing was changed; ask an admin "
                             "to grant them\n")


def test_a_key_with_no_role_cannot_plan_blind(rbac_server, rbac_doc):
    """Weaviate tells such a key `roles: null`, as it tells every key without RBAC, and lists it an
    empty schema and no aliases. Before: plan stopped on a 403 to one of schemactl's own reads
    (`refused GET /v1/schema/SchemactlLedger`), naming none of what the key lacks, and status
    said "ok permissions no RBAC for this caller"."""
    result = as_user(rbac_server, DAVE, "plan", str(rbac_doc))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: reading the cluster needs permissions your roles lack: read_collections "
                                    "on collection * (read the schema); read_aliases on alias * -> * "), result.output
    status = as_user(rbac_server, DAVE, "status")
    assert status.exit_code == 1
    assert "FAIL permissions  plan needs permissions your roles lack: read_collections on collection * " in status.output


def test_apply_without_alias_rights_is_refused_before_anything_is_created(rbac_server, rbac_doc):
    before = classes(rbac_server)
    edit(rbac_doc / "doc.yaml", "cosine", "dot")  # a recreate: needs a new version and the alias moved
    (rbac_doc / "new.yaml").write_text("name: Fresh\nproperties: []\nvectorizer: {module: none}\n")
    result = as_user(rbac_server, CAROL, "apply", str(rbac_doc), "--auto-approve")
    assert result.exit_code == 1
    assert "this apply needs permissions your roles lack: read_nodes (minimal) on collection * (see that every node " \
           "is up, and " \
           "how many there are); read_cluster on collection * (wait until every node has applied each schema " \
           "change); create_aliases on alias Fresh -> Fresh_v1 (create Fresh); " \
           "update_tenants on collection Doc_v1 (fence writes to Doc_v1 while cutting over); " \
           "update_aliases on alias Doc -> Doc_v2 (recreate Doc); ask an admin to grant them; nothing was applied" \
        in result.stderr
    assert classes(rbac_server) == before  # not even the lock or the ledger
    assert as_user(rbac_server, ADMIN, "apply", str(rbac_doc), "--auto-approve").exit_code == 0  # admin may


def test_a_plan_saved_for_another_cluster_is_refused(rbac_server, client, cli_run, tmp_path):
    (tmp_path / "doc.yaml").write_text(DOC % "cosine")
    assert cli_run("plan", str(tmp_path), "--out", str(tmp_path / "plan.json")).exit_code == 0
    before = classes(rbac_server)
    result = as_user(rbac_server, ADMIN, "apply", str(tmp_path / "plan.json"), "--auto-approve")
    assert result.exit_code == 1
    made_for = json.loads((tmp_path / "plan.json").read_text())["target"]
    assert f"error: this plan was made for {made_for}, not {rbac_server.url}: plan against this cluster; nothing was " \
        "applied" in result.stderr
    assert classes(rbac_server) == before


def test_a_saved_plan_edited_to_copy_another_collection_is_refused(client, cli_run, tmp_path):
    (tmp_path / "doc.yaml").write_text(DOC % "cosine")
    (tmp_path / "other.yaml").write_text((DOC % "cosine").replace("Doc", "Other"))
    assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
    edit(tmp_path / "doc.yaml", "cosine", "dot")
    assert cli_run("plan", str(tmp_path), "--out", str(tmp_path / "plan.json")).exit_code == 0
    document = json.loads((tmp_path / "plan.json").read_text())
    assert document["steps"][0]["physical"] == "Doc_v1"
    document["steps"][0]["physical"] = "Other_v1"  # copy Other's objects into Doc
    document["checksum"] = checksum(document)
    (tmp_path / "plan.json").write_text(json.dumps(document))
    result = cli_run("apply", str(tmp_path / "plan.json"), "--auto-approve")
    assert result.exit_code == 1
    assert "step 1 recreate Doc of this plan is not what the live cluster and the plan's own definitions give " \
           "(was it made with a key that may not ask what the server changes in place? its plan warned so; else, " \
           "was the plan file edited?): plan again; nothing was applied" in result.stderr
    document["schemactl_version"] = "0.0.1"  # made by another release: said so, not "edited"
    document["checksum"] = checksum(document)
    (tmp_path / "plan.json").write_text(json.dumps(document))
    result = cli_run("apply", str(tmp_path / "plan.json"), "--auto-approve")
    assert result.exit_code == 1
    assert f"step 1 recreate Doc of this plan is not what this release of schemactl ({__version__}) plans from the " \
           "live cluster and the plan's own definitions; the plan was made by schemactl 0.0.1: plan again with this " \
           "release; nothing was applied" in result.stderr
    assert collections(client) == {"Doc_v1", "Other_v1"}


def test_a_name_that_differs_only_in_case_is_refused(client, cli_run, tmp_path):
    client.collections.create_from_dict({"class": "Legacy", "vectorizer": "none"})
    (tmp_path / "legacy.yaml").write_text("name: LEGACY\nproperties: []\nvectorizer: {module: none}\n")
    result = cli_run("apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 1
    assert "error: LEGACY differs only in case from Legacy, which exists in the cluster; nothing was applied" \
        in result.stderr
    assert collections(client) == {"Legacy"} and aliases(client) == {}


def test_a_password_in_the_url_stays_out_of_plans_and_output(client, weaviate_server, tmp_path):
    (tmp_path / "doc.yaml").write_text(DOC % "cosine")
    url = weaviate_server.url.replace("http://", "http://alice:pw-Sup3rSecret@")
    args = ["plan", str(tmp_path), "--out", str(tmp_path / "plan.json"), "--url", url,
            "--grpc-port", str(weaviate_server.ports.grpc)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    saved = (tmp_path / "plan.json").read_text()
    assert "pw-Sup3rSecret" not in result.output + saved and "alice" not in saved
    assert json.loads(saved)["target"] == weaviate_server.url
    applied = CliRunner().invoke(cli, ["apply", str(tmp_path / "plan.json"), "--auto-approve", "--url", url,
                                       "--grpc-port", str(weaviate_server.ports.grpc)], catch_exceptions=False)
    assert applied.exit_code == 0 and "pw-Sup3rSecret" not in applied.output


def test_a_user_and_password_in_the_url_go_with_the_data_path_too(client, weaviate_server, tmp_path):
    """They are sent as `Authorization: Basic` over REST and gRPC (for a proxy in front); Weaviate
    takes such a request as anonymous, so a recreate copies its data over gRPC as without them."""
    (tmp_path / "doc.yaml").write_text(DOC % "cosine")
    url = weaviate_server.url.replace("http://", "http://alice:pw-Sup3rSecret@")
    run = ["--url", url, "--grpc-port", str(weaviate_server.ports.grpc)]
    assert CliRunner().invoke(cli, ["apply", str(tmp_path), "--auto-approve", *run]).exit_code == 0
    client.collections.use("Doc").data.insert_many([{"title": f"t{i}"} for i in range(30)])
    edit(tmp_path / "doc.yaml", "distance: cosine", "distance: dot")
    result = CliRunner().invoke(cli, ["apply", str(tmp_path), "--auto-approve", *run], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert aliases(client) == {"Doc": "Doc_v2"} and len(client.collections.use("Doc")) == 30
    assert "pw-Sup3rSecret" not in result.output


@pytest.fixture(scope="module")
def ipv6_server(tmp_path_factory):
    from schemactl.dev import weaviate as testbed

    server = testbed.start(tmp_path_factory.mktemp("ipv6-data"), host="::1")
    yield server
    server.stop()


def test_an_ipv6_literal_works_for_rest_and_grpc(ipv6_server, tmp_path):
    """Before: every gRPC use failed with "Invalid port: ':1:54643'" and left an empty Six_v2."""
    import weaviate

    assert ipv6_server.url.startswith("http://[::1]:")
    (tmp_path / "six.yaml").write_text("name: Six\nproperties:\n  - {name: title, dataType: text}\n"
                                       "vectorizer: {module: none}\n")
    run = ["--url", ipv6_server.url, "--grpc-port", str(ipv6_server.ports.grpc)]
    assert CliRunner().invoke(cli, ["apply", str(tmp_path), "--auto-approve", *run]).exit_code == 0
    client = weaviate.connect_to_custom(http_host="[::1]", http_port=ipv6_server.ports.http, http_secure=False,
                                        grpc_host="[::1]", grpc_port=ipv6_server.ports.grpc, grpc_secure=False)
    try:
        client.collections.use("Six").data.insert_many([{"title": f"t{i}"} for i in range(50)])
        edit(tmp_path / "six.yaml", "vectorizer: {module: none}", "vectorizer: {module: none}\n"
                                    "vectorIndexConfig: {distance: dot}")  # a recreate: the copy runs over gRPC
        result = CliRunner().invoke(cli, ["apply", str(tmp_path), "--auto-approve", *run], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert {a: t.collection for a, t in client.alias.list_all().items()} == {"Six": "Six_v2"}
        assert client.collections.use("Six").aggregate.over_all(total_count=True).total_count == 50
    finally:
        client.close()


@pytest.mark.parametrize("key", [None, "wrong-key-9999"])
def test_history_without_a_valid_key_fails_instead_of_answering(rbac_server, key):
    """Before: "No applies recorded in this cluster." and exit 0."""
    args = ["history", "--url", rbac_server.url] + (["--api-key", key] if key else [])
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: Weaviate at {rbac_server.url} refused the request (401)")
    assert "No applies recorded" not in result.output and "wrong-key-9999" not in result.output


@pytest.mark.parametrize("key, sent", [(None, "no credentials"), ("wrong-key-9999", "an API key")])
def test_rollback_without_a_valid_key_says_so_as_every_other_command_does(rbac_server, rbac_doc, key, sent):
    """Before: `take the apply lock failed (401): {"code":401,...}` (its first request is a write)."""
    args = ["rollback", "Doc", "--url", rbac_server.url] + (["--api-key", key] if key else [])
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: Weaviate at {rbac_server.url} refused the request (401) with {sent}")
    assert "take the apply lock" not in result.stderr and "wrong-key-9999" not in result.output


@contextmanager
def carol_reads_only(rbac_server) -> Iterator[None]:
    """Carol with the read-only role a CI plan job has (collections, data and aliases: read)."""
    admin = httpx.Client(base_url=rbac_server.url, headers={"Authorization": f"Bearer {ADMIN}"})
    reader = [{"action": action, "collections": {"collection": "*"}} for action in ("read_collections",)] + \
        [{"action": "read_data", "data": {"collection": "*"}},
         {"action": "read_aliases", "aliases": {"alias": "*", "collection": "*"}}]
    assert admin.post("/v1/authz/roles", json={"name": "reader", "permissions": reader}).status_code == 201
    admin.post("/v1/authz/users/carol/revoke", json={"roles": ["read-aliases"], "userType": "db"})
    admin.post("/v1/authz/users/carol/assign", json={"roles": ["reader"], "userType": "db"})
    try:
        yield
    finally:
        admin.post("/v1/authz/users/carol/revoke", json={"roles": ["reader"], "userType": "db"})
        admin.post("/v1/authz/users/carol/assign", json={"roles": ["read-aliases"], "userType": "db"})
        admin.delete("/v1/authz/roles/reader")
        admin.close()


def test_plan_probe_without_the_right_to_make_its_throwaway_collection_says_so_first(rbac_server, rbac_doc):
    with carol_reads_only(rbac_server):
        before = classes(rbac_server)
        result = as_user(rbac_server, CAROL, "plan", str(rbac_doc), "--probe")
        assert result.exit_code == 1
        assert result.stderr.startswith("error: plan --probe needs permissions your roles lack: create_collections on "
                                        "collection SchemactlProbe* (probe a changed vectorization")
        assert classes(rbac_server) == before
        assert as_user(rbac_server, CAROL, "plan", str(rbac_doc)).exit_code == 0  # without --probe it may plan


def test_a_key_that_may_not_ask_what_the_server_changes_in_place_plans_a_copy_and_says_why(rbac_server, rbac_doc):
    """Before: the server's 403 to the index-task question read as "it builds indexes in place":
    a read-only key (a CI plan job's) planned "reindex in place, no data copied" on a server with
    RUNTIME_REINDEX_ENABLED off, as this one, and the admin's apply of that saved plan was refused
    as "edited". Now it plans the copy, says why, and the admin applies it."""
    edit(rbac_doc / "doc.yaml", "{name: title, dataType: text}", "{name: title, dataType: text, tokenization: field}")
    with carol_reads_only(rbac_server):
        read_only = as_user(rbac_server, CAROL, "plan", str(rbac_doc), "--out", str(rbac_doc / "plan.json"))
        status = as_user(rbac_server, CAROL, "status")
    assert read_only.exit_code == 0, read_only.output
    assert "-/+ Doc" in read_only.output and "~ Doc" not in read_only.output, read_only.output
    assert "Doc: planned as a copy, as this key may not ask whether the server builds and re-tokenizes property " \
           "indexes in place (RUNTIME_REINDEX_ENABLED) (the server refuses the question, 403)" in read_only.output
    assert "property_index_tasks (unknown: this key may not update collections" in status.output, status.output
    admin = as_user(rbac_server, ADMIN, "plan", str(rbac_doc))  # the admin may ask: the server says it does not
    assert admin.exit_code == 0 and "-/+ Doc" in admin.output and "planned as a copy" not in admin.output, admin.output
    applied = as_user(rbac_server, ADMIN, "apply", str(rbac_doc / "plan.json"), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert as_user(rbac_server, ADMIN, "plan", str(rbac_doc), "--detailed-exitcode").exit_code == 0


def test_an_apply_whose_grpc_reaches_another_cluster_is_refused_before_any_change(client, cli_run, modules_server,
                                                                                   weaviate_server, tmp_path):
    """Before: with a stale WEAVIATE_GRPC_URL naming another cluster, a recreate copied that
    cluster's Doc_v1 into it (auto-schema made Doc_v2 there), verified it there as "the same ids
    and content", and moved this cluster's alias to an empty Doc_v2."""
    import weaviate

    (tmp_path / "doc.yaml").write_text(DOC % "cosine")
    other_run = ["--url", modules_server.url, "--grpc-port", str(modules_server.ports.grpc)]
    assert CliRunner().invoke(cli, ["apply", str(tmp_path), "--auto-approve", *other_run]).exit_code == 0
    other = weaviate.connect_to_local(port=modules_server.ports.http, grpc_port=modules_server.ports.grpc)
    try:
        other.collections.use("Doc").data.insert_many([{"title": f"there {i}"} for i in range(7)])
        assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0
        client.collections.use("Doc").data.insert_many([{"title": f"here {i}"} for i in range(5)])
        (tmp_path / "doc.yaml").write_text(DOC % "dot")
        stale = {"WEAVIATE_GRPC_URL": f"http://127.0.0.1:{modules_server.ports.grpc}"}
        result = cli_run("apply", str(tmp_path), "--auto-approve", env=stale)
        assert result.exit_code == 1, result.output
        assert f"gRPC at http://127.0.0.1:{modules_server.ports.grpc} (from WEAVIATE_GRPC_URL) does not reach the " \
               f"Weaviate that REST reaches at {weaviate_server.url}: the ledger record this apply has just written " \
               "over REST is not there" in result.stderr, result.stderr
        assert aliases(client) == {"Doc": "Doc_v1"} and collections(client) == {"Doc_v1"}
        assert collections(other) == {"Doc_v1"} and len(other.collections.use("Doc_v1")) == 7
        assert cli_run("apply", str(tmp_path), "--auto-approve").exit_code == 0  # with its own gRPC: moved
        assert aliases(client) == {"Doc": "Doc_v2"} and len(client.collections.use("Doc")) == 5
    finally:
        other.alias.delete(alias_name="Doc")
        for name in other.collections.list_all():
            other.collections.delete(name)
        other.close()


def test_a_role_that_only_reads_is_told_what_it_lacks_by_the_commands_that_take_the_lock(rbac_server, rbac_doc):
    """Before: `take the apply lock failed (403): ...` from rollback and drop-old-versions, and
    `release the apply lock failed (403)` from force-unlock when no lock was held."""
    edit(rbac_doc / "doc.yaml", "cosine", "dot")
    assert as_user(rbac_server, ADMIN, "apply", str(rbac_doc), "--auto-approve").exit_code == 0  # Doc_v1 kept
    with carol_reads_only(rbac_server):
        free = as_user(rbac_server, CAROL, "force-unlock")
        rolled = as_user(rbac_server, CAROL, "rollback", "Doc")
        dropped = as_user(rbac_server, CAROL, "drop-old-versions", "Doc", "--allow-destructive")
    assert free.exit_code == 0 and "No lock was held." in free.output, free.output
    for refused in (rolled, dropped):
        assert refused.exit_code == 1, refused.output
        assert "needs permissions your roles lack: " in refused.stderr and "create_collections on collection " \
               "SchemactlLock (take the apply lock)" in refused.stderr, refused.stderr
        assert "failed (403)" not in refused.stderr
    assert "delete_collections on collection Doc_v1 (drop Doc_v1)" in dropped.stderr
    assert aliases_of(rbac_server)["Doc"] == "Doc_v2" and "Doc_v1" in classes(rbac_server)


def aliases_of(server) -> dict[str, str]:
    reply = httpx.get(f"{server.url}/v1/aliases", headers={"Authorization": f"Bearer {ADMIN}"})
    return {a["alias"]: a["class"] for a in reply.json().get("aliases") or []}
