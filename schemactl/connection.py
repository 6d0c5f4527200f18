"""How to reach a cluster: options from the command line or the environment -> a v4 client."""
from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pydantic import ValidationError

from .errors import ConnectionFailed, SchemactlError
from .redact import endpoint, redact, register

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
    client_logger = logging.getLogger("weaviate-client")
    client_logger.addHandler(logging.NullHandler())
    client_logger.propagate = False


@dataclass(frozen=True)
class Target:
    """Where the cluster is and what to send with each request. Secrets live only in memory."""

    url: str = "http://localhost:8080"
    grpc_port: int = 50051
    api_key: str | None = field(default=None, repr=False)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def header_dict(self) -> dict[str, str]:
        return dict(self.headers)

    @property
    def display(self) -> str:
        """The URL as it may be shown: any password in it replaced."""
        return redact(self.url)

    @property
    def cluster(self) -> str:
        """The cluster's address without credentials, as saved plans record it."""
        return endpoint(self.url)


def make_target(url: str, grpc_port: int, api_key: str | None, header_args: tuple[str, ...],
                hf_key: str | None = None, hf_header: str = "X-HuggingFace-Api-Key") -> Target:
    """A Target from command-line values; every secret is registered for redaction first, and
    a malformed value is refused with a message that never shows it."""
    register(api_key, hf_key, _password(url))
    headers = [_header(raw, position) for position, raw in enumerate(header_args, 1)]
    if hf_key and not any(n.lower() == hf_header.lower() for n, _ in headers):
        headers.append((hf_header, _ascii(hf_key.strip(), "HUGGINGFACE_APIKEY")))
    if api_key is not None:
        _ascii(api_key, "--api-key / WEAVIATE_API_KEY")
    parse_url(url)
    return Target(url=url.strip(), grpc_port=grpc_port, api_key=api_key.strip() if api_key else None,
                  headers=tuple(headers))


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _header(raw: str, position: int) -> tuple[str, str]:
    """NAME=VALUE (or curl's NAME: VALUE) -> (name, value)."""
    cut = min((i for i in (raw.find("="), raw.find(":")) if i > 0), default=-1)
    name, value = (raw[:cut].strip(), raw[cut + 1:].strip()) if cut > 0 else ("", raw)
    register(value)
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


def parse_url(url: str) -> tuple[str, int, bool]:
    """(host, port, secure) from an http(s) URL; ConnectionFailed if it is not one."""
    try:
        parts = urlsplit(url.strip())
        scheme, hostname = parts.scheme, parts.hostname
    except ValueError:  # e.g. an unclosed [ of an IPv6 literal
        scheme, hostname = "", None
    if scheme not in ("http", "https") or not hostname:
        raise ConnectionFailed(f"--url must be an http(s) URL such as http://localhost:8080, got {redact(url)!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ConnectionFailed(f"--url has an invalid port: {redact(url)!r}") from None
    return hostname, port, parts.scheme == "https"


def bracketed(host: str) -> str:
    """An IPv6 literal in the [brackets] host:port needs (gRPC targets, URLs)."""
    return f"[{host}]" if ":" in host else host


def connect(target: Target):
    """An open weaviate.WeaviateClient; one clear ConnectionFailed line when the cluster cannot be
    used. The client library is imported here: commands that only read the schema never load it."""
    quiet_client_warnings()
    import weaviate
    from weaviate.classes.init import AdditionalConfig, Auth, Timeout
    from weaviate.exceptions import WeaviateBaseError

    host, port, secure = parse_url(target.url)
    host = bracketed(host)
    try:
        return weaviate.connect_to_custom(
            http_host=host, http_port=port, http_secure=secure,
            grpc_host=host, grpc_port=target.grpc_port, grpc_secure=secure,
            headers=target.header_dict() or None,
            auth_credentials=Auth.api_key(target.api_key) if target.api_key else None,
            additional_config=AdditionalConfig(timeout=Timeout(init=10, query=60, insert=120)),
        )
    except (WeaviateBaseError, ValidationError) as error:  # the client's own config checks are pydantic's
        raise ConnectionFailed(f"cannot use Weaviate at {target.display} (gRPC port {target.grpc_port}): "
                               f"{redact(_first_line(error))}") from None


def _first_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return error.errors()[0]["msg"].removeprefix("Value error, ")
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
