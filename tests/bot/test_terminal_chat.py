"""The terminal chat: a channel of the same conversation, and right-to-left text in a console."""

from __future__ import annotations

import asyncio
import io
import os
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import bot.cli
from bot.bootstrap import (
    DEMO_WEEK,
    build_app,
    build_reminder_service,
    build_runtime,
    catalogue_at_start,
    ensure_catalogue,
    is_demo,
)
from bot.cli import main
from bot.config import Settings
from bot.terminal import for_terminal, resolve_bidi, visual
from bot.terminal_chat import (
    CHAT,
    COORDINATOR,
    USER,
    TerminalChat,
    TerminalSender,
    choice_number,
    run_chat,
    terminal_senders,
)
from catalog.matching import Matcher
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from catalog.parse import load_catalogue
from catalog.seasons import monday
from handlers.core.events import ChatId, Reply
from handlers.core.i18n import Translator
from handlers.core.ports import Clock, Outcome
from handlers.newcomers.assistant import Assistant
from tests.fakes import FixedClock, ScriptedUnderstander
from tests.wiring import FakeCore

ZONE = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
LRM_AND_ISOLATES = "\u200e\u200f\u2066\u2067\u2068\u2069"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("TARJOTIN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TARJOTIN_LOG_LEVEL", "WARNING")
    return tmp_path / "data"


def fixed(moment: datetime) -> Callable[[object], Clock]:
    """A stand-in for :func:`bot.bootstrap.wall_clock`: the commands see ``moment``."""

    def clock(_zone: object) -> Clock:
        return lambda: moment

    return clock


def lines_of(*typed: str) -> asyncio.Queue[str | None]:
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    for line in typed:
        queue.put_nowait(line + "\n")
    queue.put_nowait(None)
    return queue


@pytest.fixture
def fakes(demo: Catalogue) -> FakeCore:
    return FakeCore(demo, FixedClock(NOW))


@pytest.fixture
def chat(fakes: FakeCore, demo: Catalogue) -> tuple[TerminalChat, list[str]]:
    assistant = Assistant(
        Matcher(demo, OccurrenceIndex(demo, ())), ScriptedUnderstander(), Translator()
    )
    shown: list[str] = []
    conversation = fakes.build(lambda: assistant).conversation
    return TerminalChat(conversation, shown.append, "logical"), shown


# --- the loop ---------------------------------------------------------------------------------


async def test_onboarding_by_numbers_then_every_command_of_the_chat_platforms(
    chat: tuple[TerminalChat, list[str]], fakes: FakeCore
) -> None:
    terminal, shown = chat
    await terminal.begin(None, None)
    assert "Choose your language." in shown[-1]
    english = next(n for n, a in enumerate(terminal.actions, 1) if a.argument == "en")
    await run_chat(terminal, lines_of(str(english), "1", "/mydata", "/reminders", "/quit", "x"))
    assert "Where do you live?" in shown[2]
    assert "/forget" in shown[3]  # the privacy screen after onboarding
    profile = fakes.profiles.profiles[USER]
    assert (profile.language, profile.network) == ("en", "nurmijarvi")
    assert "This is everything I store about you" in shown[4]
    assert "You have no reminders" in shown[5]
    assert len(shown) == 6  # nothing after /quit


async def test_a_superscript_digit_is_a_question_not_a_choice(
    chat: tuple[TerminalChat, list[str]], fakes: FakeCore
) -> None:
    terminal, shown = chat
    await terminal.begin("nurmijarvi", "en")
    await run_chat(terminal, lines_of("²", "٢", "/mydata"))
    assert len(shown) == 4  # the banner, two answers, the data; end of input ends the chat
    assert "This is everything I store about you" in shown[-1]
    assert fakes.profiles.profiles[USER].network == "nurmijarvi"


def test_only_ascii_digits_within_the_offer_pick_a_choice() -> None:
    assert choice_number("2", 3) == 2
    assert [choice_number(text, 3) for text in ("0", "4", "²", "٢", "2.", "", "x")] == [None] * 7


async def test_forget_through_numbered_confirmation(
    chat: tuple[TerminalChat, list[str]], fakes: FakeCore
) -> None:
    terminal, shown = chat
    await terminal.begin("nurmijarvi", "en")
    await run_chat(terminal, lines_of("/forget", "1"))
    assert "Done. I deleted everything" in shown[-1]
    assert USER not in fakes.profiles.profiles


async def test_the_sender_prints_reminders_and_what_would_go_to_the_coordinator() -> None:
    printed: list[str] = []
    sender = TerminalSender(printed.append)
    delivered = await sender.send(CHAT, Reply("Reminder: club", "en"), "k1")
    forwarded = await sender.send(COORDINATOR, Reply("Request K-1", "fi"), "k2")
    refused = await sender.send(ChatId("telegram:1"), Reply("?", "en"), "k3")
    assert delivered.outcome is forwarded.outcome is Outcome.DELIVERED
    assert refused.outcome is Outcome.FAILED
    assert "Reminder: club" in printed[0]
    assert "coordinator" in printed[1]
    assert "not sent" in printed[1]
    assert len(printed) == 2


# --- the command itself -----------------------------------------------------------------------


