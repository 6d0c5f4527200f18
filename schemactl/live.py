"""Read the cluster: raw REST JSON of GET /v1/schema and the aliases -> the spec type."""
from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from .connection import TIMEOUT_HINT, Target
from .errors import ConnectionFailed, RequestRefused, SchemactlError
from .naming import is_version_of, logical_of, version_of
from .owned import LOCK, is_owned
from .redact import redact
from .rest_json import Unrepresentable, from_rest
from .spec import Collection
from . import versions

TENANT_STATUS_WORDS = {"ACTIVE": "HOT", "INACTIVE": "COLD", "OFFLOADED": "FROZEN"}  # older servers' -> today's


def tenant_status(reported: str | None) -> str:
    """A tenant's activity status in today's words (HOT, COLD, FROZEN, ...); none reported: HOT."""
    status = reported or "HOT"
    return TENANT_STATUS_WORDS.get(status, status)


def is_active(status: str) -> bool:
    """Whether a tenant in `status` takes reads and writes ("": no such tenant, no)."""
    return TENANT_STATUS_WORDS.get(status, status) == "HOT"


@dataclass(frozen=True)
class LiveState:
    """What the cluster holds, keyed by logical name (an alias name, or the collection's own)."""

    version: str
    collections: dict[str, Collection]  # logical name -> definition (named logically)
    physical: dict[str, str]  # logical name -> physical collection name
    raw: dict[str, dict] = field(repr=False)  # physical name -> REST JSON as read
    aliases: dict[str, str]  # alias -> physical collection, for the aliases that name a collection
    unmanaged: tuple[str, ...] = ()  # set by the planner's caller: live names no file declares
    retained: dict[str, tuple[str, ...]] = field(default_factory=dict)  # logical -> old versions
    unreadable: dict[str, str] = field(default_factory=dict)  # physical name -> why
    modules: tuple[str, ...] | None = None  # the modules the server has enabled (GET /v1/meta)
    # alias -> physical collection, for further aliases of a collection another alias names
    extra_aliases: dict[str, str] = field(default_factory=dict)
    lock: str | None = None  # the apply lock's holder, as its record describes it (None: not held)

    @property
    def every_alias(self) -> dict[str, str]:
        return self.aliases | self.extra_aliases

    @property
    def named_by(self) -> dict[str, str]:
        """Physical collection -> the alias that names it."""
        return {physical: alias for alias, physical in self.aliases.items()}


REQUEST_TIMEOUT = 30.0
HEALTHY = "HEALTHY"


