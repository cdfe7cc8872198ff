"""What the Matrix channel keeps in the data directory so that a restart changes nothing.

``<data_dir>/matrix/`` holds:

* ``session.json`` – homeserver, user id, device id and access token (mode 0600), so every
  start reuses the same device and its keys instead of logging in a new one;
* ``state.json`` – the sync token of the last fully handled sync, the choices each user was
  last offered in each room, the bot's recent message ids per room (to recognise replies and
  reactions to them) and the ids of recently handled events (so that nothing is answered
  twice even if the process dies between answering and saving the token);
* ``crypto/`` – nio's Olm/Megolm store (SQLite) for that device.

After /forget (:meth:`~bot.matrix.channel.MatrixChannel.user_erased`) ``state.json`` is saved
without the person's offers, its only entries that name anyone; sent and handled events and
rooms are opaque ids. What stays in ``crypto/`` is what the homeserver publishes to everyone
sharing an encrypted room with the person: their Matrix id, device ids and device names, public
identity keys (Curve25519, Ed25519), the trust mark pinned on first use (:mod:`bot.matrix.trust`),
Olm sessions and inbound Megolm session keys of their devices (keys, no message text). nio has
no call to delete one user's devices, it fetches them again while the person is in a room with
the bot, and dropping a pinned key would let a substituted device be trusted on first use; so
they are kept, and they mean nothing to anyone without the homeserver's records of the person.

Files are replaced atomically (write, fsync, rename); a damaged ``state.json`` is moved aside
and the channel starts as on a first run rather than not at all.
"""

from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.matrix.ids import EventId, MatrixUserId, RoomId
from bot.matrix.translate import Offer
from handlers.core.events import Action, ActionKind

log = logging.getLogger(__name__)

STATE_VERSION = 1
MAX_OFFERS = 10_000
MAX_ROOMS = 10_000
SENT_PER_ROOM = 20
MAX_HANDLED = 2_000


@dataclass(frozen=True)
class MatrixPaths:
    """Where the channel's files live inside the data directory."""

    root: Path

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> MatrixPaths:
        """The Matrix folder of a data directory."""
        return cls(data_dir / "matrix")

    @property
    def session(self) -> Path:
        """The login: device id and access token."""
        return self.root / "session.json"

    @property
    def state(self) -> Path:
        """The sync token, offered choices and handled events."""
        return self.root / "state.json"

    @property
    def crypto(self) -> Path:
        """The encryption store of nio (Olm account, sessions, devices)."""
        return self.root / "crypto"

    def create(self) -> None:
        """Make the folders (private to the bot's user)."""
        self.crypto.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.root.chmod(0o700)


def write_atomically(path: Path, text: str, mode: int = 0o600) -> None:
    """Replace ``path`` with ``text`` so a crash leaves either the old or the new file."""
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


# --- the login ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """One logged-in device of the bot's account."""

    homeserver: str
    user_id: str
    device_id: str
    access_token: str

    def __repr__(self) -> str:
        return f"Credentials({self.homeserver!r}, {self.user_id!r}, {self.device_id!r}, ***)"


def load_credentials(path: Path) -> Credentials | None:
    """The saved login, or ``None`` when there is none (or it is unreadable)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        return Credentials(
            str(data["homeserver"]),
            str(data["user_id"]),
            str(data["device_id"]),
            str(data["access_token"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("ignoring an unreadable %s", path)
        return None


def save_credentials(path: Path, credentials: Credentials) -> None:
    """Save the login, readable by the bot's user only."""
    data = {
        "homeserver": credentials.homeserver,
        "user_id": credentials.user_id,
        "device_id": credentials.device_id,
        "access_token": credentials.access_token,
    }
    write_atomically(path, json.dumps(data, indent=2), mode=0o600)


# --- sync token, offers, handled events ------------------------------------------------------


