"""What simulated workers do: accept, submit, return. Each refuses exactly when MTurk would."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pytest_mturk.errors import WorkerActionError
from pytest_mturk.service.model import (
    ACCEPTED,
    ASSIGNABLE,
    DISPOSED,
    HIT,
    RETURNED,
    VISIBLE_ASSIGNMENT_STATUSES,
    Assignment,
)
from pytest_mturk.service.state import Service

Answers = Mapping[str, "str | Sequence[str] | bytes"] | str | None

#: Extra checks run on every worker action (the qualifications module adds requirements here):
#: (service, hit, worker id, action) -> a refusal message or None. Actions are "discover",
#: "preview" and "accept".
ACCESS_CHECKS: list[Callable[[Service, HIT, str, str], str | None]] = []


def find_hit(svc: Service, hit_id: str) -> HIT:
    hit = svc.hits_by_id.get(hit_id)
    if hit is None or hit.status == DISPOSED:
        raise WorkerActionError(f"HIT {hit_id} does not exist.", "not_found")
    return hit


def access_refusal(svc: Service, hit: HIT, worker_id: str, action: str) -> WorkerActionError | None:
    """Why ``worker_id`` may not ``action`` the HIT (blocks and requirements), or None."""
    if worker_id in hit.world.blocks:
        return WorkerActionError(
            f"Worker {worker_id} is blocked by the requester of HIT {hit.id}.", "blocked"
        )
    for check in ACCESS_CHECKS:
        message = check(svc, hit, worker_id, action)
        if message is not None:
            return WorkerActionError(message, "requirement")
    return None


def accept(svc: Service, worker_id: str, hit_id: str) -> Assignment:
    with svc.lock:
        now = svc.now()
        svc.process_due(now)
        hit = find_hit(svc, hit_id)
        if hit.expired:
            raise WorkerActionError(
                f"HIT {hit_id} has expired and can no longer be accepted.", "expired"
            )
        held = hit.by_worker.get(worker_id)
        if held is not None and held.status in (ACCEPTED, *VISIBLE_ASSIGNMENT_STATUSES):
            # A worker holds at most one assignment per HIT (MTurk staff, ParlAI#89).
            raise WorkerActionError(
                f"Worker {worker_id} already has assignment {held.id} on HIT {hit_id} "
                f"({held.status}).",
                "already_accepted",
            )
        refusal = access_refusal(svc, hit, worker_id, "accept")
        if refusal is not None:
            raise refusal
        if hit.available == 0:
            raise WorkerActionError(
                f"HIT {hit_id} has no assignments available ({hit.pending} in progress, "
                f"{hit.max_assignments} in all).",
                "full",
            )
        if hit.status != ASSIGNABLE:
            raise WorkerActionError(
                f"HIT {hit_id} is {hit.status} and cannot be accepted.", "not_assignable"
            )
        svc.known_workers.add(worker_id)
        return svc.accept(hit, worker_id, now)


def _own_assignment(svc: Service, worker_id: str, assignment_id: str) -> Assignment:
    a = svc.assignments_by_id.get(assignment_id)
    if a is None or a.worker_id != worker_id:
        raise WorkerActionError(
            f"Worker {worker_id} has no assignment {assignment_id}.", "not_found"
        )
    if a.status != ACCEPTED:
        raise WorkerActionError(
            f"Assignment {assignment_id} is {a.status}, not in progress.", "state"
        )
    return a


def answer_xml(hit: HIT, answers: Answers, rng: Any, upload_keys: dict[str, str]) -> str:
    """QuestionFormAnswers XML for ``answers`` to the HIT's question."""
    return answers_to_xml(hit.parsed, answers, rng, upload_keys)


def answers_to_xml(
    parsed: Any, answers: Answers, rng: Any, upload_keys: dict[str, str] | None = None
) -> str:
    """QuestionFormAnswers XML for ``answers`` (a mapping, a ready XML string, or None for
    answers generated from the question); bad answers raise WorkerActionError("answers")."""
    from pytest_mturk.questions import (
        AnswerError,
        build_answers_xml,
        generate_answers,
        validate_answers_xml,
    )

    try:
        if isinstance(answers, str):
            return validate_answers_xml(answers, parsed)
        if answers is None:
            answers = generate_answers(parsed, rng) if parsed is not None else {}
        return build_answers_xml(answers, parsed, upload_keys=upload_keys)
    except AnswerError as exc:
        raise WorkerActionError(str(exc), "answers") from exc


def submit(svc: Service, worker_id: str, assignment_id: str, answers: Answers) -> Assignment:
    with svc.lock:
        now = svc.now()
        svc.process_due(now)
        a = _own_assignment(svc, worker_id, assignment_id)
        hit = a.hit
        uploads: dict[str, bytes] = {}
        upload_keys: dict[str, str] = {}
        if isinstance(answers, Mapping):
            for qid, value in answers.items():
                if isinstance(value, bytes):
                    uploads[qid] = value
                    upload_keys[qid] = f"{a.id}/{qid}/{svc.hex_id(16)}"
        xml = answer_xml(hit, answers, svc.rng, upload_keys)
        for qid, data in uploads.items():
            hit.files[(a.id, qid)] = data
        svc.submit(a, xml, now)
        return a


def return_assignment(svc: Service, worker_id: str, assignment_id: str) -> Assignment:
    with svc.lock:
        now = svc.now()
        svc.process_due(now)
        a = _own_assignment(svc, worker_id, assignment_id)
        svc.release_assignment(a, RETURNED, now)
        return a
