"""``MTurkFake`` and ``mock_mturk``: the user's handle on a fake MTurk.

with pytest_mturk.mock_mturk() as fake:
    client = boto3.client("mturk", region_name="us-east-1")
    client.create_hit(...)
    fake.workers.create().do(hit_id)
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, TypeVar, overload

from pytest_mturk import _hook

if TYPE_CHECKING:
    from pytest_mturk.autopilot import Autopilot
    from pytest_mturk.persist import Snapshot
    from pytest_mturk.server import MTurkServer
from pytest_mturk.clock import Clock
from pytest_mturk.ledgers import Email, Ledgers, Notification, Payment
from pytest_mturk.service.options import FakeOptions

__all__ = ["CallRecord", "MTurkFake", "PytestMTurkWarning", "mock_mturk"]

F = TypeVar("F", bound=Callable[..., Any])

#: The access key the fake supplies when the user has no AWS credentials of their own.
FAKE_ACCESS_KEY = "AKIAPYTESTMTURK00000"
FAKE_SECRET_KEY = "pytest-mturk-fake-secret-access-key"


_ATTEMPT = re.compile(r"attempt=(\d+)")


def _http_date(ts: float, _cache: list[Any] = [None, ""]) -> str:  # noqa: B006 (a cache)
    """An HTTP Date header for ``ts``, formatted once per second."""
    second = int(ts)
    if _cache[0] != second:
        _cache[0] = second
        _cache[1] = formatdate(second, usegmt=True)
    return str(_cache[1])


class PytestMTurkWarning(UserWarning):
    """Something about how the fake is used that is worth a look."""


@dataclass(slots=True)
class CallRecord:
    """One HTTP attempt that reached the fake: ``operation``, ``params``, ``status`` (0 for a
    connection-level fault), ``error_code`` / ``turk_error_code``, ``attempt`` (botocore's
    attempt number, 1 for the first try), ``time`` (fake time), ``environment``,
    ``access_key``."""

    operation: str | None
    params: dict[str, Any]
    status: int
    error_code: str | None
    turk_error_code: str | None
    sdk_request: str  # botocore's amz-sdk-request header, e.g. "attempt=2; max=3"
    timestamp: float  # fake time, epoch seconds
    environment: str | None
    access_key: str | None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def attempt(self) -> int:
        match = _ATTEMPT.search(self.sdk_request)
        return int(match.group(1)) if match else 1

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, timezone.utc)

    def __str__(self) -> str:
        outcome = (
            "ok" if self.ok else f"{self.status} {self.error_code} {self.turk_error_code or ''}"
        )
        return (
            f"{self.operation}({_short(self.params)}) -> {outcome.strip()} [attempt {self.attempt}]"
        )


def _short(params: dict[str, Any]) -> str:
    parts = []
    for k, v in params.items():
        text = repr(v)
        parts.append(f"{k}={text if len(text) <= 40 else text[:37] + '...'}")
    return ", ".join(parts)


def has_own_credentials() -> bool:
    """Whether the user configured AWS credentials botocore would find without the fake."""
    env = os.environ
    if env.get("AWS_ACCESS_KEY_ID") or env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE"):
        return True
    if env.get("AWS_WEB_IDENTITY_TOKEN_FILE") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        return True
    if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        return True
    shared = env.get("AWS_SHARED_CREDENTIALS_FILE", os.path.join("~", ".aws", "credentials"))
    return os.path.exists(os.path.expanduser(shared))


class EnvironmentPatch:
    """Fake credentials (unless the user has their own), no metadata probing, a default region."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def apply(self) -> None:
        if not has_own_credentials():
            self._set("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
            self._set("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
            self._set("AWS_SESSION_TOKEN", None)
        # Never probe the instance-metadata address for credentials or region.
        self._set("AWS_EC2_METADATA_DISABLED", "true")
        if not os.environ.get("AWS_DEFAULT_REGION") and not os.environ.get("AWS_REGION"):
            self._set("AWS_DEFAULT_REGION", "us-east-1")

    def _set(self, key: str, value: str | None) -> None:
        if key not in self._saved:
            self._saved[key] = os.environ.get(key)
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value

    def restore(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()


def reset_boto3_default_session() -> None:
    """Drop boto3's default session so the next ``boto3.client`` resolves credentials afresh."""
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        setattr(boto3, "DEFAULT_SESSION", None)  # noqa: B010 (a module found at run time)


class MTurkFake:
    """A stateful, in-memory Amazon Mechanical Turk.

    While started, every botocore/boto3 ``mturk`` client in the process talks to it. Options:
    ``seed`` (repeatable ids and Faker values), ``balance`` (production prepaid balance, a Decimal
    or string; the sandbox always shows 10000.00), ``strict_workers``,
    ``keep_available_after_expiry``, ``strict_credentials`` (see docs/fidelity.md).
    """

    def __init__(self, **options: Any) -> None:
        self.options = FakeOptions.from_kwargs(**options)
        self.access_keys: set[str] = set()
        self._env_patch: EnvironmentPatch | None = None
        self._started = False
        self._build()

    def _build(self) -> None:
        from pytest_mturk.service import Service
        from pytest_mturk.workers import Workers

        self.ledgers = Ledgers()
        self.clock = Clock(on_move=self.process_due)
        self._service = Service(self.options, self.clock, self.ledgers)
        self.workers = Workers(self)
        self.calls: list[CallRecord] = []
        from pytest_mturk.faults import Faults

        self.faults = Faults(self.clock)
        self._internal_errors: list[BaseException] = []
        self._refused_keys: set[str] = set()
        pilot = self.options.autopilot
        if pilot:
            self.autopilot(**pilot) if isinstance(pilot, dict) else self.autopilot(workers=pilot)

    # ------------------------------------------------------------------ lifecycle

    def start(self, *, patch_environment: bool = True) -> MTurkFake:
        """Route every mturk client in the process to this fake. Returns the fake."""
        if self._started:
            return self
        _hook.install()
        if patch_environment:
            self._env_patch = EnvironmentPatch()
            self._env_patch.apply()
        reset_boto3_default_session()
        _hook.active.append(self)
        self._started = True
        from pytest_mturk import external

        external.start(self)
        return self

    def stop(self) -> None:
        """Stop answering; botocore behaves exactly as without the plugin again."""
        if not self._started:
            return
        self._started = False
        from pytest_mturk import external

        external.stop(self)
        if self in _hook.active:
            _hook.active.remove(self)
        if self._env_patch is not None:
            self._env_patch.restore()
            self._env_patch = None
        reset_boto3_default_session()

    def reset(self) -> None:
        """Forget all state (HITs, workers, money, records); keep the options and activation."""
        self._build()
        self._rebind_edges()

    def _rebind_edges(self) -> None:
        # The HTTP edges and notification transports hang on the service object: a new one
        # (reset, restore) needs them again.
        if self._started:
            from pytest_mturk import external

            external.stop(self)
            external.start(self)

    @property
    def active(self) -> bool:
        return self._started

    def __enter__(self) -> MTurkFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ transport entry points

    def _answer_botocore(self, request: Any) -> Any:
        # The hot path: everything it needs is bound once (see _bind_hot_path).
        if _hot is None:
            _bind_hot_path()
        assert _hot is not None
        url = request.url
        try:
            status, body, _ = _hot.handle(self, request.headers, request.body, url.split("/")[2])
        except _hot.TransportFault as fault:
            raise _botocore_failure(fault.kind, url) from None
        headers: Any = {  # AWSResponse wraps any mapping in HeadersDict
            "x-amzn-RequestId": self._request_id(),
            "Content-Type": "application/x-amz-json-1.1",
            "Content-Length": str(len(body)),
            "Date": _http_date(self.clock.time()),
        }
        return _hot.AWSResponse(url, status, headers, _Raw(body))

    def _request_id(self) -> str:
        h = self._service.hex_id(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def _call(
        self, operation: str, env_name: str, is_sandbox: bool, key: str, params: dict[str, Any]
    ) -> dict[str, Any] | bytes:
        if _hot is None:
            _bind_hot_path()
        assert _hot is not None
        _hot.validate_input(operation, params)
        return self._service.call(operation, env_name, is_sandbox, key, params)

    def _record_call(self, record: CallRecord) -> None:
        self.calls.append(record)

    def _refused_key(self, key: str) -> None:
        if key not in self._refused_keys:
            self._refused_keys.add(key)
            warnings.warn(
                f"pytest-mturk refused the access key id {key!r} as real AWS would "
                "(UnrecognizedClientException). To accept it, use fake.allow_access_key(key) "
                "or the option strict_credentials=False with an IAM-shaped key.",
                PytestMTurkWarning,
                stacklevel=2,
            )

    def allow_access_key(self, key: str) -> None:
        """Accept ``key`` as a known access key id even though it is not shaped like one."""
        self.access_keys.add(key)

    # ------------------------------------------------------------------ time

    def process_due(self) -> None:
        """Apply now whatever fell due (expiry, abandonment, auto-approval)."""
        svc = self._service
        with svc.lock:
            svc.process_due(svc.now())

    def autopilot(
        self,
        workers: int = 3,
        answers: Any = None,
        delay: float | timedelta = 0,
        **worker_profile: Any,
    ) -> Autopilot:
        """Simulated workers who do every open assignment of new and existing HITs.

        ``answers``: None (answer from the question), a mapping, or ``(hit, worker) -> answers``;
        ``delay``: fake seconds (or a timedelta) between a HIT appearing and its work being
        submitted. Returns the :class:`~pytest_mturk.autopilot.Autopilot` (``.stop()`` ends it).
        """
        from pytest_mturk.autopilot import Autopilot

        return Autopilot(self, workers, answers, delay, **worker_profile)

    # ------------------------------------------------------------------ state

    def snapshot(self) -> Snapshot:
        """A copy of the whole state, to ``restore`` later.

        Time is not state: the clock (and its offset) is left where it is on restore; the call
        records are not part of it either."""
        from pytest_mturk.persist import Snapshot, copy_service

        with self._service.lock:
            return Snapshot(copy_service(self._service))

    def restore(self, snapshot: Snapshot) -> None:
        """Go back to the state of ``snapshot`` (which stays reusable)."""
        from pytest_mturk.persist import copy_service

        with self._service.lock:
            self._service = copy_service(snapshot.service)
            self.ledgers = self._service.ledgers
        self._rebind_edges()

    def dump_state(self) -> dict[str, Any]:
        """The whole state as JSON-compatible data (``json.dumps`` it to save a scenario).

        Scheduled autopilot work is behaviour, not state, and is left out.
        """
        from dataclasses import asdict

        from pytest_mturk.persist import dump_service

        with self._service.lock:
            return dump_service(self._service, asdict(self.options))

    @classmethod
    def load_state(cls, data: dict[str, Any], **options: Any) -> MTurkFake:
        """A new (not started) fake holding the state of ``data`` from ``dump_state()``.

        ``options`` override the dumped ones (for example ``autopilot``).
        """
        from pytest_mturk.persist import load_service, options_of

        merged = {**options_of(data), **options}
        pilot = merged.pop("autopilot", None)
        fake = cls(**merged)
        load_service(fake._service, data)
        fake.ledgers = fake._service.ledgers
        if pilot:
            fake.autopilot(**pilot) if isinstance(pilot, dict) else fake.autopilot(workers=pilot)
        return fake

    def check_invariants(self) -> None:
        """Verify the model: HIT counters equal the assignments behind them, every assignment is
        in exactly one state, money is conserved, no record points at a missing one. Raises
        ``pytest_mturk.invariants.InvariantError`` listing every problem."""
        from pytest_mturk import invariants

        with self._service.lock:
            self._service.process_due(self._service.now())
            invariants.check(self._service)

    # ------------------------------------------------------------------ server mode

    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        environment: str = "sandbox",
        verbose: bool = False,
    ) -> MTurkServer:
        """Answer MTurk requests over HTTP too (for subprocesses and other SDKs).

        Returns the running :class:`~pytest_mturk.server.MTurkServer`; point clients at its
        ``url`` (``AWS_ENDPOINT_URL_MTURK``). It stands in for the sandbox (or production).
        """
        from pytest_mturk.server import MTurkServer

        return MTurkServer(self, host, port, environment, verbose)

    # ------------------------------------------------------------------ layouts

    def register_hit_layout(self, layout_id: str, question_xml: str) -> None:
        """Make ``HITLayoutId=layout_id`` usable; ``${Name}`` placeholders take
        ``HITLayoutParameters`` values."""
        self._service.layouts[layout_id] = question_xml

    # ------------------------------------------------------------------ ledgers

    @property
    def payments(self) -> list[Payment]:
        """Every reward and bonus paid, in order (what fell due is applied first)."""
        self.process_due()
        return self.ledgers.payments

    @property
    def notifications(self) -> list[Notification]:
        """Every notification message delivered, in order (what fell due is applied first)."""
        self.process_due()
        return self.ledgers.notifications

    @property
    def emails(self) -> list[Email]:
        """Every e-mail sent to a worker, in order (what fell due is applied first)."""
        self.process_due()
        return self.ledgers.emails

    def assert_paid(self, worker_id: str, amount: Decimal | str | float) -> None:
        """The rewards paid to ``worker_id`` total exactly ``amount``."""
        __tracebackhide__ = True
        self.process_due()
        expected = Decimal(str(amount))
        got = sum((p.amount for p in self.ledgers.payments_to(worker_id, "reward")), Decimal("0"))
        if got != expected:
            raise AssertionError(
                f"expected rewards of ${expected} paid to {worker_id}, but ${got} were paid\n"
                + self.ledgers.describe_payments()
            )

    def assert_not_paid(self, worker_id: str) -> None:
        """No reward and no bonus was paid to ``worker_id``."""
        __tracebackhide__ = True
        self.process_due()
        paid = list(self.ledgers.payments_to(worker_id))
        if paid:
            raise AssertionError(
                f"expected no payment to {worker_id}, but {len(paid)} were made\n"
                + self.ledgers.describe_payments()
            )

    def assert_bonus_paid(
        self, worker_id: str, amount: Decimal | str | float, reason: str | None = None
    ) -> None:
        """Bonuses paid to ``worker_id`` (with ``reason``, if given) total exactly ``amount``."""
        __tracebackhide__ = True
        self.process_due()
        expected = Decimal(str(amount))
        bonuses = [
            p
            for p in self.ledgers.payments_to(worker_id, "bonus")
            if reason is None or p.reason == reason
        ]
        got = sum((p.amount for p in bonuses), Decimal("0"))
        if got != expected:
            which = f" with reason {reason!r}" if reason is not None else ""
            raise AssertionError(
                f"expected bonuses{which} of ${expected} paid to {worker_id}, but ${got} were "
                "paid\n" + self.ledgers.describe_payments()
            )

    def assert_notified(
        self,
        event_type: str,
        *,
        hit_id: str | None = None,
        destination: str | None = None,
        count: int | None = None,
    ) -> None:
        """A notification with an event of ``event_type`` was delivered (``count`` times, for
        ``hit_id`` / to ``destination`` if given); a failure lists what was sent."""
        __tracebackhide__ = True
        self.process_due()
        self.ledgers.assert_notified(
            event_type, hit_id=hit_id, destination=destination, count=count
        )

    def assert_emailed(
        self, worker_id: str, *, subject: str | None = None, contains: str | None = None
    ) -> None:
        """An e-mail went to ``worker_id`` (with this subject / containing this text, if given);
        a failure lists what was sent."""
        __tracebackhide__ = True
        self.process_due()
        self.ledgers.assert_emailed(worker_id, subject=subject, contains=contains)

    # ------------------------------------------------------------------ call records

    def calls_to(self, operation: str, **params: Any) -> list[CallRecord]:
        """The recorded attempts of ``operation`` whose parameters include ``params``."""
        return [
            c
            for c in self.calls
            if c.operation == operation and all(c.params.get(k) == v for k, v in params.items())
        ]

    def assert_called(self, operation: str, *, times: int | None = None, **params: Any) -> None:
        """``operation`` was called (``times`` times, if given) with these parameters."""
        __tracebackhide__ = True
        matching = self.calls_to(operation, **params)
        if (times is None and not matching) or (times is not None and len(matching) != times):
            want = "at least once" if times is None else f"{times} time(s)"
            seen = "\n".join(f"  {c}" for c in self.calls) or "  (no calls)"
            raise AssertionError(
                f"expected {operation}({_short(params)}) {want}, found {len(matching)}\n"
                f"calls made:\n{seen}"
            )

    def __repr__(self) -> str:
        state = "active" if self._started else "inactive"
        return f"<MTurkFake {state} hits={len(self._service.hits_by_id)} calls={len(self.calls)}>"


class _HotPath:
    """What every call needs, imported once on first use (importing pytest_mturk stays cheap
    and never imports botocore)."""

    def __init__(self) -> None:
        from botocore.awsrequest import AWSResponse

        from pytest_mturk.faults import TransportFault
        from pytest_mturk.protocol import handle
        from pytest_mturk.validation import validate_input

        self.AWSResponse = AWSResponse
        self.TransportFault = TransportFault
        self.handle = handle
        self.validate_input = validate_input


_hot: _HotPath | None = None


def _bind_hot_path() -> None:
    global _hot
    _hot = _HotPath()


def _botocore_failure(kind: str, url: str) -> Exception:
    """The botocore exception a connection-level failure surfaces as (botocore retries them)."""
    from botocore import exceptions

    failure: Exception
    if kind == "ReadTimeout":
        failure = exceptions.ReadTimeoutError(endpoint_url=url)
    elif kind == "ConnectionClosed":
        failure = exceptions.ConnectionClosedError(endpoint_url=url)
    else:
        failure = exceptions.EndpointConnectionError(endpoint_url=url)
    return failure


class _Raw:
    """The minimal raw-response object botocore's ``AWSResponse`` reads its content from."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._data


class _MockMTurk:
    """``mock_mturk(...)``: a context manager and a decorator around an ``MTurkFake``."""

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        self.fake: MTurkFake | None = None

    def __enter__(self) -> MTurkFake:
        self.fake = MTurkFake(**self._options).start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        if self.fake is not None:
            self.fake.stop()

    def __call__(self, func: F) -> F:
        options = self._options
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with _MockMTurk(options):
                    return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _MockMTurk(options):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


@overload
def mock_mturk(func: F) -> F: ...
@overload
def mock_mturk(func: None = None, **options: Any) -> _MockMTurk: ...
def mock_mturk(func: F | None = None, **options: Any) -> F | _MockMTurk:
    """Activate a fresh fake: ``with mock_mturk() as fake:``, ``@mock_mturk`` or
    ``@mock_mturk(seed=1)``."""
    if func is not None:
        return _MockMTurk({})(func)
    return _MockMTurk(options)
