"""The documentation covers every public thing: each generated reference table (docs/reference.rst)
is checked against what pytest, the CLI and the control API list themselves, the API page
(docs/api.rst) against ``pytest_mturk.__all__``, and the docs build with warnings as errors."""

from __future__ import annotations

import ast
import dataclasses
import html
import importlib.util
import inspect
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import pytest_mturk
from pytest_mturk import MTurkFake
from pytest_mturk.faults import FAULT_KINDS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _load_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "mturk_reference", DOCS / "_ext" / "mturk_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


reference = _load_reference()


def _table(name: str) -> Any:
    table = reference.TABLES[name]()
    empty = [n for n, d in zip(table.names, table.descriptions, strict=True) if not d.strip()]
    assert not empty, f"{name}: no description for {empty}"
    assert len(table.rows) == len(table.descriptions)
    return table


def _section(lines: list[str], header: str) -> list[str]:
    """The lines after the one containing ``header``, up to the next section header."""
    start = next(i for i, line in enumerate(lines) if header in line)
    out = []
    for line in lines[start + 1 :]:
        if re.match(r"^-{3,} .* -{3,}$", line) or (line.endswith(":") and not line[:1].isspace()):
            break
        out.append(line)
    return out


# ----------------------------------------------------------------------------- the tables


def test_reference_page_shows_every_table() -> None:
    used = re.findall(r"^\.\. mturk-table:: (\S+)$", (DOCS / "reference.rst").read_text(), re.M)
    assert sorted(used) == sorted(reference.TABLES)


