"""A call that fails changes nothing: every operation, every error it can raise.

Each case resets the scenario fake, dumps the whole state (``json.dumps(fake.dump_state(),
sort_keys=True)``), makes one failing call through a real boto3 client, checks the error family
and TurkErrorCode, and dumps again: the two dumps must be identical. Worker-side refusals
(``WorkerActionError``) are held to the same rule.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pytest_mturk import MTurkFake, WorkerActionError
from tests.conftest import ANSWER_KEY, EXTERNAL_Q, FORM_Q, SANDBOX, TEST_FORM
from tests.reliability.strategies import (
    KEY_A,
    LAYOUT_ID,
    OPERATION_NAMES,
    RawCapture,
    Scenario,
    call,
    make_client,
    record,
    smka,
    state_of,
)

BAD = "3NOSUCHOBJECT000000000000000000"  # shaped like an id, names nothing
RE, PVE, VE = "RequestError", "ParameterValidationError", "ValidationException"
MT = "AWS.MechanicalTurk."
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

Ids = dict[str, str]


@dataclass(frozen=True)
class Case:
    operation: str
    label: str
    params: Callable[[Ids], dict[str, Any]]
    code: str
    turk: str | None = None  # TurkErrorCode (RequestError and ParameterValidationError)
    who: str = "a"  # "a" (sandbox), "b" (another requester), "prod" (production, $0.30 left)
    strict: bool = False  # run on a copy of the scenario with strict_workers=True

    @property
    def id(self) -> str:
        return f"{self.operation}-{self.label}"


def hit_type(**kw: Any) -> dict[str, Any]:
    args = {
        "Title": "T",
        "Description": "D",
        "Reward": "0.50",
        "AssignmentDurationInSeconds": 600,
    }
    args.update(kw)
    return args


def new_hit(**kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {**hit_type(), "LifetimeInSeconds": 3600, "Question": EXTERNAL_Q}
    args.update(kw)
    return {k: v for k, v in args.items() if v is not None}


def with_type(i: Ids, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"HITTypeId": i["t_plain"], "LifetimeInSeconds": 3600}
    args["Question"] = EXTERNAL_Q
    args.update(kw)
    return args


def qual(**kw: Any) -> dict[str, Any]:
    args = {"Name": "brand new", "Description": "d", "QualificationTypeStatus": "Active"}
    args.update(kw)
    return args


EMAIL = {
    "Destination": "ops@example.com",
    "Transport": "Email",
    "Version": "2006-05-05",
    "EventTypes": ["HITReviewable"],
}
REQ_PLAIN = {"Comparator": "Exists"}

TOKENS: dict[str, str] = {}  # real page tokens of the scenario, filled by the fixture


class _Later:
    """``LATER(s)``: a datetime ``s`` seconds after the scenario's fake now (resolved late)."""

    now: float = 0.0

    def __call__(self, seconds: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now + seconds, dt.timezone.utc)


LATER = _Later()


