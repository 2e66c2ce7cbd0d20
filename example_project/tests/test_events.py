"""The SQS consumer, against a real (moto) queue: MTurk's assignment events arrive in it.

``moto.mock_aws`` gives us SQS; pytest-mturk delivers the HIT type's notifications into moto's
queue, so the consumer reads exactly the messages MTurk would send.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from labelling import config, events, publish
from labelling.qualifications import TRAINING_ANSWERS
from moto import mock_aws

from tests.crowd import honest


@pytest.fixture
def queue_url():
    with mock_aws():
        sqs = config.sqs_client()
        yield events.create_queue(sqs, "labelling-events")


@pytest.fixture
def consumer(client, queue_url, gold, settings):
    return events.Consumer(client, config.sqs_client(), queue_url, gold, settings)


@pytest.fixture
def posted(client, sample, settings, queue_url, mturk):
    batch = publish.publish(client, "pets-1", sample, replace(settings, queue_url=queue_url))
    for worker in (workers := [mturk.workers.create() for _ in range(3)]):
        worker.request_qualification(batch.training_type_id, TRAINING_ANSWERS)
    question = client.get_hit(HITId=batch.hit_ids[0])["HIT"]["Question"]
    return batch, workers, question


def test_the_queue_lets_mturk_send_to_it(queue_url):
    sqs = config.sqs_client()
    policy = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Policy"])
    statement = json.loads(policy["Attributes"]["Policy"])["Statement"][0]
    assert statement["Principal"] == {"Service": "mturk-requester.amazonaws.com"}


def test_the_consumer_rejects_gold_failures_and_reviews_full_pages(
    posted, consumer, client, mturk, queue_url
):
    batch, (alice, bob, carol), question = posted
    hit_id = batch.hit_ids[0]
    alice.do(hit_id, honest(question))
    bob.do(hit_id, honest(question, gold_cat="bird"))
    mturk.assert_notified("AssignmentSubmitted", hit_id=hit_id, destination=queue_url, count=2)

    handled = consumer.drain()
    assert [(h.event_type, h.action) for h in handled] == [
        ("AssignmentSubmitted", "passed gold"),
        ("AssignmentSubmitted", "rejected: failed gold"),
    ]
    bob_assignment = handled[1].assignment_id
    assert (
        client.get_assignment(AssignmentId=bob_assignment)["Assignment"]["AssignmentStatus"]
        == "Rejected"
    )

    carol.do(hit_id, honest(question, img_003="dog"))  # the last slot: the HIT becomes Reviewable
    handled = consumer.drain()
    assert [(h.event_type, h.action) for h in handled] == [
        ("AssignmentSubmitted", "passed gold"),
        ("HITReviewable", "reviewed: 2 approved, 0 rejected"),
    ]
    mturk.assert_paid(alice.worker_id, "0.12")
    mturk.assert_bonus_paid(alice.worker_id, "0.04")  # img-001, img-002; no majority on img-003
    mturk.assert_bonus_paid(carol.worker_id, "0.04")
    mturk.assert_not_paid(bob.worker_id)
    assert consumer.drain() == []


def test_returned_and_abandoned_assignments_are_noted(
    posted, consumer, mturk, mturk_clock, queue_url
):
    batch, (alice, bob, _), _ = posted
    hit_id = batch.hit_ids[2]
    alice.return_assignment(alice.accept(hit_id))
    bob.accept(hit_id)
    mturk_clock.advance(timedelta(minutes=21))

    mturk.assert_notified("AssignmentReturned", hit_id=hit_id, count=1)
    mturk.assert_notified("AssignmentAbandoned", hit_id=hit_id, destination=queue_url, count=1)
    assert [(h.event_type, h.action) for h in consumer.drain()] == [
        ("AssignmentReturned", "noted"),
        ("AssignmentAbandoned", "noted"),
    ]
