"""How requests reach the fake: botocore's before-send hook, credentials, the protocol edges,
moto side by side, and botocore untouched while the fake is inactive."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_mturk import MTurkFake, mock_mturk, patch_client, protocol
from tests.conftest import SANDBOX, error_of, hit_args

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAPYTESTMTURKTEST1/20300101/us-east-1/mturk-requester/"
    "aws4_request, SignedHeaders=host, Signature=abc"
)


def raw(fake: MTurkFake, target: str | None, body: bytes = b"{}", auth: str | None = AUTH) -> Any:
    headers = {}
    if target is not None:
        headers["X-Amz-Target"] = target
    if auth is not None:
        headers["Authorization"] = auth
    status, payload, _ = protocol.handle(
        fake.backend, headers, body, "mturk-requester-sandbox.us-east-1.amazonaws.com"
    )
    return status, json.loads(payload)


def test_unknown_and_missing_target(fake: MTurkFake) -> None:
    for target in ("MTurkRequesterServiceV20170117.DoSomething", None, "Other.GetHIT"):
        status, body = raw(fake, target)
        assert status == 400
        assert body == {"__type": "com.amazon.coral.service#UnknownOperationException"}


def test_missing_signature_and_bad_json(fake: MTurkFake) -> None:
    status, body = raw(fake, "MTurkRequesterServiceV20170117.GetAccountBalance", auth=None)
    assert (status, body["__type"]) == (
        400,
        "com.amazon.coral.service#MissingAuthenticationTokenException",
    )
    for bad in (b"{not json", b"[1, 2]"):
        status, body = raw(fake, "MTurkRequesterServiceV20170117.GetAccountBalance", bad)
        assert (status, body["__type"]) == (400, "com.amazon.coral.service#SerializationException")
    status, body = raw(fake, "MTurkRequesterServiceV20170117.GetHIT", b'{"HITId": 5}')
    assert status == 400 and "SerializationException" in body["__type"]


def test_server_side_required_members(fake: MTurkFake) -> None:
    status, body = raw(
        fake, "MTurkRequesterServiceV20170117.SendBonus", b'{"WorkerId": "A1B2C3D4E5F6G7"}'
    )
    assert status == 400
    assert (
        "Value null at 'reason' failed to satisfy constraint: Member must not be null"
        in body["message"]
    )


@pytest.mark.parametrize("key", ["fake key id", "foo", "fake aws key"])
def test_keys_that_cannot_be_real_are_refused_like_aws(fake: MTurkFake, key: str) -> None:
    client = boto3.session.Session(
        aws_access_key_id=key, aws_secret_access_key="fake secret"
    ).client("mturk", region_name="us-east-1", endpoint_url=SANDBOX)
    with pytest.warns(UserWarning, match="refused the access key id"):
        with pytest.raises(ClientError) as exc:
            client.get_account_balance()
    code, message, _ = error_of(exc)
    assert code == "UnrecognizedClientException"
    assert message == "The security token included in the request is invalid."
    assert not isinstance(exc.value, client.exceptions.RequestError)  # Mephisto quit()s on those


def test_allow_access_key(fake: MTurkFake) -> None:
    fake.allow_access_key("local dev")
    client = boto3.session.Session(aws_access_key_id="local dev", aws_secret_access_key="s").client(
        "mturk", region_name="us-east-1", endpoint_url=SANDBOX
    )
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"


def test_moto_keys_are_accepted_and_strict_mode_refuses_them() -> None:
    client = boto3.session.Session(aws_access_key_id="FOOBARKEY", aws_secret_access_key="x").client(
        "mturk", region_name="us-east-1", endpoint_url=SANDBOX
    )
    with mock_mturk():
        client.get_account_balance()
    with mock_mturk(strict_credentials=True), pytest.warns(UserWarning):
        with pytest.raises(ClientError):
            client.get_account_balance()


def test_requesters_are_separate_worlds(fake: MTurkFake, client: Any) -> None:
    other = boto3.session.Session(
        aws_access_key_id="AKIAOTHERREQUESTER00", aws_secret_access_key="s"
    ).client("mturk", region_name="us-east-1", endpoint_url=SANDBOX)
    client.create_hit(**hit_args())
    assert other.list_hits()["NumResults"] == 0


def test_any_region_host_is_served(fake: MTurkFake) -> None:
    # Dallinger builds "mturk-requester-sandbox.{region}.amazonaws.com"; psiTurk's tests use
    # us-west-2 with no endpoint (production host). Both reach the fake, never the network.
    west = boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
    ).client("mturk", region_name="us-west-2")
    assert west.get_account_balance()["AvailableBalance"] == "10000.00"  # balance option default
    sandbox_region = boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
    ).client("mturk", region_name="sandbox")
    assert sandbox_region.meta.endpoint_url == SANDBOX
    sandbox_region.create_hit(**hit_args())
    assert west.list_hits()["NumResults"] == 0  # production world


def test_endpoint_url_is_left_as_the_user_set_it(fake: MTurkFake, client: Any) -> None:
    assert client.meta.endpoint_url == SANDBOX  # Mephisto's sandbox detection compares it


def test_internal_errors_become_service_faults_not_tracebacks(
    fake: MTurkFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_mturk.service import OPERATIONS

    def broken(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setitem(OPERATIONS, "GetAccountBalance", broken)
    client = boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
    ).client(
        "mturk",
        region_name="us-east-1",
        endpoint_url=SANDBOX,
        config=Config(retries={"mode": "standard", "total_max_attempts": 2}),
    )
    with pytest.raises(client.exceptions.ServiceFault) as exc:
        client.get_account_balance()
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert exc.value.response["ResponseMetadata"]["RetryAttempts"] == 1  # botocore retried it
    assert len(fake.internal_errors) == 2
    fake.internal_errors.clear()


def test_calls_are_recorded(fake: MTurkFake, client: Any) -> None:
    hit = client.create_hit(**hit_args())["HIT"]
    with pytest.raises(ClientError):
        client.get_hit(HITId="3NOPE")
    assert [c.operation for c in fake.calls] == ["CreateHIT", "GetHIT"]
    assert fake.calls[0].ok and fake.calls[0].params["Title"] == "Label an image"
    assert fake.calls[1].turk_error_code == "AWS.MechanicalTurk.HITDoesNotExist"
    fake.assert_called("CreateHIT", times=1, Title="Label an image")
    with pytest.raises(AssertionError, match="calls made:"):
        fake.assert_called("DeleteHIT")
    assert fake.calls_to("GetHIT", HITId="3NOPE")
    assert hit["HITId"]


def test_nested_fakes_innermost_answers(client: Any) -> None:
    with MTurkFake() as outer:
        client.create_hit(**hit_args())
        with MTurkFake() as inner:
            assert client.list_hits()["NumResults"] == 0
            assert inner.active
        assert client.list_hits()["NumResults"] == 1
        assert outer.active


def test_decorator_forms(client: Any) -> None:
    @mock_mturk
    def plain() -> int:
        return int(client.list_hits()["NumResults"])

    @mock_mturk(seed=5)
    def seeded() -> int:
        client.create_hit(**hit_args())
        return int(client.list_hits()["NumResults"])

    assert plain() == 0
    assert seeded() == 1
    assert seeded() == 1  # a fresh fake each call


def test_inactive_fake_leaves_botocore_alone() -> None:
    from botocore.awsrequest import AWSResponse

    client = boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
    ).client("mturk", region_name="us-east-1", endpoint_url=SANDBOX)
    seen = []

    class Raw:
        def stream(self, **kw: Any) -> Any:
            yield b'{"AvailableBalance": "1.23"}'

    def stand_in(request: Any, **kwargs: Any) -> Any:
        seen.append(request.url)
        return AWSResponse(request.url, 200, {}, Raw())

    client.meta.events.register("before-send.mturk", stand_in)
    assert client.get_account_balance()["AvailableBalance"] == "1.23"  # nothing of ours answered
    with mock_mturk():
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    assert len(seen) == 2  # botocore still calls every handler; ours returned None when inactive


def test_stubber_still_works_under_the_fake(fake: MTurkFake, client: Any) -> None:
    from botocore.stub import Stubber

    with Stubber(client) as stub:
        stub.add_response("get_account_balance", {"AvailableBalance": "5.00"})
        assert client.get_account_balance()["AvailableBalance"] == "5.00"


def test_moto_and_the_fake_together() -> None:
    import moto

    with moto.mock_aws(), mock_mturk() as fake:
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hi")
        mturk = boto3.client("mturk", region_name="us-east-1", endpoint_url=SANDBOX)
        hit = mturk.create_hit(**hit_args())["HIT"]
        assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Assignable"
        assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hi"
        assert fake.calls[0].operation == "CreateHIT"


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def clean_env(tmp_path: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(tmp_path)
    env.pop("PYTEST_MTURK_FAKE", None)
    return env


def test_works_with_no_credentials_anywhere_and_never_probes_metadata(tmp_path: Any) -> None:
    result = _run(
        """
        import os
        import botocore.utils
        def forbidden(*a, **k):
            raise SystemExit("instance metadata was probed")
        botocore.utils.InstanceMetadataFetcher._get_request = forbidden
        import boto3, pytest_mturk
        with pytest_mturk.mock_mturk():
            c = boto3.client("mturk")   # no region, no credentials configured anywhere
            print(c.get_account_balance()["AvailableBalance"])
            print(c.meta.region_name)
        print(os.environ.get("AWS_ACCESS_KEY_ID"))
        """,
        clean_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10000.00", "us-east-1", "None"]


def test_patch_client_for_clients_built_before_import(tmp_path: Any) -> None:
    env = clean_env(tmp_path)
    env.update(AWS_ACCESS_KEY_ID="AKIAPYTESTMTURKTEST1", AWS_SECRET_ACCESS_KEY="x")
    result = _run(
        """
        import boto3
        early = boto3.client("mturk", region_name="us-east-1")
        import pytest_mturk
        with pytest_mturk.mock_mturk():
            pytest_mturk.patch_client(early)
            pytest_mturk.patch_client(early)  # twice is harmless
            print(early.get_account_balance()["AvailableBalance"])
            late = boto3.client("mturk", region_name="us-east-1")
            print(late.get_account_balance()["AvailableBalance"])
        """,
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10000.00", "10000.00"]


def test_hook_added_when_botocore_is_imported_after_us(tmp_path: Any) -> None:
    env = clean_env(tmp_path)
    result = _run(
        """
        import sys
        import pytest_mturk
        assert "botocore" not in sys.modules, "importing pytest_mturk must not import botocore"
        import boto3
        with pytest_mturk.mock_mturk():
            client = boto3.client("mturk", region_name="us-east-1")
            print(client.get_account_balance()["AvailableBalance"])
        """,
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10000.00"]


def test_patch_client_returns_the_client() -> None:
    client = boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
    ).client("mturk", region_name="us-east-1")
    assert patch_client(client) is client


def test_an_operation_not_yet_supported_says_so(
    fake: MTurkFake, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_mturk.service import OPERATIONS

    monkeypatch.delitem(OPERATIONS, "NotifyWorkers")
    with pytest.raises(ClientError) as exc:
        client.notify_workers(Subject="s", MessageText="t", WorkerIds=["A1B2C3D4E5F6G7"])
    code, message, _ = error_of(exc)
    assert code == "NotSupportedByPytestMTurk"
    assert "NotifyWorkers is not yet supported by pytest-mturk" in message


def test_all_39_operations_are_answered() -> None:
    import botocore.session

    from pytest_mturk.service import ALL_OPERATIONS, OPERATIONS

    model = botocore.session.get_session().get_service_model("mturk")
    assert sorted(ALL_OPERATIONS) == sorted(model.operation_names)
    assert sorted(OPERATIONS) == sorted(model.operation_names)


def _default_session() -> Any:
    return boto3.DEFAULT_SESSION


def test_boto3_default_session_is_renewed_on_activation_and_dropped_on_stop() -> None:
    boto3.setup_default_session(region_name="eu-west-1")
    before = _default_session()
    with mock_mturk() as fake:
        assert _default_session() is None  # dropped; the next one is made when boto3 needs it
        boto3.client("mturk").get_account_balance()
        fresh = _default_session()
        assert fresh is not None and fresh is not before  # made after the fake's environment
        assert fresh.region_name == "us-east-1"
        boto3.client("mturk").get_account_balance()
        assert _default_session() is fresh
    assert _default_session() is None
    assert fake.calls[0].access_key == "AKIAPYTESTMTURK00000"


def test_every_callback_waiting_for_a_module_runs(tmp_path: Any) -> None:
    import subprocess
    import sys

    (tmp_path / "latecomer.py").write_text("VALUE = 1\n")
    code = (
        "from pytest_mturk.transport import hook\n"
        "seen = []\n"
        "hook.after_import('latecomer', lambda m: seen.append(('first', m.VALUE)))\n"
        "hook.after_import('latecomer', lambda m: seen.append(('second', m.VALUE)))\n"
        "import latecomer\n"
        "hook.after_import('latecomer', lambda m: seen.append(('now', m.VALUE)))\n"
        "print(seen)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[('first', 1), ('second', 1), ('now', 1)]"
