"""The coordination file: each network's coordinators, coordinator chats and e-mail addresses.

``TARJOTIN_COORDINATION_FILE`` names a YAML file such as::

    networks:
      louhela:
        coordinators: ["telegram:123456", "matrix:@anna:example.org"]
        chats: ["telegram:-1001234567890", "matrix:!AbCdEf:example.org"]
        emails: ["kotoutuminen@louhela.fi"]

Ids are platform-qualified, as the bot sees them. Without the file nobody is a coordinator and
contact requests go by e-mail to the catalogue's coordinator address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from catalog.model import Catalogue
from catalog.source import SourceError, parse_yaml
from handlers.coordination.permissions import Desk
from handlers.core.events import ChatId, UserId

#: ``telegram:<id>``, ``matrix:@user:server``, ``matrix:!room`` (room ids of version 12 and
#: later have no ``:server`` part, older ones do).
_PLATFORM_ID = re.compile(r"^(telegram:-?\d+|matrix:@[^\s:]+:\S+|matrix:![^\s]+)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FIELDS = ("coordinators", "chats", "emails")

#: A coordination file names a few people and chats per network; a megabyte is far beyond.
MAX_FILE_BYTES = 1024 * 1024


class CoordinationError(ValueError):
    """The coordination file is not usable; the message names the network and the field."""


def _strings(network: str, field: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CoordinationError(f"networks.{network}.{field}: must be a list of strings")
    return [v.strip() for v in value]


def parse_desks(document: Any) -> dict[str, Desk]:
    """Validate a parsed coordination document; every problem is named by network and field."""
    if not isinstance(document, Mapping) or not isinstance(document.get("networks"), Mapping):
        raise CoordinationError("the file must have a 'networks' mapping")
    desks: dict[str, Desk] = {}
    problems: list[str] = []
    for network, entry in document["networks"].items():
        if not isinstance(entry, Mapping):
            problems.append(f"networks.{network}: must be a mapping")
            continue
        unknown = set(entry) - set(_FIELDS)
        if unknown:
            problems.append(f"networks.{network}: unknown keys {', '.join(sorted(unknown))}")
        try:
            people = _strings(network, "coordinators", entry.get("coordinators"))
            chats = _strings(network, "chats", entry.get("chats"))
            emails = _strings(network, "emails", entry.get("emails"))
        except CoordinationError as error:
            problems.append(str(error))
            continue
        for field, values in (("coordinators", people), ("chats", chats)):
            problems += [
                f"networks.{network}.{field}: {v!r} is not a telegram:<id> or matrix: id"
                for v in values
                if not _PLATFORM_ID.match(v)
            ]
        problems += [
            f"networks.{network}.emails: {v!r} is not an e-mail address"
            for v in emails
            if not _EMAIL.match(v)
        ]
        desks[str(network)] = Desk(
            str(network),
            tuple(UserId(p) for p in people),
            tuple(ChatId(c) for c in chats),
            tuple(emails),
        )
    if problems:
        raise CoordinationError("; ".join(problems))
    return desks


def load_desks(path: Path | None) -> dict[str, Desk]:
    """The desks of the coordination file (none without a file).

    YAML is read like a catalogue's (:func:`catalog.source.parse_yaml`): a file over
    :data:`MAX_FILE_BYTES`, not UTF-8, not YAML, with duplicate keys, anchors or aliases, or
    nested too deep is refused with one sentence, never a traceback.
    """
    if path is None:
        return {}
    try:
        document = parse_yaml(_read_text(path))
    except SourceError as error:
        where = f" (line {error.line})" if error.line else ""
        raise CoordinationError(f"{path}{where}: {error}") from None
    if document.refusals:
        raise CoordinationError(
            "; ".join(
                f"{path} line {document.line_of(place)}: {'.'.join(map(str, place))}: {message}"
                for place, message in document.refusals
            )
        )
    return parse_desks(document.data)


def _read_text(path: Path) -> str:
    """The file's text; :class:`CoordinationError` when it cannot be read, is too big or binary."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise CoordinationError(f"{path}: cannot read it ({error.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise CoordinationError(f"{path}: larger than 1 MiB, which no coordination file needs")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CoordinationError(f"{path}: not UTF-8 text") from None


def with_catalogue_emails(desks: Mapping[str, Desk], catalogue: Catalogue) -> dict[str, Desk]:
    """Every network gets a desk; one without configured e-mail uses the catalogue's address."""
    result = dict(desks)
    for network in catalogue.networks:
        desk = result.get(network.id, Desk(network.id))
        if not desk.emails and network.coordinator.email:
            desk = Desk(desk.network, desk.coordinators, desk.chats, (network.coordinator.email,))
        result[network.id] = desk
    return result
