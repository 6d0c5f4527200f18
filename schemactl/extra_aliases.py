"""Aliases schemactl does not own: further names an application gave a collection, or a version of
one. They are named in every plan and never changed: a recreate moves only schemactl's alias."""
from __future__ import annotations

from collections.abc import Iterable

from .changes import Change, DeleteCollection, RecreateCollection
from .errors import SchemactlError
from .live import LiveState
from .tenants import is_multi_tenant


def plan_warnings(live: LiveState, changes: Iterable[Change]) -> tuple[str, ...]:
    """A line per alias schemactl does not own: what it points at, and what this plan does to it."""
    collections = {physical: name for name, physical in live.physical.items()}
    versions = {version: name for name, kept in live.retained.items() for version in kept}
    steps = {c.physical: c for c in changes if isinstance(c, (RecreateCollection, DeleteCollection))}
    return tuple(_warning(alias, target, collections, versions, steps.get(target), live)
                 for alias, target in sorted(live.extra_aliases.items()))


def _warning(alias: str, target: str, collections: dict[str, str], versions: dict[str, str],
             step: Change | None, live: LiveState) -> str:
    if target in collections:
        name = collections[target]
        said = f"alias {alias} also points at {target}, the collection {name}; schemactl leaves it as it is"
        if isinstance(step, RecreateCollection):
            asleep = ", its tenants asleep" if is_multi_tenant(step.definition) else ""
            said += (f": this plan's recreate moves only the alias {step.collection}, so {alias} keeps serving "
                     f"{target}, read-only{asleep} from the cutover (point it at the new version yourself)")
        elif isinstance(step, DeleteCollection):
            said += f": deleting {name} leaves {alias} pointing at nothing"
        return said
    if target in versions:
        return (f"alias {alias} points at {target}, an earlier version of {versions[target]} kept for rollback: "
                "drop-old-versions keeps it while the alias does")
    if target in live.unreadable:
        return f"alias {alias} also points at {target}, which schemactl cannot represent"
    return f"alias {alias} points at {target}, which does not exist"


def refuse_files_naming(live: LiveState, collections: Iterable[str]) -> None:
    """A file for a collection named as an alias schemactl does not own would plan a create that
    fails halfway (its alias cannot be made): refuse it before anything is planned."""
    taken = {alias.lower(): alias for alias in live.extra_aliases}
    named = sorted(n for n in collections if n.lower() in taken)
    if named:
        found = "; ".join(f"{n}: alias {taken[n.lower()]} points at {live.extra_aliases[taken[n.lower()]]}"
                          for n in named)
        raise SchemactlError(f"{found}; a collection cannot take the name of an alias schemactl does not own "
                             "(rename the file's collection, or delete or re-point the alias); nothing was planned")
