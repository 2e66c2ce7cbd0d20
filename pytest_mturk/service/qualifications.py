"""Qualification types, grants, requests and tests; requirement evaluation.

The 13 qualification operations of the requester API (reference §3.3), the worker side of the
qualification request flow (§5.3: AutoGranted, scored tests, pending requests, retakes), and the
evaluation of a HIT's QualificationRequirements when a worker discovers, previews or accepts it
(§5.1, §5.2). Decisions where the reference is [inferred] or [unconfirmed] are listed in
docs/fidelity.md.

Where things live: types are shared by the requesters of one environment
(``Environment.qualification_types``, ``qual_type_order`` without deleted types); grants,
requests and request times live in the owner's :class:`World`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pytest_mturk.errors import ParameterValidationError, RequestError, WorkerActionError
from pytest_mturk.service import checks, worker_actions
from pytest_mturk.service.model import (
    ACCEPTED,
    ASSIGNABLE,
    DISPOSED,
    HIT,
    UNASSIGNABLE,
    VISIBLE_ASSIGNMENT_STATUSES,
    Qualification,
    QualificationRequest,
    QualificationType,
)
from pytest_mturk.service.pagination import decode_token, page_of
from pytest_mturk.service.render import hit_dict, ts
from pytest_mturk.service.requirements import (
    ADULT,
    LOCALE,
    MASTERS_PRODUCTION,
    MASTERS_SANDBOX,
    NUMBER_HITS_APPROVED,
    PERCENT_APPROVED,
)
from pytest_mturk.service.state import Params, Service, operation, xml_parse_error
from pytest_mturk.service.world import Environment, World

__all__ = [
    "GRANTED",
    "REVOKED",
    "requirement_refusal",
    "worker_can",
    "worker_request",
    "worker_search",
    "worker_value",
]

#: The system qualification types (reference §5.2): values come from worker profiles.
SYSTEM_TYPE_IDS = frozenset(
    {MASTERS_SANDBOX, MASTERS_PRODUCTION, NUMBER_HITS_APPROVED, LOCALE, ADULT, PERCENT_APPROVED}
)
GRANTED = "Granted"
REVOKED = "Revoked"
ACTIVE = "Active"
MAX_XML_BYTES = 65_535

#: Which worker actions each ActionsGuarded value guards (order Discover < Preview < Accept;
#: D-QR, MD). The deprecated RequiredToPreview=true was already turned into PreviewAndAccept by
#: normalize_requirements.
GUARDED_ACTIONS: dict[str, frozenset[str]] = {
    "Accept": frozenset({"accept"}),
    "PreviewAndAccept": frozenset({"preview", "accept"}),
    "DiscoverPreviewAndAccept": frozenset({"discover", "preview", "accept"}),
}
WORKER_ACTIONS = ("discover", "preview", "accept")

# Real wording (Dallinger#3331 raw body; Mephisto matches the first sentence with startswith).
DUPLICATE_NAME = (
    "You have already created a QualificationType with this name. A QualificationType's name "
    "must be unique among all of the QualificationTypes created by the same user."
)
# Real wording (Dallinger#3331; legacy boto#3171).
QUALIFICATION_DOES_NOT_EXIST = "You requested a Qualification that does not exist."
# Real substring (Dallinger matches it for a revoked qualification).
NOT_GRANTED = "This operation can be called with a status of: Granted"

# A locale value as the evaluation sees it: (Country, Subdivision or None).
Locale = tuple[str, str | None]
Value = int | Locale | None


# ----------------------------------------------------------------------------- errors


def type_does_not_exist(type_id: str) -> RequestError:
    # Wording of the real requirement error (breadboard#204): "QualificationType [id] does not
    # exist." The code is the legacy one (LEG-SDK) [inferred for the 2017 API].
    return RequestError(
        f"QualificationType [{type_id}] does not exist.",
        "AWS.MechanicalTurk.QualificationTypeDoesNotExist",
    )


def qualification_does_not_exist() -> RequestError:
    return RequestError(
        QUALIFICATION_DOES_NOT_EXIST, "AWS.MechanicalTurk.QualificationDoesNotExist"
    )


def not_owner(type_id: str) -> RequestError:
    # Owner-only is confirmed (MD); the code and the wording are [unconfirmed].
    return RequestError(
        f"You do not own QualificationType [{type_id}]. Only the owner of a QualificationType "
        "can perform this operation on it.",
        "AWS.MechanicalTurk.PermissionDenied",
    )


def request_does_not_exist(request_id: str) -> RequestError:
    # Legacy code (LEG-SDK); wording [unconfirmed], modelled on "Hit <id> does not exist."
    return RequestError(
        f"QualificationRequest [{request_id}] does not exist.",
        "AWS.MechanicalTurk.QualificationRequestDoesNotExist",
    )


def request_already_processed(request_id: str) -> RequestError:
    # Legacy code (LEG-SDK); wording [unconfirmed], in the "status of" family of real messages.
    return RequestError(
        f"QualificationRequest [{request_id}] has already been processed.  "
        "This operation can be called with a status of: Submitted",
        "AWS.MechanicalTurk.InvalidQualificationRequestState",
    )


def _invalid(message: str, parameter: str) -> ParameterValidationError:
    # A Test update that breaks a rule answers with a ParameterValidationError (boto3#2108 raw
    # body); the wording of each message is [unconfirmed].
    return ParameterValidationError(message, parameter, "AWS.MechanicalTurk.InvalidParameterValue")


def _at_least(params: Params, key: str, minimum: int) -> None:
    value = params.get(key)
    if value is not None and value < minimum:
        raise ParameterValidationError(
            f"The value {value} is invalid for {key}. It must be {minimum} or greater.", key
        )


# ----------------------------------------------------------------------------- lookups


def find_type(world: World, type_id: str) -> QualificationType:
    """A live qualification type of the caller's environment (system types included)."""
    qt = world.env.qualification_types.get(type_id)
    if qt is None or qt.deleted:
        raise type_does_not_exist(type_id)
    return qt


