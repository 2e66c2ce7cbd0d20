"""Other SDKs against the server: the AWS SDK for JavaScript v3 (``@aws-sdk/client-mturk`` from
npm) and the AWS CLI (v1, from PyPI), each running a requester's workflow, with workers driven
through the control API.

Their toolchains are set up on first use into git-ignored folders (``npm ci`` in
``tests/sdk/js``; a virtualenv with ``awscli`` in ``.venv-awscli``), once, under a file lock so
that xdist workers share them. Without ``node``/``npm`` on the machine the JavaScript test is
skipped, saying so (``.ci/run`` installs Debian's nodejs where node is missing).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import venv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pytest_mturk import MTurkFake, MTurkServer

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "tests" / "sdk" / "js"
AWSCLI_VENV = ROOT / ".venv-awscli"
EXTERNAL_Q = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.org/task</ExternalURL>'
    "<FrameHeight>600</FrameHeight></ExternalQuestion>"
)


def _locked(name: str) -> Any:
    lock = open(ROOT / f".{name}.lock", "w")  # noqa: SIM115 (held until the set-up is done)
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_MTURK"))}
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def node_workflow() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the JavaScript SDK test (CI installs them)")
    with _locked("npm"):
        if not (JS / "node_modules" / "@aws-sdk" / "client-mturk").is_dir():
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--silent"],
                cwd=JS,
                check=True,
                timeout=600,
            )
    return JS / "workflow.mjs"


@pytest.fixture(scope="session")
def aws_cli() -> Path:
    aws = AWSCLI_VENV / "bin" / "aws"
    with _locked("awscli"):
        if not aws.exists():
            # Its own virtualenv: awscli pins the botocore and docutils it runs with.
            venv.create(AWSCLI_VENV, with_pip=True)
            subprocess.run(
                [str(AWSCLI_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "awscli"],
                check=True,
                timeout=600,
            )
    return aws


@pytest.fixture
def served() -> Iterator[tuple[MTurkFake, MTurkServer]]:
    with MTurkFake(seed=5) as fake, fake.serve() as server:
        yield fake, server


def test_javascript_sdk_workflow(
    node_workflow: Path, served: tuple[MTurkFake, MTurkServer]
) -> None:
    fake, server = served
    proc = subprocess.run(
        ["node", "--no-warnings", str(node_workflow)],
        env=_clean_env(MTURK_ENDPOINT=server.url),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["error"] == {
        "name": "RequestError",
        "turkErrorCode": "AWS.MechanicalTurk.HITDoesNotExist",
        "message": out["error"]["message"],
    }
    assert out["error"]["message"].startswith("Hit 3NOSUCHHIT does not exist.")
    # What the JavaScript client did is what the fake holds.
    assert sorted(out["hits"]) == sorted(fake.service.hits_by_id)
    for worker in out["workers"]:
        fake.assert_paid(worker, Decimal("0.25"))
        fake.assert_bonus_paid(worker, Decimal("0.10"), reason="thanks")
    assert {c.access_key for c in fake.calls} == {"AKIAJAVASCRIPTSDK001"}


def _aws(aws: Path, server: MTurkServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(aws), "mturk", *args, "--endpoint-url", server.url, "--output", "json"],
        env=_clean_env(
            AWS_ACCESS_KEY_ID="AKIAAWSCLIWORKFLOW01",
            AWS_SECRET_ACCESS_KEY="secret",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        ),
        capture_output=True,
        text=True,
        timeout=180,
    )


def _ok(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def test_aws_cli_workflow(
    aws_cli: Path, served: tuple[MTurkFake, MTurkServer], tmp_path: Path
) -> None:
    fake, server = served
    question = tmp_path / "question.xml"
    question.write_text(EXTERNAL_Q)
    hits = []
    for i in range(3):
        created = _ok(
            _aws(
                aws_cli,
                server,
                "create-hit",
                "--title",
                f"Label image {i}",
                "--description",
                "Cat or dog?",
                "--reward",
                "0.30",
                "--max-assignments",
                "2",
                "--lifetime-in-seconds",
                "3600",
                "--assignment-duration-in-seconds",
                "600",
                "--question",
                f"file://{question}",
            )
        )
        hits.append(created["HIT"]["HITId"])
    worker = fake.workers.create()
    worker.do(hits[0], {"answer": "cat"})
    # The CLI walks every page itself (--page-size 1: one HIT a request).
    listed = _ok(_aws(aws_cli, server, "list-hits", "--page-size", "1"))
    assert sorted(h["HITId"] for h in listed["HITs"]) == sorted(hits)
    assert len(fake.calls_to("ListHITs")) == 4  # three pages and the empty last one
    assignments = _ok(_aws(aws_cli, server, "list-assignments-for-hit", "--hit-id", hits[0]))
    (assignment,) = assignments["Assignments"]
    _ok(
        _aws(
            aws_cli,
            server,
            "send-bonus",
            "--worker-id",
            worker.worker_id,
            "--assignment-id",
            assignment["AssignmentId"],
            "--bonus-amount",
            "0.05",
            "--reason",
            "well done",
        )
    )
    _ok(_aws(aws_cli, server, "approve-assignment", "--assignment-id", assignment["AssignmentId"]))
    fake.assert_paid(worker.worker_id, "0.30")
    fake.assert_bonus_paid(worker.worker_id, "0.05", reason="well done")
    # A modelled error, as the CLI reports it.
    missing = _aws(aws_cli, server, "get-hit", "--hit-id", "3NOSUCHHIT")
    assert missing.returncode in (254, 255)  # v2 exits 254 on a service error, v1 255
    assert "An error occurred (RequestError) when calling the GetHIT operation: Hit 3NOSUCHHIT" in (
        missing.stderr
    )
    assert fake.calls[-1].turk_error_code == "AWS.MechanicalTurk.HITDoesNotExist"
