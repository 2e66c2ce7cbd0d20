"""A person's whole path, in headless Chromium: a requester's code creates a HIT through the
API; a worker finds it on the worker page, previews, accepts and does it (an HTMLQuestion and
an ExternalQuestion in their frames, posting to the server's externalSubmit; a QuestionForm as
a form); the requester page approves it; the money arrives."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pytest_mturk import MTurkFake
from pytest_mturk.questions import parse_answers_xml
from pytest_mturk.transport.server import MTurkServer
from tests.browser.conftest import KEY, TaskSite
from tests.conftest import ANSWER_KEY, TEST_FORM, hit_args

Served = tuple[MTurkFake, MTurkServer, Any]
Shot = Callable[[str], Path]

HTML_TASK = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><head>'
    '<meta charset="utf-8"><script src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js">'
    "</script></head><body><h2>Which animal is it?</h2>"
    "<form name='mturk_form' method='post' id='mturk_form' "
    "action='https://workersandbox.mturk.com/mturk/externalSubmit'>"
    "<input type='hidden' value='' name='assignmentId' id='assignmentId'/>"
    "<label><input type='radio' name='animal' value='cat'> Cat</label>"
    "<label><input type='radio' name='animal' value='dog'> Dog</label>"
    "<p><textarea name='why' placeholder='Why?'></textarea></p>"
    "<input type='submit' id='submitButton' value='Submit'></form>"
    "<script>turkSetAssignmentID();</script></body></html>]]></HTMLContent>"
    "<FrameHeight>450</FrameHeight></HTMLQuestion>"
)


def external_question(url: str) -> str:
    return (
        '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
        'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
        f"<ExternalURL>{url}?lang=en&amp;batch=7</ExternalURL><FrameHeight>500</FrameHeight>"
        "</ExternalQuestion>"
    )


# ============================================================================ page steps


def create_worker(page: Any, server: MTurkServer, shot: Shot, **profile: str) -> str:
    """Create a worker on the worker page; returns the worker id."""
    page.goto(server.worker_url)
    form = page.get_by_test_id("create")
    for name, value in profile.items():
        form.locator(f"input[name={name}]").fill(value)
    shot("choose-or-create-a-worker")
    form.get_by_role("button", name="Create worker").click()
    page.get_by_test_id("flash").wait_for()
    worker_id = parse_qs(urlsplit(page.url).query)["worker"][0]
    assert page.get_by_test_id("flash").inner_text() == f"Worker {worker_id} created."
    return worker_id


def find_and_accept(page: Any, hit_id: str, title: str, shot: Shot) -> str:
    """From the worker's dashboard: preview the HIT, accept it; returns the assignment id."""
    found = page.locator("#found")
    assert title in found.inner_text()
    shot("dashboard-with-the-hit")
    found.get_by_role("link", name=title).click()
    page.get_by_test_id("accept").wait_for()
    shot("preview")
    page.get_by_test_id("accept").click()
    page.get_by_test_id("assignment-status").wait_for()
    assert page.get_by_test_id("assignment-status").inner_text() == "Accepted"
    return parse_qs(urlsplit(page.url).query)["assignment"][0]


def approve(page: Any, server: MTurkServer, hit_id: str, assignment_id: str, shot: Shot) -> None:
    """On the requester page: open the HIT, approve the assignment with feedback."""
    page.goto(server.requester_url)
    page.get_by_role("link", name=KEY).click()
    review = page.locator("#review")
    assert assignment_id in review.inner_html()
    review.get_by_role("link").first.click()
    button = page.get_by_test_id(f"approve-{assignment_id}")
    form = page.locator("form", has=button)
    form.locator("input[name=feedback]").fill("Thank you, well done.")
    shot("requester-reviews-the-work")
    button.click()
    assert page.get_by_test_id("flash").inner_text() == "ApproveAssignment succeeded."
    assert page.get_by_test_id(f"assignment-status-{assignment_id}").inner_text() == "Approved"
    shot("approved")


# ============================================================================ the journeys


