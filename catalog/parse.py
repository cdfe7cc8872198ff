"""Turning a catalogue file into a validated :class:`~catalog.model.Catalogue`.

Checks structure (the JSON Schema) and meaning (unique ids, references, RRULE syntax, real
dates, end after start, a known time zone), collects every problem before giving up, and only
builds the model when there are none: an importer never applies half a file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from catalog.limits import (
    COUNTED_SEARCH_MONTHS,
    COUNTED_YEARS,
    FIRST_SEARCH_MONTHS,
    FIRST_SESSION_WITHIN,
    FIRST_YEAR,
    FREQUENCIES,
    LAST_YEAR,
    MAX_COUNT,
    MAX_COUNTED_SESSIONS,
    MAX_INTERVAL,
    MAX_RULE_VALUES,
    MAX_SESSION,
    MAX_STARTS_A_DAY,
)
from catalog.model import (
    Activity,
    ActivityId,
    AgeRange,
    Catalogue,
    Contact,
    Coordinator,
    Network,
    NetworkId,
    OneOffDate,
    Organisation,
    OrganisationId,
    Place,
    PlaceId,
    ScheduleRule,
    Text,
    text_of,
)
from catalog.occurrences.scan import bounded
from catalog.problems import Problem, problem_at
from catalog.schema_check import structural_problems
from catalog.sharing import Shared
from catalog.source import (
    MAX_FILE_BYTES,
    Document,
    Path_,
    SourceError,
    read_document,
    read_text,
    yaml_lines,
)

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_LISTS = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO",
          "BYMONTH", "BYSETPOS", "BYEASTER")


class InvalidCatalogueError(Exception):
    """The file has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the catalogue")
        self.problems = problems


