"""Files and cluster -> Plan: validate the files, read the cluster, refuse what cannot be planned,
diff, and estimate. Reads only; changes nothing."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Literal
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from . import capabilities, extra_aliases, tenants, versions
from .changes import (AddNamedVector, AddProperty, Change, CreateCollection, DeleteCollection, DiscardCopy, FinishHandOver,
                      RecreateCollection, ReindexProperty, ScaleReplication, UpdateInPlace)
from .connection import Target
from .environments import Chosen, overridden_paths
from .diff import backfill_candidates, collection_renames, diff, live_source, unmanaged, with_backfill
from .errors import SchemactlError
from .live import (
    LiveState,
    RestClient,
    estimate,
    node_statuses,
    read_live,
    unrepresentable,
    vectorized_text,
)
from .loader import find_files
from .naming import is_version_of, logical_of, version_of, versions_of
from .permissions import own_permissions
from .probe import PREFIX as PROBED, Probed, probed
from .plan_warnings import plan_warnings
from .plan import Estimate, Plan, change_document, fingerprint_live, hash_files, make_plan, references_of
from .spec import Collection
from .resume import Phase
from .rest_json import Unrepresentable, from_rest
from .state import (Checkpoint, Record, checkpoint_records, checkpoints_among, checkpoints_into, completed_in,
                    copied_for, copies_in, history, lineage, renamed_in, resumed_copy, served_in)
from .validate import Result, validate_paths
from .value_check import EXAMPLES, value_checks, wrapped_integers


def read_cluster(reader: RestClient, permissions: list[dict] | None | Literal["ask"] = "ask") -> LiveState:
    """The live state, after making sure the caller may see all of it (RBAC filters what a
    role cannot read instead of refusing: a partial view would make plans wrong). `permissions`:
    the caller's, when already asked for."""
    from .permissions import check, to_read_cluster

    check(own_permissions(reader) if permissions == "ask" else permissions, to_read_cluster(), "reading the cluster")
    return read_live(reader)


class InvalidFiles(SchemactlError):
    """The files did not validate; carries the result so the CLI can print every finding."""

    def __init__(self, result: Result):
        super().__init__(f"{sum(f.severity == 'error' for f in result.findings)} error(s) in the files")
        self.result = result


@dataclass(frozen=True)
class Desired:
    result: Result
    files_hash: str


def load_desired(paths: list[Path], environment: Chosen | None = None) -> Desired:
    """Validated collections from files (as an environment's overrides make them); InvalidFiles
    when any file has an error."""
    result = validate_paths(paths, environment.settings if environment else None)
    if not result.ok:
        raise InvalidFiles(result)
    contents = {str(p): p.read_bytes() for p in find_files(paths)}
    return Desired(result, hash_files(contents))


def hand_overs_left(reader: RestClient, live: LiveState) -> tuple[FinishHandOver, ...]:
    """Recreates an apply stopped in after moving the alias, with what follows the move left
    undone (finishes_left), read from the checkpoints into a version an alias serves."""
    return finishes_left(checkpoints_into(reader, set(live.aliases.values())), live)


def finishes_left(checkpoints: list[Checkpoint], live: LiveState) -> tuple[FinishHandOver, ...]:
    """For each checkpoint from an old version that still exists (or was deleted to free its name
    for the alias) into one an alias serves: the multi-tenant hand-over left, a rename's old alias
    left at the old version (the stopped run had made the new name's alias, not yet removed the
    old one), or nothing but the checkpoint and the ledger's record of the move (a run killed just
    after moving the alias: left as it was, a rollback would not know the version it served)."""
    serving = live.named_by
    left = [_alias_left(c) for c in sorted(checkpoints, key=lambda c: c.source) if _freed_without_alias(c, live)]
    for c in sorted(checkpoints, key=lambda c: c.source):
        freed = live.aliases.get(c.source) == c.target  # a collection made outside schemactl, deleted for its name
        if (c.source not in live.raw and not freed) or c.target not in serving or not c.cutting_over:
            continue
        renamed_from = _renamed_from(c)
        old_alias = renamed_from if live.aliases.get(renamed_from) == c.source else ""
        multi_tenant = c.hand_over_left(c.target)
        if live.aliases.get(serving[c.target]) == c.target:  # what is left may be only its record: still finished
            left.append(FinishHandOver(serving[c.target], physical=c.source, target=c.target,
                                       auto_activation=bool(c.state.target_auto_activation), old_alias=old_alias,
                                       multi_tenant=multi_tenant))
    return tuple(left)


