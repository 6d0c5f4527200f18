"""OIDC logins: an access token from the issuer the cluster names, by client credentials or by a
user's password (resource-owner grant), renewed before it expires. Secrets come from the
environment only and are registered for redaction before any request.

The way there is Weaviate's own: `/v1/.well-known/openid-configuration` names the issuer's
discovery document (and the client id and scopes it expects), discovery names the token endpoint.
"""
from __future__ import annotations

import ipaddress
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from .errors import ConnectionFailed
from .redact import redact, register

RENEW_BEFORE = 60.0  # seconds before expiry a token is renewed
TOKEN_TIMEOUT = 15.0  # seconds a request for a token may take, unless --timeout says otherwise
VARIABLES = {"client_secret": "WEAVIATE_OIDC_CLIENT_SECRET", "client_id": "WEAVIATE_OIDC_CLIENT_ID",
             "username": "WEAVIATE_OIDC_USERNAME", "password": "WEAVIATE_OIDC_PASSWORD",
             "scope": "WEAVIATE_OIDC_SCOPE"}


@dataclass(eq=False)
class OidcLogin:
    """How to obtain tokens; holds the current one (shared by every copy of the Target)."""

    client_secret: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    client_id: str | None = None  # default: the one the cluster names
    scope: str | None = None  # default: the scopes the cluster names
    variables: dict[str, str] = field(default_factory=lambda: dict(VARIABLES))  # where its values came from
    _token: str | None = field(default=None, repr=False)
    _expires: float = 0.0
    _renew_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def grant(self) -> str:
        return "password" if self.username else "client_credentials"

    @property
    def mechanism(self) -> str:
        named = self.variables
        return (f"OIDC, a user's password ({named['username']} / {named['password']})" if self.username
                else f"OIDC client credentials ({named['client_secret']})")

    def token(self, url: str, client_for: Callable[[str], httpx.Client]) -> str:
        """A token valid for a while more (RENEW_BEFORE seconds, or half its life if shorter),
        fetched when needed; `client_for(url)` gives the client a request to `url` is sent with
        (what it trusts, which proxy it goes through)."""
        with self._lock:
            if self._token is None or time.time() > self._renew_at:
                self._token, lifetime = fetch_token(self, url, client_for)
                now = time.time()
                self._expires = now + lifetime
                self._renew_at = self._expires - min(RENEW_BEFORE, lifetime / 2)
            return self._token

    @property
    def expires_at(self) -> float:
        """When the current token expires (0: none fetched yet)."""
        return self._expires


def from_environment(environ=os.environ, variables: Mapping[str, str | None] = VARIABLES,
                     given: Mapping[str, str | None] | None = None) -> OidcLogin | None:
    """The OIDC login the variables describe (None: they describe none). `variables`: which
    variable holds each value (None: none does; an environment of schemactl.yaml names its own);
    `given`: values set outright (an environment's client id and scope)."""
    values = {key: (environ.get(name) or None) if name else None for key, name in variables.items()}
    values |= {key: value for key, value in (given or {}).items() if value is not None}
    if not any(values.get(k) for k in ("client_secret", "username", "password")):
        return None
    named = {key: name or f"the {key.replace('_', ' ')}" for key, name in variables.items()}
    for one, other in (("username", "password"), ("password", "username")):
        if values.get(one) and not values.get(other):
            raise ConnectionFailed(f"{named[one]} is set without {named[other]}")
    if values.get("client_secret") and values.get("username"):
        raise ConnectionFailed(f"give either {named['client_secret']} (client credentials) or {named['username']} and "
                               f"{named['password']} (a user's login), not both")
    register(values.get("client_secret"), values.get("password"))
    return OidcLogin(client_secret=values.get("client_secret"), username=values.get("username"),
                     password=values.get("password"), client_id=values.get("client_id"), scope=values.get("scope"),
                     variables=named)


