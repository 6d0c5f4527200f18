"""A multi-tenant application on a collection behind an alias, with a log of every operation it was
told succeeded.

DEVELOPMENT AND TEST AID. A SaaS application on `Mt` (an alias schemactl keeps pointing at `Mt_v1`,
`Mt_v2`, ...): seeded threads sign customers up — a new tenant created by the physical name the
alias points at (resolved for every operation: v1.39's tenant endpoints do not resolve aliases), or
by an insert through the alias when the collection has `autoTenantCreation` — insert, update and
delete their objects through the alias, delete whole tenants, and put tenants to sleep (COLD) and
wake them (HOT). Objects in a COLD tenant are written only when the collection has
`autoTenantActivation` (the write wakes the tenant).

Every tenant belongs to one thread, which runs its operations in order and retries a refused one
until the server acknowledges it, so the acknowledged operations imply one exact final state:
`expected()`. `audit()` compares what the alias serves with it: tenants, their statuses, objects,
vectors.
"""
from __future__ import annotations

import random
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field

from .embedder import embed
from .workload import GIVE_UP, _same_direction, document, paced

HOT, COLD = "HOT", "COLD"
# one thread's next operation; "create" signs a customer up (by auto-creation for half of them
# when the collection creates tenants on insert), "drop" deletes a whole tenant
MIX = (("create", 0.12), ("insert", 0.30), ("update", 0.25), ("delete", 0.10), ("drop", 0.05), ("status", 0.18))
FIRST_OBJECTS = 2  # objects a customer inserts right after signing up
GRACE = 5.0  # seconds an operation in flight when the workload stops is still retried


def seed_tenants(tenants: int, per_tenant: int, seed: int, *, cold: int = 0
                 ) -> tuple[dict[str, dict[str, dict]], dict[str, str]]:
    """`tenants` tenants of `per_tenant` objects each, the first `cold` of them (by name) COLD:
    (tenant -> uuid -> properties, tenant -> status)."""
    rng = random.Random(seed)
    objects: dict[str, dict[str, dict]] = {}
    for t in range(tenants):
        name = f"customer{t:05d}"
        objects[name] = {str(uuidlib.UUID(int=rng.getrandbits(128), version=4)): document(rng, t * per_tenant + n)
                         for n in range(per_tenant)}
    statuses = {name: COLD if i < cold else HOT for i, name in enumerate(sorted(objects))}
    return objects, statuses


def physical(client, alias: str) -> str:
    """The collection `alias` points at now (tenant operations need it on v1.39)."""
    found = client.alias.get(alias_name=alias)
    return found.collection if found is not None else alias


def load(client, alias: str, objects: dict[str, dict[str, dict]], statuses: dict[str, str]) -> None:
    """Create the tenants (one request, by the physical name), import their objects through the
    alias, then put the COLD ones to sleep."""
    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    target = client.collections.use(physical(client, alias))
    target.tenants.create([Tenant(name=t) for t in objects])
    with client.batch.fixed_size(batch_size=500, concurrent_requests=2) as batch:
        for tenant, owned in objects.items():
            for uuid, props in owned.items():
                batch.add_object(collection=alias, properties=props, uuid=uuid, tenant=tenant)
    failed = client.batch.failed_objects
    if failed:
        raise RuntimeError(f"{len(failed)} object(s) not imported: {failed[0].message}")
    cold = [Tenant(name=t, activity_status=TenantActivityStatus.INACTIVE) for t, s in statuses.items() if s == COLD]
    if cold:
        target.tenants.update(cold)


@dataclass
class Ack:
    at: float  # time.monotonic() when the server answered success
    op: str  # create | auto-create | insert | update | delete | drop | hot | cold
    tenant: str
    uuid: str = ""


@dataclass
class Owner:
    """One thread's tenants, as its acknowledged operations left them."""

    index: int
    objects: dict[str, dict[str, dict]]  # tenant -> uuid -> properties
    status: dict[str, str]  # tenant -> HOT | COLD
    dropped: set[str] = field(default_factory=set)  # tenants deleted, acknowledged
    deleted: dict[str, set[str]] = field(default_factory=dict)  # tenant -> uuids deleted last
    acks: list[Ack] = field(default_factory=list)
    refused: int = 0  # attempts the server refused (each retried)
    last_refusal: str = ""
    unresolved: list[Ack] = field(default_factory=list)  # never acknowledged: what they touched is unknown


