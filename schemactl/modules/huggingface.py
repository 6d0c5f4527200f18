"""text2vec-huggingface, schemactl's core: exactly one model selection, options nested.

Measured on v1.39.0: the server fills in `model` even when `endpointURL` or `passageModel` is
set (the module then ignores it), and reports waitForModel/useGPU/useCache flat at top level as
well, which the module never reads: it reads the nested `options` object.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from .base import Model, Module, Setting

NAME = "text2vec-huggingface"
DEFAULT_MODEL = "sentence-transformers/msmarco-bert-base-dot-v5"
HTTP_URL = r"^https?://[^\s/?#]+[^\s]*$"
MODE_FIELDS = ("model", "passageModel", "queryModel", "endpointURL")
MODES = {"model": ("model",), "passageModel+queryModel": ("passageModel", "queryModel"),
         "endpointURL": ("endpointURL",)}
OPTIONS = {"waitForModel": False, "useGPU": False, "useCache": True}


def mode_problem(present: set[str]) -> str | None:
    """Why this set of model-selection fields is not exactly one mode, or None if it is."""
    found = [f for f in MODE_FIELDS if f in present]
    if ("passageModel" in present) != ("queryModel" in present):
        have, missing = (("passageModel", "queryModel") if "passageModel" in present
                         else ("queryModel", "passageModel"))
        return f"'{have}' needs '{missing}' too (they select the model together)"
    modes = [m for m, fields in MODES.items() if all(f in present for f in fields)]
    if len(modes) == 1:
        return None
    if not modes:
        return ("text2vec-huggingface needs exactly one model selection: 'model', "
                "or 'passageModel' + 'queryModel', or 'endpointURL'; found none")
    return ("text2vec-huggingface needs exactly one model selection; found "
            + " and ".join(f"'{f}'" for f in found))


def _one_mode_schema(schema: dict) -> None:
    """JSON Schema for 'exactly one model-selection mode' (mirrors the validator below)."""
    others = {"model": ("passageModel", "queryModel", "endpointURL"),
              "passageModel": ("model", "endpointURL"), "endpointURL": ("model", "passageModel", "queryModel")}
    required = {"model": ["model"], "passageModel": ["passageModel", "queryModel"], "endpointURL": ["endpointURL"]}
    schema["oneOf"] = [{"required": required[k], "not": {"anyOf": [{"required": [o]} for o in others[k]]}}
                       for k in ("model", "passageModel", "endpointURL")]


class HuggingFaceOptions(Model):
    waitForModel: bool | None = None
    useGPU: bool | None = None
    useCache: bool | None = None


class HuggingFaceVectorizer(Model):
    """text2vec-huggingface: exactly one of model / passageModel+queryModel / endpointURL."""

    model_config = ConfigDict(json_schema_extra=_one_mode_schema)

    module: Literal["text2vec-huggingface"]
    model: Annotated[str, Field(min_length=1)] | None = None
    passageModel: Annotated[str, Field(min_length=1)] | None = None
    queryModel: Annotated[str, Field(min_length=1)] | None = None
    endpointURL: Annotated[str, Field(pattern=HTTP_URL)] | None = None
    options: HuggingFaceOptions | None = None
    vectorizeClassName: bool | None = None

    @model_validator(mode="after")
    def _exactly_one_mode(self) -> HuggingFaceVectorizer:
        problem = mode_problem({f for f in MODE_FIELDS if getattr(self, f) is not None})
        if problem:
            raise ValueError(problem)
        return self


def from_server(config: dict) -> dict:
    """The module's settings as a file writes them, from what the server reports."""
    data: dict[str, object] = {}
    if config.get("endpointURL") or config.get("endpointUrl"):
        data["endpointURL"] = config.get("endpointURL") or config.get("endpointUrl")
    elif config.get("passageModel") and not config.get("model"):
        data.update(passageModel=config["passageModel"], queryModel=config.get("queryModel"))
    else:
        data["model"] = config.get("model")
    options = {k: v for k, v in (config.get("options") or {}).items() if k in OPTIONS and v is not None}
    if options:
        data["options"] = options
    if config.get("vectorizeClassName") is not None:
        data["vectorizeClassName"] = config["vectorizeClassName"]
    return data


def identity(config: dict) -> dict:
    """What picks the model, as v1.39 runs it: endpointURL overrides everything; otherwise
    `model` and `passageModel` are synonyms and `queryModel` is never read (since 1.26.9: queries
    are embedded with the passage model too)."""
    if config.get("endpointURL"):
        return {"endpointURL": config["endpointURL"]}
    return {"model": config.get("passageModel") or config.get("model")}


def wire(config: dict) -> dict:
    """v1.39 fills in its default `model` before checking that only one of model/passageModel is
    set, so the pair needs `"model": ""` sent with it (verified: accepted)."""
    if config.get("passageModel") and not config.get("model"):
        return {**config, "model": ""}
    return config


MODULE = Module(
    NAME, "vectorizer", typed=True, spec=HuggingFaceVectorizer, identity=identity, wire=wire,
    # measured on v1.39.0: batches of up to 100 texts, 100 requests a minute per key by default;
    # v1.39.0 reads the budget of this module from the header named after Cohere (its source,
    # modules/text2vec-huggingface/clients/huggingface.go; pinned by a test)
    texts_per_request=100, requests_per_minute=100, budget_header="X-Cohere-Ratelimit-RequestPM-Embedding",
    key_header="X-HuggingFace-Api-Key",
    settings=(
        Setting("model"), Setting("passageModel"), Setting("endpointURL"),
        Setting("queryModel", vectors=False),  # never read by v1.39 (but a change is refused in place)
        # how the hosted API is asked, not what it computes: the server changes them in place
        Setting("options", dict, OPTIONS, vectors=False, in_place=True),
        Setting("vectorizeClassName", bool, True),
    ),
    ignored=(("waitForModel", False), ("useGPU", False), ("useCache", True), ("endpointUrl", None)),
)
