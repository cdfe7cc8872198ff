"""The coordinator's side of contact requests: forward, fall back to e-mail, raise, answer, close.

A request reaches its network's coordinator chats (a Telegram group, a Matrix room) through the
outbox, rendered in the coordinator's language; a coordinator answers by replying to that
message (or ``/reply K-4821 …``) and the answer goes back to the person who asked, marked as
the coordinator's. A desk without a chat, or a chat that cannot be reached, gets the request by
e-mail instead, and the person is told how the answer will come. Every outbox key is
deterministic, so running a step twice sends nothing twice.

Outbox keys and batches (one request id ``<id>``):

- ``request:<id>:forward:<chat>:<round>`` — the request in a coordinator chat; round 0 is the
  first forward, later rounds raise it again;
- ``request:<id>:email:<address>:<round>`` — the same by e-mail.

  Both are in batch ``request:<id>`` (:attr:`ContactRequest.batch`): every row that carries the
  person's words to the coordinators, which erasure deletes with the request. Its tally is read
  only while the request still goes by chat (``via == "chat"``); e-mails join the batch only
  as ``via`` turns to ``email``, so the tally then says whether the chats got it.
- ``request:<id>:answer:<n>`` and ``request:<id>:notice:<what>`` — messages to the person who
  asked (their own user id, so erasure finds them); batch ``request-user:<id>``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from catalog.model import Catalogue
from handlers.coordination.permissions import Desk, coordinated_networks
from handlers.coordination.requests import (
    ContactRequest,
    RequestKind,
    RequestState,
    normalise_reference,
)
from handlers.core.events import Action, ActionKind, ChatId, Reply, UserId
from handlers.core.flows import CommandSpec, FlowBase, FlowDeclaration
from handlers.core.formatting import activity_title
from handlers.core.i18n import Speaker, Translator
from handlers.core.numbers import ascii_number
from handlers.core.ports import (
    Clock,
    Outbox,
    OutgoingMessage,
    RequestStore,
    UnitOfWork,
    UnitOfWorkFactory,
)
from handlers.core.turn import Turn, split_argument
from handlers.newcomers.answers import coordinator_text, invalid_choice_reply

log = logging.getLogger(__name__)

CATEGORY = "request"
ROUTE_CHAT = "chat"
ROUTE_EMAIL = "email"

#: A chat forward not delivered this long after the request is sent by e-mail instead.
DELIVERY_GRACE = timedelta(minutes=10)
#: Only requests younger than this are checked for a failed forward: the outbox prunes
#: finished rows after a week, and an empty tally must never be read as "never delivered".
FALLBACK_WINDOW = timedelta(days=1)
#: The coordinator's language when the network names none.
DEFAULT_COORDINATOR_LANGUAGE = "fi"
#: At most this many requests in one ``/requests`` answer.
LIST_LIMIT = 20
#: How many words of the message ``/requests`` shows.
PREVIEW_WORDS = 8


_UNFINISHED = ("pending", "sending")


# --- keys and batches --------------------------------------------------------------------------


def user_batch(request_id: int | None) -> str:
    """The outbox batch of the messages to the person who asked (answers, notices)."""
    return f"request-user:{request_id}"


def forward_key(request_id: int | None, chat: ChatId, round_: int) -> str:
    """The key of one forward to a coordinator chat (round 0 first, then each raise)."""
    return f"request:{request_id}:forward:{chat}:{round_}"


def email_key(request_id: int | None, address: str, round_: int) -> str:
    """The key of one e-mail to a coordinator address."""
    return f"request:{request_id}:email:{address}:{round_}"


def notice_key(request_id: int | None, what: str) -> str:
    """The key of one notice to the person who asked (``email``, ``closed``...)."""
    return f"request:{request_id}:notice:{what}"


def answer_key(request_id: int | None, number: str) -> str:
    """The key of one answer from a coordinator."""
    return f"request:{request_id}:answer:{number}"


def forwarded_request_id(key: str) -> int | None:
    """The request id of a forward key (``request:<id>:forward:…``); ``None`` for other keys."""
    parts = key.split(":")
    if len(parts) < 4 or parts[0] != "request" or parts[2] != "forward":
        return None
    return ascii_number(parts[1])


def answer_number(coordinator: UserId, text: str, anchor: str, day: datetime) -> str:
    """A stable number for one answer: the same answer to the same message on one day is one.

    A redelivered platform update or a retried command therefore enqueues nothing new, while a
    different answer (or the same words another day) is a new message.
    """
    seed = "\n".join((str(coordinator), anchor, day.date().isoformat(), text))
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:16]


def email_chat(address: str) -> ChatId:
    """The outbox chat of an e-mail address (channel ``email``)."""
    return ChatId(f"email:{address}")


def raise_round(request: ContactRequest, now: datetime, raise_after: timedelta) -> int:
    """Which raise this is: whole periods since the request was made (at least 1).

    Derived from the clock rather than counted, so a raise retried after a crash gets the same
    key, and a bot that was down for days raises once, not once per missed period.
    """
    return max(1, int((now - request.created_at) / raise_after))


def coordinator_language(catalogue: Catalogue, network_id: str) -> str:
    """The language the coordinator reads: the network's first language, else Finnish."""
    network = catalogue.network(network_id)
    if network is not None and network.languages:
        return network.languages[0]
    return DEFAULT_COORDINATOR_LANGUAGE


