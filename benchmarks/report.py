"""The machine description and the Markdown of ``benchmarks/results.md``."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from benchmarks.common import Row, Section
from benchmarks.profiling import Hotspots

NOTES = Path(__file__).with_name("misses_notes.md")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu() -> tuple[str, int]:
    model = platform.processor() or platform.machine()
    cores = os.cpu_count() or 0
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return model, cores
    names = [
        line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")
    ]
    if names:
        model = names[0]
        cores = len(names)
    return model, cores


def _git() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "pytest_mturk"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' + uncommitted changes in pytest_mturk/' if dirty else ''}" or "unknown"


def machine() -> list[str]:
    model, cores = _cpu()
    return [
        f"- CPU: {model}, {cores} logical cores (from /proc/cpuinfo)",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}",
        f"- botocore {_version('botocore')}, boto3 {_version('boto3')}, "
        f"moto {_version('moto')}, pytest {_version('pytest')}",
        f"- pytest-mturk {_version('pytest-mturk')} at git {_git()}",
        f"- Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Command: `{' '.join(['python benchmarks/run.py', *sys.argv[1:]])}`",
        "- PYTHONDONTWRITEBYTECODE="
        f"{os.environ.get('PYTHONDONTWRITEBYTECODE') or '(unset)'} (when set, every import "
        "of the editable pytest_mturk compiles from source)",
    ]


def _num(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _verdict(row: Row) -> str:
    passed = row.passed
    if passed is None:
        return "info"
    return "PASS" if passed else "**MISS**"


def _table(rows: list[Row]) -> list[str]:
    out = [
        "| measurement | median | n | baseline | median | n | ratio | goal | result | notes |",
        "|---|---:|---:|---|---:|---:|---:|---|---|---|",
    ]
    for r in rows:
        ratio = r.ratio
        out.append(
            f"| {r.name} | {_num(r.value)} {r.unit} | {r.samples or ''} | {r.baseline_name} | "
            f"{_num(r.baseline)}{' ' + r.unit if r.baseline is not None else ''} | "
            f"{r.baseline_samples or ''} | {'' if ratio is None else f'{ratio:.2f}'} | "
            f"{r.goal} | {_verdict(r)} | {r.note} |"
        )
    return out


def render(
    sections: list[Section],
    hotspots: list[Hotspots],
    quick: bool,
    elapsed_s: float,
) -> str:
    lines = ["# pytest-mturk benchmarks", ""]
    lines.append(
        f"Written by `python benchmarks/run.py{' --quick' if quick else ''}` "
        f"({'QUICK smoke sizes: the numbers are not meaningful' if quick else 'full sizes'}); "
        f"the whole run took {elapsed_s:.0f} s."
    )
    lines += ["", "## Machine", "", *machine(), ""]
    lines += [
        "## Method",
        "",
        "- Every single call is timed with `time.perf_counter_ns`; the variants being compared "
        "run interleaved in small batches (round-robin, the starting variant rotating each "
        "round) after two discarded warm-up rounds; the figure is the median per call, in "
        "microseconds unless stated. The cyclic GC stays on (as in a real test run).",
        "- Only ratios measured side by side in the same run are judged. Absolute numbers "
        "depend on the machine and on whatever else it runs (this one is shared, so expect "
        "a few percent of noise between runs).",
        "",
    ]
    all_rows = [(s, r) for s in sections for r in s.rows]
    judged = [(s, r) for s, r in all_rows if r.passed is not None]
    misses = [(s, r) for s, r in judged if r.passed is False]
    errors = [s for s in sections if s.error]
    lines += ["## Summary", ""]
    lines.append(
        f"{len(judged) - len(misses)} of {len(judged)} goals met; "
        f"{len(misses)} missed{'; ' + str(len(errors)) + ' section(s) failed' if errors else ''}."
    )
    lines.append("")
    lines.append("| section | measurement | ratio (to what) / value | goal | result |")
    lines.append("|---|---|---:|---|---|")
    for s, r in judged:
        shown = (
            f"{r.ratio:.2f}x {r.baseline_name}"
            if r.kind == "ratio" and r.ratio is not None
            else (f"{_num(r.value)} {r.unit}")
        )
        lines.append(f"| {s.title} | {r.name} | {shown} | {r.goal} | {_verdict(r)} |")
    lines.append("")
    for number, s in enumerate(sections, 1):
        lines += [f"## {number}. {s.title}", ""]
        if s.intro:
            lines += [s.intro, ""]
        if s.error:
            lines += ["**This section failed to run:**", "", "```", s.error.rstrip(), "```", ""]
        if s.rows:
            lines += [*_table(s.rows), ""]
        for paragraph in s.text:
            lines += [paragraph, ""]
    lines += ["## Misses and causes", ""]
    if not misses and not errors:
        lines += ["No goal was missed in this run.", ""]
    for s, r in misses:
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else f"{_num(r.value)} {r.unit}"
        lines.append(f"- {s.title}: {r.name}: {ratio} (goal {r.goal})")
    if misses:
        lines.append("")
    if hotspots:
        lines += [
            "### Profiles (cProfile, taken by this run for each missed per-call goal)",
            "",
            "Per fake call, under the profiler (which inflates everything several times; the "
            "proportions are what matter). `cum` includes callees, `own` does not.",
            "",
        ]
        for h in hotspots:
            lines += [
                f"**{h.label}** ({h.calls} calls, {h.total_us:.0f} us per call under the "
                "profiler, botocore included):",
                "",
                "```",
                *h.lines,
                "```",
                "",
            ]
    if NOTES.exists() and (misses or hotspots):
        lines += [NOTES.read_text().rstrip(), ""]
    return "\n".join(lines)
