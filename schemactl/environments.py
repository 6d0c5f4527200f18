"""Environments (`environments:` in schemactl.yaml): one set of collection files for dev, staging
and prod, as Atlas `env` blocks do. An environment says where its cluster is and how to reach it
(secrets only by the names of the variables that hold them), which policy applies there, and which
collection settings differ there (overrides laid over the files, e.g. a replication factor).

    environments:
      dev:
        url: http://localhost:8080
      prod:
        url: https://abc.c0.europe-west3.gcp.weaviate.cloud
        apiKeyEnv: WEAVIATE_PROD_KEY
        consistency: QUORUM
        policy: {allowDestructive: false}
        overrides:
          "*": {replicationConfig: {factor: 3}}
          Article: {vectorizer: {endpointURL: https://hf.example.com/models/minilm}}

Reading the variables an environment names (read_variable) happens where a Target is made.
"""
from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .errors import SchemactlError

ENV_NAME = r"^[A-Za-z][A-Za-z0-9_-]*$"
VARIABLE = r"^[A-Za-z_][A-Za-z0-9_]*$"
EVERY_COLLECTION = "*"


class Environment(BaseModel):
    """One environment's block (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    grpcUrl: str | None = None
    grpcPort: int | None = Field(default=None, ge=1, le=65535)
    caCert: str | None = None
    timeout: float | None = Field(default=None, ge=0.1, le=86400, allow_inf_nan=False)  # seconds any one request may take there
    apiKeyEnv: str | None = Field(default=None, pattern=VARIABLE)  # the variable holding the API key
    bearerTokenEnv: str | None = Field(default=None, pattern=VARIABLE)
    # an OIDC login there: the variables holding its secrets (WEAVIATE_OIDC_* are never read under --env)
    oidcClientSecretEnv: str | None = Field(default=None, pattern=VARIABLE)
    oidcUsernameEnv: str | None = Field(default=None, pattern=VARIABLE)
    oidcPasswordEnv: str | None = Field(default=None, pattern=VARIABLE)
    oidcClientId: str | None = None  # default: the one the cluster names
    oidcScope: str | None = None  # default: the scopes the cluster names
    consistency: Literal["ALL", "QUORUM", "ONE"] | None = None  # apply's default there
    policy: dict[str, Any] | None = None  # replaces the file's policy block there
    # collection name (or "*" for every one) -> settings laid over its file
    overrides: dict[str, dict[str, Any]] = {}
    # where the file it was read from has an override's key: (file, line, column), asked only when a
    # finding needs it (finding positions parses the file a second time)
    _locate: Callable[[str], tuple[str, int, int]] | None = PrivateAttr(default=None)

    def override_at(self, name: str) -> tuple[str, int, int] | None:
        return self._locate(name) if self._locate is not None and name in self.overrides else None

    def located(self, locate: Callable[[str], tuple[str, int, int]]) -> None:
        """Record how to find an override's key (set by the policy file's reader)."""
        self._locate = locate


@dataclass(frozen=True)
class Chosen:
    """The environment a command runs in (--env): its name and its block."""

    name: str
    settings: Environment = field(compare=False)


def read_variable(environment: str, name: str, what: str) -> str:
    """The value of the variable `name` an environment reads its `what` from; refused when unset or empty."""
    value = os.environ.get(name)
    if not value:
        how = "is empty" if value == "" else "is not set"
        raise SchemactlError(f"environment {environment} reads its {what} from the variable {name}, which {how}")
    return value


def oidc_variables(environment: Environment) -> dict[str, str | None]:
    """Which variable holds each OIDC value there (oidc.from_environment's `variables`)."""
    return {"client_secret": environment.oidcClientSecretEnv, "username": environment.oidcUsernameEnv,
            "password": environment.oidcPasswordEnv, "client_id": None, "scope": None}


def overrides_for(environment: Environment | None, collection: str) -> list[dict[str, Any]]:
    """The overrides that apply to `collection`, the general one first."""
    if environment is None:
        return []
    found = environment.overrides
    return [found[k] for k in (EVERY_COLLECTION, collection) if k in found]


def with_overrides(data: Any, environment: Environment | None) -> Any:
    """A collection file's data with the environment's overrides laid over it: mappings merge,
    anything else (lists, values) is replaced."""
    if not isinstance(data, dict) or environment is None:
        return data
    out = copy.deepcopy(data)
    for override in overrides_for(environment, str(data.get("name", ""))):
        out = _laid_over(out, override)
    return out


def _laid_over(base: dict, values: dict) -> dict:
    for key, value in values.items():
        base[key] = _laid_over(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) \
            else copy.deepcopy(value)
    return base


def overridden_paths(environment: Environment | None, collection: str) -> list[str]:
    """The dotted settings an environment sets for `collection` (for the plan to show)."""
    paths: list[str] = []
    for override in overrides_for(environment, collection):
        paths += _leaves(override, "")
    return sorted(set(paths))


def _leaves(values: dict, prefix: str) -> list[str]:
    out = []
    for key, value in values.items():
        out += _leaves(value, f"{prefix}{key}.") if isinstance(value, dict) and value else [f"{prefix}{key}"]
    return out


def valid_name(name: str) -> bool:
    return re.match(ENV_NAME, name) is not None
