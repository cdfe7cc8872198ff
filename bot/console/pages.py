"""What the console's pages show, computed from the catalogue: pure, so tests need no server."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.console.forms import fields_of
from catalog.model import Activity, Catalogue, Text
from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.coordination.console.forms import form_of
from handlers.coordination.console_access import ConsoleScope, visible_activities
from handlers.coordination.tray_report import newcomer_languages
from handlers.core.formatting import localised
from handlers.core.i18n import Speaker

#: Languages the console itself is shown in.
CONSOLE_LANGUAGES = ("fi", "sv", "en")

#: Activities per page of the list (keeps a page light at 10,000 activities).
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class ActivityLine:
    """One line of the activity list."""

    id: str
    title: str
    organisation: str
    missing: int
    """How many of the network's asked-for languages have neither title nor description."""


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of the activity list."""

    lines: tuple[ActivityLine, ...]
    page: int
    pages: int
    total: int
    query: str


@dataclass(frozen=True, slots=True)
class LanguageRow:
    """One language's side of the activity's texts."""

    code: str
    name: str
    asked: bool
    """Newcomers in this network ask in it (the report's demand counts, the network's list)."""
    title: str
    description: str

    @property
    def missing(self) -> bool:
        """Neither title nor description written in this language."""
        return not self.title and not self.description


def text_in(text: Text, language: str) -> str:
    """The text written in exactly ``language`` (no fallback), or ``""``."""
    return next((value for code, value in text if code == language), "")


def asked_languages(
    catalogue: Catalogue, network: str | None, demand: Iterable[tuple[str, int]]
) -> tuple[str, ...]:
    """The languages newcomers of the network ask in (counted, then named), most asked first."""
    counts: dict[str, int] = {}
    for language, count in demand:
        counts[language] = counts.get(language, 0) + count
    found = catalogue.network(network or "")
    named = newcomer_languages(found) if found else ()
    ordered = sorted(counts, key=lambda code: (-counts[code], code))
    return tuple(dict.fromkeys(code for code in (*ordered, *named) if code in SUPPORTED_LANGUAGES))


def language_rows(activity: Activity, asked: Sequence[str], speaker: Speaker) -> list[LanguageRow]:
    """Every language side by side: the asked-for ones first, then the rest in catalogue order."""
    order = tuple(dict.fromkeys((*asked, *SUPPORTED_LANGUAGES)))
    return [
        LanguageRow(
            code,
            speaker.language_name(code),
            code in asked,
            text_in(activity.title, code),
            text_in(activity.description, code),
        )
        for code in order
    ]


def listing(
    catalogue: Catalogue,
    scope: ConsoleScope,
    speaker: Speaker,
    asked: Sequence[str],
    query: str = "",
    page: int = 1,
) -> Listing:
    """The activities the person keeps, filtered by a title search, one page of them."""
    wanted = query.casefold().strip()
    found = [
        a
        for a in visible_activities(catalogue, scope)
        if not wanted or any(wanted in value.casefold() for _, value in a.title) or wanted in a.id
    ]
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    lines = []
    for activity in shown:
        organisation = catalogue.organisation(activity.organisation)
        written = {code for code, _ in (*activity.title, *activity.description)}
        lines.append(
            ActivityLine(
                activity.id,
                localised(activity.title, speaker, say_language=False),
                localised(organisation.name, speaker, say_language=False)
                if organisation
                else activity.organisation,
                len([code for code in asked if code not in written]),
            )
        )
    return Listing(tuple(lines), page, pages, len(found), query)


@dataclass(frozen=True, slots=True)
class FormState:
    """What the form shows: the stored values, or exactly what was sent back with problems."""

    values: dict[str, list[str]]
    problems: dict[str, list[str]]
    rules: int
    """Weekly-time rows to show (one more than filled in, for adding one)."""
    dates: int
    """One-off date rows to show (likewise)."""

    def value(self, name: str) -> str:
        """The field's (first) value."""
        found = self.values.get(name)
        return found[0] if found else ""

    def has(self, name: str, option: str) -> bool:
        """Whether a checkbox or option is chosen."""
        return option in self.values.get(name, [])

    def problems_of(self, name: str) -> list[str]:
        """The problems found in one field."""
        return self.problems.get(name, [])


def _rows(values: Mapping[str, Sequence[str]], kind: str) -> int:
    numbers = {
        int(parts[1]) for key in values
        if (parts := key.split("."))[0] == kind and len(parts) == 3 and parts[1].isdigit()
    }
    return max(numbers, default=-1) + 1


def form_state(
    activity: Activity,
    sent: Mapping[str, Sequence[str]],
    problems: Mapping[str, Sequence[str]],
) -> FormState:
    """The form as stored, or exactly as sent when it comes back with problems."""
    values = fields_of(form_of(activity)) if not sent else {k: list(v) for k, v in sent.items()}
    rules, dates = _rows(values, "schedule"), _rows(values, "dates")
    return FormState(
        values,
        {k: list(v) for k, v in problems.items()},
        rules + (0 if sent else 1),
        dates + (0 if sent else 1),
    )
