"""Typed Matrix identifiers: a room, an event and a user id are not interchangeable strings.

matrix-nio hands them over as untyped attributes of its objects; they are wrapped here, where
nio's objects enter the adapter, so that mypy tells a room id passed where an event id belongs.
"""

from __future__ import annotations

from typing import Any, NewType

RoomId = NewType("RoomId", str)
"""``!opaque:server`` (room version 12: ``!opaque``)."""
EventId = NewType("EventId", str)
"""``$opaque``: one event, also a sent message's id."""
MatrixUserId = NewType("MatrixUserId", str)
"""``@localpart:server``."""


def room_id_of(room: Any) -> RoomId:
    """The id of nio's ``MatrixRoom`` (or anything with ``room_id``)."""
    return RoomId(str(room.room_id))


def event_id_of(event: Any) -> EventId:
    """The id of nio's event (or of a ``RoomSendResponse``)."""
    return EventId(str(event.event_id))


def sender_of(event: Any) -> MatrixUserId:
    """Who sent nio's event."""
    return MatrixUserId(str(event.sender))


NO_EVENT = EventId("")
"""The empty event id of a classification that has none (an ignored event)."""
NOBODY = MatrixUserId("")
"""The empty sender of a classification that has none."""
