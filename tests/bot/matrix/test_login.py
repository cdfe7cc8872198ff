"""The bot keeps one device: configured tokens, saved logins and password logins all reuse it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.matrix import build_matrix_channel, matrix_config
from bot.matrix.channel import MatrixChannel
from bot.matrix.login import MatrixLoginError
from bot.matrix.state import MatrixPaths, load_credentials
from handlers.core.conversation import Conversation
from tests.bot.matrix.conftest import BotStarter, PersonStarter, bot_config
from tests.matrix_server.fixtures import UserFactory
from tests.matrix_server.synapse import MatrixUser, SynapseServer, request_json


def device_ids(synapse: SynapseServer, user: MatrixUser) -> set[str]:
    answer = request_json(synapse.url("/_matrix/client/v3/devices"), token=user.access_token)
    return {device["device_id"] for device in answer["devices"]}


async def test_a_configured_access_token_is_used_with_its_own_device(
    synapse: SynapseServer,
    matrix_user: UserFactory,
    person: PersonStarter,
    conversation: Conversation,
    tmp_path: Path,
) -> None:
    user = matrix_user("bot")
    config = bot_config(synapse, user, tmp_path)
    token_only = replace(
        config, account=replace(config.account, password=None, access_token=user.access_token)
    )
    channel = MatrixChannel(token_only, conversation)
    await channel.start()
    try:
        assert channel.device_id == user.device_id
        assert device_ids(synapse, user) == {user.device_id}
        olga = await person("olga")
        room = await olga.create_room([channel.user_id], encrypted=False)
        (greeting,) = await olga.answers(room, channel.user_id)
        assert greeting.source["content"]["msgtype"] == "m.notice"
    finally:
        await channel.stop()


async def test_a_revoked_saved_login_logs_in_again_on_the_same_device(
    synapse: SynapseServer,
    matrix_user: UserFactory,
    start_bot: BotStarter,
    conversation: Conversation,
    tmp_path: Path,
) -> None:
    user = matrix_user("bot")
    first = await start_bot(user, tmp_path, conversation)
    device = first.device_id
    await first.stop()
    saved = load_credentials(MatrixPaths.in_data_dir(tmp_path).session)
    assert saved is not None
    assert saved.device_id == device
    request_json(synapse.url("/_matrix/client/v3/logout"), method="POST", body={},
                 token=saved.access_token)

    again = await start_bot(user, tmp_path, conversation)
    assert again.device_id == device
    renewed = load_credentials(MatrixPaths.in_data_dir(tmp_path).session)
    assert renewed is not None
    assert renewed.access_token != saved.access_token
    assert device_ids(synapse, user) == {user.device_id, device}


async def test_a_wrong_password_is_a_clear_error_without_the_secret(
    synapse: SynapseServer, matrix_user: UserFactory, conversation: Conversation, tmp_path: Path
) -> None:
    user = replace(matrix_user("bot"), password="not-the-password")
    channel = MatrixChannel(bot_config(synapse, user, tmp_path), conversation)
    with pytest.raises(MatrixLoginError) as caught:
        await channel.start()
    assert "not-the-password" not in str(caught.value)
    assert "M_FORBIDDEN" in str(caught.value)


def test_the_channel_is_built_from_the_settings(tmp_path: Path, conversation: Conversation) -> None:
    settings = Settings(
        data_dir=tmp_path,
        matrix_homeserver="https://matrix.example.org/",
        matrix_user="@tarjotin:example.org",
        matrix_password="hunter2",  # type: ignore[arg-type]
    )
    channel = build_matrix_channel(settings, conversation)
    assert channel.name == "matrix"
    config = matrix_config(settings)
    assert config.account.homeserver == "https://matrix.example.org"
    assert config.account.password == "hunter2"
    assert config.paths.root == tmp_path / "matrix"
    assert "hunter2" not in repr(config)


def test_incomplete_settings_are_refused(
    conversation: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    for secret in ("TARJOTIN_MATRIX_PASSWORD", "TARJOTIN_MATRIX_ACCESS_TOKEN"):
        monkeypatch.delenv(secret, raising=False)
    settings = Settings(matrix_homeserver="https://m.example.org", matrix_user="@t:example.org")
    with pytest.raises(ConfigError, match="TARJOTIN_MATRIX_PASSWORD"):
        build_matrix_channel(settings, conversation)
