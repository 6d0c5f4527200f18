"""What a plan says first: warnings about the cluster and the files that change no step (a lock
held, writes fenced by a stopped apply, nodes down, replicas that disagree, settings the server
overrides, versions left behind). Reads only."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from . import capabilities, extra_aliases, index_changes, replicas, settings, tenants, versions
from .changes import Change, RecreateCollection
from .diff import SCALED, live_source
from .connection import Target
from .live import LiveState, RestClient, describe_down, nodes_down
from .normalize import QUANTIZERS
from .resume import Phase
from .spec import Collection, VectorIndexConfig
from .state import Checkpoint, held_by, holder_of


def plan_warnings(reader: RestClient, live: LiveState, changes: Sequence[Change], desired: dict[str, Collection], *,
                  checkpoints: list[Checkpoint], outside: Sequence[str], behind: dict[str, list[str]],
                  retired: dict[str, list[str]]) -> tuple[str, ...]:
    """Every warning for a plan of `changes` from `live` to `desired`: `checkpoints` of copies
    into this cluster, collections `outside` the files, versions left `behind` or `retired` (of a
    name too that a finish-hand-over is to remove: served by its alias until then)."""
    return _lock_warning(live) + _fenced_warning(checkpoints, live) + _nodes_down_warning(reader, changes) \
        + _replicas_disagree_warnings(reader, live, changes) \
        + _unasked_warnings(reader, live, changes, desired) + expiring_token_warning(reader.target, changes) \
        + tenants.plan_warnings(changes, desired, live.aliases, live.version) \
        + _untested_server_warning(live.version, changes) \
        + default_quantizer_warnings(live.collections, desired) \
        + _async_from_factor_warnings(live, desired) + _renamed_from_nowhere(live, desired) \
        + extra_aliases.plan_warnings(live, changes) + _read_only_served(reader, live, behind) \
        + tuple(_made_again_warning(c.renamedFrom, name) for name, c in sorted(desired.items())
                if c.renamedFrom and c.renamedFrom in outside) \
        + tuple(_left_behind_warning(name, live.physical.get(name) or live.aliases.get(name, ""), found)
                for name, found in behind.items()) \
        + tuple(_retired_warning(name, found) for name, found in retired.items())


UNASKED_WARNING = "planned as a copy, as this key may not ask"  # the planner's key: not repeated when applied
TOKEN_WARNING = "the bearer token given"  # how the warning starts: a saved plan's is made again when applied
TOKEN_MARGIN = 3600.0  # seconds: a bearer token expiring sooner is named when the plan moves data


def expiring_token_warning(target: Target, changes: Sequence[Change]) -> tuple[str, ...]:
    """A bearer token given (not renewed) that expires before a copy may end: the step running
    then fails (resumable), so say when, before it starts."""
    found = target.bearer_time_left()
    if found is None or found[0] > TOKEN_MARGIN or not any(c.touches_objects for c in changes):
        return ()
    when = found[1]
    given = target.credential_options("bearerTokenEnv", "bearer-token", "WEAVIATE_BEARER_TOKEN")
    return (f"{TOKEN_WARNING} ({given}) {when}, and schemactl does not renew a token it is given: a step still "
            "moving data then fails (apply again with a new token to resume it), or log in through WEAVIATE_OIDC_* "
            "variables, which renew it"),


def _unasked_warnings(reader: RestClient, live: LiveState, changes: Sequence[Change],
                      desired: dict[str, Collection]) -> tuple[str, ...]:
    """Recreates planned only because this key may not ask the server what it changes in place:
    a plan made with the key that applies may differ, and apply then refuses this one."""
    from .settings import switched_off

    recreates = [c for c in changes if isinstance(c, RecreateCollection)]
    unasked = {}
    reindexed = [c.collection for c in recreates if c.version_note == index_changes.NEWER_SERVER]
    if reindexed and not switched_off("INDEX_TASKS") and versions.has("property_index_tasks", live.version) \
            and capabilities.runtime_reindex_on(reader) is None:
        unasked["property_index_tasks"] = reindexed
    scaled = [c for c in recreates if any(f.path in SCALED and f.path.endswith("factor") for f in c.reasons)]
    if scaled and not switched_off("REPLICATION_SCALE") and versions.has("replication_scale", live.version) \
            and capabilities.replica_movement_on(reader, capabilities.rescaled(live, desired) or "") is None:
        unasked["replication_scale"] = [c.collection for c in scaled]
    return tuple(f"{', '.join(names)}: {UNASKED_WARNING} {capabilities.UNASKED[what]} "
                 "(the server refuses the question, 403): a plan made with a key that may update every collection "
                 "and read replication can plan it in place, and apply refuses this plan where the plans differ: "
                 "plan with the key that applies" for what, names in unasked.items())


def _fenced_warning(checkpoints: list[Checkpoint], live: LiveState) -> tuple[str, ...]:
    """A collection whose writes fail because an apply stopped while it fenced them for its cutover."""
    serving = live.named_by
    fenced = sorted(serving[c.source] for c in checkpoints
                    if c.source in serving and c.target not in serving and (c.state.fenced or c.state.phase in
                                                                             (Phase.FENCED, Phase.CUTOVER)))
    paused = sorted(serving[c.source] for c in checkpoints if c.source in serving and c.target not in serving
                    and serving[c.source] not in fenced and _paused(c, live.raw.get(c.source) or {}))
    return tuple(f"writes to {name} fail: an apply fenced them for its cutover and has not finished (if none is "
                 "running, it stopped: applying this plan resumes its copy if the files still ask for that change, "
                 "else discards it, and lifts the fence)" for name in fenced) + \
        tuple(f"{name}: requests to a sleeping tenant fail (autoTenantActivation off): an apply paused it for its "
              "copy and has not finished (if none is running, it stopped: applying this plan resumes or discards "
              "its copy, and turns it back on)" for name in paused)


def _paused(checkpoint: Checkpoint, raw: dict) -> bool:
    """Whether the source's tenant auto-activation is off because the copy turned it off."""
    recorded = checkpoint.state.auto_tenants or {}
    config = raw.get("multiTenancyConfig") or {}
    return bool(recorded.get("autoTenantActivation")) and not config.get("autoTenantActivation")


