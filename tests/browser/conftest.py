"""Fixtures of the browser tests: headless Chromium (Debian's ``chromium``) driven by
Playwright, a served fake, an HTTPS server for ExternalQuestion task pages, screenshots.

Chromium is Debian's package at ``/usr/bin/chromium`` (``apt-get install -y chromium``; CI
installs it); Playwright only drives it (``playwright install`` is never run). Without Chromium
the tests are skipped, saying how to install it.

Screenshots of every step are written to ``tests/browser/screenshots/<test>/`` (git-ignored).
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import shutil
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from pytest_mturk import MTurkFake
from pytest_mturk.transport.server import MTurkServer

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# As the machine notes say: headless, no sandbox (root), and none of Chromium's own traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
KEY = "AKIAPYTESTMTURKPAGES"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is not installed: `apt-get install -y chromium` (Debian's package, "
            "/usr/bin/chromium; .ci/run installs it)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra has it
        pytest.skip("Playwright is not installed: pip install -e '.[test]'")
    pw = sync_playwright().start()
    try:
        # Playwright starts Chromium with a fresh, temporary user-data-dir of its own.
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh tab in a fresh context (no cookies from other tests); any JavaScript dialog (an
    alert from injected script) fails the test."""
    context = browser.new_context(
        ignore_https_errors=True,  # the test's own task site has a made-up certificate
        viewport={"width": 1200, "height": 900},
    )
    tab = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    tab.set_default_timeout(10_000)
    try:
        yield tab
    finally:
        context.close()
    assert dialogs == [], f"a JavaScript dialog opened: {dialogs}"


@pytest.fixture
def shot(request: pytest.FixtureRequest, page: Any) -> Callable[[str], Path]:
    """``shot("name")``: a full-page screenshot, numbered in order, under screenshots/<test>/."""
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    count = [0]

    def take(name: str) -> Path:
        count[0] += 1
        path = folder / f"{count[0]:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def served() -> Iterator[tuple[MTurkFake, MTurkServer, Any]]:
    """(fake, server, requester client): a started fake, served; the client answered in
    process, as the code under test would be."""
    with MTurkFake(seed=2024) as fake, fake.serve() as server:
        client = boto3.session.Session(
            aws_access_key_id=KEY, aws_secret_access_key="secret"
        ).client(
            "mturk",
            region_name="us-east-1",
            endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com",
        )
        yield fake, server, client


# ============================================================================ the task site

TASK_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>External task</title>
</head><body><h1>Rate the sentence</h1><p id="mode"></p>
<form id="task" method="post">
<input type="hidden" name="assignmentId" id="assignmentId">
<label>How fluent is it? <select name="fluency"><option>1</option><option>2</option>
<option>3</option><option>4</option><option>5</option></select></label>
<label>Comment <input type="text" name="comment"></label>
<button type="submit" id="send">Send</button></form>
<script>
var q = new URLSearchParams(location.search);
var id = q.get("assignmentId");
document.getElementById("assignmentId").value = id;
document.getElementById("task").action = q.get("turkSubmitTo") + "/mturk/externalSubmit";
if (id === "ASSIGNMENT_ID_NOT_AVAILABLE") {
  document.getElementById("mode").textContent = "Preview: accept the HIT to work on it.";
  document.getElementById("send").disabled = true;
} else {
  document.getElementById("mode").textContent = "Working as " + q.get("workerId") +
    " on " + q.get("hitId");
}
</script></body></html>"""


class PageHandler(BaseHTTPRequestHandler):
    """A handler for the tests' own little web sites: answers with HTML, logs nothing."""

    def send_html(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class TaskSite:
    """An HTTPS server of the requester's own (an ExternalQuestion's ExternalURL): it serves
    TASK_PAGE and remembers the query of every page loaded."""

    def __init__(self, cert_dir: Path) -> None:
        self.queries: list[str] = []
        site = self

        class Handler(PageHandler):
            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path != "/task":
                    self.send_error(404)
                    return
                site.queries.append(query)
                self.send_html(TASK_PAGE.encode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*_self_signed(cert_dir))
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}/task"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _self_signed(folder: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 (cryptography comes with moto, a test dependency)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def task_site(tmp_path: Path) -> Iterator[TaskSite]:
    site = TaskSite(tmp_path)
    try:
        yield site
    finally:
        site.stop()