def load_catalogue(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Catalogue:
    """Read, validate and build a catalogue; raise :class:`InvalidCatalogueError` when wrong.

    A file larger than ``max_bytes`` (64 MiB unless given) is refused unread.
    """
    try:
        document = read_document(path, track_lines=False, max_bytes=max_bytes)
        try:
            return parse_document(document)
        except InvalidCatalogueError as error:
            if all(problem.line is not None for problem in error.problems):
                raise
            if document.is_json:  # JSON's lines are found by reading it once more
                return parse_document(read_document(path, track_lines=True, max_bytes=max_bytes))
            problems, outline = error.problems, document.outline
        lines = yaml_lines(read_text(path, max_bytes), _wanted(problems), outline)
        raise InvalidCatalogueError(sorted(_with_lines(problems, lines), key=_order))
    except SourceError as error:
        raise InvalidCatalogueError([Problem(error.line, "catalogue", "", str(error))]) from error


def _wanted(problems: list[Problem]) -> frozenset[Path_]:
    """Every path whose line a problem may be reported on: its own and its ancestors'."""
    return frozenset(
        problem.path[:end] for problem in problems for end in range(len(problem.path) + 1)
    )


def _with_lines(problems: list[Problem], lines: dict[Path_, int]) -> Iterator[Problem]:
    for problem in problems:
        if problem.line is not None:
            yield problem
            continue
        path = problem.path
        while path and path not in lines:
            path = path[:-1]
        yield replace(problem, line=lines.get(path))


def parse_document(document: Document) -> Catalogue:
    """Validate a read document and build the model, or raise :class:`InvalidCatalogueError`."""
    refused = [problem_at(document, path, message) for path, message in document.refusals]
    if refused and not document.complete:
        raise InvalidCatalogueError(sorted(set(refused), key=_order))
    if not isinstance(document.data, dict):
        problem = Problem(1, "catalogue", "", "the top level must be a mapping")
        raise InvalidCatalogueError([problem])
    problems = refused + structural_problems(document)
    # A value with the wrong shape fails both checks ("not a date like …", "not a real date"):
    # a field the structure check already named is not named again.
    named = {(problem.record, problem.field) for problem in problems}
    problems += [p for p in meaning_problems(document) if (p.record, p.field) not in named]
    if problems:
        raise InvalidCatalogueError(sorted(set(problems), key=_order))
    return build_catalogue(document.data)


def _order(problem: Problem) -> tuple[int, str, str, str]:
    return (problem.line or 0, problem.record, problem.field, problem.message)


# --- value parsing ------------------------------------------------------------------------


def parse_local_datetime(value: str) -> datetime:
    """Parse ``YYYY-MM-DDTHH:MM[:SS]`` as a naive local date-time."""
    return datetime.fromisoformat(value).replace(tzinfo=None)


def parse_local_date(value: str) -> date:
    """Parse ``YYYY-MM-DD``."""
    return date.fromisoformat(value)


def parse_local_time(value: str) -> time:
    """Parse ``HH:MM[:SS]``."""
    return time.fromisoformat(value)


def parse_duration(value: str) -> timedelta:
    """Parse the ISO 8601 durations the format allows (days, hours, minutes, seconds)."""
    match = _DURATION.match(value)
    if match is None:
        raise ValueError(f"not a duration: {value!r}")
    if any(part is not None and len(part) > 9 for part in match.groups()):
        raise ValueError(f"duration too long: {value!r}")  # timedelta would overflow
    days, hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _in_years(value: date | datetime) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


# --- meaning checks ------------------------------------------------------------------------


def _records(data: dict[str, Any], collection: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = data.get(collection)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def _ids(data: dict[str, Any], collection: str) -> set[str]:
    records = _records(data, collection)
    return {record["id"] for _, record in records if isinstance(record.get("id"), str)}


def meaning_problems(document: Document) -> list[Problem]:
    """Problems that a JSON Schema cannot express."""
    data: dict[str, Any] = document.data
    problems: list[Problem] = []

    def report(path: Path_, message: str) -> None:
        problems.append(problem_at(document, path, message))

    _check_timezone(data, report)
    for collection in ("networks", "organisations", "places", "activities"):
        _check_duplicate_ids(data, collection, report)
    networks, organisations, places = (
        _ids(data, "networks"),
        _ids(data, "organisations"),
        _ids(data, "places"),
    )
    for index, organisation in _records(data, "organisations"):
        for position, network in enumerate(_list(organisation.get("networks"))):
            if isinstance(network, str) and network not in networks:
                report(("organisations", index, "networks", position), f"no network {network!r}")
    counted = [0]  # COUNT values so far, against MAX_COUNTED_SESSIONS
    for index, activity in _records(data, "activities"):
        path: Path_ = ("activities", index)
        organisation_id = activity.get("organisation")
        if isinstance(organisation_id, str) and organisation_id not in organisations:
            report((*path, "organisation"), f"no organisation {organisation_id!r}")
        place_id = activity.get("place")
        if isinstance(place_id, str) and place_id not in places:
            report((*path, "place"), f"no place {place_id!r}")
        _check_schedule(activity, path, report, counted)
        _check_dates(activity, path, report)
        _check_age(activity, path, report)
    return problems


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _check_timezone(data: dict[str, Any], report: Callable[[Path_, str], None]) -> None:
    zone = data.get("timezone")
    if isinstance(zone, str):
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            report(("timezone",), f"{zone!r} is not a known IANA time zone")


def _check_duplicate_ids(
    data: dict[str, Any], collection: str, report: Callable[[Path_, str], None]
) -> None:
    seen: dict[str, int] = {}
    for index, record in _records(data, collection):
        record_id = record.get("id")
        if not isinstance(record_id, str):
            continue
        if record_id in seen:
            report(
                (collection, index, "id"),
                f"id {record_id!r} is used twice (also record #{seen[record_id] + 1})",
            )
        else:
            seen[record_id] = index


def _parsed(
    value: object, parser: Callable[[str], Any], path: Path_, report: Callable[[Path_, str], None]
) -> Any:
    """Parse a string field; report values that have the right shape but are not real."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parser(value)
    except ValueError:
        report(path, f"{value!r} is not a real date or time")
        return None
    if isinstance(parsed, date) and not _in_years(parsed):
        report(path, f"{value!r} is outside the years {FIRST_YEAR}–{LAST_YEAR}")
        return None
    return parsed


def _check_schedule(
    activity: dict[str, Any], path: Path_, report: Callable[[Path_, str], None], counted: list[int]
) -> None:
    for position, rule in enumerate(_list(activity.get("schedule"))):
        if not isinstance(rule, dict):
            continue
        rule_path: Path_ = (*path, "schedule", position)
        start = _parsed(rule.get("start"), parse_local_datetime, (*rule_path, "start"), report)
        end = _parsed(rule.get("end"), parse_local_time, (*rule_path, "end"), report)
        until = _parsed(rule.get("until"), parse_local_date, (*rule_path, "until"), report)
        for day_position, day in enumerate(_list(rule.get("except"))):
            _parsed(day, parse_local_date, (*rule_path, "except", day_position), report)
        duration = rule.get("duration")
        if isinstance(duration, str) and _DURATION.match(duration):
            try:
                length = parse_duration(duration)
            except (ValueError, OverflowError):
                length = MAX_SESSION * 2
            if length <= timedelta(0):
                report((*rule_path, "duration"), "must be longer than zero")
            elif length > MAX_SESSION:
                report((*rule_path, "duration"), "a session may last at most 24 hours")
        if start is not None and end is not None and end <= start.time():
            report((*rule_path, "end"), f"ends ({rule['end']}) before it starts ({rule['start']})")
        if start is not None and until is not None and until < start.date():
            report((*rule_path, "until"), "is before the first occurrence ('start')")
        rrule_text = rule.get("rrule")
        if isinstance(rrule_text, str):
            message = rrule_problem(rrule_text, start or datetime(2000, 1, 1), counted)
            if message:
                report((*rule_path, "rrule"), message)


def rrule_problem(
    rrule_text: str, start: datetime, counted: list[int] | None = None
) -> str | None:
    """Why an RRULE cannot be used, or ``None`` when it parses and keeps the limits.

    ``counted`` holds the COUNT values of the catalogue's rules so far (one number, updated).
    """
    if "DTSTART" in rrule_text.upper():
        return "write DTSTART as 'start', not inside the RRULE"
    parts = dict(part.partition("=")[::2] for part in rrule_text.upper().split(";"))
    if "COUNT" in parts and "UNTIL" in parts:
        return "use COUNT or UNTIL, not both (RFC 5545)"
    freq = parts.get("FREQ", "")
    if freq not in FREQUENCIES:
        return f"FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY, not {freq!r}"
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or int(interval) < 1:
        return f"INTERVAL must be a whole number of at least 1, not {interval!r}"
    if len(interval) > 4 or int(interval) > MAX_INTERVAL:
        return f"INTERVAL may be at most {MAX_INTERVAL}"
    count = parts.get("COUNT")
    if count is not None and (not count.isdigit() or len(count) > 5 or int(count) > MAX_COUNT):
        return f"COUNT must be a whole number of at most {MAX_COUNT}"
    until = parts.get("UNTIL")
    if until is not None and not (
        until[:4].isdigit() and FIRST_YEAR <= int(until[:4]) <= LAST_YEAR
    ):
        return f"UNTIL must be a date in the years {FIRST_YEAR}–{LAST_YEAR}"
    too_many = [key for key in _LISTS if len(parts.get(key, "").split(",")) > MAX_RULE_VALUES]
    if too_many:
        return f"{too_many[0]} may list at most {MAX_RULE_VALUES} values"
    starts_a_day = 1
    for key in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        starts_a_day *= len(set(parts[key].split(","))) if key in parts else 1
    if starts_a_day > MAX_STARTS_A_DAY:
        return f"a rule may start at most {MAX_STARTS_A_DAY} sessions a day (BYHOUR × BYMINUTE)"
    try:
        parsed = rrulestr(rrule_text, dtstart=start)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        return f"not a valid RRULE: {error}"
    if not isinstance(parsed, rrule):
        return "write one rule"
    return _sessions_problem(parsed, start, int(count) if count else None, counted or [0])


def _sessions_problem(
    parsed: rrule, start: datetime, count: int | None, counted: list[int]
) -> str | None:
    """Whether the rule's sessions are cheap to find: soon after ``start``, few if counted."""
    first = next(bounded(parsed, FIRST_SEARCH_MONTHS), None)
    if first is None or first - start > FIRST_SESSION_WITHIN:
        return "the rule gives no session within a year of its start: check its BY… parts"
    if count is None:
        return None
    if counted[0] + count > MAX_COUNTED_SESSIONS:
        return f"the catalogue's COUNTs add up to more than {MAX_COUNTED_SESSIONS:,} sessions"
    counted[0] += count
    found = list(bounded(parsed, COUNTED_SEARCH_MONTHS))
    if len(found) < count or found[-1] > _years_after(start, COUNTED_YEARS):
        return f"all sessions of a counted rule must lie within {COUNTED_YEARS} years of its start"
    return None


def _years_after(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # the 29th of February
        return moment.replace(year=moment.year + years, day=28)


def _check_dates(
    activity: dict[str, Any], path: Path_, report: Callable[[Path_, str], None]
) -> None:
    for position, one_off in enumerate(_list(activity.get("dates"))):
        if not isinstance(one_off, dict):
            continue
        date_path: Path_ = (*path, "dates", position)
        start = _parsed(one_off.get("start"), parse_local_datetime, (*date_path, "start"), report)
        end = _parsed(one_off.get("end"), parse_local_datetime, (*date_path, "end"), report)
        if start is not None and end is not None and end <= start:
            report((*date_path, "end"), f"ends ({one_off['end']}) before it starts")


def _check_age(activity: dict[str, Any], path: Path_, report: Callable[[Path_, str], None]) -> None:
    age = activity.get("age")
    if isinstance(age, dict):
        low, high = age.get("min"), age.get("max")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            report((*path, "age"), f"min ({low}) is greater than max ({high})")


# --- building the model --------------------------------------------------------------------


def _text(value: object) -> Text:
    return text_of(value) if isinstance(value, dict) else ()


def _contact(value: object) -> Contact | None:
    if not isinstance(value, dict):
        return None
    return Contact(
        name=_text(value.get("name")),
        email=value.get("email"),
        phone=value.get("phone"),
        url=value.get("url"),
    )


def _rule(raw: dict[str, Any]) -> ScheduleRule:
    return ScheduleRule(
        rrule=raw["rrule"],
        start=parse_local_datetime(raw["start"]),
        end=parse_local_time(raw["end"]) if "end" in raw else None,
        duration=parse_duration(raw["duration"]) if "duration" in raw else None,
        until=parse_local_date(raw["until"]) if "until" in raw else None,
        exceptions=tuple(parse_local_date(day) for day in raw.get("except", ())),
    )


def _activity(raw: dict[str, Any], shared: Shared) -> Activity:
    age = raw.get("age")
    return Activity(
        id=ActivityId(raw["id"]),
        organisation=OrganisationId(raw["organisation"]),
        klass=shared.code(raw["class"]),
        kinds=shared.codes(raw["kinds"]),
        title=_text(raw["title"]),
        description=_text(raw.get("description")),
        audience=shared.codes(raw.get("audience", ())),
        languages=shared.codes(raw.get("languages", ())),
        finnish_level=_code(shared, raw.get("finnish_level")),
        place=PlaceId(raw["place"]) if "place" in raw else None,
        schedule=shared.value(tuple(shared.value(_rule(rule)) for rule in raw.get("schedule", ()))),
        dates=tuple(
            OneOffDate(parse_local_datetime(d["start"]), parse_local_datetime(d["end"]))
            for d in raw.get("dates", ())
        ),
        cost=shared.value(_text(raw.get("cost"))),
        registration=shared.value(_text(raw.get("registration"))),
        contact=_contact(raw.get("contact")),
        stages=shared.codes(raw.get("stages", ())),
        age=shared.value(AgeRange(age.get("min"), age.get("max")))
        if isinstance(age, dict)
        else None,
        holidays=_code(shared, raw.get("holidays")),
    )


def _code(shared: Shared, value: str | None) -> str | None:
    return None if value is None else shared.code(value)


def build_catalogue(data: dict[str, Any]) -> Catalogue:
    """Build the model from data that passed every check."""
    networks = tuple(
        Network(
            id=NetworkId(raw["id"]),
            name=_text(raw["name"]),
            municipalities=tuple(raw["municipalities"]),
            coordinator=Coordinator(
                email=raw["coordinator"]["email"],
                name=_text(raw["coordinator"].get("name")),
                phone=raw["coordinator"].get("phone"),
            ),
            languages=tuple(raw.get("languages", ())),
        )
        for raw in data["networks"]
    )
    organisations = tuple(
        Organisation(
            id=OrganisationId(raw["id"]),
            name=_text(raw["name"]),
            kind=raw["kind"],
            level=raw["level"],
            networks=tuple(NetworkId(n) for n in raw["networks"]),
            contact=_contact(raw.get("contact")),
            holidays=raw.get("holidays"),
        )
        for raw in data["organisations"]
    )
    places = tuple(
        Place(
            id=PlaceId(raw["id"]),
            name=_text(raw["name"]),
            municipality=raw["municipality"],
            address=raw.get("address"),
            geo=(float(raw["geo"][0]), float(raw["geo"][1])) if "geo" in raw else None,
            online=bool(raw.get("online", False)),
            url=raw.get("url"),
            accessibility=_text(raw.get("accessibility")),
        )
        for raw in data.get("places", ())
    )
    shared = Shared()
    activities = tuple(_activity(raw, shared) for raw in data["activities"])
    return Catalogue(data["timezone"], networks, organisations, places, activities)
