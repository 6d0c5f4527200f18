"""Tuning knobs, read once from the environment (each documented in docs/settings.md)."""
from __future__ import annotations

import os


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        return default


# tenants copied, compared or settled at the same time in a multi-tenant recreate
TENANT_WORKERS = max(1, int(_number("SCHEMACTL_TENANT_WORKERS", 4)))
# sleeping (COLD) tenants woken together to be copied; TENANT_WORKERS groups are awake at a time
WAKE_GROUP = max(1, int(_number("SCHEMACTL_WAKE_GROUP", 8)))
