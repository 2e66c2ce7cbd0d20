"""The records the fake keeps, and the environments and requesters' worlds that hold them.

Plain slotted classes: behaviour lives in the state and the operation modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from pytest_mturk.service.pagination import SeqIndex

if TYPE_CHECKING:
    from pytest_mturk.questions.parse import ParsedQuestion

# Visible assignment statuses are Submitted/Approved/Rejected (the API reference's Assignment);
# the worker-side phases exist only inside the fake.
ACCEPTED = "Accepted"
SUBMITTED = "Submitted"
APPROVED = "Approved"
REJECTED = "Rejected"
RETURNED = "Returned"
ABANDONED = "Abandoned"
VISIBLE_ASSIGNMENT_STATUSES = (SUBMITTED, APPROVED, REJECTED)

ASSIGNABLE = "Assignable"
UNASSIGNABLE = "Unassignable"
REVIEWABLE = "Reviewable"
REVIEWING = "Reviewing"
DISPOSED = "Disposed"

NOT_REVIEWED = "NotReviewed"

# Qualification types and grants.
ACTIVE = "Active"
INACTIVE = "Inactive"
GRANTED = "Granted"
REVOKED = "Revoked"

# Outcomes of a review policy's actions (ListReviewPolicyResultsForHIT).
SUCCEEDED = "Succeeded"
FAILED = "Failed"

SANDBOX_BALANCE = Decimal("10000.00")


class Counter:
    """``next(counter)`` gives 1, 2, 3, ...: a sequence number the service draws.

    Not ``itertools.count``: Python 3.14 stops copying and pickling those, and snapshots
    deep-copy the service (Python 3.13 already warns, DeprecationWarning)."""

    __slots__ = ("value",)

    def __init__(self, start: int = 1) -> None:
        #: The number the next ``next()`` gives.
        self.value = start

    def __iter__(self) -> Counter:
        return self

    def __next__(self) -> int:
        value = self.value
        self.value = value + 1
        return value

    def __repr__(self) -> str:
        return f"Counter({self.value})"


@dataclass(slots=True, eq=False)
class NotificationSpec:
    destination: str
    transport: str
    version: str
    event_types: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "Destination": self.destination,
            "Transport": self.transport,
            "Version": self.version,
            "EventTypes": list(self.event_types),
        }


@dataclass(slots=True, eq=False)
class HITType:
    id: str
    group_id: str
    title: str
    description: str
    keywords: str | None
    reward: Decimal
    reward_text: str
    assignment_duration: int
    auto_approval_delay: int
    requirements: list[dict[str, Any]]
    creation_time: float
    notification: NotificationSpec | None = None
    notification_active: bool = False
    masters: bool = False


@dataclass(slots=True, eq=False)
class HIT:
    id: str
    seq: int
    world: World
    hit_type: HITType
    creation_time: float
    expiration: float
    question: str | None
    layout_id: str | None
    annotation: str | None
    max_assignments: int
    fee_per_assignment: Decimal
    available: int
    pending: int = 0
    completed: int = 0
    submitted: int = 0  # submitted and not yet reviewed
    lost_slots: int = 0  # returned or abandoned after expiry, or zeroed at expiry
    status: str = ASSIGNABLE
    status_seq: int = 0
    review_status: str = NOT_REVIEWED
    expired: bool = False  # lifetime passed (processed from the due queue)
    reserved_slots: int = 0  # production money held for slots that may still be paid
    assignments: list[Assignment] = field(default_factory=list)  # visible, in submit order
    by_worker: dict[str, Assignment] = field(default_factory=dict)
    assignment_review_policy: dict[str, Any] | None = None
    hit_review_policy: dict[str, Any] | None = None
    review_results: list[dict[str, Any]] = field(default_factory=list)
    review_actions: list[dict[str, Any]] = field(default_factory=list)
    hit_review_results: list[dict[str, Any]] = field(default_factory=list)
    hit_review_actions: list[dict[str, Any]] = field(default_factory=list)
    review_extensions: int = 0
    parsed: ParsedQuestion | None = None
    files: dict[tuple[str, str], bytes] = field(default_factory=dict)
    # The HIT's encoded JSON and the mutable fields it was made from (render.hit_json).
    json_cache: tuple[tuple[Any, ...], bytes] | None = None

    #: Fields that are a cache, not state: left out of dumps and state comparisons.
    TRANSIENT: ClassVar[tuple[str, ...]] = ("json_cache",)

    @property
    def disposed(self) -> bool:
        return self.status == DISPOSED


@dataclass(slots=True, eq=False)
class Assignment:
    id: str
    hit: HIT
    worker_id: str
    accept_time: float
    deadline: float
    status: str = ACCEPTED
    submit_time: float | None = None
    auto_approval_time: float | None = None
    approval_time: float | None = None
    rejection_time: float | None = None
    answer: str | None = None
    feedback: str | None = None
    known_answer_score: int | None = None


@dataclass(slots=True, eq=False)
class BonusPayment:
    worker_id: str
    amount: Decimal
    amount_text: str
    assignment_id: str
    hit_id: str
    reason: str
    grant_time: float
    seq: int


@dataclass(slots=True, eq=False)
class QualificationType:
    id: str
    owner: World | None  # None for system types
    name: str
    description: str
    keywords: str | None
    status: str
    creation_time: float
    seq: int
    retry_delay: int | None = None
    test: str | None = None
    test_duration: int | None = None
    answer_key: str | None = None
    auto_granted: bool = False
    auto_granted_value: int = 1
    is_requestable: bool = True
    deleted: bool = False


@dataclass(slots=True, eq=False)
class Qualification:
    type_id: str
    worker_id: str
    grant_time: float
    integer_value: int | None
    locale: dict[str, str] | None
    status: str
    seq: int


@dataclass(slots=True, eq=False)
class QualificationRequest:
    id: str
    type: QualificationType
    worker_id: str
    test: str | None
    answer: str | None
    submit_time: float
    seq: int
    resolved: bool = False


@dataclass(frozen=True, slots=True)
class UploadGrant:
    """One URL handed out by GetFileUploadURL (``Service.upload_grants``, by signature)."""

    hit: HIT
    assignment_id: str
    question_id: str
    key: str
    expires: float

    def data(self) -> bytes | None:
        """The file's bytes, or None once the HIT was deleted (its files go with it: the API
        reference, GetFileUploadURL)."""
        return self.hit.files.get((self.assignment_id, self.question_id))


@dataclass(slots=True, eq=False)
class WorkerProfile:
    """A simulated worker's profile (``worker.profile``; the handle is ``pytest_mturk.Worker``).

    The system qualifications read it: Worker_Locale (``country``, ``subdivision``),
    Worker_Adult (``adult``), Masters (``masters``), and with the work done in the fake,
    NumberHITsApproved and PercentAssignmentsApproved (``prior_*``)."""

    #: The worker id (``^A[A-Z0-9]+$``).
    worker_id: str
    #: The Faker-made (or given) name.
    name: str
    #: The e-mail address NotifyWorkers and qualification e-mails go to.
    email: str
    #: The Faker locale the profile was made in (e.g. ``de_DE``).
    locale: str
    #: ISO 3166-1 country code (Worker_Locale).
    country: str
    #: ISO 3166-2 subdivision (e.g. ``US-NY``), or None.
    subdivision: str | None
    #: Whether the worker agreed to see adult content (Worker_Adult).
    adult: bool
    #: Assignments submitted before the test began.
    prior_submitted: int = 0
    #: Assignments approved before the test began.
    prior_approved: int = 0
    #: Assignments rejected before the test began.
    prior_rejected: int = 0
    #: Whether the worker holds the Masters qualification.
    masters: bool = False


# ----------------------------------------------------------------------------- where records live


def _hit_alive(_key: int, hit: HIT) -> bool:
    return hit.status != DISPOSED


def _reviewable_alive(key: int, hit: HIT) -> bool:
    return hit.status == REVIEWABLE and hit.status_seq == key


def _reviewing_alive(key: int, hit: HIT) -> bool:
    return hit.status == REVIEWING and hit.status_seq == key


def _block_alive(key: int, item: tuple[World, str]) -> bool:
    block = item[0].blocks.get(item[1])
    return block is not None and block[0] == key


class Environment:
    """One MTurk site: the sandbox, production, or another endpoint (which behaves as sandbox).

    Workers, qualification types and HIT ids are visible across the requesters of one
    environment; each requester's HITs, money and blocks live in its :class:`World`.
    """

    __slots__ = ("is_sandbox", "name", "qual_type_order", "qualification_types", "worlds")

    def __init__(self, name: str, is_sandbox: bool) -> None:
        self.name = name
        self.is_sandbox = is_sandbox
        self.worlds: dict[str, World] = {}
        self.qualification_types: dict[str, QualificationType] = {}
        self.qual_type_order: list[QualificationType] = []


class World:
    """Everything one requester (access key id) owns in one environment."""

    __slots__ = (
        "access_key",
        "account_id",
        "block_index",
        "block_seq",
        "blocks",
        "bonus_tokens",
        "bonuses",
        "bonuses_by_assignment",
        "bonuses_by_hit",
        "create_tokens",
        "customer_id",
        "env",
        "hit_index",
        "hit_type_by_key",
        "hit_types",
        "hits",
        "last_request_time",
        "paid_bonuses",
        "paid_fees",
        "paid_rewards",
        "prepaid",
        "qual_holders",
        "qual_names",
        "qual_request_index",
        "qual_requests",
        "qualifications",
        "reserved",
        "reviewable",
        "reviewing",
        "tokens",
        "worked_with",
    )

    def __init__(
        self, env: Environment, access_key: str, customer_id: str, account_id: str, prepaid: Decimal
    ) -> None:
        self.env = env
        self.access_key = access_key
        self.customer_id = customer_id
        self.account_id = account_id
        self.hit_types: dict[str, HITType] = {}
        self.hit_type_by_key: dict[tuple[object, ...], HITType] = {}
        self.hits: dict[str, HIT] = {}
        self.hit_index: SeqIndex[HIT] = SeqIndex(_hit_alive)
        self.reviewable: SeqIndex[HIT] = SeqIndex(_reviewable_alive)
        self.reviewing: SeqIndex[HIT] = SeqIndex(_reviewing_alive)
        # UniqueRequestToken -> (time, HIT id) for CreateHIT*; other idempotency tokens -> time.
        self.create_tokens: dict[str, tuple[float, str]] = {}
        self.tokens: dict[str, float] = {}
        self.bonuses: list[BonusPayment] = []
        # Per HIT and per assignment, in grant order: a page of bonuses is found by bisection.
        self.bonuses_by_hit: dict[str, list[BonusPayment]] = {}
        self.bonuses_by_assignment: dict[str, list[BonusPayment]] = {}
        self.bonus_tokens: dict[str, float] = {}
        self.blocks: dict[str, tuple[int, str]] = {}
        # (world, worker id) by block seq; an entry is live while that block is.
        self.block_index: SeqIndex[tuple[World, str]] = SeqIndex(_block_alive)
        self.block_seq = 0
        self.prepaid = prepaid
        self.paid_rewards = Decimal("0.00")
        self.paid_bonuses = Decimal("0.00")
        self.paid_fees = Decimal("0.00")
        self.reserved = Decimal("0.00")
        self.worked_with: set[str] = set()
        # Qualification types this requester owns, by name (names unique per owner).
        self.qual_names: dict[str, QualificationType] = {}
        # (type id, worker id) -> qualification, for types this requester owns.
        self.qualifications: dict[tuple[str, str], Qualification] = {}
        # type id -> worker id -> qualification, in order of first grant (a per-type index).
        self.qual_holders: dict[str, dict[str, Qualification]] = {}
        self.qual_requests: dict[str, QualificationRequest] = {}
        # Pending requests only, in seq order (resolved ones are taken out).
        self.qual_request_index: list[QualificationRequest] = []
        self.last_request_time: dict[tuple[str, str], float] = {}

    @property
    def is_sandbox(self) -> bool:
        return self.env.is_sandbox

    def available_balance(self) -> Decimal:
        """Prepaid money less what was paid and what is held for outstanding work."""
        if self.env.is_sandbox:
            return SANDBOX_BALANCE
        return self.prepaid - self.paid_rewards - self.paid_bonuses - self.paid_fees - self.reserved
