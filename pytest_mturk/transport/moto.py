"""Outbound: notifications really arrive in moto's SQS queues and SNS topics while moto's
``mock_aws`` is in force (never imports moto itself)."""

from __future__ import annotations

import json
import logging
import sys
import threading
from typing import Any

from pytest_mturk.ledgers import Ledgers, Notification
from pytest_mturk.service import Service
from pytest_mturk.service.notifications import destination_region

__all__ = ["MotoDelivery", "attach", "detach", "moto_active"]

log = logging.getLogger("pytest_mturk")

#: How MTurk writes notifications to each transport (AWS's API reference).
_DOCS = "https://docs.aws.amazon.com/AWSMechTurk/latest/AWSMturkAPI/"
SQS_TRANSPORT_DOC = _DOCS + "ApiReference_NotificationReceptorAPI_SQSTransportArticle.html"
SNS_TRANSPORT_DOC = _DOCS + "ApiReference_NotificationReceptorAPI_SNSTransportArticle.html"
_lock = threading.Lock()


def moto_active() -> bool:
    """Whether moto's ``mock_aws`` is in force in this process (never imports moto)."""
    models = sys.modules.get("moto.core.models")
    stubber = getattr(models, "botocore_stubber", None)
    return bool(getattr(stubber, "enabled", False))


_clients: dict[tuple[str, str], Any] = {}
_botocore_session: Any = None


def _aws_client(service: str, region: str) -> Any:
    """A botocore client for moto to answer (made, and cached, only while moto is active)."""
    global _botocore_session
    with _lock:
        client = _clients.get((service, region))
        if client is None:
            if _botocore_session is None:
                # Deferred: botocore.session costs ~150 ms to import, which a suite run under
                # --mturk-fake would pay at its first test even when no test uses moto.
                import botocore.session

                _botocore_session = botocore.session.get_session()
            client = _botocore_session.create_client(
                service,
                region_name=region,
                # Explicit endpoint and credentials: moto answers amazonaws.com hosts and accepts
                # any key; a user's AWS_ENDPOINT_URL_* must not send these elsewhere.
                endpoint_url=f"https://{service}.{region}.amazonaws.com",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            patch = getattr(sys.modules.get("moto.core.models"), "patch_client", None)
            if patch is not None:
                patch(client)
            _clients[(service, region)] = client
        return client


class MotoDelivery:
    """``Service.on_notification`` hook: SQS/SNS messages really arrive in moto's queues/topics.

    Without moto they are only recorded. A failed delivery (no such queue or topic) is recorded
    on the notification (``delivery_error``) and logged; the MTurk call that caused it succeeds,
    as MTurk's own delivery is asynchronous.
    """

    __slots__ = ("_ledgers",)

    def __init__(self, ledgers: Ledgers) -> None:
        self._ledgers = ledgers

    def __call__(self, note: Notification) -> None:
        if note.transport not in ("SQS", "SNS") or not moto_active():
            return
        region = destination_region(note.transport, note.destination) or "us-east-1"
        document = json.dumps(note.message, separators=(",", ":"))
        try:
            if note.transport == "SQS":
                # The SQS message body is the JSON document itself (SQS_TRANSPORT_DOC).
                _aws_client("sqs", region).send_message(
                    QueueUrl=note.destination, MessageBody=document
                )
            else:
                # SNS: Message = the document, Subject = epoch milliseconds (SNS_TRANSPORT_DOC).
                _aws_client("sns", region).publish(
                    TopicArn=note.destination,
                    Message=document,
                    Subject=str(int(note.time.timestamp() * 1000)),
                )
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("pytest-mturk: notification to %s failed: %s", note.destination, error)
            self._ledgers.mark_delivery(note, error)
        else:
            self._ledgers.mark_delivery(note, None)


def attach(service: Service) -> None:
    """Deliver ``service``'s SQS/SNS notifications into moto when moto is active."""
    hooks = service.on_notification
    if not any(isinstance(h, MotoDelivery) for h in hooks):
        hooks.append(MotoDelivery(service.ledgers))


def detach(service: Service) -> None:
    """Stop delivering ``service``'s notifications into moto."""
    hooks = service.on_notification
    hooks[:] = [h for h in hooks if not isinstance(h, MotoDelivery)]
