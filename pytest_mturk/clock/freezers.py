"""The process's frozen time: finding, reading, moving and starting a freezegun freeze or a
time-machine travel.

Only what the fake needs to keep one timeline with the test's own code: the freeze in force is
looked up when it is needed (the innermost one wins, as for the code that reads the time), and
neither library is imported unless the test already imported it (freezegun is imported to start
a freeze of the fake's own).
"""

from __future__ import annotations

import calendar
import sys
import time as _time
from datetime import datetime, timezone
from typing import Any, Protocol

__all__ = ["Freezer", "active", "process_time", "start_freezegun", "stop_freezegun"]


class Freezer(Protocol):
    """A freeze in force that the fake can move."""

    name: str

    def move_to(self, timestamp: float) -> None: ...


def _freezegun_factories() -> list[Any]:
    api = sys.modules.get("freezegun.api")
    factories: list[Any] | None = getattr(api, "freeze_factories", None)
    return factories if factories else []


def _time_machine_travellers() -> list[Any]:
    module = sys.modules.get("time_machine")
    if module is None:
        return []
    # time-machine 3 keeps its travels in ``traveller_stack``, 2.x in ``coordinates_stack``.
    stack: list[Any] | None = getattr(module, "traveller_stack", None)
    if stack is None:
        stack = getattr(module, "coordinates_stack", None)
    return stack if stack else []


def _as_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc)


class _FreezegunFreezer:
    name = "freezegun"

    def __init__(self, factory: Any) -> None:
        self.factory = factory

    def move_to(self, timestamp: float) -> None:
        # Every freezegun factory (frozen, ticking, auto-tick) has move_to; an aware datetime is
        # read as the UTC instant it is.
        self.factory.move_to(_as_datetime(timestamp))


class _TimeMachineFreezer:
    name = "time-machine"

    def __init__(self, traveller: Any) -> None:
        self.traveller = traveller

    def move_to(self, timestamp: float) -> None:
        # shift keeps the travel's tick setting and time zone (move_to would reset them).
        self.traveller.shift(timestamp - _time.time())


def active() -> Freezer | None:
    """The freeze the process's time comes from now, if any (freezegun before time-machine:
    freezegun's ``time.time`` stands in front of time-machine's)."""
    factories = _freezegun_factories()
    if factories:
        return _FreezegunFreezer(factories[-1])
    travellers = _time_machine_travellers()
    if travellers:
        return _TimeMachineFreezer(travellers[-1])
    return None


def process_time() -> float:
    """The process's time in epoch seconds, as ``time.time()`` gives it to the test's code.

    Under freezegun it is read from the freeze itself: freezegun's ``time.time`` answers real
    time to callers it ignores (a default ignore list with ``threading`` in it), and the fake is
    often called from such frames.
    """
    factories = _freezegun_factories()
    if factories:
        now: datetime = factories[-1]()
        return calendar.timegm(now.timetuple()) + now.microsecond / 1_000_000
    return _time.time()


#: Modules freezegun must leave alone when the fake freezes time (pytest's own timing).
PYTEST_TIMING = ["_pytest.timing"]


def start_freezegun(timestamp: float) -> Any:
    """Freeze the process at ``timestamp`` with freezegun (not ticking); returns what to pass to
    :func:`stop_freezegun`."""
    # Deferred: freezegun patches every loaded module when it starts, and importing it is only
    # worth it for a fake that freezes time.
    from freezegun import freeze_time

    # pytest keeps its own references to time.time/perf_counter (in _pytest.timing) so that a
    # frozen test does not corrupt its durations; freezegun would patch those too.
    freeze = freeze_time(_as_datetime(timestamp), tick=False, ignore=PYTEST_TIMING)
    factory = freeze.start()
    return freeze, factory


def stop_freezegun(started: Any) -> None:
    """End a freeze :func:`start_freezegun` started, even when another one was started inside it
    and is still in force (then only the fake's is taken out of freezegun's stack)."""
    freeze, factory = started
    api = sys.modules["freezegun.api"]
    factories: list[Any] = api.freeze_factories
    if factories and factories[-1] is factory:
        freeze.stop()
        return
    for i, candidate in enumerate(factories):
        if candidate is factory:
            # freezegun keeps four parallel stacks; with a freeze above this one still in force
            # the patches stay, so taking this entry out is all stopping it means.
            for stack in (factories, api.ignore_lists, api.tick_flags, api.tz_offsets):
                del stack[i]
            return
