"""Saved plan files: write them, auto-named under migrations/."""
from __future__ import annotations

import json
import re
from pathlib import Path

from .errors import SchemactlError
from .plan import Plan, PlanFileInvalid, from_document, to_document

NUMBERED = re.compile(r"^(\d{4})_.*\.json$")
SUFFIX = ".json"


def save_plan(plan: Plan, destination: str | Path) -> Path:
    """Write the plan to a .json file, or to the next NNNN_<slug>.json in a directory; SchemactlError
    naming the path when it cannot be written there (`check_destination` says which paths can)."""
    out, is_directory = check_destination(destination)
    try:
        if is_directory:
            out.mkdir(exist_ok=True)  # the one directory --out names, never its parents
            numbers = [int(m.group(1)) for p in out.iterdir() if (m := NUMBERED.match(p.name))]
            out = out / f"{max(numbers, default=0) + 1:04d}_{slug(plan)}{SUFFIX}"
        out.write_text(json.dumps(to_document(plan), indent=2) + "\n")
    except OSError as error:
        raise _cannot_save(out, f"writing it failed ({error.strerror or type(error).__name__})") from None
    return out


def check_destination(destination: str | Path) -> tuple[Path, bool]:
    """(path, whether it is a directory) of a place a plan can be saved, checked before planning.

    A directory: one that exists, or a name ending in / or without a suffix (created if its parent
    exists). A file: a name ending in .json, in a directory that exists (overwritten if it exists).
    Anything else is refused, naming the path and what is wrong with it; nothing is created here."""
    out = Path(destination)
    try:
        return out, _names_a_directory(out, str(destination).endswith("/"))
    except OSError as error:  # e.g. a directory on the way that may not be looked into
        raise _cannot_save(out, f"cannot look at it ({error.strerror or type(error).__name__})") from None


def _names_a_directory(out: Path, slash: bool) -> bool:
    """Whether `out` is a directory to number plans in (else a plan file); SchemactlError when neither fits."""
    is_directory = out.is_dir() or slash or (not out.suffix and not out.exists())
    if out.exists() and not out.is_dir():
        if is_directory:
            raise _cannot_save(out, "it is a file, not a directory")
        if out.suffix != SUFFIX:
            raise _cannot_save(out, f"it is an existing file, not a {SUFFIX} plan file; give FILE{SUFFIX} or a "
                                    "directory")
    if not is_directory and out.suffix != SUFFIX:
        raise _cannot_save(out, f"a plan file's name ends in {SUFFIX}; to name a directory, end it with /")
    if not out.parent.is_dir():
        what = "does not exist" if not out.parent.exists() else "is not a directory"
        created = " (only the last directory of the path is created)" if is_directory else ""
        raise _cannot_save(out, f"directory {out.parent} {what}{created}")
    return is_directory


def _cannot_save(path: Path, why: str) -> SchemactlError:
    return SchemactlError(f"cannot save the plan to {path}: {why}")


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
