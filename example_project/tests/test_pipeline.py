"""End to end with simulated workers: the only tests here that know about pytest-mturk.

``@pytest.mark.mturk(autopilot=3)`` has three simulated workers do every assignment;
the ``mturk`` fixture gives hand-made workers, the clock and the ledgers.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from labelling import jobs


@pytest.mark.mturk(autopilot=3, seed=11)
def test_autopilot_workers_answer_every_hit():
    mturk = jobs.client()
    [hit_id] = jobs.post_batch(mturk, ["a.png"])
    labels = jobs.answers(mturk, hit_id)
    assert len(labels) == 3 and set(labels.values()) <= {"cat", "dog"}


def test_review_pays_the_right_workers(mturk):
    client = jobs.client()
    [hit_id] = jobs.post_batch(client, ["cat.png"])
    right, wrong = mturk.workers.create(), mturk.workers.create()
    right.do(hit_id, {"label": "cat"})
    wrong.do(hit_id, {"label": "dog"})
    assert jobs.review(client, hit_id, gold="cat") == (1, 1)
    assert jobs.reward_fast_workers(client, hit_id) == 1
    mturk.assert_paid(right.worker_id, "0.05")
    mturk.assert_bonus_paid(right.worker_id, "0.10", reason="Fast and accurate")
    mturk.assert_not_paid(wrong.worker_id)


def test_unreviewed_work_is_approved_automatically_after_a_day(mturk):
    client = jobs.client()
    [hit_id] = jobs.post_batch(client, ["dog.png"], assignments=1)
    worker = mturk.workers.create()
    worker.do(hit_id, {"label": "dog"})
    mturk.clock.advance(timedelta(days=1, seconds=1))
    assert jobs.review(client, hit_id, gold="dog") == (0, 0)  # nothing left to review
    mturk.assert_paid(worker.worker_id, "0.05")
    assert jobs.cleanup(client) == 1


def test_low_approval_rate_workers_cannot_accept(mturk):
    from pytest_mturk import WorkerActionError

    client = jobs.client()
    [hit_id] = jobs.post_batch(client, ["cat.png"])
    sloppy = mturk.workers.create(approved=80, rejected=40)
    with pytest.raises(WorkerActionError):
        sloppy.accept(hit_id)
