"""Where log lines go and how they look: text for a terminal, JSON lines for a log collector.

``TARJOTIN_LOG_FORMAT=text`` (the default) writes ``time level logger: message``;
``json`` writes one object per line with ``time`` (UTC, ISO 8601), ``level``, ``logger``,
``message`` and, when a line carries an exception, ``exception`` (its type) and
``traceback``. The privacy rules are the same in both: messages carry no message text, names
or raw platform ids (ids are pseudonyms, :mod:`bot.log_ids`), and the libraries that would log
updates, SQL parameters, tokens or message texts stay at WARNING whatever the level.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final, Literal

from bot import log_ids

LogFormat = Literal["text", "json"]

TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: Loggers kept at WARNING or above: at DEBUG python-telegram-bot logs whole updates and API
#: calls (ids, names, texts), SQLAlchemy and aiosqlite log SQL parameters, httpx logs URLs
#: with the bot token, nio logs events.
QUIET: Final = (
    "aiosqlite",
    "sqlalchemy",
    "alembic",
    "httpx",
    "httpcore",
    "nio",
    "apscheduler",
    "telegram",
    "tornado",
    "aiohttp",
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as compact JSON (non-ASCII kept as is)."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def log_handler(log_format: LogFormat, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing to ``stream`` (stderr by default) in ``log_format``."""
    handler = logging.StreamHandler(stream)
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    return handler


def quiet_libraries(level: str) -> dict[str, int]:
    """Keep :data:`QUIET` loggers at WARNING or above; returns their previous levels."""
    floor = max(logging.WARNING, logging.getLevelName(level))
    previous: Mapping[str, int] = {name: logging.getLogger(name).level for name in QUIET}
    for name in QUIET:
        logging.getLogger(name).setLevel(floor)
    return dict(previous)


def configure_logging(
    level: str, log_format: LogFormat = "text", data_dir: Path | None = None
) -> None:
    """Log to stderr at ``level`` in ``log_format``; ids pseudonymised with ``data_dir``'s key."""
    if data_dir is not None:
        log_ids.install(data_dir)
    logging.basicConfig(level=level, handlers=[log_handler(log_format)])
    quiet_libraries(level)
