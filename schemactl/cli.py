"""The `schemactl` command line: thin click commands over the library."""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, SchemactlError

HF_KEY_HEADER = "X-HuggingFace-Api-Key"


class Group(click.Group):
    """Turns any SchemactlError into one line on stderr and exit 1; usage errors exit 1 too,
    so a typo can never read as 'changes pending' (exit 2) in a CI drift check."""

    def main(self, *args, **kwargs):
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Abort:
            click.echo("aborted", err=True)
            sys.exit(EXIT_ERROR)
        except click.ClickException as error:
            error.show()
            sys.exit(EXIT_ERROR)
        except SchemactlError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(EXIT_ERROR)


def connection_options(command):
    """--url/--grpc-port/--api-key/--header, each also from the environment."""
    @click.option("--url", envvar="WEAVIATE_URL", default="http://localhost:8080", show_default=True,
                  help="Weaviate REST URL (env WEAVIATE_URL).")
    @click.option("--grpc-port", envvar="WEAVIATE_GRPC_PORT", type=int, default=50051, show_default=True,
                  help="Weaviate gRPC port (env WEAVIATE_GRPC_PORT).")
    @click.option("--api-key", envvar="WEAVIATE_API_KEY", default=None,
                  help="Weaviate API key (env WEAVIATE_API_KEY); sent as a header, never stored.")
    @click.option("--header", "headers", multiple=True, metavar="NAME=VALUE",
                  help="Extra request header, repeatable.")
    @functools.wraps(command)
    def wrapper(*args, url, grpc_port, api_key, headers, **kwargs):
        kwargs["target"] = make_target(url, grpc_port, api_key, headers)
        return command(*args, **kwargs)
    return wrapper


def make_target(url: str, grpc_port: int, api_key: str | None, headers: tuple[str, ...]):
    from .connection import Target

    pairs = []
    for header in headers:
        name, sep, value = header.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {header!r}", param_hint="--header")
        pairs.append((name.strip(), value))
    hf_key = os.environ.get("HUGGINGFACE_APIKEY")
    if hf_key and not any(n.lower() == HF_KEY_HEADER.lower() for n, _ in pairs):
        pairs.append((HF_KEY_HEADER, hf_key))
    return Target(url=url, grpc_port=grpc_port, api_key=api_key, headers=tuple(pairs))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="schemactl")
def cli() -> None:
    """Declarative schema-as-code and safe migrations for Weaviate collections.

    \b
    Example:
      schemactl status --url http://localhost:8080
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def validate(paths: tuple[Path, ...], as_json: bool) -> None:
    """Check collection files offline: every problem in every file, as path:line:column.

    PATHS are files or directories (default: schemas/). Exit 0 when all are valid, 1 otherwise.

    \b
    Example:
      schemactl validate schemas/
    """
    from .validate import validate_paths

    result = validate_paths(list(paths) or [Path("schemas")])
    if as_json:
        click.echo(result.to_json())
    else:
        for finding in result.findings:
            click.echo(str(finding))
        errors = sum(f.severity == "error" for f in result.findings)
        files = len({f.path for f in result.findings if f.severity == "error"})
        summary = (f"{len(result.collections)} collection(s) valid" if result.ok
                   else f"{errors} error(s) in {files} file(s)")
        click.echo(summary, err=True)
    sys.exit(0 if result.ok else EXIT_ERROR)


@cli.command("jsonschema")
def jsonschema_command() -> None:
    """Print the JSON Schema of a collection file (for editors and CI).

    \b
    Example:
      schemactl jsonschema > collection.schema.json
    """
    from .jsonschema_export import render

    click.echo(render(), nl=False)


@cli.command()
@connection_options
def status(target) -> None:
    """Check that the cluster answers; print its version, modules and collections.

    \b
    Example:
      WEAVIATE_URL=http://localhost:8080 schemactl status
    """
    from .connection import connect

    client = connect(target)
    try:
        meta = client.get_meta()
        names = sorted(client.collections.list_all(simple=True))
    finally:
        client.close()
    modules = meta.get("modules", {})
    hf = "enabled" if "text2vec-huggingface" in modules else "NOT enabled"
    click.echo(f"Weaviate {meta.get('version')} at {target.url}: reachable")
    click.echo(f"  modules: {len(modules)} enabled; text2vec-huggingface {hf}")
    click.echo(f"  collections ({len(names)}): {', '.join(names) if names else '-'}")


def use_color() -> bool:
    """Colours only on a terminal, and never with NO_COLOR set."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def plan_or_report(paths, target, *, prune: bool = False):
    """(plan, live state) for PATHS; invalid files print every finding to stderr, then exit 1."""
    from .api import InvalidFiles, compute_plan

    try:
        return compute_plan(list(paths) or [Path("schemas")], target, prune=prune)
    except InvalidFiles as error:
        for finding in error.result.findings:
            click.echo(str(finding), err=True)
        raise


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@connection_options
@click.option("--prune", is_flag=True, help="Also plan deleting collections no file declares (destructive).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (the saved-plan format).")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when in sync, 2 when changes are pending, 1 on error (CI drift check).")
@click.option("--out", type=click.Path(), default=None,
              help="Save the plan: a file, or a directory (e.g. migrations/) for NNNN_<slug>.json.")
