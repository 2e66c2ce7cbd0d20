"""The plain-HTTP edges of MTurk: the worker's browser URL, the external submit form,
file-upload URLs, and delivery of notifications to moto's SQS/SNS when moto is active.

(Placeholder seams; filled in by the notifications / HTTP-edges work.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_mturk.fake import MTurkFake


def start(fake: MTurkFake) -> None:
    """Called when ``fake`` starts answering."""


def stop(fake: MTurkFake) -> None:
    """Called when ``fake`` stops answering."""


def open_url(fake: MTurkFake, worker_id: str, hit_id: str, assignment_id: str | None) -> str:
    raise NotImplementedError("worker.open() arrives with the HTTP-edges work")
