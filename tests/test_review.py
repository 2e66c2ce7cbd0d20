"""Review policies: ScoreMyKnownAnswers per assignment, SimplePlurality per HIT."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from pytest_mturk import MTurkFake
from tests.conftest import error_of, hit_args


def smka(**params: Any) -> dict[str, Any]:
    parameters = [
        {
            "Key": "AnswerKey",
            "MapEntries": [{"Key": "q1", "Values": ["cat"]}, {"Key": "q2", "Values": ["dog"]}],
        }
    ]
    parameters += [{"Key": k, "Values": [str(v)]} for k, v in params.items()]
    return {"PolicyName": "ScoreMyKnownAnswers/2011-09-01", "Parameters": parameters}


def plurality(**params: Any) -> dict[str, Any]:
    parameters = [
        {"Key": "QuestionIds", "Values": ["q1", "q2"]},
        {"Key": "QuestionAgreementThreshold", "Values": ["50"]},
    ]
    parameters += [{"Key": k, "Values": [str(v)]} for k, v in params.items()]
    return {"PolicyName": "SimplePlurality/2011-09-01", "Parameters": parameters}


def test_score_my_known_answers_approves_and_rejects(client: Any, fake: MTurkFake) -> None:
    hit = client.create_hit(
        **hit_args(
            MaxAssignments=3,
            AssignmentReviewPolicy=smka(
                ApproveIfKnownAnswerScoreIsAtLeast=100,
                RejectIfKnownAnswerScoreIsLessThan=50,
                RejectReason="wrong",
            ),
        )
    )["HIT"]
    good = fake.workers.create().do(hit["HITId"], {"q1": "cat", "q2": "dog"})
    half = fake.workers.create().do(hit["HITId"], {"q1": "cat", "q2": "cow"})
    bad = fake.workers.create().do(hit["HITId"], {"q1": " Cat", "q2": "cow"})
    status = {a: client.get_assignment(AssignmentId=a)["Assignment"] for a in (good, half, bad)}
    assert status[good]["AssignmentStatus"] == "Approved"
    assert status[half]["AssignmentStatus"] == "Submitted"
    assert status[bad]["AssignmentStatus"] == "Rejected"
    assert status[bad]["RequesterFeedback"] == "wrong"
    report = client.list_review_policy_results_for_hit(HITId=hit["HITId"])
    assert report["AssignmentReviewPolicy"] == {"PolicyName": "ScoreMyKnownAnswers/2011-09-01"}
    scores = {
        r["SubjectId"]: r["Value"]
        for r in report["AssignmentReviewReport"]["ReviewResults"]
        if r["Key"] == "KnownAnswerScore"
    }
    assert scores == {good: "100", half: "50", bad: "0"}
    reviews = [
        a["Result"]
        for a in report["AssignmentReviewReport"]["ReviewActions"]
        if a["ActionName"] == "review"
    ]
    assert reviews[0] == "Reviewed 2 known answers; 2/2 correct"


def test_known_answer_extension(client: Any, fake: MTurkFake) -> None:
    hit = client.create_hit(
        **hit_args(
            MaxAssignments=1,
            AssignmentReviewPolicy=smka(
                ExtendIfKnownAnswerScoreIsLessThan=100, ExtendMaximumAssignments=2
            ),
        )
    )["HIT"]
    fake.workers.create().do(hit["HITId"], {"q1": "x", "q2": "y"})
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (got["MaxAssignments"], got["HITStatus"]) == (2, "Assignable")


def test_simple_plurality_on_reviewable(client: Any, fake: MTurkFake) -> None:
    hit = client.create_hit(
        **hit_args(
            MaxAssignments=3,
            HITReviewPolicy=plurality(
                ApproveIfWorkerAgreementScoreIsAtLeast=100,
                RejectIfWorkerAgreementScoreIsLessThan=50,
                RejectReason="outlier",
            ),
        )
    )["HIT"]
    a = fake.workers.create().do(hit["HITId"], {"q1": "cat", "q2": "dog"})
    b = fake.workers.create().do(hit["HITId"], {"q1": "cat", "q2": "dog"})
    c = fake.workers.create().do(hit["HITId"], {"q1": "cow", "q2": "pig"})
    report = client.list_review_policy_results_for_hit(HITId=hit["HITId"], PolicyLevels=["HIT"])
    assert "AssignmentReviewReport" not in report
    results = report["HITReviewReport"]["ReviewResults"]
    hit_score = [r["Value"] for r in results if r["Key"] == "HitAgreementScore"]
    assert hit_score == ["100"]
    agreement = {r["QuestionId"]: r["Value"] for r in results if r["Key"] == "AnswerAgreementScore"}
    assert agreement == {"q1": "66", "q2": "66"}
    statuses = [
        client.get_assignment(AssignmentId=x)["Assignment"]["AssignmentStatus"] for x in (a, b, c)
    ]
    assert statuses == ["Approved", "Approved", "Rejected"]


def test_hit_level_results_about_assignments_are_in_the_hit_report(
    client: Any, fake: MTurkFake
) -> None:
    """Regression: SimplePlurality's results about assignments (WorkerAgreementScore, ...)
    were put in the AssignmentReviewReport. The report is chosen by the policy's level: "HIT-level
    Review Policies will often emit results about both the HIT itself and its Assignments, while
    Assignment-level review policies generally only emit results about the Assignment itself"
    (the API model, ReviewResultDetail.SubjectId)."""
    hit = client.create_hit(
        **hit_args(
            MaxAssignments=2,
            AssignmentReviewPolicy=smka(),
            HITReviewPolicy=plurality(ApproveIfWorkerAgreementScoreIsAtLeast=100),
        )
    )["HIT"]
    a = fake.workers.create().do(hit["HITId"], {"q1": "cat", "q2": "dog"})
    b = fake.workers.create().do(hit["HITId"], {"q1": "cat", "q2": "dog"})
    report = client.list_review_policy_results_for_hit(HITId=hit["HITId"])
    hit_results = report["HITReviewReport"]["ReviewResults"]
    about_assignments = {
        (r["SubjectId"], r["Key"]) for r in hit_results if r["SubjectType"] == "Assignment"
    }
    assert about_assignments == {
        (x, key)
        for x in (a, b)
        for key in ("WorkerAgreementScore", "PluralityAnswersCorrect", "PluralityAnswersIncorrect")
    }
    assert {r["SubjectId"] for r in hit_results if r["SubjectType"] == "HIT"} == {hit["HITId"]}
    # The assignment-level policy's report holds its own results only.
    assignment_keys = {r["Key"] for r in report["AssignmentReviewReport"]["ReviewResults"]}
    assert assignment_keys == {"KnownAnswerCorrect", "KnownAnswerScore"}
    only = client.list_review_policy_results_for_hit(
        HITId=hit["HITId"], PolicyLevels=["Assignment"]
    )
    assert "HITReviewReport" not in only
    assert all(
        r["Key"] != "WorkerAgreementScore" for r in only["AssignmentReviewReport"]["ReviewResults"]
    )


@pytest.mark.parametrize(
    ("slot", "policy"),
    [
        ("AssignmentReviewPolicy", {"PolicyName": "SimplePlurality/2011-09-01", "Parameters": []}),
        (
            "AssignmentReviewPolicy",
            {"PolicyName": "ScoreMyKnownAnswers/2011-09-01", "Parameters": []},
        ),
        ("AssignmentReviewPolicy", smka(ApproveIfKnownAnswerScoreIsAtLeast=102)),
        ("HITReviewPolicy", plurality(Bogus=1)),
        ("HITReviewPolicy", {"PolicyName": "Nope/2011", "Parameters": []}),
    ],
)
def test_bad_policies_are_refused(client: Any, slot: str, policy: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        client.create_hit(**hit_args(**{slot: policy}))
    assert error_of(exc)[0] == "ParameterValidationError"
    assert client.list_hits()["NumResults"] == 0


def test_no_policy_report(client: Any) -> None:
    hit = client.create_hit(**hit_args())["HIT"]
    report = client.list_review_policy_results_for_hit(HITId=hit["HITId"])
    assert "AssignmentReviewPolicy" not in report and report["HITId"] == hit["HITId"]
    assert report["AssignmentReviewReport"] == {"ReviewResults": [], "ReviewActions": []}
