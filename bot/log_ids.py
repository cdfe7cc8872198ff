"""The installation's key for pseudonymous log ids, kept in the data directory.

:mod:`handlers.core.log_ids` turns every user, chat and room id in a log line into a keyed
hash; this module gives it the installation's key (``log-ids.key``, created on first use,
0600, like the Telegram button-signing secret), so a person keeps one pseudonym across restarts
and the processes of one installation agree. Deleting the file starts new pseudonyms; the
file is not needed to read a log, only to tell whose lines they are (hash a known id with it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from bot.secret_file import load_or_create_secret
from handlers.core.log_ids import LogId, key_label, pseudonym, use_key, who

__all__ = ["KEY_FILE", "LogId", "install", "key_label", "pseudonym", "who"]

KEY_FILE: Final = "log-ids.key"


def install(data_dir: Path) -> None:
    """Pseudonymise log ids with the key in ``data_dir`` (read or made when first needed)."""
    use_key(lambda: load_or_create_secret(data_dir / KEY_FILE))
