"""The pure permission checks: who may manage, invite, broadcast, see and revoke, and where."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.model import Catalogue
from handlers.coordination.permissions import (
    Desk,
    Grant,
    Role,
    coordinated_networks,
    desk_for,
    is_coordinator,
    managed_organisations,
    may_broadcast_organisation,
    may_invite,
    may_manage_organisation,
    may_revoke,
    organisation_networks,
    overseen_organisations,
)
from handlers.core.events import UserId

WHEN = datetime(2026, 5, 4, tzinfo=UTC)
NURMI = UserId("telegram:1")
ESPOO = UserId("telegram:2")
ORGANISER = UserId("telegram:3")
VOLUNTEER = UserId("telegram:4")
NOBODY = UserId("telegram:5")
PEOPLE = [NURMI, ESPOO, ORGANISER, VOLUNTEER, NOBODY]

HOME = "setlementti-louhela"  # nurmijarvi only
ELSEWHERE = "unelma"  # espoo only
EVERYWHERE = "spr"

DESKS = (
    Desk("nurmijarvi", coordinators=(NURMI,)),
    Desk("espoo", coordinators=(ESPOO,)),
)


def grant(user: UserId, role: Role, organisation: str) -> Grant:
    return Grant(user, role, organisation, NURMI, WHEN)


GRANTS = [grant(ORGANISER, Role.ORGANISER, HOME), grant(VOLUNTEER, Role.VOLUNTEER, HOME)]


def test_coordinators_come_from_the_desks() -> None:
    assert coordinated_networks(DESKS, NURMI) == {"nurmijarvi"}
    assert is_coordinator(DESKS, NURMI)
    assert is_coordinator(DESKS, NURMI, "nurmijarvi")
    assert not is_coordinator(DESKS, NURMI, "espoo")
    assert not is_coordinator(DESKS, ORGANISER)
    assert desk_for({d.network: d for d in DESKS}, "espoo") == DESKS[1]
    assert desk_for({d.network: d for d in DESKS}, None) is None


@pytest.mark.parametrize(
    ("user", "role", "organisation", "allowed"),
    [
        (NURMI, Role.ORGANISER, HOME, True),
        (NURMI, Role.VOLUNTEER, HOME, True),
        (NURMI, Role.ORGANISER, EVERYWHERE, True),
        (NURMI, Role.ORGANISER, ELSEWHERE, False),
        (NURMI, Role.COORDINATOR, HOME, False),
        (ESPOO, Role.ORGANISER, HOME, False),
        (ORGANISER, Role.VOLUNTEER, HOME, True),
        (ORGANISER, Role.ORGANISER, HOME, False),
        (ORGANISER, Role.VOLUNTEER, ELSEWHERE, False),
        (VOLUNTEER, Role.VOLUNTEER, HOME, False),
        (NOBODY, Role.VOLUNTEER, HOME, False),
        (NURMI, Role.ORGANISER, "no-such-organisation", False),
    ],
)
def test_who_may_invite_whom(
    demo: Catalogue, user: UserId, role: Role, organisation: str, allowed: bool
) -> None:
    assert may_invite(DESKS, GRANTS, user, role, organisation, demo) is allowed


def test_managing_and_broadcasting_follow_role_and_network(demo: Catalogue) -> None:
    for user in (NURMI, ORGANISER, VOLUNTEER):
        assert may_manage_organisation(DESKS, GRANTS, user, HOME, demo)
    assert not may_manage_organisation(DESKS, GRANTS, ESPOO, HOME, demo)
    assert not may_manage_organisation(DESKS, GRANTS, NOBODY, HOME, demo)
    assert may_broadcast_organisation(DESKS, GRANTS, ORGANISER, HOME, demo)
    assert not may_broadcast_organisation(DESKS, GRANTS, VOLUNTEER, HOME, demo)
    assert may_broadcast_organisation(DESKS, GRANTS, NURMI, HOME, demo)
    assert not may_broadcast_organisation(DESKS, GRANTS, NURMI, ELSEWHERE, demo)


def test_managed_and_overseen_organisations(demo: Catalogue) -> None:
    nurmijarvi = [o.id for o in demo.organisations if "nurmijarvi" in o.networks]
    assert managed_organisations(DESKS, GRANTS, NURMI, demo) == nurmijarvi
    assert overseen_organisations(DESKS, GRANTS, NURMI, demo) == nurmijarvi
    assert managed_organisations(DESKS, GRANTS, VOLUNTEER, demo) == [HOME]
    assert overseen_organisations(DESKS, GRANTS, VOLUNTEER, demo) == []
    assert overseen_organisations(DESKS, GRANTS, ORGANISER, demo) == [HOME]
    assert overseen_organisations(DESKS, GRANTS, NOBODY, demo) == []


@pytest.mark.parametrize(
    ("actor", "subject", "organisation", "allowed"),
    [
        (NURMI, ORGANISER, HOME, True),
        (NURMI, VOLUNTEER, HOME, True),
        (ESPOO, VOLUNTEER, HOME, False),
        (ORGANISER, VOLUNTEER, HOME, True),
        (ORGANISER, ORGANISER, HOME, False),
        (VOLUNTEER, VOLUNTEER, HOME, False),
        (VOLUNTEER, ORGANISER, HOME, False),
        (NOBODY, VOLUNTEER, HOME, False),
        (NURMI, NOBODY, HOME, False),  # nothing to revoke
        (NURMI, VOLUNTEER, ELSEWHERE, False),  # no role there
    ],
)
def test_who_may_revoke_whom(
    demo: Catalogue, actor: UserId, subject: UserId, organisation: str, allowed: bool
) -> None:
    assert may_revoke(DESKS, GRANTS, actor, subject, organisation, demo) is allowed


def test_an_organiser_cannot_revoke_another_organiser_who_also_volunteers(
    demo: Catalogue,
) -> None:
    both = [*GRANTS, grant(NOBODY, Role.VOLUNTEER, HOME), grant(NOBODY, Role.ORGANISER, HOME)]
    assert not may_revoke(DESKS, both, ORGANISER, NOBODY, HOME, demo)
    assert may_revoke(DESKS, both, NURMI, NOBODY, HOME, demo)


def test_the_desks_may_be_a_one_shot_iterable(demo: Catalogue) -> None:
    assert may_revoke(iter(DESKS), GRANTS, NURMI, VOLUNTEER, HOME, demo)


roles = st.sampled_from(list(Role))
people = st.sampled_from(PEOPLE)


@st.composite
def grant_lists(draw: st.DrawFn) -> list[Grant]:
    organisations = st.sampled_from([HOME, ELSEWHERE, EVERYWHERE])
    return draw(st.lists(st.builds(grant, people, roles, organisations), max_size=8, unique=True))


@settings(max_examples=200, deadline=None)
@given(
    grants=grant_lists(),
    actor=people,
    subject=people,
    organisation=st.sampled_from([HOME, ELSEWHERE, EVERYWHERE]),
)
def test_revoking_invariants(
    demo: Catalogue, grants: list[Grant], actor: UserId, subject: UserId, organisation: str
) -> None:
    allowed = may_revoke(DESKS, grants, actor, subject, organisation, demo)
    networks = organisation_networks(demo, organisation)
    if coordinated_networks(DESKS, subject) & networks:
        assert not allowed  # coordinators are configured, not revoked
    if allowed:
        assert any(g.user == subject and g.organisation == organisation for g in grants)
        assert actor != subject
        assert may_manage_organisation(DESKS, grants, actor, organisation, demo)
        if not coordinated_networks(DESKS, actor) & networks:
            assert may_invite(DESKS, grants, actor, Role.VOLUNTEER, organisation, demo)


@settings(max_examples=200, deadline=None)
@given(grants=grant_lists(), user=people, organisation=st.sampled_from([HOME, ELSEWHERE]))
def test_nobody_may_invite_a_coordinator_and_invites_imply_managing(
    demo: Catalogue, grants: list[Grant], user: UserId, organisation: str
) -> None:
    assert not may_invite(DESKS, grants, user, Role.COORDINATOR, organisation, demo)
    for role in (Role.ORGANISER, Role.VOLUNTEER):
        if may_invite(DESKS, grants, user, role, organisation, demo):
            assert may_manage_organisation(DESKS, grants, user, organisation, demo)
            assert organisation in managed_organisations(DESKS, grants, user, demo)
