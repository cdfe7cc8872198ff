"""The activity form of the keepers' console: what a browser submits, checked like an import.

A form holds plain strings and lists, exactly as they came from the page. :func:`activity_from`
turns one into a record of the ``tarjotin/1`` format and runs it through the import's own
checks (:func:`catalog.edits.edit_problems`); every problem's path is mapped back to the form
field it belongs to (:func:`field_of`) and phrased in the keeper's language. So the console
can never store what an import would refuse, and a problem is shown beside its field.

Field names (the ``name`` of each input, and the keys of :data:`FieldProblems`):
``title.<lang>``, ``description.<lang>``, ``cost.<lang>``, ``registration.<lang>``, ``kinds``,
``class``, ``audience``, ``age_min``, ``age_max``, ``languages``, ``finnish_level``,
``stages``, ``holidays``, ``place``, ``new_place.name|address|municipality|url``,
``schedule.<i>.weekday|start|end|valid_from|valid_until|exceptions|rrule|duration`` and
``dates.<i>.day|start|end|end_day``; ``""`` is a problem of the whole form.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import Any

from catalog.additions import activity_from_record, activity_record
from catalog.edits import edit_problems, frame_for, place_from_record
from catalog.limits import FIRST_YEAR, LAST_YEAR
from catalog.model import Activity, Catalogue, Network, Place
from catalog.problems import Problem
from catalog.source import Path_
from catalog.vocabulary import PLAIN_FINNISH, SUPPORTED_LANGUAGES
from handlers.coordination.tray_report import DemandLine, newcomer_languages
from handlers.core.i18n import Speaker

FieldProblems = dict[str, list[str]]
"""A form field's name to the problems shown beside it, in the keeper's language."""

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
"""The weekday codes of a weekly rule (RFC 5545), Monday first as Babel counts them."""

_WEEKLY = re.compile(r"^FREQ=WEEKLY;BYDAY=(MO|TU|WE|TH|FR|SA|SU)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
_TEXT_FIELDS = (
    ("title", "titles"),
    ("description", "descriptions"),
    ("cost", "costs"),
    ("registration", "registrations"),
)
_ID_LENGTH = 48


@dataclass(frozen=True, slots=True)
class RuleForm:
    """One weekly rule as the form shows it; ``rrule`` keeps a rule the form cannot draw."""

    weekday: str = ""
    start: str = ""
    end: str = ""
    valid_from: str = ""
    valid_until: str = ""
    exceptions: tuple[str, ...] = ()
    rrule: str = ""
    duration: str = ""


@dataclass(frozen=True, slots=True)
class DateForm:
    """One one-off session: a day, a start time and an end time."""

    day: str = ""
    start: str = ""
    end: str = ""
    end_day: str = ""
    """The day it ends when not ``day`` (an evening past midnight)."""


@dataclass(frozen=True, slots=True)
class PlaceForm:
    """A place created from the activity form (an ``url`` and no address: online)."""

    name: str = ""
    address: str = ""
    municipality: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class ActivityForm:
    """What the activity form submits, as plain strings and lists (nothing parsed yet).

    Texts map a language code to the text; empty texts are left out. ``place`` is the id of
    a place on offer; ``new_place`` (when given) creates one instead.
    """

    titles: Mapping[str, str] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)
    kinds: tuple[str, ...] = ()
    klass: str = ""
    audience: tuple[str, ...] = ()
    age_min: str = ""
    age_max: str = ""
    languages: tuple[str, ...] = ()
    finnish_level: str = ""
    costs: Mapping[str, str] = field(default_factory=dict)
    registrations: Mapping[str, str] = field(default_factory=dict)
    place: str = ""
    new_place: PlaceForm | None = None
    schedule: tuple[RuleForm, ...] = ()
    dates: tuple[DateForm, ...] = ()
    stages: tuple[str, ...] = ()
    holidays: str = ""


@dataclass(frozen=True, slots=True)
class Edited:
    """A checked form: the activity and the place it creates (``None``: an existing one)."""

    activity: Activity
    place: Place | None = None


# --- from an activity to its form -----------------------------------------------------------


def _clock(value: time) -> str:
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def _rule_form(record: dict[str, Any]) -> RuleForm:
    start = str(record["start"])
    day, _, clock = start.partition("T")
    weekly = _WEEKLY.match(record["rrule"])
    return RuleForm(
        weekday=weekly.group(1) if weekly else "",
        start=clock,
        end=str(record.get("end", "")),
        valid_from=day,
        valid_until=str(record.get("until", "")),
        exceptions=tuple(record.get("except", ())),
        rrule="" if weekly else record["rrule"],
        duration=str(record.get("duration", "")),
    )


def form_of(activity: Activity) -> ActivityForm:
    """The form filled in with an activity as it is (what the edit page opens with)."""
    record = activity_record(activity)
    age = record.get("age", {})
    return ActivityForm(
        titles=dict(activity.title),
        descriptions=dict(activity.description),
        kinds=activity.kinds,
        klass=activity.klass,
        audience=activity.audience,
        age_min=str(age.get("min", "")),
        age_max=str(age.get("max", "")),
        languages=activity.languages,
        finnish_level=activity.finnish_level or "",
        costs=dict(activity.cost),
        registrations=dict(activity.registration),
        place=activity.place or "",
        schedule=tuple(_rule_form(rule) for rule in record.get("schedule", ())),
        dates=tuple(
            DateForm(
                day=d.start.date().isoformat(),
                start=_clock(d.start.time()),
                end=_clock(d.end.time()),
                end_day="" if d.end.date() == d.start.date() else d.end.date().isoformat(),
            )
            for d in activity.dates
        ),
        stages=activity.stages,
        holidays=activity.holidays or "",
    )


# --- from a form to an activity ---------------------------------------------------------------


def _texts(values: Mapping[str, str]) -> dict[str, str]:
    return {language: text.strip() for language, text in values.items() if text.strip()}


def _number(value: str) -> int | str:
    """A whole number when the text is one; otherwise the text, for the schema to refuse."""
    text = value.strip()
    return int(text) if re.fullmatch(r"\d{1,4}", text) else text


def _rule_record(rule: RuleForm) -> dict[str, Any]:
    record: dict[str, Any] = {
        "rrule": rule.rrule.strip() or f"FREQ=WEEKLY;BYDAY={rule.weekday.strip().upper()}",
        "start": f"{rule.valid_from.strip()}T{rule.start.strip()}",
    }
    if rule.duration.strip() and not rule.end.strip():
        record["duration"] = rule.duration.strip()
    else:
        record["end"] = rule.end.strip()
    if rule.valid_until.strip():
        record["until"] = rule.valid_until.strip()
    exceptions = [day.strip() for day in rule.exceptions if day.strip()]
    if exceptions:
        record["except"] = exceptions
    return record


def _date_record(one_off: DateForm) -> dict[str, str]:
    day = one_off.day.strip()
    end_day = one_off.end_day.strip() or day
    return {"start": f"{day}T{one_off.start.strip()}", "end": f"{end_day}T{one_off.end.strip()}"}


def record_of(
    form: ActivityForm, organisation_id: str, activity_id: str, place: str | None
) -> dict[str, Any]:
    """The form as an activity record of the ``tarjotin/1`` format (not yet checked)."""
    record: dict[str, Any] = {
        "id": activity_id,
        "organisation": organisation_id,
        "class": form.klass.strip(),
        "kinds": list(form.kinds),
        "title": _texts(form.titles),
    }
    optional: list[tuple[str, Any]] = [
        ("description", _texts(form.descriptions)),
        ("audience", list(form.audience)),
        ("languages", list(form.languages)),
        ("finnish_level", form.finnish_level.strip()),
        ("place", place or ""),
        ("schedule", [_rule_record(rule) for rule in form.schedule]),
        ("dates", [_date_record(d) for d in form.dates]),
        ("cost", _texts(form.costs)),
        ("registration", _texts(form.registrations)),
        ("stages", list(form.stages)),
        ("holidays", form.holidays.strip()),
    ]
    record.update((key, value) for key, value in optional if value)
    age = {
        key: _number(value)
        for key, value in (("min", form.age_min), ("max", form.age_max))
        if value.strip()
    }
    if age:
        record["age"] = age
    return record


def slug(text: str, fallback: str) -> str:
    """An id of the format from a name: ``Kielikahvila Itä`` → ``kielikahvila-ita``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not words or not words[0].isalpha():
        words = f"{fallback}-{words}".strip("-")
    return words[: _ID_LENGTH - 4].rstrip("-")


