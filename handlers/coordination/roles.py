"""Inviting organisers and volunteers, listing their roles and revoking them.

A coordinator (configured per network) invites organisers and volunteers for the
organisations of their networks; an organiser invites volunteers for their own organisation.
An invite is a one-time code, kept only as a hash, that works for a limited time; whoever
redeems it first gets the role. ``/roles`` lists who holds which role, with a Revoke button
for those the caller may remove, and the recent audit trail for coordinators.

Buttons carry ``<op>:<value>`` arguments of at most 32 characters: organisations and people
are named by a short digest of their id (:func:`token`), looked up again among the current
organisations and grants, so a forged or stale button matches nothing. Every step that
changes something asks the permission functions of :mod:`handlers.coordination.permissions` again
first.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import format_date

from catalog.model import Catalogue
from handlers.coordination.permissions import (
    Desk,
    Grant,
    Invite,
    Role,
    RoleEvent,
    coordinated_networks,
    may_invite,
    may_revoke,
    overseen_organisations,
)
from handlers.core.events import Action, ActionKind, ChatId, Reply, UserId
from handlers.core.flows import CommandSpec, FlowBase, FlowDeclaration
from handlers.core.formatting import clock, isolate, localised, organisation_name
from handlers.core.i18n import Speaker
from handlers.core.log_ids import who
from handlers.core.numbers import ascii_number
from handlers.core.ports import Clock, StaffStore, UnitOfWorkFactory
from handlers.core.turn import Turn, split_argument

log = logging.getLogger(__name__)

INVITE_LIFETIME = timedelta(days=7)

#: The deep-link payload of an invite is ``i-<code>`` (``/start i-<code>``).
INVITE_LINK = "i-"

#: Lower-case letters and digits that cannot be mistaken for each other (no 0/o, 1/l/i).
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 10

#: Hex digits of the digest naming an organisation or a person in a button.
TOKEN_LENGTH = 8

#: Organisations per page when choosing one, and people per page of ``/roles``.
PAGE_SIZE = 8

#: How many recent audit lines coordinators see under ``/roles``.
AUDIT_LINES = 10


#: The roles an invite can give; a coordinator's role comes from the configuration only.
INVITABLE = (Role.ORGANISER, Role.VOLUNTEER)

_ROLE_WORDS = {
    "organiser": Role.ORGANISER,
    "organizer": Role.ORGANISER,
    "volunteer": Role.VOLUNTEER,
}
_ROLE_LETTERS = {Role.ORGANISER: "o", Role.VOLUNTEER: "v"}


class Op(StrEnum):
    """The operations of this flow's :attr:`ActionKind.STAFF` choices."""

    INVITE_PAGE = "inv-page"
    """``inv-page:<n>``: page ``n`` of the organisations one may invite for."""
    INVITE_ORGANISATION = "inv-org"
    """``inv-org:<organisation token>``: choose the role to invite for that organisation."""
    INVITE_MAKE = "inv-make"
    """``inv-make:<o|v>.<organisation token>``: create the invite."""
    ROLES_PAGE = "roles"
    """``roles:<n>``: page ``n`` of ``/roles``."""
    REVOKE = "revoke"
    """``revoke:<organisation token>.<person token>``: ask to confirm."""
    REVOKE_CONFIRMED = "revoke-ok"
    """``revoke-ok:<organisation token>.<person token>``: revoke."""
    REVOKE_KEPT = "revoke-no"
    """``revoke-no:``: change nothing."""


#: Every operation this flow handles, so that the conversation can route STAFF choices.
OPERATIONS = frozenset(op.value for op in Op)

PeopleEntry = tuple[str, UserId, list[Grant]]
"""One person's roles in one organisation, as ``/roles`` lists them."""

# --- pure helpers ---------------------------------------------------------------------------


