"""The pytest plugin: ``--mturk-fake``, the ``mturk_fake`` / ``mturk_client`` fixtures and markers.

pytest loads this module at start-up in every session, so it imports only pytest at its top;
the fake itself is imported when a test first needs it (that keeps ``pytest --co`` and suites
that never use MTurk as fast as without the plugin: about 60-100 ms measured).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_mturk.clock import Clock
    from pytest_mturk.fake import MTurkFake
    from pytest_mturk.transport.server import MTurkServer
    from pytest_mturk.workers import Worker

ENV_SWITCH = "PYTEST_MTURK_FAKE"
_MODE = pytest.StashKey[tuple[bool, str]]()
_SERVER_MODE = pytest.StashKey[bool]()
_SESSION_SERVER = pytest.StashKey["MTurkServer"]()
_ENV_PATCH = pytest.StashKey[Any]()
_CALL_PASSED = pytest.StashKey[bool]()


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
        "--mturk-fake=server",
        action="store_const",
        const="server",
        dest="mturk_fake",
        help="the same, and serve each test's fake over HTTP from one server per session (per "
        "xdist worker), whose environment variables each test's subprocesses inherit",
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
    group.addoption(
        "--mturk-fast-sleep",
        action="store_true",
        default=None,
        help="time.sleep in the test's own thread advances the fake clock instead of waiting",
    )
    parser.addini(
        "mturk_fake",
        type="bool",
        default=False,
        help="answer every mturk client in every test with a fresh fake MTurk",
    )
    parser.addini(
        "mturk_credentials",
        default="supply",
        help="'supply' (default): code with no AWS credentials gets the fake's; 'require': it "
        "gets botocore's NoCredentialsError, as in real life",
    )
    parser.addini(
        "mturk_fast_sleep",
        type="bool",
        default=False,
        help="time.sleep in the test's own thread advances the fake clock instead of waiting",
    )
    parser.addini(
        "mturk_freeze_time",
        type="bool",
        default=False,
        help="freeze the process's time at the fake's, one timeline (freeze_time=True)",
    )


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _mode(config: pytest.Config) -> tuple[bool, str]:
    """Whether the fake is on for every test, and where that was decided (command line wins)."""
    cli = config.getoption("mturk_fake")
    if cli == "server":
        return True, "--mturk-fake=server"
    if cli is not None:
        return bool(cli), "--mturk-fake" if cli else "--no-mturk-fake"
    env = os.environ.get(ENV_SWITCH)
    if env is not None and env.strip():
        return env.strip().lower() == "server" or _truthy(env), f"{ENV_SWITCH}={env}"
    ini = config.getini("mturk_fake")
    if ini:
        return True, "ini mturk_fake"
    return False, "default"


def _credentials_policy(config: pytest.Config) -> str:
    value = str(config.getini("mturk_credentials")).strip()
    if value not in ("supply", "require"):
        raise pytest.UsageError(
            f"ini mturk_credentials must be 'supply' or 'require', not {value!r}"
        )
    return value


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mturk(**options): options for this test's fake MTurk (seed=, balance=, strict_workers=, "
        "...); also switches the fake on for the test",
    )
    config.addinivalue_line(
        "markers",
        "mturk_fault(operation, error='ServiceFault', **kwargs): inject a fault into this test's "
        "fake MTurk (arguments as for fake.faults.add; a fault that never fired fails the test "
        "unless required=False)",
    )
    mode = _mode(config)
    config.stash[_MODE] = mode
    config.stash[_SERVER_MODE] = mode[0] and mode[1].lower().endswith("server")
    if mode[0]:
        # Clients built at import or collection time must find credentials too. (Deferred
        # like every import of the fake here: see the module docstring.)
        from pytest_mturk.transport.environment import EnvironmentPatch

        patch = EnvironmentPatch(supply_credentials=_credentials_policy(config) == "supply")
        patch.apply()
        config.stash[_ENV_PATCH] = patch


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SESSION_SERVER, None)
    if server is not None:
        server.stop()
    patch = config.stash.get(_ENV_PATCH, None)
    if patch is not None:
        patch.restore()


def pytest_report_header(config: pytest.Config) -> str:
    on, source = config.stash.get(_MODE, (False, "default"))
    if on and config.stash.get(_SERVER_MODE, False):
        return f"mturk: fake MTurk for every test, served over HTTP (from {source})"
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
    options = {"credentials": _credentials_policy(request.config), **_marker_options(request)}
    pilot = request.config.getoption("mturk_autopilot")
    if pilot and "autopilot" not in options:
        options["autopilot"] = pilot
    if "fast_sleep" not in options and (
        request.config.getoption("mturk_fast_sleep") or request.config.getini("mturk_fast_sleep")
    ):
        options["fast_sleep"] = True
    if "freeze_time" not in options and request.config.getini("mturk_freeze_time"):
        options["freeze_time"] = True
    fake = MTurkFake(**options)
    for marker in request.node.iter_markers("mturk_fault"):
        fake.faults.add(*marker.args, **marker.kwargs)
    # The session-wide patch (under --mturk-fake) stands in for the fake's own, unless this
    # test's fake wants credentials handled otherwise.
    own_patch = not patched or fake.options.credentials != _credentials_policy(request.config)
    return fake.start(patch_environment=own_patch)


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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    # Old-style wrapper: pytest 7 is supported. Notes whether the test itself passed.
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed


def _fake_for_test(request: pytest.FixtureRequest) -> Iterator[MTurkFake]:
    fake = _make_fake(request)
    saved = None
    try:
        if request.config.stash.get(_SERVER_MODE, False):
            saved = _set_environ(_session_server(request.config, fake).environ)
        yield fake
    finally:
        if saved is not None:
            _restore_environ(saved)
        fake.stop()
        _check_after_test(fake, test_passed=request.node.stash.get(_CALL_PASSED, False))


def _session_server(config: pytest.Config, fake: MTurkFake) -> MTurkServer:
    """The session's server (one per xdist worker), made to answer for ``fake`` from now on."""
    from pytest_mturk.transport.control import ControlAPI  # deferred: see the module docstring

    server = config.stash.get(_SESSION_SERVER, None)
    if server is None:
        server = config.stash[_SESSION_SERVER] = fake.serve()
    else:
        server.attach(fake.backend, ControlAPI(fake))
    return server


