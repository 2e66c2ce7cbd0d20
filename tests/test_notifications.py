"""Notification settings, test events, delivery to moto's SQS/SNS, NotifyWorkers and the
assertion helpers over what was sent (reference §3.4, §9)."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import moto
import pytest
from botocore.exceptions import ClientError

from pytest_mturk import MTurkFake
from pytest_mturk.transport.moto import moto_active
from tests.conftest import EXTERNAL_Q, error_of

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/mturk-events"
TOPIC = "arn:aws:sns:us-east-1:123456789012:mturk-events"


def spec(
    destination: str = QUEUE,
    transport: str = "SQS",
    events: list[str] | None = None,
    version: str = "2014-08-15",
) -> dict[str, Any]:
    return {
        "Destination": destination,
        "Transport": transport,
        "Version": version,
        "EventTypes": events or ["AssignmentSubmitted"],
    }


def hit_type(client: Any) -> str:
    return str(
        client.create_hit_type(
            AssignmentDurationInSeconds=600,
            Reward="0.50",
            Title="Label an image",
            Description="Say what the picture shows",
            AutoApprovalDelayInSeconds=3600,
        )["HITTypeId"]
    )


def hit_of(client: Any, type_id: str, assignments: int = 1) -> str:
    return str(
        client.create_hit_with_hit_type(
            HITTypeId=type_id,
            LifetimeInSeconds=3600,
            MaxAssignments=assignments,
            Question=EXTERNAL_Q,
        )["HIT"]["HITId"]
    )


def submitted_hit(fake: MTurkFake, client: Any, type_id: str) -> tuple[str, str, str]:
    """(HIT id, assignment id, worker id) of a HIT whose one assignment was submitted."""
    hit_id = hit_of(client, type_id)
    worker = fake.workers.create()
    return hit_id, worker.do(hit_id, {"answer": "cat"}), worker.worker_id


def events_of(fake: MTurkFake) -> list[tuple[str, str]]:
    return [(e["EventType"], n.destination) for n in fake.notifications for e in n.events]


# ================================================================ UpdateNotificationSettings


def test_spec_delivers_listed_events_and_returns_empty(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    out = client.update_notification_settings(
        HITTypeId=type_id, Notification=spec(events=["AssignmentAccepted", "AssignmentSubmitted"])
    )
    assert set(out) == {"ResponseMetadata"}
    hit_id, assignment_id, _ = submitted_hit(fake, client, type_id)
    assert events_of(fake) == [("AssignmentAccepted", QUEUE), ("AssignmentSubmitted", QUEUE)]
    event = fake.notifications[1].events[0]
    assert event["HITId"] == hit_id
    assert event["HITTypeId"] == type_id
    assert event["AssignmentId"] == assignment_id
    assert "WorkerId" not in event  # no WorkerId field in MTurk events (reference §9)


def test_unknown_hit_type_is_refused(fake: MTurkFake, client: Any) -> None:
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.update_notification_settings(HITTypeId="3NOSUCHTYPE", Notification=spec())
    code, message, turk = error_of(exc)
    assert turk == "AWS.MechanicalTurk.HITTypeDoesNotExist"
    assert "3NOSUCHTYPE" in message


def test_another_requesters_hit_type_is_unknown(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    other = boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKOTHER", aws_secret_access_key="x"
    ).client(
        "mturk",
        region_name="us-east-1",
        endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com",
    )
    with pytest.raises(other.exceptions.RequestError):
        other.update_notification_settings(HITTypeId=type_id, Notification=spec())


def test_notification_or_active_must_be_given(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    with pytest.raises(ClientError) as exc:
        client.update_notification_settings(HITTypeId=type_id)
    code, message, _ = error_of(exc)
    assert code == "ParameterValidationError"
    assert "Notification parameter or the Active parameter" in message


@pytest.mark.parametrize("active", [True, False])
def test_active_needs_a_spec(fake: MTurkFake, client: Any, active: bool) -> None:
    type_id = hit_type(client)
    with pytest.raises(ClientError) as exc:
        client.update_notification_settings(HITTypeId=type_id, Active=active)
    assert error_of(exc)[0] == "ParameterValidationError"
    # ... unless one is given in the same call.
    client.update_notification_settings(HITTypeId=type_id, Notification=spec(), Active=active)


def test_active_toggles_delivery_and_keeps_the_spec(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    client.update_notification_settings(HITTypeId=type_id, Notification=spec(), Active=False)
    submitted_hit(fake, client, type_id)
    assert fake.notifications == []
    client.update_notification_settings(HITTypeId=type_id, Active=True)
    submitted_hit(fake, client, type_id)
    assert events_of(fake) == [("AssignmentSubmitted", QUEUE)]
    client.update_notification_settings(HITTypeId=type_id, Active=False)
    submitted_hit(fake, client, type_id)
    assert len(fake.notifications) == 1


def test_a_spec_without_active_is_active(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    client.update_notification_settings(HITTypeId=type_id, Notification=spec(), Active=False)
    # A new specification given without Active switches notifications on (documented choice).
    client.update_notification_settings(HITTypeId=type_id, Notification=spec())
    submitted_hit(fake, client, type_id)
    fake.assert_notified("AssignmentSubmitted", count=1)


def test_a_new_spec_replaces_the_old(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    client.update_notification_settings(
        HITTypeId=type_id, Notification=spec(events=["AssignmentAccepted"])
    )
    client.update_notification_settings(
        HITTypeId=type_id, Notification=spec(TOPIC, "SNS", ["AssignmentSubmitted"])
    )
    submitted_hit(fake, client, type_id)
    assert events_of(fake) == [("AssignmentSubmitted", TOPIC)]
    assert fake.notifications[0].transport == "SNS"


def test_ping_is_only_for_test_events(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    with pytest.raises(ClientError) as exc:
        client.update_notification_settings(
            HITTypeId=type_id, Notification=spec(events=["AssignmentSubmitted", "Ping"])
        )
    code, message, _ = error_of(exc)
    assert code == "ParameterValidationError"
    assert "Ping" in message
    client.send_test_event_notification(Notification=spec(events=["Ping"]), TestEventType="Ping")


@pytest.mark.parametrize(
    ("transport", "destination"),
    [
        ("SQS", "https://example.org/queue"),
        ("SQS", "https://sqs.us-east-1.amazonaws.com/mturk-events"),
        ("SQS", "http://sqs.us-east-1.amazonaws.com/123456789012/mturk-events"),
        ("SQS", TOPIC),
        ("SNS", QUEUE),
        ("SNS", "arn:aws:sqs:us-east-1:123456789012:mturk-events"),
        ("SNS", "arn:aws:sns:us-east-1:1234:mturk-events"),
        ("Email", "not-an-address"),
        ("Email", QUEUE),
    ],
)
def test_destination_must_suit_the_transport(
    fake: MTurkFake, client: Any, transport: str, destination: str
) -> None:
    type_id = hit_type(client)
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.update_notification_settings(
            HITTypeId=type_id, Notification=spec(destination, transport)
        )
    assert error_of(exc)[2] == "AWS.MechanicalTurk.InvalidTransportEndpoint"
    with pytest.raises(client.exceptions.RequestError) as exc:
        client.send_test_event_notification(
            Notification=spec(destination, transport), TestEventType="Ping"
        )
    assert error_of(exc)[2] == "AWS.MechanicalTurk.InvalidTransportEndpoint"
    assert fake.notifications == []


@pytest.mark.parametrize(
    ("transport", "destination"),
    [
        ("SQS", QUEUE),
        ("SQS", "https://sqs.eu-west-1.amazonaws.com/123456789012/events.fifo"),
        ("SQS", "https://queue.amazonaws.com/123456789012/legacy_queue"),
        ("SQS", "https://us-west-2.queue.amazonaws.com/123456789012/legacy-queue"),
        ("SNS", TOPIC),
        ("SNS", "arn:aws:sns:eu-central-1:123456789012:Topic_1"),
        ("Email", "requester@example.org"),
    ],
)
def test_valid_destinations_are_accepted(
    fake: MTurkFake, client: Any, transport: str, destination: str
) -> None:
    client.update_notification_settings(
        HITTypeId=hit_type(client), Notification=spec(destination, transport)
    )


@pytest.mark.parametrize("version", ["2006-05-05", "2014-08-15"])
def test_both_versions_are_accepted_and_echoed(fake: MTurkFake, client: Any, version: str) -> None:
    type_id = hit_type(client)
    client.update_notification_settings(HITTypeId=type_id, Notification=spec(version=version))
    submitted_hit(fake, client, type_id)
    assert fake.notifications[0].message["EventDocVersion"] == version


def test_other_versions_are_refused_and_nothing_changes(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    client.update_notification_settings(HITTypeId=type_id, Notification=spec())
    with pytest.raises(ClientError) as exc:
        client.update_notification_settings(
            HITTypeId=type_id, Notification=spec(TOPIC, "SNS", version="2017-01-17"), Active=False
        )
    code, message, _ = error_of(exc)
    assert code == "ParameterValidationError"
    assert "2017-01-17" in message
    submitted_hit(fake, client, type_id)  # the old spec is still there, still active
    assert events_of(fake) == [("AssignmentSubmitted", QUEUE)]


def test_unknown_event_type_is_a_validation_exception(fake: MTurkFake, client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client.update_notification_settings(
            HITTypeId=hit_type(client), Notification=spec(events=["AssignmentFinished"])
        )
    assert error_of(exc)[0] == "ValidationException"


def test_empty_event_types_are_refused(fake: MTurkFake, client: Any) -> None:
    notification = spec()
    notification["EventTypes"] = []
    with pytest.raises(ClientError) as exc:
        client.update_notification_settings(HITTypeId=hit_type(client), Notification=notification)
    assert error_of(exc)[0] == "ParameterValidationError"


def test_hit_lifecycle_events(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    client.update_notification_settings(
        HITTypeId=type_id,
        Notification=spec(
            events=[
                "HITCreated",
                "AssignmentAccepted",
                "AssignmentReturned",
                "AssignmentSubmitted",
                "AssignmentApproved",
                "AssignmentRejected",
                "HITReviewable",
                "HITDisposed",
            ]
        ),
    )
    hit_id = hit_of(client, type_id, assignments=2)
    first, second = fake.workers.create(), fake.workers.create()
    first.return_assignment(first.accept(hit_id))
    a1 = first.do(hit_id, {"answer": "cat"})
    a2 = second.do(hit_id, {"answer": "dog"})
    client.approve_assignment(AssignmentId=a1)
    client.reject_assignment(AssignmentId=a2, RequesterFeedback="wrong")
    client.delete_hit(HITId=hit_id)
    assert [e for e, _ in events_of(fake)] == [
        "HITCreated",
        "AssignmentAccepted",
        "AssignmentReturned",
        "AssignmentAccepted",
        "AssignmentSubmitted",
        "AssignmentAccepted",
        "AssignmentSubmitted",
        "HITReviewable",
        "AssignmentApproved",
        "AssignmentRejected",
        "HITDisposed",
    ]
    fake.assert_notified("AssignmentAccepted", hit_id=hit_id, count=3)


def test_auto_approval_notifies(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)  # auto-approval after an hour
    client.update_notification_settings(
        HITTypeId=type_id, Notification=spec(events=["AssignmentApproved"])
    )
    hit_id, assignment_id, _ = submitted_hit(fake, client, type_id)
    assert fake.notifications == []
    fake.clock.advance(hours=2)
    fake.assert_notified("AssignmentApproved", hit_id=hit_id, count=1)
    assert fake.notifications[0].events[0]["AssignmentId"] == assignment_id


def test_message_format(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    client.update_notification_settings(HITTypeId=type_id, Notification=spec())
    submitted_hit(fake, client, type_id)
    message = fake.notifications[0].message
    assert list(message) == [
        "Events",
        "EventDocId",
        "SourceAccount",
        "CustomerId",
        "EventDocVersion",
    ]
    assert re.fullmatch(r"[0-9a-f]{40}", message["EventDocId"])
    assert re.fullmatch(r"\d{12}", message["SourceAccount"])
    assert re.fullmatch(r"A[A-Z0-9]{12,13}", message["CustomerId"])
    event = message["Events"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["EventTimestamp"])


# ================================================================ SendTestEventNotification


def test_test_event_is_sent_even_if_not_listed(fake: MTurkFake, client: Any) -> None:
    out = client.send_test_event_notification(
        Notification=spec(events=["HITExpired"]), TestEventType="AssignmentSubmitted"
    )
    assert set(out) == {"ResponseMetadata"}
    (note,) = fake.notifications
    assert note.destination == QUEUE
    assert note.event_types == ("AssignmentSubmitted",)
    event = note.events[0]
    assert set(event) == {"EventType", "EventTimestamp", "HITId", "HITTypeId", "AssignmentId"}


def test_ping_test_event_carries_no_ids(fake: MTurkFake, client: Any) -> None:
    client.send_test_event_notification(
        Notification=spec(TOPIC, "SNS", version="2006-05-05"), TestEventType="Ping"
    )
    note = fake.notifications[0]
    assert note.transport == "SNS"
    assert set(note.events[0]) == {"EventType", "EventTimestamp"}
    assert note.message["EventDocVersion"] == "2006-05-05"


def test_test_event_does_not_store_a_spec(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    client.send_test_event_notification(Notification=spec(), TestEventType="Ping")
    submitted_hit(fake, client, type_id)
    assert len(fake.notifications) == 1


def test_test_event_version_is_checked(fake: MTurkFake, client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client.send_test_event_notification(
            Notification=spec(version="2005-01-01"), TestEventType="Ping"
        )
    assert error_of(exc)[0] == "ParameterValidationError"
    assert fake.notifications == []


# ============================================================================ delivery to moto


def sqs_messages(sqs: Any, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        out += [json.loads(m["Body"]) for m in got]
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_sqs_delivery_through_moto(fake: MTurkFake, client: Any) -> None:
    with moto.mock_aws():
        assert moto_active()
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="mturk-events")["QueueUrl"]
        type_id = hit_type(client)
        client.update_notification_settings(
            HITTypeId=type_id,
            Notification=spec(url, events=["AssignmentAccepted", "AssignmentSubmitted"]),
            Active=True,
        )
        hit_id = hit_of(client, type_id)
        worker = fake.workers.create()
        assignment_id = worker.accept(hit_id)
        worker.submit(assignment_id, {"answer": "cat"})

        documents = sqs_messages(sqs, url)
        assert [d["Events"][0]["EventType"] for d in documents] == [
            "AssignmentAccepted",
            "AssignmentSubmitted",
        ]
        for document in documents:
            assert set(document) == {
                "EventDocId",
                "SourceAccount",
                "CustomerId",
                "EventDocVersion",
                "Events",
            }
            assert document["EventDocVersion"] == "2014-08-15"
            (event,) = document["Events"]
            assert set(event) == {
                "EventType",
                "EventTimestamp",
                "HITTypeId",
                "HITId",
                "AssignmentId",
            }
            assert event["HITId"] == hit_id
            assert event["HITTypeId"] == type_id
            assert event["AssignmentId"] == assignment_id
        assert [d["EventDocId"] for d in documents] == [
            n.message["EventDocId"] for n in fake.notifications
        ]
        assert all(n.delivered and n.delivery_error is None for n in fake.notifications)
    assert not moto_active()


def test_sns_delivery_through_moto(fake: MTurkFake, client: Any) -> None:
    with moto.mock_aws():
        sqs = boto3.client("sqs", region_name="eu-west-1")
        sns = boto3.client("sns", region_name="eu-west-1")
        url = sqs.create_queue(QueueName="from-sns")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        topic = sns.create_topic(Name="mturk")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        type_id = hit_type(client)
        client.update_notification_settings(
            HITTypeId=type_id, Notification=spec(topic, "SNS", version="2006-05-05")
        )
        hit_id, assignment_id, _ = submitted_hit(fake, client, type_id)

        (envelope,) = sqs_messages(sqs, url)
        # What Dallinger's SNS listener reads: Type Notification, Message = the JSON document.
        assert envelope["Type"] == "Notification"
        assert envelope["TopicArn"] == topic
        assert re.fullmatch(r"\d{13}", envelope["Subject"])
        document = json.loads(envelope["Message"])
        assert document["EventDocVersion"] == "2006-05-05"
        assert document["Events"][0]["EventType"] == "AssignmentSubmitted"
        assert document["Events"][0]["AssignmentId"] == assignment_id
        assert fake.notifications[0].delivered


def test_test_event_reaches_moto(fake: MTurkFake, client: Any) -> None:
    with moto.mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="pings")["QueueUrl"]
        client.send_test_event_notification(Notification=spec(url), TestEventType="Ping")
        (document,) = sqs_messages(sqs, url)
        assert document["Events"][0]["EventType"] == "Ping"


def test_failed_delivery_is_recorded_and_the_call_succeeds(
    fake: MTurkFake, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with moto.mock_aws():
        type_id = hit_type(client)
        client.update_notification_settings(HITTypeId=type_id, Notification=spec())  # no queue
        hit_id, _, _ = submitted_hit(fake, client, type_id)
    (note,) = fake.notifications
    assert not note.delivered
    assert note.delivery_error is not None
    assert "NonExistentQueue" in note.delivery_error or "does not exist" in note.delivery_error
    assert "delivery failed" in str(note)
    assert "failed" in caplog.text
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewable"


def test_without_moto_messages_are_only_recorded(fake: MTurkFake, client: Any) -> None:
    assert not moto_active()
    type_id = hit_type(client)
    client.update_notification_settings(HITTypeId=type_id, Notification=spec())
    submitted_hit(fake, client, type_id)
    (note,) = fake.notifications
    assert not note.delivered
    assert note.delivery_error is None


def test_email_transport_is_recorded_only(fake: MTurkFake, client: Any) -> None:
    with moto.mock_aws():
        client.send_test_event_notification(
            Notification=spec("me@example.org", "Email"), TestEventType="HITExpired"
        )
    (note,) = fake.notifications
    assert note.transport == "Email"
    assert note.delivery_error is None
    assert fake.emails == []  # e-mail notifications go to the requester, not to workers


def test_delivery_survives_a_stopped_fake(client: Any) -> None:
    with MTurkFake() as first:
        pass
    with MTurkFake() as second, moto.mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        client.send_test_event_notification(Notification=spec(url), TestEventType="Ping")
        assert len(sqs_messages(sqs, url)) == 1
    assert first.notifications == []
    assert len(second.notifications) == 1


# ============================================================================ NotifyWorkers


def worker_with_reviewed_work(fake: MTurkFake, client: Any, approve: bool = True) -> str:
    type_id = hit_type(client)
    _, assignment_id, worker_id = submitted_hit(fake, client, type_id)
    if approve:
        client.approve_assignment(AssignmentId=assignment_id)
    else:
        client.reject_assignment(AssignmentId=assignment_id, RequesterFeedback="no")
    return worker_id


def test_notify_workers_mails_workers_you_reviewed(fake: MTurkFake, client: Any) -> None:
    approved = worker_with_reviewed_work(fake, client)
    rejected = worker_with_reviewed_work(fake, client, approve=False)
    out = client.notify_workers(
        Subject="Thanks", MessageText="New HITs tomorrow.", WorkerIds=[approved, rejected]
    )
    assert out["NotifyWorkersFailureStatuses"] == []
    assert [(e.worker_id, e.subject, e.text) for e in fake.emails] == [
        (approved, "Thanks", "New HITs tomorrow."),
        (rejected, "Thanks", "New HITs tomorrow."),
    ]
    fake.assert_emailed(approved, subject="Thanks", contains="tomorrow")


def test_notify_workers_reports_strangers_without_raising(fake: MTurkFake, client: Any) -> None:
    known = worker_with_reviewed_work(fake, client)
    type_id = hit_type(client)
    _, _, unreviewed = submitted_hit(fake, client, type_id)  # submitted, not yet reviewed
    stranger = fake.workers.create().worker_id
    out = client.notify_workers(
        Subject="Hi", MessageText="Hello", WorkerIds=[stranger, known, unreviewed]
    )
    assert out["NotifyWorkersFailureStatuses"] == [
        {
            "NotifyWorkersFailureCode": "HardFailure",
            "NotifyWorkersFailureMessage": (
                "Cannot send a notification to a worker who has not done any work for you"
            ),
            "WorkerId": worker_id,
        }
        for worker_id in (stranger, unreviewed)
    ]
    assert [e.worker_id for e in fake.emails] == [known]


def test_notify_workers_is_per_requester(fake: MTurkFake, client: Any, prod_client: Any) -> None:
    worker = worker_with_reviewed_work(fake, client)  # reviewed in the sandbox
    out = prod_client.notify_workers(Subject="Hi", MessageText="Hello", WorkerIds=[worker])
    assert [f["WorkerId"] for f in out["NotifyWorkersFailureStatuses"]] == [worker]


def test_a_worker_listed_twice_gets_one_mail(fake: MTurkFake, client: Any) -> None:
    worker = worker_with_reviewed_work(fake, client)
    client.notify_workers(Subject="Hi", MessageText="Hello", WorkerIds=[worker, worker])
    assert len(fake.emails) == 1


@pytest.mark.parametrize(
    ("subject", "text", "count", "parameter"),
    [
        ("s" * 201, "text", 1, "Subject"),
        ("subject", "t" * 4097, 1, "MessageText"),
        ("subject", "text", 101, "WorkerIds"),
        ("subject", "text", 0, "WorkerIds"),
        ("", "text", 1, "Subject"),
        ("subject", "  ", 1, "MessageText"),
    ],
)
def test_notify_workers_limits(
    fake: MTurkFake, client: Any, subject: str, text: str, count: int, parameter: str
) -> None:
    worker = worker_with_reviewed_work(fake, client)
    ids = [worker] + [f"A{i:012d}" for i in range(count - 1)] if count else []
    with pytest.raises(ClientError) as exc:
        client.notify_workers(Subject=subject, MessageText=text, WorkerIds=ids)
    code, message, _ = error_of(exc)
    assert code == "ParameterValidationError"
    assert parameter in message
    assert fake.emails == []


def test_notify_workers_at_the_limits(fake: MTurkFake, client: Any) -> None:
    worker = worker_with_reviewed_work(fake, client)
    ids = [worker] + [f"A{i:012d}" for i in range(99)]
    out = client.notify_workers(Subject="s" * 200, MessageText="t" * 4096, WorkerIds=ids)
    assert len(out["NotifyWorkersFailureStatuses"]) == 99
    assert len(fake.emails) == 1


# ============================================================================ assertion helpers


def test_assert_notified_passes_and_fails_with_a_listing(fake: MTurkFake, client: Any) -> None:
    type_id = hit_type(client)
    client.update_notification_settings(
        HITTypeId=type_id, Notification=spec(events=["AssignmentAccepted", "AssignmentSubmitted"])
    )
    hit_id, assignment_id, _ = submitted_hit(fake, client, type_id)
    fake.assert_notified("AssignmentSubmitted")
    fake.assert_notified("AssignmentSubmitted", hit_id=hit_id, destination=QUEUE, count=1)
    fake.assert_notified("HITExpired", count=0)

    with pytest.raises(AssertionError) as exc:
        fake.assert_notified("AssignmentApproved", hit_id=hit_id)
    text = str(exc.value)
    assert f"expected AssignmentApproved for HIT {hit_id} at least once, found 0" in text
    assert "notifications sent:" in text
    assert f"SQS {QUEUE}: AssignmentAccepted(HITId={hit_id} AssignmentId={assignment_id})" in text
    assert len(text.splitlines()) == 4

    with pytest.raises(AssertionError, match=r"2 time\(s\), found 1"):
        fake.assert_notified("AssignmentSubmitted", count=2)
    with pytest.raises(AssertionError, match="to arn:aws"):
        fake.assert_notified("AssignmentSubmitted", destination=TOPIC)


def test_assert_notified_with_nothing_sent(fake: MTurkFake) -> None:
    with pytest.raises(AssertionError, match="no notifications were sent"):
        fake.assert_notified("HITCreated")


def test_assert_emailed_passes_and_fails_with_a_listing(fake: MTurkFake, client: Any) -> None:
    with pytest.raises(AssertionError, match="no e-mails were sent"):
        fake.assert_emailed("A000000000000")
    worker = worker_with_reviewed_work(fake, client)
    client.notify_workers(Subject="Bonus", MessageText="You earned a bonus.", WorkerIds=[worker])
    fake.assert_emailed(worker)
    fake.assert_emailed(worker, subject="Bonus", contains="bonus")
    with pytest.raises(AssertionError) as exc:
        fake.assert_emailed(worker, subject="Thanks")
    text = str(exc.value)
    assert f"expected an e-mail to {worker} with subject 'Thanks', found none" in text
    assert "'Bonus'" in text
    assert "You earned a bonus." in text
    with pytest.raises(AssertionError, match="containing 'penalty'"):
        fake.assert_emailed(worker, contains="penalty")


def test_moto_delivery_survives_reset_and_restore(client: Any, fake: MTurkFake) -> None:
    import boto3
    import moto

    with moto.mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="after-reset")["QueueUrl"]
        spec = {
            "Destination": url,
            "Transport": "SQS",
            "Version": "2014-08-15",
            "EventTypes": ["HITCreated"],
        }
        snap = fake.snapshot()
        for step in ("reset", "restore"):
            if step == "reset":
                fake.reset()
            else:
                fake.restore(snap)
            type_id = client.create_hit_type(
                Title=step, Description="d", Reward="0.10", AssignmentDurationInSeconds=60
            )["HITTypeId"]
            client.update_notification_settings(HITTypeId=type_id, Notification=spec, Active=True)
            client.create_hit_with_hit_type(
                HITTypeId=type_id, LifetimeInSeconds=60, Question=EXTERNAL_Q
            )
            got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", [])
            assert len(got) == 1, step
            sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
