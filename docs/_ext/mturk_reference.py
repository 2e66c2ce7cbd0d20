"""The reference tables of pytest-mturk, generated from the code so that they cannot go stale.

Fixtures and markers are read from ``pytest_mturk/plugin.py`` (its ``@pytest.fixture``
functions and ``addinivalue_line("markers", ...)`` registrations), pytest's command-line and ini
options from the plugin's ``pytest_addoption`` run against a pytest ``Parser``, the options of a
fake from ``FakeOptions`` (its fields and its docstring's list), ``mturk_fault``'s arguments from
``Faults.add`` (its signature and ``:param:`` fields), ``pytest-mturk serve``'s options from the
CLI's argparse parser, and the fault kinds from ``FAULT_KINDS`` and what each one does to a real
boto3 client (status, error, exception, retries: observed, not written down).

In a document: ``.. mturk-table:: fixtures`` (one of ``TABLES``).
``tests/test_reference_docs.py`` checks every table against what pytest and the CLI list.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "pytest_mturk" / "plugin.py"


@dataclass(frozen=True)
class Table:
    """A table: ``names`` (what it documents, one per row) and its cells, in reST."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    names: tuple[str, ...]
    #: Each row's description (the text that says what the thing does; never empty).
    descriptions: tuple[str, ...]


def literal(text: str) -> str:
    """``text`` as an inline literal."""
    return f"``{text}``"


_SPECIAL = re.compile(r"([\\*`|])|(_)(?=\W|$)")


def plain(text: str) -> str:
    """Plain text (argparse and ini help) made safe for reST: its markup characters escaped."""
    return _SPECIAL.sub(lambda m: "\\" + (m.group(1) or m.group(2)), " ".join(text.split()))


def one_line(text: str) -> str:
    """reST text (a docstring) on one line, for a table cell."""
    return " ".join(inspect.cleandoc(text).split())


def _first_paragraph(text: str) -> str:
    return one_line(inspect.cleandoc(text).split("\n\n")[0])


# ----------------------------------------------------------------------------- fixtures, markers


def _is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target) == "pytest.fixture"


def _gives(annotation: ast.expr | None) -> str:
    if annotation is None:
        return ""
    text = ast.unparse(annotation)
    match = re.fullmatch(r"(?:Iterator|Generator)\[(.*?)(?:, .*)?\]", text)
    return match.group(1) if match else text


def fixtures() -> Table:
    """The public fixtures of ``plugin.py`` (``@pytest.fixture`` functions without ``_``)."""
    tree = ast.parse(PLUGIN.read_text(encoding="utf-8"))
    rows: list[tuple[str, ...]] = []
    names: list[str] = []
    descriptions: list[str] = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        if not any(_is_fixture(d) for d in node.decorator_list):
            continue
        needs = [a.arg for a in node.args.args if a.arg != "request" and not a.arg.startswith("_")]
        doc = ast.get_docstring(node) or ""
        gives = _gives(node.returns)
        names.append(node.name)
        descriptions.append(doc)
        rows.append(
            (
                literal(node.name),
                literal(gives) if gives and gives != "Any" else "a boto3 client",
                ", ".join(literal(n) for n in needs),
                one_line(doc),
            )
        )
    return Table(
        "Fixtures",
        ("fixture", "gives", "uses", "what it is"),
        tuple(rows),
        tuple(names),
        tuple(descriptions),
    )


