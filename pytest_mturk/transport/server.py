"""Server mode: the same fake over HTTP, for subprocesses and non-Python SDKs.

    with MTurkFake(seed=1) as fake, fake.serve() as server:
        subprocess.run([...], env={**os.environ, "AWS_ENDPOINT_URL_MTURK": server.url})

or from a shell: ``pytest-mturk serve --port 8443``. Requests are answered by the same protocol
module as in process; the server stands in for the sandbox (``environment="production"`` for
production), so clients pointed at it share the sandbox world of in-process clients with the
same access key.
"""

from __future__ import annotations

import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pytest_mturk import protocol
from pytest_mturk.faults import TransportFault
from pytest_mturk.protocol import Backend
from pytest_mturk.transport import hook

__all__ = ["MTurkServer"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: SDKs reuse their connections
    # Headers and body go out in two writes; with Nagle on, a keep-alive client's delayed ACK
    # stalls every answer for ~40 ms.
    disable_nagle_algorithm = True
    server: _Server
    lean_headers: dict[str, str]

    def handle_one_request(self) -> None:
        """One request, read with a lean parser: SDK requests are simple POSTs, and
        http.server's e-mail-based header parsing is most of the server's own cost."""
        line = self.rfile.readline(65537)
        if not line:
            self.close_connection = True
            return
        parts = line.split()
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            self.close_connection = True
            return
        headers: dict[str, str] = {}
        while True:
            raw = self.rfile.readline(65537)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        self.command = parts[0].decode("latin-1")
        self.path = parts[1].decode("latin-1")
        self.request_version = parts[2].decode("latin-1")
        self.requestline = line.decode("latin-1").rstrip("\r\n")
        self.lean_headers = headers
        # handle() starts each connection with close_connection = True; HTTP/1.1 keeps the
        # connection open unless the client asks otherwise (what parse_request would decide).
        self.close_connection = (
            headers.get("connection", "").lower() == "close" or parts[2] == b"HTTP/1.0"
        )
        if self.command == "POST":
            self.do_POST()
        else:
            self.do_GET()
        self.wfile.flush()

    def do_POST(self) -> None:
        headers = self.lean_headers
        length = int(headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        backend = self.server.backend
        service = backend.service
        try:
            status, payload, _ = protocol.handle(backend, _Lower(headers), body, self.server.host)
        except TransportFault:
            # A connection-level fault: drop the connection without an answer.
            self.close_connection = True
            return
        self.log_request(status)
        self.send_response_only(status)
        self.send_header("Date", formatdate(service.clock.time(), usegmt=True))
        self.send_header("x-amzn-RequestId", protocol.request_id(service))
        self.send_header("Content-Type", protocol.CONTENT_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        payload = b'{"__type": "com.amazon.coral.service#UnknownOperationException"}'
        self.send_response(404 if self.path != "/" else 400)
        self.send_header("Content-Type", protocol.CONTENT_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _Lower:
    """Headers read by the lean parser (names lower-cased), looked up case-insensitively."""

    __slots__ = ("_h",)

    def __init__(self, headers: dict[str, str]) -> None:
        self._h = headers

    def get(self, name: str, default: Any = None, /) -> Any:
        return self._h.get(name.lower(), default)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], backend: Backend, host: str, verbose: bool
    ) -> None:
        super().__init__(address, _Handler)
        self.backend = backend
        self.host = host
        self.verbose = verbose


class MTurkServer:
    """A running HTTP server answering for a fake. ``url`` is its endpoint; ``stop()`` ends it.

    Made by ``fake.serve(...)`` (or the ``mturk_server`` fixture). Clients in this process that
    point at ``url`` really go over HTTP (the in-process hook lets them through), which is how
    the server path is tested.
    """

    def __init__(
        self,
        backend: Backend,
        host: str = "127.0.0.1",
        port: int = 0,
        environment: str = "sandbox",
        verbose: bool = False,
    ) -> None:
        if environment not in protocol.HOSTS:
            raise ValueError("environment must be 'sandbox' or 'production'")
        self.environment = environment
        self._server = _Server((host, port), backend, protocol.HOSTS[environment], verbose)
        bound_host, bound_port = self._server.server_address[:2]
        self.host = str(bound_host)
        self.port = int(bound_port)
        self.url = f"http://{self.host}:{self.port}"
        hook.passthrough_hosts.add(f"{self.host}:{self.port}")
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"pytest-mturk-server-{self.port}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        hook.passthrough_hosts.discard(f"{self.host}:{self.port}")
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Block until interrupted (for the command line)."""
        try:
            self._thread.join()
        except KeyboardInterrupt:
            self.stop()

    def __enter__(self) -> MTurkServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<MTurkServer {self.url} ({self.environment})>"
