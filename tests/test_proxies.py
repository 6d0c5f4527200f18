"""Which proxy REST and gRPC go through, decided once from the standard variables: no server."""
from __future__ import annotations

import socket
import threading

import pytest
from click.testing import CliRunner

from schemactl import proxies
from schemactl.cli import cli
from schemactl.connection import make_target
from schemactl.errors import SchemactlError

PROXY = "http://proxy.example.com:3128"


def chosen(host, secure=True, grpc=False, **env):
    found = (proxies.for_grpc if grpc else proxies.for_rest)(host, secure, env)
    return found and (found.url, found.variable)


def test_an_upper_case_https_proxy_serves_both_rest_and_grpc():
    """grpcio alone would read only https_proxy: the data path would try to go direct."""
    assert chosen("weaviate.example.com", HTTPS_PROXY=PROXY) == (PROXY, "HTTPS_PROXY")
    assert chosen("grpc.example.com", grpc=True, HTTPS_PROXY=PROXY) == (PROXY, "HTTPS_PROXY")


def test_plain_http_uses_http_proxy_and_lower_case_wins():
    assert chosen("weaviate", secure=False, HTTPS_PROXY=PROXY) is None
    assert chosen("weaviate", secure=False, HTTP_PROXY=PROXY, http_proxy="http://other:8080") == \
        ("http://other:8080", "http_proxy")


def test_grpc_proxy_comes_first_for_grpc_only():
    env = {"HTTPS_PROXY": PROXY, "GRPC_PROXY": "http://grpc-proxy:3128"}
    assert chosen("h", grpc=True, **env) == ("http://grpc-proxy:3128", "GRPC_PROXY")
    assert chosen("h", **env) == (PROXY, "HTTPS_PROXY")


@pytest.mark.parametrize("no_proxy, host, direct", [
    ("*", "anything.example.com", True),
    (".svc.cluster.local", "weaviate-grpc.db.svc.cluster.local", True),
    ("svc.cluster.local", "weaviate.db.svc.cluster.local", True),
    ("example.com", "notexample.com", False),
    ("10.0.0.0/8, localhost", "10.2.3.4", True),
    ("10.0.0.0/8", "11.2.3.4", False),
    ("::1", "::1", True),
    ("WEAVIATE.example.com", "weaviate.EXAMPLE.com", True),
])
def test_no_proxy_sends_matching_hosts_direct_for_both_protocols(no_proxy, host, direct):
    for grpc in (False, True):
        assert (chosen(host, grpc=grpc, HTTPS_PROXY=PROXY, NO_PROXY=no_proxy) is None) is direct


def test_no_grpc_proxy_exempts_grpc_only():
    env = {"HTTPS_PROXY": PROXY, "no_grpc_proxy": "grpc.example.com"}
    assert chosen("grpc.example.com", grpc=True, **env) is None
    assert chosen("grpc.example.com", **env) is not None


def test_a_proxy_without_a_scheme_is_read_as_curl_does():
    assert chosen("h", HTTPS_PROXY="proxy.example.com:3128") == (PROXY, "HTTPS_PROXY")


def test_a_tls_proxy_or_a_malformed_one_is_refused_without_showing_its_password(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "https://user:pw-secret-9@proxy.example.com:3128")
    with pytest.raises(SchemactlError, match="HTTPS_PROXY=https://user:\\*\\*\\*@proxy.example.com:3128: a proxy "
                                             "reached over TLS is not supported") as refused:
        make_target("https://weaviate.example.com", 50051, None, ())
    assert "pw-secret-9" not in str(refused.value)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.com:port")
    with pytest.raises(SchemactlError, match="HTTPS_PROXY is not a proxy URL"):
        make_target("https://weaviate.example.com", 50051, None, ())


def test_the_proxy_shown_has_its_password_masked(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://user:pw-secret-9@proxy.example.com:3128")
    target = make_target("https://weaviate.example.com", 50051, None, ())
    assert target.grpc_proxy is not None
    assert target.grpc_proxy.display == "http://user:***@proxy.example.com:3128 (HTTPS_PROXY)"


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers (a hung load balancer)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_timeout_bounds_each_request_and_the_error_says_how_to_wait_longer(silent_server):
    result = CliRunner().invoke(cli, ["status", "--url", silent_server, "--timeout", "0.5"],
                                env={"WEAVIATE_TIMEOUT": None})
    assert result.exit_code == 1
    assert "did not answer GET /v1/meta within 0.5 s (--timeout SECONDS / WEAVIATE_TIMEOUT to wait longer)" \
        in result.output


def test_timeout_applies_to_every_grpc_call_too():
    limits = make_target("http://localhost:8080", 50051, None, (), timeout=7).timeouts()
    assert (limits.connect, limits.read, limits.write) == (7, 7, 7)
    default = make_target("http://localhost:8080", 50051, None, ()).timeouts()
    assert (default.connect, default.read, default.write) == (10, 60, 120)


def test_a_proxy_without_a_port_gets_port_80_for_grpc_too():
    """grpcio takes a proxy URL without a port as port 0: the data path would hang."""
    assert chosen("h", grpc=True, HTTPS_PROXY="http://proxy.corp") == ("http://proxy.corp:80", "HTTPS_PROXY")


def test_a_proxy_that_does_not_parse_is_refused_without_showing_its_password(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://svc:Abc/123xyz@proxy.corp:3128")
    with pytest.raises(SchemactlError, match="must be percent-encoded") as refused:
        make_target("https://weaviate.example.com", 50051, None, ())
    assert "Abc/123xyz" not in str(refused.value) and "http://***@proxy.corp:3128" in str(refused.value)


def test_the_client_is_built_with_no_proxy_variables_so_it_takes_only_the_decided_proxies(monkeypatch):
    """weaviate-client's REST half (httpx, trust_env) would read HTTPS_PROXY again and ignore a
    NO_PROXY range that sent the cluster direct."""
    import os

    from schemactl.connection import _client_environment

    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("no_proxy", "10.0.0.0/8")
    with _client_environment("/tmp/ca.pem"):
        assert not {k for k in os.environ if k.lower().endswith("_proxy")}
        assert os.environ["SSL_CERT_FILE"] == "/tmp/ca.pem"
    assert os.environ["HTTPS_PROXY"] == PROXY and os.environ["no_proxy"] == "10.0.0.0/8"
    assert make_target("https://10.1.2.3", 50051, None, ()).rest_proxy is None


def test_requests_to_the_oidc_issuer_take_the_proxy_decided_for_their_own_address(monkeypatch):
    """Token requests go to the issuer, not the cluster: their proxy is decided for the issuer's
    address (NO_PROXY ranges included), from the variables as they were at start (a token renewed
    mid-migration must not read them while the client's environment is cleared)."""
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", "10.0.0.0/8")
    target = make_target("http://127.0.0.1:8080", 50051, None, ())
    monkeypatch.delenv("HTTPS_PROXY")
    assert proxies.for_url("https://login.example.com/token", target.proxy_variables).url == PROXY
    assert proxies.for_url("https://10.1.2.3/token", target.proxy_variables) is None
    with target.http_client_for("https://login.example.com/token") as client:
        assert not client.trust_env  # httpx reads no variable of its own


@pytest.mark.parametrize("value", ["inf", "nan", "0"])
def test_a_timeout_that_is_not_a_finite_positive_number_is_a_usage_error(value):
    result = CliRunner().invoke(cli, ["status", "--url", "http://127.0.0.1:9", "--timeout", value])
    assert result.exit_code == 1 and "Invalid value for '--timeout'" in result.output
    assert "Traceback" not in result.output
