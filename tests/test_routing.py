"""One server for both environments, and child processes that follow it (``server.environ``).

The children run unchanged MTurk code: they name the real sandbox or production endpoint and
real-looking credentials, and still reach the parent's fake, each in the environment it named.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pytest_mturk import MTurkFake, protocol
from pytest_mturk.transport import hook, route
from tests.conftest import PRODUCTION, SANDBOX, hit_args

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

#: Unchanged user code: an explicit real endpoint and real-looking credentials.
CHILD = textwrap.dedent(
    f"""
    import json, sys
    import boto3

    endpoint, worker, assignment, hit = sys.argv[1:5]
    c = boto3.client("mturk", region_name="us-east-1", endpoint_url=endpoint,
                     aws_access_key_id="{KEY}", aws_secret_access_key="{SECRET}")
    seen = [h["HITId"] for h in c.list_hits()["HITs"]]
    if worker:
        c.send_bonus(WorkerId=worker, AssignmentId=assignment, BonusAmount="1.25",
                     Reason="from the child")
    new = c.create_hit(**json.loads(hit))["HIT"]["HITId"]
    print(json.dumps({{"seen": seen, "new": new,
                      "balance": c.get_account_balance()["AvailableBalance"]}}))
    """
)


def child_env(server: Any) -> dict[str, str]:
    """The parent's environment without AWS settings of its own, plus ``server.environ``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_MTURK"))}
    return {**env, **server.environ}


