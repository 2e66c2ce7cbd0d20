"""The worker and requester pages at the HTTP level (no browser): routes, CSRF, tokens and
hosts, escaping, the worker site's externalSubmit and HTMLQuestion content on the server, the
reasons shown, the QuestionForm checks, and the pages acting through the API and the control
API (journaled by a durable server). tests/browser/ drives the same pages in Chromium."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from pytest_mturk import MTurkFake, WorkerActionError
from pytest_mturk.durable import DurableState
from pytest_mturk.questions import parse_answers_xml, parse_question
from pytest_mturk.transport.pages.eligibility import refusal
from pytest_mturk.transport.pages.forms import FormData, Upload
from pytest_mturk.transport.pages.question_form import read_answers, render_question_form
from pytest_mturk.transport.server import MTurkServer
from tests.conftest import ANSWER_KEY, FORM_Q, HTML_Q, TEST_FORM, UPLOAD_Q, hit_args
from tests.test_notifications import QUEUE, hit_type, spec

KEY = "AKIAPYTESTMTURKTEST1"
SANDBOX_SUBMIT = "https://workersandbox.mturk.com/mturk/externalSubmit"
SANDBOX_API = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"


class Visitor:
    """A browser-like session: remembers the last page's CSRF token and sends it back."""

    def __init__(self, server: MTurkServer) -> None:
        self.server = server
        self.http = requests.Session()
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        r = self.http.get(self.server.base_url + path, **kwargs)
        found = re.search(r'name="_csrf" value="([^"]+)"', r.text)
        if found:
            self.csrf = found.group(1)
        return r

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> requests.Response:
        return self.http.post(
            self.server.base_url + path,
            data={"_csrf": self.csrf, **data},
            allow_redirects=kwargs.pop("allow_redirects", True),
            **kwargs,
        )


@pytest.fixture
def server(fake: MTurkFake) -> Iterator[MTurkServer]:
    with fake.serve() as s:
        yield s


@pytest.fixture
def visitor(server: MTurkServer) -> Visitor:
    return Visitor(server)


def flash_of(r: requests.Response) -> str:
    found = re.search(r'data-testid="flash">([^<]*)<', r.text)
    assert found, r.text
    return html.unescape(found.group(1))


def frame_src(r: requests.Response) -> str:
    found = re.search(r'<iframe[^>]* src="([^"]+)"', r.text)
    assert found, r.text
    return html.unescape(found.group(1))


# ============================================================================ routes and headers


def test_the_pages_are_served_with_their_security_headers(visitor: Visitor) -> None:
    r = visitor.get("/worker/")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "form-action 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert visitor.get("/requester/").status_code == 200
    css = visitor.get("/static/pytest-mturk/pages.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert visitor.get("/static/pytest-mturk/../../pages.py").status_code == 404
    assert visitor.get("/worker/nothing-here").status_code == 404
    moved = visitor.http.get(visitor.server.base_url + "/worker", allow_redirects=False)
    assert moved.status_code == 303 and moved.headers["Location"] == "/worker/"
    assert server_urls(visitor.server) == (
        visitor.server.base_url + "/worker/",
        visitor.server.base_url + "/requester/",
    )


def server_urls(server: MTurkServer) -> tuple[str, str]:
    return server.worker_url, server.requester_url


def test_the_api_still_answers_beside_the_pages(server: MTurkServer, fake: MTurkFake) -> None:
    client = boto3.session.Session(aws_access_key_id=KEY, aws_secret_access_key="s").client(
        "mturk", region_name="us-east-1", endpoint_url=server.url
    )
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    assert requests.get(server.base_url + "/").status_code == 400  # GET of the API root


# ============================================================================ CSRF, origins, hosts


def test_a_state_change_needs_the_page_token(visitor: Visitor, fake: MTurkFake) -> None:
    visitor.get("/worker/")
    token = visitor.csrf
    for data, says in [
        ({"_csrf": ""}, "CSRF token is missing"),
        ({"_csrf": "abc.def"}, "CSRF token is missing or not this server's"),
        ({"_csrf": token[:-1] + ("0" if token[-1] != "0" else "1")}, "not this server's"),
    ]:
        r = visitor.post("/worker/create", {"name": "Eve", **data})
        assert r.status_code == 403 and says in r.text
    assert len(fake.workers) == 0  # refused requests change nothing
    r = visitor.post("/worker/create", {"name": "Eve"}, allow_redirects=False)
    assert r.status_code == 303
    assert [w.name for w in fake.workers] == ["Eve"]


def test_tokens_are_fresh_per_page_and_any_of_them_works(visitor: Visitor) -> None:
    visitor.get("/worker/")
    first = visitor.csrf
    visitor.get("/worker/")
    assert visitor.csrf != first
    visitor.csrf = first
    assert visitor.post("/worker/create", {}, allow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ({"Origin": "https://evil.example"}, "Origin 'https://evil.example' is not this server"),
        ({"Origin": "null"}, "Origin 'null'"),
        ({"Sec-Fetch-Site": "cross-site"}, "Sec-Fetch-Site is 'cross-site'"),
    ],
)
def test_a_cross_site_post_is_refused_even_with_a_token(
    visitor: Visitor, fake: MTurkFake, headers: dict[str, str], says: str
) -> None:
    visitor.get("/worker/")
    r = visitor.post("/worker/create", {}, headers=headers)
    assert r.status_code == 403 and says in r.text
    assert len(fake.workers) == 0


