"""Validate collection files: every problem in every file, each with file:line:column."""
from __future__ import annotations

from collections.abc import Callable
import difflib
import json
import re
import typing
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from . import modules, rules
from .modules.huggingface import NAME as HUGGINGFACE
from .environments import EVERY_COLLECTION, Environment, with_overrides
from .loader import Document, LoadError, find_files, load_file
from .redact import looks_like_secret, url_credentials
from .spec import (HF_MODE_FIELDS, KNOWN_MODULES, MAX_COLLECTION_NAME, PRIMITIVE_TYPES,
                   WEAVIATE_PROPERTY_NAME, Collection, hf_mode_problem)

URL_SECRET_HINT = ("credentials never go in a file (a saved plan would keep them): give them from the environment "
                   "or the command line as request headers (HUGGINGFACE_APIKEY, --header NAME=VALUE)")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        where = f"{self.path}:{self.line}:{self.column}" if self.line else self.path  # line 0: no position in it
        return f"{where}: {prefix}{self.message}"


@dataclass
class Result:
    """What validating a set of files found; `collections` holds only the valid ones."""

    findings: list[Finding]
    collections: dict[str, Collection]  # by name
    sources: dict[str, str]  # collection name -> file path
    files: int = 0

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_json(self) -> str:
        return json.dumps({"valid": self.ok, "files": self.files,
                           "findings": [asdict(f) for f in sorted(self.findings)]}, indent=2)


def validate_paths(paths: list[Path], environment: Environment | None = None) -> Result:
    """Load and validate every YAML file under `paths`, across files too; with an environment,
    as its overrides make them."""
    files = find_files(paths)
    findings: list[Finding] = []
    documents: list[Document] = []
    parsed: list[tuple[Document, Collection]] = []
    for missing in (p for p in paths if not p.exists() and not p.is_symlink()):
        findings.append(Finding(str(missing), 0, 0, "no such file or directory"))
    if not files and not findings:
        findings.append(Finding(", ".join(map(str, paths)), 0, 0, "no .yaml or .yml files found"))
    for file in files:
        document, collection, problems = check_file(file, environment)
        findings.extend(problems)
        if document is not None:
            documents.append(document)
        if document is not None and collection is not None:
            parsed.append((document, collection))
    names = _declared_names(documents)
    findings.extend(_across_files(parsed))
    findings.extend(_overrides_without_a_file(environment, names, paths) + _overrides_of_names(environment, paths))
    renamed = {c.renamedFrom: c.name for _, c in parsed if c.renamedFrom}
    for document, collection in parsed:
        for loc, message in rules.check_collection(collection, names, renamed):
            findings.append(_at(document, loc, message))
        for loc, message in rules.warnings_for(collection):
            findings.append(_at(document, loc, message, "warning"))
    valid = {c.name: c for d, c in parsed
             if not any(f.path == d.path and f.severity == "error" for f in findings)}
    return Result(sorted(set(findings)), valid, {c.name: d.path for d, c in parsed}, len(files))


def _declared_names(documents: list[Document]) -> set[str]:
    """The collection names the files declare: every file's string `name`, valid file or not, so
    that one file's mistake does not make another's reference to it look dangling."""
    return {d.data["name"] for d in documents if isinstance(d.data, dict) and isinstance(d.data.get("name"), str)}


def _overrides_of_names(environment: Environment | None, paths: list[Path]) -> list[Finding]:
    """An override may not rename: a collection goes by one name in every environment."""
    if environment is None:
        return []
    files = (", ".join(map(str, paths)), 1, 1)
    return [Finding(*(environment.override_at(key) or files),
                    f"the environment's override for {key} sets {field}: a collection has the same name in every "
                    "environment (rename it in its file)")
            for key, override in sorted(environment.overrides.items()) for field in ("name", "renamedFrom")
            if field in override]


