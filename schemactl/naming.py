"""How schemactl names a collection's physical versions: `<Name>_v<N>`, served by the alias
`<Name>` (the name the files and the application use)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

VERSIONED = re.compile(r"^(?P<logical>[A-Z][_0-9A-Za-z]*)_v(?P<version>\d+)$")
SUFFIX_ROOM = len("_v9999")  # what a logical name leaves for the version suffix


def version_of(physical: str) -> tuple[str, int] | None:
    """(logical name, version number) of a name shaped like a version; None otherwise."""
    match = VERSIONED.match(physical)
    return (match["logical"], int(match["version"])) if match else None


def logical_of(physical: str) -> str:
    """The logical name of a version (`Author_v2` -> `Author`); any other name as it is."""
    found = version_of(physical)
    return found[0] if found else physical


def is_version_of(physical: str, logical: str) -> bool:
    found = version_of(physical)
    return found is not None and found[0] == logical


def versions_of(logical: str, names: Iterable[str], *, below: int | None = None) -> list[str]:
    """The versions of `logical` among `names`, oldest first (only those numbered under `below`)."""
    found = [(v[1], n) for n in names
             if (v := version_of(n)) and v[0] == logical and (below is None or v[1] < below)]
    return [n for _, n in sorted(found)]


def in_version_order(name: str) -> tuple[str, int, str]:
    """Sort key: versions of one name by number (Article_v2 before Article_v10), then other names."""
    found = version_of(name)
    return (found[0], found[1], "") if found else (name, -1, name)


def next_version(logical: str, existing: Iterable[str]) -> str:
    """The next version name of `logical`: <Name>_v<highest existing + 1>."""
    numbers = [v[1] for n in existing if (v := version_of(n)) and v[0] == logical]
    return f"{logical}_v{max(numbers, default=0) + 1}"


def declared_name(target: str, declared: Iterable[str], renamed: Mapping[str, str]) -> str:
    """A live reference target as a file's reference names it (`declared`): an old version of a
    collection (a cutover an apply stopped in before the referrer followed it) by the collection's
    name, and a renamed collection (down a chain of renames, `renamed`: old -> new name) by the name
    it goes by now. A target the file does not name comes back as its logical name."""
    wanted = set(declared)
    name, seen = (target if target in wanted else logical_of(target)), set()
    while name not in wanted and name in renamed and name not in seen:
        seen.add(name)
        name = renamed[name]
    return name
