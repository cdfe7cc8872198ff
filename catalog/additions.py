"""Dates and events volunteers add in the chat, merged into the catalogue on offer.

Additions are kept apart from the imported file (an import never touches them) and merged on
every load by :func:`with_additions`, so that they are findable at once and an export includes
them. The file always wins: an added event whose id the file now uses is ignored, and so are
additions that hang on records no longer on offer. Each addition is stored as its record in
the catalogue interchange format (the same dictionaries :mod:`catalog.export` writes and
:mod:`catalog.parse` reads), so an exported catalogue re-imports to the same values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from catalog.export import catalogue_to_data
from catalog.model import Activity, ActivityId, Catalogue, OneOffDate, OrganisationId
from catalog.parse import (
    InvalidCatalogueError,
    build_catalogue,
    parse_document,
    parse_local_datetime,
)
from catalog.source import Document


@dataclass(frozen=True, slots=True)
class AddedDate:
    """A one-off session a volunteer added to an activity."""

    activity: ActivityId
    when: OneOffDate


class UnrepresentableError(ValueError):
    """A value the catalogue format cannot write exactly (it would change on the way back)."""


# --- merging ----------------------------------------------------------------------------------


def with_additions(
    catalogue: Catalogue, dates: Sequence[AddedDate], activities: Sequence[Activity]
) -> Catalogue:
    """The catalogue with added events appended (in order) and added dates merged in.

    An added event is ignored when the file has an activity with its id (the file wins), when
    an earlier added event has its id, or when its organisation or place is not on offer. An
    added date is ignored when its activity is not on offer or already has that very date.
    """
    if not dates and not activities:
        return catalogue
    known = {activity.id for activity in catalogue.activities}
    added: list[Activity] = []
    for activity in activities:
        if activity.id not in known and _references_on_offer(catalogue, activity):
            known.add(activity.id)
            added.append(activity)
    merged = tuple(_with_dates(a, dates) for a in (*catalogue.activities, *added))
    return replace(catalogue, activities=merged)


def _references_on_offer(catalogue: Catalogue, activity: Activity) -> bool:
    if catalogue.organisation(activity.organisation) is None:
        return False
    return activity.place is None or catalogue.place(activity.place) is not None


def _with_dates(activity: Activity, dates: Iterable[AddedDate]) -> Activity:
    extra: list[OneOffDate] = []
    for added in dates:
        if added.activity == activity.id and added.when not in (*activity.dates, *extra):
            extra.append(added.when)
    return replace(activity, dates=(*activity.dates, *extra)) if extra else activity


# --- the interchange format -------------------------------------------------------------------

_PLACEHOLDER_ZONE = "UTC"


def _alone(activity: Activity) -> Catalogue:
    """A catalogue holding just ``activity``, to reuse the exporter's record writer."""
    return Catalogue(_PLACEHOLDER_ZONE, (), (), (), (activity,))


def activity_record(activity: Activity) -> dict[str, Any]:
    """The activity as the exporter writes it (``id``, ``organisation``, ``class``, ...)."""
    record: dict[str, Any] = catalogue_to_data(_alone(activity))["activities"][0]
    return record


def activity_from_record(record: dict[str, Any]) -> Activity:
    """The activity a record of the format describes (the parser's builder; not validated)."""
    data = {
        "timezone": _PLACEHOLDER_ZONE,
        "networks": [],
        "organisations": [],
        "activities": [record],
    }
    return build_catalogue(data).activities[0]


def date_record(when: OneOffDate) -> dict[str, str]:
    """A one-off date as the exporter writes it: ``{"start": LOCAL, "end": LOCAL}``."""
    holder = Activity(ActivityId("date"), OrganisationId(""), "", (), (), dates=(when,))
    written: dict[str, str] = activity_record(holder)["dates"][0]
    return written


def date_from_record(record: dict[str, Any]) -> OneOffDate:
    """The one-off date a ``{"start", "end"}`` record describes."""
    return OneOffDate(parse_local_datetime(record["start"]), parse_local_datetime(record["end"]))


def _json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def activity_payload(activity: Activity) -> str:
    """The activity's record as JSON; raises :class:`UnrepresentableError` if it would change.

    (Seconds are the finest time the format writes, and an empty contact or age range is
    written as nothing at all.)
    """
    payload = _json(activity_record(activity))
    if activity_from_payload(payload) != activity:
        raise UnrepresentableError(f"activity {activity.id!r} cannot be written exactly")
    return payload


def activity_from_payload(payload: str) -> Activity:
    """The activity :func:`activity_payload` wrote."""
    record = json.loads(payload)
    if not isinstance(record, dict):
        raise ValueError("an activity payload is a JSON object")
    return activity_from_record(record)


def date_payload(when: OneOffDate) -> str:
    """The date's record as JSON; raises :class:`UnrepresentableError` if it would change."""
    payload = _json(date_record(when))
    if date_from_payload(payload) != when:
        raise UnrepresentableError("the date cannot be written exactly (sub-second, or aware)")
    return payload


def date_from_payload(payload: str) -> OneOffDate:
    """The date :func:`date_payload` wrote."""
    record = json.loads(payload)
    if not isinstance(record, dict):
        raise ValueError("a date payload is a JSON object")
    return date_from_record(record)


# --- checking an addition against the catalogue ----------------------------------------------


def activity_problems(catalogue: Catalogue, activity: Activity) -> list[str]:
    """What would make the catalogue invalid if ``activity`` were added to it (empty: fine).

    The same checks as an import (schema, vocabulary, references, schedules, dates), run on
    the catalogue's networks, organisations and places with just this activity.
    """
    data = catalogue_to_data(replace(catalogue, activities=(activity,)))
    try:
        parse_document(Document(data))
    except InvalidCatalogueError as error:
        return [str(problem) for problem in error.problems]
    problems = []
    if catalogue.activity(activity.id) is not None:
        problems.append(f"the id {activity.id!r} is already used")
    return problems


def date_problems(when: OneOffDate) -> list[str]:
    """What is wrong with a one-off date (empty: fine): it must end after it starts."""
    return [] if when.end > when.start else ["the end must be after the start"]
