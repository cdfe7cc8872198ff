"""The data directory's files in a backup: which are copied, and putting them back at once.

The data directory holds what the database does not: the button-signing key
(``telegram-callbacks.key``: without it every button already sent stops working), the key of
the pseudonymous log ids (``log-ids.key``), and the Matrix login, device and encryption store
(``matrix/``: without them the bot is a new device that cannot read encrypted rooms' history).
The SQLite database file lives there too, but it is copied table by table instead.

A restore puts the archive's files in place only after the database part succeeded: each
top-level entry it replaces (a key file, the whole ``matrix/`` folder: a login from one backup
with an encryption store from another would be worse than either) is moved aside first and
moved back if anything fails (:class:`Swap`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final

from bot.storage.database import DATABASE_FILE

RESTORE_PREFIX: Final = ".restore-"
"""Working folders of a restore inside the data directory (never copied)."""
BACKUP_PREFIX: Final = ".tarjotin-backup-"
"""The working folder of a backup, beside its file (never copied, should that be in here)."""

_SKIPPED_SUFFIXES: Final = ("", "-wal", "-shm", "-journal", ".migrations.lock")


def skipped(relative: str) -> bool:
    """Whether a data directory file stays out of a backup (SQLite's files, work folders).

    A restore refuses an archive that holds one: it would replace the database file under
    the restore's own transaction. The migration lock file is SQLite's too.
    """
    top = PurePosixPath(relative).parts[0]
    if top.startswith((RESTORE_PREFIX, BACKUP_PREFIX)) or top.endswith(".partial"):
        return True
    return relative in {DATABASE_FILE + suffix for suffix in _SKIPPED_SUFFIXES}


def data_files(data_dir: Path, leave_out: Path | None = None) -> list[str]:
    """The data directory's regular files to back up, as sorted POSIX paths relative to it.

    Links are not followed (nor copied); ``leave_out`` (the backup being written, if it is
    inside the data directory) is skipped.
    """
    if not data_dir.is_dir():
        return []
    skip = leave_out.resolve() if leave_out is not None else None
    found = []
    for folder, folders, files in os.walk(data_dir):
        base = Path(folder)
        folders[:] = sorted(f for f in folders if not (base / f).is_symlink())
        for name in files:
            path = base / name
            if path.is_symlink() or not path.is_file() or path.resolve() == skip:
                continue
            relative = path.relative_to(data_dir).as_posix()
            if not skipped(relative):
                found.append(relative)
    return sorted(found)


@dataclass
class Swap:
    """Restored files put in place, with what they replaced kept aside until :meth:`commit`."""

    data_dir: Path
    aside: Path
    placed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)

    def commit(self) -> None:
        """Keep the restored files; delete what they replaced."""
        shutil.rmtree(self.aside, ignore_errors=True)

    def rollback(self) -> None:
        """Take the restored files out and put back what was there before."""
        for top in self.placed:
            _remove(self.data_dir / top)
        for top in self.moved:
            os.replace(self.aside / top, self.data_dir / top)
        shutil.rmtree(self.aside, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def put_in_place(staged: Path, data_dir: Path, paths: list[str], aside: Path) -> Swap:
    """Move the staged files (under ``staged``) into ``data_dir``: owner-only, all or nothing.

    ``aside`` (a new folder in the data directory) receives each top-level entry replaced.
    """
    swap = Swap(data_dir, aside)
    tops = sorted({PurePosixPath(path).parts[0] for path in paths})
    try:
        aside.mkdir(mode=0o700)
        for path in paths:
            _private(staged / path, staged)
        for top in tops:
            target = data_dir / top
            if target.exists() or target.is_symlink():
                os.replace(target, aside / top)
                swap.moved.append(top)
            os.replace(staged / top, target)
            swap.placed.append(top)
    except BaseException:
        swap.rollback()
        raise
    return swap


def _private(path: Path, root: Path) -> None:
    """A restored file readable by the owner only, in folders only the owner can enter."""
    path.chmod(0o600)
    for parent in path.relative_to(root).parents:
        if parent != Path("."):
            (root / parent).chmod(0o700)
