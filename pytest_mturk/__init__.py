"""pytest-mturk: test code that uses boto3's ``mturk`` client against a faithful, offline fake.

Public names are imported lazily so that loading the pytest plugin stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_mturk._hook import install as _install_hook
from pytest_mturk._hook import patch_client

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pytest_mturk.clock import Clock
    from pytest_mturk.errors import WorkerActionError
    from pytest_mturk.fake import CallRecord, MTurkFake, PytestMTurkWarning, mock_mturk
    from pytest_mturk.ledgers import Email, Notification, Payment
    from pytest_mturk.workers import Worker, Workers

__all__ = [
    "CallRecord",
    "Clock",
    "Email",
    "MTurkFake",
    "Notification",
    "Payment",
    "PytestMTurkWarning",
    "Worker",
    "WorkerActionError",
    "Workers",
    "__version__",
    "mock_mturk",
    "patch_client",
]

_LAZY = {
    "CallRecord": "pytest_mturk.fake",
    "MTurkFake": "pytest_mturk.fake",
    "PytestMTurkWarning": "pytest_mturk.fake",
    "mock_mturk": "pytest_mturk.fake",
    "Clock": "pytest_mturk.clock",
    "WorkerActionError": "pytest_mturk.errors",
    "Email": "pytest_mturk.ledgers",
    "Notification": "pytest_mturk.ledgers",
    "Payment": "pytest_mturk.ledgers",
    "Worker": "pytest_mturk.workers",
    "Workers": "pytest_mturk.workers",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_mturk' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


# Every botocore session created from now on carries the fake's before-send hook (inert until a
# fake is started).
_install_hook()
