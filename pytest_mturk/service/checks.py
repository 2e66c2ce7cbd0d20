"""Business-rule value checks (``ParameterValidationError``) shared by the operations."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pytest_mturk.errors import ParameterValidationError


def in_range(params: dict[str, Any], key: str, lo: int, hi: int, name: str | None = None) -> None:
    """The real range message (aws-elixir#3): ``The value 0 is invalid for MaxAssignmentIncrement.
    Valid values range from 1 to 1000000000.``"""
    value = params.get(key)
    if value is not None and not lo <= value <= hi:
        raise out_of_range(value, name or key, lo, hi)


def out_of_range(value: Any, name: str, lo: int, hi: int) -> ParameterValidationError:
    return ParameterValidationError(
        f"The value {value} is invalid for {name}. Valid values range from {lo} to {hi}.", name
    )


def max_length(params: dict[str, Any], key: str, limit: int, *, utf8: bool = False) -> None:
    """Length limits of the reference (Title 128, Description 2000, ...). [unconfirmed] wording."""
    value = params.get(key)
    if value is None:
        return
    n = len(value.encode()) if utf8 else len(value)
    if n > limit:
        unit = "bytes" if utf8 else "characters"
        raise ParameterValidationError(
            f"The value of {key} is {n} {unit} long, which exceeds the maximum of {limit} {unit}.",
            key,
        )


def not_blank(params: dict[str, Any], key: str) -> None:
    value = params.get(key)
    if value is not None and not value.strip():
        raise ParameterValidationError(f'The value "" is invalid for {key}.', key)


def money(params: dict[str, Any], key: str, minimum: str = "0.01") -> Decimal:
    """A CurrencyAmount (its pattern is checked by validation first), at least ``minimum``."""
    text = params[key]
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern check comes first
        raise ParameterValidationError(f"The value {text} is invalid for {key}.", key) from exc
    if amount < Decimal(minimum):
        # [unconfirmed] wording; the minimum of $0.01 is confirmed ("no free jobs").
        raise ParameterValidationError(
            f"The value {text} is invalid for {key}. The amount must be at least ${minimum}.", key
        )
    return amount.quantize(Decimal("0.01"))