def _freed_without_alias(checkpoint: Checkpoint, live: LiveState) -> bool:
    """A first cutover of a collection made outside schemactl, stopped between deleting it to free
    its name and making the alias: the verified copy is there, unserved, and no alias has the name.
    A collection holding the name now was made after the delete (auto-schema, from a write through
    it): the finish takes it in. Recorded as freed before the delete; a checkpoint an earlier release
    wrote: its source, not a version, gone."""
    c = checkpoint
    freed = c.state.freed or (c.source not in live.raw and version_of(c.source) is None)
    return (freed and c.state.phase == Phase.CUTOVER and c.source not in live.every_alias
            and c.target in live.raw and c.target not in live.every_alias.values())


def _alias_left(checkpoint: Checkpoint) -> FinishHandOver:
    c = checkpoint
    return FinishHandOver(c.source, physical=c.source, target=c.target, alias_left=True,
                          auto_activation=bool(c.state.target_auto_activation), multi_tenant=c.hand_over_left(c.target))


def _renamed_from(checkpoint: Checkpoint) -> str:
    """The name the recreate `checkpoint` was written for moved the collection from, as recorded;
    for a checkpoint an earlier release wrote, its stored change's (multi-tenant), else the name
    its source is a version of."""
    state = checkpoint.state
    if state.renamed_from is not None:
        return state.renamed_from
    if state.change is not None:
        return ((state.change.get("definition") or {}).get("renamedFrom")) or ""
    found = version_of(checkpoint.source)
    return found[0] if found else ""


def after_hand_overs(live: LiveState, left: tuple[FinishHandOver, ...]) -> LiveState:
    """The live state as the hand-overs `left` leave it: each new version's autoTenantActivation
    back to what it was (the stopped run turned it on until the hand-over was done), so that a
    plan does not list it as a change of its own; a rename's old name gone (its referrers follow
    the new one)."""
    collections, physical = dict(live.collections), dict(live.physical)  # the aliases as they are: fingerprinted
    for finish in (f for f in left if f.alias_left):  # the name served as the finish will serve it
        collections.pop(finish.target, None)
        physical.pop(finish.target, None)
        try:
            collections[finish.collection] = from_rest(live.raw[finish.target], logical_name=finish.collection,
                                                       logical_names=live.named_by | {finish.target: finish.collection})
        except Unrepresentable:
            continue  # named among what schemactl cannot represent
        physical[finish.collection] = finish.target
    for finish in (f for f in left if f.old_alias):  # a rename's old name, its alias removed by the finish
        collections.pop(finish.old_alias, None)
        physical.pop(finish.old_alias, None)
    made = {f.target for f in left if f.alias_left}
    retained = {name: tuple(v for v in versions if v not in made) for name, versions in live.retained.items()}
    live = replace(live, collections=collections, physical=physical,
                   retained={name: versions for name, versions in retained.items() if versions})
    for finish in left:
        definition = collections.get(finish.collection)
        if finish.multi_tenant and definition is not None and definition.multiTenancyConfig is not None:
            restored = definition.multiTenancyConfig.model_copy(update={"autoTenantActivation": finish.auto_activation})
            collections[finish.collection] = definition.model_copy(update={"multiTenancyConfig": restored})
    return replace(live, collections=collections)


def as_before_the_copies(live: LiveState, checkpoints: list[Checkpoint]) -> LiveState:
    """The live state with each source's tenant auto-settings as they were before a copy under way
    turned them off (its checkpoint recorded them): the copy turns them back on when it ends, and
    a plan does not list them as a change of their own."""
    collections = dict(live.collections)
    for c in checkpoints:
        name = live.named_by.get(c.source, c.source)
        definition = collections.get(name)
        recorded = c.state.auto_tenants
        if not recorded or definition is None or definition.multiTenancyConfig is None:
            continue
        config = definition.multiTenancyConfig.model_copy(update=recorded)
        collections[name] = definition.model_copy(update={"multiTenancyConfig": config})
    return replace(live, collections=collections)


