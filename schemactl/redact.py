"""The one place that keeps secrets out of what schemactl prints, saves or records.

Every secret schemactl is handed (API key, header values, a password in the URL) is registered
here when the connection options are read; `redact` replaces each of them, and any URL password,
wherever it appears in a text.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit, urlunsplit

MASK = "***"
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*):(?P<password>[^/@\s]*)@")
_secrets: set[str] = set()
# credentials shorter than SHORT: masked only as a whole quoted value or a form value ("pw", pw=),
# where a form or JSON echoed back holds them; anywhere else they would mask ordinary text (and
# break the JSON schemactl prints and records: a key "3" is not every 3)
_short_secrets: set[str] = set()
SHORT = 6

SECRET_WORDS = {"token", "tokens", "secret", "secrets", "password", "passwd", "credential",
                "credentials", "bearer", "apikey", "apikeys", "auth", "authorization"}
# Query parameters that carry a credential, compared lower-case with '-' read as '_'; names
# looks_like_secret catches (accessToken, client_secret, ...) count too.
CREDENTIAL_PARAMETERS = frozenset({
    "key", "api_key", "apikey", "x_api_key", "token", "access_token", "id_token", "refresh_token", "auth",
    "auth_token", "authorization", "bearer", "jwt", "secret", "client_secret", "password", "passwd", "pwd",
    "pass", "sig", "signature", "subscription_key", "x_amz_signature", "x_amz_credential",
    "x_amz_security_token", "x_goog_signature", "x_goog_credential"})
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")
_URL_PARTS = re.compile(r"[^:]+://(?P<authority>[^/?#]*)[^?#]*(?:\?(?P<query>[^#]*))?(?:#(?P<fragment>.*))?")
_PARAMETER = re.compile(r"(?P<head>[?&#;](?P<name>[^=&#;\s\"'<>]+)=)(?P<value>[^&#;\s\"'<>]*)")


def register(*values: str | None, credential: bool = True) -> None:
    """Remember secret values so that `redact` hides them from now on. A short one only when it is
    a `credential` (a key, token, password or secret, not any header's value)."""
    for value in values:
        value = (value or "").strip()
        if len(value) >= SHORT:
            _secrets.add(value)
        elif value and credential:
            _short_secrets.add(value)


def redact(text: str) -> str:
    """`text` with every registered secret, every URL password and the value of every URL
    parameter named like a credential (`?api_key=`) replaced by ***."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for secret in sorted(_short_secrets, key=len, reverse=True):
        text = re.sub(rf"(?<=[\"'=]){re.escape(secret)}(?=[\"'&]|$)", MASK, text)
    text = _URL.sub(lambda m: _PARAMETER.sub(_masked_parameter, m[0]), text)
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}:{MASK}@", text)


_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*://")


def masked_url(url: str) -> str:
    """A URL that may not parse, as it may be shown: everything before its last `@` after the
    scheme (a user and password, whatever characters they hold) masked, then redact's rules."""
    scheme = _SCHEME.match(url)
    head, rest = (scheme[0], url[scheme.end():]) if scheme else ("", url)
    if "@" in rest:
        rest = f"{MASK}@{rest.rsplit('@', 1)[1]}"
    return redact(f"{head}{rest}")


def _masked_parameter(found: re.Match) -> str:
    return f"{found['head']}{MASK}" if is_credential_parameter(found["name"]) and found["value"] else found[0]


def is_credential_parameter(name: str) -> bool:
    """A URL parameter named as credentials are, in any spelling (`clientSecret`, `Access-Token`):
    the table decides, so `max_tokens` or `authMode` are not."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return snake.lower().replace("-", "_") in CREDENTIAL_PARAMETERS


def looks_like_secret(key: str) -> bool:
    """apiKey, api_key, accessToken, clientSecret, password... but not tokenization."""
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", key)]
    return bool(SECRET_WORDS & set(words)) or ("api" in words and "key" in words)


def url_credentials(data: object, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(location, what) for each string in `data` (JSON-like) holding a URL with credentials in it."""
    if isinstance(data, str):
        what = next(filter(None, map(credentials_in, _URL.findall(data))), None)
        if what:
            yield loc, what
        return
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in children:
        yield from url_credentials(value, loc + (key,))


def credentials_in(url: str) -> str | None:
    """What credentials a URL holds (user information, or a parameter named like one), if any."""
    parts = _URL_PARTS.match(url)
    if parts is None:
        return None
    if "@" in parts["authority"]:
        return "a user name or password (user@ or user:password@)"
    for section in ("query", "fragment"):
        for name, value in parse_qsl(parts[section] or ""):  # a value given: `#api-key` is an anchor
            if value and is_credential_parameter(name):
                return f"a credential (the {section} parameter '{name}')"
    return None


def endpoint(url: str) -> str:
    """The URL as it names a cluster: no user or password, lower-case host, no trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    try:
        port = parts.port
    except ValueError:
        port = None
    if port == {"http": 80, "https": 443}.get(parts.scheme.lower()):
        port = None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))
