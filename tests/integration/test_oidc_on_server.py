"""OIDC, for real: a Weaviate that takes only tokens from an issuer the test bed runs (a development
issuer: discovery, JWKS, token endpoint). schemactl obtains its tokens by client credentials or a
user's password, from the environment only, and renews them as a migration runs."""
from __future__ import annotations

import time

import httpx
import pytest
from click.testing import CliRunner
from weaviate.classes.data import DataObject

from schemactl.cli import cli

SCHEMA = "name: Doc\nproperties:\n  - name: title\n    dataType: text\nvectorizer:\n  module: none\n" \
         "vectorIndexConfig:\n  distance: %s\n"


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """(Weaviate accepting only the issuer's tokens, the issuer); tokens live 3 s (schemactl renews
    one at half its life), so that a migration outlives many of them."""
    from schemactl.dev import oidc_issuer
    from schemactl.dev import weaviate as testbed

    issuer = oidc_issuer.start(lifetime=3)
    server = testbed.start(tmp_path_factory.mktemp("oidc-data"), env=issuer.weaviate_env())
    yield server, issuer
    server.stop()
    issuer.stop()


def run(server, *args: str, env: dict):
    return CliRunner().invoke(cli, [*args, "--url", server.url, "--grpc-port", str(server.ports.grpc)],
                              env=env, catch_exceptions=False)


def client_credentials() -> dict:
    from schemactl.dev.oidc_issuer import CLIENT_SECRET

    return {"WEAVIATE_OIDC_CLIENT_SECRET": CLIENT_SECRET}


def test_status_says_which_login_was_used_and_where_the_tokens_come_from(secured):
    server, issuer = secured
    ok = run(server, "status", env=client_credentials())
    assert ok.exit_code == 0, ok.output
    assert (f"ok   auth         OIDC client credentials (WEAVIATE_OIDC_CLIENT_SECRET) accepted; the server takes "
            f"OIDC tokens from {issuer.url}/.well-known/openid-configuration") in ok.stdout
    anonymous = run(server, "history", env={})
    assert anonymous.exit_code == 1
    assert "refused the request (401) with no credentials (anonymous access not enabled" in anonymous.stderr
    assert f"; it takes only OIDC tokens from {issuer.url}/.well-known/openid-configuration (--bearer-token, or " \
           "WEAVIATE_OIDC_CLIENT_SECRET" in anonymous.stderr, anonymous.stderr  # before: API keys too


def test_a_wrong_secret_or_password_is_named_and_never_shown(secured):
    server, _ = secured
    for env in ({"WEAVIATE_OIDC_CLIENT_SECRET": "wrong-secret-1234"},
                {"WEAVIATE_OIDC_USERNAME": "ada", "WEAVIATE_OIDC_PASSWORD": "wrong-password-5678"}):
        result = run(server, "history", env=env)
        assert result.exit_code == 1
        assert "the issuer refused a token by OIDC" in result.stderr
        assert "wrong-secret-1234" not in result.output and "wrong-password-5678" not in result.output
        status = run(server, "status", env=env)  # before: one error line, no check lines
        assert status.exit_code == 1 and "FAIL auth         the issuer refused a token by OIDC" in status.stdout, \
            status.output
        assert "wrong-secret-1234" not in status.output and "wrong-password-5678" not in status.output


def test_a_refused_key_is_answered_with_the_servers_reason_and_the_issuer_it_takes_tokens_from(secured):
    """Before: the probe of the server's OIDC settings went with the refused key, was refused as
    well, and the message said the server had no OIDC configured."""
    server, issuer = secured
    refused = run(server, "history", "--api-key", "wrong-key-SECRET-zzz", env={})
    assert refused.exit_code == 1
    assert f"it takes only OIDC tokens from {issuer.url}" in refused.stderr, refused.stderr  # a key: not taken
    assert "no OIDC configured" not in refused.stderr and "wrong-key-SECRET-zzz" not in refused.output


def test_under_an_environment_only_the_variables_it_names_hold_oidc_secrets(secured, tmp_path, monkeypatch):
    """Before: WEAVIATE_OIDC_CLIENT_SECRET (prod's, in a CI job) went to the issuer of whichever
    cluster --env named."""
    from schemactl.dev.oidc_issuer import CLIENT_SECRET

    server, _ = secured
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schemactl.yaml").write_text(
        f"environments:\n  plain:\n    url: {server.url}\n    grpcPort: {server.ports.grpc}\n"
        f"  named:\n    url: {server.url}\n    grpcPort: {server.ports.grpc}\n"
        "    oidcClientSecretEnv: STAGING_OIDC_SECRET\n")
    ignored = CliRunner().invoke(cli, ["history", "--env", "plain"], env=client_credentials())
    assert ignored.exit_code == 1 and "with no credentials" in ignored.stderr, ignored.output
    named = CliRunner().invoke(cli, ["history", "--env", "named"],
                               env={"STAGING_OIDC_SECRET": CLIENT_SECRET, "WEAVIATE_OIDC_CLIENT_SECRET": "not-this"})
    assert named.exit_code == 0, named.output


