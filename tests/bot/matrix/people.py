"""A human-like Matrix client for end-to-end tests: it invites the bot, writes, reacts, reads.

It is a plain nio client on the real homeserver, with its own crypto store when it wants
encrypted rooms, so it sees exactly what a person's app would: the bot's notices, decrypted.
"""

from __future__ import annotations

import time
import urllib.parse
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinResponse,
    LoginResponse,
    MegolmEvent,
    RoomCreateResponse,
    RoomMessage,
    RoomSendResponse,
    SyncResponse,
)

from tests.matrix_server.synapse import MatrixUser, SynapseServer, request_json

MEGOLM = "m.megolm.v1.aes-sha2"
#: Never a gap in what the person reads, however many messages arrive between two syncs.
WHOLE_TIMELINE = {"room": {"timeline": {"limit": 500}}}


class Person:
    """One account with one logged-in device, driven step by step by a test."""

    def __init__(self, synapse: SynapseServer, user: MatrixUser, client: Any) -> None:
        self.synapse = synapse
        self.user = user
        self.client = client
        self.messages: dict[str, list[Any]] = defaultdict(list)
        self._read: dict[str, int] = defaultdict(int)

    @classmethod
    async def log_in(
        cls, synapse: SynapseServer, user: MatrixUser, store: Path | None = None
    ) -> Person:
        """Log in a new device; with a store directory, encryption is on."""
        if store is not None:
            store.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (a test's own tmp dir)
        client = AsyncClient(
            synapse.base_url,
            user.user_id,
            store_path=str(store) if store is not None else "",
            config=AsyncClientConfig(
                encryption_enabled=store is not None, store_sync_tokens=False
            ),
        )
        answer = await client.login(user.password, device_name="person")
        assert isinstance(answer, LoginResponse), answer
        person = cls(synapse, user, client)
        await person.sync(0)
        return person

    @property
    def user_id(self) -> str:
        return self.user.user_id

    async def close(self) -> None:
        await self.client.close()

    # --- syncing -----------------------------------------------------------------------------

    async def sync(self, timeout_ms: int = 300) -> Any:
        """One sync plus the key housekeeping nio's sync_forever would do."""
        client = self.client
        response = await client.sync(timeout=timeout_ms, sync_filter=WHOLE_TIMELINE)
        assert isinstance(response, SyncResponse), response
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                if isinstance(event, RoomMessage | MegolmEvent):
                    self.messages[room_id].append(event)
        if client.olm is not None:
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
            await client.send_to_device_messages()
        return response

    async def sync_until(self, found: Any, seconds: float = 20.0) -> Any:
        """Sync until ``found(response)`` is truthy; return it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            hit = found(await self.sync())
            if hit:
                return hit
        raise AssertionError(f"{self.user_id} waited {seconds} s in vain")

    def from_user(self, room_id: str, sender: str) -> list[Any]:
        """Every message ``sender`` wrote in a room, in order."""
        return [event for event in self.messages[room_id] if event.sender == sender]

    async def answers(
        self, room_id: str, bot: str, count: int = 1, seconds: float = 20.0
    ) -> list[Any]:
        """Wait for the bot's next ``count`` messages in a room (not returned before)."""
        deadline = time.monotonic() + seconds
        while True:
            fresh = self.from_user(room_id, bot)[self._read[room_id] :]
            if len(fresh) >= count:
                self._read[room_id] += count
                return fresh[:count]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} answer(s) from the bot, got {len(fresh)} in {seconds} s"
                )
            await self.sync()

    async def silence(self, room_id: str, bot: str, seconds: float) -> None:
        """Sync for a while and assert the bot said nothing new."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await self.sync()
        fresh = self.from_user(room_id, bot)[self._read[room_id] :]
        assert fresh == [], [event.source for event in fresh]

    # --- rooms -------------------------------------------------------------------------------

    async def create_room(
        self, invite: list[str], *, encrypted: bool, direct: bool = True
    ) -> str:
        """Create a private room inviting ``invite``; optionally encrypted from the start."""
        state = (
            [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}]
            if encrypted
            else []
        )
        answer = await self.client.room_create(
            is_direct=direct, invite=invite, initial_state=state
        )
        assert isinstance(answer, RoomCreateResponse), answer
        room_id: str = answer.room_id
        await self.sync(0)
        return room_id

    async def join(self, room_id: str) -> None:
        await self.sync_until(lambda response: room_id in response.rooms.invite)
        assert isinstance(await self.client.join(room_id), JoinResponse)
        await self.sync(0)

    async def wait_for_member(self, room_id: str, user_id: str) -> None:
        """Sync until ``user_id`` has joined the room (as this client sees it)."""

        def joined(_response: Any) -> bool:
            room = self.client.rooms.get(room_id)
            return room is not None and user_id in room.users and not room.users[user_id].invited

        await self.sync_until(joined)

    # --- writing -----------------------------------------------------------------------------

    async def send(
        self, room_id: str, content: dict[str, Any], kind: str = "m.room.message"
    ) -> str:
        answer = await self.client.room_send(
            room_id, kind, content, ignore_unverified_devices=True
        )
        assert isinstance(answer, RoomSendResponse), answer
        event_id: str = answer.event_id
        return event_id

    async def say(self, room_id: str, text: str, *, mention: str | None = None) -> str:
        """Write a text message; ``mention`` adds a pill and ``m.mentions`` as Element does."""
        content: dict[str, Any] = {"msgtype": "m.text", "body": text}
        if mention is not None:
            name = mention.removeprefix("@").split(":")[0]
            content["body"] = f"{name}: {text}"
            content["format"] = "org.matrix.custom.html"
            content["formatted_body"] = (
                f'<a href="https://matrix.to/#/{mention}">{name}</a>: {text}'
            )
            content["m.mentions"] = {"user_ids": [mention]}
        return await self.send(room_id, content)

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        return await self.send(room_id, content, "m.reaction")

    def send_raw(self, room_id: str, kind: str, content: dict[str, Any]) -> str:
        """Send an event exactly as given (no client-side encryption), through plain HTTP."""
        path = "/_matrix/client/v3/rooms/{}/send/{}/{}".format(
            urllib.parse.quote(room_id, safe=""), kind, uuid.uuid4().hex
        )
        answer = request_json(
            self.synapse.url(path), method="PUT", body=content, token=self.client.access_token
        )
        event_id: str = answer["event_id"]
        return event_id


def relation(event: Any) -> dict[str, Any]:
    """The ``m.relates_to`` of a (decrypted) event's content."""
    related: dict[str, Any] = event.source["content"].get("m.relates_to", {})
    return related


def replied_to(event: Any) -> str | None:
    """The event id a message replies to, if any."""
    reply = relation(event).get("m.in_reply_to")
    return reply.get("event_id") if isinstance(reply, dict) else None


def server_copy(synapse: SynapseServer, person: Person, room_id: str, event_id: str) -> Any:
    """The event as the homeserver stores it (ciphertext, for encrypted rooms)."""
    path = "/_matrix/client/v3/rooms/{}/event/{}".format(
        urllib.parse.quote(room_id, safe=""), urllib.parse.quote(event_id, safe="")
    )
    return request_json(synapse.url(path), token=person.client.access_token)
