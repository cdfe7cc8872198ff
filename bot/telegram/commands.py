"""The command menu, registered once per language so each user sees it in their own.

Telegram picks the list by the user's two-letter ``language_code``; plain Finnish
(``fi-x-plain``) has no code of its own there, so Finnish speakers get the Finnish list. The
list without a language code (everyone else) is in the default language.

The menu lists the newcomers' commands (:data:`~handlers.conversation.COMMANDS`) only: the
staff's (:data:`~handlers.conversation.STAFF_COMMANDS`) work when typed, but are not advertised
to everyone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.conversation import COMMANDS
from handlers.i18n import Speaker

log = logging.getLogger(__name__)

_TELEGRAM_CODE = re.compile(r"[a-z]{2}")


def telegram_language_codes() -> tuple[str, ...]:
    """The supported languages Telegram can name (two lower-case letters)."""
    return tuple(code for code in SUPPORTED_LANGUAGES if _TELEGRAM_CODE.fullmatch(code))


def descriptions(_: Callable[[str], str]) -> dict[str, str]:
    """What each command does, in the words of ``_`` (a gettext)."""
    return {
        "start": _("Start: choose language and municipality"),
        "help": _("What I can do"),
        "language": _("Change language"),
        "place": _("Change municipality"),
        "contact": _("Talk to a person"),
        "join": _("Bring your organisation to the network"),
        "mydata": _("See what I store about you"),
        "forget": _("Delete what I store about you"),
    }


def command_list(speaker: Speaker) -> list[BotCommand]:
    """Every command of the core, described in the speaker's language, in menu order."""
    described = descriptions(speaker.gettext)
    return [BotCommand(name, described[name]) for name in COMMANDS]


def command_lists(
    speaker: Callable[[str], Speaker], default_language: str
) -> dict[str, list[BotCommand]]:
    """The menu for each Telegram language code; ``""`` is the list for everyone else."""
    lists = {code: command_list(speaker(code)) for code in telegram_language_codes()}
    lists[""] = command_list(speaker(default_language))
    return lists


async def register_commands(
    bot: Bot, speaker: Callable[[str], Speaker], default_language: str
) -> int:
    """``setMyCommands`` for every language; gives how many lists were set.

    A failure is logged, not raised: a missing menu must not keep the bot from answering.
    """
    done = 0
    for code, commands in command_lists(speaker, default_language).items():
        try:
            await bot.set_my_commands(commands, language_code=code or None)
            done += 1
        except TelegramError as error:
            log.warning("could not set the %r command menu: %s", code or "default", error)
    return done
