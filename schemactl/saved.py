"""Saved plan files: write them, auto-named under migrations/."""
from __future__ import annotations

import json
import re
from pathlib import Path

from .plan import Plan, PlanFileInvalid, from_document, to_document

NUMBERED = re.compile(r"^(\d{4})_.*\.json$")


def save_plan(plan: Plan, destination: str | Path) -> Path:
    """Write the plan to a .json file, or to the next NNNN_<slug>.json in a directory."""
    out = Path(destination)
    if out.is_dir() or str(destination).endswith("/") or out.suffix != ".json":
        out.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group(1)) for p in out.iterdir() if (m := NUMBERED.match(p.name))]
        out = out / f"{max(numbers, default=0) + 1:04d}_{slug(plan)}.json"
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(to_document(plan), indent=2) + "\n")
    return out


def slug(plan: Plan) -> str:
    """A short name for the plan's changes, e.g. 'create-article-recreate-product'."""
    if not plan.steps:
        return "no-changes"
    parts: list[str] = []
    for step in plan.steps:
        part = f"{step.change.kind}-{step.change.collection.lower()}"
        if part not in parts:
            parts.append(part)
    text = "-".join(parts[:2]) + ("-and-more" if len(parts) > 2 else "")
    return re.sub(r"[^a-z0-9-]+", "-", text).strip("-")


def load_plan(path: Path) -> tuple[Plan, str]:
    """(plan, checksum) from a saved plan file; PlanFileInvalid with the reason otherwise."""
    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise PlanFileInvalid(f"cannot read plan file {path}: {error}") from None
    except ValueError as error:
        raise PlanFileInvalid(f"{path} is not JSON: {error}") from None
    return from_document(document, str(path)), document["checksum"]
