"""`schemactl status`: each part of the way to a cluster checked on its own line — REST, TLS,
authentication, gRPC (the data path), version, modules, permissions — and, for what fails, the fix."""
from __future__ import annotations

import base64
import os
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import httpx

from .connection import Target, bracketed, connect
from .errors import SchemactlError
from .live import RestClient, oidc_settings, server_meta
from .owned import LOCK
from .proxies import Proxy
from .redact import redact
from .state import gone, held_by, holder_of


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        fix = f" — fix: {self.fix}" if self.fix and not self.ok else ""
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name:<12} {self.detail}{fix}"


def diagnose(target: Target) -> list[Check]:
    """Every check, in the order a request meets them; later ones are skipped when REST fails."""
    checks = [_tls("REST TLS", target, *target.rest_parts, target.rest_proxy)] \
        if target.url.startswith("https:") else []
    if target.oidc is not None:
        try:
            target.credential  # noqa: B018 - the login's first token, fetched here: its failure is a check's
        except SchemactlError as error:
            return [*checks, Check("auth", False, str(error), f"check {target.auth_mechanism}, and that its issuer "
                                                              "is reachable from here (HTTPS_PROXY)")]
    with RestClient(target) as reader:
        meta, rest = _rest(reader, target)
        checks.append(rest)
        if rest.ok or rest.fix == "see the auth line":
            checks.append(_auth(reader, target, rest.ok, oidc_only="takes only OIDC tokens" in rest.detail))
        if not rest.ok:
            return checks
        grpc = target.grpc
        if grpc.secure:
            checks.append(_tls("gRPC TLS", target, grpc.host, grpc.port, True, target.grpc_proxy))
        checks.append(_grpc(target))
        checks.append(_version(str(meta.get("version") or "")))
        modules = meta.get("modules") or {}
        hf = "with" if "text2vec-huggingface" in modules else "WITHOUT"
        checks.append(Check("modules", True, f"{len(modules)} enabled, {hf} text2vec-huggingface"))
        checks.append(_permissions(reader))
        checks.append(_capabilities(reader, str(meta.get("version") or "")))
        checks.append(_lock(reader))
    return checks


def _lock(reader: RestClient) -> Check:
    """Whether an apply holds the cluster's lock; one whose process is gone, a failure to fix."""
    status, body = reader.probe(f"/v1/schema/{LOCK}")
    if status == 404:
        return Check("apply lock", True, "free")
    if status != 200:  # e.g. a role that may not read it: the other checks stand
        return Check("apply lock", True, f"unknown (reading {LOCK} answered {status})")
    holder = holder_of(body.get("description") or "")
    if holder is not None and gone(holder):
        return Check("apply lock", False, f"held by {held_by(holder)}", "schemactl force-unlock")
    return Check("apply lock", True, f"held by {held_by(holder)} (apply is refused until it ends)")


def _version(version: str) -> Check:
    from . import versions

    tested = ", ".join(versions.TESTED)
    if versions.is_newer_than_tested(version):
        return Check("version", True, f"Weaviate {version}, newer than the releases schemactl is tested on ({tested}): "
                                      "plans work; changes the capability table does not know as in place are "
                                      "planned as copies, and the plan says so")
    where = "a tested minor release" if versions.is_tested_minor(version) else f"tested releases: {tested}"
    return Check("version", True, f"Weaviate {version} ({where})")


def _capabilities(reader: RestClient, version: str) -> Check:
    """What this server can do in place: its version's rows of the capability table (versions.py),
    and the index tasks only where the server runs them (RUNTIME_REINDEX_ENABLED from 1.39.3)."""
    from . import versions
    from .capabilities import runtime_reindex_on

    has = [c.name for c in versions.CAPABILITIES.values() if versions.has(c.name, version)]
    lacks = [c.name for c in versions.CAPABILITIES.values() if c.name not in has]
    reindex = runtime_reindex_on(reader) if "property_index_tasks" in has else True
    if not reindex:
        has.remove("property_index_tasks")
        lacks.append("property_index_tasks (RUNTIME_REINDEX_ENABLED is off on the server)" if reindex is False
                     else "property_index_tasks (unknown: this key may not update collections, which asking needs)")
    return Check("capabilities", True, f"{', '.join(has) or 'none'}" + (f"; not here: {', '.join(lacks)}"
                                                                         if lacks else ""))


