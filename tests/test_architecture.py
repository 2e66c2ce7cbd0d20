"""The package's layering, checked from the source (docs/architecture.md says why).

Every ``import`` of a ``pytest_mturk`` module counts, wherever it stands (top of the module, inside
a function, under ``TYPE_CHECKING``): the graph has no circles, and no module imports one of a
higher layer.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_mturk"

#: Lowest first. A module may import modules of its own layer or lower ones, never higher ones.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "leaves",
        (
            "pytest_mturk.errors",
            "pytest_mturk.clock",
            "pytest_mturk.ledgers",
            "pytest_mturk.options",
            "pytest_mturk.questions",
        ),
    ),
    (
        "service",
        (
            "pytest_mturk.service",
            "pytest_mturk.validation",
            "pytest_mturk.faults",
            "pytest_mturk.persist",
            "pytest_mturk.invariants",
        ),
    ),
    ("protocol", ("pytest_mturk.protocol",)),
    ("transport", ("pytest_mturk.transport",)),
    ("handle", ("pytest_mturk.workers", "pytest_mturk.autopilot", "pytest_mturk.fake")),
    ("entry points", ("pytest_mturk.plugin", "pytest_mturk.cli", "pytest_mturk")),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import sub` imports the submodule when there is one.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _layer_of(module: str) -> int:
    best, depth = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > depth:
                best, depth = i, len(prefix)
    return best


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_import_graph_has_no_circles() -> None:
    assert _cycles(import_graph()) == []


def test_every_module_has_a_layer() -> None:
    assert [m for m in import_graph() if _layer_of(m) < 0] == []


def test_no_module_imports_a_higher_layer() -> None:
    graph = import_graph()
    upward = [
        f"{m} ({LAYERS[_layer_of(m)][0]}) imports {t} ({LAYERS[_layer_of(t)][0]})"
        for m, targets in sorted(graph.items())
        for t in sorted(targets)
        if _layer_of(t) > _layer_of(m)
    ]
    assert upward == []


@pytest.mark.parametrize("text", ["import pytest_mturk.fake", "from pytest_mturk import fake"])
def test_the_checker_sees_an_upward_import(tmp_path: Path, text: str) -> None:
    known = {"pytest_mturk", "pytest_mturk.fake", "pytest_mturk.service.hits"}
    module = tmp_path / "hits.py"
    module.write_text(f"def f():\n    {text}\n")
    assert _imports("pytest_mturk.service.hits", module, known) == {"pytest_mturk.fake"}


def test_the_checker_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# ----------------------------------------------------------------------------- private members

ROOT = PACKAGE.parent
#: MTurkFake's private attributes (its own; nothing outside fake.py may read them).
FAKE_PRIVATE = ("_service", "_backend", "_started", "_autopilots", "_env_patch")


def _private_fake_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in FAKE_PRIVATE
        # An object's own attribute of the same name (a Worker's _service) is its own business.
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]


def test_nothing_outside_fake_py_reads_the_fakes_private_members() -> None:
    files = [
        p
        for folder in ("pytest_mturk", "tests", "benchmarks", "example_project")
        for p in (ROOT / folder).rglob("*.py")
        if p != PACKAGE / "fake.py" and ".venv" not in p.parts
    ]
    reads = [read for p in files for read in _private_fake_reads(p)]
    assert reads == []


# ----------------------------------------------------------------------------- dependencies

#: Imported only where their package is optional: deferred, and needed only once the user's
#: own code uses them (requests for the HTTP edges, moto for notification delivery,
#: aiobotocore for async clients).
OPTIONAL = {"requests", "urllib3", "moto", "aiobotocore"}


def _third_party_imports() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names} - {"pytest_mturk"}


def _declared() -> set[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    names = re.findall(r'^\s*"([A-Za-z0-9_.-]+)', block, re.MULTILINE)
    return {name.lower().replace("-", "_") for name in names}


def test_declared_dependencies_match_what_the_package_imports() -> None:
    imported = _third_party_imports()
    declared = _declared()
    assert imported - OPTIONAL - declared == set(), "imported but not declared"
    assert declared - imported == set(), "declared but never imported"
