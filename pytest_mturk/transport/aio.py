"""aiobotocore's async clients, answered in process by the same hook as botocore's.

aiobotocore sessions carry botocore's builtin handlers, so the fake's ``before-send.mturk`` hook
answers their requests too; its response's ``content`` can be awaited
(``botocore_glue.FakeAWSResponse``). Two patches, installed when
aiobotocore is imported and inert while no fake answers, give async clients what the sync ones
have:

* retry backoff on the fake clock: ``AioEndpoint._needs_retry`` notes (in a context variable)
  that the attempt was the fake's, and ``AioEndpoint._sleep`` then advances that fake's clock
  instead of ``asyncio.sleep`` (unless ``real_retry_sleep=True``);
* the guard: an async client built before ``pytest_mturk`` was imported is answered by the
  active fake instead of reaching the network (as :mod:`pytest_mturk.transport.guard` does for
  botocore).
"""

from __future__ import annotations

import contextvars
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pytest_mturk.transport import backoff, guard, hook

if TYPE_CHECKING:
    from pytest_mturk.protocol import Backend

__all__ = ["install"]

_answered: contextvars.ContextVar[Backend | None] = contextvars.ContextVar(
    "pytest_mturk_aio_answered", default=None
)
_installed = False


def _patch(endpoint_module: ModuleType) -> None:
    endpoint_class = endpoint_module.AioEndpoint
    if getattr(endpoint_class._needs_retry, "_pytest_mturk", False):
        return
    needs_retry = endpoint_class._needs_retry
    sleep = endpoint_class._sleep
    send = endpoint_class._send

    async def _needs_retry(self: Any, *args: Any, **kwargs: Any) -> Any:
        # aiobotocore calls it as (attempts, operation_model, request_dict, response, exception).
        response = args[3] if len(args) > 3 else kwargs.get("response")
        caught = args[4] if len(args) > 4 else kwargs.get("caught_exception")
        backend = backoff.answered_by(response, caught)
        if backend is None or backend.service.options.real_retry_sleep:
            return await needs_retry(self, *args, **kwargs)
        token = _answered.set(backend)
        try:
            return await needs_retry(self, *args, **kwargs)
        finally:
            _answered.reset(token)

    async def _sleep(self: Any, seconds: float) -> None:
        backend = _answered.get()
        if backend is None:
            await sleep(self, seconds)
        else:
            _answered.set(None)
            backend.service.clock.advance(seconds)

    async def _send(self: Any, request: Any) -> Any:
        response = guard.fake_answer(request)
        return await send(self, request) if response is None else response

    patched: tuple[Any, ...] = (_needs_retry, _sleep, _send)
    for fn in patched:
        fn._pytest_mturk = True
    endpoint_class._needs_retry = _needs_retry
    endpoint_class._sleep = _sleep
    endpoint_class._send = _send


def install() -> None:
    """Patch aiobotocore's endpoint when (or if) it is imported (idempotent)."""
    global _installed
    if not _installed:
        _installed = True
        hook.after_import("aiobotocore.endpoint", _patch)
