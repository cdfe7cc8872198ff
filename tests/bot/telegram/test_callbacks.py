"""Signed, compact, opaque callback data: round trips, and every kind of bad data refused."""

from __future__ import annotations

import base64
import os
import stat
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.callbacks import (
    ACTION_CODES,
    ID_ALPHABET,
    MAX_CALLBACK_BYTES,
    ArgumentTooLongError,
    CallbackCodec,
    Decoded,
    InvalidCallbackError,
    load_or_create_secret,
    pack_id,
    unpack_id,
)
from catalog.model import Catalogue
from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.core.events import ActionKind

SECRET = b"0123456789abcdef0123456789abcdef"
ANA, BOB = 1001, 7_000_000_001
LONGEST_ID = "a" + "-z9" * 15 + "yz"  # 48 characters, the format's maximum

ids = st.text(alphabet=ID_ALPHABET, max_size=48)
CHOICES = set(ActionKind) - {ActionKind.LINK}  # a link is a URL button, never callback data
actions = st.sampled_from(sorted(CHOICES))


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def codec(clock: Clock) -> CallbackCodec:
    return CallbackCodec(SECRET, clock=clock)


def size(data: str) -> int:
    return len(data.encode("utf-8"))


def test_every_action_kind_has_a_distinct_wire_code() -> None:
    assert set(ACTION_CODES) == CHOICES
    assert len(set(ACTION_CODES.values())) == len(CHOICES)
    assert all(1 <= code < 16 for code in ACTION_CODES.values())


@given(ids)
def test_ids_pack_and_unpack(text: str) -> None:
    assert unpack_id(pack_id(text)) == text
    assert len(pack_id(text)) <= 32


@given(actions, ids)
def test_round_trip_within_64_bytes(action: ActionKind, argument: str) -> None:
    codec = CallbackCodec(SECRET, clock=Clock())
    data = codec.encode(action, argument, ANA)
    assert size(data) <= MAX_CALLBACK_BYTES
    assert codec.decode(data, ANA) == Decoded(action, argument)


def test_every_demo_id_and_language_fits(codec: CallbackCodec, demo: Catalogue) -> None:
    arguments: list[str] = [a.id for a in demo.activities] + [n.id for n in demo.networks]
    arguments += [*SUPPORTED_LANGUAGES, LONGEST_ID, "", "12"]
    for argument in arguments:
        data = codec.encode(ActionKind.SHOW, argument, BOB)
        assert size(data) <= MAX_CALLBACK_BYTES
        assert codec.decode(data, BOB).argument == argument


def test_data_is_opaque(codec: CallbackCodec) -> None:
    data = codec.encode(ActionKind.CHOOSE_NETWORK, "kirkkonummi-kauniainen", ANA)
    assert "kirkkonummi" not in data
    assert "network" not in data
    assert set(data) <= set(string.ascii_letters + string.digits + "-_")


def test_other_arguments_go_as_utf8_up_to_the_limit(codec: CallbackCodec) -> None:
    for argument in ("Ä-ryhmä", "ID_With_Capitals", "x" * 35):
        assert codec.decode(codec.encode(ActionKind.SHOW, argument, ANA), ANA).argument == argument
    with pytest.raises(ArgumentTooLongError):
        codec.encode(ActionKind.SHOW, "ä" * 18, ANA)


def test_another_users_button_is_refused(codec: CallbackCodec) -> None:
    data = codec.encode(ActionKind.CONFIRM_FORGET, "", ANA)
    with pytest.raises(InvalidCallbackError):
        codec.decode(data, BOB)


def test_every_changed_character_is_detected(codec: CallbackCodec) -> None:
    data = codec.encode(ActionKind.CHOOSE_LANGUAGE, "ar", ANA)
    for index in range(len(data)):
        for replacement in "AB_-":
            if data[index] == replacement:
                continue
            forged = data[:index] + replacement + data[index + 1 :]
            with pytest.raises(InvalidCallbackError):
                codec.decode(forged, ANA)


def test_another_installations_buttons_are_refused(codec: CallbackCodec, clock: Clock) -> None:
    other = CallbackCodec(b"another-secret-of-32-bytes-long!", clock=clock)
    with pytest.raises(InvalidCallbackError):
        codec.decode(other.encode(ActionKind.MORE, "1", ANA), ANA)


@pytest.mark.parametrize(
    "data",
    ["", "x", "lang:fi", "a" * 65, "ää", "@@@@@@@@@@@@@@@@@@@@", "AAAAAAAAAAAAAAAAAAAAAA"],
)
def test_garbage_is_refused(codec: CallbackCodec, data: str) -> None:
    with pytest.raises(InvalidCallbackError):
        codec.decode(data, ANA)


def test_well_signed_data_of_an_unknown_version_is_refused(codec: CallbackCodec) -> None:
    import hashlib
    import hmac

    payload = bytes([(7 << 5) | 1]) + (100).to_bytes(3, "big")
    message = b"tarjotin/callback\x00" + str(ANA).encode() + b"\x00" + payload
    mac = hmac.new(SECRET, message, hashlib.sha256).digest()[:9]
    data = base64.urlsafe_b64encode(mac + payload).decode().rstrip("=")
    with pytest.raises(InvalidCallbackError, match="version"):
        codec.decode(data, ANA)


def test_old_buttons_go_stale(clock: Clock) -> None:
    codec = CallbackCodec(SECRET, max_age=7 * 24 * 3600, clock=clock)
    data = codec.encode(ActionKind.CHOOSE_NETWORK, "espoo", ANA)
    clock.now += 6 * 24 * 3600
    assert codec.decode(data, ANA).argument == "espoo"
    clock.now += 2 * 24 * 3600 + 7200
    with pytest.raises(InvalidCallbackError, match="stale"):
        codec.decode(data, ANA)


def test_buttons_from_the_future_are_refused(clock: Clock) -> None:
    codec = CallbackCodec(SECRET, clock=clock)
    clock.now += 10 * 3600
    data = codec.encode(ActionKind.MORE, "1", ANA)
    clock.now -= 10 * 3600
    with pytest.raises(InvalidCallbackError):
        codec.decode(data, ANA)


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        CallbackCodec(b"short")


def test_secret_is_created_owner_only_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "state" / "callbacks.key"
    first = load_or_create_secret(path)
    assert len(first) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create_secret(path) == first
    path.unlink()
    assert load_or_create_secret(path) != first


def test_a_damaged_secret_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "callbacks.key"
    path.write_text("not hex\n", encoding="ascii")
    with pytest.raises(ValueError, match="hex"):
        load_or_create_secret(path)
    path.write_text("abcd\n", encoding="ascii")
    with pytest.raises(ValueError, match="too short"):
        load_or_create_secret(path)
