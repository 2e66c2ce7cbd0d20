"""Per-test overhead, a 1,000-test suite, and what importing the plugin adds (section 5)."""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Row, Section, Sizes

START_STOP_LIMIT_MS = 2.0
SUITE_LIMIT = 1.3
IMPORT_LIMIT_MS = 100.0

_RECORDER = """
import json, os

_durations = {}


def pytest_runtest_logreport(report):
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    with open(os.environ["BENCH_DURATIONS"], "w") as fh:
        json.dump(_durations, fh)
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in (
        "PYTEST_ADDOPTS",
        "PYTEST_MTURK_FAKE",
        "PYTEST_PLUGINS",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    ):
        env.pop(name, None)
    return env


#: Options added to every inner pytest run (``Sizes.pytest_extra``; set by the section runners).
_EXTRA: list[str] = []


def _pytest(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Wall time (s) of one ``python -m pytest`` subprocess; fails loudly if pytest does."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *_EXTRA, *args]
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, env=env or _env(), capture_output=True, text=True, timeout=600
    )
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 5):  # 5: no tests collected (the --co start-up runs)
        raise RuntimeError(
            f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        )
    return wall


def _write_tests(directory: Path, name: str, count: int, signature: str) -> None:
    per_file = 100
    for start in range(0, count, per_file):
        lines = [
            f"def test_{name}_{i}({signature}):\n    assert True\n\n"
            for i in range(start, min(start + per_file, count))
        ]
        (directory / f"test_{name}_{start // per_file:03d}.py").write_text("".join(lines))


def per_test_overhead(sizes: Sizes) -> Section:
    _EXTRA[:] = sizes.pytest_extra
    from pytest_mturk import MTurkFake

    section = Section(
        "pertest",
        "Per-test overhead",
        "What the `mturk` fixture does for every test: `MTurkFake(...)`, `.start()`, `.stop()` "
        "(median of single timings after warm-up); then an inner pytest run (a subprocess) with "
        f"{sizes.inner_tests} tests taking the `mturk` fixture and {sizes.inner_tests} plain "
        "tests, each test's setup + call + teardown time taken from pytest's own reports.",
    )
    for _ in range(20):
        MTurkFake().start().stop()
    samples = []
    for _ in range(sizes.start_stop_samples):
        t0 = time.perf_counter_ns()
        MTurkFake().start().stop()
        samples.append(time.perf_counter_ns() - t0)
    build = []
    for _ in range(sizes.start_stop_samples):
        t0 = time.perf_counter_ns()
        MTurkFake()
        build.append(time.perf_counter_ns() - t0)
    section.add(
        Row(
            "MTurkFake() + start() + stop()",
            statistics.median(samples) / 1e6,
            "ms",
            len(samples),
            limit=START_STOP_LIMIT_MS,
            kind="abs",
            note=f"of which MTurkFake() alone {statistics.median(build) / 1e6:.3f} ms",
        )
    )
    tmp = Path(tempfile.mkdtemp(prefix="pytest-mturk-bench-"))
    try:
        (tmp / "pytest.ini").write_text("[pytest]\n")
        (tmp / "conftest.py").write_text(_RECORDER)
        _write_tests(tmp, "fixture", sizes.inner_tests, "mturk")
        _write_tests(tmp, "plain", sizes.inner_tests, "")
        out = tmp / "durations.json"
        env = _env()
        env["BENCH_DURATIONS"] = str(out)
        _pytest(["-q"], tmp, env)
        durations: dict[str, float] = json.loads(out.read_text())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with_fixture = [d for k, d in durations.items() if "test_fixture_" in k]
    plain = [d for k, d in durations.items() if "test_plain_" in k]
    med_fixture = statistics.median(with_fixture) * 1000
    med_plain = statistics.median(plain) * 1000
    section.add(
        Row(
            "a test taking `mturk` minus a plain test (inner pytest run)",
            med_fixture - med_plain,
            "ms",
            len(with_fixture),
            limit=START_STOP_LIMIT_MS,
            kind="abs",
            note=f"median test with the fixture {med_fixture:.3f} ms, plain {med_plain:.3f} ms",
        )
    )
    return section


def suite(sizes: Sizes) -> Section:
    _EXTRA[:] = sizes.pytest_extra
    n = sizes.suite_tests
    section = Section(
        "suite",
        f"A {n:,}-test suite of trivial tests",
        f"{n:,} trivial tests in {max(1, n // 100)} files, run by `python -m pytest -q -p "
        "no:cacheprovider` subprocesses: `--mturk-fake` (a fresh fake for every test) vs "
        f"`-p no:mturk` (plugin not loaded); runs interleaved, best of {sizes.suite_repeats} "
        "each. Wall time of the whole subprocess, interpreter start-up included.",
    )
    tmp = Path(tempfile.mkdtemp(prefix="pytest-mturk-suite-"))
    try:
        (tmp / "pytest.ini").write_text("[pytest]\n")
        _write_tests(tmp, "trivial", n, "")
        walls: dict[str, list[float]] = {"fake": [], "no plugin": [], "plugin, fake off": []}
        if not sizes.quick:
            _pytest(["-q", "-p", "no:mturk"], tmp)  # warm-up: file system and import caches
        for _ in range(sizes.suite_repeats):
            walls["fake"].append(_pytest(["-q", "--mturk-fake"], tmp))
            walls["no plugin"].append(_pytest(["-q", "-p", "no:mturk"], tmp))
            if not sizes.quick:
                walls["plugin, fake off"].append(_pytest(["-q"], tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    best = {k: min(v) for k, v in walls.items() if v}
    section.add(
        Row(
            f"{n:,} tests with --mturk-fake (wall, s)",
            best["fake"],
            "s",
            sizes.suite_repeats,
            "-p no:mturk",
            best["no plugin"],
            sizes.suite_repeats,
            SUITE_LIMIT,
        )
    )
    if walls["plugin, fake off"]:
        section.add(
            Row(
                f"{n:,} tests, plugin loaded but fake off (wall, s)",
                best["plugin, fake off"],
                "s",
                sizes.suite_repeats,
                "-p no:mturk",
                best["no plugin"],
                sizes.suite_repeats,
                kind="info",
            )
        )
    return section


_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _importtime(code: str) -> tuple[float, float]:
    """(cumulative ms of the outermost pytest_mturk entries, self ms of all of them)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"importing failed: {proc.stderr[-2000:]}")
    entries = []
    for line in proc.stderr.splitlines():
        m = _IMPORT_LINE.match(line)
        if m:
            entries.append((int(m.group(1)), int(m.group(2)), len(m.group(3)), m.group(4)))
    cumulative = 0
    own = 0
    # Entries are printed children first; an entry is outermost when no pytest_mturk entry
    # printed after it (its ancestors come later) sits at a shallower depth.
    for i, (self_us, cum_us, depth, name) in enumerate(entries):
        if not name.startswith("pytest_mturk"):
            continue
        own += self_us
        enclosing = False
        d = depth
        for _s, _c, later_depth, later_name in entries[i + 1 :]:
            if later_depth < d:
                if later_name.startswith("pytest_mturk"):
                    enclosing = True
                    break
                d = later_depth
        if not enclosing:
            cumulative += cum_us
    return cumulative / 1000, own / 1000