def owned_type(world: World, type_id: str) -> QualificationType:
    """A live qualification type the caller created."""
    qt = find_type(world, type_id)
    if qt.owner is not world:
        raise not_owner(type_id)
    return qt


def _known_worker(svc: Service, worker_id: str) -> None:
    """Refuse worker ids unknown to the fake under ``strict_workers``, without recording them."""
    if svc.options.strict_workers and worker_id not in svc.known_workers:
        svc.ensure_worker(worker_id)  # raises the real "not valid for the parameter WorkerId"


# ----------------------------------------------------------------------------- rendering


def type_dict(qt: QualificationType, viewer: World | None) -> dict[str, Any]:
    """A QualificationType as the API returns it: only populated keys, in the model's order.

    The AnswerKey is shown to the type's owner only [inferred]; AutoGrantedValue only when the
    type is AutoGranted (MD: "used only if AutoGranted is true").
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


# ----------------------------------------------------------------------------- tests and keys


def _parse_test(test: str) -> Any:
    """A Test must be a QuestionForm of at most 65,535 bytes (MD)."""
    from pytest_mturk.questions import QuestionXMLError, parse_qualification_test

    checks.max_length({"Test": test}, "Test", MAX_XML_BYTES, utf8=True)
    try:
        return parse_qualification_test(test)
    except QuestionXMLError as exc:
        raise xml_parse_error(exc.details) from exc


def _check_answer_key(answer_key: str, parsed_test: Any) -> None:
    """An AnswerKey of at most 65,535 bytes (MD) that parses and fits its Test (D-AK)."""
    from pytest_mturk.questions import (
        QuestionXMLError,
        parse_answer_key,
        validate_answer_key_against_test,
    )

    checks.max_length({"AnswerKey": answer_key}, "AnswerKey", MAX_XML_BYTES, utf8=True)
    try:
        validate_answer_key_against_test(parse_answer_key(answer_key), parsed_test)
    except QuestionXMLError as exc:
        raise xml_parse_error(exc.details) from exc


# ----------------------------------------------------------------------------- shared transitions


def _grant(svc: Service, qt: QualificationType, worker_id: str, value: int, at: float) -> None:
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


def _resolve(world: World, r: QualificationRequest) -> None:
    """Take a request out of the pending list (kept in seq order, so found by bisection)."""
    r.resolved = True
    pending = world.qual_request_index
    i = bisect_left(pending, r.seq, key=lambda x: x.seq)
    if i < len(pending) and pending[i] is r:
        del pending[i]


def _email_granted(
    svc: Service, qt: QualificationType, worker_id: str, value: int, at: float
) -> None:
    svc.ledgers.record_email(
        worker_id,
        f"You have been granted the Qualification: {qt.name}",
        f'You have been granted the Qualification "{qt.name}" ({qt.id}) with the value {value}.',
        at,
        "QualificationGranted",
    )


def _email_rejected(svc: Service, r: QualificationRequest, reason: str | None, at: float) -> None:
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
            raise _invalid("A QualificationType with a Test cannot be AutoGranted.", "AutoGranted")
        if params.get("TestDurationInSeconds") is None:
            raise _invalid(
                "TestDurationInSeconds must be specified when a Test is specified.",
                "TestDurationInSeconds",
            )
        parsed = _parse_test(test)
        if answer_key is not None:
            _check_answer_key(answer_key, parsed)
    elif answer_key is not None:
        raise _invalid("An AnswerKey can only be given together with a Test.", "AnswerKey")
    if name in world.qual_names:
        raise RequestError(DUPLICATE_NAME, "AWS.MechanicalTurk.QualificationTypeAlreadyExists")
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
        is_requestable=True,  # requester types are requestable (DAL canned response)
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
    # Case-insensitive substring over Name, Description and Keywords (MD: "a text search over
    # name/description/keywords"; Dallinger upper-cases its query and expects substring hits).
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
        # MD: Test, TestDurationInSeconds and AnswerKey together specify the updated test;
        # omitting AnswerKey means the new test has none.
        if params.get("TestDurationInSeconds") is None:
            raise _invalid(
                "TestDurationInSeconds must be specified when a Test is specified.",
                "TestDurationInSeconds",
            )
        parsed = _parse_test(test)
        new_key = params.get("AnswerKey")
        if new_key is not None:
            _check_answer_key(new_key, parsed)
        new_test, new_duration = test, params["TestDurationInSeconds"]
    else:
        # MD: to change the duration or the key of a test, send the Test (its original
        # questions) with them. There is no way to remove a test.
        for key in ("AnswerKey", "TestDurationInSeconds"):
            if params.get(key) is not None:
                raise _invalid(
                    f"{key} can only be updated together with the Test (send the original "
                    "questions to keep them).",
                    key,
                )
    auto = params.get("AutoGranted")
    new_auto = qt.auto_granted if auto is None else auto
    if new_auto and new_test is not None:
        raise _invalid("A QualificationType with a Test cannot be AutoGranted.", "AutoGranted")
    # Everything is checked: from here on the call succeeds.
    if params.get("Description") is not None:
        qt.description = params["Description"]
    if params.get("QualificationTypeStatus") is not None:
        qt.status = params["QualificationTypeStatus"]
    if params.get("RetryDelayInSeconds") is not None:
        # Retries can be enabled or their delay changed; omitting the member keeps them (the
        # API has no way to disable retries, as MD says).
        qt.retry_delay = params["RetryDelayInSeconds"]
    qt.test, qt.test_duration, qt.answer_key = new_test, new_duration, new_key
    qt.auto_granted = new_auto
    if params.get("AutoGrantedValue") is not None:
        qt.auto_granted_value = params["AutoGrantedValue"]
    return {"QualificationType": type_dict(qt, world)}


@operation("DeleteQualificationType")
def delete_qualification_type(svc: Service, world: World, params: Params) -> dict[str, Any]:
    """MD: pending requests are rejected, granted qualifications are kept (HITs may still need
    them), HIT types using the type are deleted, and the type can't be used for new HITs."""
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
        _resolve(world, r)
        _email_rejected(svc, r, "The Qualification type was deleted by its owner.", now)
    # HIT types whose requirements use the type are deleted (MD), in every requester's world:
    # CreateHITWithHITType and UpdateHITTypeOfHIT no longer find them. Existing HITs keep theirs.
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
        value = 1  # server default (amti omits it; MD "can omit this value")
    now = svc.now()
    _grant(svc, qt, worker_id, value, now)
    # MD: SendNotification "is true by default".
    if params.get("SendNotification", True):
        _email_granted(svc, qt, worker_id, value, now)
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
        raise qualification_does_not_exist()
    now = svc.now()
    q.status = REVOKED
    reason = params.get("Reason")
    text = f'Your Qualification "{qt.name}" ({qt.id}) has been revoked.'
    if reason:
        text += f"\n\nReason: {reason}"  # MD: "The user who had the Qualification sees this"
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
        # Unknown type and never-granted alike (Dallinger#3331; DAL test on a made-up type).
        raise qualification_does_not_exist()
    if qt.owner is not world:
        raise not_owner(type_id)  # MD: only the owner may read scores
    q = world.qualifications.get((type_id, worker_id))
    if q is None:
        raise qualification_does_not_exist()
    if q.status != GRANTED:
        # Real substring (Dallinger's RevokedQualification); the code is [unconfirmed].
        raise RequestError(NOT_GRANTED, "AWS.MechanicalTurk.InvalidQualificationState")
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
    """The caller's HITs (any status but Disposed) with a requirement on the type (MD)."""
    qt = find_type(world, params["QualificationTypeId"])
    scope = f"ListHITsForQualificationType/{qt.id}"
    after = decode_token(scope, params.get("NextToken"))
    items = (
        (seq, hit)
        for seq, hit in world.hit_index.iter_after(after)
        if any(r["QualificationTypeId"] == qt.id for r in hit.hit_type.requirements)
    )
    return page_of(items, params, scope, svc.next_nonce(), hit_dict, "HITs")


