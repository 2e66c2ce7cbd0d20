"""Assignments and bonuses: reading, listing, approving, rejecting, paying bonuses."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from pytest_mturk.service import checks, errors
from pytest_mturk.service.model import (
    ACCEPTED,
    APPROVED,
    DISPOSED,
    REJECTED,
    SUBMITTED,
    VISIBLE_ASSIGNMENT_STATUSES,
    Assignment,
    BonusPayment,
    World,
)
from pytest_mturk.service.pagination import decode_token, page_of
from pytest_mturk.service.render import assignment_dict, bonus_dict, hit_dict
from pytest_mturk.service.state import (
    Params,
    Service,
    check_token,
    money_text,
    operation,
    require_hit,
)

OVERRIDE_WINDOW = 30 * 86_400


def find_assignment(svc: Service, world: World, assignment_id: str) -> Assignment:
    """An assignment of one of the caller's HITs that a worker has not returned or abandoned."""
    a = svc.assignments_by_id.get(assignment_id)
    if (
        a is None
        or a.hit.world is not world
        or a.status not in (ACCEPTED, *VISIBLE_ASSIGNMENT_STATUSES)
    ):
        raise errors.AssignmentDoesNotExist(assignment_id)
    return a


@operation("GetAssignment")
def get_assignment(svc: Service, world: World, params: Params) -> dict[str, Any]:
    a = find_assignment(svc, world, params["AssignmentId"])
    if a.status == ACCEPTED:
        # Work in progress is not readable yet; ParlAI matches this exact text.
        raise errors.InvalidAssignmentState("Reviewable,Approved,Rejected")
    return {"Assignment": assignment_dict(a), "HIT": hit_dict(a.hit)}


@operation("ListAssignmentsForHIT")
def list_assignments_for_hit(svc: Service, world: World, params: Params) -> dict[str, Any]:
    hit = require_hit(world, params["HITId"])
    wanted = set(params.get("AssignmentStatuses") or VISIBLE_ASSIGNMENT_STATUSES)
    scope = f"ListAssignmentsForHIT/{hit.id}"
    after = decode_token(scope, params.get("NextToken"))
    visible = hit.assignments  # submitted or later, in submit order; the index is the key
    items = ((i, a) for i in range(after + 1, len(visible)) if (a := visible[i]).status in wanted)
    return page_of(items, params, scope, svc.next_nonce(), assignment_dict, "Assignments")


@operation("ApproveAssignment")
def approve_assignment(svc: Service, world: World, params: Params) -> dict[str, Any]:
    now = svc.now()
    checks.max_length(params, "RequesterFeedback", 1024)
    a = find_assignment(svc, world, params["AssignmentId"])
    if a.status == ACCEPTED:
        raise errors.AssignmentInProgress()
    if a.status == REJECTED and params.get("OverrideRejection"):
        # Overriding works within 30 days of submission and only while the HIT exists (the API
        # reference, ApproveAssignment).
        assert a.submit_time is not None
        if a.hit.status == DISPOSED:
            raise errors.OverrideAfterDelete(a.id)
        if now - a.submit_time > OVERRIDE_WINDOW:
            raise errors.OverrideTooLate(a.id)
        svc.check_funds(world, svc.slot_cost(a.hit))
    elif a.status != SUBMITTED:
        raise errors.InvalidAssignmentState(SUBMITTED)
    svc.approve(a, now, params.get("RequesterFeedback"))
    return {}


@operation("RejectAssignment")
def reject_assignment(svc: Service, world: World, params: Params) -> dict[str, Any]:
    checks.max_length(params, "RequesterFeedback", 1024)
    a = find_assignment(svc, world, params["AssignmentId"])
    if a.status == ACCEPTED:
        raise errors.AssignmentInProgress()
    if a.status != SUBMITTED:
        raise errors.InvalidAssignmentState(SUBMITTED)
    svc.reject(a, svc.now(), params["RequesterFeedback"])
    return {}


# ----------------------------------------------------------------------------- bonuses


@operation("SendBonus")
def send_bonus(svc: Service, world: World, params: Params) -> dict[str, Any]:
    now = svc.now()
    amount = checks.money(params, "BonusAmount")
    worker_id = params["WorkerId"]
    if svc.options.strict_workers and worker_id not in svc.known_workers:
        svc.ensure_worker(worker_id)  # refuses; a worker id is never recorded by a failed call
    a = svc.assignments_by_id.get(params["AssignmentId"])
    if a is None or a.hit.world is not world or a.status not in (APPROVED, REJECTED, SUBMITTED):
        # Work still in flight is reported as not existing (Mephisto#1081).
        raise errors.AssignmentDoesNotExist(params["AssignmentId"])
    if a.worker_id != worker_id:
        raise errors.NotTheAssignmentsWorker(worker_id, a.id)
    # Submitted work may be paid a bonus before it is reviewed: oTree's payment view sends the
    # bonus first and approves afterwards, so that a failed bonus leaves the worker unreviewed
    # (oTree-org/otree-core, otree/views/mturk.py). The legacy GrantBonus rule (approved or
    # rejected first) does not hold for the 2017 API.
    token = params.get("UniqueRequestToken")
    if token is not None:
        check_token(world.bonus_tokens, token, token, now)
    fee = svc.bonus_fee(amount)
    svc.check_funds(world, amount + fee)
    if token is not None:
        world.bonus_tokens[token] = now
    bonus = BonusPayment(
        worker_id=worker_id,
        amount=amount,
        amount_text=money_text(amount),
        assignment_id=a.id,
        hit_id=a.hit.id,
        reason=params["Reason"],
        grant_time=now,
        seq=svc.next_seq(),
    )
    world.bonuses.append(bonus)
    world.bonuses_by_hit.setdefault(bonus.hit_id, []).append(bonus)
    world.bonuses_by_assignment.setdefault(bonus.assignment_id, []).append(bonus)
    if not world.is_sandbox:
        world.paid_bonuses += amount
        world.paid_fees += fee
    svc.ledgers.record_payment(
        "bonus", worker_id, a.id, a.hit.id, amount, fee, now, params["Reason"], world.env.name
    )
    return {}


@operation("ListBonusPayments")
def list_bonus_payments(svc: Service, world: World, params: Params) -> dict[str, Any]:
    hit_id = params.get("HITId")
    assignment_id = params.get("AssignmentId")
    if (hit_id is None) == (assignment_id is None):
        raise errors.BonusFilter()
    if hit_id is not None:
        require_hit(world, hit_id)
        scope = f"ListBonusPayments/H/{hit_id}"
        granted = world.bonuses_by_hit.get(hit_id, [])
    else:
        scope = f"ListBonusPayments/A/{assignment_id}"
        granted = world.bonuses_by_assignment.get(str(assignment_id), [])
    after = decode_token(scope, params.get("NextToken"))
    start = bisect_right(granted, after, key=lambda b: b.seq)
    items = ((granted[i].seq, granted[i]) for i in range(start, len(granted)))
    return page_of(items, params, scope, svc.next_nonce(), bonus_dict, "BonusPayments")