def _rest(reader: RestClient, target: Target) -> tuple[dict, Check]:
    try:
        meta = server_meta(reader)
    except SchemactlError as error:
        return {}, Check("REST", False, f"{target.display}: {error}", _rest_fix(str(error), target))
    return meta, Check("REST", True, f"{target.display} answers{_via(target.rest_proxy)}")


# what a TLS failure says -> what to do (in the order asked; the first that matches)
TLS_FIXES = (
    (("WRONG_VERSION_NUMBER", "wrong version number", "packet length too long"),
     "the server does not speak TLS at this address: use http:// (or the port that serves https)"),
    (("mismatch", "is not valid for", "doesn't match"),
     "the certificate does not name this host: use the name or address it was issued for"),
    (("certificate has expired", "certificate is not yet valid"),
     ("the server's certificate is outside its validity dates: renew it on the server (or the proxy in front "
      "of it), or check this machine's clock")),
    (("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "unable to get local issuer", "self-signed",
      "self signed", "handshake"), "trust the cluster's CA: --ca-cert FILE (or SSL_CERT_FILE)"),
)


# what a gRPC failure says -> what to do, asked before TLS_FIXES (the first that matches)
GRPC_FIXES = (
    (("NO_APPLICATION_PROTOCOL",),
     ("the server at this address does not speak HTTP/2, which gRPC needs: give Weaviate's gRPC port, or a proxy "
     "that passes gRPC (nginx: grpc_pass)")),
    (("http1.x server",),
     "this address answers HTTP/1.x: for a TLS port write https:// in the gRPC URL, else give Weaviate's gRPC port"),
    (("proxy returned response code", "proxy handshake"),
     ("the proxy refused to connect to this address: allow CONNECT to its port there, or exempt the host "
     "(NO_GRPC_PROXY / NO_PROXY)")),
    (("Deadline Exceeded",),
     ("nothing answered in time: check that this is Weaviate's gRPC port and that a firewall lets it through, or "
     "give more --timeout")),
)


# what a failure to reach an address says (with a proxy in use: the proxy's address)
UNREACHED = ("connection refused", "name or service not known", "no route to host", "network is unreachable",
             "timed out")


def grpc_fix(message: str) -> str | None:
    lowered = message.lower()
    return next((fix for said, fix in GRPC_FIXES if any(words.lower() in lowered for words in said)), None)


def tls_fix(message: str, target: Target) -> str | None:
    """What to do about a TLS failure `message` tells of (None: it is not one)."""
    lowered = message.lower()
    for said, fix in TLS_FIXES:
        if any(words.lower() in lowered for words in said):
            if fix.startswith("trust") and target.ca_cert:  # given for this cluster, and not the right one
                return f"{target.ca_cert} does not hold the CA that signed the server's certificate: give that CA"
            return fix
    return None


def _rest_fix(message: str, target: Target) -> str:
    if "plain HTTP request was sent to HTTPS port" in message:
        return "this port serves https: write https:// in --url"
    if target.url_login and "401" in message:
        return ("the user and password in --url were refused: Weaviate takes only an API key or an OIDC token; a proxy "
                "in front of it may take a user and password (then check them)")
    if "not Weaviate's JSON" in message:
        return "reach Weaviate itself: the right --url, or the proxy it is reachable through (HTTPS_PROXY)"
    if "401" in message or "403" in message:
        return "see the auth line"
    proxy = target.rest_proxy
    if proxy and any(words in message.lower() for words in UNREACHED):  # the proxy is what it reaches first
        return f"check that the proxy {proxy.display} runs and that this machine reaches it (or NO_PROXY)"
    return tls_fix(message, target) or "check --url / WEAVIATE_URL, and that the server runs"


