"""Repeated values of a catalogue are one object each; the model reads the same."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from catalog.parse import load_catalogue
from catalog.sharing import Shared


def test_equal_values_come_back_as_the_first_object() -> None:
    shared = Shared()
    first = shared.codes(iter(["youth", "women"]))
    second = shared.codes(["youth", "women"])
    assert first == ("youth", "women")
    assert second is first
    assert shared.codes(["women", "youth"]) is not first


def test_an_equal_value_of_another_type_is_not_swapped_in() -> None:
    shared = Shared()
    shared.value(1)
    assert type(shared.value(1.0)) is float


def test_parsed_activities_share_their_repeated_codes(demo_path: Path) -> None:
    raw = yaml.safe_load(demo_path.read_text("utf-8"))
    catalogue = load_catalogue(demo_path)
    by_kinds = defaultdict(list)
    for activity, source in zip(catalogue.activities, raw["activities"], strict=True):
        assert activity.kinds == tuple(source["kinds"])
        assert activity.stages == tuple(source.get("stages", ()))
        by_kinds[activity.kinds].append(activity.kinds)
    repeated = [tuples for tuples in by_kinds.values() if len(tuples) > 1]
    assert repeated, "the demo repeats a combination of kinds"
    for tuples in repeated:
        assert all(value is tuples[0] for value in tuples)
