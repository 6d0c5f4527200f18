"""Replication factor changes carried out by the server (Weaviate 1.35+): the replication scale
API. GET /v1/replication/scale computes which nodes gain or lose a replica of each shard, POST
applies that plan as shard copy operations, GET /v1/replication/replicate/{id} follows each to
READY; then the class takes the new factor (PUT; it refuses a factor above the replicas a shard
has, which is why the copies come first). The server copies the shards itself; no object passes
through schemactl.

Replica movement is off unless the server runs with REPLICA_MOVEMENT_ENABLED=true (the endpoints
answer 501): then a factor change needs a new version, as before 1.35.
"""
from __future__ import annotations

from .context import Context
from ..errors import SchemactlError
from ..settings import SCALE_STALLED
from ..waiting import Poll, poll_until

POLL_SECONDS = 0.5
STALLED_SECONDS = SCALE_STALLED  # no shard copy done for this long
READY, CANCELLED = "READY", "CANCELLED"


def scale(ctx: Context, physical: str, factor: int) -> None:
    """Ask the server for the scale plan, apply it, follow every shard copy to READY, then check
    the collection reads back with the new factor. The class takes the new factor after the
    copies when it grows (it refuses a factor above the replicas a shard has) and before the
    replicas are dropped when it shrinks (a replica is dropped only from a shard holding more
    than the factor: measured, v1.37-v1.39)."""
    current = ctx.reader.get(f"/v1/schema/{physical}")
    was = int((current.get("replicationConfig") or {}).get("factor") or 1)
    shrinks = factor < was
    if shrinks:
        _set_factor(ctx, physical, current, factor)
    try:
        plan = ctx.reader.get(f"/v1/replication/scale?collection={physical}&replicationFactor={factor}")
        reply = ctx.reader.send("POST", "/v1/replication/scale", plan, f"scale {physical} to {factor} replicas")
    except BaseException:
        if shrinks:  # the replicas are still there: the class says so again, and the next plan scales down anew
            _factor_back(ctx, physical, was)
        raise
    operations = [str(o) for o in reply.get("operationIds") or []]
    if operations:
        wait_for_copies(ctx, physical, operations)
    if not shrinks:  # the copies leave the class's own factor as it was (measured, v1.39)
        _set_factor(ctx, physical, ctx.reader.get(f"/v1/schema/{physical}"), factor)
    found = (ctx.reader.get(f"/v1/schema/{physical}").get("replicationConfig") or {}).get("factor")
    if found != factor:
        raise SchemactlError(f"{physical} reads back replication factor {found} after scaling to {factor}")


def _factor_back(ctx: Context, physical: str, was: int) -> None:
    try:
        _set_factor(ctx, physical, ctx.reader.get(f"/v1/schema/{physical}"), was)
    except SchemactlError as error:  # some replicas were dropped after all: the factor as it is
        ctx.notice(f"{physical}: the replication factor could not be put back to {was} ({error})")


def _set_factor(ctx: Context, physical: str, current: dict, factor: int) -> None:
    current.setdefault("replicationConfig", {})["factor"] = factor
    ctx.reader.send("PUT", f"/v1/schema/{physical}", current, f"set the replication factor of {physical} to {factor}")


def wait_for_copies(ctx: Context, physical: str, operations: list[str]) -> None:
    """Wait for each shard copy, with a progress bar; an error naming the shard if one is cancelled."""
    pending = set(operations)
    last: dict = {}  # the last operation asked about, for the message when nothing finishes
    with ctx.progress(f"copying shard replicas of {physical}", len(operations), 0, unit="shards") as advance:
        def step() -> Poll:
            finished = 0
            for operation in sorted(pending):
                details = last["details"] = ctx.reader.get(f"/v1/replication/replicate/{operation}")
                state = (details.get("status") or {}).get("state")
                if state == CANCELLED:
                    raise SchemactlError(f"copying shard {details.get('shard')} of {physical} to "
                                         f"{details.get('targetNode')} was cancelled: "
                                         f"{_errors(details) or 'no reason given'}")
                if state == READY:
                    pending.discard(operation)
                    advance(1)
                    finished += 1
            return Poll.DONE if not pending else Poll.MOVED if finished else Poll.WAITING

        poll_until(step, every=POLL_SECONDS, patience=STALLED_SECONDS, give_up=lambda: _stalled(physical, pending, last))


def _stalled(physical: str, pending: set[str], last: dict) -> SchemactlError:
    details = last.get("details") or {}
    state, errors = (details.get("status") or {}).get("state"), _errors(details)
    return SchemactlError(f"no shard copy of {physical} finished in {STALLED_SECONDS:.0f} s ({len(pending)} left; "
                          f"shard {details.get('shard')} is {state}"
                          f"{'; last error: ' + str(errors[-1])[:200] if errors else ''}): "
                          "see GET /v1/replication/replicate/list")


def _errors(details: dict) -> list[str]:
    """The messages a shard copy operation has collected."""
    return [e.get("message") for e in (details.get("status") or {}).get("errors") or []]