def _set_environ(values: dict[str, str]) -> dict[str, str | None]:
    """Set ``values`` in ``os.environ``; returns what to put back."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    return saved


def _restore_environ(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _check_after_test(fake: MTurkFake, *, test_passed: bool) -> None:
    # Faults that never fired are news only when the test passed (as in responses): a test
    # that failed or skipped has said what went on.
    unfired = fake.faults.describe_unfired(only_required=True) if test_passed else None
    if unfired is not None:
        pytest.fail(unfired, pytrace=False)
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
def mturk_frozen_clock(mturk_fake: MTurkFake) -> Clock:
    """The fake's clock, frozen as one timeline with the process: the test's ``datetime.now()``
    and ``time.time()`` are the fake's time, and ``mturk_frozen_clock.advance(minutes=5)`` moves
    both (an active freezegun or time-machine freeze is used, not doubled). Ends with the fake."""
    mturk_fake.clock.freeze()
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
def mturk_server(request: pytest.FixtureRequest, mturk_fake: MTurkFake) -> Iterator[MTurkServer]:
    """The test's fake served over HTTP, for subprocesses and other SDKs: ``url`` (the sandbox),
    ``url_for("production")``, ``control_url``.

    For the test, ``os.environ`` holds ``mturk_server.environ``, so a Python subprocess it starts
    (with pytest-mturk installed) sends every MTurk call here, even one naming the real sandbox
    or production endpoint. Under ``--mturk-fake=server`` this is the session's server.
    """
    session = request.config.stash.get(_SESSION_SERVER, None)
    if request.config.stash.get(_SERVER_MODE, False) and session is not None:
        yield session
        return
    server = mturk_fake.serve()
    saved = _set_environ(server.environ)
    try:
        yield server
    finally:
        _restore_environ(saved)
        server.stop()