def _lock_warning(live: LiveState) -> tuple[str, ...]:
    """An apply's lock, held: apply is refused until it is released."""
    if live.lock is None:
        return ()
    return ((f"an apply holds the lock on this cluster: {held_by(holder_of(live.lock))} apply is refused until it "
             "ends; if it crashed, `schemactl force-unlock` releases the lock"),)


def _untested_server_warning(server_version: str, changes) -> tuple[str, ...]:
    """On a server newer than the capability table: which copies may be copies only for that."""
    copies = [f"recreate {c.collection}" for c in changes if isinstance(c, RecreateCollection)]
    note = versions.untested_note(server_version, copies)
    return (note,) if note else ()


def _renamed_from_nowhere(live: LiveState, desired: dict[str, Collection]) -> tuple[str, ...]:
    """A property renamed from a name the cluster has neither of (nor the new one): a misspelt
    old name, whose values the plan does not move (the new property starts empty)."""
    found = []
    for name, wanted in sorted(desired.items()):
        source = live_source(name, live.collections, wanted)
        held = {p.name for p in live.collections[source].properties} if source is not None else None
        found += [f"{name}.{p.name}: renamedFrom {p.renamedFrom} names no property {name} has, nor has it "
                  f"{p.name}: it is added empty (a misspelt old name?)" for p in wanted.properties
                  if held is not None and p.renamedFrom and not {p.name, p.renamedFrom} & held]
    return tuple(found)


def _made_again_warning(old: str, new: str) -> str:
    return (f"{old}: a collection of that name was made after {old} was renamed to {new} (with auto-schema on, "
            f"Weaviate makes one from a write that still names {old}): it may hold writes the application meant "
            f"for {new}; it is not managed (--prune deletes it)")


def _retired_warning(old: str, versions: list[str]) -> str:
    one = len(versions) == 1
    return (f"{', '.join(versions)}: {'a version' if one else 'versions'} of {old}, which no alias serves any more "
            f"(renamed or deleted): kept with {'its' if one else 'their'} objects, never pruned, not a rollback "
            f"target (schemactl drop-old-versions {old} --allow-destructive deletes {'it' if one else 'them'})")


def _read_only_served(reader: RestClient, live: LiveState, behind: Iterable[str]) -> tuple[str, ...]:
    """A collection whose alias was moved back by hand to a version schemactl had moved away from
    (`behind`): that version still has the read-only fence a cutover leaves, and every write
    through the alias fails."""
    said = []
    for name in behind:
        served = live.physical.get(name)
        held = live.collections.get(name)
        if not served or held is None or held.multi_tenant:  # its shards' listing fails (500) after ~6 s with a
            continue  # tenant asleep, on every plan: not asked
        status, shards = reader.request_status("GET", f"/v1/schema/{served}/shards")
        if status == 200 and isinstance(shards, list) and any(s.get("status") == "READONLY" for s in shards):
            said.append(f"{name} serves {served}, whose shards are read-only (the fence a cutover leaves on the version "
                        f"it moves away from; `schemactl rollback` lifts it, an alias moved by hand does not): every "
                        f"write through {name} fails until they are set READY again or the alias moves back")
    return tuple(said)


