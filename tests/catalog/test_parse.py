"""Reading and validating catalogue files: every problem named, nothing half-applied."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import yaml

from catalog.parse import InvalidCatalogueError, load_catalogue
from catalog.problems import Problem

MINIMAL = """\
format: tarjotin/1
timezone: Europe/Helsinki
networks:
  - id: town
    name: {fi: Kaupunki}
    municipalities: [Nurmijärvi]
    coordinator: {email: coordinator@example.fi}
organisations:
  - id: club
    name: {fi: Kerho}
    kind: association
    level: local
    networks: [town]
places:
  - id: library
    name: {fi: Kirjasto}
    municipality: Nurmijärvi
activities:
  - id: cafe
    organisation: club
    class: support
    kinds: [language_club]
    title: {fi: Kielikahvila}
    place: library
    schedule:
      - rrule: FREQ=WEEKLY;BYDAY=TU
        start: "2026-08-18T17:00"
        end: "18:30"
        until: "2026-12-15"
        except: ["2026-12-08"]
"""


def write(tmp_path: Path, text: str, name: str = "catalogue.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(InvalidCatalogueError) as caught:
        load_catalogue(path)
    return caught.value.problems


def test_demo_catalogue_loads_every_record(demo_path: Path) -> None:
    raw = yaml.safe_load(demo_path.read_text("utf-8"))
    catalogue = load_catalogue(demo_path)
    assert [n.id for n in catalogue.networks] == [n["id"] for n in raw["networks"]]
    assert [a.id for a in catalogue.activities] == [a["id"] for a in raw["activities"]]
    assert len(catalogue.places) == len(raw["places"])
    assert len(catalogue.organisations) == len(raw["organisations"])


def test_minimal_file_builds_the_model(tmp_path: Path) -> None:
    catalogue = load_catalogue(write(tmp_path, MINIMAL))
    rule = catalogue.activities[0].schedule[0]
    assert rule.start == datetime(2026, 8, 18, 17, 0)
    assert rule.end == time(18, 30)
    assert rule.length == timedelta(minutes=90)
    assert rule.until == date(2026, 12, 15)
    assert rule.exceptions == (date(2026, 12, 8),)


def test_unquoted_dates_and_times_read_like_quoted_ones(tmp_path: Path) -> None:
    unquoted = MINIMAL.replace('"18:30"', "18:30").replace('"2026-12-15"', "2026-12-15")
    unquoted = unquoted.replace('["2026-12-08"]', "[2026-12-08]")
    unquoted = unquoted.replace('"2026-08-18T17:00"', "2026-08-18T17:00")
    assert unquoted != MINIMAL
    assert load_catalogue(write(tmp_path, unquoted)) == load_catalogue(
        write(tmp_path, MINIMAL, "quoted.yaml")
    )


def test_json_spelling_reads_the_same(tmp_path: Path) -> None:
    data = yaml.safe_load(MINIMAL)
    path = write(tmp_path, json.dumps(data), "catalogue.json")
    assert load_catalogue(path) == load_catalogue(write(tmp_path, MINIMAL))


@pytest.mark.parametrize(
    ("old", "new", "record", "field", "words"),
    [
        ("kinds: [language_club]", "kinds: [language_klub]", "activity 'cafe'", "kinds[0]",
         "not one of"),
        ("organisation: club", "organisation: nobody", "activity 'cafe'", "organisation",
         "no organisation 'nobody'"),
        ("place: library", "place: nowhere", "activity 'cafe'", "place", "no place 'nowhere'"),
        ("networks: [town]", "networks: [city]", "organisation 'club'", "networks[0]",
         "no network 'city'"),
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;BYDAY=XY", "activity 'cafe'", "schedule[0].rrule",
         "RRULE"),
        ('end: "18:30"', 'end: "16:00"', "activity 'cafe'", "schedule[0].end", "before"),
        ('until: "2026-12-15"', 'until: "2026-02-30"', "activity 'cafe'", "schedule[0].until",
         "not a real date"),
        ('until: "2026-12-15"', 'until: "2025-12-15"', "activity 'cafe'", "schedule[0].until",
         "before the first"),
        ("timezone: Europe/Helsinki", "timezone: Europe/Helsingfors", "catalogue", "timezone",
         "time zone"),
        ("title: {fi: Kielikahvila}", "title: Kielikahvila", "activity 'cafe'", "title",
         "needs a language"),
        ("title: {fi: Kielikahvila}", "title: {fi: Kielikahvila}\n    colour: red",
         "activity 'cafe'", "colour", "unknown key"),
        ("timezone: Europe/Helsinki", "timezone: Europe/Helsinki\nversion: 2", "catalogue",
         "version", "unknown key"),
        ("  - id: library", "  - id: Library!", "place 'Library!'", "id", "not an id"),
        ("class: support", "class: fun", "activity 'cafe'", "class", "not one of"),
        ('        end: "18:30"\n', "", "activity 'cafe'", "schedule[0]", "either 'end' or"),
    ],
)
def test_each_kind_of_problem_names_record_field_and_line(
    tmp_path: Path, old: str, new: str, record: str, field: str, words: str
) -> None:
    assert old in MINIMAL
    text = MINIMAL.replace(old, new, 1)
    problems = problems_of(write(tmp_path, text))
    matching = [p for p in problems if p.record == record and p.field == field]
    assert matching, problems
    assert words in matching[0].message
    assert matching[0].line is not None
    line_text = text.splitlines()[matching[0].line - 1]
    assert field.split(".")[-1].split("[")[0] in line_text or field.startswith("schedule")


def test_duplicate_ids_are_reported_on_the_second_record(tmp_path: Path) -> None:
    text = MINIMAL + MINIMAL[MINIMAL.index("  - id: cafe") :]
    problems = problems_of(write(tmp_path, text))
    assert [str(p) for p in problems if "used twice" in p.message]
    duplicate = next(p for p in problems if "used twice" in p.message)
    assert duplicate.line == text.splitlines().index("  - id: cafe", 30) + 1


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("kinds: [language_club]", "kinds: [nonsense]")
        .replace("place: library", "place: nowhere")
        .replace("timezone: Europe/Helsinki", "timezone: Mars/Olympus")
        .replace('end: "18:30"', 'end: "17:00"')
    )
    problems = problems_of(write(tmp_path, text))
    fields = {p.field for p in problems}
    assert {"kinds[0]", "place", "timezone", "schedule[0].end"} <= fields
    assert problems == sorted(problems, key=lambda p: (p.line or 0, p.record, p.field, p.message))


def test_one_off_date_ending_before_it_starts(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "    schedule:",
        '    dates:\n      - {start: "2026-11-26T18:00", end: "2026-11-26T17:00"}\n    schedule:',
    )
    problems = problems_of(write(tmp_path, text))
    assert any(p.field == "dates[0].end" and "before" in p.message for p in problems)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"\xff\xfe\xfa not utf-8", "UTF-8"),
        (b"format: [unclosed", "not valid YAML"),
        (b"format: tarjotin/1\nformat: tarjotin/1\n", "duplicate key"),
        (b"- just\n- a list\n", "top level"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_bytes(content)
    problems = problems_of(path)
    assert any(words in p.message for p in problems), problems


def test_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    problems = problems_of(tmp_path / "absent.yaml")
    assert "cannot read" in problems[0].message


@pytest.mark.parametrize(
    ("rrule", "words"),
    [
        ("FREQ=WEEKLY;INTERVAL=0;BYDAY=TU", "INTERVAL"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20261215;BYDAY=TU", "COUNT or UNTIL"),
        ("FREQ=WEEKLY;BYDAY=TU;DTSTART=20260818", "DTSTART"),
    ],
)
def test_rrules_that_cannot_be_expanded_are_refused(
    tmp_path: Path, rrule: str, words: str
) -> None:
    problems = problems_of(write(tmp_path, MINIMAL.replace("FREQ=WEEKLY;BYDAY=TU", rrule)))
    assert any(p.field == "schedule[0].rrule" and words in p.message for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new", "record", "field"),
    [
        ("language_club", "language_klub", "activity 'cafe'", "kinds[0]"),
        ("club", "nobody", "activity 'cafe'", "organisation"),
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;BYDAY=XY", "activity 'cafe'", "schedule[0].rrule"),
        ("18:30", "16:00", "activity 'cafe'", "schedule[0].end"),
        ("Europe/Helsinki", "Europe/Helsingfors", "catalogue", "timezone"),
    ],
)
def test_json_problems_carry_the_line_of_their_value(
    tmp_path: Path, old: str, new: str, record: str, field: str
) -> None:
    data = yaml.safe_load(MINIMAL)
    text = json.dumps(data, indent=2, ensure_ascii=False)
    key = field.split(".")[-1].split("[")[0]
    lines = text.splitlines()
    target = next(  # the line of the value to spoil (the key's line, or a list item's)
        n for n, line in enumerate(lines) if f'"{old}"' in line and (key in line or "[" in field)
    )
    lines[target] = lines[target].replace(f'"{old}"', f'"{new}"')
    spoiled = "\n".join(lines)
    [problem] = [
        p for p in problems_of(write(tmp_path, spoiled, "catalogue.json"))
        if p.record == record and p.field == field
    ]
    assert problem.line == target + 1


def test_a_key_written_twice_in_json_names_both_lines(tmp_path: Path) -> None:
    text = '{\n  "format": "tarjotin/1",\n  "format": "tarjotin/1"\n}\n'
    [problem] = [
        p for p in problems_of(write(tmp_path, text, "catalogue.json")) if "duplicate" in p.message
    ]
    assert problem.line == 3
    assert "also on line 2" in problem.message


def test_a_value_of_the_wrong_shape_is_reported_once(tmp_path: Path) -> None:
    text = MINIMAL.replace('start: "2026-08-18T17:00"', 'start: "2026-08-18T25:00"')
    problems = problems_of(write(tmp_path, text))
    about_start = [p for p in problems if p.field == "schedule[0].start"]
    assert len(about_start) == 1, about_start