def _auth(reader: RestClient, target: Target, rest_ok: bool, *, oidc_only: bool = False) -> Check:
    """What was sent, and what the server takes (OIDC: its issuer; `oidc_only`: its refusal said
    it takes nothing else)."""
    status, oidc = oidc_settings(reader)
    expects = (f"the server takes OIDC tokens from {oidc.get('href')} (client id {oidc.get('clientId')})"
               if status == 200 and oidc.get("href") else
               "the server has no OIDC configured" if status == 404 else "the server's OIDC settings are unknown")
    if rest_ok:
        sent = target.auth_mechanism if target.auth_mechanism != "no credentials" else "anonymous access"
        return Check("auth", True, f"{sent} accepted{_expiry(target)}; {expects}")
    token = f"an OIDC access token in {target.credential_options('bearerTokenEnv', 'bearer-token', 'WEAVIATE_BEARER_TOKEN')}"
    if oidc_only:
        return Check("auth", False, f"sent {target.auth_mechanism}{_expiry(target)}; {expects}, and nothing else",
                     f"{token}, or an OIDC login (WEAVIATE_OIDC_* variables: docs/guides/connecting.md)")
    return Check("auth", False, f"sent {target.auth_mechanism}{_expiry(target)}; {expects}",
                 f"{target.credential_options('apiKeyEnv', 'api-key', 'WEAVIATE_API_KEY')}, or {token}")


def _expiry(target: Target) -> str:
    """When a bearer token given (not renewed) expires, as it says."""
    found = target.bearer_time_left()
    if found is None:
        return ""
    return " (it has expired)" if found[0] <= 0 else f" (it {found[1]}; not renewed)"


def _grpc(target: Target) -> Check:
    grpc = target.grpc
    where = f"{grpc.display} (from {grpc.source}){_via(target.grpc_proxy)}"
    try:
        connect(target).close()
    except SchemactlError as error:
        text = str(error)
        fix = grpc_fix(text) or tls_fix(text, target) or _grpc_address_fix(target)
        if text.startswith(f"gRPC at {grpc.display}"):  # one of schemactl's own, naming the address already
            return Check("gRPC", False, text, fix)
        return Check("gRPC", False, f"{where}: {text.split('): ', 1)[-1]}", fix)
    return Check("gRPC", True, f"{where} answers its health check{_via(target.grpc_proxy)} (the data path for "
                               "copies)")


def _grpc_address_fix(target: Target) -> str:
    """Where to say gRPC is: its port beside REST's (docker-compose), or an address of its own."""
    own = (f"set gRPC's own address: --grpc-url / WEAVIATE_GRPC_URL{_in_environment(target, 'grpcUrl')} "
           "(Kubernetes: the weaviate-grpc service; Weaviate Cloud: derived from the URL)")
    if not target.grpc.source.startswith("the REST host"):  # --grpc-url, or Weaviate Cloud's convention
        return own
    return (f"give Weaviate's gRPC port: {target.setting_options('grpcPort', 'grpc-port')} (docker-compose: the "
            f"host port mapped to 50051), or {own}")


def _in_environment(target: Target, key: str) -> str:
    return f", or {key} in environment {target.environment.name}" if target.environment else ""


def _via(proxy: Proxy | None) -> str:
    return f" through the proxy {proxy.display}" if proxy else ""


