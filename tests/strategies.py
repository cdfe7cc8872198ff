"""Hypothesis strategies for valid ``tarjotin/1`` documents (plain data, as in a file)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from catalog.vocabulary import AUDIENCES, CLASSES, FINNISH_LEVELS, KINDS, LEVELS, ORGANISATION_KINDS

LANGS = ["fi", "fi-x-plain", "sv", "en", "ar", "fa", "uk", "zh", "so"]

ids = st.from_regex(r"\A[a-z][a-z0-9-]{0,12}\Z")
# Printable text of every script we serve, emoji and combining marks included.
words = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=("L", "M", "N", "P", "S", "Zs"),
        exclude_characters="\u2028\u2029\x85",
    ),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() == s and s != "")
texts = st.dictionaries(st.sampled_from(LANGS), words, min_size=1, max_size=3)


@st.composite
def local_datetimes(draw: st.DrawFn) -> str:
    day = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)))
    hour = draw(st.integers(6, 20))
    minute = draw(st.sampled_from([0, 15, 30, 45]))
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


@st.composite
def schedule_rules(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(local_datetimes())
    hour, minute = int(start[11:13]), int(start[14:16])
    rule: dict[str, Any] = {
        "rrule": draw(
            st.sampled_from(
                ["FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA",
                 "FREQ=MONTHLY;BYDAY=2TU", "FREQ=DAILY;COUNT=5"]
            )
        ),
        "start": start,
    }
    if draw(st.booleans()):
        rule["end"] = f"{hour + draw(st.integers(1, 3)):02d}:{minute:02d}"
    else:
        rule["duration"] = draw(st.sampled_from(["PT1H", "PT1H30M", "PT45M", "PT2H15M"]))
    if draw(st.booleans()):
        first = date.fromisoformat(start[:10])
        rule["until"] = (first + timedelta(days=365)).isoformat()  # 29 February has no twin
    return rule


@st.composite
def catalogues(draw: st.DrawFn) -> dict[str, Any]:
    network_ids = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    networks = [
        {
            "id": n,
            "name": draw(texts),
            "municipalities": draw(st.lists(words, min_size=1, max_size=2, unique=True)),
            "coordinator": {"email": f"{n}@example.fi"},
        }
        for n in network_ids
    ]
    organisation_ids = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    organisations = [
        {
            "id": o,
            "name": draw(texts),
            "kind": draw(st.sampled_from(ORGANISATION_KINDS)),
            "level": draw(st.sampled_from(LEVELS)),
            "networks": draw(st.lists(st.sampled_from(network_ids), min_size=1, unique=True)),
        }
        for o in organisation_ids
    ]
    place_ids = draw(st.lists(ids, max_size=3, unique=True))
    places = []
    for p in place_ids:
        place: dict[str, Any] = {"id": p, "name": draw(texts), "municipality": draw(words)}
        if draw(st.booleans()):
            place["online"] = True
            place["url"] = f"https://meet.example.org/{p}"
        else:
            place["address"] = draw(words)
            if draw(st.booleans()):
                place["geo"] = [draw(st.floats(59, 70)), draw(st.floats(19, 32))]
        places.append(place)
    activities = []
    for a in draw(st.lists(ids, min_size=1, max_size=5, unique=True)):
        activity: dict[str, Any] = {
            "id": a,
            "organisation": draw(st.sampled_from(organisation_ids)),
            "class": draw(st.sampled_from(CLASSES)),
            "kinds": draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True)),
            "title": draw(texts),
        }
        optional: dict[str, Any] = {
            "description": texts,
            "audience": st.lists(st.sampled_from(AUDIENCES), min_size=1, max_size=2, unique=True),
            "languages": st.lists(st.sampled_from(["fi", "en", "ar", "uk"]), min_size=1,
                                  unique=True),
            "finnish_level": st.sampled_from(FINNISH_LEVELS),
            "schedule": st.lists(schedule_rules(), min_size=1, max_size=2),
            "cost": texts,
            "registration": texts,
        }
        for key, strategy in optional.items():
            if draw(st.booleans()):
                activity[key] = draw(strategy)
        if draw(st.booleans()) and place_ids:
            activity["place"] = draw(st.sampled_from(place_ids))
        activities.append(activity)
    return {
        "format": "tarjotin/1",
        "timezone": "Europe/Helsinki",
        "networks": networks,
        "organisations": organisations,
        "places": places,
        "activities": activities,
    }
