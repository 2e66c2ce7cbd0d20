"""The pages' common frame: the document, navigation, messages, and small pieces (forms with
their CSRF token, tables, times)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from urllib.parse import urlencode

from pytest_mturk.transport.pages.context import Response
from pytest_mturk.transport.pages.markup import Markup, attrs, escape, fmt, join
from pytest_mturk.transport.pages.security import CSRF_FIELD, page_headers

__all__ = [
    "STATIC",
    "Flash",
    "button_form",
    "document",
    "escape",
    "hidden",
    "link",
    "money",
    "plain",
    "redirect",
    "section",
    "table",
    "url",
    "when",
]

#: A message shown once at the top of a page: (kind, text); kind is "ok" or "error".
Flash = tuple[str, str]
STATIC = "/static/pytest-mturk"


def url(path: str, **params: object) -> str:
    """``path`` with the non-empty ``params`` as its query."""
    query = urlencode({k: str(v) for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


def link(href: str, text: object, **extra: object) -> Markup:
    return fmt("<a {}>{}</a>", attrs(href=href, **extra), text)


def hidden(**values: object) -> Markup:
    return join(
        fmt("<input {}>", attrs(type="hidden", name=name, value=value))
        for name, value in values.items()
        if value is not None
    )


def button_form(
    action: str,
    label: str,
    csrf: str,
    *,
    fields: dict[str, object] | None = None,
    extra: Markup | None = None,
    css: str = "inline",
    test_id: str | None = None,
) -> Markup:
    """A POST form: hidden fields, the CSRF token, optional controls, and one button."""
    return fmt(
        "<form {}>{}{}{}<button {}>{}</button></form>",
        attrs(method="post", action=action, class_=css),
        hidden(**{CSRF_FIELD: csrf}),
        hidden(**(fields or {})),
        extra or Markup(""),
        attrs(type="submit", data_testid=test_id),
        label,
    )


def table(headings: Sequence[str], rows: Iterable[Sequence[object]], *, empty: str) -> Markup:
    """A table; each cell escaped unless Markup; a row given as ("!error", cells...) is marked."""
    body: list[Markup] = []
    for row in rows:
        css = None
        cells = list(row)
        first = cells[0] if cells else None
        if isinstance(first, str) and first.startswith("!"):
            css = first[1:]
            cells.pop(0)
        body.append(
            fmt("<tr {}>{}</tr>", attrs(class_=css), join(fmt("<td>{}</td>", c) for c in cells))
        )
    if not body:
        return fmt('<p class="empty">{}</p>', empty)
    head = join(fmt("<th>{}</th>", h) for h in headings)
    return fmt("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, join(body))


def when(ts: float | None) -> str:
    """A fake time for people: ``2026-01-02 03:04:05 UTC``."""
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def money(amount: Decimal | str) -> str:
    return f"${amount}"


def document(
    title: str,
    body: Markup,
    *,
    area: str,
    nav: Markup | None = None,
    flash: Flash | None = None,
    status: int = 200,
    now: float | None = None,
) -> Response:
    """A whole page, with the pages' security headers."""
    message = (
        fmt('<p class="flash {}" role="status" data-testid="flash">{}</p>', flash[0], flash[1])
        if flash is not None
        else Markup("")
    )
    clock = fmt('<span class="clock">fake time {}</span>', when(now)) if now is not None else ""
    html = fmt(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{title} - pytest-mturk</title>"
        '<link rel="stylesheet" href="{static}/pages.css">'
        '<script src="{static}/pages.js" defer></script></head>'
        '<body class="{area}"><header><span class="brand">pytest-mturk</span>'
        '<nav><a href="/worker/">Worker</a> <a href="/requester/">Requester</a>{nav}</nav>'
        "{clock}</header><main><h1>{title}</h1>{message}{body}</main></body></html>",
        title=title,
        static=STATIC,
        area=area,
        nav=nav or Markup(""),
        clock=clock,
        message=message,
        body=body,
    )
    headers = page_headers()
    headers["Content-Type"] = "text/html; charset=utf-8"
    return Response(status, html.encode("utf-8"), headers)


def redirect(location: str, extra: dict[str, str] | None = None) -> Response:
    """303 See Other (a POST's answer: the browser GETs ``location``)."""
    headers = {"Location": location, "Content-Type": "text/plain; charset=utf-8"}
    headers.update(extra or {})
    return Response(303, b"", headers)


def plain(status: int, text: str) -> Response:
    headers = page_headers()
    headers["Content-Type"] = "text/plain; charset=utf-8"
    return Response(status, text.encode("utf-8"), headers)


def section(title: str, content: Markup, *, id_: str | None = None) -> Markup:
    return fmt("<section {}><h2>{}</h2>{}</section>", attrs(id=id_), title, content)
