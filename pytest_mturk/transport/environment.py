"""The process environment while a fake is on: credentials botocore can find, no probing of the
instance-metadata address, a default region, boto3's default session dropped so the next
``boto3.client`` sees all of it, and botocore's JSON models loaded once for all the sessions
made while a fake is on (see :class:`SharedModels`)."""

from __future__ import annotations

import copy
import os
import sys
import threading
from typing import Any

__all__ = [
    "FAKE_ACCESS_KEY",
    "FAKE_SECRET_KEY",
    "EnvironmentPatch",
    "SharedModels",
    "fresh_boto3_default_session",
    "has_own_credentials",
    "reset_boto3_default_session",
    "shared_models",
]

#: The access key the fake supplies when the user has no AWS credentials of their own.
FAKE_ACCESS_KEY = "AKIAPYTESTMTURK00000"
FAKE_SECRET_KEY = "pytest-mturk-fake-secret-access-key"


def has_own_credentials() -> bool:
    """Whether the user configured AWS credentials botocore would find without the fake."""
    env = os.environ
    if env.get("AWS_ACCESS_KEY_ID") or env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE"):
        return True
    if env.get("AWS_WEB_IDENTITY_TOKEN_FILE") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        return True
    if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        return True
    shared = env.get("AWS_SHARED_CREDENTIALS_FILE", os.path.join("~", ".aws", "credentials"))
    return os.path.exists(os.path.expanduser(shared))