def test_a_same_origin_post_is_taken(visitor: Visitor, fake: MTurkFake) -> None:
    visitor.get("/worker/")
    origin = visitor.server.base_url
    r = visitor.post(
        "/worker/create", {}, headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"}
    )
    assert r.status_code == 200 and len(fake.workers) == 1


def test_a_foreign_host_name_gets_nothing_on_loopback(server: MTurkServer) -> None:
    # DNS rebinding: evil.example resolving to 127.0.0.1 must not read a page (nor its token).
    r = requests.get(server.base_url + "/worker/", headers={"Host": f"evil.example:{server.port}"})
    assert r.status_code == 403 and "loopback interface only" in r.text
    assert "_csrf" not in r.text
    for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}"):
        assert requests.get(server.base_url + "/worker/", headers={"Host": host}).ok


def test_off_loopback_the_pages_need_the_server_token(fake: MTurkFake) -> None:
    with fake.serve(host="0.0.0.0") as server:
        base = f"http://127.0.0.1:{server.port}"
        assert server.token is not None
        refused = requests.get(base + "/worker/")
        assert refused.status_code == 401 and "?token=" in refused.text
        assert requests.get(base + "/worker/?token=wrong").status_code == 401
        assert server.worker_url.endswith("/worker/?token=" + server.token)
        http = requests.Session()
        first = http.get(base + f"/requester/?token={server.token}&x=1", allow_redirects=False)
        assert first.status_code == 303 and first.headers["Location"] == "/requester/?x=1"
        cookie = first.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert http.get(base + "/requester/").status_code == 200  # the cookie carries it
        by_header = requests.get(base + "/worker/", headers={"X-Pytest-Mturk-Token": server.token})
        assert by_header.status_code == 200
        # The worker site's own paths stay public, as MTurk's are.
        assert requests.post(base + "/mturk/externalSubmit", data={}).status_code == 400