@dataclass(frozen=True)
class Expected:
    """The final state the acknowledged operations imply."""

    objects: dict[str, dict[str, dict]]  # tenant -> uuid -> properties
    statuses: dict[str, str]  # tenant -> HOT | COLD
    dropped: frozenset[str]  # tenants the application deleted
    deleted: dict[str, frozenset[str]]  # tenant -> uuids whose last acknowledged write was a delete
    # what an operation never acknowledged touched, not audited: (tenant, uuid), or (tenant, "") for the
    # tenant itself (its existence and status)
    unknown: frozenset[tuple[str, str]] = frozenset()
    # autoTenantActivation on: any read of a COLD tenant wakes it (v1.39: a GET of its objects, or a
    # write the server then refuses), so a tenant the application put to sleep may be found awake
    reads_wake: bool = False

    @property
    def object_count(self) -> int:
        return sum(len(owned) for owned in self.objects.values())


class TenantWorkload:
    """`threads` threads sharing `rate` operations/s over the seeded tenants (split by name)."""

    def __init__(self, connect: Callable, alias: str, objects: dict[str, dict[str, dict]], statuses: dict[str, str],
                 *, rate: float, seed: int, threads: int = 3, auto_creation: bool = False,
                 auto_activation: bool = False, give_up: float = GIVE_UP):
        self._connect, self._alias, self._rate, self._seed = connect, alias, rate, seed
        self.auto_creation, self.auto_activation, self._give_up = auto_creation, auto_activation, give_up
        names = sorted(objects)
        self.owners = [Owner(i, {t: dict(objects[t]) for t in names[i::threads]},
                             {t: statuses.get(t, HOT) for t in names[i::threads]}) for i in range(threads)]
        self._stop = threading.Event()
        self._stopped_at = float("inf")
        self._threads: list[threading.Thread] = []

    def start(self) -> TenantWorkload:
        if self._rate > 0:
            for owner in self.owners:
                thread = threading.Thread(target=self._run, args=(owner,), daemon=True)
                thread.start()
                self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop every thread (an operation in flight is retried for GRACE seconds more); idempotent."""
        if not self._stop.is_set():
            self._stopped_at = time.monotonic()
            self._stop.set()
        for thread in self._threads:
            thread.join()

    def acks(self) -> list[Ack]:
        return sorted((a for o in self.owners for a in o.acks), key=lambda a: a.at)

    def expected(self) -> Expected:
        unknown = frozenset((a.tenant, "") for a in self.unresolved if a.op not in ("insert", "update", "delete")) \
            | frozenset((a.tenant, a.uuid) for a in self.unresolved if a.uuid)
        return Expected(objects={t: dict(owned) for o in self.owners for t, owned in o.objects.items()},
                        statuses={t: s for o in self.owners for t, s in o.status.items()},
                        dropped=frozenset(t for o in self.owners for t in o.dropped),
                        deleted={t: frozenset(u) for o in self.owners for t, u in o.deleted.items()},
                        unknown=unknown, reads_wake=self.auto_activation)

    @property
    def refused(self) -> int:
        return sum(o.refused for o in self.owners)

    @property
    def unresolved(self) -> list[Ack]:
        return [a for o in self.owners for a in o.unresolved]

    # ---- one thread ---------------------------------------------------------------------------

    def _run(self, owner: Owner) -> None:
        rng = random.Random(self._seed * 1000 + owner.index)
        client = self._connect()
        try:
            paced(self._stop, len(self.owners) / self._rate, lambda n: self._one_operation(owner, client, rng, n))
        finally:
            client.close()

    def _writable(self, owner: Owner) -> list[str]:
        """Tenants whose objects may be written now (a COLD one only if the write wakes it)."""
        return sorted(t for t in owner.objects if owner.status[t] == HOT or self.auto_activation)

    def _one_operation(self, owner: Owner, client, rng: random.Random, n: int) -> None:
        op = rng.choices([m for m, _ in MIX], [w for _, w in MIX])[0]
        writable = self._writable(owner)
        filled = [t for t in writable if owner.objects[t]]
        if op in ("update", "delete") and not filled:
            op = "insert"
        if op == "insert" and not writable:
            op = "create"
        if op in ("drop", "status") and len(owner.objects) < 3:
            op = "create"
        if op == "create":
            self._sign_up(owner, client, rng, n)
        elif op == "drop":
            self._drop(owner, client, rng.choice(sorted(owner.objects)))
        elif op == "status":
            tenant = rng.choice(sorted(owner.objects))
            self._set_status(owner, client, tenant, COLD if owner.status[tenant] == HOT else HOT)
        elif op == "insert":
            tenant = rng.choice(writable)
            self._write(owner, client, "insert", tenant, self._new_uuid(rng), document(rng, self._rank(owner, n)))
        else:
            tenant = rng.choice(filled)
            uuid = rng.choice(sorted(owner.objects[tenant]))
            self._write(owner, client, op, tenant, uuid, document(rng, n) if op == "update" else None)

    def _sign_up(self, owner: Owner, client, rng: random.Random, n: int) -> None:
        """A new customer: a new tenant, then its first objects."""
        tenant = f"s{self._seed}w{owner.index}n{n}"
        if self.auto_creation and rng.random() < 0.5:
            if not self._write(owner, client, "auto-create", tenant, self._new_uuid(rng),
                               document(rng, self._rank(owner, n))):
                return
            first = FIRST_OBJECTS - 1
        else:
            if not self._create(owner, client, tenant):
                return
            first = FIRST_OBJECTS
        for k in range(first):
            self._write(owner, client, "insert", tenant, self._new_uuid(rng), document(rng, self._rank(owner, n) + k))

    @staticmethod
    def _new_uuid(rng: random.Random) -> str:
        return str(uuidlib.UUID(int=rng.getrandbits(128), version=4))

    @staticmethod
    def _rank(owner: Owner, n: int) -> int:
        return 1_000_000 * (owner.index + 1) + 10 * n

    # ---- operations, each retried until acknowledged ------------------------------------------

    def _until_acknowledged(self, owner: Owner, attempt: Callable[[], object], what: Ack) -> bool:
        deadline = time.monotonic() + self._give_up
        while time.monotonic() < min(deadline, self._stopped_at + GRACE):
            try:
                attempt()
                what.at = time.monotonic()
                owner.acks.append(what)
                return True
            except Exception as error:  # noqa: BLE001 - any refusal is retried, and counted
                owner.refused += 1
                owner.last_refusal = f"{what.op} {what.tenant}: {str(error)[:300]}"
            time.sleep(0.05)
        owner.unresolved.append(what)
        return False

    def _create(self, owner: Owner, client, tenant: str) -> bool:
        """By the physical name, resolved for each attempt (creating an existing tenant is a no-op)."""
        from weaviate.classes.tenants import Tenant

        def attempt() -> None:
            client.collections.use(physical(client, self._alias)).tenants.create([Tenant(name=tenant)])

        if not self._until_acknowledged(owner, attempt, Ack(0.0, "create", tenant)):
            return False
        owner.objects[tenant], owner.status[tenant] = {}, HOT
        return True

    def _drop(self, owner: Owner, client, tenant: str) -> bool:
        """Delete a whole tenant by the physical name (deleting a missing tenant is a no-op)."""
        def attempt() -> None:
            client.collections.use(physical(client, self._alias)).tenants.remove([tenant])

        if not self._until_acknowledged(owner, attempt, Ack(0.0, "drop", tenant)):
            return False
        del owner.objects[tenant], owner.status[tenant]
        owner.deleted.pop(tenant, None)
        owner.dropped.add(tenant)
        return True

    def _set_status(self, owner: Owner, client, tenant: str, status: str) -> bool:
        from weaviate.classes.tenants import Tenant, TenantActivityStatus

        wanted = TenantActivityStatus.ACTIVE if status == HOT else TenantActivityStatus.INACTIVE

        def attempt() -> None:
            client.collections.use(physical(client, self._alias)).tenants.update(
                [Tenant(name=tenant, activity_status=wanted)])

        if not self._until_acknowledged(owner, attempt, Ack(0.0, status.lower(), tenant)):
            return False
        owner.status[tenant] = status
        return True

    def _write(self, owner: Owner, client, op: str, tenant: str, uuid: str, props: dict | None) -> bool:
        """One object through the alias: insert (or replace, when a refused insert had landed after
        all), replace, delete. `auto-create` inserts into a tenant that does not exist yet."""
        collection = client.collections.use(self._alias).with_tenant(tenant)
        insert = op in ("insert", "auto-create")

        def attempt() -> None:
            nonlocal insert
            try:
                if props is None:
                    collection.data.delete_by_id(uuid)  # False (already gone) is the same end state
                elif insert:
                    collection.data.insert(properties=props, uuid=uuid)
                else:
                    collection.data.replace(uuid=uuid, properties=props)
            except Exception as error:
                insert = insert and "already exists" not in str(error)
                raise

        if not self._until_acknowledged(owner, attempt, Ack(0.0, op, tenant, uuid)):
            return False
        owned = owner.objects.setdefault(tenant, {})
        owner.status[tenant] = HOT  # a new tenant is HOT; a write wakes a COLD one (autoTenantActivation)
        if props is None:
            owned.pop(uuid, None)
            owner.deleted.setdefault(tenant, set()).add(uuid)
        else:
            owned[uuid] = props
            owner.deleted.get(tenant, set()).discard(uuid)
        return True


# ---- audit ----------------------------------------------------------------------------------

@dataclass
class TenantAudit:
    """The alias's final state against the acknowledged operations."""

    tenants: int = 0  # tenants of the collection the alias points at
    objects: int = 0  # objects read from them
    tenants_missing: list[str] = field(default_factory=list)  # expected, absent
    tenants_resurrected: list[str] = field(default_factory=list)  # deleted and acknowledged, present
    tenants_unexpected: list[str] = field(default_factory=list)  # present, never created by the application
    statuses_wrong: list[tuple[str, str, str]] = field(default_factory=list)  # (tenant, expected, found)
    inserts_lost: list[tuple[str, str]] = field(default_factory=list)  # (tenant, uuid) acknowledged, absent
    updates_reverted: list[tuple[str, str]] = field(default_factory=list)  # present with other content
    deletes_resurrected: list[tuple[str, str]] = field(default_factory=list)  # deleted and acknowledged, present
    vectors_wrong: list[tuple[str, str]] = field(default_factory=list)  # not the model's embedding of the text
    woken: list[str] = field(default_factory=list)  # COLD tenants woken to be read, then put back
    not_read: list[str] = field(default_factory=list)  # COLD tenants left asleep, their objects unchecked
    unknown: int = 0  # tenants and objects not audited: an operation on them was never acknowledged

    @property
    def clean(self) -> bool:
        return not (self.tenants_missing or self.tenants_resurrected or self.tenants_unexpected
                    or self.statuses_wrong or self.inserts_lost or self.updates_reverted
                    or self.deletes_resurrected or self.vectors_wrong)

    def describe(self) -> str:
        text = (f"{self.tenants} tenants, {self.objects} objects: {len(self.tenants_missing)} tenants missing, "
                f"{len(self.tenants_resurrected)} deleted tenants resurrected, {len(self.tenants_unexpected)} "
                f"unexpected tenants, {len(self.statuses_wrong)} wrong statuses; {len(self.inserts_lost)} objects "
                f"lost, {len(self.updates_reverted)} reverted, {len(self.deletes_resurrected)} resurrected, "
                f"{len(self.vectors_wrong)} wrong vectors")
        if self.woken:
            text += f"; woke {len(self.woken)} COLD tenant(s) to read them, put back to COLD"
        if self.not_read:
            text += f"; {len(self.not_read)} COLD tenant(s) not read"
        if self.unknown:
            text += f"; {self.unknown} tenant(s) or object(s) not audited (an operation never acknowledged)"
        return text

    def examples(self, n: int = 3) -> str:
        """The first `n` findings of each kind, for a failure message."""
        kinds: dict[str, list] = {
            "missing": self.tenants_missing, "tenants resurrected": self.tenants_resurrected,
            "unexpected": self.tenants_unexpected, "statuses (tenant, expected, found)": self.statuses_wrong,
            "lost": self.inserts_lost, "reverted": self.updates_reverted, "resurrected": self.deletes_resurrected,
            "wrong vectors": self.vectors_wrong}
        return "; ".join(f"{kind}: {found[:n]}" for kind, found in kinds.items() if found)


