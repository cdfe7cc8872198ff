"""/forget on each backend: no string anywhere in the database still holds the user's id.

The scan walks every table in ``Base.metadata`` and every string column, so a table added
later is covered without touching this test.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, func, select

from bot.storage.broadcasts import SqlBroadcastStore
from bot.storage.catalog_store import CatalogStore
from bot.storage.database import Database
from bot.storage.dialogues import SqlDialogueStore
from bot.storage.erasure import FORGOTTEN, forget_user, user_data
from bot.storage.models import Base, RoleEventRow, StaffGrantRow
from bot.storage.outbox import OutgoingMessage, SqlOutbox
from bot.storage.profiles import SqlProfileStore
from bot.storage.reminders import SqlSubscriptionStore
from bot.storage.requests import SqlRequestStore
from bot.storage.staff import SqlStaffStore
from catalog.model import (
    Activity,
    ActivityId,
    Catalogue,
    OccurrenceChange,
    OneOffDate,
    OrganisationId,
)
from handlers.coordination.permissions import Invite, Role
from handlers.coordination.requests import ContactRequest, RequestKind
from handlers.core.dialogue import Dialogue, DialogueName
from handlers.core.events import ChatId, Profile, Reply, UserId
from handlers.newcomers.reminder_timing import Subscription
from handlers.volunteers.broadcast_state import Broadcast

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
WEEK_ON = NOW + timedelta(days=7)
LEAVER = UserId("telegram:987654321")
"""The user who deletes their data; no other id contains this one."""
STAYER = UserId("matrix:@stayer:example.org")
READER = UserId("telegram:4444")
COORDINATOR = UserId("telegram:7777")
DESK_CHAT = ChatId("telegram:-1002222")
SECRET = "Minulla on kysymys, jonka vain koordinaattori saa nähdä"
"""The text of the leaver's request: it must vanish with them (the forwards carry it)."""


@dataclass
class Stores:
    profiles: SqlProfileStore
    subscriptions: SqlSubscriptionStore
    outbox: SqlOutbox
    dialogues: SqlDialogueStore
    requests: SqlRequestStore
    staff: SqlStaffStore
    broadcasts: SqlBroadcastStore
    catalogue: CatalogStore


def stores(database: Database) -> Stores:
    sessions = database.sessions
    return Stores(
        SqlProfileStore(sessions),
        SqlSubscriptionStore(sessions),
        SqlOutbox(sessions),
        SqlDialogueStore(sessions),
        SqlRequestStore(sessions),
        SqlStaffStore(sessions),
        SqlBroadcastStore(sessions),
        CatalogStore(sessions),
    )


