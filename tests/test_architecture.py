"""The shape of `app/`, checked statically: sizes, layering, words (docs/architecture.md).

Every rule is a small pure function over parsed sources that returns the violations it finds,
each naming the file and the function or import at fault. `test_app_keeps_its_shape` runs them
over the real tree; the `test_checker_*` tests run them over tiny made-up sources, to prove each
one can fail.
Nothing here imports the app: the files are parsed with `ast`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CATALOGUE_MAX_LINES = 2_000
MODULE_MAX_LINES = 600
FUNCTION_MAX_LINES = 80

# Package → rank. An import may only go to a lower rank, or stay inside its own package.
ENTRY = "app (entry modules)"
RANKS: dict[str, int] = {
    "app.core": 0,
    "app.reference": 1,
    "app.auth": 2,
    "app.catalogue": 3,
    "app.matching": 4,
    "app.search": 4,
    "app.prescriptions": 4,
    "app.imports": 4,
    "app.indicators": 5,
    "app.web": 6,
    "app.api": 7,
    ENTRY: 8,
}
ENTRY_MODULES = frozenset({"app", "app.main", "app.cli", "app.asgi", "app.openapi_export", "app.models"})

SQL_CALLS = frozenset({"select", "execute", "exec", "text"})
IMPURE_LIBRARIES = frozenset({"fastapi", "sqlalchemy", "sqlmodel", "logging"})
# A path that leaves the repository: another project's folder, a home, the steering folder beside
# the repository (`../shared/...`, or `shared/...` as if it were here).
OUTSIDE_PATH = re.compile(r"/work/|/home/|/Users/|/root/|~/|\.\./shared|(?<![\w./-])shared/")
TEXT_SUFFIXES = frozenset({".py", ".md", ".html", ".js", ".css", ".txt", ".toml", ".yaml", ".yml"})
VENDORED = ("app/web/static/dsfr/",)  # copied from a package, not written here


# --- parsed sources -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One Python module of the app: its path from the repository root, dotted name, text, tree."""

    path: str
    module: str
    text: str
    tree: ast.Module = field(repr=False)

    @property
    def is_package(self) -> bool:
        return self.path.endswith("__init__.py")

    @property
    def lines(self) -> int:
        return len(self.text.splitlines())


