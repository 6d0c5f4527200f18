"""The published JSON Schemas — of a collection file and of a saved plan — generated from the models
that read them."""
from __future__ import annotations

import json
from pathlib import Path

from .spec import Collection

SCHEMA_ID = "https://schemactl.dev/collection.schema.json"
SHIPPED = Path(__file__).with_name("collection.schema.json")
PLAN_SCHEMA_ID = "https://schemactl.dev/plan.schema.json"
PLAN_SHIPPED = Path(__file__).with_name("plan.schema.json")


def collection_json_schema() -> dict:
    """JSON Schema (draft 2020-12) for one collection file."""
    schema = Collection.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "schemactl collection", **{k: v for k, v in schema.items() if k != "title"}}


def plan_json_schema() -> dict:
    """JSON Schema (draft 2020-12) of a saved plan document, for policy tools (OPA, conftest, ...)."""
    from .plan import _PlanDoc

    schema = _PlanDoc.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": PLAN_SCHEMA_ID,
            "title": "schemactl plan", **{k: v for k, v in schema.items() if k != "title"}}


def render(plan: bool = False) -> str:
    return json.dumps(plan_json_schema() if plan else collection_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # regenerate the shipped copies: python -m schemactl.jsonschema_export
    SHIPPED.write_text(render())
    PLAN_SHIPPED.write_text(render(plan=True))
