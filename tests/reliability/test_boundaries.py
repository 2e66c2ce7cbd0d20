"""Values at the edges of what JSON and the model allow, in every member of every operation.

For each operation, hypothesis draws one edge value for every member at every depth of its
input shape (walked from botocore's model, lists and nested structures included) and sends each
in a request that is otherwise sane, as raw JSON through ``protocol.handle`` (so values botocore
would refuse or cannot serialize still arrive): whole-number and fractional floats, NaN and
infinities, huge integers, amounts that pass the money pattern but have 28 or more digits,
timestamps far outside the calendar and within a microsecond of now, ``null`` inside lists,
wrong JSON types, and JSON nested deeper than the parser follows. Requests come from requester
A (sandbox and production), requester B, and a requester whose first call this is.

Every answer: never a 5xx nor an internal error; an error is one of the real families
(``RequestError`` or ``ParameterValidationError`` with an ``AWS.`` TurkErrorCode, Coral's
``ValidationException`` or ``SerializationException``) and leaves ``fake.dump_state()`` exactly
as it was; a success matches the operation's output shape (so no float is echoed where the model
says integer).
"""

from __future__ import annotations

import copy
import json
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from pytest_mturk import protocol
from pytest_mturk.service.requirements import LOCALE, NUMBER_HITS_APPROVED
from tests.conftest import EXTERNAL_Q, TEST_FORM
from tests.reliability.strategies import (
    KEY_A,
    KEY_B,
    LAYOUT_ID,
    MODEL,
    OPERATION_NAMES,
    RelTime,
    Scenario,
    budget,
    plurality,
    record,
    shape_problems,
    smka,
    state_of,
    timer,
    valid_base,
)

NEW_KEY = "AKIAPYTESTBOUNDARY01"  # a requester whose first call each request is
HOSTS = {
    "a": (KEY_A, protocol.HOSTS["sandbox"]),
    "prod": (KEY_A, protocol.HOSTS["production"]),
    "b": (KEY_B, protocol.HOSTS["sandbox"]),
    "new": (NEW_KEY, protocol.HOSTS["sandbox"]),
}
ERROR_FAMILIES = frozenset(
    {
        "RequestError",
        "ParameterValidationError",
        "com.amazon.coral.validate#ValidationException",
        "com.amazon.coral.service#SerializationException",
    }
)
NAN, INF = math.nan, math.inf

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Deep:
    """JSON nested ``depth`` levels deep (written as text: ``json.dumps`` could not)."""

    depth: int
    kind: str  # "list" or "object"

    def text(self) -> str:
        if self.kind == "list":
            return "[" * self.depth + "]" * self.depth
        return '{"a":' * self.depth + "1" + "}" * self.depth


@dataclass(frozen=True)
class FromNow:
    """A timestamp ``seconds`` from the fake's exact now, resolved when the request is sent."""

    seconds: float


class Sane:
    """Stands for a sane value of the member's shape (a list item next to a null, say)."""


SANE = Sane()


def encode(params: dict[str, Any], now: float) -> bytes:
    """The request body: NaN and infinities as Python writes them, Deep as nested text."""
    deep: dict[str, str] = {}

    def swap(value: Any) -> Any:
        if isinstance(value, Deep):
            token = f"@@deep{len(deep)}@@"
            deep[token] = value.text()
            return token
        if isinstance(value, (FromNow, RelTime)):
            return now + value.seconds
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    text = json.dumps(swap(params), allow_nan=True)
    for token, nested in deep.items():
        text = text.replace(f'"{token}"', nested)
    return text.encode()


# ----------------------------------------------------------------------------- sane values

NOTIFICATION = {
    "Destination": "ops@example.com",
    "Transport": "Email",
    "Version": "2006-05-05",
    "EventTypes": ["AssignmentSubmitted"],
}


