"""The worker site's side of MTurk: the page a worker's browser loads for a HIT, and the
plain-HTTP answers of the site (externalSubmit, the HTMLQuestion page, GetFileUploadURL files).

Answers are ``(status, headers, body)``; the transports (``pytest_mturk.transport.web`` for
``requests``, the HTTP server) carry them. See docs/fidelity.md for the choices made here.
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pytest_mturk.errors import WorkerActionError
from pytest_mturk.service import worker_actions
from pytest_mturk.service.access import access_refusal, find_hit
from pytest_mturk.service.model import DISPOSED, HIT, Assignment
from pytest_mturk.service.notifications import UPLOAD_HOST
from pytest_mturk.service.state import Service

__all__ = [
    "CONTENT_URL",
    "PREVIEW_ASSIGNMENT_ID",
    "PRODUCTION_SITE",
    "RESERVED_FIELDS",
    "SANDBOX_SITE",
    "Answer",
    "answer",
    "handles",
    "open_url",
]

#: The worker sites, as ``turkSubmitTo`` carries them (the API reference's ExternalQuestion page).
SANDBOX_SITE = "https://workersandbox.mturk.com"
PRODUCTION_SITE = "https://www.mturk.com"
#: ``assignmentId`` while a worker only previews the HIT (the ExternalQuestion page).
PREVIEW_ASSIGNMENT_ID = "ASSIGNMENT_ID_NOT_AVAILABLE"
#: Form fields that are not answers (the ExternalQuestion page: "reserved for special purposes").
RESERVED_FIELDS = frozenset({"assignmentId", "hitId", "turkSubmitTo", "workerId"})
#: Where the fake serves HTMLQuestion content: an MTurk content domain [inferred].
CONTENT_URL = "https://www.mturkcontent.com/dynamic/hit"

_SITE_HOSTS = {"workersandbox.mturk.com": True, "www.mturk.com": False}  # host -> is sandbox
_CONTENT_HOST = "www.mturkcontent.com"
_SUBMIT_PATH = "/mturk/externalSubmit"
_CONTENT_PATH = "/dynamic/hit"


# ============================================================================ the worker's browser


def _append_query(url: str, params: Sequence[tuple[str, str]]) -> str:
    """``url`` with ``params`` appended CGI-style: one ``?``, ``&`` between parameters, and
    whatever query the URL already had kept (the ExternalQuestion page)."""
    base, hash_sign, fragment = url.partition("#")
    extra = urlencode(params)
    if "?" not in base:
        base += "?" + extra
    elif base.endswith(("?", "&")):
        base += extra
    else:
        base += "&" + extra
    return base + hash_sign + fragment


def open_url(svc: Service, worker_id: str, hit_id: str, assignment_id: str | None) -> str:
    """The URL the worker's browser loads for the HIT (see :meth:`pytest_mturk.Worker.open`).

    ExternalQuestion: the ExternalURL; HTMLQuestion: the fake's content URL. Either way with
    assignmentId (``ASSIGNMENT_ID_NOT_AVAILABLE`` when previewing), hitId, turkSubmitTo and
    workerId appended. QuestionForm HITs have no such page: MTurk renders them itself.
    """
    with svc.step():
        hit = find_hit(svc, hit_id)
        if assignment_id is None:
            if hit.expired:
                raise WorkerActionError(
                    f"HIT {hit_id} has expired and can no longer be previewed.", "expired"
                )
            refusal = access_refusal(svc, hit, worker_id, "preview")
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


def answer(
    services: Sequence[Service], method: str, url: str, headers: Mapping[str, str], body: bytes
) -> Answer:
    """Answer one HTTP request for a URL :func:`handles` accepts: (status, headers, body).

    ``services`` are the active fakes' services, innermost first: each URL is looked up in them
    in that order."""
    parts = urlsplit(url)
    if parts.scheme == "http":
        # The sites are HTTPS-only: plain HTTP is redirected (and a POST body is lost, as in a
        # browser following a 301) [inferred].
        location = urlunsplit(("https", *parts[1:]))
        return 301, {"Location": location, "Content-Length": "0"}, b""
    host = (parts.hostname or "").lower()
    if host in _SITE_HOSTS:
        return _external_submit(services, _SITE_HOSTS[host], method, parts.query, headers, body)
    if host == _CONTENT_HOST:
        return _html_content(services, method, parts.query)
    return _upload(services, method, parts.query)


def _form_fields(query: str, headers: Mapping[str, str], body: bytes) -> list[tuple[str, str]]:
    """Name-value pairs from the URL's query and a urlencoded or multipart body (the
    ExternalQuestion page)."""
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


def _find_assignment(
    services: Iterable[Service], assignment_id: str, sandbox: bool
) -> tuple[Service, Assignment] | None:
    for svc in services:
        a = svc.assignments_by_id.get(assignment_id)
        # Sandbox and production are separate sites: each only knows its own assignments.
        if a is not None and a.hit.world.is_sandbox == sandbox:
            return svc, a
    return None


_SUBMITTED = "Your HIT has been submitted"
_PROBLEM = "There was a problem submitting your results for this HIT."


def _external_submit(
    services: Iterable[Service],
    sandbox: bool,
    method: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> Answer:
    """The worker site's externalSubmit: submit the form's assignment with its fields."""
    if method.upper() != "POST":
        # "The form must submit data to that URL using the POST method" (the ExternalQuestion page).
        return _page(405, _PROBLEM, "The form must be submitted with the POST method.")
    fields = _form_fields(query, headers, body)
    assignment_id = next((v for k, v in fields if k == "assignmentId"), None)
    if not assignment_id:
        return _page(400, _PROBLEM, "The form did not include the assignmentId field.")
    if assignment_id == PREVIEW_ASSIGNMENT_ID:
        # Submitting before accepting: MTurk shows an error and does not take the results (the
        # ExternalQuestion page).
        return _page(400, _PROBLEM, "You must accept the HIT before you can submit the results.")
    found = _find_assignment(services, assignment_id, sandbox)
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


def _find_hit(services: Iterable[Service], hit_id: str) -> HIT | None:
    for svc in services:
        hit = svc.hits_by_id.get(hit_id)
        if hit is not None and hit.status != DISPOSED:
            return hit
    return None


def _html_content(services: Iterable[Service], method: str, query: str) -> Answer:
    """The HTMLQuestion's HTMLContent, as MTurk serves it into the worker's frame."""
    if method.upper() not in ("GET", "HEAD"):
        return _page(405, "Method Not Allowed", "Only GET is served here.")
    hit_id = dict(parse_qsl(query)).get("hitId", "")
    hit = _find_hit(services, hit_id)
    parsed = None if hit is None else hit.parsed
    if parsed is None or parsed.kind != "HTMLQuestion" or parsed.html is None:
        return _page(404, "Not Found", f"There is no HTMLQuestion HIT {hit_id}.")
    return 200, {"Content-Type": "text/html; charset=utf-8"}, parsed.html.encode("utf-8")


def _upload(services: Iterable[Service], method: str, query: str) -> Answer:
    """A GetFileUploadURL URL: the file for 60 s of fake time, S3-style errors afterwards."""
    if method.upper() not in ("GET", "HEAD"):
        return _s3_error(
            405, "MethodNotAllowed", "The specified method is not allowed against this resource."
        )
    signature = dict(parse_qsl(query)).get("X-Amz-Signature", "")
    for svc in services:
        grant = svc.upload_grants.get(signature)
        if grant is None:
            continue
        if svc.exact_now() > grant.expires:  # the exact time: expires is a recorded time
            # An expired S3 presigned URL answers 403 AccessDenied "Request has expired".
            return _s3_error(403, "AccessDenied", "Request has expired")
        data = grant.data()
        if data is None:
            # The HIT was deleted and its files with it (the API reference, GetFileUploadURL).
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        return 200, {"Content-Type": "application/octet-stream"}, data
    return _s3_error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
    )
