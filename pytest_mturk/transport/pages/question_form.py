"""A QuestionForm (a HIT's question or a qualification test) as a real HTML form, and the
submitted form read back into answers, with the checks the worker site makes before it lets a
worker submit: required questions, selection counts, free-text constraints, file sizes.

What the requester wrote is shown as text (``Text``, ``Title``, lists, selection labels);
``FormattedContent`` is XHTML, of which only plain formatting tags are kept (no attributes but
``http(s)`` link targets, no scripts, no styles), rebuilt element by element, never copied.

Field names: ``answer:<QuestionIdentifier>`` (several values for multiple selections),
``answer:<QuestionIdentifier>:other`` for an OtherSelection's text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import lxml.html
from lxml import etree

from pytest_mturk.questions import (
    QUESTION_FORM_NS_2005,
    QUESTION_FORM_NS_2017,
    FormQuestion,
    ParsedQuestion,
)
from pytest_mturk.questions.parse import children, local_name, parse_xml_root, text_of
from pytest_mturk.transport.pages.forms import FormData
from pytest_mturk.transport.pages.markup import Markup, attrs, escape, fmt, join

__all__ = ["field_name", "read_answers", "render_question_form"]

_ROOTS = {"QuestionForm": (QUESTION_FORM_NS_2005, QUESTION_FORM_NS_2017)}
_MULTI_STYLES = frozenset({"checkbox", "multichooser", "list"})
# FormattedContent: the tags kept (without attributes, except a link's http(s) href).
_SAFE_TAGS = frozenset(
    {
        "p", "br", "b", "i", "u", "em", "strong", "small", "sub", "sup", "span", "div", "pre",
        "code", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody",
        "tr", "td", "th", "caption", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "a",
    }
)  # fmt: skip
_VOID_TAGS = frozenset({"br", "hr"})
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template"})

Answers = dict[str, "str | list[str] | bytes"]


def field_name(identifier: str, other: bool = False) -> str:
    """The form field of a question (``other``: its OtherSelection's text)."""
    return f"answer:{identifier}:other" if other else f"answer:{identifier}"


# ============================================================================ display


def _formatted(el: etree._Element) -> Markup:
    """FormattedContent (XHTML in CDATA) with only plain formatting kept."""
    source = text_of(el)
    if not source:
        return Markup("")
    try:
        fragments = lxml.html.fragments_fromstring(source)
    except (etree.ParserError, ValueError):
        return fmt('<div class="formatted">{}</div>', source)
    parts: list[Markup] = []
    for fragment in fragments:
        piece: object = fragment  # typed as an element, but text before the first one is a str
        parts.append(_safe_html(fragment) if isinstance(piece, etree._Element) else escape(piece))
    return fmt('<div class="formatted">{}</div>', join(parts))


def _safe_html(el: etree._Element) -> Markup:
    raw: object = el.tag  # comments and processing instructions carry a function here
    tag = raw.lower() if isinstance(raw, str) else ""
    tail = escape(el.tail or "")
    if not tag or tag in _DROPPED_WITH_CONTENT:
        return tail
    inner = join([escape(el.text or ""), *(_safe_html(child) for child in el)])
    if tag not in _SAFE_TAGS:
        return Markup(inner + tail)
    if tag in _VOID_TAGS:
        return Markup(f"<{tag}>" + tail)
    if tag == "a":
        href = (el.get("href") or "").strip()
        if re.match(r"https?://", href, re.IGNORECASE):
            link = fmt("<a {}>{}</a>", attrs(href=href, rel="noopener noreferrer"), inner)
            return Markup(link + tail)
        return Markup(inner + tail)
    return Markup(f"<{tag}>{inner}</{tag}>" + tail)


def _binary(el: etree._Element) -> Markup:
    parts = {local_name(c): c for c in children(el)}
    mime = parts.get("MimeType")
    kind = ""
    if mime is not None:
        mime_parts = {local_name(c): text_of(c) for c in children(mime)}
        kind = mime_parts.get("Type", "") + (
            "/" + mime_parts["SubType"] if mime_parts.get("SubType") else ""
        )
    alt = text_of(parts["AltText"]) if "AltText" in parts else ""
    url = text_of(parts["DataURL"]) if "DataURL" in parts else ""
    return fmt(
        '<p class="binary">[{}] {} <span class="url">{}</span></p>', kind or "binary", alt, url
    )


def _content(el: etree._Element) -> Markup:
    """Overview or QuestionContent: its content elements, in order."""
    out: list[Markup] = []
    for child in children(el):
        name = local_name(child)
        if name == "Title":
            out.append(fmt("<h3>{}</h3>", text_of(child)))
        elif name == "Text":
            out.append(fmt('<p class="text">{}</p>', text_of(child)))
        elif name == "List":
            items = [fmt("<li>{}</li>", text_of(i)) for i in children(child)]
            out.append(fmt("<ul>{}</ul>", join(items)))
        elif name == "FormattedContent":
            out.append(_formatted(child))
        elif name == "Binary":
            out.append(_binary(child))
        else:  # Application, EmbeddedBinary
            out.append(fmt('<p class="binary">[{} content: not shown by the fake]</p>', name))
    return join(out)


@dataclass(frozen=True, slots=True)
class _Spec:
    """What the display needs of an AnswerSpecification beyond the parsed question."""

    style: str
    labels: tuple[tuple[str, Markup], ...]
    lines: int
    default_text: str
    regex_error: str | None


def _label_of(selection: etree._Element) -> tuple[str, Markup]:
    parts = {local_name(c): c for c in children(selection)}
    identifier = text_of(parts["SelectionIdentifier"])
    if "Text" in parts:
        return identifier, escape(text_of(parts["Text"]))
    if "FormattedContent" in parts:
        return identifier, _formatted(parts["FormattedContent"])
    if "Binary" in parts:
        return identifier, _binary(parts["Binary"])
    return identifier, escape(identifier)


def _spec(answer_spec: etree._Element) -> _Spec:
    (answer,) = children(answer_spec)[:1]
    parts = {local_name(c): c for c in children(answer)}
    style = text_of(parts["StyleSuggestion"]) if "StyleSuggestion" in parts else ""
    labels: list[tuple[str, Markup]] = []
    if "Selections" in parts:
        labels = [
            _label_of(s) for s in children(parts["Selections"]) if local_name(s) == "Selection"
        ]
    lines = (
        int(text_of(parts["NumberOfLinesSuggestion"])) if "NumberOfLinesSuggestion" in parts else 1
    )
    default = text_of(parts["DefaultText"]) if "DefaultText" in parts else ""
    regex_error = None
    constraints = parts.get("Constraints")
    if constraints is not None:
        for c in children(constraints):
            if local_name(c) == "AnswerFormatRegex" and c.get("errorText"):
                regex_error = c.get("errorText")
    return _Spec(style, tuple(labels), max(lines, 1), default, regex_error)


def _selection_input(
    q: FormQuestion, spec: _Spec, values: FormData | None, disabled: bool
) -> Markup:
    name = field_name(q.identifier)
    chosen = set(values.get_all(name)) if values is not None else set()
    multiple = q.max_selections > 1 or spec.style in ("checkbox", "multichooser")
    style = spec.style or ("checkbox" if multiple else "radiobutton")
    if style in ("dropdown", "combobox", "list"):
        options = [fmt('<option value="">{}</option>', "(choose)")] if not multiple else []
        options += [
            fmt("<option {}>{}</option>", attrs(value=i, selected=i in chosen), label)
            for i, label in spec.labels
        ]
        size = len(spec.labels) if style == "list" else None
        control = fmt(
            "<select {}>{}</select>",
            attrs(name=name, multiple=multiple, size=size, disabled=disabled, id=name),
            join(options),
        )
    else:
        kind = "checkbox" if multiple or style in ("checkbox", "multichooser") else "radio"
        control = join(
            fmt(
                '<label class="choice"><input {}> {}</label>',
                attrs(type=kind, name=name, value=i, checked=i in chosen, disabled=disabled),
                label,
            )
            for i, label in spec.labels
        )
    if q.other_selection:
        other = field_name(q.identifier, other=True)
        given = values.get(other) if values is not None else None
        control = Markup(
            control
            + fmt(
                '<label class="choice other">Other: <input {}></label>',
                attrs(type="text", name=other, value=given or "", disabled=disabled),
            )
        )
    return control


def _free_text_input(
    q: FormQuestion, spec: _Spec, values: FormData | None, disabled: bool
) -> Markup:
    name = field_name(q.identifier)
    c = q.free_text
    given = values.get(name) if values is not None else None
    value = spec.default_text if given is None else given
    common = {
        "name": name,
        "id": name,
        "required": q.is_required,
        "disabled": disabled,
        "minlength": c.min_length if c is not None else None,
        "maxlength": c.max_length if c is not None else None,
    }
    if c is not None and c.is_numeric:
        return fmt(
            "<input {}>",
            attrs(type="number", step="1", min=c.min_value, max=c.max_value, value=value, **common),
        )
    if spec.lines > 1:
        return fmt("<textarea {}>{}</textarea>", attrs(rows=spec.lines, **common), value)
    return fmt("<input {}>", attrs(type="text", value=value, **common))


def _rules(q: FormQuestion, spec: _Spec) -> list[str]:
    """The constraints, said to the worker."""
    rules: list[str] = []
    if q.is_required:
        rules.append("required")
    if q.answer_kind == "Selection" and q.max_selections > 1:
        rules.append(f"choose {q.min_selections} to {q.max_selections}")
    c = q.free_text
    if c is not None:
        if c.is_numeric:
            low = "" if c.min_value is None else f"from {c.min_value} "
            high = "" if c.max_value is None else f"to {c.max_value}"
            rules.append(f"a whole number {low}{high}".strip())
        if c.min_length is not None or c.max_length is not None:
            rules.append(f"{c.min_length or 0} to {c.max_length or 'any number of'} characters")
        if c.regex is not None:
            rules.append(spec.regex_error or f"matching {c.regex}")
    if q.answer_kind == "FileUpload":
        rules.append(f"a file of {q.file_min_bytes} to {q.file_max_bytes} bytes")
    return rules


def render_question_form(
    xml: str,
    parsed: ParsedQuestion,
    *,
    values: FormData | None = None,
    errors: Mapping[str, str] | None = None,
    disabled: bool = False,
) -> Markup:
    """The questions of a QuestionForm as form controls (without the ``<form>`` element)."""
    root = parse_xml_root(xml, _ROOTS)
    by_id = {q.identifier: q for q in parsed.questions}
    errors = errors or {}
    out: list[Markup] = []
    for el in children(root):
        if local_name(el) == "Overview":
            out.append(fmt('<section class="overview">{}</section>', _content(el)))
            continue
        parts = {local_name(c): c for c in children(el)}
        identifier = text_of(parts["QuestionIdentifier"])
        q = by_id[identifier]
        spec = _spec(parts["AnswerSpecification"])
        if q.answer_kind == "Selection":
            control = _selection_input(q, spec, values, disabled)
        elif q.answer_kind == "FreeText":
            control = _free_text_input(q, spec, values, disabled)
        else:
            control = fmt(
                "<input {}>",
                attrs(
                    type="file",
                    name=field_name(identifier),
                    required=q.is_required,
                    disabled=disabled,
                ),
            )
        title = text_of(parts["DisplayName"]) if "DisplayName" in parts else identifier
        error = errors.get(identifier)
        out.append(
            fmt(
                '<fieldset {}><legend>{}</legend>{}<div class="answer">{}</div>'
                '<p class="rules">{}</p>{}</fieldset>',
                attrs(class_="question error" if error else "question", data_question=identifier),
                title,
                _content(parts["QuestionContent"]),
                control,
                "; ".join(_rules(q, spec)),
                fmt('<p class="error-text">{}</p>', error) if error else "",
            )
        )
    return join(out)


# ============================================================================ reading answers


def _regex_of(xml: str) -> dict[str, str | None]:
    """QuestionIdentifier -> the errorText of its AnswerFormatRegex."""
    root = parse_xml_root(xml, _ROOTS)
    out: dict[str, str | None] = {}
    for el in children(root):
        if local_name(el) != "Question":
            continue
        parts = {local_name(c): c for c in children(el)}
        out[text_of(parts["QuestionIdentifier"])] = _spec(parts["AnswerSpecification"]).regex_error
    return out


def _check_text(q: FormQuestion, value: str, regex_error: str | None) -> str | None:
    c = q.free_text
    if c is None:
        return None
    if c.min_length is not None and len(value) < c.min_length:
        return f"Enter at least {c.min_length} characters (got {len(value)})."
    if c.max_length is not None and len(value) > c.max_length:
        return f"Enter at most {c.max_length} characters (got {len(value)})."
    if c.is_numeric:
        if not re.fullmatch(r"[+-]?\d+", value.strip()):
            return "Enter a whole number."
        number = int(value)
        if c.min_value is not None and number < c.min_value:
            return f"Enter a number of at least {c.min_value}."
        if c.max_value is not None and number > c.max_value:
            return f"Enter a number of at most {c.max_value}."
    if c.regex is not None:
        try:
            pattern = re.compile(c.regex)
        except re.error:
            return None  # a JavaScript regex Python cannot read: the worker's browser judges
        if pattern.fullmatch(value) is None:
            return regex_error or f"The answer must match {c.regex}."
    return None


def read_answers(
    xml: str, parsed: ParsedQuestion, form: FormData
) -> tuple[Answers, dict[str, str]]:
    """(answers, errors by QuestionIdentifier) of a submitted form. Unanswered optional
    questions are left out; a file upload's answer is its bytes."""
    answers: Answers = {}
    errors: dict[str, str] = {}
    regex_errors = _regex_of(xml)
    for q in parsed.questions:
        name = field_name(q.identifier)
        if q.answer_kind == "Selection":
            chosen = [v for v in form.get_all(name) if v]
            unknown = [v for v in chosen if v not in q.selections]
            other = form.text(field_name(q.identifier, other=True)) if q.other_selection else ""
            count = len(chosen) + (1 if other else 0)
            if unknown:
                errors[q.identifier] = f"{', '.join(unknown)} is not one of the choices."
            elif count == 0 and (q.is_required or q.min_selections > 0):
                errors[q.identifier] = "Choose an answer: this question is required."
            elif count and count < q.min_selections:
                errors[q.identifier] = f"Choose at least {q.min_selections}."
            elif count > q.max_selections:
                errors[q.identifier] = f"Choose at most {q.max_selections}."
            elif count:
                answers[q.identifier] = [*chosen, *([other] if other else [])]
        elif q.answer_kind == "FreeText":
            value = form.get(name) or ""
            if not value.strip():
                if q.is_required:
                    errors[q.identifier] = "Enter an answer: this question is required."
                continue
            problem = _check_text(q, value, regex_errors.get(q.identifier))
            if problem is not None:
                errors[q.identifier] = problem
            else:
                answers[q.identifier] = value
        else:
            upload = form.files.get(name)
            if upload is None:
                if q.is_required:
                    errors[q.identifier] = "Choose a file: this question is required."
                continue
            size = len(upload.data)
            if not q.file_min_bytes <= size <= q.file_max_bytes:
                errors[q.identifier] = (
                    f"The file must be {q.file_min_bytes} to {q.file_max_bytes} bytes "
                    f"(it is {size})."
                )
            else:
                answers[q.identifier] = upload.data
    return answers, errors
