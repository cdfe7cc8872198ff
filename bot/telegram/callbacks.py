"""Button data that fits Telegram's 64 bytes, says nothing to the client and cannot be forged.

A button carries ``(action, argument)`` for one user. The encoding is compact binary, in
URL-safe base64::

    mac (9 bytes) | header (1: version, packing, action) | issued hour (3) | argument

The argument (an activity, network or language id, a page number) is packed in base 37 when it
uses only ``a-z``, ``0-9`` and ``-`` (every catalogue id does: at most 48 characters, which
fit), else kept as UTF-8. The MAC is an HMAC-SHA256 over the rest and the Telegram user id,
with a secret kept in the data directory: a changed byte, another user's button or data from
another installation fails; data older than ``max_age`` is stale. The adapter answers every
such failure with the core's polite "no longer valid" reply and changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from bot.secret_file import load_or_create_secret as load_or_create_secret
from handlers.core.events import ActionKind

MAX_CALLBACK_BYTES: Final = 64
VERSION: Final = 1
MAC_BYTES: Final = 9
SECRET_FILE: Final = "telegram-callbacks.key"
"""The button-signing secret in the data directory (:func:`load_or_create_secret`); deleting
it invalidates every button already sent: they become stale."""


#: Hours are counted from here (3 bytes last until the 3900s).
EPOCH: Final = 1_704_067_200  # 2024-01-01T00:00:00Z

#: Button data older than this is stale.
DEFAULT_MAX_AGE: Final = 30 * 24 * 3600.0

#: Stable wire codes: never renumber, only add. The header has four bits for them (1..15), so
#: one code is left; a later action needs a new :data:`VERSION` with a wider header.
#: ``ActionKind.LINK`` has none: a link is a URL button, never callback data.
ACTION_CODES: Final[dict[ActionKind, int]] = {
    ActionKind.REMIND: 1,
    ActionKind.CONTACT: 2,
    ActionKind.MORE: 3,
    ActionKind.OTHER_DAY: 4,
    ActionKind.SHOW: 5,
    ActionKind.CHOOSE_LANGUAGE: 6,
    ActionKind.CHOOSE_NETWORK: 7,
    ActionKind.CONFIRM_FORGET: 8,
    ActionKind.CANCEL: 9,
    ActionKind.STOP_REMINDERS: 10,
    ActionKind.REMINDER_TIMES: 11,
    ActionKind.VOLUNTEER: 12,
    ActionKind.REQUEST: 13,
    ActionKind.STAFF: 14,
    ActionKind.FEEDBACK: 15,
}
_ACTIONS_BY_CODE: Final = {code: kind for kind, code in ACTION_CODES.items()}

#: The characters of catalogue ids; packed as bijective base-37 digits 1..37.
ID_ALPHABET: Final = "-0123456789abcdefghijklmnopqrstuvwxyz"
_DIGITS: Final = {ch: value for value, ch in enumerate(ID_ALPHABET, start=1)}
_HEADER_BYTES: Final = 1 + 3
_MAX_PAYLOAD: Final = MAX_CALLBACK_BYTES * 3 // 4 - MAC_BYTES - _HEADER_BYTES


class InvalidCallbackError(ValueError):
    """Button data that is malformed, forged, someone else's or too old."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnencodableError(ValueError):
    """An action that cannot be put in callback data (the button is left out)."""


class ArgumentTooLongError(UnencodableError):
    """An argument that does not fit in 64 bytes of callback data."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A verified button press: what to do and with what."""

    action: ActionKind
    argument: str


def pack_id(text: str) -> bytes:
    """An id of ``a-z0-9-`` as the shortest big-endian bytes of its bijective base-37 value."""
    value = 0
    for ch in reversed(text):
        value = value * 37 + _DIGITS[ch]
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def unpack_id(data: bytes) -> str:
    """The id :func:`pack_id` packed."""
    value = int.from_bytes(data, "big")
    chars = []
    while value:
        value, digit = divmod(value - 1, 37)
        chars.append(ID_ALPHABET[digit])
    return "".join(chars)


def packable(text: str) -> bool:
    """Whether ``text`` uses only the id alphabet."""
    return all(ch in _DIGITS for ch in text)


class CallbackCodec:
    """Signs and verifies button data for one installation (one secret)."""

    def __init__(
        self,
        secret: bytes,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the callback secret must have at least 16 bytes")
        self._secret = secret
        self._max_age = max_age
        self._clock = clock

    def encode(self, action: ActionKind, argument: str, telegram_user: int) -> str:
        """Button data for ``action`` with ``argument``, valid only for ``telegram_user``."""
        code = ACTION_CODES.get(action)
        if code is None:
            raise UnencodableError(f"no wire code for the {action.value!r} action")
        packed = packable(argument)
        body = pack_id(argument) if packed else argument.encode("utf-8")
        if len(body) > _MAX_PAYLOAD:
            raise ArgumentTooLongError(
                f"a {action.value} argument of {len(body)} bytes does not fit"
            )
        header = (VERSION << 5) | (int(packed) << 4) | code
        hour = max(0, int(self._clock() - EPOCH) // 3600)
        payload = bytes([header]) + hour.to_bytes(3, "big") + body
        return _text(self._mac(telegram_user, payload) + payload)

    def decode(self, data: str, telegram_user: int) -> Decoded:
        """The verified action and argument; :class:`InvalidCallbackError` when anything is off."""
        if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise InvalidCallbackError("malformed")
        try:
            padded = (data + "=" * (-len(data) % 4)).encode("ascii")
            raw = base64.b64decode(padded, altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise InvalidCallbackError("malformed") from None
        if _text(raw) != data or len(raw) < MAC_BYTES + _HEADER_BYTES:  # one spelling only
            raise InvalidCallbackError("malformed")
        mac, payload = raw[:MAC_BYTES], raw[MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(telegram_user, payload)):
            raise InvalidCallbackError("forged or foreign")
        header, hour, body = payload[0], int.from_bytes(payload[1:4], "big"), payload[4:]
        action = _ACTIONS_BY_CODE.get(header & 0x0F)
        if header >> 5 != VERSION or action is None:
            raise InvalidCallbackError("unknown version or action")
        age = self._clock() - (EPOCH + hour * 3600)
        if age > self._max_age + 3600 or age < -3600:
            raise InvalidCallbackError("stale")
        if header & 0x10:
            return Decoded(action, unpack_id(body))
        try:
            return Decoded(action, body.decode("utf-8"))
        except UnicodeDecodeError:
            raise InvalidCallbackError("malformed") from None

    def _mac(self, telegram_user: int, payload: bytes) -> bytes:
        message = b"tarjotin/callback\x00" + str(telegram_user).encode("ascii") + b"\x00" + payload
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:MAC_BYTES]


def _text(raw: bytes) -> str:
    """Unpadded URL-safe base64."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
