"""How to reach a cluster: options from the command line or the environment -> a v4 client."""
from __future__ import annotations

import base64
import functools
import json
import math
import logging
import os
import re
import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
from pydantic import ValidationError

from . import proxies
from .environments import Chosen, oidc_variables, read_variable
from .errors import ConnectionFailed, SchemactlError
from .oidc import TOKEN_TIMEOUT, OidcLogin
from .oidc import from_environment as oidc_login
from .proxies import Proxy
from .redact import endpoint, looks_like_secret, masked_url, redact, register

HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP token (RFC 9110)


def quiet_client_warnings() -> None:
    """weaviate-client's auth dependency (authlib) forces its deprecation warnings to "always" and
    warns about its own internals on import: not actionable by our users, so hidden in front of
    its filter. Called before anything imports weaviate.

    weaviate-client also logs failed objects (with their properties) to stderr: user data in CI
    logs. Its logger is silenced; schemactl reports failures itself, as counts and uuids."""
    try:
        from authlib.deprecate import AuthlibDeprecationWarning
        warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)
    except ImportError:  # pragma: no cover - older clients
        pass
    # a year-0 date read: schemactl keeps its text (apply/exact_dates.py), the client's warning is moot
    warnings.filterwarnings("ignore", message=r"Con004")
    client_logger = logging.getLogger("weaviate-client")
    client_logger.addHandler(logging.NullHandler())
    client_logger.propagate = False


GRPC_PORT = 50051  # Weaviate's own gRPC port, where a plain http:// gRPC URL names none
# Weaviate Cloud serves gRPC on a host of its own, derived from the REST host (weaviate-client's
# connect_to_weaviate_cloud does the same): domain suffix -> how the gRPC host is named
CLOUD_GRPC_HOSTS = {".weaviate.network": "{ident}.grpc.{domain}", ".weaviate.cloud": "grpc-{host}"}


@dataclass(frozen=True)
class GrpcEndpoint:
    """Where the data path (gRPC) is, and why there."""

    host: str
    port: int
    secure: bool
    source: str  # --grpc-url, the Weaviate Cloud convention, or the REST host with --grpc-port

    @property
    def display(self) -> str:
        return f"{'https' if self.secure else 'http'}://{bracketed(self.host)}:{self.port}"


@dataclass(frozen=True)
class Timeouts:
    connect: float
    read: float  # a REST request, a query or a page of the copy's reads
    write: float  # a batch of the copy's writes


DEFAULT_TIMEOUTS = Timeouts(connect=10, read=60, write=120)
TIMEOUT_HINT = "--timeout SECONDS / WEAVIATE_TIMEOUT to wait longer"


