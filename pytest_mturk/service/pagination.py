"""Ordered indexes and opaque page tokens.

Lists keep items in the order they were added, each with an increasing key; a page is found by
bisection from the key after which it starts, so the cost of a page does not grow with how much
is stored. Removed items are skipped while reading and compacted away once they outnumber the
live ones (amortized O(1)).
"""

from __future__ import annotations

import base64
import json
from bisect import bisect_right
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from pytest_mturk.service.errors import InvalidNextToken

_COMPACT = json.JSONEncoder(separators=(",", ":"))

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_PAGE_SIZE = 10


class SeqIndex(Generic[T]):
    """Items in insertion order, keyed by increasing integers, with lazy removal."""

    __slots__ = ("_alive", "_dead", "_items", "_keys")

    def __init__(self, alive: Callable[[int, T], bool]) -> None:
        self._keys: list[int] = []
        self._items: list[T] = []
        self._alive = alive
        self._dead = 0

    def add(self, key: int, item: T) -> None:
        self._keys.append(key)
        self._items.append(item)

    def note_removed(self) -> None:
        """Tell the index that one of its items is no longer alive."""
        self._dead += 1
        if self._dead > 64 and self._dead * 2 > len(self._keys):
            keep = [
                (k, it) for k, it in zip(self._keys, self._items, strict=True) if self._alive(k, it)
            ]
            self._keys = [k for k, _ in keep]
            self._items = [it for _, it in keep]
            self._dead = 0

    def iter_after(self, after: int) -> Iterator[tuple[int, T]]:
        """Live items whose key is greater than ``after``, in order."""
        keys, items, alive = self._keys, self._items, self._alive
        for i in range(bisect_right(keys, after), len(keys)):
            k = keys[i]
            it = items[i]
            if alive(k, it):
                yield k, it

    def __len__(self) -> int:
        return len(self._keys) - self._dead


def encode_token(scope: str, after: int, nonce: int) -> str:
    raw = f"{scope}:{after}:{nonce}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(scope: str, token: str | None) -> int:
    """The key a page starts after (-1 for the first page). Bad tokens are refused."""
    if token is None:
        return -1
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        got_scope, after, _nonce = raw.split(":")
        if got_scope != scope:
            raise ValueError(scope)
        return int(after)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidNextToken(token) from exc


def _take(
    items: Iterator[tuple[int, T]], params: dict[str, Any], render: Callable[[T], R]
) -> tuple[list[R], dict[str, Any]]:
    """Up to MaxResults rendered items, and the page's NumResults / NextToken (no scope yet)."""
    limit = params.get("MaxResults") or DEFAULT_PAGE_SIZE
    out: list[R] = []
    last = -1
    for k, item in items:
        out.append(render(item))
        last = k
        if len(out) >= limit:
            break
    return out, {"NumResults": len(out), "last": last}


def _meta(taken: dict[str, Any], scope: str, nonce: int) -> dict[str, Any]:
    meta: dict[str, Any] = {"NumResults": taken["NumResults"]}
    if taken["NumResults"]:
        # Clients loop `while page[key]` as well as `while "NextToken" in page` (Mephisto,
        # Dallinger): a token on every non-empty page, an empty last page without one.
        meta["NextToken"] = encode_token(scope, taken["last"], nonce)
    return meta


def page_of(
    items: Iterator[tuple[int, T]],
    params: dict[str, Any],
    scope: str,
    nonce: int,
    render: Callable[[T], Any],
    key: str,
) -> dict[str, Any]:
    """One page: up to MaxResults items, a NextToken on every non-empty page (docs/fidelity.md)."""
    out, taken = _take(items, params, render)
    result = _meta(taken, scope, nonce)
    result[key] = out
    return result


def page_json(
    items: Iterator[tuple[int, T]],
    params: dict[str, Any],
    scope: str,
    nonce: int,
    render_json: Callable[[T], bytes],
    key: str,
) -> bytes:
    """``page_of``, with items already encoded (see ``render.hit_json``): the response body."""
    pieces, taken = _take(items, params, render_json)
    # Compact JSON, as every response body (``render.encode``, which sits above this module).
    head = _COMPACT.encode(_meta(taken, scope, nonce))[:-1].encode()
    return b"".join((head, b',"', key.encode(), b'":[', b",".join(pieces), b"]}"))
