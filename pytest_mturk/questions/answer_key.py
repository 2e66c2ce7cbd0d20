"""AnswerKey parsing and qualification test scoring (the API reference's AnswerKey page)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from pytest_mturk.questions.parse import (
    ANSWER_KEY_NS,
    ParsedQuestion,
    QuestionXMLError,
    check_sequence,
    integer_of,
    parse_xml_root,
    text_of,
)

__all__ = [
    "AnswerKey",
    "AnswerKeyQuestion",
    "AnswerOption",
    "PercentageMapping",
    "RangeMapping",
    "ScaleMapping",
    "SummedScoreRange",
    "parse_answer_key",
    "validate_answer_key_against_test",
]


@dataclass(frozen=True, slots=True)
class AnswerOption:
    """Scores ``score`` when the worker selected exactly ``selections``."""

    selections: frozenset[str]
    score: int


@dataclass(frozen=True, slots=True)
class AnswerKeyQuestion:
    """The key for one test question: its options, and the score when none matches."""

    identifier: str
    options: tuple[AnswerOption, ...]
    default_score: int = 0

    def score(self, answer: str | list[str] | None) -> int:
        """The score of one answer: the first option whose selections equal it, else default."""
        if answer is None:
            chosen: frozenset[str] = frozenset()
        elif isinstance(answer, str):
            chosen = frozenset((answer,))
        else:
            chosen = frozenset(answer)
        for option in self.options:
            if option.selections == chosen:
                return option.score
        return self.default_score


@dataclass(frozen=True, slots=True)
class PercentageMapping:
    """Value = total / maximum_summed_score x 100, rounded half up."""

    maximum_summed_score: int


@dataclass(frozen=True, slots=True)
class ScaleMapping:
    """Value = total x multiplier, rounded half up to an integer."""

    multiplier: Decimal


@dataclass(frozen=True, slots=True)
class SummedScoreRange:
    """Totals from ``lower`` to ``upper`` (both inclusive) map to ``value``."""

    lower: int
    upper: int
    value: int


@dataclass(frozen=True, slots=True)
class RangeMapping:
    """Value = that of the first range containing the total, else ``out_of_range_value``."""

    ranges: tuple[SummedScoreRange, ...]
    out_of_range_value: int


ValueMapping = PercentageMapping | ScaleMapping | RangeMapping


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class AnswerKey:
    """A parsed AnswerKey: per-question options and an optional QualificationValueMapping."""

    questions: tuple[AnswerKeyQuestion, ...]
    mapping: ValueMapping | None = None

    def total(self, answers: Mapping[str, str | list[str]]) -> int:
        """The summed score of ``answers`` (identifier -> selection or list of selections)."""
        return sum(q.score(answers.get(q.identifier)) for q in self.questions)

    def score(self, answers: Mapping[str, str | list[str]]) -> int:
        """The qualification value for ``answers``: the summed score through the mapping."""
        total = self.total(answers)
        mapping = self.mapping
        if isinstance(mapping, PercentageMapping):
            return _round_half_up(Decimal(total) * 100 / Decimal(mapping.maximum_summed_score))
        if isinstance(mapping, ScaleMapping):
            return _round_half_up(Decimal(total) * mapping.multiplier)
        if isinstance(mapping, RangeMapping):
            for rng in mapping.ranges:
                if rng.lower <= total <= rng.upper:
                    return rng.value
            return mapping.out_of_range_value
        return total


def _question(el: etree._Element) -> AnswerKeyQuestion:
    ns = ANSWER_KEY_NS
    found = check_sequence(
        el,
        ns,
        [(("QuestionIdentifier",), 1, 1), (("AnswerOption",), 1, None), (("DefaultScore",), 0, 1)],
    )
    identifier = text_of(found["QuestionIdentifier"][0])
    if not identifier:
        raise QuestionXMLError("QuestionIdentifier must not be empty.")
    options = []
    for option in found["AnswerOption"]:
        parts = check_sequence(
            option, ns, [(("SelectionIdentifier",), 1, None), (("AnswerScore",), 1, 1)]
        )
        selections = frozenset(text_of(s) for s in parts["SelectionIdentifier"])
        options.append(AnswerOption(selections, integer_of(parts["AnswerScore"][0])))
    default = found.get("DefaultScore")
    return AnswerKeyQuestion(identifier, tuple(options), integer_of(default[0]) if default else 0)


def _mapping(el: etree._Element) -> ValueMapping:
    ns = ANSWER_KEY_NS
    kinds = ("PercentageMapping", "ScaleMapping", "RangeMapping")
    found = check_sequence(el, ns, [(kinds, 1, 1)])
    if "PercentageMapping" in found:
        parts = check_sequence(found["PercentageMapping"][0], ns, [(("MaximumSummedScore",), 1, 1)])
        return PercentageMapping(integer_of(parts["MaximumSummedScore"][0], 1))
    if "ScaleMapping" in found:
        parts = check_sequence(found["ScaleMapping"][0], ns, [(("SummedScoreMultiplier",), 1, 1)])
        raw = text_of(parts["SummedScoreMultiplier"][0])
        try:
            multiplier = Decimal(raw)
        except InvalidOperation:
            multiplier = Decimal("NaN")
        if not multiplier.is_finite():
            raise QuestionXMLError(
                f"cvc-datatype-valid.1.2.1: '{raw}' is not a valid value for 'decimal'."
            )
        return ScaleMapping(multiplier)
    parts = check_sequence(
        found["RangeMapping"][0],
        ns,
        [(("SummedScoreRange",), 1, None), (("OutOfRangeQualificationValue",), 1, 1)],
    )
    ranges = []
    for rng in parts["SummedScoreRange"]:
        bounds = check_sequence(
            rng,
            ns,
            [
                (("InclusiveLowerBound",), 1, 1),
                (("InclusiveUpperBound",), 1, 1),
                (("QualificationValue",), 1, 1),
            ],
        )
        ranges.append(
            SummedScoreRange(
                integer_of(bounds["InclusiveLowerBound"][0]),
                integer_of(bounds["InclusiveUpperBound"][0]),
                integer_of(bounds["QualificationValue"][0]),
            )
        )
    return RangeMapping(tuple(ranges), integer_of(parts["OutOfRangeQualificationValue"][0]))


@functools.lru_cache(maxsize=256)
def parse_answer_key(xml: str) -> AnswerKey:
    """Parse an AnswerKey document (cached). Raises QuestionXMLError when it is invalid."""
    root = parse_xml_root(xml, {"AnswerKey": (ANSWER_KEY_NS,)})
    found = check_sequence(
        root, ANSWER_KEY_NS, [(("Question",), 0, None), (("QualificationValueMapping",), 0, 1)]
    )
    questions: list[AnswerKeyQuestion] = []
    for el in found.get("Question", []):
        question = _question(el)
        if any(q.identifier == question.identifier for q in questions):
            raise QuestionXMLError(
                f"QuestionIdentifier '{question.identifier}' appears more than once in the "
                "AnswerKey."
            )
        questions.append(question)
    mapping_el = found.get("QualificationValueMapping")
    mapping = _mapping(mapping_el[0]) if mapping_el else None
    return AnswerKey(tuple(questions), mapping)


def validate_answer_key_against_test(key: AnswerKey, test: ParsedQuestion) -> None:
    """Check that every AnswerKey question is a question of the Test.

    Where the Test question is a selection question, the key's SelectionIdentifiers must be its
    selections too. Raises QuestionXMLError otherwise.
    """
    by_id = {q.identifier: q for q in test.questions}
    for kq in key.questions:
        tq = by_id.get(kq.identifier)
        if tq is None:
            raise QuestionXMLError(
                f"The AnswerKey QuestionIdentifier '{kq.identifier}' does not match any "
                f"Question in the Test (its questions: {', '.join(by_id) or 'none'})."
            )
        if tq.answer_kind != "Selection":
            continue
        for option in kq.options:
            unknown = sorted(option.selections - set(tq.selections))
            if unknown:
                raise QuestionXMLError(
                    f"The AnswerKey SelectionIdentifier '{unknown[0]}' is not a Selection of "
                    f"Question '{kq.identifier}' in the Test."
                )
