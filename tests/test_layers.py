"""The layers of DESIGN.md, checked from the source: who may import whom, and no cycles.

Every product module's imports are read with `ast` (nothing is imported or run): top-level
imports, imports inside functions, and imports under `if TYPE_CHECKING:` all count, because a
type is a dependency too and nothing in the tree needs the exception. A breach is reported as
`file:line: import` with the rule it breaks.

The order, lowest first (a module may import its own layer and the layers before it):

    settings, domain, geo  →  notices, storage  →  records, piccolo_conf  →  activities
    →  workflows, timeline  →  api  →  cli, devstack, worker, server, bench, scripts

Workflow code (`workflows/`) imports only `domain/`, `workflows/`, activities (inside
`workflow.unsafe.imports_passed_through()`, to name them) and, of the rest, temporalio and
the standard library. Elsewhere third-party packages are free, except the database drivers:
which engine is in use is records/' business alone (SQLite's in records/sqlite.py, PostgreSQL's
in records/engine.py), so no caller can branch on it.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SKIPPED = {".venv", "tests", "var", "node_modules", "build", "dist", "docs", "deploy"}

LAYERS: tuple[tuple[str, ...], ...] = (
    ("settings", "domain", "geo"),
    ("notices", "storage", "risk", "language"),
    ("records", "piccolo_conf"),
    ("activities",),
    ("workflows", "timeline"),
    ("api",),
    ("cli", "devstack", "worker", "server", "bench", "scripts"),
)
RANK = {top: rank for rank, tops in enumerate(LAYERS) for top in tops}
WORKFLOW_MAY_IMPORT = {"domain", "workflows", "activities"}
WORKFLOW_THIRD_PARTY = {"temporalio"}
# Who may import what knows the engine. bench/ is left out: its probes read a stack's database
# from outside, over their own connections, as any client of the file or server could.
ENGINE_MODULES: dict[str, set[str]] = {
    "sqlite3": {"records.sqlite"},
    "aiosqlite": {"records.sqlite"},
    "piccolo.engine.sqlite": {"records.sqlite"},
    "asyncpg": {"records.engine"},
    "piccolo.engine.postgres": {"records.engine"},
    "piccolo.engine.base": {"records.sqlite", "records.engine"},
    "records.sqlite": {"records.engine"},
    "records.engine": {"records.db", "records.audit", "piccolo_conf"},
}


@dataclass(frozen=True)
class Import:
    """One import statement's target, resolved to a first-party module where it is one."""

    source: str  # the importing module, e.g. "records.search"
    path: Path
    line: int
    text: str  # the import as written
    target: str  # the imported module's dotted name (first-party: a module of the tree)
    name: str  # the name as imported, in full (`piccolo.engine.sqlite.SQLiteEngine`)
    first_party: bool
    passed_through: bool  # inside `with workflow.unsafe.imports_passed_through():`


def product_modules() -> dict[str, Path]:
    """Every first-party module of the tree by dotted name (tests and tooling left out)."""
    modules: dict[str, Path] = {}
    for path in sorted(REPO.rglob("*.py")):
        parts = path.relative_to(REPO).parts
        if parts[0] in SKIPPED or parts[0].startswith("."):
            continue
        if len(parts) > 1 and not (REPO / parts[0] / "__init__.py").exists():
            if parts[0] not in ("bench", "scripts"):  # script folders, not packages
                continue
        names = list(parts[:-1]) + ([] if path.name == "__init__.py" else [path.stem])
        modules[".".join(names)] = path
    return modules


def _top(module: str) -> str:
    """The top-level package (or module) a dotted name belongs to."""
    return module.split(".", 1)[0]


def _resolve(name: str, modules: dict[str, Path], source: str) -> str | None:
    """The first-party module `name` refers to (the longest existing prefix), or None."""
    candidates = [name]
    if _top(source) in ("bench", "scripts"):  # their siblings import each other by bare name
        candidates.append(f"{_top(source)}.{name}")
    for candidate in candidates:
        parts = candidate.split(".")
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            if prefix in modules:
                return prefix
    return None


