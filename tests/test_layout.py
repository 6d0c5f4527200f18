"""The package's shape: dependencies point one way (no import cycles, even through imports made
inside functions)."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "schemactl"


def imports_of(path: Path, source: str | None = None) -> set[str]:
    """schemactl modules `path` (or `source` as if it were there) imports, anywhere in the file,
    relatively or by the package's name."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text() if source is None else source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            if node.module:
                found.add(".".join((*base, *node.module.split("."))))
            else:
                found.update(".".join((*base, alias.name)) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "schemactl":
            found.add(node.module or "")
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "schemactl")
    return found


def test_absolute_imports_of_the_package_count_as_its_own():
    """The rules below hold for `import schemactl.apply` as for `from .apply import ...`."""
    source = "import schemactl.apply.recreate\nfrom schemactl import live\nfrom schemactl.plan import Plan\n"
    found = imports_of(PACKAGE / "diff.py", source)
    assert {"schemactl.apply.recreate", "schemactl.live", "schemactl.plan"} <= found


def test_no_import_cycles():
    modules = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts): p for p in PACKAGE.rglob("*.py")}
    graph = {name: {m for m in imports_of(path) if m in modules} for name, path in modules.items()}
    cycles = []

    def visit(name: str, trail: list[str]) -> None:
        for nxt in graph[name]:
            if nxt in trail:
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif len(trail) < 30:
                visit(nxt, trail + [nxt])

    for start in sorted(graph):
        visit(start, [start])
    assert cycles == []


# distribution name -> the module it is imported as
IMPORTED_AS = {"weaviate-client": "weaviate", "PyYAML": "yaml", "grpcio": "grpc"}
# imported, not declared: weaviate-client's own dependency, only to quiet its warnings (ImportError tolerated)
CLIENT_DEPENDENCIES = {"authlib"}


def runtime_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "dev" not in p.relative_to(PACKAGE).parts]


def test_the_runtime_imports_only_its_declared_dependencies_and_never_the_test_bed():
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    declared = {re.split(r"[<>=!~\[;]", d)[0].strip() for d in project["dependencies"]}
    allowed = {IMPORTED_AS.get(d, d) for d in declared} | CLIENT_DEPENDENCIES
    imported: dict[str, set[str]] = {}
    for path in runtime_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            for name in names:
                imported.setdefault(name.split(".")[0], set()).add(path.name)
        assert "schemactl.dev" not in imports_of(path) and not any(
            m.startswith("schemactl.dev") for m in imports_of(path)), f"{path.name} imports the test bed"
    third_party = {m: where for m, where in imported.items() if m not in sys.stdlib_module_names and m != "schemactl"}
    assert set(third_party) <= allowed, {m: third_party[m] for m in set(third_party) - allowed}
    assert allowed - CLIENT_DEPENDENCIES <= set(third_party), "a declared dependency nothing imports"


def _graph() -> dict[str, set[str]]:
    modules = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules or m == "schemactl.apply"}
            for name, path in modules.items()}


COMMANDS = {"schemactl.api", "schemactl.admin", "schemactl.cli"}  # the library's face and the CLI on it
MECHANISMS = {f"schemactl.apply.{m}" for m in ("recreate", "tenant_recreate", "data_copy", "fence", "index_task",
                                               "scale")}


def test_data_flows_one_way_into_apply_and_never_back():
    """Reading, planning and rendering never import how a plan is carried out; apply/ never
    imports the commands; a mechanism never imports the executor, the guards or the session."""
    graph = _graph()
    into_apply = {n for n, deps in graph.items() if not n.startswith("schemactl.apply")
                  and any(d.startswith("schemactl.apply") for d in deps)}
    assert into_apply <= COMMANDS, into_apply - COMMANDS
    back = {n: deps & COMMANDS for n, deps in graph.items() if n.startswith("schemactl.apply") and deps & COMMANDS}
    assert back == {}
    upward = {"schemactl.apply.executor", "schemactl.apply.guards", "schemactl.apply.session"}
    assert {n: graph[n] & upward for n in MECHANISMS if graph[n] & upward} == {}
    assert MECHANISMS <= set(graph)  # the rule names modules that exist
