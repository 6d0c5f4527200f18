"""Whether the old version's replicas agree before the copy reads them, from what Weaviate's
repair reports per shard and node (the shape of a verbose /v1/nodes reply, v1.39)."""
from __future__ import annotations

import re

import pytest

from schemactl import replicas
from schemactl.replicas import ReplicaCheck, comparisons
from schemactl.errors import SchemactlError


def shard(name: str, *statuses: tuple[str, int], loaded: bool = True, cls: str = "Doc_v1") -> dict:
    reported = [{"startDiffTimeUnixMillis": started, **({"targetNode": other} if other else {})}
                for other, started in statuses]
    return {"class": cls, "name": name, "loaded": loaded, "asyncReplicationStatus": reported}


def reply(**nodes: list[dict]) -> dict:
    return {"nodes": [{"name": name, "shards": shards} for name, shards in nodes.items()]}


class Nodes:
    """Answers each /v1/nodes read with the next reply given."""

    def __init__(self, *replies: dict):
        self.replies = list(replies)

    def get(self, path: str) -> dict:
        assert path == "/v1/nodes/Doc_v1?output=verbose"
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


def test_only_the_loaded_replicas_of_the_collection_are_read_with_their_newest_comparisons():
    found = comparisons(reply(node1=[shard("a", ("", 10), ("node3", 30), ("node2", 20)),
                                     shard("b", loaded=False), shard("c", ("", 5), cls="Other")],
                              node3=[shard("a")]), "Doc_v1")
    assert [(c.node, c.shard, c.agreed, c.differed, c.differed_with) for c in found] == [
        ("node1", "a", 10, 30, "node3"), ("node3", "a", None, None, "")]


@pytest.mark.parametrize("statuses, after, agrees", [
    ((("", 40), ("node3", 30)), None, True),  # differed, then a comparison found nothing
    ((("", 10), ("node3", 30)), None, False),  # the newest found differences
    ((), None, False),  # never compared (a node just started)
    ((("", 40),), 40, False),  # only comparisons begun after a node came back count then
    ((("", 41),), 40, True),
])
def test_a_replica_agrees_when_its_newest_comparison_found_no_difference(statuses, after, agrees):
    [found] = comparisons(reply(node1=[shard("a", *statuses)]), "Doc_v1")
    assert found.agrees(after) is agrees


def test_the_check_waits_until_the_repair_has_caught_up_and_says_what_it_waits_for(monkeypatch):
    monkeypatch.setattr(replicas, "poll_until", _polled_without_sleeping)
    nodes = Nodes(reply(node1=[shard("a", ("", 10), ("node3", 30))], node3=[shard("a", ("", 12))]),
                  reply(node1=[shard("a", ("", 10), ("node3", 30))], node3=[shard("a", ("", 12))]),
                  reply(node1=[shard("a", ("", 50), ("node3", 30))], node3=[shard("a", ("", 52))]))
    said: list[str] = []
    ReplicaCheck(nodes, "Doc_v1").wait(60, "waiting", "refused", said.append)  # type: ignore[arg-type]
    assert said == ["waiting: shard a on node1 differs from its replica on node3"]
    assert nodes.replies == [reply(node1=[shard("a", ("", 50), ("node3", 30))], node3=[shard("a", ("", 52))])]


def test_after_a_node_was_down_an_agreement_reported_before_it_came_back_does_not_count(monkeypatch):
    monkeypatch.setattr(replicas, "poll_until", _polled_without_sleeping)
    stale = reply(node1=[shard("a", ("", 10))], node3=[shard("a", ("", 9))])  # compared while node3 was away
    assert re.match(r"^the replicas of Doc_v1 still disagree after 60 s \(shard a on node1 not compared with the other "
                    r"replicas since every node is back; .*\): refused$", _refusal_once_a_node_was_down(stale))


def test_before_a_cutover_only_comparisons_begun_since_count(monkeypatch):
    """A node paused (SIGSTOP) while the application wrote is never seen down, and keeps the
    comparisons it had made; the others compared only with the nodes they reached. Before: every
    newest comparison said "no difference", so the cutover read node 3's replicas at once, and
    143 of 560 acknowledged writes were not in the new version."""
    monkeypatch.setattr(replicas, "poll_until", _polled_without_sleeping)
    before = reply(node1=[shard("a", ("", 10))], node3=[shard("a", ("", 9))])
    differs = reply(node1=[shard("a", ("", 10), ("node3", 12))], node3=[shard("a", ("", 9), ("node1", 13))])
    repaired = reply(node1=[shard("a", ("", 20), ("node3", 12))], node3=[shard("a", ("", 21), ("node1", 13))])
    nodes = Nodes(before, before, differs, repaired)
    check = ReplicaCheck(nodes, "Doc_v1")  # type: ignore[arg-type]
    check.since_now()
    said: list[str] = []
    check.wait(60, "waiting", "refused", said.append)
    assert said == [("waiting: shard a on node1 not compared with the other replicas since apply asked; shard a on "
                     "node3 not compared with the other replicas since apply asked")]
    assert nodes.replies == [repaired]


def test_replicas_weaviate_does_not_compare_are_trusted_unless_a_node_was_down(monkeypatch):
    monkeypatch.setattr(replicas, "poll_until", _polled_without_sleeping)
    never = reply(node1=[shard("a")], node3=[shard("a")])  # async replication off (or nodes still starting)
    ReplicaCheck(Nodes(never), "Doc_v1").wait(60, "waiting", "refused", _never_said)  # type: ignore[arg-type]
    asked = ReplicaCheck(Nodes(never), "Doc_v1")  # type: ignore[arg-type]
    asked.since_now()
    asked.wait(60, "waiting", "refused", _never_said)
    assert re.match(r"^a node was down, and Weaviate has reported no comparison of the replicas of Doc_v1 in 60 s "
                    r"\(async replication off, or its nodes still starting\).*: refused$",
                    _refusal_once_a_node_was_down(never))


def _refusal_once_a_node_was_down(answer: dict) -> str:
    """What the check before a cutover says, every node back after one was down, when Weaviate
    answers `answer` every time."""
    check = ReplicaCheck(Nodes(answer), "Doc_v1")  # type: ignore[arg-type]
    check.since_now(node_was_down=True)
    with pytest.raises(SchemactlError) as refused:
        check.wait(60, "waiting", "refused", lambda text: None)
    return str(refused.value)


def _polled_without_sleeping(step, *, every, patience, give_up):
    for _ in range(5):
        if step() is replicas.Poll.DONE:
            return
    raise give_up()


def _never_said(text: str) -> None:
    raise AssertionError(f"said {text!r}")
