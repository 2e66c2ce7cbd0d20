"""Time: lifetimes, auto-approval, and code that sleeps while it waits for the crowd.

``mturk_frozen_clock`` makes the fake's time and our code's ``datetime.now()`` one timeline, so
the pipeline's own deadline arithmetic is tested too; ``fast_sleep`` turns the pipeline's
``time.sleep`` polling into fake time.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from labelling import cleanup, collect, publish, review
from labelling.qualifications import TRAINING_ANSWERS

from tests.crowd import crowd, honest


def test_a_batch_expires_after_three_days(mturk_frozen_clock, batch, client):
    posted = datetime.now(timezone.utc)
    status = collect.batch_status(client, "pets-1")
    # MTurk keeps times to the millisecond.
    assert posted + timedelta(days=3) - status.next_expiry < timedelta(milliseconds=1)
    assert (status.expired, status.finished) == (0, False)

    mturk_frozen_clock.advance(days=3)
    status = collect.batch_status(client, "pets-1")
    assert datetime.now(timezone.utc) == posted + timedelta(days=3)
    assert (status.expired, status.next_expiry) == (3, None)
    assert status.finished  # nothing in progress: every HIT is Reviewable
    assert len(cleanup.cleanup(client, "pets-1").deleted) == 3


def test_unreviewed_work_is_approved_automatically(
    mturk_frozen_clock, trained, batch, client, gold, mturk
):
    hit_id = batch.hit_ids[0]
    question = client.get_hit(HITId=hit_id)["HIT"]["Question"]
    workers = trained(3)
    for worker in workers:
        worker.do(hit_id, honest(question))
    mturk_frozen_clock.advance(days=3)  # the auto-approval delay: nobody reviewed in time

    for worker in workers:
        mturk.assert_paid(worker.worker_id, "0.12")
    # The other pages expired meanwhile (their 3-day lifetime): Reviewable, with no work.
    late = review.review_batch(client, "pets-1", gold)
    assert len(late) == 3
    assert all(r.approved == r.rejected == [] and r.bonuses == {} for r in late)
    assert {sub.status for sub in collect.collect(client, "pets-1")} == {"Approved"}


@pytest.mark.mturk(fast_sleep=True, autopilot={"workers": 3, "delay": 3600, "answers": crowd()})
def test_waiting_for_the_crowd_costs_no_real_time(mturk, client, sample, settings):
    batch = publish.publish(client, "pets-1", sample, settings)
    for worker in mturk.workers:
        worker.request_qualification(batch.training_type_id, TRAINING_ANSWERS)
    started = mturk.clock.now()

    status = collect.wait_until_finished(client, "pets-1", poll_seconds=300)
    assert status.finished and status.completed == 0 and status.pending == 0
    waited = mturk.clock.now() - started
    assert timedelta(hours=1) <= waited < timedelta(hours=1, minutes=5)
    assert len(collect.collect(client, "pets-1")) == 9


@pytest.mark.mturk(fast_sleep=True)
def test_waiting_gives_up_when_nobody_works(client, batch):
    with pytest.raises(collect.NotFinished):
        collect.wait_until_finished(client, "pets-1", poll_seconds=600, timeout_seconds=3600)