def _tls(name: str, target: Target, host: str, port: int, secure: bool, proxy: Proxy | None) -> Check:
    """Who issued the certificate the server shows, verified as the connection will verify it
    (through the proxy the connection uses, if any)."""
    grpc = name.startswith("gRPC")
    # the roots the connection itself would use: the CA given, else the bundle httpx ships (certifi;
    # it also reads SSL_CERT_DIR) for REST, and grpcio's own for gRPC
    context = ssl.create_default_context(cafile=target.trusted_ca) if target.trusted_ca else \
        ssl.create_default_context(cafile=_grpc_roots()) if grpc else httpx.create_ssl_context()
    if grpc:
        context.set_alpn_protocols(["h2"])
    try:
        with _socket_to(host, port, proxy) as raw, context.wrap_socket(raw, server_hostname=host) as tls:
            issuer = _issuer(tls.getpeercert() or {})
    except ssl.SSLCertVerificationError as error:
        fix = tls_fix(str(error), target) or "trust the cluster's CA: --ca-cert FILE (or SSL_CERT_FILE)"
        if grpc and not target.trusted_ca and os.environ.get("SSL_CERT_DIR"):
            fix += " (gRPC does not read SSL_CERT_DIR)"
        return Check(name, False, f"{host}:{port}: {error.verify_message}", fix)
    except OSError as error:
        fix = (f"check the proxy ({proxy.variable}, NO_PROXY)" if proxy else
               tls_fix(str(error), target) or "check the address and port")
        return Check(name, False, f"{host}:{port}{_via(proxy)}: {redact(str(error))}", fix)
    trusted = f"trusted through {target.trusted_ca}" if target.trusted_ca else "trusted by the usual roots"
    return Check(name, True, f"{host}:{port}{_via(proxy)}: certificate issued by {issuer.get('commonName', issuer)}, "
                             f"{trusted}")


def _grpc_roots() -> str:
    """The roots grpcio trusts when given none: GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, else its bundle."""
    from importlib.resources import files

    return os.environ.get("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH") or \
        str(files("grpc").joinpath("_cython/_credentials/roots.pem"))


def _socket_to(host: str, port: int, proxy: Proxy | None) -> socket.socket:
    """A TCP connection to host:port, direct or as an HTTP CONNECT tunnel through `proxy`."""
    if proxy is None:
        return socket.create_connection((host, port), timeout=5)
    raw = socket.create_connection(proxy.address, timeout=5)
    try:
        authority = f"{bracketed(host)}:{port}"
        request = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{_proxy_authorization(proxy)}\r\n"
        raw.sendall(request.encode())
        answer = b""
        while b"\r\n\r\n" not in answer and len(answer) < 8192:
            chunk = raw.recv(1024)
            if not chunk:
                break
            answer += chunk
        status = answer.split(b"\r\n", 1)[0].decode(errors="replace")
        if " 200" not in status:
            raise OSError(f"the proxy answered CONNECT with {status or 'nothing'!r}")
    except OSError:
        raw.close()
        raise
    return raw


def _proxy_authorization(proxy: Proxy) -> str:
    """Basic credentials from the proxy URL's user:password, as a header line (or nothing)."""
    parts = urlsplit(proxy.url)
    if parts.username is None:
        return ""
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return f"Proxy-Authorization: Basic {base64.b64encode(pair).decode()}\r\n"


def _issuer(certificate: dict) -> dict:
    """The issuer's name parts (commonName, organizationName, ...) of a peer certificate."""
    return {key: value for part in certificate.get("issuer", ()) for key, value in part}


def _permissions(reader: RestClient) -> Check:
    from .permissions import lacking_message, missing, own_permissions, to_read_cluster

    permissions = own_permissions(reader)
    if permissions is None:
        return Check("permissions", True, "no RBAC for this caller (every request is allowed or refused by "
                                          "authentication alone)")
    if lacking := missing(permissions, to_read_cluster()):
        return Check("permissions", False, lacking_message(lacking, "plan"), "ask an admin to grant them")
    return Check("permissions", True, f"{len(permissions)} permission(s) through this caller's roles "
                                      "(plan and apply name any that is missing)")
