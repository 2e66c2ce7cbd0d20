"""Input a user can send never yields a ServiceFault, and a failed call changes nothing.

One class of input per test, through real boto3 clients (``Config(parameter_validation=False)``
where botocore would refuse the value locally) and as raw JSON through ``protocol.handle`` where
botocore cannot send it at all (NaN, infinities, null structures, deep nesting). The
hypothesis test over every member of every operation is ``tests/reliability/test_boundaries.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from pytest_mturk import MTurkFake, protocol
from pytest_mturk.service import state
from tests.conftest import SANDBOX, TEST_FORM, error_of, hit_args
from tests.reliability.strategies import RawCapture, state_of

KEY = "AKIAPYTESTHOSTILE001"
AUTH = (
    f"AWS4-HMAC-SHA256 Credential={KEY}/20300101/us-east-1/mturk-requester/aws4_request, "
    "SignedHeaders=host, Signature=abc"
)
VE = "ValidationException"
PVE = "ParameterValidationError"
SE = "com.amazon.coral.service#SerializationException"


def make(validate: bool) -> Any:
    return boto3.session.Session(aws_access_key_id=KEY, aws_secret_access_key="s").client(
        "mturk",
        region_name="us-east-1",
        endpoint_url=SANDBOX,
        config=Config(retries={"total_max_attempts": 1}, parameter_validation=validate),
    )


@pytest.fixture
def checked() -> Any:
    """A client with botocore's own parameter validation (the ordinary client)."""
    return make(True)


@pytest.fixture
def unchecked() -> Any:
    """A client with ``parameter_validation=False``: botocore sends what it is given."""
    return make(False)


@pytest.fixture(autouse=True)
def no_internal_errors(fake: MTurkFake) -> Iterator[None]:
    yield
    assert not fake.internal_errors, fake.internal_errors


def raw(fake: MTurkFake, operation: str, body: bytes | str) -> tuple[int, dict[str, Any]]:
    headers = {"X-Amz-Target": protocol.TARGET_PREFIX + operation, "Authorization": AUTH}
    data = body.encode() if isinstance(body, str) else body
    status, payload, _ = protocol.handle(fake.backend, headers, data, protocol.HOSTS["sandbox"])
    return status, json.loads(payload)


def refused(fake: MTurkFake, call: Any, code: str) -> tuple[str, str, str | None]:
    """``call()`` fails with ``code`` and changes nothing; returns its (code, message,
    TurkErrorCode)."""
    before = state_of(fake)
    with pytest.raises(ClientError) as exc:
        call()
    assert error_of(exc)[0] == code, error_of(exc)
    assert state_of(fake) == before
    return error_of(exc)


def refused_raw(fake: MTurkFake, operation: str, body: str, family: str) -> dict[str, Any]:
    before = state_of(fake)
    status, answer = raw(fake, operation, body)
    assert (status, answer["__type"]) == (400, family), answer
    assert state_of(fake) == before
    return answer


def type_args(**overrides: Any) -> dict[str, Any]:
    """CreateHITType arguments that pass every rule."""
    args = {k: v for k, v in hit_args().items() if k not in ("Question", "LifetimeInSeconds")}
    args.pop("MaxAssignments")
    args.update(overrides)
    return args


def submitted(fake: MTurkFake, client: Any) -> tuple[str, str, str]:
    """(HIT id, assignment id, worker id) of work submitted and approved."""
    hit_id = client.create_hit(**hit_args())["HIT"]["HITId"]
    worker = fake.workers.create()
    assignment_id = worker.do(hit_id, {"answer": "x"})
    client.approve_assignment(AssignmentId=assignment_id)
    return hit_id, assignment_id, worker.worker_id


# ----------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    "amount",
    ["1" * 28, "9" * 26 + ".99", "9" * 40 + ".99", "1000000000000000", "1" * 5000 + ".5"],
)
def test_huge_amounts_that_pass_the_pattern_are_refused_in_every_money_member(
    fake: MTurkFake, checked: Any, amount: str
) -> None:
    """Regression: 28+ digits overflowed Decimal's quantisation (a ServiceFault). Sent through
    an ordinary boto3 client: the pattern ``^[0-9]+(\\.)?[0-9]{0,2}$`` allows them."""
    _, assignment_id, worker_id = submitted(fake, checked)
    for call, member in (
        (lambda: checked.create_hit(**hit_args(Reward=amount)), "Reward"),
        (lambda: checked.create_hit_type(**type_args(Reward=amount)), "Reward"),
        (
            lambda: checked.send_bonus(
                WorkerId=worker_id, BonusAmount=amount, AssignmentId=assignment_id, Reason="r"
            ),
            "BonusAmount",
        ),
    ):
        _, message, _ = refused(fake, call, PVE)
        assert message.startswith(f"The value {amount} is invalid for {member}.")
        assert "The amount must be less than $1000000000000000." in message


