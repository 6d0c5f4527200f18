"""The published JSON Schema of a collection file, generated from the spec models."""
from __future__ import annotations

import json
from pathlib import Path

from .spec import Collection

SCHEMA_ID = "https://schemactl.dev/collection.schema.json"
SHIPPED = Path(__file__).with_name("collection.schema.json")


def collection_json_schema() -> dict:
    """JSON Schema (draft 2020-12) for one collection file."""
    schema = Collection.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "schemactl collection", **{k: v for k, v in schema.items() if k != "title"}}


def render() -> str:
    return json.dumps(collection_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # regenerate the shipped copy: python -m schemactl.jsonschema_export
    SHIPPED.write_text(render())
