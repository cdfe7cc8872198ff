"""Volunteers' changes in their own process, for the kill -9 test of the unit of work.

``python -m tests.bot.unit_of_work_crash_worker URL LOG``: cancels and moves, one after the
other, the first :data:`CHANGES` sessions of the test activity that are not changed yet,
each through :meth:`handlers.volunteers.session_changes.SessionChanges.commit` (the real step: the
change, every subscriber's notice and the end of the volunteer's dialogue in one unit of
work). Before each unit it appends ``begin <n>`` to the log and after it ``done <n>``
(fsynced), so the test knows where its kills landed. The clock is fixed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database
from bot.storage.dialogues import SqlDialogueStore
from bot.storage.reminders import SqlSubscriptionStore
from bot.storage.unit_of_work import SqlUnitsOfWork
from catalog.model import ActivityId, Catalogue
from catalog.occurrences import Occurrence, OccurrenceIndex
from handlers.core.dialogue import Dialogue
from handlers.core.events import ChatId, Profile, UserId
from handlers.core.i18n import Translator
from handlers.core.turn import Turn
from handlers.volunteers.notices import SessionNotices
from handlers.volunteers.session_changes import CANCEL, MOVE, SessionChanges, original_key, upcoming
from handlers.volunteers.steps import FLOW, Step

ACTIVITY = ActivityId("kielikahvila")
NOW = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)
CHANGES = 24


def volunteer(number: int) -> UserId:
    """Each change is made by a volunteer of its own, so each has its own dialogue."""
    return UserId(f"telegram:9{number:03d}")


def sessions(catalogue: Catalogue) -> list[Occurrence]:
    """The sessions the worker changes, from the catalogue as imported (no changes)."""
    return upcoming(OccurrenceIndex(catalogue, ()), ACTIVITY, NOW, CHANGES)


def dialogue_of(number: int, occurrence: Occurrence, zone: ZoneInfo) -> Dialogue:
    """The volunteer's dialogue at the confirming step: cancel the even, move the odd."""
    data = {"activity": ACTIVITY, "org": "seurakunta", "start": original_key(occurrence)}
    if number % 2:
        start = occurrence.start.astimezone(zone).replace(tzinfo=None) + timedelta(hours=1)
        end = occurrence.end.astimezone(zone).replace(tzinfo=None) + timedelta(hours=1)
        data |= {"op": MOVE, "time": start.isoformat(), "end": end.isoformat(), "place": ""}
    else:
        data |= {"op": CANCEL}
    data["reason"] = "weather"
    return Dialogue(volunteer(number), FLOW, "confirm-change", NOW, data)


def _append(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


async def main(url: str, log: str) -> None:
    database = await Database.open(url, migrate=False)
    store = CatalogStore(database.sessions)
    catalogue = await store.load()
    zone = ZoneInfo(catalogue.timezone)
    index = OccurrenceIndex(catalogue, ())
    translator = Translator()
    dialogues = SqlDialogueStore(database.sessions)
    notices = SessionNotices(SqlSubscriptionStore(database.sessions), translator, lambda: NOW)
    changes = SessionChanges(dialogues, SqlUnitsOfWork(database.sessions), notices)
    try:
        for number, occurrence in enumerate(sessions(catalogue)):
            done = {(c.activity, c.original_start) for c in await store.occurrence_changes()}
            if (occurrence.activity, occurrence.original_start) in done:
                continue
            dialogue = dialogue_of(number, occurrence, zone)
            await dialogues.save(dialogue)
            profile = Profile(dialogue.user, "fi", "nurmijarvi")
            turn = Turn(
                profile, ChatId(str(dialogue.user)), translator.speaker("fi"), catalogue, NOW
            )
            _append(log, f"begin {number}")
            await changes.commit(Step(turn, dialogue, catalogue, index, NOW))
            _append(log, f"done {number}")
    finally:
        await database.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
