"""The command menu, registered once per language so each user sees it in their own.

The menu is generated from the flow table (:class:`handlers.core.flows.FlowTable`): every
advertised command with its flow's description, in the order of the table. Staff commands
carry no description, so they work when typed but are not shown to everyone.

Telegram picks the list by the user's two-letter ``language_code``; plain Finnish
(``fi-x-plain``) has no code of its own there, so Finnish speakers get the Finnish list. The
list without a language code (everyone else) is in the default language.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.core.flows import CommandSpec
from handlers.core.i18n import Speaker

log = logging.getLogger(__name__)

_TELEGRAM_CODE = re.compile(r"[a-z]{2}")


def telegram_language_codes() -> tuple[str, ...]:
    """The supported languages Telegram can name (two lower-case letters)."""
    return tuple(code for code in SUPPORTED_LANGUAGES if _TELEGRAM_CODE.fullmatch(code))


def command_list(commands: Sequence[CommandSpec], speaker: Speaker) -> list[BotCommand]:
    """The advertised ``commands``, described in the speaker's language, in menu order."""
    return [
        BotCommand(spec.name, speaker.gettext(spec.description))
        for spec in commands
        if spec.description is not None
    ]


def command_lists(
    commands: Sequence[CommandSpec], speaker: Callable[[str], Speaker], default_language: str
) -> dict[str, list[BotCommand]]:
    """The menu for each Telegram language code; ``""`` is the list for everyone else."""
    lists = {code: command_list(commands, speaker(code)) for code in telegram_language_codes()}
    lists[""] = command_list(commands, speaker(default_language))
    return lists


async def register_commands(
    bot: Bot,
    commands: Sequence[CommandSpec],
    speaker: Callable[[str], Speaker],
    default_language: str,
) -> int:
    """``setMyCommands`` for every language; gives how many lists were set.

    A failure is logged, not raised: a missing menu must not keep the bot from answering.
    """
    done = 0
    for code, menu in command_lists(commands, speaker, default_language).items():
        try:
            await bot.set_my_commands(menu, language_code=code or None)
            done += 1
        except TelegramError as error:
            log.warning("could not set the %r command menu: %s", code or "default", error)
    return done
