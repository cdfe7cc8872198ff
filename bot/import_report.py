"""What ``tarjotin import`` tells the person importing: plain sentences in their language.

"79 activities: 2 added, 5 changed, 1 withdrawn." for each record type, with the ids behind
the numbers in a dry run, and the refusal of an import that would withdraw too much. Pure:
it renders an :class:`~bot.storage.catalog_store.ImportSummary` with a speaker.
"""

from __future__ import annotations

import argparse

from bot.storage.catalog_store import (
    ConflictReason,
    ConsoleConflict,
    ImportSummary,
    RecordChanges,
    RecordCounts,
)
from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.core.i18n import Speaker

MAX_WITHDRAWN_SHARE = 0.2
"""An import may withdraw at most a fifth of the activities on offer without --allow-withdraw."""

LISTED_IDS = 30
"""At most this many ids per line of a dry run; the rest are counted."""


def add_import_options(command: argparse.ArgumentParser) -> None:
    """The options every import command shares, so that they stay the same in each."""
    command.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would be added, changed, withdrawn and restored",
    )
    command.add_argument(
        "--allow-withdraw",
        action="store_true",
        help="allow withdrawing more than a fifth of the activities",
    )
    command.add_argument(
        "--lang",
        choices=SUPPORTED_LANGUAGES,
        metavar="CODE",
        help="the language of the summary (default: TARJOTIN_DEFAULT_LANGUAGE)",
    )


def _header(kind: str, total: int, speaker: Speaker) -> str:
    """The number of records of one type in the file, with its plural ("79 activities")."""
    forms = {
        "networks": ("%(count)d network", "%(count)d networks"),
        "organisations": ("%(count)d organisation", "%(count)d organisations"),
        "places": ("%(count)d place", "%(count)d places"),
        "activities": ("%(count)d activity", "%(count)d activities"),
    }
    singular, plural = forms[kind]
    return speaker.ngettext(singular, plural, total) % {"count": total}


def counts_sentence(kind: str, counts: RecordCounts, speaker: Speaker) -> str:
    """One record type's sentence: "79 activities: 2 added, 5 changed, 1 withdrawn."."""
    _ = speaker.gettext
    total = counts.added + counts.updated + counts.unchanged + counts.restored
    parts = [
        text % {"count": count}
        for text, count in (
            (_("%(count)d added"), counts.added),
            (_("%(count)d changed"), counts.updated),
            (_("%(count)d withdrawn"), counts.withdrawn),
            (_("%(count)d restored"), counts.restored),
        )
        if count
    ]
    details = ", ".join(parts) if parts else _("no changes")
    return _("%(records)s: %(changes)s.") % {
        "records": _header(kind, total, speaker),
        "changes": details,
    }


def _ids(ids: tuple[str, ...], speaker: Speaker) -> str:
    shown = ", ".join(ids[:LISTED_IDS])
    rest = len(ids) - LISTED_IDS
    if rest > 0:
        shown += " " + speaker.gettext("and %(count)d more") % {"count": rest}
    return shown


def id_lines(changes: RecordChanges, speaker: Speaker) -> list[str]:
    """The ids behind one record type's numbers, a line per kind of change (dry runs)."""
    _ = speaker.gettext
    labelled = (
        (_("added: %(ids)s"), changes.added),
        (_("changed: %(ids)s"), changes.updated),
        (_("withdrawn: %(ids)s"), changes.withdrawn),
        (_("restored: %(ids)s"), changes.restored),
    )
    return ["  " + label % {"ids": _ids(ids, speaker)} for label, ids in labelled if ids]


def summary_text(summary: ImportSummary, source: str, zone: str, speaker: Speaker) -> str:
    """The whole report of an import or, when nothing was applied, of a dry run."""
    _ = speaker.gettext
    if summary.applied:
        lines = [_("Imported %(file)s.") % {"file": source}]
    else:
        lines = [
            _("Dry run of %(file)s: nothing was changed. The import would do this:")
            % {"file": source}
        ]
    for kind, counts in (
        ("networks", summary.networks),
        ("organisations", summary.organisations),
        ("places", summary.places),
        ("activities", summary.activities),
    ):
        lines.append(counts_sentence(kind, counts, speaker))
        if not summary.applied:
            lines += id_lines(summary.changes.get(kind, RecordChanges()), speaker)
    if summary.timezone_changed:
        lines.append(_("The catalogue's time zone is now %(zone)s.") % {"zone": zone})
    lines += [conflict_line(conflict, speaker) for conflict in summary.conflicts]
    return "\n".join(lines) + "\n"


def conflict_line(conflict: ConsoleConflict, speaker: Speaker) -> str:
    """What the import did with one activity the keepers' console changed since (and why)."""
    _ = speaker.gettext
    if not conflict.kept:
        text = _("%(id)s: the file's version replaced the one changed in the console.")
    elif conflict.reason is ConflictReason.CHANGED:
        text = _(
            "%(id)s: kept as changed in the console; the file has another version. Export the "
            "catalogue to get the current one, or import with --overwrite-console."
        )
    elif conflict.reason is ConflictReason.MISSING:
        text = _(
            "%(id)s: kept; it was added or changed in the console and is not in the file "
            "(import with --overwrite-console to withdraw it)."
        )
    else:
        text = _(
            "%(id)s: left withdrawn as in the console although the file has it (import with "
            "--overwrite-console to bring it back)."
        )
    return "  " + text % {"id": conflict.activity}


def refusal_text(summary: ImportSummary, source: str, speaker: Speaker) -> str:
    """Why an import that would withdraw too many activities was refused, and what to do."""
    _ = speaker.gettext
    activities = summary.changes.get("activities", RecordChanges())
    lines = [
        _(
            "Nothing was imported from %(file)s: it would withdraw %(withdrawn)d of the "
            "activities on offer (%(offered)d), more than a fifth. A file cut short or "
            "exported from the wrong place does this. Check the file; if the activities "
            "really end, import it again with --allow-withdraw."
        )
        % {
            "file": source,
            "withdrawn": len(activities.withdrawn),
            "offered": activities.offered_before,
        },
        *id_lines(RecordChanges(withdrawn=activities.withdrawn), speaker),
    ]
    return "\n".join(lines) + "\n"
