"""A random secret of this installation, kept in one file of the data directory.

The Telegram button-signing key and the key of the pseudonymous log ids are such secrets:
created on first use, readable by the owner only (0600), hex-encoded on one line. Two
processes starting together agree on one (the file is created exclusively; the loser reads it).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Final

SECRET_BYTES: Final = 32


def load_or_create_secret(path: Path) -> bytes:
    """The secret in ``path``; created (owner-only) on first use."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(SECRET_BYTES)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return _read_secret(path)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secret.hex() + "\n")
    return secret


def _read_secret(path: Path) -> bytes:
    text = path.read_text("ascii").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"{path}: not a hex-encoded secret") from None
    if len(secret) < 16:
        raise ValueError(f"{path}: the secret is too short")
    return secret
