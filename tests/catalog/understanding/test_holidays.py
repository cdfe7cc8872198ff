"""Holidays named in every language turned into their coming days.

The expected dates are written out here from the Finnish calendar (Easter 2026-2028 as the
``holidays`` package gives them), not computed by the module under test.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from catalog.understanding.holidays import HOLIDAY_KEYS, coming_holiday, finnish_holidays
from catalog.understanding.query import ClockRange, Holiday, TimeWindow
from catalog.understanding.timepatterns import TIME_LANGUAGES, compile_patterns, load_data
from catalog.understanding.timewords import find_window, find_window_spans

HELSINKI = ZoneInfo("Europe/Helsinki")

#: Each holiday's days in 2026 and in the following year (New Year spans the turn of a year).
DAYS: dict[str, tuple[tuple[date, date], tuple[date, date]]] = {
    "new_years_eve": ((date(2026, 12, 31),) * 2, (date(2027, 12, 31),) * 2),
    "new_year": (
        (date(2026, 12, 31), date(2027, 1, 1)),
        (date(2027, 12, 31), date(2028, 1, 1)),
    ),
    "new_years_day": ((date(2026, 1, 1),) * 2, (date(2027, 1, 1),) * 2),
    "epiphany": ((date(2026, 1, 6),) * 2, (date(2027, 1, 6),) * 2),
    "good_friday": ((date(2026, 4, 3),) * 2, (date(2027, 3, 26),) * 2),
    "easter": ((date(2026, 4, 3), date(2026, 4, 6)), (date(2027, 3, 26), date(2027, 3, 29))),
    "easter_sunday": ((date(2026, 4, 5),) * 2, (date(2027, 3, 28),) * 2),
    "easter_monday": ((date(2026, 4, 6),) * 2, (date(2027, 3, 29),) * 2),
    "vappu_eve": ((date(2026, 4, 30),) * 2, (date(2027, 4, 30),) * 2),
    "vappu": ((date(2026, 5, 1),) * 2, (date(2027, 5, 1),) * 2),
    "ascension_day": ((date(2026, 5, 14),) * 2, (date(2027, 5, 6),) * 2),
    "pentecost": ((date(2026, 5, 24),) * 2, (date(2027, 5, 16),) * 2),
    "midsummer": (
        (date(2026, 6, 19), date(2026, 6, 20)),
        (date(2027, 6, 25), date(2027, 6, 26)),
    ),
    "midsummer_eve": ((date(2026, 6, 19),) * 2, (date(2027, 6, 25),) * 2),
    "midsummer_day": ((date(2026, 6, 20),) * 2, (date(2027, 6, 26),) * 2),
    "all_saints_day": ((date(2026, 10, 31),) * 2, (date(2027, 11, 6),) * 2),
    "independence_day": ((date(2026, 12, 6),) * 2, (date(2027, 12, 6),) * 2),
    "christmas_eve": ((date(2026, 12, 24),) * 2, (date(2027, 12, 24),) * 2),
    "christmas_day": ((date(2026, 12, 25),) * 2, (date(2027, 12, 25),) * 2),
    "boxing_day": ((date(2026, 12, 26),) * 2, (date(2027, 12, 26),) * 2),
    "christmas": (
        (date(2026, 12, 24), date(2026, 12, 26)),
        (date(2027, 12, 24), date(2027, 12, 26)),
    ),
}

#: language -> (message, holiday key, the words read as the holiday)
PHRASES: dict[str, list[tuple[str, str, str]]] = {
    "fi": [
        ("Mitä tapahtuu pääsiäisenä?", "easter", "pääsiäisenä"),
        ("Onko jotain pääsiäisen aikaan?", "easter", "pääsiäisen aikaan"),
        ("Onko kerho auki pitkäperjantaina?", "good_friday", "pitkäperjantaina"),
        ("toisena pääsiäispäivänä", "easter_monday", "toisena pääsiäispäivänä"),
        ("Mitä on jouluaattona?", "christmas_eve", "jouluaattona"),
        ("Onko tapaninpäivänä mitään", "boxing_day", "tapaninpäivänä"),
        ("Mitä tehdä jouluna?", "christmas", "jouluna"),
        ("Mitä itsenäisyyspäivänä tapahtuu?", "independence_day", "itsenäisyyspäivänä"),
        ("Mitä juhannuksena voi tehdä?", "midsummer", "juhannuksena"),
        ("juhannusaattona", "midsummer_eve", "juhannusaattona"),
        ("Onko vappuna piknik?", "vappu", "vappuna"),
        ("vappuaattona", "vappu_eve", "vappuaattona"),
        ("Onko loppiaisena auki?", "epiphany", "loppiaisena"),
        ("pyhäinpäivänä", "all_saints_day", "pyhäinpäivänä"),
        ("Mitä uudenvuodenaattona?", "new_years_eve", "uudenvuodenaattona"),
        ("HELATORSTAINA", "ascension_day", "HELATORSTAINA"),
        ("Onko jotain joulun aikaan?", "christmas", "joulun aikaan"),
        ("helluntaina", "pentecost", "helluntaina"),
    ],
    "sv": [
        ("Är det öppet på påskdagen?", "easter_sunday", "påskdagen"),
        ("Vad händer i påsk?", "easter", "påsk"),
        ("Vad gör man på julafton?", "christmas_eve", "julafton"),
        ("Något för barnen under julen?", "christmas", "under julen"),
        ("Vad händer på midsommar?", "midsummer", "midsommar"),
        ("midsommarafton", "midsummer_eve", "midsommarafton"),
        ("Firar ni valborg?", "vappu", "valborg"),
        ("den första maj", "vappu", "första maj"),
        ("Vad händer på självständighetsdagen?", "independence_day", "självständighetsdagen"),
        ("annandag påsk", "easter_monday", "annandag påsk"),
        ("på nyårsafton", "new_years_eve", "nyårsafton"),
    ],
    "en": [
        ("Anything on Christmas Eve?", "christmas_eve", "Christmas Eve"),
        ("what about xmas eve", "christmas_eve", "xmas eve"),
        ("Is there anything over the Easter weekend?", "easter", "Easter weekend"),
        ("What's open at Easter?", "easter", "at Easter"),
        ("on Easter Monday", "easter_monday", "Easter Monday"),
        ("events on Finnish independence day", "independence_day", "Finnish independence day"),
        ("What happens on May Day?", "vappu", "May Day"),
        ("anything for vappu", "vappu", "vappu"),
        ("on the first of May", "vappu", "on the first of May"),
        ("What do people do at midsummer?", "midsummer", "midsummer"),
        ("on Midsummer Eve", "midsummer_eve", "Midsummer Eve"),
        ("Boxing Day", "boxing_day", "Boxing Day"),
        ("plans for New Year's Eve", "new_years_eve", "New Year's Eve"),
        ("over Christmas", "christmas", "over Christmas"),
        ("on All Saints' Day", "all_saints_day", "All Saints' Day"),
        ("Is the library open on Epiphany?", "epiphany", "on Epiphany"),
        ("Good Friday", "good_friday", "Good Friday"),
    ],
    "ru": [
        ("Что будет на Пасху?", "easter", "на Пасху"),
        ("Есть что-то в сочельник?", "christmas_eve", "сочельник"),
        ("Что делать на майские?", "vappu", "на майские"),
        ("на Рождество", "christmas", "на Рождество"),
        ("в День независимости", "independence_day", "День независимости"),
        ("Что будет на Юханнус?", "midsummer", "Юханнус"),
        ("в канун Нового года", "new_years_eve", "канун Нового года"),
        ("в Страстную пятницу", "good_friday", "Страстную пятницу"),
    ],
    "uk": [
        ("Що буде на Великдень?", "easter", "Великдень"),
        ("на Святвечір", "christmas_eve", "Святвечір"),
        ("Що робити на Різдво?", "christmas", "на Різдво"),
        ("в День незалежності Фінляндії", "independence_day", "День незалежності Фінляндії"),
        ("на перше травня", "vappu", "перше травня"),
        ("Що буде на Юханнус?", "midsummer", "Юханнус"),
        ("на Новий рік", "new_year", "на Новий рік"),
    ],
    "et": [
        ("Mis toimub jaanipäeval?", "midsummer", "jaanipäeval"),
        ("jõululaupäeval", "christmas_eve", "jõululaupäeval"),
        ("Mis on lihavõttepühadel lahti?", "easter", "lihavõttepühadel"),
        ("suurel reedel", "good_friday", "suurel reedel"),
        ("iseseisvuspäeval", "independence_day", "iseseisvuspäeval"),
        ("jõulude ajal", "christmas", "jõulude ajal"),
        ("teisel jõulupühal", "boxing_day", "teisel jõulupühal"),
        ("volbriööl", "vappu_eve", "volbriööl"),
    ],
    "ar": [
        ("ماذا يوجد في عيد الفصح؟", "easter", "عيد الفصح"),
        ("هل هناك شيء ليلة الميلاد؟", "christmas_eve", "ليلة الميلاد"),
        ("فعاليات عيد الاستقلال", "independence_day", "عيد الاستقلال"),
        ("في عيد الميلاد", "christmas", "في عيد الميلاد"),
        ("في عيد العمال", "vappu", "عيد العمال"),
        ("ليلة رأس السنة", "new_years_eve", "ليلة رأس السنة"),
        ("shu fi bi 3id el isti2lal", "independence_day", "3id el isti2lal"),
        ("fi nashat b 3eed el milad?", "christmas", "3eed el milad"),
        ("wen nrou7 eid el fes7", "easter", "eid el fes7"),
    ],
    "fa": [
        ("عید پاک چه برنامه‌ای هست؟", "easter", "عید پاک"),
        ("شب کریسمس", "christmas_eve", "شب کریسمس"),
        ("برای کریسمس", "christmas", "کریسمس"),
        ("روز استقلال فنلاند", "independence_day", "روز استقلال فنلاند"),
        ("روز کارگر", "vappu", "روز کارگر"),
        ("barname baraye krismas", "christmas", "krismas"),
    ],
    "so": [
        ("Maxaa dhacaya ciidda kirismaska?", "christmas", "ciidda kirismaska"),
        ("habeenka kirismaska", "christmas_eve", "habeenka kirismaska"),
        ("maalinta xorriyadda Finland", "independence_day", "maalinta xorriyadda Finland"),
        ("ciidda iistarka", "easter", "ciidda iistarka"),
        ("maalinta shaqaalaha", "vappu", "maalinta shaqaalaha"),
        ("juhannuska", "midsummer", "juhannuska"),
    ],
    "tr": [
        ("Paskalyada ne var?", "easter", "Paskalyada"),
        ("Noel'de açık mı?", "christmas", "Noel'de"),
        ("Noel arifesinde", "christmas_eve", "Noel arifesinde"),
        ("Bağımsızlık Günü'nde etkinlik var mı?", "independence_day", "Bağımsızlık Günü'nde"),
        ("1 Mayıs'ta", "vappu", "1 Mayıs'ta"),
        ("yılbaşı gecesi", "new_years_eve", "yılbaşı gecesi"),
        ("Paskalya pazartesi", "easter_monday", "Paskalya pazartesi"),
    ],
    "zh": [
        ("复活节有什么活动？", "easter", "复活节"),
        ("平安夜有活动吗", "christmas_eve", "平安夜"),
        ("圣诞节开门吗", "christmas", "圣诞节"),
        ("芬兰独立日有什么活动", "independence_day", "独立日"),
        ("五一有什么安排", "vappu", "五一"),
        ("仲夏节", "midsummer", "仲夏节"),
        ("复活节星期一", "easter_monday", "复活节星期一"),
        ("元旦", "new_years_day", "元旦"),
    ],
    "es": [
        ("¿Qué hay en Semana Santa?", "easter", "Semana Santa"),
        ("en Nochebuena", "christmas_eve", "Nochebuena"),
        ("¿Hay algo en Navidad?", "christmas", "en Navidad"),
        (
            "el Día de la Independencia de Finlandia",
            "independence_day",
            "Día de la Independencia de Finlandia",
        ),
        ("el primero de mayo", "vappu", "el primero de mayo"),
        ("la noche de San Juan", "midsummer_eve", "la noche de San Juan"),
        ("el viernes santo", "good_friday", "viernes santo"),
    ],
    "fr": [
        ("Qu'est-ce qu'il y a à Pâques ?", "easter", "Pâques"),
        ("la veille de Noël", "christmas_eve", "veille de Noël"),
        ("pour Noël", "christmas", "pour Noël"),
        ("le jour de l'indépendance", "independence_day", "jour de l'indépendance"),
        ("le 1er mai", "vappu", "le 1er mai"),
        ("à la Saint-Jean", "midsummer", "la Saint-Jean"),
        ("le lundi de Pâques", "easter_monday", "lundi de Pâques"),
        ("la Toussaint", "all_saints_day", "Toussaint"),
    ],
}

CASES = [
    pytest.param(language, text, key, words, id=f"{language}-{index}")
    for language, rows in PHRASES.items()
    for index, (text, key, words) in enumerate(rows)
]


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=HELSINKI)


@pytest.mark.parametrize(("language", "text", "key", "words"), CASES)
def test_a_holiday_before_it_is_this_year_s(language: str, text: str, key: str, words: str) -> None:
    this_year, _ = DAYS[key]
    now = _noon(this_year[0] - timedelta(days=20))
    reading = find_window_spans(text, language, now)
    assert reading.window == TimeWindow(*this_year)
    assert reading.holiday == Holiday(key, *this_year)
    assert [text[start:end] for start, end in reading.spans] == [words]


@pytest.mark.parametrize(("language", "text", "key", "words"), CASES)
def test_a_holiday_just_gone_is_next_year_s(language: str, text: str, key: str, words: str) -> None:
    this_year, next_year = DAYS[key]
    reading = find_window_spans(text, language, _noon(this_year[1] + timedelta(days=1)))
    assert reading.window == TimeWindow(*next_year)
    assert reading.holiday == Holiday(key, *next_year)


@pytest.mark.parametrize(("language", "text", "key", "words"), CASES)
def test_on_the_holiday_itself_it_is_still_this_year_s(
    language: str, text: str, key: str, words: str
) -> None:
    this_year, _ = DAYS[key]
    reading = find_window_spans(text, language, _noon(this_year[1]))
    assert reading.holiday == Holiday(key, *this_year)


def test_every_language_names_holidays() -> None:
    assert set(PHRASES) == set(TIME_LANGUAGES)
    for language in TIME_LANGUAGES:
        assert len(load_data(language)["holidays"]) >= 5, language


# --- Easter moves ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "first", "last"),
    [
        (datetime(2027, 1, 10, 9, 0), date(2027, 3, 26), date(2027, 3, 29)),
        (datetime(2027, 3, 29, 20, 0), date(2027, 3, 26), date(2027, 3, 29)),  # Easter Monday
        (datetime(2027, 3, 30, 9, 0), date(2028, 4, 14), date(2028, 4, 17)),
        (datetime(2028, 2, 1, 9, 0), date(2028, 4, 14), date(2028, 4, 17)),
    ],
)
@pytest.mark.parametrize(
    ("language", "text"),
    [("fi", "pääsiäisenä"), ("en", "at Easter"), ("ru", "на Пасху"), ("zh", "复活节")],
)
def test_easter_in_2027_and_2028(
    language: str, text: str, now: datetime, first: date, last: date
) -> None:
    assert find_window(text, language, now) == TimeWindow(first, last)


def test_the_package_gives_the_moving_days() -> None:
    assert finnish_holidays(2027)["easter_sunday"] == date(2027, 3, 28)
    assert finnish_holidays(2028)["easter_sunday"] == date(2028, 4, 16)
    assert finnish_holidays(2028)["midsummer_eve"] == date(2028, 6, 23)
    assert finnish_holidays(2028)["all_saints_day"] == date(2028, 11, 4)


@pytest.mark.parametrize("year", range(2025, 2036))
def test_every_key_has_days_every_year(year: int) -> None:
    for key in HOLIDAY_KEYS:
        days = coming_holiday(key, date(year, 1, 1))
        assert days is not None, (key, year)
        assert days[0] <= days[1] <= days[0] + timedelta(days=3)


def test_an_unknown_key_is_no_holiday() -> None:
    assert coming_holiday("nowruz", date(2026, 1, 1)) is None


def test_new_year_on_new_year_s_day_is_the_one_under_way() -> None:
    assert coming_holiday("new_year", date(2027, 1, 1)) == (date(2026, 12, 31), date(2027, 1, 1))
    assert coming_holiday("new_years_day", date(2027, 1, 2)) == (date(2028, 1, 1),) * 2


# --- with other time words -------------------------------------------------------------------

NOVEMBER = datetime(2026, 11, 24, 10, 0, tzinfo=HELSINKI)


def test_a_weekday_beside_easter_is_that_day_of_it() -> None:
    reading = find_window_spans("lauantaina pääsiäisenä", "fi", NOVEMBER)
    assert reading.window == TimeWindow(date(2027, 3, 27), date(2027, 3, 27))
    assert reading.holiday == Holiday("easter", date(2027, 3, 26), date(2027, 3, 29))


def test_a_weekday_beside_a_one_day_holiday_describes_it() -> None:
    assert find_window("torstaina jouluaattona", "fi", NOVEMBER) == TimeWindow(
        date(2026, 12, 24), date(2026, 12, 24)
    )


def test_the_holiday_is_told_apart_when_more_is_named() -> None:
    reading = find_window_spans("huomenna tai jouluaattona", "fi", NOVEMBER)
    assert reading.window == TimeWindow(date(2026, 11, 25), date(2026, 12, 24))
    assert reading.holiday == Holiday("christmas_eve", date(2026, 12, 24), date(2026, 12, 24))


def test_a_part_of_the_day_narrows_a_holiday() -> None:
    reading = find_window_spans("jouluaattona illalla", "fi", NOVEMBER)
    assert reading.window == TimeWindow(date(2026, 12, 24), date(2026, 12, 24))
    assert reading.clock is not None
    assert reading.clock.earliest is not None
    assert reading.clock == ClockRange(reading.clock.earliest, reading.clock.latest)
    assert reading.holiday is not None


# --- Christmas as before ----------------------------------------------------------------------

#: Phrases the old ``christmas`` range had: still Christmas Eve to Boxing Day.
OLD_CHRISTMAS = [
    ("fi", "jouluna"),
    ("fi", "joulun aikaan"),
    ("fi", "joulunpyhinä"),
    ("fi", "joulupyhinä"),
    ("sv", "i jul"),
    ("sv", "under julen"),
    ("sv", "över julen"),
    ("sv", "i julhelgen"),
    ("en", "at Christmas"),
    ("en", "over Christmas"),
    ("en", "during Christmas"),
    ("en", "on Christmas"),
    ("en", "at xmas"),
    ("ru", "на Рождество"),
    ("ru", "под Рождество"),
    ("uk", "на Різдво"),
    ("et", "jõulude ajal"),
    ("et", "jõulupühadel"),
    ("et", "jõuludel"),
    ("ar", "في عيد الميلاد"),
    ("ar", "في الكريسماس"),
    ("ar", "شو في بعيد الميلاد"),
    ("ar", "في شي الكريسماس؟"),
    ("tr", "noelde"),
    ("tr", "Noel'de"),
    ("zh", "圣诞节期间"),
    ("es", "en Navidad"),
    ("es", "por Navidad"),
    ("fr", "à Noël"),
    ("fr", "pour Noël"),
]


@pytest.mark.parametrize(("language", "text"), OLD_CHRISTMAS)
@pytest.mark.parametrize(
    ("now", "year"),
    [(NOVEMBER, 2026), (datetime(2026, 12, 26, 22, 0, tzinfo=HELSINKI), 2026),
     (datetime(2026, 12, 27, 9, 0, tzinfo=HELSINKI), 2027)],
)  # fmt: skip
def test_christmas_is_still_eve_to_boxing_day(
    language: str, text: str, now: datetime, year: int
) -> None:
    reading = find_window_spans(text, language, now)
    assert reading.window == TimeWindow(date(year, 12, 24), date(year, 12, 26))
    assert reading.holiday == Holiday("christmas", date(year, 12, 24), date(year, 12, 26))


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fi", "jouluviikolla"),
        ("sv", "under julveckan"),
        ("en", "over christmas week"),
        ("en", "the week of Christmas"),
        ("ru", "на рождественской неделе"),
        ("zh", "圣诞周"),
        ("es", "la semana de Navidad"),
    ],
)
def test_christmas_week_is_still_its_monday_to_sunday(language: str, text: str) -> None:
    reading = find_window_spans(text, language, NOVEMBER)
    assert reading.window == TimeWindow(date(2026, 12, 21), date(2026, 12, 27))
    assert reading.holiday is None


# --- not holidays -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Is there a Christmas party?"),
        ("en", "May I come too?"),
        ("fi", "joulukuussa"),
        ("fi", "Onko joulujuhlaa?"),
        ("fi", "helluntaiseurakunnan kerho"),
        ("zh", "周五一起去"),
        ("tr", "iyi cumalar"),
        ("et", "Eesti vapp"),
        ("fa", "جمعه خوبی داشته باشید"),
        ("sv", "i juli"),
        ("en", "I had an epiphany"),
        ("en", "I am from San Juan"),
        ("fr", "l'église Saint-Jean"),
    ],
)
def test_no_holiday_without_its_name(language: str, text: str) -> None:
    assert find_window_spans(text, language, NOVEMBER).holiday is None


def test_an_unknown_holiday_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown holidays"):
        compile_patterns("xx", {"holidays": {"nowruz": ["نوروز"]}})


def test_a_translator_s_holiday_entry_is_enough() -> None:
    patterns = compile_patterns("xx", {"holidays": {"christmas_eve": ["heiligabend"]}})
    assert [(found.kind, found.value) for found in patterns.scan("an heiligabend")] == [
        ("holiday", "christmas_eve")
    ]


@pytest.mark.parametrize(
    ("text", "hint", "read_as", "key"),
    [
        ("Mitä pääsiäisenä tapahtuu?", "en", "fi", "easter"),  # a wrong hint
        ("Що буде на Великдень?", "ru", "uk", "easter"),
        ("juhannuksena", "fi-x-plain", "fi", "midsummer"),
        ("平安夜", None, "zh", "christmas_eve"),
    ],
)
def test_holidays_are_read_in_the_language_they_are_written_in(
    text: str, hint: str | None, read_as: str, key: str
) -> None:
    reading = find_window_spans(text, hint, NOVEMBER)
    assert reading.language == read_as
    assert reading.holiday is not None
    assert reading.holiday.key == key


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("на вапу щось буде?", "uk"),
        ("что будет на вапу?", "ru"),
        ("anything for kids on vapu?", "en"),
        ("hay algo en vapu?", "es"),
    ],
)
def test_vappu_written_with_one_p(text: str, language: str) -> None:
    now = datetime(2027, 4, 20, 12, 0, tzinfo=HELSINKI)
    assert find_window(text, language, now) == TimeWindow(date(2027, 5, 1), date(2027, 5, 1))
