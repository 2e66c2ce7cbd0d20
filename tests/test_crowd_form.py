"""HTMLQuestions written with Crowd HTML Elements (``<crowd-form>``) are answered the way MTurk
stores them: one Answer, QuestionIdentifier ``taskAnswers``, whose FreeText is a JSON list
holding one object of the form's fields (AWS MTurk Developer Guide, "Retrieving results",
https://docs.aws.amazon.com/AWSMechTurk/latest/AWSMechanicalTurkRequester/RetrievingResults.html).
The same from ``worker.submit``, the autopilot, and the externalSubmit form endpoint. Plain HTML
forms keep one Answer per field.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from pytest_mturk import MTurkFake, WorkerActionError
from pytest_mturk.questions import HTML_QUESTION_NS, parse_answers_xml, parse_question
from tests.conftest import HTML_Q, hit_args

CROWD_HTML = """<!DOCTYPE html>
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <p>Describe the weather where you live</p>
  <crowd-input name="completion_code" required></crowd-input>
  <crowd-text-area name="weather"></crowd-text-area>
  <crowd-classifier name="sky" categories="['clear', 'cloudy']" header="Sky?"></crowd-classifier>
</crowd-form>"""
CROWD_Q = (
    f'<HTMLQuestion xmlns="{HTML_QUESTION_NS}"><HTMLContent><![CDATA[{CROWD_HTML}]]>'
    "</HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"
)


def task_answers(client: Any, assignment_id: str) -> Any:
    """The crowd-form's fields, read as a requester reads them (and as oTree's
    ``get_completion_code`` does: the Answer whose first child is ``taskAnswers``)."""
    xml = client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]
    root = ET.fromstring(xml)
    answers = list(root)
    assert len(answers) == 1, xml
    identifier, free_text = list(answers[0])
    assert identifier.tag.endswith("QuestionIdentifier") and identifier.text == "taskAnswers"
    assert free_text.tag.endswith("FreeText")
    assert free_text.text is not None
    return json.loads(free_text.text)


def create(client: Any, question: str = CROWD_Q) -> str:
    return str(client.create_hit(**hit_args(Question=question, MaxAssignments=3))["HIT"]["HITId"])


def test_a_crowd_form_is_recognised() -> None:
    assert parse_question(CROWD_Q).crowd_form
    assert not parse_question(HTML_Q).crowd_form


def test_worker_submit_stores_one_task_answers_json(client: Any, fake: MTurkFake) -> None:
    """Regression: each crowd-form field was stored as an Answer of its own."""
    hit_id = create(client)
    worker = fake.workers.create()
    assignment_id = worker.do(
        hit_id, {"completion_code": "X1", "weather": "Sunny, 25 °C", "sky": ["clear", "cloudy"]}
    )
    assert task_answers(client, assignment_id) == [
        {"completion_code": "X1", "weather": "Sunny, 25 °C", "sky": ["clear", "cloudy"]}
    ]
    xml = client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]
    assert '[{"completion_code":"X1",' in xml  # compact, as the crowd-form's script writes it
    assert "&#176;" in xml  # non-ASCII as a character reference, as in every real Answer
    assert parse_answers_xml(xml) == {
        "taskAnswers": '[{"completion_code":"X1","weather":"Sunny, 25 °C",'
        '"sky":["clear","cloudy"]}]'
    }


def test_answers_already_in_task_answers_form_are_kept(client: Any, fake: MTurkFake) -> None:
    hit_id = create(client)
    posted = '[{"completion_code":"Y2"}]'
    assignment_id = fake.workers.create().do(hit_id, {"taskAnswers": posted})
    assert task_answers(client, assignment_id) == [{"completion_code": "Y2"}]


def test_file_uploads_are_refused_in_a_crowd_form(client: Any, fake: MTurkFake) -> None:
    hit_id = create(client)
    worker = fake.workers.create()
    assignment_id = worker.accept(hit_id)
    with pytest.raises(WorkerActionError) as exc:
        worker.submit(assignment_id, {"weather": b"\x89PNG"})
    assert exc.value.reason == "answers"


def test_autopilot_answers_a_crowd_form_as_task_answers(client: Any, fake: MTurkFake) -> None:
    fake.autopilot(workers=2)
    hit_id = create(client)
    assignments = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
    assert len(assignments) == 2
    for a in assignments:
        [fields] = task_answers(client, a["AssignmentId"])
        assert set(fields) == {"completion_code", "weather", "sky"}
        assert fields["sky"] in ("clear", "cloudy")


def test_external_submit_of_a_crowd_form_is_one_task_answers(client: Any, fake: MTurkFake) -> None:
    hit_id = create(client)
    worker = fake.workers.create()
    assignment_id = worker.accept(hit_id)
    url = worker.open(hit_id, assignment_id)
    params = dict(parse_qsl(urlsplit(url).query))
    # The fields as the form holds them (no script ran to gather them)...
    reply = requests.post(
        params["turkSubmitTo"] + "/mturk/externalSubmit",
        data={"assignmentId": assignment_id, "completion_code": "Z3", "weather": "rain"},
        timeout=5,
    )
    assert reply.status_code == 200
    assert task_answers(client, assignment_id) == [{"completion_code": "Z3", "weather": "rain"}]
    # ...or as the crowd-form's script posts them: one taskAnswers field, kept as it is.
    other = fake.workers.create()
    second = other.accept(hit_id)
    reply = requests.post(
        params["turkSubmitTo"] + "/mturk/externalSubmit",
        data={"assignmentId": second, "taskAnswers": '[{"completion_code":"Q9","sky":"clear"}]'},
        timeout=5,
    )
    assert reply.status_code == 200
    assert task_answers(client, second) == [{"completion_code": "Q9", "sky": "clear"}]


def test_plain_html_forms_keep_one_answer_per_field(client: Any, fake: MTurkFake) -> None:
    hit_id = create(client, HTML_Q)
    assignment_id = fake.workers.create().do(hit_id, {"color": "red", "notes": "n"})
    xml = client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]
    assert parse_answers_xml(xml) == {"color": "red", "notes": "n"}
