"""The fake's sense of time.

Two modes. **Offset** (the default): the fake's time is the process's time (``time.time`` looked
up at call time, so a freezegun or time-machine freeze moves it) plus an offset the test controls
with ``advance``/``move_to``, which the test's own ``datetime.now()`` does not see. **Frozen**
(``freeze()``, the option ``freeze_time=True``): one timeline; the fake's time *is* the process's
frozen time, and ``advance``/``move_to`` move the freeze in force (the test's own freezegun or
time-machine one if there is one, else a freezegun freeze of the fake's own), so the test's
``datetime.now()`` and ``time.time()`` move with the fake.

Nothing runs in the background: the service applies whatever fell due (expiry, abandonment,
auto-approval, autopilot work) before each operation, and ``advance``/``move_to`` step through
the due times in order, so each thing falls due with the clock reading its own time.
"""

from __future__ import annotations

import threading
import time as _time
import warnings
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from pytest_mturk.clock import freezers, sleeping
from pytest_mturk.errors import PytestMTurkWarning

__all__ = ["Clock"]


def _as_utc(when: datetime) -> datetime:
    # Naive datetimes are read as UTC, exactly as botocore serializes them.
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def _timestamp(when: datetime | str) -> float:
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when)
        except ValueError as exc:
            raise ValueError(
                f"a time for the fake clock is a datetime or an ISO 8601 string, got {when!r}"
            ) from exc
    if not isinstance(when, datetime):
        raise TypeError(f"a time for the fake clock is a datetime, got {when!r}")
    return _as_utc(when).timestamp()


#: Moving back by less than the service's resolution (1 ms) is not moving back.
_RESOLUTION = 0.001


