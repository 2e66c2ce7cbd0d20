"""Between batches: inviting good workers back (NotifyWorkers), and taking HITs down."""

from __future__ import annotations

from labelling import cleanup, publish, review

from tests.crowd import honest


def test_approved_workers_are_invited_to_the_next_batch(
    trained, batch, client, sample, settings, gold, mturk
):
    hit_id = batch.hit_ids[0]
    question = client.get_hit(HITId=hit_id)["HIT"]["Question"]
    alice, bob, carol = trained(3)
    alice.do(hit_id, honest(question))
    bob.do(hit_id, honest(question, gold_cat="other"))  # rejected: not invited
    carol.do(hit_id, honest(question))
    review.review_batch(client, "pets-1", gold)

    second = publish.publish(client, "pets-2", sample, settings)
    notified, failed = publish.announce(client, second, previous_batch="pets-1")
    assert sorted(notified) == sorted([alice.worker_id, carol.worker_id]) and failed == []
    mturk.assert_emailed(alice.worker_id, subject="New pet photo labelling HITs: 3 pages")
    mturk.assert_emailed(carol.worker_id, contains="search for 'Label pet photos")
    assert [e.worker_id for e in mturk.emails] == notified


def test_workers_who_never_worked_for_us_cannot_be_written_to(client, mturk_workers, mturk):
    strangers = [w.worker_id for w in mturk_workers(2)]
    assert publish.notify(client, strangers, "Hello", "A message") == strangers
    assert mturk.emails == []


def test_cleanup_deletes_finished_hits_and_keeps_the_rest(trained, batch, client, gold):
    first, second, third = (client.get_hit(HITId=h)["HIT"] for h in batch.hit_ids)
    workers = trained(3)
    for worker in workers:
        worker.do(first["HITId"], honest(first["Question"]))  # done and reviewed below
    review.review_batch(client, "pets-1", gold)
    workers[0].do(second["HITId"], honest(second["Question"]))  # submitted, not reviewed
    in_progress = workers[1].accept(third["HITId"])  # still being worked on

    report = cleanup.cleanup(client, "pets-1")
    assert report.expired == [second["HITId"], third["HITId"]]
    assert report.deleted == [first["HITId"]]
    assert report.kept == {
        second["HITId"]: "1 assignment(s) to review",
        third["HITId"]: "1 assignment(s) in progress",
    }
    # Expired HITs take no new workers, but work in progress may still be submitted.
    assert not workers[2].can_accept(second["HITId"])
    workers[1].submit(in_progress, honest(third["Question"]))
    review.review_hit(client, second["HITId"], gold)
    review.review_hit(client, third["HITId"], gold)
    assert sorted(cleanup.cleanup(client, "pets-1").deleted) == sorted(
        [second["HITId"], third["HITId"]]
    )
    assert client.list_hits()["NumResults"] == 0
