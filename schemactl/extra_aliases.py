"""Aliases schemactl does not own: further names an application gave a collection, or a version of
one. They are named in every plan and never changed: a recreate moves only schemactl's alias."""
from __future__ import annotations

from collections.abc import Iterable

from .changes import Change, DeleteCollection, RecreateCollection
from .errors import SchemactlError
from .live import LiveState


def plan_warnings(live: LiveState, changes: Iterable[Change]) -> tuple[str, ...]:
    """A line per alias schemactl does not own: what it points at, and what this plan does to it."""
    steps = {c.physical: c for c in changes if isinstance(c, (RecreateCollection, DeleteCollection))}
    known = _known(live)
    return tuple(_warning(alias, target, steps.get(target), live, known)
                 for alias, target in sorted(live.extra_aliases.items()))


def what_it_is(live: LiveState, name: str) -> str:
    """What the alias `name` schemactl does not own points at ("" when it is none)."""
    target = live.extra_aliases.get(name)
    return "" if target is None else _warning(name, target, None, live, _known(live))


def _known(live: LiveState) -> tuple[dict[str, str], dict[str, str]]:
    """Physical collection -> its logical name; version kept for rollback -> whose it is."""
    return ({physical: name for name, physical in live.physical.items()},
            {version: name for name, kept in live.retained.items() for version in kept})


def _warning(alias: str, target: str, step: Change | None, live: LiveState,
             known: tuple[dict[str, str], dict[str, str]]) -> str:
    collections, versions = known
    if target in collections:
        name = collections[target]
        said = f"alias {alias} also points at {target}, the collection {name}; schemactl leaves it as it is"
        if isinstance(step, RecreateCollection):
            asleep = ", its tenants asleep" if step.definition.multi_tenant else ""
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
    """A file for a collection named as an alias that names no collection, or as a collection an
    alias of another name names, would plan a create that fails halfway (its alias cannot be
    made): refuse it before anything is planned."""
    extra, named_as = {alias.lower(): alias for alias in live.extra_aliases}, live.named_by
    found = [f"{n}: {why}" for n in sorted(collections) if (why := _name_taken(live, n, extra, named_as))]
    if found:
        raise SchemactlError("; ".join(found) + "; nothing was planned")


def _name_taken(live: LiveState, name: str, extra: dict[str, str], named_as: dict[str, str]) -> str:
    if name.lower() in extra:
        alias = extra[name.lower()]
        target = live.extra_aliases[alias]
        gone = "" if target in live.raw else ", which does not exist"
        return (f"the alias {alias} points at {target}{gone}; a collection cannot take an alias's name (rename the "
                "file's collection, or delete or re-point the alias)")
    if name in live.raw and named_as.get(name, name) != name:
        return (f"the cluster's collection {name} is served by the alias {named_as[name]}, which names it here: "
                f"declare it as {named_as[name]}, or delete the alias")
    return ""
