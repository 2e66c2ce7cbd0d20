"""Shared pieces of the reliability tests: a rich scenario, request strategies built from botocore's
model, a validator of responses against the model's output shapes, and the run report.

The scenario is one fake holding objects in every state the API distinguishes (HITs Assignable,
Unassignable, Reviewable, Reviewing, Disposed and expired; assignments in progress, submitted,
approved, rejected, returned; qualification types with and without tests, AutoGranted,
Inactive, deleted; pending and resolved requests; blocks, bonuses, notification settings) for
two sandbox requesters and one production requester whose balance is almost spent.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import strategies as st

from pytest_mturk import MTurkFake
from pytest_mturk.persist import Snapshot
from pytest_mturk.questions import ANSWERS_NS
from tests.conftest import (
    ANSWER_KEY,
    EXTERNAL_Q,
    FORM_Q,
    HTML_Q,
    PRODUCTION,
    SANDBOX,
    TEST_FORM,
    UPLOAD_Q,
    hit_args,
)

# ----------------------------------------------------------------------------- the model

MODEL = botocore.session.get_session().get_service_model("mturk")
OPERATION_NAMES: tuple[str, ...] = tuple(MODEL.operation_names)
MODELLED_ERROR_CODES = frozenset(
    {"RequestError", "ParameterValidationError", "ValidationException"}
)

KEY_A = "AKIAPYTESTRELIABLEA1"
KEY_B = "AKIAPYTESTRELIABLEB1"
OTHER_ENDPOINT = "https://mturk.reliability.example"


def _xform(operation: str) -> str:
    from botocore import xform_name

    return str(xform_name(operation))


def make_client(key: str, endpoint: str) -> Any:
    """A boto3 client with retries off (one HTTP attempt per call)."""
    return boto3.session.Session(aws_access_key_id=key, aws_secret_access_key="secret").client(
        "mturk",
        region_name="us-east-1",
        endpoint_url=endpoint,
        config=Config(retries={"total_max_attempts": 1}),
    )


def call(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = getattr(client, _xform(operation))(**params)
    return result


def state_of(fake: MTurkFake) -> str:
    """The whole state as canonical JSON (two are equal exactly when the states are)."""
    return json.dumps(fake.dump_state(), sort_keys=True)


# ----------------------------------------------------------------------------- XML


LAYOUT_ID = "3RELIABILITYLAYOUT0000000000000"
LAYOUT_Q = FORM_Q.replace("Pick one", "Pick one for ${item}")
VALID_XML = (EXTERNAL_Q, FORM_Q, HTML_Q, TEST_FORM, ANSWER_KEY, UPLOAD_Q, LAYOUT_Q)


def smka(**params: Any) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "Key": "AnswerKey",
            "MapEntries": [{"Key": "label", "Values": ["cat"]}],
        }
    ]
    parameters += [{"Key": k, "Values": [str(v)]} for k, v in params.items()]
    return {"PolicyName": "ScoreMyKnownAnswers/2011-09-01", "Parameters": parameters}


def plurality(**params: Any) -> dict[str, Any]:
    parameters = [
        {"Key": "QuestionIds", "Values": ["label"]},
        {"Key": "QuestionAgreementThreshold", "Values": ["50"]},
    ]
    parameters += [{"Key": k, "Values": [str(v)]} for k, v in params.items()]
    return {"PolicyName": "SimplePlurality/2011-09-01", "Parameters": parameters}


# ----------------------------------------------------------------------------- the scenario


@dataclass
class Scenario:
    """A started fake holding every kind of object, the clients that made them, and their ids."""

    fake: MTurkFake
    a: Any  # requester A, sandbox
    b: Any  # requester B, sandbox
    prod: Any  # requester A, production (balance almost spent)
    ids: dict[str, str]
    workers: dict[str, Any]
    snapshot: Snapshot
    tokens: dict[str, str] = field(default_factory=dict)  # real NextTokens, by listing

    def client(self, who: str) -> Any:
        return {"a": self.a, "b": self.b, "prod": self.prod}[who]

    def reset(self) -> None:
        """Back to the scenario as built (state and clock)."""
        self.fake.clock.reset()
        self.fake.restore(self.snapshot)


PROD_BALANCE = "3.30"  # leaves $0.30 available once the production scenario is built


def build_scenario(fake: MTurkFake) -> Scenario:
    """Fill a started fake (built with ``balance=PROD_BALANCE``) with the scenario."""
    a = make_client(KEY_A, SANDBOX)
    b = make_client(KEY_B, SANDBOX)
    prod = make_client(KEY_A, PRODUCTION)
    ids: dict[str, str] = {}
    w = {name: fake.workers.create(country="US") for name in ("w1", "w2", "w3", "w4", "w5")}
    for name, worker in w.items():
        ids[name] = worker.worker_id
    ids["unknown_worker"] = "AUNKNOWNWORKER9"
    for client in (a, b, prod):
        client.get_account_balance()  # every world exists before any test looks at it

    # -- qualification types (sandbox A)
    def qtype(client: Any, name: str, **kw: Any) -> str:
        args = {"Name": name, "Description": f"{name} workers", "QualificationTypeStatus": "Active"}
        args.update(kw)
        return str(
            client.create_qualification_type(**args)["QualificationType"]["QualificationTypeId"]
        )

    ids["q_plain"] = qtype(a, "plain")
    ids["q_test"] = qtype(a, "test", Test=TEST_FORM, TestDurationInSeconds=60, AnswerKey=ANSWER_KEY)
    ids["q_test_nokey"] = qtype(
        a, "test-nokey", Test=TEST_FORM, TestDurationInSeconds=600, RetryDelayInSeconds=10
    )
    ids["q_auto"] = qtype(a, "auto", AutoGranted=True, AutoGrantedValue=7)
    ids["q_inactive"] = qtype(a, "inactive", QualificationTypeStatus="Inactive")
    ids["q_retry"] = qtype(a, "retry", RetryDelayInSeconds=3600)
    ids["q_deleted"] = qtype(a, "deleted")
    a.delete_qualification_type(QualificationTypeId=ids["q_deleted"])
    ids["q_system"] = "00000000000000000071"  # Worker_Locale
    a.associate_qualification_with_worker(
        QualificationTypeId=ids["q_plain"], WorkerId=ids["w1"], IntegerValue=5
    )
    a.associate_qualification_with_worker(QualificationTypeId=ids["q_plain"], WorkerId=ids["w2"])
    a.disassociate_qualification_from_worker(
        QualificationTypeId=ids["q_plain"], WorkerId=ids["w2"], Reason="revoked"
    )
    pending = w["w3"].request_qualification(ids["q_plain"])
    done = w["w4"].request_qualification(ids["q_plain"])
    with_test = w["w1"].request_qualification(ids["q_test_nokey"], {"q1": "a", "q2": "y"})
    rejected = w["w2"].request_qualification(ids["q_retry"])
    assert pending and done and with_test and rejected
    ids.update(r_pending=pending, r_done=done, r_test_pending=with_test, r_rejected=rejected)
    a.accept_qualification_request(QualificationRequestId=done, IntegerValue=3)
    a.reject_qualification_request(QualificationRequestId=rejected, Reason="no")
    w["w5"].request_qualification(ids["q_auto"])

    # -- HIT types and HITs (sandbox A)
    type_args = {
        "Title": "Label",
        "Description": "Label an image",
        "Reward": "0.50",
        "AssignmentDurationInSeconds": 7200,
        "AutoApprovalDelayInSeconds": 86400 * 3,
    }
    ids["t_plain"] = a.create_hit_type(**type_args)["HITTypeId"]
    ids["t_rich"] = a.create_hit_type(**{**type_args, "Reward": "2.00"})["HITTypeId"]
    ids["t_req"] = a.create_hit_type(
        **type_args,
        QualificationRequirements=[{"QualificationTypeId": ids["q_plain"], "Comparator": "Exists"}],
    )["HITTypeId"]
    a.update_notification_settings(
        HITTypeId=ids["t_plain"],
        Notification={
            "Destination": "ops@example.com",
            "Transport": "Email",
            "Version": "2006-05-05",
            "EventTypes": ["AssignmentSubmitted", "HITReviewable"],
        },
        Active=True,
    )

    def hit(client: Any, max_assignments: int = 1, **kw: Any) -> str:
        args: dict[str, Any] = {
            "HITTypeId": kw.pop("type_id", ids["t_plain"]),
            "LifetimeInSeconds": 86400 * 5,
            "Question": kw.pop("question", EXTERNAL_Q),
            "MaxAssignments": max_assignments,
        }
        args.update(kw)
        return str(client.create_hit_with_hit_type(**args)["HIT"]["HITId"])

    ids["h_open"] = hit(a, 3)
    ids["a_inprogress"] = w["w1"].accept(ids["h_open"])
    ids["a_submitted"] = w["w2"].do(ids["h_open"])
    ids["a_returned"] = w["w3"].accept(ids["h_open"])
    w["w3"].return_assignment(ids["a_returned"])
    a.create_additional_assignments_for_hit(
        HITId=ids["h_open"], NumberOfAdditionalAssignments=1, UniqueRequestToken="extend-tok"
    )

    ids["h_done"] = hit(a, 2)
    ids["a_approved"] = w["w1"].do(ids["h_done"])
    ids["a_rejected"] = w["w2"].do(ids["h_done"])
    a.approve_assignment(AssignmentId=ids["a_approved"], RequesterFeedback="good")
    a.reject_assignment(AssignmentId=ids["a_rejected"], RequesterFeedback="bad")
    a.send_bonus(
        WorkerId=ids["w1"],
        BonusAmount="0.25",
        AssignmentId=ids["a_approved"],
        Reason="thanks",
        UniqueRequestToken="bonus-tok",
    )

    ids["h_reviewing"] = hit(a, 1)
    a.approve_assignment(AssignmentId=w["w3"].do(ids["h_reviewing"]))
    a.update_hit_review_status(HITId=ids["h_reviewing"])

    ids["h_unreviewed"] = hit(a, 1)
    ids["a_unreviewed"] = w["w5"].do(ids["h_unreviewed"])

    ids["h_deleted"] = hit(a, 2)
    ids["a_deleted_approved"] = w["w1"].do(ids["h_deleted"])
    ids["a_deleted_rejected"] = w["w2"].do(ids["h_deleted"])
    a.approve_assignment(AssignmentId=ids["a_deleted_approved"])
    a.reject_assignment(AssignmentId=ids["a_deleted_rejected"], RequesterFeedback="no")
    a.delete_hit(HITId=ids["h_deleted"])

    ids["h_expired"] = hit(a, 2)
    expired_at = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    a.update_expiration_for_hit(HITId=ids["h_expired"], ExpireAt=expired_at)

    ids["h_expired_busy"] = hit(a, 2)
    ids["a_expired_busy"] = w["w5"].accept(ids["h_expired_busy"])
    a.update_expiration_for_hit(HITId=ids["h_expired_busy"], ExpireAt=expired_at)

    ids["h_form"] = hit(a, 2, question=FORM_Q)
    ids["a_form_inprogress"] = w["w5"].accept(ids["h_form"])

    ids["h_upload"] = hit(a, 2, question=UPLOAD_Q)
    ids["a_upload"] = w["w1"].do(ids["h_upload"], {"photo": b"\x89PNG...", "caption": "a cat"})
    ids["a_upload_nofile"] = w["w2"].do(ids["h_upload"], {"caption": "no photo"})

    ids["h_req"] = hit(a, 2, type_id=ids["t_req"])
    ids["h_policy"] = hit(
        a,
        2,
        question=FORM_Q,
        AssignmentReviewPolicy=smka(ApproveIfKnownAnswerScoreIsAtLeast=100),
        HITReviewPolicy=plurality(),
    )
    w["w3"].do(ids["h_policy"], {"label": "cat"})
    fake.register_hit_layout(LAYOUT_ID, LAYOUT_Q)
    ids["layout"] = LAYOUT_ID
    ids["h_layout"] = str(
        a.create_hit(
            **hit_args(
                Question=None,
                HITLayoutId=LAYOUT_ID,
                HITLayoutParameters=[{"Name": "item", "Value": "a <b> & c"}],
                UniqueRequestToken="create-tok",
            )
        )["HIT"]["HITId"]
    )
    a.create_worker_block(WorkerId=ids["w4"], Reason="spam")
    a.create_worker_block(WorkerId=ids["w5"], Reason="later unblocked")
    a.delete_worker_block(WorkerId=ids["w5"], Reason="sorry")

    # -- requester B (sandbox): its own type, HIT and request
    ids["qb"] = qtype(b, "plain")  # the same name as A's: names are unique per requester
    ids["tb"] = b.create_hit_type(**type_args)["HITTypeId"]
    ids["hb"] = hit(b, 2, type_id=ids["tb"])
    ids["ab_submitted"] = w["w1"].do(ids["hb"])
    rb = w["w2"].request_qualification(ids["qb"])
    assert rb is not None
    ids["rb"] = rb

    # -- production (requester A): money nearly spent
    prod_type = {**type_args, "Reward": "1.00"}
    ids["pt"] = prod.create_hit_type(**prod_type)["HITTypeId"]
    ids["pt_rich"] = prod.create_hit_type(**{**prod_type, "Reward": "5.00"})["HITTypeId"]
    ids["ph_expired"] = hit(prod, 2, type_id=ids["pt"])  # first: it holds $2.40 until expired
    prod.update_expiration_for_hit(HITId=ids["ph_expired"], ExpireAt=expired_at)
    ids["ph_done"] = hit(prod, 2, type_id=ids["pt"])
    ids["pa_approved"] = w["w1"].do(ids["ph_done"])
    ids["pa_rejected"] = w["w2"].do(ids["ph_done"])
    prod.approve_assignment(AssignmentId=ids["pa_approved"])
    prod.reject_assignment(AssignmentId=ids["pa_rejected"], RequesterFeedback="no")
    prod.send_bonus(
        WorkerId=ids["w1"], BonusAmount="0.50", AssignmentId=ids["pa_approved"], Reason="x"
    )
    ids["ph_open"] = hit(prod, 1, type_id=ids["pt"])
    ids["pa_inprogress"] = w["w3"].accept(ids["ph_open"])
    ids["pq"] = qtype(prod, "prod-plain")
    available = Decimal(prod.get_account_balance()["AvailableBalance"])
    assert available == Decimal("0.30"), available

    # -- real page tokens of several listings
    tokens: dict[str, str] = {}
    tokens["ListHITs"] = a.list_hits(MaxResults=1)["NextToken"]
    tokens["ListQualificationTypes"] = a.list_qualification_types(
        MustBeRequestable=False, MaxResults=1
    )["NextToken"]
    tokens["ListWorkerBlocks"] = a.list_worker_blocks(MaxResults=1)["NextToken"]
    tokens["ListAssignmentsForHIT"] = a.list_assignments_for_hit(HITId=ids["h_done"], MaxResults=1)[
        "NextToken"
    ]
    tokens["ListReviewableHITs"] = a.list_reviewable_hits(MaxResults=1)["NextToken"]
    tokens["ListBonusPayments"] = a.list_bonus_payments(HITId=ids["h_done"], MaxResults=1)[
        "NextToken"
    ]
    fake.check_invariants()
    return Scenario(fake, a, b, prod, ids, w, fake.snapshot(), tokens)


def pool_of(fake: MTurkFake) -> dict[str, list[str]]:
    """Every id the fake holds, by kind, across every requester and environment (read only)."""
    svc = fake.service
    pool: dict[str, list[str]] = {
        "HITId": sorted(svc.hits_by_id),
        "AssignmentId": sorted(svc.assignments_by_id),
        "HITTypeId": [],
        "QualificationTypeId": [],
        "QualificationRequestId": [],
        "WorkerId": sorted(svc.known_workers),
    }
    for env in svc.envs.values():
        pool["QualificationTypeId"] += sorted(env.qualification_types)
        for world in env.worlds.values():
            pool["HITTypeId"] += sorted(world.hit_types)
            pool["QualificationRequestId"] += sorted(world.qual_requests)
    pool["HITLayoutId"] = [LAYOUT_ID]
    return pool


# ----------------------------------------------------------------------------- response checks


def shape_problems(shape: Any, value: Any, path: str, raw: bool) -> list[str]:
    """How ``value`` departs from a botocore output ``shape`` (raw JSON or parsed response)."""
    kind = shape.type_name
    out: list[str] = []
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        for name in shape.required_members:
            if name not in value:
                out.append(f"{path}: required member {name} missing")
        for key, item in value.items():
            if key not in shape.members:
                if not (path == "$" and key == "ResponseMetadata" and not raw):
                    out.append(f"{path}: unknown member {key}")
                continue
            out += shape_problems(shape.members[key], item, f"{path}.{key}", raw)
    elif kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        for i, item in enumerate(value):
            out += shape_problems(shape.member, item, f"{path}[{i}]", raw)
    elif kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map"]
        for k, item in value.items():
            out += shape_problems(shape.key, k, f"{path}<key>", raw)
            out += shape_problems(shape.value, item, f"{path}[{k!r}]", raw)
    elif kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string, got {value!r}"]
        if shape.enum and value not in shape.enum:
            out.append(f"{path}: {value!r} is not one of {list(shape.enum)}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            out.append(f"{path}: expected an integer, got {value!r}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            out.append(f"{path}: expected a boolean, got {value!r}")
    elif kind == "timestamp":
        ok = (
            isinstance(value, (int, float)) and not isinstance(value, bool)
            if raw
            else isinstance(value, dt.datetime) and value.tzinfo is not None
        )
        if not ok:
            out.append(f"{path}: expected a timestamp, got {value!r}")
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append(f"{path}: expected a number, got {value!r}")
    else:
        out.append(f"{path}: unexpected shape type {kind}")
    return out


class RawCapture:
    """Keeps the raw body of the last response a client received (botocore's ``after-call``
    event, which every supported botocore emits, errors included)."""

    def __init__(self, client: Any) -> None:
        self.body: bytes | None = None
        self.status: int | None = None
        client.meta.events.register("after-call.mturk.*", self._keep)

    def _keep(self, http_response: Any, **kwargs: Any) -> None:
        self.body = http_response.content
        self.status = http_response.status_code


def check_success(operation: str, raw: bytes | None, parsed: dict[str, Any]) -> list[str]:
    shape = MODEL.operation_model(operation).output_shape
    if shape is None:
        return []
    problems = shape_problems(shape, json.loads(raw or b"{}"), "$", raw=True)
    return problems + shape_problems(shape, parsed, "$", raw=False)


def check_error(exc: ClientError, raw: bytes | None) -> list[str]:
    """Problems with an error response: only the modelled families, with their details (the raw
    body is read too: botocore keeps TurkErrorCode only for the modelled RequestError)."""
    response = exc.response
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    out: list[str] = []
    if code not in MODELLED_ERROR_CODES:
        out.append(f"unexpected error family {code!r} (HTTP {status}): {response.get('Error')}")
        return out
    if status != 400:
        out.append(f"{code} with HTTP status {status}")
    if not response.get("Error", {}).get("Message"):
        out.append(f"{code} without a message")
    body = json.loads(raw or b"{}")
    if code != "ValidationException":
        turk = body.get("TurkErrorCode")
        if not (isinstance(turk, str) and turk.startswith("AWS.")):
            out.append(f"{code} with TurkErrorCode {turk!r}")
    elif set(body) != {"__type", "message"}:
        out.append(f"ValidationException body {body!r}")
    return out


# ----------------------------------------------------------------------------- request strategies

ID_POOL_KINDS = {
    "HITId": "HITId",
    "HITTypeId": "HITTypeId",
    "AssignmentId": "AssignmentId",
    "QualificationTypeId": "QualificationTypeId",
    "QualificationRequestId": "QualificationRequestId",
    "WorkerId": "WorkerId",
    "HITLayoutId": "HITLayoutId",
}
XML_MEMBERS = frozenset({"Question", "Test", "AnswerKey"})
MONEY_MEMBERS = frozenset({"Reward", "BonusAmount"})
LONG_TEXT_SIZES = (129, 256, 1025, 2001, 4097, 65_536)

ODD_CHARS = (
    "\x00",
    "\x07",
    "\ufeff",
    "\u200b",
    "\u202e",
    "\U0001f600",
    "e\u0301",
    "\ud800",  # a lone surrogate: botocore sends it as \ud800 in JSON
    "\udfff",
    "<",
    "&",
    "]]>",
    "\\",
    '"',
    "\r\n",
    "\uffff",
    "\U0001d518\U0001d52b\U0001d526",  # mathematical fraktur
)


def odd_text(min_size: int = 0) -> st.SearchStrategy[str]:
    """Text a user could send: ordinary, control characters, unicode oddities, blanks, huge."""
    pieces = st.lists(
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(ODD_CHARS),
            st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=6),
        ),
        max_size=6,
    ).map("".join)
    big = st.builds(lambda n, c: c * n, st.sampled_from(LONG_TEXT_SIZES), st.sampled_from("xé€"))
    blank = st.sampled_from(["", " ", "\t\n", "\u3000"])
    plain = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40)
    out = st.one_of(plain, plain, plain, pieces, pieces, big, blank)
    if min_size:
        out = out.filter(lambda s: len(s) >= min_size)
    return out


def mutate_xml(xml: str, how: str, n: int) -> str:
    if how == "truncate":
        return xml[: n % max(1, len(xml))]
    if how == "junk":
        i = n % max(1, len(xml))
        return xml[:i] + "<&\x01" + xml[i:]
    if how == "namespace":
        return xml.replace("AWSMechanicalTurkDataSchemas", "Elsewhere", 1)
    if how == "doctype":
        return (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">'
            '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            + xml.replace("</", "&e;&b;</", 1)
        )
    if how == "deep":
        return "<a>" * (200 + n % 3000) + "</a>" * (200 + n % 3000)
    if how == "huge":
        return xml.replace("</", "<!--" + "x" * 66_000 + "--></", 1)
    if how == "decl":
        return '<?xml version="1.0" encoding="UTF-16"?>' + xml
    if how == "cdata":
        return xml.replace("<Text>", "<Text><![CDATA[ ]]]]><![CDATA[>", 1)
    if how == "pi":
        return "<?php echo 1 ?>" + xml
    if how == "empty_root":
        return xml.split(">", 1)[0] + "/>"
    return xml


XML_MUTATIONS = (
    "truncate",
    "junk",
    "namespace",
    "doctype",
    "deep",
    "huge",
    "decl",
    "cdata",
    "pi",
    "empty_root",
    "none",
)


def xml_text() -> st.SearchStrategy[str]:
    mutated = st.builds(
        mutate_xml,
        st.sampled_from(VALID_XML),
        st.sampled_from(XML_MUTATIONS),
        st.integers(0, 10_000),
    )
    valid = st.sampled_from(VALID_XML)
    return st.one_of(valid, valid, valid, mutated, mutated, odd_text())


def money_text() -> st.SearchStrategy[str]:
    valid = st.sampled_from(["0.50", "0.01", "0.10", "1.00", "0.25", "2", "3."])
    return st.one_of(
        valid,
        valid,
        valid,
        st.sampled_from(["0", "0.00", "0.001", "1.234", "-1", "1e3", "\uff11.00", "", "99999999"]),
        st.from_regex(r"\A[0-9]{1,14}(\.[0-9]{0,3})?\Z"),
    )


def token_text(pool_tokens: list[str]) -> st.SearchStrategy[str]:
    def encode(raw: str) -> str:
        return base64.urlsafe_b64encode(raw.encode("utf-8", "surrogatepass")).decode().rstrip("=")

    forged = st.builds(
        lambda scope, after: encode(f"{scope}:{after}:1"),
        st.sampled_from(["ListHITs", "ListWorkerBlocks", "ListQualificationTypes", "x"]),
        st.one_of(st.integers(-(10**20), 10**20).map(str), st.sampled_from(["", "a", "1:2"])),
    )
    choices = [forged, odd_text(min_size=1)]
    if pool_tokens:
        choices.insert(0, st.sampled_from(pool_tokens))
    return st.one_of(*choices)


def id_text(kind: str | None, pool: dict[str, list[str]], worker: bool) -> st.SearchStrategy[str]:
    every = sorted({i for ids in pool.values() for i in ids})
    own = pool.get(kind or "", [])
    shaped = st.from_regex(r"\A[A-Z0-9]{1,64}\Z" if not worker else r"\AA[A-Z0-9]{1,40}\Z")
    bad = st.one_of(
        st.sampled_from(["abc", "A-1", "3ABC ", "a" * 70, "A" * 65, "ÄBC", "\u0663"]),
        odd_text(min_size=1),
    )
    options: list[st.SearchStrategy[str]] = [shaped, bad]
    if every:
        options.insert(0, st.sampled_from(every))
    if own:
        options = [st.sampled_from(own)] * 8 + options
    return st.one_of(*options)


def destination_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [
                "ops@example.com",
                "https://sqs.us-east-1.amazonaws.com/123456789012/queue",
                "https://queue.amazonaws.com/123456789012/q",
                "arn:aws:sns:us-east-1:123456789012:topic",
                "arn:aws:sns:eu-west-1:123456789012:t.fifo",
                "not an address",
                "@",
                "https://sqs.us-east-1.amazonaws.com/1/q",
            ]
        ),
        odd_text(),
    )


SANE_INTEGERS: dict[str, tuple[int, ...]] = {
    "LifetimeInSeconds": (60, 3600, 86_400),
    "AssignmentDurationInSeconds": (30, 600, 3600),
    "AutoApprovalDelayInSeconds": (0, 60, 86_400),
    "MaxAssignments": (1, 2, 3, 9),
    "NumberOfAdditionalAssignments": (1, 2, 5),
    "RetryDelayInSeconds": (0, 10, 3600),
    "TestDurationInSeconds": (1, 60, 600),
    "IntegerValue": (0, 1, 5, 100),
    "AutoGrantedValue": (0, 1, 7),
    "IntegerValues": (1, 50, 95, 100),
    "MaxResults": (1, 2, 10, 100),
}


def integer_value(meta: dict[str, Any], name: str) -> st.SearchStrategy[int]:
    lo = meta.get("min")
    edges = [-1, 0, 1, 2, 9, 10, 29, 30, 59, 60, 100, 101, 3600, 86_400, 2_592_000, 2_592_001]
    edges += [31_536_000, 31_536_001, 1_000_000_000, 1_000_000_001, 2**31 - 1, 2**31, 2**63]
    sane = st.sampled_from(SANE_INTEGERS.get(name, (0, 1, 10)))
    base = st.one_of(
        sane,
        sane,
        sane,
        st.sampled_from(edges),
        st.integers(-1000, 1000),
        st.integers(-(2**64), 2**64),
        st.integers(10**18, 10**30),
    )
    if lo is not None:
        return base.filter(lambda v: v >= lo)
    return base


@dataclass(frozen=True)
class RelTime:
    """A timestamp parameter relative to the fake's now, resolved at call time."""

    seconds: float