def sane_scalar(name: str, shape: Any, ids: dict[str, str]) -> Any:
    """A value of a scalar member that the scenario takes."""
    by_name: dict[str, Any] = {
        "HITId": ids["h_open"],
        "AssignmentId": ids["a_submitted"],
        "HITTypeId": ids["t_plain"],
        "QualificationTypeId": ids["q_plain"],
        "QualificationRequestId": ids["r_pending"],
        "WorkerId": ids["w1"],
        "WorkerIds": ids["w1"],
        "HITLayoutId": LAYOUT_ID,
        "Reward": "0.50",
        "BonusAmount": "0.10",
        "Question": EXTERNAL_Q,
        "Test": TEST_FORM,
        "Name": "boundary",
        "Country": "US",
        "Subdivision": "NY",
        "Destination": "ops@example.com",
        "Version": "2006-05-05",
        "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
        "Key": "ApproveIfKnownAnswerScoreIsAtLeast",
        "Values": "100",
        "Value": "x",
        "QuestionIdentifier": "photo",
        "LifetimeInSeconds": 3600,
        "AssignmentDurationInSeconds": 600,
        "AutoApprovalDelayInSeconds": 60,
        "MaxAssignments": 2,
        "NumberOfAdditionalAssignments": 1,
        "RetryDelayInSeconds": 10,
        "TestDurationInSeconds": 60,
        "IntegerValue": 5,
        "IntegerValues": 5,
        "AutoGrantedValue": 1,
        "MaxResults": 10,
        "ExpireAt": FromNow(86_400 * 6),
    }
    if name in by_name:
        return by_name[name]
    kind = shape.type_name
    if getattr(shape, "enum", None):
        return next(iter(shape.enum))
    if kind == "boolean":
        return False
    if kind in ("integer", "long"):
        return 1
    if kind == "timestamp":
        return FromNow(86_400)
    return "x"


def sane(shape: Any, name: str, ids: dict[str, str], path: Path = ()) -> Any:
    """A sane value for ``shape`` (member ``name``); ``path`` is where the edge value will go
    below it, so a requirement on Worker_Locale is made when the path leads into LocaleValues."""
    kind = shape.type_name
    if kind == "structure":
        if name == "QualificationRequirements":
            if "LocaleValues" in path:
                return {
                    "QualificationTypeId": LOCALE,
                    "Comparator": "EqualTo",
                    "LocaleValues": [{"Country": "US"}],
                }
            return {
                "QualificationTypeId": NUMBER_HITS_APPROVED,
                "Comparator": "GreaterThan",
                "IntegerValues": [5],
            }
        if name == "AssignmentReviewPolicy":
            return smka(ApproveIfKnownAnswerScoreIsAtLeast=100)
        if name == "HITReviewPolicy":
            return plurality()
        if name == "Notification":
            return dict(NOTIFICATION)
        return {m: sane(s, m, ids) for m, s in shape.members.items() if m in shape.required_members}
    if kind == "list":
        return [sane(shape.member, name, ids, path)]
    return sane_scalar(name, shape, ids)


def member_paths(shape: Any, name: str, prefix: Path = ()) -> list[tuple[Path, str, Any]]:
    """(path, member name, shape) of every member at every depth; a list's item is step 0."""
    out: list[tuple[Path, str, Any]] = []
    if shape.type_name == "structure":
        for member, sub in shape.members.items():
            out.append(((*prefix, member), member, sub))
            out += member_paths(sub, member, (*prefix, member))
    elif shape.type_name == "list":
        out.append(((*prefix, 0), name, shape.member))
        out += member_paths(shape.member, name, (*prefix, 0))
    return out


def place(
    params: dict[str, Any], shape: Any, path: Path, value: Any, ids: dict[str, str]
) -> dict[str, Any]:
    """``params`` with ``value`` at ``path``, the containers on the way made sane."""
    out = copy.deepcopy(params)
    node: Any = out
    here = shape
    name = ""
    for i, step in enumerate(path):
        last = i == len(path) - 1
        if isinstance(step, str):
            here = here.members[step]
            name = step
            if last:
                node[step] = _resolve_sane(value, here, name, ids, path)
            else:
                if not isinstance(node.get(step), (dict, list)) or not node.get(step):
                    node[step] = sane(here, name, ids, path[i + 1 :])
                node = node[step]
        else:
            here = here.member
            if last:
                node[0] = _resolve_sane(value, here, name, ids, path)
            else:
                node = node[0]
    return out


def _resolve_sane(value: Any, shape: Any, name: str, ids: dict[str, str], path: Path) -> Any:
    if isinstance(value, Sane):
        return sane(shape, name, ids, path)
    if isinstance(value, list):
        item = shape.member if shape.type_name == "list" else shape
        return [sane(item, name, ids, path) if isinstance(v, Sane) else v for v in value]
    return value


# ----------------------------------------------------------------------------- edge values

