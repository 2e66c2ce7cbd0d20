"""Snapshots, state dumps, and the invariant checker (which must catch corruption)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from pytest_mturk import MTurkFake
from pytest_mturk.invariants import InvariantError
from tests.conftest import FORM_Q, hit_args


def scenario(fake: MTurkFake, client: Any) -> dict[str, Any]:
    hit = client.create_hit(**hit_args(Question=FORM_Q, MaxAssignments=3))["HIT"]
    w = fake.workers.create()
    a = w.do(hit["HITId"], {"label": "cat"})
    client.approve_assignment(AssignmentId=a)
    client.send_bonus(WorkerId=w.worker_id, AssignmentId=a, BonusAmount="0.25", Reason="good")
    fake.workers.create().accept(hit["HITId"])
    client.create_worker_block(WorkerId=fake.workers.create().worker_id, Reason="spam")
    return hit


def test_snapshot_and_restore(fake: MTurkFake, client: Any) -> None:
    hit = scenario(fake, client)
    snap = fake.snapshot()
    before = json.dumps(fake.dump_state())
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    client.create_hit(**hit_args())
    fake.workers.create()
    assert client.list_hits()["NumResults"] == 2
    fake.restore(snap)
    assert json.dumps(fake.dump_state()) == before
    assert client.list_hits()["NumResults"] == 1
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Assignable"
    fake.restore(snap)  # a snapshot can be used again
    assert len(fake.payments) == 2


def test_dump_and_load_build_the_same_scenario(fake: MTurkFake, client: Any) -> None:
    hit = scenario(fake, client)
    data = json.loads(json.dumps(fake.dump_state()))
    with MTurkFake.load_state(data) as again:
        got = client.get_hit(HITId=hit["HITId"])["HIT"]
        assert got["NumberOfAssignmentsCompleted"] == 1 and got["NumberOfAssignmentsPending"] == 1
        assert client.list_worker_blocks()["NumResults"] == 1
        assert [p.amount for p in again.payments] == [Decimal("0.50"), Decimal("0.25")]
        assert json.dumps(again.dump_state()) == json.dumps(data)
        # the loaded fake keeps working: time, workers, ids that do not collide
        again.clock.advance(seconds=601)  # the in-flight assignment is abandoned
        assert client.get_hit(HITId=hit["HITId"])["HIT"]["NumberOfAssignmentsAvailable"] == 2
        new = client.create_hit(**hit_args())["HIT"]
        assert new["HITId"] != hit["HITId"]
        again.check_invariants()


def test_load_refuses_foreign_data() -> None:
    with pytest.raises(ValueError):
        MTurkFake.load_state({"format": "something else"})
    with MTurkFake() as fake:
        data = fake.dump_state()
    data["state"]["envs"] = {"$obj": "os:system", "$id": 0, "f": {}}
    with pytest.raises(ValueError, match="not a pytest-mturk name"):
        MTurkFake.load_state(data)


def test_load_state_options_and_seeded_ids(client: Any) -> None:
    with MTurkFake(seed=5, balance="20.00") as a:
        data = a.dump_state()
    loaded = MTurkFake.load_state(data, strict_workers=True)
    assert loaded.options.balance == Decimal("20.00") and loaded.options.seed == 5
    assert loaded.options.strict_workers is True


def _corrupt(fake: MTurkFake, client: Any, how: str) -> None:
    hit_id = scenario(fake, client)["HITId"]
    svc = fake.service
    hit = svc.hits_by_id[hit_id]
    if how == "counter":
        hit.available += 1
    elif how == "state":
        next(iter(svc.assignments_by_id.values())).status = "Lost"
    elif how == "status":
        hit.status = "Reviewable"
    elif how == "money":
        world = hit.world
        world.paid_fees += Decimal("0.01")
    elif how == "dangling":
        del svc.hits_by_id[hit_id]
    elif how == "timestamps":
        a = hit.assignments[0]
        a.approval_time = None


@pytest.mark.parametrize("how", ["counter", "state", "status", "money", "dangling", "timestamps"])
def test_invariants_catch_corruption(prod_client: Any, how: str) -> None:
    fake = MTurkFake(balance="100.00").start()
    try:
        fake.check_invariants()
        _corrupt(fake, prod_client, how)
        with pytest.raises(InvariantError) as exc:
            fake.check_invariants()
        assert "invariant(s) broken" in str(exc.value)
    finally:
        fake.stop()
        fake.reset()  # keep the autouse invariant check of this test file quiet


def test_invariants_hold_through_a_busy_production_day(prod_client: Any) -> None:
    with MTurkFake(balance="500.00", seed=2) as fake:
        hits = [
            prod_client.create_hit(
                **hit_args(MaxAssignments=4, Reward="1.00", AutoApprovalDelayInSeconds=3600)
            )["HIT"]
            for _ in range(5)
        ]
        workers = [fake.workers.create() for _ in range(4)]
        for i, hit in enumerate(hits):
            for j, w in enumerate(workers):
                a = w.accept(hit["HITId"])
                if (i + j) % 4 == 0:
                    w.return_assignment(a)
                elif (i + j) % 4 == 1:
                    continue  # will be abandoned
                else:
                    w.submit(a, {"x": "y"})
        fake.check_invariants()
        prod_client.update_expiration_for_hit(HITId=hits[0]["HITId"], ExpireAt=0)
        fake.clock.advance(hours=2)
        fake.check_invariants()
        assert Decimal(prod_client.get_account_balance()["AvailableBalance"]) < Decimal("500.00")
