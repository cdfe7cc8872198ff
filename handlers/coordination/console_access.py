"""Who may use the keepers' console, and over what: the roles the bot already has.

A coordinator (configured per network in the coordination file) keeps every activity of the
organisations in their networks; an organiser (invited, :class:`~handlers.coordination.
permissions.Grant`) keeps their organisation's; volunteers and everybody else get nothing.
The console asks :func:`console_scope` again on every page, so a grant revoked or a
coordinator removed from the file stops working at the next click, not at the session's end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from catalog.model import Activity, Catalogue
from handlers.coordination.permissions import Desk, Grant, Role, coordinated_networks
from handlers.core.events import UserId


@dataclass(frozen=True, slots=True)
class ConsoleScope:
    """What one person keeps in the console."""

    user: UserId
    networks: frozenset[str]
    """Networks the person coordinates (empty for an organiser)."""
    organisations: frozenset[str]
    """Organisations the person may edit: every one of the networks', or their own."""

    @property
    def coordinator(self) -> bool:
        """Whether the person coordinates at least one network."""
        return bool(self.networks)

    def may_edit(self, activity: Activity) -> bool:
        """Whether the activity is the person's to edit (checked on every request)."""
        return activity.organisation in self.organisations

    def may_publish(self, activity: Activity) -> bool:
        """Coordinators publish their networks' drafts; organisers only propose."""
        return self.coordinator and self.may_edit(activity)

    def home_network(self, catalogue: Catalogue, preferred: str | None = None) -> str | None:
        """The network whose tray the home page shows."""
        networks = sorted(self.networks) or sorted(
            {n for o in self.organisations for n in _networks_of(catalogue, o)}
        )
        if preferred in networks:
            return preferred
        return networks[0] if networks else None


def _networks_of(catalogue: Catalogue, organisation: str) -> tuple[str, ...]:
    found = catalogue.organisation(organisation)
    return tuple(found.networks) if found else ()


def console_scope(
    desks: Iterable[Desk], grants: Sequence[Grant], user: UserId, catalogue: Catalogue
) -> ConsoleScope | None:
    """The person's scope, or ``None`` when they are neither coordinator nor organiser."""
    networks = coordinated_networks(desks, user)
    organised = {g.organisation for g in grants if g.user == user and g.role is Role.ORGANISER}
    organisations = {
        o.id for o in catalogue.organisations if o.id in organised or networks & set(o.networks)
    }
    if not networks and not organisations:
        return None
    return ConsoleScope(user, frozenset(networks), frozenset(organisations))


def visible_activities(catalogue: Catalogue, scope: ConsoleScope) -> list[Activity]:
    """The activities the person may open, in catalogue order."""
    return [a for a in catalogue.activities if scope.may_edit(a)]