@dataclass(frozen=True)
class Target:
    """Where the cluster is and what to send with each request. Secrets live only in memory."""

    url: str = "http://localhost:8080"
    grpc_port: int = GRPC_PORT
    api_key: str | None = field(default=None, repr=False)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    grpc_url: str | None = None  # gRPC's own URL (host, port, TLS); None: derived from `url`
    ca_cert: str | None = None  # a PEM file of the CA(s) to trust, for REST and gRPC alike
    bearer_token: str | None = field(default=None, repr=False)  # an OIDC access token obtained elsewhere
    environment: Chosen | None = None  # --env: recorded in plans; its overrides shape the desired state
    oidc: OidcLogin | None = field(default=None, compare=False)  # tokens fetched (and renewed) as needed
    timeout: float | None = None  # --timeout: seconds any one request may take; None: DEFAULT_TIMEOUTS
    variables: tuple[tuple[str, str], ...] = ()  # (option, variable) of the settings read from a variable

    def header_dict(self) -> dict[str, str]:
        """What every request carries, REST and gRPC alike: the --header values, and a user and
        password in --url as `Authorization: Basic` (make_target refuses them beside a credential)."""
        login = self.url_login
        return dict(self.headers) | ({"Authorization": basic_authorization(*login)} if login else {})

    @property
    def url_login(self) -> tuple[str, str] | None:
        """The user and password written into --url (decoded); None: there are none."""
        parts = urlsplit(self.url)
        if parts.username is None and parts.password is None:
            return None
        return unquote(parts.username or ""), unquote(parts.password or "")

    @property
    def rest_url(self) -> str:
        """--url without a user and password: they travel as a header (header_dict), not as httpx
        would send them, replacing the Bearer one."""
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))

    @property
    def grpc(self) -> GrpcEndpoint:
        return grpc_endpoint(self)

    @property
    def trusted_ca(self) -> str | None:
        """The CA file both protocols trust: --ca-cert, else the standard SSL_CERT_FILE."""
        return self.ca_cert or os.environ.get("SSL_CERT_FILE") or None

    @property
    def credential(self) -> str | None:
        """What is sent as `Authorization: Bearer`: the API key, the access token given, or one
        the OIDC login fetches (renewed before it expires)."""
        if self.oidc is not None:
            return self.oidc.token(self.rest_url, self.http_client_for)
        return self.api_key or self.bearer_token

    @property
    def authorization_header(self) -> bool:
        """An Authorization header given with --header."""
        return any(name.lower() == "authorization" for name, _ in self.headers)

    @property
    def auth_mechanism(self) -> str:
        if self.api_key:
            return f"an API key ({self.credential_options('apiKeyEnv', 'api-key', 'WEAVIATE_API_KEY')})"
        if self.bearer_token:
            return f"a bearer token ({self.credential_options('bearerTokenEnv', 'bearer-token', 'WEAVIATE_BEARER_TOKEN')})"
        if self.oidc is not None:
            return self.oidc.mechanism
        if self.url_login:
            return f"a user and password in the URL ({self.setting_options('url', 'url')}), as Basic authentication"
        if self.authorization_header:
            return "an Authorization header (--header)"
        return "no credentials"

    @property
    def bearer_expiry(self) -> float | None:
        """When the bearer token given expires (epoch seconds), as it says itself (a JWT's `exp`,
        read unverified: only to warn); None when it says nothing, or is renewed (an OIDC login)."""
        return jwt_expiry(self.bearer_token) if self.bearer_token and self.oidc is None else None

    def bearer_time_left(self) -> tuple[float, str] | None:
        """(seconds, "expires in …" or "has expired") of the bearer token given (bearer_expiry)."""
        expiry = self.bearer_expiry
        if expiry is None:
            return None
        left = expiry - time.time()
        return left, ("has expired" if left <= 0 else f"expires in {left:.0f} s" if left < 120
                      else f"expires in {left / 60:.0f} min")

    def credential_options(self, key: str, option: str, variable: str) -> str:
        """Where a credential of this kind comes from (credential_source)."""
        return credential_source(self.environment, key, option, variable)

    @property
    def rest_parts(self) -> tuple[str, int, bool]:
        """(host, port, secure) of the URL; ConnectionFailed naming where it was given."""
        return parse_url(self.url, self.setting_options("url", "url"))

    def setting_options(self, key: str, option: str) -> str:
        """Where a connection setting comes from (setting_source)."""
        return setting_source(self.environment, self.variables, key, option)

    def verify(self) -> bool | ssl.SSLContext:
        """What https requests to the cluster trust: --ca-cert or SSL_CERT_FILE, else the usual
        roots (plain http loads no CA file)."""
        if not self.url.startswith("https:"):
            return False
        if self.trusted_ca:
            return ssl.create_default_context(cafile=self.trusted_ca)
        directory = os.environ.get("SSL_CERT_DIR")  # as httpx would read it (REST only; gRPC: --ca-cert)
        return ssl.create_default_context(capath=directory) if directory else True

    def outside_trust(self) -> ssl.SSLContext:
        """What https requests beyond the cluster (its OIDC issuer) trust, whatever the cluster's
        own scheme: the system's roots and the CA schemactl is given (--ca-cert or SSL_CERT_FILE)."""
        context = ssl.create_default_context()
        if self.trusted_ca:
            try:
                context.load_verify_locations(cafile=self.trusted_ca)
            except (OSError, ssl.SSLError) as error:
                raise ConnectionFailed(f"{self.trusted_ca} (--ca-cert or SSL_CERT_FILE): not a readable PEM file of CA "
                                       f"certificates ({error})") from None
        return context

    def http_client_for(self, url: str) -> httpx.Client:
        """A client for one request to `url`: the cluster's own trust and proxy for the cluster,
        else outside_trust and the proxy the variables (as they were at start) give that address."""
        if _origin(url) == _origin(self.url):
            verify: bool | ssl.SSLContext = self.verify()
            proxy = self.rest_proxy
        else:
            verify = self.outside_trust() if url.lower().startswith("https:") else False
            proxy = proxies.for_url(url, self.proxy_variables)
        return httpx.Client(verify=verify, timeout=self.timeout or TOKEN_TIMEOUT, proxy=proxy.url if proxy else None,
                            trust_env=False)

    def timeouts(self) -> Timeouts:
        """Seconds to connect, to read or query, and to write a batch: --timeout for each, else the
        defaults."""
        return Timeouts(self.timeout, self.timeout, self.timeout) if self.timeout else DEFAULT_TIMEOUTS

    # decided once, from the environment as it is when first asked (make_target asks at once): the
    # client is later built with the proxy variables cleared (connect)
    @functools.cached_property
    def proxy_variables(self) -> dict[str, str]:
        return proxies.variables()

    @functools.cached_property
    def rest_proxy(self) -> Proxy | None:
        host, _, secure = self.rest_parts
        return proxies.for_rest(host, secure, self.proxy_variables)

    @functools.cached_property
    def grpc_proxy(self) -> Proxy | None:
        grpc = self.grpc
        return proxies.for_grpc(grpc.host, grpc.secure, self.proxy_variables)

    @property
    def display(self) -> str:
        """The URL as it may be shown: any password in it replaced."""
        return redact(self.url)

    @property
    def cluster(self) -> str:
        """The cluster's address without credentials, as saved plans record it."""
        return endpoint(self.url)


