"""The plain-HTTP edges of MTurk, answered in process while a fake is active.

* :func:`open_url`: the URL a worker's browser loads for a HIT (``worker.open(hit_id)``).
* The worker site's form endpoint ``https://{www,workersandbox}.mturk.com/mturk/externalSubmit``:
  a form posted there with ``requests`` submits the assignment, fields becoming FreeText answers.
* The page MTurk serves for an HTMLQuestion, and the temporary URLs of GetFileUploadURL.
* Notifications reach moto's SQS queues and SNS topics when moto's ``mock_aws`` is active.

The HTTP side hooks ``requests.Session.get_adapter``: requests for these few URLs get an adapter
of ours, everything else the adapter ``requests`` would have chosen. ``responses`` (and moto)
patch ``HTTPAdapter.send``, which our URLs never reach, so a test's own ``responses`` mocks,
active or not, neither see nor block them. See docs/fidelity.md.
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import io
import json
import logging
import re
import sys
import threading
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pytest_mturk._hook import after_import
from pytest_mturk.errors import WorkerActionError

if TYPE_CHECKING:
    from pytest_mturk.fake import MTurkFake
    from pytest_mturk.ledgers import Ledgers, Notification
    from pytest_mturk.service.model import HIT, Assignment
    from pytest_mturk.service.state import Service

__all__ = [
    "CONTENT_URL",
    "PREVIEW_ASSIGNMENT_ID",
    "PRODUCTION_SITE",
    "RESERVED_FIELDS",
    "SANDBOX_SITE",
    "moto_active",
    "open_url",
    "start",
    "stop",
]

log = logging.getLogger("pytest_mturk")

#: The worker sites, as ``turkSubmitTo`` carries them (reference §1.5, D-EXT).
SANDBOX_SITE = "https://workersandbox.mturk.com"
PRODUCTION_SITE = "https://www.mturk.com"
#: ``assignmentId`` while a worker only previews the HIT (D-EXT).
PREVIEW_ASSIGNMENT_ID = "ASSIGNMENT_ID_NOT_AVAILABLE"
#: Form fields that are not answers (D-EXT: "reserved for special purposes").
RESERVED_FIELDS = frozenset({"assignmentId", "hitId", "turkSubmitTo", "workerId"})
#: Where the fake serves HTMLQuestion content: an MTurk content domain [inferred].
CONTENT_URL = "https://www.mturkcontent.com/dynamic/hit"

_SITE_HOSTS = {"workersandbox.mturk.com": True, "www.mturk.com": False}  # host -> is sandbox
_CONTENT_HOST = "www.mturkcontent.com"
_SUBMIT_PATH = "/mturk/externalSubmit"
_CONTENT_PATH = "/dynamic/hit"

#: The fakes whose edges are answered, innermost last.
_fakes: list[MTurkFake] = []
_lock = threading.RLock()


# ============================================================================ lifecycle


def start(fake: MTurkFake) -> None:
    """Called when ``fake`` starts answering (and may be called again after ``fake.reset()``)."""
    hooks = fake._service.on_notification
    if not any(isinstance(h, _MotoDelivery) for h in hooks):
        hooks.append(_MotoDelivery(fake.ledgers))
    with _lock:
        if fake not in _fakes:
            _fakes.append(fake)
    _install_requests_hook()


def stop(fake: MTurkFake) -> None:
    """Called when ``fake`` stops answering."""
    hooks = fake._service.on_notification
    hooks[:] = [h for h in hooks if not isinstance(h, _MotoDelivery)]
    with _lock:
        if fake in _fakes:
            _fakes.remove(fake)


def _services() -> list[Service]:
    with _lock:
        return [f._service for f in reversed(_fakes)]


# ============================================================================ notifications


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


class _MotoDelivery:
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
        from pytest_mturk.service.notifications import destination_region

        region = destination_region(note.transport, note.destination) or "us-east-1"
        document = json.dumps(note.message, separators=(",", ":"))
        try:
            if note.transport == "SQS":
                # The SQS message body is the JSON document itself (reference §9).
                _aws_client("sqs", region).send_message(
                    QueueUrl=note.destination, MessageBody=document
                )
            else:
                # SNS: Message = the document, Subject = epoch milliseconds (reference §9).
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


# ============================================================================ the worker's browser


def _append_query(url: str, params: Sequence[tuple[str, str]]) -> str:
    """``url`` with ``params`` appended CGI-style: one ``?``, ``&`` between parameters, and
    whatever query the URL already had kept (D-EXT)."""
    base, hash_sign, fragment = url.partition("#")
    extra = urlencode(params)
    if "?" not in base:
        base += "?" + extra
    elif base.endswith(("?", "&")):
        base += extra
    else:
        base += "&" + extra
    return base + hash_sign + fragment


def open_url(fake: MTurkFake, worker_id: str, hit_id: str, assignment_id: str | None) -> str:
    """The URL the worker's browser loads for the HIT (see :meth:`pytest_mturk.Worker.open`).

    ExternalQuestion: the ExternalURL; HTMLQuestion: the fake's content URL. Either way with
    assignmentId (``ASSIGNMENT_ID_NOT_AVAILABLE`` when previewing), hitId, turkSubmitTo and
    workerId appended. QuestionForm HITs have no such page: MTurk renders them itself.
    """
    from pytest_mturk.service import worker_actions

    svc = fake._service
    with svc.lock:
        svc.process_due(svc.now())
        hit = worker_actions.find_hit(svc, hit_id)
        if assignment_id is None:
            if hit.expired:
                raise WorkerActionError(
                    f"HIT {hit_id} has expired and can no longer be previewed.", "expired"
                )
            refusal = worker_actions.access_refusal(svc, hit, worker_id, "preview")
            if refusal is not None:
                raise refusal
            shown = PREVIEW_ASSIGNMENT_ID
        else:
            a = svc.assignments_by_id.get(assignment_id)
            if a is None or a.worker_id != worker_id or a.hit is not hit:
                raise WorkerActionError(
                    f"Worker {worker_id} has no assignment {assignment_id} on HIT {hit_id}.",
                    "not_found",
                )
            shown = assignment_id
        parsed = hit.parsed
        if parsed is not None and parsed.kind == "ExternalQuestion" and parsed.external_url:
            base = parsed.external_url
        elif parsed is not None and parsed.kind == "HTMLQuestion":
            base = CONTENT_URL
        else:
            raise WorkerActionError(
                f"HIT {hit_id} has a QuestionForm, which MTurk renders itself; there is no page "
                "to open. Answer it with worker.submit().",
                "question_form",
            )
        site = SANDBOX_SITE if hit.world.is_sandbox else PRODUCTION_SITE
        return _append_query(
            base,
            [
                ("assignmentId", shown),
                ("hitId", hit.id),
                ("turkSubmitTo", site),
                ("workerId", worker_id),
            ],
        )


# ============================================================================ HTTP answers

Answer = tuple[int, dict[str, str], bytes]


def _page(status: int, title: str, text: str) -> Answer:
    body = (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    ).encode()
    return status, {"Content-Type": "text/html; charset=utf-8"}, body


def _s3_error(status: int, code: str, message: str) -> Answer:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{html.escape(message)}</Message></Error>"
    ).encode()
    return status, {"Content-Type": "application/xml"}, body


def handles(url: str) -> bool:
    """Whether ``url`` is one the fake answers while active."""
    from pytest_mturk.service.notifications import UPLOAD_HOST

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    path = re.sub(r"/{2,}", "/", parts.path)
    if host in _SITE_HOSTS:
        return path == _SUBMIT_PATH
    if host == _CONTENT_HOST:
        return path == _CONTENT_PATH
    return host == UPLOAD_HOST


def answer(method: str, url: str, headers: Mapping[str, str], body: bytes) -> Answer:
    """Answer one HTTP request for a URL :func:`handles` accepts: (status, headers, body)."""
    parts = urlsplit(url)
    if parts.scheme == "http":
        # The sites are HTTPS-only: plain HTTP is redirected (and a POST body is lost, as in a
        # browser following a 301) [inferred].
        location = urlunsplit(("https", *parts[1:]))
        return 301, {"Location": location, "Content-Length": "0"}, b""
    host = (parts.hostname or "").lower()
    if host in _SITE_HOSTS:
        return _external_submit(_SITE_HOSTS[host], method, parts.query, headers, body)
    if host == _CONTENT_HOST:
        return _html_content(method, parts.query)
    return _upload(method, parts.query)


def _form_fields(query: str, headers: Mapping[str, str], body: bytes) -> list[tuple[str, str]]:
    """Name-value pairs from the URL's query and a urlencoded or multipart body (D-EXT)."""
    fields = parse_qsl(query, keep_blank_values=True)
    ctype = ""
    for name, value in headers.items():
        if name.lower() == "content-type":
            ctype = value
    if not body:
        return fields
    if ctype.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():
            field = part.get_param("name", header="content-disposition")
            if isinstance(field, str):
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    fields.append((field, payload.decode("utf-8", "replace")))
        return fields
    fields += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return fields


