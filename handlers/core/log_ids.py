"""Pseudonymous ids for log lines: a keyed hash instead of a platform's user, chat or room id.

Logs must never need scrubbing after ``/forget``: a line says ``user 3f9a0c12be47`` (the first
12 hex digits of HMAC-SHA256 over the platform-qualified id, ``telegram:4242``), never the
id itself. The same id gives the same pseudonym for as long as the key lives, so an operator
can follow one person through the log; without the key nobody can go back from it (guessing
ids and hashing them needs the key too).

The key is the installation's (``bot/log_ids.py`` keeps it in the data directory and installs
it with :func:`use_key` at start); until one is installed a random key of this process is
used, so a raw id never reaches a log whatever the entry point. This module does no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable

#: Hex digits of the pseudonym: 48 bits, collisions unlikely below millions of ids.
LENGTH = 12

_lock = threading.Lock()
_source: Callable[[], bytes] = lambda: secrets.token_bytes(32)  # noqa: E731 - replaced at start
_key: bytes | None = None


def use_key(source: Callable[[], bytes]) -> None:
    """Take the key from ``source`` (called once, on the first pseudonym that is needed)."""
    global _source, _key
    with _lock:
        _source, _key = source, None


def _current_key() -> bytes:
    global _key
    with _lock:
        if _key is None:
            _key = _source()
        return _key


def pseudonym(raw: object) -> str:
    """The short keyed hash of ``raw`` (an id, as text)."""
    digest = hmac.new(_current_key(), str(raw).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:LENGTH]


class LogId:
    """An id as a log argument: formatted (lazily, only if the line is emitted) as its pseudonym."""

    __slots__ = ("_raw",)

    def __init__(self, raw: object) -> None:
        self._raw = raw

    def __str__(self) -> str:
        return pseudonym(self._raw)

    def __repr__(self) -> str:
        return pseudonym(self._raw)


def who(raw: object) -> LogId:
    """An id (user, chat, room, event) wrapped to be logged as its pseudonym."""
    return LogId(raw)


def key_label(key: str) -> str:
    """An outbox idempotency key for a log line: its kind, then a pseudonym of the whole key.

    Keys hold user ids, chat ids and e-mail addresses (``reminder:telegram:4242:…``); the
    kind before the first colon (``reminder``, ``broadcast``, ``request``) says enough.
    """
    kind = key.partition(":")[0]
    return f"{kind}:{pseudonym(key)}"
