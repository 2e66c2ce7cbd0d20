"""Time: the fake's clock, freezegun and time-machine all drive expiry, abandonment and
auto-approval, in time order, at the right fake times; ``freeze()`` makes the fake's time and the
process's one timeline."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from freezegun import freeze_time

from pytest_mturk import MTurkFake, PytestMTurkWarning
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
    size = len(fake.service.scheduled())
    client.get_account_balance()  # nothing due: nothing popped
    assert len(fake.service.scheduled()) == size
    fake.clock.advance(days=1, seconds=1)
    assert fake.service.scheduled() == []


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


# ----------------------------------------------------------------------------- one timeline

NOON = datetime(2030, 1, 1, 12, tzinfo=timezone.utc)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def test_unfrozen_the_test_s_own_time_does_not_move_with_the_fake(client: Any) -> None:
    # The default, as before: under the test's own freeze, advance moves the fake only.
    with freeze_time(NOON), MTurkFake() as fake:
        fake.clock.advance(minutes=5)
        assert _utc_now() == NOON
        assert fake.clock.now() == NOON + timedelta(minutes=5)
        assert not fake.clock.frozen


def test_freeze_makes_one_timeline(client: Any) -> None:
    with MTurkFake() as fake:
        assert fake.clock.freeze(at=NOON) == NOON
        assert _utc_now() == fake.clock.now() == NOON
        assert time.time() == fake.clock.time() == NOON.timestamp()
        hit = client.create_hit(**hit_args(LifetimeInSeconds=3600))["HIT"]
        assert hit["CreationTime"] == NOON
        fake.clock.advance(minutes=5)
        assert _utc_now() == fake.clock.now() == NOON + timedelta(minutes=5)
        fake.clock.move_to(NOON + timedelta(hours=1, seconds=1))
        assert _utc_now() == NOON + timedelta(hours=1, seconds=1)
        assert status(client, hit["HITId"])[0] == "Reviewable"
        assert fake.clock.offset == timedelta(0)


def test_the_freeze_ends_with_the_fake() -> None:
    import freezegun.api

    with MTurkFake(freeze_time=True) as fake:
        assert fake.clock.frozen
        assert len(freezegun.api.freeze_factories) == 1
        frozen_at = fake.clock.now()
        assert _utc_now() == frozen_at
    assert freezegun.api.freeze_factories == []
    assert not fake.clock.frozen


def test_unfreeze_goes_on_from_the_frozen_time() -> None:
    import freezegun.api

    with MTurkFake() as fake:
        fake.clock.freeze(at=NOON)
        fake.clock.advance(hours=2)
        fake.clock.unfreeze()
        assert freezegun.api.freeze_factories == []
        assert _utc_now().year != 2030  # the process has its own time back
        # ...and the fake goes on from 14:00 on 2030-01-01, in real time (not back to today).
        assert NOON + timedelta(hours=2) <= fake.clock.now() < NOON + timedelta(hours=3)


def test_each_due_thing_happens_at_its_own_time_in_one_advance(client: Any) -> None:
    seen: list[datetime] = []

    def answers(hit: dict[str, Any], worker: Any) -> dict[str, str]:
        seen.append(_utc_now())  # what the test's code sees while the work is done
        return {"answer": "x"}

    with MTurkFake(freeze_time=True) as fake:
        fake.clock.freeze(at=NOON)
        fake.autopilot(workers=1, delay=timedelta(minutes=10), answers=answers)
        first = client.create_hit(**hit_args(AutoApprovalDelayInSeconds=3600))["HIT"]
        fake.clock.advance(minutes=5)
        second = client.create_hit(**hit_args(AutoApprovalDelayInSeconds=3600))["HIT"]
        fake.clock.advance(days=1)  # one move over both due times
        assert seen == [NOON + timedelta(minutes=10), NOON + timedelta(minutes=15)]
        for hit, at in ((first, 10), (second, 15)):
            [a] = client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
            assert a["SubmitTime"] == NOON + timedelta(minutes=at)
            assert a["ApprovalTime"] == NOON + timedelta(minutes=at, hours=1)


def test_freeze_uses_the_test_s_freezegun_freeze_and_moves_it(client: Any) -> None:
    import freezegun.api

    with freeze_time(NOON) as frozen:
        with MTurkFake(freeze_time=True) as fake:
            assert len(freezegun.api.freeze_factories) == 1  # no second freeze
            assert fake.clock.now() == NOON
            fake.clock.advance(hours=1)
            assert frozen() == datetime(2030, 1, 1, 13)  # the test's own freeze moved
            frozen.tick(timedelta(minutes=1))  # and the test's tick moves the fake
            assert fake.clock.now() == NOON + timedelta(hours=1, minutes=1)
        # The test's freeze goes on where the fake left it: no drift, no jump back.
        assert _utc_now() == NOON + timedelta(hours=1, minutes=1)
        assert len(freezegun.api.freeze_factories) == 1


def test_freeze_uses_the_test_s_time_machine_travel(client: Any) -> None:
    with time_machine.travel(NOON, tick=False):
        with MTurkFake(freeze_time=True) as fake:
            import freezegun.api

            assert freezegun.api.freeze_factories == []  # time-machine's travel is the freeze
            hit = client.create_hit(**hit_args(AssignmentDurationInSeconds=60))["HIT"]
            fake.workers.create().accept(hit["HITId"])
            fake.clock.advance(seconds=61)
            assert _utc_now() == NOON + timedelta(seconds=61)
            assert time.time() == (NOON + timedelta(seconds=61)).timestamp()
            assert status(client, hit["HITId"]) == ("Assignable", 1, 0)
        assert _utc_now() == NOON + timedelta(seconds=61)


def test_freeze_joins_a_freezegun_freeze_started_after_the_fake(client: Any) -> None:
    # The innermost freeze is the process's time, so it is the one the fake moves.
    with MTurkFake(freeze_time=True) as fake, freeze_time(NOON) as frozen:
        assert fake.clock.now() == NOON
        fake.clock.advance(minutes=30)
        assert frozen() == datetime(2030, 1, 1, 12, 30)


def test_moving_the_clock_back_warns() -> None:
    with MTurkFake() as fake:
        fake.clock.advance(hours=1)
        with pytest.warns(PytestMTurkWarning, match="moves the fake clock back"):
            fake.clock.move_to(fake.clock.now() - timedelta(minutes=30))
        fake.clock.move_to(fake.clock.now() + timedelta(minutes=1))  # forward: no warning
        fake.clock.freeze(at=NOON)  # NOON is in the future of this test's real time
        with pytest.warns(PytestMTurkWarning, match="moves the fake clock back"):
            fake.clock.move_to(NOON - timedelta(days=1))
        assert _utc_now() == NOON - timedelta(days=1)  # the frozen timeline went back too


def test_a_time_for_the_clock_must_be_a_time(fake: MTurkFake) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        fake.clock.move_to("tomorrow")
    with pytest.raises(TypeError):
        fake.clock.move_to(12)  # type: ignore[arg-type]


def test_a_frozen_clock_leaves_pytests_durations_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_frozen(mturk_frozen_clock):
            mturk_frozen_clock.advance(days=3)
        """
    )
    result = pytester.runpytest("--durations=0", "--durations-min=0")
    result.assert_outcomes(passed=1)
    durations = [
        float(line.split("s", 1)[0])
        for line in result.outlines
        if line[:1].isdigit() and "test_frozen" in line
    ]
    assert durations and max(durations) < 3600, result.outlines