def _find_assignment(assignment_id: str, sandbox: bool) -> tuple[Service, Assignment] | None:
    for svc in _services():
        a = svc.assignments_by_id.get(assignment_id)
        # Sandbox and production are separate sites: each only knows its own assignments.
        if a is not None and a.hit.world.is_sandbox == sandbox:
            return svc, a
    return None


_SUBMITTED = "Your HIT has been submitted"
_PROBLEM = "There was a problem submitting your results for this HIT."


def _external_submit(
    sandbox: bool, method: str, query: str, headers: Mapping[str, str], body: bytes
) -> Answer:
    """The worker site's externalSubmit: submit the form's assignment with its fields."""
    from pytest_mturk.service import worker_actions

    if method.upper() != "POST":
        # "The form must submit data to that URL using the POST method" (D-EXT).
        return _page(405, _PROBLEM, "The form must be submitted with the POST method.")
    fields = _form_fields(query, headers, body)
    assignment_id = next((v for k, v in fields if k == "assignmentId"), None)
    if not assignment_id:
        return _page(400, _PROBLEM, "The form did not include the assignmentId field.")
    if assignment_id == PREVIEW_ASSIGNMENT_ID:
        # Submitting before accepting: MTurk shows an error and does not take the results (D-EXT).
        return _page(400, _PROBLEM, "You must accept the HIT before you can submit the results.")
    found = _find_assignment(assignment_id, sandbox)
    if found is None:
        return _page(404, _PROBLEM, f"The assignment {assignment_id} does not exist on this site.")
    svc, a = found
    answers: dict[str, list[str]] = {}
    for name, value in fields:
        if name not in RESERVED_FIELDS:
            answers.setdefault(name, []).append(value)
    if not answers:
        # jsPsych's MTurk docs: the data "must contain at least one key: value pair ... or the
        # HIT will not be submitted correctly".
        return _page(400, _PROBLEM, "The form submitted no answer fields besides assignmentId.")
    # A field sent several times (checked checkboxes) is one answer joined with "|".
    joined: dict[str, str | list[str]] = {k: v[0] if len(v) == 1 else v for k, v in answers.items()}
    try:
        worker_actions.submit(svc, a.worker_id, a.id, joined)
    except WorkerActionError as exc:
        status = {"not_found": 404, "state": 409}.get(exc.reason, 400)
        return _page(status, _PROBLEM, str(exc))
    return _page(200, _SUBMITTED, f"Assignment {a.id} was submitted.")


