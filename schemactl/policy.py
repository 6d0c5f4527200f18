"""Policies kept in git (`schemactl.yaml` beside `schemas/`): limits a plan must keep, and
overrides that allow one named change until a date. `plan` reports violations (exit 1), `apply`
refuses them before the first change.

    policy:
      allowDestructive: false        # deletes need an override
      maxReembedObjects: 100000      # per re-embedding step; per collection below
      maxReembedCost: 20             # dollars (at embeddingPrice, else --embedding-price)
      embeddingPrice: 0.02           # dollars per 1,000 texts; a plan's own price cannot lower it
      requireFreshPlan: true         # apply only a saved plan, at most maxPlanAgeDays (7) old
      collections:
        Article: {maxReembedObjects: 1000000}
    overrides:
      - change: recreate Article (re-embed)
        until: 2026-12-20            # at most 30 days ahead
        reason: "new model, approved in #123"

A change is named `<kind> <Collection>`, with `(re-embed)` or `(reuse)` after a recreate — the
names `plan` shows next to each violation. Pure: no cluster, no files beyond the one read.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .changes import Change, RecreateCollection
from .environments import Environment
from .errors import SchemactlError
from .loader import Document, LoadError, load_file
from .plan import Plan, Step, dollars

FILE = "schemactl.yaml"
MAX_OVERRIDE_DAYS = 30  # Vespa's rule: an override is a decision for now, not a standing exception


class PolicyInvalid(SchemactlError):
    """The policy file cannot be read or breaks its own rules."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Limits(_Model):
    maxReembedObjects: int | None = Field(default=None, ge=0)
    maxReembedCost: float | None = Field(default=None, ge=0)


class Rules(Limits):
    allowDestructive: bool = True
    embeddingPrice: float | None = Field(default=None, ge=0)  # per 1,000 texts: the cost limit's price
    requireFreshPlan: bool = False  # apply takes only a saved (reviewed) plan, made within maxPlanAgeDays
    maxPlanAgeDays: int = Field(default=7, ge=1)
    collections: dict[str, Limits] = {}


class Override(_Model):
    change: str
    until: date
    reason: str = Field(min_length=1)


class Policy(_Model):
    policy: Rules = Rules()
    overrides: list[Override] = []
    environments: dict[str, Environment] = {}  # environments.py

    def for_environment(self, name: str | None) -> Policy:
        """The policy as it applies in environment `name`: its own policy block, if it has one."""
        if name and name not in self.environments:
            raise PolicyInvalid(f"the plan was made for environment {name}, which this policy file does not define "
                                f"(it has: {', '.join(sorted(self.environments)) or 'none'})")
        found = self.environments.get(name) if name else None
        if found is None or found.policy is None:
            return self
        return self.model_copy(update={"policy": Rules.model_validate(found.policy)})


@dataclass(frozen=True)
class Finding:
    change: str  # the name an override would use
    message: str
    allowed_by: Override | None = None  # an override in force

    def describe(self) -> str:
        if self.allowed_by is not None:
            return (f"{self.message} — allowed until {self.allowed_by.until.isoformat()} by the override for "
                    f"`{self.change}` ({self.allowed_by.reason})")
        return f"{self.message} (override: `{self.change}`)"


SECRETS_BY_VARIABLE = {"apiKey": "apiKeyEnv", "bearerToken": "bearerTokenEnv", "oidcClientSecret": "oidcClientSecretEnv",
                       "oidcPassword": "oidcPasswordEnv"}


def _secret_hint(kind: str, loc: tuple) -> str:
    """A secret written into the file (it is kept in git): name where it goes instead (its value
    is never shown: pydantic's message for an unknown key does not hold it)."""
    key = loc[-1] if loc else None
    if kind != "extra_forbidden" or key not in SECRETS_BY_VARIABLE:
        return ""
    return (f" (secrets are not written in schemactl.yaml: give {SECRETS_BY_VARIABLE[key]}, the name of the "
            "environment variable that holds it)")


