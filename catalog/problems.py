"""Problems found in a catalogue file, each naming the record, the field and the line."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as data_field

from catalog.source import Document, Path_

_SINGULAR = {
    "networks": "network",
    "organisations": "organisation",
    "places": "place",
    "activities": "activity",
}


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with a catalogue file, phrased for the coordinator who keeps it."""

    line: int | None
    record: str
    field: str
    message: str
    path: Path_ = data_field(default=(), compare=False, repr=False)
    """Where in the data it is: lets an importer look up the line later (not compared)."""

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        subject = self.record if not self.field else f"{self.record}, field {self.field}"
        return f"{where}{subject}: {self.message}"


def describe_record(document: Document, path: Path_) -> tuple[str, Path_]:
    """Name the record a path points into and return the rest of the path (the field)."""
    if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int):
        collection, index = path[0], path[1]
        singular = _SINGULAR.get(collection, collection)
        record_id = None
        items = document.data.get(collection) if isinstance(document.data, dict) else None
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            candidate = items[index].get("id")
            if isinstance(candidate, str) and candidate:
                record_id = candidate
        name = f"{singular} {record_id!r}" if record_id else f"{singular} #{index + 1}"
        return name, path[2:]
    return "catalogue", path


def field_name(path: Path_) -> str:
    """Render a path inside a record as ``schedule[0].rrule``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def problem_at(document: Document, path: Path_, message: str) -> Problem:
    """Build a problem for the value at ``path``."""
    record, rest = describe_record(document, path)
    return Problem(document.line_of(path), record, field_name(rest), message, path)
