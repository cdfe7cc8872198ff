"""Translation between catalogue records (:mod:`catalog.model`) and table rows.

Pure functions only: a record becomes one main row plus rows for each child table, and the same
rows (as read back, grouped by owner) become the record again. Keeping this apart from the
repository lets the repository worry only about transactions and bulk statements.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Table

from bot.storage import models
from catalog.model import (
    Activity,
    ActivityId,
    AgeRange,
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
)

Row = dict[str, Any]
"""Column name to value, ready for a Core ``insert``/``update``."""

StoredRow = Mapping[Any, Any]
"""A row as read back (a SQLAlchemy ``RowMapping``, or a plain dict), by column name."""

ChildRows = Mapping[str, Sequence[StoredRow]]
"""One owner's rows in each child table, by table name, in primary-key order."""


class Identified(Protocol):
    """Any catalogue record: it has a string ``id``."""

    @property
    def id(self) -> str:
        """The record's catalogue id."""
        ...


R = TypeVar("R", bound=Identified)


def table_of(model: type[models.Base]) -> Table:
    """Return the Core table behind an ORM model."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


@dataclass(frozen=True, slots=True)
class ChildTable:
    """A table whose rows belong to one record through ``owner_column``."""

    table: Table
    owner_column: str


@dataclass(frozen=True, slots=True)
class RecordRows:
    """A record as rows: the main row and, by child table name, its child rows."""

    main: Row
    children: dict[str, list[Row]]


@dataclass(frozen=True, slots=True)
class RecordType(Generic[R]):
    """How one kind of catalogue record is stored and read back."""

    name: str
    table: Table
    children: tuple[ChildTable, ...]
    to_rows: Callable[[R], RecordRows]
    from_rows: Callable[[StoredRow, ChildRows], R]


def digest(record: object) -> str:
    """Fingerprint a record's whole content, to skip rewriting unchanged records.

    The records are frozen dataclasses of strings, numbers, dates and tuples, whose ``repr``
    is deterministic and complete.
    """
    return hashlib.sha256(repr(record).encode("utf-8")).hexdigest()


# --- shared pieces ------------------------------------------------------------------------------


def _text_rows(owner_column: str, owner_id: str, fields: Mapping[str, Text]) -> list[Row]:
    return [
        {
            owner_column: owner_id,
            "field": field,
            "position": position,
            "language": lang,
            "text": text,
        }
        for field, value in fields.items()
        for position, (lang, text) in enumerate(value)
    ]


def _texts(rows: Iterable[StoredRow]) -> dict[str, Text]:
    """Texts by field, languages in stored order (rows come sorted by field, position)."""
    return {
        field: tuple((row["language"], row["text"]) for row in group)
        for field, group in groupby(rows, key=lambda row: row["field"])
    }


def _list_rows(owner_column: str, owner_id: str, column: str, values: Sequence[Any]) -> list[Row]:
    return [
        {owner_column: owner_id, "position": position, column: value}
        for position, value in enumerate(values)
    ]


def _values(rows: Iterable[StoredRow], column: str) -> tuple[Any, ...]:
    return tuple(row[column] for row in rows)


def _contact_columns(contact: Contact | None) -> Row:
    return {
        "has_contact": contact is not None,
        "contact_email": contact.email if contact else None,
        "contact_phone": contact.phone if contact else None,
        "contact_url": contact.url if contact else None,
    }


def _contact(row: StoredRow, name: Text) -> Contact | None:
    if not row["has_contact"]:
        return None
    return Contact(
        name=name, email=row["contact_email"], phone=row["contact_phone"], url=row["contact_url"]
    )


# --- networks -----------------------------------------------------------------------------------

_NETWORK_TEXTS = table_of(models.NetworkText)
_NETWORK_MUNICIPALITIES = table_of(models.NetworkMunicipality)
_NETWORK_LANGUAGES = table_of(models.NetworkLanguage)


def network_rows(network: Network) -> RecordRows:
    """Turn a network into rows."""
    owner = ("network_id", network.id)
    return RecordRows(
        main={
            "id": network.id,
            "coordinator_email": network.coordinator.email,
            "coordinator_phone": network.coordinator.phone,
        },
        children={
            _NETWORK_TEXTS.name: _text_rows(
                *owner, {"name": network.name, "coordinator_name": network.coordinator.name}
            ),
            _NETWORK_MUNICIPALITIES.name: _list_rows(
                *owner, "municipality", network.municipalities
            ),
            _NETWORK_LANGUAGES.name: _list_rows(*owner, "language", network.languages),
        },
    )


def network_from_rows(row: StoredRow, children: ChildRows) -> Network:
    """Rebuild a network from its rows."""
    texts = _texts(children.get(_NETWORK_TEXTS.name, ()))
    return Network(
        id=NetworkId(row["id"]),
        name=texts.get("name", ()),
        municipalities=_values(children.get(_NETWORK_MUNICIPALITIES.name, ()), "municipality"),
        coordinator=Coordinator(
            email=row["coordinator_email"],
            name=texts.get("coordinator_name", ()),
            phone=row["coordinator_phone"],
        ),
        languages=_values(children.get(_NETWORK_LANGUAGES.name, ()), "language"),
    )


# --- organisations ------------------------------------------------------------------------------

_ORGANISATION_TEXTS = table_of(models.OrganisationText)
_ORGANISATION_NETWORKS = table_of(models.OrganisationNetwork)


def organisation_rows(organisation: Organisation) -> RecordRows:
    """Turn an organisation into rows."""
    owner = ("organisation_id", organisation.id)
    contact_name = organisation.contact.name if organisation.contact else ()
    return RecordRows(
        main={
            "id": organisation.id,
            "kind": organisation.kind,
            "level": organisation.level,
            "holidays": organisation.holidays,
            **_contact_columns(organisation.contact),
        },
        children={
            _ORGANISATION_TEXTS.name: _text_rows(
                *owner, {"name": organisation.name, "contact_name": contact_name}
            ),
            _ORGANISATION_NETWORKS.name: _list_rows(*owner, "network_id", organisation.networks),
        },
    )


def organisation_from_rows(row: StoredRow, children: ChildRows) -> Organisation:
    """Rebuild an organisation from its rows."""
    texts = _texts(children.get(_ORGANISATION_TEXTS.name, ()))
    networks = _values(children.get(_ORGANISATION_NETWORKS.name, ()), "network_id")
    return Organisation(
        id=OrganisationId(row["id"]),
        name=texts.get("name", ()),
        kind=row["kind"],
        level=row["level"],
        networks=tuple(NetworkId(network) for network in networks),
        contact=_contact(row, texts.get("contact_name", ())),
        holidays=row["holidays"],
    )


# --- places -------------------------------------------------------------------------------------

_PLACE_TEXTS = table_of(models.PlaceText)


def place_rows(place: Place) -> RecordRows:
    """Turn a place into rows."""
    latitude, longitude = place.geo if place.geo is not None else (None, None)
    return RecordRows(
        main={
            "id": place.id,
            "municipality": place.municipality,
            "address": place.address,
            "latitude": latitude,
            "longitude": longitude,
            "online": place.online,
            "url": place.url,
        },
        children={
            _PLACE_TEXTS.name: _text_rows(
                "place_id", place.id, {"name": place.name, "accessibility": place.accessibility}
            )
        },
    )


def place_from_rows(row: StoredRow, children: ChildRows) -> Place:
    """Rebuild a place from its rows."""
    texts = _texts(children.get(_PLACE_TEXTS.name, ()))
    latitude, longitude = row["latitude"], row["longitude"]
    return Place(
        id=PlaceId(row["id"]),
        name=texts.get("name", ()),
        municipality=row["municipality"],
        address=row["address"],
        geo=(latitude, longitude) if latitude is not None and longitude is not None else None,
        online=row["online"],
        url=row["url"],
        accessibility=texts.get("accessibility", ()),
    )


# --- activities ---------------------------------------------------------------------------------

_ACTIVITY_TEXTS = table_of(models.ActivityText)
_ACTIVITY_KINDS = table_of(models.ActivityKind)
_ACTIVITY_AUDIENCES = table_of(models.ActivityAudience)
_ACTIVITY_LANGUAGES = table_of(models.ActivityLanguage)
_ACTIVITY_STAGES = table_of(models.ActivityStage)
_SCHEDULE_RULES = table_of(models.ScheduleRuleRow)
_SCHEDULE_EXCEPTIONS = table_of(models.ScheduleException)
_ONE_OFF_DATES = table_of(models.OneOffDateRow)


def _rule_row(activity_id: str, position: int, rule: ScheduleRule) -> Row:
    return {
        "activity_id": activity_id,
        "position": position,
        "rrule": rule.rrule,
        "start_at": rule.start,
        "end_time": rule.end,
        "duration": rule.duration,
        "until": rule.until,
    }


def _exception_rows(activity_id: str, rules: Sequence[ScheduleRule]) -> list[Row]:
    return [
        {
            "activity_id": activity_id,
            "rule_position": rule_position,
            "position": position,
            "day": day,
        }
        for rule_position, rule in enumerate(rules)
        for position, day in enumerate(rule.exceptions)
    ]


def activity_rows(activity: Activity) -> RecordRows:
    """Turn an activity into rows."""
    owner = ("activity_id", activity.id)
    age = activity.age
    texts = {
        "title": activity.title,
        "description": activity.description,
        "cost": activity.cost,
        "registration": activity.registration,
        "contact_name": activity.contact.name if activity.contact else (),
    }
    return RecordRows(
        main={
            "id": activity.id,
            "organisation_id": activity.organisation,
            "activity_class": activity.klass,
            "finnish_level": activity.finnish_level,
            "place_id": activity.place,
            "has_age": age is not None,
            "age_min": age.min if age else None,
            "age_max": age.max if age else None,
            "holidays": activity.holidays,
            **_contact_columns(activity.contact),
        },
        children={
            _ACTIVITY_TEXTS.name: _text_rows(*owner, texts),
            _ACTIVITY_KINDS.name: _list_rows(*owner, "kind", activity.kinds),
            _ACTIVITY_AUDIENCES.name: _list_rows(*owner, "audience", activity.audience),
            _ACTIVITY_LANGUAGES.name: _list_rows(*owner, "language", activity.languages),
            _ACTIVITY_STAGES.name: _list_rows(*owner, "stage", activity.stages),
            _SCHEDULE_RULES.name: [
                _rule_row(activity.id, position, rule)
                for position, rule in enumerate(activity.schedule)
            ],
            _SCHEDULE_EXCEPTIONS.name: _exception_rows(activity.id, activity.schedule),
            _ONE_OFF_DATES.name: [
                {
                    "activity_id": activity.id,
                    "position": position,
                    "start_at": d.start,
                    "end_at": d.end,
                }
                for position, d in enumerate(activity.dates)
            ],
        },
    )


def _rules(
    rule_rows: Sequence[StoredRow], exception_rows: Sequence[StoredRow]
) -> tuple[ScheduleRule, ...]:
    exceptions: dict[int, list[Any]] = {}
    for row in exception_rows:
        exceptions.setdefault(row["rule_position"], []).append(row["day"])
    return tuple(
        ScheduleRule(
            rrule=row["rrule"],
            start=row["start_at"],
            end=row["end_time"],
            duration=row["duration"],
            until=row["until"],
            exceptions=tuple(exceptions.get(row["position"], ())),
        )
        for row in rule_rows
    )


def activity_from_rows(row: StoredRow, children: ChildRows) -> Activity:
    """Rebuild an activity from its rows."""
    texts = _texts(children.get(_ACTIVITY_TEXTS.name, ()))
    place = row["place_id"]
    return Activity(
        id=ActivityId(row["id"]),
        organisation=OrganisationId(row["organisation_id"]),
        klass=row["activity_class"],
        kinds=_values(children.get(_ACTIVITY_KINDS.name, ()), "kind"),
        title=texts.get("title", ()),
        description=texts.get("description", ()),
        audience=_values(children.get(_ACTIVITY_AUDIENCES.name, ()), "audience"),
        languages=_values(children.get(_ACTIVITY_LANGUAGES.name, ()), "language"),
        finnish_level=row["finnish_level"],
        place=PlaceId(place) if place is not None else None,
        schedule=_rules(
            children.get(_SCHEDULE_RULES.name, ()), children.get(_SCHEDULE_EXCEPTIONS.name, ())
        ),
        dates=tuple(
            OneOffDate(start=d["start_at"], end=d["end_at"])
            for d in children.get(_ONE_OFF_DATES.name, ())
        ),
        cost=texts.get("cost", ()),
        registration=texts.get("registration", ()),
        contact=_contact(row, texts.get("contact_name", ())),
        stages=_values(children.get(_ACTIVITY_STAGES.name, ()), "stage"),
        age=AgeRange(min=row["age_min"], max=row["age_max"]) if row["has_age"] else None,
        holidays=row["holidays"],
    )


# --- the four record types, in dependency order --------------------------------------------------

NETWORKS: RecordType[Network] = RecordType(
    name="networks",
    table=table_of(models.NetworkRow),
    children=(
        ChildTable(_NETWORK_TEXTS, "network_id"),
        ChildTable(_NETWORK_MUNICIPALITIES, "network_id"),
        ChildTable(_NETWORK_LANGUAGES, "network_id"),
    ),
    to_rows=network_rows,
    from_rows=network_from_rows,
)

ORGANISATIONS: RecordType[Organisation] = RecordType(
    name="organisations",
    table=table_of(models.OrganisationRow),
    children=(
        ChildTable(_ORGANISATION_TEXTS, "organisation_id"),
        ChildTable(_ORGANISATION_NETWORKS, "organisation_id"),
    ),
    to_rows=organisation_rows,
    from_rows=organisation_from_rows,
)

PLACES: RecordType[Place] = RecordType(
    name="places",
    table=table_of(models.PlaceRow),
    children=(ChildTable(_PLACE_TEXTS, "place_id"),),
    to_rows=place_rows,
    from_rows=place_from_rows,
)

ACTIVITIES: RecordType[Activity] = RecordType(
    name="activities",
    table=table_of(models.ActivityRow),
    # Parents before children: rows are inserted in this order and deleted in reverse.
    children=(
        ChildTable(_ACTIVITY_TEXTS, "activity_id"),
        ChildTable(_ACTIVITY_KINDS, "activity_id"),
        ChildTable(_ACTIVITY_AUDIENCES, "activity_id"),
        ChildTable(_ACTIVITY_LANGUAGES, "activity_id"),
        ChildTable(_ACTIVITY_STAGES, "activity_id"),
        ChildTable(_SCHEDULE_RULES, "activity_id"),
        ChildTable(_SCHEDULE_EXCEPTIONS, "activity_id"),
        ChildTable(_ONE_OFF_DATES, "activity_id"),
    ),
    to_rows=activity_rows,
    from_rows=activity_from_rows,
)
