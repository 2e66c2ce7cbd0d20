"""What moved: payments, notifications and e-mails, with the assertion helpers over them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Literal

__all__ = ["Payment", "Notification", "Email", "Ledgers"]


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment to a worker: a reward (on approval) or a bonus."""

    kind: Literal["reward", "bonus"]
    worker_id: str
    assignment_id: str
    hit_id: str
    amount: Decimal
    fee: Decimal
    time: datetime
    reason: str | None
    environment: str

    def __str__(self) -> str:
        why = f" reason={self.reason!r}" if self.reason else ""
        return (
            f"{self.kind:6} {self.worker_id} ${self.amount} (fee ${self.fee}) "
            f"assignment={self.assignment_id} at {self.time.isoformat()}{why}"
        )


@dataclass(frozen=True, slots=True)
class Notification:
    """One message MTurk sent to a notification destination."""

    transport: str
    destination: str
    event_types: tuple[str, ...]
    message: dict[str, Any]
    time: datetime

    def __str__(self) -> str:
        return f"{self.transport} {self.destination} {', '.join(self.event_types)} at {self.time}"


@dataclass(frozen=True, slots=True)
class Email:
    """One e-mail MTurk sent to a worker (NotifyWorkers, qualification grants and decisions)."""

    worker_id: str
    subject: str
    text: str
    time: datetime
    kind: str

    def __str__(self) -> str:
        return f"{self.worker_id} [{self.kind}] {self.subject!r} at {self.time.isoformat()}"


class _Records(list[Any]):
    """A list that prints one record a line."""

    def __str__(self) -> str:
        return "\n".join(str(r) for r in self) if self else "(none)"


class Ledgers:
    """The records every fake keeps; exposed as ``fake.payments``, ``fake.notifications``..."""

    __slots__ = ("payments", "notifications", "emails")

    def __init__(self) -> None:
        self.payments: list[Payment] = []
        self.notifications: list[Notification] = []
        self.emails: list[Email] = []

    def record_payment(
        self,
        kind: Literal["reward", "bonus"],
        worker_id: str,
        assignment_id: str,
        hit_id: str,
        amount: Decimal,
        fee: Decimal,
        at: float,
        reason: str | None,
        environment: str,
    ) -> Payment:
        p = Payment(kind, worker_id, assignment_id, hit_id, amount, fee, _dt(at), reason, environment)
        self.payments.append(p)
        return p

    def record_notification(
        self, transport: str, destination: str, message: dict[str, Any], at: float
    ) -> Notification:
        types = tuple(e["EventType"] for e in message["Events"])
        n = Notification(transport, destination, types, message, _dt(at))
        self.notifications.append(n)
        return n

    def record_email(self, worker_id: str, subject: str, text: str, at: float, kind: str) -> Email:
        e = Email(worker_id, subject, text, _dt(at), kind)
        self.emails.append(e)
        return e

    def payments_to(self, worker_id: str, kind: str | None = None) -> Iterator[Payment]:
        return (
            p
            for p in self.payments
            if p.worker_id == worker_id and (kind is None or p.kind == kind)
        )

    def describe_payments(self) -> str:
        if not self.payments:
            return "no payments were made"
        lines = ["payments made:"]
        lines += [f"  {p}" for p in self.payments]
        return "\n".join(lines)
