"""Plausible answers for simulated ("autopilot") workers."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from pytest_mturk.questions.parse import (
    FormQuestion,
    FreeTextConstraints,
    ParsedQuestion,
    html_form_fields,
)

__all__ = ["generate_answers"]

_WORDS = (
    "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do",
    "eiusmod", "tempor", "incididunt", "labore", "dolore", "magna", "aliqua", "enim", "minim",
    "veniam",
)  # fmt: skip
_REGEX_ROUNDS = 3  # rounds of fresh candidates to try against a regex constraint


def _word(rng: random.Random) -> str:
    return rng.choice(_WORDS)


def _fit_length(value: str, c: FreeTextConstraints, rng: random.Random) -> str:
    if c.min_length is not None:
        while len(value) < c.min_length:
            value = f"{value} {_word(rng)}" if value else _word(rng)
    if c.max_length is not None and len(value) > c.max_length:
        value = value[: c.max_length].rstrip() or value[: c.max_length]
    return value


def _number(c: FreeTextConstraints, rng: random.Random) -> str:
    low, high = c.min_value, c.max_value
    if low is None and high is None:
        low, high = 0, 100
    elif low is None:
        assert high is not None
        low = min(0, high)
    elif high is None:
        high = max(low, 0) + 100
    return str(rng.randint(low, max(low, high)))


def _regex_candidates(rng: random.Random, base: str) -> list[str]:
    word = _word(rng)
    digits = str(rng.randint(0, 9))
    return [
        base,
        word,
        word.capitalize(),
        word.upper(),
        digits,
        str(rng.randint(10, 99)),
        str(rng.randint(100, 99999)),
        word[0],
        word[0].upper(),
        f"{word}{digits}",
        f"{word} {_word(rng)}",
        f"{word}@example.com",
        f"https://example.com/{word}",
        "yes",
        "no",
        "true",
        "0",
        "",
    ]


def _matches(value: str, c: FreeTextConstraints, pattern: re.Pattern[str] | None) -> bool:
    if c.min_length is not None and len(value) < c.min_length:
        return False
    if c.max_length is not None and len(value) > c.max_length:
        return False
    if c.is_numeric:
        try:
            number = int(value)
        except ValueError:
            return False
        if c.min_value is not None and number < c.min_value:
            return False
        if c.max_value is not None and number > c.max_value:
            return False
    return pattern is None or pattern.fullmatch(value) is not None


def _free_text(
    c: FreeTextConstraints | None, rng: random.Random, text: Callable[[], str] | None
) -> str:
    base = text() if text is not None else _word(rng)
    if c is None:
        return base
    value = _number(c, rng) if c.is_numeric else _fit_length(base, c, rng)
    if c.regex is None:
        return value
    try:
        pattern = re.compile(c.regex)
    except re.error:  # an MTurk (JavaScript) regex Python cannot compile: give the plain value
        return value
    if _matches(value, c, pattern):
        return value
    for _ in range(_REGEX_ROUNDS):
        for candidate in _regex_candidates(rng, base):
            if _matches(candidate, c, pattern):
                return candidate
    return value  # no candidate fits: MTurk does not enforce constraints on stored answers anyway


def _selection(
    q: FormQuestion, rng: random.Random, text: Callable[[], str] | None
) -> str | list[str]:
    pool = list(q.selections)
    high = min(q.max_selections, len(pool))
    low = min(max(q.min_selections, 1), high)
    chosen: list[str] = []
    if high > 0:
        picked = set(rng.sample(pool, rng.randint(low, high)))
        chosen = [s for s in pool if s in picked]
    if not chosen and q.other_selection:
        chosen = [text() if text is not None else _word(rng)]
    if q.max_selections == 1 and len(chosen) == 1:
        return chosen[0]
    return chosen


def _html_answers(
    html: str, rng: random.Random, text: Callable[[], str] | None
) -> dict[str, str | list[str]]:
    answers: dict[str, str | list[str]] = {}
    for field in html_form_fields(html):
        if field.kind == "hidden":
            continue
        if field.kind in ("radio", "select", "checkbox") and field.options:
            answers[field.name] = rng.choice(field.options)
        elif field.kind == "number":
            answers[field.name] = str(rng.randint(0, 100))
        elif field.kind == "email":
            answers[field.name] = f"{_word(rng)}{rng.randint(1, 999)}@example.com"
        else:
            answers[field.name] = text() if text is not None else _word(rng)
    return answers


def generate_answers(
    question: ParsedQuestion, rng: random.Random, *, text: Callable[[], str] | None = None
) -> dict[str, str | list[str]]:
    """Valid-looking answers to ``question``, deterministic for a given ``rng`` state.

    QuestionForm: every question is answered except file uploads; a selection question gets a
    random selection set within its Min/MaxSelectionCount (a string when at most one may be
    picked, else a list); a free-text question gets text meeting its numeric, length and (when a
    few candidates can satisfy it) regex constraints. HTMLQuestion: one value per form field
    (hidden fields skipped): an option for radio/select/checkbox fields, a number, an address,
    or ``text()`` (default: a lorem word) for the rest. ExternalQuestion: ``{}``, since the
    caller knows what its external page submits.
    """
    if question.kind == "ExternalQuestion":
        return {}
    if question.kind == "HTMLQuestion":
        return _html_answers(question.html or "", rng, text)
    answers: dict[str, str | list[str]] = {}
    for q in question.questions:
        if q.answer_kind == "Selection":
            answers[q.identifier] = _selection(q, rng, text)
        elif q.answer_kind == "FreeText":
            answers[q.identifier] = _free_text(q.free_text, rng, text)
    return answers
