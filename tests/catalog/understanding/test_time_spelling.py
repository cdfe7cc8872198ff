"""Time words as people type them (written for these tests)."""

from datetime import date, datetime, time

import pytest

from catalog.understanding.timewords import find_window_spans

NOW = datetime(2027, 1, 27, 12, 0)  # a Wednesday
TOMORROW = date(2027, 1, 28)
TODAY = date(2027, 1, 27)
SATURDAY = date(2027, 1, 30)


@pytest.mark.parametrize(
    "text",
    [
        "¿Hay algo en Hattula mañana?",
        "¿Qué hay en Nurmijärvi para la familia mañana?",
    ],
)
def test_tomorrow_after_a_word_ending_in_la_is_still_tomorrow(text: str) -> None:
    window = find_window_spans(text, "es", NOW).window
    assert window is not None
    assert window.start == TOMORROW


def test_the_morning_is_not_tomorrow() -> None:
    reading = find_window_spans("¿Hay algo por la mañana?", "es", NOW)
    assert reading.window is None
    assert reading.clock is not None


@pytest.mark.parametrize("text", ["shu fi lyom?", "fi shi alyom?", "shou fi ilyom bil masa?"])
def test_arabizi_today_without_the_e(text: str) -> None:
    window = find_window_spans(text, "ar", NOW).window
    assert window is not None
    assert window.start == TODAY


@pytest.mark.parametrize("text", ["maxaa jira sabtida?", "ma jiraa wax sabitda?", "sabtiga"])
def test_somali_saturday_with_its_ending_and_a_slip(text: str) -> None:
    window = find_window_spans(text, "so", NOW).window
    assert window is not None
    assert window.start == SATURDAY


@pytest.mark.parametrize(
    ("text", "language", "day"),
    [
        ("anything on Good Friday over the Easter holidays?", "en", date(2027, 3, 26)),
        ("Finns det något på långfredagen under påsken?", "sv", date(2027, 3, 26)),
        ("Paskalya tatilinde, Kutsal Cuma günü ne var?", "tr", date(2027, 3, 26)),
        ("what is on in February, on the 12th?", "en", date(2027, 2, 12)),
    ],
)
def test_a_day_named_inside_a_longer_span_is_that_day(
    text: str, language: str, day: date
) -> None:
    window = find_window_spans(text, language, NOW).window
    assert window is not None
    assert (window.start, window.end) == (day, day)


def test_finglish_after_an_hour_is_persian_not_english() -> None:
    from catalog.understanding import Understander

    query = Understander().understand("farda baad az saat 5 chi hast?", now=NOW)
    assert query.language == "fa"
    assert query.clock is not None


@pytest.mark.parametrize(
    ("text", "language", "earliest", "latest"),
    [
        ("anything on saturday afternon?", "en", time(12, 0), time(18, 0)),
        ("something tomorow evenig?", "en", time(17, 0), None),
        ("завтра вечерм что-то есть?", "ru", time(17, 0), None),
        ("دورة لغة يوم الاثنين الصبح", "ar", None, time(11, 59)),
    ],
)
def test_a_misspelt_part_of_the_day_still_narrows_the_day(
    text: str, language: str, earliest: time | None, latest: time | None
) -> None:
    reading = find_window_spans(text, language, NOW)
    assert reading.window is not None
    assert reading.clock is not None
    assert (reading.clock.earliest, reading.clock.latest) == (earliest, latest)


@pytest.mark.parametrize(
    ("text", "language", "day", "evening"),
    [
        ("day after tmrw anything?", "en", date(2027, 1, 29), False),
        ("saa berri ma jiraa wax?", "so", date(2027, 1, 29), False),
        ("¿mañana hay algo por la tarde-noche?", "es", TOMORROW, True),
        ("شو في بكرا المسا؟", "ar", TOMORROW, True),
    ],
)
def test_days_and_evenings_as_people_write_them(
    text: str, language: str, day: date, evening: bool
) -> None:
    reading = find_window_spans(text, language, NOW)
    assert reading.window is not None
    assert (reading.window.start, reading.window.end) == (day, day)
    assert (reading.clock is not None and reading.clock.earliest == time(17, 0)) == evening


def test_arabic_help_is_no_evening() -> None:
    """``المسا`` (the evening) must not be read inside ``المساعدة`` (the help)."""
    reading = find_window_spans("بدي المساعدة بالواجبات", "ar", NOW)
    assert reading.clock is None
