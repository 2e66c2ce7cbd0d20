"""The labelling program's tests: plain boto3, as if against the MTurk sandbox.

Run them offline with ``pytest --mturk-fake``.
"""

from __future__ import annotations

import pytest
from labelling import jobs


@pytest.fixture
def mturk():
    return jobs.client()


def test_sandbox_balance(mturk):
    assert jobs.balance(mturk) == 10000


def test_post_batch_creates_one_hit_per_image(mturk):
    ids = jobs.post_batch(mturk, ["a.png", "b.png", "c.png"])
    hits = [mturk.get_hit(HITId=i)["HIT"] for i in ids]
    assert [h["RequesterAnnotation"] for h in hits] == ["a.png", "b.png", "c.png"]
    assert len({h["HITTypeId"] for h in hits}) == 1
    assert all(h["HITStatus"] == "Assignable" and h["MaxAssignments"] == 3 for h in hits)
    assert all(not jobs.is_expired(h) for h in hits)


def test_posting_the_same_image_twice_is_refused(mturk):
    jobs.post_batch(mturk, ["a.png"])
    with pytest.raises(mturk.exceptions.RequestError) as error:
        jobs.post_batch(mturk, ["a.png"])
    assert error.value.response["TurkErrorCode"] == "AWS.MechanicalTurk.HitAlreadyExists"


def test_no_answers_before_anyone_works(mturk):
    [hit_id] = jobs.post_batch(mturk, ["a.png"])
    assert jobs.answers(mturk, hit_id) == {}


def test_cleanup_expires_and_deletes(mturk):
    jobs.post_batch(mturk, ["a.png", "b.png"])
    assert jobs.cleanup(mturk) == 2
    assert mturk.list_hits()["NumResults"] == 0


def test_unknown_hit(mturk):
    with pytest.raises(mturk.exceptions.RequestError) as error:
        mturk.get_hit(HITId="3PR3LXCWSFNV4OJWZBHIMQOIJVSX9G")
    assert "does not exist" in str(error.value)


def test_bad_bonus_amount_is_refused_by_the_service(mturk):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as error:
        mturk.send_bonus(
            WorkerId="A1B2C3D4E5F6G7", AssignmentId="3ABC", BonusAmount="0.9752", Reason="x"
        )
    assert error.value.response["Error"]["Code"] == "ValidationException"
