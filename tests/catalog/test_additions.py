"""Volunteers' additions: merged into the catalogue (the file wins), stored in the file format."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.additions import (
    AddedDate,
    UnrepresentableError,
    activity_from_payload,
    activity_payload,
    activity_problems,
    date_from_payload,
    date_payload,
    date_problems,
    with_additions,
)
from catalog.export import catalogue_to_data
from catalog.model import (
    Activity,
    ActivityId,
    AgeRange,
    Catalogue,
    Contact,
    OneOffDate,
    OrganisationId,
    PlaceId,
)
from catalog.parse import build_catalogue, parse_document
from catalog.source import Document
from tests.strategies import catalogues

JOULU = OneOffDate(datetime(2026, 12, 19, 17, 0), datetime(2026, 12, 19, 19, 30))
PIKKUJOULU = OneOffDate(datetime(2026, 12, 5, 16, 0), datetime(2026, 12, 5, 18, 0))


def event(activity_id: str, organisation: str = "unelma", place: str | None = "unelma") -> Activity:
    return Activity(
        id=ActivityId(activity_id),
        organisation=OrganisationId(organisation),
        klass="participation",
        kinds=("music_culture",),
        title=(("fi", "Joulukonsertti"), ("uk", "Різдвяний концерт")),
        place=PlaceId(place) if place is not None else None,
        dates=(JOULU,),
    )


# --- merging ------------------------------------------------------------------------------------


def test_nothing_to_add_gives_the_same_catalogue(demo: Catalogue) -> None:
    assert with_additions(demo, [], []) is demo


def test_an_added_event_is_appended_and_findable(demo: Catalogue) -> None:
    merged = with_additions(demo, [], [event("unelma-joulukonsertti")])
    assert merged.activities[: len(demo.activities)] == demo.activities
    assert merged.activities[-1] == event("unelma-joulukonsertti")
    assert merged.activity("unelma-joulukonsertti") == event("unelma-joulukonsertti")
    assert demo.activity("unelma-joulukonsertti") is None  # the original is untouched


def test_the_file_wins_over_an_added_event_with_the_same_id(demo: Catalogue) -> None:
    taken = demo.activities[0]
    merged = with_additions(demo, [], [event(taken.id), event("uusi"), event("uusi", "ejy")])
    assert merged.activity(taken.id) == taken
    assert merged.activity("uusi") == event("uusi")  # the first added one with the id
    assert len(merged.activities) == len(demo.activities) + 1


def test_added_events_hanging_on_records_not_on_offer_are_ignored(demo: Catalogue) -> None:
    merged = with_additions(
        demo,
        [],
        [
            event("ilman-jarjestoa", organisation="lakkautettu"),
            event("ilman-paikkaa", place="purettu-talo"),
            event("verkossa-ei-paikkaa", place=None),
        ],
    )
    assert [a.id for a in merged.activities[len(demo.activities) :]] == ["verkossa-ei-paikkaa"]


def test_added_dates_join_their_activity_once(demo: Catalogue) -> None:
    target = next(a for a in demo.activities if a.schedule and not a.dates)
    dated = next(a for a in demo.activities if a.dates)
    merged = with_additions(
        demo,
        [
            AddedDate(target.id, JOULU),
            AddedDate(target.id, PIKKUJOULU),
            AddedDate(target.id, JOULU),  # the same date twice counts once
            AddedDate(dated.id, dated.dates[0]),  # already in the file
            AddedDate(ActivityId("ei-tarjolla"), JOULU),  # not on offer: ignored
            AddedDate(ActivityId("uusi"), PIKKUJOULU),  # on an added event
        ],
        [event("uusi")],
    )
    found = merged.activity(target.id)
    assert found is not None
    assert found.dates == (JOULU, PIKKUJOULU)
    assert found.schedule == target.schedule
    assert merged.activity(dated.id) == dated
    assert merged.activity("ei-tarjolla") is None
    assert merged.activity("uusi") == replace(event("uusi"), dates=(JOULU, PIKKUJOULU))
    untouched = [a for a in merged.activities if a.id not in {target.id, "uusi"}]
    assert untouched == [a for a in demo.activities if a.id != target.id]


def test_a_merged_catalogue_exports_and_reimports_as_itself(demo: Catalogue) -> None:
    target = demo.activities[0]
    merged = with_additions(demo, [AddedDate(target.id, JOULU)], [event("uusi")])
    again = parse_document(Document(json.loads(json.dumps(catalogue_to_data(merged)))))
    assert again == merged
    # Re-imported, the additions are in the file: merging them again changes nothing.
    assert with_additions(again, [AddedDate(target.id, JOULU)], [event("uusi")]) == merged


# --- the interchange format ---------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues())
def test_every_activity_payload_round_trips_exactly(document: dict[str, object]) -> None:
    for activity in build_catalogue(document).activities:
        payload = activity_payload(activity)
        assert activity_from_payload(payload) == activity
        assert activity_payload(activity_from_payload(payload)) == payload


def test_the_payload_is_the_exported_record() -> None:
    full = replace(
        event("uusi"),
        description=(("fi", "Tervetuloa!"),),
        contact=Contact(name=(("fi", "Anna"),), email="anna@example.fi"),
        age=AgeRange(min=6),
        audience=("families",),
    )
    catalogue = Catalogue("Europe/Helsinki", (), (), (), (full,))
    assert json.loads(activity_payload(full)) == catalogue_to_data(catalogue)["activities"][0]
    assert activity_from_payload(activity_payload(full)) == full


second_resolution = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31)
).map(lambda moment: moment.replace(microsecond=0))


@given(second_resolution, second_resolution)
def test_every_date_payload_round_trips_exactly(start: datetime, end: datetime) -> None:
    when = OneOffDate(start, end)
    payload = date_payload(when)
    assert date_from_payload(payload) == when
    assert set(json.loads(payload)) == {"start", "end"}


def test_what_the_format_cannot_hold_is_refused() -> None:
    with pytest.raises(UnrepresentableError):
        date_payload(OneOffDate(datetime(2026, 1, 1, 10, 0, 0, 5), datetime(2026, 1, 1, 11)))
    with pytest.raises(UnrepresentableError):  # an empty contact would come back as none
        activity_payload(replace(event("uusi"), contact=Contact()))


# --- checking an addition -----------------------------------------------------------------------


def test_a_well_formed_event_has_no_problems(demo: Catalogue) -> None:
    assert activity_problems(demo, event("unelma-joulukonsertti")) == []


def test_problems_of_an_event_are_reported(demo: Catalogue) -> None:
    assert activity_problems(demo, replace(event("uusi"), kinds=("juggling",)))
    assert activity_problems(demo, event("uusi", organisation="lakkautettu"))
    assert activity_problems(demo, event("Iso Kirjain"))
    backwards = OneOffDate(JOULU.end, JOULU.start)
    assert activity_problems(demo, replace(event("uusi"), dates=(backwards,)))
    taken = activity_problems(demo, event(demo.activities[0].id))
    assert taken == [f"the id {demo.activities[0].id!r} is already used"]


def test_a_date_must_end_after_it_starts() -> None:
    assert date_problems(JOULU) == []
    assert date_problems(OneOffDate(JOULU.start, JOULU.start)) != []
