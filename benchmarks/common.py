"""Shared pieces: sizes, timing, result rows, clients, the floor, and fast state building.

Timing rules (issue 7): ``time.perf_counter_ns`` around every single call, warm-up rounds that
are thrown away, many repetitions, medians, and the variants being compared interleaved in
small batches (round-robin with a rotating start) so that drift and noise from other processes
hit all of them alike. Only ratios measured side by side in the same run are judged.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

SANDBOX_URL = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
SANDBOX_ENV = "sandbox"  # the fake's environment name for the sandbox endpoint
ACCESS_KEY = "AKIAPYTESTMTURKBENCH"
SECRET_KEY = "pytest-mturk-benchmark-secret"
WORKER_ID = "A1BENCHWORKER01"
YEAR = 31_536_000

EXTERNAL_Q = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.org/task?item=1</ExternalURL>'
    "<FrameHeight>600</FrameHeight></ExternalQuestion>"
)


def hit_params(**overrides: Any) -> dict[str, Any]:
    """CreateHIT arguments of a typical small HIT (an ExternalQuestion, one assignment)."""
    params: dict[str, Any] = {
        "LifetimeInSeconds": YEAR,
        "AssignmentDurationInSeconds": 600,
        "Reward": "0.50",
        "Title": "Label an image",
        "Description": "Say what the picture shows",
        "Keywords": "image, label, quick",
        "Question": EXTERNAL_Q,
        "MaxAssignments": 1,
        "RequesterAnnotation": "batch-7",
    }
    params.update(overrides)
    return params


# ----------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Sizes:
    """How much to measure: ``full`` for the report, ``quick`` for CI's smoke test."""

    quick: bool
    rounds: int  # interleaved rounds per comparison (after the warm-up rounds)
    batch: int  # calls per variant per round
    list_rounds: int  # the same for the heavier list operations
    list_batch: int
    moto_rounds: int
    moto_batch: int
    big_hits: int  # HITs (each with one submitted assignment) of the "big" fake
    tiny_hits: int
    walk_sizes: tuple[int, ...]
    walk_repeats: int
    approve_sizes: tuple[int, ...]
    approve_repeats: int
    memory_hits: int
    memory_boto3_hits: int
    start_stop_samples: int
    inner_tests: int
    suite_tests: int
    suite_repeats: int
    startup_repeats: int
    first_client_rounds: int  # interleaved rounds of "activate + first client + one call"
    client_suite_tests: int  # tests in the suite where every test builds a client
    client_suite_repeats: int
    #: Extra options of every inner pytest run. Hypothesis is this project's test dependency,
    #: not a user's: its plugin adds 0.5-1.3 s of imports, with that much noise, to every inner
    #: run, which drowned the few milliseconds being measured. Faker's plugin stays in full runs
    #: (every user has it, faker being a dependency); quick mode drops it too.
    pytest_extra: tuple[str, ...] = ()

    @classmethod
    def full(cls) -> Sizes:
        return cls(
            quick=False,
            rounds=40,
            batch=25,
            list_rounds=30,
            list_batch=10,
            moto_rounds=30,
            moto_batch=20,
            big_hits=100_000,
            tiny_hits=200,
            walk_sizes=(10_000, 20_000, 40_000),
            walk_repeats=5,
            approve_sizes=(2_500, 5_000, 10_000, 20_000),
            approve_repeats=3,
            memory_hits=100_000,
            memory_boto3_hits=5_000,
            start_stop_samples=500,
            inner_tests=300,
            suite_tests=1_000,
            suite_repeats=3,
            startup_repeats=10,
            first_client_rounds=60,
            client_suite_tests=1_000,
            client_suite_repeats=3,
            pytest_extra=("-p", "no:hypothesispytest"),
        )

    @classmethod
    def quick_sizes(cls) -> Sizes:
        return cls(
            quick=True,
            rounds=6,
            batch=5,
            list_rounds=4,
            list_batch=3,
            moto_rounds=4,
            moto_batch=5,
            big_hits=2_000,
            tiny_hits=200,
            walk_sizes=(500, 1_000, 2_000),
            walk_repeats=2,
            approve_sizes=(250, 500, 1_000, 2_000),
            approve_repeats=1,
            memory_hits=2_000,
            memory_boto3_hits=200,
            start_stop_samples=50,
            inner_tests=20,
            suite_tests=50,
            suite_repeats=1,
            startup_repeats=1,
            first_client_rounds=4,
            client_suite_tests=30,
            client_suite_repeats=1,
            pytest_extra=("-p", "no:hypothesispytest", "-p", "no:faker"),
        )


# ----------------------------------------------------------------------------- results