def make_source(path: str, text: str) -> Source:
    """A source from its repository path (`app/api/x.py`) and text."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return Source(path, ".".join(parts), text, ast.parse(text, filename=path))


def app_sources(root: Path = ROOT) -> list[Source]:
    return [
        make_source(p.relative_to(root).as_posix(), p.read_text(encoding="utf-8"))
        for p in sorted((root / "app").rglob("*.py"))
    ]


def app_text_files(root: Path = ROOT) -> dict[str, str]:
    """Every hand-written text file under app/ (code, docs, page), by repository path."""
    out: dict[str, str] = {}
    for p in sorted((root / "app").rglob("*")):
        path = p.relative_to(root).as_posix()
        if p.is_file() and p.suffix in TEXT_SUFFIXES and not path.startswith(VENDORED):
            out[path] = p.read_text(encoding="utf-8")
    return out


def package_of(module: str) -> str | None:
    """The package a module belongs to (`app.imports` for app.imports.lheo.reader), or None."""
    if module in ENTRY_MODULES:
        return ENTRY
    parts = module.split(".")
    if len(parts) >= 2 and ".".join(parts[:2]) in RANKS:
        return ".".join(parts[:2])
    return None


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except the bodies of `if TYPE_CHECKING:` blocks (their `else` counts)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(reversed(node.orelse))
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # a dotted module name; for `from a import b`, `a.b` when that is a module


def imports_of(src: Source, known: frozenset[str] = frozenset()) -> list[Import]:
    """The modules `src` imports at run time (lazy imports in functions included, `if
    TYPE_CHECKING:` blocks left out). `from pkg import name` resolves to `pkg.name` when that is a
    known module, else to `pkg`. Relative imports are resolved against `src`."""
    out: list[Import] = []
    for node in _runtime_nodes(src.tree):
        if isinstance(node, ast.Import):
            out.extend(Import(node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(src, node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.append(Import(node.lineno, sub if sub in known else base))
    return out


def _absolute(src: Source, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = src.module.split(".")
    if not src.is_package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _app_imports(sources: list[Source]) -> Iterator[tuple[Source, Import]]:
    known = frozenset(s.module for s in sources)
    for src in sources:
        for imp in imports_of(src, known):
            if imp.target == "app" or imp.target.startswith("app."):
                yield src, imp


# --- the rules (each returns its violations, in words) --------------------------------------------


def catalogue_too_large(sources: list[Source], limit: int = CATALOGUE_MAX_LINES) -> list[str]:
    mine = [s for s in sources if s.module == "app.catalogue" or s.module.startswith("app.catalogue.")]
    total = sum(s.lines for s in mine)
    if total <= limit:
        return []
    biggest = ", ".join(f"{s.path} ({s.lines})" for s in sorted(mine, key=lambda s: -s.lines)[:5])
    return [f"app/catalogue/ has {total} lines, more than {limit}; largest: {biggest}"]


def modules_too_long(sources: list[Source], limit: int = MODULE_MAX_LINES) -> list[str]:
    return [f"{s.path}: {s.lines} lines, more than {limit}" for s in sources if s.lines > limit]


def functions_too_long(sources: list[Source], limit: int = FUNCTION_MAX_LINES) -> list[str]:
    out = []
    for src in sources:
        for fn in _functions(src.tree):
            length = fn.end_lineno - fn.lineno + 1
            if length > limit:
                out.append(f"{src.path}:{fn.lineno}: function {fn.name}() has {length} lines, more than {limit}")
    return out


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def sql_in_routes(sources: list[Source]) -> list[str]:
    """`select(`, `.execute(`, `.exec(`, `text(` calls in app/api/: SQL belongs to repositories."""
    out = []
    for src in sources:
        if package_of(src.module) != "app.api":
            continue
        calls = [node for node in ast.walk(src.tree) if isinstance(node, ast.Call) and _called_name(node) in SQL_CALLS]
        for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
            out.append(f"{src.path}:{node.lineno}: SQL call {_called_name(node)}(...) in a route module")
    return out


def paths_outside_repository(files: dict[str, str]) -> list[str]:
    """Paths that leave the repository, in code or comments: point inside it (docs/, openapi.yaml)."""
    out = []
    for path, text in files.items():
        for number, line in enumerate(text.splitlines(), 1):
            if m := OUTSIDE_PATH.search(line):
                out.append(f"{path}:{number}: path outside the repository {m.group(0)!r}: {line.strip()[:100]}")
    return out


def unmapped_modules(sources: list[Source]) -> list[str]:
    """Modules of no known package: give the package a rank in RANKS (and docs/architecture.md)."""
    return [f"{s.path}: module {s.module} belongs to no package of RANKS" for s in sources
            if package_of(s.module) is None]


def layering_violations(sources: list[Source]) -> list[str]:
    """Imports to a higher rank, or between two packages of the same rank."""
    out = []
    for src, imp in _app_imports(sources):
        mine, theirs = package_of(src.module), package_of(imp.target)
        if mine is None or theirs is None or mine == theirs:
            continue
        if RANKS[theirs] > RANKS[mine]:
            out.append(f"{src.path}:{imp.line}: imports {imp.target} — {mine} (rank {RANKS[mine]}) may not "
                       f"import from {theirs} (rank {RANKS[theirs]}), a layer above it")
        elif RANKS[theirs] == RANKS[mine]:
            out.append(f"{src.path}:{imp.line}: imports {imp.target} — {mine} and {theirs} are side by side "
                       f"(rank {RANKS[mine]}): move what both need to a lower layer")
    return out


def package_graph(sources: list[Source]) -> dict[str, dict[str, str]]:
    """package → {imported package: the first `file:line` that imports it}."""
    graph: dict[str, dict[str, str]] = {}
    for src, imp in _app_imports(sources):
        mine, theirs = package_of(src.module), package_of(imp.target)
        if mine is not None and theirs is not None and mine != theirs:
            graph.setdefault(mine, {}).setdefault(theirs, f"{src.path}:{imp.line}")
    return graph


def _strongly_connected(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """Tarjan's algorithm: the components of more than one node (a node never imports itself here)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, {})):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(set(graph) | {n for edges in graph.values() for n in edges}):
        if node not in index:
            visit(node)
    return found


def _cycle_through(graph: dict[str, dict[str, str]], component: list[str]) -> list[str]:
    """The shortest cycle through the component's first package (breadth first), start repeated last."""
    members = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph.get(node, {})):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if nxt in members and nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"no cycle through {start} in {component}")


