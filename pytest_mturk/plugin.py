"""The pytest plugin: ``--mturk-fake``, the ``mturk_fake`` / ``mturk_client`` fixtures and markers.

pytest loads this module at start-up in every session, so it imports only pytest at its top;
the fake itself is imported when a test first needs it (that keeps ``pytest --co`` and suites
that never use MTurk as fast as without the plugin: about 60-100 ms measured).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_mturk.clock import Clock
    from pytest_mturk.fake import MTurkFake
    from pytest_mturk.transport.server import MTurkServer
    from pytest_mturk.workers import Worker

ENV_SWITCH = "PYTEST_MTURK_FAKE"
_MODE = pytest.StashKey[tuple[bool, str]]()
_ENV_PATCH = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mturk", "pytest-mturk: a fake Amazon Mechanical Turk")
    group.addoption(
        "--mturk-fake",
        action="store_true",
        dest="mturk_fake",
        default=None,
        help="answer every boto3/botocore mturk client in every test with a fresh fake MTurk",
    )
    group.addoption(
        "--no-mturk-fake",
        action="store_false",
        dest="mturk_fake",
        help="do not switch the fake on for every test (overrides ini and environment)",
    )
    group.addoption(
        "--mturk-autopilot",
        type=int,
        default=None,
        metavar="N",
        help="with the fake on, N simulated workers do every open assignment of every HIT",
    )
    parser.addini(
        "mturk_fake",
        type="bool",
        default=False,
        help="answer every mturk client in every test with a fresh fake MTurk",
    )


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _mode(config: pytest.Config) -> tuple[bool, str]:
    """Whether the fake is on for every test, and where that was decided (command line wins)."""
    cli = config.getoption("mturk_fake")
    if cli is not None:
        return bool(cli), "--mturk-fake" if cli else "--no-mturk-fake"
    env = os.environ.get(ENV_SWITCH)
    if env is not None and env.strip():
        return _truthy(env), f"{ENV_SWITCH}={env}"
    ini = config.getini("mturk_fake")
    if ini:
        return True, "ini mturk_fake"
    return False, "default"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mturk(**options): options for this test's fake MTurk (seed=, balance=, strict_workers=, "
        "...); also switches the fake on for the test",
    )
    config.addinivalue_line(
        "markers",
        "mturk_fault(operation, error='ServiceFault', **kwargs): inject a fault into this test's "
        "fake MTurk (arguments as for fake.faults.add; required=True fails the test if it "
        "never fired)",
    )
    mode = _mode(config)
    config.stash[_MODE] = mode
    if mode[0]:
        # Clients built at import or collection time must find credentials too. (Deferred
        # like every import of the fake here: see the module docstring.)
        from pytest_mturk.transport.credentials import EnvironmentPatch

        patch = EnvironmentPatch()
        patch.apply()
        config.stash[_ENV_PATCH] = patch


def pytest_unconfigure(config: pytest.Config) -> None:
    patch = config.stash.get(_ENV_PATCH, None)
    if patch is not None:
        patch.restore()


def pytest_report_header(config: pytest.Config) -> str:
    on, source = config.stash.get(_MODE, (False, "default"))
    if on:
        return f"mturk: fake MTurk for every test (from {source})"
    return f"mturk: fake only where requested (mturk fixture or marker; {source})"


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    # Closest marker last so that it wins (function over class over module).
    for marker in reversed(list(request.node.iter_markers("mturk"))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.mturk takes keyword options only")
        options.update(marker.kwargs)
    return options


def _make_fake(request: pytest.FixtureRequest) -> MTurkFake:
    from pytest_mturk.fake import MTurkFake  # deferred: see the module docstring

    patched = request.config.stash.get(_ENV_PATCH, None) is not None
    options = _marker_options(request)
    pilot = request.config.getoption("mturk_autopilot")
    if pilot and "autopilot" not in options:
        options["autopilot"] = pilot
    fake = MTurkFake(**options)
    for marker in request.node.iter_markers("mturk_fault"):
        fake.faults.add(*marker.args, **marker.kwargs)
    return fake.start(patch_environment=not patched)


@pytest.fixture(autouse=True)
def _mturk_auto(request: pytest.FixtureRequest) -> Iterator[MTurkFake | None]:
    on, _ = request.config.stash.get(_MODE, (False, "default"))
    marked = request.node.get_closest_marker("mturk") or request.node.get_closest_marker(
        "mturk_fault"
    )
    if not on and marked is None:
        yield None
        return
    yield from _fake_for_test(request)


def _fake_for_test(request: pytest.FixtureRequest) -> Iterator[MTurkFake]:
    fake = _make_fake(request)
    try:
        yield fake
    finally:
        fake.stop()
        _report_internal_errors(fake)


def _report_internal_errors(fake: MTurkFake) -> None:
    required = [f for f in fake.faults.unfired if f.required]
    if required:
        pytest.fail(
            "injected fault(s) marked required never fired:\n"
            + "\n".join(f"  - {f.describe()}" for f in required),
            pytrace=False,
        )
    if fake.internal_errors:
        first = fake.internal_errors[0]
        pytest.fail(
            f"pytest-mturk answered {len(fake.internal_errors)} call(s) with ServiceFault because "
            f"of an internal error (a bug in pytest-mturk, please report it): {first!r}",
            pytrace=False,
        )


@pytest.fixture
def mturk_fake(
    request: pytest.FixtureRequest, _mturk_auto: MTurkFake | None
) -> Iterator[MTurkFake]:
    """The fake MTurk of this test (switched on for the test if it was not already)."""
    if _mturk_auto is not None:
        yield _mturk_auto
        return
    yield from _fake_for_test(request)


@pytest.fixture
def mturk(mturk_fake: MTurkFake) -> MTurkFake:
    """The same as ``mturk_fake`` (a shorter name, for tests that have no client of that name)."""
    return mturk_fake


_clients: dict[tuple[str | None, str | None], Any] = {}


@pytest.fixture
def mturk_client(mturk_fake: MTurkFake) -> Any:
    """A boto3 ``mturk`` client on the sandbox endpoint (us-east-1), answered by the fake.

    It resolves credentials as the code under test does, so both meet the same requester.
    (Typed ``Any``: boto3 ships no types; ``mypy-boto3-mturk`` users can annotate it as
    ``MTurkClient``.)
    """
    # Deferred: boto3 is needed only by this fixture (see the module docstring).
    import boto3

    from pytest_mturk.protocol import SANDBOX_URL

    key = (os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_PROFILE"))
    client = _clients.get(key)
    if client is None:
        client = boto3.session.Session().client(
            "mturk", region_name="us-east-1", endpoint_url=SANDBOX_URL
        )
        _clients[key] = client
    return client


@pytest.fixture
def mturk_clock(mturk_fake: MTurkFake) -> Clock:
    """The fake's clock: ``mturk_clock.advance(minutes=5)``, ``mturk_clock.now()``."""
    return mturk_fake.clock


@pytest.fixture
def mturk_worker(mturk_fake: MTurkFake) -> Worker:
    """One simulated worker (US)."""
    return mturk_fake.workers.create()


@pytest.fixture
def mturk_workers(mturk_fake: MTurkFake) -> Callable[..., Any]:
    """A factory of simulated workers: ``mturk_workers(3, country="GB")`` (a list) or
    ``mturk_workers(country="IN")`` (one worker)."""

    def make(n: int | None = None, **profile: Any) -> Worker | list[Worker]:
        if n is None:
            return mturk_fake.workers.create(**profile)
        return [mturk_fake.workers.create(**profile) for _ in range(n)]

    return make


@pytest.fixture
def mturk_server(mturk_fake: MTurkFake) -> Iterator[MTurkServer]:
    """The test's fake served over HTTP (``mturk_server.url``), for subprocesses and other SDKs;
    it stands in for the sandbox."""
    server = mturk_fake.serve()
    try:
        yield server
    finally:
        server.stop()
