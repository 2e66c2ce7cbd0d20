"""Eight threads, a thousand mixed calls each, one fake.

Each thread has its own boto3 client (made up front: creating clients is not thread-safe) and
does requester calls in the sandbox and in production, simulated worker actions and clock moves
in a random order. The only exceptions allowed are the modelled ``ClientError`` families and
``WorkerActionError``; afterwards the fake has recorded no internal error and its invariants
hold, and every call made was recorded.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError

from pytest_mturk import MTurkFake, WorkerActionError
from tests.conftest import EXTERNAL_Q, FORM_Q, PRODUCTION, SANDBOX
from tests.reliability.strategies import MODELLED_ERROR_CODES, make_client, record, timer

THREADS = 8
CALLS_PER_THREAD = 1000


def test_eight_threads_one_fake() -> None:
    elapsed = timer()
    with MTurkFake(seed=8, balance="500.00") as fake:
        keys = [f"AKIAPYTESTTHREAD{n:04d}" for n in range(THREADS // 2)]
        sandbox = [make_client(keys[n % len(keys)], SANDBOX) for n in range(THREADS)]
        production = [make_client(keys[n % len(keys)], PRODUCTION) for n in range(THREADS)]
        workers = [fake.workers.create() for _ in range(16)]
        hits: list[tuple[int, str, str]] = []  # (key index, where, HIT id)
        qual_types: list[tuple[int, str]] = []
        for n, client in enumerate(sandbox[: len(keys)]):
            for question in (EXTERNAL_Q, FORM_Q):
                hit = client.create_hit(**_hit(question, 5))["HIT"]
                hits.append((n, "sandbox", hit["HITId"]))
            qt = client.create_qualification_type(
                Name="threads", Description="d", QualificationTypeStatus="Active"
            )["QualificationType"]
            qual_types.append((n, qt["QualificationTypeId"]))
        calls_before = len(fake.calls)
        failures: list[BaseException] = []
        outcomes: Counter[str] = Counter()
        guard = threading.Lock()
        start = threading.Barrier(THREADS)

        def work(n: int) -> None:
            rnd = random.Random(n)
            me = n % len(keys)
            client, prod = sandbox[n], production[n]
            local: Counter[str] = Counter()
            start.wait()
            for _ in range(CALLS_PER_THREAD):
                try:
                    kind = _step(rnd, fake, client, prod, me, workers, hits, qual_types)
                    local[kind] += 1
                except ClientError as exc:
                    code = exc.response["Error"]["Code"]
                    turk = exc.response.get("TurkErrorCode") or ""
                    if code not in MODELLED_ERROR_CODES or (
                        code == "RequestError" and not turk.startswith("AWS.")
                    ):
                        with guard:
                            failures.append(exc)
                    local[f"error:{code}"] += 1
                except WorkerActionError as exc:
                    local[f"refused:{exc.reason}"] += 1
                except BaseException as exc:  # anything else is a failure of the fake
                    with guard:
                        failures.append(exc)
            with guard:
                outcomes.update(local)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not any(t.is_alive() for t in threads)
        assert not failures, failures[:5]
        assert not fake.internal_errors, fake.internal_errors[:5]
        fake.check_invariants()
        total = sum(outcomes.values())
        http_calls = len(fake.calls) - calls_before
        refusals = sum(v for k, v in outcomes.items() if k.startswith("refused:"))
        steps_with_http = total - refusals
        steps_with_http -= sum(v for k, v in outcomes.items() if k.startswith(("worker", "clock")))
        assert total == THREADS * CALLS_PER_THREAD
        assert http_calls >= steps_with_http  # every HTTP call reached the fake and was recorded
        seconds = elapsed()
    print(f"\nconcurrency: {total} actions ({http_calls} HTTP calls) in {seconds} s: {outcomes}")
    record(
        "concurrency",
        concurrency_threads=THREADS,
        concurrency_actions=total,
        concurrency_http_calls=http_calls,
        concurrency_errors=sum(v for k, v in outcomes.items() if k.startswith("error:")),
        concurrency_refusals=refusals,
        invariant_checks=1,
        seconds=seconds,
    )


def _hit(question: str, max_assignments: int) -> dict[str, Any]:
    return {
        "Title": "Threads",
        "Description": "Concurrent work",
        "Reward": "0.05",
        "AssignmentDurationInSeconds": 300,
        "AutoApprovalDelayInSeconds": 600,
        "LifetimeInSeconds": 86_400,
        "MaxAssignments": max_assignments,
        "Question": question,
    }


def _step(
    rnd: random.Random,
    fake: MTurkFake,
    client: Any,
    prod: Any,
    me: int,
    workers: list[Any],
    hits: list[tuple[int, str, str]],
    qual_types: list[tuple[int, str]],
) -> str:
    """One random action; returns its kind (API calls raise ClientError when refused)."""
    roll = rnd.random()
    mine = [h for h in hits if h[0] == me]
    own = [h for h in mine if h[1] == "sandbox"] or mine
    if roll < 0.08:
        where = "production" if rnd.random() < 0.3 else "sandbox"
        target = prod if where == "production" else client
        question = rnd.choice((EXTERNAL_Q, FORM_Q))
        hit = target.create_hit(**_hit(question, rnd.randint(1, 4)))["HIT"]
        hits.append((me, where, hit["HITId"]))  # list.append is atomic
        return "CreateHIT"
    if roll < 0.3:
        worker = rnd.choice(workers)
        _, _, hit_id = rnd.choice(hits)
        if rnd.random() < 0.5:
            worker.accept(hit_id)
            return "worker:accept"
        svc = fake.service
        with svc.lock:
            held = [
                a.id
                for a in svc.assignments_by_id.values()
                if a.worker_id == worker.worker_id and a.status == "Accepted"
            ]
        if not held:
            worker.accept(hit_id)
            return "worker:accept"
        if rnd.random() < 0.8:
            worker.submit(rnd.choice(held))
            return "worker:submit"
        worker.return_assignment(rnd.choice(held))
        return "worker:return"
    if roll < 0.33:
        fake.clock.advance(rnd.choice((1, 5, 60, 301, 601)))
        return "clock"
    _, where, hit_id = rnd.choice(own)
    target = prod if where == "production" else client
    if roll < 0.45:
        page = target.list_assignments_for_hit(HITId=hit_id, MaxResults=5)
        for a in page["Assignments"]:
            if a["AssignmentStatus"] == "Submitted":
                if rnd.random() < 0.7:
                    target.approve_assignment(AssignmentId=a["AssignmentId"])
                    return "ApproveAssignment"
                target.reject_assignment(AssignmentId=a["AssignmentId"], RequesterFeedback="no")
                return "RejectAssignment"
            if rnd.random() < 0.3:
                target.send_bonus(
                    WorkerId=a["WorkerId"],
                    BonusAmount="0.01",
                    AssignmentId=a["AssignmentId"],
                    Reason="thread",
                )
                return "SendBonus"
        return "ListAssignmentsForHIT"
    if roll < 0.6:
        target.get_hit(HITId=hit_id)
        return "GetHIT"
    if roll < 0.68:
        target.list_hits(MaxResults=5)
        return "ListHITs"
    if roll < 0.72:
        target.list_reviewable_hits(MaxResults=5)
        return "ListReviewableHITs"
    if roll < 0.77:
        target.create_additional_assignments_for_hit(HITId=hit_id, NumberOfAdditionalAssignments=1)
        return "CreateAdditionalAssignmentsForHIT"
    if roll < 0.8:
        target.update_expiration_for_hit(HITId=hit_id, ExpireAt=fake.clock.now())
        return "UpdateExpirationForHIT"
    if roll < 0.83:
        target.delete_hit(HITId=hit_id)
        return "DeleteHIT"
    if roll < 0.88:
        type_id = rnd.choice([q for k, q in qual_types if k == me])
        worker = rnd.choice(workers)
        if rnd.random() < 0.6:
            client.associate_qualification_with_worker(
                QualificationTypeId=type_id,
                WorkerId=worker.worker_id,
                IntegerValue=rnd.randint(0, 9),
            )
            return "AssociateQualificationWithWorker"
        client.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker.worker_id)
        return "GetQualificationScore"
    if roll < 0.92:
        worker = rnd.choice(workers)
        client.create_worker_block(WorkerId=worker.worker_id, Reason="thread")
        client.delete_worker_block(WorkerId=worker.worker_id)
        return "blocks"
    target.get_account_balance()
    return "GetAccountBalance"
