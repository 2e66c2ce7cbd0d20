"""The error families the real MTurk requester API answers with.

Each exception here is what the *service* raises; the protocol layer turns it into the JSON error
envelope botocore parses, so user code sees the real exception classes. The families, as real
responses quoted in public issues show them (docs/fidelity.md and the catalogue,
``pytest_mturk/service/errors.py``, cite each):

* ``RequestError`` (HTTP 400, ``Message`` + ``TurkErrorCode``): MTurk business errors.
* ``ParameterValidationError`` (HTTP 400, ``Parameter`` + ``TurkErrorCode``): out-of-range values.
* ``ValidationException`` (HTTP 400, Coral front end): max length, pattern, enum, null members.
* ``ServiceFault`` (HTTP 5xx): internal failures; botocore retries them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

__all__ = [
    "MTurkServiceError",
    "MissingAuthenticationTokenException",
    "NotSupportedByFake",
    "ParameterValidationError",
    "PytestMTurkWarning",
    "RequestError",
    "SerializationException",
    "ServiceFault",
    "ThrottlingException",
    "UnknownOperationException",
    "UnrecognizedClientException",
    "ValidationException",
    "WorkerActionError",
]


class PytestMTurkWarning(UserWarning):
    """Something about how the fake is used that is worth a look."""


#: How the trailing server timestamp of a message is written: ``(1624047673969)`` or
#: ``(1567366957231 s)``. Both occur in real 2017-API messages (aws/aws-cli#6116, boto/boto3#2107).
Stamp = Literal["ms", "ms s", "none"]


class MTurkServiceError(Exception):
    """Base of every error the fake service answers with (never raised to user code directly)."""

    type_name: ClassVar[str] = "ServiceError"
    status: int = 400

    def __init__(self, message: str, *, stamp: Stamp = "ms") -> None:
        super().__init__(message)
        self.message = message
        self.stamp: Stamp = stamp

    def full_message(self, now_ms: int) -> str:
        """The message as the service writes it, with its trailing millisecond timestamp."""
        if self.stamp == "none":
            return self.message
        if self.stamp == "ms s":
            return f"{self.message} ({now_ms} s)"
        return f"{self.message} ({now_ms})"

    def body(self, now_ms: int) -> dict[str, Any]:
        """The JSON error body."""
        return {"__type": self.type_name, "Message": self.full_message(now_ms)}


class RequestError(MTurkServiceError):
    """``RequestError``: an MTurk business rule said no (``client.exceptions.RequestError``)."""

    type_name = "RequestError"

    def __init__(self, message: str, code: str, *, stamp: Stamp = "ms") -> None:
        super().__init__(message, stamp=stamp)
        self.turk_error_code = code

    def body(self, now_ms: int) -> dict[str, Any]:
        return {
            "__type": self.type_name,
            "Message": self.full_message(now_ms),
            "TurkErrorCode": self.turk_error_code,
        }


class ParameterValidationError(MTurkServiceError):
    """``ParameterValidationError``: a value out of its range (a generic ``ClientError``)."""

    type_name = "ParameterValidationError"

    def __init__(
        self,
        message: str,
        parameter: str | None = None,
        code: str = "AWS.ParameterOutOfRange",
        *,
        stamp: Stamp = "ms s",
    ) -> None:
        super().__init__(message, stamp=stamp)
        self.parameter = parameter
        self.turk_error_code = code

    def body(self, now_ms: int) -> dict[str, Any]:
        out: dict[str, Any] = {"__type": self.type_name, "Message": self.full_message(now_ms)}
        if self.parameter is not None:
            out["Parameter"] = self.parameter
        out["TurkErrorCode"] = self.turk_error_code
        return out


class ValidationException(MTurkServiceError):
    """Coral front-end model validation (``ValidationException``): no timestamp, lowercase key."""

    type_name = "com.amazon.coral.validate#ValidationException"

    def __init__(self, problems: list[str]) -> None:
        n = len(problems)
        noun = "error" if n == 1 else "errors"
        super().__init__(f"{n} validation {noun} detected: " + "; ".join(problems), stamp="none")
        self.problems = problems

    def body(self, now_ms: int) -> dict[str, Any]:
        return {"__type": self.type_name, "message": self.message}


class ServiceFault(MTurkServiceError):
    """``ServiceFault``: an internal failure (HTTP 500); botocore retries it."""

    type_name = "ServiceFault"
    status = 500

    def __init__(
        self,
        message: str = "We are temporarily unable to process your request. Try your call again.",
        *,
        status: int = 500,
        code: str = "AWS.ServiceUnavailable",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.turk_error_code = code

    def body(self, now_ms: int) -> dict[str, Any]:
        return {
            "__type": self.type_name,
            "Message": self.full_message(now_ms),
            "TurkErrorCode": self.turk_error_code,
        }


class _CoralError(MTurkServiceError):
    """Errors of the AWS front end itself, shaped as every AWS JSON service shapes them."""

    def __init__(self, message: str | None) -> None:
        super().__init__(message or "", stamp="none")
        self.raw_message = message

    def body(self, now_ms: int) -> dict[str, Any]:
        out: dict[str, Any] = {"__type": self.type_name}
        if self.raw_message is not None:
            out["message"] = self.raw_message
        return out


class ThrottlingException(_CoralError):
    """``ThrottlingException: Rate exceeded`` (HTTP 400); botocore retries it."""

    type_name = "ThrottlingException"

    def __init__(self, message: str = "Rate exceeded") -> None:
        super().__init__(message)


class UnrecognizedClientException(_CoralError):
    """The access key id is not one AWS knows."""

    type_name = "com.amazon.coral.service#UnrecognizedClientException"

    def __init__(self) -> None:
        super().__init__("The security token included in the request is invalid.")


class MissingAuthenticationTokenException(_CoralError):
    """A request that carries no SigV4 signature at all."""

    type_name = "com.amazon.coral.service#MissingAuthenticationTokenException"

    def __init__(self) -> None:
        super().__init__("Missing Authentication Token")


class UnknownOperationException(_CoralError):
    """An ``X-Amz-Target`` that names no operation (or none at all)."""

    type_name = "com.amazon.coral.service#UnknownOperationException"

    def __init__(self) -> None:
        super().__init__(None)


class SerializationException(_CoralError):
    """A body that is not a JSON object of the operation's input shape."""

    type_name = "com.amazon.coral.service#SerializationException"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)


class NotSupportedByFake(MTurkServiceError):
    """An operation of the real API that this version of pytest-mturk does not answer."""

    type_name = "NotSupportedByPytestMTurk"

    def __init__(self, operation: str) -> None:
        super().__init__(
            f"The operation {operation} is not yet supported by pytest-mturk "
            "(see docs/coverage.md).",
            stamp="none",
        )


class WorkerActionError(Exception):
    """A simulated worker could not do what the test asked, for the reason MTurk would give.

    Raised by :class:`pytest_mturk.Worker` methods (``accept``, ``submit``,
    ``request_qualification``, ...). ``reason`` is a short machine-readable word:
    ``"not_found"``, ``"not_assignable"``, ``"expired"``, ``"full"``, ``"already_accepted"``,
    ``"blocked"``, ``"requirement"``, ``"state"``, ``"answers"``, and for qualification requests
    ``"not_requestable"``, ``"inactive"``, ``"no_retake"``, ``"retry_delay"``,
    ``"test_duration"``; ``"question_form"`` from ``worker.open`` (a QuestionForm HIT has no
    page of its own).
    """

    def __init__(self, message: str, reason: str = "refused") -> None:
        super().__init__(message)
        self.reason = reason