def unused_id(name: str, fallback: str, taken: Iterable[str]) -> str:
    """A new id made from ``name`` that none of ``taken`` uses (``-2``, ``-3``… appended)."""
    used = set(taken)
    base = slug(name, fallback)
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def new_activity_id(form: ActivityForm, catalogue: Catalogue, taken: Iterable[str] = ()) -> str:
    """An id for a new activity, from its first title (unused in the catalogue and ``taken``)."""
    title = next(iter(_texts(form.titles).values()), "")
    return unused_id(title, "activity", [*(a.id for a in catalogue.activities), *taken])


def _place_record(form: PlaceForm, catalogue: Catalogue) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": unused_id(form.name, "place", (p.id for p in catalogue.places)),
        "name": {"fi": form.name.strip()} if form.name.strip() else {},
        "municipality": form.municipality.strip(),
    }
    if form.address.strip():
        record["address"] = form.address.strip()
    if form.url.strip():
        record["url"] = form.url.strip()
        if not form.address.strip():
            record["online"] = True
    return record


def _real_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _shape_problems(form: ActivityForm) -> list[tuple[str, str]]:
    """Problems of the parts the form joins into one value (a day and a time → a start)."""
    found: list[tuple[str, str]] = []
    for index, rule in enumerate(form.schedule):
        prefix = f"schedule.{index}."
        if not rule.rrule.strip() and rule.weekday.strip().upper() not in WEEKDAYS:
            found.append((prefix + "weekday", "weekday"))
        if not _DATE.match(rule.valid_from.strip()):
            found.append((prefix + "valid_from", "date"))
        elif not _real_date(rule.valid_from.strip()):
            found.append((prefix + "valid_from", "real"))
        if not _TIME.match(rule.start.strip()):
            found.append((prefix + "start", "time"))
    for index, one_off in enumerate(form.dates):
        prefix = f"dates.{index}."
        if not _DATE.match(one_off.day.strip()):
            found.append((prefix + "day", "date"))
        elif not _real_date(one_off.day.strip()):
            found.append((prefix + "day", "real"))
        if one_off.end_day.strip() and not _DATE.match(one_off.end_day.strip()):
            found.append((prefix + "end_day", "date"))
        for name, value in (("start", one_off.start), ("end", one_off.end)):
            if not _TIME.match(value.strip()):
                found.append((prefix + name, "time"))
    return found


