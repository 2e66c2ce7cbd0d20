"""The review policy engine (the API reference's review policies): ScoreMyKnownAnswers on each
submitted assignment,
SimplePlurality when a HIT becomes Reviewable, their results and actions.

The engine drives the service through :class:`ReviewTarget`, so it sits below the service that
holds it (the policies' parameters are checked at CreateHIT by :mod:`.review`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from pytest_mturk.service.errors import InsufficientFunds, InvalidAssignmentState
from pytest_mturk.service.model import FAILED, HIT, REJECTED, SUBMITTED, SUCCEEDED, Assignment
from pytest_mturk.service.question_xml import answer_sets
from pytest_mturk.service.render import ts


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


class ReviewTarget(Protocol):
    """The transitions of the service that the engine drives (the Service provides them)."""

    def new_id(self, length: int = ..., first: str = ...) -> str: ...

    def approve(self, a: Assignment, at: float, feedback: str | None, auto: bool = ...) -> None: ...

    def reject(self, a: Assignment, at: float, feedback: str) -> None: ...

    def slot_cost(self, hit: HIT) -> Decimal: ...

    def extend(
        self, hit: HIT, at: float, *, more: int = ..., until: float | None = ...
    ) -> None: ...


class ReviewEngine:
    """Runs the policies: the service calls ``on_submitted`` for each submitted assignment of a
    HIT with an AssignmentReviewPolicy, ``on_reviewable`` when a HIT with a HITReviewPolicy
    becomes Reviewable."""

    def __init__(self, svc: ReviewTarget) -> None:
        self.svc = svc

    def _result(
        self,
        hit: HIT,
        level: str,
        subject: str,
        kind: str,
        key: str,
        value: str,
        qid: str | None = None,
    ) -> None:
        """Record a result of the policy at ``level`` about ``subject`` (a ``kind``).

        The report is the policy's level, not the subject's kind: "HIT-level Review Policies
        will often emit results about both the HIT itself and its Assignments" (the API model's
        ReviewResultDetail.SubjectId), so SimplePlurality's WorkerAgreementScore of an
        assignment is in the HITReviewReport."""
        r: dict[str, Any] = {
            "ActionId": self.svc.new_id(),
            "SubjectId": subject,
            "SubjectType": kind,
        }
        if qid is not None:
            r["QuestionId"] = qid
        r["Key"] = key
        r["Value"] = value
        (hit.review_results if level == "Assignment" else hit.hit_review_results).append(r)

    def _action(
        self,
        hit: HIT,
        level: str,
        name: str,
        target: str,
        kind: str,
        at: float,
        result: str,
        status: str = SUCCEEDED,
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
                    *(() if a.status != REJECTED else (FAILED, InvalidAssignmentState.CODE)),
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
                    FAILED,
                    InvalidAssignmentState.CODE,
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
                FAILED,
                InsufficientFunds.CODE,
            )
            return
        hit.review_extensions += 1
        until = None  # the expiry moves only to give the new assignment min_time to be done
        if min_time is not None and hit.expiration < at + min_time:
            until = at + min_time
        self.svc.extend(hit, at, more=1, until=until)
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
        given = answer_sets(a.answer or "")
        correct = 0
        for qid, right in key.items():
            ok = bool(right) and given.get(qid) == right
            correct += ok
            self._result(
                hit, "Assignment", a.id, "Assignment", "KnownAnswerCorrect", "1" if ok else "0", qid
            )
        score = correct * 100 // len(key) if key else 0
        self._result(hit, "Assignment", a.id, "Assignment", "KnownAnswerScore", str(score))
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
        answers = {a.id: answer_sets(a.answer or "") for a in considered}
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
            self._result(
                hit, "HIT", hit.id, "HIT", "AgreedAnswerFound", "true" if found else "false", qid
            )
            self._result(hit, "HIT", hit.id, "HIT", "AnswerAgreementScore", str(score), qid)
            if found:
                agreed[qid] = best
                self._result(hit, "HIT", hit.id, "HIT", "AgreedAnswer", "|".join(sorted(best)), qid)
        hit_score = len(agreed) * 100 // evaluated if evaluated else 0
        self._result(hit, "HIT", hit.id, "HIT", "HitAgreementScore", str(hit_score))
        for a in considered:
            given = answers[a.id]
            relevant = [q for q in agreed if given.get(q)]
            right = sum(given[q] == agreed[q] for q in relevant)
            worker_score = right * 100 // len(relevant) if relevant else 0
            self._result(hit, "HIT", a.id, "Assignment", "WorkerAgreementScore", str(worker_score))
            self._result(hit, "HIT", a.id, "Assignment", "PluralityAnswersCorrect", str(right))
            self._result(
                hit,
                "HIT",
                a.id,
                "Assignment",
                "PluralityAnswersIncorrect",
                str(len(relevant) - right),
            )
            if relevant:
                self._judge(hit, "HIT", a, at, policy, worker_score, "WorkerAgreementScore")
        self._maybe_extend(hit, "HIT", at, policy, hit_score, "HITAgreementScore")
