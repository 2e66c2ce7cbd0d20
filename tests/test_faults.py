"""Error injection, per HTTP attempt, through botocore's real retry handler; names the fake does
not know are refused at once, and a fault that never fired fails the test."""

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


def test_custom_kind_answers_any_aws_error_name_and_status(fake: MTurkFake, client: Any) -> None:
    fake.faults.add(
        "ListHITs", "Custom", type_name="AccessDeniedException", status=403, message="nope"
    )
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


def test_rate_limit_per_second_of_fake_time() -> None:
    with MTurkFake(freeze_time=True) as fake:
        fake.faults.rate_limit(3, "GetAccountBalance")
        once = retrying(1)
        for _ in range(3):
            once.get_account_balance()
        with pytest.raises(ClientError) as exc:
            once.get_account_balance()
        assert error_of(exc)[0] == "ThrottlingException"
        once.list_hits()  # other operations have their own budget
        fake.clock.advance(seconds=0.5)
        with pytest.raises(ClientError):  # the three are still within the last second
            once.get_account_balance()
        fake.clock.advance(seconds=0.5)
        once.get_account_balance()


def test_unfired_faults(fake: MTurkFake, client: Any) -> None:
    fault = fake.faults.add("DeleteHIT")
    optional = fake.faults.add("ListHITs", required=False)
    client.get_account_balance()
    with pytest.raises(AssertionError, match="never fired") as exc:
        fake.faults.assert_all_fired()
    assert "ServiceFault on DeleteHIT" in str(exc.value)
    assert "GetAccountBalance() -> ok [attempt 1]" in str(exc.value)  # the calls made
    assert fake.faults.unfired == [fault, optional]
    with pytest.raises(AssertionError) as exc:
        fake.check_faults_fired()  # required ones only
    assert "DeleteHIT" in str(exc.value) and "ListHITs" not in str(exc.value)
    fake.faults.clear()
    fake.faults.assert_all_fired()


# ----------------------------------------------------------------------------- the kinds, as
# botocore meets them (the README's table of fault kinds is this table)

KINDS: list[tuple[str, dict[str, Any], str, str | None, bool]] = [
    # kind, add() arguments, exception class, error code, retried by botocore
    ("ServiceFault", {}, "ServiceFault", "ServiceFault", True),
    ("ServiceFault", {"status": 503}, "ServiceFault", "ServiceFault", True),
    ("ThrottlingException", {}, "ClientError", "ThrottlingException", True),
    ("RequestError", {"code": "AWS.MechanicalTurk.X"}, "RequestError", "RequestError", False),
    ("ParameterValidationError", {}, "ClientError", "ParameterValidationError", False),
    ("ValidationException", {}, "ClientError", "ValidationException", False),
    (
        "Custom",
        {"type_name": "AccessDeniedException"},
        "ClientError",
        "AccessDeniedException",
        False,
    ),
    (
        "Custom",
        {"type_name": "InternalFailure", "status": 500},
        "ClientError",
        "InternalFailure",
        True,
    ),
    ("ConnectionRefused", {}, "EndpointConnectionError", None, True),
    ("ConnectionError", {}, "EndpointConnectionError", None, True),
    ("ReadTimeout", {}, "ReadTimeoutError", None, True),
    ("ConnectionClosed", {}, "ConnectionClosedError", None, True),
]


@pytest.mark.parametrize("mode", ["legacy", "standard"])
@pytest.mark.parametrize(
    ("kind", "arguments", "raised", "code", "retried"),
    KINDS,
    ids=[f"{k[0]}-{k[1].get('type_name') or k[1].get('status') or ''}" for k in KINDS],
)
def test_what_botocore_raises_for_each_fault_kind(
    fake: MTurkFake,
    mode: str,
    kind: str,
    arguments: dict[str, Any],
    raised: str,
    code: str | None,
    retried: bool,
) -> None:
    client = boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
    ).client(
        "mturk",
        region_name="us-east-1",
        endpoint_url=SANDBOX,
        config=Config(retries={"mode": mode, "total_max_attempts": 3}),
    )
    fake.faults.add("GetAccountBalance", kind, times=None, **arguments)
    with pytest.raises(Exception) as exc:
        client.get_account_balance()
    assert type(exc.value).__name__ == raised
    if code is None:
        assert not isinstance(exc.value, ClientError)
    else:
        assert isinstance(exc.value, ClientError) and error_of(exc)[0] == code
    assert [c.attempt for c in fake.calls] == ([1, 2, 3] if retried else [1])


# ----------------------------------------------------------------- names checked at once


def test_an_unknown_operation_is_refused_with_the_valid_names(fake: MTurkFake) -> None:
    with pytest.raises(ValueError, match="did you mean 'CreateHIT'") as exc:
        fake.faults.add("CreateHit")
    assert "ListHITs" in str(exc.value) and "SendBonus" in str(exc.value)  # the valid names
    with pytest.raises(ValueError, match="did you mean 'create_hit'"):
        fake.faults.add("create_hits")
    with pytest.raises(ValueError, match="unknown MTurk operation 'Frobnicate'"):
        fake.faults.add("Frobnicate")
    assert len(fake.faults) == 0


