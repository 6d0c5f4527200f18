"""Property index changes carried out by the server (Weaviate 1.39+): submit, follow, verify.

A PUT answers 202 with a task id (or 200 NO_OP when nothing is left to do); the task runs in the
server, so an apply killed while it runs finds it again: the same PUT joins the running task.
DELETE takes an index away at once. Progress comes from GET /v1/schema/{c}/indexes.
"""
from __future__ import annotations

from ..changes import IndexOperation
from .context import Context
from ..errors import SchemactlError
from ..waiting import Poll, poll_until

POLL_SECONDS = 0.2
STALLED_SECONDS = 600  # no progress reported for this long: give up and say so
DONE, FAILED = "ready", ("failed", "cancelled")


def run(ctx: Context, physical: str, prop: str, operations: tuple[IndexOperation, ...]) -> None:
    """Every operation in order, each followed to completion."""
    for op in operations:
        path = f"/v1/schema/{physical}/properties/{prop}/index/{op.index}"
        if op.action == "disable":
            ctx.reader.send("DELETE", path, None, f"turn off the {op.index} index of {physical}.{prop}")
            continue
        body = {"tokenization": op.tokenization} if op.tokenization and op.index != "rangeFilters" else {}
        reply = ctx.reader.send("PUT", path, body, f"{_describe(op)} of {physical}.{prop}")
        if reply.get("status") != "NO_OP":
            wait_for_task(ctx, physical, prop, str(reply.get("taskId") or ""), op)


def wait_for_task(ctx: Context, physical: str, prop: str, task: str, op: IndexOperation) -> None:
    """Wait for the server's task, with a progress bar; an error if it fails or is cancelled."""
    reported = [0.0]  # percent shown so far
    with ctx.progress(f"{_describe(op)} of {prop} (task {task or '?'})", 100, 0, unit="%") as advance:
        def step() -> Poll:
            entries = _entries(ctx, physical, prop, task)
            failed = [e for e in entries if e.get("status") in FAILED]
            if failed:
                raise SchemactlError(f"the server's index task {task} on {physical}.{prop} ended "
                                     f"{failed[0]['status']}: {failed[0].get('error') or 'no reason given'}")
            done = all(e.get("status") == DONE for e in entries)
            progress = 100.0 if done else _percent(entries)
            moved = progress > reported[0]
            if moved:
                advance(progress - reported[0])
                reported[0] = progress
            return Poll.DONE if done else Poll.MOVED if moved else Poll.WAITING

        poll_until(step, every=POLL_SECONDS, patience=STALLED_SECONDS, give_up=lambda: SchemactlError(
            f"the server's index task {task} on {physical}.{prop} reported no progress for {STALLED_SECONDS} s; it "
            "keeps running in the server: apply again to follow it"))


def _entries(ctx: Context, physical: str, prop: str, task: str) -> list[dict]:
    """The index entries of `prop` the task drives (all of the property's, when it names none)."""
    status = ctx.reader.get(f"/v1/schema/{physical}/indexes")
    found = next((p.get("indexes") or [] for p in status.get("properties") or [] if p.get("name") == prop), [])
    driven = [e for e in found if e.get("taskId") == task] if task else []
    return driven or [e for e in found if e.get("taskId")]


def _percent(entries: list[dict]) -> float:
    values = [float(e.get("progress") or 0) for e in entries]
    value = min(values) if values else 0.0
    return value * 100 if value <= 1 else value


def _describe(op: IndexOperation) -> str:
    if op.action == "retokenize":
        return f"retokenize ({op.tokenization}) the {op.index} index"
    return f"{'build' if op.action == 'enable' else 'drop'} the {op.index} index"


def verify(ctx: Context, physical: str, prop: str, wanted: dict) -> None:
    """The property as the server now reports it has the settings the plan asked for."""
    body = ctx.reader.get(f"/v1/schema/{physical}")
    now: dict = next((p for p in body.get("properties") or [] if p.get("name") == prop), {})
    wrong = {k: (now.get(k), v) for k, v in wanted.items() if now.get(k) != v}
    if wrong:
        listed = ", ".join(f"{k} is {got!r}, not {want!r}" for k, (got, want) in sorted(wrong.items()))
        raise SchemactlError(f"after its index tasks, {physical}.{prop} reports {listed}")
