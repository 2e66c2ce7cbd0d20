"""Build, check and read QuestionFormAnswers documents (the API reference's QuestionFormAnswers
page).

Assignment.Answer and QualificationRequest.Answer are QuestionFormAnswers XML strings with an
XML declaration in front, as the real service returns them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from lxml import etree

from pytest_mturk.questions.parse import (
    ANSWERS_NS,
    FormQuestion,
    ParsedQuestion,
    Particle,
    QuestionXMLError,
    check_sequence,
    children,
    local_name,
    parse_xml_root,
    text_of,
)

__all__ = [
    "CROWD_ANSWER_ID",
    "XML_DECLARATION",
    "AnswerError",
    "build_answers_xml",
    "parse_answers_xml",
    "validate_answers_xml",
]

# What real Assignment.Answer values start with (Mephisto, amti, tutorial captures). The body is
# then pure ASCII: anything else is written as a character reference, as the service does.
XML_DECLARATION = '<?xml version="1.0" encoding="ASCII"?>'
_ROOT = "QuestionFormAnswers"
_ANSWER_CONTENT: list[Particle] = [
    (("QuestionIdentifier",), 1, 1),
    (("FreeText", "SelectionIdentifier", "UploadedFileSizeInBytes"), 0, None),
    (("OtherSelectionText", "UploadedFileKey"), 0, 1),
]

_EMPTY_ANSWERS = f'<{_ROOT} xmlns="{ANSWERS_NS}"/>'

#: The one QuestionIdentifier of a crowd-form's answer: its FreeText is a JSON list holding one
#: object of the form's fields (AWS MTurk Developer Guide, "Retrieving results").
CROWD_ANSWER_ID = "taskAnswers"

AnswerValue = str | Sequence[str] | bytes


class AnswerError(ValueError):
    """Answers that cannot be given to this question (the message says which and why)."""


def _form_questions(question: ParsedQuestion | None) -> dict[str, FormQuestion] | None:
    if question is None or question.kind != "QuestionForm":
        return None
    return {q.identifier: q for q in question.questions}


def _unknown(identifier: str, known: Mapping[str, FormQuestion]) -> AnswerError:
    names = ", ".join(known) or "none"
    return AnswerError(f'"{identifier}" is not a question of this HIT (its questions: {names})')


def _sub(parent: etree._Element, tag: str, text: str) -> None:
    child = etree.SubElement(parent, f"{{{ANSWERS_NS}}}{tag}")
    try:
        child.text = text
    except ValueError as exc:  # control characters and the like
        raise AnswerError(f"{tag} {text!r} cannot be written to XML: {exc}") from None


def _selection_answer(answer: etree._Element, q: FormQuestion, values: Sequence[str]) -> None:
    other: list[str] = []
    for value in values:
        if value in q.selections:
            _sub(answer, "SelectionIdentifier", value)
        elif q.other_selection:
            other.append(value)
        else:
            raise AnswerError(
                f'"{value}" is not a selection of question "{q.identifier}" '
                f"(its selections: {', '.join(q.selections)})"
            )
    if len(other) > 1:
        raise AnswerError(
            f'question "{q.identifier}" takes one "other" text, got {len(other)}: {other!r}'
        )
    if other:
        _sub(answer, "OtherSelectionText", other[0])


def _form_answer(
    answer: etree._Element,
    q: FormQuestion,
    value: AnswerValue,
    upload_keys: Mapping[str, str],
) -> None:
    if q.answer_kind == "FileUpload":
        if not isinstance(value, bytes):
            raise AnswerError(f'question "{q.identifier}" is a file upload: give the file as bytes')
        key = upload_keys.get(q.identifier)
        if key is None:
            raise AnswerError(f'no upload key was given for file upload question "{q.identifier}"')
        _sub(answer, "UploadedFileSizeInBytes", str(len(value)))
        _sub(answer, "UploadedFileKey", key)
    elif isinstance(value, bytes):
        raise AnswerError(f'question "{q.identifier}" is not a file upload: bytes are not allowed')
    elif q.answer_kind == "Selection":
        _selection_answer(answer, q, [value] if isinstance(value, str) else list(value))
    elif isinstance(value, str):
        _sub(answer, "FreeText", value)
    else:
        raise AnswerError(f'question "{q.identifier}" is a free-text question: give one string')


def build_answers_xml(
    answers: Mapping[str, AnswerValue],
    question: ParsedQuestion | None = None,
    *,
    upload_keys: Mapping[str, str] | None = None,
) -> str:
    """Build the QuestionFormAnswers XML for ``answers`` (identifier -> value), in mapping order.

    For a QuestionForm, each identifier must be one of its questions; a string answers a
    free-text question (``FreeText``) or picks one selection (``SelectionIdentifier``, or
    ``OtherSelectionText`` when it is not a selection and the question has an OtherSelection); a
    list of strings picks several selections; bytes answer a file upload question
    (``UploadedFileSizeInBytes`` and ``UploadedFileKey`` from ``upload_keys[identifier]``).
    Selection counts are not enforced: MTurk does not guarantee answers meet the constraints.

    For an ExternalQuestion, an HTMLQuestion or no question, every key is a form field name and
    becomes ``FreeText``; a list of strings becomes one ``FreeText`` with the values joined by
    "|", which is how MTurk submits a multi-valued form field (e.g. several checked checkboxes).

    For an HTMLQuestion whose form is a ``<crowd-form>`` (Crowd HTML Elements), the fields are
    one Answer, as MTurk stores them: QuestionIdentifier ``taskAnswers``, FreeText a JSON list
    holding one object of the fields (a string, or a list of strings for a multi-valued field).
    Answers that are already that one field (``{"taskAnswers": "[...]"}``, what the crowd-form's
    own script posts) are kept as they are.

    Raises AnswerError for answers the question cannot take.
    """
    if question is not None and question.crowd_form:
        answers = _crowd_form_answers(answers)
    known = _form_questions(question)
    keys = upload_keys or {}
    root = etree.fromstring(_EMPTY_ANSWERS)  # the default namespace, without a prefix
    for identifier, value in answers.items():
        given: object = identifier  # typed str, but callers' mappings are not checked
        if not isinstance(given, str) or not identifier:
            raise AnswerError(f"question identifier must be a non-empty string, got {identifier!r}")
        if known is not None and identifier not in known:
            raise _unknown(identifier, known)
        answer = etree.SubElement(root, f"{{{ANSWERS_NS}}}Answer")
        _sub(answer, "QuestionIdentifier", identifier)
        if known is not None:
            _form_answer(answer, known[identifier], value, keys)
        elif isinstance(value, bytes):
            raise AnswerError(
                f'"{identifier}": file uploads (bytes) need a QuestionForm FileUploadAnswer'
            )
        elif isinstance(value, str):
            _sub(answer, "FreeText", value)
        else:
            _sub(answer, "FreeText", "|".join(value))
    return XML_DECLARATION + etree.tostring(root, encoding="ASCII").decode("ascii")


def _crowd_form_answers(answers: Mapping[str, AnswerValue]) -> dict[str, AnswerValue]:
    """A crowd-form's fields as its one ``taskAnswers`` field: ``[{field: value, ...}]`` (JSON,
    compact, as the crowd-form's script writes it)."""
    if set(answers) == {CROWD_ANSWER_ID} and isinstance(answers[CROWD_ANSWER_ID], str):
        return dict(answers)  # already what the crowd-form posts
    fields: dict[str, str | list[str]] = {}
    for name, value in answers.items():
        given: object = name  # typed str, but callers' mappings are not checked
        if not isinstance(given, str) or not name:
            raise AnswerError(f"a crowd-form field name must be a non-empty string, got {name!r}")
        if isinstance(value, bytes):
            raise AnswerError(
                f'"{name}": file uploads (bytes) need a QuestionForm FileUploadAnswer'
            )
        fields[name] = value if isinstance(value, str) else [str(v) for v in value]
    text = json.dumps([fields], separators=(",", ":"), ensure_ascii=False)
    return {CROWD_ANSWER_ID: text}