def _find_hit(hit_id: str) -> HIT | None:
    from pytest_mturk.service.model import DISPOSED

    for svc in _services():
        hit = svc.hits_by_id.get(hit_id)
        if hit is not None and hit.status != DISPOSED:
            return hit
    return None


def _html_content(method: str, query: str) -> Answer:
    """The HTMLQuestion's HTMLContent, as MTurk serves it into the worker's frame."""
    if method.upper() not in ("GET", "HEAD"):
        return _page(405, "Method Not Allowed", "Only GET is served here.")
    hit_id = dict(parse_qsl(query)).get("hitId", "")
    hit = _find_hit(hit_id)
    parsed = None if hit is None else hit.parsed
    if parsed is None or parsed.kind != "HTMLQuestion" or parsed.html is None:
        return _page(404, "Not Found", f"There is no HTMLQuestion HIT {hit_id}.")
    return 200, {"Content-Type": "text/html; charset=utf-8"}, parsed.html.encode("utf-8")


def _upload(method: str, query: str) -> Answer:
    """A GetFileUploadURL URL: the file for 60 s of fake time, S3-style errors afterwards."""
    from pytest_mturk.service.notifications import find_upload

    if method.upper() not in ("GET", "HEAD"):
        return _s3_error(
            405, "MethodNotAllowed", "The specified method is not allowed against this resource."
        )
    signature = dict(parse_qsl(query)).get("X-Amz-Signature", "")
    for svc in _services():
        grant = find_upload(svc, signature)
        if grant is None:
            continue
        if svc.now() > grant.expires:
            # An expired S3 presigned URL answers 403 AccessDenied "Request has expired".
            return _s3_error(403, "AccessDenied", "Request has expired")
        data = grant.data()
        if data is None:
            # The HIT was deleted and its files with it (MD).
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        return 200, {"Content-Type": "application/octet-stream"}, data
    return _s3_error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
    )


