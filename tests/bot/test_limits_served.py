"""Whatever import accepts, the bot starts and answers (issue 12).

Hypothesis writes valid catalogues near every limit of FORMAT.md (COUNT 1000, INTERVAL 366,
24-hour sessions, 24 starts a day, years 2000 and 2100, 1,000 exception and one-off dates,
500-character titles in 40 languages, many activities, DAILY rules); each is imported with
the importer's own function and served with the functions ``tarjotin ask`` and
``tarjotin week`` call. Speed is asserted as work, not wall time: dateutil's calendar visits
(one per month, or year, it searches) stay bounded whatever the rules.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as dateutil_rrule
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.bootstrap import build_assistant
from catalog.parse import load_catalogue
from catalog.understanding import Understander
from handlers.core.i18n import Translator
from handlers.newcomers.programme import week_programme, week_start

LANGUAGE_CODES = [a + b for a in "abcdefgh" for b in "aeiou"][:40]
RULES = [
    "FREQ=DAILY",
    "FREQ=DAILY;COUNT=1000",
    "FREQ=DAILY;INTERVAL=366",
    "FREQ=DAILY;UNTIL=21001231",
    "FREQ=WEEKLY;INTERVAL=366;BYDAY=MO,TU,WE,TH,FR,SA,SU",
    "FREQ=WEEKLY;COUNT=520",
    "FREQ=DAILY;BYHOUR=" + ",".join(str(hour) for hour in range(24)),
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    "FREQ=MONTHLY;INTERVAL=366;BYMONTHDAY=" + ",".join(str(day) for day in range(1, 32)),
    "FREQ=YEARLY;BYWEEKNO=1,27;BYDAY=MO",
    "FREQ=YEARLY;INTERVAL=366;BYYEARDAY=1,100,-1",
    "FREQ=YEARLY;COUNT=11",
]
QUESTIONS = ["what is on this week?", "mitä tänään?", "language café tomorrow evening"]
#: dateutil's month (year) visits allowed per schedule rule for everything one example does:
#: compiling, two weeks, three questions (next sessions looked for up to ten years ahead).
VISITS_PER_RULE = 2_000


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander(["Nurmijärvi"])


@pytest.fixture
def month_visits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    visits = [0]
    rebuild = dateutil_rrule._iterinfo.rebuild

    def counted(self: dateutil_rrule._iterinfo, year: int, month: int) -> None:
        visits[0] += 1
        rebuild(self, year, month)

    monkeypatch.setattr(dateutil_rrule._iterinfo, "rebuild", counted)
    return visits


def texts(rng: Random, longest: int) -> dict[str, str]:
    languages = rng.choice([1, 2, 40])
    length = rng.choice([1, 37, longest])
    letters = rng.choice(["k", "ä", "ب", "字", "a\u0301"])
    return {code: (letters * length)[:length] for code in LANGUAGE_CODES[:languages]}


def rule(rng: Random, year: int) -> dict[str, Any]:
    start = datetime(year, rng.choice([1, 2, 12]), rng.choice([1, 28]))
    start += timedelta(minutes=rng.choice([0, 17 * 60, 23 * 60 + 59]))
    drawn: dict[str, Any] = {"rrule": rng.choice(RULES), "start": start.strftime("%Y-%m-%dT%H:%M")}
    if rng.random() < 0.5 or start.time() == time(23, 59):
        drawn["duration"] = rng.choice(["PT24H", "P1D", "PT1M"])
    else:
        drawn["end"] = "23:59"
    days = [start.date() + timedelta(days=n) for n in range(rng.choice([1, 2, 1000]))]
    drawn["except"] = [day.isoformat() for day in days if day.year <= 2100]
    return drawn


def activity(rng: Random, number: int, year: int) -> dict[str, Any]:
    drawn: dict[str, Any] = {
        "id": f"a{number}",
        "organisation": "club",
        "class": "support",
        "kinds": ["language_club", "sports", "crafts"][: 1 + number % 3],
        "title": texts(rng, 500),
        "place": "library",
    }
    if number % 4 == 1:
        drawn["description"] = texts(rng, 10_000)
    if number % 5 != 4:
        drawn["schedule"] = [rule(rng, year) for _ in range(rng.randint(1, 3))]
    one_offs = rng.choice([0, 0, 3, 1000])
    if one_offs:
        first = date(year, 1, 1) if year < 2050 else date(year, 12, 31) - timedelta(one_offs)
        days = [first + timedelta(days=n) for n in range(one_offs)]
        drawn["dates"] = [{"start": f"{day}T10:00", "end": f"{day}T23:00"} for day in days]
    return drawn


def catalogue_near_the_limits(seed: int) -> tuple[dict[str, Any], int]:
    """A valid catalogue (as plain data) with values at the limits, and its year."""
    rng = Random(seed)
    year = rng.choice([2000, 2001, 2099, 2100])
    data = {
        "format": "tarjotin/1",
        "timezone": "Europe/Helsinki",
        "networks": [
            {
                "id": "town",
                "name": {"fi": "Kaupunki"},
                "municipalities": ["Nurmijärvi"],
                "coordinator": {"email": "coordinator@example.fi"},
            }
        ],
        "organisations": [
            {"id": "club", "name": {"fi": "Kerho"}, "kind": "association", "level": "local",
             "networks": ["town"]}
        ],
        "places": [{"id": "library", "name": {"fi": "Kirjasto"}, "municipality": "Nurmijärvi"}],
        "activities": [activity(rng, number, year) for number in range(rng.randint(1, 30))],
    }
    return data, year


@settings(
    max_examples=25,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a seed needs no shrinking
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1), offset=st.sampled_from([-1, 0, 1]))
def test_a_catalogue_near_every_limit_is_imported_and_served(
    tmp_path: Path,
    understander: Understander,
    month_visits: list[int],
    seed: int,
    offset: int,
) -> None:
    data, year = catalogue_near_the_limits(seed)
    path = tmp_path / "limits.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    catalogue = load_catalogue(path)  # valid by construction: any problem fails here
    month_visits[0] = 0
    translator = Translator()
    assistant = build_assistant(catalogue, understander=understander, translator=translator)
    zone = ZoneInfo(catalogue.timezone)
    day = date(min(max(year + offset, 2000), 2100), 6, 15)
    for monday in (week_start(day), week_start(date(year, 1, 1))):
        assert week_programme(catalogue, [], translator.speaker("en"), monday, None)
    for question in QUESTIONS:
        answer = assistant.answer(question, now=datetime.combine(day, time(12), zone))
        assert answer.reply.text
    rule_count = sum(len(activity.schedule) for activity in catalogue.activities)
    assert month_visits[0] <= VISITS_PER_RULE * max(rule_count, 1)
