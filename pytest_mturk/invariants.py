"""``fake.check_invariants()``: the model's own consistency, checked from first principles.

* HIT counters equal the assignments behind them, and the HIT's status agrees with them.
* Every assignment is in exactly one known state, with the timestamps that state implies.
* Money is conserved per requester: prepaid = available + rewards + bonuses + fees + held, the
  ledgers agree with the totals, and what is held equals the slots that may still be paid.
* No record points at a missing one.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from pytest_mturk.service.model import (
    ABANDONED,
    ACCEPTED,
    APPROVED,
    ASSIGNABLE,
    DISPOSED,
    REJECTED,
    RETURNED,
    REVIEWABLE,
    REVIEWING,
    SUBMITTED,
    UNASSIGNABLE,
    VISIBLE_ASSIGNMENT_STATUSES,
)

ALL_ASSIGNMENT_STATES = frozenset({ACCEPTED, SUBMITTED, APPROVED, REJECTED, RETURNED, ABANDONED})
ZERO = Decimal("0")


class InvariantError(AssertionError):
    """The fake's state is inconsistent (a bug in pytest-mturk); lists every problem found."""


def problems(svc: Any) -> list[str]:
    """Every invariant the service's state breaks (empty when all hold)."""
    out: list[str] = []
    by_hit: dict[str, list[Any]] = {}
    for aid, a in svc.assignments_by_id.items():
        if a.id != aid:
            out.append(f"assignment filed under {aid} has id {a.id}")
        if a.hit.id not in svc.hits_by_id or svc.hits_by_id[a.hit.id] is not a.hit:
            out.append(f"assignment {aid} points at a HIT the service does not hold")
        by_hit.setdefault(a.hit.id, []).append(a)
        out += _assignment_problems(a)
    for hid, hit in svc.hits_by_id.items():
        if hit.world.hits.get(hid) is not hit:
            out.append(f"HIT {hid} is missing from its requester's HITs")
        out += _hit_problems(svc, hit, by_hit.get(hid, []))
    for env in svc.envs.values():
        for world in env.worlds.values():
            if world.env is not env:
                out.append(f"world {world.access_key} points at another environment")
            for hid, hit in world.hits.items():
                if svc.hits_by_id.get(hid) is not hit:
                    out.append(f"HIT {hid} of {world.access_key} is not in the service index")
                if hit.hit_type.id not in world.hit_types and not _type_was_deleted(hit):
                    out.append(f"HIT {hid} has a HIT type its requester does not hold")
            out += _money_problems(svc, world)
            for b in world.bonuses:
                a = svc.assignments_by_id.get(b.assignment_id)
                if a is None or a.hit.world is not world or a.worker_id != b.worker_id:
                    out.append(f"bonus to {b.worker_id} points at a missing assignment")
    return out


def _type_was_deleted(hit: Any) -> bool:
    # DeleteQualificationType deletes the HIT types that use it; existing HITs keep theirs.
    return any(
        r["QualificationTypeId"] in hit.world.env.qualification_types
        and hit.world.env.qualification_types[r["QualificationTypeId"]].deleted
        for r in hit.hit_type.requirements
    )


def _assignment_problems(a: Any) -> list[str]:
    out: list[str] = []
    if a.status not in ALL_ASSIGNMENT_STATES:
        out.append(f"assignment {a.id} is in the unknown state {a.status!r}")
        return out
    if a.status in VISIBLE_ASSIGNMENT_STATUSES:
        if a.submit_time is None or a.auto_approval_time is None or a.answer is None:
            out.append(f"assignment {a.id} is {a.status} without a submission")
    elif a.submit_time is not None:
        out.append(f"assignment {a.id} is {a.status} but was submitted")
    if (a.status == APPROVED) != (a.approval_time is not None):
        out.append(f"assignment {a.id} is {a.status} with approval time {a.approval_time}")
    if (a.status == REJECTED) != (a.rejection_time is not None):
        out.append(f"assignment {a.id} is {a.status} with rejection time {a.rejection_time}")
    if a.deadline < a.accept_time:
        out.append(f"assignment {a.id} has its deadline before its acceptance")
    return out


