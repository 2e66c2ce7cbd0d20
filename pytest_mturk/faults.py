"""Error injection: ``fake.faults.add("CreateHIT", "ServiceFault", times=2)``.

Faults apply per HTTP attempt, so botocore's retries are visible and countable. An injected
error is either answered instead of the operation (the default for HTTP errors) or after it was
applied (``applied=True``: the "response lost" case UniqueRequestToken exists for).
Connection-level failures are raised inside botocore as its own exceptions.

A fault cannot silently test nothing: an operation or fault kind the fake does not know is
refused at once (with the valid names and the closest one), and under pytest a fault that never
fired fails the test at teardown unless it was added with ``required=False``.
"""

from __future__ import annotations

import difflib
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from botocore import xform_name

from pytest_mturk.errors import (
    MTurkServiceError,
    ParameterValidationError,
    RequestError,
    ServiceFault,
    ThrottlingException,
    ValidationException,
    _CoralError,
)
from pytest_mturk.ledgers import CallLog
from pytest_mturk.service import ALL_OPERATIONS

__all__ = [
    "CONNECTION_ERRORS",
    "FAULT_KINDS",
    "HTTP_FAULT_KINDS",
    "Fault",
    "Faults",
    "TransportFault",
    "operation_name",
]

#: Failures below HTTP: the name, and whether the operation was applied by default.
CONNECTION_ERRORS = {
    "ConnectionRefused": False,  # botocore EndpointConnectionError, nothing reached MTurk
    "ConnectionError": False,
    "ReadTimeout": True,  # botocore ReadTimeoutError: MTurk did it, the answer never came
    "ConnectionClosed": True,  # botocore ConnectionClosedError after the request was sent
}

#: Faults answered over HTTP. "Custom" is any other AWS error name, given as ``type_name``.
HTTP_FAULT_KINDS = (
    "ServiceFault",
    "ThrottlingException",
    "RequestError",
    "ParameterValidationError",
    "ValidationException",
    "Custom",
)
#: Every fault kind ``fake.faults.add`` accepts.
FAULT_KINDS = HTTP_FAULT_KINDS + tuple(CONNECTION_ERRORS)
#: The kinds whose answer carries a TurkErrorCode (``code=``).
_KINDS_WITH_CODE = frozenset({"ServiceFault", "RequestError", "ParameterValidationError"})


def _closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice ``name`` most probably meant: the same name in another case, else the most
    similar one (difflib, without case, and without a shared "Exception"/"Error"/"Fault" ending,
    which alone makes no two names alike), else None."""
    by_lower: dict[str, str] = {}
    for choice in choices:
        by_lower.setdefault(choice.lower(), choice)
    lowered = name.lower()
    if lowered in by_lower:
        return by_lower[lowered]
    best, best_ratio = None, 0.6
    for candidate, original in by_lower.items():
        a, b = lowered, candidate
        for ending in ("exception", "error", "fault"):
            if a.endswith(ending) and b.endswith(ending):
                a, b = a[: -len(ending)], b[: -len(ending)]
                break
        ratio = difflib.SequenceMatcher(None, a, b).ratio()
        if ratio >= best_ratio and (best is None or ratio > best_ratio):
            best, best_ratio = original, ratio
    return best


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    best = _closest(name, choices)
    return f"; did you mean {best!r}?" if best is not None else ""


@cache
def _boto3_names() -> dict[str, str]:
    """boto3 method name -> API operation name, derived as botocore derives method names."""
    return {xform_name(op): op for op in ALL_OPERATIONS}


def operation_name(name: str) -> str:
    """The API name of an MTurk operation given as an API name ("CreateHIT") or a boto3 method
    name ("create_hit"). A ``ValueError`` lists the valid names and suggests the closest."""
    if not isinstance(name, str):
        raise TypeError(f"an MTurk operation name is a string, got {name!r}")
    if name in ALL_OPERATIONS:
        return name
    api = _boto3_names().get(name)
    if api is not None:
        return api
    raise ValueError(
        f"unknown MTurk operation {name!r}{_did_you_mean(name, [*ALL_OPERATIONS, *_boto3_names()])}"
        f" Operations (or their boto3 method names, e.g. 'create_hit'): "
        f"{', '.join(ALL_OPERATIONS)}"
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_kind(error: str) -> None:
    if not isinstance(error, str):
        raise TypeError(f"a fault kind is a string such as 'ServiceFault', got {error!r}")
    if error in FAULT_KINDS:
        return
    raise ValueError(
        f"unknown fault kind {error!r}{_did_you_mean(error, FAULT_KINDS)} Fault kinds: "
        f"{', '.join(FAULT_KINDS)}. For any other AWS error name use kind 'Custom': "
        "fake.faults.add(op, 'Custom', type_name='AccessDeniedException', status=403)"
    )


class TransportFault(Exception):
    """Raised by the protocol layer for a connection-level fault; each transport turns it into
    its own failure (botocore: its exceptions; the HTTP server: a dropped connection)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class _Custom(_CoralError):
    """A "Custom" fault: an AWS-shaped body with the ``__type`` the test named."""

    def __init__(self, type_name: str, message: str | None, status: int) -> None:
        super().__init__(message)
        self.type_name = type_name  # type: ignore[misc]
        self.status = status


