"""What the server does in place beyond its version's rows of the capability table (versions.py),
asked of it by requests that change nothing. Each answer is True, False, or None where the key
may not ask (RBAC refuses the probe): plans then take the copy, and say why."""
from __future__ import annotations

import json

from .live import LiveState, RestClient
from .owned import NEVER_MADE
from .spec import Collection

FORBIDDEN = (401, 403)
REINDEX_OFF = "runtime reindex is disabled"  # 1.39.3's answer to an index PUT without RUNTIME_REINDEX_ENABLED


def runtime_reindex_on(reader: RestClient) -> bool | None:
    """Whether the server builds indexes at runtime: a PUT on a collection that does not exist
    answers 'not found' where it does, 400 REINDEX_OFF where it is switched off (changes nothing);
    the server authorizes first, so a key that may not update collections learns nothing."""
    status, body = reader.request_status("PUT", f"/v1/schema/{NEVER_MADE}/properties/p/index/filterable", {})
    if status in FORBIDDEN:
        return None
    return not (status == 400 and REINDEX_OFF in json.dumps(body))


def rescaled(live: LiveState, desired: dict[str, Collection]) -> str | None:
    """The physical name of the first collection (by name) whose file asks for another replication
    factor than it has, a renamed one found by its old name (None: none does): what planning asks
    replica movement of, and the plan's warning about a key that may not ask names."""
    for name, collection in sorted(desired.items()):
        known = name if name in live.collections else collection.renamedFrom
        current = live.collections.get(known) if known else None
        if current is not None and known and collection.replicationConfig and collection.replicationConfig.factor \
                and collection.replication_factor != current.replication_factor:
            return live.physical[known]
    return None


def replica_movement_on(reader: RestClient, collection: str) -> bool | None:
    """Whether the server moves replicas (REPLICA_MOVEMENT_ENABLED): its scale planner answers
    501 where it does not."""
    status, _ = reader.probe(f"/v1/replication/scale?collection={collection}&replicationFactor=1")
    if status in FORBIDDEN:
        return None
    return status != 501


UNASKED = {
    "property_index_tasks": "whether the server builds and re-tokenizes property indexes in place "
                            "(RUNTIME_REINDEX_ENABLED)",
    "replication_scale": "whether the server changes replication factors in place (REPLICA_MOVEMENT_ENABLED)",
}
