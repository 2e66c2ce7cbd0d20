"""The records the fake keeps. Plain slotted classes: behaviour lives in the operation modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pytest_mturk.questions.parse import ParsedQuestion
    from pytest_mturk.service.world import World

# Visible assignment statuses are Submitted/Approved/Rejected; the worker-side phases exist only
# inside the fake (reference §4.2).
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
    review_status: str = "NotReviewed"
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


@dataclass(slots=True, eq=False)
class WorkerProfile:
    """A simulated worker as the service sees it (the public handle is ``pytest_mturk.Worker``)."""

    worker_id: str
    name: str
    email: str
    locale: str
    country: str
    subdivision: str | None
    adult: bool
    # Work done before the test began (feeds the system qualifications).
    prior_submitted: int = 0
    prior_approved: int = 0
    prior_rejected: int = 0
    masters: bool = False
