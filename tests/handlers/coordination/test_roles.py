"""Inviting organisers and volunteers, redeeming codes, listing and revoking roles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from catalog.model import Catalogue
from handlers.coordination.permissions import Desk, Grant, Invite, Role
from handlers.coordination.roles import (
    CODE_ALPHABET,
    CODE_LENGTH,
    INVITE_LIFETIME,
    OPERATIONS,
    PAGE_SIZE,
    Op,
    Staffing,
    looks_like_code,
    new_invite_code,
    normalise_code,
    parse_invite_argument,
    resolve,
    token,
)
from handlers.core.events import ActionKind, ChatId, Profile, Reply, UserId
from handlers.core.i18n import Translator
from handlers.core.turn import Turn
from tests.fakes import FixedClock, InMemoryStaff, InMemoryUnitsOfWork

HELSINKI = ZoneInfo("Europe/Helsinki")
START = datetime(2026, 5, 4, 10, 0, tzinfo=HELSINKI)

NURMI_COORDINATOR = UserId("telegram:100")
ESPOO_COORDINATOR = UserId("matrix:@coord:espoo.example")
ORGANISER = UserId("telegram:200")
OTHER_ORGANISER = UserId("telegram:201")
VOLUNTEER = UserId("telegram:300")
NEWCOMER = UserId("telegram:400")
LATECOMER = UserId("telegram:401")

HOME = "setlementti-louhela"  # only in the nurmijarvi network
ELSEWHERE = "unelma"  # only in the espoo network
EVERYWHERE = "spr"  # in every network
LONG_ID = "kalevalaiset-naiset-nurmijarvi"  # too long for a button argument as it is

DESKS = {
    "nurmijarvi": Desk("nurmijarvi", coordinators=(NURMI_COORDINATOR,)),
    "espoo": Desk("espoo", coordinators=(ESPOO_COORDINATOR,)),
}


def codes() -> Iterator[str]:
    """Deterministic, distinct, well-formed codes."""
    number = 0
    while True:
        digits = []
        value = number
        for _ in range(CODE_LENGTH):
            digits.append(CODE_ALPHABET[value % len(CODE_ALPHABET)])
            value //= len(CODE_ALPHABET)
        yield "".join(digits)
        number += 1


@dataclass
class World:
    flow: Staffing
    staff: InMemoryStaff
    clock: FixedClock
    catalogue: Catalogue
    made: list[str]
    links: dict[str, str | None]

    def turn(self, user: UserId, *, in_group: bool = False, chat: str | None = None) -> Turn:
        return Turn(
            Profile(user, "en", "nurmijarvi"),
            ChatId(chat or f"telegram:{user}"),
            Translator().speaker("en"),
            self.catalogue,
            self.clock.now,
            in_group=in_group,
        )

    def grant(self, user: UserId, role: Role, organisation: str) -> None:
        self.staff.grants.append(
            Grant(user, role, organisation, NURMI_COORDINATOR, self.clock.now - timedelta(days=1))
        )

    def roles(self, user: UserId, organisation: str) -> set[Role]:
        return {
            g.role for g in self.staff.grants if g.user == user and g.organisation == organisation
        }


@pytest.fixture
def world(demo: Catalogue) -> World:
    staff = InMemoryStaff()
    clock = FixedClock(START)
    source = codes()
    made: list[str] = []
    links: dict[str, str | None] = {}

    def new_code() -> str:
        made.append(next(source))
        return made[-1]

    def link(chat: ChatId, payload: str) -> str | None:
        found = (
            None
            if str(chat).startswith("matrix:")
            else f"https://t.me/tarjotin_bot?start={payload}"
        )
        links[payload] = found
        return found

    flow = Staffing(DESKS, staff, clock, link, InMemoryUnitsOfWork(staff=staff), new_code=new_code)
    world = World(flow, staff, clock, demo, made, links)
    world.grant(ORGANISER, Role.ORGANISER, HOME)
    world.grant(OTHER_ORGANISER, Role.ORGANISER, ELSEWHERE)
    world.grant(VOLUNTEER, Role.VOLUNTEER, HOME)
    return world


def staff_arguments(replies: list[Reply]) -> list[str]:
    return [a.argument for r in replies for a in r.actions if a.kind is ActionKind.STAFF]


def pressed(replies: list[Reply], prefix: str) -> str:
    [argument] = [a for a in staff_arguments(replies) if a.startswith(prefix)]
    return argument


def all_text(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def in_networks(catalogue: Catalogue, network: str) -> list[str]:
    return [o.id for o in catalogue.organisations if network in o.networks]


async def walk_organisation_menu(world: World, user: UserId) -> dict[str, str]:
    """Every organisation button of /invite, across pages: label → argument."""
    replies = await world.flow.command(world.turn(user), "invite", "")
    buttons: dict[str, str] = {}
    while True:
        more = None
        for action in (a for r in replies for a in r.actions):
            assert len(action.argument) <= 32
            if action.argument.startswith(f"{Op.INVITE_PAGE}:"):
                more = action.argument
            else:
                buttons[action.label] = action.argument
        if more is None:
            return buttons
        replies = await world.flow.choice(world.turn(user), more)


def name_of(catalogue: Catalogue, organisation: str) -> str:
    found = catalogue.organisation(organisation)
    assert found is not None
    return dict(found.name).get("en") or dict(found.name)["fi"]


# --- pure helpers ---------------------------------------------------------------------------


def test_new_codes_are_unambiguous_and_distinct() -> None:
    made = {new_invite_code() for _ in range(200)}
    assert len(made) == 200
    assert all(looks_like_code(c) for c in made)
    assert not any(set(c) & set("01ilo") for c in made)


def test_typed_codes_are_normalised() -> None:
    assert normalise_code(" i-AB3K 7MN-P2Q ") == "ab3k7mnp2q"
    assert looks_like_code(normalise_code("I-abcdefghjk"))
    assert not looks_like_code("abc")
    assert not looks_like_code("abcdefghj0")


def test_invite_arguments_in_any_order() -> None:
    assert parse_invite_argument("volunteer spr") == (Role.VOLUNTEER, "spr")
    assert parse_invite_argument("SPR Organizer") == (Role.ORGANISER, "spr")
    assert parse_invite_argument("") == (None, None)
    assert parse_invite_argument("mll") == (None, "mll")


def test_tokens_resolve_only_what_is_there() -> None:
    ids = [HOME, ELSEWHERE, LONG_ID]
    assert resolve(token(LONG_ID), ids) == LONG_ID
    assert resolve(token("gone"), ids) is None
    assert resolve("", ids) is None


def test_a_token_shared_by_two_ids_resolves_to_neither() -> None:
    seen: dict[str, str] = {}
    number = 0
    while True:
        candidate = f"org-{number}"
        if token(candidate) in seen:
            break
        seen[token(candidate)] = candidate
        number += 1
    twin = seen[token(candidate)]
    assert resolve(token(candidate), [twin, candidate]) is None
    assert resolve(token(candidate), [candidate]) == candidate


def test_operations_are_listed_for_routing() -> None:
    assert {op.value for op in Op} == OPERATIONS


# --- inviting -------------------------------------------------------------------------------


async def test_coordinator_invites_an_organiser_who_redeems_it(world: World) -> None:
    buttons = await walk_organisation_menu(world, NURMI_COORDINATOR)
    assert sorted(buttons.values()) == sorted(
        f"{Op.INVITE_ORGANISATION}:{token(o)}" for o in in_networks(world.catalogue, "nurmijarvi")
    )
    assert ELSEWHERE not in {o for o in in_networks(world.catalogue, "nurmijarvi")}

    chosen = await world.flow.choice(
        world.turn(NURMI_COORDINATOR), buttons[name_of(world.catalogue, LONG_ID)]
    )
    assert len(staff_arguments(chosen)) == 2  # organiser or volunteer
    made = await world.flow.choice(
        world.turn(NURMI_COORDINATOR), pressed(chosen, f"{Op.INVITE_MAKE}:o")
    )
    [code] = world.made
    assert code in all_text(made)
    assert f"https://t.me/tarjotin_bot?start=i-{code}" in all_text(made)
    assert "7 days" in all_text(made)
    [(invite, used_by)] = world.staff.invites.values()
    assert (invite.role, invite.organisation, invite.created_by, used_by) == (
        Role.ORGANISER,
        LONG_ID,
        NURMI_COORDINATOR,
        None,
    )
    assert invite.expires_at == START + INVITE_LIFETIME
    assert invite.code == ""  # the store keeps only the hash

    welcome = await world.flow.redeem(world.turn(NEWCOMER), f"i-{code}")
    assert world.roles(NEWCOMER, LONG_ID) == {Role.ORGANISER}
    assert name_of(world.catalogue, LONG_ID) in all_text(welcome)
    assert [e.action for e in world.staff.audit] == ["invite", "grant"]


async def test_organiser_invites_a_volunteer_for_their_own_organisation(world: World) -> None:
    menu = await world.flow.command(world.turn(ORGANISER), "invite", "")
    # Only one organisation and one role: straight to the role, which is volunteer only.
    [argument] = staff_arguments(menu)
    assert argument == f"{Op.INVITE_MAKE}:v.{token(HOME)}"
    await world.flow.choice(world.turn(ORGANISER), argument)
    [code] = world.made
    [(invite, _)] = world.staff.invites.values()
    assert (invite.role, invite.organisation) == (Role.VOLUNTEER, HOME)

    welcome = await world.flow.redeem(world.turn(NEWCOMER), code.upper())
    assert world.roles(NEWCOMER, HOME) == {Role.VOLUNTEER}
    assert "/volunteer" in all_text(welcome)
    assert name_of(world.catalogue, HOME) in all_text(welcome)


async def test_typed_invite_goes_straight_to_the_code(world: World) -> None:
    await world.flow.command(world.turn(NURMI_COORDINATOR), "invite", f"organiser {HOME}")
    [(invite, _)] = world.staff.invites.values()
    assert (invite.role, invite.organisation) == (Role.ORGANISER, HOME)


async def test_typed_organisation_only_asks_for_the_role(world: World) -> None:
    replies = await world.flow.command(world.turn(NURMI_COORDINATOR), "invite", EVERYWHERE)
    assert sorted(staff_arguments(replies)) == sorted(
        f"{Op.INVITE_MAKE}:{letter}.{token(EVERYWHERE)}" for letter in "ov"
    )
    assert not world.staff.invites


async def test_matrix_chats_get_the_command_to_send(world: World) -> None:
    turn = world.turn(ESPOO_COORDINATOR, chat="matrix:!dm:espoo.example")
    replies = await world.flow.command(turn, "invite", f"volunteer {ELSEWHERE}")
    [code] = world.made
    assert world.links == {f"i-{code}": None}
    assert f"/start i-{code}" in all_text(replies)
    assert f"!start i-{code}" in all_text(replies)
    assert "https://" not in all_text(replies)


@pytest.mark.parametrize("user", [VOLUNTEER, NEWCOMER])
async def test_volunteers_and_newcomers_cannot_invite(world: World, user: UserId) -> None:
    turn = world.turn(user)
    refused = await world.flow.command(turn, "invite", "")
    assert refused[0].actions == ()
    await world.flow.command(turn, "invite", f"volunteer {HOME}")
    await world.flow.choice(turn, f"{Op.INVITE_MAKE}:v.{token(HOME)}")
    await world.flow.choice(turn, f"{Op.INVITE_ORGANISATION}:{token(HOME)}")
    assert not world.staff.invites
    assert world.made == []
    assert world.staff.audit == []


async def test_organiser_cannot_invite_for_another_organisation_or_organisers(
    world: World,
) -> None:
    turn = world.turn(ORGANISER)
    await world.flow.command(turn, "invite", f"volunteer {ELSEWHERE}")
    await world.flow.choice(turn, f"{Op.INVITE_MAKE}:v.{token(ELSEWHERE)}")
    await world.flow.choice(turn, f"{Op.INVITE_MAKE}:o.{token(HOME)}")
    stale = await world.flow.choice(turn, f"{Op.INVITE_ORGANISATION}:{token(ELSEWHERE)}")
    assert stale[0].actions == ()
    assert not world.staff.invites


async def test_coordinator_cannot_invite_outside_their_networks(world: World) -> None:
    turn = world.turn(NURMI_COORDINATOR)
    await world.flow.command(turn, "invite", f"organiser {ELSEWHERE}")
    await world.flow.choice(turn, f"{Op.INVITE_MAKE}:o.{token(ELSEWHERE)}")
    assert not world.staff.invites
    await world.flow.choice(turn, f"{Op.INVITE_MAKE}:o.{token(EVERYWHERE)}")
    assert [i.organisation for i, _ in world.staff.invites.values()] == [EVERYWHERE]


async def test_permission_is_checked_again_when_the_button_is_pressed(world: World) -> None:
    menu = await world.flow.command(world.turn(ORGANISER), "invite", "")
    await world.staff.revoke(ORGANISER, HOME, NURMI_COORDINATOR, world.clock.now)
    await world.flow.choice(world.turn(ORGANISER), staff_arguments(menu)[0])
    assert not world.staff.invites


async def test_invites_are_refused_in_group_chats(world: World) -> None:
    turn = world.turn(NURMI_COORDINATOR, in_group=True)
    await world.flow.command(turn, "invite", f"organiser {HOME}")
    await world.flow.choice(turn, f"{Op.INVITE_MAKE}:o.{token(HOME)}")
    assert not world.staff.invites


@pytest.mark.parametrize(
    "argument",
    ["", "nonsense", f"{Op.INVITE_MAKE}:x.{token(HOME)}", f"{Op.INVITE_MAKE}:o", "inv-page:99"],
)
async def test_malformed_choices_change_nothing(world: World, argument: str) -> None:
    replies = await world.flow.choice(world.turn(NURMI_COORDINATOR), argument)
    assert len(replies) == 1
    assert not world.staff.invites


# --- redeeming ------------------------------------------------------------------------------


async def make_code(world: World, role: Role = Role.VOLUNTEER) -> str:
    await world.flow.command(world.turn(NURMI_COORDINATOR), "invite", f"{role} {HOME}")
    return world.made[-1]


async def test_a_code_works_once(world: World) -> None:
    code = await make_code(world)
    await world.flow.redeem(world.turn(NEWCOMER), code)
    again = await world.flow.redeem(world.turn(LATECOMER), code)
    assert world.roles(NEWCOMER, HOME) == {Role.VOLUNTEER}
    assert world.roles(LATECOMER, HOME) == set()
    unknown = await world.flow.redeem(world.turn(LATECOMER), "zzzzzzzzzz")
    assert again == unknown  # used and unknown look the same


async def test_a_code_expires(world: World) -> None:
    early, late = await make_code(world), await make_code(world)
    world.clock.advance(days=7, seconds=-1)
    await world.flow.redeem(world.turn(NEWCOMER), early)
    world.clock.advance(seconds=1)
    expired = await world.flow.redeem(world.turn(LATECOMER), late)
    assert world.roles(NEWCOMER, HOME) == {Role.VOLUNTEER}
    assert world.roles(LATECOMER, HOME) == set()
    assert expired == await world.flow.redeem(world.turn(LATECOMER), "nonsense")


async def test_the_lifetime_is_configurable_and_said(world: World, demo: Catalogue) -> None:
    flow = Staffing(
        DESKS,
        world.staff,
        world.clock,
        lambda chat, payload: None,
        InMemoryUnitsOfWork(staff=world.staff),
        timedelta(hours=36),
    )
    replies = await flow.command(world.turn(NURMI_COORDINATOR), "invite", f"volunteer {HOME}")
    assert "36 hours" in all_text(replies)
    [(invite, _)] = world.staff.invites.values()
    assert invite.expires_at == START + timedelta(hours=36)


async def test_redeeming_never_makes_a_coordinator(world: World) -> None:
    planted = Invite(
        "abcdefghjk", Role.COORDINATOR, HOME, NURMI_COORDINATOR, START, START + INVITE_LIFETIME
    )
    await world.staff.create_invite(planted)
    await world.flow.redeem(world.turn(NEWCOMER), planted.code)
    assert world.roles(NEWCOMER, HOME) == set()


# --- roles and revoking ---------------------------------------------------------------------


async def test_coordinator_sees_and_may_revoke_everyone_in_their_networks(world: World) -> None:
    replies = await world.flow.command(world.turn(NURMI_COORDINATOR), "roles", "")
    text = all_text(replies)
    assert ORGANISER in text
    assert VOLUNTEER in text
    assert OTHER_ORGANISER not in text  # only in espoo
    assert sorted(staff_arguments(replies)) == sorted(
        f"{Op.REVOKE}:{token(HOME)}.{token(u)}" for u in (ORGANISER, VOLUNTEER)
    )


async def test_organiser_may_revoke_only_volunteers(world: World) -> None:
    world.grant(LATECOMER, Role.ORGANISER, HOME)
    replies = await world.flow.command(world.turn(ORGANISER), "roles", "")
    text = all_text(replies)
    assert ORGANISER in text
    assert VOLUNTEER in text
    assert LATECOMER in text
    assert staff_arguments(replies) == [f"{Op.REVOKE}:{token(HOME)}.{token(VOLUNTEER)}"]
    assert "Recent changes" not in text

    forged = f"{Op.REVOKE_CONFIRMED}:{token(HOME)}.{token(LATECOMER)}"
    await world.flow.choice(world.turn(ORGANISER), forged)
    assert world.roles(LATECOMER, HOME) == {Role.ORGANISER}


async def test_volunteer_sees_only_their_own_roles(world: World) -> None:
    replies = await world.flow.command(world.turn(VOLUNTEER), "roles", "")
    text = all_text(replies)
    assert VOLUNTEER in text
    assert ORGANISER not in text
    assert staff_arguments(replies) == []
    await world.flow.choice(
        world.turn(VOLUNTEER), f"{Op.REVOKE_CONFIRMED}:{token(HOME)}.{token(ORGANISER)}"
    )
    assert world.roles(ORGANISER, HOME) == {Role.ORGANISER}


async def test_newcomer_has_no_roles(world: World) -> None:
    replies = await world.flow.command(world.turn(NEWCOMER), "roles", "")
    assert staff_arguments(replies) == []
    assert VOLUNTEER not in all_text(replies)


async def test_revoke_asks_first_then_records_it(world: World) -> None:
    listing = await world.flow.command(world.turn(ORGANISER), "roles", "")
    asked = await world.flow.choice(world.turn(ORGANISER), staff_arguments(listing)[0])
    assert world.roles(VOLUNTEER, HOME) == {Role.VOLUNTEER}
    assert VOLUNTEER in all_text(asked)

    kept = await world.flow.choice(world.turn(ORGANISER), pressed(asked, f"{Op.REVOKE_KEPT}:"))
    assert world.roles(VOLUNTEER, HOME) == {Role.VOLUNTEER}
    assert kept[0].actions == ()

    world.clock.advance(minutes=5)
    confirm = pressed(asked, f"{Op.REVOKE_CONFIRMED}:")
    await world.flow.choice(world.turn(ORGANISER), confirm)
    assert world.roles(VOLUNTEER, HOME) == set()
    [event] = world.staff.audit
    assert (event.action, event.actor, event.subject, event.at) == (
        "revoke",
        ORGANISER,
        VOLUNTEER,
        world.clock.now,
    )
    again = await world.flow.choice(world.turn(ORGANISER), confirm)
    assert "no longer valid" in all_text(again)
    assert len(world.staff.audit) == 1


async def test_nobody_revokes_a_coordinator(world: World) -> None:
    world.grant(ESPOO_COORDINATOR, Role.VOLUNTEER, EVERYWHERE)
    turn = world.turn(NURMI_COORDINATOR)
    listing = await world.flow.command(turn, "roles", "")
    assert f"{Op.REVOKE}:{token(EVERYWHERE)}.{token(ESPOO_COORDINATOR)}" not in staff_arguments(
        listing
    )
    await world.flow.choice(
        turn, f"{Op.REVOKE_CONFIRMED}:{token(EVERYWHERE)}.{token(ESPOO_COORDINATOR)}"
    )
    assert world.roles(ESPOO_COORDINATOR, EVERYWHERE) == {Role.VOLUNTEER}


async def test_coordinator_cannot_revoke_outside_their_networks(world: World) -> None:
    await world.flow.choice(
        world.turn(NURMI_COORDINATOR),
        f"{Op.REVOKE_CONFIRMED}:{token(ELSEWHERE)}.{token(OTHER_ORGANISER)}",
    )
    assert world.roles(OTHER_ORGANISER, ELSEWHERE) == {Role.ORGANISER}
    await world.flow.choice(
        world.turn(ESPOO_COORDINATOR),
        f"{Op.REVOKE_CONFIRMED}:{token(ELSEWHERE)}.{token(OTHER_ORGANISER)}",
    )
    assert world.roles(OTHER_ORGANISER, ELSEWHERE) == set()


async def test_coordinators_see_recent_changes(world: World) -> None:
    code = await make_code(world, Role.ORGANISER)
    await world.flow.redeem(world.turn(NEWCOMER), code)
    await world.flow.choice(
        world.turn(NURMI_COORDINATOR),
        f"{Op.REVOKE_CONFIRMED}:{token(HOME)}.{token(VOLUNTEER)}",
    )
    assert [e.action for e in world.staff.audit] == ["invite", "grant", "revoke"]
    text = all_text(await world.flow.command(world.turn(NURMI_COORDINATOR), "roles", ""))
    changes = text.split("Recent changes:")[1].strip().splitlines()
    assert len(changes) == 3
    assert NURMI_COORDINATOR in changes[0]
    assert NEWCOMER in changes[1]
    assert VOLUNTEER in changes[2]
    assert NURMI_COORDINATOR in changes[2]
    # Not for the espoo coordinator: none of it happened in their network.
    espoo = all_text(await world.flow.command(world.turn(ESPOO_COORDINATOR), "roles", ""))
    assert "Recent changes" not in espoo


async def test_roles_are_paged(world: World) -> None:
    helpers = [UserId(f"telegram:9{n:03d}") for n in range(PAGE_SIZE + 3)]
    for helper in helpers:
        world.grant(helper, Role.VOLUNTEER, HOME)
    seen: set[str] = set()
    replies = await world.flow.command(world.turn(ORGANISER), "roles", "")
    pages = 1
    while True:
        seen |= {a for a in staff_arguments(replies) if a.startswith(f"{Op.REVOKE}:")}
        more = [a for a in staff_arguments(replies) if a.startswith(f"{Op.ROLES_PAGE}:")]
        if not more:
            break
        replies = await world.flow.choice(world.turn(ORGANISER), more[0])
        pages += 1
    assert pages == 2
    assert seen == {f"{Op.REVOKE}:{token(HOME)}.{token(u)}" for u in [VOLUNTEER, *helpers]}
    assert all(len(a) <= 32 for a in seen)