# ----------------------------------------------------------------------------- requests


@operation("ListQualificationRequests")
def list_qualification_requests(svc: Service, world: World, params: Params) -> dict[str, Any]:
    """Pending requests for the caller's types (MD: "poll for pending requests")."""
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
        raise request_does_not_exist(request_id)
    if r.resolved:
        raise request_already_processed(request_id)
    return r


@operation("AcceptQualificationRequest")
def accept_qualification_request(svc: Service, world: World, params: Params) -> dict[str, Any]:
    r = _pending_request(world, params["QualificationRequestId"])
    value = params.get("IntegerValue")
    if value is None:
        value = 1  # D-AQR default
    now = svc.now()
    _resolve(world, r)
    _grant(svc, r.type, r.worker_id, value, now)
    _email_granted(svc, r.type, r.worker_id, value, now)
    return {}


@operation("RejectQualificationRequest")
def reject_qualification_request(svc: Service, world: World, params: Params) -> dict[str, Any]:
    r = _pending_request(world, params["QualificationRequestId"])
    _resolve(world, r)
    # MD: the Reason is "shown to the Worker who made the request".
    _email_rejected(svc, r, params.get("Reason"), svc.now())
    return {}


# ----------------------------------------------------------------------------- worker side


def _find_type_anywhere(
    svc: Service, type_id: str, *, deleted: bool = False
) -> tuple[Environment, QualificationType] | None:
    """A requester's type in whichever environment holds it (ids are unique across the fake)."""
    for env in svc.envs.values():
        qt = env.qualification_types.get(type_id)
        if qt is not None and (deleted or not qt.deleted):
            return env, qt
    return None


