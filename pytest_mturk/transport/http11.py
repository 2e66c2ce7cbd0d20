"""HTTP/1.1 requests read off a socket, strictly: the server's own small parser.

SDK requests are simple POSTs, and http.server's e-mail-based header parsing was most of the
server's own cost, so the server reads requests itself. It is strict about framing: a request
whose length cannot be known for sure (a missing, negative, non-numeric, conflicting or huge
``Content-Length``, ``Transfer-Encoding`` other than ``chunked``, both at once, malformed chunks)
gets an error status and the connection is closed, never read as the start of the next request.
Idle connections and requests that arrive too slowly time out. The limits are listed in
``docs/reliability.md``.
"""

from __future__ import annotations

import re
import socket
import time
from typing import Any

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_BODY",
    "MAX_HEAD",
    "MAX_HEADERS",
    "MAX_REQUEST_LINE",
    "Closed",
    "HTTPError",
    "LowerHeaders",
    "Reader",
    "Request",
]

#: Seconds a connection may stay idle, and a request may take to arrive once it has begun.
DEFAULT_TIMEOUT = 60.0
#: The largest request body accepted (413 above it). MTurk's largest legal requests carry two
#: XML documents of at most 65,535 bytes each (CreateQualificationType's Test and AnswerKey),
#: which JSON escaping can make at most six times longer: under 1 MB. 8 MiB leaves a wide margin.
MAX_BODY = 8 * 1024 * 1024
#: The request line and header section together (431 above it), and the number of header lines.
MAX_HEAD = 64 * 1024
MAX_HEADERS = 100
MAX_REQUEST_LINE = 8 * 1024
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)")
_DIGITS = re.compile(rb"[0-9]+")
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_CTL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # control characters but HTAB
_HEAD_END = re.compile(rb"\n\r?\n")


