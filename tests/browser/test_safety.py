"""The pages are safe in a browser that visits other sites too: text from the API is shown as
text, HTMLQuestion content cannot reach the pages, and no other site can act through them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pytest_mturk import MTurkFake
from pytest_mturk.transport.server import MTurkServer
from tests.browser.conftest import KEY, PageHandler
from tests.browser.test_journeys import create_worker, find_and_accept
from tests.conftest import hit_args

Served = tuple[MTurkFake, MTurkServer, Any]
Shot = Callable[[str], Path]

XSS = "<script>alert(1)</script>"
PROBE = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body>'
    '<p id="probe">running</p>'
    "<form method='post' action='https://www.mturk.com/mturk/externalSubmit'>"
    "<textarea name='note'></textarea><input type='submit' value='Submit'></form><script>"
    "var out = [];"
    "try { out.push('parent:' + parent.document.title); } catch (e) { out.push('parent:blocked'); }"
    "try { out.push('cookie:' + document.cookie); } catch (e) { out.push('cookie:blocked'); }"
    "fetch('/requester/').then(function (r) { return r.text(); })"
    ".then(function () { out.push('fetch:read'); }, function () { out.push('fetch:blocked'); })"
    ".then(function () { document.getElementById('probe').textContent = out.join(' '); });"
    "</script></body></html>]]></HTMLContent><FrameHeight>300</FrameHeight></HTMLQuestion>"
)


def test_text_from_the_api_is_shown_as_text(page: Any, served: Served, shot: Shot) -> None:
    fake, server, client = served
    hit_id = client.create_hit(
        **hit_args(
            Question=PROBE,
            Title=XSS,
            Description='<img src="x" onerror="alert(2)">',
            Keywords="<b>bold</b>",
        )
    )["HIT"]["HITId"]
    worker_id = create_worker(page, server, shot, name="<i>Mallory</i>")
    assert page.locator("h1").inner_text() == f"<i>Mallory</i> ({worker_id})"
    assert page.locator("#found").get_by_role("link", name=XSS).inner_text() == XSS
    assert page.locator("script:not([src])").count() == 0  # no script of the title's
    shot("title-as-text")
    assignment_id = find_and_accept(page, hit_id, XSS, shot)

    # The HTMLQuestion's own script runs, sandboxed: no parent, no cookie, no reading the pages.
    frame = page.frame_locator("iframe.task")
    probe = frame.locator("#probe")
    probe.filter(has_text="fetch:").wait_for()
    assert probe.inner_text() == "parent:blocked cookie:blocked fetch:blocked"
    frame.locator("textarea[name=note]").fill(XSS)
    frame.get_by_role("button", name="Submit").click()
    page.get_by_test_id("answers").wait_for()

    page.goto(f"{server.base_url}/requester/hit?env=sandbox&key={KEY}&hit={hit_id}")
    assert page.get_by_test_id(f"answers-{assignment_id}").inner_text() == f"note\n{XSS}"
    assert page.locator("h1").inner_text() == XSS
    shot("answer-as-text")


class _Attacker:
    """Another site the worker visits: its page submits a form to the server's pages."""

    def __init__(self, page_html: str) -> None:
        body = page_html.encode()

        class Handler(PageHandler):
            def do_GET(self) -> None:
                self.send_html(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # localhost, not 127.0.0.1: another origin than the server's pages.
        self.url = f"http://localhost:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def submitted(served: Served) -> Iterator[tuple[str, str]]:
    """(HIT id, assignment id) of work waiting for review."""
    fake, server, client = served
    hit_id = client.create_hit(**hit_args(Question=PROBE, Title="Review me"))["HIT"]["HITId"]
    assignment_id = fake.workers.create().do(hit_id, {"note": "done"})
    yield hit_id, assignment_id


def test_a_cross_site_form_cannot_approve_work(
    page: Any, served: Served, shot: Shot, submitted: tuple[str, str]
) -> None:
    fake, server, client = served
    hit_id, assignment_id = submitted
    attacker = _Attacker(
        "<!DOCTYPE html><html><body><h1>Win a prize</h1>"
        f'<form id="f" method="post" action="{server.base_url}/requester/action">'
        '<input type="hidden" name="op" value="approve">'
        '<input type="hidden" name="env" value="sandbox">'
        f'<input type="hidden" name="key" value="{KEY}">'
        f'<input type="hidden" name="assignment" value="{assignment_id}">'
        '<input type="hidden" name="_csrf" value="guessed.token"></form>'
        "<script>"
        # The control API too: a plain-text POST needs no CORS preflight.
        f"fetch('{server.control_url}/reset', {{method: 'POST', mode: 'no-cors', body: '{{}}'}})"
        ".finally(function () { document.getElementById('f').submit(); });"
        "</script></body></html>"
    )
    statuses: dict[str, int] = {}
    page.on("response", lambda r: statuses.__setitem__(r.url, r.status))
    try:
        with page.expect_response(f"{server.base_url}/requester/action") as answer:
            page.goto(attacker.url)
        assert answer.value.status == 403
        assert statuses[f"{server.control_url}/reset"] == 403
        page.wait_for_load_state()
        assert "Refused: a cross-site request" in page.locator("body").inner_text()
        shot("cross-site-form-refused")
    finally:
        attacker.stop()
    # Nothing changed: the work still waits, nothing was reset, nothing paid.
    assert client.get_assignment(AssignmentId=assignment_id)["Assignment"]["AssignmentStatus"] == (
        "Submitted"
    )
    assert client.get_hit(HITId=hit_id)["HIT"]["HITId"] == hit_id
    assert fake.payments == []
    assert [c.operation for c in fake.calls if c.operation == "ApproveAssignment"] == []
