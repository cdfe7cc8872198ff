"""Writing a catalogue back into the ``tarjotin/1`` format, deterministically.

Keys follow FORMAT.md's order, lists keep the catalogue's order, optional fields that hold
their default are left out, and dates and times are always written as quoted strings, so that
import → export → import → export gives the same bytes.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import yaml

from catalog.model import (
    Activity,
    Catalogue,
    Contact,
    Network,
    Organisation,
    Place,
    ScheduleRule,
    Text,
)
from catalog.vocabulary import FORMAT_ID

ExportFormat = Literal["yaml", "json"]


def _text(value: Text) -> dict[str, str]:
    return dict(value)


def _datetime(value: datetime) -> str:
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def _time(value: time) -> str:
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def _date(value: date) -> str:
    return value.isoformat()


def _duration(value: timedelta) -> str:
    days, seconds = value.days, value.seconds
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "P" + (f"{days}D" if days else "")
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    clock += f"{seconds}S" if seconds else ""
    return text + ("T" + clock if clock else "")


def _compact(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Keep pairs whose value is set (not None, not an empty tuple/list/dict)."""
    return {key: value for key, value in pairs if value not in (None, (), [], {})}


def _contact(contact: Contact | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return _compact(
        [
            ("name", _text(contact.name)),
            ("email", contact.email),
            ("phone", contact.phone),
            ("url", contact.url),
        ]
    )


def _network(network: Network) -> dict[str, Any]:
    coordinator = _compact(
        [
            ("name", _text(network.coordinator.name)),
            ("email", network.coordinator.email),
            ("phone", network.coordinator.phone),
        ]
    )
    return _compact(
        [
            ("id", network.id),
            ("name", _text(network.name)),
            ("municipalities", list(network.municipalities)),
            ("coordinator", coordinator),
            ("languages", list(network.languages)),
        ]
    )


def _organisation(organisation: Organisation) -> dict[str, Any]:
    return _compact(
        [
            ("id", organisation.id),
            ("name", _text(organisation.name)),
            ("kind", organisation.kind),
            ("level", organisation.level),
            ("networks", list(organisation.networks)),
            ("contact", _contact(organisation.contact)),
            ("holidays", organisation.holidays),
        ]
    )


def _place(place: Place) -> dict[str, Any]:
    return _compact(
        [
            ("id", place.id),
            ("name", _text(place.name)),
            ("address", place.address),
            ("municipality", place.municipality),
            ("geo", list(place.geo) if place.geo else None),
            ("online", True if place.online else None),
            ("url", place.url),
            ("accessibility", _text(place.accessibility)),
        ]
    )


def _rule(rule: ScheduleRule) -> dict[str, Any]:
    return _compact(
        [
            ("rrule", rule.rrule),
            ("start", _datetime(rule.start)),
            ("end", _time(rule.end) if rule.end is not None else None),
            ("duration", _duration(rule.duration) if rule.duration is not None else None),
            ("until", _date(rule.until) if rule.until else None),
            ("except", [_date(day) for day in rule.exceptions]),
        ]
    )


def _activity(activity: Activity) -> dict[str, Any]:
    age = None
    if activity.age is not None:
        age = _compact([("min", activity.age.min), ("max", activity.age.max)])
    return _compact(
        [
            ("id", activity.id),
            ("organisation", activity.organisation),
            ("class", activity.klass),
            ("kinds", list(activity.kinds)),
            ("title", _text(activity.title)),
            ("description", _text(activity.description)),
            ("audience", list(activity.audience)),
            ("languages", list(activity.languages)),
            ("finnish_level", activity.finnish_level),
            ("place", activity.place),
            ("schedule", [_rule(rule) for rule in activity.schedule]),
            (
                "dates",
                [{"start": _datetime(d.start), "end": _datetime(d.end)} for d in activity.dates],
            ),
            ("cost", _text(activity.cost)),
            ("registration", _text(activity.registration)),
            ("contact", _contact(activity.contact)),
            ("stages", list(activity.stages)),
            ("age", age),
            ("holidays", activity.holidays),
        ]
    )


def catalogue_to_data(catalogue: Catalogue) -> dict[str, Any]:
    """The catalogue as plain data in the format's shape."""
    return {
        "format": FORMAT_ID,
        "timezone": catalogue.timezone,
        "networks": [_network(n) for n in catalogue.networks],
        "organisations": [_organisation(o) for o in catalogue.organisations],
        "places": [_place(p) for p in catalogue.places],
        "activities": [_activity(a) for a in catalogue.activities],
    }


class _QuotingDumper(yaml.SafeDumper):
    """A dumper that quotes every string that could be read as something else."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    looks_like_time = any(ch.isdigit() for ch in value[:1]) and (":" in value or "-" in value)
    style = '"' if looks_like_time or value.startswith("+") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_QuotingDumper.add_representer(str, _represent_str)


def export_text(catalogue: Catalogue, fmt: ExportFormat = "yaml") -> str:
    """Serialise the catalogue as YAML or JSON text."""
    data = catalogue_to_data(catalogue)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    body = yaml.dump(
        data,
        Dumper=_QuotingDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
        indent=2,
    )
    return f"# {FORMAT_ID} activity catalogue, exported by Tarjotin\n{body}"
