"""HTML that is escaped by construction.

Every page is built from :class:`Markup` (text known to be HTML: the pages' own templates) and
plain ``str`` (anything else: titles, answers, worker names, error messages, ids), and plain
strings are escaped wherever they meet markup. ``fmt("<b>{}</b>", title)`` escapes ``title``;
only a ``Markup`` passes through as it is, and the only ways to make one are the templates in
these modules and :func:`escape`. So a HIT titled ``<script>alert(1)</script>`` shows as text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

__all__ = ["Markup", "attrs", "escape", "fmt", "join"]


class Markup(str):
    """A string that is already HTML (never escaped again)."""

    __slots__ = ()

    def __add__(self, other: str) -> Markup:
        return Markup(str.__add__(self, escape(other)))


def escape(value: Any) -> Markup:
    """``value`` as HTML text: a Markup as it is, anything else converted to ``str`` and escaped
    (``&``, ``<``, ``>``, both quotes), None as nothing."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(html.escape(str(value), quote=True))


def fmt(template: str, *args: Any, **kwargs: Any) -> Markup:
    """``template.format(...)`` with every argument escaped (a template is the pages' own HTML;
    its arguments are data)."""
    return Markup(
        template.format(*(escape(a) for a in args), **{k: escape(v) for k, v in kwargs.items()})
    )


def join(parts: Iterable[Any], separator: str = "") -> Markup:
    """The parts (each escaped unless Markup) one after another."""
    return Markup(escape(separator).join(escape(p) for p in parts))


def attrs(**values: Any) -> Markup:
    """HTML attributes: ``name="value"`` escaped; True is a bare attribute, None and False are
    left out; a trailing ``_`` in a name is dropped (``class_``) and ``_`` becomes ``-``."""
    out: list[str] = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        key = name.rstrip("_").replace("_", "-")
        out.append(key if value is True else f'{key}="{escape(value)}"')
    return Markup(" ".join(out))
