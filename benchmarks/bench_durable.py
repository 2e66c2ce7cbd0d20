"""The durable server (``pytest-mturk serve --state FILE``) on a state of 10,000 HITs: the cost
of a call with the journal against the same server without one, what folding the journal into
the snapshot adds per call, and the start-up on that state.

    python benchmarks/bench_durable.py            # full size (10,000 HITs)
    python benchmarks/bench_durable.py --quick    # a smoke run

``durable_server(sizes)`` is the section for ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ACCESS_KEY, Row, Section, Sizes, build_hits, hit_params

DURABLE_LIMIT = 1.3
STARTUP_LIMIT_S = 2.0
SERVE = [sys.executable, "-m", "pytest_mturk.cli", "serve"]

#: One client subprocess calls both servers, in interleaved batches with a rotating start.
_CLIENT = """
import json, statistics, sys, time
import boto3
from botocore.config import Config
urls, hits, rounds, batch, params = (json.loads(sys.argv[1]), json.loads(sys.argv[2]),
                                     int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5]))
session = boto3.session.Session(aws_access_key_id=sys.argv[6], aws_secret_access_key="s")
clients = [session.client("mturk", region_name="us-east-1", endpoint_url=u,
                          config=Config(retries={"total_max_attempts": 1})) for u in urls]
ops = {"GetHIT": lambda c, h: c.get_hit(HITId=h),
       "CreateHIT": lambda c, h: c.create_hit(**params)}
samples = {f"{op}:{i}": [] for op in ops for i in range(len(urls))}
for r in range(2 + rounds):
    for op, call in ops.items():
        for k in range(len(urls)):
            i = (r + k) % len(urls)
            client, hit = clients[i], hits[i]
            out = samples[f"{op}:{i}"] if r >= 2 else []
            for _ in range(batch):
                t0 = time.perf_counter_ns()
                call(client, hit)
                out.append(time.perf_counter_ns() - t0)
