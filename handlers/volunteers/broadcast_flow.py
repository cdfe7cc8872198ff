"""A volunteer's message to subscribers: compose, add versions, preview, send, stop, report.

Composed inside the ``volunteer`` dialogue (steps ``bc-*``): the text, then optional versions
in other languages, then a preview saying who gets which version. Sending stores the
:class:`~handlers.volunteers.broadcast_state.Broadcast`, one outbox message per person (however
many of the
organisation's activities they follow) and the end of the dialogue in one unit of work; each
message is in the reader's language: their version, or the original marked with its language.
The sender can stop it; when nothing is left to send, :meth:`Broadcasting.report_finished`
tells the sender how it went.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from catalog.model import Activity, Catalogue
from catalog.vocabulary import PLAIN_FINNISH, SUPPORTED_LANGUAGES
from handlers.coordination.permissions import Desk
from handlers.core.events import Action, ActionKind, Reply
from handlers.core.formatting import activity_title, isolate, organisation_name
from handlers.core.i18n import Speaker, Translator
from handlers.core.languages import NATIVE_NAMES
from handlers.core.log_ids import who
from handlers.core.numbers import ascii_number
from handlers.core.ports import (
    BroadcastStore,
    Clock,
    DialogueStore,
    Outbox,
    OutgoingMessage,
    StaffStore,
    SubscriberDirectory,
    UnitOfWorkFactory,
)
from handlers.core.turn import Turn
from handlers.newcomers.reminder_timing import Subscriber
from handlers.volunteers.broadcast_state import Broadcast, BroadcastState
from handlers.volunteers.notices import NOTICE, audience_languages, find_audience
from handlers.volunteers.steps import (
    Permissions,
    Step,
    buttons_please,
    close_action,
    moved_on,
    refused,
    save,
    say,
    stale,
)

log = logging.getLogger(__name__)

MAX_BROADCAST_CHARS = 3000

BROADCAST = "broadcast"

#: The steps of composing a broadcast, inside the volunteer dialogue.
STEPS = frozenset({"bc-text", "bc-preview", "bc-language", "bc-version"})

#: ``op`` in the dialogue data: one activity's subscribers, or the whole organisation's.
TO_ACTIVITY = "bc"
TO_ORGANISATION = "bcorg"

_VERSION = "v:"
_UNSENDABLE = frozenset({"Cc", "Cs", "Co", "Cn"})


# --- pure pieces --------------------------------------------------------------------------


def clean_message(text: str) -> str:
    """The text as it will be sent: NFC, surrounding blanks trimmed."""
    return unicodedata.normalize("NFC", text).strip()


def message_problem(text: str, speaker: Speaker) -> str | None:
    """Why a typed message cannot be sent, in the volunteer's language (``None``: it can)."""
    _ = speaker.gettext
    if not text:
        return _("Please write the message as text.")
    if len(text) > MAX_BROADCAST_CHARS:
        return _("That is too long: please keep it under %(count)d characters.") % {
            "count": MAX_BROADCAST_CHARS
        }
    if any(ch not in "\n\t" and unicodedata.category(ch) in _UNSENDABLE for ch in text):
        return _("The message has characters I cannot send. Please write it as plain text.")
    return None


def same_language(version: str, reader: str) -> bool:
    """Whether a reader of ``reader`` reads ``version`` as their own (plain Finnish is Finnish)."""
    finnish = {"fi", PLAIN_FINNISH}
    return version == reader or {version, reader} <= finnish


def version_for(broadcast: Broadcast, reader: str) -> tuple[str, str]:
    """The version a reader gets and its language: theirs (Finnish for Finnish) or the original."""
    versions = dict(broadcast.versions)
    if reader in versions:
        return reader, versions[reader]
    for code, text in broadcast.versions:
        if same_language(code, reader):
            return code, text
    return broadcast.language, broadcast.text


