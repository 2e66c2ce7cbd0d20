"""The worker site's own paths, served by the server for a browser: externalSubmit and the
HTMLQuestion content page.

* ``POST /mturk/externalSubmit`` (the root's environment), ``/sandbox/mturk/externalSubmit``,
  ``/production/mturk/externalSubmit``: what a task's form posts to when ``turkSubmitTo`` is the
  server (the worker page gives ``turkSubmitTo`` = ``server.url_for(environment)``). It answers
  exactly as the in-process worker site (:mod:`pytest_mturk.service.worker_site`, the rules in
  docs/fidelity.md), and submits through the control API's ``submit``: one assignment in
  progress, its fields as answers, the worker always the assignment's.
* ``GET /dynamic/hit?hitId=...&assignmentId=...&turkSubmitTo=...``: the HIT's HTMLContent, in a
  sandbox of its own (``Content-Security-Policy: sandbox``), with a small script in front that
  does what MTurk's ``externalHIT_v1.js`` does for such pages (``turkGetParam``,
  ``turkSetAssignmentID``: the ``assignmentId`` field filled in, forms aimed at MTurk's
  externalSubmit sent to ``turkSubmitTo`` instead), since that script cannot be loaded offline.
"""

from __future__ import annotations

import json
import re
import secrets
from urllib.parse import parse_qsl

from pytest_mturk.service.model import DISPOSED, Assignment
from pytest_mturk.service.worker_site import (
    PREVIEW_ASSIGNMENT_ID,
    PRODUCTION_SITE,
    RESERVED_FIELDS,
    SANDBOX_SITE,
)
from pytest_mturk.transport.pages.context import Actions, PageError, Request, Response
from pytest_mturk.transport.pages.forms import parse_form
from pytest_mturk.transport.pages.markup import Markup, fmt
from pytest_mturk.transport.pages.security import content_headers, page_headers

__all__ = ["CONTENT_PATH", "SUBMIT_PATH", "content_page", "external_submit", "site_of"]

SUBMIT_PATH = "/mturk/externalSubmit"
CONTENT_PATH = "/dynamic/hit"
_SUBMITTED = "Your HIT has been submitted"
_PROBLEM = "There was a problem submitting your results for this HIT."
_URL = re.compile(r"https?://[^\s\"'<>`]+")
_SUBMIT_URLS = re.compile(
    re.escape(SANDBOX_SITE + SUBMIT_PATH) + "|" + re.escape(PRODUCTION_SITE + SUBMIT_PATH)
)


def site_of(path: str, root_environment: str) -> str | None:
    """ "sandbox" or "production" for an externalSubmit path (None for any other path)."""
    path = re.sub(r"/{2,}", "/", path)
    if path == SUBMIT_PATH:
        return "production" if root_environment == "production" else "sandbox"
    for env in ("sandbox", "production"):
        if path == f"/{env}{SUBMIT_PATH}":
            return env
    return None


def _answer_page(status: int, title: str, text: str, assignment_id: str | None) -> Response:
    """The page shown in the task's frame; it tells the worker page (its parent) the outcome."""
    nonce = secrets.token_urlsafe(12)
    message = json.dumps(
        {"pytestMturk": "externalSubmit", "status": status, "assignmentId": assignment_id}
    )
    body = fmt(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        '<body><h1>{title}</h1><p>{text}</p><script nonce="{nonce}">'
        'if (window.parent !== window) {{ window.parent.postMessage({message}, "*"); }}'
        "</script></body></html>",
        title=title,
        text=text,
        nonce=nonce,
        message=Markup(message.replace("<", "\\u003c")),
    )
    headers = page_headers(nonce, framable=True)
    headers["Content-Type"] = "text/html; charset=utf-8"
    return Response(status, body.encode(), headers)


def _find(actions: Actions, assignment_id: str, sandbox: bool) -> Assignment | None:
    svc = actions.service
    with svc.step():
        a = svc.assignments_by_id.get(assignment_id)
        # Sandbox and production are separate sites: each only knows its own assignments.
        if a is not None and a.hit.world.is_sandbox == sandbox:
            return a
    return None


