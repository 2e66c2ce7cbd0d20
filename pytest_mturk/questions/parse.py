"""Parse and check the question XML that MTurk accepts (the API reference's QuestionForm,
ExternalQuestion and HTMLQuestion pages, and their schemas).

The checks follow the structure the XSD schemas require, and the error ``details`` read like the
Xerces messages MTurk puts after "Details:" in its XML parse error.  Nothing is ever fetched: DTDs,
entities and network access are disabled, and a DOCTYPE is refused outright.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import lxml.html
from lxml import etree

__all__ = [
    "ANSWERS_NS",
    "ANSWER_KEY_NS",
    "EXTERNAL_QUESTION_NS",
    "HTML_QUESTION_NS",
    "QUESTION_FORM_NS_2005",
    "QUESTION_FORM_NS_2017",
    "FormField",
    "FormQuestion",
    "FreeTextConstraints",
    "ParsedQuestion",
    "QuestionXMLError",
    "html_form_fields",
    "is_crowd_form",
    "parse_qualification_test",
    "parse_question",
]

_SCHEMAS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas"
QUESTION_FORM_NS_2005 = f"{_SCHEMAS}/2005-10-01/QuestionForm.xsd"
QUESTION_FORM_NS_2017 = f"{_SCHEMAS}/2017-11-06/QuestionForm.xsd"
EXTERNAL_QUESTION_NS = f"{_SCHEMAS}/2006-07-14/ExternalQuestion.xsd"
HTML_QUESTION_NS = f"{_SCHEMAS}/2011-11-11/HTMLQuestion.xsd"
ANSWERS_NS = f"{_SCHEMAS}/2005-10-01/QuestionFormAnswers.xsd"
ANSWER_KEY_NS = f"{_SCHEMAS}/2005-10-01/AnswerKey.xsd"

# No selection limit in the schema; FileUploadAnswer sizes are bounded by 2 GB in QuestionForm.xsd.
_MAX_FILE_BYTES = 2_000_000_000
_MULTI_SELECT_STYLES = frozenset({"checkbox", "list", "multichooser"})
_RESERVED_FIELDS = frozenset({"assignmentId", "hitId", "workerId", "turkSubmitTo"})


class QuestionXMLError(ValueError):
    """Invalid question, answer or answer-key XML; ``details`` is a Xerces-style explanation."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self.details = details


@dataclass(frozen=True, slots=True)
class FreeTextConstraints:
    """The ``Constraints`` of a ``FreeTextAnswer`` (None where not constrained)."""

    is_numeric: bool
    min_value: int | None
    max_value: int | None
    min_length: int | None
    max_length: int | None
    regex: str | None


@dataclass(frozen=True, slots=True)
class FormQuestion:
    """One ``Question`` of a QuestionForm, reduced to what answering and scoring need."""

    identifier: str
    answer_kind: Literal["FreeText", "Selection", "FileUpload"]
    is_required: bool
    selections: tuple[str, ...]
    min_selections: int
    max_selections: int
    other_selection: bool
    free_text: FreeTextConstraints | None
    file_min_bytes: int
    file_max_bytes: int


@dataclass(frozen=True, slots=True)
class ParsedQuestion:
    """A parsed HIT question or qualification test."""

    kind: Literal["QuestionForm", "ExternalQuestion", "HTMLQuestion"]
    questions: tuple[FormQuestion, ...]
    external_url: str | None
    frame_height: int | None
    html: str | None

    @property
    def crowd_form(self) -> bool:
        """Whether this is an HTMLQuestion whose form is a Crowd HTML Elements ``<crowd-form>``
        (its answers are stored as one ``taskAnswers`` JSON answer)."""
        return self.kind == "HTMLQuestion" and self.html is not None and is_crowd_form(self.html)


FieldKind = Literal[
    "text", "textarea", "radio", "checkbox", "select", "hidden", "number", "email", "other"
]


@dataclass(frozen=True, slots=True)
class FormField:
    """One answer field of an HTML form (HTMLQuestion or a crowd-form)."""

    name: str
    kind: FieldKind
    options: tuple[str, ...]
    required: bool


# --------------------------------------------------------------------------------------------
# XML helpers shared with answers.py and answer_key.py


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, encoding="utf-8"
    )


