"""Qualification requests and tests: a worker's request (AutoGranted, scored tests, pending
requests, retakes) and the requester's ListQualificationRequests, Accept and
Reject."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pytest_mturk.errors import WorkerActionError
from pytest_mturk.service import errors
from pytest_mturk.service.model import ACTIVE, QualificationRequest, World
from pytest_mturk.service.pagination import decode_token, page_of
from pytest_mturk.service.qualifications import (
    email_granted,
    email_rejected,
    find_type_anywhere,
    grant,
    owned_type,
    resolve_request,
)
from pytest_mturk.service.question_xml import answers_for_test, score
from pytest_mturk.service.render import request_dict
from pytest_mturk.service.requirements import SYSTEM_TYPE_IDS
from pytest_mturk.service.state import Params, Service, operation


@operation("ListQualificationRequests")
def list_qualification_requests(svc: Service, world: World, params: Params) -> dict[str, Any]:
    """Pending requests for the caller's types (the API reference: "poll for pending requests")."""
    type_id = params.get("QualificationTypeId")
    if type_id is not None:
        owned_type(world, type_id)
    scope = f"ListQualificationRequests/{type_id or ''}"
    after = decode_token(scope, params.get("NextToken"))
    pending = world.qual_request_index  # pending only, in seq order
    start = bisect_right(pending, after, key=lambda r: r.seq)

    def items() -> Iterator[tuple[int, QualificationRequest]]:
        for i in range(start, len(pending)):
            r = pending[i]
            if type_id is None or r.type.id == type_id:
                yield r.seq, r

    return page_of(items(), params, scope, svc.next_nonce(), request_dict, "QualificationRequests")


def _pending_request(world: World, request_id: str) -> QualificationRequest:
    r = world.qual_requests.get(request_id)
    if r is None:
        raise errors.QualificationRequestDoesNotExist(request_id)
    if r.resolved:
        raise errors.QualificationRequestAlreadyProcessed(request_id)
    return r


@operation("AcceptQualificationRequest")
def accept_qualification_request(svc: Service, world: World, params: Params) -> dict[str, Any]:
    r = _pending_request(world, params["QualificationRequestId"])
    value = params.get("IntegerValue")
    if value is None:
        value = 1  # the API reference's default (AcceptQualificationRequest)
    now = svc.now()
    resolve_request(world, r)
    grant(svc, r.type, r.worker_id, value, now)
    email_granted(svc, r.type, r.worker_id, value, now)
    return {}


@operation("RejectQualificationRequest")
def reject_qualification_request(svc: Service, world: World, params: Params) -> dict[str, Any]:
    r = _pending_request(world, params["QualificationRequestId"])
    resolve_request(world, r)
    # The API reference: the Reason is "shown to the Worker who made the request".
    email_rejected(svc, r, params.get("Reason"), svc.now())
    return {}


def worker_request(
    svc: Service,
    worker_id: str,
    type_id: str,
    answers: Mapping[str, str | Sequence[str]] | str | None,
    *,
    started_at: float | None = None,
) -> str | None:
    """A worker requests a qualification: the request flow of the worker site (the API reference,
    CreateQualificationType and AcceptQualificationRequest).

    * The type must exist, be requestable (not a system type) and Active, else
      :class:`WorkerActionError` with reason ``"not_found"``, ``"not_requestable"`` or
      ``"inactive"``.
    * Retakes: without RetryDelayInSeconds a worker may request a type only once, ever
      (``"no_retake"``); with it, not before that many seconds after the previous request
      (``"retry_delay"``), on the fake clock.
    * A type with a Test takes ``answers`` (a mapping or QuestionFormAnswers XML; None answers
      with generated values); one without a Test takes none (``"answers"``). ``started_at`` is
      the fake time the worker began the test: if more than TestDurationInSeconds have passed
      since, the test is refused (``"test_duration"``) and nothing is recorded.
    * AutoGranted: granted at once with AutoGrantedValue; returns None.
    * Test with an AnswerKey: scored (the AnswerKey page) and granted at once; returns None.
    * Otherwise a pending QualificationRequest (with Test and Answer for a test type) that
      ListQualificationRequests shows to the owner; returns its id.
    """
    with svc.step() as now:
        found = find_type_anywhere(svc, type_id)
        if found is None and type_id not in SYSTEM_TYPE_IDS:
            raise WorkerActionError(f"QualificationType {type_id} does not exist.", "not_found")
        qt = found[1] if found is not None else None
        owner = qt.owner if qt is not None else None
        if qt is None or owner is None or not qt.is_requestable:
            raise WorkerActionError(
                f"QualificationType {type_id} cannot be requested: the system assigns it.",
                "not_requestable",
            )
        if qt.status != ACTIVE:
            raise WorkerActionError(
                f"QualificationType {type_id} ({qt.name}) is {qt.status} and cannot be requested.",
                "inactive",
            )
        key = (qt.id, worker_id)
        last = owner.last_request_time.get(key)
        if last is not None:
            if qt.retry_delay is None:
                # The API reference: without RetryDelayInSeconds "Workers can request a
                # Qualification of this type only once, even if the Worker has not been granted
                # the Qualification."
                raise WorkerActionError(
                    f"Worker {worker_id} already requested QualificationType {type_id} "
                    f"({qt.name}), which does not allow retakes.",
                    "no_retake",
                )
            if now < last + qt.retry_delay:
                raise WorkerActionError(
                    f"Worker {worker_id} must wait {qt.retry_delay} s after the previous request "
                    f"before requesting QualificationType {type_id} again "
                    f"({last + qt.retry_delay - now:.0f} s to go).",
                    "retry_delay",
                )
        answer_xml: str | None = None
        if qt.test is None:
            if answers is not None:
                raise WorkerActionError(
                    f"QualificationType {type_id} ({qt.name}) has no test to answer.", "answers"
                )
        else:
            assert qt.test_duration is not None
            # started_at comes from the test (a datetime, to the microsecond): compared with
            # the exact fake time, not the millisecond one.
            took = svc.exact_now() - started_at if started_at is not None else 0.0
            if took > qt.test_duration:
                raise WorkerActionError(
                    f"Worker {worker_id} took {took:.0f} s on the test of "
                    f"QualificationType {type_id}; TestDurationInSeconds is {qt.test_duration}.",
                    "test_duration",
                )
            answer_xml = answers_for_test(qt.test, answers, svc.rng)
        # Everything is checked: from here on the request is made.
        svc.known_workers.add(worker_id)
        owner.last_request_time[key] = now
        if qt.auto_granted:
            grant(svc, qt, worker_id, qt.auto_granted_value, now)
            return None
        if qt.answer_key is not None and answer_xml is not None:
            grant(svc, qt, worker_id, score(qt.answer_key, answer_xml), now)
            return None
        r = QualificationRequest(
            id=svc.new_id(),
            type=qt,
            worker_id=worker_id,
            test=qt.test,
            answer=answer_xml,
            submit_time=now,
            seq=svc.next_seq(),
        )
        owner.qual_requests[r.id] = r
        owner.qual_request_index.append(r)
        return r.id