def activity_from(
    form: ActivityForm,
    catalogue: Catalogue,
    organisation_id: str,
    activity_id: str,
    speaker: Speaker,
) -> Edited | FieldProblems:
    """Check the form as an import checks a file; the activity, or the problems per field.

    ``catalogue`` is the catalogue on offer (references are checked against it); a new place
    in the form gets a fresh id. Every problem is found at once: a rule or date whose parts
    cannot even be joined (a weekday, a day, a time) is named beside those parts and left out
    of the import's check of the rest. Nothing is stored here.
    """
    shapes = _shape_problems(form)
    bad_rules = {_index_of(name) for name, _ in shapes if name.startswith("schedule.")}
    bad_dates = {_index_of(name) for name, _ in shapes if name.startswith("dates.")}
    rules = [i for i in range(len(form.schedule)) if i not in bad_rules]
    dates = [i for i in range(len(form.dates)) if i not in bad_dates]
    checked = replace(
        form,
        schedule=tuple(form.schedule[i] for i in rules),
        dates=tuple(form.dates[i] for i in dates),
    )
    place_data = _place_record(form.new_place, catalogue) if form.new_place else None
    place_id = place_data["id"] if place_data else form.place.strip() or None
    record = record_of(checked, organisation_id, activity_id, place_id)
    before = catalogue.activity(activity_id)
    if before is not None and "contact" in (kept := activity_record(before)):
        record["contact"] = kept["contact"]  # the form does not edit contacts
    frame = frame_for(catalogue, organisation_id, None if place_data else place_id)
    problems = edit_problems(frame, record, place_data)
    if not problems and not shapes:
        place = place_from_record(place_data) if place_data else None
        return Edited(activity_from_record(record), place)
    new_place = ("places", len(frame.places))
    found = [(name, _shape_message(kind, speaker)) for name, kind in shapes]
    for problem in problems:
        name = field_of(problem.path, checked, new_place)
        found.append((_renumbered(name, rules, dates), problem_message(problem, speaker)))
    return _collect(sorted(found, key=lambda pair: _field_order(pair[0])))