def test_the_control_api_refuses_posts_from_web_pages(server: MTurkServer) -> None:
    url = server.control_url + "/workers"
    r = requests.post(url, data="{}", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "refuses requests from web pages" in r.json()["message"]
    assert requests.get(server.control_url + "/workers").json() == {"workers": []}
    assert requests.post(url, json={}).status_code == 200  # SDKs and curl send no Origin


# ============================================================================ escaping


def test_every_text_from_the_api_is_escaped(visitor: Visitor, fake: MTurkFake, client: Any) -> None:
    xss = "<script>alert(1)</script>"
    hit_id = client.create_hit(
        **hit_args(Question=HTML_Q, Title=xss, Description='"><img src=x onerror=alert(2)>')
    )["HIT"]["HITId"]
    worker = fake.workers.create(name="<b>Mallory</b>")
    worker.do(hit_id, {"notes": xss})
    pages = [
        visitor.get(f"/worker/?worker={worker.worker_id}").text,
        visitor.get(f"/worker/hit?worker={worker.worker_id}&hit={hit_id}").text,
        visitor.get(f"/requester/?env=sandbox&key={KEY}").text,
        visitor.get(f"/requester/hit?env=sandbox&key={KEY}&hit={hit_id}").text,
        visitor.get("/worker/").text,
    ]
    for text in pages:
        assert "<script>alert" not in text
        assert "<img src=x" not in text
        assert "<b>Mallory" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in pages[4]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[3]  # the answer, shown as text


# ============================================================================ the worker site


def _submit_both(fake: MTurkFake, client: Any, server: MTurkServer, form: Any) -> list[Any]:
    """The same form posted to the in-process worker site and to the server: (status, answer)
    of each."""
    out = []
    for url in (SANDBOX_SUBMIT, server.url_for("sandbox") + "/mturk/externalSubmit"):
        hit_id = client.create_hit(**hit_args(Question=HTML_Q))["HIT"]["HITId"]
        worker = fake.workers.create()
        assignment_id = worker.accept(hit_id)
        data = form(assignment_id)
        r = requests.post(url, data=data)
        assignment = fake.service.assignments_by_id[assignment_id]
        out.append((r.status_code, assignment.status, assignment.answer))
    return out


@pytest.mark.parametrize(
    "form",
    [
        lambda a: {"assignmentId": a, "color": "red", "notes": "x"},
        lambda a: [("assignmentId", a), ("color", "red"), ("color", "blue")],
        lambda a: {"assignmentId": a},  # no answer field
        lambda a: {"assignmentId": "ASSIGNMENT_ID_NOT_AVAILABLE", "color": "red"},
        lambda a: {"assignmentId": "", "color": "red"},
        lambda a: {"assignmentId": "3NOSUCHASSIGNMENT", "color": "red"},
        lambda a: {"assignmentId": a, "workerId": "AOTHERWORKER1", "hitId": "x", "c": "1"},
    ],
    ids=["plain", "multi-valued", "no-fields", "preview", "empty-id", "unknown", "reserved"],
)
def test_the_servers_external_submit_answers_as_the_worker_site(
    fake: MTurkFake, client: Any, server: MTurkServer, form: Any
) -> None:
    in_process, served = _submit_both(fake, client, server, form)
    assert served[0] == in_process[0]
    assert served[1] == in_process[1]
    assert served[2] == in_process[2]  # the same Answer XML, or none


def test_external_submit_knows_its_site(fake: MTurkFake, client: Any, server: MTurkServer) -> None:
    hit_id = client.create_hit(**hit_args(Question=HTML_Q))["HIT"]["HITId"]
    worker = fake.workers.create()
    assignment_id = worker.accept(hit_id)
    prod = requests.post(
        server.url_for("production") + "/mturk/externalSubmit",
        data={"assignmentId": assignment_id, "color": "red"},
    )
    assert prod.status_code == 404 and "does not exist on this site" in prod.text
    assert requests.get(server.base_url + "/mturk/externalSubmit").status_code == 405
    ok = requests.post(
        server.base_url + "//mturk/externalSubmit",  # turkSubmitTo with a trailing slash
        data={"assignmentId": assignment_id, "color": "red"},
    )
    assert ok.status_code == 200 and "Your HIT has been submitted" in ok.text
    again = requests.post(
        server.base_url + "/mturk/externalSubmit", data={"assignmentId": assignment_id, "c": "1"}
    )
    assert again.status_code == 409


def test_the_htmlquestion_content_is_sandboxed_and_posts_to_turk_submit_to(
    fake: MTurkFake, client: Any, server: MTurkServer, visitor: Visitor
) -> None:
    hit_id = client.create_hit(**hit_args(Question=HTML_Q))["HIT"]["HITId"]
    worker = fake.workers.create()
    assignment_id = worker.accept(hit_id)
    page = visitor.get(f"/worker/assignment?worker={worker.worker_id}&assignment={assignment_id}")
    assert 'sandbox="allow-scripts allow-forms allow-popups allow-modals"' in page.text
    src = frame_src(page)
    query = parse_qs(urlsplit(src).query)
    assert src.startswith(server.base_url + "/dynamic/hit?")
    assert query == {
        "assignmentId": [assignment_id],
        "hitId": [hit_id],
        "turkSubmitTo": [server.url_for("sandbox")],
        "workerId": [worker.worker_id],
    }
    content = requests.get(src)
    assert content.status_code == 200
    assert content.headers["Content-Security-Policy"].startswith(
        "sandbox allow-scripts allow-forms"
    )
    assert "allow-same-origin" not in content.headers["Content-Security-Policy"]
    assert f'action="{server.url_for("sandbox")}/mturk/externalSubmit"' in content.text
    assert "https://www.mturk.com/mturk/externalSubmit" not in content.text
    assert "window.turkSetAssignmentID" in content.text
    # A turkSubmitTo that is not a plain URL is never written into the page.
    odd = requests.get(
        server.base_url + f'/dynamic/hit?hitId={hit_id}&turkSubmitTo="><script>x</script>'
    )
    assert "<script>x</script>" not in odd.text
    assert "https://www.mturk.com/mturk/externalSubmit" in odd.text
    assert requests.get(server.base_url + "/dynamic/hit?hitId=3NOPE").status_code == 404
    assert requests.post(src, data={}).status_code == 405


def test_the_external_question_frame_gets_the_four_parameters(
    fake: MTurkFake, client: Any, visitor: Visitor, server: MTurkServer
) -> None:
    question = (
        '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
        'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
        "<ExternalURL>https://tasks.example/t?x=1#top</ExternalURL><FrameHeight>400"
        "</FrameHeight></ExternalQuestion>"
    )
    hit_id = client.create_hit(**hit_args(Question=question))["HIT"]["HITId"]
    worker = fake.workers.create()
    preview = frame_src(visitor.get(f"/worker/hit?worker={worker.worker_id}&hit={hit_id}"))
    assert preview.startswith("https://tasks.example/t?x=1&assignmentId=ASSIGNMENT_ID_NOT_")
    assert preview.endswith("#top")
    assignment_id = worker.accept(hit_id)
    page = visitor.get(f"/worker/assignment?worker={worker.worker_id}&assignment={assignment_id}")
    src = frame_src(page)
    assert parse_qs(urlsplit(src).query)["turkSubmitTo"] == [server.url_for("sandbox")]
    assert parse_qs(urlsplit(src).query)["assignmentId"] == [assignment_id]


# ============================================================================ reasons


def _eligibility_world(fake: MTurkFake, client: Any) -> dict[str, str]:
    """HITs each refused for one reason to ``fake.workers.get('ANEWWORKER01')``."""
    worker = fake.workers.create("ANEWWORKER01", country="GB")
    other = fake.workers.create()
    hits = {}
    hits["open"] = client.create_hit(**hit_args())["HIT"]["HITId"]
    hits["locale"] = client.create_hit(
        **hit_args(
            QualificationRequirements=[
                {
                    "QualificationTypeId": "00000000000000000071",
                    "Comparator": "EqualTo",
                    "LocaleValues": [{"Country": "US"}],
                    "ActionsGuarded": "DiscoverPreviewAndAccept",
                }
            ]
        )
    )["HIT"]["HITId"]
    hits["accept_only"] = client.create_hit(
        **hit_args(
            QualificationRequirements=[
                {
                    "QualificationTypeId": "00000000000000000040",
                    "Comparator": "GreaterThan",
                    "IntegerValues": [100],
                }
            ]
        )
    )["HIT"]["HITId"]
    hits["full"] = client.create_hit(**hit_args())["HIT"]["HITId"]
    other.accept(hits["full"])
    hits["held"] = client.create_hit(**hit_args(MaxAssignments=2))["HIT"]["HITId"]
    worker.accept(hits["held"])
    hits["expired"] = client.create_hit(**hit_args())["HIT"]["HITId"]
    client.update_expiration_for_hit(HITId=hits["expired"], ExpireAt=0)
    other_requester = boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKOTHER", aws_secret_access_key="s"
    ).client("mturk", region_name="us-east-1", endpoint_url=SANDBOX_API)
    hits["blocked"] = other_requester.create_hit(**hit_args())["HIT"]["HITId"]
    other_requester.create_worker_block(WorkerId="ANEWWORKER01", Reason="spam")
    return hits


