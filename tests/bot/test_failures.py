"""Configuration and connection mistakes end in one paragraph and a distinct exit code.

Each mistake is made through the ``tarjotin`` entry point, as an operator would make it; the
output must carry no traceback (``--debug`` shows it) and the exit code must be the one the
README's table gives.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from bot.cli import main
from bot.failures import ExitCode
from bot.pacing import RetryPolicy

FAST = RetryPolicy(reply_attempts=2, first=0.01, longest=0.02)


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TARJOTIN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def real_catalogue(demo_path: Path, tmp_path: Path) -> Path:
    """A catalogue that is not the demo (one activity has another id)."""
    path = tmp_path / "real.yaml"
    text = demo_path.read_text("utf-8").replace("louhela-kielikahvila", "louhela-kahvila")
    path.write_text(text, encoding="utf-8")
    return path


def closed_port() -> int:
    """A local port nobody listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class _Unauthorized(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"})
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def do_GET(self) -> None:
        self.do_POST()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def rejecting_telegram() -> Iterator[str]:
    """A Bot API that answers every call with 401, as Telegram does for a revoked token."""
    server = HTTPServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def fast_telegram(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Telegram channel gives up on an unreachable server after milliseconds."""
    from bot.telegram.channel import TelegramOptions

    monkeypatch.setattr(
        "bot.telegram.channel.TelegramOptions", lambda: TelegramOptions(retry=FAST)
    )


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output
    return code, output


def test_an_unreachable_postgresql_is_one_paragraph(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://tarjotin:pw-secret@127.0.0.1:{closed_port()}/tarjotin"
    monkeypatch.setenv("TARJOTIN_DATABASE_URL", url)
    code, output = run_cli(["export"], capsys)
    assert code == ExitCode.DATABASE_UNREACHABLE
    assert "PostgreSQL" in output
    assert "TARJOTIN_DATABASE_URL" in output
    assert "pw-secret" not in output


def test_debug_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARJOTIN_DATABASE_URL", f"postgresql://u@127.0.0.1:{closed_port()}/x")
    assert main(["--debug", "export"]) == ExitCode.DATABASE_UNREACHABLE
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["mysql://x", "sqlite+pysqlite:///x.db", "not a url"])
def test_an_unsupported_database_url_is_refused_before_connecting(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARJOTIN_DATABASE_URL", url)
    code, output = run_cli(["week"], capsys)
    assert code == ExitCode.UNSUPPORTED_DATABASE
    assert "TARJOTIN_DATABASE_URL" in output


def test_an_invalid_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARJOTIN_TELEGRAM_WEBHOOK_PORT", "eighty")
    code, output = run_cli(["week"], capsys)
    assert code == ExitCode.INVALID_SETTING
    assert "TARJOTIN_TELEGRAM_WEBHOOK_PORT" in output
    assert len(output.strip().splitlines()) == 1


def test_a_missing_catalogue_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARJOTIN_CATALOG_FILE", str(tmp_path / "nowhere.yaml"))
    code, output = run_cli(["week"], capsys)
    assert code == ExitCode.CATALOGUE_FILE
    assert "nowhere.yaml" in output
    assert "does not exist" in output


def test_an_unreadable_catalogue_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARJOTIN_CATALOG_FILE", str(tmp_path))  # a directory
    code, output = run_cli(["week"], capsys)
    assert code == ExitCode.CATALOGUE_FILE
    assert "is not a file" in output


def test_a_token_with_the_demo_catalogue_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARJOTIN_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("TARJOTIN_TELEGRAM_API_URL", f"http://127.0.0.1:{closed_port()}/bot")
    code, output = run_cli(["run"], capsys)
    assert code == ExitCode.DEMO_REFUSED
    assert "tarjotin import" in output
    assert "TARJOTIN_DEMO=true" in output
    assert main(["export"]) == 0  # the refusal stored nothing: export loads the demo now
    assert "Loading the catalogue" in capsys.readouterr().err


def test_a_stored_demo_is_refused_too(
    demo_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(demo_path)]) == 0
    monkeypatch.setenv("TARJOTIN_MATRIX_HOMESERVER", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("TARJOTIN_MATRIX_USER", "@bot:example.org")
    monkeypatch.setenv("TARJOTIN_MATRIX_PASSWORD", "secret")
    code, _output = run_cli(["run"], capsys)
    assert code == ExitCode.DEMO_REFUSED


def test_the_demo_is_allowed_on_purpose(
    fast_telegram: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARJOTIN_DEMO", "true")
    monkeypatch.setenv("TARJOTIN_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("TARJOTIN_TELEGRAM_API_URL", f"http://127.0.0.1:{closed_port()}/bot")
    code, _output = run_cli(["run"], capsys)
    assert code != ExitCode.DEMO_REFUSED  # it went on to Telegram (unreachable here)


def test_an_unreachable_telegram_is_one_paragraph(
    fast_telegram: None,
    real_catalogue: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TARJOTIN_CATALOG_FILE", str(real_catalogue))
    monkeypatch.setenv("TARJOTIN_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("TARJOTIN_TELEGRAM_API_URL", f"http://127.0.0.1:{closed_port()}/bot")
    code, output = run_cli(["run"], capsys)
    assert code == ExitCode.TELEGRAM_UNREACHABLE
    assert "could not be reached" in output


def test_a_rejected_token_is_one_paragraph_without_the_token(
    real_catalogue: Path,
    rejecting_telegram: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TARJOTIN_CATALOG_FILE", str(real_catalogue))
    monkeypatch.setenv("TARJOTIN_TELEGRAM_TOKEN", "123:very-secret")
    monkeypatch.setenv("TARJOTIN_TELEGRAM_API_URL", rejecting_telegram)
    code, output = run_cli(["run"], capsys)
    assert code == ExitCode.TELEGRAM_TOKEN
    assert "BotFather" in output
    assert "very-secret" not in output


def test_an_unreachable_matrix_homeserver_is_one_paragraph(
    real_catalogue: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.matrix

    configured = bot.matrix.matrix_config
    monkeypatch.setattr(
        bot.matrix, "matrix_config",
        lambda settings: dataclasses.replace(configured(settings), retry=FAST),
    )
    monkeypatch.setenv("TARJOTIN_CATALOG_FILE", str(real_catalogue))
    monkeypatch.setenv("TARJOTIN_MATRIX_HOMESERVER", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("TARJOTIN_MATRIX_USER", "@bot:example.org")
    monkeypatch.setenv("TARJOTIN_MATRIX_PASSWORD", "pw-secret")
    code, output = run_cli(["run"], capsys)
    assert code == ExitCode.MATRIX_UNREACHABLE
    assert "TARJOTIN_MATRIX_HOMESERVER" in output
    assert "pw-secret" not in output


def test_exit_codes_are_distinct() -> None:
    assert len({int(code) for code in ExitCode}) == len(ExitCode)


def test_the_inbox_without_a_shared_webhook_secret_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARJOTIN_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("TARJOTIN_TELEGRAM_INBOX", "true")
    code, output = run_cli(["run"], capsys)
    assert code == ExitCode.INVALID_SETTING
    assert "TARJOTIN_TELEGRAM_WEBHOOK_URL" in output
    monkeypatch.setenv("TARJOTIN_TELEGRAM_WEBHOOK_URL", "https://bot.example.fi/telegram")
    code, output = run_cli(["run"], capsys)
    assert code == ExitCode.INVALID_SETTING
    assert "TARJOTIN_TELEGRAM_WEBHOOK_SECRET" in output
    assert "Traceback" not in output
