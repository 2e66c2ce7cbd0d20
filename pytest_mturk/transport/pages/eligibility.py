"""Why a worker may not discover, preview or accept a HIT: the reasons behind
``worker.can_discover`` / ``can_preview`` / ``can_accept``, composed from the service's own
checks (blocks and QualificationRequirements: :func:`~pytest_mturk.service.access.access_refusal`)
and the HIT's state, in the order :func:`~pytest_mturk.service.worker_actions.accept` applies
them, so the reason shown is the refusal the action would meet.

Called with the service's lock held (inside ``svc.step()``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_mturk.service.access import access_refusal
from pytest_mturk.service.model import (
    ACCEPTED,
    ASSIGNABLE,
    DISPOSED,
    HIT,
    UNASSIGNABLE,
    VISIBLE_ASSIGNMENT_STATUSES,
)
from pytest_mturk.service.state import Service

__all__ = ["Refusal", "refusal"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why not: ``reason`` as in :class:`~pytest_mturk.WorkerActionError` (``"expired"``,
    ``"blocked"``, ``"requirement"``, ``"full"``, ``"already_accepted"``, ``"not_assignable"``,
    ``"not_found"``) and a sentence."""

    reason: str
    message: str


def refusal(svc: Service, hit: HIT, worker_id: str, action: str) -> Refusal | None:
    """Why ``worker_id`` may not ``action`` ("discover", "preview", "accept") ``hit`` now, or
    None when they may."""
    if hit.status == DISPOSED:
        return Refusal("not_found", f"HIT {hit.id} does not exist.")
    if hit.expired:
        verb = {"discover": "found", "preview": "previewed", "accept": "accepted"}[action]
        return Refusal("expired", f"HIT {hit.id} has expired and can no longer be {verb}.")
    if action == "accept":
        held = hit.by_worker.get(worker_id)
        if held is not None and held.status in (ACCEPTED, *VISIBLE_ASSIGNMENT_STATUSES):
            return Refusal(
                "already_accepted",
                f"Worker {worker_id} already has assignment {held.id} on HIT {hit.id} "
                f"({held.status}).",
            )
    elif action == "discover" and hit.status != ASSIGNABLE:
        return Refusal(
            "not_assignable",
            f"HIT {hit.id} is {hit.status}: only Assignable HITs show up in search results.",
        )
    elif action == "preview" and hit.status not in (ASSIGNABLE, UNASSIGNABLE):
        return Refusal("not_assignable", f"HIT {hit.id} is {hit.status} and cannot be previewed.")
    denied = access_refusal(svc, hit, worker_id, action)
    if denied is not None:
        return Refusal(denied.reason, str(denied))
    if action == "accept":
        if hit.available == 0:
            return Refusal(
                "full",
                f"HIT {hit.id} has no assignments available ({hit.pending} in progress, "
                f"{hit.max_assignments} in all).",
            )
        if hit.status != ASSIGNABLE:
            return Refusal(
                "not_assignable", f"HIT {hit.id} is {hit.status} and cannot be accepted."
            )
    return None
