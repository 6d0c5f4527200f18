"""The collections schemactl keeps for itself in the cluster. No other collection is hidden from
a plan, whatever its name, and no file may declare one of these."""
from __future__ import annotations

import re

LOCK = "SchemactlLock"
LEDGER = "SchemactlLedger"
CHECKPOINTS = "SchemactlCheckpoint"
PROBE_PREFIX = "SchemactlProbe"  # + 12 hex digits: a probe's scratch collection, deleted when it is done
_PROBE = re.compile(rf"^{PROBE_PREFIX}[0-9a-f]{{12}}$")
NEVER_MADE = "SchemactlNoSuchCollection"  # asked about to learn what the server answers; never created


def is_owned(name: str) -> bool:
    return name in (LOCK, LEDGER, CHECKPOINTS, NEVER_MADE) or bool(_PROBE.match(name))
