"""The clusters users run, shaped on loopback: nginx terminating TLS from a private CA, REST and
gRPC on two addresses (same port), an API key. A recreate with data, a saved plan and history go
through it; what cannot reach the data path is refused before anything is created."""
from __future__ import annotations

import ssl

import httpx
import pytest
from click.testing import CliRunner
from weaviate.classes.data import DataObject

from schemactl.cli import cli

KEY = "deploy-key-7f3a"  # the server's only API key
SCHEMA = """name: Doc
properties:
  - name: title
    dataType: text
vectorizer:
  module: none
vectorIndexConfig:
  distance: %s
"""


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """A Weaviate with API-key auth behind nginx: REST at https://127.0.0.2:P, gRPC at https://127.0.0.3:P."""
    from schemactl.dev import tls_proxy
    from schemactl.dev import weaviate as testbed

    server = testbed.start(tmp_path_factory.mktemp("deployed-data"), env={
        "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false", "AUTHENTICATION_APIKEY_ENABLED": "true",
        "AUTHENTICATION_APIKEY_ALLOWED_KEYS": KEY, "AUTHENTICATION_APIKEY_USERS": "deployer"})
    proxy = tls_proxy.start(tmp_path_factory.mktemp("nginx"), server.ports.http, server.ports.grpc)
    yield proxy
    proxy.stop()
    server.stop()


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


def through(proxy, *, grpc: bool = True, ca: bool = True, key: str | None = KEY) -> list[str]:
    options = ["--url", proxy.rest_url]
    options += ["--grpc-url", proxy.grpc_url] if grpc else []
    options += ["--ca-cert", str(proxy.ca_file)] if ca else []
    return options + (["--api-key", key] if key else [])


def classes(proxy) -> set[str]:
    reply = httpx.get(f"{proxy.rest_url}/v1/schema", headers={"Authorization": f"Bearer {KEY}"},
                      verify=_trust(proxy))
    return {c["class"] for c in reply.json()["classes"] or []}


@pytest.fixture
def doc(deployed, tmp_path):
    """Doc_v1 behind alias Doc with 300 objects, written through the proxy's gRPC."""
    from schemactl.connection import connect, make_target

    for name in classes(deployed):
        httpx.delete(f"{deployed.rest_url}/v1/schema/{name}", headers={"Authorization": f"Bearer {KEY}"},
                     verify=_trust(deployed))
    httpx.delete(f"{deployed.rest_url}/v1/aliases/Doc", headers={"Authorization": f"Bearer {KEY}"},
                 verify=_trust(deployed))
    (tmp_path / "doc.yaml").write_text(SCHEMA % "cosine")
    assert run("apply", str(tmp_path), "--auto-approve", *through(deployed)).exit_code == 0
    client = connect(make_target(deployed.rest_url, 50051, KEY, (), grpc_url=deployed.grpc_url,
                                 ca_cert=str(deployed.ca_file)))
    try:
        result = client.collections.use("Doc").data.insert_many(
            [DataObject(properties={"title": f"t{i}"}, vector=[i / 300, 1.0, 0.5]) for i in range(300)])
        assert not result.errors
    finally:
        client.close()
    return tmp_path


def _trust(proxy) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(proxy.ca_file))


def test_status_walks_every_part_and_names_the_fix_for_what_fails(deployed):
    ok = run("status", *through(deployed))
    assert ok.exit_code == 0, ok.output
    assert [line.split()[:2] for line in ok.stdout.splitlines()] == [
        ["ok", "REST"], ["ok", "REST"], ["ok", "auth"], ["ok", "gRPC"], ["ok", "gRPC"], ["ok", "version"],
        ["ok", "modules"], ["ok", "permissions"], ["ok", "capabilities"], ["ok", "apply"]]
    assert "certificate issued by schemactl test bed CA" in ok.stdout
    assert f"{deployed.grpc_url} (from --grpc-url) answers its health check" in ok.stdout
    assert "an API key (--api-key / WEAVIATE_API_KEY) accepted" in ok.stdout

    no_grpc = run("status", *through(deployed, grpc=False))
    assert no_grpc.exit_code == 1
    assert "FAIL gRPC         https://127.0.0.2:50051 (from the REST host with --grpc-port)" in no_grpc.stdout
    assert "or set gRPC's own address: --grpc-url / WEAVIATE_GRPC_URL" in no_grpc.stdout

    no_ca = run("status", *through(deployed, ca=False))
    assert no_ca.exit_code == 1 and no_ca.stdout.startswith("FAIL REST TLS")
    assert "fix: trust the cluster's CA: --ca-cert FILE (or SSL_CERT_FILE)" in no_ca.stdout

    wrong_key = run("status", *through(deployed, key="not-the-key"))
    assert wrong_key.exit_code == 1 and "FAIL auth" in wrong_key.stdout
    assert "not-the-key" not in wrong_key.output


def test_a_recreate_copies_through_tls_and_a_separate_grpc_host(deployed, doc):
    (doc / "doc.yaml").write_text(SCHEMA % "dot")
    saved = doc.parent / "plan.json"
    planned = run("plan", str(doc), "--out", str(saved), *through(deployed))
    assert planned.exit_code == 0, planned.output
    applied = run("apply", str(saved), "--auto-approve", *through(deployed))
    assert applied.exit_code == 0, applied.output
    assert "verified 300 object(s) in Doc_v2" in applied.output
    assert run("plan", str(doc), "--detailed-exitcode", *through(deployed)).exit_code == 0
    history = run("history", *through(deployed))
    assert "recreate Doc" in history.stdout and KEY not in history.output


