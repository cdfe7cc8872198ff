"""The catalogue as schema.org ``Event`` JSON-LD, for a city's web site to embed.

One ``Event`` per activity with upcoming sessions: its next session as ``startDate``/
``endDate`` and the next few as ``subEvent``s (cancelled and moved ones say so with
``eventStatus``), the place as a ``Place`` with a ``PostalAddress`` and ``GeoCoordinates`` (an
online place as a ``VirtualLocation``), the cost as an ``Offer`` (price 0 when free), the
organiser, languages spoken and audience. Texts are in the language asked for, falling back as
FORMAT.md says; the other languages are kept as ``alternateName``. Ongoing activities (no dates)
have no ``startDate`` to give and are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from catalog.model import Activity, Catalogue, OccurrenceChange, Place, Text
from catalog.occurrences.expand import Occurrence, activity_occurrences
from catalog.texts import pick_text

SCHEMA = "https://schema.org"
HORIZON_DAYS = 90
NEXT_SESSIONS = 10


def _text(value: Text, language: str) -> str | None:
    shown = pick_text(value, language)
    return shown.text if shown else None


def _status(occurrence: Occurrence) -> str:
    if occurrence.cancelled:
        return f"{SCHEMA}/EventCancelled"
    if occurrence.moved:
        return f"{SCHEMA}/EventRescheduled"
    return f"{SCHEMA}/EventScheduled"


def _place(place: Place, language: str) -> dict[str, Any]:
    if place.online:
        return {"@type": "VirtualLocation", "name": _text(place.name, language), "url": place.url}
    found: dict[str, Any] = {
        "@type": "Place",
        "name": _text(place.name, language),
        "address": {
            "@type": "PostalAddress",
            **({"streetAddress": place.address} if place.address else {}),
            "addressLocality": place.municipality,
            "addressCountry": "FI",
        },
    }
    if place.geo is not None:
        found["geo"] = {"@type": "GeoCoordinates", "latitude": place.geo[0],
                        "longitude": place.geo[1]}  # fmt: skip
    return found


def _offer(activity: Activity, language: str) -> dict[str, Any]:
    """Free (the format's "absent means free") as price 0; otherwise the cost in words."""
    if not activity.cost:
        return {"@type": "Offer", "price": 0, "priceCurrency": "EUR"}
    return {"@type": "Offer", "description": _text(activity.cost, language), "priceCurrency": "EUR"}


def _session(occurrence: Occurrence, name: str | None) -> dict[str, Any]:
    return {
        "@type": "Event",
        "name": name,
        "startDate": occurrence.start.isoformat(),
        "endDate": occurrence.end.isoformat(),
        "eventStatus": _status(occurrence),
    }


def activity_event(
    catalogue: Catalogue, activity: Activity, sessions: Sequence[Occurrence], language: str
) -> dict[str, Any]:
    """One activity as an ``Event`` (``sessions`` are its next ones, at least one)."""
    name = _text(activity.title, language)
    first = next((s for s in sessions if not s.cancelled), sessions[0])
    event: dict[str, Any] = {
        "@type": "Event",
        "@id": f"#{activity.id}",
        "identifier": activity.id,
        "name": name,
        "startDate": first.start.isoformat(),
        "endDate": first.end.isoformat(),
        "eventStatus": _status(first),
        "inLanguage": list(activity.spoken_languages),
        "offers": _offer(activity, language),
        "subEvent": [_session(s, name) for s in sessions],
    }
    others = [text for code, text in activity.title if text != name]
    if others:
        event["alternateName"] = others
    description = _text(activity.description, language)
    if description:
        event["description"] = description
    place = catalogue.place(first.place or activity.place)
    if place is not None:
        event["location"] = _place(place, language)
        event["eventAttendanceMode"] = f"{SCHEMA}/" + (
            "OnlineEventAttendanceMode" if place.online else "OfflineEventAttendanceMode"
        )
    organisation = catalogue.organisation(activity.organisation)
    if organisation is not None:
        event["organizer"] = {"@type": "Organization", "name": _text(organisation.name, language)}
    event["audience"] = {"@type": "Audience", "audienceType": ", ".join(activity.audiences)}
    if activity.contact is not None and activity.contact.url:
        event["url"] = activity.contact.url
    return event


def upcoming(
    activity: Activity,
    zone: ZoneInfo,
    now: datetime,
    changes: dict[tuple[Any, datetime], OccurrenceChange],
) -> list[Occurrence]:
    """The activity's next sessions (cancelled ones included, flagged) from ``now``."""
    today: date = now.date()
    found = activity_occurrences(
        activity, zone, today, today + timedelta(days=HORIZON_DAYS), changes
    )
    return [o for o in found if o.end > now][:NEXT_SESSIONS]


def schema_org_document(
    catalogue: Catalogue,
    changes: Iterable[OccurrenceChange],
    now: datetime,
    language: str = "fi",
) -> dict[str, Any]:
    """The whole catalogue's upcoming activities as one JSON-LD document (``@graph``)."""
    zone = ZoneInfo(catalogue.timezone)
    keyed = {(c.activity, c.original_start): c for c in changes}
    graph = []
    for activity in catalogue.activities:
        sessions = upcoming(activity, zone, now.astimezone(zone), keyed)
        if sessions:
            graph.append(activity_event(catalogue, activity, sessions, language))
    return {"@context": SCHEMA, "@graph": graph}


def schema_org_text(
    catalogue: Catalogue, changes: Iterable[OccurrenceChange], now: datetime, language: str = "fi"
) -> str:
    """:func:`schema_org_document` as JSON text (UTF-8, indented)."""
    document = schema_org_document(catalogue, changes, now, language)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
