"""Run every pytest-mturk benchmark in one process and write ``benchmarks/results.md``.

    python benchmarks/run.py            # full sizes (a few minutes): writes benchmarks/results.md
    python benchmarks/run.py --quick    # tiny sizes, a smoke run: writes no file unless --output
    python benchmarks/run.py --output /tmp/results.md --only floor,moto

See issue 7 and the Method section of the results file.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import (
    bench_calls,
    bench_durable,
    bench_scale,
    bench_server,
    bench_startup,
    bench_time,
)
from benchmarks.common import Section, Sizes
from benchmarks.profiling import Hotspots
from benchmarks.report import render

DEFAULT_OUTPUT = Path(__file__).resolve().with_name("results.md")

#: Section key -> (title used when it fails before producing one, runner).
SectionRunner = Callable[[Sizes, list[Hotspots]], Section]
SECTIONS: dict[str, tuple[str, SectionRunner]] = {
    "floor": ("Per-call cost vs the botocore floor", bench_calls.per_call_vs_floor),
    "moto": ("Against moto", lambda s, h: bench_calls.against_moto(s)),
    "flat": ("Flat with size", bench_scale.flat_with_size),
    "walk": ("Walking all of ListHITs", lambda s, h: bench_scale.walk_linear(s)),
    "approve": ("Auto-approval", lambda s, h: bench_scale.auto_approval(s)),
    "pertest": ("Per-test overhead", lambda s, h: bench_startup.per_test_overhead(s)),
    "suite": ("A trivial suite", lambda s, h: bench_startup.suite(s)),
    "firstclient": ("The first client in a test", lambda s, h: bench_startup.first_client(s)),
    "clientsuite": ("A suite of client tests", lambda s, h: bench_startup.client_suite(s)),
    "import": ("Import and pytest start-up", lambda s, h: bench_startup.import_cost(s)),
    "memory": ("Memory per stored HIT", lambda s, h: bench_scale.memory(s)),
    "server": ("Server mode", lambda s, h: bench_server.server_mode(s)),
    "durable": ("Durable server", lambda s, h: bench_durable.durable_server(s)),
    "time": ("What fake time saves", lambda s, h: bench_time.time_saved(s)),
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke test)")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="results file (default: benchmarks/results.md for a full run; none for --quick, "
        "so a smoke run never overwrites the committed results)",
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated sections to run ({', '.join(SECTIONS)})"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = Sizes.quick_sizes() if args.quick else Sizes.full()
    wanted = [k.strip() for k in args.only.split(",") if k.strip()] or list(SECTIONS)
    unknown = [k for k in wanted if k not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    sections: list[Section] = []
    hotspots: list[Hotspots] = []
    for key in wanted:
        title, runner = SECTIONS[key]
        t0 = time.perf_counter()
        print(f"[{time.perf_counter() - started:6.1f}s] {title} ...", flush=True)
        try:
            section = runner(sizes, hotspots)
        except Exception:
            section = Section(key, title, error=traceback.format_exc())
            print(section.error, file=sys.stderr, flush=True)
        section.text.append(f"_Section time: {time.perf_counter() - t0:.1f} s._")
        sections.append(section)
        for row in section.rows:
            verdict = {True: "PASS", False: "MISS", None: "info"}[row.passed]
            ratio = f" ratio {row.ratio:.2f}" if row.ratio is not None else ""
            print(f"    {row.name}: {row.value:.2f} {row.unit}{ratio} [{verdict}]", flush=True)
    elapsed = time.perf_counter() - started
    text = render(sections, hotspots, args.quick, elapsed)
    output = args.output
    if output is None and not args.quick and not args.only:
        output = DEFAULT_OUTPUT
    if output is None:
        why = "a --quick run" if args.quick else "a partial (--only) run"
        print(f"{why}: no results file written (give --output to keep one)", flush=True)
    else:
        if output.resolve() == DEFAULT_OUTPUT and (args.quick or args.only):
            print(f"refusing to overwrite {DEFAULT_OUTPUT} with a smoke or partial run", flush=True)
            return 2
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
        print(f"wrote {output} in {elapsed:.0f} s", flush=True)
    return 1 if any(s.error for s in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
