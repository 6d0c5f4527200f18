"""The `schemactl` command line: thin click commands over the library."""
from __future__ import annotations

import functools
import itertools
import json
import math
import os
import signal
import sys
import threading
from pathlib import Path

import click

from . import __version__, modules
from .modules.huggingface import NAME as HUGGINGFACE
from .errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, Interrupted, SchemactlError
from .redact import redact

HF_KEY_HEADER = modules.get(HUGGINGFACE).key_header or ""


_STDOUT_USED = threading.Event()  # something was printed on stdout (a --json error then adds nothing there)


def say(message: object = "", **kwargs) -> None:
    """click.echo through the redaction layer: every line schemactl prints goes through here."""
    if not kwargs.get("err"):
        _STDOUT_USED.set()
    click.echo(redact(str(message)), **kwargs)


def one_line(text: str) -> str:
    """Control characters (a key in a file can hold a line break) shown escaped: one error, one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class _Redacting:
    """A stream that redacts what click writes to it itself (usage errors)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(redact(text))

    def flush(self) -> None:
        self.stream.flush()


_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click 8.2+; 8.1 prints the help itself


class Group(click.Group):
    """Turns any SchemactlError into one line on stderr and exit 1; usage errors exit 1 too,
    so a typo can never read as 'changes pending' (exit 2) in a CI drift check. Anything
    unexpected is one line as well (SCHEMACTL_DEBUG=1 shows the traceback)."""

    def main(self, args=None, *rest, **kwargs):
        kwargs["standalone_mode"] = False
        _STDOUT_USED.clear()
        try:
            done = super().main(args, *rest, **kwargs)
            _past_interrupting()
            return done
        except _NO_ARGS_IS_HELP as error:
            error.show(file=_Redacting(sys.stderr))
            sys.exit(EXIT_ERROR)
        except Exception as error:
            if os.environ.get("SCHEMACTL_DEBUG") and _unforeseen(error):
                raise
            failure = _one_line_for(error, self._usage_of(sys.argv[1:] if args is None else list(args)))
        except KeyboardInterrupt as interrupt:
            failure = _interrupted(interrupt)
        _past_interrupting()
        say(failure, err=True)
        if _wants_json(sys.argv[1:] if args is None else list(args)) and not _STDOUT_USED.is_set():
            say(json.dumps({"error": failure.removeprefix("error: ")}))  # a --json consumer reads stdout
        sys.exit(EXIT_ERROR)

    def _usage_of(self, args: list[str]) -> str:
        """The command a usage error without click's context is about (its parser says none)."""
        named = next((a for a in args if a in self.commands), None)
        return f"schemactl {named}" if named else "schemactl"


def _unforeseen(error: Exception) -> bool:
    return not isinstance(error, (click.exceptions.Abort, click.ClickException, SchemactlError))


_AS_PROGRAM: list[bool] = []  # the `schemactl` program (not a caller of cli in its own process, e.g. a test)


def _interrupted(interrupt: BaseException) -> str:
    return f"interrupted {interrupt}" if isinstance(interrupt, Interrupted) else "interrupted"


def _past_interrupting() -> None:
    """The command has ended (its result is what it says): a Ctrl-C from here on would only turn
    a finished apply's exit status into 130 as the process winds down."""
    if _AS_PROGRAM and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _one_line_for(error: Exception, command: str = "schemactl") -> str:
    """The line a failure is said in (`command`: the one the arguments name)."""
    if isinstance(error, click.exceptions.Abort):  # click's word for Ctrl-C (and EOF at a prompt)
        return _interrupted(error.__cause__) if isinstance(error.__cause__, KeyboardInterrupt) else "aborted"
    if isinstance(error, click.BadParameter) and (variable := _variable_of(error)):
        return f"error: {variable}: {one_line(error.message)}"
    if isinstance(error, click.UsageError):
        where = error.ctx.command_path if error.ctx else command
        return f"error: {one_line(error.format_message())} ({where} --help for usage)"
    if isinstance(error, click.ClickException):
        return f"error: {one_line(error.format_message())}"
    if isinstance(error, SchemactlError):
        return f"error: {one_line(str(error))}"
    first_line = (str(error).strip().splitlines() or [""])[0]  # a bug or an unforeseen failure: one line too
    return f"error: unexpected {type(error).__name__}: {first_line} (set SCHEMACTL_DEBUG=1 for a traceback)"


def _variable_of(error: click.BadParameter) -> str | None:
    """The environment variable a bad value was read from (click names the option instead)."""
    param, context = error.param, error.ctx
    if param is None or context is None or not _from_its_variable(context, param):
        return None
    return str(param.envvar)  # one variable: _from_its_variable checked it


def _from_its_variable(context: click.Context, param: click.Parameter) -> bool:
    """Whether `param`'s value came from its (one) environment variable."""
    from click.core import ParameterSource

    return isinstance(param.envvar, str) and bool(param.name) \
        and context.get_parameter_source(param.name or "") == ParameterSource.ENVIRONMENT


