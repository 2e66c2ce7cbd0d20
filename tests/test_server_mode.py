"""Server mode under pytest: the ``mturk_server`` fixture's environment, and
``--mturk-fake=server`` (one server per session and xdist worker, a fresh fake per test)."""

from __future__ import annotations

import json

import pytest

#: Inner-test helpers: an unchanged child (real sandbox or production URL, real-looking keys).
HELPERS = '''
import json, os, subprocess, sys, textwrap

SANDBOX = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
PRODUCTION = "https://mturk-requester.us-east-1.amazonaws.com"
Q = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.org/t</ExternalURL>'
    "<FrameHeight>600</FrameHeight></ExternalQuestion>"
)
HIT = dict(Title="t", Description="d", Reward="0.50", LifetimeInSeconds=600,
           AssignmentDurationInSeconds=60, Question=Q)
CHILD = textwrap.dedent("""
    import json, sys, boto3
    c = boto3.client("mturk", region_name="us-east-1", endpoint_url=sys.argv[1])
    seen = [h["HITId"] for h in c.list_hits()["HITs"]]
    made = c.create_hit(**json.loads(sys.argv[2]))["HIT"]["HITId"]
    print(json.dumps({"seen": seen, "made": made,
                      "balance": c.get_account_balance()["AvailableBalance"]}))
""")


def child(endpoint):
    """A subprocess started plainly: it inherits the test's environment."""
    out = subprocess.run([sys.executable, "-c", CHILD, endpoint, json.dumps(HIT)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def note(path, **what):
    with open(path, "a") as fh:
        fh.write(json.dumps({"worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
                             **what}) + "\\n")
'''


def test_the_mturk_server_fixture_sets_the_environment_for_the_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(helpers=HELPERS)
    pytester.makepyfile(
        """
        import os
        import boto3
        from helpers import HIT, SANDBOX, child

        def test_a_subprocess_follows(mturk, mturk_server, mturk_client):
            assert os.environ["PYTEST_MTURK_SERVER"] == mturk_server.url
            mine = mturk_client.create_hit(**HIT)["HIT"]["HITId"]
            got = child(SANDBOX)
            assert got["seen"] == [mine]
            assert mturk_client.get_hit(HITId=got["made"])["HIT"]["Title"] == "t"

        def test_after_it_the_environment_is_back():
            assert "PYTEST_MTURK_SERVER" not in os.environ
            assert "AWS_ENDPOINT_URL_MTURK" not in os.environ
        """
    )
    pytester.runpytest("-p", "pytester", "-p", "no:randomly").assert_outcomes(passed=2)


def test_mturk_fake_server_gives_each_worker_one_server_and_each_test_a_fresh_fake(
    pytester: pytest.Pytester,
) -> None:
    notes = pytester.path / "notes.jsonl"
    pytester.makepyfile(helpers=HELPERS)
    pytester.makepyfile(
        f"""
        import os
        import pytest
        from helpers import HIT, PRODUCTION, SANDBOX, child, note

        NOTES = {str(notes)!r}

        @pytest.mark.parametrize("n", range(4))
        def test_sandbox(n, mturk, mturk_client, mturk_server):
            assert os.environ["PYTEST_MTURK_SERVER"] == mturk_server.url
            assert mturk_client.list_hits()["NumResults"] == 0  # nothing from earlier tests
            mine = mturk_client.create_hit(**HIT)["HIT"]["HITId"]
            got = child(SANDBOX)
            assert got["seen"] == [mine]
            assert len(mturk.calls_to("CreateHIT")) == 2  # this test's fake saw the child
            note(NOTES, url=mturk_server.url, fake=id(mturk))

        @pytest.mark.mturk(balance="12.00")
        def test_marker_options_reach_the_served_fake(mturk):
            got = child(PRODUCTION)
            assert got["seen"] == [] and got["balance"] == "11.40"
            note(NOTES, url=os.environ["PYTEST_MTURK_SERVER"], fake=id(mturk))

        def test_without_a_fixture_the_fake_is_served_too():
            got = child(SANDBOX)
            assert got["seen"] == []
            note(NOTES, url=os.environ["PYTEST_MTURK_SERVER"], fake=0)
        """
    )
    result = pytester.runpytest_subprocess("--mturk-fake=server", "-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=6)
    seen = [json.loads(line) for line in notes.read_text().splitlines()]
    servers: dict[str, set[str]] = {}
    for entry in seen:
        servers.setdefault(entry["worker"], set()).add(entry["url"])
    assert len(servers) == 2  # both workers ran tests...
    assert all(len(urls) == 1 for urls in servers.values())  # ...each with one server
    assert servers["gw0"] != servers["gw1"]


def test_the_report_header_says_server_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("-p", "pytester", "--mturk-fake=server")
    result.stdout.fnmatch_lines(
        ["mturk: fake MTurk for every test, served over HTTP (from --mturk-fake=server)"]
    )
    result.assert_outcomes(passed=1)


def test_plain_mturk_fake_stays_in_process(pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(
        """
        import os

        def test_it(mturk):
            assert "PYTEST_MTURK_SERVER" not in os.environ
        """
    )
    # A path after the flag is a path, not the flag's value.
    result = pytester.runpytest("-p", "pytester", "--mturk-fake", str(path))
    result.stdout.fnmatch_lines(["mturk: fake MTurk for every test (from --mturk-fake)"])
    result.assert_outcomes(passed=1)


def test_an_unknown_mode_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("-p", "pytester", "--mturk-fake=remote")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*argument --mturk-fake: ignored explicit argument 'remote'*"])


def test_the_environment_variable_can_ask_for_server_mode(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_MTURK_FAKE", "server")
    pytester.makepyfile(
        """
        import os

        def test_it(mturk):
            assert os.environ["PYTEST_MTURK_SERVER"].startswith("http://127.0.0.1:")
        """
    )
    pytester.runpytest("-p", "pytester").assert_outcomes(passed=1)
