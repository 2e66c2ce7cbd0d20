"""botocore's retry backoff for attempts the fake answered advances the fake clock instead of
sleeping, in the thread that made them; everything else still sleeps as botocore would."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.endpoint
import botocore.retries.standard as standard
import pytest
import time_machine
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from freezegun import freeze_time

from pytest_mturk import MTurkFake
from tests.conftest import SANDBOX

NOON = datetime(2030, 1, 1, 12, tzinfo=timezone.utc)


def retrying(attempts: int, mode: str = "standard") -> Any:
    return boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
    ).client(
        "mturk",
        region_name="us-east-1",
        endpoint_url=SANDBOX,
        config=Config(retries={"mode": mode, "total_max_attempts": attempts}),
    )


class Sleeps:
    """Stands in for ``time.sleep``: records who slept how long, and sleeps not at all."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append((threading.current_thread().name, seconds))


@pytest.fixture
def real_sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    sleeps = Sleeps()
    monkeypatch.setattr(time, "sleep", sleeps)
    return sleeps


@pytest.fixture
def seven_second_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 7.0)


@pytest.mark.usefixtures("seven_second_backoff")
def test_backoff_advances_the_fake_clock_instead_of_sleeping(real_sleeps: Sleeps) -> None:
    with MTurkFake() as fake:
        fake.clock.freeze(at=NOON)
        fake.faults.add("GetAccountBalance", "ServiceFault", times=2)
        assert retrying(3).get_account_balance()["ResponseMetadata"]["RetryAttempts"] == 2
        assert real_sleeps.calls == []
        assert [(c.attempt, c.status, c.time) for c in fake.calls] == [
            (1, 500, NOON),
            (2, 500, NOON + timedelta(seconds=7)),
            (3, 200, NOON + timedelta(seconds=14)),
        ]
        assert datetime.now(timezone.utc) == NOON + timedelta(seconds=14)


@pytest.mark.usefixtures("seven_second_backoff")
def test_backoff_advances_an_unfrozen_fake_clock_too(real_sleeps: Sleeps) -> None:
    with MTurkFake() as fake:
        fake.faults.add("GetAccountBalance", "ReadTimeout", times=2)  # connection errors too
        retrying(3).get_account_balance()
        assert real_sleeps.calls == []
        assert fake.clock.offset == timedelta(seconds=14)
        assert [c.attempt for c in fake.calls] == [1, 2, 3]


@pytest.mark.usefixtures("seven_second_backoff")
def test_real_retry_sleep_sleeps_as_botocore_does(real_sleeps: Sleeps) -> None:
    with MTurkFake(real_retry_sleep=True) as fake:
        fake.faults.add("GetAccountBalance", "ServiceFault", times=2)
        retrying(3).get_account_balance()
        assert [s for _, s in real_sleeps.calls] == [7.0, 7.0]
        assert fake.clock.offset == timedelta(0)


@pytest.mark.usefixtures("seven_second_backoff")
class _Empty:
    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield b""


def test_an_answer_the_fake_did_not_give_still_sleeps(real_sleeps: Sleeps) -> None:
    def not_the_fake(request: Any, **kwargs: Any) -> AWSResponse:
        # A handler of the client's own answers before the fake's (a more specific event).
        return AWSResponse(request.url, 500, {}, _Empty())

    with MTurkFake() as fake:
        client = retrying(2, mode="legacy")
        client.meta.events.register("before-send.mturk.GetAccountBalance", not_the_fake)
        with pytest.raises(client.exceptions.ClientError):
            client.get_account_balance()
        assert len(real_sleeps.calls) == 1  # legacy backoff: a random delay below one second
        assert fake.clock.offset == timedelta(0)


def test_only_the_thread_that_made_the_attempt_is_spared(
    monkeypatch: pytest.MonkeyPatch, real_sleeps: Sleeps
) -> None:
    def delay(self: Any, context: Any) -> float:
        # While botocore works out this thread's backoff, another thread sleeps through the
        # same botocore module: that sleep is a real one.
        other = threading.Thread(target=botocore.endpoint.time.sleep, args=(3.0,), name="bystander")
        other.start()
        other.join()
        return 7.0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", delay)
    with MTurkFake() as fake:
        fake.faults.add("GetAccountBalance", "ServiceFault", times=1)
        caller = threading.Thread(target=retrying(2).get_account_balance, name="caller")
        caller.start()
        caller.join()
        assert real_sleeps.calls == [("bystander", 3.0)]
        assert fake.clock.offset == timedelta(seconds=7)
        assert [c.attempt for c in fake.calls] == [1, 2]


# ----------------------------------------------------------------------------- rate limits


@pytest.fixture(params=["neither", "freezegun", "time-machine", "frozen by the fake"])
def timeline(request: pytest.FixtureRequest) -> Iterator[MTurkFake]:
    """The same fake under each way time can be kept."""
    outer: AbstractContextManager[Any] = nullcontext()
    if request.param == "freezegun":
        outer = freeze_time(NOON)
    elif request.param == "time-machine":
        outer = time_machine.travel(NOON, tick=False)
    with outer, MTurkFake(freeze_time=request.param == "frozen by the fake") as fake:
        yield fake


def test_rate_limited_calls_retry_on_fake_time(timeline: MTurkFake, real_sleeps: Sleeps) -> None:
    fake = timeline
    fake.faults.rate_limit(2, "GetAccountBalance")
    client = retrying(12)
    for _ in range(5):
        client.get_account_balance()  # each succeeds, retried as often as it takes
    assert real_sleeps.calls == []
    ok = [c.timestamp for c in fake.calls if c.ok]
    throttled = [c for c in fake.calls if c.error_code == "ThrottlingException"]
    assert len(ok) == 5 and throttled
    # Never more than two let through in any second of fake time.
    assert all(sum(t - 1 < u <= t for u in ok) <= 2 for t in ok)
    # Every throttled attempt was followed by the same call's next attempt.
    attempts = [c.attempt for c in fake.calls]
    for i, call in enumerate(fake.calls):
        if not call.ok:
            assert attempts[i + 1] == call.attempt + 1
