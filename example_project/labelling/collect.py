"""Find a batch's HITs and collect the work done on them (every page of every listing)."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from labelling.answers import parse_answers
from labelling.task import item_of

#: The assignment statuses that carry answers.
DONE = ("Submitted", "Approved", "Rejected")


def annotation(batch: str, index: int) -> str:
    """The RequesterAnnotation of page ``index`` of ``batch``: how we find our HITs again."""
    return f"labelling:{batch}:{index}"


def batch_hits(mturk: Any, batch: str) -> list[dict[str, Any]]:
    """The batch's HITs (not yet deleted), in page order."""
    prefix = annotation(batch, 0)[:-1]
    found = []
    for page in mturk.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 100}):
        for hit in page["HITs"]:
            note = hit.get("RequesterAnnotation") or ""
            if note.startswith(prefix) and note[len(prefix) :].isdigit():
                found.append(hit)
    return sorted(found, key=lambda hit: int(hit["RequesterAnnotation"][len(prefix) :]))


@dataclass(frozen=True)
class Submission:
    """One worker's answers to one page."""

    hit_id: str
    assignment_id: str
    worker_id: str
    status: str
    submitted_at: datetime
    labels: dict[str, str]  # item_id -> label

    @classmethod
    def from_assignment(cls, assignment: dict[str, Any]) -> Submission:
        labels = {}
        for field, value in parse_answers(assignment["Answer"]).items():
            item = item_of(field)
            if item is not None and isinstance(value, str):
                labels[item] = value
        return cls(
            hit_id=assignment["HITId"],
            assignment_id=assignment["AssignmentId"],
            worker_id=assignment["WorkerId"],
            status=assignment["AssignmentStatus"],
            submitted_at=assignment["SubmitTime"],
            labels=labels,
        )


def submissions(mturk: Any, hit_id: str, statuses: Iterable[str] = DONE) -> Iterator[Submission]:
    """The work done on a HIT, page after page of ListAssignmentsForHIT."""
    paginator = mturk.get_paginator("list_assignments_for_hit")
    for page in paginator.paginate(
        HITId=hit_id, AssignmentStatuses=list(statuses), PaginationConfig={"PageSize": 10}
    ):
        for assignment in page["Assignments"]:
            yield Submission.from_assignment(assignment)


def collect(mturk: Any, batch: str) -> list[Submission]:
    """Every submission of the batch, HIT by HIT."""
    return [sub for hit in batch_hits(mturk, batch) for sub in submissions(mturk, hit["HITId"])]


@dataclass(frozen=True)
class BatchStatus:
    hits: int
    hit_statuses: dict[str, int]
    pending: int  # assignments accepted and being worked on
    available: int  # assignments nobody has taken yet
    completed: int  # MTurk's NumberOfAssignmentsCompleted
    expired: int  # HITs whose expiration time has passed
    next_expiry: datetime | None  # the earliest expiration still to come

    @property
    def finished(self) -> bool:
        """Every HIT is Reviewable: all its work is in, or it expired with none in progress."""
        reviewable = self.hit_statuses.get("Reviewable", 0) + self.hit_statuses.get("Reviewing", 0)
        return self.hits > 0 and reviewable == self.hits


def batch_status(mturk: Any, batch: str, now: datetime | None = None) -> BatchStatus:
    """Where the batch stands, as of ``now`` (default: the current time)."""
    now = now or datetime.now(timezone.utc)
    hits = batch_hits(mturk, batch)
    expired = [hit for hit in hits if hit["Expiration"] <= now]
    coming = [hit["Expiration"] for hit in hits if hit["Expiration"] > now]
    return BatchStatus(
        hits=len(hits),
        hit_statuses=dict(Counter(hit["HITStatus"] for hit in hits)),
        pending=sum(hit["NumberOfAssignmentsPending"] for hit in hits),
        available=sum(hit["NumberOfAssignmentsAvailable"] for hit in hits),
        completed=sum(hit["NumberOfAssignmentsCompleted"] for hit in hits),
        expired=len(expired),
        next_expiry=min(coming, default=None),
    )


class NotFinished(TimeoutError):
    """The batch was still running when we stopped waiting."""


def wait_until_finished(
    mturk: Any, batch: str, *, poll_seconds: float = 60, timeout_seconds: float = 6 * 3600
) -> BatchStatus:
    """Poll the batch until it is finished (as a cron job or a notebook would)."""
    for _ in range(max(1, math.ceil(timeout_seconds / poll_seconds))):
        status = batch_status(mturk, batch)
        if status.finished:
            return status
        time.sleep(poll_seconds)
    raise NotFinished(f"batch {batch} is not finished after {timeout_seconds:.0f} s: {status}")
