"""Qualification types and grants: the type and grant operations of the requester API
(the API reference), and the shared transitions of granting and closing requests.

Worker requests and tests are in :mod:`.qualification_requests`; what qualifications let a
worker discover, preview or accept is in :mod:`.access`. Decisions the public sources leave
open are listed in docs/fidelity.md.

Where things live: types are shared by the requesters of one environment
(``Environment.qualification_types``, ``qual_type_order`` without deleted types); grants,
requests and request times live in the owner's :class:`World`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from typing import Any

from pytest_mturk.service import checks, errors
from pytest_mturk.service.model import (
    ACTIVE,
    GRANTED,
    REVOKED,
    Environment,
    Qualification,
    QualificationRequest,
    QualificationType,
    World,
)
from pytest_mturk.service.pagination import decode_token, page_of
from pytest_mturk.service.question_xml import check_answer_key, parse_test
from pytest_mturk.service.render import hit_dict, qualification_dict, type_dict
from pytest_mturk.service.state import Params, Service, operation


def _at_least(params: Params, key: str, minimum: int) -> None:
    value = params.get(key)
    if value is not None and value < minimum:
        raise errors.BelowMinimum(value, key, minimum)


# ----------------------------------------------------------------------------- lookups


def find_type(world: World, type_id: str) -> QualificationType:
    """A live qualification type of the caller's environment (system types included)."""
    qt = world.env.qualification_types.get(type_id)
    if qt is None or qt.deleted:
        raise errors.QualificationTypeDoesNotExist(type_id)
    return qt


def owned_type(world: World, type_id: str) -> QualificationType:
    """A live qualification type the caller created."""
    qt = find_type(world, type_id)
    if qt.owner is not world:
        raise errors.NotTypeOwner(type_id)
    return qt


def _known_worker(svc: Service, worker_id: str) -> None:
    """Refuse worker ids unknown to the fake under ``strict_workers``, without recording them."""
    if svc.options.strict_workers and worker_id not in svc.known_workers:
        svc.ensure_worker(worker_id)  # raises the real "not valid for the parameter WorkerId"


def find_type_anywhere(
    svc: Service, type_id: str, *, deleted: bool = False
) -> tuple[Environment, QualificationType] | None:
    """A requester's type in whichever environment holds it (ids are unique across the fake)."""
    for env in svc.envs.values():
        qt = env.qualification_types.get(type_id)
        if qt is not None and (deleted or not qt.deleted):
            return env, qt
    return None


# ----------------------------------------------------------------------------- shared transitions


def grant(svc: Service, qt: QualificationType, worker_id: str, value: int, at: float) -> None:
    """Grant (or re-grant, or overwrite the value of) a qualification of a requester's type.

    GrantTime moves to ``at``: the model says a revoked-then-re-granted qualification carries
    the time of the last grant.
    """
    owner = qt.owner
    assert owner is not None, "system qualifications are never granted through the API"
    key = (qt.id, worker_id)
    q = owner.qualifications.get(key)
    if q is None:
        q = owner.qualifications[key] = Qualification(
            type_id=qt.id,
            worker_id=worker_id,
            grant_time=at,
            integer_value=value,
            locale=None,
            status=GRANTED,
            seq=svc.next_seq(),
        )
        owner.qual_holders.setdefault(qt.id, {})[worker_id] = q
    else:  # keeps its seq, so the world's dict stays in seq order for paging
        q.integer_value = value
        q.status = GRANTED
        q.grant_time = at
    svc.known_workers.add(worker_id)


def resolve_request(world: World, r: QualificationRequest) -> None:
    """Take a request out of the pending list (kept in seq order, so found by bisection)."""
    r.resolved = True
    pending = world.qual_request_index
    i = bisect_left(pending, r.seq, key=lambda x: x.seq)
    if i < len(pending) and pending[i] is r:
        del pending[i]


def email_granted(
    svc: Service, qt: QualificationType, worker_id: str, value: int, at: float
) -> None:
    svc.ledgers.record_email(
        worker_id,
        f"You have been granted the Qualification: {qt.name}",
        f'You have been granted the Qualification "{qt.name}" ({qt.id}) with the value {value}.',
        at,
        "QualificationGranted",
    )