def _wants_json(args: list[str]) -> bool:
    """--json, or --format json, among the command line's arguments."""
    return "--json" in args or any(a == "--format" and b == "json" for a, b in itertools.pairwise(args)) \
        or "--format=json" in args


def connection_options(command):
    """Where the cluster is and how to authenticate, each also from the environment."""
    @click.option("--url", envvar="WEAVIATE_URL", default="http://localhost:8080", show_default=True,
                  help="Weaviate REST URL (env WEAVIATE_URL).")
    @click.option("--grpc-url", envvar="WEAVIATE_GRPC_URL", default=None, metavar="URL",
                  help="Weaviate gRPC URL when it is not the REST host (env WEAVIATE_GRPC_URL), e.g. "
                       "https://grpc.example.com:443 or http://weaviate-grpc:50051. Weaviate Cloud URLs "
                       "(*.weaviate.cloud, *.weaviate.network) need none.")
    @click.option("--grpc-port", envvar="WEAVIATE_GRPC_PORT", type=int, default=50051, show_default=True,
                  help="Weaviate gRPC port on the REST host (env WEAVIATE_GRPC_PORT).")
    @click.option("--ca-cert", envvar="WEAVIATE_CA_CERT", default=None, metavar="FILE",
                  type=click.Path(dir_okay=False),
                  help="PEM file of the CA(s) to trust for REST and gRPC (env WEAVIATE_CA_CERT; without it "
                       "SSL_CERT_FILE, then the usual roots).")
    @click.option("--api-key", envvar="WEAVIATE_API_KEY", default=None,
                  help="Weaviate API key (env WEAVIATE_API_KEY); sent as a header, never stored.")
    @click.option("--bearer-token", envvar="WEAVIATE_BEARER_TOKEN", default=None,
                  help="An OIDC access token (env WEAVIATE_BEARER_TOKEN); sent as a header, never stored.")
    @click.option("--header", "headers", multiple=True, metavar="NAME=VALUE",
                  help="Extra request header, repeatable.")
    @click.option("--timeout", envvar="WEAVIATE_TIMEOUT", type=Number(min=0.1, max=86400), default=None,
                  metavar="SECONDS", help="How long any one request may take, REST and gRPC (env WEAVIATE_TIMEOUT; "
                                          "default: 30 s for REST, 60 s for reads and 120 s for writes over gRPC).")
    @click.option("--env", "env", envvar="SCHEMACTL_ENV", default=None, metavar="NAME",
                  help="Environment NAME of schemactl.yaml (env SCHEMACTL_ENV): its cluster, credentials (by "
                       "variable name), policy and collection overrides; options given here win.")
    @functools.wraps(command)
    def wrapper(*args, url, grpc_url, grpc_port, ca_cert, api_key, bearer_token, headers, timeout, env, **kwargs):
        from .connection import make_target

        chosen = chosen_environment(env, kwargs.get("policy_file")) if env else None
        if chosen is not None:
            values = from_environment(chosen, url=url, grpc_url=grpc_url, grpc_port=grpc_port, ca_cert=ca_cert,
                                      api_key=api_key, bearer_token=bearer_token, timeout=timeout)
            url, grpc_url, grpc_port, ca_cert, api_key, bearer_token, timeout = (
                values[k] for k in ("url", "grpc_url", "grpc_port", "ca_cert", "api_key", "bearer_token", "timeout"))
        kwargs["target"] = make_target(url, grpc_port, api_key, headers,
                                       hf_key=os.environ.get("HUGGINGFACE_APIKEY"), hf_header=HF_KEY_HEADER,
                                       grpc_url=grpc_url, ca_cert=ca_cert, bearer_token=bearer_token,
                                       environment=chosen, timeout=timeout, variables=_read_from_variables())
        return command(*args, **kwargs)
    return wrapper


def _read_from_variables() -> tuple[tuple[str, str], ...]:
    """(option, variable) of each option whose value came from its environment variable, so that a
    bad value is named as the variable the user set (WEAVIATE_URL), not as an option never given."""
    context = click.get_current_context()
    return tuple((param.opts[0].removeprefix("--"), str(param.envvar)) for param in context.command.params
                 if _from_its_variable(context, param))


class Number(click.FloatRange):
    """A number within a range, called one in errors ("'abc' is not a valid number", not "float
    range"); NaN (which passes a FloatRange: it compares false with both ends) and infinity refused."""

    name = "number"

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a valid number.", param, ctx)
        return number


def _consistency(given: str, target) -> str:
    """--consistency, else the environment's, else ALL."""
    from click.core import ParameterSource

    source = click.get_current_context().get_parameter_source("consistency")
    if source == ParameterSource.DEFAULT and target.environment and target.environment.settings.consistency:
        return target.environment.settings.consistency
    return given.upper()


