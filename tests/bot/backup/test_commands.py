"""``tarjotin backup`` and ``tarjotin restore`` on the command line.

They take the same settings as ``run``, say a sentence on success, and one paragraph with a
distinct exit code on failure.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import CONFIG_FILE_VARIABLE, Settings
from bot.failures import ExitCode
from bot.storage.database import Database, database_url
from bot.telegram.callbacks import SECRET_FILE
from tests.bot.backup.conftest import fill


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TARJOTIN_"):
            monkeypatch.delenv(name)


async def filled(data_dir: Path) -> None:
    database = await Database.open(database_url(data_dir, None))
    try:
        await fill(database, data_dir)
    finally:
        await database.close()


async def test_backup_then_restore_with_the_runs_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await filled(tmp_path / "data")
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(tmp_path / "data"))
    archive = tmp_path / "nightly.tar.gz"
    assert await _main(["backup", "-o", str(archive)]) == ExitCode.OK
    assert "rows in" in capsys.readouterr().err

    config = tmp_path / "restored.env"
    config.write_text(f"TARJOTIN_DATA_DIR={tmp_path / 'restored'}\n")
    monkeypatch.delenv("TARJOTIN_DATA_DIR")
    assert await _main(["--config", str(config), "restore", str(archive)]) == ExitCode.OK
    assert "Restored" in capsys.readouterr().err
    assert (tmp_path / "restored" / SECRET_FILE).read_bytes() == (
        tmp_path / "data" / SECRET_FILE
    ).read_bytes()

    again = await _main(["--config", str(config), "restore", str(archive)])
    assert again == ExitCode.RESTORE_REFUSED
    err = capsys.readouterr().err
    assert "--force" in err
    assert "Traceback" not in err
    assert await _main(["--config", str(config), "restore", "--force", str(archive)]) == 0


async def test_failures_are_one_paragraph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(tmp_path / "empty"))
    assert await _main(["backup", "-o", str(tmp_path / "b.tar.gz")]) == ExitCode.BACKUP
    assert "no database to back up" in capsys.readouterr().err
    assert await _main(["restore", str(tmp_path / "missing.tar.gz")]) == ExitCode.BACKUP
    assert "does not exist" in capsys.readouterr().err
    junk = tmp_path / "junk.tar.gz"
    junk.write_text("not an archive")
    assert await _main(["restore", str(junk)]) == ExitCode.ARCHIVE_INVALID
    err = capsys.readouterr().err
    assert "cannot be restored" in err
    assert "Traceback" not in err
    assert not (tmp_path / "b.tar.gz").exists()


async def test_backup_into_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await filled(tmp_path / "data")
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(tmp_path / "data"))
    output = tmp_path / "no" / "such" / "b.tar.gz"
    assert await _main(["backup", "-o", str(output)]) == ExitCode.BACKUP
    assert "could not be written" in capsys.readouterr().err


def leftovers(folder: Path) -> list[str]:
    """What is in ``folder``."""
    return sorted(path.name for path in folder.iterdir())


async def _main(argv: list[str]) -> int:
    """``main`` runs its own event loop: run it in a thread, away from the test's."""
    return await asyncio.to_thread(main, argv)


README = Path(__file__).resolve().parents[3] / "README.md"


def section(title: str) -> str:
    """One ``## `` section of the README."""
    text = README.read_text("utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_every_variable_the_operators_section_names_is_a_setting() -> None:
    named = set(re.findall(r"\bTARJOTIN_[A-Z_]*[A-Z]\b", section("Running it for a town")))
    settings = {f"TARJOTIN_{name.upper()}" for name in Settings.model_fields}
    assert named
    assert named - settings - {CONFIG_FILE_VARIABLE} == set()


def test_the_exit_codes_of_backup_and_restore_are_in_the_readme() -> None:
    rows = re.findall(r"^\| (\d+) \|", README.read_text("utf-8"), flags=re.MULTILINE)
    codes = (ExitCode.BACKUP, ExitCode.ARCHIVE_INVALID, ExitCode.ARCHIVE_NEWER,
             ExitCode.RESTORE_REFUSED)
    assert {str(int(code)) for code in codes} <= set(rows)


async def test_an_unreachable_database_is_a_database_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("TARJOTIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TARJOTIN_DATABASE_URL", f"postgresql://nobody@127.0.0.1:{port}/tarjotin")
    output = tmp_path / "b.tar.gz"
    assert await _main(["backup", "-o", str(output)]) == ExitCode.DATABASE_UNREACHABLE
    assert "could not be reached" in capsys.readouterr().err
    assert leftovers(tmp_path) == []  # no archive, no work folder
