"""The worker and requester web pages of a server (``fake.serve()``, ``pytest-mturk serve``).

| path | what |
|---|---|
| ``/worker/`` | be a worker: find, preview, accept and do HITs, take qualification tests |
| ``/requester/`` | be a requester: review and pay work, bonuses, qualifications, calls, clock |
| ``/mturk/externalSubmit`` (and ``/sandbox/...``, ``/production/...``) | externalSubmit |
| ``/dynamic/hit`` | an HTMLQuestion's content, sandboxed |
| ``/static/pytest-mturk/`` | the pages' stylesheet and script |

Plain server-rendered HTML (escaped by construction: :mod:`.markup`) with a little vanilla
JavaScript; the pages act only through the control API and the MTurk API (:mod:`.context`);
tokens, origins and sandboxes are described in :mod:`.security`.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from importlib import resources
from urllib.parse import parse_qsl, urlencode

from pytest_mturk.transport.pages.context import (
    Actions,
    PageError,
    Request,
    Response,
    ServerView,
)
from pytest_mturk.transport.pages.forms import parse_form
from pytest_mturk.transport.pages.layout import STATIC, Flash, plain, redirect
from pytest_mturk.transport.pages.requester import RequesterPages
from pytest_mturk.transport.pages.security import (
    CSRF_FIELD,
    TOKEN_COOKIE,
    Guard,
    cross_site,
    is_loopback_host,
    token_from,
)
from pytest_mturk.transport.pages.site import CONTENT_PATH, content_page, external_submit, site_of
from pytest_mturk.transport.pages.worker import WorkerPages

__all__ = ["PREFIXES", "Pages", "Request", "Response"]

#: The paths the pages answer (besides externalSubmit, under any environment prefix).
PREFIXES = ("/worker", "/requester", STATIC)
_STATIC_FILES = {
    "pages.css": "text/css; charset=utf-8",
    "pages.js": "text/javascript; charset=utf-8",
}
_MAX_FLASHES = 500
log = logging.getLogger("pytest_mturk")


class Pages:
    """Answers the pages' paths for one server (see the module's docstring)."""

    def __init__(self, server: ServerView, token_header: str) -> None:
        self.server = server
        self.token_header = token_header
        self.guard = Guard()
        self.actions = Actions(server)
        self._flashes: OrderedDict[str, Flash] = OrderedDict()
        self._flash_lock = threading.Lock()
        self.worker = WorkerPages(self.actions, self.guard.csrf_token, self._flash, self._take)
        self.requester = RequesterPages(
            self.actions, self.guard.csrf_token, self._flash, self._take
        )

    # ------------------------------------------------------------------ one-time messages

    def _flash(self, kind: str, text: str) -> str:
        key = secrets.token_urlsafe(9)
        with self._flash_lock:
            self._flashes[key] = (kind, text)
            while len(self._flashes) > _MAX_FLASHES:
                self._flashes.popitem(last=False)
        return key

    def _take(self, key: str | None) -> Flash | None:
        if not key:
            return None
        with self._flash_lock:
            return self._flashes.pop(key, None)

    # ------------------------------------------------------------------ routing

    #: What a request to the pages is made of (for the server, which imports the pages late).
    request = Request

    @staticmethod
    def cross_site(headers: Mapping[str, str]) -> str | None:
        """Why a request looks sent by a page of another site, or None (see
        :func:`.security.cross_site`); the server refuses such POSTs to its control API too."""
        return cross_site(headers)

    def handles(self, path: str) -> bool:
        """Whether ``path`` is one of the pages'."""
        return (
            path == CONTENT_PATH
            or site_of(path, self.server.environment) is not None
            or any(path == p or path.startswith(p + "/") for p in PREFIXES)
        )

    def __call__(self, req: Request) -> Response:
        """Answer one request for a path :meth:`handles` accepts.

        A bug in the pages is answered with 500 and recorded in the fake's ``internal_errors``
        (which the pytest plugin reports as a failure), never a dropped connection."""
        try:
            return self._answer(req)
        except Exception as exc:
            log.exception("pytest-mturk: internal error answering %s %s", req.method, req.path)
            self.server.backend.internal_errors.append(exc)
            return plain(500, f"Internal error in pytest-mturk's pages: {exc!r}")

    def _answer(self, req: Request) -> Response:
        server = self.server
        if _is_loopback(server.host) and not is_loopback_host(req.headers.get("host", "")):
            # A foreign name resolving to 127.0.0.1 (DNS rebinding) gets nothing.
            return plain(
                403,
                f"This server answers its pages for the loopback interface only; Host "
                f"{req.headers.get('host', '')!r} is not it. Use {server.base_url}/worker/.",
            )
        # The worker site's own paths are public, as MTurk's are: a task page on any site
        # posts to externalSubmit.
        site = site_of(req.path, server.environment)
        if site is not None:
            return external_submit(self.actions, site, req)
        if req.path == CONTENT_PATH:
            return content_page(self.actions, req)
        if req.path.startswith(STATIC + "/"):
            return _static(req.path[len(STATIC) + 1 :])
        refused = self._token_refusal(req)
        if refused is not None:
            return refused
        if req.method not in ("GET", "POST"):
            response = plain(405, "The pages take GET and POST only.")
            response.headers["Allow"] = "GET, POST"
            return response
        if req.method == "POST":
            refused = self._csrf_refusal(req)
            if refused is not None:
                return refused
        area, _, sub = req.path.lstrip("/").partition("/")
        if not req.path.endswith("/") and not sub:
            return redirect(f"/{area}/" + (f"?{req.query}" if req.query else ""))
        try:
            if area == "worker":
                return self.worker.handle(req, sub.strip("/"))
            return self.requester.handle(req, sub.strip("/"))
        except PageError as exc:
            return plain(exc.status, exc.message)

    def _token_refusal(self, req: Request) -> Response | None:
        """Off loopback, the pages need the server's token (as the control API does)."""
        token = self.server.token
        if token is None:
            return None
        params = parse_qsl(req.query, keep_blank_values=True)
        given_in_url = next((v for k, v in params if k == "token"), None)
        if given_in_url is not None and req.method == "GET":
            if not secrets.compare_digest(given_in_url.encode(), token.encode()):
                return plain(401, "That token is not this server's.")
            rest = urlencode([(k, v) for k, v in params if k != "token"])
            return redirect(
                req.path + (f"?{rest}" if rest else ""),
                {
                    "Set-Cookie": f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict",
                },
            )
        given = token_from(req.headers, self.token_header)
        if given is not None and secrets.compare_digest(given.encode(), token.encode()):
            return None
        return plain(
            401,
            "This server listens beyond the loopback interface, so its pages need its token: "
            "open the URL `pytest-mturk serve --open` prints (it ends in ?token=...), or send "
            f"the {self.token_header} header.",
        )

    def _csrf_refusal(self, req: Request) -> Response | None:
        why = cross_site(req.headers)
        if why is not None:
            return plain(403, f"Refused: a cross-site request ({why}).")
        token = req.headers.get("x-csrf-token") or parse_form("", req.headers, req.body).get(
            CSRF_FIELD
        )
        if not self.guard.csrf_ok(token):
            return plain(
                403,
                "Refused: the form's CSRF token is missing or not this server's. Reload the "
                "page and try again.",
            )
        return None

    def worker_url(self) -> str:
        """The worker page's URL (with the token when the server needs one)."""
        return self._url("/worker/")

    def requester_url(self) -> str:
        """The requester page's URL (with the token when the server needs one)."""
        return self._url("/requester/")

    def _url(self, path: str) -> str:
        token = self.server.token
        suffix = "?" + urlencode({"token": token}) if token is not None else ""
        return self.server.base_url + path + suffix


def _is_loopback(host: str) -> bool:
    return is_loopback_host(f"[{host}]" if ":" in host else host)


def _static(name: str) -> Response:
    kind = _STATIC_FILES.get(name)
    if kind is None:
        return plain(404, "No such file.")
    data = (
        resources.files("pytest_mturk.transport.pages")
        .joinpath("static")
        .joinpath(name)
        .read_bytes()
    )
    return Response(
        200,
        data,
        {"Content-Type": kind, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )
