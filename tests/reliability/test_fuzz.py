"""Fuzzing every operation with requests built from botocore's own input shapes.

Each example resets the scenario fake and sends 10-20 random requests (plus the odd clock move)
through real boto3 clients with retries off: requester A in the sandbox and in production
(where money is nearly spent) and requester B, with ids drawn from a pool holding every object
of every requester and environment. Values respect what botocore checks client-side (required
members, minimums, types) and break everything else (maximum lengths, patterns, enums, odd
unicode, huge integers, malformed XML, forged page tokens).

After every call: no internal error in the fake, a success matches the operation's output shape
(raw JSON and parsed), an error is one of the modelled families, and the invariants hold.
``PYTEST_MTURK_FUZZ=long`` runs ten times as many examples.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from pytest_mturk import WorkerActionError
from pytest_mturk.service.model import ACCEPTED
from tests.reliability.strategies import (
    ID_POOL_KINDS,
    OPERATION_NAMES,
    RawCapture,
    Scenario,
    answers_value,
    budget,
    call,
    check_error,
    check_success,
    pool_of,
    record,
    request_strategy,
    resolve,
    timer,
)

SHARDS = 4
EXAMPLES_PER_SHARD = 520
MIN_CALLS_PER_SHARD = 5000  # 4 shards: at least 20,000 fuzzed calls in CI
CLIENTS = ("a", "a", "a", "a", "a", "a", "prod", "prod", "b", "b")
ADVANCES = (1.0, 61.0, 3600.0, 86_400.0 * 2, 86_400.0 * 40)

FUZZ_SETTINGS = settings(
    max_examples=budget(EXAMPLES_PER_SHARD),
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    # No shrinking: the notes name every call of the failing example (the last one failed), and
    # shrinking a stateful run of this size takes minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_fuzz_every_operation(scenario: Scenario, shard: int) -> None:
    fake = scenario.fake
    scenario.reset()
    pool = pool_of(fake)
    tokens = list(scenario.tokens.values())
    strategies = {op: request_strategy(op, pool, tokens, scenario.ids) for op in OPERATION_NAMES}
    focus = OPERATION_NAMES[shard::SHARDS]
    captures = {who: RawCapture(scenario.client(who)) for who in set(CLIENTS)}
    stats: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    operations_called: set[str] = set()
    elapsed = timer()

    @FUZZ_SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        scenario.reset()
        stats["examples"] += 1
        # Operations and clients are picked by a hypothesis-drawn Random: hypothesis favours
        # the first choices of a sampled_from, and every operation deserves the same attention.
        rnd = data.draw(st.randoms(use_true_random=True), label="picker")
        fresh: dict[str, list[str]] = {}  # ids of objects made during this example
        for _ in range(rnd.randint(8, 16)):
            roll = rnd.random()
            if roll < 0.06:
                fake.clock.advance(rnd.choice(ADVANCES))
                stats["clock_moves"] += 1
            elif roll < 0.2:
                worker_step(data, rnd, fresh)
            else:
                op = rnd.choice(focus) if rnd.random() < 0.5 else rnd.choice(OPERATION_NAMES)
                who = rnd.choice(CLIENTS)
                params = data.draw(strategies[op], label=op)
                for key in params:
                    if fresh.get(ID_POOL_KINDS.get(key, "")) and rnd.random() < 0.4:
                        params[key] = rnd.choice(fresh[ID_POOL_KINDS[key]])
                send(op, who, params, fresh)
            fake.check_invariants()
            stats["invariant_checks"] += 1
        assert not fake.internal_errors, fake.internal_errors

    def worker_step(data: st.DataObject, rnd: Any, fresh: dict[str, list[str]]) -> None:
        """A simulated worker accepts, submits, returns or requests a qualification."""
        svc = fake.service
        worker = rnd.choice(list(fake.workers))
        action = rnd.choice(("accept", "accept", "submit", "submit", "return", "request"))
        stats["worker_actions"] += 1
        if action == "accept":
            hit_ids = [*fresh.get("HITId", []), *pool["HITId"], "3NOSUCHHIT"]
            target = rnd.choice(hit_ids)
        elif action in ("submit", "return"):
            mine = [
                a.id
                for a in list(svc.assignments_by_id.values())
                if a.worker_id == worker.worker_id and a.status == ACCEPTED
            ]
            target = rnd.choice(mine or pool["AssignmentId"])
        else:
            target = rnd.choice(
                [*fresh.get("QualificationTypeId", []), *pool["QualificationTypeId"]]
            )
        answers = data.draw(answers_value(), label="answers") if action != "accept" else None
        note(f"worker {worker.worker_id}: {action}({target!r}, {answers!r})")
        try:
            if action == "accept":
                worker.accept(target)
            elif action == "submit":
                worker.submit(target, answers)
            elif action == "return":
                worker.return_assignment(target)
            else:
                worker.request_qualification(target, answers)
        except WorkerActionError:
            stats["worker_refusals"] += 1

    def send(op: str, who: str, params: dict[str, Any], fresh: dict[str, list[str]]) -> None:
        client = scenario.client(who)
        params = resolve(params, fake.clock.now().timestamp())
        note(f"{who}: {op}({params!r})")
        stats["calls"] += 1
        operations_called.add(op)
        before = len(fake.internal_errors)
        try:
            response = call(client, op, params)
        except ClientError as exc:
            problems = check_error(exc, captures[who].body)
            code = exc.response["Error"]["Code"]
            outcomes[f"{op}:{code}:{exc.response.get('TurkErrorCode', '')}"] += 1
            stats["errors"] += 1
        else:
            problems = check_success(op, captures[who].body, response)
            outcomes[f"{op}:ok"] += 1
            stats["successes"] += 1
            made = response.get("HIT") or response.get("QualificationType") or response
            for key in ("HITId", "HITTypeId", "QualificationTypeId"):
                if isinstance(made.get(key), str):
                    fresh.setdefault(key, []).append(made[key])
        assert len(fake.internal_errors) == before, fake.internal_errors[before:]
        assert not problems, f"{op}: {problems}"

    run()

    seconds = elapsed()
    ok_ops = {key.split(":")[0] for key in outcomes if key.endswith(":ok")}
    print(
        f"\nfuzz shard {shard}: {stats['calls']} calls, {stats['worker_actions']} worker "
        f"actions in {stats['examples']} examples, "
        f"{stats['successes']} ok, {stats['errors']} errors, {len(operations_called)} "
        f"operations, {len(ok_ops)} with a success, {seconds} s"
    )
    record(
        f"fuzz[{shard}]",
        fuzz_calls=stats["calls"],
        fuzz_examples=stats["examples"],
        fuzz_successes=stats["successes"],
        fuzz_errors=stats["errors"],
        invariant_checks=stats["invariant_checks"],
        clock_moves=stats["clock_moves"],
        worker_actions=stats["worker_actions"],
        worker_refusals=stats["worker_refusals"],
        operations=sorted(operations_called),
        operations_with_success=sorted(ok_ops),
        distinct_outcomes=len(outcomes),
        seconds=seconds,
    )
    assert set(focus) <= operations_called
    assert stats["calls"] >= MIN_CALLS_PER_SHARD
    assert not fake.internal_errors
