"""Which HTTP proxy a connection goes through, decided once from the standard variables.

weaviate-client and grpcio read proxy variables differently (the client's REST half takes
HTTPS_PROXY but ignores NO_PROXY; grpcio reads only the lowercase names), so the two halves of one
command could disagree about the same cluster. schemactl decides here, for each address, the way
curl and Python do: `https_proxy`/`HTTPS_PROXY` for TLS, `http_proxy`/`HTTP_PROXY` for plain http,
`grpc_proxy`/`GRPC_PROXY` before either for gRPC, `no_proxy`/`NO_PROXY` (and grpcio's
`no_grpc_proxy`) to go direct; lowercase wins when both are set.
"""
from __future__ import annotations

import os
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import SchemactlError
from .redact import masked_url, redact, register


# every spelling of the variables read here and by the HTTP libraries schemactl builds on
NAMES = tuple(name for lower in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "grpc_proxy", "no_grpc_proxy")
              for name in (lower, lower.upper()))


def variables(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The proxy variables set now: decisions made later (a token renewed mid-migration) use these."""
    env = os.environ if environ is None else environ
    return {name: env[name] for name in NAMES if name in env}


@dataclass(frozen=True)
class Proxy:
    url: str  # http://[user:password@]host:port
    variable: str  # the variable it came from, as shown to users

    @property
    def display(self) -> str:
        return f"{redact(self.url)} ({self.variable})"

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return parts.hostname or "", parts.port or 80


def for_rest(host: str, secure: bool, environ: Mapping[str, str] | None = None) -> Proxy | None:
    """The proxy REST requests to `host` go through, if any."""
    return _chosen(host, ("https_proxy",) if secure else ("http_proxy",), environ)


def for_url(url: str, environ: Mapping[str, str] | None = None) -> Proxy | None:
    """The proxy an HTTP request to `url` goes through, if any."""
    parts = urlsplit(url)
    return for_rest(parts.hostname or "", parts.scheme.lower() == "https", environ)


def for_grpc(host: str, secure: bool, environ: Mapping[str, str] | None = None) -> Proxy | None:
    """The proxy gRPC to `host` goes through (HTTP CONNECT), if any."""
    return _chosen(host, ("grpc_proxy", "https_proxy" if secure else "http_proxy"), environ,
                   extra_bypass="no_grpc_proxy")


def _chosen(host: str, names: tuple[str, ...], environ: Mapping[str, str] | None,
            extra_bypass: str | None = None) -> Proxy | None:
    env = os.environ if environ is None else environ
    for name in names:
        found = _variable(env, name)
        if found is None:
            continue
        variable, url = found
        if _bypassed(host, env, extra_bypass):
            return None
        return _checked(url, variable)
    return None


def _variable(env: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """(name as set, value) of a proxy variable, lowercase first; empty counts as unset."""
    for spelled in (name, name.upper()):
        value = (env.get(spelled) or "").strip()
        if value:
            return spelled, value
    return None


def _bypassed(host: str, env: Mapping[str, str], extra: str | None) -> bool:
    """Whether NO_PROXY (or grpcio's no_grpc_proxy) sends `host` direct: `*`, the host itself, or
    a domain suffix (`.example.com` and `example.com` both match `a.example.com`)."""
    lists = [v for v in (_variable(env, "no_proxy"), _variable(env, extra) if extra else None) if v]
    return any(_matches(host, entry) for _, value in lists for entry in value.split(","))


def _matches(host: str, entry: str) -> bool:
    """One NO_PROXY entry: `*`, a name or domain suffix, an address, or an address range (10.0.0.0/8)."""
    if entry.strip() == "*":
        return True
    entry = entry.strip().lower().lstrip("*").lstrip(".").strip("[]")
    host = host.lower().strip("[]")
    if not entry:
        return False
    if "/" in entry:
        try:
            return ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return False
    return host == entry or host.endswith("." + entry)


def _checked(url: str, variable: str) -> Proxy:
    """A proxy URL as given (scheme added when missing, as curl does; port 80 when it names none,
    which grpcio would otherwise take as 0); its password registered for redaction; an https://
    proxy refused (neither gRPC nor this check can speak TLS to a proxy)."""
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
        register(parts.password)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:  # a port that is not a number, an unclosed [, a '/' in the password
        valid = False
    if not valid:
        raise SchemactlError(f"{variable} is not a proxy URL such as http://proxy.example.com:3128: "
                             f"{masked_url(url)!r} (a password with '/', '@' or ':' must be percent-encoded)")
    if parts.scheme == "https":
        raise SchemactlError(f"{variable}={redact(url)}: a proxy reached over TLS is not supported (gRPC "
                             "cannot use one); give its http:// address (requests through it stay encrypted "
                             "end to end with CONNECT)")
    if parts.port is None:
        url = parts._replace(netloc=f"{parts.netloc}:80").geturl()
    return Proxy(url, variable)


