"""What schemactl knows about one Weaviate module, as data: its settings, the server's defaults,
which settings change the vectors and which the server changes in place.

Each module family has one small file that declares `Module` rows; spec.py builds the typed
models from them, normalize.py fills their defaults, diff.py reads which settings matter.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

Kind = Literal["vectorizer", "generative", "reranker", "qna", "other"]
CLASS_NAME = "vectorizeClassName"


class Model(BaseModel):
    """Frozen, strict, unknown fields forbidden: the base of every spec model."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, populate_by_name=False)


@dataclass(frozen=True)
class Setting:
    """One key of a module's config, as the server spells it in its REST JSON."""

    name: str
    type: type = str  # str, bool, int or float
    default: object = None  # what the server fills in when it is left out (None: nothing)
    vectors: bool = True  # a change gives different vectors: re-embed (when unsure: True)
    in_place: bool = False  # the server changes it without a new collection (measured on v1.39)
    choices: tuple = ()  # the values the module accepts, when it names them


@dataclass(frozen=True)
class Module:
    """One Weaviate module. `settings` empty and `typed` False: a generic block whose keys are
    kept verbatim (every key then counts as changing the vectors, and none changes in place)."""

    name: str
    kind: Kind = "vectorizer"
    settings: tuple[Setting, ...] = ()
    typed: bool = False
    defaults: dict = field(default_factory=dict)  # server-filled values of a generic module
    per_property: bool = True  # properties carry skip / vectorizePropertyName for it
    property_defaults: tuple[tuple[str, bool], ...] = (("skip", False), ("vectorizePropertyName", False))
    multivector: bool = False  # its vectors are multi-vectors: the index has multivector on
    needs_one_of: tuple[tuple[str, ...], ...] = ()  # groups of settings of which one must be set
    ignored: tuple[tuple[str, object], ...] = ()  # keys the server reports that the module never
    # reads, with the value it fills in: dropped when they hold it, unrepresentable otherwise
    spec: type | None = None  # a hand-written model, where a table cannot say everything
    identity: Callable[[dict], dict] | None = None  # the settings that pick the model, when
    # several spellings pick the same one (default: every setting that changes the vectors)
    wire: Callable[[dict], dict] | None = None  # settings as the server must receive them
    texts_per_request: int | None = None  # the module's batching, where measured
    requests_per_minute: int | None = None  # its default request budget per API key, where measured
    budget_header: str | None = None  # the request header that raises that budget, as the server reads it
    key_header: str | None = None  # the request header the server reads the provider's API key from

    def setting(self, name: str) -> Setting | None:
        return next((s for s in self.settings if s.name == name), None)

    def server_defaults(self) -> dict:
        """What the server reports for the keys left out."""
        found = {s.name: s.default for s in self.settings if s.default is not None}
        return {**self.defaults, **found}

    def file_defaults(self) -> dict:
        """What a file's silence means to schemactl: the server's defaults, except that
        vectorizeClassName is off. On, the module embeds the *physical* name (Name_v2), which
        changes with every version schemactl makes: vectors would depend on schemactl's naming."""
        defaults = self.server_defaults()
        if CLASS_NAME in defaults:
            defaults[CLASS_NAME] = False
        return defaults

    def changes_vectors(self, key: str) -> bool:
        known = self.setting(key)
        return True if known is None else known.vectors

    def changes_in_place(self, key: str) -> bool:
        known = self.setting(key)
        return False if known is None else known.in_place


def text2vec(name: str, *settings: Setting, class_name: bool, **extra) -> Module:
    """A typed text vectorizer: its settings plus vectorizeClassName with the server's default."""
    return Module(name, "vectorizer", (*settings, Setting("vectorizeClassName", bool, class_name)),
                  typed=True, **extra)