def _overrides_without_a_file(environment: Environment | None, names: set[str], paths: list[Path]) -> list[Finding]:
    """An environment's override for a collection no file declares would change nothing: a typo."""
    if environment is None:
        return []
    files = (", ".join(map(str, paths)), 1, 1)
    return [Finding(*(environment.override_at(name) or files),
                    f"the environment overrides {name}, which no file declares (they declare: "
                    f"{', '.join(sorted(names)) or 'none'})")
            for name in sorted(environment.overrides) if name != "*" and name not in names]


def check_file(path: Path, environment: Environment | None = None) \
        -> tuple[Document | None, Collection | None, list[Finding]]:
    """Parse and validate one file on its own (with an environment's overrides laid over it)."""
    try:
        document = load_file(path)
    except LoadError as error:
        found = [Finding(str(path), p.position.line, p.position.column, p.message) for p in error.problems]
        if error.document is None:
            return None, None, found
        document, _, problems = check_document(error.document, environment)  # the file's other problems
        return document, None, found + _elsewhere(problems, found)
    return check_document(document, environment)


def check_document(document: Document, environment: Environment | None = None) \
        -> tuple[Document, Collection | None, list[Finding]]:
    secrets = _url_secrets(document, environment)
    try:
        collection = parse_collection(with_overrides(document.data, environment))
    except ValidationError as error:
        return document, None, secrets + _translate(document, error, _override_origin(document, environment))
    return document, collection, secrets


def _override_origin(document: Document, environment: Environment | None) \
        -> Callable[[tuple], tuple[str, tuple[str, int, int]] | None]:
    """Where a setting an override sets came from (it is laid over the file's): the override's key
    and its position in the policy file, or None: a finding about it is the environment's."""
    name = str(document.data.get("name", "")) if isinstance(document.data, dict) else ""

    def origin(loc: tuple) -> tuple[str, tuple[str, int, int]] | None:
        if environment is None:
            return None
        key = next((k for k in (name, EVERY_COLLECTION) if _holds(environment.overrides.get(k), loc)), None)
        return (key, environment.override_at(key) or (document.path, 1, 1)) if key is not None else None
    return origin


def _override_named(key: str, document: Document) -> str:
    name = document.data.get("name") if isinstance(document.data, dict) else None
    return f"the environment's override for {key}" + (f" (laid over {name})" if key != name else "")


def _holds(data: typing.Any, loc: tuple) -> bool:
    for part in loc:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return bool(loc)


def _elsewhere(findings: list[Finding], first: list[Finding]) -> list[Finding]:
    """`findings` but those at a value `first` already reports as unusable."""
    taken = {(f.path, f.line, f.column) for f in first}
    return [f for f in findings if (f.path, f.line, f.column) not in taken]


def parse_collection(data: object) -> Collection:
    """The Collection for plain data, validated strictly in JSON mode (lists are arrays)."""
    return Collection.model_validate_json(json.dumps(_bare_null_spelled(data)))


def _bare_null_spelled(data: object) -> object:
    """`onConvertError: null` reads from YAML as no value at all: it means the choice "null"."""
    if not isinstance(data, dict) or not isinstance(data.get("properties"), list):
        return data
    properties = [{**p, "onConvertError": "null"} if isinstance(p, dict) and "onConvertError" in p
                  and p["onConvertError"] is None else p for p in data["properties"]]
    return {**data, "properties": properties}


def _across_files(parsed: list[tuple[Document, Collection]]) -> list[Finding]:
    first: dict[str, tuple[Document, Collection]] = {}
    findings = []
    for document, collection in parsed:
        key = collection.name.lower()
        if key in first:
            other = first[key][0]
            line = other.position(("name",), prefer_value=True).line
            findings.append(_at(document, ("name",), (
                f"collection '{collection.name}' is already defined in {other.path}:{line} "
                "(Weaviate compares collection names case-insensitively)")))
        else:
            first[key] = (document, collection)
    return findings + _renames_across_files(parsed, first) + _unmovable_links(parsed, first)


