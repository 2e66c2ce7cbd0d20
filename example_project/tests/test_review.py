"""Review: gold checks, majority labels, agreement bonuses, approve and reject."""

from __future__ import annotations

from decimal import Decimal

import pytest
from labelling import publish, review
from labelling.collect import collect
from labelling.qualifications import TRAINING_ANSWERS

from tests.crowd import TRUTH, crowd, honest


@pytest.fixture
def page(client, batch):
    """The first page's HIT id and Question (photos gold-cat, img-001, img-002, img-003)."""
    hit_id = batch.hit_ids[0]
    return hit_id, client.get_hit(HITId=hit_id)["HIT"]["Question"]


def test_a_worker_who_fails_gold_is_rejected_with_feedback(trained, page, client, gold, mturk):
    alice, bob, carol = trained(3)
    hit_id, question = page
    alice.do(hit_id, honest(question))
    bob.do(hit_id, honest(question, gold_cat="dog"))
    carol.do(hit_id, honest(question))

    [result] = review.review_batch(client, "pets-1", gold)
    assert len(result.approved) == 2 and len(result.rejected) == 1
    [rejected] = result.rejected
    assignment = client.get_assignment(AssignmentId=rejected)["Assignment"]
    assert assignment["WorkerId"] == bob.worker_id
    assert assignment["AssignmentStatus"] == "Rejected"
    assert "Photo gold-cat is a check photo: it shows a cat" in assignment["RequesterFeedback"]
    mturk.assert_not_paid(bob.worker_id)
    mturk.assert_paid(alice.worker_id, "0.12")


def test_workers_who_agree_get_a_bonus_sent_before_approval(trained, page, client, gold, mturk):
    alice, bob, carol = trained(3)
    hit_id, question = page
    alice.do(hit_id, honest(question))
    bob.do(hit_id, honest(question, img_001="dog"))  # right on gold, one odd label
    carol.do(hit_id, honest(question, img_001="bird", img_002="bird"))

    [result] = review.review_batch(client, "pets-1", gold)
    assert result.consensus == {"img-001": None, "img-002": "dog", "img-003": "cat"}
    assert result.bonuses == {
        alice.worker_id: Decimal("0.04"),
        bob.worker_id: Decimal("0.04"),
        carol.worker_id: Decimal("0.02"),
    }
    for worker, amount in ((alice, "0.04"), (bob, "0.04"), (carol, "0.02")):
        mturk.assert_paid(worker.worker_id, "0.12")
        mturk.assert_bonus_paid(worker.worker_id, amount)
    # oTree's order: each assignment's bonus goes out before its approval.
    calls = [c for c in mturk.calls if c.operation in ("SendBonus", "ApproveAssignment")]
    assert [c.operation for c in calls] == ["SendBonus", "ApproveAssignment"] * 3
    assert [c.params["AssignmentId"] for c in calls[::2]] == [
        c.params["AssignmentId"] for c in calls[1::2]
    ]


def test_reviewing_again_pays_nobody_twice(trained, page, client, gold, mturk):
    hit_id, question = page
    workers = trained(3)
    for worker in workers:
        worker.do(hit_id, honest(question))
    review.review_batch(client, "pets-1", gold)
    [again] = review.review_batch(client, "pets-1", gold)
    assert (again.approved, again.rejected, again.bonuses) == ([], [], {})
    for worker in workers:
        mturk.assert_bonus_paid(worker.worker_id, "0.06")  # 3 photos agreed, once


def test_only_complete_pages_are_reviewed(trained, page, client, gold):
    hit_id, question = page
    for worker in trained(2):  # 2 of 3 assignments: the HIT is not Reviewable yet
        worker.do(hit_id, honest(question))
    assert review.review_batch(client, "pets-1", gold) == []
    assert {sub.status for sub in collect(client, "pets-1")} == {"Submitted"}


@pytest.mark.mturk(autopilot={"workers": 4, "delay": 60, "answers": crowd()})
def test_a_whole_batch_done_by_autopilot_workers(mturk, client, sample, gold, settings):
    batch = publish.publish(client, "pets-1", sample, settings)
    for worker in mturk.workers:  # the autopilot's workers take our training first
        worker.request_qualification(batch.training_type_id, TRAINING_ANSWERS)
    mturk.clock.advance(seconds=60)  # they get to work a minute after the HITs appear

    reviews = review.review_batch(client, "pets-1", gold)
    assert len(reviews) == 3
    assert sum(len(r.approved) for r in reviews) == 9
    labels = {item: label for r in reviews for item, label in r.consensus.items()}
    assert labels == {item: label for item, label in TRUTH.items() if item.startswith("img")}
    assert sum(p.amount for p in mturk.payments if p.kind == "bonus") == Decimal("0.54")


def test_a_careless_autopilot_worker_is_caught_by_gold(mturk, client, sample, gold, settings):
    careless = set()
    pilot = mturk.autopilot(workers=3, delay=60, answers=crowd(careless_workers=careless))
    sloppy = pilot.workers[1]
    careless.add(sloppy.worker_id)  # answers "cat" to every photo
    batch = publish.publish(client, "pets-1", sample, settings)
    for worker in pilot.workers:
        worker.request_qualification(batch.training_type_id, TRAINING_ANSWERS)
    mturk.clock.advance(seconds=60)

    reviews = review.review_batch(client, "pets-1", gold)
    # "cat" is right on the page whose check photo is a cat, wrong on the other two.
    outcome = {r.hit_id: (len(r.approved), len(r.rejected)) for r in reviews}
    assert outcome == dict(zip(batch.hit_ids, [(3, 0), (2, 1), (2, 1)], strict=True))
    labels = {item: label for r in reviews for item, label in r.consensus.items()}
    assert labels == {item: label for item, label in TRUTH.items() if item.startswith("img")}
    mturk.assert_paid(sloppy.worker_id, "0.12")
    mturk.assert_bonus_paid(sloppy.worker_id, "0.04")  # img-001 and img-003 are cats
    for worker in (pilot.workers[0], pilot.workers[2]):
        mturk.assert_paid(worker.worker_id, "0.36")
        mturk.assert_bonus_paid(worker.worker_id, "0.18")
