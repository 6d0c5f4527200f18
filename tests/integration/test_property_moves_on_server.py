"""Properties and named vectors renamed, retyped and dropped on the real server: what a user sees
of their values, ids and vectors after the recreate, and what is refused before anything exists."""
from __future__ import annotations

import json
import random
from array import array
import signal
import time
import uuid as uuidlib

import pytest
from weaviate.classes.data import DataObject
from weaviate.classes.query import QueryReference
from weaviate.classes.tenants import Tenant, TenantActivityStatus

from schemactl.dev.tenant_workload import tenant_statuses
from schemactl.dev.workload import Workload, audit, deleted_last, seed_objects
from tests.integration.test_apply_safety_on_server import spawn_apply, wait_for_copied
from tests.integration.test_migrate_on_server import aliases, collections, doc_schema

PRODUCT = """name: Product
properties:
  - name: sku
    dataType: text
  - name: price
    dataType: int
  - name: legacy
    dataType: text
  - name: title
    dataType: text
vectorizer:
  module: none
"""
# sku parsed to int, price widened to number, legacy dropped, title renamed to name
PRODUCT_MOVED = """name: Product
properties:
  - name: sku
    dataType: int
  - name: price
    dataType: number
  - name: name
    dataType: text
    renamedFrom: title
vectorizer:
  module: none
"""
MULTI_TENANT = "multiTenancyConfig:\n  enabled: true\n"
PRODUCT_LINES = (
    "property legacy (text): dropped, its values are not copied ({n} object(s) hold a value) (destructive)",
    "property sku: text -> int, parsed: {n} of {n} convert",
    "property price: int -> number, parsed: {n} of {n} convert",
    "property title -> name: renamed, values move to the new name ({n} object(s) hold a value)",
    "vector default: reuse stored vectors (no vectorizer: the stored vectors are copied)",
)
MOVED_TYPES = {"sku": "int", "price": "number", "name": "text"}
DIMS = 8


def product_id(i: int) -> str:
    return str(uuidlib.UUID(int=0xA000_0000 + i, version=4))


def vector(i: int, dims: int = DIMS) -> list[float]:
    rng = random.Random(i)
    return [rng.uniform(-1, 1) for _ in range(dims)]


def product(i: int) -> dict:
    return {"sku": str(1000 + i), "price": 3 * i, "legacy": f"legacy {i}", "title": f"thing {i}"}


def product_moved(i: int) -> dict:
    """What PRODUCT_MOVED holds of product(i)."""
    return {"sku": 1000 + i, "price": float(3 * i), "name": f"thing {i}"}


def load_products(collection, count: int, start: int = 0) -> None:
    result = collection.data.insert_many([DataObject(product(i), uuid=product_id(i), vector=vector(i))
                                          for i in range(start, start + count)])
    assert not result.errors, list(result.errors.values())[:3]


def applied(cli_run, directory, *flags: str):
    result = cli_run("apply", str(directory), "--auto-approve", *flags)
    assert result.exit_code == 0, result.output
    return result


def objects(collection) -> dict[str, tuple[dict, dict]]:
    """uuid -> (properties, every named vector) of every object."""
    return {str(o.uuid): (dict(o.properties), dict(o.vector)) for o in collection.iterator(include_vector=True)}


def schema_types(client, physical: str) -> dict[str, str]:
    """property -> data type (a PUT of the class, as a multi-tenant copy makes, sorts them by name)."""
    return {p.name: p.data_type.value for p in client.collections.use(physical).config.get().properties}


def checkpoint(server, source: str):
    """schemactl's resume record for a copy out of `source`, if any."""
    from schemactl.connection import Target
    from schemactl.live import RestClient
    from schemactl.state import load_checkpoint

    reader = RestClient(Target(server.url))
    try:
        return load_checkpoint(reader, source)
    finally:
        reader.close()


def in_sync(cli_run, directory) -> bool:
    return cli_run("plan", str(directory), "--detailed-exitcode").exit_code == 0


def moved_as_planned(client, count: int, physical: str = "Product_v2") -> None:
    """Every product under its new names and types, same uuid, the very same vector."""
    assert aliases(client)["Product"] == physical
    assert schema_types(client, physical) == MOVED_TYPES
    assert objects(client.collections.use("Product")) == {
        product_id(i): (product_moved(i), {"default": vector_as_stored(i)}) for i in range(count)}


def vector_as_stored(i: int) -> list[float]:
    """vector(i) as Weaviate hands it back (float32)."""
    return array("f", vector(i)).tolist()


@pytest.fixture
def products(client, cli_run, tmp_path):
    """Product (Product_v1 behind the alias Product) with 500 objects and their own vectors."""
    (tmp_path / "product.yaml").write_text(PRODUCT)
    applied(cli_run, tmp_path)
    load_products(client.collections.use("Product"), 500)
    return tmp_path


# ---- 1. rename, retype, drop ----------------------------------------------------------------