# --- texts -------------------------------------------------------------------------------------


def age_text(age: timedelta, speaker: Speaker) -> str:
    """``3 hours`` / ``2 days``: how long a request has waited, roughly."""
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 60:
        return speaker.ngettext("%(count)d minute", "%(count)d minutes", minutes) % {
            "count": minutes
        }
    hours = minutes // 60
    if hours < 48:
        return speaker.ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = hours // 24
    return speaker.ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def request_heading(request: ContactRequest, speaker: Speaker) -> str:
    """The first line of a forward (and the e-mail's subject)."""
    _ = speaker.gettext
    if request.kind is RequestKind.JOIN:
        return _("Request to join the network %(reference)s") % {"reference": request.reference}
    return _("Contact request %(reference)s") % {"reference": request.reference}


def kind_text(kind: RequestKind, speaker: Speaker) -> str:
    """``contact`` / ``join`` in the reader's words, for the ``/requests`` list."""
    _ = speaker.gettext
    return _("joining") if kind is RequestKind.JOIN else _("contact")


def join_message(organisation: str, contact: str, offers: str, speaker: Speaker) -> str:
    """An organisation's three answers as one message, labelled in the reader's language."""
    _ = speaker.gettext
    return "\n".join(
        (
            _("Organisation: %(value)s") % {"value": organisation},
            _("Contact: %(value)s") % {"value": contact},
            _("What it offers: %(value)s") % {"value": offers},
        )
    )


def request_body(request: ContactRequest, catalogue: Catalogue, speaker: Speaker) -> list[str]:
    """What the coordinator learns: language, activity, name (only if shared), the message."""
    _ = speaker.gettext
    lines = [_("Language: %(language)s") % {"language": speaker.language_name(request.language)}]
    if request.activity:
        title = activity_title(catalogue, request.activity, speaker)
        lines.append(_("Activity: %(title)s") % {"title": title})
    if request.name:
        lines.append(_("Name: %(name)s") % {"name": request.name})
    lines += ["", _("Message:"), request.message]
    return lines


def forward_reply(
    request: ContactRequest,
    catalogue: Catalogue,
    speaker: Speaker,
    *,
    by_email: bool,
    waiting: timedelta | None = None,
) -> Reply:
    """The request as a coordinator reads it, in a chat or an e-mail (``waiting``: a raise)."""
    _ = speaker.gettext
    lines = [request_heading(request, speaker)]
    if waiting is not None:
        lines.append(_("Still unanswered after %(age)s.") % {"age": age_text(waiting, speaker)})
    lines += request_body(request, catalogue, speaker)
    lines.append("")
    if by_email:
        lines.append(
            _("Answer with /reply %(reference)s <your answer> to the bot, in Telegram or Matrix.")
            % {"reference": request.reference}
        )
    else:
        lines.append(_("Reply to this message to answer."))
    return Reply("\n".join(lines), speaker.language)


def answer_reply(request: ContactRequest, text: str, speaker: Speaker) -> Reply:
    """A coordinator's answer as the person who asked gets it, clearly marked."""
    heading = speaker.gettext("Answer from the coordinator (%(reference)s):") % {
        "reference": request.reference
    }
    return Reply(f"{heading}\n{text}", speaker.language)


def emailed_notice(request: ContactRequest, speaker: Speaker) -> Reply:
    """Told when the chat could not be reached and the request went by e-mail."""
    text = speaker.gettext(
        "Your request %(reference)s could not reach the coordinators' chat, so it was sent "
        "to them by e-mail. They will answer here in this chat."
    ) % {"reference": request.reference}
    return Reply(text, speaker.language)


