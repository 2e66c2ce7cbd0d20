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
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

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


def _add_to_builtins(handlers_module: ModuleType) -> None:
    builtins = handlers_module.BUILTIN_HANDLERS
    if not any(entry[1] is before_send for entry in builtins):
        builtins.append((EVENT, before_send))


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``callback(module)`` right after the module ``name`` is imported, once."""

    def __init__(self, name: str, callback: Callable[[ModuleType], None]) -> None:
        self.name = name
        self.callback = callback

    def find_spec(
        self, fullname: str, path: Any, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module
        callback = self.callback

        def exec_module(module: ModuleType) -> None:
            original(module)
            callback(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def after_import(name: str, callback: Callable[[ModuleType], None]) -> None:
    """Call ``callback(module)`` now if ``name`` is imported, else right after it is."""
    module = sys.modules.get(name)
    if module is not None:
        callback(module)
    else:
        sys.meta_path.insert(0, _AfterImport(name, callback))


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
    earlier (for example at import time of the code under test). Returns the client.
    """
    client.meta.events.register(EVENT, before_send, unique_id=UNIQUE_ID)
    return client
