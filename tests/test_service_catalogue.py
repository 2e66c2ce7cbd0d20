"""The error catalogue (pytest_mturk/service/errors.py) is the only place errors are built."""

from __future__ import annotations

import inspect
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest

from pytest_mturk.errors import MTurkServiceError, ParameterValidationError, RequestError
from pytest_mturk.service import errors

SERVICE = Path(errors.__file__).resolve().parent
INTERNAL_TAG = re.compile(r"§|\b(?:LEG-SDK|DAL|MD|SEED-OPS|D-[A-Z]+)\b")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("entry", errors.CATALOGUE, ids=lambda e: e.__name__)
def test_each_entry_builds_the_error_it_documents(entry: type[errors.Catalogued]) -> None:
    params = inspect.signature(entry).parameters.values()
    values = {p.name: f"<{p.name}>" for p in params if p.kind is not p.VAR_KEYWORD}
    assert set(values) == _fields(entry.TEMPLATE) | _fields(entry.PARAMETER or "")
    exc = cast(Callable[..., MTurkServiceError], entry)(**values)
    family = RequestError if entry.FAMILY == errors.RE else ParameterValidationError
    assert isinstance(exc, family)
    assert exc.message == entry.TEMPLATE.format(**values)
    assert exc.stamp == entry.STAMP
    body = exc.body(1234567890123)
    assert body["TurkErrorCode"] == entry.CODE
    if isinstance(exc, ParameterValidationError):
        expected = None if entry.PARAMETER is None else entry.PARAMETER.format(**values)
        assert exc.parameter == expected


def test_entries_cite_public_sources_only() -> None:
    for entry in errors.CATALOGUE:
        assert entry.CONFIDENCE in ("confirmed", "inferred", "unconfirmed"), entry
        for url in entry.SOURCE:
            assert url.startswith(("https://github.com/", "https://docs.aws.amazon.com/")), url
        assert not INTERNAL_TAG.search(entry.NOTE), entry
        assert entry.CONFIDENCE != "confirmed" or entry.SOURCE, f"{entry.__name__}: no source"


def test_every_entry_has_a_distinct_name_and_message() -> None:
    names = [e.__name__ for e in errors.CATALOGUE]
    assert len(names) == len(set(names))
    messages = [(e.CODE, e.TEMPLATE) for e in errors.CATALOGUE]
    assert len(messages) == len(set(messages))


def test_no_service_module_builds_an_error_by_hand() -> None:
    found = [
        f"{path.name}:{n}"
        for path in sorted(SERVICE.glob("*.py"))
        if path.name != "errors.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\b(RequestError|ParameterValidationError)\(", line)
    ]
    assert found == []
