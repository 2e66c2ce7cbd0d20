"""``MTurkFake`` and ``mock_mturk``: the user's handle on a fake MTurk.

with pytest_mturk.mock_mturk() as fake:
    client = boto3.client("mturk", region_name="us-east-1")
    client.create_hit(...)
    fake.workers.create().do(hit_id)

The fake owns one :class:`~pytest_mturk.service.Service` for its whole life (``reset`` and
``restore`` change the state inside it), and one :class:`~pytest_mturk.protocol.Backend` that
the transports answer with.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar, overload

from pytest_mturk import invariants, persist
from pytest_mturk.autopilot import AnswerSource, Autopilot
from pytest_mturk.clock import Clock
from pytest_mturk.errors import PytestMTurkWarning
from pytest_mturk.faults import Faults
from pytest_mturk.ledgers import CallLog, CallRecord, Email, Ledgers, Notification, Payment
from pytest_mturk.options import FakeOptions
from pytest_mturk.persist import Snapshot
from pytest_mturk.protocol import Backend, CredentialPolicy
from pytest_mturk.service import Service
from pytest_mturk.transport import aio, guard, hook, moto, web
from pytest_mturk.transport.control import ControlAPI
from pytest_mturk.transport.environment import (
    EnvironmentPatch,
    fresh_boto3_default_session,
    reset_boto3_default_session,
    shared_models,
)
from pytest_mturk.transport.http11 import DEFAULT_TIMEOUT, MAX_BODY
from pytest_mturk.transport.server import MTurkServer
from pytest_mturk.workers import Workers

__all__ = ["CallRecord", "MTurkFake", "PytestMTurkWarning", "mock_mturk"]

F = TypeVar("F", bound=Callable[..., Any])


class MTurkFake:
    """A stateful, in-memory Amazon Mechanical Turk.

    While started, every botocore/boto3 ``mturk`` client in the process talks to it. Options:
    ``seed`` (repeatable ids and Faker values), ``balance`` (production prepaid balance, a Decimal
    or string; the sandbox always shows 10000.00), ``strict_workers``,
    ``keep_available_after_expiry``, ``strict_credentials``, ``autopilot``, ``freeze_time`` (one
    timeline with the process's ``datetime.now()``), ``fast_sleep`` (``time.sleep`` in the thread
    that starts the fake advances the fake clock), ``real_retry_sleep`` (botocore's retry backoff
    really sleeps) (see :class:`~pytest_mturk.FakeOptions` and docs/fidelity.md).
    """

    def __init__(self, **options: Any) -> None:
        self.options = FakeOptions.from_kwargs(**options)
        #: The fake's clock: ``now()``, ``advance(...)``, ``move_to(...)``.
        self.clock = Clock(on_move=self._apply_due, next_due=self._next_due)
        self._service = Service(self.options, self.clock, Ledgers())
        self.clock.lock = self._service.lock  # no operation runs halfway through a clock move
        #: Simulated workers: ``fake.workers.create(...)``, ``fake.workers.get(id)``.
        self.workers = Workers(self._service)
        #: Error injection: ``fake.faults.add(...)``, ``fake.faults.rate_limit(...)``.
        self.faults = Faults(self.clock, CallLog())
        self._backend = Backend(
            self._service,
            self.faults,
            CredentialPolicy(
                self.options.strict_credentials, supply=self.options.credentials == "supply"
            ),
            calls=self.faults.calls,
        )
        self._env_patch: EnvironmentPatch | None = None
        self._started = False
        self._autopilots: list[Autopilot] = []
        self._start_option_autopilot()

    def _start_option_autopilot(self) -> None:
        pilot = self.options.autopilot
        if pilot:
            self.autopilot(**pilot) if isinstance(pilot, dict) else self.autopilot(workers=pilot)

    # ------------------------------------------------------------------ lifecycle

    def start(self, *, patch_environment: bool = True) -> MTurkFake:
        """Route every mturk client in the process to this fake. Returns the fake.

        ``patch_environment`` (default True) supplies fake AWS credentials when you have none
        (unless ``credentials="require"``, which also takes away credentials the pytest plugin
        supplied), forbids probing the instance-metadata address and sets a default region, for
        as long as the fake runs.
        """
        if self._started:
            return self
        if patch_environment:
            self._env_patch = EnvironmentPatch(
                supply_credentials=self.options.credentials == "supply"
            )
            self._env_patch.apply()
        shared_models.acquire()
        fresh_boto3_default_session()
        hook.activate(self._backend)
        guard.install()
        aio.install()
        moto.attach(self._service)
        web.install()
        self._started = True
        if self.options.freeze_time:
            self.clock.freeze()
        if self.options.fast_sleep:
            self.clock.fast_sleep_in(threading.current_thread())
        return self

    def stop(self) -> None:
        """Stop answering; botocore behaves exactly as without the plugin again (and the process's
        time: a freeze the fake started ends, fast sleep stops)."""
        self.clock.release()
        if not self._started:
            return
        self._started = False
        moto.detach(self._service)
        hook.deactivate(self._backend)
        shared_models.release()
        if self._env_patch is not None:
            self._env_patch.restore()
            self._env_patch = None
        reset_boto3_default_session()

    def reset(self) -> None:
        """Forget all state (HITs, workers, money, records, faults, calls); keep the options and
        the activation. Autopilot workers started by hand stop; the ``autopilot`` option's
        start again."""
        for pilot in self._autopilots:
            pilot.stop()
        self._autopilots.clear()
        with self._service.lock:
            self._service.reset()
        self.faults.clear()
        self._backend.calls.clear()
        self._backend.internal_errors.clear()
        self._start_option_autopilot()

    @property
    def active(self) -> bool:
        """Whether the fake is answering."""
        return self._started

    def __enter__(self) -> MTurkFake:
        return self.start()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.stop()
        if exc_type is None:
            self.check_faults_fired()

    def check_faults_fired(self) -> None:
        """Fail (AssertionError) if a fault added with ``required=True`` (the default) never
        fired; the message lists them and every call made. Leaving ``with MTurkFake()`` or
        ``mock_mturk()`` without an exception checks this, and so does the pytest plugin at the
        teardown of its fakes."""
        __tracebackhide__ = True
        self.faults.assert_all_fired(only_required=True)

    # ------------------------------------------------------------------ parts

    @property
    def service(self) -> Service:
        """The service behind the fake (documented-internal: for tools and the project's own
        tests; it stays the same object for the fake's whole life)."""
        return self._service

    @property
    def backend(self) -> Backend:
        """What the transports answer with (documented-internal, like :attr:`service`)."""
        return self._backend

    @property
    def ledgers(self) -> Ledgers:
        """Payments, notifications and e-mails, with their assertion helpers."""
        return self._service.ledgers

    @property
    def calls(self) -> CallLog:
        """Every HTTP attempt that reached the fake, in order (retries included)."""
        return self._backend.calls

    @property
    def internal_errors(self) -> list[BaseException]:
        """Exceptions inside the fake that were answered as ServiceFault (bugs in pytest-mturk;
        the pytest plugin fails the test when there are any)."""
        return self._backend.internal_errors

    @property
    def access_keys(self) -> set[str]:
        """Access key ids accepted on top of the IAM-shaped ones (``allow_access_key``)."""
        return self._backend.credentials.allowed

    def allow_access_key(self, key: str) -> None:
        """Accept ``key`` as a known access key id even though it is not shaped like one."""
        self._backend.credentials.allow(key)

    # ------------------------------------------------------------------ time

    def process_due(self) -> None:
        """Apply now whatever fell due (expiry, abandonment, auto-approval)."""
        with self._service.step():
            pass

    def _apply_due(self, at: float) -> None:
        svc = self._service
        with svc.lock:
            svc.process_due(at)

    def _next_due(self) -> float | None:
        return self._service.next_due()

    def autopilot(
        self,
        workers: int = 3,
        answers: AnswerSource = None,
        delay: float | timedelta = 0,
        *,
        request_qualifications: bool = True,
        **worker_profile: Any,
    ) -> Autopilot:
        """Simulated workers who do every open assignment of new and existing HITs.

        ``answers``: None (answer from the question), a mapping, or ``(hit, worker) -> answers``;
        ``delay``: fake seconds (or a timedelta) between a HIT appearing and its work being
        submitted; ``request_qualifications``: whether they request the qualifications a HIT
        requires, as real workers do (default True). Returns the :class:`~pytest_mturk.Autopilot`
        (``.workers``, ``.stop()``); :attr:`autopilots` lists them all.
        """
        pilot = Autopilot(
            self._service,
            workers,
            answers,
            delay,
            request_qualifications=request_qualifications,
            **worker_profile,
        )
        self._autopilots.append(pilot)
        return pilot

    @property
    def autopilots(self) -> list[Autopilot]:
        """The autopilots working for this fake (the ``autopilot`` option's first)."""
        return list(self._autopilots)

    # ------------------------------------------------------------------ state

    def snapshot(self) -> Snapshot:
        """A copy of the whole state, to ``restore`` later.

        Time is not state: the clock (and its offset) is left where it is on restore; the call
        records are not part of it either."""
        with self._service.lock:
            return persist.take_snapshot(self._service)

    def restore(self, snapshot: Snapshot) -> None:
        """Go back to the state of ``snapshot`` (which stays reusable)."""
        with self._service.lock:
            persist.restore_snapshot(self._service, snapshot)

    def dump_state(self) -> dict[str, Any]:
        """The whole state as JSON-compatible data (``json.dumps`` it to save a scenario).

        Scheduled autopilot work is behaviour, not state, and is left out.
        """
        with self._service.lock:
            return persist.dump_service(self._service, asdict(self.options))

    @classmethod
    def load_state(cls, data: Mapping[str, Any], **options: Any) -> MTurkFake:
        """A new (not started) fake holding the state of ``data`` from ``dump_state()``.

        ``options`` override the dumped ones (for example ``autopilot``).
        """
        merged = {**persist.options_of(dict(data)), **options}
        pilot = merged.pop("autopilot", None)
        fake = cls(**merged)
        persist.load_service(fake._service, dict(data))
        fake.options.autopilot = pilot
        fake._start_option_autopilot()
        return fake

    def check_invariants(self) -> None:
        """Verify the model: HIT counters equal the assignments behind them, every assignment is
        in exactly one state, money is conserved, no record points at a missing one. Raises
        :class:`~pytest_mturk.InvariantError` listing every problem."""
        with self._service.step():
            invariants.check(self._service)

    # ------------------------------------------------------------------ server mode

    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        environment: str = "sandbox",
        verbose: bool = False,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_body: int = MAX_BODY,
        token: str | None = None,
    ) -> MTurkServer:
        """Answer MTurk requests over HTTP too (for subprocesses and other SDKs).

        Returns the running :class:`~pytest_mturk.MTurkServer`. It answers both environments:
        its ``url`` stands for the sandbox (or for ``environment``), ``url_for("production")``
        for production; ``environ`` routes a Python child process to it; ``control_url`` is the
        control API (this fake's controls over HTTP). ``timeout``: seconds a connection may
        stay idle or a request take to arrive; ``max_body``: the largest request in bytes;
        ``token``: what the control API requires (generated when ``host`` is not loopback).
        """
        return MTurkServer(
            self._backend,
            host,
            port,
            environment,
            verbose,
            timeout=timeout,
            max_body=max_body,
            token=token,
            control=ControlAPI(self),
        )

    # ------------------------------------------------------------------ layouts

    def register_hit_layout(self, layout_id: str, question_xml: str) -> None:
        """Make ``HITLayoutId=layout_id`` usable; ``${Name}`` placeholders take
        ``HITLayoutParameters`` values."""
        with self._service.lock:
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
        """The rewards paid to ``worker_id`` total exactly ``amount`` (what fell due first)."""
        __tracebackhide__ = True
        self.process_due()
        self.ledgers.assert_paid(worker_id, amount)

    def assert_not_paid(self, worker_id: str) -> None:
        """No reward and no bonus was paid to ``worker_id`` (what fell due first)."""
        __tracebackhide__ = True
        self.process_due()
        self.ledgers.assert_not_paid(worker_id)

    def assert_bonus_paid(
        self, worker_id: str, amount: Decimal | str | float, reason: str | None = None
    ) -> None:
        """Bonuses paid to ``worker_id`` (with ``reason``, if given) total exactly ``amount``."""
        __tracebackhide__ = True
        self.process_due()
        self.ledgers.assert_bonus_paid(worker_id, amount, reason)

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
        return self.calls.calls_to(operation, **params)

    def assert_called(self, operation: str, *, times: int | None = None, **params: Any) -> None:
        """``operation`` was called (``times`` times, if given) with these parameters."""
        __tracebackhide__ = True
        self.calls.assert_called(operation, times=times, **params)

    def __repr__(self) -> str:
        state = "active" if self._started else "inactive"
        hits = len(self._service.hits_by_id)
        return f"<MTurkFake {state} hits={hits} calls={len(self.calls)}>"


class _MockMTurk:
    """``mock_mturk(...)``: a context manager and a decorator around an ``MTurkFake``."""

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        self.fake: MTurkFake | None = None

    def __enter__(self) -> MTurkFake:
        self.fake = MTurkFake(**self._options).start()
        return self.fake

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self.fake is not None:
            self.fake.__exit__(exc_type, *exc)

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
