"""Review a page's work: gold checks, the majority label, agreement bonuses, approve or reject.

* A submission whose gold (control) photo is labelled wrong is rejected, with feedback saying
  which photo and what it shows.
* Among the others, each photo's label is the one a strict majority chose (no label without
  one). A worker is paid ``agreement_bonus`` for each photo on which they agreed with it.
* As oTree does, the bonus is sent first and the assignment approved afterwards, so a bonus
  that fails leaves the work unreviewed, to be retried, instead of approved and never bonused.
* Everything is safe to run again: reviewed work is skipped, a bonus already paid for an
  assignment is never paid twice (the listing is checked, and every SendBonus carries a
  UniqueRequestToken, so a retried call cannot pay twice either).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from labelling.collect import Submission, batch_hits, submissions
from labelling.config import Settings

TOKEN_PROCESSED = "has already been processed"
APPROVE_FEEDBACK = "Thank you! Your labels passed our checks."


@dataclass
class HitReview:
    hit_id: str
    approved: list[str] = field(default_factory=list)  # assignment ids
    rejected: list[str] = field(default_factory=list)
    bonuses: dict[str, Decimal] = field(default_factory=dict)  # worker id -> amount
    consensus: dict[str, str | None] = field(default_factory=dict)  # item id -> label


def gold_mistakes(sub: Submission, gold: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(item, right label, given label) for each gold photo on the page answered wrong."""
    mistakes = []
    for item, right in gold.items():
        given = sub.labels.get(item)
        if given is not None and given != right:
            mistakes.append((item, right, given))
    return mistakes


def check_gold(mturk: Any, sub: Submission, gold: Mapping[str, str]) -> bool:
    """Reject ``sub`` (if still Submitted) when it fails a gold photo; True when it passes."""
    mistakes = gold_mistakes(sub, gold)
    if not mistakes:
        return True
    if sub.status == "Submitted":
        item, right, given = mistakes[0]
        mturk.reject_assignment(
            AssignmentId=sub.assignment_id,
            RequesterFeedback=(
                f"Photo {item} is a check photo: it shows a {right}, and you labelled it "
                f"'{given}'. Every page has one check photo, so we cannot accept this page."
            ),
        )
    return False


def consensus(subs: Sequence[Submission], gold: Mapping[str, str]) -> dict[str, str | None]:
    """Each non-gold photo's majority label among ``subs`` (None without a strict majority)."""
    votes: dict[str, Counter[str]] = {}
    for sub in subs:
        for item, label in sub.labels.items():
            if item not in gold:
                votes.setdefault(item, Counter())[label] += 1
    out: dict[str, str | None] = {}
    for item, counter in votes.items():
        label, count = counter.most_common(1)[0]
        out[item] = label if count * 2 > sum(counter.values()) and count >= 2 else None
    return out


def pay_bonus(mturk: Any, sub: Submission, amount: Decimal, reason: str) -> bool:
    """Send the bonus unless this assignment already has one; True if it was sent now."""
    listed = mturk.list_bonus_payments(AssignmentId=sub.assignment_id)["BonusPayments"]
    if listed:
        return False
    try:
        mturk.send_bonus(
            WorkerId=sub.worker_id,
            AssignmentId=sub.assignment_id,
            BonusAmount=f"{amount:.2f}",
            Reason=reason,
            UniqueRequestToken=f"agreement-{sub.assignment_id}"[:64],
        )
    except mturk.exceptions.RequestError as error:
        # A retried SendBonus whose first attempt went through (its answer was lost).
        if TOKEN_PROCESSED not in str(error):
            raise
    return True


def review_hit(
    mturk: Any, hit_id: str, gold: Mapping[str, str], settings: Settings | None = None
) -> HitReview:
    settings = settings or Settings()
    result = HitReview(hit_id)
    subs = list(submissions(mturk, hit_id))
    page_gold = {item: label for item, label in gold.items() if any(item in s.labels for s in subs)}
    trusted = []
    for sub in subs:
        if sub.status == "Rejected":
            continue
        if check_gold(mturk, sub, page_gold):
            trusted.append(sub)
        elif sub.status == "Submitted":
            result.rejected.append(sub.assignment_id)
    result.consensus = consensus(trusted, page_gold)
    per_agreement = Decimal(settings.agreement_bonus)
    for sub in trusted:
        if sub.status != "Submitted":
            continue
        agreed = sum(1 for item, label in result.consensus.items() if sub.labels.get(item) == label)
        if agreed:
            amount = per_agreement * agreed
            reason = f"You agreed with the other workers on {agreed} photo(s). Thank you!"
            if pay_bonus(mturk, sub, amount, reason):
                result.bonuses[sub.worker_id] = amount
        mturk.approve_assignment(AssignmentId=sub.assignment_id, RequesterFeedback=APPROVE_FEEDBACK)
        result.approved.append(sub.assignment_id)
    return result


def review_batch(
    mturk: Any, batch: str, gold: Mapping[str, str], settings: Settings | None = None
) -> list[HitReview]:
    """Review every HIT of the batch that MTurk lists as Reviewable (all work in, or expired)."""
    ours = {hit["HITId"]: hit["HITTypeId"] for hit in batch_hits(mturk, batch)}
    reviews = []
    for hit_type_id in sorted(set(ours.values())):
        paginator = mturk.get_paginator("list_reviewable_hits")
        for page in paginator.paginate(HITTypeId=hit_type_id, Status="Reviewable"):
            for hit in page["HITs"]:
                if hit["HITId"] in ours:
                    reviews.append(review_hit(mturk, hit["HITId"], gold, settings))
    return reviews
