"""The console's routes on the bot's HTTP server, and the rules every request goes through.

Signing in: ``/console`` in the chat gives ``/console/signin/<token>``. Opening it shows a
page with one button; pressing it (a POST from our own page) redeems the token once and sets
the session cookie. Redeeming on the GET would let a chat app's link preview use the link up,
and a cookie set during a navigation that started in another site is not sent back under
``SameSite=Strict``; the button avoids both.

Every request: the session cookie (``HttpOnly; Secure; SameSite=Strict; Path=/console``)
names a live session (:mod:`bot.storage.console_sessions`); the person's role and scope are
worked out again from the coordination file, the grants and the live catalogue; every POST
carries the session's CSRF token. Whatever fails, the person gets a page that says so in
their language, never a traceback. Pages are in Finnish, Swedish or English (``?lang=``,
remembered in a cookie, else the browser's preference).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from typing import Any, Protocol

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bot.console.pages import (
    CONSOLE_LANGUAGES,
    asked_languages,
    form_state,
    language_rows,
    listing,
)
from bot.http_server import HttpServer
from bot.storage.console_sessions import ConsoleSession, Opened
from catalog.model import Activity, ActivityId, Catalogue, OrganisationId
from catalog.vocabulary import AUDIENCES, CLASSES, FINNISH_LEVELS, KINDS, SUPPORTED_LANGUAGES
from handlers.coordination.console.forms import WEEKDAYS
from handlers.coordination.console_access import ConsoleScope, console_scope
from handlers.coordination.permissions import Desk
from handlers.coordination.report_flow import TrayReports
from handlers.coordination.report_html import (
    audience_label,
    class_label,
    gaps_section,
    report_title,
    tray_section,
)
from handlers.core.formatting import localised
from handlers.core.i18n import Speaker, Translator
from handlers.core.ports import Clock, StaffStore
from handlers.volunteers.typed_input import kind_label

log = logging.getLogger(__name__)

COOKIE = "tarjotin_console"
LANGUAGE_COOKIE = "tarjotin_console_lang"
PREFIX = "/console"

#: The period of the tray and gaps on the home page.
REPORT_DAYS = 90

#: How long a built home page report is kept for the same catalogue version.
HOME_KEPT = timedelta(minutes=5)

#: Activities without coming sessions linked from the home page (the gaps list names all).
STALE_SHOWN = 20

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


class Sessions(Protocol):
    """Sign-in links and sessions (:class:`bot.storage.console_sessions.SqlConsoleSessions`)."""

    async def redeem(self, token: str, now: datetime) -> Opened | None:
        """Use a link once and open a session."""

    async def session(self, cookie: str, now: datetime) -> ConsoleSession | None:
        """The live session of a cookie."""

    async def end(self, cookie: str) -> None:
        """Sign out."""


@dataclass(frozen=True, slots=True)
class Saved:
    """What a save did: ``problems`` by field (nothing saved), or the new state."""

    problems: Mapping[str, Sequence[str]] = field(default_factory=dict)
    published: bool = False
    activity_id: str = ""
    """The activity saved (a new one's id is made from its title)."""


@dataclass(frozen=True, slots=True)
class Pending:
    """A draft waiting for a coordinator: who proposed what, and the changed fields."""

    draft_id: int
    activity_id: str
    title: str
    author: str
    at: datetime
    changes: tuple[tuple[str, str, str], ...]
    """(field, before, after) for every changed field."""
    withdraw: bool = False


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One line of an activity's audit trail."""

    at: datetime
    actor: str
    action: str
    changes: tuple[tuple[str, str, str], ...] = ()


class Editor(Protocol):
    """Drafts, publishing and the audit trail (the console's domain, behind one port).

    Each call checks the person's rights again; a refusal is :class:`Refused`.
    """

    async def save(
        self, scope: ConsoleScope, activity: Activity, form: Mapping[str, Sequence[str]],
        speaker: Speaker,
    ) -> Saved:
        """Check and store a draft, published at once when the person may."""

    async def create(
        self, scope: ConsoleScope, organisation: str, form: Mapping[str, Sequence[str]],
        speaker: Speaker,
    ) -> Saved:
        """Check and store a new activity of the organisation, as :meth:`save` does."""

    async def withdraw(self, scope: ConsoleScope, activity: Activity) -> Saved:
        """Take the activity off offer: a draft, published at once when the person may."""

    async def trusted(self) -> frozenset[str]:
        """The organisations trusted to publish their own changes."""

    async def set_trusted(self, scope: ConsoleScope, organisation: str, trusted: bool) -> None:
        """A coordinator trusts an organisation of their network (or stops)."""

    async def pending(self, scope: ConsoleScope, speaker: Speaker) -> list[Pending]:
        """Drafts the coordinator may publish, oldest first."""

    async def publish(self, scope: ConsoleScope, draft_id: int) -> list[str]:
        """Publish a waiting draft; the reasons it could not be (empty: published)."""

    async def send_back(self, scope: ConsoleScope, draft_id: int, comment: str) -> bool:
        """Return a waiting draft to its author with a comment; whether it was waiting."""

    async def history(self, scope: ConsoleScope, activity_id: str) -> list[AuditLine]:
        """The activity's audit trail, newest first."""

    async def draft_of(self, scope: ConsoleScope, activity_id: str) -> Activity | None:
        """The activity as an open draft of it has it, if one waits."""

    async def preview(self, activity: Activity, speaker: Speaker) -> tuple[str, list[str]]:
        """The schedule in words and the next sessions, for the form."""


async def posted_fields(request: web.Request) -> dict[str, list[str]]:
    """A posted form's fields, each with all its values, without the CSRF token."""
    posted = await request.post()
    form = {key: [str(v) for v in posted.getall(key)] for key in set(posted.keys())}
    form.pop("csrf", None)
    return form


def blank_activity(organisation: str) -> Activity:
    """What a new activity's form starts from: nothing but its organisation."""
    return Activity(ActivityId(""), OrganisationId(organisation), "", (), ())


class Refused(Exception):  # noqa: N818 - a refusal, not a fault
    """The person may not do this; the page answers "not found"."""


@dataclass(frozen=True, slots=True)
class Visit:
    """One request's person, language and scope, checked afresh."""

    session: ConsoleSession
    scope: ConsoleScope
    speaker: Speaker
    cookie: str


Page = Callable[[web.Request, Visit], Awaitable[web.StreamResponse]]


def environment() -> Environment:
    """The templates, autoescaped; strings are translated through ``_`` in each page's context."""
    return Environment(
        loader=PackageLoader("bot.console", "templates"),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def stylesheet() -> bytes:
    """The one stylesheet, shipped in the package."""
    return resources.files("bot.console").joinpath("static/console.css").read_bytes()


def pick_language(request: web.Request, default: str) -> str:
    """``?lang=``, else the remembered choice, else the browser's preference, else ``default``."""
    for wanted in (request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if wanted in CONSOLE_LANGUAGES:
            return str(wanted)
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in CONSOLE_LANGUAGES:
            return code
    return default if default in CONSOLE_LANGUAGES else "en"


@dataclass
class Console:
    """The console's routes over the live catalogue, the roles and the sessions."""

    catalogue: Callable[[], Catalogue]
    sessions: Sessions
    staff: StaffStore
    desks: Mapping[str, Desk]
    reports: TrayReports
    translator: Translator
    clock: Clock
    editor: Editor | None = None
    default_language: str = "fi"
    templates: Environment = field(default_factory=environment)
    _css: bytes = field(default_factory=stylesheet)
    _home: dict[tuple[str | None, str | None, str], tuple[Catalogue, datetime, dict[str, Any]]] = (
        field(default_factory=dict)
    )

    def mount(self, server: HttpServer) -> None:
        """Add the routes (before the server starts)."""
        add = server.add_route
        add("GET", PREFIX, self._to_home)
        add("GET", PREFIX + "/", self._guarded(self.home))
        add("GET", PREFIX + "/console.css", self.css)
        add("GET", PREFIX + "/signin/{token}", self.signin_page)
        add("POST", PREFIX + "/signin/{token}", self.signin)
        add("POST", PREFIX + "/signout", self._guarded(self.signout))
        add("GET", PREFIX + "/activities", self._guarded(self.activities))
        add("GET", PREFIX + "/activities/new", self._guarded(self.new_activity))
        add("POST", PREFIX + "/activities/new", self._guarded(self.create))
        add("GET", PREFIX + "/activities/{id}", self._guarded(self.activity))
        add("POST", PREFIX + "/activities/{id}", self._guarded(self.save))
        add("POST", PREFIX + "/activities/{id}/withdraw", self._guarded(self.withdraw))
        add("GET", PREFIX + "/activities/{id}/history", self._guarded(self.history))
        add("GET", PREFIX + "/trusted", self._guarded(self.trusted))
        add("POST", PREFIX + "/trusted/{organisation}", self._guarded(self.set_trusted))
        add("GET", PREFIX + "/review", self._guarded(self.review))
        add("POST", PREFIX + "/review/{draft}", self._guarded(self.decide))

    # --- rendering ------------------------------------------------------------------------

    def render(
        self, template: str, speaker: Speaker, status: int = 200, **context: Any
    ) -> web.Response:
        """A page in the reader's language, with the security headers."""
        body = self.templates.get_template(template).render(
            _=speaker.gettext, lang=speaker.language, languages=CONSOLE_LANGUAGES,
            **context,
        )
        response = web.Response(
            text=body, status=status, content_type="text/html", charset="utf-8"
        )
        response.headers.update(SECURITY_HEADERS)
        return response

    def problem(self, speaker: Speaker, status: int, title: str, message: str) -> web.Response:
        """A clear page saying what went wrong and what to do."""
        return self.render(
            "problem.html", speaker, status, title=title, message=message, visit=None
        )

    def speaker_for(self, request: web.Request) -> Speaker:
        """The request's language."""
        return self.translator.speaker(pick_language(request, self.default_language))

    # --- the rules every page goes through -------------------------------------------------

    async def visit(self, request: web.Request) -> Visit | web.Response:
        """The signed-in person and their scope, or the page that says why not."""
        speaker = self.speaker_for(request)
        _ = speaker.gettext
        cookie = request.cookies.get(COOKIE, "")
        session = await self.sessions.session(cookie, self.clock()) if cookie else None
        if session is None:
            return self.problem(
                speaker, 401, _("Please sign in"),
                _("Send /console to the bot in a private chat: it replies with a sign-in "
                  "link that works once, within 15 minutes. Sessions end after 8 hours."),
            )
        grants = await self.staff.grants_of(session.user)
        scope = console_scope(self.desks.values(), grants, session.user, self.catalogue())
        if scope is None:
            return self.problem(
                speaker, 403, _("No access"),
                _("Only coordinators and organisers can use the console."),
            )
        return Visit(session, scope, speaker, cookie)

    def _guarded(self, page: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            try:
                visit = await self.visit(request)
                if isinstance(visit, web.Response):
                    return visit
                if request.method == "POST":
                    form = await request.post()
                    sent = str(form.get("csrf", ""))
                    if not hmac.compare_digest(sent.encode(), visit.session.csrf.encode()):
                        _ = visit.speaker.gettext
                        return self.problem(
                            visit.speaker, 403, _("The form has expired"),
                            _("This form does not belong to your current session, so nothing "
                              "was changed. Go back, reload the page and try again."),
                        )
                response = await page(request, visit)
                if "lang" in request.query:
                    response.set_cookie(
                        LANGUAGE_COOKIE, visit.speaker.language, path=PREFIX, secure=True,
                        httponly=True, samesite="Strict", max_age=365 * 24 * 3600,
                    )
                return response
            except web.HTTPException:
                raise
            except Exception as error:  # a page that fails says so, without a traceback
                log.exception("console page failed: %s", type(error).__name__)
                speaker = self.speaker_for(request)
                _ = speaker.gettext
                return self.problem(
                    speaker, 500, _("Something went wrong"),
                    _("The page could not be shown and nothing was changed. Try again in a "
                      "moment; if it keeps happening, tell the person who runs the bot."),
                )

        return handle

    def page(self, template: str, visit: Visit, status: int = 200, **context: Any) -> web.Response:
        """A signed-in page: the navigation needs the visit."""
        return self.render(template, visit.speaker, status, visit=visit, **context)

    # --- signing in and out ----------------------------------------------------------------

    async def _to_home(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(PREFIX + "/")

    async def css(self, request: web.Request) -> web.StreamResponse:
        """The stylesheet."""
        return web.Response(
            body=self._css, content_type="text/css", charset="utf-8",
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    async def signin_page(self, request: web.Request) -> web.StreamResponse:
        """The page behind the link: one button that signs in (nothing is used up yet)."""
        speaker = self.speaker_for(request)
        return self.render("signin.html", speaker, token=request.match_info["token"], visit=None)

    async def signin(self, request: web.Request) -> web.StreamResponse:
        """Redeem the link once and open a session; a used or expired link gets a clear page."""
        speaker = self.speaker_for(request)
        _ = speaker.gettext
        try:
            opened = await self.sessions.redeem(request.match_info["token"], self.clock())
        except Exception as error:
            log.exception("console sign-in failed: %s", type(error).__name__)
            opened = None
        if opened is None:
            return self.problem(
                speaker, 410, _("This sign-in link does not work any more"),
                _("A sign-in link works once, within 15 minutes. Send /console to the bot "
                  "for a new one."),
            )
        response = web.HTTPSeeOther(PREFIX + "/")
        seconds = int((opened.session.expires_at - self.clock()).total_seconds())
        response.set_cookie(
            COOKIE, opened.cookie, path=PREFIX, secure=True, httponly=True, samesite="Strict",
            max_age=max(seconds, 0),
        )
        response.headers.update(SECURITY_HEADERS)
        raise response

    async def signout(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """End the session; the cookie opens nothing any more."""
        await self.sessions.end(visit.cookie)
        _ = visit.speaker.gettext
        response = self.render(
            "problem.html", visit.speaker, 200, visit=None, title=_("Signed out"),
            message=_("You have signed out. Send /console to the bot to sign in again."),
        )
        response.del_cookie(COOKIE, path=PREFIX)
        return response

    # --- pages -------------------------------------------------------------------------------

    def home_scope(self, visit: Visit, catalogue: Catalogue) -> tuple[str | None, str | None]:
        """The network of the home page, and the organisation for a one-organisation organiser."""
        organisation = None
        if not visit.scope.coordinator and len(visit.scope.organisations) == 1:
            organisation = next(iter(visit.scope.organisations))
        return visit.scope.home_network(catalogue), organisation

    async def home(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """The network's tray and its gaps, with links into the activities.

        The report is built once per network, language and catalogue version and kept for
        :data:`HOME_KEPT` (its demand counts are daily): at 10,000 activities building it
        takes longer than a page may.
        """
        catalogue = self.catalogue()
        network, organisation = self.home_scope(visit, catalogue)
        speaker = visit.speaker
        key = (network, organisation, speaker.language)
        now = self.clock()
        kept = self._home.get(key)
        if kept is None or kept[0] is not catalogue or now - kept[1] > HOME_KEPT:
            end = now.date()
            report = await self.reports.report(
                network, end - timedelta(days=REPORT_DAYS), end, organisation
            )
            built: dict[str, Any] = {
                "title": report_title(report, catalogue, speaker),
                "period": f"{report.start.isoformat()} – {report.end.isoformat()}",
                "tray": Markup(tray_section(report, catalogue, speaker)),  # escaped there
                "gaps": Markup(gaps_section(report, catalogue, speaker)),  # escaped there
                "stale": tuple(report.no_sessions),
            }
            kept = (catalogue, now, built)
            self._home[key] = kept
        parts = dict(kept[2])
        stale = [
            (a, localised(found.title, speaker, say_language=False))
            for a in parts.pop("stale")
            if (found := catalogue.activity(a)) is not None and visit.scope.may_edit(found)
        ]
        return self.page("home.html", visit, stale=stale[:STALE_SHOWN], **parts)

    async def activities(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """The activities the person keeps, searchable, fifty a page."""
        catalogue = self.catalogue()
        network = visit.scope.home_network(catalogue)
        page_number = request.query.get("page", "1")
        number = int(page_number) if page_number.isascii() and page_number.isdigit() else 1
        asked = await self.asked(catalogue, network)
        shown = listing(catalogue, visit.scope, visit.speaker, asked, request.query.get("q", ""),
                        number)
        creatable = [
            (o.id, localised(o.name, visit.speaker, say_language=False))
            for o in catalogue.organisations
            if visit.scope.may_edit(blank_activity(o.id))
        ]
        return self.page(
            "activities.html", visit, listing=shown, asked=asked, creatable=creatable
        )

    def new_of(self, request: web.Request, visit: Visit) -> Activity | web.Response:
        """A blank activity of the organisation in the URL, if the person keeps it."""
        organisation = request.query.get("organisation", "")
        if self.catalogue().organisation(organisation) is None or not visit.scope.may_edit(
            blank_activity(organisation)
        ):
            return self.owned_refusal(visit)
        return blank_activity(organisation)

    async def new_activity(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """An empty form for a new activity of one of the person's organisations."""
        blank = self.new_of(request, visit)
        if isinstance(blank, web.Response):
            return blank
        return await self.form_page(visit, blank, {}, {}, False, creating=True)

    async def create(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """Check a new activity as an import would; a draft, or published when the person may."""
        blank = self.new_of(request, visit)
        if isinstance(blank, web.Response):
            return blank
        _ = visit.speaker.gettext
        if self.editor is None:
            return self.unavailable(visit)
        form = await posted_fields(request)
        try:
            saved = await self.editor.create(visit.scope, blank.organisation, form, visit.speaker)
        except Refused:
            return self.owned_refusal(visit)
        if saved.problems:
            return await self.not_saved(visit, blank, saved.problems, form, creating=True)
        if saved.published:
            raise web.HTTPSeeOther(f"{PREFIX}/activities/{saved.activity_id}?saved=published")
        return self.problem(
            visit.speaker, 200, _("New activity"),
            _("Saved as a draft: a coordinator publishes it."),
        )

    async def asked(self, catalogue: Catalogue, network: str | None) -> tuple[str, ...]:
        """The languages newcomers of the network ask in, most asked first."""
        end = self.clock().date()
        counts = await self.reports.demand.counts(
            end - timedelta(days=REPORT_DAYS), end, [network] if network else None
        )
        return asked_languages(catalogue, network, [(c.fact.language, c.count) for c in counts])

    def owned(self, request: web.Request, visit: Visit) -> Activity | web.Response:
        """The activity of the URL if it is the person's; otherwise the same refusal for all."""
        activity = self.catalogue().activity(request.match_info["id"])
        if activity is None or not visit.scope.may_edit(activity):
            return self.owned_refusal(visit)
        return activity

    def unavailable(self, visit: Visit) -> web.Response:
        """The answer to a save when the console runs without its editing side."""
        _ = visit.speaker.gettext
        return self.problem(visit.speaker, 503, _("Saving is not available"),
                            _("Nothing was changed."))

    def coordinators_only(self, visit: Visit, status: int = 403) -> web.Response:
        """The refusal of a coordinator's page or action to anybody else."""
        _ = visit.speaker.gettext
        title = _("No access") if status == 403 else _("Not found")
        return self.problem(visit.speaker, status, title, _("Only coordinators review drafts."))

    def owned_refusal(self, visit: Visit) -> web.Response:
        """The one answer for "not yours" and "not there"."""
        _ = visit.speaker.gettext
        return self.problem(
            visit.speaker, 404, _("Not found"),
            _("There is no activity here that you keep. Your activities are listed "
              "under “Activities”."),
        )

    async def activity(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """The activity's form: every language side by side, the rest of its fields below."""
        activity = self.owned(request, visit)
        if isinstance(activity, web.Response):
            return activity
        draft = await self.editor.draft_of(visit.scope, activity.id) if self.editor else None
        return await self.form_page(
            visit, draft or activity, {}, {}, draft is not None,
            saved=request.query.get("saved", ""),
        )

    async def not_saved(
        self,
        visit: Visit,
        activity: Activity,
        problems: Mapping[str, Sequence[str]],
        sent: Mapping[str, Sequence[str]],
        *,
        creating: bool = False,
    ) -> web.Response:
        """The form again with every problem beside its field: creating and saving alike."""
        _ = visit.speaker.gettext
        notice = _("Nothing was saved: please correct the fields marked below.")
        return await self.form_page(
            visit, activity, problems, sent, False, 422, notice, creating=creating
        )

    async def form_page(
        self,
        visit: Visit,
        activity: Activity,
        problems: Mapping[str, Sequence[str]],
        sent: Mapping[str, Sequence[str]],
        drafted: bool,
        status: int = 200,
        notice: str = "",
        saved: str = "",
        *,
        creating: bool = False,
    ) -> web.Response:
        """The form as stored (or as sent back with its problems); empty for a new activity."""
        catalogue = self.catalogue()
        speaker = visit.speaker
        asked = await self.asked(catalogue, visit.scope.home_network(catalogue))
        rows = language_rows(activity, asked, speaker)
        preview, sessions = (
            await self.editor.preview(activity, speaker) if self.editor else ("", [])
        )
        return self.page(
            "activity.html", visit, status,
            activity=activity,
            title=speaker.gettext("New activity") if creating
            else localised(activity.title, speaker, say_language=False),
            rows=rows,
            form=form_state(activity, sent, problems),
            preview=preview,
            sessions=sessions,
            saved=saved,
            drafted=drafted,
            notice=notice,
            editable=self.editor is not None,
            choices=choices(catalogue, activity, speaker),
            may_publish=visit.scope.may_publish(activity)
            or (self.editor is not None and activity.organisation in await self.editor.trusted()),
            creating=creating,
        )

    async def save(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """Validate; on a problem show every one beside its field and save nothing."""
        activity = self.owned(request, visit)
        if isinstance(activity, web.Response):
            return activity
        if self.editor is None:
            return self.unavailable(visit)
        form = await posted_fields(request)
        saved = await self.editor.save(visit.scope, activity, form, visit.speaker)
        if saved.problems:
            return await self.not_saved(visit, activity, saved.problems, form)
        raise web.HTTPSeeOther(
            f"{PREFIX}/activities/{activity.id}?saved={'published' if saved.published else 'draft'}"
        )

    async def withdraw(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """Withdraw after the person ticked the confirmation; an organiser's waits for review."""
        activity = self.owned(request, visit)
        if isinstance(activity, web.Response):
            return activity
        _ = visit.speaker.gettext
        if self.editor is None:
            return self.unavailable(visit)
        posted = await request.post()
        if posted.get("confirm") != "yes":
            return self.problem(
                visit.speaker, 400, _("Not withdrawn"),
                _("Nothing was changed: tick the box to confirm the withdrawal."),
            )
        try:
            saved = await self.editor.withdraw(visit.scope, activity)
        except Refused:
            return self.owned_refusal(visit)
        if saved.published:
            raise web.HTTPSeeOther(f"{PREFIX}/activities")
        raise web.HTTPSeeOther(f"{PREFIX}/activities/{activity.id}?saved=withdrawal")

    async def history(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """Who changed what, when."""
        activity = self.owned(request, visit)
        if isinstance(activity, web.Response):
            return activity
        lines = await self.editor.history(visit.scope, activity.id) if self.editor else []
        title = localised(activity.title, visit.speaker, say_language=False)
        return self.page("history.html", visit, activity=activity, title=title, lines=lines)

    def network_organisations(self, visit: Visit) -> list[tuple[str, str]]:
        """The organisations of the coordinator's networks: (id, name)."""
        return [
            (o.id, localised(o.name, visit.speaker, say_language=False))
            for o in self.catalogue().organisations
            if set(o.networks) & visit.scope.networks
        ]

    async def trusted(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """Which organisations of the coordinator's networks publish without review."""
        if not visit.scope.coordinator or self.editor is None:
            return self.coordinators_only(visit)
        marked = await self.editor.trusted()
        rows = [(code, name, code in marked) for code, name in self.network_organisations(visit)]
        return self.page("trusted.html", visit, rows=rows)

    async def set_trusted(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """Trust an organisation, or stop trusting it."""
        organisation = request.match_info["organisation"]
        mine = {code for code, _name in self.network_organisations(visit)}
        if not visit.scope.coordinator or self.editor is None or organisation not in mine:
            return self.coordinators_only(visit)
        posted = await request.post()
        try:
            await self.editor.set_trusted(visit.scope, organisation, posted.get("trusted") == "yes")
        except Refused:
            return self.coordinators_only(visit)
        raise web.HTTPSeeOther(f"{PREFIX}/trusted")

    async def review(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """Drafts waiting for this coordinator, each with its changes."""
        if not visit.scope.coordinator:
            return self.coordinators_only(visit)
        drafts = await self.editor.pending(visit.scope, visit.speaker) if self.editor else []
        return self.page("review.html", visit, drafts=drafts)

    async def decide(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """Publish a draft, or send it back with a comment."""
        _ = visit.speaker.gettext
        number = request.match_info["draft"]
        if not visit.scope.coordinator or self.editor is None or not number.isdigit():
            return self.coordinators_only(visit)
        form = await request.post()
        try:
            if form.get("decision") == "publish":
                reasons = await self.editor.publish(visit.scope, int(number))
                if reasons:
                    return self.problem(
                        visit.speaker, 409, _("The draft was not published"),
                        _("Nothing was changed: %(reasons)s") % {"reasons": "; ".join(reasons)},
                    )
            else:
                comment = str(form.get("comment", ""))[:2000]
                await self.editor.send_back(visit.scope, int(number), comment)
        except Refused:
            return self.coordinators_only(visit, 404)
        raise web.HTTPSeeOther(PREFIX + "/review")


def choices(catalogue: Catalogue, activity: Activity, speaker: Speaker) -> dict[str, Any]:
    """The options of the form's lists, labelled in the reader's language."""
    _ = speaker.gettext
    places = [(p.id, localised(p.name, speaker, say_language=False)) for p in catalogue.places]
    days = speaker.locale.days["format"]["wide"]
    return {
        "kinds": [(k, kind_label(k, speaker)) for k in KINDS],
        "classes": [(c, class_label(c, speaker)) for c in CLASSES],
        "audiences": [(a, audience_label(a, speaker)) for a in AUDIENCES],
        "finnish_levels": list(FINNISH_LEVELS),
        "spoken": [(code, speaker.language_name(code)) for code in SUPPORTED_LANGUAGES],
        "places": places,
        "weekdays": [(code, days[number]) for number, code in enumerate(WEEKDAYS)],
        "stages": [
            ("arrival", _("Just arrived")),
            ("settling", _("Settling in")),
            ("established", _("Settled")),
        ],
        "holidays": [
            ("skip", _("No sessions on public holidays")),
            ("run", _("Sessions also on public holidays")),
        ],
    }