def _absolute(node: ast.ImportFrom, source: str, is_package: bool) -> str:
    """The absolute module name of a (possibly relative) `from ... import`."""
    if not node.level:
        return node.module or ""
    base = source.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _passed_through_lines(tree: ast.AST) -> set[int]:
    """Line numbers inside `with workflow.unsafe.imports_passed_through():` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.With):
            continue
        for item in node.items:
            call = item.context_expr
            if isinstance(call, ast.Call) and ast.unparse(call.func).endswith(
                "imports_passed_through"
            ):
                for child in node.body:
                    end = child.end_lineno or child.lineno
                    lines.update(range(child.lineno, end + 1))
    return lines


def imports_of(source: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import in one module, wherever in the module it is written."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    passed = _passed_through_lines(tree)
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, source, path.name == "__init__.py")
            targets = [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
        else:
            continue
        for target in targets:
            resolved = _resolve(target, modules, source)
            found.append(
                Import(
                    source=source,
                    path=path,
                    line=node.lineno,
                    text=ast.unparse(node),
                    target=resolved or target.split(".", 1)[0],
                    name=target,
                    first_party=resolved is not None,
                    passed_through=node.lineno in passed,
                )
            )
    return found


def all_imports() -> list[Import]:
    """The imports of every product module."""
    modules = product_modules()
    return [imp for name, path in modules.items() for imp in imports_of(name, path, modules)]


def _where(imp: Import) -> str:
    """`file:line: import` for a report."""
    return f"{imp.path.relative_to(REPO)}:{imp.line}: {imp.text}"


def layer_breaches(imports: list[Import]) -> list[str]:
    """Imports of a layer later in the order than the importing module's own."""
    breaches = []
    for imp in imports:
        if not imp.first_party:
            continue
        mine, theirs = RANK.get(_top(imp.source)), RANK.get(_top(imp.target))
        if mine is None or theirs is None:
            continue  # reported by test_every_top_level_module_has_a_layer
        if theirs > mine:
            breaches.append(
                f"{_where(imp)}  ({_top(imp.source)} may not import {_top(imp.target)}, "
                "a later layer)"
            )
    return breaches


def workflow_breaches(imports: list[Import]) -> list[str]:
    """Imports in workflow code beyond domain/, workflows/, activities, temporalio, stdlib."""
    breaches = []
    for imp in imports:
        if _top(imp.source) != "workflows":
            continue
        top = _top(imp.target)
        if imp.first_party:
            if top not in WORKFLOW_MAY_IMPORT:
                breaches.append(f"{_where(imp)}  (workflow code imports only domain/, "
                                "workflows/ and activities)")  # fmt: skip
            elif top == "activities" and not imp.passed_through:
                breaches.append(f"{_where(imp)}  (activities are imported by reference, inside "
                                "workflow.unsafe.imports_passed_through())")  # fmt: skip
        elif top not in sys.stdlib_module_names and top not in WORKFLOW_THIRD_PARTY:
            breaches.append(f"{_where(imp)}  (workflow code imports no third-party package "
                            "but temporalio)")  # fmt: skip
    return breaches


def engine_breaches(imports: list[Import]) -> list[str]:
    """Imports of a database driver, or of records' engine modules, from anywhere else."""
    breaches = []
    for imp in imports:
        if _top(imp.source) == "bench":
            continue
        for name, allowed in ENGINE_MODULES.items():
            if (imp.name == name or imp.name.startswith(name + ".")) and imp.source not in allowed:
                breaches.append(f"{_where(imp)}  (only {', '.join(sorted(allowed))} may know "
                                "the database engine; use records.db)")  # fmt: skip
    return breaches


