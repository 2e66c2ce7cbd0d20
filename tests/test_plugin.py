"""The pytest plugin, tested through inner pytest sessions (pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
import boto3

SANDBOX = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
Q = ('<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
     '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.org/</ExternalURL>'
     '<FrameHeight>0</FrameHeight></ExternalQuestion>')


def make_hit():
    client = boto3.client("mturk", region_name="us-east-1", endpoint_url=SANDBOX)
    return client, client.create_hit(
        LifetimeInSeconds=600, AssignmentDurationInSeconds=60, Reward="0.10", Title="t",
        Description="d", Question=Q)["HIT"]


def test_first():
    client, hit = make_hit()
    assert client.list_hits()["NumResults"] == 1


def test_second_sees_a_fresh_fake():
    client, hit = make_hit()
    assert client.list_hits()["NumResults"] == 1
"""


def test_switch_on_the_command_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USER_TESTS)
    result = pytester.runpytest("--mturk-fake")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["mturk: fake MTurk for every test (from --mturk-fake)"])


def test_ini_switch(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USER_TESTS)
    pytester.makeini("[pytest]\nmturk_fake = true\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["mturk: fake MTurk for every test (from ini mturk_fake)"])


def test_env_switch(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(USER_TESTS)
    monkeypatch.setenv("PYTEST_MTURK_FAKE", "1")
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["mturk: fake MTurk for every test (from PYTEST_MTURK_FAKE=1)"])


def test_command_line_wins_over_env_and_ini(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        """
        import pytest_mturk.transport.hook as hook

        def test_off():
            assert hook.active == []
        """
    )
    pytester.makeini("[pytest]\nmturk_fake = true\n")
    monkeypatch.setenv("PYTEST_MTURK_FAKE", "1")
    result = pytester.runpytest("--no-mturk-fake")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["mturk: fake only where requested*--no-mturk-fake*"])


def test_env_off_beats_ini_on(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(
        "import pytest_mturk.transport.hook as h\ndef test_off():\n    assert not h.active\n"
    )
    pytester.makeini("[pytest]\nmturk_fake = true\n")
    monkeypatch.setenv("PYTEST_MTURK_FAKE", "0")
    pytester.runpytest().assert_outcomes(passed=1)


def test_off_by_default(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_MTURK_FAKE", raising=False)
    pytester.makepyfile(
        "import pytest_mturk.transport.hook as h\ndef test_off():\n    assert not h.active\n"
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["mturk: fake only where requested*default*"])


def test_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from decimal import Decimal
        import datetime

        def test_mturk_and_client(mturk, mturk_client):
            assert mturk.active
            assert mturk_client.meta.endpoint_url == (
                "https://mturk-requester-sandbox.us-east-1.amazonaws.com")
            assert mturk_client.meta.region_name == "us-east-1"
            assert mturk_client.get_account_balance()["AvailableBalance"] == "10000.00"

        def test_clock(mturk, mturk_clock):
            assert mturk_clock is mturk.clock
            before = mturk_clock.now()
            mturk_clock.advance(minutes=1)
            assert mturk_clock.now() - before >= datetime.timedelta(minutes=1)

        def test_workers(mturk, mturk_worker, mturk_workers):
            assert mturk_worker.worker_id in mturk.workers
            group = mturk_workers(3, country="GB")
            assert [w.country for w in group] == ["GB"] * 3
            assert mturk_workers().worker_id.startswith("A")

        def test_user_code_and_fixture_meet_the_same_requester(mturk, mturk_client):
            import boto3
            mine = boto3.client("mturk", region_name="us-east-1",
                                endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com")
            mine.create_worker_block(WorkerId="A1B2C3D4E5F6G7", Reason="x")
            assert mturk_client.list_worker_blocks()["NumResults"] == 1
        """
    )
    pytester.runpytest().assert_outcomes(passed=4)


def test_marker_options_and_switch(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3
        import pytest

        PROD = "https://mturk-requester.us-east-1.amazonaws.com"

        @pytest.mark.mturk(balance="12.34")
        def test_balance():
            c = boto3.client("mturk", region_name="us-east-1", endpoint_url=PROD)
            assert c.get_account_balance()["AvailableBalance"] == "12.34"

        @pytest.mark.mturk(seed=9)
        def test_seed(mturk):
            assert mturk.options.seed == 9

        @pytest.mark.mturk(no_such_option=1)
        def test_bad_option():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*unknown pytest-mturk option(s): no_such_option*"])


def test_class_and_function_markers_merge(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mturk(seed=1, strict_workers=True)
        class TestX:
            @pytest.mark.mturk(seed=2)
            def test_it(self, mturk):
                assert mturk.options.seed == 2
                assert mturk.options.strict_workers is True
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_mock_mturk_outside_the_switch(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3
        from pytest_mturk import mock_mturk

        @mock_mturk
        def test_decorated():
            assert boto3.client("mturk", region_name="us-east-1").list_hits()["NumResults"] == 0

        def test_context_manager():
            with mock_mturk(seed=1) as fake:
                boto3.client("mturk", region_name="us-east-1").get_account_balance()
                assert fake.calls[0].operation == "GetAccountBalance"
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_autopilot_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        USER_TESTS
        + """

def test_autopilot_did_the_work():
    client, hit = make_hit()
    assert client.list_assignments_for_hit(HITId=hit["HITId"])["NumResults"] == 1
"""
    )
    result = pytester.runpytest("--mturk-fake", "--mturk-autopilot", "2")
    result.assert_outcomes(passed=3)


def test_internal_error_fails_the_test_loudly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3
        from botocore.config import Config

        def test_x(mturk, monkeypatch):
            from pytest_mturk.service import OPERATIONS
            def broken(*a):
                raise RuntimeError("boom")
            monkeypatch.setitem(OPERATIONS, "GetAccountBalance", broken)
            c = boto3.client("mturk", region_name="us-east-1",
                             config=Config(retries={"total_max_attempts": 1}))
            try:
                c.get_account_balance()
            except Exception:
                pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*internal error (a bug in pytest-mturk*boom*"])


def test_xdist_each_worker_its_own_fake(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        USER_TESTS
        + "".join(
            f"""

def test_more_{i}():
    client, hit = make_hit()
    assert client.list_hits()["NumResults"] == 1
"""
            for i in range(6)
        )
    )
    result = pytester.runpytest_subprocess("-n", "2", "--mturk-fake", "-p", "xdist")
    result.assert_outcomes(passed=8)
