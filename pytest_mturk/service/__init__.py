"""The fake MTurk service: state model and the 39 operations, one module per area.

Importing this package registers every operation in :data:`OPERATIONS`.
"""

from __future__ import annotations

from pytest_mturk.service import (  # noqa: F401  (imported for their @operation registrations)
    account,
    assignments,
    hits,
    notifications,
    qualification_requests,
    qualifications,
    review,
    workers_ops,
)
from pytest_mturk.service.state import OPERATIONS, Service

#: All operations of the 2017-01-17 API (botocore's model), in its order.
ALL_OPERATIONS: tuple[str, ...] = (
    "AcceptQualificationRequest",
    "ApproveAssignment",
    "AssociateQualificationWithWorker",
    "CreateAdditionalAssignmentsForHIT",
    "CreateHIT",
    "CreateHITType",
    "CreateHITWithHITType",
    "CreateQualificationType",
    "CreateWorkerBlock",
    "DeleteHIT",
    "DeleteQualificationType",
    "DeleteWorkerBlock",
    "DisassociateQualificationFromWorker",
    "GetAccountBalance",
    "GetAssignment",
    "GetFileUploadURL",
    "GetHIT",
    "GetQualificationScore",
    "GetQualificationType",
    "ListAssignmentsForHIT",
    "ListBonusPayments",
    "ListHITs",
    "ListHITsForQualificationType",
    "ListQualificationRequests",
    "ListQualificationTypes",
    "ListReviewPolicyResultsForHIT",
    "ListReviewableHITs",
    "ListWorkerBlocks",
    "ListWorkersWithQualificationType",
    "NotifyWorkers",
    "RejectAssignment",
    "RejectQualificationRequest",
    "SendBonus",
    "SendTestEventNotification",
    "UpdateExpirationForHIT",
    "UpdateHITReviewStatus",
    "UpdateHITTypeOfHIT",
    "UpdateNotificationSettings",
    "UpdateQualificationType",
)

__all__ = ["ALL_OPERATIONS", "OPERATIONS", "Service"]
