"""Snapshots, state dumps, and the invariant checker (which must catch corruption)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import boto3
import pytest

from pytest_mturk import MTurkFake, persist
from pytest_mturk.invariants import InvariantError
from tests.conftest import FORM_Q, UPLOAD_Q, hit_args


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


def _reversed_keys(value: Any) -> Any:
    """The same JSON with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {k: _reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


@pytest.mark.parametrize("reorder", ["sort_keys", "reversed"])
def test_a_dump_loads_the_same_whatever_the_key_order(
    fake: MTurkFake, client: Any, reorder: str
) -> None:
    scenario(fake, client)
    fake.autopilot(workers=1, delay=30)  # scheduled work is left out, and does not break loading
    client.create_hit(**hit_args())
    data = fake.dump_state()
    if reorder == "sort_keys":
        reordered = json.loads(json.dumps(data, sort_keys=True))
    else:
        reordered = _reversed_keys(json.loads(json.dumps(data)))
        assert json.dumps(reordered) != json.dumps(data)
    again = MTurkFake.load_state(reordered)
    in_order = MTurkFake.load_state(json.loads(json.dumps(data)))
    assert json.dumps(again.dump_state()) == json.dumps(in_order.dump_state())
    assert len(again.service.hits_by_id) == 2
    again.check_invariants()


def test_uploaded_files_survive_a_dump(fake: MTurkFake, client: Any) -> None:
    hit = client.create_hit(**hit_args(Question=UPLOAD_Q))["HIT"]
    worker = fake.workers.create()
    a = worker.do(hit["HITId"], {"photo": b"\x89PNG\r\n\x00\xff", "caption": "me"})
    data = json.loads(json.dumps(fake.dump_state()))
    with MTurkFake.load_state(data):
        url = client.get_file_upload_url(AssignmentId=a, QuestionIdentifier="photo")
        assert url["FileUploadURL"]
    loaded = MTurkFake.load_state(data)
    assert loaded.service.hits_by_id[hit["HITId"]].files[(a, "photo")] == b"\x89PNG\r\n\x00\xff"


HOSTILE = {
    "a module function as a type": ("objects", ["os:system", []]),
    "eval as a type": ("types", "builtins:eval"),
    "a function reference": ("value", {"$fn": "os:system"}),
    "eval as an index rule": ("value", {"$index": "builtins:eval"}),
    "an old-style object": ("value", {"$obj": "os:system", "$id": 0, "f": {}}),
    "an attribute of a record that is no field": ("field", "__class__"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_dumps_are_refused_and_run_nothing(
    fake: MTurkFake, client: Any, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import os

    ran: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: ran.append(a))
    monkeypatch.setattr(builtins, "eval", lambda *a: ran.append(a))
    scenario(fake, client)
    data = json.loads(json.dumps(fake.dump_state()))
    where, payload = HOSTILE[case]
    if where == "objects":
        data["objects"][0] = payload
    elif where == "types":
        data["types"][payload] = []
    elif where == "value":
        data["state"]["layouts"] = payload
    else:
        hit = next(o for o in data["objects"] if o[0] == "HIT")
        data["types"]["HIT"].append(payload)
        hit[1].append({"$map": []})
    before = json.dumps(fake.dump_state(), sort_keys=True)
    with pytest.raises(ValueError) as exc:
        MTurkFake.load_state(data)
    with pytest.raises(ValueError):
        persist.load_service(fake.service, data)
    assert json.dumps(fake.dump_state(), sort_keys=True) == before  # nothing changed
    assert ran == []
    assert "$." in str(exc.value)  # says where


def test_a_dump_cannot_replace_a_method_of_the_service(fake: MTurkFake) -> None:
    data = json.loads(json.dumps(fake.dump_state()))
    data["state"]["call"] = "no longer a method"
    with pytest.raises(ValueError, match=r"at \$\.state: unexpected call"):
        persist.load_service(fake.service, data)
    assert callable(fake.service.call)


BROKEN = {
    "truncated object table": (
        lambda d: d.update(objects=d["objects"][: len(d["objects"]) // 2]),
        r"\$\..*: reference to object \d+, which the dump does not hold",
    ),
    "a missing field": (
        lambda d: d["types"]["HIT"].remove("status"),
        r"\$\.types\.HIT: the fields of a HIT do not match: missing status",
    ),
    "a bad decimal": (
        lambda d: next(o for o in d["objects"] if o[0] == "World")[1].__setitem__(
            d["types"]["World"].index("prepaid"), {"$dec": "lots"}
        ),
        r"\$\.objects\[\d+\]\[1\]\.prepaid\.\$dec: bad \$dec value",
    ),
    "an object with too few fields": (
        lambda d: next(o for o in d["objects"] if o[0] == "Assignment")[1].pop(),
        r"\$\.objects\[\d+\]: an object of type Assignment has \d+ fields, not \d+",
    ),
    "a bad generator state": (
        lambda d: d["state"].update(rng={"$rng": {"$tuple": [3, 4]}}),
        r"\$\.state\.rng\.\$rng: not the state of a random number generator",
    ),
    "a missing state attribute": (
        lambda d: d["state"].pop("hits_by_id"),
        r"\$\.state: missing hits_by_id",
    ),
    "an unknown tag": (
        lambda d: d["state"].update(layouts={"$pickle": "..."}),
        r"\$\.state\.layouts\.\$pickle: unknown tag '\$pickle' \(known: \$ref, ",
    ),
    "a map entry that is no pair": (
        lambda d: d["state"]["hits_by_id"]["$map"].__setitem__(0, ["only a key"]),
        r"\$\.state\.hits_by_id\.\$map\[0\]: a map entry is a \[key, value\] pair",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_dump_says_where_and_changes_nothing(
    fake: MTurkFake, client: Any, case: str
) -> None:
    scenario(fake, client)
    data = json.loads(json.dumps(fake.dump_state()))
    breaker, message = BROKEN[case]
    breaker(data)
    before = json.dumps(fake.dump_state(), sort_keys=True)
    with pytest.raises(ValueError, match=message):
        persist.load_service(fake.service, data)
    assert json.dumps(fake.dump_state(), sort_keys=True) == before


def test_a_truncated_dump_file_is_a_json_error_with_its_position(
    fake: MTurkFake, client: Any
) -> None:
    scenario(fake, client)
    text = json.dumps(fake.dump_state())
    with pytest.raises(ValueError, match=r"line 1 column \d+"):
        MTurkFake.load_state(json.loads(text[: len(text) // 3]))


def test_dumps_are_versioned(fake: MTurkFake) -> None:
    data = fake.dump_state()
    assert (data["format"], data["version"]) == ("pytest-mturk-state", persist.VERSION)
    with pytest.raises(ValueError, match="not a pytest-mturk state dump"):
        MTurkFake.load_state({"format": "something else"})
    with pytest.raises(ValueError, match=r"version 99 is not supported.*reads version 2"):
        MTurkFake.load_state({**data, "version": 99})
    with pytest.raises(ValueError, match="old format 'pytest-mturk-state/1'"):
        MTurkFake.load_state({"format": "pytest-mturk-state/1", "state": {}})


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


def test_reset_and_restore_keep_the_service_in_place(fake: MTurkFake, client: Any) -> None:
    """Whoever holds the service (workers, autopilot, a server) stays valid across both."""
    service = fake.service
    alice = fake.workers.create()
    server = fake.serve()
    try:
        hit_id = client.create_hit(**hit_args(MaxAssignments=2))["HIT"]["HITId"]
        snap = fake.snapshot()
        alice.do(hit_id, {"answer": "before"})
        fake.restore(snap)
        assert fake.service is service
        assert client.list_assignments_for_hit(HITId=hit_id)["NumResults"] == 0
        alice.do(hit_id, {"answer": "after restore"})  # the same Worker object still works
        assert client.list_assignments_for_hit(HITId=hit_id)["NumResults"] == 1
        fake.reset()
        assert fake.service is service
        assert fake.calls == [] and fake.payments == []
        remote = boto3.session.Session(
            aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
        ).client("mturk", region_name="us-east-1", endpoint_url=server.url)
        # The running server answers from the reset state.
        assert remote.list_hits()["NumResults"] == 0
        bob = fake.workers.create()
        new_hit = remote.create_hit(**hit_args())["HIT"]["HITId"]
        bob.do(new_hit, {"answer": "after reset"})
        assert client.list_assignments_for_hit(HITId=new_hit)["NumResults"] == 1
    finally:
        server.stop()


def test_the_state_holds_nothing_python_3_14_cannot_copy() -> None:
    # Python 3.14 drops copy and pickle support from itertools objects (3.13 warns), and
    # snapshots deep-copy every state attribute of the service.
    import itertools

    fake = MTurkFake(seed=5)
    svc = fake.service
    itertools_types = tuple(
        t for t in vars(itertools).values() if isinstance(t, type) and t.__module__ == "itertools"
    )
    held = {name: type(value).__name__ for name, value in vars(svc).items()}
    assert not [name for name, value in vars(svc).items() if isinstance(value, itertools_types)], (
        held
    )
    with fake:
        snapshot = fake.snapshot()
        fake.restore(snapshot)