def _left_behind_warning(name: str, served: str, versions: list[str]) -> str:
    one = len(versions) == 1
    return (f"{', '.join(versions)}: {name} serves {served}, which does not descend from {'it' if one else 'them'}: "
            f"left behind (by a rollback, or when the name was freed and made again), {'it keeps' if one else 'they keep'}"
            f" what was written there; not a rollback target (schemactl drop-old-versions {name} lists the versions "
            "kept)")


def moving_replicated_data(changes) -> list:
    return [c for c in changes if isinstance(c, RecreateCollection) and c.definition.replication_factor > 1]


def _nodes_down_warning(reader: RestClient, changes) -> tuple[str, ...]:
    down = nodes_down(reader)
    if not down:
        return ()
    moving = ", ".join(c.collection for c in moving_replicated_data(changes))
    needs = (f"apply refuses to move the data of {moving} until every node is back (a replica on a node that "
             "is down would miss objects)") if moving else "steps that move replicated data need every node"
    return (f"{describe_down(down)}: {needs}",)


def _replicas_disagree_warnings(reader: RestClient, live: LiveState, changes) -> tuple[str, ...]:
    """A copy from replicas Weaviate's repair has not found to agree: apply waits for it."""
    found = []
    for change in changes:
        source = change.physical if isinstance(change, RecreateCollection) else ""
        left = replicas.disagreeing(reader, source) if replicas.replicated(live.raw.get(source)) else []
        if left:
            found.append(f"the replicas of {source} disagree ({replicas.describe(left)}): apply waits up to "
                         f"{settings.REPLICA_WAIT:.0f} s for Weaviate's repair before it copies {change.collection} "
                         "(it reads each shard from one replica), then refuses")
    return tuple(found)


def _async_from_factor_warnings(live: LiveState, desired: dict[str, Collection]) -> tuple[str, ...]:
    """A file's asyncEnabled that this server overrides (it derives it from the factor): the plan
    shows no change for it, so it says why (validate says it too, not knowing the server)."""
    if not versions.has("async_replication_from_factor", live.version):
        return ()
    found = []
    for name, collection in sorted(desired.items()):
        asked = collection.replicationConfig.asyncEnabled if collection.replicationConfig else None
        current = live.collections.get(name)
        factor = collection.replication_factor if collection.replicationConfig and \
            collection.replicationConfig.factor else (current.replication_factor if current else 1)
        if asked is not None and asked != (factor > 1):
            found.append(f"{name}: the file says replicationConfig.asyncEnabled: {str(asked).lower()}, but Weaviate "
                         f"{live.version} decides it from the replication factor ({factor}): the collection has "
                         f"asyncEnabled: {str(factor > 1).lower()}, and the setting is not compared")
    return tuple(found)


def default_quantizer_warnings(live: dict[str, Collection], desired: dict[str, Collection]) -> tuple[str, ...]:
    """A file that gives a quantizer settings without turning one on leaves quantization to the
    server; where the server turned on its default quantizer (DEFAULT_QUANTIZATION), it did so
    with settings of its own, and the file's are neither applied nor compared: say so."""
    found = []
    for name in sorted(desired.keys() & live.keys()):
        ignored = [f"{where}.{q}" for where, mine, theirs in _index_configs(desired[name], live[name])
                   if theirs is not None and theirs.trackDefaultQuantization for q in _left_to_server(mine)]
        if ignored:
            found.append(f"{name}: {', '.join(ignored)} not applied: the file turns no quantizer on, and the server "
                         "turned on its default one (trackDefaultQuantization) with settings of its own, which "
                         "are not compared; set `enabled: true` on the quantizer to manage them, or "
                         "`skipDefaultQuantization: true` for no quantizer")
    return tuple(found)


def _left_to_server(config: VectorIndexConfig | None) -> list[str]:
    """The quantizers `config` gives settings, when it turns none on and does not refuse the
    server's default."""
    if config is None or config.skipDefaultQuantization or config.enabled_quantizers():
        return []
    return [q for q in QUANTIZERS if getattr(config, q) is not None]


def _index_configs(desired: Collection, live: Collection) -> Iterator[tuple[str, VectorIndexConfig | None,
                                                                          VectorIndexConfig | None]]:
    """(where, the file's, the server's) for each vector index both name (a dynamic index's hnsw
    and flat each on their own)."""
    pairs = [("vectorIndexConfig", desired.vectorIndexConfig, live.vectorIndexConfig)]
    pairs += [(f"vectors.{n}.vectorIndexConfig", v.vectorIndexConfig, (live.vectors or {})[n].vectorIndexConfig)
              for n, v in (desired.vectors or {}).items() if n in (live.vectors or {})]
    for where, mine, theirs in pairs:
        yield where, mine, theirs
        for kind in ("hnsw", "flat"):
            if mine is not None and theirs is not None and getattr(mine, kind) is not None:
                yield f"{where}.{kind}", getattr(mine, kind), getattr(theirs, kind)
