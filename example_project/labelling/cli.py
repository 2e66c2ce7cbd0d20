"""Command line: ``python -m labelling.cli {balance,publish,status,collect,review,cleanup}``.

The MTurk endpoint comes from the environment (see :mod:`labelling.config`): the sandbox unless
``LABELLING_MTURK_ENV=production`` or ``LABELLING_MTURK_ENDPOINT`` says otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from labelling import cleanup, collect, config, items, publish, review


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def cmd_balance(mturk: Any, args: argparse.Namespace) -> int:
    print(mturk.get_account_balance()["AvailableBalance"])
    return 0


def cmd_publish(mturk: Any, args: argparse.Namespace) -> int:
    batch = publish.publish(mturk, args.batch, items.read_items(args.items), args.settings)
    _print_json({"batch": batch.name, "hit_type_id": batch.hit_type_id, "hits": batch.hit_ids})
    return 0


def cmd_status(mturk: Any, args: argparse.Namespace) -> int:
    status = collect.batch_status(mturk, args.batch)
    _print_json({**vars(status), "finished": status.finished})
    return 0


def cmd_collect(mturk: Any, args: argparse.Namespace) -> int:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["hit_id", "assignment_id", "worker_id", "status", "item_id", "label"])
    for sub in collect.collect(mturk, args.batch):
        for item_id, label in sorted(sub.labels.items()):
            out.writerow([sub.hit_id, sub.assignment_id, sub.worker_id, sub.status, item_id, label])
    return 0


def cmd_review(mturk: Any, args: argparse.Namespace) -> int:
    gold = items.gold_labels(items.read_items(args.items))
    reviews = review.review_batch(mturk, args.batch, gold, args.settings)
    _print_json(
        {
            "hits": len(reviews),
            "approved": sum(len(r.approved) for r in reviews),
            "rejected": sum(len(r.rejected) for r in reviews),
            "bonuses": {w: str(a) for r in reviews for w, a in r.bonuses.items()},
            "labels": {i: label for r in reviews for i, label in r.consensus.items()},
        }
    )
    return 0


def cmd_cleanup(mturk: Any, args: argparse.Namespace) -> int:
    _print_json(vars(cleanup.cleanup(mturk, args.batch)))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m labelling.cli", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("balance", help="print the account balance").set_defaults(run=cmd_balance)
    for name, run, help_text, needs_items in (
        ("publish", cmd_publish, "post a batch of images from a CSV", True),
        ("status", cmd_status, "show where a batch stands", False),
        ("collect", cmd_collect, "print every label submitted, as CSV", False),
        ("review", cmd_review, "check gold, approve/reject and pay bonuses", True),
        ("cleanup", cmd_cleanup, "expire the batch's HITs and delete finished ones", False),
    ):
        command = sub.add_parser(name, help=help_text)
        if needs_items:
            command.add_argument("items", help="the items CSV (item_id,image_url,gold_label)")
        command.add_argument("--batch", required=True, help="the batch name")
        command.set_defaults(run=run)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.settings = config.Settings.from_env()
    mturk = config.mturk_client(args.settings)
    try:
        return int(args.run(mturk, args))
    except (ClientError, BotoCoreError, publish.InsufficientBalance) as error:
        print(f"labelling: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
