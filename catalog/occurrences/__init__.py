"""Concrete occurrences of the catalogue's activities for any window, in its time zone.

Three layers, each usable alone:

- :mod:`~catalog.occurrences.rules` — one schedule rule to naive local ``(start, end)`` pairs
  (:func:`expand_rule`), honouring INTERVAL, COUNT, BYDAY ordinals, ``until``, ``UNTIL`` and
  ``except``, with arithmetic fast paths that jump straight to the window;
- :mod:`~catalog.occurrences.expand` — one activity's :class:`Occurrence` values in a window
  of local dates, one-off dates and volunteers' changes included (:func:`activity_occurrences`);
- :mod:`~catalog.occurrences.index` — :class:`OccurrenceIndex`, the whole catalogue's
  occurrences between two instants, indexed.

Time: the catalogue's wall-clock times become aware instants by :mod:`catalog.localtime`'s
RFC 5545 policy (a time in the skipped spring hour moves forward by the gap, a time in the
repeated autumn hour is its first instance), so a 17:00 club is at 17:00 local on both sides of
a change. An end is a wall-clock end (start plus the length on the wall) converted the same way;
when a gap makes it no later than the start, the start plus the length is used.

Materialise a horizon, or expand on the fly? Measured by ``python -m bench.bench_occurrences``
(10,000 generated activities: 8,835 dated, 8,070 rules, about 32,600 occurrences a month; one
core of a shared 2-vCPU container, CPython 3.11), answering "what is on this week":

===============================================  ==============================================
dateutil from every DTSTART, per question        0.3–0.6 s, growing with age (1.3 s a year on)
on the fly with the fast paths, per question     70 ms (rules compiled) — 7× over the 10 ms budget
a twelve-month horizon up front                  3.4–5.3 s at start-up, ~130 MiB, all of it
                                                 recomputed on each re-import
**lazy month buckets (chosen)**                  build 0.2 s; a month's first question 0.3 s;
                                                 then a week of the whole catalogue 0.18 ms
                                                 (p99 0.3 ms), of one network 0.5 ms (p99 1.5),
                                                 first sessions of 40 activities over 60 days
                                                 0.1 ms (p99 0.2), of a whole network 1.8 ms
                                                 (p99 4.5); ``next_for`` 0.01 ms
keeping it current                               one activity replaced 0.4 ms, one change ~1 ms,
                                                 both without rebuilding any month
memory                                           ~5 MiB per cached month (~160 B an
                                                 occurrence; ~350 B before wave 6 shared
                                                 times, flat per-activity runs and a slimmer
                                                 :class:`Occurrence`), at most ``max_buckets``
                                                 (12) kept
===============================================  ==============================================

So the index materialises only the months that are asked about, keeps them, patches them in
place when an activity or a change is replaced, and answers a window by bisecting sorted
arrays. To keep the first question of a month inside the budget, call
:meth:`OccurrenceIndex.warm` for this season's months at start-up (it is safe in a worker
thread); :meth:`OccurrenceIndex.keep` moves that range with the clock. From 20,000 activities a
month outside it asked about for a few activities is built for them alone and not kept. At the
size of a real network's tray a cold month is cheap anyway: 1.3 ms for the 79-activity demo
catalogue, 11 ms for 300 activities.
"""

from catalog.occurrences.expand import (
    ChangeKey,
    Occurrence,
    activity_occurrences,
    expand_activity,
)
from catalog.occurrences.index import OccurrenceIndex
from catalog.occurrences.rules import CompiledRule, compile_rule, expand_rule

__all__ = [
    "ChangeKey",
    "CompiledRule",
    "Occurrence",
    "OccurrenceIndex",
    "activity_occurrences",
    "compile_rule",
    "expand_activity",
    "expand_rule",
]
