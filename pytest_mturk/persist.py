"""Snapshots, and the fake's whole state as JSON.

``fake.snapshot()`` / ``fake.restore(snapshot)`` copy the service in memory (fast, and they keep
scheduled autopilot work). ``fake.dump_state()`` encodes the state as JSON-compatible data that
``MTurkFake.load_state(data)`` rebuilds, so a scenario can be built once and reused; two dumps
compare equal exactly when the states are the same, which is how the atomicity tests check that a
failed call changed nothing.

The encoding is a graph: each model object is written once (``{"$obj": class, "$id": n, "f":
{...}}``) and referred to afterwards (``{"$ref": n}``); only classes of ``pytest_mturk`` are
ever rebuilt.
"""

from __future__ import annotations

import copy
import heapq
import importlib
import itertools
import random
import re
import types
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pytest_mturk.ledgers import Ledgers
from pytest_mturk.service import Service

FORMAT = "pytest-mturk-state/1"


class Snapshot:
    """An in-memory copy of a fake's state (opaque; give it to ``fake.restore``, as often as
    you like)."""

    __slots__ = ("_ledgers", "_state")

    def __init__(self, state: dict[str, Any], ledgers: Ledgers) -> None:
        self._state = state
        self._ledgers = ledgers


def _memo(svc: Service) -> dict[int, Any]:
    # Whatever refers to the service, its clock or its options refers to the live ones.
    return {id(svc): svc, id(svc.clock): svc.clock, id(svc.options): svc.options}


def take_snapshot(svc: Service) -> Snapshot:
    """A deep copy of the service's state (call under the service's lock)."""
    state = {name: getattr(svc, name) for name in svc.state_names()}
    ledgers = Ledgers()
    ledgers.replace_with(svc.ledgers)  # records are immutable: copying the lists is enough
    return Snapshot(copy.deepcopy(state, _memo(svc)), ledgers)


def restore_snapshot(svc: Service, snapshot: Snapshot) -> None:
    """Make the service hold ``snapshot``'s state, in place (call under the service's lock)."""
    for name, value in copy.deepcopy(snapshot._state, _memo(svc)).items():
        setattr(svc, name, value)
    svc.ledgers.replace_with(snapshot._ledgers)


# ----------------------------------------------------------------------------- encoding


def _fields_of(obj: Any) -> list[str]:
    transient = getattr(type(obj), "TRANSIENT", ())
    if is_dataclass(obj):
        return [f.name for f in fields(obj) if f.name not in transient]
    names: list[str] = []
    for klass in type(obj).__mro__:
        names.extend(getattr(klass, "__slots__", ()))
    if hasattr(obj, "__dict__"):
        names.extend(vars(obj))
    return names


def _function_name(fn: Callable[..., Any]) -> str | None:
    module = getattr(fn, "__module__", "") or ""
    name = getattr(fn, "__qualname__", "")
    if module.startswith("pytest_mturk.") and "<" not in name:
        return f"{module}:{name}"
    return None


