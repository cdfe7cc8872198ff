"""A damaged, foreign or hostile archive is refused with a sentence and its own exit code.

Nothing is changed: not the database, not the data directory, nothing outside it.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from bot.backup.archive import Limits
from bot.backup.commands import Target, back_up, restore
from bot.failures import ExitCode, OperatorError
from bot.storage.database import database_url
from bot.telegram.callbacks import SECRET_FILE
from tests.bot.backup.archives import members_of, rewritten, write_members
from tests.bot.backup.conftest import fill
from tests.bot.storage.conftest import backend_database
from tests.fakes import FixedClock


@pytest.fixture
async def archive(clock: FixedClock, tmp_path: Path) -> Path:
    """A good backup of a running state (on SQLite: the checks come before any database)."""
    data_dir = tmp_path / "data"
    async with backend_database("sqlite", data_dir) as database:
        running = await fill(database, data_dir)
        path = tmp_path / "good.tar.gz"
        await back_up(running.target, path, clock)
    return path


@pytest.fixture
def target(tmp_path: Path) -> Target:
    """A data directory with a key of its own, and no database yet."""
    data_dir = tmp_path / "target"
    data_dir.mkdir()
    (data_dir / SECRET_FILE).write_text("00" * 32 + "\n")
    return Target(database_url(data_dir, None), data_dir)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def refused(target: Target, archive: Path, code: ExitCode, **limits: Any) -> str:
    """Restore ``archive``, expect ``code``, check that nothing changed; the paragraph."""
    root = target.data_dir.parent
    before = snapshot(root)
    with pytest.raises(OperatorError) as error:
        await restore(target, archive, limits=Limits(**limits))
    assert error.value.code == code
    assert snapshot(root) == before
    assert "Nothing was changed" in error.value.paragraph
    return error.value.paragraph


def halved(archive: Path, out: Path) -> Path:
    """The first half of ``archive``'s bytes."""
    data = archive.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    return out


def add_data_file(name: str, data: bytes = b"x") -> Any:
    def edit(manifest: dict[str, Any], contents: dict[str, bytes]) -> None:
        manifest["files"].append({"name": name, "size": 0, "sha256": "0" * 64})
        contents[f"data/{name}"] = data

    return edit


@pytest.mark.parametrize("name", ["../escaped", "matrix/../../escaped", "/etc/escaped", "a\\b"])
async def test_a_path_leaving_the_data_directory(
    archive: Path, target: Target, tmp_path: Path, name: str
) -> None:
    hostile = rewritten(archive, tmp_path / "hostile.tar.gz", add_data_file(name))
    text = await refused(target, hostile, ExitCode.ARCHIVE_INVALID)
    assert "outside the data directory" in text or "leave its folder" in text
    assert not (tmp_path / "escaped").exists()


async def test_a_member_the_manifest_does_not_name(
    archive: Path, target: Target, tmp_path: Path
) -> None:
    def smuggle(_manifest: dict[str, Any], contents: dict[str, bytes]) -> None:
        contents["data/extra.key"] = b"x"

    hostile = rewritten(archive, tmp_path / "hostile.tar.gz", smuggle)
    assert "not named in the manifest" in await refused(target, hostile, ExitCode.ARCHIVE_INVALID)


async def test_a_link_member(archive: Path, target: Target, tmp_path: Path) -> None:
    manifest, contents = members_of(archive)
    hostile = tmp_path / "link.tar.gz"
    write_members(hostile, manifest, contents)
    with tarfile.open(hostile, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(hostile, "w:gz") as tar:
        link = tarfile.TarInfo("data/matrix/session.json")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        for member, data in members:
            if member.name == link.name:
                tar.addfile(link)
            else:
                tar.addfile(member, io.BytesIO(data))
    assert "not a plain file" in await refused(target, hostile, ExitCode.ARCHIVE_INVALID)


async def test_a_member_larger_than_the_limit(
    archive: Path, target: Target, tmp_path: Path
) -> None:
    hostile = rewritten(archive, tmp_path / "big.tar.gz", add_data_file("big", b"\0" * 4096))
    text = await refused(target, hostile, ExitCode.ARCHIVE_INVALID, file_bytes=1024)
    assert "too large" in text


async def test_an_archive_that_would_unpack_to_too_much(
    archive: Path, target: Target
) -> None:
    assert "more than" in await refused(
        target, archive, ExitCode.ARCHIVE_INVALID, total_bytes=100
    )


async def test_a_member_bigger_than_the_manifest_says(
    archive: Path, target: Target, tmp_path: Path
) -> None:
    def grow(manifest: dict[str, Any], contents: dict[str, bytes]) -> None:
        contents[f"data/{SECRET_FILE}"] += b"\0" * 10_000

    hostile = rewritten(archive, tmp_path / "grown.tar.gz", grow, fix_checksums=False)
    assert "not the size" in await refused(target, hostile, ExitCode.ARCHIVE_INVALID)


async def test_a_changed_byte_fails_the_checksum(
    archive: Path, target: Target, tmp_path: Path
) -> None:
    def flip(_manifest: dict[str, Any], contents: dict[str, bytes]) -> None:
        key = contents[f"data/{SECRET_FILE}"]
        contents[f"data/{SECRET_FILE}"] = key.replace(key[:1], b"f" if key[:1] != b"f" else b"e", 1)

    hostile = rewritten(archive, tmp_path / "flipped.tar.gz", flip, fix_checksums=False)
    assert "checksum" in await refused(target, hostile, ExitCode.ARCHIVE_INVALID)


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x03\x04 a zip file", gzip.compress(b"plain text, not a tar archive" * 30)],
    ids=["empty", "zip", "gzip-text"],
)
async def test_another_kind_of_file(target: Target, tmp_path: Path, content: bytes) -> None:
    other = tmp_path / "other.tar.gz"
    other.write_bytes(content)
    await refused(target, other, ExitCode.ARCHIVE_INVALID)