class EnvironmentPatch:
    """Fake credentials (unless the user has their own, or ``supply_credentials`` is False), no
    metadata probing, a default region.

    ``apply()`` sets them and ``restore()`` puts every variable back as it was.
    """

    def __init__(self, *, supply_credentials: bool = True) -> None:
        self._saved: dict[str, str | None] = {}
        self.supply_credentials = supply_credentials

    def apply(self) -> None:
        if self.supply_credentials:
            if not has_own_credentials():
                self._set("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
                self._set("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
                self._set("AWS_SESSION_TOKEN", None)
        elif os.environ.get("AWS_ACCESS_KEY_ID") == FAKE_ACCESS_KEY:
            # Credentials are required: take away the ones a wider patch supplied (the pytest
            # plugin's, for the session), so code without its own meets NoCredentialsError.
            self._set("AWS_ACCESS_KEY_ID", None)
            self._set("AWS_SECRET_ACCESS_KEY", None)
            self._set("AWS_SESSION_TOKEN", None)
        # Never probe the instance-metadata address for credentials or region.
        self._set("AWS_EC2_METADATA_DISABLED", "true")
        if not os.environ.get("AWS_DEFAULT_REGION") and not os.environ.get("AWS_REGION"):
            self._set("AWS_DEFAULT_REGION", "us-east-1")

    def _set(self, key: str, value: str | None) -> None:
        if key not in self._saved:
            self._saved[key] = os.environ.get(key)
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value

    def restore(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()


def reset_boto3_default_session() -> None:
    """Drop boto3's default session so the next ``boto3.client`` resolves credentials afresh;
    once no fake is on, boto3 makes its default sessions itself again."""
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        setattr(boto3, "DEFAULT_SESSION", None)  # noqa: B010 (a module found at run time)
        if not shared_models.in_use:
            _put_back_setup_default_session()


class _SessionTemplate:
    """Fresh botocore sessions without re-registering botocore's ~150 builtin handlers each time.

    A new ``botocore.session.Session`` spends most of its construction registering the builtin
    handlers into a new event emitter. The template registers them once into an emitter of its
    own; each fresh session gets a copy of it (``copy.copy`` of a ``HierarchicalEmitter``, as
    botocore itself does for every client) and ``include_builtin_handlers=False``. A session made
    this way is a new session in every other respect (credentials, config, region, its own
    emitter). The template is rebuilt whenever botocore's builtin handler list changes (moto
    appends its stubber to it when imported).
    """

    def __init__(self) -> None:
        self._emitter: Any = None
        self._builtins: tuple[Any, ...] = ()

    def new_session(self) -> Any:
        # Deferred: botocore is imported only once a fake starts, never by `import pytest_mturk`.
        import botocore.handlers
        import botocore.hooks
        import botocore.session

        builtins = tuple(botocore.handlers.BUILTIN_HANDLERS)
        if self._emitter is None or builtins != self._builtins:
            emitter = botocore.hooks.HierarchicalEmitter()
            botocore.session.Session(event_hooks=emitter)  # registers the builtins into it
            self._emitter, self._builtins = emitter, builtins
        return botocore.session.Session(
            event_hooks=copy.copy(self._emitter), include_builtin_handlers=False
        )


_template = _SessionTemplate()


def fresh_boto3_default_session() -> None:
    """Drop boto3's default session; the one boto3 makes next comes from the template.

    What the next ``boto3.client(...)`` uses is a session made after the fake's environment was
    applied, exactly as if boto3 had made it then; only cheaper. It is made when boto3 asks for
    it (``boto3.setup_default_session()`` with no arguments, which boto3 calls for the first
    ``boto3.client`` or ``boto3.resource``), so a test that never uses boto3's default session
    does not pay for one. A ``boto3.setup_default_session(...)`` with arguments is boto3's own.
    """
    boto3 = sys.modules.get("boto3")
    if boto3 is None:
        return  # boto3 makes its default session on first use, with the shared models
    setattr(boto3, "DEFAULT_SESSION", None)  # noqa: B010 (a module found at run time)
    current = boto3.setup_default_session
    if current.__name__ == _LAZY:
        return  # already boto3's way to the template
    original = current

    def setup_default_session(**kwargs: Any) -> None:
        if kwargs or not shared_models.in_use:
            original(**kwargs)
            return
        session = boto3.session.Session(botocore_session=_template.new_session())
        setattr(boto3, "DEFAULT_SESSION", session)  # noqa: B010

    setup_default_session.__name__ = _LAZY
    setup_default_session.__wrapped__ = original  # type: ignore[attr-defined]
    setup_default_session.__doc__ = original.__doc__
    setattr(boto3, "setup_default_session", setup_default_session)  # noqa: B010


_LAZY = "setup_default_session_from_template"


def _put_back_setup_default_session() -> None:
    boto3 = sys.modules.get("boto3")
    current = getattr(boto3, "setup_default_session", None)
    if current is not None and current.__name__ == _LAZY:
        boto3.setup_default_session = current.__wrapped__  # type: ignore[union-attr]


class SharedModels:
    """One botocore data loader for every botocore session created while a fake is on.

    Activation drops boto3's default session, so each test's first ``boto3.client("mturk")``
    builds a new session, and botocore reads and decodes its JSON models (the MTurk model, the
    endpoints, partitions, retry rules) again for every new session: most of the first client's
    cost. While at least one fake is on, a botocore session initializer
    (``botocore.register_initializer``, public API) hands new sessions this loader instead, so
    the models are read once per process. Only the models are shared, never a session:
    credentials, region, config and event handlers stay per session, so nothing a test sets up
    leaks into the next. A session whose ``data_path`` (``AWS_DATA_PATH``) differs from the
    shared loader's keeps its own loader. boto3 adds its own data path to a session's loader
    each time it makes a session; duplicates are dropped when the last fake stops.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._loader: Any = None
        self._data_path: object = None

    def _initialize(self, session: Any) -> None:
        data_path = session.get_config_variable("data_path")
        with self._lock:
            if self._loader is None:
                self._loader = session.get_component("data_loader")
                self._data_path = data_path
                return
            loader, shared_path = self._loader, self._data_path
        if data_path == shared_path:
            session.register_component("data_loader", loader)

    @property
    def in_use(self) -> bool:
        """Whether a fake is on (one that has acquired the shared models and not released)."""
        return self._users > 0

    def acquire(self) -> None:
        """A fake started: new sessions share the models (botocore must be importable)."""
        import botocore  # deferred: only when a fake starts, never at import time

        with self._lock:
            self._users += 1
            first = self._users == 1
        # botocore older than 1.20.95 has no initializers: every session loads its own models.
        if first and hasattr(botocore, "register_initializer"):
            botocore.register_initializer(self._initialize)

    def release(self) -> None:
        """A fake stopped: when none is left, sessions load their own models again."""
        import botocore

        with self._lock:
            self._users = max(0, self._users - 1)
            last = self._users == 0
            loader = self._loader
        if last and hasattr(botocore, "register_initializer"):
            botocore.unregister_initializer(self._initialize)
            if loader is not None:
                paths = loader.search_paths
                paths[:] = list(dict.fromkeys(paths))


#: The process's one :class:`SharedModels`.
shared_models = SharedModels()
