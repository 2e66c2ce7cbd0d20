"""Autopilot workers request the qualifications a HIT requires, as real workers do."""

from __future__ import annotations

from typing import Any

from pytest_mturk import MTurkFake
from tests.conftest import ANSWER_KEY, FORM_Q, TEST_FORM, hit_args


def _require(type_id: str, comparator: str = "Exists", **values: Any) -> dict[str, Any]:
    return {
        "QualificationTypeId": type_id,
        "Comparator": comparator,
        "ActionsGuarded": "Accept",
        **values,
    }


def _hit(client: Any, *requirements: dict[str, Any], n: int = 3) -> str:
    args = hit_args(Question=FORM_Q, MaxAssignments=n, QualificationRequirements=list(requirements))
    return str(client.create_hit(**args)["HIT"]["HITId"])


def test_an_auto_granted_qualification_is_requested_and_the_work_done(
    client: Any, fake: MTurkFake
) -> None:
    type_id = client.create_qualification_type(
        Name="auto", Description="d", QualificationTypeStatus="Active", AutoGranted=True
    )["QualificationType"]["QualificationTypeId"]
    pilot = fake.autopilot(workers=3)
    hit_id = _hit(client, _require(type_id))
    assert client.list_assignments_for_hit(HITId=hit_id)["NumResults"] == 3
    holders = client.list_workers_with_qualification_type(QualificationTypeId=type_id)
    assert sorted(q["WorkerId"] for q in holders["Qualifications"]) == sorted(
        w.worker_id for w in pilot.workers
    )
    assert fake.autopilots == [pilot]


def test_a_test_is_taken_and_scored_by_its_answer_key(client: Any, fake: MTurkFake) -> None:
    type_id = client.create_qualification_type(
        Name="tested",
        Description="d",
        QualificationTypeStatus="Active",
        Test=TEST_FORM,
        AnswerKey=ANSWER_KEY,
        TestDurationInSeconds=600,
    )["QualificationType"]["QualificationTypeId"]
    pilot = fake.autopilot(workers=4)
    _hit(client, _require(type_id, "GreaterThanOrEqualTo", IntegerValues=[0]), n=4)
    for worker in pilot.workers:
        # Scored from answers made from the test's questions: 0, 33, 67 or 100.
        assert worker.qualification_value(type_id) in (0, 33, 67, 100)


def test_a_request_without_test_or_auto_grant_waits_for_the_requester(
    client: Any, fake: MTurkFake
) -> None:
    type_id = client.create_qualification_type(
        Name="manual", Description="d", QualificationTypeStatus="Active"
    )["QualificationType"]["QualificationTypeId"]
    fake.autopilot(workers=2)
    hit_id = _hit(client, _require(type_id), n=2)
    assert client.list_assignments_for_hit(HITId=hit_id)["NumResults"] == 0
    pending = client.list_qualification_requests(QualificationTypeId=type_id)
    assert pending["NumResults"] == 2
    # Each worker asks once, however many HITs need the type.
    _hit(client, _require(type_id), n=2)
    assert client.list_qualification_requests(QualificationTypeId=type_id)["NumResults"] == 2
    for request in pending["QualificationRequests"]:
        client.accept_qualification_request(
            QualificationRequestId=request["QualificationRequestId"], IntegerValue=1
        )
    third = _hit(client, _require(type_id), n=2)
    assert client.list_assignments_for_hit(HITId=third)["NumResults"] == 2


def test_request_qualifications_false_leaves_them_out(client: Any, fake: MTurkFake) -> None:
    type_id = client.create_qualification_type(
        Name="auto", Description="d", QualificationTypeStatus="Active", AutoGranted=True
    )["QualificationType"]["QualificationTypeId"]
    fake.autopilot(workers=2, request_qualifications=False)
    hit_id = _hit(client, _require(type_id), n=2)
    assert client.list_assignments_for_hit(HITId=hit_id)["NumResults"] == 0
    holders = client.list_workers_with_qualification_type(QualificationTypeId=type_id)
    assert holders["NumResults"] == 0


def test_system_qualifications_are_not_requested(client: Any, fake: MTurkFake) -> None:
    fake.autopilot(workers=2, country="DE")
    locale = {
        "QualificationTypeId": "00000000000000000071",
        "Comparator": "EqualTo",
        "LocaleValues": [{"Country": "US"}],
        "ActionsGuarded": "Accept",
    }
    hit_id = _hit(client, locale, n=2)
    assert client.list_assignments_for_hit(HITId=hit_id)["NumResults"] == 0