def test_the_reason_shown_is_the_refusal_the_action_meets(fake: MTurkFake, client: Any) -> None:
    hits = _eligibility_world(fake, client)
    worker = fake.workers.get("ANEWWORKER01")
    svc = fake.service
    seen = set()
    for hit_id in hits.values():
        hit = svc.hits_by_id[hit_id]
        checks = {
            "discover": worker.can_discover,
            "preview": worker.can_preview,
            "accept": worker.can_accept,
        }
        for action, can in checks.items():
            with svc.step():
                why = refusal(svc, hit, worker.worker_id, action)
            assert (why is None) == can(hit_id), (hit_id, action, why)
        with svc.step():
            why = refusal(svc, hit, worker.worker_id, "accept")
        snapshot = fake.snapshot()
        try:
            worker.accept(hit_id)
        except WorkerActionError as exc:
            assert why is not None and (why.reason, why.message) == (exc.reason, str(exc))
            seen.add(exc.reason)
        else:
            assert why is None
            fake.restore(snapshot)
    assert seen == {"blocked", "requirement", "full", "already_accepted", "expired"}


def test_the_dashboard_shows_hidden_hits_with_their_reason(
    fake: MTurkFake, client: Any, visitor: Visitor
) -> None:
    client.create_hit(**hit_args(Title="For Americans"))  # visible to everyone
    hits = _eligibility_world(fake, client)
    page = visitor.get("/worker/?worker=ANEWWORKER01").text
    hidden = page[page.index('id="hidden"') :]
    assert f"Worker ANEWWORKER01 is blocked by the requester of HIT {hits['blocked']}." in hidden
    assert "00000000000000000071 (Worker_Locale): EqualTo [US]" in hidden
    assert "the worker&#x27;s value: GB" in hidden
    assert f"HIT {hits['expired']} has expired and can no longer be found." in hidden


