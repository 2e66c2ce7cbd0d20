"""The control API (``/_pytest_mturk/``), driven from plain HTTP as a test in another language
would, next to boto3 calls to the same server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.config import Config

from pytest_mturk import MTurkFake
from pytest_mturk.clock import Clock
from pytest_mturk.transport.control import ENDPOINTS
from tests.conftest import FORM_Q, hit_args


class Control:
    """A tiny HTTP client of the control API."""

    def __init__(self, server: Any, token: str | None = None) -> None:
        self.base = server.control_url
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        if method == "POST" and data is None:
            data = b""
        request = urllib.request.Request(f"{self.base}/{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token is not None:
            request.add_header("X-Pytest-Mturk-Token", self.token)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.headers["Content-Type"] == "application/json"
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            assert exc.headers["Content-Type"] == "application/json"
            return exc.code, json.loads(exc.read())

    def get(self, path: str) -> Any:
        status, body = self.call("GET", path)
        assert status == 200, body
        return body

    def post(self, path: str, body: Any = None) -> Any:
        status, answer = self.call("POST", path, {} if body is None else body)
        assert status == 200, answer
        return answer


@pytest.fixture
def served(fake: MTurkFake) -> Iterator[tuple[Any, Control, Any]]:
    with fake.serve() as server:
        client = boto3.session.Session(
            aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
        ).client(
            "mturk",
            region_name="us-east-1",
            endpoint_url=server.url,
            config=Config(retries={"total_max_attempts": 1}),
        )
        yield server, Control(server), client


def test_the_index_lists_every_endpoint(served: Any) -> None:
    _, control, _ = served
    index = control.get("")
    listed = {(e["method"], e["path"]) for e in index["endpoints"]}
    assert listed == {(e.method, e.name) for e in ENDPOINTS}
    accept = next(e for e in index["endpoints"] if e["path"] == "accept")
    assert [f["name"] for f in accept["fields"] if f["required"]] == ["worker_id", "hit_id"]


def test_a_worker_made_over_http_does_work_a_boto3_client_pays_for(
    served: Any, fake: MTurkFake
) -> None:
    _, control, client = served
    hit = client.create_hit(**hit_args(Question=FORM_Q))["HIT"]
    worker = control.post("workers", {"country": "GB", "approved": 5})["worker"]
    assert worker["country"] == "GB" and worker["prior_approved"] == 5
    assert worker["worker_id"] in fake.workers
    assignment = control.post("accept", {"worker_id": worker["worker_id"], "hit_id": hit["HITId"]})
    control.post(
        "submit",
        {
            "worker_id": worker["worker_id"],
            "assignment_id": assignment["assignment_id"],
            "answers": {"label": "cat", "comment": "sure"},
        },
    )
    listed = client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert [a["AssignmentId"] for a in listed] == [assignment["assignment_id"]]
    client.approve_assignment(AssignmentId=assignment["assignment_id"])
    payments = control.get("payments")["payments"]
    assert [(p["kind"], p["worker_id"], p["amount"]) for p in payments] == [
        ("reward", worker["worker_id"], "0.50")
    ]
    calls = control.get("calls")["calls"]
    assert [c["operation"] for c in calls] == [
        "CreateHIT",
        "ListAssignmentsForHIT",
        "ApproveAssignment",
    ]
    assert calls[0]["ok"] is True and calls[0]["attempt"] == 1
    assert [w["worker_id"] for w in control.get("workers")["workers"]] == [worker["worker_id"]]


def test_do_and_return(served: Any) -> None:
    _, control, client = served
    hit = client.create_hit(**hit_args(MaxAssignments=2))["HIT"]["HITId"]
    a, b = (control.post("workers")["worker"]["worker_id"] for _ in range(2))
    done = control.post("do", {"worker_id": a, "hit_id": hit})["assignment_id"]
    held = control.post("accept", {"worker_id": b, "hit_id": hit})["assignment_id"]
    control.post("return", {"worker_id": b, "assignment_id": held})
    got = client.get_hit(HITId=hit)["HIT"]
    assert got["NumberOfAssignmentsAvailable"] == 1 and got["NumberOfAssignmentsPending"] == 0
    assert client.get_assignment(AssignmentId=done)["Assignment"]["AssignmentStatus"] == (
        "Submitted"
    )


def test_actions_go_through_the_fakes_own_methods(
    served: Any, fake: MTurkFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, control, _ = served
    made: list[dict[str, Any]] = []
    original = fake.workers.create

    def spy(*args: Any, **kwargs: Any) -> Any:
        made.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(fake.workers, "create", spy)
    moved: list[Any] = []
    advance = Clock.advance

    def clock_spy(self: Clock, *args: Any, **kwargs: Any) -> Any:
        moved.append(kwargs)
        return advance(self, *args, **kwargs)

    monkeypatch.setattr(Clock, "advance", clock_spy)
    control.post("workers", {"country": "DE"})
    control.post("clock/advance", {"minutes": 5})
    assert made == [{"country": "DE"}]
    assert moved == [{"minutes": 5}]


def test_the_clock(served: Any, fake: MTurkFake) -> None:
    _, control, client = served
    hit = client.create_hit(**hit_args(LifetimeInSeconds=60))["HIT"]["HITId"]
    before = control.get("clock")
    after = control.post("clock/advance", {"minutes": 2})
    assert after["offset_seconds"] >= 120 > before["offset_seconds"]
    assert client.get_hit(HITId=hit)["HIT"]["HITStatus"] == "Reviewable"
    moved = control.post("clock/move_to", {"time": "2040-01-01T00:00:00Z"})
    assert moved["now"].startswith("2040-01-01T00:00:0")
    assert fake.clock.now().year == 2040


def test_autopilot_and_its_stop(served: Any) -> None:
    _, control, client = served
    pilots = control.post("autopilot", {"workers": 2, "answers": {"label": "dog"}})
    assert len(pilots["workers"]) == 2
    hit = client.create_hit(**hit_args(Question=FORM_Q, MaxAssignments=3))["HIT"]["HITId"]
    done = client.list_assignments_for_hit(HITId=hit)["Assignments"]
    assert len(done) == 2 and all("dog" in a["Answer"] for a in done)
    assert control.post("autopilot/stop") == {"stopped": 1}
    other = client.create_hit(**hit_args(Question=FORM_Q))["HIT"]["HITId"]
    assert client.list_assignments_for_hit(HITId=other)["NumResults"] == 0


def test_faults_and_rate_limits(served: Any) -> None:
    _, control, client = served
    fault = control.post("faults", {"operation": "get_account_balance", "times": 1})["fault"]
    assert fault["operation"] == "GetAccountBalance" and fault["error"] == "ServiceFault"
    with pytest.raises(client.exceptions.ServiceFault):
        client.get_account_balance()
    client.get_account_balance()
    assert [f["fired"] for f in control.get("faults")["faults"]] == [1]
    control.post("faults/rate_limit", {"per_second": 1, "operation": "ListHITs"})
    client.list_hits()
    with pytest.raises(client.exceptions.ClientError, match="Rate exceeded"):
        client.list_hits()
    control.post("faults/clear")
    client.list_hits()
    assert control.get("faults") == {"faults": []}


def test_reset_snapshots_and_state(served: Any, fake: MTurkFake) -> None:
    _, control, client = served
    client.create_hit(**hit_args())
    assert control.post("snapshot", {"name": "one HIT"}) == {"snapshots": ["one HIT"]}
    client.create_hit(**hit_args())
    assert control.get("state") == json.loads(json.dumps(fake.dump_state()))
    control.post("restore", {"name": "one HIT"})
    assert client.list_hits()["NumResults"] == 1
    control.post("reset")
    assert client.list_hits()["NumResults"] == 0
    assert control.get("calls")["calls"][-1]["operation"] == "ListHITs"
    assert control.get("snapshots") == {"snapshots": ["one HIT"]}


def test_access_keys_notifications_and_emails(served: Any, fake: MTurkFake) -> None:
    server, control, _ = served
    control.post("access_keys", {"key": "not-a-real-key"})
    odd = boto3.session.Session(
        aws_access_key_id="not-a-real-key", aws_secret_access_key="s"
    ).client("mturk", region_name="us-east-1", endpoint_url=server.url)
    odd.get_account_balance()
    assert control.get("notifications") == {"notifications": []}
    assert control.get("emails") == {"emails": []}


MISUSE = {
    "an unknown action": ("POST", "fire", {}, 400, "UnknownAction", "POST /_pytest_mturk/accept"),
    "an unknown resource": ("GET", "hits", None, 400, "UnknownAction", "GET /_pytest_mturk/calls"),
    "a missing field": ("POST", "accept", {"worker_id": "A1"}, 400, "MissingField", "'hit_id'"),
    "a field of the wrong type": (
        "POST",
        "clock/advance",
        {"minutes": "five"},
        400,
        "BadType",
        "field 'minutes' must be number",
    ),
    "a boolean for a number": (
        "POST",
        "autopilot",
        {"workers": True},
        400,
        "BadType",
        "must be integer",
    ),
    "an unknown field": (
        "POST",
        "reset",
        {"hard": True},
        400,
        "UnknownField",
        "valid fields: none",
    ),
    "a body that is not an object": ("POST", "reset", [1], 400, "BadBody", "JSON object"),
    "the wrong method": ("GET", "accept", None, 405, "MethodNotAllowed", "use POST"),
    "an unknown worker": (
        "POST",
        "accept",
        {"worker_id": "A1NOSUCHWORKER", "hit_id": "3X"},
        400,
        "InvalidValue",
        "unknown worker 'A1NOSUCHWORKER'",
    ),
    "a fault kind the fake does not know": (
        "POST",
        "faults",
        {"operation": "CreateHIT", "error": "Boom"},
        400,
        "InvalidValue",
        "Fault kinds: ServiceFault",
    ),
    "an unknown snapshot": (
        "POST",
        "restore",
        {"name": "nope"},
        400,
        "InvalidValue",
        "no snapshot named 'nope'; taken: none",
    ),
    "a bad time": ("POST", "clock/move_to", {"time": "soon"}, 400, "InvalidValue", "ISO 8601"),
}


@pytest.mark.parametrize("case", sorted(MISUSE))
def test_misuse_is_a_json_error_naming_the_choices(served: Any, fake: MTurkFake, case: str) -> None:
    _, control, _ = served
    method, path, body, status, kind, says = MISUSE[case]
    before = json.dumps(fake.dump_state(), sort_keys=True)
    got, answer = control.call(method, path, body)
    assert (got, answer["error"]) == (status, kind), answer
    assert says in answer["message"]
    assert json.dumps(fake.dump_state(), sort_keys=True) == before  # nothing changed


def test_a_body_that_is_not_json(served: Any) -> None:
    server, _, _ = served
    request = urllib.request.Request(server.control_url + "/reset", data=b"{nope", method="POST")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=30)
    assert exc.value.code == 400
    assert json.loads(exc.value.read())["error"] == "BadBody"


def test_a_worker_refusal_is_409_with_its_reason(served: Any) -> None:
    _, control, client = served
    hit = client.create_hit(**hit_args())["HIT"]["HITId"]
    worker = control.post("workers")["worker"]["worker_id"]
    client.create_worker_block(WorkerId=worker, Reason="spam")
    status, answer = control.call("POST", "accept", {"worker_id": worker, "hit_id": hit})
    assert status == 409
    assert answer["error"] == "WorkerActionError" and answer["reason"] == "blocked"


def test_off_loopback_a_token_is_required(fake: MTurkFake) -> None:
    with fake.serve(host="0.0.0.0") as server:
        assert server.token is not None and len(server.token) >= 24
        assert server.environ["PYTEST_MTURK_TOKEN"] == server.token
        local = type("S", (), {"control_url": f"http://127.0.0.1:{server.port}/_pytest_mturk"})
        status, answer = Control(local).call("GET", "clock")
        assert status == 401 and "X-Pytest-Mturk-Token" in answer["message"]
        status, _ = Control(local, token="wrong").call("GET", "clock")
        assert status == 401
        assert Control(local, token=server.token).get("clock")["offset_seconds"] == 0
        # The MTurk API itself needs no token.
        client = boto3.session.Session(
            aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="s"
        ).client("mturk", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{server.port}")
        assert Decimal(client.get_account_balance()["AvailableBalance"]) == Decimal("10000.00")


def test_a_token_can_be_given_on_loopback_too(fake: MTurkFake) -> None:
    with fake.serve(token="s3cret") as server:
        assert Control(server).call("GET", "")[0] == 401
        assert Control(server, token="s3cret").get("")["token_header"] == "X-Pytest-Mturk-Token"
