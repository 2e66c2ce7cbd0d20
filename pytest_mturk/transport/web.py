"""The plain-HTTP edges for ``requests``: while a fake is active, requests for the worker site's
externalSubmit, the HTMLQuestion page and GetFileUploadURL URLs are answered in process by
:mod:`pytest_mturk.service.worker_site`.

The hook wraps ``requests.Session.get_adapter``: requests for these few URLs get an adapter of
ours, everything else the adapter ``requests`` would have chosen. ``responses`` (and moto) patch
``HTTPAdapter.send``, which our URLs never reach, so a test's own ``responses`` mocks, active or
not, neither see nor block them. See docs/architecture.md.
"""

from __future__ import annotations

import io
import threading
from http import HTTPStatus
from types import ModuleType
from typing import Any

from pytest_mturk.service import Service
from pytest_mturk.service.worker_site import answer, handles
from pytest_mturk.transport import hook

__all__ = ["install"]

_lock = threading.Lock()


def _services() -> list[Service]:
    """The active fakes' services, innermost first."""
    return [backend.service for backend in reversed(hook.active)]


_adapter: Any = None


def _make_adapter() -> Any:
    # Deferred: requests is not a dependency; this runs only once it is imported and used.
    from requests.adapters import HTTPAdapter
    from urllib3.response import HTTPResponse

    class FakeSiteAdapter(HTTPAdapter):
        """Answers the fake's URLs in process (its own ``send``: never ``HTTPAdapter.send``)."""

        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            raw_body = request.body
            if raw_body is None:
                data = b""
            elif isinstance(raw_body, str):
                data = raw_body.encode("utf-8")
            elif isinstance(raw_body, bytes):
                data = raw_body
            elif hasattr(raw_body, "read"):
                data = raw_body.read()
            else:  # an iterable of chunks
                data = b"".join(c if isinstance(c, bytes) else str(c).encode() for c in raw_body)
            status, headers, body = answer(
                _services(), request.method or "GET", request.url or "", dict(request.headers), data
            )
            if (request.method or "").upper() == "HEAD":
                headers = {**headers, "Content-Length": str(len(body))}
                body = b""
            else:
                headers.setdefault("Content-Length", str(len(body)))
            raw = HTTPResponse(
                body=io.BytesIO(body),
                headers=headers,
                status=status,
                reason=HTTPStatus(status).phrase,
                preload_content=False,
                decode_content=False,
            )
            return self.build_response(request, raw)

    return FakeSiteAdapter()


def _patch_requests(sessions: ModuleType) -> None:
    """Wrap ``requests.Session.get_adapter`` once per process; inert while no fake is active."""
    session_class = sessions.Session
    original = session_class.get_adapter
    if getattr(original, "_pytest_mturk", False):
        return

    def get_adapter(self: Any, url: str) -> Any:
        global _adapter
        if hook.active and handles(url):
            with _lock:
                if _adapter is None:
                    _adapter = _make_adapter()
            return _adapter
        return original(self, url)

    get_adapter.__wrapped__ = original  # type: ignore[attr-defined]
    get_adapter._pytest_mturk = True  # type: ignore[attr-defined]
    session_class.get_adapter = get_adapter


_watching = False


def install() -> None:
    """Answer the fake's URLs for ``requests`` from now on (idempotent; inert while no fake is
    active). Patches ``requests`` when it is imported, or now if it already is."""
    global _watching
    if not _watching:
        _watching = True
        hook.after_import("requests.sessions", _patch_requests)
