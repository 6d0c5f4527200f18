"""Read YAML collection files, keeping the line and column of every key and value."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

Path_ = tuple  # a location in a document: keys and list indexes, e.g. ("properties", 0, "name")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000  # values after every alias is expanded: a 1 KB "billion laughs" file stays harmless
_PLAIN = (str, int, float, bool, type(None))  # the scalars a schema file holds as they are


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class Document:
    """A parsed file: its data and where each key (and value) stands."""

    path: str
    data: object
    key_positions: dict[Path_, Position] = field(default_factory=dict)
    value_positions: dict[Path_, Position] = field(default_factory=dict)
    text: str | None = None  # set while positions are still to be worked out (fast path)

    def position(self, loc: Path_, *, prefer_value: bool = False) -> Position:
        """The best position for `loc`: itself if known, else its nearest known parent."""
        if self.text is not None:  # only findings need positions: parse again, keeping them
            careful = load_text(self.text, self.path, fast=False)
            self.key_positions, self.value_positions, self.text = careful.key_positions, careful.value_positions, None
        loc = tuple(loc)
        while True:
            first, second = ((self.value_positions, self.key_positions) if prefer_value
                             else (self.key_positions, self.value_positions))
            if loc in first:
                return first[loc]
            if loc in second:
                return second[loc]
            if not loc:
                return Position(1, 1)
            loc = loc[:-1]


class LoadError(Exception):
    """The file is not a readable YAML mapping, or holds what no collection file may; carries where.

    When only some keys or values are wrong (duplicate keys, NaN), `problems` lists each of them and
    `document` holds the rest of the file, read as if they were not there, for validation to go on."""

    def __init__(self, message: str, position: Position = Position(1, 1)):
        super().__init__(message)
        self.message = message
        self.position = position
        self.problems: list[LoadError] = [self]
        self.document: Document | None = None


def _mark(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed YAML node tree into plain data while recording positions."""

    def __init__(self, document: Document):
        self.document = document
        self.constructor = yaml.SafeLoader("")
        self.problems: list[LoadError] = []  # what is wrong in a file that can still be read

    def build(self, node: yaml.Node, loc: Path_, depth: int = 0) -> object:
        if depth > MAX_DEPTH:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", _mark(node))
        self.document.value_positions.setdefault(loc, _mark(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, loc + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, loc: Path_, depth: int) -> dict:
        self.constructor.flatten_mapping(node)  # resolve `<<` merge keys
        result: dict = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, (str, int, float, bool)):
                raise LoadError("mapping keys must be plain scalars", _mark(key_node))
            key = key if isinstance(key, str) else str(key)
            if key in result:  # the first one stands
                self.problems.append(LoadError(f"duplicate key '{key}'", _mark(key_node)))
                continue
            self.document.key_positions[loc + (key,)] = _mark(key_node)
            result[key] = self.build(value_node, loc + (key,), depth + 1)
        return result

    def _scalar(self, node: yaml.Node) -> object:
        value = self.constructor.construct_object(node, deep=True)
        if isinstance(value, float) and math.isnan(value):  # NaN never makes sense in a schema
            self.problems.append(LoadError("NaN is not a valid value", _mark(node)))
            return None
        if not isinstance(value, _PLAIN):
            return str(value)  # dates, binary: keep them as text, let validation judge
        return value


FAST_LOADER = getattr(yaml, "CSafeLoader", None)  # libyaml, when PyYAML was built with it


class _NotPlain(Exception):
    """The fast path met something only the careful path reports well."""


if FAST_LOADER is not None:
    class _CheckedLoader(FAST_LOADER):  # type: ignore[misc, valid-type]
        """libyaml, refusing duplicate keys instead of silently keeping the last one."""

        def construct_mapping(self, node, deep=False):
            self.flatten_mapping(node)  # `<<` merge keys first, as the careful path does
            mapping = yaml.constructor.BaseConstructor.construct_mapping(self, node, deep)
            if len(mapping) != len(node.value):
                raise _NotPlain
            return mapping


