"""The plain-HTTP edges: the worker's frame URL, the externalSubmit form endpoint, HTMLQuestion
pages and GetFileUploadURL, answered in process alongside (or without) a test's own
``responses`` mocks (reference §8.2, §1.5, §3.2)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
from botocore.exceptions import ClientError

from pytest_mturk import MTurkFake, WorkerActionError
from pytest_mturk.questions import parse_answers_xml
from pytest_mturk.service.worker_site import CONTENT_URL, handles
from tests.conftest import FORM_Q, HTML_Q, UPLOAD_Q, error_of, hit_args

SANDBOX_SUBMIT = "https://workersandbox.mturk.com/mturk/externalSubmit"
PRODUCTION_SUBMIT = "https://www.mturk.com/mturk/externalSubmit"
EXTERNAL = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>{url}</ExternalURL>'
    "<FrameHeight>600</FrameHeight></ExternalQuestion>"
)


def create(client: Any, question: str, **overrides: Any) -> str:
    return str(client.create_hit(**hit_args(Question=question, **overrides))["HIT"]["HITId"])


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def answers_of(client: Any, hit_id: str) -> dict[str, str | list[str]]:
    (assignment,) = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
    return parse_answers_xml(assignment["Answer"])


# ============================================================================ the frame URL


def test_open_appends_the_four_parameters_to_the_external_url(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, EXTERNAL.format(url="https://example.org/task?x=1&amp;y=2"))
    worker = fake.workers.create()
    assignment_id = worker.accept(hit_id)
    url = worker.open(hit_id, assignment_id)
    assert url.startswith("https://example.org/task?x=1&y=2&assignmentId=")
    assert url.count("?") == 1
    assert query_of(url) == [
        ("x", "1"),
        ("y", "2"),
        ("assignmentId", assignment_id),
        ("hitId", hit_id),
        ("turkSubmitTo", "https://workersandbox.mturk.com"),
        ("workerId", worker.worker_id),
    ]


@pytest.mark.parametrize(
    ("external", "start"),
    [
        ("https://example.org/task", "https://example.org/task?assignmentId="),
        ("https://example.org/task?", "https://example.org/task?assignmentId="),
        ("https://example.org/task?a=1&amp;", "https://example.org/task?a=1&assignmentId="),
        ("https://example.org/task#top", "https://example.org/task?assignmentId="),
    ],
)
def test_open_uses_one_question_mark(
    fake: MTurkFake, client: Any, external: str, start: str
) -> None:
    hit_id = create(client, EXTERNAL.format(url=external))
    url = fake.workers.create().open(hit_id)
    assert url.startswith(start)
    assert url.count("?") == 1
    if "#" in external:
        assert url.endswith("#top")


def test_preview_has_no_assignment(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, EXTERNAL.format(url="https://example.org/task"))
    params = dict(query_of(fake.workers.create().open(hit_id)))
    assert params["assignmentId"] == "ASSIGNMENT_ID_NOT_AVAILABLE"
    assert params["hitId"] == hit_id


def test_production_submits_to_www(fake: MTurkFake, prod_client: Any) -> None:
    hit_id = create(prod_client, EXTERNAL.format(url="https://example.org/task"))
    params = dict(query_of(fake.workers.create().open(hit_id)))
    assert params["turkSubmitTo"] == "https://www.mturk.com"


def test_open_refuses_what_the_worker_cannot_see(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, EXTERNAL.format(url="https://example.org/task"))
    owner, other = fake.workers.create(), fake.workers.create()
    assignment_id = owner.accept(hit_id)
    with pytest.raises(WorkerActionError) as exc:
        other.open(hit_id, assignment_id)
    assert exc.value.reason == "not_found"
    with pytest.raises(WorkerActionError):
        owner.open("3NOSUCHHIT", None)
    client.create_worker_block(WorkerId=other.worker_id, Reason="spam")
    with pytest.raises(WorkerActionError) as exc:
        other.open(hit_id)
    assert exc.value.reason == "blocked"


def test_question_form_hits_have_no_page(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, FORM_Q)
    with pytest.raises(WorkerActionError) as exc:
        fake.workers.create().open(hit_id)
    assert exc.value.reason == "question_form"


def test_html_question_is_served(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, HTML_Q)
    worker = fake.workers.create()
    url = worker.open(hit_id, worker.accept(hit_id))
    assert url.startswith(CONTENT_URL + "?assignmentId=")
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.text.startswith("<!DOCTYPE html>")
    assert 'name="notes"' in page.text
    assert requests.get(f"{CONTENT_URL}?hitId=3NOSUCHHIT", timeout=5).status_code == 404


# ============================================================================ externalSubmit


def test_external_submit_submits_the_form(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, EXTERNAL.format(url="https://example.org/task"))
    worker = fake.workers.create()
    assignment_id = worker.accept(hit_id)
    params = dict(query_of(worker.open(hit_id, assignment_id)))
    reply = requests.post(
        params["turkSubmitTo"] + "/mturk/externalSubmit",
        data={
            "assignmentId": params["assignmentId"],
            "hitId": hit_id,
            "workerId": "AFORGEDWORKER1",
            "turkSubmitTo": "x",
            "label": "cat",
            "tags": ["furry", "small"],
            "comment": "",
        },
        timeout=5,
    )
    assert reply.status_code == 200
    assert "submitted" in reply.text
    assert answers_of(client, hit_id) == {"label": "cat", "tags": "furry|small", "comment": ""}
    got = client.get_assignment(AssignmentId=assignment_id)["Assignment"]
    assert got["AssignmentStatus"] == "Submitted"
    assert got["WorkerId"] == worker.worker_id  # the assignment's worker, never the form's


def test_external_submit_reads_query_and_multipart(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, HTML_Q)
    worker = fake.workers.create()
    assignment_id = worker.accept(hit_id)
    reply = requests.post(
        f"{SANDBOX_SUBMIT}?color=red",
        files={"assignmentId": (None, assignment_id), "notes": (None, "naïve")},
        timeout=5,
    )
    assert reply.status_code == 200
    assert answers_of(client, hit_id) == {"color": "red", "notes": "naïve"}


def test_double_slash_from_a_trailing_slash_turk_submit_to(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, HTML_Q)
    assignment_id = fake.workers.create().accept(hit_id)
    reply = requests.post(
        "https://workersandbox.mturk.com//mturk/externalSubmit",
        data={"assignmentId": assignment_id, "color": "blue"},
        timeout=5,
    )
    assert reply.status_code == 200


def test_submit_notifies_and_auto_approves_like_any_submission(
    fake: MTurkFake, client: Any
) -> None:
    type_id = client.create_hit_type(
        AssignmentDurationInSeconds=600,
        Reward="0.50",
        Title="t",
        Description="d",
        AutoApprovalDelayInSeconds=0,
    )["HITTypeId"]
    client.update_notification_settings(
        HITTypeId=type_id,
        Notification={
            "Destination": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
            "Transport": "SQS",
            "Version": "2014-08-15",
            "EventTypes": ["AssignmentSubmitted", "AssignmentApproved"],
        },
    )
    hit_id = client.create_hit_with_hit_type(
        HITTypeId=type_id, LifetimeInSeconds=3600, Question=HTML_Q
    )["HIT"]["HITId"]
    worker = fake.workers.create()
    assignment_id = worker.accept(hit_id)
    requests.post(SANDBOX_SUBMIT, data={"assignmentId": assignment_id, "color": "red"}, timeout=5)
    fake.assert_notified("AssignmentSubmitted", hit_id=hit_id, count=1)
    fake.assert_notified("AssignmentApproved", hit_id=hit_id, count=1)
    fake.assert_paid(worker.worker_id, "0.50")


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        ({"color": "red"}, 400, "assignmentId"),
        ({"assignmentId": "", "color": "red"}, 400, "assignmentId"),
        ({"assignmentId": "ASSIGNMENT_ID_NOT_AVAILABLE", "color": "red"}, 400, "accept"),
        ({"assignmentId": "3NOSUCHASSIGNMENT", "color": "red"}, 404, "does not exist"),
    ],
)
def test_bad_submissions_are_refused(
    fake: MTurkFake, client: Any, data: dict[str, str], status: int, text: str
) -> None:
    reply = requests.post(SANDBOX_SUBMIT, data=data, timeout=5)
    assert reply.status_code == status
    assert text in reply.text
    assert "There was a problem submitting your results" in reply.text


def test_a_form_with_no_answers_is_refused_and_can_be_sent_again(
    fake: MTurkFake, client: Any
) -> None:
    hit_id = create(client, HTML_Q)
    assignment_id = fake.workers.create().accept(hit_id)
    reply = requests.post(
        SANDBOX_SUBMIT, data={"assignmentId": assignment_id, "hitId": hit_id}, timeout=5
    )
    assert reply.status_code == 400
    assert client.list_assignments_for_hit(HITId=hit_id)["Assignments"] == []
    reply = requests.post(
        SANDBOX_SUBMIT, data={"assignmentId": assignment_id, "color": "red"}, timeout=5
    )
    assert reply.status_code == 200


def test_repeated_submission_is_refused(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, HTML_Q)
    assignment_id = fake.workers.create().accept(hit_id)
    form = {"assignmentId": assignment_id, "color": "red"}
    assert requests.post(SANDBOX_SUBMIT, data=form, timeout=5).status_code == 200
    again = requests.post(SANDBOX_SUBMIT, data={**form, "color": "blue"}, timeout=5)
    assert again.status_code == 409
    assert answers_of(client, hit_id) == {"color": "red"}


def test_abandoned_and_returned_assignments_are_refused(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, HTML_Q, MaxAssignments=2, AssignmentDurationInSeconds=60)
    slow, quitter = fake.workers.create(), fake.workers.create()
    late = slow.accept(hit_id)
    returned = quitter.accept(hit_id)
    quitter.return_assignment(returned)
    fake.clock.advance(seconds=61)
    for assignment_id in (late, returned):
        reply = requests.post(
            SANDBOX_SUBMIT, data={"assignmentId": assignment_id, "color": "red"}, timeout=5
        )
        assert reply.status_code == 409
    assert client.list_assignments_for_hit(HITId=hit_id)["Assignments"] == []


def test_the_other_sites_assignments_do_not_exist(
    fake: MTurkFake, client: Any, prod_client: Any
) -> None:
    sandbox_hit = create(client, HTML_Q)
    production_hit = create(prod_client, HTML_Q)
    sandbox_assignment = fake.workers.create().accept(sandbox_hit)
    production_assignment = fake.workers.create().accept(production_hit)
    # Forms that post to the production site while testing in the sandbox (or the other way
    # round) fail as they would for real.
    wrong = requests.post(
        PRODUCTION_SUBMIT, data={"assignmentId": sandbox_assignment, "c": "1"}, timeout=5
    )
    assert wrong.status_code == 404
    wrong = requests.post(
        SANDBOX_SUBMIT, data={"assignmentId": production_assignment, "c": "1"}, timeout=5
    )
    assert wrong.status_code == 404
    right = requests.post(
        PRODUCTION_SUBMIT, data={"assignmentId": production_assignment, "c": "1"}, timeout=5
    )
    assert right.status_code == 200


def test_get_is_refused(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, HTML_Q)
    assignment_id = fake.workers.create().accept(hit_id)
    reply = requests.get(
        SANDBOX_SUBMIT, params={"assignmentId": assignment_id, "color": "red"}, timeout=5
    )
    assert reply.status_code == 405


def test_plain_http_is_redirected_and_loses_the_post(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, HTML_Q)
    assignment_id = fake.workers.create().accept(hit_id)
    reply = requests.post(
        "http://workersandbox.mturk.com/mturk/externalSubmit",
        data={"assignmentId": assignment_id, "color": "red"},
        timeout=5,
    )
    assert [r.status_code for r in reply.history] == [301]
    assert reply.url == SANDBOX_SUBMIT
    assert reply.status_code == 405  # the browser followed the redirect with a GET
    assert client.list_assignments_for_hit(HITId=hit_id)["Assignments"] == []


def test_a_session_with_its_own_adapters_is_answered_too(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, HTML_Q)
    assignment_id = fake.workers.create().accept(hit_id)
    with requests.Session() as session:
        session.mount("https://", requests.adapters.HTTPAdapter(max_retries=3))
        reply = session.post(
            SANDBOX_SUBMIT, data={"assignmentId": assignment_id, "color": "red"}, timeout=5
        )
    assert reply.status_code == 200


# ============================================================================ living with responses


@responses.activate
def test_with_the_users_responses_activate(fake: MTurkFake, client: Any) -> None:
    responses.add(responses.GET, "https://api.example.org/labels", json={"labels": ["cat"]})
    hit_id = create(client, HTML_Q)
    assignment_id = fake.workers.create().accept(hit_id)
    label = requests.get("https://api.example.org/labels", timeout=5).json()["labels"][0]
    reply = requests.post(
        SANDBOX_SUBMIT, data={"assignmentId": assignment_id, "color": label}, timeout=5
    )
    assert reply.status_code == 200
    assert answers_of(client, hit_id) == {"color": "cat"}
    # The user's mock saw only its own URL.
    assert [c.request.url for c in responses.calls] == ["https://api.example.org/labels"]


def test_with_a_users_requests_mock_instance(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, HTML_Q)
    assignment_id = fake.workers.create().accept(hit_id)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add(responses.POST, "https://example.org/hook", status=204)
        assert requests.post("https://example.org/hook", timeout=5).status_code == 204
        reply = requests.post(
            SANDBOX_SUBMIT, data={"assignmentId": assignment_id, "color": "red"}, timeout=5
        )
        assert reply.status_code == 200
        assert len(mock.calls) == 1
        # Anything else still meets the user's mock, which refuses unknown URLs.
        with pytest.raises(requests.ConnectionError):
            requests.get("https://example.org/other", timeout=5)


def test_a_responses_mock_started_before_the_fake(client: Any) -> None:
    with responses.RequestsMock() as mock, MTurkFake() as fake:
        mock.add(responses.GET, "https://example.org/", body="hello")
        hit_id = create(client, HTML_Q)
        assignment_id = fake.workers.create().accept(hit_id)
        assert requests.get("https://example.org/", timeout=5).text == "hello"
        reply = requests.post(
            SANDBOX_SUBMIT, data={"assignmentId": assignment_id, "color": "red"}, timeout=5
        )
        assert reply.status_code == 200


def test_nothing_is_answered_once_the_fake_stops() -> None:
    with MTurkFake():
        assert handles(SANDBOX_SUBMIT)
    # Inert now: the request goes to the normal adapter (here a responses mock, so no network).
    with responses.RequestsMock() as mock:
        with pytest.raises(requests.ConnectionError):
            requests.post(SANDBOX_SUBMIT, data={"assignmentId": "X"}, timeout=5)
        assert len(mock.calls) == 1


def test_only_the_fakes_urls_are_taken() -> None:
    assert handles(SANDBOX_SUBMIT)
    assert handles(PRODUCTION_SUBMIT + "?x=1")
    assert handles("http://www.mturk.com/mturk/externalSubmit")
    assert handles(CONTENT_URL + "?hitId=X")
    assert not handles("https://www.mturk.com/mturk/preview?groupId=X")
    assert not handles("https://worker.mturk.com/projects")
    assert not handles("https://example.org/mturk/externalSubmit")


# ============================================================================ GetFileUploadURL


def uploaded(fake: MTurkFake, client: Any, data: bytes = b"\x89PNG...") -> tuple[str, str]:
    hit_id = create(client, UPLOAD_Q)
    assignment_id = fake.workers.create().do(hit_id, {"photo": data, "caption": "my cat"})
    return hit_id, assignment_id


def test_file_upload_url_serves_the_file_for_60_seconds(fake: MTurkFake, client: Any) -> None:
    _, assignment_id = uploaded(fake, client, b"\x89PNG\r\n\x1a\nbytes")
    url = client.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier="photo")[
        "FileUploadURL"
    ]
    assert url.startswith("https://")
    assert "X-Amz-Expires=60" in url
    first = requests.get(url, timeout=5)
    assert first.status_code == 200
    assert first.content == b"\x89PNG\r\n\x1a\nbytes"
    fake.clock.advance(seconds=59)
    assert requests.get(url, timeout=5).status_code == 200
    fake.clock.advance(seconds=2)
    expired = requests.get(url, timeout=5)
    assert expired.status_code == 403
    assert "<Code>AccessDenied</Code>" in expired.text
    assert "Request has expired" in expired.text
    # A fresh URL works again.
    again = client.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier="photo")
    assert requests.get(again["FileUploadURL"], timeout=5).status_code == 200


def test_files_go_with_the_hit(fake: MTurkFake, client: Any) -> None:
    hit_id, assignment_id = uploaded(fake, client)
    url = client.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier="photo")[
        "FileUploadURL"
    ]
    client.approve_assignment(AssignmentId=assignment_id)
    client.delete_hit(HITId=hit_id)
    assert requests.get(url, timeout=5).status_code == 404
    with pytest.raises(ClientError) as exc:
        client.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier="photo")
    assert error_of(exc)[0] == "ParameterValidationError"


def test_file_upload_url_needs_a_submitted_assignment(fake: MTurkFake, client: Any) -> None:
    hit_id = create(client, UPLOAD_Q)
    assignment_id = fake.workers.create().accept(hit_id)
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier="photo")
    code, message, turk = error_of(exc)
    assert turk == "AWS.MechanicalTurk.AssignmentDoesNotExist"
    assert message.startswith(f"Assignment {assignment_id} does not exist.")


def test_file_upload_url_is_the_owners_only(fake: MTurkFake, client: Any, prod_client: Any) -> None:
    _, assignment_id = uploaded(fake, client)
    with pytest.raises(prod_client.exceptions.RequestError):
        prod_client.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier="photo")


@pytest.mark.parametrize("question", ["caption", "nosuchquestion"])
def test_file_upload_url_needs_a_file_upload_question(
    fake: MTurkFake, client: Any, question: str
) -> None:
    _, assignment_id = uploaded(fake, client)
    with pytest.raises(ClientError) as exc:
        client.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier=question)
    code, message, _ = error_of(exc)
    assert code == "ParameterValidationError"
    assert question in message


def test_unknown_upload_urls_are_refused(fake: MTurkFake, client: Any) -> None:
    _, assignment_id = uploaded(fake, client)
    url = client.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier="photo")[
        "FileUploadURL"
    ]
    forged = url.rsplit("=", 1)[0] + "=" + "0" * 64
    assert requests.get(forged, timeout=5).status_code == 403
    assert requests.put(url, data=b"x", timeout=5).status_code == 405


def test_external_submit_alongside_moto(fake: MTurkFake, client: Any) -> None:
    import json

    import boto3
    import moto

    with moto.mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = sqs.create_queue(QueueName="events")["QueueUrl"]
        type_id = client.create_hit_type(
            AssignmentDurationInSeconds=600, Reward="0.50", Title="t", Description="d"
        )["HITTypeId"]
        client.update_notification_settings(
            HITTypeId=type_id,
            Notification={
                "Destination": queue,
                "Transport": "SQS",
                "Version": "2014-08-15",
                "EventTypes": ["AssignmentSubmitted"],
            },
        )
        hit_id = client.create_hit_with_hit_type(
            HITTypeId=type_id, LifetimeInSeconds=3600, Question=HTML_Q
        )["HIT"]["HITId"]
        assignment_id = fake.workers.create().accept(hit_id)
        reply = requests.post(
            SANDBOX_SUBMIT, data={"assignmentId": assignment_id, "color": "red"}, timeout=5
        )
        assert reply.status_code == 200
        (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
        event = json.loads(message["Body"])["Events"][0]
        assert (event["EventType"], event["AssignmentId"]) == ("AssignmentSubmitted", assignment_id)
