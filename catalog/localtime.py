"""Turning the catalogue's wall-clock times into instants, on purpose across DST changes.

The catalogue writes local, naive times ("17:00 in Europe/Helsinki"). Twice a year a wall time
is ambiguous or missing, and every caller must agree on what it means, so the policy lives
here, once. It is RFC 5545's (section 3.3.5), which is also what PEP 495's ``fold=0`` gives:

- a wall time in the **skipped** spring-forward hour is read with the offset in force before
  the gap, i.e. it moves forward by the gap: 03:30 on 2027-03-28 in Helsinki is 04:30 EEST;
- a wall time in the **repeated** autumn hour is its **first** instance (still summer time):
  03:30 on 2026-10-25 in Helsinki is 03:30 EEST (+03:00), not 03:30 EET.

Aware results always carry the zone itself as ``tzinfo`` (never a fixed offset), with
``fold=0``, so ``start.hour`` is what a reader in that zone sees on the wall.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache


def _require_naive(local: datetime) -> None:
    if local.tzinfo is not None:
        raise ValueError(f"expected a naive local date-time, got {local.isoformat()}")


@lru_cache(maxsize=8192)
def _steady(zone: tzinfo, day: date) -> bool:
    """Whether ``zone``'s UTC offset is the same all through local ``day`` (no change on it)."""
    midnight = datetime.combine(day, time(), zone)
    following = datetime.combine(day + timedelta(days=1), time(), zone)
    return midnight.utcoffset() == following.utcoffset()


def to_aware(local: datetime, zone: tzinfo) -> datetime:
    """Return the instant a naive wall time in ``zone`` stands for (the policy above)."""
    _require_naive(local)
    if local.fold:
        local = local.replace(fold=0)
    day = local.date()
    first = datetime.combine(day, local.time(), zone)  # much faster than replace(tzinfo=)
    if _steady(zone, day):
        return first
    normalised = first.astimezone(UTC).astimezone(zone)
    if normalised.replace(tzinfo=None) == local:
        return first
    return normalised  # the wall time does not exist: shifted forward by the gap


def is_skipped(local: datetime, zone: tzinfo) -> bool:
    """Whether the wall time never shows on clocks in ``zone`` (spring-forward gap)."""
    _require_naive(local)
    return to_aware(local, zone).replace(tzinfo=None) != local


def is_repeated(local: datetime, zone: tzinfo) -> bool:
    """Whether the wall time shows twice on clocks in ``zone`` (autumn fold)."""
    _require_naive(local)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    return first.utcoffset() != second.utcoffset() and not is_skipped(local, zone)


def to_local(instant: datetime, zone: tzinfo) -> datetime:
    """Return an aware instant's naive wall time in ``zone`` (inverse of :func:`to_aware`)."""
    if instant.tzinfo is None:
        raise ValueError(f"expected an aware instant, got {instant.isoformat()}")
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def day_start(day: date, zone: tzinfo) -> datetime:
    """Return the instant local ``day`` begins in ``zone`` (midnight, or just after)."""
    return to_aware(datetime.combine(day, time()), zone)


def local_date(instant: datetime, zone: tzinfo) -> date:
    """Return the local calendar date of an aware instant in ``zone``."""
    return to_local(instant, zone).date()
