"""Answering a botocore request in process: the request goes through
:func:`pytest_mturk.protocol.handle` and comes back as the ``AWSResponse`` botocore would have
read off the wire, so its parser, error mapping and retries run as in production. Each answer
(or connection error) is marked as the fake's, so that botocore's retry backoff after it
advances the fake clock instead of sleeping (:mod:`pytest_mturk.transport.backoff`).

Imported on the first request (by :mod:`pytest_mturk.transport.hook`), so botocore is imported
at the top.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

from botocore import exceptions
from botocore.awsrequest import AWSResponse

from pytest_mturk.faults import TransportFault
from pytest_mturk.protocol import CONTENT_TYPE, Backend, handle, http_date, request_id
from pytest_mturk.transport import backoff

__all__ = ["FakeAWSResponse", "answer", "connection_failure"]


class _Content(bytes):
    """A response body: bytes to botocore, and awaitable to aiobotocore, which awaits
    ``http_response.content`` (so the one hook answers both kinds of client)."""

    def __await__(self) -> Generator[Any, None, bytes]:
        return _ready(bytes(self)).__await__()


async def _ready(value: bytes) -> bytes:
    return value


class FakeAWSResponse(AWSResponse):  # type: ignore[misc]  # botocore ships no types
    """An ``AWSResponse`` whose ``content`` is already in memory, and awaitable too."""

    def __init__(self, url: str, status_code: int, headers: Any, body: bytes) -> None:
        super().__init__(url, status_code, headers, _Raw(body))
        self._body = _Content(body)

    @property
    def content(self) -> _Content:
        return self._body


class _Raw:
    """The minimal raw-response object botocore's ``AWSResponse`` reads its content from."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._data


def connection_failure(kind: str, url: str) -> Exception:
    """The botocore exception a connection-level failure surfaces as (botocore retries them)."""
    failure: Exception
    if kind == "ReadTimeout":
        failure = exceptions.ReadTimeoutError(endpoint_url=url)
    elif kind == "ConnectionClosed":
        failure = exceptions.ConnectionClosedError(endpoint_url=url)
    else:
        failure = exceptions.EndpointConnectionError(endpoint_url=url)
    return failure


def answer(backend: Backend, request: Any) -> FakeAWSResponse:
    """The response to one botocore ``AWSPreparedRequest``."""
    url = request.url
    try:
        status, body, _ = handle(backend, request.headers, request.body, url.split("/")[2])
    except TransportFault as fault:
        raise backoff.mark(connection_failure(fault.kind, url), backend) from None
    service = backend.service
    headers: Any = {  # AWSResponse wraps any mapping in HeadersDict
        "x-amzn-RequestId": request_id(service),
        "Content-Type": CONTENT_TYPE,
        "Content-Length": str(len(body)),
        "Date": http_date(service.clock.time()),
    }
    return backoff.mark(FakeAWSResponse(url, status, headers, body), backend)


backoff.install()
