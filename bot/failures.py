"""What the ``tarjotin`` command says when it cannot go on: one paragraph and an exit code.

An operator or a coordinator who is not a programmer must never meet a traceback. Every
configuration or connection problem the command knows is a :class:`OperatorError`: a plain paragraph
that says what is wrong and what to do, and a distinct :class:`ExitCode` a script or a
supervisor can act on. :func:`explain` turns the exceptions the libraries raise (the database
driver, python-telegram-bot, matrix-nio) into failures; anything else becomes
:attr:`ExitCode.INTERNAL`, and ``tarjotin --debug`` shows the traceback besides.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """The exit status of ``tarjotin``; the README's table lists them for operators."""

    OK = 0
    INVALID_CATALOGUE = 1
    USAGE = 2
    INVALID_SETTING = 3
    UNSUPPORTED_DATABASE = 4
    DATABASE_UNREACHABLE = 5
    CATALOGUE_FILE = 6
    DEMO_REFUSED = 7
    TELEGRAM_UNREACHABLE = 8
    TELEGRAM_TOKEN = 9
    MATRIX_UNREACHABLE = 10
    MATRIX_LOGIN = 11
    COORDINATION_FILE = 12
    WITHDRAW_REFUSED = 13
    BACKUP = 14
    HTTP_PORT = 15
    SOURCE_UNREACHABLE = 16
    ARCHIVE_INVALID = 17
    ARCHIVE_NEWER = 18
    RESTORE_REFUSED = 19
    INTERNAL = 70
    INTERRUPTED = 130


class OperatorError(Exception):
    """A problem the operator can fix: ``paragraph`` says what and how; ``code`` is the exit."""

    def __init__(self, code: ExitCode, paragraph: str) -> None:
        super().__init__(paragraph)
        self.code = code
        self.paragraph = paragraph


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and every error it was raised from or during, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _loaded(module: str) -> Any:
    """A module only if something imported it already (an error of it cannot exist otherwise)."""
    return sys.modules.get(module)


def _telegram(error: BaseException) -> OperatorError | None:
    errors = _loaded("telegram.error")
    if errors is None:
        return None
    if isinstance(error, errors.InvalidToken):
        return OperatorError(
            ExitCode.TELEGRAM_TOKEN,
            "Telegram did not accept the bot token (TARJOTIN_TELEGRAM_TOKEN). Copy the token "
            "again from @BotFather (/mybots, then 'API Token'); if it was revoked there, set "
            "the new one. Nothing was started.",
        )
    if isinstance(error, errors.NetworkError):
        return OperatorError(
            ExitCode.TELEGRAM_UNREACHABLE,
            "Telegram's Bot API could not be reached (TARJOTIN_TELEGRAM_API_URL, or "
            "api.telegram.org when it is not set). Check that this machine can open HTTPS "
            "connections to it (a firewall or a proxy may block them) and that the address "
            "is right, then start again. Nothing was started.",
        )
    return None


def _matrix(error: BaseException) -> OperatorError | None:
    login = _loaded("bot.matrix.login")
    limits = _loaded("bot.matrix.limits")
    if login is not None and isinstance(error, login.MatrixLoginError):
        return OperatorError(
            ExitCode.MATRIX_LOGIN,
            "The Matrix homeserver refused to log the bot in "
            f"({error}). Check TARJOTIN_MATRIX_USER and TARJOTIN_MATRIX_PASSWORD (or "
            "TARJOTIN_MATRIX_ACCESS_TOKEN) against the account on the homeserver. Nothing was "
            "started.",
        )
    if limits is not None and isinstance(error, limits.GaveUpError):
        return OperatorError(
            ExitCode.MATRIX_UNREACHABLE,
            "The Matrix homeserver (TARJOTIN_MATRIX_HOMESERVER) could not be reached: it did "
            "not answer after several tries. Check the address (it starts with https://) and "
            "that this machine can connect to it, then start again. Nothing was started.",
        )
    return None


def _coordination(error: BaseException) -> OperatorError | None:
    module = _loaded("bot.coordination_file")
    if module is not None and isinstance(error, module.CoordinationError):
        return OperatorError(
            ExitCode.COORDINATION_FILE,
            f"The coordination file (TARJOTIN_COORDINATION_FILE) is not usable: {error}. "
            "Ids are written as the bot sees them (telegram:123456, matrix:@name:server); a "
            "coordinator can learn theirs by sending /whoami to the bot. Nothing was started.",
        )
    return None


def explain(error: BaseException) -> OperatorError | None:
    """The failure behind ``error`` (or anything it was raised from), if it is a known one."""
    for link in _chain(error):
        if isinstance(link, OperatorError):
            return link
        for known in (_telegram, _matrix, _coordination):
            failure = known(link)
            if failure is not None:
                return failure
    return None


def unexpected(error: BaseException) -> OperatorError:
    """The paragraph for an error nobody foresaw: a fault to report, not a setting to fix."""
    return OperatorError(
        ExitCode.INTERNAL,
        f"Tarjotin stopped on an unexpected error ({type(error).__name__}). This is a fault in "
        "Tarjotin rather than in your settings: run the same command again with --debug "
        "(tarjotin --debug ...) to see where it happened, and report it with that output.",
    )