def parse_xml_root(xml: str, roots: Mapping[str, Iterable[str]]) -> etree._Element:
    """Parse ``xml`` safely and check its root against ``roots`` (local name -> namespaces).

    Raises QuestionXMLError for malformed XML, a DOCTYPE, or an undeclared root element.
    """
    if not isinstance(xml, str):
        raise QuestionXMLError("Content is not allowed in prolog.")
    try:
        root = etree.fromstring(xml.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as exc:
        raise QuestionXMLError(exc.msg or str(exc)) from None
    # DocInfo.doctype is missing from lxml-stubs; it is "" when there is no DOCTYPE.
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise QuestionXMLError(
            'DOCTYPE is disallowed when the feature "http://apache.org/xml/features/'
            'disallow-doctype-decl" set to true.'
        )
    qname = etree.QName(root)
    if qname.namespace not in roots.get(qname.localname, ()):
        raise QuestionXMLError(
            f"cvc-elt.1: Cannot find the declaration of element '{qname.localname}'."
        )
    return root


def is_element(node: etree._Element) -> bool:
    """Whether ``node`` is an element (lxml types ``.tag`` as a string, but comments and
    processing instructions carry a function there)."""
    tag: object = node.tag
    return isinstance(tag, str)


def children(parent: etree._Element) -> list[etree._Element]:
    """The element children of ``parent`` (comments and processing instructions skipped)."""
    return [c for c in parent if is_element(c)]


def local_name(el: etree._Element) -> str:
    """The local name of an element's tag."""
    return etree.QName(el).localname


# A particle: the names allowed here (a choice), minOccurs, maxOccurs (None = unbounded).
Particle = tuple[tuple[str, ...], int, int | None]


def _expected(ns: str, particles: list[Particle], pos: int, count: int) -> str:
    names: list[str] = []
    for i in range(pos, len(particles)):
        allowed, low, high = particles[i]
        used = count if i == pos else 0
        if high is None or used < high:
            names.extend(allowed)
        if used < low:
            break
    return ", ".join(f'"{ns}":{n}' for n in names)


def check_sequence(
    parent: etree._Element, ns: str, particles: list[Particle]
) -> dict[str, list[etree._Element]]:
    """Check the children of ``parent`` against an XSD-like sequence; return them by local name.

    Raises QuestionXMLError with a Xerces ``cvc-complex-type.2.4.*`` message on a mismatch.
    """
    found: dict[str, list[etree._Element]] = {}
    pos, count = 0, 0
    for child in children(parent):
        qname = etree.QName(child)
        while True:
            if pos >= len(particles):
                raise QuestionXMLError(
                    f"cvc-complex-type.2.4.d: Invalid content was found starting with element "
                    f"'{qname.localname}'. No child element is expected at this point."
                )
            allowed, low, high = particles[pos]
            fits = qname.namespace == ns and qname.localname in allowed
            if fits and (high is None or count < high):
                count += 1
                found.setdefault(qname.localname, []).append(child)
                break
            if count < low:
                raise QuestionXMLError(
                    f"cvc-complex-type.2.4.a: Invalid content was found starting with element "
                    f"'{qname.localname}'. One of '{{{_expected(ns, particles, pos, count)}}}' "
                    "is expected."
                )
            pos, count = pos + 1, 0
    for i in range(pos, len(particles)):
        if (count if i == pos else 0) < particles[i][1]:
            raise QuestionXMLError(
                f"cvc-complex-type.2.4.b: The content of element '{local_name(parent)}' is not "
                f"complete. One of '{{{_expected(ns, particles, pos, count)}}}' is expected."
            )
    return found


def text_of(el: etree._Element) -> str:
    """The stripped text content of an element (including CDATA)."""
    return "".join(t for t in el.itertext() if isinstance(t, str)).strip()


def _integer(value: str, what: str, minimum: int | None = None) -> int:
    value = value.strip()
    if not re.fullmatch(r"[+-]?\d+", value):
        raise QuestionXMLError(
            f"cvc-datatype-valid.1.2.1: '{value}' is not a valid value for 'integer'."
        )
    number = int(value)
    if minimum is not None and number < minimum:
        raise QuestionXMLError(
            f"cvc-minInclusive-valid: Value '{value}' is not facet-valid with respect to "
            f"minInclusive '{minimum}' for type '{what}'."
        )
    return number


def integer_of(el: etree._Element, minimum: int | None = None) -> int:
    """The integer value of an element, with a Xerces-style error when it is not one."""
    return _integer(text_of(el), local_name(el), minimum)


def _boolean(el: etree._Element) -> bool:
    value = text_of(el)
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise QuestionXMLError(
        f"cvc-datatype-valid.1.2.1: '{value}' is not a valid value for 'boolean'."
    )


def _one(found: dict[str, list[etree._Element]], name: str) -> etree._Element | None:
    items = found.get(name)
    return items[0] if items else None


# --------------------------------------------------------------------------------------------
# QuestionForm

_QUESTION_FORM_ROOTS = {"QuestionForm": (QUESTION_FORM_NS_2005, QUESTION_FORM_NS_2017)}
_ALL_ROOTS = {
    **_QUESTION_FORM_ROOTS,
    "ExternalQuestion": (EXTERNAL_QUESTION_NS,),
    "HTMLQuestion": (HTML_QUESTION_NS,),
}


def _free_text(answer: etree._Element, ns: str) -> FreeTextConstraints:
    found = check_sequence(
        answer,
        ns,
        [(("Constraints",), 0, 1), (("DefaultText",), 0, 1), (("NumberOfLinesSuggestion",), 0, 1)],
    )
    constraints = _one(found, "Constraints")
    if constraints is None:
        return FreeTextConstraints(False, None, None, None, None, None)
    parts = check_sequence(
        constraints,
        ns,
        [(("IsNumeric",), 0, 1), (("Length",), 0, 1), (("AnswerFormatRegex",), 0, None)],
    )

    def attr(el: etree._Element | None, name: str, minimum: int | None = None) -> int | None:
        raw = None if el is None else el.get(name)
        return None if raw is None else _integer(raw, name, minimum)

    numeric, length = _one(parts, "IsNumeric"), _one(parts, "Length")
    regex_el = _one(parts, "AnswerFormatRegex")
    regex = None
    if regex_el is not None:
        regex = regex_el.get("regex")
        if regex is None:
            raise QuestionXMLError(
                "cvc-complex-type.4: Attribute 'regex' must appear on element 'AnswerFormatRegex'."
            )
        if "i" in (regex_el.get("flags") or ""):
            regex = f"(?i){regex}"
    return FreeTextConstraints(
        is_numeric=numeric is not None,
        min_value=attr(numeric, "minValue"),
        max_value=attr(numeric, "maxValue"),
        min_length=attr(length, "minLength", 0),
        max_length=attr(length, "maxLength", 0),
        regex=regex,
    )


def _selection(answer: etree._Element, ns: str, identifier: str, required: bool) -> FormQuestion:
    found = check_sequence(
        answer,
        ns,
        [
            (("MinSelectionCount",), 0, 1),
            (("MaxSelectionCount",), 0, 1),
            (("StyleSuggestion",), 0, 1),
            (("Selections",), 1, 1),
        ],
    )
    selections_el = found["Selections"][0]
    parts = check_sequence(
        selections_el, ns, [(("Selection",), 0, None), (("OtherSelection",), 0, 1)]
    )
    ids: list[str] = []
    for sel in parts.get("Selection", []):
        sel_parts = check_sequence(
            sel,
            ns,
            [(("SelectionIdentifier",), 1, 1), (("Text", "FormattedContent", "Binary"), 0, 1)],
        )
        sel_id = text_of(sel_parts["SelectionIdentifier"][0])
        if not sel_id:
            raise QuestionXMLError(
                f"SelectionIdentifier in question '{identifier}' must not be empty."
            )
        if sel_id not in ids:
            ids.append(sel_id)
    other = "OtherSelection" in parts
    if not ids and not other:
        raise QuestionXMLError(
            "cvc-complex-type.2.4.b: The content of element 'Selections' is not complete. "
            f'One of \'{{"{ns}":Selection, "{ns}":OtherSelection}}\' is expected.'
        )
    min_el, max_el = _one(found, "MinSelectionCount"), _one(found, "MaxSelectionCount")
    style_el = _one(found, "StyleSuggestion")
    style = text_of(style_el) if style_el is not None else ""
    min_count = integer_of(min_el, 0) if min_el is not None else (1 if required else 0)
    if max_el is not None:
        max_count = integer_of(max_el, 1)
    elif style in _MULTI_SELECT_STYLES:
        max_count = max(len(ids) + int(other), 1)
    else:
        max_count = 1
    if min_count > max_count:
        raise QuestionXMLError(
            f"MinSelectionCount ({min_count}) is greater than MaxSelectionCount ({max_count}) "
            f"in question '{identifier}'."
        )
    return FormQuestion(
        identifier, "Selection", required, tuple(ids), min_count, max_count, other, None, 0, 0
    )


def _question(question: etree._Element, ns: str) -> FormQuestion:
    found = check_sequence(
        question,
        ns,
        [
            (("QuestionIdentifier",), 1, 1),
            (("DisplayName",), 0, 1),
            (("IsRequired",), 0, 1),
            (("QuestionContent",), 1, 1),
            (("AnswerSpecification",), 1, 1),
        ],
    )
    identifier = text_of(found["QuestionIdentifier"][0])
    if not identifier:
        raise QuestionXMLError("QuestionIdentifier must not be empty.")
    required_el = _one(found, "IsRequired")
    required = _boolean(required_el) if required_el is not None else False
    spec = check_sequence(
        found["AnswerSpecification"][0],
        ns,
        [(("FreeTextAnswer", "SelectionAnswer", "FileUploadAnswer"), 1, 1)],
    )
    if "SelectionAnswer" in spec:
        return _selection(spec["SelectionAnswer"][0], ns, identifier, required)
    if "FreeTextAnswer" in spec:
        constraints = _free_text(spec["FreeTextAnswer"][0], ns)
        return FormQuestion(identifier, "FreeText", required, (), 0, 0, False, constraints, 0, 0)
    sizes = check_sequence(
        spec["FileUploadAnswer"][0],
        ns,
        [(("MaxFileSizeInBytes",), 0, 1), (("MinFileSizeInBytes",), 0, 1)],
    )
    max_el, min_el = _one(sizes, "MaxFileSizeInBytes"), _one(sizes, "MinFileSizeInBytes")
    low = integer_of(min_el, 0) if min_el is not None else 0
    high = integer_of(max_el, 0) if max_el is not None else _MAX_FILE_BYTES
    if low > high:
        raise QuestionXMLError(
            f"MinFileSizeInBytes ({low}) is greater than MaxFileSizeInBytes ({high}) "
            f"in question '{identifier}'."
        )
    return FormQuestion(identifier, "FileUpload", required, (), 0, 0, False, None, low, high)


def _question_form(root: etree._Element, ns: str) -> ParsedQuestion:
    found = check_sequence(root, ns, [(("Overview", "Question"), 1, None)])
    questions: list[FormQuestion] = []
    seen: set[str] = set()
    for el in found.get("Question", []):
        question = _question(el, ns)
        if question.identifier in seen:
            raise QuestionXMLError(
                f"QuestionIdentifier '{question.identifier}' is used by more than one Question; "
                "question identifiers must be unique within a QuestionForm."
            )
        seen.add(question.identifier)
        questions.append(question)
    if not questions:
        raise QuestionXMLError(
            "cvc-complex-type.2.4.b: The content of element 'QuestionForm' is not complete. "
            f"One of '{{\"{ns}\":Question}}' is expected."
        )
    return ParsedQuestion("QuestionForm", tuple(questions), None, None, None)


def _external(root: etree._Element, ns: str) -> ParsedQuestion:
    found = check_sequence(root, ns, [(("ExternalURL",), 1, 1), (("FrameHeight",), 1, 1)])
    url = text_of(found["ExternalURL"][0])
    if not re.fullmatch(r"https://[^\s/?#]+[^\s]*", url, flags=re.IGNORECASE):
        raise QuestionXMLError("ExternalURL must be an https URL.")
    height = integer_of(found["FrameHeight"][0], 0)
    return ParsedQuestion("ExternalQuestion", (), url, height, None)


def _html(root: etree._Element, ns: str) -> ParsedQuestion:
    found = check_sequence(root, ns, [(("HTMLContent",), 1, 1), (("FrameHeight",), 1, 1)])
    content = text_of(found["HTMLContent"][0])
    if not content:
        raise QuestionXMLError("HTMLContent must not be empty.")
    height = integer_of(found["FrameHeight"][0], 0)
    return ParsedQuestion("HTMLQuestion", (), None, height, content)


@functools.lru_cache(maxsize=512)
def parse_question(xml: str) -> ParsedQuestion:
    """Parse a HIT ``Question``: a QuestionForm, ExternalQuestion or HTMLQuestion document.

    Results are cached (the same string returns the same object), so calling this on every
    CreateHIT is cheap. Raises QuestionXMLError when the XML is malformed or does not validate.
    """
    root = parse_xml_root(xml, _ALL_ROOTS)
    qname = etree.QName(root)
    ns = qname.namespace or ""
    if qname.localname == "ExternalQuestion":
        return _external(root, ns)
    if qname.localname == "HTMLQuestion":
        return _html(root, ns)
    return _question_form(root, ns)


@functools.lru_cache(maxsize=512)
def parse_qualification_test(xml: str) -> ParsedQuestion:
    """Parse a qualification type's ``Test``, which must be a QuestionForm (cached)."""
    root = parse_xml_root(xml, _QUESTION_FORM_ROOTS)
    return _question_form(root, etree.QName(root).namespace or "")


# --------------------------------------------------------------------------------------------
# HTML forms (HTMLQuestion content)

_INPUT_KINDS: dict[str, FieldKind] = {
    "text": "text",
    "search": "text",
    "tel": "text",
    "url": "text",
    "password": "text",
    "hidden": "hidden",
    "number": "number",
    "range": "number",
    "email": "email",
    "checkbox": "checkbox",
    "radio": "radio",
}
_SKIPPED_INPUTS = frozenset({"submit", "button", "reset", "image"})


def _categories(raw: str) -> tuple[str, ...]:
    try:
        value = json.loads(raw)
    except ValueError:
        return tuple(m.group(2) for m in re.finditer(r"""(['"])(.*?)\1""", raw))
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


class _Fields:
    """Collects fields by name in document order, merging options of repeated names."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.kinds: dict[str, FieldKind] = {}
        self.options: dict[str, list[str]] = {}
        self.required: dict[str, bool] = {}

    def add(
        self, name: str, kind: FieldKind, options: Iterable[str] = (), required: bool = False
    ) -> None:
        if not name or name in _RESERVED_FIELDS:
            return
        if name not in self.kinds:
            self.order.append(name)
            self.kinds[name] = kind
            self.options[name] = []
            self.required[name] = False
        self.required[name] = self.required[name] or required
        for option in options:
            if option not in self.options[name]:
                self.options[name].append(option)

    def result(self) -> tuple[FormField, ...]:
        return tuple(
            FormField(n, self.kinds[n], tuple(self.options[n]), self.required[n])
            for n in self.order
        )

    def visit(self, el: etree._Element) -> None:
        """Record the field ``el`` stands for, if it is one."""
        if not is_element(el) or el.get("disabled") is not None:
            return
        tag = el.tag
        name = el.get("name") or ""
        required = el.get("required") is not None
        input_type = (el.get("type") or "text").strip().lower()
        if tag == "input" and input_type not in _SKIPPED_INPUTS:
            kind = _INPUT_KINDS.get(input_type, "other")
            options = [el.get("value") or "on"] if kind in ("radio", "checkbox") else []
            self.add(name, kind, options, required)
        elif tag == "crowd-input":
            self.add(name, _INPUT_KINDS.get(input_type, "other"), (), required)
        elif tag in ("textarea", "crowd-text-area"):
            self.add(name, "textarea", (), required)
        elif tag == "select":
            values = [o.get("value", text_of(o)) for o in el.iter("option")]
            self.add(name, "select", [v for v in values if v], required)
        elif tag in ("crowd-checkbox", "crowd-toggle-button"):
            self.add(name, "checkbox", [el.get("value") or "on"], required)
        elif tag == "crowd-classifier":
            self.add(name, "radio", _categories(el.get("categories") or ""), required)
        elif tag == "crowd-radio-group":
            buttons = list(el.iter("crowd-radio-button"))
            opts = [o for o in (b.get("name") or b.get("value") for b in buttons) if o]
            group = name or el.get("id") or "|".join(opts)
            required = required or any(b.get("required") is not None for b in buttons)
            self.add(group, "radio", opts, required)
        elif tag.startswith("crowd-") and tag != "crowd-radio-button":
            self.add(name, "other", (), required)


@functools.lru_cache(maxsize=256)
def is_crowd_form(html: str) -> bool:
    """Whether ``html`` holds a ``<crowd-form>`` element (Crowd HTML Elements), cached."""
    if "crowd-form" not in html.lower():
        return False
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return False
    return next(doc.iter("crowd-form"), None) is not None


@functools.lru_cache(maxsize=256)
def html_form_fields(html: str) -> tuple[FormField, ...]:
    """The answer fields of an HTML form, in document order, one per field name (cached).

    Covers ``input`` (text-like, number, email, hidden, radio groups and checkboxes grouped by
    name with their values as options), ``select`` (option values) and ``textarea``, and the Crowd
    HTML Elements: crowd-input, crowd-text-area, crowd-checkbox, crowd-toggle-button,
    crowd-classifier (options from its ``categories`` list) and crowd-radio-group (options are its
    buttons' names or values; the field is named after the group's ``name``, else its ``id``, else
    its buttons' names joined by "|"); other named crowd elements are kind "other". Submit
    buttons, disabled controls and MTurk's reserved names (assignmentId, hitId, workerId,
    turkSubmitTo) are skipped.
    """
    if not html.strip():
        return ()
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ()
    fields = _Fields()
    for el in doc.iter():
        fields.visit(el)
    return fields.result()
