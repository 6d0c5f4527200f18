"""Pre-flight: does the caller hold every permission a command will need? Asked of the server.

With RBAC on, Weaviate answers a read the caller may not make with a filtered list instead of an
error (GET /v1/aliases comes back empty), so a missing permission can make managed collections
look unmanaged. `GET /v1/users/own-info` lists the caller's roles and their permissions; each
need is matched against them (`*` patterns, as Weaviate matches them) before anything changes.
Roles absent mean no RBAC (nothing to check), unless RBAC refuses a read: a key with no role.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from fnmatch import fnmatchcase

from .changes import (AddNamedVector, AddProperty, Change, CreateCollection, DeleteCollection,
                      DiscardCopy, FinishHandOver, RecreateCollection, ReindexProperty, ScaleReplication,
                      UpdateInPlace)
from .errors import ConnectionFailed, SchemactlError
from .naming import next_version

EVERY = "*"


@dataclass(frozen=True)
class Need:
    """One permission: action (e.g. create_aliases) on a collection (and an alias, for aliases)."""

    action: str
    collection: str = EVERY
    alias: str | None = None
    why: str = ""
    verbosity: str | None = None  # read_nodes: "minimal" or "verbose" (minimal does not grant verbose)

    def describe(self) -> str:
        target = f"alias {self.alias} -> {self.collection}" if self.alias is not None else f"collection {self.collection}"
        level = f" ({self.verbosity})" if self.verbosity else ""
        return f"{self.action}{level} on {target}" + (f" ({self.why})" if self.why else "")


class MissingPermissions(SchemactlError):
    """The caller's roles lack permissions a command needs; nothing was changed."""


def own_permissions(reader) -> list[dict] | None:
    """The caller's permissions, or None when the server does not use RBAC, predates it, or the
    caller is anonymous (a wrong key is reported by the next read)."""
    status, info = reader.probe("/v1/users/own-info")
    if status >= 400:
        return None
    roles = info.get("roles")
    if not isinstance(roles, list):  # none, or not Weaviate's answer (read_cluster names that)
        # roles through OIDC groups go unlisted on some versions: nothing to conclude for such a caller
        return [] if not info.get("groups") and _refused_by_rbac(reader) else None
    return [p for role in roles if isinstance(role, dict) for p in role.get("permissions") or []
            if isinstance(p, dict)]


def missing(permissions: list[dict], needs: list[Need]) -> list[Need]:
    """The needs no permission grants, in order, without repeats."""
    out: list[Need] = []
    for need in needs:
        if not any(_grants(p, need) for p in permissions) and need not in out:
            out.append(need)
    return out


def _refused_by_rbac(reader) -> bool:
    """Whether RBAC refuses this caller a read every caller may make without RBAC. Weaviate (v1.39)
    answers `roles: null` both without RBAC and to a key with no role at all; such a key then
    reads the schema and the aliases as empty, so without this it would plan blind."""
    try:
        status, body = reader.request_status("GET", "/v1/cluster/statistics")
    except ConnectionFailed:  # no answer is no conclusion: the reads that follow say what is wrong
        return False
    return status == 403 and "rbac" in str(body).lower()


def check(permissions: list[dict] | None, needs: list[Need], doing: str) -> None:
    """MissingPermissions naming each need the caller's roles lack (None: no RBAC, nothing to check)."""
    if permissions is None:
        return
    lacking = missing(permissions, needs)
    if lacking:
        raise MissingPermissions(lacking_message(lacking, doing) + ". Nothing was changed; ask an admin to grant them")


def lacking_message(lacking: list[Need], doing: str) -> str:
    """Every permission missing (an admin grants them from this list: none is left out)."""
    return f"{doing} needs permissions your roles lack: {'; '.join(n.describe() for n in lacking)}"


def _grants(permission: dict, need: Need) -> bool:
    action = permission.get("action", "")
    domain = need.action.split("_", 1)[1]  # create_aliases -> aliases
    if action != need.action and action != f"manage_{domain}":
        return False
    scope = permission.get(domain) or {}
    if not fnmatchcase(need.collection, scope.get("collection") or EVERY):
        return False
    if need.verbosity == "verbose" and scope.get("verbosity") != "verbose":  # minimal: any (built-in roles
        return False  # name verbose alone, and may read both)
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


def for_the_cluster() -> list[Need]:
    """What apply reads of the cluster itself: without it Weaviate answers 403, and the checks
    built on it (every node up before replicated data moves, every node having applied each
    schema step, schemactl's records replicated as the nodes allow) could not be made."""
    return [Need("read_nodes", EVERY, why="see that every node is up, and how many there are", verbosity="minimal"),
            Need("read_cluster", EVERY, why="wait until every node has applied each schema change")]


def for_shard_status(physical: str) -> Need:
    """A copy reads its source's shard status on every node (`/v1/nodes/{c}?output=verbose`): which
    tenants take writes and whether its fence is in place everywhere, and, replicated, whether
    Weaviate's repair found its replicas alike."""
    return Need("read_nodes", physical, why=f"see the shards of {physical} on every node (its fence, its replicas)",
                verbosity="verbose")


def for_bookkeeping(lock: str, records: tuple[str, ...], dropped: tuple[str, ...] = ()) -> list[Need]:
    """schemactl's own lock and record collections (ledger, checkpoints); in `dropped`, records
    are deleted too (a copy's progress, once folded into its checkpoint or done)."""
    needs = [Need("create_collections", lock, why="take the apply lock"),
             Need("delete_collections", lock, why="release the apply lock")]
    for name in records:
        needs += [Need(action, name, why="schemactl's records")
                  for action in ("create_collections", "create_data", "read_data", "update_data")]
    return needs + [Need("delete_data", name, why="drop schemactl's records a copy is done with") for name in dropped]