def _unmovable_links(parsed: list[tuple[Document, Collection]],
                     declared: dict[str, tuple[Document, Collection]]) -> list[Finding]:
    """A multi-tenant collection's multi-target reference to collections without tenants: Weaviate
    fails every gRPC read of such links (weaviate/weaviate#7281), so a copy of it cannot carry them
    and apply refuses to recreate it. Said before it is created, not at its first recreate."""
    findings = []
    for document, collection in parsed:
        if not collection.multi_tenant:
            continue
        for i, prop in enumerate(collection.properties):
            without = [t for t in prop.data_types if prop.is_multi_target and t.lower() in declared
                       and not declared[t.lower()][1].multi_tenant]
            if without:
                findings.append(_at(document, ("properties", i, "dataType"), (
                    f"a multi-target reference from a multi-tenant collection to {', '.join(without)} (no tenants): "
                    "Weaviate fails every gRPC read of such links (weaviate/weaviate#7281), so schemactl cannot copy "
                    f"them and will refuse any change that recreates {collection.name}; a single-target reference "
                    "per collection can be moved"), "warning"))
    return findings


def _renames_across_files(parsed: list[tuple[Document, Collection]],
                          declared: dict[str, tuple[Document, Collection]]) -> list[Finding]:
    """A collection renamed from one the files still declare, or from one another file renames
    too: the rename would take the other's data (and its alias) away."""
    claimed: dict[str, Collection] = {}
    findings = []
    for document, collection in parsed:
        old = collection.renamedFrom
        if not old:
            continue
        if old.lower() in declared:
            where = declared[old.lower()][0]
            findings.append(_at(document, ("renamedFrom",), (
                f"renamedFrom {old}, but {where.path} still declares {declared[old.lower()][1].name}: a renamed "
                "collection's old name leaves the files")))
        elif old.lower() in claimed:
            findings.append(_at(document, ("renamedFrom",), (
                f"{claimed[old.lower()].name} is renamed from {old} already")))
        else:
            claimed[old.lower()] = collection
    return findings


def _at(document: Document, loc: tuple, message: str, severity: str = "error", *,
        on_key: bool = False) -> Finding:
    """A finding at the offending scalar value, or at the key of a mapping, list or missing field."""
    pos = document.position(loc, prefer_value=not on_key and _is_scalar(document.data, loc))
    return Finding(document.path, pos.line, pos.column, message, severity)


def _is_scalar(data: typing.Any, loc: tuple) -> bool:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    return not isinstance(data, (dict, list))


# ---- pydantic errors -> findings ------------------------------------------------------------

def _translate(document: Document, error: ValidationError,
               origin: Callable[[tuple], tuple[str, tuple[str, int, int]] | None] = lambda loc: None) -> list[Finding]:
    findings: dict[tuple, Finding] = {}
    for item in error.errors(include_url=False):
        loc = _document_path(document.data, item["loc"])
        if item["type"] == "union_tag_invalid":
            loc += ("module",)
        if isinstance(item.get("input"), str) and any(url_credentials(item["input"])):
            continue  # _url_secrets reports it, without the value
        message = _message(document.data, loc, dict(item))
        if message is None:
            continue
        overridden = origin(loc)
        finding = Finding(*overridden[1], f"{_override_named(overridden[0], document)}: {message}") \
            if overridden else _at(document, loc, message, on_key=item["type"] in ("extra_forbidden", "missing"))
        findings.setdefault((finding.line, finding.column, _field(loc)), finding)
    for loc, message in _raw_hf_modes(document.data):  # after-validators are skipped on errors
        finding = _at(document, loc, message)
        if finding.message not in {f.message for f in findings.values()}:
            findings[(finding.line, finding.column, "hf-mode")] = finding
    return sorted(findings.values())


def _raw_hf_modes(data: typing.Any) -> list[tuple[tuple, str]]:
    """The exactly-one-model rule on raw vectorizer blocks, legacy and named."""
    blocks: list[tuple[tuple, typing.Any]] = [(("vectorizer",), data.get("vectorizer"))]
    vectors = data.get("vectors")
    if isinstance(vectors, dict):
        blocks += [(("vectors", k, "vectorizer"), v.get("vectorizer"))
                   for k, v in vectors.items() if isinstance(v, dict)]
    problems = []
    for loc, block in blocks:
        if isinstance(block, dict) and block.get("module") == "text2vec-huggingface":
            problem = hf_mode_problem({f for f in HF_MODE_FIELDS if block.get(f) is not None})
            if problem:
                problems.append((loc, problem))
    return problems


