"""The bot's update queue: what getUpdates returns and the webhook delivers.

Telegram keeps updates until the bot confirms them with a higher ``offset`` (or
the webhook answers 2xx), filters new ones by the remembered ``allowed_updates``
and numbers them with increasing ``update_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import Update

from tests.telegram_server.waiting import Notifier

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def update_kind(update: dict[str, Any]) -> str:
    """Name the one payload field an update carries (``message``, ``callback_query``...)."""
    kinds = [key for key in update if key != "update_id"]
    return kinds[0] if kinds else ""


class UpdateQueue:
    """Pending updates in order, with Telegram's offset and allowed_updates rules."""

    def __init__(self, notifier: Notifier, first_update_id: int) -> None:
        self._notifier = notifier
        self._next_id = first_update_id
        self._pending: list[dict[str, Any]] = []
        self._allowed: frozenset[str] | None = None
        self.history: list[dict[str, Any]] = []

    def next_id(self) -> int:
        """Reserve the next ``update_id``."""
        update_id = self._next_id
        self._next_id += 1
        return update_id

    def set_allowed(self, types: Sequence[str] | None) -> None:
        """Remember ``allowed_updates``; ``None`` keeps the old setting, ``[]`` resets it."""
        if types is None:
            return
        self._allowed = frozenset(types) if types else None

    @property
    def allowed(self) -> list[str] | None:
        """Give the remembered ``allowed_updates`` (``None`` for Telegram's default)."""
        return sorted(self._allowed) if self._allowed is not None else None

    def accepts(self, kind: str) -> bool:
        """Tell whether an update of ``kind`` would reach the bot now."""
        if self._allowed is None:
            return kind not in DEFAULT_EXCLUDED
        return kind in self._allowed

    def push(self, update: Update) -> bool:
        """Queue ``update`` if the bot asked for its kind; tell whether it was queued."""
        payload = update.to_dict()
        if not self.accepts(update_kind(payload)):
            return False
        self._pending.append(payload)
        self.history.append(payload)
        self._notifier.notify()
        return True

    def confirm(self, offset: int | None) -> None:
        """Forget updates before ``offset``; a negative offset keeps only the last ones."""
        if not offset:
            return
        before = len(self._pending)
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        else:
            self._pending = self._pending[offset:]
        if len(self._pending) != before:
            self._notifier.notify()

    def peek(self, limit: int) -> list[dict[str, Any]]:
        """Give up to ``limit`` oldest pending updates without confirming them."""
        return list(self._pending[:limit])

    def remove(self, update_id: int) -> None:
        """Drop one update (delivered or given up on by the webhook)."""
        self._pending = [u for u in self._pending if u["update_id"] != update_id]
        self._notifier.notify()

    def drop_all(self) -> None:
        """Forget every pending update (``drop_pending_updates``)."""
        self._pending.clear()
        self._notifier.notify()

    @property
    def pending_count(self) -> int:
        """Count updates the bot has not confirmed yet."""
        return len(self._pending)
