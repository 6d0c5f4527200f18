"""A plan as a pull-request comment (`plan --format markdown`): warnings and policy findings first,
the summary line, one table per collection (mechanism, objects, texts to embed, time, cost), the
full text of each change folded in <details>. Stable: no timestamps, steps in plan order."""
from __future__ import annotations

from .changes import (Change)
from .plan import INAPPLICABLE, Plan, Step, dollars
from .render import BLIND, IN_SYNC, describe, duration, environment_lines, grouped, summary_line

MARKER = "<!-- schemactl-plan -->"  # lets a workflow find and update its own comment


def mechanism(change: Change) -> str:
    """What the server is asked to do, in the words of the docs' mechanism table."""
    return change.mechanism()


def render_markdown(plan: Plan, findings: tuple[str, ...] = (), inapplicable: str | None = None) -> str:
    lines = [MARKER, f"### schemactl plan for `{plan.target}`", ""]
    lines += environment_lines(plan)
    notes = [f"> **Cannot be applied:** {inapplicable.removeprefix(INAPPLICABLE)}"] if inapplicable else []
    notes += [f"> **Policy:** {f}" for f in findings] + [f"> **Warning:** {w}" for w in plan.warnings]
    if notes:
        lines += [*_paragraphs(notes), ""]
    if not plan.has_changes:
        lines.append(IN_SYNC if not plan.unmanageable else BLIND)
    else:
        lines += [f"**{summary_line(plan)}**", ""]
        for collection, steps in grouped(plan.steps):
            lines += _collection(collection, steps, plan.price_per_1k_texts)
    while lines and lines[-1] == "":
        lines.pop()
    if plan.unmanageable:
        lines += ["", "**Cannot manage** (never changed or deleted):", ""]
        lines += [f"- `{name}`: {_cell(why)}" for name, why in plan.unmanageable]
    if plan.unmanaged:
        lines += ["", "Unmanaged (no file; left alone): " + ", ".join(f"`{n}`" for n in plan.unmanaged)]
    return "\n".join(lines).rstrip("\n") + "\n"


def _paragraphs(notes: list[str]) -> list[str]:
    out: list[str] = []
    for note in notes:
        out += [note, ">"]
    return out[:-1]


def _collection(collection: str, steps: list[Step], price: float | None) -> list[str]:
    lines = [f"#### `{collection}`", "", "| step | mechanism | objects | texts to embed | est. time | est. cost |",
             "|---:|---|---:|---:|---:|---:|"]
    for step in steps:
        lines.append(f"| {step.number} | {mechanism(step.change)} | {_objects(step)} | {_texts(step)} | "
                     f"{_time(step)} | {_cost(step, price)} |")
    details = [line for step in steps for line in describe(step.change, step)]
    lines += ["", "<details><summary>details</summary>", "", "```text", *details, "```", "", "</details>", ""]
    return lines


def _objects(step: Step) -> str:
    if step.estimate is None:
        return "—"
    asleep = step.estimate.asleep_tenants
    return f"{step.estimate.objects:,}" + (f" (+ {asleep:,} tenant(s) asleep, not counted)" if asleep else "")


def _texts(step: Step) -> str:
    return f"{step.texts_to_embed:,}" if step.estimate is not None else "—"


def _time(step: Step) -> str:
    if not step.texts_to_embed:
        return "—"
    seconds = step.estimated_seconds
    return f"~{duration(seconds)}" if seconds is not None else "unknown (`--probe`)"


def _cost(step: Step, price: float | None) -> str:
    cost = step.embedding_cost(price)
    return f"~{dollars(cost)}" if cost is not None else "—"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
