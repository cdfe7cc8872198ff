"""The dialogues table behind :class:`handlers.core.ports.DialogueStore`.

A user's place in a multi-step flow is written before the bot answers, so that a restart in
the middle of a flow loses nothing. ``data`` (small strings only) is stored as a JSON object.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.database import SessionSource
from bot.storage.models import DialogueRow
from handlers.core.dialogue import Dialogue, DialogueName
from handlers.core.events import UserId


def encode_data(data: dict[str, str]) -> str:
    """A dialogue's data as compact JSON, keys in insertion order."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode_data(text: str) -> dict[str, str]:
    """The data :func:`encode_data` wrote (values read back as strings)."""
    loaded = json.loads(text) if text else {}
    if not isinstance(loaded, dict):
        return {}
    return {str(key): str(value) for key, value in loaded.items()}


def _upsert(dialect: str, values: dict[str, Any]) -> Any:
    """``INSERT … ON CONFLICT (user_id) DO UPDATE``: one statement, safe when two race."""
    if dialect == "postgresql":
        pg = postgresql.insert(DialogueRow).values(values)
        changed = {k: pg.excluded[k] for k in values if k != "user_id"}
        return pg.on_conflict_do_update(index_elements=["user_id"], set_=changed)
    if dialect == "sqlite":
        lite = sqlite.insert(DialogueRow).values(values)
        changed = {k: lite.excluded[k] for k in values if k != "user_id"}
        return lite.on_conflict_do_update(index_elements=["user_id"], set_=changed)
    raise NotImplementedError(f"no portable upsert for {dialect}")


class SqlDialogueStore:
    """Dialogues in SQL, one row per user; one short transaction per call."""

    def __init__(self, sessions: SessionSource) -> None:
        self._sessions = sessions

    async def get(self, user: UserId) -> Dialogue | None:
        """The user's current dialogue, expired or not; ``None`` when there is none."""
        async with self._sessions() as session:
            row = await session.get(DialogueRow, str(user))
            if row is None:
                return None
            return Dialogue(
                user=UserId(row.user_id),
                flow=DialogueName(row.flow),
                step=row.step,
                updated_at=row.updated_at,
                data=decode_data(row.data),
            )

    async def save(self, dialogue: Dialogue) -> None:
        """Create or replace the user's dialogue."""
        values: dict[str, Any] = {
            "user_id": str(dialogue.user),
            "flow": dialogue.flow,
            "step": dialogue.step,
            "data": encode_data(dialogue.data),
            "updated_at": dialogue.updated_at,
        }
        async with self._sessions.begin() as session:
            await session.execute(_upsert(session.get_bind().dialect.name, values))

    async def clear(self, user: UserId) -> None:
        """End the user's dialogue (nothing happens when there is none)."""
        async with self._sessions.begin() as session:
            await session.execute(delete(DialogueRow).where(DialogueRow.user_id == str(user)))