def compute_plan(paths: list[Path], target: Target, *, prune: bool = False, backfill: bool = True,
                 probe: bool = False, price_per_1k_texts: float | None = None) -> tuple[Plan, LiveState]:
    """Files vs cluster -> Plan (reads only; changes nothing). `backfill`: named vectors added to
    collections that hold objects are filled for them (through a new version). `probe`: changed
    vectorizations are probed, and the embedding rate measured. `price_per_1k_texts`: what
    embedding costs, for the plan's cost estimate."""
    desired = load_desired(paths, target.environment)
    with RestClient(target) as reader:
        permissions = own_permissions(reader)
        live = read_cluster(reader, permissions)
        if probe:
            _may_probe(permissions)
        collections = desired.result.collections
        known = managed(reader, live)
        live, retired, records = known.live, known.retired, known.records  # retired: never pruned or pulled
        hidden = unrepresentable(live)
        _refuse_files_naming(hidden, collections)
        _refuse_files_naming_versions(live, retired, collections)
        extra_aliases.refuse_files_naming(live, collections)
        _refuse_modules_not_enabled(live, collections)
        _refuse_settings_the_server_lacks(live, collections)
        _refuse_more_replicas_than_nodes(reader, collections)
        _refuse_renaming_referenced(live, collections, prune=prune)
        _refuse_tenancy_switch(live, collections)
        _refuse_renames_to_names_held(live, collections)
        live, _, changes = changes_on(reader, known, lambda _: collections, prune=prune)
        by_physical = {p: live.collections[n] for n, p in live.physical.items()}
        if backfill:
            holding = [n for n in backfill_candidates(changes)
                       if estimate(reader, live.physical[n], live.collections[n]).objects]
            changes = with_backfill(changes, live.collections, collections, live.physical, holding)
        changes += stopped_copies(known, live, changes, collections)
        rates: dict[str, float] = {}
        if probe:
            changes, rates = probed_once(reader, changes)
        offloaded = tenants.offloaded_refusals(reader, changes, live.raw)  # every copy, backfills' too
        if offloaded:
            raise SchemactlError("; ".join(offloaded) + "; nothing was planned")
        copied = copied_already(known, live, changes)
        estimates = {c.collection: _estimate(reader, target, c, by_physical[c.physical], rates.get(c.collection))
                     for c in changes if isinstance(c, RecreateCollection)}
        estimates = {n: replace(e, copied=_of_the_counted(e, copied.get(n, {}))) for n, e in estimates.items()}
        _refuse_wrapped_integers(reader, changes, by_physical, estimates)
        estimates |= {c.collection: estimate(reader, c.physical, by_physical[c.physical])
                      for c in changes if isinstance(c, DeleteCollection) and c.physical in by_physical}
        outside = unmanaged(live.collections, collections, live.physical)
        behind = left_behind(live, records)
        warnings = plan_warnings(reader, live, changes, collections, checkpoints=known.checkpoints_here,
                                 outside=outside, behind=behind, retired=retired)
    not_managed = tuple(outside) if not prune else ()
    kept = [v for olds in live.retained.values() for v in olds]
    retained = tuple(v for v in kept if v in known.served and not any(v in found for found in behind.values()))
    plan = make_plan(changes, target=target.cluster, desired_hash=desired.files_hash,
                     live_fingerprint=fingerprint_live(live.raw, live.every_alias), estimates=estimates,
                     references=references_of(collections), unmanaged=not_managed, retained=retained,
                     unmanageable=hidden, price_per_1k_texts=price_per_1k_texts, warnings=warnings,
                     unfinished=tuple(v for v in kept if v not in known.served),
                     environment=target.environment.name if target.environment else None,
                     overridden=_overridden(target.environment, collections))
    return plan, live


def left_behind(live: LiveState, records: list[Record]) -> dict[str, list[str]]:
    """Logical name -> its kept versions, once served, that the served one does not descend from
    (the ledger's lineage; without a record of it, those newer than the served one): a rollback
    moved the alias away from them, and no rollback goes back to them."""
    once_served = served_in(records)
    found = {}
    for name, kept in live.retained.items():
        served = live.physical.get(name, "")
        line = lineage(records, name, served)
        number = (version_of(served) or ("", 0))[1]
        off = [v for v in kept if v in once_served
               and (v not in line if line is not None else (version_of(v) or ("", 0))[1] > number)]
        if off:
            found[name] = off
    return found


@dataclass(frozen=True)
class Managed:
    """The cluster as the ledger says schemactl manages it (as_the_ledger_says)."""

    live: LiveState
    retired: dict[str, list[str]]  # old name -> versions no alias serves any more (retired_versions)
    records: list[Record]
    served: set[str]  # physical collections an alias served (state.served_in)
    source: LiveState  # the state as read, before the ledger corrected it
    checkpoints: tuple[dict, ...] = ()  # every copy's checkpoint as stored (state.checkpoint_records)

    @cached_property
    def checkpoints_here(self) -> list[Checkpoint]:
        """The checkpoints of copies from or into a collection that exists (parsed once)."""
        return checkpoints_among(self.checkpoints, set(self.live.raw))


