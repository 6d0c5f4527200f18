"""What each Weaviate server version can do: one row per capability, the first version that has it.

A row is data, not a branch: code asks `has("aliases", server_version)`, and the day a release adds
a capability its row gets a version and every check follows. `None` means no released server has
it yet (checked against the newest release schemactl is tested on).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

Version = tuple[int, int, int]


# the server versions the test suite runs on (CI: the whole suite on the first, the version matrix
# tests/integration/test_versions_on_server.py on all); the newest 1.39 that builds here comes first
TESTED = ("1.39.3", "1.38.8", "1.37.5")


@dataclass(frozen=True)
class Capability:
    name: str
    first: Version | None  # the first server version that has it; None: no released server has it
    what: str  # what the server does from that version on
    source: str  # where this is documented or how it was measured
    measured_on: tuple[str, ...] = ()  # the TESTED versions whose tests check this row


CAPABILITIES: dict[str, Capability] = {c.name: c for c in (
    Capability("aliases", (1, 32, 0), "collection aliases (/v1/aliases): the zero-downtime cutover",
               "Weaviate 1.32 release notes", TESTED),
    Capability("replication_scale", (1, 35, 0),
               "replication factor changes through the replication scale API (with REPLICA_MOVEMENT_ENABLED)",
               "Weaviate 1.35 release notes; schemactl/apply/scale.py", ("1.39.3",)),
    Capability("property_index_drop", (1, 36, 0),
               "a property's filterable, searchable or rangeFilters index dropped in place "
               "(DELETE /v1/schema/{c}/properties/{p}/index/{i})",
               "measured on 1.37.5 and 1.38.8 (DELETE answers 200, PUT 405); Weaviate 1.36 release notes", TESTED),
    Capability("property_index_tasks", (1, 39, 0),
               "property indexes built, dropped and re-tokenized in place (/v1/schema/{c}/properties/{p}/index)",
               "measured: 1.37 and 1.38 answer 405 to PUT; 1.39.3 runs them only with RUNTIME_REINDEX_ENABLED=true "
               "(asked of the server: capabilities.runtime_reindex_on); schemactl/index_changes.py", TESTED),
    Capability("single_vectorizer_settings_in_place", (1, 37, 0),
               "a single (legacy) vectorizer's settings that leave its vectors alone (options.*) changed by PUT "
               "/v1/schema/{c}",
               "measured on 1.37.5, 1.38.8 and 1.39.0 (PUT 200, read back as sent); older versions not measured",
               TESTED),
    Capability("async_replication_from_factor", (1, 38, 0),
               "replicationConfig.asyncEnabled derived from the replication factor (on above 1): a PUT of another "
               "value answers 200 and changes nothing; before, the server keeps what it is sent",
               "measured: 1.37.5 keeps what is sent (created, and changed by PUT); 1.38.8 and 1.39.x derive it",
               TESTED),
    Capability("object_ttl", (1, 35, 0),
               "objectTtlConfig: objects expire (the server needs OBJECTS_TTL_DELETE_SCHEDULE, else 422 'enabling "
               "objectTTL requires a running background scheduler')",
               "Weaviate docs (technical preview in 1.35, GA in 1.36); measured on 1.37.5-1.39.3: created, read back "
               "and changed by PUT", TESTED),
    Capability("multivector", (1, 29, 0),
               "multi-vector (ColBERT-style) named vectors on hnsw, with or without MUVERA",
               "Weaviate 1.29 release notes; measured on 1.37.5-1.39.3 (a flat index drops it: refused offline)",
               TESTED),
    Capability("rq_bits_4", (1, 39, 0),
               "RQ with bits 4 on hnsw (older servers answer 422 'RQ bits must be 8 or 1')",
               "measured: 1.37.5 and 1.38.8 refuse it, 1.39.0 and 1.39.3 take it", TESTED),
    Capability("rq_training_options", (1, 39, 3),
               "RQ trainingLimit and centering on hnsw (older servers drop them without a word)",
               "measured: 1.37.5, 1.38.8 and 1.39.0 drop both; 1.39.3 keeps them (1.39.1-2 not measured)", TESTED),
    Capability("server_side_batching", (1, 36, 0),
               "gRPC batch streaming (weaviate-client's batch.stream()); schemactl's copy does not need it: its "
               "insert_many pages run at 0.99x of it (bench, 20,000 objects)",
               "weaviate-client 4.23 refuses it below 1.36; measured on 1.37.5-1.39.3: 1,000 objects, 0 failed", TESTED),
    Capability("alias_tenant_endpoints", None,
               "tenant changes (POST, PUT, DELETE /v1/schema/{name}/tenants) resolve an alias to its collection",
               "measured on 1.39.0, 1 and 3 nodes: each answers 422 'class not found' through an alias (reads, "
               "GET and HEAD, do resolve it); weaviate/weaviate#8995, feature request weaviate/weaviate#11561 (open)",
               ("1.39.3",)),
)}


def parse(version: str) -> Version:
    """(major, minor, patch) of a server version string such as "1.39.0" or "v1.39.0-rc.1";
    missing parts count as 0."""
    numbers = [int(n) for n in re.findall(r"\d+", version)[:3]] + [0, 0, 0]
    return numbers[0], numbers[1], numbers[2]


def capability(name: str) -> Capability:
    """The row for `name`; ValueError naming the known ones for a name the table lacks."""
    try:
        return CAPABILITIES[name]
    except KeyError:
        raise ValueError(f"unknown server capability {name!r} (known: {', '.join(sorted(CAPABILITIES))})") from None


def has(name: str, server_version: str) -> bool:
    """Whether a server of `server_version` has the capability."""
    first = capability(name).first
    return first is not None and parse(server_version) >= first


def first_version(name: str) -> str | None:
    """The first server version with the capability, as text ("1.32.0"), or None."""
    first = capability(name).first
    return ".".join(map(str, first)) if first is not None else None


def newest_tested() -> Version:
    return max(parse(v) for v in TESTED)


def is_newer_than_tested(server_version: str) -> bool:
    """A minor (or major) release past the newest one the tables were measured on."""
    return parse(server_version)[:2] > newest_tested()[:2]


def is_tested_minor(server_version: str) -> bool:
    """A release of a minor the tables were measured on (a patch of it counts as tested)."""
    return parse(server_version)[:2] in {parse(v)[:2] for v in TESTED}


def untested_note(server_version: str, copies: list[str]) -> str | None:
    """What a plan says on a server newer than the tables: each copy may be one only because the
    tables do not know what that release changes in place (they take the safe path)."""
    if not copies or not is_newer_than_tested(server_version):
        return None
    newest = ".".join(map(str, newest_tested()))
    return (f"Weaviate {server_version} is newer than any release schemactl's capability table was measured on "
            f"(newest {newest}): {', '.join(copies)} "
            f"{'is' if len(copies) == 1 else 'are'} planned as a copy, the safe path; the server may be able to "
            "make some of these changes in place (docs/reference/weaviate-versions.md)")
