"""The Matrix channel: the same assistant in Matrix rooms, encrypted ones included.

``tarjotin run`` starts it when ``TARJOTIN_MATRIX_HOMESERVER`` and ``TARJOTIN_MATRIX_USER`` plus
``TARJOTIN_MATRIX_PASSWORD`` or ``TARJOTIN_MATRIX_ACCESS_TOKEN`` are set; its login, sync token
and crypto store live in ``<data_dir>/matrix/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from bot.channels import Channel
    from bot.matrix.channel import MatrixConfig
    from bot.matrix.outbox_sender import MatrixOutbox
    from handlers.core.conversation import Conversation

__all__ = ["MatrixOutbox", "build_matrix_channel", "matrix_config"]


def __getattr__(name: str) -> object:
    """``MatrixOutbox`` on first use, so importing the package does not import nio."""
    if name == "MatrixOutbox":
        from bot.matrix.outbox_sender import MatrixOutbox

        return MatrixOutbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def matrix_config(settings: Settings) -> MatrixConfig:
    """The channel's configuration from the settings; :class:`ConfigError` if incomplete."""
    from bot.matrix.channel import MatrixConfig
    from bot.matrix.login import Account

    if not settings.matrix_enabled:
        raise ConfigError(
            "Matrix needs TARJOTIN_MATRIX_HOMESERVER, TARJOTIN_MATRIX_USER and "
            "TARJOTIN_MATRIX_PASSWORD or TARJOTIN_MATRIX_ACCESS_TOKEN"
        )
    assert settings.matrix_homeserver is not None
    assert settings.matrix_user is not None
    password, token = settings.matrix_password, settings.matrix_access_token
    account = Account(
        homeserver=settings.matrix_homeserver.rstrip("/"),
        user=settings.matrix_user,
        password=password.get_secret_value() if password else None,
        access_token=token.get_secret_value() if token else None,
    )
    return MatrixConfig(account=account, data_dir=settings.data_dir)


def build_matrix_channel(settings: Settings, conversation: Conversation) -> Channel:
    """The Matrix channel for ``tarjotin run`` (nio is imported only when Matrix is used)."""
    from bot.matrix.channel import MatrixChannel

    return MatrixChannel(matrix_config(settings), conversation)
