"""Whether a fence still holds on every node right before the alias moves (the shape of a verbose
/v1/nodes reply, v1.39)."""
from __future__ import annotations

from schemactl.apply.fence import fences, reopened
from tests.test_replicas import Nodes, reply


def fenced(name: str, status: str) -> dict:
    return {"class": "Doc_v1", "name": name, "loaded": True, "vectorIndexingStatus": status}


def test_a_fence_a_restarted_node_broke_is_found_and_a_tenant_woken_everywhere_is_left_to_the_switch():
    restarted = reply(node1=[fenced("a", "READONLY"), fenced("b", "READONLY"), fenced("c", "READY")],
                      node3=[fenced("a", "READY"), fenced("b", "READONLY"), fenced("c", "READY")])
    assert reopened(fences(Nodes(restarted), "Doc_v1")) == {"a": ["node3"], "c": ["node1", "node3"]}  # every shard fenced
    # tenants: "c", writable on every node, was put to sleep and woken by the application
    assert reopened(fences(Nodes(restarted), "Doc_v1"), {"a", "b", "c"}) == {"a": ["node3"]}
    assert reopened(fences(Nodes(restarted), "Doc_v1"), {"b"}) == {}  # "a" was never fenced by this run
