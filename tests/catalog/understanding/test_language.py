"""Language detection among the supported languages, and the fallback chain for replies."""

import pytest

from catalog.understanding.language import (
    LanguageDetector,
    dominant_script,
    platform_language,
    reply_language,
)
from catalog.understanding.lexicon import LEXICON_LANGUAGES, load_lexicon


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    lexicons = {code: load_lexicon(code) for code in LEXICON_LANGUAGES}
    return LanguageDetector(
        {code: lexicon.vocabulary for code, lexicon in lexicons.items()},
        {code: lexicon.content_words for code, lexicon in lexicons.items()},
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("你好", "zh"),
        ("Привіт", "uk"),
        ("Привет", "ru"),
        ("سلام چطوری", "fa"),
        ("مرحبا كيف الحال", "ar"),
        ("moi", "fi"),
        ("hej", "sv"),
        ("tere", "et"),
        ("hola", "es"),
        ("bonjour", "fr"),
        ("merhaba", "tr"),
        ("salaan", "so"),
        ("hello", "en"),
        ("kielikahvila?", "fi"),
        ("fotboll?", "sv"),
    ],
)
def test_very_short_texts_with_a_decisive_signal(
    detector: LanguageDetector, text: str, language: str
) -> None:
    assert detector.detect(text).language == language


@pytest.mark.parametrize("text", ["ok", "12:30", "🙂", "Espoo", "sport", "yoga?"])
def test_short_texts_without_a_signal_are_not_detected(
    detector: LanguageDetector, text: str
) -> None:
    assert detector.detect(text).language is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Missä voin pelata sulkapalloa illalla?", "fi"),
        ("Finns det någon simskola för vuxna?", "sv"),
        ("Where can my son learn to swim?", "en"),
        ("Где можно научиться плавать взрослому?", "ru"),
        ("Де можна навчитися плавати дорослим?", "uk"),
        ("Kus saab täiskasvanu ujuma õppida?", "et"),
        ("أين يمكن للكبار تعلم السباحة؟", "ar"),
        ("بزرگسالان کجا می‌توانند شنا یاد بگیرند؟", "fa"),
        ("Halkee ayay dadka waaweyn ku baran karaan dabaasha?", "so"),
        ("Yetişkinler nerede yüzme öğrenebilir?", "tr"),
        ("成年人在哪里可以学游泳？", "zh"),
        ("¿Dónde pueden aprender a nadar los adultos?", "es"),
        ("Où les adultes peuvent-ils apprendre à nager ?", "fr"),
        ("Anything for grandparents in Tuusula?", "en"),
    ],
)
def test_sentences_are_detected(detector: LanguageDetector, text: str, language: str) -> None:
    assert detector.detect(text).language == language


def test_a_guess_is_kept_when_not_sure(detector: LanguageDetector) -> None:
    detection = detector.detect("sport")
    assert detection.language is None
    assert detection.guess in {"en", "sv", "fr", "fi", "tr", "so", "es", "et"}


def test_dominant_script_counts_han_heavily() -> None:
    assert dominant_script("Espoo有什么") == "han"
    assert dominant_script("123 !?") == "none"


def test_reply_language_prefers_the_detected_language() -> None:
    assert reply_language("sv", "fi", "en") == ("sv", True)


def test_plain_finnish_is_kept_for_finnish_text() -> None:
    assert reply_language("fi", "fi-x-plain", None) == ("fi-x-plain", True)


@pytest.mark.parametrize(
    ("saved", "hint", "expected"),
    [
        ("uk", "en", "uk"),
        (None, "sv-FI", "sv"),
        (None, "pt-BR", "en"),
        ("xx", None, "en"),
        (None, None, "en"),
        ("fi-x-plain", None, "fi-x-plain"),
    ],
)
def test_fallback_chain_saved_then_hint_then_english(
    saved: str | None, hint: str | None, expected: str
) -> None:
    assert reply_language(None, saved, hint) == (expected, False)


def test_platform_language_normalises_locales() -> None:
    assert platform_language("zh-hans") == "zh"
    assert platform_language("fi_FI") == "fi"
    assert platform_language("FI-X-PLAIN") == "fi-x-plain"
    assert platform_language("") is None
