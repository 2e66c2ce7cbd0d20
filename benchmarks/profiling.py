"""cProfile hot spots for a missed goal (stdlib only; pyinstrument is not required)."""

from __future__ import annotations

import cProfile
import os
import pstats
from collections.abc import Callable
from dataclasses import dataclass, field

_OURS = ("pytest_mturk", f"{os.sep}json{os.sep}", "dataclasses", "<string>", "<built-in")


@dataclass
class Hotspots:
    label: str
    calls: int
    total_us: float  # per call, under the profiler (inflated, but proportions hold)
    lines: list[str] = field(default_factory=list)


def _where(key: tuple[str, int, str]) -> str:
    filename, line, func = key
    if "pytest_mturk" in filename:
        filename = "pytest_mturk" + filename.split("pytest_mturk", 1)[1]
    elif filename.startswith("~") or filename.startswith("<"):
        return func
    else:
        filename = os.path.basename(filename)
    return f"{filename}:{line}({func})"


def profile_calls(label: str, call: Callable[[], object], n: int, top: int = 14) -> Hotspots:
    """Profile ``n`` calls of ``call``; the pytest-mturk functions that cost the most per call
    (cumulative), with their own time, under the profiler."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in entries.values())
    rows = []
    for key, (_cc, nc, tt, ct, _callers) in entries.items():
        filename = key[0]
        if "pytest_mturk" in filename or (
            any(mark in filename for mark in _OURS[1:]) and ct / max(n, 1) > 1e-6
        ):
            rows.append((ct, tt, nc, key))
    rows.sort(key=lambda r: r[0], reverse=True)
    hot = Hotspots(label, n, total / n * 1e6)
    for ct, tt, nc, key in rows[:top]:
        hot.lines.append(
            f"{ct / n * 1e6:8.1f} us cum | {tt / n * 1e6:7.1f} us own | {nc / n:5.1f} calls | "
            f"{_where(key)}"
        )
    return hot
