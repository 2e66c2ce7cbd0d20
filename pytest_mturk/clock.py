"""The fake's sense of time.

Time is read when it is needed, from ``time.time`` looked up at call time, so ``freezegun`` and
``time-machine`` move it; the fake adds its own offset on top (``advance``/``move_to``). Nothing
runs in the background: the service applies whatever fell due (expiry, abandonment,
auto-approval) lazily, before each operation, from a due-time heap.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

__all__ = ["Clock"]


def _as_utc(when: datetime) -> datetime:
    # Naive datetimes are read as UTC, exactly as botocore serializes them.
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


class Clock:
    """The fake's clock: real (or frozen) time plus an offset the test controls.

    ``fake.clock.now()`` is what the service sees. ``advance`` moves it forward and immediately
    applies everything that fell due, in time order.
    """

    __slots__ = ("_offset", "_on_move")

    def __init__(self, on_move: Callable[[], None] | None = None) -> None:
        self._offset = 0.0
        self._on_move = on_move

    def time(self) -> float:
        """Seconds since the epoch, as the service sees them."""
        return _time.time() + self._offset

    def now(self) -> datetime:
        """The current fake time, timezone-aware (UTC)."""
        return datetime.fromtimestamp(self.time(), timezone.utc)

    @property
    def offset(self) -> timedelta:
        """How far the fake clock runs ahead of (or behind) the process's clock."""
        return timedelta(seconds=self._offset)

    def advance(
        self,
        delta: timedelta | float | int | None = None,
        *,
        seconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
        days: float = 0,
    ) -> datetime:
        """Move the fake time forward and apply what fell due. Returns the new time.

        ``fake.clock.advance(minutes=5)``, ``fake.clock.advance(timedelta(days=3))`` or
        ``fake.clock.advance(90)`` (seconds).
        """
        total = seconds + 60 * minutes + 3600 * hours + 86400 * days
        if isinstance(delta, timedelta):
            total += delta.total_seconds()
        elif delta is not None:
            total += float(delta)
        if total < 0:
            raise ValueError("the fake clock only moves forward with advance(); use move_to()")
        self._offset += total
        self._moved()
        return self.now()

    def move_to(self, when: datetime) -> datetime:
        """Set the fake time to ``when`` (naive datetimes are UTC) and apply what fell due."""
        self._offset = _as_utc(when).timestamp() - _time.time()
        self._moved()
        return self.now()

    def reset(self) -> None:
        """Go back to the process's own clock (offset zero)."""
        self._offset = 0.0

    def _moved(self) -> None:
        if self._on_move is not None:
            self._on_move()

    def __repr__(self) -> str:
        return f"<Clock now={self.now().isoformat()} offset={self._offset:+.3f}s>"