class _Encoder:
    def __init__(self) -> None:
        self.ids: dict[int, int] = {}
        self.keep: list[Any] = []  # keeps encoded objects alive so ids stay unique

    def enc(self, v: Any) -> Any:
        if v is None or isinstance(v, (bool, int, str)):
            return v
        if isinstance(v, float):
            return v
        if isinstance(v, Decimal):
            return {"$dec": str(v)}
        if isinstance(v, datetime):
            return {"$dt": v.isoformat()}
        if isinstance(v, list):
            return [self.enc(x) for x in v]
        if isinstance(v, tuple):
            return {"$tuple": [self.enc(x) for x in v]}
        if isinstance(v, (set, frozenset)):
            items = sorted((self.enc(x) for x in v), key=repr)
            return {"$fset" if isinstance(v, frozenset) else "$set": items}
        if isinstance(v, dict):
            return {"$map": [[self.enc(k), self.enc(x)] for k, x in v.items()]}
        if isinstance(v, random.Random):
            return {"$rng": self.enc(v.getstate())}
        if isinstance(v, itertools.count):
            match = re.fullmatch(r"count\((-?\d+)\)", repr(v))
            assert match is not None
            return {"$count": int(match.group(1))}
        if isinstance(v, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
            name = _function_name(v)
            return {"$drop": repr(v)} if name is None else {"$fn": name}
        module = type(v).__module__
        if not module.startswith("pytest_mturk."):
            return {"$drop": repr(v)}
        key = id(v)
        if key in self.ids:
            return {"$ref": self.ids[key]}
        n = self.ids[key] = len(self.ids)
        self.keep.append(v)
        out: dict[str, Any] = {"$obj": f"{module}:{type(v).__qualname__}", "$id": n}
        if callable(v) and not is_dataclass(v):
            return {"$drop": repr(v)}  # behaviour (e.g. scheduled autopilot work) is not state
        out["f"] = {name: self.enc(getattr(v, name)) for name in _fields_of(v)}
        return out


class _Decoder:
    def __init__(self) -> None:
        self.objs: dict[int, Any] = {}

    def dec(self, v: Any) -> Any:
        if isinstance(v, list):
            return [self.dec(x) for x in v]
        if not isinstance(v, dict):
            return v
        if "$dec" in v:
            return Decimal(v["$dec"])
        if "$dt" in v:
            return datetime.fromisoformat(v["$dt"])
        if "$tuple" in v:
            return tuple(self.dec(x) for x in v["$tuple"])
        if "$set" in v:
            return {self.dec(x) for x in v["$set"]}
        if "$fset" in v:
            return frozenset(self.dec(x) for x in v["$fset"])
        if "$map" in v:
            return {self.dec(k): self.dec(x) for k, x in v["$map"]}
        if "$rng" in v:
            rng = random.Random()
            state = self.dec(v["$rng"])
            rng.setstate(state)
            return rng
        if "$count" in v:
            return itertools.count(v["$count"])
        if "$fn" in v:
            return _resolve(v["$fn"])
        if "$ref" in v:
            return self.objs[v["$ref"]]
        if "$drop" in v:
            return _DROPPED
        if "$obj" in v:
            cls = _resolve(v["$obj"])
            obj = cls.__new__(cls)
            self.objs[v["$id"]] = obj
            for name, value in v["f"].items():
                object.__setattr__(obj, name, self.dec(value))
            for name in getattr(cls, "TRANSIENT", ()):
                object.__setattr__(obj, name, None)
            return obj
        raise ValueError(f"not a pytest-mturk state value: {v!r}")


_DROPPED = object()


def _resolve(path: str) -> Any:
    module, _, qualname = path.partition(":")
    if not module.startswith("pytest_mturk."):
        raise ValueError(f"refusing to load {path!r}: not a pytest-mturk name")
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def dump_service(svc: Service, options: dict[str, Any]) -> dict[str, Any]:
    """The service's state (and its ledgers) as JSON-compatible data."""
    encoder = _Encoder()
    state = {name: encoder.enc(getattr(svc, name)) for name in svc.state_names()}
    state["ledgers"] = encoder.enc(svc.ledgers)
    return {"format": FORMAT, "options": encoder.enc(options), "state": state}


def load_service(svc: Service, data: dict[str, Any]) -> None:
    """Replace the state of the service by the dumped one, in place."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not a pytest-mturk state dump (format {data.get('format')!r})")
    decoder = _Decoder()
    for key, value in data["state"].items():
        decoded = decoder.dec(value)
        if key == "ledgers":
            svc.ledgers.replace_with(decoded)
        else:
            setattr(svc, key, decoded)
    svc._heap = [entry for entry in svc._heap if entry[3] is not _DROPPED]
    heapq.heapify(svc._heap)


def options_of(data: object) -> dict[str, Any]:
    """The options a dump was made with (ValueError when ``data`` is not a dump)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"not a pytest-mturk state dump (format {got!r})")
    options: dict[str, Any] = _Decoder().dec(data["options"])
    return options
