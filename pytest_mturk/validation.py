"""Server-side checks of the input shape that botocore does not make itself.

botocore validates only required members, types and minimums (reference §1.4); maximum lengths,
patterns and enums are enforced by the AWS front end (Coral) with a ``ValidationException`` whose
message names each member in lowerCamelCase::

    1 validation error detected: Value '0.9752' at 'bonusAmount' failed to satisfy constraint:
    Member must satisfy regular expression pattern: ^[0-9]+(\\.)?[0-9]{0,2}$

The checks are compiled once per operation from botocore's own service model, so they follow it.
Requests that do not come through botocore (the HTTP server) also get the required/min checks and
type checks here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pytest_mturk.errors import SerializationException, ValidationException

__all__ = ["operation_names", "service_model", "validate_input"]

Check = Callable[[Any, str, list[str]], None]


@lru_cache(maxsize=1)
def service_model() -> Any:
    """botocore's model of the MTurk API (loaded once, on first use)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("mturk")


def operation_names() -> list[str]:
    return list(service_model().operation_names)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _render(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, list):
        return "'[" + ", ".join(str(v) for v in value) + "]'"
    return f"'{value}'"


def _problem(value: Any, path: str, constraint: str) -> str:
    return f"Value {_render(value)} at '{path}' failed to satisfy constraint: {constraint}"


def _compile(shape: Any) -> Check:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        members = [
            (name, _camel(name), _compile(member), name in shape.required_members)
            for name, member in shape.members.items()
        ]

        def check_structure(value: Any, path: str, problems: list[str]) -> None:
            if not isinstance(value, dict):
                raise SerializationException(f"Expected an object at '{path or 'input'}'")
            prefix = f"{path}." if path else ""
            for name, camel, sub, required in members:
                v = value.get(name)
                if v is None:
                    if required:
                        problems.append(_problem(None, prefix + camel, "Member must not be null"))
                    continue
                sub(v, prefix + camel, problems)

        return check_structure
    if kind == "list":
        member_check = _compile(shape.member)
        lo, hi = meta.get("min"), meta.get("max")

        def check_list(value: Any, path: str, problems: list[str]) -> None:
            if not isinstance(value, list):
                raise SerializationException(f"Expected a list at '{path}'")
            if lo is not None and len(value) < lo:
                problems.append(
                    _problem(value, path, f"Member must have length greater than or equal to {lo}")
                )
            if hi is not None and len(value) > hi:
                problems.append(
                    _problem(value, path, f"Member must have length less than or equal to {hi}")
                )
            for i, item in enumerate(value, 1):
                if item is None:
                    continue
                member_check(item, f"{path}.{i}.member", problems)

        return check_list
    if kind == "string":
        lo, hi = meta.get("min"), meta.get("max")
        pattern = meta.get("pattern")
        rx = re.compile(pattern) if pattern else None
        enum = list(shape.enum) if shape.enum else None
        enum_text = f"Member must satisfy enum value set: [{', '.join(enum)}]" if enum else ""

        def check_string(value: Any, path: str, problems: list[str]) -> None:
            if not isinstance(value, str):
                raise SerializationException(f"Expected a string at '{path}'")
            n = len(value)
            if lo is not None and n < lo:
                problems.append(
                    _problem(value, path, f"Member must have length greater than or equal to {lo}")
                )
            if hi is not None and n > hi:
                problems.append(
                    _problem(value, path, f"Member must have length less than or equal to {hi}")
                )
            if rx is not None and rx.search(value) is None:
                problems.append(
                    _problem(
                        value, path, f"Member must satisfy regular expression pattern: {pattern}"
                    )
                )
            if enum is not None and value not in enum:
                problems.append(_problem(value, path, enum_text))

        return check_string
    if kind in ("integer", "long"):
        lo, hi = meta.get("min"), meta.get("max")

        def check_integer(value: Any, path: str, problems: list[str]) -> None:
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise SerializationException(f"Expected an integer at '{path}'")
            if lo is not None and value < lo:
                problems.append(
                    _problem(value, path, f"Member must have value greater than or equal to {lo}")
                )
            if hi is not None and value > hi:
                problems.append(
                    _problem(value, path, f"Member must have value less than or equal to {hi}")
                )

        return check_integer
    if kind == "boolean":

        def check_boolean(value: Any, path: str, problems: list[str]) -> None:
            if not isinstance(value, bool):
                raise SerializationException(f"Expected a boolean at '{path}'")

        return check_boolean
    if kind == "timestamp":

        def check_timestamp(value: Any, path: str, problems: list[str]) -> None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SerializationException(f"Expected an epoch-seconds number at '{path}'")

        return check_timestamp

    def check_any(value: Any, path: str, problems: list[str]) -> None:
        return None

    return check_any


@lru_cache(maxsize=64)
def _validator(operation: str) -> Check:
    return _compile(service_model().operation_model(operation).input_shape)


def validate_input(operation: str, params: Any) -> None:
    """Raise ``ValidationException`` (or ``SerializationException``) for a bad input."""
    problems: list[str] = []
    _validator(operation)(params, "", problems)
    if problems:
        raise ValidationException(problems)