def test_renamed_retyped_and_dropped_properties_reach_the_new_version_as_the_file_says(client, cli_run, products):
    before = objects(client.collections.use("Product_v1"))
    (products / "product.yaml").write_text(PRODUCT_MOVED)
    planned = cli_run("plan", str(products))
    assert planned.exit_code == 0, planned.output
    for line in PRODUCT_LINES:
        assert "    " + line.format(n=500) + "\n" in planned.stdout, planned.stdout
    existing = set(client.collections.list_all())

    refused = cli_run("apply", str(products), "--auto-approve")
    assert refused.exit_code == 1
    assert refused.stderr.endswith("error: destructive steps need --allow-destructive: step 1 recreate Product "
                                   "(drops property legacy); nothing was applied\n"), refused.stderr
    assert set(client.collections.list_all()) == existing and "Product_v2" not in existing
    assert aliases(client) == {"Product": "Product_v1"}

    result = applied(cli_run, products, "--allow-destructive")
    assert "verified 500 object(s) in Product_v2" in result.stderr
    moved_as_planned(client, 500)
    after = objects(client.collections.use("Product"))
    assert {u: v for u, (_, v) in after.items()} == {u: v for u, (_, v) in before.items()}  # the stored vectors
    assert objects(client.collections.use("Product_v1")) == before  # untouched, for rollback
    assert in_sync(cli_run, products)

    back = cli_run("rollback", "Product")
    assert back.exit_code == 0, back.output
    assert "Product now points at Product_v1 (was Product_v2)." in back.stdout
    assert aliases(client) == {"Product": "Product_v1"}
    assert objects(client.collections.use("Product")) == before
    assert schema_types(client, "Product_v1") == {"sku": "text", "price": "int", "legacy": "text",
                                                  "title": "text"}


# ---- 2. values that do not convert ----------------------------------------------------------

ITEM = "name: Item\nproperties:\n  - name: sku\n    dataType: {sku}\n{extra}  - name: price\n    dataType: int\n" \
       "vectorizer:\n  module: none\n"


def test_values_that_do_not_convert_refuse_the_plan_until_the_file_says_what_becomes_of_them(client, cli_run,
                                                                                             tmp_path):
    (tmp_path / "item.yaml").write_text(ITEM.format(sku="text", extra=""))
    applied(cli_run, tmp_path)
    bad = product_id(7)
    result = client.collections.use("Item").data.insert_many([
        DataObject({"sku": "12a" if i == 7 else str(1000 + i), "price": i}, uuid=product_id(i), vector=vector(i))
        for i in range(300)])
    assert not result.errors
    (tmp_path / "item.yaml").write_text(ITEM.format(sku="int", extra=""))
    existing = set(client.collections.list_all())
    history = cli_run("history", "--json").stdout
    problem = (f"Item.sku: 1 of 300 value(s) do not convert from text to int ({bad}: '12a' is not an integer); "
               "fix the data, or say in the file what becomes of them: onConvertError: null (the object keeps no "
               "value) or skipObject (the object is not copied)")

    planned = cli_run("plan", str(tmp_path))
    assert planned.exit_code == 1
    assert planned.stderr == f"error: this plan cannot be applied: {problem}\n"
    assert "    property sku: text -> int, parsed: 299 of 300 convert\n" in planned.stdout
    for flags in ((), ("--allow-destructive",)):
        refused = cli_run("apply", str(tmp_path), "--auto-approve", *flags)
        assert refused.exit_code == 1
        assert refused.stderr.endswith(f"error: {problem}; nothing was applied\n"), refused.stderr
    assert set(client.collections.list_all()) == existing  # no Item_v2, no checkpoint
    assert aliases(client) == {"Item": "Item_v1"} and cli_run("history", "--json").stdout == history

    (tmp_path / "item.yaml").write_text(ITEM.format(sku="int", extra="    onConvertError: skipObject\n"))
    planned = cli_run("plan", str(tmp_path))
    assert planned.exit_code == 0, planned.output
    assert ("    property sku: text -> int, parsed: 299 of 300 convert; objects whose value does not convert are "
            "not copied (onConvertError: skipObject) (destructive)\n") in planned.stdout
    refused = cli_run("apply", str(tmp_path), "--auto-approve")
    assert refused.exit_code == 1 and "(drops values of sku that do not convert to int (skipObject))" in refused.stderr
    skipping = applied(cli_run, tmp_path, "--allow-destructive")
    assert ("verified 299 object(s) in Item_v2, the same ids as Item_v1, and its content as the file moves and "
            "converts it (1 left out by onConvertError: "
            "skipObject)") in skipping.output
    assert "copy Item_v1 -> Item_v2: 299 object(s) with stored vectors in " in skipping.output
    assert "1 left out by onConvertError: skipObject)" in skipping.output.split("copy Item_v1 -> Item_v2: ")[1]
    assert aliases(client) == {"Item": "Item_v2"}
    kept = {product_id(i): ({"sku": 1000 + i, "price": i}, {"default": vector_as_stored(i)})
            for i in range(300) if i != 7}
    assert objects(client.collections.use("Item")) == kept
    assert in_sync(cli_run, tmp_path)

    back = cli_run("rollback", "Item")  # back to the text skus, and the other way
    assert back.exit_code == 0, back.output
    assert ("note: Item_v2 has 299 object(s), Item_v1 has 300; objects deleted since the cutover, or left out of "
            "Item_v2 by its copy (onConvertError: skipObject), are in Item_v1") in back.stderr  # not "writes made"
    (tmp_path / "item.yaml").write_text(ITEM.format(sku="int", extra="    onConvertError: 'null'\n"))
    assert "those that do not are left empty (onConvertError: null)" in cli_run("plan", str(tmp_path)).stdout
    applied(cli_run, tmp_path, "--allow-destructive")
    assert aliases(client) == {"Item": "Item_v3"}
    assert objects(client.collections.use("Item")) == {
        **kept, bad: ({"sku": None, "price": 7}, {"default": vector_as_stored(7)})}
    assert in_sync(cli_run, tmp_path)


# ---- 3. rename under a real vectorizer --------------------------------------------------------

MODEL = "sentence-transformers/all-MiniLM-L6-v2"  # the real model: word order and names change its vectors
DOCS = 60
NAME_IN_TEXT = "    vectorizer:\n      vectorizePropertyName: true\n"


