"""Docs that are generated or quoted must stay true."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_coverage_doc_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_coverage.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_fidelity_error_table_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_errors.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_readme_gives_the_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "(cd example_project && pytest --mturk-fake)" in readme
    assert "(cd example_project && pytest --mturk-fake -q)" in ci
    assert "pytest -n 2" in readme and "pytest -n 2 -q" in ci


def test_changelog_has_an_unreleased_section() -> None:
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text()


#: Tags of the project's internal notes, which do not ship: what cites them must cite the public
#: source instead (an issue or documentation URL), or say "[unconfirmed]".
INTERNAL_TAGS = re.compile(
    r"§|LEG-SDK|D-EXT|D-QR|D-AK|D-AQR|\(MD\)|\bMD\b|\bDAL\b|\bPRICE\b|shared/reference|\bsurvey\b"
)


def test_fidelity_and_the_service_cite_public_sources() -> None:
    package = ROOT / "pytest_mturk"
    paths = [
        ROOT / "docs" / "fidelity.md",
        *sorted((package / "service").glob("*.py")),
        *sorted((package / "questions").glob("*.py")),
        *(package / name for name in ("validation.py", "protocol.py", "errors.py")),
        *(package / name for name in ("workers.py", "autopilot.py")),
    ]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in paths
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INTERNAL_TAGS.search(line)
    ]
    assert not found, "\n".join(found)
