"""What happened: payments, notifications, e-mails and the calls made, with every assertion
helper over them (the fake's ``assert_*`` methods delegate here)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Literal

__all__ = ["CallLog", "CallRecord", "Email", "Ledgers", "Notification", "Payment"]

_ATTEMPT = re.compile(r"attempt=(\d+)")


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment to a worker: a reward (on approval) or a bonus."""

    #: ``"reward"`` (paid when the assignment is approved) or ``"bonus"`` (SendBonus).
    kind: Literal["reward", "bonus"]
    #: The worker paid.
    worker_id: str
    #: The assignment the payment is for.
    assignment_id: str
    #: That assignment's HIT.
    hit_id: str
    #: What the worker received (the HIT's Reward, or the BonusAmount).
    amount: Decimal
    #: MTurk's commission on it, charged to the requester on top of ``amount``.
    fee: Decimal
    #: When it was paid, on the fake clock (UTC).
    time: datetime
    #: The bonus's Reason (None for a reward).
    reason: str | None
    #: ``"sandbox"`` or ``"production"`` (only production money moves a balance).
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

    #: The notification's Transport: ``"SQS"``, ``"SNS"`` or ``"Email"``.
    transport: str
    #: Its Destination: a queue URL, a topic ARN or an e-mail address.
    destination: str
    #: The EventType of each event in ``message``, in order.
    event_types: tuple[str, ...]
    #: The message MTurk sent, as a dict (see above).
    message: dict[str, Any]
    #: When it was sent, on the fake clock (UTC).
    time: datetime
    #: Whether it also reached a moto SQS queue or SNS topic.
    delivered: bool = field(default=False, compare=False)
    #: Why that delivery failed, or None.
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

    #: The worker written to.
    worker_id: str
    #: The e-mail's subject.
    subject: str
    #: Its text.
    text: str
    #: When it was sent, on the fake clock (UTC).
    time: datetime
    #: What sent it: ``"NotifyWorkers"``, ``"QualificationGranted"``,
    #: ``"QualificationRequestRejected"`` or ``"QualificationRevoked"``.
    kind: str

    def __str__(self) -> str:
        return f"{self.worker_id} [{self.kind}] {self.subject!r} at {self.time.isoformat()}"


class Ledgers:
    """The records every fake keeps; exposed as ``fake.payments``, ``fake.notifications``..."""

    __slots__ = ("emails", "notifications", "payments")

    def __init__(self) -> None:
        #: Every reward and bonus paid, in order.
        self.payments: list[Payment] = []
        #: Every notification message sent, in order.
        self.notifications: list[Notification] = []
        #: Every e-mail sent to a worker, in order.
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
        """Record a payment (called by the service when it pays)."""
        p = Payment(
            kind, worker_id, assignment_id, hit_id, amount, fee, _dt(at), reason, environment
        )
        self.payments.append(p)
        return p

    def record_notification(
        self, transport: str, destination: str, message: dict[str, Any], at: float
    ) -> Notification:
        """Record a notification message sent (called by the service)."""
        types = tuple(e["EventType"] for e in message["Events"])
        n = Notification(transport, destination, types, message, _dt(at))
        self.notifications.append(n)
        return n

    def record_email(self, worker_id: str, subject: str, text: str, at: float, kind: str) -> Email:
        """Record an e-mail sent to a worker (called by the service)."""
        e = Email(worker_id, subject, text, _dt(at), kind)
        self.emails.append(e)
        return e

    def payments_to(self, worker_id: str, kind: str | None = None) -> Iterator[Payment]:
        """The payments to ``worker_id`` (of ``kind``, ``"reward"`` or ``"bonus"``, if given)."""
        return (
            p
            for p in self.payments
            if p.worker_id == worker_id and (kind is None or p.kind == kind)
        )

    def describe_payments(self) -> str:
        """Every payment, one a line (for failure messages)."""
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

    def clear(self) -> None:
        """Forget every record (the fake's ``reset``)."""
        self.payments.clear()
        self.notifications.clear()
        self.emails.clear()

    def replace_with(self, other: Ledgers) -> None:
        """Hold exactly ``other``'s records (the fake's ``restore`` and ``load_state``)."""
        self.payments[:] = other.payments
        self.notifications[:] = other.notifications
        self.emails[:] = other.emails

    # ------------------------------------------------------------------ assertions

    def assert_paid(self, worker_id: str, amount: Decimal | str | float) -> None:
        """The rewards paid to ``worker_id`` total exactly ``amount``."""
        __tracebackhide__ = True
        expected = Decimal(str(amount))
        got = sum((p.amount for p in self.payments_to(worker_id, "reward")), Decimal("0"))
        if got != expected:
            raise AssertionError(
                f"expected rewards of ${expected} paid to {worker_id}, but ${got} were paid\n"
                + self.describe_payments()
            )

    def assert_not_paid(self, worker_id: str) -> None:
        """No reward and no bonus was paid to ``worker_id``."""
        __tracebackhide__ = True
        paid = list(self.payments_to(worker_id))
        if paid:
            raise AssertionError(
                f"expected no payment to {worker_id}, but {len(paid)} were made\n"
                + self.describe_payments()
            )

    def assert_bonus_paid(
        self, worker_id: str, amount: Decimal | str | float, reason: str | None = None
    ) -> None:
        """Bonuses paid to ``worker_id`` (with ``reason``, if given) total exactly ``amount``."""
        __tracebackhide__ = True
        expected = Decimal(str(amount))
        bonuses = [
            p for p in self.payments_to(worker_id, "bonus") if reason is None or p.reason == reason
        ]
        got = sum((p.amount for p in bonuses), Decimal("0"))
        if got != expected:
            which = f" with reason {reason!r}" if reason is not None else ""
            raise AssertionError(
                f"expected bonuses{which} of ${expected} paid to {worker_id}, but ${got} were "
                "paid\n" + self.describe_payments()
            )

    def describe_notifications(self) -> str:
        """Every notification, one a line (for failure messages)."""
        if not self.notifications:
            return "no notifications were sent"
        return "notifications sent:\n" + "\n".join(f"  {n}" for n in self.notifications)

    def describe_emails(self) -> str:
        """Every e-mail, one a line with its text shortened (for failure messages)."""
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