def managed(reader: RestClient, live: LiveState, records: list[Record] | None = None) -> Managed:
    """`live` (named from the cluster alone) corrected by the ledger and the copies under way."""
    records = history(reader) if records is None else records
    stored = checkpoint_records(reader)
    return replace(as_the_ledger_says(live, records, copies_in(stored)), checkpoints=stored)


def as_the_ledger_says(live: LiveState, records: list[Record], copying: set[tuple[str, str]]) -> Managed:
    """What the names alone cannot tell (live.resolve reads `<X>_v<N>` beside `X` as a version of
    X), told by the ledger and by the checkpoints' copies (`copying`: (source, target) pairs):
    - a collection named like a version that schemactl never made, copied or served is a
      collection of its own (someone made `Baz_v1` by hand: never dropped as a version of Baz);
      without any ledger record, the names decide for a name its own alias serves (`X` -> `X_vN`);
    - a copy's target whose name was freed for it (killed between the two) is that name's version;
    - a collection a recreate copied from for a name whose alias no longer serves it is a version
      of that name kept for rollback (one made outside schemactl, served by a hand-made alias);
    - versions of names no alias serves any more are retired (retired_versions), also when a
      collection of that name was made since (by hand, or by auto-schema from a write naming a
      renamed collection): that collection is one of its own, not what the versions served."""
    served, completed = served_in(records), completed_in(records)
    known = served | completed
    collections, physical = dict(live.collections), dict(live.physical)
    unreadable = dict(live.unreadable)
    retained: dict[str, list[str]] = {}
    for name, kept in live.retained.items():
        copies = {n for source, target in copying if is_version_of(target, name) for n in (source, target)}
        by_names = not records and is_version_of(live.physical.get(name, ""), name)
        made_anew = name not in live.aliases  # the name served its versions once, a collection of it is new
        for version in kept:
            if made_anew and version in completed and version not in copies:
                _as_its_own(version, live, collections, physical, unreadable)  # retired below
            elif version in known or version in copies or by_names:
                retained.setdefault(name, []).append(version)
            else:
                _as_its_own(version, live, collections, physical, unreadable)
    for source, target in copying:  # a first cutover killed after freeing the name, before the alias
        owner = logical_of(target)
        if source == owner and source not in live.raw and owner not in physical and physical.get(target) == target:
            retained.setdefault(owner, []).append(target)
            del collections[target], physical[target]
    for source, name in copied_for(records).items():
        if collections.get(source) is not None and physical.get(source) == source and name in live.aliases \
                and source not in live.every_alias.values():
            retained.setdefault(name, []).append(source)
            del collections[source], physical[source]
    corrected = replace(live, collections=collections, physical=physical, unreadable=unreadable,
                        retained={n: tuple(sorted(v)) for n, v in retained.items()})
    retired = retired_versions(corrected, records)
    return Managed(without(corrected, retired), retired, records, served, live)


def _as_its_own(name: str, live: LiveState, collections: dict[str, Collection], physical: dict[str, str],
                unreadable: dict[str, str]) -> None:
    """The collection `name`, named like a version, as a collection of its own."""
    from .rest_json import Unrepresentable, from_rest

    try:
        collections[name] = from_rest(live.raw[name], logical_name=name, logical_names=live.named_by)
    except Unrepresentable as error:
        unreadable[name] = str(error)
        return
    physical[name] = name


def retired_versions(live: LiveState, records: list[Record]) -> dict[str, list[str]]:
    """Old name -> the versions (<Old>_v<N>) an alias of that name once served (the ledger says so)
    and no alias serves any more: a renamed collection's, or a deleted one's. Kept for the operator
    to drop; never collections of their own, never pruned."""
    served = completed_in(records)
    found: dict[str, list[str]] = {}
    for name, physical in live.physical.items():
        version = version_of(physical)
        if name == physical and version and version[0] not in live.aliases and physical in served:
            found.setdefault(version[0], []).append(physical)
    return {old: versions_of(old, found[old]) for old in sorted(found)}