def test_a_recreate_with_data_runs_on_renewed_tokens_by_password(secured, tmp_path, monkeypatch):
    """Weaviate refuses an expired token: the copy, longer than a token's life, asks for the current
    one page by page (its gRPC client reopened with each renewed token). Before: only a REST
    request renewed the token, and a comparison makes none: "reading Doc_v2 to verify the copy
    failed: ... oidc: token is expired" once a comparison outlasted the token."""
    from schemactl.dev.oidc_issuer import USERS

    server, issuer = secured
    env = {"WEAVIATE_OIDC_USERNAME": "ada", "WEAVIATE_OIDC_PASSWORD": USERS["ada"]}
    (tmp_path / "doc.yaml").write_text(SCHEMA % "cosine")
    assert run(server, "apply", str(tmp_path), "--auto-approve", env=env).exit_code == 0
    with monkeypatch.context() as patch:
        patch.setattr(issuer, "lifetime", 1800)  # the seeding's own token outlives it, however slow the machine
        token = httpx.post(f"{issuer.url}/token", data={"grant_type": "password", "client_id": "schemactl-test",
                                                        "username": "ada", "password": USERS["ada"]}).json()
    _seed(server, token["access_token"], 2000)
    before = issuer.tokens_issued
    (tmp_path / "doc.yaml").write_text(SCHEMA % "dot")
    from schemactl.apply import data_copy

    monkeypatch.setattr(data_copy, "PAGE", 10)  # two hundred pages: the copy takes longer than a token lives
    monkeypatch.setattr(data_copy, "VERIFY_PAGE", 5)  # so does each comparison, which makes no REST request
    started = time.monotonic()
    applied = run(server, "apply", str(tmp_path), "--auto-approve", env=env)
    assert applied.exit_code == 0, applied.output
    assert "verified 2000 object(s) in Doc_v2" in applied.output
    assert time.monotonic() - started > 3  # longer than one token's life
    assert issuer.tokens_issued - before > 1  # renewed while it ran
    assert run(server, "plan", str(tmp_path), "--detailed-exitcode", env=env).exit_code == 0
    history = run(server, "history", env=client_credentials())
    assert "recreate Doc" in history.stdout and USERS["ada"] not in history.output


def _seed(server, token: str, count: int) -> None:
    import weaviate
    from weaviate.classes.init import Auth

    client = weaviate.connect_to_local(host="127.0.0.1", port=server.ports.http, grpc_port=server.ports.grpc,
                                       auth_credentials=Auth.api_key(token))
    try:
        result = client.collections.use("Doc").data.insert_many(
            [DataObject(properties={"title": f"t{i}"}, vector=[i / count, 1.0, 0.5]) for i in range(count)])
        assert not result.errors
    finally:
        client.close()


@pytest.fixture(scope="module")
def https_issuer(tmp_path_factory):
    """(Weaviate on plain http, an issuer on https with a certificate from a private CA)."""
    from schemactl.dev import oidc_issuer
    from schemactl.dev import weaviate as testbed

    issuer = oidc_issuer.start(tls_directory=tmp_path_factory.mktemp("issuer-tls"))
    server = testbed.start(tmp_path_factory.mktemp("oidc-https-data"), env=issuer.weaviate_env())
    yield server, issuer
    server.stop()
    issuer.stop()


def test_an_https_issuer_is_verified_even_when_the_cluster_is_plain_http(https_issuer):
    """The client secret goes to the issuer: its certificate is checked whatever the cluster's own
    scheme (before, a plain-http cluster turned verification off for the issuer too)."""
    server, issuer = https_issuer
    untrusted = run(server, "history", env=client_credentials())
    assert untrusted.exit_code == 1
    assert f"cannot get the issuer's discovery document from {issuer.url}" in untrusted.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr and "--ca-cert FILE (or SSL_CERT_FILE)" in untrusted.stderr
    assert issuer.tokens_issued == 0
    trusted = run(server, "status", "--ca-cert", str(issuer.ca_file), env=client_credentials())
    assert trusted.exit_code == 0, trusted.output
    assert f"accepted; the server takes OIDC tokens from {issuer.url}/.well-known" in trusted.stdout
    assert issuer.tokens_issued >= 1 and issuer.grants[-1] == "client_credentials"


