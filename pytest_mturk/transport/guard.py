"""The last line of defence: no MTurk request leaves the process while a fake is active.

Clients built after ``pytest_mturk`` was imported carry the ``before-send.mturk`` hook (and
clients built earlier can be given it with ``patch_client``). A client built before, in a
process where the plugin loaded late or outside pytest, has no hook: its requests would reach
botocore's HTTP layer and the real service. While a fake is active, this guard answers every
request that botocore is about to send with an MTurk ``X-Amz-Target`` (whatever the host) from
the active fake instead, exactly as the hook would have. Requests to a pytest-mturk server in
this process go through, as with the hook.

The guard wraps ``botocore.endpoint.Endpoint._send`` (the one method every botocore endpoint
sends through, below the retry loop, so retries and faults behave as with the hook). It is
installed when the first fake starts and is inert whenever no fake is active.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from pytest_mturk.protocol import TARGET_PREFIX, header
from pytest_mturk.transport import hook

__all__ = ["fake_answer", "install", "is_mturk_request"]

_installed = False


def is_mturk_request(request: Any) -> bool:
    """Whether a botocore request is a call of the MTurk requester API."""
    target = header(request.headers, "X-Amz-Target")
    return target is not None and target.startswith(TARGET_PREFIX)


def fake_answer(request: Any) -> Any:
    """The active fake's answer to an MTurk request headed for the network, or None (no fake
    active, not an MTurk request, or one for a pytest-mturk server in this process)."""
    if not hook.active or not is_mturk_request(request):
        return None
    if request.url.split("/")[2] in hook.passthrough_hosts:
        return None
    # Deferred as in hook.before_send: the answering side imports botocore and the service,
    # which importing the fake must not pay for.
    from pytest_mturk.transport.botocore_glue import answer

    return answer(hook.active[-1], request)


def _patch(endpoint_module: ModuleType) -> None:
    endpoint_class = endpoint_module.Endpoint
    original = endpoint_class._send
    if getattr(original, "_pytest_mturk", False):
        return

    def _send(self: Any, request: Any) -> Any:
        response = fake_answer(request)
        return original(self, request) if response is None else response

    _send.__wrapped__ = original  # type: ignore[attr-defined]
    _send._pytest_mturk = True  # type: ignore[attr-defined]
    endpoint_class._send = _send


def install() -> None:
    """Guard botocore's HTTP layer from now on (idempotent)."""
    global _installed
    if not _installed:
        _installed = True
        hook.after_import("botocore.endpoint", _patch)
