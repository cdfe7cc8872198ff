"""Unprompted messages (reminders) through the Matrix channel, as :class:`OutboxSender`.

The outbox decides when to retry, so this sender makes one attempt and reports how it went; it
never raises for the homeserver's errors and never waits out a rate limit itself. The message
is sent with a transaction id derived from the outbox row's idempotency key, so a retry after
a lost answer (or after a crash between sending and marking the row sent) is absorbed by the
homeserver: the same device repeating ``PUT /send/{txnId}`` gets the first event back.

A reminder's choices ("Stop these reminders") are rendered and remembered exactly like those
of an answer, so the person can pick one by number or by reaction.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from nio import ErrorResponse

from bot.matrix.channel import MatrixChannel, choice_hint
from bot.matrix.limits import TRANSIENT_ERRORS, Verdict, http_status, verdict
from bot.matrix.translate import Offer, is_direct, notice_content, offered_actions, render
from bot.matrix.trust import trust_on_first_use
from handlers.events import Action, ChatId, Reply
from handlers.ports import SendOutcome

log = logging.getLogger(__name__)

PLATFORM = "matrix"
#: Errors meaning the bot may no longer post in the room: the person left or banned it.
BLOCKING_CODES = frozenset({"M_FORBIDDEN"})


def matrix_room(chat: ChatId) -> str | None:
    """The room id in ``matrix:<room id>``, or ``None`` for another platform's chat."""
    platform, _, room_id = chat.partition(":")
    if platform != PLATFORM or not room_id.startswith("!"):
        return None
    return room_id


def transaction_id(idempotency_key: str) -> str:
    """A stable transaction id for one outbox message (URL-safe, same on every retry)."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def outcome_of(response: Any, *, retry_after: float) -> SendOutcome:
    """Map a nio send response to a :class:`SendOutcome`.

    ``retry_after`` is the wait to report when rate-limited (already read from the response).
    """
    found = verdict(response)
    if found is Verdict.DONE:
        return SendOutcome.delivered()
    if found is Verdict.RATE_LIMITED:
        return SendOutcome.retry_after(retry_after)
    code = str(getattr(response, "status_code", "") or "")
    status = http_status(response)
    if found is Verdict.TRANSIENT:
        return SendOutcome.transient(code or f"HTTP {status}")
    if code in BLOCKING_CODES or status == 403:
        return SendOutcome.blocked(code or "forbidden")
    return SendOutcome.failed(code or f"HTTP {status}")


class MatrixOutbox:
    """Sends one outbox message into a Matrix room through a running channel."""

    def __init__(self, channel: MatrixChannel) -> None:
        self.channel = channel

    async def send(self, chat: ChatId, reply: Reply, idempotency_key: str) -> SendOutcome:
        """Send ``reply`` as an ``m.notice`` into the room of ``chat``; one attempt."""
        room_id = matrix_room(chat)
        if room_id is None:
            return SendOutcome.failed(f"not a Matrix chat: {chat}")
        client = self.channel._client
        if client is None:
            return SendOutcome.transient("the Matrix channel is not running")
        room = client.rooms.get(room_id)
        if room is None:
            return SendOutcome.blocked("the bot is not in the room")
        actions = offered_actions(reply)
        hint = choice_hint(self.channel.conversation, reply.language) if actions else None
        plain, markup = render(reply, actions, hint)
        try:
            if room.encrypted:
                if client.should_query_keys:
                    await client.keys_query()
                trust_on_first_use(client, (*room.users, *room.invited_users))
            response = await client.room_send(
                room_id,
                "m.room.message",
                notice_content(plain, markup),
                tx_id=transaction_id(idempotency_key),
                ignore_unverified_devices=True,
            )
        except TRANSIENT_ERRORS as error:
            return SendOutcome.transient(type(error).__name__)
        except Exception as error:
            log.warning("a Matrix outbox send failed (%s)", type(error).__name__)
            return SendOutcome.failed(type(error).__name__)
        wait = self.channel.config.retry.retry_after(getattr(response, "retry_after_ms", None))
        outcome = outcome_of(response, retry_after=wait)
        if not isinstance(response, ErrorResponse):
            self._remember(room, str(response.event_id), actions)
            log.debug("outbox message %s delivered", idempotency_key)
        return outcome

    def _remember(self, room: Any, event_id: str, actions: tuple[Action, ...]) -> None:
        """Remember the event as the bot's; in a direct room its choices become the offer."""
        state = self.channel._state
        state.remember_sent(room.room_id, event_id)
        if not actions or not is_direct(room.joined_count, room.invited_count):
            return
        bot = self.channel.user_id
        for user in (*room.users, *room.invited_users):
            if user != bot:
                state.set_offer(room.room_id, user, Offer(event_id, actions))