def note(key: str, chat: str, user: str, text: str, batch: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(key, ChatId(chat), UserId(user), Reply(text, "fi"), NOW, batch=batch)


async def everything_about(s: Stores, user: UserId, activity: ActivityId, n: int) -> None:
    """A profile, a subscription, a dialogue, a request and its forward, outbox rows."""
    await s.profiles.save(Profile(user, "uk", "nurmijarvi"))
    await s.subscriptions.add(Subscription(user, ChatId(str(user)), NOW, activity=activity))
    await s.dialogues.save(Dialogue(user, DialogueName.CONTACT, "message", NOW, {"draft": "hei"}))
    text = SECRET if user == LEAVER else f"Kysymys {n}"
    request = await s.requests.create(
        ContactRequest(
            None,
            "",
            RequestKind.CONTACT,
            user,
            ChatId(str(user)),
            "nurmijarvi",
            "uk",
            text,
            NOW,
            activity=activity,
            name=f"Nimi {n}",
        )
    )
    await s.outbox.enqueue(
        [
            note(f"reminder:{user}", str(user), str(user), "Muistutus"),
            note(f"fwd:{request.id}", DESK_CHAT, DESK_CHAT, text, request.batch),
            note(f"answer:{request.id}", str(user), str(user), "Vastaus", request.batch),
        ],
        NOW,
    )


async def populate(database: Database, demo: Catalogue) -> None:
    s = stores(database)
    await s.catalogue.apply(demo)
    activity = next(a for a in demo.activities if a.schedule)
    await everything_about(s, LEAVER, activity.id, 1)
    await everything_about(s, STAYER, activity.id, 2)
    # Roles: the coordinator makes the leaver an organiser, who invites the stayer (used) and
    # someone else (never used).
    await s.staff.create_invite(
        Invite("to-leaver", Role.ORGANISER, activity.organisation, COORDINATOR, NOW, WEEK_ON)
    )
    await s.staff.redeem("to-leaver", LEAVER, NOW)
    for code in ("to-stayer", "unused"):
        await s.staff.create_invite(
            Invite(code, Role.VOLUNTEER, activity.organisation, LEAVER, NOW, WEEK_ON)
        )
    await s.staff.redeem("to-stayer", STAYER, NOW)
    # The leaver changed the catalogue.
    await s.catalogue.add_activity(
        Activity(
            ActivityId("lisatty"),
            OrganisationId(activity.organisation),
            "participation",
            ("music_culture",),
            (("fi", "Lisätty"),),
        ),
        LEAVER,
    )
    extra = OneOffDate(datetime(2026, 12, 19, 17, 0), datetime(2026, 12, 19, 19, 0))
    await s.catalogue.add_date(activity.id, extra, LEAVER)
    await s.catalogue.set_occurrence_change(
        OccurrenceChange(activity.id, activity.schedule[0].start, cancelled=True), LEAVER
    )
    # The leaver broadcast to two readers (one copy sent, one waiting), got a report, and
    # received the stayer's broadcast.
    mine = await s.broadcasts.create(
        Broadcast(None, LEAVER, ChatId(str(LEAVER)), activity.organisation, "fi", "Tiedote", NOW)
    )
    theirs = await s.broadcasts.create(
        Broadcast(None, STAYER, ChatId(str(STAYER)), activity.organisation, "fi", "Toinen", NOW)
    )
    await s.outbox.enqueue(
        [
            note("b:sent", str(READER), str(READER), "Tiedote", mine.batch),
            note("b:waiting", str(STAYER), str(STAYER), "Tiedote", mine.batch),
            note("b:report", str(LEAVER), str(LEAVER), "Raportti"),
            note("t:to-leaver", str(LEAVER), str(LEAVER), "Toinen", theirs.batch),
            note("t:to-reader", str(READER), str(READER), "Toinen", theirs.batch),
        ],
        NOW,
    )
    claimed = await s.outbox.claim("telegram", NOW, 100, "t", timedelta(minutes=2))
    sent = next(m for m in claimed if m.key == "b:sent")
    assert await s.outbox.mark_sent(sent.id, "t", NOW, "9001")
    await s.outbox.recover(NOW + timedelta(hours=1))  # the others go back to waiting


async def occurrences(database: Database, needle: str) -> dict[str, int]:
    """``table.column`` → rows whose string value contains ``needle``, over the whole schema."""
    found: dict[str, int] = {}
    async with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String):
                    continue
                count = await connection.scalar(
                    select(func.count()).select_from(table).where(column.contains(needle))
                )
                if count:
                    found[f"{table.name}.{column.name}"] = int(count)
    return found