def base_doc(embedder) -> str:
    """Doc embedded by the real model; body's name enters the text with its value."""
    return doc_schema(embedder, model=MODEL).replace("  - name: body\n    dataType: text\n",
                                                     "  - name: body\n    dataType: text\n" + NAME_IN_TEXT)


def renamed_doc(embedder, new_name: str, *, old_name: str = "title", property_name_in_text: bool = False) -> str:
    """base_doc with `old_name` renamed to `new_name`."""
    extra = NAME_IN_TEXT if property_name_in_text else ""
    return base_doc(embedder).replace(f"  - name: {old_name}\n    dataType: text\n",
                                      f"  - name: {new_name}\n    renamedFrom: {old_name}\n    dataType: text\n{extra}")


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (sum(x * x for x in a) ** 0.5 * sum(y * y for y in b) ** 0.5)


def fresh_vectors(collection, rows: dict[str, dict]) -> dict[str, list[float]]:
    """What the server embeds now for each object's properties (inserted as a twin, then removed)."""
    twins = {str(uuidlib.uuid4()): (u, p) for u, p in rows.items()}
    result = collection.data.insert_many([DataObject(p, uuid=t) for t, (_, p) in twins.items()])
    assert not result.errors
    out = {u: collection.query.fetch_object_by_id(t, include_vector=True).vector["default"]
           for t, (u, _) in twins.items()}
    for twin in twins:
        collection.data.delete_by_id(twin)
    return out


def test_a_rename_reuses_vectors_while_the_embedded_text_stays_the_same_and_re_embeds_otherwise(
        client, cli_run, embedder, tmp_path):
    (tmp_path / "doc.yaml").write_text(base_doc(embedder))
    applied(cli_run, tmp_path)
    rows = [{"title": f"the {('river', 'violin', 'comet')[i % 3]} at dawn {i}",
             "body": f"a story about a {('harbor', 'glacier', 'falcon')[i % 3]}", "rank": i} for i in range(DOCS)]
    assert not client.collections.use("Doc").data.insert_many(rows).errors
    before = objects(client.collections.use("Doc_v1"))

    def vectors_plan(file: str) -> list[dict]:
        (tmp_path / "doc.yaml").write_text(file)
        planned = cli_run("plan", str(tmp_path), "--json")
        assert planned.exit_code == 0, planned.output
        return json.loads(planned.stdout)["steps"][0]["vectors"]

    # body < headline, as body < title: Weaviate joins the same values in the same order
    assert vectors_plan(renamed_doc(embedder, "headline", property_name_in_text=True)) == [{
        "name": "default", "action": "re-embed", "reason": "properties changed: headline read differently"}]
    assert vectors_plan(renamed_doc(embedder, "content", old_name="body")) == [{  # its name was in the text
        "name": "default", "action": "re-embed", "reason": "properties changed: body no longer read; content now read"}]
    assert vectors_plan(renamed_doc(embedder, "abstract")) == [{
        "name": "default", "action": "re-embed", "reason": "properties changed: the properties enter the text in "
                                                           "another order (Weaviate joins them sorted by name)"}]
    assert vectors_plan(renamed_doc(embedder, "headline")) == [
        {"name": "default", "action": "reuse", "reason": "vectorization unchanged"}]
    embedder.reset()
    applied(cli_run, tmp_path)
    assert embedder.stats.texts == 0
    doc = client.collections.use("Doc")
    after = objects(doc)
    renamed = {u: {"headline": p["title"], "body": p["body"], "rank": p["rank"]} for u, (p, _) in before.items()}
    assert after == {u: (renamed[u], v) for u, (_, v) in before.items()}  # byte-identical vectors
    sample = dict(sorted(renamed.items())[:10])
    for u, fresh in fresh_vectors(doc, sample).items():  # what the server would embed now: the same
        assert cosine(fresh, after[u][1]["default"]) > 0.9999, u
    assert in_sync(cli_run, tmp_path)

    # the property's name enters the text: every object is embedded again, with the name in it
    assert cli_run("rollback", "Doc").exit_code == 0
    (tmp_path / "doc.yaml").write_text(renamed_doc(embedder, "headline", property_name_in_text=True))
    embedder.reset()
    applied(cli_run, tmp_path)
    assert aliases(client) == {"Doc": "Doc_v3"} and embedder.stats.per_model == {MODEL: DOCS}
    doc = client.collections.use("Doc")
    embedded = objects(doc)
    assert {u: p for u, (p, _) in embedded.items()} == renamed
    for u, fresh in fresh_vectors(doc, sample).items():
        assert cosine(fresh, embedded[u][1]["default"]) > 0.9999, u
        assert cosine(fresh, before[u][1]["default"]) < 0.99, u  # the old vector would have been wrong
    assert in_sync(cli_run, tmp_path)


# ---- 4. named vectors --------------------------------------------------------------------------

SHOT = """name: Shot
properties:
  - name: caption
    dataType: text
vectors:
  image:
    vectorizer:
      module: none
  sketch:
    vectorizer:
      module: none
"""
# image renamed to picture, sketch dropped
SHOT_MOVED = """name: Shot
properties:
  - name: caption
    dataType: text
vectors:
  picture:
    renamedFrom: image
    vectorizer:
      module: none
"""


