"""Hostile catalogues (issue 12): refused with record, field and line, never a traceback."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.occurrences import activity_occurrences
from catalog.parse import InvalidCatalogueError, load_catalogue
from catalog.problems import Problem
from catalog.source import MAX_DEPTH
from tests.catalog.test_parse import MINIMAL


def problems_of(path: Path, **options: int) -> list[Problem]:
    with pytest.raises(InvalidCatalogueError) as caught:
        load_catalogue(path, **options)
    return caught.value.problems


def write(tmp_path: Path, text: str, name: str = "hostile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, start: int = 0) -> int:
    return text.index(needle, start) and text[: text.index(needle, start)].count("\n") + 1


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = MINIMAL.replace("    place: library\n", "    place: library\n    place: library\n")
    problems = problems_of(write(tmp_path, text))
    first = line_of(text, "    place: library")
    duplicate = [p for p in problems if "duplicate key" in p.message]
    assert len(duplicate) == 1, problems
    assert duplicate[0].record == "activity 'cafe'"
    assert duplicate[0].field == "place"
    assert duplicate[0].line == first + 1
    assert f"duplicate key 'place' (also on line {first})" in duplicate[0].message


def test_duplicate_top_level_key_is_refused_not_overwritten(tmp_path: Path) -> None:
    text = MINIMAL + "timezone: Europe/Stockholm\n"
    problems = problems_of(write(tmp_path, text))
    [duplicate] = [p for p in problems if "duplicate key" in p.message]
    assert (duplicate.record, duplicate.field) == ("catalogue", "timezone")
    assert duplicate.line == text.count("\n")
    assert "also on line 2" in duplicate.message


def test_duplicate_in_a_nested_mapping(tmp_path: Path) -> None:
    text = MINIMAL.replace("title: {fi: Kielikahvila}", "title: {fi: Kielikahvila, fi: Kahvila}")
    problems = problems_of(write(tmp_path, text))
    [duplicate] = [p for p in problems if "duplicate key" in p.message]
    assert (duplicate.record, duplicate.field) == ("activity 'cafe'", "title.fi")
    assert duplicate.line == line_of(text, "title:")


def test_anchors_and_aliases_are_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("title: {fi: Kielikahvila}", "title: &t {fi: Kielikahvila}")
    text = text.replace("    place: library\n", "    description: *t\n    place: library\n")
    problems = problems_of(write(tmp_path, text))
    refused = [p for p in problems if "anchors or aliases" in p.message]
    assert {(p.field, p.line) for p in refused} == {
        ("title", line_of(text, "title:")),
        ("description", line_of(text, "description:")),
    }
    assert all(p.record.startswith("activity") for p in refused)


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 12):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 9)}]")
    problems = problems_of(write(tmp_path, "\n".join(lines) + "\n"))
    assert problems
    assert all("anchors or aliases" in p.message for p in problems)


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_yaml_is_refused(tmp_path: Path, style: str) -> None:
    depth = 100_000 if style == "flow" else 200
    if style == "flow":
        text = "format: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "".join("  " * level + f"k{level}:\n" for level in range(depth))
        text += "  " * depth + "x\n"
    problems = problems_of(write(tmp_path, text))
    # libyaml itself stops a 1,000-deep flow ("exceeded maximum nesting depth"); either way
    # the refusal names nesting and a line, and nothing recursed.
    assert any("nest" in p.message for p in problems), problems
    assert all(p.line is not None for p in problems)


def test_deep_json_is_refused_not_recursion_error(tmp_path: Path) -> None:
    depth = 100_000
    text = '{"format":\n' + "[" * depth + "]" * depth + "}"
    problems = problems_of(write(tmp_path, text, "deep.json"))
    [problem] = problems
    assert f"more than {MAX_DEPTH} levels" in problem.message
    assert problem.line == 2


def test_brackets_inside_json_strings_do_not_count(tmp_path: Path) -> None:
    data = yaml.safe_load(MINIMAL)
    data["activities"][0]["title"]["fi"] = "[" * 100 + '\\"{' * 50
    path = write(tmp_path, json.dumps(data), "brackets.json")
    assert load_catalogue(path).activities[0].title


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=HOURLY", "schedule[0].rrule", "FREQ must be"),
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=MINUTELY", "schedule[0].rrule", "FREQ must be"),
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=SECONDLY", "schedule[0].rrule", "FREQ must be"),
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=DAILY;INTERVAL=367", "schedule[0].rrule", "at most 366"),
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=DAILY;INTERVAL=99999999999999999999",
         "schedule[0].rrule", "at most 366"),
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=DAILY;COUNT=1001", "schedule[0].rrule", "at most 1000"),
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=DAILY;COUNT=999999999999999999999",
         "schedule[0].rrule", "at most 1000"),
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;UNTIL=99991231", "schedule[0].rrule", "UNTIL"),
        ('until: "2026-12-15"', 'until: "9999-12-31"', "schedule[0].until", "2000–2100"),
        ('start: "2026-08-18T17:00"', 'start: "0001-01-01T17:00"', "schedule[0].start",
         "2000–2100"),
        ('except: ["2026-12-08"]', 'except: ["2999-12-08"]', "schedule[0].except[0]",
         "2000–2100"),
        ('end: "18:30"', "duration: P999999999D", "schedule[0].duration", "24 hours"),
        ('end: "18:30"', "duration: P99999999999999999999D", "schedule[0].duration", "24 hours"),
        ('end: "18:30"', "duration: PT25H", "schedule[0].duration", "24 hours"),
        ('end: "18:30"', "duration: PT99999999999999999999S", "schedule[0].duration",
         "24 hours"),
    ],
)
def test_schedules_beyond_the_limits_are_refused(
    tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    assert old in MINIMAL
    text = MINIMAL.replace(old, new, 1)
    problems = problems_of(write(tmp_path, text))
    matching = [p for p in problems if p.record == "activity 'cafe'" and p.field == field]
    assert matching, problems
    assert words in matching[0].message
    assert matching[0].line is not None


def test_one_off_dates_outside_the_years_are_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "    schedule:",
        '    dates:\n      - {start: "1900-11-26T18:00", end: "9999-11-26T17:00"}\n    schedule:',
    )
    problems = problems_of(write(tmp_path, text))
    fields = {p.field for p in problems if "2000–2100" in p.message}
    assert fields == {"dates[0].start", "dates[0].end"}


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    problems = problems_of(path, max_bytes=100)
    assert "larger than the limit of 100 bytes" in problems[0].message
    assert load_catalogue(path, max_bytes=len(MINIMAL.encode()))


def test_the_default_limit_is_named_in_mebibytes(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:
        file.truncate(64 * 1024 * 1024 + 1)
    problems = problems_of(path)
    assert "64 MiB" in problems[0].message


_RULES = st.one_of(
    st.just("FREQ=DAILY"),
    st.integers(1, 366).map(lambda n: f"FREQ=DAILY;INTERVAL={n}"),
    st.integers(1, 366).map(lambda n: f"FREQ=WEEKLY;INTERVAL={n};BYDAY=MO,TU,WE,TH,FR,SA,SU"),
    st.integers(1, 1000).map(lambda n: f"FREQ=DAILY;COUNT={n}"),
    # four a day, every n-th day, all within ten years (the first day may have none left)
    st.integers(1, 366).flatmap(
        lambda n: st.integers(1, min(1000, 4 * (3652 // n - 1))).map(
            lambda c: f"FREQ=DAILY;INTERVAL={n};COUNT={c};BYHOUR=0,6,12,18"
        )
    ),
    st.integers(1, 366).map(lambda n: f"FREQ=MONTHLY;INTERVAL={n};BYDAY=-1FR"),
    st.integers(1, 366).map(lambda n: f"FREQ=YEARLY;INTERVAL={n};BYYEARDAY=1,100,-1"),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rule=_RULES,
    start_year=st.sampled_from([2000, 2026, 2100]),
    window_year=st.sampled_from([2000, 2027, 2100]),
    duration=st.sampled_from(["PT24H", "P1D", "PT1M"]),
)
def test_rules_near_the_limits_parse_and_expand(
    tmp_path: Path, rule: str, start_year: int, window_year: int, duration: str
) -> None:
    text = (
        MINIMAL.replace("FREQ=WEEKLY;BYDAY=TU", rule)
        .replace('start: "2026-08-18T17:00"', f'start: "{start_year}-01-01T23:59"')
        .replace('end: "18:30"', f"duration: {duration}")
        .replace('        until: "2026-12-15"\n', "")
        .replace('["2026-12-08"]', '["2100-12-31"]')
    )
    path = write(tmp_path, text)
    catalogue = load_catalogue(path)
    activity = catalogue.activities[0]
    found = activity_occurrences(
        activity,
        ZoneInfo(catalogue.timezone),
        date(window_year, 1, 1),
        date(window_year, 12, 31),
        {},
    )
    assert len(found) <= 4 * 366
    assert all(o.start.year in (window_year, window_year + 1) for o in found)


def endless(text: str) -> str:
    return text.replace('        until: "2026-12-15"\n', "")


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no session within a year"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "no session within a year"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", "no session within a year"),
        ("FREQ=DAILY;COUNT=1000;BYMONTH=2;BYMONTHDAY=29", "no session within a year"),
        ("FREQ=MONTHLY;BYSETPOS=300;BYDAY=MO", "no session within a year"),
        ("FREQ=YEARLY;BYWEEKNO=20;BYMONTH=1", "no session within a year"),
        ("FREQ=YEARLY;BYYEARDAY=366;BYMONTH=1", "no session within a year"),
        ("FREQ=WEEKLY;COUNT=1000", "within 10 years"),
        ("FREQ=YEARLY;COUNT=12", "within 10 years"),
        ("FREQ=MONTHLY;BYMONTHDAY=" + ",".join(str(d) for d in range(1, 32)) + ",-1",
         "at most 31 values"),
        ("FREQ=YEARLY;BYSETPOS=" + ",".join(str(d) for d in range(1, 40)), "at most 31 values"),
        ("FREQ=DAILY;BYHOUR=" + ",".join(str(h) for h in range(24)) + ";BYMINUTE=0,30",
         "at most 24 sessions a day"),
        ("FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=" + ",".join(str(s) for s in range(25)),
         "at most 24 sessions a day"),
    ],
)
def test_rules_that_are_costly_or_never_occur_are_refused(
    tmp_path: Path, rule: str, words: str
) -> None:
    text = endless(MINIMAL.replace("FREQ=WEEKLY;BYDAY=TU", rule))
    problems = problems_of(write(tmp_path, text))
    [problem] = [p for p in problems if p.field == "schedule[0].rrule"]
    assert problem.record == "activity 'cafe'"
    assert words in problem.message
    assert problem.line == line_of(text, "rrule:")


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO",  # 2026 has a week 53
        "FREQ=DAILY;COUNT=1000",
        "FREQ=WEEKLY;COUNT=520",
        "FREQ=YEARLY;COUNT=11",
        "FREQ=MONTHLY;BYMONTHDAY=31",
        "FREQ=DAILY;BYHOUR=8,9,10,11,12,13,14,15,16,17,18,19;BYMINUTE=0,30",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    ],
)
def test_rules_within_the_limits_are_accepted(tmp_path: Path, rule: str) -> None:
    text = endless(MINIMAL.replace("FREQ=WEEKLY;BYDAY=TU", rule))
    assert load_catalogue(write(tmp_path, text)).activities[0].schedule[0].rrule == rule


def test_counted_sessions_of_the_whole_catalogue_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("catalog.parse.MAX_COUNTED_SESSIONS", 100)
    second = '      - {rrule: "FREQ=DAILY;COUNT=60", start: "2026-09-01T10:00", duration: PT1H}\n'
    text = MINIMAL.replace("FREQ=WEEKLY;BYDAY=TU", "FREQ=DAILY;COUNT=60")
    text = text.replace('        until: "2026-12-15"\n', "").replace(
        '        except: ["2026-12-08"]\n', '        except: ["2026-12-08"]\n' + second
    )
    [problem] = problems_of(write(tmp_path, text))
    assert problem.field == "schedule[1].rrule"
    assert "add up to more than 100 sessions" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("title: {fi: Kielikahvila}", "title: {fi: " + "k" * 501 + "}", "title.fi",
         "longer than 500 characters"),
        ("title: {fi: Kielikahvila}",
         "title: {fi: Kahvila}\n    description: {fi: " + "k" * 10_001 + "}",
         "description.fi", "longer than 10,000 characters"),
        ("title: {fi: Kielikahvila}",
         "title: {" + ", ".join(f"{a}{b}: x" for a in "abcdefg" for b in "abcdef") + "}",
         "title", "more than 40 languages"),
        ('except: ["2026-12-08"]',
         "except: [" + ", ".join(f'"2027-{1 + d // 28:02d}-{1 + d % 28:02d}"'
                                 for d in range(336)) + "]",
         "", ""),
        ("kinds: [language_club]", "kinds: [language_club]\n    languages: ["
         + ", ".join(f"{a}{b}" for a in "abcdefg" for b in "abcdef") + "]",
         "languages", "more than 40 items"),
    ],
)
def test_texts_and_lists_beyond_the_limits_are_refused(
    tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    assert old in MINIMAL
    text = MINIMAL.replace(old, new, 1)
    if not field:  # 336 exception dates are well within the limit
        assert load_catalogue(write(tmp_path, text))
        return
    problems = problems_of(write(tmp_path, text))
    matching = [p for p in problems if p.record == "activity 'cafe'" and p.field == field]
    assert matching, problems
    assert words in matching[0].message
    assert matching[0].line is not None


def _many(count: int, item: str) -> str:
    return "[" + ", ".join(item.format(n=n) for n in range(count)) + "]"


@pytest.mark.parametrize(
    ("key", "count", "item", "limit"),
    [
        ("except", 1001, '"{n}"', "1,000"),
        ("dates", 1001, "{{start: 2027-01-01T10:00, end: 2027-01-01T11:00}}", "1,000"),
        ("schedule", 51, "{{rrule: FREQ=WEEKLY, start: 2027-01-01T10:00, end: '11:00'}}", "50"),
    ],
)
def test_long_session_lists_are_refused(
    tmp_path: Path, key: str, count: int, item: str, limit: str
) -> None:
    days = [date(2027, 1, 1) + timedelta(days=n) for n in range(count)]
    listed = _many(count, item).replace('"', "'") if key != "except" else (
        "[" + ", ".join(f'"{day.isoformat()}"' for day in days) + "]"
    )
    if key == "except":
        text = MINIMAL.replace('except: ["2026-12-08"]', f"except: {listed}")
    else:
        text = MINIMAL.replace("    place: library\n", f"    place: library\n    {key}: {listed}\n")
        if key == "schedule":
            start = text.index("    schedule:\n      - rrule")
            end = text.index("\n", text.index("except:", start))
            text = text[:start] + text[end + 1 :]
    problems = problems_of(write(tmp_path, text))
    wanted = "schedule[0].except" if key == "except" else key
    words = f"more than {limit} items"
    assert [p for p in problems if p.field == wanted and words in p.message], problems
