"""HIT types and HITs: creation, reading, listing, expiry, review status, extension, deletion."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pytest_mturk.service import checks, errors
from pytest_mturk.service.model import (
    DISPOSED,
    HIT,
    REVIEWABLE,
    REVIEWING,
    HITType,
    World,
)
from pytest_mturk.service.pagination import decode_token, page_json, page_of
from pytest_mturk.service.question_xml import MAX_XML_BYTES, parse_question, render_layout
from pytest_mturk.service.render import hit_dict, hit_json
from pytest_mturk.service.requirements import normalize_requirements
from pytest_mturk.service.review import check_policy
from pytest_mturk.service.state import (
    TOKEN_WINDOW,
    Params,
    Service,
    check_token,
    money_text,
    operation,
    require_hit,
)

if TYPE_CHECKING:
    from pytest_mturk.questions import ParsedQuestion

YEAR = 31_536_000
#: The statuses every HIT operation but DeleteHIT and UpdateHITReviewStatus takes.
LIVE_STATUSES = "Assignable, Unassignable, Reviewable, Reviewing"


# ----------------------------------------------------------------------------- HIT types


def _find_or_build_type(svc: Service, world: World, params: Params) -> tuple[HITType, bool]:
    """The HIT type for these properties: an existing identical one, or a new unregistered one."""
    checks.not_blank(params, "Title")
    checks.not_blank(params, "Description")
    checks.max_length(params, "Title", 128)
    checks.max_length(params, "Description", 2000)
    checks.max_length(params, "Keywords", 1000)
    checks.in_range(params, "AssignmentDurationInSeconds", 30, YEAR)
    checks.in_range(params, "AutoApprovalDelayInSeconds", 0, 2_592_000)
    reward = checks.money(params, "Reward")
    requirements, masters = normalize_requirements(
        world.env, params.get("QualificationRequirements") or []
    )
    delay = params.get("AutoApprovalDelayInSeconds")
    if delay is None:
        delay = 2_592_000
    ht = HITType(
        id="",  # ids are drawn in _register_type, once the whole call has succeeded
        group_id="",
        title=params["Title"],
        description=params["Description"],
        keywords=params.get("Keywords"),
        reward=reward,
        reward_text=money_text(reward),
        assignment_duration=params["AssignmentDurationInSeconds"],
        auto_approval_delay=delay,
        requirements=requirements,
        creation_time=svc.now(),
        masters=masters,
    )
    existing = world.hit_type_by_key.get(_type_key(ht))
    if existing is not None:
        return existing, False
    return ht, True  # registered by _register_type once the whole call has succeeded


def _type_key(ht: HITType) -> tuple[object, ...]:
    """What makes two HIT types of one requester the same (requirements after defaults)."""
    return (
        ht.title,
        ht.description,
        ht.keywords,
        ht.reward,
        ht.assignment_duration,
        ht.auto_approval_delay,
        repr(ht.requirements),
    )


def _register_type(svc: Service, world: World, ht: HITType) -> None:
    ht.id = svc.new_id()
    ht.group_id = svc.new_id()
    world.hit_types[ht.id] = ht
    world.hit_type_by_key[_type_key(ht)] = ht


@operation("CreateHITType")
def create_hit_type(svc: Service, world: World, params: Params) -> dict[str, Any]:
    ht, new = _find_or_build_type(svc, world, params)
    if new:
        _register_type(svc, world, ht)
    return {"HITTypeId": ht.id}


def require_hit_type(world: World, type_id: str) -> HITType:
    ht = world.hit_types.get(type_id)
    if ht is None:
        raise errors.HITTypeDoesNotExist(type_id)
    return ht


# ----------------------------------------------------------------------------- HITs


def _question(svc: Service, params: Params) -> tuple[str, str | None, ParsedQuestion]:
    """Exactly one of Question / HITLayoutId; the question XML checked and parsed."""
    question = params.get("Question")
    layout_id = params.get("HITLayoutId")
    if (question is None) == (layout_id is None):
        raise errors.QuestionOrLayout()
    if layout_id is not None:
        question = render_layout(svc.layouts, layout_id, params.get("HITLayoutParameters") or [])
    assert question is not None
    checks.max_length({"Question": question}, "Question", MAX_XML_BYTES, utf8=True)
    return question, layout_id, parse_question(question)


def _policies(params: Params) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    out: list[dict[str, Any] | None] = []
    for key in ("AssignmentReviewPolicy", "HITReviewPolicy"):
        policy = params.get(key)
        if policy is not None:
            check_policy(key, policy)
        out.append(policy)
    return out[0], out[1]


def _check_create_token(svc: Service, world: World, params: Params, now: float) -> None:
    token = params.get("UniqueRequestToken")
    if token is None:
        return
    seen = world.create_tokens.get(token)
    if seen is not None and now - seen[0] < TOKEN_WINDOW:
        raise errors.HitAlreadyExists(seen[1])


def _create(svc: Service, world: World, params: Params, ht: HITType, new_type: bool) -> HIT:
    now = svc.now()
    checks.in_range(params, "LifetimeInSeconds", 30, YEAR)
    checks.in_range(params, "MaxAssignments", 1, 1_000_000_000)
    checks.max_length(params, "RequesterAnnotation", 255)
    question, layout_id, parsed = _question(svc, params)
    arp, hrp = _policies(params)
    _check_create_token(svc, world, params, now)
    max_assignments = params.get("MaxAssignments") or 1
    fee = svc.fee(ht.reward, max_assignments, ht.masters)
    svc.check_funds(world, max_assignments * (ht.reward + fee))
    # Everything is checked: from here on the call succeeds.
    if new_type:
        _register_type(svc, world, ht)
    hit = HIT(
        id=svc.new_id(),
        seq=svc.next_seq(),
        world=world,
        hit_type=ht,
        creation_time=now,
        expiration=now + params["LifetimeInSeconds"],
        question=question,
        layout_id=layout_id,
        annotation=params.get("RequesterAnnotation"),
        max_assignments=max_assignments,
        fee_per_assignment=fee,
        available=max_assignments,
        assignment_review_policy=arp,
        hit_review_policy=hrp,
        parsed=parsed,
    )
    world.hits[hit.id] = hit
    world.hit_index.add(hit.seq, hit)
    svc.hits_by_id[hit.id] = hit
    token = params.get("UniqueRequestToken")
    if token is not None:
        world.create_tokens[token] = (now, hit.id)
    svc.rebalance(hit)
    svc.schedule_expiry(hit)
    svc.emit(hit, "HITCreated", now)
    svc.after_create(hit)
    return hit


@operation("CreateHIT")
def create_hit(svc: Service, world: World, params: Params) -> dict[str, Any]:
    ht, new = _find_or_build_type(svc, world, params)
    return {"HIT": hit_dict(_create(svc, world, params, ht, new))}


@operation("CreateHITWithHITType")
def create_hit_with_hit_type(svc: Service, world: World, params: Params) -> dict[str, Any]:
    ht = require_hit_type(world, params["HITTypeId"])
    return {"HIT": hit_dict(_create(svc, world, params, ht, False))}


@operation("GetHIT")
def get_hit(svc: Service, world: World, params: Params) -> bytes:
    return b'{"HIT":' + hit_json(require_hit(world, params["HITId"])) + b"}"


@operation("ListHITs")
def list_hits(svc: Service, world: World, params: Params) -> bytes:
    scope = "ListHITs"
    after = decode_token(scope, params.get("NextToken"))
    items = world.hit_index.iter_after(after)
    return page_json(items, params, scope, svc.next_nonce(), hit_json, "HITs")


@operation("ListReviewableHITs")
def list_reviewable_hits(svc: Service, world: World, params: Params) -> dict[str, Any]:
    status = params.get("Status") or REVIEWABLE
    scope = "ListReviewableHITs"
    after = decode_token(scope, params.get("NextToken"))
    index = world.reviewable if status == REVIEWABLE else world.reviewing
    items = index.iter_after(after)
    type_id = params.get("HITTypeId")
    if type_id is not None:
        items = ((k, h) for k, h in items if h.hit_type.id == type_id)
    # Real ListReviewableHITs pages carry only the HIT ids (aws-sdk-js#2522 sandbox capture, as
    # the legacy GetReviewableHITs did); clients call GetHIT for the rest.
    return page_of(items, params, scope, svc.next_nonce(), _id_only, "HITs")


def _id_only(hit: HIT) -> dict[str, Any]:
    return {"HITId": hit.id}


_DAYS = ("Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed")  # 1970-01-01 was a Thursday
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _java_date(ts: float) -> str:
    """``ts`` as Java's ``Date.toString()`` writes it in UTC (``Wed Jan 01 00:00:00 UTC 2020``),
    for any finite timestamp: the proleptic Gregorian calendar, computed from whole days (Howard
    Hinnant's ``civil_from_days``), so years outside 1-9999 do not overflow ``time.gmtime``."""
    seconds = math.floor(ts)
    days, rest = divmod(seconds, 86_400)
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    return (
        f"{_DAYS[days % 7]} {_MONTHS[month - 1]} {day:02d} "
        f"{hour:02d}:{minute:02d}:{second:02d} UTC {year}"
    )


def _microseconds(ts: float) -> int:
    """Epoch seconds as whole microseconds: the precision of a ``datetime`` and of what botocore
    sends, at which a client's "now" and the fake's are compared."""
    return round(ts * 1_000_000)


@operation("UpdateExpirationForHIT")
def update_expiration_for_hit(svc: Service, world: World, params: Params) -> dict[str, Any]:
    now = svc.now()
    hit = require_hit(world, params["HITId"])
    expire_at = float(params["ExpireAt"])
    # The service derives an idempotency token from the HIT id and the new expiration, so the
    # identical call repeated is refused (Dallinger#3109, real wording).
    token = f"{hit.id}{_java_date(expire_at)}"
    check_token(world.tokens, token, token, now)
    if hit.status == DISPOSED:
        raise errors.InvalidHITState(hit.status, LIVE_STATUSES)
    # "Expire now": clients send their own datetime.now(), to the microsecond. It is compared
    # with the exact fake time, not the millisecond one, or "now" would look like a moment
    # still to come (and be refused as an extension of about -3600 s).
    if _microseconds(expire_at) <= _microseconds(svc.exact_now()):
        world.tokens[token] = now
        if not hit.expired:
            hit.expiration = now
            svc.expire(hit, now)
        return {}
    # An extension: the increment over the current expiration (or now, for an expired HIT) must
    # be 60 s .. 1 year; shortening is refused (aws-sdk-ruby#2065, real wording). The new
    # expiration is kept to the millisecond, as every time the service records.
    base = max(hit.expiration, now) if hit.expired else hit.expiration
    increment = int(expire_at - base)
    if not 60 <= increment <= YEAR:
        raise errors.ValueOutOfRange(increment, "ExpirationIncrementInSeconds", 60, YEAR)
    until = int(expire_at * 1000) / 1000
    was_expired = hit.expired
    if was_expired and hit.available > 0:
        svc.check_funds(world, hit.available * svc.slot_cost(hit))
    world.tokens[token] = now
    svc.extend(hit, now, until=until)
    return {}


@operation("UpdateHITReviewStatus")
def update_hit_review_status(svc: Service, world: World, params: Params) -> dict[str, Any]:
    hit = require_hit(world, params["HITId"])
    if params.get("Revert"):
        if hit.status != REVIEWING:
            raise errors.InvalidHITState(hit.status, REVIEWING)
        svc.set_status(hit, REVIEWABLE)
    else:
        if hit.status != REVIEWABLE:
            raise errors.InvalidHITState(hit.status, REVIEWABLE)
        svc.set_status(hit, REVIEWING)
    return {}


@operation("UpdateHITTypeOfHIT")
def update_hit_type_of_hit(svc: Service, world: World, params: Params) -> dict[str, Any]:
    hit = require_hit(world, params["HITId"])
    ht = require_hit_type(world, params["HITTypeId"])
    if hit.status == DISPOSED:
        raise errors.InvalidHITState(hit.status, LIVE_STATUSES)
    new_fee = svc.fee(ht.reward, hit.max_assignments, ht.masters)
    old_cost = svc.slot_cost(hit)
    new_cost = ht.reward + new_fee
    if new_cost > old_cost:
        svc.check_funds(world, hit.reserved_slots * (new_cost - old_cost))
    if not world.is_sandbox:
        world.reserved += hit.reserved_slots * (new_cost - old_cost)
    hit.hit_type = ht
    hit.fee_per_assignment = new_fee
    return {}


@operation("CreateAdditionalAssignmentsForHIT")
def create_additional_assignments_for_hit(
    svc: Service, world: World, params: Params
) -> dict[str, Any]:
    now = svc.now()
    # Real: the parameter is reported as MaxAssignmentIncrement (aws-elixir#3).
    checks.in_range(
        params, "NumberOfAdditionalAssignments", 1, 1_000_000_000, "MaxAssignmentIncrement"
    )
    hit = require_hit(world, params["HITId"])
    n = params["NumberOfAdditionalAssignments"]
    token = params.get("UniqueRequestToken")
    token_key = f"extend:{token}"
    if token is not None:
        check_token(world.tokens, token_key, token, now)
    if hit.status == DISPOSED:
        raise errors.InvalidHITState(hit.status, LIVE_STATUSES)
    if hit.max_assignments < 10 <= hit.max_assignments + n:
        raise errors.InvalidMaximumAssignmentsIncrease()
    if not hit.expired:
        svc.check_funds(world, n * svc.slot_cost(hit))
    if token is not None:
        world.tokens[token_key] = now
    svc.extend(hit, now, more=n)
    return {}


@operation("DeleteHIT")
def delete_hit(svc: Service, world: World, params: Params) -> dict[str, Any]:
    hit = require_hit(world, params["HITId"])
    # Only Reviewable/Reviewing HITs whose submitted work is all reviewed (the API reference,
    # DeleteHIT; boto/boto3#2107).
    if hit.status not in (REVIEWABLE, REVIEWING) or hit.submitted:
        raise errors.InvalidHITState(hit.status, "Reviewing, Reviewable")
    svc.set_status(hit, DISPOSED)
    hit.files.clear()
    svc.rebalance(hit)
    svc.emit(hit, "HITDisposed", svc.now())
    return {}


__all__ = ["require_hit_type"]