def test_a_renamed_named_vector_keeps_every_stored_vector_and_a_dropped_one_is_gone(client, cli_run, tmp_path):
    (tmp_path / "shot.yaml").write_text(SHOT)
    applied(cli_run, tmp_path)
    shots = client.collections.use("Shot")
    result = shots.data.insert_many([
        DataObject({"caption": f"shot {i}"}, uuid=product_id(i), vector={"image": vector(i), "sketch": vector(-i, 4)})
        for i in range(400)])
    assert not result.errors
    before = objects(client.collections.use("Shot_v1"))
    (tmp_path / "shot.yaml").write_text(SHOT_MOVED)
    planned = cli_run("plan", str(tmp_path))
    assert ("    vector picture (renamed from image): reuse stored vectors (no vectorizer: the stored vectors are "
            "copied)\n") in planned.stdout, planned.stdout
    assert "    vector sketch: dropped (destructive) (not in the file: its vectors are not copied)\n" in planned.stdout
    refused = cli_run("apply", str(tmp_path), "--auto-approve")
    assert refused.exit_code == 1 and "destructive steps need --allow-destructive" in refused.stderr
    assert aliases(client) == {"Shot": "Shot_v1"} and not client.collections.exists("Shot_v2")

    applied(cli_run, tmp_path, "--allow-destructive")
    assert aliases(client) == {"Shot": "Shot_v2"}
    assert set(client.collections.use("Shot_v2").config.get().vector_config) == {"picture"}
    shots = client.collections.use("Shot")
    assert objects(shots) == {u: (p, {"picture": v["image"]}) for u, (p, v) in before.items()}
    nearest = shots.query.near_vector(vector(123), target_vector="picture", limit=1).objects
    assert [str(o.uuid) for o in nearest] == [product_id(123)]  # the moved vectors are indexed under the new name
    assert in_sync(cli_run, tmp_path)


CAPTION_ONLY = "name: Shot\nproperties:\n  - name: caption\n    dataType: text\n"


@pytest.mark.parametrize("before, after", [(SHOT, CAPTION_ONLY), (CAPTION_ONLY + "vectorizer:\n  module: none\n", SHOT)])
def test_the_stored_vectors_a_file_no_longer_names_are_a_destructive_drop(client, cli_run, tmp_path, before, after):
    """The whole vectors block taken out (or the single vector given up for named ones): before, the
    plan said the stored vectors were reused, and apply dropped them without --allow-destructive."""
    (tmp_path / "shot.yaml").write_text(before)
    applied(cli_run, tmp_path)
    named = "vectors:" in before
    result = client.collections.use("Shot").data.insert_many([
        DataObject({"caption": f"shot {i}"}, uuid=product_id(i),
                   vector={"image": vector(i), "sketch": vector(-i, 4)} if named else vector(i)) for i in range(40)])
    assert not result.errors
    (tmp_path / "shot.yaml").write_text(after)
    planned = cli_run("plan", str(tmp_path))
    gone = ["image", "sketch"] if named else ["default"]
    for name in gone:
        assert f"    vector {name}: dropped (destructive)" in planned.stdout, planned.stdout
    assert "reuse stored vectors" not in planned.stdout and "starts empty" in planned.stdout
    refused = cli_run("apply", str(tmp_path), "--auto-approve")
    assert refused.exit_code == 1 and "destructive steps need --allow-destructive" in refused.stderr
    applied(cli_run, tmp_path, "--allow-destructive")
    assert aliases(client) == {"Shot": "Shot_v2"} and len(client.collections.use("Shot")) == 40
    assert all(not v for _, v in objects(client.collections.use("Shot")).values())  # nothing stored to copy
    assert in_sync(cli_run, tmp_path)


NOTE = ("name: Note\nproperties:\n  - name: {name}\n{renamed}    dataType: object\n    nestedProperties:\n"
        "      - name: a\n        dataType: text\n{b}vectorizer:\n  module: none\n")
NESTED_B = "      - name: b\n        dataType: int\n"


@pytest.mark.parametrize("name, renamed", [("meta", ""), ("info", "    renamedFrom: meta\n")])
def test_nested_properties_left_out_are_counted_in_the_plan_and_gone_from_the_new_version(
        client, cli_run, tmp_path, name, renamed):
    (tmp_path / "note.yaml").write_text(NOTE.format(name="meta", renamed="", b=NESTED_B))
    applied(cli_run, tmp_path)
    meta = {i: {"a": f"note {i}"} | ({"b": i} if i % 3 == 0 else {}) for i in range(30)}  # 10 hold b
    result = client.collections.use("Note").data.insert_many([
        DataObject({"meta": meta[i]}, uuid=product_id(i), vector=vector(i)) for i in range(30)])
    assert not result.errors
    (tmp_path / "note.yaml").write_text(NOTE.format(name=name, renamed=renamed, b=""))
    planned = cli_run("plan", str(tmp_path))
    assert planned.exit_code == 0, planned.output
    [line] = [x for x in planned.stdout.splitlines() if "nested" in x]
    assert f"nested {name}.b dropped, " in line and "(10 object(s) hold one)" in line and line.endswith("(destructive)")
    applied(cli_run, tmp_path, "--allow-destructive")
    assert objects(client.collections.use("Note")) == {
        product_id(i): ({name: {"a": f"note {i}"}}, {"default": vector_as_stored(i)}) for i in range(30)}
    assert in_sync(cli_run, tmp_path)


# ---- 5. multi-tenant --------------------------------------------------------------------------

