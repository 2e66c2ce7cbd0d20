"""Records -> the response shapes of the real API (recorded sandbox captures, key for key)."""

from __future__ import annotations

import json
from typing import Any

from pytest_mturk.service.model import (
    HIT,
    Assignment,
    BonusPayment,
    Qualification,
    QualificationRequest,
    QualificationType,
    World,
)


def encode(data: Any) -> bytes:
    """A response body: compact JSON (no space after ``:`` or ``,``), as AWS sends it. The real
    2019 sandbox capture of CreateHITType is 46 bytes for one id (``tests/data/recorded``)."""
    return _COMPACT.encode(data).encode()


# One encoder for every response: json.dumps(..., separators=...) builds a new one per call.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def ts(value: float) -> int | float:
    """Epoch seconds as the service writes them: a whole number when the time is whole."""
    whole = int(value)
    return whole if whole == value else value


def hit_dict(hit: HIT) -> dict[str, Any]:
    """A HIT as CreateHIT / GetHIT / ListHITs return it.

    The 2019 sandbox capture has exactly these keys; Keywords and RequesterAnnotation are absent
    when they were not given (the 2019 sandbox capture in ``tests/data/recorded``).
    """
    ht = hit.hit_type
    d: dict[str, Any] = {
        "HITId": hit.id,
        "HITTypeId": ht.id,
        "HITGroupId": ht.group_id,
        "CreationTime": ts(hit.creation_time),
        "Title": ht.title,
        "Description": ht.description,
    }
    if hit.question is not None:
        d["Question"] = hit.question
    if hit.layout_id is not None:
        d["HITLayoutId"] = hit.layout_id
    if ht.keywords is not None:
        d["Keywords"] = ht.keywords
    d["HITStatus"] = hit.status
    d["MaxAssignments"] = hit.max_assignments
    d["Reward"] = ht.reward_text
    d["AutoApprovalDelayInSeconds"] = ht.auto_approval_delay
    d["Expiration"] = ts(hit.expiration)
    d["AssignmentDurationInSeconds"] = ht.assignment_duration
    if hit.annotation is not None:
        d["RequesterAnnotation"] = hit.annotation
    d["QualificationRequirements"] = ht.requirements
    d["HITReviewStatus"] = hit.review_status
    d["NumberOfAssignmentsPending"] = hit.pending
    d["NumberOfAssignmentsAvailable"] = hit.available
    d["NumberOfAssignmentsCompleted"] = hit.completed
    return d


def hit_json(hit: HIT) -> bytes:
    """``hit_dict(hit)`` encoded, cached on the HIT until one of its mutable fields changes.

    Listing 100 HITs then costs a tuple comparison per unchanged HIT instead of building and
    encoding its dict again.
    """
    key = (
        hit.status,
        hit.pending,
        hit.available,
        hit.completed,
        hit.max_assignments,
        hit.expiration,
        hit.review_status,
        hit.hit_type,
    )
    cached = hit.json_cache
    if cached is not None and cached[0] == key:
        return cached[1]
    data = encode(hit_dict(hit))
    hit.json_cache = (key, data)
    return data


def assignment_dict(a: Assignment) -> dict[str, Any]:
    """An Assignment as GetAssignment / ListAssignmentsForHIT return it (the API reference's
    Assignment data structure; optional members only when set)."""
    d: dict[str, Any] = {
        "AssignmentId": a.id,
        "WorkerId": a.worker_id,
        "HITId": a.hit.id,
        "AssignmentStatus": a.status,
    }
    if a.auto_approval_time is not None:
        d["AutoApprovalTime"] = ts(a.auto_approval_time)
    d["AcceptTime"] = ts(a.accept_time)
    if a.submit_time is not None:
        d["SubmitTime"] = ts(a.submit_time)
    if a.approval_time is not None:
        d["ApprovalTime"] = ts(a.approval_time)
    if a.rejection_time is not None:
        d["RejectionTime"] = ts(a.rejection_time)
    d["Deadline"] = ts(a.deadline)
    if a.answer is not None:
        d["Answer"] = a.answer
    if a.feedback is not None:
        d["RequesterFeedback"] = a.feedback
    return d


def bonus_dict(b: BonusPayment) -> dict[str, Any]:
    """A BonusPayment as ListBonusPayments returns it."""
    return {
        "WorkerId": b.worker_id,
        "BonusAmount": b.amount_text,
        "AssignmentId": b.assignment_id,
        "Reason": b.reason,
        "GrantTime": ts(b.grant_time),
    }


def type_dict(qt: QualificationType, viewer: World | None) -> dict[str, Any]:
    """A QualificationType as the API returns it: only populated keys, in the model's order.

    The AnswerKey is shown to the type's owner only [inferred]; AutoGrantedValue only when the
    type is AutoGranted (the API reference: "used only if AutoGranted is true").
    """
    d: dict[str, Any] = {
        "QualificationTypeId": qt.id,
        "CreationTime": ts(qt.creation_time),
        "Name": qt.name,
        "Description": qt.description,
    }
    if qt.keywords is not None:
        d["Keywords"] = qt.keywords
    d["QualificationTypeStatus"] = qt.status
    if qt.test is not None:
        d["Test"] = qt.test
        d["TestDurationInSeconds"] = qt.test_duration
    if qt.answer_key is not None and viewer is not None and qt.owner is viewer:
        d["AnswerKey"] = qt.answer_key
    if qt.retry_delay is not None:
        d["RetryDelayInSeconds"] = qt.retry_delay
    d["IsRequestable"] = qt.is_requestable
    d["AutoGranted"] = qt.auto_granted
    if qt.auto_granted:
        d["AutoGrantedValue"] = qt.auto_granted_value
    return d


def qualification_dict(q: Qualification) -> dict[str, Any]:
    """A Qualification as GetQualificationScore / ListWorkersWithQualificationType return it."""
    d: dict[str, Any] = {
        "QualificationTypeId": q.type_id,
        "WorkerId": q.worker_id,
        "GrantTime": ts(q.grant_time),
    }
    if q.integer_value is not None:
        d["IntegerValue"] = q.integer_value
    if q.locale is not None:
        d["LocaleValue"] = dict(q.locale)
    d["Status"] = q.status
    return d


def request_dict(r: QualificationRequest) -> dict[str, Any]:
    """A QualificationRequest as ListQualificationRequests returns it (no status field, M)."""
    d: dict[str, Any] = {
        "QualificationRequestId": r.id,
        "QualificationTypeId": r.type.id,
        "WorkerId": r.worker_id,
    }
    if r.test is not None:
        d["Test"] = r.test
    if r.answer is not None:
        d["Answer"] = r.answer
    d["SubmitTime"] = ts(r.submit_time)
    return d
