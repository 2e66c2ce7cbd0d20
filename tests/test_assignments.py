"""Workers, assignments, the HIT state machine, bonuses and blocks through a real boto3 client."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pytest_mturk import MTurkFake, WorkerActionError
from tests.conftest import FORM_Q, HTML_Q, error_of, hit_args

NS = "{http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd}"


def create(client: Any, **overrides: Any) -> dict[str, Any]:
    return client.create_hit(**hit_args(**overrides))["HIT"]


def counters(client: Any, hit_id: str) -> tuple[str, int, int, int]:
    h = client.get_hit(HITId=hit_id)["HIT"]
    return (
        h["HITStatus"],
        h["NumberOfAssignmentsAvailable"],
        h["NumberOfAssignmentsPending"],
        h["NumberOfAssignmentsCompleted"],
    )


# ----------------------------------------------------------------------------- workers


def test_worker_ids_and_profiles_are_realistic_and_seeded() -> None:
    def make() -> list[tuple[str, str, str]]:
        with MTurkFake(seed=7) as f:
            return [(w.worker_id, w.name, w.email) for w in (f.workers.create() for _ in range(3))]

    first = make()
    assert first == make()
    for wid, name, email in first:
        assert re.fullmatch(r"A[A-Z0-9]{12,13}", wid)
        assert name and "@" in email
    with MTurkFake(seed=8) as f:
        assert f.workers.create().worker_id != first[0][0]


def test_worker_locale_follows_country(fake: MTurkFake) -> None:
    w = fake.workers.create(country="de", subdivision="BE")
    assert (w.country, w.subdivision, w.profile.locale) == ("DE", "BE", "de_DE")
    with pytest.raises(ValueError):
        fake.workers.create("not-an-id")


def test_any_well_formed_worker_id_is_known(client: Any, fake: MTurkFake) -> None:
    client.create_worker_block(WorkerId="A1B2C3D4E5F6G7", Reason="spam")
    assert fake.workers.get("A1B2C3D4E5F6G7").worker_id == "A1B2C3D4E5F6G7"


@pytest.mark.parametrize(
    "worker_id",
    ["A1FAKEWORKER0001", "AB", "A" + "Z9" * 31 + "X", "A3SAMPLEWORKER", "A1234567890AB"],
)
def test_every_id_the_api_takes_is_a_worker_id(
    client: Any, fake: MTurkFake, worker_id: str
) -> None:
    """Regression: ids outside A + 12-13 characters (client test suites use
    ``A1FAKEWORKER0001``) were refused by ``fake.workers.create`` and by ``fake.workers.get``
    once a requester had named them, though the API's WorkerId (``^A[A-Z0-9]+$``, at most 64
    characters) takes them."""
    assert len(worker_id) <= 64
    created = fake.workers.create(worker_id)
    assert fake.workers.get(worker_id).profile is created.profile
    hit = client.create_hit(**hit_args())["HIT"]
    assignment_id = created.do(hit["HITId"], {"answer": "x"})
    assignment = client.get_assignment(AssignmentId=assignment_id)["Assignment"]
    assert assignment["WorkerId"] == worker_id
    # An id a requester named first (no profile yet) is looked up as well.
    client.create_worker_block(WorkerId="A1FAKEWORKER0002", Reason="spam")
    assert fake.workers.get("A1FAKEWORKER0002").worker_id == "A1FAKEWORKER0002"


@pytest.mark.parametrize(
    "worker_id", ["A", "a1FAKEWORKER", "B1FAKEWORKER0001", "A1FAKE-WORKER", "A" * 65, "", "A1 X"]
)
def test_malformed_worker_ids_are_refused_naming_the_pattern(
    fake: MTurkFake, worker_id: str
) -> None:
    for call in (fake.workers.create, fake.workers.get):
        with pytest.raises(ValueError, match=r"\^A\[A-Z0-9\]\+\$, at most 64 characters"):
            call(worker_id)
    assert worker_id not in fake.service.known_workers


def test_strict_workers_refuse_unknown_ids(client: Any) -> None:
    with MTurkFake(strict_workers=True):
        with pytest.raises(ClientError) as exc:
            client.create_worker_block(WorkerId="A1B2C3D4E5F6G7", Reason="spam")
        code, message, _ = error_of(exc)
        assert code == "ParameterValidationError"
        assert message.startswith(
            'The value "A1B2C3D4E5F6G7" is not valid for the parameter WorkerId.'
        )


def test_malformed_worker_id_is_a_validation_exception(client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client.create_worker_block(WorkerId="nonsense", Reason="x")
    message = error_of(exc)[1]
    assert error_of(exc)[0] == "ValidationException"
    assert "does not exist" not in message and "status of: Granted" not in message


# ----------------------------------------------------------------------------- accept refusals


def test_accept_refusals(client: Any, fake: MTurkFake) -> None:
    hit = create(client, MaxAssignments=1)
    alice, bob = fake.workers.create(), fake.workers.create()
    alice.accept(hit["HITId"])
    with pytest.raises(WorkerActionError) as exc:
        alice.accept(hit["HITId"])
    assert exc.value.reason == "already_accepted"
    with pytest.raises(WorkerActionError) as exc:
        bob.accept(hit["HITId"])
    assert exc.value.reason == "full"
    with pytest.raises(WorkerActionError) as exc:
        bob.accept("3NOSUCHHIT00000000000000000000")
    assert exc.value.reason == "not_found"


def test_expired_and_blocked(client: Any, fake: MTurkFake) -> None:
    hit = create(client, MaxAssignments=5)
    w = fake.workers.create()
    client.create_worker_block(WorkerId=w.worker_id, Reason="bad work")
    with pytest.raises(WorkerActionError) as exc:
        w.accept(hit["HITId"])
    assert exc.value.reason == "blocked"
    client.delete_worker_block(WorkerId=w.worker_id, Reason="forgiven")
    w.accept(hit["HITId"])
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    with pytest.raises(WorkerActionError) as exc:
        fake.workers.create().accept(hit["HITId"])
    assert exc.value.reason == "expired"


def test_worker_blocks_listing(client: Any, fake: MTurkFake) -> None:
    ids = [fake.workers.create().worker_id for _ in range(12)]
    for wid in ids:
        client.create_worker_block(WorkerId=wid, Reason=f"r-{wid}")
    client.create_worker_block(WorkerId=ids[0], Reason="again")  # re-blocking succeeds
    client.delete_worker_block(WorkerId=ids[1])
    client.delete_worker_block(WorkerId=ids[1])  # unblocking a non-blocked worker succeeds
    blocks = [
        b
        for page in client.get_paginator("list_worker_blocks").paginate()
        for b in page["WorkerBlocks"]
    ]
    assert [b["WorkerId"] for b in blocks] == [ids[0], *ids[2:]]
    assert blocks[0]["Reason"] == "again"


# ----------------------------------------------------------------------------- state machine


def test_counters_through_accept_submit_return_and_abandon(client: Any, fake: MTurkFake) -> None:
    hit = create(client, MaxAssignments=3, AssignmentDurationInSeconds=60)
    hid = hit["HITId"]
    a, b, c = (fake.workers.create() for _ in range(3))
    aa = a.accept(hid)
    assert counters(client, hid) == ("Assignable", 2, 1, 0)
    ab = b.accept(hid)
    ac = c.accept(hid)
    assert counters(client, hid) == ("Unassignable", 0, 3, 0)
    b.return_assignment(ab)
    assert counters(client, hid) == ("Assignable", 1, 2, 0)
    a.submit(aa, {"answer": "x"})
    assert counters(client, hid) == ("Assignable", 1, 1, 0)  # submitted: in no counter
    fake.clock.advance(seconds=61)  # c abandons
    assert counters(client, hid) == ("Assignable", 2, 0, 0)
    with pytest.raises(WorkerActionError) as exc:
        c.submit(ac, {"answer": "late"})
    assert exc.value.reason == "state"
    client.approve_assignment(AssignmentId=aa)
    assert counters(client, hid) == ("Assignable", 2, 0, 1)


def test_all_work_submitted_makes_the_hit_reviewable(client: Any, fake: MTurkFake) -> None:
    hit = create(client, MaxAssignments=2)
    for _ in range(2):
        fake.workers.create().do(hit["HITId"])
    assert counters(client, hit["HITId"]) == ("Reviewable", 0, 0, 0)
    assert [h["HITId"] for h in client.list_reviewable_hits()["HITs"]] == [hit["HITId"]]


def test_expiry_with_pending_work(client: Any, fake: MTurkFake) -> None:
    hit = create(client, MaxAssignments=3)
    w = fake.workers.create()
    a = w.accept(hit["HITId"])
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    assert counters(client, hit["HITId"]) == ("Unassignable", 2, 1, 0)
    w.submit(a, {"answer": "done"})  # in-flight work may still be submitted
    assert counters(client, hit["HITId"]) == ("Reviewable", 2, 0, 0)


def test_return_after_expiry_does_not_give_the_slot_back(client: Any, fake: MTurkFake) -> None:
    hit = create(client, MaxAssignments=1)
    w = fake.workers.create()
    a = w.accept(hit["HITId"])
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    w.return_assignment(a)
    assert counters(client, hit["HITId"]) == ("Reviewable", 0, 0, 0)


def test_worker_may_accept_again_after_returning(client: Any, fake: MTurkFake) -> None:
    hit = create(client)
    w = fake.workers.create()
    w.return_assignment(w.accept(hit["HITId"]))
    w.accept(hit["HITId"])


# ----------------------------------------------------------------------------- answers


def test_answers_become_question_form_answers_xml(client: Any, fake: MTurkFake) -> None:
    hit = create(client, Question=FORM_Q)
    w = fake.workers.create()
    a = w.do(hit["HITId"], {"label": "cat", "comment": "fluffy & small"})
    answer = client.get_assignment(AssignmentId=a)["Assignment"]["Answer"]
    assert answer.startswith('<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns=')
    root = ET.fromstring(answer)
    got = {
        el.findtext(f"{NS}QuestionIdentifier"): (
            el.findtext(f"{NS}SelectionIdentifier") or el.findtext(f"{NS}FreeText")
        )
        for el in root.findall(f"{NS}Answer")
    }
    assert got == {"label": "cat", "comment": "fluffy & small"}
    assert root.find(f"{NS}Answer/{NS}SelectionIdentifier") is not None


def test_bad_answers_are_refused_and_change_nothing(client: Any, fake: MTurkFake) -> None:
    hit = create(client, Question=FORM_Q)
    w = fake.workers.create()
    a = w.accept(hit["HITId"])
    with pytest.raises(WorkerActionError) as exc:
        w.submit(a, {"label": "horse"})
    assert exc.value.reason == "answers"
    with pytest.raises(WorkerActionError):
        w.submit(a, "<not-xml")
    assert counters(client, hit["HITId"])[2] == 1  # still pending
    w.submit(a, {"label": ["dog"]})


def test_ready_xml_answers_are_accepted(client: Any, fake: MTurkFake) -> None:
    hit = create(client)
    xml = (
        '<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
        '2005-10-01/QuestionFormAnswers.xsd"><Answer><QuestionIdentifier>q</QuestionIdentifier>'
        "<FreeText>v</FreeText></Answer></QuestionFormAnswers>"
    )
    a = fake.workers.create().do(hit["HITId"], xml)
    assert client.get_assignment(AssignmentId=a)["Assignment"]["Answer"].endswith(xml)


def test_answers_are_generated_when_none_given(client: Any, fake: MTurkFake) -> None:
    hit = create(client, Question=HTML_Q)
    a = fake.workers.create().do(hit["HITId"])
    answer = client.get_assignment(AssignmentId=a)["Assignment"]["Answer"]
    assert "<QuestionIdentifier>color</QuestionIdentifier>" in answer


# ----------------------------------------------------------------------------- get / list


def test_get_assignment_states(client: Any, fake: MTurkFake) -> None:
    hit = create(client)
    w = fake.workers.create()
    a = w.accept(hit["HITId"])
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.get_assignment(AssignmentId=a)
    assert error_of(exc)[1].startswith(
        "This operation can be called with a status of: Reviewable,Approved,Rejected"
    )
    w.submit(a, {"x": "1"})
    got = client.get_assignment(AssignmentId=a)
    assert set(got) == {"Assignment", "HIT", "ResponseMetadata"}
    asg = got["Assignment"]
    assert asg["AssignmentStatus"] == "Submitted" and asg["WorkerId"] == w.worker_id
    assert "ApprovalTime" not in asg and asg["AutoApprovalTime"] > asg["SubmitTime"]
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.get_assignment(AssignmentId="3NOSUCHASSIGNMENT0000000000000")
    code, message, turk = error_of(exc)
    assert turk == "AWS.MechanicalTurk.AssignmentDoesNotExist"
    assert re.fullmatch(
        r"Assignment 3NOSUCHASSIGNMENT0000000000000 does not exist\. \(\d{13} s\)", message
    )


def test_returned_work_leaves_no_record(client: Any, fake: MTurkFake) -> None:
    hit = create(client)
    w = fake.workers.create()
    a = w.accept(hit["HITId"])
    w.return_assignment(a)
    with pytest.raises(client.exceptions.RequestError):
        client.get_assignment(AssignmentId=a)
    assert client.list_assignments_for_hit(HITId=hit["HITId"])["NumResults"] == 0


def test_list_assignments_status_filter_and_pages(client: Any, fake: MTurkFake) -> None:
    hit = create(client, MaxAssignments=15)
    ids = [fake.workers.create().do(hit["HITId"]) for _ in range(12)]
    fake.workers.create().accept(hit["HITId"])  # in progress: never listed
    client.approve_assignment(AssignmentId=ids[0])
    client.reject_assignment(AssignmentId=ids[1], RequesterFeedback="")
    everyone = [
        x["AssignmentId"]
        for page in client.get_paginator("list_assignments_for_hit").paginate(HITId=hit["HITId"])
        for x in page["Assignments"]
    ]
    assert everyone == ids
    first = client.list_assignments_for_hit(HITId=hit["HITId"])
    assert first["NumResults"] == 10 and "NextToken" in first
    approved = client.list_assignments_for_hit(HITId=hit["HITId"], AssignmentStatuses=["Approved"])
    assert [x["AssignmentId"] for x in approved["Assignments"]] == [ids[0]]
    mixed = client.list_assignments_for_hit(
        HITId=hit["HITId"], AssignmentStatuses=["Approved", "Rejected"]
    )
    assert mixed["NumResults"] == 2
    with pytest.raises(ClientError) as exc:
        client.list_assignments_for_hit(HITId=hit["HITId"], AssignmentStatuses=["Accepted"])
    assert error_of(exc)[0] == "ValidationException"


# ----------------------------------------------------------------------------- review


def test_approve_and_reject_real_messages(client: Any, fake: MTurkFake) -> None:
    hit = create(client, MaxAssignments=3)
    w1, w2, w3 = (fake.workers.create() for _ in range(3))
    a1 = w1.do(hit["HITId"])
    a2 = w2.do(hit["HITId"])
    a3 = w3.accept(hit["HITId"])
    client.approve_assignment(AssignmentId=a1, RequesterFeedback="thanks")
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.approve_assignment(AssignmentId=a1)
    code, message, turk = error_of(exc)
    assert re.fullmatch(
        r"This operation can be called with a status of: Submitted \(\d{13}\)", message
    )
    assert turk == "AWS.MechanicalTurk.InvalidAssignmentState"
    with pytest.raises(client.exceptions.RequestError):
        client.reject_assignment(AssignmentId=a1, RequesterFeedback="no")
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.approve_assignment(AssignmentId=a3)  # not submitted yet
    assert re.fullmatch(
        r"This operation can be called with a status of: null \(\d{13} s\)", error_of(exc)[1]
    )
    client.reject_assignment(AssignmentId=a2, RequesterFeedback="wrong")
    got = client.get_assignment(AssignmentId=a2)["Assignment"]
    assert got["AssignmentStatus"] == "Rejected" and got["RequesterFeedback"] == "wrong"
    assert "RejectionTime" in got
    first = client.get_assignment(AssignmentId=a1)["Assignment"]
    assert first["RequesterFeedback"] == "thanks" and "ApprovalTime" in first


def test_override_rejection_window(client: Any, fake: MTurkFake) -> None:
    hit = create(client, MaxAssignments=2)
    a = fake.workers.create().do(hit["HITId"])
    b = fake.workers.create().do(hit["HITId"])
    client.reject_assignment(AssignmentId=a, RequesterFeedback="no")
    client.reject_assignment(AssignmentId=b, RequesterFeedback="no")
    with pytest.raises(client.exceptions.RequestError):
        client.approve_assignment(AssignmentId=a)  # override not asked for
    client.approve_assignment(AssignmentId=a, OverrideRejection=True)
    got = client.get_assignment(AssignmentId=a)["Assignment"]
    assert got["AssignmentStatus"] == "Approved" and "RejectionTime" not in got
    fake.clock.advance(days=31)
    with pytest.raises(client.exceptions.RequestError):
        client.approve_assignment(AssignmentId=b, OverrideRejection=True)


def test_override_rejection_after_delete_is_refused(client: Any, fake: MTurkFake) -> None:
    hit = create(client)
    a = fake.workers.create().do(hit["HITId"])
    client.reject_assignment(AssignmentId=a, RequesterFeedback="no")
    client.delete_hit(HITId=hit["HITId"])
    with pytest.raises(client.exceptions.RequestError):
        client.approve_assignment(AssignmentId=a, OverrideRejection=True)


def test_override_flag_on_submitted_work_just_approves(client: Any, fake: MTurkFake) -> None:
    hit = create(client)
    a = fake.workers.create().do(hit["HITId"])
    client.approve_assignment(AssignmentId=a, OverrideRejection=True)  # Mephisto does this
    assert client.get_assignment(AssignmentId=a)["Assignment"]["AssignmentStatus"] == "Approved"


def test_other_requesters_assignment_does_not_exist(client: Any, fake: MTurkFake) -> None:
    import boto3

    hit = create(client)
    a = fake.workers.create().do(hit["HITId"])
    other = boto3.session.Session(
        aws_access_key_id="AKIAOTHERREQUESTER00", aws_secret_access_key="s"
    ).client(
        "mturk",
        region_name="us-east-1",
        endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com",
    )
    with pytest.raises(other.exceptions.RequestError):
        other.approve_assignment(AssignmentId=a)


# ----------------------------------------------------------------------------- bonuses


def test_send_bonus_rules(client: Any, fake: MTurkFake) -> None:
    hit = create(client, MaxAssignments=2)
    w = fake.workers.create()
    other = fake.workers.create()
    a = w.accept(hit["HITId"])
    with pytest.raises(client.exceptions.RequestError) as exc:  # in flight (Mephisto#1081)
        client.send_bonus(WorkerId=w.worker_id, BonusAmount="1.00", AssignmentId=a, Reason="r")
    assert "does not exist" in error_of(exc)[1]
    w.submit(a, {"q": "a"})
    client.approve_assignment(AssignmentId=a)
    with pytest.raises(ClientError) as exc:
        client.send_bonus(WorkerId=other.worker_id, BonusAmount="1.00", AssignmentId=a, Reason="r")
    assert error_of(exc)[0] == "ParameterValidationError"
    with pytest.raises(ClientError) as exc:
        client.send_bonus(WorkerId=w.worker_id, BonusAmount="0.9752", AssignmentId=a, Reason="r")
    assert error_of(exc) == (
        "ValidationException",
        "1 validation error detected: Value '0.9752' at 'bonusAmount' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^[0-9]+(\\.)?[0-9]{0,2}$",
        None,
    )
    client.send_bonus(
        WorkerId=w.worker_id,
        BonusAmount="1.5",
        AssignmentId=a,
        Reason="great",
        UniqueRequestToken="b-1",
    )
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.send_bonus(
            WorkerId=w.worker_id,
            BonusAmount="1.5",
            AssignmentId=a,
            Reason="great",
            UniqueRequestToken="b-1",
        )
    assert 'The idempotency token "b-1" has already been processed.' in error_of(exc)[1]
    fake.assert_bonus_paid(w.worker_id, Decimal("1.50"), reason="great")
    bonuses = client.list_bonus_payments(AssignmentId=a)["BonusPayments"]
    assert [(b["BonusAmount"], b["Reason"], b["WorkerId"]) for b in bonuses] == [
        ("1.50", "great", w.worker_id)
    ]
    assert client.list_bonus_payments(HITId=hit["HITId"])["NumResults"] == 1


def test_bonus_before_approval_as_otree_pays(
    client: Any, prod_client: Any, fake: MTurkFake
) -> None:
    """Regression: a bonus on Submitted (not yet reviewed) work was refused. oTree's payment
    view bonuses first and approves afterwards, on purpose ("approve assignment should happen
    AFTER bonus, so that if bonus fails, the user will still show up in
    assignments_not_reviewed"; oTree-org/otree-core, otree/views/mturk.py)."""
    for requester in (client, prod_client):
        hit = requester.create_hit(**hit_args(MaxAssignments=1))["HIT"]
        w = fake.workers.create()
        a = w.do(hit["HITId"], {"completion_code": "X1"})
        # oTree's PayMTurk, step by step:
        requester.send_bonus(
            WorkerId=w.worker_id,
            AssignmentId=a,
            BonusAmount="1.25",
            UniqueRequestToken=f"{w.worker_id}_{a}",
            Reason="Thank you",
        )
        assert requester.get_assignment(AssignmentId=a)["Assignment"]["AssignmentStatus"] == (
            "Submitted"
        )
        requester.approve_assignment(AssignmentId=a)
        fake.assert_bonus_paid(w.worker_id, Decimal("1.25"), reason="Thank you")
        fake.assert_paid(w.worker_id, Decimal("0.50"))
        # Paying again (the approval failed, the payment page is sent again): the token says no.
        with pytest.raises(requester.exceptions.RequestError) as exc:
            requester.send_bonus(
                WorkerId=w.worker_id,
                AssignmentId=a,
                BonusAmount="1.25",
                UniqueRequestToken=f"{w.worker_id}_{a}",
                Reason="Thank you",
            )
        assert "has already been processed" in error_of(exc)[1]
    balance = prod_client.get_account_balance()["AvailableBalance"]
    # production: reward 0.50 + fee 0.10, bonus 1.25 + fee 0.25
    assert Decimal(balance) == Decimal(fake.service.options.balance) - Decimal("2.10")


def test_bonus_for_rejected_work_is_allowed(client: Any, fake: MTurkFake) -> None:
    hit = create(client)
    w = fake.workers.create()
    a = w.do(hit["HITId"])
    client.reject_assignment(AssignmentId=a, RequesterFeedback="no")
    client.send_bonus(WorkerId=w.worker_id, BonusAmount="0.10", AssignmentId=a, Reason="sorry")
    fake.assert_bonus_paid(w.worker_id, "0.10")
    fake.assert_paid(w.worker_id, 0)


def test_list_bonus_payments_needs_exactly_one_filter(client: Any) -> None:
    with pytest.raises(ClientError):
        client.list_bonus_payments()
    hit = create(client)
    with pytest.raises(ClientError):
        client.list_bonus_payments(HITId=hit["HITId"], AssignmentId="3ABC")


def test_bonus_pages(client: Any, fake: MTurkFake) -> None:
    hit = create(client)
    w = fake.workers.create()
    a = w.do(hit["HITId"])
    client.approve_assignment(AssignmentId=a)
    for i in range(12):
        client.send_bonus(
            WorkerId=w.worker_id, BonusAmount=f"0.{i + 10}", AssignmentId=a, Reason=str(i)
        )
    reasons = [
        b["Reason"]
        for page in client.get_paginator("list_bonus_payments").paginate(HITId=hit["HITId"])
        for b in page["BonusPayments"]
    ]
    assert reasons == [str(i) for i in range(12)]