def broadcast_reply(catalogue: Catalogue, broadcast: Broadcast, speaker: Speaker) -> Reply:
    """The message one subscriber gets: who it is from, then their version of the text."""
    _ = speaker.gettext
    organisation = organisation_name(catalogue, broadcast.organisation, speaker)
    if broadcast.activity:
        header = _("Message from %(organisation)s about %(activity)s:") % {
            "organisation": organisation,
            "activity": activity_title(catalogue, broadcast.activity, speaker),
        }
    else:
        header = _("Message from %(organisation)s:") % {"organisation": organisation}
    code, text = version_for(broadcast, speaker.language)
    body = text
    if not same_language(code, speaker.language):
        marker = _("in %(language)s") % {"language": speaker.language_name(code)}
        body = f"{isolate(text, speaker)}\n({marker})"
    return Reply(f"{header}\n\n{body}", speaker.language)


def audience_phrase(catalogue: Catalogue, broadcast: Broadcast, speaker: Speaker) -> str:
    """``the subscribers of <activity>`` or ``all subscribers of <organisation>``."""
    _ = speaker.gettext
    if broadcast.activity:
        title = activity_title(catalogue, broadcast.activity, speaker)
        return _("the subscribers of %(title)s") % {"title": title}
    organisation = organisation_name(catalogue, broadcast.organisation, speaker)
    return _("all subscribers of %(organisation)s") % {"organisation": organisation}


def tally_counts(tally: Mapping[str, int]) -> dict[str, int]:
    """An outbox tally folded into delivered, failed, blocked and waiting."""
    return {
        "delivered": tally.get("sent", 0),
        "failed": tally.get("failed", 0) + tally.get("dropped", 0),
        "blocked": tally.get("blocked", 0),
        "waiting": tally.get("pending", 0) + tally.get("sending", 0),
    }


def report_reply(
    catalogue: Catalogue,
    broadcast: Broadcast,
    tally: Mapping[str, int],
    speaker: Speaker,
    withdrawn: int = 0,
) -> Reply:
    """The delivery report: how many got it, could not, had blocked the bot, were not sent."""
    _ = speaker.gettext
    counts = tally_counts(tally)
    lines = [
        _("Report on your message to %(audience)s:")
        % {"audience": audience_phrase(catalogue, broadcast, speaker)},
        _("Delivered: %(count)d") % {"count": counts["delivered"]},
        _("Could not be delivered: %(count)d") % {"count": counts["failed"]},
        _("Have blocked the bot: %(count)d") % {"count": counts["blocked"]},
    ]
    if counts["waiting"]:
        lines.append(_("Still being sent: %(count)d") % {"count": counts["waiting"]})
    if broadcast.state is BroadcastState.STOPPED:
        lines.append(_("Not sent because it was stopped: %(count)d") % {"count": withdrawn})
    return Reply("\n".join(lines), speaker.language)


def report_key(broadcast: Broadcast) -> str:
    """Idempotency key of the sender's report."""
    return f"broadcast-report:{broadcast.id}"


def message_key(broadcast: Broadcast, subscriber: Subscriber) -> str:
    """Idempotency key of one person's copy."""
    return f"broadcast:{broadcast.id}:{subscriber.subscription.user}"


def draft_of(step: Step) -> Broadcast:
    """The broadcast the dialogue describes so far (not stored; ``id`` is ``None``)."""
    data = step.data
    versions = tuple(
        (code, data[_VERSION + code]) for code in SUPPORTED_LANGUAGES if _VERSION + code in data
    )
    return Broadcast(
        id=None,
        sender=step.user,
        sender_chat=step.turn.chat,
        organisation=step.organisation,
        language=data.get("lang", step.speaker.language),
        text=data.get("text", ""),
        created_at=step.now,
        activity=data.get("activity") if data.get("op") == TO_ACTIVITY else None,
        versions=versions,
    )


# --- the flow -----------------------------------------------------------------------------