def jwt_expiry(token: str) -> float | None:
    """The `exp` of a JWT's payload, or None (not a JWT, or no expiry)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        expiry = payload.get("exp") if isinstance(payload, dict) else None
        found = float(expiry) if isinstance(expiry, int | float) and not isinstance(expiry, bool) else None
    except (ValueError, RecursionError, OverflowError):  # not base64, JSON or UTF-8; too deep; too large
        return None
    return found if found is not None and math.isfinite(found) else None


def credential_source(environment: Chosen | None, key: str, option: str, variable: str) -> str:
    """Where a credential of this kind comes from: under --env, the command line or the variable
    the environment names (never the WEAVIATE_* one); else the command line or `variable`."""
    if environment is None:
        return f"--{option} / {variable}"
    named = getattr(environment.settings, key, None)
    return f"--{option}" + (f" / {named}, named by environment {environment.name}" if named else
                            f"; environment {environment.name} names no {key}, and {variable} is not read under "
                            "--env")


def setting_source(environment: Chosen | None, variables: tuple[tuple[str, str], ...], key: str, option: str) -> str:
    """Where a connection setting comes from: the environment's `key` under --env, else the
    variable it was read from (`variables`: (option, variable) pairs), else the command line."""
    if environment is not None and getattr(environment.settings, key, None) is not None:
        return f"--{option} / {key} of environment {environment.name}"
    return dict(variables).get(option, f"--{option}")


def _origin(url: str) -> tuple[str, str]:
    """Scheme and host[:port] of `url`, normalized as redact.endpoint names a cluster."""
    parts = urlsplit(endpoint(url))
    return parts.scheme, parts.netloc


def make_target(url: str, grpc_port: int, api_key: str | None, header_args: tuple[str, ...],
                hf_key: str | None = None, hf_header: str = "X-HuggingFace-Api-Key", *,
                grpc_url: str | None = None, ca_cert: str | None = None, bearer_token: str | None = None,
                environment: Chosen | None = None, timeout: float | None = None,
                variables: tuple[tuple[str, str], ...] = ()) -> Target:
    """A Target from command-line values; every secret is registered for redaction first, and
    a malformed value is refused with a message that never shows it, naming where it was given
    (`variables`: (option, variable) of the values read from environment variables)."""
    register(api_key, hf_key, bearer_token, _password(url), _password(grpc_url or ""))
    headers = [_header(raw, position) for position, raw in enumerate(header_args, 1)]
    if hf_key and not any(n.lower() == hf_header.lower() for n, _ in headers):
        headers.append((hf_header, _ascii(hf_key.strip(), "HUGGINGFACE_APIKEY")))
    if api_key is not None:
        _ascii(api_key, credential_source(environment, "apiKeyEnv", "api-key", "WEAVIATE_API_KEY"))
    if bearer_token is not None:
        _ascii(bearer_token, credential_source(environment, "bearerTokenEnv", "bearer-token", "WEAVIATE_BEARER_TOKEN"))
    if api_key and bearer_token:
        raise SchemactlError("give either an API key or a bearer token, not both (each is sent as "
                             "`Authorization: Bearer`)")
    # under --env, a key or token (the command line's wins over the environment's) leaves its OIDC login unread
    oidc = None if environment is not None and (api_key or bearer_token) else _oidc_login(environment)
    if oidc is not None and (api_key or bearer_token):
        raise SchemactlError(f"an OIDC login ({oidc.mechanism}) is given as well as an API key or bearer token: keep "
                             "one way to authenticate")
    if ca_cert is not None:
        ca_cert = _readable_ca(ca_cert, setting_source(environment, variables, "caCert", "ca-cert"))
    target = Target(url=url.strip(), grpc_port=grpc_port, api_key=api_key.strip() if api_key else None,
                    headers=tuple(headers), grpc_url=grpc_url.strip() if grpc_url else None, ca_cert=ca_cert,
                    bearer_token=bearer_token.strip() if bearer_token else None, environment=environment,
                    oidc=oidc, timeout=timeout, variables=variables)
    # a malformed --url, --grpc-url or proxy variable is refused here, before any request
    _ = target.proxy_variables, grpc_endpoint(target), target.rest_proxy, target.grpc_proxy
    if target.grpc_url and "@" in urlsplit(target.grpc_url).netloc:
        raise SchemactlError(f"{target.setting_options('grpcUrl', 'grpc-url')} has a user and password in it, which "
                             "gRPC would never send: its requests carry the same credential as REST (--api-key, "
                             "--bearer-token, or the user and password in --url); take them out (not shown)")
    _one_authorization(target)
    return target


def _oidc_login(environment: Chosen | None) -> OidcLogin | None:
    """The OIDC login from WEAVIATE_OIDC_*, or under --env from the variables the environment names
    only (a secret for one cluster is not sent to another's issuer)."""
    if environment is None:
        return oidc_login()
    settings = environment.settings
    variables = oidc_variables(settings)
    for what, name in variables.items():
        if name:
            read_variable(environment.name, name, f"OIDC {what.replace('_', ' ')}")
    return oidc_login(variables=variables, given={"client_id": settings.oidcClientId, "scope": settings.oidcScope})


def basic_authorization(user: str, password: str) -> str:
    """The `Authorization` value of a user and password (RFC 7617), registered as a secret."""
    value = base64.b64encode(f"{user}:{password}".encode()).decode()
    register(value)
    return f"Basic {value}"


def _one_authorization(target: Target) -> None:
    """A user and password in --url set the Authorization header (Basic), as does any credential
    (Bearer) or an Authorization --header: with two, one would silently replace the other."""
    header = target.authorization_header
    credential = next((what for what, given in (("an API key", target.api_key), ("a bearer token", target.bearer_token),
                                                ("an OIDC login", target.oidc)) if given), None)
    if header and credential and target.url_login is None:
        raise SchemactlError(f"an Authorization --header and {credential} are both given: both set the Authorization "
                             "header, so one would replace the other; keep one (neither is shown)")
    if target.url_login is None:
        return
    others = [what for what, given in (
        ("an API key", target.api_key), ("a bearer token", target.bearer_token),
        (f"an OIDC login ({target.oidc.mechanism if target.oidc else ''})", target.oidc),
        ("an Authorization --header", target.authorization_header))
        if given]
    if others:
        raise SchemactlError(f"{target.setting_options('url', 'url')} has a user and password in it (sent as "
                             f"`Authorization: Basic`) and {others[0]} is given as well: both set the Authorization "
                             "header, so one would replace the other; take the user and password out of the URL "
                             "(Weaviate itself takes only Bearer credentials; the password is not shown)")


def _readable_ca(path: str, given_as: str = "--ca-cert") -> str:
    """`path`, checked to hold PEM CA certificates; a pipe (`--ca-cert <(...)`, read once only) is
    read into a file of its own first, as every client reads the CA again."""
    import ssl

    given = path
    try:
        if os.path.exists(path) and not os.path.isfile(path):
            path = _kept_copy(path)
        ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as error:
        raise SchemactlError(f"{given_as} {given}: not a readable PEM file of CA certificates ({error})") from None
    return path


def _remove(path: str) -> None:
    if os.path.exists(path):
        os.remove(path)


def _kept_copy(path: str) -> str:
    """The content of `path` (a pipe) in a file removed at exit."""
    import atexit
    import tempfile

    with open(path, "rb") as source:
        content = source.read()
    handle, copy = tempfile.mkstemp(prefix="schemactl-ca-", suffix=".pem")
    with os.fdopen(handle, "wb") as kept:
        kept.write(content)
    atexit.register(_remove, copy)
    return copy


def grpc_endpoint(target: Target) -> GrpcEndpoint:
    """gRPC's host, port and TLS: --grpc-url; else Weaviate Cloud's convention for its hosts;
    else the REST host with --grpc-port and the REST URL's TLS."""
    if target.grpc_url:
        host, port, secure = parse_url(target.grpc_url, target.setting_options("grpcUrl", "grpc-url"),
                                       default_http_port=GRPC_PORT)
        return GrpcEndpoint(host, port, secure, target.setting_options("grpcUrl", "grpc-url"))
    host, _, secure = target.rest_parts
    for suffix, pattern in CLOUD_GRPC_HOSTS.items():
        if host.endswith(suffix):
            ident, domain = host.split(".", 1)
            return GrpcEndpoint(pattern.format(host=host, ident=ident, domain=domain), 443, True,
                                "the Weaviate Cloud convention for " + suffix.lstrip(".") + " hosts")
    return GrpcEndpoint(host, target.grpc_port, secure,
                        "the REST host with " + target.setting_options("grpcPort", "grpc-port"))


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _header(raw: str, position: int) -> tuple[str, str]:
    """NAME=VALUE (or curl's NAME: VALUE) -> (name, value)."""
    cut = min((i for i in (raw.find("="), raw.find(":")) if i > 0), default=-1)
    name, value = (raw[:cut].strip(), raw[cut + 1:].strip()) if cut > 0 else ("", raw)
    register(value, credential=looks_like_secret(name) or name.lower().endswith("key"))
    if not HEADER_NAME.match(name):
        raise SchemactlError(f"--header #{position}: expected NAME=VALUE (or NAME: VALUE) with a header name "
                             "made of letters, digits and -; the value is not shown")
    return name, _ascii(value, f"--header {name}")


def _ascii(value: str, what: str) -> str:
    """HTTP header values must be printable ASCII; say where the first other character is."""
    for index, char in enumerate(value):
        if not " " <= char <= "~":
            kind = "a control character" if ord(char) < 128 else f"a non-ASCII character (U+{ord(char):04X})"
            hint = " - a curly quote pasted from a web page?" if char in "\u2018\u2019\u201c\u201d" else ""
            raise SchemactlError(f"{what}: the value has {kind} at position {index + 1}; header values "
                                 f"must be printable ASCII{hint} (the value is not shown)")
    return value


def parse_url(url: str, option: str = "--url", default_http_port: int = 80) -> tuple[str, int, bool]:
    """(host, port, secure) from an http(s) URL; ConnectionFailed if it is not one."""
    try:
        parts = urlsplit(url.strip())
        scheme, hostname = parts.scheme, parts.hostname
    except ValueError:  # e.g. an unclosed [ of an IPv6 literal
        scheme, hostname = "", None
    if scheme not in ("http", "https") or not hostname:
        raise ConnectionFailed(f"{option} must be an http(s) URL such as http://localhost:8080, got {masked_url(url)!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else default_http_port)
    except ValueError:
        hint = (" (a user or password holding / # ? or @ must be percent-encoded: %2F %23 %3F %40)"
                if "@" in url else "")
        raise ConnectionFailed(f"{option} has an invalid port: {masked_url(url)!r}{hint}") from None
    return hostname, port, parts.scheme == "https"


def bracketed(host: str) -> str:
    """An IPv6 literal in the [brackets] host:port needs (gRPC targets, URLs)."""
    return f"[{host}]" if ":" in host else host


def connect(target: Target):
    """An open weaviate.WeaviateClient; one clear ConnectionFailed line when the cluster cannot be
    used. The client library is imported here: commands that only read the schema never load it.

    Both halves of the client trust the same CA: its REST half reads only SSL_CERT_FILE (with
    trust_env), its gRPC half the root certificates it is given. Both take the proxy decided in
    proxies.py, and go direct otherwise (httpx and grpcio would read the variables their own ways)."""
    quiet_client_warnings()
    import weaviate
    from weaviate.classes.init import AdditionalConfig, Auth, Timeout
    from weaviate.exceptions import AuthenticationFailedError, WeaviateBaseError

    host, port, secure = target.rest_parts
    grpc = target.grpc
    if (host.lower(), port) == (grpc.host.lower(), grpc.port):  # the client library's words would be its own
        raise ConnectionFailed(f"gRPC at {grpc.display} (from {grpc.source}) is the REST address itself: Weaviate "
                               "serves gRPC on a port of its own (50051 unless set): give that one")
    ca = target.trusted_ca
    limits = target.timeouts()
    # decided before the client's environment is cleared of proxy variables (and an OIDC token
    # fetched through the proxy those variables name)
    credential = target.credential
    config = AdditionalConfig(timeout=Timeout(init=limits.connect, query=limits.read, insert=limits.write),
                              trust_env=True, proxies=_client_proxies(target),
                              grpc_config=_grpc_config(target, ca if grpc.secure else None))

    def client(skip_init_checks: bool = False):
        with _client_environment(target.ca_cert):
            return weaviate.connect_to_custom(
                http_host=bracketed(host), http_port=port, http_secure=secure,
                grpc_host=bracketed(grpc.host), grpc_port=grpc.port, grpc_secure=grpc.secure,
                headers=target.header_dict() or None,
                auth_credentials=Auth.api_key(credential) if credential else None, additional_config=config,
                skip_init_checks=skip_init_checks)

    try:
        try:
            return client()
        except AuthenticationFailedError:
            if credential or "authorization" in {name.lower() for name in target.header_dict()}:
                raise
            # a cluster that takes anonymous requests and offers OIDC: the client's check asks for a
            # login anyway; schemactl's own requests, anonymous, are what decide. The gRPC health
            # check the skipped checks include is made here.
            anonymous = client(skip_init_checks=True)
            try:
                _grpc_health_check(anonymous)
            except BaseException:
                anonymous.close()
                raise
            return anonymous
    except (WeaviateBaseError, ValidationError) as error:  # the client's own config checks are pydantic's
        via = f", through the proxy {target.grpc_proxy.display}" if target.grpc_proxy else ""
        why = _why(error)
        waited = f" (no answer within {limits.connect:g} s; --timeout sets how long)" if "Deadline Exceeded" in why else ""
        raise ConnectionFailed(f"cannot use Weaviate at {target.display} (gRPC at {grpc.display}, from "
                               f"{grpc.source}{via}): {redact(why)}{waited}",
                               credentials=isinstance(error, AuthenticationFailedError)) from None


def _grpc_health_check(client) -> None:
    """weaviate-client's own gRPC health check (part of the init checks); WeaviateBaseError when it fails."""
    from weaviate.connect import executor

    executor.result(client._connection._ping_grpc("sync"))


_ENVIRONMENT = threading.Lock()  # the client is built with its environment set for it: one at a time


@contextmanager
def _client_environment(ca: str | None) -> Iterator[None]:
    """While the client builds its REST half (httpx with trust_env, which reads only SSL_CERT_FILE
    for a CA): SSL_CERT_FILE set to `ca`, and no proxy variables, so that httpx takes exactly the
    proxies given (proxies.py decided) and not its own reading of them. As it was afterwards."""
    changes: dict[str, str | None] = {"SSL_CERT_FILE": ca} if ca is not None else {}
    changes.update({name: None for name in proxies.NAMES})
    with _ENVIRONMENT:
        before = {name: os.environ.get(name) for name in changes}
        try:
            for name, value in changes.items():
                _set(name, value)
            yield
        finally:
            for name, value in before.items():
                _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _client_proxies(target: Target):
    """The client's proxies: REST's and gRPC's as decided in proxies.py (the client is built with no
    proxy variables in its environment, so where none is given it goes direct)."""
    from weaviate.config import Proxies

    rest = target.rest_proxy.url if target.rest_proxy else None
    return Proxies(http=rest, https=rest, grpc=target.grpc_proxy.url if target.grpc_proxy else None)


def _grpc_config(target: Target, ca: str | None):
    """The gRPC channel's CA, and `grpc.enable_http_proxy` off when no proxy applies to it."""
    from weaviate.config import GrpcConfig

    options = [] if target.grpc_proxy else [("grpc.enable_http_proxy", 0)]
    return GrpcConfig(credentials=_grpc_credentials(ca) if ca else None, channel_options=options)


def _grpc_credentials(ca: str):
    import grpc  # type: ignore[import-untyped]

    with open(ca, "rb") as pem:
        return grpc.ssl_channel_credentials(root_certificates=pem.read())


def _why(error: Exception) -> str:
    """The client's first line, and what its cause says (the gRPC health check hides why it failed:
    a refused connection, an unknown certificate authority)."""
    first = _first_line(error)
    cause = error.__cause__
    details = getattr(cause, "details", None)
    reason = details() if callable(details) else (_first_line(cause) if cause is not None else "")
    if "gRPC health check" in first or "gRPC API" in first:
        first = "the gRPC health check failed"
    return f"{first}: {reason}" if reason else first


def _first_line(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        return error.errors()[0]["msg"].removeprefix("Value error, ")
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