async def row_counts(database: Database) -> dict[str, int]:
    async with database.engine.connect() as connection:
        return {
            table.name: int(await connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def test_forgetting_leaves_no_trace_of_the_user_anywhere(
    database: Database, demo: Catalogue
) -> None:
    await populate(database, demo)
    before = await occurrences(database, LEAVER)
    # The setup really puts the user everywhere a person can be recorded.
    assert {name.split(".")[0] for name in before} >= {
        "users",
        "subscriptions",
        "outbox",
        "dialogues",
        "contact_requests",
        "staff_grants",
        "staff_invites",
        "role_events",
        "catalogue_additions",
        "occurrence_changes",
        "broadcasts",
    }
    assert await occurrences(database, SECRET)
    counts = await row_counts(database)

    done = await forget_user(database.sessions, LEAVER)

    assert await occurrences(database, LEAVER) == {}
    assert await occurrences(database, SECRET) == {}
    after = await row_counts(database)
    assert {name: counts[name] - after[name] for name in counts if counts[name] != after[name]} == {
        "users": 1,
        "subscriptions": 1,
        "dialogues": 1,
        "contact_requests": 1,
        "staff_grants": 1,
        "staff_invites": 1,  # the unused one; the used ones stay, pseudonymised
        "broadcasts": 1,
        # reminder, forward, answer, report, the stayer's broadcast to them, and both copies
        # of their own broadcast (the one already sent too: it carries their words)
        "outbox": 7,
    }
    assert done["outbox"] == 7
    assert done["users"] == 1
    assert done["role_events.actor"] == 3  # the leaver's two invites and their own grant
    assert done["role_events.subject"] == 1
    assert await forget_user(database.sessions, LEAVER) == {}


async def test_other_peoples_records_stay_whole(database: Database, demo: Catalogue) -> None:
    await populate(database, demo)
    s = stores(database)
    stayer_before = await user_data(database.sessions, STAYER)
    reader_copy = await s.outbox.key_for_platform_message(ChatId(str(READER)), "9001")
    await forget_user(database.sessions, LEAVER)
    (grant,) = stayer_before.grants
    assert grant.granted_by == LEAVER
    assert await user_data(database.sessions, STAYER) == replace(
        stayer_before, grants=(replace(grant, granted_by=UserId(FORGOTTEN)),)
    )
    assert await s.dialogues.get(STAYER) is not None
    stayer_request = stayer_before.requests[0]
    assert await s.outbox.tally(stayer_request.batch) == {"pending": 2}
    # The copy a reader already received carried the leaver's words: it went with them (the
    # reader still has the message in their chat); the stayer's broadcast goes on.
    assert reader_copy == "b:sent"
    assert await s.outbox.key_for_platform_message(ChatId(str(READER)), "9001") is None
    assert await s.outbox.states(["t:to-reader"]) == {"t:to-reader": "pending"}
    assert len(await s.broadcasts.sending()) == 1
    # The stayer's role, granted by the leaver, stays; the audit keeps its lines.
    async with database.sessions() as session:
        granted_by = await session.scalar(
            select(StaffGrantRow.granted_by).where(StaffGrantRow.user_id == str(STAYER))
        )
        actors = list(await session.scalars(select(RoleEventRow.actor).order_by(RoleEventRow.id)))
    assert granted_by == FORGOTTEN
    assert actors == [str(COORDINATOR), FORGOTTEN, FORGOTTEN, FORGOTTEN, str(STAYER)]
    # The catalogue keeps the leaver's additions and changes, without their name.
    loaded = await s.catalogue.load()
    assert loaded.activity("lisatty") is not None
    assert len(await s.catalogue.occurrence_changes()) == 1


async def test_mydata_shows_everything_and_then_nothing(
    database: Database, demo: Catalogue
) -> None:
    await populate(database, demo)
    data = await user_data(database.sessions, LEAVER)
    assert (data.language, data.network) == ("uk", "nurmijarvi")
    assert len(data.subscriptions) == 1
    (request,) = data.requests
    assert (request.kind, request.message, request.name) == (RequestKind.CONTACT, SECRET, "Nimi 1")
    assert request.reference
    assert [(g.role, g.granted_by) for g in data.grants] == [(Role.ORGANISER, COORDINATOR)]
    assert not data.empty
    await forget_user(database.sessions, LEAVER)
    gone = await user_data(database.sessions, LEAVER)
    assert gone.empty
    assert gone.user == LEAVER
