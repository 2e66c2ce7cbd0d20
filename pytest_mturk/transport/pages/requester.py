"""The requester page, ``/requester/``: what a requester sees and does, through the API.

Choose a requester (an access key in an environment: a world of the fake); see its HITs by
status, their assignments with the answers rendered, approve or reject with feedback, pay
bonuses, grant qualifications and answer qualification requests, read the balance, payments,
notifications and e-mails, the calls made (errors highlighted), and move the fake clock.

Every action is an MTurk API call with that requester's access key (see
:mod:`pytest_mturk.transport.pages.context`): the page is a client like boto3, so every rule,
ledger and invariant of the service holds, and ``fake.calls`` shows what the page did.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl

from pytest_mturk.questions import parse_answers_xml
from pytest_mturk.service.model import (
    ACCEPTED,
    ASSIGNABLE,
    DISPOSED,
    HIT,
    REVIEWABLE,
    REVIEWING,
    SUBMITTED,
    UNASSIGNABLE,
    Assignment,
    World,
)
from pytest_mturk.transport.pages.context import PageError, PageSet, Request, Response
from pytest_mturk.transport.pages.forms import FormData, parse_form
from pytest_mturk.transport.pages.layout import (
    button_form,
    document,
    hidden,
    link,
    money,
    plain,
    redirect,
    section,
    table,
    url,
    when,
)
from pytest_mturk.transport.pages.markup import Markup, attrs, fmt, join
from pytest_mturk.transport.pages.security import CSRF_FIELD

__all__ = ["RequesterPages"]

_STATUSES = (ASSIGNABLE, UNASSIGNABLE, REVIEWABLE, REVIEWING, DISPOSED)
_CALLS_SHOWN = 100


def _world_params(world: World) -> dict[str, str]:
    return {"env": world.env.name, "key": world.access_key}


class RequesterPages(PageSet):
    """The handlers of ``/requester/...``."""

    def handle(self, req: Request, sub: str) -> Response:
        """Answer ``/requester/<sub>``."""
        params = dict(parse_qsl(req.query, keep_blank_values=True))
        try:
            if req.method == "GET":
                if sub == "":
                    return self.dashboard(params) if params.get("key") else self.chooser(params)
                if sub == "hit":
                    return self.hit_page(params)
                if sub == "file":
                    return self.file(params)
            elif sub in ("action", "clock"):
                form = parse_form("", req.headers, req.body)
                return self.action(form) if sub == "action" else self.clock(form)
        except PageError as exc:
            return self._error_page(exc, params)
        return document(
            "Not found",
            fmt("<p>There is no requester page {}.</p>", "/requester/" + sub),
            area="requester",
            status=404 if req.method == "GET" else 405,
        )

    def _error_page(self, exc: PageError, params: dict[str, str]) -> Response:
        back = url("/requester/", env=params.get("env"), key=params.get("key"))
        return document(
            "That did not work",
            fmt(
                '<p class="flash error" data-testid="error">{}</p><p>{}</p>',
                exc.message,
                link(back, "Back"),
            ),
            area="requester",
            status=exc.status,
            now=self.svc.exact_now(),
        )

    def _world(self, params: dict[str, str] | FormData) -> World:
        env_name = params.get("env") or ""
        key = params.get("key") or ""
        env = self.svc.envs.get(env_name)
        world = env.worlds.get(key) if env is not None else None
        if world is None:
            raise PageError(
                404,
                f"No requester with access key {key!r} has used the {env_name!r} environment "
                "of this fake yet.",
            )
        return world

    def _nav(self, world: World) -> Markup:
        return fmt(
            " | {}",
            link(
                url("/requester/", **_world_params(world)), f"{world.access_key} ({world.env.name})"
            ),
        )

    # ------------------------------------------------------------------ choosing a requester

    def chooser(self, params: dict[str, str]) -> Response:
        svc = self.svc
        with svc.step():
            rows = [
                (
                    link(url("/requester/", env=env.name, key=world.access_key), world.access_key),
                    env.name,
                    world.customer_id,
                    sum(1 for h in world.hits.values() if h.status != DISPOSED),
                    money(world.available_balance()),
                )
                for env in svc.envs.values()
                for world in env.worlds.values()
            ]
        body = section(
            "Requesters",
            join(
                [
                    fmt(
                        '<p class="meta">{}</p>',
                        "Each access key is a requester of its own in each environment. A "
                        "requester appears here after its first call (boto3, an SDK, the CLI).",
                    ),
                    table(
                        ["Access key", "Environment", "Customer id", "HITs", "Balance"],
                        rows,
                        empty="No requester has called this fake yet.",
                    ),
                ]
            ),
        )
        return document(
            "Choose a requester",
            body,
            area="requester",
            flash=self.take_flash(params.get("flash")),
            now=svc.exact_now(),
        )

    # ------------------------------------------------------------------ the dashboard

    def dashboard(self, params: dict[str, str]) -> Response:
        svc = self.svc
        with svc.step():
            world = self._world(params)
            csrf = self.csrf()
            body = join(
                [
                    self._account(world, csrf),
                    self._hits(world),
                    self._to_review(world, csrf),
                    self._qualifications(world, csrf),
                    self._notify(world, csrf),
                    self._payments(world),
                    self._notifications(),
                    self._emails(),
                    self._calls(world, params.get("calls") == "all"),
                ]
            )
        return document(
            f"Requester {world.access_key}",
            body,
            area="requester",
            nav=self._nav(world),
            flash=self.take_flash(params.get("flash")),
            now=svc.exact_now(),
        )

    def _account(self, world: World, csrf: str) -> Markup:
        facts = fmt(
            '<p class="meta">Environment {} &middot; customer id {} &middot; account {}</p>'
            '<p>Available balance: <strong data-testid="balance">{}</strong> &middot; paid in '
            "rewards {}, bonuses {}, fees {}; held for outstanding work {}</p>",
            world.env.name,
            world.customer_id,
            world.account_id,
            money(world.available_balance()),
            money(world.paid_rewards),
            money(world.paid_bonuses),
            money(world.paid_fees),
            money(world.reserved),
        )
        clock = fmt(
            '<form method="post" action="/requester/clock" class="inline" data-testid="clock">'
            '{}Move the fake clock forward by <input type="number" name="amount" value="1" '
            'min="0" step="any"> <select name="unit"><option>minutes</option>'
            "<option selected>hours</option><option>days</option><option>seconds</option>"
            '</select> <button type="submit" class="secondary">Advance</button></form>',
            hidden(**{CSRF_FIELD: csrf}, **_world_params(world)),
        )
        return section("Account and clock", join([facts, clock]), id_="account")

    def _hits(self, world: World) -> Markup:
        by_status: dict[str, list[HIT]] = {s: [] for s in _STATUSES}
        for hit in world.hits.values():
            by_status.setdefault(hit.status, []).append(hit)
        parts: list[Markup] = []
        for status, hits in by_status.items():
            hits.sort(key=lambda h: h.seq, reverse=True)
            rows = [
                (
                    link(url("/requester/hit", hit=h.id, **_world_params(world)), h.hit_type.title),
                    h.id,
                    h.parsed.kind if h.parsed is not None else "HITLayout",
                    money(h.hit_type.reward_text),
                    f"{h.available} available, {h.pending} in progress, {h.submitted} to review, "
                    f"{h.completed} done",
                    ("expired " if h.expired else "expires ") + when(h.expiration),
                )
                for h in hits
            ]
            parts.append(
                fmt(
                    "<h3 {}>{} ({})</h3>{}",
                    attrs(data_testid=f"status-{status}"),
                    status,
                    len(hits),
                    table(
                        ["Title", "HIT", "Kind", "Reward", "Assignments", "Lifetime"],
                        rows,
                        empty="None.",
                    ),
                )
            )
        return section("HITs by status", join(parts), id_="hits")

    def _review_forms(self, world: World, a: Assignment, csrf: str, back: str) -> Markup:
        common = {**_world_params(world), "assignment": a.id, "worker": a.worker_id, "back": back}
        approve = button_form(
            "/requester/action",
            "Approve",
            csrf,
            fields={**common, "op": "approve"},
            extra=fmt(
                "<input {}> ",
                attrs(type="text", name="feedback", placeholder="feedback (optional)"),
            ),
            test_id=f"approve-{a.id}",
        )
        reject = button_form(
            "/requester/action",
            "Reject",
            csrf,
            fields={**common, "op": "reject"},
            extra=fmt(
                "<input {}> ",
                attrs(type="text", name="feedback", placeholder="feedback (required)"),
            ),
            css="inline secondary",
            test_id=f"reject-{a.id}",
        )
        return fmt('<div class="review">{}<br>{}</div>', approve, reject)

    def _bonus_form(self, world: World, a: Assignment, csrf: str, back: str) -> Markup:
        return button_form(
            "/requester/action",
            "Send bonus",
            csrf,
            fields={
                **_world_params(world),
                "assignment": a.id,
                "worker": a.worker_id,
                "back": back,
                "op": "bonus",
            },
            extra=fmt(
                "$<input {}> <input {}> ",
                attrs(type="text", name="amount", size=6, placeholder="1.00"),
                attrs(type="text", name="reason", placeholder="reason (required)"),
            ),
            css="inline secondary",
            test_id=f"bonus-{a.id}",
        )

    def _to_review(self, world: World, csrf: str) -> Markup:
        back = url("/requester/", **_world_params(world))
        rows: list[tuple[object, ...]] = []
        for hit in sorted(world.hits.values(), key=lambda h: h.seq):
            for a in hit.assignments:
                if a.status != SUBMITTED:
                    continue
                rows.append(
                    (
                        link(
                            url("/requester/hit", hit=hit.id, **_world_params(world)),
                            hit.hit_type.title,
                        ),
                        a.worker_id,
                        when(a.submit_time),
                        answers_markup(a, world),
                        self._review_forms(world, a, csrf, back),
                    )
                )
        return section(
            "Submitted work to review",
            table(
                ["HIT", "Worker", "Submitted", "Answers", ""],
                rows,
                empty="Nothing waits for review.",
            ),
            id_="review",
        )

    def _qualifications(self, world: World, csrf: str) -> Markup:
        back = url("/requester/", **_world_params(world))
        types = [qt for qt in world.qual_names.values() if not qt.deleted]
        rows = [
            (
                qt.name,
                qt.id,
                qt.status,
                "test" if qt.test else "",
                "auto" if qt.auto_granted else "",
                sum(1 for (t, _), q in world.qualifications.items() if t == qt.id),
            )
            for qt in types
        ]
        pending = [
            (
                r.type.name,
                r.worker_id,
                when(r.submit_time),
                answers_text(r.answer) if r.answer else "",
                join(
                    [
                        button_form(
                            "/requester/action",
                            "Grant",
                            csrf,
                            fields={
                                **_world_params(world),
                                "request": r.id,
                                "op": "grant_request",
                                "back": back,
                            },
                            extra=fmt(
                                "value <input {}> ",
                                attrs(type="number", name="value", value="1", size=4),
                            ),
                            test_id=f"grant-{r.id}",
                        ),
                        button_form(
                            "/requester/action",
                            "Refuse",
                            csrf,
                            fields={
                                **_world_params(world),
                                "request": r.id,
                                "op": "reject_request",
                                "back": back,
                            },
                            css="inline secondary",
                            test_id=f"refuse-{r.id}",
                        ),
                    ],
                    " ",
                ),
            )
            for r in world.qual_request_index
        ]
        options = join(fmt("<option {}>{}</option>", attrs(value=qt.id), qt.name) for qt in types)
        grant = (
            button_form(
                "/requester/action",
                "Grant",
                csrf,
                fields={**_world_params(world), "op": "grant", "back": back},
                extra=fmt(
                    '<select name="type">{}</select> to worker <input {}> value <input {}> ',
                    options,
                    attrs(type="text", name="worker", placeholder="A1B2C3..."),
                    attrs(type="number", name="value", value="1", size=4),
                ),
                test_id="grant",
            )
            if types
            else Markup("")
        )
        return section(
            "Qualifications",
            join(
                [
                    table(
                        ["Name", "Type", "Status", "Test", "Auto-granted", "Holders"],
                        rows,
                        empty="This requester owns no qualification types.",
                    ),
                    fmt("<h3>{}</h3>", "Requests waiting"),
                    table(
                        ["Qualification", "Worker", "Requested", "Test answers", ""],
                        pending,
                        empty="No requests wait.",
                    ),
                    grant,
                ]
            ),
            id_="qualifications",
        )

    def _notify(self, world: World, csrf: str) -> Markup:
        back = url("/requester/", **_world_params(world))
        return section(
            "Message workers (NotifyWorkers)",
            button_form(
                "/requester/action",
                "Send",
                csrf,
                fields={**_world_params(world), "op": "notify", "back": back},
                extra=fmt(
                    "<label>Workers (ids, separated by spaces) <input {}></label> "
                    "<label>Subject <input {}></label> <label>Message <textarea {}></textarea>"
                    "</label> ",
                    attrs(type="text", name="workers", size=40),
                    attrs(type="text", name="subject"),
                    attrs(name="message", rows=2),
                ),
                css="stacked",
                test_id="notify",
            ),
            id_="notify",
        )

    def _payments(self, world: World) -> Markup:
        rows = [
            (
                when(p.time.timestamp()),
                p.kind,
                p.worker_id,
                money(p.amount),
                money(p.fee),
                p.assignment_id,
                p.reason or "",
            )
            for p in self.svc.ledgers.payments
            if p.hit_id in world.hits
        ]
        return section(
            "Payments",
            table(
                ["When", "Kind", "Worker", "Amount", "Fee", "Assignment", "Reason"],
                rows,
                empty="Nothing paid yet.",
            ),
            id_="payments",
        )

    def _notifications(self) -> Markup:
        rows = [
            (
                when(n.time.timestamp()),
                n.transport,
                n.destination,
                ", ".join(n.event_types),
                "" if n.delivery_error is None else n.delivery_error,
            )
            for n in self.svc.ledgers.notifications
        ]
        return section(
            "Notifications sent",
            table(
                ["When", "Transport", "Destination", "Events", "Delivery error"],
                rows,
                empty="No notifications sent.",
            ),
            id_="notifications",
        )

    def _emails(self) -> Markup:
        rows = [
            (when(e.time.timestamp()), e.worker_id, e.kind, e.subject, e.text)
            for e in self.svc.ledgers.emails
        ]
        return section(
            "E-mails sent to workers",
            table(["When", "Worker", "Kind", "Subject", "Text"], rows, empty="No e-mails sent."),
            id_="emails",
        )

    def _calls(self, world: World, everyone: bool) -> Markup:
        calls = list(self.actions.server.backend.calls)
        if not everyone:
            calls = [
                c
                for c in calls
                if c.access_key == world.access_key and c.environment == world.env.name
            ]
        shown = calls[-_CALLS_SHOWN:][::-1]
        rows: list[tuple[object, ...]] = []
        for c in shown:
            outcome = "ok" if c.ok else f"{c.status} {c.error_code or ''} {c.turk_error_code or ''}"
            params = json.dumps(c.params, default=str)
            row: tuple[object, ...] = (
                when(c.timestamp),
                c.operation or "-",
                outcome.strip(),
                c.attempt,
                params if len(params) <= 200 else params[:197] + "...",
            )
            rows.append(row if c.ok else ("!error", *row))
        other = url("/requester/", **_world_params(world), calls=None if everyone else "all")
        switch = link(
            other + "#calls", "only this requester's" if everyone else "every requester's"
        )
        return section(
            "Calls made",
            join(
                [
                    fmt(
                        '<p class="meta">The last {} of {} calls, newest first; errors in red. '
                        "Show {}.</p>",
                        len(shown),
                        len(calls),
                        switch,
                    ),
                    table(
                        ["When", "Operation", "Outcome", "Attempt", "Parameters"],
                        rows,
                        empty="No calls.",
                    ),
                ]
            ),
            id_="calls",
        )

    # ------------------------------------------------------------------ one HIT

    def hit_page(self, params: dict[str, str]) -> Response:
        svc = self.svc
        with svc.step():
            world = self._world(params)
            hit = world.hits.get(params.get("hit", ""))
            if hit is None:
                raise PageError(404, f"This requester has no HIT {params.get('hit')!r}.")
            csrf = self.csrf()
            back = url("/requester/hit", hit=hit.id, **_world_params(world))
            ht = hit.hit_type
            facts = fmt(
                '<p class="text">{}</p><p class="meta">HIT {} &middot; type {} &middot; status '
                '<strong data-testid="hit-status">{}</strong> &middot; {} &middot; reward {} '
                "&middot; {} assignment(s): {} available, {} in progress, {} to review, {} done "
                "&middot; created {} &middot; {} {} &middot; annotation {}</p>",
                ht.description,
                hit.id,
                ht.id,
                hit.status,
                hit.parsed.kind if hit.parsed is not None else "HITLayout",
                money(ht.reward_text),
                hit.max_assignments,
                hit.available,
                hit.pending,
                hit.submitted,
                hit.completed,
                when(hit.creation_time),
                "expired" if hit.expired else "expires",
                when(hit.expiration),
                hit.annotation or "-",
            )
            expire = (
                button_form(
                    "/requester/action",
                    "Expire now (UpdateExpirationForHIT)",
                    csrf,
                    fields={**_world_params(world), "hit": hit.id, "op": "expire", "back": back},
                    css="inline secondary",
                    test_id="expire",
                )
                if not hit.expired and hit.status != DISPOSED
                else Markup("")
            )
            rows: list[tuple[object, ...]] = []
            for a in sorted(hit.by_worker.values(), key=lambda x: x.accept_time):
                actions: list[Markup] = []
                if a.status == SUBMITTED:
                    actions.append(self._review_forms(world, a, csrf, back))
                if a.status in (SUBMITTED, "Approved") or a.status == "Rejected":
                    actions.append(self._bonus_form(world, a, csrf, back))
                if a.status == "Rejected":
                    actions.append(
                        button_form(
                            "/requester/action",
                            "Approve after all (OverrideRejection)",
                            csrf,
                            fields={
                                **_world_params(world),
                                "assignment": a.id,
                                "op": "override",
                                "back": back,
                            },
                            css="inline secondary",
                            test_id=f"override-{a.id}",
                        )
                    )
                rows.append(
                    (
                        a.id,
                        a.worker_id,
                        fmt('<span data-testid="assignment-status-{}">{}</span>', a.id, a.status),
                        when(a.submit_time) if a.status != ACCEPTED else "in progress",
                        answers_markup(a, world) if a.answer else "",
                        a.feedback or "",
                        join(actions, " "),
                    )
                )
            body = join(
                [
                    section("About the HIT", join([facts, expire])),
                    section(
                        "Assignments",
                        table(
                            [
                                "Assignment",
                                "Worker",
                                "Status",
                                "Submitted",
                                "Answers",
                                "Feedback",
                                "",
                            ],
                            rows,
                            empty="No worker has accepted it yet.",
                        ),
                        id_="assignments",
                    ),
                ]
            )
        return document(
            ht.title,
            body,
            area="requester",
            nav=self._nav(world),
            flash=self.take_flash(params.get("flash")),
            now=svc.exact_now(),
        )

    def file(self, params: dict[str, str]) -> Response:
        """An uploaded file of an assignment of this requester's (a download)."""
        svc = self.svc
        with svc.step():
            world = self._world(params)
            a = svc.assignments_by_id.get(params.get("assignment", ""))
            if a is None or a.hit.world is not world:
                raise PageError(404, "This requester has no such assignment.")
            data = a.hit.files.get((a.id, params.get("question", "")))
        if data is None:
            return plain(404, "No such file.")
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Disposition": "attachment",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        }
        return Response(200, data, headers)

    # ------------------------------------------------------------------ actions

    def action(self, form: FormData) -> Response:
        with self.svc.step():
            world = self._world(form)
            env_name, key = world.env.name, world.access_key
        op = form.text("op")
        back = form.text("back")
        if not back.startswith("/requester/"):
            back = url("/requester/", env=env_name, key=key)
        operation, params = _operation(op, form)
        try:
            self.actions.api(env_name, key, operation, params)
        except PageError as exc:
            note = self.flash("error", exc.message)
        else:
            note = self.flash("ok", f"{operation} succeeded.")
        sep = "&" if "?" in back else "?"
        return redirect(f"{back}{sep}flash={note}")

    def clock(self, form: FormData) -> Response:
        with self.svc.step():
            world = self._world(form)
            back = url("/requester/", **_world_params(world))
        unit = form.text("unit")
        if unit not in ("seconds", "minutes", "hours", "days"):
            raise PageError(400, f"unit must be seconds, minutes, hours or days, not {unit!r}")
        try:
            amount = float(form.text("amount"))
        except ValueError:
            raise PageError(400, f"amount must be a number, not {form.text('amount')!r}") from None
        if not 0 <= amount < 10**7 or amount != amount:
            raise PageError(400, f"amount must be a number of {unit} from 0 on")
        self.actions.advance_clock(**{unit: amount})
        note = self.flash("ok", f"The fake clock moved {amount:g} {unit} forward.")
        return redirect(f"{back}&flash={note}")