def _index_of(name: str) -> int:
    """The rule's or date's position in a field name such as ``schedule.2.start``."""
    return int(name.split(".")[1])


def _renumbered(name: str, rules: list[int], dates: list[int]) -> str:
    """A field of the checked rules and dates, numbered as the form numbers them."""
    parts = name.split(".")
    if len(parts) == 3 and parts[0] in ("schedule", "dates") and parts[1].isdigit():
        positions = rules if parts[0] == "schedule" else dates
        parts[1] = str(positions[int(parts[1])])
    return ".".join(parts)


_FIELD_ORDER = ("title", "description", "kinds", "class", "audience", "age", "languages",
                "finnish_level", "cost", "registration", "place", "new_place", "schedule",
                "dates", "stages", "holidays")  # fmt: skip


def _field_order(name: str) -> tuple[int, str]:
    """Problems in the order the form shows its fields."""
    head = name.split(".")[0].split("_")[0] if not name.startswith("new_place") else "new_place"
    head = "finnish_level" if name == "finnish_level" else head
    position = _FIELD_ORDER.index(head) if head in _FIELD_ORDER else len(_FIELD_ORDER)
    return position, name


def _collect(pairs: Iterable[tuple[str, str]]) -> FieldProblems:
    found: FieldProblems = {}
    for name, message in pairs:
        messages = found.setdefault(name, [])
        if message not in messages:
            messages.append(message)
    return found


_RULE_FIELDS = {
    "start": "start",
    "end": "end",
    "until": "valid_until",
    "except": "exceptions",
    "duration": "duration",
}
_PLACE_FIELDS = {
    "name": "name",
    "address": "address",
    "municipality": "municipality",
    "url": "url",
    "online": "url",
}


def field_of(path: Path_, form: ActivityForm, new_place: Path_ = ("places", 0)) -> str:
    """The form field a problem's path points at (``""``: the form as a whole)."""
    if path[: len(new_place)] == new_place:
        inside = path[len(new_place) :]
        name = inside[0] if inside and isinstance(inside[0], str) else "url"
        return f"new_place.{_PLACE_FIELDS.get(name, 'name')}"
    if path[:2] != ("activities", 0) or len(path) < 3:
        return ""
    key, rest = path[2], path[3:]
    if key in ("title", "description", "cost", "registration"):
        return f"{key}.{rest[0]}" if rest and isinstance(rest[0], str) else str(key)
    if key == "age":
        return f"age_{rest[0]}" if rest and rest[0] in ("min", "max") else "age_max"
    if key == "schedule" and rest and isinstance(rest[0], int):
        index = rest[0]
        inner = rest[1] if len(rest) > 1 else "end"
        if inner == "rrule":
            written = index < len(form.schedule) and form.schedule[index].rrule.strip()
            return f"schedule.{index}.{'rrule' if written else 'weekday'}"
        return f"schedule.{index}.{_RULE_FIELDS.get(str(inner), 'end')}"
    if key == "dates" and rest and isinstance(rest[0], int):
        inner = rest[1] if len(rest) > 1 and rest[1] in ("start", "end") else "end"
        return f"dates.{rest[0]}.{inner}"
    return str(key)


