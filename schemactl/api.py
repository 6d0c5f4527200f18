"""The library API the CLI stands on: read files and cluster, compute a plan, pull."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .changes import RecreateCollection
from .connection import Target
from .diff import diff, unmanaged
from .errors import SchemactlError
from .live import LiveState, RestReader, estimate, read_live
from .loader import find_files
from .plan import Plan, fingerprint_live, hash_files, make_plan, references_of
from .validate import Result, validate_paths


class InvalidFiles(SchemactlError):
    """The files did not validate; carries the result so the CLI can print every finding."""

    def __init__(self, result: Result):
        super().__init__(f"{sum(f.severity == 'error' for f in result.findings)} error(s) in the files")
        self.result = result


@dataclass(frozen=True)
class Desired:
    result: Result
    files_hash: str


def load_desired(paths: list[Path]) -> Desired:
    """Validated collections from files; InvalidFiles when any file has an error."""
    result = validate_paths(paths)
    if not result.ok:
        raise InvalidFiles(result)
    contents = {str(p): p.read_bytes() for p in find_files(paths)}
    return Desired(result, hash_files(contents))


def compute_plan(paths: list[Path], target: Target, *, prune: bool = False) -> tuple[Plan, LiveState]:
    """Files vs cluster -> Plan (reads only; changes nothing)."""
    desired = load_desired(paths)
    reader = RestReader(target)
    try:
        live = read_live(reader)
        collections = desired.result.collections
        changes = diff(live.collections, collections, physical=live.physical, prune=prune)
        by_physical = {p: live.collections[n] for n, p in live.physical.items()}
        estimates = {c.collection: estimate(reader, c.physical, by_physical[c.physical], c.reembeds)
                     for c in changes if isinstance(c, RecreateCollection)}
    finally:
        reader.close()
    not_managed = tuple(unmanaged(live.collections, collections)) if not prune else ()
    retained = tuple(v for versions in live.retained.values() for v in versions)
    plan = make_plan(changes, target=target.url, desired_hash=desired.files_hash,
                     live_fingerprint=fingerprint_live(live.raw, live.aliases), estimates=estimates,
                     references=references_of(collections), unmanaged=not_managed, retained=retained)
    return plan, live


def pull(target: Target, names: list[str]) -> dict[str, str]:
    """YAML text per live collection (logical name), server defaults left out."""
    import yaml

    from .normalize import minimal

    reader = RestReader(target)
    try:
        live = read_live(reader)
    finally:
        reader.close()
    missing = [n for n in names if n not in live.collections]
    if missing:
        known = ", ".join(sorted(live.collections)) or "none"
        raise SchemactlError(f"no collection named {', '.join(missing)} in the cluster (it has: {known})")
    out = {}
    for name in names or sorted(live.collections):
        data = minimal(live.collections[name]).model_dump(mode="json", exclude_none=True)
        out[name] = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return out


def apply(plan: Plan, live: LiveState, target: Target, on_step=lambda step, status: None):
    """Execute `plan` against the cluster state it was computed from; returns apply.Report."""
    from .apply import Context, apply_plan

    reader = RestReader(target)
    try:
        return apply_plan(plan, Context(reader, dict(live.physical), dict(live.collections)), on_step)
    finally:
        reader.close()