def email_rejected(svc: Service, r: QualificationRequest, reason: str | None, at: float) -> None:
    text = f'Your request for the Qualification "{r.type.name}" ({r.type.id}) was rejected.'
    if reason:
        text += f"\n\nReason: {reason}"
    svc.ledgers.record_email(
        r.worker_id,
        f"Your Qualification request was rejected: {r.type.name}",
        text,
        at,
        "QualificationRequestRejected",
    )


# ----------------------------------------------------------------------------- type operations


@operation("CreateQualificationType")
def create_qualification_type(svc: Service, world: World, params: Params) -> dict[str, Any]:
    name = params["Name"]
    checks.not_blank(params, "Name")
    _at_least(params, "RetryDelayInSeconds", 0)
    _at_least(params, "TestDurationInSeconds", 1)
    test = params.get("Test")
    answer_key = params.get("AnswerKey")
    auto_granted = bool(params.get("AutoGranted", False))
    if test is not None:
        if auto_granted:
            raise errors.AutoGrantedWithTest()
        if params.get("TestDurationInSeconds") is None:
            raise errors.MissingTestDuration()
        parsed = parse_test(test)
        if answer_key is not None:
            check_answer_key(answer_key, parsed)
    elif answer_key is not None:
        raise errors.AnswerKeyWithoutTest()
    if name in world.qual_names:
        raise errors.QualificationTypeAlreadyExists()
    # Everything is checked: from here on the call succeeds.
    auto_value = params.get("AutoGrantedValue")
    qt = QualificationType(
        id=svc.new_id(),
        owner=world,
        name=name,
        description=params["Description"],
        keywords=params.get("Keywords"),
        status=params["QualificationTypeStatus"],
        creation_time=svc.now(),
        seq=svc.next_seq(),
        retry_delay=params.get("RetryDelayInSeconds"),
        test=test,
        # amti sends TestDurationInSeconds without a Test: accepted, and meaningless then.
        test_duration=params.get("TestDurationInSeconds") if test is not None else None,
        answer_key=answer_key,
        auto_granted=auto_granted,
        auto_granted_value=1 if auto_value is None else auto_value,
        is_requestable=True,  # requester types are requestable (Dallinger's canned response)
    )
    env = world.env
    env.qualification_types[qt.id] = qt
    env.qual_type_order.append(qt)  # seqs only grow, so the list stays in seq order
    world.qual_names[name] = qt
    return {"QualificationType": type_dict(qt, world)}


@operation("GetQualificationType")
def get_qualification_type(svc: Service, world: World, params: Params) -> dict[str, Any]:
    return {"QualificationType": type_dict(find_type(world, params["QualificationTypeId"]), world)}


def _matches_query(qt: QualificationType, query: str) -> bool:
    # Case-insensitive substring over Name, Description and Keywords (the API reference: "a text
    # search over name/description/keywords"; Dallinger upper-cases its query and expects
    # substring hits).
    return (
        query in qt.name.lower()
        or query in qt.description.lower()
        or (qt.keywords is not None and query in qt.keywords.lower())
    )


@operation("ListQualificationTypes")
def list_qualification_types(svc: Service, world: World, params: Params) -> dict[str, Any]:
    scope = "ListQualificationTypes"
    token = params.get("NextToken")
    after = decode_token(scope, token) if token is not None else None
    query = (params.get("Query") or "").lower()
    must_be_requestable = params["MustBeRequestable"]
    candidates: Iterable[QualificationType]
    if params.get("MustBeOwnedByCaller"):
        # The requester's own live types, in creation (= seq) order.
        candidates = world.qual_names.values()
    else:
        order = world.env.qual_type_order
        start = 0 if after is None else bisect_right(order, after, key=lambda q: q.seq)
        candidates = (order[i] for i in range(start, len(order)))

    def items() -> Iterator[tuple[int, QualificationType]]:
        for qt in candidates:
            if after is not None and qt.seq <= after:
                continue
            if must_be_requestable and not qt.is_requestable:
                continue
            if qt.owner is not None and qt.owner is not world and qt.status != ACTIVE:
                continue  # other requesters' inactive types are not public [inferred]
            if query and not _matches_query(qt, query):
                continue
            yield qt.seq, qt

    return page_of(
        items(),
        params,
        scope,
        svc.next_nonce(),
        lambda qt: type_dict(qt, world),
        "QualificationTypes",
    )


