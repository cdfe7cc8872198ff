"""The core's guard rails: odd input gets a clear answer and changes nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.matching import Matcher
from catalog.model import Catalogue
from catalog.occurrences import OccurrenceIndex
from handlers.core.i18n import Translator
from handlers.newcomers.assistant import MAX_MESSAGE_CHARS, Assistant, clean_text
from tests.fakes import ScriptedUnderstander

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))


@pytest.fixture
def understander() -> ScriptedUnderstander:
    return ScriptedUnderstander()


@pytest.fixture
def assistant(demo: Catalogue, understander: ScriptedUnderstander) -> Assistant:
    return Assistant(Matcher(demo, OccurrenceIndex(demo, ())), understander, Translator())


def test_control_characters_go_emoji_and_combining_marks_stay() -> None:
    text = "cafe\u0301 \x00\x07👨‍👩‍👧 مرحبا\u200f\ufeff"
    cleaned = clean_text(text)
    assert "\x00" not in cleaned
    assert "\x07" not in cleaned
    assert "café" in cleaned  # NFC joins the combining accent
    assert "👨‍👩‍👧" in cleaned
    assert "مرحبا" in cleaned


def test_an_oversized_message_is_refused_in_the_users_language_unread(
    assistant: Assistant, understander: ScriptedUnderstander
) -> None:
    answer = assistant.answer("a" * (MAX_MESSAGE_CHARS + 1), now=NOW, saved_language="fi")
    assert answer.reply.language == "fi"
    assert answer.search is None
    assert understander.seen == []
    assert answer.reply.text != assistant.answer("", now=NOW, saved_language="fi").reply.text


def test_an_empty_message_gets_help(assistant: Assistant) -> None:
    answer = assistant.answer("  \x00 ", now=NOW, platform_hint="uk")
    assert answer.query.intent == "help"
    assert answer.reply.language == "uk"
