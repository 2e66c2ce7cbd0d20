"""``pytest-mturk serve --state FILE``: the whole state across restarts, whatever the crash.

Real server subprocesses are killed with SIGKILL while clients are mid-stream; every call that
got an answer must be there after the restart, with the ids going on where they were.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from pytest_mturk import MTurkFake, protocol
from pytest_mturk.durable import JOURNALED_HEADERS, DurableState, StateFileError
from tests.conftest import FORM_Q, hit_args

SERVE = [sys.executable, "-m", "pytest_mturk.cli", "serve"]
KEY = "AKIAPYTESTMTURKTEST1"


class Server:
    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url
        self.client = boto3.session.Session(
            aws_access_key_id=KEY, aws_secret_access_key="s"
        ).client(
            "mturk",
            region_name="us-east-1",
            endpoint_url=url,
            config=Config(retries={"total_max_attempts": 1}, read_timeout=30),
        )
        self.production = boto3.session.Session(
            aws_access_key_id=KEY, aws_secret_access_key="s"
        ).client(
            "mturk",
            region_name="us-east-1",
            endpoint_url=url + "/production",
            config=Config(retries={"total_max_attempts": 1}, read_timeout=30),
        )

    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = None if method == "GET" else json.dumps(body or {}).encode()
        request = urllib.request.Request(
            f"{self.url}/_pytest_mturk/{path}", data=data, method=method
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=60) == 0


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(timeout=30)


def start(started: list[Server], path: Path, *args: str) -> Server:
    proc = subprocess.Popen(
        [*SERVE, "--state", str(path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline()
    if not line:
        raise AssertionError(f"the server did not start: {proc.stderr.read()}")
    server = Server(proc, line.rsplit(" at ", 1)[1].strip())
    started.append(server)
    return server


def refused(path: Path, *args: str) -> str:
    result = subprocess.run(
        [*SERVE, "--state", str(path), *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


_GONE = (BotoCoreError, ClientError, urllib.error.URLError, ConnectionError, OSError)


def test_every_answered_call_survives_kill_9_mid_stream(
    tmp_path: Path, servers: list[Server]
) -> None:
    path = tmp_path / "state.json"
    rng = random.Random(4)
    hits: dict[str, dict[str, Any]] = {}  # every HIT whose creation was answered
    bonuses: list[tuple[str, str]] = []  # (worker, assignment) of every answered bonus
    workers: set[str] = set()
    ids: set[str] = set()  # every id ever answered: none may come back for something new
    lock = threading.Lock()
    for round_ in range(4):
        server = start(servers, path, "--seed", "11") if round_ == 0 else start(servers, path)
        # Everything answered before the kill is there.
        for hit_id, hit in hits.items():
            got = server.client.get_hit(HITId=hit_id)["HIT"]
            assert {k: got[k] for k in ("Title", "CreationTime", "Expiration", "Reward")} == {
                k: hit[k] for k in ("Title", "CreationTime", "Expiration", "Reward")
            }
        paid = {
            (p["worker_id"], p["assignment_id"])
            for p in server.control("GET", "payments")["payments"]
            if p["kind"] == "bonus"
        }
        assert set(bonuses) <= paid
        assert workers <= {w["worker_id"] for w in server.control("GET", "workers")["workers"]}
        state = server.control("GET", "state")
        MTurkFake.load_state(state).check_invariants()

        stop = threading.Event()

        def requester(
            server: Server = server, n: int = round_, stop: threading.Event = stop
        ) -> None:
            while not stop.is_set():
                try:
                    hit = server.client.create_hit(**hit_args(Title=f"round {n}"))["HIT"]
                except _GONE:
                    return
                with lock:
                    assert hit["HITId"] not in ids
                    ids.add(hit["HITId"])
                    hits[hit["HITId"]] = hit

        def worker_side(server: Server = server, stop: threading.Event = stop) -> None:
            while not stop.is_set():
                try:
                    hit = server.production.create_hit(**hit_args(Question=FORM_Q))["HIT"]
                    worker = server.control("POST", "workers")["worker"]["worker_id"]
                    with lock:
                        workers.add(worker)
                    done = server.control(
                        "POST", "do", {"worker_id": worker, "hit_id": hit["HITId"]}
                    )["assignment_id"]
                    server.production.approve_assignment(AssignmentId=done)
                    server.production.send_bonus(
                        WorkerId=worker, AssignmentId=done, BonusAmount="0.05", Reason="r"
                    )
                except _GONE:
                    return
                with lock:
                    assert done not in ids
                    ids.add(done)
                    bonuses.append((worker, done))

        threads = [threading.Thread(target=f) for f in (requester, requester, worker_side)]
        for t in threads:
            t.start()
        target = len(hits) + rng.randint(5, 40)
        while True:
            with lock:
                if len(hits) >= target:
                    break
            assert any(t.is_alive() for t in threads), "the clients stopped before the kill"
            stop.wait(0.005)
        server.kill()  # while the clients are mid-request
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert len(hits) > 40 and bonuses


def test_after_a_kill_the_state_is_exactly_what_it_was(
    tmp_path: Path, servers: list[Server]
) -> None:
    path = tmp_path / "state.json"
    server = start(servers, path)
    client = server.client
    hit = client.create_hit(**hit_args(Question=FORM_Q, MaxAssignments=3))["HIT"]["HITId"]
    worker = server.control("POST", "workers", {"country": "FR"})["worker"]["worker_id"]
    done = server.control("POST", "do", {"worker_id": worker, "hit_id": hit})["assignment_id"]
    client.approve_assignment(AssignmentId=done, RequesterFeedback="merci")
    client.create_worker_block(WorkerId="A1BLOCKEDWORKER", Reason="spam")
    qual = client.create_qualification_type(
        Name="q", Description="d", QualificationTypeStatus="Active"
    )["QualificationType"]["QualificationTypeId"]
    client.associate_qualification_with_worker(
        QualificationTypeId=qual, WorkerId=worker, IntegerValue=7
    )
    with pytest.raises(client.exceptions.RequestError):
        client.get_hit(HITId="3NOSUCHHIT")
    server.control("POST", "snapshot", {"name": "before"})
    server.control("POST", "clock/advance", {"seconds": 30})
    server.production.create_hit(**hit_args())
    before = server.control("GET", "state")
    calls = server.control("GET", "calls")
    server.kill()

    server = start(servers, path)
    assert server.control("GET", "state") == before
    assert server.control("GET", "calls") == calls
    assert server.control("GET", "snapshots") == {"snapshots": ["before"]}
    assert server.control("GET", "clock")["offset_seconds"] >= 30
    server.control("POST", "restore", {"name": "before"})
    assert server.production.list_hits()["NumResults"] == 0


def test_a_seeded_server_continues_its_id_sequences(tmp_path: Path, servers: list[Server]) -> None:
    def make_hits(server: Server, n: int) -> list[str]:
        return [server.client.create_hit(**hit_args())["HIT"]["HITId"] for _ in range(n)]

    server = start(servers, tmp_path / "restarted.json", "--seed", "99")
    first = make_hits(server, 3)
    server.kill()
    server = start(servers, tmp_path / "restarted.json")
    second = make_hits(server, 3)
    server.stop()  # a clean stop folds the journal into the snapshot
    server = start(servers, tmp_path / "restarted.json")
    third = make_hits(server, 2)
    assert len(set(first + second + third)) == 8

    # The same calls on a server that never stopped give the same ids: the sequence went on.
    reference = start(servers, tmp_path / "reference.json", "--seed", "99")
    assert make_hits(reference, 8) == first + second + third


def test_a_seed_is_chosen_and_kept_when_none_is_given(
    tmp_path: Path, servers: list[Server]
) -> None:
    path = tmp_path / "state.json"
    server = start(servers, path)
    server.client.create_hit(**hit_args())
    server.stop()
    seed = json.loads(path.read_text())["options"]["seed"]
    assert isinstance(seed, int)
    assert f"--seed {seed}, not {seed + 1}" in refused(path, "--seed", str(seed + 1))


def test_a_torn_last_journal_line_is_ignored(tmp_path: Path, servers: list[Server]) -> None:
    path = tmp_path / "state.json"
    server = start(servers, path)
    kept = server.client.create_hit(**hit_args())["HIT"]["HITId"]
    server.kill()
    journal = Path(str(path) + ".journal")
    whole = journal.read_bytes()
    journal.write_bytes(whole + b'{"c":1796287785.6,"env":"sandbox","h":{"x-amz-tar')
    server = start(servers, path)
    assert [h["HITId"] for h in server.client.list_hits()["HITs"]] == [kept]
    assert journal.read_bytes().startswith(whole)
    server.client.create_hit(**hit_args())  # appended after the torn line was cut off
    server.kill()
    server = start(servers, path)
    assert server.client.list_hits()["NumResults"] == 2


def test_a_clean_stop_folds_the_journal_into_the_snapshot(
    tmp_path: Path, servers: list[Server]
) -> None:
    path = tmp_path / "state.json"
    server = start(servers, path)
    server.client.create_hit(**hit_args())
    server.stop()
    journal = Path(str(path) + ".journal").read_text().splitlines()
    assert len(journal) == 1 and json.loads(journal[0])["format"] == "pytest-mturk-journal"
    assert not list(tmp_path.glob("*.tmp-*"))
    server = start(servers, path)
    assert server.client.list_hits()["NumResults"] == 1


def _valid_state(tmp_path: Path, servers: list[Server]) -> Path:
    path = tmp_path / "state.json"
    server = start(servers, path)
    server.client.create_hit(**hit_args())
    server.kill()
    return path


def _edit(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


BROKEN = {
    "an empty file": (lambda p: p.write_bytes(b""), "the file is empty"),
    "not JSON": (lambda p: p.write_bytes(b"\x00\x01 definitely not json"), "not valid JSON"),
    "a truncated file": (
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        "not valid JSON",
    ),
    "a state dump, not a server state": (
        lambda p: p.write_text(json.dumps(MTurkFake().dump_state())),
        "not a pytest-mturk server state file (format 'pytest-mturk-state')",
    ),
    "a file of another version": (
        lambda p: _edit(p, lambda d: d.update(version=99)),
        "state file version 99 is not supported",
    ),
    "a corrupt object table": (
        lambda p: _edit(p, lambda d: d["state"]["objects"].pop()),
        "broken pytest-mturk state dump at $.",
    ),
    "a hostile type": (
        lambda p: _edit(p, lambda d: d["state"]["types"].update({"os:system": []})),
        "type 'os:system' is not one pytest-mturk dumps",
    ),
    "a corrupt journal line": (
        lambda p: Path(str(p) + ".journal").write_bytes(
            Path(str(p) + ".journal").read_bytes().replace(b'"c":', b'"c"', 1)
        ),
        "line 2 of its journal",
    ),
    "a journal of another state file": (
        lambda p: Path(str(p) + ".journal").write_bytes(
            re.sub(rb'"id":"\w+"', b'"id":"0000"', Path(str(p) + ".journal").read_bytes(), count=1)
        ),
        "belongs to another state file",
    ),
    "a journal that does not replay": (
        lambda p: Path(str(p) + ".journal").write_bytes(
            Path(str(p) + ".journal").read_bytes().replace(b'"s":200', b'"s":400', 1)
        ),
        "does not replay (ValueError('answered 200, not 400 as recorded'",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_corrupt_or_foreign_file_is_refused_and_left_untouched(
    tmp_path: Path, servers: list[Server], case: str
) -> None:
    path = _valid_state(tmp_path, servers)
    breaker, says = BROKEN[case]
    breaker(path)
    files = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    line = refused(path)
    assert line.startswith(f"pytest-mturk: error: cannot use state file {path}: ")
    assert says in line
    assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == files


def test_a_journal_without_its_state_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    Path(str(path) + ".journal").write_text("{}\n")
    assert "it does not exist, but its journal" in refused(path)
    assert not path.exists()


def test_a_second_server_on_the_same_file_is_refused(tmp_path: Path, servers: list[Server]) -> None:
    path = tmp_path / "state.json"
    start(servers, path)
    assert "another pytest-mturk server is using it" in refused(path)


# ----------------------------------------------------------------------------- in process


def crash(state: DurableState) -> None:
    """Let the files go as a killed server would: no compaction."""
    state.abandon()


@pytest.mark.parametrize("how", ["killed", "stopped"])
def test_what_the_control_api_set_up_survives(tmp_path: Path, how: str) -> None:
    path = str(tmp_path / "state.json")
    state = DurableState.open(path, {"seed": 3})
    with state.serve() as server:
        post = _poster(server.control_url)
        post("faults", {"operation": "SendBonus", "error": "ReadTimeout", "times": 1})
        post("faults/rate_limit", {"per_second": 50})
        post("access_keys", {"key": "odd-key"})
        pilot = post("autopilot", {"workers": 1, "delay": 600})["workers"][0]["worker_id"]
        hit = _client(server.url).create_hit(**hit_args(Question=FORM_Q))["HIT"]["HITId"]
    if how == "killed":
        crash(state)  # the journal holds it all
    else:
        state.close()  # the snapshot holds it all, the autopilot's scheduled work included
        journal = Path(path + ".journal").read_text().splitlines()
        assert len(journal) == 1
    state = DurableState.open(path)
    fake = state.fake
    assert [(f.operation, f.error, f.fired) for f in fake.faults] == [
        ("SendBonus", "ReadTimeout", 0)
    ]
    assert "odd-key" in fake.access_keys
    assert state.control.rate_limits == {None: 50}
    assert [w.worker_id for p in state.control.autopilots for w in p.workers] == [pilot]
    assert fake.service.hits_by_id[hit].assignments == []
    fake.clock.advance(minutes=20)  # the work the autopilot scheduled is still due
    assert [a.worker_id for a in fake.service.hits_by_id[hit].assignments] == [pilot]
    state.close()


def test_a_call_applied_behind_a_fault_survives(tmp_path: Path) -> None:
    path = str(tmp_path / "state.json")
    state = DurableState.open(path, {"seed": 3})
    with state.serve() as server:
        post = _poster(server.control_url)
        client = _client(server.url)
        hit = client.create_hit(**hit_args())["HIT"]["HITId"]
        worker = post("workers")["worker"]["worker_id"]
        done = post("do", {"worker_id": worker, "hit_id": hit})["assignment_id"]
        client.approve_assignment(AssignmentId=done)
        post("faults", {"operation": "SendBonus", "error": "ReadTimeout"})
        post("faults", {"operation": "CreateHIT", "error": "ServiceFault"})
        with pytest.raises(BotoCoreError):  # applied, and the answer lost
            client.send_bonus(WorkerId=worker, AssignmentId=done, BonusAmount="2.00", Reason="late")
        with pytest.raises(client.exceptions.ServiceFault):  # refused: not applied
            client.create_hit(**hit_args())
    calls = [(c.operation, c.status) for c in state.fake.calls]
    crash(state)
    state = DurableState.open(path)
    fake = state.fake
    fake.assert_bonus_paid(worker, "2.00", reason="late")
    assert len(fake.service.hits_by_id) == 1
    assert [(c.operation, c.status) for c in fake.calls] == calls
    assert [f.fired for f in fake.faults] == [1, 1]
    state.close()


def test_the_journal_is_folded_once_it_outgrows_the_snapshot(tmp_path: Path) -> None:
    path = str(tmp_path / "state.json")
    state = DurableState.open(path, {"seed": 3})
    state.min_compact_bytes = 0
    with state.serve() as server:
        client = _client(server.url)
        made = [client.create_hit(**hit_args())["HIT"]["HITId"] for _ in range(30)]
    assert state.generation > 0  # folded while serving
    crash(state)
    state = DurableState.open(path)
    assert sorted(state.fake.service.hits_by_id) == sorted(made)
    state.close()


def test_a_journal_left_from_before_the_last_fold_is_not_replayed(tmp_path: Path) -> None:
    path = str(tmp_path / "state.json")
    state = DurableState.open(path, {"seed": 3})
    with state.serve() as server:
        _client(server.url).create_hit(**hit_args())
    # A crash between writing the new snapshot and starting the new journal.
    state.generation += 1
    state._write_snapshot()
    crash(state)
    state = DurableState.open(path)
    assert len(state.fake.service.hits_by_id) == 1  # not two
    state.close()


def test_the_journal_keeps_every_header_the_protocol_reads() -> None:
    source = Path(protocol.__file__).read_text()
    read = {name.lower() for name in re.findall(r'header\(headers, "([^"]+)"\)', source)}
    assert read and read <= set(JOURNALED_HEADERS)


def test_state_file_errors_from_python(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"format": "pytest-mturk-server-state", "version": 1}')
    with pytest.raises(StateFileError, match="options of a state file"):
        DurableState.open(str(path))


def _client(url: str) -> Any:
    return boto3.session.Session(aws_access_key_id=KEY, aws_secret_access_key="s").client(
        "mturk",
        region_name="us-east-1",
        endpoint_url=url,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=5),
    )


def _poster(base: str) -> Any:
    def post(path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            f"{base}/{path}", data=json.dumps(body or {}).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    return post