def new_invite_code() -> str:
    """A random one-time code that is easy to read aloud and type (about 50 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A code as typed or linked (``i-ab3k…``, spaces, capitals) in its stored form."""
    cleaned = "".join(text.split()).lower()
    cleaned = cleaned.removeprefix(INVITE_LINK)
    return cleaned.replace("-", "")


def looks_like_code(code: str) -> bool:
    """Whether ``code`` could be an invite code at all (saves a store lookup otherwise)."""
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def token(identifier: str) -> str:
    """A short digest of an organisation or user id that fits in a button's argument."""
    return hashlib.sha256(identifier.encode()).hexdigest()[:TOKEN_LENGTH]


def resolve(value: str, identifiers: Iterable[str]) -> str | None:
    """The one identifier whose :func:`token` is ``value``; ``None`` when none or ambiguous."""
    found = {i for i in identifiers if token(i) == value}
    return found.pop() if len(found) == 1 else None


def split_pair(value: str) -> tuple[str, str]:
    """``"ab.cd"`` → ``("ab", "cd")``; missing parts are empty."""
    first, _, second = value.partition(".")
    return first, second


def parse_invite_argument(argument: str) -> tuple[Role | None, str | None]:
    """``"volunteer spr"`` → ``(VOLUNTEER, "spr")``: the role and organisation id typed, if any.

    Either part may be missing and they come in any order; an unknown word is taken as the
    organisation id.
    """
    role: Role | None = None
    organisation: str | None = None
    for word in argument.split():
        folded = word.casefold()
        if folded in _ROLE_WORDS and role is None:
            role = _ROLE_WORDS[folded]
        else:
            organisation = folded
    return role, organisation


def invitable_organisations(
    desks: Iterable[Desk], grants: Sequence[Grant], user: UserId, catalogue: Catalogue
) -> list[str]:
    """Organisations ``user`` may invite anyone for, in catalogue order."""
    desks = tuple(desks)
    return [
        o.id
        for o in catalogue.organisations
        if any(may_invite(desks, grants, user, r, o.id, catalogue) for r in INVITABLE)
    ]


def invitable_roles(
    desks: Iterable[Desk],
    grants: Sequence[Grant],
    user: UserId,
    organisation: str,
    catalogue: Catalogue,
) -> list[Role]:
    """The roles ``user`` may invite for ``organisation``."""
    desks = tuple(desks)
    return [r for r in INVITABLE if may_invite(desks, grants, user, r, organisation, catalogue)]


def people(grants: Sequence[Grant], organisations: Sequence[str]) -> list[PeopleEntry]:
    """Grants grouped by organisation (in the given order), then by person, oldest first."""
    entries: list[PeopleEntry] = []
    for organisation in organisations:
        mine = sorted(
            (g for g in grants if g.organisation == organisation), key=lambda g: g.granted_at
        )
        users = list(dict.fromkeys(g.user for g in mine))
        entries += [(organisation, u, [g for g in mine if g.user == u]) for u in users]
    return entries


