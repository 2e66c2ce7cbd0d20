"""The control API: the fake's own controls over HTTP, for tests written in any language.

Everything under ``/_pytest_mturk/`` on a server. ``GET`` reads, ``POST`` acts; bodies and
answers are JSON objects. ``GET /_pytest_mturk/`` lists every endpoint with its fields.

The API is a client of the fake like any test: each action calls the same method a Python test
would (``fake.workers.create``, ``worker.accept``, ``fake.clock.advance``, ``fake.faults.add``,
``fake.reset``, ``fake.snapshot``...), so it can do nothing a test could not. Misuse (an unknown
endpoint, a missing or unknown field, a value of the wrong type) is answered with HTTP 400 and a
JSON error naming the valid choices; a refusal by the fake itself (a worker who may not accept,
a fault kind it does not know) with 409 or 400 and the fake's own message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Protocol

from pytest_mturk.errors import WorkerActionError

__all__ = ["ENDPOINTS", "ControlAPI", "Controllable", "Endpoint", "Field"]


class Controllable(Protocol):
    """What the control API drives (an :class:`~pytest_mturk.MTurkFake`)."""

    workers: Any
    clock: Any
    faults: Any

    def autopilot(
        self, workers: int = 3, answers: Any = None, delay: float | timedelta = 0, **profile: Any
    ) -> Any: ...
    def reset(self) -> None: ...
    def snapshot(self) -> Any: ...
    def restore(self, snapshot: Any) -> None: ...
    def dump_state(self) -> dict[str, Any]: ...
    def allow_access_key(self, key: str) -> None: ...
    @property
    def payments(self) -> Any: ...
    @property
    def notifications(self) -> Any: ...
    @property
    def emails(self) -> Any: ...
    @property
    def calls(self) -> Any: ...


# ----------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Field:
    """One field of an action's JSON body."""

    name: str
    type: str  # string, integer, number, boolean, object, answers, or "<type>|null"
    required: bool = False
    help: str = ""

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "required": self.required, "help": self.help}


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: ``method`` and ``name`` (the path under ``/_pytest_mturk/``)."""

    method: str
    name: str
    help: str
    fields: tuple[Field, ...] = ()
    #: Whether it changes the fake's state (what a durable server journals).
    changes_state: bool = False

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "path": self.name, "help": self.help}
        if self.method == "POST":
            out["fields"] = [f.describe() for f in self.fields]
        return out


_PROFILE = (
    Field("country", "string", help="ISO country code (default US)"),
    Field("subdivision", "string|null", help="ISO 3166-2 subdivision, e.g. US-NY"),
    Field("locale", "string|null", help="Faker locale (default: the country's)"),
    Field("adult", "boolean", help="default true"),
    Field("masters", "boolean", help="holds the Masters qualification"),
    Field("approved", "integer", help="assignments approved before the test began"),
    Field("rejected", "integer", help="assignments rejected before the test began"),
    Field("submitted", "integer|null", help="assignments submitted before (default both)"),
)
_ANSWERS = Field(
    "answers",
    "answers",
    help="QuestionIdentifier -> string or list of strings, ready QuestionFormAnswers XML, or "
    "null to answer from the question",
)

#: Every endpoint of the control API.
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "", "this list"),
    Endpoint("GET", "workers", "the simulated workers"),
    Endpoint("GET", "payments", "every reward and bonus paid, in order"),
    Endpoint("GET", "notifications", "every notification message delivered, in order"),
    Endpoint("GET", "emails", "every e-mail sent to a worker, in order"),
    Endpoint("GET", "calls", "every API call that reached the fake, in order"),
    Endpoint("GET", "faults", "the injected faults and how often each fired"),
    Endpoint("GET", "clock", "the fake time"),
    Endpoint("GET", "snapshots", "the names of the snapshots taken"),
    Endpoint("GET", "state", "the whole state, as fake.dump_state() gives it"),
    Endpoint(
        "POST",
        "workers",
        "create a simulated worker (fake.workers.create)",
        (
            Field(
                "worker_id",
                "string|null",
                help="^A[A-Z0-9]+$, up to 64 characters (default: a realistic new id)",
            ),
            Field("name", "string|null"),
            Field("email", "string|null"),
            *_PROFILE,
        ),
        changes_state=True,
    ),
    Endpoint(
        "POST",
        "accept",
        "a worker accepts an assignment of a HIT; answers its assignment_id",
        (Field("worker_id", "string", True), Field("hit_id", "string", True)),
        changes_state=True,
    ),
    Endpoint(
        "POST",
        "submit",
        "a worker submits an assignment they accepted",
        (Field("worker_id", "string", True), Field("assignment_id", "string", True), _ANSWERS),
        changes_state=True,
    ),
    Endpoint(
        "POST",
        "return",
        "a worker returns an assignment they accepted",
        (Field("worker_id", "string", True), Field("assignment_id", "string", True)),
        changes_state=True,
    ),
    Endpoint(
        "POST",
        "do",
        "accept and submit in one step; answers the assignment_id",
        (Field("worker_id", "string", True), Field("hit_id", "string", True), _ANSWERS),
        changes_state=True,
    ),
    Endpoint(
        "POST",
        "autopilot",
        "simulated workers do every open assignment (fake.autopilot)",
        (
            Field("workers", "integer", help="how many (default 3)"),
            Field("answers", "object|null", help="answers for every HIT (null: from the question)"),
            Field("delay", "number", help="fake seconds between a HIT appearing and its work"),
            Field(
                "request_qualifications",
                "boolean",
                help="request the qualifications a HIT requires, as real workers do (default true)",
            ),
            *_PROFILE,
        ),
        changes_state=True,
    ),
    Endpoint(
        "POST",
        "autopilot/stop",
        "stop every autopilot this API started",
        changes_state=True,
    ),
    Endpoint(
        "POST",
        "clock/advance",
        "move the fake time forward, applying what falls due",
        (
            Field("seconds", "number"),
            Field("minutes", "number"),
            Field("hours", "number"),
            Field("days", "number"),
        ),
        changes_state=True,
    ),
    Endpoint(
        "POST",
        "clock/move_to",
        "set the fake time, applying what falls due",
        (Field("time", "string", True, "ISO 8601, e.g. 2030-01-01T00:00:00Z"),),
        changes_state=True,
    ),
    Endpoint(
        "POST",
        "faults",
        "inject a fault (fake.faults.add)",
        (
            Field("operation", "string|null", True, "an operation name, or null for every one"),
            Field("error", "string", help="the fault kind (default ServiceFault)"),
            Field("type_name", "string|null", help="the AWS error name of a Custom fault"),
            Field("code", "string|null", help="a TurkErrorCode"),
            Field("message", "string|null"),
            Field("status", "integer|null", help="the HTTP status"),
            Field("times", "integer|null", help="how many attempts fault (null: every one)"),
            Field("after", "integer", help="matching attempts let through first"),
            Field("applied", "boolean|null", help="apply the operation, then fail"),
            Field("required", "boolean"),
        ),
        changes_state=True,
    ),
    Endpoint(
        "POST",
        "faults/rate_limit",
        "throttle calls beyond per_second (fake.faults.rate_limit)",
        (Field("per_second", "integer", True), Field("operation", "string|null")),
        changes_state=True,
    ),
    Endpoint("POST", "faults/clear", "remove every fault and rate limit", changes_state=True),
    Endpoint(
        "POST",
        "access_keys",
        "accept an access key id that is not shaped like a real one",
        (Field("key", "string", True),),
        changes_state=True,
    ),
    Endpoint("POST", "reset", "forget all state (fake.reset)", changes_state=True),
    Endpoint(
        "POST",
        "snapshot",
        "take a snapshot of the whole state, under a name",
        (Field("name", "string", True),),
        changes_state=True,
    ),
    Endpoint(
        "POST",
        "restore",
        "go back to the snapshot of that name",
        (Field("name", "string", True),),
        changes_state=True,
    ),
)
_BY_KEY = {(e.method, e.name): e for e in ENDPOINTS}
_NAMES = sorted({e.name for e in ENDPOINTS})


class _Misuse(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message"))
        self.status = status
        self.body = body


def _valid_choices() -> list[str]:
    return [f"{e.method} /_pytest_mturk/{e.name}" for e in ENDPOINTS]


def _type_ok(value: Any, kind: str) -> bool:
    if kind.endswith("|null"):
        return value is None or _type_ok(value, kind[:-5])
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        )
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "answers":
        if value is None or isinstance(value, str):
            return True
        return isinstance(value, dict) and all(
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
            for v in value.values()
        )
    raise AssertionError(kind)


def check_fields(endpoint: Endpoint, body: Any) -> dict[str, Any]:
    """The body's fields, checked against the endpoint's (raises _Misuse)."""
    if not isinstance(body, dict):
        raise _Misuse(400, _error("BadBody", "the body must be a JSON object", endpoint))
    known = {f.name: f for f in endpoint.fields}
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise _Misuse(
            400,
            _error(
                "UnknownField",
                f"unknown field(s) {', '.join(map(repr, unknown))} for {endpoint.method} "
                f"{endpoint.name}; valid fields: {', '.join(known) or 'none'}",
                endpoint,
            ),
        )
    for f in endpoint.fields:
        if f.name not in body:
            if f.required:
                raise _Misuse(
                    400,
                    _error("MissingField", f"missing field {f.name!r} ({f.type})", endpoint),
                )
            continue
        if not _type_ok(body[f.name], f.type):
            raise _Misuse(
                400,
                _error(
                    "BadType",
                    f"field {f.name!r} must be {f.type.replace('|', ' or ')}, got "
                    f"{json.dumps(body[f.name])[:80]}",
                    endpoint,
                ),
            )
    return dict(body)


def _error(kind: str, message: str, endpoint: Endpoint | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"error": kind, "message": message}
    if endpoint is not None:
        out["endpoint"] = endpoint.describe()
    return out


# ----------------------------------------------------------------------------- JSON out


def jsonable(value: Any) -> Any:
    """Records (dataclasses), Decimals, datetimes and containers as plain JSON values."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in fields(value)
            if not f.name.startswith("_") and not callable(getattr(value, f.name))
        }
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return repr(value)


