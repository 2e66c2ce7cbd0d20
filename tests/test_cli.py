"""``pytest-mturk serve`` as a user runs it: a real subprocess."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.conftest import hit_args

SERVE = [sys.executable, "-m", "pytest_mturk.cli", "serve"]


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SERVE, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


def test_a_busy_port_is_one_line(tmp_path: Any) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line_error(run("--port", str(port)))
    assert line.startswith(f"pytest-mturk: error: cannot listen on 127.0.0.1:{port}:")
    assert "in use" in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "70000"], "invalid port '70000'"),
        (["--port", "http"], "invalid port 'http'"),
        (["--timeout", "0"], "invalid timeout '0' (must be above 0)"),
        (["--timeout", "soon"], "invalid timeout 'soon'"),
        (["--max-body", "-1"], "invalid size '-1'"),
        (["--balance", "lots"], "invalid amount 'lots'"),
        (["--autopilot", "-1"], "invalid number '-1'"),
        (["--environment", "moon"], "invalid choice: 'moon'"),
        (["--seed", "x"], "invalid int value: 'x'"),
        (["--host", "192.0.2.1"], "cannot listen on 192.0.2.1:0"),
        (["--no-such-option"], "unrecognized arguments: --no-such-option"),
    ],
)
def test_a_bad_option_value_is_one_line(args: list[str], says: str) -> None:
    assert says in one_line_error(run(*args))


def test_no_command_is_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_mturk.cli"], capture_output=True, text=True, timeout=60
    )
    assert "the following arguments are required: command" in one_line_error(result)


@pytest.fixture
def verbose_server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        [*SERVE, "--verbose", "--seed", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().rsplit(" at ", 1)[1].strip()
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=30)


def test_verbose_logs_one_line_per_call(verbose_server: tuple[subprocess.Popen[str], str]) -> None:
    proc, url = verbose_server
    client = boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
    ).client(
        "mturk",
        region_name="us-east-1",
        endpoint_url=url + "/production",
        config=Config(retries={"total_max_attempts": 1}),
    )
    client.create_hit(**hit_args())
    with pytest.raises(client.exceptions.RequestError):
        client.get_hit(HITId="3NOPE")
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith("pytest-mturk: 127.0.0.1 production CreateHIT 200")
    assert lines[1] == (
        "pytest-mturk: 127.0.0.1 production GetHIT 400 RequestError "
        "AWS.MechanicalTurk.HITDoesNotExist"
    )


def test_the_announcement_names_every_url() -> None:
    proc = subprocess.Popen([*SERVE], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(5)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    url = lines[0].rsplit(" at ", 1)[1].strip()
    assert lines[1].split() == ["sandbox:", f"{url}/sandbox"]
    assert lines[2].split() == ["production:", f"{url}/production"]
    assert lines[3].split() == ["control", "API:", f"{url}/_pytest_mturk/"]
    assert lines[4].strip() == f"export AWS_ENDPOINT_URL_MTURK={url}"


def test_off_loopback_the_control_api_token_is_printed() -> None:
    proc = subprocess.Popen([*SERVE, "--host", "0.0.0.0"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(5)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    token_lines = [line for line in lines if "token" in line]
    assert len(token_lines) == 1 and len(token_lines[0].split()[-1]) >= 24


def test_the_console_script_is_installed() -> None:
    script = shutil.which("pytest-mturk", path=os.path.dirname(sys.executable))
    assert script is not None
    result = subprocess.run(
        [script, "serve", "--port", "-5"], capture_output=True, text=True, timeout=60
    )
    assert "invalid port '-5'" in one_line_error(result)


def test_sigterm_right_after_the_urls_stops_cleanly() -> None:
    """The SIGTERM handler is installed before the URLs are printed: a supervisor that stops the
    server as soon as it has read them gets a clean exit (it used to be killed, exit -15)."""
    import signal

    for _ in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest_mturk.cli", "serve"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        proc.stdout.readline()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, proc.stderr.read() if proc.stderr else ""