@dataclass(frozen=True)
class LiveNames:
    """The live names a step's needs are worked out from."""

    classes: set[str]
    aliases: dict[str, str]
    multi_tenant: set[str]


def for_plan(steps, classes: set[str], aliases: dict[str, str], multi_tenant: set[str]) -> list[Need]:
    """Every permission the executable steps of a plan need, from the live names they touch."""
    names = LiveNames(classes, aliases, multi_tenant)
    return [need for step in steps if step.change.executable for need in NEEDS[type(step.change)](step.change, names)]


def _to_create(c: CreateCollection, names: LiveNames) -> list[Need]:
    physical, why = next_version(c.collection, names.classes | set(names.aliases)), f"create {c.collection}"
    return [Need("create_collections", physical, why=why), Need("create_aliases", physical, c.collection, why)]


def _to_update(c: Change, names: LiveNames) -> list[Need]:
    return [Need("update_collections", names.aliases.get(c.collection, c.collection), why=f"{c.kind} {c.collection}")]


def _to_scale(c: ScaleReplication, names: LiveNames) -> list[Need]:
    why = f"scale the replication of {c.collection}"
    return [Need("read_replicate", c.physical, why=why), Need("update_replicate", c.physical, why=why),
            Need("update_collections", c.physical, why=why)]


def _to_delete(c: DeleteCollection, names: LiveNames) -> list[Need]:
    needs = [Need("delete_collections", c.physical, why=f"delete {c.collection}")]
    if c.collection in names.aliases:
        needs.append(Need("delete_aliases", c.physical, c.collection, f"delete {c.collection}"))
    return needs


def _to_recreate(c: RecreateCollection, names: LiveNames) -> list[Need]:
    current = names.aliases.get(c.collection)
    multi_tenant = c.physical in names.multi_tenant
    old_alias = _renamed_alias(c, names)
    if current not in (None, c.physical):  # an earlier run of this saved plan moved the alias: what is left
        return _to_finish_hand_over(FinishHandOver(c.collection, physical=c.physical, target=current,
                                                   old_alias=old_alias, multi_tenant=multi_tenant), names)
    target = next_version(c.collection, names.classes | set(names.aliases) | {c.physical})
    why = f"recreate {c.collection}"
    needs = [Need("create_collections", target, why=why), Need("read_data", c.physical, why=why),
             *(Need(action, target, why=why) for action in ("create_data", "update_data", "delete_data", "read_data")),
             Need("update_tenants", c.physical, why=f"fence writes to {c.physical} while cutting over")]
    if multi_tenant:
        needs += [Need("read_tenants", c.physical, why=why),
                  *(Need(action, target, why=why) for action in ("create_tenants", "read_tenants", "update_tenants",
                                                                 "delete_tenants", "update_collections"))]
    if c.physical == c.collection:  # first cutover: the original makes way for the alias
        needs += [Need("delete_collections", c.physical, why=f"free the name {c.collection} for its alias"),
                  Need("create_aliases", target, c.collection, why)]
    elif current == c.physical:
        needs.append(Need("update_aliases", target, c.collection, why))
    else:  # a rename: the new name's alias is made, the old name's removed
        needs.append(Need("create_aliases", target, c.collection, why))
    if old_alias:
        needs.append(Need("delete_aliases", c.physical, old_alias, why))
    return needs


def _renamed_alias(c: RecreateCollection, names: LiveNames) -> str:
    """The alias of the name `c` renames the collection from, while it points at the old version."""
    old = c.definition.renamedFrom
    return old if old and old != c.collection and names.aliases.get(old) == c.physical else ""


def _to_finish_hand_over(c: FinishHandOver, names: LiveNames) -> list[Need]:
    why = f"finish the recreate of {c.collection}"
    renamed = [Need("delete_aliases", c.physical, c.old_alias, why)] if c.old_alias else []
    if not c.multi_tenant:
        return renamed
    return renamed + [Need("read_tenants", c.physical, why=why), Need("update_tenants", c.physical, why=why),
            Need("read_data", c.physical, why=why), Need("create_tenants", c.target, why=why),
            *(Need(action, c.target, why=why) for action in ("read_tenants", "update_tenants", "delete_tenants",
                                                            "create_data", "update_data", "delete_data", "read_data")),
            Need("update_collections", c.target, why=why)]


def _to_discard_copy(c: DiscardCopy, names: LiveNames) -> list[Need]:
    why = f"discard the stopped copy of {c.collection}"
    needs = [Need("delete_collections", c.target, why=why), Need("update_tenants", c.physical, why=why)]
    if c.physical in names.multi_tenant:  # its tenant settings back; the tenants it woke lifted and put back
        needs += [Need("update_collections", c.physical, why=why), Need("read_tenants", c.physical, why=why),
                  Need("read_tenants", c.target, why=why), Need("update_tenants", c.target, why=why)]
    return needs


# what each change kind needs (tests/test_change_kinds.py: one rule per kind)
NEEDS: dict[type, Callable[[Any, LiveNames], list[Need]]] = {
    CreateCollection: _to_create, AddProperty: _to_update, AddNamedVector: _to_update, UpdateInPlace: _to_update,
    ReindexProperty: _to_update, ScaleReplication: _to_scale, RecreateCollection: _to_recreate,
    FinishHandOver: _to_finish_hand_over, DiscardCopy: _to_discard_copy, DeleteCollection: _to_delete,
}
