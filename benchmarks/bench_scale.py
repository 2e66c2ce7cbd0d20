"""Flat with size, linear walks, O(n log n) auto-approval (section 4) and memory (section 6)."""

from __future__ import annotations

import functools
import gc
import math
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from benchmarks.common import (
    EXTERNAL_Q,
    Row,
    Section,
    Sizes,
    Variant,
    build_hits,
    hit_params,
    interleaved,
    median_us,
    new_client,
    timed,
)
from benchmarks.profiling import Hotspots, profile_calls

FLAT_LIMIT = 1.2
WALK_LIMIT = 1.2
APPROVE_LIMIT = 1.5
MEMORY_LIMIT = 4096.0


def _middle_token(scope: str, index: Any, position: int) -> str:
    """A NextToken for the page that starts at ``position`` of a list (built with the fake's
    own token encoder, so that no one has to page halfway through 100,000 HITs first)."""
    from pytest_mturk.service.pagination import encode_token

    keys = index._keys
    return encode_token(scope, keys[position - 1], 0)


def flat_with_size(sizes: Sizes, hotspots: list[Hotspots]) -> Section:
    from pytest_mturk import MTurkFake

    n_big, n_tiny = sizes.big_hits, sizes.tiny_hits
    section = Section(
        "flat",
        "Flat with size",
        f"A big fake with {n_big:,} HITs and a tiny one with {n_tiny} HITs, each HIT with one "
        "submitted assignment (so every HIT is Reviewable). The state is built by driving the "
        "service directly (`fake.service.call('CreateHIT', ...)` and "
        "`pytest_mturk.service.worker_actions.accept/submit`, the code paths `fake.workers` "
        "uses), not through 100k boto3 calls. Every measured call then goes through boto3; the "
        "two fakes are interleaved batch by batch (each started only around its batches). "
        "'Middle page' starts halfway through the list (its NextToken is made with "
        "`pytest_mturk.service.pagination.encode_token`).",
    )
    t0 = time.perf_counter()
    big = MTurkFake(seed=11)
    big_pairs = build_hits(big, n_big, submitted=True)
    build_s = time.perf_counter() - t0
    tiny = MTurkFake(seed=12)
    tiny_pairs = build_hits(tiny, n_tiny, submitted=True)
    section.text.append(
        f"Building the big state took {build_s:.1f} s "
        f"({build_s / n_big * 1e6:.0f} us per HIT with its assignment)."
    )
    client = new_client()

    def world_of(fake: Any) -> Any:
        return next(iter(fake.service.envs["sandbox"].worlds.values()))

    ops: list[tuple[str, str, Callable[[Any, list[tuple[str, str | None]]], dict[str, Any]]]] = [
        ("CreateHIT", "create_hit", lambda f, p: hit_params()),
        ("GetHIT", "get_hit", lambda f, p: {"HITId": p[len(p) // 2][0]}),
        ("GetAssignment", "get_assignment", lambda f, p: {"AssignmentId": p[len(p) // 2][1]}),
        ("ListHITs first page (100)", "list_hits", lambda f, p: {"MaxResults": 100}),
        (
            "ListHITs middle page (100)",
            "list_hits",
            lambda f, p: {
                "MaxResults": 100,
                "NextToken": _middle_token("ListHITs", world_of(f).hit_index, len(p) // 2),
            },
        ),
        (
            "ListReviewableHITs first page (100)",
            "list_reviewable_hits",
            lambda f, p: {"MaxResults": 100},
        ),
        (
            "ListReviewableHITs middle page (100)",
            "list_reviewable_hits",
            lambda f, p: {
                "MaxResults": 100,
                "NextToken": _middle_token(
                    "ListReviewableHITs", world_of(f).reviewable, len(p) // 2
                ),
            },
        ),
        (
            "ListAssignmentsForHIT",
            "list_assignments_for_hit",
            lambda f, p: {"HITId": p[len(p) // 2][0], "MaxResults": 100},
        ),
    ]
    for label, method, make in ops:
        heavy = method == "list_hits"  # pages of 100 full HITs; the others are light
        rounds = sizes.list_rounds if heavy else sizes.rounds
        batch = sizes.list_batch if heavy else sizes.batch
        bound = getattr(client, method)
        kw_big, kw_tiny = make(big, big_pairs), make(tiny, tiny_pairs)
        variants = [
            Variant("big", functools.partial(bound, **kw_big), enter=big.start, exit=big.stop),
            Variant("tiny", functools.partial(bound, **kw_tiny), enter=tiny.start, exit=tiny.stop),
        ]
        samples = interleaved(variants, rounds, batch)
        row = section.add(
            Row(
                label,
                median_us(samples["big"]),
                "us",
                len(samples["big"]),
                f"tiny ({n_tiny} HITs)",
                median_us(samples["tiny"]),
                len(samples["tiny"]),
                FLAT_LIMIT,
            )
        )
        if row.passed is False:
            big.start()
            try:
                hotspots.append(
                    profile_calls(
                        f"{label} with {n_big:,} HITs", functools.partial(bound, **kw_big), 50
                    )
                )
            finally:
                big.stop()
    # What 100k live objects cost outside the calls: one full collection of the cyclic GC.
    full_gc = min(timed(gc.collect) for _ in range(3))
    del big, big_pairs, variants, kw_big, samples
    gc.collect()
    tiny_gc = min(timed(gc.collect) for _ in range(3))
    section.add(
        Row(
            f"one full gc.collect() with the big fake alive ({n_big:,} HITs)",
            full_gc * 1000,
            "ms",
            3,
            "after dropping it",
            tiny_gc * 1000,
            3,
            kind="info",
            note="paid every time the cyclic GC runs a full collection (rare; not in the medians)",
        )
    )
    return section


def walk_linear(sizes: Sizes) -> Section:
    from pytest_mturk import MTurkFake

    section = Section(
        "walk",
        "Walking all of ListHITs",
        "Fakes with N HITs each (built through the service directly), walked with boto3's "
        "ListHITs paginator (PageSize 100) from the first page to the last. The walks of the "
        "different N are interleaved (round-robin, rotating start) so that drift hits them "
        f"alike; best of {sizes.walk_repeats} per N. Linear means the time per HIT stays the "
        f"same as N grows (judged against the smallest N, goal <= {WALK_LIMIT}x).",
    )
    client = new_client()
    paginator = client.get_paginator("list_hits")
    fakes = []
    for n in sizes.walk_sizes:
        fake = MTurkFake(seed=13)
        build_hits(fake, n, submitted=False)
        fakes.append((n, fake))

    def walk(fake: Any) -> float:
        fake.start()
        try:
            t0 = time.perf_counter_ns()
            count = 0
            for page in paginator.paginate(PaginationConfig={"PageSize": 100}):
                count += len(page["HITs"])
            took = (time.perf_counter_ns() - t0) / 1e9
        finally:
            fake.stop()
        if count != len(fake.service.hits_by_id):
            raise RuntimeError(f"walked {count} HITs of {len(fake.service.hits_by_id)}")
        return took

    best = {n: float("inf") for n in sizes.walk_sizes}
    gc.collect()
    for r in range(sizes.walk_repeats):
        for i in range(len(fakes)):
            n, fake = fakes[(r + i) % len(fakes)]
            best[n] = min(best[n], walk(fake))
    del fakes
    gc.collect()
    first_n = sizes.walk_sizes[0]
    first = best[first_n] / first_n * 1e6
    for n in sizes.walk_sizes:
        section.add(
            Row(
                f"walk N={n:,} (total {best[n]:.2f} s)",
                best[n] / n * 1e6,
                "us/HIT",
                sizes.walk_repeats,
                f"per HIT at N={first_n:,}",
                first,
                None,
                WALK_LIMIT,
            )
        )
    return section


def auto_approval(sizes: Sizes) -> Section:
    from pytest_mturk import MTurkFake, PytestMTurkWarning

    section = Section(
        "approve",
        "Auto-approval of n assignments falling due at once",
        "n HITs each with one assignment submitted two hours ago (fake time) with "
        "AutoApprovalDelayInSeconds=3600, built with the fake clock moved back "
        "(`fake.clock.move_to`) and then `fake.clock.reset()` (which moves the clock without "
        "processing anything), so all n approvals (plus the n stale abandonment entries) are "
        "applied by the next boto3 call (GetAccountBalance). The time of that call minus the "
        "time of the same call with nothing due (best of 5) is the processing time; best of "
        f"{sizes.approve_repeats} fresh fakes. O(n log n) means time/(n log2 n) stays roughly "
        f"constant (judged against the smallest n, goal <= {APPROVE_LIMIT}x).",
    )
    client = new_client()
    base: float | None = None
    first_n = sizes.approve_sizes[0]
    for n in sizes.approve_sizes:
        best = best_raw = float("inf")
        for _ in range(sizes.approve_repeats):
            fake = MTurkFake(seed=17)
            with warnings.catch_warnings():  # back, on purpose, on a fake with nothing due
                warnings.simplefilter("ignore", PytestMTurkWarning)
                fake.clock.move_to(datetime.now(timezone.utc) - timedelta(hours=2))
            build_hits(fake, n, submitted=True, params=hit_params(AutoApprovalDelayInSeconds=3600))
            fake.clock.reset()
            gc.collect()
            fake.start()
            try:
                due = timed(client.get_account_balance)  # applies the n approvals
                idle = min(timed(client.get_account_balance) for _ in range(5))  # nothing due
            finally:
                fake.stop()
            if due - idle < best:
                best, best_raw = due - idle, due
            paid = len(fake.ledgers.payments)
            if paid != n:
                raise RuntimeError(f"{paid} of {n} assignments were auto-approved by the call")
            del fake
            gc.collect()
        per = best / (n * math.log2(n)) * 1e9
        if base is None:
            base = per
        section.add(
            Row(
                f"n={n:,}: {best * 1000:.1f} ms ({best / n * 1e6:.1f} us per assignment; "
                f"the call {best_raw * 1000:.1f} ms)",
                per,
                "ns/(n log2 n)",
                sizes.approve_repeats,
                f"at n={first_n:,}",
                base,
                None,
                APPROVE_LIMIT,
            )
        )
    return section


def memory(sizes: Sizes) -> Section:
    from pytest_mturk import MTurkFake

    n = sizes.memory_hits
    section = Section(
        "memory",
        "Memory per stored HIT",
        f"tracemalloc around creating {n:,} HITs (no assignments) through the service directly, "
        "every HIT with the same short question string (one shared object, so the question "
        "bytes subtracted are those of that one string); after `gc.collect()`. Everything the "
        "fake keeps counts: the HIT records, indexes, id sets, due-time heap entries. The "
        "second row creates HITs through boto3 instead: each HIT then holds its own decoded "
        "copy of the question (subtracted) and each call leaves a `fake.calls` record.",
    )
    tracemalloc.start()
    try:
        fake = MTurkFake(seed=19)
        build_hits(fake, 1, submitted=False)  # the world, the HIT type and caches exist now
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        build_hits(fake, n, submitted=False)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        question_bytes = 0  # the one shared string was allocated before `before`
        per_hit = (after - before - question_bytes) / n
        del fake
        gc.collect()

        m = sizes.memory_boto3_hits
        fake = MTurkFake(seed=20).start()
        try:
            client = new_client()
            params = hit_params()
            client.create_hit(**params)
            gc.collect()
            before2 = tracemalloc.get_traced_memory()[0]
            for _ in range(m):
                client.create_hit(**params)
            gc.collect()
            after2 = tracemalloc.get_traced_memory()[0]
        finally:
            fake.stop()
        q_each = sys.getsizeof(EXTERNAL_Q)
        per_hit2 = (after2 - before2 - m * q_each) / m
        del fake
    finally:
        tracemalloc.stop()
    section.add(
        Row(
            f"{n:,} HITs, service-level creation",
            per_hit,
            "B/HIT",
            n,
            limit=MEMORY_LIMIT,
            kind="abs",
            note=f"question text {len(EXTERNAL_Q)} chars, shared",
        )
    )
    section.add(
        Row(
            f"{m:,} HITs created through boto3 (incl. fake.calls records)",
            per_hit2,
            "B/HIT",
            m,
            kind="info",
            note=f"{q_each} B of question per HIT subtracted",
        )
    )
    return section