def _hit_problems(svc: Any, hit: Any, assignments: list[Any]) -> list[str]:
    out: list[str] = []
    counts = Counter(a.status for a in assignments)
    expected = {
        "pending": counts[ACCEPTED],
        "submitted": counts[SUBMITTED],
        "completed": counts[APPROVED] + counts[REJECTED],
    }
    for name, want in expected.items():
        if getattr(hit, name) != want:
            out.append(f"HIT {hit.id}: {name} is {getattr(hit, name)}, its assignments say {want}")
    visible = [a for a in assignments if a.status in VISIBLE_ASSIGNMENT_STATUSES]
    if sorted(a.id for a in hit.assignments) != sorted(a.id for a in visible):
        out.append(f"HIT {hit.id}: the listed assignments are not the submitted ones")
    submit_times = [a.submit_time for a in hit.assignments]
    if submit_times != sorted(submit_times):
        out.append(f"HIT {hit.id}: the listed assignments are not in submission order")
    total = hit.available + hit.pending + hit.submitted + hit.completed + hit.lost_slots
    if total != hit.max_assignments:
        out.append(
            f"HIT {hit.id}: available {hit.available} + pending {hit.pending} + submitted "
            f"{hit.submitted} + completed {hit.completed} + lost {hit.lost_slots} != "
            f"MaxAssignments {hit.max_assignments}"
        )
    if min(hit.available, hit.pending, hit.submitted, hit.completed, hit.lost_slots) < 0:
        out.append(f"HIT {hit.id}: a negative counter")
    for worker_id, a in hit.by_worker.items():
        if a.worker_id != worker_id or a.hit is not hit:
            out.append(f"HIT {hit.id}: by_worker[{worker_id}] is someone else's assignment")
    status = hit.status
    if status == ASSIGNABLE and (hit.expired or hit.available == 0):
        out.append(f"HIT {hit.id} is Assignable but expired or full")
    if status == UNASSIGNABLE and hit.pending == 0:
        out.append(f"HIT {hit.id} is Unassignable with nothing pending")
    if status in (REVIEWABLE, REVIEWING, DISPOSED) and hit.pending:
        out.append(f"HIT {hit.id} is {status} with work still pending")
    if status == DISPOSED and hit.submitted:
        out.append(f"HIT {hit.id} is Disposed with unreviewed work")
    if status not in (ASSIGNABLE, UNASSIGNABLE, REVIEWABLE, REVIEWING, DISPOSED):
        out.append(f"HIT {hit.id} is in the unknown state {status!r}")
    if hit.reserved_slots != svc.held_slots(hit):
        out.append(
            f"HIT {hit.id}: {hit.reserved_slots} slots held, {svc.held_slots(hit)} may be paid"
        )
    return out


def _money_problems(svc: Any, world: Any) -> list[str]:
    out: list[str] = []
    rewards = sum((p.amount for p in _payments(svc, world, "reward")), ZERO)
    bonuses = sum((p.amount for p in _payments(svc, world, "bonus")), ZERO)
    fees = sum((p.fee for p in _payments(svc, world, None)), ZERO)
    if world.is_sandbox:
        return out
    name = f"{world.env.name}/{world.access_key}"
    if (rewards, bonuses, fees) != (world.paid_rewards, world.paid_bonuses, world.paid_fees):
        out.append(f"{name}: the payment ledger disagrees with the paid totals")
    available = world.available_balance()
    total = available + world.paid_rewards + world.paid_bonuses + world.paid_fees + world.reserved
    if total != world.prepaid:
        out.append(f"{name}: money not conserved: {total} != prepaid {world.prepaid}")
    if available < ZERO:
        out.append(f"{name}: negative available balance {available}")
    held = sum((h.reserved_slots * svc.slot_cost(h) for h in world.hits.values()), ZERO)
    if held != world.reserved:
        out.append(f"{name}: {world.reserved} held, but its HITs hold {held}")
    return out


def _payments(svc: Any, world: Any, kind: str | None) -> list[Any]:
    hits = world.hits
    return [
        p for p in svc.ledgers.payments if p.hit_id in hits and (kind is None or p.kind == kind)
    ]


def check(svc: Any) -> int:
    """Raise :class:`InvariantError` listing every broken invariant; else return how many
    records were checked."""
    found = problems(svc)
    if found:
        raise InvariantError(
            f"{len(found)} invariant(s) broken:\n" + "\n".join(f"  - {p}" for p in found)
        )
    return len(svc.assignments_by_id) + len(svc.hits_by_id)
