"""Tuning knobs and switches, each read from one environment variable, all in one place.
docs/settings.md lists them; a test keeps that page and this module in step."""
from __future__ import annotations

import os


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        return default


# ---- read once, at start -------------------------------------------------------------------

# objects per read and per insert of a copy
PAGE = max(1, int(_number("SCHEMACTL_COPY_PAGE", 500)))
# inserts in flight while the next page is read
WRITERS = max(1, int(_number("SCHEMACTL_COPY_WRITERS", 4)))
# tenants copied, compared or settled at the same time in a multi-tenant recreate
TENANT_WORKERS = max(1, int(_number("SCHEMACTL_TENANT_WORKERS", 4)))
# sleeping (COLD) tenants woken together to be copied; TENANT_WORKERS groups are awake at a time
WAKE_GROUP = max(1, int(_number("SCHEMACTL_WAKE_GROUP", 8)))
# tenants of the new version woken together while they are copied, compared or settled (they sleep
# otherwise: the application's active tenants are loaded in the old version only)
TARGET_GROUP = max(1, min(100, int(_number("SCHEMACTL_TARGET_GROUP", 50))))
# tenants of the new version left awake after their work, before the switch (the oldest sleep
# first): each is spared a sleep and a wake; the default, one group, keeps the extra load at the
# copy's own
AWAKE_BUDGET = max(TARGET_GROUP, int(_number("SCHEMACTL_AWAKE_BUDGET", TARGET_GROUP)))
# seconds a cutover waits for a node that is down before it refuses
REPLICA_WAIT = _number("SCHEMACTL_REPLICA_WAIT", 120)
# seconds without a finished shard copy before a replication scale step is called stuck
SCALE_STALLED = _number("SCHEMACTL_SCALE_STALLED", 600)


# ---- read each time (tests and benchmarks switch them within one process) -------------------

def switched_off(mechanism: str) -> bool:
    """SCHEMACTL_INDEX_TASKS=off or SCHEMACTL_REPLICATION_SCALE=off: plan a recreate instead of
    that in-place mechanism (to compare the two, as bench/ does)."""
    return os.environ.get(f"SCHEMACTL_{mechanism}", "").lower() == "off"


SWITCHES = ("INDEX_TASKS", "REPLICATION_SCALE")