class RestClient:
    """A small REST client: raw JSON, our own error messages."""

    def __init__(self, target: Target):
        target.rest_parts  # noqa: B018 - a URL that is none is refused first, naming where it was given
        headers = target.header_dict()  # a user and password in the URL go here, not in base_url
        if target.credential and target.oidc is None:  # an OIDC token is set per request: it is renewed
            headers["Authorization"] = f"Bearer {target.credential}"
        self.target = target
        self.timeout = target.timeout or REQUEST_TIMEOUT
        proxy = target.rest_proxy  # decided once for both protocols (proxies.py), not by httpx again
        self.http = httpx.Client(base_url=target.rest_url.rstrip("/"), headers=headers, timeout=self.timeout,
                                 verify=target.verify(), proxy=proxy.url if proxy else None, trust_env=False)

    def _leader_hint(self) -> str:
        """Why a cluster may hold a request. Measured on v1.39: requests that reach a node as it dies
        (a schema read through the Raft leader, an aggregate over its replicas) wait about a minute,
        though the cluster goes on without it within seconds."""
        try:
            reply = self.http.get("/v1/cluster/statistics", timeout=min(3.0, self.timeout))
            nodes = reply.json().get("statistics") or [] if reply.status_code == 200 else []
        except (httpx.HTTPError, ValueError):
            return ""
        leaders = {n.get("leaderId") for n in nodes if n.get("status") == HEALTHY} - {None, ""}
        healthy = {n.get("name") for n in nodes if n.get("status") == HEALTHY}
        if nodes and not leaders & healthy:
            return ("; the cluster has no healthy Raft leader right now and schema requests wait for one: "
                    "run it again once a new leader is elected (usually seconds)")
        if len(nodes) > 1:
            return ("; on a cluster, a request that reaches a node as it dies waits about a minute (Weaviate "
                    "v1.39, measured): run it again")
        return ""

    def get(self, path: str) -> Any:
        """JSON of a read; ConnectionFailed when unreachable or refused (401/403), RequestRefused
        (with the status) for any other error."""
        reply = self._request("GET", path, None)
        if reply.status_code == 401:
            raise self._unauthenticated(reply)
        if reply.status_code == 403:
            raise ConnectionFailed(f"Weaviate at {self.target.display} refused GET {path} (403 forbidden): "
                                   f"{_server_message(reply)}")
        if reply.status_code >= 400:
            raise RequestRefused(f"GET {path} failed with {reply.status_code}: {_server_message(reply)}"
                                 f"{self._v1_hint(reply.status_code)}", reply.status_code)
        try:
            body = reply.json()
        except ValueError:
            raise SchemactlError(f"GET {path} did not answer JSON; is {self.target.display} Weaviate?") from None
        if not isinstance(body, dict | list):
            raise self.not_weaviate(path, f"a JSON {type(body).__name__}")
        return body

    def _v1_hint(self, status: int) -> str:
        """A URL ending in /v1 (Weaviate's paths start with it): what a 404 then means."""
        if status != 404 or not urlsplit(self.target.url).path.rstrip("/").endswith("/v1"):
            return ""
        return (f" ({self.target.setting_options('url', 'url')} ends in /v1: give the address Weaviate answers at "
                "without it, as schemactl asks its /v1/... paths itself)")

    def not_weaviate(self, path: str, what: str) -> SchemactlError:
        """An answer not shaped as Weaviate's (a proxy's, another service's)."""
        return SchemactlError(f"GET {path} answered {what}, not as Weaviate does; is {self.target.display} "
                              "Weaviate?")

    def get_or_none(self, path: str) -> dict | None:
        """Like `get`, but None when the thing asked for does not exist (404)."""
        try:
            return self.get(path)
        except RequestRefused as error:
            if error.status == 404:
                return None
            raise

    def probe(self, path: str) -> tuple[int, dict]:
        """(status, JSON body or {}) of a read whose refusal is an answer, not an error."""
        status, body = self.request_status("GET", path)
        return status, body if status < 400 and isinstance(body, dict) else {}

    def request_status(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        """(status, JSON body or {}) of a request whose refusal is an answer (probes)."""
        reply = self._request(method, path, body)
        try:
            return reply.status_code, reply.json()
        except ValueError:
            return reply.status_code, {}

    def _request(self, method: str, path: str, body: dict | list | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.target.credential}"} if self.target.oidc is not None else None
        try:
            return self.http.request(method, path, json=body, headers=headers)
        except httpx.TimeoutException:
            raise ConnectionFailed(f"Weaviate at {self.target.display} did not answer {method} {path} within "
                                   f"{self.timeout:g} s{self._leader_hint() or ' (' + TIMEOUT_HINT + ')'}") from None
        except httpx.HTTPError as error:
            via = f" through the proxy {self.target.rest_proxy.display}" if self.target.rest_proxy else ""
            raise ConnectionFailed(f"cannot reach Weaviate at {self.target.display}{via}: "
                                   f"{redact(str(error)) or type(error).__name__}") from None

    def post(self, path: str, body: dict) -> dict:
        return self.send("POST", path, body, f"POST {path}")

    def send(self, method: str, path: str, body: dict | list | None, what: str) -> dict:
        """A write; ConnectionFailed when the credentials are refused (401), as for a read;
        RequestRefused with the server's own message when it refuses otherwise."""
        reply = self._request(method, path, body)
        if reply.status_code == 401:
            raise self._unauthenticated(reply)
        if reply.status_code >= 400:
            raise RequestRefused(f"{what} failed ({reply.status_code}): {_server_message(reply)}",
                                 reply.status_code)
        return reply.json() if reply.content else {}

    def _unauthenticated(self, reply: httpx.Response) -> ConnectionFailed:
        """The one message for a request the cluster refused (401): what was sent, what the server
        said (an expired token, say), what it takes."""
        said = _server_message(reply) if reply.text.strip() else ""
        if _CREDENTIAL_SHAPED.search(said):  # something in front echoing what it was sent: not shown
            said = ""
        return ConnectionFailed(f"Weaviate at {self.target.display} refused the request (401) with "
                                f"{self.target.auth_mechanism}{f' ({said})' if said else ''}{_expects(self, said)}")

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RestClient:  # noqa: PYI034 - not subclassed
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_CREDENTIAL_SHAPED = re.compile(r"(?i)\b(bearer|basic)\s+\S|\beyJ[\w-]{8,}\.[\w-]{8,}")  # a header, a JWT


def oidc_settings(reader: RestClient) -> tuple[int, dict]:
    """(status, body) of the server's /v1/.well-known/openid-configuration, asked without the
    command's credential (one the server refuses would be refused here too); (0, {}) when it
    cannot be asked, and an empty body when the answer is not Weaviate's JSON (a proxy's page)."""
    path = "/v1/.well-known/openid-configuration"
    try:
        with reader.target.http_client_for(reader.target.rest_url) as bare:
            reply = bare.get(reader.target.rest_url.rstrip("/") + path, timeout=5)
        if reply.status_code == 401:  # something in front wants a header of the command line's
            reply = reader.http.get(path, timeout=5)
    except httpx.HTTPError:
        return 0, {}
    try:
        body = reply.json() if reply.status_code == 200 else {}
    except ValueError:
        body = {}
    return reply.status_code, body if isinstance(body, dict) else {}


def _oidc_variables(target: Target) -> str:
    """Where an OIDC login is read from: WEAVIATE_OIDC_*, or under --env the variables it names."""
    from .environments import oidc_variables

    if target.environment is None:
        return "WEAVIATE_OIDC_CLIENT_SECRET / WEAVIATE_OIDC_USERNAME and WEAVIATE_OIDC_PASSWORD"
    named = oidc_variables(target.environment.settings)
    return (f"oidcClientSecretEnv / oidcUsernameEnv and oidcPasswordEnv of environment {target.environment.name}"
            + (f" ({', '.join(v for v in named.values() if v)})" if any(named.values()) else ""))


def _expects(reader: RestClient, said: str = "") -> str:
    """What the server takes, for a refusal: OIDC from which issuer, or not; only OIDC tokens where
    its refusal (`said`) shows OIDC alone ("available methods: [OIDC]" to no credential, a key
    read as a malformed token: v1.39)."""
    status, body = oidc_settings(reader)
    if status == 200 and body.get("href"):
        oidc_only = re.search(r"available methods: \[oidc\]|oidc: malformed jwt", said, re.IGNORECASE) is not None
        return (f"; it takes {'only' if oidc_only else 'API keys or'} OIDC tokens from {body['href']} "
                f"({'' if oidc_only else '--api-key, '}--bearer-token, or {_oidc_variables(reader.target)})")
    if status != 404 and not (status == 200 and body):  # unknown, or not Weaviate's answer
        return ""
    return f"; it has no OIDC configured: check {reader.target.credential_options('apiKeyEnv', 'api-key', 'WEAVIATE_API_KEY')}"


def _server_message(reply: httpx.Response) -> str:
    if not reply.text.strip():
        return "no message"
    try:
        body = reply.json()
    except ValueError:
        return not_from_weaviate(reply)
    errors = body.get("error") if isinstance(body, dict) else None
    text = "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict)) \
        if isinstance(errors, list) else ""
    if not text and isinstance(body, dict) and isinstance(body.get("message"), str):
        text = body["message"]  # {"code": 401, "message": "unauthorized: ..."}
    text = text or reply.text
    return cause_first(text) if reply.status_code >= 500 else text[:300]


def not_from_weaviate(reply: httpx.Response) -> str:
    """An answer that is not Weaviate's JSON: named by its page title (nginx's "403 Forbidden")."""
    title = re.search(r"<title>\s*(.*?)\s*</title>", reply.text, re.IGNORECASE | re.DOTALL)
    shown = f"{title[1][:100]!r}" if title else repr(reply.text.strip()[:100]) if reply.text.strip() else "an empty body"
    return (f"{shown}, not Weaviate's JSON: something in front of Weaviate (an ingress, a proxy, a firewall) "
            "answered; check the URL, and whether the cluster is reachable from here only through a proxy "
            "(HTTPS_PROXY / NO_PROXY)")


def cause_first(message: str) -> str:
    """A server error's root cause first: Weaviate wraps it in context ("put object: import into
    index x: shard y: store is read-only ..."), and the last link is the one a user can act on."""
    links = [link.strip() for link in message.split(": ") if link.strip()]
    if len(links) < 3:
        return message[:300]
    return f"{links[-1][:200]} (while: {': '.join(links[:-1])[:200]})"


def read_live(reader: RestClient) -> LiveState:
    """Schema and aliases as the cluster has them, with logical names resolved."""
    meta = server_meta(reader)
    version = str(meta.get("version", "0"))
    require("aliases", version, "aliases (zero-downtime cutover)")
    classes = {c["class"]: c for c in _listed(reader, "/v1/schema", "classes", ("class",))}
    aliases = {a["alias"]: a["class"] for a in _listed(reader, "/v1/aliases", "aliases", ("alias", "class"))}
    held = classes.get(LOCK)
    return dataclasses.replace(resolve(version, classes, aliases), modules=tuple(sorted(meta.get("modules") or {})),
                               lock=(held.get("description") or "") if held is not None else None)


def server_meta(reader: RestClient) -> dict:
    """GET /v1/meta, as Weaviate answers it (with its version)."""
    return _shaped(reader, "/v1/meta", "version", str)


def _shaped(reader: RestClient, path: str, key: str, kind: type) -> dict:
    """GET `path`, an object whose `key` is a `kind` (as Weaviate answers it)."""
    body = reader.get(path)
    if not isinstance(body, dict) or not isinstance(body.get(key), kind):
        raise reader.not_weaviate(path, f"no {key}")
    return body


def _listed(reader: RestClient, path: str, key: str, names: tuple[str, ...]) -> list[dict]:
    """GET `path`'s list under `key` (none: empty), each item an object naming `names` as text."""
    body = reader.get(path)
    found = body.get(key) if isinstance(body, dict) else None
    items = found or []
    if not isinstance(body, dict) or not isinstance(items, list) or \
            not all(isinstance(i, dict) and all(isinstance(i.get(n), str) for n in names) for i in items):
        raise reader.not_weaviate(path, f"{key} not as a list of objects")
    return items


def resolve(version: str, classes: dict[str, dict], aliases: dict[str, str]) -> LiveState:
    """Name each live collection logically: by the alias pointing at it, else by its own name
    (schemactl's own records left out)."""
    classes = {name: body for name, body in classes.items() if not is_owned(name)}
    naming, extra = naming_aliases(aliases, set(classes))
    by_target = {target: alias for alias, target in naming.items()}
    collections, physical, unreadable = {}, {}, {}
    for name, body in classes.items():
        logical = by_target.get(name, name)
        try:
            collections[logical] = from_rest(body, logical_name=logical, logical_names=by_target)
        except Unrepresentable as error:
            unreadable[name] = str(error)
            continue
        physical[logical] = name
    retained: dict[str, list[str]] = {}
    for name in classes:
        found = version_of(name)
        if found and name not in by_target and found[0] in physical:
            retained.setdefault(found[0], []).append(name)
            collections.pop(name, None)
            physical.pop(name, None)
    return LiveState(version, collections, physical, classes, naming,
                     retained={k: tuple(sorted(v)) for k, v in retained.items()}, unreadable=unreadable,
                     extra_aliases=extra)


def naming_aliases(aliases: dict[str, str], classes: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The aliases that name one of the collections `classes`, and the others (alias -> physical
    each). Several aliases may point at one collection: schemactl's own (`Docs` -> `Docs_v2`)
    names it; else the first by name. Another alias at a collection, at an earlier version of one
    schemactl manages, or at none, is an extra: never mistaken for a collection."""
    own = {a: p for a, p in aliases.items() if is_version_of(p, a) and p in classes}
    naming = dict(own)
    for alias, target in sorted(aliases.items()):
        if alias in own or target not in classes or target in naming.values() or logical_of(target) in own:
            continue
        naming[alias] = target
    return naming, {a: p for a, p in aliases.items() if a not in naming}


def unrepresentable(live: LiveState) -> dict[str, str]:
    """Collections schemactl cannot represent, by the name applications use (their alias, if
    one points at them) -> why. They are never changed, deleted or skipped without a word."""
    by_target = live.named_by
    return {by_target.get(name, name): why for name, why in sorted(live.unreadable.items())}


def require(capability: str, version: str, feature: str) -> None:
    """Refuse a server of `version` that lacks `capability` (the versions table's row)."""
    if not versions.has(capability, version):
        raise SchemactlError(f"Weaviate {version} is too old for {feature}: "
                             f"schemactl needs >= {versions.first_version(capability)}")


# ---- cluster nodes ----------------------------------------------------------------------------

MISSING = "MISSING (a cluster member /v1/nodes no longer lists)"


def shards_path(collection: str) -> str:
    """Every node's own status of each shard (tenant) of `collection`: one request."""
    return f"/v1/nodes/{collection}?output=verbose"


def loaded_shards(reply: dict, collection: str) -> Iterable[tuple[str, dict]]:
    """(node, shard status) for each shard of `collection` loaded on a node, from a `shards_path` reply."""
    return [(node.get("name", "?"), shard) for node in reply.get("nodes") or [] for shard in node.get("shards") or []
            if shard.get("class") == collection and shard.get("loaded")]


def node_statuses(reader: RestClient) -> dict[str, str] | None:
    """Node name -> status (HEALTHY, UNAVAILABLE, ...) for every member of the cluster, as the node
    asked sees it; None when the caller may not list nodes. Measured on v1.39: a node that died
    shows as UNAVAILABLE for a few seconds, then drops out of /v1/nodes altogether — it is still
    a member of the Raft configuration, so it is reported as MISSING."""
    status, body = reader.probe("/v1/nodes")
    if status != 200:
        return None
    statuses = {n.get("name", "?"): n.get("status", "?") for n in body.get("nodes") or []}
    for member in _raft_members(reader):
        statuses.setdefault(member, MISSING)
    return statuses


def _raft_members(reader: RestClient) -> set[str]:
    status, body = reader.probe("/v1/cluster/statistics")
    if status != 200:
        return set()
    return {m["id"] for n in body.get("statistics") or []
            for m in (n.get("raft") or {}).get("latestConfiguration") or [] if m.get("id")}


def nodes_down(reader: RestClient) -> dict[str, str]:
    """The nodes that are not HEALTHY, with their status (none when nodes cannot be listed)."""
    return {name: status for name, status in sorted((node_statuses(reader) or {}).items()) if status != HEALTHY}


def describe_down(down: dict[str, str]) -> str:
    """`nodes_down`'s answer, as messages name it."""
    return ", ".join(f"node {name} is {status}" for name, status in down.items())


AGREEMENT_TIMEOUT = 30.0  # seconds every node may take to apply a schema change


def wait_for_agreement(reader: RestClient, timeout: float = AGREEMENT_TIMEOUT) -> int:
    """Return once every node has applied every schema change committed so far (Raft applied
    index = the highest commit index seen), so the next step sees the change on whichever node
    serves it. A node that does not catch up within `timeout` is named. Returns how many nodes
    answered (0: the statistics cannot be read)."""
    from .waiting import Poll, poll_until

    seen: dict[str, object] = {"nodes": 0}  # the commit index to reach, the nodes still behind it

    def step() -> Poll:
        status, body = reader.probe("/v1/cluster/statistics")
        if status != 200:
            return Poll.DONE  # not allowed to read it, or a server without it: nothing to wait on
        seen["nodes"] = len(body.get("statistics") or [])
        raft = {n.get("name", "?"): n.get("raft") or {} for n in body.get("statistics") or []
                if n.get("status", HEALTHY) == HEALTHY}  # a node that is down catches up when back
        target = seen.setdefault("target", max((int(r.get("commitIndex") or 0) for r in raft.values()), default=0))
        seen["behind"] = {name: int(r.get("appliedIndex") or 0) for name, r in raft.items()
                          if int(r.get("appliedIndex") or 0) < target}  # type: ignore[operator]
        return Poll.WAITING if seen["behind"] else Poll.DONE

    def late() -> SchemactlError:
        behind: dict[str, int] = seen["behind"]  # type: ignore[assignment]
        listed = ", ".join(f"{name} (applied {index} of {seen['target']})" for name, index in sorted(behind.items()))
        return SchemactlError(f"schema changes not applied on every node after {timeout:.0f} s: {listed}")

    poll_until(step, every=0.1, patience=timeout, give_up=late)
    return seen["nodes"]  # type: ignore[return-value]


# ---- estimates for data-moving steps --------------------------------------------------------

SAMPLE_OBJECTS = 200


def estimate(reader: RestClient, physical: str, collection: Collection, embedded: Sequence[str] = ()):
    """Objects (per tenant) in `physical`, and the characters its text would send to be embedded:
    `embedded` names the properties each re-embedded vector reads, once per such vector."""
    from .plan import Estimate

    multi_tenant = collection.multi_tenant
    # inactive tenants cannot be counted without waking them: the estimate leaves them out, saying how many
    statuses = _tenant_statuses(reader, physical) if multi_tenant else {}
    tenants: list[str | None] = [t for t, s in statuses.items() if is_active(s)] if multi_tenant else [None]
    per_tenant: dict[str | None, int] = (dict(count_per_tenant(reader, physical, tenants))  # type: ignore[arg-type]
                                         if multi_tenant else {None: count_objects(reader, physical, None)})
    total = sum(per_tenant.values())
    chars = 0
    readable = still_active(reader, physical, per_tenant) if embedded and total else []
    if readable:
        sample = max(readable, key=lambda t: per_tenant[t])
        average = _average_text_chars(reader, physical, sample, list(embedded))
        chars = int(average * total)
    return Estimate(total, {t: n for t, n in per_tenant.items() if t is not None}, chars,
                    asleep_tenants=len(statuses) - (len(per_tenant) if multi_tenant else 0))


def _tenant_statuses(reader: RestClient, physical: str) -> dict[str, str]:
    """Tenant name -> activity status, in today's words."""
    return {t["name"]: tenant_status(t.get("activityStatus")) for t in reader.get(f"/v1/schema/{physical}/tenants")}


def active_tenants(reader: RestClient, physical: str) -> list[str]:
    """The tenants of a multi-tenant collection that can be read without waking them."""
    return [t for t, s in _tenant_statuses(reader, physical).items() if is_active(s)]


LISTED_EACH_TIME = 2_000  # tenants up to which statuses are listed again before every read
RELISTED_EVERY = 1.0  # seconds, beyond that (a listing lists every tenant: once per read would grow as n²)


class Statuses:
    """A collection's tenant statuses, asked again just before each read of some of its tenants:
    a read of a tenant the application put to sleep since an earlier listing would wake it
    (autoTenantActivation), and the application's status would be lost."""

    def __init__(self, reader: RestClient, physical: str):
        self.reader, self.physical = reader, physical
        self._listed: dict[str, str] = {}
        self._at = -math.inf

    def now(self) -> dict[str, str]:
        """Every tenant's status, listed again (beyond LISTED_EACH_TIME tenants, only once the last
        listing is RELISTED_EVERY old)."""
        age = 0.0 if len(self._listed) <= LISTED_EACH_TIME else RELISTED_EVERY
        if time.monotonic() - self._at >= age:
            self._listed, self._at = _tenant_statuses(self.reader, self.physical), time.monotonic()
        return self._listed

    def active(self, tenants: Iterable[str | None]) -> list[str | None]:
        """Those of `tenants` active now (None, a collection without tenants, is kept)."""
        wanted = list(tenants)
        if all(t is None for t in wanted):
            return wanted
        listed = self.now()
        return [t for t in wanted if t is None or is_active(listed.get(t, ""))]


def still_active(reader: RestClient, physical: str, tenants: Iterable[str | None]) -> list[str | None]:
    """Those of `tenants` active now, asked just before they are read (Statuses)."""
    return Statuses(reader, physical).active(tenants)


def listed_objects(reader: RestClient, physical: str, tenant: str | None = None, *, limit: int = 200,
                   after: str | None = None) -> Iterator[dict]:
    """Every object of `physical` (of `tenant`) after `after`, as REST returns it (links as stored),
    in uuid order, `limit` per request; a caller that stops early asks no further."""
    where = f"&tenant={quote(tenant, safe='')}" if tenant else ""
    while True:
        cursor = f"&after={after}" if after else ""
        page = reader.get(f"/v1/objects?class={quote(physical)}&limit={limit}{cursor}{where}").get("objects") or []
        yield from page
        if len(page) < limit:
            return
        after = page[-1]["id"]


def count_objects(reader: RestClient, physical: str, tenant: str | None) -> int:
    arguments = f'(tenant: "{tenant}")' if tenant else ""
    query = f"{{ Aggregate {{ {physical}{arguments} {{ meta {{ count }} }} }} }}"
    reply = reader.post("/v1/graphql", {"query": query})
    if reply.get("errors"):
        raise SchemactlError(f"counting objects in {physical} failed: {reply['errors'][0].get('message')}")
    return int(reply["data"]["Aggregate"][physical][0]["meta"]["count"])


COUNT_CHUNK = 100  # tenants counted per GraphQL request
VANISHED = ("tenant not found", "shard not found", "not active", "tenant not exists", "does not exist",
            "no tenant found")


def vanished(error: Exception) -> bool:
    """The server's answer when a tenant was deleted, or put to sleep, while schemactl used it."""
    text = str(error).lower()
    return any(words in text for words in VANISHED)




def count_per_tenant(reader: RestClient, physical: str, tenants: Iterable[str]) -> dict[str, int]:
    """Objects per (active) tenant, 100 tenants per GraphQL request."""
    counts: dict[str, int] = {}
    names = sorted(tenants)
    statuses = Statuses(reader, physical)
    for listed in (names[i:i + COUNT_CHUNK] for i in range(0, len(names), COUNT_CHUNK)):
        chunk = [t for t in statuses.active(listed) if t is not None]
        if not chunk:
            continue
        fields = " ".join(f't{i}: {physical}(tenant: "{name}") {{ meta {{ count }} }}' for i, name in enumerate(chunk))
        reply = reader.post("/v1/graphql", {"query": f"{{ Aggregate {{ {fields} }} }}"})
        if reply.get("errors"):
            message = str(reply["errors"][0].get("message"))
            if not vanished(Exception(message)) or len(chunk) == 1:
                raise SchemactlError(f"counting objects in {physical} failed: {message}")
            counts.update(_count_each(reader, physical, chunk))  # one was deleted or put to sleep meanwhile
            continue
        found = reply["data"]["Aggregate"]
        # (asked just before: a tenant put to sleep in the moment since would be woken and counted)
        counts.update({name: int(((found.get(f"t{i}") or [{}])[0].get("meta") or {}).get("count") or 0)
                       for i, name in enumerate(chunk)})
    return counts


def _count_each(reader: RestClient, physical: str, tenants: list[str]) -> dict[str, int]:
    """Tenant by tenant, leaving out the ones deleted or put to sleep since they were listed."""
    counts = {}
    for name in tenants:
        try:
            counts.update(count_per_tenant(reader, physical, [name]))
        except SchemactlError as error:
            if not vanished(error):
                raise
    return counts


def vectorized_text(collection: Collection) -> list[str]:
    """The text properties a vectorizer reads unless told which (not skipped)."""
    return [p.name for p in collection.properties
            if p.data_types[0] in ("text", "text[]") and not (p.vectorizer and p.vectorizer.skip)]


def _average_text_chars(reader: RestClient, physical: str, tenant: str | None, props: list[str]) -> float:
    query = f"/v1/objects?class={physical}&limit={SAMPLE_OBJECTS}" + (f"&tenant={tenant}" if tenant else "")
    objects = reader.get(query).get("objects") or []
    if not objects:
        return 0.0
    total = 0
    for obj in objects:
        for name in props:
            value = (obj.get("properties") or {}).get(name)
            total += sum(len(v) for v in value) if isinstance(value, list) else len(value or "")
    return total / len(objects)