def test_oidc_variables_against_a_server_without_oidc_say_it_has_none(cli_run, weaviate_server):
    """Before: "the issuer refused the cluster's OIDC settings (404 )"; the server answers
    /v1/.well-known/openid-configuration with 404 when it has no OIDC configured."""
    result = cli_run("history", env=client_credentials())
    assert result.exit_code == 1
    assert result.stderr == (f"error: {weaviate_server.url} has no OIDC configured "
                             "(/v1/.well-known/openid-configuration), but OIDC client credentials "
                             "(WEAVIATE_OIDC_CLIENT_SECRET) is given: use an API key instead\n")


def test_a_cluster_taking_anonymous_requests_and_offering_oidc_is_migrated_without_credentials(
        tmp_path_factory, tmp_path):
    """Before: weaviate-client's own check asked for a login because the server offers OIDC, and
    every recreate was refused ("copies data over gRPC, which cannot be used")."""
    import weaviate

    from schemactl.dev import oidc_issuer
    from schemactl.dev import weaviate as testbed

    issuer = oidc_issuer.start()
    server = testbed.start(tmp_path_factory.mktemp("anonymous-oidc"),
                           env=issuer.weaviate_env() | {"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "true"})
    try:
        (tmp_path / "doc.yaml").write_text(SCHEMA % "cosine")
        assert run(server, "apply", str(tmp_path), "--auto-approve", env={}).exit_code == 0
        with weaviate.connect_to_local(port=server.ports.http, grpc_port=server.ports.grpc,
                                       skip_init_checks=True) as client:
            assert not client.collections.use("Doc").data.insert_many(
                [DataObject({"title": f"t{i}"}, vector=[0.1, float(i)]) for i in range(20)]).errors
            (tmp_path / "doc.yaml").write_text(SCHEMA % "dot")
            result = run(server, "apply", str(tmp_path), "--auto-approve", env={})
            assert result.exit_code == 0, result.output
            assert len(client.collections.use("Doc")) == 20
    finally:
        server.stop()
        issuer.stop()


def test_a_bearer_token_given_says_when_it_expires_before_a_copy_may_outlast_it(secured, tmp_path, monkeypatch):
    """A token given with --bearer-token is not renewed: an apply that outlasted it failed halfway
    (resumable), and status had said "accepted" a second before it expired. Plan
    and status now say when it expires, as the token itself says."""
    from schemactl.dev.oidc_issuer import CLIENT_ID, CLIENT_SECRET

    server, issuer = secured
    schema = SCHEMA.replace("name: Doc", "name: Note")
    (tmp_path / "note.yaml").write_text(schema % "cosine")
    assert run(server, "apply", str(tmp_path), "--auto-approve", env=client_credentials()).exit_code == 0
    (tmp_path / "note.yaml").write_text(schema % "dot")  # a recreate: a copy a token may not outlast
    monkeypatch.setattr(issuer, "lifetime", 1800)
    token = httpx.post(f"{issuer.url}/token", data={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                                    "client_secret": CLIENT_SECRET}).json()["access_token"]
    planned = run(server, "plan", str(tmp_path), "--bearer-token", token, env={})
    assert planned.exit_code == 0, planned.output
    assert "the bearer token given (--bearer-token / WEAVIATE_BEARER_TOKEN) expires in 30 min, and schemactl does not renew a token it is " \
           "given: a step still moving data then fails" in planned.output, planned.output
    status = run(server, "status", "--bearer-token", token, env={})
    assert "a bearer token (--bearer-token / WEAVIATE_BEARER_TOKEN) accepted (it expires in 30 min; not renewed)" in status.stdout, status.output
    assert token not in planned.output + status.output
    monkeypatch.setattr(issuer, "lifetime", 1)
    expired = httpx.post(f"{issuer.url}/token", data={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                                      "client_secret": CLIENT_SECRET}).json()["access_token"]
    time.sleep(1.5)
    refused = run(server, "status", "--bearer-token", expired, env={})  # before: "sent a bearer token" only
    assert refused.exit_code == 1
    assert "FAIL auth         sent a bearer token (--bearer-token / WEAVIATE_BEARER_TOKEN) (it has expired)" in \
        refused.stdout, refused.output