class HTTPError(Exception):
    """A request the server refuses at the HTTP level; the connection is closed after it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Closed(Exception):
    """The client closed the connection, or left it idle too long: nothing to answer."""


class Request:
    __slots__ = ("body", "headers", "keep_alive", "method", "path", "query")

    def __init__(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        keep_alive: bool,
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.keep_alive = keep_alive


class LowerHeaders:
    """Headers read by the parser (names lower-cased), looked up case-insensitively."""

    __slots__ = ("_h",)

    def __init__(self, headers: dict[str, str]) -> None:
        self._h = headers

    def get(self, name: str, default: Any = None, /) -> Any:
        return self._h.get(name.lower(), default)


class Reader:
    """The reading side of one connection: a buffer over the socket, with deadlines."""

    __slots__ = ("buf", "max_body", "sock", "timeout")

    def __init__(self, sock: socket.socket, timeout: float, max_body: int) -> None:
        self.sock = sock
        self.timeout = timeout
        self.max_body = max_body
        self.buf = bytearray()

    def _fill(self, deadline: float, started: bool) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise HTTPError(408, "the request did not arrive in time") if started else Closed()
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            data = None
        except OSError:
            raise Closed() from None
        if data is None:
            raise HTTPError(408, "the request did not arrive in time") if started else Closed()
        if not data:
            raise Closed()
        self.buf += data

    def next_request(self) -> Request:
        """The next request on the connection (raises Closed at its end, HTTPError when the
        request is malformed)."""
        buf = self.buf
        deadline = time.monotonic() + self.timeout
        started = False
        while True:
            # Empty lines before a request line are ignored (RFC 9112 section 2.2).
            while buf and buf[0] in (13, 10):  # CR, LF
                del buf[:1]
            if buf and not started:
                started = True
                deadline = time.monotonic() + self.timeout
            found = _HEAD_END.search(buf)
            if found is not None:
                break
            if len(buf) > MAX_HEAD:
                if buf.find(b"\n") < 0 or buf.find(b"\n") > MAX_REQUEST_LINE:
                    raise HTTPError(414, "the request line is too long")
                raise HTTPError(431, "the request's header section is too large")
            self._fill(deadline, started)
        head = bytes(buf[: found.start()])
        del buf[: found.end()]
        if len(head) > MAX_HEAD:
            raise HTTPError(431, "the request's header section is too large")
        method, path, query, version, headers = _parse_head(head)
        body = self._read_body(method, version, headers, deadline)
        connection = headers.get("connection", "").lower()
        if version == (1, 0):
            keep_alive = "keep-alive" in connection
        else:
            keep_alive = "close" not in connection
        return Request(method, path, query, headers, body, keep_alive)

    def _read_body(
        self, method: str, version: tuple[int, int], headers: dict[str, str], deadline: float
    ) -> bytes:
        te = headers.get("transfer-encoding")
        cl = headers.get("content-length")
        expect = headers.get("expect")
        if expect is not None and expect.lower() != "100-continue":
            raise HTTPError(417, f"Expect {expect!r} is not supported (only 100-continue is)")
        if te is not None:
            if cl is not None:
                raise HTTPError(
                    400, "a request may not have both Content-Length and Transfer-Encoding"
                )
            if version == (1, 0):
                raise HTTPError(400, "Transfer-Encoding is not allowed in HTTP/1.0")
            codings = [c.strip().lower() for c in te.split(",")]
            if codings[-1] != "chunked":
                if "chunked" in codings:
                    raise HTTPError(400, "chunked must be the last transfer coding")
                raise HTTPError(501, f"Transfer-Encoding {te!r} is not supported (only chunked is)")
            if len(codings) > 1:
                raise HTTPError(501, f"Transfer-Encoding {te!r} is not supported (only chunked is)")
            self._expect_continue(headers)
            return self._read_chunked(deadline)
        if cl is None:
            if method == "POST":
                raise HTTPError(
                    411, "a POST needs a Content-Length (or Transfer-Encoding: chunked)"
                )
            return b""
        length = _content_length(cl, self.max_body)
        if length == 0:
            return b""
        if len(self.buf) < length:
            self._expect_continue(headers)
        while len(self.buf) < length:
            self._fill(deadline, True)
        body = bytes(self.buf[:length])
        del self.buf[:length]
        return body

    def _expect_continue(self, headers: dict[str, str]) -> None:
        if headers.get("expect") is not None and not self.buf:
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _line(self, deadline: float, limit: int) -> bytes:
        buf = self.buf
        while True:
            end = buf.find(b"\n")
            if end >= 0:
                line = bytes(buf[:end])
                del buf[: end + 1]
                return line[:-1] if line.endswith(b"\r") else line
            if len(buf) > limit:
                raise HTTPError(400, "a chunk-size or trailer line is too long")
            self._fill(deadline, True)

    def _read_chunked(self, deadline: float) -> bytes:
        out = bytearray()
        while True:
            line = self._line(deadline, 4096)
            size_text = line.split(b";", 1)[0].strip(b" \t")
            if not _HEX.fullmatch(size_text) or len(size_text) > 16:
                raise HTTPError(400, f"bad chunk size {line[:40]!r}")
            size = int(size_text, 16)
            if size == 0:
                break
            if len(out) + size > self.max_body:
                raise HTTPError(413, f"the request body is larger than {self.max_body} bytes")
            while len(self.buf) < size:
                self._fill(deadline, True)
            out += self.buf[:size]
            del self.buf[:size]
            if self._line(deadline, 4096) != b"":
                raise HTTPError(400, "a chunk is longer than its chunk size")
        trailers = 0
        while self._line(deadline, 4096) != b"":
            trailers += 1
            if trailers > MAX_HEADERS:
                raise HTTPError(431, "too many trailer lines")
        return bytes(out)


def _content_length(value: str, max_body: int) -> int:
    parts = {p.strip() for p in value.split(",")}
    if len(parts) != 1:
        raise HTTPError(400, f"conflicting Content-Length values {value!r}")
    text = parts.pop().encode("latin-1")
    if not _DIGITS.fullmatch(text):
        raise HTTPError(400, f"invalid Content-Length {value!r}")
    if len(text.lstrip(b"0")) > 18 or int(text) > max_body:
        raise HTTPError(413, f"the request body is larger than {max_body} bytes")
    return int(text)


def _parse_head(head: bytes) -> tuple[str, str, str, tuple[int, int], dict[str, str]]:
    lines = head.split(b"\n")
    request_line = lines[0].removesuffix(b"\r")
    if len(request_line) > MAX_REQUEST_LINE:
        raise HTTPError(414, "the request line is too long")
    parts = request_line.split(b" ")
    if len(parts) != 3 or not all(parts):
        raise HTTPError(400, f"malformed request line {request_line[:80]!r}")
    method, target, version_text = parts
    if not _TOKEN.fullmatch(method):
        raise HTTPError(400, f"malformed method {method[:40]!r}")
    match = _VERSION.fullmatch(version_text)
    if match is None:
        raise HTTPError(400, f"malformed HTTP version {version_text[:40]!r}")
    version = (int(match.group(1)), int(match.group(2)))
    if version[0] != 1:
        raise HTTPError(505, f"HTTP version {version_text.decode('latin-1')} is not supported")
    if _CTL.search(target) or b"\t" in target:
        raise HTTPError(400, "control characters in the request target")
    text = target.decode("latin-1")
    if text.startswith(("http://", "https://")):  # absolute form: keep the path
        text = "/" + text.split("/", 3)[3] if text.count("/") >= 3 else "/"
    elif not text.startswith("/"):
        raise HTTPError(400, f"malformed request target {text[:80]!r}")
    path, _, query = text.partition("?")
    headers: dict[str, str] = {}
    if len(lines) - 1 > MAX_HEADERS:
        raise HTTPError(431, f"more than {MAX_HEADERS} header lines")
    for raw in lines[1:]:
        line = raw.removesuffix(b"\r")
        if line[:1] in (b" ", b"\t"):
            raise HTTPError(400, "obsolete line folding in the header section")
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN.fullmatch(name):
            raise HTTPError(400, f"malformed header line {line[:80]!r}")
        value = value.strip(b" \t")
        if _CTL.search(value):
            raise HTTPError(400, f"control characters in the header {name.decode('latin-1')}")
        key = name.decode("latin-1").lower()
        decoded = value.decode("latin-1")
        previous = headers.get(key)
        headers[key] = decoded if previous is None else f"{previous}, {decoded}"
    return method.decode("latin-1"), path, query, version, headers