def test_html_question_from_discovery_to_payment(page: Any, served: Served, shot: Shot) -> None:
    fake, server, client = served
    hit_id = client.create_hit(**hit_args(Question=HTML_TASK, Title="Cat or dog?", Reward="0.35"))[
        "HIT"
    ]["HITId"]
    worker_id = create_worker(page, server, shot, name="Ada Lovelace", country="GB")
    assignment_id = find_and_accept(page, hit_id, "Cat or dog?", shot)

    frame = page.frame_locator("iframe.task")
    frame.get_by_label("Dog").check()
    frame.locator("textarea[name=why]").fill("It barks & <b>wags</b>")
    shot("doing-the-html-question")
    frame.get_by_role("button", name="Submit").click()
    # The answer page in the frame tells the worker page, which shows the submitted work.
    page.wait_for_url(f"**assignment={assignment_id}")
    page.get_by_test_id("answers").wait_for()
    assert page.get_by_test_id("assignment-status").inner_text() == "Submitted"
    shot("submitted")

    (assignment,) = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
    assert assignment["WorkerId"] == worker_id
    assert parse_answers_xml(assignment["Answer"]) == {
        "animal": "dog",
        "why": "It barks & <b>wags</b>",
    }
    approve(page, server, hit_id, assignment_id, shot)
    fake.assert_paid(worker_id, Decimal("0.35"))
    assert (
        client.get_assignment(AssignmentId=assignment_id)["Assignment"]["RequesterFeedback"]
        == "Thank you, well done."
    )
    page.goto(server.worker_url.replace("/worker/", f"/worker/?worker={worker_id}"))
    assert "$0.35" in page.locator("#money").inner_text()
    shot("paid")


def test_external_question_gets_its_parameters_and_posts_back_to_the_server(
    page: Any, served: Served, shot: Shot, task_site: TaskSite
) -> None:
    fake, server, client = served
    hit_id = client.create_hit(
        **hit_args(Question=external_question(task_site.url), Title="Rate a sentence")
    )["HIT"]["HITId"]
    worker_id = create_worker(page, server, shot)

    page.goto(f"{server.base_url}/worker/?worker={worker_id}")
    page.locator("#found").get_by_role("link", name="Rate a sentence").click()
    preview = page.frame_locator("iframe.task")
    assert preview.locator("#mode").inner_text() == "Preview: accept the HIT to work on it."
    shot("external-preview")
    preview_query = parse_qs(task_site.queries[-1])
    assert preview_query["assignmentId"] == ["ASSIGNMENT_ID_NOT_AVAILABLE"]

    page.get_by_test_id("accept").click()
    page.get_by_test_id("assignment-status").wait_for()
    assignment_id = parse_qs(urlsplit(page.url).query)["assignment"][0]
    task = page.frame_locator("iframe.task")
    assert task.locator("#mode").inner_text() == f"Working as {worker_id} on {hit_id}"
    # The ExternalURL's own query first, then the four parameters; turkSubmitTo is the server.
    assert parse_qs(task_site.queries[-1]) == {
        "lang": ["en"],
        "batch": ["7"],
        "assignmentId": [assignment_id],
        "hitId": [hit_id],
        "turkSubmitTo": [server.url_for("sandbox")],
        "workerId": [worker_id],
    }
    task.locator("select[name=fluency]").select_option("4")
    task.locator("input[name=comment]").fill("Reads well")
    shot("doing-the-external-question")
    task.get_by_role("button", name="Send").click()
    page.wait_for_url(f"**assignment={assignment_id}")
    page.get_by_test_id("answers").wait_for()
    assert page.get_by_test_id("assignment-status").inner_text() == "Submitted"
    shot("submitted")

    (assignment,) = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
    assert parse_answers_xml(assignment["Answer"]) == {"fluency": "4", "comment": "Reads well"}
    approve(page, server, hit_id, assignment_id, shot)
    fake.assert_paid(worker_id, Decimal("0.50"))