def chosen_environment(name: str, policy_file: Path | None = None):
    """--env NAME: its block in the policy file (--policy, else schemactl.yaml here)."""
    from datetime import date

    from .environments import Chosen
    from .policy import FILE, environment

    context = click.get_current_context(silent=True)
    param = next((p for p in context.command.params if p.name == "env"), None) if context else None
    asked_by = f"SCHEMACTL_ENV={name}" if context and param and _from_its_variable(context, param) else ""
    return Chosen(name, environment(policy_path(policy_file) or Path(FILE), name, date.today(), asked_by))


DEFAULT_GRPC = {"grpc_url": None, "grpc_port": 50051}  # --grpc-url's and --grpc-port's defaults


def from_environment(chosen, **given) -> dict:
    """Connection values: what the command line gives, else the environment's, else the
    WEAVIATE_* variables and defaults. A gRPC address or a URL on the command line sets aside the
    environment's gRPC address (a port-forward gives both). Credentials come from the command line or the variables the
    environment names, never from WEAVIATE_API_KEY / WEAVIATE_BEARER_TOKEN (a key for one cluster
    is not sent to another's)."""
    from click.core import ParameterSource

    context = click.get_current_context()
    settings = chosen.settings
    wanted = {"url": lambda: settings.url, "grpc_url": lambda: settings.grpcUrl,
              "grpc_port": lambda: settings.grpcPort, "ca_cert": lambda: settings.caCert,
              "timeout": lambda: settings.timeout,
              "api_key": lambda: _variable(chosen.name, settings.apiKeyEnv, "API key"),
              "bearer_token": lambda: _variable(chosen.name, settings.bearerTokenEnv, "bearer token")}
    out = dict(given)
    typed = {k for k in wanted if context.get_parameter_source(k) == ParameterSource.COMMANDLINE}
    if typed & {"url", "grpc_url", "grpc_port"}:  # the environment's gRPC address goes with its URL, and a
        out |= {k: DEFAULT_GRPC[k] for k in DEFAULT_GRPC if k not in typed}  # WEAVIATE_GRPC_* is another cluster's
        typed |= {"grpc_url", "grpc_port"}
    for key, value in wanted.items():
        if key in typed:
            continue
        found = value()
        if found is not None:
            out[key] = found
        elif key in ("api_key", "bearer_token"):
            out[key] = None
    return out


def _variable(environment: str, name: str | None, what: str) -> str | None:
    if name is None:
        return None
    from .environments import read_variable

    return read_variable(environment, name, what)


def planning_options(command):
    """--no-backfill/--max-reembed/--probe: how plan and apply choose their steps."""
    options = (
        click.option("--no-backfill", "no_backfill", is_flag=True,
                     help="Add named vectors without filling them for existing objects (no new version; "
                          "those objects have no value for them)."),
        click.option("--max-reembed", type=click.IntRange(min=0), default=None, metavar="OBJECTS",
                     help="Refuse a plan that would re-embed more objects than this (embedding costs time "
                          "and money)."),
        click.option("--probe", is_flag=True,
                     help="Embed a sample of stored objects with changed vectorizer settings (in a throwaway "
                          "collection) and reuse the stored vectors when they come out the same "
                          "(cosine >= 0.999); the time that takes gives the plan's time estimate."),
        click.option("--policy", "policy_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
                     help="Policy file (default: schemactl.yaml in the current directory, if any): limits and "
                          "expiring overrides the plan must keep."),
        click.option("--embedding-price", "embedding_price", type=Number(min=0), default=None,
                     metavar="USD", help="What embedding 1,000 texts costs: the plan estimates the cost of "
                                         "re-embedding."),
    )
    for option in reversed(options):
        command = option(command)
    return command


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
@click.option("--env", "env", envvar="SCHEMACTL_ENV", default=None, metavar="NAME",
              help="Validate the files as environment NAME of schemactl.yaml makes them (its overrides).")
def validate(paths: tuple[Path, ...], as_json: bool, env: str | None) -> None:
    """Check collection files offline: every problem found, in every file, as path:line:column.

    PATHS are files or directories (default: schemas/). Exit 0 when all are valid, 1 otherwise.

    \b
    Example:
      schemactl validate schemas/
    """
    from .validate import validate_paths

    result = validate_paths(list(paths) or [Path("schemas")], chosen_environment(env).settings if env else None)
    if as_json:
        say(result.to_json())
    else:
        for finding in result.findings:
            say(str(finding))
        errors = sum(f.severity == "error" for f in result.findings)
        files = len({f.path for f in result.findings if f.severity == "error"})
        summary = (f"{len(result.collections)} collection(s) valid" if result.ok
                   else f"{errors} error(s) in {files} file(s)" if result.files else f"{errors} error(s); no file read")
        say(summary, err=True)
    sys.exit(0 if result.ok else EXIT_ERROR)


