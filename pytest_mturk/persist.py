"""Snapshots, and the fake's whole state as JSON.

``fake.snapshot()`` / ``fake.restore(snapshot)`` copy the service in memory (fast, and they keep
scheduled autopilot work). ``fake.dump_state()`` encodes the state as JSON-compatible data that
``MTurkFake.load_state(data)`` rebuilds, so a scenario can be built once and reused; two dumps
compare equal exactly when the states are the same, which is how the atomicity tests check that a
failed call changed nothing.

The dump format (``{"format": "pytest-mturk-state", "version": 2, ...}``):

* ``objects``: a list; entry ``n`` is one model object, ``{"t": <type name>, "f": {<field>:
  <value>}}``, written once however often it is referred to. Everywhere else an object is
  ``{"$ref": n}``. Loading makes every object first and fills the fields afterwards, so nothing
  depends on the order of keys (``json.dumps(..., sort_keys=True)`` loads the same state).
* ``state`` (the service's attributes), ``options``: values. Besides JSON's own, a value is one of
  ``{"$dec": "1.50"}``, ``{"$dt": iso}``, ``{"$bytes": base64}``, ``{"$tuple": [...]}``,
  ``{"$set": [...]}``, ``{"$fset": [...]}``, ``{"$map": [[key, value], ...]}`` (dicts keep
  their order), ``{"$rng": state}``, ``{"$count": n}``, ``{"$index": kind}`` (which liveness rule
  an ordered index uses) and ``{"$drop": what}`` (scheduled behaviour, which is not state).

Only the record types listed in :data:`RECORD_TYPES` are ever rebuilt, by a name looked up in that
table; nothing is imported, and nothing callable is taken from a dump. A broken dump raises
``ValueError`` naming the JSON path of the problem, before anything is changed.
"""

from __future__ import annotations

import base64
import copy
import heapq
import operator
import random
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pytest_mturk.ledgers import CallRecord, Email, Ledgers, Notification, Payment
from pytest_mturk.questions import answer_key as _answer_key
from pytest_mturk.questions import parse as _parse
from pytest_mturk.service import Service
from pytest_mturk.service import model as _model
from pytest_mturk.service.model import Counter
from pytest_mturk.service.pagination import SeqIndex

__all__ = [
    "FORMAT",
    "RECORD_TYPES",
    "VERSION",
    "Snapshot",
    "decode_document",
    "dump_service",
    "dump_snapshot",
    "encode_document",
    "load_service",
    "load_snapshot",
    "options_of",
    "restore_snapshot",
    "take_snapshot",
]

FORMAT = "pytest-mturk-state"
#: The version this code writes and the only one it reads.
VERSION = 2

#: Every class a dump may hold. Loading rebuilds these and nothing else.
RECORD_TYPES: tuple[type, ...] = (
    _model.NotificationSpec,
    _model.HITType,
    _model.HIT,
    _model.Assignment,
    _model.BonusPayment,
    _model.QualificationType,
    _model.Qualification,
    _model.QualificationRequest,
    _model.UploadGrant,
    _model.WorkerProfile,
    _model.Environment,
    _model.World,
    SeqIndex,
    _parse.FreeTextConstraints,
    _parse.FormQuestion,
    _parse.ParsedQuestion,
    _parse.FormField,
    _answer_key.AnswerOption,
    _answer_key.AnswerKeyQuestion,
    _answer_key.PercentageMapping,
    _answer_key.ScaleMapping,
    _answer_key.SummedScoreRange,
    _answer_key.RangeMapping,
    _answer_key.AnswerKey,
    Ledgers,
    Payment,
    Notification,
    Email,
    CallRecord,
)
_TYPE_BY_NAME: dict[str, type[Any]] = {cls.__name__: cls for cls in RECORD_TYPES}
_NAME_OF_TYPE: dict[type[Any], str] = {cls: name for name, cls in _TYPE_BY_NAME.items()}
assert len(_TYPE_BY_NAME) == len(RECORD_TYPES), "record type names must be unique"