SURVEY = (
    '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2017-11-06/QuestionForm.xsd"><Overview><Title>A short survey</Title>'
    "<Text>Four questions and a photo.</Text></Overview>"
    "<Question><QuestionIdentifier>pet</QuestionIdentifier><DisplayName>Pet</DisplayName>"
    "<IsRequired>true</IsRequired><QuestionContent><Text>Your favourite pet?</Text>"
    "</QuestionContent><AnswerSpecification><SelectionAnswer>"
    "<StyleSuggestion>radiobutton</StyleSuggestion><Selections>"
    "<Selection><SelectionIdentifier>cat</SelectionIdentifier><Text>Cat</Text></Selection>"
    "<Selection><SelectionIdentifier>dog</SelectionIdentifier><Text>Dog</Text></Selection>"
    "</Selections></SelectionAnswer></AnswerSpecification></Question>"
    "<Question><QuestionIdentifier>colours</QuestionIdentifier><DisplayName>Colours"
    "</DisplayName><QuestionContent><Text>Colours you like</Text></QuestionContent>"
    "<AnswerSpecification><SelectionAnswer><MinSelectionCount>1</MinSelectionCount>"
    "<MaxSelectionCount>2</MaxSelectionCount><StyleSuggestion>checkbox</StyleSuggestion>"
    "<Selections><Selection><SelectionIdentifier>red</SelectionIdentifier><Text>Red</Text>"
    "</Selection><Selection><SelectionIdentifier>green</SelectionIdentifier><Text>Green</Text>"
    "</Selection><Selection><SelectionIdentifier>blue</SelectionIdentifier><Text>Blue</Text>"
    "</Selection></Selections></SelectionAnswer></AnswerSpecification></Question>"
    "<Question><QuestionIdentifier>country</QuestionIdentifier><DisplayName>Country"
    "</DisplayName><IsRequired>true</IsRequired><QuestionContent><Text>Where do you live?"
    "</Text></QuestionContent><AnswerSpecification><SelectionAnswer>"
    "<StyleSuggestion>dropdown</StyleSuggestion><Selections>"
    "<Selection><SelectionIdentifier>fr</SelectionIdentifier><Text>France</Text></Selection>"
    "<Selection><SelectionIdentifier>jp</SelectionIdentifier><Text>Japan</Text></Selection>"
    "</Selections></SelectionAnswer></AnswerSpecification></Question>"
    "<Question><QuestionIdentifier>age</QuestionIdentifier><DisplayName>Age</DisplayName>"
    "<IsRequired>true</IsRequired><QuestionContent><Text>How old are you?</Text>"
    "</QuestionContent><AnswerSpecification><FreeTextAnswer><Constraints>"
    '<IsNumeric minValue="18" maxValue="120"/></Constraints></FreeTextAnswer>'
    "</AnswerSpecification></Question>"
    "<Question><QuestionIdentifier>photo</QuestionIdentifier><DisplayName>Photo</DisplayName>"
    "<QuestionContent><Text>A photo of your pet</Text></QuestionContent>"
    "<AnswerSpecification><FileUploadAnswer><MaxFileSizeInBytes>1000</MaxFileSizeInBytes>"
    "<MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer></AnswerSpecification>"
    "</Question></QuestionForm>"
)


