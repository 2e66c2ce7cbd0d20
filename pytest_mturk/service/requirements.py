"""Qualification requirements: the system types, and the checks made when a HIT type is created."""

from __future__ import annotations

from typing import Any

from pytest_mturk.service import errors
from pytest_mturk.service.model import ACTIVE, Environment, QualificationType

# The QualificationRequirement page of the API reference.
MASTERS_SANDBOX = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"
MASTERS_PRODUCTION = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"
NUMBER_HITS_APPROVED = "00000000000000000040"
LOCALE = "00000000000000000071"
ADULT = "00000000000000000060"
PERCENT_APPROVED = "000000000000000000L0"

#: The system qualification types: values come from worker profiles.
SYSTEM_TYPE_IDS = frozenset(
    {MASTERS_SANDBOX, MASTERS_PRODUCTION, NUMBER_HITS_APPROVED, LOCALE, ADULT, PERCENT_APPROVED}
)

_SYSTEM = (
    (
        NUMBER_HITS_APPROVED,
        "Worker_NumberHITsApproved",
        "Number of HITs a Worker has had approved.",
    ),
    (LOCALE, "Worker_Locale", "The location of the Worker, as given in the Worker's address."),
    (ADULT, "Worker_Adult", "Workers who have agreed to see adult content."),
    (
        PERCENT_APPROVED,
        "Worker_PercentAssignmentsApproved",
        "Percentage of the Worker's submitted assignments that were approved.",
    ),
)
_EPOCH_2005 = 1117584000.0

INTEGER_COMPARATORS = frozenset(
    {
        "LessThan",
        "LessThanOrEqualTo",
        "GreaterThan",
        "GreaterThanOrEqualTo",
        "EqualTo",
        "NotEqualTo",
    }
)


def masters_id(env: Environment) -> str:
    return MASTERS_SANDBOX if env.is_sandbox else MASTERS_PRODUCTION


def install_system_types(env: Environment) -> None:
    """Give an environment its system qualification types (Masters ids differ per site)."""
    entries = [
        (
            masters_id(env),
            "Masters",
            "Workers who have demonstrated excellence across a wide range of HITs.",
        ),
        *_SYSTEM,
    ]
    for i, (type_id, name, description) in enumerate(entries):
        qt = QualificationType(
            id=type_id,
            owner=None,
            name=name,
            description=description,
            keywords=None,
            status=ACTIVE,
            creation_time=_EPOCH_2005,
            seq=-len(entries) + i,
            is_requestable=False,
        )
        env.qualification_types[type_id] = qt
        env.qual_type_order.append(qt)


def normalize_requirements(
    env: Environment, requirements: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], bool]:
    """Check requirements and return them as the service echoes them, plus "requires Masters".

    The echo fills in ``ActionsGuarded`` ("Accept") and ``RequiredToPreview`` (false) as the 2019
    sandbox capture shows; the deprecated ``RequiredToPreview: true`` means ``PreviewAndAccept``.
    """
    if len(requirements) > 10:
        raise errors.TooManyRequirements(len(requirements))
    out: list[dict[str, Any]] = []
    masters = False
    seen: set[str] = set()
    for req in requirements:
        type_id = req["QualificationTypeId"]
        comparator = req["Comparator"]
        qt = env.qualification_types.get(type_id)
        if qt is None or qt.deleted:
            raise errors.QualificationTypeDoesNotExist(type_id)
        if qt.status != ACTIVE:
            # The API reference (QualificationTypeStatus): the status decides "if HITs can be
            # created with requirements based on this type".
            raise errors.InvalidQualificationTypeState(type_id, qt.status)
        if type_id in seen:
            raise errors.RequirementTypeRepeated(type_id)
        seen.add(type_id)
        ints = req.get("IntegerValues")
        locales = req.get("LocaleValues")
        if ints and locales:
            raise errors.IntegerAndLocaleValues()
        if type_id == LOCALE:
            if ints:
                raise errors.IntegerValuesOnLocale()
        elif locales:
            raise errors.LocaleValuesOffLocale()
        values = ints or locales or []
        if comparator in ("Exists", "DoesNotExist"):
            if values:
                raise errors.ComparatorTakesNoValues(comparator)
        elif comparator in ("In", "NotIn"):
            limit = 30 if locales else 15
            if not values or len(values) > limit:
                kind = "LocaleValues" if locales else "IntegerValues"
                raise errors.ComparatorValueCount(comparator, limit, kind)
        else:
            if len(values) != 1:
                raise errors.ComparatorTakesOneValue(comparator)
            if locales and comparator not in ("EqualTo", "NotEqualTo"):
                raise errors.ComparatorNotForLocales(comparator)
        guarded = req.get("ActionsGuarded")
        preview = req.get("RequiredToPreview")
        if guarded is not None and preview:
            raise errors.RequiredToPreviewWithActionsGuarded()
        if guarded is None:
            guarded = "PreviewAndAccept" if preview else "Accept"
        echo: dict[str, Any] = {"QualificationTypeId": type_id, "Comparator": comparator}
        if ints is not None:
            echo["IntegerValues"] = list(ints)
        if locales is not None:
            echo["LocaleValues"] = [dict(lv) for lv in locales]
        echo["RequiredToPreview"] = bool(preview)
        echo["ActionsGuarded"] = guarded
        out.append(echo)
        if type_id in (MASTERS_SANDBOX, MASTERS_PRODUCTION) and comparator != "DoesNotExist":
            masters = True
    return out, masters
