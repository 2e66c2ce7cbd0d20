"""aiobotocore's async clients are answered in process by the same hook as botocore's, with
paginators, modelled errors, faults, retries on the fake clock and call records.

aiobotocore pins the botocore it runs with, so it is not in the main test environment; CI runs
these tests in its Python 3.13 environment, where it is installed (see .ci/run).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest

pytest.importorskip(
    "aiobotocore", reason="aiobotocore is installed in CI's Python 3.13 environment"
)

from aiobotocore.session import get_session

from pytest_mturk import MTurkFake
from tests.conftest import EXTERNAL_Q, SANDBOX

T = TypeVar("T")


def run(fn: Callable[[Any], Awaitable[T]]) -> T:
    async def main() -> T:
        session = get_session()
        async with session.create_client(
            "mturk",
            region_name="us-east-1",
            endpoint_url=SANDBOX,
            aws_access_key_id="AKIAPYTESTMTURKTEST1",
            aws_secret_access_key="secret",
        ) as client:
            return await fn(client)

    return asyncio.run(main())


def test_an_async_client_is_answered_by_the_fake(fake: MTurkFake) -> None:
    async def scenario(client: Any) -> tuple[str, str]:
        balance = await client.get_account_balance()
        hit = (
            await client.create_hit(
                Title="t",
                Description="d",
                Reward="0.10",
                LifetimeInSeconds=600,
                AssignmentDurationInSeconds=60,
                Question=EXTERNAL_Q,
            )
        )["HIT"]
        return balance["AvailableBalance"], hit["HITId"]

    balance, hit_id = run(scenario)
    assert balance == "10000.00"
    assert fake.service.hits_by_id[hit_id].hit_type.title == "t"
    assert [c.operation for c in fake.calls] == ["GetAccountBalance", "CreateHIT"]


def test_paginators_and_modelled_errors(fake: MTurkFake) -> None:
    async def scenario(client: Any) -> tuple[list[str], str]:
        for i in range(5):
            await client.create_hit(
                Title=f"t{i}",
                Description="d",
                Reward="0.10",
                LifetimeInSeconds=600,
                AssignmentDurationInSeconds=60,
                Question=EXTERNAL_Q,
            )
        titles = []
        async for page in client.get_paginator("list_hits").paginate(
            PaginationConfig={"PageSize": 2}
        ):
            titles += [h["Title"] for h in page["HITs"]]
        try:
            await client.get_hit(HITId="3NOSUCHHIT")
        except client.exceptions.RequestError as exc:
            return titles, exc.response["TurkErrorCode"]
        raise AssertionError("GetHIT of an unknown HIT succeeded")

    titles, code = run(scenario)
    assert titles == [f"t{i}" for i in range(5)]
    assert code == "AWS.MechanicalTurk.HITDoesNotExist"


def test_faults_are_retried_on_the_fake_clock(fake: MTurkFake) -> None:
    fake.faults.add("GetAccountBalance", "ServiceFault", times=2)
    fake.faults.add("ListHITs", "ConnectionRefused")

    async def scenario(client: Any) -> str:
        await client.list_hits()
        return str((await client.get_account_balance())["AvailableBalance"])

    assert run(scenario) == "10000.00"
    attempts = [(c.operation, c.attempt, c.status) for c in fake.calls]
    assert attempts == [
        ("ListHITs", 1, 0),
        ("ListHITs", 2, 200),
        ("GetAccountBalance", 1, 500),
        ("GetAccountBalance", 2, 500),
        ("GetAccountBalance", 3, 200),
    ]
    # botocore's backoff between those attempts moved the fake clock instead of sleeping.
    assert fake.clock.offset > timedelta(0)


def test_real_retry_sleep_leaves_the_fake_clock_alone() -> None:
    with MTurkFake(real_retry_sleep=True) as fake:
        fake.faults.add("GetAccountBalance", "ServiceFault")
        run(lambda client: client.get_account_balance())
        assert fake.clock.offset == timedelta(0)
        assert [c.status for c in fake.calls] == [500, 200]


def test_an_async_client_built_before_import_never_reaches_the_network() -> None:
    code = textwrap.dedent(
        """
        import asyncio, socket

        def forbidden(*args, **kwargs):
            raise OSError("network connections are forbidden in this run")

        socket.socket.connect = forbidden
        socket.getaddrinfo = forbidden

        from aiobotocore.session import get_session

        async def main():
            async with get_session().create_client(
                "mturk", region_name="us-east-1",
                endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com",
                aws_access_key_id="AKIAEARLYASYNCCLIENT", aws_secret_access_key="s",
            ) as client:
                from pytest_mturk import mock_mturk

                with mock_mturk():
                    print((await client.get_account_balance())["AvailableBalance"])

        asyncio.run(main())
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["10000.00"]
