"""Environments (sandbox, production, other endpoints) and the requesters' worlds inside them."""

from __future__ import annotations

from decimal import Decimal

from pytest_mturk.service.model import (
    DISPOSED,
    HIT,
    REVIEWABLE,
    REVIEWING,
    BonusPayment,
    HITType,
    Qualification,
    QualificationRequest,
    QualificationType,
)
from pytest_mturk.service.pagination import SeqIndex

SANDBOX_BALANCE = Decimal("10000.00")


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
