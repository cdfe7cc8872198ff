"""The keepers' console over HTTP: sign-in, sessions, CSRF, scope, language, clear refusals."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.console.editing import ServiceEditor
from bot.console.forms import fields_of
from bot.console.web import COOKIE, Console
from bot.http_server import HttpServer
from bot.metrics import Metrics
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from handlers.coordination.console.forms import form_of
from handlers.coordination.console.service import Console as Service
from handlers.coordination.permissions import Desk, Grant, Role
from handlers.coordination.report_flow import TrayReports
from handlers.core.events import UserId
from handlers.core.i18n import Translator
from tests.fakes import (
    FixedClock,
    InMemoryCatalogueEditor,
    InMemoryConsole,
    InMemoryConsoleSessions,
    InMemoryDemand,
    InMemoryStaff,
    NoDelivery,
)

ZONE = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=ZONE)
COORDINATOR = UserId("test:coordinator")
ORGANISER = UserId("test:organiser")
VOLUNTEER = UserId("test:volunteer")
OWN = "louhela-aiti-lapsi"  # Setlementti Louhela's
OTHERS = "opisto-suomi-a1"  # the adult education centre's, same network
ARABIC = "نادي الأمهات والأطفال"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Served:
    base: str
    sessions: InMemoryConsoleSessions
    clock: FixedClock
    store: InMemoryConsole
    catalogue: InMemoryCatalogueEditor

    async def link(self, user: UserId) -> str:
        return await self.sessions.issue(user, self.clock(), timedelta(minutes=15))

    def browser(self) -> aiohttp.ClientSession:
        jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=self.base)
        return aiohttp.ClientSession(self.base, cookie_jar=jar)

    async def signed_in(self, user: UserId) -> aiohttp.ClientSession:
        browser = self.browser()
        token = await self.link(user)
        async with browser.post(f"/console/signin/{token}", allow_redirects=False) as response:
            assert response.status == 303
        return browser


@pytest.fixture
async def served(demo: Catalogue) -> AsyncIterator[Served]:
    clock = FixedClock(NOW)
    staff = InMemoryStaff()
    for user, role in ((ORGANISER, Role.ORGANISER), (VOLUNTEER, Role.VOLUNTEER)):
        staff.grants.append(Grant(user, role, "setlementti-louhela", COORDINATOR, NOW))
    sessions = InMemoryConsoleSessions()
    catalogue = InMemoryCatalogueEditor(demo)
    store = InMemoryConsole(catalogue)
    desks = {"nurmijarvi": Desk("nurmijarvi", coordinators=(COORDINATOR,))}
    service = Service(store, staff, lambda: catalogue.catalogue, desks, clock)
    console = Console(
        lambda: catalogue.catalogue,
        sessions,
        staff,
        desks,
        TrayReports(InMemoryDemand(), NoDelivery(),
                    lambda: (catalogue.catalogue, OccurrenceIndex(catalogue.catalogue, ())),
                    clock),
        Translator(),
        clock,
        editor=ServiceEditor(service),
        default_language="en",
    )
    server = HttpServer("127.0.0.1", 0, metrics=Metrics(clock))
    console.mount(server)
    await server.start()
    yield Served(f"http://127.0.0.1:{server.bound_port}", sessions, clock, store, catalogue)
    await server.stop()


async def test_the_link_opens_a_page_and_only_its_button_signs_in(served: Served) -> None:
    token = await served.link(COORDINATOR)
    async with served.browser() as browser:
        async with browser.get(f"/console/signin/{token}") as response:
            assert response.status == 200
            assert f'action="/console/signin/{token}"' in await response.text()
            assert COOKIE not in response.cookies  # a link preview uses nothing up
        async with browser.post(f"/console/signin/{token}", allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/console/"
            cookie = response.headers["Set-Cookie"]
        for flag in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/console", "Max-Age=28800"):
            assert flag in cookie
        async with browser.get("/console/") as response:
            page = await response.text()
            assert response.status == 200
            assert 'id="tray-grid"' in page
            assert 'id="gaps"' in page
            assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
            assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_a_replayed_or_expired_link_gets_a_clear_page(served: Served) -> None:
    token = await served.link(ORGANISER)
    async with (
        served.browser() as browser,
        browser.post(f"/console/signin/{token}", allow_redirects=False) as response,
    ):
        assert response.status == 303
    async with served.browser() as other:
        async with other.post(f"/console/signin/{token}", allow_redirects=False) as response:
            assert response.status == 410
            page = await response.text()
            assert "does not work any more" in page
            assert "Traceback" not in page
        late = await served.link(ORGANISER)
        served.clock.advance(minutes=15)
        async with other.post(f"/console/signin/{late}", allow_redirects=False) as response:
            assert response.status == 410
        async with other.get("/console/") as response:
            assert response.status == 401
            assert "/console" in await response.text()


async def test_a_session_ends_after_eight_hours_and_at_sign_out(served: Served) -> None:
    async with await served.signed_in(COORDINATOR) as browser:
        served.clock.advance(hours=7, minutes=59)
        async with browser.get("/console/activities") as response:
            csrf = CSRF.findall(await response.text())[0]
            assert response.status == 200
        async with browser.post("/console/signout", data={"csrf": csrf}) as response:
            assert response.status == 200
        async with browser.get("/console/activities") as response:
            assert response.status == 401
    async with await served.signed_in(COORDINATOR) as browser:
        served.clock.advance(hours=8)
        async with browser.get("/console/activities") as response:
            assert response.status == 401


@pytest.mark.parametrize("csrf", [None, "forged", "replayed"])
async def test_a_post_without_this_sessions_csrf_token_changes_nothing(
    served: Served, csrf: str | None
) -> None:
    old = ""
    if csrf == "replayed":  # a token from a session that has ended
        async with (
            await served.signed_in(ORGANISER) as before,
            before.get(f"/console/activities/{OWN}") as response,
        ):
            old = CSRF.findall(await response.text())[0]
    sent = {"title.ar": ["عنوان"]}
    form = [(k, v) for k, values in sent.items() for v in values]
    if csrf is not None:
        form.append(("csrf", old or csrf))
    async with (
        await served.signed_in(ORGANISER) as browser,
        browser.post(f"/console/activities/{OWN}", data=form) as response,
    ):
        assert response.status == 403
        assert "nothing was changed" in await response.text()
    assert served.store.rows == {}


async def test_an_organiser_cannot_open_another_organisations_activity(served: Served) -> None:
    async with await served.signed_in(ORGANISER) as browser:
        async with browser.get(f"/console/activities/{OWN}") as response:
            assert response.status == 200
            csrf = CSRF.findall(await response.text())[0]
        async with browser.get(f"/console/activities/{OTHERS}") as response:
            assert response.status == 404
        async with browser.get("/console/activities/no-such-thing") as response:
            assert response.status == 404
        async with browser.post(
            f"/console/activities/{OTHERS}", data={"csrf": csrf, "title.ar": "x"}
        ) as response:
            assert response.status == 404
        async with browser.get("/console/activities") as response:
            listed = await response.text()
        assert OWN in listed
        assert OTHERS not in listed
        async with browser.get("/console/review") as response:
            assert response.status == 403
    assert served.store.rows == {}
    async with (
        await served.signed_in(COORDINATOR) as browser,
        browser.get(f"/console/activities/{OTHERS}") as response,
    ):
        assert response.status == 200


async def test_volunteers_are_refused_even_with_a_link(served: Served) -> None:
    async with await served.signed_in(VOLUNTEER) as browser, browser.get("/console/") as response:
        assert response.status == 403


def full_form(
    catalogue: Catalogue, activity_id: str, csrf: str, **changed: str
) -> list[tuple[str, str]]:
    """What the browser posts for the activity as it is, with some fields changed."""
    activity = catalogue.activity(activity_id)
    assert activity is not None
    fields = fields_of(form_of(activity)) | {k.replace("__", "."): [v] for k, v in changed.items()}
    return [("csrf", csrf), *((name, v) for name, values in fields.items() for v in values)]


async def test_a_problem_is_shown_beside_its_field_and_nothing_is_saved(served: Served) -> None:
    async with await served.signed_in(ORGANISER) as browser:
        async with browser.get(f"/console/activities/{OWN}") as response:
            page = await response.text()
        csrf = CSRF.findall(page)[0]
        form = full_form(served.catalogue.catalogue, OWN, csrf, title__ar=ARABIC, age_min="seven")
        async with browser.post(f"/console/activities/{OWN}", data=form) as response:
            assert response.status == 422
            page = await response.text()
        assert served.store.rows == {}
        field_at = page.index('id="age_min"')
        error_at = page.index('id="error-age_min"')
        assert 0 < error_at - field_at < 300  # right after its field
        assert 'aria-invalid="true" aria-describedby="error-age_min"' in page
        assert f'value="{ARABIC}"' in page  # what was typed is kept
        form = full_form(served.catalogue.catalogue, OWN, csrf, title__ar=ARABIC)
        async with browser.post(
            f"/console/activities/{OWN}", data=form, allow_redirects=False
        ) as response:
            assert response.status == 303
    [draft] = served.store.rows.values()
    assert dict(draft.activity.title)["ar"] == ARABIC
    live = served.catalogue.catalogue.activity(OWN)
    assert live is not None
    assert dict(live.title)["ar"] != ARABIC  # an organiser's change waits for review


async def test_the_coordinator_reviews_and_publishes_a_draft(served: Served) -> None:
    async with await served.signed_in(ORGANISER) as browser:
        async with browser.get(f"/console/activities/{OWN}") as response:
            csrf = CSRF.findall(await response.text())[0]
        form = full_form(served.catalogue.catalogue, OWN, csrf, title__ar=ARABIC)
        async with browser.post(f"/console/activities/{OWN}", data=form) as response:
            assert response.status == 200
            assert "a coordinator publishes it" in await response.text()
    [number] = served.store.rows
    async with await served.signed_in(COORDINATOR) as browser:
        async with browser.get("/console/review") as response:
            page = await response.text()
        assert "title.ar" in page
        assert f"<ins>{ARABIC}</ins>" in page
        csrf = CSRF.findall(page)[-1]
        async with browser.post(
            f"/console/review/{number}", data={"csrf": csrf, "decision": "publish"}
        ) as response:
            assert response.status == 200
            assert "No drafts wait for review." in await response.text()
        async with browser.get(f"/console/activities/{OWN}/history") as response:
            history = await response.text()
        assert "published" in history
        assert "drafted" in history
    live = served.catalogue.catalogue.activity(OWN)
    assert live is not None
    assert dict(live.title)["ar"] == ARABIC


async def test_the_review_shows_a_moved_weekly_time_in_words(served: Served) -> None:
    async with await served.signed_in(ORGANISER) as browser:
        async with browser.get(f"/console/activities/{OWN}") as response:
            csrf = CSRF.findall(await response.text())[0]
        form = full_form(
            served.catalogue.catalogue, OWN, csrf, schedule__0__start="09:00",
            schedule__0__end="11:00",
        )  # fmt: skip
        async with browser.post(f"/console/activities/{OWN}", data=form) as response:
            assert response.status == 200
    async with (
        await served.signed_in(COORDINATOR) as browser,
        browser.get("/console/review") as response,
    ):
        page = await response.text()
    assert "FREQ=" not in page
    assert "<del>every Thursday 10:00–12:00" in page
    assert "<ins>every Thursday 09:00–11:00" in page


@pytest.mark.parametrize(
    ("language", "heading"), [("fi", "Toiminnot"), ("sv", "Aktiviteter"), ("en", "Activities")]
)
async def test_pages_come_in_finnish_swedish_and_english(
    served: Served, language: str, heading: str
) -> None:
    async with await served.signed_in(COORDINATOR) as browser:
        async with browser.get(f"/console/activities?lang={language}") as response:
            page = await response.text()
        assert f'<html lang="{language}">' in page
        assert f"<h1>{heading}</h1>" in page
        async with browser.get("/console/activities") as response:  # remembered
            assert f'<html lang="{language}">' in await response.text()


async def test_every_field_has_a_label_and_the_language_sides_are_marked(
    served: Served, demo: Catalogue
) -> None:
    async with (
        await served.signed_in(COORDINATOR) as browser,
        browser.get(f"/console/activities/{OWN}") as response,
    ):
        page = await response.text()
    ids = re.findall(r'<(?:input|select|textarea) id="([^"]+)"', page)
    assert ids
    for found in ids:
        assert f'for="{found}"' in page
    activity = demo.activity(OWN)
    assert activity is not None
    written = {code for code, _ in activity.title}
    missing = re.findall(r'class="language missing" lang="([^"]+)"', page)
    assert missing
    assert not set(missing) & written


async def test_the_stylesheet_is_served_from_the_package(served: Served) -> None:
    async with served.browser() as browser, browser.get("/console/console.css") as response:
        assert response.status == 200
        assert response.content_type == "text/css"
        assert ":focus-visible" in await response.text()


def test_the_demo_keeps_the_activities_the_tests_name(demo: Catalogue) -> None:
    own, others = demo.activity(OWN), demo.activity(OTHERS)
    assert own is not None
    assert others is not None
    assert own.organisation == "setlementti-louhela" != others.organisation
    assert replace(own).id == OWN


async def test_a_withdrawal_needs_the_confirmation_and_waits_for_review(served: Served) -> None:
    async with await served.signed_in(ORGANISER) as browser:
        async with browser.get(f"/console/activities/{OWN}") as response:
            csrf = CSRF.findall(await response.text())[0]
        url = f"/console/activities/{OWN}/withdraw"
        async with browser.post(url, data={"csrf": csrf}) as response:
            assert response.status == 400
            assert "tick the box" in await response.text()
        assert served.store.rows == {}
        async with browser.post(
            f"/console/activities/{OTHERS}/withdraw", data={"csrf": csrf, "confirm": "yes"}
        ) as response:
            assert response.status == 404  # another organisation's: refused like an unknown
        async with browser.post(url, data={"csrf": csrf, "confirm": "yes"}) as response:
            assert response.status == 200
            assert "The withdrawal waits for a coordinator." in await response.text()
    [number] = served.store.rows
    assert served.catalogue.catalogue.activity(OWN) is not None  # still offered until published
    async with await served.signed_in(COORDINATOR) as browser:
        async with browser.get("/console/review") as response:
            page = await response.text()
        assert "Withdraw this activity" in page
        csrf = CSRF.findall(page)[-1]
        async with browser.post(
            f"/console/review/{number}", data={"csrf": csrf, "decision": "publish"}
        ) as response:
            assert response.status == 200
    assert served.catalogue.catalogue.activity(OWN) is None


async def test_an_organiser_creates_an_activity_for_their_own_organisation_only(
    served: Served,
) -> None:
    catalogue = served.catalogue.catalogue
    own = catalogue.activity(OWN)
    others = catalogue.activity(OTHERS)
    assert own is not None
    assert others is not None
    async with await served.signed_in(ORGANISER) as browser:
        async with browser.get("/console/activities") as response:
            page = await response.text()
        assert f'<option value="{own.organisation}">' in page
        assert f'<option value="{others.organisation}">' not in page
        async with browser.get(
            f"/console/activities/new?organisation={others.organisation}"
        ) as response:
            assert response.status == 404
        new = f"/console/activities/new?organisation={own.organisation}"
        async with browser.get(new) as response:
            assert response.status == 200
            csrf = CSRF.findall(await response.text())[0]
        async with browser.post(new, data={"csrf": csrf}) as response:
            assert response.status == 422  # no title, no kind: shown, nothing saved
        assert served.store.rows == {}
        form = full_form(catalogue, OWN, csrf, title__fi="Uusi äiti-lapsiryhmä")
        async with browser.post(new, data=form) as response:
            assert response.status == 200
            assert "Saved as a draft" in await response.text()
    [draft] = served.store.rows.values()
    assert draft.activity_id != OWN
    assert draft.activity.organisation == own.organisation
    assert dict(draft.activity.title)["fi"] == "Uusi äiti-lapsiryhmä"


async def test_a_trusted_organisations_changes_are_published_without_review(
    served: Served,
) -> None:
    own = served.catalogue.catalogue.activity(OWN)
    assert own is not None
    async with (
        await served.signed_in(ORGANISER) as browser,
        browser.get("/console/trusted") as response,
    ):
        assert response.status == 403  # organisers do not choose whom to trust
    async with await served.signed_in(COORDINATOR) as browser:
        async with browser.get("/console/trusted") as response:
            page = await response.text()
        csrf = CSRF.findall(page)[0]
        async with browser.post(
            f"/console/trusted/{own.organisation}", data={"csrf": csrf, "trusted": "yes"}
        ) as response:
            assert response.status == 200
            assert f'id="trust-{own.organisation}">Stop trusting' in await response.text()
    async with await served.signed_in(ORGANISER) as browser:
        async with browser.get(f"/console/activities/{OWN}") as response:
            page = await response.text()
        assert '<button type="submit" id="save">Publish</button>' in page
        csrf = CSRF.findall(page)[0]
        form = full_form(served.catalogue.catalogue, OWN, csrf, title__ar=ARABIC)
        async with browser.post(f"/console/activities/{OWN}", data=form) as response:
            assert "Published" in await response.text()
    live = served.catalogue.catalogue.activity(OWN)
    assert live is not None
    assert dict(live.title)["ar"] == ARABIC
