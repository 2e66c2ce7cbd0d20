"""What the pages need of the server, and how they act: as clients of the fake, never past it.

* Worker actions go through the control API (``POST /_pytest_mturk/workers``, ``accept``,
  ``submit``, ``return``, ``clock/...``), in process: the same calls a test in another language
  makes, journaled by a durable (``--state``) server like any other.
* Requester actions are MTurk API calls (``ApproveAssignment``, ``SendBonus``, ...) answered by
  the server's own answer function (``protocol.handle``, journaled on a durable server), with
  the chosen requester's access key: validated, recorded in ``fake.calls``, subject to injected
  faults, exactly as a boto3 call.
* The two worker actions the control API has no endpoint for (a qualification request, and
  answers holding uploaded files) call the service's worker functions directly, which is what
  ``worker.request_qualification`` and ``worker.submit`` do; a durable server refuses them
  (they would not be journaled, and a replay would miss them).
* Reads look at the service's records under its lock (as the control API's reads do), so
  browsing records no API call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar

from pytest_mturk import protocol
from pytest_mturk.errors import WorkerActionError
from pytest_mturk.faults import TransportFault
from pytest_mturk.protocol import Backend
from pytest_mturk.service import qualification_requests, worker_actions
from pytest_mturk.service.state import Service
from pytest_mturk.transport.http11 import LowerHeaders

__all__ = ["Actions", "PageError", "Request", "Response", "ServerView"]

T = TypeVar("T")


class ServerView(Protocol):
    """The parts of an :class:`~pytest_mturk.MTurkServer` the pages use."""

    @property
    def backend(self) -> Backend: ...
    @property
    def control(self) -> Callable[[str, str, str, bytes], tuple[int, bytes, str]] | None: ...
    @property
    def answer(
        self,
    ) -> Callable[[Backend, Any, bytes, str], tuple[int, bytes, str | None, str]]: ...
    @property
    def token(self) -> str | None: ...
    @property
    def base_url(self) -> str: ...
    @property
    def environment(self) -> str: ...
    @property
    def host(self) -> str: ...
    def url_for(self, environment: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to a page (header names lower-case)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(slots=True)
class Response:
    """One answer: status, headers (Content-Type among them), body."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class PageError(Exception):
    """An action refused: ``status``, and a message for the person at the page (``reason``: the
    WorkerActionError reason, when there is one)."""

    def __init__(self, status: int, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason


_DURABLE = (
    "This server keeps its state in a file (--state) and journals the control API's actions "
    "and API calls only; {what} is neither, so the pages cannot do it here. Run the server "
    "without --state to do it from a browser."
)


def host_of(env_name: str) -> str:
    """The request host that names environment ``env_name`` (protocol.environment_of's
    inverse)."""
    return protocol.HOSTS.get(env_name, env_name)


class Actions:
    """Everything the pages change, done as a client (see the module's docstring)."""

    def __init__(self, server: ServerView) -> None:
        self.server = server

    @property
    def service(self) -> Service:
        return self.server.backend.service

    @property
    def durable(self) -> bool:
        """Whether the server journals its inputs (``--state``)."""
        return getattr(self.server.control, "run_action", None) is not None

    # ------------------------------------------------------------------ control API

    def control(self, name: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Run control action ``name``; PageError with its message when it is refused."""
        control = self.server.control
        if control is None:
            raise PageError(501, "This server has no control API, which the pages act through.")
        status, payload, _ = control("POST", name, "", json.dumps(dict(values)).encode())
        body = json.loads(payload)
        if status != 200:
            raise PageError(
                400 if status == 400 else 409, str(body.get("message")), body.get("reason")
            )
        result: dict[str, Any] = body
        return result

    def _direct(self, what: str) -> None:
        if self.durable:
            raise PageError(409, _DURABLE.format(what=what))

    def create_worker(self, values: Mapping[str, Any]) -> str:
        """A new simulated worker (``fake.workers.create``); returns its id."""
        return str(self.control("workers", values)["worker"]["worker_id"])

    def accept(self, worker_id: str, hit_id: str) -> str:
        """The worker accepts the HIT; returns the assignment id."""
        if self.server.control is None:
            return self._worker_call(
                lambda: worker_actions.accept(self.service, worker_id, hit_id).id
            )
        result = self.control("accept", {"worker_id": worker_id, "hit_id": hit_id})
        return str(result["assignment_id"])

    def submit(
        self,
        worker_id: str,
        assignment_id: str,
        answers: Mapping[str, str | Sequence[str] | bytes],
    ) -> None:
        """The worker submits the assignment with these answers (bytes: uploaded files)."""
        if self.server.control is None or any(isinstance(v, bytes) for v in answers.values()):
            self._direct("submitting uploaded files")
            self._worker_call(
                lambda: worker_actions.submit(self.service, worker_id, assignment_id, answers)
            )
            return
        plain = {k: v if isinstance(v, str) else list(v) for k, v in answers.items()}
        self.control(
            "submit", {"worker_id": worker_id, "assignment_id": assignment_id, "answers": plain}
        )

    def return_assignment(self, worker_id: str, assignment_id: str) -> None:
        """The worker gives the assignment back."""
        if self.server.control is None:
            self._worker_call(
                lambda: worker_actions.return_assignment(self.service, worker_id, assignment_id)
            )
            return
        self.control("return", {"worker_id": worker_id, "assignment_id": assignment_id})

    def move_clock_to(self, when: float) -> None:
        """Move the fake clock forward to ``when`` (epoch seconds), applying what falls due."""
        iso = datetime.fromtimestamp(when, timezone.utc).isoformat().replace("+00:00", "Z")
        if self.server.control is None:
            self.service.clock.move_to(datetime.fromtimestamp(when, timezone.utc))
            return
        self.control("clock/move_to", {"time": iso})

    def advance_clock(self, **amount: float) -> None:
        """Move the fake clock forward (``seconds``, ``minutes``, ``hours``, ``days``)."""
        if self.server.control is None:
            self.service.clock.advance(**amount)
            return
        self.control("clock/advance", amount)

    def request_qualification(
        self,
        worker_id: str,
        type_id: str,
        answers: Mapping[str, str | Sequence[str]] | None,
        started_at: float | None,
    ) -> str | None:
        """The worker requests a qualification (taking its test with ``answers``): the request
        id when it waits for the requester, None when granted at once."""
        self._direct("a qualification request")
        return self._worker_call(
            lambda: qualification_requests.worker_request(
                self.service, worker_id, type_id, answers, started_at=started_at
            )
        )

    @staticmethod
    def _worker_call(call: Callable[[], T]) -> T:
        try:
            return call()
        except WorkerActionError as exc:
            raise PageError(409, str(exc), exc.reason) from None

    # ------------------------------------------------------------------ the API

    def api(
        self, env_name: str, access_key: str, operation: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Call an MTurk operation as the requester ``access_key`` in ``env_name``; the answer,
        or PageError with the error's type, TurkErrorCode and message."""
        headers = {
            "x-amz-target": protocol.TARGET_PREFIX + operation,
            "content-type": protocol.CONTENT_TYPE,
            "authorization": (
                f"AWS4-HMAC-SHA256 Credential={access_key}/19700101/us-east-1/mturk-requester/"
                "aws4_request, SignedHeaders=host;x-amz-target, Signature=pytest-mturk-pages"
            ),
            "user-agent": "pytest-mturk-requester-page",
        }
        server = self.server
        try:
            status, payload, _, _ = server.answer(
                server.backend,
                LowerHeaders(headers),
                json.dumps(dict(params)).encode(),
                host_of(env_name),
            )
        except TransportFault as fault:
            raise PageError(
                502, f"{operation} failed: an injected {fault.kind} fault dropped the connection."
            ) from None
        body = json.loads(payload) if payload else {}
        if status != 200:
            kind = str(body.get("__type", "")).rsplit("#", 1)[-1]
            code = body.get("TurkErrorCode")
            message = body.get("message") or body.get("Message") or ""
            detail = f"{kind}" + (f" ({code})" if code else "")
            raise PageError(status, f"{operation} failed: {detail}: {message}")
        result: dict[str, Any] = body
        return result


class PageSet:
    """What both page sets (``/worker/``, ``/requester/``) are made with: the actions they take,
    the CSRF token maker, and the flash messages carried over a redirect."""

    def __init__(
        self,
        actions: Actions,
        csrf: Callable[[], str],
        flash: Callable[[str, str], str],
        take_flash: Callable[[str | None], tuple[str, str] | None],
    ) -> None:
        self.actions = actions
        self.csrf = csrf
        self.flash = flash
        self.take_flash = take_flash

    @property
    def svc(self) -> Service:
        return self.actions.service