def resolve(value: Any, now: float) -> Any:
    if isinstance(value, RelTime):
        return dt.datetime.fromtimestamp(
            min(max(now + value.seconds, -62_135_596_800.0), 253_402_300_799.0), dt.timezone.utc
        )
    if isinstance(value, dict):
        return {k: resolve(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, now) for v in value]
    return value


def timestamp_value() -> st.SearchStrategy[RelTime]:
    return st.builds(
        RelTime,
        st.one_of(
            st.sampled_from(
                [-(10**12), -86_400.0, -1.0, 0.0, 30.0, 59.0, 60.0, 3600.0, 86_400.0 * 400]
            ),
            st.floats(-1e7, 1e9, allow_nan=False),
            st.just(1e13),
        ),
    )


def enum_value(values: list[str]) -> st.SearchStrategy[str]:
    valid = st.sampled_from(values)
    return st.one_of(valid, valid, valid, valid, st.sampled_from(["", "bogus", "active"]))


def string_value(
    shape: Any, name: str, pool: dict[str, list[str]], tokens: list[str]
) -> st.SearchStrategy[str]:
    meta = shape.metadata
    lo = meta.get("min", 0)
    if shape.enum:
        return enum_value(list(shape.enum))
    if name in XML_MEMBERS:
        return xml_text()
    if name in MONEY_MEMBERS:
        return money_text()
    if name == "NextToken":
        return token_text(tokens)
    if name in ID_POOL_KINDS or shape.name in ("EntityId", "CustomerId"):
        kind = ID_POOL_KINDS.get(name, "WorkerId" if shape.name == "CustomerId" else None)
        return id_text(kind, pool, worker=shape.name == "CustomerId").filter(lambda s: len(s) >= lo)
    if name == "Destination":
        return destination_text()
    if name == "Version":
        return st.sampled_from(["2006-05-05", "2014-08-15", "2017-01-17", ""])
    if name == "PolicyName":
        return st.sampled_from(
            ["ScoreMyKnownAnswers/2011-09-01", "SimplePlurality/2011-09-01", "Other/1"]
        )
    if name == "Key":
        return st.sampled_from(
            [
                "AnswerKey",
                "QuestionIds",
                "QuestionAgreementThreshold",
                "ApproveIfKnownAnswerScoreIsAtLeast",
                "RejectIfKnownAnswerScoreIsLessThan",
                "ExtendIfKnownAnswerScoreIsLessThan",
                "ExtendMaximumAssignments",
                "ExtendMinimumTimeInSeconds",
                "ApproveIfWorkerAgreementScoreIsAtLeast",
                "DisregardAssignmentIfRejected",
                "label",
                "bogus",
            ]
        )
    if name in ("Country", "Subdivision"):
        return st.one_of(
            st.sampled_from(["US", "GB", "DE", "NY", "CA", "ZZ", "USA", "us"]),
            odd_text(min_size=2),
        )
    if name == "QuestionIdentifier":
        return st.one_of(st.sampled_from(["photo", "caption", "label", "nope"]), odd_text())
    if name == "Name" and shape.name == "String":
        return st.one_of(st.sampled_from(["plain", "item", "test", "fresh"]), odd_text())
    base = odd_text(min_size=lo) if lo else odd_text()
    return base


