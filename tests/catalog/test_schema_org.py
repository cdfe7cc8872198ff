"""``tarjotin export --format schema-org``: JSON-LD a city's site can embed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from catalog.model import Catalogue, OccurrenceChange
from catalog.occurrences.expand import activity_occurrences
from catalog.schema_org import HORIZON_DAYS, schema_org_text
from catalog.texts import pick_text

ZONE = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=ZONE)


def _next_sessions(demo: Catalogue) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = {}
    for activity in demo.activities:
        sessions = [
            o.start
            for o in activity_occurrences(
                activity, ZONE, NOW.date(), NOW.date() + timedelta(days=HORIZON_DAYS), {}
            )
            if o.end > NOW
        ]
        if sessions:
            found[activity.id] = sessions
    return found


def test_every_activity_with_sessions_is_named_with_its_next_dates_place_and_offer(
    demo: Catalogue,
) -> None:
    document = json.loads(schema_org_text(demo, [], NOW, "en"))

    assert document["@context"] == "https://schema.org"
    events = {event["identifier"]: event for event in document["@graph"]}
    expected = _next_sessions(demo)
    assert set(events) == set(expected)
    for activity_id, starts in expected.items():
        event = events[activity_id]
        activity = demo.activity(activity_id)
        assert activity is not None
        title = pick_text(activity.title, "en")
        assert title is not None
        assert event["@type"] == "Event"
        assert event["name"] == title.text
        assert datetime.fromisoformat(event["startDate"]) == starts[0]
        assert [datetime.fromisoformat(s["startDate"]) for s in event["subEvent"]] == starts[:10]
        assert event["offers"]["@type"] == "Offer"
        if not activity.cost:
            assert event["offers"]["price"] == 0
        place = demo.place(activity.place)
        if place is not None:
            assert event["location"]["name"] == pick_text(place.name, "en").text  # type: ignore[union-attr]
            if not place.online:
                assert event["location"]["address"]["addressLocality"] == place.municipality


def test_a_cancelled_session_says_so_and_the_next_one_leads(demo: Catalogue) -> None:
    activity_id, starts = next(iter(_next_sessions(demo).items()))
    first = starts[0].replace(tzinfo=None)
    change = OccurrenceChange(demo.activity(activity_id).id, first, cancelled=True)  # type: ignore[union-attr]

    document = json.loads(schema_org_text(demo, [change], NOW, "fi"))

    event = next(e for e in document["@graph"] if e["identifier"] == activity_id)
    assert event["subEvent"][0]["eventStatus"] == "https://schema.org/EventCancelled"
    if len(starts) > 1:
        assert datetime.fromisoformat(event["startDate"]) == starts[1]
