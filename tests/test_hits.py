"""HIT types and HITs through a real boto3 client: every rule, error family and shape."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pytest_mturk import MTurkFake
from tests.conftest import EXTERNAL_Q, FORM_Q, HTML_Q, SANDBOX, error_of, hit_args

RECORDED = Path(__file__).resolve().parent / "data" / "recorded"
TS_MS = r"\(\d{13}( s)?\)$"


def create(client: Any, **overrides: Any) -> dict[str, Any]:
    return client.create_hit(**hit_args(**overrides))["HIT"]


# ----------------------------------------------------------------------------- shapes


def test_create_hit_shape_matches_the_recorded_sandbox_capture(client: Any) -> None:
    recorded = json.loads((RECORDED / "sandbox-2019-create_hit_with_hit_type.json").read_text())
    rec_hit = recorded["HIT"]
    reqs = [
        {k: v for k, v in r.items() if k not in ("ActionsGuarded", "RequiredToPreview")}
        for r in rec_hit["QualificationRequirements"]
    ]
    type_id = client.create_hit_type(
        Title=rec_hit["Title"],
        Description=rec_hit["Description"],
        Keywords=rec_hit["Keywords"],
        Reward=rec_hit["Reward"],
        AssignmentDurationInSeconds=rec_hit["AssignmentDurationInSeconds"],
        QualificationRequirements=reqs,
    )["HITTypeId"]
    hit = client.create_hit_with_hit_type(
        HITTypeId=type_id, LifetimeInSeconds=86400, Question=rec_hit["Question"]
    )["HIT"]
    assert set(hit) == set(rec_hit)  # 19 keys, no RequesterAnnotation
    assert hit["QualificationRequirements"] == rec_hit["QualificationRequirements"]
    for key in ("HITStatus", "HITReviewStatus", "Reward", "AutoApprovalDelayInSeconds"):
        assert hit[key] == rec_hit[key]
    assert hit["Expiration"] - hit["CreationTime"] == timedelta(days=1)
    assert hit["HITGroupId"] != hit["HITTypeId"]
    for key in ("HITId", "HITTypeId", "HITGroupId"):
        assert len(hit[key]) == 30 and hit[key].isupper() and hit[key].isalnum()
    assert isinstance(hit["CreationTime"], datetime) and hit["CreationTime"].tzinfo is not None


def test_responses_are_compact_json_as_the_real_capture(fake: MTurkFake) -> None:
    """Regression: bodies were written with a space after every ``:`` and ``,``. AWS sends
    compact JSON: the real 2019 sandbox capture of CreateHITType is 46 bytes for one id."""
    from tests.reliability.strategies import RawCapture, make_client

    recorded = json.loads((RECORDED / "sandbox-2019-create_hit_type.json").read_text())
    length = int(recorded["ResponseMetadata"]["HTTPHeaders"]["content-length"])
    client = make_client("AKIAPYTESTCOMPACT001", SANDBOX)  # its own: a capture stays with it
    capture = RawCapture(client)

    def body() -> bytes:
        assert capture.body is not None
        return capture.body

    response = client.create_hit_type(
        Title="t", Description="d", Reward="0.50", AssignmentDurationInSeconds=600
    )
    assert body() == b'{"HITTypeId":"' + response["HITTypeId"].encode() + b'"}'
    assert len(body()) == length == 46
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-length"] == "46"

    def compact(raw: bytes | None) -> bool:
        assert raw is not None
        return json.dumps(json.loads(raw), separators=(",", ":")).encode() == raw

    # Every way a body is written: the protocol's encoder (CreateHIT), the cached HIT bytes
    # (GetHIT), a page of them (ListHITs), pages of dicts, and each error envelope.
    hit = create(client, MaxAssignments=2)
    assert compact(capture.body)
    client.get_hit(HITId=hit["HITId"])
    assert compact(capture.body) and body().startswith(b'{"HIT":{"HITId":')
    client.list_hits(MaxResults=5)
    assert compact(capture.body) and b'"NextToken":' in body()
    assert b'"HITs":[{' in body()
    fake.workers.create().do(hit["HITId"], {"answer": "x"})
    client.list_assignments_for_hit(HITId=hit["HITId"])
    assert compact(capture.body)
    for call in (
        lambda: client.get_hit(HITId="3NOSUCHHIT0000000000000000000X"),  # RequestError
        lambda: client.create_hit(**hit_args(LifetimeInSeconds=1)),  # ParameterValidationError
        lambda: client.create_hit(**hit_args(Reward="0.123")),  # ValidationException
    ):
        with pytest.raises(ClientError):
            call()
        assert compact(capture.body) and body().startswith(b'{"__type":"')
    fake.faults.add("GetHIT", "ServiceFault", times=None)
    with pytest.raises(ClientError):
        client.get_hit(HITId=hit["HITId"])
    assert compact(capture.body)


def test_create_response_and_get_hit_agree_field_for_field(client: Any) -> None:
    hit = create(client, Keywords="a, b", RequesterAnnotation="batch-7")
    assert client.get_hit(HITId=hit["HITId"])["HIT"] == hit
    assert hit["RequesterAnnotation"] == "batch-7"
    assert hit["Keywords"] == "a, b"


def test_new_hit_counters_and_status(client: Any) -> None:
    hit = create(client, MaxAssignments=3)
    assert hit["HITStatus"] == "Assignable"
    assert hit["HITReviewStatus"] == "NotReviewed"
    assert (
        hit["NumberOfAssignmentsAvailable"],
        hit["NumberOfAssignmentsPending"],
        hit["NumberOfAssignmentsCompleted"],
    ) == (3, 0, 0)


def test_defaults_max_assignments_and_auto_approval(client: Any) -> None:
    hit = create(client, MaxAssignments=None)
    assert hit["MaxAssignments"] == 1
    assert hit["AutoApprovalDelayInSeconds"] == 2592000


def test_response_carries_request_id(client: Any) -> None:
    response = client.get_account_balance()
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-requestid"] == response["ResponseMetadata"]["RequestId"]
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert headers["date"].endswith(" GMT")  # as in the recorded captures


def test_no_output_operations_return_only_response_metadata(client: Any) -> None:
    hit = create(client)
    response = client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    assert list(response) == ["ResponseMetadata"]


# ----------------------------------------------------------------------------- HIT types


def test_identical_properties_reuse_the_hit_type(client: Any) -> None:
    props = dict(
        Title="t", Description="d", Reward="0.10", AssignmentDurationInSeconds=60, Keywords="k"
    )
    first = client.create_hit_type(**props)["HITTypeId"]
    assert client.create_hit_type(**props)["HITTypeId"] == first
    assert client.create_hit_type(**{**props, "Reward": "0.11"})["HITTypeId"] != first
    hit = create(
        client,
        Title="t",
        Description="d",
        Reward="0.10",
        AssignmentDurationInSeconds=60,
        Keywords="k",
        AutoApprovalDelayInSeconds=2592000,
    )
    assert hit["HITTypeId"] == first


def test_create_hit_with_hit_type_takes_the_type_fields(client: Any) -> None:
    type_id = client.create_hit_type(
        Title="typed",
        Description="desc",
        Reward="1.00",
        AssignmentDurationInSeconds=120,
        AutoApprovalDelayInSeconds=0,
    )["HITTypeId"]
    hit = client.create_hit_with_hit_type(
        HITTypeId=type_id, LifetimeInSeconds=60, Question=EXTERNAL_Q, MaxAssignments=2
    )["HIT"]
    assert (hit["Title"], hit["Reward"], hit["AutoApprovalDelayInSeconds"]) == ("typed", "1.00", 0)
    assert "Keywords" not in hit


def test_unknown_hit_type(client: Any) -> None:
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.create_hit_with_hit_type(
            HITTypeId="3ABCDEFGHIJKLMNOPQRSTUVWXYZ012", LifetimeInSeconds=60, Question=EXTERNAL_Q
        )
    assert "does not exist" in error_of(exc)[1]


def test_requirements_are_echoed_with_defaults(client: Any) -> None:
    hit = create(
        client,
        QualificationRequirements=[
            {
                "QualificationTypeId": "000000000000000000L0",
                "Comparator": "GreaterThanOrEqualTo",
                "IntegerValues": [95],
            },
            {
                "QualificationTypeId": "00000000000000000071",
                "Comparator": "In",
                "LocaleValues": [{"Country": "US"}, {"Country": "CA"}],
                "ActionsGuarded": "DiscoverPreviewAndAccept",
            },
            {
                "QualificationTypeId": "00000000000000000040",
                "Comparator": "GreaterThan",
                "IntegerValues": [10],
                "RequiredToPreview": True,
            },
        ],
    )
    reqs = hit["QualificationRequirements"]
    assert reqs[0]["ActionsGuarded"] == "Accept" and reqs[0]["RequiredToPreview"] is False
    assert reqs[1]["ActionsGuarded"] == "DiscoverPreviewAndAccept"
    assert reqs[2]["ActionsGuarded"] == "PreviewAndAccept" and reqs[2]["RequiredToPreview"] is True


def test_unknown_qualification_type_in_requirements(client: Any) -> None:
    with pytest.raises(client.exceptions.RequestError) as exc:
        create(
            client,
            QualificationRequirements=[
                {"QualificationTypeId": "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH", "Comparator": "Exists"}
            ],
        )  # production Masters id in the sandbox (breadboard#204)
    code, message, turk = error_of(exc)
    assert message.startswith("QualificationType [2F1QJWKUDD8XADTFD2Q0G6UTO95ALH] does not exist.")
    assert turk == "AWS.MechanicalTurk.QualificationTypeDoesNotExist"


def test_more_than_ten_requirements_refused(client: Any) -> None:
    reqs = [
        {
            "QualificationTypeId": "00000000000000000040",
            "Comparator": "GreaterThan",
            "IntegerValues": [i],
        }
        for i in range(11)
    ]
    with pytest.raises(ClientError) as exc:
        create(client, QualificationRequirements=reqs)
    assert error_of(exc)[0] == "ParameterValidationError"


@pytest.mark.parametrize(
    "req",
    [
        {
            "QualificationTypeId": "00000000000000000071",
            "Comparator": "EqualTo",
            "IntegerValues": [1],
        },
        {
            "QualificationTypeId": "00000000000000000040",
            "Comparator": "EqualTo",
            "LocaleValues": [{"Country": "US"}],
        },
        {
            "QualificationTypeId": "00000000000000000040",
            "Comparator": "Exists",
            "IntegerValues": [1],
        },
        {
            "QualificationTypeId": "00000000000000000040",
            "Comparator": "In",
            "IntegerValues": list(range(16)),
        },
        {
            "QualificationTypeId": "00000000000000000071",
            "Comparator": "GreaterThan",
            "LocaleValues": [{"Country": "US"}],
        },
        {
            "QualificationTypeId": "00000000000000000040",
            "Comparator": "EqualTo",
            "IntegerValues": [1],
            "RequiredToPreview": True,
            "ActionsGuarded": "Accept",
        },
    ],
)
def test_malformed_requirements_are_refused(client: Any, req: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        create(client, QualificationRequirements=[req])
    assert error_of(exc)[0] == "ParameterValidationError"
    assert client.list_hits()["NumResults"] == 0


# ----------------------------------------------------------------------------- ranges


@pytest.mark.parametrize(
    ("field", "value", "name", "lo", "hi"),
    [
        ("LifetimeInSeconds", 29, "LifetimeInSeconds", 30, 31536000),
        ("LifetimeInSeconds", 31536001, "LifetimeInSeconds", 30, 31536000),
        ("AssignmentDurationInSeconds", 29, "AssignmentDurationInSeconds", 30, 31536000),
        ("AutoApprovalDelayInSeconds", 2592001, "AutoApprovalDelayInSeconds", 0, 2592000),
        ("MaxAssignments", 1000000001, "MaxAssignments", 1, 1000000000),
    ],
)
def test_ranges_give_parameter_validation_errors(
    client: Any, field: str, value: int, name: str, lo: int, hi: int
) -> None:
    with pytest.raises(ClientError) as exc:
        create(client, **{field: value})
    code, message, _ = error_of(exc)
    assert code == "ParameterValidationError"
    assert message.startswith(
        f"The value {value} is invalid for {name}. Valid values range from {lo} to {hi}."
    )
    assert exc.value.response["Error"]["Code"] != "RequestError"
    assert not isinstance(exc.value, client.exceptions.RequestError)


def test_lifetime_34_seconds_and_zero_auto_approval_are_fine(client: Any) -> None:
    hit = create(client, LifetimeInSeconds=34, AutoApprovalDelayInSeconds=0)
    assert hit["AutoApprovalDelayInSeconds"] == 0


@pytest.mark.parametrize(
    ("field", "limit"),
    [("Title", 128), ("Description", 2000), ("Keywords", 1000), ("RequesterAnnotation", 255)],
)
def test_length_limits(client: Any, field: str, limit: int) -> None:
    create(client, **{field: "x" * limit})
    with pytest.raises(ClientError) as exc:
        create(client, **{field: "x" * (limit + 1)})
    assert error_of(exc)[0] == "ParameterValidationError"


def test_reward_pattern_is_a_coral_validation_exception(client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        create(client, Reward="0.555")
    code, message, turk = error_of(exc)
    assert code == "ValidationException"
    assert message == (
        "1 validation error detected: Value '0.555' at 'reward' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^[0-9]+(\\.)?[0-9]{0,2}$"
    )
    assert turk is None


def test_reward_must_be_at_least_a_cent(client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        create(client, Reward="0.00")
    assert error_of(exc)[0] == "ParameterValidationError"
    assert create(client, Reward="2.0")["Reward"] == "2.00"


def test_several_coral_problems_are_counted(client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client.create_hit_type(
            Title="t",
            Description="d",
            Reward="x",
            AssignmentDurationInSeconds=60,
            QualificationRequirements=[
                {"QualificationTypeId": "00000000000000000040", "Comparator": "Bogus"}
            ],
        )
    message = error_of(exc)[1]
    assert message.startswith("2 validation errors detected: ")
    assert "Value 'Bogus' at 'qualificationRequirements.1.member.comparator'" in message
    assert "Member must satisfy enum value set: [LessThan, " in message


# ----------------------------------------------------------------------------- questions


@pytest.mark.parametrize("question", [EXTERNAL_Q, FORM_Q, HTML_Q])
def test_three_question_types_are_accepted(client: Any, question: str) -> None:
    assert create(client, Question=question)["Question"] == question


@pytest.mark.parametrize(
    "question",
    [
        "<ExternalQuestion><ExternalURL>https://x</ExternalURL>",  # not well-formed
        "<Foo xmlns='urn:x'/>",
        EXTERNAL_Q.replace("2006-07-14", "2005-10-01"),  # wrong namespace
        EXTERNAL_Q.replace("https://", "http://"),
    ],
)
def test_bad_question_xml(client: Any, question: str) -> None:
    with pytest.raises(ClientError) as exc:
        create(client, Question=question)
    code, message, _ = error_of(exc)
    assert code == "ParameterValidationError"
    assert message.startswith(
        "There was an error parsing the XML question or answer data in your request.  Please "
        "make sure the data is well-formed and validates against the appropriate schema. Details: "
    )
    assert exc.value.response["Error"]["Message"] != ""


def test_question_size_limit(client: Any) -> None:
    pad = "x" * 65_535
    big = HTML_Q.replace("<textarea", f"<p>{pad}</p><textarea")
    with pytest.raises(ClientError) as exc:
        create(client, Question=big)
    assert error_of(exc)[0] == "ParameterValidationError"


def test_exactly_one_of_question_and_layout(client: Any, fake: MTurkFake) -> None:
    with pytest.raises(ClientError):
        create(client, Question=None)
    fake.register_hit_layout(
        "3LAYOUT000000000000000000000000",
        EXTERNAL_Q.replace("https://example.org/task?x=1", "https://example.org/${page}"),
    )
    with pytest.raises(ClientError):
        create(client, HITLayoutId="3LAYOUT000000000000000000000000")  # both given
    hit = create(
        client,
        Question=None,
        HITLayoutId="3LAYOUT000000000000000000000000",
        HITLayoutParameters=[{"Name": "page", "Value": "p1"}],
    )
    assert hit["HITLayoutId"] == "3LAYOUT000000000000000000000000"
    assert "https://example.org/p1" in hit["Question"]
    with pytest.raises(client.exceptions.RequestError) as exc:
        create(client, Question=None, HITLayoutId="3NOSUCHLAYOUT")
    assert error_of(exc)[2] == "AWS.MechanicalTurk.HITLayoutDoesNotExist"


# ----------------------------------------------------------------------------- tokens


def test_unique_request_token_repeat_names_the_hit(client: Any, fake: MTurkFake) -> None:
    first = create(client, UniqueRequestToken="tok-1")
    with pytest.raises(client.exceptions.RequestError) as exc:
        create(client, UniqueRequestToken="tok-1")
    code, message, turk = error_of(exc)
    assert turk == "AWS.MechanicalTurk.HitAlreadyExists"
    assert first["HITId"] in message
    assert client.list_hits()["NumResults"] == 1
    fake.clock.advance(hours=24, seconds=1)
    assert create(client, UniqueRequestToken="tok-1")["HITId"] != first["HITId"]


def test_token_longer_than_64_is_refused(client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        create(client, UniqueRequestToken="t" * 65)
    assert error_of(exc)[0] == "ValidationException"


# ----------------------------------------------------------------------------- errors


def test_unknown_hit_real_message(client: Any) -> None:
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.get_hit(HITId="3PR3LXCWSFNV4OJWZBHIMQOIJVSX9G")
    code, message, turk = error_of(exc)
    assert code == "RequestError" and turk == "AWS.MechanicalTurk.HITDoesNotExist"
    assert message.startswith("Hit 3PR3LXCWSFNV4OJWZBHIMQOIJVSX9G does not exist. (")
    import re

    assert re.search(TS_MS, message)


def test_other_requesters_hits_do_not_exist(client: Any, fake: MTurkFake) -> None:
    import boto3

    hit = create(client)
    other = boto3.session.Session(
        aws_access_key_id="AKIAOTHERREQUESTER00", aws_secret_access_key="s"
    ).client(
        "mturk",
        region_name="us-east-1",
        endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com",
    )
    with pytest.raises(other.exceptions.RequestError):
        other.get_hit(HITId=hit["HITId"])
    assert other.list_hits()["NumResults"] == 0


# ----------------------------------------------------------------------------- expiry


def test_expire_with_zero_makes_an_untouched_hit_reviewable(client: Any) -> None:
    hit = create(client, MaxAssignments=3)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert got["HITStatus"] == "Reviewable"
    # Unclaimed slots stay in Available after expiry (Mephisto reads that as "expired").
    assert got["NumberOfAssignmentsAvailable"] == 3
    assert got["Expiration"] <= datetime.now(timezone.utc) + timedelta(seconds=1)


def test_available_can_be_zeroed_after_expiry(client: Any, fake: MTurkFake) -> None:
    fake.options.keep_available_after_expiry = False
    hit = create(client, MaxAssignments=3)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["NumberOfAssignmentsAvailable"] == 0


@pytest.mark.parametrize(
    "expire_at",
    [datetime(2015, 1, 1), datetime(2015, 1, 1, tzinfo=timezone.utc), 0],
)
def test_past_expiry_values(client: Any, expire_at: Any) -> None:
    hit = create(client)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=expire_at)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewable"


def test_repeating_the_same_expiry_is_refused_with_the_idempotency_message(client: Any) -> None:
    hit = create(client)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime(2015, 1, 1))
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime(2015, 1, 1))
    assert error_of(exc)[1].startswith(
        f'The idempotency token "{hit["HITId"]}Thu Jan 01 00:00:00 UTC 2015" has already been '
        "processed. ("
    )


def test_extension_rules(client: Any) -> None:
    hit = create(client, LifetimeInSeconds=3600)
    exp = hit["Expiration"]
    later = exp + timedelta(minutes=15)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=later)
    got = client.get_hit(HITId=hit["HITId"])["HIT"]["Expiration"]
    # What botocore sent: older botocore (before 1.31) serializes whole seconds only.
    assert got == later or got.timestamp() == int(later.timestamp())
    with pytest.raises(ClientError) as exc:  # shortening
        client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=exp + timedelta(minutes=5))
    code, message, _ = error_of(exc)
    assert code == "ParameterValidationError"
    assert message.startswith(
        "The value -600 is invalid for ExpirationIncrementInSeconds. "
        "Valid values range from 60 to 31536000."
    )
    with pytest.raises(ClientError):  # less than a minute more
        client.update_expiration_for_hit(
            HITId=hit["HITId"], ExpireAt=exp + timedelta(minutes=15, seconds=30)
        )


def test_extension_makes_an_expired_hit_assignable_again(client: Any, fake: MTurkFake) -> None:
    hit = create(client, LifetimeInSeconds=60)
    fake.clock.advance(minutes=2)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewable"
    client.update_expiration_for_hit(
        HITId=hit["HITId"], ExpireAt=fake.clock.now() + timedelta(hours=1)
    )
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert got["HITStatus"] == "Assignable"
    w = fake.workers.create()
    w.accept(hit["HITId"])


def test_lifetime_expiry_changes_status_lazily(client: Any, fake: MTurkFake) -> None:
    hit = create(client, LifetimeInSeconds=120)
    fake.clock.advance(seconds=119)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Assignable"
    fake.clock.advance(seconds=1)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewable"


# ----------------------------------------------------------------------------- review status


def test_update_hit_review_status(client: Any) -> None:
    hit = create(client)
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.update_hit_review_status(HITId=hit["HITId"])
    assert "currently in the state 'Assignable'" in error_of(exc)[1]
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    client.update_hit_review_status(HITId=hit["HITId"])
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewing"
    assert client.list_reviewable_hits(Status="Reviewing")["NumResults"] == 1
    assert client.list_reviewable_hits()["NumResults"] == 0
    client.update_hit_review_status(HITId=hit["HITId"], Revert=True)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewable"
    with pytest.raises(client.exceptions.RequestError):
        client.update_hit_review_status(HITId=hit["HITId"], Revert=True)


def test_list_reviewable_hits_by_type(client: Any) -> None:
    a = create(client, Title="A")
    b = create(client, Title="B")
    for h in (a, b):
        client.update_expiration_for_hit(HITId=h["HITId"], ExpireAt=0)
    listed = client.list_reviewable_hits(HITTypeId=a["HITTypeId"])["HITs"]
    assert [h["HITId"] for h in listed] == [a["HITId"]]
    assert client.list_reviewable_hits()["NumResults"] == 2


def test_update_hit_type_of_hit(client: Any) -> None:
    hit = create(client)
    new_type = client.create_hit_type(
        Title="Renamed", Description="new", Reward="0.75", AssignmentDurationInSeconds=900
    )["HITTypeId"]
    client.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=new_type)
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (got["HITTypeId"], got["Title"], got["Reward"]) == (new_type, "Renamed", "0.75")
    assert got["AssignmentDurationInSeconds"] == 900


# ----------------------------------------------------------------------------- more assignments


def test_additional_assignments(client: Any, fake: MTurkFake) -> None:
    hit = create(client, MaxAssignments=2)
    w = fake.workers.create()
    w.do(hit["HITId"])
    w2 = fake.workers.create()
    w2.do(hit["HITId"])
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewable"
    client.create_additional_assignments_for_hit(
        HITId=hit["HITId"], NumberOfAdditionalAssignments=3
    )
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (got["MaxAssignments"], got["NumberOfAssignmentsAvailable"], got["HITStatus"]) == (
        5,
        3,
        "Assignable",
    )


def test_additional_assignments_zero_is_the_real_pve(client: Any) -> None:
    hit = create(client)
    with pytest.raises(ClientError) as exc:
        client.create_additional_assignments_for_hit(
            HITId=hit["HITId"], NumberOfAdditionalAssignments=0
        )
    # botocore checks no minimum here; the server's answer is the recorded one (aws-elixir#3).
    body = exc.value.response
    assert body["Error"]["Code"] == "ParameterValidationError"
    assert body["Error"]["Message"].startswith(
        "The value 0 is invalid for MaxAssignmentIncrement. Valid values range from 1 to "
        "1000000000. ("
    )


def test_below_ten_cannot_reach_ten(client: Any) -> None:
    hit = create(client, MaxAssignments=9)
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.create_additional_assignments_for_hit(
            HITId=hit["HITId"], NumberOfAdditionalAssignments=1
        )
    assert error_of(exc)[2] == "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease"
    big = create(client, MaxAssignments=10)
    client.create_additional_assignments_for_hit(
        HITId=big["HITId"], NumberOfAdditionalAssignments=5
    )
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == 9


def test_additional_assignments_token(client: Any) -> None:
    hit = create(client)
    client.create_additional_assignments_for_hit(
        HITId=hit["HITId"], NumberOfAdditionalAssignments=1, UniqueRequestToken="x1"
    )
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.create_additional_assignments_for_hit(
            HITId=hit["HITId"], NumberOfAdditionalAssignments=1, UniqueRequestToken="x1"
        )
    assert 'The idempotency token "x1" has already been processed.' in error_of(exc)[1]
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == 2


def test_additional_assignments_on_expired_hit_stay_hidden(client: Any, fake: MTurkFake) -> None:
    hit = create(client)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    client.create_additional_assignments_for_hit(
        HITId=hit["HITId"], NumberOfAdditionalAssignments=1
    )
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert got["HITStatus"] == "Reviewable" and got["NumberOfAssignmentsAvailable"] == 2


# ----------------------------------------------------------------------------- delete


def test_delete_hit_rules_and_real_messages(client: Any, fake: MTurkFake) -> None:
    hit = create(client)
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.delete_hit(HITId=hit["HITId"])
    code, message, turk = error_of(exc)
    assert message.startswith(
        "This HIT is currently in the state 'Assignable'.  This operation can be called with a "
        "status of: Reviewing, Reviewable ("
    )
    assert turk == "AWS.MechanicalTurk.InvalidHITState"
    w = fake.workers.create()
    a = w.do(hit["HITId"])
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.delete_hit(HITId=hit["HITId"])  # Reviewable, but work awaits review (boto3#2107)
    assert "currently in the state 'Reviewable'." in error_of(exc)[1]
    client.approve_assignment(AssignmentId=a)
    client.delete_hit(HITId=hit["HITId"])
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Disposed"
    assert client.list_hits()["NumResults"] == 0
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.delete_hit(HITId=hit["HITId"])
    assert "currently in the state 'Disposed'" in error_of(exc)[1]


def test_delete_expired_untouched_hit(client: Any) -> None:
    hit = create(client)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    client.delete_hit(HITId=hit["HITId"])
    assert client.list_reviewable_hits()["NumResults"] == 0


# ----------------------------------------------------------------------------- pagination


def test_list_hits_pagination(client: Any) -> None:
    ids = [create(client, RequesterAnnotation=str(i))["HITId"] for i in range(23)]
    first = client.list_hits()
    assert first["NumResults"] == 10 and "NextToken" in first
    seen, tokens, page = [], set(), first
    while page["HITs"]:
        seen += [h["HITId"] for h in page["HITs"]]
        assert page["NextToken"] not in tokens
        tokens.add(page["NextToken"])
        page = client.list_hits(NextToken=page["NextToken"], MaxResults=7)
    assert "NextToken" not in page and page["NumResults"] == 0
    assert seen == ids  # creation order, each exactly once
    again = client.list_hits()
    assert again["NextToken"] != first["NextToken"]  # never the same token twice


def test_paginator_walks_every_hit_once(client: Any) -> None:
    ids = {create(client)["HITId"] for _ in range(25)}
    walked = [
        h["HITId"]
        for page in client.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 4})
        for h in page["HITs"]
    ]
    assert sorted(walked) == sorted(ids) and len(walked) == 25


def test_pagination_survives_deletion_between_pages(client: Any) -> None:
    hits = [create(client) for _ in range(6)]
    page = client.list_hits(MaxResults=3)
    for h in hits[3:5]:
        client.update_expiration_for_hit(HITId=h["HITId"], ExpireAt=0)
        client.delete_hit(HITId=h["HITId"])
    rest = client.list_hits(MaxResults=3, NextToken=page["NextToken"])
    assert [h["HITId"] for h in rest["HITs"]] == [hits[5]["HITId"]]


def test_max_results_above_100_is_refused_by_the_server(client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client.list_hits(MaxResults=101)
    assert error_of(exc)[1] == (
        "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )


def test_bad_next_token(client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client.list_hits(NextToken="garbage!")
    assert error_of(exc)[0] == "ParameterValidationError"
    create(client)
    token = client.list_reviewable_hits(MaxResults=1)
    hits_token = client.list_hits(MaxResults=1)["NextToken"]
    with pytest.raises(ClientError):  # a token of another listing
        client.list_reviewable_hits(NextToken=hits_token)
    assert token["NumResults"] == 0


# ----------------------------------------------------------------------------- failed calls


def test_a_failed_create_changes_nothing(client: Any, fake: MTurkFake) -> None:
    before = client.list_hits()["NumResults"]
    with pytest.raises(ClientError):
        client.create_hit(**hit_args(Title="new type", Question="<bad"))
    assert client.list_hits()["NumResults"] == before
    assert fake.service.envs["sandbox"].worlds["AKIAPYTESTMTURKTEST1"].hit_types == {}


def test_list_reviewable_hits_carries_only_hit_ids(client: Any) -> None:
    hit = create(client)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    page = client.list_reviewable_hits()
    assert page["HITs"] == [{"HITId": hit["HITId"]}] and page["NumResults"] == 1
    assert "NextToken" in page
    last = client.list_reviewable_hits(NextToken=page["NextToken"])
    assert last["HITs"] == [] and "NextToken" not in last