def import_cost(sizes: Sizes) -> Section:
    _EXTRA[:] = sizes.pytest_extra
    reps = sizes.startup_repeats
    section = Section(
        "import",
        "Import and pytest start-up",
        '`python -X importtime -c "import pytest_mturk.plugin"` exactly as asked: the '
        "cumulative time of the outermost pytest_mturk entries, which includes importing "
        "pytest itself (the plugin module imports it); the same with pytest imported first "
        "(what the plugin adds to a pytest process, which has pytest already); and "
        f"`pytest --co -q -p no:faker` on an empty directory with and without `-p no:mturk` "
        f"(interleaved, "
        f"after a warm-up run). Best of {reps}.",
    )
    exact = [_importtime("import pytest_mturk.plugin") for _ in range(reps)]
    added = [_importtime("import pytest; import pytest_mturk.plugin") for _ in range(reps)]
    section.add(
        Row(
            "importtime `import pytest_mturk.plugin` (cumulative, incl. pytest)",
            min(c for c, _ in exact),
            "ms",
            reps,
            kind="info",
            note=f"pytest_mturk modules' own (self) time {min(o for _, o in exact):.1f} ms",
        )
    )
    section.add(
        Row(
            "importtime `import pytest_mturk.plugin` after `import pytest`",
            min(c for c, _ in added),
            "ms",
            reps,
            limit=IMPORT_LIMIT_MS,
            kind="abs",
        )
    )
    tmp = Path(tempfile.mkdtemp(prefix="pytest-mturk-empty-"))
    try:
        (tmp / "pytest.ini").write_text("[pytest]\n")
        walls: dict[str, list[float]] = {"with": [], "without": [], "default": []}
        if not sizes.quick:
            _pytest(["--co", "-q", "-p", "no:mturk"], tmp)  # warm-up
        # Faker's plugin is left out of both (its import, 0.5 s with 0.3 s of noise, hid the
        # few milliseconds measured here and made the difference negative); its cost is the
        # row below.
        quiet = [] if "no:faker" in _EXTRA else ["-p", "no:faker"]  # quick mode has it already
        for _ in range(reps):
            walls["with"].append(_pytest(["--co", "-q", *quiet], tmp))
            walls["without"].append(_pytest(["--co", "-q", "-p", "no:mturk", *quiet], tmp))
            if not sizes.quick:
                walls["default"].append(_pytest(["--co", "-q"], tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with_ms, without_ms = min(walls["with"]) * 1000, min(walls["without"]) * 1000
    section.add(
        Row(
            "`pytest --co -q` (empty dir): with plugin minus `-p no:mturk`",
            with_ms - without_ms,
            "ms",
            reps,
            limit=IMPORT_LIMIT_MS,
            kind="abs",
            note=f"with {with_ms:.0f} ms, without {without_ms:.0f} ms",
        )
    )
    if walls["default"]:
        default_ms = min(walls["default"]) * 1000
        section.add(
            Row(
                "`pytest --co -q` (empty dir): default minus `-p no:faker`",
                default_ms - with_ms,
                "ms",
                reps,
                kind="info",
                note="Faker's own pytest plugin (entry point `faker`), installed with "
                "pytest-mturk's `faker` dependency and loaded even with `-p no:mturk`: it "
                "imports faker at start-up",
            )
        )
    if sizes.pytest_extra:
        section.text.append("Inner pytest runs use `" + " ".join(sizes.pytest_extra) + "`.")
    return section


# ----------------------------------------------------------------------------- the first client

FIRST_CLIENT_LIMIT_MS = 10.0
FIRST_CLIENT_VS_MOTO = 0.2
CLIENT_SUITE_LIMIT = 1.5


def _fresh_default_session() -> None:
    import boto3

    boto3.DEFAULT_SESSION = None  # as every test starts: no session made by an earlier one


def first_client(sizes: Sizes) -> Section:
    """Activation + a test's first ``boto3.client`` + one call, against moto's equivalent."""
    import boto3
    from moto import mock_aws

    from benchmarks.common import Variant, interleaved
    from pytest_mturk import MTurkFake

    section = Section(
        "firstclient",
        "The first client in a test",
        "What a test pays before its first answer: activation, `boto3.client(...)` on boto3's "
        "default session, and one call; then deactivation. pytest-mturk: `MTurkFake().start()`, "
        "`boto3.client('mturk', region_name='us-east-1').get_account_balance()`, `stop()`. "
        "moto: `mock_aws()` started, `boto3.client('sqs', region_name='us-east-1')."
        "list_queues()`, stopped. boto3's default session is dropped before each sample (every "
        "test starts so). In process, interleaved one sample at a time, "
        f"{sizes.first_client_rounds} rounds after two warm-up rounds; medians.",
    )

    def fake_test() -> None:
        _fresh_default_session()
        fake = MTurkFake().start()
        try:
            boto3.client("mturk", region_name="us-east-1").get_account_balance()
        finally:
            fake.stop()

    def moto_test() -> None:
        _fresh_default_session()
        with mock_aws():
            boto3.client("sqs", region_name="us-east-1").list_queues()

    samples = interleaved(
        [Variant("pytest-mturk", fake_test), Variant("moto", moto_test)],
        sizes.first_client_rounds,
        1,
    )
    fake_ms = statistics.median(samples["pytest-mturk"]) / 1e6
    moto_ms = statistics.median(samples["moto"]) / 1e6
    section.add(
        Row(
            "activation + first client + one call (ms)",
            fake_ms,
            "ms",
            len(samples["pytest-mturk"]),
            limit=FIRST_CLIENT_LIMIT_MS,
            kind="abs",
        )
    )
    section.add(
        Row(
            "the same vs moto's mock_aws + SQS client + one call",
            fake_ms,
            "ms",
            len(samples["pytest-mturk"]),
            "moto",
            moto_ms,
            len(samples["moto"]),
            FIRST_CLIENT_VS_MOTO,
        )
    )
    return section


_CLIENT_TEST = """
import boto3

QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.org/task</ExternalURL>'
    '<FrameHeight>600</FrameHeight></ExternalQuestion>'
)

"""

_CLIENT_TEST_BODY = """
def test_{name}_{i}():
    client = boto3.client("mturk", region_name="us-east-1")
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    hit = client.create_hit(
        Title="t", Description="d", Reward="0.10", LifetimeInSeconds=600,
        AssignmentDurationInSeconds=60, Question=QUESTION,
    )["HIT"]
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Assignable"

"""

_MOTO_TEST = """
import boto3
from moto import mock_aws

"""

_MOTO_TEST_BODY = """
def test_{name}_{i}():
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        assert client.list_queues().get("QueueUrls") is None
        url = client.create_queue(QueueName="q")["QueueUrl"]
        assert client.get_queue_url(QueueName="q")["QueueUrl"] == url

"""

#: A conftest for the floor: the same suite, with the fake's answer replaced by canned bytes.
_CANNED_CONFTEST = """
import json

import pytest
from botocore.awsrequest import AWSResponse

from pytest_mturk.transport import hook

BODIES = json.loads(open(__file__.replace("conftest.py", "canned.json")).read())


class _Raw:
    def __init__(self, data):
        self._data = data

    def stream(self, **kwargs):
        yield self._data


def _canned(backend, request):
    target = request.headers["X-Amz-Target"]
    target = target.decode() if isinstance(target, bytes) else target
    body = BODIES[target.rpartition(".")[2]].encode()
    headers = {
        "x-amzn-RequestId": "00000000-0000-4000-a000-000000000000",
        "Content-Type": "application/x-amz-json-1.1",
        "Content-Length": str(len(body)),
    }
    return AWSResponse(request.url, 200, headers, _Raw(body))


@pytest.fixture(autouse=True)
def _canned_answers(monkeypatch):
    monkeypatch.setattr(hook, "_answer", _canned)
"""


def _canned_bodies() -> dict[str, str]:
    """The bodies the fake answers the suite's three calls with, captured once."""
    import boto3

    from pytest_mturk import MTurkFake
    from pytest_mturk.transport import botocore_glue, hook

    bodies: dict[str, str] = {}

    def recording(backend: Any, request: Any) -> Any:
        response = botocore_glue.answer(backend, request)
        target = request.headers["X-Amz-Target"]
        target = target.decode() if isinstance(target, bytes) else target
        bodies[target.rpartition(".")[2]] = response.content.decode()
        return response

    original = hook._answer
    hook._answer = recording
    try:
        with MTurkFake():
            client = boto3.client("mturk", region_name="us-east-1")
            client.get_account_balance()
            hit = client.create_hit(
                Title="t",
                Description="d",
                Reward="0.10",
                LifetimeInSeconds=600,
                AssignmentDurationInSeconds=60,
                Question=(
                    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
                    'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>'
                    "https://example.org/task</ExternalURL><FrameHeight>600</FrameHeight>"
                    "</ExternalQuestion>"
                ),
            )["HIT"]
            client.get_hit(HITId=hit["HITId"])
    finally:
        hook._answer = original
    return bodies


def _write_suite(directory: Path, n: int, header: str, body: str) -> None:
    per_file = 100
    for start in range(0, n, per_file):
        tests = "".join(
            body.format(name="client", i=i) for i in range(start, min(start + per_file, n))
        )
        (directory / f"test_client_{start // per_file:03d}.py").write_text(header + tests)


def client_suite(sizes: Sizes) -> Section:
    """Every test builds a client and makes three calls: the fake vs its own handler canned."""
    _EXTRA[:] = sizes.pytest_extra
    n = sizes.client_suite_tests
    section = Section(
        "clientsuite",
        f"A {n:,}-test suite where every test builds a client",
        f"{n:,} tests, each `boto3.client('mturk', region_name='us-east-1')` on boto3's default "
        "session and three calls (GetAccountBalance, CreateHIT, GetHIT), run by `python -m "
        "pytest -q -p no:cacheprovider --mturk-fake` subprocesses. The floor is the same suite "
        "and the same plugin with the fake's handler replaced by canned responses (the very "
        "bodies the fake answered, captured once): botocore and the plugin's per-test "
        "activation with nothing behind them. moto's row is the same shape of suite (each test "
        "under `mock_aws()`: an SQS client and three calls) for reference. Runs interleaved, "
        f"best of {sizes.client_suite_repeats}; wall time of the whole subprocess.",
    )
    root = Path(tempfile.mkdtemp(prefix="pytest-mturk-clients-"))
    try:
        fake_dir, floor_dir, moto_dir = root / "fake", root / "floor", root / "moto"
        for d in (fake_dir, floor_dir, moto_dir):
            d.mkdir()
            (d / "pytest.ini").write_text("[pytest]\n")
        _write_suite(fake_dir, n, _CLIENT_TEST, _CLIENT_TEST_BODY)
        _write_suite(floor_dir, n, _CLIENT_TEST, _CLIENT_TEST_BODY)
        (floor_dir / "canned.json").write_text(json.dumps(_canned_bodies()))
        (floor_dir / "conftest.py").write_text(_CANNED_CONFTEST)
        _write_suite(moto_dir, n, _MOTO_TEST, _MOTO_TEST_BODY)
        walls: dict[str, list[float]] = {"fake": [], "floor": [], "moto": []}
        if not sizes.quick:
            _pytest(["-q", "--mturk-fake"], floor_dir)  # warm-up
        for _ in range(sizes.client_suite_repeats):
            walls["fake"].append(_pytest(["-q", "--mturk-fake"], fake_dir))
            walls["floor"].append(_pytest(["-q", "--mturk-fake"], floor_dir))
        walls["moto"].append(_pytest(["-q", "-p", "no:mturk"], moto_dir))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    best = {k: min(v) for k, v in walls.items()}
    section.add(
        Row(
            f"{n:,} tests, a client and three calls each (wall, s)",
            best["fake"],
            "s",
            sizes.client_suite_repeats,
            "canned handler",
            best["floor"],
            sizes.client_suite_repeats,
            CLIENT_SUITE_LIMIT,
        )
    )
    section.add(
        Row(
            f"moto: {n:,} tests, mock_aws + an SQS client and three calls each (wall, s)",
            best["moto"],
            "s",
            1,
            "pytest-mturk",
            best["fake"],
            sizes.client_suite_repeats,
            kind="info",
        )
    )
    return section
