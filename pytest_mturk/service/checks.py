"""Business-rule value checks shared by the operations (errors from the catalogue)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pytest_mturk.service.errors import (
    AmountTooLarge,
    AmountTooSmall,
    BlankValue,
    InvalidAmount,
    TooLong,
    ValueOutOfRange,
)


def in_range(params: dict[str, Any], key: str, lo: int, hi: int, name: str | None = None) -> None:
    """``params[key]``, when given, within ``lo``..``hi``; the error names ``name`` (default
    ``key``), as the real service names MaxAssignmentIncrement for
    NumberOfAdditionalAssignments."""
    value = params.get(key)
    if value is not None and not lo <= value <= hi:
        raise ValueOutOfRange(value, name or key, lo, hi)


def max_length(params: dict[str, Any], key: str, limit: int, *, utf8: bool = False) -> None:
    """Length limits (Title 128, Description 2000, ...), in characters or UTF-8 bytes."""
    value = params.get(key)
    if value is None:
        return
    n = len(value.encode()) if utf8 else len(value)
    if n > limit:
        raise TooLong(key, n, "bytes" if utf8 else "characters", limit)


def not_blank(params: dict[str, Any], key: str) -> None:
    value = params.get(key)
    if value is not None and not value.strip():
        raise BlankValue(key)


#: Amounts are below $10^15 [unconfirmed]: the pattern ``^[0-9]+(\.)?[0-9]{0,2}$`` allows any
#: number of digits, and a billion assignments of less than this, with fees, still sum exactly
#: in Decimal's 28 digits.
MAX_AMOUNT = Decimal(10) ** 15
CENT = Decimal("0.01")


def money(params: dict[str, Any], key: str, minimum: str = "0.01") -> Decimal:
    """A CurrencyAmount (its pattern is checked by validation first): at least ``minimum``,
    below :data:`MAX_AMOUNT`. Every money member of the API (Reward, BonusAmount) comes here."""
    text = params[key]
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern check comes first
        raise InvalidAmount(text, key) from exc
    if amount < Decimal(minimum):
        raise AmountTooSmall(text, key, minimum)
    if amount >= MAX_AMOUNT:
        raise AmountTooLarge(text, key, f"{MAX_AMOUNT:f}")
    return amount.quantize(CENT)