@pytest.mark.parametrize(
    ("kind", "suggested"),
    [
        ("Timeout", "ReadTimeout"),
        ("servicefault", "ServiceFault"),
        ("Throttling", "ThrottlingException"),
    ],
)
def test_an_unknown_fault_kind_is_refused_with_the_closest(
    fake: MTurkFake, kind: str, suggested: str
) -> None:
    with pytest.raises(ValueError, match=f"did you mean '{suggested}'") as exc:
        fake.faults.add("CreateHIT", kind)
    assert "ConnectionClosed" in str(exc.value) and "Custom" in str(exc.value)


def test_another_aws_error_name_is_refused_and_points_at_custom(fake: MTurkFake) -> None:
    with pytest.raises(ValueError) as exc:
        fake.faults.add("ListHITs", "AccessDeniedException", status=403)
    text = str(exc.value)
    assert "did you mean" not in text  # nothing is close: no misleading suggestion
    assert "type_name='AccessDeniedException'" in text


def test_boto3_method_names_mean_the_api_operation(fake: MTurkFake) -> None:
    client = retrying(1)
    fault = fake.faults.add("create_hit_with_hit_type", "RequestError", code="AWS.X")
    assert fault.operation == "CreateHITWithHITType"
    client.create_hit(**hit_args())  # another operation: untouched
    with pytest.raises(client.exceptions.RequestError):
        client.create_hit_with_hit_type(HITTypeId="3X", LifetimeInSeconds=60)
    assert fault.fired == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"error": "Custom"}, "needs type_name"),
        ({"error": "ServiceFault", "type_name": "X"}, "type_name goes with fault kind 'Custom'"),
        ({"error": "ThrottlingException", "code": "AWS.X"}, "code .* not 'ThrottlingException'"),
        ({"error": "ConnectionRefused", "status": 503}, "no message or status"),
        ({"error": "ServiceFault", "status": 200}, "HTTP error status"),
        ({"error": "ServiceFault", "times": 0}, "times must be at least 1"),
        ({"error": "ServiceFault", "after": -1}, "after must be"),
    ],
)
def test_misused_arguments_fail_at_once(
    fake: MTurkFake, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        fake.faults.add("GetHIT", **arguments)
    assert len(fake.faults) == 0


def test_rate_limit_checks_its_operation_and_takes_boto3_names(fake: MTurkFake) -> None:
    with pytest.raises(ValueError, match="did you mean 'ListHITs'"):
        fake.faults.rate_limit(5, "ListHits")
    with pytest.raises(ValueError, match="per_second"):
        fake.faults.rate_limit(0, "ListHITs")
    fake.faults.rate_limit(1, "list_hits")
    once = retrying(1)
    once.list_hits()
    with pytest.raises(ClientError) as exc:
        once.list_hits()
    assert error_of(exc)[0] == "ThrottlingException"


# -------------------------------------------------------------- a fault that never fired


def test_leaving_a_fake_checks_that_its_faults_fired() -> None:
    with pytest.raises(AssertionError, match="never fired") as exc:
        with MTurkFake() as fake:
            fake.faults.add("DeleteHIT")
            retrying(1).get_account_balance()
    assert "ServiceFault on DeleteHIT (fired 0 of 1)" in str(exc.value)
    assert "GetAccountBalance() -> ok" in str(exc.value)
    assert not fake.active  # stopped before the check
    with MTurkFake() as fake:  # required=False: may not fire
        fake.faults.add("DeleteHIT", required=False)
    with pytest.raises(KeyError), MTurkFake() as fake:  # the block's own error is what surfaces
        fake.faults.add("DeleteHIT")
        raise KeyError("the test's own failure")


def test_a_fault_that_never_fired_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
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

        @pytest.mark.mturk_fault("DeleteHIT")
        def test_marker_fault_never_fired():
            client().get_account_balance()

        def test_added_fault_never_fired(mturk):
            mturk.faults.add("ListHITs", "ThrottlingException")
            client().list_worker_blocks()

        @pytest.mark.mturk_fault("DeleteHIT", required=False)
        def test_optional_fault():
            client().get_account_balance()

        @pytest.mark.mturk_fault("DeleteHIT")
        def test_that_fails_on_its_own():
            assert False, "the real failure"

        @pytest.mark.mturk_fault("DeleteHIT")
        def test_that_skips_itself():
            pytest.skip("not today")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=4, failed=1, skipped=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_marker_fault_never_fired*",
            "*injected fault(s) never fired*",
            "*ServiceFault on DeleteHIT (fired 0 of 1)*",
            "*calls made:*",
            "*GetAccountBalance() -> ok [[]attempt 1[]]*",
            "*ERROR at teardown of test_added_fault_never_fired*",
            "*ThrottlingException on ListHITs*",
            "*ListWorkerBlocks() -> ok*",
        ]
    )
    # A test that failed (or skipped) is not buried under a second report about its faults.
    assert "ERROR at teardown of test_that_fails_on_its_own" not in result.stdout.str()
    assert "ERROR at teardown of test_that_skips_itself" not in result.stdout.str()


def test_a_marker_with_an_unknown_name_errors_at_setup(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mturk_fault("CreateHit", "ServiceFault")
        def test_typo_in_operation():
            pass

        @pytest.mark.mturk_fault("CreateHIT", "Timeout")
        def test_typo_in_kind():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*unknown MTurk operation 'CreateHit'; did you mean 'CreateHIT'?*",
            "*unknown fault kind 'Timeout'; did you mean 'ReadTimeout'?*",
        ]
    )