# ==================================================================== the pages act through the API


def _submitted_work(fake: MTurkFake, client: Any) -> tuple[str, str, str]:
    hit_id = client.create_hit(**hit_args(Question=HTML_Q, Reward="0.40"))["HIT"]["HITId"]
    worker = fake.workers.create()
    return hit_id, worker.worker_id, worker.do(hit_id, {"color": "red"})


def test_requester_actions_are_api_calls(fake: MTurkFake, client: Any, visitor: Visitor) -> None:
    hit_id, worker_id, assignment_id = _submitted_work(fake, client)
    visitor.get(f"/requester/hit?env=sandbox&key={KEY}&hit={hit_id}")
    base = {"env": "sandbox", "key": KEY, "assignment": assignment_id, "worker": worker_id}
    r = visitor.post("/requester/action", {**base, "op": "reject", "feedback": "x" * 1025})
    assert r.status_code == 200 and "RejectAssignment failed" in flash_of(r)
    r = visitor.post("/requester/action", {**base, "op": "bonus", "amount": "-1", "reason": "x"})
    assert "SendBonus failed" in flash_of(r)
    assert fake.payments == []  # failed calls change nothing
    r = visitor.post("/requester/action", {**base, "op": "approve", "feedback": "Great"})
    assert flash_of(r) == "ApproveAssignment succeeded."
    fake.assert_paid(worker_id, Decimal("0.40"))
    r = visitor.post(
        "/requester/action", {**base, "op": "bonus", "amount": "1.25", "reason": "Extra"}
    )
    assert flash_of(r) == "SendBonus succeeded."
    fake.assert_bonus_paid(worker_id, Decimal("1.25"), "Extra")
    fake.assert_called("ApproveAssignment", times=1, RequesterFeedback="Great")
    mine = [c for c in fake.calls if c.operation in ("ApproveAssignment", "SendBonus")]
    assert {c.access_key for c in mine} == {KEY}
    assert [c.ok for c in fake.calls_to("SendBonus")] == [False, True]
    # The calls are listed, errors marked.
    page = visitor.get(f"/requester/?env=sandbox&key={KEY}").text
    assert page.count('<tr class="error">') == 2
    assert visitor.post("/requester/action", {**base, "op": "delete_everything"}).status_code == 400


def test_an_injected_fault_meets_the_page_too(
    fake: MTurkFake, client: Any, visitor: Visitor
) -> None:
    hit_id, worker_id, assignment_id = _submitted_work(fake, client)
    fake.faults.add("ApproveAssignment", "ServiceFault", times=1)
    visitor.get(f"/requester/hit?env=sandbox&key={KEY}&hit={hit_id}")
    base = {"env": "sandbox", "key": KEY, "assignment": assignment_id, "op": "approve"}
    assert "ServiceFault" in flash_of(visitor.post("/requester/action", base))
    fake.assert_not_paid(worker_id)
    assert flash_of(visitor.post("/requester/action", base)) == "ApproveAssignment succeeded."


def test_a_requester_page_for_an_unknown_requester_is_404(visitor: Visitor) -> None:
    r = visitor.get("/requester/?env=sandbox&key=AKIANOBODY0000000000")
    assert r.status_code == 404 and "has used the &#x27;sandbox&#x27; environment" in r.text


def test_the_clock_control_checks_its_input(fake: MTurkFake, client: Any, visitor: Visitor) -> None:
    client.get_account_balance()
    visitor.get(f"/requester/?env=sandbox&key={KEY}")
    before = fake.clock.now()
    base = {"env": "sandbox", "key": KEY}
    for amount, unit in [("1", "weeks"), ("x", "hours"), ("-1", "hours"), ("nan", "hours")]:
        r = visitor.post("/requester/clock", {**base, "amount": amount, "unit": unit})
        assert r.status_code == 400
    assert (fake.clock.now() - before).total_seconds() < 60
    r = visitor.post("/requester/clock", {**base, "amount": "3", "unit": "days"})
    assert flash_of(r) == "The fake clock moved 3 days forward."
    assert (fake.clock.now() - before).days == 3


