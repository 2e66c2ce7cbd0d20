"""The service: state, the due-time heap, and the transitions every operation shares.

Operation handlers (one module per area) are registered with :func:`operation` and receive the
:class:`Service`, the caller's :class:`World` and the request parameters. Everything runs under
one lock; before each operation whatever fell due is applied in time order.
"""

from __future__ import annotations

import heapq
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from pytest_mturk.clock import Clock
from pytest_mturk.ledgers import Ledgers, Notification
from pytest_mturk.options import FakeOptions
from pytest_mturk.service.errors import (
    HITDoesNotExist,
    IdempotencyTokenProcessed,
    InsufficientFunds,
    UnknownWorker,
)
from pytest_mturk.service.model import (
    ABANDONED,
    ACCEPTED,
    APPROVED,
    ASSIGNABLE,
    DISPOSED,
    HIT,
    REJECTED,
    RETURNED,
    REVIEWABLE,
    REVIEWING,
    SUBMITTED,
    UNASSIGNABLE,
    Assignment,
    Counter,
    Environment,
    UploadGrant,
    WorkerProfile,
    World,
)
from pytest_mturk.service.requirements import install_system_types
from pytest_mturk.service.review_engine import ReviewEngine

Params = dict[str, Any]
#: A handler answers with the response as a dict, or already encoded as JSON bytes.
Handler = Callable[["Service", World, Params], "dict[str, Any] | bytes"]

#: Every operation the fake answers, by API name.
OPERATIONS: dict[str, Handler] = {}

