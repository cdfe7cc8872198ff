"""The keepers' console in a real browser, against the running bot (issue 16).

One process as ``tarjotin run`` wires it: the conversation over a real SQLite database, the
Telegram channel talking to the fake Bot API server, and the HTTP server with the console
mounted. Debian's chromium (driven by Selenium) signs in with the link the bot sends in the
fake conversation; an organiser adds an Arabic title and description and moves the weekly
time, first with a mistake (shown beside its field, nothing saved); the coordinator publishes
the draft; then the bot answers an Arabic question with the new time and description. The
refusals are checked in the same browser: another organisation's activity by URL, a forged
and a replayed CSRF token, an expired link. Screenshots go to ``test-artefacts/``.
Skipped only when no chromium binary is installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.bootstrap import App, Runtime, build_app, build_runtime, ensure_catalogue
from bot.config import Settings
from bot.http_server import HttpServer
from bot.observability import build_http_server
from bot.storage.console import SqlConsoleStore
from bot.storage.console_sessions import SqlConsoleSessions
from bot.storage.profiles import SqlProfileStore
from bot.storage.staff import SqlStaffStore
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.channel import TelegramChannel, TelegramOptions
from handlers.coordination.console.drafts import DraftState
from handlers.coordination.permissions import Invite, Role
from handlers.coordination.roles import new_invite_code
from handlers.core.events import Profile, UserId
from handlers.core.i18n import Translator
from tests.bot.test_email import free_port
from tests.bot.test_report_browser import ARTEFACTS, CHROMEDRIVER, CHROMIUM, FLAGS
from tests.fakes import RunningClock
from tests.telegram_server.fixtures import FakeTelegramFactory
from tests.telegram_server.limits import RateLimits
from tests.telegram_server.records import SentMessage
from tests.telegram_server.server import FakeTelegramServer

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no chromium/chromedriver installed (apt-get install chromium chromium-driver)",
)

T = TypeVar("T")
HELSINKI = ZoneInfo("Europe/Helsinki")
NETWORK = "nurmijarvi"
LOUHELA = "setlementti-louhela"
CAFE = "louhela-kielikahvila"  # Louhela's, Tuesdays 17:00–18:30, written in Finnish only
OTHERS = "opisto-suomi-a1"  # the adult education centre's
COORDINATOR, ORGANISER, NEWCOMER = 900, 901, 902
ARABIC_TITLE = "مقهى اللغة في لوهيلا"
ARABIC_DESCRIPTION = "لقاء مريح مع القهوة لممارسة التحدث باللغة الفنلندية في مجموعات صغيرة."
HOST = "tarjotin.localhost"
QUESTION = "أين يوجد مقهى اللغة؟"
SECRET = b"tarjotin-console-browser-secret-01"
OPEN = TelegramOptions(poll_timeout=1.0, request_timeout=5.0, stop_grace=0.2)

#: A Wednesday in the demo catalogue's season, then running at real speed.
now = RunningClock(datetime(2026, 11, 25, 10, 0, tzinfo=HELSINKI))


def tg(user: int) -> UserId:
    return UserId(f"telegram:{user}")


@dataclass
class Running:
    """The bot of ``tarjotin run`` in this process, and the fake Telegram it talks to."""

    app: App
    runtime: Runtime
    telegram: FakeTelegramServer
    http: HttpServer
    base: str

    async def say(self, user: int, text: str, language: str = "en") -> SentMessage:
        seen = len(self.telegram.sent_messages(user))
        self.telegram.user_sends_text(user, text, language_code=language)
        messages = await self.telegram.wait_for_messages(user, seen + 1, timeout=10.0)
        return messages[seen]

    async def press(self, user: int, message: SentMessage, data: str) -> SentMessage:
        seen = len(self.telegram.sent_messages(user))
        self.telegram.user_presses_button(user, message.message_id, data, language_code="ar")
        messages = await self.telegram.wait_for_messages(user, seen + 1, timeout=10.0)
        return messages[seen]

    async def signin_link(self, user: int) -> str:
        """``/console`` in the chat: the link of the reply's button (also in its text)."""
        reply = await self.say(user, "/console")
        [url] = [b["url"] for b in reply.buttons if "url" in b]
        assert url in (reply.plain_text or "")
        assert url.startswith(f"{self.base}/console/signin/")
        return str(url)