def load(path: Path, today: date) -> Policy:
    """The policy in `path`; PolicyInvalid naming the file, line and column of what is wrong.
    Read like collection files (the same size, alias-bomb and duplicate-key guards)."""
    try:
        document = load_file(path, what="schemactl's settings", empty_ok=True)
    except LoadError as error:
        at = error.position
        raise PolicyInvalid(f"{path}:{at.line}:{at.column}: cannot read the policy: {error.message}") from None
    try:
        policy = Policy.model_validate(document.data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyInvalid(f"{_at(document, first['loc'])}: {where}: {first['msg']}{_secret_hint(first['type'], first['loc'])}") from None
    for name, environment in policy.environments.items():
        environment.located(functools.partial(_override_position, document, name))
        if environment.policy is not None:
            try:
                Rules.model_validate(environment.policy)
            except ValidationError as error:
                first = error.errors()[0]
                loc = ("environments", name, "policy", *first["loc"])
                raise PolicyInvalid(f"{_at(document, loc)}: {'.'.join(map(str, loc))}: {first['msg']}") from None
    latest = today + timedelta(days=MAX_OVERRIDE_DAYS)
    for index, override in enumerate(policy.overrides):
        if override.until > latest:
            raise PolicyInvalid(f"{_at(document, ('overrides', index, 'until'))}: overrides.{index} ({override.change}) "
                                f"is dated {override.until.isoformat()}, more than {MAX_OVERRIDE_DAYS} days ahead "
                                f"(latest {latest.isoformat()})")
    return policy


def environment(path: Path, name: str, today: date, asked_by: str = "") -> Environment:
    """Environment `name` of the file at `path` (PolicyInvalid when it has none by that name);
    `asked_by` names where the name came from (default `--env NAME`)."""
    asked_by = asked_by or f"--env {name}"
    if not path.exists():
        raise PolicyInvalid(f"{asked_by}: there is no {path} to define environments in")
    found = load(path, today).environments
    if name not in found:
        listed = ", ".join(sorted(found)) or "none"
        raise PolicyInvalid(f"{asked_by}: {path} defines no environment {name!r} (it has: {listed})")
    return found[name]


def _override_position(document: Document, environment: str, key: str) -> tuple[str, int, int]:
    position = document.position(("environments", environment, "overrides", key))
    return str(document.path), position.line, position.column


def _at(document: Document, loc) -> str:
    position = document.position(tuple(loc))
    return f"{document.path}:{position.line}:{position.column}"


def change_name(change: Change) -> str:
    if isinstance(change, RecreateCollection):
        return f"recreate {change.collection} ({'re-embed' if change.reembeds else 'reuse'})"
    return f"{change.kind} {change.collection}"


def check(plan: Plan, policy: Policy, today: date) -> list[Finding]:
    """Every limit the plan breaks, each with the override that allows it if one is in force.
    An expired override allows nothing and says so."""
    findings: list[Finding] = []
    for step in plan.steps:
        for message in _broken(step, policy.policy, plan.price_per_1k_texts):
            findings.append(_judged(change_name(step.change), message, policy.overrides, today))
    return findings


def unreviewed(policy: Policy, saved: bool, created_at: str, now: datetime) -> str | None:
    """Why apply may not run this plan under requireFreshPlan (None: it may)."""
    rules = policy.policy
    if not rules.requireFreshPlan:
        return None
    if not saved:
        return ("the policy requires a reviewed plan (requireFreshPlan): save one with `schemactl plan --out "
                "migrations/`, review it, then apply that file")
    try:
        made = datetime.fromisoformat(created_at)
    except ValueError:
        return f"the saved plan has no readable creation time ({created_at!r}); plan again"
    if now - made > timedelta(days=rules.maxPlanAgeDays):
        return (f"the saved plan was made {made.date().isoformat()}, more than maxPlanAgeDays "
                f"({rules.maxPlanAgeDays}) ago (requireFreshPlan): plan again and review it")
    return None


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.allowed_by is None]


def _broken(step: Step, rules: Rules, price: float | None) -> list[str]:
    change = step.change
    out = []
    if change.is_destructive() and not rules.allowDestructive:
        out.append(f"{change_name(change)} is destructive and the policy does not allow destructive changes")
    if not isinstance(change, RecreateCollection) or not change.reembeds or step.estimate is None:
        return out
    limits = rules.collections.get(change.collection, rules)
    objects = step.estimate.objects
    most = limits.maxReembedObjects if limits.maxReembedObjects is not None else rules.maxReembedObjects
    if most is not None and objects > most:
        out.append(f"{change_name(change)} re-embeds {objects:,} objects, more than the policy's "
                   f"maxReembedObjects {most:,}")
    budget = limits.maxReembedCost if limits.maxReembedCost is not None else rules.maxReembedCost
    priced_by = "the policy's embeddingPrice" if rules.embeddingPrice is not None else "--embedding-price"
    cost = step.embedding_cost(rules.embeddingPrice if rules.embeddingPrice is not None else price)
    if budget is not None and cost is None:
        out.append(f"{change_name(change)} re-embeds {objects:,} objects and the policy limits the cost "
                   "(maxReembedCost): give --embedding-price, or embeddingPrice in the policy, so it can be checked")
    elif budget is not None and cost is not None and cost > budget:
        out.append(f"{change_name(change)} costs ~{dollars(cost)} to re-embed (at {priced_by}), more than the "
                   f"policy's maxReembedCost {dollars(budget)}")
    return out


def _judged(name: str, message: str, overrides: list[Override], today: date) -> Finding:
    named = [o for o in overrides if o.change == name]
    current = next((o for o in named if o.until >= today), None)
    if current is not None:
        return Finding(name, message, current)
    expired = max(named, key=lambda o: o.until, default=None)
    if expired is not None:
        message += f"; the override for `{name}` expired on {expired.until.isoformat()}"
    return Finding(name, message)
