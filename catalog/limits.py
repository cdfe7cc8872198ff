"""The bounds a catalogue must keep so that importing it and serving it stay cheap (FORMAT.md).

Each is generous for a real tray of activities and tight enough that no file within them can
make the bot slow to start or to answer. The JSON Schema states the size bounds it can express
(``maxLength``, ``maxItems``); the rest are checked by :mod:`catalog.parse`.
"""

from __future__ import annotations

from datetime import timedelta

FIRST_YEAR, LAST_YEAR = 2000, 2100
"""Every date written in a catalogue lies in these years (inclusive)."""

MAX_INTERVAL = 366
MAX_COUNT = 1000
MAX_SESSION = timedelta(hours=24)
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")

MAX_RULE_VALUES = 31
"""Values one BYxxx part of an RRULE may list (BYMONTHDAY needs 31 at most)."""

MAX_STARTS_A_DAY = 24
"""Start times one rule may give a day: BYHOUR × BYMINUTE × BYSECOND values."""

FIRST_SESSION_WITHIN = timedelta(days=366)
"""A rule's first session lies this close to its ``start``: a rule that never or hardly ever
matches (the 30th of February) is a mistake, and searching for its sessions is costly."""

COUNTED_YEARS = 10
"""Every session of a counted (``COUNT``) rule lies within this many years of its ``start``."""

MAX_COUNTED_SESSIONS = 200_000
"""Sessions of counted rules in a whole catalogue: the bot keeps each of them in memory."""

# dateutil search budgets, in months visited (years for a YEARLY rule): enough to find what
# the limits above allow, and no more (catalog.occurrences.scan).
FIRST_SEARCH_MONTHS = 14
COUNTED_SEARCH_MONTHS = COUNTED_YEARS * 12 + 2
