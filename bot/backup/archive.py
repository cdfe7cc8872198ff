"""The backup file: a gzip-compressed tar archive with a manifest first, and its checks.

Layout (format ``tarjotin-backup``, version 1)::

    manifest.json             format, version, created_at, schema_revision, database, tables, files
    database/<table>.jsonl    one JSON object per row (:mod:`bot.backup.tables`)
    data/<path>               the data directory's files (keys, the Matrix device and store)

Reading checks everything before the caller changes anything: a file that is not a gzip tar
archive, a missing or foreign manifest, a member the manifest does not name (or names twice),
a path that would leave the data directory, a link or device, a member larger than the limits
or than the manifest says, and a checksum that does not match are each refused with a sentence
(:class:`ArchiveError`); a newer format is :class:`NewerArchiveError`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Final

FORMAT: Final = "tarjotin-backup"
FORMAT_VERSION: Final = 1
MANIFEST: Final = "manifest.json"
TABLES_DIR: Final = "database"
FILES_DIR: Final = "data"
MIB: Final = 1024 * 1024
_CHUNK: Final = MIB
_TABLE_NAME: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SHA256: Final = re.compile(r"[0-9a-f]{64}")
MAX_PATH: Final = 512


@dataclass(frozen=True)
class Limits:
    """How large an archive may be when read (a hostile one is refused, not unpacked)."""

    total_bytes: int = 16 * 1024 * MIB
    """All members together, uncompressed."""
    table_bytes: int = 8 * 1024 * MIB
    """One table's copy."""
    file_bytes: int = 1024 * MIB
    """One file of the data directory."""
    members: int = 100_000
    manifest_bytes: int = 16 * MIB


class ArchiveError(Exception):
    """An archive that is not a usable Tarjotin backup; the message says why, as a clause."""


class NewerArchiveError(ArchiveError):
    """An archive in a format version this code does not know (made by a newer Tarjotin)."""


@dataclass(frozen=True)
class Member:
    """One file of the archive: what it holds, its size and checksum."""

    name: str
    """A table name, or a path relative to the data directory."""
    size: int
    sha256: str

    @property
    def as_json(self) -> dict[str, Any]:
        """The manifest entry."""
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class TableCopy:
    """A table's copy: its member, and how many rows it holds."""

    member: Member
    rows: int


@dataclass(frozen=True)
class Manifest:
    """What an archive holds and where it comes from."""

    created_at: str
    schema_revision: str
    database: str
    tables: tuple[TableCopy, ...]
    files: tuple[Member, ...]
    version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        """The ``manifest.json`` text."""
        body = {
            "format": FORMAT,
            "version": self.version,
            "created_at": self.created_at,
            "schema_revision": self.schema_revision,
            "database": self.database,
            "tables": [{**t.member.as_json, "rows": t.rows} for t in self.tables],
            "files": [f.as_json for f in self.files],
        }
        return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"

    def members(self) -> dict[str, Member]:
        """Each member's path in the archive, with what the manifest says of it."""
        named = {table_member(t.member.name): t.member for t in self.tables}
        named.update({file_member(f.name): f for f in self.files})
        return named


def table_member(name: str) -> str:
    """Where a table's copy is in the archive."""
    return f"{TABLES_DIR}/{name}.jsonl"


def file_member(path: str) -> str:
    """Where a data directory file is in the archive."""
    return f"{FILES_DIR}/{path}"


def safe_relative(path: str) -> bool:
    """Whether ``path`` is a plain relative POSIX path that stays inside its folder."""
    if not path or len(path) > MAX_PATH or "\\" in path or "\x00" in path:
        return False
    pure = PurePosixPath(path)
    if pure.is_absolute() or path != pure.as_posix():
        return False
    return all(part not in ("", ".", "..") for part in pure.parts)


def sha256_of(path: Path) -> tuple[int, str]:
    """A file's size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def write_archive(output: Path, manifest: Manifest, sources: dict[str, Path], mtime: float) -> None:
    """Write the archive to ``output`` atomically (a partial file never takes its name), 0600.

    ``sources`` maps each member of the manifest to the file holding its bytes.
    """
    partial = output.with_name(f".{output.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as raw:
            with (
                gzip.GzipFile(fileobj=raw, mode="wb", mtime=int(mtime)) as zipped,
                tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
            ):
                body = manifest.to_json()
                tar.addfile(_info(MANIFEST, len(body), mtime), _Bytes(body))
                for name, member in manifest.members().items():
                    with sources[name].open("rb") as handle:
                        tar.addfile(_info(name, member.size, mtime), handle)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(mtime)
    return info


class _Bytes:
    """A minimal readable over bytes (``tarfile`` needs only ``read``)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._at + size
        chunk = self._data[self._at : end]
        self._at += len(chunk)
        return chunk


def read_archive(path: Path, staging: Path, limits: Limits = Limits()) -> Manifest:
    """Check the archive at ``path`` and unpack its members into ``staging``; its manifest.

    Members land at their archive paths under ``staging`` (files 0600). Nothing outside
    ``staging`` is written.
    """
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            return _read(tar, staging, limits)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise ArchiveError(
            "it is not a complete gzip-compressed tar archive (damaged, truncated, or "
            f"another kind of file: {type(error).__name__})"
        ) from None


