"""MTurk having a bad day: service faults, throttling and lost answers, met by botocore's
retries (the client's ``standard`` retry mode) and by the pipeline's idempotency tokens."""

from __future__ import annotations

import pytest
from labelling import collect, config, items, publish, review
from labelling.cli import main

from tests.crowd import honest


@pytest.mark.mturk_fault("CreateHITWithHITType", "ServiceFault", times=2)
def test_service_faults_while_posting_are_retried(client, sample, settings, mturk):
    batch = publish.publish(client, "pets-1", sample, settings)
    assert len(batch.hit_ids) == 3
    attempts = mturk.calls_to("CreateHITWithHITType")
    assert [c.attempt for c in attempts[:3]] == [1, 2, 3]  # the first HIT took three tries
    assert len(attempts) == 5
    assert client.list_hits()["NumResults"] == 3


def test_throttled_posting_slows_down_and_gets_through(client, settings, mturk, tmp_path):
    many = tmp_path / "many.csv"
    rows = [f"img-{n:03},https://images.example.org/pets/{n:03}.jpg," for n in range(1, 61)]
    many.write_text(
        "item_id,image_url,gold_label\n"
        + "\n".join(rows)
        + "\ngold,https://images.example.org/g.jpg,cat\n"
    )
    mturk.faults.rate_limit(5, "CreateHITWithHITType")  # "Rate exceeded" past 5 calls a second

    batch = publish.publish(client, "big", items.read_items(many), settings)
    assert len(batch.hit_ids) == 20
    throttled = [
        c for c in mturk.calls_to("CreateHITWithHITType") if c.error_code == "ThrottlingException"
    ]
    assert throttled  # some attempts were refused, and retried after a backoff
    assert client.list_hits(MaxResults=100)["NumResults"] == 20


def test_a_lost_create_answer_does_not_post_the_page_twice(client, sample, settings, mturk):
    # The first HIT is created, but its answer never arrives: botocore retries, MTurk refuses
    # the repeated UniqueRequestToken, and the pipeline finds the HIT it made.
    mturk.faults.add("CreateHITWithHITType", "ReadTimeout", times=1)
    batch = publish.publish(client, "pets-1", sample, settings)
    assert client.list_hits()["NumResults"] == 3
    assert len(set(batch.hit_ids)) == 3
    first, retry = mturk.calls_to("CreateHITWithHITType")[:2]
    assert (first.status, retry.attempt) == (0, 2)  # no answer; botocore's retry
    assert retry.turk_error_code == "AWS.MechanicalTurk.HitAlreadyExists"


def test_a_lost_bonus_answer_does_not_pay_twice(trained, batch, client, gold, mturk):
    hit_id = batch.hit_ids[0]
    question = client.get_hit(HITId=hit_id)["HIT"]["Question"]
    workers = trained(3)
    for worker in workers:
        worker.do(hit_id, honest(question))
    mturk.faults.add("SendBonus", "ReadTimeout", times=1)

    [result] = review.review_batch(client, "pets-1", gold)
    assert len(result.bonuses) == 3
    for worker in workers:
        mturk.assert_bonus_paid(worker.worker_id, "0.06")  # once, not twice
    assert len(mturk.calls_to("SendBonus")) == 4  # the lost one was retried


def test_throttled_pages_of_a_long_listing_are_retried(client, sample, mturk, mturk_clock):
    settings = config.Settings(assignments_per_hit=12)  # more than one page of assignments
    pilot = mturk.autopilot(workers=12, delay=60)
    batch = publish.publish(client, "pets-1", sample, settings)
    for worker in pilot.workers:
        worker.request_qualification(
            batch.training_type_id, {"practice-1": "cat", "practice-2": "bird"}
        )
    mturk_clock.advance(seconds=60)
    mturk.faults.add(
        "ListAssignmentsForHIT", "ThrottlingException", when=lambda p: "NextToken" in p, times=3
    )

    assert len(collect.collect(client, "pets-1")) == 36
    calls = mturk.calls_to("ListAssignmentsForHIT")
    throttled = [c for c in calls if c.error_code == "ThrottlingException"]
    assert [c.attempt for c in throttled] == [1, 2, 3]  # one page, refused three times
    assert all("NextToken" in c.params for c in throttled)


@pytest.mark.mturk_fault("GetAccountBalance", "ServiceFault", times=6)
def test_the_command_line_reports_a_fault_that_outlasts_the_retries(capsys, mturk):
    assert main(["balance"]) == 1
    assert "ServiceFault" in capsys.readouterr().err
    assert len(mturk.calls_to("GetAccountBalance")) == 6  # max_attempts
