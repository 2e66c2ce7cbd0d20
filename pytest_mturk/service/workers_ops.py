"""Worker blocks and messages to workers."""

from __future__ import annotations

from typing import Any

from pytest_mturk.service import checks
from pytest_mturk.service.errors import ValueOutOfRange
from pytest_mturk.service.model import World
from pytest_mturk.service.pagination import decode_token, page_of
from pytest_mturk.service.state import Params, Service, operation

NOT_WORKED = "Cannot send a notification to a worker who has not done any work for you"


@operation("CreateWorkerBlock")
def create_worker_block(svc: Service, world: World, params: Params) -> dict[str, Any]:
    worker_id = params["WorkerId"]
    svc.ensure_worker(worker_id)
    # Blocking an already-blocked worker succeeds and keeps its place (legacy BlockWorker).
    old = world.blocks.get(worker_id)
    seq = old[0] if old is not None else svc.next_seq()
    world.blocks[worker_id] = (seq, params["Reason"])
    if old is None:
        world.block_index.add(seq, (world, worker_id))
    return {}


@operation("DeleteWorkerBlock")
def delete_worker_block(svc: Service, world: World, params: Params) -> dict[str, Any]:
    worker_id = params["WorkerId"]
    svc.ensure_worker(worker_id)
    if world.blocks.pop(worker_id, None) is not None:  # unblocking a non-blocked worker
        world.block_index.note_removed()  # succeeds too (the API reference, DeleteWorkerBlock)
    return {}


@operation("ListWorkerBlocks")
def list_worker_blocks(svc: Service, world: World, params: Params) -> dict[str, Any]:
    scope = "ListWorkerBlocks"
    after = decode_token(scope, params.get("NextToken"))
    items = world.block_index.iter_after(after)
    return page_of(
        items,
        params,
        scope,
        svc.next_nonce(),
        lambda b: {"WorkerId": b[1], "Reason": b[0].blocks[b[1]][1]},
        "WorkerBlocks",
    )


@operation("NotifyWorkers")
def notify_workers(svc: Service, world: World, params: Params) -> dict[str, Any]:
    """E-mail workers this requester has approved or rejected work from (the API reference).

    Workers who cannot be written to come back in ``NotifyWorkersFailureStatuses``; they never
    make the call fail (MTurkR#29, aws-sdk-java#2055). Sent mail is recorded in ``fake.emails``.
    """
    subject = params["Subject"]
    text = params["MessageText"]
    worker_ids = params["WorkerIds"]
    # Limits confirmed (the API reference: up to 100 ids, Subject 200, MessageText 4096 characters);
    # the family and wording of the refusals are [unconfirmed].
    if not 1 <= len(worker_ids) <= 100:
        raise ValueOutOfRange(len(worker_ids), "WorkerIds", 1, 100)
    for name, limit in (("Subject", 200), ("MessageText", 4096)):
        checks.not_blank(params, name)
        checks.max_length(params, name, limit)
    now = svc.now()
    failures: list[dict[str, Any]] = []
    for worker_id in dict.fromkeys(worker_ids):  # one message per worker, even if listed twice
        if worker_id not in world.worked_with:
            # "Cannot send a notification to a worker who has not done any work for you"
            # (HardFailure, MTurkR#29): a per-worker failure, never an exception.
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
