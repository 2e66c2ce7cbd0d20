"""Qualification requirements: the system types, and the checks made when a HIT type is created."""

from __future__ import annotations

from typing import Any

from pytest_mturk.errors import ParameterValidationError, RequestError
from pytest_mturk.service.model import QualificationType
from pytest_mturk.service.world import Environment

# Reference §5.2 (D-QR).
MASTERS_SANDBOX = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"
MASTERS_PRODUCTION = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"
NUMBER_HITS_APPROVED = "00000000000000000040"
LOCALE = "00000000000000000071"
ADULT = "00000000000000000060"
PERCENT_APPROVED = "000000000000000000L0"

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
            status="Active",
            creation_time=_EPOCH_2005,
            seq=-len(entries) + i,
            is_requestable=False,
        )
        env.qualification_types[type_id] = qt
        env.qual_type_order.append(qt)


def _pve(message: str) -> ParameterValidationError:
    # [unconfirmed] wording for requirement-shape errors; see docs/fidelity.md.
    return ParameterValidationError(message, "QualificationRequirements", "AWS.ParameterOutOfRange")


def normalize_requirements(
    env: Environment, requirements: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], bool]:
    """Check requirements and return them as the service echoes them, plus "requires Masters".

    The echo fills in ``ActionsGuarded`` ("Accept") and ``RequiredToPreview`` (false) as the 2019
    sandbox capture shows; the deprecated ``RequiredToPreview: true`` means ``PreviewAndAccept``.
    """
    if len(requirements) > 10:
        raise _pve(
            f"The value {len(requirements)} is invalid for QualificationRequirements. "
            "A HIT can have at most 10 QualificationRequirements."
        )
    out: list[dict[str, Any]] = []
    masters = False
    seen: set[str] = set()
    for req in requirements:
        type_id = req["QualificationTypeId"]
        comparator = req["Comparator"]
        qt = env.qualification_types.get(type_id)
        if qt is None or qt.deleted:
            # Real wording: breadboard#204 ("QualificationType [..] does not exist. (ms)").
            raise RequestError(
                f"QualificationType [{type_id}] does not exist.",
                "AWS.MechanicalTurk.QualificationTypeDoesNotExist",
            )
        if qt.status != "Active":
            # MD (QualificationType.QualificationTypeStatus): the status decides "if HITs can be
            # created with requirements based on this type". Code from the legacy list; the
            # wording follows the real "status of" family [unconfirmed].
            raise RequestError(
                f"QualificationType [{type_id}] is {qt.status}.  "
                "This operation can be called with a status of: Active",
                "AWS.MechanicalTurk.InvalidQualificationTypeState",
            )
        if type_id in seen:
            raise _pve(f"QualificationType {type_id} is used in more than one requirement.")
        seen.add(type_id)
        ints = req.get("IntegerValues")
        locales = req.get("LocaleValues")
        if ints and locales:
            raise _pve("A requirement can have IntegerValues or LocaleValues, not both.")
        if type_id == LOCALE:
            if ints:
                raise _pve("IntegerValues cannot be used with the Worker_Locale qualification.")
        elif locales:
            raise _pve("LocaleValues can only be used with the Worker_Locale qualification.")
        values = ints or locales or []
        if comparator in ("Exists", "DoesNotExist"):
            if values:
                raise _pve(f"The comparator {comparator} does not take values.")
        elif comparator in ("In", "NotIn"):
            limit = 30 if locales else 15
            if not values or len(values) > limit:
                raise _pve(
                    f"The comparator {comparator} takes 1 to {limit} "
                    f"{'LocaleValues' if locales else 'IntegerValues'}."
                )
        else:
            if len(values) != 1:
                raise _pve(f"The comparator {comparator} takes exactly one value.")
            if locales and comparator not in ("EqualTo", "NotEqualTo"):
                raise _pve(f"The comparator {comparator} cannot be used with LocaleValues.")
        guarded = req.get("ActionsGuarded")
        preview = req.get("RequiredToPreview")
        if guarded is not None and preview:
            raise _pve("RequiredToPreview cannot be combined with ActionsGuarded.")
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