def unreachable_notice(request: ContactRequest, catalogue: Catalogue, speaker: Speaker) -> Reply:
    """Told when neither the chat nor e-mail can carry the request: the direct contact."""
    text = speaker.gettext(
        "Your request %(reference)s has not reached the coordinator yet. I keep trying."
    ) % {"reference": request.reference}
    direct = coordinator_text(catalogue.network(request.network), speaker)
    return Reply(f"{text}\n{direct}", speaker.language)


def closed_notice(request: ContactRequest, speaker: Speaker) -> Reply:
    """Told when a coordinator closes the request."""
    text = speaker.gettext("Your request %(reference)s was closed.") % {
        "reference": request.reference
    }
    return Reply(text, speaker.language)


def preview(message: str, words: int = PREVIEW_WORDS) -> str:
    """The first words of a message on one line, with ``…`` when cut."""
    split = message.split()
    shown = " ".join(split[:words])
    return shown + "…" if len(split) > words else shown


def listing_line(request: ContactRequest, now: datetime, speaker: Speaker) -> str:
    """One line of ``/requests``: reference, age, kind, language, state, first words."""
    parts = [
        request.reference,
        age_text(now - request.created_at, speaker),
        kind_text(request.kind, speaker),
        speaker.language_name(request.language),
    ]
    if request.state is RequestState.ANSWERED:
        parts.append(speaker.gettext("answered"))
    return " · ".join(parts) + f"\n“{preview(request.message)}”"


# --- the coordination --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What one run of :meth:`Coordination.follow_up` did (counts only, for the log)."""

    emailed: int = 0
    unreachable: int = 0
    raised: int = 0
    deleted: int = 0


