"""What fake time saves: fast sleep, retry backoff on the fake clock, and what freezing costs.

    python benchmarks/bench_time.py            # prints the table (about 10 s)
    python benchmarks/bench_time.py --quick    # a smoke run

``time_saved(sizes)`` returns a :class:`~benchmarks.common.Section` like the other benchmarks, so
``run.py`` can carry it. Run on its own it prints its rows and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    ACCESS_KEY,
    SANDBOX_URL,
    SECRET_KEY,
    Row,
    Section,
    Sizes,
    hit_params,
    new_client,
)

#: The sandbox-shaped test sleeps twice this long (seconds) in the real sandbox.
SANDBOX_WAIT = 15
FAST_SLEEP_LIMIT_S = 1.0  # "well under a second"


def _best(fn: Callable[[], object], repeats: int) -> float:
    """Seconds of the fastest of ``repeats`` runs, on the real clock even while ``fn`` freezes
    the process's time (the counter is looked up before any freeze starts)."""
    counter = time.perf_counter  # a local: freezegun only replaces module attributes
    best = float("inf")
    for _ in range(repeats):
        t0 = counter()
        fn()
        best = min(best, counter() - t0)
    return best


def sandbox_shaped_test(**options: Any) -> None:
    """Create a HIT, wait, list HITs; create another, wait, add assignments (the shape of
    Dallinger's sandbox tests), under a fake with ``options``."""
    from pytest_mturk import MTurkFake

    with MTurkFake(**options):
        client = new_client()
        hit = client.create_hit(**hit_params(MaxAssignments=2))["HIT"]
        time.sleep(SANDBOX_WAIT)
        assert [h["HITId"] for h in client.list_hits()["HITs"]] == [hit["HITId"]]
        other = client.create_hit(**hit_params(MaxAssignments=2))["HIT"]
        time.sleep(SANDBOX_WAIT)
        client.create_additional_assignments_for_hit(
            HITId=other["HITId"], NumberOfAdditionalAssignments=1
        )


def throttled_calls(calls: int, **options: Any) -> None:
    """``calls`` GetAccountBalance calls against a 2-per-second rate limit, retried by botocore
    (standard mode) until each gets through."""
    import boto3
    from botocore.config import Config

    from pytest_mturk import MTurkFake

    with MTurkFake(**options) as fake:
        fake.faults.rate_limit(2, "GetAccountBalance")
        client = boto3.session.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
        ).client(
            "mturk",
            region_name="us-east-1",
            endpoint_url=SANDBOX_URL,
            config=Config(retries={"mode": "standard", "total_max_attempts": 20}),
        )
        for _ in range(calls):
            client.get_account_balance()


def start_stop(**options: Any) -> None:
    from pytest_mturk import MTurkFake

    MTurkFake(**options).start().stop()


def _runner(fn: Callable[..., None], options: dict[str, Any]) -> Callable[[], None]:
    return lambda: fn(**options)


def time_saved(sizes: Sizes) -> Section:
    repeats = 1 if sizes.quick else 5
    calls = 4 if sizes.quick else 8
    section = Section(
        "time",
        "What fake time saves",
        "Wall-clock seconds (best of the repeats) of a test shaped like Dallinger's sandbox "
        f"tests (create a HIT, `time.sleep({SANDBOX_WAIT})`, list HITs; create, sleep, "
        "`create_additional_assignments_for_hit`) with `fast_sleep=True`, with and without "
        f"`freeze_time=True`; against the {2 * SANDBOX_WAIT} s its sleeps take without it. "
        f"Then {calls} calls against `rate_limit(2)` retried by botocore (standard mode), with "
        "the backoff on the fake clock (the default) and with `real_retry_sleep=True`; and the "
        "cost of starting and stopping a fake that freezes time (freezegun patches every loaded "
        "module when it starts) against one that does not.",
    )
    waits = float(2 * SANDBOX_WAIT)
    sandbox_shaped_test(fast_sleep=True)  # warm-up: imports, botocore's models, the first client
    for name, options in (
        ("sandbox-shaped test, fast_sleep", {"fast_sleep": True}),
        ("... + freeze_time", {"fast_sleep": True, "freeze_time": True}),
    ):
        section.add(
            Row(
                name,
                _best(_runner(sandbox_shaped_test, options), repeats),
                "s",
                samples=repeats,
                baseline_name="its sleeps, really slept",
                baseline=waits,
                limit=FAST_SLEEP_LIMIT_S,
                kind="abs",
            )
        )
    real = _best(lambda: throttled_calls(calls, real_retry_sleep=True), 1)
    section.add(
        Row(
            f"{calls} rate-limited calls, backoff on the fake clock",
            _best(lambda: throttled_calls(calls), repeats),
            "s",
            samples=repeats,
            baseline_name="real_retry_sleep=True",
            baseline=real,
            baseline_samples=1,
            kind="info",
        )
    )
    unfrozen = _best(start_stop, 20) * 1000
    section.add(
        Row(
            "start + stop, freeze_time=True",
            _best(lambda: start_stop(freeze_time=True), 20) * 1000,
            "ms",
            samples=20,
            baseline_name="start + stop, unfrozen",
            baseline=unfrozen,
            baseline_samples=20,
            kind="info",
        )
    )
    return section


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args(argv)
    sizes = Sizes.quick_sizes() if args.quick else Sizes.full()
    section = time_saved(sizes)
    print(f"## {section.title}\n\n{section.intro}\n")
    print("| measurement | value | baseline | goal | verdict |")
    print("|---|---|---|---|---|")
    for row in section.rows:
        baseline = f"{row.baseline:.3g} {row.unit} ({row.baseline_name})" if row.baseline else ""
        verdict = {True: "PASS", False: "**MISS**", None: ""}[row.passed]
        print(f"| {row.name} | {row.value:.3g} {row.unit} | {baseline} | {row.goal} | {verdict} |")


if __name__ == "__main__":
    main()
