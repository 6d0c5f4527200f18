"""What Weaviate v1.39.0 does with tenant shards, which the multi-tenant migration is built on."""
from __future__ import annotations

import httpx
import pytest


@pytest.fixture
def rest(weaviate_server, client):
    with httpx.Client(base_url=weaviate_server.url, timeout=30) as http:
        assert http.post("/v1/schema", json={
            "class": "Facts", "vectorizer": "none",
            "multiTenancyConfig": {"enabled": True, "autoTenantActivation": True},
            "properties": [{"name": "text", "dataType": ["text"]}]}).status_code == 200
        yield http


def _status(rest, tenant: str) -> str:
    return rest.get(f"/v1/schema/Facts/tenants/{tenant}").json()["activityStatus"]


def _insert(rest, tenant: str) -> httpx.Response:
    return rest.post("/v1/objects", json={"class": "Facts", "tenant": tenant, "properties": {"text": "x"}})


def test_a_sleeping_tenant_can_be_fenced_and_stays_fenced_when_woken(rest):
    rest.post("/v1/schema/Facts/tenants", json=[{"name": "cold", "activityStatus": "COLD"}])
    assert rest.put("/v1/schema/Facts/shards/cold", json={"status": "READONLY"}).status_code == 200
    assert _status(rest, "cold") == "COLD"
    rest.put("/v1/schema/Facts/tenants", json=[{"name": "cold", "activityStatus": "HOT"}])
    refused = _insert(rest, "cold")
    assert refused.status_code >= 400 and "read-only" in refused.text


def test_a_write_refused_by_the_fence_still_wakes_a_sleeping_tenant(rest):
    rest.post("/v1/schema/Facts/tenants", json=[{"name": "cold", "activityStatus": "COLD"}])
    rest.put("/v1/schema/Facts/shards/cold", json={"status": "READONLY"})
    assert _insert(rest, "cold").status_code >= 400
    assert _status(rest, "cold") == "HOT"


def test_a_read_wakes_a_sleeping_tenant_with_auto_activation(rest):
    rest.post("/v1/schema/Facts/tenants", json=[{"name": "cold", "activityStatus": "COLD"}])
    assert rest.get("/v1/objects?class=Facts&tenant=cold").status_code == 200
    assert _status(rest, "cold") == "HOT"


def test_a_fenced_tenant_put_to_sleep_and_woken_is_writable_again(rest):
    rest.post("/v1/schema/Facts/tenants", json=[{"name": "hot"}])
    rest.put("/v1/schema/Facts/shards/hot", json={"status": "READONLY"})
    assert _insert(rest, "hot").status_code >= 400
    for status in ("COLD", "HOT"):
        rest.put("/v1/schema/Facts/tenants", json=[{"name": "hot", "activityStatus": status}])
    assert _insert(rest, "hot").status_code == 200
