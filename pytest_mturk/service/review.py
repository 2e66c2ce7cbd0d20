"""Review policies (reference §7): ScoreMyKnownAnswers on each submitted assignment,
SimplePlurality when a HIT becomes Reviewable, and ListReviewPolicyResultsForHIT."""

from __future__ import annotations

from typing import Any

from pytest_mturk.errors import ParameterValidationError
from pytest_mturk.service.model import HIT, REJECTED, SUBMITTED, Assignment
from pytest_mturk.service.render import ts
from pytest_mturk.service.state import Params, Service, operation, require_hit
from pytest_mturk.service.world import World

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


def _pve(message: str, parameter: str) -> ParameterValidationError:
    # [unconfirmed] wording for review-policy parameter errors.
    return ParameterValidationError(message, parameter, "AWS.MechanicalTurk.InvalidParameterValue")


def check_policy(slot: str, policy: dict[str, Any]) -> None:
    """Refuse a policy in the wrong slot, unknown or missing parameters, out-of-range numbers."""
    name = policy["PolicyName"]
    expected = SCORE_MY_KNOWN_ANSWERS if slot == "AssignmentReviewPolicy" else SIMPLE_PLURALITY
    if name != expected:
        raise _pve(
            f"The value {name} is invalid for {slot}. The only policy it takes is {expected}.",
            "PolicyName",
        )
    known = _KNOWN[name]
    given: dict[str, dict[str, Any]] = {}
    for param in policy.get("Parameters") or []:
        # Key is optional in the input shape; a parameter without one, or one given twice
        # (the engine reads the first, the checks would read the last), is refused.
        key = param.get("Key")
        if key is None:
            raise _pve(f"Every parameter of the {name} policy needs a Key.", "Key")
        if key in given:
            raise _pve(f"The parameter {key} is given more than once.", key)
        given[key] = param
    for key, param in given.items():
        if key not in known:
            raise _pve(f"{key} is not a parameter of the {name} policy.", key)
        bounds = known[key]
        if bounds is not None:
            values = param.get("Values") or []
            try:
                number = int(values[0])
            except (IndexError, ValueError):
                raise _pve(f"The parameter {key} needs one integer value.", key) from None
            lo, hi = bounds
            if not lo <= number <= hi:
                raise _pve(
                    f"The value {number} is invalid for {key}. "
                    f"Valid values range from {lo} to {hi}.",
                    key,
                )
    for key in _REQUIRED[name]:
        if key not in given:
            raise _pve(f"The {name} policy needs the parameter {key}.", key)
    if name == SCORE_MY_KNOWN_ANSWERS:
        entries = given["AnswerKey"].get("MapEntries")
        if not entries:
            raise _pve("The AnswerKey parameter needs MapEntries.", "AnswerKey")
        if any(e.get("Key") is None for e in entries):
            raise _pve("Every MapEntry of the AnswerKey parameter needs a Key.", "AnswerKey")


def _param(policy: dict[str, Any], key: str) -> list[str] | None:
    for p in policy.get("Parameters") or []:
        if p["Key"] == key:
            return list(p.get("Values") or [])
    return None


def _first(policy: dict[str, Any], key: str) -> str | None:
    values = _param(policy, key)
    return values[0] if values else None


def _int(policy: dict[str, Any], key: str, default: int | None = None) -> int | None:
    values = _param(policy, key)
    return int(values[0]) if values else default


def _answers(a: Assignment) -> dict[str, frozenset[str]]:
    from pytest_mturk.questions import parse_answers_xml

    try:
        parsed = parse_answers_xml(a.answer or "")
    except ValueError:
        return {}
    out: dict[str, frozenset[str]] = {}
    for qid, value in parsed.items():
        values = [value] if isinstance(value, str) else value
        out[qid] = frozenset(v.strip() for v in values if v.strip() and len(v.strip()) <= 256)
    return out


