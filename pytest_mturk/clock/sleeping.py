"""Fast sleep: ``time.sleep`` in chosen threads advances a fake clock instead of waiting.

While at least one clock has a thread opted in, ``time.sleep`` is replaced (the attribute of the
``time`` module, so every ``time.sleep(...)`` looked up at call time, in any module, meets it).
A sleep in a thread some clock has opted in advances that clock (the innermost fake's first);
a sleep in any other thread calls the ``time.sleep`` that was there before, and waits.
"""

from __future__ import annotations

import math
import threading
import time as _time
from collections.abc import Callable
from typing import Protocol, SupportsIndex

__all__ = ["SleepTarget", "register", "unregister"]


class SleepTarget(Protocol):
    """What fast sleep drives: a clock that knows its opted-in threads."""

    def sleeps_fast_in(self, thread: threading.Thread) -> bool: ...

    def advance(self, delta: float) -> object: ...


_targets: list[SleepTarget] = []
_lock = threading.Lock()
#: The ``time.sleep`` found when fast sleep was installed (what other threads still call).
_previous: Callable[[float | SupportsIndex], None] = _time.sleep


def fast_sleep(seconds: float | SupportsIndex, /) -> None:
    """``time.sleep`` while fast sleep is installed."""
    target = _target_for(threading.current_thread())
    if target is None:
        _previous(seconds)
        return
    if not isinstance(seconds, (int, float)):
        _previous(seconds)  # time.sleep's own TypeError (or its reading of an exotic number)
        return
    amount = float(seconds)
    if not (amount >= 0 and math.isfinite(amount)):
        _previous(seconds)  # raises time.sleep's own ValueError / OverflowError
        return
    if amount:
        target.advance(amount)
    _previous(0)  # still give other threads their turn, as a real sleep does


def _target_for(thread: threading.Thread) -> SleepTarget | None:
    for target in reversed(_targets):
        if target.sleeps_fast_in(thread):
            return target
    return None


def register(target: SleepTarget) -> None:
    """Let ``target``'s opted-in threads sleep fast (installs the ``time.sleep`` stand-in)."""
    global _previous
    with _lock:
        if target not in _targets:
            _targets.append(target)
        if _time.sleep is not fast_sleep:
            _previous = _time.sleep
            _time.sleep = fast_sleep


def unregister(target: SleepTarget) -> None:
    """Stop fast sleep for ``target``; the last one out puts ``time.sleep`` back (unless someone
    replaced it since, whose replacement is left alone)."""
    with _lock:
        if target in _targets:
            _targets.remove(target)
        if not _targets and _time.sleep is fast_sleep:
            _time.sleep = _previous