def _registered_markers() -> list[tuple[str, str]]:
    """(signature, description) of each ``addinivalue_line("markers", ...)`` in plugin.py."""
    found = []
    for node in ast.walk(ast.parse(PLUGIN.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "addinivalue_line"
            and len(node.args) == 2
            and ast.literal_eval(node.args[0]) == "markers"
        ):
            line = ast.literal_eval(node.args[1])
            signature, _, description = line.partition(": ")
            found.append((signature, description))
    return found


def markers() -> Table:
    """The markers the plugin registers."""
    entries = _registered_markers()
    return Table(
        "Markers",
        ("marker", "what it does"),
        tuple((literal(f"@pytest.mark.{sig}"), plain(desc)) for sig, desc in entries),
        tuple(sig.partition("(")[0] for sig, _ in entries),
        tuple(desc for _, desc in entries),
    )


# ----------------------------------------------------------------------------- pytest's options


def _parser() -> Any:
    import pytest

    from pytest_mturk import plugin

    parser = pytest.Parser(_ispytest=True)
    plugin.pytest_addoption(parser)
    return parser


def pytest_options() -> Table:
    """The command-line options the plugin adds to pytest."""
    group = _parser().getgroup("mturk")
    rows: list[tuple[str, ...]] = []
    names: list[str] = []
    descriptions: list[str] = []
    for option in group.options:
        attrs = option.attrs()
        metavar = attrs.get("metavar")
        for name in option.names():
            names.append(name)
            descriptions.append(attrs["help"])
            shown = f"{name} {metavar}" if metavar else name
            rows.append((literal(shown), plain(attrs["help"])))
    return Table(
        "Command-line options of pytest",
        ("option", "what it does"),
        tuple(rows),
        tuple(names),
        tuple(descriptions),
    )


def ini_options() -> Table:
    """The ini options (``[pytest]`` / ``[tool.pytest.ini_options]``) the plugin adds."""
    inidict: dict[str, tuple[Any, ...]] = _parser()._inidict
    rows: list[tuple[str, ...]] = []
    names: list[str] = []
    descriptions: list[str] = []
    for name, (help_text, kind, default, *_rest) in inidict.items():
        names.append(name)
        descriptions.append(help_text)
        rows.append((literal(name), kind or "string", literal(repr(default)), plain(help_text)))
    return Table(
        "ini options",
        ("ini key", "type", "default", "what it does"),
        tuple(rows),
        tuple(names),
        tuple(descriptions),
    )


# ----------------------------------------------------------------------------- options of a fake


def _bullets(doc: str) -> dict[str, str]:
    """``* ``name``: text`` items of a docstring, by name."""
    items: dict[str, str] = {}
    for match in re.finditer(
        r"^\* ``(\w+)``: (.*?)(?=^\* |\Z)", inspect.cleandoc(doc), re.S | re.M
    ):
        items[match.group(1)] = one_line(match.group(2))
    return items


def _default(f: dataclasses.Field[Any]) -> str:
    if f.default is not dataclasses.MISSING:
        return literal(repr(f.default))
    if f.default_factory is not dataclasses.MISSING:
        return literal(repr(f.default_factory()))
    return ""


def fake_options() -> Table:
    """``FakeOptions``: keywords of ``MTurkFake`` / ``mock_mturk`` and ``@pytest.mark.mturk``,
    each with the ini key and pytest option that set it for every test, where there is one."""
    from pytest_mturk import FakeOptions

    described = _bullets(FakeOptions.__doc__ or "")
    parser = _parser()
    ini = set(parser._inidict)
    flags = {name for option in parser.getgroup("mturk").options for name in option.names()}
    rows: list[tuple[str, ...]] = []
    names: list[str] = []
    descriptions: list[str] = []
    for f in dataclasses.fields(FakeOptions):
        also = []
        if f"mturk_{f.name}" in ini:
            also.append(literal(f"mturk_{f.name}") + " (ini)")
        flag = "--mturk-" + f.name.replace("_", "-")
        if flag in flags:
            also.append(literal(flag))
        text = described.get(f.name, "")
        names.append(f.name)
        descriptions.append(text)
        rows.append((literal(f.name), _default(f), ", ".join(also), text))
    return Table(
        "Options of a fake",
        ("option", "default", "for every test", "what it does"),
        tuple(rows),
        tuple(names),
        tuple(descriptions),
    )


def _params(doc: str) -> dict[str, str]:
    """``:param name: text`` fields of a docstring, by name."""
    items: dict[str, str] = {}
    text = inspect.cleandoc(doc)
    for match in re.finditer(r"^:param (\w+): (.*?)(?=^:|\Z)", text, re.S | re.M):
        items[match.group(1)] = one_line(match.group(2))
    return items


def fault_arguments() -> Table:
    """The arguments of ``@pytest.mark.mturk_fault`` (those of ``fake.faults.add``)."""
    from pytest_mturk import Faults

    described = _params(Faults.add.__doc__ or "")
    rows: list[tuple[str, ...]] = []
    names: list[str] = []
    descriptions: list[str] = []
    for name, param in inspect.signature(Faults.add).parameters.items():
        if name == "self":
            continue
        default = "" if param.default is param.empty else literal(repr(param.default))
        how = "positional" if param.kind is param.POSITIONAL_OR_KEYWORD else "keyword"
        text = described.get(name, "")
        names.append(name)
        descriptions.append(text)
        rows.append((literal(name), how, default, text))
    return Table(
        "Arguments of mturk_fault",
        ("argument", "given", "default", "what it does"),
        tuple(rows),
        tuple(names),
        tuple(descriptions),
    )


# ----------------------------------------------------------------------------- pytest-mturk serve


def serve_options() -> Table:
    """The options of ``pytest-mturk serve`` (from the CLI's own parser)."""
    from pytest_mturk.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    serve: argparse.ArgumentParser = sub.choices["serve"]
    rows: list[tuple[str, ...]] = []
    names: list[str] = []
    descriptions: list[str] = []
    for action in serve._actions:
        if isinstance(action, argparse._HelpAction) or action.help is None:
            continue
        takes_value = action.nargs != 0
        metavar = action.metavar or (action.dest.upper() if takes_value else None)
        if action.choices:
            metavar = "{" + ",".join(map(str, action.choices)) + "}"
        shown = " ".join(action.option_strings) + (f" {metavar}" if metavar else "")
        default = "" if action.default is None or action.default is False else str(action.default)
        default = literal(default) if default else ""
        names.extend(action.option_strings)
        descriptions.append(action.help)
        rows.append((literal(shown), default, plain(action.help)))
    return Table(
        "Options of pytest-mturk serve",
        ("option", "default", "what it does"),
        tuple(rows),
        tuple(names),
        tuple(descriptions),
    )


# ----------------------------------------------------------------------------- fault kinds

#: What each kind needs besides the kind itself to be observed (the "Custom" example).
_EXAMPLE_ARGUMENTS: dict[str, dict[str, Any]] = {
    "Custom": {"type_name": "AccessDeniedException", "status": 403},
    "RequestError": {"code": "AWS.MechanicalTurk.HITDoesNotExist"},
}


@dataclass(frozen=True)
class Observed:
    """What one fault kind did to a boto3 client (standard retries, at most 3 attempts)."""

    kind: str
    status: int
    error_code: str | None
    message: str | None
    raised: str
    attempts: int
    applied: bool
    takes_code: bool


def observe(kind: str) -> Observed:
    """Inject ``kind`` into every attempt of ``GetAccountBalance`` and call it once."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    from pytest_mturk import Faults, MTurkFake
    from pytest_mturk.protocol import SANDBOX_URL

    example = _EXAMPLE_ARGUMENTS.get(kind, {})
    try:
        without_code = {k: v for k, v in example.items() if k != "code"}
        Faults(None).add("GetHIT", kind, code="AWS.MechanicalTurk.HITDoesNotExist", **without_code)
        takes_code = True
    except ValueError:
        takes_code = False
    with MTurkFake(seed=1) as fake:
        fault = fake.faults.add("GetAccountBalance", kind, times=None, **example)
        client = boto3.session.Session().client(
            "mturk",
            region_name="us-east-1",
            endpoint_url=SANDBOX_URL,
            config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
        )
        error: BaseException | None = None
        try:
            client.get_account_balance()
        except Exception as exc:
            error = exc
        assert error is not None, f"fault kind {kind!r} raised nothing"
        last = fake.calls[-1]
        if isinstance(error, ClientError):
            modelled = type(error).__name__ != "ClientError"
            raised = (
                f"client.exceptions.{type(error).__name__}"
                if modelled
                else f"ClientError ({error.response['Error']['Code']})"
            )
            # Without the time stamp MTurk ends its messages with.
            message = re.sub(r"\s*\(\d+( s)?\)$", "", error.response["Error"].get("Message", ""))
        else:
            raised = f"botocore.exceptions.{type(error).__name__}"
            message = None
        return Observed(
            kind,
            last.status,
            last.error_code,
            message,
            raised,
            len(fake.calls),
            fault.applied,
            takes_code,
        )


def fault_kinds() -> Table:
    """Every fault kind ``fake.faults.add`` (and ``mturk_fault``) takes, as a client meets it."""
    from pytest_mturk.faults import FAULT_KINDS

    rows: list[tuple[str, ...]] = []
    names: list[str] = []
    descriptions: list[str] = []
    for kind in FAULT_KINDS:
        seen = observe(kind)
        if seen.status:
            answer = f"HTTP {seen.status} {literal(seen.error_code or '')}"
            if kind == "Custom":
                answer = (
                    f"HTTP {literal('status')} (default 400) {literal('type_name')}; e.g. {answer}"
                )
            if seen.message:
                answer += f": {plain(seen.message)}"
        else:
            answer = "no HTTP answer (the connection fails)"
        retried = f"yes ({seen.attempts} attempts)" if seen.attempts > 1 else "no"
        names.append(kind)
        descriptions.append(answer)
        rows.append(
            (
                literal(kind),
                answer,
                literal(seen.raised),
                retried,
                "yes" if seen.applied else "no",
                literal("code=") if seen.takes_code else "",
            )
        )
    return Table(
        "Fault kinds",
        (
            "kind",
            "answer",
            "botocore raises",
            "retried (standard mode)",
            "applied by default",
            "takes",
        ),
        tuple(rows),
        tuple(names),
        tuple(descriptions),
    )


# ----------------------------------------------------------------------------- the control API


def control_api() -> Table:
    """The control API's endpoints (its own table, ``ENDPOINTS``, which ``GET /`` lists too)."""
    from pytest_mturk.transport.control import ENDPOINTS

    rows: list[tuple[str, ...]] = []
    names: list[str] = []
    descriptions: list[str] = []
    for endpoint in ENDPOINTS:
        fields = ", ".join(
            literal(f.name) + (" (required)" if f.required else "") for f in endpoint.fields
        )
        name = f"{endpoint.method} /_pytest_mturk/{endpoint.name}"
        names.append(name)
        descriptions.append(endpoint.help)
        rows.append((literal(name), plain(endpoint.help), fields))
    return Table(
        "The control API",
        ("endpoint", "what it does", "fields of its JSON body"),
        tuple(rows),
        tuple(names),
        tuple(descriptions),
    )


#: Every table, by the name a document gives ``.. mturk-table::``.
TABLES: dict[str, Callable[[], Table]] = {
    "fixtures": fixtures,
    "markers": markers,
    "fake-options": fake_options,
    "fault-arguments": fault_arguments,
    "ini-options": ini_options,
    "pytest-options": pytest_options,
    "serve-options": serve_options,
    "fault-kinds": fault_kinds,
    "control-api": control_api,
}


def render(table: Table) -> list[str]:
    """The table as a reST ``list-table``."""
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in (table.headers, *table.rows):
        for i, cell in enumerate(row):
            lines.append(("   * - " if i == 0 else "     - ") + (cell or " "))
    return lines


# ----------------------------------------------------------------------------- Sphinx


def setup(app: Any) -> dict[str, Any]:
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class MTurkTable(SphinxDirective):
        """``.. mturk-table:: NAME``: one of the generated tables."""

        required_arguments = 1

        def run(self) -> list[nodes.Node]:
            name = self.arguments[0]
            if name not in TABLES:
                raise self.error(f"unknown table {name!r}; known: {', '.join(TABLES)}")
            self.env.note_dependency(str(PLUGIN))
            container = nodes.container()
            self.state.nested_parse(
                StringList(render(TABLES[name]()), source=f"<mturk-table {name}>"),
                self.content_offset,
                container,
            )
            return list(container.children)

    app.add_directive("mturk-table", MTurkTable)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