@dataclass
class Fault:
    """One injected fault (returned by ``fake.faults.add``; ``fired`` counts its firings)."""

    #: The API operation name it applies to; None for every operation.
    operation: str | None
    #: The fault kind (``"ServiceFault"``, ``"ReadTimeout"``...).
    error: str
    #: The TurkErrorCode answered (``ServiceFault``, ``RequestError``,
    #: ``ParameterValidationError``).
    code: str | None = None
    #: The error message answered (None: the kind's usual one).
    message: str | None = None
    #: The HTTP status answered (None: the kind's usual one).
    status: int | None = None
    #: How many attempts fail (None: every matching attempt).
    times: int | None = 1
    #: How many matching attempts pass before the first failure.
    after: int = 0
    #: A test on the call's parameters narrowing which calls match.
    when: Callable[[dict[str, Any]], bool] | None = None
    #: Whether the operation is applied before the failure (the answer is lost).
    applied: bool = False
    #: Whether a fault that never fired fails the test.
    required: bool = True
    #: The AWS error name answered by a ``"Custom"`` fault.
    type_name: str | None = None
    #: Matching attempts seen so far.
    seen: int = 0
    #: Attempts failed so far.
    fired: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def exhausted(self) -> bool:
        """Whether it has failed ``times`` attempts already (it fires no more)."""
        return self.times is not None and self.fired >= self.times

    @property
    def connection_level(self) -> bool:
        """Whether it fails below HTTP (raised inside botocore, not answered)."""
        return self.error in CONNECTION_ERRORS

    def matches(self, operation: str, params: dict[str, Any]) -> bool:
        """Whether this attempt fails; counts it (called by :meth:`Faults.pick`)."""
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
        else:  # "Custom"
            exc = _Custom(self.type_name or error, message, self.status or 400)
        if self.status is not None:
            exc.status = self.status
        return exc

    def describe(self) -> str:
        """One line: what, where, how often it fired."""
        what = (self.type_name if self.error == "Custom" and self.type_name else self.error) + (
            f" {self.code}" if self.code else ""
        )
        op = self.operation or "any operation"
        return f"{what} on {op} (fired {self.fired} of {self.times or 'unlimited'})"