@operation("UpdateQualificationType")
def update_qualification_type(svc: Service, world: World, params: Params) -> dict[str, Any]:
    # Name and Keywords are not members of the input shape: botocore refuses them client-side.
    qt = owned_type(world, params["QualificationTypeId"])
    _at_least(params, "RetryDelayInSeconds", 0)
    _at_least(params, "TestDurationInSeconds", 1)
    test = params.get("Test")
    new_test, new_duration, new_key = qt.test, qt.test_duration, qt.answer_key
    if test is not None:
        # The API reference: Test, TestDurationInSeconds and AnswerKey together specify the
        # updated test; omitting AnswerKey means the new test has none.
        if params.get("TestDurationInSeconds") is None:
            raise errors.MissingTestDuration()
        parsed = parse_test(test)
        new_key = params.get("AnswerKey")
        if new_key is not None:
            check_answer_key(new_key, parsed)
        new_test, new_duration = test, params["TestDurationInSeconds"]
    else:
        # The API reference: to change the duration or the key of a test, send the Test (its
        # original questions) with them. There is no way to remove a test.
        for key in ("AnswerKey", "TestDurationInSeconds"):
            if params.get(key) is not None:
                raise errors.UpdateWithoutTest(key)
    auto = params.get("AutoGranted")
    new_auto = qt.auto_granted if auto is None else auto
    if new_auto and new_test is not None:
        raise errors.AutoGrantedWithTest()
    # Everything is checked: from here on the call succeeds.
    if params.get("Description") is not None:
        qt.description = params["Description"]
    if params.get("QualificationTypeStatus") is not None:
        qt.status = params["QualificationTypeStatus"]
    if params.get("RetryDelayInSeconds") is not None:
        # Retries can be enabled or their delay changed; omitting the member keeps them (the
        # API has no way to disable retries, as the API reference says).
        qt.retry_delay = params["RetryDelayInSeconds"]
    qt.test, qt.test_duration, qt.answer_key = new_test, new_duration, new_key
    qt.auto_granted = new_auto
    if params.get("AutoGrantedValue") is not None:
        qt.auto_granted_value = params["AutoGrantedValue"]
    return {"QualificationType": type_dict(qt, world)}


@operation("DeleteQualificationType")
def delete_qualification_type(svc: Service, world: World, params: Params) -> dict[str, Any]:
    """The API reference: pending requests are rejected, granted qualifications are kept (HITs
    may still need them), HIT types using the type are deleted, and the type can't be used for
    new HITs."""
    qt = owned_type(world, params["QualificationTypeId"])
    now = svc.now()
    qt.deleted = True
    del world.qual_names[qt.name]  # the name is free again at once (real: up to 48 h)
    env = world.env
    order = env.qual_type_order
    i = bisect_left(order, qt.seq, key=lambda q: q.seq)
    if i < len(order) and order[i] is qt:
        del order[i]
    for r in [r for r in world.qual_request_index if r.type is qt]:
        resolve_request(world, r)
        email_rejected(svc, r, "The Qualification type was deleted by its owner.", now)
    # HIT types whose requirements use the type are deleted (the API reference), in every
    # requester's world: CreateHITWithHITType and UpdateHITTypeOfHIT no longer find them.
    # Existing HITs keep theirs.
    for w in env.worlds.values():
        doomed = [
            ht
            for ht in w.hit_types.values()
            if any(r["QualificationTypeId"] == qt.id for r in ht.requirements)
        ]
        for ht in doomed:
            del w.hit_types[ht.id]
        if doomed:
            gone = {id(ht) for ht in doomed}
            for key in [k for k, v in w.hit_type_by_key.items() if id(v) in gone]:
                del w.hit_type_by_key[key]
    return {}


# ----------------------------------------------------------------------------- grants


