"""The console's activity form: filled from an activity, checked exactly like an import."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

import pytest

from catalog.model import Catalogue
from handlers.coordination.console.forms import (
    ActivityForm,
    DateForm,
    Edited,
    PlaceForm,
    RuleForm,
    activity_from,
    form_of,
    missing_languages,
    new_activity_id,
    slug,
)
from handlers.coordination.tray_report import DemandLine
from handlers.core.i18n import Speaker, Translator
from tests.bot.storage.catalogues import full_catalogue

ENGLISH = Translator().speaker("en")
FINNISH = Translator().speaker("fi")


def _check(form: ActivityForm, speaker: Speaker = ENGLISH) -> Edited | dict[str, list[str]]:
    catalogue = full_catalogue()
    return activity_from(form, catalogue, "seurakunta", "kielikahvila", speaker)


def _problems(form: ActivityForm, speaker: Speaker = ENGLISH) -> dict[str, list[str]]:
    checked = _check(form, speaker)
    assert not isinstance(checked, Edited)
    return checked


def test_every_demo_activity_comes_back_unchanged_through_its_form(demo: Catalogue) -> None:
    for activity in demo.activities:
        checked = activity_from(
            form_of(activity), demo, activity.organisation, activity.id, ENGLISH
        )
        assert isinstance(checked, Edited), activity.id
        assert checked.activity == activity
        assert checked.place is None


def test_the_form_shows_a_weekly_rule_as_weekday_times_and_days() -> None:
    form = form_of(full_catalogue().activities[0])
    weekly, monthly = form.schedule
    assert weekly == RuleForm(
        weekday="TU",
        start="17:00",
        end="18:30",
        valid_from="2026-08-18",
        valid_until="2026-12-15",
        exceptions=("2026-12-08", "2026-10-20"),
    )
    assert (monthly.weekday, monthly.rrule) == ("", "FREQ=MONTHLY;BYDAY=1SA")
    assert form.dates[1] == DateForm("2026-10-03", "09:00", "01:00", end_day="2026-10-04")


def test_moving_the_weekly_time_and_adding_an_arabic_description() -> None:
    form = form_of(full_catalogue().activities[0])
    moved = replace(form.schedule[0], weekday="WE", start="18:00", end="19:30")
    edited = replace(
        form,
        descriptions={**form.descriptions, "ar": "تحدث الفنلندية"},
        schedule=(moved, *form.schedule[1:]),
    )
    checked = _check(edited)
    assert isinstance(checked, Edited)
    rule = checked.activity.schedule[0]
    assert rule.rrule == "FREQ=WEEKLY;BYDAY=WE"
    assert (rule.start, rule.end) == (datetime(2026, 8, 18, 18, 0), time(19, 30))
    assert ("ar", "تحدث الفنلندية") in checked.activity.description
    assert checked.activity.contact == full_catalogue().activities[0].contact  # kept


def test_each_problem_is_named_beside_its_field() -> None:
    form = form_of(full_catalogue().activities[0])
    broken = replace(
        form,
        titles={},
        age_min="many",
        place="nowhere",
        schedule=(replace(form.schedule[0], end="16:00"), form.schedule[1]),
    )
    problems = _problems(broken)
    assert problems == {
        "title": ["This is required."],
        "age_min": ["Write a whole number."],
        "place": ["Choose a place from the list."],
        "schedule.0.end": ["The end must be after the start."],
    }


def test_a_problem_is_phrased_in_the_keepers_language() -> None:
    form = form_of(full_catalogue().activities[0])
    broken = replace(form, schedule=(replace(form.schedule[0], end="16:00"),))
    english = _problems(broken)["schedule.0.end"]
    finnish = _problems(broken, FINNISH)["schedule.0.end"]
    assert finnish != english
    assert finnish[0]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (RuleForm(weekday="XX", start="17:00", end="18:00", valid_from="2026-09-01"), "weekday"),
        (RuleForm(weekday="TU", start="5 pm", end="18:00", valid_from="2026-09-01"), "start"),
        (RuleForm(weekday="TU", start="17:00", end="18:00", valid_from="1.9.2026"), "valid_from"),
        (RuleForm(weekday="TU", start="17:00", end="18:00", valid_from="2026-02-30"), "valid_from"),
        (RuleForm(weekday="TU", start="25:00", end="18:00", valid_from="2026-09-01"), "start"),
        (
            RuleForm(
                weekday="TU", start="17:00", end="18:00", valid_from="2026-09-01",
                valid_until="2026-08-01",
            ),
            "valid_until",
        ),
        (
            RuleForm(
                weekday="TU", start="17:00", end="18:00", valid_from="2026-09-01",
                exceptions=("soon",),
            ),
            "exceptions",
        ),
    ],
)  # fmt: skip
def test_schedule_problems_point_at_the_part_of_the_rule(rule: RuleForm, field: str) -> None:
    form = replace(form_of(full_catalogue().activities[0]), schedule=(rule,))
    assert list(_problems(form)) == [f"schedule.0.{field}"]


def test_a_new_place_gets_a_fresh_id_and_is_checked() -> None:
    form = form_of(full_catalogue().activities[0])
    created = _check(replace(form, new_place=PlaceForm(name="Pääkirjasto", municipality="Turku")))
    assert isinstance(created, Edited)
    assert created.place is not None
    assert created.place.id == "paakirjasto"
    assert created.activity.place == "paakirjasto"
    nameless = _problems(replace(form, new_place=PlaceForm(municipality="Turku")))
    assert list(nameless) == ["new_place.name"]


def test_new_ids_are_made_from_titles_and_never_reused() -> None:
    catalogue = full_catalogue()
    form = ActivityForm(titles={"fi": "Kielikahvila"})
    assert new_activity_id(form, catalogue) == "kielikahvila-2"
    assert new_activity_id(form, catalogue, ["kielikahvila-2"]) == "kielikahvila-3"
    assert slug("Äitien ryhmä!", "activity") == "aitien-ryhma"
    assert slug("مقهى", "activity") == "activity"


def test_missing_languages_put_what_newcomers_ask_in_first() -> None:
    catalogue = full_catalogue()
    activity = catalogue.activities[0]  # titled sv, fi, ar; described fi, en
    network = catalogue.network("nurmijarvi")  # names fi, en, ar
    demand = [
        DemandLine("so", "find", (), None, None, True, 3),
        DemandLine("uk", "find", (), None, None, True, 10),
    ]
    missing = missing_languages(activity, network, demand)
    assert missing[:4] == ("uk", "so", "en", "ar")
    assert "fi" not in missing
    assert len(set(missing)) == len(missing)


def test_every_problem_is_found_at_once_and_numbered_as_the_form_numbers_it() -> None:
    form = form_of(full_catalogue().activities[0])
    unreadable = replace(form.schedule[0], weekday="")
    backwards = replace(form.schedule[0], end="16:00")
    broken = replace(form, titles={}, schedule=(unreadable, backwards))
    problems = _problems(broken)
    assert problems == {
        "title": ["This is required."],
        "schedule.0.weekday": ["Choose a weekday."],
        "schedule.1.end": ["The end must be after the start."],
    }
    assert list(problems) == ["title", "schedule.0.weekday", "schedule.1.end"]
