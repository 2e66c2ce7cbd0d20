"""Fast sleep: ``time.sleep`` in the test's own thread advances the fake clock (and a frozen
timeline) instead of waiting, so what the sleep waited for still happens, in order; other
threads keep real sleeping unless opted in. (The time it saves is measured in
``benchmarks/bench_time.py``, not asserted here.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import pytest

from pytest_mturk import MTurkFake
from tests.conftest import hit_args

pytest_plugins = ["pytester"]

NOON = datetime(2030, 1, 1, 12, tzinfo=timezone.utc)


class Sleeps:
    """Stands in for the real ``time.sleep`` (installed before the fake): records who slept."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append((threading.current_thread().name, seconds))


@pytest.fixture
def real_sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    sleeps = Sleeps()
    monkeypatch.setattr(time, "sleep", sleeps)
    return sleeps


def in_thread(target: Callable[[], object], name: str) -> None:
    thread = threading.Thread(target=target, name=name)
    thread.start()
    thread.join()


def test_a_sandbox_shaped_test_has_the_same_outcome(client: Any) -> None:
    # Written for the real sandbox: create, wait for MTurk to catch up, look; create, wait,
    # extend. With fast sleep the waits are fake time.
    with MTurkFake(fast_sleep=True) as fake:
        started = fake.clock.now()
        hit = client.create_hit(**hit_args(MaxAssignments=2))["HIT"]
        time.sleep(15)
        listed = client.list_hits()["HITs"]
        assert [h["HITId"] for h in listed] == [hit["HITId"]]
        assert listed[0]["HITStatus"] == "Assignable"

        other = client.create_hit(**hit_args(MaxAssignments=2))["HIT"]
        time.sleep(15)
        client.create_additional_assignments_for_hit(
            HITId=other["HITId"], NumberOfAdditionalAssignments=1
        )
        extended = client.get_hit(HITId=other["HITId"])["HIT"]
        assert extended["MaxAssignments"] == 3
        assert extended["NumberOfAssignmentsAvailable"] == 3
        assert fake.clock.now() - started >= timedelta(seconds=30)


def test_what_the_sleep_waited_for_happens_in_order(client: Any, real_sleeps: Sleeps) -> None:
    with MTurkFake(fast_sleep=True) as fake:
        # Abandonment at +50 s, expiry at +100 s: one sleep over both applies them in order.
        hit = client.create_hit(
            **hit_args(LifetimeInSeconds=100, AssignmentDurationInSeconds=50, MaxAssignments=1)
        )["HIT"]
        fake.workers.create().accept(hit["HITId"])
        time.sleep(500)
        got = client.get_hit(HITId=hit["HITId"])["HIT"]
        assert (got["HITStatus"], got["NumberOfAssignmentsAvailable"]) == ("Reviewable", 1)
        assert real_sleeps.calls == [("MainThread", 0)]  # only the yield a real sleep gives


def test_sleep_moves_a_frozen_timeline(client: Any) -> None:
    with MTurkFake(fast_sleep=True, freeze_time=True) as fake:
        fake.clock.freeze(at=NOON)
        time.sleep(90)
        assert datetime.now(timezone.utc) == fake.clock.now() == NOON + timedelta(seconds=90)
        assert time.time() == (NOON + timedelta(seconds=90)).timestamp()
        hit = client.create_hit(**hit_args())["HIT"]
        assert hit["CreationTime"] == NOON + timedelta(seconds=90)


def test_other_threads_keep_real_sleeping_unless_opted_in(real_sleeps: Sleeps) -> None:
    with MTurkFake(fast_sleep=True) as fake:
        in_thread(lambda: time.sleep(5), "poller")
        assert real_sleeps.calls == [("poller", 5)]
        assert fake.clock.offset == timedelta(0)

        time.sleep(5)  # the test's own thread
        assert fake.clock.offset == timedelta(seconds=5)

        poller = threading.Thread(target=lambda: time.sleep(7), name="poller")
        fake.clock.fast_sleep_in(poller)
        poller.start()
        poller.join()
        assert fake.clock.offset == timedelta(seconds=12)

        def opts_itself_in() -> None:
            fake.clock.fast_sleep_in()
            time.sleep(8)

        in_thread(opts_itself_in, "worker")
        assert fake.clock.offset == timedelta(seconds=20)
        assert [name for name, seconds in real_sleeps.calls if seconds] == ["poller"]


