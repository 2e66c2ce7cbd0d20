"""Notification settings, test events and file-upload URLs (the API reference:
UpdateNotificationSettings, SendTestEventNotification, GetFileUploadURL; the Notification page).

Events themselves are emitted by :meth:`Service.emit` when work moves; this module stores the
HIT types' notification specifications and answers the three operations. Delivery beyond the
record in ``fake.notifications`` (moto's SQS/SNS) lives in :mod:`pytest_mturk.external`.
"""

from __future__ import annotations

import re
import time
from typing import Any

from pytest_mturk.service import errors
from pytest_mturk.service.hits import require_hit_type
from pytest_mturk.service.model import (
    VISIBLE_ASSIGNMENT_STATUSES,
    NotificationSpec,
    UploadGrant,
    World,
)
from pytest_mturk.service.state import Params, Service, iso_time, operation

__all__ = [
    "ACCEPTED_VERSIONS",
    "UPLOAD_HOST",
    "UPLOAD_URL_LIFETIME",
    "destination_region",
]

#: The model documents 2006-05-05, the 2017 doc page and Dallinger send 2014-08-15, ParlAI sends
#: 2006-05-05 (sources disagree): both are accepted and echoed as EventDocVersion.
ACCEPTED_VERSIONS = ("2006-05-05", "2014-08-15")

#: GetFileUploadURL's URL is valid for 60 seconds (SEED-OPS).
UPLOAD_URL_LIFETIME = 60.0

ASSIGNMENT_EVENTS = frozenset(
    {
        "AssignmentAccepted",
        "AssignmentAbandoned",
        "AssignmentReturned",
        "AssignmentSubmitted",
        "AssignmentRejected",
        "AssignmentApproved",
    }
)

