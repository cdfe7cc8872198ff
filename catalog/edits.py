"""Checking one edited activity (and a new place) exactly as an import would check it.

The keepers' console and the catalogue store's single-activity upsert both call
:func:`edit_problems`: the record is put in a small catalogue holding the records it refers to
(its organisation, that organisation's networks, its place) and run through
:func:`catalog.parse.parse_document`, so a console edit passes the same schema and meaning
checks as a file. Problems keep their path (``("activities", 0, "title")``) for the form.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from catalog.additions import activity_record
from catalog.export import catalogue_to_data
from catalog.model import Activity, Catalogue, Place
from catalog.parse import InvalidCatalogueError, build_catalogue, parse_document
from catalog.problems import Problem
from catalog.source import Document

_ZONE = "UTC"


def frame_for(catalogue: Catalogue, organisation: str, place: str | None) -> Catalogue:
    """The records an activity of ``organisation`` at ``place`` refers to, and nothing else."""
    found = catalogue.organisation(organisation)
    organisations = (found,) if found is not None else ()
    wanted = set(found.networks) if found is not None else set()
    networks = tuple(n for n in catalogue.networks if n.id in wanted)
    chosen = catalogue.place(place)
    places = (chosen,) if chosen is not None else ()
    return Catalogue(catalogue.timezone or _ZONE, networks, organisations, places, ())


def edit_problems(
    frame: Catalogue, record: dict[str, Any], place: dict[str, Any] | None = None
) -> list[Problem]:
    """Every problem the import would report for ``record`` (an activity) and a new ``place``.

    ``frame`` holds the networks, organisations and places the record may refer to
    (:func:`frame_for`); the activity is at path ``("activities", 0)`` and the new place at
    ``("places", len(frame.places))``.
    """
    data = catalogue_to_data(replace(frame, activities=()))
    if place is not None:
        data["places"].append(place)
    data["activities"] = [record]
    try:
        parse_document(Document(data))
    except InvalidCatalogueError as error:
        # The frame's records are on offer already: only the edited records' problems count.
        ours = (("activities", 0), ("places", len(frame.places)) if place is not None else None)
        return [p for p in error.problems if p.path[:2] in ours]
    return []


def place_record(place: Place) -> dict[str, Any]:
    """The place as the exporter writes it."""
    record: dict[str, Any] = catalogue_to_data(Catalogue(_ZONE, (), (), (place,), ()))["places"][0]
    return record


def place_from_record(record: dict[str, Any]) -> Place:
    """The place a record of the format describes (the parser's builder; not validated)."""
    data = {
        "timezone": _ZONE,
        "networks": [],
        "organisations": [],
        "places": [record],
        "activities": [],
    }
    return build_catalogue(data).places[0]


def activity_fits(
    catalogue: Catalogue, activity: Activity, place: Place | None = None
) -> list[str]:
    """The import's problems with ``activity`` (and a new ``place``) in ``catalogue``, as text."""
    frame = frame_for(catalogue, activity.organisation, activity.place)
    record = place_record(place) if place is not None else None
    if place is not None and place.id == activity.place:
        frame = replace(frame, places=tuple(p for p in frame.places if p.id != place.id))
    return [str(p) for p in edit_problems(frame, activity_record(activity), record)]