def _test_answers(
    svc: Service, parsed: Any, answers: Mapping[str, str | Sequence[str]] | str | None
) -> str:
    """QuestionFormAnswers XML for a test (as for ``worker.submit``): a mapping, XML, or None
    for generated answers."""
    from pytest_mturk.service.worker_actions import answers_to_xml

    return answers_to_xml(parsed, answers, svc.rng)


def worker_request(
    svc: Service,
    worker_id: str,
    type_id: str,
    answers: Mapping[str, str | Sequence[str]] | str | None,
    *,
    started_at: float | None = None,
) -> str | None:
    """A worker requests a qualification (reference §5.3); the request flow of the worker site.

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
    * Test with an AnswerKey: scored (§8.4) and granted with the value at once; returns None.
    * Otherwise a pending QualificationRequest (with Test and Answer for a test type) that
      ListQualificationRequests shows to the owner; returns its id.
    """
    from pytest_mturk.questions import (
        parse_answer_key,
        parse_answers_xml,
        parse_qualification_test,
    )

    with svc.lock:
        now = svc.now()
        svc.process_due(now)
        found = _find_type_anywhere(svc, type_id)
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
                # MD: without RetryDelayInSeconds "Workers can request a Qualification of this
                # type only once, even if the Worker has not been granted the Qualification."
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
            if started_at is not None and now - started_at > qt.test_duration:
                raise WorkerActionError(
                    f"Worker {worker_id} took {now - started_at:.0f} s on the test of "
                    f"QualificationType {type_id}; TestDurationInSeconds is {qt.test_duration}.",
                    "test_duration",
                )
            answer_xml = _test_answers(svc, parse_qualification_test(qt.test), answers)
        # Everything is checked: from here on the request is made.
        svc.known_workers.add(worker_id)
        owner.last_request_time[key] = now
        if qt.auto_granted:
            _grant(svc, qt, worker_id, qt.auto_granted_value, now)
            return None
        if qt.answer_key is not None and answer_xml is not None:
            value = parse_answer_key(qt.answer_key).score(parse_answers_xml(answer_xml))
            _grant(svc, qt, worker_id, value, now)
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