# ============================================================================ requests transport

_adapter: Any = None


def _make_adapter() -> Any:
    from requests.adapters import HTTPAdapter
    from urllib3.response import HTTPResponse

    class FakeSiteAdapter(HTTPAdapter):
        """Answers the fake's URLs in process (its own ``send``: never ``HTTPAdapter.send``)."""

        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            raw_body = request.body
            if raw_body is None:
                data = b""
            elif isinstance(raw_body, str):
                data = raw_body.encode("utf-8")
            elif isinstance(raw_body, bytes):
                data = raw_body
            elif hasattr(raw_body, "read"):
                data = raw_body.read()
            else:  # an iterable of chunks
                data = b"".join(c if isinstance(c, bytes) else str(c).encode() for c in raw_body)
            status, headers, body = answer(
                request.method or "GET", request.url or "", dict(request.headers), data
            )
            if (request.method or "").upper() == "HEAD":
                headers = {**headers, "Content-Length": str(len(body))}
                body = b""
            else:
                headers.setdefault("Content-Length", str(len(body)))
            raw = HTTPResponse(
                body=io.BytesIO(body),
                headers=headers,
                status=status,
                reason=HTTPStatus(status).phrase,
                preload_content=False,
                decode_content=False,
            )
            return self.build_response(request, raw)

    return FakeSiteAdapter()


def _patch_requests(sessions: ModuleType) -> None:
    """Wrap ``requests.Session.get_adapter`` once per process; inert while no fake is active."""
    session_class = sessions.Session
    original = session_class.get_adapter
    if getattr(original, "_pytest_mturk", False):
        return

    def get_adapter(self: Any, url: str) -> Any:
        global _adapter
        if _fakes and handles(url):
            with _lock:
                if _adapter is None:
                    _adapter = _make_adapter()
            return _adapter
        return original(self, url)

    get_adapter.__wrapped__ = original  # type: ignore[attr-defined]
    get_adapter._pytest_mturk = True  # type: ignore[attr-defined]
    session_class.get_adapter = get_adapter


_watching = False


def _install_requests_hook() -> None:
    global _watching
    if not _watching:
        _watching = True
        after_import("requests.sessions", _patch_requests)