def import_cycles(imports: list[Import]) -> list[list[str]]:
    """Strongly connected groups of more than one module (or a module importing itself),
    by Tarjan's algorithm over the first-party import graph."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.source, set())
        if imp.first_party:
            graph[imp.source].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        """Tarjan from `start`, iteratively, so a deep graph cannot overflow the stack."""
        nonlocal counter
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph.get(node, ()):
                    cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def _cycle_report(group: list[str], imports: list[Import]) -> str:
    """A cycle's modules and the imports that close it."""
    members = set(group)
    edges = sorted({_where(i) for i in imports if i.source in members and i.target in members})
    return f"{' <-> '.join(group)}:\n      " + "\n      ".join(edges)


# --- the tests ------------------------------------------------------------------------------


def test_every_top_level_module_has_a_layer():
    tops = {_top(name) for name in product_modules()}
    assert sorted(tops - set(RANK)) == [], (
        "add new top-level packages to LAYERS (and to README.md's Architecture)"
    )


def test_no_module_imports_a_later_layer():
    breaches = layer_breaches(all_imports())
    assert not breaches, "imports against the layer order:\n  " + "\n  ".join(breaches)


def test_workflow_code_imports_only_domain_workflows_and_activities_by_reference():
    breaches = workflow_breaches(all_imports())
    assert not breaches, "workflow imports:\n  " + "\n  ".join(breaches)


def test_only_records_knows_which_database_engine_is_in_use():
    breaches = engine_breaches(all_imports())
    assert not breaches, "engine knowledge outside its modules:\n  " + "\n  ".join(breaches)


def test_no_import_cycles_between_modules():
    imports = all_imports()
    cycles = [_cycle_report(group, imports) for group in import_cycles(imports)]
    assert not cycles, "import cycles:\n  " + "\n  ".join(cycles)


# --- the checker checks itself, on made-up modules ------------------------------------------


def _fake(source: str, target: str, *, first_party: bool = True, passed: bool = False) -> Import:
    """A made-up import, for testing the checker."""
    return Import(source, REPO / "x.py", 1, f"import {target}", target, target, first_party, passed)


def test_the_checker_sees_an_upward_import_and_a_cycle():
    assert layer_breaches([_fake("records.search", "workflows.search_attributes")])
    assert not layer_breaches([_fake("api.app", "records.db")])
    cycles = import_cycles(
        [_fake("records.a", "records.b"), _fake("records.b", "records.c"),
         _fake("records.c", "records.a"), _fake("records.c", "domain.x")]
    )  # fmt: skip
    assert cycles == [["records.a", "records.b", "records.c"]]


def test_the_checker_holds_workflow_code_to_its_rule():
    assert workflow_breaches([_fake("workflows.complaint", "notices.model")])
    assert workflow_breaches([_fake("workflows.complaint", "activities.cases")])
    assert not workflow_breaches([_fake("workflows.complaint", "activities.cases", passed=True)])
    assert workflow_breaches([_fake("workflows.complaint", "httpx", first_party=False)])
    assert not workflow_breaches([_fake("workflows.complaint", "asyncio", first_party=False)])
    assert not workflow_breaches([_fake("workflows.complaint", "temporalio", first_party=False)])


def test_the_checker_keeps_the_engine_inside_records():
    assert engine_breaches([_fake("activities.running", "asyncpg", first_party=False)])
    assert engine_breaches([_fake("server", "records.sqlite")])
    assert not engine_breaches([_fake("records.sqlite", "sqlite3", first_party=False)])
    assert not engine_breaches([_fake("api.app", "records.db")])


def test_function_level_and_relative_imports_are_read(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text(
        "def f():\n    from api.scope import may_see\n\nfrom . import tables\n", encoding="utf-8"
    )
    modules = {"records.mod": source, "records.tables": source, "api.scope": source,
               "records": source}  # fmt: skip
    found = {(imp.target, imp.line) for imp in imports_of("records.mod", source, modules)}
    assert found == {("api.scope", 2), ("records.tables", 4)}