print(json.dumps({k: statistics.median(v) / 1000 for k, v in samples.items()}))
"""


def _medians(urls: list[str], hits: list[str], sizes: Sizes) -> dict[str, float]:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _CLIENT,
            json.dumps(urls),
            json.dumps(hits),
            str(sizes.rounds),
            str(sizes.batch),
            json.dumps(hit_params()),
            ACCESS_KEY,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    medians: dict[str, float] = json.loads(result.stdout)
    return medians


def _start_seconds(args: list[str]) -> float:
    """Seconds from spawning ``pytest-mturk serve`` to its announcement (it is then stopped)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [*SERVE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    took = time.perf_counter() - t0
    if not line:
        raise RuntimeError(f"the server did not start: {proc.communicate()[1]}")
    os.kill(proc.pid, signal.SIGKILL)  # no compaction on the way out: the files stay as they are
    proc.wait(timeout=60)
    return took


def _fill_journal(path: str, hit_id: str, share: float) -> int:
    """Journal GetHIT and CreateHIT calls (answered in this process, as the server would)
    until the journal holds ``share`` of what triggers a fold; then let the files go as a
    killed server would. Returns the number of journal lines."""
    from pytest_mturk import protocol
    from pytest_mturk.durable import DurableState
    from pytest_mturk.transport.http11 import LowerHeaders

    state = DurableState.open(path)
    auth = (
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20300101/us-east-1/mturk-requester/"
        f"aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
        f"Signature={'0' * 64}"
    )
    calls = [
        (op, json.dumps(body).encode())
        for op, body in (("GetHIT", {"HITId": hit_id}), ("CreateHIT", hit_params()))
    ]
    host = protocol.HOSTS["sandbox"]
    target = share * state.fold_threshold()
    lines = 0
    while os.path.getsize(state.journal_path) < target:
        op, body = calls[lines % 2]
        headers = LowerHeaders(
            {
                "x-amz-target": f"MTurkRequesterServiceV20170117.{op}",
                "authorization": auth,
                "amz-sdk-request": "attempt=1; max=3",
            }
        )
        state.answer(state.fake.backend, headers, body, host)
        lines += 1
    state.abandon()  # no fold: the files stay as a kill -9 leaves them
    return lines


def durable_server(sizes: Sizes) -> Section:
    from pytest_mturk import MTurkFake
    from pytest_mturk.durable import DurableState

    n_hits = 500 if sizes.quick else 10_000
    repeats = 1 if sizes.quick else 5
    section = Section(
        "durable",
        "Durable server",
        f"Two servers in this process hold {n_hits:,} HITs (each with a submitted assignment): "
        "one plain, one with `--state` (its snapshot holds the HITs). One client subprocess "
        "calls GetHIT and CreateHIT on both in interleaved batches. Folding the journal into a "
        "new snapshot happens when the journal outgrows the snapshot; its cost is timed and "
        "spread over the calls whose journal lines fill one snapshot's size. Start-up is the "
        "time from spawning `pytest-mturk serve --state FILE` to its announcement, on that "
        f"state (median of {repeats}), and again after a kill -9 left the longest journal a "
        "server keeps (just short of a fold) to replay.",
    )
    with tempfile.TemporaryDirectory(prefix="bench-durable-") as tmp:
        path = os.path.join(tmp, "state.json")
        plain = MTurkFake(seed=5)
        plain_hit = build_hits(plain, n_hits, submitted=True)[0][0]
        state = DurableState.open(path, {"seed": 5})
        durable_hit = build_hits(state.fake, n_hits, submitted=True)[0][0]
        state.compact()  # the snapshot holds the HITs
        snapshot_bytes = state.snapshot_bytes
        plain_server = plain.serve()
        durable_server = state.serve()
        try:
            journal_before = os.path.getsize(state.journal_path)
            medians = _medians(
                [plain_server.url, durable_server.url], [plain_hit, durable_hit], sizes
            )
            calls = 2 * sizes.rounds * sizes.batch
            journal_per_call = (os.path.getsize(state.journal_path) - journal_before) / calls
        finally:
            plain_server.stop()
            durable_server.stop()
        t0 = time.perf_counter()
        state.compact()
        compaction = time.perf_counter() - t0
        fold_every = state.fold_threshold() / journal_per_call
        amortized_us = compaction * 1e6 / fold_every
        samples = sizes.rounds * sizes.batch
        for op in ("GetHIT", "CreateHIT"):
            section.add(
                Row(
                    f"{op} with --state ({n_hits:,} HITs)",
                    medians[f"{op}:1"],
                    "us",
                    samples,
                    "the same server without --state",
                    medians[f"{op}:0"],
                    samples,
                    DURABLE_LIMIT,
                    note="median; the journal line is written before the answer",
                )
            )
            section.add(
                Row(
                    f"{op} with --state, journal folding spread over the calls",
                    medians[f"{op}:1"] + amortized_us,
                    "us",
                    samples,
                    "the same server without --state",
                    medians[f"{op}:0"],
                    samples,
                    DURABLE_LIMIT,
                    note=f"+{amortized_us:.1f} us: one fold of {compaction:.2f} s per "
                    f"{fold_every:,.0f} calls",
                )
            )
        section.add(
            Row(
                "journal written per call",
                journal_per_call,
                "bytes",
                calls,
                kind="info",
                note=f"snapshot: {snapshot_bytes / 1e6:.1f} MB",
            )
        )
        state.close()  # folds the calls just made: the snapshot holds every HIT
        starts = [_start_seconds(["--state", path]) for _ in range(repeats)]
        section.add(
            Row(
                f"start-up on the state ({n_hits:,} HITs), to the announcement",
                statistics.median(starts),
                "s",
                repeats,
                limit=STARTUP_LIMIT_S,
                kind="abs",
            )
        )
        # The worst case: a journal just short of being folded, then a kill -9.
        lines = _fill_journal(path, hit_id=durable_hit, share=0.95)
        section.add(
            Row(
                f"start-up with {lines:,} journal lines to replay (95% of a fold's worth)",
                _start_seconds(["--state", path]),
                "s",
                1,
                limit=STARTUP_LIMIT_S,
                kind="abs",
            )
        )
        section.add(
            Row(
                "start-up of a server without --state (interpreter and imports)",
                statistics.median(_start_seconds([]) for _ in range(repeats)),
                "s",
                repeats,
                kind="info",
            )
        )
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    args = parser.parse_args(argv)
    sizes = Sizes.quick_sizes() if args.quick else Sizes.full()
    section = durable_server(sizes)
    for row in section.rows:
        verdict = {True: "PASS", False: "MISS", None: "info"}[row.passed]
        ratio = f" ratio {row.ratio:.2f}" if row.ratio is not None else ""
        base = f" (vs {row.baseline:.1f} {row.unit})" if row.baseline is not None else ""
        print(f"{row.name}: {row.value:.2f} {row.unit}{base}{ratio} [{verdict}] {row.note}")
    return 0 if all(row.passed is not False for row in section.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