@operation("AssociateQualificationWithWorker")
def associate_qualification_with_worker(
    svc: Service, world: World, params: Params
) -> dict[str, Any]:
    qt = owned_type(world, params["QualificationTypeId"])
    worker_id = params["WorkerId"]
    svc.ensure_worker(worker_id)
    value = params.get("IntegerValue")
    if value is None:
        value = 1  # server default (amti omits it; the API reference: "can omit this value")
    now = svc.now()
    grant(svc, qt, worker_id, value, now)
    # The API reference: SendNotification "is true by default".
    if params.get("SendNotification", True):
        email_granted(svc, qt, worker_id, value, now)
    return {}


@operation("DisassociateQualificationFromWorker")
def disassociate_qualification_from_worker(
    svc: Service, world: World, params: Params
) -> dict[str, Any]:
    qt = owned_type(world, params["QualificationTypeId"])
    worker_id = params["WorkerId"]
    _known_worker(svc, worker_id)
    q = world.qualifications.get((qt.id, worker_id))
    if q is None or q.status != GRANTED:
        # Revoking what is not granted fails (Mephisto's sandbox test revokes twice and expects
        # the second call to raise); the error chosen is the real "does not exist" one.
        raise errors.QualificationDoesNotExist()
    now = svc.now()
    q.status = REVOKED
    reason = params.get("Reason")
    text = f'Your Qualification "{qt.name}" ({qt.id}) has been revoked.'
    if reason:
        text += f"\n\nReason: {reason}"  # "The user who had the Qualification sees this"
    svc.ledgers.record_email(
        worker_id,
        f"Your Qualification has been revoked: {qt.name}",
        text,
        now,
        "QualificationRevoked",
    )
    return {}


@operation("GetQualificationScore")
def get_qualification_score(svc: Service, world: World, params: Params) -> dict[str, Any]:
    type_id = params["QualificationTypeId"]
    worker_id = params["WorkerId"]
    _known_worker(svc, worker_id)
    qt = world.env.qualification_types.get(type_id)
    if qt is None or qt.deleted:
        # Unknown type and never-granted alike (Dallinger#3331; Dallinger's test on a made-up
        # type).
        raise errors.QualificationDoesNotExist()
    if qt.owner is not world:
        raise errors.NotTypeOwner(type_id)  # the API reference: only the owner may read scores
    q = world.qualifications.get((type_id, worker_id))
    if q is None:
        raise errors.QualificationDoesNotExist()
    if q.status != GRANTED:
        raise errors.QualificationNotGranted()
    return {"Qualification": qualification_dict(q)}


@operation("ListWorkersWithQualificationType")
def list_workers_with_qualification_type(
    svc: Service, world: World, params: Params
) -> dict[str, Any]:
    qt = owned_type(world, params["QualificationTypeId"])
    # Default status when omitted: Granted, as the legacy GetQualificationsForQualificationType
    # documented [unconfirmed for 2017].
    status = params.get("Status") or GRANTED
    scope = f"ListWorkersWithQualificationType/{qt.id}/{status}"
    after = decode_token(scope, params.get("NextToken"))
    # Holders of one type, in order of first grant (the per-type index keeps seq order).
    items = (
        (q.seq, q)
        for q in world.qual_holders.get(qt.id, {}).values()
        if q.seq > after and q.status == status
    )
    return page_of(items, params, scope, svc.next_nonce(), qualification_dict, "Qualifications")


@operation("ListHITsForQualificationType")
def list_hits_for_qualification_type(svc: Service, world: World, params: Params) -> dict[str, Any]:
    """The caller's HITs (any status but Disposed) with a requirement on the type (the API
    reference, ListHITsForQualificationType)."""
    qt = find_type(world, params["QualificationTypeId"])
    scope = f"ListHITsForQualificationType/{qt.id}"
    after = decode_token(scope, params.get("NextToken"))
    items = (
        (seq, hit)
        for seq, hit in world.hit_index.iter_after(after)
        if any(r["QualificationTypeId"] == qt.id for r in hit.hit_type.requirements)
    )
    return page_of(items, params, scope, svc.next_nonce(), hit_dict, "HITs")
