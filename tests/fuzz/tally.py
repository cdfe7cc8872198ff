"""What one entry's fuzzing found, and the checks of what the bot sent back."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from bot.telegram.callbacks import MAX_CALLBACK_BYTES
from bot.telegram.translate import utf16_len

#: A Matrix event may have 65,536 bytes; an encrypted one carries its content as base64 of the
#: encrypted JSON (4/3 of it) plus the envelope, so the content keeps well under that.
MATRIX_CONTENT_BYTES = 40_000

#: Tags the Matrix renderer writes itself; any other tag came from the input.
MATRIX_OWN_TAGS = frozenset({"br", "em"})

_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|nbsp|#\d{1,7}|#x[0-9a-fA-F]{1,6});)")


@dataclass
class Tally:
    """Counts for one entry: inputs, crashes, the longest reply against its limit, leaks."""

    entry: str
    limit: int | None
    """The platform's size limit of one reply (``None``: none, as in a terminal)."""
    unit: str
    inputs: int = 0
    crashes: list[str] = field(default_factory=list)
    oversized: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    longest: int = 0

    def problems(self) -> list[str]:
        """Every problem found so far, each with the input that caused it."""
        return self.crashes + self.oversized + self.leaks

    def crashed(self, given: object, error: BaseException) -> None:
        """An exception escaped the entry."""
        self.crashes.append(f"{type(error).__name__}: {error!s:.200} <- {given!r:.300}")

    def measure(self, size: int, given: object, what: str) -> None:
        """One reply's size; over the limit is a problem."""
        self.longest = max(self.longest, size)
        if self.limit is not None and size > self.limit:
            self.oversized.append(f"{what} of {size} {self.unit} > {self.limit} <- {given!r:.300}")

    def leaked(self, given: object, what: str) -> None:
        """Input that came out as markup."""
        self.leaks.append(f"{what} <- {given!r:.300}")


# --- Telegram -----------------------------------------------------------------------------------


def check_telegram_html(tally: Tally, text: str, given: object) -> None:
    """A message in HTML parse mode: no tag at all (the bot writes none), ``&`` escaped, short."""
    if "<" in text or ">" in text:
        tally.leaked(given, f"a tag in Telegram HTML {text[:80]!r}")
    if _BARE_AMPERSAND.search(text):
        tally.leaked(given, f"a bare & in Telegram HTML {text[:80]!r}")
    tally.measure(utf16_len(html.unescape(text)), given, "a Telegram message")


def check_callback_data(tally: Tally, data: str, given: object) -> None:
    """Button data must fit Telegram's 64 bytes (a longer button makes the whole send fail)."""
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        tally.oversized.append(f"button data of {len(data.encode())} bytes <- {given!r:.300}")


# --- Matrix -------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """The tags (with their attributes) of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def html_tags(markup: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The start tags of ``markup`` as a browser's tokenizer sees them."""
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser.tags


def content_bytes(content: Mapping[str, Any]) -> int:
    """The size of an event's content as JSON in UTF-8, as the homeserver counts it."""
    return len(json.dumps(content, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def check_matrix_content(tally: Tally, content: Mapping[str, Any], given: object) -> None:
    """A notice: only the renderer's own tags, without attributes; the content well under 64 KiB."""
    markup = content.get("formatted_body")
    if isinstance(markup, str):
        for tag, attrs in html_tags(markup):
            if tag not in MATRIX_OWN_TAGS or attrs:
                tally.leaked(given, f"<{tag} {attrs}> in Matrix formatted_body")
        if _BARE_AMPERSAND.search(markup):
            tally.leaked(given, "a bare & in Matrix formatted_body")
    tally.measure(content_bytes(content), given, "a Matrix event's content")