class ReviewEngine:
    """Runs the policies; registered on the service's submit / reviewable hooks."""

    def __init__(self, svc: Service) -> None:
        self.svc = svc

    def _result(
        self, hit: HIT, subject: str, kind: str, key: str, value: str, qid: str | None = None
    ) -> None:
        r: dict[str, Any] = {
            "ActionId": self.svc.new_id(),
            "SubjectId": subject,
            "SubjectType": kind,
        }
        if qid is not None:
            r["QuestionId"] = qid
        r["Key"] = key
        r["Value"] = value
        (hit.review_results if kind == "Assignment" else hit.hit_review_results).append(r)

    def _action(
        self,
        hit: HIT,
        level: str,
        name: str,
        target: str,
        kind: str,
        at: float,
        result: str,
        status: str = "Succeeded",
        error: str | None = None,
    ) -> None:
        act: dict[str, Any] = {
            "ActionId": self.svc.new_id(),
            "ActionName": name,
            "TargetId": target,
            "TargetType": kind,
            "Status": status,
            "CompleteTime": ts(at),
            "Result": result,
        }
        if error is not None:
            act["ErrorCode"] = error
        (hit.review_actions if level == "Assignment" else hit.hit_review_actions).append(act)

    def _decide(
        self,
        hit: HIT,
        level: str,
        a: Assignment,
        at: float,
        approve: bool,
        reject: bool,
        approve_reason: str | None,
        reject_reason: str | None,
    ) -> None:
        if approve:
            if a.status == SUBMITTED:
                self.svc.approve(a, at, approve_reason)
                self._action(hit, level, "approve", a.id, "Assignment", at, "Approved")
            else:
                self._action(
                    hit,
                    level,
                    "approve",
                    a.id,
                    "Assignment",
                    at,
                    f"Already {a.status.lower()}",
                    *(
                        ()
                        if a.status != REJECTED
                        else ("Failed", "AWS.MechanicalTurk.InvalidAssignmentState")
                    ),
                )
        elif reject:
            if a.status == SUBMITTED:
                self.svc.reject(a, at, reject_reason or "")
                self._action(hit, level, "reject", a.id, "Assignment", at, "Rejected")
            else:
                self._action(
                    hit,
                    level,
                    "reject",
                    a.id,
                    "Assignment",
                    at,
                    "Assignment was in an invalid state for this operation.",
                    "Failed",
                    "AWS.MechanicalTurk.InvalidAssignmentState",
                )

    def _judge(
        self,
        hit: HIT,
        level: str,
        a: Assignment,
        at: float,
        policy: dict[str, Any],
        score: int,
        measure: str,
    ) -> None:
        """Approve when ``score`` is at least Approve-If-<measure>-Is-At-Least, reject when it
        is below Reject-If-<measure>-Is-Less-Than (the policy's own parameter names)."""
        approve_at = _int(policy, f"ApproveIf{measure}IsAtLeast")
        reject_below = _int(policy, f"RejectIf{measure}IsLessThan")
        self._decide(
            hit,
            level,
            a,
            at,
            approve_at is not None and score >= approve_at,
            reject_below is not None and score < reject_below,
            _first(policy, "ApproveReason"),
            _first(policy, "RejectReason"),
        )

    def _maybe_extend(
        self, hit: HIT, level: str, at: float, policy: dict[str, Any], score: int, measure: str
    ) -> None:
        extend_below = _int(policy, f"ExtendIf{measure}IsLessThan")
        if extend_below is not None and score < extend_below:
            self._extend(
                hit,
                level,
                at,
                _int(policy, "ExtendMaximumAssignments", 5) or 5,
                _int(policy, "ExtendMinimumTimeInSeconds"),
            )

    def _extend(self, hit: HIT, level: str, at: float, cap: int, min_time: int | None) -> None:
        if hit.review_extensions >= cap or (hit.max_assignments < 10 <= hit.max_assignments + 1):
            self._action(hit, level, "extend", hit.id, "HIT", at, "Maximum extensions reached")
            return
        if not hit.world.is_sandbox and (self.svc.slot_cost(hit) > hit.world.available_balance()):
            self._action(
                hit,
                level,
                "extend",
                hit.id,
                "HIT",
                at,
                "Insufficient funds",
                "Failed",
                "AWS.MechanicalTurk.InsufficientFunds",
            )
            return
        hit.review_extensions += 1
        hit.max_assignments += 1
        hit.available += 1
        if min_time is not None and hit.expiration < at + min_time:
            hit.expiration = at + min_time
            hit.expired = False
            self.svc.schedule_expiry(hit)
        self.svc.reopen(hit, at)
        self.svc.emit(hit, "HITExtended", at)
        self._action(hit, level, "extend", hit.id, "HIT", at, "Extended by one assignment")

    # -- ScoreMyKnownAnswers: once per submitted assignment

    def on_submitted(self, a: Assignment, at: float) -> None:
        hit = a.hit
        policy = hit.assignment_review_policy
        if policy is None:
            return
        key_param = next(p for p in policy["Parameters"] if p["Key"] == "AnswerKey")
        key = {
            e["Key"]: frozenset(v.strip() for v in e.get("Values") or [])
            for e in key_param["MapEntries"]
        }
        given = _answers(a)
        correct = 0
        for qid, right in key.items():
            ok = bool(right) and given.get(qid) == right
            correct += ok
            self._result(hit, a.id, "Assignment", "KnownAnswerCorrect", "1" if ok else "0", qid)
        score = correct * 100 // len(key) if key else 0
        self._result(hit, a.id, "Assignment", "KnownAnswerScore", str(score))
        a.known_answer_score = score
        n = len(key)
        what = "one known answer" if n == 1 else f"{n} known answers"
        self._action(
            hit,
            "Assignment",
            "review",
            a.id,
            "Assignment",
            at,
            f"Reviewed {what}; {correct}/{n} correct",
        )
        self._judge(hit, "Assignment", a, at, policy, score, "KnownAnswerScore")
        self._maybe_extend(hit, "Assignment", at, policy, score, "KnownAnswerScore")

    # -- SimplePlurality: when the HIT becomes Reviewable

    def on_reviewable(self, hit: HIT, at: float) -> None:
        policy = hit.hit_review_policy
        if policy is None:
            return
        qids = _param(policy, "QuestionIds") or []
        threshold = _int(policy, "QuestionAgreementThreshold", 0) or 0
        skip_rejected = (_param(policy, "DisregardAssignmentIfRejected") or ["false"])[
            0
        ].lower() == "true"
        min_known = _int(policy, "DisregardAssignmentIfKnownAnswerScoreIsLessThan")
        considered = [
            a
            for a in hit.assignments
            if not (skip_rejected and a.status == REJECTED)
            and not (
                min_known is not None
                and a.known_answer_score is not None
                and a.known_answer_score < min_known
            )
        ]
        answers = {a.id: _answers(a) for a in considered}
        agreed: dict[str, frozenset[str]] = {}
        evaluated = 0
        for qid in qids:
            votes: dict[frozenset[str], int] = {}
            for given in answers.values():
                value = given.get(qid)
                if value:
                    votes[value] = votes.get(value, 0) + 1
            if not votes:
                continue
            evaluated += 1
            best, count = max(votes.items(), key=lambda kv: kv[1])
            score = count * 100 // sum(votes.values())
            found = score >= threshold and list(votes.values()).count(count) == 1
            self._result(hit, hit.id, "HIT", "AgreedAnswerFound", "true" if found else "false", qid)
            self._result(hit, hit.id, "HIT", "AnswerAgreementScore", str(score), qid)
            if found:
                agreed[qid] = best
                self._result(hit, hit.id, "HIT", "AgreedAnswer", "|".join(sorted(best)), qid)
        hit_score = len(agreed) * 100 // evaluated if evaluated else 0
        self._result(hit, hit.id, "HIT", "HitAgreementScore", str(hit_score))
        for a in considered:
            given = answers[a.id]
            relevant = [q for q in agreed if given.get(q)]
            right = sum(given[q] == agreed[q] for q in relevant)
            worker_score = right * 100 // len(relevant) if relevant else 0
            self._result(hit, a.id, "Assignment", "WorkerAgreementScore", str(worker_score))
            self._result(hit, a.id, "Assignment", "PluralityAnswersCorrect", str(right))
            self._result(
                hit, a.id, "Assignment", "PluralityAnswersIncorrect", str(len(relevant) - right)
            )
            if relevant:
                self._judge(hit, "HIT", a, at, policy, worker_score, "WorkerAgreementScore")
        self._maybe_extend(hit, "HIT", at, policy, hit_score, "HITAgreementScore")


@operation("ListReviewPolicyResultsForHIT")
def list_review_policy_results_for_hit(
    svc: Service, world: World, params: Params
) -> dict[str, Any]:
    hit = require_hit(svc, world, params["HITId"])
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
