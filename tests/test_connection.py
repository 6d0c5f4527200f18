"""Where the data path (gRPC) is, and what both protocols trust and send: no server."""
from __future__ import annotations

import httpx
import pytest

from schemactl.connection import make_target
from schemactl.errors import ConnectionFailed, SchemactlError


def grpc(url, **options):
    endpoint = make_target(url, options.pop("grpc_port", 50051), None, (), **options).grpc
    return endpoint.display, endpoint.source


@pytest.mark.parametrize("url, expected", [
    ("https://abc123.c0.europe-west3.gcp.weaviate.cloud", "https://grpc-abc123.c0.europe-west3.gcp.weaviate.cloud:443"),
    ("https://abc123.weaviate.network", "https://abc123.grpc.weaviate.network:443"),
])
def test_weaviate_cloud_urls_find_their_grpc_host_by_its_convention(url, expected):
    suffix = ".".join(url.rsplit(".", 2)[-2:])
    assert grpc(url) == (expected, f"the Weaviate Cloud convention for {suffix} hosts")


def test_a_grpc_url_sets_host_port_and_tls_apart_from_rest():
    assert grpc("https://weaviate.example.com", grpc_url="https://grpc.example.com:443")[0] == \
        "https://grpc.example.com:443"
    assert grpc("https://weaviate.example.com", grpc_url="http://weaviate-grpc")[0] == "http://weaviate-grpc:50051"
    assert grpc("https://x.weaviate.cloud", grpc_url="https://mine:8443")[0] == "https://mine:8443"  # it wins


def test_otherwise_grpc_is_the_rest_host_with_its_port_and_tls():
    assert grpc("https://[::1]:8443", grpc_port=50052) == ("https://[::1]:50052", "the REST host with --grpc-port")


def test_a_malformed_grpc_url_is_refused_naming_the_option():
    with pytest.raises(ConnectionFailed, match="--grpc-url must be an http"):
        make_target("http://localhost:8080", 50051, None, (), grpc_url="grpc.example.com:443")


def test_an_api_key_and_a_bearer_token_together_are_refused_without_showing_either():
    with pytest.raises(SchemactlError, match="either an API key or a bearer token") as refused:
        make_target("http://localhost:8080", 50051, "key-123", (), bearer_token="tok-456")
    assert "key-123" not in str(refused.value) and "tok-456" not in str(refused.value)


def test_a_bearer_token_is_sent_like_an_api_key_and_redacted(capsys):
    from schemactl.live import RestClient
    from schemactl.redact import redact

    target = make_target("http://localhost:8080", 50051, None, (), bearer_token="tok-456")
    assert RestClient(target).http.headers["Authorization"] == "Bearer tok-456"
    assert "tok-456" not in redact("failed with tok-456") and "tok-456" not in repr(target)