@cli.command("jsonschema")
@click.option("--plan", "of_plan", is_flag=True, help="The schema of a saved plan (plan --json) instead.")
def jsonschema_command(of_plan: bool) -> None:
    """Print the JSON Schema of a collection file (for editors and CI), or of a saved plan.

    \b
    Example:
      schemactl jsonschema > collection.schema.json
      schemactl jsonschema --plan > plan.schema.json
    """
    from .jsonschema_export import render

    say(render(plan=of_plan), nl=False)


@cli.command("modules")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def modules_command(as_json: bool) -> None:
    """List the Weaviate v1.39 modules schemactl knows: typed (settings checked, known to keep
    or change the vectors) or generic (settings kept as written; any change re-embeds).

    \b
    Example:
      schemactl modules
    """
    from .render import modules_report

    say(modules_report(as_json=as_json))


@cli.command()
@connection_options
def status(target) -> None:
    """Check each part of the way to the cluster: REST, TLS, auth, gRPC (the data path), version,
    modules, permissions, capabilities, the apply lock. Each on its own line; what fails says how
    to fix it (exit 1).

    \b
    Example:
      WEAVIATE_URL=https://abc.c0.europe-west3.gcp.weaviate.cloud schemactl status
    """
    from .doctor import diagnose

    checks = diagnose(target)
    for check in checks:
        say(check.line())
    if not all(c.ok for c in checks):
        raise SchemactlError(f"{sum(not c.ok for c in checks)} check(s) failed")


def use_color() -> bool:
    """Colours only on a terminal, and never with NO_COLOR set (to a value)."""
    from .progress import no_color_asked

    return sys.stdout.isatty() and not no_color_asked()


def policy_path(given: Path | None) -> Path | None:
    """--policy, or schemactl.yaml in the current directory when there is one."""
    from .policy import FILE

    if given is not None:
        return given
    default = Path(FILE)
    return default if default.exists() else None


def price_of_embedding(given: float | None, policy_file: Path | None, target) -> float | None:
    """--embedding-price, else the policy's embeddingPrice for the target's environment: the price
    the plan's estimates are shown at."""
    from datetime import date

    from . import policy

    path = policy_path(policy_file)
    if given is not None or path is None:
        return given
    environment = target.environment.name if target.environment else None
    return policy.load(path, date.today()).for_environment(environment).policy.embeddingPrice


def plan_or_report(paths, target, *, prune: bool = False, backfill: bool = True, probe: bool = False,
                   embedding_price: float | None = None):
    """(plan, live state) for PATHS; invalid files print every finding to stderr, then exit 1."""
    from .api import InvalidFiles, compute_plan

    try:
        return compute_plan(list(paths) or [Path("schemas")], target, prune=prune, backfill=backfill, probe=probe,
                            price_per_1k_texts=embedding_price)
    except InvalidFiles as error:
        for finding in error.result.findings:
            say(str(finding), err=True)
        raise


def _out(value: str | None) -> str | None:
    """--out, refused before any planning when no plan could be saved there."""
    from .saved import check_destination

    if value is not None:
        check_destination(value)
    return value


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@connection_options
@click.option("--prune", is_flag=True, help="Also plan deleting collections no file declares (destructive).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (the saved-plan format).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default=None,
              help="text (default), json (as --json), or markdown: a pull-request comment.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when in sync, 2 when changes are pending or the cluster holds collections "
                   "schemactl cannot represent, 1 on error (CI drift check; what breaks the policy is printed, "
                   "not an error).")
@click.option("--out", type=click.Path(), default=None, callback=lambda _context, _option, value: _out(value),
              help="Save the plan: FILE.json (in a directory that exists), or a directory (e.g. migrations/) for "
                   "NNNN_<slug>.json, created if its parent exists. Checked before planning.")
@planning_options
def plan(paths, target, prune: bool, as_json: bool, output_format: str | None, detailed_exitcode: bool,
         out: str | None, no_backfill: bool, max_reembed: int | None, probe: bool, embedding_price: float | None,
         policy_file: Path | None) -> None:
    """Compare the files with the cluster and show what apply would change.

    PATHS are files or directories (default: schemas/). Reads only; changes nothing.

    \b
    Example:
      schemactl plan schemas/ --detailed-exitcode --out migrations/
    """
    from . import api
    from .apply.guards import Refused, policy_findings
    from .render import render_json, render_text
    from .saved import save_plan

    from .markdown import render_markdown

    computed, live = plan_or_report(paths, target, prune=prune, backfill=not no_backfill, probe=probe,
                                    embedding_price=price_of_embedding(embedding_price, policy_file, target))
    api.check_reembedding(computed, max_reembed)
    findings = policy_findings(computed, policy_path(policy_file))
    shown = output_format or ("json" if as_json else "text")
    if shown != "markdown":  # the comment carries them itself
        for finding in findings:
            say(f"policy: {finding.describe()}", err=True)
    inapplicable = api.why_inapplicable(computed, live)
    refused = [f for f in findings if f.allowed_by is None]
    breach = (f"the plan breaks the policy in {policy_path(policy_file)}: " + "; ".join(f.describe() for f in refused)
              if refused and not detailed_exitcode else None)  # a drift check reports drift; apply enforces it
    if shown == "json":  # one JSON document, ending in a newline as text output does; why plan exits 1 in it
        say(render_json(computed, error=inapplicable or breach))
    elif shown == "markdown":
        say(render_markdown(computed, tuple(f.describe() for f in findings), inapplicable), nl=False)
    else:
        say(render_text(computed, color=use_color()))
    if inapplicable:  # before saving: a plan apply cannot carry out is not kept
        raise Refused(inapplicable)
    if out is not None:
        saved = save_plan(computed, out)
        say(f"Saved plan to {saved}", err=True)
    if breach:
        raise SchemactlError(breach)
    if detailed_exitcode:
        sys.exit(EXIT_CHANGES if computed.has_changes or computed.unmanageable else EXIT_OK)


