"""pytest-mturk: test code that uses boto3's ``mturk`` client against a faithful, offline fake.

The public API is exactly the names imported in the ``TYPE_CHECKING`` block below (that block is
the one list: ``__all__`` and the lazy imports are read from it). Everything else in the package
is internal, even where a module has no leading underscore. Names are imported on first use, so
that loading the pytest plugin stays cheap.
"""

from __future__ import annotations

import ast
import importlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_mturk.transport.hook import install as _install_hook

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pytest_mturk.autopilot import Autopilot as Autopilot
    from pytest_mturk.clock import Clock as Clock
    from pytest_mturk.errors import PytestMTurkWarning as PytestMTurkWarning
    from pytest_mturk.errors import WorkerActionError as WorkerActionError
    from pytest_mturk.fake import MTurkFake as MTurkFake
    from pytest_mturk.fake import mock_mturk as mock_mturk
    from pytest_mturk.faults import Fault as Fault
    from pytest_mturk.faults import Faults as Faults
    from pytest_mturk.invariants import InvariantError as InvariantError
    from pytest_mturk.ledgers import CallLog as CallLog
    from pytest_mturk.ledgers import CallRecord as CallRecord
    from pytest_mturk.ledgers import Email as Email
    from pytest_mturk.ledgers import Ledgers as Ledgers
    from pytest_mturk.ledgers import Notification as Notification
    from pytest_mturk.ledgers import Payment as Payment
    from pytest_mturk.options import FakeOptions as FakeOptions
    from pytest_mturk.persist import Snapshot as Snapshot
    from pytest_mturk.service.model import WorkerProfile as WorkerProfile
    from pytest_mturk.transport.hook import patch_client as patch_client
    from pytest_mturk.transport.server import MTurkServer as MTurkServer
    from pytest_mturk.workers import Worker as Worker
    from pytest_mturk.workers import Workers as Workers


@lru_cache(maxsize=1)
def _public() -> dict[str, str]:
    """Public name -> its module, read from the ``TYPE_CHECKING`` block of this file."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in node.body:
                if isinstance(imp, ast.ImportFrom) and imp.module is not None:
                    for alias in imp.names:
                        table[alias.asname or alias.name] = imp.module
    return table


if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name == "__all__":
            return sorted([*_public(), "__version__"])
        module = _public().get(name)
        if module is None:
            raise AttributeError(f"module 'pytest_mturk' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*globals(), *_public()])


# Every botocore session created from now on carries the fake's before-send hook (inert until a
# fake is started).
_install_hook()
