"""The scorer judges the optional clock label and keeps judging old labels as before."""

from __future__ import annotations

from datetime import time
from typing import Any

from bench.score import expected_answers, score
from catalog.model import Catalogue

NOW = "2026-11-23T10:00:00+02:00"  # a Monday
WEDNESDAY = {"start": "2026-11-25", "end": "2026-11-25"}


def question(expect: dict[str, Any]) -> dict[str, Any]:
    base = {
        "intent": "activities",
        "kinds": None,
        "classes": None,
        "audience": None,
        "languages": None,
        "municipalities": None,
        "window": None,
    }
    return {
        "id": "q1",
        "text": "",
        "text_lang": "en",
        "lang_hint": None,
        "network": "nurmijarvi",
        "now": NOW,
        "expect": base | expect,
    }


def test_a_clock_label_keeps_only_sessions_starting_in_its_range(demo: Catalogue) -> None:
    whole_day = expected_answers(demo, question({"window": WEDNESDAY}))
    evening = expected_answers(demo, question({"window": WEDNESDAY, "time": {"from": "17:00"}}))
    assert evening
    assert set(evening) < set(whole_day)
    assert all(start is not None and start.time() >= time(17, 0) for start in evening.values())


def test_a_clock_label_without_a_window_never_accepts_ongoing_activities(
    demo: Catalogue,
) -> None:
    plain = expected_answers(demo, question({}))
    morning = expected_answers(demo, question({"time": {"to": "11:59"}}))
    assert None in plain.values(), "the demo has ongoing activities"
    assert None not in morning.values()
    assert all(start is not None and start.time() <= time(11, 59) for start in morning.values())


def test_a_result_outside_the_clock_range_is_not_fully_right(demo: Catalogue) -> None:
    asked = question({"window": WEDNESDAY, "time": {"from": "17:00"}})
    evening = expected_answers(demo, asked)
    daytime = expected_answers(demo, question({"window": WEDNESDAY, "time": {"to": "16:59"}}))
    right_id, right_start = next(iter(evening.items()))
    wrong_id, wrong_start = next(iter(daytime.items()))
    assert right_start is not None
    assert wrong_start is not None

    def answer(*results: tuple[str, Any]) -> dict[str, Any]:
        return {
            "id": "q1",
            "language": "en",
            "intent": "activities",
            "results": [{"activity": a, "start": s.isoformat()} for a, s in results],
        }

    good = score(demo, [asked], [answer((right_id, right_start))])["all"]
    mixed = score(
        demo, [asked], [answer((right_id, right_start), (wrong_id, wrong_start))]
    )["all"]
    assert good.fully_right == 1
    assert mixed.fully_right == 0


def test_old_labels_are_judged_as_before(demo: Catalogue) -> None:
    plain = question({"window": WEDNESDAY})
    right = expected_answers(demo, plain)
    results = [
        {"activity": a, "start": s.isoformat() if s else None} for a, s in list(right.items())[:5]
    ]
    answer = {"id": "q1", "language": "en", "intent": "activities", "results": results}
    assert score(demo, [plain], [answer])["all"].fully_right == 1