class Broadcasting:
    """Composes, sends, stops and reports broadcasts; permission is asked at every step."""

    def __init__(
        self,
        desks: Mapping[str, Desk],
        staff: StaffStore,
        dialogues: DialogueStore,
        broadcasts: BroadcastStore,
        directory: SubscriberDirectory,
        outbox: Outbox,
        units: UnitOfWorkFactory,
        translator: Translator,
        clock: Clock,
        catalogue: Callable[[], Catalogue],
        default_language: str = "en",
    ) -> None:
        self.permissions = Permissions(desks, staff)
        self.dialogues = dialogues
        self.broadcasts = broadcasts
        self.directory = directory
        self.outbox = outbox
        self.units = units
        self.translator = translator
        self.clock = clock
        self.catalogue = catalogue
        self.default_language = default_language

    # --- composing ------------------------------------------------------------------------

    async def begin(self, step: Step, op: str) -> list[Reply]:
        """Start composing to one activity's subscribers (``bc``) or the organisation's."""
        if op not in (TO_ACTIVITY, TO_ORGANISATION):
            return stale(step.speaker)
        step = replace(step, dialogue=moved_on(step.dialogue, "bc-text", step.now, op=op))
        if not await self.allowed(step):
            return refused(step.speaker)
        await save(self.dialogues, step.dialogue)
        draft = draft_of(step)
        _ = step.speaker.gettext
        text = _("Write your message to %(audience)s. I will show it to you before sending.") % {
            "audience": audience_phrase(step.catalogue, draft, step.speaker)
        }
        return say(step.speaker, text, (close_action(step.speaker),))

    async def allowed(self, step: Step) -> bool:
        """Whether the volunteer may still send this broadcast (checked at every step)."""
        if step.data.get("op") == TO_ORGANISATION:
            return await self.permissions.may_lead(step.user, step.organisation, step.catalogue)
        activity = step.activity
        return (
            activity is not None
            and activity.organisation == step.organisation
            and await self.permissions.may_manage(step.user, activity, step.catalogue)
        )

    async def text(self, step: Step, text: str) -> list[Reply]:
        """The message, or a version of it, as typed."""
        if not await self.allowed(step):
            return refused(step.speaker)
        state = step.dialogue.step
        if state not in ("bc-text", "bc-version"):
            return say(step.speaker, buttons_please(step.speaker))
        message = clean_message(text)
        problem = message_problem(message, step.speaker)
        if problem:
            return say(step.speaker, problem, (close_action(step.speaker),))
        if state == "bc-text":
            extra = {"text": message, "lang": step.speaker.language}
        else:
            target = step.data.get("target", "")
            if target not in SUPPORTED_LANGUAGES:
                return stale(step.speaker)
            extra = {_VERSION + target: message}
        dialogue = step.dialogue.at("bc-preview", step.now, **extra)
        step = replace(step, dialogue=await save(self.dialogues, dialogue))
        return await self.preview(step)

    async def choice(self, step: Step, op: str, value: str) -> list[Reply]:
        """``more`` (add a version), ``lang:<code>``, ``send``."""
        if not await self.allowed(step):
            return refused(step.speaker)
        state = step.dialogue.step
        if state == "bc-preview" and op == "more":
            return await self.languages(step)
        if state == "bc-language" and op == "lang" and value in self.version_languages(step):
            dialogue = step.dialogue.at("bc-version", step.now, target=value)
            await save(self.dialogues, dialogue)
            text = step.speaker.gettext("Write the message in %(language)s.") % {
                "language": step.speaker.language_name(value)
            }
            return say(step.speaker, text, (close_action(step.speaker),))
        if state == "bc-preview" and op == "send":
            return await self.send(step)
        return stale(step.speaker)

    def version_languages(self, step: Step) -> list[str]:
        """Languages a version can be added in (all but the original's)."""
        original = step.data.get("lang", step.speaker.language)
        return [code for code in SUPPORTED_LANGUAGES if code != original]

    async def languages(self, step: Step) -> list[Reply]:
        """Ask which language the next version is in; readers' missing languages first."""
        await save(self.dialogues, step.dialogue.at("bc-language", step.now))
        draft = draft_of(step)
        readers = await self.readers(step)
        missing = [
            code
            for code, _count in readers.most_common()
            if not same_language(version_for(draft, code)[0], code)
        ]
        ordered = list(dict.fromkeys([*missing, *self.version_languages(step)]))
        candidates = set(self.version_languages(step))
        actions = [
            Action(ActionKind.VOLUNTEER, NATIVE_NAMES[code], f"lang:{code}")
            for code in ordered
            if code in candidates
        ]
        actions.append(close_action(step.speaker))
        return say(step.speaker, step.speaker.gettext("In which language?"), actions)

    def reader_language(self, subscriber: Subscriber) -> str:
        """The language a subscriber reads messages in."""
        return self.translator.speaker(subscriber.language or self.default_language).language

    async def readers(self, step: Step) -> Counter[str]:
        """How many people the broadcast would reach per language they read, counted in SQL.

        Most numerous first; languages with as many readers in code order.
        """
        counts = await audience_languages(self.directory, step.catalogue, self.scope(step))
        readers: Counter[str] = Counter()
        for language, count in counts.items():
            code = self.translator.speaker(language or self.default_language).language
            readers[code] += count
        return Counter(dict(sorted(readers.items(), key=lambda item: (-item[1], item[0]))))

    async def recipients(self, step: Step) -> list[Subscriber]:
        """One active subscriber per person the broadcast would reach."""
        return await find_audience(self.directory, step.catalogue, self.scope(step))

    def scope(self, step: Step) -> list[Activity]:
        """The activities whose subscribers are addressed."""
        if step.data.get("op") == TO_ORGANISATION:
            return [a for a in step.catalogue.activities if a.organisation == step.organisation]
        activity = step.activity
        return [activity] if activity is not None else []

    async def preview(self, step: Step) -> list[Reply]:
        """Who gets which version, then the texts; Send, add a version, or close."""
        _ = step.speaker.gettext
        speaker = step.speaker
        draft = draft_of(step)
        readers = await self.readers(step)
        total = sum(readers.values())
        if total:
            lines = [
                speaker.ngettext(
                    "This message goes to %(count)d person.",
                    "This message goes to %(count)d people.",
                    total,
                )
                % {"count": total}
            ]
        else:
            lines = [_("Nobody is subscribed yet, so nobody would get this message.")]
        for code, count in readers.most_common():
            version = version_for(draft, code)[0]
            names = {"language": speaker.language_name(code), "count": count}
            if same_language(version, code):
                lines.append(_("%(language)s (%(count)d): their own version") % names)
            else:
                names["original"] = speaker.language_name(version)
                lines.append(
                    _("%(language)s (%(count)d): your text, marked as %(original)s") % names
                )
        blocks = ["\n".join(lines)]
        blocks.append(
            _("Your text (%(language)s):") % {"language": speaker.language_name(draft.language)}
            + "\n"
            + draft.text
        )
        for code, text in draft.versions:
            blocks.append(f"{speaker.language_name(code)}:\n{text}")
        actions = []
        if total:
            actions.append(Action(ActionKind.VOLUNTEER, _("Send"), "send"))
        actions.append(Action(ActionKind.VOLUNTEER, _("Add a version in another language"), "more"))
        actions.append(close_action(speaker))
        return say(speaker, "\n\n".join(blocks), actions)

    # --- sending --------------------------------------------------------------------------

    async def send(self, step: Step) -> list[Reply]:
        """Store the broadcast and one message per person, and end the dialogue: one commit."""
        recipients = await self.recipients(step)
        _ = step.speaker.gettext
        if not recipients:
            await self.dialogues.clear(step.user)
            return say(step.speaker, _("Nobody is subscribed yet, so nothing was sent."))
        async with self.units() as unit:
            broadcast = await unit.broadcasts.create(
                replace(draft_of(step), recipients=len(recipients))
            )
            messages = [
                self.message(step.catalogue, broadcast, subscriber, step.now)
                for subscriber in recipients
            ]
            await unit.outbox.enqueue(messages, step.now)
            await unit.dialogues.clear(step.user)
            await unit.commit()
        log.info("broadcast %s by %s queued to %d", broadcast.id, who(step.user), len(messages))
        text = step.speaker.ngettext(
            "Sending to %(count)d person. You will get a report.",
            "Sending to %(count)d people. You will get a report.",
            len(messages),
        ) % {"count": len(messages)}
        stop = Action(ActionKind.VOLUNTEER, _("Stop sending"), f"stop:{broadcast.id}")
        return say(step.speaker, text, (stop,))

    def message(
        self, catalogue: Catalogue, broadcast: Broadcast, subscriber: Subscriber, now: datetime
    ) -> OutgoingMessage:
        """One person's copy, in their language."""
        subscription = subscriber.subscription
        speaker = self.translator.speaker(subscriber.language or self.default_language)
        return OutgoingMessage(
            key=message_key(broadcast, subscriber),
            chat=subscription.chat,
            user=subscription.user,
            reply=broadcast_reply(catalogue, broadcast, speaker),
            due_at=now,
            category=BROADCAST,
            activity=broadcast.activity,
            subscription=subscription.id,
            batch=broadcast.batch,
        )

    # --- stopping and reporting -----------------------------------------------------------

    async def stop(self, turn: Turn, value: str) -> list[Reply]:
        """``stop:<id>``: withdraw what is not sent yet and report at once.

        Only the sender or a coordinator of the organisation's networks may stop it.
        """
        speaker = turn.speaker
        _ = speaker.gettext
        number = ascii_number(value)
        broadcast = await self.broadcasts.get(number) if number is not None else None
        if broadcast is None:
            return stale(speaker)
        catalogue = self.catalogue()
        if broadcast.sender != turn.user and not self.permissions.coordinates(
            turn.user, broadcast.organisation, catalogue
        ):
            return say(speaker, _("Only the sender or a coordinator can stop this message."))
        if broadcast.state is not BroadcastState.SENDING:
            return say(speaker, _("That message is no longer being sent."))
        async with self.units() as unit:
            withdrawn = await unit.outbox.withdraw_batch(broadcast.batch)
            broadcast = replace(broadcast, state=BroadcastState.STOPPED)
            await unit.broadcasts.update(broadcast)
            tally = await unit.outbox.tally(broadcast.batch)
            if turn.user != broadcast.sender:
                report = self.report(catalogue, broadcast, tally, withdrawn, self.clock())
                await unit.outbox.enqueue([report], report.due_at)
            await unit.commit()
        stopper = who(turn.user)
        log.info("broadcast %s stopped by %s; %d withdrawn", broadcast.id, stopper, withdrawn)
        return [report_reply(catalogue, broadcast, tally, speaker, withdrawn)]

    async def report_finished(self, now: datetime) -> int:
        """Report every broadcast with nothing left to send, and mark it done; how many."""
        catalogue = self.catalogue()
        reported = 0
        for broadcast in await self.broadcasts.sending():
            tally = await self.outbox.tally(broadcast.batch)
            if tally_counts(tally)["waiting"]:
                continue
            async with self.units() as unit:
                await unit.outbox.enqueue([self.report(catalogue, broadcast, tally, 0, now)], now)
                await unit.broadcasts.update(replace(broadcast, state=BroadcastState.DONE))
                await unit.commit()
            reported += 1
        return reported

    def report(
        self,
        catalogue: Catalogue,
        broadcast: Broadcast,
        tally: Mapping[str, int],
        withdrawn: int,
        now: datetime,
    ) -> OutgoingMessage:
        """The report to the sender, in the language they wrote in."""
        speaker = self.translator.speaker(broadcast.language)
        return OutgoingMessage(
            key=report_key(broadcast),
            chat=broadcast.sender_chat,
            user=broadcast.sender,
            reply=report_reply(catalogue, broadcast, tally, speaker, withdrawn),
            due_at=now,
            category=NOTICE,
            activity=broadcast.activity,
        )