async def test_a_truncated_archive(archive: Path, target: Target, tmp_path: Path) -> None:
    cut = halved(archive, tmp_path / "cut.tar.gz")
    await refused(target, cut, ExitCode.ARCHIVE_INVALID)


async def test_a_tar_of_something_else(target: Target, tmp_path: Path) -> None:
    other = write_members(tmp_path / "other.tar.gz", b'{"name": "not us"}', {})
    assert "not a Tarjotin backup" in await refused(target, other, ExitCode.ARCHIVE_INVALID)


async def test_a_newer_backup_format(archive: Path, target: Target, tmp_path: Path) -> None:
    def newer(manifest: dict[str, Any], _contents: dict[str, bytes]) -> None:
        manifest["version"] = 99

    later = rewritten(archive, tmp_path / "later.tar.gz", newer)
    assert "newer version" in await refused(target, later, ExitCode.ARCHIVE_NEWER)


async def test_a_newer_database_schema(archive: Path, target: Target, tmp_path: Path) -> None:
    def newer(manifest: dict[str, Any], _contents: dict[str, bytes]) -> None:
        manifest["schema_revision"] = "9999"

    later = rewritten(archive, tmp_path / "later.tar.gz", newer)
    assert "9999" in await refused(target, later, ExitCode.ARCHIVE_NEWER)


async def test_a_bad_row_changes_nothing(archive: Path, target: Target, tmp_path: Path) -> None:
    def break_a_row(_manifest: dict[str, Any], contents: dict[str, bytes]) -> None:
        contents["database/users.jsonl"] += json.dumps({"no_such_column": 1}).encode() + b"\n"

    broken = rewritten(archive, tmp_path / "broken.tar.gz", break_a_row)
    text = await refused(target, broken, ExitCode.ARCHIVE_INVALID)
    assert "table users" in text
    assert "no_such_column" in text
    assert not (target.data_dir / "matrix").exists()


async def test_a_duplicate_row_rolls_everything_back(
    archive: Path, target: Target, tmp_path: Path
) -> None:
    def duplicate(_manifest: dict[str, Any], contents: dict[str, bytes]) -> None:
        first = contents["database/users.jsonl"].splitlines(keepends=True)[0]
        contents["database/users.jsonl"] += first

    def count_rows(manifest: dict[str, Any], _contents: dict[str, bytes]) -> None:
        for entry in manifest["tables"]:
            if entry["name"] == "users":
                entry["rows"] += 1

    def both(manifest: dict[str, Any], contents: dict[str, bytes]) -> None:
        duplicate(manifest, contents)
        count_rows(manifest, contents)

    broken = rewritten(archive, tmp_path / "dup.tar.gz", both)
    assert "IntegrityError" in await refused(target, broken, ExitCode.ARCHIVE_INVALID)


@pytest.mark.parametrize("name", ["tarjotin.sqlite3", "tarjotin.sqlite3-wal", ".restore-x/y"])
async def test_a_file_that_would_replace_the_database(
    archive: Path, target: Target, tmp_path: Path, name: str
) -> None:
    hostile = rewritten(archive, tmp_path / "db.tar.gz", add_data_file(name))
    assert "not a backed-up file" in await refused(target, hostile, ExitCode.ARCHIVE_INVALID)