def test_question_form_as_a_real_form_then_bonus_and_message(
    page: Any, served: Served, shot: Shot, tmp_path: Path
) -> None:
    fake, server, client = served
    hit_id = client.create_hit(**hit_args(Question=SURVEY, Title="Pet survey"))["HIT"]["HITId"]
    worker_id = create_worker(page, server, shot)
    page.goto(f"{server.base_url}/worker/?worker={worker_id}")
    assignment_id = find_and_accept(page, hit_id, "Pet survey", shot)

    form = page.get_by_test_id("question-form")
    assert form.locator("input[type=radio][name='answer:pet']").count() == 2
    assert form.locator("input[type=checkbox][name='answer:colours']").count() == 3
    assert form.locator("select[name='answer:country'] option").all_inner_texts() == [
        "(choose)",
        "France",
        "Japan",
    ]
    form.get_by_label("Dog").check()
    form.get_by_label("Red").check()
    form.get_by_label("Blue").check()
    form.locator("select[name='answer:country']").select_option("jp")
    form.locator("input[name='answer:age']").fill("12")  # below IsNumeric minValue
    photo = tmp_path / "rex.jpg"
    photo.write_bytes(b"\xff\xd8 not really a jpeg")
    form.locator("input[name='answer:photo']").set_input_files(str(photo))
    page.get_by_test_id("submit").click()

    # Refused with the reason; nothing was submitted; what was typed is kept.
    error = page.locator("fieldset[data-question=age] .error-text")
    assert error.inner_text() == "Enter a number of at least 18."
    assert page.get_by_test_id("assignment-status").inner_text() == "Accepted"
    assert client.list_assignments_for_hit(HITId=hit_id)["NumResults"] == 0
    assert page.get_by_label("Dog").is_checked()
    shot("constraint-refused")

    page.locator("input[name='answer:age']").fill("34")
    page.locator("input[name='answer:photo']").set_input_files(str(photo))
    page.get_by_test_id("submit").click()
    page.get_by_test_id("answers").wait_for()
    assert page.get_by_test_id("assignment-status").inner_text() == "Submitted"
    shot("submitted")

    (assignment,) = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
    answers = parse_answers_xml(assignment["Answer"])
    assert {k: v for k, v in answers.items() if k != "photo"} == {
        "pet": ["dog"],
        "colours": ["red", "blue"],
        "country": ["jp"],
        "age": "34",
    }
    upload = client.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier="photo")
    assert upload["FileUploadURL"]

    # The requester sees the file, approves, pays a bonus and writes to the worker.
    approve(page, server, hit_id, assignment_id, shot)
    with page.expect_download() as download:
        page.get_by_role("link", name=f"uploaded file ({photo.stat().st_size} bytes)").click()
    assert Path(download.value.path()).read_bytes() == photo.read_bytes()
    bonus = page.get_by_test_id(f"bonus-{assignment_id}")
    bonus_form = page.locator("form", has=bonus)
    bonus_form.locator("input[name=amount]").fill("0.25")
    bonus_form.locator("input[name=reason]").fill("Lovely photo")
    bonus.click()
    assert page.get_by_test_id("flash").inner_text() == "SendBonus succeeded."
    page.goto(server.requester_url)
    page.get_by_role("link", name=KEY).click()
    notify = page.locator("form", has=page.get_by_test_id("notify"))
    notify.locator("input[name=workers]").fill(worker_id)
    notify.locator("input[name=subject]").fill("Another survey soon")
    notify.locator("textarea[name=message]").fill("Watch this space.")
    page.get_by_test_id("notify").click()
    assert page.get_by_test_id("flash").inner_text() == "NotifyWorkers succeeded."
    fake.assert_bonus_paid(worker_id, Decimal("0.25"), "Lovely photo")
    fake.assert_emailed(worker_id, subject="Another survey soon")

    page.goto(f"{server.base_url}/worker/?worker={worker_id}")
    money = page.locator("#money").inner_text()
    assert "$0.25" in money and "Lovely photo" in money and "$0.50" in money
    assert "Watch this space." in page.locator("#messages").inner_text()
    shot("bonus-and-message-received")


