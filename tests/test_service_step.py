"""The service's shared transitions: ``svc.step()`` and ``svc.extend()``."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from pytest_mturk import MTurkFake
from pytest_mturk.service.model import ASSIGNABLE, UNASSIGNABLE
from tests.conftest import hit_args


def test_step_applies_what_fell_due_and_holds_the_lock(fake: MTurkFake) -> None:
    svc = fake.service
    ran: list[float] = []
    with svc.lock:
        due = svc.now()
        svc.schedule_callback(due, ran.append)  # scheduling applies nothing
    assert ran == []
    got: list[bool] = []
    with svc.step() as now:
        assert ran == [due] and now >= due
        other = threading.Thread(target=lambda: got.append(svc.lock.acquire(timeout=0.05)))
        other.start()
        other.join()
    assert got == [False]


def test_step_releases_the_lock_when_the_body_fails(fake: MTurkFake) -> None:
    svc = fake.service
    with pytest.raises(KeyError), svc.step():
        raise KeyError("boom")
    got: list[bool] = []

    def take() -> None:
        got.append(svc.lock.acquire(timeout=1))
        if got[-1]:
            svc.lock.release()

    other = threading.Thread(target=take)
    other.start()
    other.join()
    assert got == [True]


def test_extend_reopens_an_expired_hit(client: Any, fake: MTurkFake) -> None:
    svc = fake.service
    hit_id = client.create_hit(**hit_args(LifetimeInSeconds=60, MaxAssignments=1))["HIT"]["HITId"]
    fake.workers.create().accept(hit_id)
    fake.clock.advance(seconds=61)
    with svc.step() as now:
        hit = svc.hits_by_id[hit_id]
        assert hit.expired and hit.status == UNASSIGNABLE
        svc.extend(hit, now, more=2, until=now + 3600)
        assert (hit.expired, hit.status, hit.max_assignments, hit.available) == (
            False,
            ASSIGNABLE,
            3,
            2,
        )
        assert hit.expiration == now + 3600
    fake.clock.advance(seconds=3601)
    with svc.step():
        assert hit.expired  # the new expiry was scheduled
