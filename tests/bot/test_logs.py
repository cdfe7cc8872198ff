"""Log output: text by default, JSON lines for collectors, the same privacy in both."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import stat
import sys
from pathlib import Path

from bot import log_ids
from bot.logs import QUIET, JsonFormatter, log_handler, quiet_libraries
from handlers.core.log_ids import pseudonym, use_key, who

#: 2026-11-25 08:00:00 UTC, as a record's creation time (no test reads the clock).
CREATED = 1_795_593_600.0


def record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError("bad value")
        except ValueError:
            info = sys.exc_info()
    made = logging.LogRecord("bot.example", logging.ERROR, __file__, 1, message, args, info)
    made.created = CREATED
    return made


def test_json_lines_carry_time_level_logger_and_message() -> None:
    line = JsonFormatter().format(record("broadcast %s by %s queued", 7, who("telegram:42")))
    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2026-11-25T08:00:00.000+00:00",
        "level": "ERROR",
        "logger": "bot.example",
        "message": f"broadcast 7 by {pseudonym('telegram:42')} queued",
    }


def test_json_lines_carry_the_exception_type_and_its_traceback() -> None:
    entry = json.loads(JsonFormatter().format(record("sender raised", exc=True)))
    assert entry["exception"] == "ValueError"
    assert entry["traceback"].startswith("Traceback")
    assert "bad value" in entry["traceback"]


def test_the_text_format_is_the_default_one_line_per_record() -> None:
    stream = io.StringIO()
    handler = log_handler("text", stream)
    handler.handle(record("channel %s started", "telegram"))
    assert stream.getvalue().endswith("ERROR bot.example: channel telegram started\n")
    json_stream = io.StringIO()
    log_handler("json", json_stream).handle(record("channel %s started", "telegram"))
    assert json.loads(json_stream.getvalue())["message"] == "channel telegram started"


def test_libraries_that_log_updates_stay_quiet_at_debug() -> None:
    previous = quiet_libraries("DEBUG")
    try:
        assert "telegram" in QUIET
        assert not logging.getLogger("telegram.ext.Application").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("telegram").isEnabledFor(logging.WARNING)
    finally:
        for name, level in previous.items():
            logging.getLogger(name).setLevel(level)


def test_the_key_is_made_on_first_use_owner_only_and_kept(tmp_path: Path) -> None:
    key_file = tmp_path / log_ids.KEY_FILE
    try:
        log_ids.install(tmp_path)
        assert not key_file.exists()  # nothing logged an id yet
        first = pseudonym("telegram:42")
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        log_ids.install(tmp_path)  # a restart of the same installation
        assert pseudonym("telegram:42") == first
        log_ids.install(tmp_path / "elsewhere")  # another installation
        assert pseudonym("telegram:42") != first
    finally:
        use_key(lambda: secrets.token_bytes(32))
