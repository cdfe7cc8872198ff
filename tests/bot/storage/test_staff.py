"""Roles, invites and the audit trail on each backend; redeeming is one-time even under a race."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.storage.database import Database
from bot.storage.models import RoleEventRow, StaffGrantRow, StaffInviteRow
from bot.storage.staff import SqlStaffStore, code_hash
from handlers.coordination.permissions import Grant, Invite, Role, RoleEvent
from handlers.core.events import UserId

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
COORDINATOR = UserId("telegram:100")
ORGANISER = UserId("telegram:200")
ANA = UserId("telegram:1")
BO = UserId("matrix:@bo:example.org")


def invite(
    code: str,
    role: Role = Role.VOLUNTEER,
    organisation: str = "seurakunta",
    by: UserId = ORGANISER,
    at: datetime = NOW,
) -> Invite:
    return Invite(code, role, organisation, by, at, at + WEEK)


async def _count(database: Database, model: type[object]) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_only_a_hash_of_the_code_is_stored(database: Database) -> None:
    store = SqlStaffStore(database.sessions)
    await store.create_invite(invite("TOP-SECRET-7734"))
    async with database.sessions() as session:
        rows = (await session.execute(select(StaffInviteRow.__table__))).all()
    assert len(rows) == 1
    assert all("TOP-SECRET-7734" not in str(value) for value in rows[0])
    assert rows[0].code_hash == hashlib.sha256(b"TOP-SECRET-7734").hexdigest()
    assert code_hash("TOP-SECRET-7734") == rows[0].code_hash


async def test_redeeming_grants_the_role_once_and_audits_it(database: Database) -> None:
    store = SqlStaffStore(database.sessions)
    await store.create_invite(invite("code-1", Role.ORGANISER, by=COORDINATOR))
    later = NOW + timedelta(hours=1)
    grant = await store.redeem("code-1", ANA, later)
    assert grant == Grant(ANA, Role.ORGANISER, "seurakunta", COORDINATOR, later)
    assert await store.grants_of(ANA) == [grant]
    assert await store.redeem("code-1", BO, later) is None  # used up
    assert await store.grants_of(BO) == []
    assert await store.events(["seurakunta"]) == [
        RoleEvent(NOW, COORDINATOR, "invite", None, Role.ORGANISER, "seurakunta"),
        RoleEvent(later, ANA, "grant", ANA, Role.ORGANISER, "seurakunta"),
    ]


async def test_unknown_and_expired_codes_grant_nothing(database: Database) -> None:
    store = SqlStaffStore(database.sessions)
    await store.create_invite(invite("code-2"))
    assert await store.redeem("nope", ANA, NOW) is None
    assert await store.redeem("code-2", ANA, NOW + WEEK) is None  # expires at that instant
    assert await store.grants_of(ANA) == []
    assert await store.redeem("code-2", ANA, NOW + WEEK - timedelta(seconds=1)) is not None
    assert len(await store.events(["seurakunta"])) == 2


async def test_a_role_held_already_is_not_granted_twice(database: Database) -> None:
    store = SqlStaffStore(database.sessions)
    await store.create_invite(invite("a"))
    await store.create_invite(invite("b", by=COORDINATOR))
    first = await store.redeem("a", ANA, NOW)
    again = await store.redeem("b", ANA, NOW + timedelta(minutes=5))
    assert again == first
    assert await _count(database, StaffGrantRow) == 1
    assert await store.redeem("b", BO, NOW) is None  # the second invite was used up anyway


async def test_concurrent_redeems_of_one_code_let_exactly_one_through(database: Database) -> None:
    store = SqlStaffStore(database.sessions)
    await store.create_invite(invite("race"))
    users = [UserId(f"telegram:{n}") for n in range(1, 9)]
    results = await asyncio.gather(*(store.redeem("race", user, NOW) for user in users))
    winners = [grant for grant in results if grant is not None]
    assert len(winners) == 1
    assert await store.grants_for(["seurakunta"]) == winners
    async with database.sessions() as session:
        used_by = await session.scalar(select(StaffInviteRow.used_by))
    assert used_by == winners[0].user
    assert [e.action for e in await store.events(["seurakunta"])] == ["invite", "grant"]


async def test_revoking_removes_the_organisations_roles_and_audits_each(
    database: Database,
) -> None:
    store = SqlStaffStore(database.sessions)
    for code, role, organisation in [
        ("o", Role.ORGANISER, "seurakunta"),
        ("v", Role.VOLUNTEER, "seurakunta"),
        ("y", Role.VOLUNTEER, "yhdistys"),
    ]:
        await store.create_invite(invite(code, role, organisation, by=COORDINATOR))
        await store.redeem(code, ANA, NOW)
    later = NOW + timedelta(days=1)
    assert await store.revoke(ANA, "seurakunta", COORDINATOR, later)
    assert [(g.role, g.organisation) for g in await store.grants_of(ANA)] == [
        (Role.VOLUNTEER, "yhdistys")
    ]
    revokes = [e for e in await store.events(["seurakunta"]) if e.action == "revoke"]
    assert sorted(revokes, key=lambda e: e.role) == [
        RoleEvent(later, COORDINATOR, "revoke", ANA, Role.ORGANISER, "seurakunta"),
        RoleEvent(later, COORDINATOR, "revoke", ANA, Role.VOLUNTEER, "seurakunta"),
    ]
    events_before = await _count(database, RoleEventRow)
    assert not await store.revoke(ANA, "seurakunta", COORDINATOR, later)
    assert await _count(database, RoleEventRow) == events_before


async def test_listings_are_scoped_to_the_organisations_and_oldest_first(
    database: Database,
) -> None:
    store = SqlStaffStore(database.sessions)
    await store.create_invite(invite("1", organisation="seurakunta"))
    await store.create_invite(invite("2", organisation="yhdistys"))
    await store.create_invite(invite("3", organisation="seurakunta"))
    await store.redeem("3", BO, NOW + timedelta(minutes=1))
    await store.redeem("2", ANA, NOW + timedelta(minutes=2))
    await store.redeem("1", ANA, NOW + timedelta(minutes=3))
    assert [(g.user, g.organisation) for g in await store.grants_for(["seurakunta"])] == [
        (BO, "seurakunta"),
        (ANA, "seurakunta"),
    ]
    assert len(await store.grants_for(["seurakunta", "yhdistys"])) == 3
    assert await store.grants_for([]) == []
    assert [e.action for e in await store.events(["yhdistys"])] == ["invite", "grant"]
    assert await store.events([]) == []
    assert [g.organisation for g in await store.grants_of(ANA)] == ["yhdistys", "seurakunta"]
