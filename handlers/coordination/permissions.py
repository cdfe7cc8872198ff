"""Who may do what: coordinators (configured), organisers and volunteers (invited), and scope.

Coordinators are named in the configuration per network (:class:`Desk`); organisers and
volunteers are granted a role for one organisation through a one-time invite. Every
privileged action asks :func:`may_manage` or :func:`is_coordinator` first; these are pure
functions over the grants, the desks and the catalogue, so they are easy to test exhaustively.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from catalog.model import Activity, Catalogue
from handlers.core.events import ChatId, UserId


class Role(StrEnum):
    """The roles a person can hold; a coordinator's comes from the configuration."""

    COORDINATOR = "coordinator"
    ORGANISER = "organiser"
    VOLUNTEER = "volunteer"


@dataclass(frozen=True, slots=True)
class Desk:
    """A network's coordination desk, from the configuration.

    ``coordinators``: user ids that act as coordinators; ``chats``: the coordinator chats
    (a Telegram group, a Matrix room) where requests arrive; ``emails``: where requests go when
    there is no chat or it cannot be reached (the catalogue's coordinator address otherwise).
    """

    network: str
    coordinators: tuple[UserId, ...] = ()
    chats: tuple[ChatId, ...] = ()
    emails: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Grant:
    """An organiser's or volunteer's role for one organisation."""

    user: UserId
    role: Role
    organisation: str
    granted_by: UserId
    granted_at: datetime


@dataclass(frozen=True, slots=True)
class Invite:
    """A one-time code that grants ``role`` for ``organisation`` to whoever redeems it first."""

    code: str
    role: Role
    organisation: str
    created_by: UserId
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class RoleEvent:
    """One line of the role audit trail: who did what to whom, when."""

    at: datetime
    actor: UserId
    action: str  # "invite", "grant", "revoke"
    subject: UserId | None
    role: Role
    organisation: str


def desk_for(desks: Mapping[str, Desk], network: str | None) -> Desk | None:
    """The desk of a network, if it has one configured."""
    return desks.get(network or "")


def coordinated_networks(desks: Iterable[Desk], user: UserId) -> set[str]:
    """The networks in which ``user`` is a configured coordinator."""
    return {desk.network for desk in desks if user in desk.coordinators}


def is_coordinator(desks: Iterable[Desk], user: UserId, network: str | None = None) -> bool:
    """Whether ``user`` coordinates ``network`` (any network when ``None``)."""
    networks = coordinated_networks(desks, user)
    return bool(networks) if network is None else network in networks


def organisation_networks(catalogue: Catalogue, organisation: str) -> set[str]:
    """The networks an organisation belongs to."""
    found = catalogue.organisation(organisation)
    return set(found.networks) if found else set()


def roles_for(grants: Sequence[Grant], organisation: str) -> set[Role]:
    """The roles the grants give for one organisation."""
    return {g.role for g in grants if g.organisation == organisation}


def may_manage_organisation(
    desks: Iterable[Desk],
    grants: Sequence[Grant],
    user: UserId,
    organisation: str,
    catalogue: Catalogue,
) -> bool:
    """Volunteers, organisers of the organisation, and coordinators of one of its networks."""
    if roles_for([g for g in grants if g.user == user], organisation):
        return True
    return bool(coordinated_networks(desks, user) & organisation_networks(catalogue, organisation))


def may_manage(
    desks: Iterable[Desk],
    grants: Sequence[Grant],
    user: UserId,
    activity: Activity,
    catalogue: Catalogue,
) -> bool:
    """Whether ``user`` may cancel, move, add to or broadcast about ``activity``."""
    return may_manage_organisation(desks, grants, user, activity.organisation, catalogue)


def may_invite(
    desks: Iterable[Desk],
    grants: Sequence[Grant],
    user: UserId,
    role: Role,
    organisation: str,
    catalogue: Catalogue,
) -> bool:
    """Coordinators invite organisers (and volunteers); organisers invite volunteers."""
    coordinator = bool(
        coordinated_networks(desks, user) & organisation_networks(catalogue, organisation)
    )
    if role is Role.ORGANISER:
        return coordinator
    if role is Role.VOLUNTEER:
        own = {g.role for g in grants if g.user == user and g.organisation == organisation}
        return coordinator or Role.ORGANISER in own
    return False


def may_broadcast_organisation(
    desks: Iterable[Desk],
    grants: Sequence[Grant],
    user: UserId,
    organisation: str,
    catalogue: Catalogue,
) -> bool:
    """Only organisers (and coordinators) reach all subscribers of an organisation at once."""
    own = {g.role for g in grants if g.user == user and g.organisation == organisation}
    if Role.ORGANISER in own:
        return True
    return bool(coordinated_networks(desks, user) & organisation_networks(catalogue, organisation))


def managed_organisations(
    desks: Iterable[Desk], grants: Sequence[Grant], user: UserId, catalogue: Catalogue
) -> list[str]:
    """Every organisation ``user`` may act for, in catalogue order."""
    networks = coordinated_networks(desks, user)
    own = {g.organisation for g in grants if g.user == user}
    return [
        o.id for o in catalogue.organisations if o.id in own or networks & set(o.networks)
    ]


def overseen_organisations(
    desks: Iterable[Desk], grants: Sequence[Grant], user: UserId, catalogue: Catalogue
) -> list[str]:
    """Organisations whose whole staff ``user`` may see: their networks' and those they organise.

    A volunteer oversees nobody: they see only their own roles.
    """
    networks = coordinated_networks(desks, user)
    organised = {g.organisation for g in grants if g.user == user and g.role is Role.ORGANISER}
    return [
        o.id for o in catalogue.organisations if o.id in organised or networks & set(o.networks)
    ]


def may_revoke(
    desks: Iterable[Desk],
    grants: Sequence[Grant],
    actor: UserId,
    subject: UserId,
    organisation: str,
    catalogue: Catalogue,
) -> bool:
    """Whether ``actor`` may remove ``subject``'s roles in ``organisation``.

    ``grants`` must hold the actor's and the subject's grants. Coordinators of one of the
    organisation's networks may remove anyone's roles there; organisers only volunteers'.
    Nobody removes a coordinator: they are configured, not granted.
    """
    desks = tuple(desks)
    networks = organisation_networks(catalogue, organisation)
    if coordinated_networks(desks, subject) & networks:
        return False
    held = roles_for([g for g in grants if g.user == subject], organisation)
    if not held or actor == subject:
        return False
    if coordinated_networks(desks, actor) & networks:
        return True
    own = roles_for([g for g in grants if g.user == actor], organisation)
    return Role.ORGANISER in own and held == {Role.VOLUNTEER}