def package_cycles(sources: list[Source]) -> list[str]:
    graph = package_graph(sources)
    out = []
    for component in _strongly_connected(graph):
        cycle = _cycle_through(graph, component)
        steps = ", ".join(f"{a} → {b} ({graph[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False))
        out.append(f"package cycle {' → '.join(cycle)}: {steps}")
    return out


def _kind(module: str) -> str | None:
    name = module.rsplit(".", 1)[-1]
    for kind in ("repository", "service", "models", "schemas"):
        if name.startswith(kind):
            return kind
    return None


def inner_layering_violations(sources: list[Source]) -> list[str]:
    """Repositories import no service; models and schemas import neither."""
    forbidden = {"repository": {"service"}, "models": {"repository", "service"}, "schemas": {"repository", "service"}}
    out = []
    for src, imp in _app_imports(sources):
        kind = _kind(src.module)
        if kind in forbidden and _kind(imp.target) in forbidden[kind]:
            out.append(f"{src.path}:{imp.line}: a {kind} module imports {imp.target} ({_kind(imp.target)})")
    return out


def impure_matching_core(sources: list[Source]) -> list[str]:
    """app/matching/* (store.py aside) imports no web framework, database library or logging."""
    out = []
    for src in sources:
        if package_of(src.module) != "app.matching" or src.module == "app.matching.store":
            continue
        for imp in imports_of(src):
            if imp.target.split(".")[0] in IMPURE_LIBRARIES:
                out.append(f"{src.path}:{imp.line}: the matching core imports {imp.target}")
    return out


def _annotation_names(annotation: ast.expr | None) -> set[str]:
    """The last part of every name an annotation mentions (`Session | None` → Session, None)."""
    if annotation is None:
        return set()
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return set()
    names = set()
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def _parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.arg]:
    a = fn.args
    return [*a.posonlyargs, *a.args, *a.kwonlyargs, *([a.vararg] if a.vararg else []),
            *([a.kwarg] if a.kwarg else [])]


def misnamed_database_parameters(sources: list[Source]) -> list[str]:
    """A database session is `db` (`session` is a training session); the Database is `database`."""
    out = []
    for src in sources:
        for fn in _functions(src.tree):
            for arg in _parameters(fn):
                names = _annotation_names(arg.annotation)
                if "Session" in names and arg.arg in ("session", "s"):
                    out.append(f"{src.path}:{arg.lineno}: {fn.name}() names its database session {arg.arg!r}: "
                               "call it 'db'")
                if "Database" in names and arg.arg == "db":
                    out.append(f"{src.path}:{arg.lineno}: {fn.name}() names its Database 'db': call it 'database'")
    return out


def _opens_database_session(expr: ast.expr) -> bool:
    """`Session(...)` or `<something>.session(...)`: what opens a database session."""
    if not isinstance(expr, ast.Call):
        return False
    return (isinstance(expr.func, ast.Name) and expr.func.id == "Session") or (
        isinstance(expr.func, ast.Attribute) and expr.func.attr == "session"
    )


def misnamed_database_sessions(sources: list[Source]) -> list[str]:
    """`with database.session() as s:` — the session opened there is `db` too."""
    out = []
    for src in sources:
        blocks = [node for node in ast.walk(src.tree) if isinstance(node, ast.With | ast.AsyncWith)]
        for node in sorted(blocks, key=lambda n: n.lineno):
            for item in node.items:
                target = item.optional_vars
                if (_opens_database_session(item.context_expr) and isinstance(target, ast.Name)
                        and target.id in ("session", "s")):
                    out.append(f"{src.path}:{node.lineno}: database session bound as {target.id!r}: call it 'db'")
    return out


# --- the real tree --------------------------------------------------------------------------------

SOURCES = app_sources()


def _fail_on(violations: Iterable[str], rule: str) -> None:
    violations = list(violations)
    assert not violations, f"{rule}: {len(violations)} violation(s)\n" + "\n".join(violations)


def test_app_is_parsed() -> None:
    assert any(s.module == "app.main" for s in SOURCES) and len(SOURCES) > 50


RULES = [
    (catalogue_too_large, f"app/catalogue/ at most {CATALOGUE_MAX_LINES} lines"),
    (modules_too_long, f"no module over {MODULE_MAX_LINES} lines"),
    (functions_too_long, f"no function over {FUNCTION_MAX_LINES} lines"),
    (sql_in_routes, "no select/execute/exec/text SQL call in app/api/"),
    (unmapped_modules, "every module belongs to a ranked package"),
    (layering_violations, "packages import only from lower layers (TYPE_CHECKING aside)"),
    (package_cycles, "no cycle between packages"),
    (inner_layering_violations, "a repository imports no service; models and schemas import neither"),
    (impure_matching_core, "the matching core imports no fastapi, sqlalchemy, sqlmodel or logging"),
    (misnamed_database_parameters, "a database session is 'db', the Database object 'database'"),
    (misnamed_database_sessions, "a database session opened in a `with` is 'db'"),
]