CASES: list[Case] = [
    # -- AcceptQualificationRequest
    Case(
        "AcceptQualificationRequest",
        "unknown",
        lambda i: {"QualificationRequestId": BAD},
        RE,
        MT + "QualificationRequestDoesNotExist",
    ),
    Case(
        "AcceptQualificationRequest",
        "processed",
        lambda i: {"QualificationRequestId": i["r_done"]},
        RE,
        MT + "InvalidQualificationRequestState",
    ),
    Case(
        "AcceptQualificationRequest",
        "rejected-already",
        lambda i: {"QualificationRequestId": i["r_rejected"], "IntegerValue": 2},
        RE,
        MT + "InvalidQualificationRequestState",
    ),
    Case(
        "AcceptQualificationRequest",
        "others",
        lambda i: {"QualificationRequestId": i["rb"]},
        RE,
        MT + "QualificationRequestDoesNotExist",
    ),
    # -- ApproveAssignment
    Case(
        "ApproveAssignment",
        "unknown",
        lambda i: {"AssignmentId": BAD},
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    Case("ApproveAssignment", "bad-id", lambda i: {"AssignmentId": "not-an-id"}, VE),
    Case(
        "ApproveAssignment",
        "in-progress",
        lambda i: {"AssignmentId": i["a_inprogress"]},
        RE,
        MT + "InvalidAssignmentState",
    ),
    Case(
        "ApproveAssignment",
        "approved",
        lambda i: {"AssignmentId": i["a_approved"]},
        RE,
        MT + "InvalidAssignmentState",
    ),
    Case(
        "ApproveAssignment",
        "rejected-no-override",
        lambda i: {"AssignmentId": i["a_rejected"]},
        RE,
        MT + "InvalidAssignmentState",
    ),
    Case(
        "ApproveAssignment",
        "returned",
        lambda i: {"AssignmentId": i["a_returned"]},
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    Case(
        "ApproveAssignment",
        "others",
        lambda i: {"AssignmentId": i["ab_submitted"]},
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    Case(
        "ApproveAssignment",
        "feedback-too-long",
        lambda i: {"AssignmentId": i["a_submitted"], "RequesterFeedback": "x" * 1025},
        PVE,
        "AWS.ParameterOutOfRange",
    ),
    Case(
        "ApproveAssignment",
        "override-on-deleted-hit",
        lambda i: {"AssignmentId": i["a_deleted_rejected"], "OverrideRejection": True},
        RE,
        MT + "InvalidAssignmentState",
    ),
    Case(
        "ApproveAssignment",
        "override-insufficient-funds",
        lambda i: {"AssignmentId": i["pa_rejected"], "OverrideRejection": True},
        RE,
        MT + "InsufficientFunds",
        who="prod",
    ),
    # -- AssociateQualificationWithWorker
    Case(
        "AssociateQualificationWithWorker",
        "unknown-type",
        lambda i: {"QualificationTypeId": BAD, "WorkerId": i["w1"]},
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "AssociateQualificationWithWorker",
        "deleted-type",
        lambda i: {"QualificationTypeId": i["q_deleted"], "WorkerId": i["w1"]},
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "AssociateQualificationWithWorker",
        "others-type",
        lambda i: {"QualificationTypeId": i["qb"], "WorkerId": i["w3"]},
        RE,
        MT + "PermissionDenied",
    ),
    Case(
        "AssociateQualificationWithWorker",
        "system-type",
        lambda i: {"QualificationTypeId": i["q_system"], "WorkerId": i["w3"]},
        RE,
        MT + "PermissionDenied",
    ),
    Case(
        "AssociateQualificationWithWorker",
        "bad-worker-id",
        lambda i: {"QualificationTypeId": i["q_plain"], "WorkerId": "B123"},
        VE,
    ),
    Case(
        "AssociateQualificationWithWorker",
        "strict-unknown-worker",
        lambda i: {"QualificationTypeId": i["q_plain"], "WorkerId": i["unknown_worker"]},
        PVE,
        "AWS.ParameterOutOfRange",
        strict=True,
    ),
    # -- CreateAdditionalAssignmentsForHIT
    Case(
        "CreateAdditionalAssignmentsForHIT",
        "zero",
        lambda i: {"HITId": i["h_open"], "NumberOfAdditionalAssignments": 0},
        PVE,
        "AWS.ParameterOutOfRange",
    ),
    Case(
        "CreateAdditionalAssignmentsForHIT",
        "unknown",
        lambda i: {"HITId": BAD, "NumberOfAdditionalAssignments": 1},
        RE,
        MT + "HITDoesNotExist",
    ),
    Case(
        "CreateAdditionalAssignmentsForHIT",
        "others",
        lambda i: {"HITId": i["hb"], "NumberOfAdditionalAssignments": 1},
        RE,
        MT + "HITDoesNotExist",
    ),
    Case(
        "CreateAdditionalAssignmentsForHIT",
        "disposed",
        lambda i: {"HITId": i["h_deleted"], "NumberOfAdditionalAssignments": 1},
        RE,
        MT + "InvalidHITState",
    ),
    Case(
        "CreateAdditionalAssignmentsForHIT",
        "to-ten",
        lambda i: {"HITId": i["h_open"], "NumberOfAdditionalAssignments": 6},
        RE,
        MT + "InvalidMaximumAssignmentsIncrease",
    ),
    Case(
        "CreateAdditionalAssignmentsForHIT",
        "repeated-token",
        lambda i: {
            "HITId": i["h_open"],
            "NumberOfAdditionalAssignments": 1,
            "UniqueRequestToken": "extend-tok",
        },
        RE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "CreateAdditionalAssignmentsForHIT",
        "insufficient-funds",
        lambda i: {"HITId": i["ph_open"], "NumberOfAdditionalAssignments": 1},
        RE,
        MT + "InsufficientFunds",
        who="prod",
    ),
    # -- CreateHIT
    Case("CreateHIT", "blank-title", lambda i: new_hit(Title="  "), PVE),
    Case("CreateHIT", "title-too-long", lambda i: new_hit(Title="x" * 129), PVE),
    Case(
        "CreateHIT",
        "lifetime",
        lambda i: new_hit(LifetimeInSeconds=10),
        PVE,
        "AWS.ParameterOutOfRange",
    ),
    Case("CreateHIT", "duration", lambda i: new_hit(AssignmentDurationInSeconds=1), PVE),
    Case("CreateHIT", "max-assignments", lambda i: new_hit(MaxAssignments=0), PVE),
    Case("CreateHIT", "reward-zero", lambda i: new_hit(Reward="0.00"), PVE),
    Case("CreateHIT", "reward-pattern", lambda i: new_hit(Reward="1.234"), VE),
    Case(
        "CreateHIT",
        "bad-xml",
        lambda i: new_hit(Question="<QuestionForm"),
        PVE,
        MT + "XMLParseError",
    ),
    Case(
        "CreateHIT",
        "unknown-root",
        lambda i: new_hit(Question="<Nope/>"),
        PVE,
        MT + "XMLParseError",
    ),
    Case(
        "CreateHIT",
        "xxe",
        lambda i: new_hit(
            Question='<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            + FORM_Q.replace("Pick one", "&e;")
        ),
        PVE,
        MT + "XMLParseError",
    ),
    Case(
        "CreateHIT",
        "question-too-big",
        lambda i: new_hit(Question=FORM_Q.replace("Pick one", "é" * 40_000)),
        PVE,
    ),
    Case(
        "CreateHIT",
        "no-question",
        lambda i: new_hit(Question=None),
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "CreateHIT",
        "question-and-layout",
        lambda i: new_hit(HITLayoutId=LAYOUT_ID),
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "CreateHIT",
        "unknown-layout",
        lambda i: new_hit(Question=None, HITLayoutId=BAD),
        RE,
        MT + "HITLayoutDoesNotExist",
    ),
    Case(
        "CreateHIT",
        "layout-missing-parameter",
        lambda i: new_hit(Question=None, HITLayoutId=LAYOUT_ID),
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "CreateHIT",
        "unknown-qualification",
        lambda i: new_hit(QualificationRequirements=[{"QualificationTypeId": BAD, **REQ_PLAIN}]),
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "CreateHIT",
        "inactive-qualification",
        lambda i: new_hit(
            QualificationRequirements=[{"QualificationTypeId": i["q_inactive"], **REQ_PLAIN}]
        ),
        RE,
        MT + "InvalidQualificationTypeState",
    ),
    Case(
        "CreateHIT",
        "requirement-shape",
        lambda i: new_hit(
            QualificationRequirements=[
                {"QualificationTypeId": i["q_plain"], "Comparator": "GreaterThan"}
            ]
        ),
        PVE,
        "AWS.ParameterOutOfRange",
    ),
    Case(
        "CreateHIT",
        "eleven-requirements",
        lambda i: new_hit(
            QualificationRequirements=[{"QualificationTypeId": i["q_plain"], **REQ_PLAIN}] * 11
        ),
        PVE,
    ),
    Case(
        "CreateHIT",
        "comparator-enum",
        lambda i: new_hit(
            QualificationRequirements=[{"QualificationTypeId": i["q_plain"], "Comparator": "Is"}]
        ),
        VE,
    ),
    Case(
        "CreateHIT",
        "repeated-token",
        lambda i: new_hit(UniqueRequestToken="create-tok"),
        RE,
        MT + "HitAlreadyExists",
    ),
    Case(
        "CreateHIT",
        "bad-policy",
        lambda i: new_hit(
            Question=FORM_Q, AssignmentReviewPolicy={"PolicyName": "SimplePlurality/2011-09-01"}
        ),
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "CreateHIT",
        "policy-parameter-without-key",
        lambda i: new_hit(
            Question=FORM_Q,
            AssignmentReviewPolicy={
                "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
                "Parameters": [{"Values": ["1"]}],
            },
        ),
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "CreateHIT",
        "policy-parameter-twice",
        lambda i: new_hit(
            Question=FORM_Q,
            AssignmentReviewPolicy={
                "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
                "Parameters": [
                    *smka()["Parameters"],
                    {"Key": "ExtendMaximumAssignments", "Values": ["abc"]},
                    {"Key": "ExtendMaximumAssignments", "Values": ["3"]},
                ],
            },
        ),
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "CreateHIT",
        "answer-key-entry-without-key",
        lambda i: new_hit(
            Question=FORM_Q,
            AssignmentReviewPolicy={
                "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
                "Parameters": [{"Key": "AnswerKey", "MapEntries": [{"Values": ["cat"]}]}],
            },
        ),
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "CreateHIT",
        "insufficient-funds",
        lambda i: new_hit(),
        RE,
        MT + "InsufficientFunds",
        who="prod",
    ),
    # -- CreateHITType
    Case("CreateHITType", "duration", lambda i: hit_type(AssignmentDurationInSeconds=29), PVE),
    Case(
        "CreateHITType",
        "auto-approval",
        lambda i: hit_type(AutoApprovalDelayInSeconds=2_592_001),
        PVE,
    ),
    Case("CreateHITType", "description-too-long", lambda i: hit_type(Description="d" * 2001), PVE),
    Case("CreateHITType", "keywords-too-long", lambda i: hit_type(Keywords="k" * 1001), PVE),
    Case("CreateHITType", "reward", lambda i: hit_type(Reward="0"), PVE),
    Case(
        "CreateHITType",
        "unknown-qualification",
        lambda i: hit_type(QualificationRequirements=[{"QualificationTypeId": BAD, **REQ_PLAIN}]),
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "CreateHITType",
        "locale-values-elsewhere",
        lambda i: hit_type(
            QualificationRequirements=[
                {
                    "QualificationTypeId": i["q_plain"],
                    "Comparator": "EqualTo",
                    "LocaleValues": [{"Country": "US"}],
                }
            ]
        ),
        PVE,
    ),
    # -- CreateHITWithHITType
    Case(
        "CreateHITWithHITType",
        "unknown-type",
        lambda i: with_type(i, HITTypeId=BAD),
        RE,
        MT + "HITTypeDoesNotExist",
    ),
    Case(
        "CreateHITWithHITType",
        "others-type",
        lambda i: with_type(i, HITTypeId=i["tb"]),
        RE,
        MT + "HITTypeDoesNotExist",
    ),
    Case(
        "CreateHITWithHITType",
        "lifetime",
        lambda i: with_type(i, LifetimeInSeconds=31_536_001),
        PVE,
    ),
    Case(
        "CreateHITWithHITType",
        "bad-xml",
        lambda i: with_type(i, Question=TEST_FORM[:-5]),
        PVE,
        MT + "XMLParseError",
    ),
    Case(
        "CreateHITWithHITType",
        "annotation-too-long",
        lambda i: with_type(i, RequesterAnnotation="a" * 256),
        PVE,
    ),
    Case(
        "CreateHITWithHITType",
        "repeated-token",
        lambda i: with_type(i, UniqueRequestToken="create-tok"),
        RE,
        MT + "HitAlreadyExists",
    ),
    Case(
        "CreateHITWithHITType",
        "insufficient-funds",
        lambda i: with_type(i, HITTypeId=i["pt"]),
        RE,
        MT + "InsufficientFunds",
        who="prod",
    ),
    # -- CreateQualificationType
    Case(
        "CreateQualificationType",
        "duplicate-name",
        lambda i: qual(Name="plain"),
        RE,
        MT + "QualificationTypeAlreadyExists",
    ),
    Case("CreateQualificationType", "blank-name", lambda i: qual(Name=" "), PVE),
    Case(
        "CreateQualificationType",
        "test-without-duration",
        lambda i: qual(Test=TEST_FORM),
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "CreateQualificationType",
        "test-and-auto",
        lambda i: qual(Test=TEST_FORM, TestDurationInSeconds=60, AutoGranted=True),
        PVE,
    ),
    Case("CreateQualificationType", "key-without-test", lambda i: qual(AnswerKey=ANSWER_KEY), PVE),
    Case(
        "CreateQualificationType",
        "bad-test",
        lambda i: qual(Test=EXTERNAL_Q, TestDurationInSeconds=60),
        PVE,
        MT + "XMLParseError",
    ),
    Case(
        "CreateQualificationType",
        "bad-key",
        lambda i: qual(Test=TEST_FORM, TestDurationInSeconds=60, AnswerKey="<AnswerKey"),
        PVE,
        MT + "XMLParseError",
    ),
    Case(
        "CreateQualificationType",
        "key-not-matching-test",
        lambda i: qual(
            Test=TEST_FORM, TestDurationInSeconds=60, AnswerKey=ANSWER_KEY.replace(">q2<", ">q9<")
        ),
        PVE,
        MT + "XMLParseError",
    ),
    Case("CreateQualificationType", "retry-negative", lambda i: qual(RetryDelayInSeconds=-1), PVE),
    Case(
        "CreateQualificationType",
        "status-enum",
        lambda i: qual(QualificationTypeStatus="Disposed"),
        VE,
    ),
    # -- CreateWorkerBlock
    Case("CreateWorkerBlock", "bad-worker-id", lambda i: {"WorkerId": "X1", "Reason": "r"}, VE),
    Case(
        "CreateWorkerBlock",
        "strict-unknown-worker",
        lambda i: {"WorkerId": i["unknown_worker"], "Reason": "r"},
        PVE,
        strict=True,
    ),
    # -- DeleteHIT
    Case("DeleteHIT", "assignable", lambda i: {"HITId": i["h_open"]}, RE, MT + "InvalidHITState"),
    Case(
        "DeleteHIT",
        "unreviewed-work",
        lambda i: {"HITId": i["h_unreviewed"]},
        RE,
        MT + "InvalidHITState",
    ),
    Case(
        "DeleteHIT",
        "unassignable",
        lambda i: {"HITId": i["h_expired_busy"]},
        RE,
        MT + "InvalidHITState",
    ),
    Case("DeleteHIT", "unknown", lambda i: {"HITId": BAD}, RE, MT + "HITDoesNotExist"),
    Case("DeleteHIT", "others", lambda i: {"HITId": i["hb"]}, RE, MT + "HITDoesNotExist"),
    Case("DeleteHIT", "other-world", lambda i: {"HITId": i["ph_done"]}, RE, MT + "HITDoesNotExist"),
    # -- DeleteQualificationType
    Case(
        "DeleteQualificationType",
        "unknown",
        lambda i: {"QualificationTypeId": BAD},
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "DeleteQualificationType",
        "deleted",
        lambda i: {"QualificationTypeId": i["q_deleted"]},
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "DeleteQualificationType",
        "others",
        lambda i: {"QualificationTypeId": i["qb"]},
        RE,
        MT + "PermissionDenied",
    ),
    Case(
        "DeleteQualificationType",
        "system",
        lambda i: {"QualificationTypeId": i["q_system"]},
        RE,
        MT + "PermissionDenied",
    ),
    # -- DeleteWorkerBlock
    Case("DeleteWorkerBlock", "bad-worker-id", lambda i: {"WorkerId": "w1"}, VE),
    Case(
        "DeleteWorkerBlock",
        "strict-unknown-worker",
        lambda i: {"WorkerId": i["unknown_worker"]},
        PVE,
        strict=True,
    ),
    # -- DisassociateQualificationFromWorker
    Case(
        "DisassociateQualificationFromWorker",
        "never-granted",
        lambda i: {"QualificationTypeId": i["q_plain"], "WorkerId": i["w5"]},
        RE,
        MT + "QualificationDoesNotExist",
    ),
    Case(
        "DisassociateQualificationFromWorker",
        "revoked",
        lambda i: {"QualificationTypeId": i["q_plain"], "WorkerId": i["w2"]},
        RE,
        MT + "QualificationDoesNotExist",
    ),
    Case(
        "DisassociateQualificationFromWorker",
        "unknown-type",
        lambda i: {"QualificationTypeId": BAD, "WorkerId": i["w1"]},
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "DisassociateQualificationFromWorker",
        "others-type",
        lambda i: {"QualificationTypeId": i["qb"], "WorkerId": i["w1"]},
        RE,
        MT + "PermissionDenied",
    ),
    Case(
        "DisassociateQualificationFromWorker",
        "strict-unknown-worker",
        lambda i: {"QualificationTypeId": i["q_plain"], "WorkerId": i["unknown_worker"]},
        PVE,
        strict=True,
    ),
    # -- GetAccountBalance: nothing a client can send fails it; an injected fault must not
    #    change anything either (see test_injected_fault_changes_nothing).
    # -- GetAssignment
    Case(
        "GetAssignment",
        "unknown",
        lambda i: {"AssignmentId": BAD},
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    Case(
        "GetAssignment",
        "in-progress",
        lambda i: {"AssignmentId": i["a_inprogress"]},
        RE,
        MT + "InvalidAssignmentState",
    ),
    Case(
        "GetAssignment",
        "returned",
        lambda i: {"AssignmentId": i["a_returned"]},
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    Case(
        "GetAssignment",
        "others",
        lambda i: {"AssignmentId": i["a_submitted"]},
        RE,
        MT + "AssignmentDoesNotExist",
        who="b",
    ),
    # -- GetFileUploadURL
    Case(
        "GetFileUploadURL",
        "not-an-upload-question",
        lambda i: {"AssignmentId": i["a_upload"], "QuestionIdentifier": "caption"},
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "GetFileUploadURL",
        "no-file",
        lambda i: {"AssignmentId": i["a_upload_nofile"], "QuestionIdentifier": "photo"},
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "GetFileUploadURL",
        "unknown",
        lambda i: {"AssignmentId": BAD, "QuestionIdentifier": "photo"},
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    Case(
        "GetFileUploadURL",
        "in-progress",
        lambda i: {"AssignmentId": i["a_inprogress"], "QuestionIdentifier": "photo"},
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    # -- GetHIT
    Case("GetHIT", "unknown", lambda i: {"HITId": BAD}, RE, MT + "HITDoesNotExist"),
    Case("GetHIT", "others", lambda i: {"HITId": i["h_open"]}, RE, MT + "HITDoesNotExist", who="b"),
    Case(
        "GetHIT",
        "other-world",
        lambda i: {"HITId": i["h_open"]},
        RE,
        MT + "HITDoesNotExist",
        who="prod",
    ),
    Case("GetHIT", "bad-id", lambda i: {"HITId": "3abc"}, VE),
    Case("GetHIT", "id-too-long", lambda i: {"HITId": "3" * 65}, VE),
    # -- GetQualificationScore
    Case(
        "GetQualificationScore",
        "unknown-type",
        lambda i: {"QualificationTypeId": BAD, "WorkerId": i["w1"]},
        RE,
        MT + "QualificationDoesNotExist",
    ),
    Case(
        "GetQualificationScore",
        "others-type",
        lambda i: {"QualificationTypeId": i["qb"], "WorkerId": i["w1"]},
        RE,
        MT + "PermissionDenied",
    ),
    Case(
        "GetQualificationScore",
        "never-granted",
        lambda i: {"QualificationTypeId": i["q_plain"], "WorkerId": i["w5"]},
        RE,
        MT + "QualificationDoesNotExist",
    ),
    Case(
        "GetQualificationScore",
        "revoked",
        lambda i: {"QualificationTypeId": i["q_plain"], "WorkerId": i["w2"]},
        RE,
        MT + "InvalidQualificationState",
    ),
    Case(
        "GetQualificationScore",
        "strict-unknown-worker",
        lambda i: {"QualificationTypeId": i["q_plain"], "WorkerId": i["unknown_worker"]},
        PVE,
        strict=True,
    ),
    # -- GetQualificationType
    Case(
        "GetQualificationType",
        "unknown",
        lambda i: {"QualificationTypeId": BAD},
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "GetQualificationType",
        "deleted",
        lambda i: {"QualificationTypeId": i["q_deleted"]},
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "GetQualificationType",
        "other-world",
        lambda i: {"QualificationTypeId": i["q_plain"]},
        RE,
        MT + "QualificationTypeDoesNotExist",
        who="prod",
    ),
    # -- ListAssignmentsForHIT
    Case("ListAssignmentsForHIT", "unknown", lambda i: {"HITId": BAD}, RE, MT + "HITDoesNotExist"),
    Case(
        "ListAssignmentsForHIT",
        "bad-token",
        lambda i: {"HITId": i["h_done"], "NextToken": "garbage!"},
        PVE,
        "AWS.ParameterOutOfRange",
    ),
    Case(
        "ListAssignmentsForHIT",
        "token-of-another-hit",
        lambda i: {"HITId": i["h_open"], "NextToken": TOKENS["ListAssignmentsForHIT"]},
        PVE,
    ),
    Case(
        "ListAssignmentsForHIT",
        "max-results",
        lambda i: {"HITId": i["h_done"], "MaxResults": 101},
        VE,
    ),
    Case(
        "ListAssignmentsForHIT",
        "status-enum",
        lambda i: {"HITId": i["h_done"], "AssignmentStatuses": ["Accepted"]},
        VE,
    ),
    # -- ListBonusPayments
    Case("ListBonusPayments", "neither", lambda i: {}, PVE, MT + "InvalidParameterValue"),
    Case(
        "ListBonusPayments",
        "both",
        lambda i: {"HITId": i["h_done"], "AssignmentId": i["a_approved"]},
        PVE,
    ),
    Case("ListBonusPayments", "unknown-hit", lambda i: {"HITId": BAD}, RE, MT + "HITDoesNotExist"),
    Case(
        "ListBonusPayments",
        "token-of-another-listing",
        lambda i: {"AssignmentId": i["a_approved"], "NextToken": TOKENS["ListBonusPayments"]},
        PVE,
    ),
    # -- ListHITs
    Case("ListHITs", "bad-token", lambda i: {"NextToken": "AAAA"}, PVE),
    Case(
        "ListHITs",
        "token-of-another-listing",
        lambda i: {"NextToken": TOKENS["ListWorkerBlocks"]},
        PVE,
    ),
    Case("ListHITs", "max-results", lambda i: {"MaxResults": 1000}, VE),
    # -- ListHITsForQualificationType
    Case(
        "ListHITsForQualificationType",
        "unknown",
        lambda i: {"QualificationTypeId": BAD},
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "ListHITsForQualificationType",
        "bad-token",
        lambda i: {"QualificationTypeId": i["q_plain"], "NextToken": TOKENS["ListHITs"]},
        PVE,
    ),
    # -- ListQualificationRequests
    Case(
        "ListQualificationRequests",
        "others-type",
        lambda i: {"QualificationTypeId": i["qb"]},
        RE,
        MT + "PermissionDenied",
    ),
    Case("ListQualificationRequests", "bad-token", lambda i: {"NextToken": "x"}, PVE),
    # -- ListQualificationTypes
    Case(
        "ListQualificationTypes",
        "bad-token",
        lambda i: {"MustBeRequestable": True, "NextToken": TOKENS["ListHITs"]},
        PVE,
    ),
    Case(
        "ListQualificationTypes",
        "max-results",
        lambda i: {"MustBeRequestable": False, "MaxResults": 101},
        VE,
    ),
    # -- ListReviewPolicyResultsForHIT
    Case(
        "ListReviewPolicyResultsForHIT",
        "unknown",
        lambda i: {"HITId": BAD},
        RE,
        MT + "HITDoesNotExist",
    ),
    Case(
        "ListReviewPolicyResultsForHIT",
        "level-enum",
        lambda i: {"HITId": i["h_policy"], "PolicyLevels": ["Worker"]},
        VE,
    ),
    # -- ListReviewableHITs
    Case("ListReviewableHITs", "bad-token", lambda i: {"NextToken": "%%%"}, PVE),
    Case("ListReviewableHITs", "status-enum", lambda i: {"Status": "Assignable"}, VE),
    # -- ListWorkerBlocks
    Case("ListWorkerBlocks", "bad-token", lambda i: {"NextToken": TOKENS["ListHITs"]}, PVE),
    # -- ListWorkersWithQualificationType
    Case(
        "ListWorkersWithQualificationType",
        "others",
        lambda i: {"QualificationTypeId": i["qb"]},
        RE,
        MT + "PermissionDenied",
    ),
    Case(
        "ListWorkersWithQualificationType",
        "unknown",
        lambda i: {"QualificationTypeId": BAD},
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "ListWorkersWithQualificationType",
        "bad-token",
        lambda i: {"QualificationTypeId": i["q_plain"], "NextToken": "abc"},
        PVE,
    ),
    Case(
        "ListWorkersWithQualificationType",
        "status-enum",
        lambda i: {"QualificationTypeId": i["q_plain"], "Status": "Pending"},
        VE,
    ),
    # -- NotifyWorkers
    Case(
        "NotifyWorkers",
        "too-many-workers",
        lambda i: {"Subject": "s", "MessageText": "m", "WorkerIds": [i["w1"]] * 101},
        PVE,
    ),
    Case(
        "NotifyWorkers",
        "no-workers",
        lambda i: {"Subject": "s", "MessageText": "m", "WorkerIds": []},
        PVE,
    ),
    Case(
        "NotifyWorkers",
        "subject-too-long",
        lambda i: {"Subject": "s" * 201, "MessageText": "m", "WorkerIds": [i["w1"]]},
        PVE,
    ),
    Case(
        "NotifyWorkers",
        "blank-message",
        lambda i: {"Subject": "s", "MessageText": " ", "WorkerIds": [i["w1"]]},
        PVE,
    ),
    Case(
        "NotifyWorkers",
        "message-too-long",
        lambda i: {"Subject": "s", "MessageText": "m" * 4097, "WorkerIds": [i["w1"]]},
        PVE,
    ),
    Case(
        "NotifyWorkers",
        "bad-worker-id",
        lambda i: {"Subject": "s", "MessageText": "m", "WorkerIds": ["nobody"]},
        VE,
    ),
    # -- RejectAssignment
    Case(
        "RejectAssignment",
        "in-progress",
        lambda i: {"AssignmentId": i["a_inprogress"], "RequesterFeedback": "f"},
        RE,
        MT + "InvalidAssignmentState",
    ),
    Case(
        "RejectAssignment",
        "approved",
        lambda i: {"AssignmentId": i["a_approved"], "RequesterFeedback": "f"},
        RE,
        MT + "InvalidAssignmentState",
    ),
    Case(
        "RejectAssignment",
        "unknown",
        lambda i: {"AssignmentId": BAD, "RequesterFeedback": "f"},
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    Case(
        "RejectAssignment",
        "others",
        lambda i: {"AssignmentId": i["ab_submitted"], "RequesterFeedback": "f"},
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    Case(
        "RejectAssignment",
        "feedback-too-long",
        lambda i: {"AssignmentId": i["a_submitted"], "RequesterFeedback": "f" * 1025},
        PVE,
    ),
    # -- RejectQualificationRequest
    Case(
        "RejectQualificationRequest",
        "unknown",
        lambda i: {"QualificationRequestId": BAD},
        RE,
        MT + "QualificationRequestDoesNotExist",
    ),
    Case(
        "RejectQualificationRequest",
        "processed",
        lambda i: {"QualificationRequestId": i["r_done"]},
        RE,
        MT + "InvalidQualificationRequestState",
    ),
    Case(
        "RejectQualificationRequest",
        "others",
        lambda i: {"QualificationRequestId": i["rb"]},
        RE,
        MT + "QualificationRequestDoesNotExist",
    ),
    # -- SendBonus
    Case(
        "SendBonus",
        "unknown-assignment",
        lambda i: {"WorkerId": i["w1"], "BonusAmount": "0.10", "AssignmentId": BAD, "Reason": "r"},
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    Case(
        "SendBonus",
        "unknown-assignment-new-worker",
        lambda i: {
            "WorkerId": "ANEVERSEENWORKER",
            "BonusAmount": "0.10",
            "AssignmentId": BAD,
            "Reason": "r",
        },
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    Case(
        "SendBonus",
        "wrong-worker-new-worker",
        lambda i: {
            "WorkerId": "ANEVERSEENWORKER",
            "BonusAmount": "0.10",
            "AssignmentId": i["a_approved"],
            "Reason": "r",
        },
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "SendBonus",
        "in-progress",
        lambda i: {
            "WorkerId": i["w1"],
            "BonusAmount": "0.10",
            "AssignmentId": i["a_inprogress"],
            "Reason": "r",
        },
        RE,
        MT + "AssignmentDoesNotExist",
    ),
    Case(
        "SendBonus",
        "unreviewed-other-worker",
        lambda i: {
            "WorkerId": i["w1"],
            "BonusAmount": "0.10",
            "AssignmentId": i["a_submitted"],
            "Reason": "r",
        },
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "SendBonus",
        "wrong-worker",
        lambda i: {
            "WorkerId": i["w2"],
            "BonusAmount": "0.10",
            "AssignmentId": i["a_approved"],
            "Reason": "r",
        },
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "SendBonus",
        "zero",
        lambda i: {
            "WorkerId": i["w1"],
            "BonusAmount": "0.00",
            "AssignmentId": i["a_approved"],
            "Reason": "r",
        },
        PVE,
    ),
    Case(
        "SendBonus",
        "amount-pattern",
        lambda i: {
            "WorkerId": i["w1"],
            "BonusAmount": "$1",
            "AssignmentId": i["a_approved"],
            "Reason": "r",
        },
        VE,
    ),
    Case(
        "SendBonus",
        "repeated-token",
        lambda i: {
            "WorkerId": i["w1"],
            "BonusAmount": "0.10",
            "AssignmentId": i["a_approved"],
            "Reason": "r",
            "UniqueRequestToken": "bonus-tok",
        },
        RE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "SendBonus",
        "insufficient-funds",
        lambda i: {
            "WorkerId": i["w1"],
            "BonusAmount": "0.50",
            "AssignmentId": i["pa_approved"],
            "Reason": "r",
        },
        RE,
        MT + "InsufficientFunds",
        who="prod",
    ),
    Case(
        "SendBonus",
        "strict-unknown-worker",
        lambda i: {
            "WorkerId": i["unknown_worker"],
            "BonusAmount": "0.10",
            "AssignmentId": i["a_approved"],
            "Reason": "r",
        },
        PVE,
        strict=True,
    ),
    # -- SendTestEventNotification
    Case(
        "SendTestEventNotification",
        "bad-destination",
        lambda i: {"Notification": {**EMAIL, "Destination": "nobody"}, "TestEventType": "Ping"},
        RE,
        MT + "InvalidTransportEndpoint",
    ),
    Case(
        "SendTestEventNotification",
        "bad-sqs",
        lambda i: {"Notification": {**EMAIL, "Transport": "SQS"}, "TestEventType": "Ping"},
        RE,
        MT + "InvalidTransportEndpoint",
    ),
    Case(
        "SendTestEventNotification",
        "bad-version",
        lambda i: {"Notification": {**EMAIL, "Version": "2020-01-01"}, "TestEventType": "Ping"},
        PVE,
    ),
    Case(
        "SendTestEventNotification",
        "no-event-types",
        lambda i: {"Notification": {**EMAIL, "EventTypes": []}, "TestEventType": "Ping"},
        PVE,
    ),
    Case(
        "SendTestEventNotification",
        "event-enum",
        lambda i: {"Notification": EMAIL, "TestEventType": "HITEaten"},
        VE,
    ),
    # -- UpdateExpirationForHIT
    Case(
        "UpdateExpirationForHIT",
        "unknown",
        lambda i: {"HITId": BAD, "ExpireAt": EPOCH},
        RE,
        MT + "HITDoesNotExist",
    ),
    Case(
        "UpdateExpirationForHIT",
        "disposed",
        lambda i: {"HITId": i["h_deleted"], "ExpireAt": EPOCH},
        RE,
        MT + "InvalidHITState",
    ),
    Case(
        "UpdateExpirationForHIT",
        "repeated",
        lambda i: {"HITId": i["h_expired"], "ExpireAt": EPOCH},
        RE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "UpdateExpirationForHIT",
        "increment-too-small",
        lambda i: {"HITId": i["h_open"], "ExpireAt": LATER(86_400 * 5 + 10)},
        PVE,
        "AWS.ParameterOutOfRange",
    ),
    Case(
        "UpdateExpirationForHIT",
        "increment-too-large",
        lambda i: {"HITId": i["h_open"], "ExpireAt": LATER(86_400 * 800)},
        PVE,
    ),
    Case(
        "UpdateExpirationForHIT",
        "insufficient-funds",
        lambda i: {"HITId": i["ph_expired"], "ExpireAt": LATER(86_400)},
        RE,
        MT + "InsufficientFunds",
        who="prod",
    ),
    # -- UpdateHITReviewStatus
    Case(
        "UpdateHITReviewStatus",
        "assignable",
        lambda i: {"HITId": i["h_open"]},
        RE,
        MT + "InvalidHITState",
    ),
    Case(
        "UpdateHITReviewStatus",
        "revert-not-reviewing",
        lambda i: {"HITId": i["h_done"], "Revert": True},
        RE,
        MT + "InvalidHITState",
    ),
    Case(
        "UpdateHITReviewStatus",
        "already-reviewing",
        lambda i: {"HITId": i["h_reviewing"]},
        RE,
        MT + "InvalidHITState",
    ),
    Case("UpdateHITReviewStatus", "unknown", lambda i: {"HITId": BAD}, RE, MT + "HITDoesNotExist"),
    # -- UpdateHITTypeOfHIT
    Case(
        "UpdateHITTypeOfHIT",
        "unknown-hit",
        lambda i: {"HITId": BAD, "HITTypeId": i["t_rich"]},
        RE,
        MT + "HITDoesNotExist",
    ),
    Case(
        "UpdateHITTypeOfHIT",
        "unknown-type",
        lambda i: {"HITId": i["h_open"], "HITTypeId": BAD},
        RE,
        MT + "HITTypeDoesNotExist",
    ),
    Case(
        "UpdateHITTypeOfHIT",
        "disposed",
        lambda i: {"HITId": i["h_deleted"], "HITTypeId": i["t_rich"]},
        RE,
        MT + "InvalidHITState",
    ),
    Case(
        "UpdateHITTypeOfHIT",
        "insufficient-funds",
        lambda i: {"HITId": i["ph_open"], "HITTypeId": i["pt_rich"]},
        RE,
        MT + "InsufficientFunds",
        who="prod",
    ),
    # -- UpdateNotificationSettings
    Case(
        "UpdateNotificationSettings",
        "unknown-type",
        lambda i: {"HITTypeId": BAD, "Active": True},
        RE,
        MT + "HITTypeDoesNotExist",
    ),
    Case(
        "UpdateNotificationSettings",
        "neither",
        lambda i: {"HITTypeId": i["t_plain"]},
        PVE,
        MT + "InvalidParameterValue",
    ),
    Case(
        "UpdateNotificationSettings",
        "active-without-spec",
        lambda i: {"HITTypeId": i["t_rich"], "Active": True},
        PVE,
    ),
    Case(
        "UpdateNotificationSettings",
        "ping",
        lambda i: {"HITTypeId": i["t_plain"], "Notification": {**EMAIL, "EventTypes": ["Ping"]}},
        PVE,
    ),
    Case(
        "UpdateNotificationSettings",
        "bad-destination",
        lambda i: {"HITTypeId": i["t_plain"], "Notification": {**EMAIL, "Transport": "SNS"}},
        RE,
        MT + "InvalidTransportEndpoint",
    ),
    # -- UpdateQualificationType
    Case(
        "UpdateQualificationType",
        "others",
        lambda i: {"QualificationTypeId": i["qb"], "Description": "x"},
        RE,
        MT + "PermissionDenied",
    ),
    Case(
        "UpdateQualificationType",
        "deleted",
        lambda i: {"QualificationTypeId": i["q_deleted"], "Description": "x"},
        RE,
        MT + "QualificationTypeDoesNotExist",
    ),
    Case(
        "UpdateQualificationType",
        "test-without-duration",
        lambda i: {"QualificationTypeId": i["q_plain"], "Test": TEST_FORM, "Description": "x"},
        PVE,
    ),
    Case(
        "UpdateQualificationType",
        "key-without-test",
        lambda i: {"QualificationTypeId": i["q_test"], "AnswerKey": ANSWER_KEY},
        PVE,
    ),
    Case(
        "UpdateQualificationType",
        "auto-with-test",
        lambda i: {"QualificationTypeId": i["q_test"], "AutoGranted": True},
        PVE,
    ),
    Case(
        "UpdateQualificationType",
        "bad-test",
        lambda i: {
            "QualificationTypeId": i["q_plain"],
            "Test": "<QuestionForm/>",
            "TestDurationInSeconds": 5,
            "QualificationTypeStatus": "Inactive",
        },
        PVE,
        MT + "XMLParseError",
    ),
    Case(
        "UpdateQualificationType",
        "retry-negative",
        lambda i: {"QualificationTypeId": i["q_plain"], "RetryDelayInSeconds": -5},
        PVE,
    ),
]


@pytest.fixture(scope="module")
def strict_fake(scenario: Scenario) -> MTurkFake:
    """The scenario as a state dump, loaded into a fake with ``strict_workers=True``."""
    return MTurkFake.load_state(scenario.fake.dump_state(), strict_workers=True)


def test_every_operation_has_failing_cases() -> None:
    covered = {case.operation for case in CASES} | {"GetAccountBalance"}
    assert covered == set(OPERATION_NAMES)
    assert len(OPERATION_NAMES) == 39
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_failing_call_changes_nothing(
    case: Case, scenario: Scenario, strict_fake: MTurkFake
) -> None:
    scenario.reset()
    TOKENS.update(scenario.tokens)
    fake = scenario.fake
    client = scenario.client(case.who)
    if case.strict:
        scenario.fake.stop()
        fake = strict_fake.start()
        client = make_client(KEY_A, SANDBOX)
    try:
        fake.process_due()
        LATER.now = fake.clock.now().timestamp()
        params = case.params(scenario.ids)
        raw = RawCapture(client)
        before = state_of(fake)
        with pytest.raises(ClientError) as excinfo:
            call(client, case.operation, params)
        after = state_of(fake)
        error = excinfo.value.response["Error"]
        assert error["Code"] == case.code, error
        if case.turk is not None:
            assert json.loads(raw.body or b"{}").get("TurkErrorCode") == case.turk, error
        assert after == before, f"{case.operation} failed with {error} but changed the state"
        assert not fake.internal_errors
        fake.check_invariants()
    finally:
        if case.strict:
            strict_fake.stop()
            scenario.fake.start()


def test_injected_fault_changes_nothing(scenario: Scenario) -> None:
    """GetAccountBalance fails only through an injected fault; nothing else may move."""
    scenario.reset()
    fake = scenario.fake
    before = state_of(fake)
    for operation, params in (("GetAccountBalance", {}), ("CreateHIT", None)):
        fake.faults.add(operation, error="ServiceFault", times=1)
        with pytest.raises(ClientError) as excinfo:
            call(scenario.a, operation, params if params is not None else new_hit())
        assert excinfo.value.response["Error"]["Code"] == "ServiceFault"
    assert state_of(fake) == before
    fake.faults.clear()


# ----------------------------------------------------------------------------- worker refusals

WorkerCase = tuple[str, str, Callable[[Scenario], None], str]


def _accept(worker: str, hit: str) -> Callable[[Scenario], None]:
    return lambda s: s.workers[worker].accept(s.ids.get(hit, hit))


def _submit(worker: str, assignment: str, answers: Any = None) -> Callable[[Scenario], None]:
    return lambda s: s.workers[worker].submit(s.ids[assignment], answers)


def _return(worker: str, assignment: str) -> Callable[[Scenario], None]:
    return lambda s: s.workers[worker].return_assignment(s.ids[assignment])


def _request(worker: str, qtype: str, answers: Any = None, **kw: Any) -> Callable[[Scenario], None]:
    def run(s: Scenario) -> None:
        if "started_ago" in kw:
            started = s.fake.clock.now() - dt.timedelta(seconds=kw["started_ago"])
            s.workers[worker].request_qualification(s.ids[qtype], answers, started_at=started)
        else:
            s.workers[worker].request_qualification(s.ids.get(qtype, qtype), answers)

    return run


WORKER_CASES: list[WorkerCase] = [
    ("accept", "unknown-hit", _accept("w1", BAD), "not_found"),
    ("accept", "deleted-hit", _accept("w5", "h_deleted"), "not_found"),
    ("accept", "expired", _accept("w5", "h_expired"), "expired"),
    ("accept", "already-accepted", _accept("w1", "h_open"), "already_accepted"),
    ("accept", "blocked", _accept("w4", "h_open"), "blocked"),
    ("accept", "requirement", _accept("w3", "h_req"), "requirement"),
    ("accept", "full", _accept("w5", "h_done"), "full"),
    ("submit", "not-own", _submit("w2", "a_inprogress"), "not_found"),
    ("submit", "not-in-progress", _submit("w1", "a_approved"), "state"),
    ("submit", "unknown-question", _submit("w5", "a_form_inprogress", {"nope": "x"}), "answers"),
    (
        "submit",
        "not-a-selection",
        _submit("w5", "a_form_inprogress", {"label": "horse"}),
        "answers",
    ),
    ("submit", "bad-xml", _submit("w5", "a_form_inprogress", "<QuestionFormAnswers"), "answers"),
    (
        "submit",
        "control-character",
        _submit("w5", "a_form_inprogress", {"label": "cat", "comment": "\x00"}),
        "answers",
    ),
    ("return", "not-in-progress", _return("w1", "a_approved"), "state"),
    ("return", "not-own", _return("w2", "a_inprogress"), "not_found"),
    ("request_qualification", "unknown", _request("w1", BAD), "not_found"),
    ("request_qualification", "system", _request("w1", "q_system"), "not_requestable"),
    ("request_qualification", "inactive", _request("w1", "q_inactive"), "inactive"),
    ("request_qualification", "deleted", _request("w1", "q_deleted"), "not_found"),
    ("request_qualification", "no-retake", _request("w3", "q_plain"), "no_retake"),
    (
        "request_qualification",
        "retry-delay",
        _request("w1", "q_test_nokey", {"q1": "a", "q2": "x"}),
        "retry_delay",
    ),
    (
        "request_qualification",
        "answers-without-test",
        _request("w2", "q_plain", {"q1": "a"}),
        "answers",
    ),
    ("request_qualification", "bad-answers", _request("w2", "q_test", {"q1": "zzz"}), "answers"),
    ("request_qualification", "bad-answers-xml", _request("w2", "q_test", "<nope/>"), "answers"),
    (
        "request_qualification",
        "required-unanswered",
        _request("w2", "q_test", {"q1": "a"}),
        "answers",
    ),
    (
        "request_qualification",
        "too-slow",
        _request("w2", "q_test", {"q1": "a", "q2": "y"}, started_ago=3600),
        "test_duration",
    ),
]


@pytest.mark.parametrize(
    ("action", "label", "act", "reason"), WORKER_CASES, ids=[f"{c[0]}-{c[1]}" for c in WORKER_CASES]
)
def test_a_refused_worker_action_changes_nothing(
    scenario: Scenario, action: str, label: str, act: Callable[[Scenario], None], reason: str
) -> None:
    scenario.reset()
    fake = scenario.fake
    fake.process_due()
    before = state_of(fake)
    with pytest.raises(WorkerActionError) as excinfo:
        act(scenario)
    assert excinfo.value.reason == reason, str(excinfo.value)
    assert state_of(fake) == before, f"refused {action} ({label}) changed the state"
    fake.check_invariants()


def test_record_atomicity_numbers() -> None:
    record(
        "atomicity",
        atomicity_cases=len(CASES),
        atomicity_worker_cases=len(WORKER_CASES),
        atomicity_operations=len({c.operation for c in CASES} | {"GetAccountBalance"}),
    )


@pytest.mark.parametrize("endpoint", [SANDBOX, "https://mturk.first-contact.example"])
def test_a_new_requesters_failing_first_call_changes_nothing(
    scenario: Scenario, endpoint: str
) -> None:
    """Regression: the world a requester's first call creates is taken back if the call fails
    (it used to stay, with the ids drawn for it)."""
    scenario.reset()
    fake = scenario.fake
    newcomer = make_client("AKIAPYTESTNEWCOMER01", endpoint)
    before = state_of(fake)
    with pytest.raises(ClientError):
        newcomer.get_hit(HITId=BAD)
    assert state_of(fake) == before
    newcomer.get_account_balance()  # a successful first call does make the world
    assert state_of(fake) != before
    fake.check_invariants()