def test_fast_sleep_is_off_by_default_and_ends_with_the_fake(real_sleeps: Sleeps) -> None:
    with MTurkFake() as fake:
        time.sleep(3)
        assert real_sleeps.calls == [("MainThread", 3)]
        assert fake.clock.offset == timedelta(0)
    with MTurkFake(fast_sleep=True):
        assert time.sleep is not real_sleeps
    assert time.sleep is cast(Any, real_sleeps)  # put back as it was found
    time.sleep(2)
    assert real_sleeps.calls == [("MainThread", 3), ("MainThread", 2)]


def test_a_fast_sleep_still_refuses_what_time_sleep_refuses() -> None:
    with MTurkFake(fast_sleep=True) as fake:
        with pytest.raises(ValueError):
            time.sleep(-1)
        with pytest.raises(TypeError):
            time.sleep("5")  # type: ignore[arg-type]
        with pytest.raises((ValueError, OverflowError)):
            time.sleep(float("inf"))
        assert fake.clock.offset == timedelta(0)


def test_the_options_are_checked(real_sleeps: Sleeps) -> None:
    with pytest.raises(TypeError, match="fast_sleep must be True or False"):
        MTurkFake(fast_sleep="yes")
    with pytest.raises(TypeError, match=r"threading\.Thread"):
        MTurkFake().clock.fast_sleep_in("poller")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"unknown pytest-mturk option.*known:.*fast_sleep"):
        MTurkFake(fast_sleeps=True)


# ----------------------------------------------------------------------------- under pytest

PROBE = """
import threading, time
from datetime import datetime, timedelta, timezone

def test_sleeps_fast(mturk):
    # Fail at once (not after an hour) if this thread does not sleep fast.
    assert mturk.clock.sleeps_fast_in(threading.current_thread())
    before = mturk.clock.now()
    time.sleep(3600)
    assert mturk.clock.now() - before >= timedelta(hours=1)
"""


@pytest.mark.parametrize(
    ("how", "args", "ini"),
    [
        ("marker", [], ""),
        ("command line", ["--mturk-fast-sleep"], ""),
        ("ini", [], "[pytest]\nmturk_fast_sleep = true\n"),
    ],
)
def test_fast_sleep_from_a_marker_the_command_line_or_ini(
    pytester: pytest.Pytester, how: str, args: list[str], ini: str
) -> None:
    source = PROBE
    if how == "marker":
        source = PROBE.replace(
            "def test_sleeps_fast(mturk):",
            "import pytest\n\n@pytest.mark.mturk(fast_sleep=True)\ndef test_sleeps_fast(mturk):",
        )
    pytester.makepyfile(source)
    if ini:
        pytester.makeini(ini)
    pytester.runpytest(*args).assert_outcomes(passed=1)


def test_a_marker_can_turn_fast_sleep_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import threading, pytest

        @pytest.mark.mturk(fast_sleep=False)
        def test_real(mturk):
            assert not mturk.clock.sleeps_fast_in(threading.current_thread())
        """
    )
    pytester.runpytest("--mturk-fast-sleep").assert_outcomes(passed=1)


def test_the_frozen_clock_fixture_and_the_ini_key(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        from datetime import datetime, timedelta, timezone

        def test_fixture(mturk_frozen_clock, mturk_client):
            assert mturk_frozen_clock.frozen
            start = datetime.now(timezone.utc)
            assert mturk_frozen_clock.now() == start
            mturk_frozen_clock.advance(minutes=5)
            assert datetime.now(timezone.utc) == start + timedelta(minutes=5)
            assert time.time() == mturk_frozen_clock.time()

        def test_after_it_time_is_free_again():
            import freezegun.api
            assert freezegun.api.freeze_factories == []
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)
    pytester.makeini("[pytest]\nmturk_freeze_time = true\n")
    pytester.makepyfile(
        """
        from datetime import datetime, timezone

        def test_ini_freezes(mturk):
            assert mturk.clock.frozen
            assert datetime.now(timezone.utc) == mturk.clock.now()
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