# ---- credentials in URLs ----------------------------------------------------------------------

def _url_secrets(document: Document, environment: Environment | None) -> list[Finding]:
    """Each value of the file, or of an environment's override for it, holding a URL with
    credentials in it; the message names what they are, never their value."""
    found = [_at(document, loc, f"{_field(loc)}: the URL has {what} in it; {URL_SECRET_HINT}")
             for loc, what in url_credentials(document.data)]
    return found + _override_secrets(document, environment)


def _override_secrets(document: Document, environment: Environment | None) -> list[Finding]:
    if environment is None or not isinstance(document.data, dict):
        return []
    found = []
    for key in (EVERY_COLLECTION, document.data.get("name")):
        if not isinstance(key, str) or key not in environment.overrides:
            continue
        where = environment.override_at(key) or (document.path, 1, 1)
        found += [Finding(*where, f"the environment's override for {key} sets {'.'.join(map(str, loc))} to a URL "
                                  f"with {what} in it; {URL_SECRET_HINT}")
                  for loc, what in url_credentials(environment.overrides[key])]
    return found




def _document_path(data: object, loc: tuple) -> tuple:
    """pydantic's loc with union-member tags dropped: only the keys and indexes in the file."""
    path, node = [], data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node or (
                isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and i == len(loc) - 1:  # a missing key: keep it for the message
            path.append(part)
    return tuple(path)


def _field(loc: tuple) -> str:
    names = [p for p in loc if isinstance(p, str)]
    return names[-1] if names else "collection"


def _secret_hint(data: object, loc: tuple) -> str:
    """Where the key goes instead of the file: the request header the block's module reads it from."""
    node = data
    for part in loc:
        node = node.get(part) if isinstance(node, dict) else node[part] if isinstance(node, list) and \
            isinstance(part, int) and 0 <= part < len(node) else None
    module = node.get("module") if isinstance(node, dict) else None
    header = modules.get(module).key_header if isinstance(module, str) else None
    if module == HUGGINGFACE:
        where = f"set HUGGINGFACE_APIKEY (sent as {header}) or pass --header {header}=..."
    elif header:
        where = f"pass --header {header}=... ({module} reads its key from that request header)"
    elif isinstance(module, str):
        where = f"pass it as the request header {module} reads its key from (--header NAME=VALUE)"
    else:
        where = "set WEAVIATE_API_KEY or pass --api-key, --header NAME=VALUE for a module's key"
    return f"secrets are never read from files: {where}"


def _message(data: object, loc: tuple, item: dict) -> str | None:
    kind, name, value = item["type"], _field(loc), item.get("input")
    if kind == "extra_forbidden":
        if looks_like_secret(name):
            return f"'{name}' looks like a secret; {_secret_hint(data, loc[:-1])}"
        allowed = _allowed_fields(data, loc[:-1])
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else (
            f"; allowed here: {', '.join(allowed)}" if allowed else "")
        return f"unknown field '{name}'{hint}"
    if kind == "missing":
        return f"missing required field '{name}'"
    if kind == "union_tag_invalid":
        module = str(item.get("ctx", {}).get("tag"))
        close = difflib.get_close_matches(module, KNOWN_MODULES, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" ({_family_of(module)})"
        return f"unknown vectorizer module '{module}'{hint}; `schemactl modules` lists them all"
    if kind == "union_tag_not_found":
        return "the vectorizer needs 'module' (none, text2vec-huggingface, ...; `schemactl modules` lists them all)"
    if kind == "literal_error":
        expected = item.get("ctx", {}).get("expected", "")
        choices = re.findall(r"'([^']*)'|(\d+)", expected)
        options = [a or b for a, b in choices]
        close = difflib.get_close_matches(str(value), options, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"invalid {name} {value!r}{hint} (expected one of: {', '.join(options)})"
    if kind == "string_pattern_mismatch":
        return _pattern_message(name, loc, value)
    if kind == "value_error":
        return item["msg"].removeprefix("Value error, ")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{name}: {item['msg'].lower()} (got {value!r})"
    if kind.endswith("_type") or kind in ("int_from_float", "bool_parsing", "int_parsing"):
        return f"{name} must be {_expected(kind)}, got {_describe(value)}"
    return f"{name}: {item['msg']}"


def _family_of(module: str) -> str:
    """The known vectorizers of the family a mistyped name seems to belong to."""
    prefix = module.split("-")[0]
    same = [m for m in KNOWN_MODULES if m.split("-")[0] == prefix]
    return "known " + prefix + " modules: " + ", ".join(same) if same else "not a Weaviate v1.39 vectorizer"


def _pattern_message(name: str, loc: tuple, value: object) -> str:
    if name == "dataType" or (len(loc) > 1 and loc[-2] == "dataType"):
        close = difflib.get_close_matches(str(value), PRIMITIVE_TYPES, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return (f"unknown data type {value!r}{hint} (a primitive such as text, int, number, boolean, "
                "date, uuid, object[], or a collection name for a cross-reference)")
    if name == "endpointURL":
        return f"endpointURL must be an http(s) URL, got {value!r}"
    if loc == ("name",):
        return (f"invalid collection name {value!r}: start with an uppercase letter, then letters, "
                f"digits or '_' (at most {MAX_COLLECTION_NAME} characters)")
    if loc == ("renamedFrom",):
        return (f"invalid renamedFrom {value!r}: a collection name starts with an uppercase letter, then "
                "letters, digits or '_'")
    top_level_property = loc[:1] == ("properties",) and len(loc) == 3  # its name or renamedFrom
    if top_level_property and isinstance(value, str) and re.fullmatch(WEAVIATE_PROPERTY_NAME, value) \
            and value[0].isupper():
        stored = value[0].lower() + value[1:]
        advice = (f"{stored!r} is reserved too: choose another name" if stored in rules.RESERVED_PROPERTY_NAMES
                  else f"write {stored!r}")
        return (f"property name {value!r} starts with an uppercase letter: Weaviate stores it as {stored!r} "
                f"(it lowercases a property name's first letter), so the file would never match the collection; "
                f"{advice}")
    if "vectors" in loc and name not in ("name",):
        return f"invalid named-vector or property name {value!r}: letters, digits and '_', not starting with a digit"
    return f"invalid {name} {value!r}: letters, digits and '_', not starting with a digit"


_EXPECTED = {"int_type": "an integer", "float_type": "a number", "bool_type": "true or false",
             "string_type": "a string", "dict_type": "a mapping", "model_type": "a mapping",
             "list_type": "a list", "tuple_type": "a list", "model_attributes_type": "a mapping",
             "int_from_float": "a whole number", "int_parsing": "an integer",
             "bool_parsing": "true or false"}


def _expected(kind: str) -> str:
    return _EXPECTED.get(kind, kind.replace("_type", ""))


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    kind = {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "a mapping"}
    text = repr(value) if not isinstance(value, (list, dict)) else ""
    return f"{kind.get(type(value), type(value).__name__)} {text[:60]}".rstrip()


# ---- which fields are allowed where (for "did you mean") ------------------------------------

def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _allowed_fields(data: object, path: tuple) -> list[str]:
    """Field names of the model that sits at `path` in the document."""
    candidates: list[type[BaseModel]] = [Collection]
    node = data
    for part in path:
        node = node[part] if isinstance(node, (dict, list)) else None
        inner = [m for c in candidates if isinstance(part, str) and part in c.model_fields
                 for m in _models_in(c.model_fields[part].annotation)]
        candidates = inner or candidates  # list indexes and dict keys keep the item model
        if isinstance(node, dict) and "module" in node:  # the discriminated vectorizer union
            candidates = [m for m in candidates if _module_of(m) == node["module"]] or candidates
    return sorted({name for model in candidates for name in model.model_fields})


def _module_of(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("module")
    args = typing.get_args(field.annotation) if field else ()
    return args[0] if args else None