def _plain(value: object, depth: int = 0) -> bool:
    """Only mappings, lists and plain scalars (no NaN), no deeper than MAX_DEPTH."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v, depth + 1) for v in value)
    return isinstance(value, _PLAIN) and not (isinstance(value, float) and math.isnan(value))


def _fast_load(text: str, path: str) -> Document | None:
    """A valid-looking file parsed by libyaml with positions left for later; None if in doubt."""
    if FAST_LOADER is None:
        return None
    try:
        data = yaml.load(text, Loader=_CheckedLoader)
    except (_NotPlain, yaml.YAMLError, RecursionError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not _plain(data):
        return None
    return Document(path, data, text=text)


def _compose(text: str) -> list:
    """YAML nodes (with positions). libyaml is fast; on an error the pure-Python parser runs
    again so that messages and positions are always the same, whichever is installed."""
    if FAST_LOADER is not None:
        try:
            return list(yaml.compose_all(text, Loader=FAST_LOADER))
        except (yaml.YAMLError, RecursionError):
            pass
    return list(yaml.compose_all(text, Loader=yaml.SafeLoader))


def check_expansion(text: str) -> None:
    """Refuse a file whose aliases (`*name`) expand to more than MAX_NODES values, before anything
    expands them. One pass over the parser's events: each anchored node's expanded size is
    remembered, and each alias adds it again."""
    if "*" not in text:
        return  # no alias can occur
    sizes: dict[str, int] = {}  # anchor -> expanded size
    open_nodes: list[list] = [[None, 0]]  # [anchor, expanded size so far] per open collection
    total = 0
    try:
        for event in yaml.parse(text, Loader=FAST_LOADER or yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for anchor, _ in open_nodes):
                    raise LoadError(f"alias *{event.anchor} refers to a node that contains it",
                                    _event_mark(event))
                added = sizes.get(event.anchor or "", 1)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                open_nodes.append([event.anchor, 1])
                continue
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                anchor, added = open_nodes.pop()
                if anchor is not None:
                    sizes[anchor] = added
                open_nodes[-1][1] += added
                continue
            elif isinstance(event, yaml.ScalarEvent):
                added = 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            else:
                continue
            open_nodes[-1][1] += added
            total += added
            if total > MAX_NODES:
                raise LoadError(f"aliases expand this file to more than {MAX_NODES:,} values "
                                "(a YAML alias bomb?); write the values out or use fewer aliases",
                                _event_mark(event))
    except yaml.YAMLError:
        return  # a syntax error: the careful parser reports it with its position


def _event_mark(event: yaml.Event) -> Position:
    mark = event.start_mark
    return Position(mark.line + 1, mark.column + 1) if mark is not None else Position(1, 1)


COLLECTION = "a collection definition"


def load_text(text: str, path: str, *, fast: bool = True, what: str = COLLECTION,
              empty_ok: bool = False) -> Document:
    """Parse one YAML document from `text`, `what` the file holds (a mapping); raises LoadError
    with a position. `empty_ok`: a file without a document is an empty mapping."""
    check_expansion(text)
    document = _fast_load(text, path) if fast else None
    if document is not None:
        return document
    document = Document(path, None)
    try:
        nodes = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        raise LoadError(f"YAML syntax error: {error.problem or error.context}", position) from None
    except (yaml.YAMLError, RecursionError) as error:
        raise LoadError(f"YAML error: {error}") from None
    nodes = [n for n in nodes if n is not None]
    if not nodes and empty_ok:
        document.data = {}
        return document
    if not nodes:
        raise LoadError(f"the file is empty; expected {what}" + (" (a mapping with 'name')" if what == COLLECTION else ""))
    if len(nodes) > 1:
        one = "one collection per file" if what == COLLECTION else "one YAML document"
        raise LoadError(f"{one}: found a second YAML document", _mark(nodes[1]))
    builder = _Builder(document)
    try:
        document.data = builder.build(nodes[0], ())
    except yaml.YAMLError as error:
        raise LoadError(f"YAML error: {error}", _mark(nodes[0])) from None
    except RecursionError:
        raise LoadError(f"nesting deeper than {MAX_DEPTH} levels") from None
    if document.data is None and empty_ok:  # `---` or `~` alone: a document of nothing
        document.data = {}
    if not isinstance(document.data, dict):
        kind = "a list" if isinstance(document.data, list) else f"a {type(document.data).__name__}"
        raise LoadError(f"expected a mapping ({what}), found {kind}", _mark(nodes[0]))
    if builder.problems:
        first = builder.problems[0]
        first.problems, first.document = builder.problems, document
        raise first
    return document


def load_file(path: Path, *, what: str = COLLECTION, empty_ok: bool = False) -> Document:
    """Read and parse `path` (load_text); unreadable, huge or binary files raise LoadError."""
    if path.is_symlink() and not path.exists():
        raise LoadError(f"cannot read file: it is a symbolic link to {os.readlink(path)}, which does not exist")
    if path.exists() and not path.is_file():
        raise LoadError("cannot read file: not a regular file")  # a FIFO would block the read
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise LoadError(f"cannot read file: {error.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise LoadError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if b"\0" in raw:
        raise LoadError("not a text file (it contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        decoded = bytes(error.object)  # after the BOM, if any: error.start counts from there
        raise LoadError(f"not UTF-8 text (byte 0x{decoded[error.start]:02x}); save the file as UTF-8",
                        _byte_position(decoded, error.start)) from None
    return load_text(text, str(path), what=what, empty_ok=empty_ok)


def _byte_position(raw: bytes, offset: int) -> Position:
    """The line and column (in characters, as YAML counts them) of the byte at `offset`."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    before = raw[line_start:offset].decode("utf-8", errors="replace")
    return Position(raw.count(b"\n", 0, offset) + 1, len(before) + 1)


def find_files(paths: list[Path]) -> list[Path]:
    """YAML files under each directory (sorted), plus files named directly; anything there by a
    YAML name but a directory, a dangling link included, is listed for load_file to report."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and not p.is_dir()))
        elif path.exists() or path.is_symlink():
            found.append(path)
    return _once_each(found)


def _once_each(files: list[Path]) -> list[Path]:
    """`files` without a file named again (`schemas/` and `schemas/a.yaml`): the first naming kept."""
    seen: set[Path] = set()
    kept = []
    for file in files:
        key = Path(os.path.realpath(file)) if file.exists() else file.absolute()
        if key not in seen:
            seen.add(key)
            kept.append(file)
    return kept