@cli.command("apply")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@connection_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--allow-destructive", is_flag=True,
              help="Allow steps that delete something: a collection (deletes; the first cutover of a "
                   "collection made outside schemactl), or a property, nested property, named vector or "
                   "values that do not convert (onConvertError) left out of a new version.")
@click.option("--max-write-pause", type=Number(min=0.1), default=10.0, show_default=True,
              metavar="SECONDS",
              help="The longest a cutover may expect to keep writes to the old version fenced off (they fail, "
                   "they are never lost) while it copies the last differences: apply fences only when its "
                   "estimate fits, else it refuses. An estimate, not a deadline: apply says when a slow server "
                   "made the pause longer.")
@click.option("--consistency", type=click.Choice(["ALL", "QUORUM", "ONE"], case_sensitive=False), default="ALL",
              show_default=True,
              help="Consistency level the data moves write at. ALL: a write counts once every replica holds "
                   "it, so a node that is down stops the copy (it resumes on the next apply) instead of leaving "
                   "the new version with a replica short. Verification always reads at ALL.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON; no progress bars.")
@click.option("--prune", is_flag=True, help="Also delete collections no file declares (as plan --prune; "
                                             "with --allow-destructive).")
@planning_options
def apply_command(paths, target, auto_approve: bool, allow_destructive: bool, max_write_pause: float, consistency: str,
                  as_json: bool, prune: bool, no_backfill: bool, max_reembed: int | None, probe: bool,
                  embedding_price: float | None, policy_file: Path | None) -> None:
    """Apply the files (plan, show, ask, apply) or a saved plan file.

    PATHS are schema files or directories (default: schemas/), or one saved plan (.json), which is
    refused if the cluster changed since it was made. Without a terminal, --auto-approve is required.
    Data migrations copy into a new version (<Name>_v<N+1>), verify, then re-point the alias; a
    killed apply resumes where it stopped when run again.

    \b
    Example:
      schemactl apply schemas/ --auto-approve
      schemactl plan --out migrations/ && schemactl apply migrations/0003_recreate-article.json
    """
    from . import api
    from .apply.guards import Limits
    from .plan import to_document
    from .render import render_text

    saved = len(paths) == 1 and paths[0].suffix == ".json"
    if not saved and any(p.suffix == ".json" for p in paths):
        raise SchemactlError("a saved plan (.json) is applied on its own, not with schema files: "
                             f"schemactl apply {next(p for p in paths if p.suffix == '.json')}")
    if saved and prune:
        raise SchemactlError("--prune plans deletes from schema files; a saved plan already says what it deletes "
                             "(plan --prune --out)")
    if saved:
        from .saved import load_plan

        computed, checksum = load_plan(paths[0])
        api.check_made_for(computed, target)  # before it is shown as changes to make to this cluster
        computed = api.with_callers_warnings(computed, target)
    else:
        computed, _ = plan_or_report(paths, target, prune=prune, backfill=not no_backfill, probe=probe,
                                     embedding_price=price_of_embedding(embedding_price, policy_file, target))
        checksum = to_document(computed)["checksum"]
    limits = Limits(allow_destructive=allow_destructive, max_reembed=max_reembed, policy=policy_path(policy_file),
                    saved=saved)
    out = functools.partial(say, err=as_json)
    if saved and (when := api.applied_at(target, checksum)):  # before it is shown as changes to make
        _already_applied(as_json, when)
        return
    if not any(s.change.executable for s in computed.steps):
        api.check_plan(computed, limits)
        out(render_text(computed, color=use_color()), nl=False)
        _finish(as_json, "in-sync", [])
        return
    out(render_text(computed, color=use_color()))
    api.check_plan(computed, limits)  # before asking: the same refusals api.apply makes
    if not auto_approve:
        if not sys.stdin.isatty():
            raise SchemactlError("refusing to apply without confirmation: no terminal; pass --auto-approve")
        if not click.confirm("Apply these changes?", default=False):
            raise SchemactlError("not applied")
    from .progress import bars, on_terminal

    options = api.ApplyOptions(limits=limits, max_write_pause=max_write_pause,
                               consistency=_consistency(consistency, target),
                               on_step=_echo_step,
                               progress=bars(on_terminal() and not as_json),
                               notice=lambda message: say(f"  {message}", err=True))
    report = api.apply(computed, checksum, target, options)
    _past_interrupting()  # what it did is recorded: the lines below say it
    if report.already_applied_at:
        _already_applied(as_json, report.already_applied_at)
        return
    if not report.ok:
        pending = ", ".join(f"{s.change.kind} {s.change.collection}" for s in report.pending) or "none"
        if as_json:
            _finish(as_json, "failed", report.applied, error=report.error, serving=report.serving)
        raise SchemactlError(f"step {report.failed.number} failed: {report.error} "
                             f"(applied {len(report.applied)}; not attempted: {pending})")
    skipped = f" ({len(report.skipped)} done by an earlier run)" if report.skipped else ""
    say(f"Apply complete: {len(report.applied)} step(s) applied{skipped}.", err=as_json)
    _finish(as_json, "applied", report.applied, serving=report.serving)


