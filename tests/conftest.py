"""Shared fixtures of the project's own tests.

``fake`` is a started MTurkFake; ``client`` a boto3 sandbox client, ``prod_client`` a production
one (same credentials, other world). The plugin's own fixtures (``mturk``, ``mturk_client``, ...)
are tested through pytester in test_plugin.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from pytest_mturk import MTurkFake
from pytest_mturk.questions import ANSWER_KEY_NS, QUESTION_FORM_NS_2017

SANDBOX = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
PRODUCTION = "https://mturk-requester.us-east-1.amazonaws.com"

EXTERNAL_Q = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.org/task?x=1</ExternalURL>'
    "<FrameHeight>600</FrameHeight></ExternalQuestion>"
)
FORM_Q = (
    '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>label</QuestionIdentifier>'
    "<IsRequired>true</IsRequired><QuestionContent><Text>Pick one</Text></QuestionContent>"
    "<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion>"
    "<Selections><Selection><SelectionIdentifier>cat</SelectionIdentifier><Text>Cat</Text>"
    "</Selection><Selection><SelectionIdentifier>dog</SelectionIdentifier><Text>Dog</Text>"
    "</Selection></Selections></SelectionAnswer></AnswerSpecification></Question><Question>"
    "<QuestionIdentifier>comment</QuestionIdentifier><QuestionContent><Text>Why?</Text>"
    "</QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>"
    "</QuestionForm>"
)
HTML_Q = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body>'
    '<form method="post" action="https://www.mturk.com/mturk/externalSubmit">'
    '<input type="hidden" name="assignmentId"/><input type="radio" name="color" value="red"/>'
    '<input type="radio" name="color" value="blue"/><textarea name="notes"></textarea>'
    "</form></body></html>]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"
)


def selection_question(qid: str, options: list[str]) -> str:
    """A QuestionForm selection question (radio buttons) with these option identifiers."""
    selections = "".join(
        f"<Selection><SelectionIdentifier>{o}</SelectionIdentifier><Text>{o}</Text></Selection>"
        for o in options
    )
    return (
        f"<Question><QuestionIdentifier>{qid}</QuestionIdentifier><IsRequired>true</IsRequired>"
        f"<QuestionContent><Text>Pick for {qid}</Text></QuestionContent><AnswerSpecification>"
        f"<SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>"
        f"{selections}</Selections></SelectionAnswer></AnswerSpecification></Question>"
    )


#: A qualification test: q1 (a, b) and q2 (x, y).
TEST_FORM = (
    f'<QuestionForm xmlns="{QUESTION_FORM_NS_2017}">'
    + selection_question("q1", ["a", "b"])
    + selection_question("q2", ["x", "y"])
    + "</QuestionForm>"
)
# q1 right is worth 5, q2 right 10; PercentageMapping over 15 (the reference's worked example).
ANSWER_KEY = (
    f'<AnswerKey xmlns="{ANSWER_KEY_NS}">'
    "<Question><QuestionIdentifier>q1</QuestionIdentifier><AnswerOption>"
    "<SelectionIdentifier>a</SelectionIdentifier><AnswerScore>5</AnswerScore></AnswerOption>"
    "</Question><Question><QuestionIdentifier>q2</QuestionIdentifier><AnswerOption>"
    "<SelectionIdentifier>y</SelectionIdentifier><AnswerScore>10</AnswerScore></AnswerOption>"
    "</Question><QualificationValueMapping><PercentageMapping><MaximumSummedScore>15"
    "</MaximumSummedScore></PercentageMapping></QualificationValueMapping></AnswerKey>"
)
#: A QuestionForm with a FileUploadAnswer (photo) and a free-text caption.
UPLOAD_Q = (
    '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2005-10-01/QuestionForm.xsd"><Question><QuestionIdentifier>photo</QuestionIdentifier>'
    "<QuestionContent><Text>Upload a photo</Text></QuestionContent><AnswerSpecification>"
    "<FileUploadAnswer><MaxFileSizeInBytes>1000000</MaxFileSizeInBytes>"
    "<MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer></AnswerSpecification>"
    "</Question><Question><QuestionIdentifier>caption</QuestionIdentifier><QuestionContent>"
    "<Text>Caption</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/>"
    "</AnswerSpecification></Question></QuestionForm>"
)


def hit_args(**overrides: Any) -> dict[str, Any]:
    """CreateHIT arguments that pass every rule; override what a test is about."""
    args: dict[str, Any] = {
        "LifetimeInSeconds": 3600,
        "AssignmentDurationInSeconds": 600,
        "Reward": "0.50",
        "Title": "Label an image",
        "Description": "Say what the picture shows",
        "Question": EXTERNAL_Q,
        "MaxAssignments": 1,
    }
    args.update(overrides)
    return {k: v for k, v in args.items() if v is not None}


@pytest.fixture
def fake() -> Iterator[MTurkFake]:
    with MTurkFake(seed=1234) as f:
        yield f


_client_cache: dict[str, Any] = {}


def _client(endpoint: str) -> Any:
    client = _client_cache.get(endpoint)
    if client is None:
        client = boto3.session.Session(
            aws_access_key_id="AKIAPYTESTMTURKTEST1",
            aws_secret_access_key="secret",
        ).client("mturk", region_name="us-east-1", endpoint_url=endpoint)
        _client_cache[endpoint] = client
    return client


@pytest.fixture
def client(fake: MTurkFake) -> Any:
    """A sandbox client (explicit test credentials)."""
    return _client(SANDBOX)


@pytest.fixture
def prod_client(fake: MTurkFake) -> Any:
    """A production client with the same credentials as ``client``."""
    return _client(PRODUCTION)


def error_of(excinfo: Any) -> tuple[str, str, str | None]:
    """(code, message, TurkErrorCode) of a botocore ClientError."""
    response = excinfo.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response.get("TurkErrorCode")


@pytest.fixture(autouse=True)
def _invariants_hold_after_every_test() -> Iterator[None]:
    """Every fake a test started must still be consistent when the test ends."""
    from pytest_mturk import MTurkFake as _Fake

    started: list[_Fake] = []
    original = _Fake.start

    def tracking_start(self: _Fake, *args: Any, **kwargs: Any) -> _Fake:
        started.append(self)
        return original(self, *args, **kwargs)

    _Fake.start = tracking_start  # type: ignore[method-assign]
    try:
        yield
    finally:
        _Fake.start = original  # type: ignore[method-assign]
    for fake in started:
        fake.check_invariants()