def test_worker_actions_go_through_the_control_api(
    fake: MTurkFake, client: Any, visitor: Visitor
) -> None:
    hit_id = client.create_hit(**hit_args(Question=FORM_Q))["HIT"]["HITId"]
    visitor.get("/worker/")
    r = visitor.post("/worker/create", {"worker_id": "AVISITOR0001", "country": "de"})
    assert flash_of(r) == "Worker AVISITOR0001 created."
    assert fake.workers.get("AVISITOR0001").country == "DE"
    bad = visitor.post("/worker/create", {"worker_id": "not-an-id"})
    assert bad.status_code == 400 and "is not an MTurk worker id" in bad.text
    r = visitor.post("/worker/accept", {"worker": "AVISITOR0001", "hit": hit_id})
    assignment_id = parse_qs(urlsplit(r.url).query)["assignment"][0]
    again = visitor.post("/worker/accept", {"worker": "AVISITOR0001", "hit": hit_id})
    assert again.status_code == 409 and "already has assignment" in again.text
    r = visitor.post("/worker/submit", {"worker": "AVISITOR0001", "assignment": assignment_id})
    assert r.status_code == 400 and "this question is required" in r.text
    assert fake.service.assignments_by_id[assignment_id].status == "Accepted"
    r = visitor.post(
        "/worker/submit",
        {"worker": "AVISITOR0001", "assignment": assignment_id, "answer:label": "cat"},
    )
    assert flash_of(r) == f"Assignment {assignment_id} was submitted."
    (assignment,) = client.list_assignments_for_hit(HITId=hit_id)["Assignments"]
    assert parse_answers_xml(assignment["Answer"]) == {"label": ["cat"]}


def test_a_durable_server_journals_what_the_pages_do(tmp_path: Path) -> None:
    path = str(tmp_path / "state.json")
    state = DurableState.open(path, {"seed": 5})
    with state.serve() as server:
        client = boto3.session.Session(aws_access_key_id=KEY, aws_secret_access_key="s").client(
            "mturk", region_name="us-east-1", endpoint_url=server.url
        )
        hit_id = client.create_hit(**hit_args(Question=FORM_Q))["HIT"]["HITId"]
        type_id = client.create_qualification_type(
            Name="Q", Description="d", QualificationTypeStatus="Active", AutoGranted=True
        )["QualificationType"]["QualificationTypeId"]
        visitor = Visitor(server)
        visitor.get("/worker/")
        visitor.post("/worker/create", {"worker_id": "ADURABLE0001"})
        r = visitor.post("/worker/accept", {"worker": "ADURABLE0001", "hit": hit_id})
        assignment_id = parse_qs(urlsplit(r.url).query)["assignment"][0]
        visitor.post(
            "/worker/submit",
            {"worker": "ADURABLE0001", "assignment": assignment_id, "answer:label": "dog"},
        )
        visitor.get(f"/requester/hit?env=sandbox&key={KEY}&hit={hit_id}")
        visitor.post(
            "/requester/action",
            {"env": "sandbox", "key": KEY, "assignment": assignment_id, "op": "approve"},
        )
        # What the control API cannot journal is refused, and changes nothing.
        r = visitor.post("/worker/qualification", {"worker": "ADURABLE0001", "type": type_id})
        assert r.status_code == 409 and "--state" in r.text
    state.abandon()  # killed: only the journal holds it
    state = DurableState.open(path)
    try:
        a = state.fake.service.assignments_by_id[assignment_id]
        assert (a.worker_id, a.status) == ("ADURABLE0001", "Approved")
        assert state.fake.workers.get("ADURABLE0001").qualification_value(type_id) is None
    finally:
        state.close()


# ============================================================================ QuestionForm


def _form(*fields: tuple[str, str], files: dict[str, bytes] | None = None) -> FormData:
    return FormData(list(fields), {k: Upload("f.bin", v) for k, v in (files or {}).items()})