# --- problems in the keeper's language --------------------------------------------------------


def _shape_message(kind: str, speaker: Speaker) -> str:
    _ = speaker.gettext
    if kind == "weekday":
        return _("Choose a weekday.")
    if kind == "date":
        return _("Write a date like 2026-12-15.")
    if kind == "real":
        return _("This is not a real date or time.")
    return _("Write a time like 17:30.")


_RULE_WORDS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "RRULE", "BY", "rule", "DTSTART")


def problem_message(problem: Problem, speaker: Speaker) -> str:
    """The import's problem, phrased for the form (the import's own words when unforeseen)."""
    _ = speaker.gettext
    message, key = problem.message, _last_key(problem.path)
    if key == "rrule" and any(word in message for word in _RULE_WORDS):
        return _(
            "This repeat rule gives no sessions that can be used; check the weekday and dates."
        )
    table = (
        ("is required but missing", _("This is required.")),
        ("must not be empty", _("This is required.")),
        ("is not one of", _("Choose one of the offered values.")),
        ("should be a whole number", _("Write a whole number.")),
        ("is out of range", _("This number is out of range.")),
        ("is not a real date or time", _("This is not a real date or time.")),
        ("before it starts", _("The end must be after the start.")),
        ("before the first occurrence", _("The last day must not be before the first day.")),
        ("is greater than max", _("The lowest age must not be above the highest.")),
        ("is longer than", _("This text is too long.")),
        ("lists the same value twice", _("The same value is chosen twice.")),
        ("no place", _("Choose a place from the list.")),
        ("an online place needs", _("An online place needs a web address and no street address.")),
        ("give either 'end' or 'duration'", _("Give an end time.")),
        ("is not a language code", _("This language is not known.")),
        ("longer than zero", _("The end must be after the start.")),
        ("at most 24 hours", _("A session may last at most 24 hours.")),
    )
    for marker, text in table:
        if marker in message:
            return text
    if "outside the years" in message:
        return _("Give a date between %(first)d and %(last)d.") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
    if key == "url":
        return _("Write a web address starting with https://.")
    if key in ("start", "end", "until", "except"):
        return (
            _("Write a date like 2026-12-15.")
            if key in ("until", "except")
            else _("Write a time like 17:30.")
        )
    return _("This value cannot be used: %(reason)s") % {"reason": message}


def _last_key(path: Path_) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return ""


# --- which languages are missing ------------------------------------------------------------


def asked_languages(network: Network | None, demand: Sequence[DemandLine]) -> tuple[str, ...]:
    """Languages the network's newcomers ask in, most asked first (demand, then its list)."""
    counts: Counter[str] = Counter()
    for line in demand:
        counts[line.language] += line.count
    ranked = [language for language, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]
    named = newcomer_languages(network) if network is not None else ()
    return tuple(dict.fromkeys([*ranked, *named]))


def missing_languages(
    activity: Activity, network: Network | None, demand: Sequence[DemandLine]
) -> tuple[str, ...]:
    """Languages the activity's title or description lacks: those newcomers ask in first.

    The rest follow in the product's own order; plain Finnish is missing only when asked.
    """
    asked = asked_languages(network, demand)
    titled = {code for code, _ in activity.title}
    described = {code for code, _ in activity.description}
    order = [*asked, *(x for x in SUPPORTED_LANGUAGES if x != PLAIN_FINNISH)]
    return tuple(
        language
        for language in dict.fromkeys(order)
        if language not in titled or (activity.description and language not in described)
    )
