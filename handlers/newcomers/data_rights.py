"""What the user can see and delete about themselves: ``/mydata`` and ``/forget``.

The store gathers everything kept about one user (:class:`UserData`); :func:`my_data_reply`
shows it in plain words in their language. Forgetting is one call to the store, which
deletes every row about the user in one transaction (see ``bot/storage/erasure.py``);
:class:`DataRightsFlow` owns the two commands and the confirmation in the flow table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from catalog.model import Catalogue
from handlers.coordination.permissions import Grant, Role
from handlers.coordination.requests import ContactRequest, RequestKind, RequestState
from handlers.core.events import Action, ActionKind, Profile, Reply, UserId
from handlers.core.flows import N_, CommandSpec, FlowBase, FlowDeclaration
from handlers.core.formatting import localised, organisation_name
from handlers.core.i18n import Speaker
from handlers.core.languages import NATIVE_NAMES
from handlers.core.ports import DialogueStore
from handlers.core.turn import Turn
from handlers.newcomers.reminder_timing import Subscription
from handlers.newcomers.reminders import leads_text, subscription_title

#: How much of a stored request message /mydata shows.
EXCERPT = 80


@dataclass(frozen=True, slots=True)
class UserData:
    """Everything stored about one user."""

    profile: Profile | None
    subscriptions: tuple[Subscription, ...] = ()
    requests: tuple[ContactRequest, ...] = ()
    grants: tuple[Grant, ...] = ()
    queued_messages: int = 0


class DataRights(Protocol):
    """Reads and erases everything about one user."""

    async def data_of(self, user: UserId) -> UserData:
        """Everything stored about ``user``."""

    async def forget(self, user: UserId) -> None:
        """Delete every row about ``user`` (pseudonymising their name in others' records)."""


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def _state(request: ContactRequest, speaker: Speaker) -> str:
    _ = speaker.gettext
    return {
        RequestState.OPEN: _("waiting for an answer"),
        RequestState.ANSWERED: _("answered"),
        RequestState.CLOSED: _("closed"),
    }[request.state]


def _role(role: Role, speaker: Speaker) -> str:
    _ = speaker.gettext
    return {
        Role.COORDINATOR: _("coordinator"),
        Role.ORGANISER: _("organiser"),
        Role.VOLUNTEER: _("volunteer"),
    }[role]


def my_data_reply(data: UserData, catalogue: Catalogue, speaker: Speaker) -> Reply:
    """Everything stored about the user, in plain words, in their language."""
    _ = speaker.gettext
    profile = data.profile
    network = catalogue.network(profile.network or "") if profile else None
    lines = [
        _("This is everything I store about you:"),
        _("Language: %(language)s")
        % {"language": NATIVE_NAMES.get((profile.language if profile else None) or "", "–")},
        _("Municipality: %(network)s")
        % {"network": localised(network.name, speaker, say_language=False) if network else "–"},
    ]
    if data.subscriptions:
        lines.append(_("Reminders:"))
        lines += [
            f"• {subscription_title(s, catalogue, speaker)} ({leads_text(s.leads, speaker)})"
            for s in data.subscriptions
        ]
    if data.requests:
        lines.append(_("Messages to the coordinator:"))
        for request in data.requests:
            what = _excerpt(request.message)
            if request.kind is RequestKind.JOIN:
                what = _("joining the network") + ": " + what
            lines.append(f"• {request.reference}, {_state(request, speaker)}: {what}")
            if request.name:
                lines.append("  " + _("Your name was shared: %(name)s") % {"name": request.name})
    if data.grants:
        lines.append(_("Roles:"))
        for grant in data.grants:
            name = organisation_name(catalogue, grant.organisation, speaker)
            lines.append(f"• {_role(grant.role, speaker)}, {name}")
    if data.queued_messages:
        lines.append(
            speaker.ngettext(
                "%(count)d message waiting to be sent to you",
                "%(count)d messages waiting to be sent to you",
                data.queued_messages,
            )
            % {"count": data.queued_messages}
        )
    lines.append(_("Use /forget to delete all of it."))
    return Reply("\n".join(lines), speaker.language)


class DataRightsFlow(FlowBase):
    """``/mydata``, ``/forget`` and its confirmation (or *No, keep it*, which also ends a flow)."""

    declaration = FlowDeclaration(
        "data rights",
        commands=(
            CommandSpec("mydata", N_("See what I store about you")),
            CommandSpec("forget", N_("Delete what I store about you")),
        ),
        choices=frozenset({ActionKind.CONFIRM_FORGET, ActionKind.CANCEL}),
    )

    def __init__(
        self,
        rights: DataRights,
        dialogues: DialogueStore,
        forget_answers: Callable[[UserId], None],
    ) -> None:
        self.rights = rights
        self.dialogues = dialogues
        self.forget_answers = forget_answers

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """``/mydata`` shows everything stored; ``/forget`` asks to confirm."""
        speaker = turn.speaker
        if name == "mydata":
            data = await self.rights.data_of(turn.user)
            return [my_data_reply(data, turn.catalogue, speaker)]
        _ = speaker.gettext
        actions = (
            Action(ActionKind.CONFIRM_FORGET, _("Yes, delete everything")),
            Action(ActionKind.CANCEL, _("No, keep it")),
        )
        return [Reply(_("Delete everything I know about you?"), speaker.language, actions)]

    async def on_choice(self, turn: Turn, kind: ActionKind, argument: str) -> list[Reply]:
        """Delete everything, or change nothing (ending any dialogue the user was in)."""
        _ = turn.speaker.gettext
        if kind is ActionKind.CANCEL:
            await self.dialogues.clear(turn.user)
            return [Reply(_("OK, nothing was changed."), turn.speaker.language)]
        # One transaction: the profile, subscriptions, queued messages, requests, dialogue and
        # roles go together (bot.storage.erasure), so a crash leaves all of it or none.
        await self.rights.forget(turn.user)
        self.forget_answers(turn.user)
        return [Reply(_("Done. I deleted everything I knew about you."), turn.speaker.language)]