def without(live: LiveState, retired: dict[str, list[str]]) -> LiveState:
    """The live state without the `retired` versions among its collections."""
    gone = {v for versions in retired.values() for v in versions}
    return replace(live, collections={n: c for n, c in live.collections.items() if n not in gone},
                   physical={n: p for n, p in live.physical.items() if n not in gone})


def changes_on(reader: RestClient, known: Managed, desired_in: Callable[[LiveState], dict[str, Collection]], *,
               prune: bool) -> tuple[LiveState, dict[str, Collection], tuple[Change, ...]]:
    """(live state, desired state, changes): the hand-overs stopped runs left, then the diff of
    what `desired_in` that live state wants against it, with what this server can change in
    place (the copies stopped runs left that no step resumes are stopped_copies', once backfills
    are decided). `known.live` is without the retired versions already (`without`: never pruned).
    Plan and apply's check of a saved plan both ask here: a saved plan is refused when they differ."""
    checkpoints = known.checkpoints_here
    left = finishes_left(checkpoints, known.live)
    live = as_before_the_copies(after_hand_overs(known.live, left), checkpoints)
    desired = desired_in(live)
    changes = diff(live.collections, desired, physical=live.physical, prune=prune, renamed=renamed_in(known.records),
                   index_actions=index_actions_on(reader, live),
                   replication_scale=replication_scale_on(reader, live, capabilities.rescaled(live, desired)),
                   single_vectorizer_in_place=single_vectorizer_in_place_on(live),
                   async_from_factor=versions.has("async_replication_from_factor", live.version))
    return live, desired, left + changes


def _refuse_wrapped_integers(reader: RestClient, changes, by_physical: dict[str, Collection],
                             estimates: dict[str, Estimate]) -> None:
    """Integers a copy would turn into -2^63 (value_check.wrapped_integers), in the objects the
    plan reads (tenants asleep are not read, as for the estimates): refused before anything is made."""
    found = []
    for change in changes:
        if isinstance(change, RecreateCollection):
            live = by_physical[change.physical]
            tenants: list[str | None] = list(estimates[change.collection].per_tenant) if live.multi_tenant else [None]
            held = wrapped_integers(reader, change, live, tenants)
            if held:
                found.append(f"{change.collection}: {', '.join(held[:EXAMPLES])}"
                             + (f" and {len(held) - EXAMPLES} more" if len(held) > EXAMPLES else ""))
    if found:
        raise SchemactlError("integers Weaviate keeps as 2^63 (written over REST as 9223372036854775296 or more): it "
                             "returns them over gRPC, and in filters, as -9223372036854775808, and refuses them in gRPC "
                             f"writes, so no copy keeps them: {'; '.join(found)}. Write them as 9223372036854774784 "
                             "or less, then plan again; nothing was planned")


def stopped_copies(known: Managed, live: LiveState, changes: tuple[Change, ...],
                   desired: Iterable[str]) -> tuple[DiscardCopy, ...]:
    """For each copy an apply stopped in before its alias moved, of a collection the files name
    (`desired`), whose source no step of `changes` (backfills decided) recreates, as the files no
    longer ask for it: the copy discarded, and the source as it was (a fence the stopped run set on
    its writes lifted). A step that recreates the source resumes or discards the copy itself; a
    collection no file names is left alone, its copy too (files applied a few at a time)."""
    recreated = {c.physical for c in changes if isinstance(c, RecreateCollection)}
    serving = live.named_by
    named = set(desired) | {c.collection for c in changes if isinstance(c, DeleteCollection)}  # --prune's too
    def name_of(source: str) -> str:  # a source rolled back from since is served by no alias: a kept version
        kept = source in live.retained.get(logical_of(source), ())
        return serving.get(source) or (logical_of(source) if kept else source)

    return tuple(DiscardCopy(name_of(c.source), physical=c.source, target=c.target)
                 for c in sorted(known.checkpoints_here, key=lambda c: c.source)
                 if c.source in live.raw and c.source not in recreated and name_of(c.source) in named
                 and not c.state.freed  # its source was deleted: what has the name is taken in by a finish
                 and c.never_served(name_of(c.source), live.aliases, known.served))


def copied_already(known: Managed, live: LiveState, changes: tuple[Change, ...]) -> dict[str, dict[str, int]]:
    """Collection -> tenant ("" for none) -> objects an unfinished copy made for the same
    recreate holds (from the checkpoints the plan reads anyway): apply resumes that copy where it
    stopped. A multi-tenant copy's checkpoint may lag its progress log: then it holds more."""
    stopped = {c.source: c for c in known.checkpoints_here}
    found = {}
    for change in (c for c in changes if isinstance(c, RecreateCollection)):
        c = stopped.get(change.physical)
        if c is not None and resumed_copy(c, change, live.aliases, known.served, live.raw):
            found[change.collection] = {t: e.copied for t, e in c.state.tenants.items()}
    return found


