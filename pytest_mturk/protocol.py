"""The wire format: JSON 1.1 requests in, JSON responses or AWS error envelopes out.

Transport-independent: the botocore hook and the HTTP server both call :func:`handle` with a
:class:`Backend` (the service and what surrounds it: faults, the credential policy, the call
log) and the request's headers, body and host, and send back what it returns. Nothing here
knows the user's handle (``MTurkFake``).
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, Protocol

from pytest_mturk.errors import (
    MissingAuthenticationTokenException,
    MTurkServiceError,
    NotSupportedByFake,
    PytestMTurkWarning,
    SerializationException,
    ServiceFault,
    UnknownOperationException,
    UnrecognizedClientException,
)
from pytest_mturk.faults import Faults, TransportFault
from pytest_mturk.ledgers import CallLog, CallRecord
from pytest_mturk.service import ALL_OPERATIONS, OPERATIONS, Service
from pytest_mturk.service.render import encode
from pytest_mturk.validation import validate_input

log = logging.getLogger("pytest_mturk")

TARGET_PREFIX = "MTurkRequesterServiceV20170117."
CONTENT_TYPE = "application/x-amz-json-1.1"
SANDBOX_PREFIX = "mturk-requester-sandbox."
PRODUCTION_PREFIX = "mturk-requester."
#: The real endpoints' hosts (botocore's endpoints.json).
HOSTS = {
    "sandbox": "mturk-requester-sandbox.us-east-1.amazonaws.com",
    "production": "mturk-requester.us-east-1.amazonaws.com",
}
SANDBOX_URL = f"https://{HOSTS['sandbox']}"
PRODUCTION_URL = f"https://{HOSTS['production']}"

# Real access key ids are 16-128 upper-case letters and digits (IAM AccessKeyId); moto's fake
# keys are accepted too, so the two fakes work together. See docs/fidelity.md.
_ACCESS_KEY = re.compile(r"[A-Z0-9]{16,128}")
WELL_KNOWN_TEST_KEYS = frozenset({"FOOBARKEY", "testing"})


def environment_of(host: str) -> tuple[str, bool]:
    """(environment name, is sandbox) for a request's host.

    Every ``mturk-requester-sandbox.<region>...`` host is the sandbox and every
    ``mturk-requester.<region>.amazonaws.com`` host production; any other endpoint is a world of
    its own that behaves as the sandbox.
    """
    host = host.lower()
    if host.startswith(SANDBOX_PREFIX):
        return "sandbox", True
    if host.startswith(PRODUCTION_PREFIX) and ".amazonaws.com" in host:
        return "production", False
    return host, True


def access_key_of(authorization: str | None) -> str | None:
    """The access key id of a SigV4 ``Authorization`` header."""
    if not authorization:
        return None
    start = authorization.find("Credential=")
    if start < 0:
        return None
    start += 11
    end = authorization.find("/", start)
    return authorization[start:end] if end > start else None


class CredentialPolicy:
    """Which access key ids the fake accepts (the rest get ``UnrecognizedClientException``).

    Accepted: keys shaped like IAM's, moto's test keys (unless ``strict``), and any key given to
    ``allow``. The first refusal of each key warns (``PytestMTurkWarning``) saying how to allow it.
    """

    __slots__ = ("_refused", "allowed", "strict", "supply")

    def __init__(self, strict: bool = False, supply: bool = True) -> None:
        self.strict = strict
        #: Whether code without credentials gets the fake's (``credentials="supply"``).
        self.supply = supply
        self.allowed: set[str] = set()
        self._refused: set[str] = set()

    def allow(self, key: str) -> None:
        """Accept ``key`` as a known access key id even though it is not shaped like one."""
        self.allowed.add(key)

    def acceptable(self, key: str) -> bool:
        if key in self.allowed:
            return True
        if not self.strict and key in WELL_KNOWN_TEST_KEYS:
            return True
        return _ACCESS_KEY.fullmatch(key) is not None

    def refused(self, key: str) -> None:
        if key not in self._refused:
            self._refused.add(key)
            warnings.warn(
                f"pytest-mturk refused the access key id {key!r} as real AWS would "
                "(UnrecognizedClientException). To accept it, use fake.allow_access_key(key) "
                "or the option strict_credentials=False with an IAM-shaped key.",
                PytestMTurkWarning,
                stacklevel=4,
            )


@dataclass(slots=True)
class Backend:
    """Everything a transport answers with: the service, the injected faults, the credential
    policy, the call log, and the internal errors turned into ServiceFaults (which the pytest
    plugin reports as failures)."""

    service: Service
    faults: Faults
    credentials: CredentialPolicy
    calls: CallLog = field(default_factory=CallLog)
    internal_errors: list[BaseException] = field(default_factory=list)


_date_second = -1
_date_text = ""


def http_date(ts: float) -> str:
    """An HTTP ``Date`` header for ``ts`` (epoch seconds), formatted once per second."""
    global _date_second, _date_text
    second = int(ts)
    if second != _date_second:
        _date_text = formatdate(second, usegmt=True)
        _date_second = second
    return _date_text


def request_id(service: Service) -> str:
    """A fresh ``x-amzn-RequestId`` (a UUID, repeatable under the fake's seed)."""
    h = service.hex_id(32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _error(exc: MTurkServiceError, now_ms: int) -> tuple[int, bytes]:
    return exc.status, encode(exc.body(now_ms))


class Headers(Protocol):
    """Anything with a case-insensitive or exact ``get`` (botocore headers, http.server's)."""

    def get(self, name: str, default: Any = None, /) -> Any: ...


def header(headers: Headers, name: str) -> str | None:
    """A header as text, whatever its case and whether botocore holds it as bytes."""
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return None if value is None else str(value)


def _non_standard(token: str) -> Any:
    raise SerializationException(f"Non-standard token '{token}': JSON numbers are finite.")


def parse_body(body: bytes | str | None) -> dict[str, Any]:
    """A request body as the JSON object it must be, or ``SerializationException``.

    Python's parser takes more than JSON does: ``NaN`` and ``Infinity`` are refused, and so is
    nesting deeper than the parser can follow (a ``RecursionError``). A number too large for a
    float (``1e400``) reads as infinity, which the input checks refuse where a number is due.
    """
    if not body:
        return {}
    try:
        # One decoder for every request: json.loads(..., parse_constant=...) would build a new
        # decoder and scanner per call, a cost every operation paid.
        text = (
            body
            if isinstance(body, str)
            else body.decode(json.detect_encoding(body), "surrogatepass")
        )
        params = _DECODER.decode(text)
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:  # malformed JSON, undecodable bytes, too many digits
        raise SerializationException("Start of structure or map found where not expected.") from exc
    if not isinstance(params, dict):
        raise SerializationException("Start of structure or map found where not expected.")
    # How deep the parser goes depends on the Python version (3.12+ follows thousands of
    # levels); MTurk's deepest input is 6 levels, so anything past MAX_DEPTH is refused the same
    # way everywhere. Counting brackets (in C) first keeps ordinary requests free of the walk.
    if text.count("[") + text.count("{") > MAX_DEPTH and _deeper_than(params, MAX_DEPTH):
        raise _too_deep()
    return params


_DECODER = json.JSONDecoder(parse_constant=_non_standard)


def _too_deep() -> SerializationException:
    return SerializationException(
        "The document is nested too deeply to be read as the operation's input."
    )


#: The deepest nesting of objects and lists a request may have (MTurk's inputs need 6).
MAX_DEPTH = 32


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects and lists more than ``limit`` levels (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return False


def handle(
    backend: Backend, headers: Headers, body: bytes | str | None, host: str
) -> tuple[int, bytes, str | None]:
    """Answer one request: (HTTP status, JSON body, operation name or None). Records the call.

    Raises :class:`~pytest_mturk.faults.TransportFault` for an injected connection-level fault
    (each transport turns it into its own failure).
    """
    service = backend.service
    faults = backend.faults
    target = header(headers, "X-Amz-Target")
    operation: str | None = None
    params: Any = {}
    key: str | None = None
    env_name: str | None = None
    status, payload, error = 200, b"", None
    try:
        if not target or not target.startswith(TARGET_PREFIX):
            raise UnknownOperationException()
        operation = target[len(TARGET_PREFIX) :]
        if operation not in OPERATIONS:
            if operation in ALL_OPERATIONS:
                raise NotSupportedByFake(operation)
            operation = None
            raise UnknownOperationException()
        key = access_key_of(header(headers, "Authorization"))
        if key is None:
            raise MissingAuthenticationTokenException()
        if not backend.credentials.acceptable(key):
            backend.credentials.refused(key)
            raise UnrecognizedClientException()
        env_name, is_sandbox = environment_of(host)
        params = parse_body(body)
        injected = faults.pick(operation, params) if faults.active else None
        if isinstance(injected, MTurkServiceError):  # a rate limit
            raise injected
        if injected is not None and not injected.applied:
            if injected.connection_level:
                raise TransportFault(injected.error)
            raise injected.service_error()
        params = validate_input(operation, params)
        result = service.call(operation, env_name, is_sandbox, key, params)
        payload = result if isinstance(result, bytes) else encode(result)
        if injected is not None:  # applied, and the answer is lost
            if injected.connection_level:
                raise TransportFault(injected.error)
            raise injected.service_error()
    except TransportFault as exc:
        _record(backend, headers, operation, params, 0, exc.kind, None, env_name, key)
        raise
    except MTurkServiceError as exc:
        error = exc
        status, payload = _error(exc, int(service.now() * 1000))
    except Exception as exc:  # never a traceback for input a user could send
        log.exception("pytest-mturk: internal error answering %s", operation)
        backend.internal_errors.append(exc)
        error = ServiceFault()
        status, payload = _error(error, int(service.now() * 1000))
    _record(
        backend,
        headers,
        operation,
        params,
        status,
        None if error is None else error.type_name.rsplit("#", 1)[-1],
        getattr(error, "turk_error_code", None),
        env_name,
        key,
    )
    return status, payload, operation


def _record(
    backend: Backend,
    headers: Headers,
    operation: str | None,
    params: Any,
    status: int,
    error_code: str | None,
    turk_error_code: str | None,
    env_name: str | None,
    key: str | None,
) -> None:
    backend.calls.append(
        CallRecord(
            operation,
            params if isinstance(params, dict) else {},
            status,
            error_code,
            turk_error_code,
            header(headers, "amz-sdk-request") or "",
            backend.service.clock.time(),
            env_name,
            key,
        )
    )
