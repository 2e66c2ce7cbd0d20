"""Parse an assignment's ``Answer``: a QuestionFormAnswers XML document.

For an HTMLQuestion, MTurk stores every form field the worker posted (except assignmentId) as
one ``<Answer>`` with ``<FreeText>``; QuestionForm answers use ``<SelectionIdentifier>`` (one per
chosen option) or ``<FreeText>``, and file uploads ``<UploadedFileKey>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"

#: The elements that carry an answer's value(s).
VALUE_TAGS = frozenset({"FreeText", "SelectionIdentifier", "OtherSelectionText", "UploadedFileKey"})


class AnswerFormatError(ValueError):
    """The Answer is not a QuestionFormAnswers document."""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse_answers(document: str) -> dict[str, str | list[str]]:
    """QuestionIdentifier -> the answer (a list when several options were selected)."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError as error:
        raise AnswerFormatError(f"the Answer is not XML: {error}") from None
    if _local(root.tag) != "QuestionFormAnswers":
        raise AnswerFormatError(f"expected QuestionFormAnswers, got {_local(root.tag)}")
    out: dict[str, str | list[str]] = {}
    for answer in root:
        if _local(answer.tag) != "Answer":
            continue
        identifier = None
        values: list[str] = []
        for part in answer:
            name = _local(part.tag)
            if name == "QuestionIdentifier":
                identifier = (part.text or "").strip()
            elif name in VALUE_TAGS:
                values.append(part.text or "")
        if identifier:
            out[identifier] = values[0] if len(values) == 1 else values
    return out
