"""Who sees, edits and publishes what in the console: organisers, coordinators, nobody else."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.coordination.console.permissions import (
    console_networks,
    console_organisations,
    may_edit,
    may_publish,
    may_review,
)
from handlers.coordination.permissions import Desk, Grant, Role
from handlers.core.events import UserId
from tests.bot.storage.catalogues import full_catalogue

NOW = datetime(2026, 9, 1, tzinfo=UTC)
ORGANISER = UserId("telegram:1")
VOLUNTEER = UserId("telegram:2")
COORDINATOR = UserId("telegram:3")
STRANGER = UserId("telegram:4")
DESKS = (Desk("nurmijarvi", coordinators=(COORDINATOR,)),)
GRANTS = [
    Grant(ORGANISER, Role.ORGANISER, "yhdistys", COORDINATOR, NOW),
    Grant(VOLUNTEER, Role.VOLUNTEER, "yhdistys", ORGANISER, NOW),
]


def test_each_sees_their_own_organisations_only() -> None:
    catalogue = full_catalogue()  # seurakunta: nurmijarvi and hameenlinna; yhdistys: hameenlinna
    assert console_organisations(DESKS, GRANTS, ORGANISER, catalogue) == ["yhdistys"]
    assert console_organisations(DESKS, GRANTS, COORDINATOR, catalogue) == ["seurakunta"]
    assert console_organisations(DESKS, GRANTS, VOLUNTEER, catalogue) == []
    assert console_organisations(DESKS, GRANTS, STRANGER, catalogue) == []
    assert console_networks(DESKS, COORDINATOR) == ["nurmijarvi"]
    assert console_networks(DESKS, ORGANISER) == []


def test_editing_follows_what_one_sees() -> None:
    catalogue = full_catalogue()
    for user in (ORGANISER, VOLUNTEER, COORDINATOR, STRANGER):
        for organisation in ("yhdistys", "seurakunta", "unknown"):
            seen = organisation in console_organisations(DESKS, GRANTS, user, catalogue)
            assert may_edit(DESKS, GRANTS, user, organisation, catalogue) == seen


def test_publishing_is_the_coordinators_or_a_trusted_organisers() -> None:
    catalogue = full_catalogue()
    assert may_publish(DESKS, GRANTS, COORDINATOR, "seurakunta", catalogue, ())
    assert not may_publish(DESKS, GRANTS, COORDINATOR, "yhdistys", catalogue, ())
    assert not may_publish(DESKS, GRANTS, ORGANISER, "yhdistys", catalogue, ())
    assert may_publish(DESKS, GRANTS, ORGANISER, "yhdistys", catalogue, {"yhdistys"})
    assert not may_publish(DESKS, GRANTS, VOLUNTEER, "yhdistys", catalogue, {"yhdistys"})
    assert not may_publish(DESKS, GRANTS, ORGANISER, "seurakunta", catalogue, {"seurakunta"})
    assert may_review(DESKS, COORDINATOR, "seurakunta", catalogue)
    assert not may_review(DESKS, ORGANISER, "yhdistys", catalogue)
