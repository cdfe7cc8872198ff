"""A kind subscription's day digests: when each is due, what it lists, late and cancelled."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from catalog.localtime import to_aware, to_local
from catalog.model import ActivityId
from catalog.occurrences import Occurrence
from handlers.core.events import ChatId, UserId
from handlers.newcomers.day_digest import digest_key, plan_digests, sessions_by_day
from handlers.newcomers.reminder_timing import (
    DEFAULT_LEADS,
    STARTED,
    TWO_HOURS_BEFORE,
    Lead,
    Subscription,
    Window,
    cancellation_key,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
ANA = UserId("telegram:1")


def local(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall time in Helsinki in November 2026."""
    return to_aware(datetime(2026, 11, day, hour, minute), HELSINKI)


def session(activity: str, start: datetime, *, cancelled: bool = False) -> Occurrence:
    return Occurrence(
        ActivityId(activity),
        start,
        start + timedelta(hours=2),
        to_local(start, HELSINKI),
        None,
        cancelled=cancelled,
    )


def kind_subscription(
    created: datetime, kind: str = "language_club", leads: tuple[Lead, ...] = DEFAULT_LEADS
) -> Subscription:
    return Subscription(
        ANA, ChatId(str(ANA)), created, kind=kind, network="espoo", leads=leads, id=7
    )


#: Two clubs on Tuesday the 24th (one at 10, one at 18), one on Wednesday the 25th.
WEEK = [
    session("evening-club", local(24, 18)),
    session("morning-club", local(24, 10)),
    session("wednesday-club", local(25, 17)),
]


def test_one_digest_per_day_due_the_evening_before_listing_the_day_in_order() -> None:
    subscription = kind_subscription(local(20))
    window = Window(local(23, 12), local(24, 0), local(23, 12))
    digests, notices = plan_digests(
        subscription, sessions_by_day(WEEK, HELSINKI), window, HELSINKI
    )
    assert notices == []
    [tuesday] = digests  # Wednesday's is due on Tuesday at 18:00, past this window
    assert tuesday.day == date(2026, 11, 24)
    assert to_local(tuesday.due_at, HELSINKI) == datetime(2026, 11, 23, 18, 0)
    assert [o.activity for o in tuesday.sessions] == ["morning-club", "evening-club"]
    assert tuesday.dropped is None
    assert tuesday.key == digest_key(subscription, date(2026, 11, 24))


def test_the_next_days_digest_comes_in_the_next_window() -> None:
    subscription = kind_subscription(local(20))
    window = Window(local(24, 12), local(25, 0), local(24, 12))
    digests, _ = plan_digests(subscription, sessions_by_day(WEEK, HELSINKI), window, HELSINKI)
    assert [(d.day, to_local(d.due_at, HELSINKI)) for d in digests] == [
        (date(2026, 11, 25), datetime(2026, 11, 24, 18, 0))
    ]


def test_a_subscription_made_after_the_evening_hears_at_its_next_time() -> None:
    subscription = kind_subscription(local(23, 19))  # after Monday 18:00
    window = Window(local(23, 19), local(24, 12), local(23, 19))
    [digest], _ = plan_digests(subscription, sessions_by_day(WEEK, HELSINKI), window, HELSINKI)
    assert to_local(digest.due_at, HELSINKI) == datetime(2026, 11, 24, 8, 0)  # 2 h before 10:00


def test_a_two_hours_before_subscription_hears_before_the_days_first_session() -> None:
    subscription = kind_subscription(local(20), leads=(TWO_HOURS_BEFORE,))
    window = Window(local(24, 0), local(24, 12), local(24, 0))
    [digest], _ = plan_digests(subscription, sessions_by_day(WEEK, HELSINKI), window, HELSINKI)
    assert to_local(digest.due_at, HELSINKI) == datetime(2026, 11, 24, 8, 0)
    assert len(digest.sessions) == 2


def test_cancelled_sessions_are_listed_but_a_day_of_only_cancelled_ones_has_no_digest() -> None:
    days = sessions_by_day(
        [
            session("a", local(24, 10), cancelled=True),
            session("b", local(24, 18)),
            session("c", local(25, 17), cancelled=True),
        ],
        HELSINKI,
    )
    subscription = kind_subscription(local(20))
    window = Window(local(23, 12), local(25, 0), local(23, 12))
    [digest], _ = plan_digests(subscription, days, window, HELSINKI)
    assert [(o.activity, o.cancelled) for o in digest.sessions] == [("a", True), ("b", False)]
    assert to_local(digest.due_at, HELSINKI) == datetime(2026, 11, 23, 18, 0)  # for 18:00's
    later = Window(local(24, 12), local(25, 12), local(24, 12))
    assert plan_digests(subscription, days, later, HELSINKI) == ([], [])


def test_a_late_digest_lists_what_has_not_started_and_one_too_late_is_dropped() -> None:
    subscription = kind_subscription(local(20))
    days = sessions_by_day(WEEK, HELSINKI)
    back_at_noon = Window(local(24, 12), local(24, 17), None)  # down since Monday
    [late], _ = plan_digests(subscription, days, back_at_noon, HELSINKI)
    assert late.dropped is None
    assert [o.activity for o in late.sessions] == ["evening-club"]
    back_at_night = Window(local(24, 21), local(25, 3), None)
    gone, wednesday = plan_digests(subscription, days, back_at_night, HELSINKI)[0]
    assert (gone.day, gone.dropped) == (date(2026, 11, 24), STARTED)
    assert (wednesday.day, wednesday.dropped) == (date(2026, 11, 25), None)  # due at 18:00


def test_a_cancellation_after_the_digest_went_out_is_announced_with_the_shared_key() -> None:
    subscription = kind_subscription(local(20))
    cancelled = session("evening-club", local(24, 18), cancelled=True)
    days = sessions_by_day([WEEK[1], cancelled], HELSINKI)
    out = {digest_key(subscription, date(2026, 11, 24))}
    window = Window(local(24, 9), local(24, 15), None)  # a re-plan the next morning
    digests, [notice] = plan_digests(subscription, days, window, HELSINKI, out)
    assert digests == []
    assert notice.key == cancellation_key(ANA, cancelled)  # as an activity subscriber's
    assert notice.is_cancellation
    assert notice.due_at == local(24, 9).astimezone(UTC)
    started = Window(local(24, 19), local(25, 1), None)
    assert plan_digests(subscription, days, started, HELSINKI, out) == ([], [])


def test_digest_keys_differ_by_day_and_by_subscription() -> None:
    first = kind_subscription(local(20))
    other_kind = kind_subscription(local(20), kind="sports")
    keys = {
        digest_key(first, date(2026, 11, 24)),
        digest_key(first, date(2026, 11, 25)),
        digest_key(other_kind, date(2026, 11, 24)),
    }
    assert len(keys) == 3
