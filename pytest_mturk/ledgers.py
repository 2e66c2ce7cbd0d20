"""What moved: payments, notifications and e-mails, with the assertion helpers over them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Literal

__all__ = ["Email", "Ledgers", "Notification", "Payment"]


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
    """One message MTurk sent to a notification destination.

    ``message`` is the JSON document as a dict (Events, EventDocId, SourceAccount, CustomerId,
    EventDocVersion). ``delivered`` says whether it also reached a real (moto) SQS queue or SNS
    topic; ``delivery_error`` says why that failed (the MTurk call itself never fails for it).
    """

    transport: str
    destination: str
    event_types: tuple[str, ...]
    message: dict[str, Any]
    time: datetime
    delivered: bool = field(default=False, compare=False)
    delivery_error: str | None = field(default=None, compare=False)

    @property
    def events(self) -> list[dict[str, Any]]:
        """The message's events (EventType, EventTimestamp, HITId, HITTypeId, AssignmentId)."""
        events: list[dict[str, Any]] = self.message["Events"]
        return events

    def __str__(self) -> str:
        parts = []
        for e in self.events:
            ids = " ".join(f"{k}={e[k]}" for k in ("HITId", "AssignmentId") if e.get(k) is not None)
            parts.append(f"{e['EventType']}({ids})" if ids else e["EventType"])
        line = f"{self.time.isoformat()} {self.transport} {self.destination}: {', '.join(parts)}"
        if self.delivery_error is not None:
            line += f" [delivery failed: {self.delivery_error}]"
        return line


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

    __slots__ = ("emails", "notifications", "payments")

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
        p = Payment(
            kind, worker_id, assignment_id, hit_id, amount, fee, _dt(at), reason, environment
        )
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

    def mark_delivery(self, note: Notification, error: str | None) -> None:
        """Record how the real delivery of ``note`` (to moto's SQS/SNS) went."""
        # The record is frozen for users; only the transport layer fills these two fields in.
        object.__setattr__(note, "delivered", error is None)
        object.__setattr__(note, "delivery_error", error)

    # ------------------------------------------------------------------ assertions

    def describe_notifications(self) -> str:
        if not self.notifications:
            return "no notifications were sent"
        return "notifications sent:\n" + "\n".join(f"  {n}" for n in self.notifications)

    def describe_emails(self) -> str:
        if not self.emails:
            return "no e-mails were sent"
        lines = ["e-mails sent:"]
        for e in self.emails:
            text = e.text if len(e.text) <= 60 else e.text[:57] + "..."
            lines.append(f"  {e} text={text!r}")
        return "\n".join(lines)

    def assert_notified(
        self,
        event_type: str,
        *,
        hit_id: str | None = None,
        destination: str | None = None,
        count: int | None = None,
    ) -> None:
        """An event of ``event_type`` was sent (for ``hit_id``, to ``destination``, if given):
        at least once, or exactly ``count`` times. A failure lists every notification sent."""
        __tracebackhide__ = True
        found = sum(
            1
            for n in self.notifications
            if destination is None or n.destination == destination
            for e in n.events
            if e["EventType"] == event_type and (hit_id is None or e.get("HITId") == hit_id)
        )
        if (count is None and found) or found == count:
            return
        what = event_type
        if hit_id is not None:
            what += f" for HIT {hit_id}"
        if destination is not None:
            what += f" to {destination}"
        want = "at least once" if count is None else f"{count} time(s)"
        raise AssertionError(
            f"expected {what} {want}, found {found}\n" + self.describe_notifications()
        )

    def assert_emailed(
        self, worker_id: str, *, subject: str | None = None, contains: str | None = None
    ) -> None:
        """An e-mail went to ``worker_id`` (with exactly ``subject`` / whose text contains
        ``contains``, if given). A failure lists every e-mail sent."""
        __tracebackhide__ = True
        for e in self.emails:
            if (
                e.worker_id == worker_id
                and (subject is None or e.subject == subject)
                and (contains is None or contains in e.text)
            ):
                return
        what = f"an e-mail to {worker_id}"
        if subject is not None:
            what += f" with subject {subject!r}"
        if contains is not None:
            what += f" containing {contains!r}"
        raise AssertionError(f"expected {what}, found none\n" + self.describe_emails())
