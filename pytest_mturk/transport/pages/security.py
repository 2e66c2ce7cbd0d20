"""What keeps the pages safe in a browser that also visits other sites.

* **CSRF.** Every page that can change something carries a token in its forms
  (:meth:`Guard.csrf_token`: a random nonce and its HMAC under the server's own secret, fresh
  for every page), and every state-changing request must send a valid one back; a POST whose
  ``Origin`` (or ``Sec-Fetch-Site``) says it comes from another site is refused as well. A form
  on another site cannot read a page of ours, so it cannot approve work or accept a HIT.
* **DNS rebinding.** On a loopback server the ``Host`` header must name the loopback interface
  (``127.0.0.1``, ``localhost``, ``[::1]``): a foreign name that resolves to 127.0.0.1 gets 403.
* **Off loopback.** A server listening on another interface requires its token for the pages,
  as for the control API: the ``X-Pytest-Mturk-Token`` header, or the cookie that a visit with
  ``?token=...`` sets (HttpOnly, SameSite=Strict).
* **Requester content.** HTMLQuestion content is served with ``Content-Security-Policy: sandbox
  allow-scripts allow-forms`` (an opaque origin even when opened on its own) and shown in an
  ``<iframe sandbox="allow-scripts allow-forms">``, never with ``allow-same-origin``: its
  scripts cannot read the pages or their tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

__all__ = [
    "CSRF_FIELD",
    "TOKEN_COOKIE",
    "Guard",
    "content_headers",
    "is_loopback_host",
    "page_headers",
]

#: The form field that carries the CSRF token (a header ``X-CSRF-Token`` works too).
CSRF_FIELD = "_csrf"
#: The cookie that carries the server's token when it listens off loopback.
TOKEN_COOKIE = "pytest_mturk_token"
_LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback_host(host_header: str) -> bool:
    """Whether a ``Host`` header names the loopback interface (any port)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Guard:
    """The pages' secret: it signs CSRF tokens. One per server."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def csrf_token(self) -> str:
        """A fresh token for one page's forms."""
        nonce = secrets.token_urlsafe(12)
        return f"{nonce}.{self._sign(nonce)}"

    def csrf_ok(self, token: str | None) -> bool:
        """Whether ``token`` is one this guard made."""
        if not token or token.count(".") != 1:
            return False
        nonce, signature = token.split(".")
        return hmac.compare_digest(signature.encode(), self._sign(nonce).encode())


def cross_site(headers: Mapping[str, str]) -> str | None:
    """Why a state-changing request looks cross-site (from ``Origin`` / ``Sec-Fetch-Site``), or
    None. Requests without those headers (curl, scripts) are judged by their CSRF token alone."""
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"Sec-Fetch-Site is {site!r}"
    origin = headers.get("origin")
    if origin is None:
        return None
    host = headers.get("host", "")
    parts = urlsplit(origin)
    if origin == "null" or parts.scheme not in ("http", "https") or parts.netloc != host:
        return f"Origin {origin!r} is not this server ({host!r})"
    return None


def token_from(headers: Mapping[str, str], header_name: str) -> str | None:
    """The server token a request carries: the header, else the cookie."""
    given = headers.get(header_name.lower())
    if given:
        return given
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == TOKEN_COOKIE:
            return value
    return None


def page_headers(nonce: str | None = None, *, framable: bool = False) -> dict[str, str]:
    """Security headers of the pages themselves: no inline script but the page's own nonce,
    forms post only here, frames only of the server itself and of https task pages."""
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    ancestors = "'self'" if framable else "'none'"
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src {script}; style-src 'self'; img-src 'self' data:; "
            f"frame-src 'self' https:; form-action 'self'; base-uri 'none'; "
            f"frame-ancestors {ancestors}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def content_headers() -> dict[str, str]:
    """Headers of requester-made content (HTMLQuestion): a sandbox of its own (scripts and forms,
    never the server's origin), framable by the pages only."""
    return {
        "Content-Security-Policy": (
            "sandbox allow-scripts allow-forms allow-modals allow-popups; frame-ancestors 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