def _answers_root(xml: str) -> etree._Element:
    try:
        root = parse_xml_root(xml, {_ROOT: (ANSWERS_NS,)})
        check_sequence(root, ANSWERS_NS, [(("Answer",), 0, None)])
        for answer in children(root):
            check_sequence(answer, ANSWERS_NS, _ANSWER_CONTENT)
    except QuestionXMLError as exc:
        raise AnswerError(
            f"the answer XML is not a valid QuestionFormAnswers: {exc.details}"
        ) from None
    return root


def validate_answers_xml(xml: str, question: ParsedQuestion | None = None) -> str:
    """Check a ready QuestionFormAnswers document and return the string to store.

    The XML must be well-formed, have the QuestionFormAnswers root in its namespace, and each
    Answer must carry a QuestionIdentifier (unique, and a question of ``question`` when that is
    a QuestionForm). The XML declaration is added when missing. Raises AnswerError otherwise.
    """
    root = _answers_root(xml)
    known = _form_questions(question)
    seen: set[str] = set()
    for answer in children(root):
        identifier = text_of(answer[0])
        if not identifier:
            raise AnswerError("an Answer has an empty QuestionIdentifier")
        if identifier in seen:
            raise AnswerError(f'question "{identifier}" is answered more than once')
        seen.add(identifier)
        if known is not None and identifier not in known:
            raise _unknown(identifier, known)
    return xml if xml.startswith("<?xml") else XML_DECLARATION + xml


def parse_answers_xml(xml: str) -> dict[str, str | list[str]]:
    """Read a QuestionFormAnswers document into identifier -> answer.

    ``FreeText`` gives a string, selections give a list of SelectionIdentifier values (with the
    OtherSelectionText, if any, as the last item), a file upload gives its UploadedFileKey, and an
    Answer with nothing but its identifier gives an empty list. Raises AnswerError on bad XML.
    """
    root = _answers_root(xml)
    result: dict[str, str | list[str]] = {}
    for answer in children(root):
        parts = children(answer)
        identifier = text_of(parts[0])
        by_name: dict[str, list[str]] = {}
        for part in parts[1:]:
            # FreeText keeps its whitespace; the other values are tokens.
            name = local_name(part)
            value = "".join(t for t in part.itertext() if isinstance(t, str))
            by_name.setdefault(name, []).append(value if name == "FreeText" else value.strip())
        if "FreeText" in by_name:
            result[identifier] = by_name["FreeText"][0]
        elif "UploadedFileKey" in by_name:
            result[identifier] = by_name["UploadedFileKey"][0]
        else:
            result[identifier] = by_name.get("SelectionIdentifier", []) + by_name.get(
                "OtherSelectionText", []
            )
    return result
