"""Times from outside are compared with the fake's time at full precision.

The fake records times to the millisecond (as the real service, whose times are Java ``Date``s),
but a client's ``datetime.now()`` comes to the microsecond (botocore sends
``(seconds * 10**6 + microseconds) / 10**6``). Compared with the millisecond time, a client's
"now" could look up to a millisecond in the future. Each test freezes the clock at a time with
sub-millisecond digits, so what used to fail about 3 times in 4 fails every time without the fix.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import botocore.serialize
import pytest
from freezegun import freeze_time

from pytest_mturk import MTurkFake, WorkerActionError
from tests.conftest import TEST_FORM, UPLOAD_Q, hit_args

#: Frozen times whose sub-millisecond digits make the millisecond time earlier than "now".
SUB_MS = [
    datetime(2030, 3, 1, 12, 0, 0, 123456, tzinfo=timezone.utc),
    datetime(2030, 3, 1, 12, 0, 0, 1, tzinfo=timezone.utc),
    datetime(2030, 3, 1, 12, 0, 0, 999999, tzinfo=timezone.utc),
]


def sent(when: datetime) -> datetime:
    """``when`` as the installed botocore sends it: to the microsecond, or (botocore before
    1.31) in whole seconds."""
    seconds = botocore.serialize.create_serializer(
        "json", include_validation=False
    )._timestamp_unixtimestamp(when)
    return datetime.fromtimestamp(seconds, timezone.utc)


def to_ms(when: datetime) -> datetime:
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


@pytest.mark.parametrize("frozen_at", SUB_MS, ids=lambda d: f"us{d.microsecond}")
def test_expire_now_with_the_client_s_own_now_always_expires(
    client: Any, fake: MTurkFake, frozen_at: datetime
) -> None:
    """Regression: ``UpdateExpirationForHIT(ExpireAt=datetime.now(timezone.utc))`` was refused
    ("The value -3599 is invalid for ExpirationIncrementInSeconds") whenever the client's now had
    sub-millisecond digits the fake's millisecond clock did not reach: how larry,
    mcp-server-mturk and many scripts expire a HIT."""
    fake.clock.freeze(frozen_at)
    hit = client.create_hit(**hit_args(LifetimeInSeconds=3600))["HIT"]
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime.now(timezone.utc))
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert got["HITStatus"] == "Reviewable"
    # Recorded to the millisecond, as every time the service writes.
    assert got["Expiration"] == frozen_at.replace(microsecond=frozen_at.microsecond // 1000 * 1000)
    # A microsecond later is still the future, and not an extension of 60 s or more (where
    # botocore can send it: older botocore sends whole seconds, and that is the past).
    other = client.create_hit(**hit_args(LifetimeInSeconds=3600))["HIT"]
    a_bit_later = frozen_at + timedelta(microseconds=1)
    if sent(a_bit_later) > frozen_at:
        with pytest.raises(client.exceptions.ClientError) as exc:
            client.update_expiration_for_hit(HITId=other["HITId"], ExpireAt=a_bit_later)
        assert "ExpirationIncrementInSeconds" in str(exc.value)
    else:
        client.update_expiration_for_hit(HITId=other["HITId"], ExpireAt=a_bit_later)
        assert client.get_hit(HITId=other["HITId"])["HIT"]["HITStatus"] == "Reviewable"


def test_an_extension_is_recorded_to_the_millisecond(client: Any, fake: MTurkFake) -> None:
    fake.clock.freeze(SUB_MS[0])
    hit = client.create_hit(**hit_args(LifetimeInSeconds=3600))["HIT"]
    later = SUB_MS[0] + timedelta(hours=2, microseconds=789)
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=later)
    expiration = client.get_hit(HITId=hit["HITId"])["HIT"]["Expiration"]
    assert expiration == to_ms(sent(later))


def test_test_duration_is_measured_at_full_precision(client: Any, fake: MTurkFake) -> None:
    """Regression: a test begun 60.0003 s ago was within a 60 s TestDurationInSeconds, because
    the fake's now was cut to the millisecond before ``started_at`` was subtracted."""
    fake.clock.freeze(SUB_MS[0])
    qt = client.create_qualification_type(
        Name="timed",
        Description="d",
        QualificationTypeStatus="Active",
        Test=TEST_FORM,
        TestDurationInSeconds=60,
    )["QualificationType"]
    late, in_time = fake.workers.create(), fake.workers.create()
    answers = {"q1": "a", "q2": "x"}
    with pytest.raises(WorkerActionError) as exc:
        late.request_qualification(
            qt["QualificationTypeId"],
            answers,
            started_at=SUB_MS[0] - timedelta(seconds=60, microseconds=300),
        )
    assert exc.value.reason == "test_duration"
    assert in_time.request_qualification(
        qt["QualificationTypeId"], answers, started_at=SUB_MS[0] - timedelta(seconds=60)
    )


def test_an_upload_url_expires_at_the_exact_time(client: Any, fake: MTurkFake) -> None:
    """Regression: 60 s after the URL was issued (and 456 microseconds), the millisecond clock
    still read the expiry time itself, and the file was served."""
    import requests

    fake.clock.freeze(SUB_MS[0])
    hit = client.create_hit(**hit_args(Question=UPLOAD_Q))["HIT"]
    a = fake.workers.create().do(hit["HITId"], {"photo": b"\x89PNG", "caption": "c"})
    url = client.get_file_upload_url(AssignmentId=a, QuestionIdentifier="photo")["FileUploadURL"]
    assert requests.get(url, timeout=5).status_code == 200
    fake.clock.advance(seconds=60)
    assert requests.get(url, timeout=5).status_code == 403


def test_what_fell_due_is_found_at_the_exact_time(client: Any) -> None:
    """Regression: work due at a time that is not a whole millisecond (an autopilot delay of
    0.5005 s) was not done when the process's time (a freezegun tick) passed it by less than
    the millisecond the service cut its now to."""
    with freeze_time(SUB_MS[0]) as frozen, MTurkFake() as fake:
        hit = client.create_hit(**hit_args())["HIT"]
        fake.autopilot(workers=1, delay=0.5005)
        frozen.tick(timedelta(microseconds=500_500))
        assert client.list_assignments_for_hit(HITId=hit["HITId"])["NumResults"] == 1