CENT = Decimal("0.01")
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Random bytes -> id characters in one C call (256 = 7 x 36 + 4: the first four characters are
# a shade more likely, which no one can see in an id).
_ID_TABLE = bytes(ord(_ALNUM[i % 36]) for i in range(256))
_EXPIRE, _ABANDON, _AUTO_APPROVE, _CALLBACK = 0, 1, 2, 3


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register ``func`` as the handler of the API operation ``name``."""

    def register(func: Handler) -> Handler:
        OPERATIONS[name] = func
        return func

    return register


#: Idempotency tokens are remembered for 24 hours (the API reference, UniqueRequestToken).
TOKEN_WINDOW = 86_400


def check_token(store: dict[str, float], key: str, token: str, now: float) -> None:
    """Refuse a token seen in the last 24 hours ("already been processed"). The caller records
    it in ``store`` once the call has succeeded."""
    seen = store.get(key)
    if seen is not None and now - seen < TOKEN_WINDOW:
        raise IdempotencyTokenProcessed(token)


def require_hit(world: World, hit_id: str) -> HIT:
    """The caller's HIT, or the real HITDoesNotExist error."""
    hit = world.hits.get(hit_id)
    if hit is None:
        raise HITDoesNotExist(hit_id)
    return hit


def money_text(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


class Service:
    """All state of one fake, and the shared transitions. Thread-safe through ``lock``."""

    #: Attributes that are not state: shared with the fake (clock, options, ledgers, whose
    #: records persist copies on their own), rebuilt, behaviour (hooks), or bookkeeping that
    #: moves with every call (request ids, page-token nonces).
    NOT_STATE: ClassVar[frozenset[str]] = frozenset(
        {
            "lock",
            "clock",
            "options",
            "ledgers",
            "review",
            "on_hit_created",
            "on_notification",
            "aux_rng",
            "_nonce",
        }
    )

    def __init__(self, options: FakeOptions, clock: Clock, ledgers: Ledgers) -> None:
        self.options = options
        self.clock = clock
        self.ledgers = ledgers
        self.lock = threading.RLock()
        self.review = ReviewEngine(self)
        self.on_hit_created: list[Callable[[HIT], None]] = []
        #: Called with every notification delivered (after it is recorded): real transports.
        self.on_notification: list[Callable[[Notification], None]] = []
        self.reset()

    def reset(self) -> None:
        """Forget all state, in place: the service stays the same object, so whoever holds it
        (workers, autopilot, transports) stays valid. Hooks are kept."""
        with self.lock:
            seed = self.options.seed
            self.rng = random.Random(seed)
            # Request ids and event ids come from their own generator, so that a failed call
            # leaves the model's generator (and so every later id) exactly as it was.
            self.aux_rng = random.Random(None if seed is None else seed + 1)
            self.envs: dict[str, Environment] = {}
            self.hits_by_id: dict[str, HIT] = {}
            self.assignments_by_id: dict[str, Assignment] = {}
            self.ids: set[str] = set()
            self.known_workers: set[str] = set()
            self.profiles: dict[str, WorkerProfile] = {}  # worker id -> profile (fake.workers)
            # worker -> [submitted, approved, rejected]
            self.worker_history: dict[str, list[int]] = {}
            self._heap: list[tuple[float, int, int, Any]] = []
            self._seq = Counter(1)
            self._nonce = Counter(1)  # page-token nonces: bookkeeping, not state
            self.layouts: dict[str, str] = {}
            # GetFileUploadURL's URLs, by signature (X-Amz-Signature).
            self.upload_grants: dict[str, UploadGrant] = {}
            self.ledgers.clear()

    def state_names(self) -> list[str]:
        """The names of the attributes that hold state (what snapshots and dumps carry)."""
        return [name for name in vars(self) if name not in self.NOT_STATE]

    @contextmanager
    def step(self) -> Iterator[float]:
        """``with svc.step() as now:`` hold the lock, with whatever fell due applied; ``now`` is
        the fake time (as :meth:`now` writes it). Every worker-side entry point runs inside one.

        What fell due is found by comparing due times with the exact time, not the millisecond
        one: a due time need not be a whole millisecond (an autopilot delay of 0.5005 s)."""
        with self.lock:
            exact = self.exact_now()
            self.process_due(exact)
            yield int(exact * 1000) / 1000

    # ----------------------------------------------------------------- hooks

    def after_create(self, hit: HIT) -> None:
        for hook in self.on_hit_created:
            hook(hit)

    # ----------------------------------------------------------------- identity and time

    def next_seq(self) -> int:
        return next(self._seq)

    def next_nonce(self) -> int:
        """A number for a page token, so that no token is ever issued twice."""
        return next(self._nonce)

    def new_id(self, length: int = 30, first: str = "3") -> str:
        """A fresh id shaped like MTurk's: ``first`` then uppercase letters and digits."""
        randbytes = self.rng.randbytes
        while True:
            new = first + randbytes(length - 1).translate(_ID_TABLE).decode()
            if new not in self.ids:
                self.ids.add(new)
                return new

    def new_worker_id(self) -> str:
        return self.new_id(self.rng.choice((13, 14)), "A")

    def hex_id(self, length: int = 40) -> str:
        return f"{self.aux_rng.getrandbits(4 * length):0{length}x}"

    def now(self) -> float:
        """Fake time in epoch seconds, at millisecond precision: the time the service records
        and answers with (a Java ``Date`` on the real service)."""
        return int(self.clock.time() * 1000) / 1000

    def exact_now(self) -> float:
        """Fake time in epoch seconds at full precision: what times from outside (a client's
        ``datetime.now()``, which botocore sends to the microsecond) are compared with. Compare
        them with :meth:`now` and "now" can look like the future, for up to a millisecond."""
        return self.clock.time()

    # ----------------------------------------------------------------- worlds

    def env(self, name: str, is_sandbox: bool) -> Environment:
        env = self.envs.get(name)
        if env is None:
            env = self.envs[name] = Environment(name, is_sandbox)
            install_system_types(env)
        return env

    def world(self, env_name: str, is_sandbox: bool, access_key: str) -> World:
        env = self.env(env_name, is_sandbox)
        world = env.worlds.get(access_key)
        if world is None:
            world = World(
                env,
                access_key,
                self.new_worker_id(),
                f"{self.rng.randrange(10**11, 10**12):012d}",
                self.options.balance,
            )
            env.worlds[access_key] = world
        return world

    # ----------------------------------------------------------------- dispatch

    def call(
        self, name: str, env_name: str, is_sandbox: bool, access_key: str, params: Params
    ) -> dict[str, Any] | bytes:
        """Run one operation atomically: due events first, then the handler.

        Handlers validate everything before they change anything, so a call that fails leaves
        the state as it was.
        """
        handler = OPERATIONS[name]
        with self.lock:  # step(), inlined: a generator context manager costs every call
            self.process_due(self.clock.time())
            env = self.envs.get(env_name)
            if env is not None and access_key in env.worlds:
                return handler(self, env.worlds[access_key], params)
            # A requester's first call makes its world; if that call fails, for whatever
            # reason (an MTurk error, or a bug of the fake answered as a ServiceFault), the
            # world and the ids drawn since are taken back, so the failed call changes nothing.
            rng_state = self.rng.getstate()
            ids = set(self.ids)
            world = self.world(env_name, is_sandbox, access_key)
            try:
                return handler(self, world, params)
            except BaseException:
                del world.env.worlds[access_key]
                if env is None:
                    del self.envs[env_name]
                self.ids.intersection_update(ids)
                self.rng.setstate(rng_state)
                raise

    # ----------------------------------------------------------------- due-time heap

    def schedule(self, when: float, kind: int, obj: Any) -> None:
        heapq.heappush(self._heap, (when, next(self._seq), kind, obj))

    def next_due(self) -> float | None:
        """When the next scheduled thing falls due (None when nothing is scheduled)."""
        return self._heap[0][0] if self._heap else None

    def scheduled(self) -> list[tuple[float, int, int, Any]]:
        """Everything scheduled, as ``(when, seq, kind, what)``, in no particular order."""
        return list(self._heap)

    def reschedule(self, when: float, seq: int, kind: int, obj: Any) -> None:
        """Put back an entry :meth:`scheduled` gave (a durable server's restart)."""
        heapq.heappush(self._heap, (when, seq, kind, obj))

    def process_due(self, now: float) -> None:
        """Apply everything due at or before ``now``, in time order, each at its own time."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            when, _, kind, obj = heapq.heappop(heap)
            if kind == _EXPIRE:
                hit: HIT = obj
                if not hit.expired and hit.expiration == when and hit.status != DISPOSED:
                    self.expire(hit, when)
            elif kind == _ABANDON:
                a: Assignment = obj
                if a.status == ACCEPTED and a.deadline == when:
                    self.release_assignment(a, ABANDONED, when)
            elif kind == _AUTO_APPROVE:
                a = obj
                if a.status == SUBMITTED and a.auto_approval_time == when:
                    self.approve(a, when, feedback=None, auto=True)
            else:
                obj(when)

    def schedule_callback(self, when: float, callback: Callable[[float], None]) -> None:
        """Run ``callback(when)`` once the fake time reaches ``when`` (in time order)."""
        self.schedule(when, _CALLBACK, callback)

    def schedule_expiry(self, hit: HIT) -> None:
        self.schedule(hit.expiration, _EXPIRE, hit)

    # ----------------------------------------------------------------- HIT status

    def set_status(self, hit: HIT, status: str) -> None:
        old = hit.status
        if old == status:
            return
        world = hit.world
        seq = self.next_seq()
        hit.status = status
        hit.status_seq = seq
        if old == REVIEWABLE:
            world.reviewable.note_removed()
        elif old == REVIEWING:
            world.reviewing.note_removed()
        if status == REVIEWABLE:
            world.reviewable.add(seq, hit)
        elif status == REVIEWING:
            world.reviewing.add(seq, hit)
        elif status == DISPOSED:
            world.hit_index.note_removed()

    def settle(self, hit: HIT, at: float) -> None:
        """Derive Assignable / Unassignable / Reviewable from the counters (the API reference's
        HIT statuses)."""
        if hit.status not in (ASSIGNABLE, UNASSIGNABLE):
            return
        closed = hit.expired or hit.available == 0
        if closed and hit.pending == 0:
            self.set_status(hit, REVIEWABLE)
            self.emit(hit, "HITReviewable", at)
            if hit.hit_review_policy is not None:
                self.review.on_reviewable(hit, at)
        elif closed:
            self.set_status(hit, UNASSIGNABLE)
        else:
            self.set_status(hit, ASSIGNABLE)

    def reopen(self, hit: HIT, at: float) -> None:
        """After an extension: a live HIT with open slots is Assignable again."""
        if hit.status in (UNASSIGNABLE, REVIEWABLE) and not hit.expired and hit.available > 0:
            self.set_status(hit, ASSIGNABLE)
        self.rebalance(hit)

    def extend(self, hit: HIT, at: float, *, more: int = 0, until: float | None = None) -> None:
        """``more`` assignments and/or a new expiry ``until`` (which must be later than ``at``):
        the HIT is live and Assignable again if it has open slots (HITExtended)."""
        hit.max_assignments += more
        hit.available += more
        if until is not None:
            hit.expiration = until
            hit.expired = False
            self.schedule_expiry(hit)
        self.reopen(hit, at)
        self.emit(hit, "HITExtended", at)

    def expire(self, hit: HIT, at: float) -> None:
        """The HIT's lifetime is over: no new accepts; Reviewable once nothing is pending."""
        hit.expired = True
        if not self.options.keep_available_after_expiry:
            hit.lost_slots += hit.available
            hit.available = 0
        self.emit(hit, "HITExpired", at)
        self.settle(hit, at)
        self.rebalance(hit)

    # ----------------------------------------------------------------- money (production)

    def fee(self, reward: Decimal, max_assignments: int, masters: bool) -> Decimal:
        """MTurk commission per assignment (https://requester.mturk.com/pricing): 20 %, +20 % at
        10+ assignments, +5 % for Masters, rounded half up to the cent, at least $0.01."""
        rate = Decimal("0.20")
        if max_assignments >= 10:
            rate += Decimal("0.20")
        if masters:
            rate += Decimal("0.05")
        return max(CENT, (reward * rate).quantize(CENT, rounding=ROUND_HALF_UP))

    def bonus_fee(self, amount: Decimal) -> Decimal:
        return max(CENT, (amount * Decimal("0.20")).quantize(CENT, rounding=ROUND_HALF_UP))

    def slot_cost(self, hit: HIT) -> Decimal:
        return hit.hit_type.reward + hit.fee_per_assignment

    def held_slots(self, hit: HIT) -> int:
        """Slots that may still be paid: in progress, awaiting review, or open on a live HIT."""
        open_slots = 0 if hit.expired or hit.status == DISPOSED else hit.available
        return hit.pending + hit.submitted + open_slots

    def rebalance(self, hit: HIT) -> None:
        """Keep the money held for ``hit`` equal to its held slots (production only)."""
        world = hit.world
        target = self.held_slots(hit)
        if target != hit.reserved_slots:
            if not world.is_sandbox:
                world.reserved += (target - hit.reserved_slots) * self.slot_cost(hit)
            hit.reserved_slots = target

    def check_funds(self, world: World, amount: Decimal) -> None:
        if not world.is_sandbox and amount > world.available_balance():
            raise InsufficientFunds()

    # ----------------------------------------------------------------- assignments

    def accept(self, hit: HIT, worker_id: str, at: float) -> Assignment:
        """A worker takes one slot. The caller has checked that they may."""
        a = Assignment(
            id=self.new_id(),
            hit=hit,
            worker_id=worker_id,
            accept_time=at,
            deadline=at + hit.hit_type.assignment_duration,
        )
        self.assignments_by_id[a.id] = a
        hit.by_worker[worker_id] = a
        hit.available -= 1
        hit.pending += 1
        self.schedule(a.deadline, _ABANDON, a)
        self.emit(hit, "AssignmentAccepted", at, a)
        self.settle(hit, at)
        return a

    def release_assignment(self, a: Assignment, how: str, at: float) -> None:
        """Return or abandonment: the slot comes back only while the HIT is live (cloudyr/MTurkR#79:
        an expired HIT's slots are not offered again)."""
        hit = a.hit
        a.status = how
        hit.pending -= 1
        if not hit.expired and hit.status != DISPOSED:
            hit.available += 1
        else:
            hit.lost_slots += 1
        self.emit(hit, "AssignmentReturned" if how == RETURNED else "AssignmentAbandoned", at, a)
        self.settle(hit, at)
        self.rebalance(hit)

    def submit(self, a: Assignment, answer: str, at: float) -> None:
        hit = a.hit
        a.status = SUBMITTED
        a.answer = answer
        a.submit_time = at
        a.auto_approval_time = at + hit.hit_type.auto_approval_delay
        hit.pending -= 1
        hit.submitted += 1
        hit.assignments.append(a)
        history = self.worker_history.setdefault(a.worker_id, [0, 0, 0])
        history[0] += 1
        self.emit(hit, "AssignmentSubmitted", at, a)
        if hit.assignment_review_policy is not None:
            self.review.on_submitted(a, at)
        self.settle(hit, at)
        if a.status != SUBMITTED:  # a review policy decided already
            return
        if hit.hit_type.auto_approval_delay == 0:
            self.approve(a, at, feedback=None, auto=True)
        else:
            self.schedule(a.auto_approval_time, _AUTO_APPROVE, a)

    def approve(self, a: Assignment, at: float, feedback: str | None, auto: bool = False) -> None:
        """Pay the reward (and the fee) for a Submitted or, on override, Rejected assignment."""
        hit = a.hit
        world = hit.world
        reward = hit.hit_type.reward
        fee = hit.fee_per_assignment
        history = self.worker_history.setdefault(a.worker_id, [0, 0, 0])
        if a.status == SUBMITTED:
            hit.submitted -= 1
            hit.completed += 1
        else:  # an overridden rejection: the money was released, so it is taken again
            history[2] -= 1
        a.status = APPROVED
        a.approval_time = at
        a.rejection_time = None
        if feedback is not None:
            a.feedback = feedback
        history[1] += 1
        world.worked_with.add(a.worker_id)
        self.rebalance(hit)
        if not world.is_sandbox:
            world.paid_rewards += reward
            world.paid_fees += fee
        self.ledgers.record_payment(
            "reward", a.worker_id, a.id, hit.id, reward, fee, at, feedback, world.env.name
        )
        self.emit(hit, "AssignmentApproved", at, a)

    def reject(self, a: Assignment, at: float, feedback: str) -> None:
        hit = a.hit
        a.status = REJECTED
        a.rejection_time = at
        a.feedback = feedback
        hit.submitted -= 1
        hit.completed += 1
        history = self.worker_history.setdefault(a.worker_id, [0, 0, 0])
        history[2] += 1
        hit.world.worked_with.add(a.worker_id)
        self.rebalance(hit)
        self.emit(hit, "AssignmentRejected", at, a)

    # ----------------------------------------------------------------- workers

    def ensure_worker(self, worker_id: str, parameter: str = "WorkerId") -> None:
        """Any well-formed worker id is a worker the fake knows, unless ``strict_workers``."""
        if worker_id in self.known_workers:
            return
        if self.options.strict_workers:
            raise UnknownWorker(worker_id, parameter)
        self.known_workers.add(worker_id)

    # ----------------------------------------------------------------- notifications

    def emit(self, hit: HIT, event_type: str, at: float, a: Assignment | None = None) -> None:
        """Deliver an event for ``hit`` if its HIT type has an active spec that lists it."""
        ht = hit.hit_type
        spec = ht.notification
        if spec is None or not ht.notification_active or event_type not in spec.event_types:
            return
        event: dict[str, Any] = {
            "EventType": event_type,
            "EventTimestamp": iso_time(at),
            "HITId": hit.id,
            "HITTypeId": ht.id,
        }
        if a is not None:
            event["AssignmentId"] = a.id
        self.deliver(hit.world, spec.transport, spec.destination, spec.version, [event], at)

    def deliver(
        self,
        world: World,
        transport: str,
        destination: str,
        version: str,
        events: list[dict[str, Any]],
        at: float,
    ) -> Notification:
        message = {
            "Events": events,
            "EventDocId": self.hex_id(40),
            "SourceAccount": world.account_id,
            "CustomerId": world.customer_id,
            "EventDocVersion": version,
        }
        note = self.ledgers.record_notification(transport, destination, message, at)
        for deliver in self.on_notification:
            deliver(note)
        return note


def iso_time(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


__all__ = [
    "OPERATIONS",
    "TOKEN_WINDOW",
    "Handler",
    "Params",
    "Service",
    "check_token",
    "iso_time",
    "money_text",
    "operation",
    "require_hit",
]
