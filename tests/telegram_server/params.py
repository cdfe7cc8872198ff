"""Typed access to Bot API request parameters, whichever way they were sent.

Telegram takes parameters as a JSON body, as a urlencoded or multipart form, or
in the query string. In a form every value is a string and structured values
(``reply_markup``, ``commands``, ...) are JSON text; PTB sends exactly that.
:class:`Params` hides the difference so method handlers read typed values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.telegram_server.errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded in a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """The parameters of one call, with coercions that mirror Telegram's lenient parsing."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)

    def raw(self) -> dict[str, Any]:
        """Give the parameters as received, uploads replaced by their file names."""
        return {
            key: (f"<upload {value.filename}>" if isinstance(value, Upload) else value)
            for key, value in self._raw.items()
        }

    def has(self, name: str) -> bool:
        """Tell whether the parameter was sent with a non-empty value."""
        return self._raw.get(name) not in (None, "")

    def text(self, name: str) -> str | None:
        """Read a string parameter; numbers sent in JSON are stringified like Telegram does."""
        value = self._raw.get(name)
        if value is None or isinstance(value, Upload):
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def integer(self, name: str) -> int | None:
        """Read an integer parameter; absent or unparsable values read as ``None``."""
        value = self._raw.get(name)
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                return None
        return None

    def number(self, name: str) -> float | None:
        """Read a number parameter; absent or unparsable values read as ``None``."""
        value = self._raw.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                return None
        return None

    def flag(self, name: str) -> bool:
        """Read a Boolean parameter the way Telegram does (``true``/``1`` are true)."""
        value = self._raw.get(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1"}
        return bool(value)

    def structured(self, name: str, *, error: str) -> Any:
        """Read a structured parameter, decoding JSON text; ``error`` is the 400 detail."""
        value = self._raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error) from None
        if isinstance(value, Upload):
            raise bad_request(error)
        return value

    def upload(self, name: str) -> Upload | None:
        """Give the uploaded file for ``name``, following ``attach://`` references."""
        value = self._raw.get(name)
        if isinstance(value, Upload):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            attached = self._raw.get(value.removeprefix("attach://"))
            if isinstance(attached, Upload):
                return attached
        return None
