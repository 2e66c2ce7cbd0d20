"""The command line. In a child process, as cron would run it: its code names the real sandbox
endpoint, and the ``mturk_server`` fixture routes it to this test's fake. And in process."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

from labelling.cli import main
from labelling.items import sample_items_path

from tests.crowd import honest


def run_cli(*args, env):
    done = subprocess.run(
        [sys.executable, "-m", "labelling.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_collect_and_review_from_a_child_process(
    mturk_server, trained, batch, client, mturk, sample
):
    env = {**os.environ, **mturk_server.environ}
    hit_id = batch.hit_ids[0]
    question = client.get_hit(HITId=hit_id)["HIT"]["Question"]
    workers = trained(3)
    for worker in workers:
        worker.do(hit_id, honest(question))

    rows = list(csv.DictReader(io.StringIO(run_cli("collect", "--batch", "pets-1", env=env))))
    assert len(rows) == 12  # 3 workers x 4 photos
    assert {row["worker_id"] for row in rows} == {w.worker_id for w in workers}
    assert {(row["item_id"], row["label"]) for row in rows} >= {
        ("gold-cat", "cat"),
        ("img-002", "dog"),
    }

    summary = json.loads(run_cli("review", str(sample_items_path()), "--batch", "pets-1", env=env))
    assert (summary["approved"], summary["rejected"]) == (3, 0)
    assert summary["labels"] == {"img-001": "cat", "img-002": "dog", "img-003": "cat"}
    for worker in workers:  # the child's approvals and bonuses, seen from this process
        mturk.assert_paid(worker.worker_id, "0.12")
        mturk.assert_bonus_paid(worker.worker_id, "0.06")


def test_publish_status_and_cleanup_in_process(capsys, client):
    assert main(["publish", str(sample_items_path()), "--batch", "pets-9"]) == 0
    posted = json.loads(capsys.readouterr().out)
    assert len(posted["hits"]) == 3

    assert main(["status", "--batch", "pets-9"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["hits"], status["available"], status["finished"]) == (3, 9, False)

    assert main(["cleanup", "--batch", "pets-9"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["deleted"] == report["expired"] == posted["hits"]
    assert client.list_hits()["NumResults"] == 0
