"""The worker page, ``/worker/``: be a worker and do HITs as a person would.

Pick or create a worker; see the HITs that worker can find (requirements applied) and those
hidden from them, with the reason; preview, accept, do the work (an HTMLQuestion or an
ExternalQuestion in a frame posting to the server's externalSubmit, a QuestionForm as a form);
return it or let its time run out on the fake clock; request qualifications and take their
tests; read the bonuses and e-mails received.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote_plus

from pytest_mturk.questions import parse_answers_xml, parse_qualification_test
from pytest_mturk.service.access import held_value, meets, show_held
from pytest_mturk.service.model import (
    ACCEPTED,
    ACTIVE,
    DISPOSED,
    HIT,
    Assignment,
    Environment,
    QualificationType,
    WorkerProfile,
)
from pytest_mturk.service.requirements import (
    ADULT,
    LOCALE,
    NUMBER_HITS_APPROVED,
    PERCENT_APPROVED,
)
from pytest_mturk.service.worker_site import (
    CONTENT_URL,
    PRODUCTION_SITE,
    SANDBOX_SITE,
    open_url,
)
from pytest_mturk.transport.pages.context import PageError, PageSet, Request, Response
from pytest_mturk.transport.pages.eligibility import refusal
from pytest_mturk.transport.pages.forms import FormData, parse_form
from pytest_mturk.transport.pages.layout import (
    button_form,
    document,
    hidden,
    link,
    money,
    redirect,
    section,
    table,
    url,
    when,
)
from pytest_mturk.transport.pages.markup import Markup, attrs, fmt, join
from pytest_mturk.transport.pages.question_form import read_answers, render_question_form
from pytest_mturk.transport.pages.security import CSRF_FIELD
from pytest_mturk.transport.pages.site import CONTENT_PATH

__all__ = ["WorkerPages"]

_SHOWN = 200  # HITs listed per table at most


def _sites(svc_envs: dict[str, Environment], site: str) -> list[Environment]:
    """The environments a worker site shows: production, or the sandbox and every other
    endpoint (which behave as the sandbox)."""
    sandbox = site == "sandbox"
    return [env for env in svc_envs.values() if env.is_sandbox == sandbox]


def _hits(envs: list[Environment]) -> list[HIT]:
    found = [
        hit
        for env in envs
        for world in env.worlds.values()
        for hit in world.hits.values()
        if hit.status != DISPOSED
    ]
    found.sort(key=lambda h: h.seq, reverse=True)
    return found


def _matches(hit: HIT, needle: str) -> bool:
    ht = hit.hit_type
    return (
        not needle
        or needle in ht.title.lower()
        or needle in ht.description.lower()
        or (ht.keywords is not None and needle in ht.keywords.lower())
    )


def _kind(hit: HIT) -> str:
    return hit.parsed.kind if hit.parsed is not None else "HITLayout"


def _show_value(held: Any) -> str:
    return show_held(held, absent="not held")


class WorkerPages(PageSet):
    """The handlers of ``/worker/...``."""

    # ------------------------------------------------------------------ routing

    def handle(self, req: Request, sub: str) -> Response:
        """Answer ``/worker/<sub>``."""
        get = req.method == "GET"
        params = dict(parse_qsl(req.query, keep_blank_values=True))
        if get and sub == "":
            if params.get("worker"):
                return self.dashboard(params)
            return self.chooser(params)
        if get and sub == "hit":
            return self.preview(params)
        if get and sub == "assignment":
            return self.work(params)
        if get and sub == "qualification":
            return self.qualification(params)
        if not get:
            form = parse_form("", req.headers, req.body)
            post = {
                "create": self.create,
                "accept": self.accept,
                "submit": self.submit,
                "return": self.return_,
                "timeout": self.timeout,
                "qualification": self.request_qualification,
            }.get(sub)
            if post is not None:
                return post(form)
        return document(
            "Not found",
            fmt("<p>There is no worker page {}.</p>", "/worker/" + sub),
            area="worker",
            status=404 if get else 405,
        )

    # ------------------------------------------------------------------ helpers

    def _profile(self, worker_id: str) -> WorkerProfile:
        profile = self.svc.profiles.get(worker_id)
        if profile is None:
            raise PageError(404, f"There is no simulated worker {worker_id}.")
        return profile

    def _error_page(self, exc: PageError, worker_id: str | None = None) -> Response:
        back = (
            fmt("<p>{}</p>", link(url("/worker/", worker=worker_id), "Back to the worker"))
            if worker_id
            else fmt("<p>{}</p>", link("/worker/", "Back"))
        )
        return document(
            "That did not work",
            fmt('<p class="flash error" data-testid="error">{}</p>{}', exc.message, back),
            area="worker",
            status=exc.status,
            now=self.svc.exact_now(),
        )

    def _nav(self, worker_id: str, site: str) -> Markup:
        return fmt(
            " | {} ({})",
            link(url("/worker/", worker=worker_id, site=site), worker_id),
            site,
        )

    def _site(self, params: dict[str, str]) -> str:
        site = params.get("site") or (
            "production" if self.actions.server.environment == "production" else "sandbox"
        )
        if site not in ("sandbox", "production"):
            raise PageError(400, f"site must be sandbox or production, not {site!r}")
        return site

    # ------------------------------------------------------------------ choosing a worker

    def chooser(self, params: dict[str, str]) -> Response:
        svc = self.svc
        with svc.step():
            rows = [
                (
                    link(url("/worker/", worker=p.worker_id), p.worker_id),
                    p.name,
                    p.country + (f" ({p.subdivision})" if p.subdivision else ""),
                    p.locale,
                    "yes" if p.masters else "",
                )
                for p in svc.profiles.values()
            ]
        form = fmt(
            '<form method="post" action="/worker/create" class="stacked" data-testid="create">'
            "{csrf}"
            '<label>Worker id (empty: a new realistic one) <input type="text" name="worker_id" '
            'placeholder="A1B2C3D4E5F6G7"></label>'
            '<label>Name (empty: a Faker name) <input type="text" name="name"></label>'
            '<label>Country <input type="text" name="country" value="US" size="3"></label>'
            '<label>Subdivision <input type="text" name="subdivision" placeholder="US-NY">'
            "</label>"
            '<label>Locale (empty: the country\'s) <input type="text" name="locale" '
            'placeholder="en_US"></label>'
            '<label>Approved assignments before <input type="number" name="approved" '
            'value="0" min="0"></label>'
            '<label>Rejected assignments before <input type="number" name="rejected" '
            'value="0" min="0"></label>'
            '<label><input type="checkbox" name="masters" value="1"> Masters</label>'
            '<label><input type="checkbox" name="adult" value="1" checked> Adult</label>'
            '<button type="submit">Create worker</button></form>',
            csrf=hidden(**{CSRF_FIELD: self.csrf()}),
        )
        body = join(
            [
                section(
                    "Simulated workers",
                    table(
                        ["Worker", "Name", "Country", "Locale", "Masters"],
                        rows,
                        empty="No workers yet: create one below.",
                    ),
                ),
                section("Create a worker", form),
            ]
        )
        return document(
            "Choose a worker",
            body,
            area="worker",
            flash=self.take_flash(params.get("flash")),
            now=svc.exact_now(),
        )

    def create(self, form: FormData) -> Response:
        values: dict[str, Any] = {}
        for name in ("worker_id", "name", "country", "subdivision", "locale"):
            text = form.text(name)
            if text:
                values[name] = text
        for name in ("approved", "rejected"):
            text = form.text(name)
            if text:
                try:
                    values[name] = int(text)
                except ValueError:
                    return self._error_page(PageError(400, f"{name} must be a whole number"))
        values["masters"] = form.get("masters") is not None
        values["adult"] = form.get("adult") is not None
        try:
            worker_id = self.actions.create_worker(values)
        except PageError as exc:
            return self._error_page(exc)
        note = self.flash("ok", f"Worker {worker_id} created.")
        return redirect(url("/worker/", worker=worker_id, flash=note))

    # ------------------------------------------------------------------ the dashboard

    def dashboard(self, params: dict[str, str]) -> Response:
        worker_id = params["worker"]
        svc = self.svc
        try:
            site = self._site(params)
            with svc.step():
                profile = self._profile(worker_id)
                body = self._dashboard_body(profile, site, params.get("q", "").strip())
        except PageError as exc:
            return self._error_page(exc)
        return document(
            f"{profile.name} ({worker_id})",
            body,
            area="worker",
            nav=self._nav(worker_id, site),
            flash=self.take_flash(params.get("flash")),
            now=svc.exact_now(),
        )

    def _dashboard_body(self, profile: WorkerProfile, site: str, query: str) -> Markup:
        svc = self.svc
        worker_id = profile.worker_id
        envs = _sites(svc.envs, site)
        csrf = self.csrf()
        found: list[tuple[object, ...]] = []
        hidden_rows: list[tuple[object, ...]] = []
        needle = query.lower()
        for hit in _hits(envs):
            if not _matches(hit, needle):
                continue
            ht = hit.hit_type
            title = link(url("/worker/hit", worker=worker_id, hit=hit.id), ht.title)
            why = refusal(svc, hit, worker_id, "discover")
            if why is not None:
                if len(hidden_rows) < _SHOWN:
                    hidden_rows.append(
                        (
                            "!hidden",
                            title,
                            hit.id,
                            fmt(
                                '<span class="reason" data-testid="hidden-reason">{}</span>',
                                why.message,
                            ),
                        )
                    )
                continue
            if len(found) >= _SHOWN:
                continue
            accept = refusal(svc, hit, worker_id, "accept")
            action = (
                button_form(
                    "/worker/accept",
                    "Accept",
                    csrf,
                    fields={"worker": worker_id, "hit": hit.id},
                    test_id=f"accept-{hit.id}",
                )
                if accept is None
                else fmt('<span class="reason">{}</span>', accept.message)
            )
            found.append(
                (
                    title,
                    _kind(hit),
                    money(ht.reward_text),
                    f"{hit.available} of {hit.max_assignments}",
                    when(hit.expiration),
                    action,
                )
            )
        search = fmt(
            '<form method="get" action="/worker/" class="inline">{}'
            '<input type="text" name="q" value="{}" placeholder="search titles, keywords">'
            ' <button type="submit" class="secondary">Search</button></form> {}',
            hidden(worker=worker_id, site=site),
            query,
            link(
                url(
                    "/worker/",
                    worker=worker_id,
                    site="production" if site == "sandbox" else "sandbox",
                ),
                f"switch to the {'production' if site == 'sandbox' else 'sandbox'} site",
            ),
        )
        parts = [
            self._profile_section(profile, envs),
            section(
                "HITs you can find",
                join(
                    [
                        search,
                        table(
                            ["Title", "Kind", "Reward", "Available", "Expires", ""],
                            found,
                            empty="No HITs to find on this site right now.",
                        ),
                    ]
                ),
                id_="found",
            ),
            section(
                "Hidden from you",
                table(
                    ["Title", "HIT", "Why"],
                    hidden_rows,
                    empty="Nothing is hidden from this worker.",
                ),
                id_="hidden",
            ),
            self._assignments_section(worker_id, site),
            self._qualifications_section(worker_id, envs),
            self._money_section(worker_id),
            self._mail_section(worker_id),
        ]
        return join(parts)

    def _profile_section(self, p: WorkerProfile, envs: list[Environment]) -> Markup:
        svc = self.svc
        rows: list[tuple[object, ...]] = [
            ("Locale (Worker_Locale)", _show_value(held_value(svc, None, LOCALE, p.worker_id))),
            ("Adult (Worker_Adult)", _show_value(held_value(svc, None, ADULT, p.worker_id))),
            (
                "Approved HITs (Worker_NumberHITsApproved)",
                _show_value(held_value(svc, None, NUMBER_HITS_APPROVED, p.worker_id)),
            ),
            (
                "Approval rate (Worker_PercentAssignmentsApproved)",
                _show_value(held_value(svc, None, PERCENT_APPROVED, p.worker_id)),
            ),
            ("Masters", "yes" if p.masters else "no"),
        ]
        seen: set[str] = set()
        for env in envs:
            for qt in env.qual_type_order:
                if qt.owner is None or qt.id in seen:
                    continue
                seen.add(qt.id)
                held = held_value(svc, env, qt.id, p.worker_id)
                if held is not None:
                    rows.append((f"{qt.name} ({qt.id})", _show_value(held)))
        intro = fmt(
            '<p class="meta">{} &middot; {} &middot; locale {} &middot; e-mail {}</p>',
            p.name,
            p.country + (f"-{p.subdivision}" if p.subdivision else ""),
            p.locale,
            p.email,
        )
        return section(
            "Profile and qualifications",
            join([intro, table(["Qualification", "Value"], rows, empty="")]),
            id_="profile",
        )

    def _assignments_section(self, worker_id: str, site: str) -> Markup:
        svc = self.svc
        rows: list[tuple[object, ...]] = []
        mine = [
            a
            for a in svc.assignments_by_id.values()
            if a.worker_id == worker_id and a.hit.world.is_sandbox == (site == "sandbox")
        ]
        mine.sort(key=lambda a: a.accept_time, reverse=True)
        for a in mine[:_SHOWN]:
            due = when(a.deadline) if a.status == ACCEPTED else when(a.submit_time)
            rows.append(
                (
                    link(
                        url("/worker/assignment", worker=worker_id, assignment=a.id),
                        a.hit.hit_type.title,
                    ),
                    a.id,
                    fmt('<span data-testid="status-{}">{}</span>', a.id, a.status),
                    due,
                    a.feedback or "",
                )
            )
        return section(
            "Your assignments",
            table(
                ["HIT", "Assignment", "Status", "Due / submitted", "Requester's feedback"],
                rows,
                empty="No assignments yet.",
            ),
            id_="assignments",
        )

    def _qualifications_section(self, worker_id: str, envs: list[Environment]) -> Markup:
        rows: list[tuple[object, ...]] = []
        for env in envs:
            for qt in env.qual_type_order:
                if qt.owner is None or qt.deleted or not qt.is_requestable or qt.status != ACTIVE:
                    continue
                how = (
                    "test"
                    if qt.test is not None
                    else "granted at once"
                    if qt.auto_granted
                    else "asks the requester"
                )
                rows.append(
                    (
                        link(url("/worker/qualification", worker=worker_id, type=qt.id), qt.name),
                        qt.description,
                        how,
                        _show_value(held_value(self.svc, env, qt.id, worker_id)),
                    )
                )
        return section(
            "Qualifications you can request",
            table(
                ["Qualification", "Description", "How", "Your value"],
                rows,
                empty="No qualification types can be requested on this site.",
            ),
            id_="qualifications",
        )

    def _money_section(self, worker_id: str) -> Markup:
        rows = [
            (when(p.time.timestamp()), p.kind, money(p.amount), p.assignment_id, p.reason or "")
            for p in self.svc.ledgers.payments
            if p.worker_id == worker_id
        ]
        return section(
            "Money received",
            table(
                ["When", "Kind", "Amount", "Assignment", "Reason"], rows, empty="Nothing paid yet."
            ),
            id_="money",
        )

    def _mail_section(self, worker_id: str) -> Markup:
        items = [
            fmt(
                '<article class="mail"><p class="meta">{} &middot; {}</p><h3>{}</h3>'
                '<p class="text">{}</p></article>',
                when(e.time.timestamp()),
                e.kind,
                e.subject,
                e.text,
            )
            for e in self.svc.ledgers.emails
            if e.worker_id == worker_id
        ]
        content = join(items) if items else fmt('<p class="empty">{}</p>', "No messages.")
        return section("Messages", content, id_="messages")

    # ------------------------------------------------------------------ preview and accept

    def _frame_url(self, raw: str, sandbox: bool) -> str:
        """A URL from ``open_url`` pointed at this server: the HTMLQuestion content served here,
        ``turkSubmitTo`` this server's URL of the HIT's site."""
        server = self.actions.server
        if raw.startswith(CONTENT_URL):
            raw = server.base_url + CONTENT_PATH + raw[len(CONTENT_URL) :]
        site = SANDBOX_SITE if sandbox else PRODUCTION_SITE
        ours = server.url_for("sandbox" if sandbox else "production")
        base, hash_sign, fragment = raw.partition("#")
        old = "turkSubmitTo=" + quote_plus(site)
        head, found, tail = base.rpartition(old)
        if found:
            base = head + "turkSubmitTo=" + quote_plus(ours) + tail
        return base + hash_sign + fragment

    def _frame(self, hit: HIT, src: str, done: str | None) -> Markup:
        parsed = hit.parsed
        assert parsed is not None
        if not src.lower().startswith(("https://", "http://")):
            return fmt('<p class="reason">The task\'s URL is not a web page: {}</p>', src)
        height = parsed.frame_height or 0
        external = parsed.kind == "ExternalQuestion"
        # HTMLQuestion content runs without the server's origin; an ExternalQuestion has an
        # origin of its own (another site), which allow-same-origin keeps.
        sandbox = (
            "allow-scripts allow-forms allow-same-origin allow-popups allow-modals"
            if external
            else "allow-scripts allow-forms allow-popups allow-modals"
        )
        return fmt(
            "<iframe {}></iframe>",
            attrs(
                class_="task",
                src=src,
                sandbox=sandbox,
                style=None,
                height=height if height >= 200 else 700,
                data_done=done,
                data_testid="task-frame",
                title="The task",
            ),
        )

    def _requirements(self, hit: HIT, worker_id: str) -> Markup:
        env = hit.world.env
        rows: list[tuple[object, ...]] = []
        for r in hit.hit_type.requirements:
            qt = env.qualification_types.get(r["QualificationTypeId"])
            held = held_value(self.svc, env, r["QualificationTypeId"], worker_id)
            ok = meets(r, held)
            values = r.get("IntegerValues") or [
                lv["Country"] + (f"-{lv['Subdivision']}" if lv.get("Subdivision") else "")
                for lv in r.get("LocaleValues") or []
            ]
            rows.append(
                (
                    qt.name if qt is not None else r["QualificationTypeId"],
                    f"{r['Comparator']} {', '.join(map(str, values))}".strip(),
                    r["ActionsGuarded"],
                    _show_value(held),
                    fmt(
                        '<span class="pill {}">{}</span>',
                        "ok" if ok else "no",
                        "met" if ok else "not met",
                    ),
                )
            )
        return table(
            ["Qualification", "Requirement", "Guards", "Your value", ""],
            rows,
            empty="No qualification requirements.",
        )

    def preview(self, params: dict[str, str]) -> Response:
        worker_id, hit_id = params.get("worker", ""), params.get("hit", "")
        svc = self.svc
        try:
            with svc.step():
                self._profile(worker_id)
                hit = svc.hits_by_id.get(hit_id)
                if hit is None or hit.status == DISPOSED:
                    raise PageError(404, f"HIT {hit_id} does not exist.")
                ht = hit.hit_type
                site = "sandbox" if hit.world.is_sandbox else "production"
                can_preview = refusal(svc, hit, worker_id, "preview")
                can_accept = refusal(svc, hit, worker_id, "accept")
                if can_preview is not None:
                    shown = fmt(
                        '<p class="flash error" data-testid="preview-refused">{}</p>',
                        can_preview.message,
                    )
                elif hit.parsed is not None and hit.parsed.kind in (
                    "HTMLQuestion",
                    "ExternalQuestion",
                ):
                    src = self._frame_url(
                        open_url(svc, worker_id, hit_id, None), hit.world.is_sandbox
                    )
                    shown = self._frame(hit, src, None)
                elif hit.parsed is not None and hit.question is not None:
                    shown = fmt(
                        '<div class="qform preview">{}</div>',
                        render_question_form(hit.question, hit.parsed, disabled=True),
                    )
                else:
                    shown = fmt('<p class="empty">{}</p>', "This HIT has no question to show.")
                accept = (
                    button_form(
                        "/worker/accept",
                        "Accept this HIT",
                        self.csrf(),
                        fields={"worker": worker_id, "hit": hit.id},
                        test_id="accept",
                    )
                    if can_accept is None
                    else fmt(
                        '<p class="reason" data-testid="accept-refused">{}</p>', can_accept.message
                    )
                )
                body = join(
                    [
                        section(
                            "About this HIT",
                            join(
                                [
                                    fmt('<p class="text">{}</p>', ht.description),
                                    fmt(
                                        '<p class="meta">HIT {} &middot; reward {} &middot; '
                                        "{} s to do it &middot; {} of {} available &middot; "
                                        "expires {} &middot; keywords {}</p>",
                                        hit.id,
                                        money(ht.reward_text),
                                        ht.assignment_duration,
                                        hit.available,
                                        hit.max_assignments,
                                        when(hit.expiration),
                                        ht.keywords or "-",
                                    ),
                                    self._requirements(hit, worker_id),
                                    accept,
                                ]
                            ),
                        ),
                        section("Preview", shown),
                    ]
                )
        except PageError as exc:
            return self._error_page(exc, worker_id or None)
        return document(
            ht.title,
            body,
            area="worker",
            nav=self._nav(worker_id, site),
            flash=self.take_flash(params.get("flash")),
            now=svc.exact_now(),
        )

    def accept(self, form: FormData) -> Response:
        worker_id, hit_id = form.text("worker"), form.text("hit")
        try:
            assignment_id = self.actions.accept(worker_id, hit_id)
        except PageError as exc:
            return self._error_page(exc, worker_id)
        return redirect(url("/worker/assignment", worker=worker_id, assignment=assignment_id))

    # ------------------------------------------------------------------ doing the work

    def _own(self, worker_id: str, assignment_id: str) -> Assignment:
        a = self.svc.assignments_by_id.get(assignment_id)
        if a is None or a.worker_id != worker_id:
            raise PageError(404, f"Worker {worker_id} has no assignment {assignment_id}.")
        return a

    def work(
        self,
        params: dict[str, str],
        *,
        values: FormData | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        worker_id, assignment_id = params.get("worker", ""), params.get("assignment", "")
        svc = self.svc
        try:
            with svc.step() as now:
                self._profile(worker_id)
                a = self._own(worker_id, assignment_id)
                hit = a.hit
                site = "sandbox" if hit.world.is_sandbox else "production"
                here = url("/worker/assignment", worker=worker_id, assignment=a.id)
                csrf = self.csrf()
                facts = fmt(
                    '<p class="meta">Assignment {} &middot; HIT {} &middot; status '
                    '<strong data-testid="assignment-status">{}</strong> &middot; accepted {}'
                    " &middot; {}</p>",
                    a.id,
                    hit.id,
                    a.status,
                    when(a.accept_time),
                    f"due {when(a.deadline)} ({max(a.deadline - now, 0):.0f} s left)"
                    if a.status == ACCEPTED
                    else f"submitted {when(a.submit_time)}"
                    if a.submit_time
                    else "",
                )
                parts: list[Markup] = [facts]
                if a.status == ACCEPTED:
                    parts.append(self._task(a, here, csrf, values, errors))
                    parts.append(
                        fmt(
                            '<p class="actions">{} {}</p>',
                            button_form(
                                "/worker/return",
                                "Return this HIT",
                                csrf,
                                fields={"worker": worker_id, "assignment": a.id},
                                css="inline secondary",
                                test_id="return",
                            ),
                            button_form(
                                "/worker/timeout",
                                "Let the time run out (move the fake clock to the deadline)",
                                csrf,
                                fields={"worker": worker_id, "assignment": a.id},
                                css="inline secondary",
                                test_id="timeout",
                            ),
                        )
                    )
                elif a.answer is not None:
                    parts.append(_answers_list(a.answer))
                if a.feedback:
                    parts.append(fmt("<p>Requester's feedback: {}</p>", a.feedback))
                body = section(hit.hit_type.title, join(parts))
        except PageError as exc:
            return self._error_page(exc, worker_id or None)
        return document(
            "Work on a HIT",
            body,
            area="worker",
            nav=self._nav(worker_id, site),
            flash=self.take_flash(params.get("flash")),
            status=status,
            now=svc.exact_now(),
        )

    def _task(
        self,
        a: Assignment,
        here: str,
        csrf: str,
        values: FormData | None,
        errors: dict[str, str] | None,
    ) -> Markup:
        hit = a.hit
        parsed = hit.parsed
        if parsed is not None and parsed.kind in ("HTMLQuestion", "ExternalQuestion"):
            raw = open_url(self.svc, a.worker_id, hit.id, a.id)
            notice = (
                fmt(
                    '<p class="reason">{}</p>',
                    "This HIT uses Crowd HTML Elements (crowd-form), whose script is loaded from "
                    "assets.crowd.aws: without the network its form may not render.",
                )
                if parsed.crowd_form
                else Markup("")
            )
            return join(
                [notice, self._frame(hit, self._frame_url(raw, hit.world.is_sandbox), here)]
            )
        if parsed is None or hit.question is None:
            return fmt('<p class="empty">{}</p>', "This HIT has no question to answer here.")
        return fmt(
            '<form method="post" action="/worker/submit" enctype="multipart/form-data" '
            'class="qform" data-testid="question-form" novalidate>{}{}{}'
            '<button type="submit" data-testid="submit">Submit</button></form>',
            hidden(**{CSRF_FIELD: csrf}, worker=a.worker_id, assignment=a.id),
            fmt('<p class="flash error">{}</p>', "Some answers need attention.") if errors else "",
            render_question_form(hit.question, parsed, values=values, errors=errors),
        )

    def submit(self, form: FormData) -> Response:
        worker_id, assignment_id = form.text("worker"), form.text("assignment")
        svc = self.svc
        try:
            with svc.step():
                self._profile(worker_id)
                a = self._own(worker_id, assignment_id)
                parsed, xml = a.hit.parsed, a.hit.question
                if parsed is None or parsed.kind != "QuestionForm" or xml is None:
                    raise PageError(
                        400,
                        f"HIT {a.hit.id} is not a QuestionForm: its own page "
                        "submits it (to externalSubmit).",
                    )
                answers, errors = read_answers(xml, parsed, form)
            if errors:
                return self.work(
                    {"worker": worker_id, "assignment": assignment_id},
                    values=form,
                    errors=errors,
                    status=400,
                )
            self.actions.submit(worker_id, assignment_id, answers)
        except PageError as exc:
            return self._error_page(exc, worker_id or None)
        note = self.flash("ok", f"Assignment {assignment_id} was submitted.")
        return redirect(
            url("/worker/assignment", worker=worker_id, assignment=assignment_id, flash=note)
        )

    def return_(self, form: FormData) -> Response:
        worker_id, assignment_id = form.text("worker"), form.text("assignment")
        try:
            self.actions.return_assignment(worker_id, assignment_id)
        except PageError as exc:
            return self._error_page(exc, worker_id or None)
        note = self.flash("ok", f"Assignment {assignment_id} was returned.")
        return redirect(url("/worker/", worker=worker_id, flash=note))

    def timeout(self, form: FormData) -> Response:
        worker_id, assignment_id = form.text("worker"), form.text("assignment")
        svc = self.svc
        try:
            with svc.step() as now:
                a = self._own(worker_id, assignment_id)
                if a.status != ACCEPTED:
                    raise PageError(
                        409, f"Assignment {assignment_id} is {a.status}, not in progress."
                    )
                deadline = a.deadline
            if deadline > now:
                self.actions.move_clock_to(deadline)
        except PageError as exc:
            return self._error_page(exc, worker_id or None)
        note = self.flash("ok", f"The fake clock moved to {when(deadline)}: the time ran out.")
        return redirect(
            url("/worker/assignment", worker=worker_id, assignment=assignment_id, flash=note)
        )

    # ------------------------------------------------------------------ qualifications

    def _type(self, type_id: str) -> tuple[Environment, QualificationType]:
        for env in self.svc.envs.values():
            qt = env.qualification_types.get(type_id)
            if qt is not None and qt.owner is not None and not qt.deleted:
                return env, qt
        raise PageError(404, f"QualificationType {type_id} does not exist.")

    def qualification(
        self,
        params: dict[str, str],
        *,
        values: FormData | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        worker_id, type_id = params.get("worker", ""), params.get("type", "")
        svc = self.svc
        try:
            with svc.step():
                profile = self._profile(worker_id)
                env, qt = self._type(type_id)
                held = held_value(svc, env, qt.id, worker_id)
                csrf = self.csrf()
                facts = fmt(
                    '<p class="text">{}</p><p class="meta">{} &middot; your value: {} &middot; '
                    "{} &middot; {}</p>",
                    qt.description,
                    qt.id,
                    _show_value(held),
                    qt.status,
                    "retakes after " + str(qt.retry_delay) + " s"
                    if qt.retry_delay is not None
                    else "no retakes",
                )
                if qt.test is not None:
                    parsed = parse_qualification_test(qt.test)
                    started = values.get("started") if values is not None else None
                    request = fmt(
                        '<form method="post" action="/worker/qualification" class="qform" '
                        'enctype="multipart/form-data" data-testid="test-form" novalidate>'
                        '{}<p class="meta">The test: {} s to answer it (fake time).</p>{}{}'
                        '<button type="submit" data-testid="submit-test">Submit the test</button>'
                        "</form>",
                        hidden(
                            **{CSRF_FIELD: csrf},
                            worker=worker_id,
                            type=qt.id,
                            started=started or repr(svc.exact_now()),
                        ),
                        qt.test_duration,
                        fmt('<p class="flash error">{}</p>', "Some answers need attention.")
                        if errors
                        else "",
                        render_question_form(qt.test, parsed, values=values, errors=errors),
                    )
                else:
                    request = button_form(
                        "/worker/qualification",
                        "Request this qualification",
                        csrf,
                        fields={"worker": worker_id, "type": qt.id},
                        test_id="request",
                    )
                body = section(qt.name, join([facts, request]))
                site = "sandbox" if env.is_sandbox else "production"
        except PageError as exc:
            return self._error_page(exc, worker_id or None)
        return document(
            f"Qualification: {qt.name}",
            body,
            area="worker",
            nav=self._nav(profile.worker_id, site),
            flash=self.take_flash(params.get("flash")),
            status=status,
            now=svc.exact_now(),
        )

    def request_qualification(self, form: FormData) -> Response:
        worker_id, type_id = form.text("worker"), form.text("type")
        svc = self.svc
        answers: dict[str, str | list[str]] | None = None
        started: float | None = None
        try:
            with svc.step():
                self._profile(worker_id)
                env, qt = self._type(type_id)
                if qt.test is not None:
                    parsed = parse_qualification_test(qt.test)
                    read, errors = read_answers(qt.test, parsed, form)
                    if errors:
                        return self.qualification(
                            {"worker": worker_id, "type": type_id},
                            values=form,
                            errors=errors,
                            status=400,
                        )
                    if any(isinstance(v, bytes) for v in read.values()):
                        raise PageError(400, "A qualification test cannot take uploaded files.")
                    answers = {k: v for k, v in read.items() if not isinstance(v, bytes)}
                    try:
                        started = float(form.text("started"))
                    except ValueError:
                        raise PageError(
                            400, "The test form lost the time it was started."
                        ) from None
            request_id = self.actions.request_qualification(worker_id, type_id, answers, started)
            with svc.step():
                held = held_value(svc, env, qt.id, worker_id)
        except PageError as exc:
            return self._error_page(exc, worker_id or None)
        if request_id is None:
            text = f"{qt.name}: granted, your value is {_show_value(held)}."
        else:
            text = f"{qt.name}: requested (request {request_id}); the requester decides."
        note = self.flash("ok", text)
        return redirect(url("/worker/", worker=worker_id, flash=note) + "#qualifications")


def _answers_list(answer_xml: str) -> Markup:
    """The answers of an assignment, as a definition list."""
    try:
        answers = parse_answers_xml(answer_xml)
    except ValueError:
        return fmt("<pre>{}</pre>", answer_xml)
    items = [
        fmt("<dt>{}</dt><dd>{}</dd>", k, v if isinstance(v, str) else ", ".join(v))
        for k, v in answers.items()
    ]
    return fmt('<dl class="answers" data-testid="answers">{}</dl>', join(items))