def test_a_ca_file_that_is_not_pem_is_refused(tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(SchemactlError, match=f"--ca-cert {bad}: not a readable PEM file"):
        make_target("https://localhost:8443", 50051, None, (), ca_cert=str(bad))


def test_an_oidc_login_comes_from_the_environment_only_and_its_secrets_are_redacted():
    from schemactl.oidc import from_environment
    from schemactl.redact import redact

    assert from_environment({}) is None
    login = from_environment({"WEAVIATE_OIDC_USERNAME": "ada", "WEAVIATE_OIDC_PASSWORD": "pw-7f3a91"})
    assert login is not None and login.grant == "password" and "pw-7f3a91" not in repr(login)
    assert "pw-7f3a91" not in redact("refused pw-7f3a91")
    with pytest.raises(ConnectionFailed, match="WEAVIATE_OIDC_USERNAME is set without WEAVIATE_OIDC_PASSWORD"):
        from_environment({"WEAVIATE_OIDC_USERNAME": "ada"})


def test_an_oidc_login_half_given_or_given_two_ways_is_refused():
    """Before: a password without a user name was ignored (the command then sent no credentials),
    and a client secret beside a user's login was silently set aside for the password login."""
    from schemactl.oidc import from_environment

    with pytest.raises(ConnectionFailed, match="WEAVIATE_OIDC_PASSWORD is set without WEAVIATE_OIDC_USERNAME"):
        from_environment({"WEAVIATE_OIDC_PASSWORD": "pw-7f3a91"})
    with pytest.raises(ConnectionFailed, match="give either WEAVIATE_OIDC_CLIENT_SECRET .client credentials. or "
                                               "WEAVIATE_OIDC_USERNAME and WEAVIATE_OIDC_PASSWORD .a user's login., not both"):
        from_environment({"WEAVIATE_OIDC_CLIENT_SECRET": "s3cr3t-abc", "WEAVIATE_OIDC_USERNAME": "ada",
                          "WEAVIATE_OIDC_PASSWORD": "pw-7f3a91"})


@pytest.mark.parametrize("credential", [{"api_key": "key-123456"}, {"bearer_token": "tok-123456"}])
def test_an_authorization_header_beside_a_credential_is_refused(credential):
    """Before: weaviate-client printed a 7-line warning and dropped the header."""
    with pytest.raises(SchemactlError, match="an Authorization --header and an? (API key|bearer token) are both given"):
        make_target("http://localhost:8080", 50051, credential.get("api_key"), ("Authorization=Bearer X-123456",),
                    bearer_token=credential.get("bearer_token"))


def test_an_oidc_login_beside_an_api_key_is_refused(monkeypatch):
    monkeypatch.setenv("WEAVIATE_OIDC_CLIENT_SECRET", "s3cr3t-abc")
    with pytest.raises(SchemactlError, match="keep one way to authenticate"):
        make_target("http://localhost:8080", 50051, "key-123", ())


def test_oidc_credentials_are_never_sent_over_plain_http_except_to_this_machine():
    from schemactl.oidc import _refuse_plain_http

    _refuse_plain_http("https://issuer.example.com/token")
    _refuse_plain_http("http://127.0.0.1:8080/token")
    with pytest.raises(ConnectionFailed, match="is not https: schemactl does not send client secrets"):
        _refuse_plain_http("http://issuer.example.com/token")
    with pytest.raises(ConnectionFailed, match="^the issuer's discovery document http://issuer.example.com/x is not"):
        _refuse_plain_http("http://issuer.example.com/x", "the issuer's discovery document")


def test_a_short_lived_token_is_renewed_at_half_its_life_not_on_every_request(monkeypatch):
    from schemactl import oidc

    fetched = []
    monkeypatch.setattr(oidc, "fetch_token", lambda login, url, client_for: fetched.append(1) or ("tok", 30.0))
    login = oidc.OidcLogin(client_secret="s")
    assert login.token("http://x", httpx.Client) == login.token("http://x", httpx.Client) == "tok"
    assert len(fetched) == 1


def test_the_oidc_issuer_is_verified_whatever_the_clusters_own_scheme(tmp_path):
    """A plain-http cluster does not turn certificate checks off for the issuer the client secret
    is sent to; the CA schemactl is given is trusted beside the system's roots."""
    import ssl

    from schemactl.connection import make_target
    from schemactl.dev.certificates import issue

    ca = tmp_path / "ca.pem"
    ca.write_bytes(issue("Private Issuer CA", "login.internal", hosts=("login.internal",)).ca)
    target = make_target("http://127.0.0.1:8080", 50051, None, (), ca_cert=str(ca))
    assert target.verify() is False  # the cluster itself: plain http, no CA file loaded
    trust = target.outside_trust()
    assert trust.verify_mode == ssl.CERT_REQUIRED and trust.check_hostname
    subjects = {value for cert in trust.get_ca_certs() for rdn in cert["subject"] for _, value in rdn}
    assert "Private Issuer CA" in subjects


@pytest.mark.parametrize("url, same", [
    ("https://weaviate.example.com/v1/.well-known/openid-configuration", True),
    ("https://WEAVIATE.example.com:443/v1/meta", True),
    ("http://weaviate.example.com/v1/meta", False),
    ("https://weaviate.example.com:8443/v1/meta", False),
    ("https://login.example.com/token", False),
])
def test_requests_to_the_cluster_itself_are_told_apart_from_requests_to_its_issuer(url, same):
    from schemactl.connection import _origin

    assert (_origin(url) == _origin("https://weaviate.example.com")) is same
    assert _origin("http://[::1]:8080/x") == _origin("http://[::1]:8080") != _origin("http://[::1]:8081")


def test_a_ca_file_that_cannot_be_read_is_named_when_the_issuer_is_asked(tmp_path):
    from schemactl.connection import Target

    missing = str(tmp_path / "gone.pem")
    with pytest.raises(ConnectionFailed, match="gone.pem .--ca-cert or SSL_CERT_FILE.: not a readable PEM file"):
        Target(url="http://127.0.0.1:8080", grpc_port=50051, ca_cert=missing).outside_trust()


@pytest.fixture
def answered_by(monkeypatch):
    """Every httpx client made from now on gets its answers from `handler`: no Weaviate involved,
    what is checked is what schemactl sends, or how it reads an answer."""
    real = httpx.Client

    def install(handler) -> None:
        monkeypatch.setattr(httpx, "Client", lambda **options: real(transport=httpx.MockTransport(handler), **options))
    return install


@pytest.fixture
def sent(answered_by):
    """The requests schemactl's REST client sends, each answered 200 {}."""
    requests: list[httpx.Request] = []
    answered_by(lambda request: requests.append(request) or httpx.Response(200, json={}))
    return requests


def test_a_user_and_password_in_the_url_go_as_basic_authentication_on_rest_and_grpc(sent):
    import base64

    from schemactl.live import RestClient

    target = make_target("http://ada:pw-Sup3rSecret@127.0.0.1:8080", 50051, None, ())
    with RestClient(target) as reader:
        reader.get("/v1/meta")
    basic = "Basic " + base64.b64encode(b"ada:pw-Sup3rSecret").decode()
    [request] = sent
    assert request.headers["Authorization"] == basic
    assert str(request.url) == "http://127.0.0.1:8080/v1/meta"  # not in the URL, where httpx would take it
    assert target.header_dict()["Authorization"] == basic  # what connect() gives weaviate-client: REST and gRPC


def test_an_api_key_is_sent_as_bearer_and_nothing_else(sent):
    from schemactl.live import RestClient

    with RestClient(make_target("http://127.0.0.1:8080", 50051, "key-123", ())) as reader:
        reader.get("/v1/meta")
    assert [r.headers["Authorization"] for r in sent] == ["Bearer key-123"]


@pytest.mark.parametrize("options, env, named", [
    ({"api_key": "key-123456"}, {}, "an API key"),
    ({"bearer_token": "tok-456789"}, {}, "a bearer token"),
    ({"header_args": ("Authorization=Bearer tok-456789",)}, {}, "an Authorization --header"),
    ({}, {"WEAVIATE_OIDC_CLIENT_SECRET": "s3cr3t-abcdef"},
     "an OIDC login (OIDC client credentials (WEAVIATE_OIDC_CLIENT_SECRET))"),
])
def test_a_user_and_password_in_the_url_beside_a_credential_are_refused_without_the_password(
        options, env, named, monkeypatch):
    """Before: httpx sent the URL's Basic header in place of the API key's Bearer one (401)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SchemactlError) as refused:
        make_target("http://ada:pw-Sup3rSecret@127.0.0.1:8080", 50051, options.get("api_key"),
                    options.get("header_args", ()), bearer_token=options.get("bearer_token"))
    message = str(refused.value)
    assert message.startswith(f"--url has a user and password in it (sent as `Authorization: Basic`) and {named} "
                              "is given as well: both set the Authorization header")
    assert not any(secret in message for secret in ("pw-Sup3rSecret", "key-123456", "tok-456789", "s3cr3t-abcdef"))


def test_a_user_and_password_are_named_as_what_was_sent():
    from schemactl.connection import Target

    target = make_target("http://ada:pw-Sup3rSecret@127.0.0.1:8080", 50051, None, ())
    assert target.auth_mechanism == "a user and password in the URL (--url), as Basic authentication"
    assert Target(url="http://127.0.0.1:8080").auth_mechanism == "no credentials"


def test_a_cluster_without_oidc_is_named_as_such_when_oidc_variables_are_set():
    """Weaviate without OIDC answers /v1/.well-known/openid-configuration with 404 (v1.39.3)."""
    from schemactl.oidc import OidcLogin, fetch_token

    def client_for(url: str) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(404)))

    with pytest.raises(ConnectionFailed) as refused:
        fetch_token(OidcLogin(client_secret="s3cr3t-abcdef"), "http://127.0.0.1:8080", client_for)
    assert str(refused.value) == ("http://127.0.0.1:8080 has no OIDC configured (/v1/.well-known/openid-configuration), "
                                  "but OIDC client credentials (WEAVIATE_OIDC_CLIENT_SECRET) is given: use an API key "
                                  "instead")


def test_a_write_refused_for_its_credentials_says_so_as_a_read_does(answered_by):
    """Before: `take the apply lock failed (401): {"code":401,...}` while reads gave this line."""
    from schemactl.live import RestClient
    from schemactl.state import acquire_lock, me

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/.well-known/openid-configuration":
            return httpx.Response(404)
        return httpx.Response(401, json={"code": 401, "message": "unauthorized: invalid api key"})

    answered_by(answer)
    with RestClient(make_target("http://127.0.0.1:8080", 50051, "wrong-key-9999", ())) as reader:
        with pytest.raises(ConnectionFailed) as read:
            reader.get("/v1/schema")
        with pytest.raises(ConnectionFailed) as written:
            acquire_lock(reader, me("schemactl rollback"))
    assert str(written.value) == str(read.value) == (
        "Weaviate at http://127.0.0.1:8080 refused the request (401) with an API key (--api-key / "
        "WEAVIATE_API_KEY) (unauthorized: invalid api key); it has no OIDC configured: check --api-key / "
        "WEAVIATE_API_KEY")


def test_under_an_environment_oidc_secrets_come_only_from_the_variables_it_names(monkeypatch):
    """WEAVIATE_OIDC_* (another cluster's, in a CI job) are never read under --env; a variable the
    environment names and that is not set stops the command, as apiKeyEnv's does."""
    from schemactl.environments import Chosen, Environment

    monkeypatch.setenv("WEAVIATE_OIDC_CLIENT_SECRET", "prod-secret-123456")
    plain = Chosen("dev", Environment())
    assert make_target("http://127.0.0.1:8080", 50051, None, (), environment=plain).oidc is None
    named = Chosen("staging", Environment(oidcClientSecretEnv="STAGING_OIDC_SECRET", oidcClientId="ci"))
    with pytest.raises(SchemactlError, match="environment staging reads its OIDC client secret from the variable "
                                             "STAGING_OIDC_SECRET, which is not set"):
        make_target("http://127.0.0.1:8080", 50051, None, (), environment=named)
    monkeypatch.setenv("STAGING_OIDC_SECRET", "staging-secret-654321")
    login = make_target("http://127.0.0.1:8080", 50051, None, (), environment=named).oidc
    assert login is not None and (login.client_secret, login.client_id) == ("staging-secret-654321", "ci")
    assert login.mechanism == "OIDC client credentials (STAGING_OIDC_SECRET)"


@pytest.mark.parametrize("option, url", [
    ("--url", "http://admin:pa55/SECRET@127.0.0.1:18325"),  # a '/' in the password: no port parses
    ("--url", "admin:pa55-SECRET@weaviate.example.com"),  # the scheme forgotten
    ("--url", "http://admin:pa55://SECRET@127.0.0.1:18325"),  # a scheme's marks inside the password
    ("--grpc-url", "gu:pa55-SECRET@127.0.0.1:18326"),
])
def test_a_url_that_does_not_parse_is_refused_without_its_password(option, url):
    from click.testing import CliRunner

    from schemactl.cli import cli

    args = ["history", "--url", url] if option == "--url" else ["history", "--url", "http://127.0.0.1:1",
                                                                  "--grpc-url", url]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and f"{option} " in result.stderr and "***@" in result.stderr
    assert "SECRET" not in result.output


def test_a_ca_given_through_a_pipe_is_read_once_and_trusted_by_every_client(tmp_path):
    """`--ca-cert <(vault read ...)`: before, the check read the pipe empty for everything after it."""
    import os
    import ssl
    import threading

    from schemactl.dev.certificates import issue

    pem = issue("Piped CA", "weaviate.internal", hosts=("weaviate.internal",)).ca
    pipe = tmp_path / "ca-pipe"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_bytes(pem))
    writer.start()
    target = make_target("https://weaviate.internal:8443", 50051, None, (), ca_cert=str(pipe))
    writer.join(5)
    assert target.ca_cert != str(pipe) and open(target.ca_cert, "rb").read() == pem  # noqa: SIM115
    context = target.verify()
    assert isinstance(context, ssl.SSLContext)
    assert any(v == "Piped CA" for cert in context.get_ca_certs() for rdn in cert["subject"] for _, v in rdn)


def test_a_bad_key_from_an_environment_names_the_variable_it_came_from():
    from schemactl.environments import Chosen, Environment

    prod = Chosen("prod", Environment(apiKeyEnv="PROD_WEAVIATE_KEY"))
    with pytest.raises(SchemactlError, match=r"^--api-key / PROD_WEAVIATE_KEY, named by environment prod: the value "
                                             "has a control character"):
        make_target("http://127.0.0.1:8080", 50051, "key\n", (), environment=prod)


@pytest.mark.parametrize("said, ca, fix", [
    ("[SSL: WRONG_VERSION_NUMBER] wrong version number", None, "the server does not speak TLS at this address"),
    ("certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.2'", "ca.pem",
     "the certificate does not name this host"),
    ("certificate verify failed: unable to get local issuer certificate", None, "trust the cluster's CA"),
    ("certificate verify failed: unable to get local issuer certificate", "ca.pem",
     "ca.pem does not hold the CA that signed the server's certificate"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired", "ca.pem",
     "the server's certificate is outside its validity dates"),  # before: blamed the CA given
    ("[Errno 111] Connection refused", None, None),
])
def test_a_tls_failure_gets_the_fix_it_calls_for(said, ca, fix):
    """Before: every TLS failure was told to trust the cluster's CA, even with it given, or against
    a port that does not speak TLS."""
    from types import SimpleNamespace

    from schemactl.doctor import tls_fix

    found = tls_fix(said, SimpleNamespace(ca_cert=ca))  # type: ignore[arg-type]
    assert found == fix if fix is None else found.startswith(fix)


@pytest.mark.parametrize("said, fix", [
    (("the gRPC health check failed: ssl_transport_security.cc:1663] Handshake failed with error "
     "SSL_ERROR_SSL: error:10000460:SSL routines:OPENSSL_internal:TLSV1_ALERT_NO_APPLICATION_PROTOCOL"),
     "the server at this address does not speak HTTP/2"),
    (("the gRPC health check failed: failed to connect to all addresses; last error: UNKNOWN: "
     "ipv4:127.0.0.1:38129: HTTP proxy returned response code 403"), "the proxy refused to connect"),
    ("the gRPC health check failed: Trying to connect an http1.x server", "this address answers HTTP/1.x"),
    ("the gRPC health check failed: Deadline Exceeded", "nothing answered in time"),
    ("the gRPC health check failed: failed to connect to all addresses; Connection refused", None),
])
def test_a_grpc_failure_gets_the_fix_it_calls_for(said, fix):
    """Before: a TLS endpoint without HTTP/2 was told its (right) CA was wrong, and a proxy's
    refusal, an http:// URL to a TLS port and a silent port were told to set gRPC's own address."""
    from schemactl.doctor import grpc_fix

    found = grpc_fix(said)
    assert found == fix if fix is None else found.startswith(fix)


def test_a_rest_failure_in_front_of_weaviate_gets_the_fix_it_calls_for():
    """Before: both were told to reach Weaviate itself (the right --url, or the proxy)."""
    from schemactl.doctor import _rest_fix

    plain = make_target("http://127.0.0.1:8443", 50051, None, ())
    said = "GET /v1/meta failed with 400: <html>The plain HTTP request was sent to HTTPS port</html> (not Weaviate's JSON)"
    assert _rest_fix(said, plain) == "this port serves https: write https:// in --url"
    behind = make_target("http://admin:pw-12345@127.0.0.1:8447", 50051, None, ())
    assert _rest_fix("GET /v1/meta failed with 401: <html>401 Authorization Required</html> (not Weaviate's JSON)",
                     behind).startswith("the user and password in --url were refused")


def test_a_password_with_an_unencoded_slash_is_told_to_be_percent_encoded():
    """Before: only "--url has an invalid port"."""
    with pytest.raises(SchemactlError, match="must be percent-encoded: %2F %23 %3F %40") as refused:
        make_target("http://admin:pa/ss-9@127.0.0.1:8080", 50051, None, ())
    assert "pa/ss-9" not in str(refused.value)


def test_under_an_environment_a_key_on_the_command_line_wins_over_its_oidc_login(monkeypatch):
    from schemactl.environments import Chosen, Environment

    monkeypatch.delenv("STAGING_OIDC_SECRET", raising=False)
    staging = Chosen("staging", Environment(oidcClientSecretEnv="STAGING_OIDC_SECRET"))
    target = make_target("http://127.0.0.1:8080", 50051, "key-123456", (), environment=staging)
    assert target.oidc is None and target.api_key == "key-123456"


def test_a_user_and_password_in_the_grpc_url_are_refused_not_ignored():
    with pytest.raises(SchemactlError, match="--grpc-url has a user and password in it") as refused:
        make_target("http://127.0.0.1:8080", 50051, None, (), grpc_url="http://u:secret-pw-1@127.0.0.1:50052")
    assert "secret-pw-1" not in str(refused.value)


def _jwt(payload: bytes) -> str:
    import base64

    return "e30." + base64.urlsafe_b64encode(payload).decode().rstrip("=") + ".c2ln"


@pytest.mark.parametrize("token, expiry", [
    (_jwt(b'{"sub": "ada", "exp": 1900000000}'), 1900000000.0),
    (_jwt(b'{"sub": "ada"}'), None),  # says nothing
    (_jwt(b'{"exp": "soon"}'), None), (_jwt(b'{"exp": true}'), None), (_jwt(b'[1]'), None),
    (_jwt(b"\xff\xfe"), None), ("e30.!!!.c2ln", None),  # not JSON, not base64
    (_jwt(b'{"exp": 1e400}'), None), (_jwt(b'{"exp": NaN}'), None), (_jwt(b"[" * 100_000), None),  # crafted
    ("an-opaque-token", None)])
def test_a_bearer_tokens_expiry_is_read_from_the_token_where_it_says_one(token, expiry):
    from schemactl.connection import jwt_expiry

    assert jwt_expiry(token) == expiry
    assert make_target("http://localhost:8080", 50051, None, (), bearer_token=token).bearer_expiry == expiry


def test_an_authorization_header_is_named_as_what_was_sent():
    """Before: status said "anonymous access accepted" for a key sent with --header."""
    target = make_target("http://localhost:8080", 50051, None, ("Authorization: Bearer abc",))
    assert target.auth_mechanism == "an Authorization header (--header)"


def test_a_grpc_address_that_is_the_rest_address_is_named_as_such():
    """Before: the client library's "http.port and grpc.port must be different if using the same host"."""
    from schemactl.connection import connect

    given = make_target("http://127.0.0.1:8080", 50051, None, (), grpc_url="http://127.0.0.1:8080")
    with pytest.raises(ConnectionFailed, match=r"gRPC at http://127.0.0.1:8080 \(from --grpc-url\) is the REST "
                                               "address itself: Weaviate serves gRPC on a port of its own"):
        connect(given)
    with pytest.raises(ConnectionFailed, match=r"gRPC at http://127.0.0.1:8080 \(from the REST host with "
                                               r"--grpc-port\) is the REST address itself"):
        connect(make_target("http://127.0.0.1:8080", 8080, None, ()))


def test_a_url_ending_in_v1_that_finds_nothing_says_why():
    """Before: `path /v1/v1/meta was not found`, with no hint. A proxy's prefix may
    end in /v1 too: only a 404 there gets the hint."""
    from schemactl.live import RestClient

    with RestClient(make_target("http://127.0.0.1:8080/v1/", 50051, None, ())) as reader:
        assert "(--url ends in /v1: give the address Weaviate answers at without it" in reader._v1_hint(404)
        assert reader._v1_hint(500) == ""
    with RestClient(make_target("http://127.0.0.1:8080/weaviate", 50051, None, ())) as reader:
        assert reader._v1_hint(404) == ""


def test_a_proxy_that_does_not_answer_is_named_as_what_to_check(monkeypatch):
    """Before: "check --url / WEAVIATE_URL, and that the server runs" when the URL was right and
    the proxy in HTTP_PROXY was down."""
    from schemactl.doctor import _rest_fix

    said = "GET /v1/meta through the proxy http://127.0.0.1:9 (HTTP_PROXY): [Errno 111] Connection refused"
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert _rest_fix(said, make_target("http://weaviate.internal:8080", 50051, None, ())) == \
        "check that the proxy http://127.0.0.1:9 (HTTP_PROXY) runs and that this machine reaches it (or NO_PROXY)"
    monkeypatch.delenv("HTTP_PROXY")
    assert _rest_fix(said, make_target("http://weaviate.internal:8080", 50051, None, ())) == \
        "check --url / WEAVIATE_URL, and that the server runs"


def test_a_grpc_port_beside_rest_that_does_not_answer_is_told_to_give_the_right_port():
    """Before: only "set gRPC's own address: --grpc-url …", where a docker-compose user had the
    wrong --grpc-port."""
    from schemactl.doctor import _grpc_address_fix

    beside = _grpc_address_fix(make_target("http://127.0.0.1:8080", 50052, None, ()))
    assert beside.startswith("give Weaviate's gRPC port: --grpc-port")
    assert "or set gRPC's own address: --grpc-url / WEAVIATE_GRPC_URL" in beside
    own = _grpc_address_fix(make_target("http://127.0.0.1:8080", 50051, None, (), grpc_url="http://127.0.0.1:50052"))
    assert own.startswith("set gRPC's own address")
    cloud = _grpc_address_fix(make_target("https://abc123.c0.europe-west3.gcp.weaviate.cloud", 50051, None, ()))
    assert cloud.startswith("set gRPC's own address")  # its gRPC port is the convention's, not --grpc-port
