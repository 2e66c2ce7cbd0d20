"""Server mode: the same fake over real HTTP, for subprocesses and other SDKs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.request
from typing import Any

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_mturk import MTurkFake
from tests.conftest import hit_args


def http_client(url: str, key: str = "AKIAPYTESTMTURKTEST1") -> Any:
    return boto3.session.Session(aws_access_key_id=key, aws_secret_access_key="s").client(
        "mturk",
        region_name="us-east-1",
        endpoint_url=url,
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_boto3_over_http_shares_the_sandbox_world(fake: MTurkFake, client: Any) -> None:
    with fake.serve() as server:
        remote = http_client(server.url)
        hit = remote.create_hit(**hit_args())["HIT"]
        assert client.get_hit(HITId=hit["HITId"])["HIT"] == hit  # in-process sandbox client
        assert fake.calls[0].operation == "CreateHIT"  # really went over HTTP, once
        with pytest.raises(remote.exceptions.RequestError) as exc:
            remote.get_hit(HITId="3NOPE")
        assert exc.value.response["TurkErrorCode"] == "AWS.MechanicalTurk.HITDoesNotExist"
        assert exc.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def test_production_server(prod_client: Any) -> None:
    with MTurkFake(balance="42.00") as fake, fake.serve(environment="production") as server:
        assert http_client(server.url).get_account_balance()["AvailableBalance"] == "42.00"
        prod_client.create_hit(**hit_args())
        assert http_client(server.url).list_hits()["NumResults"] == 1


def test_raw_http_errors_are_aws_shaped(fake: MTurkFake) -> None:
    with fake.serve() as server:
        request = urllib.request.Request(
            server.url + "/",
            data=b"{}",
            method="POST",
            headers={
                "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance",
                "Content-Type": "application/x-amz-json-1.1",
            },
        )
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(request, timeout=5)
        body = json.loads(exc.value.read())
        assert exc.value.code == 400
        assert body["__type"].endswith("MissingAuthenticationTokenException")


def test_faults_reach_over_http(fake: MTurkFake) -> None:
    with fake.serve() as server:
        remote = http_client(server.url)
        fake.faults.add("GetAccountBalance", "ServiceFault")
        with pytest.raises(remote.exceptions.ServiceFault):
            remote.get_account_balance()
        fake.faults.add("GetAccountBalance", "ConnectionClosed")
        with pytest.raises(Exception) as exc:
            remote.get_account_balance()
        assert not isinstance(exc.value, ClientError)


@pytest.mark.skipif(
    tuple(int(x) for x in botocore.__version__.split(".")[:2]) < (1, 31),
    reason="AWS_ENDPOINT_URL_MTURK is read by botocore 1.31 and later",
)
def test_a_subprocess_uses_the_same_fake(fake: MTurkFake, client: Any) -> None:
    with fake.serve() as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL_MTURK=server.url,
            AWS_ACCESS_KEY_ID="AKIAPYTESTMTURKTEST1",
            AWS_SECRET_ACCESS_KEY="s",
            AWS_DEFAULT_REGION="us-east-1",
        )
        code = textwrap.dedent(
            """
            import boto3
            c = boto3.client("mturk")
            print(c.create_hit(LifetimeInSeconds=60, AssignmentDurationInSeconds=60,
                               Reward="0.10", Title="from a subprocess", Description="d",
                               Question=open(0).read())["HIT"]["HITId"])
            """
        )
        from tests.conftest import EXTERNAL_Q

        result = subprocess.run(
            [sys.executable, "-c", code],
            input=EXTERNAL_Q,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        hit_id = result.stdout.strip()
        assert client.get_hit(HITId=hit_id)["HIT"]["Title"] == "from a subprocess"


def test_command_line_server(tmp_path: Any) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_mturk.cli", "serve", "--seed", "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.rsplit(" at ", 1)[1].strip()
        assert http_client(url).get_account_balance()["AvailableBalance"] == "10000.00"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_mturk_server_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3

        def test_it(mturk, mturk_server):
            c = boto3.client("mturk", region_name="us-east-1", endpoint_url=mturk_server.url)
            assert c.list_hits()["NumResults"] == 0
            assert mturk.calls and mturk.calls[0].operation == "ListHITs"
        """
    )
    pytester.runpytest("-p", "pytester").assert_outcomes(passed=1)


def test_keep_alive_connections_stay_open(fake: MTurkFake) -> None:
    import http.client

    with fake.serve() as server:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
        headers = {
            "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAPYTESTMTURKTEST1/20300101/"
            "us-east-1/mturk-requester/aws4_request, SignedHeaders=host, Signature=x",
            "Content-Type": "application/x-amz-json-1.1",
        }
        for _ in range(3):  # the same socket answers every request
            conn.request("POST", "/", body=b"{}", headers=headers)
            response = conn.getresponse()
            assert response.status == 200
            assert json.loads(response.read())["AvailableBalance"] == "10000.00"
            assert not response.will_close
        sock = conn.sock
        conn.request("POST", "/", body=b"{}", headers=headers)
        conn.getresponse().read()
        assert conn.sock is sock
        conn.close()


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"environment": "staging"}, "environment must be one of 'sandbox', 'production'"),
        ({"timeout": 0}, "timeout must be a number of seconds above 0"),
        ({"max_body": 0}, "max_body must be a number of bytes above 0"),
        ({"port": 70000}, "port must be between 0 and 65535"),
    ],
)
def test_bad_server_options_are_refused(fake: MTurkFake, kwargs: Any, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        fake.serve(**kwargs)