@pytest.mark.parametrize(("rule", "what"), RULES, ids=[rule.__name__ for rule, _ in RULES])
def test_app_keeps_its_shape(rule: Callable[[list[Source]], list[str]], what: str) -> None:
    _fail_on(rule(SOURCES), what)


def test_no_path_outside_the_repository() -> None:
    _fail_on(paths_outside_repository(app_text_files()), "no path outside the repository in app/")


# --- the rules can fail: tiny made-up trees -------------------------------------------------------


def _tree(**files: str) -> list[Source]:
    """Sources from `app__api__x="..."`-style keyword names (`__` for `/`)."""
    return [make_source(name.replace("__", "/") + ".py", text) for name, text in files.items()]


def test_checker_finds_an_upward_import() -> None:
    found = layering_violations(_tree(app__core__clock="from app.api.deps import principal\n",
                                      app__api__deps="principal = 1\n"))
    assert len(found) == 1 and "app/core/clock.py:1" in found[0] and "app.api.deps" in found[0]


def test_checker_finds_a_sideways_import_and_a_lazy_one() -> None:
    found = layering_violations(_tree(
        app__search__service="def f():\n    from app.matching import core\n",
        app__matching__core="x = 1\n",
    ))
    assert len(found) == 1 and "app/search/service.py:2" in found[0] and "side by side" in found[0]


def test_checker_allows_downward_same_package_and_relative_imports() -> None:
    found = layering_violations(_tree(
        app__api__search="from app.search import service\nfrom . import deps\nimport app.core.db\n",
        app__api__deps="from app.reference.levels import Level\n",
        app__search__service="from .documents import load\n",
        app__search__documents="load = 1\n",
        app__core__db="x = 1\n",
        app__reference__levels="Level = 1\n",
        app__main="from app.api import search\n",
    ))
    assert found == []


def test_checker_ignores_type_checking_imports() -> None:
    tree = _tree(app__core__heap=(
        "from typing import TYPE_CHECKING\nimport typing\n"
        "if TYPE_CHECKING:\n    from app.api.deps import principal\n"
        "if typing.TYPE_CHECKING:\n    import app.catalogue.models\n"
        "else:\n    from app.web import page\n"
    ))
    found = layering_violations(tree)
    assert len(found) == 1 and "app.web" in found[0] and ":8:" in found[0]  # the `else` counts
    assert package_cycles(tree + _tree(app__api__deps="from app.core import heap\n")) == []


def test_checker_finds_a_package_cycle() -> None:
    found = package_cycles(_tree(
        app__catalogue__service="from app.matching.store import SnapshotStore\n",
        app__matching__store="from app.catalogue import repository\n",
        app__catalogue__repository="from app.core import db\n",
        app__core__db="x = 1\n",
    ))
    assert len(found) == 1
    assert "app.catalogue → app.matching → app.catalogue" in found[0]
    assert "app/catalogue/service.py:1" in found[0] and "app/matching/store.py:1" in found[0]


def test_checker_finds_a_longer_cycle() -> None:
    found = package_cycles(_tree(
        app__auth__keys="import app.reference.roles\n",
        app__reference__roles="from app.catalogue import places\n",
        app__catalogue__places="from app.auth.keys import x\n",
    ))
    assert len(found) == 1 and found[0].count("→") >= 3 + 3  # three edges, each named with its import


def test_checker_finds_an_81_line_function() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(79))
    src = _tree(app__imports__service=f"def long_one():\n{body}    return 0\n\n\ndef short():\n    return 1\n")
    found = functions_too_long(src)
    assert len(found) == 1 and "long_one()" in found[0] and "81 lines" in found[0]
    assert functions_too_long(_tree(app__x=f"def ok():\n{body}\n")) == []  # 80 lines pass


def test_checker_finds_a_long_module_and_a_large_catalogue() -> None:
    big = "x = 1\n" * 601
    assert modules_too_long(_tree(app__search__embedded=big)) == ["app/search/embedded.py: 601 lines, more than 600"]
    found = catalogue_too_large(_tree(app__catalogue__a="x = 1\n" * 1500, app__catalogue__b="x = 1\n" * 501,
                                      app__imports__c="x = 1\n" * 1000))
    assert len(found) == 1 and "2001 lines" in found[0] and "app/catalogue/a.py (1500)" in found[0]


