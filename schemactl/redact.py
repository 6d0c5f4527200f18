"""The one place that keeps secrets out of what schemactl prints, saves or records.

Every secret schemactl is handed (API key, header values, a password in the URL) is registered
here when the connection options are read; `redact` replaces each of them, and any URL password,
wherever it appears in a text.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*):(?P<password>[^/@\s]*)@")
_secrets: set[str] = set()


def register(*values: str | None) -> None:
    """Remember secret values so that `redact` hides them from now on."""
    for value in values:
        if value and len(value.strip()) >= 6:  # shorter ones would mask ordinary words
            _secrets.add(value.strip())


def redact(text: str) -> str:
    """`text` with every registered secret and every URL password replaced by ***."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}:{MASK}@", text)


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
