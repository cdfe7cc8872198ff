"""The Synapse harness works end to end with the real matrix-nio client the adapter uses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinResponse,
    LoginResponse,
    RoomCreateResponse,
    RoomMessageText,
    RoomSendError,
    RoomSendResponse,
    SyncResponse,
)

from tests.matrix_server.fixtures import UserFactory, unique_localpart
from tests.matrix_server.synapse import (
    MatrixHTTPError,
    MatrixUser,
    SynapseServer,
    registration_mac,
    request_json,
)

MEGOLM = "m.megolm.v1.aes-sha2"


class Session:
    """nio clients opened by one test, all closed at its end."""

    def __init__(self, synapse: SynapseServer) -> None:
        self.synapse = synapse
        self.clients: list[Any] = []

    async def login(
        self, user: MatrixUser, store: Path | None = None, *, max_limit_exceeded: int | None = None
    ) -> Any:
        """Log a user in with a password, as a bot does; with a store, with encryption on."""
        config = AsyncClientConfig(
            encryption_enabled=store is not None,
            store_sync_tokens=store is not None,
            max_limit_exceeded=max_limit_exceeded,
        )
        client = AsyncClient(
            self.synapse.base_url,
            user.user_id,
            store_path=str(store) if store is not None else "",
            config=config,
        )
        self.clients.append(client)
        answer = await client.login(user.password, device_name="tarjotin-test")
        assert isinstance(answer, LoginResponse), answer
        return client

    async def close(self) -> None:
        """Close every client's HTTP session and store."""
        for client in self.clients:
            await client.close()


@pytest.fixture
async def session(synapse: SynapseServer) -> AsyncIterator[Session]:
    opened = Session(synapse)
    try:
        yield opened
    finally:
        await opened.close()


async def sync_until(client: Any, found: Callable[[Any], Any], seconds: float = 15.0) -> Any:
    """Sync until ``found(response)`` returns something truthy; return it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = await client.sync(timeout=1000, full_state=False)
        assert isinstance(response, SyncResponse), response
        if client.should_upload_keys:
            await client.keys_upload()
        hit = found(response)
        if hit:
            return hit
    raise AssertionError(f"{client.user_id} saw nothing matching in {seconds} s")


def store_dir(parent: Path, name: str) -> Path:
    """Make an empty directory for one client's crypto store."""
    path = parent / name
    path.mkdir()
    return path


def timeline(response: Any, room_id: str) -> list[Any]:
    """Return the timeline events a sync response holds for one joined room."""
    room = response.rooms.join.get(room_id)
    return list(room.timeline.events) if room else []


def messages_in(room_id: str) -> Callable[[Any], list[Any]]:
    """Match plain (or decrypted) text messages in one room."""
    return lambda response: [
        e for e in timeline(response, room_id) if isinstance(e, RoomMessageText)
    ]


def invited_to(room_id: str) -> Callable[[Any], bool]:
    """Match a sync that carries an invite to one room."""
    return lambda response: room_id in response.rooms.invite


def joined(room_id: str, user_id: str) -> Callable[[Any], bool]:
    """Match a sync in which ``user_id`` is seen joining a room."""

    def match(response: Any) -> bool:
        return any(
            getattr(event, "state_key", None) == user_id and event.membership == "join"
            for event in timeline(response, room_id)
        )

    return match


async def create_room(client: Any, invitee: str, *, encrypted: bool) -> str:
    """Create a private DM room inviting one user; optionally with encryption from the start."""
    state = (
        [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}]
        if encrypted
        else []
    )
    answer = await client.room_create(is_direct=True, invite=[invitee], initial_state=state)
    assert isinstance(answer, RoomCreateResponse), answer
    room_id: str = answer.room_id
    return room_id


def test_listener_serves_the_client_api_on_loopback_only(synapse: SynapseServer) -> None:
    assert synapse.base_url.startswith("http://127.0.0.1:")
    versions = request_json(synapse.url("/_matrix/client/versions"))
    assert versions["versions"]
    for federation_path in ("/_matrix/federation/v1/version", "/_matrix/key/v2/server"):
        with pytest.raises(MatrixHTTPError) as caught:
            request_json(synapse.url(federation_path))
        assert caught.value.status == 404


def test_registration_rejects_a_wrong_shared_secret(synapse: SynapseServer) -> None:
    endpoint = synapse.url("/_synapse/admin/v1/register")
    nonce = request_json(endpoint)["nonce"]
    name = unique_localpart("intruder")
    with pytest.raises(MatrixHTTPError) as caught:
        request_json(
            endpoint,
            method="POST",
            body={
                "nonce": nonce,
                "username": name,
                "password": "pw",
                "admin": False,
                "mac": registration_mac("not-the-secret", nonce, name, "pw", admin=False),
            },
        )
    assert caught.value.status == 403


