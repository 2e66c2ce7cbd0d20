"""Error injection: ``fake.faults.add("CreateHIT", error="ServiceFault", times=2)``.

Faults apply per HTTP attempt, so botocore's retries are visible and countable. An injected
error is either answered instead of the operation (the default for HTTP errors) or after it was
applied (``applied=True``: the "response lost" case UniqueRequestToken exists for).
Connection-level failures are raised inside botocore as its own exceptions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytest_mturk.errors import (
    MTurkServiceError,
    ParameterValidationError,
    RequestError,
    ServiceFault,
    ThrottlingException,
    ValidationException,
    _CoralError,
)

__all__ = ["CONNECTION_ERRORS", "Fault", "Faults", "TransportFault"]

#: Failures below HTTP: the name, and whether the operation was applied by default.
CONNECTION_ERRORS = {
    "ConnectionRefused": False,  # botocore EndpointConnectionError, nothing reached MTurk
    "ConnectionError": False,
    "ReadTimeout": True,  # botocore ReadTimeoutError: MTurk did it, the answer never came
    "ConnectionClosed": True,  # botocore ConnectionClosedError after the request was sent
}


class TransportFault(Exception):
    """Raised by the protocol layer for a connection-level fault; each transport turns it into
    its own failure (botocore: its exceptions; the HTTP server: a dropped connection)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class _Generic(_CoralError):
    """Any other error name: an AWS-shaped body with that ``__type``."""

    def __init__(self, type_name: str, message: str | None, status: int) -> None:
        super().__init__(message)
        self.type_name = type_name  # type: ignore[misc]
        self.status = status


@dataclass
class Fault:
    """One injected fault (returned by ``fake.faults.add``; ``fired`` counts its firings)."""

    operation: str | None
    error: str
    code: str | None = None
    message: str | None = None
    status: int | None = None
    times: int | None = 1
    after: int = 0
    when: Callable[[dict[str, Any]], bool] | None = None
    applied: bool = False
    required: bool = False
    seen: int = 0
    fired: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    @property
    def connection_level(self) -> bool:
        return self.error in CONNECTION_ERRORS

    def matches(self, operation: str, params: dict[str, Any]) -> bool:
        if self.operation is not None and self.operation != operation:
            return False
        if self.when is not None and not self.when(params):
            return False
        with self._lock:
            if self.exhausted:
                return False
            self.seen += 1
            if self.seen <= self.after:
                return False
            self.fired += 1
            return True

    def service_error(self) -> MTurkServiceError:
        """The error the fake answers with (HTTP-level faults)."""
        error, message, code = self.error, self.message, self.code
        if error == "ServiceFault":
            fault = ServiceFault(
                message
                or "We are temporarily unable to process your request. Try your call again.",
                status=self.status or 500,
                code=code or "AWS.ServiceUnavailable",
            )
            return fault
        if error == "ThrottlingException":
            exc: MTurkServiceError = ThrottlingException(message or "Rate exceeded")
        elif error == "RequestError":
            exc = RequestError(
                message or f"Injected error {code or 'AWS.MechanicalTurk.ServiceFault'}.",
                code or "AWS.MechanicalTurk.ServiceFault",
            )
        elif error == "ParameterValidationError":
            exc = ParameterValidationError(
                message or "Injected parameter validation error.",
                None,
                code or "AWS.ParameterOutOfRange",
            )
        elif error == "ValidationException":
            exc = ValidationException([message or "Injected validation error"])
        else:
            exc = _Generic(error, message, self.status or 400)
        if self.status is not None:
            exc.status = self.status
        return exc

    def describe(self) -> str:
        what = self.error + (f" {self.code}" if self.code else "")
        op = self.operation or "any operation"
        return f"{what} on {op} (fired {self.fired} of {self.times or 'unlimited'})"


class Faults:
    """``fake.faults``: inject errors, throttle by rate, and check what fired."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self._faults: list[Fault] = []
        self._limits: dict[str | None, float] = {}
        self._windows: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def add(
        self,
        operation: str | None,
        error: str = "ServiceFault",
        *,
        code: str | None = None,
        message: str | None = None,
        status: int | None = None,
        times: int | None = 1,
        after: int = 0,
        when: Callable[[dict[str, Any]], bool] | None = None,
        applied: bool | None = None,
        required: bool = False,
    ) -> Fault:
        """Inject ``error`` into ``operation`` (an API name such as "CreateHIT"; None: any).

        ``error``: "ServiceFault" (5xx), "ThrottlingException", "RequestError" (with ``code``, a
        TurkErrorCode), "ParameterValidationError", "ValidationException", any other AWS error
        name (with ``status``), or a connection-level failure: "ConnectionRefused" /
        "ConnectionError" (nothing applied), "ReadTimeout" / "ConnectionClosed" (applied, the
        answer lost). ``times`` attempts fault (None: every one) after ``after`` matching
        attempts pass; ``when(params)`` narrows which calls match; ``applied`` overrides whether
        the operation is applied before the failure; ``required`` makes a fault that never
        fired fail the test at teardown.
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for every attempt)")
        if applied is None:
            applied = CONNECTION_ERRORS.get(error, False)
        fault = Fault(
            operation, error, code, message, status, times, after, when, applied, required
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def rate_limit(self, per_second: int, operation: str | None = None) -> None:
        """Throttle (ThrottlingException "Rate exceeded") calls beyond ``per_second`` in one
        second of fake time, per operation (``operation`` None: every operation)."""
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self._limits[operation] = per_second

    def clear(self) -> None:
        """Remove every fault and rate limit."""
        with self._lock:
            self._faults.clear()
            self._limits.clear()
            self._windows.clear()

    @property
    def active(self) -> bool:
        return bool(self._faults) or bool(self._limits)

    def __iter__(self) -> Any:
        return iter(list(self._faults))

    def __len__(self) -> int:
        return len(self._faults)

    @property
    def unfired(self) -> list[Fault]:
        """Faults that never fired."""
        return [f for f in self._faults if f.fired == 0]

    def assert_all_fired(self, *, only_required: bool = False) -> None:
        """Every fault (or every ``required`` one) fired at least once."""
        __tracebackhide__ = True
        missing = [f for f in self.unfired if f.required or not only_required]
        if missing:
            raise AssertionError(
                "injected fault(s) never fired:\n"
                + "\n".join(f"  - {f.describe()}" for f in missing)
            )

    def pick(self, operation: str, params: dict[str, Any]) -> Fault | MTurkServiceError | None:
        """The fault for this attempt, if any (called by the protocol layer)."""
        limit = self._limits.get(operation, self._limits.get(None))
        if limit is not None:
            second = int(self._clock.time())
            with self._lock:
                start, count = self._windows.get(operation, (second, 0))
                if start != second:
                    start, count = second, 0
                count += 1
                self._windows[operation] = (start, count)
            if count > limit:
                return ThrottlingException()
        for fault in list(self._faults):
            if fault.matches(operation, params):
                return fault
        return None
