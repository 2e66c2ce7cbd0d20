"""botocore's retry backoff, on the fake clock, for the attempts the fake answered.

botocore waits between attempts in ``Endpoint._needs_retry``: the retry handler (legacy or
standard mode) answers the ``needs-retry`` event with a delay, and the endpoint calls
``time.sleep(delay)``. Two small patches make that wait advance the fake clock instead, and only
for an attempt the fake answered, only in the thread that made it:

* ``Endpoint._needs_retry`` is wrapped: when the attempt's response (or the connection error
  raised for it) came from the fake, the fake's backend is noted for this thread while botocore
  decides;
* the ``time`` that ``botocore.endpoint`` sleeps with is a stand-in whose ``sleep`` advances the
  noted fake's clock, and is ``time.sleep`` itself (looked up at call time) otherwise.

Every other wait (real AWS calls, other threads, a fake with ``real_retry_sleep=True``) sleeps as
botocore would. Installed once, on the fake's first answer; inert while no fake answers.
"""

from __future__ import annotations

import threading
import time as _time
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pytest_mturk.protocol import Backend

__all__ = ["MARK", "answered_by", "install", "mark"]

#: The attribute that ties a response or a connection error to the backend that answered it.
MARK = "_pytest_mturk_backend"

_answered = threading.local()
T = TypeVar("T")


def mark(obj: T, backend: Backend) -> T:
    """Note that ``backend`` answered with ``obj`` (an ``AWSResponse`` or an exception)."""
    setattr(obj, MARK, backend)
    return obj


def answered_by(response: Any, caught_exception: Any) -> Backend | None:
    if response is not None:
        return getattr(response[0], MARK, None)  # (http_response, parsed)
    if caught_exception is not None:
        return getattr(caught_exception, MARK, None)
    return None


class _EndpointTime:
    """The ``time`` module as ``botocore.endpoint`` sees it: ``sleep`` is the fake's for the
    attempts it answered, everything else is the ``time`` module's own."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        backend: Backend | None = getattr(_answered, "backend", None)
        if backend is None:
            _time.sleep(seconds)  # looked up now: fast sleep and monkeypatches apply
            return
        _answered.backend = None
        backend.service.clock.advance(seconds)


_installed = False


def install() -> None:
    """Patch botocore's endpoint (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    # Deferred: this runs on the fake's first answer, when botocore is loaded anyway.
    import botocore.endpoint as endpoint

    original = endpoint.Endpoint._needs_retry

    def _needs_retry(self: Any, *args: Any, **kwargs: Any) -> Any:
        # botocore calls it as (attempts, operation_model, request_dict, response, exception).
        response = args[3] if len(args) > 3 else kwargs.get("response")
        caught = args[4] if len(args) > 4 else kwargs.get("caught_exception")
        backend = answered_by(response, caught)
        if backend is None or backend.service.options.real_retry_sleep:
            return original(self, *args, **kwargs)
        _answered.backend = backend
        try:
            return original(self, *args, **kwargs)
        finally:
            _answered.backend = None

    _needs_retry.__wrapped__ = original  # type: ignore[attr-defined]
    endpoint.Endpoint._needs_retry = _needs_retry
    endpoint.time = _EndpointTime()
