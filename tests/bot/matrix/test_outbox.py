"""The Matrix outbox sender's error mapping and bookkeeping, against a scripted nio client."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import ClientConnectionError
from nio import RoomSendError, RoomSendResponse

from bot.matrix.channel import MatrixChannel, MatrixConfig
from bot.matrix.ids import MatrixUserId, RoomId
from bot.matrix.login import Account
from bot.matrix.outbox_sender import MatrixOutbox, matrix_room, outcome_of, transaction_id
from handlers.core.conversation import Conversation
from handlers.core.events import Action, ActionKind, ChatId, Reply
from handlers.core.ports import Outcome, SendOutcome

ROOM = RoomId("!dm:localhost")
ANA = MatrixUserId("@ana:localhost")
CHAT = ChatId(f"matrix:{ROOM}")


def error(code: str | None, status: int | None = None, retry_after_ms: int | None = None) -> Any:
    response = RoomSendError("error", code, retry_after_ms=retry_after_ms)
    if status is not None:
        response.transport_response = SimpleNamespace(status=status)
    return response


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (RoomSendResponse("$e", ROOM), SendOutcome.delivered("$e")),
        (error("M_LIMIT_EXCEEDED", 429, 1500), SendOutcome.retry_after(7.0)),
        (error(None, 502), SendOutcome.transient("HTTP 502")),
        (error("M_UNKNOWN", 503), SendOutcome.transient("M_UNKNOWN")),
        (error("M_FORBIDDEN", 403), SendOutcome.blocked("M_FORBIDDEN")),
        (error("M_NOT_FOUND", 404), SendOutcome.failed("M_NOT_FOUND")),
        (error("M_BAD_JSON", 400), SendOutcome.failed("M_BAD_JSON")),
    ],
)
def test_homeserver_answers_map_to_outcomes(response: Any, expected: SendOutcome) -> None:
    assert outcome_of(response, retry_after=7.0) == expected


def test_chat_ids_and_transaction_ids() -> None:
    assert matrix_room(CHAT) == ROOM
    assert matrix_room(ChatId("telegram:12")) is None
    assert transaction_id("k1") == transaction_id("k1")
    assert transaction_id("k1") != transaction_id("k2")
    assert transaction_id("k1").isalnum()


@dataclass
class ScriptedClient:
    """Answers ``room_send`` from a script and records the transaction ids."""

    answers: list[Any]
    rooms: dict[str, Any] = field(default_factory=dict)
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def room_send(
        self, room_id: str, kind: str, content: dict[str, Any], **options: Any
    ) -> Any:
        self.sent.append((options["tx_id"], content))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def direct_room() -> Any:
    return SimpleNamespace(
        room_id=ROOM,
        encrypted=False,
        users={"@bot:localhost": None, ANA: None},
        invited_users={},
        joined_count=2,
        invited_count=0,
    )


def outbox_with(conversation: Conversation, tmp_path: Path, *answers: Any) -> MatrixOutbox:
    config = MatrixConfig(Account("http://localhost", "@bot:localhost", "pw"), tmp_path)
    channel = MatrixChannel(config, conversation)
    channel._client = ScriptedClient(list(answers), {ROOM: direct_room()})
    return MatrixOutbox(channel)


REMINDER = Reply("Reminder", "en", (Action(ActionKind.STOP_REMINDERS, "Stop", "7"),))


async def test_a_delivered_reminder_becomes_the_standing_offer(
    conversation: Conversation, tmp_path: Path
) -> None:
    outbox = outbox_with(conversation, tmp_path, RoomSendResponse("$r", ROOM))
    assert await outbox.send(CHAT, REMINDER, "key") == SendOutcome.delivered("$r")
    ((tx, content),) = outbox.channel._client.sent
    assert tx == transaction_id("key")
    assert content["msgtype"] == "m.notice"
    assert "Stop" in content["body"]
    offer = outbox.channel._state.offer(ROOM, ANA)
    assert offer is not None
    assert offer.event_id == "$r"
    assert [a.kind for a in offer.actions] == [ActionKind.STOP_REMINDERS]
    assert "$r" in outbox.channel._state.bot_events(ROOM)


async def test_failures_are_reported_never_raised(
    conversation: Conversation, tmp_path: Path
) -> None:
    outbox = outbox_with(
        conversation,
        tmp_path,
        ClientConnectionError("down"),
        error("M_LIMIT_EXCEEDED", 429, 1500),
        RuntimeError("unexpected"),
    )
    first = await outbox.send(CHAT, REMINDER, "key")
    second = await outbox.send(CHAT, REMINDER, "key")
    third = await outbox.send(CHAT, REMINDER, "key")
    assert first.outcome is Outcome.TRANSIENT
    assert second == SendOutcome.retry_after(1.5)
    assert third.outcome is Outcome.FAILED
    assert {tx for tx, _ in outbox.channel._client.sent} == {transaction_id("key")}
    assert outbox.channel._state.offer(ROOM, ANA) is None
    assert (await outbox.send(ChatId("matrix:!gone:localhost"), REMINDER, "k")).outcome is (
        Outcome.BLOCKED
    )
    assert (await outbox.send(ChatId("telegram:5"), REMINDER, "k")).outcome is Outcome.FAILED
