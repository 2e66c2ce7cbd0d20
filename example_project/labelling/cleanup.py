"""Take a finished batch down: expire its HITs now, delete those whose work is all reviewed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from labelling.collect import batch_hits


@dataclass
class CleanupReport:
    expired: list[str] = field(default_factory=list)  # HITs expired by this cleanup
    deleted: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # HIT id -> why it stays


def cleanup(mturk: Any, batch: str) -> CleanupReport:
    report = CleanupReport()
    for hit in batch_hits(mturk, batch):
        hit_id = hit["HITId"]
        now = datetime.now(timezone.utc)
        if hit["HITStatus"] in ("Assignable", "Unassignable") and hit["Expiration"] > now:
            # "Expire now": an expiration time that is not in the future.
            mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=now)
            report.expired.append(hit_id)
        hit = mturk.get_hit(HITId=hit_id)["HIT"]
        if hit["HITStatus"] not in ("Reviewable", "Reviewing"):
            report.kept[hit_id] = f"{hit['NumberOfAssignmentsPending']} assignment(s) in progress"
            continue
        unreviewed = mturk.list_assignments_for_hit(HITId=hit_id, AssignmentStatuses=["Submitted"])
        if unreviewed["NumResults"]:
            report.kept[hit_id] = f"{unreviewed['NumResults']} assignment(s) to review"
            continue
        mturk.delete_hit(HITId=hit_id)
        report.deleted.append(hit_id)
    return report