class Clock:
    """The fake's clock. ``fake.clock.now()`` is what the service sees.

    ``advance`` and ``move_to`` move it and apply everything that fell due, in time order, each
    at its own time. ``freeze()`` makes it one timeline with the process's ``datetime.now()`` and
    ``time.time()``; ``fast_sleep_in(thread)`` makes ``time.sleep`` in that thread advance it.
    """

    __slots__ = (
        "_fast_threads",
        "_frozen",
        "_next_due",
        "_offset",
        "_on_move",
        "_own_freeze",
        "lock",
    )

    def __init__(
        self,
        on_move: Callable[[float], None] | None = None,
        next_due: Callable[[], float | None] | None = None,
    ) -> None:
        """``on_move(t)`` applies what is due at or before ``t``; ``next_due()`` is the earliest
        time something is due (None: nothing). The fake wires both to its service."""
        self._offset = 0.0
        self._on_move = on_move
        self._next_due = next_due
        self._frozen = False
        self._own_freeze: Any = None
        self._fast_threads: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
        #: Held while the clock moves (the fake shares its service's lock, so no operation runs
        #: halfway through a move).
        self.lock: threading.RLock = threading.RLock()

    # ------------------------------------------------------------------ reading

    def time(self) -> float:
        """Seconds since the epoch, as the service sees them."""
        if self._frozen:
            return freezers.process_time()
        return _time.time() + self._offset

    def now(self) -> datetime:
        """The current fake time, timezone-aware (UTC)."""
        return datetime.fromtimestamp(self.time(), timezone.utc)

    @property
    def offset(self) -> timedelta:
        """How far the fake clock runs ahead of (or behind) the process's clock (zero while
        frozen: then they are one timeline)."""
        return timedelta(seconds=0.0 if self._frozen else self._offset)

    @property
    def frozen(self) -> bool:
        """Whether the fake's time is the process's frozen time (``freeze()``)."""
        return self._frozen

    # ------------------------------------------------------------------ moving

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
        ``fake.clock.advance(90)`` (seconds). While frozen, the process's time moves too.
        """
        total = seconds + 60 * minutes + 3600 * hours + 86400 * days
        if isinstance(delta, timedelta):
            total += delta.total_seconds()
        elif delta is not None:
            total += float(delta)
        if total < 0:
            raise ValueError("the fake clock only moves forward with advance(); use move_to()")
        with self.lock:
            self._go_to(self.time() + total, back=False, offset=self._offset + total)
        return self.now()

    def move_to(self, when: datetime | str) -> datetime:
        """Set the fake time to ``when`` (naive datetimes are UTC) and apply what fell due.

        Moving into the past warns (:class:`~pytest_mturk.PytestMTurkWarning`): what already
        fell due stays applied, nothing is undone. While frozen, the process's time moves too.
        """
        target = _timestamp(when)
        with self.lock:
            self._warn_if_back(target, "move_to")
            self._go_to(target, back=True)
        return self.now()

    def reset(self) -> None:
        """Go back to the process's own clock (offset zero), applying nothing. (While frozen
        there is no offset, and nothing changes.)"""
        with self.lock:
            self._offset = 0.0

    def _warn_if_back(self, target: float, how: str) -> None:
        now = self.time()
        if target < now - _RESOLUTION:
            warnings.warn(
                f"fake.clock.{how} moves the fake clock back by {timedelta(seconds=now - target)} "
                f"(to {datetime.fromtimestamp(target, timezone.utc).isoformat()}); what already "
                "fell due (expiry, abandonment, auto-approval) stays applied",
                PytestMTurkWarning,
                stacklevel=3,
            )

    def _go_to(self, target: float, *, back: bool, offset: float | None = None) -> None:
        """Move to ``target`` through every due time on the way, applying each at its own time.
        Called with the lock held. ``back``: whether the move may go back in time; ``offset``:
        for ``advance``, the offset to end with when not frozen (so that offsets add up
        exactly, whatever real time passed meanwhile)."""
        on_move, next_due = self._on_move, self._next_due
        if on_move is not None and next_due is not None:
            while (due := next_due()) is not None and due <= target:
                if due > self.time():
                    self._set(due)
                on_move(due)
        # Something applied on the way (a fast sleep in a callback) may have moved past target.
        if offset is not None and not self._frozen:
            self._offset = max(self._offset, offset)
        elif back or target > self.time():
            self._set(target)
        if on_move is not None:
            on_move(max(target, self.time()))

    def _set(self, timestamp: float) -> None:
        if not self._frozen:
            self._offset = timestamp - _time.time()
            return
        freezer = freezers.active()
        if freezer is None:
            # The freeze this clock joined has ended while the fake was frozen: keep the
            # timeline frozen with one of its own.
            self._own_freeze = freezers.start_freezegun(timestamp)
        else:
            freezer.move_to(timestamp)

    # ------------------------------------------------------------------ one timeline

    def freeze(self, at: datetime | str | None = None) -> datetime:
        """Make the fake's time and the process's time one frozen timeline, at ``at`` (naive
        datetimes are UTC; None: the fake's current time). Returns the time.

        If the test already froze time with freezegun (``freeze_time``) or time-machine
        (``travel``), that freeze is used and moved, not a second one started; otherwise the
        fake starts a freezegun freeze of its own, which ends with ``unfreeze()`` or when the
        fake stops. ``advance``/``move_to`` then move ``datetime.now()`` and ``time.time()`` too.
        """
        with self.lock:
            target = self.time() if at is None else _timestamp(at)
            if at is not None:
                self._warn_if_back(target, "freeze")
            if not self._frozen:
                if freezers.active() is None:
                    self._own_freeze = freezers.start_freezegun(target)
                self._frozen = True
                self._offset = 0.0
            if at is not None or abs(self.time() - target) > _RESOLUTION:
                self._go_to(target, back=True)
        return self.now()

    def unfreeze(self) -> None:
        """Leave the frozen timeline: the freeze the fake started ends (one the test started is
        left running), and the fake's time goes on from where it was, as an offset again."""
        with self.lock:
            if not self._frozen:
                return
            now = self.time()
            self._frozen = False
            if self._own_freeze is not None:
                freezers.stop_freezegun(self._own_freeze)
                self._own_freeze = None
            self._offset = now - _time.time()

    # ------------------------------------------------------------------ fast sleep

    def fast_sleep_in(self, thread: threading.Thread | None = None) -> None:
        """Make ``time.sleep`` in ``thread`` (default: the calling thread) advance this clock
        (and a frozen timeline) instead of waiting, until the fake stops.

        Each fast sleep advances the one fake clock by its own length, so two threads sleeping
        10 s "at once" move it 20 s: opt in the threads whose sleeps wait for the fake (a
        poller), not every thread.
        """
        if thread is not None and not isinstance(thread, threading.Thread):
            raise TypeError(f"fast_sleep_in takes a threading.Thread (or None), got {thread!r}")
        self._fast_threads.add(threading.current_thread() if thread is None else thread)
        sleeping.register(self)

    def sleeps_fast_in(self, thread: threading.Thread) -> bool:
        """Whether ``time.sleep`` in ``thread`` advances this clock."""
        return thread in self._fast_threads

    def release(self) -> None:
        """What the fake does when it stops: no more fast sleep, and no more frozen timeline."""
        self._fast_threads.clear()
        sleeping.unregister(self)
        self.unfreeze()

    def __repr__(self) -> str:
        mode = "frozen" if self._frozen else f"offset={self._offset:+.3f}s"
        return f"<Clock now={self.now().isoformat()} {mode}>"
