"""Flood control: bursts, per-chat and overall limits, integer retry_after."""

from __future__ import annotations

from tests.telegram_server.limits import FloodControl, ManualClock, RateLimits


def test_private_chat_burst_then_one_per_interval() -> None:
    clock = ManualClock()
    flood = FloodControl(RateLimits(private_burst=3, private_interval=1.0), clock)
    assert [flood.acquire(1, is_private=True) for _ in range(3)] == [None, None, None]
    assert flood.acquire(1, is_private=True) == 1
    assert flood.acquire(2, is_private=True) is None  # other chats are not affected
    clock.advance(0.5)
    assert flood.acquire(1, is_private=True) == 1  # half a token is not enough; round up
    clock.advance(0.5)
    assert flood.acquire(1, is_private=True) is None
    assert flood.acquire(1, is_private=True) == 1


def test_private_burst_refills_up_to_capacity_only() -> None:
    clock = ManualClock()
    flood = FloodControl(RateLimits(private_burst=2), clock)
    clock.advance(100)
    assert [flood.acquire(1, is_private=True) for _ in range(3)] == [None, None, 1]


def test_group_window_reports_seconds_until_the_oldest_expires() -> None:
    clock = ManualClock()
    flood = FloodControl(RateLimits(group_per_window=20, group_window=60.0), clock)
    for _ in range(20):
        assert flood.acquire(-5, is_private=False) is None
        clock.advance(1.0)
    assert flood.acquire(-5, is_private=False) == 40
    clock.advance(40)
    assert flood.acquire(-5, is_private=False) is None


def test_global_limit_spans_chats() -> None:
    clock = ManualClock()
    flood = FloodControl(RateLimits(global_per_window=30, global_window=1.0), clock)
    assert all(flood.acquire(chat, is_private=True) is None for chat in range(30))
    assert flood.acquire(99, is_private=True) == 1
    assert flood.acquire(-99, is_private=False) == 1
    clock.advance(1.0)
    assert flood.acquire(99, is_private=True) is None


def test_refused_messages_do_not_count() -> None:
    clock = ManualClock()
    flood = FloodControl(RateLimits(private_burst=1, private_interval=1.0), clock)
    assert flood.acquire(1, is_private=True) is None
    for _ in range(10):
        assert flood.acquire(1, is_private=True) == 1
    clock.advance(1.0)
    assert flood.acquire(1, is_private=True) is None


def test_limits_off_never_refuse() -> None:
    flood = FloodControl(RateLimits.off(), ManualClock())
    assert all(flood.acquire(1, is_private=True) is None for _ in range(100))
