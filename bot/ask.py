"""``tarjotin ask``: answer one question, or a batch of them, as text or JSON lines.

This is the measuring contract of the product: its options and its JSON shape stay stable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.bootstrap import build_assistant
from catalog.model import Catalogue, OccurrenceChange
from catalog.understanding.query import Query
from handlers.newcomers.assistant import Answer, Assistant


def answer_json(answer: Answer, question_id: object = None) -> dict[str, Any]:
    """The JSON object of one answer, in the contract's shape."""
    results = []
    if answer.search is not None:
        results = [
            {
                "activity": match.activity.id,
                "start": match.occurrence.start.isoformat() if match.occurrence else None,
            }
            for match in answer.search.matches
        ]
    return {
        "id": question_id,
        "language": answer.query.language,
        "intent": answer.query.intent,
        "window": window_json(answer.query),
        "results": results,
        "reply": answer.reply.text,
    }


def window_json(query: Query) -> dict[str, str] | None:
    """The contract's ``window``: inclusive dates, plus ``from``/``to`` clock times if asked.

    A clock range without dates ("anything after 6 pm?") still reports its times, with the
    dates of the default search (``start``/``end`` absent).
    """
    shown: dict[str, str] = {}
    if query.window is not None:
        shown = {"start": query.window.start.isoformat(), "end": query.window.end.isoformat()}
    if query.clock is not None:
        if query.clock.earliest is not None:
            shown["from"] = query.clock.earliest.strftime("%H:%M")
        if query.clock.latest is not None:
            shown["to"] = query.clock.latest.strftime("%H:%M")
    return shown or None


def parse_now(value: str | None, zone: ZoneInfo) -> datetime:
    """An ISO 8601 instant (a naive one is local time), or the current time."""
    if not value:
        return datetime.now(zone)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def answer_rows(assistant: Assistant, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Answer each batch row ``{id, text, lang_hint, network, now}``."""
    zone = assistant.matcher.zone
    for row in rows:
        answer = assistant.answer(
            str(row.get("text") or ""),
            now=parse_now(row.get("now"), zone),
            network_id=row.get("network"),
            platform_hint=row.get("lang_hint"),
        )
        yield answer_json(answer, row.get("id"))


def answer_batch(
    catalogue: Catalogue,
    rows: Iterable[dict[str, Any]],
    changes: Iterable[OccurrenceChange] = (),
) -> list[dict[str, Any]]:
    """Answer a batch against an in-memory catalogue (used by the scorer and benchmarks)."""
    assistant = build_assistant(catalogue, list(changes))
    return list(answer_rows(assistant, rows))


def read_batch(text: str) -> Iterator[dict[str, Any]]:
    """Parse JSON lines, skipping blank ones."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"line {number}: not JSON ({error.msg})") from error
        if not isinstance(row, dict):
            raise ValueError(f"line {number}: expected a JSON object")
        now = row.get("now")
        if now is not None:
            try:
                datetime.fromisoformat(str(now))
            except ValueError:
                raise ValueError(f"line {number}: 'now' is not an ISO 8601 time") from None
        yield row
