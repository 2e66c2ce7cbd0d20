"""Error injection, per HTTP attempt, through botocore's real retry handler."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from pytest_mturk import MTurkFake
from tests.conftest import SANDBOX, error_of, hit_args

pytest_plugins = ["pytester"]


def retrying(attempts: int) -> Any:
    return boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
    ).client(
        "mturk",
        region_name="us-east-1",
        endpoint_url=SANDBOX,
        config=Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=1,
            read_timeout=1,
        ),
    )


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore sleeps between retries; the attempts are what these tests count.
    import botocore.retries.standard as standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0)


def test_service_fault_is_retried_and_each_attempt_counted(fake: MTurkFake) -> None:
    client = retrying(3)
    fake.faults.add("GetAccountBalance", "ServiceFault", times=2)
    assert client.get_account_balance()["ResponseMetadata"]["RetryAttempts"] == 2
    attempts = [(c.attempt, c.status) for c in fake.calls]
    assert attempts == [(1, 500), (2, 500), (3, 200)]


def test_service_fault_beyond_retries(fake: MTurkFake) -> None:
    client = retrying(2)
    fault = fake.faults.add("GetAccountBalance", times=None)
    with pytest.raises(client.exceptions.ServiceFault):
        client.get_account_balance()
    assert fault.fired == 2


def test_throttling_rate_exceeded(fake: MTurkFake) -> None:
    client = retrying(1)
    fake.faults.add("CreateHITWithHITType", "ThrottlingException")
    with pytest.raises(ClientError) as exc:
        client.create_hit_with_hit_type(HITTypeId="3X", LifetimeInSeconds=60)
    assert error_of(exc)[:2] == ("ThrottlingException", "Rate exceeded")


def test_request_error_with_any_turk_code(fake: MTurkFake, client: Any) -> None:
    fake.faults.add(
        "GetHIT",
        "RequestError",
        code="AWS.MechanicalTurk.HITDoesNotExist",
        message="Hit X does not exist.",
    )
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.get_hit(HITId="3ABC")
    code, message, turk = error_of(exc)
    assert turk == "AWS.MechanicalTurk.HITDoesNotExist" and message.startswith(
        "Hit X does not exist."
    )


def test_any_error_name_and_status(fake: MTurkFake, client: Any) -> None:
    fake.faults.add("ListHITs", "AccessDeniedException", status=403, message="nope")
    with pytest.raises(ClientError) as exc:
        client.list_hits()
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error_of(exc)[:2] == ("AccessDeniedException", "nope")


def test_connection_refused_before_applying(fake: MTurkFake) -> None:
    client = retrying(1)
    fake.faults.add("CreateHIT", "ConnectionRefused")
    with pytest.raises(EndpointConnectionError):
        client.create_hit(**hit_args())
    assert client.list_hits()["NumResults"] == 0


def test_response_lost_after_applying_and_the_token_saves_the_retry(fake: MTurkFake) -> None:
    client = retrying(3)
    fake.faults.add("CreateHIT", "ReadTimeout")  # MTurk made the HIT; the answer never came
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.create_hit(**hit_args(UniqueRequestToken="once"))  # botocore retries it
    assert error_of(exc)[2] == "AWS.MechanicalTurk.HitAlreadyExists"
    assert client.list_hits()["NumResults"] == 1
    assert [c.status for c in fake.calls[:2]] == [0, 400]
    assert fake.calls[0].error_code == "ReadTimeout"


def test_read_timeout_without_retries_surfaces(fake: MTurkFake) -> None:
    client = retrying(1)
    fake.faults.add("SendBonus", "ReadTimeout", applied=False)
    with pytest.raises(ReadTimeoutError):
        client.send_bonus(
            WorkerId="A1B2C3D4E5F6G7", BonusAmount="1.00", AssignmentId="3A", Reason="r"
        )


def test_http_error_after_applying(fake: MTurkFake, client: Any) -> None:
    fake.faults.add("CreateHIT", "ServiceFault", applied=True, status=503)
    client_once = retrying(1)
    with pytest.raises(ClientError):
        client_once.create_hit(**hit_args())
    assert client.list_hits()["NumResults"] == 1


def test_after_and_when(fake: MTurkFake, client: Any) -> None:
    fake.faults.add(
        "CreateHIT",
        "RequestError",
        code="AWS.MechanicalTurk.X",
        after=1,
        when=lambda p: p["Title"] == "boom",
        times=None,
    )
    client.create_hit(**hit_args(Title="boom"))  # the first matching call passes
    client.create_hit(**hit_args(Title="fine"))
    with pytest.raises(client.exceptions.RequestError):
        client.create_hit(**hit_args(Title="boom"))
    with pytest.raises(client.exceptions.RequestError):
        client.create_hit(**hit_args(Title="boom"))
    assert client.list_hits()["NumResults"] == 2


def test_rate_limit_per_fake_second(fake: MTurkFake, client: Any) -> None:
    fake.faults.rate_limit(3, "GetAccountBalance")
    fake.clock.move_to(fake.clock.now().replace(microsecond=0))
    once = retrying(1)
    for _ in range(3):
        once.get_account_balance()
    with pytest.raises(ClientError) as exc:
        once.get_account_balance()
    assert error_of(exc)[0] == "ThrottlingException"
    once.list_hits()  # other operations have their own budget
    fake.clock.advance(seconds=1)
    once.get_account_balance()


def test_unfired_faults(fake: MTurkFake, client: Any) -> None:
    fault = fake.faults.add("DeleteHIT", required=True)
    with pytest.raises(AssertionError, match="never fired"):
        fake.faults.assert_all_fired()
    assert fake.faults.unfired == [fault]
    fake.faults.clear()
    fake.faults.assert_all_fired()


def test_marker_and_required_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3, pytest
        from botocore.config import Config

        def client():
            return boto3.client("mturk", region_name="us-east-1",
                                config=Config(retries={"total_max_attempts": 1}))

        @pytest.mark.mturk_fault("GetAccountBalance", "ServiceFault", times=1)
        def test_marker_injects(mturk):
            with pytest.raises(client().exceptions.ServiceFault):
                client().get_account_balance()
            assert client().get_account_balance()["AvailableBalance"] == "10000.00"

        @pytest.mark.mturk_fault("DeleteHIT", required=True)
        def test_required_fault_never_fired():
            client().get_account_balance()
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*injected fault(s) marked required never fired*", "*ServiceFault on DeleteHIT*"]
    )