def _of_the_counted(found: Estimate, copied: dict[str, int]) -> int:
    """Of the objects `found` counts (a multi-tenant one: in its awake tenants), those a copy holds."""
    if not found.per_tenant:
        return min(found.objects, sum(copied.values()))
    return sum(min(n, found.per_tenant.get(t, 0)) for t, n in copied.items())


def _estimate(reader: RestClient, target: Target, change: RecreateCollection, live: Collection,
              rate: float | None) -> Estimate:
    """What the step moves: objects (per tenant), text to embed, the moved properties' values."""
    found = estimate(reader, change.physical, live, embedded_text(change, live))
    return replace(found, texts_per_second=rate, values=value_checks(reader, target, change, live.multi_tenant))


def embedded_text(change: RecreateCollection, live: Collection) -> list[str]:
    """The live text properties each re-embedded vector sends to be embedded, once per vector: a
    named vector's sourceProperties (by their live names, after a rename), else every text
    property its vectorizer reads."""
    read = vectorized_text(live)
    text = {p.name for p in live.properties if p.data_types[0] in ("text", "text[]")}
    live_name = {m.name: m.source for m in change.property_moves if m.name}
    found: list[str] = []
    for move in change.vectors:
        if move.action != "re-embed":
            continue
        named = (change.definition.vectors or {}).get(move.name)
        sources = named.sourceProperties if named is not None else None
        found += read if not sources else [live_name.get(p, p) for p in sources if live_name.get(p, p) in text]
    return found


def _overridden(environment: Chosen | None, collections) -> tuple[str, ...]:
    """"Collection: setting" for each setting the environment's overrides lay over the files."""
    if environment is None:
        return ()
    return tuple(f"{name}: {path}" for name in sorted(collections)
                 for path in overridden_paths(environment.settings, name))


def _may_probe(permissions: list[dict] | None) -> None:
    """--probe writes a throwaway collection: say which permission is missing before planning."""
    from .owned import PROBE_PREFIX
    from .permissions import check, for_probe

    check(permissions, for_probe(PROBE_PREFIX), "plan --probe")


def _refuse_renaming_referenced(live: LiveState, collections: dict[str, Collection], *, prune: bool = False) -> None:
    """A rename under way of a collection other collections reference: each referrer must follow
    it (its file naming the new name; it is then recreated after it, links kept). Refused before
    anything is planned: a referrer without a file, unless `prune` deletes it."""
    if prune:
        return
    found = [f"{old} -> {name}: {other}.{p.name} references {old}, and {other} has no file: add one so it follows "
             "the rename"
             for old, name in sorted(collection_renames(live.collections, collections).items(), key=lambda r: r[1])
             for other, d in sorted(live.collections.items()) if other != old and not _has_file(other, collections)
             for p in d.properties if p.is_reference and old in p.data_types]
    if found:
        raise SchemactlError("; ".join(found) + "; nothing was planned")


def _has_file(name: str, collections: dict[str, Collection]) -> bool:
    """A file declares `name`, or renames it (validate refuses one that names the old target)."""
    return name in collections or any(c.renamedFrom == name for c in collections.values())


def _refuse_tenancy_switch(live: LiveState, collections: dict[str, Collection]) -> None:
    """Multi-tenancy turned on or off: Weaviate cannot change it in place, and no copy moves
    objects into tenants or out of them (several tenants may hold the same id): refused before
    anything is planned, instead of failing once the new version is made."""
    found = []
    for name, wanted in sorted(collections.items()):
        source = live_source(name, live.collections, wanted)
        if source is not None and live.collections[source].multi_tenant != wanted.multi_tenant:
            found.append(f"{name}: multi-tenancy turned {'on' if wanted.multi_tenant else 'off'} "
                         "(multiTenancyConfig.enabled)")
    if found:
        raise SchemactlError("; ".join(found) + ": Weaviate cannot change it in place, and schemactl does not move "
                             "objects into tenants or out of them (tenants may hold the same ids); keep the setting, or "
                             "declare a collection of another name; nothing was planned")