def test_every_tenant_is_converted_and_keeps_its_activity_status(client, cli_run, tmp_path):
    (tmp_path / "product.yaml").write_text(PRODUCT + MULTI_TENANT)
    applied(cli_run, tmp_path)
    tenants = {f"shop{t}": t * 100 for t in range(4)}  # tenant -> its first product number
    client.collections.use("Product_v1").tenants.create([Tenant(name=t) for t in tenants])
    for tenant, start in tenants.items():
        load_products(client.collections.use("Product").with_tenant(tenant), 100, start)
    client.collections.use("Product_v1").tenants.update([Tenant(name="shop3",
                                                                activity_status=TenantActivityStatus.INACTIVE)])
    (tmp_path / "product.yaml").write_text(PRODUCT_MOVED + MULTI_TENANT)
    planned = cli_run("plan", str(tmp_path))
    assert planned.exit_code == 0, planned.output
    assert ("    property sku: text -> int, parsed: 300 of 300 convert; 1 tenant(s) asleep not read (the copy converts "
            "them as it goes and stops at a value that does not convert)\n") in planned.stdout, planned.stdout

    applied(cli_run, tmp_path, "--allow-destructive")
    assert aliases(client) == {"Product": "Product_v2"}
    statuses = {**{t: "HOT" for t in tenants}, "shop3": "COLD"}
    assert tenant_statuses(client, "Product_v2") == statuses
    assert schema_types(client, "Product_v2") == MOVED_TYPES
    client.collections.use("Product_v2").tenants.update([Tenant(name="shop3",
                                                                activity_status=TenantActivityStatus.ACTIVE)])
    for tenant, start in tenants.items():
        assert objects(client.collections.use("Product").with_tenant(tenant)) == {
            product_id(i): (product_moved(i), {"default": vector_as_stored(i)}) for i in range(start, start + 100)}
    client.collections.use("Product_v2").tenants.update([Tenant(name="shop3",
                                                                activity_status=TenantActivityStatus.INACTIVE)])
    assert in_sync(cli_run, tmp_path)


def test_a_value_that_does_not_convert_in_a_sleeping_tenant_stops_the_apply_and_leaves_everything_as_it_was(
        client, cli_run, weaviate_server, tmp_path):
    """The plan cannot read a COLD tenant without waking it: the copy finds the value, and stops."""
    (tmp_path / "product.yaml").write_text(PRODUCT + MULTI_TENANT)
    applied(cli_run, tmp_path)
    client.collections.use("Product_v1").tenants.create([Tenant(name="awake"), Tenant(name="asleep")])
    load_products(client.collections.use("Product").with_tenant("awake"), 50)
    asleep = client.collections.use("Product").with_tenant("asleep")
    load_products(asleep, 50, 50)
    asleep.data.update(product_id(77), properties={"sku": "77b"})
    client.collections.use("Product_v1").tenants.update([Tenant(name="asleep",
                                                                activity_status=TenantActivityStatus.INACTIVE)])
    (tmp_path / "product.yaml").write_text(PRODUCT_MOVED + MULTI_TENANT)
    assert "parsed: 50 of 50 convert; 1 tenant(s) asleep not read" in cli_run("plan", str(tmp_path)).stdout

    failed = cli_run("apply", str(tmp_path), "--auto-approve", "--allow-destructive")
    assert failed.exit_code == 1
    assert (f"1 object(s) of Product_v1 (tenant asleep) cannot be written to the new version for what they hold "
            f"({product_id(77)}: value does not convert: sku = '77b' ('77b' is not an integer)); Product_v2 was "
            "deleted (it never served the alias) and Product_v1 is as it was") in failed.stderr, failed.stderr
    assert collections(client) == {"Product_v1"} and aliases(client) == {"Product": "Product_v1"}
    assert checkpoint(weaviate_server, "Product_v1") is None  # the next apply starts afresh
    assert tenant_statuses(client, "Product_v1") == {"awake": "HOT", "asleep": "COLD"}
    client.collections.use("Product").with_tenant("awake").data.insert(product(1000), uuid=product_id(1000))

    (tmp_path / "product.yaml").write_text(PRODUCT_MOVED.replace("    dataType: int\n",
                                                                 "    dataType: int\n    onConvertError: 'null'\n")
                                           + MULTI_TENANT)
    applied(cli_run, tmp_path, "--allow-destructive")
    assert tenant_statuses(client, "Product_v2") == {"awake": "HOT", "asleep": "COLD"}
    client.collections.use("Product_v2").tenants.update([Tenant(name="asleep",
                                                                activity_status=TenantActivityStatus.ACTIVE)])
    found = objects(client.collections.use("Product").with_tenant("asleep"))
    assert found[product_id(77)][0] == {**product_moved(77), "sku": None}
    assert len(found) == 50 and len(client.collections.use("Product").with_tenant("awake")) == 51


# ---- 6. references ----------------------------------------------------------------------------

ORDER = """name: Order
properties:
  - name: quantity
    dataType: int
  - name: item
    dataType: Product
vectorizer:
  module: none
"""
PRODUCT_TITLE_RENAMED = PRODUCT.replace("  - name: title\n", "  - name: name\n    renamedFrom: title\n")


def product_moved_with_order_following(client, cli_run, tmp_path, between=lambda: None) -> None:
    """Product and Order (item -> Product) applied, `between` done, then Product's title renamed:
    both recreated (Order follows), Product_v2 and Order_v2 served."""
    (tmp_path / "product.yaml").write_text(PRODUCT)
    (tmp_path / "order.yaml").write_text(ORDER)
    applied(cli_run, tmp_path)
    between()
    (tmp_path / "product.yaml").write_text(PRODUCT_TITLE_RENAMED)
    applied(cli_run, tmp_path)
    assert aliases(client) == {"Order": "Order_v2", "Product": "Product_v2"}