def test_the_largest_amount_and_leading_zeros_are_fine(fake: MTurkFake, checked: Any) -> None:
    hit = checked.create_hit(**hit_args(Reward="999999999999999.99"))["HIT"]
    assert hit["Reward"] == "999999999999999.99"
    hit = checked.create_hit(**hit_args(Reward="0" * 40 + "1.5"))["HIT"]
    assert hit["Reward"] == "1.50"


# ----------------------------------------------------------------------------- whole floats


def test_botocore_refuses_floats_in_integer_members_itself(checked: Any) -> None:
    with pytest.raises(ParamValidationError):
        checked.create_hit(**hit_args(MaxAssignments=2.0))


def test_whole_number_floats_are_integers_and_are_echoed_as_integers(
    fake: MTurkFake, unchecked: Any
) -> None:
    """Regression: ``MaxAssignments=2.0`` crashed the fee arithmetic (a ServiceFault), and
    ``AutoApprovalDelayInSeconds=60.0`` was stored and echoed as ``60.0``."""
    capture = RawCapture(unchecked)
    hit = unchecked.create_hit(
        **hit_args(
            MaxAssignments=2.0,
            AutoApprovalDelayInSeconds=60.0,
            LifetimeInSeconds=3600.0,
            AssignmentDurationInSeconds=600.0,
            QualificationRequirements=[
                {
                    "QualificationTypeId": "00000000000000000040",
                    "Comparator": "In",
                    "IntegerValues": [5.0, 7.0],
                }
            ],
        )
    )["HIT"]
    assert capture.body is not None
    echoed = json.loads(capture.body)["HIT"]
    for body in (hit, echoed):
        for key, value in (
            ("MaxAssignments", 2),
            ("AutoApprovalDelayInSeconds", 60),
            ("AssignmentDurationInSeconds", 600),
        ):
            assert body[key] == value and type(body[key]) is int, (key, body[key])
        values = body["QualificationRequirements"][0]["IntegerValues"]
        assert values == [5, 7] and all(type(v) is int for v in values)
    unchecked.create_additional_assignments_for_hit(
        HITId=hit["HITId"], NumberOfAdditionalAssignments=1.0
    )
    assert unchecked.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == 3
    page = unchecked.list_hits(MaxResults=1.0)
    assert page["NumResults"] == 1

    qt = unchecked.create_qualification_type(
        Name="floats",
        Description="d",
        QualificationTypeStatus="Active",
        RetryDelayInSeconds=10.0,
        AutoGranted=True,
        AutoGrantedValue=2.0,
    )["QualificationType"]
    echoed = json.loads(capture.body)["QualificationType"]
    for body in (qt, echoed):
        assert type(body["RetryDelayInSeconds"]) is int and type(body["AutoGrantedValue"]) is int
    qt = unchecked.update_qualification_type(
        QualificationTypeId=qt["QualificationTypeId"],
        AutoGranted=False,
        Test=TEST_FORM,
        TestDurationInSeconds=30.0,
    )["QualificationType"]
    assert type(json.loads(capture.body)["QualificationType"]["TestDurationInSeconds"]) is int
    worker = fake.workers.create()
    unchecked.associate_qualification_with_worker(
        QualificationTypeId=qt["QualificationTypeId"], WorkerId=worker.worker_id, IntegerValue=3.0
    )
    unchecked.get_qualification_score(
        QualificationTypeId=qt["QualificationTypeId"], WorkerId=worker.worker_id
    )
    assert json.loads(capture.body)["Qualification"]["IntegerValue"] == 3
    assert type(json.loads(capture.body)["Qualification"]["IntegerValue"]) is int
    request_id = worker.request_qualification(qt["QualificationTypeId"], {"q1": "a", "q2": "x"})
    assert request_id is not None
    unchecked.accept_qualification_request(QualificationRequestId=request_id, IntegerValue=9.0)
    assert worker.qualification_value(qt["QualificationTypeId"]) == 9


@pytest.mark.parametrize("value", [2.5, float("nan"), float("inf"), float("-inf")])
def test_fractions_nan_and_infinities_are_not_integers(
    fake: MTurkFake, unchecked: Any, value: float
) -> None:
    _, message, _ = refused(
        fake,
        lambda: unchecked.create_hit(**hit_args(MaxAssignments=value)),
        "SerializationException",
    )
    # 2.5 is no integer; NaN and infinities are not JSON at all (botocore writes them anyway).
    assert "'maxAssignments'" in message or "Non-standard token" in message


