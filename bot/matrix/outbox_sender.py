"""Unprompted messages (reminders) through the Matrix channel, as :class:`OutboxSender`.

The drainer picks the message through the channel's one pacer (the channel charges it as it
sends) and decides when to retry, so this sender makes one attempt and reports how it went;
it never raises for the homeserver's errors and never waits out a rate limit itself. The message
is sent with a transaction id derived from the outbox row's idempotency key, so a retry after
a lost answer (or after a crash between sending and marking the row sent) is absorbed by the
homeserver: the same device repeating ``PUT /send/{txnId}`` gets the first event back.

A reminder's choices ("Stop these reminders") are rendered and remembered exactly like those
of an answer, so the person can pick one by number or by reaction. A delivered message is
reported with its event id, so that a reply to it (a coordinator answering a forwarded request)
can be matched; a room the bot was removed from answers ``M_FORBIDDEN``: blocked.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from bot.log_ids import key_label
from bot.matrix.channel import ChannelStoppedError, MatrixChannel, NotInRoomError, choice_hint
from bot.matrix.limits import TRANSIENT_ERRORS, Verdict, http_status, retry_after_ms, verdict
from bot.matrix.translate import notice_content, offered_actions, render
from handlers.core.events import ChatId, Reply
from handlers.core.ports import Outcome, SendOutcome

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
        return SendOutcome.delivered(str(getattr(response, "event_id", "") or ""))
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
        """Send ``reply`` as an ``m.notice`` into the room of ``chat``; one attempt.

        In a room with more people (a coordinator room) the reply goes without its numbered
        choices: they would be nobody's to pick.
        """
        room_id = matrix_room(chat)
        if room_id is None:
            return SendOutcome.failed("not a Matrix chat")
        channel = self.channel
        if not channel.running:
            return SendOutcome.transient("the Matrix channel is not running")
        actions = () if channel.is_group_room(room_id) else offered_actions(reply)
        hint = choice_hint(channel.conversation, reply.language) if actions else None
        plain, markup = render(reply, actions, hint, channel.conversation.flows.command_names)
        try:
            response = await channel.send_content(
                room_id,
                notice_content(plain, markup),
                transaction_id=transaction_id(idempotency_key),
                offer=actions,
            )
        except NotInRoomError:
            return SendOutcome.blocked("the bot is not in the room")
        except ChannelStoppedError:
            return SendOutcome.transient("the Matrix channel is not running")
        except TRANSIENT_ERRORS as error:
            return SendOutcome.transient(type(error).__name__)
        except Exception as error:
            log.warning("a Matrix outbox send failed (%s)", type(error).__name__)
            return SendOutcome.failed(type(error).__name__)
        wait = channel.config.retry.retry_after(retry_after_ms(response))
        outcome = outcome_of(response, retry_after=wait)
        if outcome.outcome is Outcome.DELIVERED:
            log.debug("outbox message %s delivered", key_label(idempotency_key))
        return outcome