def _operation(op: str, form: FormData) -> tuple[str, dict[str, Any]]:
    """The API call a requester form stands for (PageError for an unknown one)."""
    feedback = form.text("feedback")
    if op == "approve":
        params: dict[str, Any] = {"AssignmentId": form.text("assignment")}
        if feedback:
            params["RequesterFeedback"] = feedback
        return "ApproveAssignment", params
    if op == "override":
        return "ApproveAssignment", {
            "AssignmentId": form.text("assignment"),
            "OverrideRejection": True,
        }
    if op == "reject":
        return "RejectAssignment", {
            "AssignmentId": form.text("assignment"),
            "RequesterFeedback": feedback,
        }
    if op == "bonus":
        return "SendBonus", {
            "WorkerId": form.text("worker"),
            "AssignmentId": form.text("assignment"),
            "BonusAmount": form.text("amount"),
            "Reason": form.text("reason"),
        }
    if op == "expire":
        return "UpdateExpirationForHIT", {"HITId": form.text("hit"), "ExpireAt": 0}
    if op in ("grant", "grant_request"):
        value_text = form.text("value") or "1"
        try:
            value = int(value_text)
        except ValueError:
            raise PageError(400, f"value must be a whole number, not {value_text!r}") from None
        if op == "grant_request":
            return "AcceptQualificationRequest", {
                "QualificationRequestId": form.text("request"),
                "IntegerValue": value,
            }
        return "AssociateQualificationWithWorker", {
            "QualificationTypeId": form.text("type"),
            "WorkerId": form.text("worker"),
            "IntegerValue": value,
            "SendNotification": True,
        }
    if op == "reject_request":
        return "RejectQualificationRequest", {"QualificationRequestId": form.text("request")}
    if op == "notify":
        return "NotifyWorkers", {
            "Subject": form.text("subject"),
            "MessageText": form.get("message") or "",
            "WorkerIds": form.text("workers").split(),
        }
    raise PageError(400, f"unknown action {op!r}")