def plan(paths, target, prune: bool, as_json: bool, detailed_exitcode: bool, out: str | None) -> None:
    """Compare the files with the cluster and show what apply would change.

    PATHS are files or directories (default: schemas/). Reads only; changes nothing.

    \b
    Example:
      schemactl plan schemas/ --detailed-exitcode --out migrations/
    """
    from .render import render_json, render_text
    from .saved import save_plan

    computed, _ = plan_or_report(paths, target, prune=prune)
    click.echo(render_json(computed) if as_json else render_text(computed, color=use_color()), nl=not as_json)
    if out is not None:
        saved = save_plan(computed, out)
        click.echo(f"Saved plan to {saved}", err=True)
    if detailed_exitcode:
        sys.exit(EXIT_CHANGES if computed.has_changes else EXIT_OK)


@cli.command("apply")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@connection_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
def apply_command(paths, target, auto_approve: bool) -> None:
    """Plan, show the plan, ask, then apply it (creates, added properties and vectors, in-place updates).

    PATHS are files or directories (default: schemas/). Without a terminal, --auto-approve is required.

    \b
    Example:
      schemactl apply schemas/ --auto-approve
    """
    from . import api
    from .apply import unsupported_steps
    from .render import render_text

    computed, live = plan_or_report(paths, target)
    if not any(s.change.executable for s in computed.steps):
        click.echo(render_text(computed, color=use_color()), nl=False)
        return
    click.echo(render_text(computed, color=use_color()))
    blocked = unsupported_steps(computed)
    if blocked:
        names = ", ".join(f"step {s.number} {s.change.kind} {s.change.collection}" for s in blocked)
        raise SchemactlError(f"this version of apply cannot run data migrations or deletions yet ({names}); "
                             "nothing was changed")
    if not auto_approve:
        if not sys.stdin.isatty():
            raise SchemactlError("refusing to apply without confirmation: no terminal; pass --auto-approve")
        if not click.confirm("Apply these changes?", default=False):
            raise SchemactlError("not applied")
    report = api.apply(computed, live, target, on_step=_echo_step)
    if not report.ok:
        pending = ", ".join(f"{s.change.kind} {s.change.collection}" for s in report.pending) or "none"
        raise SchemactlError(f"step {report.failed.number} failed: {report.error} "
                             f"(applied {len(report.applied)}; not attempted: {pending})")
    click.echo(f"Apply complete: {len(report.applied)} step(s) applied.")


def _echo_step(step, status: str) -> None:
    if status != "start":
        click.echo(f"  {status}: step {step.number} {step.change.kind} {step.change.collection}", err=True)


@cli.command()
@click.argument("names", nargs=-1)
@connection_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"),
              show_default=True, help="Directory for the YAML files (one per collection).")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def pull(names, target, out_dir: Path, force: bool) -> None:
    """Write YAML files for live collections (all, or NAMES), without server defaults.

    \b
    Example:
      schemactl pull Article Author --out schemas/
    """
    from . import api

    files = {out_dir / f"{name.lower()}.yaml": text for name, text in api.pull(target, list(names)).items()}
    existing = [path for path in files if path.exists()]
    if existing and not force:
        raise SchemactlError(f"{', '.join(map(str, existing))} already exist; pass --force to overwrite")
    out_dir.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text)
        click.echo(f"wrote {path}")


def main() -> None:
    cli(prog_name="schemactl")