def _worker(worker: Any) -> dict[str, Any]:
    return dict(jsonable(worker.profile))


def _call(record: Any) -> dict[str, Any]:
    out = dict(jsonable(record))
    out["ok"] = record.ok
    out["attempt"] = record.attempt
    out["time"] = jsonable(record.time)
    return out


def _clock(clock: Any) -> dict[str, Any]:
    return {
        "now": jsonable(clock.now()),
        "timestamp": clock.time(),
        "offset_seconds": clock.offset.total_seconds(),
    }


def _parse_time(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"time must be ISO 8601 (e.g. 2030-01-01T00:00:00Z), got {text!r}"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


# ----------------------------------------------------------------------------- the API


#: Runs one state-changing action (a durable server journals it): (endpoint, fields, run).
ActionRunner = Callable[[Endpoint, dict[str, Any], Callable[[], Any]], Any]


class ControlAPI:
    """Answers ``/_pytest_mturk/...`` for one fake (made by ``fake.serve()``).

    ``snapshots`` holds the snapshots taken by name, ``autopilots`` the autopilots it started,
    ``rate_limits`` the rate limits it set. ``run_action``, when set, runs each state-changing
    action (a durable server wraps them to journal them).
    """

    def __init__(self, fake: Controllable) -> None:
        self.fake = fake
        self.snapshots: dict[str, Any] = {}
        self.autopilots: list[Any] = []
        self.rate_limits: dict[str | None, int] = {}
        self.run_action: ActionRunner | None = None

    def __call__(self, method: str, path: str, query: str, body: bytes) -> tuple[int, bytes, str]:
        """(HTTP status, JSON body, action name) for one request under the prefix."""
        name = path.strip("/")
        try:
            endpoint = _BY_KEY.get((method, name))
            if endpoint is None:
                if name in _NAMES:
                    allowed = sorted(e.method for e in ENDPOINTS if e.name == name)
                    raise _Misuse(
                        405,
                        _error(
                            "MethodNotAllowed",
                            f"{method} is not allowed on {name!r}; use {' or '.join(allowed)}",
                        ),
                    )
                raise _Misuse(
                    400,
                    {
                        **_error(
                            "UnknownAction",
                            f"unknown control endpoint {method} {name!r}; valid: "
                            + ", ".join(_valid_choices()),
                        ),
                        "valid": _valid_choices(),
                    },
                )
            if method == "GET":
                result = self.read(endpoint.name)
            else:
                try:
                    parsed = json.loads(body) if body.strip() else {}
                except ValueError as exc:
                    raise _Misuse(
                        400, _error("BadBody", f"the body is not JSON: {exc}", endpoint)
                    ) from None
                values = check_fields(endpoint, parsed)
                result = self.act(endpoint, values)
            return 200, json.dumps(result).encode(), name or "index"
        except _Misuse as misuse:
            return misuse.status, json.dumps(misuse.body).encode(), name or "index"

    # ------------------------------------------------------------------ reads

    def read(self, name: str) -> Any:
        fake = self.fake
        if name == "":
            return {
                "endpoints": [e.describe() for e in ENDPOINTS],
                "token_header": "X-Pytest-Mturk-Token",
            }
        if name == "workers":
            return {"workers": [_worker(w) for w in fake.workers]}
        if name in ("payments", "notifications", "emails"):
            return {name: jsonable(list(getattr(fake, name)))}
        if name == "calls":
            return {"calls": [_call(c) for c in list(fake.calls)]}
        if name == "faults":
            return {"faults": [jsonable(f) for f in fake.faults]}
        if name == "clock":
            return _clock(fake.clock)
        if name == "snapshots":
            return {"snapshots": sorted(self.snapshots)}
        if name == "state":
            return fake.dump_state()
        raise AssertionError(name)

    # ------------------------------------------------------------------ actions

    def act(self, endpoint: Endpoint, values: dict[str, Any]) -> Any:
        """Run a checked action (through ``run_action`` when set)."""

        def run() -> Any:
            return self.perform(endpoint.name, dict(values))

        try:
            if self.run_action is not None:
                return self.run_action(endpoint, values, run)
            return run()
        except WorkerActionError as exc:
            raise _Misuse(
                409,
                {"error": "WorkerActionError", "reason": exc.reason, "message": str(exc)},
            ) from None
        except (ValueError, TypeError, KeyError) as exc:
            message = str(exc) if not isinstance(exc, KeyError) else str(exc.args[0])
            raise _Misuse(400, _error("InvalidValue", message, endpoint)) from None

    def perform(self, name: str, v: dict[str, Any]) -> Any:
        """Run the action ``name`` with checked values (no ``run_action``: a replay calls it)."""
        fake = self.fake
        if name == "workers":
            return {"worker": _worker(fake.workers.create(v.pop("worker_id", None), **v))}
        if name in ("accept", "submit", "return", "do"):
            worker = self._worker(v["worker_id"])
            if name == "accept":
                return {"assignment_id": worker.accept(v["hit_id"])}
            if name == "do":
                return {"assignment_id": worker.do(v["hit_id"], v.get("answers"))}
            if name == "submit":
                worker.submit(v["assignment_id"], v.get("answers"))
            else:
                worker.return_assignment(v["assignment_id"])
            return {}
        if name == "autopilot":
            count = v.pop("workers", 3)
            answers = v.pop("answers", None)
            delay = v.pop("delay", 0)
            pilot = fake.autopilot(workers=count, answers=answers, delay=delay, **v)
            self.autopilots.append(pilot)
            return {"workers": [_worker(w) for w in pilot.workers]}
        if name == "autopilot/stop":
            stopped = len(self.autopilots)
            for pilot in self.autopilots:
                pilot.stop()
            self.autopilots.clear()
            return {"stopped": stopped}
        if name == "clock/advance":
            fake.clock.advance(**v)
            return _clock(fake.clock)
        if name == "clock/move_to":
            fake.clock.move_to(_parse_time(v["time"]))
            return _clock(fake.clock)
        if name == "faults":
            fault = fake.faults.add(v.pop("operation"), v.pop("error", "ServiceFault"), **v)
            return {"fault": jsonable(fault)}
        if name == "faults/rate_limit":
            fake.faults.rate_limit(v["per_second"], v.get("operation"))
            self.rate_limits[v.get("operation")] = v["per_second"]
            return {}
        if name == "faults/clear":
            fake.faults.clear()
            self.rate_limits.clear()
            return {}
        if name == "access_keys":
            fake.allow_access_key(v["key"])
            return {}
        if name == "reset":
            fake.reset()
            self.autopilots.clear()
            self.rate_limits.clear()
            return {}
        if name == "snapshot":
            self.snapshots[v["name"]] = fake.snapshot()
            return {"snapshots": sorted(self.snapshots)}
        if name == "restore":
            snapshot = self.snapshots.get(v["name"])
            if snapshot is None:
                raise ValueError(
                    f"no snapshot named {v['name']!r}; taken: "
                    f"{', '.join(map(repr, sorted(self.snapshots))) or 'none'}"
                )
            fake.restore(snapshot)
            return {}
        raise AssertionError(name)

    def _worker(self, worker_id: str) -> Any:
        try:
            return self.fake.workers.get(worker_id)
        except KeyError:
            known = [w.worker_id for w in self.fake.workers]
            raise ValueError(
                f"unknown worker {worker_id!r}; known workers: {', '.join(known) or 'none'} "
                "(POST /_pytest_mturk/workers creates one)"
            ) from None