class ChannelState:
    """The channel's memory between syncs and across restarts (bounded in size)."""

    def __init__(self) -> None:
        self.sync_token: str | None = None
        self._offers: OrderedDict[tuple[RoomId, MatrixUserId], Offer] = OrderedDict()
        self._sent: OrderedDict[RoomId, list[EventId]] = OrderedDict()
        self._handled: OrderedDict[EventId, None] = OrderedDict()

    # offers

    def offer(self, room_id: RoomId, user: MatrixUserId) -> Offer | None:
        """The choices ``user`` was last offered in ``room_id``."""
        return self._offers.get((room_id, user))

    def set_offer(self, room_id: RoomId, user: MatrixUserId, offer: Offer | None) -> None:
        """Replace (or with ``None`` withdraw) a user's standing choices in a room."""
        key = (room_id, user)
        self._offers.pop(key, None)
        if offer is not None:
            self._offers[key] = offer
            while len(self._offers) > MAX_OFFERS:
                self._offers.popitem(last=False)

    # the bot's own messages

    def bot_events(self, room_id: RoomId) -> frozenset[EventId]:
        """The bot's recent message ids in a room."""
        return frozenset(self._sent.get(room_id, ()))

    def remember_sent(self, room_id: RoomId, event_id: EventId) -> None:
        """Note a message the bot sent, so replies and reactions to it are recognised."""
        sent = self._sent.pop(room_id, [])
        sent.append(event_id)
        self._sent[room_id] = sent[-SENT_PER_ROOM:]
        while len(self._sent) > MAX_ROOMS:
            self._sent.popitem(last=False)

    def forget_user(self, user: MatrixUserId) -> int:
        """Drop every standing offer of ``user`` (after /forget); returns how many there were.

        Offers are the only entries that name a person: sent and handled events are opaque
        event ids, rooms opaque room ids.
        """
        mine = [key for key in self._offers if key[1] == user]
        for key in mine:
            del self._offers[key]
        return len(mine)

    def forget_room(self, room_id: RoomId) -> None:
        """Drop everything about a room the bot has left."""
        self._sent.pop(room_id, None)
        for key in [key for key in self._offers if key[0] == room_id]:
            del self._offers[key]

    # handled events

    def handled(self, event_id: EventId) -> bool:
        """Whether an event was already handled (a replayed sync must not answer twice)."""
        return event_id in self._handled

    def mark_handled(self, event_id: EventId) -> None:
        """Remember that an event was handled."""
        self._handled[event_id] = None
        self._handled.move_to_end(event_id)
        while len(self._handled) > MAX_HANDLED:
            self._handled.popitem(last=False)

    # serialisation

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form of the state."""
        return {
            "version": STATE_VERSION,
            "sync_token": self.sync_token,
            "offers": [
                {
                    "room": room,
                    "user": user,
                    "event": offer.event_id,
                    "actions": [[a.kind.value, a.argument, a.label] for a in offer.actions],
                }
                for (room, user), offer in self._offers.items()
            ],
            "sent": dict(self._sent),
            "handled": list(self._handled),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChannelState:
        """Rebuild the state from :meth:`to_json` output; raise ``ValueError`` if malformed."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown state version {data.get('version')!r}")
        state = cls()
        token = data.get("sync_token")
        state.sync_token = token if isinstance(token, str) else None
        try:
            for item in data.get("offers", []):
                actions = tuple(
                    Action(ActionKind(kind), str(label), str(argument))
                    for kind, argument, label in item["actions"]
                )
                state.set_offer(
                    RoomId(str(item["room"])),
                    MatrixUserId(str(item["user"])),
                    Offer(str(item["event"]), actions),
                )
            for room, events in dict(data.get("sent", {})).items():
                for event_id in events:
                    state.remember_sent(RoomId(str(room)), EventId(str(event_id)))
            for event_id in data.get("handled", []):
                state.mark_handled(EventId(str(event_id)))
        except (KeyError, TypeError) as error:
            raise ValueError(f"malformed state: {type(error).__name__}") from None
        return state


def load_state(path: Path) -> ChannelState:
    """The saved state; an empty one on a first run or when the file is damaged."""
    try:
        return ChannelState.from_json(json.loads(path.read_text("utf-8")))
    except FileNotFoundError:
        return ChannelState()
    except (OSError, ValueError) as error:
        aside = path.with_name(path.name + ".damaged")
        log.warning("moving a damaged %s aside to %s (%s)", path, aside, error)
        try:
            path.replace(aside)
        except OSError:
            log.warning("could not move %s aside", path)
        return ChannelState()


def save_state(path: Path, state: ChannelState) -> None:
    """Save the state atomically."""
    write_atomically(path, json.dumps(state.to_json(), ensure_ascii=False))
