"""Server-side checks of the input shape that botocore does not make itself.

botocore validates only required members, types and minimums (its ``validate.py``); maximum
lengths, patterns and enums are enforced by the AWS front end (Coral) with a
``ValidationException`` whose message names each member in lowerCamelCase (Dallinger#1052)::

    1 validation error detected: Value '0.9752' at 'bonusAmount' failed to satisfy constraint:
    Member must satisfy regular expression pattern: ^[0-9]+(\\.)?[0-9]{0,2}$

The checks are compiled once per operation from botocore's own service model, so they follow it.
Requests that do not come through botocore (the HTTP server, or a client built with
``Config(parameter_validation=False)``) also get the required/min checks and type checks here,
and the value the operations see is normalized: a whole-number float in an integer member
(``2.0``) is the integer ``2``, so no float is ever stored or echoed where the model says
integer; members the model does not have are dropped, so nothing stored carries them. ``null``
inside a list is refused ("Member must not be null", as for a missing required member);
timestamps must be finite numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pytest_mturk.errors import SerializationException, ValidationException

__all__ = ["operation_names", "service_model", "validate_input"]

#: A compiled check: ``(value, path, problems) -> the value normalized`` (the same object when
#: nothing changed). Raises SerializationException for a value of the wrong JSON type.
Check = Callable[[Any, str, list[str]], Any]


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

        def check_structure(value: Any, path: str, problems: list[str]) -> Any:
            if not isinstance(value, dict):
                raise SerializationException(f"Expected an object at '{path or 'input'}'")
            prefix = f"{path}." if path else ""
            # Members the model does not have are not read (as the front end ignores them),
            # and not kept: nothing the service stores carries them.
            out: dict[str, Any] = {}
            same = True
            for name, camel, sub, required in members:
                v = value.get(name)
                if v is None:
                    if required:
                        problems.append(_problem(None, prefix + camel, "Member must not be null"))
                    continue
                normal = out[name] = sub(v, prefix + camel, problems)
                same = same and normal is v
            return value if same and len(out) == len(value) else out

        return check_structure
    if kind == "list":
        member_check = _compile(shape.member)
        lo, hi = meta.get("min"), meta.get("max")

        def check_list(value: Any, path: str, problems: list[str]) -> Any:
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
            changed: list[Any] | None = None
            for i, item in enumerate(value, 1):
                if item is None:
                    # Coral names a list member by its 1-based index; null is never a value.
                    problems.append(_problem(None, f"{path}.{i}.member", "Member must not be null"))
                    continue
                normal = member_check(item, f"{path}.{i}.member", problems)
                if normal is not item:
                    if changed is None:
                        changed = list(value)
                    changed[i - 1] = normal
            return value if changed is None else changed

        return check_list
    if kind == "string":
        lo, hi = meta.get("min"), meta.get("max")
        pattern = meta.get("pattern")
        rx = re.compile(pattern) if pattern else None
        enum = list(shape.enum) if shape.enum else None
        enum_text = f"Member must satisfy enum value set: [{', '.join(enum)}]" if enum else ""

        def check_string(value: Any, path: str, problems: list[str]) -> Any:
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
            return value

        return check_string
    if kind in ("integer", "long"):
        lo, hi = meta.get("min"), meta.get("max")

        def check_integer(value: Any, path: str, problems: list[str]) -> Any:
            if isinstance(value, bool) or not isinstance(value, int):
                # A whole-number float (2.0, sent by clients without botocore's validation) is
                # that integer; anything else (2.5, NaN, infinities) is not an integer at all.
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
            return value

        return check_integer
    if kind == "boolean":

        def check_boolean(value: Any, path: str, problems: list[str]) -> Any:
            if not isinstance(value, bool):
                raise SerializationException(f"Expected a boolean at '{path}'")
            return value

        return check_boolean
    if kind == "timestamp":

        def check_timestamp(value: Any, path: str, problems: list[str]) -> Any:
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (isinstance(value, float) and not math.isfinite(value))
            ):
                raise SerializationException(f"Expected an epoch-seconds number at '{path}'")
            return value

        return check_timestamp

    def check_any(value: Any, path: str, problems: list[str]) -> Any:
        return value

    return check_any


@lru_cache(maxsize=64)
def _validator(operation: str) -> Check:
    return _compile(service_model().operation_model(operation).input_shape)


def validate_input(operation: str, params: Any) -> dict[str, Any]:
    """The input as the operation sees it (normalized, see the module's docstring), or
    ``ValidationException`` (or ``SerializationException``) for a bad input."""
    problems: list[str] = []
    normal: dict[str, Any] = _validator(operation)(params, "", problems)
    if problems:
        raise ValidationException(problems)
    return normal
