"""Assignment events through SQS: subscribe a HIT type, and a consumer that reacts to them.

MTurk sends one SQS message per notification; its body is a JSON document with ``Events``, each
having ``EventType``, ``EventTimestamp``, ``HITId``, ``HITTypeId`` and (for assignment events)
``AssignmentId``. The consumer:

* AssignmentSubmitted: checks the submission's gold photo at once, and rejects it if wrong (the
  worker learns early, and the slot's result is known before the page is complete);
* HITReviewable: reviews the whole page (majority, bonuses, approvals);
* AssignmentReturned / AssignmentAbandoned: only noted (MTurk reopens the slot itself).

SQS delivers at least once, so every reaction is safe to repeat.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labelling.collect import Submission
from labelling.config import Settings
from labelling.review import check_gold, review_hit

EVENT_TYPES = [
    "AssignmentSubmitted",
    "AssignmentReturned",
    "AssignmentAbandoned",
    "HITReviewable",
]


def queue_policy(queue_arn: str) -> str:
    """The SQS queue policy that lets MTurk send messages to the queue."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "MTurkSendsEvents",
                    "Effect": "Allow",
                    "Principal": {"Service": "mturk-requester.amazonaws.com"},
                    "Action": "SQS:SendMessage",
                    "Resource": queue_arn,
                }
            ],
        }
    )


def create_queue(sqs: Any, name: str) -> str:
    """An SQS queue MTurk may write to; returns its URL."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": queue_policy(arn)})
    return str(url)


def subscribe(mturk: Any, hit_type_id: str, queue_url: str) -> None:
    """Send this HIT type's assignment events to the queue."""
    mturk.update_notification_settings(
        HITTypeId=hit_type_id,
        Notification={
            "Destination": queue_url,
            "Transport": "SQS",
            "Version": "2006-05-05",
            "EventTypes": EVENT_TYPES,
        },
        Active=True,
    )


@dataclass(frozen=True)
class Handled:
    event_type: str
    hit_id: str
    assignment_id: str | None
    action: str


class Consumer:
    """Reads the queue and reacts to the events in it."""

    def __init__(
        self,
        mturk: Any,
        sqs: Any,
        queue_url: str,
        gold: Mapping[str, str],
        settings: Settings | None = None,
    ) -> None:
        self.mturk = mturk
        self.sqs = sqs
        self.queue_url = queue_url
        self.gold = dict(gold)
        self.settings = settings or Settings()

    def poll(self, wait_seconds: int = 0) -> list[Handled]:
        """Handle one receive's worth of messages (up to 10), deleting each once handled."""
        received = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        )
        handled = []
        for message in received.get("Messages", []):
            for event in json.loads(message["Body"]).get("Events", []):
                handled.append(self.handle(event))
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return handled

    def drain(self) -> list[Handled]:
        """Handle messages until the queue is empty."""
        handled: list[Handled] = []
        while batch := self.poll():
            handled += batch
        return handled

    def handle(self, event: Mapping[str, Any]) -> Handled:
        kind = event["EventType"]
        hit_id = event.get("HITId", "")
        assignment_id = event.get("AssignmentId")
        if kind == "AssignmentSubmitted" and assignment_id:
            assignment = self.mturk.get_assignment(AssignmentId=assignment_id)["Assignment"]
            sub = Submission.from_assignment(assignment)
            if sub.status != "Submitted":
                action = f"already {sub.status.lower()}"
            elif check_gold(self.mturk, sub, self.gold):
                action = "passed gold"
            else:
                action = "rejected: failed gold"
        elif kind == "HITReviewable":
            review = review_hit(self.mturk, hit_id, self.gold, self.settings)
            action = f"reviewed: {len(review.approved)} approved, {len(review.rejected)} rejected"
        else:
            action = "noted"
        return Handled(kind, hit_id, assignment_id, action)
