"""Each test's first client is cheap (botocore's models are loaded once per process while a fake
is on), and nothing a test sets up on boto3's sessions leaks into the next one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest

from pytest_mturk import MTurkFake, mock_mturk


def _loader(session: Any) -> Any:
    return session.get_component("data_loader")


def test_sessions_made_while_a_fake_is_on_share_one_model_loader() -> None:
    with mock_mturk():
        first = botocore.session.get_session()
        second = botocore.session.get_session()
        assert _loader(first) is _loader(second)
        client = boto3.client("mturk", region_name="us-east-1")
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    # A session made with no fake on loads its own models, as without the plugin.
    assert _loader(botocore.session.get_session()) is not _loader(first)


def test_the_shared_loader_survives_one_fake_and_serves_the_next() -> None:
    with mock_mturk():
        one = _loader(botocore.session.get_session())
    with mock_mturk():
        two = _loader(botocore.session.get_session())
    assert one is two


def test_a_session_with_its_own_data_path_keeps_its_own_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mock_mturk():
        shared = _loader(botocore.session.get_session())
        monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
        own = _loader(botocore.session.get_session())
        assert own is not shared
        assert str(tmp_path) in own.search_paths


def test_boto3_data_paths_do_not_pile_up_in_the_shared_loader() -> None:
    with mock_mturk():
        boto3.session.Session()
        loader = _loader(botocore.session.get_session())
        for _ in range(5):
            boto3.session.Session()
    assert len(loader.search_paths) == len(set(loader.search_paths))


def test_a_users_default_session_does_not_leak_into_the_next_test() -> None:
    with mock_mturk():
        boto3.setup_default_session(
            region_name="eu-west-1",
            aws_access_key_id="AKIAUSERSETUPKEY0001",
            aws_secret_access_key="x",
        )
        client = boto3.client(
            "mturk", endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com"
        )
        assert client.meta.region_name == "eu-west-1"
    with mock_mturk() as fake:
        client = boto3.client("mturk")
        assert client.meta.region_name == "us-east-1"
        client.get_account_balance()
    assert [c.access_key for c in fake.calls] == ["AKIAPYTESTMTURK00000"]


def test_credentials_of_one_test_are_not_seen_by_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_mturk() as first:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFIRSTTESTKEY0001")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "first-secret")
        boto3.client("mturk", region_name="us-east-1").get_account_balance()
    monkeypatch.undo()
    with mock_mturk() as second:
        boto3.client("mturk", region_name="us-east-1").get_account_balance()
    assert first.calls[0].access_key == "AKIAFIRSTTESTKEY0001"
    assert second.calls[0].access_key == "AKIAPYTESTMTURK00000"


def test_event_handlers_on_the_default_session_do_not_leak() -> None:
    seen: list[str] = []

    def spy(**kwargs: Any) -> None:
        seen.append("called")

    with mock_mturk():
        boto3.client("mturk", region_name="us-east-1")  # makes the default session
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-call.mturk", spy)
        boto3.client("mturk", region_name="us-east-1").get_account_balance()
    assert seen == ["called"]
    with mock_mturk():
        boto3.client("mturk", region_name="us-east-1").get_account_balance()
    assert seen == ["called"]


def test_a_fake_that_is_never_stopped_twice_releases_once() -> None:
    fake = MTurkFake().start()
    fake.stop()
    fake.stop()  # idempotent: the shared loader's users are not counted down twice
    with mock_mturk():
        a = _loader(botocore.session.get_session())
        with mock_mturk():
            b = _loader(botocore.session.get_session())
        c = _loader(botocore.session.get_session())  # the outer fake is still on
    assert a is b is c


def test_handlers_added_to_botocores_builtins_later_reach_new_sessions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import botocore.handlers

    with mock_mturk():
        boto3.client("mturk", region_name="us-east-1")  # the session template exists now
    seen: list[str] = []

    def spy(**kwargs: Any) -> None:
        seen.append("called")

    # What moto does when it is imported after the fake first ran: append to the builtins.
    builtins = [*botocore.handlers.BUILTIN_HANDLERS, ("before-call.mturk", spy)]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", builtins)
    with mock_mturk():
        boto3.client("mturk", region_name="us-east-1").get_account_balance()
    assert seen == ["called"]


def _default_session() -> Any:
    return boto3.DEFAULT_SESSION


def test_the_default_session_is_a_new_session_for_every_fake() -> None:
    with mock_mturk():
        assert _default_session() is None  # made when boto3 first needs it, not before
        boto3.client("mturk", region_name="us-east-1")
        first = _default_session()
        assert first is not None
    assert _default_session() is None
    with mock_mturk():
        boto3.client("mturk", region_name="us-east-1")
        second = _default_session()
        assert second is not None and second is not first
        assert second.events is not first.events
    # With no fake on, boto3 makes its default sessions itself again.
    assert not hasattr(boto3.setup_default_session, "__wrapped__")


def test_a_default_session_set_up_with_arguments_is_boto3s_own() -> None:
    with mock_mturk() as fake:
        boto3.setup_default_session(region_name="eu-west-1")
        session = boto3.DEFAULT_SESSION
        assert session is not None and session.region_name == "eu-west-1"
        boto3.client("mturk", region_name="us-east-1").get_account_balance()
        assert boto3.DEFAULT_SESSION is session
    assert len(fake.calls) == 1
