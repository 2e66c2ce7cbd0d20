"""Worker blocks and messages to workers."""

from __future__ import annotations

from typing import Any

from pytest_mturk.errors import ParameterValidationError
from pytest_mturk.service.pagination import decode_token, page_of
from pytest_mturk.service.state import Params, Service, operation
from pytest_mturk.service.world import World

NOT_WORKED = "Cannot send a notification to a worker who has not done any work for you"


@operation("CreateWorkerBlock")
def create_worker_block(svc: Service, world: World, params: Params) -> dict[str, Any]:
    worker_id = params["WorkerId"]
    svc.ensure_worker(worker_id)
    # Blocking an already-blocked worker succeeds and keeps its place (legacy BlockWorker).
    old = world.blocks.get(worker_id)
    seq = old[0] if old is not None else svc.next_seq()
    world.blocks[worker_id] = (seq, params["Reason"])
    return {}


@operation("DeleteWorkerBlock")
def delete_worker_block(svc: Service, world: World, params: Params) -> dict[str, Any]:
    worker_id = params["WorkerId"]
    svc.ensure_worker(worker_id)
    world.blocks.pop(worker_id, None)  # unblocking a non-blocked worker succeeds (MD)
    return {}


@operation("ListWorkerBlocks")
def list_worker_blocks(svc: Service, world: World, params: Params) -> dict[str, Any]:
    scope = "ListWorkerBlocks"
    after = decode_token(scope, params.get("NextToken"))
    items = (
        (seq, (worker_id, reason))
        for worker_id, (seq, reason) in world.blocks.items()
        if seq > after
    )
    return page_of(
        items,
        params,
        scope,
        svc.next_seq(),
        lambda b: {"WorkerId": b[0], "Reason": b[1]},
        "WorkerBlocks",
    )


@operation("NotifyWorkers")
def notify_workers(svc: Service, world: World, params: Params) -> dict[str, Any]:
    subject = params["Subject"]
    text = params["MessageText"]
    worker_ids = params["WorkerIds"]
    # Limits confirmed (MD); the wording of the refusals is [unconfirmed].
    for name, value, limit in (("Subject", subject, 200), ("MessageText", text, 4096)):
        if len(value) > limit:
            raise ParameterValidationError(
                f"The value of {name} is {len(value)} characters long, which exceeds the maximum "
                f"of {limit} characters.",
                name,
            )
    if len(worker_ids) > 100:
        raise ParameterValidationError(
            f"The value {len(worker_ids)} is invalid for WorkerIds. "
            "Valid values range from 1 to 100.",
            "WorkerIds",
        )
    now = svc.now()
    failures: list[dict[str, Any]] = []
    for worker_id in worker_ids:
        if worker_id not in world.worked_with:
            # Per-worker failures come back in the list, never as an exception (MTurkR#29).
            failures.append(
                {
                    "NotifyWorkersFailureCode": "HardFailure",
                    "NotifyWorkersFailureMessage": NOT_WORKED,
                    "WorkerId": worker_id,
                }
            )
            continue
        svc.ledgers.record_email(worker_id, subject, text, now, "NotifyWorkers")
    return {"NotifyWorkersFailureStatuses": failures}