# ----------------------------------------------------------------------------- null in lists


def test_null_in_lists_of_values_is_refused_not_echoed(fake: MTurkFake, unchecked: Any) -> None:
    """Regression: ``IntegerValues=[None, 5]`` was accepted and echoed with its null."""
    hit_id, assignment_id, worker_id = submitted(fake, unchecked)
    requirement = {
        "QualificationTypeId": "00000000000000000040",
        "Comparator": "In",
        "IntegerValues": [None, 5],
    }
    cases = [
        (
            lambda: unchecked.create_hit(**hit_args(QualificationRequirements=[requirement])),
            "qualificationRequirements.1.member.integerValues.1.member",
        ),
        (
            lambda: unchecked.create_hit_type(**type_args(QualificationRequirements=[requirement])),
            "qualificationRequirements.1.member.integerValues.1.member",
        ),
        (
            lambda: unchecked.notify_workers(
                Subject="s", MessageText="m", WorkerIds=[worker_id, None]
            ),
            "workerIds.2.member",
        ),
        (
            lambda: unchecked.list_assignments_for_hit(
                HITId=hit_id, AssignmentStatuses=["Approved", None]
            ),
            "assignmentStatuses.2.member",
        ),
        (
            lambda: unchecked.list_review_policy_results_for_hit(HITId=hit_id, PolicyLevels=[None]),
            "policyLevels.1.member",
        ),
    ]
    for call, path in cases:
        _, message, _ = refused(fake, call, VE)
        assert message == (
            f"1 validation error detected: Value null at '{path}' failed to satisfy "
            "constraint: Member must not be null"
        )
    assert assignment_id


@pytest.mark.parametrize(
    ("operation", "body", "path"),
    [
        (
            "CreateHITType",
            {"QualificationRequirements": [None]},
            "qualificationRequirements.1.member",
        ),
        (
            "CreateHITType",
            {
                "QualificationRequirements": [
                    {
                        "QualificationTypeId": "00000000000000000071",
                        "Comparator": "In",
                        "LocaleValues": [{"Country": "US"}, None],
                    }
                ]
            },
            "qualificationRequirements.1.member.localeValues.2.member",
        ),
        (
            "CreateHIT",
            {
                "AssignmentReviewPolicy": {
                    "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
                    "Parameters": [None],
                }
            },
            "assignmentReviewPolicy.parameters.1.member",
        ),
        (
            "CreateHIT",
            {
                "AssignmentReviewPolicy": {
                    "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
                    "Parameters": [{"Key": "AnswerKey", "MapEntries": [None]}],
                }
            },
            "assignmentReviewPolicy.parameters.1.member.mapEntries.1.member",
        ),
        (
            "CreateHIT",
            {
                "HITReviewPolicy": {
                    "PolicyName": "SimplePlurality/2011-09-01",
                    "Parameters": [{"Key": "QuestionIds", "Values": ["q", None]}],
                }
            },
            "hITReviewPolicy.parameters.1.member.values.2.member",
        ),
        (
            "CreateHIT",
            {"Question": None, "HITLayoutId": "3LAYOUT", "HITLayoutParameters": [None]},
            "hITLayoutParameters.1.member",
        ),
    ],
)
def test_null_structures_in_lists_are_refused(
    fake: MTurkFake, operation: str, body: dict[str, Any], path: str
) -> None:
    """Regression: ``[null]`` among requirements or locale values crashed the handler. botocore
    cannot serialize these (it fails locally), so they come as raw JSON (the HTTP server)."""
    base = type_args() if operation == "CreateHITType" else hit_args()
    params = {k: v for k, v in {**base, **body}.items() if v is not None}
    answer = refused_raw(
        fake, operation, json.dumps(params), "com.amazon.coral.validate#ValidationException"
    )
    assert (
        f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
        in (answer["message"])
    )


# ----------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_nan_and_infinite_timestamps_are_serialization_errors(
    fake: MTurkFake, checked: Any, token: str
) -> None:
    """Regression: ``ExpireAt: NaN`` (and friends) crashed time arithmetic. Not JSON: only raw
    clients send them (botocore cannot turn NaN into a datetime)."""
    hit_id = checked.create_hit(**hit_args())["HIT"]["HITId"]
    refused_raw(fake, "UpdateExpirationForHIT", f'{{"HITId": "{hit_id}", "ExpireAt": {token}}}', SE)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_anywhere_in_a_body_is_a_serialization_error(fake: MTurkFake, token: str) -> None:
    body = json.dumps(hit_args()).replace('"MaxAssignments": 1', f'"MaxAssignments": {token}')
    answer = refused_raw(fake, "CreateHIT", body, SE)
    assert token.lstrip("-") in answer["message"] or "integer" in answer["message"]


