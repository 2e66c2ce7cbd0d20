"""Docs that are generated or quoted must stay true."""

from __future__ import annotations

import datetime
import importlib.metadata
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


def _pyproject_version() -> str:
    # tomllib is Python 3.11+; the [project] table's version line is enough.
    text = (ROOT / "pyproject.toml").read_text()
    project = text.split("[project]", 1)[1].split("\n[", 1)[0]
    match = re.search(r'^version = "([^"]+)"$', project, re.M)
    assert match is not None
    return match.group(1)


def test_the_version_is_the_same_everywhere() -> None:
    import pytest_mturk

    assert re.fullmatch(r"\d+\.\d+\.\d+", pytest_mturk.__version__)
    assert _pyproject_version() == pytest_mturk.__version__
    assert importlib.metadata.version("pytest-mturk") == pytest_mturk.__version__  # installed


#: Keep a Changelog's headings: ``## [Unreleased]`` and ``## [1.2.3] - YYYY-MM-DD``.
RELEASE = re.compile(r"^## \[(Unreleased|\d+\.\d+\.\d+)\](?: - (\d{4}-\d{2}-\d{2}))?$", re.M)
KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def test_the_changelog_names_this_release_under_an_empty_unreleased_section() -> None:
    import pytest_mturk

    text = (ROOT / "CHANGELOG.md").read_text()
    releases = RELEASE.findall(text)
    assert releases[0] == ("Unreleased", "")
    assert releases[1][0] == pytest_mturk.__version__, "the newest release is this version"
    dates = [date for _, date in releases[1:]]
    assert all(dates) and dates == sorted(dates, reverse=True)
    for date in dates:
        datetime.date.fromisoformat(date)
    # [Unreleased] is empty: what the release has is under its own heading.
    unreleased = text.split("## [Unreleased]", 1)[1].split("\n## [", 1)[0]
    assert unreleased.strip() == ""
    # Each release's sections are Keep a Changelog's kinds, and it has at least one.
    for body in re.split(r"^## \[\d[^\n]*$", text, flags=re.M)[1:]:
        kinds = re.findall(r"^### (.+)$", body, re.M)
        assert kinds and set(kinds) <= set(KINDS), kinds


def test_every_changelog_heading_has_its_link() -> None:
    import pytest_mturk

    text = (ROOT / "CHANGELOG.md").read_text()
    links = dict(re.findall(r"^\[([^\]]+)\]: (\S+)$", text, re.M))
    names = [name for name, _ in RELEASE.findall(text)]
    assert set(names) <= set(links)
    version = pytest_mturk.__version__
    repository = "https://github.com/pytest-mturk/pytest-mturk"
    assert links["Unreleased"] == f"{repository}/compare/v{version}...HEAD"
    assert links[version].startswith(f"{repository}/")
    assert f'Homepage = "{repository}"' in (ROOT / "pyproject.toml").read_text()


def test_readme_gives_the_docs_build_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = "sphinx-build -W --keep-going -b html docs docs/_build/html"
    assert command in readme
    assert command.replace("--keep-going", "--keep-going -q") in ci
    assert "pip install -e '.[docs]'" in readme and "-e '.[docs]'" in ci


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