class Faults:
    """``fake.faults``: inject errors, throttle by rate, and check what fired."""

    def __init__(self, clock: Any, calls: CallLog | None = None) -> None:
        self._clock = clock
        #: The fake's call log (what a failure message lists).
        self.calls = CallLog() if calls is None else calls
        self._faults: list[Fault] = []
        self._limits: dict[str | None, int] = {}
        self._windows: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def add(
        self,
        operation: str | None,
        error: str = "ServiceFault",
        *,
        type_name: str | None = None,
        code: str | None = None,
        message: str | None = None,
        status: int | None = None,
        times: int | None = 1,
        after: int = 0,
        when: Callable[[dict[str, Any]], bool] | None = None,
        applied: bool | None = None,
        required: bool = True,
    ) -> Fault:
        """Inject the fault kind ``error`` into ``operation``; returns the :class:`Fault`.

        Faults apply per HTTP attempt, so each of botocore's retries meets the next one. An
        unknown operation or kind, or an argument that does not go with the kind, is a
        ``ValueError`` at once, naming the valid choices.

        :param operation: an API name (``"CreateHIT"``) or its boto3 method name
            (``"create_hit"``); None for every operation.
        :param error: the fault kind: ``"ServiceFault"`` (HTTP 500, or ``status``),
            ``"ThrottlingException"``, ``"RequestError"`` (with ``code``, a TurkErrorCode),
            ``"ParameterValidationError"``, ``"ValidationException"``, ``"Custom"`` (any other
            AWS error name, given as ``type_name``), or a connection-level failure:
            ``"ConnectionRefused"`` / ``"ConnectionError"`` (nothing applied), ``"ReadTimeout"``
            / ``"ConnectionClosed"`` (applied, the answer lost).
        :param type_name: the AWS error name a ``"Custom"`` fault answers with
            (``"AccessDeniedException"``); only with ``"Custom"``.
        :param code: the TurkErrorCode of a ``"ServiceFault"``, ``"RequestError"`` or
            ``"ParameterValidationError"`` (``"AWS.MechanicalTurk.HITDoesNotExist"``).
        :param message: the error message (default: the kind's usual one); HTTP kinds only.
        :param status: the HTTP status, 400-599 (default: the kind's usual one, 400 for
            ``"Custom"``); HTTP kinds only.
        :param times: how many attempts fail (None: every matching attempt).
        :param after: how many matching attempts pass before the first failure.
        :param when: ``when(params)`` narrows which calls match (``params``: the call's
            parameters, a dict).
        :param applied: whether the operation is applied before the failure (default: True for
            ``"ReadTimeout"`` and ``"ConnectionClosed"``, else False).
        :param required: under pytest a fault that never fired fails the test at teardown, and
            so does leaving ``with MTurkFake()`` / ``mock_mturk()`` without an exception;
            ``required=False`` for a fault that may rightly not fire.
        """
        if operation is not None:
            operation = operation_name(operation)
        _check_kind(error)
        connection = error in CONNECTION_ERRORS
        if error == "Custom":
            if not isinstance(type_name, str) or not type_name.strip():
                raise ValueError(
                    "fault kind 'Custom' needs type_name, the AWS error name to answer with "
                    "(e.g. type_name='AccessDeniedException')"
                )
        elif type_name is not None:
            raise ValueError(f"type_name goes with fault kind 'Custom' only, not {error!r}")
        if code is not None and error not in _KINDS_WITH_CODE:
            raise ValueError(
                f"code (a TurkErrorCode) goes with {', '.join(sorted(_KINDS_WITH_CODE))}, "
                f"not {error!r}"
            )
        if connection and (message is not None or status is not None):
            raise ValueError(
                f"{error!r} fails below HTTP: it has no message or status "
                "(use an HTTP fault kind such as 'ServiceFault' for those)"
            )
        if status is not None and not (_is_int(status) and 400 <= status <= 599):
            raise ValueError(f"status must be an HTTP error status (400-599), got {status!r}")
        if times is not None and not (_is_int(times) and times >= 1):
            raise ValueError(f"times must be at least 1 (or None for every attempt), got {times!r}")
        if not (_is_int(after) and after >= 0):
            raise ValueError(f"after must be an int of at least 0, got {after!r}")
        if when is not None and not callable(when):
            raise TypeError(f"when must be a callable taking the call's parameters, got {when!r}")
        if applied is None:
            applied = CONNECTION_ERRORS.get(error, False)
        fault = Fault(
            operation,
            error,
            code=code,
            message=message,
            status=status,
            times=times,
            after=after,
            when=when,
            applied=applied,
            required=required,
            type_name=type_name,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def rate_limit(self, per_second: int, operation: str | None = None) -> None:
        """Throttle (ThrottlingException "Rate exceeded") a call when ``per_second`` calls were
        let through in the second of fake time before it, per operation (``operation`` None:
        every operation, each with its own budget). Throttled attempts do not count, and
        botocore's retries wait on the fake clock, so the window moves under freezegun,
        time-machine or neither."""
        if operation is not None:
            operation = operation_name(operation)
        if not (_is_int(per_second) and per_second >= 1):
            raise ValueError(f"per_second must be an int of at least 1, got {per_second!r}")
        with self._lock:
            self._limits[operation] = per_second

    def clear(self) -> None:
        """Remove every fault and rate limit."""
        with self._lock:
            self._faults.clear()
            self._limits.clear()
            self._windows.clear()

    @property
    def active(self) -> bool:
        """Whether any fault or rate limit is set."""
        return bool(self._faults) or bool(self._limits)

    def __iter__(self) -> Iterator[Fault]:
        return iter(list(self._faults))

    def __len__(self) -> int:
        return len(self._faults)

    @property
    def unfired(self) -> list[Fault]:
        """Faults that never fired."""
        return [f for f in self._faults if f.fired == 0]

    def describe_unfired(self, *, only_required: bool = True) -> str | None:
        """The failure message for faults that never fired (None when there are none): each
        fault, then every call the fake answered."""
        missing = [f for f in self.unfired if f.required or not only_required]
        if not missing:
            return None
        return (
            "injected fault(s) never fired (add a fault that may not fire with "
            "required=False):\n"
            + "\n".join(f"  - {f.describe()}" for f in missing)
            + f"\ncalls made:\n{self.calls.describe()}"
        )

    def assert_all_fired(self, *, only_required: bool = False) -> None:
        """Every fault (or every ``required`` one) fired at least once; a failure lists the
        faults that did not and every call made."""
        __tracebackhide__ = True
        problem = self.describe_unfired(only_required=only_required)
        if problem is not None:
            raise AssertionError(problem)

    def pick(self, operation: str, params: dict[str, Any]) -> Fault | MTurkServiceError | None:
        """The fault for this attempt, if any (called by the protocol layer)."""
        limit = self._limits.get(operation, self._limits.get(None))
        if limit is not None:
            now = self._clock.time()
            with self._lock:
                window = self._windows.setdefault(operation, deque())
                # A call exactly one second ago is out of the window (to the microsecond,
                # the finest a frozen clock keeps).
                while window and window[0] <= now - 0.999_999:
                    window.popleft()
                if len(window) >= limit:
                    return ThrottlingException()
                window.append(now)
        for fault in list(self._faults):
            if fault.matches(operation, params):
                return fault
        return None
