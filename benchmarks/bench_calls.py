"""Per-call cost: the fake vs botocore's floor (section 2) and vs moto's DynamoDB (section 3)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.common import (
    SANDBOX_URL,
    Floor,
    Row,
    Section,
    Sizes,
    Variant,
    build_hits,
    capture_response,
    hit_params,
    interleaved,
    median_us,
    new_client,
)
from benchmarks.profiling import Hotspots, profile_calls

FLOOR_LIMIT = 1.3
MOTO_LIMIT = 0.6

Kwargs = Callable[[int], dict[str, Any]]  # call number -> the call's keyword arguments


@dataclass
class OpSpec:
    label: str
    operation: str
    method: str
    heavy: bool  # fewer, smaller batches (list operations)
    prepare: Callable[[Any, int], Kwargs]  # (started fake, calls needed) -> kwargs


def _balance(fake: Any, needed: int) -> Kwargs:
    return lambda i: {}


def _create(fake: Any, needed: int) -> Kwargs:
    params = hit_params()
    return lambda i: params


def _get_hit(fake: Any, needed: int) -> Kwargs:
    hit_id = build_hits(fake, 1, submitted=False)[0][0]
    return lambda i: {"HITId": hit_id}


def _list_hits(fake: Any, needed: int) -> Kwargs:
    build_hits(fake, 100, submitted=False)
    return lambda i: {"MaxResults": 100}


def _list_assignments(fake: Any, needed: int) -> Kwargs:
    from pytest_mturk.service import worker_actions

    svc = fake.service
    hit_id = build_hits(fake, 1, submitted=False, params=hit_params(MaxAssignments=10))[0][0]
    for w in range(10):
        worker = f"A{w + 1:013d}"
        a = worker_actions.accept(svc, worker, hit_id)
        worker_actions.submit(svc, worker, a.id, {"answer": f"label {w}"})
    return lambda i: {"HITId": hit_id, "MaxResults": 100}


def _approve(fake: Any, needed: int) -> Kwargs:
    ids = [a for _, a in build_hits(fake, needed, submitted=True)]
    return lambda i: {"AssignmentId": ids[i]}


OPERATIONS: tuple[OpSpec, ...] = (
    OpSpec("GetAccountBalance", "GetAccountBalance", "get_account_balance", False, _balance),
    OpSpec("CreateHIT", "CreateHIT", "create_hit", False, _create),
    OpSpec("GetHIT", "GetHIT", "get_hit", False, _get_hit),
    OpSpec("ListHITs (MaxResults 100, 100 HITs stored)", "ListHITs", "list_hits", True, _list_hits),
    OpSpec(
        "ListAssignmentsForHIT (10 submitted, MaxResults 100)",
        "ListAssignmentsForHIT",
        "list_assignments_for_hit",
        True,
        _list_assignments,
    ),
    OpSpec(
        "ApproveAssignment (a fresh Submitted assignment per call)",
        "ApproveAssignment",
        "approve_assignment",
        False,
        _approve,
    ),
)


def _counter_call(client: Any, method: str, kwargs: Kwargs, start: int = 0) -> Callable[[], Any]:
    bound = getattr(client, method)
    state = [start]

    def call() -> Any:
        i = state[0]
        state[0] = i + 1
        return bound(**kwargs(i))

    return call


def _handler_time_us(fake: Any, call: Callable[[], Any], n: int) -> float:
    """Median time spent inside the fake's own botocore handler (protocol + service)."""
    import statistics

    from pytest_mturk.transport import botocore_glue, hook

    original = botocore_glue.answer
    spent: list[int] = []

    def timed_answer(backend: Any, request: Any) -> Any:
        t0 = time.perf_counter_ns()
        try:
            return original(backend, request)
        finally:
            spent.append(time.perf_counter_ns() - t0)

    hook._answer = timed_answer  # the hook's bound answer, put back below
    try:
        for _ in range(n):
            call()
    finally:
        hook._answer = original
    return statistics.median(spent) / 1000 if spent else float("nan")