def external_submit(actions: Actions, site: str, req: Request) -> Response:
    """The worker site's externalSubmit on the server (see the module's docstring)."""
    if req.method.upper() != "POST":
        # "The form must submit data to that URL using the POST method" (D-EXT).
        return _answer_page(405, _PROBLEM, "The form must be submitted with the POST method.", None)
    form = parse_form(req.query, req.headers, req.body, files_as_text=True)
    assignment_id = form.get("assignmentId")
    if not assignment_id:
        return _answer_page(400, _PROBLEM, "The form did not include the assignmentId field.", None)
    if assignment_id == PREVIEW_ASSIGNMENT_ID:
        return _answer_page(
            400, _PROBLEM, "You must accept the HIT before you can submit the results.", None
        )
    a = _find(actions, assignment_id, site == "sandbox")
    if a is None:
        return _answer_page(
            404, _PROBLEM, f"The assignment {assignment_id} does not exist on this site.", None
        )
    answers: dict[str, list[str]] = {}
    for name, value in form.fields:
        if name not in RESERVED_FIELDS:
            answers.setdefault(name, []).append(value)
    if not answers:
        return _answer_page(
            400, _PROBLEM, "The form submitted no answer fields besides assignmentId.", None
        )
    joined: dict[str, str | list[str]] = {k: v[0] if len(v) == 1 else v for k, v in answers.items()}
    try:
        actions.submit(a.worker_id, a.id, joined)
    except PageError as exc:
        status = {"not_found": 404, "state": 409}.get(exc.reason or "", 400)
        return _answer_page(status, _PROBLEM, exc.message, a.id)
    return _answer_page(200, _SUBMITTED, f"Assignment {a.id} was submitted.", a.id)


#: What externalHIT_v1.js gives a page, and the assignmentId filled in.
_SHIM = (
    "<script>(function () {"
    "var q = new URLSearchParams(window.location.search);"
    "window.turkGetParam = function (name, fallback) {"
    " var v = q.get(name); return v === null ? fallback : v; };"
    'var submitTo = (q.get("turkSubmitTo") || "").replace(/\\/+$/, "") + "/mturk/externalSubmit";'
    "function aim(form) {"
    ' var action = form.getAttribute("action") || "";'
    " if (!/\\/mturk\\/externalSubmit\\/?$/.test(action)) { return; }"
    " form.action = submitTo;"
    ' var field = form.querySelector("input[name=assignmentId]");'
    ' if (!field) { field = document.createElement("input"); field.type = "hidden";'
    ' field.name = "assignmentId"; form.appendChild(field); }'
    ' if (!field.value) { field.value = q.get("assignmentId") || ""; } }'
    "window.turkSetAssignmentID = function () {"
    ' var field = document.getElementById("assignmentId");'
    ' if (field) { field.value = q.get("assignmentId") || ""; }'
    ' Array.prototype.forEach.call(document.querySelectorAll("form"), aim); };'
    'document.addEventListener("DOMContentLoaded", window.turkSetAssignmentID);'
    'document.addEventListener("submit", function (e) { aim(e.target); }, true);'
    "}());</script>"
)


def _inject(content: str, script: str) -> str:
    """``script`` as the first thing the document runs (after ``<head>`` or ``<html>`` when
    there is one, else in front of everything)."""
    for tag in (r"<head\b[^>]*>", r"<html\b[^>]*>"):
        match = re.search(tag, content, re.IGNORECASE)
        if match is not None:
            return content[: match.end()] + script + content[match.end() :]
    doctype = re.match(r"\s*<!doctype[^>]*>", content, re.IGNORECASE)
    at = doctype.end() if doctype is not None else 0
    return content[:at] + script + content[at:]


def content_page(actions: Actions, req: Request) -> Response:
    """The HTMLQuestion's content for the worker's frame (see the module's docstring)."""
    if req.method.upper() != "GET":
        return _plain(405, "Only GET is served here.")
    params = dict(parse_qsl(req.query))
    hit_id = params.get("hitId", "")
    svc = actions.service
    with svc.step():
        hit = svc.hits_by_id.get(hit_id)
        parsed = None if hit is None or hit.status == DISPOSED else hit.parsed
        html = parsed.html if parsed is not None and parsed.kind == "HTMLQuestion" else None
    if html is None:
        return _plain(404, f"There is no HTMLQuestion HIT {hit_id}.")
    submit_to = params.get("turkSubmitTo", "").rstrip("/")
    if _URL.fullmatch(submit_to):
        # Forms hard-wired to MTurk's externalSubmit post to turkSubmitTo even without scripts.
        target = submit_to + SUBMIT_PATH
        html = _SUBMIT_URLS.sub(lambda _: target, html)
    body = _inject(html, _SHIM)
    headers = content_headers()
    headers["Content-Type"] = "text/html; charset=utf-8"
    return Response(200, body.encode("utf-8"), headers)


def _plain(status: int, text: str) -> Response:
    headers = page_headers()
    headers["Content-Type"] = "text/plain; charset=utf-8"
    return Response(status, text.encode(), headers)