def value_for(
    shape: Any,
    name: str,
    pool: dict[str, list[str]],
    tokens: list[str],
    depth: int = 0,
) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "structure":
        required = {
            m: value_for(s, m, pool, tokens, depth + 1)
            for m, s in shape.members.items()
            if m in shape.required_members
        }
        optional = {
            m: value_for(s, m, pool, tokens, depth + 1)
            for m, s in shape.members.items()
            if m not in shape.required_members
        }
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "list":
        lo = shape.metadata.get("min", 0)
        hi = 12 if name in ("QualificationRequirements", "IntegerValues") else 4
        if name == "WorkerIds":
            return st.one_of(
                st.lists(
                    value_for(shape.member, name, pool, tokens, depth + 1), min_size=1, max_size=4
                ),
                st.lists(st.sampled_from(pool["WorkerId"]), min_size=99, max_size=102),
                st.just([]),
            )
        return st.lists(
            value_for(shape.member, name, pool, tokens, depth + 1), min_size=lo, max_size=hi
        )
    if kind == "string":
        return string_value(shape, name, pool, tokens)
    if kind in ("integer", "long"):
        return integer_value(shape.metadata, name)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return timestamp_value()
    raise AssertionError(f"no strategy for {kind} ({name})")


def valid_base(operation: str, ids: dict[str, str]) -> dict[str, Any] | None:
    """A request of ``operation`` that succeeds on the scenario as built (for requester A in
    the sandbox), for the fuzzer to disturb a member or two of; None when no base is needed."""
    notification = {
        "Destination": "ops@example.com",
        "Transport": "Email",
        "Version": "2006-05-05",
        "EventTypes": ["AssignmentSubmitted"],
    }
    hit_type = {
        "Title": "Fuzzed",
        "Description": "A fuzzed HIT",
        "Reward": "0.10",
        "AssignmentDurationInSeconds": 600,
    }
    hit = {"LifetimeInSeconds": 3600, "Question": EXTERNAL_Q, "MaxAssignments": 2}
    bases: dict[str, dict[str, Any]] = {
        "CreateHITType": hit_type,
        "CreateHIT": {**hit_type, **hit},
        "CreateHITWithHITType": {"HITTypeId": ids["t_plain"], **hit},
        "CreateQualificationType": {
            "Name": "fresh",
            "Description": "fresh",
            "QualificationTypeStatus": "Active",
        },
        "GetFileUploadURL": {"AssignmentId": ids["a_upload"], "QuestionIdentifier": "photo"},
        "GetQualificationScore": {"QualificationTypeId": ids["q_plain"], "WorkerId": ids["w1"]},
        "SendTestEventNotification": {"Notification": notification, "TestEventType": "Ping"},
        "UpdateNotificationSettings": {"HITTypeId": ids["t_plain"], "Notification": notification},
        "SendBonus": {
            "WorkerId": ids["w1"],
            "BonusAmount": "0.10",
            "AssignmentId": ids["a_approved"],
            "Reason": "more",
        },
        "ApproveAssignment": {"AssignmentId": ids["a_submitted"]},
        "RejectAssignment": {"AssignmentId": ids["a_submitted"], "RequesterFeedback": "no"},
        "UpdateExpirationForHIT": {"HITId": ids["h_open"], "ExpireAt": RelTime(86_400 * 6)},
        "NotifyWorkers": {"Subject": "Hi", "MessageText": "Thanks", "WorkerIds": [ids["w1"]]},
        "UpdateQualificationType": {
            "QualificationTypeId": ids["q_test"],
            "Test": TEST_FORM,
            "TestDurationInSeconds": 30,
            "AnswerKey": ANSWER_KEY,
        },
    }
    return bases.get(operation)


