"""What executing a plan shares between the executor (executor.py) and its mechanisms
(recreate.py, data_copy.py, ...): the connection, the names as they change, progress and notices.
Defined below both, so that mechanisms never import the executor."""
from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..connection import Target
from ..errors import SchemactlError
from ..live import RestClient
from ..spec import Collection


_OPENING = threading.Lock()


@contextlib.contextmanager
def no_progress(label: str, total: int | None, done: int, unit: str = "objects"):
    yield lambda n: None


@dataclass
class Context:
    reader: RestClient
    target: Target
    physical: dict[str, str]  # logical -> physical, updated as collections are created
    live: dict[str, Collection]  # logical -> live definition, as the plan was computed against
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> physical, kept current
    classes: set[str] = field(default_factory=set)  # physical collections that exist
    max_write_pause: float = 10.0  # seconds a cutover may keep the source fenced (writes to it fail)
    consistency: str = "ALL"  # the level copies write at (ONE, QUORUM, ALL)
    progress: Callable = no_progress  # (label, total, done) -> context manager yielding advance(n)
    notice: Callable[[str], None] = lambda message: None
    failures: dict[str, str] = field(default_factory=dict)  # uuid -> why it could not be copied
    served: frozenset[str] = frozenset()  # physical collections an alias served, as the ledger says
    other_aliases: frozenset[str] = frozenset()  # the application's own aliases: names a new version cannot take
    renamed: dict[str, str] = field(default_factory=dict)  # old name -> new, of renames the ledger or the plan has
    # (logical collection, REST property) whose reference target is created by a later step
    deferred: list[tuple[str, dict]] = field(default_factory=list)
    _client: Any = None
    _token_expiry: float = 0.0  # of the OIDC token the client was opened with
    _retired: list = field(default_factory=list)  # clients opened with tokens since renewed

    def names_taken(self) -> set[str]:
        """Every collection and alias name: a new version's name must be none of them."""
        return self.classes | set(self.aliases) | self.other_aliases

    def client(self):
        """The v4 client (gRPC) for data movement, opened on first use (by any thread), and again
        once the OIDC token it was opened with is due for renewal (it sends the token it was
        given). Asked per page read or written, so a phase that makes no REST request (a long
        comparison) renews the token too."""
        with _OPENING:
            expiry = 0.0
            if self.target.oidc is not None:
                self.target.credential  # noqa: B018 - fetches (or renews, when due) the token now
                expiry = self.target.oidc.expires_at
            if self._client is not None and expiry != self._token_expiry:  # others may still use it: closed at the end
                self._retired.append(self._client)
                self._client = None
            if self._client is None:
                from ..connection import connect

                self._client = connect(self.target)  # a token renewed since makes the next call reopen once more
                self._token_expiry = expiry
        return self._client

    def close(self) -> None:
        for client in self._retired:
            client.close()
        if self._client is not None:
            self._client.close()


@contextlib.contextmanager
def removed_on_failure(ctx: Context, physical: str):
    """A collection this step just created, deleted again if the step fails before it is in
    use: a failed apply leaves no orphan version behind (the next one would make another)."""
    try:
        yield
    except BaseException:
        try:
            ctx.reader.send("DELETE", f"/v1/schema/{physical}", None, f"remove {physical} again")
            ctx.classes.discard(physical)
        except SchemactlError as cleanup:  # the first error is the one to report
            ctx.notice(f"{physical} was created by this step and could not be removed ({cleanup}): delete it")
        raise


# ---- names --------------------------------------------------------------------------------

def physical_references(body: dict, physical: dict[str, str]) -> dict:
    """REST class JSON with cross-reference targets renamed to physical collections."""
    body = copy.deepcopy(body)
    for prop in body.get("properties", []):
        prop["dataType"] = [physical.get(t, t) for t in prop["dataType"]]
    return body