# ----------------------------------------------------------------------------- evaluation


def _percent(part: int, whole: int) -> int:
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def held_value(svc: Service, env: Environment | None, type_id: str, worker_id: str) -> Value:
    """What the worker holds of a qualification type: an integer, a locale, or None (lacks).

    System values (§5.2) come from the worker's profile (``fake.workers.create``) plus the work
    done in the fake (``svc.worker_history``); a worker without a profile is an adult in the US
    with no history. A revoked qualification is not held.
    """
    profile = svc.profiles.get(worker_id)
    if type_id == LOCALE:
        return (profile.country, profile.subdivision) if profile is not None else ("US", None)
    if type_id == ADULT:
        return int(profile.adult) if profile is not None else 1
    if type_id in (MASTERS_SANDBOX, MASTERS_PRODUCTION):
        return 1 if profile is not None and profile.masters else None
    if type_id in (NUMBER_HITS_APPROVED, PERCENT_APPROVED):
        submitted, approved, rejected = svc.worker_history.get(worker_id, (0, 0, 0))
        if profile is not None:
            submitted += profile.prior_submitted
            approved += profile.prior_approved
            rejected += profile.prior_rejected
        if type_id == NUMBER_HITS_APPROVED:
            return approved
        # D-QR: reads 100 until the worker has submitted 100 assignments.
        if submitted < 100 or approved + rejected == 0:
            return 100
        return _percent(approved, approved + rejected)
    qt = env.qualification_types.get(type_id) if env is not None else None
    if qt is None or qt.owner is None:
        return None
    q = qt.owner.qualifications.get((type_id, worker_id))
    if q is None or q.status != GRANTED:
        return None
    return q.integer_value


def _locale_matches(lv: Mapping[str, str], held: Locale) -> bool:
    # D-QR: {US} matches any US worker, {US, PA} only Pennsylvania.
    if lv["Country"] != held[0]:
        return False
    sub = lv.get("Subdivision")
    return sub is None or sub == held[1]


def meets(requirement: Mapping[str, Any], held: Value) -> bool:
    """Whether a held value satisfies one (normalized) QualificationRequirement.

    A worker who lacks the qualification (``held`` None) fails every comparator except
    DoesNotExist (reference §5.1 [inferred]; the blocklist idiom relies on it).
    """
    comparator = requirement["Comparator"]
    if comparator == "Exists":
        return held is not None
    if comparator == "DoesNotExist":
        return held is None
    if held is None:
        return False
    if isinstance(held, tuple):
        locales = requirement.get("LocaleValues")
        if not locales:
            return False
        found = any(_locale_matches(lv, held) for lv in locales)
        return found if comparator in ("EqualTo", "In") else not found
    ints = requirement.get("IntegerValues") or []
    if not ints:
        return False
    if comparator == "In":
        return held in ints
    if comparator == "NotIn":
        return held not in ints
    target: int = ints[0]
    if comparator == "LessThan":
        return held < target
    if comparator == "LessThanOrEqualTo":
        return held <= target
    if comparator == "GreaterThan":
        return held > target
    if comparator == "GreaterThanOrEqualTo":
        return held >= target
    if comparator == "EqualTo":
        return held == target
    if comparator == "NotEqualTo":
        return held != target
    return False


def _show_held(held: Value) -> str:
    if held is None:
        return "none (the worker does not have it)"
    if isinstance(held, tuple):
        return held[0] if held[1] is None else f"{held[0]}-{held[1]}"
    return str(held)


def _show_values(requirement: Mapping[str, Any]) -> str:
    if requirement.get("LocaleValues"):
        return (
            "["
            + ", ".join(
                lv["Country"] + (f"-{lv['Subdivision']}" if lv.get("Subdivision") else "")
                for lv in requirement["LocaleValues"]
            )
            + "]"
        )
    if requirement.get("IntegerValues"):
        return "[" + ", ".join(str(v) for v in requirement["IntegerValues"]) + "]"
    return ""


