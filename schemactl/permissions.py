"""Pre-flight: does the caller hold every permission a command will need? Asked of the server.

With RBAC on, Weaviate answers a read the caller may not make with a filtered list instead of an
error (GET /v1/aliases comes back empty), so a missing permission can make managed collections
look unmanaged. `GET /v1/users/own-info` lists the caller's roles and their permissions; each
need is matched against them (`*` patterns, as Weaviate matches them) before anything changes.
Without RBAC (roles absent), there is nothing to check.
"""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from .changes import (AddNamedVector, AddProperty, CreateCollection, DeleteCollection, RecreateCollection,
                      ReindexProperty, ScaleReplication, UpdateInPlace)
from .errors import SchemactlError
from .live import next_physical

EVERY = "*"


@dataclass(frozen=True)
class Need:
    """One permission: action (e.g. create_aliases) on a collection (and an alias, for aliases)."""

    action: str
    collection: str = EVERY
    alias: str | None = None
    why: str = ""

    def describe(self) -> str:
        target = f"alias {self.alias} -> {self.collection}" if self.alias is not None else f"collection {self.collection}"
        return f"{self.action} on {target}" + (f" ({self.why})" if self.why else "")


class MissingPermissions(SchemactlError):
    """The caller's roles lack permissions a command needs; nothing was changed."""


def own_permissions(reader) -> list[dict] | None:
    """The caller's permissions, or None when the server does not use RBAC, predates it, or the
    caller is anonymous (a wrong key is reported by the next read)."""
    status, info = reader.probe("/v1/users/own-info")
    if status >= 400:
        return None
    roles = info.get("roles")
    if roles is None:
        return None
    return [p for role in roles for p in role.get("permissions") or []]


def missing(permissions: list[dict], needs: list[Need]) -> list[Need]:
    """The needs no permission grants, in order, without repeats."""
    out: list[Need] = []
    for need in needs:
        if not any(_grants(p, need) for p in permissions) and need not in out:
            out.append(need)
    return out


def check(permissions: list[dict] | None, needs: list[Need], doing: str) -> None:
    """MissingPermissions naming each need the caller's roles lack (None: no RBAC, nothing to check)."""
    if permissions is None:
        return
    lacking = missing(permissions, needs)
    if lacking:
        raise MissingPermissions(lacking_message(lacking, doing) + ". Nothing was changed; ask an admin to grant them")


def lacking_message(lacking: list[Need], doing: str) -> str:
    listed = "; ".join(n.describe() for n in lacking[:8]) + (f"; and {len(lacking) - 8} more"
                                                           if len(lacking) > 8 else "")
    return f"{doing} needs permissions your roles lack: {listed}"


def _grants(permission: dict, need: Need) -> bool:
    action = permission.get("action", "")
    domain = need.action.split("_", 1)[1]  # create_aliases -> aliases
    if action != need.action and action != f"manage_{domain}":
        return False
    scope = permission.get(domain) or {}
    if not fnmatchcase(need.collection, scope.get("collection") or EVERY):
        return False
    return need.alias is None or fnmatchcase(need.alias, scope.get("alias") or EVERY)


# ---- what commands need ----------------------------------------------------------------------

def to_read_cluster() -> list[Need]:
    """Reading the whole schema and every alias: without them plan would be blind."""
    return [Need("read_collections", why="read the schema"),
            Need("read_aliases", EVERY, EVERY, "see which collections schemactl manages")]


def for_probe(prefix: str) -> list[Need]:
    """`--probe`: a throwaway collection, embedded into, read back and deleted."""
    why = "probe a changed vectorization in a throwaway collection (--probe)"
    return [Need(action, f"{prefix}*", why=why)
            for action in ("create_collections", "create_data", "read_data", "delete_collections")]


def for_bookkeeping(lock: str, records: tuple[str, ...]) -> list[Need]:
    """schemactl's own lock and record collections (ledger, checkpoints)."""
    needs = [Need("create_collections", lock, why="take the apply lock"),
             Need("delete_collections", lock, why="release the apply lock")]
    for name in records:
        needs += [Need(action, name, why="schemactl's records")
                  for action in ("create_collections", "create_data", "read_data", "update_data")]
    return needs


def for_plan(steps, classes: set[str], aliases: dict[str, str], multi_tenant: set[str]) -> list[Need]:
    """Every permission the executable steps of a plan need, from the live names they touch."""
    needs: list[Need] = []
    for step in steps:
        c = step.change
        if not c.executable:
            continue
        if isinstance(c, CreateCollection):
            physical, why = next_physical(c.collection, classes), f"create {c.collection}"
            needs += [Need("create_collections", physical, why=why), Need("create_aliases", physical, c.collection, why)]
        elif isinstance(c, (AddProperty, AddNamedVector, UpdateInPlace, ReindexProperty)):
            physical = aliases.get(c.collection, c.collection)
            needs.append(Need("update_collections", physical, why=f"{c.kind} {c.collection}"))
        elif isinstance(c, ScaleReplication):
            why = f"scale the replication of {c.collection}"
            needs += [Need("read_replicate", c.physical, why=why), Need("update_replicate", c.physical, why=why),
                      Need("update_collections", c.physical, why=why)]
        elif isinstance(c, RecreateCollection):
            needs += _to_recreate(c, next_physical(c.collection, classes | {c.physical}), c.physical in multi_tenant)
        elif isinstance(c, DeleteCollection):
            needs.append(Need("delete_collections", c.physical, why=f"delete {c.collection}"))
            if c.collection in aliases:
                needs.append(Need("delete_aliases", c.physical, c.collection, f"delete {c.collection}"))
    return needs


def _to_recreate(c: RecreateCollection, target: str, multi_tenant: bool) -> list[Need]:
    why = f"recreate {c.collection}"
    needs = [Need("create_collections", target, why=why), Need("read_data", c.physical, why=why),
             *(Need(action, target, why=why) for action in ("create_data", "update_data", "delete_data", "read_data")),
             Need("update_tenants", c.physical, why=f"fence writes to {c.physical} while cutting over")]
    if multi_tenant:
        needs += [Need("read_tenants", c.physical, why=why), Need("create_tenants", target, why=why)]
    if c.physical == c.collection:  # first cutover: the original makes way for the alias
        needs += [Need("delete_collections", c.physical, why=f"free the name {c.collection} for its alias"),
                  Need("create_aliases", target, c.collection, why)]
    else:
        needs.append(Need("update_aliases", target, c.collection, why))
    return needs