CONSTRAINED = (
    '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>code</QuestionIdentifier>'
    "<IsRequired>true</IsRequired><QuestionContent><FormattedContent><![CDATA[<p>Type the "
    "<b>code</b> <script>alert(1)</script><a href='javascript:alert(2)'>here</a> "
    "<a href='https://example.org/help' onclick='x()'>help</a></p>]]></FormattedContent>"
    "</QuestionContent><AnswerSpecification><FreeTextAnswer><Constraints>"
    '<Length minLength="3" maxLength="5"/><AnswerFormatRegex regex="[A-Z]+\\d" '
    'errorText="Capitals then one digit"/></Constraints></FreeTextAnswer>'
    "</AnswerSpecification></Question><Question><QuestionIdentifier>tags</QuestionIdentifier>"
    "<QuestionContent><Text>Tags</Text></QuestionContent><AnswerSpecification>"
    "<SelectionAnswer><MaxSelectionCount>2</MaxSelectionCount><StyleSuggestion>list"
    "</StyleSuggestion><Selections><Selection><SelectionIdentifier>a</SelectionIdentifier>"
    "<Text>A</Text></Selection><Selection><SelectionIdentifier>b</SelectionIdentifier>"
    "<Text>B</Text></Selection><Selection><SelectionIdentifier>c</SelectionIdentifier>"
    "<Text>C</Text></Selection><OtherSelection><FreeTextAnswer/></OtherSelection>"
    "</Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"
)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ([], {"code": "Enter an answer: this question is required."}),
        ([("answer:code", "AB")], {"code": "Enter at least 3 characters (got 2)."}),
        ([("answer:code", "ABCDEF")], {"code": "Enter at most 5 characters (got 6)."}),
        ([("answer:code", "abc1")], {"code": "Capitals then one digit"}),
        (
            [
                ("answer:code", "AB1"),
                ("answer:tags", "a"),
                ("answer:tags", "b"),
                ("answer:tags:other", "z"),
            ],
            {"tags": "Choose at most 2."},
        ),
        ([("answer:code", "AB1"), ("answer:tags", "d")], {"tags": "d is not one of the choices."}),
    ],
)
def test_question_form_answers_are_checked(
    fields: list[tuple[str, str]], errors: dict[str, str]
) -> None:
    answers, found = read_answers(CONSTRAINED, parse_question(CONSTRAINED), _form(*fields))
    assert found == errors


def test_question_form_answers_are_read() -> None:
    form = _form(("answer:code", "AB1"), ("answer:tags", "c"), ("answer:tags:other", "own"))
    assert read_answers(CONSTRAINED, parse_question(CONSTRAINED), form) == (
        {"code": "AB1", "tags": ["c", "own"]},
        {},
    )
    upload = parse_question(UPLOAD_Q)
    assert read_answers(UPLOAD_Q, upload, _form(files={"answer:photo": b""}))[1] == {
        "photo": "The file must be 1 to 1000000 bytes (it is 0)."
    }
    assert read_answers(UPLOAD_Q, upload, _form(files={"answer:photo": b"img"}))[0] == {
        "photo": b"img"
    }


def test_formatted_content_keeps_formatting_only() -> None:
    markup = render_question_form(CONSTRAINED, parse_question(CONSTRAINED))
    assert "<b>code</b>" in markup
    assert "<script" not in markup and "alert(1)" not in markup
    assert "javascript:" not in markup and "onclick" not in markup
    assert '<a href="https://example.org/help" rel="noopener noreferrer">help</a>' in markup
    assert '<select name="answer:tags" multiple size="3"' in markup


def test_a_qualification_test_in_the_page_is_scored(
    fake: MTurkFake, client: Any, visitor: Visitor
) -> None:
    type_id = client.create_qualification_type(
        Name="Quiz",
        Description="d",
        QualificationTypeStatus="Active",
        Test=TEST_FORM,
        AnswerKey=ANSWER_KEY,
        TestDurationInSeconds=60,
    )["QualificationType"]["QualificationTypeId"]
    worker = fake.workers.create()
    page = visitor.get(f"/worker/qualification?worker={worker.worker_id}&type={type_id}")
    started = re.search(r'name="started" value="([^"]+)"', page.text)
    assert started is not None
    data = {"worker": worker.worker_id, "type": type_id, "started": started.group(1)}
    fake.clock.advance(seconds=61)
    late = visitor.post("/worker/qualification", {**data, "answer:q1": "a", "answer:q2": "y"})
    assert late.status_code == 409 and "TestDurationInSeconds is 60" in late.text
    assert worker.qualification_value(type_id) is None
    page = visitor.get(f"/worker/qualification?worker={worker.worker_id}&type={type_id}")
    started = re.search(r'name="started" value="([^"]+)"', page.text)
    assert started is not None
    data["started"] = started.group(1)
    missing = visitor.post("/worker/qualification", {**data, "answer:q1": "a"})
    assert missing.status_code == 400 and "this question is required" in missing.text
    r = visitor.post("/worker/qualification", {**data, "answer:q1": "a", "answer:q2": "x"})
    assert flash_of(r) == "Quiz: granted, your value is 33."
    assert worker.qualification_value(type_id) == 33