#: The liveness rules of the ordered indexes (``SeqIndex``), by name: the model module's
#: ``*_alive`` functions. An index is dumped with the name of its rule, never with a function.
_INDEX_RULES: dict[str, Callable[..., bool]] = {
    name.strip("_"): fn
    for name, fn in vars(_model).items()
    if name.endswith("_alive") and callable(fn) and getattr(fn, "__module__", "") == _model.__name__
}
_RULE_NAMES: dict[Callable[..., bool], str] = {fn: name for name, fn in _INDEX_RULES.items()}

#: Service attributes that are not state (they move with every call, failed ones included) but
#: that a server restarting from its state file must carry on from.
BOOKKEEPING = ("aux_rng", "_nonce")


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


def _fields_of_type(cls: type[Any]) -> tuple[str, ...]:
    """The fields of a record type that a dump carries (not its ``TRANSIENT`` caches)."""
    transient = getattr(cls, "TRANSIENT", ())
    if is_dataclass(cls):
        return tuple(f.name for f in fields(cls) if f.name not in transient)
    names: list[str] = []
    for klass in cls.__mro__:
        for name in getattr(klass, "__slots__", ()):
            if name not in ("__weakref__", "__dict__") and name not in transient:
                names.append(name)
    return tuple(names)


#: The fields each record type's dump carries, and a getter of all of them at once.
_FIELDS: dict[type[Any], tuple[str, ...]] = {cls: _fields_of_type(cls) for cls in RECORD_TYPES}


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) > 1:
        return operator.attrgetter(*names)
    name = names[0]
    return lambda obj: (getattr(obj, name),)


_GETTERS = {cls: _getter(names) for cls, names in _FIELDS.items()}
#: Strings at least this long are written once, in the ``strings`` table.
_LONG = 48
#: Values written as they are (str too, when short).
_PLAIN = frozenset({int, float, bool, type(None)})
_JSON_SCALARS = frozenset({int, float, bool, type(None), str})


class _Encoder:
    """Values to JSON-compatible data; objects and long strings go to tables, once each."""

    def __init__(self) -> None:
        self.ids: dict[int, int] = {}
        self.objects: list[Any] = []
        self.pending: list[tuple[int, Any]] = []
        self.keep: list[Any] = []  # keeps encoded objects alive so that ids stay unique
        self.strings: list[str] = []
        self.string_ids: dict[str, int] = {}

    def string(self, v: str) -> dict[str, int]:
        n = self.string_ids.get(v)
        if n is None:
            n = self.string_ids[v] = len(self.strings)
            self.strings.append(v)
        return {"$s": n}

    def tables(self) -> dict[str, Any]:
        """The tables: encode the fields of every object met so far (and of those they lead
        to)."""
        pending = self.pending
        enc = self.enc
        string = self.string
        objects = self.objects
        while pending:
            n, obj = pending.pop()
            cls = type(obj)
            out: list[Any] = []
            append = out.append
            for v in _GETTERS[cls](obj):
                t = type(v)
                if t in _PLAIN:
                    append(v)
                elif t is str:
                    append(v if len(v) < _LONG else string(v))
                else:
                    append(enc(v))
            objects[n] = [_NAME_OF_TYPE[cls], out]
        used = sorted({entry[0] for entry in objects})
        return {
            "types": {name: list(_FIELDS[_TYPE_BY_NAME[name]]) for name in used},
            "objects": objects,
            "strings": self.strings,
        }

    def enc(self, v: Any) -> Any:
        t = type(v)
        if t in _PLAIN:
            return v
        if t is str:
            return v if len(v) < _LONG else self.string(v)
        if t in _NAME_OF_TYPE:
            key = id(v)
            n = self.ids.get(key)
            if n is None:
                n = self.ids[key] = len(self.objects)
                self.objects.append(None)
                self.pending.append((n, v))
                self.keep.append(v)
            return {"$ref": n}
        if t is list:
            enc = self.enc
            return [x if type(x) in _PLAIN else enc(x) for x in v]
        if t is dict:
            enc = self.enc
            return {"$map": [[enc(k), enc(x)] for k, x in v.items()]}
        if t is Decimal:
            return {"$dec": str(v)}
        if t is tuple:
            enc = self.enc
            return {"$tuple": [x if type(x) in _PLAIN else enc(x) for x in v]}
        if t is datetime:
            return {"$dt": v.isoformat()}
        if t is bytes:
            return {"$bytes": base64.b64encode(v).decode("ascii")}
        if t is set or t is frozenset:
            tag = "$fset" if t is frozenset else "$set"
            if all(type(x) is str for x in v):
                return {tag: [self.enc(x) for x in sorted(v)]}
            return {tag: sorted((self.enc(x) for x in v), key=repr)}
        if isinstance(v, random.Random):
            return {"$rng": self.enc(v.getstate())}
        if t is Counter:
            return {"$count": v.value}
        if isinstance(v, list):  # a list subclass (the call log)
            return [self.enc(x) for x in v]
        rule = _RULE_NAMES.get(v) if callable(v) else None
        if rule is not None:
            return {"$index": rule}
        if callable(v):
            # Behaviour (scheduled autopilot work) is not state.
            return {"$drop": f"{t.__module__}:{t.__qualname__}"}
        raise TypeError(
            f"pytest-mturk cannot dump a {t.__module__}.{t.__qualname__}: not a registered "
            "record type (pytest_mturk.persist.RECORD_TYPES)"
        )


