"""One typed settings object, read from ``TARJOTIN_*`` variables and optionally a file.

Validated once at start; secrets are :class:`~pydantic.SecretStr` so they never appear in a
repr, a log line or an error message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from catalog.vocabulary import SUPPORTED_LANGUAGES

CONFIG_FILE_VARIABLE = "TARJOTIN_CONFIG_FILE"
MAX_CATALOGUE_MB = 4096
"""No catalogue file limit may be set above this (4 GiB): a bound that is no bound at all."""


class ConfigError(Exception):
    """The configuration is not usable; the message says which variable and why."""


class Settings(BaseSettings):
    """Everything the bot can be configured with. Field ``x`` is the variable ``TARJOTIN_X``."""

    model_config = SettingsConfigDict(
        env_prefix="TARJOTIN_", extra="ignore",
        case_sensitive=False,
        frozen=True,
        env_ignore_empty=True,
        env_file_encoding="utf-8",
    )

    data_dir: Path = Path("data")
    database_url: SecretStr | None = None
    catalog_file: Path | None = None
    catalogue_max_mb: int = 64
    """The largest catalogue file imported, in MiB (``tarjotin import --max-size`` wins)."""
    default_language: str = "en"
    default_network: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    demo: bool = False
    """Allow ``tarjotin run`` to serve the invented demo catalogue on Telegram or Matrix."""

    http_listen: str = "127.0.0.1"
    """Where the HTTP server (health, readiness, metrics, webhook) listens; 0.0.0.0 in a
    container, where 127.0.0.1 is unreachable from outside."""
    http_port: int = 8080
    """The HTTP server's port; 0 turns it off."""
    public_url: str | None = None
    """The address the HTTP server is reached at from outside (``https://tarjotin.example.fi``):
    calendar links are built from it; without it no calendar link is offered."""

    log_format: Literal["text", "json"] = "text"
    """``text`` for a terminal, ``json`` (one object per line) for a log collector."""

    telegram_token: SecretStr | None = None
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: SecretStr | None = None
    telegram_inbox: bool = False
    """Store webhook updates in the database before acknowledging them and answer them through
    the outbox, so that several instances can take webhook posts behind one load balancer."""
    inbox_claim_seconds: float = 30.0
    """How long an instance holds a chat's inbox without renewing: after it died, another
    instance takes its chats over this long after."""

    matrix_homeserver: str | None = None
    matrix_user: str | None = None
    matrix_password: SecretStr | None = None
    matrix_access_token: SecretStr | None = None

    coordination_file: Path | None = None
    """YAML naming each network's coordinators, coordinator chats and e-mail addresses."""
    request_raise_hours: float = 24.0
    """A contact request unanswered this long is raised again in the coordinator chat."""
    request_retention_days: int = 180
    """Closed requests are deleted this many days after closing."""
    demand_retention_days: int = 730
    """Anonymous counters of what newcomers ask for are kept this many days (two years)."""
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "tarjotin@localhost"
    smtp_starttls: bool = False

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @field_validator("catalogue_max_mb")
    @classmethod
    def _megabytes(cls, value: int) -> int:
        if not 0 < value <= MAX_CATALOGUE_MB:
            raise ValueError(f"must be a number of MB from 1 to {MAX_CATALOGUE_MB}")
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_in_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("telegram_webhook_port", "smtp_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("must be a TCP port between 1 and 65535")
        return value

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be a web address starting with https:// (or http://)")
        return value.rstrip("/") if value is not None else None

    @field_validator("inbox_claim_seconds")
    @classmethod
    def _claim(cls, value: float) -> float:
        if not 1.0 <= value <= 3600.0:
            raise ValueError("must be between 1 and 3600 seconds")
        return value

    @field_validator("http_port")
    @classmethod
    def _port_or_off(cls, value: int) -> int:
        if not 0 <= value < 65536:
            raise ValueError("must be a TCP port between 1 and 65535, or 0 for no HTTP server")
        return value

    @property
    def http_enabled(self) -> bool:
        """The HTTP server runs unless its port is 0."""
        return self.http_port != 0

    @property
    def matrix_enabled(self) -> bool:
        """Matrix runs when a homeserver, a user and a password or token are set."""
        has_secret = self.matrix_password is not None or self.matrix_access_token is not None
        return bool(self.matrix_homeserver and self.matrix_user and has_secret)

    @property
    def email_enabled(self) -> bool:
        """E-mail goes out when an SMTP server is set."""
        return self.smtp_host is not None

    @property
    def telegram_enabled(self) -> bool:
        """Telegram runs when a bot token is set."""
        return self.telegram_token is not None


def load_settings(config_file: Path | None = None) -> Settings:
    """Read and validate the settings; raise :class:`ConfigError` with every problem named.

    ``config_file`` (or the file named by ``TARJOTIN_CONFIG_FILE``) is a dotenv-style file of
    ``TARJOTIN_*=value`` lines; real environment variables win over it.
    """
    named = os.environ.get(CONFIG_FILE_VARIABLE)
    file_name = config_file or (Path(named) if named else None)
    if file_name is not None and not file_name.is_file():
        raise ConfigError(
            f"The configuration file {file_name} (--config or {CONFIG_FILE_VARIABLE}) was not "
            "found: no such file. Give the path of a file of TARJOTIN_*=value lines, or leave "
            "it out to use the environment only."
        )
    try:
        return Settings(_env_file=file_name)  # type: ignore[call-arg]
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            name = "TARJOTIN_" + "_".join(str(part) for part in problem["loc"]).upper()
            problems.append(f"{name}: {_sentence(problem['msg'])}")
        raise ConfigError(
            "The configuration is not valid. "
            + " ".join(problems)
            + " Fix the variable in the environment (or in the --config file) and start again."
        ) from None


def _sentence(message: str) -> str:
    """A validation message as a sentence: pydantic's start in capitals or not, end bare."""
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:].rstrip(".") + "."