def test_a_collection_referencing_a_recreated_one_follows_and_its_references_resolve(client, cli_run, tmp_path):
    (tmp_path / "product.yaml").write_text(PRODUCT)
    (tmp_path / "order.yaml").write_text(ORDER)
    applied(cli_run, tmp_path)
    load_products(client.collections.use("Product"), 200)
    orders = {str(uuidlib.UUID(int=0xB000_0000 + i, version=4)): i for i in range(200)}
    result = client.collections.use("Order").data.insert_many([
        DataObject({"quantity": i % 5}, uuid=o, references={"item": product_id((i * 7) % 200)}, vector=vector(i))
        for o, i in orders.items()])
    assert not result.errors
    (tmp_path / "product.yaml").write_text(PRODUCT_TITLE_RENAMED)
    planned = cli_run("plan", str(tmp_path))
    assert planned.exit_code == 0, planned.output
    assert "Plan: 2 collections in 2 steps: 0 to create, 0 to change in place, 2 to recreate" in planned.stdout, planned.stdout

    applied(cli_run, tmp_path)
    assert aliases(client) == {"Order": "Order_v2", "Product": "Product_v2"}
    found = {str(o.uuid): (o.properties["quantity"], [(str(r.uuid), r.properties["name"]) for r in
                                                      o.references["item"].objects])
             for o in client.collections.use("Order").iterator(
                 return_references=QueryReference(link_on="item", return_properties=["name"]))}
    assert found == {o: (i % 5, [(product_id((i * 7) % 200), f"thing {(i * 7) % 200}")]) for o, i in orders.items()}
    assert in_sync(cli_run, tmp_path)


def test_after_rolling_back_a_referenced_collection_its_left_version_is_kept_until_the_referrer_is_moved(
        client, cli_run, tmp_path):
    """Before: rollback said nothing of Order, whose references still pointed at Product_v2, and
    drop-old-versions deleted Product_v2: every reference query through Order failed."""
    def loaded():
        load_products(client.collections.use("Product"), 10)
        assert not client.collections.use("Order").data.insert_many([
            DataObject({"quantity": i}, references={"item": product_id(i)}, vector=vector(i))
            for i in range(10)]).errors
    product_moved_with_order_following(client, cli_run, tmp_path, loaded)
    rolled = cli_run("rollback", "Product")
    assert rolled.exit_code == 0, rolled.output
    assert "note: Order_v2.item still points at Product_v2, which Product no longer serves" in rolled.stderr
    refused = cli_run("drop-old-versions", "Product", "--allow-destructive")
    assert refused.exit_code == 1 and "Product_v2 (by Order_v2.item): referenced by a collection in use" in \
        refused.stderr, refused.output
    assert client.collections.exists("Product_v2")
    (tmp_path / "product.yaml").write_text(PRODUCT)
    applied(cli_run, tmp_path)  # Order follows Product_v1 again
    kept = cli_run("drop-old-versions", "Product", "--allow-destructive")  # Order_v2, kept for rollback, points there
    assert kept.exit_code == 1 and "Product_v2 (by Order_v2.item): referenced by a version kept" in kept.stderr
    assert cli_run("drop-old-versions", "Order", "Product", "--allow-destructive").exit_code == 0
    found = {o.properties["quantity"]: [str(r.uuid) for r in o.references["item"].objects]
             for o in client.collections.use("Order").iterator(return_references=QueryReference(link_on="item"))}
    assert found == {i: [product_id(i)] for i in range(10)}


def test_rolling_back_a_referrer_says_its_links_aim_at_an_old_version_of_their_target(client, cli_run, tmp_path):
    """Before: `rollback Order` (after Product was recreated and Order followed it) said nothing,
    and Order_v1's references still named Product_v1, read-only and served by no alias: linking
    an object made since failed (422, no object with that id)."""
    product_moved_with_order_following(client, cli_run, tmp_path)
    rolled = cli_run("rollback", "Order")
    assert rolled.exit_code == 0, rolled.output
    assert ("note: Order_v1's references (item -> Product_v1) point at old versions that no alias serves "
            "(read-only, kept for rollback)") in rolled.stderr, rolled.stderr
    assert "-/+ Order" in cli_run("plan", str(tmp_path)).stdout  # the step that points them at Product_v2


def test_a_version_a_rollback_left_behind_does_not_keep_what_it_references(client, cli_run, tmp_path):
    """Both moved, then both rolled back: Order_v2, left behind (no rollback serves it again),
    still links to Product_v2. Before: `drop-old-versions Product` was refused, calling Order_v2
    "a version kept for rollback"."""
    product_moved_with_order_following(client, cli_run, tmp_path)
    for name in ("Order", "Product"):
        assert cli_run("rollback", name).exit_code == 0
    assert aliases(client) == {"Order": "Order_v1", "Product": "Product_v1"}
    dropped = cli_run("drop-old-versions", "Product", "--allow-destructive")
    assert dropped.exit_code == 0, dropped.output
    assert not client.collections.exists("Product_v2") and client.collections.exists("Order_v2")


def test_a_version_kept_for_rollback_never_loses_what_it_references(client, cli_run, tmp_path):
    """Before: `drop-old-versions Product` deleted Product_v1 while Order_v1, kept for rollback of
    Order, still referenced it; `rollback Order` then served Order_v1, and every query of its
    references failed ("could not find class Product_v1 in schema")."""
    product_moved_with_order_following(  # Order_v1 still points at Product_v1
        client, cli_run, tmp_path, lambda: load_products(client.collections.use("Product"), 10))
    refused = cli_run("drop-old-versions", "Product", "--allow-destructive")
    assert refused.exit_code == 1
    assert "Product_v1 (by Order_v1.item): referenced by a version kept for rollback" in refused.stderr, refused.output
    assert "drop the old versions of Order first, or in the same command" in refused.stderr
    assert client.collections.exists("Product_v1")

    client.collections.delete("Product_v1")  # by hand: what a rollback must not serve
    rolled = cli_run("rollback", "Order")
    assert rolled.exit_code == 1
    assert "Order_v1 references collections that no longer exist (item -> Product_v1)" in rolled.stderr, rolled.output
    assert aliases(client)["Order"] == "Order_v2"
    assert cli_run("drop-old-versions", "Order", "Product", "--allow-destructive").exit_code == 0
    assert not client.collections.exists("Order_v1")


