"""Every code example in README.md and docs/*.md runs, as the page shows it.

How a block runs is said by an HTML comment on the line before its fence (GitHub and the built
docs show nothing of it):

``python`` blocks, all of them run:

* no comment: a script, run on its own (a fresh namespace, in this process); it must not raise
  and must leave no fake running;
* ``<!-- example: fake -->``: a snippet about a fake, run with ``fake``, a started
  ``MTurkFake`` (stopped afterwards; faults it adds need not fire);
* ``<!-- example: test ARGS -->``: a test module, run by pytest in a fresh process (with the
  pytest arguments ``ARGS``, e.g. ``--mturk-fake``) in a folder holding the page's ``file``
  blocks and ``my_app.py`` (below: "your own code" in the README); every test in it must pass;
* ``<!-- example: file NAME -->``: not run itself: written as ``NAME`` beside the page's tests;
* ``needs=MODULE`` in any of these: the example needs a module that is no dependency of the
  project (``<!-- example: needs=aiobotocore -->``), and is skipped where it is not installed.

Shell blocks (no language, ``sh``, ``console``):

* every ``pytest-mturk serve ...`` line is run (on a free port): it must start and serve, and
  stop cleanly on SIGTERM;
* ``<!-- example: shell -->``: run with bash against ``pytest-mturk serve`` on the port the
  block names, with ``HIT_ID`` set to a HIT created there and ``curl -s`` made ``curl -sf`` (an
  HTTP error fails the block); a block that calls ``curl`` must be marked so;
* any other shell block is not run (installing, running pytest, benchmarks).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from pytest_mturk import MTurkFake
from pytest_mturk.transport import hook

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```+|~~~+)\s*([\w{}-]*)(.*)$")
MARK = re.compile(r"^<!--\s*example:\s*(.*?)\s*-->$")
SHELL = {"", "sh", "bash", "shell", "console"}


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int
    language: str
    mark: str  # what the comment before it says ("" when none)
    code: str

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def _words(self) -> list[str]:
        return [w for w in shlex.split(self.mark) if not w.startswith("needs=")]

    @property
    def kind(self) -> str:
        words = self._words
        return words[0] if words else ""

    @property
    def args(self) -> list[str]:
        return self._words[1:]

    @property
    def needs(self) -> list[str]:
        """Modules the example needs that are no dependency (``needs=aiobotocore``): it is
        skipped where they are not installed (CI's Python 3.13 environment has them)."""
        return [w.split("=", 1)[1] for w in shlex.split(self.mark) if w.startswith("needs=")]

    def skip_unless_installed(self) -> None:
        for module in self.needs:
            pytest.importorskip(module, reason=f"{self.id} needs {module}")


def blocks(page: Path) -> Iterator[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        fence, language = match.group(1), match.group(2)
        before = lines[i - 1].strip() if i > 0 else ""
        mark = MARK.match(before)
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(fence))
        yield Block(
            page,
            i + 1,
            language,
            mark.group(1) if mark else "",
            "\n".join(lines[i + 1 : end]) + "\n",
        )
        i = end + 1


ALL = [b for page in PAGES for b in blocks(page)]
PYTHON = [b for b in ALL if b.language == "python"]
SHELL_BLOCKS = [b for b in ALL if b.language in SHELL]


def test_the_pages_have_examples() -> None:
    # The parser found what the pages hold (a parser that found nothing would pass everything).
    assert {b.page.name for b in PYTHON} >= {"README.md", "recipes.md", "comparison.md"}
    assert len([b for b in PYTHON if b.kind == "test"]) >= 10
    assert all(b.kind in ("", "fake", "test", "file") for b in PYTHON), [
        b.id for b in PYTHON if b.kind not in ("", "fake", "test", "file")
    ]


def test_shell_blocks_that_call_the_control_api_are_run() -> None:
    unmarked = [b.id for b in SHELL_BLOCKS if "curl " in b.code and b.kind != "shell"]
    assert not unmarked


# ----------------------------------------------------------------------------- python


def _no_fake_left(before: int) -> None:
    left = len(hook.active) - before
    assert left == 0, f"the example left {left} fake(s) running"


@pytest.mark.parametrize("block", [b for b in PYTHON if b.kind == ""], ids=lambda b: b.id)
def test_script_example(block: Block) -> None:
    block.skip_unless_installed()
    before = len(hook.active)
    namespace = {"__name__": "__doc_example__"}
    exec(compile(block.code, block.id, "exec"), namespace)
    _no_fake_left(before)


@pytest.mark.parametrize("block", [b for b in PYTHON if b.kind == "fake"], ids=lambda b: b.id)
def test_fake_example(block: Block) -> None:
    before = len(hook.active)
    fake = MTurkFake(seed=1).start()
    try:
        exec(compile(block.code, block.id, "exec"), {"__name__": "__doc_example__", "fake": fake})
    finally:
        fake.stop()
    _no_fake_left(before)


#: A QuestionForm with one selection question, ``label``: cat or dog.
QUESTION_XML = (
    '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>label</QuestionIdentifier>'
    "<IsRequired>true</IsRequired><QuestionContent><Text>Cat or dog?</Text></QuestionContent>"
    "<AnswerSpecification><SelectionAnswer><Selections><Selection><SelectionIdentifier>cat"
    "</SelectionIdentifier><Text>Cat</Text></Selection><Selection><SelectionIdentifier>dog"
    "</SelectionIdentifier><Text>Dog</Text></Selection></Selections></SelectionAnswer>"
    "</AnswerSpecification></Question></QuestionForm>"
)

#: "Your own code" in the README's fixture example: a question and a review that pays.
MY_APP = f'''"""The README's "your own code": a question, and a review that approves the work."""

QUESTION_XML = {QUESTION_XML!r}


def review_and_pay(client):
    for hit in client.list_reviewable_hits()["HITs"]:
        submitted = client.list_assignments_for_hit(
            HITId=hit["HITId"], AssignmentStatuses=["Submitted"]
        )["Assignments"]
        for assignment in submitted:
            client.approve_assignment(AssignmentId=assignment["AssignmentId"])
'''


@pytest.mark.parametrize("block", [b for b in PYTHON if b.kind == "test"], ids=lambda b: b.id)
def test_test_example(block: Block, pytester: pytest.Pytester) -> None:
    files = {"my_app.py": MY_APP}
    for other in PYTHON:
        if other.page == block.page and other.kind == "file":
            name = other.args[0]
            assert name not in files, f"{other.id}: {name} is written twice"
            files[name] = other.code
    for name, code in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
    name = f"test_{block.page.stem}_{block.line}.py"
    (pytester.path / name).write_text(block.code, encoding="utf-8")
    result = pytester.runpytest_subprocess(name, "-p", "no:cacheprovider", *block.args)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1 and result.ret == 0, result.stdout.str()
    assert set(outcomes) <= {"passed", "warnings", "warning"}, result.stdout.str()


# ----------------------------------------------------------------------------- shell


class Served:
    """``pytest-mturk serve`` in a child process, and the lines it printed."""

    def __init__(self, args: list[str], cwd: Path, until: str = "requester page:") -> None:
        env = {**os.environ, "BROWSER": "true"}  # --open-browser opens nothing here
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pytest_mturk.cli", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.lines: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))
                if until in line:
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        ready.wait(30)

    @property
    def url(self) -> str:
        first = next(line for line in self.lines if line.startswith("pytest-mturk: fake MTurk"))
        return first.rsplit(" ", 1)[-1]

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(15)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def _serve_lines() -> list[tuple[str, str]]:
    found = []
    for block in SHELL_BLOCKS:
        for line in block.code.splitlines():
            command = line.split("#", 1)[0].strip()
            if command.startswith("pytest-mturk serve"):
                found.append((block.id, command))
    return found


SERVE_LINES = _serve_lines()


@pytest.mark.parametrize(("where", "command"), SERVE_LINES, ids=[w for w, _ in SERVE_LINES])
def test_serve_command_line(where: str, command: str, tmp_path: Path) -> None:
    args = shlex.split(command)[1:]
    if "--port" in args:
        args[args.index("--port") + 1] = "0"  # a free port: the page's may be taken
    opens = "--open" in args or "--open-browser" in args
    served = Served(args, tmp_path, until="open the worker page" if opens else "requester page:")
    try:
        assert served.process.poll() is None, served.process.stderr.read()  # type: ignore[union-attr]
        assert served.url.startswith("http://127.0.0.1:"), served.lines
        with urllib.request.urlopen(served.url + "/_pytest_mturk/", timeout=30) as answer:
            assert "endpoints" in json.load(answer)
        if opens:
            assert served.lines[-1].startswith("pytest-mturk: open the worker page: http"), (
                served.lines
            )
    finally:
        assert served.stop() == 0  # stopped cleanly by its SIGTERM handler


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize(
    "block", [b for b in SHELL_BLOCKS if b.kind == "shell"], ids=lambda b: b.id
)
def test_shell_example(block: Block, tmp_path: Path) -> None:
    ports = set(re.findall(r"127\.0\.0\.1:(\d+)", block.code))
    assert len(ports) == 1, f"{block.id}: name one server port"
    served = Served(["serve", "--port", "0", "--seed", "1"], tmp_path)
    try:
        port = served.url.rsplit(":", 1)[1]
        client = boto3.session.Session(
            aws_access_key_id="AKIAEXAMPLEEXAMPLE01", aws_secret_access_key="secret"
        ).client("mturk", region_name="us-east-1", endpoint_url=served.url)
        hit_id = client.create_hit(
            Title="Label",
            Description="Cat or dog?",
            Reward="0.50",
            MaxAssignments=3,
            LifetimeInSeconds=3600,
            AssignmentDurationInSeconds=600,
            Question=QUESTION_XML,
        )["HIT"]["HITId"]
        script = block.code.replace(f"127.0.0.1:{ports.pop()}", f"127.0.0.1:{port}")
        script = script.replace("curl -s ", "curl -sf ")
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env={**os.environ, "HIT_ID": hit_id},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert '{"' in result.stdout, result.stdout  # the answers were printed
    finally:
        assert served.stop() == 0  # stopped cleanly by its SIGTERM handler