def per_call_vs_floor(sizes: Sizes, hotspots: list[Hotspots]) -> Section:
    from pytest_mturk import MTurkFake
    from pytest_mturk.transport import hook

    section = Section(
        "floor",
        "Per-call cost vs the botocore floor",
        "The floor is the same kind of boto3 client (same endpoint, region and credentials) whose "
        "`before-send.mturk` handler returns a fixed, pre-encoded `AWSResponse` carrying the very "
        "body (and headers) the fake returned for that operation, captured once and replayed, "
        "with no fake active: botocore's own serialize, sign, handler chain and parse work with "
        "nothing behind it. The fake is started only around its own batches. The column "
        "'in fake' is the median time spent inside the fake's handler (protocol, validation, "
        "service), measured in a separate pass.",
    )
    for spec in OPERATIONS:
        rounds = sizes.list_rounds if spec.heavy else sizes.rounds
        batch = sizes.list_batch if spec.heavy else sizes.batch
        extra = 4 * batch + 10 + (300 if not sizes.quick else 30)
        needed = (rounds + 2) * batch + extra
        fake = MTurkFake(seed=7)
        fake.start()
        client = new_client()
        kwargs = spec.prepare(fake, needed)
        # Calls [0, extra) feed the capture, the handler-time pass and the profile; the timed
        # fake calls use the rest (ApproveAssignment needs a fresh assignment per call).
        first = _counter_call(client, spec.method, kwargs, 0)
        captured = capture_response(client, spec.operation, first)
        fake.stop()
        if captured.status != 200:
            raise RuntimeError(f"{spec.operation} failed in the fake: {captured.body[:300]!r}")
        floor = Floor(captured)

        def floor_enter() -> None:
            if hook.active:
                raise RuntimeError("a fake is active while the floor is measured")

        variants = [
            Variant(
                "fake",
                _counter_call(client, spec.method, kwargs, extra),
                enter=fake.start,
                exit=fake.stop,
            ),
            Variant("floor", _counter_call(floor.client, spec.method, kwargs), floor_enter),
        ]
        samples = interleaved(variants, rounds, batch)
        expected = (rounds + 2) * batch
        if floor.answered != expected:
            raise RuntimeError(f"floor answered {floor.answered} of {expected} calls")
        fake.start()
        try:
            in_fake = _handler_time_us(
                fake, _counter_call(client, spec.method, kwargs, 1), min(4 * batch, 100)
            )
        finally:
            fake.stop()
        row = section.add(
            Row(
                spec.label,
                median_us(samples["fake"]),
                "us",
                len(samples["fake"]),
                "floor",
                median_us(samples["floor"]),
                len(samples["floor"]),
                FLOOR_LIMIT,
                note=f"in fake {in_fake:.0f} us; body {len(captured.body)} B",
            )
        )
        if row.passed is False:
            fake.start()
            try:
                hotspots.append(
                    profile_calls(
                        f"{spec.operation} (fake)",
                        _counter_call(client, spec.method, kwargs, 1 + min(4 * batch, 100)),
                        min(extra - 2 - min(4 * batch, 100), 300),
                    )
                )
            finally:
                fake.stop()
    return section


# ----------------------------------------------------------------------------- moto


def _dynamo_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": str(value)}
    if isinstance(value, list):
        return {"L": [_dynamo_value(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: _dynamo_value(v) for k, v in value.items()}}
    return {"S": str(value)}


def against_moto(sizes: Sizes) -> Section:
    import boto3
    from moto import mock_aws

    from pytest_mturk import MTurkFake

    section = Section(
        "moto",
        "Against moto",
        "Inside `moto.mock_aws()` (which sets AWS_ACCESS_KEY_ID=FOOBARKEY; the fake accepts it), "
        "in the same run and interleaved: the fake's CreateHIT and GetHIT vs moto's DynamoDB "
        "PutItem (a new item per call) and GetItem of an item built from the fake's own HIT "
        "(the same attributes, strings as S, numbers as N, the requirements list as L).",
    )
    with mock_aws():
        fake = MTurkFake(seed=9).start()
        try:
            mturk = boto3.client("mturk", region_name="us-east-1", endpoint_url=SANDBOX_URL)
            ddb = boto3.client("dynamodb", region_name="us-east-1")
            ddb.create_table(
                TableName="hits",
                KeySchema=[{"AttributeName": "HITId", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "HITId", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            params = hit_params()
            hit = mturk.create_hit(**params)["HIT"]
            raw_hit = json.loads(
                capture_response(mturk, "GetHIT", lambda: mturk.get_hit(HITId=hit["HITId"])).body
            )["HIT"]
            item = {k: _dynamo_value(v) for k, v in raw_hit.items()}
            ddb.put_item(TableName="hits", Item=item)
            counter = [0]

            def put() -> Any:
                counter[0] += 1
                return ddb.put_item(
                    TableName="hits", Item={**item, "HITId": {"S": f"ITEM{counter[0]:026d}"}}
                )

            key = {"HITId": item["HITId"]}
            variants = [
                Variant("CreateHIT", lambda: mturk.create_hit(**params)),
                Variant("PutItem", put),
                Variant("GetHIT", lambda: mturk.get_hit(HITId=hit["HITId"])),
                Variant("GetItem", lambda: ddb.get_item(TableName="hits", Key=key)),
            ]
            samples = interleaved(variants, sizes.moto_rounds, sizes.moto_batch)
        finally:
            fake.stop()
    size = f"{len(item)} attributes, {len(json.dumps(raw_hit))} B as JSON"
    for mine, theirs in (("CreateHIT", "PutItem"), ("GetHIT", "GetItem")):
        section.add(
            Row(
                f"{mine} vs moto DynamoDB {theirs}",
                median_us(samples[mine]),
                "us",
                len(samples[mine]),
                f"moto {theirs}",
                median_us(samples[theirs]),
                len(samples[theirs]),
                MOTO_LIMIT,
                note=f"item: {size}",
            )
        )
    return section