@pytest.fixture
async def running(
    tmp_path: Path, fake_telegram_factory: FakeTelegramFactory
) -> AsyncIterator[Running]:
    port = free_port()
    # A name, not an address: Telegram refuses buttons to IP addresses (so does the fake), and
    # chromium treats *.localhost as a secure context where Secure cookies work over http.
    base = f"http://{HOST}:{port}"
    desks = tmp_path / "coordination.yaml"
    desk = {"coordinators": [f"telegram:{COORDINATOR}"]}
    desks.write_text(yaml.safe_dump({"networks": {NETWORK: desk}}), encoding="utf-8")
    settings = Settings(
        data_dir=tmp_path, coordination_file=desks, public_url=base, http_port=port
    )
    app = await build_app(settings)
    runtime = await build_runtime(app, await ensure_catalogue(app, quiet=True), clock=now)
    telegram = await fake_telegram_factory(limits=RateLimits.off())
    channel = TelegramChannel(
        runtime.conversation, telegram.token, codec=CallbackCodec(SECRET),
        api_url=telegram.url, options=OPEN,
    )  # fmt: skip
    http = build_http_server(app, runtime, [channel], [])
    assert http is not None
    await http.start()
    await channel.start()
    staff = SqlStaffStore(app.database.sessions)
    code = new_invite_code()
    invite = Invite(code, Role.ORGANISER, LOUHELA, tg(COORDINATOR), now(), now() + timedelta(1))
    await staff.create_invite(invite)
    assert await staff.redeem(code, tg(ORGANISER), now()) is not None
    yield Running(app, runtime, telegram, http, base)
    await channel.stop()
    await http.stop()
    await app.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    assert CHROMIUM is not None
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,1500",
                 "--lang=en", f"--host-resolver-rules=MAP {HOST} 127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver: Any, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(ARTEFACTS / f"console-{name}.png"))


def sign_in(driver: Any, link: str) -> None:
    driver.get(link)
    click(driver, "#signin")


def sign_out(driver: Any) -> None:
    click(driver, "form[action='/console/signout'] button")


def fill(driver: Any, field_id: str, value: str) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(value)


def set_value(driver: Any, field_id: str, value: str) -> None:
    """For time and date inputs, whose typing depends on the browser's locale."""
    driver.execute_script(
        "document.getElementById(arguments[0]).value = arguments[1];", field_id, value
    )


def console_errors(driver: Any) -> list[dict[str, str]]:
    log: list[dict[str, str]] = driver.get_log("browser")
    # The refusals' own status codes (404, 422) are logged as network errors: they are meant.
    return [e for e in log if e["level"] in ("SEVERE", "ERROR") and e.get("source") != "network"]


async def ui(step: Callable[..., T], *args: Any) -> T:
    """One browser step in a thread: the server answering it runs on this event loop."""
    return await asyncio.to_thread(step, *args)


def text_of(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def heading(driver: Any, expected: str) -> str:
    """The page's heading once it reads ``expected`` (a submitted form loads a new page)."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(_: Any) -> bool:
        try:
            return text_of(driver, "h1") == expected
        except StaleElementReferenceException:
            return False

    with contextlib.suppress(TimeoutException):
        WebDriverWait(driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(shown)
    return text_of(driver, "h1")


def click(driver: Any, css: str) -> None:
    """Press a form's button and wait for the page it leads to."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(page))


def attribute(driver: Any, css: str, name: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, css).get_attribute(name))


def beside(driver: Any, field_id: str) -> tuple[bool, str, float]:
    """Whether the field's problem shows, what describes the field, and how far apart."""
    from selenium.webdriver.common.by import By

    error = driver.find_element(By.ID, f"error-{field_id}")
    field = driver.find_element(By.ID, field_id)
    distance = abs(error.location["y"] - field.location["y"])
    return error.is_displayed(), str(field.get_attribute("aria-describedby")), distance


