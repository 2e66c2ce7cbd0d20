"""HTTP/1.1 framing in server mode, byte by byte over raw sockets.

Every malformed or unframeable request gets an error status and a closed connection (never a
dropped connection with a traceback, never its body read as the next request), and the server
goes on answering everyone else.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from pytest_mturk import MTurkFake
from pytest_mturk.transport import http11
from tests.conftest import hit_args

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAPYTESTMTURKTEST1/20300101/us-east-1/mturk-requester/"
    "aws4_request, SignedHeaders=host, Signature=x"
)
#: A hang guard for reads, far above anything the tests wait for.
GUARD = 20.0


def api(
    operation: str,
    body: bytes = b"{}",
    *,
    framing: str | None = None,
    extra: str = "",
    version: str = "HTTP/1.1",
) -> bytes:
    """A raw MTurk API request; ``framing`` replaces the Content-Length line."""
    if framing is None:
        framing = f"Content-Length: {len(body)}\r\n"
    return (
        f"POST / {version}\r\nHost: localhost\r\n"
        f"X-Amz-Target: MTurkRequesterServiceV20170117.{operation}\r\n"
        f"Authorization: {AUTH}\r\nContent-Type: application/x-amz-json-1.1\r\n"
        f"{framing}{extra}\r\n"
    ).encode() + body


class Conn:
    """A raw client connection that reads whole HTTP responses."""

    def __init__(self, server: Any) -> None:
        self.sock = socket.create_connection((server.host, server.port), timeout=GUARD)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _more(self) -> bool:
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        """The next response: (status, headers, body)."""
        while b"\r\n\r\n" not in self.buf:
            if not self._more():
                raise EOFError(f"connection closed; got {self.buf!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            if not self._more():
                raise EOFError("connection closed mid-body")
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def closed(self) -> bool:
        """Whether the server closed the connection (after whatever it still had to say)."""
        try:
            return not self._more() and True
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server(fake: MTurkFake) -> Iterator[Any]:
    with fake.serve(timeout=5, max_body=100_000) as s:
        yield s


def still_serving(server: Any) -> None:
    conn = Conn(server)
    conn.send(api("GetAccountBalance"))
    status, _, body = conn.response()
    assert status == 200 and json.loads(body)["AvailableBalance"] == "10000.00"
    conn.close()


def refused(server: Any, request: bytes) -> tuple[int, dict[str, Any]]:
    """Send ``request``; the answer is an error, and the connection is closed after it."""
    conn = Conn(server)
    conn.send(request)
    status, headers, body = conn.response()
    assert headers.get("connection") == "close"
    assert conn.closed()
    conn.close()
    still_serving(server)
    return status, json.loads(body)


BAD_FRAMING = {
    "a POST without Content-Length": (api("GetAccountBalance", framing=""), 411),
    "a negative Content-Length": (api("GetAccountBalance", framing="Content-Length: -2\r\n"), 400),
    "a non-numeric Content-Length": (
        api("GetAccountBalance", framing="Content-Length: two\r\n"),
        400,
    ),
    "a Content-Length with a sign": (
        api("GetAccountBalance", framing="Content-Length: +2\r\n"),
        400,
    ),
    "conflicting Content-Lengths": (
        api("GetAccountBalance", framing="Content-Length: 2\r\nContent-Length: 3\r\n"),
        400,
    ),
    "a huge Content-Length": (
        api("GetAccountBalance", framing="Content-Length: 99999999999999999999999999\r\n"),
        413,
    ),
    "a body above the limit": (
        api("GetAccountBalance", framing="Content-Length: 100001\r\n"),
        413,
    ),
    "Content-Length and Transfer-Encoding": (
        api(
            "GetAccountBalance",
            framing="Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
        ),
        400,
    ),
    "an unsupported transfer coding": (
        api("GetAccountBalance", framing="Transfer-Encoding: gzip\r\n"),
        501,
    ),
    "a coding on top of chunked": (
        api(
            "GetAccountBalance",
            b"2\r\n{}\r\n0\r\n\r\n",
            framing="Transfer-Encoding: gzip, chunked\r\n",
        ),
        501,
    ),
    "chunked not last": (
        api("GetAccountBalance", framing="Transfer-Encoding: chunked, gzip\r\n"),
        400,
    ),
    "Transfer-Encoding in HTTP/1.0": (
        api(
            "GetAccountBalance",
            b"2\r\n{}\r\n0\r\n\r\n",
            framing="Transfer-Encoding: chunked\r\n",
            version="HTTP/1.0",
        ),
        400,
    ),
    "a bad chunk size": (
        api(
            "GetAccountBalance", b"zz\r\n{}\r\n0\r\n\r\n", framing="Transfer-Encoding: chunked\r\n"
        ),
        400,
    ),
    "a chunk longer than its size": (
        api("GetAccountBalance", b"1\r\n{}\r\n0\r\n\r\n", framing="Transfer-Encoding: chunked\r\n"),
        400,
    ),
    "chunks above the limit": (
        api(
            "GetAccountBalance",
            b"186a0\r\n" + b"x" * 100_000 + b"\r\n1\r\nx\r\n0\r\n\r\n",
            framing="Transfer-Encoding: chunked\r\n",
        ),
        413,
    ),
    "an Expect other than 100-continue": (
        api("GetAccountBalance", extra="Expect: 200-ok\r\n"),
        417,
    ),
    "a request line of two words": (b"POST /\r\nContent-Length: 0\r\n\r\n", 400),
    "a request line of one word": (b"GARBAGE\r\n\r\n", 400),
    "a request line with extra spaces": (b"POST  / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400),
    "a bad method": (b"PO(ST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400),
    "a bad version": (b"POST / HTTP/one\r\nContent-Length: 0\r\n\r\n", 400),
    "HTTP/2 on an HTTP/1 connection": (b"POST / HTTP/2.0\r\nContent-Length: 0\r\n\r\n", 505),
    "a target that is not a path": (b"POST index HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400),
    "a header line without a colon": (
        b"POST / HTTP/1.1\r\nContent-Length 2\r\n\r\n{}",
        400,
    ),
    "a space before the colon": (b"POST / HTTP/1.1\r\nContent-Length : 2\r\n\r\n{}", 400),
    "a folded header line": (
        b"POST / HTTP/1.1\r\nX-Amz-Target: MTurk\r\n  RequesterService\r\nContent-Length: 2"
        b"\r\n\r\n{}",
        400,
    ),
    "a control character in a header": (
        b"POST / HTTP/1.1\r\nX-Amz-Target: a\x00b\r\nContent-Length: 2\r\n\r\n{}",
        400,
    ),
    "a header section that is too large": (
        b"POST / HTTP/1.1\r\n" + b"X-Filler: " + b"y" * (http11.MAX_HEAD + 10) + b"\r\n\r\n",
        431,
    ),
    "too many header lines": (
        b"POST / HTTP/1.1\r\n" + b"X-A: b\r\n" * (http11.MAX_HEADERS + 1) + b"\r\n",
        431,
    ),
    "a request line that is too long": (
        b"GET /" + b"a" * (http11.MAX_REQUEST_LINE + 10) + b" HTTP/1.1\r\n\r\n",
        414,
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FRAMING))
def test_bad_framing_gets_an_error_and_a_closed_connection(
    server: Any, fake: MTurkFake, case: str, capfd: pytest.CaptureFixture[str]
) -> None:
    request, status = BAD_FRAMING[case]
    got, body = refused(server, request)
    assert got == status
    assert body["message"]
    assert fake.internal_errors == []
    assert "Traceback" not in capfd.readouterr().err


def test_a_body_without_content_length_is_not_read_as_the_next_request(
    server: Any, fake: MTurkFake
) -> None:
    smuggled = api("CreateHIT", json.dumps(hit_args()).encode())
    conn = Conn(server)
    conn.send(api("GetAccountBalance", smuggled, framing=""))
    assert conn.response()[0] == 411
    assert conn.closed()
    assert fake.calls == []  # neither the POST nor the CreateHIT inside its body was answered


def test_chunked_bodies_are_decoded(server: Any, fake: MTurkFake) -> None:
    params = json.dumps(hit_args(Title="sent in chunks")).encode()
    parts = [params[:10], params[10:11], params[11:]]
    chunked = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in parts)
    chunked += b"0\r\nX-Trailer: yes\r\n\r\n"
    conn = Conn(server)
    # Two chunked requests back to back on one keep-alive connection: the first one's end is
    # found exactly, so the second one is read as a request of its own.
    conn.send(
        api("CreateHIT", chunked, framing="Transfer-Encoding: chunked\r\n")
        + api("ListHITs", b"2\r\n{}\r\n0\r\n\r\n", framing="Transfer-Encoding: Chunked\r\n")
    )
    status, headers, body = conn.response()
    assert status == 200, body
    hit = json.loads(body)["HIT"]
    assert hit["Title"] == "sent in chunks"
    status, headers, body = conn.response()
    assert status == 200 and json.loads(body)["NumResults"] == 1
    assert headers.get("connection") != "close"
    conn.close()
    assert [c.operation for c in fake.calls] == ["CreateHIT", "ListHITs"]


def test_pipelined_requests_are_answered_in_order(server: Any) -> None:
    conn = Conn(server)
    conn.send(
        api("GetAccountBalance")
        + api("GetHIT", b'{"HITId": "3NOPE"}')
        + api("GetAccountBalance", framing="Content-Length: 2\r\n", extra="Connection: close\r\n")
    )
    assert conn.response()[0] == 200
    status, _, body = conn.response()
    assert status == 400 and json.loads(body)["TurkErrorCode"].endswith("HITDoesNotExist")
    status, headers, _ = conn.response()
    assert status == 200 and headers["connection"] == "close"
    assert conn.closed()


def test_expect_100_continue(server: Any) -> None:
    conn = Conn(server)
    conn.send(
        api(
            "GetAccountBalance",
            b"",
            extra="Expect: 100-continue\r\n",
            framing="Content-Length: 2\r\n",
        )
    )
    status, _, _ = conn.response()
    assert status == 100
    conn.send(b"{}")
    status, _, body = conn.response()
    assert status == 200 and json.loads(body)["AvailableBalance"] == "10000.00"


def test_http_1_0_closes_after_the_answer(server: Any) -> None:
    conn = Conn(server)
    conn.send(api("GetAccountBalance", version="HTTP/1.0"))
    status, headers, _ = conn.response()
    assert status == 200 and headers["connection"] == "close"
    assert conn.closed()


def test_leading_empty_lines_are_ignored(server: Any) -> None:
    conn = Conn(server)
    conn.send(b"\r\n\r\n" + api("GetAccountBalance"))
    assert conn.response()[0] == 200


def test_idle_connections_are_closed(fake: MTurkFake) -> None:
    with fake.serve(timeout=0.2) as server:
        conn = Conn(server)
        conn.send(api("GetAccountBalance"))
        assert conn.response()[0] == 200
        # Nothing more is sent: the server closes the connection, saying nothing.
        assert conn.closed()
        assert conn.buf == b""
        still_serving(server)


@pytest.mark.parametrize(
    "partial",
    [
        b"POST / HTTP/1.1\r\nHost: localhost\r\n",  # the header section never ends
        api("GetAccountBalance", b"{", framing="Content-Length: 2\r\n"),  # the body never ends
        api("GetAccountBalance", b"2\r\n{}\r\n", framing="Transfer-Encoding: chunked\r\n"),
    ],
    ids=["head", "body", "chunks"],
)
def test_slow_requests_time_out_with_408(fake: MTurkFake, partial: bytes) -> None:
    with fake.serve(timeout=0.2) as server:
        conn = Conn(server)
        conn.send(partial)
        status, headers, body = conn.response()
        assert status == 408 and headers["connection"] == "close"
        assert "in time" in json.loads(body)["message"]
        assert conn.closed()
        still_serving(server)


def test_routing_errors_keep_the_connection(server: Any) -> None:
    conn = Conn(server)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.response()[0] == 400
    conn.send(b"PUT / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
    status, headers, _ = conn.response()
    assert status == 405 and headers["allow"] == "POST"
    conn.send(b"POST /elsewhere HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
    assert conn.response()[0] == 404
    conn.send(api("GetAccountBalance"))
    assert conn.response()[0] == 200


def test_a_stopped_server_closes_its_open_connections(fake: MTurkFake) -> None:
    server = fake.serve()
    conn = Conn(server)
    conn.send(api("GetAccountBalance"))
    assert conn.response()[0] == 200
    server.stop()
    assert conn.closed()


def test_the_largest_legal_requests_fit_under_the_limit(fake: MTurkFake) -> None:
    """CreateQualificationType with a Test and an AnswerKey of 65,535 bytes each, full of
    characters JSON escapes, is far under the default body limit."""
    from tests.conftest import ANSWER_KEY, TEST_FORM

    padding = '\u2603"\\\n' * 4000  # each JSON-escaped into 2-6 bytes
    test_form = TEST_FORM.replace("Pick for q1", "Pick for q1 " + padding)
    answer_key = ANSWER_KEY.replace("</AnswerKey>", f"<!-- {padding} --></AnswerKey>")
    with fake.serve() as server:
        client = boto3.session.Session(
            aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
        ).client(
            "mturk",
            region_name="us-east-1",
            endpoint_url=server.url,
            config=Config(retries={"total_max_attempts": 1}),
        )
        got = client.create_qualification_type(
            Name="big",
            Description="d",
            QualificationTypeStatus="Active",
            Test=test_form,
            AnswerKey=answer_key,
            TestDurationInSeconds=60,
        )
        assert got["QualificationType"]["QualificationTypeId"]
        assert len(test_form.encode()) <= 65_535 and len(answer_key.encode()) <= 65_535