def test_piped_chat_shows_the_users_data_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bot.cli, "wall_clock", fixed(NOW))
    monkeypatch.setattr("sys.stdin", io.StringIO("²\n/mydata\n/quit\n"))
    assert main(["chat", "--network", "nurmijarvi", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert "This is everything I store about you" in captured.out
    assert "Municipality: Nurmijärvi" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_the_week_in_arabic_written_to_a_file_stays_in_logical_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["week", "--network", "nurmijarvi", "--lang", "ar", "--date", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert "الاثنين" in out  # Monday as written, not reversed
    assert "نينثالا" not in out


# --- right to left ----------------------------------------------------------------------------


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_auto_is_visual_on_a_terminal_and_logical_in_a_pipe() -> None:
    assert resolve_bidi("auto", Stream(tty=True)) == "visual"
    assert resolve_bidi("auto", Stream(tty=False)) == "logical"
    assert resolve_bidi("visual", Stream(tty=False)) == "visual"
    text = "سلام (دنیا)"
    assert for_terminal(text, True, "logical") == text
    assert for_terminal("hello (world)", False, "visual") == "hello (world)"


@pytest.mark.parametrize(
    ("logical", "shown"),
    [
        ("کافه زبان (سوئدی)", "(یدئوس) نابز هفاک"),
        ("نادي «اللغة»", "«ةغللا» يدان"),
        ("مرحبا [١]", "[١] ابحرم"),
        ("الأحد \u206810:00–12:00\u2069", "10:00–12:00 دحألا"),
        ("زبان: \u2068Suomi (fi)\u2069", "Suomi (fi) :نابز"),
    ],
)
def test_visual_order_mirrors_brackets_and_guillemets(logical: str, shown: str) -> None:
    assert visual(logical) == shown


def clusters(text: str) -> list[str]:
    """Each letter with the combining marks that follow it."""
    found: list[str] = []
    for char in text:
        if unicodedata.combining(char) and found:
            found[-1] += char
        else:
            found.append(char)
    return found


@pytest.mark.parametrize("word", ["مُحَمَّد", "شدّة", "مُعَلِّم"])
def test_marks_stay_after_their_letter_in_visual_order(word: str) -> None:
    assert any(unicodedata.combining(c) for c in word)
    shown = visual(f"({word}) «{word}»")
    assert shown.startswith("«")
    assert shown.endswith(")")
    inner = shown[shown.index("(") + 1 : shown.index(")")]
    assert not unicodedata.combining(inner[0])  # a mark never opens the word
    assert clusters(inner) == clusters(word)[::-1]  # whole letters, reversed
    assert not set(shown) & set(LRM_AND_ISOLATES)


# --- the demo's season ------------------------------------------------------------------------


def write_renamed(demo_path: Path, own: Path) -> None:
    """A catalogue of one's own: the demo with one activity under another id."""
    own.write_text(demo_path.read_text("utf-8").replace("louhela-kielikahvila", "oma-kerho"))


async def test_the_demo_moves_to_the_current_week_and_a_real_catalogue_does_not(
    tmp_path: Path, demo_path: Path
) -> None:
    app = await build_app(Settings(data_dir=tmp_path / "one"))
    try:
        today = date(2031, 7, 9)
        moved = await catalogue_at_start(app, today)
        demo = load_catalogue(demo_path)
        assert is_demo(moved, demo)
        shift = monday(today) - monday(DEMO_WEEK)
        first, original = moved.activities[0], demo.activities[0]
        assert first.schedule[0].start == original.schedule[0].start + shift
        again = await catalogue_at_start(app, date(2032, 1, 14))  # a later start moves it on
        assert again.activities[0].schedule[0].start > first.schedule[0].start
    finally:
        await app.close()
    own = tmp_path / "own.yaml"
    write_renamed(demo_path, own)
    app = await build_app(Settings(data_dir=tmp_path / "two"))
    try:
        await app.catalog_store.apply(load_catalogue(own))
        kept = await catalogue_at_start(app, date(2031, 7, 9))
        assert kept.activities == load_catalogue(own).activities  # not the demo: untouched
    finally:
        await app.close()


# --- reminders and requests while the chat runs -----------------------------------------------


async def test_a_reminder_and_a_request_are_printed_while_the_chat_runs(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 11, 23, 17, 0, tzinfo=ZONE))  # the club is Tuesday 17:00
    app = await build_app(Settings(data_dir=tmp_path))
    try:
        catalogue = await ensure_catalogue(app, quiet=True)
        runtime = await build_runtime(app, catalogue, clock=clock, fallback_chat=COORDINATOR)
        printed: list[str] = []
        service = build_reminder_service(
            app, runtime, terminal_senders(TerminalSender(printed.append))
        )
        [drainer] = service.drainers
        chat = TerminalChat(runtime.conversation, printed.append)
        await chat.begin("nurmijarvi", "en")
        await run_chat(chat, lines_of("/remind louhela-kielikahvila", "/contact", "2", "Hello?"))
        assert "Sent. Your reference is" in printed[-1]
        clock.now = datetime(2026, 11, 23, 18, 0, 30, tzinfo=ZONE)  # the evening before
        assert await drainer.drain_once() == 2
        reminder, request = sorted(printed[-2:], key=lambda text: "coordinator" in text)
        assert "🔔" in reminder
        assert "Kielikahvila Louhelassa" in reminder
        assert "to the coordinator (no route configured; not sent)" in request
        assert "Hello?" in request
    finally:
        await app.close()