def _already_applied(as_json: bool, when: str) -> None:
    say(f"This plan was already applied ({when}); nothing to do.", err=as_json)
    _finish(as_json, "already-applied", [])


def _finish(as_json: bool, result: str, applied, error: str = "", serving: dict[int, str] | None = None) -> None:
    """--json: each applied step, with the version its collection's alias serves once it was done."""
    if as_json:
        import json

        serving = serving or {}
        body = {"result": result, "applied": [{"step": s.number, "kind": s.change.kind,
                                               "collection": s.change.collection}
                                              | ({"serving": serving[s.number]} if s.number in serving else {})
                                              for s in applied]}
        if error:
            body["error"] = error
        say(json.dumps(body, indent=2))


def _echo_step(step, status: str) -> None:
    if status != "start":
        say(f"  {status}: step {step.number} {step.change.kind} {step.change.collection}", err=True)


@cli.command()
@connection_options
@click.option("--json", "as_json", is_flag=True,
              help="Print the records as JSON (each one's summary and steps as objects).")
def history(target, as_json: bool) -> None:
    """List every plan applied to the cluster: when, what, by which version, result.

    \b
    Example:
      schemactl history
    """
    import json
    from dataclasses import asdict

    from . import api

    records = api.history(target)
    if as_json:
        say(json.dumps([asdict(r) | {"summary": json.loads(r.summary or "{}"), "steps": json.loads(r.steps or "[]")}
                        for r in records], indent=2))
        return
    if not records:
        say("No applies recorded in this cluster.")
        return
    for r in records:
        listed = json.loads(r.steps or "[]")
        steps = ", ".join(f"{s['kind']} {s['collection']}" + (f" ({s['moves']})" if s.get("moves") else "")
                          for s in listed)
        if r.result != "applied" and listed:  # which steps were done before it stopped (killed: still "running")
            steps += f" [{len(set(r.stepsDone or []))} of {len(listed)} done]"
        error = f" - {r.error}" if r.error else ""
        label = r.planChecksum if ":" in r.planChecksum else r.planChecksum[:12]  # rollback:..., drop:... whole
        say(f"{r.startedAt}  {r.result:<11} v{r.schemactlVersion}  {label}  "
                   f"{steps or '-'}  by {r.holder}{error}")


@cli.command("force-unlock")
@connection_options
def force_unlock(target) -> None:
    """Release the apply lock left by a crashed or killed apply.

    Only when no apply is running: a running apply would lose its protection.

    \b
    Example:
      schemactl force-unlock
    """
    from . import api

    holder = api.force_unlock(target)
    say(f"Released the lock held by {holder.describe()}." if holder else "No lock was held.")


@cli.command()
@click.argument("name")
@connection_options
@click.option("--force", is_flag=True,
              help="Roll back even to a version with fewer objects, or one the ledger does not record as complete, "
                   "or while a migration's hand-over is left to finish (it is abandoned).")
def rollback(name: str, target, force: bool) -> None:
    """Point alias NAME back at the version its current one was made from (kept by that migration).

    Objects written through the alias since the cutover are in the newer version only. Refused
    when the previous version has fewer objects than the current one, the ledger does not record
    it as complete, or a multi-tenant migration's hand-over is left to finish (apply finishes
    it), unless --force.

    \b
    Example:
      schemactl rollback Article
    """
    from . import api

    done = api.rollback(target, name, force=force)
    say(f"{name} now points at {done.restored} (was {done.previous}).")
    if done.objects_now >= 0 and done.objects_then != done.objects_now:
        why = (f"writes made since the cutover are only in {done.previous}" if done.objects_then > done.objects_now
               else f"objects deleted since the cutover, or left out of {done.previous} by its copy (onConvertError: "
                    f"skipObject), are in {done.restored}")
        say(f"  note: {done.previous} has {done.objects_then} object(s), {done.restored} has {done.objects_now}; "
            + why, err=True)
    if done.returned:
        shown = ", ".join(done.returned[:5]) + (", ..." if len(done.returned) > 5 else "")
        say(f"  note: {len(done.returned)} tenant(s) deleted from {done.previous} since the cutover are in "
            f"{done.restored} with their objects, and the application sees them again ({shown})", err=True)
    if done.aimed_back:
        say(f"  note: {done.restored}'s references ({', '.join(done.aimed_back)}) point at old versions that no alias "
            "serves (read-only, kept for rollback): a link to an object made there since fails; `schemactl plan` "
            "shows the step that points them at the versions served now", err=True)
    if done.referrers:
        say(f"  note: {', '.join(done.referrers)} still point{'s' if len(done.referrers) == 1 else ''} at "
            f"{done.previous}, which {name} no longer serves: `schemactl plan` shows the step that points "
            f"{'it' if len(done.referrers) == 1 else 'them'} at {done.restored} (keep {done.previous} until then)",
            err=True)


