"""Bounded dateutil searches: a rule that rarely or never matches cannot search for millennia.

dateutil's iterator stops at ``COUNT``, at a match past ``UNTIL``, or at the year 9999. A rule
whose filters never match (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``) or match rarely walks every
period up to 9999 before giving up: 3 s for one such DAILY rule, however near its ``UNTIL``.
:func:`bounded` gives a copy of a rule that stops after visiting a number of calendar months
(years, for a YEARLY rule; one visit costs about 30 µs whatever the frequency).

The visits are counted where dateutil rebuilds its calendar tables for a new month or year
(``_iterinfo.rebuild`` reads the rule's ``_byeaster`` once each time, and the iterator once
at its start). That is dateutil 2.x's private structure (the lock pins 2.9);
``tests/catalog/test_scan.py`` fails if a new version stops counting.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from dateutil.rrule import rrule


class _BoundedRule(rrule):
    """An ``rrule`` whose iteration raises :class:`_BudgetSpentError` after ``budget`` visits."""

    _visits: int
    _budget: int

    @property
    def _byeaster(self) -> Any:
        self._visits += 1
        if self._visits > self._budget:
            raise _BudgetSpentError
        return self.__dict__["_byeaster"]


class _BudgetSpentError(Exception):
    """The search budget of a bounded rule is used up."""


def bounded(rule: rrule, budget: int, **changes: Any) -> Iterator[datetime]:
    """Iterate ``rule``'s starts, stopping quietly after about ``budget`` months of calendar.

    A YEARLY rule's visits are years; every other frequency's are months. ``changes`` are
    passed to ``rule.replace`` (``dtstart=...``). Each call works on a fresh copy, so several
    threads may search the same rule at once.
    """
    copy = rule.replace(**changes)
    copy.__class__ = _BoundedRule
    assert isinstance(copy, _BoundedRule)
    copy._visits = 0
    copy._budget = max(budget, 2)  # the iterator's own read and the first month
    iterator = iter(copy)
    while True:
        try:
            yield next(iterator)
        except (StopIteration, _BudgetSpentError):
            return


def months_between(first: date, last: date) -> int:
    """How many month boundaries lie between two dates (0 within one month)."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month)