def page_count(items: int) -> int:
    """How many pages of :data:`PAGE_SIZE` hold ``items`` (at least one)."""
    return max(1, -(-items // PAGE_SIZE))


def parse_page(value: str) -> int | None:
    """A page number from a button, ``None`` when it is not one."""
    return ascii_number(value, max_digits=4)


# --- wording --------------------------------------------------------------------------------


def role_name(role: Role, speaker: Speaker) -> str:
    """A role in the reader's language."""
    if role is Role.COORDINATOR:
        return speaker.gettext("coordinator")
    if role is Role.ORGANISER:
        return speaker.gettext("organiser")
    return speaker.gettext("volunteer")


def moment(at: datetime, speaker: Speaker, catalogue: Catalogue) -> str:
    """``3 May 2025 14:02`` in the catalogue's time zone and the reader's locale."""
    local = at.astimezone(ZoneInfo(catalogue.timezone))
    return f"{format_date(local.date(), 'medium', locale=speaker.locale)} {clock(local, speaker)}"


def lifetime_text(lifetime: timedelta, speaker: Speaker) -> str:
    """``Valid for 7 days, once.`` (hours when shorter than a day)."""
    if lifetime >= timedelta(days=1) and lifetime % timedelta(days=1) == timedelta(0):
        days = lifetime.days
        return speaker.ngettext(
            "Valid for %(count)d day, once.", "Valid for %(count)d days, once.", days
        ) % {"count": days}
    hours = max(1, -(-int(lifetime.total_seconds()) // 3600))
    return speaker.ngettext(
        "Valid for %(count)d hour, once.", "Valid for %(count)d hours, once.", hours
    ) % {"count": hours}


def audit_line(event: RoleEvent, speaker: Speaker, catalogue: Catalogue) -> str:
    """One audit event as a sentence: who did what, to whom, when."""
    values = {
        "when": moment(event.at, speaker, catalogue),
        "actor": isolate(event.actor, speaker),
        "person": isolate(event.subject or "", speaker),
        "role": role_name(event.role, speaker),
        "organisation": organisation_name(catalogue, event.organisation, speaker),
    }
    if event.action == "invite":
        text = speaker.gettext("%(when)s: %(actor)s created an invite: %(role)s, %(organisation)s")
    elif event.action == "grant":
        text = speaker.gettext("%(when)s: %(person)s became %(role)s, %(organisation)s")
    elif event.action == "revoke":
        text = speaker.gettext(
            "%(when)s: %(actor)s removed %(person)s as %(role)s, %(organisation)s"
        )
    else:
        text = speaker.gettext("%(when)s: %(actor)s changed a role: %(role)s, %(organisation)s")
    return text % values


# --- the flow -------------------------------------------------------------------------------


class Staffing(FlowBase):
    """``/invite``, ``/roles``, revoking, and redeeming an invite code."""

    def __init__(
        self,
        desks: Mapping[str, Desk],
        staff: StaffStore,
        clock: Clock,
        links: Callable[[ChatId, str], str | None],
        units: UnitOfWorkFactory,
        invite_lifetime: timedelta = INVITE_LIFETIME,
        new_code: Callable[[], str] = new_invite_code,
    ) -> None:
        """Flows get their ports injected.

        ``links(chat, payload)`` is the deep link that opens the bot with ``/start payload`` on
        the chat's platform (``None`` where there are none, as on Matrix).
        """
        self.desks = desks
        self.staff = staff
        self.clock = clock
        self.links = links
        self.units = units
        self.invite_lifetime = invite_lifetime
        self.new_code = new_code

    # --- the flow table's entry points -------------------------------------------------------

    # Every step is a button (or a typed command), so this flow keeps no dialogue.
    declaration = FlowDeclaration(
        "staffing",
        commands=(
            CommandSpec("invite", ends_dialogue=True),
            CommandSpec("roles", ends_dialogue=True),
        ),
        choices=frozenset({ActionKind.STAFF}),
        links=(INVITE_LINK,),
    )

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """``/invite`` or ``/roles``."""
        return await self.command(turn, name, argument)

    async def on_choice(self, turn: Turn, kind: ActionKind, argument: str) -> list[Reply]:
        """A ``STAFF`` button."""
        return await self.choice(turn, argument)

    async def on_link(self, turn: Turn, payload: str) -> list[Reply]:
        """``/start i-<code>``: an invite to a role."""
        return await self.redeem(turn, payload.removeprefix(INVITE_LINK))

    # --- entry points -----------------------------------------------------------------------

    async def command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """``/invite [organiser|volunteer] [organisation id]`` or ``/roles``."""
        if turn.in_group:
            return [self.say(turn, turn.speaker.gettext("Please ask me this in a private chat."))]
        if name == "invite":
            return await self.invite_command(turn, argument)
        if name == "roles":
            return await self.roles_page(turn, 0)
        return [self.stale(turn)]

    async def choice(self, turn: Turn, argument: str) -> list[Reply]:
        """A button of this flow (see :class:`Op`)."""
        if turn.in_group:
            return [self.say(turn, turn.speaker.gettext("Please ask me this in a private chat."))]
        operation, value = split_argument(argument)
        page = parse_page(value)
        if operation == Op.INVITE_PAGE and page is not None:
            return await self.choose_organisation(turn, page)
        if operation == Op.INVITE_ORGANISATION:
            return await self.organisation_chosen(turn, value)
        if operation == Op.INVITE_MAKE:
            return await self.make_chosen(turn, value)
        if operation == Op.ROLES_PAGE and page is not None:
            return await self.roles_page(turn, page)
        if operation == Op.REVOKE:
            return await self.revoke_asked(turn, value)
        if operation == Op.REVOKE_CONFIRMED:
            return await self.revoke_confirmed(turn, value)
        if operation == Op.REVOKE_KEPT:
            return [self.say(turn, turn.speaker.gettext("Nothing was changed."))]
        return [self.stale(turn)]

    async def redeem(self, turn: Turn, code: str) -> list[Reply]:
        """Use an invite code (``i-<code>`` from a deep link, or typed after ``/start``)."""
        _ = turn.speaker.gettext
        cleaned = normalise_code(code)
        grant = None
        if looks_like_code(cleaned):
            async with self.units() as unit:
                grant = await unit.staff.redeem(cleaned, turn.user, self.clock())
                if grant is not None and grant.role not in INVITABLE:
                    # Coordinators are configured, never invited: such a code gives nothing
                    # (the unit is left uncommitted, so the code stays unused too).
                    log.warning("refused a %s invite for %s", grant.role, grant.organisation)
                    grant = None
                else:
                    await unit.commit()
        if grant is None:
            log.info("invite code refused for %s", who(turn.user))
            return [
                self.say(
                    turn,
                    _(
                        "This invite code does not work: it may have been used already or "
                        "expired. Ask the person who invited you for a new one."
                    ),
                )
            ]
        log.info("invite redeemed: %s is %s of %s", who(turn.user), grant.role, grant.organisation)
        values = {
            "organisation": organisation_name(turn.catalogue, grant.organisation, turn.speaker)
        }
        if grant.role is Role.ORGANISER:
            text = _(
                "You are now an organiser of %(organisation)s. Use /volunteer to manage its "
                "activities and /invite to invite volunteers."
            )
        else:
            text = _(
                "You are now a volunteer of %(organisation)s. Use /volunteer to manage its "
                "activities."
            )
        return [self.say(turn, text % values)]

    # --- inviting ---------------------------------------------------------------------------

    async def invite_command(self, turn: Turn, argument: str) -> list[Reply]:
        """Start inviting: at the organisation, the role, or straight to the code when typed."""
        role, organisation = parse_invite_argument(argument)
        if organisation is None:
            return await self.choose_organisation(turn, 0)
        grants = await self.staff.grants_of(turn.user)
        roles = invitable_roles(
            self.desks.values(), grants, turn.user, organisation, turn.catalogue
        )
        if role is not None:
            if role not in roles:
                return [self.refusal(turn, grants)]
            return await self.make(turn, role, organisation)
        if not roles:
            return [self.refusal(turn, grants)]
        return [self.role_menu(turn, organisation, roles)]

    async def choose_organisation(self, turn: Turn, page: int) -> list[Reply]:
        """The organisations the caller may invite for, a page at a time (skipped when one)."""
        grants = await self.staff.grants_of(turn.user)
        organisations = invitable_organisations(
            self.desks.values(), grants, turn.user, turn.catalogue
        )
        if not organisations:
            return [self.refusal(turn, grants)]
        if len(organisations) == 1:
            roles = invitable_roles(
                self.desks.values(), grants, turn.user, organisations[0], turn.catalogue
            )
            return [self.role_menu(turn, organisations[0], roles)]
        if page >= page_count(len(organisations)):
            return [self.stale(turn)]
        shown = organisations[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        actions = [
            Action(
                ActionKind.STAFF,
                organisation_name(turn.catalogue, o, turn.speaker),
                f"{Op.INVITE_ORGANISATION}:{token(o)}",
            )
            for o in shown
        ]
        if page + 1 < page_count(len(organisations)):
            actions.append(
                Action(
                    ActionKind.STAFF, turn.speaker.gettext("More"), f"{Op.INVITE_PAGE}:{page + 1}"
                )
            )
        text = turn.speaker.gettext("Which organisation do you want to invite someone to?")
        return [Reply(text, turn.speaker.language, tuple(actions))]

    def role_menu(self, turn: Turn, organisation: str, roles: Sequence[Role]) -> Reply:
        """Ask which role the invite gives."""
        _ = turn.speaker.gettext
        labels = {Role.ORGANISER: _("An organiser"), Role.VOLUNTEER: _("A volunteer")}
        actions = tuple(
            Action(
                ActionKind.STAFF,
                labels[r],
                f"{Op.INVITE_MAKE}:{_ROLE_LETTERS[r]}.{token(organisation)}",
            )
            for r in roles
        )
        text = _("Whom do you want to invite to %(organisation)s?") % {
            "organisation": organisation_name(turn.catalogue, organisation, turn.speaker)
        }
        return Reply(text, turn.speaker.language, actions)

    async def organisation_chosen(self, turn: Turn, value: str) -> list[Reply]:
        """An organisation button: ask for the role, if the caller may still invite there."""
        grants = await self.staff.grants_of(turn.user)
        organisations = invitable_organisations(
            self.desks.values(), grants, turn.user, turn.catalogue
        )
        organisation = resolve(value, organisations)
        if organisation is None:
            return [self.stale(turn)]
        roles = invitable_roles(
            self.desks.values(), grants, turn.user, organisation, turn.catalogue
        )
        return [self.role_menu(turn, organisation, roles)]

    async def make_chosen(self, turn: Turn, value: str) -> list[Reply]:
        """A role button: create the invite (the permission is checked again in :meth:`make`)."""
        letter, organisation_token = split_pair(value)
        roles = {v: k for k, v in _ROLE_LETTERS.items()}
        role = roles.get(letter)
        organisation = resolve(organisation_token, (o.id for o in turn.catalogue.organisations))
        if role is None or organisation is None:
            return [self.stale(turn)]
        return await self.make(turn, role, organisation)

    async def make(self, turn: Turn, role: Role, organisation: str) -> list[Reply]:
        """Create and store a one-time invite, if the caller may invite ``role`` there now."""
        grants = await self.staff.grants_of(turn.user)
        if not may_invite(
            self.desks.values(), grants, turn.user, role, organisation, turn.catalogue
        ):
            return [self.refusal(turn, grants)]
        now = self.clock()
        code = self.new_code()
        invite = Invite(code, role, organisation, turn.user, now, now + self.invite_lifetime)
        await self.staff.create_invite(invite)
        log.info("invite created by %s: %s of %s", who(turn.user), role, organisation)
        return self.invite_replies(turn, invite)

    def invite_replies(self, turn: Turn, invite: Invite) -> list[Reply]:
        """What the inviter sees, and a message to forward to the person invited."""
        _ = turn.speaker.gettext
        speaker = turn.speaker
        values = {
            "organisation": organisation_name(turn.catalogue, invite.organisation, speaker),
            "code": isolate(invite.code, speaker),
        }
        lifetime = lifetime_text(self.invite_lifetime, speaker)
        if invite.role is Role.ORGANISER:
            created = _("Invite code for an organiser of %(organisation)s: %(code)s.")
            invited = _("You are invited to be an organiser of %(organisation)s in Tarjotin.")
        else:
            created = _("Invite code for a volunteer of %(organisation)s: %(code)s.")
            invited = _("You are invited to be a volunteer of %(organisation)s in Tarjotin.")
        forward = _("Forward the next message to the person you invite.")
        payload = f"{INVITE_LINK}{invite.code}"
        link = self.links(turn.chat, payload)
        command = isolate(f"/start {payload}", speaker)
        lines = [invited % values]
        if link is not None:
            lines.append(_("Open this link: %(link)s") % {"link": isolate(link, speaker)})
            lines.append(_("Or send this to the bot: %(command)s") % {"command": command})
        else:
            alternative = isolate(f"!start {payload}", speaker)
            lines.append(
                _("Send this to the bot: %(command)s (or %(alternative)s)")
                % {"command": command, "alternative": alternative}
            )
        lines.append(lifetime)
        return [
            self.say(turn, f"{created % values} {lifetime}\n{forward}"),
            self.say(turn, "\n".join(lines)),
        ]

    def refusal(self, turn: Turn, grants: Sequence[Grant]) -> Reply:
        """Why the caller cannot invite (anyone, or for that organisation)."""
        _ = turn.speaker.gettext
        staff = bool(coordinated_networks(self.desks.values(), turn.user)) or any(
            g.role is Role.ORGANISER for g in grants if g.user == turn.user
        )
        if staff:
            return self.say(
                turn,
                _(
                    "You cannot give that role for that organisation. Coordinators invite "
                    "organisers for the organisations of their network; organisers invite "
                    "volunteers for their own organisation."
                ),
            )
        return self.say(
            turn,
            _(
                "Only coordinators and organisers can invite people. If you help an "
                "organisation, ask its organiser or the network's coordinator."
            ),
        )

    # --- roles ------------------------------------------------------------------------------

    async def roles_page(self, turn: Turn, page: int) -> list[Reply]:
        """Who holds which role where the caller may see, with Revoke buttons where allowed."""
        _ = turn.speaker.gettext
        speaker = turn.speaker
        catalogue = turn.catalogue
        desks = tuple(self.desks.values())
        own = await self.staff.grants_of(turn.user)
        overseen = overseen_organisations(desks, own, turn.user, catalogue)
        networks = coordinated_networks(desks, turn.user)
        if not overseen and not own and not networks:
            return [self.say(turn, _("You have no role in any organisation."))]
        visible = [*await self.staff.grants_for(overseen), *own] if overseen else list(own)
        visible = list(dict.fromkeys(visible))
        order: list[str] = [o.id for o in catalogue.organisations]
        order += sorted({g.organisation for g in visible} - set(order))
        entries = people(visible, order)
        pages = page_count(len(entries))
        if page >= pages:
            return [self.stale(turn)]
        lines: list[str] = []
        if networks:
            names = ", ".join(
                localised(n.name, speaker, say_language=False)
                for n in catalogue.networks
                if n.id in networks
            )
            lines.append(_("You are a coordinator of %(networks)s.") % {"networks": names})
        if not entries:
            lines.append(_("Nobody has been invited yet."))
        actions: list[Action] = []
        current: str | None = None
        for organisation, person, grants in entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
            name = organisation_name(catalogue, organisation, speaker)
            if organisation != current:
                lines.append(f"\n{name}")
                current = organisation
            for grant in grants:
                lines.append(
                    "• "
                    + _("%(person)s: %(role)s, given by %(granter)s on %(when)s")
                    % {
                        "person": isolate(person, speaker),
                        "role": role_name(grant.role, speaker),
                        "granter": isolate(grant.granted_by, speaker),
                        "when": moment(grant.granted_at, speaker, catalogue),
                    }
                )
            pool = [*own, *grants]
            if may_revoke(desks, pool, turn.user, person, organisation, catalogue):
                label = _("Revoke %(person)s, %(organisation)s") % {
                    "person": isolate(person, speaker),
                    "organisation": name,
                }
                argument = f"{Op.REVOKE}:{token(organisation)}.{token(person)}"
                actions.append(Action(ActionKind.STAFF, label, argument))
        if page + 1 < pages:
            actions.append(Action(ActionKind.STAFF, _("More"), f"{Op.ROLES_PAGE}:{page + 1}"))
        if networks and page == 0:
            events = await self.staff.events(
                [o.id for o in catalogue.organisations if networks & set(o.networks)]
            )
            if events:
                lines.append("\n" + _("Recent changes:"))
                lines += [audit_line(e, speaker, catalogue) for e in events[-AUDIT_LINES:]]
        return [Reply("\n".join(lines).strip(), speaker.language, tuple(actions))]

    async def target(self, turn: Turn, value: str) -> tuple[str, UserId, list[Grant]] | None:
        """The organisation and person a revoke button names, if the caller may revoke now."""
        organisation_token, person_token = split_pair(value)
        organisation = resolve(organisation_token, (o.id for o in turn.catalogue.organisations))
        if organisation is None:
            return None
        theirs = await self.staff.grants_for([organisation])
        found = resolve(person_token, (g.user for g in theirs))
        if found is None:
            return None
        person = UserId(found)
        own = await self.staff.grants_of(turn.user)
        subject = [g for g in theirs if g.user == person]
        if not may_revoke(
            self.desks.values(), [*own, *subject], turn.user, person, organisation, turn.catalogue
        ):
            return None
        return organisation, person, subject

    async def revoke_asked(self, turn: Turn, value: str) -> list[Reply]:
        """A Revoke button: ask to confirm, naming the person, roles and organisation."""
        _ = turn.speaker.gettext
        found = await self.target(turn, value)
        if found is None:
            return [self.stale(turn)]
        organisation, person, grants = found
        values = self.revoke_values(turn, organisation, person, grants)
        text = _("Remove %(person)s as %(roles)s of %(organisation)s?") % values
        actions = (
            Action(ActionKind.STAFF, _("Yes, remove"), f"{Op.REVOKE_CONFIRMED}:{value}"),
            Action(ActionKind.STAFF, _("No, keep"), f"{Op.REVOKE_KEPT}:"),
        )
        return [Reply(text, turn.speaker.language, actions)]

    async def revoke_confirmed(self, turn: Turn, value: str) -> list[Reply]:
        """Confirmed: revoke (the store records it in the audit), if still allowed."""
        _ = turn.speaker.gettext
        found = await self.target(turn, value)
        if found is None:
            return [self.stale(turn)]
        organisation, person, grants = found
        if not await self.staff.revoke(person, organisation, turn.user, self.clock()):
            return [self.stale(turn)]
        log.info("roles of %s in %s revoked by %s", who(person), organisation, who(turn.user))
        values = self.revoke_values(turn, organisation, person, grants)
        return [
            self.say(turn, _("%(person)s is no longer %(roles)s of %(organisation)s.") % values)
        ]

    def revoke_values(
        self, turn: Turn, organisation: str, person: UserId, grants: Sequence[Grant]
    ) -> dict[str, str]:
        """The placeholders of the revoke messages."""
        roles = dict.fromkeys(g.role for g in grants)
        return {
            "person": isolate(person, turn.speaker),
            "roles": ", ".join(role_name(r, turn.speaker) for r in roles),
            "organisation": organisation_name(turn.catalogue, organisation, turn.speaker),
        }

    # --- replies ----------------------------------------------------------------------------

    def say(self, turn: Turn, text: str) -> Reply:
        """A plain reply in the caller's language."""
        return Reply(text, turn.speaker.language)

    def stale(self, turn: Turn) -> Reply:
        """The polite answer to a forged, outdated or no longer permitted choice."""
        return self.say(
            turn, turn.speaker.gettext("This choice is no longer valid. Nothing was changed.")
        )