def test_fixtures_table_has_every_fixture_pytest_lists(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures", "-p", "no:cacheprovider")
    lines = _section(result.outlines, "fixtures defined from pytest_mturk.plugin")
    listed = {m.group(1) for line in lines if (m := re.match(r"^(\w+)\b", line))}
    assert "mturk_server" in listed  # the parsing found the section
    assert set(_table("fixtures").names) == listed


def test_markers_table_has_every_marker_pytest_lists(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers", "-p", "no:cacheprovider")
    listed = {
        m.group(1)
        for line in result.outlines
        if (m := re.match(r"@pytest\.mark\.(mturk\w*)", line))
    }
    assert listed == {"mturk", "mturk_fault"}
    assert set(_table("markers").names) == listed


def test_option_and_ini_tables_have_everything_pytest_help_lists(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help", "-p", "no:cacheprovider")
    text = result.stdout.str()
    # An option taking a value is listed with its metavar (--mturk-autopilot=N).
    options = set(re.findall(r"^  (--(?:no-)?mturk[\w=-]*?)(?:=[A-Z]+)?\s", text, re.M))
    ini = set(re.findall(r"^  (mturk_\w+) \(", text, re.M))
    assert "--mturk-fake" in options and "mturk_fake" in ini
    assert set(_table("pytest-options").names) == options
    assert set(_table("ini-options").names) == ini


def test_serve_table_has_every_option_of_serve_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_mturk.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    listed = set(re.findall(r"^  (--[a-z][\w-]*)", result.stdout, re.M)) - {"--help"}
    assert "--state" in listed
    assert set(_table("serve-options").names) == listed


def test_fake_options_table_has_every_field_and_its_settings() -> None:
    table = _table("fake-options")
    assert list(table.names) == [f.name for f in dataclasses.fields(pytest_mturk.FakeOptions)]
    by_name = dict(zip(table.names, table.rows, strict=True))
    # What sets an option for every test is found by name, and shown.
    assert "``mturk_fast_sleep`` (ini)" in by_name["fast_sleep"][2]
    assert "``--mturk-fast-sleep``" in by_name["fast_sleep"][2]
    assert "``--mturk-autopilot``" in by_name["autopilot"][2]
    assert "``mturk_credentials`` (ini)" in by_name["credentials"][2]


def test_fault_arguments_table_has_every_argument_of_faults_add() -> None:
    table = _table("fault-arguments")
    parameters = list(inspect.signature(pytest_mturk.Faults.add).parameters)[1:]
    assert list(table.names) == parameters


def test_fault_kinds_table_has_every_kind_as_a_client_meets_it() -> None:
    table = _table("fault-kinds")
    assert list(table.names) == list(FAULT_KINDS)
    rows = dict(zip(table.names, table.rows, strict=True))
    # Observed, not written down: what botocore raised and whether it retried.
    assert rows["ServiceFault"][2] == "``client.exceptions.ServiceFault``"
    assert rows["ServiceFault"][3] == "yes (3 attempts)"
    assert rows["RequestError"][3] == "no"
    assert rows["ReadTimeout"][2] == "``botocore.exceptions.ReadTimeoutError``"
    assert rows["ReadTimeout"][4] == "yes"  # applied: the answer is lost
    assert rows["ConnectionRefused"][4] == "no"


def test_control_api_table_has_every_endpoint_the_server_lists() -> None:
    with MTurkFake() as fake, fake.serve() as server:
        with urllib.request.urlopen(server.control_url + "/") as response:
            listed = json.load(response)
    names = {f"{e['method']} /_pytest_mturk/{e['path']}" for e in listed["endpoints"]}
    assert "POST /_pytest_mturk/accept" in names
    assert set(_table("control-api").names) == names


# ----------------------------------------------------------------------------- the API page


def _public() -> set[str]:
    # __all__ is computed on access (from __init__'s TYPE_CHECKING block), which mypy cannot see.
    names: list[str] = getattr(pytest_mturk, "__all__")  # noqa: B009
    return set(names) - {"__version__"}


def test_api_page_documents_every_public_name() -> None:
    text = (DOCS / "api.rst").read_text()
    documented = set(re.findall(r"^\.\. auto\w+:: pytest_mturk\.(\w+)$", text, re.M))
    assert documented == _public()
    assert ".. py:data:: pytest_mturk.__version__" in text


def _undocumented_methods(cls: type) -> list[str]:
    """Public methods and properties of ``cls`` without a docstring, read from its source (the
    project's conftest wraps some methods while the tests run)."""
    tree = ast.parse(inspect.getsource(sys.modules[cls.__module__]))
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
    return [
        f.name
        for f in node.body
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not f.name.startswith("_")
        and not ast.get_docstring(f)
    ]


def _documented_fields(cls: type) -> set[str]:
    """Fields of a dataclass with a ``#:`` comment above them, or named in the class docstring's
    ``* ``name``:`` list."""
    lines, _ = inspect.getsourcelines(cls)
    found = set()
    for i, line in enumerate(lines):
        match = re.match(r"\s+(\w+): ", line)
        if match and i > 0 and lines[i - 1].strip().startswith("#:"):
            found.add(match.group(1))
    found |= set(re.findall(r"^\s*\* ``(\w+)``:", inspect.getdoc(cls) or "", re.M))
    return found


@pytest.mark.parametrize("name", sorted(_public()))
def test_public_docstrings_are_complete(name: str) -> None:
    obj = getattr(pytest_mturk, name)
    assert inspect.getdoc(obj), f"{name} has no docstring"
    if not inspect.isclass(obj):
        return
    missing = [f"{name}.{member}" for member in _undocumented_methods(obj)]
    if dataclasses.is_dataclass(obj):
        fields = {f.name for f in dataclasses.fields(obj) if not f.name.startswith("_")}
        missing += [f"{name}.{f} (field)" for f in sorted(fields - _documented_fields(obj))]
    assert not missing, f"undocumented: {missing}"


def test_the_records_document_their_fields() -> None:
    # The fields users read in assertions and failure messages, each with its own line.
    for cls in (pytest_mturk.Payment, pytest_mturk.Notification, pytest_mturk.CallRecord):
        fields = {f.name for f in dataclasses.fields(cls)}
        assert fields <= _documented_fields(cls), cls


def test_the_fixtures_have_docstrings() -> None:
    tree = ast.parse((ROOT / "pytest_mturk" / "plugin.py").read_text())
    fixtures = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any("pytest.fixture" in ast.unparse(d) for d in node.decorator_list)
        and not node.name.startswith("_")
    ]
    assert len(fixtures) == len(_table("fixtures").names)
    assert all(ast.get_docstring(node) for node in fixtures)


# ----------------------------------------------------------------------------- the build


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("sphinx", reason="the docs extra: pip install -e '.[docs]'")
    pytest.importorskip("myst_parser", reason="the docs extra: pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("html")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", DOCS, out],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_docs_build_without_warnings_and_show_every_table(built_docs: Path) -> None:
    page = (built_docs / "reference.html").read_text()
    for name, make in reference.TABLES.items():
        for item in make().names:
            # Sphinx writes each word of a literal in a span of its own.
            for word in item.split():
                assert f'<span class="pre">{html.escape(word)}</span>' in page, (name, item)


def test_built_api_page_has_every_public_name(built_docs: Path) -> None:
    html = (built_docs / "api.html").read_text()
    for name in [*sorted(_public()), "__version__"]:
        assert f'id="pytest_mturk.{name}"' in html, name
    # Members and fields are documented too.
    for anchor in (
        "pytest_mturk.MTurkFake.assert_bonus_paid",
        "pytest_mturk.MTurkFake.register_hit_layout",
        "pytest_mturk.Faults.assert_all_fired",
        "pytest_mturk.Payment.amount",
        "pytest_mturk.CallRecord.turk_error_code",
        "pytest_mturk.MTurkServer.url",
    ):
        assert f'id="{anchor}"' in html, anchor