def request_strategy(
    operation: str, pool: dict[str, list[str]], tokens: list[str], ids: dict[str, str]
) -> st.SearchStrategy[dict[str, Any]]:
    """Requests from the model's input shape, and (where one exists) a valid request with one
    or two members replaced by fuzzed ones."""
    shape = MODEL.operation_model(operation).input_shape
    if shape is None:
        return st.just({})
    fuzzed: st.SearchStrategy[dict[str, Any]] = value_for(shape, operation, pool, tokens)
    base = valid_base(operation, ids)
    if base is None:
        return fuzzed
    members = sorted(shape.members)

    def overlay(pair: tuple[dict[str, Any], set[str]]) -> dict[str, Any]:
        params, keep = pair
        out = dict(base)
        for key in keep:
            if key in params:
                out[key] = params[key]
            elif key not in shape.required_members:
                out.pop(key, None)
        return out

    disturbed = st.tuples(fuzzed, st.sets(st.sampled_from(members), max_size=2)).map(overlay)
    return st.one_of(disturbed, fuzzed)


ANSWERS_XML = (
    f'<QuestionFormAnswers xmlns="{ANSWERS_NS}"><Answer><QuestionIdentifier>label'
    "</QuestionIdentifier><SelectionIdentifier>cat</SelectionIdentifier></Answer><Answer>"
    "<QuestionIdentifier>q1</QuestionIdentifier><SelectionIdentifier>a</SelectionIdentifier>"
    "</Answer></QuestionFormAnswers>"
)
QUESTION_IDS = ("label", "comment", "q1", "q2", "photo", "caption", "nope")


