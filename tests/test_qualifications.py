"""Qualifications through a real boto3 client: the 13 operations, the worker-side request flow,
requirement enforcement and the Masters fee (reference §3.3, §5, §6, §8.4, §12)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError

from pytest_mturk import MTurkFake, WorkerActionError
from pytest_mturk.questions import ANSWERS_NS
from pytest_mturk.service import access, qualification_requests
from tests.conftest import ANSWER_KEY, EXTERNAL_Q, SANDBOX, TEST_FORM, error_of, hit_args

TS = r" \(\d{13}( s)?\)$"
LOCALE = "00000000000000000071"
ADULT = "00000000000000000060"
APPROVED_COUNT = "00000000000000000040"
PERCENT = "000000000000000000L0"
MASTERS_SANDBOX = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"
MASTERS_PRODUCTION = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"
DUPLICATE = (
    "You have already created a QualificationType with this name. A QualificationType's name "
    "must be unique among all of the QualificationTypes created by the same user."
)
NO_QUAL = "You requested a Qualification that does not exist."
NOT_GRANTED = "This operation can be called with a status of: Granted"


def make_type(client: Any, name: str = "Trusted labeller", **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "Name": name,
        "Description": "Workers we trust with labels",
        "QualificationTypeStatus": "Active",
    }
    args.update(kw)
    return client.create_qualification_type(**args)["QualificationType"]


def other_client() -> Any:
    """A second requester in the sandbox (another access key id)."""
    return boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKOTHER", aws_secret_access_key="secret"
    ).client("mturk", region_name="us-east-1", endpoint_url=SANDBOX)


def own_types(client: Any) -> list[dict[str, Any]]:
    return client.list_qualification_types(
        MustBeRequestable=False, MustBeOwnedByCaller=True, MaxResults=100
    )["QualificationTypes"]


def requirement(type_id: str, comparator: str, guard: str = "Accept", **kw: Any) -> dict[str, Any]:
    return {"QualificationTypeId": type_id, "Comparator": comparator, "ActionsGuarded": guard, **kw}


def hit_with(client: Any, *reqs: dict[str, Any], **kw: Any) -> str:
    return client.create_hit(**hit_args(QualificationRequirements=list(reqs), **kw))["HIT"]["HITId"]


def expect_request_error(excinfo: Any, code: str, message: str) -> None:
    err, msg, turk = error_of(excinfo)
    assert err == "RequestError"
    assert turk == code
    assert re.fullmatch(re.escape(message) + TS, msg), msg


def expect_pve(excinfo: Any, fragment: str) -> str:
    err, msg, _ = error_of(excinfo)
    assert err == "ParameterValidationError", (err, msg)
    assert fragment in msg, msg
    return msg


# ------------------------------------------------------------------------- CreateQualificationType


def test_create_returns_only_populated_keys(client: Any) -> None:
    qt = make_type(client, Keywords="labels,images")
    assert set(qt) == {
        "QualificationTypeId",
        "CreationTime",
        "Name",
        "Description",
        "Keywords",
        "QualificationTypeStatus",
        "IsRequestable",
        "AutoGranted",
    }
    assert re.fullmatch(r"3[0-9A-Z]{29}", qt["QualificationTypeId"])
    assert qt["IsRequestable"] is True and qt["AutoGranted"] is False
    assert qt["QualificationTypeStatus"] == "Active"
    got = client.get_qualification_type(QualificationTypeId=qt["QualificationTypeId"])
    assert got["QualificationType"] == qt


def test_create_with_test_key_and_retry_echoes_them(client: Any) -> None:
    qt = make_type(
        client,
        Test=TEST_FORM,
        AnswerKey=ANSWER_KEY,
        TestDurationInSeconds=600,
        RetryDelayInSeconds=3600,
    )
    assert qt["Test"] == TEST_FORM
    assert qt["AnswerKey"] == ANSWER_KEY
    assert qt["TestDurationInSeconds"] == 600
    assert qt["RetryDelayInSeconds"] == 3600
    assert "AutoGrantedValue" not in qt


def test_auto_granted_value_defaults_to_1(client: Any) -> None:
    assert make_type(client, "a", AutoGranted=True)["AutoGrantedValue"] == 1
    assert make_type(client, "b", AutoGranted=True, AutoGrantedValue=0)["AutoGrantedValue"] == 0


def test_duplicate_name_is_the_real_error_and_per_requester(client: Any) -> None:
    make_type(client, "dup")
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        make_type(client, "dup", Description="another")
    expect_request_error(excinfo, "AWS.MechanicalTurk.QualificationTypeAlreadyExists", DUPLICATE)
    # Mephisto's check, verbatim.
    msg = excinfo.value.response.get("Error", {}).get("Message")
    assert msg.startswith("You have already created a QualificationType with this name.")
    # Another requester may use the name.
    assert make_type(other_client(), "dup")["Name"] == "dup"


def test_test_needs_test_duration(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        make_type(client, Test=TEST_FORM)
    expect_pve(excinfo, "TestDurationInSeconds")
    assert excinfo.value.response["Error"]["Code"] == "ParameterValidationError"
    assert not isinstance(excinfo.value, client.exceptions.RequestError)


@pytest.mark.parametrize(
    "test",
    [EXTERNAL_Q, "<QuestionForm", '<QuestionForm xmlns="urn:wrong"/>'],
    ids=["external", "malformed", "namespace"],
)
def test_test_must_be_a_question_form(client: Any, test: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        make_type(client, Test=test, TestDurationInSeconds=60)
    expect_pve(excinfo, "There was an error parsing the XML question or answer data")
    # botocore does not copy a ParameterValidationError's TurkErrorCode (reference §1.3).
    assert "TurkErrorCode" not in excinfo.value.response


def test_test_and_answer_key_are_limited_to_65535_bytes(client: Any) -> None:
    big = TEST_FORM.replace("Pick for q1", "é" * 33_000)  # 66,000 bytes of UTF-8
    with pytest.raises(ClientError) as excinfo:
        make_type(client, Test=big, TestDurationInSeconds=60)
    expect_pve(excinfo, "65535")
    big_key = ANSWER_KEY.replace("<Question>", "<!--" + "x" * 66_000 + "--><Question>", 1)
    with pytest.raises(ClientError) as excinfo:
        make_type(client, Test=TEST_FORM, TestDurationInSeconds=60, AnswerKey=big_key)
    assert expect_pve(excinfo, "65535").startswith("The value of AnswerKey")


def test_answer_key_must_parse_and_match_the_test(client: Any) -> None:
    wrong = ANSWER_KEY.replace("<QuestionIdentifier>q2<", "<QuestionIdentifier>q9<")
    with pytest.raises(ClientError) as excinfo:
        make_type(client, Test=TEST_FORM, TestDurationInSeconds=60, AnswerKey=wrong)
    expect_pve(excinfo, "q9")
    bad_choice = ANSWER_KEY.replace(">y<", ">z<")
    with pytest.raises(ClientError) as excinfo:
        make_type(client, Test=TEST_FORM, TestDurationInSeconds=60, AnswerKey=bad_choice)
    expect_pve(excinfo, "'z'")
    with pytest.raises(ClientError) as excinfo:
        make_type(client, Test=TEST_FORM, TestDurationInSeconds=60, AnswerKey="<AnswerKey")
    expect_pve(excinfo, "There was an error parsing the XML")


def test_answer_key_needs_a_test_and_auto_granted_excludes_a_test(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        make_type(client, AnswerKey=ANSWER_KEY)
    expect_pve(excinfo, "AnswerKey")
    with pytest.raises(ClientError) as excinfo:
        make_type(client, Test=TEST_FORM, TestDurationInSeconds=60, AutoGranted=True)
    expect_pve(excinfo, "AutoGranted")


def test_refused_creates_change_nothing(client: Any) -> None:
    make_type(client, "kept")
    before = own_types(client)
    for bad in (
        {"Name": "kept"},
        {"Name": "new1", "Test": TEST_FORM},
        {"Name": "new2", "Test": EXTERNAL_Q, "TestDurationInSeconds": 60},
        {"Name": "new3", "AnswerKey": ANSWER_KEY},
        {"Name": "   "},
    ):
        with pytest.raises(ClientError):
            make_type(client, **bad)
    assert own_types(client) == before
    # The names of refused creations are still free.
    make_type(client, "new1")


def test_test_duration_without_a_test_is_accepted_as_amti_sends_it(client: Any) -> None:
    qt = make_type(client, TestDurationInSeconds=600, RetryDelayInSeconds=0)
    assert "Test" not in qt and "TestDurationInSeconds" not in qt
    assert qt["RetryDelayInSeconds"] == 0


def test_negative_durations_are_refused(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        make_type(client, RetryDelayInSeconds=-1)
    expect_pve(excinfo, "RetryDelayInSeconds")


# ---------------------------------------------------------------------------- GetQualificationType


def test_get_system_type(client: Any) -> None:
    qt = client.get_qualification_type(QualificationTypeId=LOCALE)["QualificationType"]
    assert qt["Name"] == "Worker_Locale"
    assert qt["IsRequestable"] is False
    assert qt["QualificationTypeStatus"] == "Active"
    masters = client.get_qualification_type(QualificationTypeId=MASTERS_SANDBOX)
    assert masters["QualificationType"]["Name"] == "Masters"


def test_get_unknown_type(client: Any) -> None:
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.get_qualification_type(QualificationTypeId="3ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ")
    expect_request_error(
        excinfo,
        "AWS.MechanicalTurk.QualificationTypeDoesNotExist",
        "QualificationType [3ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ] does not exist.",
    )
    assert "does not exist" in str(excinfo.value)


def test_answer_key_is_shown_to_the_owner_only(client: Any) -> None:
    qt = make_type(client, Test=TEST_FORM, TestDurationInSeconds=60, AnswerKey=ANSWER_KEY)
    theirs = other_client().get_qualification_type(QualificationTypeId=qt["QualificationTypeId"])
    assert "AnswerKey" not in theirs["QualificationType"]
    assert theirs["QualificationType"]["Test"] == TEST_FORM


# -------------------------------------------------------------------------- ListQualificationTypes


def test_mephisto_and_dallinger_find_a_just_created_type(client: Any) -> None:
    make_type(client, "mephisto_qual_sandbox")
    make_type(client, "mephisto_qual_sandbox_extra")
    found = client.list_qualification_types(
        Query="mephisto_qual_sandbox", MustBeRequestable=True, MustBeOwnedByCaller=True
    )["QualificationTypes"]
    assert [q["Name"] for q in found if q["Name"] == "mephisto_qual_sandbox"] == [
        "mephisto_qual_sandbox"
    ]
    assert len(found) == 2  # a substring search
    dallinger = client.list_qualification_types(
        Query="MEPHISTO_QUAL_SANDBOX_EXTRA",
        MustBeRequestable=False,
        MustBeOwnedByCaller=True,
        MaxResults=100,
    )["QualificationTypes"]
    assert [q["Name"] for q in dallinger] == ["mephisto_qual_sandbox_extra"]
    none = client.list_qualification_types(
        Query="nonsense", MustBeRequestable=False, MustBeOwnedByCaller=True
    )
    assert none["QualificationTypes"] == [] and none["NumResults"] == 0


def test_query_searches_description_and_keywords(client: Any) -> None:
    make_type(client, "one", Description="Knows BIRDS well")
    make_type(client, "two", Keywords="ornithology,Birds")
    make_type(client, "three")
    found = client.list_qualification_types(
        Query="birds", MustBeRequestable=True, MustBeOwnedByCaller=True
    )["QualificationTypes"]
    assert sorted(q["Name"] for q in found) == ["one", "two"]


def test_owned_and_requestable_filters(client: Any) -> None:
    mine = make_type(client, "mine")
    other = other_client()
    theirs = make_type(other, "theirs")
    make_type(other, "theirs-inactive", QualificationTypeStatus="Inactive")

    def names(**kw: Any) -> list[str]:
        page = client.list_qualification_types(MaxResults=100, **kw)
        return [q["Name"] for q in page["QualificationTypes"]]

    assert names(MustBeRequestable=True, MustBeOwnedByCaller=True) == ["mine"]
    everything = names(MustBeRequestable=False)
    assert {"Masters", "Worker_Locale", "Worker_Adult", "mine", "theirs"} <= set(everything)
    assert "theirs-inactive" not in everything
    assert names(MustBeRequestable=True, MustBeOwnedByCaller=False) == ["mine", "theirs"]
    assert mine["QualificationTypeId"] != theirs["QualificationTypeId"]
    # Another requester's inactive type is invisible; one's own inactive type is listed.
    make_type(client, "mine-inactive", QualificationTypeStatus="Inactive")
    assert names(MustBeRequestable=True, MustBeOwnedByCaller=True) == ["mine", "mine-inactive"]


def test_list_pages_by_10_with_a_token_on_every_non_empty_page(client: Any) -> None:
    for i in range(12):
        make_type(client, f"t{i:02}")
    first = client.list_qualification_types(MustBeRequestable=True, MustBeOwnedByCaller=True)
    assert first["NumResults"] == 10 and "NextToken" in first
    second = client.list_qualification_types(
        MustBeRequestable=True, MustBeOwnedByCaller=True, NextToken=first["NextToken"]
    )
    assert [q["Name"] for q in second["QualificationTypes"]] == ["t10", "t11"]
    assert "NextToken" in second
    last = client.list_qualification_types(
        MustBeRequestable=True, MustBeOwnedByCaller=True, NextToken=second["NextToken"]
    )
    assert last["QualificationTypes"] == [] and "NextToken" not in last
    pages = client.get_paginator("list_qualification_types").paginate(
        MustBeRequestable=False, PaginationConfig={"PageSize": 3}
    )
    names = [q["Name"] for page in pages for q in page["QualificationTypes"]]
    assert names[:5] == [
        "Masters",
        "Worker_NumberHITsApproved",
        "Worker_Locale",
        "Worker_Adult",
        "Worker_PercentAssignmentsApproved",
    ]
    assert names[5:] == [f"t{i:02}" for i in range(12)]


# ------------------------------------------------------------------------- UpdateQualificationType


def test_update_description_status_and_retry(client: Any) -> None:
    qt = make_type(client)
    tid = qt["QualificationTypeId"]
    got = client.update_qualification_type(
        QualificationTypeId=tid,
        Description="new words",
        QualificationTypeStatus="Inactive",
        RetryDelayInSeconds=60,
    )["QualificationType"]
    assert got["Description"] == "new words"
    assert got["QualificationTypeStatus"] == "Inactive"
    assert got["RetryDelayInSeconds"] == 60
    assert got["Name"] == qt["Name"]
    # Changing the delay works; omitting it keeps retries on (they can never be disabled).
    got = client.update_qualification_type(QualificationTypeId=tid, RetryDelayInSeconds=5)
    assert got["QualificationType"]["RetryDelayInSeconds"] == 5
    got = client.update_qualification_type(QualificationTypeId=tid, Description="again")
    assert got["QualificationType"]["RetryDelayInSeconds"] == 5
    assert (
        client.get_qualification_type(QualificationTypeId=tid)["QualificationType"]
        == got["QualificationType"]
    )


def test_name_and_keywords_are_not_even_in_the_update_model(client: Any) -> None:
    tid = make_type(client)["QualificationTypeId"]
    for extra in ({"Name": "x"}, {"Keywords": "x"}):
        with pytest.raises(ParamValidationError):
            client.update_qualification_type(QualificationTypeId=tid, **extra)


def test_update_test_rules(client: Any) -> None:
    tid = make_type(client)["QualificationTypeId"]
    with pytest.raises(ClientError) as excinfo:
        client.update_qualification_type(QualificationTypeId=tid, Test=TEST_FORM)
    expect_pve(excinfo, "TestDurationInSeconds")
    got = client.update_qualification_type(
        QualificationTypeId=tid, Test=TEST_FORM, TestDurationInSeconds=300, AnswerKey=ANSWER_KEY
    )["QualificationType"]
    assert (got["Test"], got["TestDurationInSeconds"], got["AnswerKey"]) == (
        TEST_FORM,
        300,
        ANSWER_KEY,
    )
    # Key or duration alone: the Test must come with them.
    for alone in ({"AnswerKey": ANSWER_KEY}, {"TestDurationInSeconds": 10}):
        with pytest.raises(ClientError) as excinfo:
            client.update_qualification_type(QualificationTypeId=tid, **alone)
        expect_pve(excinfo, "Test")
    # A test can't become AutoGranted.
    with pytest.raises(ClientError) as excinfo:
        client.update_qualification_type(QualificationTypeId=tid, AutoGranted=True)
    expect_pve(excinfo, "AutoGranted")
    unchanged = client.get_qualification_type(QualificationTypeId=tid)["QualificationType"]
    assert unchanged == got
    # Test again without AnswerKey: the key is removed; the test stays.
    got = client.update_qualification_type(
        QualificationTypeId=tid, Test=TEST_FORM, TestDurationInSeconds=100
    )["QualificationType"]
    assert "AnswerKey" not in got and got["Test"] == TEST_FORM
    assert got["TestDurationInSeconds"] == 100
    # A bad new test is refused and changes nothing.
    with pytest.raises(ClientError):
        client.update_qualification_type(
            QualificationTypeId=tid, Test=EXTERNAL_Q, TestDurationInSeconds=5
        )
    assert client.get_qualification_type(QualificationTypeId=tid)["QualificationType"] == got


def test_update_auto_granted(client: Any) -> None:
    tid = make_type(client)["QualificationTypeId"]
    got = client.update_qualification_type(
        QualificationTypeId=tid, AutoGranted=True, AutoGrantedValue=7
    )["QualificationType"]
    assert got["AutoGranted"] is True and got["AutoGrantedValue"] == 7
    # An AutoGranted type cannot be given a test while it stays AutoGranted.
    with pytest.raises(ClientError) as excinfo:
        client.update_qualification_type(
            QualificationTypeId=tid, Test=TEST_FORM, TestDurationInSeconds=5
        )
    expect_pve(excinfo, "AutoGranted")


def test_only_the_owner_updates_deletes_and_grants(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client)["QualificationTypeId"]
    other = other_client()
    worker = fake.workers.create()
    calls = [
        lambda: other.update_qualification_type(QualificationTypeId=tid, Description="x"),
        lambda: other.delete_qualification_type(QualificationTypeId=tid),
        lambda: other.associate_qualification_with_worker(
            QualificationTypeId=tid, WorkerId=worker.worker_id
        ),
        lambda: other.get_qualification_score(QualificationTypeId=tid, WorkerId=worker.worker_id),
        lambda: other.list_workers_with_qualification_type(QualificationTypeId=tid),
        lambda: other.list_qualification_requests(QualificationTypeId=tid),
    ]
    for call in calls:
        with pytest.raises(other.exceptions.RequestError) as excinfo:
            call()
        assert excinfo.value.response["TurkErrorCode"] == "AWS.MechanicalTurk.PermissionDenied"
        assert tid in excinfo.value.response["Error"]["Message"]
    # System types are nobody's to grant.
    with pytest.raises(client.exceptions.RequestError):
        client.associate_qualification_with_worker(
            QualificationTypeId=LOCALE, WorkerId=worker.worker_id
        )
    assert worker.qualification_value(tid) is None


# ------------------------------------------------------------------------- DeleteQualificationType


def test_delete_qualification_type(client: Any, fake: MTurkFake) -> None:
    qt = make_type(client, "doomed", Keywords="k")
    tid = qt["QualificationTypeId"]
    holder, asker = fake.workers.create(), fake.workers.create()
    client.associate_qualification_with_worker(
        QualificationTypeId=tid, WorkerId=holder.worker_id, IntegerValue=3, SendNotification=False
    )
    request_id = asker.request_qualification(tid)
    assert request_id is not None
    type_id = client.create_hit_type(
        **{
            k: v
            for k, v in hit_args().items()
            if k not in ("LifetimeInSeconds", "Question", "MaxAssignments")
        },
        QualificationRequirements=[requirement(tid, "Exists")],
    )["HITTypeId"]
    hit_id = client.create_hit_with_hit_type(
        HITTypeId=type_id, LifetimeInSeconds=3600, Question=EXTERNAL_Q
    )["HIT"]["HITId"]

    assert client.delete_qualification_type(QualificationTypeId=tid).keys() == {"ResponseMetadata"}

    # Gone: from Get, from every list, and from new requirements.
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.get_qualification_type(QualificationTypeId=tid)
    assert excinfo.value.response["TurkErrorCode"] == (
        "AWS.MechanicalTurk.QualificationTypeDoesNotExist"
    )
    assert own_types(client) == []
    assert client.list_qualification_types(MustBeRequestable=False)["NumResults"] == 5
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        hit_with(client, requirement(tid, "Exists"))
    expect_request_error(
        excinfo,
        "AWS.MechanicalTurk.QualificationTypeDoesNotExist",
        f"QualificationType [{tid}] does not exist.",
    )
    # The pending request was rejected, with an e-mail to the worker.
    assert client.list_qualification_requests()["QualificationRequests"] == []
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.accept_qualification_request(QualificationRequestId=request_id)
    assert excinfo.value.response["TurkErrorCode"] == (
        "AWS.MechanicalTurk.InvalidQualificationRequestState"
    )
    assert [e.kind for e in fake.emails if e.worker_id == asker.worker_id] == [
        "QualificationRequestRejected"
    ]
    # Granted qualifications are kept: the existing HIT still admits the holder only.
    assert holder.qualification_value(tid) == 3
    assert holder.can_accept(hit_id) and not asker.can_accept(hit_id)
    holder.accept(hit_id)
    # The HIT type that used it is deleted.
    with pytest.raises(client.exceptions.RequestError):
        client.create_hit_with_hit_type(
            HITTypeId=type_id, LifetimeInSeconds=3600, Question=EXTERNAL_Q
        )
    # The name is free again; deleting twice fails.
    assert make_type(client, "doomed")["QualificationTypeId"] != tid
    with pytest.raises(client.exceptions.RequestError):
        client.delete_qualification_type(QualificationTypeId=tid)


# ----------------------------------------------------------------------------- grants and scores


def test_associate_defaults_and_email(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client, "Great worker")["QualificationTypeId"]
    worker = fake.workers.create()
    response = client.associate_qualification_with_worker(
        QualificationTypeId=tid, WorkerId=worker.worker_id
    )
    assert list(response) == ["ResponseMetadata"]  # Dallinger's _is_ok
    score = client.get_qualification_score(QualificationTypeId=tid, WorkerId=worker.worker_id)
    q = score["Qualification"]
    assert set(q) == {"QualificationTypeId", "WorkerId", "GrantTime", "IntegerValue", "Status"}
    assert (q["QualificationTypeId"], q["WorkerId"], q["IntegerValue"], q["Status"]) == (
        tid,
        worker.worker_id,
        1,
        "Granted",
    )
    # SendNotification defaults to true: one e-mail.
    emails = [e for e in fake.emails if e.worker_id == worker.worker_id]
    assert [e.kind for e in emails] == ["QualificationGranted"]
    assert "Great worker" in emails[0].subject
    # Overwrite the value without an e-mail.
    client.associate_qualification_with_worker(
        QualificationTypeId=tid,
        WorkerId=worker.worker_id,
        IntegerValue=42,
        SendNotification=False,
    )
    score = client.get_qualification_score(QualificationTypeId=tid, WorkerId=worker.worker_id)
    assert score["Qualification"]["IntegerValue"] == 42
    assert len([e for e in fake.emails if e.worker_id == worker.worker_id]) == 1
    # Any well-formed worker id is a worker the fake knows.
    client.associate_qualification_with_worker(
        QualificationTypeId=tid, WorkerId="A1NEVERSEEN000", SendNotification=False
    )
    assert fake.workers.get("A1NEVERSEEN000").qualification_value(tid) == 1


def test_associate_unknown_type(client: Any) -> None:
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.associate_qualification_with_worker(
            QualificationTypeId="3NOPE", WorkerId="A1NEVERSEEN000"
        )
    assert excinfo.value.response["TurkErrorCode"] == (
        "AWS.MechanicalTurk.QualificationTypeDoesNotExist"
    )


def test_strict_workers_refuses_unknown_worker_ids(client: Any) -> None:
    with MTurkFake(seed=5, strict_workers=True) as strict:
        tid = make_type(client)["QualificationTypeId"]
        with pytest.raises(ClientError) as excinfo:
            client.associate_qualification_with_worker(
                QualificationTypeId=tid, WorkerId="A1NEVERSEEN000"
            )
        expect_pve(excinfo, 'The value "A1NEVERSEEN000" is not valid for the parameter WorkerId.')
        known = strict.workers.create()
        client.associate_qualification_with_worker(
            QualificationTypeId=tid, WorkerId=known.worker_id, SendNotification=False
        )
        assert known.qualification_value(tid) == 1


def test_revoke_regrant_and_the_real_score_errors(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client)["QualificationTypeId"]
    w = fake.workers.create().worker_id
    # Never granted: the real message (Dallinger#3331).
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.get_qualification_score(QualificationTypeId=tid, WorkerId=w)
    expect_request_error(excinfo, "AWS.MechanicalTurk.QualificationDoesNotExist", NO_QUAL)
    # Unknown type: the same.
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.get_qualification_score(QualificationTypeId="NONEXISTENT", WorkerId=w)
    expect_request_error(excinfo, "AWS.MechanicalTurk.QualificationDoesNotExist", NO_QUAL)
    # Revoking what was never granted fails.
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.disassociate_qualification_from_worker(QualificationTypeId=tid, WorkerId=w)
    expect_request_error(excinfo, "AWS.MechanicalTurk.QualificationDoesNotExist", NO_QUAL)

    client.associate_qualification_with_worker(
        QualificationTypeId=tid, WorkerId=w, IntegerValue=5, SendNotification=False
    )
    response = client.disassociate_qualification_from_worker(
        QualificationTypeId=tid, WorkerId=w, Reason="sloppy work"
    )
    assert list(response) == ["ResponseMetadata"]
    revoked_mail = fake.emails[-1]
    assert (revoked_mail.kind, revoked_mail.worker_id) == ("QualificationRevoked", w)
    assert "sloppy work" in revoked_mail.text
    # Revoked: Dallinger's RevokedQualification text; a second revoke fails (Mephisto).
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.get_qualification_score(QualificationTypeId=tid, WorkerId=w)
    _, msg, _ = error_of(excinfo)
    assert re.fullmatch(re.escape(NOT_GRANTED) + TS, msg)
    with pytest.raises(client.exceptions.RequestError):
        client.disassociate_qualification_from_worker(
            QualificationTypeId=tid, WorkerId=w, Reason=""
        )
    listed = client.list_workers_with_qualification_type(QualificationTypeId=tid, Status="Revoked")
    assert [(q["WorkerId"], q["Status"]) for q in listed["Qualifications"]] == [(w, "Revoked")]
    granted = client.list_workers_with_qualification_type(QualificationTypeId=tid, Status="Granted")
    assert granted["Qualifications"] == []
    assert fake.workers.get(w).qualification_value(tid) is None
    # Re-granting a revoked qualification makes it Granted with the new value.
    client.associate_qualification_with_worker(
        QualificationTypeId=tid, WorkerId=w, IntegerValue=9, SendNotification=False
    )
    q = client.get_qualification_score(QualificationTypeId=tid, WorkerId=w)["Qualification"]
    assert (q["Status"], q["IntegerValue"]) == ("Granted", 9)
    granted = client.list_workers_with_qualification_type(QualificationTypeId=tid, Status="Granted")
    assert [q["WorkerId"] for q in granted["Qualifications"]] == [w]


def test_invalid_worker_id_is_not_a_does_not_exist_error(client: Any) -> None:
    # Dallinger: the error for "nonsense" must match neither of its qualification checks.
    tid = make_type(client)["QualificationTypeId"]
    with pytest.raises(ClientError) as excinfo:
        client.get_qualification_score(QualificationTypeId=tid, WorkerId="nonsense")
    text = str(excinfo.value)
    assert "does not exist" not in text and NOT_GRANTED not in text


def test_grant_time_moves_on_regrant(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client)["QualificationTypeId"]
    w = fake.workers.create().worker_id
    client.associate_qualification_with_worker(QualificationTypeId=tid, WorkerId=w)
    first = client.get_qualification_score(QualificationTypeId=tid, WorkerId=w)
    client.disassociate_qualification_from_worker(QualificationTypeId=tid, WorkerId=w)
    fake.clock.advance(hours=1)
    client.associate_qualification_with_worker(QualificationTypeId=tid, WorkerId=w)
    second = client.get_qualification_score(QualificationTypeId=tid, WorkerId=w)
    delta = second["Qualification"]["GrantTime"] - first["Qualification"]["GrantTime"]
    assert 3599 <= delta.total_seconds() <= 3601


def test_list_workers_pages_and_defaults_to_granted(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client)["QualificationTypeId"]
    ids = [fake.workers.create().worker_id for _ in range(5)]
    for i, w in enumerate(ids):
        client.associate_qualification_with_worker(
            QualificationTypeId=tid, WorkerId=w, IntegerValue=i, SendNotification=False
        )
    client.disassociate_qualification_from_worker(QualificationTypeId=tid, WorkerId=ids[1])
    pages = client.get_paginator("list_workers_with_qualification_type").paginate(
        QualificationTypeId=tid, PaginationConfig={"PageSize": 2}
    )
    seen = [(q["WorkerId"], q["IntegerValue"]) for p in pages for q in p["Qualifications"]]
    assert seen == [(ids[0], 0), (ids[2], 2), (ids[3], 3), (ids[4], 4)]
    # A type of the caller with no grants, and an unknown type.
    empty = make_type(client, "empty")["QualificationTypeId"]
    assert client.list_workers_with_qualification_type(QualificationTypeId=empty)["NumResults"] == 0
    with pytest.raises(client.exceptions.RequestError):
        client.list_workers_with_qualification_type(QualificationTypeId="3NOPE")


# -------------------------------------------------------------------- ListHITsForQualificationType


def test_list_hits_for_qualification_type(client: Any) -> None:
    tid = make_type(client)["QualificationTypeId"]
    with_req = hit_with(client, requirement(tid, "Exists"))
    hit_with(client)  # no requirement
    masters = hit_with(client, requirement(MASTERS_SANDBOX, "Exists"), Title="masters")
    doomed = hit_with(client, requirement(tid, "DoesNotExist"), Title="doomed")
    client.update_expiration_for_hit(HITId=doomed, ExpireAt=0)
    client.delete_hit(HITId=doomed)
    page = client.list_hits_for_qualification_type(QualificationTypeId=tid)
    assert [h["HITId"] for h in page["HITs"]] == [with_req]
    assert page["HITs"][0] == client.get_hit(HITId=with_req)["HIT"]
    assert "NextToken" in page
    last = client.list_hits_for_qualification_type(
        QualificationTypeId=tid, NextToken=page["NextToken"]
    )
    assert last["HITs"] == [] and "NextToken" not in last
    system = client.list_hits_for_qualification_type(QualificationTypeId=MASTERS_SANDBOX)
    assert [h["HITId"] for h in system["HITs"]] == [masters]
    # Only the caller's HITs.
    assert other_client().list_hits_for_qualification_type(QualificationTypeId=tid)["HITs"] == []
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.list_hits_for_qualification_type(QualificationTypeId="3NOPE")
    assert excinfo.value.response["TurkErrorCode"] == (
        "AWS.MechanicalTurk.QualificationTypeDoesNotExist"
    )


def test_inactive_types_cannot_be_used_in_new_requirements(client: Any) -> None:
    tid = make_type(client, QualificationTypeStatus="Inactive")["QualificationTypeId"]
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        hit_with(client, requirement(tid, "Exists"))
    assert excinfo.value.response["TurkErrorCode"] == (
        "AWS.MechanicalTurk.InvalidQualificationTypeState"
    )
    client.update_qualification_type(QualificationTypeId=tid, QualificationTypeStatus="Active")
    hit_with(client, requirement(tid, "Exists"))


# ---------------------------------------------------------------------------------------- requests


def test_manual_request_accept_flow(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client, "Manual")["QualificationTypeId"]
    worker = fake.workers.create()
    fake.clock.advance(seconds=5)
    request_id = worker.request_qualification(tid)
    assert isinstance(request_id, str)
    page = client.list_qualification_requests()
    assert page["NumResults"] == 1
    r = page["QualificationRequests"][0]
    assert set(r) == {"QualificationRequestId", "QualificationTypeId", "WorkerId", "SubmitTime"}
    assert (r["QualificationRequestId"], r["QualificationTypeId"], r["WorkerId"]) == (
        request_id,
        tid,
        worker.worker_id,
    )
    assert abs(r["SubmitTime"].timestamp() - fake.clock.time()) < 2
    # Another requester sees none of it.
    assert other_client().list_qualification_requests()["QualificationRequests"] == []
    with pytest.raises(ClientError) as excinfo:
        other_client().accept_qualification_request(QualificationRequestId=request_id)
    assert excinfo.value.response["TurkErrorCode"] == (
        "AWS.MechanicalTurk.QualificationRequestDoesNotExist"
    )

    response = client.accept_qualification_request(
        QualificationRequestId=request_id, IntegerValue=7
    )
    assert list(response) == ["ResponseMetadata"]
    assert worker.qualification_value(tid) == 7
    assert fake.emails[-1].kind == "QualificationGranted"
    assert client.list_qualification_requests()["QualificationRequests"] == []
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.accept_qualification_request(QualificationRequestId=request_id)
    _, msg, turk = error_of(excinfo)
    assert turk == "AWS.MechanicalTurk.InvalidQualificationRequestState"
    assert "status of: Submitted" in msg
    with pytest.raises(client.exceptions.RequestError) as excinfo:
        client.reject_qualification_request(QualificationRequestId="NOSUCHREQUEST")
    expect_request_error(
        excinfo,
        "AWS.MechanicalTurk.QualificationRequestDoesNotExist",
        "QualificationRequest [NOSUCHREQUEST] does not exist.",
    )


def test_accept_defaults_to_1(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client)["QualificationTypeId"]
    worker = fake.workers.create()
    client.accept_qualification_request(QualificationRequestId=worker.request_qualification(tid))
    assert worker.qualification_value(tid) == 1


def test_test_without_key_waits_with_test_and_answer_then_reject(
    client: Any, fake: MTurkFake
) -> None:
    tid = make_type(client, "Quiz", Test=TEST_FORM, TestDurationInSeconds=600)[
        "QualificationTypeId"
    ]
    worker = fake.workers.create()
    request_id = worker.request_qualification(tid, {"q1": "a", "q2": "x"})
    r = client.list_qualification_requests(QualificationTypeId=tid)["QualificationRequests"][0]
    assert r["QualificationRequestId"] == request_id
    assert r["Test"] == TEST_FORM
    assert r["Answer"].startswith('<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers')
    assert f'xmlns="{ANSWERS_NS}"' in r["Answer"]
    assert "<SelectionIdentifier>a</SelectionIdentifier>" in r["Answer"]
    client.reject_qualification_request(QualificationRequestId=request_id, Reason="Too fast")
    mail = fake.emails[-1]
    assert (mail.kind, mail.worker_id) == ("QualificationRequestRejected", worker.worker_id)
    assert "Too fast" in mail.text and "Quiz" in mail.subject
    assert worker.qualification_value(tid) is None
    assert client.list_qualification_requests(QualificationTypeId=tid)["NumResults"] == 0
    # No RetryDelayInSeconds: one request ever.
    with pytest.raises(WorkerActionError) as excinfo:
        worker.request_qualification(tid, {"q1": "a", "q2": "y"})
    assert excinfo.value.reason == "no_retake"


def test_list_requests_filters_by_type_and_pages(client: Any, fake: MTurkFake) -> None:
    a = make_type(client, "A")["QualificationTypeId"]
    b = make_type(client, "B")["QualificationTypeId"]
    made = []
    for _ in range(3):
        w = fake.workers.create()
        made.append((w.request_qualification(a), a))
        made.append((w.request_qualification(b), b))
    only_b = client.list_qualification_requests(QualificationTypeId=b)["QualificationRequests"]
    assert [r["QualificationRequestId"] for r in only_b] == [rid for rid, t in made if t == b]
    pages = client.get_paginator("list_qualification_requests").paginate(
        PaginationConfig={"PageSize": 4}
    )
    assert [r["QualificationRequestId"] for p in pages for r in p["QualificationRequests"]] == [
        rid for rid, _ in made
    ]
    with pytest.raises(client.exceptions.RequestError):
        client.list_qualification_requests(QualificationTypeId="3NOPE")


def test_retry_delay_is_enforced_on_the_fake_clock(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client, RetryDelayInSeconds=3600)["QualificationTypeId"]
    worker = fake.workers.create()
    first = worker.request_qualification(tid)
    assert first is not None
    client.reject_qualification_request(QualificationRequestId=first)
    fake.clock.advance(minutes=59)
    with pytest.raises(WorkerActionError) as excinfo:
        worker.request_qualification(tid)
    assert excinfo.value.reason == "retry_delay"
    fake.clock.advance(minutes=1)
    second = worker.request_qualification(tid)
    assert second is not None and second != first
    assert [
        r["QualificationRequestId"]
        for r in client.list_qualification_requests()["QualificationRequests"]
    ] == [second]


def test_auto_granted_request_is_granted_at_once(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client, AutoGranted=True, AutoGrantedValue=0)["QualificationTypeId"]
    worker = fake.workers.create()
    assert worker.request_qualification(tid) is None
    assert worker.qualification_value(tid) == 0
    score = client.get_qualification_score(QualificationTypeId=tid, WorkerId=worker.worker_id)
    assert score["Qualification"]["IntegerValue"] == 0
    assert client.list_qualification_requests()["QualificationRequests"] == []


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"QualificationTypeStatus": "Inactive"}, "inactive"),
        ({}, "answers"),  # answers to a type without a test
    ],
)
def test_request_refusals(client: Any, fake: MTurkFake, setup: dict[str, Any], reason: str) -> None:
    tid = make_type(client, **setup)["QualificationTypeId"]
    worker = fake.workers.create()
    with pytest.raises(WorkerActionError) as excinfo:
        worker.request_qualification(tid, {"q1": "a"})
    assert excinfo.value.reason == reason
    assert tid in str(excinfo.value)
    # Nothing was recorded: a request without answers (Active types) still works.
    if reason == "answers":
        assert worker.request_qualification(tid) is not None


def test_system_and_unknown_types_cannot_be_requested(fake: MTurkFake, client: Any) -> None:
    client.get_account_balance()  # the sandbox environment exists
    worker = fake.workers.create()
    with pytest.raises(WorkerActionError) as excinfo:
        worker.request_qualification(MASTERS_SANDBOX)
    assert excinfo.value.reason == "not_requestable"
    with pytest.raises(WorkerActionError) as excinfo:
        worker.request_qualification("3NOSUCHTYPE")
    assert excinfo.value.reason == "not_found"


def test_test_duration_is_enforced_from_when_the_test_began(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client, Test=TEST_FORM, TestDurationInSeconds=600, AnswerKey=ANSWER_KEY)[
        "QualificationTypeId"
    ]
    slow, quick = fake.workers.create(), fake.workers.create()
    fake.clock.freeze()  # "exactly 600 s ago" below must not age while the test runs
    began = fake.clock.time()
    fake.clock.advance(seconds=601)
    svc = fake.service
    with pytest.raises(WorkerActionError) as excinfo:
        qualification_requests.worker_request(
            svc, slow.worker_id, tid, {"q1": "a", "q2": "x"}, started_at=began
        )
    assert excinfo.value.reason == "test_duration"
    assert slow.qualification_value(tid) is None
    # The refused attempt was not recorded: the worker may still take the test.
    answers = {"q1": "a", "q2": "x"}
    assert qualification_requests.worker_request(svc, slow.worker_id, tid, answers) is None
    assert slow.qualification_value(tid) == 33
    within = fake.clock.time() - 600
    assert (
        qualification_requests.worker_request(
            svc, quick.worker_id, tid, {"q1": "a", "q2": "y"}, started_at=within
        )
        is None
    )
    assert quick.qualification_value(tid) == 100


def test_scored_test_grants_each_worker_their_score(client: Any, fake: MTurkFake) -> None:
    tid = make_type(
        client,
        "Birds quiz",
        Test=TEST_FORM,
        TestDurationInSeconds=600,
        AnswerKey=ANSWER_KEY,
        RetryDelayInSeconds=0,
    )["QualificationTypeId"]
    ace, half, zero, by_xml = (fake.workers.create() for _ in range(4))
    assert ace.request_qualification(tid, {"q1": "a", "q2": "y"}) is None
    assert half.request_qualification(tid, {"q1": "a", "q2": "x"}) is None
    assert zero.request_qualification(tid, {"q1": "b", "q2": "x"}) is None
    xml = (
        f'<QuestionFormAnswers xmlns="{ANSWERS_NS}"><Answer><QuestionIdentifier>q1'
        "</QuestionIdentifier><SelectionIdentifier>b</SelectionIdentifier></Answer><Answer>"
        "<QuestionIdentifier>q2</QuestionIdentifier><SelectionIdentifier>y"
        "</SelectionIdentifier></Answer></QuestionFormAnswers>"
    )
    assert by_xml.request_qualification(tid, xml) is None
    scores = {
        w.worker_id: client.get_qualification_score(QualificationTypeId=tid, WorkerId=w.worker_id)[
            "Qualification"
        ]["IntegerValue"]
        for w in (ace, half, zero, by_xml)
    }
    assert scores == {
        ace.worker_id: 100,
        half.worker_id: 33,
        zero.worker_id: 0,
        by_xml.worker_id: 67,
    }
    assert client.list_qualification_requests()["QualificationRequests"] == []
    # A retake (RetryDelayInSeconds 0) overwrites the score.
    assert zero.request_qualification(tid, {"q1": "a", "q2": "y"}) is None
    assert zero.qualification_value(tid) == 100
    # Answers the test cannot take are refused.
    with pytest.raises(WorkerActionError) as excinfo:
        half.request_qualification(tid, {"q7": "a"})
    assert excinfo.value.reason == "answers"


def test_a_test_without_a_required_answer_is_refused_naming_the_question(
    client: Any, fake: MTurkFake
) -> None:
    """Regression: a qualification test was taken without an answer to a question its Test
    marks IsRequired (and scored, or left pending, as if complete)."""
    optional_q3 = (
        "<Question><QuestionIdentifier>q3</QuestionIdentifier><QuestionContent><Text>Notes"
        "</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification>"
        "</Question></QuestionForm>"
    )
    test = TEST_FORM.replace("</QuestionForm>", optional_q3)  # q1, q2 required; q3 not
    keyed = make_type(client, "keyed", Test=test, TestDurationInSeconds=60, AnswerKey=ANSWER_KEY)
    pending = make_type(client, "pending", Test=test, TestDurationInSeconds=60)
    workers = {}
    for qt in (keyed, pending):
        tid = qt["QualificationTypeId"]
        worker = workers[tid] = fake.workers.create()
        for answers, missing in (
            ({"q1": "a"}, '"q2"'),
            ({"q2": "y", "q3": "n"}, '"q1"'),
            ({"q1": [], "q2": "y"}, '"q1"'),  # no selection is no answer
            ({}, '"q1", "q2"'),
            (
                f'<QuestionFormAnswers xmlns="{ANSWERS_NS}"><Answer><QuestionIdentifier>q2'
                "</QuestionIdentifier><SelectionIdentifier>y</SelectionIdentifier></Answer>"
                "</QuestionFormAnswers>",
                '"q1"',
            ),
        ):
            with pytest.raises(WorkerActionError) as excinfo:
                worker.request_qualification(tid, answers)
            assert excinfo.value.reason == "answers"
            assert f"required question{'s' if ',' in missing else ''} {missing}" in str(
                excinfo.value
            )
            assert worker.qualification_value(tid) is None
        assert client.list_qualification_requests()["NumResults"] == 0
        # Every required question answered (the optional one left out) is a complete test.
        worker.request_qualification(tid, {"q1": "a", "q2": "y"})
    keyed_id = keyed["QualificationTypeId"]
    assert workers[keyed_id].qualification_value(keyed_id) == 100  # scored at once
    assert client.list_qualification_requests()["NumResults"] == 1  # the other one waits


# ------------------------------------------------------------------------------------- enforcement


def test_blocklist_keeps_a_worker_out(client: Any, fake: MTurkFake) -> None:
    block = make_type(client, "Blocklist", AutoGranted=True, AutoGrantedValue=0)
    tid = block["QualificationTypeId"]
    good, bad = fake.workers.create(), fake.workers.create()
    client.associate_qualification_with_worker(
        QualificationTypeId=tid, WorkerId=bad.worker_id, SendNotification=False
    )
    hit_id = hit_with(client, requirement(tid, "DoesNotExist"), MaxAssignments=2)
    assert bad.can_discover(hit_id) and bad.can_preview(hit_id)  # "Accept" guards accept only
    assert not bad.can_accept(hit_id)
    with pytest.raises(WorkerActionError) as excinfo:
        bad.accept(hit_id)
    assert excinfo.value.reason == "requirement"
    message = str(excinfo.value)
    assert tid in message and "Blocklist" in message and "DoesNotExist" in message
    assert good.can_accept(hit_id)
    good.accept(hit_id)
    # Revoked = lacking: once revoked, the worker gets in.
    client.disassociate_qualification_from_worker(QualificationTypeId=tid, WorkerId=bad.worker_id)
    assert bad.can_accept(hit_id)
    bad.accept(hit_id)


def test_locale_discover_guard_hides_the_hit(client: Any, fake: MTurkFake) -> None:
    hit_id = hit_with(
        client,
        requirement(
            LOCALE,
            "In",
            "DiscoverPreviewAndAccept",
            LocaleValues=[{"Country": "US"}, {"Country": "CA"}],
        ),
        Title="North American survey",
    )
    other_hit = hit_with(client, Title="Open survey")
    german, american = fake.workers.create(country="DE"), fake.workers.create(country="US")
    assert not german.can_discover(hit_id)
    assert not german.can_preview(hit_id)
    assert not german.can_accept(hit_id)
    assert german.search_hits() == [other_hit]
    assert german.search_hits("north") == []
    assert american.can_discover(hit_id) and american.can_preview(hit_id)
    assert american.search_hits() == [other_hit, hit_id]  # newest first
    assert american.search_hits("NORTH AMERICAN") == [hit_id]
    with pytest.raises(WorkerActionError) as excinfo:
        german.accept(hit_id)
    assert LOCALE in str(excinfo.value) and "Worker_Locale" in str(excinfo.value)
    assert "DE" in str(excinfo.value)


@pytest.mark.parametrize(
    ("comparator", "values", "pa", "ca", "fr"),
    [
        ("EqualTo", [{"Country": "US"}], True, True, False),
        ("EqualTo", [{"Country": "US", "Subdivision": "PA"}], True, False, False),
        ("NotEqualTo", [{"Country": "US", "Subdivision": "CA"}], True, False, True),
        ("In", [{"Country": "FR"}, {"Country": "US", "Subdivision": "PA"}], True, False, True),
        ("NotIn", [{"Country": "US"}], False, False, True),
    ],
)
def test_locale_comparators_and_subdivisions(
    client: Any,
    fake: MTurkFake,
    comparator: str,
    values: list[dict[str, str]],
    pa: bool,
    ca: bool,
    fr: bool,
) -> None:
    hit_id = hit_with(client, requirement(LOCALE, comparator, LocaleValues=values))
    workers = (
        fake.workers.create(country="US", subdivision="PA"),
        fake.workers.create(country="US", subdivision="CA"),
        fake.workers.create(country="FR"),
    )
    assert [w.can_accept(hit_id) for w in workers] == [pa, ca, fr]


@pytest.mark.parametrize(
    ("comparator", "values", "holder", "lacker"),
    [
        ("LessThan", [6], True, False),
        ("LessThan", [5], False, False),
        ("LessThanOrEqualTo", [5], True, False),
        ("GreaterThan", [4], True, False),
        ("GreaterThan", [5], False, False),
        ("GreaterThanOrEqualTo", [5], True, False),
        ("EqualTo", [5], True, False),
        ("EqualTo", [4], False, False),
        ("NotEqualTo", [4], True, False),
        ("NotEqualTo", [5], False, False),
        ("In", [1, 5, 9], True, False),
        ("In", [1, 9], False, False),
        ("NotIn", [1, 9], True, False),
        ("NotIn", [5], False, False),
        ("Exists", None, True, False),
        ("DoesNotExist", None, False, True),
    ],
)
def test_integer_comparators(
    client: Any,
    fake: MTurkFake,
    comparator: str,
    values: list[int] | None,
    holder: bool,
    lacker: bool,
) -> None:
    tid = make_type(client)["QualificationTypeId"]
    has, lacks = fake.workers.create(), fake.workers.create()
    client.associate_qualification_with_worker(
        QualificationTypeId=tid, WorkerId=has.worker_id, IntegerValue=5, SendNotification=False
    )
    extra: dict[str, Any] = {"IntegerValues": values} if values is not None else {}
    hit_id = hit_with(client, requirement(tid, comparator, **extra))
    assert has.can_accept(hit_id) is holder
    assert lacks.can_accept(hit_id) is lacker


def test_actions_guarded_levels(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client)["QualificationTypeId"]
    lacks = fake.workers.create()
    guards = {
        "Accept": (True, True, False),
        "PreviewAndAccept": (True, False, False),
        "DiscoverPreviewAndAccept": (False, False, False),
    }
    for guard, expected in guards.items():
        hit_id = hit_with(client, requirement(tid, "Exists", guard), Title=guard)
        got = (lacks.can_discover(hit_id), lacks.can_preview(hit_id), lacks.can_accept(hit_id))
        assert got == expected, guard
        assert (hit_id in lacks.search_hits()) is expected[0]
    # The deprecated RequiredToPreview=true guards preview and accept.
    legacy = client.create_hit(
        **hit_args(
            QualificationRequirements=[
                {"QualificationTypeId": tid, "Comparator": "Exists", "RequiredToPreview": True}
            ]
        )
    )["HIT"]["HITId"]
    assert (lacks.can_discover(legacy), lacks.can_preview(legacy)) == (True, False)


def test_every_requirement_must_hold(client: Any, fake: MTurkFake) -> None:
    tid = make_type(client)["QualificationTypeId"]
    w = fake.workers.create(country="US")
    client.associate_qualification_with_worker(
        QualificationTypeId=tid, WorkerId=w.worker_id, SendNotification=False
    )
    both = hit_with(
        client,
        requirement(tid, "Exists"),
        requirement(LOCALE, "EqualTo", LocaleValues=[{"Country": "GB"}]),
    )
    assert not w.can_accept(both)


def test_system_qualification_values(client: Any, fake: MTurkFake) -> None:
    newbie = fake.workers.create()
    veteran = fake.workers.create(approved=900, rejected=100)
    few = fake.workers.create(approved=40, rejected=40)  # fewer than 100 submitted
    minor = fake.workers.create(adult=False)
    master = fake.workers.create(masters=True)
    assert newbie.qualification_value(PERCENT) == 100
    assert newbie.qualification_value(APPROVED_COUNT) == 0
    assert veteran.qualification_value(PERCENT) == 90
    assert veteran.qualification_value(APPROVED_COUNT) == 900
    assert few.qualification_value(PERCENT) == 100
    assert minor.qualification_value(ADULT) == 0 and newbie.qualification_value(ADULT) == 1
    client.get_account_balance()  # the sandbox environment exists
    assert master.qualification_value(MASTERS_SANDBOX) == 1
    assert newbie.qualification_value(MASTERS_SANDBOX) is None
    assert newbie.qualification_value(LOCALE) is None  # a locale, not an integer
    assert newbie.qualification_value("3NOSUCHTYPE") is None

    pct = hit_with(client, requirement(PERCENT, "GreaterThanOrEqualTo", IntegerValues=[95]))
    assert newbie.can_accept(pct) and few.can_accept(pct) and not veteran.can_accept(pct)
    adult = hit_with(client, requirement(ADULT, "EqualTo", IntegerValues=[1]))
    assert newbie.can_accept(adult) and not minor.can_accept(adult)
    masters = hit_with(client, requirement(MASTERS_SANDBOX, "Exists"))
    assert master.can_accept(masters) and not newbie.can_accept(masters)


def test_work_in_the_fake_moves_the_system_values(client: Any, fake: MTurkFake) -> None:
    worker = fake.workers.create(approved=10, rejected=89, submitted=99)
    assert worker.qualification_value(PERCENT) == 100  # 99 submitted: still 100
    needs_11 = hit_with(client, requirement(APPROVED_COUNT, "GreaterThan", IntegerValues=[10]))
    assert not worker.can_accept(needs_11)
    hit_id = hit_with(client, Title="warm-up")
    assignment_id = worker.do(hit_id, {"answer": "x"})
    client.approve_assignment(AssignmentId=assignment_id)
    assert worker.qualification_value(APPROVED_COUNT) == 11
    assert worker.qualification_value(PERCENT) == 11  # 100 submitted: 11 of 100 reviewed
    assert worker.can_accept(needs_11)


def test_can_accept_is_false_for_expired_full_held_and_blocked(
    client: Any, fake: MTurkFake
) -> None:
    w, other = fake.workers.create(), fake.workers.create()
    hit_id = hit_with(client)
    assert w.can_accept(hit_id)
    w.accept(hit_id)
    assert not w.can_accept(hit_id)  # already holds one; and the only slot is taken
    assert not other.can_accept(hit_id) and other.can_preview(hit_id)
    assert not other.can_discover(hit_id)
    blocked_hit = hit_with(client, Title="second")
    client.create_worker_block(WorkerId=other.worker_id, Reason="spam")
    assert not other.can_accept(blocked_hit)
    expired = hit_with(client, Title="third")
    client.update_expiration_for_hit(HITId=expired, ExpireAt=0)
    assert not w.can_accept(expired) and not w.can_discover(expired)
    assert not w.can_preview(expired)
    assert expired not in w.search_hits()
    assert not w.can_accept("3NOSUCHHIT")
    with pytest.raises(ValueError):
        access.worker_can(fake.service, w.worker_id, hit_id, "steal")


def test_search_can_be_limited_to_one_environment(
    client: Any, prod_client: Any, fake: MTurkFake
) -> None:
    sandbox_hit = hit_with(client)
    prod_hit = hit_with(prod_client)
    w = fake.workers.create()
    svc = fake.service
    assert access.worker_search(svc, w.worker_id, None) == [prod_hit, sandbox_hit]
    assert access.worker_search(svc, w.worker_id, None, environment="sandbox") == [sandbox_hit]


# ------------------------------------------------------------------------------------------- money


def test_masters_requirement_adds_5_percent_to_the_fee(prod_client: Any) -> None:
    def held_by(**kw: Any) -> Decimal:
        before = Decimal(prod_client.get_account_balance()["AvailableBalance"])
        prod_client.create_hit(**hit_args(Reward="1.00", MaxAssignments=2, **kw))
        return before - Decimal(prod_client.get_account_balance()["AvailableBalance"])

    plain = held_by()
    masters = held_by(
        QualificationRequirements=[requirement(MASTERS_PRODUCTION, "Exists")], Title="masters"
    )
    assert plain == Decimal("2.40")  # 2 x ($1.00 + 20 %)
    assert masters == Decimal("2.50")  # 2 x ($1.00 + 25 %)
    # The sandbox Masters id does not exist in production.
    with pytest.raises(prod_client.exceptions.RequestError):
        prod_client.create_hit(
            **hit_args(QualificationRequirements=[requirement(MASTERS_SANDBOX, "Exists")])
        )


def test_masters_fee_shortfall_refuses_the_hit(fake: MTurkFake) -> None:
    with MTurkFake(seed=9, balance="1.24") as poor:
        prod = boto3.session.Session(
            aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="secret"
        ).client(
            "mturk",
            region_name="us-east-1",
            endpoint_url="https://mturk-requester.us-east-1.amazonaws.com",
        )
        with pytest.raises(prod.exceptions.RequestError) as excinfo:
            prod.create_hit(
                **hit_args(
                    Reward="1.00",
                    QualificationRequirements=[requirement(MASTERS_PRODUCTION, "Exists")],
                )
            )
        assert "insufficient funds" in str(excinfo.value)
        prod.create_hit(**hit_args(Reward="1.00"))  # $1.20 without Masters fits
        assert poor.options.balance == Decimal("1.24")


def test_test_duration_through_the_worker_handle(client: Any, fake: MTurkFake) -> None:
    from datetime import timedelta

    from pytest_mturk import WorkerActionError

    type_id = client.create_qualification_type(
        Name="timed",
        Description="d",
        QualificationTypeStatus="Active",
        Test=TEST_XML_FOR_HANDLE,
        TestDurationInSeconds=60,
    )["QualificationType"]["QualificationTypeId"]
    w = fake.workers.create()
    began = fake.clock.now()
    fake.clock.advance(seconds=61)
    with pytest.raises(WorkerActionError) as exc:
        w.request_qualification(type_id, {"q1": "a"}, started_at=began)
    assert exc.value.reason == "test_duration"
    assert w.request_qualification(type_id, {"q1": "a"}, started_at=began + timedelta(seconds=30))


TEST_XML_FOR_HANDLE = (
    '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>q1</QuestionIdentifier>'
    "<QuestionContent><Text>?</Text></QuestionContent><AnswerSpecification><SelectionAnswer>"
    "<Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>A</Text>"
    "</Selection></Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"
)
