"""Review policies (the API reference's HIT and Assignment review policies): the check of a policy
given to CreateHIT, and
ListReviewPolicyResultsForHIT. The policies run in :mod:`.review_engine`."""

from __future__ import annotations

from typing import Any

from pytest_mturk.service import errors
from pytest_mturk.service.model import World
from pytest_mturk.service.state import Params, Service, operation, require_hit

SCORE_MY_KNOWN_ANSWERS = "ScoreMyKnownAnswers/2011-09-01"
SIMPLE_PLURALITY = "SimplePlurality/2011-09-01"

_KNOWN = {
    SCORE_MY_KNOWN_ANSWERS: {
        "AnswerKey": None,
        "ApproveIfKnownAnswerScoreIsAtLeast": (0, 101),
        "ApproveReason": None,
        "RejectIfKnownAnswerScoreIsLessThan": (0, 101),
        "RejectReason": None,
        "ExtendIfKnownAnswerScoreIsLessThan": (0, 101),
        "ExtendMaximumAssignments": (2, 25),
        "ExtendMinimumTimeInSeconds": (60, 31_536_000),
    },
    SIMPLE_PLURALITY: {
        "QuestionIds": None,
        "QuestionAgreementThreshold": (0, 100),
        "DisregardAssignmentIfRejected": None,
        "DisregardAssignmentIfKnownAnswerScoreIsLessThan": (0, 101),
        "ExtendIfHITAgreementScoreIsLessThan": (1, 100),
        "ExtendMaximumAssignments": (2, 25),
        "ExtendMinimumTimeInSeconds": (3600, 31_536_000),
        "ApproveIfWorkerAgreementScoreIsAtLeast": (0, 101),
        "ApproveReason": None,
        "RejectIfWorkerAgreementScoreIsLessThan": (0, 101),
        "RejectReason": None,
    },
}
_REQUIRED = {
    SCORE_MY_KNOWN_ANSWERS: ("AnswerKey",),
    SIMPLE_PLURALITY: ("QuestionIds", "QuestionAgreementThreshold"),
}


def check_policy(slot: str, policy: dict[str, Any]) -> None:
    """Refuse a policy in the wrong slot, unknown or missing parameters, out-of-range numbers."""
    name = policy["PolicyName"]
    expected = SCORE_MY_KNOWN_ANSWERS if slot == "AssignmentReviewPolicy" else SIMPLE_PLURALITY
    if name != expected:
        raise errors.PolicyInWrongSlot(name, slot, expected)
    known = _KNOWN[name]
    given: dict[str, dict[str, Any]] = {}
    for param in policy.get("Parameters") or []:
        # Key is optional in the input shape; a parameter without one, or one given twice
        # (the engine reads the first, the checks would read the last), is refused.
        key = param.get("Key")
        if key is None:
            raise errors.PolicyParameterWithoutKey(name)
        if key in given:
            raise errors.PolicyParameterRepeated(key)
        given[key] = param
    for key, param in given.items():
        if key not in known:
            raise errors.UnknownPolicyParameter(key, name)
        bounds = known[key]
        if bounds is not None:
            values = param.get("Values") or []
            try:
                number = int(values[0])
            except (IndexError, ValueError):
                raise errors.PolicyParameterNotInteger(key) from None
            lo, hi = bounds
            if not lo <= number <= hi:
                raise errors.PolicyParameterOutOfRange(number, key, lo, hi)
    for key in _REQUIRED[name]:
        if key not in given:
            raise errors.PolicyParameterMissing(name, key)
    if name == SCORE_MY_KNOWN_ANSWERS:
        entries = given["AnswerKey"].get("MapEntries")
        if not entries:
            raise errors.AnswerKeyWithoutMapEntries()
        if any(e.get("Key") is None for e in entries):
            raise errors.MapEntryWithoutKey()


@operation("ListReviewPolicyResultsForHIT")
def list_review_policy_results_for_hit(
    svc: Service, world: World, params: Params
) -> dict[str, Any]:
    hit = require_hit(world, params["HITId"])
    levels = set(params.get("PolicyLevels") or ("Assignment", "HIT"))
    results = params.get("RetrieveResults", True) is not False
    actions = params.get("RetrieveActions", True) is not False
    out: dict[str, Any] = {"HITId": hit.id}
    if hit.assignment_review_policy is not None:
        out["AssignmentReviewPolicy"] = {"PolicyName": hit.assignment_review_policy["PolicyName"]}
    if hit.hit_review_policy is not None:
        out["HITReviewPolicy"] = {"PolicyName": hit.hit_review_policy["PolicyName"]}
    for level, res, act, key in (
        ("Assignment", hit.review_results, hit.review_actions, "AssignmentReviewReport"),
        ("HIT", hit.hit_review_results, hit.hit_review_actions, "HITReviewReport"),
    ):
        if level in levels:
            report: dict[str, Any] = {}
            if results:
                report["ReviewResults"] = list(res)
            if actions:
                report["ReviewActions"] = list(act)
            out[key] = report
    return out
