"""How to reach a cluster: options from the command line or the environment -> a v4 client."""
from __future__ import annotations

from dataclasses import dataclass, field
import warnings
from urllib.parse import urlsplit

from pydantic import ValidationError

from .errors import ConnectionFailed


def quiet_client_warnings() -> None:
    """weaviate-client's auth dependency (authlib) forces its deprecation warnings to "always" and
    warns about its own internals on import: not actionable by our users, so hidden in front of
    its filter. Called before anything imports weaviate."""
    try:
        import authlib.deprecate  # noqa: F401
    except ImportError:  # pragma: no cover - older clients
        pass
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")


@dataclass(frozen=True)
class Target:
    """Where the cluster is and what to send with each request. Secrets live only in memory."""

    url: str = "http://localhost:8080"
    grpc_port: int = 50051
    api_key: str | None = field(default=None, repr=False)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def header_dict(self) -> dict[str, str]:
        return dict(self.headers)


def parse_url(url: str) -> tuple[str, int, bool]:
    """(host, port, secure) from an http(s) URL; ConnectionFailed if it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectionFailed(f"--url must be an http(s) URL such as http://localhost:8080, got {url!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ConnectionFailed(f"--url has an invalid port: {url!r}") from None
    return parts.hostname, port, parts.scheme == "https"


def connect(target: Target):
    """An open weaviate.WeaviateClient; one clear ConnectionFailed line when the cluster cannot be
    used. The client library is imported here: commands that only read the schema never load it."""
    quiet_client_warnings()
    import weaviate
    from weaviate.classes.init import AdditionalConfig, Auth, Timeout
    from weaviate.exceptions import WeaviateBaseError

    host, port, secure = parse_url(target.url)
    try:
        return weaviate.connect_to_custom(
            http_host=host, http_port=port, http_secure=secure,
            grpc_host=host, grpc_port=target.grpc_port, grpc_secure=secure,
            headers=target.header_dict() or None,
            auth_credentials=Auth.api_key(target.api_key) if target.api_key else None,
            additional_config=AdditionalConfig(timeout=Timeout(init=10, query=60, insert=120)),
        )
    except (WeaviateBaseError, ValidationError) as error:  # the client's own config checks are pydantic's
        raise ConnectionFailed(f"cannot use Weaviate at {target.url} (gRPC port {target.grpc_port}): "
                               f"{_first_line(error)}") from None


def _first_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return error.errors()[0]["msg"].removeprefix("Value error, ")
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