def run_child(server: Any, endpoint: str, *args: str, code: str = CHILD) -> Any:
    result = subprocess.run(
        [sys.executable, "-c", code, endpoint, *args],
        env=child_env(server),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def parent() -> Any:
    """A parent client with the same credentials as the children."""
    import boto3

    def make(endpoint: str) -> Any:
        return boto3.session.Session(aws_access_key_id=KEY, aws_secret_access_key=SECRET).client(
            "mturk", region_name="us-east-1", endpoint_url=endpoint
        )

    return make


def test_a_child_naming_the_real_sandbox_uses_the_parents_fake(
    fake: MTurkFake, parent: Any
) -> None:
    sandbox = parent(SANDBOX)
    hit = sandbox.create_hit(**hit_args())["HIT"]
    worker = fake.workers.create()
    assignment = worker.do(hit["HITId"], {"answer": "x"})
    sandbox.approve_assignment(AssignmentId=assignment)
    with fake.serve() as server:
        got = run_child(
            server, SANDBOX, worker.worker_id, assignment, json.dumps(hit_args(Title="child"))
        )
    assert got["seen"] == [hit["HITId"]]  # the parent's HIT
    assert sandbox.get_hit(HITId=got["new"])["HIT"]["Title"] == "child"  # the child's HIT
    fake.assert_bonus_paid(worker.worker_id, "1.25", reason="from the child")  # and its money
    assert got["balance"] == "10000.00"
    assert {c.environment for c in fake.calls_to("CreateHIT")} == {"sandbox"}


def test_a_child_naming_production_lands_in_production(parent: Any) -> None:
    with MTurkFake(balance="50.00") as fake, fake.serve() as server:
        production, sandbox = parent(PRODUCTION), parent(SANDBOX)
        mine = production.create_hit(**hit_args(Reward="1.00"))["HIT"]["HITId"]
        got = run_child(server, PRODUCTION, "", "", json.dumps(hit_args(Title="child")))
        assert got["seen"] == [mine]
        assert production.get_hit(HITId=got["new"])["HIT"]["Title"] == "child"
        assert sandbox.list_hits()["NumResults"] == 0  # the sandbox world saw nothing
        # 1.00 + 0.20 fee held for the parent's HIT, 0.50 + 0.10 for the child's
        assert Decimal(got["balance"]) == Decimal("48.20")
        assert fake.calls_to("CreateHIT")[-1].environment == "production"


def test_server_urls_and_environ(fake: MTurkFake) -> None:
    with fake.serve() as server:
        assert server.url_for("sandbox") == server.url + "/sandbox"
        assert server.url_for("production") == server.url + "/production"
        with pytest.raises(ValueError, match="'sandbox', 'production'"):
            server.url_for("staging")
        env = server.environ
        assert env["PYTEST_MTURK_SERVER"] == server.url
        assert env["AWS_ENDPOINT_URL_MTURK"] == server.url
        site = env["PYTHONPATH"].split(os.pathsep)[0]
        assert (Path(site) / "sitecustomize.py").exists()
        assert server.host in env["NO_PROXY"].split(",")
        assert "PYTEST_MTURK_TOKEN" not in env  # loopback: no token
        assert server.environ["PYTHONPATH"] == env["PYTHONPATH"]  # stable
    assert not Path(site).exists()  # removed with the server


def test_the_routing_chains_to_another_sitecustomize(fake: MTurkFake, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    mark = tmp_path / "mark"
    (other / "sitecustomize.py").write_text(
        f"open({str(mark)!r}, 'w').write('the other sitecustomize ran')\n"
    )
    with fake.serve() as server:
        env = child_env(server)
        env["PYTHONPATH"] = env["PYTHONPATH"] + os.pathsep + str(other)
        code = (
            "import boto3; c = boto3.client('mturk', region_name='us-east-1', "
            f"endpoint_url={SANDBOX!r}, aws_access_key_id={KEY!r}, "
            f"aws_secret_access_key={SECRET!r}); print(c.get_account_balance()"
            "['AvailableBalance'])"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "10000.00"
    assert mark.read_text() == "the other sitecustomize ran"
    assert [c.operation for c in fake.calls] == ["GetAccountBalance"]


def test_routing_costs_a_child_almost_nothing(fake: MTurkFake) -> None:
    """A routed child imports nothing of pytest-mturk until it imports botocore."""
    code = (
        "import sys; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('pytest_mturk', 'botocore', 'boto3', 'lxml')))"
    )
    then = code.replace("import sys;", "import sys, botocore.session;")
    with fake.serve() as server:
        loaded = [
            set(
                ast.literal_eval(
                    subprocess.run(
                        [sys.executable, "-c", c],
                        env=child_env(server),
                        capture_output=True,
                        text=True,
                        timeout=120,
                        check=True,
                    ).stdout
                )
            )
            for c in (code, then)
        ]
    assert loaded[0] == set()
    assert "pytest_mturk.transport.route" in loaded[1]
    heavy = {"lxml", "pytest_mturk.service", "pytest_mturk.protocol", "pytest_mturk.fake"}
    assert not {m for m in loaded[1] if m in heavy or m.rsplit(".", 1)[0] in heavy}


def test_a_fake_in_the_child_answers_its_own_calls(fake: MTurkFake) -> None:
    code = textwrap.dedent(
        f"""
        import boto3
        from pytest_mturk import mock_mturk

        with mock_mturk() as own:
            c = boto3.client("mturk", region_name="us-east-1", endpoint_url={SANDBOX!r},
                             aws_access_key_id={KEY!r}, aws_secret_access_key={SECRET!r})
            c.create_hit(**{hit_args()!r})
            print(len(own.calls))
        """
    )
    with fake.serve() as server:
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=child_env(server),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    assert fake.calls == []  # the parent's server saw nothing


class _Request:
    def __init__(self, url: str) -> None:
        self.url = url


@pytest.mark.parametrize(
    ("url", "routed"),
    [
        (SANDBOX + "/", "http://127.0.0.1:9/sandbox/"),
        (PRODUCTION + "/", "http://127.0.0.1:9/production/"),
        ("https://mturk-requester.us-west-2.amazonaws.com/", "http://127.0.0.1:9/production/"),
        ("https://MTURK-REQUESTER-SANDBOX.us-east-1.amazonaws.com:443/", None),
        ("http://localhost:8000/", None),  # an endpoint of the code's own: left alone
        ("https://sqs.us-east-1.amazonaws.com/", None),
    ],
)
def test_which_requests_are_routed(
    url: str, routed: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(route, "_base", "http://127.0.0.1:9")
    monkeypatch.setattr(hook, "active", [])
    request = _Request(url)
    route.before_send(request)
    if url.startswith("https://MTURK"):
        routed = "http://127.0.0.1:9/sandbox/"  # host names are case-insensitive
    assert request.url == (routed or url)


def test_nothing_is_routed_while_a_fake_of_the_process_answers(
    fake: MTurkFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(route, "_base", "http://127.0.0.1:9")
    request = _Request(SANDBOX + "/")
    route.before_send(request)
    assert request.url == SANDBOX + "/"


@pytest.mark.parametrize(
    "host",
    [
        "mturk-requester-sandbox.us-east-1.amazonaws.com",
        "mturk-requester.us-east-1.amazonaws.com",
        "mturk-requester.sandbox.amazonaws.com",
        "mturk-requester.example.org",
        "localhost:8443",
        "Mturk-Requester-Sandbox.us-east-1.amazonaws.com",
    ],
)
def test_routing_and_the_protocol_agree_on_environments(host: str) -> None:
    name, _ = protocol.environment_of(host)
    assert route.environment_of(host) == (name if name in ("sandbox", "production") else None)