def _refuse_renames_to_names_held(live: LiveState, collections: dict[str, Collection]) -> None:
    """A property or named vector renamed to a name the cluster has as well as the old one (a
    write under the new name made Weaviate's auto-schema add it): neither "rename" nor "done" (a
    renamedFrom acts only while the old name is there and the new one is not) — refused before
    anything is planned, instead of planning the old one's drop in silence."""
    found = []
    for name, wanted in sorted(collections.items()):
        source = live_source(name, live.collections, wanted)
        if source is None:
            continue
        held = live.collections[source]
        found += [f"{name}.{p.name}: renamedFrom {p.renamedFrom}, but the cluster has both" for p in wanted.properties
                  if p.renamedFrom and {p.name, p.renamedFrom} <= {q.name for q in held.properties}]
        found += [f"{name} named vector {v}: renamedFrom {d.renamedFrom}, but the cluster has both"
                  for v, d in sorted((wanted.vectors or {}).items())
                  if d.renamedFrom and {v, d.renamedFrom} <= set(held.vectors or {})]
    if found:
        raise SchemactlError("; ".join(found) + " (a write under the new name adds it, with auto-schema on): say in the "
                             "file what becomes of the old one: without renamedFrom it is dropped (destructive) unless "
                             "the file declares it too; nothing was planned")


def _refuse_more_replicas_than_nodes(reader: RestClient, collections) -> None:
    """Weaviate refuses a replication factor above the number of nodes ("not enough replicas"):
    say so at plan time instead of failing halfway through an apply."""
    wanted = {n: c.replication_factor for n, c in collections.items() if c.replication_factor > 1}
    if not wanted:
        return
    members = node_statuses(reader)
    if members is None:
        return  # not allowed to list nodes: the server will say it
    nodes = len(members)  # a member that is down still counts: it holds replicas when back
    over = {n: f for n, f in sorted(wanted.items()) if f > nodes}
    if over:
        listed = ", ".join(f"{n} asks for {f}" for n, f in over.items())
        raise SchemactlError(f"replication factor above the cluster's {nodes} node(s): {listed}; Weaviate keeps "
                             "each replica on its own node: lower the factor or add nodes; nothing was planned")


def index_actions_on(reader: RestClient, live: LiveState) -> frozenset[str]:
    """What the server's property index API does in place: drop an index (1.36+), build or
    re-tokenize one (1.39+, where the server runs them: from 1.39.3 only with
    RUNTIME_REINDEX_ENABLED, asked of the server). SCHEMACTL_INDEX_TASKS=off plans a recreate
    instead (to compare the two, as bench/ does)."""
    from .settings import switched_off

    if switched_off("INDEX_TASKS"):
        return frozenset()
    found = {"disable"} if versions.has("property_index_drop", live.version) else set()
    if versions.has("property_index_tasks", live.version) and capabilities.runtime_reindex_on(reader):
        found |= {"enable", "retokenize"}
    return frozenset(found)


def single_vectorizer_in_place_on(live: LiveState) -> bool:
    """Whether this server changes a single (legacy) vectorizer's settings by PUT (versions.py)."""
    return versions.has("single_vectorizer_settings_in_place", live.version)


def replication_scale_on(reader: RestClient, live: LiveState, some_collection: str | None) -> bool:
    """Whether the server changes replication factors in place: its version, and replica movement
    switched on, asked of `some_collection` (one to scale, so that a role scoped to it may ask;
    none: nothing to scale). SCHEMACTL_REPLICATION_SCALE=off plans a recreate instead."""
    from .settings import switched_off

    if switched_off("REPLICATION_SCALE") or some_collection is None:
        return False
    if not versions.has("replication_scale", live.version):
        return False
    return bool(capabilities.replica_movement_on(reader, some_collection))


def _refuse_files_naming(hidden: dict[str, str], collections) -> None:
    """A file for a collection the cluster holds but schemactl cannot represent would plan a
    create that fails halfway: refuse it before anything is planned."""
    taken = {name.lower(): name for name in hidden}
    named = sorted(n for n in collections if n.lower() in taken)
    if named:
        reasons = "; ".join(f"{taken[n.lower()]} ({hidden[taken[n.lower()]]})" for n in named)
        raise SchemactlError(f"the cluster already holds {reasons}, which schemactl cannot represent yet: "
                             "a file for it cannot be planned; nothing was planned")