def tenant_statuses(client, collection: str) -> dict[str, str]:
    """tenant -> HOT | COLD (or the server's word for other states) of a physical collection."""
    names = {"ACTIVE": HOT, "INACTIVE": COLD}
    return {name: names.get(t.activity_status.value, t.activity_status.value)
            for name, t in client.collections.use(collection).tenants.get().items()}


def audit(client, alias: str, expected: Expected, model: str, *, wake_cold: bool = True) -> TenantAudit:
    """Read every tenant through `alias` and compare with `expected`. Statuses come from the tenant
    list of the collection the alias points at, before any read; a COLD tenant is woken to be read
    and put back (`wake_cold`), or left asleep and named in `not_read`."""
    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    report = TenantAudit(unknown=len(expected.unknown))
    unknown = {t for t, u in expected.unknown if not u}  # created, deleted or put to sleep: unknown
    touched = {t for t, _ in expected.unknown}  # its status unknown too (a write may have woken it)
    target = physical(client, alias)
    found = tenant_statuses(client, target)
    report.tenants = len(found)
    wanted = set(expected.objects) - unknown
    report.tenants_missing = sorted(wanted - set(found))
    report.inserts_lost = [(t, u) for t in report.tenants_missing for u in sorted(expected.objects[t])
                           if (t, u) not in expected.unknown]
    report.tenants_resurrected = sorted((expected.dropped - unknown) & set(found))
    report.tenants_unexpected = sorted(set(found) - wanted - expected.dropped - unknown)
    report.statuses_wrong = sorted((t, expected.statuses[t], found[t]) for t in (wanted & set(found)) - touched
                                   if expected.statuses[t] != found[t]
                                   and not (expected.reads_wake and (expected.statuses[t], found[t]) == (COLD, HOT)))
    tenants = client.collections.use(target).tenants
    for tenant in sorted(wanted & set(found)):
        asleep = found[tenant] != HOT
        if asleep and not wake_cold:
            report.not_read.append(tenant)
            continue
        if asleep:
            tenants.update([Tenant(name=tenant, activity_status=TenantActivityStatus.ACTIVE)])
            report.woken.append(tenant)
        try:
            _audit_tenant(client, alias, tenant, expected, model, report)
        finally:
            if asleep:
                tenants.update([Tenant(name=tenant, activity_status=TenantActivityStatus.INACTIVE)])
    return report


def _audit_tenant(client, alias: str, tenant: str, expected: Expected, model: str, report: TenantAudit) -> None:
    want_all = expected.objects[tenant]
    deleted = expected.deleted.get(tenant, frozenset())
    seen = set()
    for obj in client.collections.use(alias).with_tenant(tenant).iterator(include_vector=True):
        uuid, props = str(obj.uuid), dict(obj.properties)
        seen.add(uuid)
        report.objects += 1
        if (tenant, uuid) in expected.unknown:
            continue
        if uuid not in want_all:
            if uuid in deleted:
                report.deletes_resurrected.append((tenant, uuid))
            continue
        want = want_all[uuid]
        if {k: props.get(k) for k in want} != want:
            report.updates_reverted.append((tenant, uuid))
        elif not _same_direction((obj.vector or {}).get("default"), embed(f"{want['title']} {want['body']}", model)):
            report.vectors_wrong.append((tenant, uuid))
    report.inserts_lost += [(tenant, u) for u in sorted(set(want_all) - seen) if (tenant, u) not in expected.unknown]
