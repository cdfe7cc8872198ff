"""Who may see, edit and publish what in the keepers' console.

The roles are the bot's own (:mod:`handlers.coordination.permissions`): an organiser sees and
edits their organisation's activities, a coordinator (configured per network) those of every
organisation in their networks; volunteers and everyone else see nothing. Publishing is the
coordinator's, or an organiser's whose organisation a coordinator marked trusted. Every page
and every change asks these again on the server.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from catalog.model import Catalogue
from handlers.coordination.permissions import (
    Desk,
    Grant,
    Role,
    coordinated_networks,
    organisation_networks,
)
from handlers.core.events import UserId


def organises(grants: Sequence[Grant], user: UserId, organisation: str) -> bool:
    """Whether ``user`` holds the organiser role for ``organisation``."""
    return any(
        g.user == user and g.role is Role.ORGANISER and g.organisation == organisation
        for g in grants
    )


def coordinates(
    desks: Iterable[Desk], user: UserId, organisation: str, catalogue: Catalogue
) -> bool:
    """Whether ``user`` coordinates one of the organisation's networks."""
    return bool(coordinated_networks(desks, user) & organisation_networks(catalogue, organisation))


def console_organisations(
    desks: Iterable[Desk], grants: Sequence[Grant], user: UserId, catalogue: Catalogue
) -> list[str]:
    """The organisations whose activities ``user`` sees in the console, in catalogue order."""
    networks = coordinated_networks(desks, user)
    own = {g.organisation for g in grants if g.user == user and g.role is Role.ORGANISER}
    return [o.id for o in catalogue.organisations if o.id in own or networks & set(o.networks)]


def console_networks(desks: Iterable[Desk], user: UserId) -> list[str]:
    """The networks whose tray, drafts and trusted organisations ``user`` keeps (coordinators)."""
    return sorted(coordinated_networks(desks, user))


def may_edit(
    desks: Iterable[Desk],
    grants: Sequence[Grant],
    user: UserId,
    organisation: str,
    catalogue: Catalogue,
) -> bool:
    """Whether ``user`` may see and edit (draft changes of) the organisation's activities."""
    return organises(grants, user, organisation) or coordinates(
        desks, user, organisation, catalogue
    )


def may_publish(
    desks: Iterable[Desk],
    grants: Sequence[Grant],
    user: UserId,
    organisation: str,
    catalogue: Catalogue,
    trusted: Collection[str],
) -> bool:
    """Whether a change of ``user``'s to the organisation is published without review."""
    if coordinates(desks, user, organisation, catalogue):
        return True
    return organisation in trusted and organises(grants, user, organisation)


def may_review(
    desks: Iterable[Desk], user: UserId, organisation: str, catalogue: Catalogue
) -> bool:
    """Whether ``user`` publishes or returns others' drafts, and marks the organisation trusted."""
    return coordinates(desks, user, organisation, catalogue)
