"""Form bodies as browsers send them: ``application/x-www-form-urlencoded`` and
``multipart/form-data`` (with files)."""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

__all__ = ["FormData", "Upload", "parse_form"]


@dataclass(frozen=True, slots=True)
class Upload:
    """One file of a multipart form."""

    filename: str
    data: bytes


@dataclass(slots=True)
class FormData:
    """The fields of a form in order (name, text), and its files by field name."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, Upload] = field(default_factory=dict)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``."""
        return next((v for k, v in self.fields if k == name), default)

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        return [v for k, v in self.fields if k == name]

    def text(self, name: str) -> str:
        """The first value of ``name``, stripped ("" when absent)."""
        return (self.get(name) or "").strip()


def parse_form(
    query: str, headers: Mapping[str, str], body: bytes, *, files_as_text: bool = False
) -> FormData:
    """The fields of the URL's query and of a urlencoded or multipart body, in that order.

    A multipart part with a ``filename`` is a file (kept as bytes, not a field; an empty file
    input, sent with an empty filename, is left out), or with ``files_as_text`` a text field
    like any other, as the worker site's externalSubmit reads it. Text is UTF-8, undecodable
    bytes replaced.
    """
    form = FormData(parse_qsl(query, keep_blank_values=True))
    ctype = headers.get("content-type", "")
    if not body:
        return form
    if ctype.lower().startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body
        )
        if not message.is_multipart():
            return form
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            filename = part.get_param("filename", header="content-disposition")
            if isinstance(filename, str) and not files_as_text:
                if filename or data:
                    form.files[name] = Upload(filename, data)
                continue
            form.fields.append((name, data.decode("utf-8", "replace")))
        return form
    form.fields += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return form
