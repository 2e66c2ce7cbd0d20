"""No request reaches real MTurk while a fake is active, even from a client built before
pytest_mturk was imported (so without the before-send hook). Sockets are forbidden in these
runs: a connection attempt fails the run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

FORBID_SOCKETS = """
import atexit, socket, sys

ATTEMPTS = []

def _forbidden(*args, **kwargs):
    ATTEMPTS.append(args[1:] or args)
    raise OSError("network connections are forbidden in this run")

@atexit.register
def _report():
    print(f"connection attempts: {len(ATTEMPTS)}", file=sys.stderr)

socket.socket.connect = _forbidden
socket.socket.connect_ex = _forbidden
socket.create_connection = _forbidden
socket.getaddrinfo = _forbidden
"""


def run(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))}
    return subprocess.run(
        [sys.executable, "-c", FORBID_SOCKETS + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_a_client_built_before_import_is_answered_by_the_fake() -> None:
    proc = run(
        """
        import boto3

        client = boto3.client(
            "mturk",
            region_name="us-east-1",
            endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com",
            aws_access_key_id="AKIAEARLYCLIENT00001",
            aws_secret_access_key="secret",
        )
        assert "pytest_mturk" not in __import__("sys").modules
        from pytest_mturk import mock_mturk

        with mock_mturk() as fake:
            print(client.get_account_balance()["AvailableBalance"])
            hit = client.create_hit(
                Title="t", Description="d", Reward="0.10", LifetimeInSeconds=600,
                AssignmentDurationInSeconds=60,
                Question='<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
                'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>'
                'https://example.org/t</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>',
            )["HIT"]
            assert client.get_hit(HITId=hit["HITId"])["HIT"]["Title"] == "t"
            assert [c.operation for c in fake.calls] == ["GetAccountBalance", "CreateHIT", "GetHIT"]
            assert fake.calls[0].access_key == "AKIAEARLYCLIENT00001"
        print("ok")
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["10000.00", "ok"]
    assert "connection attempts: 0" in proc.stderr


def test_an_early_client_keeps_its_environment_and_its_errors() -> None:
    proc = run(
        """
        import boto3

        prod = boto3.client(
            "mturk",
            region_name="us-east-1",
            endpoint_url="https://mturk-requester.us-east-1.amazonaws.com",
            aws_access_key_id="AKIAEARLYCLIENT00001",
            aws_secret_access_key="secret",
        )
        from pytest_mturk import mock_mturk

        with mock_mturk(balance="25.00") as fake:
            print(prod.get_account_balance()["AvailableBalance"])
            try:
                prod.get_hit(HITId="3NOSUCHHIT")
            except prod.exceptions.RequestError as exc:
                print(exc.response["TurkErrorCode"])
            assert fake.calls[0].environment == "production"
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["25.00", "AWS.MechanicalTurk.HITDoesNotExist"]
    assert "connection attempts: 0" in proc.stderr


def test_with_no_fake_active_the_guard_lets_botocore_send() -> None:
    proc = run(
        """
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "mturk",
            region_name="us-east-1",
            aws_access_key_id="AKIAEARLYCLIENT00001",
            aws_secret_access_key="secret",
            config=Config(retries={"total_max_attempts": 1}),
        )
        from pytest_mturk import mock_mturk

        with mock_mturk():
            client.get_account_balance()
        try:
            client.get_account_balance()  # the fake is gone: botocore really tries to connect
        except Exception as exc:
            print(type(exc).__name__)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["EndpointConnectionError"]
    assert "connection attempts: 0" not in proc.stderr