def test_timestamps_outside_the_calendar(fake: MTurkFake, checked: Any) -> None:
    """Regression: ExpireAt of 1e300 or -1e300 seconds overflowed ``time.gmtime`` (a
    ServiceFault). Far past expires the HIT, as any past time; far future is an extension of
    more than a year."""
    hit_id = checked.create_hit(**hit_args())["HIT"]["HITId"]
    body = f'{{"HITId": "{hit_id}", "ExpireAt": 1e300}}'
    answer = refused_raw(fake, "UpdateExpirationForHIT", body, "ParameterValidationError")
    assert answer["Parameter"] == "ExpirationIncrementInSeconds"
    for stamp in ("-1e300", "-62135596801"):  # 1e300 s before 1970; the year 0
        other = checked.create_hit(**hit_args())["HIT"]["HITId"]
        body = f'{{"HITId": "{other}", "ExpireAt": {stamp}}}'
        status, _ = raw(fake, "UpdateExpirationForHIT", body)
        assert status == 200
        assert checked.get_hit(HITId=other)["HIT"]["HITStatus"] == "Reviewable"
        # The repeat is refused with the idempotency message naming the date.
        status, answer = raw(fake, "UpdateExpirationForHIT", body)
        assert status == 400 and "has already been processed" in answer["Message"]


# ----------------------------------------------------------------------------- nesting


@pytest.mark.parametrize("depth", [33, 5_000, 100_000])
def test_deeply_nested_json_is_a_serialization_error(fake: MTurkFake, depth: int) -> None:
    """Regression: a RecursionError in the parser became a ServiceFault."""
    for nested in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        answer = refused_raw(fake, "CreateHIT", '{"Question": ' + nested + "}", SE)
        assert "nested too deeply" in answer["message"]


def test_nesting_as_deep_as_mturk_inputs_go_is_read(fake: MTurkFake, checked: Any) -> None:
    """A HITReviewPolicy's MapEntries values are MTurk's deepest input (6 levels): accepted,
    and so is anything up to the limit of 32."""
    policy = {
        "PolicyName": "SimplePlurality/2011-09-01",
        "Parameters": [
            {"Key": "QuestionIds", "Values": ["q"]},
            {"Key": "QuestionAgreementThreshold", "Values": ["50"]},
        ],
    }
    checked.create_hit(**hit_args(HITReviewPolicy=policy))


def test_members_the_model_does_not_have_are_not_kept(fake: MTurkFake, checked: Any) -> None:
    """Regression: a review policy carrying an unknown member (deep JSON, say) was stored as
    given, and the state could no longer be dumped."""
    params = hit_args(
        HITReviewPolicy={
            "PolicyName": "SimplePlurality/2011-09-01",
            "Parameters": [
                {"Key": "QuestionIds", "Values": ["q"], "MapEntries": [{"Deep": [[[[1]]]]}]},
                {"Key": "QuestionAgreementThreshold", "Values": ["50"]},
            ],
            "Extra": {"a": {"a": {"a": 1}}},
        },
        Extra=[1, 2],
    )
    status, answer = raw(fake, "CreateHIT", json.dumps(params))
    assert status == 200, answer
    hit = fake.service.hits_by_id[answer["HIT"]["HITId"]]
    assert hit.hit_review_policy == {
        "PolicyName": "SimplePlurality/2011-09-01",
        "Parameters": [
            {"Key": "QuestionIds", "Values": ["q"], "MapEntries": [{}]},
            {"Key": "QuestionAgreementThreshold", "Values": ["50"]},
        ],
    }
    json.dumps(fake.dump_state())


# ----------------------------------------------------------------------------- rollback


def test_a_first_call_that_crashes_changes_nothing(
    fake: MTurkFake, checked: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a requester's first world was taken back only on an MTurk error; a bug of
    the fake (answered as a ServiceFault) left the world and its ids behind."""
    fake.service.world("sandbox", True, "AKIAPYTESTSOMEONE001")  # the environment exists
    before = state_of(fake)

    def crash(svc: Any, world: Any, params: Any) -> Any:
        svc.new_id()  # draws an id, as a handler would before failing
        raise RuntimeError("a bug of the fake")

    monkeypatch.setitem(state.OPERATIONS, "GetAccountBalance", crash)
    with pytest.raises(checked.exceptions.ServiceFault):
        checked.get_account_balance()
    assert state_of(fake) == before
    assert [type(e) for e in fake.internal_errors] == [RuntimeError]
    fake.internal_errors.clear()
    monkeypatch.undo()
    assert checked.get_account_balance()["AvailableBalance"] == "10000.00"
