"""The benchmark suite runs end to end at tiny sizes (no timing is asserted: CI machines vary)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = (
    "## Machine",
    "## Method",
    "## Summary",
    "Per-call cost vs the botocore floor",
    "Against moto",
    "Flat with size",
    "Walking all of ListHITs",
    "Auto-approval of n assignments falling due at once",
    "Per-test overhead",
    "-test suite of trivial tests",
    "The first client in a test",
    "-test suite where every test builds a client",
    "Import and pytest start-up",
    "Memory per stored HIT",
    "Server mode",
    "HTTP floor",
    "Durable server",
    "What fake time saves",
    "## Misses and causes",
)


def test_quick_benchmark_run_writes_every_section(tmp_path: Path) -> None:
    pytest.importorskip("moto")
    output = tmp_path / "results.md"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_MTURK_FAKE")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--output", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = output.read_text()
    missing = [s for s in SECTIONS if s not in text]
    assert not missing, f"sections missing from the results: {missing}\n{text[:3000]}"
    assert "This section failed to run" not in text
    assert "| **MISS** |" in text or "| PASS |" in text  # verdicts were rendered


def test_a_quick_run_never_overwrites_the_committed_results() -> None:
    results = ROOT / "benchmarks" / "results.md"
    before = results.read_bytes()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--only", "import"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "no results file written" in proc.stdout
    refused = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--quick",
            "--only",
            "import",
            "--output",
            str(results),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode == 2
    assert results.read_bytes() == before