def test_factory_users_are_fresh_and_exempt_unless_asked(
    synapse: SynapseServer, matrix_user: UserFactory
) -> None:
    first, second = matrix_user("alice"), matrix_user("alice")
    limited = matrix_user("limited", rate_limited=True)
    assert len({first.user_id, second.user_id, limited.user_id}) == 3
    assert all(u.user_id.endswith(":localhost") for u in (first, second, limited))
    assert synapse.rate_limit_override(first.user_id) == {
        "messages_per_second": 0,
        "burst_count": 0,
    }
    assert synapse.rate_limit_override(limited.user_id) == {}
    whoami = request_json(
        synapse.url("/_matrix/client/v3/account/whoami"), token=first.access_token
    )
    assert whoami["user_id"] == first.user_id


async def test_direct_message_reaches_the_invited_user(
    session: Session, matrix_user: UserFactory
) -> None:
    alice_user, bob_user = matrix_user("alice"), matrix_user("bob")
    alice, bob = await session.login(alice_user), await session.login(bob_user)
    await sync_until(alice, lambda _: True)
    await sync_until(bob, lambda _: True)

    room_id = await create_room(alice, bob_user.user_id, encrypted=False)
    await sync_until(bob, invited_to(room_id))
    assert isinstance(await bob.join(room_id), JoinResponse)

    sent = await alice.room_send(
        room_id, "m.room.message", {"msgtype": "m.text", "body": "Onko kerho tiistaina?"}
    )
    assert isinstance(sent, RoomSendResponse), sent
    received = await sync_until(bob, messages_in(room_id))
    assert [(m.sender, m.body) for m in received] == [(alice_user.user_id, "Onko kerho tiistaina?")]
    assert received[0].event_id == sent.event_id


async def test_encrypted_message_is_decrypted_by_the_other_device(
    session: Session, matrix_user: UserFactory, tmp_path: Path
) -> None:
    alice_user, bob_user = matrix_user("alice"), matrix_user("bob")
    alice = await session.login(alice_user, store_dir(tmp_path, "alice"))
    bob = await session.login(bob_user, store_dir(tmp_path, "bob"))
    assert alice.olm is not None
    assert bob.olm is not None
    await sync_until(alice, lambda _: True)
    await sync_until(bob, lambda _: True)  # uploads bob's device and one-time keys

    room_id = await create_room(alice, bob_user.user_id, encrypted=True)
    await sync_until(bob, invited_to(room_id))
    assert isinstance(await bob.join(room_id), JoinResponse)
    await sync_until(bob, joined(room_id, bob_user.user_id))
    await sync_until(alice, joined(room_id, bob_user.user_id))
    assert alice.rooms[room_id].encrypted
    assert bob.rooms[room_id].encrypted

    for client, other in ((alice, bob_user), (bob, alice_user)):
        if client.should_query_keys:
            await client.keys_query()
        devices = list(client.device_store.active_user_devices(other.user_id))
        assert devices, f"{client.user_id} knows no device of {other.user_id}"
        for device in devices:
            client.verify_device(device)

    body = "Salainen: kielikahvila on keskiviikkona."
    sent = await alice.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body})
    assert isinstance(sent, RoomSendResponse), sent

    received = await sync_until(bob, messages_in(room_id))
    message = received[0]
    assert (message.sender, message.body) == (alice_user.user_id, body)
    assert message.decrypted
    assert message.event_id == sent.event_id
    on_server = request_json(
        session.synapse.url(f"/_matrix/client/v3/rooms/{room_id}/event/{sent.event_id}"),
        token=bob.access_token,
    )
    assert on_server["type"] == "m.room.encrypted"
    assert on_server["content"]["algorithm"] == MEGOLM
    assert body not in str(on_server)


async def burst(client: Any, room_id: str, count: int) -> list[Any]:
    """Send ``count`` messages back to back; stop at the first error."""
    answers = []
    for number in range(count):
        answer = await client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": f"viesti {number}"}
        )
        answers.append(answer)
        if not isinstance(answer, RoomSendResponse):
            break
    return answers


async def test_default_message_rate_limit_answers_limit_exceeded(
    session: Session, matrix_user: UserFactory
) -> None:
    limited_user, exempt_user = matrix_user("chatty", rate_limited=True), matrix_user("calm")
    # max_limit_exceeded=0: nio hands the 429 back instead of sleeping and retrying.
    limited = await session.login(limited_user, max_limit_exceeded=0)
    exempt = await session.login(exempt_user, max_limit_exceeded=0)
    for client in (limited, exempt):
        await sync_until(client, lambda _: True)

    room_id = await create_room(limited, exempt_user.user_id, encrypted=False)
    answers = await burst(limited, room_id, 40)
    refused = answers[-1]
    assert isinstance(refused, RoomSendError), answers
    assert refused.status_code == "M_LIMIT_EXCEEDED"
    assert refused.retry_after_ms is not None
    assert refused.retry_after_ms > 0
    assert len(answers) > 1  # the default burst lets a few through first

    await asyncio.sleep(refused.retry_after_ms / 1000)
    (after_wait,) = await burst(limited, room_id, 1)
    assert isinstance(after_wait, RoomSendResponse), after_wait

    own_room = await create_room(exempt, limited_user.user_id, encrypted=False)
    assert all(isinstance(a, RoomSendResponse) for a in await burst(exempt, own_room, 40))
