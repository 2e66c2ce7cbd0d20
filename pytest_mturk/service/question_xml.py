"""The service's use of MTurk XML: questions, HITLayouts, qualification tests, answer keys and
answers, with the service's errors for bad XML.

Every function imports :mod:`pytest_mturk.questions` when first called ("deferred (lxml)"): with
lxml that takes about 35 ms, a quarter of what importing the service would then take, and a
session that starts fakes without parsing any XML (``--mturk-fake`` on a suite of plain tests)
never pays it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pytest_mturk.errors import WorkerActionError
from pytest_mturk.service import checks
from pytest_mturk.service.errors import (
    HITLayoutDoesNotExist,
    HITLayoutParametersMissing,
    XMLParseError,
)

if TYPE_CHECKING:
    from pytest_mturk.questions import ParsedQuestion

#: Question, Test and AnswerKey documents are at most 65,535 bytes (UTF-8).
MAX_XML_BYTES = 65_535

#: What a worker answers with: identifier -> text, selections or file bytes; ready
#: QuestionFormAnswers XML; or None for answers generated from the question.
Answers = Mapping[str, "str | Sequence[str] | bytes"] | str | None

_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def parse_question(xml: str) -> ParsedQuestion:
    """A HIT's Question parsed, or MTurk's XML parse error."""
    from pytest_mturk.questions import QuestionXMLError  # deferred (lxml)
    from pytest_mturk.questions import parse_question as parse

    try:
        return parse(xml)
    except QuestionXMLError as exc:
        raise XMLParseError(exc.details) from exc


def render_layout(
    layouts: Mapping[str, str], layout_id: str, parameters: list[dict[str, str]]
) -> str:
    """A HITLayout registered with ``fake.register_hit_layout`` with its ``${Name}``s filled
    (values XML-escaped)."""
    template = layouts.get(layout_id)
    if template is None:
        raise HITLayoutDoesNotExist(layout_id)
    values = {p["Name"]: p["Value"] for p in parameters}
    missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise HITLayoutParametersMissing(layout_id, ", ".join(missing))
    return _PLACEHOLDER.sub(lambda m: _xml_escape(values[m.group(1)]), template)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def parse_test(test: str) -> ParsedQuestion:
    """A qualification Test: a QuestionForm of at most 65,535 bytes (the API reference)."""
    from pytest_mturk.questions import (  # deferred (lxml)
        QuestionXMLError,
        parse_qualification_test,
    )

    checks.max_length({"Test": test}, "Test", MAX_XML_BYTES, utf8=True)
    try:
        return parse_qualification_test(test)
    except QuestionXMLError as exc:
        raise XMLParseError(exc.details) from exc


def check_answer_key(answer_key: str, test: ParsedQuestion) -> None:
    """An AnswerKey of at most 65,535 bytes (the API reference) that parses and fits its Test
    (the AnswerKey page)."""
    from pytest_mturk.questions import (  # deferred (lxml)
        QuestionXMLError,
        parse_answer_key,
        validate_answer_key_against_test,
    )

    checks.max_length({"AnswerKey": answer_key}, "AnswerKey", MAX_XML_BYTES, utf8=True)
    try:
        validate_answer_key_against_test(parse_answer_key(answer_key), test)
    except QuestionXMLError as exc:
        raise XMLParseError(exc.details) from exc


def answers_to_xml(
    parsed: ParsedQuestion | None,
    answers: Answers,
    rng: random.Random,
    upload_keys: dict[str, str] | None = None,
) -> str:
    """QuestionFormAnswers XML for ``answers`` (a mapping, a ready XML string, or None for
    answers generated from the question); bad answers raise WorkerActionError("answers")."""
    from pytest_mturk.questions import (  # deferred (lxml)
        AnswerError,
        build_answers_xml,
        generate_answers,
        validate_answers_xml,
    )

    try:
        if isinstance(answers, str):
            return validate_answers_xml(answers, parsed)
        if answers is None:
            answers = generate_answers(parsed, rng) if parsed is not None else {}
        return build_answers_xml(answers, parsed, upload_keys=upload_keys)
    except AnswerError as exc:
        raise WorkerActionError(str(exc), "answers") from exc


def answers_for_test(test: str, answers: Answers, rng: random.Random) -> str:
    """QuestionFormAnswers XML for a stored qualification Test (as for ``worker.submit``).

    Every question the Test marks ``IsRequired`` must be answered (a blank text or no
    selection is no answer): the worker site does not take the test otherwise, so a refusal
    (WorkerActionError "answers") names the question."""
    from pytest_mturk.questions import (  # deferred (lxml)
        parse_answers_xml,
        parse_qualification_test,
    )

    parsed = parse_qualification_test(test)
    xml = answers_to_xml(parsed, answers, rng)
    given = parse_answers_xml(xml)
    missing = [
        q.identifier
        for q in parsed.questions
        if q.is_required and not _answered(given.get(q.identifier))
    ]
    if missing:
        names = ", ".join(f'"{m}"' for m in missing)
        noun = "question" if len(missing) == 1 else "questions"
        raise WorkerActionError(
            f"The qualification test's required {noun} {names} (IsRequired) must be answered.",
            "answers",
        )
    return xml


def _answered(value: str | list[str] | None) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return any(v.strip() for v in value)


def score(answer_key: str, answer_xml: str) -> int:
    """The qualification value a stored AnswerKey gives these answers (the AnswerKey page)."""
    from pytest_mturk.questions import parse_answer_key, parse_answers_xml  # deferred (lxml)

    return parse_answer_key(answer_key).score(parse_answers_xml(answer_xml))


def answer_sets(answer_xml: str) -> dict[str, frozenset[str]]:
    """Each question's answer as a set of trimmed values (at most 256 characters each), as the
    review policies compare them; unreadable answers give nothing."""
    from pytest_mturk.questions import parse_answers_xml  # deferred (lxml)

    try:
        parsed = parse_answers_xml(answer_xml)
    except ValueError:
        return {}
    out: dict[str, frozenset[str]] = {}
    for qid, value in parsed.items():
        values = [value] if isinstance(value, str) else value
        out[qid] = frozenset(v.strip() for v in values if v.strip() and len(v.strip()) <= 256)
    return out