async def test_an_organisers_draft_is_published_and_the_bot_answers_with_it(
    running: Running, browser: Any
) -> None:
    driver = browser
    drafts = SqlConsoleStore(running.app.database.sessions)
    speaker = Translator().speaker("en")

    # The organiser signs in through the link from the chat; the home page is the tray.
    await ui(sign_in, driver, await running.signin_link(ORGANISER))
    assert await ui(text_of, driver, "#tray-grid")
    assert await ui(text_of, driver, "#gaps")

    # Another organisation's activity by URL: the same "not found" as an unknown one.
    await ui(driver.get, f"{running.base}/console/activities/{OTHERS}")
    assert await ui(heading, driver, speaker.gettext("Not found")) == speaker.gettext("Not found")

    # Arabic title and description, the weekly time moved an hour earlier, one mistake.
    await ui(driver.get, f"{running.base}/console/activities/{CAFE}")
    assert "missing" in await ui(attribute, driver, ".language[lang='ar']", "class")
    await ui(fill, driver, "title-ar", ARABIC_TITLE)
    await ui(fill, driver, "description-ar", ARABIC_DESCRIPTION)
    await ui(set_value, driver, "start-0", "16:00")
    await ui(set_value, driver, "end-0", "17:30")
    await ui(fill, driver, "age_min", "seven")
    await ui(click, driver, "#save")
    shown, described_by, distance = await ui(beside, driver, "age_min")
    assert shown
    assert described_by == "error-age_min"
    assert distance < 80  # right beside its field
    assert await ui(attribute, driver, "#title-ar", "value") == ARABIC_TITLE
    assert await drafts.drafts([LOUHELA]) == []  # nothing saved
    await ui(driver.execute_script, "document.getElementById('age_min').scrollIntoView()")
    await ui(shot, driver, "form-error")

    await ui(fill, driver, "age_min", "")
    await ui(click, driver, "#save")
    assert "a coordinator publishes it" in await ui(text_of, driver, "[role=status]")
    [draft] = await drafts.drafts([LOUHELA])
    assert draft.state is DraftState.DRAFT
    live = running.runtime.live().catalogue.activity(CAFE)
    assert live is not None
    assert "ar" not in dict(live.title)  # it waits for review
    await ui(sign_out, driver)

    # The coordinator reviews the diff and publishes.
    await ui(sign_in, driver, await running.signin_link(COORDINATOR))
    await ui(shot, driver, "tray")
    await ui(driver.get, f"{running.base}/console/review")
    diff = await ui(text_of, driver, "table.diff")
    assert ARABIC_DESCRIPTION in diff
    assert "16:00" in diff
    await ui(shot, driver, "review")
    await ui(click, driver, f"#publish-{draft.id}")
    assert speaker.gettext("No drafts wait for review.") in await ui(text_of, driver, "main")
    assert await ui(console_errors, driver) == []

    # The bot answers from the published change at once: the new time, the new description.
    live = running.runtime.live().catalogue.activity(CAFE)
    assert live is not None
    assert dict(live.title)["ar"] == ARABIC_TITLE
    profiles = SqlProfileStore(running.app.database.sessions)
    await profiles.save(Profile(tg(NEWCOMER), "ar", NETWORK))
    answer = await running.say(NEWCOMER, QUESTION, "ar")
    text = answer.plain_text or ""
    assert ARABIC_TITLE in text
    block = text[text.index(ARABIC_TITLE) :].split("\n\n")[0]
    assert re.search(r"4:00\s*م", block) is not None, block  # 16:00, as Arabic writes it
    # The answer lists the activity with its time; its link (as a poster's QR code or a
    # reminder opens it) shows it in full, with the new Arabic description.
    seen = len(running.telegram.sent_messages(NEWCOMER))
    running.telegram.user_starts(NEWCOMER, f"a-{CAFE}", language_code="ar")
    messages = await running.telegram.wait_for_messages(NEWCOMER, seen + 1, timeout=10.0)
    text = messages[-1].plain_text or ""
    assert re.search(r"4:00\s*م", text) is not None, text
    assert ARABIC_DESCRIPTION in text


async def test_forged_and_replayed_csrf_and_an_expired_link_are_refused(
    running: Running, browser: Any
) -> None:
    driver = browser
    drafts = SqlConsoleStore(running.app.database.sessions)
    speaker = Translator().speaker("en")
    expired_heading = speaker.gettext("This sign-in link does not work any more")
    refused_heading = speaker.gettext("The form has expired")

    # An expired link (issued 16 minutes ago), then a used one, get a page, not a session.
    sessions = SqlConsoleSessions(running.app.database.sessions)
    old = await sessions.issue(tg(ORGANISER), now() - timedelta(minutes=16), timedelta(minutes=15))
    await ui(sign_in, driver, f"{running.base}/console/signin/{old}")
    assert await ui(heading, driver, expired_heading) == expired_heading
    link = await running.signin_link(ORGANISER)
    await ui(sign_in, driver, link)
    await ui(driver.get, f"{running.base}/console/activities/{CAFE}")
    first = await ui(attribute, driver, "input[name=csrf]", "value")
    await ui(sign_out, driver)
    await ui(sign_in, driver, link)  # the same link again
    assert await ui(heading, driver, expired_heading) == expired_heading

    # Signed in again: a forged token, and the token of the session that ended, change nothing.
    await ui(sign_in, driver, await running.signin_link(ORGANISER))
    for token in ("forged", first):
        await ui(driver.get, f"{running.base}/console/activities/{CAFE}")
        await ui(fill, driver, "title-ar", ARABIC_TITLE)
        await ui(
            driver.execute_script,
            "document.querySelector('form[action^=\"/console/activities\"] input[name=csrf]')"
            ".value = arguments[0];",
            token,
        )
        await ui(click, driver, "#save")
        assert await ui(heading, driver, refused_heading) == refused_heading
        assert "Traceback" not in await ui(text_of, driver, "body")
    assert await drafts.drafts([LOUHELA]) == []
    await ui(shot, driver, "csrf-refused")
