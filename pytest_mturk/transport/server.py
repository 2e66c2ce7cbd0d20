"""Server mode: the same fake over HTTP, for subprocesses and non-Python SDKs.

    with MTurkFake(seed=1) as fake, fake.serve() as server:
        subprocess.run([...], env={**os.environ, **server.environ})

or from a shell: ``pytest-mturk serve --port 8443``. Requests are answered by the same protocol
module as in process. One server answers both environments, each at its own URL:

* ``server.url`` (``http://HOST:PORT``, the root path) stands for the sandbox (or for
  ``environment=``), so clients pointed at it share the sandbox world of in-process clients with
  the same access key;
* ``server.url_for("production")`` (``http://HOST:PORT/production``) and
  ``server.url_for("sandbox")`` (``http://HOST:PORT/sandbox``) name one environment each,
  whatever the root stands for.

``server.environ`` routes Python child processes here (see :mod:`pytest_mturk.transport.route`),
``/_pytest_mturk/`` is the control API (see :mod:`pytest_mturk.transport.control`), and
``/worker/`` and ``/requester/`` are web pages for a person in a browser, with the worker site's
``/mturk/externalSubmit`` and HTMLQuestion content (see :mod:`pytest_mturk.transport.pages`).

HTTP/1.1 is read by a small parser of its own (SDK requests are simple POSTs, and http.server's
e-mail-based header parsing was most of the server's own cost), strict about framing: a request
whose length cannot be known for sure is answered with an error and the connection is closed,
never read as the start of the next request. The limits are in ``docs/reliability.md``.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import secrets
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from pytest_mturk import protocol
from pytest_mturk.faults import TransportFault
from pytest_mturk.protocol import Backend
from pytest_mturk.transport import hook, http11, route
from pytest_mturk.transport.http11 import DEFAULT_TIMEOUT, MAX_BODY

if TYPE_CHECKING:
    from pytest_mturk.transport.pages import Pages

__all__ = [
    "CONTROL_PREFIX",
    "DEFAULT_TIMEOUT",
    "MAX_BODY",
    "TOKEN_HEADER",
    "Answer",
    "ControlHandler",
    "MTurkServer",
    "plain_answer",
]

#: Where the control API answers, and the header that carries its token.
CONTROL_PREFIX = "/_pytest_mturk"
TOKEN_HEADER = "X-Pytest-Mturk-Token"


class Answer(Protocol):
    """How the server answers one MTurk call: (status, JSON body, operation, request id).

    Raises :class:`~pytest_mturk.faults.TransportFault` for a connection-level fault."""

    def __call__(
        self, backend: Backend, headers: protocol.Headers, body: bytes, host: str
    ) -> tuple[int, bytes, str | None, str]: ...


def plain_answer(
    backend: Backend, headers: protocol.Headers, body: bytes, host: str
) -> tuple[int, bytes, str | None, str]:
    """The server's answer to one MTurk call: the protocol module's, and a fresh request id."""
    status, payload, operation = protocol.handle(backend, headers, body, host)
    return status, payload, operation, protocol.request_id(backend.service)


class ControlHandler(Protocol):
    """What answers ``/_pytest_mturk/...`` (the control API): (status, JSON body, action)."""

    def __call__(
        self, method: str, path: str, query: str, body: bytes
    ) -> tuple[int, bytes, str]: ...


_REASONS = {s.value: s.phrase for s in HTTPStatus}


class _Handler(socketserver.BaseRequestHandler):
    """One connection: requests answered one after another while the client keeps it open."""

    server: _Server
    request: socket.socket

    def handle(self) -> None:
        owner = self.server.owner
        sock = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = http11.Reader(sock, owner.timeout, owner.max_body)
        try:
            while True:
                try:
                    req = reader.next_request()
                except http11.HTTPError as exc:
                    owner.log(self.client_address, "-", exc.status, f"({exc.message})")
                    self._send(
                        exc.status,
                        json.dumps({"message": exc.message}).encode(),
                        "application/json",
                        close=True,
                    )
                    return
                if not owner.dispatch(self, req):
                    return
                if not req.keep_alive:
                    return
        except http11.Closed:
            return
        except OSError:
            return  # the client went away mid-answer

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        *,
        close: bool = False,
        extra: Mapping[str, str] | None = None,
        date: float | None = None,
    ) -> None:
        lines = [
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}",
            f"Date: {protocol.http_date(time.time() if date is None else date)}",
        ]
        if extra:
            lines.extend(f"{k}: {v}" for k, v in extra.items())
        lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(body)}")
        if close:
            lines.append("Connection: close")
        self.request.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], family: int, owner: MTurkServer) -> None:
        self.address_family = family
        self.owner = owner
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.owner._track(request, True)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.owner._track(request, False)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A bug in the server's own code: one line, not a traceback per connection.
        exc = sys.exc_info()[1]
        self.owner.log(client_address, "-", 500, f"(internal error: {exc!r})", force=True)


def _family(host: str, port: int) -> int:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot listen on {host!r}: {exc.strerror}") from None
    return infos[0][0]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


class MTurkServer:
    """A running HTTP server answering for a fake.

    ``url`` is its endpoint (the sandbox, unless made with ``environment="production"``),
    ``url_for(environment)`` each environment's own, ``environ`` the environment variables that
    route a child process here, ``control_url`` the control API, ``worker_url`` and
    ``requester_url`` the web pages; ``stop()`` ends it.

    Made by ``fake.serve(...)`` (or the ``mturk_server`` fixture). Clients in this process that
    point at ``url`` really go over HTTP (the in-process hook lets them through), which is how
    the server path is tested.

    ``timeout``: seconds a connection may stay idle and a request may take to arrive (default
    60); ``max_body``: the largest request body in bytes (default 8 MiB). ``token``: what the
    control API requires in the ``X-Pytest-Mturk-Token`` header; when the server listens on an
    address other than loopback and none is given, one is generated.
    """

    def __init__(
        self,
        backend: Backend,
        host: str = "127.0.0.1",
        port: int = 0,
        environment: str = "sandbox",
        verbose: bool = False,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_body: int = MAX_BODY,
        control: ControlHandler | None = None,
        token: str | None = None,
        answer: Answer | None = None,
        log: TextIO | None = None,
    ) -> None:
        if environment not in protocol.HOSTS:
            raise ValueError(
                f"environment must be one of {', '.join(map(repr, protocol.HOSTS))}, "
                f"got {environment!r}"
            )
        if not timeout > 0:
            raise ValueError(f"timeout must be a number of seconds above 0, got {timeout!r}")
        if not max_body > 0:
            raise ValueError(f"max_body must be a number of bytes above 0, got {max_body!r}")
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {port!r}")
        #: What ``url`` stands for: ``"sandbox"`` (the default) or ``"production"``.
        self.environment = environment
        #: What the server answers with (``fake.backend``; see :meth:`attach`).
        self.backend = backend
        self.verbose = verbose
        self.timeout = float(timeout)
        self.max_body = max_body
        self.control = control
        self.answer: Answer = plain_answer if answer is None else answer
        self._log = log
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._stopped = False
        self._server = _Server((host, port), _family(host, port), self)
        bound_host, bound_port = self._server.server_address[:2]
        #: The address it listens on (``"127.0.0.1"`` by default).
        self.host = str(bound_host)
        #: The port it listens on (a free one when made with ``port=0``).
        self.port = int(bound_port)
        #: Whether the control API requires ``token`` (it does off the loopback interface).
        self.token: str | None = token
        if token is None and not _is_loopback(self.host):
            self.token = secrets.token_urlsafe(24)
        netloc = f"[{self.host}]" if ":" in self.host else self.host
        #: ``http://HOST:PORT``: the root, which answers as ``environment``.
        self.base_url = f"http://{netloc}:{self.port}"
        #: The endpoint URL to give a client (``endpoint_url=server.url``): the root.
        self.url = self.base_url
        hook.passthrough_hosts.add(f"{netloc}:{self.port}")
        self._site_dir: str | None = None
        # Deferred: the pages cost about 35 ms to import, and most fakes are never served.
        from pytest_mturk.transport.pages import Pages

        #: The worker and requester pages (``/worker/``, ``/requester/``) and the worker
        #: site's paths (``/mturk/externalSubmit``, ``/dynamic/hit``).
        self.pages: Pages = Pages(self, TOKEN_HEADER)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"pytest-mturk-server-{self.port}",
            daemon=True,
        )
        self._thread.start()

    # ------------------------------------------------------------------ addresses

    def url_for(self, environment: str) -> str:
        """The endpoint URL of ``environment`` ("sandbox" or "production") on this server."""
        if environment not in protocol.HOSTS:
            raise ValueError(
                f"environment must be one of {', '.join(map(repr, protocol.HOSTS))}, "
                f"got {environment!r}"
            )
        return f"{self.base_url}/{environment}"

    @property
    def worker_url(self) -> str:
        """The worker page: be a worker in a browser (with ``?token=`` when the server needs
        its token)."""
        return self.pages.worker_url()

    @property
    def requester_url(self) -> str:
        """The requester page: review and pay work in a browser (with ``?token=`` when the
        server needs its token)."""
        return self.pages.requester_url()

    @property
    def control_url(self) -> str:
        """The control API's base URL (``GET`` it for the list of actions)."""
        return self.base_url + CONTROL_PREFIX

    @property
    def environ(self) -> dict[str, str]:
        """Environment variables for a child process that should use this server.

        A Python child with pytest-mturk installed routes every botocore ``mturk`` call here,
        even when its code names the real sandbox or production endpoint (each keeps its own
        environment); ``AWS_ENDPOINT_URL_MTURK`` points SDKs that read it at ``url``. Use as
        ``subprocess.run(cmd, env={**os.environ, **server.environ})``.
        """
        if self._site_dir is None:
            self._site_dir = route.make_site_dir()
        return route.environ_for(self.base_url, self.url, self._site_dir, self.token)

    def attach(self, backend: Backend, control: ControlHandler | None = None) -> None:
        """Answer for another fake from now on (``fake.backend``, and its control API): how the
        pytest plugin's session server moves from one test's fake to the next."""
        self.backend = backend
        self.control = control

    # ------------------------------------------------------------------ answering

    def dispatch(self, handler: _Handler, req: http11.Request) -> bool:
        """Answer one request; False when the connection must close."""
        path = req.path
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            return self._control(handler, req, path[len(CONTROL_PREFIX) :].strip("/"))
        if self.pages.handles(path):
            return self._page(handler, req)
        first, _, _rest = path.lstrip("/").partition("/")
        if first == "":
            environment = self.environment
        elif first in protocol.HOSTS:
            environment = first
        else:
            self._error(handler, req, 404, "UnknownOperationException", f"no such path {path!r}")
            return True
        if req.method != "POST":
            status = 400 if req.method == "GET" else 405
            self._error(handler, req, status, "UnknownOperationException", None)
            return True
        backend = self.backend
        try:
            status, payload, operation, request_id = self.answer(
                backend, http11.LowerHeaders(req.headers), req.body, protocol.HOSTS[environment]
            )
        except TransportFault as fault:
            # A connection-level fault: drop the connection without an answer.
            self.log(handler.client_address, f"{environment} -", 0, f"(dropped: {fault.kind})")
            return False
        if self.verbose:
            self.log(
                handler.client_address,
                f"{environment} {operation}",
                status,
                _error_of(status, payload),
            )
        handler._send(
            status,
            payload,
            protocol.CONTENT_TYPE,
            close=not req.keep_alive,
            extra={"x-amzn-RequestId": request_id},
            date=backend.service.clock.time(),
        )
        return True

    def _error(
        self, handler: _Handler, req: http11.Request, status: int, kind: str, message: str | None
    ) -> None:
        body: dict[str, str] = {"__type": f"com.amazon.coral.service#{kind}"}
        if message:
            body["message"] = message
        self.log(handler.client_address, f"{req.method} {req.path}", status, "")
        extra = {"Allow": "POST"} if status == 405 else None
        handler._send(
            status,
            json.dumps(body).encode(),
            protocol.CONTENT_TYPE,
            close=not req.keep_alive,
            extra=extra,
        )

    def _page(self, handler: _Handler, req: http11.Request) -> bool:
        pages = self.pages
        response = pages(pages.request(req.method, req.path, req.query, req.headers, req.body))
        headers = dict(response.headers)
        content_type = headers.pop("Content-Type", "text/html; charset=utf-8")
        self.log(handler.client_address, f"page {req.method} {req.path}", response.status, "")
        handler._send(
            response.status,
            response.body,
            content_type,
            close=not req.keep_alive,
            extra=headers,
        )
        return True

    def _control(self, handler: _Handler, req: http11.Request, path: str) -> bool:
        why = self.pages.cross_site(req.headers)
        if why is not None and req.method != "GET":
            # A web page in the user's browser may POST plain-text JSON here without asking
            # (no CORS preflight): SDKs and curl send no Origin, browsers do.
            body = {
                "error": "Forbidden",
                "message": f"the control API refuses requests from web pages ({why})",
            }
            self.log(handler.client_address, f"control {path or '-'}", 403, "")
            handler._send(
                403, json.dumps(body).encode(), "application/json", close=not req.keep_alive
            )
            return True
        if self.token is not None:
            given = req.headers.get(TOKEN_HEADER.lower(), "")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                body = {
                    "error": "Unauthorized",
                    "message": f"the control API needs the server's token in the {TOKEN_HEADER} "
                    "header (printed by `pytest-mturk serve`, and PYTEST_MTURK_TOKEN in "
                    "server.environ)",
                }
                self.log(handler.client_address, f"control {path or '-'}", 401, "")
                handler._send(
                    401, json.dumps(body).encode(), "application/json", close=not req.keep_alive
                )
                return True
        if self.control is None:
            status, payload, action = (
                404,
                json.dumps(
                    {"error": "NotFound", "message": "this server has no control API"}
                ).encode(),
                "-",
            )
        else:
            status, payload, action = self.control(req.method, path, req.query, req.body)
        self.log(handler.client_address, f"control {action}", status, "")
        extra = {"Allow": "GET, POST"} if status == 405 else None
        handler._send(status, payload, "application/json", close=not req.keep_alive, extra=extra)
        return True

    def log(self, client: Any, what: str, status: int, detail: str, *, force: bool = False) -> None:
        """One line about one request, when verbose (``force``: always)."""
        if not (self.verbose or force):
            return
        stream = self._log if self._log is not None else sys.stderr
        peer = client[0] if isinstance(client, tuple) else client
        line = f"pytest-mturk: {peer} {what} {status} {detail}".rstrip()
        try:
            stream.write(line + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass

    # ------------------------------------------------------------------ lifecycle

    def _track(self, sock: socket.socket, opened: bool) -> None:
        with self._connections_lock:
            if opened:
                self._connections.add(sock)
            else:
                self._connections.discard(sock)

    def stop(self) -> None:
        """Stop serving: close the listening socket and every open connection."""
        if self._stopped:
            return
        self._stopped = True
        hook.passthrough_hosts.discard(self.base_url.split("/")[2])
        self._server.shutdown()
        self._server.server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        if self._site_dir is not None:
            route.remove_site_dir(self._site_dir)
            self._site_dir = None

    def serve_forever(self) -> None:
        """Block until interrupted (for the command line)."""
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            self.stop()

    def __enter__(self) -> MTurkServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<MTurkServer {self.url} ({self.environment})>"


def _error_of(status: int, payload: bytes) -> str:
    """``ErrorType TurkErrorCode`` of an error answer (empty for a success)."""
    if status == 200:
        return ""
    try:
        body = json.loads(payload)
    except ValueError:
        return ""
    kind = str(body.get("__type", "")).rsplit("#", 1)[-1]
    return f"{kind} {body.get('TurkErrorCode') or '-'}"
