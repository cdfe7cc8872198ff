"""Settings: read from TARJOTIN_* variables or a file, validated once, secrets masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("TARJOTIN_"):
            monkeypatch.delenv(name)


def test_defaults_run_on_the_demo_with_sqlite() -> None:
    settings = load_settings()
    assert settings.data_dir == Path("data")
    assert settings.database_url is None
    assert not settings.telegram_enabled
    assert not settings.matrix_enabled


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TARJOTIN_DATA_DIR", "/tmp/somewhere")
    monkeypatch.setenv("TARJOTIN_DEFAULT_LANGUAGE", "ar")
    monkeypatch.setenv("TARJOTIN_TELEGRAM_TOKEN", "123:abc")
    settings = load_settings()
    assert settings.data_dir == Path("/tmp/somewhere")
    assert settings.default_language == "ar"
    assert settings.telegram_enabled


def test_a_file_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "tarjotin.env"
    config.write_text(
        "# comment\nTARJOTIN_DEFAULT_LANGUAGE=fi\nTARJOTIN_LOG_LEVEL=DEBUG\n", encoding="utf-8"
    )
    monkeypatch.setenv("TARJOTIN_LOG_LEVEL", "ERROR")
    settings = load_settings(config)
    assert settings.default_language == "fi"
    assert settings.log_level == "ERROR"


def test_matrix_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TARJOTIN_MATRIX_HOMESERVER", "http://127.0.0.1:8008")
    monkeypatch.setenv("TARJOTIN_MATRIX_USER", "@bot:localhost")
    assert not load_settings().matrix_enabled
    monkeypatch.setenv("TARJOTIN_MATRIX_ACCESS_TOKEN", "syt_secret")
    assert load_settings().matrix_enabled


def test_every_invalid_value_is_named_without_leaking_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TARJOTIN_DEFAULT_LANGUAGE", "xx")
    monkeypatch.setenv("TARJOTIN_TELEGRAM_WEBHOOK_PORT", "70000")
    monkeypatch.setenv("TARJOTIN_TELEGRAM_TOKEN", "123:very-secret")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "TARJOTIN_DEFAULT_LANGUAGE" in message
    assert "TARJOTIN_TELEGRAM_WEBHOOK_PORT" in message
    assert "very-secret" not in message


def test_secrets_never_appear_in_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TARJOTIN_TELEGRAM_TOKEN", "123:very-secret")
    monkeypatch.setenv("TARJOTIN_DATABASE_URL", "postgresql+asyncpg://u:pw-secret@h/db")
    text = repr(load_settings()) + str(load_settings())
    assert "very-secret" not in text
    assert "pw-secret" not in text


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "missing.env")


def test_logs_are_text_unless_json_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().log_format == "text"
    monkeypatch.setenv("TARJOTIN_LOG_FORMAT", "JSON")
    assert load_settings().log_format == "json"
    monkeypatch.setenv("TARJOTIN_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match="TARJOTIN_LOG_FORMAT"):
        load_settings()