def fetch_token(login: OidcLogin, url: str, client_for: Callable[[str], httpx.Client]) -> tuple[str, float]:
    """(access token, seconds it lives) from the issuer the cluster at `url` names."""
    weaviate = _cluster_settings(client_for, url)
    if not weaviate.get("href"):
        raise ConnectionFailed(f"{redact(url)} has no OIDC configured (/v1/.well-known/openid-configuration), but "
                               f"{login.mechanism} is given: use an API key instead")
    _refuse_plain_http(weaviate["href"], "the issuer's discovery document")  # it names where secrets go
    discovery = _json(client_for, "GET", weaviate["href"], "the issuer's discovery document")
    endpoint = discovery.get("token_endpoint")
    if not endpoint:
        raise ConnectionFailed(f"the issuer's discovery document ({weaviate['href']}) names no token endpoint")
    _refuse_plain_http(endpoint, "the issuer's token endpoint")
    form = {"grant_type": login.grant, "client_id": login.client_id or weaviate.get("clientId") or ""}
    scope = login.scope or " ".join(weaviate.get("scopes") or [])
    if scope:
        form["scope"] = scope
    if login.client_secret:
        form["client_secret"] = login.client_secret
    if login.username:
        form |= {"username": login.username, "password": login.password or ""}
    reply = _json(client_for, "POST", endpoint, f"a token by {login.mechanism}", form)
    token = reply.get("access_token")
    if not token:
        raise ConnectionFailed(f"the issuer's token endpoint ({endpoint}) answered without an access_token")
    register(token)
    return token, float(reply.get("expires_in") or 300)


def _refuse_plain_http(url: str, what: str = "the issuer's token endpoint") -> None:
    """Credentials, and the document that says where they go, travel only over TLS, or to and
    from this machine."""
    parts = urlsplit(url)
    if parts.scheme == "https" or _loopback(parts.hostname or ""):
        return
    raise ConnectionFailed(f"{what} {redact(url)} is not https: schemactl does not send client secrets or "
                           "passwords over plain http, nor take over plain http where to send them (except on this "
                           "machine)")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _cluster_settings(client_for: Callable[[str], httpx.Client], url: str) -> dict:
    """What the cluster says of its OIDC issuer; {} when it has none configured (it answers 404)."""
    what = "the cluster's OIDC settings"
    reply = _send(client_for, "GET", f"{url.rstrip('/')}/v1/.well-known/openid-configuration", what)
    if reply.status_code == 404:
        return {}
    if reply.status_code >= 400:
        raise ConnectionFailed(f"{redact(url)} refused {what} ({reply.status_code})")
    return _body(reply, what)


def _json(client_for: Callable[[str], httpx.Client], method: str, url: str, what: str,
          form: dict | None = None) -> dict:
    """The JSON the issuer answers; ConnectionFailed naming what was asked when it cannot be had."""
    return _body(_send(client_for, method, url, what, form), what)


def _send(client_for: Callable[[str], httpx.Client], method: str, url: str, what: str,
          form: dict | None = None) -> httpx.Response:
    try:
        with client_for(url) as http:
            return http.request(method, url, data=form)
    except httpx.HTTPError as error:
        hint = ("; if it has a certificate from a private CA, trust that CA: --ca-cert FILE (or SSL_CERT_FILE)"
                if "CERTIFICATE_VERIFY_FAILED" in str(error) else "")
        raise ConnectionFailed(f"cannot get {what} from {redact(url)}: {redact(str(error))}{hint}") from None


def _body(reply: httpx.Response, what: str) -> dict:
    if reply.status_code >= 400:
        try:
            body = reply.json()
            detail = f"{body.get('error', '')}: {body.get('error_description', '')}".strip(": ")
        except (ValueError, AttributeError):  # not JSON, or not an object
            detail = reply.text[:200]
        raise ConnectionFailed(f"the issuer refused {what} ({reply.status_code} {redact(detail)})")
    try:
        body = reply.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ConnectionFailed(f"{redact(str(reply.url))} did not answer a JSON object for {what}")
    return body
