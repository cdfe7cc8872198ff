"""What a draft changes, field by field, for the review screen and the audit trail.

Both versions are compared as records of the interchange format (what an export writes), so
the review shows exactly what publishing will change, and nothing the format does not keep.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from catalog.additions import activity_record
from catalog.model import Activity


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One changed field: its name (``title.ar``, ``schedule``…) and both values as text."""

    field: str
    before: str
    after: str


def _rule_text(rule: dict[str, Any]) -> str:
    times = rule["start"] + (
        "–" + rule["end"] if "end" in rule else " +" + rule.get("duration", "")
    )
    parts = [rule["rrule"], times]
    if "until" in rule:
        parts.append("until " + rule["until"])
    if rule.get("except"):
        parts.append("except " + ", ".join(rule["except"]))
    return ", ".join(parts)


def _shown(key: str, value: Any) -> str:
    """A record's value as one line of text."""
    if value is None:
        return ""
    if key == "schedule":
        return "; ".join(_rule_text(rule) for rule in value)
    if key == "dates":
        return "; ".join(f"{d['start']}–{d['end']}" for d in value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_shown(k, v)}" for k, v in value.items())
    return str(value)


_TEXTS = ("title", "description", "cost", "registration")


def changes(old: Activity | None, new: Activity) -> list[FieldChange]:
    """The fields ``new`` changes in ``old`` (every field set, for a new activity), in order.

    Texts are compared per language (``title.ar``), so adding an Arabic description is one
    line, not the whole description.
    """
    before = activity_record(old) if old is not None else {}
    after = activity_record(new)
    found: list[FieldChange] = []
    for key in dict.fromkeys([*after, *before]):
        if key in _TEXTS:
            was, now = before.get(key, {}), after.get(key, {})
            for language in dict.fromkeys([*now, *was]):
                if was.get(language) != now.get(language):
                    found.append(
                        FieldChange(
                            f"{key}.{language}", was.get(language, ""), now.get(language, "")
                        )
                    )
        elif before.get(key) != after.get(key):
            found.append(
                FieldChange(key, _shown(key, before.get(key)), _shown(key, after.get(key)))
            )
    return found


def compact(found: list[FieldChange]) -> str:
    """The changes as a compact JSON list of ``[field, before, after]`` for the audit trail."""
    return json.dumps(
        [[c.field, c.before, c.after] for c in found], ensure_ascii=False, separators=(",", ":")
    )


def from_compact(text: str) -> list[FieldChange]:
    """The changes :func:`compact` wrote (an empty list for an empty text)."""
    return [FieldChange(*entry) for entry in json.loads(text)] if text else []