def test_a_qualification_test_taken_and_scored_unhides_a_hit(
    page: Any, served: Served, shot: Shot
) -> None:
    fake, server, client = served
    type_id = client.create_qualification_type(
        Name="Animal expert",
        Description="Knows cats from dogs",
        QualificationTypeStatus="Active",
        Test=TEST_FORM,
        AnswerKey=ANSWER_KEY,
        TestDurationInSeconds=300,
        RetryDelayInSeconds=60,
    )["QualificationType"]["QualificationTypeId"]
    hit_id = client.create_hit(
        **hit_args(
            Question=HTML_TASK,
            Title="Experts only",
            QualificationRequirements=[
                {
                    "QualificationTypeId": type_id,
                    "Comparator": "GreaterThanOrEqualTo",
                    "IntegerValues": [60],
                    "ActionsGuarded": "DiscoverPreviewAndAccept",
                }
            ],
        )
    )["HIT"]["HITId"]
    worker_id = create_worker(page, server, shot)

    # Hidden, and why.
    page.goto(f"{server.base_url}/worker/?worker={worker_id}")
    assert "Experts only" not in page.locator("#found").inner_text()
    reason = page.locator("#hidden tr", has_text="Experts only").get_by_test_id("hidden-reason")
    assert f"on {type_id} (Animal expert): GreaterThanOrEqualTo [60]" in reason.inner_text()
    assert "the worker's value: none (the worker does not have it)" in reason.inner_text()
    shot("hidden-with-its-reason")

    def take_test(q1: str, q2: str) -> None:
        page.goto(f"{server.base_url}/worker/?worker={worker_id}")
        page.locator("#qualifications").get_by_role("link", name="Animal expert").click()
        test = page.get_by_test_id("test-form")
        test.locator(f"input[name='answer:q1'][value={q1}]").check()
        test.locator(f"input[name='answer:q2'][value={q2}]").check()
        shot("taking-the-test")
        page.get_by_test_id("submit-test").click()

    take_test("a", "x")  # 5 of 15 points
    assert page.get_by_test_id("flash").inner_text() == (
        "Animal expert: granted, your value is 33."
    )
    assert "the worker's value: 33" in page.locator("#hidden").inner_text()
    take_test("a", "y")  # a retake before RetryDelayInSeconds: refused, nothing changes
    assert "must wait 60 s after the previous request" in page.get_by_test_id("error").inner_text()
    assert fake.workers.get(worker_id).qualification_value(type_id) == 33

    # The requester page moves the fake clock past the retry delay.
    page.goto(server.requester_url)
    page.get_by_role("link", name=KEY).click()
    clock = page.get_by_test_id("clock")
    clock.locator("input[name=amount]").fill("2")
    clock.locator("select[name=unit]").select_option("minutes")
    clock.get_by_role("button").click()
    assert page.get_by_test_id("flash").inner_text() == "The fake clock moved 2 minutes forward."

    take_test("a", "y")  # 15 of 15
    assert page.get_by_test_id("flash").inner_text() == (
        "Animal expert: granted, your value is 100."
    )
    assert "Experts only" not in page.locator("#hidden").inner_text()
    shot("test-passed")
    assignment_id = find_and_accept(page, hit_id, "Experts only", shot)
    assert client.list_qualification_requests()["NumResults"] == 0  # scored, not pending
    assert fake.workers.get(worker_id).qualification_value(type_id) == 100
    assert assignment_id in fake.service.assignments_by_id


def test_return_and_let_the_time_run_out(page: Any, served: Served, shot: Shot) -> None:
    fake, server, client = served
    hit_id = client.create_hit(**hit_args(Question=SURVEY, Title="Twice", MaxAssignments=1))["HIT"][
        "HITId"
    ]
    worker_id = create_worker(page, server, shot)
    page.goto(f"{server.base_url}/worker/?worker={worker_id}")
    first = find_and_accept(page, hit_id, "Twice", shot)
    page.get_by_test_id("return").click()
    assert page.get_by_test_id("flash").inner_text() == f"Assignment {first} was returned."
    assert page.get_by_test_id(f"status-{first}").inner_text() == "Returned"
    assert client.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsAvailable"] == 1

    second = find_and_accept(page, hit_id, "Twice", shot)
    before = fake.clock.now()
    page.get_by_test_id("timeout").click()
    assert page.get_by_test_id("assignment-status").inner_text() == "Abandoned"
    shot("time-ran-out")
    abandoned = fake.service.assignments_by_id[second]
    assert abandoned.status == "Abandoned"
    assert fake.clock.time() >= abandoned.deadline > before.timestamp()
    assert client.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsAvailable"] == 1
