"""Routing a child process's MTurk calls to a pytest-mturk server (``server.environ``).

Real MTurk programs name their endpoint (``endpoint_url="https://mturk-requester-sandbox..."``),
so ``AWS_ENDPOINT_URL_MTURK`` alone does not reach them. ``server.environ`` therefore also puts a
small directory on ``PYTHONPATH`` whose ``sitecustomize.py`` (:data:`SITECUSTOMIZE`) waits, in
every Python child, for botocore to be imported, then imports this module (and it runs any other
``sitecustomize`` on the path, as Python would have). With ``PYTEST_MTURK_SERVER`` set, a
``before-send.mturk`` handler joins botocore's built-in handlers; it rewrites each request to an
MTurk endpoint to the server's URL for that endpoint's environment (``/sandbox`` or
``/production``) and lets botocore send it over HTTP. The server accepts the credentials the
child signs with if they are shaped like real ones.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from types import ModuleType
from typing import Any

from pytest_mturk.transport import hook

__all__ = [
    "ENV_SERVER",
    "ENV_TOKEN",
    "before_send",
    "environ_for",
    "environment_of",
    "install",
    "install_from_environment",
    "make_site_dir",
    "remove_site_dir",
]

#: The server's base URL (``http://HOST:PORT``), which switches the routing on.
ENV_SERVER = "PYTEST_MTURK_SERVER"
#: The control API's token, when the server requires one.
ENV_TOKEN = "PYTEST_MTURK_TOKEN"

# The same rules as protocol.environment_of (a test keeps them equal); repeated here because
# the protocol module imports the whole service, which a child that never calls MTurk must not
# pay for.
_SANDBOX_PREFIX = "mturk-requester-sandbox."
_PRODUCTION_PREFIX = "mturk-requester."

#: Written to the directory ``server.environ`` puts on PYTHONPATH. It imports nothing but the
#: standard library until botocore.session is imported, so a child that never calls MTurk pays
#: next to nothing for it.
SITECUSTOMIZE = '''\
"""Written by pytest-mturk: route this process's MTurk calls to a pytest-mturk server."""
import os as _os
import sys as _sys


class _RouteWhenBotocoreLoads:
    """Installs the routing right after botocore.session is imported."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "botocore.session":
            return None
        if self in _sys.meta_path:
            _sys.meta_path.remove(self)
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        original = spec.loader.exec_module

        def exec_module(module):
            original(module)
            try:
                from pytest_mturk.transport import route
            except ImportError:  # pytest-mturk is not installed for this interpreter
                return
            route.install_from_environment()

        spec.loader.exec_module = exec_module
        return spec


if _os.environ.get("PYTEST_MTURK_SERVER"):
    _sys.meta_path.insert(0, _RouteWhenBotocoreLoads())


def _chain():
    """Run the next sitecustomize on the path, which this one hides."""
    import importlib.machinery
    import importlib.util

    here = _os.path.dirname(_os.path.abspath(__file__))
    for entry in list(_sys.path):
        if _os.path.abspath(entry or _os.getcwd()) == here:
            continue
        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", [entry])
        if spec is not None and spec.loader is not None:
            module = importlib.util.module_from_spec(spec)
            _sys.modules["sitecustomize"] = module
            spec.loader.exec_module(module)
            return


_chain()
'''


def environment_of(host: str) -> str | None:
    """ "sandbox" or "production" for an MTurk endpoint's host (port allowed), else None."""
    host = host.rsplit("@", 1)[-1].lower()
    if host.startswith("["):
        return None
    host = host.split(":", 1)[0]
    if host.startswith(_SANDBOX_PREFIX):
        return "sandbox"
    if host.startswith(_PRODUCTION_PREFIX) and ".amazonaws.com" in host:
        return "production"
    return None


_base: str | None = None


def before_send(request: Any, **kwargs: Any) -> None:
    """botocore ``before-send.mturk`` handler: send requests for an MTurk endpoint to the server.

    A fake started in this process answers its own calls instead (the innermost fake wins).
    """
    base = _base
    if base is None or hook.active:
        return
    url: str = request.url
    _, sep, rest = url.partition("://")
    if not sep:
        return
    netloc, _, path = rest.partition("/")
    environment = environment_of(netloc)
    if environment is not None:
        request.url = f"{base}/{environment}/{path}"


def _add_to_builtins(session_module: ModuleType) -> None:
    # botocore.session imports botocore.handlers; sessions read BUILTIN_HANDLERS when made.
    builtins = sys.modules["botocore.handlers"].BUILTIN_HANDLERS
    if not any(entry[1] is before_send for entry in builtins):
        builtins.append((hook.EVENT, before_send))


def install(base_url: str) -> None:
    """Route this process's botocore ``mturk`` calls to the server at ``base_url``."""
    global _base
    _base = base_url.rstrip("/")
    # On botocore.session rather than botocore.handlers, which pytest-mturk's own hook waits for
    # (one import hook per module).
    hook.after_import("botocore.session", _add_to_builtins)


def install_from_environment() -> None:
    """``install`` the server named by ``PYTEST_MTURK_SERVER``, if any."""
    url = os.environ.get(ENV_SERVER)
    if url:
        install(url)


def make_site_dir() -> str:
    """A new directory holding the routing ``sitecustomize.py`` (remove it when done)."""
    path = tempfile.mkdtemp(prefix="pytest-mturk-site-")
    with open(os.path.join(path, "sitecustomize.py"), "w", encoding="utf-8") as fh:
        fh.write(SITECUSTOMIZE)
    return path


def remove_site_dir(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def environ_for(base_url: str, url: str, site_dir: str, token: str | None) -> dict[str, str]:
    """The variables of ``server.environ`` (see :class:`~pytest_mturk.MTurkServer`)."""
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != site_dir]
    host = base_url.split("//", 1)[1].rsplit(":", 1)[0].strip("[]")
    no_proxy = [h for h in os.environ.get("NO_PROXY", os.environ.get("no_proxy", "")).split(",")]
    no_proxy = [h.strip() for h in no_proxy if h.strip()]
    if host not in no_proxy:
        no_proxy.append(host)
    env = {
        ENV_SERVER: base_url,
        "PYTHONPATH": os.pathsep.join([site_dir, *parts]),
        "AWS_ENDPOINT_URL_MTURK": url,
        "NO_PROXY": ",".join(no_proxy),
        "no_proxy": ",".join(no_proxy),
    }
    if token is not None:
        env[ENV_TOKEN] = token
    return env