def test_checker_finds_sql_in_routes_but_not_in_words() -> None:
    src = _tree(app__api__offers=(
        '"""Routes. Never select( here, nor .execute( nor text(."""\n'
        "from sqlmodel import select\n"
        "def route(db):\n"
        "    # db.exec(...) is for repositories\n"
        "    rows = db.exec(select(Offer)).all()\n"
        "    return sa.text('x'), rows\n"
    ), app__catalogue__repository="def f(db):\n    return db.execute(select(1))\n")
    found = sql_in_routes(src)
    assert [f.split(": ", 1)[0] for f in found] == ["app/api/offers.py:5", "app/api/offers.py:5", "app/api/offers.py:6"]
    assert [re.search(r"SQL call (\w+)\(", f).group(1) for f in found] == ["exec", "select", "text"]


def test_checker_finds_paths_outside_the_repository() -> None:
    found = paths_outside_repository({
        "app/search/meili.py": "# checked, see /work/shared/notes/search.md\nx = 1\n",
        "app/reference/communes.py": '"""Built from `shared/data/ref/communes/`."""\n',
        "app/x.py": "P = '../shared/data'\nQ = '/home/me/other'\n",
        "app/y.py": "# see docs/search.md; postcode_is_shared(code); not_shared/ but shared/data\n",
    })
    assert [f.split(": ", 1)[0] for f in found] == [
        "app/search/meili.py:1", "app/reference/communes.py:1", "app/x.py:1", "app/x.py:2", "app/y.py:1",
    ]
    assert paths_outside_repository({"app/ok.py": "# see docs/search.md; postcode_is_shared(code)\n"}) == []


def test_checker_finds_inner_layering_violations() -> None:
    found = inner_layering_violations(_tree(
        app__catalogue__repository="from app.catalogue.service import x\n",
        app__catalogue__models="from app.catalogue import repository\n",
        app__imports__schemas="from app.imports.service_helpers import y\n",
        app__imports__service_helpers="y = 1\n",
        app__catalogue__service="from app.catalogue import repository, models\n",
    ))
    assert [f.split(": ", 1)[0] for f in found] == [
        "app/catalogue/repository.py:1", "app/catalogue/models.py:1", "app/imports/schemas.py:1",
    ]


def test_checker_finds_an_impure_matching_core() -> None:
    found = impure_matching_core(_tree(
        app__matching__core="import logging\nfrom sqlalchemy.orm import Session\n",
        app__matching__profile="from pydantic import BaseModel\nfrom typing import TYPE_CHECKING\n"
                               "if TYPE_CHECKING:\n    from sqlmodel import Session\n",
        app__matching__store="import logging\nfrom sqlmodel import Session\n",
        app__search__service="import logging\n",
    ))
    assert found == ["app/matching/core.py:1: the matching core imports logging",
                     "app/matching/core.py:2: the matching core imports sqlalchemy.orm"]


def test_checker_finds_misnamed_database_sessions() -> None:
    src = _tree(app__search__service=(
        "def a(session: Session): ...\n"
        "def b(s: 'Session | None' = None): ...\n"
        "def c(db: sqlmodel.Session, session: TrainingSession, s: str): ...\n"
        "def d(db: Database): ...\n"
        "def e(database: Database, *, db: Session): ...\n"
        "def f(database):\n"
        "    with database.session(write=True) as s:\n"
        "        pass\n"
        "    with Session(engine) as session, database.session() as db, open('x') as s:\n"
        "        pass\n"
    ))
    params = misnamed_database_parameters(src)
    assert [p.split(": ", 1)[0] for p in params] == [
        "app/search/service.py:1", "app/search/service.py:2", "app/search/service.py:4",
    ]
    assert "call it 'database'" in params[2]
    opened = misnamed_database_sessions(src)
    assert [o.split(": ", 1)[0] for o in opened] == ["app/search/service.py:7", "app/search/service.py:9"]


def test_checker_maps_every_module_to_a_package() -> None:
    assert package_of("app.imports.lheo.rules.dates") == "app.imports"
    assert package_of("app.cli") == ENTRY and package_of("app") == ENTRY
    assert unmapped_modules(_tree(app__pathways__service="x = 1\n", app__core__db="x = 1\n")) == [
        "app/pathways/service.py: module app.pathways.service belongs to no package of RANKS",
    ]
