"""One language's time words (``catalog/data/time/<language>.yaml``) compiled into one matcher.

Each data file lists regular expressions per meaning (see the comment at the top of ``fi.yaml``
for the format). They are combined here into a single alternation per language, tried at word
starts, so that scanning a message costs one regex pass. Where several alternatives could match
at the same place, the more specific kind wins (a fixed phrase before a date, a date before a
modifier-and-unit compound such as "next week", that before a bare weekday or month, that
before "today"/"tomorrow", and part-of-day words last), then the longer pattern. Holiday names
(the ``holidays`` mapping of holiday key to patterns, keys in
:data:`catalog.understanding.holidays.HOLIDAY_KEYS`) rank with the fixed phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from catalog.understanding.clocktimes import ClockKind, read_clock, read_count
from catalog.understanding.holidays import HOLIDAY_KEYS
from catalog.understanding.mapped_text import normalise_chunk, normalise_pattern
from catalog.understanding.query import ClockRange

Kind = Literal[
    "day", "today_part", "range", "weekday", "next_weekday", "coming_weekday", "date",
    "day_of_month", "month",
    "part", "holiday", "clock", "in_days", "in_weeks",
]  # fmt: skip
#: How a clock phrase bounds the day: "after 18", "before noon", "between 17 and 19", "at 18".
CLOCK_KINDS: tuple[ClockKind, ...] = ("after", "before", "between", "at")

#: Language codes with a data file; ``fi-x-plain`` reads the Finnish one.
TIME_LANGUAGES: tuple[str, ...] = (
    "fi", "sv", "en", "ru", "uk", "et", "ar", "fa", "so", "tr", "zh", "es", "fr",
)  # fmt: skip

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
PARTS = ("evening", "morning", "afternoon")

#: Fixed phrases: data key -> (kind, value, tier).
_PHRASES: dict[str, tuple[Kind, int | str, float]] = {
    "today": ("day", 0, 4),
    "tomorrow": ("day", 1, 4),
    "day_after_tomorrow": ("day", 2, 0),
    "three_days_ahead": ("day", 3, 0),
    "tonight": ("today_part", "evening", 0),
    "this_morning": ("today_part", "morning", 0),
    "this_afternoon": ("today_part", "afternoon", 0),
    "this_week": ("range", "this_week", 0),
    "next_week": ("range", "next_week", 0),
    "this_weekend": ("range", "this_weekend", 0),
    "next_weekend": ("range", "next_weekend", 0),
    "this_month": ("range", "this_month", 0),
    "next_month": ("range", "next_month", 0),
    "coming_days": ("range", "coming_days", 0),
    "christmas_week": ("range", "christmas_week", 0),
}
#: What "coming" makes of a unit (the ``coming`` modifier): the weekend ahead, the week and
#: month after this one; a weekday is the first one after today (``coming_weekday``).
_COMING: dict[str, tuple[Kind, int | str]] = {"this_weekend": ("range", "this_weekend")}
#: Holiday names (the ``holidays`` mapping) are tried as early as fixed phrases.
_HOLIDAY_TIER = 0
_OTHER_KEYS = frozenset(
    {
        "language", "boundaries", "prefix", "suffix", "this", "next", "coming", "week", "weekend",
        "month", "weekdays", "months", "months_with_day", "dates", "days_of_month",
        "not_time_words", "holidays", *PARTS,
        "numbers", "in_days", "in_weeks", "in_two_days", "in_two_weeks", "noon", "midnight",
        "am", "pm", "am_before", "pm_before", "clock_words", "not_clock_after", "not_typos",
        "splits",
        *(f"{kind}_clock" for kind in CLOCK_KINDS),
    }
)  # fmt: skip
_DEFAULT_DATES = ("{day}\\.? {month}", "{month} {day}\\.?")
_YEAR = r"(?:\s*,?\s*\d{4}(?!\d))?"
_DAY = r"\d{1,2}"
_NOT_A_NUMERIC_DATE = r"(?!\d|[./:]\d)"
#: A clock time in digits: 18, 18:30, 18.30, 18h30 (not a date such as 18.12. or 5.12.).
_CLOCK_DIGITS = r"(?P<h>\d{1,2})(?:(?:[:h]|\.(?=\d{2}(?!\.)))(?P<m>\d{2}))?(?!\d|[./:]\d)"
#: A written hh:mm alone is a clock time in every language; so is hh:mm-hh:mm.
_BARE_CLOCK = r"\d{1,2}:\d{2}(?!\d)"
_COUNT_DIGITS = r"(?P<d>\d{1,3})(?!\d|[./:]\d)"


@dataclass(frozen=True, slots=True)
class Found:
    """One time expression found at ``start:end`` of the normalised text.

    ``value`` is the day offset (``day``), the part of day (``today_part``, ``part``), the
    range name (``range``), the holiday key (``holiday``), the weekday 0-6 (``weekday``,
    ``next_weekday``) or the month 1-12 (``date``, ``month``); a ``date`` also has its ``day``
    and perhaps its ``year``, and a ``day_of_month`` (a day number without a month, "the
    28th") only its ``day``. "In three days" and "in two weeks" are found as a ``day`` with
    their offset (3, 14). A ``clock`` phrase has its kind (after, before, between, at) as
    ``value`` and its :class:`ClockRange` as ``clock``; ``ambiguous`` when its hour (8-11,
    no am/pm) may still mean the evening (see :mod:`catalog.understanding.clocktimes`).
    """

    kind: Kind
    value: int | str
    start: int
    end: int
    day: int | None = None
    year: int | None = None
    clock: ClockRange | None = None
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class _Alternative:
    kind: Kind
    value: int | str
    tier: float
    source: str


@dataclass(frozen=True, slots=True)
class TimePatterns:
    """The compiled time words of one language."""

    language: str
    finder: re.Pattern[str]
    classifier: re.Pattern[str]
    meanings: tuple[tuple[Kind, int | str], ...]
    not_time_words: frozenset[str]
    clock_token: re.Pattern[str] | None = None
    count_token: re.Pattern[str] | None = None
    splits: re.Pattern[str] | None = None
    """Where a word is two time words written together (the ``splits`` data key)."""

    def scan(self, text: str) -> list[Found]:
        """Every time expression in normalised ``text``, in text order, none overlapping.

        ``finder`` has no groups, so the regex engine can skip alternatives by their first
        letter; only where it matched does ``classifier`` (the same alternatives, each in a
        named group) tell which one it was.
        """
        found: list[Found] = []
        for located in self.finder.finditer(text):
            match = self.classifier.match(text, located.start())
            name = match.lastgroup if match else None
            if match is None or name is None:
                continue
            kind, value = self.meanings[int(name[1:])]
            if kind in ("date", "day_of_month"):
                day, year = _day_and_year(match.group())
                if day is None:
                    continue
                found.append(Found(kind, value, match.start(), match.end(), day, year))
            elif kind == "clock":
                read = self._clock(str(value), match.group())
                if read is None:
                    continue
                found.append(Found(kind, value, match.start(), match.end(), clock=read[0],
                                   ambiguous=read[1]))  # fmt: skip
            elif kind in ("in_days", "in_weeks"):
                count = int(value) or (
                    read_count(match.group(), self.count_token) if self.count_token else 1
                )
                days = count * (7 if kind == "in_weeks" else 1)
                found.append(Found("day", days, match.start(), match.end()))
            else:
                found.append(Found(kind, value, match.start(), match.end()))
        return found

    def _clock(self, kind: str, text: str) -> tuple[ClockRange, bool] | None:
        for clock_kind in CLOCK_KINDS:
            if clock_kind == kind and self.clock_token is not None:
                return read_clock(clock_kind, text, self.clock_token)
        return None


def _day_and_year(text: str) -> tuple[int | None, int | None]:
    day: int | None = None
    year: int | None = None
    for number in re.findall(r"\d+", text):
        if len(number) == 4:
            year = int(number)
        elif day is None and len(number) <= 2:
            day = int(number)
    return day, year


@cache
def time_patterns(language: str) -> TimePatterns:
    """The compiled time words of ``language`` (``fi-x-plain`` gets Finnish), loaded once."""
    base = "fi" if language == "fi-x-plain" else language
    if base not in TIME_LANGUAGES:
        raise KeyError(f"no time words for language {language!r}")
    return compile_patterns(base, load_data(base))


def load_data(language: str) -> dict[str, Any]:
    """The raw data file of ``language``, checked for unknown keys."""
    text = resources.files("catalog").joinpath(f"data/time/{language}.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"time/{language}.yaml: expected a mapping")
    unknown = set(data) - set(_PHRASES) - _OTHER_KEYS
    if unknown:
        raise ValueError(f"time/{language}.yaml: unknown keys {sorted(unknown)}")
    return data


def compile_patterns(language: str, data: dict[str, Any]) -> TimePatterns:
    """Build the single matcher of one language from its data (see the module docstring)."""
    words = _Words(data)
    alternatives = [
        *words.phrases(),
        *words.clocks(),
        *words.counts(),
        *words.holidays(),
        *words.units(),
        *words.dates(),
        *words.days_of_month(),
    ]
    alternatives.sort(key=lambda alternative: (alternative.tier, -len(alternative.source)))
    named = "|".join(
        f"(?P<a{index}>{alternative.source})" for index, alternative in enumerate(alternatives)
    )
    plain = "|".join(f"(?:{alternative.source})" for alternative in alternatives)
    prefix = f"(?:{_pattern(data['prefix'])})?" if data.get("prefix") else ""
    template = "{prefix}(?:{body})"
    if data.get("boundaries", True):
        template = r"(?<!\w){prefix}(?:{body})(?!\w)"
    return TimePatterns(
        language=language,
        finder=re.compile(template.format(prefix=prefix, body=plain)),
        classifier=re.compile(template.format(prefix=prefix, body=named)),
        meanings=tuple((alternative.kind, alternative.value) for alternative in alternatives),
        not_time_words=frozenset(normalise_chunk(word) for word in data.get("not_time_words", ())),
        clock_token=words.clock_token(),
        count_token=words.count_token(),
        splits=_splits(data.get("splits")),
    )


def _splits(sources: object) -> re.Pattern[str] | None:
    """One pattern of the empty places (look-behind and look-ahead) where a word splits."""
    if not sources:
        return None
    if not isinstance(sources, list):
        raise ValueError("'splits' must be a list of patterns")
    return re.compile("|".join(f"(?:{normalise_pattern(str(source))})" for source in sources))


def _pattern(source: str) -> str:
    """A data pattern, normalised, with its capturing groups made non-capturing."""
    normalised = normalise_pattern(str(source))
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", normalised)


class _Words:
    """Turns one language's data into alternatives; words get the language's ``suffix``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        suffix = data.get("suffix")
        self.suffix = f"(?:{_pattern(suffix)})?" if suffix else ""

    def either(self, entries: Any, *, suffixed: bool = True) -> str:
        """One non-capturing alternation of a list of data patterns ('' for none)."""
        if not entries:
            return ""
        if isinstance(entries, str):
            entries = [entries]
        tail = self.suffix if suffixed else ""
        return "(?:" + "|".join(f"(?:{_pattern(entry)}){tail}" for entry in entries) + ")"

    def phrases(self) -> list[_Alternative]:
        """Fixed phrases ("today", "tonight", "this weekend", ...) and part-of-day words."""
        found: list[_Alternative] = []
        for key, (kind, value, tier) in _PHRASES.items():
            source = self.either(self.data.get(key))
            if source:
                found.append(_Alternative(kind, value, tier, source))
        for part in PARTS:
            source = self.either(self.data.get(part))
            if source:
                found.append(_Alternative("part", part, 5, source))
        return found

    def holidays(self) -> list[_Alternative]:
        """Holiday names (the ``holidays`` mapping: key -> patterns), valued by their key.

        Each pattern is an alternative of its own, so that the longer ones are tried first
        ("christmas eve" before "christmas") whichever holiday they name.
        """
        holidays = self.data.get("holidays") or {}
        unknown = set(holidays) - HOLIDAY_KEYS
        if unknown:
            raise ValueError(f"unknown holidays {sorted(unknown)}")
        found: list[_Alternative] = []
        for key, entries in holidays.items():
            for entry in [entries] if isinstance(entries, str) else entries or ():
                found.append(_Alternative("holiday", str(key), _HOLIDAY_TIER, self.either(entry)))
        return found

    def numbers(self, limit: int) -> dict[int, str]:
        """The number words 1..``limit`` (the ``numbers`` mapping), each as one alternation."""
        numbers = self.data.get("numbers") or {}
        found: dict[int, str] = {}
        for value, entries in numbers.items():
            if 1 <= int(value) <= limit:
                found[int(value)] = self.either(entries, suffixed=False)
        return found

    def _group(self, key: str, name: str, named: bool) -> str:
        source = self.either(self.data.get(key), suffixed=False)
        if not source:
            return ""
        return f"(?P<{name}>{source})" if named else source

    def hour_source(self, *, named: bool) -> str:
        """A clock hour: digits (18, 18:30, 18.30) or a number word up to twelve."""
        digits = _CLOCK_DIGITS if named else re.sub(r"\(\?P<\w+>", "(?:", _CLOCK_DIGITS)
        months = self.either([*self._all_months()], suffixed=False)
        if months:  # "after 18 December" is a date, not a clock time
            digits += rf"(?!\s*(?:\w{{1,3}}\s+)?{months})"
        words = [
            f"(?P<n{value}>{source})" if named else source
            for value, source in sorted(self.numbers(12).items(), key=lambda item: -item[0])
        ]
        # "after 2 hours", "at one point": a number followed by these is no clock time
        not_after = self.either(self.data.get("not_clock_after"), suffixed=False)
        guard = rf"(?!\s*{not_after}(?!\w))" if not_after else ""
        return "(?:" + "|".join([digits, *words]) + ")" + guard

    def _all_months(self) -> list[str]:
        entries: list[str] = []
        for key in ("months", "months_with_day"):
            for names in (self.data.get(key) or {}).values():
                entries.extend([names] if isinstance(names, str) else names or ())
        return entries

    def clock_source(self, *, named: bool, marked: bool = False) -> str:
        """A clock time: an hour with its am/pm markers and clock words, noon or midnight.

        ``marked``: only one with an am/pm marker (then it needs no "at" before it).
        """
        pm_before = self._group("pm_before", "pmb", named)
        am_before = self._group("am_before", "amb", named)
        before = "|".join(part for part in (pm_before, am_before) if part)
        am = self._group("am", "am", named)
        pm = self._group("pm", "pm", named)
        after = "|".join(part for part in (am, pm) if part)
        words = self.either(self.data.get("clock_words"), suffixed=False)
        hour = self.hour_source(named=named)
        if words:
            hour += rf"(?:\s*{words})?"
        if marked:
            if not after:
                return ""
            return rf"{hour}\s*(?:{after})"
        if after:
            hour += rf"(?:\s*(?:{after}))?"
        special = [
            self._group(key, key, named) for key in ("noon", "midnight") if self.data.get(key)
        ]
        body = "|".join([*special, hour])
        prefix = rf"(?:(?:{before})\s*)?" if before else ""
        return f"{prefix}(?:{body})"

    def clock_token(self) -> re.Pattern[str] | None:
        """The pattern that reads each clock time inside a found clock phrase (named groups)."""
        source = self.clock_source(named=True)
        if self.data.get("boundaries", True):
            source = rf"(?<!\w){source}(?!\w)"
        return re.compile(source)

    def clocks(self) -> list[_Alternative]:
        """Clock phrases: the ``<kind>_clock`` templates, hh:mm and a marked hour alone."""
        clock = self.clock_source(named=False)
        hour = self.hour_source(named=False)
        found: list[_Alternative] = [
            _Alternative("clock", "between", 0.5, rf"{_BARE_CLOCK}\s*[-–]\s*{_BARE_CLOCK}"),
            _Alternative("clock", "at", 0.6, _BARE_CLOCK),
        ]
        marked = self.clock_source(named=False, marked=True)
        if marked:
            found.append(_Alternative("clock", "at", 0.6, marked))
        for kind in CLOCK_KINDS:
            for template in self._entries(f"{kind}_clock"):
                source = _pattern(template).replace("{clock}", clock).replace("{hour}", hour)
                found.append(_Alternative("clock", kind, 0.5, source))
        return found

    def count_token(self) -> re.Pattern[str]:
        """The pattern that reads the count in "in 3 days" (groups ``d``, ``n1``..``n14``)."""
        words = [
            f"(?P<n{value}>{source})"
            for value, source in sorted(self.numbers(14).items(), key=lambda item: -item[0])
        ]
        source = "(?:" + "|".join([_COUNT_DIGITS, *words]) + ")"
        if self.data.get("boundaries", True):
            source = rf"(?<!\w){source}(?!\w)"
        return re.compile(source)

    def counts(self) -> list[_Alternative]:
        """Counts of days or weeks ("in three days"): the ``in_days``, ``in_weeks`` templates.

        A template's value is its fixed count, or 0 to read the count from the match: the
        ``in_two_days``, ``in_two_weeks`` ones are a dual written as one word (Arabic يومين),
        which no number word could say without also reading "بعد اثنين" as two o'clock.
        """
        words = [source for _, source in sorted(self.numbers(14).items(), key=lambda i: -i[0])]
        count = "(?:" + "|".join([r"\d{1,3}(?!\d|[./:]\d)", *words]) + ")"
        keys: tuple[tuple[str, Kind, int], ...] = (
            ("in_days", "in_days", 0),
            ("in_weeks", "in_weeks", 0),
            ("in_two_days", "in_days", 2),
            ("in_two_weeks", "in_weeks", 2),
        )
        found: list[_Alternative] = []
        for key, kind, fixed in keys:
            for template in self._entries(key):
                source = _pattern(template).replace("{n}", count)
                found.append(_Alternative(kind, fixed, 0.5, source))
        return found

    def _entries(self, key: str) -> list[str]:
        entries = self.data.get(key) or []
        return [entries] if isinstance(entries, str) else [str(entry) for entry in entries]

    def compounds(self, unit: str, which: str) -> list[str]:
        """``unit`` with a ``this``/``next``/``coming`` modifier before or after it."""
        modifier = self.data.get(which) or {}
        before = self.either(modifier.get("before"), suffixed=False)
        after = self.either(modifier.get("after"), suffixed=False)
        sources = []
        if before:
            sources.append(rf"{before}\s*{unit}")
        if after:
            sources.append(rf"{unit}\s*{after}")
        return sources

    def units(self) -> list[_Alternative]:
        """Weekends, weeks, months and weekdays, alone or with a this/next modifier."""
        found: list[_Alternative] = []
        units: list[tuple[str, Kind, int | str, Kind, int | str, bool]] = []
        for name in ("weekend", "week", "month"):
            source = self.either(self.data.get(name))
            if source:
                bare = name == "weekend"
                units.append((source, "range", f"this_{name}", "range", f"next_{name}", bare))
        weekdays = self.data.get("weekdays") or {}
        for number, weekday in enumerate(WEEKDAYS):
            source = self.either(weekdays.get(weekday))
            if source:
                units.append((source, "weekday", number, "next_weekday", number, True))
        for rank, (source, this_kind, this_value, next_kind, next_value, bare) in enumerate(units):
            tier = 2 + rank / 100  # weekend before week before month before weekdays
            for compound in self.compounds(source, "this"):
                found.append(_Alternative(this_kind, this_value, tier, compound))
            for compound in self.compounds(source, "next"):
                found.append(_Alternative(next_kind, next_value, tier, compound))
            coming_kind, coming_value = _COMING.get(str(this_value), (next_kind, next_value))
            if this_kind == "weekday":
                coming_kind, coming_value = "coming_weekday", this_value
            for compound in self.compounds(source, "coming"):
                found.append(_Alternative(coming_kind, coming_value, tier, compound))
            if bare:
                found.append(_Alternative(this_kind, this_value, 3, source))
        months = self.data.get("months") or {}
        for number, month in enumerate(MONTHS, start=1):
            source = self.either(months.get(month))
            if source:
                found.append(_Alternative("month", number, 3, source))
        return found

    def dates(self) -> list[_Alternative]:
        """Day-and-month-name dates, per the language's ``dates`` templates."""
        templates = self.data.get("dates") or _DEFAULT_DATES
        months = self.data.get("months") or {}
        with_day = self.data.get("months_with_day") or {}
        found: list[_Alternative] = []
        for number, month in enumerate(MONTHS, start=1):
            names = [*(months.get(month) or ()), *(with_day.get(month) or ())]
            if not names:
                continue
            month_source = self.either(names)
            for template in templates:
                source = _pattern(template).replace("{day}", _DAY)
                source = source.replace("{month}", month_source)
                if "{year}" in source:
                    source = source.replace("{year}", r"\d{4}")
                else:
                    source += _YEAR
                found.append(_Alternative("date", number, 1, source))
        return found

    def days_of_month(self) -> list[_Alternative]:
        """Day numbers without a month ("the 28th"), per the ``days_of_month`` templates.

        A month name right after the number makes it a whole date ("يوم 12 ديسمبر"), which
        the date templates read; the day number alone must not take its place.
        """
        months = self.data.get("months") or {}
        with_day = self.data.get("months_with_day") or {}
        names = [
            name for month in MONTHS for name in (*months.get(month, ()), *with_day.get(month, ()))
        ]
        no_month = rf"(?!\s*{self.either(names)})" if names else ""
        return [
            _Alternative(
                "day_of_month",
                0,
                1.5,  # after the whole dates, whatever the length of its pattern
                _pattern(template).replace("{day}", _DAY) + _NOT_A_NUMERIC_DATE + no_month,
            )
            for template in self.data.get("days_of_month") or ()
        ]
