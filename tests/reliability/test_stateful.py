"""A model-based test: requester calls, worker actions and clock moves in random orders.

A hypothesis ``RuleBasedStateMachine`` drives one fake through real boto3 clients (a sandbox
and a production requester) and simulated workers, and keeps its own small model of what must
be true: each HIT's MaxAssignments, its assignments' states (with abandonment and auto-approval
applied in time order as the clock moves), expiry, deletion, blocks, qualification grants. After
every step ``fake.check_invariants()`` holds and the production balance is not negative; from
time to time (and at the end) GetHIT's counters and status, GetAssignment's status, ListHITs,
ListBonusPayments and GetQualificationScore are compared with the model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pytest_mturk import MTurkFake, WorkerActionError
from tests.conftest import EXTERNAL_Q, PRODUCTION, SANDBOX
from tests.reliability.strategies import budget, make_client, record, timer

DURATION = 600  # AssignmentDurationInSeconds
AUTO_APPROVE = 3600  # AutoApprovalDelayInSeconds
SMALL_MOVES = (1, 30, 120)
LARGE_MOVES = (DURATION + 1, AUTO_APPROVE + 1, 86_400)
BALANCE = "20.00"


@dataclass
class MHit:
    id: str
    where: str  # "a" (sandbox) or "prod"
    max: int
    expiration: float
    expired: bool = False
    deleted: bool = False
    touched_review: bool = False  # went through UpdateHITReviewStatus: status not predicted
    lost: int = 0  # slots returned or abandoned after expiry


@dataclass
class MAssignment:
    id: str
    hit: str
    worker: str
    deadline: float
    status: str = "Accepted"
    auto_at: float | None = None
    bonuses: int = 0


@dataclass
class Model:
    hits: dict[str, MHit] = field(default_factory=dict)
    assignments: dict[str, MAssignment] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)
    grants: dict[tuple[str, str], int | None] = field(default_factory=dict)  # None: revoked
    expire_tokens: set[tuple[str, int]] = field(default_factory=set)

    def of(self, hit: MHit, *statuses: str) -> int:
        return sum(1 for a in self.assignments.values() if a.hit == hit.id and a.status in statuses)

    def available(self, hit: MHit) -> int:
        used = self.of(hit, "Accepted", "Submitted", "Approved", "Rejected")
        return hit.max - used - hit.lost

    def status(self, hit: MHit) -> str:
        if hit.deleted:
            return "Disposed"
        closed = hit.expired or self.available(hit) == 0
        if closed and self.of(hit, "Accepted") == 0:
            return "Reviewable"
        return "Unassignable" if closed else "Assignable"

    def advance(self, now: float) -> None:
        """Apply expiry, abandonment and auto-approval that fell due, in time order."""
        events: list[tuple[float, int, Any]] = []
        for h in self.hits.values():
            if not h.expired and not h.deleted and h.expiration <= now:
                events.append((h.expiration, 0, h))
        for a in self.assignments.values():
            if a.status == "Accepted" and a.deadline <= now:
                events.append((a.deadline, 1, a))
            elif a.status == "Submitted" and a.auto_at is not None and a.auto_at <= now:
                events.append((a.auto_at, 2, a))
        for _, kind, obj in sorted(events, key=lambda e: (e[0], e[1])):
            if kind == 0:
                obj.expired = True
            elif kind == 1:
                obj.status = "Abandoned"
                hit = self.hits[obj.hit]
                if hit.expired or hit.deleted:
                    hit.lost += 1
            else:
                obj.status = "Approved"


class FakeMachine(RuleBasedStateMachine):
    hits = Bundle("hits")
    workers = Bundle("workers")
    quals = Bundle("quals")

    def __init__(self) -> None:
        super().__init__()
        self.fake = MTurkFake(seed=5, balance=BALANCE).start()
        self.a = make_client("AKIAPYTESTSTATEFULA1", SANDBOX)
        self.prod = make_client("AKIAPYTESTSTATEFULA1", PRODUCTION)
        self.model = Model()
        self.type_ids: dict[str, str] = {}
        STATS["machines"] += 1

    def teardown(self) -> None:
        try:
            self.check_model()
            self.fake.check_invariants()
            assert not self.fake.internal_errors
        finally:
            self.fake.stop()

    # ------------------------------------------------------------------ helpers

    def now(self) -> float:
        return self.fake.clock.now().timestamp()

    def sync(self) -> None:
        self.fake.process_due()
        self.model.advance(self.now())

    def client(self, where: str) -> Any:
        return self.a if where == "a" else self.prod

    def expect_error(self, exc: ClientError, *turk: str) -> None:
        body = exc.response
        assert body["Error"]["Code"] == "RequestError", body["Error"]
        assert body.get("TurkErrorCode") in turk, (body.get("TurkErrorCode"), body["Error"])

    # ------------------------------------------------------------------ setup

    @initialize(target=workers)
    def first_worker(self) -> str:
        return self.fake.workers.create().worker_id

    @initialize()
    def hit_types(self) -> None:
        for where in ("a", "prod"):
            self.type_ids[where] = self.client(where).create_hit_type(
                Title="Stateful",
                Description="Model-based",
                Reward="0.40",
                AssignmentDurationInSeconds=DURATION,
                AutoApprovalDelayInSeconds=AUTO_APPROVE,
            )["HITTypeId"]

    # ------------------------------------------------------------------ requester: HITs

    @rule(target=workers)
    def new_worker(self) -> str:
        return self.fake.workers.create().worker_id

    @rule(
        target=hits,
        where=st.sampled_from(["a", "a", "prod"]),
        max_assignments=st.integers(1, 4),
        lifetime=st.sampled_from([60, 900, 86_400]),
        with_type=st.booleans(),
    )
    def create_hit(self, where: str, max_assignments: int, lifetime: int, with_type: bool) -> Any:
        self.sync()
        client = self.client(where)
        try:
            if with_type:
                hit = client.create_hit_with_hit_type(
                    HITTypeId=self.type_ids[where],
                    LifetimeInSeconds=lifetime,
                    MaxAssignments=max_assignments,
                    Question=EXTERNAL_Q,
                )["HIT"]
            else:
                hit = client.create_hit(
                    Title="Stateful",
                    Description="Model-based",
                    Reward="0.40",
                    AssignmentDurationInSeconds=DURATION,
                    AutoApprovalDelayInSeconds=AUTO_APPROVE,
                    LifetimeInSeconds=lifetime,
                    MaxAssignments=max_assignments,
                    Question=EXTERNAL_Q,
                )["HIT"]
        except ClientError as exc:
            assert where == "prod", exc.response["Error"]
            self.expect_error(exc, "AWS.MechanicalTurk.InsufficientFunds")
            return None
        if with_type:
            assert hit["HITTypeId"] == self.type_ids[where]
        else:  # identical properties: the same HIT type (register-on-create reuses it)
            assert hit["HITTypeId"] == self.type_ids[where]
        assert hit["HITStatus"] == "Assignable"
        assert hit["NumberOfAssignmentsAvailable"] == max_assignments
        m = MHit(hit["HITId"], where, max_assignments, hit["Expiration"].timestamp())
        self.model.hits[m.id] = m
        return m.id

    @rule(hit=hits, n=st.integers(1, 3))
    def add_assignments(self, hit: str | None, n: int) -> None:
        if hit is None:
            return
        self.sync()
        m = self.model.hits[hit]
        try:
            self.client(m.where).create_additional_assignments_for_hit(
                HITId=hit, NumberOfAdditionalAssignments=n
            )
        except ClientError as exc:
            allowed = []
            if m.deleted:
                allowed.append("AWS.MechanicalTurk.InvalidHITState")
            if m.max < 10 <= m.max + n:
                allowed.append("AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease")
            if m.where == "prod":
                allowed.append("AWS.MechanicalTurk.InsufficientFunds")
            self.expect_error(exc, *allowed)
            return
        assert not m.deleted and not (m.max < 10 <= m.max + n)
        m.max += n

    @rule(hit=hits, extend=st.booleans())
    def update_expiration(self, hit: str | None, extend: bool) -> None:
        if hit is None:
            return
        self.sync()
        m = self.model.hits[hit]
        now = self.now()
        if extend:
            target = (m.expiration if not m.expired else max(m.expiration, now)) + 3600
        else:
            target = now - 1
        key = (hit, int(target))
        try:
            self.client(m.where).update_expiration_for_hit(
                HITId=hit, ExpireAt=dt.datetime.fromtimestamp(target, dt.timezone.utc)
            )
        except ClientError as exc:
            allowed = (
                ["AWS.MechanicalTurk.InvalidParameterValue"]
                if key in self.model.expire_tokens
                else []
            )
            if m.deleted:
                allowed.append("AWS.MechanicalTurk.InvalidHITState")
            if m.where == "prod" and extend and m.expired:
                allowed.append("AWS.MechanicalTurk.InsufficientFunds")
            self.expect_error(exc, *allowed)
            return
        assert not m.deleted and key not in self.model.expire_tokens
        self.model.expire_tokens.add(key)
        now = self.now()
        if extend:
            m.expiration = target
            m.expired = False
        elif not m.expired:
            m.expiration = now
            m.expired = True

    @rule(hit=hits)
    def delete_hit(self, hit: str | None) -> None:
        if hit is None:
            return
        self.sync()
        m = self.model.hits[hit]
        expected_ok = (
            not m.deleted
            and not m.touched_review
            and self.model.status(m) == "Reviewable"
            and self.model.of(m, "Submitted") == 0
        )
        try:
            self.client(m.where).delete_hit(HITId=hit)
        except ClientError as exc:
            self.expect_error(exc, "AWS.MechanicalTurk.InvalidHITState")
            assert not expected_ok, f"DeleteHIT refused on a deletable HIT: {exc}"
            return
        assert m.touched_review or expected_ok, "DeleteHIT succeeded on a HIT it should refuse"
        m.deleted = True

    @rule(hit=hits, revert=st.booleans())
    def review_status(self, hit: str | None, revert: bool) -> None:
        if hit is None:
            return
        self.sync()
        m = self.model.hits[hit]
        try:
            self.client(m.where).update_hit_review_status(HITId=hit, Revert=revert)
        except ClientError as exc:
            self.expect_error(exc, "AWS.MechanicalTurk.InvalidHITState")
            return
        m.touched_review = True

    # ------------------------------------------------------------------ workers

    @rule(worker=workers, hit=hits)
    def accept(self, worker: str, hit: str | None) -> None:
        if hit is None:
            return
        self.sync()
        m = self.model.hits[hit]
        try:
            aid = self.fake.workers.get(worker).accept(hit)
        except WorkerActionError as exc:
            if exc.reason == "blocked":
                assert worker in self.model.blocked and m.where == "a"
            elif exc.reason == "expired":
                assert m.expired
            elif exc.reason == "not_found":
                assert m.deleted
            elif exc.reason == "full":
                assert self.model.available(m) == 0
            elif exc.reason == "already_accepted":
                assert any(
                    a.hit == hit
                    and a.worker == worker
                    and a.status not in ("Returned", "Abandoned")
                    for a in self.model.assignments.values()
                )
            return
        assert not m.deleted and not m.expired and self.model.available(m) > 0
        assert not (worker in self.model.blocked and m.where == "a")
        self.model.assignments[aid] = MAssignment(aid, hit, worker, self.now() + DURATION)

    def _in_progress(self) -> list[MAssignment]:
        return [a for a in self.model.assignments.values() if a.status == "Accepted"]

    @precondition(lambda self: any(a.status == "Accepted" for a in self.model.assignments.values()))
    @rule(data=st.data(), give_back=st.booleans())
    def submit_or_return(self, data: st.DataObject, give_back: bool) -> None:
        self.sync()
        candidates = self._in_progress()
        if not candidates:
            return
        a = data.draw(st.sampled_from(sorted(candidates, key=lambda x: x.id)))
        worker = self.fake.workers.get(a.worker)
        if give_back:
            worker.return_assignment(a.id)
            a.status = "Returned"
            hit = self.model.hits[a.hit]
            if hit.expired or hit.deleted:
                hit.lost += 1
        else:
            worker.submit(a.id)
            a.status = "Submitted"
            a.auto_at = self.now() + AUTO_APPROVE

    def _visible(self, *statuses: str) -> list[MAssignment]:
        return sorted(
            (a for a in self.model.assignments.values() if a.status in statuses),
            key=lambda x: x.id,
        )

    @precondition(lambda self: bool(self._visible("Submitted", "Approved", "Rejected")))
    @rule(data=st.data(), approve=st.booleans(), override=st.booleans())
    def review(self, data: st.DataObject, approve: bool, override: bool) -> None:
        self.sync()
        choices = self._visible("Submitted", "Approved", "Rejected")
        if not choices:
            return
        a = data.draw(st.sampled_from(choices))
        m = self.model.hits[a.hit]
        client = self.client(m.where)
        try:
            if approve:
                client.approve_assignment(AssignmentId=a.id, OverrideRejection=override)
            else:
                client.reject_assignment(AssignmentId=a.id, RequesterFeedback="not this time")
        except ClientError as exc:
            allowed = []
            if a.status != "Submitted":
                allowed.append("AWS.MechanicalTurk.InvalidAssignmentState")
            if m.where == "prod" and approve and override:
                allowed.append("AWS.MechanicalTurk.InsufficientFunds")
            self.expect_error(exc, *allowed)
            return
        if approve:
            assert a.status == "Submitted" or (
                a.status == "Rejected" and override and not m.deleted
            )
            a.status = "Approved"
        else:
            assert a.status == "Submitted"
            a.status = "Rejected"

    @precondition(lambda self: bool(self._visible("Submitted", "Approved", "Rejected")))
    @rule(data=st.data())
    def bonus(self, data: st.DataObject) -> None:
        self.sync()
        # Unreviewed work takes a bonus too (oTree pays the bonus before it approves).
        a = data.draw(st.sampled_from(self._visible("Submitted", "Approved", "Rejected")))
        m = self.model.hits[a.hit]
        try:
            self.client(m.where).send_bonus(
                WorkerId=a.worker, BonusAmount="0.05", AssignmentId=a.id, Reason="thanks"
            )
        except ClientError as exc:
            assert m.where == "prod", exc.response["Error"]
            self.expect_error(exc, "AWS.MechanicalTurk.InsufficientFunds")
            return
        a.bonuses += 1

    @rule(worker=workers, block=st.booleans())
    def block(self, worker: str, block: bool) -> None:
        self.sync()
        if block:
            self.a.create_worker_block(WorkerId=worker, Reason="model")
            self.model.blocked.add(worker)
        else:
            self.a.delete_worker_block(WorkerId=worker, Reason="model")
            self.model.blocked.discard(worker)

    # ------------------------------------------------------------------ qualifications

    @rule(target=quals, name=st.integers(0, 10**6))
    def create_qualification_type(self, name: int) -> Any:
        self.sync()
        try:
            qt = self.a.create_qualification_type(
                Name=f"model-{name}", Description="d", QualificationTypeStatus="Active"
            )["QualificationType"]
        except ClientError as exc:
            self.expect_error(exc, "AWS.MechanicalTurk.QualificationTypeAlreadyExists")
            return None
        return qt["QualificationTypeId"]

    @rule(qual=quals, worker=workers, value=st.integers(0, 100), grant=st.booleans())
    def grant_or_revoke(self, qual: str | None, worker: str, value: int, grant: bool) -> None:
        if qual is None:
            return
        self.sync()
        key = (qual, worker)
        if grant:
            self.a.associate_qualification_with_worker(
                QualificationTypeId=qual, WorkerId=worker, IntegerValue=value
            )
            self.model.grants[key] = value
            return
        try:
            self.a.disassociate_qualification_from_worker(QualificationTypeId=qual, WorkerId=worker)
        except ClientError as exc:
            self.expect_error(exc, "AWS.MechanicalTurk.QualificationDoesNotExist")
            assert self.model.grants.get(key) is None
            return
        assert self.model.grants.get(key) is not None
        self.model.grants[key] = None

    @rule(qual=consumes(quals))
    def delete_qualification_type(self, qual: str | None) -> None:
        if qual is None:
            return
        self.sync()
        self.a.delete_qualification_type(QualificationTypeId=qual)
        for key in [k for k in self.model.grants if k[0] == qual]:
            del self.model.grants[key]

    @rule(worker=workers, qual=quals, grant=st.booleans())
    def request_qualification(self, worker: str, qual: str | None, grant: bool) -> None:
        if qual is None:
            return
        self.sync()
        try:
            request_id = self.fake.workers.get(worker).request_qualification(qual)
        except WorkerActionError as exc:
            assert exc.reason in ("no_retake", "not_found"), exc.reason
            return
        assert request_id is not None
        if grant:
            self.a.accept_qualification_request(QualificationRequestId=request_id, IntegerValue=9)
            self.model.grants[(qual, worker)] = 9
        else:
            self.a.reject_qualification_request(QualificationRequestId=request_id)

    # ------------------------------------------------------------------ time

    @rule(seconds=st.sampled_from(SMALL_MOVES))
    def small_move(self, seconds: int) -> None:
        self.fake.clock.advance(seconds)
        self.sync()

    @rule(seconds=st.sampled_from(LARGE_MOVES))
    def large_move(self, seconds: int) -> None:
        self.fake.clock.advance(seconds)
        self.sync()

    # ------------------------------------------------------------------ checks

    @invariant()
    def invariants_hold(self) -> None:
        STATS["steps"] += 1
        self.fake.check_invariants()
        STATS["invariant_checks"] += 1
        assert not self.fake.internal_errors, self.fake.internal_errors
        balance = Decimal(self.prod.get_account_balance()["AvailableBalance"])
        assert balance >= 0, balance
        assert balance <= Decimal(BALANCE)

    @rule()
    def check_model(self) -> None:
        """Compare what the API shows with the model."""
        self.sync()
        STATS["model_checks"] += 1
        model = self.model
        for where in ("a", "prod"):
            client = self.client(where)
            listed: set[str] = set()
            kwargs: dict[str, Any] = {"MaxResults": 100}
            while True:
                page = client.list_hits(**kwargs)
                listed |= {h["HITId"] for h in page["HITs"]}
                if "NextToken" not in page:
                    break
                kwargs["NextToken"] = page["NextToken"]
            mine = {h.id for h in model.hits.values() if h.where == where}
            deleted = {h.id for h in model.hits.values() if h.where == where and h.deleted}
            assert listed == mine - deleted, "ListHITs disagrees with the model"
        for m in model.hits.values():
            if m.deleted:
                continue
            got = self.client(m.where).get_hit(HITId=m.id)["HIT"]
            assert got["MaxAssignments"] == m.max
            assert got["NumberOfAssignmentsPending"] == model.of(m, "Accepted")
            assert got["NumberOfAssignmentsCompleted"] == model.of(m, "Approved", "Rejected")
            assert got["NumberOfAssignmentsAvailable"] == model.available(m), (got, m)
            if not m.touched_review:
                assert got["HITStatus"] == model.status(m), (got["HITStatus"], m)
        for a in model.assignments.values():
            if a.status in ("Submitted", "Approved", "Rejected"):
                m = model.hits[a.hit]
                client = self.client(m.where)
                got = client.get_assignment(AssignmentId=a.id)["Assignment"]
                assert got["AssignmentStatus"] == a.status, (got, a)
                if a.bonuses:
                    paid = client.list_bonus_payments(AssignmentId=a.id, MaxResults=100)
                    assert paid["NumResults"] == a.bonuses
        rewards = {p.assignment_id for p in self.fake.payments if p.kind == "reward"}
        approved = {a.id for a in model.assignments.values() if a.status == "Approved"}
        assert rewards == approved, "every approved assignment, and only those, was paid"
        for (qual, worker), value in model.grants.items():
            try:
                q = self.a.get_qualification_score(QualificationTypeId=qual, WorkerId=worker)
            except ClientError as exc:
                assert value is None, exc.response["Error"]
                continue
            assert q["Qualification"]["IntegerValue"] == value


STATS: dict[str, int] = {"machines": 0, "steps": 0, "invariant_checks": 0, "model_checks": 0}

MACHINE_SETTINGS = settings(
    max_examples=budget(40),
    stateful_step_count=50,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def test_state_machine() -> None:
    elapsed = timer()
    run_state_machine_as_test(FakeMachine, settings=MACHINE_SETTINGS)
    seconds = elapsed()
    record(
        "stateful",
        stateful_machines=STATS["machines"],
        stateful_steps=STATS["steps"],
        invariant_checks=STATS["invariant_checks"],
        stateful_model_checks=STATS["model_checks"],
        seconds=seconds,
    )
    print(f"\nstateful: {STATS}, {seconds} s")
    assert STATS["steps"] > 0
