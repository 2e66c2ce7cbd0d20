"""Hand-driven workers: who may work, the HTML form in a browser, returned and abandoned work.

In the sandbox a colleague would do these by hand on workersandbox.mturk.com; here the fake's
simulated workers (``mturk.workers``, the ``trained`` fixture) do them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from labelling import collect
from labelling.qualifications import TRAINING_ANSWERS

from pytest_mturk import WorkerActionError
from tests.crowd import TRUTH, Browser, honest


def test_only_workers_who_pass_the_training_test_can_accept(mturk_worker, mturk, batch):
    worker = mturk_worker
    hit_id = batch.hit_ids[0]
    assert worker.can_discover(hit_id) and not worker.can_accept(hit_id)
    with pytest.raises(WorkerActionError):
        worker.accept(hit_id)
    # Half right scores 50, below the 75 we require: granted, but not enough.
    worker.request_qualification(batch.training_type_id, {**TRAINING_ANSWERS, "practice-2": "dog"})
    assert worker.qualification_value(batch.training_type_id) == 50
    assert not worker.can_accept(hit_id)

    retaker = mturk.workers.create(country="GB")
    retaker.request_qualification(batch.training_type_id, TRAINING_ANSWERS)
    assert retaker.qualification_value(batch.training_type_id) == 100
    assert retaker.accept(hit_id)


def test_locale_and_approval_rate_keep_some_workers_out(trained, batch):
    [abroad] = trained(country="IN")
    [sloppy] = trained(approved=80, rejected=20)  # 80 % approved; we require 95 %
    [good] = trained(country="CA", approved=500, rejected=3)
    hit_id = batch.hit_ids[0]
    assert not abroad.can_discover(hit_id)  # the locale rule hides the HIT altogether
    assert hit_id not in abroad.search_hits("pet photos")
    assert sloppy.can_discover(hit_id) and not sloppy.can_accept(hit_id)
    assert good.can_accept(hit_id) and hit_id in good.search_hits("pet photos")


def test_a_worker_answers_the_form_in_a_browser(trained, batch, client):
    [worker] = trained()
    hit_id = batch.hit_ids[1]
    preview = Browser(worker).open(hit_id)
    assert preview.submit_disabled  # previewing: the form cannot be sent yet

    assignment_id = worker.accept(hit_id)
    form = Browser(worker).open(hit_id, assignment_id)
    assert form.action == "https://workersandbox.mturk.com/mturk/externalSubmit"
    assert form.fields == {"assignmentId": assignment_id}
    assert set(form.choices) == set(honest(client.get_hit(HITId=hit_id)["HIT"]["Question"]))
    answer = form.submit({name: TRUTH[name.removeprefix("label-")] for name in form.choices})
    assert answer.status_code == 200 and "Your HIT has been submitted" in answer.text

    [sub] = collect.collect(client, "pets-1")
    assert (sub.assignment_id, sub.worker_id, sub.status) == (
        assignment_id,
        worker.worker_id,
        "Submitted",
    )
    assert sub.labels == {
        "img-004": "bird",
        "gold-dog": "dog",
        "img-005": "other",
        "img-006": "dog",
    }


def test_returned_and_abandoned_work_reopens_the_slot(trained, batch, client, mturk_clock):
    returner, walker, finisher = trained(3)
    hit_id = batch.hit_ids[0]
    question = client.get_hit(HITId=hit_id)["HIT"]["Question"]

    returner.return_assignment(returner.accept(hit_id))
    walker.accept(hit_id)  # and never comes back
    finisher.do(hit_id, honest(question))
    status = collect.batch_status(client, "pets-1")
    assert (status.available, status.pending) == (3 + 3 + 1, 1)

    mturk_clock.advance(timedelta(minutes=20, seconds=1))  # the 20-minute assignment duration
    status = collect.batch_status(client, "pets-1")
    assert (status.available, status.pending) == (3 + 3 + 2, 0)
    assert [sub.worker_id for sub in collect.collect(client, "pets-1")] == [finisher.worker_id]
    # The abandoned worker cannot submit any more; they can take the HIT again, though.
    assert walker.can_accept(hit_id)
