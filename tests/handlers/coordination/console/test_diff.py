"""The review screen's diff: one line per changed field, texts per language."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from handlers.coordination.console.diff import FieldChange, changes, compact, from_compact
from tests.bot.storage.catalogues import full_activity, minimal_activity


def test_an_added_arabic_description_is_one_line() -> None:
    old = full_activity()
    new = replace(old, description=(*old.description, ("ar", "تحدث الفنلندية")))
    assert changes(old, new) == [FieldChange("description.ar", "", "تحدث الفنلندية")]


def test_a_moved_weekly_time_shows_the_rule_before_and_after() -> None:
    old = full_activity()
    moved = replace(old.schedule[0], start=datetime(2026, 8, 19, 18, 0))
    found = changes(old, replace(old, schedule=(moved, *old.schedule[1:])))
    assert [c.field for c in found] == ["schedule"]
    assert "2026-08-18T17:00–18:30" in found[0].before
    assert "2026-08-19T18:00–18:30" in found[0].after


def test_an_unchanged_activity_has_no_changes_and_a_new_one_lists_every_field() -> None:
    activity = full_activity()
    assert changes(activity, activity) == []
    fields = [c.field for c in changes(None, minimal_activity("uusi"))]
    assert fields == ["id", "organisation", "class", "kinds", "title.fi"]
    assert all(c.before == "" for c in changes(None, activity))


def test_the_compact_form_reads_back() -> None:
    old = full_activity()
    found = changes(old, replace(old, kinds=("sports",), age=None))
    assert from_compact(compact(found)) == found
    assert from_compact("") == []