def _refuse_files_naming_versions(live: LiveState, retired: dict[str, list[str]], collections) -> None:
    """A file named like a version schemactl keeps (`Article_v2`, kept for rollback or served by
    the alias `Article`) would plan a create that fails halfway: refuse it before anything is planned."""
    kept = {v.lower(): (v, name) for name, versions in (dict(live.retained) | retired).items() for v in versions}
    kept |= {physical.lower(): (physical, name) for name, physical in live.physical.items() if physical != name}
    named = sorted(n for n in collections if n.lower() in kept)
    if named:
        said = "; ".join(f"{n}: {kept[n.lower()][0]} is a version of {kept[n.lower()][1]} schemactl keeps"
                         for n in named)
        raise SchemactlError(f"{said}; a collection cannot take its name: rename the collection in its file, or "
                             "drop the version first (schemactl drop-old-versions); nothing was planned")


def _refuse_settings_the_server_lacks(live: LiveState, collections) -> None:
    """A setting this server version refuses, or drops without a word: refused at plan time."""
    from .server_support import lacking

    found = lacking(collections, live.version)
    if found:
        raise SchemactlError("settings this server does not take: " + "; ".join(found) + "; nothing was planned")


def _refuse_modules_not_enabled(live: LiveState, collections) -> None:
    """A file naming a module the server does not have enabled would fail at create: refuse it
    at plan time, with what the server has."""
    if live.modules is None:
        return
    missing = [(name, module) for name, c in sorted(collections.items()) for module in modules_used(c)
               if module not in live.modules]
    if missing:
        from . import modules

        lines = [f"{name} uses {module}{modules.suggestion(module, list(live.modules))}" for name, module in missing]
        enabled = ", ".join(m for m in live.modules if m.split("-")[0] in {m.split("-")[0] for _, m in missing})
        raise SchemactlError("modules not enabled on this server: " + "; ".join(lines)
                             + f" (it has: {enabled or ', '.join(live.modules) or 'none'}; "
                             "ENABLE_MODULES decides); nothing was planned")


def modules_used(c: Collection) -> list[str]:
    """Every module a collection names that the server must have enabled to create it: vectorizers,
    generative, reranker. (A qna-* block is created whether the server lists the module or not:
    measured on 1.39.3, where /v1/meta lists no qna module.)"""
    found = [v.vectorizer.module for v in (c.vectors or {}).values()]
    found += [b.module for b in (c.vectorizer, c.generative, c.reranker) if b is not None]
    return sorted({m for m in found if m != "none"})


def probed_once(reader: RestClient, changes: tuple) -> tuple[tuple, dict[str, float]]:
    """(`changes` with every recreate probed, each distinct one once — a saved plan's check lists
    both backfill forms, which often share a recreate —, collection -> texts a second measured)."""

    done: dict[str, Probed] = {}
    out = []
    rates: dict[str, float] = {}
    for c in changes:
        if isinstance(c, RecreateCollection):
            key = json.dumps(change_document(c), sort_keys=True)
            if key not in done:
                done[key] = probed(reader, c)
            c, rate = done[key]
            if rate is not None:
                rates[c.collection] = rate
        out.append(c)
    return tuple(out), rates


def without_measurements(document: dict) -> dict:
    """A step's document without the similarities a probe measured (the action is what counts)."""
    for vector in document.get("vectors", []):
        if PROBED in vector["reason"]:
            vector["reason"] = PROBED
    return document


def desired_from_plan(plan: Plan, live: LiveState) -> dict[str, Collection]:
    """The desired state a plan implies: the live collections, with each step's definition laid
    over them (added properties and vectors added, deleted and renamed-away ones removed)."""
    desired = dict(live.collections)
    for step in plan.steps:
        c = step.change
        if isinstance(c, DeleteCollection):
            desired.pop(c.collection, None)
        elif isinstance(c, (CreateCollection, UpdateInPlace, ReindexProperty, ScaleReplication,
                            RecreateCollection)):
            desired[c.collection] = c.definition
            if c.definition.renamedFrom:
                desired.pop(c.definition.renamedFrom, None)
    defined = {s.change.collection for s in plan.steps if getattr(s.change, "definition", None) is not None}
    for step in plan.steps:
        c = step.change
        if c.collection in defined or c.collection not in desired:
            continue
        current = desired[c.collection]
        if isinstance(c, AddProperty):
            desired[c.collection] = current.model_copy(update={"properties": current.properties + (c.property,)})
        elif isinstance(c, AddNamedVector):
            vectors = dict(current.vectors or {}) | {c.vector_name: c.vector}
            desired[c.collection] = current.model_copy(update={"vectors": vectors})
    return desired