# ============================================================================ calls


@dataclass(slots=True)
class CallRecord:
    """One HTTP attempt that reached the fake.

    ``operation`` (None when the target named none), ``params``, ``status`` (0 for a
    connection-level fault), ``error_code`` / ``turk_error_code``, ``sdk_request`` (botocore's
    ``amz-sdk-request`` header, e.g. ``"attempt=2; max=3"``), ``timestamp`` (fake time, epoch
    seconds), ``environment`` and ``access_key``; ``ok``, ``attempt`` (1 for the first try) and
    ``time`` (a UTC datetime) are derived.
    """

    #: The API operation (``"CreateHIT"``); None when the request named none.
    operation: str | None
    #: The parameters as sent (the request's JSON body, as a dict).
    params: dict[str, Any]
    #: The HTTP status answered (200 for success); 0 for a connection-level fault.
    status: int
    #: The error's name (``"RequestError"``, ``"ServiceFault"``, ``"ThrottlingException"``...,
    #: or a connection-level fault's kind, ``"ReadTimeout"``), or None for success.
    error_code: str | None
    #: The error's ``TurkErrorCode``, if it has one (``"AWS.MechanicalTurk.HITDoesNotExist"``).
    turk_error_code: str | None
    #: botocore's ``amz-sdk-request`` header (``"attempt=2; max=3"``), or ``""``.
    sdk_request: str
    #: When the attempt arrived, on the fake clock (epoch seconds).
    timestamp: float
    #: ``"sandbox"`` or ``"production"`` (or another endpoint's world); None if not known.
    environment: str | None
    #: The requester's access key id, from the request's signature.
    access_key: str | None

    @property
    def ok(self) -> bool:
        """Whether the attempt was answered with HTTP 200."""
        return self.status == 200

    @property
    def attempt(self) -> int:
        """botocore's attempt number (1 for the first try, 2 for the first retry, ...)."""
        match = _ATTEMPT.search(self.sdk_request)
        return int(match.group(1)) if match else 1

    @property
    def time(self) -> datetime:
        """When the attempt arrived, on the fake clock (UTC)."""
        return _dt(self.timestamp)

    def __str__(self) -> str:
        outcome = (
            "ok" if self.ok else f"{self.status} {self.error_code} {self.turk_error_code or ''}"
        )
        return (
            f"{self.operation}({short_params(self.params)}) -> {outcome.strip()} "
            f"[attempt {self.attempt}]"
        )


def short_params(params: dict[str, Any]) -> str:
    """``k=v, ...`` with long values cut, for one-line descriptions of calls."""
    parts = []
    for k, v in params.items():
        text = repr(v)
        parts.append(f"{k}={text if len(text) <= 40 else text[:37] + '...'}")
    return ", ".join(parts)


class CallLog(list[CallRecord]):
    """``fake.calls``: every attempt that reached the fake, in order (a list), with lookups."""

    def calls_to(self, operation: str, **params: Any) -> list[CallRecord]:
        """The recorded attempts of ``operation`` whose parameters include ``params``."""
        return [
            c
            for c in self
            if c.operation == operation and all(c.params.get(k) == v for k, v in params.items())
        ]

    def assert_called(self, operation: str, *, times: int | None = None, **params: Any) -> None:
        """``operation`` was called (``times`` times, if given) with these parameters; a failure
        lists every call made."""
        __tracebackhide__ = True
        matching = self.calls_to(operation, **params)
        if (times is None and not matching) or (times is not None and len(matching) != times):
            want = "at least once" if times is None else f"{times} time(s)"
            raise AssertionError(
                f"expected {operation}({short_params(params)}) {want}, found {len(matching)}\n"
                f"calls made:\n{self.describe()}"
            )

    def describe(self) -> str:
        """Every call, one a line (for failure messages)."""
        return "\n".join(f"  {c}" for c in self) or "  (no calls)"
