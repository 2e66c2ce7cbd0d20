"""Who may work on our HITs: a locale and approval-rate requirement, and our own training test.

The training qualification is test-based: a worker answers two practice photos, MTurk scores
the answers with the AnswerKey and grants the qualification with the percentage scored, and our
HITs require at least ``Settings.min_training_score``.
"""

from __future__ import annotations

from typing import Any

from labelling.config import Settings

#: System qualification types (the same ids in the sandbox and in production).
LOCALE = "00000000000000000071"
PERCENT_APPROVED = "000000000000000000L0"

TRAINING_NAME = "Pet photo labelling: training"
TRAINING_DESCRIPTION = "Two practice photos. Pass it to work on our pet photo labelling HITs."

_FORM_NS = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
)
_KEY_NS = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"
)

#: The practice photos and their right answers.
PRACTICE = {
    "practice-1": ("https://images.example.org/pets/practice-1.jpg", "cat"),
    "practice-2": ("https://images.example.org/pets/practice-2.jpg", "bird"),
}
#: What a worker who labels the practice photos right answers.
TRAINING_ANSWERS = {question: label for question, (_, label) in PRACTICE.items()}


def _question(identifier: str, image_url: str) -> str:
    selections = "".join(
        f"<Selection><SelectionIdentifier>{label}</SelectionIdentifier>"
        f"<Text>{label.capitalize()}</Text></Selection>"
        for label in ("cat", "dog", "bird", "other")
    )
    return (
        f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
        "<IsRequired>true</IsRequired><QuestionContent><Text>Which animal is this?</Text>"
        f"<Binary><MimeType><Type>image</Type><SubType>jpeg</SubType></MimeType>"
        f"<DataURL>{image_url}</DataURL><AltText>{identifier}</AltText></Binary>"
        "</QuestionContent><AnswerSpecification><SelectionAnswer>"
        f"<StyleSuggestion>radiobutton</StyleSuggestion><Selections>{selections}</Selections>"
        "</SelectionAnswer></AnswerSpecification></Question>"
    )


def training_test() -> str:
    questions = "".join(_question(q, url) for q, (url, _) in PRACTICE.items())
    return (
        f'<QuestionForm xmlns="{_FORM_NS}"><Overview><Title>Pet photo training</Title>'
        "<Text>Label both photos correctly to qualify.</Text></Overview>"
        f"{questions}</QuestionForm>"
    )


def answer_key() -> str:
    questions = "".join(
        f"<Question><QuestionIdentifier>{q}</QuestionIdentifier><AnswerOption>"
        f"<SelectionIdentifier>{label}</SelectionIdentifier><AnswerScore>1</AnswerScore>"
        "</AnswerOption></Question>"
        for q, (_, label) in PRACTICE.items()
    )
    return (
        f'<AnswerKey xmlns="{_KEY_NS}">{questions}<QualificationValueMapping><PercentageMapping>'
        f"<MaximumSummedScore>{len(PRACTICE)}</MaximumSummedScore></PercentageMapping>"
        "</QualificationValueMapping></AnswerKey>"
    )


def ensure_training_qualification(mturk: Any) -> str:
    """The id of our training qualification type, created on first use."""
    paginator = mturk.get_paginator("list_qualification_types")
    for page in paginator.paginate(
        Query=TRAINING_NAME, MustBeRequestable=False, MustBeOwnedByCaller=True
    ):
        for qtype in page["QualificationTypes"]:
            if qtype["Name"] == TRAINING_NAME and qtype["QualificationTypeStatus"] == "Active":
                return str(qtype["QualificationTypeId"])
    created = mturk.create_qualification_type(
        Name=TRAINING_NAME,
        Keywords="pets, photos, labelling, training",
        Description=TRAINING_DESCRIPTION,
        QualificationTypeStatus="Active",
        Test=training_test(),
        AnswerKey=answer_key(),
        TestDurationInSeconds=600,
        RetryDelayInSeconds=24 * 3600,
    )
    return str(created["QualificationType"]["QualificationTypeId"])


def requirements(settings: Settings, training_type_id: str) -> list[dict[str, Any]]:
    """The QualificationRequirements of our HIT type."""
    return [
        {
            "QualificationTypeId": LOCALE,
            "Comparator": "In",
            "LocaleValues": [{"Country": country} for country in settings.locales],
            "ActionsGuarded": "DiscoverPreviewAndAccept",
        },
        {
            "QualificationTypeId": PERCENT_APPROVED,
            "Comparator": "GreaterThanOrEqualTo",
            "IntegerValues": [settings.min_approval_rate],
            "ActionsGuarded": "Accept",
        },
        {
            "QualificationTypeId": training_type_id,
            "Comparator": "GreaterThanOrEqualTo",
            "IntegerValues": [settings.min_training_score],
            "ActionsGuarded": "Accept",
        },
    ]
