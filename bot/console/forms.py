"""The activity form as the browser posts it, and back: the web side of the console's form.

The console domain (:mod:`handlers.coordination.console.forms`) checks an
:class:`ActivityForm`; a browser posts flat fields named as that module documents
(``title.ar``, ``schedule.0.weekday``, ``dates.1.day``…). :func:`fields_of` fills the page
from a form and :func:`form_from_fields` reads a post into one. Rows left wholly empty (the
blank row offered for adding a weekly time or a date) are dropped, not refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from handlers.coordination.console.forms import (
    ActivityForm,
    DateForm,
    PlaceForm,
    RuleForm,
)

Fields = dict[str, list[str]]
"""A posted form: each field's values (several for checkboxes)."""

RULE_PARTS = ("weekday", "start", "end", "valid_from", "valid_until", "exceptions", "rrule",
              "duration")
DATE_PARTS = ("day", "start", "end", "end_day")
PLACE_PARTS = ("name", "address", "municipality", "url")
TEXTS = (("title", "titles"), ("description", "descriptions"), ("cost", "costs"),
         ("registration", "registrations"))
_ROW = re.compile(r"^(schedule|dates)\.(\d{1,3})\.(\w+)$")


def fields_of(form: ActivityForm) -> Fields:
    """The page's fields filled in from a form."""
    fields: Fields = {
        "class": [form.klass],
        "kinds": list(form.kinds),
        "audience": list(form.audience),
        "languages": list(form.languages),
        "stages": list(form.stages),
        "finnish_level": [form.finnish_level],
        "holidays": [form.holidays],
        "place": [form.place],
        "age_min": [form.age_min],
        "age_max": [form.age_max],
    }
    for prefix, attribute in TEXTS:
        for language, text in getattr(form, attribute).items():
            fields[f"{prefix}.{language}"] = [text]
    for number, rule in enumerate(form.schedule):
        for part in RULE_PARTS:
            value = getattr(rule, part)
            text = ", ".join(value) if part == "exceptions" else value
            fields[f"schedule.{number}.{part}"] = [text]
    for number, one_off in enumerate(form.dates):
        for part in DATE_PARTS:
            fields[f"dates.{number}.{part}"] = [getattr(one_off, part)]
    if form.new_place is not None:
        for part in PLACE_PARTS:
            fields[f"new_place.{part}"] = [getattr(form.new_place, part)]
    return fields


def _one(fields: Mapping[str, Sequence[str]], name: str) -> str:
    values = fields.get(name)
    return values[0].strip() if values else ""


def _rows(fields: Mapping[str, Sequence[str]], kind: str) -> list[int]:
    numbers = {int(m.group(2)) for name in fields if (m := _ROW.match(name)) and m[1] == kind}
    return sorted(numbers)


def form_from_fields(fields: Mapping[str, Sequence[str]]) -> ActivityForm:
    """A posted form as the domain's :class:`ActivityForm` (nothing checked yet)."""
    texts: dict[str, dict[str, str]] = {attribute: {} for _, attribute in TEXTS}
    for name, values in fields.items():
        prefix, _, language = name.partition(".")
        for known, attribute in TEXTS:
            if prefix == known and language and values and values[0].strip():
                texts[attribute][language] = values[0].strip()
    rules = []
    for number in _rows(fields, "schedule"):
        parts = {p: _one(fields, f"schedule.{number}.{p}") for p in RULE_PARTS}
        if not any(parts.values()):
            continue
        exceptions = tuple(x for x in re.split(r"[\s,;]+", parts.pop("exceptions")) if x)
        rules.append(RuleForm(exceptions=exceptions, **parts))
    dates = []
    for number in _rows(fields, "dates"):
        found = {p: _one(fields, f"dates.{number}.{p}") for p in DATE_PARTS}
        if any(found.values()):
            dates.append(DateForm(**found))
    place = {p: _one(fields, f"new_place.{p}") for p in PLACE_PARTS}
    return ActivityForm(
        titles=texts["titles"],
        descriptions=texts["descriptions"],
        costs=texts["costs"],
        registrations=texts["registrations"],
        kinds=tuple(v for v in fields.get("kinds", ()) if v),
        klass=_one(fields, "class"),
        audience=tuple(v for v in fields.get("audience", ()) if v),
        age_min=_one(fields, "age_min"),
        age_max=_one(fields, "age_max"),
        languages=tuple(v for v in fields.get("languages", ()) if v),
        finnish_level=_one(fields, "finnish_level"),
        stages=tuple(v for v in fields.get("stages", ()) if v),
        holidays=_one(fields, "holidays"),
        place=_one(fields, "place"),
        new_place=PlaceForm(**place) if any(place.values()) else None,
        schedule=tuple(rules),
        dates=tuple(dates),
    )