def encode_document(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"types", "objects", "strings", "values"}``: several values sharing one set of
    tables (``decode_document`` reads it)."""
    encoder = _Encoder()
    out = {name: encoder.enc(value) for name, value in values.items()}
    return {**encoder.tables(), "values": out}


# ----------------------------------------------------------------------------- decoding


class _Bad(Exception):
    """A problem at a place in the dump; the place is collected while unwinding."""

    def __init__(self, message: str, *where: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = list(reversed(where))


def _where(parts: list[str]) -> str:
    return "$" + "".join(reversed(parts))


_DROPPED = object()
_TAGS = (
    "$ref",
    "$s",
    "$dec",
    "$dt",
    "$bytes",
    "$tuple",
    "$set",
    "$fset",
    "$map",
    "$rng",
    "$count",
    "$index",
    "$drop",
)


def _check_rng_state(state: Any) -> tuple[Any, ...]:
    if not (
        isinstance(state, tuple)
        and len(state) == 3
        and isinstance(state[1], tuple)
        and all(type(x) is int for x in state[1])
    ):
        raise _Bad("not the state of a random number generator")
    return state


def _mismatch(what: str, missing: Any, extra: Any) -> str:
    parts = []
    if missing:
        parts.append(f"missing {', '.join(sorted(missing))}")
    if extra:
        parts.append(f"unknown {', '.join(sorted(extra))}")
    return f"{what}: " + "; ".join(parts)


class _Decoder:
    """Reads the tables of a dump: every object is made first and filled afterwards, so that
    references may point anywhere in the table."""

    def __init__(self, doc: dict[str, Any]) -> None:
        strings = doc.get("strings")
        if type(strings) is not list or not all(type(x) is str for x in strings):
            raise _Bad("expected a list of strings", ".strings")
        self.strings: list[str] = strings
        order = self._types(doc.get("types"))
        entries = doc.get("objects")
        if type(entries) is not list:
            raise _Bad("expected a list of objects", ".objects")
        shells: list[Any] = []
        for i, entry in enumerate(entries):
            if type(entry) is not list or len(entry) != 2 or type(entry[1]) is not list:
                raise _Bad("an object is [type name, [field values]]", f".objects[{i}]")
            names = order.get(entry[0]) if type(entry[0]) is str else None
            if names is None:
                raise _Bad(f"type {entry[0]!r:.80} is not in the dump's types", f".objects[{i}]")
            if len(entry[1]) != len(names):
                raise _Bad(
                    f"an object of type {entry[0]} has {len(names)} fields, not {len(entry[1])}",
                    f".objects[{i}]",
                )
            shells.append(object.__new__(_TYPE_BY_NAME[entry[0]]))
        self.objects = shells
        dec = self.dec
        setter = object.__setattr__
        for i, (entry, obj) in enumerate(zip(entries, shells, strict=True)):
            name = ""
            try:
                for name, raw in zip(order[entry[0]], entry[1], strict=True):
                    setter(obj, name, raw if type(raw) in _JSON_SCALARS else dec(raw))
                for name in getattr(type(obj), "TRANSIENT", ()):
                    setter(obj, name, None)
            except _Bad as bad:
                bad.path.append(f".objects[{i}][1].{name}")
                raise

    @staticmethod
    def _types(types: Any) -> dict[str, list[str]]:
        if type(types) is not dict:
            raise _Bad("expected a JSON object of field lists", ".types")
        for name, names in types.items():
            cls = _TYPE_BY_NAME.get(name)
            if cls is None:
                raise _Bad(
                    f"type {name!r:.80} is not one pytest-mturk dumps (known: "
                    f"{', '.join(sorted(_TYPE_BY_NAME))})",
                    f".types.{name}",
                )
            expected = _FIELDS[cls]
            if type(names) is not list or sorted(map(str, names)) != sorted(expected):
                got = set(map(str, names)) if type(names) is list else set()
                raise _Bad(
                    _mismatch(
                        f"the fields of a {name} do not match",
                        set(expected) - got,
                        got - set(expected),
                    ),
                    f".types.{name}",
                )
        return types

    def dec(self, v: Any) -> Any:
        t = type(v)
        if t in _JSON_SCALARS:
            return v
        if t is dict and len(v) == 1:
            ref = v.get("$ref")
            if type(ref) is int and 0 <= ref < len(self.objects):
                return self.objects[ref]
        elif t is list:
            dec = self.dec
            i = 0
            try:
                out = []
                for i, x in enumerate(v):  # noqa: B007 (i says where, on error)
                    out.append(x if type(x) in _JSON_SCALARS else dec(x))
                return out
            except _Bad as bad:
                bad.path.append(f"[{i}]")
                raise
        if t is not dict:
            raise _Bad(f"unexpected value {v!r:.80}")
        if len(v) != 1:
            raise _Bad(f"expected one of {', '.join(_TAGS)}, got keys {sorted(v)}")
        ((tag, x),) = v.items()
        try:
            return self._tagged(tag, x)
        except _Bad as bad:
            bad.path.append(f".{tag}")
            raise
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise _Bad(f"bad {tag} value {x!r:.80}: {exc}", f".{tag}") from None

    def _tagged(self, tag: str, x: Any) -> Any:
        if tag == "$ref":
            if type(x) is not int or not 0 <= x < len(self.objects):
                raise _Bad(f"reference to object {x!r}, which the dump does not hold")
            return self.objects[x]
        if tag == "$s":
            if type(x) is not int or not 0 <= x < len(self.strings):
                raise _Bad(f"reference to string {x!r}, which the dump does not hold")
            return self.strings[x]
        if tag == "$map":
            out: dict[Any, Any] = {}
            for i, pair in enumerate(self._list(x)):
                try:
                    if type(pair) is not list or len(pair) != 2:
                        raise _Bad(f"a map entry is a [key, value] pair, got {pair!r:.80}")
                    out[self.dec(pair[0])] = self.dec(pair[1])
                except _Bad as bad:
                    bad.path.append(f"[{i}]")
                    raise
            return out
        if tag == "$dec":
            if type(x) is not str:
                raise _Bad(f"a decimal is a string, got {x!r:.80}")
            return Decimal(x)
        if tag == "$tuple":
            return tuple(self.dec(self._list(x)))
        if tag == "$dt":
            if type(x) is not str:
                raise _Bad(f"a datetime is an ISO string, got {x!r:.80}")
            return datetime.fromisoformat(x)
        if tag == "$set":
            return set(self.dec(self._list(x)))
        if tag == "$fset":
            return frozenset(self.dec(self._list(x)))
        if tag == "$bytes":
            if type(x) is not str:
                raise _Bad(f"bytes are a base64 string, got {x!r:.80}")
            return base64.b64decode(x.encode("ascii"), validate=True)
        if tag == "$rng":
            rng = random.Random()
            rng.setstate(_check_rng_state(self.dec(x)))
            return rng
        if tag == "$count":
            if type(x) is not int:
                raise _Bad(f"a counter is an integer, got {x!r:.80}")
            return Counter(x)
        if tag == "$index":
            rule = _INDEX_RULES.get(x) if type(x) is str else None
            if rule is None:
                raise _Bad(f"unknown index rule {x!r:.80} (known: {', '.join(_INDEX_RULES)})")
            return rule
        if tag == "$drop":
            return _DROPPED
        raise _Bad(f"unknown tag {tag!r:.80} (known: {', '.join(_TAGS)})")

    @staticmethod
    def _list(x: Any) -> list[Any]:
        if type(x) is not list:
            raise _Bad(f"expected a list, got {type(x).__name__}")
        return x


_TABLES = {"types", "objects", "strings"}


def decode_document(doc: Any, names: Any = None) -> dict[str, Any]:
    """The values of ``encode_document``'s output (ValueError, with the JSON path, when broken).

    ``names``: the value names the document must hold, exactly (None: any).
    """
    try:
        if type(doc) is not dict or set(doc) != {*_TABLES, "values"}:
            raise _Bad(f"expected the keys {', '.join(sorted({*_TABLES, 'values'}))}")
        decoder = _Decoder(doc)
        values = doc["values"]
        if type(values) is not dict:
            raise _Bad("expected a JSON object of values", ".values")
        _check_names(values, names, ".values")
        out = {}
        for name, value in values.items():
            try:
                out[name] = decoder.dec(value)
            except _Bad as bad:
                bad.path.append(f".values.{name}")
                raise
        return out
    except _Bad as bad:
        raise ValueError(f"broken pytest-mturk data at {_where(bad.path)}: {bad.message}") from None


def _check_names(values: dict[str, Any], names: Any, where: str) -> None:
    if names is None:
        return
    missing = set(names) - set(values)
    extra = set(values) - set(names)
    if missing or extra:
        raise _Bad(
            "; ".join(
                part
                for part in (
                    f"missing {', '.join(sorted(missing))}" if missing else "",
                    f"unexpected {', '.join(sorted(extra))}" if extra else "",
                )
                if part
            ),
            where,
        )


# ----------------------------------------------------------------------------- dumps


def dump_service(
    svc: Service, options: dict[str, Any], *, bookkeeping: bool = False
) -> dict[str, Any]:
    """The service's state (and its ledgers) as JSON-compatible data (call under the lock).

    ``bookkeeping`` adds what is not state but moves with every call (the request-id generator,
    page-token numbers), for a server that restarts from its state file.
    """
    encoder = _Encoder()
    state = {name: encoder.enc(getattr(svc, name)) for name in svc.state_names()}
    state["ledgers"] = encoder.enc(svc.ledgers)
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "options": encoder.enc(options),
        "state": state,
    }
    if bookkeeping:
        data["bookkeeping"] = {
            name: encoder.enc(getattr(svc, name)) for name in BOOKKEEPING if hasattr(svc, name)
        }
    data.update(encoder.tables())
    return data


_DUMP_KEYS = {"format", "version", "options", "state", *_TABLES}


def _check_format(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"not a pytest-mturk state dump (a {type(data).__name__}, not a dict)")
    fmt = data.get("format")
    if isinstance(fmt, str) and fmt.startswith(FORMAT + "/"):
        raise ValueError(
            f"this pytest-mturk state dump has the old format {fmt!r}; this version reads "
            f"{FORMAT!r} version {VERSION} only (make the dump again)"
        )
    if fmt != FORMAT:
        raise ValueError(f"not a pytest-mturk state dump (format {fmt!r}, expected {FORMAT!r})")
    version = data.get("version")
    if version != VERSION:
        raise ValueError(
            f"pytest-mturk state dump version {version!r} is not supported: this version of "
            f"pytest-mturk reads version {VERSION}"
        )
    unknown = set(data) - _DUMP_KEYS - {"bookkeeping"}
    missing = _DUMP_KEYS - set(data)
    if unknown or missing:
        raise ValueError(
            "broken pytest-mturk state dump at $: "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(sorted(missing))}" if missing else "",
                    f"unexpected {', '.join(sorted(unknown))}" if unknown else "",
                )
                if part
            )
        )
    return data


def _section(decoder: _Decoder, raw: Any, where: str) -> dict[str, Any]:
    if type(raw) is not dict:
        raise _Bad("expected a JSON object", where)
    out = {}
    for name, value in raw.items():
        try:
            out[name] = decoder.dec(value)
        except _Bad as bad:
            bad.path.append(f"{where}.{name}")
            raise
    return out


def _decode_dump(data: Any, svc: Service | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(options, state values incl. "ledgers" and the bookkeeping names) of a dump."""
    data = _check_format(data)
    try:
        decoder = _Decoder(data)
        try:
            options = decoder.dec(data["options"])
        except _Bad as bad:
            bad.path.append(".options")
            raise
        if type(options) is not dict:
            raise _Bad("the options are a $map", ".options")
        state: dict[str, Any] = {}
        if svc is not None:
            if type(data["state"]) is dict:
                _check_names(data["state"], [*svc.state_names(), "ledgers"], ".state")
            state = _section(decoder, data["state"], ".state")
            if not isinstance(state["ledgers"], Ledgers):
                raise _Bad("expected a reference to a Ledgers object", ".state.ledgers")
            bookkeeping = data.get("bookkeeping", {})
            if type(bookkeeping) is dict and set(bookkeeping) - set(BOOKKEEPING):
                unknown = sorted(set(bookkeeping) - set(BOOKKEEPING))
                raise _Bad(f"unexpected {', '.join(unknown)}", ".bookkeeping")
            state.update(_section(decoder, bookkeeping, ".bookkeeping"))
        return options, state
    except _Bad as bad:
        raise ValueError(
            f"broken pytest-mturk state dump at {_where(bad.path)}: {bad.message}"
        ) from None