@cli.command("drop-old-versions")
@click.argument("names", nargs=-1)
@connection_options
@click.option("--allow-destructive", is_flag=True, help="Really delete them.")
def drop_old_versions(names, target, allow_destructive: bool) -> None:
    """Delete the old physical versions kept for rollback (of NAMES, or of every collection).

    Without --allow-destructive, lists what would be deleted and exits 1.

    \b
    Example:
      schemactl drop-old-versions Article --allow-destructive
    """
    from . import api

    versions = [v for found in api.old_versions(target, list(names)).values() for v in found]
    if not versions:
        say("No old versions to drop.")
        return
    if not allow_destructive:
        api.check_droppable(target, versions)  # what it would refuse anyway, said before asking for the flag
        behind = [v for found in api.left_behind_versions(target, list(names)).values() for v in found]
        note = (f" ({', '.join(behind)}: left behind by a rollback or a name made again; what was written there "
                "is nowhere else)") if behind else ""
        raise SchemactlError(f"dropping {', '.join(versions)} deletes their objects{note}: pass --allow-destructive")
    api.drop_versions(target, versions)
    say(f"Dropped {', '.join(versions)}.")


@cli.command("tenants")
@click.argument("name")
@connection_options
@click.option("--create", "to_create", multiple=True, metavar="NAMES",
              help="Create these tenants (comma-separated, repeatable); existing ones are left as they are.")
@click.option("--update", "to_update", multiple=True, metavar="NAMES",
              help="Put these tenants (comma-separated, repeatable) in --status.")
@click.option("--delete", "to_delete", multiple=True, metavar="NAMES",
              help="Delete these tenants and their objects (comma-separated, repeatable; needs --allow-destructive).")
@click.option("--status", default=None, metavar="HOT|COLD",
              help="Activity status for --update, or for the tenants --create makes (default HOT).")
@click.option("--allow-destructive", is_flag=True, help="Really delete the --delete tenants.")
@click.option("--json", "as_json", is_flag=True, help="Print the tenants, or what was done, as JSON.")
def tenants_command(name: str, target, to_create: tuple[str, ...], to_update: tuple[str, ...],
                    to_delete: tuple[str, ...], status: str | None, allow_destructive: bool, as_json: bool) -> None:
    """List, create, delete tenants of collection NAME, or change their activity status.

    NAME is the alias applications use (schemactl resolves it: Weaviate does not change tenants
    through an alias) or a physical collection name. Many tenants go in one request. Without an
    action, lists the tenants and their status, one per line on stdout (the count and the
    collection on stderr, so that the list pipes as it is).

    \b
    Example:
      schemactl tenants Docs
      schemactl tenants Docs --create acme,globex --status COLD
      schemactl tenants Docs --update acme --status HOT
      schemactl tenants Docs --delete globex --allow-destructive
    """
    from . import api
    from .tenants import parse_names, parse_status

    action = _tenant_action(to_create, to_update, to_delete, status)
    if action is None:
        where, found = api.list_tenants(target, name)
        _show_tenants(name, where, found, as_json)
        return
    kind, names = action[0], list(parse_names(action[1]))
    chosen = parse_status(status) if status is not None else "HOT"
    if kind == "delete" and not allow_destructive:
        raise SchemactlError(f"deleting tenant(s) {', '.join(names[:10])}{' ...' if len(names) > 10 else ''} of "
                             f"{name} deletes their objects: pass --allow-destructive; nothing was changed")
    if kind == "create":
        outcome = api.create_tenants(target, name, names, chosen)
    elif kind == "update":
        outcome = api.set_tenant_status(target, name, names, chosen)
    else:
        outcome = api.delete_tenants(target, name, names)
    _show_outcome(name, kind, None if kind == "delete" else chosen, outcome, as_json)