def answers_value() -> st.SearchStrategy[Any]:
    """What a test could give ``worker.submit`` / ``request_qualification`` as answers."""
    value = st.one_of(
        st.sampled_from(["cat", "dog", "a", "b", "x", "y", ""]),
        odd_text(),
        st.lists(st.sampled_from(["cat", "dog", "a", "y"]), max_size=3),
        st.binary(max_size=8),
    )
    mapping = st.dictionaries(st.sampled_from(QUESTION_IDS) | odd_text(), value, max_size=3)
    xml = st.one_of(
        st.just(ANSWERS_XML),
        st.builds(
            mutate_xml, st.just(ANSWERS_XML), st.sampled_from(XML_MUTATIONS), st.integers(0, 999)
        ),
        st.sampled_from(VALID_XML),
    )
    return st.one_of(st.none(), mapping, xml)


# ----------------------------------------------------------------------------- the run report


def record(name: str, **numbers: Any) -> None:
    """Add one test's numbers to the JSON report named by PYTEST_MTURK_RELIABILITY_REPORT.

    Safe under pytest-xdist: the file is updated under an exclusive lock, keyed by test name.
    """
    path = os.environ.get("PYTEST_MTURK_RELIABILITY_REPORT")
    if not path:
        return
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(path) as f:
                report = json.load(f)
        except (OSError, ValueError):
            report = {}
        tests = report.setdefault("tests", {})
        tests[name] = {**numbers, "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        totals: dict[str, float] = {}
        for entry in tests.values():
            for key, value in entry.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    totals[key] = totals.get(key, 0) + value
        report["totals"] = {k: round(v, 2) for k, v in sorted(totals.items())}
        with open(path, "w") as f:
            json.dump(report, f, indent=2, sort_keys=True)
        fcntl.flock(lock, fcntl.LOCK_UN)


def budget(default: int) -> int:
    """Examples for a hypothesis test: ``PYTEST_MTURK_FUZZ=long`` runs ten times as many."""
    return default * 10 if os.environ.get("PYTEST_MTURK_FUZZ") == "long" else default


def timer() -> Callable[[], float]:
    start = time.perf_counter()
    return lambda: round(time.perf_counter() - start, 2)