# ============================================================================ the command line

SERVE = [sys.executable, "-m", "pytest_mturk.cli", "serve"]


def _announcement(
    args: list[str], env: dict[str, str] | None = None, until: Path | None = None
) -> tuple[list[str], str]:
    """The lines ``serve`` prints up to the worker page's URL, which must answer (and, with
    ``until``, waits for that file to be written before stopping the server)."""
    proc = subprocess.Popen(
        [*SERVE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("pytest-mturk: open the worker page"):
            line = proc.stdout.readline()
            assert line, (lines, proc.stderr.read() if proc.stderr else "")
            lines.append(line.rstrip("\n"))
        url = lines[-1].rsplit(" ", 1)[1]
        page = requests.get(url)
        assert page.status_code == 200
        for _ in range(200 if until is not None else 0):  # a browser starts in the background
            if until is not None and until.exists() and until.read_text().strip():
                break
            time.sleep(0.05)
        return lines, url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_open_prints_the_worker_page() -> None:
    lines, url = _announcement(["--open"])
    base = lines[0].rsplit(" at ", 1)[1]
    assert url == f"{base}/worker/"
    assert lines[-3].split() == ["worker", "page:", f"{base}/worker/"]
    assert lines[-2].split() == ["requester", "page:", f"{base}/requester/"]


def test_serve_open_off_loopback_prints_the_url_with_its_token() -> None:
    lines, url = _announcement(["--open", "--host", "0.0.0.0"])
    token = next(line.split()[-1] for line in lines if "(header X-Pytest-Mturk-Token)" in line)
    assert url.endswith(f"/worker/?token={token}")  # requests.get above got the page with it


def test_serve_open_browser_opens_the_worker_page(tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    script.chmod(0o755)
    _, url = _announcement(["--open-browser"], {"BROWSER": f"{script} %s"}, until=opened)
    assert opened.read_text().strip() == url


def test_a_bug_in_the_pages_is_a_500_and_an_internal_error(
    fake: MTurkFake, server: MTurkServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(params: dict[str, str]) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(server.pages.worker, "chooser", broken)
    r = requests.get(server.worker_url)
    assert r.status_code == 500 and "RuntimeError('boom')" in r.text
    assert [repr(e) for e in fake.internal_errors] == ["RuntimeError('boom')"]
    fake.internal_errors.clear()
    assert requests.get(server.requester_url).status_code == 200  # the server goes on


def test_the_requester_dashboard_shows_money_notifications_and_mail(
    fake: MTurkFake, prod_client: Any, visitor: Visitor
) -> None:
    type_id = hit_type(prod_client)
    prod_client.update_notification_settings(
        HITTypeId=type_id, Notification=spec(events=["AssignmentSubmitted"]), Active=True
    )
    hit_id = prod_client.create_hit_with_hit_type(
        HITTypeId=type_id, LifetimeInSeconds=3600, Question=FORM_Q
    )["HIT"]["HITId"]
    worker = fake.workers.create()
    assignment_id = worker.do(hit_id, {"label": "cat"})
    prod_client.approve_assignment(AssignmentId=assignment_id)
    prod_client.notify_workers(Subject="Hi", MessageText="More soon", WorkerIds=[worker.worker_id])
    page = visitor.get(f"/requester/?env=production&key={KEY}").text
    balance = prod_client.get_account_balance()["AvailableBalance"]
    assert f'data-testid="balance">${balance}<' in page
    payments = page[page.index('id="payments"') : page.index('id="notifications"')]
    assert worker.worker_id in payments and "$0.50" in payments
    notifications = page[page.index('id="notifications"') : page.index('id="emails"')]
    assert QUEUE in notifications and "AssignmentSubmitted" in notifications
    emails = page[page.index('id="emails"') : page.index('id="calls"')]
    assert "More soon" in emails
    # The worker sees the same, from their side.
    mine = visitor.get(f"/worker/?worker={worker.worker_id}&site=production").text
    assert "$0.50" in mine[mine.index('id="money"') :]
    assert "More soon" in mine[mine.index('id="messages"') :]
    assert assignment_id in mine[mine.index('id="assignments"') :]
