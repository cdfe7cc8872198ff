"""``/console``: a one-time link that signs a coordinator or organiser in to the web console.

No passwords: the chat already knows who the person is. The link carries a random token valid
for :data:`LINK_VALID`; the store keeps only its SHA-256 and lets it be redeemed once
(:mod:`bot.storage.console_sessions`). Everybody else is refused as for the other role
commands, and without ``TARJOTIN_PUBLIC_URL`` the reply says the console is not configured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from handlers.coordination.console_access import console_scope
from handlers.coordination.permissions import Desk
from handlers.core.events import Action, ActionKind, Reply, UserId
from handlers.core.flows import CommandSpec, FlowBase, FlowDeclaration
from handlers.core.ports import Clock, StaffStore
from handlers.core.turn import Turn

#: How long a sign-in link works (the issue's 15 minutes).
LINK_VALID = timedelta(minutes=15)

#: Where a link leads, under the public URL.
SIGNIN_PATH = "/console/signin/{token}"


class ConsoleLinks(Protocol):
    """Issues one-time sign-in links (only their hash is kept)."""

    async def issue(self, user: UserId, now: datetime, valid: timedelta) -> str:
        """A fresh token for ``user``, redeemable once until ``now + valid``."""


def signin_url(public_url: str, token: str) -> str:
    """The link sent in the chat."""
    return public_url.rstrip("/") + SIGNIN_PATH.format(token=token)


class ConsoleFlow(FlowBase):
    """Owns ``/console`` (a private-chat staff command: not in the menus, not in groups)."""

    declaration = FlowDeclaration(
        "console", commands=(CommandSpec("console", in_groups=False),)
    )

    def __init__(
        self,
        desks: Mapping[str, Desk],
        staff: StaffStore,
        links: ConsoleLinks | None,
        public_url: Callable[[], str | None],
        clock: Clock,
    ) -> None:
        self.desks = desks
        self.staff = staff
        self.links = links
        self.public_url = public_url
        self.clock = clock

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """The link, or why there is none."""
        speaker = turn.speaker
        _ = speaker.gettext
        grants = await self.staff.grants_of(turn.user)
        if console_scope(self.desks.values(), grants, turn.user, turn.catalogue) is None:
            text = _("Only coordinators and organisers can use the console.")
            return [Reply(text, speaker.language)]
        base = self.public_url()
        if not base or self.links is None:
            text = _(
                "The console is not configured here: the bot has no public web address "
                "(TARJOTIN_PUBLIC_URL). Ask the person who runs the bot."
            )
            return [Reply(text, speaker.language)]
        token = await self.links.issue(turn.user, self.clock(), LINK_VALID)
        url = signin_url(base, token)
        text = "\n\n".join(
            (
                _("Your sign-in link to the console. It works once, within 15 minutes:"),
                url,
                _("Do not forward it: whoever opens it acts as you. /console gives a new one."),
            )
        )
        action = Action(ActionKind.LINK, _("Open the console"), url)
        return [Reply(text, speaker.language, (action,))]
