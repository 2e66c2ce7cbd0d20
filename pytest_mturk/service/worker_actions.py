"""What simulated workers do: accept, submit, return. Each refuses exactly when MTurk would."""

from __future__ import annotations

import random
from collections.abc import Mapping

from pytest_mturk.errors import WorkerActionError
from pytest_mturk.service.access import access_refusal, find_hit
from pytest_mturk.service.model import (
    ACCEPTED,
    ASSIGNABLE,
    HIT,
    RETURNED,
    VISIBLE_ASSIGNMENT_STATUSES,
    Assignment,
)
from pytest_mturk.service.question_xml import Answers, answers_to_xml
from pytest_mturk.service.state import Service


def accept(svc: Service, worker_id: str, hit_id: str) -> Assignment:
    """The worker accepts one assignment of the HIT, or WorkerActionError says why not."""
    with svc.step() as now:
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


def answer_xml(hit: HIT, answers: Answers, rng: random.Random, upload_keys: dict[str, str]) -> str:
    """QuestionFormAnswers XML for ``answers`` to the HIT's question."""
    return answers_to_xml(hit.parsed, answers, rng, upload_keys)


def submit(svc: Service, worker_id: str, assignment_id: str, answers: Answers) -> Assignment:
    """The worker submits an assignment in progress; ``bytes`` answers are uploaded files."""
    with svc.step() as now:
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
    """The worker gives an assignment in progress back."""
    with svc.step() as now:
        a = _own_assignment(svc, worker_id, assignment_id)
        svc.release_assignment(a, RETURNED, now)
        return a
