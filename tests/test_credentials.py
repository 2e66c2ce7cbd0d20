"""The credentials policy: ``credentials="supply"`` (default) gives code that has no AWS
credentials the fake's; ``"require"`` supplies none, so such code meets botocore's
``NoCredentialsError`` as in real life (Dallinger's own
``test_check_credentials_no_creds_set_raises`` needs this)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import NoCredentialsError

from pytest_mturk import MTurkFake

SANDBOX = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS credentials anywhere botocore looks."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "nope"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "nope-config"))


def _client() -> Any:
    return boto3.session.Session().client("mturk", region_name="us-east-1", endpoint_url=SANDBOX)


@pytest.mark.usefixtures("no_credentials")
def test_supply_is_the_default() -> None:
    with MTurkFake() as fake:
        assert _client().get_account_balance()["AvailableBalance"] == "10000.00"
    assert fake.calls[0].access_key == "AKIAPYTESTMTURK00000"


@pytest.mark.usefixtures("no_credentials")
def test_require_leaves_code_without_credentials_to_fail_as_in_real_life() -> None:
    with MTurkFake(credentials="require") as fake:
        with pytest.raises(NoCredentialsError):
            _client().get_account_balance()
    assert fake.calls == []


@pytest.mark.usefixtures("no_credentials")
def test_require_still_answers_code_with_credentials() -> None:
    with MTurkFake(credentials="require"):
        client = boto3.session.Session(
            aws_access_key_id="AKIAOWNCREDENTIALS01", aws_secret_access_key="s"
        ).client("mturk", region_name="us-east-1", endpoint_url=SANDBOX)
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"


def test_an_unknown_policy_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="credentials must be one of 'supply', 'require'"):
        MTurkFake(credentials="maybe")


def _pytester_env(pytester: pytest.Pytester, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            pytester._monkeypatch.delenv(name)
    pytester._monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "nope"))
    pytester._monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "nope-config"))


INNER = """
import boto3, pytest
from botocore.exceptions import NoCredentialsError

def client():
    return boto3.client("mturk", region_name="us-east-1")

@pytest.mark.mturk(credentials="require")
def test_marker_requires():
    with pytest.raises(NoCredentialsError):
        client().get_account_balance()

def test_default_supplies():
    assert client().get_account_balance()["AvailableBalance"] == "10000.00"
"""


def test_the_marker_option_under_mturk_fake(pytester: pytest.Pytester, tmp_path: Path) -> None:
    _pytester_env(pytester, tmp_path)
    pytester.makepyfile(INNER)
    pytester.runpytest("--mturk-fake").assert_outcomes(passed=2)


def test_the_ini_key_requires_for_every_test(pytester: pytest.Pytester, tmp_path: Path) -> None:
    _pytester_env(pytester, tmp_path)
    pytester.makeini("[pytest]\nmturk_credentials = require\n")
    pytester.makepyfile(
        """
        import boto3, pytest
        from botocore.exceptions import NoCredentialsError

        def test_required():
            with pytest.raises(NoCredentialsError):
                boto3.client("mturk", region_name="us-east-1").get_account_balance()

        @pytest.mark.mturk(credentials="supply")
        def test_marker_supplies_again():
            boto3.client("mturk", region_name="us-east-1").get_account_balance()
        """
    )
    pytester.runpytest("--mturk-fake").assert_outcomes(passed=2)


def test_a_bad_ini_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmturk_credentials = sometimes\n")
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--mturk-fake")
    result.stderr.fnmatch_lines(["*mturk_credentials must be 'supply' or 'require'*"])
    assert result.ret != 0


EARLY_CLIENT = """
import os, boto3
from botocore.exceptions import NoCredentialsError

client = boto3.client("mturk", region_name="us-east-1", endpoint_url="{sandbox}")
from pytest_mturk import MTurkFake, patch_client

patch_client(client)
with MTurkFake(credentials="{policy}"):
    try:
        print(client.get_account_balance()["AvailableBalance"])
    except NoCredentialsError:
        print("NoCredentialsError")
try:
    client.get_account_balance()
except NoCredentialsError:
    print("NoCredentialsError after")
"""


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("supply", ["10000.00", "NoCredentialsError after"]),
        ("require", ["NoCredentialsError", "NoCredentialsError after"]),
    ],
)
def test_patch_client_gives_a_credential_less_early_client_the_fakes_credentials(
    tmp_path: Path, policy: str, expected: list[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))}
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "nope")
    env["AWS_CONFIG_FILE"] = str(tmp_path / "nope-config")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    code = textwrap.dedent(EARLY_CLIENT).format(sandbox=SANDBOX, policy=policy)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == expected
