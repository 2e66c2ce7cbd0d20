"""Who may discover, preview or accept a HIT: blocks, the HIT's own state, and the evaluation
of its QualificationRequirements (the API reference's QualificationRequirement page); the
worker-side queries built on it
(``worker.can_accept``, ``worker.search_hits``, ``worker.qualification_value``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pytest_mturk.errors import WorkerActionError
from pytest_mturk.service.model import (
    ACCEPTED,
    ASSIGNABLE,
    DISPOSED,
    GRANTED,
    HIT,
    UNASSIGNABLE,
    VISIBLE_ASSIGNMENT_STATUSES,
    Environment,
)
from pytest_mturk.service.qualifications import find_type_anywhere
from pytest_mturk.service.requirements import (
    ADULT,
    LOCALE,
    MASTERS_PRODUCTION,
    MASTERS_SANDBOX,
    NUMBER_HITS_APPROVED,
    PERCENT_APPROVED,
    SYSTEM_TYPE_IDS,
)
from pytest_mturk.service.state import Service

#: Which worker actions each ActionsGuarded value guards (order Discover < Preview < Accept;
#: the QualificationRequirement page). The deprecated RequiredToPreview=true was already turned
#: into PreviewAndAccept by
#: normalize_requirements.
GUARDED_ACTIONS: dict[str, frozenset[str]] = {
    "Accept": frozenset({"accept"}),
    "PreviewAndAccept": frozenset({"preview", "accept"}),
    "DiscoverPreviewAndAccept": frozenset({"discover", "preview", "accept"}),
}
WORKER_ACTIONS = ("discover", "preview", "accept")

# A locale value as the evaluation sees it: (Country, Subdivision or None).
Locale = tuple[str, str | None]
Value = int | Locale | None


def _percent(part: int, whole: int) -> int:
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def held_value(svc: Service, env: Environment | None, type_id: str, worker_id: str) -> Value:
    """What the worker holds of a qualification type: an integer, a locale, or None (lacks).

    System values come from the worker's profile (``fake.workers.create``) plus the work
    done in the fake (``svc.worker_history``); a worker without a profile is an adult in the US
    with no history. A revoked qualification is not held.
    """
    profile = svc.profiles.get(worker_id)
    if type_id == LOCALE:
        return (profile.country, profile.subdivision) if profile is not None else ("US", None)
    if type_id == ADULT:
        return int(profile.adult) if profile is not None else 1
    if type_id in (MASTERS_SANDBOX, MASTERS_PRODUCTION):
        return 1 if profile is not None and profile.masters else None
    if type_id in (NUMBER_HITS_APPROVED, PERCENT_APPROVED):
        submitted, approved, rejected = svc.worker_history.get(worker_id, (0, 0, 0))
        if profile is not None:
            submitted += profile.prior_submitted
            approved += profile.prior_approved
            rejected += profile.prior_rejected
        if type_id == NUMBER_HITS_APPROVED:
            return approved
        # The QualificationRequirement page: reads 100 until the worker has submitted 100.
        if submitted < 100 or approved + rejected == 0:
            return 100
        return _percent(approved, approved + rejected)
    qt = env.qualification_types.get(type_id) if env is not None else None
    if qt is None or qt.owner is None:
        return None
    q = qt.owner.qualifications.get((type_id, worker_id))
    if q is None or q.status != GRANTED:
        return None
    return q.integer_value


def _locale_matches(lv: Mapping[str, str], held: Locale) -> bool:
    # The QualificationRequirement page: {US} matches any US worker, {US, PA} only Pennsylvania.
    if lv["Country"] != held[0]:
        return False
    sub = lv.get("Subdivision")
    return sub is None or sub == held[1]


def meets(requirement: Mapping[str, Any], held: Value) -> bool:
    """Whether a held value satisfies one (normalized) QualificationRequirement.

    A worker who lacks the qualification (``held`` None) fails every comparator except
    DoesNotExist ([inferred] from the QualificationRequirement page; the blocklist idiom relies on
    it).
    """
    comparator = requirement["Comparator"]
    if comparator == "Exists":
        return held is not None
    if comparator == "DoesNotExist":
        return held is None
    if held is None:
        return False
    if isinstance(held, tuple):
        locales = requirement.get("LocaleValues")
        if not locales:
            return False
        found = any(_locale_matches(lv, held) for lv in locales)
        return found if comparator in ("EqualTo", "In") else not found
    ints = requirement.get("IntegerValues") or []
    if not ints:
        return False
    if comparator == "In":
        return held in ints
    if comparator == "NotIn":
        return held not in ints
    target: int = ints[0]
    if comparator == "LessThan":
        return held < target
    if comparator == "LessThanOrEqualTo":
        return held <= target
    if comparator == "GreaterThan":
        return held > target
    if comparator == "GreaterThanOrEqualTo":
        return held >= target
    if comparator == "EqualTo":
        return held == target
    if comparator == "NotEqualTo":
        return held != target
    return False


def show_held(held: Value, absent: str = "none (the worker does not have it)") -> str:
    """A worker's value of a qualification as text (``absent`` when the worker has none): an
    integer, or a locale as ``US`` or ``US-NY``."""
    if held is None:
        return absent
    if isinstance(held, tuple):
        return held[0] if held[1] is None else f"{held[0]}-{held[1]}"
    return str(held)


def _show_values(requirement: Mapping[str, Any]) -> str:
    if requirement.get("LocaleValues"):
        return (
            "["
            + ", ".join(
                lv["Country"] + (f"-{lv['Subdivision']}" if lv.get("Subdivision") else "")
                for lv in requirement["LocaleValues"]
            )
            + "]"
        )
    if requirement.get("IntegerValues"):
        return "[" + ", ".join(str(v) for v in requirement["IntegerValues"]) + "]"
    return ""


def requirement_refusal(svc: Service, hit: HIT, worker_id: str, action: str) -> str | None:
    """Why the worker's qualifications do not let them ``action`` the HIT, or None.

    Only requirements whose ActionsGuarded covers the action count; cost is one lookup per
    requirement.
    """
    env = hit.world.env
    for requirement in hit.hit_type.requirements:
        if action not in GUARDED_ACTIONS[requirement["ActionsGuarded"]]:
            continue
        type_id = requirement["QualificationTypeId"]
        held = held_value(svc, env, type_id, worker_id)
        if meets(requirement, held):
            continue
        qt = env.qualification_types.get(type_id)
        name = qt.name if qt is not None else "?"
        values = _show_values(requirement)
        return (
            f"Worker {worker_id} does not meet the QualificationRequirement of HIT {hit.id} on "
            f"{type_id} ({name}): {requirement['Comparator']}{' ' + values if values else ''}, "
            f"ActionsGuarded {requirement['ActionsGuarded']}; the worker's value: "
            f"{show_held(held)}."
        )
    return None


def find_hit(svc: Service, hit_id: str) -> HIT:
    """A HIT of any requester that a worker can still reach, or WorkerActionError("not_found")."""
    hit = svc.hits_by_id.get(hit_id)
    if hit is None or hit.status == DISPOSED:
        raise WorkerActionError(f"HIT {hit_id} does not exist.", "not_found")
    return hit


def access_refusal(svc: Service, hit: HIT, worker_id: str, action: str) -> WorkerActionError | None:
    """Why ``worker_id`` may not ``action`` the HIT (blocks and requirements), or None."""
    if worker_id in hit.world.blocks:
        return WorkerActionError(
            f"Worker {worker_id} is blocked by the requester of HIT {hit.id}.", "blocked"
        )
    message = requirement_refusal(svc, hit, worker_id, action)
    if message is not None:
        return WorkerActionError(message, "requirement")
    return None


def _open_for(hit: HIT, worker_id: str, action: str) -> bool:
    """Whether the HIT itself allows the action (before blocks and requirements)."""
    if hit.status == DISPOSED or hit.expired:
        return False
    if action == "preview":
        return hit.status in (ASSIGNABLE, UNASSIGNABLE)
    if hit.status != ASSIGNABLE:
        return False
    if action == "accept":
        held = hit.by_worker.get(worker_id)
        if held is not None and held.status in (ACCEPTED, *VISIBLE_ASSIGNMENT_STATUSES):
            return False
        return hit.available > 0
    return True


def worker_can(svc: Service, worker_id: str, hit_id: str, action: str) -> bool:
    """Whether the worker may ``action`` ("discover", "preview", "accept") the HIT now.

    False for unknown or disposed HITs, HITs that do not allow the action (expired; not
    Assignable for discover/accept; no slot left or one already held for accept), workers the
    requester blocked, and workers who fail a requirement guarding the action.
    """
    if action not in WORKER_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(WORKER_ACTIONS)}, not {action!r}")
    with svc.step():
        hit = svc.hits_by_id.get(hit_id)
        if hit is None or not _open_for(hit, worker_id, action):
            return False
        return access_refusal(svc, hit, worker_id, action) is None


def worker_search(
    svc: Service, worker_id: str, query: str | None, *, environment: str | None = None
) -> list[str]:
    """Ids of the live Assignable HITs the worker can discover, newest first.

    ``query`` filters case-insensitively on title, description and keywords; ``environment``
    ("sandbox", "production", ...) limits the search to one site (default: every site).
    """
    needle = (query or "").lower()
    with svc.step():
        found: list[HIT] = []
        for env in svc.envs.values():
            if environment is not None and env.name != environment:
                continue
            for world in env.worlds.values():
                for _, hit in world.hit_index.iter_after(-1):
                    if hit.expired or hit.status != ASSIGNABLE:
                        continue
                    ht = hit.hit_type
                    if needle and not (
                        needle in ht.title.lower()
                        or needle in ht.description.lower()
                        or (ht.keywords is not None and needle in ht.keywords.lower())
                    ):
                        continue
                    if access_refusal(svc, hit, worker_id, "discover") is None:
                        found.append(hit)
        found.sort(key=lambda h: h.seq, reverse=True)
        return [h.id for h in found]


def worker_value(svc: Service, worker_id: str, type_id: str) -> int | None:
    """The worker's integer value for a type (system types included), or None when the worker
    lacks it, the type is unknown, or the value is a locale (Worker_Locale)."""
    with svc.step():
        if type_id in SYSTEM_TYPE_IDS:
            held = held_value(svc, None, type_id, worker_id)
        else:
            # A deleted type's grants are kept (the API reference, DeleteQualificationType), so
            # they still have values.
            found = find_type_anywhere(svc, type_id, deleted=True)
            if found is None:
                return None
            held = held_value(svc, found[0], type_id, worker_id)
        return held if isinstance(held, int) else None