def _without_dropped(heap: Any) -> Any:
    """The due-time heap without the scheduled behaviour a dump leaves out."""
    if not isinstance(heap, list):
        return heap
    kept = [e for e in heap if not (isinstance(e, tuple) and e[-1:] == (_DROPPED,))]
    heapq.heapify(kept)
    return kept


def load_service(svc: Service, data: Any) -> None:
    """Replace the state of the service by the dumped one, in place. A broken dump raises
    ``ValueError`` (saying where) and changes nothing."""
    _, state = _decode_dump(data, svc)
    ledgers = state.pop("ledgers")
    if "_heap" in state:
        state["_heap"] = _without_dropped(state["_heap"])
    with svc.lock:
        for name, value in state.items():
            setattr(svc, name, value)
        svc.ledgers.replace_with(ledgers)


def options_of(data: object) -> dict[str, Any]:
    """The options a dump was made with (ValueError when ``data`` is not a dump)."""
    options, _ = _decode_dump(data, None)
    return options


# ----------------------------------------------------------------------------- snapshots


def dump_snapshot(snapshot: Snapshot) -> dict[str, Any]:
    """An in-memory snapshot as JSON-compatible data (for a server's state file)."""
    return encode_document({"state": snapshot._state, "ledgers": snapshot._ledgers})


def load_snapshot(svc: Service, data: Any) -> Snapshot:
    """The snapshot ``dump_snapshot`` wrote, for ``svc`` (ValueError when broken)."""
    values = decode_document(data, ["state", "ledgers"])
    state, ledgers = values["state"], values["ledgers"]
    if not isinstance(state, dict) or set(state) != set(svc.state_names()):
        raise ValueError("broken pytest-mturk snapshot at $.values.state: not the service's state")
    if not isinstance(ledgers, Ledgers):
        raise ValueError("broken pytest-mturk snapshot at $.values.ledgers: not a Ledgers")
    if "_heap" in state:
        state["_heap"] = _without_dropped(state["_heap"])
    return Snapshot(state, ledgers)