# SQS queue URLs: the current https://sqs.<region>.amazonaws.com/<account>/<name> form and the
# legacy https://queue.amazonaws.com / https://<region>.queue.amazonaws.com forms. Queue names are
# 1-80 letters, digits, - and _ (optionally ending .fifo).
_SQS_URL = re.compile(
    r"https://(?:sqs\.(?P<region>[a-z0-9-]+)|(?P<legacy>[a-z0-9-]+)\.queue|queue)"
    r"\.amazonaws\.com(?:\.cn)?/\d{12}/[A-Za-z0-9_-]{1,80}(?:\.fifo)?"
)
_SNS_ARN = re.compile(
    r"arn:aws(?:-cn|-us-gov)?:sns:(?P<region>[a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?"
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def destination_region(transport: str, destination: str) -> str | None:
    """The AWS region of an SQS queue URL or SNS topic ARN (None for Email or a bad value)."""
    if transport == "SQS":
        m = _SQS_URL.fullmatch(destination)
        if m is None:
            return None
        return m.group("region") or m.group("legacy") or "us-east-1"
    if transport == "SNS":
        m = _SNS_ARN.fullmatch(destination)
        return None if m is None else m.group("region")
    return None


def _check_spec(spec: dict[str, Any], *, allow_ping: bool) -> NotificationSpec:
    """A NotificationSpecification checked in full (nothing is stored here)."""
    transport = spec["Transport"]
    destination = spec["Destination"]
    version = spec["Version"]
    event_types = tuple(dict.fromkeys(spec["EventTypes"]))  # duplicates collapse, order kept
    if transport == "Email":
        valid = _EMAIL.fullmatch(destination) is not None
        what = "an e-mail address"
    elif transport == "SQS":
        valid = _SQS_URL.fullmatch(destination) is not None
        what = "an Amazon SQS queue URL"
    else:
        valid = _SNS_ARN.fullmatch(destination) is not None
        what = "an Amazon SNS topic ARN"
    if not valid:
        raise errors.InvalidTransportEndpoint(destination, transport, what)
    if version not in ACCEPTED_VERSIONS:
        raise errors.InvalidNotificationVersion(version, ", ".join(ACCEPTED_VERSIONS))
    if not event_types:
        # The Notification structure takes one or more EventType (legacy data structure page).
        raise errors.NoEventTypes()
    if not allow_ping and "Ping" in event_types:
        raise errors.PingNotAllowed()
    return NotificationSpec(destination, transport, version, event_types)


@operation("UpdateNotificationSettings")
def update_notification_settings(svc: Service, world: World, params: Params) -> dict[str, Any]:
    """Store, replace, disable or re-enable a HIT type's notification specification."""
    ht = require_hit_type(world, params["HITTypeId"])
    raw = params.get("Notification")
    active = params.get("Active")
    if raw is None and active is None:
        raise errors.NotificationOrActive()
    spec = None if raw is None else _check_spec(raw, allow_ping=False)
    if spec is None and ht.notification is None:
        # "To change the Active status ... the HIT type must already have a notification
        # specification, or one must be provided in the same call" (the API reference).
        raise errors.NoNotificationSpec(ht.id)
    if spec is not None:
        ht.notification = spec  # a new specification replaces the old one (the API reference)
        # A specification given without Active is active [inferred]: see
        # docs/fidelity.md.
        ht.notification_active = True if active is None else bool(active)
    else:
        ht.notification_active = bool(active)
    return {}


def _test_event(svc: Service, event_type: str, at: float) -> dict[str, Any]:
    """The event of a test message: real-shaped ids that belong to no HIT [unconfirmed]."""
    event: dict[str, Any] = {"EventType": event_type, "EventTimestamp": iso_time(at)}
    if event_type != "Ping":
        event["HITId"] = svc.new_id()
        event["HITTypeId"] = svc.new_id()
        if event_type in ASSIGNMENT_EVENTS:
            event["AssignmentId"] = svc.new_id()
    return event


@operation("SendTestEventNotification")
def send_test_event_notification(svc: Service, world: World, params: Params) -> dict[str, Any]:
    """Deliver one message for ``TestEventType`` to the specification's destination now.

    The test event is sent even when the specification does not list it (the API reference).
    """
    spec = _check_spec(params["Notification"], allow_ping=True)
    now = svc.now()
    event = _test_event(svc, params["TestEventType"], now)
    svc.deliver(world, spec.transport, spec.destination, spec.version, [event], now)
    return {}


# ----------------------------------------------------------------------------- file uploads


UPLOAD_HOST = "mturk-file-uploads.s3.amazonaws.com"


@operation("GetFileUploadURL")
def get_file_upload_url(svc: Service, world: World, params: Params) -> dict[str, Any]:
    """A temporary (60 s) URL serving a file a worker uploaded to a FileUploadAnswer question."""
    assignment_id = params["AssignmentId"]
    question_id = params["QuestionIdentifier"]
    a = svc.assignments_by_id.get(assignment_id)
    # In-flight or another requester's assignment: "does not exist", as GetAssignment says.
    if a is None or a.hit.world is not world or a.status not in VISIBLE_ASSIGNMENT_STATUSES:
        raise errors.AssignmentDoesNotExist(assignment_id)
    hit = a.hit
    parsed = hit.parsed
    kinds = {} if parsed is None else {q.identifier: q.answer_kind for q in parsed.questions}
    if kinds.get(question_id) != "FileUpload":
        raise errors.NotAFileUploadQuestion(question_id, hit.id)
    if (assignment_id, question_id) not in hit.files:
        raise errors.NoUploadedFile(question_id, assignment_id)
    now = svc.now()
    key = f"{assignment_id}/{question_id}/{svc.hex_id(16)}"
    signature = svc.hex_id(64)
    svc.upload_grants[signature] = UploadGrant(
        hit, assignment_id, question_id, key, now + UPLOAD_URL_LIFETIME
    )
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    # Shaped like an S3 presigned URL [inferred]; served in process by pytest_mturk.external.
    url = (
        f"https://{UPLOAD_HOST}/{key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={stamp}"
        f"&X-Amz-Expires={int(UPLOAD_URL_LIFETIME)}&X-Amz-SignedHeaders=host"
        f"&X-Amz-Signature={signature}"
    )
    return {"FileUploadURL": url}