def answers_text(answer_xml: str) -> str:
    """Answers as one line of text (for qualification requests)."""
    try:
        answers = parse_answers_xml(answer_xml)
    except ValueError:
        return answer_xml
    return "; ".join(
        f"{k}: {v if isinstance(v, str) else ', '.join(v)}" for k, v in answers.items()
    )


def answers_markup(a: Assignment, world: World) -> Markup:
    """An assignment's answers: one entry per question; JSON (a crowd-form's ``taskAnswers``)
    pretty-printed; uploaded files as download links."""
    if a.answer is None:
        return Markup("")
    try:
        answers = parse_answers_xml(a.answer)
    except ValueError:
        return fmt("<pre>{}</pre>", a.answer)
    parsed = a.hit.parsed
    uploads = (
        {q.identifier for q in parsed.questions if q.answer_kind == "FileUpload"}
        if parsed is not None
        else set()
    )
    items: list[Markup] = []
    for name, value in answers.items():
        if name in uploads and (a.id, name) in a.hit.files:
            size = len(a.hit.files[(a.id, name)])
            shown: Markup | str = link(
                url(
                    "/requester/file",
                    env=world.env.name,
                    key=world.access_key,
                    assignment=a.id,
                    question=name,
                ),
                f"uploaded file ({size} bytes)",
            )
        elif isinstance(value, list):
            shown = ", ".join(value)
        else:
            shown = value
            text = value.strip()
            if text[:1] in "[{" and text[-1:] in "]}":
                with contextlib.suppress(ValueError):
                    shown = fmt(
                        "<pre>{}</pre>", json.dumps(json.loads(text), indent=2, ensure_ascii=False)
                    )
        items.append(fmt("<dt>{}</dt><dd>{}</dd>", name, shown))
    return fmt(
        "<dl {}>{}</dl>", attrs(class_="answers", data_testid=f"answers-{a.id}"), join(items)
    )