def test_without_the_data_path_a_recreate_is_refused_before_anything_is_created(deployed, doc):
    (doc / "doc.yaml").write_text(SCHEMA % "dot")
    refused = run("apply", str(doc), "--auto-approve", *through(deployed, grpc=False))
    assert refused.exit_code == 1
    assert "step 1 recreate Doc copies data over gRPC, which cannot be used" in refused.stderr
    assert classes(deployed) == {"Doc_v1", "SchemactlLedger"}  # no new version, no checkpoint


def test_ssl_cert_file_is_trusted_by_both_protocols(deployed, doc):
    (doc / "doc.yaml").write_text(SCHEMA % "l2-squared")
    result = run("apply", str(doc), "--auto-approve", *through(deployed, ca=False),
                 env={"SSL_CERT_FILE": str(deployed.ca_file)})
    assert result.exit_code == 0, result.output
    assert "verified 300 object(s) in Doc_v2" in result.output


def test_a_bearer_token_is_sent_as_the_server_expects(deployed, doc):
    """Weaviate takes API keys and OIDC tokens in the same header; the token is never shown."""
    result = run("status", *through(deployed, key=None), "--bearer-token", KEY)
    assert result.exit_code == 0, result.output
    assert "a bearer token (--bearer-token / WEAVIATE_BEARER_TOKEN) accepted" in result.stdout
    assert KEY not in result.output


@pytest.fixture(scope="module")
def behind_proxy(deployed, tmp_path_factory):
    """The same cluster behind a second nginx that serves only the company proxy's outgoing address:
    reachable only through tinyproxy (HTTP CONNECT), as from a locked-down CI runner."""
    from schemactl.dev import forward_proxy, tls_proxy

    ports = _backend_ports(deployed)
    guarded = tls_proxy.start(tmp_path_factory.mktemp("nginx-guarded"), *ports, only_from=forward_proxy.OUTGOING)
    proxy = forward_proxy.start(tmp_path_factory.mktemp("tinyproxy"))
    yield guarded, proxy
    proxy.stop()
    guarded.stop()


def _backend_ports(proxy) -> tuple[int, int]:
    """Weaviate's REST and gRPC ports behind an nginx of the test bed, read from its configuration."""
    import re

    text = (proxy.directory / "nginx.conf").read_text()
    rest = re.search(r"proxy_pass http://127\.0\.0\.1:(\d+)", text)
    grpc = re.search(r"grpc_pass grpc://127\.0\.0\.1:(\d+)", text)
    assert rest and grpc
    return int(rest[1]), int(grpc[1])


def test_a_cluster_reachable_only_through_a_proxy_is_migrated_through_it(behind_proxy, doc):
    """HTTPS_PROXY as most CI runners set it (upper case only): REST and gRPC both tunnel through it
    (grpcio alone reads only the lower-case name), and status says so on each line."""
    guarded, proxy = behind_proxy
    direct = run("status", *through(guarded))
    assert direct.exit_code == 1  # nginx serves only the proxy
    assert "'403 Forbidden', not Weaviate's JSON: something in front of Weaviate" in direct.stdout
    assert "fix: reach Weaviate itself" in direct.stdout

    env = {"HTTPS_PROXY": proxy.url, "https_proxy": None, "NO_PROXY": None, "no_proxy": None}
    status = run("status", *through(guarded), env=env)
    assert status.exit_code == 0, status.output
    via = f"through the proxy {proxy.url} (HTTPS_PROXY)"
    assert [line.split()[1] for line in status.stdout.splitlines() if via in line] == \
        ["REST", "REST", "gRPC", "gRPC"]  # the TLS checks tunnel too

    (doc / "doc.yaml").write_text(SCHEMA % "dot")
    applied = run("apply", str(doc), "--auto-approve", *through(guarded), env=env)
    assert applied.exit_code == 0, applied.output
    assert "verified 300 object(s) in Doc_v2" in applied.output
    assert {guarded.rest_url.removeprefix("https://"), guarded.grpc_url.removeprefix("https://")} <= \
        set(proxy.tunnels())


def test_no_proxy_applies_to_the_data_path_as_it_does_to_rest(deployed, behind_proxy, doc):
    """NO_PROXY naming the gRPC host sends gRPC direct, where this cluster refuses it: the recreate is
    refused before anything is created, and the message says gRPC went direct."""
    guarded, proxy = behind_proxy
    grpc_host = guarded.grpc_url.removeprefix("https://").rsplit(":", 1)[0]
    env = {"HTTPS_PROXY": proxy.url, "NO_PROXY": grpc_host, "https_proxy": None, "no_proxy": None}
    (doc / "doc.yaml").write_text(SCHEMA % "dot")
    refused = run("apply", str(doc), "--auto-approve", *through(guarded), env=env)
    assert refused.exit_code == 1
    assert "step 1 recreate Doc copies data over gRPC, which cannot be used" in refused.stderr
    assert "through the proxy" not in refused.stderr.split("gRPC at", 1)[1].split(")")[0]
    assert classes(deployed) == {"Doc_v1", "SchemactlLedger"}


def test_an_unreachable_proxy_is_named_with_its_password_masked(behind_proxy, doc):
    guarded, _ = behind_proxy
    env = {"HTTPS_PROXY": "http://ci:proxy-pass-41@127.0.0.4:9", "https_proxy": None, "NO_PROXY": None,
           "no_proxy": None}
    result = run("status", *through(guarded), env=env)
    assert result.exit_code == 1
    assert "through the proxy http://ci:***@127.0.0.4:9 (HTTPS_PROXY)" in result.stdout
    assert "proxy-pass-41" not in result.output
