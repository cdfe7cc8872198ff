"""The channel's memory survives a restart, stays bounded, and a damaged file is survivable."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from bot.matrix.ids import EventId, MatrixUserId, RoomId
from bot.matrix.state import (
    MAX_HANDLED,
    SENT_PER_ROOM,
    ChannelState,
    Credentials,
    MatrixPaths,
    load_credentials,
    load_state,
    save_credentials,
    save_state,
)
from bot.matrix.translate import Offer
from handlers.core.events import Action, ActionKind

ROOM_A = RoomId("!a:x")
ANA = MatrixUserId("@ana:x")
PEKKA = MatrixUserId("@pekka:x")

MENU = Offer(
    "$menu",
    (
        Action(ActionKind.CHOOSE_NETWORK, "Espoo", "espoo"),
        Action(ActionKind.CHOOSE_LANGUAGE, "Change language"),
    ),
)


def filled() -> ChannelState:
    state = ChannelState()
    state.sync_token = "s72594_4483_1934"
    state.set_offer(ROOM_A, ANA, MENU)
    state.remember_sent(ROOM_A, EventId("$menu"))
    state.mark_handled(EventId("$question"))
    return state


def test_state_round_trips_through_its_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    save_state(path, filled())
    loaded = load_state(path)
    assert loaded.sync_token == "s72594_4483_1934"
    assert loaded.offer(ROOM_A, ANA) == MENU
    assert loaded.offer(ROOM_A, PEKKA) is None
    assert loaded.bot_events(ROOM_A) == {"$menu"}
    assert loaded.handled(EventId("$question"))
    assert not loaded.handled(EventId("$other"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_first_run_has_an_empty_state(tmp_path: Path) -> None:
    state = load_state(tmp_path / "missing.json")
    assert state.sync_token is None
    assert state.bot_events(ROOM_A) == frozenset()


def test_a_damaged_file_is_moved_aside_and_the_channel_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"version": 1, "offers": [{"room": 1}]')
    assert load_state(path).sync_token is None
    assert not path.exists()
    assert (tmp_path / "state.json.damaged").exists()
    path.write_text(json.dumps({"version": 99}))
    assert load_state(path).sync_token is None


def test_offers_are_replaced_withdrawn_and_forgotten_with_the_room() -> None:
    state = filled()
    state.set_offer(ROOM_A, ANA, None)
    assert state.offer(ROOM_A, ANA) is None
    state = filled()
    state.forget_room(ROOM_A)
    assert state.offer(ROOM_A, ANA) is None
    assert state.bot_events(ROOM_A) == frozenset()


def test_forgetting_a_user_drops_their_offers_in_every_room_and_only_theirs(
    tmp_path: Path,
) -> None:
    state = filled()
    room_b = RoomId("!b:x")
    state.set_offer(room_b, ANA, MENU)
    state.set_offer(ROOM_A, PEKKA, MENU)
    assert state.forget_user(ANA) == 2
    assert state.forget_user(ANA) == 0
    path = tmp_path / "state.json"
    save_state(path, state)
    assert "@ana" not in path.read_text("utf-8")
    loaded = load_state(path)
    assert loaded.offer(ROOM_A, ANA) is None
    assert loaded.offer(room_b, ANA) is None
    assert loaded.offer(ROOM_A, PEKKA) == MENU
    assert loaded.bot_events(ROOM_A) == {"$menu"}  # the room's own memory stays


def test_memory_is_bounded() -> None:
    state = ChannelState()
    for number in range(SENT_PER_ROOM + 5):
        state.remember_sent(ROOM_A, EventId(f"${number}"))
    assert len(state.bot_events(ROOM_A)) == SENT_PER_ROOM
    assert f"${SENT_PER_ROOM + 4}" in state.bot_events(ROOM_A)
    assert "$0" not in state.bot_events(ROOM_A)
    for number in range(MAX_HANDLED + 1):
        state.mark_handled(EventId(f"$h{number}"))
    assert not state.handled(EventId("$h0"))
    assert state.handled(EventId(f"$h{MAX_HANDLED}"))


def test_credentials_are_private_and_never_shown(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    credentials = Credentials("http://hs", "@bot:hs", "DEVICE", "syt_secret_token")
    assert load_credentials(path) is None
    save_credentials(path, credentials)
    assert load_credentials(path) == credentials
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "syt_secret_token" not in repr(credentials)
    path.write_text("{}")
    assert load_credentials(path) is None


def test_paths_live_in_the_data_directory(tmp_path: Path) -> None:
    paths = MatrixPaths.in_data_dir(tmp_path)
    paths.create()
    assert paths.crypto.is_dir()
    assert paths.session.parent == paths.state.parent == tmp_path / "matrix"
    assert stat.S_IMODE(paths.root.stat().st_mode) == 0o700