def _read(tar: tarfile.TarFile, staging: Path, limits: Limits) -> Manifest:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isreg():
        raise ArchiveError(f"it does not begin with a {MANIFEST}: it is not a Tarjotin backup")
    if first.size > limits.manifest_bytes:
        raise ArchiveError(f"its {MANIFEST} is larger than {limits.manifest_bytes // MIB} MB")
    manifest = parse_manifest(_read_member(tar, first))
    expected = manifest.members()
    _check_sizes(manifest, limits)
    seen: set[str] = set()
    count = 0
    while (member := tar.next()) is not None:  # iterating the TarFile would start over
        count += 1
        if count > limits.members:
            raise ArchiveError(f"it holds more than {limits.members} members")
        name = member.name
        if not safe_relative(name):
            raise ArchiveError(f"a member's path ({name[:80]!r}) would leave its folder")
        if not member.isreg():
            raise ArchiveError(f"{name} is not a plain file (a link, a folder or a device)")
        declared = expected.get(name)
        if declared is None or name in seen:
            raise ArchiveError(f"{name} is not named in the manifest, or appears twice")
        if member.size != declared.size:
            raise ArchiveError(f"{name} is not the size the manifest says")
        seen.add(name)
        _unpack(tar, member, staging / name, declared.sha256)
    missing = sorted(set(expected) - seen)
    if missing:
        raise ArchiveError(f"{missing[0]} is named in the manifest but missing")
    return manifest


def _check_sizes(manifest: Manifest, limits: Limits) -> None:
    total = sum(member.size for member in manifest.members().values())
    if total > limits.total_bytes:
        raise ArchiveError(f"it would unpack to more than {limits.total_bytes // MIB:,} MB")
    for table in manifest.tables:
        if table.member.size > limits.table_bytes:
            raise ArchiveError(f"the copy of table {table.member.name} is too large")
    for file in manifest.files:
        if file.size > limits.file_bytes:
            raise ArchiveError(f"the data directory file {file.name} is too large")


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise ArchiveError(f"{member.name} cannot be read")
    with handle:
        return handle.read()


def _unpack(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, sha256: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = tar.extractfile(member)
    if handle is None:
        raise ArchiveError(f"{member.name} cannot be read")
    digest = hashlib.sha256()
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with handle, os.fdopen(descriptor, "wb") as out:
        _copy(handle, out, digest)
    if digest.hexdigest() != sha256:
        raise ArchiveError(f"{member.name} does not match its checksum (the file is damaged)")


def _copy(source: IO[bytes], out: IO[bytes], digest: Any) -> None:
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        out.write(chunk)


def parse_manifest(data: bytes) -> Manifest:
    """The manifest, checked: the format, its version and every entry's shape."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ArchiveError(f"its {MANIFEST} is not JSON: it is not a Tarjotin backup") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ArchiveError(f"its {MANIFEST} is not a Tarjotin backup's")
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ArchiveError(f"its {MANIFEST} has no valid format version")
    if version > FORMAT_VERSION:
        raise NewerArchiveError(f"it is in backup format {version}; this Tarjotin reads up to "
                                f"{FORMAT_VERSION}")
    texts = {key: body.get(key) for key in ("created_at", "schema_revision", "database")}
    if not all(isinstance(value, str) and value for value in texts.values()):
        raise ArchiveError(f"its {MANIFEST} lacks created_at, schema_revision or database")
    tables = tuple(_table(entry) for entry in _list(body, "tables"))
    files = tuple(_file(entry) for entry in _list(body, "files"))
    names = [table.member.name for table in tables]
    paths = [file.name for file in files]
    if len(set(names)) != len(names) or len(set(paths)) != len(paths):
        raise ArchiveError(f"its {MANIFEST} names a table or a file twice")
    folders = {str(parent) for path in paths for parent in PurePosixPath(path).parents}
    if folders & set(paths):
        raise ArchiveError(f"its {MANIFEST} names a file that is also a folder")
    return Manifest(
        created_at=str(texts["created_at"]),
        schema_revision=str(texts["schema_revision"]),
        database=str(texts["database"]),
        tables=tables,
        files=files,
        version=version,
    )


def _list(body: dict[str, Any], key: str) -> list[Any]:
    value = body.get(key)
    if not isinstance(value, list):
        raise ArchiveError(f"its {MANIFEST} has no list of {key}")
    return value


def _member(entry: Any) -> Member:
    if not isinstance(entry, dict):
        raise ArchiveError(f"an entry of its {MANIFEST} is not an object")
    name, size, sha256 = entry.get("name"), entry.get("size"), entry.get("sha256")
    if not isinstance(name, str) or not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ArchiveError(f"an entry of its {MANIFEST} lacks a name or a checksum")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ArchiveError(f"an entry of its {MANIFEST} has no valid size")
    return Member(name, size, sha256)


def _table(entry: Any) -> TableCopy:
    member = _member(entry)
    rows = entry.get("rows")
    if not _TABLE_NAME.fullmatch(member.name):
        raise ArchiveError(f"its {MANIFEST} names a table {member.name[:80]!r}")
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        raise ArchiveError(f"its {MANIFEST} has no row count for table {member.name}")
    return TableCopy(member, rows)


def _file(entry: Any) -> Member:
    member = _member(entry)
    if not safe_relative(member.name):
        raise ArchiveError(
            f"it names a file ({member.name[:80]!r}) outside the data directory"
        )
    return member
