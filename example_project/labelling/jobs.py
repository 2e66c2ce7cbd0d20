"""Post labelling HITs, collect answers, review and pay — plain boto3."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import boto3

SANDBOX = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
ANSWERS_NS = "{http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd}"

QUESTION = """<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
<Question><QuestionIdentifier>label</QuestionIdentifier><IsRequired>true</IsRequired>
<QuestionContent><Text>What does {image} show?</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>
<Selection><SelectionIdentifier>cat</SelectionIdentifier><Text>A cat</Text></Selection>
<Selection><SelectionIdentifier>dog</SelectionIdentifier><Text>A dog</Text></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"""


def client() -> Any:
    return boto3.client("mturk", region_name="us-east-1", endpoint_url=SANDBOX)


def balance(mturk: Any) -> Decimal:
    return Decimal(mturk.get_account_balance()["AvailableBalance"])


def post_batch(
    mturk: Any,
    images: list[str],
    *,
    reward: str = "0.05",
    assignments: int = 3,
    lifetime: int = 3600,
) -> list[str]:
    """One HIT per image, all of one HIT type; returns the HIT ids."""
    hit_type = mturk.create_hit_type(
        Title="Label an image",
        Description="Say whether the image shows a cat or a dog",
        Keywords="image, label, cat, dog",
        Reward=reward,
        AssignmentDurationInSeconds=300,
        AutoApprovalDelayInSeconds=86400,
        QualificationRequirements=[
            {
                "QualificationTypeId": "000000000000000000L0",
                "Comparator": "GreaterThanOrEqualTo",
                "IntegerValues": [90],
            }
        ],
    )["HITTypeId"]
    ids = []
    for image in images:
        hit = mturk.create_hit_with_hit_type(
            HITTypeId=hit_type,
            MaxAssignments=assignments,
            LifetimeInSeconds=lifetime,
            Question=QUESTION.format(image=image),
            RequesterAnnotation=image,
            UniqueRequestToken=f"label-{image}",
        )["HIT"]
        ids.append(hit["HITId"])
    return ids


def answers(mturk: Any, hit_id: str) -> dict[str, str]:
    """AssignmentId -> label of every submitted (or reviewed) assignment, all pages."""
    out = {}
    for page in mturk.get_paginator("list_assignments_for_hit").paginate(HITId=hit_id):
        for assignment in page["Assignments"]:
            root = ET.fromstring(assignment["Answer"])
            for answer in root.iter(f"{ANSWERS_NS}Answer"):
                if answer.findtext(f"{ANSWERS_NS}QuestionIdentifier") == "label":
                    out[assignment["AssignmentId"]] = answer.findtext(
                        f"{ANSWERS_NS}SelectionIdentifier"
                    )
    return out


def review(mturk: Any, hit_id: str, gold: str) -> tuple[int, int]:
    """Approve answers matching the gold label, reject the others -> (approved, rejected)."""
    approved = rejected = 0
    for assignment_id, label in answers(mturk, hit_id).items():
        status = mturk.get_assignment(AssignmentId=assignment_id)["Assignment"]["AssignmentStatus"]
        if status != "Submitted":
            continue
        if label == gold:
            mturk.approve_assignment(AssignmentId=assignment_id, RequesterFeedback="Thanks!")
            approved += 1
        else:
            mturk.reject_assignment(AssignmentId=assignment_id, RequesterFeedback="Wrong label")
            rejected += 1
    return approved, rejected


def reward_fast_workers(mturk: Any, hit_id: str, amount: str = "0.10") -> int:
    paid = 0
    listed = mturk.list_assignments_for_hit(HITId=hit_id, AssignmentStatuses=["Approved"])
    for assignment in listed["Assignments"]:
        mturk.send_bonus(
            WorkerId=assignment["WorkerId"],
            AssignmentId=assignment["AssignmentId"],
            BonusAmount=amount,
            Reason="Fast and accurate",
            UniqueRequestToken=f"bonus-{assignment['AssignmentId']}",
        )
        paid += 1
    return paid


def cleanup(mturk: Any) -> int:
    """Expire every HIT and delete those whose work is all reviewed. Returns how many went."""
    deleted = 0
    for page in mturk.get_paginator("list_hits").paginate():
        for hit in page["HITs"]:
            if hit["HITStatus"] in ("Assignable", "Unassignable"):
                mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime(2015, 1, 1))
            try:
                mturk.delete_hit(HITId=hit["HITId"])
                deleted += 1
            except mturk.exceptions.RequestError as error:
                if "currently in the state" not in str(error):
                    raise
    return deleted


def is_expired(hit: dict[str, Any]) -> bool:
    return datetime.now(timezone.utc) >= hit["Expiration"]