def test_a_dropped_reference_is_planned_with_the_objects_holding_one_and_dropped(client, cli_run, tmp_path):
    """Before, planning the drop failed: the value check asked for the reference as a value."""
    (tmp_path / "product.yaml").write_text(PRODUCT)
    (tmp_path / "order.yaml").write_text(ORDER)
    applied(cli_run, tmp_path)
    load_products(client.collections.use("Product"), 10)
    result = client.collections.use("Order").data.insert_many([
        DataObject({"quantity": i}, references={"item": product_id(i)} if i % 2 else None, vector=vector(i))
        for i in range(10)])
    assert not result.errors
    (tmp_path / "order.yaml").write_text(ORDER.replace("  - name: item\n    dataType: Product\n", ""))
    planned = cli_run("plan", str(tmp_path))
    assert planned.exit_code == 0, planned.output
    [line] = [x for x in planned.stdout.splitlines() if "property item" in x]
    assert "5 object(s)" in line and "destructive" in line, line
    applied(cli_run, tmp_path, "--allow-destructive")
    assert [p.name for p in client.collections.use("Order").config.get().references] == []
    assert len(client.collections.use("Order")) == 10 and in_sync(cli_run, tmp_path)


# ---- 7. the application writing through the alias ---------------------------------------------

OBJECTS = 1200
RATE = 40.0


def next_release(props: dict) -> dict:
    """The application after the migration: title is headline, rank a number."""
    return {"headline": props["title"], "body": props["body"], "rank": float(props["rank"])}


def _written_with_the_new_names(workload, count: int) -> bool:
    """Whether every writer has moved to the new names and `count` writes were acknowledged since."""
    released = [w.released_at for w in workload.writers]
    return None not in released and len([a for a in workload.acks() if a.at > max(released)]) >= count


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory, embedder):
    """A server of this module's own without auto-schema, as a production cluster that refuses
    an unknown property runs: a write naming a renamed property is refused, not added back."""
    from schemactl.dev import weaviate as testbed

    server = testbed.start(tmp_path_factory.mktemp("strict-data"), env={"AUTOSCHEMA_ENABLED": "false"})
    yield server
    server.stop()


def test_writes_through_the_alias_during_a_rename_and_retype_are_all_in_the_new_version(
        strict_server, embedder, tmp_path, monkeypatch):
    import weaviate
    from click.testing import CliRunner

    from schemactl.apply import data_copy
    from schemactl.cli import cli

    def run(*args: str):
        connection = ["--url", strict_server.url, "--grpc-port", str(strict_server.ports.grpc)]
        return CliRunner().invoke(cli, [*args, *connection], catch_exceptions=False)

    def connect():
        return weaviate.connect_to_local(host="127.0.0.1", port=strict_server.ports.http,
                                         grpc_port=strict_server.ports.grpc)

    client = connect()
    try:
        (tmp_path / "doc.yaml").write_text(doc_schema(embedder))
        assert run("apply", str(tmp_path), "--auto-approve").exit_code == 0
        seeded = seed_objects(OBJECTS, 21)
        assert not client.collections.use("Doc").data.insert_many(
            [DataObject(properties=p, uuid=u) for u, p in seeded.items()]).errors
        (tmp_path / "doc.yaml").write_text(doc_schema(embedder).replace(
            "  - name: title\n", "  - name: headline\n    renamedFrom: title\n").replace(
            "  - name: rank\n    dataType: int\n", "  - name: rank\n    dataType: number\n"))
        monkeypatch.setattr(data_copy, "PAGE", 100)  # many pages: the writers touch objects already copied
        workload = Workload(connect, "Doc", seeded, rate=RATE, seed=21, next_release=next_release).start()
        try:
            time.sleep(1.0)
            started = time.monotonic()
            result = run("apply", str(tmp_path), "--auto-approve")
            finished = time.monotonic()
            deadline = time.monotonic() + 60  # the application's writes after the cutover land in the new
            while not _written_with_the_new_names(workload, 10) and time.monotonic() < deadline:  # version
                time.sleep(0.05)
        finally:
            workload.stop()
        assert result.exit_code == 0, result.output
        assert aliases(client) == {"Doc": "Doc_v2"}
        assert "Doc: verified" in result.stderr and "writes to Doc_v1 were paused for" in result.stderr
        acks = workload.acks()
        during = [a for a in acks if started <= a.at <= finished]
        assert len(during) >= 20 and {a.op for a in during} == {"insert", "update", "delete"}, (
            len(during), finished - started, [w.last_refusal for w in workload.writers])
        released = [w.released_at for w in workload.writers]
        assert all(r is not None and r >= started for r in released), released  # old names refused after the move
        assert len([a for a in acks if a.at > max(released)]) >= 10  # then written with the new ones
        assert workload.unresolved == []
        expected = {u: next_release(p) for u, p in workload.expected().items()}
        report = audit(client, "Doc", expected, "words-64", deleted=deleted_last(workload),
                       text=lambda p: f"{p['headline']} {p['body']}")
        assert report.clean, report.describe()
        assert report.objects == len(expected)
        assert schema_types(client, "Doc_v2") == {"headline": "text", "body": "text", "rank": "number"}
        assert run("plan", str(tmp_path), "--detailed-exitcode").exit_code == 0
    finally:
        from tests.integration.conftest import wipe

        wipe(client)
        client.close()


