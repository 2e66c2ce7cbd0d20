"""Time: the fake's clock, freezegun and time-machine all drive expiry, abandonment and
auto-approval, in time order, at the right fake times."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from freezegun import freeze_time

from pytest_mturk import MTurkFake
from tests.conftest import hit_args


def status(client: Any, hit_id: str) -> tuple[str, int, int]:
    h = client.get_hit(HITId=hit_id)["HIT"]
    return h["HITStatus"], h["NumberOfAssignmentsAvailable"], h["NumberOfAssignmentsPending"]


def assignment(client: Any, aid: str) -> dict[str, Any]:
    return client.get_assignment(AssignmentId=aid)["Assignment"]


def test_clock_now_and_advance(fake: MTurkFake) -> None:
    before = fake.clock.now()
    assert before.tzinfo is not None
    after = fake.clock.advance(minutes=5, seconds=3)
    assert timedelta(minutes=5, seconds=3) <= after - before < timedelta(minutes=5, seconds=4)
    fake.clock.advance(timedelta(hours=1))
    fake.clock.advance(60)
    assert fake.clock.offset == timedelta(hours=1, minutes=6, seconds=3)
    with pytest.raises(ValueError):
        fake.clock.advance(seconds=-1)
    target = datetime(2031, 5, 1, tzinfo=timezone.utc)
    assert abs(fake.clock.move_to(target) - target) < timedelta(seconds=1)


def test_auto_approval_at_the_auto_approval_time(client: Any, fake: MTurkFake) -> None:
    hit = client.create_hit(**hit_args(AutoApprovalDelayInSeconds=3600))["HIT"]
    w = fake.workers.create()
    a = w.do(hit["HITId"])
    fake.clock.advance(minutes=59)
    assert assignment(client, a)["AssignmentStatus"] == "Submitted"
    fake.clock.advance(minutes=2)
    got = assignment(client, a)
    assert got["AssignmentStatus"] == "Approved"
    assert got["ApprovalTime"] == got["AutoApprovalTime"]  # at its own time, not "now"
    fake.assert_paid(w.worker_id, "0.50")


def test_zero_delay_approves_on_submit(client: Any, fake: MTurkFake) -> None:
    hit = client.create_hit(**hit_args(AutoApprovalDelayInSeconds=0))["HIT"]
    a = fake.workers.create().do(hit["HITId"])
    got = assignment(client, a)
    assert got["AssignmentStatus"] == "Approved" and got["ApprovalTime"] == got["SubmitTime"]


def test_due_events_apply_in_time_order(client: Any, fake: MTurkFake) -> None:
    # Abandonment at +50 s comes before expiry at +100 s: the slot comes back while the HIT is
    # live, then the HIT expires with one unclaimed slot. Out of order it would have none.
    hit = client.create_hit(
        **hit_args(LifetimeInSeconds=100, AssignmentDurationInSeconds=50, MaxAssignments=1)
    )["HIT"]
    fake.workers.create().accept(hit["HITId"])
    fake.clock.advance(seconds=500)
    assert status(client, hit["HITId"]) == ("Reviewable", 1, 0)


def test_abandonment_at_the_deadline(client: Any, fake: MTurkFake) -> None:
    hit = client.create_hit(**hit_args(AssignmentDurationInSeconds=300))["HIT"]
    fake.workers.create().accept(hit["HITId"])
    fake.clock.advance(seconds=299)
    assert status(client, hit["HITId"]) == ("Unassignable", 0, 1)
    fake.clock.advance(seconds=2)
    assert status(client, hit["HITId"]) == ("Assignable", 1, 0)


def test_freezegun_tick_and_move_to(client: Any) -> None:
    with freeze_time("2030-01-01 12:00:00") as frozen, MTurkFake() as fake:
        hit = client.create_hit(**hit_args(LifetimeInSeconds=7200, AutoApprovalDelayInSeconds=600))[
            "HIT"
        ]
        assert hit["CreationTime"] == datetime(2030, 1, 1, 12, tzinfo=timezone.utc)
        a = fake.workers.create().do(hit["HITId"])
        frozen.tick(timedelta(minutes=11))
        assert assignment(client, a)["AssignmentStatus"] == "Approved"
        assert assignment(client, a)["ApprovalTime"] == datetime(
            2030, 1, 1, 12, 10, tzinfo=timezone.utc
        )
        frozen.move_to("2030-01-01 14:00:01")
        assert status(client, hit["HITId"])[0] == "Reviewable"


def test_time_machine_shift(client: Any) -> None:
    with time_machine.travel(datetime(2031, 3, 1, tzinfo=timezone.utc), tick=False) as traveller:
        with MTurkFake() as fake:
            hit = client.create_hit(**hit_args(AssignmentDurationInSeconds=60))["HIT"]
            assert hit["CreationTime"] == datetime(2031, 3, 1, tzinfo=timezone.utc)
            fake.workers.create().accept(hit["HITId"])
            traveller.shift(timedelta(seconds=61))
            assert status(client, hit["HITId"]) == ("Assignable", 1, 0)


def test_end_to_end_create_work_auto_approve_pay_under_frozen_time(client: Any) -> None:
    with freeze_time("2030-06-01") as frozen, MTurkFake() as fake:
        hit = client.create_hit(
            **hit_args(MaxAssignments=3, AutoApprovalDelayInSeconds=86400, Reward="0.25")
        )["HIT"]
        workers = [fake.workers.create() for _ in range(3)]
        for w in workers:
            w.do(hit["HITId"], {"answer": w.name})
        assert status(client, hit["HITId"])[0] == "Reviewable"
        frozen.tick(timedelta(days=1, seconds=1))
        for w in workers:
            fake.assert_paid(w.worker_id, "0.25")
        assert client.get_hit(HITId=hit["HITId"])["HIT"]["NumberOfAssignmentsCompleted"] == 3
        client.delete_hit(HITId=hit["HITId"])


def test_processing_is_proportional_to_what_fell_due(fake: MTurkFake, client: Any) -> None:
    for _ in range(50):
        client.create_hit(**hit_args(LifetimeInSeconds=86400))
    heap = fake.service._heap
    size = len(heap)
    client.get_account_balance()  # nothing due: nothing popped
    assert len(heap) == size
    fake.clock.advance(days=1, seconds=1)
    assert len(heap) == 0


def test_autopilot_does_the_work(client: Any, fake: MTurkFake) -> None:
    pilot = fake.autopilot(workers=2)
    hit = client.create_hit(**hit_args(MaxAssignments=3))["HIT"]
    listed = client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert len(listed) == 2  # two workers, each at most once per HIT
    assert all("<FreeText>" in x["Answer"] for x in listed)
    pilot.stop()
    later = client.create_hit(**hit_args())["HIT"]
    assert client.list_assignments_for_hit(HITId=later["HITId"])["NumResults"] == 0


def test_autopilot_delay_and_callable_answers(client: Any, fake: MTurkFake) -> None:
    existing = client.create_hit(**hit_args())["HIT"]
    fake.autopilot(
        workers=1,
        delay=timedelta(minutes=10),
        answers=lambda hit, worker: {"title": hit["Title"], "who": worker.worker_id},
    )
    assert client.list_assignments_for_hit(HITId=existing["HITId"])["NumResults"] == 0
    fake.clock.advance(minutes=10)
    [got] = client.list_assignments_for_hit(HITId=existing["HITId"])["Assignments"]
    assert "<FreeText>Label an image</FreeText>" in got["Answer"]


def test_autopilot_answers_question_forms_validly(client: Any) -> None:
    from tests.conftest import FORM_Q

    with MTurkFake(seed=3, autopilot=4):
        hit = client.create_hit(**hit_args(Question=FORM_Q, MaxAssignments=4))["HIT"]
        for x in client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]:
            assert ("<SelectionIdentifier>cat</SelectionIdentifier>" in x["Answer"]) != (
                "<SelectionIdentifier>dog</SelectionIdentifier>" in x["Answer"]
            )