def _tenant_action(to_create, to_update, to_delete, status: str | None) -> tuple[str, tuple[str, ...]] | None:
    """(create|update|delete, the NAMES given), or None for a listing; one action at a time."""
    given = [(kind, names) for kind, names in (("create", to_create), ("update", to_update), ("delete", to_delete))
             if names]
    if len(given) > 1:
        raise SchemactlError("one of --create, --update, --delete at a time")
    if not given:
        if status is not None:
            raise SchemactlError("--status goes with --create or --update")
        return None
    if given[0][0] == "update" and status is None:
        raise SchemactlError("--update needs --status HOT or --status COLD")
    if given[0][0] == "delete" and status is not None:
        raise SchemactlError("--status goes with --create or --update, not --delete")
    return given[0]


def _show_tenants(name: str, where, found, as_json: bool) -> None:
    import json

    if where.note:
        say(where.note, err=True)
    if as_json:
        say(json.dumps({"collection": name, "physical": where.physical, "aliases": list(where.aliases),
                        "tenants": [{"name": t.name, "status": t.status} for t in found]}, indent=2))
        return
    width = max((len(t.name) for t in found), default=0)
    for tenant in found:
        say(f"{tenant.name:<{width}}  {tenant.status}")
    say(f"{len(found):,} tenant(s) in {where.describe()}", err=True)


PAST = {"create": "Created {} tenant(s) in", "update": "Changed {} tenant(s) in", "delete": "Deleted {} tenant(s) from"}


def _show_outcome(name: str, kind: str, status: str | None, outcome, as_json: bool) -> None:
    import json

    where = outcome.where
    if where.note:
        say(where.note, err=True)
    if as_json:
        say(json.dumps({"collection": name, "physical": where.physical, "aliases": list(where.aliases),
                        "action": kind, "status": status, "changed": list(outcome.changed),
                        "unchanged": list(outcome.unchanged)}, indent=2))
        return
    to = f" to {status}" if kind == "update" else (f" as {status}" if status else "")
    left = "already there, status left as it was" if kind == "create" else f"already {status}"
    if not outcome.changed:
        say(f"Nothing changed in {where.describe()}: {left}: {_first(outcome.unchanged)}.")
        return
    say(f"{PAST[kind].format(f'{len(outcome.changed):,}')} {where.describe()}{to}: {_first(outcome.changed)}.")
    if outcome.unchanged:
        say(f"  {left}: {_first(outcome.unchanged)}", err=True)


def _first(names, shown: int = 20) -> str:
    return ", ".join(names[:shown]) + (f" and {len(names) - shown:,} more" if len(names) > shown else "")


@cli.command()
@click.argument("names", nargs=-1)
@connection_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("schemas"), show_default=True,
              metavar="DIRECTORY", callback=lambda _context, _option, value: _pull_destination(value),
              help="Directory for the YAML files (one per collection), created if its parent exists. "
                   "Checked before the cluster is read.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def pull(names, target, out_dir: Path, force: bool) -> None:
    """Write YAML files for live collections (all, or NAMES), without server defaults.

    \b
    Example:
      schemactl pull Article Author --out schemas/
    """
    from . import api

    pulled, left_out = api.pull(target, list(names))
    files = {out_dir / f"{name.lower()}.yaml": text for name, text in pulled.items()}
    existing = [path for path in files if path.exists()]
    if existing and not force:
        raise SchemactlError(f"{', '.join(map(str, existing))} already exist{'s' if len(existing) == 1 else ''}; "
                             "pass --force to overwrite")
    out_dir.mkdir(exist_ok=True)  # the one directory --out names, never its parents (as plan --out)
    for path, text in files.items():
        path.write_text(text)
        say(f"wrote {path}")
    for name, why in left_out.items():
        say(f"not pulled: {name}: schemactl cannot represent it yet ({why})", err=True)


YAML_SUFFIXES = (".yaml", ".yml")


def _pull_destination(out: Path) -> Path:
    """pull --out: a directory for one file per collection, refused before anything is read or
    written when it names a file, or a directory whose parent does not exist."""
    try:
        is_directory, exists = out.is_dir(), out.exists()
        parent_is_directory, parent_exists = out.parent.is_dir(), out.parent.exists()
    except OSError as error:  # e.g. a directory on the way that may not be looked into
        raise SchemactlError(f"--out {out}: cannot look at it ({error.strerror or type(error).__name__})") from None
    if exists and not is_directory:
        raise SchemactlError(f"--out {out} is an existing file: pull writes one file per collection into a "
                             "directory; give a directory, e.g. --out schemas/")
    if not is_directory and out.suffix.lower() in YAML_SUFFIXES:
        raise SchemactlError(f"--out {out} names a file: pull writes one file per collection (<name>.yaml) into a "
                             "directory; give a directory, e.g. --out schemas/")
    if not parent_is_directory:
        what = "is not a directory" if parent_exists else "does not exist"
        raise SchemactlError(f"--out {out}: directory {out.parent} {what} (only the last directory of the path is "
                             "created, as for plan --out)")
    return out


def main() -> None:
    _AS_PROGRAM.append(True)
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")  # grpcio's own log lines (a proxy's refusal): schemactl says it
    cli(prog_name="schemactl")
