"""Post a batch: one HIT type with our requirements, one HIT per page of images."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from labelling import events, qualifications, task
from labelling.collect import annotation, batch_hits, collect
from labelling.config import Settings
from labelling.items import Item, pages

HIT_ALREADY_EXISTS = "AWS.MechanicalTurk.HitAlreadyExists"
CENT = Decimal("0.01")


class InsufficientBalance(RuntimeError):
    """The prepaid balance cannot pay for the batch."""


def commission(amount: Decimal, assignments: int) -> Decimal:
    """MTurk's fee: 20 % (40 % for HITs with 10 or more assignments), at least one cent."""
    rate = Decimal("0.40") if assignments >= 10 else Decimal("0.20")
    return max(CENT, (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP))


def batch_cost(settings: Settings, page_count: int) -> Decimal:
    """The most a batch can cost: rewards, bonuses for full agreement, and MTurk's fees."""
    reward = Decimal(settings.reward)
    bonus = Decimal(settings.agreement_bonus) * (settings.items_per_hit - 1)
    per_assignment = reward + commission(reward, settings.assignments_per_hit)
    if bonus:
        per_assignment += bonus + commission(bonus, 1)
    return per_assignment * settings.assignments_per_hit * page_count


@dataclass(frozen=True)
class Batch:
    name: str
    hit_type_id: str
    hit_ids: list[str]
    training_type_id: str


def create_hit_type(mturk: Any, settings: Settings, training_type_id: str) -> str:
    """Our HIT type (MTurk returns the existing id when the same properties are registered)."""
    return str(
        mturk.create_hit_type(
            Title=task.TITLE,
            Description=task.DESCRIPTION,
            Keywords=task.KEYWORDS,
            Reward=settings.reward,
            AssignmentDurationInSeconds=settings.assignment_duration_seconds,
            AutoApprovalDelayInSeconds=settings.auto_approval_delay_seconds,
            QualificationRequirements=qualifications.requirements(settings, training_type_id),
        )["HITTypeId"]
    )


def _create_hit(
    mturk: Any, settings: Settings, hit_type_id: str, batch: str, index: int, page: list[Item]
) -> str:
    note = annotation(batch, index)
    try:
        hit = mturk.create_hit_with_hit_type(
            HITTypeId=hit_type_id,
            MaxAssignments=settings.assignments_per_hit,
            LifetimeInSeconds=settings.lifetime_seconds,
            Question=task.html_question(page, settings.worker_site),
            RequesterAnnotation=note,
            # Safe to retry: MTurk refuses a second HIT with the same token for 24 hours.
            UniqueRequestToken=f"labelling-{batch}-{index}"[:64],
        )["HIT"]
    except mturk.exceptions.RequestError as error:
        if error.response.get("TurkErrorCode") != HIT_ALREADY_EXISTS:
            raise
        # An earlier attempt created it (its answer may have been lost on the way): find it.
        for hit in batch_hits(mturk, batch):
            if hit["RequesterAnnotation"] == note:
                return str(hit["HITId"])
        raise
    return str(hit["HITId"])


def publish(
    mturk: Any, batch: str, items: Sequence[Item], settings: Settings | None = None
) -> Batch:
    """Post ``items`` as batch ``batch``; pages already posted are not posted again."""
    settings = settings or Settings.from_env()
    layout = pages(items, settings.items_per_hit)
    if not settings.is_sandbox:
        # Production money is real: refuse a batch the balance cannot finish paying for.
        needed = batch_cost(settings, len(layout))
        available = Decimal(mturk.get_account_balance()["AvailableBalance"])
        if available < needed:
            raise InsufficientBalance(f"the batch may cost ${needed}; the balance is ${available}")
    training = qualifications.ensure_training_qualification(mturk)
    hit_type_id = create_hit_type(mturk, settings, training)
    if settings.queue_url:
        events.subscribe(mturk, hit_type_id, settings.queue_url)
    posted = {hit["RequesterAnnotation"]: str(hit["HITId"]) for hit in batch_hits(mturk, batch)}
    hit_ids = []
    for index, page in enumerate(layout):
        hit_id = posted.get(annotation(batch, index))
        if hit_id is None:
            hit_id = _create_hit(mturk, settings, hit_type_id, batch, index, page)
        hit_ids.append(hit_id)
    return Batch(batch, hit_type_id, hit_ids, training)


def notify(mturk: Any, worker_ids: Sequence[str], subject: str, text: str) -> list[str]:
    """E-mail workers through MTurk, 100 at a time; returns the ids MTurk could not notify."""
    failed: list[str] = []
    for start in range(0, len(worker_ids), 100):
        answer = mturk.notify_workers(
            Subject=subject[:200],
            MessageText=text[:4096],
            WorkerIds=list(worker_ids[start : start + 100]),
        )
        failed += [status["WorkerId"] for status in answer["NotifyWorkersFailureStatuses"]]
    return failed


def announce(mturk: Any, batch: Batch, previous_batch: str) -> tuple[list[str], list[str]]:
    """Invite the workers whose work we approved in ``previous_batch`` to the new batch.

    (MTurk only lets a requester write to workers who have done work for them.) Returns the
    (notified, failed) worker ids."""
    workers = sorted(
        {sub.worker_id for sub in collect(mturk, previous_batch) if sub.status == "Approved"}
    )
    if not workers:
        return [], []
    failed = notify(
        mturk,
        workers,
        subject=f"New pet photo labelling HITs: {len(batch.hit_ids)} pages",
        text=(
            f"Hello! We have posted {len(batch.hit_ids)} new pages of pet photos to label "
            f"(search for '{task.TITLE}'). Thank you for your careful work in our last batch; "
            "we would be glad to have you back."
        ),
    )
    return [w for w in workers if w not in failed], failed
