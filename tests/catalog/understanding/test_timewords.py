"""Time words in every language turned into windows of local dates.

The tables say what a phrase means in words ("the coming Tuesday", "next week"); the expected
dates are worked out here by walking the calendar a day at a time from a fixed ``now``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.understanding.mapped_text import normalise_mapped, normalise_pattern
from catalog.understanding.query import ClockRange, TimeWindow
from catalog.understanding.timepatterns import TIME_LANGUAGES, compile_patterns, time_patterns
from catalog.understanding.timewords import find_window, find_window_spans

HELSINKI = ZoneInfo("Europe/Helsinki")
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=HELSINKI)
SATURDAY = datetime(2026, 11, 28, 11, 0, tzinfo=HELSINKI)
SUNDAY = datetime(2026, 11, 29, 20, 30, tzinfo=HELSINKI)
NEW_YEAR = datetime(2026, 12, 30, 12, 0, tzinfo=HELSINKI)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
EVENING = (time(17, 0), None)
MORNING = (None, time(11, 59))
AFTERNOON = (time(12, 0), time(18, 0))


# --- the calendar, walked day by day -------------------------------------------------------


def _walk(start: date, weekday: int) -> date:
    day = start
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def _after_this_week(today: date) -> date:
    """The first Monday after ``today``."""
    return _walk(today + timedelta(days=1), MON)


def _month_end(day: date) -> date:
    while (day + timedelta(days=1)).month == day.month:
        day += timedelta(days=1)
    return day


def expected(spec: str, today: date) -> tuple[date, date]:
    """The inclusive dates a spoken description means on ``today``."""
    kind, _, argument = spec.partition(":")
    if kind == "in":
        day = today + timedelta(days=int(argument))
        return day, day
    if kind == "weekday":
        day = _walk(today, int(argument))
        return day, day
    if kind == "next-weekday":
        day = _walk(_after_this_week(today), int(argument))
        return day, day
    if kind == "coming-weekday":  # the first one after today
        day = _walk(today + timedelta(days=1), int(argument))
        return day, day
    if kind == "this-week":
        return today, _walk(today, SUN)
    if kind == "next-week":
        monday = _after_this_week(today)
        return monday, monday + timedelta(days=6)
    if kind == "this-weekend":
        return (today, today) if today.weekday() == SUN else (_walk(today, SAT), _walk(today, SUN))
    if kind == "next-weekend":
        saturday = _walk(_after_this_week(today), SAT)
        return saturday, saturday + timedelta(days=1)
    if kind == "this-month":
        return today, _month_end(today)
    if kind == "next-month":
        first = _month_end(today) + timedelta(days=1)
        return first, _month_end(first)
    raise AssertionError(spec)


def window(spec: str, now: datetime) -> TimeWindow:
    start, end = expected(spec, now.date())
    return TimeWindow(start, end)


def clock_of(part: tuple[time | None, time | None]) -> ClockRange | None:
    """The clock range a part of the day means, None for no part."""
    return None if part == (None, None) else ClockRange(*part)


# --- per-language tables: (phrase, meaning, part of day) ------------------------------------

Row = tuple[str, str, tuple[time | None, time | None]]
NO_PART: tuple[None, None] = (None, None)

PHRASES: dict[str, list[Row]] = {
    "fi": [
        ("Mitä tänään tapahtuu?", "in:0", NO_PART),
        ("Onko tänä iltana jotain?", "in:0", EVENING),
        ("Mitä huomenna illalla?", "in:1", EVENING),
        ("ylihuomenna", "in:2", NO_PART),
        ("Onko tällä viikolla kielikahvilaa?", "this-week", NO_PART),
        ("mitä ensi viikolla", "next-week", NO_PART),
        ("seuraavalla viikolla", "next-week", NO_PART),
        ("Mitä lapsille on viikonloppuna?", "this-weekend", NO_PART),
        ("viikonloppuisin", "this-weekend", NO_PART),
        ("ensi viikonloppuna", "next-weekend", NO_PART),
        ("Onko maanantaina mitään?", f"weekday:{MON}", NO_PART),
        ("tiistaisin", f"weekday:{TUE}", NO_PART),
        ("keskiviikkona aamulla", f"weekday:{WED}", MORNING),
        ("ensi torstaina", f"next-weekday:{THU}", NO_PART),
        ("ensi viikon perjantaina", f"next-weekday:{FRI}", NO_PART),
        ("tässä kuussa", "this-month", NO_PART),
        ("ensi kuussa", "next-month", NO_PART),
        ("TANAAN", "in:0", NO_PART),
    ],
    "fi-x-plain": [
        ("Mitä on huomenna?", "in:1", NO_PART),
        ("Mitä on lauantaina?", f"weekday:{SAT}", NO_PART),
    ],
    "sv": [
        ("Vad händer i dag?", "in:0", NO_PART),
        ("Vad händer idag?", "in:0", NO_PART),
        ("något i kväll?", "in:0", EVENING),
        ("i morgon", "in:1", NO_PART),
        ("i övermorgon", "in:2", NO_PART),
        ("i veckan", "this-week", NO_PART),
        ("den här veckan", "this-week", NO_PART),
        ("nästa vecka", "next-week", NO_PART),
        ("Vad kan barnen göra i helgen?", "this-weekend", NO_PART),
        ("nästa helg", "next-weekend", NO_PART),
        ("Finns det ett familjecafé på fredag?", f"weekday:{FRI}", NO_PART),
        ("på tisdag kväll", f"weekday:{TUE}", EVENING),
        ("nästa onsdag", f"next-weekday:{WED}", NO_PART),
        ("nästa månad", "next-month", NO_PART),
    ],
    "en": [
        ("What's happening today?", "in:0", NO_PART),
        ("anything tonight?", "in:0", EVENING),
        ("this morning", "in:0", MORNING),
        ("Is there a language café tomorrow?", "in:1", NO_PART),
        ("tomorrow afternoon", "in:1", AFTERNOON),
        ("the day after tomorrow", "in:2", NO_PART),
        ("this week", "this-week", NO_PART),
        ("Anything for teenagers next week?", "next-week", NO_PART),
        ("What's happening this weekend?", "this-weekend", NO_PART),
        ("at the weekend", "this-weekend", NO_PART),
        ("on weekends", "this-weekend", NO_PART),
        ("next weekend", "next-weekend", NO_PART),
        ("Anything in Hämeenlinna on Saturday?", f"weekday:{SAT}", NO_PART),
        ("on Tuesdays", f"weekday:{TUE}", NO_PART),
        ("next Tuesday", f"next-weekday:{TUE}", NO_PART),
        ("on Friday next week", f"next-weekday:{FRI}", NO_PART),
        ("this month", "this-month", NO_PART),
        ("next month", "next-month", NO_PART),
    ],
    "ru": [
        ("Что сегодня происходит?", "in:0", NO_PART),
        ("что будет завтра вечером", "in:1", EVENING),
        ("послезавтра", "in:2", NO_PART),
        ("на этой неделе", "this-week", NO_PART),
        ("на следующей неделе", "next-week", NO_PART),
        ("Чем заняться с детьми в эти выходные?", "this-weekend", NO_PART),
        ("на выходных", "this-weekend", NO_PART),
        ("в следующие выходные", "next-weekend", NO_PART),
        ("Что будет во вторник?", f"weekday:{TUE}", NO_PART),
        ("Что будет в среду?", f"weekday:{WED}", NO_PART),
        ("по субботам", f"weekday:{SAT}", NO_PART),
        ("в следующий четверг", f"next-weekday:{THU}", NO_PART),
        ("в следующем месяце", "next-month", NO_PART),
    ],
    "uk": [
        ("Що сьогодні відбувається?", "in:0", NO_PART),
        ("завтра ввечері", "in:1", EVENING),
        ("післязавтра", "in:2", NO_PART),
        ("цього тижня", "this-week", NO_PART),
        ("Що буде наступного тижня?", "next-week", NO_PART),
        ("Заходи для дітей на вихідних?", "this-weekend", NO_PART),
        ("у вівторок", f"weekday:{TUE}", NO_PART),
        ("Щось для сімей у п'ятницю?", f"weekday:{FRI}", NO_PART),
        ("у п’ятницю", f"weekday:{FRI}", NO_PART),
        ("в неділю", f"weekday:{SUN}", NO_PART),
        ("наступного вівторка", f"next-weekday:{TUE}", NO_PART),
        ("наступного місяця", "next-month", NO_PART),
    ],
    "et": [
        ("Mis täna toimub?", "in:0", NO_PART),
        ("homme õhtul", "in:1", EVENING),
        ("ülehomme", "in:2", NO_PART),
        ("sel nädalal", "this-week", NO_PART),
        ("Mis toimub järgmisel nädalal?", "next-week", NO_PART),
        ("Kas sel nädalavahetusel on lastele midagi?", "this-weekend", NO_PART),
        ("järgmisel nädalavahetusel", "next-weekend", NO_PART),
        ("Kas teisipäeval on midagi?", f"weekday:{TUE}", NO_PART),
        ("reedeti", f"weekday:{FRI}", NO_PART),
        ("järgmisel kolmapäeval", f"next-weekday:{WED}", NO_PART),
        ("sel kuul", "this-month", NO_PART),
    ],
    "ar": [
        ("ماذا يوجد اليوم؟", "in:0", NO_PART),
        ("الليلة", "in:0", EVENING),
        ("ماذا يوجد غداً مساءً؟", "in:1", EVENING),
        ("بعد غد", "in:2", NO_PART),
        ("هذا الأسبوع", "this-week", NO_PART),
        ("ماذا يوجد الأسبوع القادم؟", "next-week", NO_PART),
        ("في عطلة نهاية الأسبوع", "this-weekend", NO_PART),
        ("نهاية الأسبوع المقبل", "next-weekend", NO_PART),
        ("ماذا يوجد للعائلات يوم السبت؟", f"weekday:{SAT}", NO_PART),
        ("الثلاثاء", f"weekday:{TUE}", NO_PART),
        ("والخميس", f"weekday:{THU}", NO_PART),
        ("الثلاثاء القادم", f"coming-weekday:{TUE}", NO_PART),
        ("السبت الجاي", f"coming-weekday:{SAT}", NO_PART),
        ("الشهر القادم", "next-month", NO_PART),
        ("اليـــوم", "in:0", NO_PART),
    ],
    "fa": [
        ("امروز چه برنامه‌ای هست؟", "in:0", NO_PART),
        ("امشب", "in:0", EVENING),
        ("فردا شب", "in:1", EVENING),
        ("پس‌فردا", "in:2", NO_PART),
        ("این هفته", "this-week", NO_PART),
        ("هفته‌ی بعد", "next-week", NO_PART),
        ("هفته آینده", "next-week", NO_PART),
        ("این آخر هفته برای بچه‌ها برنامه‌ای هست؟", "this-weekend", NO_PART),
        ("سه‌شنبه", f"weekday:{TUE}", NO_PART),
        ("سه شنبه ها", f"weekday:{TUE}", NO_PART),
        ("شنبه", f"weekday:{SAT}", NO_PART),
        ("یکشنبه", f"weekday:{SUN}", NO_PART),
        ("پنجشنبه", f"weekday:{THU}", NO_PART),
        ("سه‌شنبه آینده", f"next-weekday:{TUE}", NO_PART),
        ("ماه آینده", "next-month", NO_PART),
        ("يکشنبه", f"weekday:{SUN}", NO_PART),
    ],
    "so": [
        ("Maxaa maanta dhacaya?", "in:0", NO_PART),
        ("caawa", "in:0", EVENING),
        ("berri", "in:1", NO_PART),
        ("toddobaadkan", "this-week", NO_PART),
        ("Maxaa dhacaya toddobaadka soo socda?", "next-week", NO_PART),
        ("dhammaadka toddobaadka", "this-weekend", NO_PART),
        ("Talaado", f"weekday:{TUE}", NO_PART),
        ("maalinta Jimcaha", f"weekday:{FRI}", NO_PART),
        ("Sabtida", f"weekday:{SAT}", NO_PART),
        ("Talaadada soo socota", f"coming-weekday:{TUE}", NO_PART),
        ("Axadda soo socota", f"coming-weekday:{SUN}", NO_PART),
        ("bishan", "this-month", NO_PART),
    ],
    "tr": [
        ("Bugün ne var?", "in:0", NO_PART),
        ("bu akşam", "in:0", EVENING),
        ("Yarın akşam", "in:1", EVENING),
        ("yarından sonra", "in:2", NO_PART),
        ("bu hafta", "this-week", NO_PART),
        ("Gelecek hafta ne var?", "next-week", NO_PART),
        ("Hafta sonu çocuklar için etkinlik var mı?", "this-weekend", NO_PART),
        ("gelecek hafta sonu", "next-weekend", NO_PART),
        ("Cuma günü aileler için bir şey var mı?", f"weekday:{FRI}", NO_PART),
        ("salı", f"weekday:{TUE}", NO_PART),
        ("SALI", f"weekday:{TUE}", NO_PART),
        ("cumartesi", f"weekday:{SAT}", NO_PART),
        ("Cuma'ya", f"weekday:{FRI}", NO_PART),
        ("haftaya salı", f"next-weekday:{TUE}", NO_PART),
        ("gelecek ay", "next-month", NO_PART),
    ],
    "zh": [
        ("今天有什么活动？", "in:0", NO_PART),
        ("今晚", "in:0", EVENING),
        ("明天晚上", "in:1", EVENING),
        ("后天", "in:2", NO_PART),
        ("这周", "this-week", NO_PART),
        ("下周", "next-week", NO_PART),
        ("下个星期", "next-week", NO_PART),
        ("这个周末有适合孩子的活动吗？", "this-weekend", NO_PART),
        ("下周末", "next-weekend", NO_PART),
        ("周二", f"weekday:{TUE}", NO_PART),
        ("星期二", f"weekday:{TUE}", NO_PART),
        ("礼拜二", f"weekday:{TUE}", NO_PART),
        ("星期天上午", f"weekday:{SUN}", MORNING),
        ("下周三", f"next-weekday:{WED}", NO_PART),
        ("下个月", "next-month", NO_PART),
    ],
    "es": [
        ("¿Qué hay hoy?", "in:0", NO_PART),
        ("esta noche", "in:0", EVENING),
        ("mañana por la tarde", "in:1", AFTERNOON),
        ("pasado mañana", "in:2", NO_PART),
        ("esta semana", "this-week", NO_PART),
        ("¿Qué hay la próxima semana?", "next-week", NO_PART),
        ("la semana que viene", "next-week", NO_PART),
        ("¿Hay actividades para niños este fin de semana?", "this-weekend", NO_PART),
        ("el próximo fin de semana", "next-weekend", NO_PART),
        ("el martes", f"weekday:{TUE}", NO_PART),
        ("los sábados", f"weekday:{SAT}", NO_PART),
        ("el miercoles", f"weekday:{WED}", NO_PART),
        ("el jueves que viene", f"next-weekday:{THU}", NO_PART),
        ("el mes que viene", "next-month", NO_PART),
    ],
    "fr": [
        ("Qu'est-ce qu'il y a aujourd'hui ?", "in:0", NO_PART),
        ("ce soir", "in:0", EVENING),
        ("demain matin", "in:1", MORNING),
        ("après-demain", "in:2", NO_PART),
        ("Y a-t-il un café linguistique cette semaine ?", "this-week", NO_PART),
        ("la semaine prochaine", "next-week", NO_PART),
        ("Des activités pour les enfants ce week-end ?", "this-weekend", NO_PART),
        ("le week-end prochain", "next-weekend", NO_PART),
        ("mardi", f"weekday:{TUE}", NO_PART),
        ("Qu'est-ce qu'il y a samedi ?", f"weekday:{SAT}", NO_PART),
        ("mardi prochain", f"next-weekday:{TUE}", NO_PART),
        ("le mois prochain", "next-month", NO_PART),
    ],
}

CASES = [
    pytest.param(language, phrase, spec, part, id=f"{language}-{index}")
    for language, rows in PHRASES.items()
    for index, (phrase, spec, part) in enumerate(rows)
]


@pytest.mark.parametrize(("language", "phrase", "spec", "part"), CASES)
@pytest.mark.parametrize("now", [TUESDAY, SATURDAY, SUNDAY, NEW_YEAR], ids=str)
def test_phrase_means_its_window(
    language: str,
    phrase: str,
    spec: str,
    part: tuple[time | None, time | None],
    now: datetime,
) -> None:
    reading = find_window_spans(phrase, language, now)
    assert reading.window == window(spec, now)
    assert reading.clock == clock_of(part)


def test_every_language_has_a_table() -> None:
    assert set(TIME_LANGUAGES) | {"fi-x-plain"} == set(PHRASES)


# --- things that are no time --------------------------------------------------------------

NOT_TIME = [
    ("fi", "Haluan oppia suomea. Missä on kurssi?"),
    ("fi", "kerran viikossa"),
    ("fi", "aamuisin"),  # a part of the day alone names no day
    ("fi", "Kurssi alkaa klo 10.11"),
    ("sv", "en gång i månaden"),
    ("en", "once a week"),
    ("en", "May I ask something?"),
    ("en", "Is there a Christmas party?"),
    ("en", "We want to come"),
    ("en", "Good morning!"),
    ("ar", "هل يمكنني التحدث مع أحد الموظفين؟"),
    ("ar", "صباح الخير"),
    ("fa", "شب شعر فارسی کی است؟"),
    ("fa", "جشن نوروز کی برگزار می‌شود؟"),
    ("fr", "un homme et une femme"),
    ("uk", "серед інших"),
    ("zh", "一周一次"),
    ("zh", "三个月"),
    ("tr", "Erkekler için bir grup var mı?"),
    ("tr", "Bugünlerde çok yoğunum"),  # "nowadays"
    ("so", "Waxaan u baahanahay caawimaad arrin shakhsi ah."),
    ("es", "¿Dónde puedo practicar finés conversando?"),
    ("et", "Kas soome keele kursusi on?"),
    ("en", "Costs 5.50 euros"),
    ("fi", "Onko 31.2. jotain?"),
]


@pytest.mark.parametrize(("language", "text"), NOT_TIME)
def test_no_window_without_time_words(language: str, text: str) -> None:
    assert find_window(text, language, TUESDAY) is None


# --- dates --------------------------------------------------------------------------------

DATES = [
    ("fi", "24.11.", TUESDAY, date(2026, 11, 24)),
    ("fi", "Onko 5.12. jotain?", TUESDAY, date(2026, 12, 5)),
    ("fi", "24.11.2027", TUESDAY, date(2027, 11, 24)),
    ("fi", "5.12.26", TUESDAY, date(2026, 12, 5)),
    ("fi", "24/11", TUESDAY, date(2026, 11, 24)),
    ("en", "11/12", TUESDAY, date(2026, 12, 11)),  # day first, the Finnish way
    ("en", "11/24", TUESDAY, date(2026, 11, 24)),  # only valid month first
    ("en", "2026-12-05", TUESDAY, date(2026, 12, 5)),
    ("fi", "24. marraskuuta", TUESDAY, date(2026, 11, 24)),
    ("fi", "marraskuun 30. päivänä", TUESDAY, date(2026, 11, 30)),
    ("sv", "den 24 november", TUESDAY, date(2026, 11, 24)),
    ("en", "24 November", TUESDAY, date(2026, 11, 24)),
    ("en", "on the 5th of December", TUESDAY, date(2026, 12, 5)),
    ("en", "Dec 5", TUESDAY, date(2026, 12, 5)),
    ("ru", "24 ноября", TUESDAY, date(2026, 11, 24)),
    ("uk", "24 листопада", TUESDAY, date(2026, 11, 24)),
    ("et", "5. detsembril", TUESDAY, date(2026, 12, 5)),
    ("zh", "11月24日", TUESDAY, date(2026, 11, 24)),
    ("zh", "十二月五号", TUESDAY, date(2026, 12, 5)),
    ("es", "24 de noviembre", TUESDAY, date(2026, 11, 24)),
    ("es", "el 5 de diciembre de 2027", TUESDAY, date(2027, 12, 5)),
    ("fr", "le 24 novembre", TUESDAY, date(2026, 11, 24)),
    ("fr", "le 1er décembre", TUESDAY, date(2026, 12, 1)),
    ("tr", "24 kasım", TUESDAY, date(2026, 11, 24)),
    ("tr", "5 Aralık'ta", TUESDAY, date(2026, 12, 5)),
    ("so", "5 Diseembar", TUESDAY, date(2026, 12, 5)),
    ("ar", "٢٤ نوفمبر", TUESDAY, date(2026, 11, 24)),
    ("ar", "٥ كانون الأول", TUESDAY, date(2026, 12, 5)),
    ("fa", "۲۴ نوامبر", TUESDAY, date(2026, 11, 24)),
    ("ar", "٢٤/١١", TUESDAY, date(2026, 11, 24)),
    ("en", "24. November", TUESDAY, date(2026, 11, 24)),
    # a day number alone is the coming date with that number
    ("en", "on the 28th", TUESDAY, date(2026, 11, 28)),
    ("en", "on the 2nd", TUESDAY, date(2026, 12, 2)),
    ("en", "Saturday the 28th", TUESDAY, date(2026, 11, 28)),
    ("fi", "28. päivänä", TUESDAY, date(2026, 11, 28)),
    ("ru", "2 числа", TUESDAY, date(2026, 12, 2)),
    ("zh", "28号有活动吗", TUESDAY, date(2026, 11, 28)),
    # "the 28th of this month" is that day, not the rest of the month
    ("zh", "这个月28号有活动吗", TUESDAY, date(2026, 11, 28)),
    ("zh", "本月28日", TUESDAY, date(2026, 11, 28)),
    ("fa", "۲۸ام همین ماه", TUESDAY, date(2026, 11, 28)),
    ("fa", "۲۸ام چیزی هست؟", TUESDAY, date(2026, 11, 28)),
    ("en", "the 28th of this month", TUESDAY, date(2026, 11, 28)),
    ("fr", "le 28", TUESDAY, date(2026, 11, 28)),
    ("fr", "le 5.12.", TUESDAY, date(2026, 12, 5)),
    # across the new year: a date just gone is this year's, one long gone next year's
    ("fi", "2.1.", NEW_YEAR, date(2027, 1, 2)),
    ("fi", "5. tammikuuta", NEW_YEAR, date(2027, 1, 5)),
    ("en", "January 5", NEW_YEAR, date(2027, 1, 5)),
    ("fi", "28.12.", NEW_YEAR, date(2026, 12, 28)),
    ("fi", "1.12.", NEW_YEAR, date(2027, 12, 1)),
]


@pytest.mark.parametrize(("language", "text", "now", "day"), DATES)
def test_dates(language: str, text: str, now: datetime, day: date) -> None:
    assert find_window(text, language, now) == TimeWindow(day, day)


@pytest.mark.parametrize(
    ("language", "text", "first", "last"),
    [
        ("fi", "joulukuussa", date(2026, 12, 1), date(2026, 12, 31)),
        ("en", "in March", date(2027, 3, 1), date(2027, 3, 31)),
        ("ru", "в декабре", date(2026, 12, 1), date(2026, 12, 31)),
        ("zh", "12月", date(2026, 12, 1), date(2026, 12, 31)),
        ("fi", "marraskuussa", date(2026, 11, 24), date(2026, 11, 30)),
        ("fi", "Onko jotain 1.12.-5.12.?", date(2026, 12, 1), date(2026, 12, 5)),
        ("en", "Monday or Tuesday", date(2026, 11, 24), date(2026, 11, 30)),
        ("sv", "Är något öppet under julveckan?", date(2026, 12, 21), date(2026, 12, 27)),
        ("fi", "jouluna", date(2026, 12, 24), date(2026, 12, 26)),
        ("en", "anything in the next few days?", date(2026, 11, 24), date(2026, 11, 30)),
        ("fi", "Mitä lähipäivinä?", date(2026, 11, 24), date(2026, 11, 30)),
        ("zh", "这几天有什么活动", date(2026, 11, 24), date(2026, 11, 30)),
        # Levantine "ha-" joined to the noun
        ("ar", "شو في هالأسبوع؟", date(2026, 11, 24), date(2026, 11, 29)),
        ("ar", "في شي هالويكند", date(2026, 11, 28), date(2026, 11, 29)),
        ("ar", "shu fi hal osbo3", date(2026, 11, 24), date(2026, 11, 29)),
        # "a week from today", "after two days" (the dual, one word) are that one day
        ("ar", "في شي بعد اسبوع من اليوم؟", date(2026, 12, 1), date(2026, 12, 1)),
        ("ar", "في شي للولاد بعد يومين؟", date(2026, 11, 26), date(2026, 11, 26)),
        ("ar", "شو في بعد اسبوعين من هلق", date(2026, 12, 8), date(2026, 12, 8)),
        ("ar", "shu fi ba3d osbo3ein", date(2026, 12, 8), date(2026, 12, 8)),
        # Somali "the 15th" with its suffix, before a part of the day
        ("so", "maxaa jira 28-ka galabta?", date(2026, 11, 28), date(2026, 11, 28)),
        # the week's holiday is the weekend, not the week
        ("ar", "في مشي بعطله هالاسبوع؟", date(2026, 11, 28), date(2026, 11, 29)),
        ("ar", "fi shi 3otlet hal esbo3", date(2026, 11, 28), date(2026, 11, 29)),
    ],
)
def test_months_and_spans_of_days(language: str, text: str, first: date, last: date) -> None:
    assert find_window(text, language, TUESDAY) == TimeWindow(first, last)


def test_a_weekday_beside_a_date_describes_it() -> None:
    assert find_window("lauantaina 5.12.", "fi", TUESDAY) == TimeWindow(
        date(2026, 12, 5), date(2026, 12, 5)
    )


# --- the clock, the hint and odd input ------------------------------------------------------


def test_now_is_read_in_helsinki() -> None:
    late_utc = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 01:30 on the 25th there
    assert find_window("today", "en", late_utc) == TimeWindow(
        date(2026, 11, 25), date(2026, 11, 25)
    )


def test_naive_now_is_taken_as_local() -> None:
    naive = datetime(2026, 11, 24, 23, 30)
    assert find_window("today", "en", naive) == TimeWindow(date(2026, 11, 24), date(2026, 11, 24))


@pytest.mark.parametrize(
    ("text", "hint", "spec"),
    [
        ("Bugün ne var?", "en", "in:0"),  # wrong hint: other languages are tried
        ("Mitä ensi viikolla?", None, "next-week"),
        ("Что будет завтра?", "uk", "in:1"),
        ("امروز", "ar", "in:0"),
        ("今天", None, "in:0"),
        ("tomorrow", "de", "in:1"),  # a language without time words is no hint
    ],
)
def test_hint_is_only_a_hint(text: str, hint: str | None, spec: str) -> None:
    assert find_window(text, hint, TUESDAY) == window(spec, TUESDAY)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("un homme", "fr"),  # Estonian "homme" is tomorrow
        ("Tänä vuonna", "fi"),  # Estonian "täna" is today
        ("Onko salivuoroa? Sali on iso.", "fi"),  # Turkish "salı" is Tuesday
        ("¿Se organizan salidas?", "es"),
        ("hoy ma jiraa?", "so"),  # Spanish "hoy" is today
    ],
)
def test_words_of_the_hinted_language_are_not_read_as_another_s(text: str, language: str) -> None:
    assert find_window(text, language, TUESDAY) is None


def test_another_language_s_word_still_counts_in_that_language() -> None:
    assert find_window("homme", "et", TUESDAY) == window("in:1", TUESDAY)
    assert find_window("hoy", "es", TUESDAY) == window("in:0", TUESDAY)


@pytest.mark.parametrize(
    ("text", "language", "spec"),
    [
        ("ＴＯＭＯＲＲＯＷ", "en", "in:1"),  # full-width letters
        ("HUOMENNA", "fi", "in:1"),
        ("غــداً", "ar", "in:1"),  # tatweel and tanween
        ("سه\u200dشنبه", "fa", f"weekday:{TUE}"),  # a zero-width joiner inside
        ("سه\u200cشنبه", "fa", f"weekday:{TUE}"),
        ("سهشنبه", "fa", f"weekday:{TUE}"),
        ("tiistaina", "fi", f"weekday:{TUE}"),
        ("manana", "es", "in:1"),  # no tilde
        ("sabado", "es", f"weekday:{SAT}"),
        ("carsamba", "tr", f"weekday:{WED}"),
    ],
)
def test_odd_spellings(text: str, language: str, spec: str) -> None:
    assert find_window(text, language, TUESDAY) == window(spec, TUESDAY)


# --- spans --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "words"),
    [
        ("Onko ensi viikolla kielikahvila?", "fi", ["ensi viikolla"]),
        ("Mitä huomenna illalla Espoossa?", "fi", ["huomenna", "illalla"]),
        ("Onko 5.12. jotain?", "fi", ["5.12."]),
        ("ＴＯＭＯＲＲＯＷ please", "en", ["ＴＯＭＯＲＲＯＷ"]),
        ("هل يوجد شيء غــداً؟", "ar", ["غــداً"]),
        ("سه‌شنبه‌ها کلاس هست؟", "fa", ["سه‌شنبه‌ها"]),
        ("这个周末有活动吗", "zh", ["这个周末"]),
    ],
)
def test_spans_point_at_the_time_words(text: str, language: str, words: list[str]) -> None:
    reading = find_window_spans(text, language, TUESDAY)
    assert reading.window is not None
    assert [text[start:end] for start, end in reading.spans] == words
    assert reading.language == language


def test_no_spans_without_a_time_word() -> None:
    reading = find_window_spans("Onko kursseja?", "fi", TUESDAY)
    assert reading.window is None
    assert reading.clock is None
    assert reading.spans == ()


def test_a_part_of_the_day_alone_is_a_clock_range_without_a_window() -> None:
    reading = find_window_spans("Onko illalla kursseja?", "fi", TUESDAY)
    assert reading.window is None
    assert reading.clock == ClockRange(time(17, 0), None)
    assert reading.spans


@pytest.mark.parametrize(
    ("language", "text"),
    [("zh", "大后天有活动吗"), ("ru", "что есть послепослезавтра"), ("fa", "پس پس فردا چی هست")],
)
def test_three_days_ahead_is_its_own_day(language: str, text: str) -> None:
    reading = find_window_spans(text, language, TUESDAY)
    day = TUESDAY.date() + timedelta(days=3)
    assert reading.window == TimeWindow(day, day)


@pytest.mark.parametrize(
    ("text", "word", "weekday", "clock"),
    [
        ("onko torstaiaamuna jotain", "torstaiaamuna", THU, ClockRange(None, time(11, 59))),
        ("keskiviikkoiltana kerhoa?", "keskiviikkoiltana", WED, ClockRange(time(17, 0), None)),
        ("sunnuntaiaamupäivällä", "sunnuntaiaamupäivällä", SUN, ClockRange(None, time(11, 59))),
    ],
)
def test_a_finnish_weekday_and_part_of_the_day_in_one_word(
    text: str, word: str, weekday: int, clock: ClockRange
) -> None:
    reading = find_window_spans(text, "fi", TUESDAY)
    day = _walk(TUESDAY.date(), weekday)
    assert reading.window == TimeWindow(day, day)
    assert reading.clock == clock
    assert "".join(text[start:end] for start, end in reading.spans) == word


@pytest.mark.parametrize(
    ("language", "text", "spec"),
    [
        ("sv", "kurs nästa vekca?", "next-week"),
        ("fi", "onko ens viikol jotain", "next-week"),
        ("fi", "kurssi ens kuussa", "next-month"),
        ("en", "anything next mont", "next-month"),
        ("fa", "پنج شبنه کلاس هست؟", f"weekday:{THU}"),
    ],
)
def test_slips_and_colloquial_forms(language: str, text: str, spec: str) -> None:
    assert find_window_spans(text, language, TUESDAY).window == window(spec, TUESDAY)


@pytest.mark.parametrize(
    ("language", "text"),
    [("uk", "що буде на 28-ме?"), ("uk", "на 28-те є щось?"), ("ru", "что будет на 28-е?")],
)
def test_a_day_of_the_month_with_its_ending(language: str, text: str) -> None:
    reading = find_window_spans(text, language, TUESDAY)
    assert reading.window == TimeWindow(date(2026, 11, 28), date(2026, 11, 28))


def test_persian_asr_is_the_afternoon() -> None:
    reading = find_window_spans("فردا عصر برنامه ای هست؟", "fa", TUESDAY)
    assert reading.clock == ClockRange(time(12, 0), time(18, 0))


def test_a_turkish_word_near_a_time_word_is_not_bent_into_it() -> None:
    # "bütün" (all) is one letter from "bugün" (today) once its dots are folded away
    assert find_window_spans("bütün hafta evdeyiz", "tr", TUESDAY).window is None


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("uk", "Доброго вечора! Шукаю гурток на суботу."),
        ("ru", "Доброго утра, ищу кружок на субботу."),
        ("fa", "عصر بخیر، شنبه برنامه ای هست"),
        ("fa", "sob bekheir, shanbe barname hast"),
        ("fi", "Hyvää iltapäivää, onko lauantaina kerhoa"),
        ("sv", "God kväll, finns det klubb på lördag"),
        ("et", "Tere õhtust, kas laupäeval on klubi"),
        ("tr", "iyi sabahlar cumartesi kulüp var mı"),
        ("zh", "下午好，星期六有活动吗"),
        ("fr", "bon après-midi, il y a un club samedi"),
        ("ar", "masa2 el 5eir fi nadi yom el sabt"),
    ],
)
def test_a_greeting_names_no_part_of_the_day(language: str, text: str) -> None:
    reading = find_window_spans(text, language, TUESDAY)
    assert reading.window is not None
    assert reading.clock is None


@given(st.text(max_size=60))
def test_any_text_gives_a_sane_reading(text: str) -> None:
    reading = find_window_spans(text, "fi", TUESDAY)
    if reading.window is not None:
        assert reading.window.start <= reading.window.end
    for start, end in reading.spans:
        assert 0 <= start < end <= len(text)


@given(st.text(max_size=40))
def test_normalised_text_maps_back_inside_the_original(text: str) -> None:
    mapped = normalise_mapped(text)
    assert len(mapped.starts) == len(mapped.ends) == len(mapped.text)
    for start, end in zip(mapped.starts, mapped.ends, strict=True):
        assert 0 <= start < end <= len(text)


# --- the data files ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", TIME_LANGUAGES)
def test_every_data_file_compiles(language: str) -> None:
    patterns = time_patterns(language)
    assert patterns.language == language
    assert patterns.meanings


def test_unknown_language_has_no_time_words() -> None:
    with pytest.raises(KeyError):
        time_patterns("xx")


def test_upper_case_escapes_are_refused() -> None:
    with pytest.raises(ValueError, match="lower-case"):
        normalise_pattern(r"\W+")


def test_a_translator_s_entry_is_enough() -> None:
    patterns = compile_patterns("xx", {"tomorrow": ["morgen"], "weekdays": {"friday": ["freitag"]}})
    kinds = [(found.kind, found.value) for found in patterns.scan("morgen oder freitag")]
    assert kinds == [("day", 1), ("weekday", 4)]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "saturday afternoon"),
        ("en", "saturday after noon"),
        ("sv", "på lördag eftermiddag"),
        ("fr", "samedi apres midi"),
        ("tr", "cumartesi öğleden sonra"),
        ("ru", "в субботу после обеда"),
        ("ar", "يوم السبت بعد الظهر"),
        ("fa", "شنبه بعد از ظهر"),
    ],
)
def test_after_noon_is_the_afternoon_of_that_day(language: str, text: str) -> None:
    reading = find_window_spans(text, language, TUESDAY)
    assert reading.window == TimeWindow(date(2026, 11, 28), date(2026, 11, 28))
    assert reading.clock == ClockRange(time(12, 0), time(18, 0))


@pytest.mark.parametrize(
    ("language", "text"),
    [("ar", "هل في شي يوم 12 ديسمبر؟"), ("en", "anything on the 12th of December?")],
)
def test_a_day_number_inside_a_whole_date_is_that_date(language: str, text: str) -> None:
    twelfth = date(2026, 12, 12)
    assert find_window(text, language, TUESDAY) == TimeWindow(twelfth, twelfth)


@pytest.mark.parametrize(
    "text",
    ["il y a une sortie demain ?", "y a deux activités samedi", "ma fille a une activité jeudi"],
)
def test_french_a_as_a_verb_is_no_clock(text: str) -> None:
    """"Il y a une" is "is there a": only "à une heure" (or digits) is one o'clock."""
    now = datetime(2027, 2, 11, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    assert find_window_spans(text, "fr", now).clock is None


@pytest.mark.parametrize(
    ("text", "hour"), [("à une heure", 13), ("a 18h", 18), ("vers six heures", 18), ("à midi", 12)]
)
def test_french_clock_times_after_a_still_count(text: str, hour: int) -> None:
    now = datetime(2027, 2, 11, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    clock = find_window_spans(text, "fr", now).clock
    assert clock is not None
    assert clock.earliest is not None
    assert clock.earliest.hour == hour


def test_arabizi_in_three_days_is_a_day_not_a_clock() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    found = find_window_spans("ba3d 3 ayam shu fi?", "ar", now)
    assert found.clock is None
    assert found.window == TimeWindow(date(2026, 12, 4), date(2026, 12, 4))


def test_independence_day_in_russian_translit() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    found = find_window_spans("a v den nezavisimosti chto budet?", "ru", now)
    assert found.window == TimeWindow(date(2026, 12, 6), date(2026, 12, 6))
