"""Checks made before the bot starts, each failing as one paragraph (:class:`OperatorError`).

The settings are checked before anything is opened (a database URL the project cannot use,
a catalogue file that is not there); the database is opened with its connection problems
explained; and a bot that would serve the invented demo catalogue to real people on Telegram
or Matrix refuses to start unless ``TARJOTIN_DEMO=true`` says it is meant.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.bootstrap import App, build_app, demo_catalogue_path, is_demo
from bot.config import Settings
from bot.failures import ExitCode, OperatorError
from bot.storage.database import database_url
from catalog.parse import load_catalogue

SUPPORTED_BACKENDS = {"sqlite": ("aiosqlite",), "postgresql": ("asyncpg",)}
"""The databases and async drivers Tarjotin runs on (``postgres://`` is PostgreSQL)."""

DEMO_REFUSAL = (
    "Refusing to start: Telegram or Matrix is configured, but the catalogue is the invented "
    "demo catalogue, and real newcomers would be shown activities that do not exist. Load "
    "your municipality's catalogue first, either with 'tarjotin import my-catalogue.yaml' "
    "(it stays in the database) or by setting TARJOTIN_CATALOG_FILE=my-catalogue.yaml before "
    "the first start; 'catalog/data/FORMAT.md' describes the format. To show the demo on "
    "purpose (a trial bot, a presentation), set TARJOTIN_DEMO=true."
)


def _backend(url: URL) -> tuple[str, str | None]:
    name = url.get_backend_name()
    backend = "postgresql" if name == "postgres" else name
    driver = url.drivername.partition("+")[2] or None
    return backend, driver


def safe_location(url: URL) -> str:
    """Where a database URL points, without user or password: ``host:port/name`` or the file."""
    if url.get_backend_name() == "sqlite":
        return url.database or "an in-memory database"
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"{host}{port}/{url.database or ''}"


def check_database_url(settings: Settings) -> None:
    """Refuse a ``TARJOTIN_DATABASE_URL`` that is not SQLite or PostgreSQL (or not a URL)."""
    if settings.database_url is None:
        return
    text = settings.database_url.get_secret_value().strip()
    try:
        url = make_url(text)
    except ArgumentError:
        raise OperatorError(
            ExitCode.UNSUPPORTED_DATABASE,
            "TARJOTIN_DATABASE_URL is not a database URL. Write it like "
            "postgresql://user:password@host:5432/tarjotin, or leave it unset to keep the "
            "data in an SQLite file in the data directory (TARJOTIN_DATA_DIR).",
        ) from None
    backend, driver = _backend(url)
    drivers = SUPPORTED_BACKENDS.get(backend)
    if drivers is None or (driver is not None and driver not in drivers):
        shown = url.drivername
        raise OperatorError(
            ExitCode.UNSUPPORTED_DATABASE,
            f"TARJOTIN_DATABASE_URL names a {shown} database, which Tarjotin does not support. "
            "Use PostgreSQL (postgresql://user:password@host:5432/tarjotin) or leave the "
            "variable unset to keep the data in an SQLite file in the data directory.",
        )


def check_catalogue_file(path: Path | None, variable: str = "TARJOTIN_CATALOG_FILE") -> None:
    """Refuse a catalogue file that is missing or cannot be read, before anything starts."""
    if path is None:
        return
    if not path.exists():
        problem = "does not exist"
    elif not path.is_file():
        problem = "is not a file"
    elif not os.access(path, os.R_OK):
        problem = "cannot be read by this user (check its permissions)"
    else:
        return
    raise OperatorError(
        ExitCode.CATALOGUE_FILE,
        f"The catalogue file {path} ({variable}) {problem}. Give the path of your "
        "municipality's catalogue in the tarjotin/1 format (YAML or JSON), relative to the "
        "directory Tarjotin is started in, or an absolute one.",
    )


def check_settings(settings: Settings) -> None:
    """Everything about the settings that can be checked without opening anything."""
    check_database_url(settings)
    check_catalogue_file(settings.catalog_file)


async def open_app(settings: Settings) -> App:
    """:func:`build_app`, with a database that cannot be opened explained in one paragraph."""
    secret = settings.database_url.get_secret_value() if settings.database_url else None
    url = make_url(database_url(settings.data_dir, secret))
    try:
        return await build_app(settings)
    except (OSError, TimeoutError, SQLAlchemyError) as error:
        raise database_failure(url, error) from error


def database_failure(url: URL, error: BaseException) -> OperatorError:
    """The paragraph for a database that could not be opened or upgraded."""
    reason = type(error).__name__
    if isinstance(error, OSError) and error.strerror:
        reason = error.strerror
    where = safe_location(url)
    if url.get_backend_name() == "sqlite":
        return OperatorError(
            ExitCode.DATABASE_UNREACHABLE,
            f"The SQLite database {where} could not be opened ({reason}). Check that the data "
            "directory (TARJOTIN_DATA_DIR) exists or can be created, that it is writable by "
            "the user Tarjotin runs as, and that the disk is not full.",
        )
    return OperatorError(
        ExitCode.DATABASE_UNREACHABLE,
        f"The PostgreSQL database at {where} could not be reached or refused the connection "
        f"({reason}). Check that the server is running and accepts connections from this "
        "machine, and that the host, port, database name, user and password in "
        "TARJOTIN_DATABASE_URL are right.",
    )


async def serves_demo(app: App) -> bool:
    """Whether ``tarjotin run`` would offer the demo catalogue (read, nothing written).

    An empty database is filled from ``TARJOTIN_CATALOG_FILE``, or the demo when none is
    set; a filled one serves what it holds.
    """
    demo = load_catalogue(demo_catalogue_path())
    if await app.catalog_store.is_empty():
        source = app.settings.catalog_file
        return source is None or is_demo(load_catalogue(source), demo)
    return is_demo(await app.catalog_store.load(), demo)


async def refuse_demo(app: App) -> None:
    """Stop a bot with a chat channel that would serve the demo, unless it is meant."""
    settings = app.settings
    if settings.demo or not (settings.telegram_enabled or settings.matrix_enabled):
        return
    if await serves_demo(app):
        raise OperatorError(ExitCode.DEMO_REFUSED, DEMO_REFUSAL)


def check_inbox_settings(settings: Settings) -> None:
    """The inbox needs the webhook on the HTTP server and one secret shared by every instance."""
    if not settings.telegram_inbox:
        return
    if not (settings.telegram_enabled and settings.telegram_webhook_url and settings.http_enabled):
        raise OperatorError(
            ExitCode.INVALID_SETTING,
            "TARJOTIN_TELEGRAM_INBOX=true stores Telegram's webhook updates in the database, "
            "so it needs TARJOTIN_TELEGRAM_TOKEN, TARJOTIN_TELEGRAM_WEBHOOK_URL and the HTTP "
            "server (TARJOTIN_HTTP_PORT not 0). Set them, or leave the inbox off for long "
            "polling. Nothing was started.",
        )
    if settings.telegram_webhook_secret is None:
        raise OperatorError(
            ExitCode.INVALID_SETTING,
            "TARJOTIN_TELEGRAM_INBOX=true is meant for several instances behind one load "
            "balancer: each of them registers the webhook, so they must share one secret. Set "
            "TARJOTIN_TELEGRAM_WEBHOOK_SECRET to the same random value on every instance. "
            "Nothing was started.",
        )
