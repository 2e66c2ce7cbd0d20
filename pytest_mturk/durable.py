"""A server whose whole state survives restarts: ``pytest-mturk serve --state FILE``.

Three files:

* ``FILE``, the snapshot: the whole state (the service's dump with the generators' states, the
  fake clock's offset, the call log, the faults, the control API's named snapshots and
  autopilots), written atomically (a temporary file, fsync, ``os.replace``), so it is never torn.
* ``FILE.journal``: one JSON line for every input since the snapshot that could change the state
  (every MTurk call, every control API action), with the fake time it was applied at. The line
  is written before the answer is sent, so every call that got an answer is in it; a ``kill -9``
  can only tear the last line, which was never answered, and is ignored.
* ``FILE.lock``: held while a server uses the files (a second server on them is refused).

Each input is applied with the service's clock pinned to one instant, recorded in its line, so
replaying the journal over the snapshot applies every input again exactly as it was (a seed is
chosen and stored when none was given, so ids continue where they were and none is reused). On
start the snapshot is loaded and the journal replayed; the journal is folded into a new snapshot
when it outgrows half the snapshot, and when the server stops. A file that is not one of ours, is
corrupt, or does not replay as it was recorded is refused with one line, and left untouched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from pytest_mturk import persist, protocol
from pytest_mturk.autopilot import ScheduledWork
from pytest_mturk.clock import Clock
from pytest_mturk.fake import MTurkFake
from pytest_mturk.faults import Faults, TransportFault
from pytest_mturk.ledgers import CallLog
from pytest_mturk.protocol import Backend
from pytest_mturk.transport.control import ControlAPI, Endpoint
from pytest_mturk.transport.server import MTurkServer

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows: no advisory lock)
    fcntl = None  # type: ignore[assignment]

__all__ = ["FORMAT", "VERSION", "DurableState", "StateFileError"]

FORMAT = "pytest-mturk-server-state"
JOURNAL_FORMAT = "pytest-mturk-journal"
VERSION = 1
#: The journal is folded into a new snapshot once it is larger than half the snapshot (and than
#: this): a fold costs about what loading the snapshot costs, and replaying the journal on start
#: a little more per byte, so the journal's bytes bound both the folds' share of a call and the
#: start-up after a crash.
MIN_COMPACT_BYTES = 4 * 1024 * 1024
#: Options the state file keeps (and the command line may not contradict).
_OPTIONS = ("seed", "balance", "autopilot")
#: The request headers the protocol module reads (a test keeps this list complete).
JOURNALED_HEADERS = ("x-amz-target", "authorization", "amz-sdk-request")
_CLOCK_ACTIONS = ("clock/advance", "clock/move_to")
_FAULT_FIELDS = (
    "type_name",
    "code",
    "message",
    "status",
    "times",
    "after",
    "applied",
    "required",
)


class StateFileError(Exception):
    """A state file the server will not use; the message is one line."""


class _Pinned:
    """The service's clock while one input is applied: every reading is the same instant, so a
    replay of the input sees exactly what it saw."""

    __slots__ = ("_at", "_clock")

    def __init__(self, clock: Clock, at: float) -> None:
        self._clock = clock
        self._at = at

    def time(self) -> float:
        return self._at

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._at, timezone.utc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._clock, name)


def _fsync_dir(path: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_atomically(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path)


def _dumps(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


# Built once: json.dumps with options builds an encoder per call, and the journal writes per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


class DurableState:
    """The fake of a ``--state`` server, its files, and the journaling of its inputs.

    ``DurableState.open(path, options)`` loads (or creates) the state; ``serve(...)`` starts the
    server over it; ``close()`` folds the journal into the snapshot and lets the files go.
    """

    def __init__(
        self, path: str, fake: MTurkFake, control: ControlAPI, options: dict[str, Any]
    ) -> None:
        self.path = path
        self.journal_path = path + ".journal"
        self.fake = fake
        self.control = control
        self.options = options
        self.generation = 0
        self.state_id = ""
        self.snapshot_bytes = 0
        self._journal: Any = None
        self._journal_bytes = 0
        self._lock_file: Any = None
        self._real_clock = fake.clock
        self.min_compact_bytes = MIN_COMPACT_BYTES
        self._offset = 0.0
        control.run_action = self.run_action

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str, options: dict[str, Any] | None = None) -> DurableState:
        """The state kept in ``path`` (made when there is none). ``options``: seed, balance,
        autopilot given on the command line (None: not given); a state file keeps its own, and
        one given differently is refused. Raises :class:`StateFileError`."""
        given = {k: v for k, v in (options or {}).items() if v is not None}
        lock = _lock(path)
        try:
            if os.path.exists(path):
                state = cls._load(path, given)
            else:
                state = cls._create(path, given)
        except BaseException:
            lock.close()
            raise
        state._lock_file = lock
        return state

    @classmethod
    def _create(cls, path: str, given: dict[str, Any]) -> DurableState:
        if os.path.exists(path + ".journal"):
            raise StateFileError(
                f"cannot use state file {path}: it does not exist, but its journal "
                f"{path}.journal does (move the journal away or restore the state file)"
            )
        options = {
            "seed": given.get("seed", secrets.randbelow(2**31)),
            "balance": str(given.get("balance", "10000.00")),
            "autopilot": given.get("autopilot"),
        }
        fake = MTurkFake(**options)
        state = cls(path, fake, ControlAPI(fake), options)
        state.state_id = secrets.token_hex(8)
        try:
            state._write_snapshot()
            state._start_journal()
        except OSError as exc:
            raise StateFileError(f"cannot write state file {path}: {exc.strerror or exc}") from None
        return state

    @classmethod
    def _load(cls, path: str, given: dict[str, Any]) -> DurableState:
        def refuse(reason: str) -> StateFileError:
            return StateFileError(f"cannot use state file {path}: {reason}")

        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise refuse(exc.strerror or str(exc)) from None
        if not raw.strip():
            raise refuse("the file is empty")
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise refuse(f"not valid JSON ({exc}); a corrupt or foreign file") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            fmt = doc.get("format") if isinstance(doc, dict) else None
            raise refuse(f"not a pytest-mturk server state file (format {fmt!r})")
        if doc.get("version") != VERSION:
            raise refuse(
                f"state file version {doc.get('version')!r} is not supported (this version "
                f"of pytest-mturk reads version {VERSION})"
            )
        try:
            options = _check_options(doc.get("options"))
            for name, value in given.items():
                if not _same_option(name, value, options.get(name)):
                    raise refuse(
                        f"it was made with --{name} {options.get(name)}, not {value} (leave "
                        f"--{name} out, or use another state file)"
                    )
            fake = MTurkFake(**options)
            state = cls(path, fake, ControlAPI(fake), options)
            state.snapshot_bytes = len(raw)
            state._restore(doc)
            entries, stale, good_length = state._read_journal()
            if not stale:
                state._replay(entries)
        except StateFileError:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise refuse(str(exc).splitlines()[0] if str(exc) else repr(exc)) from None
        state._settle_clock()
        try:
            if stale:
                state._start_journal()
            else:
                state._continue_journal(good_length)
        except OSError as exc:
            raise refuse(exc.strerror or str(exc)) from None
        return state

    def _restore(self, doc: dict[str, Any]) -> None:
        """Load the snapshot ``doc`` into the new fake (ValueError when it is broken)."""
        expected = {
            "format",
            "version",
            "id",
            "generation",
            "options",
            "clock_offset",
            "state",
            "calls",
            "snapshots",
            "autopilots",
            "pending_work",
            "faults",
            "rate_limits",
            "access_keys",
        }
        if set(doc) != expected:
            missing = sorted(expected - set(doc))
            extra = sorted(set(doc) - expected)
            raise ValueError(f"not a complete state file (missing {missing}, unexpected {extra})")
        fake, control = self.fake, self.control
        svc = fake.service
        if not isinstance(doc["id"], str) or not isinstance(doc["generation"], int):
            raise ValueError("a state file's id is a string and its generation an integer")
        self.state_id = doc["id"]
        self.generation = doc["generation"]
        pilots_doc = doc["autopilots"]
        if not isinstance(pilots_doc, list):
            raise ValueError("autopilots must be a list")
        # Made before the state is loaded, so that what making them changes is replaced.
        pilots = []
        for p in pilots_doc:
            pilots.append(
                fake.autopilot(
                    workers=len(p["workers"]),
                    answers=p["answers"],
                    delay=p["delay"],
                    request_qualifications=p.get("request_qualifications", True),
                )
            )
        persist.load_service(svc, doc["state"])
        for pilot, p in zip(pilots, pilots_doc, strict=True):
            pilot.workers = [fake.workers.get(worker_id) for worker_id in p["workers"]]
        control.autopilots = pilots
        for when, seq, kind, index, hit_id in doc["pending_work"]:
            svc.reschedule(when, seq, kind, ScheduledWork(pilots[index], svc.hits_by_id[hit_id]))
        fake.calls.extend(persist.decode_document(doc["calls"], ["calls"])["calls"])
        for name, data in doc["snapshots"].items():
            control.snapshots[name] = persist.load_snapshot(svc, data)
        for spec in doc["faults"]:
            fault = fake.faults.add(
                spec["operation"], spec["error"], **{k: spec[k] for k in _FAULT_FIELDS}
            )
            fault.seen, fault.fired = spec["seen"], spec["fired"]
        for operation, per_second in doc["rate_limits"]:
            fake.faults.rate_limit(per_second, operation)
            control.rate_limits[operation] = per_second
        for key in doc["access_keys"]:
            fake.allow_access_key(key)
        self._offset = float(doc["clock_offset"])

    # ------------------------------------------------------------------ the journal

    def _read_journal(self) -> tuple[list[Any], bool, int]:
        """(entries to replay, whether the journal is stale, the length of its whole lines)."""
        try:
            with open(self.journal_path, "rb") as fh:
                raw = fh.read()
        except FileNotFoundError:
            return [], True, 0
        lines = raw.split(b"\n")
        # A last line without its newline was being written when the server died: never
        # answered, and ignored.
        complete = lines[:-1]
        if not complete:
            raise StateFileError(
                f"cannot use state file {self.path}: its journal {self.journal_path} has no "
                "header line (a corrupt or foreign file)"
            )
        try:
            header = json.loads(complete[0])
        except ValueError:
            header = None
        if not (
            isinstance(header, dict)
            and header.get("format") == JOURNAL_FORMAT
            and header.get("version") == VERSION
        ):
            raise StateFileError(
                f"cannot use state file {self.path}: {self.journal_path} is not a pytest-mturk "
                "journal"
            )
        if header.get("id") != self.state_id or header.get("generation") not in (
            self.generation,
            self.generation - 1,
        ):
            raise StateFileError(
                f"cannot use state file {self.path}: its journal {self.journal_path} belongs to "
                "another state file"
            )
        if header["generation"] == self.generation - 1:
            return [], True, 0  # already folded into the snapshot
        entries = []
        for number, line in enumerate(complete[1:], start=2):
            try:
                entries.append(json.loads(line))
            except ValueError:
                raise StateFileError(
                    f"cannot use state file {self.path}: line {number} of its journal "
                    f"{self.journal_path} is corrupt"
                ) from None
        return entries, False, len(raw) - len(lines[-1])

    @contextlib.contextmanager
    def _pinned(self, at: float) -> Iterator[None]:
        svc = self.fake.service
        svc.clock = _Pinned(self._real_clock, at)  # type: ignore[assignment]
        try:
            yield
        finally:
            svc.clock = self._real_clock

    def _replay(self, entries: list[Any]) -> None:
        fake = self.fake
        replay_backend = dataclasses.replace(
            fake.backend,
            faults=Faults(self._real_clock),
            calls=CallLog(),
            internal_errors=[],
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for number, entry in enumerate(entries, start=2):
                try:
                    if "c" in entry:
                        self._replay_call(replay_backend, entry)
                    else:
                        self._replay_action(entry)
                except StateFileError:
                    raise
                except Exception as exc:
                    raise StateFileError(
                        f"cannot use state file {self.path}: line {number} of its journal "
                        f"does not replay ({exc!r:.200})"
                    ) from None

    def _replay_call(self, backend: Backend, entry: dict[str, Any]) -> None:
        svc = self.fake.service
        with svc.lock, self._pinned(entry["c"]):
            record = None
            if entry.get("applied", True):
                try:
                    status, _, _ = protocol.handle(
                        backend, entry["h"], _body(entry), protocol.HOSTS[entry["env"]]
                    )
                except TransportFault:
                    status = 0
                record = backend.calls.pop()
                if "rec" not in entry and status != entry["s"]:
                    raise ValueError(f"answered {status}, not {entry['s']} as recorded")
            if entry.get("rid", True):
                protocol.request_id(svc)
            if "rec" in entry:
                record = persist.decode_document(entry["rec"], ["r"])["r"]
                record.params = _params(entry)
            if record is None:
                raise ValueError("a call that was not applied has no recorded outcome")
            self.fake.calls.append(record)
            counters = entry.get("f")
            if counters is not None:
                for fault, (seen, fired) in zip(list(self.fake.faults), counters, strict=False):
                    fault.seen, fault.fired = seen, fired

    def _replay_action(self, entry: dict[str, Any]) -> None:
        name = entry["n"]
        if name in _CLOCK_ACTIONS:
            # What fell due is applied by the next input, each at its own time; only where the
            # clock ended up matters.
            self._offset = entry["o"]
            return
        svc = self.fake.service
        with svc.lock, self._pinned(entry["a"]):
            try:
                self.control.perform(name, dict(entry["v"]))
                ok = True
            except Exception:
                ok = False
        if ok != entry["ok"]:
            raise ValueError(f"{name} {'failed' if entry['ok'] else 'succeeded'} this time")

    def _settle_clock(self) -> None:
        """Put the fake clock where the journal left it (what fell due meanwhile applies)."""
        clock = self._real_clock
        clock.reset()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self._offset > 0:
                clock.advance(seconds=self._offset)
            elif self._offset < 0:
                clock.move_to(clock.now() + timedelta(seconds=self._offset))

    def _start_journal(self) -> None:
        header = {
            "format": JOURNAL_FORMAT,
            "version": VERSION,
            "id": self.state_id,
            "generation": self.generation,
        }
        data = _dumps(header) + b"\n"
        _write_atomically(self.journal_path, data)
        self._open_journal(len(data))

    def _continue_journal(self, length: int) -> None:
        with open(self.journal_path, "r+b") as fh:
            fh.truncate(length)  # drop a torn last line
        self._open_journal(length)

    def _open_journal(self, length: int) -> None:
        if self._journal is not None:
            self._journal.close()
        self._journal = open(self.journal_path, "ab", buffering=0)  # noqa: SIM115
        self._journal_bytes = length

    def _append(self, entry: dict[str, Any]) -> None:
        """Write one journal line (one write: a crash tears at most this line). Called with the
        service's lock held, before the answer is sent."""
        line = _dumps(entry) + b"\n"
        try:
            self._journal.write(line)
        except (OSError, ValueError) as exc:
            # The call was applied but cannot be kept: stop before anyone is told it was.
            os.write(2, f"pytest-mturk: cannot write the journal ({exc}); stopping\n".encode())
            os._exit(3)
        self._journal_bytes += len(line)
        if self._journal_bytes > self.fold_threshold():
            self.compact()

    def fold_threshold(self) -> int:
        """The journal size (bytes) above which it is folded into a new snapshot."""
        return max(self.snapshot_bytes // 2, self.min_compact_bytes)

    # ------------------------------------------------------------------ the two inputs

    def answer(
        self, backend: Backend, headers: protocol.Headers, body: bytes, host: str
    ) -> tuple[int, bytes, str | None, str]:
        """The server's answer to an MTurk call, journaled before it is given."""
        svc = backend.service
        faults = backend.faults
        with svc.lock:
            at = self._real_clock.time()
            counters = [(f.seen, f.fired) for f in faults] if faults.active else None
            entry: dict[str, Any] = {
                "c": at,
                "env": protocol.environment_of(host)[0],
                "h": {
                    name: v for name in JOURNALED_HEADERS if (v := headers.get(name)) is not None
                },
            }
            _put_body(entry, body)
            with self._pinned(at):
                try:
                    status, payload, operation = protocol.handle(backend, headers, body, host)
                except TransportFault:
                    self._note_call(entry, backend, 0, counters, rid=False)
                    raise
                request_id = protocol.request_id(svc)
                self._note_call(entry, backend, status, counters, rid=True)
        return status, payload, operation, request_id

    def _note_call(
        self,
        entry: dict[str, Any],
        backend: Backend,
        status: int,
        counters: list[tuple[int, int]] | None,
        *,
        rid: bool,
    ) -> None:
        entry["s"] = status
        if not rid:
            entry["rid"] = False
        if counters is not None:
            faults = list(backend.faults)
            fired = [
                f for f, (_, before) in zip(faults, counters, strict=False) if f.fired > before
            ]
            record = backend.calls[-1]
            if fired:
                entry["applied"] = bool(fired[0].applied)
            elif record.error_code == "ThrottlingException":
                entry["applied"] = False
            if fired or "applied" in entry:
                entry["rec"] = persist.encode_document(
                    {"r": dataclasses.replace(record, params={})}
                )
            entry["f"] = [[f.seen, f.fired] for f in faults]
        self._append(entry)

    def run_action(self, endpoint: Endpoint, values: dict[str, Any], run: Callable[[], Any]) -> Any:
        """Run a control API action, journaled (the ControlAPI's ``run_action``)."""
        if not endpoint.changes_state:
            return run()
        svc = self.fake.service
        with svc.lock:
            at = self._real_clock.time()
            entry: dict[str, Any] = {"a": at, "n": endpoint.name, "v": values}
            with self._pinned(at):
                try:
                    result = run()
                except Exception:
                    entry["ok"] = False
                    self._append(entry)
                    raise
            entry["ok"] = True
            if endpoint.name in _CLOCK_ACTIONS:
                entry["o"] = self._real_clock.offset.total_seconds()
            self._append(entry)
            return result

    # ------------------------------------------------------------------ snapshots

    def _snapshot_doc(self) -> dict[str, Any]:
        fake, control = self.fake, self.control
        svc = fake.service
        pilots = control.autopilots
        pending = [
            [when, seq, kind, pilots.index(obj.pilot), obj.hit.id]
            for when, seq, kind, obj in svc.scheduled()
            if isinstance(obj, ScheduledWork) and obj.pilot in pilots
        ]
        faults = [
            {
                "operation": f.operation,
                "error": f.error,
                **{k: getattr(f, k) for k in _FAULT_FIELDS},
                "seen": f.seen,
                "fired": f.fired,
            }
            for f in fake.faults
            if f.when is None
        ]
        return {
            "format": FORMAT,
            "version": VERSION,
            "id": self.state_id,
            "generation": self.generation,
            "options": self.options,
            "clock_offset": self._real_clock.offset.total_seconds(),
            "state": persist.dump_service(svc, {}, bookkeeping=True),
            "calls": persist.encode_document({"calls": list(fake.calls)}),
            "snapshots": {
                name: persist.dump_snapshot(snap) for name, snap in control.snapshots.items()
            },
            "autopilots": [
                {
                    "workers": [w.worker_id for w in p.workers],
                    "answers": p.answers,
                    "delay": p.delay,
                    "request_qualifications": p.request_qualifications,
                }
                for p in pilots
            ],
            "pending_work": pending,
            "faults": faults,
            "rate_limits": [[op, n] for op, n in control.rate_limits.items()],
            "access_keys": sorted(fake.access_keys),
        }

    def _write_snapshot(self) -> None:
        data = _dumps(self._snapshot_doc())
        _write_atomically(self.path, data)
        self.snapshot_bytes = len(data)

    def compact(self) -> None:
        """Fold the journal into a new snapshot (under the service's lock: answers wait)."""
        with self.fake.service.lock:
            self.generation += 1
            self._write_snapshot()
            # A crash here leaves the new snapshot with the old journal, whose generation tells
            # that it is already folded in.
            self._start_journal()

    # ------------------------------------------------------------------ serving

    def serve(self, **server_options: Any) -> MTurkServer:
        """Start the server over this state (journaled from its first request)."""
        fake = self.fake
        return MTurkServer(
            fake.backend,
            control=self.control,
            answer=self.answer,
            **server_options,
        )

    def abandon(self) -> None:
        """Let the files go without folding the journal, as a killed server does (for tests
        and benchmarks of the restart)."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def close(self) -> None:
        """Fold the journal into the snapshot and let the files go."""
        if self._journal is not None:
            with contextlib.suppress(OSError):
                self.compact()
            self._journal.close()
            self._journal = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def _lock(path: str) -> Any:
    lock_path = path + ".lock"
    try:
        fh = open(lock_path, "a+b")  # noqa: SIM115 (held for the server's life)
    except OSError as exc:
        raise StateFileError(f"cannot use state file {path}: {exc.strerror or exc}") from None
    if fcntl is not None:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise StateFileError(
                f"cannot use state file {path}: another pytest-mturk server is using it"
            ) from None
    return fh


def _check_options(options: Any) -> dict[str, Any]:
    if not isinstance(options, dict) or set(options) != set(_OPTIONS):
        raise ValueError(f"the options of a state file are {', '.join(_OPTIONS)}")
    if not isinstance(options["seed"], int) or not isinstance(options["balance"], str):
        raise ValueError("a state file's seed is an integer and its balance a string")
    if options["autopilot"] is not None and not isinstance(options["autopilot"], int):
        raise ValueError("a state file's autopilot is a number of workers or null")
    return dict(options)


def _same_option(name: str, given: Any, kept: Any) -> bool:
    if name == "balance":
        try:
            return Decimal(str(given)) == Decimal(str(kept))
        except ArithmeticError:
            return False
    return bool(given == kept)


def _put_body(entry: dict[str, Any], body: bytes) -> None:
    try:
        entry["b"] = body.decode("utf-8")
    except UnicodeDecodeError:
        import base64

        entry["b64"] = base64.b64encode(body).decode("ascii")


def _body(entry: dict[str, Any]) -> bytes:
    if "b64" in entry:
        import base64

        return base64.b64decode(entry["b64"])
    return str(entry["b"]).encode("utf-8")


def _params(entry: dict[str, Any]) -> dict[str, Any]:
    try:
        params = json.loads(_body(entry))
    except ValueError:
        return {}
    return params if isinstance(params, dict) else {}
