"""Tenants of a multi-tenant collection, named by the alias applications use or by the physical
collection, and what plans say about tenants behind an alias.

Weaviate's tenant endpoints do not resolve aliases for changes (versions.py, `alias_tenant_endpoints`):
on v1.39.0 POST, PUT and DELETE /v1/schema/<alias>/tenants answer 422 "class not found" (reads do
resolve it). Every request here goes to the collection the alias points at, asked for through
GET /v1/aliases/{name}, and carries many tenants at once.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from . import tenant_ops, versions
from .changes import Change, CreateCollection, DeleteCollection, RecreateCollection
from .errors import RequestRefused, SchemactlError
from .live import RestClient, tenant_status
from .naming import version_of
from .rest_json import multi_tenant_json
from .spec import Collection

STATUSES = ("HOT", "COLD")  # what schemactl sets; FROZEN needs an offload module
TENANT_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # Weaviate's rule
COLLECTION_NAME = re.compile(r"[A-Za-z][_0-9A-Za-z]{0,254}")
CREATE_PER_REQUEST = 1000
DELETE_PER_REQUEST = 1000
NAMES_SHOWN = 10


@dataclass(frozen=True)
class Where:
    """The collection tenant requests go to, the aliases that point at it, and a note for the reader."""

    physical: str
    aliases: tuple[str, ...] = ()
    note: str = ""

    def describe(self) -> str:
        return self.physical + (f" (behind alias {', '.join(self.aliases)})" if self.aliases else "")


@dataclass(frozen=True)
class Tenant:
    name: str
    status: str  # HOT, COLD, FROZEN, or a transition the server reports (FREEZING, ...)


@dataclass(frozen=True)
class Outcome:
    """What a create, status change or delete did."""

    where: Where
    changed: tuple[str, ...]  # tenants created, changed or deleted
    unchanged: tuple[str, ...] = ()  # already as asked (created before; already in that status)


# ---- input ------------------------------------------------------------------------------------

def parse_names(values: Iterable[str]) -> tuple[str, ...]:
    """Tenant names from comma-separated lists, in order, each once; SchemactlError naming the
    invalid ones."""
    values = list(values)
    names = [n.strip() for value in values for n in value.split(",") if n.strip()]
    if not names:
        raise SchemactlError("no tenant names given (comma-separated, e.g. acme,globex)")
    gapped = [value for value in values if any(not n.strip() for n in value.split(",")[:-1])]  # a last "," is fine
    if gapped:
        raise SchemactlError(f"a tenant name missing in {_listed([repr(v) for v in gapped])}: nothing between two "
                             "commas, or before the first")
    bad = [n for n in names if not TENANT_NAME.fullmatch(n)]
    if bad:
        raise SchemactlError(f"invalid tenant name(s) {_listed([repr(n) for n in bad])}: letters, digits, '_' and "
                             "'-', 1 to 64 characters")
    return tuple(dict.fromkeys(names))


def parse_status(value: str) -> str:
    status = value.upper()
    if status not in STATUSES:
        raise SchemactlError(f"invalid tenant status {value!r} (expected one of: {', '.join(STATUSES)})")
    return status


# ---- reading ----------------------------------------------------------------------------------

def resolve(reader: RestClient, name: str) -> Where:
    """The multi-tenant collection `name` (an alias or a collection) stands for."""
    if not COLLECTION_NAME.fullmatch(name):
        raise SchemactlError(f"{name!r} is not a collection or alias name (letters, digits and '_', "
                             "starting with a letter)")
    # a role without the right to read aliases gets 403 here: the schema read below resolves
    # an alias by itself (v1.39), so the command still works for it
    alias = _alias(reader, name)
    body = reader.get_or_none(f"/v1/schema/{alias['class'] if alias else name}")
    if body is None:
        if alias:
            raise SchemactlError(f"alias {alias['alias']} points at {alias['class']}, which does not exist")
        raise SchemactlError(f"no collection or alias named {name} in the cluster")
    physical = body["class"]
    if not multi_tenant_json(body):
        raise SchemactlError(f"{physical} is not multi-tenant (multiTenancyConfig.enabled is off): it has no tenants")
    _, found = reader.probe(f"/v1/aliases?class={physical}")
    served = tuple(sorted(a["alias"] for a in found.get("aliases") or []))
    return Where(physical, served, "" if served else _old_version_note(reader, physical))


def _alias(reader: RestClient, name: str) -> dict | None:
    """{"alias", "class"} when `name` is an alias the caller may read, else None."""
    status, found = reader.probe(f"/v1/aliases/{name}")
    return found if status == 200 and found.get("class") else None


def _old_version_note(reader: RestClient, physical: str) -> str:
    """A version no alias serves, when its logical name is an alias to another (kept for rollback,
    or left behind by one: `plan` says which)."""
    found = version_of(physical)
    current = _alias(reader, found[0]) if found else None
    if not current or current["class"] == physical:
        return ""
    return (f"note: {physical} is a version no alias serves; the application reads {current['class']} "
            f"through the alias {current['alias']}")


def list_tenants(reader: RestClient, where: Where) -> list[Tenant]:
    """Every tenant with its activity status, by name."""
    found = tenant_ops.list_tenants(reader, where.physical)
    return sorted((Tenant(name, tenant_status(status)) for name, status in found.items()), key=lambda t: t.name)


# ---- changing ---------------------------------------------------------------------------------

def create(reader: RestClient, where: Where, names: Sequence[str], status: str = "HOT") -> Outcome:
    """Create the tenants that do not exist yet, in `status`; existing ones are left as they are."""
    existing = {t.name for t in list_tenants(reader, where)}
    new = [n for n in names if n not in existing]
    _in_requests(reader, "POST", where, new, CREATE_PER_REQUEST, "created",
                 lambda chunk: [{"name": n, "activityStatus": status} for n in chunk])
    return Outcome(where, tuple(new), tuple(n for n in names if n in existing))


def set_status(reader: RestClient, where: Where, names: Sequence[str], status: str) -> Outcome:
    """Put the tenants in `status` (HOT or COLD); unknown names refuse the whole request."""
    current = {t.name: t.status for t in list_tenants(reader, where)}
    _refuse_unknown(where, names, current)
    moving = [n for n in names if current[n] != status]
    _in_requests(reader, "PUT", where, moving, tenant_ops.UPDATE_PER_REQUEST, f"set {status}",
                 lambda chunk: [{"name": n, "activityStatus": status} for n in chunk])
    return Outcome(where, tuple(moving), tuple(n for n in names if current[n] == status))


def delete(reader: RestClient, where: Where, names: Sequence[str]) -> Outcome:
    """Delete the tenants and their objects; unknown names refuse the whole request."""
    current = {t.name for t in list_tenants(reader, where)}
    _refuse_unknown(where, names, current)
    _in_requests(reader, "DELETE", where, list(names), DELETE_PER_REQUEST, "deleted", list)
    return Outcome(where, tuple(names))


def _refuse_unknown(where: Where, names: Sequence[str], current: Iterable[str]) -> None:
    known = set(current)
    missing = [n for n in names if n not in known]
    if missing:
        raise SchemactlError(f"no tenant named {_listed(missing)} in {where.describe()}; nothing was changed")


def _in_requests(reader: RestClient, method: str, where: Where, names: list[str], per_request: int,
                 done: str, body: Callable[[list[str]], list]) -> None:
    """`names` in requests of `per_request`; a refusal says how many the earlier requests did."""
    path = f"/v1/schema/{where.physical}/tenants"
    for start in range(0, len(names), per_request):
        chunk = names[start:start + per_request]
        try:
            reader.send(method, path, body(chunk), f"{method} {path} ({len(chunk)} tenants)")
        except RequestRefused as error:
            raise SchemactlError(f"{error} ({start} of {len(names)} tenant(s) {done} before it)") from None


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")


# ---- what plans say -----------------------------------------------------------------------------

def plan_warnings(changes: Iterable[Change], desired: dict[str, Collection], aliases: dict[str, str],
                  server_version: str) -> tuple[str, ...]:
    """One line per multi-tenant collection the plan changes that is (or will be) behind an alias,
    on a server whose tenant endpoints do not resolve aliases: what the application must do."""
    if versions.has("alias_tenant_endpoints", server_version):
        return ()
    lines: dict[str, str] = {}
    for name in _behind_alias(changes, aliases):
        definition = desired.get(name)
        if definition is not None and definition.multi_tenant:
            lines.setdefault(name, alias_advice(definition, server_version, served=name in aliases))
    return tuple(lines.values())


def offloaded_refusals(reader: RestClient, changes: Iterable[Change], classes: Iterable[str]) -> list[str]:
    """For each multi-tenant collection the plan copies: why not, if some of its tenants are
    offloaded. Asked at plan time and again before apply's first change."""
    present = set(classes)
    found = []
    for change in changes:
        if isinstance(change, RecreateCollection) and change.definition.multi_tenant \
                and change.physical in present:
            refusal = tenant_ops.offloaded_refusal(change.physical, tenant_ops.list_tenants(reader, change.physical))
            if refusal:
                found.append(f"recreate {change.collection}: {refusal}")
    return found