def requirement_refusal(svc: Service, hit: HIT, worker_id: str, action: str) -> str | None:
    """Why the worker's qualifications do not let them ``action`` the HIT, or None.

    Registered in ``worker_actions.ACCESS_CHECKS``. Only requirements whose ActionsGuarded covers
    the action count; cost is one lookup per requirement.
    """
    env = hit.world.env
    for requirement in hit.hit_type.requirements:
        if action not in GUARDED_ACTIONS[requirement["ActionsGuarded"]]:
            continue
        type_id = requirement["QualificationTypeId"]
        held = held_value(svc, env, type_id, worker_id)
        if meets(requirement, held):
            continue
        qt = env.qualification_types.get(type_id)
        name = qt.name if qt is not None else "?"
        values = _show_values(requirement)
        return (
            f"Worker {worker_id} does not meet the QualificationRequirement of HIT {hit.id} on "
            f"{type_id} ({name}): {requirement['Comparator']}{' ' + values if values else ''}, "
            f"ActionsGuarded {requirement['ActionsGuarded']}; the worker's value: "
            f"{_show_held(held)}."
        )
    return None


if requirement_refusal not in worker_actions.ACCESS_CHECKS:
    worker_actions.ACCESS_CHECKS.append(requirement_refusal)


def _open_for(hit: HIT, worker_id: str, action: str) -> bool:
    """Whether the HIT itself allows the action (before blocks and requirements)."""
    if hit.status == DISPOSED or hit.expired:
        return False
    if action == "preview":
        return hit.status in (ASSIGNABLE, UNASSIGNABLE)
    if hit.status != ASSIGNABLE:
        return False
    if action == "accept":
        held = hit.by_worker.get(worker_id)
        if held is not None and held.status in (ACCEPTED, *VISIBLE_ASSIGNMENT_STATUSES):
            return False
        return hit.available > 0
    return True


def worker_can(svc: Service, worker_id: str, hit_id: str, action: str) -> bool:
    """Whether the worker may ``action`` ("discover", "preview", "accept") the HIT now.

    False for unknown or disposed HITs, HITs that do not allow the action (expired; not
    Assignable for discover/accept; no slot left or one already held for accept), workers the
    requester blocked, and workers who fail a requirement guarding the action.
    """
    if action not in WORKER_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(WORKER_ACTIONS)}, not {action!r}")
    with svc.lock:
        svc.process_due(svc.now())
        hit = svc.hits_by_id.get(hit_id)
        if hit is None or not _open_for(hit, worker_id, action):
            return False
        return worker_actions.access_refusal(svc, hit, worker_id, action) is None


def worker_search(
    svc: Service, worker_id: str, query: str | None, *, environment: str | None = None
) -> list[str]:
    """Ids of the live Assignable HITs the worker can discover, newest first.

    ``query`` filters case-insensitively on title, description and keywords; ``environment``
    ("sandbox", "production", ...) limits the search to one site (default: every site).
    """
    needle = (query or "").lower()
    with svc.lock:
        svc.process_due(svc.now())
        found: list[HIT] = []
        for env in svc.envs.values():
            if environment is not None and env.name != environment:
                continue
            for world in env.worlds.values():
                for _, hit in world.hit_index.iter_after(-1):
                    if hit.expired or hit.status != ASSIGNABLE:
                        continue
                    ht = hit.hit_type
                    if needle and not (
                        needle in ht.title.lower()
                        or needle in ht.description.lower()
                        or (ht.keywords is not None and needle in ht.keywords.lower())
                    ):
                        continue
                    if worker_actions.access_refusal(svc, hit, worker_id, "discover") is None:
                        found.append(hit)
        found.sort(key=lambda h: h.seq, reverse=True)
        return [h.id for h in found]


def worker_value(svc: Service, worker_id: str, type_id: str) -> int | None:
    """The worker's integer value for a type (system types included), or None when the worker
    lacks it, the type is unknown, or the value is a locale (Worker_Locale)."""
    with svc.lock:
        svc.process_due(svc.now())
        if type_id in SYSTEM_TYPE_IDS:
            held = held_value(svc, None, type_id, worker_id)
        else:
            # A deleted type's grants are kept (MD), so they still have values.
            found = _find_type_anywhere(svc, type_id, deleted=True)
            if found is None:
                return None
            held = held_value(svc, found[0], type_id, worker_id)
        return held if isinstance(held, int) else None