def test_values_written_during_the_copy_are_converted_as_the_file_says_or_stop_the_apply(client, cli_run, products,
                                                                                        monkeypatch):
    """The plan read every value, then the application changes some while the copy runs: a value
    that no longer converts stops the apply before the cutover; with skipObject it leaves the new
    version, and a value fixed meanwhile brings its object in."""
    from schemactl.apply import recreate

    source = client.collections.use("Product")
    copy = recreate._copy_every_tenant

    def copied_then(*updates: tuple[int, str]):
        def patched(*args, **kwargs):
            done = copy(*args, **kwargs)
            for i, sku in updates:  # after the bulk copy: the delta passes must catch them
                source.data.update(product_id(i), properties={"sku": sku})
            return done
        return patched

    (products / "product.yaml").write_text(PRODUCT_MOVED)
    with monkeypatch.context() as patch:
        patch.setattr(recreate, "_copy_every_tenant", copied_then((5, "5x")))
        failed = cli_run("apply", str(products), "--auto-approve", "--allow-destructive")
    assert failed.exit_code == 1
    assert (f"1 object(s) of Product_v1 cannot be written to the new version for what they hold ({product_id(5)}: "
            "value does not convert: sku = '5x' ('5x' is not an integer)); Product_v2 was deleted (it never served "
            "the alias) and Product_v1 is as it was") in failed.stderr, failed.stderr
    assert collections(client) == {"Product_v1"} and aliases(client) == {"Product": "Product_v1"}
    source.data.update(product_id(6), properties={"title": "still writable"})

    (products / "product.yaml").write_text(PRODUCT_MOVED.replace("    dataType: int\n",
                                                                 "    dataType: int\n    onConvertError: skipObject\n"))
    with monkeypatch.context() as patch:
        patch.setattr(recreate, "_copy_every_tenant", copied_then((5, "1005"), (9, "9x")))
        applied(cli_run, products, "--allow-destructive")
    found = objects(client.collections.use("Product"))
    assert aliases(client) == {"Product": "Product_v2"} and product_id(9) not in found and len(found) == 499
    assert found[product_id(5)] == (product_moved(5), {"default": vector_as_stored(5)})
    assert found[product_id(6)][0] == {**product_moved(6), "name": "still writable"}


def test_a_property_the_application_adds_during_the_copy_stops_the_cutover_until_the_file_declares_it(
        client, cli_run, products, monkeypatch):
    """Weaviate's auto-schema adds a property a write names. Before: written during the copy, its
    values were never carried, apply exited 0 and every such acknowledged write was gone."""
    from schemactl.apply import recreate

    source = client.collections.use("Product")
    copy = recreate._copy_every_tenant

    def copied_then(*args, **kwargs):
        done = copy(*args, **kwargs)
        source.data.update(product_id(5), properties={"color": "teal"})  # acknowledged, through the alias
        return done

    (products / "product.yaml").write_text(PRODUCT_MOVED)
    with monkeypatch.context() as patch:
        patch.setattr(recreate, "_copy_every_tenant", copied_then)
        refused = cli_run("apply", str(products), "--auto-approve", "--allow-destructive")
    assert refused.exit_code == 1
    assert ("Product_v1 gained color while it was copied (Weaviate's auto-schema adds a property a write names): the "
            "copy does not carry it, so the alias was not moved") in refused.stderr, refused.output
    assert aliases(client) == {"Product": "Product_v1"}
    source.data.update(product_id(6), properties={"color": "still writable"})
    (products / "product.yaml").write_text(PRODUCT_MOVED.replace("vectorizer:", "  - name: color\n    dataType: text\n"
                                                                                 "vectorizer:"))
    applied(cli_run, products, "--allow-destructive")
    found = objects(client.collections.use("Product"))
    assert aliases(client) == {"Product": "Product_v2"}  # the refused copy discarded, made again
    assert (found[product_id(5)][0]["color"], found[product_id(6)][0]["color"]) == ("teal", "still writable")


def test_a_rename_to_a_name_the_cluster_has_as_well_is_refused(client, cli_run, products):
    """The application wrote the new name early (auto-schema added it). Before: the plan dropped
    the old name's values (destructive) and said nothing of the rename."""
    client.collections.use("Product").data.update(product_id(5), properties={"name": "early"})
    (products / "product.yaml").write_text(PRODUCT_MOVED)
    refused = cli_run("plan", str(products))
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: Product.name: renamedFrom title, but the cluster has both (a write under "
                                     "the new name adds it, with auto-schema on)"), refused.output


# ---- 8. a killed apply ------------------------------------------------------------------------

def test_a_killed_rename_and_retype_resumes_and_ends_as_an_uninterrupted_one(client, cli_run, weaviate_server,
                                                                             tmp_path):
    (tmp_path / "product.yaml").write_text(PRODUCT)
    applied(cli_run, tmp_path)
    load_products(client.collections.use("Product"), 1500)
    (tmp_path / "product.yaml").write_text(PRODUCT_MOVED)
    process = spawn_apply(weaviate_server, tmp_path, "--allow-destructive", SCHEMACTL_COPY_PAGE="50",
                          SCHEMACTL_COPY_WRITERS="1")
    try:
        copied = wait_for_copied(weaviate_server, "Product_v1", 300, process)
        process.send_signal(signal.SIGKILL)  # no handler runs
        process.wait(10)
    finally:
        process.kill()
    assert copied < 1500 and aliases(client) == {"Product": "Product_v1"}, copied
    assert cli_run("force-unlock").exit_code == 0
    result = applied(cli_run, tmp_path, "--allow-destructive")
    assert "resuming the copy into Product_v2" in result.stderr, result.stderr
    moved_as_planned(client, 1500)
    assert [r["result"] for r in json.loads(cli_run("history", "--json").stdout)] == [
        "applied", "interrupted", "applied"]
    assert in_sync(cli_run, tmp_path)
