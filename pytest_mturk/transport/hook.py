"""The botocore hook, kept tiny: importing this module must not import botocore.

``before-send.mturk`` handlers are called before the generic ``before-send`` ones (botocore emits
the most specific registration first), so the fake answers before moto's catch-all stubber.
The handler is added to ``botocore.handlers.BUILTIN_HANDLERS`` so every session created after
that gets it; if botocore is not imported yet, an import hook adds it the moment it is.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import weakref
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pytest_mturk.transport.environment import FAKE_ACCESS_KEY, FAKE_SECRET_KEY

if TYPE_CHECKING:
    from pytest_mturk.protocol import Backend

__all__ = ["EVENT", "activate", "active", "after_import", "deactivate", "install", "patch_client"]

EVENT = "before-send.mturk"
UNIQUE_ID = "pytest-mturk-before-send"

#: The backends of the fakes in force, innermost last. Only the last one answers.
active: list[Backend] = []
#: ``host:port`` of running pytest-mturk servers: requests to them really go over HTTP.
passthrough_hosts: set[str] = set()

_answer: Callable[[Backend, Any], Any] | None = None


def before_send(request: Any, **kwargs: Any) -> Any:
    """botocore ``before-send.mturk`` handler: the active fake answers; otherwise botocore sends."""
    global _answer
    if not active:
        return None
    if passthrough_hosts and request.url.split("/")[2] in passthrough_hosts:
        return None
    if _answer is None:
        # Deferred: the answering side imports the service and botocore's response classes,
        # which `import pytest_mturk` (and so pytest's start-up) must not pay for.
        from pytest_mturk.transport.botocore_glue import answer

        _answer = answer
    return _answer(active[-1], request)


def activate(backend: Backend) -> None:
    """Make ``backend`` answer every botocore mturk client (innermost wins)."""
    install()
    if backend not in active:
        active.append(backend)


def deactivate(backend: Backend) -> None:
    """Stop ``backend`` answering (botocore sends for real again when none is left)."""
    if backend in active:
        active.remove(backend)
    if not active and _supplied:
        _take_back_credentials()


def _add_to_builtins(handlers_module: ModuleType) -> None:
    builtins = handlers_module.BUILTIN_HANDLERS
    if not any(entry[1] is before_send for entry in builtins):
        builtins.append((EVENT, before_send))


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs its callbacks (``callback(module)``) right after the module ``name`` is imported,
    once. One finder per module name, however many callbacks wait for it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.callbacks: list[Callable[[ModuleType], None]] = []

    def find_spec(
        self, fullname: str, path: Any, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        _waiting.pop(self.name, None)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module
        callbacks = self.callbacks

        def exec_module(module: ModuleType) -> None:
            original(module)
            for callback in callbacks:
                callback(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


#: Module name -> the finder waiting for it to be imported.
_waiting: dict[str, _AfterImport] = {}


def after_import(name: str, callback: Callable[[ModuleType], None]) -> None:
    """Call ``callback(module)`` now if ``name`` is imported, else right after it is (every
    callback registered for a module runs, in registration order)."""
    module = sys.modules.get(name)
    if module is not None:
        callback(module)
        return
    finder = _waiting.get(name)
    if finder is None:
        finder = _waiting[name] = _AfterImport(name)
        sys.meta_path.insert(0, finder)
    finder.callbacks.append(callback)


_installed = False


def install() -> None:
    """Make every botocore session created from now on carry the handler (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    after_import("botocore.handlers", _add_to_builtins)


def patch_client(client: Any) -> Any:
    """Route an already-built botocore/boto3 ``mturk`` client through the fake.

    Clients built after ``pytest_mturk`` was imported need nothing; this is for clients built
    earlier (for example at import time of the code under test). A client that was built with
    no credentials at all signs with the fake's while a fake that supplies credentials (the
    default, ``credentials="supply"``) is active. Returns the client.
    """
    events = client.meta.events
    events.register(EVENT, before_send, unique_id=UNIQUE_ID)
    events.register("before-sign.mturk", _supply_credentials, unique_id=UNIQUE_ID + "-sign")
    return client


#: Request signers of patched clients that were given the fake's credentials.
_supplied: weakref.WeakSet[Any] = weakref.WeakSet()


def _supply_credentials(request_signer: Any = None, **kwargs: Any) -> None:
    """``before-sign`` handler of patched clients (see :func:`patch_client`)."""
    if not active or request_signer is None or not active[-1].credentials.supply:
        return
    # botocore keeps a client's credentials on its request signer; None means it found none.
    if getattr(request_signer, "_credentials", None) is None:
        # Deferred: this module must not import botocore (it is loaded by now).
        from botocore.credentials import Credentials

        request_signer._credentials = Credentials(FAKE_ACCESS_KEY, FAKE_SECRET_KEY)
        _supplied.add(request_signer)


def _take_back_credentials() -> None:
    """No fake is active any more: patched clients are credential-less again, as built."""
    for signer in list(_supplied):
        signer._credentials = None
    _supplied.clear()
