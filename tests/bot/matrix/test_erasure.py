"""After /forget the Matrix channel's own state file names the person nowhere.

The end-to-end case on Synapse is in ``test_people_e2e.py`` (section 6); here, without a
homeserver: the settings' channel joins the erasure listeners, and a stopped channel scrubs the
saved file (the running one is the end-to-end test's).
"""

from __future__ import annotations

from pathlib import Path

from bot.bootstrap import configured_channels
from bot.config import Settings
from bot.erasures import Erasures
from bot.matrix.channel import MatrixChannel
from bot.matrix.ids import MatrixUserId, RoomId
from bot.matrix.state import ChannelState, load_state, save_state
from bot.matrix.translate import Offer, matrix_account
from handlers.core.conversation import Conversation
from handlers.core.events import Action, ActionKind, UserId

ANA = MatrixUserId("@ana:example.org")
PEKKA = MatrixUserId("@pekka:example.org")
ROOM = RoomId("!dm:example.org")
OFFER = Offer("$ask", (Action(ActionKind.CONFIRM_FORGET, "Yes"), Action(ActionKind.CANCEL, "No")))


def matrix_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        matrix_homeserver="https://matrix.example.org",
        matrix_user="@tarjotin:example.org",
        matrix_password="hunter2",  # type: ignore[arg-type]
    )


def saved_with_offers(channel: MatrixChannel) -> Path:
    paths = channel.config.paths
    paths.create()
    state = ChannelState()
    state.set_offer(ROOM, ANA, OFFER)
    state.set_offer(ROOM, PEKKA, OFFER)
    save_state(paths.state, state)
    return paths.state


def test_a_core_user_id_gives_the_matrix_account_only_for_matrix_users() -> None:
    assert matrix_account(UserId("matrix:@ana:example.org")) == ANA
    assert matrix_account(UserId("telegram:42")) is None
    assert matrix_account(UserId("matrix:")) is None


async def test_the_configured_channel_hears_of_erasures_and_scrubs_its_file(
    tmp_path: Path, conversation: Conversation
) -> None:
    erasures = Erasures()
    [channel] = configured_channels(matrix_settings(tmp_path), conversation, erasures)
    assert isinstance(channel, MatrixChannel)
    state = saved_with_offers(channel)
    assert str(ANA) in state.read_text("utf-8")

    await erasures.announce(UserId(f"matrix:{ANA}"))

    assert str(ANA) not in state.read_text("utf-8")
    kept = load_state(state)
    assert kept.offer(ROOM, ANA) is None
    assert kept.offer(ROOM, PEKKA) == OFFER


async def test_users_of_other_channels_and_a_missing_file_change_nothing(
    tmp_path: Path, conversation: Conversation
) -> None:
    [channel] = configured_channels(matrix_settings(tmp_path), conversation)
    assert isinstance(channel, MatrixChannel)
    await channel.user_erased(UserId(f"matrix:{ANA}"))  # no file yet: none is made
    assert not channel.config.paths.state.exists()
    state = saved_with_offers(channel)
    before = state.read_text("utf-8")
    await channel.user_erased(UserId("telegram:42"))
    assert state.read_text("utf-8") == before