class Coordination(FlowBase):
    """Forwards requests to coordinators, watches them, and carries the answers back."""

    def __init__(
        self,
        desks: Mapping[str, Desk],
        requests: RequestStore,
        outbox: Outbox,
        translator: Translator,
        clock: Clock,
        *,
        units: UnitOfWorkFactory,
        request_raise_after: timedelta = timedelta(hours=24),
        retention: timedelta = timedelta(days=180),
        email_enabled: bool = False,
    ) -> None:
        self.desks = desks
        self.requests = requests
        self.outbox = outbox
        self.units = units
        self.translator = translator
        self.clock = clock
        self.raise_after = request_raise_after
        self.retention = retention
        self.email_enabled = email_enabled

    # --- routes ----------------------------------------------------------------------------

    def emails_of(self, network: str) -> tuple[str, ...]:
        """The addresses requests of ``network`` may be e-mailed to (none when e-mail is off)."""
        desk = self.desks.get(network)
        return desk.emails if desk is not None and self.email_enabled else ()

    def route(self, network: str) -> str | None:
        """How a new request of ``network`` reaches a coordinator: ``chat``, ``email`` or none."""
        desk = self.desks.get(network)
        if desk is not None and desk.chats:
            return ROUTE_CHAT
        return ROUTE_EMAIL if self.emails_of(network) else None

    def coordinator_speaker(self, catalogue: Catalogue, network: str) -> Speaker:
        """A speaker in the coordinator's language."""
        return self.translator.speaker(coordinator_language(catalogue, network))

    # --- outgoing messages -----------------------------------------------------------------

    def chat_forwards(
        self, request: ContactRequest, catalogue: Catalogue, round_: int
    ) -> list[OutgoingMessage]:
        """The request for every coordinator chat of its network.

        ``user`` is the chat itself, never the person who asked: a chat that fails or blocks
        the bot must not mark the requester as unreachable.
        """
        desk = self.desks.get(request.network)
        if desk is None:
            return []
        speaker = self.coordinator_speaker(catalogue, request.network)
        waiting = self.clock() - request.created_at if round_ else None
        reply = forward_reply(request, catalogue, speaker, by_email=False, waiting=waiting)
        return [
            OutgoingMessage(
                key=forward_key(request.id, chat, round_),
                chat=chat,
                user=UserId(str(chat)),
                reply=reply,
                due_at=self.clock(),
                category=CATEGORY,
                batch=request.batch,
            )
            for chat in desk.chats
        ]

    def emails(
        self, request: ContactRequest, catalogue: Catalogue, round_: int
    ) -> list[OutgoingMessage]:
        """The request as an e-mail to every address of its network."""
        speaker = self.coordinator_speaker(catalogue, request.network)
        waiting = self.clock() - request.created_at if round_ else None
        reply = forward_reply(request, catalogue, speaker, by_email=True, waiting=waiting)
        return [
            OutgoingMessage(
                key=email_key(request.id, address, round_),
                chat=email_chat(address),
                user=UserId(str(email_chat(address))),
                reply=reply,
                due_at=self.clock(),
                category=CATEGORY,
                batch=request.batch,
            )
            for address in self.emails_of(request.network)
        ]

    def to_requester(self, request: ContactRequest, key: str, reply: Reply) -> OutgoingMessage:
        """A message to the person who asked, in their chat."""
        return OutgoingMessage(
            key=key,
            chat=request.chat,
            user=request.user,
            reply=reply,
            due_at=self.clock(),
            category=CATEGORY,
            batch=user_batch(request.id),
        )

    def requester_speaker(self, request: ContactRequest) -> Speaker:
        """A speaker in the language of the person who asked."""
        return self.translator.speaker(request.language)

    # --- forwarding ------------------------------------------------------------------------

    async def forward(
        self, unit: UnitOfWork, request: ContactRequest, catalogue: Catalogue
    ) -> ContactRequest:
        """Queue a stored request to its coordinators; returns it with ``via`` as it went.

        Written through ``unit`` (the transaction that stores the request, so the request and
        its forwards commit together). Idempotent: forwarding again enqueues nothing new.
        """
        via = self.route(request.network) or request.via
        if via == ROUTE_CHAT:
            messages = self.chat_forwards(request, catalogue, 0)
        else:
            messages = self.emails(request, catalogue, 0)
        await unit.outbox.enqueue(messages, self.clock())
        if via != request.via:
            request = replace(request, via=via)
            await unit.requests.update(request)
        log.info("request %s forwarded by %s to %d targets", request.id, via, len(messages))
        return request

    async def follow_up(self, catalogue: Catalogue) -> FollowUp:
        """The minute job: e-mail what the chats did not get, raise the unanswered, expire.

        1. an open request whose chat forwards all ended unsent (failed, blocked, dropped) or
           are still undelivered after :data:`DELIVERY_GRACE` goes by e-mail (once) and its
           person is told how the answer will come (once);
        2. an open request unanswered for ``request_raise_after`` is raised again where it
           went, and ``raised_at`` is set;
        3. closed requests older than the retention period are deleted.
        """
        now = self.clock()
        emailed = unreachable = 0
        for request in await self.requests.open_in(sorted(self.desks)):
            if not await self.chat_failed(request, now, catalogue):
                continue
            if await self.fall_back(request, catalogue):
                emailed += 1
            else:
                unreachable += 1
        raised = 0
        for request in await self.requests.unanswered_since(now - self.raise_after):
            await self.raise_again(request, now, catalogue)
            raised += 1
        deleted = await self.requests.delete_closed_before(now - self.retention)
        result = FollowUp(emailed, unreachable, raised, deleted)
        if result != FollowUp():
            log.info("requests follow-up: %s", result)
        return result

    async def chat_failed(
        self, request: ContactRequest, now: datetime, catalogue: Catalogue
    ) -> bool:
        """Whether a recent request's chat forwards failed or are late (see :meth:`follow_up`).

        A request with no forward at all (the bot stopped between storing and forwarding it)
        is forwarded now while still young.
        """
        if request.state is not RequestState.OPEN or request.via != ROUTE_CHAT:
            return False
        age = now - request.created_at
        if age > FALLBACK_WINDOW:
            return False
        tally = await self.outbox.tally(request.batch)
        if tally.get("sent"):
            return False
        if not tally and age < DELIVERY_GRACE:
            async with self.units() as unit:
                await self.forward(unit, request, catalogue)
                await unit.commit()
            return False
        unfinished = sum(tally.get(state, 0) for state in _UNFINISHED)
        return not (unfinished and age < DELIVERY_GRACE)

    async def fall_back(self, request: ContactRequest, catalogue: Catalogue) -> bool:
        """E-mail a request the chats did not get and tell its person; ``False`` if no e-mail.

        Without e-mail the person gets the coordinator's direct contact instead (once).
        """
        speaker = self.requester_speaker(request)
        mails = self.emails(request, catalogue, 0)
        if not mails:
            notice = unreachable_notice(request, catalogue, speaker)
            key = notice_key(request.id, "unreachable")
            async with self.units() as unit:
                await unit.outbox.enqueue([self.to_requester(request, key, notice)], self.clock())
                await unit.commit()
            return False
        told = self.to_requester(
            request, notice_key(request.id, ROUTE_EMAIL), emailed_notice(request, speaker)
        )
        async with self.units() as unit:
            await unit.outbox.enqueue([*mails, told], self.clock())
            await unit.requests.update(replace(request, via=ROUTE_EMAIL))
            await unit.commit()
        log.info("request %s sent by e-mail: the chat did not get it", request.id)
        return True

    async def raise_again(
        self, request: ContactRequest, now: datetime, catalogue: Catalogue
    ) -> None:
        """Raise an unanswered request again where it went (chat or e-mail)."""
        round_ = raise_round(request, now, self.raise_after)
        if request.via == ROUTE_CHAT:
            messages = self.chat_forwards(request, catalogue, round_)
        else:
            messages = self.emails(request, catalogue, round_)
        async with self.units() as unit:
            await unit.outbox.enqueue(messages, now)
            await unit.requests.update(replace(request, raised_at=now))
            await unit.commit()
        log.info("request %s raised again (round %d)", request.id, round_)

    # --- permissions -----------------------------------------------------------------------

    def visible_networks(self, turn: Turn) -> set[str]:
        """The networks whose requests this sender may see and act on, here.

        A coordinator sees their networks' requests privately; in a group chat, only those
        of the networks whose coordinator chat this is (never in some other group).
        """
        networks = coordinated_networks(self.desks.values(), turn.user)
        if turn.in_group:
            networks = {n for n in networks if turn.chat in self.desks[n].chats}
        return networks

    def refusal(self, speaker: Speaker) -> Reply:
        """The polite answer to someone who is not a coordinator here."""
        return Reply(
            speaker.gettext("Sorry, only the coordinators of this network can do that."),
            speaker.language,
        )

    def not_found(self, reference: str, speaker: Speaker) -> Reply:
        """No such request among those the sender may see (never says which it is)."""
        text = speaker.gettext("I found no request %(reference)s.") % {"reference": reference}
        return Reply(text, speaker.language)

    # --- the coordinator's actions ---------------------------------------------------------

    async def reply_in_group(self, turn: Turn, text: str, reply_to: str) -> list[Reply]:
        """A message replying to a forwarded request in a coordinator chat: the answer.

        Returns ``[]`` when the message does not answer a forwarded request, so the bot stays
        quiet in the group. A member who is not a coordinator of the request's network gets
        a polite refusal and nothing is sent.
        """
        key = await self.outbox.key_for_platform_message(turn.chat, reply_to)
        request_id = forwarded_request_id(key) if key else None
        if request_id is None:
            return []
        networks = self.visible_networks(turn)
        if not networks:
            return [self.refusal(turn.speaker)]
        request = await self.requests.get(request_id)
        if request is None:
            gone = turn.speaker.gettext("That request no longer exists; nothing was sent.")
            return [Reply(gone, turn.speaker.language)]
        if request.network not in networks:
            return [self.refusal(turn.speaker)]
        return await self.answer(turn, request, text, anchor=f"reply:{reply_to}")

    async def answer(
        self, turn: Turn, request: ContactRequest, text: str, *, anchor: str
    ) -> list[Reply]:
        """Carry an authorised coordinator's answer to the person who asked."""
        _ = turn.speaker.gettext
        if request.state is RequestState.CLOSED:
            text_closed = _("Request %(reference)s is closed; nothing was sent.") % {
                "reference": request.reference
            }
            return [Reply(text_closed, turn.speaker.language)]
        answer = text.strip()
        if not answer:
            return [Reply(_("Write your answer after the reference."), turn.speaker.language)]
        number = answer_number(turn.user, answer, anchor, turn.now)
        reply = answer_reply(request, answer, self.requester_speaker(request))
        message = self.to_requester(request, answer_key(request.id, number), reply)
        async with self.units() as unit:
            await unit.outbox.enqueue([message], self.clock())
            if request.state is RequestState.OPEN:
                answered = replace(request, state=RequestState.ANSWERED, answered_at=self.clock())
                await unit.requests.update(answered)
            await unit.commit()
        log.info("request %s answered by a coordinator", request.id)
        confirmation = _("Sent to the person who asked (%(reference)s).") % {
            "reference": request.reference
        }
        return [Reply(confirmation, turn.speaker.language)]

    # --- the flow table's entry points -------------------------------------------------------

    declaration = FlowDeclaration(
        "coordination",
        commands=(CommandSpec("requests"), CommandSpec("close"), CommandSpec("reply")),
        group_texts=True,
    )

    async def on_command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """A coordinator's command, in a private chat or a coordinator chat."""
        return await self.command(turn, name, argument)

    def is_coordinator_chat(self, chat: ChatId) -> bool:
        """Whether ``chat`` is one of the configured coordinator chats."""
        return any(chat in desk.chats for desk in self.desks.values())

    async def on_group_text(
        self, turn: Turn, text: str, reply_to: str | None
    ) -> list[Reply] | None:
        """In a coordinator chat, a reply to a forwarded request answers it; chatter is left."""
        if not self.is_coordinator_chat(turn.chat):
            return None  # an ordinary group: a mention or a reply is a question
        if reply_to is None:
            return []
        return await self.reply_in_group(turn, text, reply_to)

    async def command(self, turn: Turn, name: str, argument: str) -> list[Reply]:
        """``/requests``, ``/close <ref>``, ``/reply <ref> <answer>`` (coordinators only)."""
        networks = self.visible_networks(turn)
        if not networks:
            return [self.refusal(turn.speaker)]
        name = name.lower()
        if name == "requests":
            return [await self.listing(turn, networks)]
        reference_text, _, rest = argument.strip().partition(" ")
        if not reference_text:
            usage = turn.speaker.gettext("Write the reference, for example: /%(command)s K-4821")
            return [Reply(usage % {"command": name}, turn.speaker.language)]
        reference = normalise_reference(reference_text)
        request = await self.requests.by_reference(reference)
        if request is None or request.network not in networks:
            return [self.not_found(reference, turn.speaker)]
        if name == "close":
            return await self.close(turn, request)
        if name == "reply":
            return await self.answer(turn, request, rest, anchor=f"command:{request.id}")
        return [invalid_choice_reply(turn.speaker)]

    async def choice(self, turn: Turn, argument: str) -> list[Reply]:
        """A ``REQUEST`` button of a coordinator: ``close:<request id>``."""
        operation, value = split_argument(argument)
        number = ascii_number(value)
        if operation != "close" or number is None:
            return [invalid_choice_reply(turn.speaker)]
        networks = self.visible_networks(turn)
        if not networks:
            return [self.refusal(turn.speaker)]
        request = await self.requests.get(number)
        if request is None or request.network not in networks:
            return [invalid_choice_reply(turn.speaker)]
        return await self.close(turn, request)

    async def close(self, turn: Turn, request: ContactRequest) -> list[Reply]:
        """Close an authorised coordinator's request and tell the person who asked."""
        _ = turn.speaker.gettext
        values = {"reference": request.reference}
        if request.state is RequestState.CLOSED:
            already = _("Request %(reference)s is already closed.") % values
            return [Reply(already, turn.speaker.language)]
        notice = closed_notice(request, self.requester_speaker(request))
        message = self.to_requester(request, notice_key(request.id, "closed"), notice)
        closed = replace(request, state=RequestState.CLOSED, closed_at=self.clock())
        async with self.units() as unit:
            await unit.outbox.withdraw_batch(request.batch)
            await unit.outbox.enqueue([message], self.clock())
            await unit.requests.update(closed)
            await unit.commit()
        log.info("request %s closed", request.id)
        return [Reply(_("Closed %(reference)s.") % values, turn.speaker.language)]

    async def listing(self, turn: Turn, networks: set[str]) -> Reply:
        """The open requests of ``networks``, oldest first; Close buttons in private chats."""
        _ = turn.speaker.gettext
        found = await self.requests.open_in(sorted(networks))
        if not found:
            return Reply(_("No open requests."), turn.speaker.language)
        shown = found[:LIST_LIMIT]
        lines = [_("Open requests:")]
        lines += [listing_line(r, turn.now, turn.speaker) for r in shown]
        if len(found) > len(shown):
            more = len(found) - len(shown)
            lines.append(
                turn.speaker.ngettext("…and %(count)d more.", "…and %(count)d more.", more)
                % {"count": more}
            )
        actions: Sequence[Action] = ()
        if not turn.in_group:
            actions = tuple(
                Action(
                    ActionKind.REQUEST,
                    _("Close %(reference)s") % {"reference": r.reference},
                    f"close:{r.id}",
                )
                for r in shown
            )
        return Reply("\n\n".join(lines), turn.speaker.language, tuple(actions))
