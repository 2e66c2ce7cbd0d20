"""Server mode: per-call cost through the HTTP server vs in process, and throughput with 8
concurrent clients."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import (
    ACCESS_KEY,
    Row,
    Section,
    Sizes,
    build_hits,
    hit_params,
    new_client,
)

SERVER_LIMIT = 2.0


_CLIENT = """
import json, statistics, sys, time
import boto3
url, hit_id, n, ops, params = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
c = boto3.session.Session(aws_access_key_id=sys.argv[6],
                          aws_secret_access_key="s").client(
    "mturk", region_name="us-east-1", endpoint_url=url)
calls = {"GetHIT": lambda: c.get_hit(HITId=hit_id),
         "CreateHIT": lambda: c.create_hit(**json.loads(params))}
out = {}
for op in ops.split(","):
    call = calls[op]
    for _ in range(max(20, n // 10)):
        call()
    times = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - t0)
    out[op] = statistics.median(times) / 1000
print(json.dumps(out))
"""


def _client_medians(url: str, hit_id: str, n: int, ops: str, params: dict[str, Any]) -> Any:
    """Median microseconds per call of ``ops`` (comma-separated) from a client in a subprocess."""
    result = subprocess.run(
        [sys.executable, "-c", _CLIENT, url, hit_id, str(n), ops, json.dumps(params), ACCESS_KEY],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(result.stdout)


def _in_process(client: Any, hit_id: str, params: dict[str, Any], n: int) -> dict[str, float]:
    out = {}
    for op, call in (
        ("GetHIT", lambda: client.get_hit(HITId=hit_id)),
        ("CreateHIT", lambda: client.create_hit(**params)),
    ):
        for _ in range(max(20, n // 10)):
            call()
        times = []
        for _ in range(n):
            t0 = time.perf_counter_ns()
            call()
            times.append(time.perf_counter_ns() - t0)
        out[op] = statistics.median(times) / 1000
    return out


def server_mode(sizes: Sizes) -> Section:
    from pytest_mturk import MTurkFake

    section = Section(
        "server",
        "Server mode",
        "GetHIT and CreateHIT through `fake.serve()` (a real HTTP round trip on loopback, "
        "keep-alive) from a client in a subprocess — how server mode is used — against the "
        "same calls in process (botocore's before-send hook), the in-process median taken "
        "before and after the subprocess run and averaged. Then 8 subprocess clients call "
        "GetHIT at once; the throughput is reported.",
    )
    n = 200 if sizes.quick else 2000
    fake = MTurkFake(seed=5).start()
    try:
        server = fake.serve()
        try:
            hit_id = build_hits(fake, 1, submitted=False)[0][0]
            local = new_client()
            params = hit_params()
            before = _in_process(local, hit_id, params, n)
            remote = _client_medians(server.url, hit_id, n, "GetHIT,CreateHIT", params)
            after = _in_process(local, hit_id, params, n)
            for op in ("GetHIT", "CreateHIT"):
                section.add(
                    Row(
                        f"{op} through the HTTP server",
                        remote[op],
                        "us",
                        n,
                        "in process",
                        (before[op] + after[op]) / 2,
                        2 * n,
                        SERVER_LIMIT,
                    )
                )
            canned = _canned_floor(local, hit_id, n)
            section.add(
                Row(
                    "GetHIT from the same subprocess client, answered instantly by a canned "
                    "socket server (the HTTP floor)",
                    canned,
                    "us",
                    n,
                    "in process",
                    (before["GetHIT"] + after["GetHIT"]) / 2,
                    2 * n,
                    kind="info",
                    note="botocore's own HTTP round trip with no server work at all",
                )
            )
            seconds = 1.0 if sizes.quick else 5.0
            calls = _throughput(server.url, hit_id, clients=8, seconds=seconds)
            section.add(
                Row(
                    "GetHIT throughput, 8 concurrent subprocess clients",
                    calls / seconds,
                    "calls/s",
                    calls,
                    kind="info",
                    note=f"{calls} calls in {seconds:g} s; clients and server share 2 cores",
                )
            )
        finally:
            server.stop()
    finally:
        fake.stop()
    return section


_LOAD = """
import sys, time
import boto3
url, hit_id, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
c = boto3.session.Session(aws_access_key_id=sys.argv[-1],
                          aws_secret_access_key="s").client(
    "mturk", region_name="us-east-1", endpoint_url=url)
c.get_hit(HITId=hit_id)
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()
n, deadline = 0, time.perf_counter() + seconds
while time.perf_counter() < deadline:
    c.get_hit(HITId=hit_id)
    n += 1
print(n)
"""


def _throughput(url: str, hit_id: str, clients: int, seconds: float) -> int:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _LOAD, url, hit_id, str(seconds), ACCESS_KEY],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(clients)
    ]
    for p in procs:
        assert p.stdout is not None
        p.stdout.readline()  # "ready": imports and the first call are not timed
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    total = 0
    for p in procs:
        out, _ = p.communicate(timeout=120)
        total += int(out.strip().splitlines()[-1])
    return total


def _canned_floor(local: Any, hit_id: str, n: int) -> float:
    """The subprocess client's GetHIT median against a socket server that answers every
    request at once with the fake's own GetHIT body: the cost of HTTP alone."""
    import socket
    import threading

    from benchmarks.common import capture_response

    body = capture_response(local, "GetHIT", lambda: local.get_hit(HITId=hit_id)).body
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
        b"x-amzn-RequestId: 00000000-0000-4000-a000-000000000000\r\n"
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
                while b"\r\n\r\n" in buf:
                    head, rest = buf.split(b"\r\n\r\n", 1)
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    if len(rest) < length:
                        break
                    buf = rest[length:]
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        got = _client_medians(f"http://127.0.0.1:{port}", hit_id, n, "GetHIT", {})
    finally:
        listener.close()
    return float(got["GetHIT"])