def _behind_alias(changes: Iterable[Change], aliases: dict[str, str]) -> Iterator[str]:
    """Collections changed by the plan that an alias serves now, or will once it is applied."""
    for change in changes:
        if isinstance(change, DeleteCollection):
            continue
        if change.collection in aliases or isinstance(change, (CreateCollection, RecreateCollection)):
            yield change.collection


def alias_advice(collection: Collection, server_version: str, *, served: bool = True) -> str:
    """What an application must do for tenants of `collection` behind its alias (`served`: it is
    already; else once the plan is applied), in one line."""
    name = collection.name
    mt = collection.multiTenancyConfig
    physical = f'client.alias.get(alias_name="{name}").collection in weaviate-client v4, asked again after each apply'
    through = "served through the alias" if served else "to be served, once this plan is applied, through the alias"
    head = (f"{name} is multi-tenant and {through} {name}, but Weaviate {server_version} does not "
            f"resolve aliases for tenant changes (creating, deleting or changing the status of a tenant through "
            f"{name} fails with 'class not found')")
    if mt is not None and mt.autoTenantCreation:
        return (f"{head}: inserts through {name} still create tenants (autoTenantCreation); delete them or change "
                f"their status on the collection the alias points at ({physical}) or with `schemactl tenants {name}`")
    return (f"{head}: with autoTenantCreation off, the application must create tenants on the collection the "
            f"alias points at ({physical}), or turn autoTenantCreation on; `schemactl tenants {name}` "
            "manages them by this name")