@dataclass
class Row:
    """One line of a results table: a measurement, its baseline, and the goal it is judged by.

    ``limit`` with ``kind="ratio"`` means value/baseline must be <= limit; with ``kind="abs"``
    the value itself must be <= limit; ``kind="info"`` is reported without a goal.
    """

    name: str
    value: float
    unit: str
    samples: int | None = None
    baseline_name: str = ""
    baseline: float | None = None
    baseline_samples: int | None = None
    limit: float | None = None
    kind: str = "ratio"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def passed(self) -> bool | None:
        if self.limit is None or self.kind == "info":
            return None
        if self.kind == "abs":
            return self.value <= self.limit
        ratio = self.ratio
        return None if ratio is None else ratio <= self.limit

    @property
    def goal(self) -> str:
        if self.limit is None or self.kind == "info":
            return ""
        if self.kind == "abs":
            return f"<= {self.limit:g} {self.unit}"
        return f"<= {self.limit:g}x"


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    rows: list[Row] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # extra markdown paragraphs
    error: str | None = None  # set when the section could not run

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row


# ----------------------------------------------------------------------------- timing


@dataclass
class Variant:
    """One side of a comparison: a call, and what to do around each of its batches."""

    name: str
    call: Callable[[], object]
    enter: Callable[[], object] | None = None
    exit: Callable[[], object] | None = None


def interleaved(
    variants: Sequence[Variant], rounds: int, batch: int, warmup: int = 2
) -> dict[str, list[int]]:
    """Per-call times (ns) of each variant, timed call by call in interleaved batches.

    Round ``r`` runs every variant's batch, starting from variant ``r % len(variants)``; the
    first ``warmup`` rounds are discarded.
    """
    samples: dict[str, list[int]] = {v.name: [] for v in variants}
    clock = time.perf_counter_ns
    gc.collect()
    n = len(variants)
    for r in range(warmup + rounds):
        for i in range(n):
            v = variants[(r + i) % n]
            if v.enter is not None:
                v.enter()
            try:
                call = v.call
                out = samples[v.name] if r >= warmup else []
                for _ in range(batch):
                    t0 = clock()
                    call()
                    out.append(clock() - t0)
            finally:
                if v.exit is not None:
                    v.exit()
    return samples


def median_us(samples: Sequence[int]) -> float:
    return statistics.median(samples) / 1000


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes."""
    t0 = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - t0) / 1e9


# ----------------------------------------------------------------------------- clients


def new_client(endpoint: str = SANDBOX_URL, explicit_credentials: bool = True) -> Any:
    """A boto3 ``mturk`` client (us-east-1) in a session of its own."""
    import boto3

    if explicit_credentials:
        session = boto3.session.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
        )
    else:
        session = boto3.session.Session()
    return session.client("mturk", region_name="us-east-1", endpoint_url=endpoint)


class _Body:
    """The raw object botocore's ``AWSResponse`` reads its content from."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._data


@dataclass
class Captured:
    status: int
    headers: dict[str, str]
    body: bytes


def capture_response(client: Any, operation: str, call: Callable[[], object]) -> Captured:
    """The HTTP response (status, headers, body) the fake gives ``call``, exactly as sent."""
    got: list[Captured] = []

    def after_call(http_response: Any, **kwargs: Any) -> None:
        got.append(
            Captured(
                int(http_response.status_code),
                {str(k): str(v) for k, v in http_response.headers.items()},
                bytes(http_response.content),
            )
        )

    event = f"after-call.mturk.{operation}"
    client.meta.events.register(event, after_call)
    try:
        call()
    finally:
        client.meta.events.unregister(event, after_call)
    if not got:
        raise RuntimeError(f"no response captured for {operation}")
    return got[-1]


class Floor:
    """A client whose ``before-send.mturk`` handler replays one fixed, pre-encoded response.

    botocore's own work (serialize, sign, the handler chain, parse) with nothing behind it. Only
    valid while no fake is active (the fake's own handler, present in every session, answers
    first when one is); ``answered`` counts the replies, to check that this handler gave them.
    """

    def __init__(self, captured: Captured) -> None:
        from botocore.awsrequest import AWSResponse

        self.client = new_client()
        self.answered = 0
        status, headers, body = captured.status, captured.headers, captured.body

        def handler(request: Any, **kwargs: Any) -> Any:
            self.answered += 1
            return AWSResponse(request.url, status, dict(headers), _Body(body))

        self.client.meta.events.register("before-send.mturk", handler)


# ----------------------------------------------------------------------------- state building


def build_hits(
    fake: Any, n: int, *, submitted: bool, params: dict[str, Any] | None = None
) -> list[tuple[str, str | None]]:
    """``n`` HITs in ``fake`` (and with ``submitted``, one submitted assignment each).

    Drives the service directly (``fake.service.call`` and ``pytest_mturk.service.
    worker_actions``), the same code paths boto3 calls reach, minus botocore and JSON: 100,000
    HITs take seconds instead of minutes. Returns ``(HITId, AssignmentId or None)`` pairs.
    """
    from pytest_mturk.service import worker_actions

    svc = fake.service
    base = params if params is not None else hit_params()
    out: list[tuple[str, str | None]] = []
    call = svc.call
    for _ in range(n):
        hit_id = call("CreateHIT", SANDBOX_ENV, True, ACCESS_KEY, dict(base))["HIT"]["HITId"]
        assignment_id = None
        if submitted:
            a = worker_actions.accept(svc, WORKER_ID, hit_id)
            worker_actions.submit(svc, WORKER_ID, a.id, {"answer": "cat"})
            assignment_id = a.id
        out.append((hit_id, assignment_id))
    return out