DEEP = (Deep(50, "list"), Deep(950, "object"), Deep(5000, "list"), Deep(100_000, "object"))
WRONG_TYPES: tuple[Any, ...] = ("2", True, [], {}, 1.5)
INTEGER_EDGES: tuple[Any, ...] = (
    2.0,
    0.0,
    -1.0,
    60.0,
    3600.0,
    1e300,
    -1e300,
    2.5,
    NAN,
    INF,
    -INF,
    2**31,
    2**63,
    -(2**63) - 1,
    10**30,
    None,
)
TIMESTAMP_EDGES: tuple[Any, ...] = (
    NAN,
    INF,
    -INF,
    1e300,
    -1e300,
    1.7976931348623157e308,
    5e-324,
    0,
    -0.0,
    253_402_300_800.0,  # the year 10000
    -62_135_596_801.0,  # before the year 1
    FromNow(0),
    FromNow(1e-6),
    FromNow(-1e-6),
    FromNow(0.0005),
    FromNow(61.5),
    FromNow(86_400 * 366),
    None,
)
MONEY_EDGES: tuple[Any, ...] = (
    "1" * 28,
    "9" * 26 + ".99",
    "9" * 40 + ".99",
    "0" * 40 + "1.00",
    "1000000000000000",
    "999999999999999.99",
    "1" * 5000,
    "2.",
    "0.001",
    "",
    1.5,
    None,
)
STRING_EDGES: tuple[Any, ...] = ("", "\x00", "x" * 70_000, 5, None)
BOOLEAN_EDGES: tuple[Any, ...] = (0, 1, 1.0, "true", None)
LIST_EDGES: tuple[Any, ...] = ([None], [SANE, None], [None, SANE], [], "x", {}, None)
STRUCTURE_EDGES: tuple[Any, ...] = (None, [], "x", {}, {"Unknown": 1})


def edges(shape: Any, name: str) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind in ("integer", "long"):
        own: tuple[Any, ...] = INTEGER_EDGES
    elif kind == "timestamp":
        own = TIMESTAMP_EDGES
    elif kind == "string" and name in ("Reward", "BonusAmount"):
        own = MONEY_EDGES
    elif kind == "string":
        own = STRING_EDGES
    elif kind == "boolean":
        own = BOOLEAN_EDGES
    elif kind == "list":
        own = LIST_EDGES
    else:
        own = STRUCTURE_EDGES
    return st.one_of(
        st.sampled_from(own),
        st.sampled_from(own),
        st.sampled_from(own),
        st.sampled_from(WRONG_TYPES + DEEP),
    )


BOUNDARY_SETTINGS = settings(
    max_examples=budget(5),
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("operation", OPERATION_NAMES)
def test_edge_values_in_every_member(scenario: Scenario, operation: str) -> None:
    fake = scenario.fake
    ids = scenario.ids
    shape = MODEL.operation_model(operation).input_shape
    paths = member_paths(shape, operation) if shape is not None else []
    base = valid_base(operation, ids) or (sane(shape, operation, ids) if shape else {})
    output = MODEL.operation_model(operation).output_shape
    outcomes: Counter[str] = Counter()
    reached: set[Path] = set()
    elapsed = timer()

    def send(who: str, params: dict[str, Any], deep: Deep | None = None) -> None:
        key, host = HOSTS[who]
        body = encode(params, fake.clock.time())
        if deep is not None:  # nesting under a member the operation does not have
            body = body[:-1] + (b", " if params else b"") + b'"Extra": ' + deep.text().encode()
            body += b"}"
        note(f"{who}: {operation} {body[:300]!r}")
        headers = {
            "X-Amz-Target": protocol.TARGET_PREFIX + operation,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20240101/us-east-1/mturk/aws4",
        }
        before = state_of(fake)
        errors_before = len(fake.internal_errors)
        status, payload, _ = protocol.handle(fake.backend, headers, body, host)
        assert len(fake.internal_errors) == errors_before, fake.internal_errors[errors_before:]
        assert status < 500, payload
        answer = json.loads(payload)
        if status == 200:
            outcomes["ok"] += 1
            if output is not None:
                problems = shape_problems(output, answer, "$", raw=True)
                assert not problems, problems
            return
        family = answer.get("__type")
        outcomes[str(family).rsplit("#", 1)[-1]] += 1
        assert family in ERROR_FAMILIES, answer
        if family in ("RequestError", "ParameterValidationError"):
            assert str(answer.get("TurkErrorCode", "")).startswith("AWS."), answer
        assert state_of(fake) == before, f"{operation} failed and changed the state: {answer}"

    @BOUNDARY_SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        scenario.reset()
        for path, name, member in paths:
            value = data.draw(edges(member, name), label=f"{'.'.join(map(str, path))}")
            who = data.draw(st.sampled_from(sorted(HOSTS)), label="who")
            send(who, place(base, shape, path, value, ids))
            reached.add(path)
        who = data.draw(st.sampled_from(sorted(HOSTS)), label="who")
        send(who, base, data.draw(st.sampled_from(DEEP), label="extra"))
        assert not fake.internal_errors, fake.internal_errors

    run()
    assert reached == {path for path, _, _ in paths}
    record(
        f"boundaries[{operation}]",
        boundary_calls=sum(outcomes.values()),
        boundary_members=len(paths),
        seconds=elapsed(),
    )
